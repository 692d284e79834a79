/* Loads every plugin a config names (see plugin-set.h). */
#include "build-config.h"

#include "plugin-set.h"

#include <string.h>

struct _KcPluginSet
{
  GPtrArray *plugins; /* of KcPlugin* */
};

/* A plugin serves one role, so that two groups cannot silently fight
 * over one thing (two stores, one controller twice).  Scheduling policies
 * are the exception: a policy is a pure function of its options, and one
 * policy with two sets of options (say, spread with other weights in
 * another profile) is a reasonable thing to want. */
static gboolean
check_not_loaded (const KcPluginSet *set, const KcPlugin *plugin,
                  GError **error)
{
  const KcPluginDescriptor *d = kc_plugin_get_descriptor (plugin);
  if (d->kind == KC_PLUGIN_KIND_SCHEDULER)
    return TRUE;
  for (guint i = 0; i < set->plugins->len; i++)
    {
      const KcPlugin *other = set->plugins->pdata[i];
      const KcPluginDescriptor *od = kc_plugin_get_descriptor (other);
      if (od->kind == d->kind && strcmp (od->name, d->name) == 0)
        {
          g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_DUPLICATE,
                       "plugin \"%s\" (%s): already loaded for [%s] (from "
                       "%s); [%s] cannot load a second %s plugin \"%s\"",
                       d->name, kc_plugin_get_path (plugin),
                       kc_plugin_get_role (other), kc_plugin_get_path (other),
                       kc_plugin_get_role (plugin),
                       kc_plugin_kind_to_string (d->kind), d->name);
          return FALSE;
        }
    }
  return TRUE;
}

static KcPlugin *
load_group (const KcConfigFile *config, const char *group, GError **error)
{
  GKeyFile *key_file = kc_config_file_get_key_file (config);
  g_autofree char *name
      = g_key_file_get_value (key_file, group, "plugin", NULL);
  guint32 kind = kc_config_group_plugin_kind (group);

  if (name == NULL || name[0] == '\0')
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "%s: [%s] plugin=: expected the name of a %s plugin",
                   kc_config_file_get_path (config), group,
                   kc_plugin_kind_to_string (kind));
      return NULL;
    }
  return kc_plugin_load (group, kind, name,
                         kc_config_file_get_plugin_path (config), error);
}

KcPluginSet *
kc_plugin_set_load (const KcConfigFile *config,
                    const KcComponentInfo *component, GError **error)
{
  g_autoptr (KcPluginSet) set = g_new0 (KcPluginSet, 1);
  set->plugins = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_plugin_free);

  const char *const *groups = kc_config_file_get_plugin_groups (config);
  for (guint i = 0; groups[i]; i++)
    {
      const char *group = groups[i];
      if (component && !kc_component_hosts_role (component, group))
        continue;

      g_autoptr (KcPlugin) plugin = load_group (config, group, error);
      if (plugin == NULL || !check_not_loaded (set, plugin, error))
        return NULL;
      if (!kc_plugin_configure (
              plugin, kc_config_file_get_key_file (config), group,
              kc_config_file_get_overridden (config, group),
              kc_config_file_get_path (config),
              kc_config_file_get_data_dir (config), error))
        return NULL;
      g_ptr_array_add (set->plugins, g_steal_pointer (&plugin));
    }
  return g_steal_pointer (&set);
}

void
kc_plugin_set_free (KcPluginSet *set)
{
  if (set == NULL)
    return;
  g_ptr_array_unref (set->plugins);
  g_free (set);
}

guint
kc_plugin_set_get_size (const KcPluginSet *set)
{
  return set->plugins->len;
}

KcPlugin *
kc_plugin_set_get (const KcPluginSet *set, guint index)
{
  g_return_val_if_fail (index < set->plugins->len, NULL);
  return set->plugins->pdata[index];
}

KcPlugin *
kc_plugin_set_find (const KcPluginSet *set, const char *role)
{
  for (guint i = 0; i < set->plugins->len; i++)
    if (strcmp (kc_plugin_get_role (set->plugins->pdata[i]), role) == 0)
      return set->plugins->pdata[i];
  return NULL;
}
