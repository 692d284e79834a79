/* sched-bench: end-to-end scheduling throughput and latency, as a client
 * sees it: pods are created at a steady rate (or as fast as the API server
 * answers) and a watch on them shows when each one gets spec.nodeName.
 *
 *   sched-bench --server http://127.0.0.1:PORT [--pods N] [--rate R]
 *               [--concurrency C] [--namespaces K] [--timeout S]
 *               [--run-id ID] [--scheduler-name NAME] [--cleanup]
 *
 * The watch (label selector sched-bench-run=ID, from the resourceVersion
 * of a list made before the first create) is open before any pod exists,
 * so no binding can be missed.  Everything runs in one thread on one
 * GMainContext through libkcore's client (libcurl multi, keep-alive).
 *
 * Prints one figure per line, "<metric> <value> <unit>", '#' comment
 * lines, "# ERROR" lines for problems (exit status 1), and last a
 * machine-readable line "sched-bench key=value ...".  See bench/README.md,
 * "sched-bench".
 */
#include "build-config.h"

#include "bench-report.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <kcore/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_S 5
#define RATE_TICK_MS 2

static char *opt_server;
static gint opt_pods = 10000;
static gint opt_rate = 0;
static gint opt_concurrency = 64;
static gint opt_namespaces = 1;
static gint opt_timeout_s = 60;
static char *opt_run_id;
static char *opt_scheduler_name;
static gboolean opt_cleanup;


typedef struct
{
  GMainLoop *loop;
  KcClient *client;       /* creates, lists, deletes */
  KcClient *watch_client; /* the watch alone */
  KcResource *pods;
  KcWatch *watch;
  char *last_rv;          /* of the last event, to resume the watch */
  char **ns;              /* opt_namespaces namespace names */

  gint64 *t_sent;         /* per pod: create handed to the client */
  gint64 *t_answered;     /* per pod: create answered (0: failed) */
  gint64 *t_bound;        /* per pod: first event with spec.nodeName */
  GHashTable *per_node;   /* node name -> pods bound there (GUINT_TO_POINTER) */

  guint next;             /* next pod to create */
  guint in_flight;
  guint answered;         /* creates answered, ok or not */
  guint create_errors;
  guint bound;
  guint events;
  guint watch_restarts;
  gint64 t_start;         /* first create sent */
  gint64 t_last_bound;
  gint64 t_creates_done;  /* last create answered */
  gint64 deadline;        /* give up on bindings after this */
  guint tick_source;
  guint progress_source;
  gboolean finished;
} Bench;

/* ---- Small helpers ------------------------------------------------------ */

static int
cmp_gint64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

/* The @q quantile (0..1) of the sorted @v[@n], nearest rank. */
static gint64
quantile (const gint64 *v, guint n, double q)
{
  if (n == 0)
    return 0;
  guint rank = (guint) (q * n + 0.999999);
  return v[CLAMP (rank, 1u, n) - 1];
}

static double
seconds (gint64 us)
{
  return (double) us / G_USEC_PER_SEC;
}

/* The pod index of a pod name "sched-bench-NNNNNNN", or -1. */
static gint
pod_index (JsonNode *pod)
{
  const char *name = kc_object_get_name (pod);
  guint i;
  if (!name || sscanf (name, "sched-bench-%u", &i) != 1
      || i >= (guint) opt_pods)
    return -1;
  return (gint) i;
}

/* A small pod of the size real ones have: one container, requests that
 * vary over 10m..100m CPU and 16Mi..64Mi memory (so that the resource
 * scorers see different pods), labels of the run. */
static JsonNode *
build_pod (const char *ns, guint i)
{
  guint cpu_m = 10 + (i * 37) % 91;
  guint mem_mi = 16 + (i * 13) % 49;
  g_autofree char *json = g_strdup_printf (
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
    "\"metadata\":{\"name\":\"sched-bench-%07u\",\"namespace\":\"%s\","
    "\"labels\":{\"sched-bench-run\":\"%s\",\"app\":\"sched-bench\","
    "\"group\":\"g%u\"}},"
    "\"spec\":{\"schedulerName\":\"%s\",\"containers\":[{\"name\":\"app\","
    "\"image\":\"registry.k8s.io/pause:3.9\","
    "\"resources\":{\"requests\":{\"cpu\":\"%um\",\"memory\":\"%uMi\"},"
    "\"limits\":{\"cpu\":\"%um\",\"memory\":\"%uMi\"}}}]}}",
    i, ns, opt_run_id, i % 10, opt_scheduler_name, cpu_m, mem_mi, cpu_m * 2,
    mem_mi * 2);
  return json_from_string (json, NULL);
}

static gboolean
all_done (Bench *b)
{
  return b->answered == (guint) opt_pods
         && b->bound == b->answered - b->create_errors;
}

static void
finish (Bench *b)
{
  if (b->finished)
    return;
  b->finished = TRUE;
  g_main_loop_quit (b->loop);
}

/* ---- The watch ----------------------------------------------------------- */

static void start_watch (Bench *b);

static void
on_event (KcWatch *watch, const char *type, JsonNode *object,
          gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();
  b->events++;
  if (g_strcmp0 (type, "ERROR") == 0 || !JSON_NODE_HOLDS_OBJECT (object))
    return;
  const char *rv = kc_object_get_resource_version (object);
  if (rv)
    {
      g_free (b->last_rv);
      b->last_rv = g_strdup (rv);
    }
  if (g_strcmp0 (type, "ADDED") != 0 && g_strcmp0 (type, "MODIFIED") != 0)
    return;
  gint i = pod_index (object);
  if (i < 0 || b->t_bound[i] != 0)
    return;
  JsonObject *spec = json_object_get_object_member (
    json_node_get_object (object), "spec");
  const char *node = spec && json_object_has_member (spec, "nodeName")
    ? json_object_get_string_member_with_default (spec, "nodeName", NULL)
    : NULL;
  if (!node || !*node)
    return;
  b->t_bound[i] = now;
  b->t_last_bound = now;
  b->bound++;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (b->per_node, node));
  g_hash_table_insert (b->per_node, g_strdup (node), GUINT_TO_POINTER (n + 1));
  if (all_done (b))
    finish (b);
}

static void
on_watch_done (KcWatch *watch, const GError *error, gpointer user_data)
{
  Bench *b = user_data;
  if (b->finished)
    return;
  /* Resume where the stream stopped; the server keeps recent history. */
  b->watch_restarts++;
  printf ("# watch ended (%s); resuming from resourceVersion %s\n",
          error ? error->message : "closed by the server",
          b->last_rv ? b->last_rv : "(none)");
  fflush (stdout);
  start_watch (b);
}

static void
start_watch (Bench *b)
{
  g_autoptr (KcListOptions) o = kc_list_options_new ();
  g_autofree char *selector = g_strdup_printf ("sched-bench-run=%s",
                                               opt_run_id);
  kc_list_options_set_label_selector (o, selector);
  if (b->last_rv)
    kc_list_options_set_resource_version (o, b->last_rv);
  if (b->watch)
    {
      kc_watch_stop (b->watch);
      kc_watch_unref (b->watch);
    }
  b->watch = kc_client_watch (b->watch_client, b->pods, NULL, o, on_event,
                              on_watch_done, b, NULL);
}

/* ---- The creates ------------------------------------------------------- */

static void send_creates (Bench *b);

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Bench *b = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer = kc_client_request_finish (KC_CLIENT (source),
                                                           result, &error);
  gint64 now = g_get_monotonic_time ();
  b->in_flight--;
  b->answered++;
  if (answer)
    {
      gint i = pod_index (answer);
      if (i >= 0)
        b->t_answered[i] = now;
    }
  else
    {
      if (b->create_errors++ == 0)
        bench_fail ("create: %s", error->message);
    }
  if (b->answered == (guint) opt_pods)
    {
      b->t_creates_done = now;
      b->deadline = now + (gint64) opt_timeout_s * G_USEC_PER_SEC;
      if (all_done (b))
        finish (b);
      return;
    }
  if (opt_rate == 0)
    send_creates (b);
}

/* Sends creates up to the rate's schedule (or, with --rate 0, until
 * --concurrency are in flight). */
static void
send_creates (Bench *b)
{
  guint target = (guint) opt_pods;
  if (b->t_start == 0)
    b->t_start = g_get_monotonic_time ();
  if (opt_rate > 0)
    {
      double due = seconds (g_get_monotonic_time () - b->t_start) * opt_rate
                   + 1;
      target = (guint) MIN (due, (double) opt_pods);
    }
  while (b->next < target && b->in_flight < (guint) opt_concurrency)
    {
      guint i = b->next++;
      const char *ns = b->ns[i % opt_namespaces];
      g_autoptr (JsonNode) pod = build_pod (ns, i);
      b->t_sent[i] = g_get_monotonic_time ();
      b->in_flight++;
      kc_client_create_async (b->client, b->pods, ns, NULL, NULL, pod, NULL,
                              on_created, b);
    }
}

static gboolean
on_rate_tick (gpointer data)
{
  Bench *b = data;
  send_creates (b);
  if (b->next >= (guint) opt_pods)
    {
      b->tick_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_progress (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time ();
  printf ("# t=%.0fs sent %u answered %u bound %u (watch events %u)\n",
          seconds (now - b->t_start), b->next, b->answered, b->bound,
          b->events);
  fflush (stdout);
  if (b->deadline != 0 && now > b->deadline)
    {
      finish (b);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- Synchronous steps before and after the clock ------------------------ */

typedef struct
{
  GMainLoop *loop;
  JsonNode *answer;
  GError *error;
  guint pending;
} Wait;

static void
on_wait_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;
  GError *error = NULL;
  JsonNode *answer = kc_client_request_finish (KC_CLIENT (source), result,
                                               &error);
  if (answer)
    {
      if (w->answer)
        json_node_unref (w->answer);
      w->answer = answer;
    }
  else if (!w->error)
    w->error = error;
  else
    g_error_free (error);
  if (--w->pending == 0)
    g_main_loop_quit (w->loop);
}

/* A list of @plural (cluster-wide), with @selector; the answer or NULL. */
static JsonNode *
list_sync (Bench *b, const char *plural, const char *selector, GError **error)
{
  g_autoptr (KcResource) r = kc_resource_new ("", "v1", plural);
  g_autoptr (KcListOptions) o = kc_list_options_new ();
  if (selector)
    kc_list_options_set_label_selector (o, selector);
  Wait w = { .loop = b->loop, .pending = 1 };
  kc_client_list_async (b->client, r, NULL, o, NULL, on_wait_done, &w);
  g_main_loop_run (b->loop);
  if (w.error)
    {
      g_propagate_error (error, w.error);
      return NULL;
    }
  return w.answer;
}

static guint
list_count (JsonNode *list)
{
  JsonObject *o = json_node_get_object (list);
  JsonArray *items = json_object_has_member (o, "items")
    ? json_object_get_array_member (o, "items") : NULL;
  return items ? json_array_get_length (items) : 0;
}

/* Creates the namespaces; AlreadyExists is fine. */
static gboolean
create_namespaces (Bench *b)
{
  g_autoptr (KcResource) r = kc_resource_new ("", "v1", "namespaces");
  for (gint k = 0; k < opt_namespaces; k++)
    {
      g_autofree char *json = g_strdup_printf (
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
        "\"metadata\":{\"name\":\"%s\"}}", b->ns[k]);
      g_autoptr (JsonNode) obj = json_from_string (json, NULL);
      Wait w = { .loop = b->loop, .pending = 1 };
      kc_client_create_async (b->client, r, NULL, NULL, NULL, obj, NULL,
                              on_wait_done, &w);
      g_main_loop_run (b->loop);
      if (w.answer)
        json_node_unref (w.answer);
      if (w.error && !g_error_matches (w.error, KC_CLIENT_ERROR,
                                       KC_CLIENT_ERROR_ALREADY_EXISTS))
        {
          bench_fail ("creating namespace %s: %s", b->ns[k], w.error->message);
          g_error_free (w.error);
          return FALSE;
        }
      g_clear_error (&w.error);
    }
  return TRUE;
}

/* Deletes the pods of this run, --concurrency at a time. */
static void
delete_pods (Bench *b)
{
  guint deleted = 0, errors = 0;
  for (guint start = 0; start < (guint) opt_pods;
       start += (guint) opt_concurrency)
    {
      Wait w = { .loop = b->loop };
      for (guint i = start; i < MIN (start + opt_concurrency, (guint) opt_pods);
           i++)
        {
          if (!b->t_answered[i])
            continue;
          g_autofree char *name = g_strdup_printf ("sched-bench-%07u", i);
          w.pending++;
          kc_client_delete_async (b->client, b->pods,
                                  b->ns[i % opt_namespaces], name, NULL,
                                  on_wait_done, &w);
          deleted++;
        }
      if (w.pending)
        g_main_loop_run (b->loop);
      if (w.error)
        errors++;
      g_clear_error (&w.error);
      if (w.answer)
        json_node_unref (w.answer);
    }
  printf ("# cleanup: deleted %u pods (%u batches with an error)\n",
          deleted - errors, errors);
}

/* ---- Results ---------------------------------------------------------------- */

static void
report (Bench *b, guint nodes)
{
  guint n = opt_pods;
  g_autofree gint64 *lat = g_new (gint64, n);
  g_autofree gint64 *create_lat = g_new (gint64, n);
  guint n_lat = 0, n_create = 0;
  for (guint i = 0; i < n; i++)
    {
      if (b->t_bound[i])
        lat[n_lat++] = b->t_bound[i] - b->t_sent[i];
      if (b->t_answered[i])
        create_lat[n_create++] = b->t_answered[i] - b->t_sent[i];
    }
  qsort (lat, n_lat, sizeof *lat, cmp_gint64);
  qsort (create_lat, n_create, sizeof *create_lat, cmp_gint64);

  gint64 t_end = b->t_last_bound ? b->t_last_bound : g_get_monotonic_time ();
  double elapsed = seconds (t_end - b->t_start);
  double creates_s = seconds (b->t_creates_done - b->t_start);
  double bound_per_s = elapsed > 0 ? b->bound / elapsed : 0;
  guint unbound = n - b->bound;
  guint max_per_node = 0;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, b->per_node);
  while (g_hash_table_iter_next (&it, NULL, &value))
    max_per_node = MAX (max_per_node, GPOINTER_TO_UINT (value));
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  double self_cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
                    + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;

  bench_figure ("pods", n, "pods");
  bench_figure ("nodes", nodes, "nodes");
  bench_figure ("elapsed_s", elapsed, "s");
  bench_figure ("pods_bound_per_s", bound_per_s, "pods/s");
  bench_figure ("creates_s", creates_s, "s");
  bench_figure ("creates_per_s", creates_s > 0 ? b->answered / creates_s : 0,
          "ops/s");
  bench_figure ("create_p99_ms", quantile (create_lat, n_create, 0.99) / 1000.0,
          "ms");
  bench_figure ("bind_latency_p50_ms", quantile (lat, n_lat, 0.50) / 1000.0, "ms");
  bench_figure ("bind_latency_p90_ms", quantile (lat, n_lat, 0.90) / 1000.0, "ms");
  bench_figure ("bind_latency_p99_ms", quantile (lat, n_lat, 0.99) / 1000.0, "ms");
  bench_figure ("bind_latency_max_ms", n_lat ? lat[n_lat - 1] / 1000.0 : 0, "ms");
  bench_figure ("bind_after_last_create_ms",
          b->t_last_bound && b->t_creates_done
            ? (b->t_last_bound - b->t_creates_done) / 1000.0 : 0, "ms");
  bench_figure ("create_errors", b->create_errors, "pods");
  bench_figure ("unbound", unbound, "pods");
  bench_figure ("nodes_used", g_hash_table_size (b->per_node), "nodes");
  bench_figure ("max_pods_per_node", max_per_node, "pods");
  bench_figure ("watch_events", b->events, "events");
  bench_figure ("bench_cpu_s", self_cpu, "s");
  if (unbound)
    bench_fail ("%u of %u pods were not bound within %d s of the last create",
          unbound, n, opt_timeout_s);
  printf ("sched-bench pods=%u nodes=%u rate=%d concurrency=%d "
          "namespaces=%d elapsed_s=%.3f pods_per_s=%.1f creates_per_s=%.1f "
          "p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f unbound=%u "
          "create_errors=%u nodes_used=%u max_pods_per_node=%u "
          "bench_cpu_s=%.2f\n",
          n, nodes, opt_rate, opt_concurrency, opt_namespaces, elapsed,
          bound_per_s, creates_s > 0 ? b->answered / creates_s : 0,
          quantile (lat, n_lat, 0.50) / 1000.0,
          quantile (lat, n_lat, 0.90) / 1000.0,
          quantile (lat, n_lat, 0.99) / 1000.0,
          n_lat ? lat[n_lat - 1] / 1000.0 : 0, unbound, b->create_errors,
          g_hash_table_size (b->per_node), max_per_node, self_cpu);
  fflush (stdout);
}

/* ---- Main ---------------------------------------------------------------------- */

static KcClient *
new_client (GError **error)
{
  const char *urls[] = { opt_server, NULL };
  KcClient *c = kc_client_new (urls, error);
  if (c)
    kc_client_set_rate_limit (c, 0, 0); /* unlimited: measure the server */
  return c;
}

static int
run (void)
{
  g_autoptr (GError) error = NULL;
  Bench b = { .loop = g_main_loop_new (NULL, FALSE),
              .pods = kc_resource_new ("", "v1", "pods"),
              .t_sent = g_new0 (gint64, opt_pods),
              .t_answered = g_new0 (gint64, opt_pods),
              .t_bound = g_new0 (gint64, opt_pods),
              .per_node = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                 g_free, NULL),
              .ns = g_new0 (char *, opt_namespaces + 1) };
  for (gint k = 0; k < opt_namespaces; k++)
    b.ns[k] = opt_namespaces == 1 ? g_strdup ("sched-bench")
                                  : g_strdup_printf ("sched-bench-%d", k);
  b.client = new_client (&error);
  if (b.client)
    b.watch_client = new_client (&error);
  if (!b.watch_client)
    {
      g_printerr ("sched-bench: %s\n", error->message);
      return 2;
    }

  g_autoptr (JsonNode) nodes = list_sync (&b, "nodes", NULL, &error);
  if (!nodes)
    {
      bench_fail ("listing nodes at %s: %s", opt_server, error->message);
      return 1;
    }
  guint n_nodes = list_count (nodes);
  g_clear_pointer (&nodes, json_node_unref);
  if (!create_namespaces (&b))
    return 1;

  /* The watch starts at the resourceVersion of a list made now: every
   * event after it reaches us, however late the stream connects. */
  g_autofree char *selector = g_strdup_printf ("sched-bench-run=%s",
                                               opt_run_id);
  g_autoptr (JsonNode) existing = list_sync (&b, "pods", selector, &error);
  if (!existing)
    {
      bench_fail ("listing pods: %s", error->message);
      return 1;
    }
  if (list_count (existing) != 0)
    {
      bench_fail ("%u pods of run %s exist already: pass another --run-id",
            list_count (existing), opt_run_id);
      return 1;
    }
  JsonObject *meta = json_object_get_object_member (
    json_node_get_object (existing), "metadata");
  b.last_rv = g_strdup (meta ? json_object_get_string_member_with_default (
                                 meta, "resourceVersion", NULL) : NULL);
  start_watch (&b);

  g_autofree char *rate = opt_rate > 0 ? g_strdup_printf ("%d/s", opt_rate)
                                        : g_strdup ("unlimited");
  printf ("# sched-bench: server %s, run %s, %u nodes, %d pods in %d "
          "namespace(s), rate %s, concurrency %d, scheduler %s\n",
          opt_server, opt_run_id, n_nodes, opt_pods, opt_namespaces, rate,
          opt_concurrency, opt_scheduler_name);
  fflush (stdout);

  send_creates (&b);
  if (opt_rate > 0)
    b.tick_source = g_timeout_add (RATE_TICK_MS, on_rate_tick, &b);
  b.progress_source = g_timeout_add_seconds (PROGRESS_INTERVAL_S, on_progress,
                                             &b);
  g_main_loop_run (b.loop);
  if (b.tick_source)
    g_source_remove (b.tick_source);
  g_source_remove (b.progress_source);
  kc_watch_stop (b.watch);

  report (&b, n_nodes);
  if (opt_cleanup)
    delete_pods (&b);
  return bench_exit_status ();
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &opt_server,
      "API server base URL (required)", "URL" },
    { "pods", 0, 0, G_OPTION_ARG_INT, &opt_pods,
      "pods to create (default 10000)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &opt_rate,
      "creates per second; 0: as fast as --concurrency allows (default 0)",
      "R" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &opt_concurrency,
      "most creates in flight (default 64)", "C" },
    { "namespaces", 0, 0, G_OPTION_ARG_INT, &opt_namespaces,
      "spread the pods over K namespaces (default 1)", "K" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout_s,
      "wait at most S seconds after the last create for bindings "
      "(default 60)", "S" },
    { "run-id", 0, 0, G_OPTION_ARG_STRING, &opt_run_id,
      "label value of this run's pods (default: the PID)", "ID" },
    { "scheduler-name", 0, 0, G_OPTION_ARG_STRING, &opt_scheduler_name,
      "spec.schedulerName of the pods (default default-scheduler)", "NAME" },
    { "cleanup", 0, 0, G_OPTION_ARG_NONE, &opt_cleanup,
      "delete the pods at the end", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) oc = g_option_context_new (
    "- end-to-end scheduling throughput and latency");
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (oc, entries, NULL);
  if (!g_option_context_parse (oc, &argc, &argv, &error))
    {
      g_printerr ("sched-bench: %s\n", error->message);
      return 2;
    }
  if (!opt_server || opt_pods < 1 || opt_pods > 9999999 || opt_rate < 0
      || opt_concurrency < 1 || opt_namespaces < 1 || opt_timeout_s < 1)
    {
      g_printerr ("sched-bench: --server URL is required; --pods (at most "
                  "9999999), --concurrency, --namespaces and --timeout must "
                  "be positive, --rate at least 0\n");
      return 2;
    }
  if (!opt_run_id)
    opt_run_id = g_strdup_printf ("%d", getpid ());
  if (!opt_scheduler_name)
    opt_scheduler_name = g_strdup ("default-scheduler");
  return run ();
}
