/* etcd's JSON gateway encoding: base64 keys and values, 64-bit numbers as
 * strings, default values (0, false, empty) left out; and etcd's error
 * messages mapped to the store's error codes. */
#include "build-config.h"

#include <string.h>

#include "etcd-store.h"

char *
kc_etcd_b64 (const void *data, gsize len)
{
  return g_base64_encode (data, len);
}

char *
kc_etcd_b64_str (const char *text)
{
  return g_base64_encode ((const guchar *) text, strlen (text));
}

char *
kc_etcd_range_end_b64 (const char *prefix, gsize len)
{
  g_autofree guchar *end = g_memdup2 (prefix, len);
  /* Drop trailing 0xff bytes, then increment the last byte. */
  while (len > 0 && end[len - 1] == 0xff)
    len--;
  if (len == 0)
    return g_strdup ("AA==");
  end[len - 1]++;
  return g_base64_encode (end, len);
}

gint64
kc_etcd_json_int (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return 0;
}

gboolean
kc_etcd_json_bool (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_boolean (node);
}

JsonObject *
kc_etcd_json_object (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

gint64
kc_etcd_json_revision (JsonObject *reply)
{
  return kc_etcd_json_int (kc_etcd_json_object (reply, "header"),
                           "revision");
}

static GBytes *
b64_member (JsonObject *object, const char *member, gboolean *ok)
{
  const char *text = json_object_get_string_member_with_default (
      object, member, "");
  gsize len = 0;
  guchar *data = g_base64_decode (text, &len);
  *ok = text[0] == '\0' || data != NULL;
  return g_bytes_new_take (data, len);
}

KcStoreKv *
kc_etcd_kv_from_json (JsonObject *kv, gsize prefix_len, gboolean with_value)
{
  gboolean ok = TRUE;
  g_autoptr (GBytes) key = b64_member (kv, "key", &ok);
  gsize key_len = 0;
  const char *key_data = g_bytes_get_data (key, &key_len);
  if (!ok || key_len < prefix_len || memchr (key_data, 0, key_len))
    return NULL;
  g_autofree char *name = g_strndup (key_data + prefix_len,
                                     key_len - prefix_len);
  g_autoptr (GBytes) value = with_value ? b64_member (kv, "value", &ok)
                                        : NULL;
  if (!ok)
    return NULL;
  return kc_store_kv_new (name, value,
                          kc_etcd_json_int (kv, "create_revision"),
                          kc_etcd_json_int (kv, "mod_revision"),
                          kc_etcd_json_int (kv, "version"),
                          kc_etcd_json_int (kv, "lease"));
}

GError *
kc_etcd_error_from_etcd (const char *endpoint, const char *message)
{
  int code = KC_STORE_ERROR_FAILED;
  if (strstr (message, "required revision has been compacted"))
    code = KC_STORE_ERROR_COMPACTED;
  else if (strstr (message, "required revision is a future revision"))
    code = KC_STORE_ERROR_FUTURE_REVISION;
  else if (strstr (message, "requested lease not found"))
    code = KC_STORE_ERROR_NOT_FOUND;
  else if (strstr (message, "request is too large")
           || strstr (message, "larger than max")
           || strstr (message, "message too large"))
    code = KC_STORE_ERROR_TOO_LARGE;
  else if (strstr (message, "database space exceeded"))
    code = KC_STORE_ERROR_TOO_LARGE;
  return g_error_new (KC_STORE_ERROR, code, "etcd %s: %s", endpoint,
                      message);
}
