/* Records core/v1 Events about objects, aggregating repeats: an event with
 * the same involved object, type, reason and message as one this recorder
 * already created increments that Event's count and lastTimestamp (PATCH)
 * instead of creating another.  See docs/client-library.md.
 *
 * It remembers the last 4,096 distinct events for that (as Kubernetes'
 * event correlator does), so its memory stays bounded.
 *
 * Threading: lives in its client's main context; call it from that
 * thread.  Events are sent one at a time, in order; at most 1,000 wait
 * (more are dropped, with one warning per 10 s counting them: events are
 * best effort). */
#pragma once

#include <kcore/client.h>

G_BEGIN_DECLS

typedef struct _KcEventRecorder KcEventRecorder;

#define KC_EVENT_NORMAL "Normal"
#define KC_EVENT_WARNING "Warning"

/* Events name @component as source.component.  Keeps a reference to
 * @client.  Transfer full. */
KcEventRecorder *kc_event_recorder_new (KcClient *client,
                                        const char *component);
/* Frees the recorder; events not sent yet are dropped. */
void kc_event_recorder_free (KcEventRecorder *recorder);

/* Fire and forget: records an event about @involved (an object with
 * apiVersion, kind and metadata; borrowed, the fields needed are copied).
 * Failures are logged. */
void kc_event_recorder_record (KcEventRecorder *recorder, JsonNode *involved,
                               const char *type, const char *reason,
                               const char *message);
/* The same, completing when the Event has been written; finish returns
 * the Event as stored (transfer full) or NULL with @error. */
void kc_event_recorder_record_async (KcEventRecorder *recorder,
                                     JsonNode *involved, const char *type,
                                     const char *reason, const char *message,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
JsonNode *kc_event_recorder_record_finish (KcEventRecorder *recorder,
                                           GAsyncResult *result,
                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcEventRecorder, kc_event_recorder_free)

G_END_DECLS
