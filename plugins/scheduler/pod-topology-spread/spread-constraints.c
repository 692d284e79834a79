/* pod-topology-spread: a pod's topology spread constraints, and which
 * nodes and pods count for them. */
#include "pod-topology-spread.h"

static JsonNode *
member (JsonObject *object, const char *name)
{
  return object ? json_object_get_member (object, name) : NULL;
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = member (object, name);
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gint64
member_int (JsonObject *object, const char *name, gint64 fallback)
{
  JsonNode *node = member (object, name);
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return fallback;
}

static void
spread_constraint_free (gpointer data)
{
  SpreadConstraint *constraint = data;
  g_free (constraint->topology_key);
  g_hash_table_unref (constraint->domains);
  g_free (constraint);
}

static SpreadConstraint *
spread_constraint_new (JsonObject *spec, const KcSchedPod *pod)
{
  SpreadConstraint *constraint = g_new0 (SpreadConstraint, 1);
  const char *key = member_string (spec, "topologyKey");
  /* A missing key (invalid in Kubernetes) matches no node's labels, so the
   * pod reports "missing required label" rather than being placed. */
  constraint->topology_key = g_strdup (key ? key : "");
  constraint->max_skew = MAX (member_int (spec, "maxSkew", 1), 1);
  constraint->min_domains = MAX (member_int (spec, "minDomains", 0), 0);
  constraint->honor_node_affinity
      = g_strcmp0 (member_string (spec, "nodeAffinityPolicy"), "Ignore") != 0;
  constraint->honor_taints
      = g_strcmp0 (member_string (spec, "nodeTaintsPolicy"), "Honor") == 0;
  JsonNode *selector = member (spec, "labelSelector");
  if (selector && JSON_NODE_HOLDS_OBJECT (selector))
    constraint->selector = json_node_get_object (selector);
  constraint->self_match = kc_sched_label_selector_matches (
      constraint->selector, kc_sched_pod_get_labels (pod));
  constraint->domains
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return constraint;
}

GPtrArray *
spread_constraints_parse (const KcSchedPod *pod, gboolean schedule_anyway)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (spread_constraint_free);
  JsonNode *list
      = member (kc_sched_pod_get_spec (pod), "topologySpreadConstraints");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return out;
  JsonArray *array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      JsonObject *spec = json_node_get_object (item);
      gboolean anyway = g_strcmp0 (member_string (spec, "whenUnsatisfiable"),
                                   "ScheduleAnyway")
                        == 0;
      if (anyway == schedule_anyway)
        g_ptr_array_add (out, spread_constraint_new (spec, pod));
    }
  return out;
}

gboolean
spread_node_has_all_keys (GPtrArray *constraints, const KcSchedNode *node)
{
  for (guint i = 0; i < constraints->len; i++)
    {
      const SpreadConstraint *constraint = constraints->pdata[i];
      if (kc_sched_node_get_label (node, constraint->topology_key) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* A taint the pod must tolerate to be scheduled there (NoSchedule,
 * NoExecute) and does not. */
static gboolean
has_untolerated_taint (const KcSchedPod *pod, const KcSchedNode *node)
{
  guint n = kc_sched_node_get_n_taints (node);
  for (guint i = 0; i < n; i++)
    {
      const char *key, *value, *effect;
      kc_sched_node_get_taint (node, i, &key, &value, &effect);
      if (g_strcmp0 (effect, "PreferNoSchedule") == 0)
        continue;
      if (!kc_sched_pod_tolerates_taint (pod, key, value, effect))
        return TRUE;
    }
  return FALSE;
}

gboolean
spread_constraint_includes_node (const SpreadConstraint *constraint,
                                 const KcSchedPod *pod,
                                 const KcSchedNode *node)
{
  if (constraint->honor_node_affinity
      && !kc_sched_pod_matches_node_selection (pod, node))
    return FALSE;
  if (constraint->honor_taints && has_untolerated_taint (pod, node))
    return FALSE;
  return TRUE;
}

static gboolean
is_terminating (const KcSchedPod *pod)
{
  JsonNode *object = kc_sched_pod_get_object (pod);
  if (object == NULL || !JSON_NODE_HOLDS_OBJECT (object))
    return FALSE;
  JsonNode *metadata = member (json_node_get_object (object), "metadata");
  return metadata && JSON_NODE_HOLDS_OBJECT (metadata)
         && member_string (json_node_get_object (metadata),
                           "deletionTimestamp")
                != NULL;
}

gint64
spread_count_matching_pods (const SpreadConstraint *constraint,
                            const KcSchedPod *pod, const KcSchedNode *node)
{
  const char *ns = kc_sched_pod_get_namespace (pod);
  gint64 count = 0;
  guint n = kc_sched_node_get_n_pods (node);
  for (guint i = 0; i < n; i++)
    {
      const KcSchedPod *existing = kc_sched_node_get_pod (node, i);
      if (g_strcmp0 (kc_sched_pod_get_namespace (existing), ns) == 0
          && !is_terminating (existing)
          && kc_sched_label_selector_matches (
              constraint->selector, kc_sched_pod_get_labels (existing)))
        count++;
    }
  return count;
}

void
spread_constraint_add (SpreadConstraint *constraint, const char *value,
                       gint64 delta)
{
  gint64 *count = g_hash_table_lookup (constraint->domains, value);
  if (count == NULL)
    {
      count = g_new0 (gint64, 1);
      g_hash_table_insert (constraint->domains, g_strdup (value), count);
    }
  *count += delta;
}

gboolean
spread_constraint_lookup (const SpreadConstraint *constraint,
                          const char *value, gint64 *count)
{
  gint64 *found = g_hash_table_lookup (constraint->domains, value);
  *count = found ? *found : 0;
  return found != NULL;
}
