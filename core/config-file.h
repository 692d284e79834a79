/* The cluster config file (`kcore --config FILE`): a GKeyFile read
 * strictly.  Internal to the daemon.  Main thread only. */
#pragma once

#include <kcore/config.h>

G_BEGIN_DECLS

typedef struct _KcConfigFile KcConfigFile;

/* Reads @path, applies @overrides ("GROUP.KEY=VALUE" from --set; nullable)
 * and checks every group that is not a plugin's: unknown groups, unknown or
 * missing keys, bad values and duplicates are KC_CONFIG_ERROR naming the
 * file (and line), group, key, value and what is expected.  Plugin groups
 * are only checked for their plugin= key here; their options are checked
 * against the plugin's own table once it is loaded (plugin-set.c).
 * (transfer full) */
KcConfigFile *kc_config_file_load (const char *path,
                                   const char *const *overrides,
                                   GError **error);
void kc_config_file_free (KcConfigFile *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcConfigFile, kc_config_file_free)

/* (transfer none) accessors, valid as long as @config. */
const char *kc_config_file_get_path (const KcConfigFile *config);
GKeyFile *kc_config_file_get_key_file (const KcConfigFile *config);
const char *const *kc_config_file_get_components (const KcConfigFile *config);
const char *const *kc_config_file_get_plugin_path (const KcConfigFile *config);
const char *kc_config_file_get_data_dir (const KcConfigFile *config);
const KcConfigGroup *kc_config_file_get_core (const KcConfigFile *config);
/* The checked group of component @name ([apiserver], ...), or of a
 * component's named group ("profile default-scheduler"); NULL when the
 * file has no such group (components always have theirs). */
const KcConfigGroup *kc_config_file_get_component (const KcConfigFile *config,
                                                   const char *name);
/* The plugin groups ([store], [controller NAME], ...) in file order. */
const char *const *kc_config_file_get_plugin_groups (const KcConfigFile *config);
/* Keys of @group set with --set; (transfer none), NULL-terminated. */
const char *const *kc_config_file_get_overridden (const KcConfigFile *config,
                                                  const char *group);

/* The plugin kind a config group asks for, 0 when it is not a plugin
 * group: [store] and [runtime] take one plugin; [scheduler NAME] and
 * [controller NAME] one each. */
guint32 kc_config_group_plugin_kind (const char *group);

/* TRUE when this kcore binary runs from its build tree (its plugins are
 * then found there by default). */
gboolean kc_config_running_uninstalled (void);

G_END_DECLS
