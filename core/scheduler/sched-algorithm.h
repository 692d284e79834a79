/* One scheduling cycle's decision: run a profile's policies over the
 * snapshot and pick a node, or say why none fits.  Main thread. */
#pragma once

#include "sched-parallel.h"
#include "sched-private.h"
#include "sched-profile.h"

G_BEGIN_DECLS

typedef struct _KcSchedAlgorithm KcSchedAlgorithm;

/* @percentage_of_nodes_to_score: 0 picks Kubernetes' adaptive share
 * (50% minus 1% per 125 nodes, at least 5%); at least 100 nodes are
 * always considered.  @parallelism: threads for filter and score. */
KcSchedAlgorithm *kc_sched_algorithm_new (guint percentage_of_nodes_to_score,
                                          guint parallelism);
void kc_sched_algorithm_free (KcSchedAlgorithm *algorithm);

typedef struct
{
  KcSchedCode code;        /* SUCCESS, UNSCHEDULABLE or ERROR */
  const KcSchedNode *node; /* SUCCESS: the chosen node */
  char *message;           /* otherwise: why (transfer full) */
  guint n_evaluated;       /* nodes filtered */
  guint n_feasible;        /* nodes that passed */
} KcSchedDecision;

/* Decides where @pod goes.  Fills @decision (free its message with
 * kc_sched_decision_clear). */
void kc_sched_algorithm_decide (KcSchedAlgorithm *algorithm,
                                const KcSchedProfile *profile,
                                KcSchedCycle *cycle, const KcSchedPod *pod,
                                const KcSchedSnapshot *snapshot,
                                KcSchedDecision *decision);
void kc_sched_decision_clear (KcSchedDecision *decision);

/* How many feasible nodes to look for among @n_nodes. */
guint kc_sched_algorithm_nodes_to_find (KcSchedAlgorithm *algorithm,
                                        guint n_nodes);

G_END_DECLS
