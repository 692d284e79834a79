/* How a strategic merge patch merges each list field: the merge keys
 * Kubernetes' Go types declare (patchStrategy/patchMergeKey struct tags)
 * for the kinds kcore serves.  kc_patch_strategic() (patch.h) applies
 * them; the table is exposed for code that needs to compute such
 * patches. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  KC_LIST_REPLACE,    /* the patch's list replaces the original */
  KC_LIST_MERGE_KEY,  /* objects merged element by element by a key */
  KC_LIST_MERGE_SET,  /* primitives merged as a set (metadata.finalizers) */
} KcListStrategy;

/* The strategy for list @field found in an object that itself is the value
 * of @parent ("" at the top; for a list element, the list's field name).
 * @original and @patch (nullable) disambiguate "ports" (containerPort in
 * containers, port in a Service).  *@merge_key is set for
 * KC_LIST_MERGE_KEY (transfer none). */
KcListStrategy kc_strategic_list_strategy (const char *parent,
                                           const char *field,
                                           JsonArray *original,
                                           JsonArray *patch,
                                           const char **merge_key);

G_END_DECLS
