/* What keeps one client from starving the others: a cap on requests in
 * flight (429 with Retry-After beyond it), a deadline per request (504
 * Timeout), and the closing of keep-alive connections left idle.  Watches
 * and pods/log are long-running and neither counted nor timed.  Internal;
 * main thread only. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _KcApiLimits KcApiLimits;
typedef struct _KcApiRequest KcApiRequest;

/* kube-apiserver's defaults. */
#define KC_API_DEFAULT_MAX_INFLIGHT 400
#define KC_API_DEFAULT_REQUEST_TIMEOUT_S 60
#define KC_API_DEFAULT_IDLE_TIMEOUT_S 120

/* Watches @server's connections for idleness.  (transfer full) */
KcApiLimits *kc_api_limits_new (SoupServer *server);
void kc_api_limits_free (KcApiLimits *limits);
/* At shutdown: shuts every client connection down and runs the main
 * context (the thread's default) until libsoup has let go of them, for at
 * most @timeout_ms.  Without it the connections of requests in flight
 * would outlive the server. */
void kc_api_limits_close_connections (KcApiLimits *limits,
                                      guint timeout_ms);
void kc_api_limits_configure (KcApiLimits *limits, guint max_inflight,
                              guint request_timeout_s, guint idle_timeout_s);

/* Admits @req (routed, verb known): TRUE to go on; FALSE after replying
 * 429 TooManyRequests (the caller frees @req). */
gboolean kc_api_limits_admit (KcApiLimits *limits, KcApiRequest *req);
/* @req is done: its slot is free.  Any request, admitted or not. */
void kc_api_limits_release (KcApiLimits *limits, KcApiRequest *req);
/* Requests in flight now: reads (GET, LIST) or writes. */
guint kc_api_limits_inflight (KcApiLimits *limits, gboolean mutating);

G_END_DECLS
