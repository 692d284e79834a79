/* The scheduling queue: the active queue (ordered by the queue-sort
 * policy: priority, then creation time), the back-off queue (pods that
 * failed wait 1 s, 2 s, 4 s ... up to a maximum) and the unschedulable
 * pool (pods that fit nowhere wait there until a cluster event could make
 * them fit: no polling).  Main thread only. */
#pragma once

#include "sched-private.h"

G_BEGIN_DECLS

typedef struct _KcSchedQueue KcSchedQueue;

/* Orders two pods: negative when @a goes first. */
typedef int (*KcSchedQueueCompare) (const KcSchedPod *a, const KcSchedPod *b,
                                    gpointer data);
/* Called when the active queue goes from empty to non-empty. */
typedef void (*KcSchedQueueReady) (gpointer data);

KcSchedQueue *kc_sched_queue_new (KcSchedQueueCompare compare,
                                  gpointer compare_data,
                                  KcSchedQueueReady ready, gpointer ready_data,
                                  guint initial_backoff_ms,
                                  guint max_backoff_ms,
                                  guint unschedulable_flush_s);
void kc_sched_queue_free (KcSchedQueue *queue);

/* A pending pod was added or changed.  A new pod goes to the active
 * queue.  A known pod gets its new object; when @spec_changed and it sits
 * in the unschedulable pool it is moved out (it may fit now). */
void kc_sched_queue_add_or_update (KcSchedQueue *queue, KcSchedPod *pod,
                                   gboolean spec_changed);
/* The pod was deleted or bound by someone else: forget it. */
void kc_sched_queue_remove (KcSchedQueue *queue, const char *key);
/* (transfer full) the next pod to schedule, now "in flight", or NULL. */
KcSchedPod *kc_sched_queue_pop (KcSchedQueue *queue);

typedef enum
{
  KC_SCHED_QUEUE_DONE,          /* bound: forget it */
  KC_SCHED_QUEUE_UNSCHEDULABLE, /* fits nowhere: wait for a cluster event */
  KC_SCHED_QUEUE_RETRY,         /* an error: retry after back-off */
} KcSchedQueueOutcome;

/* Ends the flight of the pod @key with @outcome.  A pod that was updated
 * or removed in flight is handled as its latest state asks. */
void kc_sched_queue_done (KcSchedQueue *queue, const char *key,
                          KcSchedQueueOutcome outcome);

/* A cluster event that may make unschedulable pods fit (node added or
 * changed, pod deleted or finished): all of them leave the pool, to the
 * back-off queue if their back-off has not expired, else to the active
 * queue. */
void kc_sched_queue_move_all (KcSchedQueue *queue, const char *why);

/* Counts, for logs and tests. */
guint kc_sched_queue_get_n_active (KcSchedQueue *queue);
guint kc_sched_queue_get_n_backoff (KcSchedQueue *queue);
guint kc_sched_queue_get_n_unschedulable (KcSchedQueue *queue);

G_END_DECLS
