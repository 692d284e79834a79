/* pod-topology-spread: DoNotSchedule constraints (Kubernetes'
 * PodTopologySpread Filter).
 *
 * pre_filter counts the matching pods of every domain over the nodes that
 * have all the constraints' topology keys and pass the node inclusion
 * policies, and the global minimum; filter then checks
 *   count(domain of the node) + (pod matches itself) - minimum <= maxSkew */
#include "pod-topology-spread.h"

static const char REASON_SKEW[]
    = "node(s) didn't match pod topology spread constraints";
static const char REASON_MISSING_LABEL[]
    = "node(s) didn't match pod topology spread constraints (missing "
      "required label)";

static const int filter_state_key;

static void
count_domains (GPtrArray *constraints, const KcSchedPod *pod,
               const KcSchedSnapshot *snapshot)
{
  guint n_nodes = kc_sched_snapshot_get_n_nodes (snapshot);
  for (guint i = 0; i < n_nodes; i++)
    {
      const KcSchedNode *node = kc_sched_snapshot_get_node (snapshot, i);
      if (!spread_node_has_all_keys (constraints, node))
        continue;
      for (guint c = 0; c < constraints->len; c++)
        {
          SpreadConstraint *constraint = constraints->pdata[c];
          if (!spread_constraint_includes_node (constraint, pod, node))
            continue;
          spread_constraint_add (
              constraint,
              kc_sched_node_get_label (node, constraint->topology_key),
              spread_count_matching_pods (constraint, pod, node));
        }
    }
}

static void
compute_minimum (SpreadConstraint *constraint)
{
  /* No domain at all: nothing to be skewed against, as in Kubernetes. */
  gint64 min = G_MAXINT32;
  GHashTableIter iter;
  gpointer count;
  g_hash_table_iter_init (&iter, constraint->domains);
  while (g_hash_table_iter_next (&iter, NULL, &count))
    min = MIN (min, *(gint64 *) count);
  /* Fewer domains than minDomains: the missing ones count as empty. */
  if ((gint64) g_hash_table_size (constraint->domains)
      < constraint->min_domains)
    min = 0;
  constraint->min_match = min;
}

KcSchedCode
pod_topology_spread_pre_filter (gpointer self, KcSchedCycle *cycle,
                                const KcSchedPod *pod,
                                const KcSchedSnapshot *snapshot,
                                GPtrArray *reasons)
{
  GPtrArray *constraints = spread_constraints_parse (pod, FALSE);
  if (constraints->len == 0)
    {
      g_ptr_array_unref (constraints);
      return KC_SCHED_SKIP;
    }
  count_domains (constraints, pod, snapshot);
  for (guint c = 0; c < constraints->len; c++)
    {
      SpreadConstraint *constraint = constraints->pdata[c];
      compute_minimum (constraint);
      constraint->selector = NULL; /* borrowed for this hook only */
    }
  kc_sched_cycle_set (cycle, &filter_state_key, constraints,
                      (GDestroyNotify) g_ptr_array_unref);
  return KC_SCHED_SUCCESS;
}

KcSchedCode
pod_topology_spread_filter (gpointer self, KcSchedCycle *cycle,
                            const KcSchedPod *pod, const KcSchedNode *node,
                            GPtrArray *reasons)
{
  GPtrArray *constraints = kc_sched_cycle_get (cycle, &filter_state_key);
  if (constraints == NULL)
    return KC_SCHED_SUCCESS;
  for (guint c = 0; c < constraints->len; c++)
    {
      const SpreadConstraint *constraint = constraints->pdata[c];
      const char *value
          = kc_sched_node_get_label (node, constraint->topology_key);
      if (value == NULL)
        {
          g_ptr_array_add (reasons, g_strdup (REASON_MISSING_LABEL));
          return KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE;
        }
      gint64 count;
      spread_constraint_lookup (constraint, value, &count);
      gint64 skew = count + (constraint->self_match ? 1 : 0)
                    - constraint->min_match;
      if (skew > constraint->max_skew)
        {
          g_ptr_array_add (reasons, g_strdup (REASON_SKEW));
          return KC_SCHED_UNSCHEDULABLE;
        }
    }
  return KC_SCHED_SUCCESS;
}
