/* describe: an object's identity, its spec and status in readable form,
 * its conditions as a table, and the events that involve it. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>
#include <string.h>

/* @sep: "=" for labels, ": " for annotations, as kubectl prints them.
 * The last-applied annotation is apply's bookkeeping and is left out. */
static void
print_map (const char *title, JsonObject *map, const char *sep)
{
  int width = (int)strlen (title) + 1;
  printf ("%s:%*s", title, MAX (1, 14 - width), "");
  g_autoptr (GList) keys = map ? json_object_get_members (map) : NULL;
  GList *skip = g_list_find_custom (
      keys, "kubectl.kubernetes.io/last-applied-configuration",
      (GCompareFunc)g_strcmp0);
  if (skip)
    keys = g_list_delete_link (keys, skip);
  if (keys == NULL)
    {
      printf ("<none>\n");
      return;
    }
  keys = g_list_sort (keys, (GCompareFunc)g_strcmp0);
  gboolean first = TRUE;
  for (GList *k = keys; k; k = k->next)
    {
      JsonNode *v = json_object_get_member (map, k->data);
      g_autofree char *text
          = JSON_NODE_HOLDS_VALUE (v)
                    && json_node_get_value_type (v) == G_TYPE_STRING
                ? g_strdup (json_node_get_string (v))
                : json_to_string (v, FALSE);
      printf ("%s%s%s%s\n", first ? "" : "              ",
              (const char *)k->data, sep, text);
      first = FALSE;
    }
}

static void
print_field (const char *title, const char *value)
{
  int width = (int)strlen (title) + 1;
  printf ("%s:%*s%s\n", title, MAX (1, 14 - width), "",
          value ? value : "<none>");
}

static void
print_conditions (JsonObject *status)
{
  JsonArray *conds = kcctl_member_array (status, "conditions");
  if (conds == NULL || json_array_get_length (conds) == 0)
    return;
  printf ("Conditions:\n");
  g_autoptr (GPtrArray) rows
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  char *header[] = { "  Type", "Status", "Reason", "Message", NULL };
  g_ptr_array_add (rows, g_strdupv (header));
  for (guint i = 0; i < json_array_get_length (conds); i++)
    {
      JsonObject *c = json_array_get_object_element (conds, i);
      char **row = g_new0 (char *, 5);
      row[0] = g_strdup_printf ("  %s", kcctl_member_string (c, "type", ""));
      row[1] = g_strdup (kcctl_member_string (c, "status", ""));
      row[2] = g_strdup (kcctl_member_string (c, "reason", ""));
      row[3] = g_strdup (kcctl_member_string (c, "message", ""));
      g_ptr_array_add (rows, row);
    }
  kcctl_print_columns (rows);
}

static const char *
event_time (JsonObject *e)
{
  const char *t = kcctl_member_string (e, "lastTimestamp", NULL);
  if (t == NULL)
    t = kcctl_member_string (e, "eventTime", NULL);
  if (t == NULL)
    t = kcctl_member_string (e, "firstTimestamp", NULL);
  if (t == NULL)
    t = kcctl_member_string (kcctl_member_object (e, "metadata"),
                             "creationTimestamp", NULL);
  return t;
}

static gint
by_time (gconstpointer a, gconstpointer b)
{
  JsonObject *ea = json_node_get_object (*(JsonNode **)a);
  JsonObject *eb = json_node_get_object (*(JsonNode **)b);
  return g_strcmp0 (event_time (ea), event_time (eb));
}

static void
print_events (const char *ns, const char *name, const char *uid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcResource) events = kc_resource_new ("", "v1", "events");
  g_autoptr (KcListOptions) o = kc_list_options_new ();
  g_autofree char *fs = ns ? g_strdup_printf ("involvedObject.name=%s,"
                                              "involvedObject.namespace=%s",
                                              name, ns)
                           : g_strdup_printf ("involvedObject.name=%s", name);
  kc_list_options_set_field_selector (o, fs);
  g_autoptr (JsonNode) list = kcctl_list (events, ns, o, &error);
  if (list == NULL)
    {
      printf ("Events:        <unable to list events: %s>\n", error->message);
      return;
    }
  JsonArray *items = kcctl_member_array (json_node_get_object (list), "items");
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonNode *e = json_array_get_element (items, i);
      /* Another object of the same name that was deleted and recreated
       * is not this one. */
      const char *euid = kcctl_member_string (
          kcctl_member_object (json_node_get_object (e), "involvedObject"),
          "uid", NULL);
      if (uid && euid && *euid && strcmp (uid, euid) != 0)
        continue;
      g_ptr_array_add (sorted, e);
    }
  if (sorted->len == 0)
    {
      printf ("Events:        <none>\n");
      return;
    }
  g_ptr_array_sort (sorted, by_time);
  printf ("Events:\n");
  g_autoptr (GPtrArray) rows
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  char *header[] = { "  Type", "Reason", "Age", "From", "Message", NULL };
  g_ptr_array_add (rows, g_strdupv (header));
  char *rule[] = { "  ----", "------", "---", "----", "-------", NULL };
  g_ptr_array_add (rows, g_strdupv (rule));
  for (guint i = 0; i < sorted->len; i++)
    {
      JsonObject *e = json_node_get_object (sorted->pdata[i]);
      JsonObject *source = kcctl_member_object (e, "source");
      const char *from = kcctl_member_string (source, "component", NULL);
      if (from == NULL)
        from = kcctl_member_string (e, "reportingComponent", "");
      char **row = g_new0 (char *, 6);
      row[0] = g_strdup_printf ("  %s", kcctl_member_string (e, "type", ""));
      row[1] = g_strdup (kcctl_member_string (e, "reason", ""));
      row[2] = kcctl_age (event_time (e));
      row[3] = g_strdup (from);
      row[4] = g_strdup (kcctl_member_string (e, "message", ""));
      g_ptr_array_add (rows, row);
    }
  kcctl_print_columns (rows);
}

static void
print_section (const char *title, JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)
      || json_object_get_size (json_node_get_object (node)) == 0)
    return;
  g_autoptr (JsonNode) copy = kcctl_json_copy (node);
  /* Conditions get their own table. */
  json_object_remove_member (json_node_get_object (copy), "conditions");
  if (json_object_get_size (json_node_get_object (copy)) == 0)
    return;
  printf ("%s:\n", title);
  kcctl_print_yaml (copy, 2);
}

static gboolean
describe_one (const KcctlApiResource *r, const char *ns, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) obj = kcctl_get (r->resource, ns, name, NULL, &error);
  if (obj == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }
  JsonObject *o = json_node_get_object (obj);
  JsonObject *meta = kcctl_member_object (o, "metadata");
  print_field ("Name", name);
  if (r->namespaced)
    print_field ("Namespace", ns);
  print_field ("Kind", r->kind);
  print_map ("Labels", kcctl_member_object (meta, "labels"), "=");
  print_map ("Annotations", kcctl_member_object (meta, "annotations"), ": ");
  print_field ("CreationTimestamp",
               kcctl_member_string (meta, "creationTimestamp", NULL));
  print_field ("UID", kcctl_member_string (meta, "uid", NULL));
  print_section ("Spec", json_object_get_member (o, "spec"));
  print_section ("Data", json_object_get_member (o, "data"));
  print_section ("Status", json_object_get_member (o, "status"));
  print_conditions (kcctl_member_object (o, "status"));
  if (strcmp (r->name, "events") != 0)
    print_events (ns, name, kcctl_member_string (meta, "uid", NULL));
  return TRUE;
}

int
kcctl_cmd_describe (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = NULL;
  if (!kcctl_parse_args (&argc, &argv, "TYPE[/NAME] [NAME...]",
                         "Show objects, their conditions and events.", NULL))
    return KCCTL_EXIT_ERROR;
  const KcctlApiResource *r = kcctl_resolve_args (argc, argv, &names, &error);
  if (r == NULL)
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  if (names->len == 0)
    {
      kcctl_error ("give the name of the %s to describe", r->singular);
      return KCCTL_EXIT_ERROR;
    }
  int rc = KCCTL_EXIT_OK;
  for (guint i = 0; i < names->len; i++)
    {
      if (i > 0)
        printf ("\n\n");
      if (!describe_one (r, kcctl_namespace_for (r, NULL), names->pdata[i]))
        rc = KCCTL_EXIT_ERROR;
    }
  fflush (stdout);
  return rc;
}
