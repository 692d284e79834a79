/* Container logs of simulated pods, generated rather than stored (150,000
 * pods must stay cheap).  The log of one run of a container is a pure
 * function of the pod's log annotations and the run's start and end:
 *
 *   line 0..S-1   the lines of kcore.io/sim-log, at the run's start
 *   then          "NS/POD/CONTAINER: tick K" at start + K * interval
 *                 (kcore.io/sim-log-interval-seconds), K = 1, 2, ...
 *                 while the run lasts
 *   last          "NS/POD/CONTAINER: exited with code X" at the run's end
 *                 (only when the pod has either annotation)
 *
 * so line I of the log is computed in O(S) without keeping anything, and
 * tailLines, sinceSeconds and follow are arithmetic over I.  Per pod only
 * the annotations are kept (SimPod: an interned, shared text and an
 * interval); per open response a SimLogStream.  Init containers have
 * empty logs. */
#include "build-config.h"

#include "sim.h"

#include <string.h>

#define LOG_ANNOTATION "kcore.io/sim-log"
#define INTERVAL_ANNOTATION "kcore.io/sim-log-interval-seconds"
/* A response is written in batches of about this size; the next batch
 * waits until the last one went out, so a slow reader of a long log
 * does not make kcore-sim buffer it. */
#define BATCH_BYTES 65536

/* ---- Annotations -------------------------------------------------------- */

void
sim_pod_log_read_annotations (SimPod *pod, JsonObject *ann)
{
  JsonNode *text = ann ? json_object_get_member (ann, LOG_ANNOTATION) : NULL;
  JsonNode *every = ann ? json_object_get_member (ann, INTERVAL_ANNOTATION)
                        : NULL;

  sim_pod_log_clear (pod);
  if (text && JSON_NODE_HOLDS_VALUE (text)
      && json_node_get_value_type (text) == G_TYPE_STRING)
    /* Interned and counted: the pods of one template share one copy. */
    pod->log_text = g_ref_string_new_intern (json_node_get_string (text));
  if (every && JSON_NODE_HOLDS_VALUE (every)
      && json_node_get_value_type (every) == G_TYPE_STRING)
    {
      const char *v = json_node_get_string (every);
      char *end = NULL;
      double s = g_ascii_strtod (v, &end);
      if (end == v || *end != '\0' || !(s > 0) || s > 4e6)
        g_warning ("pod %s: annotation %s=\"%s\" is not a number of seconds "
                   "above 0; the pod logs no ticks", pod->key,
                   INTERVAL_ANNOTATION, v);
      else
        pod->log_interval_ms = (guint32) MAX (s * 1000 + 0.5, 1);
    }
}

void
sim_pod_log_clear (SimPod *pod)
{
  g_clear_pointer (&pod->log_text, g_ref_string_release);
  pod->log_interval_ms = 0;
}

/* ---- One run's log ------------------------------------------------------ */

typedef struct
{
  char *prefix;         /* "NS/POD/CONTAINER" */
  char *text;           /* a GRefString or NULL */
  guint n_static;
  gint64 interval_us;   /* 0: no ticks */
  gboolean annotated;   /* an exit line ends a finished run */
  gboolean empty;       /* init container, or a run we never saw start */
  gint32 exit_code;
  gint64 start;         /* real µs */
  gint64 end;           /* real µs; 0 while the run lasts */
  gboolean exited;      /* ended by its exit (not by a deletion) */
} SimLogRun;

static guint
count_lines (const char *text)
{
  guint n = 0;
  if (text == NULL || *text == '\0')
    return 0;
  for (const char *p = text; *p; p++)
    if (*p == '\n')
      n++;
  /* A last line without "\n" counts too; a trailing "\n" adds none. */
  return text[strlen (text) - 1] == '\n' ? n : n + 1;
}

/* Ticks of @run whose time is <= @now (and before its end). */
static guint64
ticks_until (const SimLogRun *run, gint64 now)
{
  if (run->empty || run->interval_us == 0)
    return 0;
  gint64 limit = run->end ? MIN (now, run->end - 1) : now;
  if (limit < run->start)
    return 0;
  return (guint64) ((limit - run->start) / run->interval_us);
}

/* How many lines of @run exist at @now. */
static guint64
lines_until (const SimLogRun *run, gint64 now)
{
  if (run->empty)
    return 0;
  guint64 n = run->n_static + ticks_until (run, now);
  if (run->end && run->exited && run->annotated && now >= run->end)
    n++;
  return n;
}

static gint64
line_time (const SimLogRun *run, guint64 i)
{
  if (i < run->n_static)
    return run->start;
  guint64 k = i - run->n_static + 1;
  if (run->interval_us && (run->end == 0
                           || k <= ticks_until (run, run->end)))
    return run->start + (gint64) k * run->interval_us;
  return run->end;
}

/* The first line at or after @t (lines are in time order). */
static guint64
first_line_at (const SimLogRun *run, guint64 n, gint64 t)
{
  guint64 lo = 0, hi = n;
  while (lo < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;
      if (line_time (run, mid) < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
append_timestamp (GString *out, gint64 real_us)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (real_us
                                                            / G_USEC_PER_SEC);
  g_autofree char *s = dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S")
                          : g_strdup ("1970-01-01T00:00:00");
  /* The kubelet's RFC3339NanoFixed: always nine digits. */
  g_string_append_printf (out, "%s.%06d000Z ", s,
                          (int) (real_us % G_USEC_PER_SEC));
}

static void
append_line (GString *out, const SimLogRun *run, guint64 i,
             gboolean timestamps)
{
  if (timestamps)
    append_timestamp (out, line_time (run, i));
  if (i < run->n_static)
    {
      const char *p = run->text;
      for (guint64 j = 0; j < i; j++)
        p = strchr (p, '\n') + 1;
      const char *nl = strchr (p, '\n');
      g_string_append_len (out, p, nl ? nl - p : (gssize) strlen (p));
    }
  else if (run->interval_us && line_time (run, i) != run->end)
    g_string_append_printf (out, "%s: tick %" G_GUINT64_FORMAT, run->prefix,
                            i - run->n_static + 1);
  else
    g_string_append_printf (out, "%s: exited with code %d", run->prefix,
                            run->exit_code);
  g_string_append_c (out, '\n');
}

/* ---- Responses ---------------------------------------------------------- */

typedef struct
{
  SimTimer timer;       /* the next tick of a follow */
  Sim *sim;
  SoupServerMessage *msg;
  char *key, *uid;
  SimLogRun run;
  guint64 next;         /* the next line to write */
  gboolean follow, timestamps;
  gint64 limit_bytes, sent;
  gboolean backlog;     /* lines wait for the last batch to go out */
  gboolean ended;
  gulong finished_id, wrote_id;
} SimLogStream;

static void stream_pump (SimLogStream *s);

static void
streams_add (Sim *sim, SimLogStream *s)
{
  GList *list = g_hash_table_lookup (sim->log_streams, s->key);
  g_hash_table_replace (sim->log_streams, g_strdup (s->key),
                        g_list_prepend (list, s));
}

static void
streams_remove (Sim *sim, SimLogStream *s)
{
  GList *list = g_hash_table_lookup (sim->log_streams, s->key);
  list = g_list_remove (list, s);
  if (list)
    g_hash_table_replace (sim->log_streams, g_strdup (s->key), list);
  else
    g_hash_table_remove (sim->log_streams, s->key);
}

static void
stream_free (SimLogStream *s)
{
  streams_remove (s->sim, s);
  if (s->sim->timers)
    sim_timers_cancel (s->sim->timers, &s->timer);
  g_signal_handler_disconnect (s->msg, s->finished_id);
  g_signal_handler_disconnect (s->msg, s->wrote_id);
  g_object_unref (s->msg);
  g_free (s->key);
  g_free (s->uid);
  g_free (s->run.prefix);
  g_clear_pointer (&s->run.text, g_ref_string_release);
  g_free (s);
}

/* The response is complete: libsoup writes the last chunk, then emits
 * "finished", which frees the stream. */
static void
stream_end (SimLogStream *s)
{
  if (s->ended)
    return;
  s->ended = TRUE;
  sim_timers_cancel (s->sim->timers, &s->timer);
  soup_message_body_complete (soup_server_message_get_response_body (s->msg));
  soup_server_message_unpause (s->msg);
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  /* Written to the end, or the client went away. */
  stream_free (data);
}

static void
on_wrote_chunk (SoupServerMessage *msg, gpointer data)
{
  SimLogStream *s = data;
  if (s->backlog && !s->ended)
    {
      s->backlog = FALSE;
      stream_pump (s);
    }
}

static void
on_tick (SimTimer *timer)
{
  stream_pump (SIM_CONTAINER_OF (timer, SimLogStream, timer));
}

static void
send_text (SimLogStream *s, GString *out)
{
  if (s->limit_bytes >= 0 && s->sent + (gint64) out->len > s->limit_bytes)
    g_string_truncate (out, (gsize) (s->limit_bytes - s->sent));
  s->sent += (gint64) out->len;
  if (out->len == 0)
    return;
  gsize len = out->len;
  soup_message_body_append (soup_server_message_get_response_body (s->msg),
                            SOUP_MEMORY_TAKE, g_string_free (out, FALSE),
                            len);
  soup_server_message_unpause (s->msg);
}

/* Writes the lines that exist now (a batch at a time), then ends the
 * response, or waits for the next tick or the end of the run. */
static void
stream_pump (SimLogStream *s)
{
  if (s->ended)
    return;
  gint64 now = g_get_real_time ();
  guint64 have = lines_until (&s->run, s->run.end ? G_MAXINT64 : now);
  GString *out = g_string_new (NULL);
  while (s->next < have && out->len < BATCH_BYTES)
    append_line (out, &s->run, s->next++, s->timestamps);
  send_text (s, out);
  if (s->limit_bytes >= 0 && s->sent >= s->limit_bytes)
    {
      stream_end (s);
      return;
    }
  if (s->next < have)
    {
      s->backlog = TRUE;
      return;
    }
  if (!s->follow || s->run.end || s->run.empty)
    {
      stream_end (s);
      return;
    }
  if (s->run.interval_us)
    {
      /* The next tick, on the monotonic clock of the timer heap (1 ms
       * late, so the real clock has surely passed it). */
      gint64 at = line_time (&s->run, s->next);
      sim_timers_schedule (s->sim->timers, &s->timer,
                           g_get_monotonic_time () + MAX (at - now, 0)
                               + 1000);
    }
  /* Else nothing comes before the run ends: sim_pod_log_changed(). */
}

void
sim_pod_log_changed (Sim *sim, SimPod *pod)
{
  if (sim->log_streams == NULL)
    return;
  GList *list = g_list_copy (g_hash_table_lookup (sim->log_streams,
                                                  pod->key));
  gboolean stopped = pod->deleting
                     || g_hash_table_lookup (sim->pods, pod->key) != pod;
  for (GList *l = list; l; l = l->next)
    {
      SimLogStream *s = l->data;
      if (s->ended || s->run.end || strcmp (s->uid, pod->uid) != 0)
        continue;
      if (pod->has_run && pod->last_start_us == s->run.start
          && pod->last_finish_us)
        {
          /* The run it follows ended with the containers' exit. */
          s->run.end = pod->last_finish_us;
          s->run.exited = TRUE;
        }
      else if (stopped)
        {
          /* Stopped by a deletion: the log simply ends. */
          s->run.end = MAX (g_get_real_time (), s->run.start + 1);
          s->run.exited = FALSE;
        }
      else
        continue;
      stream_pump (s);
    }
  g_list_free (list);
}

void
sim_pod_logs_close_all (Sim *sim)
{
  GList *lists = g_hash_table_get_values (sim->log_streams);
  GList *all = NULL;
  for (GList *l = lists; l; l = l->next)
    all = g_list_concat (all, g_list_copy (l->data));
  g_list_free (lists);
  for (GList *l = all; l; l = l->next)
    {
      SimLogStream *s = l->data;
      stream_end (s);
      stream_free (s);
    }
  g_list_free (all);
}

/* ---- Serving ------------------------------------------------------------ */

static void
reply_text (SoupServerMessage *msg, guint status, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static void
reply_text (SoupServerMessage *msg, guint status, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autofree char *body = g_strconcat (text, "\n", NULL);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
                                    SOUP_MEMORY_COPY, body, strlen (body));
}

/* Which container of @pod @name is: -1 none, else its index (init
 * containers first). */
static gint
container_index (const SimPod *pod, const char *name)
{
  for (guint i = 0; i < (guint) pod->n_init + pod->n_containers; i++)
    if (strcmp (pod->containers[i].name, name) == 0)
      return (gint) i;
  return -1;
}

/* Which run of @pod the request reads: FALSE with the kubelet's 400
 * message in @why when there is none. */
static gboolean
choose_run (const SimPod *pod, const char *name, gboolean init,
            gboolean previous, SimLogRun *run, char **why)
{
  if (init)
    {
      run->empty = TRUE;
      run->end = 1;
      return TRUE;
    }
  if (previous)
    {
      if (!(pod->phase == SIM_POD_RUNNING && pod->has_run
            && pod->restart_count > 0))
        {
          *why = g_strdup_printf ("previous terminated container \"%s\" in "
                                  "pod \"%s\" not found", name,
                                  pod->key + pod->ns_len + 1);
          return FALSE;
        }
      run->start = pod->last_start_us;
      run->end = pod->last_finish_us;
      run->exited = TRUE;
      return TRUE;
    }
  switch (pod->phase)
    {
    case SIM_POD_PENDING:
      *why = g_strdup_printf ("container \"%s\" in pod \"%s\" is waiting to "
                              "start: ContainerCreating", name,
                              pod->key + pod->ns_len + 1);
      return FALSE;
    case SIM_POD_RUNNING:
      run->start = pod->run_start_us;
      if (pod->deleting)
        run->end = MAX (g_get_real_time (), run->start + 1);
      return TRUE;
    default:
      /* Finished before this process saw it start: nothing to tell. */
      run->empty = pod->run_start_us == 0;
      run->start = pod->run_start_us;
      run->end = MAX (pod->last_finish_us, 1);
      run->exited = TRUE;
      return TRUE;
    }
}

void
sim_pod_log_serve (Sim *sim, SoupServerMessage *msg, const char *ns,
                   const char *name, const char *container,
                   const SimLogOptions *options)
{
  g_autofree char *key = g_strconcat (ns, "/", name, NULL);
  SimPod *pod = g_hash_table_lookup (sim->pods, key);
  g_autofree char *why = NULL;
  SimLogRun run = { 0 };

  if (pod == NULL)
    {
      reply_text (msg, SOUP_STATUS_NOT_FOUND, "pod \"%s\" does not exist",
                  name);
      return;
    }
  gint index = container_index (pod, container);
  if (index < 0)
    {
      reply_text (msg, SOUP_STATUS_NOT_FOUND,
                  "container \"%s\" not found in pod \"%s\"", container,
                  name);
      return;
    }
  if (!choose_run (pod, container, index < pod->n_init, options->previous,
                   &run, &why))
    {
      reply_text (msg, SOUP_STATUS_BAD_REQUEST, "%s", why);
      return;
    }
  run.prefix = g_strdup_printf ("%s/%s/%s", ns, name, container);
  run.text = pod->log_text ? g_ref_string_acquire (pod->log_text) : NULL;
  run.n_static = count_lines (run.text);
  run.interval_us = (gint64) pod->log_interval_ms * 1000;
  run.annotated = pod->log_text != NULL || pod->log_interval_ms != 0;
  run.exit_code = pod->exit_code;

  SimLogStream *s = g_new0 (SimLogStream, 1);
  s->sim = sim;
  s->msg = g_object_ref (msg);
  s->key = g_steal_pointer (&key);
  s->uid = g_strdup (pod->uid);
  s->run = run;
  s->timer.fire = on_tick;
  s->follow = options->follow;
  s->timestamps = options->timestamps;
  s->limit_bytes = options->limit_bytes;

  /* Where the response starts: sinceSeconds, then tailLines. */
  gint64 now = g_get_real_time ();
  guint64 have = lines_until (&s->run, s->run.end ? G_MAXINT64 : now);
  if (options->since_seconds > 0)
    s->next = first_line_at (&s->run, have,
                             now - options->since_seconds * G_USEC_PER_SEC);
  if (options->tail_lines >= 0 && have - s->next > (guint64) options->tail_lines)
    s->next = have - (guint64) options->tail_lines;
  streams_add (sim, s);

  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "text/plain",
                                         NULL);
  soup_message_body_set_accumulate (
      soup_server_message_get_response_body (msg), FALSE);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  s->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_finished),
                                     s);
  s->wrote_id = g_signal_connect (msg, "wrote-chunk",
                                  G_CALLBACK (on_wrote_chunk), s);
  /* The headers go out at once, even when the first line is a tick away;
   * the message stays paused between writes, as the API server's watches
   * do. */
  soup_server_message_pause (msg);
  soup_server_message_unpause (msg);
  stream_pump (s);
}
