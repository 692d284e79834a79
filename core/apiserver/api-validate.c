/* Validation of objects before they are stored: what Kubernetes refuses
 * with 422 Invalid for the kinds kcore acts on.  Every problem found is
 * reported at once, as Kubernetes does: `Pod "web" is invalid:
 * [spec.containers[0].image: Required value, ...]`. */
#include "build-config.h"

#include "api-validate.h"

#include "api-error.h"
#include "label-selector.h"
#include <string.h>

typedef struct
{
  GPtrArray *causes; /* of char* "field: message" */
} Problems;

static void
add (Problems *p, const char *field, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static void
add (Problems *p, const char *field, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *what = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (p->causes, g_strdup_printf ("%s: %s", field, what));
}

static JsonObject *
object_at (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

static JsonArray *
array_at (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                              : NULL;
}

static const char *
string_at (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return node && JSON_NODE_HOLDS_VALUE (node)
                 && json_node_get_value_type (node) == G_TYPE_STRING
             ? json_node_get_string (node)
             : NULL;
}

static void
check_labels (Problems *p, JsonObject *labels, const char *field)
{
  GList *keys = labels ? json_object_get_members (labels) : NULL;
  for (GList *l = keys; l; l = l->next)
    {
      g_autofree char *reason = NULL;
      JsonNode *v = json_object_get_member (labels, l->data);
      g_autofree char *at = g_strdup_printf ("%s", field);
      if (!kc_label_key_is_valid (l->data, &reason))
        add (p, at, "Invalid value: \"%s\": %s", (char *) l->data, reason);
      else if (!JSON_NODE_HOLDS_VALUE (v)
               || json_node_get_value_type (v) != G_TYPE_STRING)
        add (p, at, "Invalid value: label \"%s\" must be a string",
             (char *) l->data);
      else if (!kc_label_value_is_valid (json_node_get_string (v), &reason))
        add (p, at, "Invalid value: \"%s\": %s", json_node_get_string (v),
             reason);
    }
  g_list_free (keys);
}

static void
check_containers (Problems *p, JsonObject *pod_spec, const char *base,
                  const char *member, gboolean required)
{
  JsonArray *containers = array_at (pod_spec, member);
  guint n = containers ? json_array_get_length (containers) : 0;
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  if (n == 0 && required)
    {
      g_autofree char *field = g_strdup_printf ("%s.%s", base, member);
      add (p, field, "Required value");
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (containers, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (node)
                          ? json_node_get_object (node)
                          : NULL;
      const char *name = string_at (c, "name");
      g_autofree char *at = g_strdup_printf ("%s.%s[%u]", base, member, i);
      g_autofree char *name_field = g_strdup_printf ("%s.name", at);
      g_autofree char *image_field = g_strdup_printf ("%s.image", at);
      if (name == NULL || name[0] == '\0')
        add (p, name_field, "Required value");
      else if (!g_hash_table_add (names, (gpointer) name))
        add (p, name_field, "Duplicate value: \"%s\"", name);
      const char *image = string_at (c, "image");
      if (image == NULL || image[0] == '\0')
        add (p, image_field, "Required value");
    }
}

static void
check_pod_spec (Problems *p, JsonObject *spec, const char *base)
{
  if (spec == NULL)
    {
      add (p, base, "Required value");
      return;
    }
  check_containers (p, spec, base, "containers", TRUE);
  check_containers (p, spec, base, "initContainers", FALSE);
}

/* spec.selector must select spec.template's labels. */
static void
check_controller (Problems *p, JsonObject *spec, gboolean selector_required)
{
  JsonObject *selector = object_at (spec, "selector");
  JsonObject *template = object_at (spec, "template");
  if (selector == NULL && selector_required)
    add (p, "spec.selector", "Required value");
  if (template == NULL)
    {
      add (p, "spec.template", "Required value");
      return;
    }
  JsonObject *labels = object_at (object_at (template, "metadata"),
                                  "labels");
  check_labels (p, labels, "spec.template.metadata.labels");
  check_pod_spec (p, object_at (template, "spec"), "spec.template.spec");
  if (selector)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KcLabelSelector) sel = kc_label_selector_from_json (selector,
                                                                     &error);
      if (sel == NULL)
        add (p, "spec.selector", "Invalid value: %s", error->message);
      else if (kc_label_selector_is_everything (sel))
        add (p, "spec.selector", "Invalid value: empty selector is invalid "
                                 "for deployment");
      else if (!kc_label_selector_matches (sel, labels))
        add (p, "spec.template.metadata.labels",
             "Invalid value: `selector` does not match template `labels`");
    }
  JsonNode *replicas = spec ? json_object_get_member (spec, "replicas")
                            : NULL;
  if (replicas
      && (!JSON_NODE_HOLDS_VALUE (replicas)
          || json_node_get_value_type (replicas) != G_TYPE_INT64
          || json_node_get_int (replicas) < 0))
    add (p, "spec.replicas",
         "Invalid value: must be greater than or equal to 0");
}

static void
check_service (Problems *p, JsonObject *spec)
{
  JsonArray *ports = array_at (spec, "ports");
  for (guint i = 0; ports && i < json_array_get_length (ports); i++)
    {
      JsonObject *port = json_array_get_object_element (ports, i);
      gint64 n = port ? json_object_get_int_member_with_default (port, "port",
                                                                 0)
                      : 0;
      if (n < 1 || n > 65535)
        {
          g_autofree char *field = g_strdup_printf ("spec.ports[%u].port", i);
          add (p, field, "Invalid value: %" G_GINT64_FORMAT
               ": must be between 1 and 65535, inclusive", n);
        }
    }
}

/* ConfigMap data and binaryData map keys to strings. */
static void
check_string_map (Problems *p, JsonObject *obj, const char *member)
{
  JsonObject *map = object_at (obj, member);
  GList *keys = map ? json_object_get_members (map) : NULL;
  for (GList *l = keys; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (map, l->data);
      if (!JSON_NODE_HOLDS_VALUE (v)
          || json_node_get_value_type (v) != G_TYPE_STRING)
        {
          g_autofree char *field = g_strdup_printf ("%s[%s]", member,
                                                    (char *) l->data);
          add (p, field, "Invalid value: must be a string");
        }
    }
  g_list_free (keys);
}

gboolean
kc_api_validate (const KcResource *resource, JsonNode *object,
                 GError **error)
{
  JsonObject *obj = json_node_get_object (object);
  JsonObject *meta = object_at (obj, "metadata");
  JsonObject *spec = object_at (obj, "spec");
  const char *kind = resource->kind;
  Problems p = { g_ptr_array_new_with_free_func (g_free) };

  check_labels (&p, object_at (meta, "labels"), "metadata.labels");
  if (strcmp (kind, "Pod") == 0)
    check_pod_spec (&p, spec, "spec");
  else if (strcmp (kind, "Deployment") == 0
           || strcmp (kind, "ReplicaSet") == 0)
    check_controller (&p, spec, TRUE);
  else if (strcmp (kind, "Job") == 0)
    {
      check_controller (&p, spec, FALSE);
      const char *policy = string_at (
          object_at (object_at (spec, "template"), "spec"), "restartPolicy");
      if (policy == NULL)
        add (&p, "spec.template.spec.restartPolicy",
             "Required value: valid values: \"OnFailure\", \"Never\"");
      else if (strcmp (policy, "OnFailure") != 0
               && strcmp (policy, "Never") != 0)
        add (&p, "spec.template.spec.restartPolicy",
             "Unsupported value: \"%s\": supported values: \"OnFailure\", "
             "\"Never\"",
             policy);
    }
  else if (strcmp (kind, "Service") == 0)
    check_service (&p, spec);
  else if (strcmp (kind, "ConfigMap") == 0)
    {
      check_string_map (&p, obj, "data");
      check_string_map (&p, obj, "binaryData");
    }

  gboolean ok = p.causes->len == 0;
  if (!ok)
    {
      const char *name = string_at (meta, "name");
      g_autofree char *joined = NULL;
      g_ptr_array_add (p.causes, NULL);
      joined = g_strjoinv (", ", (char **) p.causes->pdata);
      if (p.causes->len == 2)
        g_set_error (error, KC_API_ERROR, KC_API_ERROR_INVALID,
                     "%s \"%s\" is invalid: %s", kind, name ? name : "",
                     joined);
      else
        g_set_error (error, KC_API_ERROR, KC_API_ERROR_INVALID,
                     "%s \"%s\" is invalid: [%s]", kind, name ? name : "",
                     joined);
    }
  g_ptr_array_unref (p.causes);
  return ok;
}
