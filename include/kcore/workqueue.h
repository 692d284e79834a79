/* A work queue of string keys for controllers, in the style of client-go's
 * rate-limited work queue.  See docs/client-library.md.
 *
 * - A key is queued at most once (adding a queued key does nothing).
 * - A key handed out by get() is "in flight" until done(); adding it
 *   meanwhile queues it again after done(), never hands it out twice.
 * - add_rate_limited() delays by a per-key exponential back-off (base * 2^n,
 *   up to max) and by an overall token bucket; forget() resets the key.
 * - add_after() queues after a delay.
 * - shutdown(): adds are ignored, delayed adds dropped; get() keeps handing
 *   out what is queued, then returns NULL.
 *
 * Threading: a work queue belongs to the thread-default main context of the
 * thread that created it; use it from that thread only.  get() never
 * blocks: it returns NULL when nothing is ready, and the ready callback
 * (from an idle source in that context) says when to call it again. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KcWorkQueue KcWorkQueue;

/* Called in the queue's context when keys are ready for get(); call get()
 * until it returns NULL.  Also called once after shutdown when drained. */
typedef void (*KcWorkQueueReadyFunc) (KcWorkQueue *queue, gpointer user_data);

/* Defaults: back-off 5 ms to 1000 s, overall bucket 10 QPS burst 100 (as
 * client-go).  Transfer full. */
KcWorkQueue *kc_workqueue_new (const char *name);
/* @qps <= 0 disables the overall bucket. */
KcWorkQueue *kc_workqueue_new_full (const char *name, guint base_delay_ms,
                                    guint max_delay_ms, double qps,
                                    guint burst);
/* Frees the queue (pending delayed adds are dropped). */
void kc_workqueue_free (KcWorkQueue *queue);

void kc_workqueue_set_ready_func (KcWorkQueue *queue,
                                  KcWorkQueueReadyFunc func,
                                  gpointer user_data, GDestroyNotify destroy);

void kc_workqueue_add (KcWorkQueue *queue, const char *key);
void kc_workqueue_add_after (KcWorkQueue *queue, const char *key,
                             guint delay_ms);
void kc_workqueue_add_rate_limited (KcWorkQueue *queue, const char *key);
/* Resets @key's back-off (call after it was processed successfully). */
void kc_workqueue_forget (KcWorkQueue *queue, const char *key);
/* How many times @key went through add_rate_limited() since forget(). */
guint kc_workqueue_num_requeues (KcWorkQueue *queue, const char *key);

/* The next key (transfer full, g_free it) or NULL if none is ready.  The
 * key is in flight until kc_workqueue_done(). */
char *kc_workqueue_get (KcWorkQueue *queue);
void kc_workqueue_done (KcWorkQueue *queue, const char *key);

/* Keys queued (not in flight, not delayed). */
guint kc_workqueue_len (KcWorkQueue *queue);
void kc_workqueue_shutdown (KcWorkQueue *queue);
gboolean kc_workqueue_is_shutting_down (KcWorkQueue *queue);
/* TRUE once shut down, empty and nothing in flight. */
gboolean kc_workqueue_is_drained (KcWorkQueue *queue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcWorkQueue, kc_workqueue_free)

G_END_DECLS
