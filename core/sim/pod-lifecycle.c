/* The simulated kubelet's pods: a compact SimPod per pod bound to one of
 * our nodes (no JSON kept), driven as the kubelet drives a pod:
 *
 *   Pending --startup-ms--> Running --sim-run-seconds--> exit code E
 *     restartPolicy Never:     Succeeded (E = 0) / Failed
 *     restartPolicy OnFailure: Succeeded (E = 0) / restart
 *     restartPolicy Always:    restart (restartCount + 1, runs again)
 *
 * and a pod that gets a deletionTimestamp has its containers "stopped" and
 * its deletion completed (DELETE with grace 0).  Every state change marks
 * the pod dirty and queues it in the request pump; the status written is
 * the state when its turn comes. */
#include "build-config.h"

#include "sim.h"

#include <stdlib.h>
#include <string.h>

#define RUN_SECONDS_ANNOTATION "kcore.io/sim-run-seconds"
#define EXIT_CODE_ANNOTATION "kcore.io/sim-exit-code"
/* Restarts of a container that exits at once are this far apart at
 * least: the kubelet backs off too, and a zero-length run must not spin. */
#define MIN_RESTART_MS 100

static void on_pod_timer (SimTimer *timer);
static gboolean pod_run (SimWork *work);

/* ---- JSON accessors (borrowed; NULL/default when absent or mistyped) ---- */

static gint64
int_member (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n)
                 && json_node_get_value_type (n) == G_TYPE_INT64
             ? json_node_get_int (n)
             : fallback;
}

/* ---- Pod objects ---------------------------------------------------------- */

static void
pod_free (SimPod *pod)
{
  g_free (pod->key);
  g_free (pod->uid);
  g_free (pod->containers);
  sim_pod_log_clear (pod);
  g_free (pod);
}

static SimNode *
node_of (Sim *sim, const SimPod *pod)
{
  return &sim->nodes[pod->node];
}

static void
release_ip (Sim *sim, SimPod *pod)
{
  if (pod->ip_held)
    sim_node_release_ip (node_of (sim, pod), pod->ip);
  pod->ip_held = FALSE;
}

/* Drops @pod: deleted in the API, or no longer bound to one of ours. */
static void
pod_forget (Sim *sim, SimPod *pod)
{
  g_hash_table_remove (sim->pods, pod->key);
  sim_pod_log_changed (sim, pod);  /* its followed logs end */
  sim_timers_cancel (sim->timers, &pod->timer);
  sim_pump_remove (sim->pump, &pod->work);
  release_ip (sim, pod);
  node_of (sim, pod)->pods--;
  g_debug ("pod %s forgotten", pod->key);
  if (pod->in_flight)
    pod->gone = TRUE;  /* freed when its request completes */
  else
    pod_free (pod);
}

static void
pod_touch (Sim *sim, SimPod *pod)
{
  pod->dirty = TRUE;
  if (!pod->in_flight)
    sim_pump_push (sim->pump, &pod->work, FALSE);
}

static guint16
count_containers (JsonArray *a)
{
  return a ? (guint16) MIN (json_array_get_length (a), 1000) : 0;
}

static void
read_containers (SimContainer *out, JsonArray *a, guint16 n)
{
  for (guint i = 0; i < n; i++)
    {
      JsonNode *c = json_array_get_element (a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (c) ? json_node_get_object (c)
                                                  : NULL;
      const char *name = kc_json_get_string (o, "name");
      const char *image = kc_json_get_string (o, "image");
      /* Interned: a cluster has few distinct container names and images,
       * so 150,000 pods share a handful of strings. */
      out[i].name = g_intern_string (name ? name : "");
      out[i].image = g_intern_string (image ? image : "");
    }
}

static void
read_annotations (SimPod *pod, JsonObject *meta)
{
  JsonObject *ann = kc_json_get_object (meta, "annotations");
  const char *run = kc_json_get_string (ann, RUN_SECONDS_ANNOTATION);
  const char *code = kc_json_get_string (ann, EXIT_CODE_ANNOTATION);

  pod->run_ms = SIM_RUN_FOREVER;
  pod->exit_code = 0;
  if (run)
    {
      char *end = NULL;
      double s = g_ascii_strtod (run, &end);
      if (end == run || *end != '\0' || !(s >= 0) || s > 4e6)
        g_warning ("pod %s: annotation %s=\"%s\" is not a number of "
                   "seconds; the pod runs until deleted", pod->key,
                   RUN_SECONDS_ANNOTATION, run);
      else
        pod->run_ms = (guint32) (s * 1000 + 0.5);
    }
  if (code)
    {
      gint64 n = 0;
      if (!g_ascii_string_to_signed (code, 10, G_MININT32, G_MAXINT32, &n,
                                     NULL))
        g_warning ("pod %s: annotation %s=\"%s\" is not an integer; using 0",
                   pod->key, EXIT_CODE_ANNOTATION, code);
      else
        pod->exit_code = (gint32) n;
    }
  sim_pod_log_read_annotations (pod, ann);
}

static SimRestartPolicy
restart_policy_of (JsonObject *spec)
{
  const char *p = kc_json_get_string (spec, "restartPolicy");
  if (g_strcmp0 (p, "Never") == 0)
    return SIM_RESTART_NEVER;
  if (g_strcmp0 (p, "OnFailure") == 0)
    return SIM_RESTART_ON_FAILURE;
  return SIM_RESTART_ALWAYS;
}

/* A pod the API server reports Running already (kcore-sim restarted):
 * take over its address, restart count and start time. */
static void
adopt_running (Sim *sim, SimPod *pod, JsonObject *status)
{
  SimNode *node = node_of (sim, pod);
  const char *ip = kc_json_get_string (status, "podIP");
  char prefix[16];
  guint wanted = 0;
  gint64 now = g_get_real_time ();

  sim_node_pod_ip (node, 0, prefix);
  prefix[strlen (prefix) - 1] = '\0';  /* "10.64.0." */
  if (ip && g_str_has_prefix (ip, prefix))
    wanted = (guint) strtoul (ip + strlen (prefix), NULL, 10);
  pod->ip = sim_node_take_ip (node, (guint8) MIN (wanted, 255));
  pod->ip_held = pod->ip != 0;
  pod->phase = SIM_POD_RUNNING;
  pod->start_us = sim_time_parse (kc_json_get_string (status, "startTime"));
  if (pod->start_us == 0)
    pod->start_us = now;
  pod->run_start_us = now;

  JsonArray *cs = kc_json_get_array (status, "containerStatuses");
  if (cs && json_array_get_length (cs) > 0
      && JSON_NODE_HOLDS_OBJECT (json_array_get_element (cs, 0)))
    {
      JsonObject *c = json_array_get_object_element (cs, 0);
      pod->restart_count = (guint32) CLAMP (int_member (c, "restartCount", 0),
                                            0, G_MAXINT32);
      gint64 at = sim_time_parse (kc_json_get_string (
          kc_json_get_object (kc_json_get_object (c, "state"), "running"),
          "startedAt"));
      if (at)
        pod->run_start_us = at;
    }
  if (pod->run_ms != SIM_RUN_FOREVER)
    {
      gint64 ran = MAX (now - pod->run_start_us, 0) / 1000;
      gint64 left = MAX ((gint64) pod->run_ms - ran, 0);
      sim_timers_schedule (sim->timers, &pod->timer,
                           g_get_monotonic_time () + left * 1000);
    }
  if (pod->ip == 0 || pod->ip != wanted)
    pod_touch (sim, pod);  /* its address was missing or taken */
}

static SimPod *
pod_new (Sim *sim, SimNode *node, char *key, gsize ns_len, const char *uid,
         JsonObject *obj)
{
  JsonObject *meta = kc_json_get_object (obj, "metadata");
  JsonObject *spec = kc_json_get_object (obj, "spec");
  JsonObject *status = kc_json_get_object (obj, "status");
  const char *phase = kc_json_get_string (status, "phase");
  SimPod *pod = g_new0 (SimPod, 1);

  pod->key = key;
  pod->ns_len = (guint16) ns_len;
  pod->uid = g_strdup (uid);
  pod->node = node->index;
  pod->work.run = pod_run;
  pod->timer.fire = on_pod_timer;
  pod->restart_policy = restart_policy_of (spec);
  read_annotations (pod, meta);
  g_hash_table_insert (sim->pods, pod->key, pod);
  node->pods++;

  /* Read even for a finished pod: its containers' (empty) logs are
   * served. */
  JsonArray *init = kc_json_get_array (spec, "initContainers");
  JsonArray *containers = kc_json_get_array (spec, "containers");
  pod->n_init = count_containers (init);
  pod->n_containers = count_containers (containers);
  pod->containers = g_new0 (SimContainer, pod->n_init + pod->n_containers);
  read_containers (pod->containers, init, pod->n_init);
  read_containers (pod->containers + pod->n_init, containers,
                   pod->n_containers);

  if (g_strcmp0 (phase, "Succeeded") == 0 || g_strcmp0 (phase, "Failed") == 0)
    {
      /* Done before we saw it: only its deletion is left to complete. */
      pod->phase = phase[0] == 'S' ? SIM_POD_SUCCEEDED : SIM_POD_FAILED;
      return pod;
    }

  if (g_strcmp0 (phase, "Running") == 0)
    adopt_running (sim, pod, status);
  else
    sim_timers_schedule (sim->timers, &pod->timer,
                         g_get_monotonic_time ()
                             + (gint64) sim->options->startup_ms * 1000);
  return pod;
}

/* ---- Lifecycle ------------------------------------------------------------ */

static void
schedule_run_end (Sim *sim, SimPod *pod, guint min_ms)
{
  if (pod->run_ms == SIM_RUN_FOREVER)
    return;
  sim_timers_schedule (sim->timers, &pod->timer,
                       g_get_monotonic_time ()
                           + (gint64) MAX (pod->run_ms, min_ms) * 1000);
}

static void
start_running (Sim *sim, SimPod *pod)
{
  gint64 now = g_get_real_time ();
  SimNode *node = node_of (sim, pod);

  pod->ip = sim_node_take_ip (node, 0);
  pod->ip_held = pod->ip != 0;
  if (pod->ip == 0)
    g_warning ("pod %s: node %s has no pod address left (its /24 is full); "
               "the pod runs without one", pod->key, node->name);
  pod->phase = SIM_POD_RUNNING;
  pod->start_us = now;
  pod->run_start_us = now;
  schedule_run_end (sim, pod, 0);
  pod_touch (sim, pod);
}

/* The containers exited with the pod's exit code. */
static void
containers_exited (Sim *sim, SimPod *pod)
{
  gint64 now = g_get_real_time ();
  gboolean ok = pod->exit_code == 0;

  pod->last_start_us = pod->run_start_us;
  pod->last_finish_us = now;
  pod->has_run = TRUE;
  if (pod->restart_policy == SIM_RESTART_NEVER
      || (pod->restart_policy == SIM_RESTART_ON_FAILURE && ok))
    {
      pod->phase = ok ? SIM_POD_SUCCEEDED : SIM_POD_FAILED;
      /* A finished pod's address goes back to the node; the status keeps
       * showing it, as Kubernetes' does. */
      release_ip (sim, pod);
    }
  else
    {
      pod->restart_count++;
      pod->run_start_us = now;
      schedule_run_end (sim, pod, MIN_RESTART_MS);
    }
  pod_touch (sim, pod);
  sim_pod_log_changed (sim, pod);  /* the run followed ended */
}

static void
on_pod_timer (SimTimer *timer)
{
  SimPod *pod = SIM_CONTAINER_OF (timer, SimPod, timer);
  Sim *sim = sim_get ();

  if (sim->stopping || pod->deleting)
    return;
  if (pod->phase == SIM_POD_PENDING)
    start_running (sim, pod);
  else if (pod->phase == SIM_POD_RUNNING)
    containers_exited (sim, pod);
}

static void
start_deletion (Sim *sim, SimPod *pod)
{
  /* The containers stop at once: a hollow pod has nothing to wind down. */
  pod->deleting = TRUE;
  pod->dirty = FALSE;
  sim_pod_log_changed (sim, pod);
  sim_timers_cancel (sim->timers, &pod->timer);
  sim_pump_remove (sim->pump, &pod->work);
  if (!pod->in_flight)
    sim_pump_push (sim->pump, &pod->work, TRUE);
}

/* ---- Requests ------------------------------------------------------------- */

static char *
pod_namespace (const SimPod *pod)
{
  return g_strndup (pod->key, pod->ns_len);
}

static const char *
pod_name (const SimPod *pod)
{
  return pod->key + pod->ns_len + 1;
}

/* After a request of @pod: FALSE when @pod was forgotten meanwhile (and
 * is freed now). */
static gboolean
request_finished (Sim *sim, SimPod *pod)
{
  pod->in_flight = FALSE;
  sim_pump_done (sim->pump);
  if (pod->gone)
    {
      pod_free (pod);
      return FALSE;
    }
  return TRUE;
}

static void
on_status_written (GObject *source, GAsyncResult *result, gpointer data)
{
  SimPod *pod = data;
  Sim *sim = sim_get ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = kc_client_request_finish (KC_CLIENT (source),
                                                         result, &error);
  pod->in_flight = FALSE;
  if (pod->gone)
    {
      pod_free (pod);
      sim_pump_done (sim->pump);
      return;
    }
  if (error && !sim->stopping
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (g_error_matches (error, KC_CLIENT_ERROR,
                           KC_CLIENT_ERROR_NOT_FOUND))
        g_debug ("pod %s: gone before its status was written", pod->key);
      else if (!pod->deleting)
        {
          g_warning ("pod %s: status update failed: %s; retrying",
                     pod->key, error->message);
          pod->dirty = TRUE;
          sim_pump_push_later (sim->pump, &pod->work, FALSE);
        }
    }
  /* Changed while the write was in flight: write again. */
  if ((pod->dirty || pod->deleting) && pod->work.where == 0
      && !sim->stopping)
    sim_pump_push (sim->pump, &pod->work, pod->deleting);
  sim_pump_done (sim->pump);
}

static void
on_deleted (GObject *source, GAsyncResult *result, gpointer data)
{
  SimPod *pod = data;
  Sim *sim = sim_get ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = kc_client_request_finish (KC_CLIENT (source),
                                                         result, &error);
  if (!request_finished (sim, pod) || sim->stopping)
    return;
  if (error == NULL)
    {
      /* Forgotten when the watch says DELETED (a finalizer may hold it). */
      g_debug ("pod %s: deletion completed", pod->key);
      return;
    }
  if (g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NOT_FOUND))
    pod_forget (sim, pod);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_warning ("pod %s: completing its deletion failed: %s; retrying",
                 pod->key, error->message);
      sim_pump_push_later (sim->pump, &pod->work, TRUE);
    }
}

static void
send_delete (Sim *sim, SimPod *pod)
{
  g_autofree char *ns = pod_namespace (pod);
  g_autofree char *path = kc_resource_build_path (sim->pods_resource, ns,
                                                  pod_name (pod), NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "DeleteOptions");
  json_builder_set_member_name (b, "apiVersion");
  json_builder_add_string_value (b, "v1");
  json_builder_set_member_name (b, "gracePeriodSeconds");
  json_builder_add_int_value (b, 0);
  /* Only this pod: not one created again under the same name meanwhile. */
  json_builder_set_member_name (b, "preconditions");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "uid");
  json_builder_add_string_value (b, pod->uid);
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) body = json_builder_get_root (b);
  kc_client_request_async (sim->client, "DELETE", path, body,
                           "application/json", NULL, on_deleted, pod);
}

static gboolean
pod_run (SimWork *work)
{
  SimPod *pod = SIM_CONTAINER_OF (work, SimPod, work);
  Sim *sim = sim_get ();

  if (pod->in_flight || sim->stopping)
    return FALSE;
  if (pod->deleting)
    {
      pod->in_flight = TRUE;
      send_delete (sim, pod);
      return TRUE;
    }
  if (!pod->dirty)
    return FALSE;
  pod->dirty = FALSE;
  pod->in_flight = TRUE;
  g_autofree char *ns = pod_namespace (pod);
  g_autoptr (JsonNode) patch = sim_pod_status_patch (sim, pod);
  kc_client_patch_async (sim->client, sim->pods_resource, ns, pod_name (pod),
                         "status", KC_PATCH_MERGE, patch, NULL,
                         on_status_written, pod);
  return TRUE;
}

/* ---- What the watch saw --------------------------------------------------- */

void
sim_pods_init (Sim *sim)
{
  sim->pods = g_hash_table_new (g_str_hash, g_str_equal);
}

void
sim_pod_observe (Sim *sim, JsonNode *object, guint8 epoch)
{
  if (object == NULL || !JSON_NODE_HOLDS_OBJECT (object))
    return;
  JsonObject *obj = json_node_get_object (object);
  JsonObject *meta = kc_json_get_object (obj, "metadata");
  const char *ns = kc_json_get_string (meta, "namespace");
  const char *name = kc_json_get_string (meta, "name");
  const char *uid = kc_json_get_string (meta, "uid");
  SimNode *node = sim_node_lookup (
      sim, kc_json_get_string (kc_json_get_object (obj, "spec"), "nodeName"));
  if (ns == NULL || name == NULL || uid == NULL || strlen (ns) > 1000)
    return;

  char *key = g_strconcat (ns, "/", name, NULL);
  SimPod *pod = g_hash_table_lookup (sim->pods, key);
  if (pod && (node == NULL || pod->node != node->index
              || strcmp (pod->uid, uid) != 0))
    {
      pod_forget (sim, pod);  /* another pod now, or not ours any more */
      pod = NULL;
    }
  if (node == NULL)
    {
      g_free (key);
      return;
    }
  if (pod == NULL)
    {
      pod = pod_new (sim, node, key, strlen (ns), uid, obj);
      g_debug ("pod %s bound to %s", pod->key, node->name);
    }
  else
    g_free (key);
  pod->epoch = epoch;
  if (kc_json_get_string (meta, "deletionTimestamp") && !pod->deleting)
    start_deletion (sim, pod);
}

void
sim_pod_deleted (Sim *sim, JsonNode *object)
{
  const char *ns = kc_object_get_namespace (object);
  const char *name = kc_object_get_name (object);
  const char *uid = kc_object_get_uid (object);
  if (ns == NULL || name == NULL)
    return;
  g_autofree char *key = g_strconcat (ns, "/", name, NULL);
  SimPod *pod = g_hash_table_lookup (sim->pods, key);
  if (pod && (uid == NULL || strcmp (pod->uid, uid) == 0))
    pod_forget (sim, pod);
}

static GPtrArray *
all_pods (Sim *sim)
{
  GPtrArray *pods = g_ptr_array_sized_new (g_hash_table_size (sim->pods));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, sim->pods);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (pods, value);
  return pods;
}

void
sim_pods_sweep (Sim *sim, guint8 epoch)
{
  g_autoptr (GPtrArray) pods = all_pods (sim);
  for (guint i = 0; i < pods->len; i++)
    {
      SimPod *pod = pods->pdata[i];
      if (pod->epoch != epoch)
        pod_forget (sim, pod);
    }
}

void
sim_pods_stop (Sim *sim)
{
  g_autoptr (GPtrArray) pods = all_pods (sim);
  for (guint i = 0; i < pods->len; i++)
    {
      SimPod *pod = pods->pdata[i];
      sim_timers_cancel (sim->timers, &pod->timer);
      sim_pump_remove (sim->pump, &pod->work);
    }
}

void
sim_pods_clear (Sim *sim)
{
  if (sim->pods == NULL)
    return;
  g_autoptr (GPtrArray) pods = all_pods (sim);
  for (guint i = 0; i < pods->len; i++)
    {
      SimPod *pod = pods->pdata[i];
      g_hash_table_remove (sim->pods, pod->key);
      sim_timers_cancel (sim->timers, &pod->timer);
      sim_pump_remove (sim->pump, &pod->work);
      /* One still in flight is freed by its callback, if it ever runs. */
      if (pod->in_flight)
        pod->gone = TRUE;
      else
        pod_free (pod);
    }
  g_clear_pointer (&sim->pods, g_hash_table_unref);
}
