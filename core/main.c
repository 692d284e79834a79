/* kcore: the cluster manager daemon.
 *
 *   kcore --config FILE            supervise the configured components
 *   kcore --config FILE --check    check config and plugins, start nothing
 *   kcore --config FILE --component NAME   run one component in the
 *                                          foreground
 *
 * Exit status: 0 success, 1 run-time failure, 2 usage or config error,
 * 3 plugin refused. */
#include "build-config.h"

#include "component.h"
#include "config-file.h"
#include "daemon.h"
#include "log.h"
#include "plugin-set.h"
#include "supervisor.h"
#include <errno.h>
#ifdef KC_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#include <kcore/store.h>
#include <locale.h>
#include <string.h>
#include <stdio.h>

enum
{
  EXIT_RUNTIME = 1,
  EXIT_CONFIG = 2,
  EXIT_PLUGIN = 3,
};

typedef struct
{
  char *config_path;
  char **overrides;
  gboolean check;
  char *component;
  char *log_level;
  gboolean version;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->config_path);
  g_strfreev (o->overrides);
  g_free (o->component);
  g_free (o->log_level);
}

static gboolean
parse_options (int *argc, char ***argv, Options *o, GError **error)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config_path,
      "The cluster config file", "FILE" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->overrides,
      "Override a config key (repeatable)", "GROUP.KEY=VALUE" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &o->check,
      "Check the config and load every plugin, start nothing", NULL },
    { "component", 0, 0, G_OPTION_ARG_STRING, &o->component,
      "Run one component in the foreground", "NAME" },
    { "log-level", 0, 0, G_OPTION_ARG_STRING, &o->log_level,
      "error, warning, message, info or debug (default: [kcore] "
      "log-level)",
      "LEVEL" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &o->version,
      "Print the version and the plugin ABI", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_option_context_set_summary (
      context, "kcore: a pluggable cluster manager.  Without --check or "
               "--component it supervises the components named in the "
               "config's [kcore] components=.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "unexpected argument '%s'", (*argv)[1]);
      return FALSE;
    }
  if (o->log_level && !kc_log_level_is_valid (o->log_level))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--log-level %s: expected error, warning, message, info "
                   "or debug",
                   o->log_level);
      return FALSE;
    }
  if (!o->version && o->config_path == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "--config FILE is required (see --help)");
      return FALSE;
    }
  return TRUE;
}

/* The memory allocator the daemon runs on (see configure's
 * --with-jemalloc). */
static const char *
allocator (void)
{
#ifdef KC_WITH_JEMALLOC
  static char name[64];
  const char *version = NULL;
  size_t size = sizeof version;
  if (mallctl ("version", &version, &size, NULL, 0) == 0 && version)
    {
      /* "5.3.0-0-gHASH": the release is enough. */
      g_snprintf (name, sizeof name, "jemalloc %.*s",
                  (int) strcspn (version, "-"), version);
      return name;
    }
  return "jemalloc";
#else
  return "glibc malloc";
#endif
}

static void
print_version (void)
{
  printf ("kcore %s (plugin ABI %d.%d, store interface %d, %s)\n",
          PACKAGE_VERSION, KC_PLUGIN_ABI_MAJOR, KC_PLUGIN_ABI_MINOR,
          KC_STORE_INTERFACE_VERSION, allocator ());
}

static void
print_plugins (const KcConfigFile *config, const KcPluginSet *set)
{
  for (guint i = 0; i < kc_plugin_set_get_size (set); i++)
    {
      KcPlugin *plugin = kc_plugin_set_get (set, i);
      const KcPluginDescriptor *d = kc_plugin_get_descriptor (plugin);
      printf ("[%s] plugin=%s kind=%s interface=%u version=%s path=%s\n",
              kc_plugin_get_role (plugin), d->name,
              kc_plugin_kind_to_string (d->kind), d->interface_version,
              d->version ? d->version : "", kc_plugin_get_path (plugin));
    }
  g_autofree char *components
      = g_strjoinv (", ", (char **) kc_config_file_get_components (config));
  printf ("%s: ok (%u plugin%s, components: %s)\n",
          kc_config_file_get_path (config), kc_plugin_set_get_size (set),
          kc_plugin_set_get_size (set) == 1 ? "" : "s", components);
}

static int
run_component (const KcConfigFile *config, const char *name)
{
  const KcComponentInfo *component = kc_component_find (name);
  g_autoptr (GError) error = NULL;

  if (component == NULL)
    {
      g_autofree char *known = kc_component_list_names ();
      g_printerr ("kcore: --component %s: unknown component (this kcore "
                  "has: %s)\n",
                  name, known);
      return EXIT_CONFIG;
    }
  g_autoptr (KcPluginSet) plugins
      = kc_plugin_set_load (config, component, &error);
  if (plugins == NULL)
    {
      g_printerr ("kcore: %s\n", error->message);
      return error->domain == KC_CONFIG_ERROR ? EXIT_CONFIG : EXIT_PLUGIN;
    }
  KcDaemon daemon = {
    .config = config,
    .plugins = plugins,
    .component = name,
    .settings = kc_config_file_get_component (config, name),
  };
  int status = component->run (&daemon, &error);
  if (error)
    g_critical ("%s", error->message);
  return status;
}

static gboolean
ensure_data_dir (const KcConfigFile *config)
{
  const char *dir = kc_config_file_get_data_dir (config);
  if (g_mkdir_with_parents (dir, 0700) == 0)
    return TRUE;
  g_printerr ("kcore: [kcore] data-dir=%s: cannot create it: %s\n", dir,
              g_strerror (errno));
  return FALSE;
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  g_autoptr (GError) error = NULL;
  int status = 0;

  setlocale (LC_ALL, "");
  if (!parse_options (&argc, &argv, &o, &error))
    {
      g_printerr ("kcore: %s\n", error->message);
      options_clear (&o);
      return EXIT_CONFIG;
    }
  if (o.version)
    {
      print_version ();
      options_clear (&o);
      return 0;
    }

  kc_log_init (o.component ? o.component : "supervisor", o.log_level);
  g_autoptr (KcConfigFile) config = kc_config_file_load (
      o.config_path, (const char *const *) o.overrides, &error);
  if (config == NULL)
    {
      g_printerr ("kcore: %s\n", error->message);
      options_clear (&o);
      return EXIT_CONFIG;
    }
  if (o.log_level == NULL)
    kc_log_init (o.component ? o.component : "supervisor",
                 kc_config_group_get_string (kc_config_file_get_core (config),
                                             "log-level"));

  if (o.component)
    status = ensure_data_dir (config) ? run_component (config, o.component)
                                      : EXIT_RUNTIME;
  else
    {
      /* Every plugin is loaded and checked before anything starts, so a
       * bad one stops kcore here rather than in a restart loop. */
      g_autoptr (KcPluginSet) plugins
          = kc_plugin_set_load (config, NULL, &error);
      if (plugins == NULL)
        {
          g_printerr ("kcore: %s\n", error->message);
          status = error->domain == KC_CONFIG_ERROR ? EXIT_CONFIG
                                                    : EXIT_PLUGIN;
        }
      else if (o.check)
        print_plugins (config, plugins);
      else if (!ensure_data_dir (config))
        status = EXIT_RUNTIME;
      else
        status = kc_supervisor_run (config, o.config_path,
                                    (const char *const *) o.overrides,
                                    o.log_level);
    }
  options_clear (&o);
  return status;
}
