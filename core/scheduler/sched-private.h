/* What the scheduler keeps per pod and node, behind the read-only
 * accessors of include/kcore/scheduler.h.  Internal to kcore: these
 * functions live in libkcore (so plugins reach the accessors) and are used
 * by the scheduler component; they are not part of the plugin SDK and
 * carry no ABI promise.
 *
 * Threading: the scheduler's main thread builds and changes these objects
 * between scheduling cycles; during a cycle they are read-only and may be
 * read from the filter/score threads. */
#pragma once

#include <kcore/client.h>
#include <kcore/scheduler.h>

G_BEGIN_DECLS

#define KC_SCHED_N_RESOURCES 4

typedef struct
{
  const char *key; /* point into the node object */
  const char *value;
  const char *effect;
} KcSchedTaint;

struct _KcSchedPod
{
  gint ref_count;
  JsonNode *object; /* the pod as served */
  JsonObject *spec;
  JsonObject *labels;    /* NULL when none */
  const char *namespace; /* these point into @object */
  const char *name;
  const char *uid;
  const char *scheduler_name; /* "default-scheduler" when unset */
  char *key;                  /* "namespace/name" */
  char *node_name;            /* spec.nodeName, or the node it is assumed on */
  gint32 priority;
  gint64 creation_time;
  gint64 request[KC_SCHED_N_RESOURCES];
  gint64 scoring_request[KC_SCHED_N_RESOURCES];
  gboolean has_pod_affinity;
  gboolean terminal;    /* phase Succeeded or Failed */
  gboolean terminating; /* metadata.deletionTimestamp set */
};

struct _KcSchedNode
{
  char *name;
  JsonNode *object; /* NULL while only pods name it (node not seen) */
  JsonObject *labels;
  gboolean unschedulable;
  KcSchedTaint *taints;
  guint n_taints;
  gint64 allocatable[KC_SCHED_N_RESOURCES];
  gint64 requested[KC_SCHED_N_RESOURCES];
  gint64 scoring_requested[KC_SCHED_N_RESOURCES];
  GPtrArray *pods; /* KcSchedPod, a reference each */
  guint index;     /* in the snapshot's node array, G_MAXUINT if not */
};

struct _KcSchedSnapshot
{
  GPtrArray *nodes;         /* KcSchedNode with an object, owned */
  GHashTable *by_name;      /* name -> KcSchedNode (also placeholders) */
  GPtrArray *affinity_pods; /* KcSchedPod on nodes with pod affinity */
};

/* Parses @object (a v1 Pod; a reference is taken).  (transfer full) */
KcSchedPod *kc_sched_pod_new (JsonNode *object);
KcSchedPod *kc_sched_pod_ref (KcSchedPod *pod);
void kc_sched_pod_unref (KcSchedPod *pod);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcSchedPod, kc_sched_pod_unref)
/* Sets the node name the pod is assumed on (NULL clears it). */
void kc_sched_pod_set_node_name (KcSchedPod *pod, const char *node_name);

/* (transfer full) an empty snapshot. */
KcSchedSnapshot *kc_sched_snapshot_new (void);
void kc_sched_snapshot_free (KcSchedSnapshot *snapshot);
/* Adds or replaces the node object @object (a v1 Node). */
KcSchedNode *kc_sched_snapshot_set_node (KcSchedSnapshot *snapshot,
                                         JsonNode *object);
/* Removes the node called @name; its pods stay accounted on a placeholder
 * until they go. */
void kc_sched_snapshot_remove_node (KcSchedSnapshot *snapshot,
                                    const char *name);
/* Accounts @pod on the node @pod->node_name names (a placeholder is made
 * when that node is not known yet). */
void kc_sched_snapshot_add_pod (KcSchedSnapshot *snapshot, KcSchedPod *pod);
/* Stops accounting @pod on its node.  FALSE when it was not there. */
gboolean kc_sched_snapshot_remove_pod (KcSchedSnapshot *snapshot,
                                       KcSchedPod *pod);

/* (transfer full) an empty cycle state. */
KcSchedCycle *kc_sched_cycle_new (void);
void kc_sched_cycle_free (KcSchedCycle *cycle);

G_END_DECLS
