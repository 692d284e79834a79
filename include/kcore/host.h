/* kcore host table: what a plugin instance receives when it is created.
 *
 * The core fills one KcHost per plugin instance and passes it to the
 * vtable's create().  It is size-prefixed and append-only like the vtables
 * (see the rules in plugin.h): a plugin reads a member newer than ABI 1.0 only
 * after KC_STRUCT_HAS (host, KcHost, member).
 *
 * Ownership: the KcHost and everything it points to belong to the core and
 * stay valid until the instance's destroy() returns.  A plugin keeps the
 * pointer; it never frees or modifies it.
 *
 * Threading: the members are immutable; kc_host_log() may be called from any
 * thread.
 */
#pragma once

#include <glib.h>
#include <kcore/config.h>
#include <kcore/plugin.h>

G_BEGIN_DECLS

typedef void (*KcHostLogFunc) (const KcHost *host, GLogLevelFlags level,
                               const char *message, gpointer log_data);

struct _KcHost
{
  guint32 size;               /* sizeof (KcHost) as the core was built */
  guint32 reserved0;
  const char *component;      /* the process hosting the plugin, e.g.
                                 "apiserver" */
  const char *role;           /* the config group naming the plugin, e.g.
                                 "store" or "controller replicaset" */
  const char *plugin_name;    /* the descriptor's name */
  const KcConfigGroup *config; /* the plugin's options, checked */
  GMainContext *main_context; /* the component's main context: async
                                 results are delivered here */
  const char *data_dir;       /* [kcore] data-dir, absolute, exists */
  KcHostLogFunc log;          /* use kc_host_log() rather than calling it */
  gpointer log_data;
  /* ABI 1.x appends here: API client, informers, metrics. */
};

/* Logs @format for the plugin through the host's log sink, tagged with the
 * component, role and plugin name.  Any thread. */
void kc_host_log (const KcHost *host, GLogLevelFlags level,
                  const char *format, ...) G_GNUC_PRINTF (3, 4);

#define kc_host_debug(host, ...) kc_host_log (host, G_LOG_LEVEL_DEBUG, __VA_ARGS__)
#define kc_host_info(host, ...) kc_host_log (host, G_LOG_LEVEL_INFO, __VA_ARGS__)
#define kc_host_message(host, ...)                                            \
  kc_host_log (host, G_LOG_LEVEL_MESSAGE, __VA_ARGS__)
#define kc_host_warning(host, ...)                                            \
  kc_host_log (host, G_LOG_LEVEL_WARNING, __VA_ARGS__)

G_END_DECLS
