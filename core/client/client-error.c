/* KC_CLIENT_ERROR: API server Status objects and transport failures as
 * GErrors that carry the HTTP status and the Status reason. */
#include "client-private.h"

typedef struct
{
  guint http_status;
  char *reason;
} KcClientErrorPrivate;

static void
kc_client_error_private_init (KcClientErrorPrivate *priv)
{
  priv->http_status = 0;
  priv->reason = NULL;
}

static void
kc_client_error_private_copy (const KcClientErrorPrivate *src,
                              KcClientErrorPrivate *dest)
{
  dest->http_status = src->http_status;
  dest->reason = g_strdup (src->reason);
}

static void
kc_client_error_private_clear (KcClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->reason, g_free);
}

G_DEFINE_EXTENDED_ERROR (KcClientError, kc_client_error)

guint
kc_client_error_get_http_status (const GError *error)
{
  KcClientErrorPrivate *priv = error ? kc_client_error_get_private (error)
                                     : NULL;
  return priv ? priv->http_status : 0;
}

const char *
kc_client_error_get_reason (const GError *error)
{
  KcClientErrorPrivate *priv = error ? kc_client_error_get_private (error)
                                     : NULL;
  return priv ? priv->reason : NULL;
}

GError *
kcc_error_new (KcClientError code, guint http_status, const char *reason,
               const char *format, ...)
{
  va_list args;
  va_start (args, format);
  GError *error = g_error_new_valist (KC_CLIENT_ERROR, code, format, args);
  va_end (args);
  KcClientErrorPrivate *priv = kc_client_error_get_private (error);
  priv->http_status = http_status;
  priv->reason = g_strdup (reason);
  return error;
}

static KcClientError
code_for (guint status, const char *reason)
{
  switch (status)
    {
    case 400: return KC_CLIENT_ERROR_BAD_REQUEST;
    case 401: return KC_CLIENT_ERROR_UNAUTHORIZED;
    case 403: return KC_CLIENT_ERROR_FORBIDDEN;
    case 404: return KC_CLIENT_ERROR_NOT_FOUND;
    case 405: return KC_CLIENT_ERROR_METHOD_NOT_ALLOWED;
    case 409:
      return g_strcmp0 (reason, "AlreadyExists") == 0
               ? KC_CLIENT_ERROR_ALREADY_EXISTS : KC_CLIENT_ERROR_CONFLICT;
    case 410: return KC_CLIENT_ERROR_EXPIRED;
    case 415: return KC_CLIENT_ERROR_UNSUPPORTED_MEDIA;
    case 422: return KC_CLIENT_ERROR_INVALID;
    case 429: return KC_CLIENT_ERROR_TOO_MANY_REQUESTS;
    case 500: return KC_CLIENT_ERROR_INTERNAL;
    case 503: return KC_CLIENT_ERROR_UNAVAILABLE;
    case 504: return KC_CLIENT_ERROR_SERVER_TIMEOUT;
    default: return KC_CLIENT_ERROR_FAILED;
    }
}

GError *
kcc_error_from_status (JsonNode *status_obj, guint fallback_code)
{
  guint code = fallback_code;
  const char *message = kcc_json_get_string (status_obj, "message");
  const char *reason = kcc_json_get_string (status_obj, "reason");
  if (status_obj && JSON_NODE_HOLDS_OBJECT (status_obj))
    {
      JsonObject *o = json_node_get_object (status_obj);
      if (json_object_has_member (o, "code"))
        code = (guint) json_object_get_int_member (o, "code");
    }
  return kcc_error_new (code_for (code, reason), code, reason, "%s",
                        message ? message : "API server error");
}

GError *
kcc_error_from_response (guint status, GBytes *body)
{
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  g_autoptr (JsonNode) node = data && len
                                ? kcc_json_from_data (data, len, NULL) : NULL;
  if (node && g_strcmp0 (kcc_json_get_string (node, "kind"), "Status") == 0)
    {
      GError *error = kcc_error_from_status (node, status);
      KcClientErrorPrivate *priv = kc_client_error_get_private (error);
      priv->http_status = status; /* the HTTP status wins over Status.code */
      return error;
    }
  g_autofree char *text = g_strndup (data ? data : "", MIN (len, 200));
  return kcc_error_new (code_for (status, NULL), status, NULL,
                        "HTTP %u from the API server: %s", status, text);
}
