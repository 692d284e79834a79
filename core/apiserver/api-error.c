/* The API server's error domain (see api-error.h). */
#include "build-config.h"

#include "api-error.h"

G_DEFINE_QUARK (kc-api-error-quark, kc_api_error)
