/* The store file: recognising it (read-only, so a file that is not ours is
 * never touched), creating the schema, opening connections. */
#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sqlite-store.h"

static const char schema_sql[] =
  "CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
  "INSERT INTO meta VALUES ('revision', 0), ('compacted', 0),"
  "  ('purged', 0), ('lease-seq', 0);"
  /* The value of a key lives once, in its log row (mod_revision). */
  "CREATE TABLE kv (key TEXT PRIMARY KEY,"
  "  create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL,"
  "  version INTEGER NOT NULL, lease INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX kv_lease ON kv (lease) WHERE lease != 0;"
  "CREATE TABLE log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL,"
  "  type INTEGER NOT NULL, value BLOB, create_revision INTEGER NOT NULL,"
  "  version INTEGER NOT NULL, lease INTEGER NOT NULL, prev_value BLOB,"
  "  prev_create_revision INTEGER, prev_mod_revision INTEGER,"
  "  prev_version INTEGER, prev_lease INTEGER);"
  "CREATE INDEX log_key ON log (key, revision);"
  "CREATE TABLE leases (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);";

static const char *const required_tables[] = { "meta", "kv", "log", "leases",
                                               NULL };

static gboolean
corrupt (GError **error, const char *path, const char *what)
{
  g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_CORRUPT,
               "%s: %s; the file was left untouched: move it away or set "
               "the store's path to another file",
               path, what);
  return FALSE;
}

/* An SQLite file starts with this 16-byte string. */
static gboolean
check_header (const char *path, gboolean *out_empty, GError **error)
{
  static const char magic[16] = "SQLite format 3";
  char header[100];
  int saved;

  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      saved = errno;
      if (saved == ENOENT)
        {
          *out_empty = TRUE;
          return TRUE;
        }
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "%s: cannot open the store file: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  size_t n = fread (header, 1, sizeof header, f);
  fclose (f);
  if (n == 0)
    {
      *out_empty = TRUE;
      return TRUE;
    }
  *out_empty = FALSE;
  if (n < sizeof header || memcmp (header, magic, sizeof magic) != 0)
    return corrupt (error, path, "not an SQLite database, so not a kcore "
                                 "store file");
  return TRUE;
}

static gboolean
query_int (sqlite3 *db, const char *path, const char *sql, gint64 *out,
           GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  if (rc != SQLITE_OK)
    {
      g_autofree char *doing = g_strdup_printf ("reading the schema (%s)", sql);
      kc_sqlite_set_error (error, db, rc, path, doing);
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_OK;
}

/* PRAGMA quick_check answers "ok", or rows describing the damage. */
static gboolean
quick_check (sqlite3 *db, const char *path, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check(1)", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      kc_sqlite_set_error (error, db, rc, path, "checking the file");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  const char *answer = (const char *) sqlite3_column_text (stmt, 0);
  gboolean ok = g_strcmp0 (answer, "ok") == 0;
  if (!ok)
    {
      g_autofree char *what = g_strdup_printf (
          "the database is damaged (integrity check: %s)", answer);
      /* Messages are one line; SQLite's report has several. */
      g_strdelimit (what, "\n", ' ');
      corrupt (error, path, what);
    }
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
check_tables (sqlite3 *db, const char *path, GError **error)
{
  for (guint i = 0; required_tables[i]; i++)
    {
      g_autofree char *sql = g_strdup_printf (
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
          "name = '%s'",
          required_tables[i]);
      gint64 n = 0;
      if (!query_int (db, path, sql, &n, error))
        return FALSE;
      if (n != 1)
        {
          g_autofree char *what = g_strdup_printf (
              "a kcore store file without its table \"%s\" (damaged)",
              required_tables[i]);
          return corrupt (error, path, what);
        }
    }
  return TRUE;
}

static gboolean
inspect_db (sqlite3 *db, const char *path, GError **error)
{
  gint64 app_id = 0, version = 0, n_objects = 0;

  if (!query_int (db, path, "PRAGMA application_id", &app_id, error)
      || !query_int (db, path, "PRAGMA user_version", &version, error)
      || !query_int (db, path, "SELECT count(*) FROM sqlite_master",
                     &n_objects, error))
    return FALSE;

  /* An SQLite file with nothing in it is as good as a new one. */
  if (app_id == 0 && version == 0 && n_objects == 0)
    return TRUE;
  if ((guint32) app_id != KC_SQLITE_APPLICATION_ID)
    {
      g_autofree char *what = g_strdup_printf (
          "an SQLite database of another application (application_id "
          "0x%08x, a kcore store has 0x%08x)",
          (guint32) app_id, KC_SQLITE_APPLICATION_ID);
      return corrupt (error, path, what);
    }
  if (version > KC_SQLITE_SCHEMA_VERSION)
    {
      g_autofree char *what = g_strdup_printf (
          "written by a newer kcore (store schema version %" G_GINT64_FORMAT
          ", this kcore reads up to version %d): run a newer kcore",
          version, KC_SQLITE_SCHEMA_VERSION);
      return corrupt (error, path, what);
    }
  if (version < 1)
    return corrupt (error, path,
                    "a kcore store file without a schema version (damaged)");
  return quick_check (db, path, error) && check_tables (db, path, error);
}

gboolean
kc_sqlite_schema_inspect (const char *path, GError **error)
{
  gboolean empty = FALSE;
  sqlite3 *db = NULL;

  if (!check_header (path, &empty, error))
    return FALSE;
  if (empty)
    return TRUE;

  int rc = sqlite3_open_v2 (path, &db,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  gboolean ok;
  if (rc != SQLITE_OK)
    {
      kc_sqlite_set_error (error, db, rc, path, "opening read-only");
      ok = FALSE;
    }
  else
    ok = inspect_db (db, path, error);
  sqlite3_close (db);
  return ok;
}

static gboolean
exec (sqlite3 *db, const char *path, const char *sql, const char *doing,
      GError **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      kc_sqlite_set_error (error, db, rc, path, doing);
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_schema (sqlite3 *db, const char *path, GError **error)
{
  g_autofree char *sql = g_strdup_printf (
      "BEGIN IMMEDIATE; %s PRAGMA application_id = %d; "
      "PRAGMA user_version = %d; COMMIT;",
      schema_sql, KC_SQLITE_APPLICATION_ID, KC_SQLITE_SCHEMA_VERSION);
  if (!exec (db, path, sql, "creating the schema", error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_state (sqlite3 *db, const char *path, KcSqliteState *state,
            GError **error)
{
  return query_int (db, path,
                    "SELECT value FROM meta WHERE name = 'revision'",
                    &state->revision, error)
         && query_int (db, path,
                       "SELECT value FROM meta WHERE name = 'compacted'",
                       &state->compacted, error)
         && query_int (db, path,
                       "SELECT value FROM meta WHERE name = 'purged'",
                       &state->purged, error)
         && query_int (db, path,
                       "SELECT value FROM meta WHERE name = 'lease-seq'",
                       &state->lease_seq, error);
}

static gboolean
configure_writer (sqlite3 *db, const char *path, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean wal = FALSE;

  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL)
          == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    wal = g_ascii_strcasecmp (
              (const char *) sqlite3_column_text (stmt, 0), "wal")
          == 0;
  sqlite3_finalize (stmt);
  if (!wal)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "%s: cannot switch the database to WAL mode (%s); the "
                   "store needs a local file system that supports shared "
                   "memory",
                   path, sqlite3_errmsg (db));
      return FALSE;
    }
  /* FULL: a commit returns only once the WAL is on disk, which is what
   * acknowledging a write means.  A 4 MiB page cache holds the b-tree
   * interiors of hundreds of thousands of keys; the rows themselves are in
   * the kernel's file cache anyway, and a larger cache only made the API
   * server's resident memory per object twice the object's size. */
  return exec (db, path,
               "PRAGMA synchronous = FULL; PRAGMA cache_size = -4096;"
               "PRAGMA temp_store = MEMORY;",
               "configuring the connection", error);
}

sqlite3 *
kc_sqlite_schema_open_writer (const char *path, KcSqliteState *state,
                              GError **error)
{
  sqlite3 *db = NULL;
  gint64 version = 0;

  int rc = sqlite3_open_v2 (path, &db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                | SQLITE_OPEN_NOMUTEX,
                            NULL);
  if (rc != SQLITE_OK)
    {
      kc_sqlite_set_error (error, db, rc, path, "opening read-write");
      sqlite3_close (db);
      return NULL;
    }
  if (!configure_writer (db, path, error)
      || !query_int (db, path, "PRAGMA user_version", &version, error)
      || (version == 0 && !create_schema (db, path, error))
      || !load_state (db, path, state, error))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

sqlite3 *
kc_sqlite_schema_open_reader (const char *path, GError **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      kc_sqlite_set_error (error, db, rc, path,
                           "opening a read connection");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 10000);
  /* Readers serve lists at start-up and past revisions: 2 MiB each. */
  sqlite3_exec (db, "PRAGMA cache_size = -2048", NULL, NULL, NULL);
  return db;
}
