/* Defaults the API server fills in on create and update, before
 * validation, as Kubernetes' defaulting functions do (pods and the pod
 * templates of controllers, services, deployments, replica sets, jobs,
 * namespaces, persistent volumes and claims).  Internal; any thread
 * (pure). */
#pragma once

#include "resource.h"
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Sets every field of @object (a @resource) that Kubernetes defaults and
 * the client left out; fields the client set are kept as sent. */
void kc_api_defaults_apply (const KcResource *resource, JsonNode *object);

G_END_DECLS
