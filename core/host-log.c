/* Logging on behalf of a plugin instance through its host table. */
#include "build-config.h"

#include <kcore/host.h>

void
kc_host_log (const KcHost *host, GLogLevelFlags level, const char *format,
             ...)
{
  g_return_if_fail (host != NULL && format != NULL);

  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);

  if (KC_STRUCT_HAS (host, KcHost, log) && host->log != NULL)
    host->log (host, level, message, host->log_data);
  else
    g_log_structured ("kcore", level, "MESSAGE", "%s: %s", host->plugin_name,
                      message);
}
