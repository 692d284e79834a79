/* Kubernetes' defaults (see api-defaults.h): the values of
 * k8s.io/api's SetDefaults_* functions and of the registries' create
 * strategies, for the fields kcore serves. */
#include "build-config.h"

#include "api-defaults.h"

#include <string.h>

/* ---- helpers ----------------------------------------------------------- */

static JsonObject *
object_at (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

/* @member of @obj as an object, created when missing (or null).  NULL when
 * it holds something else: validation reports that. */
static JsonObject *
ensure_object (JsonObject *obj, const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      json_object_set_object_member (obj, member, json_object_new ());
      node = json_object_get_member (obj, member);
    }
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
array_at (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                              : NULL;
}

/* Missing or null: a client that sends "field": null means "unset". */
static gboolean
unset (JsonObject *obj, const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);
  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static void
default_string (JsonObject *obj, const char *member, const char *value)
{
  if (obj && unset (obj, member))
    json_object_set_string_member (obj, member, value);
}

static void
default_int (JsonObject *obj, const char *member, gint64 value)
{
  if (obj && unset (obj, member))
    json_object_set_int_member (obj, member, value);
}

static void
default_bool (JsonObject *obj, const char *member, gboolean value)
{
  if (obj && unset (obj, member))
    json_object_set_boolean_member (obj, member, value);
}

/* Calls @func on every object element of @obj.@member. */
static void
each_object (JsonObject *obj, const char *member,
             void (*func) (JsonObject *element, gpointer data), gpointer data)
{
  JsonArray *array = array_at (obj, member);
  guint n = array ? json_array_get_length (array) : 0;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_OBJECT (e))
        func (json_node_get_object (e), data);
    }
}

/* ---- pods and pod templates -------------------------------------------- */

static void
default_protocol (JsonObject *port, gpointer data)
{
  default_string (port, "protocol", "TCP");
}

/* Always for :latest or no tag (a digest pins the image), else
 * IfNotPresent, as SetDefaults_Container. */
static const char *
pull_policy_for (const char *image)
{
  if (image == NULL)
    return "IfNotPresent";
  if (strchr (image, '@'))
    return "IfNotPresent";
  const char *slash = strrchr (image, '/');
  const char *colon = strrchr (slash ? slash : image, ':');
  if (colon == NULL || strcmp (colon + 1, "latest") == 0)
    return "Always";
  return "IfNotPresent";
}

static void
default_container (JsonObject *c, gpointer data)
{
  if (unset (c, "imagePullPolicy"))
    {
      JsonNode *image = json_object_get_member (c, "image");
      const char *text = image && JSON_NODE_HOLDS_VALUE (image)
                                 && json_node_get_value_type (image)
                                        == G_TYPE_STRING
                             ? json_node_get_string (image)
                             : NULL;
      json_object_set_string_member (c, "imagePullPolicy",
                                     pull_policy_for (text));
    }
  default_string (c, "terminationMessagePath", "/dev/termination-log");
  default_string (c, "terminationMessagePolicy", "File");
  each_object (c, "ports", default_protocol, NULL);
  if (unset (c, "resources"))
    json_object_set_object_member (c, "resources", json_object_new ());
}

/* A pod (not a template) requests what it limits when it requests
 * nothing else for that resource, as SetDefaults_Pod. */
static void
default_requests (JsonObject *c, gpointer data)
{
  JsonObject *resources = object_at (c, "resources");
  JsonObject *limits = object_at (resources, "limits");
  if (limits == NULL || json_object_get_size (limits) == 0)
    return;
  JsonObject *requests = ensure_object (resources, "requests");
  if (requests == NULL)
    return;
  GList *names = json_object_get_members (limits);
  for (GList *l = names; l; l = l->next)
    if (!json_object_has_member (requests, l->data))
      json_object_set_member (
          requests, l->data,
          json_node_copy (json_object_get_member (limits, l->data)));
  g_list_free (names);
}

/* SetDefaults_PodSpec and its containers; @restart_policy NULL leaves
 * restartPolicy to the client (a Job's template must choose). */
static void
default_pod_spec (JsonObject *spec, const char *restart_policy)
{
  if (spec == NULL)
    return;
  default_string (spec, "dnsPolicy", "ClusterFirst");
  if (restart_policy)
    default_string (spec, "restartPolicy", restart_policy);
  default_int (spec, "terminationGracePeriodSeconds", 30);
  default_string (spec, "schedulerName", "default-scheduler");
  if (unset (spec, "securityContext"))
    json_object_set_object_member (spec, "securityContext",
                                   json_object_new ());
  each_object (spec, "containers", default_container, NULL);
  each_object (spec, "initContainers", default_container, NULL);
}

static void
default_pod (JsonObject *obj)
{
  JsonObject *spec = object_at (obj, "spec");
  default_pod_spec (spec, "Always");
  if (spec == NULL)
    return;
  default_bool (spec, "enableServiceLinks", TRUE);
  each_object (spec, "containers", default_requests, NULL);
  each_object (spec, "initContainers", default_requests, NULL);
}

static void
default_template (JsonObject *spec, const char *restart_policy)
{
  JsonObject *template = object_at (spec, "template");
  default_pod_spec (object_at (template, "spec"), restart_policy);
}

/* ---- services ----------------------------------------------------------- */

static void
default_service_port (JsonObject *port, gpointer data)
{
  default_string (port, "protocol", "TCP");
  JsonNode *target = json_object_get_member (port, "targetPort");
  gboolean zero = target && JSON_NODE_HOLDS_VALUE (target)
                  && ((json_node_get_value_type (target) == G_TYPE_INT64
                       && json_node_get_int (target) == 0)
                      || (json_node_get_value_type (target) == G_TYPE_STRING
                          && json_node_get_string (target)[0] == '\0'));
  JsonNode *number = json_object_get_member (port, "port");
  if ((target == NULL || JSON_NODE_HOLDS_NULL (target) || zero) && number
      && JSON_NODE_HOLDS_VALUE (number))
    json_object_set_member (port, "targetPort", json_node_copy (number));
}

static void
default_service (JsonObject *obj)
{
  JsonObject *spec = object_at (obj, "spec");
  if (spec == NULL)
    return;
  default_string (spec, "type", "ClusterIP");
  default_string (spec, "sessionAffinity", "None");
  each_object (spec, "ports", default_service_port, NULL);
  const char *type = json_object_get_string_member_with_default (spec, "type",
                                                                 "");
  if (strcmp (type, "ExternalName") != 0)
    default_string (spec, "ipFamilyPolicy", "SingleStack");
  if (strcmp (type, "NodePort") == 0 || strcmp (type, "LoadBalancer") == 0)
    default_string (spec, "externalTrafficPolicy", "Cluster");
}

/* ---- controllers -------------------------------------------------------- */

static void
default_deployment (JsonObject *obj)
{
  JsonObject *spec = object_at (obj, "spec");
  if (spec == NULL)
    return;
  default_int (spec, "replicas", 1);
  JsonObject *strategy = ensure_object (spec, "strategy");
  if (strategy)
    {
      default_string (strategy, "type", "RollingUpdate");
      const char *type = json_object_get_string_member_with_default (
          strategy, "type", "");
      if (strcmp (type, "RollingUpdate") == 0)
        {
          JsonObject *rolling = ensure_object (strategy, "rollingUpdate");
          default_string (rolling, "maxUnavailable", "25%");
          default_string (rolling, "maxSurge", "25%");
        }
    }
  default_int (spec, "revisionHistoryLimit", 10);
  default_int (spec, "progressDeadlineSeconds", 600);
  default_template (spec, "Always");
}

static void
default_replica_set (JsonObject *obj)
{
  JsonObject *spec = object_at (obj, "spec");
  if (spec == NULL)
    return;
  default_int (spec, "replicas", 1);
  default_template (spec, "Always");
}

/* SetDefaults_Job: completions and parallelism 1 when neither is set,
 * parallelism 1 when only it is missing. */
static void
default_job (JsonObject *obj)
{
  JsonObject *spec = object_at (obj, "spec");
  if (spec == NULL)
    return;
  if (unset (spec, "completions") && unset (spec, "parallelism"))
    json_object_set_int_member (spec, "completions", 1);
  default_int (spec, "parallelism", 1);
  default_int (spec, "backoffLimit", 6);
  default_string (spec, "completionMode", "NonIndexed");
  default_bool (spec, "suspend", FALSE);
  /* A Job's pods must say Never or OnFailure: validation asks for it. */
  default_template (spec, NULL);
}

/* ---- the rest ------------------------------------------------------------ */

static void
default_namespace (JsonObject *obj)
{
  JsonObject *spec = ensure_object (obj, "spec");
  if (spec && unset (spec, "finalizers"))
    {
      JsonArray *finalizers = json_array_new ();
      json_array_add_string_element (finalizers, "kubernetes");
      json_object_set_array_member (spec, "finalizers", finalizers);
    }
  default_string (ensure_object (obj, "status"), "phase", "Active");
}

static void
default_volume (JsonObject *obj, gboolean claim)
{
  JsonObject *spec = object_at (obj, "spec");
  if (spec)
    {
      default_string (spec, "volumeMode", "Filesystem");
      if (!claim)
        default_string (spec, "persistentVolumeReclaimPolicy", "Retain");
    }
  JsonObject *status = object_at (obj, "status");
  default_string (status, "phase", "Pending");
}

void
kc_api_defaults_apply (const KcResource *resource, JsonNode *object)
{
  if (object == NULL || !JSON_NODE_HOLDS_OBJECT (object))
    return;
  JsonObject *obj = json_node_get_object (object);
  const char *group = resource->group;
  const char *plural = resource->plural;

  if (group[0] == '\0')
    {
      if (strcmp (plural, "pods") == 0)
        default_pod (obj);
      else if (strcmp (plural, "services") == 0)
        default_service (obj);
      else if (strcmp (plural, "namespaces") == 0)
        default_namespace (obj);
      else if (strcmp (plural, "persistentvolumes") == 0)
        default_volume (obj, FALSE);
      else if (strcmp (plural, "persistentvolumeclaims") == 0)
        default_volume (obj, TRUE);
    }
  else if (strcmp (group, "apps") == 0)
    {
      if (strcmp (plural, "deployments") == 0)
        default_deployment (obj);
      else if (strcmp (plural, "replicasets") == 0)
        default_replica_set (obj);
    }
  else if (strcmp (group, "batch") == 0 && strcmp (plural, "jobs") == 0)
    default_job (obj);
}
