/* What spread (least allocated) and binpack (most allocated) share: their
 * options and Kubernetes' weighted score of cpu and memory, differing only
 * in whether free or used capacity counts.  Compiled into both modules;
 * nothing here is exported (the modules export their entry point only). */
#pragma once

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef enum
{
  KC_ALLOCATION_LEAST, /* free capacity scores: spread */
  KC_ALLOCATION_MOST,  /* used capacity scores: binpack */
} KcAllocationStrategy;

/* create/destroy of both plugins: reads cpu-weight and memory-weight. */
gpointer kc_allocation_score_create (const KcHost *host, GError **error);
void kc_allocation_score_destroy (gpointer self);

/* Per resource, Kubernetes' leastRequestedScore or mostRequestedScore of
 * the node with @pod on it (scoring requests; 0 when the resource would be
 * over allocatable or the node has none), averaged with the weights.  Any
 * thread. */
gint64 kc_allocation_score (gconstpointer self, const KcSchedPod *pod,
                            const KcSchedNode *node,
                            KcAllocationStrategy strategy);
