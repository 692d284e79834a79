/* The API server's periodic compaction, against the real memory store:
 * history older than the retention is compacted away, newer history is
 * kept. */
#include "build-config.h"

#include "apiserver/store-compactor.h"
#include "plugin-loader.h"
#define KC_TEST_WITH_PLUGINS
#include "test-util.h"

typedef struct
{
  KcPlugin *plugin;
  KcPluginInstance *instance;
  gpointer store;
  const KcStoreVtable *vt;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->instance = kc_test_open_memory_store (&f->plugin);
  f->store = kc_plugin_instance_get_self (f->instance);
  f->vt = (const KcStoreVtable *) kc_plugin_instance_get_vtable (f->instance);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  kc_plugin_instance_free (f->instance);
  kc_plugin_free (f->plugin);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
create_keys (Fixture *f, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("/k/%u", i);
      g_autoptr (GBytes) value = g_bytes_new_static ("v", 1);
      GAsyncResult *res = NULL;
      g_autoptr (GError) error = NULL;
      f->vt->create_async (f->store, key, value, 0, NULL, store_result, &res);
      g_assert_cmpint (f->vt->create_finish (f->store, wait_result (&res),
                                             &error),
                       ==, i + 1);
      g_assert_no_error (error);
      g_object_unref (res);
    }
}

static gboolean
get_fails_compacted (Fixture *f, gint64 revision)
{
  GAsyncResult *res = NULL;
  g_autoptr (GError) error = NULL;
  f->vt->get_async (f->store, "/k/0", revision, NULL, store_result, &res);
  g_autoptr (KcStoreKv) kv
      = f->vt->get_finish (f->store, wait_result (&res), NULL, &error);
  g_object_unref (res);
  if (kv)
    return FALSE;
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED);
  return TRUE;
}

static void
wait_compacted (KcStoreCompactor *c, gint64 at_least, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (kc_store_compactor_get_compacted (c) < at_least
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_by_revisions (Fixture *f, gconstpointer data)
{
  create_keys (f, 20);
  KcStoreCompactor *c = kc_store_compactor_new (f->store, f->vt, 1, 0, 5);
  wait_compacted (c, 15, 10);
  g_assert_cmpint (kc_store_compactor_get_compacted (c), ==, 15);
  g_assert_true (get_fails_compacted (f, 14));
  g_assert_false (get_fails_compacted (f, 15));
  g_assert_false (get_fails_compacted (f, 20));
  kc_store_compactor_free (c);
}

static void
test_by_time (Fixture *f, gconstpointer data)
{
  create_keys (f, 10);
  KcStoreCompactor *c = kc_store_compactor_new (f->store, f->vt, 1, 1, 0);
  /* The first sample (revision 10) is a second old at the next tick. */
  wait_compacted (c, 10, 10);
  g_assert_cmpint (kc_store_compactor_get_compacted (c), ==, 10);
  g_assert_true (get_fails_compacted (f, 9));
  g_assert_false (get_fails_compacted (f, 10));
  kc_store_compactor_free (c);
}

static void
test_retention_keeps_recent (Fixture *f, gconstpointer data)
{
  create_keys (f, 10);
  /* An hour of retention: nothing may be compacted in the test's time. */
  KcStoreCompactor *c = kc_store_compactor_new (f->store, f->vt, 1, 3600, 0);
  wait_compacted (c, 1, 3);
  g_assert_cmpint (kc_store_compactor_get_compacted (c), ==, 0);
  g_assert_false (get_fails_compacted (f, 1));
  kc_store_compactor_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store-compactor/by-revisions", Fixture, NULL, fixture_set_up,
              test_by_revisions, fixture_tear_down);
  g_test_add ("/store-compactor/by-time", Fixture, NULL, fixture_set_up,
              test_by_time, fixture_tear_down);
  g_test_add ("/store-compactor/keeps-recent", Fixture, NULL,
              fixture_set_up, test_retention_keeps_recent,
              fixture_tear_down);
  return g_test_run ();
}
