/* api-resources: what the server serves, from discovery. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>

int
kcctl_cmd_api_resources (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (!kcctl_parse_args (&argc, &argv, NULL,
                         "The resources the server serves.", NULL))
    return KCCTL_EXIT_ERROR;
  GPtrArray *all = kcctl_discovery (&error);
  if (all == NULL)
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  g_autoptr (GPtrArray) rows
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  char *header[]
      = { "NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", NULL };
  g_ptr_array_add (rows, g_strdupv (header));
  for (guint i = 0; i < all->len; i++)
    {
      const KcctlApiResource *r = all->pdata[i];
      char **row = g_new0 (char *, 6);
      row[0] = g_strdup (r->name);
      row[1] = g_strjoinv (",", r->short_names);
      row[2] = r->group[0] ? g_strdup_printf ("%s/%s", r->group, r->version)
                           : g_strdup (r->version);
      row[3] = g_strdup (r->namespaced ? "true" : "false");
      row[4] = g_strdup (r->kind);
      g_ptr_array_add (rows, row);
    }
  kcctl_print_columns (rows);
  return KCCTL_EXIT_OK;
}
