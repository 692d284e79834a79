/* Store harness: see store-harness.h. */
#include "build-config.h"

#include "store-harness.h"

#include <glib/gstdio.h>

#include <string.h>

/* Long enough for a slow durable store under sanitizers, short enough that a
 * lost callback fails the run instead of hanging it. */
#define OP_TIMEOUT_MS 120000

KcTestPlugin *
kc_test_plugin_load (const char *path, const char *const *options,
                     GError **error)
{
  g_autofree char *abs_path = g_canonicalize_filename (path, NULL);
  KcPlugin *plugin = kc_plugin_load ("store", KC_PLUGIN_KIND_STORE, abs_path,
                                     NULL, error);
  if (plugin == NULL)
    return NULL;

  KcTestPlugin *tp = g_new0 (KcTestPlugin, 1);
  tp->plugin = plugin;
  tp->path = g_steal_pointer (&abs_path);
  tp->options = g_strdupv ((char **) options);
  if (tp->options == NULL)
    tp->options = g_new0 (char *, 1);
  return tp;
}

void
kc_test_plugin_free (KcTestPlugin *plugin)
{
  if (plugin == NULL)
    return;
  kc_plugin_free (plugin->plugin);
  g_free (plugin->path);
  g_strfreev (plugin->options);
  g_free (plugin);
}

const char *
kc_test_plugin_get_name (const KcTestPlugin *plugin)
{
  return kc_plugin_get_descriptor (plugin->plugin)->name;
}

static GKeyFile *
options_to_key_file (char **options, GError **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  /* The group exists even without options: the loader checks it. */
  g_key_file_set_string (key_file, "store", "plugin",
                         "conformance-under-test");
  g_key_file_remove_key (key_file, "store", "plugin", NULL);
  for (char **o = options; o && *o; o++)
    {
      const char *eq = strchr (*o, '=');
      if (eq == NULL || eq == *o)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--option %s: expected KEY=VALUE", *o);
          return NULL;
        }
      g_autofree char *key = g_strndup (*o, eq - *o);
      g_key_file_set_value (key_file, "store", key, eq + 1);
    }
  return g_steal_pointer (&key_file);
}

KcTestStore *
kc_test_store_open (KcTestPlugin *plugin, const char *data_dir,
                    GError **error)
{
  g_autoptr (GKeyFile) key_file = options_to_key_file (plugin->options,
                                                       error);
  if (key_file == NULL)
    return NULL;
  if (!kc_plugin_configure (plugin->plugin, key_file, "store", NULL,
                            "--option", data_dir, error))
    return NULL;
  KcPluginInstance *instance = kc_plugin_instance_new (plugin->plugin,
                                                       "store-test",
                                                       data_dir, error);
  if (instance == NULL)
    return NULL;

  KcTestStore *store = g_new0 (KcTestStore, 1);
  store->plugin = plugin;
  store->instance = instance;
  store->self = kc_plugin_instance_get_self (instance);
  store->vt = (const KcStoreVtable *) kc_plugin_instance_get_vtable (instance);
  store->data_dir = g_strdup (data_dir);
  return store;
}

void
kc_test_store_close (KcTestStore *store)
{
  if (store == NULL)
    return;
  kc_plugin_instance_free (store->instance);
  g_free (store->data_dir);
  g_free (store);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(volatile gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
kc_test_iterate_until (volatile gboolean *flag, guint timeout_ms)
{
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, set_flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!*flag && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  return *flag;
}

void
kc_test_iterate_for (guint ms)
{
  gboolean never = FALSE;
  kc_test_iterate_until (&never, ms);
}

/* One pending async call: the callback parks its result here. */
typedef struct
{
  GAsyncResult *result;
  gboolean done;
} OpWait;

static void
op_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  OpWait *wait = data;
  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static void
op_wait (OpWait *wait, const char *what)
{
  if (!kc_test_iterate_until (&wait->done, OP_TIMEOUT_MS))
    g_error ("%s: the store did not call back within %d s", what,
             OP_TIMEOUT_MS / 1000);
}

KcStoreKv *
kc_test_get (KcTestStore *store, const char *key, gint64 revision,
             gint64 *out_revision, GError **error)
{
  OpWait wait = { 0 };
  store->vt->get_async (store->self, key, revision, NULL, op_done_cb, &wait);
  op_wait (&wait, "get");
  KcStoreKv *kv = store->vt->get_finish (store->self, wait.result,
                                         out_revision, error);
  g_object_unref (wait.result);
  return kv;
}

KcStoreRangeResult *
kc_test_range (KcTestStore *store, const KcStoreRange *range, GError **error)
{
  OpWait wait = { 0 };
  store->vt->range_async (store->self, range, NULL, op_done_cb, &wait);
  op_wait (&wait, "range");
  KcStoreRangeResult *r = store->vt->range_finish (store->self, wait.result,
                                                   error);
  g_object_unref (wait.result);
  return r;
}

gint64
kc_test_create (KcTestStore *store, const char *key, GBytes *value,
                gint64 lease, GError **error)
{
  OpWait wait = { 0 };
  store->vt->create_async (store->self, key, value, lease, NULL, op_done_cb,
                           &wait);
  op_wait (&wait, "create");
  gint64 rev = store->vt->create_finish (store->self, wait.result, error);
  g_object_unref (wait.result);
  return rev;
}

gint64
kc_test_update (KcTestStore *store, const char *key, GBytes *value,
                gint64 expected_mod_revision, KcStoreKv **out_current,
                GError **error)
{
  OpWait wait = { 0 };
  store->vt->update_async (store->self, key, value, expected_mod_revision,
                           NULL, op_done_cb, &wait);
  op_wait (&wait, "update");
  gint64 rev = store->vt->update_finish (store->self, wait.result,
                                         out_current, error);
  g_object_unref (wait.result);
  return rev;
}

gint64
kc_test_delete (KcTestStore *store, const char *key,
                gint64 expected_mod_revision, KcStoreKv **out_kv,
                GError **error)
{
  OpWait wait = { 0 };
  store->vt->delete_async (store->self, key, expected_mod_revision, NULL,
                           op_done_cb, &wait);
  op_wait (&wait, "delete");
  gint64 rev = store->vt->delete_finish (store->self, wait.result, out_kv,
                                         error);
  g_object_unref (wait.result);
  return rev;
}

gboolean
kc_test_compact (KcTestStore *store, gint64 revision, GError **error)
{
  OpWait wait = { 0 };
  store->vt->compact_async (store->self, revision, NULL, op_done_cb, &wait);
  op_wait (&wait, "compact");
  gboolean ok = store->vt->compact_finish (store->self, wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

gint64
kc_test_lease_grant (KcTestStore *store, gint64 ttl_seconds, GError **error)
{
  OpWait wait = { 0 };
  store->vt->lease_grant_async (store->self, ttl_seconds, NULL, op_done_cb,
                                &wait);
  op_wait (&wait, "lease_grant");
  gint64 id = store->vt->lease_grant_finish (store->self, wait.result, error);
  g_object_unref (wait.result);
  return id;
}

gint64
kc_test_lease_keepalive (KcTestStore *store, gint64 lease, GError **error)
{
  OpWait wait = { 0 };
  store->vt->lease_keepalive_async (store->self, lease, NULL, op_done_cb,
                                    &wait);
  op_wait (&wait, "lease_keepalive");
  gint64 ttl = store->vt->lease_keepalive_finish (store->self, wait.result,
                                                  error);
  g_object_unref (wait.result);
  return ttl;
}

gboolean
kc_test_lease_revoke (KcTestStore *store, gint64 lease, GError **error)
{
  OpWait wait = { 0 };
  store->vt->lease_revoke_async (store->self, lease, NULL, op_done_cb, &wait);
  op_wait (&wait, "lease_revoke");
  gboolean ok = store->vt->lease_revoke_finish (store->self, wait.result,
                                                error);
  g_object_unref (wait.result);
  return ok;
}

gint64
kc_test_revision (KcTestStore *store)
{
  KcStoreRange range = { .prefix = "", .count_only = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) r = kc_test_range (store, &range, &error);
  if (r == NULL)
    g_error ("count-only range of every key failed: %s", error->message);
  return r->revision;
}

GBytes *
kc_test_bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

void
kc_test_rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR)
      && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          kc_test_rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}
