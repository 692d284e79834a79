/* node-resources-fit: Kubernetes' NodeResourcesFit filter.
 *
 * The pod fits when, for cpu, memory and ephemeral storage, its request
 * plus what the node's pods request stays within the node's allocatable,
 * and the node has room for one more pod.  Every short resource adds its
 * own reason ("Insufficient cpu", "Too many pods"), so the pod's condition
 * message counts each over the nodes, as Kubernetes does. */
#include "build-config.h"

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef struct
{
  int unused;
} NodeResourcesFit;

/* The pod's requests, computed once per cycle in pre_filter. */
typedef struct
{
  gint64 cpu;
  gint64 memory;
  gint64 ephemeral_storage;
} PodRequests;

/* The cycle key. */
static const char requests_key[] = "node-resources-fit";

static const struct
{
  KcSchedResource resource;
  const char *reason;
} checked[] = {
  { KC_SCHED_RESOURCE_CPU, "Insufficient cpu" },
  { KC_SCHED_RESOURCE_MEMORY, "Insufficient memory" },
  { KC_SCHED_RESOURCE_EPHEMERAL_STORAGE, "Insufficient ephemeral-storage" },
};

static gpointer
node_resources_fit_create (const KcHost *host, GError **error)
{
  return g_new0 (NodeResourcesFit, 1);
}

static void
node_resources_fit_destroy (gpointer self)
{
  g_free (self);
}

static void
pod_requests_compute (const KcSchedPod *pod, PodRequests *out)
{
  out->cpu = kc_sched_pod_get_request (pod, KC_SCHED_RESOURCE_CPU);
  out->memory = kc_sched_pod_get_request (pod, KC_SCHED_RESOURCE_MEMORY);
  out->ephemeral_storage
      = kc_sched_pod_get_request (pod, KC_SCHED_RESOURCE_EPHEMERAL_STORAGE);
}

static gint64
pod_requests_get (const PodRequests *requests, KcSchedResource resource)
{
  switch (resource)
    {
    case KC_SCHED_RESOURCE_CPU:
      return requests->cpu;
    case KC_SCHED_RESOURCE_MEMORY:
      return requests->memory;
    case KC_SCHED_RESOURCE_EPHEMERAL_STORAGE:
      return requests->ephemeral_storage;
    default:
      return 0;
    }
}

static KcSchedCode
node_resources_fit_pre_filter (gpointer self, KcSchedCycle *cycle,
                               const KcSchedPod *pod,
                               const KcSchedSnapshot *snapshot,
                               GPtrArray *reasons)
{
  PodRequests *requests = g_new0 (PodRequests, 1);

  pod_requests_compute (pod, requests);
  kc_sched_cycle_set (cycle, requests_key, requests, g_free);
  return KC_SCHED_SUCCESS;
}

/* Whether @request more of @resource fits on @node.  Written as a
 * subtraction from allocatable, as Kubernetes does, so that huge requests
 * cannot overflow. */
static gboolean
fits (const KcSchedNode *node, KcSchedResource resource, gint64 request)
{
  gint64 allocatable = kc_sched_node_get_allocatable (node, resource);
  gint64 requested = kc_sched_node_get_requested (node, resource);

  return request <= allocatable - requested;
}

static KcSchedCode
node_resources_fit_filter (gpointer self, KcSchedCycle *cycle,
                           const KcSchedPod *pod, const KcSchedNode *node,
                           GPtrArray *reasons)
{
  const PodRequests *requests = kc_sched_cycle_get (cycle, requests_key);
  PodRequests computed;
  KcSchedCode code = KC_SCHED_SUCCESS;

  /* Without pre_filter's result (a core that skipped it), compute here:
   * on the stack, nothing shared is written. */
  if (requests == NULL)
    {
      pod_requests_compute (pod, &computed);
      requests = &computed;
    }

  if ((gint64) kc_sched_node_get_n_pods (node) + 1
      > kc_sched_node_get_allocatable (node, KC_SCHED_RESOURCE_PODS))
    {
      g_ptr_array_add (reasons, g_strdup ("Too many pods"));
      code = KC_SCHED_UNSCHEDULABLE;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (checked); i++)
    {
      gint64 request = pod_requests_get (requests, checked[i].resource);

      /* A resource the pod does not ask for never makes it unfit, even on
       * a node already over-committed (as in Kubernetes). */
      if (request <= 0 || fits (node, checked[i].resource, request))
        continue;
      g_ptr_array_add (reasons, g_strdup (checked[i].reason));
      code = KC_SCHED_UNSCHEDULABLE;
    }
  return code;
}

static const KcSchedulerVtable node_resources_fit_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = node_resources_fit_create,
  .destroy = node_resources_fit_destroy,
  .pre_filter = node_resources_fit_pre_filter,
  .filter = node_resources_fit_filter,
};

static const KcPluginDescriptor node_resources_fit_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "node-resources-fit",
  .version = PACKAGE_VERSION,
  .summary = "a pod fits where its cpu, memory and ephemeral-storage "
             "requests and one more pod stay within allocatable",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &node_resources_fit_vtable,
};

KC_PLUGIN_DEFINE (node_resources_fit_descriptor)
