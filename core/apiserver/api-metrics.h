/* The API server's metrics, served at /metrics in Prometheus' text format
 * (0.0.4): requests by verb, resource and code, their durations, requests
 * in flight, watchers and watch cache sizes by resource, store operation
 * durations and the process's resident memory.  Counting is a few array
 * increments: tables are sized once, keyed by small integers.  Internal;
 * main thread only. */
#pragma once

#include "resource.h"
#include <kcore/store.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Verbs as kube-apiserver's metrics name them. */
typedef enum
{
  KC_API_VERB_GET,
  KC_API_VERB_LIST,
  KC_API_VERB_WATCH,
  KC_API_VERB_POST,
  KC_API_VERB_PUT,
  KC_API_VERB_PATCH,
  KC_API_VERB_DELETE,
  KC_API_VERB_DELETECOLLECTION,
  KC_API_VERB_CONNECT,
  KC_API_VERB_OTHER,
  KC_API_N_VERBS
} KcApiVerb;

typedef struct _KcApiMetrics KcApiMetrics;

/* (transfer full) */
KcApiMetrics *kc_api_metrics_new (void);
/* Store operations still in flight keep the metrics alive. */
void kc_api_metrics_unref (KcApiMetrics *metrics);

/* The verb of a request: @method, on a collection or an object, a watch,
 * the subresource (nullable). */
KcApiVerb kc_api_metrics_verb (const char *method, gboolean collection,
                               gboolean watch, const char *subresource);

/* Counts one finished request: HTTP @status, time since @started_us
 * (g_get_monotonic_time).  @resource NULL: no resource (discovery, a path
 * nothing serves). */
void kc_api_metrics_request_done (KcApiMetrics *metrics, KcApiVerb verb,
                                  const KcResource *resource, guint status,
                                  gint64 started_us);

/* A store that times the operations the API server makes on @store
 * through @vt: use *@out_self and the returned vtable instead of them
 * (get, range, create, update, delete, watch and watch_cancel only).
 * Both live as long as @metrics.  (transfer none) */
const KcStoreVtable *kc_api_metrics_wrap_store (KcApiMetrics *metrics,
                                                gpointer store,
                                                const KcStoreVtable *vt,
                                                gpointer *out_self);

/* Gauges a scrape reads from the rest of the server. */
typedef struct
{
  guint inflight_read_only;
  guint inflight_mutating;
  /* per resource index (kc_resource_all order) */
  guint watchers[64];
  guint cache_objects[64];
  gboolean has_cache[64];
} KcApiMetricsGauges;

/* The whole exposition.  (transfer full) */
char *kc_api_metrics_render (KcApiMetrics *metrics,
                             const KcApiMetricsGauges *gauges);

/* Index of @resource in kc_resource_all(), or -1. */
int kc_api_metrics_resource_index (const KcResource *resource);

G_END_DECLS
