/* Logging for the daemon: GLib structured logging, one line per message on
 * stderr, each naming its component. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Installs the log writer.  @component names this process ("supervisor",
 * "apiserver", ...); @level is the least severe level written ("error",
 * "warning", "message", "info", "debug").  Call from main() before any
 * thread starts; may be called again to change either. */
void kc_log_init (const char *component, const char *level);

/* FALSE for a name kc_log_init() does not know. */
gboolean kc_log_level_is_valid (const char *level);

G_END_DECLS
