/* Watches.  A watch is either live (the writer hands it the events of each
 * commit) or replaying (a read job copies the revision log from its next
 * revision on).  Both paths only ever add events at or after the watch's
 * next_revision and move next_revision past them, under the watch's lock,
 * so the hand-over from replay to live has neither gap nor duplicate: the
 * replay turns the watch live only once it has read every revision the
 * writer has published, and the writer publishes (under the hub lock) only
 * after it committed.
 *
 * Events reach the watch's function through an idle source in the main
 * context of the thread that started the watch, never under a lock. */
#include "build-config.h"

#include <string.h>

#include "sqlite-store.h"

/* Log rows read per replay step. */
#define REPLAY_CHUNK 1000

struct _KcSqliteWatchHub
{
  GMutex lock;
  GPtrArray *watches;      /* KcStoreWatch*: the handles' refs */
  gint64 published;        /* the last revision handed to live watches */
  KcSqliteReaders *readers;
  char *path;
};

struct _KcStoreWatch
{
  gatomicrefcount ref;
  char *prefix;
  char *prefix_end;        /* nullable: no upper bound */
  gsize prefix_len;
  GMainContext *context;
  KcStoreWatchFunc func;
  gpointer user_data;
  GDestroyNotify destroy;

  GMutex lock;             /* protects the members below */
  gint64 next_revision;
  gboolean live;
  gboolean failed;         /* an error is queued: nothing more after it */
  GPtrArray *pending;      /* KcSqliteEvent* waiting for delivery */
  GError *pending_error;
  GSource *source;         /* the scheduled delivery, if any */

  /* Owner thread only (the one iterating @context). */
  gint cancelled;          /* atomic: also read by replay jobs */
  gboolean dispatching;
  gboolean destroy_after_dispatch;
};

static KcStoreWatch *
watch_ref (KcStoreWatch *w)
{
  g_atomic_ref_count_inc (&w->ref);
  return w;
}

static void
watch_unref (gpointer data)
{
  KcStoreWatch *w = data;
  if (!g_atomic_ref_count_dec (&w->ref))
    return;
  g_free (w->prefix);
  g_free (w->prefix_end);
  g_main_context_unref (w->context);
  g_mutex_clear (&w->lock);
  g_ptr_array_unref (w->pending);
  g_clear_error (&w->pending_error);
  if (w->source)
    g_source_unref (w->source);
  g_free (w);
}

static gboolean
watch_matches (const KcStoreWatch *w, const KcSqliteEvent *event)
{
  return strncmp (event->event.kv->key, w->prefix, w->prefix_len) == 0;
}

/* ---- delivery ---------------------------------------------------------- */

static gboolean
dispatch (gpointer data)
{
  KcStoreWatch *w = data;

  g_mutex_lock (&w->lock);
  g_autoptr (GPtrArray) events = w->pending;
  w->pending = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_sqlite_event_unref);
  g_autoptr (GError) error = g_steal_pointer (&w->pending_error);
  g_clear_pointer (&w->source, g_source_unref);
  g_mutex_unlock (&w->lock);

  w->dispatching = TRUE;
  if (events->len > 0 && !g_atomic_int_get (&w->cancelled))
    {
      g_autofree KcStoreEvent *array = g_new (KcStoreEvent, events->len);
      for (guint i = 0; i < events->len; i++)
        array[i] = ((KcSqliteEvent *) g_ptr_array_index (events, i))->event;
      w->func (array, events->len, NULL, w->user_data);
    }
  if (error && !g_atomic_int_get (&w->cancelled))
    w->func (NULL, 0, error, w->user_data);
  w->dispatching = FALSE;

  if (w->destroy_after_dispatch && w->destroy)
    w->destroy (w->user_data);
  w->destroy_after_dispatch = FALSE;
  return G_SOURCE_REMOVE;
}

/* With w->lock held. */
static void
schedule (KcStoreWatch *w)
{
  if (w->source || g_atomic_int_get (&w->cancelled))
    return;
  w->source = g_idle_source_new ();
  g_source_set_priority (w->source, G_PRIORITY_DEFAULT);
  g_source_set_callback (w->source, dispatch, watch_ref (w), watch_unref);
  g_source_set_static_name (w->source, "kc-sqlite-watch");
  g_source_attach (w->source, w->context);
}

/* With w->lock held.  Queues @events (revision order) the watch has not
 * seen yet and moves next_revision past @last_revision. */
static void
add_events (KcStoreWatch *w, GPtrArray *events, gint64 last_revision)
{
  gboolean added = FALSE;

  if (w->failed)
    return;
  for (guint i = 0; i < events->len; i++)
    {
      KcSqliteEvent *event = g_ptr_array_index (events, i);
      if (kc_sqlite_event_revision (event) < w->next_revision
          || !watch_matches (w, event))
        continue;
      g_ptr_array_add (w->pending, kc_sqlite_event_ref (event));
      added = TRUE;
    }
  w->next_revision = MAX (w->next_revision, last_revision + 1);
  if (added)
    schedule (w);
}

/* With w->lock held.  Ends the watch with @error (taken). */
static void
fail (KcStoreWatch *w, GError *error)
{
  if (w->failed)
    {
      g_error_free (error);
      return;
    }
  w->failed = TRUE;
  w->pending_error = error;
  schedule (w);
}

void
kc_sqlite_watch_hub_publish (KcSqliteWatchHub *hub, GPtrArray *events,
                             gint64 revision)
{
  g_mutex_lock (&hub->lock);
  for (guint i = 0; i < hub->watches->len; i++)
    {
      KcStoreWatch *w = g_ptr_array_index (hub->watches, i);
      g_mutex_lock (&w->lock);
      if (w->live)
        add_events (w, events, revision);
      g_mutex_unlock (&w->lock);
    }
  hub->published = revision;
  g_mutex_unlock (&hub->lock);
}

/* ---- replay ------------------------------------------------------------ */

typedef struct
{
  KcSqliteWatchHub *hub;
  KcStoreWatch *watch; /* a ref */
} ReplayJob;

/* Reads up to REPLAY_CHUNK log rows of the watch's range from @from on.
 * Sets *out_last to the last revision the read covered. */
static gboolean
replay_read (sqlite3 *db, KcSqliteWatchHub *hub, KcStoreWatch *w,
             gint64 from, GPtrArray *events, gint64 *out_last,
             GError **error)
{
  gint64 current = 0, compacted = 0;
  sqlite3_stmt *stmt = NULL;

  if (!kc_sqlite_read_begin (db, hub->path, &current, &compacted, error))
    return FALSE;
  if (from < compacted)
    {
      kc_sqlite_read_end (db);
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED,
                   "watch \"%s\" from revision %" G_GINT64_FORMAT
                   ": compacted (the oldest revision kept is %"
                   G_GINT64_FORMAT ")",
                   w->prefix, from, compacted);
      return FALSE;
    }
  g_autofree char *sql = g_strdup_printf (
      "SELECT " KC_SQLITE_LOG_COLUMNS " FROM log WHERE revision >= ?1 AND"
      " revision <= ?2 AND key >= ?3 %s ORDER BY revision LIMIT %d",
      w->prefix_end ? "AND key < ?4" : "", REPLAY_CHUNK);
  int rc;
  stmt = kc_sqlite_stmt_get (db, sql, &rc);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, from);
      sqlite3_bind_int64 (stmt, 2, current);
      sqlite3_bind_text (stmt, 3, w->prefix, -1, SQLITE_STATIC);
      if (w->prefix_end)
        sqlite3_bind_text (stmt, 4, w->prefix_end, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (events, kc_sqlite_row_event (stmt));
    }
  kc_sqlite_stmt_put (stmt);
  kc_sqlite_read_end (db);
  if (rc != SQLITE_DONE)
    {
      g_autofree char *doing
          = g_strdup_printf ("replaying the history of watch %s", w->prefix);
      kc_sqlite_set_error (error, db, rc, hub->path, doing);
      return FALSE;
    }
  *out_last = events->len == REPLAY_CHUNK
                  ? kc_sqlite_event_revision (
                      g_ptr_array_index (events, events->len - 1))
                  : current;
  return TRUE;
}

static void
replay_run (sqlite3 *db, gpointer data)
{
  ReplayJob *job = data;
  KcSqliteWatchHub *hub = job->hub;
  KcStoreWatch *w = job->watch;
  gboolean done = FALSE;

  while (!done && !g_atomic_int_get (&w->cancelled))
    {
      g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (
          (GDestroyNotify) kc_sqlite_event_unref);
      GError *error = NULL;
      gint64 last = 0;

      g_mutex_lock (&w->lock);
      gint64 from = w->next_revision;
      g_mutex_unlock (&w->lock);

      gboolean ok = replay_read (db, hub, w, from, events, &last, &error);

      g_mutex_lock (&hub->lock);
      g_mutex_lock (&w->lock);
      if (!ok)
        {
          fail (w, error);
          done = TRUE;
        }
      else
        {
          add_events (w, events, last);
          /* Live once everything published so far has been read: what
           * comes next reaches the watch from the writer. */
          if (hub->published < w->next_revision)
            w->live = done = TRUE;
        }
      g_mutex_unlock (&w->lock);
      g_mutex_unlock (&hub->lock);
    }
  watch_unref (w);
  g_free (job);
}

/* ---- start / cancel ---------------------------------------------------- */

KcStoreWatch *
kc_sqlite_watch_start (KcSqliteWatchHub *hub, const char *prefix,
                       gint64 start_revision, KcStoreWatchFunc func,
                       gpointer user_data, GDestroyNotify destroy)
{
  KcStoreWatch *w = g_new0 (KcStoreWatch, 1);
  g_atomic_ref_count_init (&w->ref);
  w->prefix = g_strdup (prefix ? prefix : "");
  w->prefix_end = kc_sqlite_prefix_end (w->prefix);
  w->prefix_len = strlen (w->prefix);
  w->context = g_main_context_ref_thread_default ();
  w->func = func;
  w->user_data = user_data;
  w->destroy = destroy;
  g_mutex_init (&w->lock);
  w->pending = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_sqlite_event_unref);

  g_mutex_lock (&hub->lock);
  g_ptr_array_add (hub->watches, w);
  if (start_revision <= 0 || start_revision > hub->published)
    {
      /* Nothing to read back: every event it wants is still to be
       * published. */
      w->next_revision = start_revision > 0 ? start_revision
                                            : hub->published + 1;
      w->live = TRUE;
    }
  else
    {
      w->next_revision = start_revision;
      ReplayJob *job = g_new (ReplayJob, 1);
      job->hub = hub;
      job->watch = watch_ref (w);
      kc_sqlite_readers_run (hub->readers, replay_run, job);
    }
  g_mutex_unlock (&hub->lock);
  return w;
}

/* Stops @w for good; runs its destroy notify now, or after the call in
 * progress when cancelled from inside its own function. */
static void
watch_stop (KcStoreWatch *w)
{
  g_atomic_int_set (&w->cancelled, TRUE);
  g_mutex_lock (&w->lock);
  GSource *source = g_steal_pointer (&w->source);
  w->failed = TRUE;
  g_ptr_array_set_size (w->pending, 0);
  g_mutex_unlock (&w->lock);
  if (source)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
  if (w->dispatching)
    w->destroy_after_dispatch = TRUE;
  else if (w->destroy)
    w->destroy (w->user_data);
}

void
kc_sqlite_watch_cancel (KcSqliteWatchHub *hub, KcStoreWatch *w)
{
  g_mutex_lock (&hub->lock);
  gboolean found = g_ptr_array_remove_fast (hub->watches, w);
  g_mutex_unlock (&hub->lock);
  g_return_if_fail (found);
  watch_stop (w);
  watch_unref (w);
}

KcSqliteWatchHub *
kc_sqlite_watch_hub_new (KcSqliteReaders *readers, const char *path,
                         gint64 revision)
{
  KcSqliteWatchHub *hub = g_new0 (KcSqliteWatchHub, 1);
  g_mutex_init (&hub->lock);
  hub->watches = g_ptr_array_new ();
  hub->published = revision;
  hub->readers = readers;
  hub->path = g_strdup (path);
  return hub;
}

void
kc_sqlite_watch_hub_shutdown (KcSqliteWatchHub *hub)
{
  g_mutex_lock (&hub->lock);
  for (guint i = 0; i < hub->watches->len; i++)
    g_atomic_int_set (
        &((KcStoreWatch *) g_ptr_array_index (hub->watches, i))->cancelled,
        TRUE);
  g_mutex_unlock (&hub->lock);
}

void
kc_sqlite_watch_hub_free (KcSqliteWatchHub *hub)
{
  if (hub == NULL)
    return;
  for (guint i = 0; i < hub->watches->len; i++)
    {
      KcStoreWatch *w = g_ptr_array_index (hub->watches, i);
      watch_stop (w);
      watch_unref (w);
    }
  g_ptr_array_unref (hub->watches);
  g_mutex_clear (&hub->lock);
  g_free (hub->path);
  g_free (hub);
}
