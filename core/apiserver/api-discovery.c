/* Discovery, /version and the minimal OpenAPI document (see
 * api-server.h): what kubectl asks before anything else. */
#include "build-config.h"

#include "api-server.h"

#include <string.h>

static const char *const object_verbs[]
    = { "create", "delete", "deletecollection", "get", "list", "patch",
        "update", "watch", NULL };
static const char *const subresource_verbs[] = { "get", "patch", "update",
                                                 NULL };

static void
add_strings (JsonBuilder *b, const char *member, const char *const *values)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; values && values[i]; i++)
    json_builder_add_string_value (b, values[i]);
  json_builder_end_array (b);
}

static void
add_member (JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
}

static void
add_subresource (JsonBuilder *b, const KcResource *r, const char *sub,
                 const char *kind, const char *group, const char *version,
                 const char *const *verbs)
{
  g_autofree char *name = g_strdup_printf ("%s/%s", r->plural, sub);
  json_builder_begin_object (b);
  add_member (b, "name", name);
  add_member (b, "singularName", "");
  json_builder_set_member_name (b, "namespaced");
  json_builder_add_boolean_value (b, r->namespaced);
  if (group)
    {
      add_member (b, "group", group);
      add_member (b, "version", version);
    }
  add_member (b, "kind", kind);
  add_strings (b, "verbs", verbs);
  json_builder_end_object (b);
}

static JsonNode *
resource_list (const char *group, const char *version)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *gv = group[0] ? g_strdup_printf ("%s/%s", group, version)
                                 : g_strdup (version);
  json_builder_begin_object (b);
  add_member (b, "kind", "APIResourceList");
  add_member (b, "apiVersion", "v1");
  add_member (b, "groupVersion", gv);
  json_builder_set_member_name (b, "resources");
  json_builder_begin_array (b);
  for (const KcResource *const *r = kc_resource_all (); *r; r++)
    {
      if (strcmp ((*r)->group, group) != 0
          || strcmp ((*r)->version, version) != 0)
        continue;
      json_builder_begin_object (b);
      add_member (b, "name", (*r)->plural);
      add_member (b, "singularName", (*r)->singular);
      json_builder_set_member_name (b, "namespaced");
      json_builder_add_boolean_value (b, (*r)->namespaced);
      add_member (b, "kind", (*r)->kind);
      add_strings (b, "verbs", object_verbs);
      if ((*r)->short_names[0])
        add_strings (b, "shortNames", (*r)->short_names);
      if ((*r)->categories[0])
        add_strings (b, "categories", (*r)->categories);
      json_builder_end_object (b);

      if ((*r)->flags & KC_RESOURCE_HAS_STATUS)
        add_subresource (b, *r, "status", (*r)->kind, NULL, NULL,
                         subresource_verbs);
      if ((*r)->flags & KC_RESOURCE_HAS_SCALE)
        add_subresource (b, *r, "scale", "Scale", "autoscaling", "v1",
                         subresource_verbs);
      if ((*r)->flags & KC_RESOURCE_HAS_BINDING)
        add_subresource (b, *r, "binding", "Binding", NULL, NULL,
                         (const char *const[]){ "create", NULL });
      if ((*r)->flags & KC_RESOURCE_HAS_LOG)
        add_subresource (b, *r, "log", "Pod", NULL, NULL,
                         (const char *const[]){ "get", NULL });
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
group_version_served (const char *group, const char *version)
{
  for (const KcResource *const *r = kc_resource_all (); *r; r++)
    if (strcmp ((*r)->group, group) == 0
        && (version == NULL || strcmp ((*r)->version, version) == 0))
      return TRUE;
  return FALSE;
}

static void
add_group (JsonBuilder *b, const char *group, const char *version)
{
  g_autofree char *gv = g_strdup_printf ("%s/%s", group, version);
  json_builder_begin_object (b);
  add_member (b, "name", group);
  json_builder_set_member_name (b, "versions");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  add_member (b, "groupVersion", gv);
  add_member (b, "version", version);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "preferredVersion");
  json_builder_begin_object (b);
  add_member (b, "groupVersion", gv);
  add_member (b, "version", version);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static JsonNode *
group_list (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  json_builder_begin_object (b);
  add_member (b, "kind", "APIGroupList");
  add_member (b, "apiVersion", "v1");
  json_builder_set_member_name (b, "groups");
  json_builder_begin_array (b);
  for (const KcResource *const *r = kc_resource_all (); *r; r++)
    if ((*r)->group[0] && g_hash_table_add (seen, (gpointer) (*r)->group))
      add_group (b, (*r)->group, (*r)->version);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
one_group (const char *group)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  for (const KcResource *const *r = kc_resource_all (); *r; r++)
    if (strcmp ((*r)->group, group) == 0)
      {
        add_group (b, group, (*r)->version);
        break;
      }
  JsonNode *node = json_builder_get_root (b);
  JsonObject *obj = json_node_get_object (node);
  json_object_set_string_member (obj, "kind", "APIGroup");
  json_object_set_string_member (obj, "apiVersion", "v1");
  return node;
}

static JsonNode *
api_versions (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_member (b, "kind", "APIVersions");
  add_strings (b, "versions", (const char *const[]){ "v1", NULL });
  json_builder_set_member_name (b, "serverAddressByClientCIDRs");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
version_info (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_member (b, "major", "1");
  add_member (b, "minor", "20");
  add_member (b, "gitVersion", "v1.20.0-kcore-" PACKAGE_VERSION);
  add_member (b, "gitCommit", "");
  add_member (b, "gitTreeState", "clean");
  add_member (b, "buildDate", "1970-01-01T00:00:00Z");
  add_member (b, "goVersion", "none (C11 + GLib)");
  add_member (b, "compiler", "gcc");
  add_member (b, "platform", "linux/amd64");
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* An empty openapi_v2.Document {swagger: "2.0", info: {title: "kcore",
 * version: "v1.20.2"}} in protobuf: enough for kubectl's client-side
 * validation, which then falls back to its compiled-in types. */
static const guint8 openapi_v2_document[]
    = { 0x0a, 0x03, 0x32, 0x2e, 0x30, 0x12, 0x10, 0x0a, 0x05, 0x6b, 0x63, 0x6f,
        0x72, 0x65, 0x12, 0x07, 0x76, 0x31, 0x2e, 0x32, 0x30, 0x2e, 0x32 };

static void
reply (SoupServerMessage *msg, JsonNode *node)
{
  kc_api_reply_json (msg, SOUP_STATUS_OK, node);
  json_node_unref (node);
}

gboolean
kc_api_discovery_handle (SoupServerMessage *msg, const char *path)
{
  if (strcmp (soup_server_message_get_method (msg), "GET") != 0)
    return FALSE;
  if (strcmp (path, "/version") == 0)
    reply (msg, version_info ());
  else if (strcmp (path, "/api") == 0)
    reply (msg, api_versions ());
  else if (strcmp (path, "/apis") == 0)
    reply (msg, group_list ());
  else if (strcmp (path, "/openapi/v2") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream",
                                        SOUP_MEMORY_STATIC,
                                        (const char *) openapi_v2_document,
                                        sizeof openapi_v2_document);
    }
  else
    {
      g_auto (GStrv) parts = g_strsplit (path, "/", -1);
      guint n = g_strv_length (parts);
      if (n == 3 && strcmp (parts[1], "api") == 0
          && group_version_served ("", parts[2]))
        reply (msg, resource_list ("", parts[2]));
      else if (n == 3 && strcmp (parts[1], "apis") == 0
               && group_version_served (parts[2], NULL))
        reply (msg, one_group (parts[2]));
      else if (n == 4 && strcmp (parts[1], "apis") == 0
               && group_version_served (parts[2], parts[3]))
        reply (msg, resource_list (parts[2], parts[3]));
      else if (g_str_has_prefix (path, "/version/")
               || g_str_has_prefix (path, "/openapi"))
        {
          g_autoptr (GError) error = g_error_new_literal (
              KC_API_ERROR, KC_API_ERROR_NOT_FOUND,
              "the server could not find the requested resource");
          kc_api_reply_error (msg, error, NULL, NULL);
        }
      else
        return FALSE;
    }
  return TRUE;
}
