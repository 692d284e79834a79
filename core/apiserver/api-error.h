/* Errors of the API server, one code per Kubernetes Status reason.  A
 * GError in KC_API_ERROR becomes a Status object with the matching HTTP
 * code (see api-status.c).  Internal to the daemon. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KC_API_ERROR (kc_api_error_quark ())
GQuark kc_api_error_quark (void);

typedef enum
{
  KC_API_ERROR_INTERNAL,          /* 500 InternalError */
  KC_API_ERROR_BAD_REQUEST,       /* 400 BadRequest: malformed body, query,
                                     selector or patch */
  KC_API_ERROR_INVALID,           /* 422 Invalid: a field's value is wrong */
  KC_API_ERROR_NOT_FOUND,         /* 404 NotFound */
  KC_API_ERROR_ALREADY_EXISTS,    /* 409 AlreadyExists */
  KC_API_ERROR_CONFLICT,          /* 409 Conflict: stale resourceVersion */
  KC_API_ERROR_GONE,              /* 410 Expired: resourceVersion too old */
  KC_API_ERROR_METHOD_NOT_ALLOWED, /* 405 MethodNotAllowed */
  KC_API_ERROR_UNSUPPORTED_MEDIA, /* 415 UnsupportedMediaType */
  KC_API_ERROR_UNAVAILABLE,       /* 503 ServiceUnavailable */
  KC_API_ERROR_TOO_LARGE,         /* 413 RequestEntityTooLarge */
  KC_API_ERROR_NOT_ACCEPTABLE,    /* 406 NotAcceptable */
} KcApiError;

G_END_DECLS
