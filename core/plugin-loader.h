/* The plugin loader: finds, opens and checks plugin modules, then creates
 * their instances.  Internal to the kcore daemon and its tests (not part of
 * the installed SDK).
 *
 * Threading: main thread only.  Modules are never unloaded: a loaded
 * KcPlugin keeps its module resident until the process exits.
 */
#pragma once

#include <kcore/host.h>
#include <kcore/plugin.h>

G_BEGIN_DECLS

#define KC_PLUGIN_ERROR (kc_plugin_error_quark ())
GQuark kc_plugin_error_quark (void);

/* One code per refusal, in the order the loader checks. */
typedef enum
{
  KC_PLUGIN_ERROR_FAILED,
  KC_PLUGIN_ERROR_NOT_FOUND,          /* no file in the plugin path */
  KC_PLUGIN_ERROR_OPEN_FAILED,        /* the dynamic loader refused it */
  KC_PLUGIN_ERROR_NO_ENTRY,           /* kcore_plugin_entry missing */
  KC_PLUGIN_ERROR_DECLINED,           /* the entry returned NULL */
  KC_PLUGIN_ERROR_BAD_DESCRIPTOR,     /* descriptor too small or malformed */
  KC_PLUGIN_ERROR_ABI_MAJOR,          /* built for another ABI major */
  KC_PLUGIN_ERROR_ABI_MINOR,          /* built for a newer ABI minor */
  KC_PLUGIN_ERROR_KIND_MISMATCH,      /* not the kind its role needs */
  KC_PLUGIN_ERROR_NAME_MISMATCH,      /* descriptor name != plugin= */
  KC_PLUGIN_ERROR_INTERFACE_VERSION,  /* kind interface not supported */
  KC_PLUGIN_ERROR_VTABLE_TOO_SMALL,   /* vtable lacks required methods */
  KC_PLUGIN_ERROR_METHOD_MISSING,     /* a required method is NULL */
  KC_PLUGIN_ERROR_BAD_OPTIONS,        /* its config key table is malformed */
  KC_PLUGIN_ERROR_DUPLICATE,          /* the same plugin loaded twice */
  KC_PLUGIN_ERROR_CREATE_FAILED,      /* its create() failed */
} KcPluginError;

typedef struct _KcPlugin KcPlugin;

/* Resolves @name (a plugin= value: a bare name, or a path to a .so) for
 * kind @kind along @search_path, opens it (RTLD_NOW | RTLD_LOCAL) and checks
 * its descriptor.  @role names the config group asking, for messages.
 * Returns (transfer full) a KcPlugin; its module stays loaded for good. */
KcPlugin *kc_plugin_load (const char *role, guint32 kind, const char *name,
                          const char *const *search_path, GError **error);
void kc_plugin_free (KcPlugin *plugin);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcPlugin, kc_plugin_free)

/* (transfer none) accessors, valid as long as @plugin. */
const KcPluginDescriptor *kc_plugin_get_descriptor (const KcPlugin *plugin);
const char *kc_plugin_get_path (const KcPlugin *plugin);
const char *kc_plugin_get_role (const KcPlugin *plugin);

/* Checks the plugin's options: the keys of @group_name in @key_file against
 * the descriptor's table.  "plugin" is reserved to the core.  On success the
 * checked group is kept in @plugin and handed to its instance. */
gboolean kc_plugin_configure (KcPlugin *plugin, GKeyFile *key_file,
                              const char *group_name,
                              const char *const *overridden,
                              const char *source, const char *data_dir,
                              GError **error);

/* An instance of a configured plugin, created through its vtable. */
typedef struct _KcPluginInstance KcPluginInstance;

/* Calls the plugin's create() with a host table for @component whose main
 * context is the thread-default one.  Errors are CREATE_FAILED, naming the
 * plugin and carrying its message.  (transfer full). */
KcPluginInstance *kc_plugin_instance_new (KcPlugin *plugin,
                                          const char *component,
                                          const char *data_dir,
                                          GError **error);
/* Calls the plugin's destroy(). */
void kc_plugin_instance_free (KcPluginInstance *instance);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcPluginInstance, kc_plugin_instance_free)

/* (transfer none) the plugin's instance pointer and vtable. */
gpointer kc_plugin_instance_get_self (const KcPluginInstance *instance);
const KcPluginVtable *
kc_plugin_instance_get_vtable (const KcPluginInstance *instance);

G_END_DECLS
