/* Errors as kubectl prints them, so scripts and people that know kubectl
 * read them the same way. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>

void
kcctl_error (const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (stderr, "error: %s\n", msg);
}

gboolean
kcctl_is_not_found (const GError *error)
{
  return g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NOT_FOUND);
}

void
kcctl_print_error (const GError *error)
{
  if (error->domain == KC_CLIENT_ERROR
      && kc_client_error_get_http_status (error) > 0)
    {
      const char *reason = kc_client_error_get_reason (error);
      if (reason && *reason)
        fprintf (stderr, "Error from server (%s): %s\n", reason,
                 error->message);
      else
        fprintf (stderr, "Error from server: %s\n", error->message);
      return;
    }
  if (g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NETWORK))
    {
      fprintf (stderr,
               "error: %s (is the API server running there? check "
               "--server, KCORE_SERVER or the config file)\n",
               error->message);
      return;
    }
  fprintf (stderr, "error: %s\n", error->message);
}
