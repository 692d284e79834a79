/* The API server's watch cache against the real memory store: it mirrors
 * the store, replays its window to late subscribers, refuses resumes older
 * than its window, and never hands a subscriber an event it had already
 * applied when the subscriber arrived. */
#include "build-config.h"

#include "apiserver/watch-cache.h"
#include "plugin-loader.h"
#define KC_TEST_WITH_PLUGINS
#include "test-util.h"

typedef struct
{
  KcPlugin *plugin;
  KcPluginInstance *instance;
  gpointer store;
  const KcStoreVtable *vt;
  KcWatchCache *cache;
  GPtrArray *seen;        /* of KcWatchEvent*, what the subscriber got */
  KcWatchCacheSub *sub;
} Fixture;

static const KcResource *
configmaps (void)
{
  return kc_resource_find ("", "v1", "configmaps");
}

static void
iterate_until (gboolean (*done) (Fixture *), Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!done (f) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done (f));
}

static gboolean
cache_ready (Fixture *f)
{
  return kc_watch_cache_is_ready (f->cache);
}

static void
fixture_set_up (Fixture *f, gconstpointer window)
{
  f->instance = kc_test_open_memory_store (&f->plugin);
  f->store = kc_plugin_instance_get_self (f->instance);
  f->vt = (const KcStoreVtable *) kc_plugin_instance_get_vtable (f->instance);
  f->cache = kc_watch_cache_new (configmaps (), f->store, f->vt,
                                 GPOINTER_TO_UINT (window));
  f->seen = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_watch_event_unref);
  iterate_until (cache_ready, f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->sub)
    kc_watch_cache_unsubscribe (f->cache, f->sub);
  kc_watch_cache_free (f->cache);
  g_ptr_array_unref (f->seen);
  kc_plugin_instance_free (f->instance);
  kc_plugin_free (f->plugin);
}

static void
record (KcWatchEvent *event, gpointer data)
{
  Fixture *f = data;
  g_assert_nonnull (event);
  g_ptr_array_add (f->seen, kc_watch_event_ref (event));
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static gint64
create (Fixture *f, const char *name)
{
  g_autofree char *key = g_strdup_printf ("/registry/configmaps/ns/%s", name);
  g_autofree char *json = g_strdup_printf (
      "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":"
      "{\"name\":\"%s\",\"namespace\":\"ns\"}}",
      name);
  g_autoptr (GBytes) value = g_bytes_new (json, strlen (json));
  GAsyncResult *res = NULL;
  g_autoptr (GError) error = NULL;
  f->vt->create_async (f->store, key, value, 0, NULL, store_result, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  gint64 revision = f->vt->create_finish (f->store, res, &error);
  g_assert_no_error (error);
  g_object_unref (res);
  return revision;
}

static gboolean
caught_up (Fixture *f)
{
  return kc_watch_cache_get_revision (f->cache) >= 3;
}

static gboolean
counted_entries (const char *key, GBytes *json, gpointer data)
{
  (*(guint *) data)++;
  return TRUE;
}

static void
test_mirrors_store (Fixture *f, gconstpointer data)
{
  create (f, "a");
  create (f, "b");
  create (f, "c");
  iterate_until (caught_up, f);
  guint n = 0;
  kc_watch_cache_visit (f->cache, "/registry/configmaps/ns/", NULL,
                        counted_entries, &n);
  g_assert_cmpuint (n, ==, 3);
  n = 0;
  kc_watch_cache_visit (f->cache, "/registry/configmaps/ns/",
                        "/registry/configmaps/ns/a", counted_entries, &n);
  g_assert_cmpuint (n, ==, 2);
}

static gboolean
seen_two (Fixture *f)
{
  return f->seen->len >= 2;
}

static void
test_window_replay (Fixture *f, gconstpointer data)
{
  create (f, "a");
  create (f, "b");
  create (f, "c");
  iterate_until (caught_up, f);
  /* After revision 1: the window replays b and c, nothing more. */
  f->sub = kc_watch_cache_subscribe (f->cache, 1, record, f);
  g_assert_nonnull (f->sub);
  iterate_until (seen_two, f);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->seen->len, ==, 2);
  g_assert_cmpint (((KcWatchEvent *) f->seen->pdata[0])->revision, ==, 2);
  g_assert_cmpint (((KcWatchEvent *) f->seen->pdata[1])->revision, ==, 3);
}

static void
test_too_old (Fixture *f, gconstpointer data)
{
  /* A window of 2 events: after 3 creates, revision 0 is out of it. */
  create (f, "a");
  create (f, "b");
  create (f, "c");
  iterate_until (caught_up, f);
  g_assert_null (kc_watch_cache_subscribe (f->cache, 0, record, f));
  f->sub = kc_watch_cache_subscribe (f->cache, 1, record, f);
  g_assert_nonnull (f->sub);
}

/* Runs as soon as the cache applied the event, before it fanned it out. */
static void
subscribe_now (gboolean ok, gpointer data)
{
  Fixture *f = data;
  g_assert_true (ok);
  f->sub = kc_watch_cache_subscribe (
      f->cache, kc_watch_cache_get_revision (f->cache), record, f);
}

static gboolean
subscribed (Fixture *f)
{
  return f->sub != NULL;
}

static void
test_no_event_twice (Fixture *f, gconstpointer data)
{
  gint64 rev = create (f, "a");
  kc_watch_cache_wait (f->cache, rev, 5000, subscribe_now, f);
  iterate_until (subscribed, f);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  /* The subscriber listed "a" at the cache's revision: its event must not
   * come again. */
  g_assert_cmpuint (f->seen->len, ==, 0);
  gint64 next = create (f, "b");
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (f->seen->len < 1 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpint (((KcWatchEvent *) f->seen->pdata[0])->revision, ==, next);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/watch-cache/mirrors-store", Fixture, GUINT_TO_POINTER (100),
              fixture_set_up, test_mirrors_store, fixture_tear_down);
  g_test_add ("/watch-cache/window-replay", Fixture, GUINT_TO_POINTER (100),
              fixture_set_up, test_window_replay, fixture_tear_down);
  g_test_add ("/watch-cache/too-old", Fixture, GUINT_TO_POINTER (2),
              fixture_set_up, test_too_old, fixture_tear_down);
  g_test_add ("/watch-cache/no-event-twice", Fixture, GUINT_TO_POINTER (100),
              fixture_set_up, test_no_event_twice, fixture_tear_down);
  return g_test_run ();
}
