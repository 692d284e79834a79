/* plugins: the plugins each running component loaded, as the components
 * report them in the ConfigMap kube-system/kcore-plugins (one key per
 * component, each a JSON array of {role, name, kind, interface, version,
 * path}). */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>

static gboolean show_path;

static const GOptionEntry entries[]
    = { { "paths", 0, 0, G_OPTION_ARG_NONE, &show_path,
          "Also show where each plugin was loaded from", NULL },
        { NULL } };

/* A member as text, whatever its JSON type. */
static char *
text_of (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (n));
  return json_to_string (n, FALSE);
}

static gboolean
add_component (GPtrArray *rows, const char *component, const char *value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = json_from_string (value, &error);
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      kcctl_error ("kube-system/kcore-plugins: the entry of %s is not a "
                   "JSON array of plugins%s%s",
                   component, error ? ": " : "", error ? error->message : "");
      return FALSE;
    }
  JsonArray *a = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *p
          = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      char **row = g_new0 (char *, 8);
      row[0] = g_strdup (component);
      row[1] = text_of (p, "role");
      row[2] = text_of (p, "name");
      row[3] = text_of (p, "kind");
      row[4] = text_of (p, "interface");
      row[5] = text_of (p, "version");
      if (show_path)
        row[6] = text_of (p, "path");
      g_ptr_array_add (rows, row);
    }
  return TRUE;
}

int
kcctl_cmd_plugins (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (!kcctl_parse_args (&argc, &argv, NULL,
                         "The plugins each running component loaded.",
                         entries))
    return KCCTL_EXIT_ERROR;
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  g_autoptr (JsonNode) cm
      = kcctl_get (cms, "kube-system", "kcore-plugins", NULL, &error);
  if (cm == NULL)
    {
      if (kcctl_is_not_found (error))
        {
          kcctl_error ("no component has reported its plugins yet "
                       "(kube-system/kcore-plugins does not exist)");
          return KCCTL_EXIT_ERROR;
        }
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  JsonObject *data = kcctl_member_object (json_node_get_object (cm), "data");
  g_autoptr (GPtrArray) rows
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  char *header[] = { "COMPONENT",
                     "ROLE",
                     "PLUGIN",
                     "KIND",
                     "INTERFACE",
                     "VERSION",
                     show_path ? "PATH" : NULL,
                     NULL };
  g_ptr_array_add (rows, g_strdupv (header));
  g_autoptr (GList) keys = data ? json_object_get_members (data) : NULL;
  keys = g_list_sort (keys, (GCompareFunc)g_strcmp0);
  int rc = KCCTL_EXIT_OK;
  for (GList *k = keys; k; k = k->next)
    if (!add_component (rows, k->data,
                        kcctl_member_string (data, k->data, "")))
      rc = KCCTL_EXIT_ERROR;
  kcctl_print_columns (rows);
  return rc;
}
