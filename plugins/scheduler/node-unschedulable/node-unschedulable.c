/* node-unschedulable: Kubernetes' NodeUnschedulable filter.
 *
 * A cordoned node (spec.unschedulable) takes no new pods, except pods that
 * tolerate the taint node.kubernetes.io/unschedulable:NoSchedule: the node
 * lifecycle controller would put that taint on such a node, and daemon-like
 * pods tolerate it so that they run on cordoned nodes too. */
#include "build-config.h"

#include <kcore/host.h>
#include <kcore/scheduler.h>

#define UNSCHEDULABLE_TAINT_KEY "node.kubernetes.io/unschedulable"

typedef struct
{
  int unused;
} NodeUnschedulable;

static gpointer
node_unschedulable_create (const KcHost *host, GError **error)
{
  return g_new0 (NodeUnschedulable, 1);
}

static void
node_unschedulable_destroy (gpointer self)
{
  g_free (self);
}

static KcSchedCode
node_unschedulable_filter (gpointer self, KcSchedCycle *cycle,
                           const KcSchedPod *pod, const KcSchedNode *node,
                           GPtrArray *reasons)
{
  if (!kc_sched_node_is_unschedulable (node))
    return KC_SCHED_SUCCESS;
  if (kc_sched_pod_tolerates_taint (pod, UNSCHEDULABLE_TAINT_KEY, "",
                                    "NoSchedule"))
    return KC_SCHED_SUCCESS;
  g_ptr_array_add (reasons, g_strdup ("node(s) were unschedulable"));
  /* Only an uncordon helps, which no scheduling decision brings about. */
  return KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE;
}

static const KcSchedulerVtable node_unschedulable_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = node_unschedulable_create,
  .destroy = node_unschedulable_destroy,
  .filter = node_unschedulable_filter,
};

static const KcPluginDescriptor node_unschedulable_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "node-unschedulable",
  .version = PACKAGE_VERSION,
  .summary = "keeps pods off cordoned nodes unless they tolerate "
             "node.kubernetes.io/unschedulable",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &node_unschedulable_vtable,
};

KC_PLUGIN_DEFINE (node_unschedulable_descriptor)
