/* api-bench: throughput, latency and memory of a running API server.
 *
 *   api-bench --server http://127.0.0.1:PORT [--pods N] [--clients N]
 *             [--watchers N] [--pid PID]
 *
 * Prints one figure per line, "<metric> <value> <unit>"; lines starting
 * with '#' are comments.  See bench/README.md for what each figure
 * measures.  All HTTP goes through libcurl: one thread, one multi handle
 * per phase, and every in-flight request on its own keep-alive connection
 * (the server sees exactly --clients connections during the creates).
 */
#include "build-config.h"

#include "bench-report.h"

#include <curl/curl.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define NAMESPACE "bench"
#define LIST_REPEATS 5
#define WATCH_CONNECT_BURST 8
#define TABLE_ACCEPT "Accept: application/json;as=Table;v=v1;g=meta.k8s.io"

static char *opt_server;
static gint opt_pods = 10000;
static gint opt_clients = 32;
static gint opt_watchers = 1000;
static gint opt_pid = 0;


/* ---- Small helpers ------------------------------------------------------ */

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double
percentile (const GArray *sorted, double p)
{
  if (sorted->len == 0)
    return 0;
  guint rank = (guint) (p / 100.0 * sorted->len + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > sorted->len)
    rank = sorted->len;
  return g_array_index (sorted, double, rank - 1);
}

static void
sort_doubles (GArray *a)
{
  qsort (a->data, a->len, sizeof (double), compare_double);
}

/* VmRSS of the server, in kB; 0 when unknown. */
static gint64
server_rss_kb (void)
{
  if (opt_pid <= 0)
    return 0;
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", opt_pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    {
      bench_fail ("cannot read %s: is the API server (--pid %d) still running?",
            path, opt_pid);
      return 0;
    }
  const char *line = strstr (text, "\nVmRSS:");
  return line ? g_ascii_strtoll (line + 7, NULL, 10) : 0;
}

static void
raise_fd_limit (void)
{
  struct rlimit rl;
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0
      && rl.rlim_cur < (rlim_t) opt_watchers + 64)
    printf ("# warning: fd limit %lu is below --watchers %d + 64\n",
            (unsigned long) rl.rlim_cur, opt_watchers);
}

static size_t
append_body (char *data, size_t size, size_t n, void *user)
{
  g_string_append_len (user, data, (gssize) (size * n));
  return size * n;
}

/* A realistic pod: labels, annotations, one container with image, command,
 * env, ports, resources and a probe; about 1 KiB of JSON. */
static char *
pod_manifest (const char *name, guint index)
{
  return g_strdup_printf (
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
      "\"name\":\"%s\",\"namespace\":\"" NAMESPACE "\","
      "\"labels\":{\"app\":\"bench-web\",\"tier\":\"frontend\","
      "\"release\":\"stable\",\"shard\":\"s%u\"},"
      "\"annotations\":{\"bench.kcore.io/purpose\":\"api-bench\"}},"
      "\"spec\":{\"containers\":[{\"name\":\"web\","
      "\"image\":\"registry.example.com/bench/web-frontend:1.24.3\","
      "\"imagePullPolicy\":\"IfNotPresent\","
      "\"command\":[\"/usr/local/bin/web\"],"
      "\"args\":[\"--listen=:8080\",\"--log-level=info\"],"
      "\"env\":[{\"name\":\"MODE\",\"value\":\"production\"},"
      "{\"name\":\"POD_INDEX\",\"value\":\"%u\"},"
      "{\"name\":\"CACHE_SIZE_MB\",\"value\":\"64\"},"
      "{\"name\":\"UPSTREAM_URL\",\"value\":\"http://backend.bench.svc:9000\"}],"
      "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,"
      "\"protocol\":\"TCP\"},{\"name\":\"metrics\",\"containerPort\":9090,"
      "\"protocol\":\"TCP\"}],"
      "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},"
      "\"limits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"}},"
      "\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080},"
      "\"periodSeconds\":10}}],"
      "\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
      "\"dnsPolicy\":\"ClusterFirst\","
      "\"nodeSelector\":{\"kubernetes.io/os\":\"linux\"}}}",
      name, index % 16, index);
}

static CURL *
easy_new (const char *path, GString *body)
{
  CURL *h = curl_easy_init ();
  g_autofree char *url = g_strconcat (opt_server, path, NULL);
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, body);
  return h;
}

/* Headers of a JSON POST; "Expect:" stops curl from waiting for a
 * 100-continue on bodies over 1 KiB. */
static struct curl_slist *
post_headers (void)
{
  struct curl_slist *h = NULL;
  h = curl_slist_append (h, "Content-Type: application/json");
  h = curl_slist_append (h, "Expect:");
  return h;
}

/* One blocking request on the shared keep-alive handle; returns the status
 * (0 on a transport error) and fills @body. */
static long
request (CURL *h, const char *method, const char *path, const char *accept,
         const char *post, GString *body)
{
  g_autofree char *url = g_strconcat (opt_server, path, NULL);
  struct curl_slist *headers = post ? post_headers () : NULL;
  if (accept)
    headers = curl_slist_append (headers, accept);
  g_string_truncate (body, 0);
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, body);
  curl_easy_setopt (h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  if (post)
    {
      curl_easy_setopt (h, CURLOPT_POSTFIELDS, post);
      curl_easy_setopt (h, CURLOPT_POSTFIELDSIZE, (long) strlen (post));
    }
  else
    curl_easy_setopt (h, CURLOPT_HTTPGET, 1L);
  CURLcode rc = curl_easy_perform (h);
  long status = 0;
  if (rc == CURLE_OK)
    curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &status);
  else
    g_string_assign (body, curl_easy_strerror (rc));
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt (h, CURLOPT_CUSTOMREQUEST, NULL);
  curl_slist_free_all (headers);
  return status;
}

static gboolean
wait_ready (CURL *h)
{
  g_autoptr (GString) body = g_string_new (NULL);
  for (int i = 0; i < 100; i++)
    {
      if (request (h, "GET", "/readyz", NULL, NULL, body) == 200)
        return TRUE;
      g_usleep (100 * 1000);
    }
  bench_fail ("%s/readyz did not answer 200 within 10 s (last: %s)", opt_server,
        body->str);
  return FALSE;
}

static JsonNode *
parse_json (const GString *body)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, body->str, (gssize) body->len,
                                   NULL))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_copy (root) : NULL;
}

/* ---- Pod creates: --clients requests in flight ------------------------- */

typedef struct
{
  CURL *easy;
  GString *body;
  char *post;
  double started;
} Slot;

static void
slot_issue (Slot *s, CURLM *multi, guint index)
{
  g_autofree char *name = g_strdup_printf ("bench-pod-%06u", index);
  g_free (s->post);
  s->post = pod_manifest (name, index);
  g_string_truncate (s->body, 0);
  curl_easy_setopt (s->easy, CURLOPT_POSTFIELDS, s->post);
  curl_easy_setopt (s->easy, CURLOPT_POSTFIELDSIZE, (long) strlen (s->post));
  s->started = now_ms ();
  curl_multi_add_handle (multi, s->easy);
}

/* Opens the clients' keep-alive connections with one GET /readyz each, all
 * at once, so that the creates measure requests, not TCP handshakes. */
static void
connect_clients (CURLM *multi, Slot *slots, guint clients)
{
  g_autofree char *url = g_strconcat (opt_server, "/readyz", NULL);
  g_autofree char *pods = g_strconcat (
      opt_server, "/api/v1/namespaces/" NAMESPACE "/pods", NULL);
  double t0 = now_ms ();
  for (guint i = 0; i < clients; i++)
    {
      curl_easy_setopt (slots[i].easy, CURLOPT_URL, url);
      curl_easy_setopt (slots[i].easy, CURLOPT_HTTPGET, 1L);
      curl_multi_add_handle (multi, slots[i].easy);
    }
  guint done = 0;
  while (done < clients)
    {
      int running = 0, queued = 0;
      curl_multi_perform (multi, &running);
      CURLMsg *m;
      while ((m = curl_multi_info_read (multi, &queued)))
        if (m->msg == CURLMSG_DONE)
          {
            long status = 0;
            curl_easy_getinfo (m->easy_handle, CURLINFO_RESPONSE_CODE,
                               &status);
            if (m->data.result != CURLE_OK || status != 200)
              bench_fail ("connecting a client: HTTP %ld %s", status,
                    curl_easy_strerror (m->data.result));
            curl_multi_remove_handle (multi, m->easy_handle);
            done++;
          }
      if (done < clients)
        curl_multi_poll (multi, NULL, 0, 1000, NULL);
    }
  bench_figure ("connect_clients_ms", now_ms () - t0, "ms");
  for (guint i = 0; i < clients; i++)
    {
      curl_easy_setopt (slots[i].easy, CURLOPT_URL, pods);
      g_string_truncate (slots[i].body, 0);
    }
}

static void
bench_creates (void)
{
  guint n = (guint) opt_pods, clients = (guint) opt_clients;
  CURLM *multi = curl_multi_init ();
  curl_multi_setopt (multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) clients);
  curl_multi_setopt (multi, CURLMOPT_MAXCONNECTS, (long) clients);
  struct curl_slist *headers = post_headers ();
  Slot *slots = g_new0 (Slot, clients);
  GArray *lat = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  guint next = 0, done = 0, failures = 0;
  long connects = 0;
  g_autofree char *first_error = NULL;

  for (guint i = 0; i < clients; i++)
    {
      slots[i].body = g_string_new (NULL);
      slots[i].easy = easy_new ("/api/v1/namespaces/" NAMESPACE "/pods",
                                slots[i].body);
      curl_easy_setopt (slots[i].easy, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt (slots[i].easy, CURLOPT_PRIVATE, &slots[i]);
    }
  connect_clients (multi, slots, clients);

  double t0 = now_ms ();
  for (guint i = 0; i < clients && next < n; i++)
    slot_issue (&slots[i], multi, next++);

  while (done < n)
    {
      int running = 0, queued = 0;
      curl_multi_perform (multi, &running);
      CURLMsg *m;
      while ((m = curl_multi_info_read (multi, &queued)))
        {
          if (m->msg != CURLMSG_DONE)
            continue;
          Slot *s = NULL;
          CURL *easy = m->easy_handle;
          CURLcode rc = m->data.result;
          curl_easy_getinfo (easy, CURLINFO_PRIVATE, (char **) &s);
          double ms = now_ms () - s->started;
          long status = 0, c = 0;
          curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
          curl_easy_getinfo (easy, CURLINFO_NUM_CONNECTS, &c);
          connects += c;
          curl_multi_remove_handle (multi, easy);
          done++;
          g_array_append_val (lat, ms);
          if (rc != CURLE_OK || status != 201)
            {
              if (failures++ == 0)
                first_error = g_strdup_printf (
                    "HTTP %ld %s %.200s", status,
                    rc != CURLE_OK ? curl_easy_strerror (rc) : "",
                    s->body->str);
            }
          if (next < n)
            slot_issue (s, multi, next++);
        }
      if (done < n)
        curl_multi_poll (multi, NULL, 0, 1000, NULL);
    }
  double elapsed = now_ms () - t0;

  sort_doubles (lat);
  printf ("# creates: %u pods, %u clients, %ld new connections during the "
          "creates\n",
          n, clients, connects);
  bench_figure ("pod_creates_per_s", n / (elapsed / 1000.0), "ops/s");
  bench_figure ("pod_create_p50_ms", percentile (lat, 50), "ms");
  bench_figure ("pod_create_p99_ms", percentile (lat, 99), "ms");
  bench_figure ("pod_create_max_ms", percentile (lat, 100), "ms");
  bench_figure ("pod_create_errors", failures, "requests");
  if (failures)
    bench_fail ("%u of %u creates failed; first: %s", failures, n, first_error);

  for (guint i = 0; i < clients; i++)
    {
      curl_easy_cleanup (slots[i].easy);
      g_string_free (slots[i].body, TRUE);
      g_free (slots[i].post);
    }
  g_free (slots);
  g_array_free (lat, TRUE);
  curl_slist_free_all (headers);
  curl_multi_cleanup (multi);
}

/* ---- Lists -------------------------------------------------------------- */

/* Median time of LIST_REPEATS full lists; returns the resourceVersion of
 * the last one (owned by the caller) for the watches. */
static char *
bench_list (CURL *h, const char *metric, const char *accept,
            const char *member)
{
  g_autoptr (GString) body = g_string_new (NULL);
  GArray *times = g_array_new (FALSE, FALSE, sizeof (double));
  long status = 0;
  for (int i = 0; i < LIST_REPEATS; i++)
    {
      double t0 = now_ms ();
      status = request (h, "GET", "/api/v1/namespaces/" NAMESPACE "/pods",
                        accept, NULL, body);
      double ms = now_ms () - t0;
      if (status != 200)
        break;
      g_array_append_val (times, ms);
    }
  char *rv = NULL;
  if (status != 200)
    bench_fail ("%s: HTTP %ld %.200s", metric, status, body->str);
  else
    {
      sort_doubles (times);
      bench_figure (metric, g_array_index (times, double, times->len / 2), "ms");
      g_autoptr (JsonNode) root = parse_json (body);
      JsonObject *obj = root ? json_node_get_object (root) : NULL;
      JsonNode *items = obj ? json_object_get_member (obj, member) : NULL;
      guint count = items && JSON_NODE_HOLDS_ARRAY (items)
                        ? json_array_get_length (json_node_get_array (items))
                        : 0;
      printf ("# %s: %u %s, %zu bytes, min %.1f ms, max %.1f ms\n", metric,
              count, member, body->len, g_array_index (times, double, 0),
              g_array_index (times, double, times->len - 1));
      if (count < (guint) opt_pods)
        bench_fail ("%s: the list has %u %s, expected at least %d", metric, count,
              member, opt_pods);
      JsonObject *meta = obj && json_object_has_member (obj, "metadata")
                             ? json_object_get_object_member (obj, "metadata")
                             : NULL;
      if (meta && json_object_has_member (meta, "resourceVersion"))
        rv = g_strdup (
            json_object_get_string_member (meta, "resourceVersion"));
    }
  g_array_free (times, TRUE);
  return rv;
}

/* ---- Watch fan-out ------------------------------------------------------ */

typedef struct
{
  CURL *easy;
  GString *line;
  gboolean established;
  gboolean received;
  gboolean finished;
  double received_at;
  guint *n_established;
  guint *n_received;
} Watcher;

static const char *fanout_name = "bench-fanout";

static size_t
watcher_header (char *data, size_t size, size_t n, void *user)
{
  Watcher *w = user;
  size_t len = size * n;
  /* The blank line ends the headers (a 100-continue never comes here). */
  if (!w->established && (len == 2 && data[0] == '\r' && data[1] == '\n'))
    {
      w->established = TRUE;
      (*w->n_established)++;
    }
  return len;
}

static size_t
watcher_write (char *data, size_t size, size_t n, void *user)
{
  Watcher *w = user;
  size_t len = size * n;
  if (w->received)
    return len;
  const char *nl = memchr (data, '\n', len);
  g_string_append_len (w->line, data, nl ? (gssize) (nl - data) : (gssize) len);
  if (nl)
    {
      if (strstr (w->line->str, fanout_name))
        {
          w->received = TRUE;
          w->received_at = now_ms ();
          (*w->n_received)++;
        }
      /* Another event (not ours): start over after its newline. */
      g_string_truncate (w->line, 0);
      if (!w->received && nl + 1 < data + len)
        g_string_append_len (w->line, nl + 1, (gssize) (data + len - nl - 1));
    }
  return len;
}

static double create_done_at;  /* the fan-out create's answer, or 0 */

static void
drive (CURLM *multi, Watcher *ws, int timeout_ms)
{
  int running = 0, queued = 0;
  curl_multi_perform (multi, &running);
  CURLMsg *m;
  while ((m = curl_multi_info_read (multi, &queued)))
    {
      if (m->msg != CURLMSG_DONE)
        continue;
      Watcher *w = NULL;
      curl_easy_getinfo (m->easy_handle, CURLINFO_PRIVATE, (char **) &w);
      if (w == NULL)
        create_done_at = now_ms ();
      else if (!w->finished)
        {
          w->finished = TRUE;
          long status = 0;
          curl_easy_getinfo (m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
          bench_fail ("watcher %td ended early: HTTP %ld, %s: %.200s", w - ws,
                status, curl_easy_strerror (m->data.result), w->line->str);
        }
    }
  curl_multi_poll (multi, NULL, 0, timeout_ms, NULL);
}

/* Opens the watches, at most WATCH_CONNECT_BURST connecting at a time: a
 * burst of 1000 SYNs would overflow the server's listen backlog (10 for a
 * GSocket) and measure TCP retransmits instead.  Returns how many were
 * added. */
static guint
open_watchers (CURLM *multi, Watcher *ws, guint n, const char *path,
               guint *n_established, guint *n_received)
{
  double t0 = now_ms (), deadline = t0 + 60000;
  guint added = 0;
  gboolean ended_early = FALSE;
  while (*n_established < n && now_ms () < deadline && !ended_early)
    {
      while (added < n && added - *n_established < WATCH_CONNECT_BURST)
        {
          Watcher *w = &ws[added++];
          w->line = g_string_new (NULL);
          w->n_established = n_established;
          w->n_received = n_received;
          w->easy = easy_new (path, NULL);
          curl_easy_setopt (w->easy, CURLOPT_WRITEFUNCTION, watcher_write);
          curl_easy_setopt (w->easy, CURLOPT_WRITEDATA, w);
          curl_easy_setopt (w->easy, CURLOPT_HEADERFUNCTION, watcher_header);
          curl_easy_setopt (w->easy, CURLOPT_HEADERDATA, w);
          curl_easy_setopt (w->easy, CURLOPT_PRIVATE, w);
          curl_easy_setopt (w->easy, CURLOPT_FRESH_CONNECT, 1L);
          curl_multi_add_handle (multi, w->easy);
        }
      drive (multi, ws, 100);
      for (guint i = 0; i < added; i++)
        ended_early |= ws[i].finished;
    }
  bench_figure ("watch_establish_ms", now_ms () - t0, "ms");
  if (*n_established < n)
    bench_fail ("only %u of %u watches were established within 60 s",
          *n_established, n);
  return added;
}

/* Creates one pod and times its event at every watcher, from the moment
 * the create is handed to curl. */
static void
measure_fanout (CURL *h, CURLM *multi, Watcher *ws, guint n,
                const guint *n_received)
{
  /* Let the server finish registering every store watch (it sends the
   * headers first). */
  for (int i = 0; i < 10; i++)
    drive (multi, ws, 10);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *post = pod_manifest (fanout_name, 999999);
  struct curl_slist *headers = post_headers ();
  CURL *create = easy_new ("/api/v1/namespaces/" NAMESPACE "/pods", body);
  curl_easy_setopt (create, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (create, CURLOPT_POSTFIELDS, post);
  curl_easy_setopt (create, CURLOPT_POSTFIELDSIZE, (long) strlen (post));
  create_done_at = 0;
  double sent = now_ms (), deadline = sent + 30000;
  curl_multi_add_handle (multi, create);
  while ((*n_received < n || create_done_at == 0) && now_ms () < deadline)
    drive (multi, ws, 10);

  long status = 0;
  curl_easy_getinfo (create, CURLINFO_RESPONSE_CODE, &status);
  if (status != 201)
    bench_fail ("fan-out create: HTTP %ld %.200s", status, body->str);
  GArray *lat = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < n; i++)
    if (ws[i].received)
      {
        double ms = ws[i].received_at - sent;
        g_array_append_val (lat, ms);
      }
  sort_doubles (lat);
  printf ("# fan-out: %u watchers, %u received the event, the create was "
          "answered in %.1f ms\n",
          n, *n_received, create_done_at ? create_done_at - sent : -1.0);
  bench_figure ("watch_fanout_p50_ms", percentile (lat, 50), "ms");
  bench_figure ("watch_fanout_p99_ms", percentile (lat, 99), "ms");
  bench_figure ("watch_fanout_max_ms", percentile (lat, 100), "ms");
  if (*n_received < n)
    bench_fail ("only %u of %u watchers received the event within 30 s",
          *n_received, n);
  g_array_free (lat, TRUE);
  curl_multi_remove_handle (multi, create);
  curl_easy_cleanup (create);
  curl_slist_free_all (headers);
  /* Leave the namespace as it was: the fan-out pod goes. */
  request (h, "DELETE", "/api/v1/namespaces/" NAMESPACE "/pods/bench-fanout",
           NULL, NULL, body);
}

static void
bench_fanout (CURL *h, const char *rv)
{
  guint n = (guint) opt_watchers, n_established = 0, n_received = 0;
  CURLM *multi = curl_multi_init ();
  curl_multi_setopt (multi, CURLMOPT_MAXCONNECTS, (long) n + 8);
  Watcher *ws = g_new0 (Watcher, n);
  g_autofree char *path = g_strdup_printf (
      "/api/v1/namespaces/" NAMESPACE "/pods?watch=true&resourceVersion=%s",
      rv);

  guint added = open_watchers (multi, ws, n, path, &n_established,
                               &n_received);
  if (n_established == n)
    measure_fanout (h, multi, ws, n, &n_received);

  for (guint i = 0; i < added; i++)
    {
      curl_multi_remove_handle (multi, ws[i].easy);
      curl_easy_cleanup (ws[i].easy);
      g_string_free (ws[i].line, TRUE);
    }
  g_free (ws);
  curl_multi_cleanup (multi);
}

/* ---- Main --------------------------------------------------------------- */

static GOptionEntry entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server,
    "the API server's base URL (required)", "http://HOST:PORT" },
  { "pods", 'n', 0, G_OPTION_ARG_INT, &opt_pods,
    "pods to create and list (default 10000)", "N" },
  { "clients", 'c', 0, G_OPTION_ARG_INT, &opt_clients,
    "concurrent keep-alive clients for the creates (default 32)", "N" },
  { "watchers", 'w', 0, G_OPTION_ARG_INT, &opt_watchers,
    "concurrent watchers for the fan-out (default 1000; 0 skips it)", "N" },
  { "pid", 'p', 0, G_OPTION_ARG_INT, &opt_pid,
    "the API server's process id, for its resident memory", "PID" },
  { NULL },
};

static void
measure_pod_size (CURL *h, gint64 rss_idle, gint64 rss_loaded)
{
  g_autoptr (GString) body = g_string_new (NULL);
  long status = request (h, "GET",
                         "/api/v1/namespaces/" NAMESPACE "/pods/bench-pod-000000",
                         NULL, NULL, body);
  if (status != 200)
    {
      bench_fail ("GET bench-pod-000000: HTTP %ld %.200s", status, body->str);
      return;
    }
  bench_figure ("pod_json_bytes", body->len, "bytes");
  if (rss_idle == 0 || rss_loaded == 0)
    return;
  double per_pod = (rss_loaded - rss_idle) * 1024.0 / opt_pods;
  bench_figure ("rss_bytes_per_pod", (gint64) per_pod, "bytes");
  bench_figure ("rss_per_pod_to_json_ratio", per_pod / body->len, "x");
}

static gboolean
create_namespace (CURL *h)
{
  g_autoptr (GString) body = g_string_new (NULL);
  const char *ns = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                   "\"metadata\":{\"name\":\"" NAMESPACE "\"}}";
  long status = request (h, "POST", "/api/v1/namespaces", NULL, ns, body);
  if (status == 201 || status == 409)
    return TRUE;
  bench_fail ("creating namespace " NAMESPACE ": HTTP %ld %.200s", status,
        body->str);
  return FALSE;
}

static void
run_benchmarks (CURL *h, gint64 rss_idle)
{
  bench_creates ();

  /* Let the server settle (freed buffers, background writes) first. */
  g_usleep (G_USEC_PER_SEC);
  gint64 rss_loaded = server_rss_kb ();
  if (rss_loaded)
    bench_figure ("apiserver_rss_kb_after_10k_pods", rss_loaded, "kB");
  measure_pod_size (h, rss_idle, rss_loaded);

  g_autofree char *rv = bench_list (h, "list_10k_pods_json_ms", NULL,
                                    "items");
  g_autofree char *rv_table = bench_list (h, "list_10k_pods_table_ms",
                                          TABLE_ACCEPT, "rows");
  if (opt_pid > 0)
    bench_figure ("apiserver_rss_kb_after_lists", server_rss_kb (), "kB");

  if (opt_watchers > 0 && rv)
    {
      bench_fanout (h, rv);
      if (opt_pid > 0)
        bench_figure ("apiserver_rss_kb_after_watchers", server_rss_kb (), "kB");
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context
      = g_option_context_new ("- benchmark a kcore API server");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "api-bench: %s (see --help)\n", error->message);
      return 2;
    }
  if (opt_server == NULL || opt_pods < 1 || opt_clients < 1
      || opt_watchers < 0)
    {
      fprintf (stderr, "api-bench: --server URL is required; --pods and "
                       "--clients must be >= 1 (see --help)\n");
      return 2;
    }
  raise_fd_limit ();
  curl_global_init (CURL_GLOBAL_DEFAULT);
  CURL *h = curl_easy_init ();

  printf ("# api-bench server %s pods %d clients %d watchers %d pid %d\n",
          opt_server, opt_pods, opt_clients, opt_watchers, opt_pid);
  if (wait_ready (h))
    {
      gint64 rss_idle = server_rss_kb ();
      if (rss_idle)
        bench_figure ("apiserver_rss_idle_kb", rss_idle, "kB");
      if (create_namespace (h))
        run_benchmarks (h, rss_idle);
    }

  curl_easy_cleanup (h);
  curl_global_cleanup ();
  g_free (opt_server);
  return bench_exit_status ();
}
