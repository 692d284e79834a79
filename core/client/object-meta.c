/* Small JSON helpers: object metadata accessors and (de)serialization. */
#include "client-private.h"

const char *
kcc_json_get_string (JsonNode *node, const char *member)
{
  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  JsonNode *m = json_object_get_member (json_node_get_object (node), member);
  if (!m || !JSON_NODE_HOLDS_VALUE (m)
      || json_node_get_value_type (m) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (m);
}

static JsonNode *
metadata (JsonNode *object)
{
  if (!object || !JSON_NODE_HOLDS_OBJECT (object))
    return NULL;
  return json_object_get_member (json_node_get_object (object), "metadata");
}

const char *
kc_object_get_namespace (JsonNode *object)
{
  return kcc_json_get_string (metadata (object), "namespace");
}

const char *
kc_object_get_name (JsonNode *object)
{
  return kcc_json_get_string (metadata (object), "name");
}

const char *
kc_object_get_resource_version (JsonNode *object)
{
  return kcc_json_get_string (metadata (object), "resourceVersion");
}

const char *
kc_object_get_uid (JsonNode *object)
{
  return kcc_json_get_string (metadata (object), "uid");
}

char *
kc_object_get_key (JsonNode *object)
{
  const char *ns = kc_object_get_namespace (object);
  const char *name = kc_object_get_name (object);
  if (ns && *ns)
    return g_strdup_printf ("%s/%s", ns, name ? name : "");
  return g_strdup (name ? name : "");
}

JsonObject *
kc_json_get_object (JsonObject *object, const char *name)
{
  JsonNode *n = object ? json_object_get_member (object, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
kc_json_get_array (JsonObject *object, const char *name)
{
  JsonNode *n = object ? json_object_get_member (object, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

const char *
kc_json_get_string (JsonObject *object, const char *name)
{
  JsonNode *n = object ? json_object_get_member (object, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n)
                 && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

GBytes *
kcc_json_to_bytes (JsonNode *node)
{
  gsize len = 0;
  char *text = json_to_string (node, FALSE);
  len = strlen (text);
  return g_bytes_new_take (text, len);
}

JsonNode *
kcc_json_from_data (const char *data, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, error))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    {
      g_set_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_PARSE,
                   "empty JSON document from the API server");
      return NULL;
    }
  return json_node_ref (root);
}

gint64
kcc_rv_to_int (const char *rv)
{
  return rv ? g_ascii_strtoll (rv, NULL, 10) : 0;
}

char *
kcc_now_rfc3339 (gboolean micro)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, micro ? "%Y-%m-%dT%H:%M:%S.%fZ"
                                        : "%Y-%m-%dT%H:%M:%SZ");
}
