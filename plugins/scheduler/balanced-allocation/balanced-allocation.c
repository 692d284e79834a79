/* balanced-allocation: Kubernetes' NodeResourcesBalancedAllocation score.
 *
 * Prefers the node whose cpu and memory would be used in the same
 * proportion once the pod is there, so that neither runs out while the
 * other sits idle: (1 - the standard deviation of the used fractions) *
 * 100; with two resources the deviation is |f_cpu - f_memory| / 2.
 * Fractions are capped at 1.  As current Kubernetes does, it counts the
 * actual requests, not the scoring defaults of best-effort pods, so pods
 * that ask for nothing do not tip the balance. */
#include "build-config.h"

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef struct
{
  int unused;
} BalancedAllocation;

static gpointer
balanced_allocation_create (const KcHost *host, GError **error)
{
  return g_new0 (BalancedAllocation, 1);
}

static void
balanced_allocation_destroy (gpointer self)
{
  g_free (self);
}

/* The fraction of @resource used on @node with the pod there, capped at
 * 1; FALSE when the node has none of it (the resource is left out). */
static gboolean
used_fraction (const KcSchedPod *pod, const KcSchedNode *node,
               KcSchedResource resource, double *out)
{
  gint64 allocatable = kc_sched_node_get_allocatable (node, resource);
  gint64 requested = kc_sched_node_get_requested (node, resource)
                     + kc_sched_pod_get_request (pod, resource);

  if (allocatable <= 0)
    return FALSE;
  *out = MIN ((double) requested / (double) allocatable, 1.0);
  return TRUE;
}

static gint64
balanced_allocation_score (gpointer self, KcSchedCycle *cycle,
                           const KcSchedPod *pod, const KcSchedNode *node)
{
  double cpu = 0, memory = 0, deviation = 0;

  /* With one resource (or none) counted the deviation is 0. */
  if (used_fraction (pod, node, KC_SCHED_RESOURCE_CPU, &cpu)
      && used_fraction (pod, node, KC_SCHED_RESOURCE_MEMORY, &memory))
    deviation = ABS (cpu - memory) / 2;
  return (gint64) ((1 - deviation) * KC_SCHED_MAX_SCORE);
}

static const KcSchedulerVtable balanced_allocation_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = balanced_allocation_create,
  .destroy = balanced_allocation_destroy,
  .score = balanced_allocation_score,
};

static const KcPluginDescriptor balanced_allocation_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "balanced-allocation",
  .version = PACKAGE_VERSION,
  .summary = "prefers the nodes whose cpu and memory would be used in "
             "equal proportion",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &balanced_allocation_vtable,
};

KC_PLUGIN_DEFINE (balanced_allocation_descriptor)
