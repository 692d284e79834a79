/* Watches of the memory store.
 *
 * Writes happen under the store lock in any thread, but a watch's function
 * must run in the main context of the thread that started it, and never
 * under the lock (it may call back into the store).  So a write only copies
 * its event into the watch's pending queue and makes sure one idle source is
 * attached to the watch's context; that idle takes the whole queue and hands
 * it to the function as one batch.  One idle at a time and one queue in
 * revision order give ordered delivery without gaps or repeats.
 *
 * Each watch has its own small lock for the queue, so an idle never needs
 * the store (which may be destroyed while an idle is still attached).  Lock
 * order: store lock, then watch lock, then (inside GLib) the context lock. */
#include "build-config.h"

#include "memory-store.h"

struct _KcStoreWatch
{
  gint ref_count; /* the store's list (until cancel) + an attached idle */
  char *prefix;
  gint64 min_revision; /* first revision to deliver */
  GMainContext *context;
  KcStoreWatchFunc func;
  gpointer user_data;
  GDestroyNotify destroy;

  GMutex lock;        /* guards the members below */
  GArray *pending;    /* of KcStoreEvent, owned */
  GError *error;      /* the watch ended: delivered after pending */
  gboolean ended;     /* an error was queued: nothing more is queued */
  gboolean cancelled; /* func must not be called any more */
  GSource *idle;      /* the attached delivery idle, or NULL */
};

void
kc_memory_event_clear (gpointer data)
{
  KcStoreEvent *event = data;

  g_clear_pointer (&event->kv, kc_store_kv_free);
  g_clear_pointer (&event->prev_kv, kc_store_kv_free);
}

static GArray *
event_array_new (void)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (KcStoreEvent));

  g_array_set_clear_func (events, kc_memory_event_clear);
  return events;
}

static KcStoreWatch *
watch_ref (KcStoreWatch *watch)
{
  g_atomic_int_inc (&watch->ref_count);
  return watch;
}

static void
watch_unref (gpointer data)
{
  KcStoreWatch *watch = data;

  if (!g_atomic_int_dec_and_test (&watch->ref_count))
    return;
  g_free (watch->prefix);
  g_main_context_unref (watch->context);
  g_array_unref (watch->pending);
  g_clear_error (&watch->error);
  g_mutex_clear (&watch->lock);
  g_free (watch);
}

static gboolean
watch_is_cancelled (KcStoreWatch *watch)
{
  g_mutex_lock (&watch->lock);
  gboolean cancelled = watch->cancelled;
  g_mutex_unlock (&watch->lock);
  return cancelled;
}

/* The idle: hands the queued batch, then a queued error, to func. */
static gboolean
watch_deliver (gpointer data)
{
  KcStoreWatch *watch = data;

  g_mutex_lock (&watch->lock);
  g_clear_pointer (&watch->idle, g_source_unref);
  if (watch->cancelled)
    {
      g_mutex_unlock (&watch->lock);
      return G_SOURCE_REMOVE;
    }
  g_autoptr (GArray) events = watch->pending;
  watch->pending = event_array_new ();
  g_autoptr (GError) error = g_steal_pointer (&watch->error);
  g_mutex_unlock (&watch->lock);

  if (events->len > 0)
    watch->func ((const KcStoreEvent *) (gpointer) events->data, events->len,
                 NULL, watch->user_data);
  /* func may have cancelled the watch. */
  if (error != NULL && !watch_is_cancelled (watch))
    watch->func (NULL, 0, error, watch->user_data);
  return G_SOURCE_REMOVE;
}

/* Makes sure a delivery idle is attached.  Called with watch->lock held. */
static void
watch_schedule_locked (KcStoreWatch *watch)
{
  if (watch->idle != NULL || watch->cancelled)
    return;
  watch->idle = g_idle_source_new ();
  /* Default priority, not idle: events must not starve behind busy I/O. */
  g_source_set_priority (watch->idle, G_PRIORITY_DEFAULT);
  g_source_set_name (watch->idle, "kc-memory-watch");
  g_source_set_callback (watch->idle, watch_deliver, watch_ref (watch),
                         watch_unref);
  g_source_attach (watch->idle, watch->context);
}

static gboolean
watch_matches (const KcStoreWatch *watch, const KcStoreEvent *event)
{
  return event->kv->mod_revision >= watch->min_revision
         && g_str_has_prefix (event->kv->key, watch->prefix);
}

/* Queues a copy of @event.  Called with watch->lock held. */
static void
watch_queue_locked (KcStoreWatch *watch, const KcStoreEvent *event)
{
  KcStoreEvent copy = {
    .type = event->type,
    .kv = kc_store_kv_copy (event->kv),
    .prev_kv = event->prev_kv ? kc_store_kv_copy (event->prev_kv) : NULL,
  };

  g_array_append_val (watch->pending, copy);
  watch_schedule_locked (watch);
}

void
kc_memory_watch_notify (KcMemoryStore *self, const KcStoreEvent *event)
{
  if (self->watches == NULL)
    return;
  for (guint i = 0; i < self->watches->len; i++)
    {
      KcStoreWatch *watch = g_ptr_array_index (self->watches, i);

      if (!watch_matches (watch, event))
        continue;
      g_mutex_lock (&watch->lock);
      if (!watch->ended && !watch->cancelled)
        watch_queue_locked (watch, event);
      g_mutex_unlock (&watch->lock);
    }
}

/* Queues the logged events from watch->min_revision on.  Called with both
 * locks held, so no write can slip between the replay and live events. */
static void
watch_replay_locked (KcMemoryStore *self, KcStoreWatch *watch)
{
  if (self->log.len == 0 || watch->min_revision > self->revision)
    return;
  /* The log may still hold events below the compact revision while they
   * are being dropped; min_revision is never below it, so start there. */
  for (gint64 r = MAX (watch->min_revision, self->log.first_revision);
       r <= self->revision; r++)
    {
      const KcStoreEvent *event = kc_memory_log_get (&self->log, r);
      if (event != NULL && watch_matches (watch, event))
        watch_queue_locked (watch, event);
    }
}

KcStoreWatch *
kc_memory_watch_new (KcMemoryStore *self, const char *prefix,
                     gint64 start_revision, KcStoreWatchFunc func,
                     gpointer user_data, GDestroyNotify destroy)
{
  KcStoreWatch *watch = g_new0 (KcStoreWatch, 1);

  watch->ref_count = 1;
  watch->prefix = g_strdup (prefix ? prefix : "");
  watch->context = g_main_context_ref_thread_default ();
  watch->func = func;
  watch->user_data = user_data;
  watch->destroy = destroy;
  g_mutex_init (&watch->lock);
  watch->pending = event_array_new ();

  g_mutex_lock (&self->lock);
  g_mutex_lock (&watch->lock);
  if (start_revision != 0 && start_revision < self->compact_revision)
    {
      watch->error = g_error_new (
          KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED,
          "memory store: cannot watch %s from revision %" G_GINT64_FORMAT
          ": it was compacted (oldest available: %" G_GINT64_FORMAT
          "); list again and watch from the list's revision",
          watch->prefix, start_revision, self->compact_revision);
      watch->ended = TRUE;
      watch_schedule_locked (watch);
    }
  else
    {
      watch->min_revision
          = start_revision > 0 ? start_revision : self->revision + 1;
      watch_replay_locked (self, watch);
    }
  g_mutex_unlock (&watch->lock);
  if (self->watches == NULL)
    self->watches = g_ptr_array_new ();
  g_ptr_array_add (self->watches, watch);
  g_mutex_unlock (&self->lock);
  return watch;
}

/* Cancels @watch, already out of the store's list, and drops that list's
 * reference. */
static void
watch_finish (KcStoreWatch *watch)
{
  g_mutex_lock (&watch->lock);
  watch->cancelled = TRUE;
  GSource *idle = g_steal_pointer (&watch->idle);
  g_array_set_size (watch->pending, 0);
  g_clear_error (&watch->error);
  g_mutex_unlock (&watch->lock);

  /* Outside the watch lock: destroying the idle drops its reference. */
  if (idle != NULL)
    {
      g_source_destroy (idle);
      g_source_unref (idle);
    }
  if (watch->destroy != NULL)
    watch->destroy (watch->user_data);
  watch_unref (watch);
}

void
kc_memory_watch_cancel (KcMemoryStore *self, KcStoreWatch *watch)
{
  g_return_if_fail (watch != NULL);

  g_mutex_lock (&self->lock);
  gboolean found
      = self->watches != NULL && g_ptr_array_remove (self->watches, watch);
  g_mutex_unlock (&self->lock);
  g_return_if_fail (found);
  watch_finish (watch);
}

void
kc_memory_watch_cancel_all (KcMemoryStore *self)
{
  g_mutex_lock (&self->lock);
  GPtrArray *watches = g_steal_pointer (&self->watches);
  g_mutex_unlock (&self->lock);

  if (watches == NULL)
    return;
  for (guint i = 0; i < watches->len; i++)
    watch_finish (g_ptr_array_index (watches, i));
  g_ptr_array_unref (watches);
}
