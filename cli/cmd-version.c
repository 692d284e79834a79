/* version: this client's version and the server's /version. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>

static gboolean client_only;

static const GOptionEntry entries[]
    = { { "client", 0, 0, G_OPTION_ARG_NONE, &client_only,
          "Only the client's version (no request)", NULL },
        { NULL } };

int
kcctl_cmd_version (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (!kcctl_parse_args (&argc, &argv, NULL, "Client and server versions.",
                         entries))
    return KCCTL_EXIT_ERROR;
  printf ("Client Version: v%s (kcorectl)\n", PACKAGE_VERSION);
  fflush (stdout);
  if (client_only)
    return KCCTL_EXIT_OK;
  g_autoptr (JsonNode) v
      = kcctl_request ("GET", "/version", NULL, NULL, &error);
  if (v == NULL)
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  JsonObject *o = json_node_get_object (v);
  printf ("Server Version: %s\n",
          kcctl_member_string (o, "gitVersion", "unknown"));
  return KCCTL_EXIT_OK;
}
