/* Request limits and idle connections (see api-limits.h). */
#define _GNU_SOURCE 1 /* POLLRDHUP */
#include "build-config.h"

#include "api-limits.h"

#include "api-server.h"
#include <string.h>
#include <poll.h>

typedef struct
{
  KcApiLimits *limits;
  GSocket *socket;     /* not a ref: a weak reference removes the entry */
  gboolean waiting;    /* for the next request's first bytes */
  gint64 since;        /* ... since then (monotonic, µs) */
  gboolean closed;
  gint64 gone_since;   /* the client's end was seen closed (0: not) */
} Conn;

struct _KcApiLimits
{
  SoupServer *server;
  guint max_inflight;
  gint64 request_timeout_us;
  gint64 idle_timeout_us;
  GQueue inflight;     /* of KcApiRequest*, oldest first (links in them) */
  guint mutating;      /* how many of them write */
  GHashTable *conns;   /* GSocket* -> Conn* */
  gulong started_handler, read_handler, finished_handler;
  guint sweep_source;
};

static gboolean
is_mutating (KcApiRequest *req)
{
  return req->verb != KC_API_VERB_GET && req->verb != KC_API_VERB_LIST;
}

static JsonNode *
failure_status (guint code, const char *reason, const char *message,
                gint64 retry_after)
{
  JsonObject *status = json_object_new ();
  json_object_set_string_member (status, "kind", "Status");
  json_object_set_string_member (status, "apiVersion", "v1");
  json_object_set_object_member (status, "metadata", json_object_new ());
  json_object_set_string_member (status, "status", "Failure");
  json_object_set_string_member (status, "message", message);
  json_object_set_string_member (status, "reason", reason);
  JsonObject *details = json_object_new ();
  if (retry_after > 0)
    json_object_set_int_member (details, "retryAfterSeconds", retry_after);
  json_object_set_object_member (status, "details", details);
  json_object_set_int_member (status, "code", code);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, status);
  return node;
}

/* "1m0s", "5s": how Go prints the durations in Kubernetes' messages. */
static char *
go_duration (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", seconds);
  if (seconds < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%" G_GINT64_FORMAT "s",
                            seconds / 60, seconds % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "h%" G_GINT64_FORMAT
                          "m%" G_GINT64_FORMAT "s",
                          seconds / 3600, seconds / 60 % 60, seconds % 60);
}

/* The client gets its 504 now; the handler still runs to its end and
 * then only frees the request (kc_api_request_reply checks timed_out). */
static void
time_out (KcApiLimits *limits, KcApiRequest *req)
{
  g_autofree char *within = go_duration (limits->request_timeout_us
                                         / G_USEC_PER_SEC);
  g_autofree char *message = g_strdup_printf (
      "Timeout: request did not complete within %s", within);
  g_autoptr (JsonNode) status = failure_status (SOUP_STATUS_GATEWAY_TIMEOUT,
                                                "Timeout", message, 0);
  g_message ("%s %s: no answer after %s; replied 504 Timeout", req->method,
             g_uri_get_path (soup_server_message_get_uri (req->msg)), within);
  kc_api_limits_release (limits, req);
  req->timed_out = TRUE;
  kc_api_reply_json (req->msg, SOUP_STATUS_GATEWAY_TIMEOUT, status);
  soup_server_message_unpause (req->msg);
}

static void
close_idle (gpointer key, gpointer value, gpointer data)
{
  Conn *conn = value;
  KcApiLimits *limits = data;
  gint64 now = g_get_monotonic_time ();
  if (!conn->waiting || conn->closed
      || now - conn->since < limits->idle_timeout_us)
    return;
  /* Both directions: libsoup's pending read sees the end and lets the
   * connection go. */
  conn->closed = TRUE;
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
}

/* TRUE when the client closed its end (or we shut it down), even with
 * bytes still unread (a TLS client's close_notify). */
static gboolean
peer_gone (GSocket *socket)
{
  if (g_socket_is_closed (socket))
    return TRUE;
  struct pollfd p = { .fd = g_socket_get_fd (socket), .events = POLLRDHUP };
  return poll (&p, 1, 0) == 1
         && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* libsoup 3.2 (Debian 12) keeps a reference to the socket of every idle
 * connection its client closes (fixed in 3.3.0, libsoup commit d20c6601):
 * without help every kubectl call would leave one descriptor open.  A
 * connection waiting for a request whose client is gone is dropped by
 * libsoup at once; one still here two sweeps later is such a leftover.
 * Its socket is released: unreferenced when only that leaked reference
 * holds it, else closed (the descriptor at least comes back). */
typedef struct
{
  GPtrArray *sockets;
  gint64 min_age_us; /* how long the client must have been gone */
} Leftovers;

static void
find_leftover (gpointer key, gpointer value, gpointer data)
{
  Conn *conn = value;
  Leftovers *found = data;
  if (!conn->waiting || !peer_gone (conn->socket))
    {
      conn->gone_since = 0;
      return;
    }
  gint64 now = g_get_monotonic_time ();
  if (conn->gone_since == 0)
    conn->gone_since = now;
  if (now - conn->gone_since >= found->min_age_us)
    g_ptr_array_add (found->sockets, conn->socket);
}

static void on_socket_gone (gpointer data, GObject *gone);

static void
release_leftovers (KcApiLimits *limits, gint64 min_age_us)
{
  g_autoptr (GPtrArray) sockets = g_ptr_array_new ();
  Leftovers found = { sockets, min_age_us };
  g_hash_table_foreach (limits->conns, find_leftover, &found);
  for (guint i = 0; i < sockets->len; i++)
    {
      GSocket *socket = sockets->pdata[i];
      if (G_OBJECT (socket)->ref_count == 1)
        {
          g_object_unref (socket); /* on_socket_gone forgets it */
          continue;
        }
      g_socket_close (socket, NULL);
      g_object_weak_unref (G_OBJECT (socket), on_socket_gone, limits);
      g_hash_table_remove (limits->conns, socket);
    }
}

static gboolean
on_sweep (gpointer data)
{
  KcApiLimits *limits = data;
  gint64 now = g_get_monotonic_time ();
  KcApiRequest *oldest;
  while ((oldest = g_queue_peek_head (&limits->inflight))
         && now - oldest->started_us >= limits->request_timeout_us)
    time_out (limits, oldest);
  g_hash_table_foreach (limits->conns, close_idle, limits);
  release_leftovers (limits, 2 * G_USEC_PER_SEC);
  return G_SOURCE_CONTINUE;
}

static void
on_socket_gone (gpointer data, GObject *gone)
{
  KcApiLimits *limits = data;
  g_hash_table_remove (limits->conns, gone);
}

static Conn *
conn_of (KcApiLimits *limits, SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  if (socket == NULL)
    return NULL;
  Conn *conn = g_hash_table_lookup (limits->conns, socket);
  if (conn == NULL)
    {
      conn = g_new0 (Conn, 1);
      conn->limits = limits;
      conn->socket = socket;
      g_object_weak_ref (G_OBJECT (socket), on_socket_gone, limits);
      g_hash_table_insert (limits->conns, socket, conn);
    }
  return conn;
}

/* A connection starts waiting for a request when it opens and after each
 * response (libsoup may start the next message only when its first bytes
 * come, hence request-finished too); it is busy from the request's
 * headers to its response (a watch stays busy), so only connections
 * waiting are ever closed. */
static void
on_request_started (SoupServer *server, SoupServerMessage *msg,
                    gpointer data)
{
  Conn *conn = conn_of (data, msg);
  if (conn)
    {
      conn->waiting = TRUE;
      conn->since = g_get_monotonic_time ();
    }
}

static void
on_request_read (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  Conn *conn = conn_of (data, msg);
  if (conn)
    conn->waiting = FALSE;
}

KcApiLimits *
kc_api_limits_new (SoupServer *server)
{
  KcApiLimits *limits = g_new0 (KcApiLimits, 1);
  limits->server = server;
  g_queue_init (&limits->inflight);
  limits->conns = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  kc_api_limits_configure (limits, KC_API_DEFAULT_MAX_INFLIGHT,
                           KC_API_DEFAULT_REQUEST_TIMEOUT_S,
                           KC_API_DEFAULT_IDLE_TIMEOUT_S);
  limits->started_handler = g_signal_connect (
      server, "request-started", G_CALLBACK (on_request_started), limits);
  limits->read_handler = g_signal_connect (
      server, "request-read", G_CALLBACK (on_request_read), limits);
  limits->finished_handler = g_signal_connect (
      server, "request-finished", G_CALLBACK (on_request_started), limits);
  limits->sweep_source = g_timeout_add_seconds (1, on_sweep, limits);
  return limits;
}

void
kc_api_limits_configure (KcApiLimits *limits, guint max_inflight,
                         guint request_timeout_s, guint idle_timeout_s)
{
  limits->max_inflight = MAX (max_inflight, 1);
  limits->request_timeout_us = (gint64) MAX (request_timeout_s, 1)
                               * G_USEC_PER_SEC;
  limits->idle_timeout_us = (gint64) MAX (idle_timeout_s, 1)
                            * G_USEC_PER_SEC;
}

static void
shut_down (gpointer key, gpointer value, gpointer data)
{
  Conn *conn = value;
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
}

void
kc_api_limits_close_connections (KcApiLimits *limits, guint timeout_ms)
{
  g_hash_table_foreach (limits->conns, shut_down, NULL);
  gint64 deadline = g_get_monotonic_time ()
                    + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  while (g_hash_table_size (limits->conns) > 0
         && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (G_TIME_SPAN_MILLISECOND);
  /* libsoup has had its chance: what is left are its leftovers. */
  release_leftovers (limits, 0);
}

static void
forget_conn (gpointer key, gpointer value, gpointer data)
{
  g_object_weak_unref (G_OBJECT (key), on_socket_gone, data);
}

void
kc_api_limits_free (KcApiLimits *limits)
{
  if (limits == NULL)
    return;
  g_source_remove (limits->sweep_source);
  g_signal_handler_disconnect (limits->server, limits->started_handler);
  g_signal_handler_disconnect (limits->server, limits->read_handler);
  g_signal_handler_disconnect (limits->server, limits->finished_handler);
  g_hash_table_foreach (limits->conns, forget_conn, limits);
  g_hash_table_unref (limits->conns);
  /* Requests still in flight keep their (now unused) links. */
  while (g_queue_pop_head_link (&limits->inflight))
    ;
  g_free (limits);
}

gboolean
kc_api_limits_admit (KcApiLimits *limits, KcApiRequest *req)
{
  if (req->verb == KC_API_VERB_WATCH || req->verb == KC_API_VERB_CONNECT)
    return TRUE;
  if (limits->inflight.length >= limits->max_inflight)
    {
      g_autoptr (JsonNode) status = failure_status (
          429, "TooManyRequests", "Too many requests, please try again later.",
          1);
      kc_api_reply_json (req->msg, 429, status);
      soup_message_headers_replace (
          soup_server_message_get_response_headers (req->msg), "Retry-After",
          "1");
      return FALSE;
    }
  req->inflight_link.data = req;
  g_queue_push_tail_link (&limits->inflight, &req->inflight_link);
  req->admitted = TRUE;
  if (is_mutating (req))
    limits->mutating++;
  return TRUE;
}

void
kc_api_limits_release (KcApiLimits *limits, KcApiRequest *req)
{
  if (limits == NULL || !req->admitted)
    return;
  req->admitted = FALSE;
  g_queue_unlink (&limits->inflight, &req->inflight_link);
  if (is_mutating (req))
    limits->mutating--;
}

guint
kc_api_limits_inflight (KcApiLimits *limits, gboolean mutating)
{
  return mutating ? limits->mutating
                  : limits->inflight.length - limits->mutating;
}
