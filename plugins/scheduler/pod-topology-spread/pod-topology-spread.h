/* pod-topology-spread: what the plugin's files share (private). */
#pragma once

#include <kcore/kcore.h>
#include <kcore/scheduler.h>

G_BEGIN_DECLS

/* One entry of spec.topologySpreadConstraints of the pod being scheduled,
 * with the counts pre_filter (or pre_score) computed for it. */
typedef struct
{
  char *topology_key;
  gint64 max_skew;
  gint64 min_domains;           /* 0: unset */
  gboolean honor_node_affinity; /* nodeAffinityPolicy: Honor (default) */
  gboolean honor_taints;        /* nodeTaintsPolicy: Honor (not default) */
  /* labelSelector, borrowed from the pod: valid in pre_filter / pre_score
   * only.  NULL matches nothing. */
  JsonObject *selector;
  gboolean self_match; /* the pod itself matches the selector */
  /* Matching pods per domain (value of topology_key), every domain that
   * counts having an entry, zero or not.  Read-only after the pre hook. */
  GHashTable *domains;
  gint64 min_match; /* filter: the global minimum over the domains */
  double weight;    /* score: Kubernetes' topologyNormalizingWeight */
} SpreadConstraint;

/* The pod's constraints whose whenUnsatisfiable is ScheduleAnyway
 * (@schedule_anyway) or DoNotSchedule (otherwise); an empty array when it
 * has none.  (transfer full) */
GPtrArray *spread_constraints_parse (const KcSchedPod *pod,
                                     gboolean schedule_anyway);
/* TRUE when @node has the topology key of every constraint. */
gboolean spread_node_has_all_keys (GPtrArray *constraints,
                                   const KcSchedNode *node);
/* The node inclusion policies: does @node count for @constraint? */
gboolean spread_constraint_includes_node (const SpreadConstraint *constraint,
                                          const KcSchedPod *pod,
                                          const KcSchedNode *node);
/* How many pods on @node match @constraint (the namespace of @pod, the
 * selector, not being deleted). */
gint64 spread_count_matching_pods (const SpreadConstraint *constraint,
                                   const KcSchedPod *pod,
                                   const KcSchedNode *node);
/* Adds @delta to the domain @value (creating it). */
void spread_constraint_add (SpreadConstraint *constraint, const char *value,
                            gint64 delta);
/* The count of domain @value; FALSE when it has no entry. */
gboolean spread_constraint_lookup (const SpreadConstraint *constraint,
                                   const char *value, gint64 *count);

KcSchedCode pod_topology_spread_pre_filter (gpointer self,
                                            KcSchedCycle *cycle,
                                            const KcSchedPod *pod,
                                            const KcSchedSnapshot *snapshot,
                                            GPtrArray *reasons);
KcSchedCode pod_topology_spread_filter (gpointer self, KcSchedCycle *cycle,
                                        const KcSchedPod *pod,
                                        const KcSchedNode *node,
                                        GPtrArray *reasons);
KcSchedCode pod_topology_spread_pre_score (gpointer self, KcSchedCycle *cycle,
                                           const KcSchedPod *pod,
                                           const KcSchedSnapshot *snapshot,
                                           const KcSchedNode *const *nodes,
                                           guint n_nodes);
gint64 pod_topology_spread_score (gpointer self, KcSchedCycle *cycle,
                                  const KcSchedPod *pod,
                                  const KcSchedNode *node);
void pod_topology_spread_normalize_scores (gpointer self, KcSchedCycle *cycle,
                                           const KcSchedPod *pod,
                                           const KcSchedNode *const *nodes,
                                           gint64 *scores, guint n_nodes);

G_END_DECLS
