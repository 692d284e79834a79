/* KcSchedNode and the snapshot: the nodes, what their pods request, and
 * the pods with pod (anti-)affinity terms. */
#include "build-config.h"

#include "sched-private.h"

#include <string.h>

static const char *const resource_names[KC_SCHED_N_RESOURCES]
    = { "cpu", "memory", "ephemeral-storage", "pods" };

static gint64
resource_quantity (JsonObject *list, int resource)
{
  JsonNode *n
      = list ? json_object_get_member (list, resource_names[resource]) : NULL;
  gint64 v = 0;
  gboolean milli = resource == KC_SCHED_RESOURCE_CPU;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return -1;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n) * (milli ? 1000 : 1);
  if (json_node_get_value_type (n) == G_TYPE_STRING
      && kc_sched_parse_quantity (json_node_get_string (n), milli, &v))
    return v;
  return -1;
}

static KcSchedNode *
node_new (const char *name)
{
  KcSchedNode *node = g_new0 (KcSchedNode, 1);
  node->name = g_strdup (name);
  node->pods
      = g_ptr_array_new_with_free_func ((GDestroyNotify)kc_sched_pod_unref);
  node->index = G_MAXUINT;
  return node;
}

static void
node_clear_object (KcSchedNode *node)
{
  g_clear_pointer (&node->object, json_node_unref);
  g_clear_pointer (&node->taints, g_free);
  node->n_taints = 0;
  node->labels = NULL;
  node->unschedulable = FALSE;
  memset (node->allocatable, 0, sizeof node->allocatable);
}

static void
node_free (KcSchedNode *node)
{
  node_clear_object (node);
  g_ptr_array_unref (node->pods);
  g_free (node->name);
  g_free (node);
}

static void
node_parse_taints (KcSchedNode *node, JsonObject *spec)
{
  JsonNode *n = spec ? json_object_get_member (spec, "taints") : NULL;
  JsonArray *taints
      = n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  guint len = taints ? json_array_get_length (taints) : 0;
  node->taints = g_new0 (KcSchedTaint, MAX (len, 1));
  for (guint i = 0; i < len; i++)
    {
      JsonNode *e = json_array_get_element (taints, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        continue;
      JsonObject *t = json_node_get_object (e);
      const char *key = kc_json_get_string (t, "key");
      if (key == NULL)
        continue;
      KcSchedTaint *taint = &node->taints[node->n_taints++];
      taint->key = key;
      taint->value = kc_json_get_string (t, "value") ?: "";
      taint->effect = kc_json_get_string (t, "effect") ?: "";
    }
}

static void
node_set_object (KcSchedNode *node, JsonNode *object)
{
  node_clear_object (node);
  node->object = json_node_ref (object);
  JsonObject *root = json_node_get_object (object);
  JsonObject *spec = kc_json_get_object (root, "spec");
  JsonObject *status = kc_json_get_object (root, "status");
  node->labels = kc_json_get_object (
      kc_json_get_object (root, "metadata"), "labels");
  node->unschedulable = spec && json_object_has_member (spec, "unschedulable")
                        && json_object_get_boolean_member_with_default (
                            spec, "unschedulable", FALSE);
  node_parse_taints (node, spec);
  JsonObject *allocatable = kc_json_get_object (status, "allocatable");
  JsonObject *capacity = kc_json_get_object (status, "capacity");
  for (int r = 0; r < KC_SCHED_N_RESOURCES; r++)
    {
      gint64 v = resource_quantity (allocatable, r);
      if (v < 0)
        v = resource_quantity (capacity, r);
      node->allocatable[r] = MAX (v, 0);
    }
}

/* ---- accessors ------------------------------------------------------------
 */

JsonNode *
kc_sched_node_get_object (const KcSchedNode *node)
{
  return node->object;
}

const char *
kc_sched_node_get_name (const KcSchedNode *node)
{
  return node->name;
}

JsonObject *
kc_sched_node_get_labels (const KcSchedNode *node)
{
  return node->labels;
}

const char *
kc_sched_node_get_label (const KcSchedNode *node, const char *key)
{
  return kc_json_get_string (node->labels, key);
}

gboolean
kc_sched_node_is_unschedulable (const KcSchedNode *node)
{
  return node->unschedulable;
}

guint
kc_sched_node_get_n_taints (const KcSchedNode *node)
{
  return node->n_taints;
}

void
kc_sched_node_get_taint (const KcSchedNode *node, guint index,
                         const char **key, const char **value,
                         const char **effect)
{
  g_return_if_fail (index < node->n_taints);
  if (key)
    *key = node->taints[index].key;
  if (value)
    *value = node->taints[index].value;
  if (effect)
    *effect = node->taints[index].effect;
}

gint64
kc_sched_node_get_allocatable (const KcSchedNode *node,
                               KcSchedResource resource)
{
  return (guint)resource < KC_SCHED_N_RESOURCES ? node->allocatable[resource]
                                                : 0;
}

gint64
kc_sched_node_get_requested (const KcSchedNode *node, KcSchedResource resource)
{
  return (guint)resource < KC_SCHED_N_RESOURCES ? node->requested[resource]
                                                : 0;
}

gint64
kc_sched_node_get_scoring_requested (const KcSchedNode *node,
                                     KcSchedResource resource)
{
  return (guint)resource < KC_SCHED_N_RESOURCES
             ? node->scoring_requested[resource]
             : 0;
}

guint
kc_sched_node_get_n_pods (const KcSchedNode *node)
{
  return node->pods->len;
}

const KcSchedPod *
kc_sched_node_get_pod (const KcSchedNode *node, guint index)
{
  g_return_val_if_fail (index < node->pods->len, NULL);
  return g_ptr_array_index (node->pods, index);
}

/* ---- the snapshot ---------------------------------------------------------
 */

KcSchedSnapshot *
kc_sched_snapshot_new (void)
{
  KcSchedSnapshot *s = g_new0 (KcSchedSnapshot, 1);
  s->nodes = g_ptr_array_new ();
  s->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify)node_free);
  s->affinity_pods = g_ptr_array_new ();
  return s;
}

void
kc_sched_snapshot_free (KcSchedSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_ptr_array_unref (snapshot->affinity_pods);
  g_ptr_array_unref (snapshot->nodes);
  g_hash_table_unref (snapshot->by_name);
  g_free (snapshot);
}

static KcSchedNode *
lookup_or_add (KcSchedSnapshot *snapshot, const char *name)
{
  KcSchedNode *node = g_hash_table_lookup (snapshot->by_name, name);
  if (node == NULL)
    {
      node = node_new (name);
      g_hash_table_insert (snapshot->by_name, node->name, node);
    }
  return node;
}

KcSchedNode *
kc_sched_snapshot_set_node (KcSchedSnapshot *snapshot, JsonNode *object)
{
  JsonObject *meta
      = kc_json_get_object (json_node_get_object (object), "metadata");
  const char *name = kc_json_get_string (meta, "name");
  g_return_val_if_fail (name != NULL, NULL);
  KcSchedNode *node = lookup_or_add (snapshot, name);
  node_set_object (node, object);
  if (node->index == G_MAXUINT)
    {
      node->index = snapshot->nodes->len;
      g_ptr_array_add (snapshot->nodes, node);
    }
  return node;
}

/* Swaps the last node into the freed slot, so indexes stay dense. */
static void
unlist_node (KcSchedSnapshot *snapshot, KcSchedNode *node)
{
  guint last = snapshot->nodes->len - 1;
  KcSchedNode *moved = g_ptr_array_index (snapshot->nodes, last);
  snapshot->nodes->pdata[node->index] = moved;
  moved->index = node->index;
  g_ptr_array_set_size (snapshot->nodes, last);
  node->index = G_MAXUINT;
}

void
kc_sched_snapshot_remove_node (KcSchedSnapshot *snapshot, const char *name)
{
  KcSchedNode *node = g_hash_table_lookup (snapshot->by_name, name);
  if (node == NULL)
    return;
  if (node->index != G_MAXUINT)
    unlist_node (snapshot, node);
  node_clear_object (node);
  if (node->pods->len == 0)
    g_hash_table_remove (snapshot->by_name, name);
}

static void
account (KcSchedNode *node, const KcSchedPod *pod, int sign)
{
  for (int r = 0; r < KC_SCHED_N_RESOURCES; r++)
    {
      node->requested[r] += sign * pod->request[r];
      node->scoring_requested[r] += sign * pod->scoring_request[r];
    }
}

void
kc_sched_snapshot_add_pod (KcSchedSnapshot *snapshot, KcSchedPod *pod)
{
  g_return_if_fail (pod->node_name != NULL);
  KcSchedNode *node = lookup_or_add (snapshot, pod->node_name);
  g_ptr_array_add (node->pods, kc_sched_pod_ref (pod));
  account (node, pod, 1);
  if (pod->has_pod_affinity)
    g_ptr_array_add (snapshot->affinity_pods, pod);
}

gboolean
kc_sched_snapshot_remove_pod (KcSchedSnapshot *snapshot, KcSchedPod *pod)
{
  KcSchedNode *node = pod->node_name ? g_hash_table_lookup (snapshot->by_name,
                                                            pod->node_name)
                                     : NULL;
  guint i;
  if (node == NULL || !g_ptr_array_find (node->pods, pod, &i))
    return FALSE;
  if (pod->has_pod_affinity)
    g_ptr_array_remove_fast (snapshot->affinity_pods, pod);
  account (node, pod, -1);
  /* Last: this may drop the final reference to @pod. */
  g_ptr_array_remove_index_fast (node->pods, i);
  if (node->object == NULL && node->pods->len == 0)
    g_hash_table_remove (snapshot->by_name, node->name);
  return TRUE;
}

guint
kc_sched_snapshot_get_n_nodes (const KcSchedSnapshot *snapshot)
{
  return snapshot->nodes->len;
}

const KcSchedNode *
kc_sched_snapshot_get_node (const KcSchedSnapshot *snapshot, guint index)
{
  g_return_val_if_fail (index < snapshot->nodes->len, NULL);
  return g_ptr_array_index (snapshot->nodes, index);
}

const KcSchedNode *
kc_sched_snapshot_find_node (const KcSchedSnapshot *snapshot, const char *name)
{
  KcSchedNode *node = g_hash_table_lookup (snapshot->by_name, name);
  return node && node->object ? node : NULL;
}

guint
kc_sched_snapshot_get_n_affinity_pods (const KcSchedSnapshot *snapshot)
{
  return snapshot->affinity_pods->len;
}

const KcSchedPod *
kc_sched_snapshot_get_affinity_pod (const KcSchedSnapshot *snapshot,
                                    guint index)
{
  g_return_val_if_fail (index < snapshot->affinity_pods->len, NULL);
  return g_ptr_array_index (snapshot->affinity_pods, index);
}
