/* Manifests: Kubernetes YAML (libyaml, multi-document) or JSON, from
 * files, directories or stdin, as JSON objects.  A YAML error names the
 * file, the document (1-based) and the line, so the user can go there. */
#include "build-config.h"

#include "kcorectl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct
{
  const char *source;
  guint document;      /* 1-based */
  GPtrArray *stack;    /* of JsonNode * being built */
  GPtrArray *keys;     /* pending mapping key per stack level, or NULL */
  GHashTable *anchors; /* name -> JsonNode * (ref) */
} Builder;

static void
set_error_at (GError **error, const Builder *b, gsize line, gsize column,
              const char *problem)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s: document %u, line %" G_GSIZE_FORMAT
               ", column %" G_GSIZE_FORMAT ": %s",
               b->source, b->document, line + 1, column + 1, problem);
}

static gboolean
is_int (const char *s)
{
  if (*s == '-' || *s == '+')
    s++;
  if (*s == '\0')
    return FALSE;
  if (s[0] == '0' && s[1] == 'x')
    return FALSE; /* keep hex strings as written */
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static gboolean
is_float (const char *s)
{
  if (!g_ascii_isdigit (*s) && *s != '-' && *s != '+' && *s != '.')
    return FALSE;
  char *end = NULL;
  g_ascii_strtod (s, &end);
  return end && *end == '\0' && strpbrk (s, "0123456789") != NULL;
}

/* YAML 1.1 core types for plain scalars, as Kubernetes (sigs.k8s.io/yaml)
 * reads them; quoted scalars are always strings. */
static JsonNode *
scalar_node (const yaml_event_t *ev)
{
  const char *v = (const char *)ev->data.scalar.value;
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  gboolean plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  const char *tag = (const char *)ev->data.scalar.tag;
  if (tag && strcmp (tag, YAML_STR_TAG) == 0)
    plain = FALSE;
  if (plain)
    {
      if (*v == '\0' || strcmp (v, "~") == 0 || strcmp (v, "null") == 0
          || strcmp (v, "Null") == 0 || strcmp (v, "NULL") == 0)
        {
          json_node_init_null (node);
          return node;
        }
      if (strcmp (v, "true") == 0 || strcmp (v, "True") == 0
          || strcmp (v, "TRUE") == 0)
        {
          json_node_set_boolean (node, TRUE);
          return node;
        }
      if (strcmp (v, "false") == 0 || strcmp (v, "False") == 0
          || strcmp (v, "FALSE") == 0)
        {
          json_node_set_boolean (node, FALSE);
          return node;
        }
      if (is_int (v))
        {
          errno = 0;
          gint64 i = g_ascii_strtoll (v, NULL, 10);
          if (errno == 0)
            {
              json_node_set_int (node, i);
              return node;
            }
        }
      if (is_float (v))
        {
          json_node_set_double (node, g_ascii_strtod (v, NULL));
          return node;
        }
    }
  json_node_set_string (node, v);
  return node;
}

/* Adds @node (transfer full) to the container on top of the stack, or
 * makes it the document's root.  Returns FALSE on a non-string key. */
static gboolean
attach (Builder *b, JsonNode *node, JsonNode **root, const yaml_event_t *ev,
        GError **error)
{
  if (b->stack->len == 0)
    {
      *root = node;
      return TRUE;
    }
  JsonNode *top = b->stack->pdata[b->stack->len - 1];
  if (JSON_NODE_HOLDS_ARRAY (top))
    {
      json_array_add_element (json_node_get_array (top), node);
      return TRUE;
    }
  char **key = (char **)&b->keys->pdata[b->keys->len - 1];
  if (*key == NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) && !JSON_NODE_HOLDS_NULL (node))
        {
          set_error_at (error, b, ev->start_mark.line, ev->start_mark.column,
                        "a mapping key must be a scalar");
          json_node_unref (node);
          return FALSE;
        }
      if (JSON_NODE_HOLDS_NULL (node))
        *key = g_strdup ("null");
      else if (json_node_get_value_type (node) == G_TYPE_STRING)
        *key = g_strdup (json_node_get_string (node));
      else
        *key = json_to_string (node, FALSE);
      json_node_unref (node);
      return TRUE;
    }
  json_object_set_member (json_node_get_object (top), *key, node);
  g_clear_pointer (key, g_free);
  return TRUE;
}

static void
push (Builder *b, JsonNode *node)
{
  g_ptr_array_add (b->stack, json_node_ref (node));
  g_ptr_array_add (b->keys, NULL);
}

static JsonNode *
pop (Builder *b)
{
  g_free (b->keys->pdata[b->keys->len - 1]);
  g_ptr_array_set_size (b->keys, b->keys->len - 1);
  return g_ptr_array_steal_index (b->stack, b->stack->len - 1);
}

/* Attaches a new container (transfer full) to its parent, then makes it
 * the top of the stack. */
static gboolean
open_container (Builder *b, JsonNode *node, JsonNode **root,
                const yaml_event_t *ev, GError **error)
{
  g_autoptr (JsonNode) keep = json_node_ref (node);
  if (!attach (b, node, root, ev, error))
    return FALSE;
  push (b, keep);
  return TRUE;
}

static void
remember_anchor (Builder *b, const yaml_char_t *anchor, JsonNode *node)
{
  if (anchor)
    g_hash_table_replace (b->anchors, g_strdup ((const char *)anchor),
                          json_node_ref (node));
}

/* One event; *root is set at the end of a document. */
static gboolean
handle_event (Builder *b, const yaml_event_t *ev, JsonNode **root,
              GError **error)
{
  JsonNode *node;
  switch (ev->type)
    {
    case YAML_DOCUMENT_START_EVENT:
      b->document++;
      return TRUE;
    case YAML_SCALAR_EVENT:
      node = scalar_node (ev);
      remember_anchor (b, ev->data.scalar.anchor, node);
      return attach (b, node, root, ev, error);
    case YAML_ALIAS_EVENT:
      node = g_hash_table_lookup (b->anchors, ev->data.alias.anchor);
      if (node == NULL)
        {
          set_error_at (error, b, ev->start_mark.line, ev->start_mark.column,
                        "unknown alias");
          return FALSE;
        }
      return attach (b, kcctl_json_copy (node), root, ev, error);
    case YAML_SEQUENCE_START_EVENT:
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (node, json_array_new ());
      remember_anchor (b, ev->data.sequence_start.anchor, node);
      return open_container (b, node, root, ev, error);
    case YAML_MAPPING_START_EVENT:
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, json_object_new ());
      remember_anchor (b, ev->data.mapping_start.anchor, node);
      return open_container (b, node, root, ev, error);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      json_node_unref (pop (b));
      return TRUE;
    default:
      return TRUE;
    }
}

/* A document's objects: itself, or the items of a List. */
static void
add_objects (GPtrArray *out, JsonNode *doc)
{
  if (doc == NULL || JSON_NODE_HOLDS_NULL (doc))
    return; /* an empty document (e.g. after a trailing ---) */
  if (JSON_NODE_HOLDS_OBJECT (doc))
    {
      JsonObject *o = json_node_get_object (doc);
      const char *kind = kcctl_member_string (o, "kind", "");
      JsonArray *items = kcctl_member_array (o, "items");
      if (g_str_has_suffix (kind, "List") && items)
        {
          for (guint i = 0; i < json_array_get_length (items); i++)
            add_objects (out, json_array_get_element (items, i));
          return;
        }
    }
  g_ptr_array_add (out, json_node_ref (doc));
}

static gboolean
check_object (const char *source, guint document, JsonNode *doc,
              GError **error)
{
  if (doc == NULL || JSON_NODE_HOLDS_NULL (doc))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (doc))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: document %u: expected an object with apiVersion, "
                   "kind and metadata",
                   source, document);
      return FALSE;
    }
  JsonObject *o = json_node_get_object (doc);
  const char *missing = !kcctl_member_string (o, "apiVersion", NULL)
                            ? "apiVersion"
                        : !kcctl_member_string (o, "kind", NULL) ? "kind"
                                                                 : NULL;
  if (missing)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: document %u: the object has no %s; every object "
                   "needs apiVersion and kind",
                   source, document, missing);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
kcctl_manifest_parse_yaml (const char *source, const char *text, gsize length,
                           GError **error)
{
  yaml_parser_t parser;
  yaml_parser_initialize (&parser);
  yaml_parser_set_input_string (&parser, (const unsigned char *)text, length);
  Builder b
      = { .source = source,
          .stack
          = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref),
          .keys = g_ptr_array_new (),
          .anchors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)json_node_unref) };
  GPtrArray *out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  JsonNode *root = NULL;
  gboolean ok = TRUE, done = FALSE, between = TRUE;
  while (ok && !done)
    {
      yaml_event_t ev;
      if (!yaml_parser_parse (&parser, &ev))
        {
          /* A failure before the next document's start event was
           * delivered belongs to that next document. */
          if (between)
            b.document++;
          /* libyaml notices some mistakes only further down; the
           * context says where the construct at fault started. */
          g_autofree char *problem
              = parser.context ? g_strdup_printf (
                    "%s %s that starts at line %" G_GSIZE_FORMAT,
                    parser.problem, parser.context,
                    (gsize)parser.context_mark.line + 1)
                               : g_strdup (parser.problem ? parser.problem
                                                          : "invalid YAML");
          set_error_at (error, &b, parser.problem_mark.line,
                        parser.problem_mark.column, problem);
          ok = FALSE;
          break;
        }
      if (ev.type == YAML_DOCUMENT_START_EVENT)
        between = FALSE;
      if (ev.type == YAML_STREAM_END_EVENT)
        done = TRUE;
      else if (ev.type == YAML_DOCUMENT_END_EVENT)
        {
          ok = check_object (source, b.document, root, error);
          if (ok)
            add_objects (out, root);
          g_clear_pointer (&root, json_node_unref);
          g_hash_table_remove_all (b.anchors);
          between = TRUE;
        }
      else
        ok = handle_event (&b, &ev, &root, error);
      yaml_event_delete (&ev);
    }
  yaml_parser_delete (&parser);
  g_clear_pointer (&root, json_node_unref);
  for (guint i = 0; i < b.keys->len; i++)
    g_free (b.keys->pdata[i]);
  g_ptr_array_unref (b.keys);
  g_ptr_array_unref (b.stack);
  g_hash_table_unref (b.anchors);
  if (!ok)
    {
      g_ptr_array_unref (out);
      return NULL;
    }
  return out;
}

static GPtrArray *
parse_json (const char *source, const char *text, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, text, length, &local))
    {
      /* json-glib's message starts with "<data>:LINE:COL: ". */
      guint line = 0, column = 0;
      int used = 0;
      if (sscanf (local->message, "<data>:%u:%u: %n", &line, &column, &used)
              == 2
          && used > 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "%s: document 1, line %u, column %u: %s", source, line,
                     column, local->message + used);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "%s: document 1: %s", source, local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!check_object (source, 1, root, error))
    return NULL;
  GPtrArray *out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  add_objects (out, root);
  return out;
}

static GPtrArray *
parse_text (const char *source, const char *text, gsize length, GError **error)
{
  const char *p = text;
  while (p < text + length && g_ascii_isspace (*p))
    p++;
  /* JSON is read as JSON (exact numbers and strings); everything else as
   * YAML, which covers JSON-like flow style too. */
  if (p < text + length && (*p == '{' || *p == '['))
    return parse_json (source, text, length, error);
  return kcctl_manifest_parse_yaml (source, text, length, error);
}

static gboolean
is_manifest_name (const char *name)
{
  return g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml")
         || g_str_has_suffix (name, ".json");
}

static gboolean load_path (const char *path, GPtrArray *out, GError **error);

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static gboolean
load_directory (const char *path, GPtrArray *out, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (dir)))
    if (is_manifest_name (name))
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  /* Files in name order, so "00-namespace.yaml" comes first. */
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    if (!load_path (names->pdata[i], out, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_stdin (char **text, gsize *length, GError **error)
{
  GString *s = g_string_new (NULL);
  char buf[4096];
  size_t n;
  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    g_string_append_len (s, buf, n);
  if (ferror (stdin))
    {
      g_string_free (s, TRUE);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "reading standard input failed");
      return FALSE;
    }
  *length = s->len;
  *text = g_string_free (s, FALSE);
  return TRUE;
}

static gboolean
load_path (const char *path, GPtrArray *out, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  if (strcmp (path, "-") == 0)
    {
      if (!read_stdin (&text, &length, error))
        return FALSE;
    }
  else if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return load_directory (path, out, error);
  else
    {
      g_autoptr (GError) local = NULL;
      if (!g_file_get_contents (path, &text, &length, &local))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "the path \"%s\" cannot be read: %s", path,
                       local->message);
          return FALSE;
        }
    }
  const char *source = strcmp (path, "-") == 0 ? "<stdin>" : path;
  g_autoptr (GPtrArray) objects = parse_text (source, text, length, error);
  if (objects == NULL)
    return FALSE;
  for (guint i = 0; i < objects->len; i++)
    g_ptr_array_add (out, json_node_ref (objects->pdata[i]));
  return TRUE;
}

GPtrArray *
kcctl_manifest_load (char **paths, GError **error)
{
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  if (paths == NULL || paths[0] == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "must specify one of -f (a file, a directory or -)");
      return NULL;
    }
  for (char **p = paths; *p; p++)
    if (!load_path (*p, out, error))
      return NULL;
  return g_steal_pointer (&out);
}
