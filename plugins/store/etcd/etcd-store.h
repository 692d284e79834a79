/* The etcd store plugin: internal interfaces shared by its files.
 *
 * One KcEtcdClient per instance owns a private thread whose GMainContext
 * drives libcurl's multi interface; every HTTP exchange with etcd's v3 JSON
 * gateway runs there.  The store methods (etcd-kv.c, etcd-lease.c) create
 * their GTask in the caller's thread, hand the request to the client and
 * return the parsed reply from the client thread, so GTask delivers it in
 * the caller's context.  Watches (etcd-watch.c) are streaming requests of
 * the same client whose events are posted to the watch creator's context. */
#pragma once

#include <json-glib/json-glib.h>
#include <kcore/host.h>
#include <kcore/store.h>

G_BEGIN_DECLS

/* ---- the HTTP client (etcd-client.c) ------------------------------------ */

typedef struct _KcEtcdClient KcEtcdClient;
typedef struct _KcEtcdCall KcEtcdCall;

typedef struct
{
  char **endpoints;  /* "http://host:port" or "https://..." */
  char *ca_file;     /* nullable: TLS options */
  char *cert_file;
  char *key_file;
  gint64 request_timeout_ms;
  gint64 dial_timeout_ms;
} KcEtcdClientOptions;

/* Kinds of request: what may be sent again after a connection failure. */
typedef enum
{
  KC_ETCD_IDEMPOTENT, /* reads, lease keepalive, compaction: always */
  KC_ETCD_WRITE,      /* only when etcd said it did not execute it */
} KcEtcdRetry;

/* The reply of a unary call, in the client thread.  @root is the parsed
 * JSON body on success (borrowed); otherwise @error is set (KC_STORE_ERROR,
 * message naming the endpoint) and @maybe_applied tells a write that etcd
 * may have executed it although no answer came back. */
typedef void (*KcEtcdReplyFunc) (JsonNode *root, const GError *error,
                                 gboolean maybe_applied, gpointer data);
/* One JSON line of a streaming reply, in the client thread. */
typedef void (*KcEtcdLineFunc) (JsonNode *line, gpointer data);

/* (transfer full) Starts the client thread.  Fails on bad TLS files. */
KcEtcdClient *kc_etcd_client_new (const KcEtcdClientOptions *options,
                                  const KcHost *host, GError **error);
/* Stops the thread.  Every call must have completed or been cancelled. */
void kc_etcd_client_free (KcEtcdClient *client);

/* Posts @body (transfer full, JSON) to @path ("/v3/kv/range") of the
 * current endpoint, moving to the next endpoints on connection failures as
 * @retry allows.  Any thread; @func runs in the client thread. */
void kc_etcd_client_call (KcEtcdClient *client, const char *path,
                          char *body, KcEtcdRetry retry,
                          KcEtcdReplyFunc func, gpointer data);

/* Client thread only: a streaming POST (no request timeout).  @on_line
 * runs per JSON line, then @on_end once when the stream ended (error set
 * unless etcd closed it), unless cancelled first.  (transfer none) */
KcEtcdCall *kc_etcd_client_stream (KcEtcdClient *client, const char *path,
                                   char *body, KcEtcdLineFunc on_line,
                                   KcEtcdReplyFunc on_end, gpointer data);
/* Client thread only: stops @call; its functions are not called again. */
void kc_etcd_client_cancel (KcEtcdClient *client, KcEtcdCall *call);

/* Any thread: runs @func (a one-shot GSourceFunc) in the client thread. */
void kc_etcd_client_post (KcEtcdClient *client, GSourceFunc func,
                          gpointer data);

/* (transfer none) The client thread's context, for the watch code. */
GMainContext *kc_etcd_client_get_context (KcEtcdClient *client);
const KcHost *kc_etcd_client_get_host (KcEtcdClient *client);

/* ---- JSON and keys (etcd-json.c) ------------------------------------------ */

/* Base64 of @len bytes of @data.  (transfer full) */
char *kc_etcd_b64 (const void *data, gsize len);
char *kc_etcd_b64_str (const char *text);
/* The smallest key greater than every key starting with @prefix (@len
 * bytes), base64; "AA==" (a NUL byte, meaning "to the end") when none. */
char *kc_etcd_range_end_b64 (const char *prefix, gsize len);

/* A member as gint64 whether etcd wrote it as "123" or 123; 0 if absent. */
gint64 kc_etcd_json_int (JsonObject *object, const char *member);
gboolean kc_etcd_json_bool (JsonObject *object, const char *member);
/* The object @member of @object, or NULL. */
JsonObject *kc_etcd_json_object (JsonObject *object, const char *member);
/* header.revision of a reply. */
gint64 kc_etcd_json_revision (JsonObject *reply);

/* A KcStoreKv from an etcd mvccpb.KeyValue with @prefix_len bytes of
 * plugin prefix stripped from its key.  @with_value FALSE gives a NULL
 * value (the kv of a DELETE event).  (transfer full), NULL if malformed. */
KcStoreKv *kc_etcd_kv_from_json (JsonObject *kv, gsize prefix_len,
                                 gboolean with_value);

/* The KC_STORE_ERROR for an etcd error message: compacted, future
 * revision, lease not found... (transfer full) */
GError *kc_etcd_error_from_etcd (const char *endpoint, const char *message);

/* ---- the instance (etcd-store.c) -------------------------------------------- */

typedef struct _KcEtcdWatchHub KcEtcdWatchHub;

typedef struct
{
  const KcHost *host;
  KcEtcdClient *client;
  char *prefix;      /* the key prefix, prepended to every key */
  gsize prefix_len;
  KcEtcdWatchHub *watches;
  GMutex lock;
  gint64 compact_rev; /* the highest compact() of this instance */
  gint64 seen_rev;    /* the highest header.revision of a reply, under
                         @lock */
} KcEtcdStore;

/* header.revision of @reply, remembered as seen when it is the highest so
 * far.  Any thread. */
gint64 kc_etcd_store_reply_revision (KcEtcdStore *self, JsonObject *reply);
/* The highest revision any reply has shown this instance: a watch "from
 * now" starts after it, so that it cannot miss a write this instance
 * makes after the watch call (etcd's own "now" is when the watch request
 * reaches it, which may be after such a write).  Any thread. */
gint64 kc_etcd_store_seen_revision (KcEtcdStore *self);

/* prefix + key.  (transfer full) */
char *kc_etcd_store_full_key (KcEtcdStore *self, const char *key);

/* Compaction: compact(R) compacts etcd at R - 1 and remembers R, refusing
 * reads and watches below R itself.  etcd drops, at its compaction
 * revision, the tombstones and the previous values that a watch from that
 * revision needs (a DELETE at R, prev_kv of events at R); compacting one
 * revision lower keeps them.  Any thread. */
void kc_etcd_store_note_compaction (KcEtcdStore *self, gint64 revision);
/* TRUE (and the compaction revision in @out_compacted) when @revision (> 0)
 * is below this instance's compaction. */
gboolean kc_etcd_store_is_compacted (KcEtcdStore *self, gint64 revision,
                                     gint64 *out_compacted);

/* ---- reads and writes (etcd-kv.c) ------------------------------------------- */

void kc_etcd_get_async (KcEtcdStore *self, const char *key, gint64 revision,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
KcStoreKv *kc_etcd_get_finish (GAsyncResult *result, gint64 *out_revision,
                               GError **error);
void kc_etcd_range_async (KcEtcdStore *self, const KcStoreRange *range,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
KcStoreRangeResult *kc_etcd_range_finish (GAsyncResult *result,
                                          GError **error);

typedef enum
{
  KC_ETCD_OP_CREATE,
  KC_ETCD_OP_UPDATE,
  KC_ETCD_OP_DELETE,
} KcEtcdOpKind;

/* create/update/delete as one etcd txn.  @arg is the lease for a create,
 * the expected mod_revision otherwise. */
void kc_etcd_write_async (KcEtcdStore *self, KcEtcdOpKind kind,
                          const char *key, GBytes *value, gint64 arg,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
gint64 kc_etcd_write_finish (GAsyncResult *result, KcStoreKv **out_kv,
                             GError **error);

void kc_etcd_compact_async (KcEtcdStore *self, gint64 revision,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);

/* ---- leases (etcd-lease.c) ------------------------------------------------- */

void kc_etcd_lease_grant_async (KcEtcdStore *self, gint64 ttl,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
void kc_etcd_lease_keepalive_async (KcEtcdStore *self, gint64 lease,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
void kc_etcd_lease_revoke_async (KcEtcdStore *self, gint64 lease,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
/* The gint64 result of compact, grant, keepalive and revoke; 0 on error. */
gint64 kc_etcd_int_finish (GAsyncResult *result, GError **error);

/* ---- watches (etcd-watch.c) ----------------------------------------------- */

KcEtcdWatchHub *kc_etcd_watch_hub_new (KcEtcdStore *self);
/* Cancels every watch still open (their destroy notifies run), frees. */
void kc_etcd_watch_hub_free (KcEtcdWatchHub *hub);
KcStoreWatch *kc_etcd_watch_start (KcEtcdWatchHub *hub, const char *prefix,
                                   gint64 start_revision,
                                   KcStoreWatchFunc func, gpointer user_data,
                                   GDestroyNotify destroy);
void kc_etcd_watch_cancel (KcEtcdWatchHub *hub, KcStoreWatch *watch);

G_END_DECLS
