/* Periodic compaction of the store's history, run by the API server (the
 * store's only user).  Every interval it reads the store's revision and
 * compacts away history older than the retention: either the revision that
 * was current `retention_seconds` ago, or, when `retention_revisions` > 0,
 * everything but the last `retention_revisions` revisions.  Main thread
 * only; the compaction itself runs inside the store plugin, which must not
 * stall writers. */
#pragma once

#include <kcore/store.h>

G_BEGIN_DECLS

typedef struct _KcStoreCompactor KcStoreCompactor;

/* Starts compacting @store (borrowed, must outlive the compactor) in the
 * thread-default main context.  (transfer full) */
KcStoreCompactor *kc_store_compactor_new (gpointer store,
                                          const KcStoreVtable *vtable,
                                          guint interval_seconds,
                                          guint retention_seconds,
                                          gint64 retention_revisions);
/* Stops it.  Waits (iterating the thread-default main context) for a
 * step in flight to finish, so @store may be destroyed right after. */
void kc_store_compactor_free (KcStoreCompactor *compactor);

/* The revision compacted to last (0: none yet). */
gint64 kc_store_compactor_get_compacted (const KcStoreCompactor *compactor);

G_END_DECLS
