/* kcorectl: finds the command, sets up the client, runs the command. */
#include "build-config.h"

#include "kcorectl.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  const char *name;
  KcctlCommandFunc func;
  const char *help;
} Command;

static const Command commands[] = {
  { "apply", kcctl_cmd_apply,
    "Create or update objects from manifests (-f FILE|DIR|-)" },
  { "create", kcctl_cmd_create, "Create objects from manifests" },
  { "get", kcctl_cmd_get, "List objects or show one" },
  { "describe", kcctl_cmd_describe,
    "Show an object, its conditions and its events" },
  { "delete", kcctl_cmd_delete, "Delete objects" },
  { "logs", kcctl_cmd_logs, "Print a container's logs" },
  { "scale", kcctl_cmd_scale, "Set the replicas of a deployment" },
  { "rollout", kcctl_cmd_rollout,
    "rollout status: follow a deployment's rollout" },
  { "cordon", kcctl_cmd_cordon, "Mark a node unschedulable" },
  { "uncordon", kcctl_cmd_uncordon, "Mark a node schedulable" },
  { "drain", kcctl_cmd_drain, "Cordon a node and delete its pods" },
  { "version", kcctl_cmd_version, "Client and server versions" },
  { "api-resources", kcctl_cmd_api_resources,
    "The resources the server serves" },
  { "plugins", kcctl_cmd_plugins,
    "The plugins each running component loaded" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: kcorectl [GLOBAL OPTION...] COMMAND [ARGS...]\n\n"
                "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-15s %s\n", commands[i].name, commands[i].help);
  fprintf (out,
           "\nThe server: --server URL, else KCORE_SERVER, else server= in "
           "the [kcorectl] group\nof ~/.config/kcore/kcorectl.conf; the "
           "token likewise (--token, KCORE_TOKEN, token=), and the CA of an "
           "https server\n(--certificate-authority, KCORE_CA_FILE, "
           "certificate-authority=).\n"
           "See `kcorectl COMMAND --help` for a command's options.\n");
}

/* Global options that take a separate value ("-n NS"): their value is not
 * the command name. */
static gboolean
takes_value (const char *arg)
{
  static const char *const opts[]
      = { "-s",
          "--server",
          "--token",
          "--kcorectl-config",
          "-n",
          "--namespace",
          "--request-timeout",
          "--certificate-authority",
          NULL };
  return g_strv_contains (opts, arg);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  int at = 0;
  for (int i = 1; i < argc && at == 0; i++)
    {
      if (argv[i][0] != '-')
        at = i;
      else if (takes_value (argv[i]))
        i++;
    }
  if (at == 0)
    {
      gboolean help
          = argc > 1
            && (g_strv_contains ((const char *const *)argv, "--help")
                || g_strv_contains ((const char *const *)argv, "-h"));
      usage (help ? stdout : stderr);
      return help ? KCCTL_EXIT_OK : KCCTL_EXIT_ERROR;
    }

  const Command *cmd = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, argv[at]) == 0)
      cmd = &commands[i];
  if (cmd == NULL)
    {
      fprintf (stderr, "error: unknown command \"%s\" for \"kcorectl\"\n",
               argv[at]);
      usage (stderr);
      return KCCTL_EXIT_ERROR;
    }

  /* The command's argv: its name, then every other argument in order. */
  g_autofree char **cargv = g_new0 (char *, argc + 1);
  int cargc = 0;
  g_autofree char *prgname = g_strdup_printf ("kcorectl %s", cmd->name);
  cargv[cargc++] = prgname;
  for (int i = 1; i < argc; i++)
    if (i != at)
      cargv[cargc++] = argv[i];
  g_set_prgname (prgname);

  /* The command parses its options and creates the client
   * (kcctl_parse_args). */
  int rc = cmd->func (cargc, cargv);
  kcctl_discovery_clear ();
  kcctl_client_shutdown ();
  kcctl_global_options_clear ();
  return rc;
}
