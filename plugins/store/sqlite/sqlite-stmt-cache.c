/* Prepared statements kept per reader connection, so that reads do not
 * compile their SQL every time (compiling was as costly as running the
 * query).  Keyed by the SQL text: range reads build theirs from a few
 * variants.  A connection is used by one thread at a time, and so are its
 * statements; only the table is shared, under a lock. */
#include "build-config.h"

#include "sqlite-store.h"

/* Enough for every variant of the read paths; past it, statements are
 * finalized after use instead of kept. */
#define MAX_PER_CONNECTION 64

static GMutex lock;
static GHashTable *connections; /* sqlite3* -> GHashTable (sql -> stmt) */

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

sqlite3_stmt *
kc_sqlite_stmt_get (sqlite3 *db, const char *sql, int *rc)
{
  sqlite3_stmt *stmt = NULL;
  g_mutex_lock (&lock);
  GHashTable *cache
      = connections ? g_hash_table_lookup (connections, db) : NULL;
  if (cache)
    stmt = g_hash_table_lookup (cache, sql);
  g_mutex_unlock (&lock);
  if (stmt)
    {
      *rc = SQLITE_OK;
      return stmt;
    }
  *rc = sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
                            NULL);
  if (*rc != SQLITE_OK)
    return NULL;
  g_mutex_lock (&lock);
  if (connections == NULL)
    connections = g_hash_table_new_full (NULL, NULL, NULL,
                                         (GDestroyNotify)g_hash_table_unref);
  cache = g_hash_table_lookup (connections, db);
  if (cache == NULL)
    {
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     finalize_stmt);
      g_hash_table_insert (connections, db, cache);
    }
  /* Past the limit it is not kept: kc_sqlite_stmt_put() finalizes it. */
  if (g_hash_table_size (cache) < MAX_PER_CONNECTION)
    g_hash_table_insert (cache, g_strdup (sql), stmt);
  g_mutex_unlock (&lock);
  return stmt;
}

void
kc_sqlite_stmt_put (sqlite3_stmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3 *db = sqlite3_db_handle (stmt);
  gboolean kept = FALSE;
  g_mutex_lock (&lock);
  GHashTable *cache
      = connections ? g_hash_table_lookup (connections, db) : NULL;
  if (cache)
    kept = g_hash_table_lookup (cache, sqlite3_sql (stmt)) == stmt;
  g_mutex_unlock (&lock);
  if (!kept)
    {
      sqlite3_finalize (stmt);
      return;
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

void
kc_sqlite_stmt_forget (sqlite3 *db)
{
  g_mutex_lock (&lock);
  if (connections)
    g_hash_table_remove (connections, db);
  g_mutex_unlock (&lock);
}
