/* inter-pod-affinity: required terms (Kubernetes' InterPodAffinity Filter).
 *
 * pre_filter counts, per topology domain, the existing pods that matter:
 *   - existing pods whose required anti-affinity terms match the incoming
 *     pod (their domains are forbidden to it: the symmetric rule);
 *   - pods matching all of the incoming pod's required affinity terms;
 *   - pods matching each of its required anti-affinity terms.
 * filter then only looks up the node's label values in those counts. */
#include "inter-pod-affinity.h"

static const char REASON_AFFINITY[] = "node(s) didn't match pod affinity rules";
static const char REASON_ANTI[]
    = "node(s) didn't match pod anti-affinity rules";
static const char REASON_EXISTING_ANTI[]
    = "node(s) didn't satisfy existing pods anti-affinity rules";

/* The cycle key of the filter state. */
static const int filter_state_key;

typedef struct
{
  GPtrArray *affinity_keys; /* topology keys of required affinity terms */
  GPtrArray *anti_keys;     /* ... of required anti-affinity terms */
  TopologyCounts *affinity; /* pods matching all affinity terms */
  TopologyCounts *anti;     /* pods matching an anti-affinity term */
  TopologyCounts *existing_anti; /* existing pods' anti terms matching us */
  /* The pod matches its own affinity terms: the first pod of a group may
   * go anywhere its topology keys exist. */
  gboolean matches_own_affinity;
} FilterState;

static void
filter_state_free (gpointer data)
{
  FilterState *state = data;
  g_ptr_array_unref (state->affinity_keys);
  g_ptr_array_unref (state->anti_keys);
  topology_counts_free (state->affinity);
  topology_counts_free (state->anti);
  topology_counts_free (state->existing_anti);
  g_free (state);
}

static GPtrArray *
topology_keys (GArray *terms)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < terms->len; i++)
    g_ptr_array_add (keys, g_strdup (g_array_index (terms, AffinityTerm, i)
                                         .topology_key));
  return keys;
}

static void
count_term (TopologyCounts *counts, const AffinityTerm *term,
            const KcSchedNode *node)
{
  const char *value = kc_sched_node_get_label (node, term->topology_key);
  if (value)
    topology_counts_add (counts, term->topology_key, value, 1);
}

/* Existing pods' required anti-affinity terms that match @pod. */
static void
count_existing_anti (TopologyCounts *counts, const KcSchedPod *pod,
                     const KcSchedSnapshot *snapshot)
{
  guint n = kc_sched_snapshot_get_n_affinity_pods (snapshot);
  for (guint i = 0; i < n; i++)
    {
      const KcSchedPod *existing
          = kc_sched_snapshot_get_affinity_pod (snapshot, i);
      const KcSchedNode *node = kc_sched_snapshot_find_node (
          snapshot, kc_sched_pod_get_node_name (existing));
      if (node == NULL)
        continue;
      PodTerms terms;
      pod_terms_init (&terms, existing);
      for (guint t = 0; t < terms.required_anti->len; t++)
        {
          const AffinityTerm *term
              = &g_array_index (terms.required_anti, AffinityTerm, t);
          if (affinity_term_matches (term, pod))
            count_term (counts, term, node);
        }
      pod_terms_clear (&terms);
    }
}

/* Every pod of the snapshot against the incoming pod's own terms. */
static void
count_incoming (FilterState *state, const PodTerms *terms,
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
          if (uid && g_strcmp0 (kc_sched_pod_get_uid (existing), uid) == 0)
            continue;
          if (affinity_terms_all_match (terms->required_affinity, existing))
            for (guint t = 0; t < terms->required_affinity->len; t++)
              count_term (state->affinity,
                          &g_array_index (terms->required_affinity,
                                          AffinityTerm, t),
                          node);
          for (guint t = 0; t < terms->required_anti->len; t++)
            {
              const AffinityTerm *term
                  = &g_array_index (terms->required_anti, AffinityTerm, t);
              if (affinity_term_matches (term, existing))
                count_term (state->anti, term, node);
            }
        }
    }
}

KcSchedCode
inter_pod_affinity_pre_filter (gpointer self, KcSchedCycle *cycle,
                               const KcSchedPod *pod,
                               const KcSchedSnapshot *snapshot,
                               GPtrArray *reasons)
{
  FilterState *state = g_new0 (FilterState, 1);
  state->affinity = topology_counts_new ();
  state->anti = topology_counts_new ();
  state->existing_anti = topology_counts_new ();
  count_existing_anti (state->existing_anti, pod, snapshot);

  PodTerms terms;
  pod_terms_init (&terms, pod);
  gboolean has_terms
      = terms.required_affinity->len > 0 || terms.required_anti->len > 0;
  if (has_terms)
    count_incoming (state, &terms, pod, snapshot);
  state->affinity_keys = topology_keys (terms.required_affinity);
  state->anti_keys = topology_keys (terms.required_anti);
  state->matches_own_affinity
      = affinity_terms_all_match (terms.required_affinity, pod);
  pod_terms_clear (&terms);

  if (!has_terms && topology_counts_is_empty (state->existing_anti))
    {
      filter_state_free (state);
      return KC_SCHED_SKIP;
    }
  kc_sched_cycle_set (cycle, &filter_state_key, state, filter_state_free);
  return KC_SCHED_SUCCESS;
}

static gboolean
satisfies_affinity (const FilterState *state, const KcSchedNode *node)
{
  gboolean pods_exist = TRUE;
  for (guint i = 0; i < state->affinity_keys->len; i++)
    {
      const char *key = state->affinity_keys->pdata[i];
      const char *value = kc_sched_node_get_label (node, key);
      /* Every topology key of the terms must exist on the node. */
      if (value == NULL)
        return FALSE;
      if (topology_counts_get (state->affinity, key, value) <= 0)
        pods_exist = FALSE;
    }
  if (pods_exist)
    return TRUE;
  /* No pod anywhere matches yet: let the first pod of a group that has
   * affinity to itself in, or it would stay pending forever. */
  return topology_counts_is_empty (state->affinity)
         && state->matches_own_affinity;
}

static gboolean
satisfies_anti_affinity (const FilterState *state, const KcSchedNode *node)
{
  for (guint i = 0; i < state->anti_keys->len; i++)
    {
      const char *key = state->anti_keys->pdata[i];
      const char *value = kc_sched_node_get_label (node, key);
      if (value && topology_counts_get (state->anti, key, value) > 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
satisfies_existing_anti_affinity (const FilterState *state,
                                  const KcSchedNode *node)
{
  return topology_counts_is_empty (state->existing_anti)
         || topology_counts_sum_for_node (state->existing_anti, node) == 0;
}

KcSchedCode
inter_pod_affinity_filter (gpointer self, KcSchedCycle *cycle,
                           const KcSchedPod *pod, const KcSchedNode *node,
                           GPtrArray *reasons)
{
  const FilterState *state = kc_sched_cycle_get (cycle, &filter_state_key);
  if (state == NULL)
    return KC_SCHED_SUCCESS;
  if (!satisfies_affinity (state, node))
    {
      g_ptr_array_add (reasons, g_strdup (REASON_AFFINITY));
      return KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE;
    }
  if (!satisfies_anti_affinity (state, node))
    {
      g_ptr_array_add (reasons, g_strdup (REASON_ANTI));
      return KC_SCHED_UNSCHEDULABLE;
    }
  if (!satisfies_existing_anti_affinity (state, node))
    {
      g_ptr_array_add (reasons, g_strdup (REASON_EXISTING_ANTI));
      return KC_SCHED_UNSCHEDULABLE;
    }
  return KC_SCHED_SUCCESS;
}
