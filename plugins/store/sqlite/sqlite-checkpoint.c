/* The checkpointer: copies the WAL back into the database file on a thread
 * and connection of its own.  SQLite would otherwise run the checkpoint
 * (write-back and fsync of the database file, ~10 ms) inside the commit of
 * whichever write crossed the threshold, stalling every write queued
 * behind it.  A PASSIVE checkpoint runs beside the writer and the readers
 * without blocking them.
 *
 * It cannot finish the job alone: the WAL starts over from its beginning
 * only when a write transaction begins with every frame copied back, and
 * under a steady stream of writes one more commit always lands while a
 * checkpoint runs.  The writer therefore copies the last few frames itself
 * (kc_sqlite_checkpointer_backfilled tells it how few).  Without the
 * restart the WAL file grows with every commit, and an fdatasync that
 * extends a file costs ~60 µs more here than one that overwrites. */
#include "build-config.h"

#include "sqlite-store.h"

struct _KcSqliteCheckpointer
{
  sqlite3 *db;
  char *path;
  const KcHost *host;
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean kicked;
  gboolean stopping;
  guint kicked_epoch;
  guint done_epoch;
  int done_frames; /* -1: none finished in done_epoch */
};

static gpointer
checkpoint_thread (gpointer data)
{
  KcSqliteCheckpointer *c = data;

  g_mutex_lock (&c->lock);
  for (;;)
    {
      while (!c->kicked && !c->stopping)
        g_cond_wait (&c->cond, &c->lock);
      if (c->stopping)
        break;
      c->kicked = FALSE;
      guint epoch = c->kicked_epoch;
      g_mutex_unlock (&c->lock);
      int frames = -1, backfilled = -1;
      int rc = sqlite3_wal_checkpoint_v2 (c->db, NULL,
                                          SQLITE_CHECKPOINT_PASSIVE, &frames,
                                          &backfilled);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        kc_host_warning (c->host, "%s: checkpoint failed (retried later): %s",
                         c->path, sqlite3_errmsg (c->db));
      g_mutex_lock (&c->lock);
      c->done_epoch = epoch;
      c->done_frames = rc == SQLITE_OK ? backfilled : -1;
    }
  g_mutex_unlock (&c->lock);
  return NULL;
}

KcSqliteCheckpointer *
kc_sqlite_checkpointer_new (const char *path, const KcHost *host,
                            GError **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      kc_sqlite_set_error (error, db, rc, path,
                           "opening the checkpoint connection");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 10000);

  KcSqliteCheckpointer *c = g_new0 (KcSqliteCheckpointer, 1);
  c->db = db;
  c->path = g_strdup (path);
  c->host = host;
  c->done_frames = -1;
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  c->thread = g_thread_new ("kc-sqlite-ckpt", checkpoint_thread, c);
  return c;
}

void
kc_sqlite_checkpointer_kick (KcSqliteCheckpointer *c, guint epoch)
{
  g_mutex_lock (&c->lock);
  c->kicked = TRUE;
  c->kicked_epoch = epoch;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
}

int
kc_sqlite_checkpointer_backfilled (KcSqliteCheckpointer *c, guint epoch)
{
  g_mutex_lock (&c->lock);
  int frames = c->done_epoch == epoch ? c->done_frames : -1;
  g_mutex_unlock (&c->lock);
  return frames;
}

void
kc_sqlite_checkpointer_free (KcSqliteCheckpointer *c)
{
  if (c == NULL)
    return;
  g_mutex_lock (&c->lock);
  c->stopping = TRUE;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
  g_thread_join (c->thread);
  sqlite3_close (c->db);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_free (c->path);
  g_free (c);
}
