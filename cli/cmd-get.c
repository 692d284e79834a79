/* get: list objects or show some, as a table (-o wide adds columns),
 * JSON, YAML or names; -w then follows changes from the list's
 * resourceVersion until interrupted or --timeout.  Tables are the
 * server's own (Accept: KC_CLIENT_ACCEPT_TABLE, for lists, single objects
 * and watches alike); the other formats use the plain objects.
 *
 * Several types at once (get deploy,svc; get pod/a svc/b) print as
 * kubectl prints them: a table per type with TYPE/NAME names, or one v1
 * List of everything; they cannot be watched. */
#include "build-config.h"

#include "kcorectl.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static char *output;
static char *selector;
static char *field_selector;
static gboolean watch;
static gboolean watch_only;
static gboolean show_labels;
static char *timeout_text;

static const GOptionEntry entries[]
    = { { "output", 'o', 0, G_OPTION_ARG_STRING, &output,
          "Output format: wide, json, yaml or name", "FORMAT" },
        { "selector", 'l', 0, G_OPTION_ARG_STRING, &selector,
          "Label selector (e.g. app=web,tier!=db)", "SELECTOR" },
        { "field-selector", 0, 0, G_OPTION_ARG_STRING, &field_selector,
          "Field selector (e.g. spec.nodeName=n1)", "SELECTOR" },
        { "watch", 'w', 0, G_OPTION_ARG_NONE, &watch,
          "After listing, watch for changes", NULL },
        { "watch-only", 0, 0, G_OPTION_ARG_NONE, &watch_only,
          "Watch for changes without listing first", NULL },
        { "show-labels", 0, 0, G_OPTION_ARG_NONE, &show_labels,
          "Show the labels as the last column", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
          "Stop watching after this long (e.g. 10s)", "DURATION" },
        { NULL } };

typedef struct
{
  const KcctlApiResource *r;
  const char *ns; /* NULL: all namespaces */
  gboolean header_printed;
  JsonArray *columns; /* the server's columnDefinitions, once seen */
  KcWatch *watch;
  char *resource_version;
  KcListOptions *options;
  guint restart_id;
  int rc;
} GetState;

static void
clear_options (void)
{
  g_clear_pointer (&output, g_free);
  g_clear_pointer (&selector, g_free);
  g_clear_pointer (&field_selector, g_free);
  g_clear_pointer (&timeout_text, g_free);
}

static gboolean
table_output (void)
{
  return output == NULL || strcmp (output, "wide") == 0;
}

/* Items of a list lack apiVersion and kind; kubectl fills them in. */
static void
fill_type (const KcctlApiResource *r, JsonNode *obj)
{
  JsonObject *o = json_node_get_object (obj);
  g_autofree char *api_version
      = r->group[0] ? g_strdup_printf ("%s/%s", r->group, r->version)
                    : g_strdup (r->version);
  if (!json_object_has_member (o, "apiVersion"))
    json_object_set_string_member (o, "apiVersion", api_version);
  if (!json_object_has_member (o, "kind"))
    json_object_set_string_member (o, "kind", r->kind);
}

/* Keeps the columns of @table when it has them: only the first Table of
 * a watch carries them. */
static void
take_columns (GetState *s, JsonNode *table)
{
  JsonArray *columns = kcctl_member_array (json_node_get_object (table),
                                           "columnDefinitions");
  if (columns == NULL)
    return;
  g_clear_pointer (&s->columns, json_array_unref);
  s->columns = json_array_ref (columns);
}

/* The server answered with a plain object: it prints no tables. */
static gboolean
check_table (JsonNode *node, GError **error)
{
  if (node && JSON_NODE_HOLDS_OBJECT (node)
      && g_strcmp0 (kcctl_member_string (json_node_get_object (node), "kind",
                                         NULL), "Table") == 0)
    return TRUE;
  g_set_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_PARSE,
               "the API server sent no Table (kind meta.k8s.io/v1 Table); "
               "use -o yaml, -o json or -o name with this server");
  return FALSE;
}

static void
print_rows (GetState *s, JsonArray *rows)
{
  if (s->columns == NULL)
    return;
  kcctl_table_print (s->columns, rows, !s->header_printed, output != NULL,
                     s->ns == NULL && s->r->namespaced, show_labels);
  s->header_printed = TRUE;
}

static void
print_objects (GetState *s, JsonArray *objects, gboolean as_list)
{
  if (strcmp (output, "name") == 0)
    {
      g_autofree char *display = kcctl_resource_display (s->r);
      for (guint i = 0; i < json_array_get_length (objects); i++)
        printf ("%s/%s\n", display,
                kc_object_get_name (json_array_get_element (objects, i)));
      fflush (stdout);
      return;
    }
  g_autoptr (JsonNode) node = NULL;
  if (as_list)
    {
      JsonObject *list = json_object_new ();
      json_object_set_string_member (list, "apiVersion", "v1");
      json_object_set_array_member (list, "items", json_array_ref (objects));
      json_object_set_string_member (list, "kind", "List");
      JsonObject *meta = json_object_new ();
      json_object_set_string_member (meta, "resourceVersion", "");
      json_object_set_object_member (list, "metadata", meta);
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, list);
    }
  else
    node = json_node_ref (json_array_get_element (objects, 0));
  if (strcmp (output, "json") == 0)
    kcctl_print_json (node);
  else
    {
      if (s->header_printed)
        printf ("---\n");
      kcctl_print_yaml (node, 0);
    }
  s->header_printed = TRUE;
  fflush (stdout);
}

/* ---- watch
 * ------------------------------------------------------------------ */

static void start_watch (GetState *s);

static gboolean
restart_watch (gpointer data)
{
  GetState *s = data;
  s->restart_id = 0;
  start_watch (s);
  return G_SOURCE_REMOVE;
}

static void
on_event (KcWatch *w, const char *type, JsonNode *object, gpointer data)
{
  GetState *s = data;
  if (strcmp (type, "ERROR") == 0)
    {
      JsonObject *st = json_node_get_object (object);
      kcctl_error ("the watch failed: %s",
                   kcctl_member_string (st, "message", "unknown error"));
      s->rc = KCCTL_EXIT_ERROR;
      g_main_loop_quit (kcctl_loop ());
      return;
    }
  const char *rv = kc_object_get_resource_version (object);
  if (rv)
    {
      g_free (s->resource_version);
      s->resource_version = g_strdup (rv);
    }
  if (strcmp (type, "BOOKMARK") == 0)
    return;
  if (table_output ())
    {
      g_autoptr (GError) error = NULL;
      if (!check_table (object, &error))
        {
          kcctl_print_error (error);
          s->rc = KCCTL_EXIT_ERROR;
          g_main_loop_quit (kcctl_loop ());
          return;
        }
      take_columns (s, object);
      print_rows (s, kcctl_member_array (json_node_get_object (object),
                                         "rows"));
      return;
    }
  g_autoptr (JsonArray) one = json_array_new ();
  json_array_add_element (one, json_node_ref (object));
  fill_type (s->r, object);
  print_objects (s, one, FALSE);
}

static void
on_done (KcWatch *w, const GError *error, gpointer data)
{
  GetState *s = data;
  if (error)
    {
      kcctl_print_error (error);
      s->rc = KCCTL_EXIT_ERROR;
      g_main_loop_quit (kcctl_loop ());
      return;
    }
  /* The server ended the stream (its own timeout): carry on from where
   * it stopped, once this callback has returned. */
  if (s->restart_id == 0)
    s->restart_id = g_idle_add (restart_watch, s);
}

static void
start_watch (GetState *s)
{
  KcWatch *old = s->watch;
  kc_list_options_set_resource_version (s->options, s->resource_version);
  s->watch = kc_client_watch_full (kcctl_client (), s->r->resource, s->ns,
                                   s->options,
                                   table_output () ? KC_CLIENT_ACCEPT_TABLE
                                                   : NULL,
                                   on_event, on_done, s, NULL);
  if (old)
    {
      kc_watch_stop (old);
      kc_watch_unref (old);
    }
}

static gboolean
on_stop (gpointer data)
{
  g_main_loop_quit (kcctl_loop ());
  return G_SOURCE_CONTINUE;
}

static int
run_watch (GetState *s)
{
  gint64 ms = 0;
  if (timeout_text && (ms = kcctl_parse_duration_ms (timeout_text)) < 0)
    {
      kcctl_error ("--timeout=%s: expected a duration such as 30s or 2m",
                   timeout_text);
      return KCCTL_EXIT_ERROR;
    }
  start_watch (s);
  guint sigint = g_unix_signal_add (SIGINT, on_stop, NULL);
  guint sigterm = g_unix_signal_add (SIGTERM, on_stop, NULL);
  guint timer = ms > 0 ? g_timeout_add ((guint)ms, on_stop, NULL) : 0;
  g_main_loop_run (kcctl_loop ());
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (timer)
    g_source_remove (timer);
  g_clear_handle_id (&s->restart_id, g_source_remove);
  kc_watch_stop (s->watch);
  g_clear_pointer (&s->watch, kc_watch_unref);
  return s->rc;
}

/* ---- get
 * ---------------------------------------------------------------------- */

static JsonArray *
get_named (GetState *s, GPtrArray *names)
{
  JsonArray *objects = json_array_new ();
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr (GError) error = NULL;
      JsonNode *obj
          = kcctl_get (s->r->resource, s->ns, names->pdata[i], NULL, &error);
      if (obj == NULL)
        {
          kcctl_print_error (error);
          s->rc = KCCTL_EXIT_ERROR;
          continue;
        }
      fill_type (s->r, obj);
      json_array_add_element (objects, obj);
    }
  return objects;
}

static JsonArray *
get_list (GetState *s)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list
      = kcctl_list (s->r->resource, s->ns, s->options, &error);
  if (list == NULL)
    {
      kcctl_print_error (error);
      s->rc = KCCTL_EXIT_ERROR;
      return NULL;
    }
  JsonObject *l = json_node_get_object (list);
  s->resource_version = g_strdup (kcctl_member_string (
      kcctl_member_object (l, "metadata"), "resourceVersion", NULL));
  JsonArray *items = kcctl_member_array (l, "items");
  JsonArray *objects = json_array_new ();
  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonNode *obj = json_array_get_element (items, i);
      fill_type (s->r, obj);
      json_array_add_element (objects, json_node_ref (obj));
    }
  return objects;
}

/* ---- get as the server's tables
 * ------------------------------------------------------ */

static JsonNode *
get_table (const char *path, GError **error)
{
  g_autoptr (JsonNode) table
      = kcctl_request_accept ("GET", path, KC_CLIENT_ACCEPT_TABLE, error);
  if (table == NULL || !check_table (table, error))
    return NULL;
  return g_steal_pointer (&table);
}

/* The rows of every named object, in the order named. */
static JsonArray *
get_named_rows (GetState *s, GPtrArray *names)
{
  JsonArray *rows = json_array_new ();
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = kc_resource_build_path (s->r->resource, s->ns,
                                                      names->pdata[i], NULL);
      g_autoptr (JsonNode) table = get_table (path, &error);
      if (table == NULL)
        {
          kcctl_print_error (error);
          s->rc = KCCTL_EXIT_ERROR;
          continue;
        }
      take_columns (s, table);
      JsonArray *got = kcctl_member_array (json_node_get_object (table),
                                           "rows");
      for (guint r = 0; got && r < json_array_get_length (got); r++)
        json_array_add_element (rows, json_node_ref (json_array_get_element (
                                          got, r)));
    }
  return rows;
}

static JsonArray *
get_list_rows (GetState *s)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *base = kc_resource_build_path (s->r->resource, s->ns,
                                                  NULL, NULL);
  g_autofree char *query = kc_list_options_to_query (s->options, FALSE);
  g_autofree char *path = *query ? g_strconcat (base, "?", query, NULL)
                                 : g_strdup (base);
  g_autoptr (JsonNode) table = get_table (path, &error);
  if (table == NULL)
    {
      kcctl_print_error (error);
      s->rc = KCCTL_EXIT_ERROR;
      return NULL;
    }
  JsonObject *t = json_node_get_object (table);
  s->resource_version = g_strdup (kcctl_member_string (
      kcctl_member_object (t, "metadata"), "resourceVersion", NULL));
  take_columns (s, table);
  JsonArray *rows = kcctl_member_array (t, "rows");
  return rows ? json_array_ref (rows) : json_array_new ();
}

static int
run_get_table (GetState *s, GPtrArray *names)
{
  g_autoptr (JsonArray) rows = NULL;
  if (names->len > 0 && !watch)
    rows = get_named_rows (s, names);
  else
    rows = get_list_rows (s);
  if (rows == NULL)
    return KCCTL_EXIT_ERROR;
  if (json_array_get_length (rows) > 0)
    print_rows (s, rows);
  else if (names->len == 0)
    {
      if (s->ns)
        fprintf (stderr, "No resources found in %s namespace.\n", s->ns);
      else
        fprintf (stderr, "No resources found\n");
    }
  if (watch)
    return run_watch (s);
  return s->rc;
}

static gboolean
check_output (void)
{
  if (output && strcmp (output, "wide") != 0 && strcmp (output, "json") != 0
      && strcmp (output, "yaml") != 0 && strcmp (output, "name") != 0)
    {
      kcctl_error ("unable to match a printer suitable for the output "
                   "format \"%s\", allowed formats are: json, name, wide, "
                   "yaml",
                   output);
      return FALSE;
    }
  return TRUE;
}

static int
run_get (GetState *s, GPtrArray *names)
{
  if (names->len > 0 && (watch || watch_only))
    {
      if (names->len > 1)
        {
          kcctl_error ("you may only watch one object by name");
          return KCCTL_EXIT_ERROR;
        }
      g_autofree char *fs = g_strdup_printf ("metadata.name=%s",
                                             (const char *)names->pdata[0]);
      kc_list_options_set_field_selector (s->options, fs);
    }
  /* --watch-only tables: the header comes with the first event, whose
   * Table is the first to carry the server's columns. */
  if (watch_only)
    return run_watch (s);
  if (table_output ())
    return run_get_table (s, names);

  g_autoptr (JsonArray) objects = NULL;
  if (names->len > 0 && !watch)
    objects = get_named (s, names);
  else
    objects = get_list (s);
  if (objects == NULL)
    return KCCTL_EXIT_ERROR;
  if (json_array_get_length (objects) == 0)
    {
      if (names->len == 0 && strcmp (output, "name") != 0)
        print_objects (s, objects, TRUE);
    }
  else
    print_objects (s, objects, names->len != 1 || watch);
  if (watch)
    return run_watch (s);
  return s->rc;
}

/* ---- several types: get deploy,svc  /  get pod/a svc/b
 * ----------------------------------------------------------------- */

static void
state_init (GetState *s, const KcctlTarget *t)
{
  *s = (GetState){ .r = t->r, .options = kc_list_options_new () };
  s->ns = kcctl_global.all_namespaces && t->names->len == 0
              ? NULL
              : kcctl_namespace_for (t->r, NULL);
  kc_list_options_set_label_selector (s->options, selector);
  kc_list_options_set_field_selector (s->options, field_selector);
}

static void
state_clear (GetState *s)
{
  kc_list_options_free (s->options);
  g_free (s->resource_version);
  g_clear_pointer (&s->columns, json_array_unref);
}

/* The index of the NAME column, or -1. */
static gint
name_column (GetState *s)
{
  for (guint c = 0; s->columns && c < json_array_get_length (s->columns);
       c++)
    {
      JsonObject *def = json_array_get_object_element (s->columns, c);
      if (g_strcmp0 (kcctl_member_string (def, "format", NULL), "name") == 0
          || g_ascii_strcasecmp (kcctl_member_string (def, "name", ""),
                                 "name")
                 == 0)
        return (gint) c;
    }
  return -1;
}

/* @rows with their NAME cells as TYPE/NAME, as kubectl prints them when
 * several types share the output.  The client library's nodes are
 * read-only, so the rows are copied.  (transfer full) */
static JsonArray *
prefix_names (GetState *s, JsonArray *rows)
{
  gint at = name_column (s);
  g_autofree char *display = kcctl_resource_display (s->r);
  JsonArray *out = json_array_new ();
  for (guint r = 0; r < json_array_get_length (rows); r++)
    {
      JsonNode *row = kcctl_json_copy (json_array_get_element (rows, r));
      json_array_add_element (out, row);
      JsonArray *cells = JSON_NODE_HOLDS_OBJECT (row)
                             ? kcctl_member_array (json_node_get_object (row),
                                                   "cells")
                             : NULL;
      if (at < 0 || cells == NULL
          || (guint) at >= json_array_get_length (cells))
        continue;
      JsonNode *cell = json_array_get_element (cells, (guint) at);
      if (!JSON_NODE_HOLDS_VALUE (cell)
          || json_node_get_value_type (cell) != G_TYPE_STRING)
        continue;
      g_autofree char *name
          = g_strdup_printf ("%s/%s", display, json_node_get_string (cell));
      json_node_set_string (cell, name);
    }
  return out;
}

static void
print_nothing_found (GPtrArray *targets)
{
  gboolean namespaced = FALSE;
  const char *ns = NULL;
  for (guint i = 0; i < targets->len; i++)
    {
      const KcctlTarget *t = targets->pdata[i];
      if (t->names->len > 0)
        return; /* the NotFound errors said it */
      if (t->r->namespaced && !kcctl_global.all_namespaces)
        namespaced = TRUE, ns = kcctl_namespace_for (t->r, NULL);
    }
  if (namespaced)
    fprintf (stderr, "No resources found in %s namespace.\n", ns);
  else
    fprintf (stderr, "No resources found\n");
}

/* One table per type, a blank line between them; types with nothing to
 * show print nothing. */
static int
run_multi_table (GPtrArray *targets)
{
  int rc = KCCTL_EXIT_OK;
  gboolean printed = FALSE;
  for (guint i = 0; i < targets->len; i++)
    {
      const KcctlTarget *t = targets->pdata[i];
      GetState s;
      state_init (&s, t);
      g_autoptr (JsonArray) rows = t->names->len > 0
                                       ? get_named_rows (&s, t->names)
                                       : get_list_rows (&s);
      if (rows && json_array_get_length (rows) > 0)
        {
          g_autoptr (JsonArray) named = prefix_names (&s, rows);
          if (printed)
            printf ("\n");
          print_rows (&s, named);
          printed = TRUE;
        }
      if (rows == NULL || s.rc != KCCTL_EXIT_OK)
        rc = KCCTL_EXIT_ERROR;
      state_clear (&s);
    }
  if (!printed)
    print_nothing_found (targets);
  fflush (stdout);
  return rc;
}

/* -o name: TYPE/NAME lines; -o json|yaml: one v1 List of every object. */
static int
run_multi_objects (GPtrArray *targets)
{
  int rc = KCCTL_EXIT_OK;
  g_autoptr (JsonArray) all = json_array_new ();
  GetState list_state = { 0 }; /* prints the List */
  for (guint i = 0; i < targets->len; i++)
    {
      const KcctlTarget *t = targets->pdata[i];
      GetState s;
      state_init (&s, t);
      g_autoptr (JsonArray) objects = t->names->len > 0
                                          ? get_named (&s, t->names)
                                          : get_list (&s);
      if (objects == NULL || s.rc != KCCTL_EXIT_OK)
        rc = KCCTL_EXIT_ERROR;
      if (objects && strcmp (output, "name") == 0)
        print_objects (&s, objects, TRUE);
      else
        for (guint o = 0; objects && o < json_array_get_length (objects); o++)
          json_array_add_element (
              all, json_node_ref (json_array_get_element (objects, o)));
      state_clear (&s);
    }
  if (strcmp (output, "name") != 0)
    print_objects (&list_state, all, TRUE);
  return rc;
}

static int
run_get_multi (GPtrArray *targets)
{
  if (watch || watch_only)
    {
      kcctl_error ("watch is only supported on individual resources and "
                   "resource collections, but %u resource types were given",
                   targets->len);
      return KCCTL_EXIT_ERROR;
    }
  if (table_output ())
    return run_multi_table (targets);
  return run_multi_objects (targets);
}

int
kcctl_cmd_get (int argc, char **argv)
{
  int rc = KCCTL_EXIT_ERROR;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) targets = NULL;
  if (kcctl_parse_args (&argc, &argv, "TYPE[,TYPE...] [NAME...] | "
                                      "TYPE/NAME...",
                        "List objects or show some.", entries)
      && check_output ())
    {
      targets = kcctl_resolve_targets (argc, argv, &error);
      if (targets == NULL)
        kcctl_print_error (error);
    }
  if (targets && targets->len > 1)
    rc = run_get_multi (targets);
  else if (targets)
    {
      const KcctlTarget *t = targets->pdata[0];
      GetState s;
      state_init (&s, t);
      rc = run_get (&s, t->names);
      state_clear (&s);
    }
  clear_options ();
  return rc;
}
