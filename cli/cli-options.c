/* Global options, where the server and token come from, and the small
 * parsers the commands share. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdlib.h>
#include <string.h>

KcctlGlobalOptions kcctl_global;

static const GOptionEntry global_entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &kcctl_global.server,
    "API server URL (else KCORE_SERVER, else server= in the config file)",
    "URL" },
  { "token", 0, 0, G_OPTION_ARG_STRING, &kcctl_global.token,
    "Bearer token (else KCORE_TOKEN, else token= in the config file)",
    "TOKEN" },
  { "kcorectl-config", 0, 0, G_OPTION_ARG_FILENAME, &kcctl_global.config_file,
    "Config file (default ~/.config/kcore/kcorectl.conf)", "FILE" },
  { "namespace", 'n', 0, G_OPTION_ARG_STRING, &kcctl_global.namespace,
    "Namespace (default \"default\")", "NS" },
  { "all-namespaces", 'A', 0, G_OPTION_ARG_NONE, &kcctl_global.all_namespaces,
    "All namespaces", NULL },
  { "request-timeout", 0, 0, G_OPTION_ARG_STRING,
    &kcctl_global.request_timeout,
    "Timeout of one request (e.g. 30s; 0 for none)", "DURATION" },
  { "insecure-skip-tls-verify", 0, 0, G_OPTION_ARG_NONE,
    &kcctl_global.insecure, "Do not verify the server's certificate", NULL },
  { NULL }
};

GOptionGroup *
kcctl_global_option_group (void)
{
  GOptionGroup *group = g_option_group_new (
      "global", "Options of every command:", "Show the global options", NULL,
      NULL);
  g_option_group_add_entries (group, global_entries);
  return group;
}

void
kcctl_global_options_clear (void)
{
  g_clear_pointer (&kcctl_global.server, g_free);
  g_clear_pointer (&kcctl_global.token, g_free);
  g_clear_pointer (&kcctl_global.config_file, g_free);
  g_clear_pointer (&kcctl_global.namespace, g_free);
  g_clear_pointer (&kcctl_global.request_timeout, g_free);
}

static char *
config_path (void)
{
  if (kcctl_global.config_file)
    return g_strdup (kcctl_global.config_file);
  const char *env = g_getenv ("KCORECTL_CONFIG");
  if (env && *env)
    return g_strdup (env);
  return g_build_filename (g_get_user_config_dir (), "kcore", "kcorectl.conf",
                           NULL);
}

/* The config file is a GKeyFile with a [kcorectl] group holding server=
 * and token=.  A missing default file is not an error; a named one is. */
static gboolean
read_config (char **server, char **token, GError **error)
{
  g_autofree char *path = config_path ();
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
          && kcctl_global.config_file == NULL
          && g_getenv ("KCORECTL_CONFIG") == NULL)
        return TRUE;
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "%s: %s (expected a [kcorectl] group with server= and "
                   "token=)",
                   path, local->message);
      return FALSE;
    }
  *server = g_key_file_get_string (kf, "kcorectl", "server", NULL);
  *token = g_key_file_get_string (kf, "kcorectl", "token", NULL);
  return TRUE;
}

gboolean
kcctl_resolve_server (char **server, char **token, GError **error)
{
  g_autofree char *file_server = NULL;
  g_autofree char *file_token = NULL;
  if (!read_config (&file_server, &file_token, error))
    return FALSE;

  const char *env_server = g_getenv ("KCORE_SERVER");
  const char *env_token = g_getenv ("KCORE_TOKEN");
  const char *s = kcctl_global.server         ? kcctl_global.server
                  : env_server && *env_server ? env_server
                  : file_server               ? file_server
                                              : "http://127.0.0.1:8080";
  const char *t = kcctl_global.token        ? kcctl_global.token
                  : env_token && *env_token ? env_token
                                            : file_token;
  /* kubectl accepts a bare host:port. */
  if (strstr (s, "://") == NULL)
    *server = g_strdup_printf ("http://%s", s);
  else
    *server = g_strdup (s);
  *token = g_strdup (t);
  return TRUE;
}

gint64
kcctl_parse_duration_ms (const char *text)
{
  if (text == NULL || *text == '\0')
    return -1;
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);
  if (end == text || v < 0)
    return -1;
  double scale;
  if (*end == '\0' || strcmp (end, "s") == 0)
    scale = 1000;
  else if (strcmp (end, "ms") == 0)
    scale = 1;
  else if (strcmp (end, "m") == 0)
    scale = 60000;
  else if (strcmp (end, "h") == 0)
    scale = 3600000;
  else
    return -1;
  return (gint64)(v * scale);
}

gboolean
kcctl_parse_bool (const char *value, gboolean *out, GError **error)
{
  if (value == NULL || g_ascii_strcasecmp (value, "true") == 0
      || strcmp (value, "1") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (value, "false") == 0
           || strcmp (value, "0") == 0)
    *out = FALSE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "expected true or false, not \"%s\"", value);
      return FALSE;
    }
  return TRUE;
}

gboolean
kcctl_parse_args (int *argc, char ***argv, const char *parameter,
                  const char *summary, const GOptionEntry *entries)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (parameter);
  g_autoptr (GError) error = NULL;
  if (summary)
    g_option_context_set_summary (ctx, summary);
  if (entries)
    g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, kcctl_global_option_group ());
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      kcctl_error ("%s (see %s --help)", error->message, (*argv)[0]);
      return FALSE;
    }
  if (!kcctl_client_init (&error))
    {
      kcctl_error ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}
