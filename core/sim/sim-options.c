/* kcore-sim's command line.  Errors name the option and what was wrong;
 * main() prints them and exits 2. */
#include "build-config.h"

#include "log.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char summary[]
    = "Registers hollow nodes with a kcore (or Kubernetes) API server,\n"
      "renews their leases, reports their status, and drives the pods bound\n"
      "to them through their lifecycle as a kubelet would, without running\n"
      "anything.\n"
      "\n"
      "SPEC = COUNT[,prefix=P][,cpu=QTY][,memory=QTY][,ephemeral-storage=QTY]"
      "\n"
      "       [,pods=N][,labels=K=V;K=V][,taints=K=V:Effect;K:Effect]"
      "[,zones=Z]\n"
      "       [,unschedulable]\n"
      "defaults: prefix=hollow-node-, cpu=32, memory=256Gi,\n"
      "ephemeral-storage=100Gi, pods=110.\n"
      "\n"
      "Pod annotations: kcore.io/sim-run-seconds (the containers exit after\n"
      "that long), kcore.io/sim-exit-code (their exit code, default 0),\n"
      "kcore.io/sim-log (the lines a container logs when it starts),\n"
      "kcore.io/sim-log-interval-seconds (then a tick line this often).\n"
      "See docs/kcore-sim.md.";

void
sim_options_clear (SimOptions *o)
{
  g_strfreev (o->servers);
  g_free (o->token);
  g_clear_pointer (&o->groups, g_ptr_array_unref);
  g_free (o->log_level);
  g_free (o->kubelet_listen);
  memset (o, 0, sizeof *o);
}

static gboolean
check_int (const char *option, gint value, gint min, guint *out,
           GError **error)
{
  if (value < min)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s %d: must be %d or more", option, value, min);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
check_servers (SimOptions *o, GError **error)
{
  if (o->servers == NULL || o->servers[0] == NULL)
    {
      const char *env = g_getenv ("KCORE_SERVER");
      if (env == NULL || *env == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "no API server: pass --server URL (e.g. --server "
                       "http://127.0.0.1:8080) or set KCORE_SERVER");
          return FALSE;
        }
      g_strfreev (o->servers);
      o->servers = g_new0 (char *, 2);
      o->servers[0] = g_strdup (env);
    }
  for (guint i = 0; o->servers[i]; i++)
    if (!g_str_has_prefix (o->servers[i], "http://")
        && !g_str_has_prefix (o->servers[i], "https://"))
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     "--server \"%s\": the URL must start with http:// or "
                     "https://", o->servers[i]);
        return FALSE;
      }
  return TRUE;
}

gboolean
sim_options_parse (SimOptions *o, int argc, char **argv, gboolean *exit_now,
                   GError **error)
{
  g_auto (GStrv) specs = NULL;
  gint lease = 10, status = 300, startup = 0, in_flight = 64;
  gboolean help = FALSE;
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING_ARRAY, &o->servers,
      "API server URL (repeat for fail-over; default $KCORE_SERVER)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &o->token,
      "Bearer token (default $KCORE_TOKEN)", "TOKEN" },
    { "nodes", 'n', 0, G_OPTION_ARG_STRING_ARRAY, &specs,
      "A group of hollow nodes (repeatable; see SPEC below)", "SPEC" },
    { "lease-renew-seconds", 0, 0, G_OPTION_ARG_INT, &lease,
      "Renew each node's Lease this often (default 10)", "S" },
    { "status-report-seconds", 0, 0, G_OPTION_ARG_INT, &status,
      "Report each node's status this often (default 300)", "S" },
    { "startup-ms", 0, 0, G_OPTION_ARG_INT, &startup,
      "A bound pod turns Running after this long (default 0)", "MS" },
    { "qps", 0, 0, G_OPTION_ARG_DOUBLE, &o->qps,
      "Requests per second to the API server (default 0 = unlimited)",
      "QPS" },
    { "max-in-flight", 0, 0, G_OPTION_ARG_INT, &in_flight,
      "Requests in flight at once (default 64)", "N" },
    { "delete-nodes-on-exit", 0, 0, G_OPTION_ARG_NONE,
      &o->delete_nodes_on_exit,
      "On SIGTERM/SIGINT delete the nodes and their leases first", NULL },
    { "kubelet-listen", 0, 0, G_OPTION_ARG_STRING, &o->kubelet_listen,
      "Serve the nodes' kubelet endpoint (container logs) on HOST:PORT, "
      "the nodes' InternalIP (default 127.0.0.1:0, a free port)",
      "HOST:PORT" },
    { "log-level", 0, 0, G_OPTION_ARG_STRING, &o->log_level,
      "error, warning, message (default), info or debug", "LEVEL" },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- hollow nodes "
                                                         "for kcore");
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, summary);

  *exit_now = FALSE;
  if (!g_option_context_parse (ctx, &argc, &argv, error))
    return FALSE;
  if (help)
    {
      g_autofree char *text = g_option_context_get_help (ctx, TRUE, NULL);
      fputs (text, stdout);
      *exit_now = TRUE;
      return TRUE;
    }
  if (argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unexpected argument \"%s\" (options only; see --help)",
                   argv[1]);
      return FALSE;
    }
  if (!check_int ("--lease-renew-seconds", lease, 1, &o->lease_renew_s, error)
      || !check_int ("--status-report-seconds", status, 1,
                     &o->status_report_s, error)
      || !check_int ("--startup-ms", startup, 0, &o->startup_ms, error)
      || !check_int ("--max-in-flight", in_flight, 1, &o->max_in_flight,
                     error))
    return FALSE;
  if (o->qps < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--qps %g: must be 0 (unlimited) or more", o->qps);
      return FALSE;
    }
  if (o->log_level && !kc_log_level_is_valid (o->log_level))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--log-level \"%s\": expected error, warning, message, "
                   "info or debug", o->log_level);
      return FALSE;
    }
  if (!check_servers (o, error))
    return FALSE;
  if (o->kubelet_listen)
    {
      g_autofree char *host = NULL;
      guint port = 0;
      if (!sim_kubelet_listen_parse (o->kubelet_listen, &host, &port, error))
        return FALSE;
    }
  if (o->token == NULL && g_getenv ("KCORE_TOKEN") && *g_getenv ("KCORE_TOKEN"))
    o->token = g_strdup (g_getenv ("KCORE_TOKEN"));

  if (specs == NULL || specs[0] == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "no nodes: pass at least one --nodes SPEC (e.g. --nodes "
                   "10,cpu=4,memory=16Gi)");
      return FALSE;
    }
  o->groups = g_ptr_array_new_with_free_func (
      (GDestroyNotify) sim_node_group_free);
  for (guint i = 0; specs[i]; i++)
    {
      SimNodeGroup *g = sim_node_group_parse (specs[i], error);
      if (g == NULL)
        return FALSE;
      g_ptr_array_add (o->groups, g);
    }
  return TRUE;
}
