/* taint-toleration: Kubernetes' TaintToleration filter and score.
 *
 * Filter: a node with a NoSchedule or NoExecute taint the pod does not
 * tolerate is out; the reason names the first such taint, in Kubernetes'
 * words.  Score: the fewer PreferNoSchedule taints the pod does not
 * tolerate, the better (normalized reversed: none -> KC_SCHED_MAX_SCORE). */
#include "build-config.h"

#include <string.h>

#include <kcore/host.h>
#include <kcore/scheduler.h>

typedef struct
{
  int unused;
} TaintToleration;

static gpointer
taint_toleration_create (const KcHost *host, GError **error)
{
  return g_new0 (TaintToleration, 1);
}

static void
taint_toleration_destroy (gpointer self)
{
  g_free (self);
}

static KcSchedCode
taint_toleration_filter (gpointer self, KcSchedCycle *cycle,
                         const KcSchedPod *pod, const KcSchedNode *node,
                         GPtrArray *reasons)
{
  guint n = kc_sched_node_get_n_taints (node);

  for (guint i = 0; i < n; i++)
    {
      const char *key = NULL, *value = NULL, *effect = NULL;

      kc_sched_node_get_taint (node, i, &key, &value, &effect);
      if (effect == NULL
          || (strcmp (effect, "NoSchedule") != 0
              && strcmp (effect, "NoExecute") != 0))
        continue;
      if (kc_sched_pod_tolerates_taint (pod, key, value, effect))
        continue;
      g_ptr_array_add (reasons,
                       g_strdup_printf ("node(s) had untolerated taint {%s: %s}",
                                        key ? key : "", value ? value : ""));
      return KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE;
    }
  return KC_SCHED_SUCCESS;
}

static gint64
taint_toleration_score (gpointer self, KcSchedCycle *cycle,
                        const KcSchedPod *pod, const KcSchedNode *node)
{
  guint n = kc_sched_node_get_n_taints (node);
  gint64 intolerable = 0;

  for (guint i = 0; i < n; i++)
    {
      const char *key = NULL, *value = NULL, *effect = NULL;

      kc_sched_node_get_taint (node, i, &key, &value, &effect);
      if (effect != NULL && strcmp (effect, "PreferNoSchedule") == 0
          && !kc_sched_pod_tolerates_taint (pod, key, value, effect))
        intolerable++;
    }
  return intolerable;
}

/* Kubernetes' DefaultNormalizeScore with reverse: the node with the most
 * intolerable taints gets 0, a node with none KC_SCHED_MAX_SCORE. */
static void
taint_toleration_normalize_scores (gpointer self, KcSchedCycle *cycle,
                                   const KcSchedPod *pod,
                                   const KcSchedNode *const *nodes,
                                   gint64 *scores, guint n_nodes)
{
  kc_sched_default_normalize_scores (scores, n_nodes, TRUE);
}

static const KcSchedulerVtable taint_toleration_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = taint_toleration_create,
  .destroy = taint_toleration_destroy,
  .filter = taint_toleration_filter,
  .score = taint_toleration_score,
  .normalize_scores = taint_toleration_normalize_scores,
};

static const KcPluginDescriptor taint_toleration_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "taint-toleration",
  .version = PACKAGE_VERSION,
  .summary = "keeps pods off nodes with NoSchedule/NoExecute taints they do "
             "not tolerate and away from PreferNoSchedule ones",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &taint_toleration_vtable,
};

KC_PLUGIN_DEFINE (taint_toleration_descriptor)
