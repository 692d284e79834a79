/* Rows of the SQLite store as KcStoreKv and events; SQLite errors as
 * GError. */
#include "build-config.h"

#include <string.h>

#include "sqlite-store.h"

KcSqliteEvent *
kc_sqlite_event_new (guint32 type, KcStoreKv *kv, KcStoreKv *prev_kv)
{
  KcSqliteEvent *event = g_new0 (KcSqliteEvent, 1);
  g_atomic_ref_count_init (&event->ref);
  event->event.type = type;
  event->event.kv = kv;
  event->event.prev_kv = prev_kv;
  return event;
}

KcSqliteEvent *
kc_sqlite_event_ref (KcSqliteEvent *event)
{
  g_atomic_ref_count_inc (&event->ref);
  return event;
}

void
kc_sqlite_event_unref (KcSqliteEvent *event)
{
  if (event == NULL || !g_atomic_ref_count_dec (&event->ref))
    return;
  kc_store_kv_free (event->event.kv);
  kc_store_kv_free (event->event.prev_kv);
  g_free (event);
}

static GBytes *
column_bytes (sqlite3_stmt *stmt, int col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;
  const void *data = sqlite3_column_blob (stmt, col);
  int len = sqlite3_column_bytes (stmt, col);
  return g_bytes_new (data, len);
}

KcStoreKv *
kc_sqlite_row_kv (sqlite3_stmt *stmt, int col)
{
  g_autoptr (GBytes) value = column_bytes (stmt, col + 1);
  if (value == NULL)
    value = g_bytes_new (NULL, 0);
  return kc_store_kv_new ((const char *) sqlite3_column_text (stmt, col),
                          value, sqlite3_column_int64 (stmt, col + 2),
                          sqlite3_column_int64 (stmt, col + 3),
                          sqlite3_column_int64 (stmt, col + 4),
                          sqlite3_column_int64 (stmt, col + 5));
}

/* Columns as in KC_SQLITE_LOG_COLUMNS. */
KcSqliteEvent *
kc_sqlite_row_event (sqlite3_stmt *stmt)
{
  gint64 revision = sqlite3_column_int64 (stmt, 0);
  const char *key = (const char *) sqlite3_column_text (stmt, 1);
  guint32 type = (guint32) sqlite3_column_int (stmt, 2);
  KcStoreKv *kv;
  KcStoreKv *prev = NULL;

  if (type == KC_STORE_EVENT_DELETE)
    kv = kc_store_kv_new (key, NULL, 0, revision, 0, 0);
  else
    {
      g_autoptr (GBytes) value = column_bytes (stmt, 3);
      if (value == NULL)
        value = g_bytes_new (NULL, 0);
      kv = kc_store_kv_new (key, value, sqlite3_column_int64 (stmt, 4),
                            revision, sqlite3_column_int64 (stmt, 5),
                            sqlite3_column_int64 (stmt, 6));
    }
  if (sqlite3_column_type (stmt, 9) != SQLITE_NULL)
    {
      g_autoptr (GBytes) value = column_bytes (stmt, 7);
      if (value == NULL)
        value = g_bytes_new (NULL, 0);
      prev = kc_store_kv_new (key, value, sqlite3_column_int64 (stmt, 8),
                              sqlite3_column_int64 (stmt, 9),
                              sqlite3_column_int64 (stmt, 10),
                              sqlite3_column_int64 (stmt, 11));
    }
  return kc_sqlite_event_new (type, kv, prev);
}

int
kc_sqlite_bind_bytes (sqlite3_stmt *stmt, int col, GBytes *value)
{
  if (value == NULL)
    return sqlite3_bind_null (stmt, col);
  gsize len;
  const void *data = g_bytes_get_data (value, &len);
  /* A NULL pointer would bind SQL NULL: an empty value is a zero-length
   * blob. */
  if (len == 0)
    return sqlite3_bind_zeroblob (stmt, col, 0);
  return sqlite3_bind_blob64 (stmt, col, data, len, SQLITE_STATIC);
}

void
kc_sqlite_set_error (GError **error, sqlite3 *db, int rc, const char *path,
                     const char *doing)
{
  int primary = rc & 0xff;
  const char *msg = db ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_CORRUPT,
                 "%s: %s: %s; the store file is damaged: restore it from a "
                 "backup or move it away to start empty",
                 path, doing, msg);
  else
    g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED, "%s: %s: %s",
                 path, doing, msg);
}

char *
kc_sqlite_prefix_end (const char *prefix)
{
  gsize len = strlen (prefix);
  char *end = g_strndup (prefix, len);

  while (len > 0)
    {
      guchar c = (guchar) end[len - 1];
      if (c != 0xff)
        {
          end[len - 1] = (char) (c + 1);
          end[len] = '\0';
          return end;
        }
      len--;
    }
  g_free (end);
  return NULL;
}
