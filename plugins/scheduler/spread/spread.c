/* spread: Kubernetes' NodeResourcesLeastAllocated score.
 *
 * Prefers the node that keeps the most of its cpu and memory free once the
 * pod is there: per resource (allocatable - requested) * 100 / allocatable,
 * then the average weighted by the options cpu-weight and memory-weight.
 * Requests are the scoring ones (a container that asks for nothing counts
 * as 100m cpu and 200Mi memory), so best-effort pods spread too. */
#include "build-config.h"

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef struct
{
  gint64 cpu_weight;
  gint64 memory_weight;
} Spread;

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

static gpointer
spread_create (const KcHost *host, GError **error)
{
  Spread *self = g_new0 (Spread, 1);

  self->cpu_weight = kc_config_group_get_int (host->config, "cpu-weight");
  self->memory_weight
      = kc_config_group_get_int (host->config, "memory-weight");
  return self;
}

static void
spread_destroy (gpointer self)
{
  g_free (self);
}

/* Kubernetes' leastRequestedScore: 0 when the resource would be over
 * allocatable (or the node has none). */
static gint64
least_allocated (const KcSchedPod *pod, const KcSchedNode *node,
                 KcSchedResource resource)
{
  gint64 allocatable = kc_sched_node_get_allocatable (node, resource);
  gint64 requested = kc_sched_node_get_scoring_requested (node, resource)
                     + kc_sched_pod_get_scoring_request (pod, resource);

  if (allocatable <= 0 || requested > allocatable)
    return 0;
  /* Divide first when the product could overflow (petabytes of memory). */
  if (allocatable - requested > G_MAXINT64 / KC_SCHED_MAX_SCORE)
    return (allocatable - requested) / (allocatable / KC_SCHED_MAX_SCORE);
  return (allocatable - requested) * KC_SCHED_MAX_SCORE / allocatable;
}

static gint64
spread_score (gpointer user_data, KcSchedCycle *cycle, const KcSchedPod *pod,
              const KcSchedNode *node)
{
  const Spread *self = user_data;
  gint64 weights = self->cpu_weight + self->memory_weight;
  gint64 sum = 0;

  if (weights == 0)
    return 0;
  if (self->cpu_weight > 0)
    sum += self->cpu_weight
           * least_allocated (pod, node, KC_SCHED_RESOURCE_CPU);
  if (self->memory_weight > 0)
    sum += self->memory_weight
           * least_allocated (pod, node, KC_SCHED_RESOURCE_MEMORY);
  return sum / weights;
}

static const KcSchedulerVtable spread_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = spread_create,
  .destroy = spread_destroy,
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
