/* Output: YAML and JSON of objects, aligned columns, and the tables of
 * `get`.
 *
 * The tables are the meta.k8s.io/v1 Tables the API server prints itself
 * (core/apiserver/api-table.c), asked for with KC_CLIENT_ACCEPT_TABLE:
 * which columns a resource has is the server's business, so kcorectl
 * knows none of them and prints whatever columns it is sent. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>
#include <string.h>

/* ---- JSON helpers ----------------------------------------------------------
 */

JsonObject *
kcctl_member_object (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

JsonArray *
kcctl_member_array (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                              : NULL;
}

const char *
kcctl_member_string (JsonObject *obj, const char *name, const char *fallback)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return fallback;
}

JsonNode *
kcctl_json_copy (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  return json_from_string (text, NULL);
}

static gint64
member_int (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  return node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 0;
}

/* ---- JSON and YAML
 * ---------------------------------------------------------- */

void
kcctl_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 4);
  json_generator_set_root (gen, node);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static gboolean
needs_quotes (const char *s)
{
  static const char *const special[]
      = { "true", "false", "yes", "no", "on", "off",
          "null", "~",     "y",   "n",  NULL };
  if (*s == '\0' || g_ascii_isspace (*s)
      || g_ascii_isspace (s[strlen (s) - 1]))
    return TRUE;
  for (guint i = 0; special[i]; i++)
    if (g_ascii_strcasecmp (s, special[i]) == 0)
      return TRUE;
  if (strchr ("-?:,[]{}#&*!|>'\"%@`", *s)
      && !(*s == '-' && s[1] != ' ' && s[1] != '\0'
           && !g_ascii_isdigit (s[1])))
    return TRUE;
  if (strstr (s, ": ") || strstr (s, " #") || strchr (s, '\n')
      || strchr (s, '\t') || g_str_has_suffix (s, ":"))
    return TRUE;
  /* Numbers, and timestamps or versions that a YAML reader might take
   * for one. */
  return g_ascii_isdigit (*s) || (*s == '.' && g_ascii_isdigit (s[1]));
}

static void
yaml_scalar (GString *out, JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    {
      g_string_append (out, "null");
      return;
    }
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);
      if (needs_quotes (s))
        {
          g_autofree char *quoted = json_to_string (node, FALSE);
          g_string_append (out, quoted);
        }
      else
        g_string_append (out, s);
      return;
    }
  g_autofree char *text = json_to_string (node, FALSE);
  g_string_append (out, text);
}

static void yaml_node (GString *out, JsonNode *node, int indent);

static gboolean
is_empty_container (JsonNode *node)
{
  return (JSON_NODE_HOLDS_OBJECT (node)
          && json_object_get_size (json_node_get_object (node)) == 0)
         || (JSON_NODE_HOLDS_ARRAY (node)
             && json_array_get_length (json_node_get_array (node)) == 0);
}

/* The value after "key:" or "- ". */
static void
yaml_value (GString *out, JsonNode *value, int indent, gboolean in_list)
{
  if (is_empty_container (value))
    g_string_append (out, JSON_NODE_HOLDS_OBJECT (value) ? " {}\n" : " []\n");
  else if (JSON_NODE_HOLDS_OBJECT (value) || JSON_NODE_HOLDS_ARRAY (value))
    {
      g_string_append_c (out, '\n');
      /* kubectl style: a list under a key is not indented further. */
      yaml_node (out, value,
                 JSON_NODE_HOLDS_ARRAY (value) && !in_list ? indent
                                                           : indent + 2);
    }
  else
    {
      g_string_append_c (out, ' ');
      yaml_scalar (out, value);
      g_string_append_c (out, '\n');
    }
}

static void
yaml_object (GString *out, JsonObject *obj, int indent, gboolean skip_first)
{
  g_autoptr (GList) members = json_object_get_members (obj);
  members = g_list_sort (members, (GCompareFunc)g_strcmp0);
  gboolean first = TRUE;
  for (GList *m = members; m; m = m->next)
    {
      if (!(first && skip_first))
        g_string_append_printf (out, "%*s", indent, "");
      first = FALSE;
      JsonNode *key = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (key, m->data);
      yaml_scalar (out, key);
      json_node_unref (key);
      g_string_append_c (out, ':');
      yaml_value (out, json_object_get_member (obj, m->data), indent, FALSE);
    }
}

static void
yaml_node (GString *out, JsonNode *node, int indent)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      yaml_object (out, json_node_get_object (node), indent, FALSE);
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_string_append_printf (out, "%*s", indent, "");
      yaml_scalar (out, node);
      g_string_append_c (out, '\n');
      return;
    }
  JsonArray *a = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      g_string_append_printf (out, "%*s-", indent, "");
      if (JSON_NODE_HOLDS_OBJECT (e) && !is_empty_container (e))
        {
          g_string_append_c (out, ' ');
          yaml_object (out, json_node_get_object (e), indent + 2, TRUE);
        }
      else
        yaml_value (out, e, indent, TRUE);
    }
}

void
kcctl_print_yaml (JsonNode *node, int indent)
{
  g_autoptr (GString) out = g_string_new (NULL);
  yaml_node (out, node, indent);
  fputs (out->str, stdout);
}

/* ---- Columns
 * ---------------------------------------------------------------- */

/* Widths only grow, so the rows of `get -w` stay under their header. */
static GArray *widths;

static void
print_columns (GPtrArray *rows, gboolean sticky)
{
  if (widths && !sticky)
    g_array_set_size (widths, 0);
  if (widths == NULL)
    widths = g_array_new (FALSE, TRUE, sizeof (guint));
  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = rows->pdata[r];
      for (guint c = 0; cells[c]; c++)
        {
          if (c >= widths->len)
            g_array_set_size (widths, c + 1);
          guint len = g_utf8_strlen (cells[c], -1);
          if (len > g_array_index (widths, guint, c))
            g_array_index (widths, guint, c) = len;
        }
    }
  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = rows->pdata[r];
      g_autoptr (GString) line = g_string_new (NULL);
      for (guint c = 0; cells[c]; c++)
        {
          g_string_append (line, cells[c]);
          if (cells[c + 1])
            {
              guint pad = g_array_index (widths, guint, c) + 3
                          - g_utf8_strlen (cells[c], -1);
              g_string_append_printf (line, "%*s", pad, "");
            }
        }
      printf ("%s\n", line->str);
    }
  fflush (stdout);
}

void
kcctl_print_columns (GPtrArray *rows)
{
  print_columns (rows, FALSE);
}

char *
kcctl_age (const char *timestamp)
{
  if (timestamp == NULL)
    return g_strdup ("<unknown>");
  g_autoptr (GDateTime) then = g_date_time_new_from_iso8601 (timestamp, NULL);
  if (then == NULL)
    return g_strdup ("<unknown>");
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  gint64 s = MAX (0, g_date_time_difference (now, then) / G_USEC_PER_SEC);
  if (s < 120)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", s);
  if (s < 3 * 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m", s / 60);
  if (s < 2 * 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h", s / 3600);
  return g_strdup_printf ("%" G_GINT64_FORMAT "d", s / 86400);
}

/* ---- Tables ----------------------------------------------------------------
 */

static char *
labels_text (JsonObject *meta)
{
  JsonObject *labels = kcctl_member_object (meta, "labels");
  if (labels == NULL || json_object_get_size (labels) == 0)
    return g_strdup ("<none>");
  g_autoptr (GList) keys = json_object_get_members (labels);
  keys = g_list_sort (keys, (GCompareFunc)g_strcmp0);
  g_autoptr (GString) s = g_string_new (NULL);
  for (GList *k = keys; k; k = k->next)
    g_string_append_printf (s, "%s%s=%s", s->len ? "," : "",
                            (const char *)k->data,
                            kcctl_member_string (labels, k->data, ""));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
cell_text (JsonNode *cell)
{
  if (cell == NULL || JSON_NODE_HOLDS_NULL (cell))
    return g_strdup ("<none>");
  if (JSON_NODE_HOLDS_VALUE (cell)
      && json_node_get_value_type (cell) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (cell));
  return json_to_string (cell, FALSE);
}

void
kcctl_table_print (JsonArray *defs, JsonArray *rows, gboolean header,
                   gboolean wide, gboolean ns_column, gboolean labels)
{
  guint ncols = defs ? json_array_get_length (defs) : 0;
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);

  if (header)
    {
      GPtrArray *h = g_ptr_array_new ();
      if (ns_column)
        g_ptr_array_add (h, g_strdup ("NAMESPACE"));
      for (guint c = 0; c < ncols; c++)
        {
          JsonObject *def = json_array_get_object_element (defs, c);
          if (member_int (def, "priority") > 0 && !wide)
            continue;
          g_ptr_array_add (
              h, g_ascii_strup (kcctl_member_string (def, "name", ""), -1));
        }
      if (labels)
        g_ptr_array_add (h, g_strdup ("LABELS"));
      g_ptr_array_add (h, NULL);
      g_ptr_array_add (out, g_ptr_array_free (h, FALSE));
    }
  for (guint r = 0; rows && r < json_array_get_length (rows); r++)
    {
      JsonObject *row = json_array_get_object_element (rows, r);
      JsonArray *cells = kcctl_member_array (row, "cells");
      JsonObject *meta = kcctl_member_object (
          kcctl_member_object (row, "object"), "metadata");
      GPtrArray *line = g_ptr_array_new ();
      if (ns_column)
        g_ptr_array_add (
            line, g_strdup (kcctl_member_string (meta, "namespace", "")));
      for (guint c = 0; c < ncols; c++)
        {
          JsonObject *def = json_array_get_object_element (defs, c);
          if (member_int (def, "priority") > 0 && !wide)
            continue;
          g_ptr_array_add (
              line, cell_text (cells && c < json_array_get_length (cells)
                                   ? json_array_get_element (cells, c)
                                   : NULL));
        }
      if (labels)
        g_ptr_array_add (line, labels_text (meta));
      g_ptr_array_add (line, NULL);
      g_ptr_array_add (out, g_ptr_array_free (line, FALSE));
    }
  /* Watch output: rows printed later stay under the header. */
  print_columns (out, !header);
}

/* Frees the column widths at exit (for leak checkers). */
static void __attribute__ ((destructor)) printer_cleanup (void)
{
  g_clear_pointer (&widths, g_array_unref);
}
