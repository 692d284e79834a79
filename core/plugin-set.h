/* The plugins a config file names, loaded and checked together, so that
 * kcore refuses to start unless every one of them is usable.  Internal to
 * the daemon.  Main thread only. */
#pragma once

#include "component.h"
#include "config-file.h"
#include "plugin-loader.h"

G_BEGIN_DECLS

typedef struct _KcPluginSet KcPluginSet;

/* Loads the plugin of every plugin group in @config (or, when @component
 * is non-NULL, of the groups that component hosts), in file order, checks
 * that no plugin is loaded twice, and checks each one's options.  Stops at
 * the first failure.  (transfer full) */
KcPluginSet *kc_plugin_set_load (const KcConfigFile *config,
                                 const KcComponentInfo *component,
                                 GError **error);
void kc_plugin_set_free (KcPluginSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcPluginSet, kc_plugin_set_free)

guint kc_plugin_set_get_size (const KcPluginSet *set);
/* (transfer none) */
KcPlugin *kc_plugin_set_get (const KcPluginSet *set, guint index);
/* (transfer none) the plugin serving config group @role, or NULL. */
KcPlugin *kc_plugin_set_find (const KcPluginSet *set, const char *role);

G_END_DECLS
