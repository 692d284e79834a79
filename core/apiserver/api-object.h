/* Kubernetes objects as the API server stores and serves them: metadata
 * kcore owns (uid, creationTimestamp, generation, resourceVersion), and
 * what a create or an update may and may not change.  Objects are
 * json-glib nodes holding a JSON object.  Internal; main thread only. */
#pragma once

#include "resource.h"
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deepest nesting of arrays and objects a request body may have: the JSON
 * parser and the patch code recurse, and a body of 3 MiB of brackets must
 * not exhaust a daemon's stack. */
#define KC_JSON_MAX_DEPTH 256

/* FALSE (with KC_API_ERROR_BAD_REQUEST) when @data nests deeper than
 * KC_JSON_MAX_DEPTH.  Linear, and safe on any bytes. */
gboolean kc_json_check_depth (const char *data, gsize length,
                              GError **error);

/* Parses a request body: a JSON object, else KC_API_ERROR_BAD_REQUEST.
 * (transfer full) */
JsonNode *kc_object_parse (const char *data, gsize length, GError **error);

/* The object's metadata, created empty when missing.  (transfer none) */
JsonObject *kc_object_metadata (JsonNode *object);
/* metadata.name / metadata.namespace, or NULL.  (transfer none) */
const char *kc_object_name (JsonNode *object);
const char *kc_object_namespace (JsonNode *object);

/* Checks and completes a new object for @resource in namespace @ns (NULL
 * for cluster-scoped): kind and apiVersion, namespace, name or
 * generateName, then uid, creationTimestamp and generation 1; drops what a
 * client may not set (resourceVersion, deletionTimestamp, ...). */
gboolean kc_object_prepare_create (const KcResource *resource,
                                   JsonNode *object, const char *ns,
                                   GError **error);

/* Makes @object (the client's new version) a valid successor of @current:
 * identity and kcore-owned metadata come from @current; when
 * @status_only, everything but status comes from @current; otherwise, for
 * resources with a status subresource, status does; generation grows when
 * spec changed.  @name and @ns are from the URL. */
gboolean kc_object_prepare_update (const KcResource *resource,
                                   JsonNode *object, JsonNode *current,
                                   const char *ns, const char *name,
                                   gboolean status_only, GError **error);

/* metadata.resourceVersion as a revision: 0 when absent or empty, -1 when
 * not a number. */
gint64 kc_object_resource_version (JsonNode *object);
void kc_object_set_resource_version (JsonNode *object, gint64 revision);

/* Stored form (JSON text without resourceVersion) and back; decode sets
 * resourceVersion to @revision.  (transfer full) */
GBytes *kc_object_encode (JsonNode *object);
JsonNode *kc_object_decode (GBytes *value, gint64 revision, GError **error);

/* An RFC 3339 UTC timestamp of now, as Kubernetes writes them.
 * (transfer full) */
char *kc_object_timestamp_now (void);

G_END_DECLS
