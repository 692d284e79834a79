/* Internals of the API client shared between core/client/ files.  Names use
 * the kcc_ prefix so that libkcore (which exports ^kc_) keeps them local. */
#pragma once

#include <curl/curl.h>
#include "kcore/client.h"

/* ---- rate-limiter.c: token bucket --------------------------------------- */
typedef struct _KccRateLimiter KccRateLimiter;
KccRateLimiter *kcc_rate_limiter_new (double qps, guint burst);
void kcc_rate_limiter_free (KccRateLimiter *limiter);
/* Takes a token; returns how long (µs) the caller must wait before using
 * it (0 = now).  Tokens may go negative, so waiters queue up in order. */
gint64 kcc_rate_limiter_reserve (KccRateLimiter *limiter);

/* ---- curl-loop.c: a CURLM driven by a GMainContext ----------------------- */
typedef struct _KccCurlLoop KccCurlLoop;
typedef void (*KccCurlDoneFunc) (CURL *easy, CURLcode result, gpointer data);
KccCurlLoop *kcc_curl_loop_new (GMainContext *context);
/* Removes (without calling done) every transfer still running. */
void kcc_curl_loop_free (KccCurlLoop *loop);
/* Starts @easy; @done is called once when it ends (from the loop, never
 * from inside a curl callback), unless kcc_curl_loop_remove() came first.
 * @done gets @easy back and must curl_easy_cleanup() it.  kcc_curl_loop_free
 * frees running transfers without calling done. */
void kcc_curl_loop_add (KccCurlLoop *loop, CURL *easy, KccCurlDoneFunc done,
                        gpointer data);
/* Stops @easy and frees it (now, or once curl has returned). */
void kcc_curl_loop_remove (KccCurlLoop *loop, CURL *easy);

/* ---- http-request.c: one API request with rate limit, retries, fail-over */
typedef struct _KccRequest KccRequest;
/* Streaming bodies: called with each chunk of a 2xx response; return FALSE
 * to abort the transfer. */
typedef gboolean (*KccChunkFunc) (const char *data, gsize len,
                                  gpointer user_data);
/* The request ended: @status is the HTTP status (0 if none), @body the
 * (non-streamed) body, @content_type the response's Content-Type (NULL if
 * none), @error a transport error; all borrowed. */
typedef void (*KccDoneFunc) (guint status, GBytes *body,
                             const char *content_type, const GError *error,
                             gpointer user_data);
/* Not called back after kcc_request_cancel().  @accept NULL sends
 * "Accept: application/json". */
KccRequest *kcc_request_start (KcClient *client, const char *method,
                               const char *path_and_query, GBytes *body,
                               const char *content_type, const char *accept,
                               gboolean streaming,
                               KccChunkFunc chunk, KccDoneFunc done,
                               gpointer user_data);
void kcc_request_cancel (KccRequest *request);

/* ---- client.c: what http-request.c needs from the client ----------------- */
typedef struct
{
  char **urls;
  guint n_urls;
  guint current_url;
  char *token, *ca_file, *cert, *key;
  gboolean insecure;
  guint timeout_ms, max_retries;
  KccRateLimiter *limiter;
  KccCurlLoop *curl;
  GMainContext *context;
} KccClientConfig;
KccClientConfig *kcc_client_config (KcClient *client);

/* ---- client-error.c ------------------------------------------------------ */
/* A KC_CLIENT_ERROR from an HTTP status and a body (a Status if it parses). */
GError *kcc_error_from_response (guint status, GBytes *body);
/* A KC_CLIENT_ERROR from a Status object (watch ERROR events). */
GError *kcc_error_from_status (JsonNode *status_obj, guint fallback_code);
GError *kcc_error_new (KcClientError code, guint http_status,
                       const char *reason, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

/* ---- json helpers (object-meta.c) ---------------------------------------- */
GBytes *kcc_json_to_bytes (JsonNode *node);
JsonNode *kcc_json_from_data (const char *data, gsize len, GError **error);
const char *kcc_json_get_string (JsonNode *node, const char *member);
gint64 kcc_rv_to_int (const char *rv);
/* RFC 3339 "2006-01-02T15:04:05.000000Z" for now.  Transfer full. */
char *kcc_now_rfc3339 (gboolean micro);
