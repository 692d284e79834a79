/* KcSchedPod: a pod as the scheduler sees it, parsed once from its JSON. */
#include "build-config.h"

#include "sched-private.h"

#include <string.h>

/* Kubernetes' defaults for a container without a request, used when
 * scoring (pkg/scheduler/util: DefaultMilliCPURequest/MemoryRequest). */
#define DEFAULT_SCORING_MILLI_CPU 100
#define DEFAULT_SCORING_MEMORY (200 * 1024 * 1024)

static const char *const resource_names[KC_SCHED_N_RESOURCES]
    = { "cpu", "memory", "ephemeral-storage", "pods" };

/* A quantity of a resource list; strings and plain numbers both occur. */
static gint64
list_quantity (JsonObject *list, int resource)
{
  JsonNode *n
      = list ? json_object_get_member (list, resource_names[resource]) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return -1;
  gint64 v = 0;
  gboolean milli = resource == KC_SCHED_RESOURCE_CPU;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return kc_sched_parse_quantity (json_node_get_string (n), milli, &v)
                   && v >= 0
               ? v
               : -1;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n) * (milli ? 1000 : 1);
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return (gint64)(json_node_get_double (n) * (milli ? 1000 : 1) + 0.999);
  return -1;
}

/* One container's requests; limits stand in for absent requests, as the
 * API server's defaulting makes them. */
static void
container_requests (JsonObject *container, gboolean scoring,
                    gint64 out[KC_SCHED_N_RESOURCES])
{
  JsonObject *resources = kc_json_get_object (container, "resources");
  JsonObject *requests = kc_json_get_object (resources, "requests");
  JsonObject *limits = kc_json_get_object (resources, "limits");
  for (int r = 0; r < KC_SCHED_RESOURCE_PODS; r++)
    {
      gint64 v = list_quantity (requests, r);
      if (v < 0)
        v = list_quantity (limits, r);
      if (v < 0)
        v = 0;
      if (scoring && v == 0 && r == KC_SCHED_RESOURCE_CPU)
        v = DEFAULT_SCORING_MILLI_CPU;
      if (scoring && v == 0 && r == KC_SCHED_RESOURCE_MEMORY)
        v = DEFAULT_SCORING_MEMORY;
      out[r] = v;
    }
  out[KC_SCHED_RESOURCE_PODS] = 0;
}

static void
add_to (gint64 *sum, const gint64 *v)
{
  for (int r = 0; r < KC_SCHED_N_RESOURCES; r++)
    sum[r] += v[r];
}

static void
max_to (gint64 *max, const gint64 *v)
{
  for (int r = 0; r < KC_SCHED_N_RESOURCES; r++)
    max[r] = MAX (max[r], v[r]);
}

/* Kubernetes' PodRequests: containers summed; init containers run one at
 * a time, but restartable ("sidecar") init containers keep running beside
 * the ones after them and beside the main containers. */
static void
pod_requests (JsonObject *spec, gboolean scoring,
              gint64 out[KC_SCHED_N_RESOURCES])
{
  gint64 sum[KC_SCHED_N_RESOURCES] = { 0 };
  gint64 sidecars[KC_SCHED_N_RESOURCES] = { 0 };
  gint64 init_max[KC_SCHED_N_RESOURCES] = { 0 };
  gint64 c[KC_SCHED_N_RESOURCES];

  JsonArray *containers = kc_json_get_array (spec, "containers");
  for (guint i = 0; containers && i < json_array_get_length (containers); i++)
    {
      container_requests (json_array_get_object_element (containers, i),
                          scoring, c);
      add_to (sum, c);
    }
  JsonArray *inits = kc_json_get_array (spec, "initContainers");
  for (guint i = 0; inits && i < json_array_get_length (inits); i++)
    {
      JsonObject *ic = json_array_get_object_element (inits, i);
      container_requests (ic, scoring, c);
      if (g_strcmp0 (kc_json_get_string (ic, "restartPolicy"), "Always")
          == 0)
        {
          add_to (sum, c);
          add_to (sidecars, c);
          max_to (init_max, sidecars);
        }
      else
        {
          add_to (c, sidecars);
          max_to (init_max, c);
        }
    }
  max_to (sum, init_max);

  JsonObject *overhead = kc_json_get_object (spec, "overhead");
  for (int r = 0; r < KC_SCHED_RESOURCE_PODS; r++)
    {
      gint64 v = list_quantity (overhead, r);
      if (v > 0)
        sum[r] += v;
    }
  sum[KC_SCHED_RESOURCE_PODS] = 1;
  memcpy (out, sum, sizeof sum);
}

/* Keeps the promise of a non-NULL spec without touching the shared pod
 * object.  Never freed; read-only. */
static JsonObject *
empty_object (void)
{
  static JsonObject *empty;
  if (g_once_init_enter (&empty))
    g_once_init_leave (&empty, json_object_new ());
  return empty;
}

static gint64
parse_time (const char *text)
{
  if (text == NULL)
    return 0;
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (text, NULL);
  return t ? g_date_time_to_unix (t) * G_USEC_PER_SEC
                 + g_date_time_get_microsecond (t)
           : 0;
}

static gboolean
has_pod_affinity (JsonObject *spec)
{
  JsonObject *affinity = kc_json_get_object (spec, "affinity");
  return kc_json_get_object (affinity, "podAffinity") != NULL
         || kc_json_get_object (affinity, "podAntiAffinity") != NULL;
}

KcSchedPod *
kc_sched_pod_new (JsonNode *object)
{
  g_return_val_if_fail (object && JSON_NODE_HOLDS_OBJECT (object), NULL);
  KcSchedPod *pod = g_new0 (KcSchedPod, 1);
  pod->ref_count = 1;
  pod->object = json_node_ref (object);

  JsonObject *root = json_node_get_object (object);
  JsonObject *meta = kc_json_get_object (root, "metadata");
  pod->spec = kc_json_get_object (root, "spec");
  if (pod->spec == NULL)
    pod->spec = empty_object ();
  pod->labels = kc_json_get_object (meta, "labels");
  pod->namespace = kc_json_get_string (meta, "namespace");
  if (pod->namespace == NULL)
    pod->namespace = "default";
  pod->name = kc_json_get_string (meta, "name");
  if (pod->name == NULL)
    pod->name = "";
  pod->uid = kc_json_get_string (meta, "uid");
  if (pod->uid == NULL)
    pod->uid = "";
  pod->key = g_strconcat (pod->namespace, "/", pod->name, NULL);
  pod->scheduler_name = kc_json_get_string (pod->spec, "schedulerName");
  if (pod->scheduler_name == NULL || *pod->scheduler_name == '\0')
    pod->scheduler_name = "default-scheduler";
  const char *node_name = kc_json_get_string (pod->spec, "nodeName");
  pod->node_name = node_name && *node_name ? g_strdup (node_name) : NULL;
  if (json_object_has_member (pod->spec, "priority"))
    pod->priority = (gint32)json_object_get_int_member_with_default (
        pod->spec, "priority", 0);
  pod->creation_time
      = parse_time (kc_json_get_string (meta, "creationTimestamp"));
  pod_requests (pod->spec, FALSE, pod->request);
  pod_requests (pod->spec, TRUE, pod->scoring_request);
  pod->has_pod_affinity = has_pod_affinity (pod->spec);

  const char *phase = kc_json_get_string (
      kc_json_get_object (root, "status"), "phase");
  pod->terminal = g_strcmp0 (phase, "Succeeded") == 0
                  || g_strcmp0 (phase, "Failed") == 0;
  pod->terminating
      = kc_json_get_string (meta, "deletionTimestamp") != NULL;
  return pod;
}

KcSchedPod *
kc_sched_pod_ref (KcSchedPod *pod)
{
  g_atomic_int_inc (&pod->ref_count);
  return pod;
}

void
kc_sched_pod_unref (KcSchedPod *pod)
{
  if (pod == NULL || !g_atomic_int_dec_and_test (&pod->ref_count))
    return;
  json_node_unref (pod->object);
  g_free (pod->key);
  g_free (pod->node_name);
  g_free (pod);
}

void
kc_sched_pod_set_node_name (KcSchedPod *pod, const char *node_name)
{
  g_free (pod->node_name);
  pod->node_name = g_strdup (node_name);
}

JsonNode *
kc_sched_pod_get_object (const KcSchedPod *pod)
{
  return pod->object;
}

const char *
kc_sched_pod_get_namespace (const KcSchedPod *pod)
{
  return pod->namespace;
}

const char *
kc_sched_pod_get_name (const KcSchedPod *pod)
{
  return pod->name;
}

const char *
kc_sched_pod_get_uid (const KcSchedPod *pod)
{
  return pod->uid;
}

JsonObject *
kc_sched_pod_get_labels (const KcSchedPod *pod)
{
  return pod->labels;
}

JsonObject *
kc_sched_pod_get_spec (const KcSchedPod *pod)
{
  return pod->spec;
}

const char *
kc_sched_pod_get_node_name (const KcSchedPod *pod)
{
  return pod->node_name;
}

gint32
kc_sched_pod_get_priority (const KcSchedPod *pod)
{
  return pod->priority;
}

gint64
kc_sched_pod_get_creation_time (const KcSchedPod *pod)
{
  return pod->creation_time;
}

gint64
kc_sched_pod_get_request (const KcSchedPod *pod, KcSchedResource resource)
{
  return (guint)resource < KC_SCHED_N_RESOURCES ? pod->request[resource] : 0;
}

gint64
kc_sched_pod_get_scoring_request (const KcSchedPod *pod,
                                  KcSchedResource resource)
{
  return (guint)resource < KC_SCHED_N_RESOURCES
             ? pod->scoring_request[resource]
             : 0;
}

gboolean
kc_sched_pod_has_pod_affinity (const KcSchedPod *pod)
{
  return pod->has_pod_affinity;
}
