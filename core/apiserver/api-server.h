/* The Kubernetes REST API over the store: routing and the shared state of
 * its handlers (api-rest.c, api-watch.c, api-discovery.c).  Internal to
 * the daemon; everything runs in the API server's main thread. */
#pragma once

#include "api-limits.h"
#include "api-metrics.h"
#include "api-object.h"
#include "api-status.h"
#include "authn.h"
#include "resource.h"
#include "watch-cache.h"
#include <kcore/store.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  gpointer store;              /* the store plugin's instance */
  const KcStoreVtable *vt;
  SoupServer *server;
  GHashTable *watches;         /* of KcApiWatch*, open watch streams */
  GHashTable *caches;          /* KcResource* -> KcWatchCache* */
  GHashTable *last_writes;     /* KcResource* -> revision (gint64*) of
                                  the newest write made here */
  gint64 last_write_any;       /* the newest write made here, any
                                  resource */
  gint64 max_body_bytes;
  guint bookmark_interval_s;   /* BOOKMARK events on watches that allow
                                  them */
  KcAuthn *authn;              /* NULL: no authentication */
  KcApiLimits *limits;         /* in-flight cap, deadlines, idle
                                  connections */
  KcApiMetrics *metrics;
  gint64 watch_buffer_bytes;   /* a watch whose client leaves more than
                                  this unread is ended */
} KcApi;


/* Builds the new version of an object from the request and the current
 * object (req->current); used by every kind of update. */
typedef JsonNode *(*KcApiBuildFunc) (KcApiRequest *req, GError **error);

/* One API request, from routing to reply. */
struct _KcApiRequest
{
  KcApi *api;
  SoupServerMessage *msg;      /* a ref; paused while the store works */
  const char *method;
  const KcResource *resource;
  char *ns;                    /* NULL: cluster-scoped or all namespaces */
  char *name;                  /* NULL for collections */
  char *subresource;           /* "status", "scale", ... or NULL */
  gboolean watch;              /* ?watch=true or a /watch/ path */
  GHashTable *query;           /* owned copy of the query parameters */
  JsonNode *body;              /* the parsed body; for an update, the
                                  object about to be written */
  JsonNode *original;          /* the client's body, kept for retries */
  JsonNode *options;           /* DeleteOptions of a delete */
  JsonNode *current;           /* the stored object, when read */
  gint64 current_revision;
  GBytes *written;             /* the value last sent to the store: the
                                  reply, once its revision is known */
  guint attempts;              /* update retries after a conflict */
  KcApiBuildFunc build;        /* how an update makes the new object */
  gboolean client_rv;          /* the client gave the precondition */
  gboolean current_cached;     /* req->current came from the watch cache */
  gboolean read_store;         /* read the store, not the cache (retry) */
  int patch_type;
  KcApiVerb verb;
  gint64 started_us;           /* g_get_monotonic_time() at arrival */
  GList inflight_link;         /* in the limits' queue while admitted */
  gboolean admitted;           /* counted as in flight */
  gboolean timed_out;          /* answered 504 already: the handler's
                                  reply is dropped */
};

/* The watch cache of @resource.  (transfer none) */
KcWatchCache *kc_api_cache (KcApi *api, const KcResource *resource);
/* The served JSON of @key from @resource's watch cache and the revision
 * that wrote it, or NULL when the cache does not hold it (see
 * kc_watch_cache_lookup: it may lag the store).  (transfer full) */
GBytes *kc_api_cached (KcApi *api, const KcResource *resource,
                       const char *key, gint64 *revision);
/* Records that this server wrote @resource at @revision: a list from the
 * cache waits until the cache reflects it (read-your-writes). */
void kc_api_note_write (KcApi *api, const KcResource *resource,
                        gint64 revision);
gint64 kc_api_last_write (KcApi *api, const KcResource *resource);

/* The revision a list or watch served from @resource's cache stands for.
 * The cache knows its resource up to its own newest event; every later
 * write made through this server went to other resources (a list first
 * waits for this resource's own writes), so the resource is unchanged up
 * to the newest write made here.  With several API servers sharing one
 * store, writes made by the others are not known here: the revision is
 * then only "at least" the cache's. */
gint64 kc_api_cache_revision (KcApi *api, const KcResource *resource);

/* Installs the API's handlers on @server; each resource's watch cache
 * keeps its last @window_events events for watches that resume.
 * (transfer full) */
KcApi *kc_api_new (SoupServer *server, gpointer store,
                   const KcStoreVtable *vt, guint window_events);
/* From now on every request (except the public health and version
 * endpoints) must carry a token @authn knows; others get 401 before their
 * body is read.  Takes @authn (transfer full). */
void kc_api_set_authn (KcApi *api, KcAuthn *authn);
/* Ends open watches and frees @api. */
void kc_api_free (KcApi *api);

/* The query parameter @name, or NULL.  (transfer none) */
const char *kc_api_request_query (KcApiRequest *req, const char *name);
/* A boolean query parameter: "true", "1" (any case) are TRUE. */
gboolean kc_api_request_query_bool (KcApiRequest *req, const char *name);

/* Replies and ends @req (unpausing its message; frees @req). */
void kc_api_request_reply (KcApiRequest *req, guint status, JsonNode *node);
/* The same with the JSON text of the reply.  (transfer none) */
void kc_api_request_reply_text (KcApiRequest *req, guint status,
                                GBytes *json);
void kc_api_request_fail (KcApiRequest *req, const GError *error);
void kc_api_request_free (KcApiRequest *req);

/* Handlers, by verb (api-rest.c). */
void kc_api_get (KcApiRequest *req);
void kc_api_list (KcApiRequest *req);
void kc_api_create (KcApiRequest *req);
void kc_api_update (KcApiRequest *req);
void kc_api_patch (KcApiRequest *req);
void kc_api_delete (KcApiRequest *req);
void kc_api_bind (KcApiRequest *req);
void kc_api_delete_collection (KcApiRequest *req);
/* pods/log: reads the pod, then proxies the kubelet of its node
 * (pod-log.c). */
void kc_api_pod_log (KcApiRequest *req);

/* Watch streams (api-watch.c).  Takes over @req. */
void kc_api_watch (KcApiRequest *req);
void kc_api_watch_close_all (KcApi *api);
/* Open watches per resource, by index in kc_resource_all(), into
 * @counts[@n] (zeroed first). */
void kc_api_watch_count (KcApi *api, guint *counts, guint n);

/* GET /metrics: Prometheus text (api-metrics.c). */
void kc_api_serve_metrics (SoupServer *server, SoupServerMessage *msg,
                           const char *path, GHashTable *query,
                           gpointer api);

/* Discovery (/api, /apis, /api/v1, /apis/G/V), /version and /openapi/v2
 * (api-discovery.c).  FALSE when @path is not one of them. */
gboolean kc_api_discovery_handle (SoupServerMessage *msg, const char *path);

/* A Table (meta.k8s.io/v1) of @objects for `kubectl get` (api-table.c).
 * @objects: JsonNode*, borrowed, nullable.  (transfer full) */
JsonNode *kc_api_table_new (const KcResource *resource, GPtrArray *objects,
                            gint64 revision, gboolean include_header);
/* Adds @object's row to @table (from kc_api_table_new). */
void kc_api_table_append (JsonNode *table, const KcResource *resource,
                          JsonNode *object);
/* TRUE when the client asked for a Table (Accept: ...;as=Table;...). */
gboolean kc_api_wants_table (SoupServerMessage *msg);

/* A store error as the API error a client should see for @req. */
void kc_api_set_store_error (KcApiRequest *req, const GError *store_error,
                             GError **error);

G_END_DECLS
