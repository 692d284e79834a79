/* informer-bench: how fast one informer process applies events to its cache
 * while the API server is loaded with writes, and what each cached object
 * costs it in resident memory.
 *
 *   informer-bench --server http://127.0.0.1:PORT [--objects N]
 *                  [--writers W] [--pid-of-self] [--timeout S]
 *
 * The writers run in a forked child process, so that this process holds
 * nothing but the informer: its CPU time and its RSS growth are the
 * informer's alone.  The two processes share one anonymous mapping (the
 * go flag, the writers' timestamps, one answer time per update);
 * g_get_monotonic_time() is CLOCK_MONOTONIC, comparable between them.
 *
 * Prints one figure per line, "<metric> <value> <unit>"; lines starting
 * with '#' are comments, "# ERROR" lines are problems (exit status 1).
 * See bench/README.md, "informer-bench".
 */
#include "build-config.h"

#include "bench-report.h"

#include <errno.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <kcore/client.h>
#include <kcore/informer.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME_FORMAT "bench-cm-%06u"
#define SETTLE_MS 500

static char *opt_server;
static gint opt_objects = 10000;
static gint opt_writers = 4;
static gboolean opt_pid_of_self;
static gint opt_timeout_s = 300;


/* ---- Shared with the writer process ---------------------------------- */

enum { GO_WAIT = 0, GO_RUN = 1, GO_ABORT = 2 };
enum { DONE_NOT_YET = 0, DONE_OK = 1, DONE_FAILED = 2 };

typedef struct
{
  gint go;              /* set by the informer process */
  gint done;            /* set by the writers: DONE_OK when every write is
                         * answered, DONE_FAILED when they could not write */
  gint64 t_start;       /* first create handed to the client */
  gint64 t_creates_end; /* last create answered */
  gint64 t_end;         /* last update answered */
  guint create_errors, update_errors;
  char first_error[512];
  gint64 update_answer_us[]; /* per object: its update's answer */
} Shared;

static Shared *shared;

/* ---- Small helpers ------------------------------------------------------ */

/* VmRSS of this process in kB, from /proc/self/status (0 if unreadable). */
static gint64
rss_kb (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  const char *line = strstr (status, "\nVmRSS:");
  return line ? g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10) : 0;
}

/* User + system CPU time of this process, in µs. */
static gint64
cpu_us (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_GINT64_CONSTANT (1000000)
         + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

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
  guint rank = (guint) (q * n + 0.999999);
  return v[CLAMP (rank, 1u, n) - 1];
}

/* The object index in a name made with NAME_FORMAT, or -1. */
static gint
object_index (JsonNode *obj)
{
  const char *name = kc_object_get_name (obj);
  guint i;
  if (!name || sscanf (name, "bench-cm-%u", &i) != 1
      || i >= (guint) opt_objects)
    return -1;
  return (gint) i;
}

/* A ~1 KiB ConfigMap, of the size of api-bench's pod: labels, an
 * annotation, a config file and a few keys. */
static JsonNode *
build_object (const char *ns, guint i)
{
  g_autofree char *name = g_strdup_printf (NAME_FORMAT, i);
  g_autoptr (GString) file = g_string_new (NULL);
  for (guint line = 0; file->len < 560; line++)
    g_string_append_printf (file, "setting_%02u: value-%u-%u\\n", line, i,
                            line * 7919 + i);
  g_autofree char *json = g_strdup_printf (
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
    "\"labels\":{\"app\":\"informer-bench\",\"tier\":\"backend\","
    "\"shard\":\"s%u\"},"
    "\"annotations\":{\"bench.kcore.io/purpose\":"
    "\"informer throughput and memory per cached object\"}},"
    "\"data\":{\"app.yaml\":\"%s\",\"log_level\":\"info\","
    "\"endpoint\":\"http://backend-%u.%s.svc:8080/api\","
    "\"generation\":\"0\"}}",
    name, ns, i % 16, file->str, i, ns);
  return json_from_string (json, NULL);
}

/* ---- The writers (child process) -------------------------------------- */

typedef struct
{
  KcResource *resource;
  const char *ns;
  JsonNode **created; /* per object: as the server answered its create */
  struct _Writer *all;
  guint writers_left;
  gboolean updating;
  GMainLoop *loop;
} Writers;

typedef struct _Writer
{
  Writers *ws;
  KcClient *client;
  guint next; /* next object index of this writer */
} Writer;

static void writer_next (Writer *w);

static void
note_error (guint *counter, const char *what, guint i, const GError *error)
{
  (*counter)++;
  if (!shared->first_error[0])
    g_snprintf (shared->first_error, sizeof shared->first_error,
                "%s of " NAME_FORMAT ": %s", what, i, error->message);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Writer *w = user_data;
  Writers *ws = w->ws;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer = kc_client_request_finish (KC_CLIENT (source),
                                                           result, &error);
  gint64 now = g_get_monotonic_time ();
  guint i = w->next;
  if (!ws->updating)
    {
      if (answer)
        ws->created[i] = g_steal_pointer (&answer);
      else
        note_error (&shared->create_errors, "create", i, error);
      shared->t_creates_end = MAX (shared->t_creates_end, now);
    }
  else
    {
      if (answer)
        shared->update_answer_us[i] = now;
      else
        note_error (&shared->update_errors, "update", i, error);
      shared->t_end = MAX (shared->t_end, now);
    }
  w->next += opt_writers;
  writer_next (w);
}

static void
writers_phase_start (Writers *ws)
{
  ws->writers_left = opt_writers;
  for (gint k = 0; k < opt_writers; k++)
    {
      ws->all[k].next = k;
      writer_next (&ws->all[k]);
    }
}

static void
writer_next (Writer *w)
{
  Writers *ws = w->ws;
  while (ws->updating && w->next < (guint) opt_objects
         && !ws->created[w->next])
    w->next += opt_writers; /* its create failed: nothing to update */
  if (w->next >= (guint) opt_objects)
    {
      if (--ws->writers_left == 0)
        {
          if (!ws->updating)
            {
              /* Every create is answered: now update each object once. */
              ws->updating = TRUE;
              writers_phase_start (ws);
            }
          else
            g_main_loop_quit (ws->loop);
        }
      return;
    }
  guint i = w->next;
  if (!ws->updating)
    {
      g_autoptr (JsonNode) obj = build_object (ws->ns, i);
      kc_client_create_async (w->client, ws->resource, ws->ns, NULL, NULL,
                              obj, NULL, on_written, w);
    }
  else
    {
      /* A PUT with the create's resourceVersion: a compare-and-swap, as
       * a controller writes. */
      JsonObject *data = json_object_get_object_member (
        json_node_get_object (ws->created[i]), "data");
      json_object_set_string_member (data, "generation", "1");
      kc_client_update_async (w->client, ws->resource, ws->ns,
                              kc_object_get_name (ws->created[i]), NULL,
                              ws->created[i], NULL, on_written, w);
    }
}

/* Waits for the informer process's go, then writes; returns the exit
 * status of the writer process. */
static int
run_writers (const char *ns)
{
  pid_t parent = getppid ();
  while (g_atomic_int_get (&shared->go) == GO_WAIT)
    {
      if (getppid () != parent)
        return 1;
      g_usleep (1000);
    }
  if (g_atomic_int_get (&shared->go) != GO_RUN)
    return 1;

  const char *urls[] = { opt_server, NULL };
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Writers ws = { .resource = kc_resource_new ("", "v1", "configmaps"),
                 .ns = ns,
                 .created = g_new0 (JsonNode *, opt_objects),
                 .loop = loop };
  Writer *all = g_new0 (Writer, opt_writers);
  ws.all = all;
  for (gint k = 0; k < opt_writers; k++)
    {
      g_autoptr (GError) error = NULL;
      all[k].ws = &ws;
      all[k].client = kc_client_new (urls, &error);
      if (!all[k].client)
        {
          g_snprintf (shared->first_error, sizeof shared->first_error,
                      "writer client: %s", error->message);
          g_atomic_int_set (&shared->done, DONE_FAILED);
          return 1;
        }
      kc_client_set_rate_limit (all[k].client, 0, 0);
    }
  shared->t_start = g_get_monotonic_time ();
  writers_phase_start (&ws);
  g_main_loop_run (loop);
  g_atomic_int_set (&shared->done, DONE_OK);
  /* Exit without freeing: the process ends here. */
  return 0;
}

/* ---- The informer (this process) ----------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  KcInformer *informer;
  const char *ns;
  guint64 events;
  gint64 first_event, last_event;
  gint64 *update_event_us; /* per object: when its update was applied */
  guint updates_seen;
  gint64 rss_before_kb, cpu_before_us;
  gboolean started_writers;
  gint64 deadline;
  gboolean timed_out;
} Bench;

static void
note_event (Bench *b, JsonNode *obj)
{
  gint64 now = g_get_monotonic_time ();
  if (b->events++ == 0)
    b->first_event = now;
  b->last_event = now;
  gint i = object_index (obj);
  JsonObject *o = json_node_get_object (obj);
  JsonObject *data = json_object_get_object_member (o, "data");
  const char *gen = data ? json_object_get_string_member_with_default (
                             data, "generation", NULL)
                         : NULL;
  if (i >= 0 && gen && g_str_equal (gen, "1") && !b->update_event_us[i])
    {
      b->update_event_us[i] = now;
      b->updates_seen++;
    }
}

static void
on_add (KcInformer *inf, JsonNode *obj, gpointer user_data)
{
  (void) inf;
  note_event (user_data, obj);
}

static void
on_update (KcInformer *inf, JsonNode *old_obj, JsonNode *new_obj,
           gpointer user_data)
{
  (void) inf;
  (void) old_obj;
  note_event (user_data, new_obj);
}

static gboolean
on_settled (gpointer user_data)
{
  g_main_loop_quit (((Bench *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

/* Polls the informer's sync, then the end of the run. */
static gboolean
on_tick (gpointer user_data)
{
  Bench *b = user_data;
  if (g_get_monotonic_time () > b->deadline)
    {
      b->timed_out = TRUE;
      g_main_loop_quit (b->loop);
      return G_SOURCE_REMOVE;
    }
  if (!b->started_writers)
    {
      if (!kc_informer_has_synced (b->informer))
        return G_SOURCE_CONTINUE;
      b->rss_before_kb = rss_kb ();
      b->cpu_before_us = cpu_us ();
      b->started_writers = TRUE;
      g_atomic_int_set (&shared->go, GO_RUN);
      return G_SOURCE_CONTINUE;
    }
  gint done = g_atomic_int_get (&shared->done);
  if (done == DONE_NOT_YET)
    return G_SOURCE_CONTINUE;
  if (done == DONE_FAILED)
    {
      g_main_loop_quit (b->loop);
      return G_SOURCE_REMOVE;
    }
  guint updated = opt_objects - shared->create_errors - shared->update_errors;
  if (b->updates_seen < updated)
    return G_SOURCE_CONTINUE;
  /* Everything written is in the cache; let the heap settle. */
  g_timeout_add (SETTLE_MS, on_settled, b);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gboolean answered;
  GError *error;
} NamespaceCall;

static void
on_namespace (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NamespaceCall *call = user_data;
  g_autoptr (JsonNode) ns = kc_client_request_finish (KC_CLIENT (source),
                                                       result, &call->error);
  /* A namespace left by an earlier run with the same PID will do. */
  if (!ns && g_error_matches (call->error, KC_CLIENT_ERROR,
                              KC_CLIENT_ERROR_ALREADY_EXISTS))
    g_clear_error (&call->error);
  call->answered = TRUE;
}

static gboolean
create_namespace (KcClient *client, const char *ns, GError **error)
{
  g_autoptr (KcResource) namespaces = kc_resource_new ("", "v1",
                                                       "namespaces");
  g_autofree char *json = g_strdup_printf (
    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
    "\"metadata\":{\"name\":\"%s\"}}", ns);
  g_autoptr (JsonNode) body = json_from_string (json, NULL);
  NamespaceCall call = { FALSE, NULL };
  kc_client_create_async (client, namespaces, NULL, NULL, NULL, body, NULL,
                          on_namespace, &call);
  while (!call.answered)
    g_main_context_iteration (NULL, TRUE);
  if (call.error)
    {
      g_propagate_error (error, call.error);
      return FALSE;
    }
  return TRUE;
}

static void
report (Bench *b)
{
  guint n = opt_objects;
  gint64 writes_us = shared->t_end - shared->t_start;
  printf ("# writers: %d, %u creates then %u updates (PUT), answered in "
          "%.1f ms; %u create errors, %u update errors\n",
          opt_writers, n, n, writes_us / 1000.0, shared->create_errors,
          shared->update_errors);
  if (shared->first_error[0])
    bench_fail ("first write error: %s", shared->first_error);
  if (shared->t_creates_end > shared->t_start)
    bench_figure ("create_writes_per_s",
            n * 1e6 / (shared->t_creates_end - shared->t_start), "ops/s");
  if (shared->t_end > shared->t_creates_end)
    bench_figure ("update_writes_per_s",
            n * 1e6 / (shared->t_end - shared->t_creates_end), "ops/s");

  printf ("# informer: %" G_GUINT64_FORMAT " events applied, %u lists, %u "
          "objects cached, %u of %u updates seen\n",
          b->events, kc_informer_get_list_count (b->informer),
          kc_informer_size (b->informer), b->updates_seen, n);
  bench_figure ("informer_events", (double) b->events, "events");
  if (b->last_event > b->first_event)
    bench_figure ("informer_events_per_s_first_to_last",
            (b->events - 1) * 1e6 / (b->last_event - b->first_event),
            "events/s");
  if (b->last_event > shared->t_start)
    bench_figure ("informer_events_per_s_overall",
            b->events * 1e6 / (b->last_event - shared->t_start), "events/s");
  bench_figure ("informer_lag_after_last_write_ms",
          (b->last_event - shared->t_end) / 1000.0, "ms");

  /* Per update: the informer applying it minus the writer's answer
   * (negative when the event arrived before the answer did). */
  g_autofree gint64 *lags = g_new (gint64, n);
  guint m = 0;
  for (guint i = 0; i < n; i++)
    if (shared->update_answer_us[i] && b->update_event_us[i])
      lags[m++] = b->update_event_us[i] - shared->update_answer_us[i];
  if (m)
    {
      qsort (lags, m, sizeof *lags, cmp_gint64);
      bench_figure ("update_lag_p50_ms", quantile (lags, m, 0.50) / 1000.0, "ms");
      bench_figure ("update_lag_p99_ms", quantile (lags, m, 0.99) / 1000.0, "ms");
      bench_figure ("update_lag_max_ms", lags[m - 1] / 1000.0, "ms");
    }

  gint64 cpu = cpu_us () - b->cpu_before_us;
  bench_figure ("informer_cpu_ms", cpu / 1000.0, "ms");
  if (b->events)
    bench_figure ("informer_cpu_us_per_event", (double) cpu / b->events, "us");

  gint64 rss_after = rss_kb ();
  guint cached = kc_informer_size (b->informer);
  g_autofree char *first = g_strdup_printf (NAME_FORMAT, 0u);
  JsonNode *obj = kc_informer_get (b->informer, b->ns, first);
  gsize json_bytes = 0;
  if (obj)
    {
      g_autofree char *json = json_to_string (obj, FALSE);
      json_bytes = strlen (json);
    }
  bench_figure ("informer_rss_kb_synced_empty", (double) b->rss_before_kb, "kB");
  bench_figure ("informer_rss_kb_after", (double) rss_after, "kB");
  bench_figure ("object_json_bytes", (double) json_bytes, "bytes");
  if (cached)
    {
      double per = (rss_after - b->rss_before_kb) * 1024.0 / cached;
      bench_figure ("rss_bytes_per_cached_object", per, "bytes");
      if (json_bytes)
        bench_figure ("rss_per_object_to_json_ratio", per / json_bytes, "x");
    }
}

static int
run_informer (const char *ns, pid_t writer)
{
  const char *urls[] = { opt_server, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcClient) client = kc_client_new (urls, &error);
  if (!client || !create_namespace (client, ns, &error))
    {
      bench_fail ("namespace %s on %s: %s", ns, opt_server, error->message);
      g_atomic_int_set (&shared->go, GO_ABORT);
      waitpid (writer, NULL, 0);
      return 1;
    }
  g_autoptr (KcResource) configmaps = kc_resource_new ("", "v1",
                                                       "configmaps");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Bench b = { .loop = loop, .ns = ns,
              .update_event_us = g_new0 (gint64, opt_objects),
              .deadline = g_get_monotonic_time ()
                          + opt_timeout_s * G_GINT64_CONSTANT (1000000) };
  b.informer = kc_informer_new (client, configmaps, ns, NULL, NULL, 0);
  kc_informer_add_handlers (b.informer, on_add, on_update, NULL, &b, NULL);
  kc_informer_start (b.informer);
  g_timeout_add (2, on_tick, &b);
  g_main_loop_run (loop);

  if (!b.started_writers)
    g_atomic_int_set (&shared->go, GO_ABORT);
  if (b.timed_out)
    bench_fail ("timed out after %d s: informer synced %s, writers %s, %u of %d "
          "updates seen (--timeout)",
          opt_timeout_s, b.started_writers ? "yes" : "no",
          g_atomic_int_get (&shared->done) ? "done" : "still writing",
          b.updates_seen, opt_objects);
  if (b.timed_out && !g_atomic_int_get (&shared->done))
    kill (writer, SIGTERM);
  int wstatus = 0;
  waitpid (writer, &wstatus, 0);
  if (b.started_writers)
    report (&b);
  if (!WIFEXITED (wstatus) || WEXITSTATUS (wstatus) != 0)
    bench_fail ("the writer process (pid %d) failed (wait status %d)", writer,
          wstatus);
  kc_informer_stop (b.informer);
  kc_informer_unref (b.informer);
  g_free (b.update_event_us);
  return bench_exit_status ();
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &opt_server,
      "API server base URL (required)", "URL" },
    { "objects", 0, 0, G_OPTION_ARG_INT, &opt_objects,
      "ConfigMaps to create, then update once (default 10000)", "N" },
    { "writers", 0, 0, G_OPTION_ARG_INT, &opt_writers,
      "concurrent writer connections (default 4)", "W" },
    { "pid-of-self", 0, 0, G_OPTION_ARG_NONE, &opt_pid_of_self,
      "print the informer process's PID (to watch it from outside)", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout_s,
      "give up after S seconds (default 300)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) oc = g_option_context_new ("- informer "
                                                        "throughput");
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (oc, entries, NULL);
  if (!g_option_context_parse (oc, &argc, &argv, &error))
    {
      g_printerr ("informer-bench: %s\n", error->message);
      return 2;
    }
  if (!opt_server || opt_objects < 1 || opt_writers < 1
      || opt_timeout_s < 1)
    {
      g_printerr ("informer-bench: --server URL is required; --objects, "
                  "--writers and --timeout must be positive\n");
      return 2;
    }

  gsize size = sizeof (Shared) + opt_objects * sizeof (gint64);
  shared = mmap (NULL, size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED)
    {
      g_printerr ("informer-bench: mmap of %zu bytes: %s\n", size,
                  g_strerror (errno));
      return 1;
    }
  g_autofree char *ns = g_strdup_printf ("informer-bench-%d", getpid ());
  printf ("# informer-bench: server %s, namespace %s, %d objects, %d "
          "writers (in a child process)\n",
          opt_server, ns, opt_objects, opt_writers);
  if (opt_pid_of_self)
    printf ("# pid %d\n", getpid ());
  fflush (stdout);

  /* Fork before any main context, thread or curl state exists. */
  pid_t writer = fork ();
  if (writer < 0)
    {
      g_printerr ("informer-bench: fork: %s\n", g_strerror (errno));
      return 1;
    }
  if (writer == 0)
    _exit (run_writers (ns));
  return run_informer (ns, writer);
}
