/* inter-pod-affinity: what the plugin's files share (private). */
#pragma once

#include <kcore/kcore.h>
#include <kcore/scheduler.h>

G_BEGIN_DECLS

/* One PodAffinityTerm (or the podAffinityTerm of a WeightedPodAffinityTerm)
 * of @owner.  Everything is borrowed from @owner's object: a term lives no
 * longer than the hook that parsed it. */
typedef struct
{
  const KcSchedPod *owner;
  JsonObject *selector;           /* labelSelector; NULL matches nothing */
  JsonArray *namespaces;          /* nullable */
  JsonObject *namespace_selector; /* nullable */
  const char *topology_key;       /* "" when absent */
  gint64 weight;                  /* 1 for required terms */
} AffinityTerm;

/* The four kinds of terms of one pod (arrays of AffinityTerm). */
typedef struct
{
  GArray *required_affinity;
  GArray *required_anti;
  GArray *preferred_affinity;
  GArray *preferred_anti;
} PodTerms;

void pod_terms_init (PodTerms *terms, const KcSchedPod *pod);
void pod_terms_clear (PodTerms *terms);
/* TRUE when @pod is in one of @term's namespaces and its labels match the
 * term's selector. */
gboolean affinity_term_matches (const AffinityTerm *term,
                                const KcSchedPod *pod);
/* TRUE when @pod matches every term of @terms (and there is at least one). */
gboolean affinity_terms_all_match (GArray *terms, const KcSchedPod *pod);

/* Counts (or weights) per topology domain: (topology key, value) -> sum.
 * Filled on the main thread, then only read (from any thread). */
typedef struct _TopologyCounts TopologyCounts;

TopologyCounts *topology_counts_new (void);
void topology_counts_free (TopologyCounts *counts);
void topology_counts_add (TopologyCounts *counts, const char *key,
                          const char *value, gint64 delta);
gint64 topology_counts_get (const TopologyCounts *counts, const char *key,
                            const char *value);
gboolean topology_counts_is_empty (const TopologyCounts *counts);
/* The sum of the counts of the domains @node is in. */
gint64 topology_counts_sum_for_node (const TopologyCounts *counts,
                                     const KcSchedNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TopologyCounts, topology_counts_free)

/* The hooks (affinity-filter.c, affinity-score.c). */
KcSchedCode inter_pod_affinity_pre_filter (gpointer self, KcSchedCycle *cycle,
                                           const KcSchedPod *pod,
                                           const KcSchedSnapshot *snapshot,
                                           GPtrArray *reasons);
KcSchedCode inter_pod_affinity_filter (gpointer self, KcSchedCycle *cycle,
                                       const KcSchedPod *pod,
                                       const KcSchedNode *node,
                                       GPtrArray *reasons);
KcSchedCode inter_pod_affinity_pre_score (gpointer self, KcSchedCycle *cycle,
                                          const KcSchedPod *pod,
                                          const KcSchedSnapshot *snapshot,
                                          const KcSchedNode *const *nodes,
                                          guint n_nodes);
gint64 inter_pod_affinity_score (gpointer self, KcSchedCycle *cycle,
                                 const KcSchedPod *pod,
                                 const KcSchedNode *node);
void inter_pod_affinity_normalize_scores (gpointer self, KcSchedCycle *cycle,
                                          const KcSchedPod *pod,
                                          const KcSchedNode *const *nodes,
                                          gint64 *scores, guint n_nodes);

G_END_DECLS
