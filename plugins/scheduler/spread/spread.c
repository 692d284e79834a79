/* spread: Kubernetes' NodeResourcesLeastAllocated score.
 *
 * Prefers the node that keeps the most of its cpu and memory free once the
 * pod is there: per resource (allocatable - requested) * 100 / allocatable,
 * then the average weighted by the options cpu-weight and memory-weight.
 * Requests are the scoring ones (a container that asks for nothing counts
 * as 100m cpu and 200Mi memory), so best-effort pods spread too. */
#include "build-config.h"

#include "../allocation-score.h"

static const KcConfigKey spread_config_keys[] = {
  { .key = "cpu-weight",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "1",
    .min = 0,
    .max = 100,
    .help = "weight of the free cpu fraction in the score (0 ignores cpu)" },
  { .key = "memory-weight",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "1",
    .min = 0,
    .max = 100,
    .help = "weight of the free memory fraction in the score (0 ignores "
            "memory)" },
  { NULL },
};

static gint64
spread_score (gpointer self, KcSchedCycle *cycle, const KcSchedPod *pod,
              const KcSchedNode *node)
{
  return kc_allocation_score (self, pod, node, KC_ALLOCATION_LEAST);
}

static const KcSchedulerVtable spread_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = kc_allocation_score_create,
  .destroy = kc_allocation_score_destroy,
  .score = spread_score,
};

static const KcPluginDescriptor spread_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "spread",
  .version = PACKAGE_VERSION,
  .summary = "prefers the nodes with the most free cpu and memory "
             "(least allocated)",
  .config_keys = spread_config_keys,
  .vtable = (const KcPluginVtable *) &spread_vtable,
};

KC_PLUGIN_DEFINE (spread_descriptor)
