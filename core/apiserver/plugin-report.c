/* Publishing a component's plugins (see plugin-report.h). */
#include "build-config.h"

#include "plugin-report.h"

#include "api-object.h"
#include "patch.h"

#define MAX_ATTEMPTS 5

typedef struct
{
  gpointer store;
  const KcStoreVtable *vt;
  char *component;
  char *report;
  char *key;
  guint attempts;
  gboolean creating; /* the write in flight is a create */
} Publish;

static void publish_step (Publish *p);

static void
publish_free (Publish *p)
{
  g_free (p->component);
  g_free (p->report);
  g_free (p->key);
  g_free (p);
}

char *
kc_plugin_report_json (const KcPluginSet *plugins)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < kc_plugin_set_get_size (plugins); i++)
    {
      KcPlugin *plugin = kc_plugin_set_get (plugins, i);
      const KcPluginDescriptor *d = kc_plugin_get_descriptor (plugin);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, kc_plugin_get_role (plugin));
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, d->name);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, kc_plugin_kind_to_string (d->kind));
      json_builder_set_member_name (b, "interface");
      json_builder_add_int_value (b, d->interface_version);
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, d->version ? d->version : "");
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, kc_plugin_get_path (plugin));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer data)
{
  Publish *p = data;
  g_autoptr (GError) error = NULL;
  gint64 revision = p->creating ? p->vt->create_finish (p->store, result, &error)
                            : p->vt->update_finish (p->store, result, NULL,
                                                    &error);
  if (revision > 0)
    {
      g_info ("published the plugins of %s in kube-system/kcore-plugins",
              p->component);
      publish_free (p);
      return;
    }
  if ((g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT)
       || g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_EXISTS))
      && ++p->attempts < MAX_ATTEMPTS)
    {
      publish_step (p);
      return;
    }
  g_warning ("cannot publish the plugins of %s: %s", p->component,
             error->message);
  publish_free (p);
}

static JsonNode *
new_config_map (void)
{
  static const char text[]
      = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
        "{\"name\":\"kcore-plugins\"},\"data\":{}}";
  JsonNode *cm = kc_object_parse (text, sizeof text - 1, NULL);
  kc_object_prepare_create (kc_resource_find ("", "v1", "configmaps"), cm,
                            "kube-system", NULL);
  return cm;
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Publish *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = p->vt->get_finish (p->store, result, NULL,
                                                &error);
  if (kv == NULL
      && !g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND))
    {
      g_warning ("cannot publish the plugins of %s: %s", p->component,
                 error->message);
      publish_free (p);
      return;
    }
  g_autoptr (JsonNode) cm = kv ? kc_object_decode (kv->value, kv->mod_revision,
                                                   NULL)
                               : new_config_map ();
  if (cm == NULL)
    cm = new_config_map ();
  JsonObject *obj = json_node_get_object (cm);
  if (!json_object_has_member (obj, "data")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "data")))
    json_object_set_object_member (obj, "data", json_object_new ());
  json_object_set_string_member (json_object_get_object_member (obj, "data"),
                                 p->component, p->report);
  g_autoptr (GBytes) value = kc_object_encode (cm);
  p->creating = kv == NULL;
  if (kv)
    p->vt->update_async (p->store, p->key, value, kv->mod_revision, NULL,
                         on_written, p);
  else
    p->vt->create_async (p->store, p->key, value, 0, NULL, on_written, p);
}

static void
publish_step (Publish *p)
{
  p->vt->get_async (p->store, p->key, 0, NULL, on_read, p);
}

void
kc_plugin_report_publish (gpointer store, const KcStoreVtable *vt,
                          const char *component, const KcPluginSet *plugins)
{
  Publish *p = g_new0 (Publish, 1);
  p->store = store;
  p->vt = vt;
  p->component = g_strdup (component);
  p->report = kc_plugin_report_json (plugins);
  p->key = kc_resource_key (kc_resource_find ("", "v1", "configmaps"),
                            "kube-system", "kcore-plugins");
  publish_step (p);
}
