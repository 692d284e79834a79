/* The shared score of spread and binpack (allocation-score.h). */
#include "build-config.h"

#include "allocation-score.h"

typedef struct
{
  gint64 cpu_weight;
  gint64 memory_weight;
} AllocationScore;

gpointer
kc_allocation_score_create (const KcHost *host, GError **error)
{
  AllocationScore *self = g_new0 (AllocationScore, 1);

  self->cpu_weight = kc_config_group_get_int (host->config, "cpu-weight");
  self->memory_weight
      = kc_config_group_get_int (host->config, "memory-weight");
  return self;
}

void
kc_allocation_score_destroy (gpointer self)
{
  g_free (self);
}

static gint64
resource_score (const KcSchedPod *pod, const KcSchedNode *node,
                KcSchedResource resource, KcAllocationStrategy strategy)
{
  gint64 allocatable = kc_sched_node_get_allocatable (node, resource);
  gint64 requested = kc_sched_node_get_scoring_requested (node, resource)
                     + kc_sched_pod_get_scoring_request (pod, resource);

  /* An overfull node is neither the emptiest nor the favourite to fill. */
  if (allocatable <= 0 || requested > allocatable)
    return 0;
  gint64 counted
      = strategy == KC_ALLOCATION_LEAST ? allocatable - requested : requested;
  /* Divide first when the product could overflow (petabytes of memory). */
  if (counted > G_MAXINT64 / KC_SCHED_MAX_SCORE)
    return counted / (allocatable / KC_SCHED_MAX_SCORE);
  return counted * KC_SCHED_MAX_SCORE / allocatable;
}

gint64
kc_allocation_score (gconstpointer data, const KcSchedPod *pod,
                     const KcSchedNode *node, KcAllocationStrategy strategy)
{
  const AllocationScore *self = data;
  gint64 weights = self->cpu_weight + self->memory_weight;
  gint64 sum = 0;

  if (weights == 0)
    return 0;
  if (self->cpu_weight > 0)
    sum += self->cpu_weight
           * resource_score (pod, node, KC_SCHED_RESOURCE_CPU, strategy);
  if (self->memory_weight > 0)
    sum += self->memory_weight
           * resource_score (pod, node, KC_SCHED_RESOURCE_MEMORY, strategy);
  return sum / weights;
}
