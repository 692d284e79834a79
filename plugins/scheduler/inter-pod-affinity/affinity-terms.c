/* inter-pod-affinity: a pod's (anti-)affinity terms, read from its spec,
 * and whether a term matches a pod. */
#include "inter-pod-affinity.h"

static JsonObject *
member_object (JsonObject *object, const char *name)
{
  if (object == NULL)
    return NULL;
  JsonNode *node = json_object_get_member (object, name);
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

static JsonArray *
member_array (JsonObject *object, const char *name)
{
  if (object == NULL)
    return NULL;
  JsonNode *node = json_object_get_member (object, name);
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                              : NULL;
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gint64
member_int (JsonObject *object, const char *name, gint64 fallback)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return fallback;
}

static void
add_term (GArray *out, const KcSchedPod *owner, JsonObject *term,
          gint64 weight)
{
  if (term == NULL)
    return;
  const char *key = member_string (term, "topologyKey");
  AffinityTerm parsed = {
    .owner = owner,
    .selector = member_object (term, "labelSelector"),
    .namespaces = member_array (term, "namespaces"),
    .namespace_selector = member_object (term, "namespaceSelector"),
    .topology_key = key ? key : "",
    .weight = weight,
  };
  g_array_append_val (out, parsed);
}

static void
add_required (GArray *out, const KcSchedPod *owner, JsonObject *kind)
{
  JsonArray *list
      = member_array (kind, "requiredDuringSchedulingIgnoredDuringExecution");
  guint n = list ? json_array_get_length (list) : 0;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      if (JSON_NODE_HOLDS_OBJECT (item))
        add_term (out, owner, json_node_get_object (item), 1);
    }
}

static void
add_preferred (GArray *out, const KcSchedPod *owner, JsonObject *kind)
{
  JsonArray *list
      = member_array (kind, "preferredDuringSchedulingIgnoredDuringExecution");
  guint n = list ? json_array_get_length (list) : 0;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      JsonObject *weighted = json_node_get_object (item);
      /* The API requires 1..100; a term without a weight adds nothing. */
      gint64 weight = member_int (weighted, "weight", 0);
      if (weight != 0)
        add_term (out, owner, member_object (weighted, "podAffinityTerm"),
                  weight);
    }
}

void
pod_terms_init (PodTerms *terms, const KcSchedPod *pod)
{
  terms->required_affinity = g_array_new (FALSE, FALSE, sizeof (AffinityTerm));
  terms->required_anti = g_array_new (FALSE, FALSE, sizeof (AffinityTerm));
  terms->preferred_affinity
      = g_array_new (FALSE, FALSE, sizeof (AffinityTerm));
  terms->preferred_anti = g_array_new (FALSE, FALSE, sizeof (AffinityTerm));
  JsonObject *affinity = member_object (kc_sched_pod_get_spec (pod),
                                        "affinity");
  JsonObject *pod_affinity = member_object (affinity, "podAffinity");
  JsonObject *pod_anti = member_object (affinity, "podAntiAffinity");
  add_required (terms->required_affinity, pod, pod_affinity);
  add_required (terms->required_anti, pod, pod_anti);
  add_preferred (terms->preferred_affinity, pod, pod_affinity);
  add_preferred (terms->preferred_anti, pod, pod_anti);
}

void
pod_terms_clear (PodTerms *terms)
{
  g_clear_pointer (&terms->required_affinity, g_array_unref);
  g_clear_pointer (&terms->required_anti, g_array_unref);
  g_clear_pointer (&terms->preferred_affinity, g_array_unref);
  g_clear_pointer (&terms->preferred_anti, g_array_unref);
}

/* The snapshot has no Namespace objects, so a namespaceSelector is matched
 * against the one label every namespace carries in Kubernetes,
 * kubernetes.io/metadata.name (its name). */
static gboolean
namespace_selector_matches (JsonObject *selector, const char *ns)
{
  g_autoptr (JsonObject) labels = json_object_new ();
  json_object_set_string_member (labels, "kubernetes.io/metadata.name", ns);
  return kc_sched_label_selector_matches (selector, labels);
}

static gboolean
term_covers_namespace (const AffinityTerm *term, const char *ns)
{
  guint n = term->namespaces ? json_array_get_length (term->namespaces) : 0;
  /* Neither list nor selector: the namespace of the term's own pod. */
  if (n == 0 && term->namespace_selector == NULL)
    return g_strcmp0 (kc_sched_pod_get_namespace (term->owner), ns) == 0;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (term->namespaces, i);
      if (JSON_NODE_HOLDS_VALUE (item)
          && json_node_get_value_type (item) == G_TYPE_STRING
          && g_strcmp0 (json_node_get_string (item), ns) == 0)
        return TRUE;
    }
  return term->namespace_selector
         && namespace_selector_matches (term->namespace_selector, ns);
}

gboolean
affinity_term_matches (const AffinityTerm *term, const KcSchedPod *pod)
{
  return term_covers_namespace (term, kc_sched_pod_get_namespace (pod))
         && kc_sched_label_selector_matches (term->selector,
                                             kc_sched_pod_get_labels (pod));
}

gboolean
affinity_terms_all_match (GArray *terms, const KcSchedPod *pod)
{
  if (terms->len == 0)
    return FALSE;
  for (guint i = 0; i < terms->len; i++)
    if (!affinity_term_matches (&g_array_index (terms, AffinityTerm, i), pod))
      return FALSE;
  return TRUE;
}
