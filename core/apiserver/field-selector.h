/* Field selectors: the ?fieldSelector= query syntax ("spec.nodeName=n1,
 * status.phase!=Running"), with Kubernetes' escapes and errors.  Pure
 * functions, any thread. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _KcFieldSelector KcFieldSelector;

/* Parses @text (already URL-decoded): comma-separated terms `field=value`,
 * `field==value` or `field!=value`; in values `\,` `\=` `\\` escape those
 * characters.  NULL or "" selects everything.  @supported_fields lists the
 * field paths this resource can be selected by (NULL: any field).
 * Errors: KC_API_ERROR_BAD_REQUEST; a field not in @supported_fields gives
 * Kubernetes' "field label not supported: NAME".  (transfer full) */
KcFieldSelector *kc_field_selector_parse (const char *text,
                                          const char *const *supported_fields,
                                          GError **error);

/* Whether @object satisfies every term.  A field is read by its dotted
 * path (metadata.name, spec.nodeName, involvedObject.kind); strings are
 * compared as they are, booleans as "true"/"false", integers in decimal,
 * and a missing field (or null, object, array) as "". */
gboolean kc_field_selector_matches (const KcFieldSelector *sel,
                                    JsonObject *object);

/* TRUE when @sel has no term. */
gboolean kc_field_selector_is_everything (const KcFieldSelector *sel);

/* The value @selector requires for @field with `=`/`==`, or NULL when it
 * has no such term (lets a caller narrow a list before matching, e.g. by
 * metadata.name).  (transfer none) */
const char *kc_field_selector_required_value (const KcFieldSelector *sel,
                                              const char *field);

void kc_field_selector_free (KcFieldSelector *sel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcFieldSelector, kc_field_selector_free)

/* The string form of the field at dotted @path of @object, as matching
 * compares it ("" when missing).  (transfer full) */
char *kc_field_selector_value_of (JsonObject *object, const char *path);

G_END_DECLS
