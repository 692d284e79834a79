/* The etcd HTTP client: libcurl's multi interface driven by a GMainContext
 * of its own, run by one private thread.  No thread waits on a request:
 * curl's sockets and timer become GSources of that context
 * (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), and connections are
 * kept in the multi handle's cache and reused.
 *
 * Failover: the client talks to one endpoint at a time.  A connection
 * failure, or an etcd answer saying its member cannot serve now ("no
 * leader"...), moves it to the next endpoint, and the request is sent again
 * if that is safe: always for idempotent requests; a write only when etcd
 * answered that it did not execute it ("no leader"), otherwise the caller
 * learns that the write may have been applied (etcd-kv.c reads it back).  Retries stop at the request
 * timeout; the last failure is reported, naming the endpoint. */
#include "build-config.h"

#include <curl/curl.h>
#include <glib-unix.h>
#include <string.h>

#include "etcd-store.h"

struct _KcEtcdClient
{
  const KcHost *host;
  char **endpoints;
  guint n_endpoints;
  guint current;  /* index of the endpoint in use; client thread only */
  char *ca_file, *cert_file, *key_file;
  gint64 request_timeout_ms;
  gint64 dial_timeout_ms;

  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  CURLM *multi;
  GSource *timer;
  GHashTable *calls; /* KcEtcdCall* in flight (or waiting to retry) */
};

struct _KcEtcdCall
{
  KcEtcdClient *client;
  char *path;
  char *body;
  KcEtcdRetry retry;
  gboolean stream;
  KcEtcdReplyFunc func;
  KcEtcdLineFunc on_line;
  gpointer data;

  CURL *easy;
  struct curl_slist *headers;
  GString *buf;
  guint endpoint;       /* index used by the current attempt */
  guint attempts;
  gint64 deadline;      /* monotonic; retries stop there */
  GSource *retry_source;
  gboolean in_write;    /* inside curl's write callback */
  gboolean cancelled;
  char errbuf[CURL_ERROR_SIZE];
};

static void attempt_start (KcEtcdCall *call);

/* ---- calls ------------------------------------------------------------------ */

static void
call_free (KcEtcdCall *call)
{
  if (call->retry_source)
    {
      g_source_destroy (call->retry_source);
      g_source_unref (call->retry_source);
    }
  g_hash_table_remove (call->client->calls, call);
  g_free (call->path);
  g_free (call->body);
  if (call->buf)
    g_string_free (call->buf, TRUE);
  g_free (call);
}

static void
easy_release (KcEtcdCall *call)
{
  if (call->easy == NULL)
    return;
  curl_multi_remove_handle (call->client->multi, call->easy);
  curl_easy_cleanup (call->easy);
  curl_slist_free_all (call->headers);
  call->easy = NULL;
  call->headers = NULL;
}

static const char *
call_endpoint (KcEtcdCall *call)
{
  return call->client->endpoints[call->endpoint];
}

/* Ends @call with @root or @error and frees it. */
static void
call_finish (KcEtcdCall *call, JsonNode *root, GError *error,
             gboolean maybe_applied)
{
  easy_release (call);
  if (!call->cancelled && call->func)
    call->func (root, error, maybe_applied, call->data);
  if (error)
    g_error_free (error);
  call_free (call);
}

static void
split_lines (KcEtcdCall *call)
{
  char *nl;
  while (!call->cancelled && (nl = memchr (call->buf->str, '\n',
                                           call->buf->len)) != NULL)
    {
      gsize len = nl - call->buf->str;
      if (len > 0)
        {
          g_autoptr (JsonParser) parser = json_parser_new ();
          if (json_parser_load_from_data (parser, call->buf->str, len, NULL))
            call->on_line (json_parser_get_root (parser), call->data);
          else
            kc_host_warning (call->client->host,
                             "etcd %s%s: unparsable stream line ignored",
                             call_endpoint (call), call->path);
        }
      g_string_erase (call->buf, 0, len + 1);
    }
}

static size_t
on_write (char *ptr, size_t size, size_t nmemb, void *data)
{
  KcEtcdCall *call = data;
  gsize n = size * nmemb;
  if (call->cancelled)
    return 0;
  g_string_append_len (call->buf, ptr, n);
  if (call->stream)
    {
      long status = 0;
      curl_easy_getinfo (call->easy, CURLINFO_RESPONSE_CODE, &status);
      if (status == 200)
        {
          call->in_write = TRUE;
          split_lines (call);
          call->in_write = FALSE;
        }
    }
  /* 0 aborts the transfer; kc_etcd_client_cancel() then frees the call
   * once curl has let go of it. */
  return call->cancelled ? 0 : n;
}

/* ---- retry decisions --------------------------------------------------------- */

static void
advance_endpoint (KcEtcdCall *call)
{
  KcEtcdClient *client = call->client;
  if (client->current == call->endpoint)
    {
      client->current = (client->current + 1) % client->n_endpoints;
      if (client->n_endpoints > 1)
        kc_host_info (client->host, "etcd: moving from %s to %s",
                      call_endpoint (call),
                      client->endpoints[client->current]);
    }
}

static gboolean
retry_cb (gpointer data)
{
  KcEtcdCall *call = data;
  g_source_unref (call->retry_source);
  call->retry_source = NULL;
  attempt_start (call);
  return G_SOURCE_REMOVE;
}

/* Schedules another attempt on the next endpoint if time is left: at once
 * while endpoints remain untried in this round, after a pause once all
 * were tried.  FALSE when the deadline passed. */
static gboolean
retry_later (KcEtcdCall *call)
{
  advance_endpoint (call);
  guint delay_ms = call->attempts % call->client->n_endpoints == 0
                       ? MIN (50u * call->attempts, 500u)
                       : 0;
  if (g_get_monotonic_time () + delay_ms * 1000 >= call->deadline)
    return FALSE;
  easy_release (call);
  call->retry_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (call->retry_source, retry_cb, call, NULL);
  g_source_attach (call->retry_source, call->client->context);
  return TRUE;
}

/* etcd messages saying this member cannot serve the request now. */
static gboolean
etcd_unavailable (const char *message, gboolean *maybe_applied)
{
  static const char *const not_applied[] = {
    "etcdserver: no leader", "etcdserver: too many requests",
    "etcdserver: not capable", NULL,
  };
  static const char *const unknown[] = {
    "etcdserver: leader changed", "etcdserver: request timed out",
    "etcdserver: server stopped", NULL,
  };
  for (guint i = 0; not_applied[i]; i++)
    if (g_str_has_prefix (message, not_applied[i]))
      {
        *maybe_applied = FALSE;
        return TRUE;
      }
  for (guint i = 0; unknown[i]; i++)
    if (g_str_has_prefix (message, unknown[i]))
      {
        *maybe_applied = TRUE;
        return TRUE;
      }
  return FALSE;
}

static const char *
tls_hint (KcEtcdCall *call, CURLcode code)
{
  if (!g_str_has_prefix (call_endpoint (call), "https:"))
    return code == CURLE_GOT_NOTHING
               ? " (if this etcd serves TLS, write the endpoint as https://"
                 " and set ca-file)"
               : "";
  if (code == CURLE_PEER_FAILED_VERIFICATION)
    return " (the server's certificate is not trusted: set ca-file to the "
           "CA that signed it)";
  /* With TLS 1.3 an etcd refusing a missing client certificate shows as
   * an alert, or just as a connection cut right after the handshake. */
  gboolean cut = (code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR
                  || code == CURLE_GOT_NOTHING)
                 && call->client->cert_file == NULL;
  if (cut || strstr (call->errbuf, "alert")
      || strstr (call->errbuf, "certificate") || strstr (call->errbuf, "SSL")
      || code == CURLE_SSL_CONNECT_ERROR)
    return " (TLS handshake failed: check the ca-file, cert-file and "
           "key-file options; an etcd started with --client-cert-auth "
           "needs cert-file and key-file)";
  return "";
}

static void
done_transport_error (KcEtcdCall *call, CURLcode code)
{
  curl_off_t connect_time = 0;
  curl_easy_getinfo (call->easy, CURLINFO_CONNECT_TIME_T, &connect_time);
  /* Not connected: the request never left.  Except that curl itself
   * sends a request again on a fresh connection when a reused one died
   * without an answer, so a write that failed to connect may have been
   * sent before on the dead connection: only reads are sure. */
  gboolean sent = !(code == CURLE_COULDNT_CONNECT
                    || code == CURLE_COULDNT_RESOLVE_HOST
                    || (code == CURLE_OPERATION_TIMEDOUT
                        && connect_time == 0))
                  || call->retry == KC_ETCD_WRITE;
  gboolean tls = code == CURLE_SSL_CONNECT_ERROR
                 || code == CURLE_PEER_FAILED_VERIFICATION
                 || code == CURLE_SSL_CERTPROBLEM
                 || code == CURLE_SSL_CACERT_BADFILE;
  GError *error = g_error_new (
      KC_STORE_ERROR, KC_STORE_ERROR_UNAVAILABLE, "etcd %s: %s%s%s%s",
      call_endpoint (call), curl_easy_strerror (code),
      call->errbuf[0] ? ": " : "", call->errbuf, tls_hint (call, code));
  if (call->stream)
    {
      advance_endpoint (call);
      call_finish (call, NULL, error, FALSE);
      return;
    }
  if (!tls && (!sent || call->retry == KC_ETCD_IDEMPOTENT)
      && retry_later (call))
    {
      kc_host_debug (call->client->host, "%s; retrying", error->message);
      g_error_free (error);
      return;
    }
  call_finish (call, NULL, error, sent && call->retry == KC_ETCD_WRITE);
}

/* An HTTP answer: 200 with JSON, or etcd's {"error": ..., "code": ...}. */
static void
done_http (KcEtcdCall *call, long status)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gboolean parsed = json_parser_load_from_data (parser, call->buf->str,
                                                call->buf->len, NULL);
  JsonNode *root = parsed ? json_parser_get_root (parser) : NULL;
  if (status == 200 && root && JSON_NODE_HOLDS_OBJECT (root))
    {
      call_finish (call, root, NULL, FALSE);
      return;
    }
  g_autofree char *message = NULL;
  if (root && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *o = json_node_get_object (root);
      const char *m = json_object_get_string_member_with_default (
          o, "error", NULL);
      if (m == NULL)
        m = json_object_get_string_member_with_default (o, "message", NULL);
      message = g_strdup (m);
    }
  if (message == NULL)
    message = g_strdup_printf ("HTTP %ld: %.200s", status, call->buf->str);
  g_strchomp (message);

  gboolean maybe_applied = FALSE;
  if (etcd_unavailable (message, &maybe_applied))
    {
      if ((call->retry == KC_ETCD_IDEMPOTENT || !maybe_applied)
          && !call->stream && retry_later (call))
        {
          kc_host_debug (call->client->host, "etcd %s: %s; retrying",
                         call_endpoint (call), message);
          return;
        }
      GError *error = g_error_new (KC_STORE_ERROR,
                                   KC_STORE_ERROR_UNAVAILABLE,
                                   "etcd %s: %s", call_endpoint (call),
                                   message);
      call_finish (call, NULL, error,
                   maybe_applied && call->retry == KC_ETCD_WRITE);
      return;
    }
  call_finish (call, NULL,
               kc_etcd_error_from_etcd (call_endpoint (call), message), FALSE);
}

static void
call_done (KcEtcdCall *call, CURLcode code)
{
  long status = 0;
  curl_easy_getinfo (call->easy, CURLINFO_RESPONSE_CODE, &status);
  if (call->cancelled)
    {
      easy_release (call);
      call_free (call);
      return;
    }
  if (code != CURLE_OK)
    {
      done_transport_error (call, code);
      return;
    }
  if (call->stream && status == 200)
    {
      /* etcd closed the stream (a member stopping, a cancel from etcd). */
      GError *error = g_error_new (KC_STORE_ERROR,
                                   KC_STORE_ERROR_UNAVAILABLE,
                                   "etcd %s: the watch stream ended",
                                   call_endpoint (call));
      call_finish (call, NULL, error, FALSE);
      return;
    }
  done_http (call, status);
}

static void
check_done (KcEtcdClient *client)
{
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read (client->multi, &left)) != NULL)
    {
      if (msg->msg != CURLMSG_DONE)
        continue;
      KcEtcdCall *call = NULL;
      CURL *easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      curl_easy_getinfo (easy, CURLINFO_PRIVATE, (char **) &call);
      call_done (call, code);
    }
}

/* ---- curl <-> GMainContext ---------------------------------------------------- */

static gboolean
on_socket (gint fd, GIOCondition condition, gpointer data)
{
  KcEtcdClient *client = data;
  int action = 0;
  int running = 0;
  if (condition & G_IO_IN)
    action |= CURL_CSELECT_IN;
  if (condition & G_IO_OUT)
    action |= CURL_CSELECT_OUT;
  if (condition & (G_IO_ERR | G_IO_HUP))
    action |= CURL_CSELECT_ERR;
  curl_multi_socket_action (client->multi, fd, action, &running);
  check_done (client);
  return G_SOURCE_CONTINUE;
}

static int
socket_cb (CURL *easy, curl_socket_t fd, int what, void *data,
           void *socket_data)
{
  KcEtcdClient *client = data;
  GSource *old = socket_data;
  if (old)
    {
      g_source_destroy (old);
      g_source_unref (old);
    }
  if (what == CURL_POLL_REMOVE)
    {
      curl_multi_assign (client->multi, fd, NULL);
      return 0;
    }
  GIOCondition cond = G_IO_ERR | G_IO_HUP;
  if (what & CURL_POLL_IN)
    cond |= G_IO_IN;
  if (what & CURL_POLL_OUT)
    cond |= G_IO_OUT;
  GSource *source = g_unix_fd_source_new (fd, cond);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_socket,
                         client, NULL);
  g_source_attach (source, client->context);
  curl_multi_assign (client->multi, fd, source);
  return 0;
}

static gboolean
on_timeout (gpointer data)
{
  KcEtcdClient *client = data;
  int running = 0;
  /* The main loop holds its own reference while this runs. */
  g_source_unref (client->timer);
  client->timer = NULL;
  curl_multi_socket_action (client->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done (client);
  return G_SOURCE_REMOVE;
}

static int
timer_cb (CURLM *multi, long timeout_ms, void *data)
{
  KcEtcdClient *client = data;
  if (client->timer)
    {
      g_source_destroy (client->timer);
      g_source_unref (client->timer);
      client->timer = NULL;
    }
  if (timeout_ms < 0)
    return 0;
  client->timer = g_timeout_source_new ((guint) timeout_ms);
  g_source_set_callback (client->timer, on_timeout, client, NULL);
  g_source_attach (client->timer, client->context);
  return 0;
}

/* ---- attempts ------------------------------------------------------------------- */

static void
attempt_start (KcEtcdCall *call)
{
  KcEtcdClient *client = call->client;
  call->endpoint = client->current;
  call->attempts++;
  call->errbuf[0] = '\0';
  g_string_truncate (call->buf, 0);
  g_autofree char *url = g_strconcat (call_endpoint (call), call->path,
                                      NULL);
  CURL *easy = curl_easy_init ();
  call->easy = easy;
  call->headers = curl_slist_append (NULL,
                                     "Content-Type: application/json");
  curl_easy_setopt (easy, CURLOPT_URL, url);
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, call->headers);
  curl_easy_setopt (easy, CURLOPT_POSTFIELDS, call->body);
  curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE,
                    (curl_off_t) strlen (call->body));
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, call);
  curl_easy_setopt (easy, CURLOPT_PRIVATE, call);
  curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, call->errbuf);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS,
                    (long) client->dial_timeout_ms);
  if (call->stream)
    {
      curl_easy_setopt (easy, CURLOPT_TCP_KEEPALIVE, 1L);
      curl_easy_setopt (easy, CURLOPT_TCP_KEEPIDLE, 10L);
      curl_easy_setopt (easy, CURLOPT_TCP_KEEPINTVL, 5L);
    }
  else
    curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS,
                      (long) client->request_timeout_ms);
  /* No "Expect: 100-continue" round trip for large bodies. */
  call->headers = curl_slist_append (call->headers, "Expect:");
  if (client->ca_file)
    curl_easy_setopt (easy, CURLOPT_CAINFO, client->ca_file);
  if (client->cert_file)
    curl_easy_setopt (easy, CURLOPT_SSLCERT, client->cert_file);
  if (client->key_file)
    curl_easy_setopt (easy, CURLOPT_SSLKEY, client->key_file);
  CURLMcode mc = curl_multi_add_handle (client->multi, easy);
  if (mc != CURLM_OK)
    call_finish (call, NULL,
                 g_error_new (KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                              "etcd %s: cannot start a request: %s",
                              call_endpoint (call),
                              curl_multi_strerror (mc)),
                 FALSE);
}

static KcEtcdCall *
call_new (KcEtcdClient *client, const char *path, char *body,
          KcEtcdRetry retry, KcEtcdReplyFunc func, gpointer data)
{
  KcEtcdCall *call = g_new0 (KcEtcdCall, 1);
  call->client = client;
  call->path = g_strdup (path);
  call->body = body;
  call->retry = retry;
  call->func = func;
  call->data = data;
  call->buf = g_string_new (NULL);
  return call;
}

/* Runs @func in the client thread, later, even when called from it: never
 * in the calling thread (g_main_context_invoke() would, before the client
 * thread has acquired its context). */
void
kc_etcd_client_post (KcEtcdClient *client, GSourceFunc func, gpointer data)
{
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, client->context);
  g_source_unref (source);
}

static gboolean
call_start_cb (gpointer data)
{
  KcEtcdCall *call = data;
  g_hash_table_add (call->client->calls, call);
  call->deadline = g_get_monotonic_time ()
                   + call->client->request_timeout_ms * 1000;
  attempt_start (call);
  return G_SOURCE_REMOVE;
}

void
kc_etcd_client_call (KcEtcdClient *client, const char *path, char *body,
                     KcEtcdRetry retry, KcEtcdReplyFunc func, gpointer data)
{
  KcEtcdCall *call = call_new (client, path, body, retry, func, data);
  kc_etcd_client_post (client, call_start_cb, call);
}

KcEtcdCall *
kc_etcd_client_stream (KcEtcdClient *client, const char *path, char *body,
                       KcEtcdLineFunc on_line, KcEtcdReplyFunc on_end,
                       gpointer data)
{
  KcEtcdCall *call = call_new (client, path, body, KC_ETCD_IDEMPOTENT,
                               on_end, data);
  call->stream = TRUE;
  call->on_line = on_line;
  g_hash_table_add (client->calls, call);
  call->deadline = G_MAXINT64;
  attempt_start (call);
  return call;
}

void
kc_etcd_client_cancel (KcEtcdClient *client, KcEtcdCall *call)
{
  call->cancelled = TRUE;
  /* Inside curl's write callback curl still uses the handle: the callback
   * returns 0 and call_done() frees the call. */
  if (call->in_write)
    return;
  easy_release (call);
  call_free (call);
}

/* ---- the client ------------------------------------------------------------------ */

static gpointer
client_thread (gpointer data)
{
  KcEtcdClient *client = data;
  g_main_context_push_thread_default (client->context);
  g_main_loop_run (client->loop);
  g_main_context_pop_thread_default (client->context);
  return NULL;
}

static gboolean
check_file (const char *what, const char *path, GError **error)
{
  if (path == NULL || g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
               "etcd store: %s %s: no such file", what, path);
  return FALSE;
}

static char *
normalize_endpoint (const char *endpoint, gboolean tls)
{
  g_autofree char *e = g_strstrip (g_strdup (endpoint));
  gsize len = strlen (e);
  while (len > 0 && e[len - 1] == '/')
    e[--len] = '\0';
  if (strstr (e, "://") != NULL)
    return g_steal_pointer (&e);
  return g_strconcat (tls ? "https://" : "http://", e, NULL);
}

KcEtcdClient *
kc_etcd_client_new (const KcEtcdClientOptions *options, const KcHost *host,
                    GError **error)
{
  static gsize curl_ready;
  if (!check_file ("ca-file", options->ca_file, error)
      || !check_file ("cert-file", options->cert_file, error)
      || !check_file ("key-file", options->key_file, error))
    return NULL;
  if ((options->cert_file == NULL) != (options->key_file == NULL))
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "etcd store: cert-file and key-file go together: set "
                   "both or neither");
      return NULL;
    }
  guint n = options->endpoints ? g_strv_length (options->endpoints) : 0;
  if (n == 0)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "etcd store: no endpoints");
      return NULL;
    }
  if (g_once_init_enter (&curl_ready))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_ready, 1);
    }

  KcEtcdClient *client = g_new0 (KcEtcdClient, 1);
  gboolean tls = options->ca_file || options->cert_file;
  client->host = host;
  client->n_endpoints = n;
  client->endpoints = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    client->endpoints[i] = normalize_endpoint (options->endpoints[i], tls);
  client->ca_file = g_strdup (options->ca_file);
  client->cert_file = g_strdup (options->cert_file);
  client->key_file = g_strdup (options->key_file);
  client->request_timeout_ms = options->request_timeout_ms;
  client->dial_timeout_ms = options->dial_timeout_ms;
  client->calls = g_hash_table_new (NULL, NULL);
  client->context = g_main_context_new ();
  client->loop = g_main_loop_new (client->context, FALSE);
  client->multi = curl_multi_init ();
  curl_multi_setopt (client->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt (client->multi, CURLMOPT_SOCKETDATA, client);
  curl_multi_setopt (client->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt (client->multi, CURLMOPT_TIMERDATA, client);
  /* Keep enough idle connections for a burst of concurrent requests. */
  curl_multi_setopt (client->multi, CURLMOPT_MAXCONNECTS, 128L);
  client->thread = g_thread_new ("etcd-client", client_thread, client);
  return client;
}

static gboolean
quit_cb (gpointer data)
{
  KcEtcdClient *client = data;
  /* Calls still pending are dropped: nobody waits for them any more. */
  GList *calls = g_hash_table_get_keys (client->calls);
  for (GList *l = calls; l; l = l->next)
    kc_etcd_client_cancel (client, l->data);
  g_list_free (calls);
  if (client->timer)
    {
      g_source_destroy (client->timer);
      g_clear_pointer (&client->timer, g_source_unref);
    }
  g_main_loop_quit (client->loop);
  return G_SOURCE_REMOVE;
}

void
kc_etcd_client_free (KcEtcdClient *client)
{
  if (client == NULL)
    return;
  kc_etcd_client_post (client, quit_cb, client);
  g_thread_join (client->thread);
  /* Cleaning up the multi handle closes the cached connections; their
   * socket sources go with the context. */
  curl_multi_cleanup (client->multi);
  if (client->timer)
    {
      g_source_destroy (client->timer);
      g_source_unref (client->timer);
    }
  g_main_loop_unref (client->loop);
  g_main_context_unref (client->context);
  g_hash_table_unref (client->calls);
  g_strfreev (client->endpoints);
  g_free (client->ca_file);
  g_free (client->cert_file);
  g_free (client->key_file);
  g_free (client);
}

GMainContext *
kc_etcd_client_get_context (KcEtcdClient *client)
{
  return client->context;
}

const KcHost *
kc_etcd_client_get_host (KcEtcdClient *client)
{
  return client->host;
}
