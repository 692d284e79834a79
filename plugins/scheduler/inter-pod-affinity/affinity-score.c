/* inter-pod-affinity: preferred terms (Kubernetes' InterPodAffinity Score).
 *
 * pre_score sums, per topology domain, the weights of
 *   - the incoming pod's preferred affinity (+) and anti-affinity (-) terms
 *     over the pods in that domain that match them, and, symmetrically,
 *   - the existing pods' required affinity terms (+1, Kubernetes'
 *     hardPodAffinityWeight), preferred affinity (+) and anti-affinity (-)
 *     terms that match the incoming pod, in the existing pod's domain.
 * score adds up the domains a node is in; normalize_scores maps the range
 * of the scores min..max onto 0..100 as Kubernetes does. */
#include "inter-pod-affinity.h"

/* The weight an existing pod's required affinity term gives a domain
 * (Kubernetes' default hardPodAffinityWeight). */
#define HARD_POD_AFFINITY_WEIGHT 1

static const int score_state_key;

static void
add_terms (TopologyCounts *sums, GArray *terms, const KcSchedPod *target,
           const KcSchedNode *node, gint64 sign, gint64 weight_override)
{
  for (guint i = 0; i < terms->len; i++)
    {
      const AffinityTerm *term = &g_array_index (terms, AffinityTerm, i);
      if (!affinity_term_matches (term, target))
        continue;
      const char *value = kc_sched_node_get_label (node, term->topology_key);
      if (value == NULL)
        continue;
      gint64 weight = weight_override ? weight_override : term->weight;
      topology_counts_add (sums, term->topology_key, value, sign * weight);
    }
}

/* Kubernetes' processExistingPod: @existing runs on @node. */
static void
add_existing_pod (TopologyCounts *sums, const PodTerms *incoming,
                  const KcSchedPod *pod, const KcSchedPod *existing,
                  const KcSchedNode *node)
{
  add_terms (sums, incoming->preferred_affinity, existing, node, 1, 0);
  add_terms (sums, incoming->preferred_anti, existing, node, -1, 0);
  if (!kc_sched_pod_has_pod_affinity (existing))
    return;
  PodTerms terms;
  pod_terms_init (&terms, existing);
  add_terms (sums, terms.required_affinity, pod, node, 1,
             HARD_POD_AFFINITY_WEIGHT);
  add_terms (sums, terms.preferred_affinity, pod, node, 1, 0);
  add_terms (sums, terms.preferred_anti, pod, node, -1, 0);
  pod_terms_clear (&terms);
}

static void
add_all_pods (TopologyCounts *sums, const PodTerms *incoming,
              const KcSchedPod *pod, const KcSchedSnapshot *snapshot)
{
  const char *uid = kc_sched_pod_get_uid (pod);
  guint n_nodes = kc_sched_snapshot_get_n_nodes (snapshot);
  for (guint i = 0; i < n_nodes; i++)
    {
      const KcSchedNode *node = kc_sched_snapshot_get_node (snapshot, i);
      guint n_pods = kc_sched_node_get_n_pods (node);
      for (guint p = 0; p < n_pods; p++)
        {
          const KcSchedPod *existing = kc_sched_node_get_pod (node, p);
          if (!uid || g_strcmp0 (kc_sched_pod_get_uid (existing), uid) != 0)
            add_existing_pod (sums, incoming, pod, existing, node);
        }
    }
}

/* Without preferred terms of its own, only pods with terms can matter. */
static void
add_affinity_pods (TopologyCounts *sums, const PodTerms *incoming,
                   const KcSchedPod *pod, const KcSchedSnapshot *snapshot)
{
  guint n = kc_sched_snapshot_get_n_affinity_pods (snapshot);
  for (guint i = 0; i < n; i++)
    {
      const KcSchedPod *existing
          = kc_sched_snapshot_get_affinity_pod (snapshot, i);
      const KcSchedNode *node = kc_sched_snapshot_find_node (
          snapshot, kc_sched_pod_get_node_name (existing));
      if (node)
        add_existing_pod (sums, incoming, pod, existing, node);
    }
}

KcSchedCode
inter_pod_affinity_pre_score (gpointer self, KcSchedCycle *cycle,
                              const KcSchedPod *pod,
                              const KcSchedSnapshot *snapshot,
                              const KcSchedNode *const *nodes, guint n_nodes)
{
  PodTerms terms;
  pod_terms_init (&terms, pod);
  gboolean has_preferred
      = terms.preferred_affinity->len > 0 || terms.preferred_anti->len > 0;
  if (!has_preferred && kc_sched_snapshot_get_n_affinity_pods (snapshot) == 0)
    {
      pod_terms_clear (&terms);
      return KC_SCHED_SKIP;
    }
  TopologyCounts *sums = topology_counts_new ();
  if (has_preferred)
    add_all_pods (sums, &terms, pod, snapshot);
  else
    add_affinity_pods (sums, &terms, pod, snapshot);
  pod_terms_clear (&terms);
  /* Every node would score the same. */
  if (topology_counts_is_empty (sums))
    {
      topology_counts_free (sums);
      return KC_SCHED_SKIP;
    }
  kc_sched_cycle_set (cycle, &score_state_key, sums,
                      (GDestroyNotify) topology_counts_free);
  return KC_SCHED_SUCCESS;
}

gint64
inter_pod_affinity_score (gpointer self, KcSchedCycle *cycle,
                          const KcSchedPod *pod, const KcSchedNode *node)
{
  const TopologyCounts *sums = kc_sched_cycle_get (cycle, &score_state_key);
  return sums ? topology_counts_sum_for_node (sums, node) : 0;
}

void
inter_pod_affinity_normalize_scores (gpointer self, KcSchedCycle *cycle,
                                     const KcSchedPod *pod,
                                     const KcSchedNode *const *nodes,
                                     gint64 *scores, guint n_nodes)
{
  if (n_nodes == 0)
    return;
  gint64 min = scores[0], max = scores[0];
  for (guint i = 1; i < n_nodes; i++)
    {
      min = MIN (min, scores[i]);
      max = MAX (max, scores[i]);
    }
  gint64 range = max - min;
  for (guint i = 0; i < n_nodes; i++)
    scores[i] = range > 0 ? (gint64) ((double) KC_SCHED_MAX_SCORE
                                      * (double) (scores[i] - min)
                                      / (double) range)
                          : 0;
}
