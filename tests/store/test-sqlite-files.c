/* The SQLite store refuses a database it cannot trust — not SQLite at all,
 * another application's SQLite file, a newer schema, a damaged file — with
 * an error naming the file and what is wrong, and leaves the file exactly
 * as it was.  A good store file reopens with its data, and its WAL does
 * not grow without end under a steady stream of writes. */
#include "build-config.h"

#include "store-harness.h"
#include <glib/gstdio.h>
#include <sqlite3.h>

static KcTestPlugin *plugin;
static char *tmp_dir;

static char *
store_path (const char *dir)
{
  return g_build_filename (dir, "store.db", NULL);
}

static char *
new_dir (void)
{
  static guint n;
  g_autofree char *name = g_strdup_printf ("case-%u", ++n);
  char *dir = g_build_filename (tmp_dir, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static GBytes *
read_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

/* Opening the store in @dir must fail with a message containing the file's
 * path and @what, and leave the file byte for byte as it was. */
static void
assert_refused (const char *dir, const char *what)
{
  g_autofree char *path = store_path (dir);
  g_autoptr (GBytes) before = read_file (path);
  g_autoptr (GError) error = NULL;

  KcTestStore *store = kc_test_store_open (plugin, dir, &error);
  g_assert_null (store);
  g_assert_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_CREATE_FAILED);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, what));
  g_assert_nonnull (strstr (error->message, "the file was left untouched"));
  g_assert_null (strchr (error->message, '\n'));

  g_autoptr (GBytes) after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
fill_store (const char *dir, guint n)
{
  g_autoptr (GError) error = NULL;
  KcTestStore *store = kc_test_store_open (plugin, dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("/registry/pods/ns/p%05u", i);
      g_autofree char *text = g_strdup_printf ("value of pod %u with some "
                                               "padding to fill pages",
                                               i);
      g_autoptr (GBytes) value = kc_test_bytes (text);
      g_assert_cmpint (kc_test_create (store, key, value, 0, &error), ==,
                       i + 1);
    }
  kc_test_store_close (store);
}

static void
run_sql (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);
  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_not_sqlite (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = store_path (dir);
  g_assert_true (g_file_set_contents (
      path, "this is a text file, not a database\n", -1, NULL));
  assert_refused (dir, "not an SQLite database");
}

static void
test_foreign_sqlite (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = store_path (dir);
  run_sql (path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);"
                 "INSERT INTO photos (name) VALUES ('holiday.jpg');");
  assert_refused (dir, "an SQLite database of another application");
}

static void
test_newer_schema (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = store_path (dir);
  fill_store (dir, 3);
  run_sql (path, "PRAGMA user_version = 999;");
  assert_refused (dir, "written by a newer kcore (store schema version 999");
}

static void
test_damaged (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = store_path (dir);
  fill_store (dir, 3000);
  /* Make sure everything is in the main file, then scribble over pages in
   * its middle, leaving the header (page 1) intact. */
  run_sql (path, "PRAGMA wal_checkpoint(TRUNCATE);");
  g_autoptr (GBytes) bytes = read_file (path);
  gsize len = g_bytes_get_size (bytes);
  g_assert_cmpuint (len, >, 16 * 4096);
  guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  for (gsize i = 4 * 4096; i < 12 * 4096; i++)
    data[i] = (guint8) (i * 131 + 7);
  g_assert_true (g_file_set_contents (path, (char *) data, len, NULL));
  g_free (data);
  assert_refused (dir, "damaged");
}

static void
test_reopen_keeps_data (void)
{
  g_autofree char *dir = new_dir ();
  fill_store (dir, 50);
  g_autoptr (GError) error = NULL;
  KcTestStore *store = kc_test_store_open (plugin, dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kc_test_revision (store), ==, 50);
  g_autoptr (KcStoreKv) kv
      = kc_test_get (store, "/registry/pods/ns/p00049", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kv->mod_revision, ==, 50);
  kc_test_store_close (store);
}

static void
test_one_process_at_a_time (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = store_path (dir);
  g_autoptr (GError) error = NULL;
  KcTestStore *first = kc_test_store_open (plugin, dir, &error);
  g_assert_no_error (error);

  KcTestStore *second = kc_test_store_open (plugin, dir, &error);
  g_assert_null (second);
  g_assert_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_CREATE_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message,
                            "the store is open in another process"));
  g_clear_error (&error);

  /* Closing the first releases the file. */
  kc_test_store_close (first);
  second = kc_test_store_open (plugin, dir, &error);
  g_assert_no_error (error);
  kc_test_store_close (second);
}

/* One writer, one durable create after another, as a controller or the
 * benchmark writes: the checkpointer alone never catches up with such a
 * stream, so without the writer's help the WAL would never start over and
 * would grow by every commit (3,000 creates of 1 KiB: ~49 MB). */
static void
test_wal_starts_over (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *wal = g_strconcat (dir, "/store.db-wal", NULL);
  g_autoptr (GError) error = NULL;
  KcTestStore *store = kc_test_store_open (plugin, dir, &error);
  g_assert_no_error (error);
  g_autofree char *text = g_strnfill (1024, 'v');
  g_autoptr (GBytes) value = kc_test_bytes (text);
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *key = g_strdup_printf ("/registry/pods/ns/p%05u", i);
      g_assert_cmpint (kc_test_create (store, key, value, 0, &error), ==,
                       i + 1);
    }
  GStatBuf st;
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_test_message ("WAL after 3000 creates: %" G_GINT64_FORMAT " bytes",
                  (gint64) st.st_size);
  /* 1,000 pages start a checkpoint; a few restarts missed still pass. */
  g_assert_cmpint (st.st_size, <, 16 * 1024 * 1024);
  kc_test_store_close (store);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree char *so = g_build_filename (
      g_getenv ("KCORE_BUILDDIR") ? g_getenv ("KCORE_BUILDDIR") : ".",
      "plugins/store/sqlite/.libs/store-sqlite.so", NULL);
  g_autoptr (GError) error = NULL;
  plugin = kc_test_plugin_load (so, NULL, &error);
  g_assert_no_error (error);
  tmp_dir = g_dir_make_tmp ("kcore-sqlite-files-XXXXXX", NULL);

  g_test_add_func ("/sqlite-files/refuse/not-sqlite", test_not_sqlite);
  g_test_add_func ("/sqlite-files/refuse/foreign", test_foreign_sqlite);
  g_test_add_func ("/sqlite-files/refuse/newer-schema", test_newer_schema);
  g_test_add_func ("/sqlite-files/refuse/damaged", test_damaged);
  g_test_add_func ("/sqlite-files/reopen", test_reopen_keeps_data);
  g_test_add_func ("/sqlite-files/one-process-at-a-time",
                   test_one_process_at_a_time);
  g_test_add_func ("/sqlite-files/wal-starts-over", test_wal_starts_over);
  int status = g_test_run ();

  kc_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  kc_test_plugin_free (plugin);
  return status;
}
