/* node-name: Kubernetes' NodeName filter.
 *
 * A pod that names its node in spec.nodeName may only go there.  Pods
 * created with spec.nodeName are bound already and never reach the
 * scheduler; this covers a pod whose nodeName was set while it waited
 * in the queue, and keeps profiles equivalent to Kubernetes'. */
#include "build-config.h"

#include <string.h>

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef struct
{
  int unused;
} NodeName;

static gpointer
node_name_create (const KcHost *host, GError **error)
{
  return g_new0 (NodeName, 1);
}

static void
node_name_destroy (gpointer self)
{
  g_free (self);
}

static KcSchedCode
node_name_pre_filter (gpointer self, KcSchedCycle *cycle,
                      const KcSchedPod *pod, const KcSchedSnapshot *snapshot,
                      GPtrArray *reasons)
{
  const char *wanted = kc_sched_pod_get_node_name (pod);

  return wanted != NULL && *wanted != '\0' ? KC_SCHED_SUCCESS
                                           : KC_SCHED_SKIP;
}

static KcSchedCode
node_name_filter (gpointer self, KcSchedCycle *cycle, const KcSchedPod *pod,
                  const KcSchedNode *node, GPtrArray *reasons)
{
  const char *wanted = kc_sched_pod_get_node_name (pod);

  if (wanted == NULL || *wanted == '\0'
      || strcmp (wanted, kc_sched_node_get_name (node)) == 0)
    return KC_SCHED_SUCCESS;
  g_ptr_array_add (reasons,
                   g_strdup ("node(s) didn't match the requested node name"));
  return KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE;
}

static const KcSchedulerVtable node_name_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = node_name_create,
  .destroy = node_name_destroy,
  .pre_filter = node_name_pre_filter,
  .filter = node_name_filter,
};

static const KcPluginDescriptor node_name_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "node-name",
  .version = PACKAGE_VERSION,
  .summary = "a pod whose spec.nodeName is set fits only on that node",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &node_name_vtable,
};

KC_PLUGIN_DEFINE (node_name_descriptor)
