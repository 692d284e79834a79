/* The writer: one thread owns the read-write connection.  Callers queue
 * writes; the thread takes everything queued (up to batch-max), applies it
 * in one transaction, each write with its own revision, and commits once,
 * so one fsync acknowledges the whole batch (group commit).  A write that
 * fails its check (EXISTS, CONFLICT, ...) changes nothing and does not fail
 * the others.  Between batches the thread expires leases and deletes
 * compacted history in small chunks. */
#include "build-config.h"

#include "sqlite-store.h"

/* Revisions deleted per compaction transaction.  The cost of a revision
 * varies (scattered index entries cost more), so the chunk adapts to take
 * about COMPACT_TARGET_US: a write queued meanwhile waits only that long. */
#define COMPACT_CHUNK_MIN 32
#define COMPACT_CHUNK_MAX 8192
#define COMPACT_TARGET_US 1000
/* After a step, compaction rests this many times as long as the step took:
 * deleting history writes pages as fast as the disk takes them, the WAL
 * grows, and the checkpoints that follow make every commit's fsync wait
 * behind them.  History has no hurry; writes do. */
#define COMPACT_PAUSE_FACTOR 2
/* WAL size (pages) that asks the checkpointer for a checkpoint, and the
 * size at which the writer checkpoints itself, because under a sustained
 * load the checkpointer never finds the WAL idle enough to restart it. */
#define CHECKPOINT_PAGES 1000
#define CHECKPOINT_FORCE_PAGES 50000
/* At most this many frames left behind by the checkpointer, the writer
 * copies back itself (between batches: ~0.2 ms) so that the WAL restarts;
 * see sqlite-checkpoint.c.  One writer's creates: 2,800/s -> 4,700/s. */
#define CATCH_UP_PAGES 64
/* How often expired leases are looked for. */
#define LEASE_CHECK_US (200 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  KcSqliteOpType type;
  GTask *task;
  char *key;
  GBytes *value;
  gint64 arg;
  gint64 result;
  KcStoreKv *kv;  /* the deleted key, or the current one on CONFLICT */
  GError *error;
} Op;

typedef struct
{
  gint64 ttl;    /* seconds */
  gint64 expiry; /* monotonic, microseconds */
} Lease;

enum
{
  ST_BEGIN,
  ST_COMMIT,
  ST_ROLLBACK,
  ST_KV_GET,
  ST_KV_CREATED,
  ST_KV_INSERT,
  ST_KV_UPDATE,
  ST_KV_DELETE,
  ST_KV_BY_LEASE,
  ST_LOG_INSERT,
  ST_LOG_COMPACT,
  ST_META_SET,
  ST_SYNC_NORMAL,
  ST_SYNC_FULL,
  ST_LEASE_GET,
  ST_LEASE_INSERT,
  ST_LEASE_DELETE,
  N_STATEMENTS
};

static const char *const statement_sql[N_STATEMENTS] = {
  [ST_BEGIN] = "BEGIN IMMEDIATE",
  [ST_COMMIT] = "COMMIT",
  [ST_ROLLBACK] = "ROLLBACK",
  [ST_KV_GET] = KC_SQLITE_KV_SELECT " WHERE kv.key = ?1",
  [ST_KV_CREATED] = "SELECT create_revision FROM kv WHERE key = ?1",
  [ST_KV_INSERT] = "INSERT INTO kv VALUES (?1, ?3, ?4, ?5, ?6)",
  [ST_KV_UPDATE] = "UPDATE kv SET mod_revision = ?3, version = ?4"
                   " WHERE key = ?1",
  [ST_KV_DELETE] = "DELETE FROM kv WHERE key = ?1",
  [ST_KV_BY_LEASE] = KC_SQLITE_KV_SELECT " WHERE kv.lease = ?1 AND"
                     " kv.lease != 0 ORDER BY kv.key",
  [ST_LOG_INSERT] = "INSERT INTO log VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                    " ?8, ?9, ?10, ?11, ?12)",
  /* Keeps the rows holding current values. */
  [ST_LOG_COMPACT] = "DELETE FROM log WHERE revision >= ?1 AND"
                     " revision < ?2 AND NOT EXISTS (SELECT 1 FROM kv"
                     " WHERE kv.key = log.key AND"
                     " kv.mod_revision = log.revision)",
  [ST_META_SET] = "UPDATE meta SET value = ?2 WHERE name = ?1",
  [ST_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
  [ST_SYNC_FULL] = "PRAGMA synchronous = FULL",
  [ST_LEASE_GET] = "SELECT ttl FROM leases WHERE id = ?1",
  [ST_LEASE_INSERT] = "INSERT INTO leases VALUES (?1, ?2)",
  [ST_LEASE_DELETE] = "DELETE FROM leases WHERE id = ?1",
};

struct _KcSqliteWriter
{
  KcSqliteStore *store;
  sqlite3 *db;
  const char *path;
  sqlite3_stmt *st[N_STATEMENTS];
  GThread *thread;
  guint batch_max;
  KcSqliteCheckpointer *checkpointer;

  /* The queue. */
  GMutex lock;
  GCond cond;
  GQueue queue; /* Op* */
  gboolean stopping;

  /* Writer thread only. */
  gint64 revision;
  gint64 compacted;
  gint64 lease_seq;
  gint64 compact_lo; /* history below this revision is purged */
  gint64 compact_chunk;
  gint64 next_compact; /* monotonic: when compaction may take a step */
  gint64 next_lease_check;
  GPtrArray *events; /* KcSqliteEvent*, of the batch being applied */
  int wal_pages;     /* after the last commit */
  guint wal_epoch;   /* WAL restarts seen */
  gboolean catch_up; /* checkpoint the WAL's tail after this batch */

  /* Leases in memory: id -> Lease*.  Keepalive touches them from any
   * thread; the table is the durable copy (id, ttl). */
  GMutex lease_lock;
  GHashTable *leases;
};

static void
op_free (Op *op)
{
  g_clear_object (&op->task);
  g_free (op->key);
  if (op->value)
    g_bytes_unref (op->value);
  kc_store_kv_free (op->kv);
  g_clear_error (&op->error);
  g_free (op);
}

/* ---- statements -------------------------------------------------------- */

static sqlite3_stmt *
stmt (KcSqliteWriter *w, int which)
{
  sqlite3_stmt *s = w->st[which];
  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  return s;
}

/* Steps a statement that returns no row. */
static int
run (sqlite3_stmt *s)
{
  int rc = sqlite3_step (s);
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
kv_lookup (KcSqliteWriter *w, const char *key, KcStoreKv **out)
{
  sqlite3_stmt *s = stmt (w, ST_KV_GET);
  sqlite3_bind_text (s, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step (s);
  *out = rc == SQLITE_ROW ? kc_sqlite_row_kv (s, 0) : NULL;
  sqlite3_reset (s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
lease_exists (KcSqliteWriter *w, gint64 lease, gboolean *out)
{
  sqlite3_stmt *s = stmt (w, ST_LEASE_GET);
  sqlite3_bind_int64 (s, 1, lease);
  int rc = sqlite3_step (s);
  *out = rc == SQLITE_ROW;
  sqlite3_reset (s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Appends revision @kv->mod_revision to the log and queues its event.
 * Takes ownership of @kv and @prev. */
static int
log_change (KcSqliteWriter *w, guint32 type, KcStoreKv *kv, KcStoreKv *prev)
{
  sqlite3_stmt *s = stmt (w, ST_LOG_INSERT);
  sqlite3_bind_int64 (s, 1, kv->mod_revision);
  sqlite3_bind_text (s, 2, kv->key, -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 3, (int) type);
  kc_sqlite_bind_bytes (s, 4, kv->value);
  sqlite3_bind_int64 (s, 5, kv->create_revision);
  sqlite3_bind_int64 (s, 6, kv->version);
  sqlite3_bind_int64 (s, 7, kv->lease);
  if (prev)
    {
      kc_sqlite_bind_bytes (s, 8, prev->value);
      sqlite3_bind_int64 (s, 9, prev->create_revision);
      sqlite3_bind_int64 (s, 10, prev->mod_revision);
      sqlite3_bind_int64 (s, 11, prev->version);
      sqlite3_bind_int64 (s, 12, prev->lease);
    }
  int rc = run (s);
  g_ptr_array_add (w->events, kc_sqlite_event_new (type, kv, prev));
  return rc;
}

/* The create_revision of @key, 0 when it does not exist. */
static int
kv_created (KcSqliteWriter *w, const char *key, gint64 *out)
{
  sqlite3_stmt *s = stmt (w, ST_KV_CREATED);
  sqlite3_bind_text (s, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step (s);
  *out = rc == SQLITE_ROW ? sqlite3_column_int64 (s, 0) : 0;
  sqlite3_reset (s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The value goes to the log row only (log_change). */
static int
kv_write (KcSqliteWriter *w, int which, const KcStoreKv *kv)
{
  sqlite3_stmt *s = stmt (w, which);
  sqlite3_bind_text (s, 1, kv->key, -1, SQLITE_STATIC);
  if (which == ST_KV_INSERT)
    {
      sqlite3_bind_int64 (s, 3, kv->create_revision);
      sqlite3_bind_int64 (s, 4, kv->mod_revision);
      sqlite3_bind_int64 (s, 5, kv->version);
      sqlite3_bind_int64 (s, 6, kv->lease);
    }
  else
    {
      sqlite3_bind_int64 (s, 3, kv->mod_revision);
      sqlite3_bind_int64 (s, 4, kv->version);
    }
  return run (s);
}

static int
meta_set (KcSqliteWriter *w, const char *name, gint64 value)
{
  sqlite3_stmt *s = stmt (w, ST_META_SET);
  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 2, value);
  return run (s);
}

/* ---- writes ------------------------------------------------------------ */

/* Deletes @cur (owned) with a revision of its own.  (transfer full) of the
 * deleted key through @out_deleted (nullable). */
static int
delete_key (KcSqliteWriter *w, KcStoreKv *cur, KcStoreKv **out_deleted)
{
  gint64 revision = ++w->revision;
  sqlite3_stmt *s = stmt (w, ST_KV_DELETE);
  sqlite3_bind_text (s, 1, cur->key, -1, SQLITE_STATIC);
  int rc = run (s);
  if (rc != SQLITE_OK)
    {
      kc_store_kv_free (cur);
      return rc;
    }
  if (out_deleted)
    *out_deleted = kc_store_kv_copy (cur);
  return log_change (w, KC_STORE_EVENT_DELETE,
                     kc_store_kv_new (cur->key, NULL, 0, revision, 0, 0),
                     cur);
}

static int
apply_create (KcSqliteWriter *w, Op *op)
{
  gint64 created = 0;
  gboolean lease_ok = TRUE;
  int rc = kv_created (w, op->key, &created);
  if (rc != SQLITE_OK)
    return rc;
  if (created)
    {
      g_set_error (&op->error, KC_STORE_ERROR, KC_STORE_ERROR_EXISTS,
                   "create %s: the key exists already (created at revision %"
                   G_GINT64_FORMAT ")",
                   op->key, created);
      return SQLITE_OK;
    }
  if (op->arg != 0 && (rc = lease_exists (w, op->arg, &lease_ok)) != SQLITE_OK)
    return rc;
  if (!lease_ok)
    {
      g_set_error (&op->error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                   "create %s: lease %" G_GINT64_FORMAT
                   " not found (expired or revoked)",
                   op->key, op->arg);
      return SQLITE_OK;
    }
  gint64 revision = ++w->revision;
  KcStoreKv *kv = kc_store_kv_new (op->key, op->value, revision, revision, 1,
                                   op->arg);
  rc = kv_write (w, ST_KV_INSERT, kv);
  op->result = revision;
  if (rc != SQLITE_OK)
    {
      kc_store_kv_free (kv);
      return rc;
    }
  return log_change (w, KC_STORE_EVENT_PUT, kv, NULL);
}

/* NOT_FOUND / CONFLICT checks shared by update and delete.  Returns the
 * current key (transfer full) when the write may go ahead. */
static int
check_expected (KcSqliteWriter *w, Op *op, const char *verb,
                KcStoreKv **out_cur)
{
  KcStoreKv *cur = NULL;
  *out_cur = NULL;
  int rc = kv_lookup (w, op->key, &cur);
  if (rc != SQLITE_OK)
    return rc;
  if (cur == NULL)
    g_set_error (&op->error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                 "%s %s: key not found", verb, op->key);
  else if (op->arg != 0 && cur->mod_revision != op->arg)
    {
      g_set_error (&op->error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT,
                   "%s %s: expected mod_revision %" G_GINT64_FORMAT
                   ", the key is at %" G_GINT64_FORMAT,
                   verb, op->key, op->arg, cur->mod_revision);
      op->kv = cur;
    }
  else
    *out_cur = cur;
  return SQLITE_OK;
}

static int
apply_update (KcSqliteWriter *w, Op *op)
{
  KcStoreKv *cur = NULL;
  int rc = check_expected (w, op, "update", &cur);
  if (rc != SQLITE_OK || cur == NULL)
    return rc;
  gint64 revision = ++w->revision;
  KcStoreKv *kv = kc_store_kv_new (op->key, op->value, cur->create_revision,
                                   revision, cur->version + 1, cur->lease);
  rc = kv_write (w, ST_KV_UPDATE, kv);
  op->result = revision;
  if (rc != SQLITE_OK)
    {
      kc_store_kv_free (kv);
      kc_store_kv_free (cur);
      return rc;
    }
  return log_change (w, KC_STORE_EVENT_PUT, kv, cur);
}

static int
apply_delete (KcSqliteWriter *w, Op *op)
{
  KcStoreKv *cur = NULL;
  int rc = check_expected (w, op, "delete", &cur);
  if (rc != SQLITE_OK || cur == NULL)
    return rc;
  op->result = w->revision + 1;
  return delete_key (w, cur, &op->kv);
}

/* Deletes the keys of @lease, each as its own revision, then the lease. */
static int
remove_lease (KcSqliteWriter *w, gint64 lease)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  sqlite3_stmt *s = stmt (w, ST_KV_BY_LEASE);
  int rc;

  sqlite3_bind_int64 (s, 1, lease);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (keys, kc_sqlite_row_kv (s, 0));
  sqlite3_reset (s);
  rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  for (guint i = 0; i < keys->len; i++)
    {
      KcStoreKv *kv = g_ptr_array_index (keys, i);
      if (rc == SQLITE_OK)
        rc = delete_key (w, kv, NULL);
      else
        kc_store_kv_free (kv);
    }
  if (rc != SQLITE_OK)
    return rc;
  s = stmt (w, ST_LEASE_DELETE);
  sqlite3_bind_int64 (s, 1, lease);
  return run (s);
}

static int
apply_lease_grant (KcSqliteWriter *w, Op *op)
{
  if (op->arg < 1)
    {
      g_set_error (&op->error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "lease grant: a TTL of %" G_GINT64_FORMAT
                   " s is not allowed: it must be at least 1 second",
                   op->arg);
      return SQLITE_OK;
    }
  gint64 id = ++w->lease_seq;
  sqlite3_stmt *s = stmt (w, ST_LEASE_INSERT);
  sqlite3_bind_int64 (s, 1, id);
  sqlite3_bind_int64 (s, 2, op->arg);
  op->result = id;
  return run (s);
}

static int
apply_lease_revoke (KcSqliteWriter *w, Op *op)
{
  gboolean exists = FALSE;
  int rc = lease_exists (w, op->arg, &exists);
  if (rc != SQLITE_OK)
    return rc;
  if (!exists)
    {
      g_set_error (&op->error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                   "lease %" G_GINT64_FORMAT
                   " not found (expired or revoked)",
                   op->arg);
      return SQLITE_OK;
    }
  op->result = 1;
  return remove_lease (w, op->arg);
}

static int
apply_compact (KcSqliteWriter *w, Op *op)
{
  if (op->arg > w->revision)
    {
      g_set_error (&op->error, KC_STORE_ERROR,
                   KC_STORE_ERROR_FUTURE_REVISION,
                   "compact at revision %" G_GINT64_FORMAT
                   ": the store is at revision %" G_GINT64_FORMAT,
                   op->arg, w->revision);
      return SQLITE_OK;
    }
  op->result = 1;
  if (op->arg <= w->compacted)
    return SQLITE_OK;
  return meta_set (w, "compacted", op->arg);
}

static int
apply (KcSqliteWriter *w, Op *op)
{
  GCancellable *cancellable = g_task_get_cancellable (op->task);
  if (g_cancellable_set_error_if_cancelled (cancellable, &op->error))
    return SQLITE_OK;
  switch (op->type)
    {
    case KC_SQLITE_OP_CREATE:
      return apply_create (w, op);
    case KC_SQLITE_OP_UPDATE:
      return apply_update (w, op);
    case KC_SQLITE_OP_DELETE:
      return apply_delete (w, op);
    case KC_SQLITE_OP_LEASE_GRANT:
      return apply_lease_grant (w, op);
    case KC_SQLITE_OP_LEASE_REVOKE:
      return apply_lease_revoke (w, op);
    case KC_SQLITE_OP_COMPACT:
      return apply_compact (w, op);
    default:
      g_assert_not_reached ();
    }
}

/* ---- leases in memory -------------------------------------------------- */

static void
lease_add (KcSqliteWriter *w, gint64 id, gint64 ttl, gint64 now)
{
  Lease *lease = g_new (Lease, 1);
  lease->ttl = ttl;
  lease->expiry = now + ttl * G_TIME_SPAN_SECOND;
  gint64 *key = g_new (gint64, 1);
  *key = id;
  g_hash_table_replace (w->leases, key, lease);
}

/* The ids of the leases whose time is up.  (transfer full) */
static GArray *
expired_leases (KcSqliteWriter *w, gint64 now)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer key, value;

  g_mutex_lock (&w->lease_lock);
  g_hash_table_iter_init (&iter, w->leases);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((Lease *) value)->expiry <= now)
      g_array_append_val (ids, *(gint64 *) key);
  g_mutex_unlock (&w->lease_lock);
  return ids;
}

/* After a commit: the leases granted, revoked or expired by the batch. */
static void
leases_commit (KcSqliteWriter *w, Op **ops, guint n_ops, GArray *expired)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&w->lease_lock);
  for (guint i = 0; i < n_ops; i++)
    {
      if (ops[i]->error)
        continue;
      if (ops[i]->type == KC_SQLITE_OP_LEASE_GRANT)
        lease_add (w, ops[i]->result, ops[i]->arg, now);
      else if (ops[i]->type == KC_SQLITE_OP_LEASE_REVOKE)
        g_hash_table_remove (w->leases, &ops[i]->arg);
    }
  for (guint i = 0; expired && i < expired->len; i++)
    g_hash_table_remove (w->leases, &g_array_index (expired, gint64, i));
  g_mutex_unlock (&w->lease_lock);
}

gint64
kc_sqlite_writer_keepalive (KcSqliteWriter *w, gint64 id, GError **error)
{
  gint64 now = g_get_monotonic_time ();
  gint64 ttl = 0;

  g_mutex_lock (&w->lease_lock);
  Lease *lease = g_hash_table_lookup (w->leases, &id);
  if (lease && lease->expiry > now)
    {
      lease->expiry = now + lease->ttl * G_TIME_SPAN_SECOND;
      ttl = lease->ttl;
    }
  g_mutex_unlock (&w->lease_lock);
  if (ttl == 0)
    g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                 "lease %" G_GINT64_FORMAT " not found (expired or revoked)",
                 id);
  return ttl;
}

static gboolean
load_leases (KcSqliteWriter *w, GError **error)
{
  sqlite3_stmt *s = NULL;
  gint64 now = g_get_monotonic_time ();
  int rc = sqlite3_prepare_v2 (w->db, "SELECT id, ttl FROM leases", -1, &s,
                               NULL);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (s)) == SQLITE_ROW)
      /* Expiry counts from this start: the time the store was down does
       * not count against a lease. */
      lease_add (w, sqlite3_column_int64 (s, 0), sqlite3_column_int64 (s, 1),
                 now);
  sqlite3_finalize (s);
  if (rc != SQLITE_DONE)
    {
      kc_sqlite_set_error (error, w->db, rc, w->path, "reading the leases");
      return FALSE;
    }
  return TRUE;
}

/* ---- the batch --------------------------------------------------------- */

static int
apply_batch (KcSqliteWriter *w, Op **ops, guint n_ops, GArray *expired)
{
  gint64 revision = w->revision;
  gint64 lease_seq = w->lease_seq;
  int rc = run (stmt (w, ST_BEGIN));

  for (guint i = 0; rc == SQLITE_OK && i < n_ops; i++)
    rc = apply (w, ops[i]);
  for (guint i = 0; rc == SQLITE_OK && expired && i < expired->len; i++)
    rc = remove_lease (w, g_array_index (expired, gint64, i));
  if (rc == SQLITE_OK && w->revision != revision)
    rc = meta_set (w, "revision", w->revision);
  if (rc == SQLITE_OK && w->lease_seq != lease_seq)
    rc = meta_set (w, "lease-seq", w->lease_seq);
  if (rc == SQLITE_OK)
    rc = run (stmt (w, ST_COMMIT));
  if (rc != SQLITE_OK)
    {
      /* Keep the message before ROLLBACK replaces it. */
      g_autoptr (GError) error = NULL;
      kc_sqlite_set_error (&error, w->db, rc, w->path, "writing");
      kc_host_warning (w->store->host, "%s", error->message);
      if (!sqlite3_get_autocommit (w->db))
        run (stmt (w, ST_ROLLBACK));
      w->revision = revision;
      w->lease_seq = lease_seq;
      g_ptr_array_set_size (w->events, 0);
      for (guint i = 0; i < n_ops; i++)
        {
          g_clear_pointer (&ops[i]->kv, kc_store_kv_free);
          g_clear_error (&ops[i]->error);
          ops[i]->error = g_error_copy (error);
          ops[i]->result = 0;
        }
    }
  return rc;
}

static void
complete (Op *op)
{
  GTask *task = g_steal_pointer (&op->task);
  g_task_return_pointer (task, op, (GDestroyNotify) op_free);
  g_object_unref (task);
}

static void
run_batch (KcSqliteWriter *w, Op **ops, guint n_ops, GArray *expired)
{
  if (apply_batch (w, ops, n_ops, expired) == SQLITE_OK)
    {
      for (guint i = 0; i < n_ops; i++)
        if (ops[i]->type == KC_SQLITE_OP_COMPACT && !ops[i]->error
            && ops[i]->arg > w->compacted)
          w->compacted = ops[i]->arg;
      leases_commit (w, ops, n_ops, expired);
      if (w->events->len > 0)
        kc_sqlite_watch_hub_publish (w->store->hub, w->events, w->revision);
      g_ptr_array_set_size (w->events, 0);
    }
  for (guint i = 0; i < n_ops; i++)
    complete (ops[i]);
}

/* Deletes one chunk of compacted history in a transaction of its own.
 * Without fsync: a chunk lost in a crash is simply deleted again, and the
 * next acknowledged write syncs the WAL anyway. */
static void
compact_step (KcSqliteWriter *w)
{
  gint64 start = g_get_monotonic_time ();
  gint64 hi = MIN (w->compact_lo + w->compact_chunk, w->compacted);
  int rc = run (stmt (w, ST_SYNC_NORMAL));
  if (rc == SQLITE_OK)
    rc = run (stmt (w, ST_BEGIN));
  if (rc == SQLITE_OK)
    {
      sqlite3_stmt *s = stmt (w, ST_LOG_COMPACT);
      sqlite3_bind_int64 (s, 1, w->compact_lo);
      sqlite3_bind_int64 (s, 2, hi);
      rc = run (s);
    }
  if (rc == SQLITE_OK)
    rc = meta_set (w, "purged", hi);
  if (rc == SQLITE_OK)
    rc = run (stmt (w, ST_COMMIT));
  if (rc != SQLITE_OK)
    {
      g_autoptr (GError) error = NULL;
      kc_sqlite_set_error (&error, w->db, rc, w->path,
                           "deleting compacted history");
      kc_host_warning (w->store->host, "%s (retried later)", error->message);
      if (!sqlite3_get_autocommit (w->db))
        run (stmt (w, ST_ROLLBACK));
    }
  else
    w->compact_lo = hi;
  /* Writes are acknowledged only once durable. */
  while (run (stmt (w, ST_SYNC_FULL)) != SQLITE_OK)
    g_usleep (G_TIME_SPAN_MILLISECOND);

  gint64 took = g_get_monotonic_time () - start;
  if (took > COMPACT_TARGET_US)
    w->compact_chunk = MAX (w->compact_chunk / 2, COMPACT_CHUNK_MIN);
  else if (took < COMPACT_TARGET_US / 2)
    w->compact_chunk = MIN (w->compact_chunk * 3 / 2, COMPACT_CHUNK_MAX);
}

static gpointer
writer_thread (gpointer data)
{
  KcSqliteWriter *w = data;
  g_autofree Op **ops = g_new (Op *, w->batch_max);

  for (;;)
    {
      guint n_ops = 0;
      gboolean compacting = w->compact_lo < w->compacted;
      gint64 wake = w->next_lease_check;
      if (compacting && w->next_compact > g_get_monotonic_time ())
        {
          /* Pacing: wait for writes (served at once) or the next step. */
          wake = MIN (wake, w->next_compact);
          compacting = FALSE;
        }

      g_mutex_lock (&w->lock);
      while (g_queue_is_empty (&w->queue) && !w->stopping && !compacting)
        if (!g_cond_wait_until (&w->cond, &w->lock, wake))
          break;
      while (n_ops < w->batch_max && !g_queue_is_empty (&w->queue))
        ops[n_ops++] = g_queue_pop_head (&w->queue);
      gboolean stop = w->stopping && n_ops == 0;
      g_mutex_unlock (&w->lock);
      if (stop)
        break;

      g_autoptr (GArray) expired = NULL;
      gint64 now = g_get_monotonic_time ();
      if (now >= w->next_lease_check)
        {
          expired = expired_leases (w, now);
          w->next_lease_check = now + LEASE_CHECK_US;
        }
      if (n_ops > 0 || (expired && expired->len > 0))
        run_batch (w, ops, n_ops, expired);
      /* Not while history is purged: the purge's pages keep the disk
       * busy, and the writer's own checkpoint waited behind them (writes
       * stalled 8-12 ms during a compaction of 1M revisions, 5-6 ms
       * without it). */
      if (w->catch_up && w->compact_lo >= w->compacted)
        {
          w->catch_up = FALSE;
          sqlite3_wal_checkpoint_v2 (w->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                     NULL, NULL);
        }
      if (w->compact_lo < w->compacted
          && g_get_monotonic_time () >= w->next_compact)
        {
          gint64 start = g_get_monotonic_time ();
          compact_step (w);
          gint64 end = g_get_monotonic_time ();
          w->next_compact = end + (end - start) * COMPACT_PAUSE_FACTOR;
        }
    }
  return NULL;
}

/* ---- life cycle and submission ----------------------------------------- */

/* Called after each commit with the size of the WAL. */
static int
wal_hook (gpointer data, sqlite3 *db, const char *name, int pages)
{
  KcSqliteWriter *w = data;
  if (pages < w->wal_pages)
    w->wal_epoch++;
  w->wal_pages = pages;
  if (pages >= CHECKPOINT_FORCE_PAGES)
    sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
                               NULL);
  else if (pages >= CHECKPOINT_PAGES)
    {
      int done = kc_sqlite_checkpointer_backfilled (w->checkpointer,
                                                    w->wal_epoch);
      if (done > 0 && pages - done <= CATCH_UP_PAGES)
        w->catch_up = TRUE;
      else
        kc_sqlite_checkpointer_kick (w->checkpointer, w->wal_epoch);
    }
  return SQLITE_OK;
}

static gboolean
prepare (KcSqliteWriter *w, GError **error)
{
  for (int i = 0; i < N_STATEMENTS; i++)
    {
      int rc = sqlite3_prepare_v3 (w->db, statement_sql[i], -1,
                                   SQLITE_PREPARE_PERSISTENT, &w->st[i],
                                   NULL);
      if (rc != SQLITE_OK)
        {
          kc_sqlite_set_error (error, w->db, rc, w->path,
                               "preparing the writer's statements");
          return FALSE;
        }
    }
  return TRUE;
}

static void
writer_close (KcSqliteWriter *w)
{
  kc_sqlite_checkpointer_free (w->checkpointer);
  for (int i = 0; i < N_STATEMENTS; i++)
    sqlite3_finalize (w->st[i]);
  sqlite3_close (w->db);
  g_hash_table_unref (w->leases);
  g_ptr_array_unref (w->events);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_mutex_clear (&w->lease_lock);
  g_free (w);
}

KcSqliteWriter *
kc_sqlite_writer_new (KcSqliteStore *store, sqlite3 *db,
                      const KcSqliteState *state, guint batch_max,
                      GError **error)
{
  KcSqliteWriter *w = g_new0 (KcSqliteWriter, 1);
  w->store = store;
  w->db = db;
  w->path = store->path;
  w->batch_max = MAX (batch_max, 1);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  g_queue_init (&w->queue);
  g_mutex_init (&w->lease_lock);
  w->leases = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                     g_free);
  w->events = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_sqlite_event_unref);
  w->revision = state->revision;
  w->compacted = state->compacted;
  w->lease_seq = state->lease_seq;
  /* A compaction interrupted by a restart resumes from here. */
  w->compact_lo = state->purged;
  w->compact_chunk = 256;
  w->next_lease_check = g_get_monotonic_time () + LEASE_CHECK_US;

  if (!prepare (w, error) || !load_leases (w, error)
      || !(w->checkpointer = kc_sqlite_checkpointer_new (w->path,
                                                         store->host, error)))
    {
      writer_close (w);
      return NULL;
    }
  /* Replaces SQLite's own automatic checkpoint. */
  sqlite3_wal_hook (db, wal_hook, w);
  w->thread = g_thread_new ("kc-sqlite-writer", writer_thread, w);
  return w;
}

void
kc_sqlite_writer_stop (KcSqliteWriter *w)
{
  if (w == NULL || w->thread == NULL)
    return;
  g_mutex_lock (&w->lock);
  w->stopping = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (g_steal_pointer (&w->thread));
}

void
kc_sqlite_writer_free (KcSqliteWriter *w)
{
  if (w == NULL)
    return;
  kc_sqlite_writer_stop (w);
  writer_close (w);
}

void
kc_sqlite_writer_submit (KcSqliteWriter *w, KcSqliteOpType type,
                         const char *key, GBytes *value, gint64 arg,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = g_new0 (Op, 1);
  op->type = type;
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, kc_sqlite_writer_submit);
  /* Once applied, a write is reported as done even if the cancellable
   * fired meanwhile: a write is cancelled only before it is applied. */
  g_task_set_check_cancellable (op->task, FALSE);
  op->key = g_strdup (key);
  op->value = value ? g_bytes_ref (value) : NULL;
  op->arg = arg;
  if (type == KC_SQLITE_OP_CREATE || type == KC_SQLITE_OP_UPDATE)
    if (op->value == NULL)
      op->value = g_bytes_new (NULL, 0);

  g_mutex_lock (&w->lock);
  g_queue_push_tail (&w->queue, op);
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
}

gint64
kc_sqlite_writer_finish (GAsyncResult *result, KcStoreKv **out_kv,
                         GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);
  Op *op = g_task_propagate_pointer (G_TASK (result), error);
  if (op == NULL)
    return 0;
  if (out_kv)
    *out_kv = g_steal_pointer (&op->kv);
  gint64 revision = op->result;
  if (op->error)
    {
      g_propagate_error (error, g_steal_pointer (&op->error));
      revision = 0;
    }
  op_free (op);
  return revision;
}
