/* logs: a container's log from pods/NAME/log.
 *
 * The log is text (text/plain), printed as the server sent it; errors from
 * the server (no agent yet, unknown container) are Status objects and
 * print as kubectl prints them. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>
#include <string.h>

static gboolean follow;
static gint64 tail = -1;
static char *container;

static const GOptionEntry entries[]
    = { { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow, "Stream the log",
          NULL },
        { "tail", 0, 0, G_OPTION_ARG_INT64, &tail,
          "Only the last N lines (-1: all)", "N" },
        { "container", 'c', 0, G_OPTION_ARG_STRING, &container,
          "The container (default: the pod's only container)", "NAME" },
        { NULL } };

static int
run_logs (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (argc != 2 && argc != 3)
    {
      kcctl_error ("expected POD [CONTAINER] (or pod/POD)");
      return KCCTL_EXIT_ERROR;
    }
  const char *pod = argv[1];
  if (g_str_has_prefix (pod, "pod/") || g_str_has_prefix (pod, "pods/")
      || g_str_has_prefix (pod, "po/"))
    pod = strchr (pod, '/') + 1;
  const char *c = argc == 3 ? argv[2] : container;
  const char *ns = kcctl_global.namespace ? kcctl_global.namespace : "default";
  g_autoptr (KcResource) pods = kc_resource_new ("", "v1", "pods");
  g_autofree char *base = kc_resource_build_path (pods, ns, pod, "log");
  g_autoptr (GString) path = g_string_new (base);
  char sep = '?';
  if (follow)
    {
      g_string_append_printf (path, "%cfollow=true", sep);
      sep = '&';
    }
  if (tail >= 0)
    {
      g_string_append_printf (path, "%ctailLines=%" G_GINT64_FORMAT, sep,
                              tail);
      sep = '&';
    }
  if (c)
    {
      g_autofree char *escaped = g_uri_escape_string (c, NULL, FALSE);
      g_string_append_printf (path, "%ccontainer=%s", sep, escaped);
    }
  g_autoptr (GBytes) body = kcctl_request_bytes (
      "GET", path->str, "text/plain, */*", NULL, &error);
  if (body == NULL)
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  if (len > 0)
    fwrite (data, 1, len, stdout);
  fflush (stdout);
  return KCCTL_EXIT_OK;
}

int
kcctl_cmd_logs (int argc, char **argv)
{
  int rc = KCCTL_EXIT_ERROR;
  if (kcctl_parse_args (&argc, &argv, "POD [CONTAINER]",
                        "Print a container's log.", entries))
    rc = run_logs (argc, argv);
  g_clear_pointer (&container, g_free);
  return rc;
}
