/* JSON replies and Status objects (see api-status.h). */
#include "build-config.h"

#include "api-status.h"

static const struct
{
  guint http;
  const char *reason;
} codes[] = {
  [KC_API_ERROR_INTERNAL] = { 500, "InternalError" },
  [KC_API_ERROR_BAD_REQUEST] = { 400, "BadRequest" },
  [KC_API_ERROR_INVALID] = { 422, "Invalid" },
  [KC_API_ERROR_NOT_FOUND] = { 404, "NotFound" },
  [KC_API_ERROR_ALREADY_EXISTS] = { 409, "AlreadyExists" },
  [KC_API_ERROR_CONFLICT] = { 409, "Conflict" },
  [KC_API_ERROR_GONE] = { 410, "Expired" },
  [KC_API_ERROR_METHOD_NOT_ALLOWED] = { 405, "MethodNotAllowed" },
  [KC_API_ERROR_UNSUPPORTED_MEDIA] = { 415, "UnsupportedMediaType" },
  [KC_API_ERROR_UNAVAILABLE] = { 503, "ServiceUnavailable" },
  [KC_API_ERROR_TOO_LARGE] = { 413, "RequestEntityTooLarge" },
  [KC_API_ERROR_NOT_ACCEPTABLE] = { 406, "NotAcceptable" },
};

static gboolean
is_known (const GError *error)
{
  return error->domain == KC_API_ERROR && error->code >= 0
         && (gsize) error->code < G_N_ELEMENTS (codes);
}

guint
kc_api_error_http_status (const GError *error)
{
  return is_known (error) ? codes[error->code].http : 500;
}

const char *
kc_api_error_reason (const GError *error)
{
  return is_known (error) ? codes[error->code].reason : "InternalError";
}

JsonNode *
kc_api_status_new (const GError *error, const KcResource *resource,
                   const char *name)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "Status");
  json_builder_set_member_name (b, "apiVersion");
  json_builder_add_string_value (b, "v1");
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "Failure");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, error->message);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, kc_api_error_reason (error));
  if (resource || name)
    {
      json_builder_set_member_name (b, "details");
      json_builder_begin_object (b);
      if (name)
        {
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, name);
        }
      if (resource && resource->group[0])
        {
          json_builder_set_member_name (b, "group");
          json_builder_add_string_value (b, resource->group);
        }
      if (resource)
        {
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, resource->plural);
        }
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "code");
  json_builder_add_int_value (b, kc_api_error_http_status (error));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
kc_api_reply_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  gsize len = 0;
  char *text = json_to_string (node, FALSE);
  len = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json",
                                    SOUP_MEMORY_TAKE, text, len);
}

void
kc_api_reply_error (SoupServerMessage *msg, const GError *error,
                    const KcResource *resource, const char *name)
{
  g_autoptr (JsonNode) status = kc_api_status_new (error, resource, name);
  kc_api_reply_json (msg, kc_api_error_http_status (error), status);
}

void
kc_api_set_not_found (GError **error, const KcResource *resource,
                      const char *name)
{
  g_autofree char *what = kc_resource_qualified_name (resource);
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_NOT_FOUND,
               "%s \"%s\" not found", what, name);
}

void
kc_api_set_already_exists (GError **error, const KcResource *resource,
                           const char *name)
{
  g_autofree char *what = kc_resource_qualified_name (resource);
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_ALREADY_EXISTS,
               "%s \"%s\" already exists", what, name);
}

void
kc_api_set_conflict (GError **error, const KcResource *resource,
                     const char *name)
{
  g_autofree char *what = kc_resource_qualified_name (resource);
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_CONFLICT,
               "Operation cannot be fulfilled on %s \"%s\": the object has "
               "been modified; please apply your changes to the latest "
               "version and try again",
               what, name);
}
