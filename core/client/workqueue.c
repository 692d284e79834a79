/* KcWorkQueue: deduplicating, in-flight-exclusive, rate-limited queue of
 * string keys, driven by the creator's main context. */
#include "client-private.h"
#include "kcore/workqueue.h"

struct _KcWorkQueue
{
  char *name;
  GMainContext *context;
  GQueue queue;         /* keys ready (owned strings) */
  GHashTable *dirty;    /* keys queued or waiting to be re-queued */
  GHashTable *processing;
  GHashTable *delayed;  /* key -> Delayed */
  GHashTable *failures; /* key -> GUINT_TO_POINTER (n) */
  guint base_delay_ms, max_delay_ms;
  KccRateLimiter *bucket;
  gboolean shutting_down, drained_notified;
  KcWorkQueueReadyFunc ready;
  gpointer ready_data;
  GDestroyNotify ready_destroy;
  GSource *ready_idle;
};

typedef struct
{
  KcWorkQueue *queue;
  char *key;
  gint64 when; /* monotonic µs */
  GSource *source;
} Delayed;

static void
delayed_free (Delayed *d)
{
  g_source_destroy (d->source);
  g_source_unref (d->source);
  g_free (d->key);
  g_free (d);
}

static gboolean
on_ready_idle (gpointer user_data)
{
  KcWorkQueue *q = user_data;
  g_clear_pointer (&q->ready_idle, g_source_unref);
  if (q->ready)
    q->ready (q, q->ready_data);
  return G_SOURCE_REMOVE;
}

static void
notify_ready (KcWorkQueue *q)
{
  if (q->ready_idle || !q->ready)
    return;
  q->ready_idle = g_idle_source_new ();
  g_source_set_callback (q->ready_idle, on_ready_idle, q, NULL);
  g_source_attach (q->ready_idle, q->context);
}

KcWorkQueue *
kc_workqueue_new_full (const char *name, guint base_delay_ms,
                       guint max_delay_ms, double qps, guint burst)
{
  KcWorkQueue *q = g_new0 (KcWorkQueue, 1);
  q->name = g_strdup (name ? name : "workqueue");
  q->context = g_main_context_ref_thread_default ();
  g_queue_init (&q->queue);
  q->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  q->processing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         NULL);
  q->delayed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) delayed_free);
  q->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       NULL);
  q->base_delay_ms = MAX (base_delay_ms, 1);
  q->max_delay_ms = MAX (max_delay_ms, q->base_delay_ms);
  q->bucket = qps > 0 ? kcc_rate_limiter_new (qps, burst) : NULL;
  return q;
}

KcWorkQueue *
kc_workqueue_new (const char *name)
{
  return kc_workqueue_new_full (name, 5, 1000 * 1000, 10, 100);
}

void
kc_workqueue_free (KcWorkQueue *q)
{
  if (!q)
    return;
  if (q->ready_idle)
    {
      g_source_destroy (q->ready_idle);
      g_source_unref (q->ready_idle);
    }
  if (q->ready_destroy)
    q->ready_destroy (q->ready_data);
  g_hash_table_unref (q->delayed);
  g_queue_clear_full (&q->queue, g_free);
  g_hash_table_unref (q->dirty);
  g_hash_table_unref (q->processing);
  g_hash_table_unref (q->failures);
  kcc_rate_limiter_free (q->bucket);
  g_main_context_unref (q->context);
  g_free (q->name);
  g_free (q);
}

void
kc_workqueue_set_ready_func (KcWorkQueue *q, KcWorkQueueReadyFunc func,
                             gpointer user_data, GDestroyNotify destroy)
{
  if (q->ready_destroy)
    q->ready_destroy (q->ready_data);
  q->ready = func;
  q->ready_data = user_data;
  q->ready_destroy = destroy;
  if (q->queue.length)
    notify_ready (q);
}

void
kc_workqueue_add (KcWorkQueue *q, const char *key)
{
  if (q->shutting_down || g_hash_table_contains (q->dirty, key))
    return;
  g_hash_table_add (q->dirty, g_strdup (key));
  if (g_hash_table_contains (q->processing, key))
    return; /* queued again by done() */
  g_queue_push_tail (&q->queue, g_strdup (key));
  notify_ready (q);
}

static gboolean
on_delayed (gpointer user_data)
{
  Delayed *d = user_data;
  KcWorkQueue *q = d->queue;
  g_autofree char *key = g_strdup (d->key);
  g_hash_table_remove (q->delayed, key); /* frees d */
  kc_workqueue_add (q, key);
  return G_SOURCE_REMOVE;
}

void
kc_workqueue_add_after (KcWorkQueue *q, const char *key, guint delay_ms)
{
  if (q->shutting_down)
    return;
  if (delay_ms == 0)
    {
      kc_workqueue_add (q, key);
      return;
    }
  gint64 when = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  Delayed *old = g_hash_table_lookup (q->delayed, key);
  if (old && old->when <= when)
    return; /* already due earlier */
  Delayed *d = g_new0 (Delayed, 1);
  d->queue = q;
  d->key = g_strdup (key);
  d->when = when;
  d->source = g_timeout_source_new (delay_ms);
  g_source_set_callback (d->source, on_delayed, d, NULL);
  g_source_attach (d->source, q->context);
  g_hash_table_replace (q->delayed, d->key, d);
}

void
kc_workqueue_add_rate_limited (KcWorkQueue *q, const char *key)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (q->failures, key));
  g_hash_table_replace (q->failures, g_strdup (key), GUINT_TO_POINTER (n + 1));
  guint64 item = (guint64) q->base_delay_ms << MIN (n, 40u);
  item = MIN (item, (guint64) q->max_delay_ms);
  gint64 overall = q->bucket ? kcc_rate_limiter_reserve (q->bucket) / 1000
                             : 0;
  kc_workqueue_add_after (q, key, (guint) MAX ((gint64) item, overall));
}

void
kc_workqueue_forget (KcWorkQueue *q, const char *key)
{
  g_hash_table_remove (q->failures, key);
}

guint
kc_workqueue_num_requeues (KcWorkQueue *q, const char *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (q->failures, key));
}

static void
check_drained (KcWorkQueue *q)
{
  if (kc_workqueue_is_drained (q) && !q->drained_notified)
    {
      q->drained_notified = TRUE;
      notify_ready (q);
    }
}

char *
kc_workqueue_get (KcWorkQueue *q)
{
  char *key = g_queue_pop_head (&q->queue);
  if (!key)
    {
      check_drained (q);
      return NULL;
    }
  g_hash_table_remove (q->dirty, key);
  g_hash_table_add (q->processing, g_strdup (key));
  return key;
}

void
kc_workqueue_done (KcWorkQueue *q, const char *key)
{
  if (!g_hash_table_remove (q->processing, key))
    return;
  if (g_hash_table_contains (q->dirty, key))
    {
      g_queue_push_tail (&q->queue, g_strdup (key));
      notify_ready (q);
    }
  check_drained (q);
}

guint
kc_workqueue_len (KcWorkQueue *q)
{
  return q->queue.length;
}

void
kc_workqueue_shutdown (KcWorkQueue *q)
{
  q->shutting_down = TRUE;
  g_hash_table_remove_all (q->delayed);
  check_drained (q);
}

gboolean
kc_workqueue_is_shutting_down (KcWorkQueue *q)
{
  return q->shutting_down;
}

gboolean
kc_workqueue_is_drained (KcWorkQueue *q)
{
  return q->shutting_down && q->queue.length == 0
         && g_hash_table_size (q->processing) == 0;
}
