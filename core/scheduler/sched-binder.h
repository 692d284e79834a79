/* What the scheduler writes: bindings (asynchronously, so the scheduling
 * loop never waits for a round trip), the PodScheduled=False condition of
 * a pod that fits nowhere, and Events.  Main thread only. */
#pragma once

#include <kcore/client.h>
#include <kcore/event-recorder.h>

G_BEGIN_DECLS

typedef struct _KcSchedBinder KcSchedBinder;

/* Events name the pod's profile (its schedulerName) as their source, as
 * Kubernetes' scheduler does. */
KcSchedBinder *kc_sched_binder_new (KcClient *client,
                                    gboolean record_scheduled_events);
void kc_sched_binder_free (KcSchedBinder *binder);

/* POSTs pods/NAME/binding for @pod (its JSON) to @node_name; @callback
 * gets kc_sched_binder_bind_finish. */
void kc_sched_binder_bind_async (KcSchedBinder *binder, JsonNode *pod,
                                 const char *node_name,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean kc_sched_binder_bind_finish (KcSchedBinder *binder,
                                      GAsyncResult *result, GError **error);

/* The "Scheduled" Event of a bound pod (when enabled). */
void kc_sched_binder_report_bound (KcSchedBinder *binder, JsonNode *pod,
                                   const char *scheduler_name,
                                   const char *node_name);

/* Sets PodScheduled=False with @reason ("Unschedulable" or
 * "SchedulerError") and @message on @pod unless the pod already says so,
 * and records a FailedScheduling Event (repeats aggregate into one). */
void kc_sched_binder_report_failure (KcSchedBinder *binder, JsonNode *pod,
                                     const char *scheduler_name,
                                     const char *reason, const char *message);

/* Forgets what was reported about the pod @key (it was deleted). */
void kc_sched_binder_forget (KcSchedBinder *binder, const char *key);

G_END_DECLS
