/* What plugins a component loaded, published for `kcorectl plugins`: the
 * ConfigMap kube-system/kcore-plugins holds one key per component whose
 * value is a JSON array of {role, name, kind, interface, version, path}.
 * The API server writes its own entry straight to the store at start;
 * other components report through the API.  Internal; main thread. */
#pragma once

#include "plugin-set.h"
#include <json-glib/json-glib.h>
#include <kcore/store.h>

G_BEGIN_DECLS

/* The report of @plugins as a JSON array text.  (transfer full) */
char *kc_plugin_report_json (const KcPluginSet *plugins);

/* Writes @component's entry into kube-system/kcore-plugins in @store
 * (creating the ConfigMap if needed), retrying on conflicts.  Failures are
 * logged, not fatal. */
void kc_plugin_report_publish (gpointer store, const KcStoreVtable *vt,
                               const char *component,
                               const KcPluginSet *plugins);

G_END_DECLS
