/* pod-topology-spread: Kubernetes' PodTopologySpread scheduling policy.
 *
 * spec.topologySpreadConstraints: DoNotSchedule ones filter
 * (spread-filter.c), ScheduleAnyway ones score (spread-score.c).  This
 * file only declares the plugin. */
#include "pod-topology-spread.h"

typedef struct
{
  const KcHost *host;
} PodTopologySpread;

static gpointer
pod_topology_spread_create (const KcHost *host, GError **error)
{
  PodTopologySpread *self = g_new0 (PodTopologySpread, 1);
  self->host = host;
  return self;
}

static void
pod_topology_spread_destroy (gpointer self)
{
  g_free (self);
}

static const KcSchedulerVtable pod_topology_spread_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = pod_topology_spread_create,
  .destroy = pod_topology_spread_destroy,
  .pre_filter = pod_topology_spread_pre_filter,
  .filter = pod_topology_spread_filter,
  .pre_score = pod_topology_spread_pre_score,
  .score = pod_topology_spread_score,
  .normalize_scores = pod_topology_spread_normalize_scores,
};

static const KcPluginDescriptor pod_topology_spread_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "pod-topology-spread",
  .version = "1.0.0",
  .summary = "spread pods over topology domains (Kubernetes "
             "PodTopologySpread)",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &pod_topology_spread_vtable,
};

KC_PLUGIN_DEFINE (pod_topology_spread_descriptor)
