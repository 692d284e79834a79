/* etcd-chaos: writes and watches through a store plugin while the test
 * script disrupts etcd (kills the leader, restarts the member), then checks
 * that nothing acknowledged was lost and that the watch saw every write
 * exactly once, in order.  Prints TAP.
 *
 *   etcd-chaos --plugin PATH.so --option K=V... --ready-file F --resume-file G
 *
 * After about a second of writes it creates F; the script disrupts etcd and
 * creates G; the writes go on for two more seconds, then the checks run.
 *
 *   etcd-chaos --plugin PATH.so --option K=V... --open-only
 *
 * opens the store, creates and reads a key; prints the error and exits 1 if
 * anything fails (the TLS test). */
#include "build-config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../store/store-harness.h"

static char *opt_plugin;
static char **opt_options;
static char *opt_ready_file;
static char *opt_resume_file;
static gboolean opt_open_only;
static gint opt_in_flight = 8;

static guint tap_n;
static guint tap_failed;

static void
tap (gboolean ok, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
tap (gboolean ok, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("%s %u - %s\n", ok ? "ok" : "not ok", ++tap_n, text);
  fflush (stdout);
  if (!ok)
    tap_failed++;
}

/* ---- the watch ------------------------------------------------------------- */

typedef struct
{
  GArray *revisions; /* gint64 per event */
  GHashTable *keys;  /* key -> revision */
  guint duplicates, out_of_order, errors;
  char *first_error;
} Watched;

static void
watch_cb (const KcStoreEvent *events, guint n, const GError *error,
          gpointer data)
{
  Watched *w = data;
  if (error)
    {
      w->errors++;
      if (w->first_error == NULL)
        w->first_error = g_strdup (error->message);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      gint64 rev = events[i].kv->mod_revision;
      if (w->revisions->len > 0)
        {
          gint64 last = g_array_index (w->revisions, gint64,
                                       w->revisions->len - 1);
          if (rev == last)
            w->duplicates++;
          else if (rev < last)
            w->out_of_order++;
        }
      g_array_append_val (w->revisions, rev);
      if (g_hash_table_contains (w->keys, events[i].kv->key))
        w->duplicates++;
      g_hash_table_insert (w->keys, g_strdup (events[i].kv->key),
                           g_memdup2 (&rev, sizeof rev));
    }
}

/* ---- the writers ------------------------------------------------------------- */

typedef struct
{
  KcTestStore *store;
  guint next, in_flight;
  gboolean stop;
  GHashTable *acked;   /* key -> revision */
  guint failures, acked_after_resume;
  gboolean resumed;
  char *first_failure;
} Writers;

typedef struct
{
  Writers *w;
  char *key;
} Write;

static void writers_next (Writers *w);

static void
write_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Write *op = data;
  Writers *w = op->w;
  g_autoptr (GError) error = NULL;
  gint64 rev = w->store->vt->create_finish (w->store->self, result, &error);
  if (rev > 0)
    {
      g_hash_table_insert (w->acked, g_steal_pointer (&op->key),
                           g_memdup2 (&rev, sizeof rev));
      if (w->resumed)
        w->acked_after_resume++;
    }
  else
    {
      w->failures++;
      if (w->first_failure == NULL)
        w->first_failure = g_strdup (error ? error->message : "revision 0");
    }
  g_free (op->key);
  g_free (op);
  w->in_flight--;
  writers_next (w);
}

static void
writers_next (Writers *w)
{
  while (!w->stop && w->in_flight < (guint) opt_in_flight)
    {
      Write *op = g_new0 (Write, 1);
      op->w = w;
      op->key = g_strdup_printf ("/chaos/%08u", w->next++);
      g_autoptr (GBytes) v = kc_test_bytes (op->key);
      w->in_flight++;
      w->store->vt->create_async (w->store->self, op->key, v, 0, NULL,
                                  write_cb, op);
    }
}

static void
iterate_until_file (const char *path, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  while (!g_file_test (path, G_FILE_TEST_EXISTS)
         && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (20);
}

static int
run_chaos (KcTestStore *store)
{
  Watched watched = {
    .revisions = g_array_new (FALSE, FALSE, sizeof (gint64)),
    .keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
  };
  KcStoreWatch *watch = store->vt->watch (store->self, "/chaos/", 0,
                                          watch_cb, &watched, NULL);
  Writers w = {
    .store = store,
    .acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
  };
  kc_test_iterate_for (200); /* the watch is established */
  writers_next (&w);
  kc_test_iterate_for (1000);
  guint before = g_hash_table_size (w.acked);
  g_file_set_contents (opt_ready_file, "", 0, NULL);
  iterate_until_file (opt_resume_file, 60000);
  w.resumed = TRUE;
  kc_test_iterate_for (2000);
  w.stop = TRUE;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (w.in_flight > 0 && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (10);
  guint acked = g_hash_table_size (w.acked);
  tap (w.in_flight == 0, "every write got an answer");
  tap (before > 0 && w.acked_after_resume > 0,
       "writes acknowledged before (%u) and after (%u) the disruption",
       before, w.acked_after_resume);
  printf ("# %u acknowledged, %u failed%s%s\n", acked, w.failures,
          w.first_failure ? "; first failure: " : "",
          w.first_failure ? w.first_failure : "");

  /* Every acknowledged write is in the store, at its revision. */
  KcStoreRange range = { .prefix = "/chaos/" };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) r = kc_test_range (store, &range, &error);
  guint lost = 0, wrong = 0;
  g_autoptr (GHashTable) present = g_hash_table_new (g_str_hash,
                                                     g_str_equal);
  for (guint i = 0; r && i < r->kvs->len; i++)
    {
      KcStoreKv *kv = r->kvs->pdata[i];
      g_hash_table_insert (present, kv->key, kv);
    }
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, w.acked);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      KcStoreKv *kv = g_hash_table_lookup (present, key);
      if (kv == NULL)
        lost++;
      else if (kv->create_revision != *(gint64 *) value)
        wrong++;
    }
  tap (r != NULL && lost == 0 && wrong == 0,
       "no acknowledged write lost (%u lost, %u at another revision)", lost,
       wrong);

  /* The watch saw every key in the store exactly once, in order. */
  guint n_store = r ? r->kvs->len : 0;
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_hash_table_size (watched.keys) < n_store && watched.errors == 0
         && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (20);
  kc_test_iterate_for (200);
  guint missed = 0;
  for (guint i = 0; r && i < r->kvs->len; i++)
    {
      KcStoreKv *kv = r->kvs->pdata[i];
      gint64 *seen = g_hash_table_lookup (watched.keys, kv->key);
      if (seen == NULL || *seen != kv->create_revision)
        missed++;
    }
  tap (watched.errors == 0, "the watch reported no error%s%s",
       watched.first_error ? ": " : "",
       watched.first_error ? watched.first_error : "");
  tap (missed == 0 && watched.revisions->len == n_store,
       "the watch saw every write (%u events, %u keys, %u missed)",
       watched.revisions->len, n_store, missed);
  tap (watched.duplicates == 0 && watched.out_of_order == 0,
       "no event repeated (%u) or out of order (%u)", watched.duplicates,
       watched.out_of_order);

  store->vt->watch_cancel (store->self, watch);
  g_array_unref (watched.revisions);
  g_hash_table_unref (watched.keys);
  g_free (watched.first_error);
  g_hash_table_unref (w.acked);
  g_free (w.first_failure);
  printf ("1..%u\n", tap_n);
  return tap_failed == 0 ? 0 : 1;
}

static int
run_open_only (KcTestPlugin *plugin, const char *dir)
{
  g_autoptr (GError) error = NULL;
  KcTestStore *store = kc_test_store_open (plugin, dir, &error);
  if (store == NULL)
    {
      printf ("%s\n", error->message);
      return 1;
    }
  g_autoptr (GBytes) v = kc_test_bytes ("tls");
  g_autofree char *key = g_strdup_printf ("/tls/%d", (int) getpid ());
  gint64 rev = kc_test_create (store, key, v, 0, &error);
  g_autoptr (KcStoreKv) kv = rev > 0 ? kc_test_get (store, key, 0, NULL,
                                                    &error)
                                     : NULL;
  if (kv == NULL)
    printf ("%s\n", error ? error->message : "no key");
  else
    printf ("created and read %s at revision %" G_GINT64_FORMAT "\n", key,
            rev);
  kc_test_store_close (store);
  return kv ? 0 : 1;
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "plugin", 0, 0, G_OPTION_ARG_FILENAME, &opt_plugin, "plugin", "SO" },
    { "option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_options, "option",
      "K=V" },
    { "ready-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ready_file, NULL,
      NULL },
    { "resume-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_resume_file, NULL,
      NULL },
    { "in-flight", 0, 0, G_OPTION_ARG_INT, &opt_in_flight, NULL, NULL },
    { "open-only", 0, 0, G_OPTION_ARG_NONE, &opt_open_only, NULL, NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)
      || opt_plugin == NULL
      || (!opt_open_only && (!opt_ready_file || !opt_resume_file)))
    {
      g_printerr ("etcd-chaos: %s\n",
                  error ? error->message : "missing options");
      return 2;
    }
  KcTestPlugin *plugin = kc_test_plugin_load (
      opt_plugin, (const char *const *) opt_options, &error);
  if (plugin == NULL)
    {
      printf ("not ok 1 - load: %s\n1..1\n", error->message);
      return 1;
    }
  g_autofree char *dir = g_dir_make_tmp ("etcd-chaos-XXXXXX", NULL);
  int ret;
  if (opt_open_only)
    ret = run_open_only (plugin, dir);
  else
    {
      KcTestStore *store = kc_test_store_open (plugin, dir, &error);
      if (store == NULL)
        {
          printf ("not ok 1 - open: %s\n1..1\n", error->message);
          ret = 1;
        }
      else
        {
          ret = run_chaos (store);
          kc_test_store_close (store);
          kc_test_iterate_for (20);
        }
    }
  kc_test_rm_rf (dir);
  kc_test_plugin_free (plugin);
  g_free (opt_plugin);
  g_strfreev (opt_options);
  g_free (opt_ready_file);
  g_free (opt_resume_file);
  return ret;
}
