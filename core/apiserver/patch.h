/* The three PATCH body types of the Kubernetes API.  Each returns a new
 * document (transfer full) and never modifies its inputs; on error it
 * returns NULL and nothing was applied.  Pure functions, any thread. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* application/merge-patch+json (RFC 7386): objects merge recursively, null
 * deletes a member, anything else replaces.  @original may be NULL
 * (absent).  Does not fail for a non-NULL @patch. */
JsonNode *kc_patch_merge (JsonNode *original, JsonNode *patch,
                          GError **error);

/* application/json-patch+json (RFC 6902): @patch is an array of
 * operations (add, remove, replace, move, copy, test) with JSON pointer
 * paths (RFC 6901: ~0 ~1 escapes, "-" = after the last array element),
 * applied in order, all or nothing.
 * Errors: KC_API_ERROR_BAD_REQUEST for a malformed patch document (not an
 * array, a missing "op"/"path"/"value"/"from", an unknown op, a bad
 * pointer); KC_API_ERROR_INVALID (422, as Kubernetes answers) when an
 * operation cannot be applied (a path that does not exist, an index out of
 * range) or a test fails.  The message names the operation's index in the
 * patch, its op and its path. */
JsonNode *kc_patch_json (JsonNode *original, JsonNode *patch,
                         GError **error);

/* application/strategic-merge-patch+json: a merge patch where lists of
 * objects with a merge key (containers by name, ports by containerPort...)
 * merge element by element and some lists of strings merge as sets
 * (metadata.finalizers), with the directives $patch (replace, delete,
 * merge), $retainKeys, $setElementOrder/<field> and
 * $deleteFromPrimitiveList/<field>.  The merge keys are those Kubernetes'
 * Go types declare for the kinds kcore serves (see strategic-merge.c);
 * other lists are replaced.  Directives never appear in the result.
 * Errors: KC_API_ERROR_BAD_REQUEST for a malformed patch (a non-object
 * patch, an unknown $patch, a list element without its merge key...),
 * KC_API_ERROR_INVALID when the patch contradicts its own $retainKeys.
 * The message names the field path. */
JsonNode *kc_patch_strategic (JsonNode *original, JsonNode *patch,
                              GError **error);

/* A deep copy of @node that shares nothing with it (json_node_copy()
 * shares objects, arrays and values).  (transfer full) */
JsonNode *kc_json_deep_copy (JsonNode *node);

/* Whether @a and @b are the same JSON value as RFC 6902's "test" defines
 * it: objects regardless of member order, numbers by value (1 == 1.0).
 * Either may be NULL (absent): equal only when both are. */
gboolean kc_json_equal (JsonNode *a, JsonNode *b);

G_END_DECLS
