/* Reads: a pool of read-only connections, each a WAL reader that sees the
 * last commit without waiting for the writer, used by pool threads so no
 * caller's loop waits on the disk. */
#include "build-config.h"

#include <string.h>

#include "sqlite-store.h"

struct _KcSqliteReaders
{
  char *path;
  GPtrArray *all;      /* sqlite3*, every connection */
  GAsyncQueue *idle;   /* sqlite3*, the ones not in use */
  GThreadPool *pool;
};

typedef struct
{
  KcSqliteReadFunc func;
  gpointer data;
} ReadJob;

static void
run_job (gpointer job_ptr, gpointer readers_ptr)
{
  ReadJob *job = job_ptr;
  KcSqliteReaders *readers = readers_ptr;
  sqlite3 *db = g_async_queue_pop (readers->idle);

  job->func (db, job->data);
  g_async_queue_push (readers->idle, db);
  g_free (job);
}

KcSqliteReaders *
kc_sqlite_readers_new (const char *path, guint n, GError **error)
{
  KcSqliteReaders *readers = g_new0 (KcSqliteReaders, 1);
  readers->path = g_strdup (path);
  readers->all = g_ptr_array_new ();
  readers->idle = g_async_queue_new ();
  for (guint i = 0; i < n; i++)
    {
      sqlite3 *db = kc_sqlite_schema_open_reader (path, error);
      if (db == NULL)
        {
          kc_sqlite_readers_free (readers);
          return NULL;
        }
      g_ptr_array_add (readers->all, db);
      g_async_queue_push (readers->idle, db);
    }
  readers->pool = g_thread_pool_new (run_job, readers, (int) n, FALSE, NULL);
  return readers;
}

void
kc_sqlite_readers_free (KcSqliteReaders *readers)
{
  if (readers == NULL)
    return;
  if (readers->pool)
    g_thread_pool_free (readers->pool, FALSE, TRUE);
  for (guint i = 0; i < readers->all->len; i++)
    {
      kc_sqlite_stmt_forget (g_ptr_array_index (readers->all, i));
      sqlite3_close (g_ptr_array_index (readers->all, i));
    }
  g_ptr_array_unref (readers->all);
  g_async_queue_unref (readers->idle);
  g_free (readers->path);
  g_free (readers);
}

void
kc_sqlite_readers_run (KcSqliteReaders *readers, KcSqliteReadFunc func,
                       gpointer data)
{
  ReadJob *job = g_new (ReadJob, 1);
  job->func = func;
  job->data = data;
  g_thread_pool_push (readers->pool, job, NULL);
}

/* BEGIN, COMMIT, ROLLBACK through the statement cache. */
static int
exec_cached (sqlite3 *db, const char *sql)
{
  int rc;
  sqlite3_stmt *stmt = kc_sqlite_stmt_get (db, sql, &rc);
  if (stmt == NULL)
    return rc;
  rc = sqlite3_step (stmt);
  kc_sqlite_stmt_put (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

gboolean
kc_sqlite_read_begin (sqlite3 *db, const char *path, gint64 *out_revision,
                      gint64 *out_compacted, GError **error)
{
  static const char meta_sql[]
      = "SELECT (SELECT value FROM meta WHERE name = 'revision'),"
        " (SELECT value FROM meta WHERE name = 'compacted')";
  sqlite3_stmt *stmt = NULL;
  int rc = exec_cached (db, "BEGIN");
  if (rc == SQLITE_OK)
    stmt = kc_sqlite_stmt_get (db, meta_sql, &rc);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      kc_sqlite_set_error (error, db, rc, path, "starting a read");
      kc_sqlite_stmt_put (stmt);
      exec_cached (db, "ROLLBACK");
      return FALSE;
    }
  *out_revision = sqlite3_column_int64 (stmt, 0);
  *out_compacted = sqlite3_column_int64 (stmt, 1);
  kc_sqlite_stmt_put (stmt);
  return TRUE;
}

void
kc_sqlite_read_end (sqlite3 *db)
{
  exec_cached (db, "COMMIT");
}

/* COMPACTED / FUTURE_REVISION for a revision the snapshot cannot serve. */
static gboolean
check_revision (gint64 revision, gint64 current, gint64 compacted,
                const char *what, GError **error)
{
  if (revision > current)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FUTURE_REVISION,
                   "%s at revision %" G_GINT64_FORMAT
                   ": the store is at revision %" G_GINT64_FORMAT,
                   what, revision, current);
      return FALSE;
    }
  if (revision > 0 && revision < compacted)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED,
                   "%s at revision %" G_GINT64_FORMAT
                   ": compacted (the oldest readable revision is %"
                   G_GINT64_FORMAT ")",
                   what, revision, compacted);
      return FALSE;
    }
  return TRUE;
}

/* ---- get ------------------------------------------------------------- */

typedef struct
{
  KcSqliteStore *store;
  GTask *task;
  char *key;
  gint64 revision;
} GetJob;

typedef struct
{
  KcStoreKv *kv;
  gint64 revision;
} GetResult;

static void
get_result_free (GetResult *result)
{
  kc_store_kv_free (result->kv);
  g_free (result);
}

/* The key before the first change after @revision, or the current row when
 * nothing changed it since.  Sets *found. */
static gboolean
get_at (sqlite3 *db, const char *path, const char *key, gint64 revision,
        KcStoreKv **out_kv, GError **error)
{
  static const char *const past_sql
      = "SELECT key, prev_value, prev_create_revision, prev_mod_revision,"
        " prev_version, prev_lease FROM log WHERE key = ?1 AND revision > ?2"
        " ORDER BY revision LIMIT 1";
  static const char *const latest_sql
      = KC_SQLITE_KV_SELECT " WHERE kv.key = ?1";
  sqlite3_stmt *stmt = NULL;
  int rc;

  *out_kv = NULL;
  if (revision > 0)
    {
      stmt = kc_sqlite_stmt_get (db, past_sql, &rc);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 2, revision);
          rc = sqlite3_step (stmt);
        }
      if (rc == SQLITE_ROW)
        {
          if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
            *out_kv = kc_sqlite_row_kv (stmt, 0);
          kc_sqlite_stmt_put (stmt);
          return TRUE;
        }
      kc_sqlite_stmt_put (stmt);
      stmt = NULL;
      if (rc != SQLITE_DONE)
        goto failed;
    }
  stmt = kc_sqlite_stmt_get (db, latest_sql, &rc);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    *out_kv = kc_sqlite_row_kv (stmt, 0);
  kc_sqlite_stmt_put (stmt);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return TRUE;

failed:;
  g_autofree char *doing = g_strdup_printf ("reading key %s", key);
  kc_sqlite_set_error (error, db, rc, path, doing);
  return FALSE;
}

static void
get_run (sqlite3 *db, gpointer data)
{
  GetJob *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = NULL;
  gint64 current = 0, compacted = 0;
  g_autofree char *what = g_strdup_printf ("get %s", job->key);

  if (g_task_return_error_if_cancelled (job->task))
    goto out;
  if (!kc_sqlite_read_begin (db, job->store->path, &current, &compacted,
                             &error))
    goto fail;
  gint64 at = job->revision > 0 ? job->revision : current;
  gboolean ok = check_revision (job->revision, current, compacted, what,
                                &error)
                && get_at (db, job->store->path, job->key,
                           at == current ? 0 : at, &kv, &error);
  kc_sqlite_read_end (db);
  if (!ok)
    goto fail;
  if (kv == NULL)
    {
      g_set_error (&error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                   "key %s not found at revision %" G_GINT64_FORMAT,
                   job->key, at);
      goto fail;
    }
  GetResult *result = g_new0 (GetResult, 1);
  result->kv = g_steal_pointer (&kv);
  result->revision = at;
  g_task_return_pointer (job->task, result, (GDestroyNotify) get_result_free);
  goto out;

fail:
  g_task_return_error (job->task, g_steal_pointer (&error));
out:
  g_object_unref (job->task);
  g_free (job->key);
  g_free (job);
}

void
kc_sqlite_get_async (KcSqliteStore *self, const char *key, gint64 revision,
                     GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GetJob *job = g_new0 (GetJob, 1);
  job->store = self;
  job->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, kc_sqlite_get_async);
  job->key = g_strdup (key);
  job->revision = revision;
  kc_sqlite_readers_run (self->readers, get_run, job);
}

KcStoreKv *
kc_sqlite_get_finish (KcSqliteStore *self, GAsyncResult *result,
                      gint64 *out_revision, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  GetResult *r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return NULL;
  if (out_revision)
    *out_revision = r->revision;
  KcStoreKv *kv = g_steal_pointer (&r->kv);
  get_result_free (r);
  return kv;
}

/* ---- range ----------------------------------------------------------- */

typedef struct
{
  KcSqliteStore *store;
  GTask *task;
  char *prefix;
  char *prefix_end;  /* nullable */
  char *start_after; /* nullable */
  gint64 revision;
  gint64 limit;
  gboolean count_only;
} RangeJob;

static void
range_job_free (RangeJob *job)
{
  g_object_unref (job->task);
  g_free (job->prefix);
  g_free (job->prefix_end);
  g_free (job->start_after);
  g_free (job);
}

static char *
range_conditions (const RangeJob *job, const char *column)
{
  GString *cond = g_string_new (NULL);
  g_string_append_printf (cond, "%s >= :prefix", column);
  if (job->prefix_end)
    g_string_append_printf (cond, " AND %s < :end", column);
  if (job->start_after)
    g_string_append_printf (cond, " AND %s > :after", column);
  return g_string_free (cond, FALSE);
}

/* The SQL selecting (key, value, create, mod, version, lease) of every key
 * in the range as it was at :rev (past) or is now.  Without @values, the
 * value column is NULL (for counting). */
static char *
range_source_sql (const RangeJob *job, gboolean past, gboolean values)
{
  g_autofree char *kv_conds = range_conditions (job, "kv.key");
  g_autofree char *log_conds = range_conditions (job, "key");
  g_autofree char *current = g_strdup_printf (
      "%s WHERE %s",
      values ? KC_SQLITE_KV_SELECT
             : "SELECT kv.key, NULL, kv.create_revision, kv.mod_revision,"
               " kv.version, kv.lease FROM kv",
      kv_conds);
  if (!past)
    return g_steal_pointer (&current);
  /* A key changed after :rev was, at :rev, what the first such change
   * replaced; an untouched key is as it is now. */
  return g_strdup_printf (
      "%s AND kv.mod_revision <= :rev"
      " UNION ALL "
      "SELECT key, pv, pc, pm, pver, pl FROM"
      " (SELECT key, prev_value AS pv, prev_create_revision AS pc,"
      "  prev_mod_revision AS pm, prev_version AS pver, prev_lease AS pl,"
      "  min(revision) FROM log WHERE revision > :rev AND %s GROUP BY key)"
      " WHERE pm IS NOT NULL",
      current, log_conds);
}

static int
range_bind (sqlite3_stmt *stmt, const RangeJob *job, gint64 revision)
{
  int i;
  if ((i = sqlite3_bind_parameter_index (stmt, ":prefix")))
    sqlite3_bind_text (stmt, i, job->prefix, -1, SQLITE_STATIC);
  if ((i = sqlite3_bind_parameter_index (stmt, ":end")))
    sqlite3_bind_text (stmt, i, job->prefix_end, -1, SQLITE_STATIC);
  if ((i = sqlite3_bind_parameter_index (stmt, ":after")))
    sqlite3_bind_text (stmt, i, job->start_after, -1, SQLITE_STATIC);
  if ((i = sqlite3_bind_parameter_index (stmt, ":rev")))
    sqlite3_bind_int64 (stmt, i, revision);
  if ((i = sqlite3_bind_parameter_index (stmt, ":limit")))
    sqlite3_bind_int64 (stmt, i, job->limit > 0 ? job->limit : -1);
  return SQLITE_OK;
}

static gboolean
range_query (sqlite3 *db, const RangeJob *job, gint64 revision,
             gboolean past, KcStoreRangeResult *result, GError **error)
{
  g_autofree char *count_source = range_source_sql (job, past, FALSE);
  g_autofree char *source = range_source_sql (job, past, TRUE);
  g_autofree char *count_sql
      = g_strdup_printf ("SELECT count(*) FROM (%s)", count_source);
  g_autofree char *rows_sql = g_strdup_printf (
      "SELECT * FROM (%s) ORDER BY key LIMIT :limit", source);
  sqlite3_stmt *stmt = NULL;

  int rc;
  stmt = kc_sqlite_stmt_get (db, count_sql, &rc);
  if (rc == SQLITE_OK)
    {
      range_bind (stmt, job, revision);
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_ROW)
    goto failed;
  result->count = sqlite3_column_int64 (stmt, 0);
  kc_sqlite_stmt_put (stmt);
  stmt = NULL;
  if (job->count_only)
    return TRUE;

  stmt = kc_sqlite_stmt_get (db, rows_sql, &rc);
  if (rc == SQLITE_OK)
    {
      range_bind (stmt, job, revision);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (result->kvs, kc_sqlite_row_kv (stmt, 0));
    }
  if (rc != SQLITE_DONE)
    goto failed;
  kc_sqlite_stmt_put (stmt);
  result->more = (gint64) result->kvs->len < result->count;
  return TRUE;

failed:;
  g_autofree char *doing
      = g_strdup_printf ("reading the keys under %s", job->prefix);
  kc_sqlite_set_error (error, db, rc, job->store->path, doing);
  kc_sqlite_stmt_put (stmt);
  return FALSE;
}

static KcStoreRangeResult *
range_read (sqlite3 *db, const RangeJob *job, GError **error)
{
  gint64 current = 0, compacted = 0;
  g_autofree char *what = g_strdup_printf ("range %s", job->prefix);

  if (!kc_sqlite_read_begin (db, job->store->path, &current, &compacted,
                             error))
    return NULL;
  g_autoptr (KcStoreRangeResult) result = g_new0 (KcStoreRangeResult, 1);
  result->kvs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_store_kv_free);
  result->revision = job->revision > 0 ? job->revision : current;
  gboolean ok = check_revision (job->revision, current, compacted, what,
                                error)
                && range_query (db, job, result->revision,
                                result->revision < current, result, error);
  kc_sqlite_read_end (db);
  return ok ? g_steal_pointer (&result) : NULL;
}

static void
range_run (sqlite3 *db, gpointer data)
{
  RangeJob *job = data;
  GError *error = NULL;

  if (!g_task_return_error_if_cancelled (job->task))
    {
      KcStoreRangeResult *result = range_read (db, job, &error);
      if (result)
        g_task_return_pointer (job->task, result,
                               (GDestroyNotify) kc_store_range_result_free);
      else
        g_task_return_error (job->task, error);
    }
  range_job_free (job);
}

void
kc_sqlite_range_async (KcSqliteStore *self, const KcStoreRange *range,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  RangeJob *job = g_new0 (RangeJob, 1);
  job->store = self;
  job->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, kc_sqlite_range_async);
  job->prefix = g_strdup (range->prefix ? range->prefix : "");
  job->prefix_end = kc_sqlite_prefix_end (job->prefix);
  job->start_after = g_strdup (range->start_after);
  job->revision = range->revision;
  job->limit = range->limit;
  job->count_only = range->count_only;
  kc_sqlite_readers_run (self->readers, range_run, job);
}

KcStoreRangeResult *
kc_sqlite_range_finish (KcSqliteStore *self, GAsyncResult *result,
                        GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
