/* The API server component.  It owns the store instance (it is the store's
 * only user) and serves HTTP.  So far: health (/healthz, /livez, /readyz)
 * and /version; the Kubernetes REST API grows here. */
#pragma once

#include "component.h"

G_BEGIN_DECLS

extern const KcConfigKey kc_apiserver_config_keys[];

/* Runs the API server until SIGTERM/SIGINT.  Returns the exit status. */
int kc_apiserver_run (KcDaemon *daemon, GError **error);

G_END_DECLS
