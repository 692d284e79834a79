/* The table of served resources (see resource.h). */
#include "build-config.h"

#include "resource.h"

#include <string.h>

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })
#define ALL STRV ("all")
#define META_FIELDS "metadata.name", "metadata.namespace"

static const KcResource namespaces = {
  "", "v1", "namespaces", "namespace", "Namespace", "NamespaceList", FALSE,
  KC_RESOURCE_HAS_STATUS | KC_RESOURCE_HAS_SPEC, STRV ("ns"), NONE,
  STRV (META_FIELDS, "status.phase"),
};
static const KcResource nodes = {
  "", "v1", "nodes", "node", "Node", "NodeList", FALSE,
  KC_RESOURCE_HAS_STATUS, STRV ("no"), NONE,
  STRV (META_FIELDS, "spec.unschedulable"),
};
static const KcResource pods = {
  "", "v1", "pods", "pod", "Pod", "PodList", TRUE,
  KC_RESOURCE_HAS_STATUS | KC_RESOURCE_HAS_BINDING | KC_RESOURCE_HAS_LOG,
  STRV ("po"), ALL,
  STRV (META_FIELDS, "spec.nodeName", "spec.restartPolicy",
        "spec.schedulerName", "spec.serviceAccountName", "status.phase",
        "status.podIP", "status.nominatedNodeName"),
};
static const KcResource services = {
  "", "v1", "services", "service", "Service", "ServiceList", TRUE,
  KC_RESOURCE_HAS_STATUS, STRV ("svc"), ALL, STRV (META_FIELDS),
};
static const KcResource endpoints = {
  "", "v1", "endpoints", "endpoints", "Endpoints", "EndpointsList", TRUE, 0,
  STRV ("ep"), NONE, STRV (META_FIELDS),
};
static const KcResource persistentvolumes = {
  "", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume",
  "PersistentVolumeList", FALSE, KC_RESOURCE_HAS_STATUS, STRV ("pv"), NONE,
  STRV (META_FIELDS),
};
static const KcResource persistentvolumeclaims = {
  "", "v1", "persistentvolumeclaims", "persistentvolumeclaim",
  "PersistentVolumeClaim", "PersistentVolumeClaimList", TRUE,
  KC_RESOURCE_HAS_STATUS, STRV ("pvc"), NONE, STRV (META_FIELDS),
};
static const KcResource events = {
  "", "v1", "events", "event", "Event", "EventList", TRUE, 0, STRV ("ev"),
  NONE,
  STRV (META_FIELDS, "involvedObject.kind", "involvedObject.namespace",
        "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "source", "type"),
};
static const KcResource configmaps = {
  "", "v1", "configmaps", "configmap", "ConfigMap", "ConfigMapList", TRUE, 0,
  STRV ("cm"), NONE, STRV (META_FIELDS),
};
static const KcResource deployments = {
  "apps", "v1", "deployments", "deployment", "Deployment", "DeploymentList",
  TRUE, KC_RESOURCE_HAS_STATUS | KC_RESOURCE_HAS_SCALE | KC_RESOURCE_HAS_SPEC,
  STRV ("deploy"), ALL, STRV (META_FIELDS),
};
static const KcResource replicasets = {
  "apps", "v1", "replicasets", "replicaset", "ReplicaSet", "ReplicaSetList",
  TRUE, KC_RESOURCE_HAS_STATUS | KC_RESOURCE_HAS_SCALE | KC_RESOURCE_HAS_SPEC,
  STRV ("rs"), ALL, STRV (META_FIELDS, "status.replicas"),
};
static const KcResource jobs = {
  "batch", "v1", "jobs", "job", "Job", "JobList", TRUE,
  KC_RESOURCE_HAS_STATUS | KC_RESOURCE_HAS_SPEC, NONE, ALL,
  STRV (META_FIELDS, "status.successful"),
};
static const KcResource leases = {
  "coordination.k8s.io", "v1", "leases", "lease", "Lease", "LeaseList", TRUE,
  KC_RESOURCE_HAS_SPEC, NONE, NONE, STRV (META_FIELDS),
};

static const KcResource *const resources[] = {
  &namespaces, &nodes, &pods, &services, &endpoints, &persistentvolumes,
  &persistentvolumeclaims, &events, &configmaps, &deployments, &replicasets,
  &jobs, &leases, NULL,
};

const KcResource *const *
kc_resource_all (void)
{
  return resources;
}

const KcResource *
kc_resource_find (const char *group, const char *version, const char *plural)
{
  for (guint i = 0; resources[i]; i++)
    if (strcmp (resources[i]->group, group) == 0
        && strcmp (resources[i]->version, version) == 0
        && strcmp (resources[i]->plural, plural) == 0)
      return resources[i];
  return NULL;
}

const char *
kc_resource_api_version (const KcResource *resource)
{
  static const char *const known[] = { "v1", "apps/v1", "batch/v1",
                                       "coordination.k8s.io/v1" };
  g_autofree char *wanted = resource->group[0]
                                ? g_strdup_printf ("%s/%s", resource->group,
                                                   resource->version)
                                : g_strdup (resource->version);
  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (strcmp (known[i], wanted) == 0)
      return known[i];
  g_return_val_if_reached ("v1");
}

char *
kc_resource_key (const KcResource *resource, const char *ns,
                 const char *name)
{
  GString *key = g_string_new ("/registry/");
  if (resource->group[0])
    g_string_append_printf (key, "%s/", resource->group);
  g_string_append_printf (key, "%s/", resource->plural);
  if (resource->namespaced && ns)
    g_string_append_printf (key, "%s/", ns);
  if (name)
    g_string_append (key, name);
  return g_string_free (key, FALSE);
}

char *
kc_resource_qualified_name (const KcResource *resource)
{
  if (resource->group[0] == '\0')
    return g_strdup (resource->plural);
  return g_strdup_printf ("%s.%s", resource->plural, resource->group);
}
