/* Reads the cluster config file strictly (see config-file.h).
 *
 * GKeyFile silently merges a repeated [group] and keeps the last of a
 * repeated key, and its parse errors carry no line number.  So the raw
 * text is scanned first, line by line, and those mistakes are reported
 * with their line; GKeyFile then parses values (escapes, lists). */
#include "build-config.h"

#include "config-file.h"

#include "component.h"
#include <kcore/plugin.h>
#include <string.h>

struct _KcConfigFile
{
  char *path;
  char *base_dir;
  GKeyFile *key_file;
  GHashTable *overridden;  /* group -> GPtrArray of keys (NULL-terminated) */
  GPtrArray *plugin_groups; /* NULL-terminated */
  KcConfigGroup *core;
  GHashTable *components;  /* name -> KcConfigGroup* */
  char **component_names;
  char **plugin_path;
  char *data_dir;
};

static const char *const log_levels[]
    = { "error", "warning", "message", "info", "debug", NULL };

static const KcConfigKey core_keys[] = {
  { "components", KC_CONFIG_TYPE_LIST, 0, NULL, 0, 0, NULL,
    "the components this node runs, e.g. apiserver" },
  { "plugin-path", KC_CONFIG_TYPE_LIST, 0, NULL, 0, 0, NULL,
    "folders searched for plugins; default: the build tree's plugins when "
    "run uninstalled, else the installed plugin folder" },
  { "data-dir", KC_CONFIG_TYPE_PATH, 0, "/var/lib/kcore", 0, 0, NULL,
    "where components keep their state" },
  { "log-level", KC_CONFIG_TYPE_ENUM, 0, "message", 0, 0, log_levels,
    "least severe level logged" },
  { "stop-timeout-seconds", KC_CONFIG_TYPE_INT, 0, "10", 1, 3600, NULL,
    "how long a component may take to stop before it is killed" },
  { "restart-backoff-max-seconds", KC_CONFIG_TYPE_INT, 0, "30", 1, 3600,
    NULL, "longest pause before restarting a component that keeps dying" },
  { "api-servers", KC_CONFIG_TYPE_LIST, 0, "http://127.0.0.1:8080", 0, 0,
    NULL,
    "URLs of the API server(s) the client components (scheduler, ...) "
    "use, tried in order; default: this node's [apiserver] listen when it "
    "runs one" },
  { "api-token-file", KC_CONFIG_TYPE_PATH, 0, NULL, 0, 0, NULL,
    "file holding the bearer token client components present" },
  { "api-ca-file", KC_CONFIG_TYPE_PATH, 0, NULL, 0, 0, NULL,
    "CA certificate (PEM) that signed the API server's certificate" },
  { NULL },
};

guint32
kc_config_group_plugin_kind (const char *group)
{
  static const struct
  {
    const char *prefix;
    guint32 kind;
    gboolean named;
  } roles[] = {
    { "store", KC_PLUGIN_KIND_STORE, FALSE },
    { "runtime", KC_PLUGIN_KIND_RUNTIME, FALSE },
    { "scheduler", KC_PLUGIN_KIND_SCHEDULER, TRUE },
    { "controller", KC_PLUGIN_KIND_CONTROLLER, TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      gsize n = strlen (roles[i].prefix);
      if (strncmp (group, roles[i].prefix, n) != 0)
        continue;
      if (!roles[i].named && group[n] == '\0')
        return roles[i].kind;
      if (roles[i].named && group[n] == ' ' && group[n + 1] != '\0'
          && strchr (group + n + 1, ' ') == NULL)
        return roles[i].kind;
    }
  return 0;
}

gboolean
kc_config_running_uninstalled (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  return exe && g_str_has_prefix (exe, KC_BUILD_TREE "/");
}

/* The line-based pre-scan: catches what GKeyFile would merge or misreport. */
static gboolean
prescan (const char *path, const char *text, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GHashTable) groups
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) keys
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;

  for (guint i = 0; lines[i]; i++)
    {
      guint lineno = i + 1;
      char *line = g_strstrip (lines[i]);
      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (line[0] == '[')
        {
          gsize len = strlen (line);
          if (line[len - 1] != ']' || len < 3)
            {
              g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_PARSE,
                           "%s:%u: bad group header '%s': expected [NAME]",
                           path, lineno, line);
              return FALSE;
            }
          g_free (group);
          group = g_strndup (line + 1, len - 2);
          gpointer first = g_hash_table_lookup (groups, group);
          if (first)
            {
              g_set_error (error, KC_CONFIG_ERROR,
                           KC_CONFIG_ERROR_DUPLICATE_GROUP,
                           "%s:%u: group [%s] appears again (first at line "
                           "%u); merge the two into one",
                           path, lineno, group, GPOINTER_TO_UINT (first));
              return FALSE;
            }
          g_hash_table_insert (groups, g_strdup (group),
                               GUINT_TO_POINTER (lineno));
          continue;
        }
      char *eq = strchr (line, '=');
      if (eq == NULL || eq == line)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_PARSE,
                       "%s:%u: '%s' is not a [group], KEY=VALUE or #comment",
                       path, lineno, line);
          return FALSE;
        }
      if (group == NULL)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_PARSE,
                       "%s:%u: '%s' comes before any [group]", path, lineno,
                       line);
          return FALSE;
        }
      g_autofree char *key = g_strstrip (g_strndup (line, eq - line));
      g_autofree char *id = g_strdup_printf ("%s\n%s", group, key);
      gpointer first = g_hash_table_lookup (keys, id);
      if (first)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_DUPLICATE_KEY,
                       "%s:%u: [%s] %s is set again (first at line %u); keep "
                       "one",
                       path, lineno, group, key, GPOINTER_TO_UINT (first));
          return FALSE;
        }
      g_hash_table_insert (keys, g_steal_pointer (&id),
                           GUINT_TO_POINTER (lineno));
    }
  return TRUE;
}

static gboolean
apply_override (KcConfigFile *config, const char *override, GError **error)
{
  const char *eq = strchr (override, '=');
  g_autofree char *lhs = eq ? g_strndup (override, eq - override) : NULL;
  const char *dot = lhs ? strrchr (lhs, '.') : NULL;

  if (dot == NULL || dot == lhs || dot[1] == '\0')
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_BAD_OVERRIDE,
                   "--set %s: expected GROUP.KEY=VALUE, e.g. --set "
                   "apiserver.listen=127.0.0.1:8080",
                   override);
      return FALSE;
    }
  g_autofree char *group = g_strndup (lhs, dot - lhs);
  const char *key = dot + 1;
  g_key_file_set_value (config->key_file, group, key, eq + 1);

  GPtrArray *keys = g_hash_table_lookup (config->overridden, group);
  if (keys == NULL)
    {
      keys = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (keys, NULL);
      g_hash_table_insert (config->overridden, g_strdup (group), keys);
    }
  g_ptr_array_insert (keys, keys->len - 1, g_strdup (key));
  return TRUE;
}

static char *
resolve_against (const char *base_dir, const char *path)
{
  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  return g_canonicalize_filename (path, base_dir);
}

static char *
describe_known_groups (void)
{
  g_autofree char *components = kc_component_list_names ();
  return g_strdup_printf ("kcore, %s, store, runtime, scheduler NAME, "
                          "controller NAME, profile NAME",
                          components);
}

static gboolean
check_groups (KcConfigFile *config, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (config->key_file, NULL);

  for (guint i = 0; groups[i]; i++)
    {
      const char *group = groups[i];
      const KcComponentInfo *component = kc_component_find (group);
      const char *const *overridden
          = kc_config_file_get_overridden (config, group);

      if (strcmp (group, "kcore") == 0)
        continue;
      if (component)
        {
          KcConfigGroup *checked = kc_config_group_new (
              config->key_file, group, component->keys, NULL, overridden,
              config->path, config->data_dir, error);
          if (checked == NULL)
            return FALSE;
          g_hash_table_insert (config->components, g_strdup (group), checked);
          continue;
        }
      const KcComponentInfo *owner = kc_component_find_subgroup_owner (group);
      if (owner)
        {
          KcConfigGroup *checked = kc_config_group_new (
              config->key_file, group, owner->subgroup_keys, NULL,
              overridden, config->path, config->data_dir, error);
          if (checked == NULL)
            return FALSE;
          g_hash_table_insert (config->components, g_strdup (group), checked);
          continue;
        }
      if (kc_config_group_plugin_kind (group) != 0)
        {
          if (!g_key_file_has_key (config->key_file, group, "plugin", NULL))
            {
              g_set_error (error, KC_CONFIG_ERROR,
                           KC_CONFIG_ERROR_MISSING_KEY,
                           "%s: [%s] missing required key 'plugin' (the "
                           "name of the plugin serving this role)",
                           config->path, group);
              return FALSE;
            }
          g_ptr_array_insert (config->plugin_groups,
                              config->plugin_groups->len - 1,
                              g_strdup (group));
          continue;
        }
      g_autofree char *known = describe_known_groups ();
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_UNKNOWN_GROUP,
                   "%s: unknown group [%s] (known: %s)", config->path, group,
                   known);
      return FALSE;
    }
  return TRUE;
}

/* Components named in [kcore] components= get their group checked even
 * when the file leaves it out, so their defaults apply. */
static gboolean
check_components (KcConfigFile *config, GError **error)
{
  config->component_names
      = kc_config_group_get_list (config->core, "components");
  for (guint i = 0; config->component_names[i]; i++)
    {
      const char *name = config->component_names[i];
      const KcComponentInfo *component = kc_component_find (name);
      if (component == NULL)
        {
          g_autofree char *known = kc_component_list_names ();
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [kcore] components: unknown component '%s' "
                       "(this kcore has: %s)",
                       config->path, name, known);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (strcmp (config->component_names[j], name) == 0)
          {
            g_set_error (error, KC_CONFIG_ERROR,
                         KC_CONFIG_ERROR_INVALID_VALUE,
                         "%s: [kcore] components: '%s' is listed twice",
                         config->path, name);
            return FALSE;
          }
      for (guint r = 0; component->required_roles[r]; r++)
        if (!g_key_file_has_group (config->key_file,
                                   component->required_roles[r]))
          {
            g_set_error (error, KC_CONFIG_ERROR,
                         KC_CONFIG_ERROR_MISSING_GROUP,
                         "%s: component %s needs a [%s] group naming its "
                         "plugin, e.g. [%s] plugin=...",
                         config->path, name, component->required_roles[r],
                         component->required_roles[r]);
            return FALSE;
          }
      if (!g_hash_table_contains (config->components, name))
        {
          KcConfigGroup *checked = kc_config_group_new (
              config->key_file, name, component->keys, NULL, NULL,
              config->path, config->data_dir, error);
          if (checked == NULL)
            return FALSE;
          g_hash_table_insert (config->components, g_strdup (name), checked);
        }
    }
  return TRUE;
}

/* Each component checks how its groups refer to each other. */
static gboolean
check_references (KcConfigFile *config, GError **error)
{
  for (guint i = 0; config->component_names[i]; i++)
    {
      const KcComponentInfo *component
          = kc_component_find (config->component_names[i]);
      if (component->check && !component->check (config, error))
        {
          g_prefix_error (error, "%s: ", config->path);
          return FALSE;
        }
    }
  return TRUE;
}

static void
resolve_core_paths (KcConfigFile *config)
{
  g_autofree char *data_dir
      = g_strdup (kc_config_group_get_string (config->core, "data-dir"));
  config->data_dir = resolve_against (config->base_dir, data_dir);

  g_auto (GStrv) dirs = kc_config_group_get_list (config->core, "plugin-path");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  for (guint i = 0; dirs[i]; i++)
    {
      g_autofree char *dir = resolve_against (config->base_dir, dirs[i]);
      g_strv_builder_add (builder, dir);
    }
  if (dirs[0] == NULL)
    g_strv_builder_add (builder, kc_config_running_uninstalled ()
                                     ? KC_BUILD_PLUGIN_DIR
                                     : KC_INSTALLED_PLUGIN_DIR);
  config->plugin_path = g_strv_builder_end (builder);
}

KcConfigFile *
kc_config_file_load (const char *path, const char *const *overrides,
                     GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_NOT_FOUND,
                   "cannot read config file: %s", local->message);
      return NULL;
    }
  if (!prescan (path, text, error))
    return NULL;

  g_autoptr (KcConfigFile) config = g_new0 (KcConfigFile, 1);
  config->path = g_strdup (path);
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  config->base_dir = g_path_get_dirname (abs);
  config->key_file = g_key_file_new ();
  config->overridden = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  config->plugin_groups = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (config->plugin_groups, NULL);
  config->components = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify) kc_config_group_free);

  if (!g_key_file_load_from_data (config->key_file, text, -1,
                                  G_KEY_FILE_KEEP_COMMENTS, &local))
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_PARSE, "%s: %s",
                   path, local->message);
      return NULL;
    }
  for (guint i = 0; overrides && overrides[i]; i++)
    if (!apply_override (config, overrides[i], error))
      return NULL;

  config->core = kc_config_group_new (
      config->key_file, "kcore", core_keys, NULL,
      kc_config_file_get_overridden (config, "kcore"), path, NULL, error);
  if (config->core == NULL)
    return NULL;
  resolve_core_paths (config);

  if (!check_groups (config, error) || !check_components (config, error)
      || !check_references (config, error))
    return NULL;
  return g_steal_pointer (&config);
}

void
kc_config_file_free (KcConfigFile *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->base_dir);
  g_key_file_unref (config->key_file);
  g_hash_table_unref (config->overridden);
  g_ptr_array_unref (config->plugin_groups);
  kc_config_group_free (config->core);
  g_hash_table_unref (config->components);
  g_strfreev (config->component_names);
  g_strfreev (config->plugin_path);
  g_free (config->data_dir);
  g_free (config);
}

const char *
kc_config_file_get_path (const KcConfigFile *config)
{
  return config->path;
}

GKeyFile *
kc_config_file_get_key_file (const KcConfigFile *config)
{
  return config->key_file;
}

const char *const *
kc_config_file_get_components (const KcConfigFile *config)
{
  return (const char *const *) config->component_names;
}

const char *const *
kc_config_file_get_plugin_path (const KcConfigFile *config)
{
  return (const char *const *) config->plugin_path;
}

const char *
kc_config_file_get_data_dir (const KcConfigFile *config)
{
  return config->data_dir;
}

const KcConfigGroup *
kc_config_file_get_core (const KcConfigFile *config)
{
  return config->core;
}

const KcConfigGroup *
kc_config_file_get_component (const KcConfigFile *config, const char *name)
{
  return g_hash_table_lookup (config->components, name);
}

const char *const *
kc_config_file_get_plugin_groups (const KcConfigFile *config)
{
  return (const char *const *) config->plugin_groups->pdata;
}

const char *const *
kc_config_file_get_overridden (const KcConfigFile *config, const char *group)
{
  GPtrArray *keys = g_hash_table_lookup (config->overridden, group);
  return keys ? (const char *const *) keys->pdata : NULL;
}
