/* Replies of the API server: JSON bodies and Kubernetes Status objects.
 * Internal to the daemon.  Main thread only. */
#pragma once

#include "api-error.h"
#include "resource.h"
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The HTTP status and the Status reason of a KC_API_ERROR (other domains
 * are 500 InternalError). */
guint kc_api_error_http_status (const GError *error);
const char *kc_api_error_reason (const GError *error);

/* A Status object for @error; @resource and @name (both nullable) fill
 * its details.  (transfer full) */
JsonNode *kc_api_status_new (const GError *error, const KcResource *resource,
                             const char *name);

/* Sets @msg's response to @node as JSON with HTTP @status. */
void kc_api_reply_json (SoupServerMessage *msg, guint status, JsonNode *node);

/* Sets @msg's response to the Status of @error. */
void kc_api_reply_error (SoupServerMessage *msg, const GError *error,
                         const KcResource *resource, const char *name);

/* Sets an error on @error in KC_API_ERROR with Kubernetes' wording:
 * `pods "web" not found`, `deployments.apps "web" already exists`,
 * `Operation cannot be fulfilled on pods "web": the object has been
 * modified; ...`. */
void kc_api_set_not_found (GError **error, const KcResource *resource,
                           const char *name);
void kc_api_set_already_exists (GError **error, const KcResource *resource,
                                const char *name);
void kc_api_set_conflict (GError **error, const KcResource *resource,
                          const char *name);

G_END_DECLS
