/* pods/log: the API server proxies a container's log from the kubelet of
 * the pod's node (kcore-sim's hollow nodes serve it today, the agents
 * later), as kube-apiserver does.  Internal to the daemon; main thread. */
#pragma once

#include "api-server.h"

G_BEGIN_DECLS

/* Serves GET .../pods/NAME/log for @req, whose req->current is the pod
 * just read: checks the container and the node, then streams the
 * kubelet's GET /containerLogs/NS/NAME/CONTAINER through to the client
 * as it arrives.  Takes over @req. */
void kc_api_pod_log_proxy (KcApiRequest *req);

G_END_DECLS
