/* Strategic merge patch (see patch.h and strategic-merge.h), after
 * k8s.io/apimachinery/pkg/util/strategicpatch/patch.go with the options the
 * API server uses (parallel lists, unmatched nulls ignored), but driven by
 * a table of list fields instead of Go struct tags. */
#include "build-config.h"

#include "strategic-merge.h"

#include <string.h>

#include "api-error.h"
#include "patch.h"

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define SET_ORDER_PREFIX "$setElementOrder/"
#define DELETE_PRIMITIVE_PREFIX "$deleteFromPrimitiveList/"

/* --- The merge-key table --- */

typedef struct
{
  const char *field;
  const char *parent;     /* NULL: any */
  KcListStrategy strategy;
  const char *merge_key;
} ListField;

static const ListField list_fields[] = {
  { "containers", NULL, KC_LIST_MERGE_KEY, "name" },
  { "initContainers", NULL, KC_LIST_MERGE_KEY, "name" },
  { "ephemeralContainers", NULL, KC_LIST_MERGE_KEY, "name" },
  { "env", NULL, KC_LIST_MERGE_KEY, "name" },
  { "volumeMounts", NULL, KC_LIST_MERGE_KEY, "mountPath" },
  { "volumeDevices", NULL, KC_LIST_MERGE_KEY, "devicePath" },
  { "volumes", NULL, KC_LIST_MERGE_KEY, "name" },
  { "imagePullSecrets", NULL, KC_LIST_MERGE_KEY, "name" },
  { "hostAliases", NULL, KC_LIST_MERGE_KEY, "ip" },
  { "conditions", NULL, KC_LIST_MERGE_KEY, "type" },
  { "ownerReferences", NULL, KC_LIST_MERGE_KEY, "uid" },
  { "taints", NULL, KC_LIST_MERGE_KEY, "key" },
  { "addresses", "status", KC_LIST_MERGE_KEY, "type" },   /* NodeStatus */
  { "topologySpreadConstraints", NULL, KC_LIST_MERGE_KEY, "topologyKey" },
  { "podIPs", NULL, KC_LIST_MERGE_KEY, "ip" },
  { "hostIPs", NULL, KC_LIST_MERGE_KEY, "ip" },
  { "finalizers", "metadata", KC_LIST_MERGE_SET, NULL },
  { "podCIDRs", NULL, KC_LIST_MERGE_SET, NULL },             /* NodeSpec */
};

static gboolean
is_container_list (const char *name)
{
  return strcmp (name, "containers") == 0
         || strcmp (name, "initContainers") == 0
         || strcmp (name, "ephemeralContainers") == 0;
}

static gboolean
any_item_has (JsonArray *array, const char *member)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_OBJECT (item)
          && json_object_has_member (json_node_get_object (item), member))
        return TRUE;
    }
  return FALSE;
}

KcListStrategy
kc_strategic_list_strategy (const char *parent, const char *field,
                            JsonArray *original, JsonArray *patch,
                            const char **merge_key)
{
  *merge_key = NULL;
  if (strcmp (field, "ports") == 0)
    {
      /* ContainerPort (in containers) merges by containerPort,
       * ServicePort (in a Service spec) by port. */
      if (is_container_list (parent) || any_item_has (original,
                                                      "containerPort")
          || any_item_has (patch, "containerPort"))
        *merge_key = "containerPort";
      else
        *merge_key = "port";
      return KC_LIST_MERGE_KEY;
    }
  for (guint i = 0; i < G_N_ELEMENTS (list_fields); i++)
    {
      const ListField *f = &list_fields[i];
      if (strcmp (f->field, field) != 0)
        continue;
      if (f->parent != NULL && strcmp (f->parent, parent) != 0)
        continue;
      *merge_key = f->merge_key;
      return f->strategy;
    }
  return KC_LIST_REPLACE;
}

/* --- Helpers --- */

G_GNUC_PRINTF (4, 5) static gboolean
fail (GError **error, gint code, const char *path, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, KC_API_ERROR, code, "strategic merge patch: %s: %s",
               *path != '\0' ? path : "(the object)", what);
  return FALSE;
}

static char *
child_path (const char *path, const char *name)
{
  return *path == '\0' ? g_strdup (name) : g_strdup_printf ("%s.%s", path,
                                                             name);
}

static gboolean
is_directive_key (const char *name)
{
  return strcmp (name, DIRECTIVE) == 0 || strcmp (name, RETAIN_KEYS) == 0
         || g_str_has_prefix (name, SET_ORDER_PREFIX)
         || g_str_has_prefix (name, DELETE_PRIMITIVE_PREFIX);
}

static const char *
string_of (JsonNode *node)
{
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  return node;
}

/* The key an element is matched by: its merge key's value, or the element
 * itself in a list of primitives.  (transfer none, nullable) */
static JsonNode *
key_of (JsonNode *item, const char *merge_key)
{
  if (merge_key == NULL)
    return item;
  if (!JSON_NODE_HOLDS_OBJECT (item))
    return NULL;
  return json_object_get_member (json_node_get_object (item), merge_key);
}

static gint
index_of (JsonArray *array, JsonNode *key, const char *merge_key)
{
  for (guint i = 0; key != NULL && array != NULL
                    && i < json_array_get_length (array); i++)
    {
      JsonNode *k = key_of (json_array_get_element (array, i), merge_key);
      if (k != NULL && kc_json_equal (k, key))
        return (gint) i;
    }
  return -1;
}

static gint
index_in_nodes (GPtrArray *nodes, JsonNode *key, const char *merge_key)
{
  for (guint i = 0; key != NULL && i < nodes->len; i++)
    {
      JsonNode *k = key_of (g_ptr_array_index (nodes, i), merge_key);
      if (k != NULL && kc_json_equal (k, key))
        return (gint) i;
    }
  return -1;
}

static JsonObject *merge_map (JsonObject *original, JsonObject *patch,
                              const char *parent, const char *path,
                              GError **error);

/* A patch value put where the original has nothing to merge with: merged
 * into nothing, which drops directives and nulls.  (transfer full) */
static JsonNode *
normalize (JsonNode *value, const char *parent, const char *field,
           const char *path, GError **error);

/* --- Lists --- */

static JsonArray *
replace_list (JsonArray *patch, const char *field, const char *path,
              GError **error)
{
  guint length = json_array_get_length (patch);
  g_autoptr (JsonArray) result = json_array_sized_new (length);

  for (guint i = 0; i < length; i++)
    {
      JsonNode *item = json_array_get_element (patch, i);
      g_autofree char *item_path = g_strdup_printf ("%s[%u]", path, i);
      JsonNode *copy;
      if (JSON_NODE_HOLDS_OBJECT (item)
          && json_object_has_member (json_node_get_object (item), DIRECTIVE))
        continue;  /* a {"$patch": "replace"} marker */
      copy = normalize (item, field, field, item_path, error);
      if (copy == NULL)
        return NULL;
      json_array_add_element (result, copy);
    }
  return g_steal_pointer (&result);
}

static JsonArray *
merge_set (JsonArray *original, JsonArray *patch)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new ();
  JsonArray *result;

  for (guint pass = 0; pass < 2; pass++)
    {
      JsonArray *from = pass == 0 ? original : patch;
      for (guint i = 0; from != NULL && i < json_array_get_length (from); i++)
        {
          JsonNode *item = json_array_get_element (from, i);
          if (index_in_nodes (items, item, NULL) < 0)
            g_ptr_array_add (items, item);
        }
    }
  result = json_array_sized_new (items->len);
  for (guint i = 0; i < items->len; i++)
    json_array_add_element (result, kc_json_deep_copy (items->pdata[i]));
  return result;
}

static gboolean
has_replace_marker (JsonArray *patch, const char *path, GError **error,
                    gboolean *replace)
{
  *replace = FALSE;
  for (guint i = 0; i < json_array_get_length (patch); i++)
    {
      JsonNode *item = json_array_get_element (patch, i);
      JsonNode *directive;
      const char *value;
      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      directive = json_object_get_member (json_node_get_object (item),
                                          DIRECTIVE);
      if (directive == NULL)
        continue;
      value = string_of (directive);
      if (value == NULL || (strcmp (value, "replace") != 0
                            && strcmp (value, "delete") != 0
                            && strcmp (value, "merge") != 0))
        return fail (error, KC_API_ERROR_BAD_REQUEST, path,
                     "element %u: unknown $patch directive (expected "
                     "replace, delete or merge)", i);
      if (strcmp (value, "replace") == 0)
        *replace = TRUE;
    }
  return TRUE;
}

static JsonArray *
merge_keyed_list (JsonArray *original, JsonArray *patch,
                  const char *merge_key, const char *field, const char *path,
                  GError **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func
      ((GDestroyNotify) json_node_unref);
  gboolean replace;
  JsonArray *result;

  if (!has_replace_marker (patch, path, error, &replace))
    return NULL;
  if (replace)
    return replace_list (patch, field, path, error);

  for (guint i = 0; original != NULL && i < json_array_get_length (original);
       i++)
    g_ptr_array_add (items, kc_json_deep_copy
                     (json_array_get_element (original, i)));

  for (guint i = 0; i < json_array_get_length (patch); i++)
    {
      JsonNode *item = json_array_get_element (patch, i);
      JsonObject *object;
      JsonNode *key;
      const char *directive;
      gint at;
      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          fail (error, KC_API_ERROR_BAD_REQUEST, path, "element %u is not an "
                "object, but this list merges objects by \"%s\"", i,
                merge_key);
          return NULL;
        }
      object = json_node_get_object (item);
      directive = string_of (json_object_get_member (object, DIRECTIVE));
      key = json_object_get_member (object, merge_key);
      if (key == NULL)
        {
          if (directive != NULL)
            continue;  /* a bare {"$patch": "merge"} */
          fail (error, KC_API_ERROR_BAD_REQUEST, path, "element %u does not "
                "contain declared merge key: %s", i, merge_key);
          return NULL;
        }
      at = index_in_nodes (items, key, merge_key);
      if (directive != NULL && strcmp (directive, "delete") == 0)
        {
          while ((at = index_in_nodes (items, key, merge_key)) >= 0)
            g_ptr_array_remove_index (items, (guint) at);
          continue;
        }
      g_autofree char *key_text = json_to_string (key, FALSE);
      g_autofree char *item_path = g_strdup_printf ("%s[%s=%s]", path,
                                                    merge_key, key_text);
      JsonNode *base = at >= 0 ? items->pdata[at] : NULL;
      JsonObject *merged = merge_map (base != NULL
                                      && JSON_NODE_HOLDS_OBJECT (base)
                                          ? json_node_get_object (base)
                                          : NULL,
                                      object, field, item_path, error);
      if (merged == NULL)
        return NULL;
      if (at >= 0)
        {
          json_node_unref (items->pdata[at]);
          items->pdata[at] = object_node (merged);
        }
      else
        g_ptr_array_add (items, object_node (merged));
    }

  result = json_array_sized_new (items->len);
  for (guint i = 0; i < items->len; i++)
    json_array_add_element (result, json_node_ref (items->pdata[i]));
  return result;
}

static gboolean
delete_from_list (JsonObject *result, const char *field, JsonNode *values,
                  const char *path, GError **error)
{
  JsonNode *list = json_object_get_member (result, field);
  JsonArray *remove, *old;
  JsonArray *kept;

  if (!JSON_NODE_HOLDS_ARRAY (values))
    return fail (error, KC_API_ERROR_BAD_REQUEST, path, "%s%s must be a "
                 "list", DELETE_PRIMITIVE_PREFIX, field);
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return TRUE;
  remove = json_node_get_array (values);
  old = json_node_get_array (list);
  kept = json_array_new ();
  for (guint i = 0; i < json_array_get_length (old); i++)
    {
      JsonNode *item = json_array_get_element (old, i);
      if (index_of (remove, item, NULL) < 0)
        json_array_add_element (kept, json_node_ref (item));
    }
  json_object_set_member (result, field, array_node (kept));
  return TRUE;
}

/* $setElementOrder/<field>: the elements the patch names come in its
 * order, the others keep their place relative to them, as Kubernetes'
 * normalizeElementOrder + mergeSortedSlice do. */
static gboolean
apply_element_order (JsonObject *result, JsonObject *original,
                     JsonObject *patch, const char *parent,
                     const char *field, JsonNode *order_node,
                     const char *path, GError **error)
{
  JsonNode *list = json_object_get_member (result, field);
  JsonNode *server = original != NULL ? json_object_get_member (original,
                                                                 field)
                                      : NULL;
  JsonNode *patched = json_object_get_member (patch, field);
  JsonArray *server_order = server != NULL && JSON_NODE_HOLDS_ARRAY (server)
                                ? json_node_get_array (server) : NULL;
  JsonArray *patch_items = patched != NULL && JSON_NODE_HOLDS_ARRAY (patched)
                               ? json_node_get_array (patched) : NULL;
  g_autoptr (GPtrArray) from_patch = g_ptr_array_new ();
  g_autoptr (GPtrArray) server_only = g_ptr_array_new ();
  const char *merge_key;
  JsonArray *order, *items, *sorted;
  KcListStrategy strategy;

  if (!JSON_NODE_HOLDS_ARRAY (order_node))
    return fail (error, KC_API_ERROR_BAD_REQUEST, path, "%s%s must be a "
                 "list", SET_ORDER_PREFIX, field);
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return TRUE;
  order = json_node_get_array (order_node);
  items = json_node_get_array (list);
  strategy = kc_strategic_list_strategy (parent, field, server_order,
                                         patch_items, &merge_key);
  if (strategy == KC_LIST_REPLACE)
    return TRUE;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      JsonNode *key = key_of (item, merge_key);
      gboolean named = key != NULL
                       && (index_of (order, key, merge_key) >= 0
                           || index_of (patch_items, key, merge_key) >= 0);
      g_ptr_array_add (named ? from_patch : server_only, item);
    }
  /* Stable insertion sort of the patch's elements by their position in
   * the order; those it does not list go last. */
  for (guint i = 1; i < from_patch->len; i++)
    {
      JsonNode *item = from_patch->pdata[i];
      gint rank = index_of (order, key_of (item, merge_key), merge_key);
      guint j = i;
      if (rank < 0)
        rank = G_MAXINT;
      while (j > 0)
        {
          gint prev = index_of (order, key_of (from_patch->pdata[j - 1],
                                               merge_key), merge_key);
          if ((prev < 0 ? G_MAXINT : prev) <= rank)
            break;
          from_patch->pdata[j] = from_patch->pdata[j - 1];
          j--;
        }
      from_patch->pdata[j] = item;
    }

  sorted = json_array_sized_new (json_array_get_length (items));
  for (guint i = 0, j = 0; i < server_only->len || j < from_patch->len;)
    {
      JsonNode *next;
      if (j >= from_patch->len)
        next = server_only->pdata[i++];
      else if (i >= server_only->len)
        next = from_patch->pdata[j++];
      else
        {
          gint li = index_of (server_order, key_of (server_only->pdata[i],
                                                    merge_key), merge_key);
          gint ri = index_of (server_order, key_of (from_patch->pdata[j],
                                                    merge_key), merge_key);
          if (li >= 0 && ri >= 0 && li < ri)
            next = server_only->pdata[i++];
          else
            next = from_patch->pdata[j++];
        }
      json_array_add_element (sorted, json_node_ref (next));
    }
  json_object_set_member (result, field, array_node (sorted));
  return TRUE;
}

/* --- Maps --- */

static JsonNode *
merge_value (JsonNode *original, JsonNode *patch, const char *parent,
             const char *field, const char *path, GError **error)
{
  if (JSON_NODE_HOLDS_OBJECT (patch))
    {
      JsonObject *merged = merge_map (original != NULL
                                      && JSON_NODE_HOLDS_OBJECT (original)
                                          ? json_node_get_object (original)
                                          : NULL,
                                      json_node_get_object (patch), field,
                                      path, error);
      return merged != NULL ? object_node (merged) : NULL;
    }
  if (JSON_NODE_HOLDS_ARRAY (patch))
    {
      JsonArray *from = original != NULL && JSON_NODE_HOLDS_ARRAY (original)
                            ? json_node_get_array (original) : NULL;
      JsonArray *changes = json_node_get_array (patch);
      const char *merge_key;
      JsonArray *merged;
      switch (kc_strategic_list_strategy (parent, field, from, changes,
                                          &merge_key))
        {
        case KC_LIST_MERGE_KEY:
          merged = merge_keyed_list (from, changes, merge_key, field, path,
                                     error);
          break;
        case KC_LIST_MERGE_SET:
          merged = merge_set (from, changes);
          break;
        case KC_LIST_REPLACE:
        default:
          merged = replace_list (changes, field, path, error);
          break;
        }
      return merged != NULL ? array_node (merged) : NULL;
    }
  return kc_json_deep_copy (patch);
}

static JsonNode *
normalize (JsonNode *value, const char *parent, const char *field,
           const char *path, GError **error)
{
  return merge_value (NULL, value, parent, field, path, error);
}

static gboolean
retain_keys (JsonObject *result, JsonObject *patch, JsonNode *keys,
             const char *path, GError **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  JsonArray *list;
  g_autoptr (GList) members = NULL;

  if (!JSON_NODE_HOLDS_ARRAY (keys))
    return fail (error, KC_API_ERROR_BAD_REQUEST, path, "%s must be a list "
                 "of field names", RETAIN_KEYS);
  list = json_node_get_array (keys);
  for (guint i = 0; i < json_array_get_length (list); i++)
    if (string_of (json_array_get_element (list, i)) == NULL)
      return fail (error, KC_API_ERROR_BAD_REQUEST, path, "%s[%u] is not a "
                   "string", RETAIN_KEYS, i);

  json_object_iter_init_ordered (&iter, patch);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      g_autoptr (JsonNode) key = json_node_init_string (json_node_alloc (),
                                                        name);
      if (!is_directive_key (name) && !JSON_NODE_HOLDS_NULL (value)
          && index_of (list, key, NULL) < 0)
        return fail (error, KC_API_ERROR_INVALID, path, "the patch sets "
                     "\"%s\", which its %s does not list", name,
                     RETAIN_KEYS);
    }
  members = json_object_get_members (result);
  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autoptr (JsonNode) key = json_node_init_string (json_node_alloc (),
                                                        l->data);
      if (index_of (list, key, NULL) < 0)
        json_object_remove_member (result, l->data);
    }
  return TRUE;
}

static JsonObject *
merge_map (JsonObject *original, JsonObject *patch, const char *parent,
           const char *path, GError **error)
{
  g_autoptr (JsonObject) result = json_object_new ();
  JsonNode *directive = json_object_get_member (patch, DIRECTIVE);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (directive != NULL)
    {
      const char *kind = string_of (directive);
      if (kind != NULL && strcmp (kind, "delete") == 0)
        return g_steal_pointer (&result);
      if (kind != NULL && strcmp (kind, "replace") == 0)
        original = NULL;
      else if (kind == NULL || strcmp (kind, "merge") != 0)
        {
          g_autofree char *text = json_to_string (directive, FALSE);
          fail (error, KC_API_ERROR_BAD_REQUEST, path, "unknown $patch "
                "directive %.100s (expected replace, delete or merge)", text);
          return NULL;
        }
    }

  if (original != NULL)
    {
      json_object_iter_init_ordered (&iter, original);
      while (json_object_iter_next_ordered (&iter, &name, &value))
        json_object_set_member (result, name, kc_json_deep_copy (value));
    }

  value = json_object_get_member (patch, RETAIN_KEYS);
  if (value != NULL && !retain_keys (result, patch, value, path, error))
    return NULL;

  json_object_iter_init_ordered (&iter, patch);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    if (g_str_has_prefix (name, DELETE_PRIMITIVE_PREFIX)
        && !delete_from_list (result,
                              name + strlen (DELETE_PRIMITIVE_PREFIX),
                              value, path, error))
      return NULL;

  json_object_iter_init_ordered (&iter, patch);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      g_autofree char *member_path = NULL;
      JsonNode *merged;
      if (is_directive_key (name))
        continue;
      if (JSON_NODE_HOLDS_NULL (value))
        {
          if (json_object_has_member (result, name))
            json_object_remove_member (result, name);
          continue;
        }
      member_path = child_path (path, name);
      merged = merge_value (json_object_get_member (result, name), value,
                            parent, name, member_path, error);
      if (merged == NULL)
        return NULL;
      json_object_set_member (result, name, merged);
    }

  json_object_iter_init_ordered (&iter, patch);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    if (g_str_has_prefix (name, SET_ORDER_PREFIX)
        && !apply_element_order (result, original, patch, parent,
                                 name + strlen (SET_ORDER_PREFIX), value,
                                 path, error))
      return NULL;
  return g_steal_pointer (&result);
}

JsonNode *
kc_patch_strategic (JsonNode *original, JsonNode *patch, GError **error)
{
  JsonObject *merged;

  g_return_val_if_fail (patch != NULL, NULL);
  if (!JSON_NODE_HOLDS_OBJECT (patch))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "strategic merge patch: the patch must be a JSON object");
      return NULL;
    }
  merged = merge_map (original != NULL && JSON_NODE_HOLDS_OBJECT (original)
                          ? json_node_get_object (original) : NULL,
                      json_node_get_object (patch), "", "", error);
  return merged != NULL ? object_node (merged) : NULL;
}
