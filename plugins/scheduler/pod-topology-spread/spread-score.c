/* pod-topology-spread: ScheduleAnyway constraints (Kubernetes'
 * PodTopologySpread Score).
 *
 * pre_score makes an entry for every domain of a feasible node, then counts
 * the matching pods of those domains over all nodes.  A node scores
 *   sum over constraints of count(its domain) * log(domains + 2)
 *                           + maxSkew - 1
 * (more pods: worse), and normalize_scores turns that around so the
 * emptiest domain gets 100.  Nodes missing a topology key score 0. */
#include "pod-topology-spread.h"

#include <math.h>

static const int score_state_key;

static void
make_candidate_domains (GPtrArray *constraints,
                        const KcSchedNode *const *nodes, guint n_nodes)
{
  for (guint i = 0; i < n_nodes; i++)
    {
      if (!spread_node_has_all_keys (constraints, nodes[i]))
        continue;
      for (guint c = 0; c < constraints->len; c++)
        {
          SpreadConstraint *constraint = constraints->pdata[c];
          spread_constraint_add (
              constraint,
              kc_sched_node_get_label (nodes[i], constraint->topology_key),
              0);
        }
    }
}

static void
count_candidate_domains (GPtrArray *constraints, const KcSchedPod *pod,
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
          const char *value
              = kc_sched_node_get_label (node, constraint->topology_key);
          gint64 unused;
          if (!spread_constraint_lookup (constraint, value, &unused)
              || !spread_constraint_includes_node (constraint, pod, node))
            continue;
          spread_constraint_add (
              constraint, value,
              spread_count_matching_pods (constraint, pod, node));
        }
    }
}

KcSchedCode
pod_topology_spread_pre_score (gpointer self, KcSchedCycle *cycle,
                               const KcSchedPod *pod,
                               const KcSchedSnapshot *snapshot,
                               const KcSchedNode *const *nodes, guint n_nodes)
{
  GPtrArray *constraints = spread_constraints_parse (pod, TRUE);
  if (constraints->len == 0)
    {
      g_ptr_array_unref (constraints);
      return KC_SCHED_SKIP;
    }
  make_candidate_domains (constraints, nodes, n_nodes);
  count_candidate_domains (constraints, pod, snapshot);
  for (guint c = 0; c < constraints->len; c++)
    {
      SpreadConstraint *constraint = constraints->pdata[c];
      /* More domains: each pod weighs more against maxSkew. */
      constraint->weight
          = log ((double) g_hash_table_size (constraint->domains) + 2.0);
      constraint->selector = NULL; /* borrowed for this hook only */
    }
  kc_sched_cycle_set (cycle, &score_state_key, constraints,
                      (GDestroyNotify) g_ptr_array_unref);
  return KC_SCHED_SUCCESS;
}

gint64
pod_topology_spread_score (gpointer self, KcSchedCycle *cycle,
                           const KcSchedPod *pod, const KcSchedNode *node)
{
  GPtrArray *constraints = kc_sched_cycle_get (cycle, &score_state_key);
  if (constraints == NULL || !spread_node_has_all_keys (constraints, node))
    return 0;
  double score = 0;
  for (guint c = 0; c < constraints->len; c++)
    {
      const SpreadConstraint *constraint = constraints->pdata[c];
      gint64 count;
      spread_constraint_lookup (
          constraint, kc_sched_node_get_label (node, constraint->topology_key),
          &count);
      score += (double) count * constraint->weight
               + (double) (constraint->max_skew - 1);
    }
  return (gint64) round (score);
}

void
pod_topology_spread_normalize_scores (gpointer self, KcSchedCycle *cycle,
                                      const KcSchedPod *pod,
                                      const KcSchedNode *const *nodes,
                                      gint64 *scores, guint n_nodes)
{
  GPtrArray *constraints = kc_sched_cycle_get (cycle, &score_state_key);
  if (constraints == NULL)
    return;
  gint64 min = G_MAXINT64, max = 0;
  for (guint i = 0; i < n_nodes; i++)
    if (spread_node_has_all_keys (constraints, nodes[i]))
      {
        min = MIN (min, scores[i]);
        max = MAX (max, scores[i]);
      }
  for (guint i = 0; i < n_nodes; i++)
    {
      if (!spread_node_has_all_keys (constraints, nodes[i]))
        scores[i] = 0;
      else if (max == 0)
        scores[i] = KC_SCHED_MAX_SCORE;
      else
        scores[i] = KC_SCHED_MAX_SCORE * (max + min - scores[i]) / max;
    }
}
