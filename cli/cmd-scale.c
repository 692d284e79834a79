/* scale: sets spec.replicas through the scale subresource, as kubectl
 * does, so it works for any resource that has one. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>

static gint64 replicas = -1;
static gint64 current_replicas = -1;

static const GOptionEntry entries[]
    = { { "replicas", 0, 0, G_OPTION_ARG_INT64, &replicas,
          "The new number of replicas (required)", "N" },
        { "current-replicas", 0, 0, G_OPTION_ARG_INT64, &current_replicas,
          "Only scale when the current number of replicas is this", "N" },
        { NULL } };

static gboolean
scale_one (const KcctlApiResource *r, const char *ns, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *display = kcctl_resource_display (r);
  if (current_replicas >= 0)
    {
      g_autoptr (JsonNode) scale
          = kcctl_get (r->resource, ns, name, "scale", &error);
      if (scale == NULL)
        {
          kcctl_print_error (error);
          return FALSE;
        }
      JsonObject *spec
          = kcctl_member_object (json_node_get_object (scale), "spec");
      gint64 now
          = spec
                ? json_object_get_int_member_with_default (spec, "replicas", 0)
                : 0;
      if (now != current_replicas)
        {
          kcctl_error ("expected %s/%s to have %" G_GINT64_FORMAT
                       " replicas, it has %" G_GINT64_FORMAT,
                       display, name, current_replicas, now);
          return FALSE;
        }
    }
  g_autofree char *text = g_strdup_printf (
      "{\"spec\":{\"replicas\":%" G_GINT64_FORMAT "}}", replicas);
  g_autoptr (JsonNode) patch = json_from_string (text, NULL);
  g_autoptr (JsonNode) result = kcctl_patch (r->resource, ns, name, "scale",
                                             KC_PATCH_MERGE, patch, &error);
  if (result == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }
  printf ("%s/%s scaled\n", display, name);
  return TRUE;
}

int
kcctl_cmd_scale (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = NULL;
  if (!kcctl_parse_args (&argc, &argv, "TYPE/NAME --replicas=N",
                         "Set the number of replicas.", entries))
    return KCCTL_EXIT_ERROR;
  if (replicas < 0)
    {
      kcctl_error ("--replicas=N is required, N >= 0");
      return KCCTL_EXIT_ERROR;
    }
  const KcctlApiResource *r = kcctl_resolve_args (argc, argv, &names, &error);
  if (r == NULL)
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  if (names->len == 0)
    {
      kcctl_error ("give the name of the %s to scale", r->singular);
      return KCCTL_EXIT_ERROR;
    }
  int rc = KCCTL_EXIT_OK;
  for (guint i = 0; i < names->len; i++)
    if (!scale_one (r, kcctl_namespace_for (r, NULL), names->pdata[i]))
      rc = KCCTL_EXIT_ERROR;
  fflush (stdout);
  return rc;
}
