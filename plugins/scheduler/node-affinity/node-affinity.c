/* node-affinity: Kubernetes' NodeAffinity filter and score.
 *
 * Filter: the node must satisfy the pod's spec.nodeSelector and its
 * required node affinity.  Score: the sum of the weights of the pod's
 * preferredDuringSchedulingIgnoredDuringExecution terms the node matches,
 * scaled so that the best node gets KC_SCHED_MAX_SCORE. */
#include "build-config.h"

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef struct
{
  int unused;
} NodeAffinity;

static gpointer
node_affinity_create (const KcHost *host, GError **error)
{
  return g_new0 (NodeAffinity, 1);
}

static void
node_affinity_destroy (gpointer self)
{
  g_free (self);
}

/* The member @name of @object (nullable) if it is an object, else NULL:
 * the pod is user input, a wrong shape must not raise a critical. */
static JsonObject *
object_member (JsonObject *object, const char *name)
{
  JsonNode *member;

  if (object == NULL)
    return NULL;
  member = json_object_get_member (object, name);
  return member != NULL && JSON_NODE_HOLDS_OBJECT (member)
             ? json_node_get_object (member)
             : NULL;
}

/* spec.affinity.nodeAffinity, or NULL. */
static JsonObject *
pod_node_affinity (const KcSchedPod *pod)
{
  return object_member (object_member (kc_sched_pod_get_spec (pod),
                                       "affinity"),
                        "nodeAffinity");
}

/* The member @name of @object (nullable) if it is an array, else NULL. */
static JsonArray *
array_member (JsonObject *object, const char *name)
{
  JsonNode *member;

  if (object == NULL)
    return NULL;
  member = json_object_get_member (object, name);
  return member != NULL && JSON_NODE_HOLDS_ARRAY (member)
             ? json_node_get_array (member)
             : NULL;
}

static gboolean
object_member_is_set (JsonObject *object, const char *name)
{
  JsonNode *member;

  if (object == NULL)
    return FALSE;
  member = json_object_get_member (object, name);
  return member != NULL && !JSON_NODE_HOLDS_NULL (member);
}

static KcSchedCode
node_affinity_pre_filter (gpointer self, KcSchedCycle *cycle,
                          const KcSchedPod *pod,
                          const KcSchedSnapshot *snapshot, GPtrArray *reasons)
{
  JsonObject *spec = kc_sched_pod_get_spec (pod);

  /* Nothing to check: every node passes. */
  if (!object_member_is_set (spec, "nodeSelector")
      && !object_member_is_set (pod_node_affinity (pod),
                                "requiredDuringSchedulingIgnoredDuringExecution"))
    return KC_SCHED_SKIP;
  return KC_SCHED_SUCCESS;
}

static KcSchedCode
node_affinity_filter (gpointer self, KcSchedCycle *cycle,
                      const KcSchedPod *pod, const KcSchedNode *node,
                      GPtrArray *reasons)
{
  if (kc_sched_pod_matches_node_selection (pod, node))
    return KC_SCHED_SUCCESS;
  g_ptr_array_add (reasons,
                   g_strdup ("node(s) didn't match Pod's node affinity/selector"));
  /* Node labels change rarely and never because of a scheduling decision,
   * as in Kubernetes. */
  return KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE;
}

static JsonArray *
preferred_terms (const KcSchedPod *pod)
{
  return array_member (pod_node_affinity (pod),
                       "preferredDuringSchedulingIgnoredDuringExecution");
}

static KcSchedCode
node_affinity_pre_score (gpointer self, KcSchedCycle *cycle,
                         const KcSchedPod *pod,
                         const KcSchedSnapshot *snapshot,
                         const KcSchedNode *const *nodes, guint n_nodes)
{
  JsonArray *terms = preferred_terms (pod);

  return terms != NULL && json_array_get_length (terms) > 0 ? KC_SCHED_SUCCESS
                                                            : KC_SCHED_SKIP;
}

static gint64
node_affinity_score (gpointer self, KcSchedCycle *cycle,
                     const KcSchedPod *pod, const KcSchedNode *node)
{
  JsonArray *terms = preferred_terms (pod);
  gint64 sum = 0;
  guint n = terms != NULL ? json_array_get_length (terms) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (terms, i);
      JsonObject *term, *preference;
      JsonNode *weight;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      term = json_node_get_object (item);
      weight = json_object_get_member (term, "weight");
      if (weight == NULL || json_node_get_value_type (weight) != G_TYPE_INT64
          || json_node_get_int (weight) == 0)
        continue;
      preference = object_member (term, "preference");
      if (preference != NULL
          && kc_sched_node_selector_term_matches (preference, node))
        sum += json_node_get_int (weight);
    }
  return sum;
}

/* Kubernetes' DefaultNormalizeScore without reverse: the highest score
 * becomes KC_SCHED_MAX_SCORE, the others proportionally. */
static void
node_affinity_normalize_scores (gpointer self, KcSchedCycle *cycle,
                                const KcSchedPod *pod,
                                const KcSchedNode *const *nodes,
                                gint64 *scores, guint n_nodes)
{
  kc_sched_default_normalize_scores (scores, n_nodes, FALSE);
}

static const KcSchedulerVtable node_affinity_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = node_affinity_create,
  .destroy = node_affinity_destroy,
  .pre_filter = node_affinity_pre_filter,
  .filter = node_affinity_filter,
  .pre_score = node_affinity_pre_score,
  .score = node_affinity_score,
  .normalize_scores = node_affinity_normalize_scores,
};

static const KcPluginDescriptor node_affinity_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "node-affinity",
  .version = PACKAGE_VERSION,
  .summary = "nodeSelector and required node affinity as a filter, "
             "preferred node affinity as a score",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &node_affinity_vtable,
};

KC_PLUGIN_DEFINE (node_affinity_descriptor)
