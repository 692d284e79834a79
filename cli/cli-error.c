/* Errors as kubectl prints them, so scripts and people that know kubectl
 * read them the same way. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>
#include <string.h>

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

/* libcurl's wording of a failed TLS handshake or certificate check
 * ("SSL certificate problem: ...", "SSL: no alternative certificate
 * subject name matches ...", "error setting certificate file ..."). */
static gboolean
is_tls_failure (const GError *error)
{
  return g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NETWORK)
         && (strstr (error->message, "SSL") != NULL
             || strstr (error->message, "certificate") != NULL
             || strstr (error->message, "TLS") != NULL);
}

/* A TLS server hangs up on a plain HTTP request. */
static gboolean
plain_http_to_tls (const GError *error)
{
  KcClient *client = kcctl_client ();
  return client
         && g_str_has_prefix (kc_client_get_current_url (client), "http://")
         && (strstr (error->message, "reset by peer") != NULL
             || strstr (error->message, "Empty reply") != NULL);
}

void
kcctl_print_error (const GError *error)
{
  /* kubectl's words for a missing or refused token. */
  if (kc_client_error_get_http_status (error) == 401)
    {
      fprintf (stderr, "error: You must be logged in to the server (%s)\n",
               error->message);
      return;
    }
  if (is_tls_failure (error))
    {
      KcClient *client = kcctl_client ();
      /* The client's message starts "METHOD URL: "; keep curl's why. */
      const char *why = strstr (error->message, ": ");
      fprintf (stderr,
               "error: cannot make a TLS connection to %s: %s (the server's "
               "certificate must name that host and be signed by the CA "
               "given with --certificate-authority FILE or KCORE_CA_FILE)\n",
               client ? kc_client_get_current_url (client) : "the server",
               why ? why + 2 : error->message);
      return;
    }
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
  if (g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NETWORK)
      && plain_http_to_tls (error))
    {
      fprintf (stderr,
               "error: %s (does the server serve HTTPS? then use an "
               "https:// URL with --server, KCORE_SERVER or the config "
               "file)\n",
               error->message);
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
