/* kcore scheduler interface, version 1: scheduling policy plugins.
 *
 * The `scheduler` component binds each pending pod to a node.  It does so
 * through the policy plugins a profile names (`[profile NAME] plugins=`),
 * calling their hooks in this order for one pod (one "scheduling cycle"):
 *
 *   pre_filter   once per pod: check the pod, precompute into the cycle
 *   filter       per node: can this pod run on this node?  If not, why
 *   pre_score    once per pod, with the feasible nodes
 *   score        per feasible node: 0 (worst) to KC_SCHED_MAX_SCORE (best)
 *   normalize    once per pod: rescale this plugin's scores to 0..100
 *   reserve      once, on the chosen node, before the binding is sent;
 *   unreserve    undoes reserve when the binding (or a later reserve) fails
 *
 * and queue_sort orders the queue of pending pods.  A plugin implements any
 * of them (at least one); the scores of the plugins of a profile are
 * multiplied by their weights (`[profile NAME] weights=`) and summed, and
 * the pod goes to the node with the highest total (ties broken at random).
 *
 * A plugin sees the cluster through a read-only snapshot: nodes, their
 * labels, taints and allocatable resources, the pods bound (or about to be
 * bound) to each, and what those pods request.  The snapshot does not
 * change during a cycle.
 *
 * THREADING.  pre_filter, pre_score, normalize_scores, reserve, unreserve
 * and queue_sort_compare run on the scheduler's main thread.  filter and
 * score may run concurrently on several threads, each call for a different
 * node of the same pod: they may only read the plugin instance, the cycle
 * (kc_sched_cycle_get), the pod, the node and the snapshot — write nothing
 * shared without your own locking.
 *
 * OWNERSHIP.  Every pointer a hook receives is borrowed for the duration of
 * the call.  Strings and JSON returned by the kc_sched_* accessors below
 * are (transfer none) and valid until the hook returns: copy what you keep
 * beyond it.  Reasons appended to a @reasons array are g_strdup()ed by the
 * plugin and owned by the core from then on.
 *
 * ABI.  KcSchedulerVtable follows the rules of plugin.h: size first,
 * members only ever appended.  The accessors are functions of libkcore, so
 * what the core keeps per pod and node can change without breaking a
 * plugin.  See docs/plugin-guide.md, "Writing a scheduling policy".
 */
#pragma once

#include <json-glib/json-glib.h>
#include <kcore/plugin.h>

G_BEGIN_DECLS

#define KC_SCHEDULER_INTERFACE_VERSION 1

/* The highest score a plugin may give (after normalize_scores). */
#define KC_SCHED_MAX_SCORE 100

/* What a pre_filter/filter/pre_score/reserve hook answers. */
typedef enum
{
  KC_SCHED_SUCCESS = 0,
  /* The pod does not fit (here, or for pre_filter anywhere) now; a change
   * in the cluster (a node added or changed, a pod deleted) may help. */
  KC_SCHED_UNSCHEDULABLE = 1,
  /* The pod can never fit on this node whatever else changes (e.g. its
   * spec.nodeName names another node).  Counted like UNSCHEDULABLE; kept
   * apart so future preemption can skip such nodes. */
  KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE = 2,
  /* Something went wrong inside the plugin: the pod is retried with
   * back-off, and the reason is logged. */
  KC_SCHED_ERROR = 3,
  /* pre_filter / pre_score only: this plugin has nothing to check (or
   * score) for this pod, so its filter (or score) is not called. */
  KC_SCHED_SKIP = 4,
} KcSchedCode;

/* Resources the core accounts for every node.  Quantities are integers:
 * CPU in millicores, memory and ephemeral storage in bytes, pods as a
 * count.  Values may be appended in later minors. */
typedef enum
{
  KC_SCHED_RESOURCE_CPU = 0,
  KC_SCHED_RESOURCE_MEMORY = 1,
  KC_SCHED_RESOURCE_EPHEMERAL_STORAGE = 2,
  KC_SCHED_RESOURCE_PODS = 3,
} KcSchedResource;

typedef struct _KcSchedPod KcSchedPod;
typedef struct _KcSchedNode KcSchedNode;
typedef struct _KcSchedSnapshot KcSchedSnapshot;
typedef struct _KcSchedCycle KcSchedCycle;

typedef struct
{
  guint32 size;     /* sizeof (KcSchedulerVtable) as the plugin was built */
  guint32 reserved; /* 0 */
  /* Required.  create() gets the plugin's checked options through
   * host->config; it runs on the main thread before any hook. */
  KcPluginCreateFunc create;
  KcPluginDestroyFunc destroy;

  /* Everything below is optional (NULL when not implemented). */

  /* Once per pod.  May store precomputed data with kc_sched_cycle_set().
   * UNSCHEDULABLE ends the cycle: the pod fits nowhere, @reasons say why
   * (they make the pod's condition message).  SKIP: filter not called. */
  KcSchedCode (*pre_filter) (gpointer self, KcSchedCycle *cycle,
                             const KcSchedPod *pod,
                             const KcSchedSnapshot *snapshot,
                             GPtrArray *reasons);

  /* Per node, possibly on several threads at once.  On UNSCHEDULABLE
   * append one short reason per problem, in Kubernetes' words where one
   * exists ("Insufficient cpu", "node(s) had untolerated taint {k: v}"):
   * the core counts identical reasons over the nodes into the message
   * "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) ...". */
  KcSchedCode (*filter) (gpointer self, KcSchedCycle *cycle,
                         const KcSchedPod *pod, const KcSchedNode *node,
                         GPtrArray *reasons);

  /* Once per pod, with the nodes that passed every filter.  SKIP: score
   * not called (the plugin adds nothing for this pod). */
  KcSchedCode (*pre_score) (gpointer self, KcSchedCycle *cycle,
                            const KcSchedPod *pod,
                            const KcSchedSnapshot *snapshot,
                            const KcSchedNode *const *nodes, guint n_nodes);

  /* Per feasible node, possibly on several threads at once.  Returns
   * 0..KC_SCHED_MAX_SCORE, or any value when normalize_scores maps the
   * plugin's values into that range. */
  gint64 (*score) (gpointer self, KcSchedCycle *cycle, const KcSchedPod *pod,
                   const KcSchedNode *node);

  /* Rewrites @scores (this plugin's, one per node of @nodes) in place into
   * 0..KC_SCHED_MAX_SCORE.  Out-of-range results are clamped. */
  void (*normalize_scores) (gpointer self, KcSchedCycle *cycle,
                            const KcSchedPod *pod,
                            const KcSchedNode *const *nodes, gint64 *scores,
                            guint n_nodes);

  /* The pod is about to be bound to @node.  A plugin that keeps state of
   * its own (quotas, reservations) updates it here.  Anything but SUCCESS
   * cancels the binding: unreserve is called on the plugins reserved so
   * far and the pod is retried. */
  KcSchedCode (*reserve) (gpointer self, KcSchedCycle *cycle,
                          const KcSchedPod *pod, const KcSchedNode *node,
                          GPtrArray *reasons);
  void (*unreserve) (gpointer self, KcSchedCycle *cycle, const KcSchedPod *pod,
                     const KcSchedNode *node);

  /* Orders the active queue: negative when @a is to be scheduled before
   * @b.  At most one plugin of all profiles may implement it; without one
   * the core orders by priority (higher first), then creation time. */
  int (*queue_sort_compare) (gpointer self, const KcSchedPod *a,
                             const KcSchedPod *b);
  /* Interface 1 appends here, "since ABI 1.N". */
} KcSchedulerVtable;

/* ---- the scheduling cycle ---------------------------------------------- */

/* Stores @data under @key (use a static variable's address or the plugin
 * instance) for the rest of this pod's cycle, replacing (and destroying)
 * what was there.  @destroy (nullable) runs when the cycle ends.  Main
 * thread only: call it from pre_filter or pre_score. */
void kc_sched_cycle_set (KcSchedCycle *cycle, gconstpointer key, gpointer data,
                         GDestroyNotify destroy);

/* The data stored under @key, or NULL.  Any hook, any thread. */
gpointer kc_sched_cycle_get (const KcSchedCycle *cycle, gconstpointer key);

/* ---- pods ------------------------------------------------------------------
 * A KcSchedPod is either the pod being scheduled or one bound (or assumed:
 * being bound) to a node of the snapshot.  Any thread. */

/* The pod as the API server served it, less what no scheduling decision
 * reads and would cost memory for every pod of the cluster: of its status
 * only the phase is kept, and metadata.managedFields and kubectl's
 * last-applied-configuration annotation are dropped. */
JsonNode *kc_sched_pod_get_object (const KcSchedPod *pod);
const char *kc_sched_pod_get_namespace (const KcSchedPod *pod);
const char *kc_sched_pod_get_name (const KcSchedPod *pod);
const char *kc_sched_pod_get_uid (const KcSchedPod *pod);
/* metadata.labels; NULL when the pod has none. */
JsonObject *kc_sched_pod_get_labels (const KcSchedPod *pod);
/* spec (never NULL: an empty object when absent). */
JsonObject *kc_sched_pod_get_spec (const KcSchedPod *pod);
/* spec.nodeName, or for the pod being scheduled NULL unless the user set
 * it; for a pod on a node, that node's name. */
const char *kc_sched_pod_get_node_name (const KcSchedPod *pod);
/* spec.priority (0 when unset). */
gint32 kc_sched_pod_get_priority (const KcSchedPod *pod);
/* metadata.creationTimestamp in microseconds since the epoch. */
gint64 kc_sched_pod_get_creation_time (const KcSchedPod *pod);
/* The pod's effective request of @resource as Kubernetes counts it:
 * the larger of the sum over its containers and the largest init
 * container, plus spec.overhead; pods: 1. */
gint64 kc_sched_pod_get_request (const KcSchedPod *pod,
                                 KcSchedResource resource);
/* The same, with Kubernetes' defaults for scoring (100m CPU and 200Mi
 * memory for a container that requests none), so spreading treats
 * best-effort pods as using something. */
gint64 kc_sched_pod_get_scoring_request (const KcSchedPod *pod,
                                         KcSchedResource resource);
/* TRUE when spec.affinity has podAffinity or podAntiAffinity terms. */
gboolean kc_sched_pod_has_pod_affinity (const KcSchedPod *pod);

/* ---- nodes ---------------------------------------------------------------
 */

/* The node as the API server served it, less metadata.managedFields,
 * kubectl's last-applied-configuration annotation and status.images. */
JsonNode *kc_sched_node_get_object (const KcSchedNode *node);
const char *kc_sched_node_get_name (const KcSchedNode *node);
/* metadata.labels; NULL when the node has none. */
JsonObject *kc_sched_node_get_labels (const KcSchedNode *node);
/* The value of label @key, or NULL. */
const char *kc_sched_node_get_label (const KcSchedNode *node, const char *key);
/* spec.unschedulable (a cordoned node). */
gboolean kc_sched_node_is_unschedulable (const KcSchedNode *node);
guint kc_sched_node_get_n_taints (const KcSchedNode *node);
/* Taint @index of spec.taints: key, value ("" when absent) and effect
 * ("NoSchedule", "PreferNoSchedule" or "NoExecute"). */
void kc_sched_node_get_taint (const KcSchedNode *node, guint index,
                              const char **key, const char **value,
                              const char **effect);
/* status.allocatable of @resource (capacity when allocatable is absent;
 * 0 when both are). */
gint64 kc_sched_node_get_allocatable (const KcSchedNode *node,
                                      KcSchedResource resource);
/* The sum of kc_sched_pod_get_request() over the node's pods. */
gint64 kc_sched_node_get_requested (const KcSchedNode *node,
                                    KcSchedResource resource);
/* The sum of kc_sched_pod_get_scoring_request() over the node's pods. */
gint64 kc_sched_node_get_scoring_requested (const KcSchedNode *node,
                                            KcSchedResource resource);
/* The pods on the node: bound, or assumed (binding sent, not yet seen). */
guint kc_sched_node_get_n_pods (const KcSchedNode *node);
const KcSchedPod *kc_sched_node_get_pod (const KcSchedNode *node, guint index);

/* ---- the snapshot ----------------------------------------------------------
 */

guint kc_sched_snapshot_get_n_nodes (const KcSchedSnapshot *snapshot);
const KcSchedNode *kc_sched_snapshot_get_node (const KcSchedSnapshot *snapshot,
                                               guint index);
/* The node called @name, or NULL. */
const KcSchedNode *
kc_sched_snapshot_find_node (const KcSchedSnapshot *snapshot,
                             const char *name);
/* The pods on the snapshot's nodes that have pod (anti-)affinity terms
 * (kc_sched_pod_has_pod_affinity), so that affinity policies need not
 * walk every pod. */
guint kc_sched_snapshot_get_n_affinity_pods (const KcSchedSnapshot *snapshot);
const KcSchedPod *
kc_sched_snapshot_get_affinity_pod (const KcSchedSnapshot *snapshot,
                                    guint index);

/* ---- helpers
 * ----------------------------------------------------------------- */

/* Parses a Kubernetes quantity ("100m", "1.5", "128Mi", "2G", "1e3").
 * With @milli the result is in thousandths (CPU millicores), rounded up.
 * FALSE on malformed text or overflow.  Any thread. */
gboolean kc_sched_parse_quantity (const char *text, gboolean milli,
                                  gint64 *out);

/* TRUE when @labels (nullable: no labels) match @selector, a
 * metav1.LabelSelector object {matchLabels, matchExpressions} (operators
 * In, NotIn, Exists, DoesNotExist).  An empty selector matches everything;
 * a NULL selector nothing (as in Kubernetes affinity terms).  A malformed
 * selector matches nothing.  Any thread. */
gboolean kc_sched_label_selector_matches (JsonObject *selector,
                                          JsonObject *labels);

/* Kubernetes' default score normalization, for normalize_scores: scales
 * @scores (negative ones count as 0) so the highest becomes
 * KC_SCHED_MAX_SCORE; with @reverse, the lowest does (a policy that
 * counts something bad, e.g. intolerable PreferNoSchedule taints).  All
 * zero: every node gets 0, or KC_SCHED_MAX_SCORE with @reverse.  Any
 * thread. */
void kc_sched_default_normalize_scores (gint64 *scores, guint n_scores,
                                        gboolean reverse);

/* TRUE when one of @pod's spec.tolerations tolerates the taint @key=@value
 * with @effect (operators Equal and Exists; an empty key with Exists
 * tolerates everything; an empty effect matches every effect).  Any
 * thread. */
gboolean kc_sched_pod_tolerates_taint (const KcSchedPod *pod, const char *key,
                                       const char *value, const char *effect);

/* TRUE when @node satisfies @pod's spec.nodeSelector and its required node
 * affinity (spec.affinity.nodeAffinity.
 * requiredDuringSchedulingIgnoredDuringExecution: terms ORed, expressions
 * ANDed, operators In, NotIn, Exists, DoesNotExist, Gt, Lt; matchFields
 * on metadata.name).  Any thread. */
gboolean kc_sched_pod_matches_node_selection (const KcSchedPod *pod,
                                              const KcSchedNode *node);

/* TRUE when @node's labels (and name, for matchFields) satisfy one
 * v1.NodeSelectorTerm @term ({matchExpressions, matchFields}); an empty
 * term matches nothing, as in Kubernetes.  Any thread. */
gboolean kc_sched_node_selector_term_matches (JsonObject *term,
                                              const KcSchedNode *node);

G_END_DECLS
