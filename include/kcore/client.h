/* kcore API client: HTTP to the API server (libcurl multi interface driven by
 * the GLib main loop), typed helpers for any resource, and watch streams.
 * See docs/client-library.md.
 *
 * Threading: a KcClient belongs to the thread-default GMainContext of the
 * thread that created it ("the client's context").  Call every function
 * below from that thread; every callback and every GAsyncReadyCallback is
 * invoked in that context.  No thread is created per request.
 *
 * Ownership: functions returning JsonNode * return a new reference
 * (transfer full; free with json_node_unref).  Callbacks receive borrowed
 * arguments (transfer none): take a reference to keep them. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ---- Errors ------------------------------------------------------------ */

/* GErrors in this domain carry the API server's Status: the message is the
 * Status message; kc_client_error_get_http_status() and
 * kc_client_error_get_reason() give its HTTP code and reason. */
#define KC_CLIENT_ERROR (kc_client_error_quark ())
GQuark kc_client_error_quark (void);

typedef enum
{
  KC_CLIENT_ERROR_FAILED,             /* other HTTP status / unknown */
  KC_CLIENT_ERROR_NETWORK,            /* no HTTP response (all URLs failed) */
  KC_CLIENT_ERROR_TIMEOUT,            /* request timed out (client side) */
  KC_CLIENT_ERROR_PARSE,              /* response is not the JSON expected */
  KC_CLIENT_ERROR_BAD_REQUEST,        /* 400 BadRequest */
  KC_CLIENT_ERROR_UNAUTHORIZED,       /* 401 */
  KC_CLIENT_ERROR_FORBIDDEN,          /* 403 */
  KC_CLIENT_ERROR_NOT_FOUND,          /* 404 NotFound */
  KC_CLIENT_ERROR_METHOD_NOT_ALLOWED, /* 405 */
  KC_CLIENT_ERROR_ALREADY_EXISTS,     /* 409 reason AlreadyExists */
  KC_CLIENT_ERROR_CONFLICT,           /* 409 reason Conflict (stale RV) */
  KC_CLIENT_ERROR_EXPIRED,            /* 410 Expired/Gone: re-list */
  KC_CLIENT_ERROR_UNSUPPORTED_MEDIA,  /* 415 */
  KC_CLIENT_ERROR_INVALID,            /* 422 Invalid */
  KC_CLIENT_ERROR_TOO_MANY_REQUESTS,  /* 429 */
  KC_CLIENT_ERROR_INTERNAL,           /* 500 */
  KC_CLIENT_ERROR_UNAVAILABLE,        /* 503 */
  KC_CLIENT_ERROR_SERVER_TIMEOUT,     /* 504 */
} KcClientError;

/* HTTP status of a KC_CLIENT_ERROR (0 when there was no HTTP response, or
 * when @error is not a KC_CLIENT_ERROR). */
guint kc_client_error_get_http_status (const GError *error);
/* The Status reason ("NotFound", "Conflict"...) or NULL; owned by @error. */
const char *kc_client_error_get_reason (const GError *error);

/* ---- Resources and options ----------------------------------------------- */

/* Which resource: API group ("" for core), version, plural.  Immutable and
 * reference counted; safe to share between threads. */
typedef struct _KcResource KcResource;

/* Returns a new reference (transfer full). */
KcResource *kc_resource_new (const char *group, const char *version,
                             const char *plural);
KcResource *kc_resource_ref (KcResource *resource);
void kc_resource_unref (KcResource *resource);
/* Borrowed strings, valid as long as @resource. */
const char *kc_resource_get_group (const KcResource *resource);
const char *kc_resource_get_version (const KcResource *resource);
const char *kc_resource_get_plural (const KcResource *resource);
/* The request path, e.g. "/apis/apps/v1/namespaces/ns/deployments/d/scale".
 * @namespace, @name, @subresource may be NULL.  Transfer full. */
char *kc_resource_build_path (const KcResource *resource,
                              const char *namespace, const char *name,
                              const char *subresource);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcResource, kc_resource_unref)

/* Query options of list and watch.  A plain value owned by the caller;
 * the client copies what it needs, so it can be freed right after a call. */
typedef struct _KcListOptions KcListOptions;

KcListOptions *kc_list_options_new (void);
KcListOptions *kc_list_options_copy (const KcListOptions *options);
void kc_list_options_free (KcListOptions *options);
/* Setters copy their string; NULL clears it. */
void kc_list_options_set_label_selector (KcListOptions *o, const char *s);
void kc_list_options_set_field_selector (KcListOptions *o, const char *s);
void kc_list_options_set_limit (KcListOptions *o, gint64 limit);
void kc_list_options_set_continue (KcListOptions *o, const char *token);
void kc_list_options_set_resource_version (KcListOptions *o, const char *rv);
void kc_list_options_set_timeout_seconds (KcListOptions *o, gint64 seconds);
void kc_list_options_set_allow_watch_bookmarks (KcListOptions *o,
                                                gboolean allow);
/* The query string ("labelSelector=...&limit=..."; "" if none), plus
 * "watch=1" when @watch.  Transfer full. */
char *kc_list_options_to_query (const KcListOptions *o, gboolean watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcListOptions, kc_list_options_free)

/* ---- The client ------------------------------------------------------------- */

#define KC_TYPE_CLIENT (kc_client_get_type ())
G_DECLARE_FINAL_TYPE (KcClient, kc_client, KC, CLIENT, GObject)

/* A client for the API servers at @urls (e.g. "http://127.0.0.1:8080"; one
 * or more, tried in order, failing over to the next when one cannot be
 * reached).  Bound to the caller's thread-default main context.  Defaults:
 * QPS 50, burst 100, request timeout 30 s, 5 retries.  Transfer full; NULL
 * with @error set when @urls is empty or a URL is not http(s). */
KcClient *kc_client_new (const char *const *urls, GError **error);

/* Options; call before the first request.  Strings are copied. */
void kc_client_set_bearer_token (KcClient *client, const char *token);
void kc_client_set_ca_file (KcClient *client, const char *path);
void kc_client_set_client_cert (KcClient *client, const char *cert_path,
                                const char *key_path);
/* Do not verify the server's certificate (tests only). */
void kc_client_set_insecure (KcClient *client, gboolean insecure);
/* Token bucket over every request this client sends (watches included):
 * at most @burst at once, refilled at @qps per second.  @qps <= 0 means
 * unlimited. */
void kc_client_set_rate_limit (KcClient *client, double qps, guint burst);
/* Whole-request timeout for non-watch requests; 0 = none. */
void kc_client_set_timeout (KcClient *client, guint timeout_ms);
/* Retries of idempotent requests (GET, PUT, DELETE) after network errors,
 * 429 and 5xx, with exponential back-off from 100 ms up to 5 s.  Requests
 * that were never sent (connection refused) are retried for any method. */
void kc_client_set_max_retries (KcClient *client, guint retries);

/* The URL currently used (borrowed).  */
const char *kc_client_get_current_url (KcClient *client);

/* ---- Requests (GIO style) -------------------------------------------------- */
/* Every *_async below completes in the client's context with @callback;
 * get the result with kc_client_request_finish() (or, for the body as
 * sent, kc_client_request_finish_bytes()).  @cancellable may be NULL.  The
 * operation keeps its own reference to @client. */

typedef enum
{
  KC_PATCH_MERGE,          /* application/merge-patch+json */
  KC_PATCH_JSON,           /* application/json-patch+json */
  KC_PATCH_STRATEGIC,      /* application/strategic-merge-patch+json */
} KcPatchType;

/* Generic: @method ("GET"...), @path_and_query relative to the server URL,
 * @body may be NULL (not consumed: the client serializes it at once). */
void kc_client_request_async (KcClient *client, const char *method,
                              const char *path_and_query, JsonNode *body,
                              const char *content_type,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);

/* The parsed response body (transfer full; for DELETE the returned object
 * or Status), or NULL with @error set: KC_CLIENT_ERROR for API errors and
 * network failures, G_IO_ERROR_CANCELLED when cancelled. */
JsonNode *kc_client_request_finish (KcClient *client, GAsyncResult *result,
                                    GError **error);

/* Like kc_client_request_async(), with the Accept header of this request:
 * @accept NULL sends "Accept: application/json"; e.g.
 * KC_CLIENT_ACCEPT_TABLE asks for a meta.k8s.io/v1 Table, "text/plain,
 * application/json" for a text body (a log).  Finish with either
 * kc_client_request_finish() (the body parsed as JSON) or
 * kc_client_request_finish_bytes() (the body as sent). */
void kc_client_request_full_async (KcClient *client, const char *method,
                                   const char *path_and_query, JsonNode *body,
                                   const char *content_type,
                                   const char *accept,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);

/* The Accept header that asks the API server for a Table, falling back to
 * the plain object from a server that prints no tables. */
#define KC_CLIENT_ACCEPT_TABLE \
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

/* The response body of any request above as the server sent it, without
 * parsing it (transfer full; an empty GBytes for an empty body), and its
 * Content-Type in @out_content_type (may be NULL; transfer full, NULL when
 * the server sent none).  NULL with @error set as kc_client_request_finish()
 * sets it: an error response is still parsed as a Status. */
GBytes *kc_client_request_finish_bytes (KcClient *client,
                                        GAsyncResult *result,
                                        char **out_content_type,
                                        GError **error);

void kc_client_get_async (KcClient *client, const KcResource *resource,
                          const char *namespace, const char *name,
                          const char *subresource, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
/* @namespace NULL lists across namespaces; @options may be NULL. */
void kc_client_list_async (KcClient *client, const KcResource *resource,
                           const char *namespace,
                           const KcListOptions *options,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
/* POST @object to the collection (or to @name/@subresource, e.g. binding,
 * when @name is not NULL). */
void kc_client_create_async (KcClient *client, const KcResource *resource,
                             const char *namespace, const char *name,
                             const char *subresource, JsonNode *object,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
/* PUT: with metadata.resourceVersion set, fails with
 * KC_CLIENT_ERROR_CONFLICT when the object changed meanwhile. */
void kc_client_update_async (KcClient *client, const KcResource *resource,
                             const char *namespace, const char *name,
                             const char *subresource, JsonNode *object,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
void kc_client_patch_async (KcClient *client, const KcResource *resource,
                            const char *namespace, const char *name,
                            const char *subresource, KcPatchType type,
                            JsonNode *patch, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
void kc_client_delete_async (KcClient *client, const KcResource *resource,
                             const char *namespace, const char *name,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);

/* ---- Watch ------------------------------------------------------------------ */

typedef struct _KcWatch KcWatch;

/* One event: @type is "ADDED", "MODIFIED", "DELETED", "BOOKMARK" or
 * "ERROR" (then @object is a Status).  Both borrowed. */
typedef void (*KcWatchEventFunc) (KcWatch *watch, const char *type,
                                  JsonNode *object, gpointer user_data);
/* The stream ended: @error NULL when the server closed it normally
 * (timeoutSeconds), else why (KC_CLIENT_ERROR with the HTTP status when the
 * server refused the watch, e.g. KC_CLIENT_ERROR_EXPIRED).  Not called after
 * kc_watch_stop().  Borrowed. */
typedef void (*KcWatchDoneFunc) (KcWatch *watch, const GError *error,
                                 gpointer user_data);

/* Starts a watch (adds watch=1 to @options' query).  Events are delivered
 * as lines arrive, in the client's context.  Returns the watch (transfer
 * full: the caller owns one reference; dropping the last reference stops
 * the watch too).  @destroy frees @user_data when the watch is freed.
 * The watch keeps a reference to @client. */
KcWatch *kc_client_watch (KcClient *client, const KcResource *resource,
                          const char *namespace, const KcListOptions *options,
                          KcWatchEventFunc on_event, KcWatchDoneFunc on_done,
                          gpointer user_data, GDestroyNotify destroy);
/* Like kc_client_watch(), with the Accept header of the stream (@accept
 * NULL: "application/json").  With KC_CLIENT_ACCEPT_TABLE each event's
 * object is a meta.k8s.io/v1 Table of one row (the first one also carries
 * columnDefinitions); ERROR events still carry a Status. */
KcWatch *kc_client_watch_full (KcClient *client, const KcResource *resource,
                               const char *namespace,
                               const KcListOptions *options,
                               const char *accept, KcWatchEventFunc on_event,
                               KcWatchDoneFunc on_done, gpointer user_data,
                               GDestroyNotify destroy);
/* Ends the stream; no callback is invoked after it returns.  Safe to call
 * from the watch's own callbacks and more than once. */
void kc_watch_stop (KcWatch *watch);
KcWatch *kc_watch_ref (KcWatch *watch);
void kc_watch_unref (KcWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcWatch, kc_watch_unref)

/* ---- Object helpers --------------------------------------------------------- */

/* Borrowed strings from @object's metadata (NULL when absent). */
const char *kc_object_get_namespace (JsonNode *object);
const char *kc_object_get_name (JsonNode *object);
const char *kc_object_get_resource_version (JsonNode *object);
const char *kc_object_get_uid (JsonNode *object);
/* "namespace/name", or "name" for cluster-scoped objects.  Transfer full. */
char *kc_object_get_key (JsonNode *object);

/* Member @name of @object when it has the type asked for, else NULL (also
 * when @object is NULL): for reading objects users wrote, where any field
 * may be missing or of another type.  Borrowed from @object.  Any
 * thread. */
JsonObject *kc_json_get_object (JsonObject *object, const char *name);
JsonArray *kc_json_get_array (JsonObject *object, const char *name);
const char *kc_json_get_string (JsonObject *object, const char *name);

/* ---- Streams ---------------------------------------------------------------- */

/* A streaming GET: the response body is handed over chunk by chunk as it
 * arrives instead of at the end, for bodies that grow while they are read
 * (a followed log: pods/NAME/log?follow=true).  kc_client_watch() is a
 * stream whose chunks are split into watch events. */
typedef struct _KcStream KcStream;

/* A piece of the body of a 2xx response, as it came off the wire (not
 * split at line ends).  Borrowed: g_bytes_ref() it to keep it. */
typedef void (*KcStreamDataFunc) (KcStream *stream, GBytes *chunk,
                                  gpointer user_data);
/* The stream ended: @error NULL when the server ended the body normally;
 * else why: a KC_CLIENT_ERROR from the Status of a non-2xx answer (its
 * HTTP code in kc_client_error_get_http_status(); no data was delivered
 * then), or KC_CLIENT_ERROR_NETWORK when the connection failed or broke
 * off mid-body.  Called once; not called after kc_stream_stop().
 * Borrowed. */
typedef void (*KcStreamDoneFunc) (KcStream *stream, const GError *error,
                                  gpointer user_data);

/* Starts GET @path_and_query (relative to the server URL, e.g.
 * "/api/v1/namespaces/ns/pods/web/log?follow=true") with the Accept header
 * @accept (NULL: "application/json"; e.g. "text/plain" for a log).
 * @on_data (nullable) gets each chunk and @on_done (nullable) the end, in
 * the client's context, as they arrive; no request timeout applies
 * (kc_client_set_timeout() is for whole requests), and the rate limit and
 * the retries of a GET that got no answer or a 5xx before any data apply
 * as to every request.  Returns the stream (transfer full: the caller
 * owns one reference; dropping the last one stops the stream too).
 * @destroy frees @user_data when the stream is freed.  The stream keeps a
 * reference to @client. */
KcStream *kc_client_stream (KcClient *client, const char *path_and_query,
                            const char *accept, KcStreamDataFunc on_data,
                            KcStreamDoneFunc on_done, gpointer user_data,
                            GDestroyNotify destroy);
/* Ends the stream (closing the connection); no callback is invoked after
 * it returns.  Safe to call from the stream's own callbacks and more than
 * once. */
void kc_stream_stop (KcStream *stream);
KcStream *kc_stream_ref (KcStream *stream);
void kc_stream_unref (KcStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcStream, kc_stream_unref)

G_END_DECLS
