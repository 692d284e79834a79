/* The API server's metrics (see api-metrics.h). */
#include "build-config.h"

#include "api-metrics.h"

#include "api-server.h"

#include <string.h>
#include <stdio.h>
#include <unistd.h>

#define MAX_RESOURCES 64
/* Slot of requests that name no resource (discovery, unknown paths). */
#define NO_RESOURCE MAX_RESOURCES

/* Seconds; kube-apiserver's buckets start at 50 ms, kcore answers most
 * requests well under that. */
static const double request_buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
                                          0.05,  0.1,    0.25,  0.5,  1,
                                          2.5,   5,      10,    30,   60 };
#define N_REQUEST_BUCKETS G_N_ELEMENTS (request_buckets)
static const double store_buckets[] = { 0.0001, 0.00025, 0.0005, 0.001,
                                        0.0025, 0.005,   0.01,   0.025,
                                        0.05,   0.1,     0.25,   0.5,
                                        1,      2.5,     5,      10 };
#define N_STORE_BUCKETS G_N_ELEMENTS (store_buckets)

/* The HTTP codes counted one by one; any other is counted as its class
 * (2xx, 4xx, 5xx) under the code of the class's first slot below. */
static const guint codes[] = { 200, 201, 202, 400, 401, 403, 404, 405, 406,
                               409, 410, 413, 415, 422, 429, 500, 503, 504,
                               0 /* other */ };
#define N_CODES G_N_ELEMENTS (codes)

static const char *const verb_names[KC_API_N_VERBS]
    = { "GET",    "LIST",   "WATCH",            "POST",    "PUT",
        "PATCH",  "DELETE", "DELETECOLLECTION", "CONNECT", "OTHER" };

typedef enum
{
  OP_GET,
  OP_RANGE,
  OP_CREATE,
  OP_UPDATE,
  OP_DELETE,
  OP_WATCH,
  N_OPS
} StoreOp;

static const char *const op_names[N_OPS]
    = { "get", "range", "create", "update", "delete", "watch" };

typedef struct
{
  guint64 count;
  double sum;
  guint64 buckets[N_REQUEST_BUCKETS]; /* not cumulative; summed on output */
} RequestHistogram;

typedef struct
{
  guint64 count;
  double sum;
  guint64 buckets[N_STORE_BUCKETS];
} StoreHistogram;

typedef struct _Op Op;

/* One timed store operation; recycled through a free list, so timing
 * allocates nothing once the list holds as many as ever ran at once. */
struct _Op
{
  KcApiMetrics *metrics;
  StoreOp op;
  gint64 started;
  GAsyncReadyCallback callback;
  gpointer data;
  Op *next;
};

struct _KcApiMetrics
{
  gint ref;
  guint n_resources;
  guint64 requests[KC_API_N_VERBS][MAX_RESOURCES + 1][N_CODES];
  RequestHistogram durations[KC_API_N_VERBS][MAX_RESOURCES + 1];
  StoreHistogram store_ops[N_OPS];
  /* the timing store */
  KcStoreVtable vt;
  gpointer store;
  const KcStoreVtable *real;
  Op *free_ops;
};

KcApiMetrics *
kc_api_metrics_new (void)
{
  KcApiMetrics *m = g_new0 (KcApiMetrics, 1);
  m->ref = 1;
  for (const KcResource *const *r = kc_resource_all (); *r; r++)
    m->n_resources++;
  g_assert (m->n_resources <= MAX_RESOURCES);
  return m;
}

static KcApiMetrics *
metrics_ref (KcApiMetrics *m)
{
  m->ref++;
  return m;
}

void
kc_api_metrics_unref (KcApiMetrics *m)
{
  if (m == NULL || --m->ref > 0)
    return;
  while (m->free_ops)
    {
      Op *op = m->free_ops;
      m->free_ops = op->next;
      g_free (op);
    }
  g_free (m);
}

int
kc_api_metrics_resource_index (const KcResource *resource)
{
  const KcResource *const *all = kc_resource_all ();
  for (int i = 0; all[i]; i++)
    if (all[i] == resource)
      return i;
  return -1;
}

KcApiVerb
kc_api_metrics_verb (const char *method, gboolean collection, gboolean watch,
                     const char *subresource)
{
  if (subresource && strcmp (subresource, "log") == 0)
    return KC_API_VERB_CONNECT;
  if (strcmp (method, "GET") == 0)
    return watch ? KC_API_VERB_WATCH
                 : collection ? KC_API_VERB_LIST : KC_API_VERB_GET;
  if (strcmp (method, "POST") == 0)
    return KC_API_VERB_POST;
  if (strcmp (method, "PUT") == 0)
    return KC_API_VERB_PUT;
  if (strcmp (method, "PATCH") == 0)
    return KC_API_VERB_PATCH;
  if (strcmp (method, "DELETE") == 0)
    return collection ? KC_API_VERB_DELETECOLLECTION : KC_API_VERB_DELETE;
  return KC_API_VERB_OTHER;
}

static guint
code_index (guint status)
{
  for (guint i = 0; i < N_CODES - 1; i++)
    if (codes[i] == status)
      return i;
  return N_CODES - 1;
}

static void
observe (double seconds, const double *bounds, guint n, guint64 *buckets,
         guint64 *count, double *sum)
{
  (*count)++;
  *sum += seconds;
  for (guint i = 0; i < n; i++)
    if (seconds <= bounds[i])
      {
        buckets[i]++;
        return;
      }
}

void
kc_api_metrics_request_done (KcApiMetrics *m, KcApiVerb verb,
                             const KcResource *resource, guint status,
                             gint64 started_us)
{
  int r = resource ? kc_api_metrics_resource_index (resource) : -1;
  guint slot = r < 0 ? NO_RESOURCE : (guint) r;
  if (verb >= KC_API_N_VERBS)
    verb = KC_API_VERB_OTHER;
  m->requests[verb][slot][code_index (status)]++;
  /* Kubernetes leaves long-running requests out of the latencies. */
  if (verb == KC_API_VERB_WATCH || verb == KC_API_VERB_CONNECT)
    return;
  RequestHistogram *h = &m->durations[verb][slot];
  double seconds = (g_get_monotonic_time () - started_us) / 1e6;
  observe (seconds, request_buckets, N_REQUEST_BUCKETS, h->buckets,
           &h->count, &h->sum);
}

/* ---- the timing store -------------------------------------------------- */

static Op *
op_start (KcApiMetrics *m, StoreOp kind, GAsyncReadyCallback callback,
          gpointer data)
{
  Op *op = m->free_ops;
  if (op)
    m->free_ops = op->next;
  else
    op = g_new0 (Op, 1);
  op->metrics = metrics_ref (m);
  op->op = kind;
  op->started = g_get_monotonic_time ();
  op->callback = callback;
  op->data = data;
  return op;
}

static void
store_observe (KcApiMetrics *m, StoreOp kind, gint64 started)
{
  StoreHistogram *h = &m->store_ops[kind];
  observe ((g_get_monotonic_time () - started) / 1e6, store_buckets,
           N_STORE_BUCKETS, h->buckets, &h->count, &h->sum);
}

static void
on_op_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;
  KcApiMetrics *m = op->metrics;
  GAsyncReadyCallback callback = op->callback;
  gpointer user_data = op->data;
  store_observe (m, op->op, op->started);
  op->next = m->free_ops;
  m->free_ops = op;
  callback (source, result, user_data);
  kc_api_metrics_unref (m);
}

static void
timed_get_async (gpointer self, const char *key, gint64 revision,
                 GCancellable *cancellable, GAsyncReadyCallback callback,
                 gpointer user_data)
{
  KcApiMetrics *m = self;
  m->real->get_async (m->store, key, revision, cancellable, on_op_done,
                      op_start (m, OP_GET, callback, user_data));
}

static KcStoreKv *
timed_get_finish (gpointer self, GAsyncResult *result, gint64 *out_revision,
                  GError **error)
{
  KcApiMetrics *m = self;
  return m->real->get_finish (m->store, result, out_revision, error);
}

static void
timed_range_async (gpointer self, const KcStoreRange *range,
                   GCancellable *cancellable, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  KcApiMetrics *m = self;
  m->real->range_async (m->store, range, cancellable, on_op_done,
                        op_start (m, OP_RANGE, callback, user_data));
}

static KcStoreRangeResult *
timed_range_finish (gpointer self, GAsyncResult *result, GError **error)
{
  KcApiMetrics *m = self;
  return m->real->range_finish (m->store, result, error);
}

static void
timed_create_async (gpointer self, const char *key, GBytes *value,
                    gint64 lease, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  KcApiMetrics *m = self;
  m->real->create_async (m->store, key, value, lease, cancellable,
                         on_op_done,
                         op_start (m, OP_CREATE, callback, user_data));
}

static gint64
timed_create_finish (gpointer self, GAsyncResult *result, GError **error)
{
  KcApiMetrics *m = self;
  return m->real->create_finish (m->store, result, error);
}

static void
timed_update_async (gpointer self, const char *key, GBytes *value,
                    gint64 expected, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  KcApiMetrics *m = self;
  m->real->update_async (m->store, key, value, expected, cancellable,
                         on_op_done,
                         op_start (m, OP_UPDATE, callback, user_data));
}

static gint64
timed_update_finish (gpointer self, GAsyncResult *result,
                     KcStoreKv **out_current, GError **error)
{
  KcApiMetrics *m = self;
  return m->real->update_finish (m->store, result, out_current, error);
}

static void
timed_delete_async (gpointer self, const char *key, gint64 expected,
                    GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  KcApiMetrics *m = self;
  m->real->delete_async (m->store, key, expected, cancellable, on_op_done,
                         op_start (m, OP_DELETE, callback, user_data));
}

static gint64
timed_delete_finish (gpointer self, GAsyncResult *result, KcStoreKv **out_kv,
                     GError **error)
{
  KcApiMetrics *m = self;
  return m->real->delete_finish (m->store, result, out_kv, error);
}

/* A watch is timed until the store has set it up. */
static KcStoreWatch *
timed_watch (gpointer self, const char *prefix, gint64 start_revision,
             KcStoreWatchFunc func, gpointer user_data,
             GDestroyNotify destroy)
{
  KcApiMetrics *m = self;
  gint64 started = g_get_monotonic_time ();
  KcStoreWatch *watch = m->real->watch (m->store, prefix, start_revision,
                                        func, user_data, destroy);
  store_observe (m, OP_WATCH, started);
  return watch;
}

static void
timed_watch_cancel (gpointer self, KcStoreWatch *watch)
{
  KcApiMetrics *m = self;
  m->real->watch_cancel (m->store, watch);
}

const KcStoreVtable *
kc_api_metrics_wrap_store (KcApiMetrics *m, gpointer store,
                           const KcStoreVtable *vt, gpointer *out_self)
{
  m->store = store;
  m->real = vt;
  memset (&m->vt, 0, sizeof m->vt);
  m->vt.size = vt->size;
  m->vt.get_async = timed_get_async;
  m->vt.get_finish = timed_get_finish;
  m->vt.range_async = timed_range_async;
  m->vt.range_finish = timed_range_finish;
  m->vt.create_async = timed_create_async;
  m->vt.create_finish = timed_create_finish;
  m->vt.update_async = timed_update_async;
  m->vt.update_finish = timed_update_finish;
  m->vt.delete_async = timed_delete_async;
  m->vt.delete_finish = timed_delete_finish;
  m->vt.watch = timed_watch;
  m->vt.watch_cancel = timed_watch_cancel;
  *out_self = m;
  return &m->vt;
}

/* ---- exposition --------------------------------------------------------- */

static const char *
resource_label (guint slot, char *buf, gsize size)
{
  if (slot == NO_RESOURCE)
    return "";
  const KcResource *r = kc_resource_all ()[slot];
  if (r->group[0] == '\0')
    return r->plural;
  g_snprintf (buf, size, "%s.%s", r->plural, r->group);
  return buf;
}

static void
append_bucket_le (GString *out, double bound)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (num, sizeof num, "%g", bound);
  g_string_append (out, num);
}

/* _bucket lines (cumulative, +Inf last), _sum and _count of one series;
 * @labels is the series' labels without braces. */
static void
append_histogram (GString *out, const char *name, const char *labels,
                  const double *bounds, guint n, const guint64 *buckets,
                  guint64 count, double sum)
{
  guint64 cumulative = 0;
  const char *sep = labels[0] ? "," : "";
  for (guint i = 0; i < n; i++)
    {
      cumulative += buckets[i];
      g_string_append_printf (out, "%s_bucket{%s%sle=\"", name, labels, sep);
      append_bucket_le (out, bounds[i]);
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", cumulative);
    }
  g_string_append_printf (out, "%s_bucket{%s%sle=\"+Inf\"} %" G_GUINT64_FORMAT
                          "\n",
                          name, labels, sep, count);
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (num, sizeof num, "%.9g", sum);
  g_string_append_printf (out, "%s_sum{%s} %s\n", name, labels, num);
  g_string_append_printf (out, "%s_count{%s} %" G_GUINT64_FORMAT "\n", name,
                          labels, count);
}

static guint64
resident_bytes (void)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    return 0;
  guint64 pages = 0;
  if (sscanf (text, "%*u %" G_GUINT64_FORMAT, &pages) != 1)
    return 0;
  return pages * (guint64) sysconf (_SC_PAGESIZE);
}

static void
render_requests (KcApiMetrics *m, GString *out)
{
  char buf[128];
  g_string_append (out,
                   "# HELP apiserver_request_total Counter of apiserver "
                   "requests broken out by verb, resource and HTTP response "
                   "code.\n# TYPE apiserver_request_total counter\n");
  for (guint v = 0; v < KC_API_N_VERBS; v++)
    for (guint r = 0; r <= MAX_RESOURCES; r++)
      {
        if (r < NO_RESOURCE && r >= m->n_resources)
          continue;
        for (guint c = 0; c < N_CODES; c++)
          if (m->requests[v][r][c])
            {
              char code[16];
              if (codes[c])
                g_snprintf (code, sizeof code, "%u", codes[c]);
              else
                g_strlcpy (code, "other", sizeof code);
              g_string_append_printf (
                  out,
                  "apiserver_request_total{verb=\"%s\",resource=\"%s\","
                  "code=\"%s\"} %" G_GUINT64_FORMAT "\n",
                  verb_names[v], resource_label (r, buf, sizeof buf), code,
                  m->requests[v][r][c]);
            }
      }
  g_string_append (out,
                   "# HELP apiserver_request_duration_seconds Response "
                   "latency distribution in seconds for each verb and "
                   "resource.\n# TYPE apiserver_request_duration_seconds "
                   "histogram\n");
  for (guint v = 0; v < KC_API_N_VERBS; v++)
    for (guint r = 0; r <= MAX_RESOURCES; r++)
      {
        RequestHistogram *h = &m->durations[v][r];
        if (h->count == 0)
          continue;
        g_autofree char *labels = g_strdup_printf (
            "verb=\"%s\",resource=\"%s\"", verb_names[v],
            resource_label (r, buf, sizeof buf));
        append_histogram (out, "apiserver_request_duration_seconds", labels,
                          request_buckets, N_REQUEST_BUCKETS, h->buckets,
                          h->count, h->sum);
      }
}

char *
kc_api_metrics_render (KcApiMetrics *m, const KcApiMetricsGauges *g)
{
  GString *out = g_string_sized_new (16384);
  char buf[128];
  render_requests (m, out);
  g_string_append_printf (
      out,
      "# HELP apiserver_current_inflight_requests Maximal number of "
      "currently used inflight request limit of this apiserver per request "
      "kind.\n# TYPE apiserver_current_inflight_requests gauge\n"
      "apiserver_current_inflight_requests{request_kind=\"readOnly\"} %u\n"
      "apiserver_current_inflight_requests{request_kind=\"mutating\"} %u\n",
      g->inflight_read_only, g->inflight_mutating);
  g_string_append (out, "# HELP apiserver_registered_watchers Number of "
                        "currently registered watchers for a given "
                        "resource.\n# TYPE apiserver_registered_watchers "
                        "gauge\n");
  for (guint r = 0; r < m->n_resources; r++)
    g_string_append_printf (out,
                            "apiserver_registered_watchers{resource=\"%s\"} "
                            "%u\n",
                            resource_label (r, buf, sizeof buf),
                            g->watchers[r]);
  g_string_append (out, "# HELP apiserver_watch_cache_objects Objects held "
                        "by the watch cache of a resource.\n# TYPE "
                        "apiserver_watch_cache_objects gauge\n");
  for (guint r = 0; r < m->n_resources; r++)
    if (g->has_cache[r])
      g_string_append_printf (
          out, "apiserver_watch_cache_objects{resource=\"%s\"} %u\n",
          resource_label (r, buf, sizeof buf), g->cache_objects[r]);
  g_string_append (out, "# HELP kcore_store_operation_duration_seconds "
                        "Duration of the API server's store operations, "
                        "from call to result.\n# TYPE "
                        "kcore_store_operation_duration_seconds "
                        "histogram\n");
  for (guint o = 0; o < N_OPS; o++)
    {
      StoreHistogram *h = &m->store_ops[o];
      g_autofree char *labels = g_strdup_printf ("operation=\"%s\"",
                                                 op_names[o]);
      append_histogram (out, "kcore_store_operation_duration_seconds",
                        labels, store_buckets, N_STORE_BUCKETS, h->buckets,
                        h->count, h->sum);
    }
  g_string_append_printf (out,
                          "# HELP process_resident_memory_bytes Resident "
                          "memory size in bytes.\n# TYPE "
                          "process_resident_memory_bytes gauge\n"
                          "process_resident_memory_bytes %" G_GUINT64_FORMAT
                          "\n",
                          resident_bytes ());
  return g_string_free (out, FALSE);
}

/* ---- /metrics ------------------------------------------------------------ */

void
kc_api_serve_metrics (SoupServer *server, SoupServerMessage *msg,
                      const char *path, GHashTable *query, gpointer data)
{
  KcApi *api = data;
  if (strcmp (soup_server_message_get_method (msg), "GET") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                      NULL);
      return;
    }
  gint64 started = g_get_monotonic_time ();
  KcApiMetricsGauges gauges = { 0 };
  gauges.inflight_read_only = kc_api_limits_inflight (api->limits, FALSE);
  gauges.inflight_mutating = kc_api_limits_inflight (api->limits, TRUE);
  kc_api_watch_count (api, gauges.watchers, G_N_ELEMENTS (gauges.watchers));
  const KcResource *const *all = kc_resource_all ();
  for (guint i = 0; all[i] && i < G_N_ELEMENTS (gauges.cache_objects); i++)
    {
      KcWatchCache *cache = kc_api_cache (api, all[i]);
      gauges.has_cache[i] = cache && kc_watch_cache_is_ready (cache);
      if (gauges.has_cache[i])
        gauges.cache_objects[i] = kc_watch_cache_get_size (cache);
    }
  char *text = kc_api_metrics_render (api->metrics, &gauges);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
  kc_api_metrics_request_done (api->metrics, KC_API_VERB_GET, NULL,
                               SOUP_STATUS_OK, started);
}
