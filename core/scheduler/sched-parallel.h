/* A parallel for over node indexes: filter and score run on a few threads
 * (the caller's included) in chunks, and can stop early once enough
 * feasible nodes are found.  The caller's thread waits until every chunk
 * it handed out is done, so the snapshot never changes under a worker. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KcSchedParallel KcSchedParallel;

/* Processes indexes [@begin, @end).  Returns FALSE to stop handing out
 * further chunks (chunks already running finish).  Runs on any thread. */
typedef gboolean (*KcSchedChunkFunc) (guint begin, guint end, gpointer data);

/* @threads counts the caller: 1 runs everything inline. */
KcSchedParallel *kc_sched_parallel_new (guint threads);
void kc_sched_parallel_free (KcSchedParallel *parallel);

/* Calls @func over [0, @n) in chunks of @chunk; returns once all are
 * done.  Returns the number of indexes processed (those of every chunk
 * handed out). */
guint kc_sched_parallel_for (KcSchedParallel *parallel, guint n, guint chunk,
                             KcSchedChunkFunc func, gpointer data);

G_END_DECLS
