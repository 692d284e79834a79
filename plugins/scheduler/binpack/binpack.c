/* binpack: Kubernetes' NodeResourcesMostAllocated score.
 *
 * Prefers the node whose cpu and memory are the most used once the pod is
 * there, so that pods pile onto few nodes and whole nodes stay free: per
 * resource requested * 100 / allocatable, then the average weighted by
 * the options cpu-weight and memory-weight.  Requests are the scoring ones
 * (a container that asks for nothing counts as 100m cpu and 200Mi
 * memory). */
#include "build-config.h"

#include "../allocation-score.h"

static const KcConfigKey binpack_config_keys[] = {
  { .key = "cpu-weight",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "1",
    .min = 0,
    .max = 100,
    .help = "weight of the used cpu fraction in the score (0 ignores cpu)" },
  { .key = "memory-weight",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "1",
    .min = 0,
    .max = 100,
    .help = "weight of the used memory fraction in the score (0 ignores "
            "memory)" },
  { NULL },
};

static gint64
binpack_score (gpointer self, KcSchedCycle *cycle, const KcSchedPod *pod,
               const KcSchedNode *node)
{
  return kc_allocation_score (self, pod, node, KC_ALLOCATION_MOST);
}

static const KcSchedulerVtable binpack_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = kc_allocation_score_create,
  .destroy = kc_allocation_score_destroy,
  .score = binpack_score,
};

static const KcPluginDescriptor binpack_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "binpack",
  .version = PACKAGE_VERSION,
  .summary = "prefers the nodes with the least free cpu and memory "
             "(most allocated), packing pods onto few nodes",
  .config_keys = binpack_config_keys,
  .vtable = (const KcPluginVtable *) &binpack_vtable,
};

KC_PLUGIN_DEFINE (binpack_descriptor)
