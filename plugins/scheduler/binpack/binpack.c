/* binpack: Kubernetes' NodeResourcesMostAllocated score.
 *
 * Prefers the node whose cpu and memory are the most used once the pod is
 * there, so that pods pile onto few nodes and whole nodes stay free: per
 * resource requested * 100 / allocatable, then the average weighted by
 * the options cpu-weight and memory-weight.  Requests are the scoring ones
 * (a container that asks for nothing counts as 100m cpu and 200Mi
 * memory). */
#include "build-config.h"

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef struct
{
  gint64 cpu_weight;
  gint64 memory_weight;
} Binpack;

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

static gpointer
binpack_create (const KcHost *host, GError **error)
{
  Binpack *self = g_new0 (Binpack, 1);

  self->cpu_weight = kc_config_group_get_int (host->config, "cpu-weight");
  self->memory_weight
      = kc_config_group_get_int (host->config, "memory-weight");
  return self;
}

static void
binpack_destroy (gpointer self)
{
  g_free (self);
}

/* Kubernetes' mostRequestedScore: 0 when the resource would be over
 * allocatable (or the node has none), so that an overfull node is not the
 * favourite. */
static gint64
most_allocated (const KcSchedPod *pod, const KcSchedNode *node,
                 KcSchedResource resource)
{
  gint64 allocatable = kc_sched_node_get_allocatable (node, resource);
  gint64 requested = kc_sched_node_get_scoring_requested (node, resource)
                     + kc_sched_pod_get_scoring_request (pod, resource);

  if (allocatable <= 0 || requested > allocatable)
    return 0;
  /* Divide first when the product could overflow (petabytes of memory). */
  if (requested > G_MAXINT64 / KC_SCHED_MAX_SCORE)
    return requested / (allocatable / KC_SCHED_MAX_SCORE);
  return requested * KC_SCHED_MAX_SCORE / allocatable;
}

static gint64
binpack_score (gpointer user_data, KcSchedCycle *cycle, const KcSchedPod *pod,
              const KcSchedNode *node)
{
  const Binpack *self = user_data;
  gint64 weights = self->cpu_weight + self->memory_weight;
  gint64 sum = 0;

  if (weights == 0)
    return 0;
  if (self->cpu_weight > 0)
    sum += self->cpu_weight
           * most_allocated (pod, node, KC_SCHED_RESOURCE_CPU);
  if (self->memory_weight > 0)
    sum += self->memory_weight
           * most_allocated (pod, node, KC_SCHED_RESOURCE_MEMORY);
  return sum / weights;
}

static const KcSchedulerVtable binpack_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = binpack_create,
  .destroy = binpack_destroy,
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
