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
  { "certificate-authority", 0, 0, G_OPTION_ARG_FILENAME,
    &kcctl_global.ca_file,
    "PEM file of the CA that signed the server's certificate (else "
    "KCORE_CA_FILE, else certificate-authority= in the config file)",
    "FILE" },
  { "insecure-skip-tls-verify", 0, 0, G_OPTION_ARG_NONE,
    &kcctl_global.insecure,
    "Do not verify the server's certificate (insecure: tests only)", NULL },
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
  g_clear_pointer (&kcctl_global.ca_file, g_free);
}

void
kcctl_connection_clear (KcctlConnection *c)
{
  g_clear_pointer (&c->server, g_free);
  g_clear_pointer (&c->token, g_free);
  g_clear_pointer (&c->ca_file, g_free);
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

/* The config file is a GKeyFile with a [kcorectl] group holding server=,
 * token=, certificate-authority= and insecure-skip-tls-verify=.  A missing
 * default file is not an error; a named one is.  Fills @file. */
static gboolean
read_config (KcctlConnection *file, GError **error)
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
  file->server = g_key_file_get_string (kf, "kcorectl", "server", NULL);
  file->token = g_key_file_get_string (kf, "kcorectl", "token", NULL);
  file->ca_file = g_key_file_get_string (kf, "kcorectl",
                                         "certificate-authority", NULL);
  if (g_key_file_has_key (kf, "kcorectl", "insecure-skip-tls-verify", NULL))
    {
      file->insecure = g_key_file_get_boolean (
          kf, "kcorectl", "insecure-skip-tls-verify", &local);
      if (local)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       "%s: [kcorectl] insecure-skip-tls-verify: expected "
                       "true or false",
                       path);
          return FALSE;
        }
    }
  /* A relative CA path is read from where the config file is. */
  if (file->ca_file && !g_path_is_absolute (file->ca_file))
    {
      g_autofree char *dir = g_path_get_dirname (path);
      char *abs = g_build_filename (dir, file->ca_file, NULL);
      g_free (file->ca_file);
      file->ca_file = abs;
    }
  return TRUE;
}

static const char *
first_set (const char *flag, const char *env_name, const char *from_file)
{
  const char *env = g_getenv (env_name);
  if (flag)
    return flag;
  if (env && *env)
    return env;
  return from_file;
}

gboolean
kcctl_resolve_server (KcctlConnection *c, GError **error)
{
  g_auto (KcctlConnection) file = { 0 };
  if (!read_config (&file, error))
    return FALSE;

  const char *s = first_set (kcctl_global.server, "KCORE_SERVER",
                             file.server);
  if (s == NULL)
    s = "http://127.0.0.1:8080";
  /* kubectl accepts a bare host:port. */
  if (strstr (s, "://") == NULL)
    c->server = g_strdup_printf ("http://%s", s);
  else
    c->server = g_strdup (s);
  c->token = g_strdup (first_set (kcctl_global.token, "KCORE_TOKEN",
                                  file.token));
  c->ca_file = g_strdup (first_set (kcctl_global.ca_file, "KCORE_CA_FILE",
                                    file.ca_file));
  c->insecure = kcctl_global.insecure || file.insecure;
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
