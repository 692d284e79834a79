/* Matching helpers shared by the policies: label selectors, node
 * selector terms and tolerations, with Kubernetes' semantics. */
#include "build-config.h"

#include "sched-private.h"

#include <stdlib.h>
#include <string.h>

static gboolean
values_contain (JsonArray *values, const char *value)
{
  for (guint i = 0; values && i < json_array_get_length (values); i++)
    {
      JsonNode *n = json_array_get_element (values, i);
      if (json_node_get_value_type (n) == G_TYPE_STRING
          && g_strcmp0 (json_node_get_string (n), value) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
parse_integer (const char *s, gint64 *out)
{
  char *end = NULL;
  if (s == NULL || *s == '\0')
    return FALSE;
  *out = g_ascii_strtoll (s, &end, 10);
  return *end == '\0';
}

/* One requirement {key, operator, values} against one label value
 * (@value NULL: the label is absent). */
static gboolean
requirement_matches (JsonObject *req, const char *value, gboolean node_ops)
{
  const char *op = kc_json_get_string (req, "operator");
  JsonArray *values = kc_json_get_array (req, "values");
  if (op == NULL)
    return FALSE;
  if (strcmp (op, "In") == 0)
    return value && values_contain (values, value);
  if (strcmp (op, "NotIn") == 0)
    return value == NULL || !values_contain (values, value);
  if (strcmp (op, "Exists") == 0)
    return value != NULL;
  if (strcmp (op, "DoesNotExist") == 0)
    return value == NULL;
  if (node_ops && (strcmp (op, "Gt") == 0 || strcmp (op, "Lt") == 0))
    {
      gint64 have, want;
      if (!values || json_array_get_length (values) != 1
          || !parse_integer (value, &have)
          || !parse_integer (json_array_get_string_element (values, 0), &want))
        return FALSE;
      return op[0] == 'G' ? have > want : have < want;
    }
  return FALSE;
}

gboolean
kc_sched_label_selector_matches (JsonObject *selector, JsonObject *labels)
{
  if (selector == NULL)
    return FALSE;
  JsonObject *match = kc_json_get_object (selector, "matchLabels");
  if (match)
    {
      g_autoptr (GList) keys = json_object_get_members (match);
      for (GList *k = keys; k; k = k->next)
        if (g_strcmp0 (kc_json_get_string (match, k->data),
                       kc_json_get_string (labels, k->data))
            != 0)
          return FALSE;
    }
  JsonArray *exprs = kc_json_get_array (selector, "matchExpressions");
  for (guint i = 0; exprs && i < json_array_get_length (exprs); i++)
    {
      JsonNode *e = json_array_get_element (exprs, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        return FALSE;
      JsonObject *req = json_node_get_object (e);
      const char *key = kc_json_get_string (req, "key");
      if (key == NULL
          || !requirement_matches (req, kc_json_get_string (labels, key),
                                   FALSE))
        return FALSE;
    }
  return TRUE;
}

gboolean
kc_sched_node_selector_term_matches (JsonObject *term, const KcSchedNode *node)
{
  JsonArray *exprs = kc_json_get_array (term, "matchExpressions");
  JsonArray *fields = kc_json_get_array (term, "matchFields");
  guint n_exprs = exprs ? json_array_get_length (exprs) : 0;
  guint n_fields = fields ? json_array_get_length (fields) : 0;
  if (n_exprs + n_fields == 0)
    return FALSE;
  for (guint i = 0; i < n_exprs; i++)
    {
      JsonNode *e = json_array_get_element (exprs, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        return FALSE;
      JsonObject *req = json_node_get_object (e);
      const char *key = kc_json_get_string (req, "key");
      if (key == NULL
          || !requirement_matches (req, kc_sched_node_get_label (node, key),
                                   TRUE))
        return FALSE;
    }
  for (guint i = 0; i < n_fields; i++)
    {
      JsonNode *e = json_array_get_element (fields, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        return FALSE;
      JsonObject *req = json_node_get_object (e);
      /* metadata.name is the only field Kubernetes supports here. */
      if (g_strcmp0 (kc_json_get_string (req, "key"), "metadata.name") != 0
          || !requirement_matches (req, node->name, TRUE))
        return FALSE;
    }
  return TRUE;
}

static gboolean
node_selector_matches (JsonObject *spec, const KcSchedNode *node)
{
  JsonObject *selector = kc_json_get_object (spec, "nodeSelector");
  if (selector == NULL)
    return TRUE;
  g_autoptr (GList) keys = json_object_get_members (selector);
  for (GList *k = keys; k; k = k->next)
    if (g_strcmp0 (kc_json_get_string (selector, k->data),
                   kc_sched_node_get_label (node, k->data))
        != 0)
      return FALSE;
  return TRUE;
}

static gboolean
required_node_affinity_matches (JsonObject *spec, const KcSchedNode *node)
{
  JsonObject *required = kc_json_get_object (
      kc_json_get_object (kc_json_get_object (spec, "affinity"),
                              "nodeAffinity"),
      "requiredDuringSchedulingIgnoredDuringExecution");
  if (required == NULL)
    return TRUE;
  JsonArray *terms = kc_json_get_array (required, "nodeSelectorTerms");
  for (guint i = 0; terms && i < json_array_get_length (terms); i++)
    {
      JsonNode *t = json_array_get_element (terms, i);
      if (JSON_NODE_HOLDS_OBJECT (t)
          && kc_sched_node_selector_term_matches (json_node_get_object (t),
                                                  node))
        return TRUE;
    }
  return FALSE;
}

gboolean
kc_sched_pod_matches_node_selection (const KcSchedPod *pod,
                                     const KcSchedNode *node)
{
  return node_selector_matches (pod->spec, node)
         && required_node_affinity_matches (pod->spec, node);
}

static gboolean
toleration_tolerates (JsonObject *t, const char *key, const char *value,
                      const char *effect)
{
  const char *t_effect = kc_json_get_string (t, "effect");
  const char *t_key = kc_json_get_string (t, "key");
  const char *op = kc_json_get_string (t, "operator");
  if (t_effect && *t_effect && g_strcmp0 (t_effect, effect) != 0)
    return FALSE;
  if (t_key && *t_key && g_strcmp0 (t_key, key) != 0)
    return FALSE;
  if (g_strcmp0 (op, "Exists") == 0)
    return TRUE;
  /* An empty key is only valid with Exists. */
  if (t_key == NULL || *t_key == '\0')
    return FALSE;
  if (op == NULL || *op == '\0' || strcmp (op, "Equal") == 0)
    return g_strcmp0 (kc_json_get_string (t, "value") ?: "", value ?: "")
           == 0;
  return FALSE;
}

gboolean
kc_sched_pod_tolerates_taint (const KcSchedPod *pod, const char *key,
                              const char *value, const char *effect)
{
  JsonArray *tolerations = kc_json_get_array (pod->spec, "tolerations");
  for (guint i = 0; tolerations && i < json_array_get_length (tolerations);
       i++)
    {
      JsonNode *t = json_array_get_element (tolerations, i);
      if (JSON_NODE_HOLDS_OBJECT (t)
          && toleration_tolerates (json_node_get_object (t), key, value,
                                   effect))
        return TRUE;
    }
  return FALSE;
}

void
kc_sched_default_normalize_scores (gint64 *scores, guint n_scores,
                                   gboolean reverse)
{
  gint64 max = 0;
  for (guint i = 0; i < n_scores; i++)
    max = MAX (max, scores[i]);
  for (guint i = 0; i < n_scores; i++)
    {
      gint64 scaled
          = max > 0 ? MAX (scores[i], 0) * KC_SCHED_MAX_SCORE / max : 0;
      scores[i] = reverse ? KC_SCHED_MAX_SCORE - scaled : scaled;
    }
}
