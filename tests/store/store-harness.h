/* Store harness: opens a store plugin through the plugin loader and runs its
 * asynchronous methods to completion.  Shared by the conformance suite
 * (tests/store/store-conformance.c) and the benchmark (bench/store-bench.c).
 *
 * Threading: kc_test_store_open() and kc_test_store_close() run in the main
 * thread (the loader's rule).  The synchronous wrappers may run in any thread:
 * each drives the calling thread's thread-default main context until the
 * operation's callback fired, so that context must not be run by another
 * thread at the same time.
 */
#pragma once

#include <kcore/store.h>
#include "plugin-loader.h"

G_BEGIN_DECLS

/* The plugin module, loaded once per process (the loader refuses loading a
 * plugin twice) and configured again for every instance. */
typedef struct
{
  KcPlugin *plugin;
  char *path;        /* absolute */
  char **options;    /* KEY=VALUE for the [store] group */
} KcTestPlugin;

typedef struct
{
  KcTestPlugin *plugin;        /* borrowed */
  KcPluginInstance *instance;
  gpointer self;
  const KcStoreVtable *vt;
  char *data_dir;
} KcTestStore;

/* Loads @path (made absolute) as a store plugin.  (transfer full) */
KcTestPlugin *kc_test_plugin_load (const char *path,
                                   const char *const *options,
                                   GError **error);
void kc_test_plugin_free (KcTestPlugin *plugin);
/* The descriptor's name, e.g. "sqlite".  (transfer none) */
const char *kc_test_plugin_get_name (const KcTestPlugin *plugin);

/* Configures @plugin with its options for @data_dir (which must exist) and
 * creates an instance.  (transfer full) */
KcTestStore *kc_test_store_open (KcTestPlugin *plugin, const char *data_dir,
                                 GError **error);
/* Destroys the instance; the data directory is left as it is. */
void kc_test_store_close (KcTestStore *store);

/* Drives the thread-default main context until *@flag is TRUE or
 * @timeout_ms passed.  Returns *@flag. */
gboolean kc_test_iterate_until (volatile gboolean *flag, guint timeout_ms);
/* Drives the thread-default main context for @ms milliseconds. */
void kc_test_iterate_for (guint ms);

/* Synchronous wrappers: start the async method, iterate the thread-default
 * context until its callback fired (aborting after a generous timeout so a
 * lost callback cannot hang the run), and return what its _finish returns. */
KcStoreKv *kc_test_get (KcTestStore *store, const char *key, gint64 revision,
                        gint64 *out_revision, GError **error);
KcStoreRangeResult *kc_test_range (KcTestStore *store,
                                   const KcStoreRange *range, GError **error);
gint64 kc_test_create (KcTestStore *store, const char *key, GBytes *value,
                       gint64 lease, GError **error);
gint64 kc_test_update (KcTestStore *store, const char *key, GBytes *value,
                       gint64 expected_mod_revision, KcStoreKv **out_current,
                       GError **error);
gint64 kc_test_delete (KcTestStore *store, const char *key,
                       gint64 expected_mod_revision, KcStoreKv **out_kv,
                       GError **error);
gboolean kc_test_compact (KcTestStore *store, gint64 revision,
                          GError **error);
gint64 kc_test_lease_grant (KcTestStore *store, gint64 ttl_seconds,
                            GError **error);
gint64 kc_test_lease_keepalive (KcTestStore *store, gint64 lease,
                                GError **error);
gboolean kc_test_lease_revoke (KcTestStore *store, gint64 lease,
                               GError **error);
/* The store's current revision, read with a count-only range. */
gint64 kc_test_revision (KcTestStore *store);

/* Convenience: a GBytes holding the bytes of @text (without its NUL). */
GBytes *kc_test_bytes (const char *text);

/* Removes @path and, for a folder, everything below it (symbolic links are
 * removed, not followed). */
void kc_test_rm_rf (const char *path);

G_END_DECLS
