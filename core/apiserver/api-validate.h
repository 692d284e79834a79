/* Validation of objects before the API server stores them (422 Invalid).
 * Internal; any thread (pure). */
#pragma once

#include "resource.h"
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Checks @object as a @resource: label keys and values, and per kind what
 * kcore's components rely on (pod containers with names and images,
 * controller selectors matching their templates, service ports, job
 * restart policies).  On failure sets KC_API_ERROR_INVALID listing every
 * problem in Kubernetes' wording. */
gboolean kc_api_validate (const KcResource *resource, JsonNode *object,
                          GError **error);

G_END_DECLS
