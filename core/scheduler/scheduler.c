/* The scheduler component (scheduler.h): informers on pods and nodes feed
 * the cache (the snapshot policies see) and the queue; while this process
 * leads, an idle-time loop pops pods, decides with the profile's policies
 * (sched-algorithm.c), assumes the pod on its node and sends the binding
 * without waiting for it. */
#include "build-config.h"

#include "scheduler.h"

#include "apiserver/plugin-report.h"
#include "daemon.h"
#include "sched-algorithm.h"
#include "sched-binder.h"
#include "sched-profile.h"
#include "sched-queue.h"

#include <glib-unix.h>
#include <kcore/event-recorder.h>
#include <kcore/informer.h>
#include <kcore/leader-election.h>
#include <string.h>
#include <unistd.h>

/* One dispatch of the scheduling loop schedules pods for at most this
 * long, then lets the main loop deliver watch events and answers. */
#define LOOP_BUDGET_US (10 * G_TIME_SPAN_MILLISECOND)
#define STATS_INTERVAL_S 10

const KcConfigKey kc_scheduler_config_keys[] = {
  { "profiles", KC_CONFIG_TYPE_LIST, 0, "default-scheduler", 0, 0, NULL,
    "scheduler names this scheduler serves, each a profile (a [profile "
    "NAME] group, or every policy when there is none)" },
  { "leader-elect", KC_CONFIG_TYPE_BOOL, 0, "true", 0, 0, NULL,
    "schedule only while holding the leader Lease" },
  { "leader-lease-name", KC_CONFIG_TYPE_STRING, 0, "kcore-scheduler", 0, 0,
    NULL, "the Lease schedulers of this set compete for" },
  { "leader-lease-namespace", KC_CONFIG_TYPE_STRING, 0, "kube-system", 0, 0,
    NULL, "namespace of that Lease" },
  { "lease-duration-seconds", KC_CONFIG_TYPE_INT, 0, "15", 1, 3600, NULL,
    "how long a leader's Lease lasts without renewal" },
  { "renew-deadline-seconds", KC_CONFIG_TYPE_INT, 0, "10", 1, 3600, NULL,
    "a leader that cannot renew within this stops leading" },
  { "retry-period-seconds", KC_CONFIG_TYPE_INT, 0, "2", 1, 3600, NULL,
    "how often the Lease is tried or renewed" },
  { "percentage-of-nodes-to-score", KC_CONFIG_TYPE_INT, 0, "0", 0, 100, NULL,
    "share of nodes to find feasible before scoring; 0: adaptive (50% "
    "minus 1% per 125 nodes, at least 5% and 100 nodes)" },
  { "parallelism", KC_CONFIG_TYPE_INT, 0, "2", 1, 64, NULL,
    "threads that filter and score nodes" },
  { "pod-initial-backoff-ms", KC_CONFIG_TYPE_INT, 0, "1000", 1, 3600000, NULL,
    "first back-off of a pod whose scheduling failed" },
  { "pod-max-backoff-ms", KC_CONFIG_TYPE_INT, 0, "10000", 1, 3600000, NULL,
    "longest back-off" },
  { "unschedulable-flush-seconds", KC_CONFIG_TYPE_INT, 0, "300", 0, 86400,
    NULL,
    "retry a pod left unschedulable this long even without a cluster "
    "event; 0: never" },
  { "client-qps", KC_CONFIG_TYPE_INT, 0, "5000", 0, 1000000, NULL,
    "requests per second to the API server (0: unlimited)" },
  { "client-burst", KC_CONFIG_TYPE_INT, 0, "10000", 1, 1000000, NULL,
    "requests allowed in a burst above client-qps" },
  { "record-scheduled-events", KC_CONFIG_TYPE_BOOL, 0, "true", 0, 0, NULL,
    "record a Scheduled Event for every pod bound" },
  { "max-bindings-in-flight", KC_CONFIG_TYPE_INT, 0, "32", 1, 10000, NULL,
    "bindings sent and not yet answered; more wait (assumed) in order" },
  { NULL },
};

const KcConfigKey kc_scheduler_profile_keys[] = {
  { "plugins", KC_CONFIG_TYPE_LIST, KC_CONFIG_KEY_REQUIRED, NULL, 0, 0, NULL,
    "the policies of this profile: names of [scheduler NAME] groups" },
  { "weights", KC_CONFIG_TYPE_LIST, 0, NULL, 0, 0, NULL,
    "score weights, NAME=WEIGHT;... (default 1)" },
  { NULL },
};

typedef struct
{
  KcDaemon *daemon;
  GMainLoop *loop;
  int status;
  gboolean stopping;
  KcClient *client;
  KcClient *lease_client; /* its own connection: a renewal never waits
                             behind bindings */
  KcInformer *pods;
  KcInformer *nodes;
  KcLeaderElector *elector;
  KcSchedBinder *binder;
  KcSchedProfiles *profiles;
  KcSchedAlgorithm *algorithm;
  KcSchedQueue *queue;
  KcSchedSnapshot *snapshot;
  GHashTable *cached;  /* key -> KcSchedPod accounted on a node */
  GHashTable *assumed; /* key -> the KcSchedPod assumed (binding sent) */
  gboolean leading;
  gboolean synced;
  gboolean released;
  guint loop_source;
  guint sync_timer;
  guint stats_timer;
  guint bindings_in_flight;
  guint max_bindings_in_flight;
  GQueue waiting_bindings; /* Binding, assumed, not sent yet */
  guint64 n_bound;
  guint64 n_attempts;
  guint64 n_failed;
  guint64 last_bound;
} Scheduler;

typedef struct
{
  Scheduler *s;
  KcSchedPod *pod; /* the assumed pod */
  const KcSchedProfile *profile;
  KcSchedCycle *cycle; /* kept for unreserve */
} Binding;

static void kick_loop (Scheduler *s);

/* ---- the cache ------------------------------------------------------------
 */

static void
cache_forget (Scheduler *s, const char *key)
{
  KcSchedPod *cached = g_hash_table_lookup (s->cached, key);
  if (cached == NULL)
    return;
  kc_sched_snapshot_remove_pod (s->snapshot, cached);
  g_hash_table_remove (s->assumed, key);
  g_hash_table_remove (s->cached, key);
}

/* A pod bound to a node (by us or anyone) is accounted there; a finished
 * one frees its node. */
static void
cache_bound_pod (Scheduler *s, KcSchedPod *pod)
{
  KcSchedPod *cached = g_hash_table_lookup (s->cached, pod->key);
  gboolean had = cached != NULL;
  if (had)
    cache_forget (s, pod->key);
  if (pod->terminal)
    {
      if (had)
        kc_sched_queue_move_all (s->queue, "pod finished");
      return;
    }
  kc_sched_snapshot_add_pod (s->snapshot, pod);
  g_hash_table_replace (s->cached, pod->key, kc_sched_pod_ref (pod));
}

static gboolean
member_equal (JsonNode *a, JsonNode *b, const char *parent, const char *name)
{
  JsonObject *pa
      = json_object_get_object_member (json_node_get_object (a), parent);
  JsonObject *pb
      = json_object_get_object_member (json_node_get_object (b), parent);
  JsonNode *va = pa ? json_object_get_member (pa, name) : NULL;
  JsonNode *vb = pb ? json_object_get_member (pb, name) : NULL;
  if (va == NULL || vb == NULL)
    return va == vb;
  return json_node_equal (va, vb);
}

static gboolean
pod_spec_changed (JsonNode *old_obj, JsonNode *new_obj)
{
  if (old_obj == NULL)
    return TRUE;
  JsonNode *old_spec
      = json_object_get_member (json_node_get_object (old_obj), "spec");
  JsonNode *new_spec
      = json_object_get_member (json_node_get_object (new_obj), "spec");
  return !(old_spec && new_spec && json_node_equal (old_spec, new_spec))
         || !member_equal (old_obj, new_obj, "metadata", "labels");
}

static void
handle_pod (Scheduler *s, JsonNode *old_obj, JsonNode *new_obj)
{
  g_autoptr (KcSchedPod) pod = kc_sched_pod_new (new_obj);
  if (pod->node_name)
    {
      kc_sched_queue_remove (s->queue, pod->key);
      cache_bound_pod (s, pod);
      return;
    }
  if (pod->terminal || pod->terminating
      || kc_sched_profiles_find (s->profiles, pod->scheduler_name) == NULL)
    {
      kc_sched_queue_remove (s->queue, pod->key);
      return;
    }
  /* Our binding is on its way; the watch has not shown it yet. */
  if (g_hash_table_contains (s->assumed, pod->key))
    return;
  kc_sched_queue_add_or_update (s->queue, pod,
                                pod_spec_changed (old_obj, new_obj));
}

static void
on_pod_added (KcInformer *informer, JsonNode *obj, gpointer data)
{
  handle_pod (data, NULL, obj);
}

static void
on_pod_updated (KcInformer *informer, JsonNode *old_obj, JsonNode *new_obj,
                gpointer data)
{
  handle_pod (data, old_obj, new_obj);
}

static void
on_pod_deleted (KcInformer *informer, JsonNode *obj, gpointer data)
{
  Scheduler *s = data;
  g_autofree char *key = kc_object_get_key (obj);
  gboolean was_on_node = g_hash_table_contains (s->cached, key);
  cache_forget (s, key);
  kc_sched_queue_remove (s->queue, key);
  kc_sched_binder_forget (s->binder, key);
  if (was_on_node)
    kc_sched_queue_move_all (s->queue, "pod deleted");
}

/* Heartbeats and status churn change nothing a policy reads. */
static gboolean
node_change_matters (JsonNode *old_obj, JsonNode *new_obj)
{
  return !member_equal (old_obj, new_obj, "metadata", "labels")
         || !json_node_equal (
             json_object_get_member (json_node_get_object (old_obj), "spec")
                 ?: new_obj,
             json_object_get_member (json_node_get_object (new_obj), "spec")
                 ?: old_obj)
         || !member_equal (old_obj, new_obj, "status", "allocatable")
         || !member_equal (old_obj, new_obj, "status", "capacity");
}

static void
on_node_added (KcInformer *informer, JsonNode *obj, gpointer data)
{
  Scheduler *s = data;
  kc_sched_snapshot_set_node (s->snapshot, obj);
  kc_sched_queue_move_all (s->queue, "node added");
}

static void
on_node_updated (KcInformer *informer, JsonNode *old_obj, JsonNode *new_obj,
                 gpointer data)
{
  Scheduler *s = data;
  kc_sched_snapshot_set_node (s->snapshot, new_obj);
  if (node_change_matters (old_obj, new_obj))
    kc_sched_queue_move_all (s->queue, "node changed");
}

static void
on_node_deleted (KcInformer *informer, JsonNode *obj, gpointer data)
{
  Scheduler *s = data;
  kc_sched_snapshot_remove_node (s->snapshot, kc_object_get_name (obj));
}

/* ---- scheduling one pod
 * ----------------------------------------------------- */

static void
unreserve (const KcSchedProfile *profile, KcSchedCycle *cycle,
           const KcSchedPod *pod, const KcSchedNode *node, guint n_reserved)
{
  for (guint i = n_reserved; i-- > 0;)
    {
      const KcSchedPolicy *p
          = &g_array_index (profile->policies, KcSchedPolicy, i);
      if (KC_VTABLE_HAS (p->vt, KcSchedulerVtable, unreserve))
        p->vt->unreserve (p->self, cycle, pod, node);
    }
}

/* Reserve on every policy; on a refusal, undoes the ones done and says
 * why in @message. */
static gboolean
reserve (const KcSchedProfile *profile, KcSchedCycle *cycle,
         const KcSchedPod *pod, const KcSchedNode *node, char **message)
{
  for (guint i = 0; i < profile->policies->len; i++)
    {
      const KcSchedPolicy *p
          = &g_array_index (profile->policies, KcSchedPolicy, i);
      if (!KC_VTABLE_HAS (p->vt, KcSchedulerVtable, reserve))
        continue;
      g_autoptr (GPtrArray) reasons = g_ptr_array_new_with_free_func (g_free);
      if (p->vt->reserve (p->self, cycle, pod, node, reasons)
          == KC_SCHED_SUCCESS)
        continue;
      *message = g_strdup_printf (
          "%s refused to reserve node %s: %s", p->name, node->name,
          reasons->len ? (char *)g_ptr_array_index (reasons, 0) : "no reason");
      unreserve (profile, cycle, pod, node, i);
      return FALSE;
    }
  return TRUE;
}

static void
binding_free (Binding *b)
{
  kc_sched_pod_unref (b->pod);
  kc_sched_cycle_free (b->cycle);
  g_free (b);
}

/* The assumed pod leaves its node, unless the watch already replaced it
 * with the pod as bound. */
static void
forget_assumed (Scheduler *s, KcSchedPod *pod)
{
  if (g_hash_table_lookup (s->assumed, pod->key) != pod)
    return;
  cache_forget (s, pod->key);
  kc_sched_queue_move_all (s->queue, "assumed pod forgotten");
}

static void send_waiting_bindings (Scheduler *s);

static void
on_bound (GObject *source, GAsyncResult *result, gpointer data)
{
  Binding *b = data;
  Scheduler *s = b->s;
  g_autoptr (GError) error = NULL;
  g_autofree char *node_name = g_strdup (b->pod->node_name);

  s->bindings_in_flight--;
  send_waiting_bindings (s);
  if (kc_sched_binder_bind_finish (s->binder, result, &error))
    {
      s->n_bound++;
      kc_sched_queue_done (s->queue, b->pod->key, KC_SCHED_QUEUE_DONE);
      kc_sched_binder_report_bound (s->binder, b->pod->object,
                                    b->pod->scheduler_name, node_name);
      binding_free (b);
      return;
    }
  const KcSchedNode *node
      = kc_sched_snapshot_find_node (s->snapshot, node_name);
  if (node)
    unreserve (b->profile, b->cycle, b->pod, node, b->profile->policies->len);
  forget_assumed (s, b->pod);
  if (g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NOT_FOUND)
      || g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_CONFLICT))
    {
      /* Deleted, or bound by someone else: the watch tells the rest. */
      g_info ("binding %s to %s: %s", b->pod->key, node_name, error->message);
      kc_sched_queue_done (s->queue, b->pod->key, KC_SCHED_QUEUE_DONE);
    }
  else
    {
      g_warning ("binding %s to %s failed: %s", b->pod->key, node_name,
                 error->message);
      s->n_failed++;
      g_autofree char *message
          = g_strdup_printf ("Binding rejected: %s", error->message);
      kc_sched_binder_report_failure (s->binder, b->pod->object,
                                      b->pod->scheduler_name, "SchedulerError",
                                      message);
      kc_sched_queue_done (s->queue, b->pod->key, KC_SCHED_QUEUE_RETRY);
    }
  binding_free (b);
  kick_loop (s);
}

/* The pod goes on its node in the cache now (so the next pod sees the
 * node's resources taken), and the binding is sent. */
static void
assume_and_bind (Scheduler *s, KcSchedPod *popped,
                 const KcSchedProfile *profile, KcSchedCycle *cycle,
                 const KcSchedNode *node)
{
  /* A copy carries the node name: the queue keeps the pending one. */
  KcSchedPod *pod = kc_sched_pod_new (popped->object);
  kc_sched_pod_set_node_name (pod, node->name);
  cache_forget (s, pod->key);
  kc_sched_snapshot_add_pod (s->snapshot, pod);
  g_hash_table_replace (s->cached, pod->key, kc_sched_pod_ref (pod));
  g_hash_table_replace (s->assumed, pod->key, pod);

  Binding *b = g_new0 (Binding, 1);
  b->s = s;
  b->pod = kc_sched_pod_ref (pod);
  b->profile = profile;
  b->cycle = cycle;
  g_queue_push_tail (&s->waiting_bindings, b);
  send_waiting_bindings (s);
  kc_sched_pod_unref (pod);
}

/* A bounded number of bindings on the wire: beyond it the API server
 * only queues them, and every request holds a connection on both sides. */
static void
send_waiting_bindings (Scheduler *s)
{
  while (s->bindings_in_flight < s->max_bindings_in_flight
         && !g_queue_is_empty (&s->waiting_bindings))
    {
      Binding *b = g_queue_pop_head (&s->waiting_bindings);
      s->bindings_in_flight++;
      kc_sched_binder_bind_async (s->binder, b->pod->object, b->pod->node_name,
                                  on_bound, b);
    }
}

static void
schedule_one (Scheduler *s, KcSchedPod *pod)
{
  const KcSchedProfile *profile
      = kc_sched_profiles_find (s->profiles, pod->scheduler_name);
  if (profile == NULL)
    {
      kc_sched_queue_done (s->queue, pod->key, KC_SCHED_QUEUE_DONE);
      return;
    }
  s->n_attempts++;
  KcSchedCycle *cycle = kc_sched_cycle_new ();
  KcSchedDecision decision;
  kc_sched_algorithm_decide (s->algorithm, profile, cycle, pod, s->snapshot,
                             &decision);
  g_autofree char *refused = NULL;
  if (decision.code == KC_SCHED_SUCCESS
      && !reserve (profile, cycle, pod, decision.node, &refused))
    {
      decision.code = KC_SCHED_ERROR;
      decision.message = g_steal_pointer (&refused);
    }
  if (decision.code == KC_SCHED_SUCCESS)
    {
      assume_and_bind (s, pod, profile, cycle, decision.node);
      return;
    }
  gboolean unschedulable = decision.code == KC_SCHED_UNSCHEDULABLE;
  g_info ("%s: %s", pod->key, decision.message);
  kc_sched_binder_report_failure (
      s->binder, pod->object, pod->scheduler_name,
      unschedulable ? "Unschedulable" : "SchedulerError", decision.message);
  kc_sched_queue_done (s->queue, pod->key,
                       unschedulable ? KC_SCHED_QUEUE_UNSCHEDULABLE
                                     : KC_SCHED_QUEUE_RETRY);
  kc_sched_decision_clear (&decision);
  kc_sched_cycle_free (cycle);
}

static gboolean
run_loop (gpointer data)
{
  Scheduler *s = data;
  gint64 deadline = g_get_monotonic_time () + LOOP_BUDGET_US;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (KcSchedPod) pod = kc_sched_queue_pop (s->queue);
      if (pod == NULL)
        {
          s->loop_source = 0;
          return G_SOURCE_REMOVE;
        }
      schedule_one (s, pod);
    }
  return G_SOURCE_CONTINUE;
}

static void
kick_loop (Scheduler *s)
{
  if (s->loop_source || !s->leading || !s->synced || s->stopping)
    return;
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, run_loop, s, NULL);
  s->loop_source = g_source_attach (source, NULL);
  g_source_unref (source);
}

static void
on_queue_ready (gpointer data)
{
  kick_loop (data);
}

static int
compare_pods (const KcSchedPod *a, const KcSchedPod *b, gpointer data)
{
  Scheduler *s = data;
  const KcSchedPolicy *sort = kc_sched_profiles_get_queue_sort (s->profiles);
  if (sort)
    return sort->vt->queue_sort_compare (sort->self, a, b);
  if (a->priority != b->priority)
    return a->priority > b->priority ? -1 : 1;
  if (a->creation_time != b->creation_time)
    return a->creation_time < b->creation_time ? -1 : 1;
  return 0;
}

/* ---- start, leadership, stop ----------------------------------------------
 */

static gboolean
wait_for_sync (gpointer data)
{
  Scheduler *s = data;
  if (!kc_informer_has_synced (s->pods) || !kc_informer_has_synced (s->nodes))
    return G_SOURCE_CONTINUE;
  s->synced = TRUE;
  s->sync_timer = 0;
  g_message ("caches synced: %u node(s), %u pod(s) on nodes, %u pending",
             kc_sched_snapshot_get_n_nodes (s->snapshot),
             g_hash_table_size (s->cached),
             kc_sched_queue_get_n_active (s->queue));
  kick_loop (s);
  return G_SOURCE_REMOVE;
}

static void
on_started_leading (KcLeaderElector *elector, gpointer data)
{
  Scheduler *s = data;
  g_message ("started leading: scheduling");
  s->leading = TRUE;
  kick_loop (s);
}

static void
on_stopped_leading (KcLeaderElector *elector, gpointer data)
{
  Scheduler *s = data;
  s->leading = FALSE;
  if (s->stopping)
    return;
  /* As kube-scheduler does: a scheduler that lost its Lease exits and
   * starts afresh as a follower (the supervisor restarts it), so nothing
   * it believed as leader survives. */
  g_warning ("lost the leader Lease: exiting to start again as a follower");
  s->status = 1;
  g_main_loop_quit (s->loop);
}

static gboolean
log_stats (gpointer data)
{
  Scheduler *s = data;
  if (s->n_bound == s->last_bound
      && kc_sched_queue_get_n_active (s->queue) == 0)
    return G_SOURCE_CONTINUE;
  g_info ("bound %" G_GUINT64_FORMAT " pod(s) (%.0f/s), %" G_GUINT64_FORMAT
          " attempts; queue: %u active, %u back-off, %u unschedulable",
          s->n_bound, (double)(s->n_bound - s->last_bound) / STATS_INTERVAL_S,
          s->n_attempts, kc_sched_queue_get_n_active (s->queue),
          kc_sched_queue_get_n_backoff (s->queue),
          kc_sched_queue_get_n_unschedulable (s->queue));
  s->last_bound = s->n_bound;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stop_signal (gpointer data)
{
  Scheduler *s = data;
  s->stopping = TRUE;
  g_main_loop_quit (s->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_released (GObject *source, GAsyncResult *result, gpointer data)
{
  Scheduler *s = data;
  g_autoptr (GError) error = NULL;
  if (!kc_leader_elector_release_finish (s->elector, result, &error))
    g_info ("releasing the leader Lease: %s", error->message);
  s->released = TRUE;
}

/* [kcore] api-servers; when the file leaves it out and runs the API server
 * itself, that server (so that changing [apiserver] listen is enough). */
static char **
api_server_urls (const KcConfigFile *config)
{
  const KcConfigGroup *core = kc_config_file_get_core (config);
  const char *const *components = kc_config_file_get_components (config);
  if (!kc_config_group_has_key (core, "api-servers")
      && g_strv_contains (components, "apiserver"))
    {
      const KcConfigGroup *api
          = kc_config_file_get_component (config, "apiserver");
      gboolean tls = kc_config_group_has_key (api, "tls-cert-file");
      const char *listen = kc_config_group_get_string (api, "listen");
      /* A wildcard address is reached on loopback. */
      g_autofree char *host_port
          = g_str_has_prefix (listen, "0.0.0.0:")
                ? g_strconcat ("127.0.0.1", listen + strlen ("0.0.0.0"), NULL)
                : g_strdup (listen);
      char *url = g_strconcat (tls ? "https://" : "http://", host_port, NULL);
      char **urls = g_new0 (char *, 2);
      urls[0] = url;
      return urls;
    }
  return kc_config_group_get_list (core, "api-servers");
}

/* @rate_limited: the client of the scheduling work obeys client-qps; the
 * Lease's own client does not (a renewal must never wait). */
static KcClient *
make_client (KcDaemon *daemon, gboolean rate_limited, GError **error)
{
  const KcConfigGroup *core = kc_config_file_get_core (daemon->config);
  g_auto (GStrv) urls = api_server_urls (daemon->config);
  g_autoptr (KcClient) client
      = kc_client_new ((const char *const *)urls, error);
  if (client == NULL)
    {
      g_prefix_error (error, "[kcore] api-servers: ");
      return NULL;
    }
  g_autofree char *token_file
      = kc_config_group_get_path (core, "api-token-file");
  if (token_file)
    {
      g_autofree char *token = NULL;
      if (!g_file_get_contents (token_file, &token, NULL, error))
        {
          g_prefix_error (error, "[kcore] api-token-file: ");
          return NULL;
        }
      kc_client_set_bearer_token (client, g_strstrip (token));
    }
  g_autofree char *ca_file = kc_config_group_get_path (core, "api-ca-file");
  if (ca_file)
    kc_client_set_ca_file (client, ca_file);
  gint64 qps = kc_config_group_get_int (daemon->settings, "client-qps");
  kc_client_set_rate_limit (
      client, (double)qps,
      (guint)kc_config_group_get_int (daemon->settings, "client-burst"));
  return g_steal_pointer (&client);
}

/* The plugins this scheduler loaded, for `kcorectl plugins`. */
static void
on_report_published (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer
      = kc_client_request_finish (KC_CLIENT (source), result, &error);
  if (error)
    g_info ("cannot publish this scheduler's plugins: %s", error->message);
}

static void
publish_plugins (Scheduler *s)
{
  g_autofree char *report = kc_plugin_report_json (s->daemon->plugins);
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "data");
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, s->daemon->component);
  json_builder_add_string_value (jb, report);
  json_builder_end_object (jb);
  json_builder_end_object (jb);
  g_autoptr (JsonNode) patch = json_builder_get_root (jb);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  kc_client_patch_async (s->client, cms, "kube-system", "kcore-plugins", NULL,
                         KC_PATCH_MERGE, patch, NULL, on_report_published,
                         NULL);
}

/* What the scheduler never reads: a pod's status beyond its phase (the
 * container statuses and conditions kubelets write are most of a running
 * pod), managed fields and kubectl's last-applied copy of the object. */
static void
trim_object (JsonNode *obj, gpointer data)
{
  JsonObject *root = json_node_get_object (obj);
  JsonObject *meta = kc_json_get_object (root, "metadata");
  JsonObject *annotations = kc_json_get_object (meta, "annotations");
  JsonObject *status = kc_json_get_object (root, "status");
  gboolean is_pod = GPOINTER_TO_INT (data);

  if (meta)
    json_object_remove_member (meta, "managedFields");
  if (annotations)
    json_object_remove_member (
        annotations, "kubectl.kubernetes.io/last-applied-configuration");
  if (status && is_pod)
    {
      const char *phase = kc_json_get_string (status, "phase");
      g_autofree char *kept = g_strdup (phase);
      g_autoptr (GList) members = json_object_get_members (status);
      for (GList *m = members; m; m = m->next)
        json_object_remove_member (status, m->data);
      if (kept)
        json_object_set_string_member (status, "phase", kept);
    }
  else if (status)
    json_object_remove_member (status, "images");
}

static void
start_informers (Scheduler *s)
{
  g_autoptr (KcResource) pods = kc_resource_new ("", "v1", "pods");
  g_autoptr (KcResource) nodes = kc_resource_new ("", "v1", "nodes");
  s->pods = kc_informer_new (s->client, pods, NULL, NULL, NULL, 0);
  s->nodes = kc_informer_new (s->client, nodes, NULL, NULL, NULL, 0);
  kc_informer_set_transform (s->pods, trim_object, GINT_TO_POINTER (TRUE),
                             NULL);
  kc_informer_set_transform (s->nodes, trim_object, GINT_TO_POINTER (FALSE),
                             NULL);
  kc_informer_add_handlers (s->pods, on_pod_added, on_pod_updated,
                            on_pod_deleted, s, NULL);
  kc_informer_add_handlers (s->nodes, on_node_added, on_node_updated,
                            on_node_deleted, s, NULL);
  kc_informer_start (s->nodes);
  kc_informer_start (s->pods);
  s->sync_timer = g_timeout_add (50, wait_for_sync, s);
}

static gboolean
start_leader_election (Scheduler *s, GError **error)
{
  const KcConfigGroup *cfg = s->daemon->settings;
  if (!kc_config_group_get_bool (cfg, "leader-elect"))
    {
      s->leading = TRUE;
      return TRUE;
    }
  g_autofree char *identity
      = g_strdup_printf ("%s_%d", g_get_host_name (), (int)getpid ());
  s->elector = kc_leader_elector_new (
      s->lease_client,
      kc_config_group_get_string (cfg, "leader-lease-namespace"),
      kc_config_group_get_string (cfg, "leader-lease-name"), identity);
  if (!kc_leader_elector_set_durations (
          s->elector,
          (guint)kc_config_group_get_int (cfg, "lease-duration-seconds")
              * 1000,
          (guint)kc_config_group_get_int (cfg, "renew-deadline-seconds")
              * 1000,
          (guint)kc_config_group_get_int (cfg, "retry-period-seconds") * 1000))
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "[scheduler] lease-duration-seconds > "
                   "renew-deadline-seconds > retry-period-seconds is "
                   "required");
      return FALSE;
    }
  kc_leader_elector_set_callbacks (s->elector, on_started_leading,
                                   on_stopped_leading, s, NULL);
  g_message ("waiting for the leader Lease %s/%s as %s",
             kc_config_group_get_string (cfg, "leader-lease-namespace"),
             kc_config_group_get_string (cfg, "leader-lease-name"), identity);
  kc_leader_elector_start (s->elector);
  return TRUE;
}

static void
release_lease (Scheduler *s)
{
  if (s->elector == NULL || !kc_leader_elector_is_leader (s->elector))
    return;
  kc_leader_elector_release_async (s->elector, NULL, on_released, s);
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (!s->released && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static void
scheduler_clear (Scheduler *s)
{
  if (s->loop_source)
    g_source_remove (s->loop_source);
  if (s->sync_timer)
    g_source_remove (s->sync_timer);
  if (s->stats_timer)
    g_source_remove (s->stats_timer);
  if (s->pods)
    kc_informer_stop (s->pods);
  if (s->nodes)
    kc_informer_stop (s->nodes);
  g_clear_pointer (&s->pods, kc_informer_unref);
  g_clear_pointer (&s->nodes, kc_informer_unref);
  g_clear_pointer (&s->elector, kc_leader_elector_free);
  g_clear_pointer (&s->queue, kc_sched_queue_free);
  g_clear_pointer (&s->assumed, g_hash_table_unref);
  g_clear_pointer (&s->cached, g_hash_table_unref);
  g_clear_pointer (&s->snapshot, kc_sched_snapshot_free);
  g_clear_pointer (&s->algorithm, kc_sched_algorithm_free);
  g_clear_pointer (&s->binder, kc_sched_binder_free);
  g_clear_pointer (&s->profiles, kc_sched_profiles_free);
  while (!g_queue_is_empty (&s->waiting_bindings))
    binding_free (g_queue_pop_head (&s->waiting_bindings));
  g_clear_object (&s->client);
  g_clear_object (&s->lease_client);
  g_clear_pointer (&s->loop, g_main_loop_unref);
}

int
kc_scheduler_run (KcDaemon *daemon, GError **error)
{
  Scheduler s = { .daemon = daemon };
  const KcConfigGroup *cfg = daemon->settings;

  g_queue_init (&s.waiting_bindings);
  s.max_bindings_in_flight
      = (guint)kc_config_group_get_int (cfg, "max-bindings-in-flight");
  s.profiles = kc_sched_profiles_new (daemon, error);
  if (s.profiles == NULL
      || (s.client = make_client (daemon, TRUE, error)) == NULL
      || (s.lease_client = make_client (daemon, FALSE, error)) == NULL)
    {
      scheduler_clear (&s);
      return 1;
    }
  s.binder = kc_sched_binder_new (
      s.client, kc_config_group_get_bool (cfg, "record-scheduled-events"));
  s.algorithm = kc_sched_algorithm_new (
      (guint)kc_config_group_get_int (cfg, "percentage-of-nodes-to-score"),
      (guint)kc_config_group_get_int (cfg, "parallelism"));
  s.snapshot = kc_sched_snapshot_new ();
  s.cached = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                    (GDestroyNotify)kc_sched_pod_unref);
  s.assumed = g_hash_table_new (g_str_hash, g_str_equal);
  s.queue = kc_sched_queue_new (
      compare_pods, &s, on_queue_ready, &s,
      (guint)kc_config_group_get_int (cfg, "pod-initial-backoff-ms"),
      (guint)kc_config_group_get_int (cfg, "pod-max-backoff-ms"),
      (guint)kc_config_group_get_int (cfg, "unschedulable-flush-seconds"));
  s.loop = g_main_loop_new (NULL, FALSE);

  for (guint i = 0; i < kc_sched_profiles_get_size (s.profiles); i++)
    {
      const KcSchedProfile *p = kc_sched_profiles_get (s.profiles, i);
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint j = 0; j < p->policies->len; j++)
        g_string_append_printf (
            names, "%s%s", j ? ", " : "",
            g_array_index (p->policies, KcSchedPolicy, j).name);
      g_message ("profile %s: %s", p->name, names->str);
    }
  if (!start_leader_election (&s, error))
    {
      scheduler_clear (&s);
      return 1;
    }
  start_informers (&s);
  publish_plugins (&s);
  s.stats_timer = g_timeout_add_seconds (STATS_INTERVAL_S, log_stats, &s);

  guint sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, &s);
  guint sigint = g_unix_signal_add (SIGINT, on_stop_signal, &s);
  g_main_loop_run (s.loop);
  s.stopping = TRUE;
  if (s.loop_source)
    {
      g_source_remove (s.loop_source);
      s.loop_source = 0;
    }
  release_lease (&s);
  g_source_remove (sigterm);
  g_source_remove (sigint);
  int status = s.status;
  scheduler_clear (&s);
  return status;
}
