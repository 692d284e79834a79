/* Label selectors: the ?labelSelector= query syntax and the LabelSelector
 * object (matchLabels + matchExpressions) of Deployments, ReplicaSets and
 * Jobs, with Kubernetes' semantics.  Pure functions, any thread. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _KcLabelSelector KcLabelSelector;

/* Parses @text (already URL-decoded), e.g.
 *   "app=web,tier!=db,env in (prod,staging),!canary,release"
 * Operators: = == != in notin (exists) ! (does not exist), and gt/lt as
 * `k > 3` `k < 3` (integer values); terms are ANDed by commas.  NULL or ""
 * selects everything.  Keys and values are validated as Kubernetes does.
 * Errors: KC_API_ERROR_BAD_REQUEST naming the term and what was expected.
 * (transfer full) */
KcLabelSelector *kc_label_selector_parse (const char *text, GError **error);

/* Builds a selector from a LabelSelector object: matchLabels (ANDed
 * equalities) and matchExpressions ({key, operator In|NotIn|Exists|
 * DoesNotExist, values}).  An empty object selects everything; a NULL
 * @selector selects nothing (as Kubernetes treats a missing selector).
 * Errors: KC_API_ERROR_INVALID naming the field (matchExpressions[1].values).
 * (transfer full) */
KcLabelSelector *kc_label_selector_from_json (JsonObject *selector,
                                              GError **error);

/* Whether @labels (an object of string values; NULL = no labels) satisfy
 * every requirement of @sel. */
gboolean kc_label_selector_matches (const KcLabelSelector *sel,
                                    JsonObject *labels);

/* TRUE when @sel selects every object (no requirement). */
gboolean kc_label_selector_is_everything (const KcLabelSelector *sel);

/* The canonical text form ("a=b,c in (d,e)"), as Kubernetes prints it.
 * (transfer full) */
char *kc_label_selector_to_string (const KcLabelSelector *sel);

void kc_label_selector_free (KcLabelSelector *sel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcLabelSelector, kc_label_selector_free)

/* Label key / value syntax checks (also used by object validation).  On
 * failure they return FALSE and set *@reason to a sentence in Kubernetes'
 * wording (transfer full). */
gboolean kc_label_key_is_valid (const char *key, char **reason);
gboolean kc_label_value_is_valid (const char *value, char **reason);

G_END_DECLS
