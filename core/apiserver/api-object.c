/* Object metadata rules (see api-object.h). */
#include "build-config.h"

#include "api-object.h"

#include "api-error.h"
#include "patch.h"
#include <string.h>

gboolean
kc_json_check_depth (const char *data, gsize length, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > KC_JSON_MAX_DEPTH)
            {
              g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                           "the request body nests deeper than %d levels",
                           KC_JSON_MAX_DEPTH);
              return FALSE;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

JsonNode *
kc_object_parse (const char *data, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (length == 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the request body is empty; expected a JSON object");
      return NULL;
    }
  if (!kc_json_check_depth (data, length, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the request body is not valid JSON: %s", local->message);
      return NULL;
    }
  /* The parser's tree itself: a parser that is not immutable leaves its
   * nodes unsealed, so they can be changed, and a copy cost as much as
   * the parse. */
  g_autoptr (JsonNode) root = json_parser_steal_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the request body is not a JSON object");
      return NULL;
    }
  return g_steal_pointer (&root);
}

static JsonObject *
ensure_object_member (JsonObject *parent, const char *member)
{
  JsonNode *node = json_object_get_member (parent, member);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      json_object_set_object_member (parent, member, json_object_new ());
      node = json_object_get_member (parent, member);
    }
  return json_node_get_object (node);
}

JsonObject *
kc_object_metadata (JsonNode *object)
{
  return ensure_object_member (json_node_get_object (object), "metadata");
}

static const char *
string_member (JsonObject *object, const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

const char *
kc_object_name (JsonNode *object)
{
  return string_member (kc_object_metadata (object), "name");
}

const char *
kc_object_namespace (JsonNode *object)
{
  return string_member (kc_object_metadata (object), "namespace");
}

char *
kc_object_timestamp_now (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

/* DNS-1123 subdomain (most names) or label (namespaces). */
static gboolean
name_is_valid (const char *name, gboolean label)
{
  gsize len = strlen (name);
  if (len == 0 || len > (label ? 63 : 253))
    return FALSE;
  if (!g_ascii_isalnum (name[0]) || !g_ascii_isalnum (name[len - 1]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-'
          || (!label && *p == '.')))
      return FALSE;
  return TRUE;
}

static gboolean
invalid (GError **error, const KcResource *resource, const char *name,
         const char *field, const char *what)
{
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_INVALID,
               "%s \"%s\" is invalid: %s: %s", resource->kind,
               name ? name : "", field, what);
  return FALSE;
}

static gboolean
check_type_meta (const KcResource *resource, JsonObject *obj, GError **error)
{
  const char *kind = string_member (obj, "kind");
  const char *api_version = string_member (obj, "apiVersion");
  const char *want_version = kc_resource_api_version (resource);

  if (kind && strcmp (kind, resource->kind) != 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the object's kind %s does not match the resource %s "
                   "(kind %s)",
                   kind, resource->plural, resource->kind);
      return FALSE;
    }
  if (api_version && strcmp (api_version, want_version) != 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the object's apiVersion %s does not match %s",
                   api_version, want_version);
      return FALSE;
    }
  json_object_set_string_member (obj, "kind", resource->kind);
  json_object_set_string_member (obj, "apiVersion", want_version);
  return TRUE;
}

static gboolean
check_namespace (const KcResource *resource, JsonObject *meta, const char *ns,
                 GError **error)
{
  const char *given = string_member (meta, "namespace");
  if (!resource->namespaced)
    {
      json_object_remove_member (meta, "namespace");
      return TRUE;
    }
  if (given && given[0] && g_strcmp0 (given, ns) != 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the namespace of the provided object (%s) does not "
                   "match the namespace sent on the request (%s)",
                   given, ns);
      return FALSE;
    }
  json_object_set_string_member (meta, "namespace", ns);
  return TRUE;
}

static char *
generate_name (const char *prefix)
{
  /* Kubernetes' alphabet: no vowels, no look-alike characters. */
  static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  GString *name = g_string_new (prefix);
  for (int i = 0; i < 5; i++)
    g_string_append_c (name,
                       alphabet[g_random_int_range (0, sizeof alphabet - 1)]);
  return g_string_free (name, FALSE);
}

static const char *const client_owned_never[]
    = { "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
        "selfLink", NULL };

gboolean
kc_object_prepare_create (const KcResource *resource, JsonNode *object,
                          const char *ns, GError **error)
{
  JsonObject *obj = json_node_get_object (object);
  JsonObject *meta = kc_object_metadata (object);

  if (!check_type_meta (resource, obj, error)
      || !check_namespace (resource, meta, ns, error))
    return FALSE;

  const char *name = string_member (meta, "name");
  const char *prefix = string_member (meta, "generateName");
  if ((name == NULL || name[0] == '\0') && prefix && prefix[0])
    {
      g_autofree char *generated = generate_name (prefix);
      json_object_set_string_member (meta, "name", generated);
      name = string_member (meta, "name");
    }
  if (name == NULL || name[0] == '\0')
    return invalid (error, resource, name, "metadata.name",
                    "Required value: name or generateName is required");
  gboolean label = strcmp (resource->plural, "namespaces") == 0;
  if (!name_is_valid (name, label))
    {
      g_autofree char *what = g_strdup_printf (
          "Invalid value: \"%s\": a lowercase RFC 1123 %s must consist of "
          "lower case alphanumeric characters, '-'%s, and must start and "
          "end with an alphanumeric character",
          name, label ? "label" : "subdomain", label ? "" : " or '.'");
      return invalid (error, resource, name, "metadata.name", what);
    }

  for (guint i = 0; client_owned_never[i]; i++)
    json_object_remove_member (meta, client_owned_never[i]);
  g_autofree char *uid = g_uuid_string_random ();
  g_autofree char *now = kc_object_timestamp_now ();
  json_object_set_string_member (meta, "uid", uid);
  json_object_set_string_member (meta, "creationTimestamp", now);
  json_object_set_int_member (meta, "generation", 1);

  /* What kcore reports, not what a client claims. */
  if (resource->flags & KC_RESOURCE_HAS_STATUS)
    {
      const char *phase = strcmp (resource->plural, "pods") == 0 ? "Pending"
                          : strcmp (resource->plural, "namespaces") == 0
                              ? "Active"
                              : NULL;
      if (phase)
        {
          JsonObject *status = json_object_new ();
          json_object_set_string_member (status, "phase", phase);
          json_object_set_object_member (obj, "status", status);
        }
      else if (resource->flags & KC_RESOURCE_HAS_SPEC)
        json_object_set_object_member (obj, "status", json_object_new ());
    }
  return TRUE;
}

/* Members of metadata a client cannot change after create. */
static const char *const kcore_owned_metadata[]
    = { "uid", "creationTimestamp", "generation", "deletionTimestamp",
        "deletionGracePeriodSeconds", "namespace", "name", NULL };

static void
copy_member (JsonObject *to, JsonObject *from, const char *member)
{
  JsonNode *node = json_object_get_member (from, member);
  if (node)
    json_object_set_member (to, member, kc_json_deep_copy (node));
  else
    json_object_remove_member (to, member);
}

gboolean
kc_object_prepare_update (const KcResource *resource, JsonNode *object,
                          JsonNode *current, const char *ns, const char *name,
                          gboolean status_only, GError **error)
{
  JsonObject *obj = json_node_get_object (object);
  JsonObject *cur = json_node_get_object (current);
  JsonObject *meta = kc_object_metadata (object);
  JsonObject *cur_meta = kc_object_metadata (current);

  if (!check_type_meta (resource, obj, error))
    return FALSE;
  const char *given = string_member (meta, "name");
  if (given && strcmp (given, name) != 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the name of the object (%s) does not match the name on "
                   "the URL (%s)",
                   given, name);
      return FALSE;
    }
  if (resource->namespaced && !check_namespace (resource, meta, ns, error))
    return FALSE;

  if (status_only)
    {
      /* Only status moves; the rest is the current object. */
      g_autoptr (JsonNode) status = NULL;
      JsonNode *s = json_object_get_member (obj, "status");
      if (s)
        status = kc_json_deep_copy (s);
      GList *members = json_object_get_members (cur);
      for (GList *l = members; l; l = l->next)
        if (strcmp (l->data, "status") != 0)
          copy_member (obj, cur, l->data);
      g_list_free (members);
      if (status == NULL)
        json_object_remove_member (obj, "status");
      return TRUE;
    }

  for (guint i = 0; kcore_owned_metadata[i]; i++)
    copy_member (meta, cur_meta, kcore_owned_metadata[i]);
  if (resource->flags & KC_RESOURCE_HAS_STATUS)
    copy_member (obj, cur, "status");

  gint64 generation = json_object_get_int_member_with_default (
      cur_meta, "generation", 1);
  if (!kc_json_equal (json_object_get_member (obj, "spec"),
                      json_object_get_member (cur, "spec")))
    generation++;
  json_object_set_int_member (meta, "generation", generation);
  return TRUE;
}

gint64
kc_object_resource_version (JsonNode *object)
{
  const char *rv = string_member (kc_object_metadata (object),
                                  "resourceVersion");
  guint64 n = 0;
  if (rv == NULL || rv[0] == '\0')
    return 0;
  if (!g_ascii_string_to_unsigned (rv, 10, 1, G_MAXINT64, &n, NULL))
    return -1;
  return (gint64) n;
}

void
kc_object_set_resource_version (JsonNode *object, gint64 revision)
{
  g_autofree char *rv = g_strdup_printf ("%" G_GINT64_FORMAT, revision);
  json_object_set_string_member (kc_object_metadata (object),
                                 "resourceVersion", rv);
}

GBytes *
kc_object_encode (JsonNode *object)
{
  JsonObject *meta = kc_object_metadata (object);
  g_autoptr (JsonNode) rv = NULL;
  if (json_object_has_member (meta, "resourceVersion"))
    {
      rv = kc_json_deep_copy (json_object_get_member (meta, "resourceVersion"));
      json_object_remove_member (meta, "resourceVersion");
    }
  char *text = json_to_string (object, FALSE);
  if (rv)
    json_object_set_member (meta, "resourceVersion", g_steal_pointer (&rv));
  return g_bytes_new_take (text, strlen (text));
}

JsonNode *
kc_object_decode (GBytes *value, gint64 revision, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (value, &len);
  g_autoptr (GError) local = NULL;
  JsonNode *object = kc_object_parse (data, len, &local);
  if (object == NULL)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_INTERNAL,
                   "a stored object (revision %" G_GINT64_FORMAT
                   ") cannot be read: %s",
                   revision, local->message);
      return NULL;
    }
  kc_object_set_resource_version (object, revision);
  return object;
}
