/* JSON merge patch (RFC 7386) and JSON patch (RFC 6902); see patch.h.
 * The strategic merge patch is in strategic-merge.c. */
#include "build-config.h"

#include "patch.h"

#include <string.h>

#include "api-error.h"

/* --- Values --- */

JsonNode *
kc_json_deep_copy (JsonNode *node)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *copy = json_object_new ();
        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &value))
          json_object_set_member (copy, name, kc_json_deep_copy (value));
        JsonNode *result = json_node_init_object (json_node_alloc (), copy);
        json_object_unref (copy);
        return result;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *old = json_node_get_array (node);
        guint length = json_array_get_length (old);
        JsonArray *copy = json_array_sized_new (length);
        for (guint i = 0; i < length; i++)
          json_array_add_element (copy, kc_json_deep_copy
                                  (json_array_get_element (old, i)));
        JsonNode *result = json_node_init_array (json_node_alloc (), copy);
        json_array_unref (copy);
        return result;
      }
    case JSON_NODE_NULL:
      return json_node_init_null (json_node_alloc ());
    case JSON_NODE_VALUE:
    default:
      break;
    }
  /* Fresh value nodes: json_node_copy() would share the JsonValue. */
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return json_node_init_int (json_node_alloc (), json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    return json_node_init_double (json_node_alloc (),
                                  json_node_get_double (node));
  if (type == G_TYPE_BOOLEAN)
    return json_node_init_boolean (json_node_alloc (),
                                   json_node_get_boolean (node));
  if (type == G_TYPE_STRING)
    return json_node_init_string (json_node_alloc (),
                                  json_node_get_string (node));
  return json_node_init_null (json_node_alloc ());
}

static gboolean
is_number (GType type)
{
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

gboolean
kc_json_equal (JsonNode *a, JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;
  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_NULL:
      return TRUE;
    case JSON_NODE_ARRAY:
      {
        JsonArray *x = json_node_get_array (a), *y = json_node_get_array (b);
        guint length = json_array_get_length (x);
        if (length != json_array_get_length (y))
          return FALSE;
        for (guint i = 0; i < length; i++)
          if (!kc_json_equal (json_array_get_element (x, i),
                              json_array_get_element (y, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObject *x = json_node_get_object (a);
        JsonObject *y = json_node_get_object (b);
        JsonObjectIter iter;
        const char *name;
        JsonNode *value;
        if (json_object_get_size (x) != json_object_get_size (y))
          return FALSE;
        json_object_iter_init_ordered (&iter, x);
        while (json_object_iter_next_ordered (&iter, &name, &value))
          {
            JsonNode *other = json_object_get_member (y, name);
            if (other == NULL || !kc_json_equal (value, other))
              return FALSE;
          }
        return TRUE;
      }
    case JSON_NODE_VALUE:
    default:
      break;
    }
  GType ta = json_node_get_value_type (a), tb = json_node_get_value_type (b);
  if (is_number (ta) && is_number (tb))
    {
      if (ta == G_TYPE_INT64 && tb == G_TYPE_INT64)
        return json_node_get_int (a) == json_node_get_int (b);
      return json_node_get_double (a) == json_node_get_double (b);
    }
  if (ta != tb)
    return FALSE;
  if (ta == G_TYPE_BOOLEAN)
    return json_node_get_boolean (a) == json_node_get_boolean (b);
  if (ta == G_TYPE_STRING)
    return g_strcmp0 (json_node_get_string (a), json_node_get_string (b))
           == 0;
  return FALSE;
}

/* --- RFC 7386 --- */

static JsonNode *
merge (JsonNode *target, JsonNode *patch)
{
  if (!JSON_NODE_HOLDS_OBJECT (patch))
    return kc_json_deep_copy (patch);

  /* Each member of @target is copied once: merged with its change, or
   * copied as it is (a whole-copy first made the patched members be
   * copied twice, and status patches are most of the API's writes). */
  JsonObject *changes = json_node_get_object (patch);
  JsonObject *from = target != NULL && JSON_NODE_HOLDS_OBJECT (target)
                         ? json_node_get_object (target)
                         : NULL;
  JsonObject *result = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  if (from)
    {
      json_object_iter_init_ordered (&iter, from);
      while (json_object_iter_next_ordered (&iter, &name, &value))
        {
          JsonNode *change = json_object_get_member (changes, name);
          if (change == NULL)
            json_object_set_member (result, name, kc_json_deep_copy (value));
          else if (!JSON_NODE_HOLDS_NULL (change))
            json_object_set_member (result, name, merge (value, change));
        }
    }
  json_object_iter_init_ordered (&iter, changes);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    if (!JSON_NODE_HOLDS_NULL (value)
        && (from == NULL || !json_object_has_member (from, name)))
      json_object_set_member (result, name, merge (NULL, value));
  value = json_node_init_object (json_node_alloc (), result);
  json_object_unref (result);
  return value;
}

JsonNode *
kc_patch_merge (JsonNode *original, JsonNode *patch, GError **error)
{
  g_return_val_if_fail (patch != NULL, NULL);
  return merge (original, patch);
}

/* --- RFC 6901 pointers --- */

/* Splits @path into unescaped reference tokens.  (transfer full) */
static GPtrArray *
parse_pointer (const char *path, char **reason)
{
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  const char *p = path;

  if (*p == '\0')
    return g_steal_pointer (&tokens);
  if (*p != '/')
    {
      *reason = g_strdup ("a JSON pointer must be empty or start with '/'");
      return NULL;
    }
  while (*p == '/')
    {
      GString *token = g_string_new (NULL);
      for (p++; *p != '\0' && *p != '/'; p++)
        {
          if (*p != '~')
            g_string_append_c (token, *p);
          else if (p[1] == '0' || p[1] == '1')
            g_string_append_c (token, *++p == '0' ? '~' : '/');
          else
            {
              *reason = g_strdup ("'~' must be followed by '0' or '1' in a "
                                  "JSON pointer (write '~' as ~0, '/' as "
                                  "~1)");
              g_string_free (token, TRUE);
              return NULL;
            }
        }
      g_ptr_array_add (tokens, g_string_free (token, FALSE));
    }
  return g_steal_pointer (&tokens);
}

/* An array index token: digits, no leading zero.  "-" (the end) only when
 * @allow_end; @max is the largest index allowed. */
static gboolean
parse_index (const char *token, guint length, gboolean allow_end,
             guint *index, char **reason)
{
  guint64 n = 0;

  if (allow_end && strcmp (token, "-") == 0)
    {
      *index = length;
      return TRUE;
    }
  if (*token == '\0' || (token[0] == '0' && token[1] != '\0'))
    goto bad;
  for (const char *c = token; *c != '\0'; c++)
    {
      if (!g_ascii_isdigit (*c))
        goto bad;
      n = n * 10 + (guint64) (*c - '0');
      if (n > G_MAXUINT)
        goto range;
    }
  if (n > length || (n == length && !allow_end))
    goto range;
  *index = (guint) n;
  return TRUE;

bad:
  *reason = g_strdup_printf ("\"%s\" is not an array index", token);
  return FALSE;
range:
  *reason = g_strdup_printf ("array index %s is out of range (the array has "
                             "%u elements)", token, length);
  return FALSE;
}

/* The node at the first @n tokens, or NULL with a reason.  (transfer
 * none) */
static JsonNode *
resolve (JsonNode *root, GPtrArray *tokens, guint n, char **reason)
{
  JsonNode *node = root;

  for (guint i = 0; i < n; i++)
    {
      const char *token = g_ptr_array_index (tokens, i);
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *object = json_node_get_object (node);
          node = json_object_get_member (object, token);
          if (node == NULL)
            {
              *reason = g_strdup_printf ("member \"%s\" does not exist",
                                         token);
              return NULL;
            }
        }
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint index;
          if (!parse_index (token, json_array_get_length (array), FALSE,
                            &index, reason))
            return NULL;
          node = json_array_get_element (array, index);
        }
      else
        {
          *reason = g_strdup_printf ("\"%s\" is looked up in a value that is "
                                     "neither an object nor an array",
                                     token);
          return NULL;
        }
    }
  return node;
}

/* json-glib arrays cannot insert or replace in place: rebuild @node's
 * array with @value (transfer full, nullable) inserted at @index, and
 * element @drop (G_MAXUINT: none) left out. */
static void
array_splice (JsonNode *node, guint index, JsonNode *value, guint drop)
{
  JsonArray *old = json_node_get_array (node);
  guint length = json_array_get_length (old);
  g_autoptr (JsonArray) array = json_array_sized_new (length + 1);

  for (guint i = 0; i <= length; i++)
    {
      if (i == index && value != NULL)
        json_array_add_element (array, value);
      if (i < length && i != drop)
        json_array_add_element (array,
                                json_node_ref (json_array_get_element (old,
                                                                       i)));
    }
  json_node_set_array (node, array);
}

/* --- RFC 6902 operations, on a private copy --- */

static gboolean
op_add (JsonNode **doc, GPtrArray *tokens, JsonNode *value, char **reason)
{
  JsonNode *parent;
  const char *last;

  if (tokens->len == 0)
    {
      json_node_unref (*doc);
      *doc = kc_json_deep_copy (value);
      return TRUE;
    }
  parent = resolve (*doc, tokens, tokens->len - 1, reason);
  if (parent == NULL)
    return FALSE;
  last = g_ptr_array_index (tokens, tokens->len - 1);
  if (JSON_NODE_HOLDS_OBJECT (parent))
    {
      json_object_set_member (json_node_get_object (parent), last,
                              kc_json_deep_copy (value));
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (parent))
    {
      guint index;
      if (!parse_index (last, json_array_get_length (json_node_get_array
                                                     (parent)),
                        TRUE, &index, reason))
        return FALSE;
      array_splice (parent, index, kc_json_deep_copy (value), G_MAXUINT);
      return TRUE;
    }
  *reason = g_strdup ("the parent of the target is neither an object nor an "
                      "array");
  return FALSE;
}

static gboolean
op_remove (JsonNode **doc, GPtrArray *tokens, char **reason)
{
  JsonNode *parent;
  const char *last;

  if (tokens->len == 0)
    {
      *reason = g_strdup ("the whole document cannot be removed");
      return FALSE;
    }
  if (resolve (*doc, tokens, tokens->len, reason) == NULL)
    return FALSE;
  parent = resolve (*doc, tokens, tokens->len - 1, reason);
  last = g_ptr_array_index (tokens, tokens->len - 1);
  if (JSON_NODE_HOLDS_OBJECT (parent))
    json_object_remove_member (json_node_get_object (parent), last);
  else
    {
      JsonArray *array = json_node_get_array (parent);
      guint index;
      parse_index (last, json_array_get_length (array), FALSE, &index,
                   reason);
      json_array_remove_element (array, index);
    }
  return TRUE;
}

static gboolean
op_replace (JsonNode **doc, GPtrArray *tokens, JsonNode *value,
            char **reason)
{
  JsonNode *parent;
  const char *last;

  if (resolve (*doc, tokens, tokens->len, reason) == NULL)
    return FALSE;
  if (tokens->len == 0)
    return op_add (doc, tokens, value, reason);
  parent = resolve (*doc, tokens, tokens->len - 1, reason);
  last = g_ptr_array_index (tokens, tokens->len - 1);
  if (JSON_NODE_HOLDS_OBJECT (parent))
    json_object_set_member (json_node_get_object (parent), last,
                            kc_json_deep_copy (value));
  else
    {
      guint index;
      parse_index (last, json_array_get_length (json_node_get_array
                                                (parent)),
                   FALSE, &index, reason);
      array_splice (parent, index, kc_json_deep_copy (value), index);
    }
  return TRUE;
}

static gboolean
is_proper_prefix (GPtrArray *prefix, GPtrArray *tokens)
{
  if (prefix->len >= tokens->len)
    return FALSE;
  for (guint i = 0; i < prefix->len; i++)
    if (strcmp (prefix->pdata[i], tokens->pdata[i]) != 0)
      return FALSE;
  return TRUE;
}

static gboolean
op_move_or_copy (JsonNode **doc, const char *from_path, GPtrArray *from,
                 GPtrArray *tokens, gboolean move, char **reason)
{
  JsonNode *source = resolve (*doc, from, from->len, reason);
  g_autoptr (JsonNode) value = NULL;

  if (source == NULL)
    {
      char *why = *reason;
      *reason = g_strdup_printf ("\"from\" \"%s\": %s", from_path, why);
      g_free (why);
      return FALSE;
    }
  if (move && is_proper_prefix (from, tokens))
    {
      *reason = g_strdup ("a value cannot be moved into one of its own "
                          "children");
      return FALSE;
    }
  value = kc_json_deep_copy (source);
  if (move && !op_remove (doc, from, reason))
    return FALSE;
  return op_add (doc, tokens, value, reason);
}

static gboolean
op_test (JsonNode *doc, GPtrArray *tokens, JsonNode *value, char **reason)
{
  JsonNode *target = resolve (doc, tokens, tokens->len, reason);

  if (target == NULL)
    return FALSE;
  if (!kc_json_equal (target, value))
    {
      g_autofree char *want = json_to_string (value, FALSE);
      g_autofree char *got = json_to_string (target, FALSE);
      *reason = g_strdup_printf ("test failed: the value is %.200s, not "
                                 "%.200s", got, want);
      return FALSE;
    }
  return TRUE;
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

G_GNUC_PRINTF (6, 7) static gboolean
op_fail (GError **error, gint code, guint i, const char *op,
         const char *path, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (op == NULL)
    g_set_error (error, KC_API_ERROR, code, "json patch operation %u: %s", i,
                 what);
  else
    g_set_error (error, KC_API_ERROR, code,
                 "json patch operation %u (%s \"%s\"): %s", i, op,
                 path != NULL ? path : "", what);
  return FALSE;
}

/* Applies operation @i to *@doc; FALSE with @error set if it fails. */
static gboolean
apply_operation (JsonNode **doc, guint i, JsonNode *node, GError **error)
{
  static const char *const ops[] = { "add", "remove", "replace", "move",
                                     "copy", "test" };
  g_autoptr (GPtrArray) tokens = NULL;
  g_autoptr (GPtrArray) from_tokens = NULL;
  g_autofree char *reason = NULL;
  JsonObject *operation;
  const char *op, *path, *from = NULL;
  JsonNode *value = NULL;
  guint kind = G_N_ELEMENTS (ops);
  gboolean ok = FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, NULL, NULL,
                    "an operation must be an object");
  operation = json_node_get_object (node);
  op = member_string (operation, "op");
  if (op == NULL)
    return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, NULL, NULL,
                    "\"op\" is missing or not a string");
  for (guint k = 0; k < G_N_ELEMENTS (ops); k++)
    if (strcmp (op, ops[k]) == 0)
      kind = k;
  if (kind == G_N_ELEMENTS (ops))
    return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, NULL, NULL,
                    "unknown op \"%s\" (expected add, remove, replace, "
                    "move, copy or test)", op);
  path = member_string (operation, "path");
  if (path == NULL)
    return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, op, NULL,
                    "\"path\" is missing or not a string");
  tokens = parse_pointer (path, &reason);
  if (tokens == NULL)
    return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, op, path, "%s",
                    reason);
  if (kind == 0 || kind == 2 || kind == 5)
    {
      value = json_object_get_member (operation, "value");
      if (value == NULL)
        return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, op, path,
                        "\"value\" is missing");
    }
  if (kind == 3 || kind == 4)
    {
      from = member_string (operation, "from");
      if (from == NULL)
        return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, op, path,
                        "\"from\" is missing or not a string");
      from_tokens = parse_pointer (from, &reason);
      if (from_tokens == NULL)
        return op_fail (error, KC_API_ERROR_BAD_REQUEST, i, op, path,
                        "\"from\" \"%s\": %s", from, reason);
    }

  switch (kind)
    {
    case 0: ok = op_add (doc, tokens, value, &reason); break;
    case 1: ok = op_remove (doc, tokens, &reason); break;
    case 2: ok = op_replace (doc, tokens, value, &reason); break;
    case 3: ok = op_move_or_copy (doc, from, from_tokens, tokens, TRUE, &reason);
      break;
    case 4: ok = op_move_or_copy (doc, from, from_tokens, tokens, FALSE, &reason);
      break;
    default: ok = op_test (*doc, tokens, value, &reason); break;
    }
  if (!ok)
    return op_fail (error, KC_API_ERROR_INVALID, i, op, path, "%s", reason);
  return TRUE;
}

JsonNode *
kc_patch_json (JsonNode *original, JsonNode *patch, GError **error)
{
  g_autoptr (JsonNode) doc = NULL;
  JsonArray *operations;

  g_return_val_if_fail (original != NULL && patch != NULL, NULL);
  if (!JSON_NODE_HOLDS_ARRAY (patch))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "json patch: the patch must be an array of operations");
      return NULL;
    }
  doc = kc_json_deep_copy (original);
  operations = json_node_get_array (patch);
  for (guint i = 0; i < json_array_get_length (operations); i++)
    if (!apply_operation (&doc, i, json_array_get_element (operations, i),
                          error))
      return NULL;
  return g_steal_pointer (&doc);
}
