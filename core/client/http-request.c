/* One API request: waits for a rate-limiter token, runs on the client's
 * curl loop, fails over to the next API server URL when one cannot be
 * reached, and retries idempotent requests with exponential back-off. */
#include "client-private.h"

struct _KccRequest
{
  KcClient *client;
  KccClientConfig *cfg;
  char *method, *path, *content_type, *accept;
  char *response_type; /* the response's Content-Type */
  GBytes *body;
  gboolean streaming, idempotent;
  KccChunkFunc chunk;
  KccDoneFunc done;
  gpointer user_data;

  guint attempt;
  guint url_index;
  CURL *easy;
  struct curl_slist *headers;
  GByteArray *response;
  GSource *wait;
  gboolean cancelled, aborted;
  guint in_callback;
  char errbuf[CURL_ERROR_SIZE];
};

static void launch (KccRequest *req);

static void
request_free (KccRequest *req)
{
  if (req->wait)
    {
      g_source_destroy (req->wait);
      g_source_unref (req->wait);
    }
  if (req->easy)
    kcc_curl_loop_remove (req->cfg->curl, req->easy);
  g_clear_pointer (&req->headers, curl_slist_free_all);
  g_clear_pointer (&req->response, g_byte_array_unref);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_free (req->method);
  g_free (req->path);
  g_free (req->content_type);
  g_free (req->accept);
  g_free (req->response_type);
  g_object_unref (req->client);
  g_free (req);
}

static gboolean
on_wait_done (gpointer user_data)
{
  KccRequest *req = user_data;
  g_clear_pointer (&req->wait, g_source_unref);
  launch (req);
  return G_SOURCE_REMOVE;
}

/* Waits @delay_us (back-off) plus what the rate limiter asks, then sends. */
static void
schedule (KccRequest *req, gint64 delay_us)
{
  delay_us += kcc_rate_limiter_reserve (req->cfg->limiter);
  if (delay_us <= 0)
    delay_us = 0;
  req->wait = g_timeout_source_new ((guint) ((delay_us + 999) / 1000));
  g_source_set_callback (req->wait, on_wait_done, req, NULL);
  g_source_attach (req->wait, req->cfg->context);
}

static size_t
on_write (char *data, size_t size, size_t nmemb, void *user_data)
{
  KccRequest *req = user_data;
  size_t len = size * nmemb;
  long status = 0;
  if (req->cancelled)
    return 0;
  curl_easy_getinfo (req->easy, CURLINFO_RESPONSE_CODE, &status);
  if (req->streaming && status >= 200 && status < 300)
    {
      req->in_callback++;
      gboolean more = req->chunk (data, len, req->user_data);
      req->in_callback--;
      if (!more || req->cancelled)
        {
          req->aborted = TRUE;
          return 0;
        }
      return len;
    }
  g_byte_array_append (req->response, (const guint8 *) data, (guint) len);
  return len;
}

static gint64
backoff_us (guint attempt)
{
  gint64 d = 100000LL << MIN (attempt, 8);
  d = MIN (d, 5 * G_USEC_PER_SEC);
  return d / 2 + g_random_int_range (0, (gint32) (d / 2) + 1);
}

static void
finish (KccRequest *req, guint status, const GError *error)
{
  g_autoptr (GBytes) body = NULL;
  if (!req->streaming || status < 200 || status >= 300)
    body = g_byte_array_free_to_bytes (g_steal_pointer (&req->response));
  req->done (status, body, req->response_type, error, req->user_data);
  request_free (req);
}

static void
retry (KccRequest *req, gboolean failover, gboolean now)
{
  KccClientConfig *cfg = req->cfg;
  if (failover && cfg->n_urls > 1 && cfg->current_url == req->url_index)
    {
      cfg->current_url = (cfg->current_url + 1) % cfg->n_urls;
      g_debug ("API server %s unreachable; trying %s",
               cfg->urls[req->url_index], cfg->urls[cfg->current_url]);
    }
  req->attempt++;
  schedule (req, now ? 0 : backoff_us (req->attempt));
}

static void
on_curl_done (CURL *easy, CURLcode result, gpointer user_data)
{
  KccRequest *req = user_data;
  long status = 0;
  long sent = 0;
  const char *type = NULL;
  curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo (easy, CURLINFO_REQUEST_SIZE, &sent);
  curl_easy_getinfo (easy, CURLINFO_CONTENT_TYPE, &type);
  g_free (req->response_type);
  req->response_type = g_strdup (type);
  curl_easy_cleanup (easy);
  req->easy = NULL;
  g_clear_pointer (&req->headers, curl_slist_free_all);
  if (req->cancelled)
    {
      request_free (req);
      return;
    }
  gboolean retries_left = req->attempt < req->cfg->max_retries;
  if (result != CURLE_OK && !req->aborted)
    {
      gboolean never_sent = sent == 0 && status == 0;
      /* A request the server never saw can be repeated, whatever it is;
       * the first try on the next URL goes at once. */
      if (never_sent && retries_left)
        {
          retry (req, TRUE, req->cfg->n_urls > 1
                              && (req->attempt + 1) % req->cfg->n_urls != 0);
          return;
        }
      if (req->idempotent && !req->streaming && retries_left)
        {
          retry (req, TRUE, FALSE);
          return;
        }
      g_autoptr (GError) error = NULL;
      error = kcc_error_new (result == CURLE_OPERATION_TIMEDOUT
                               ? KC_CLIENT_ERROR_TIMEOUT
                               : KC_CLIENT_ERROR_NETWORK, 0, NULL,
                             "%s %s%s: %s", req->method,
                             req->cfg->urls[req->url_index], req->path,
                             req->errbuf[0] ? req->errbuf
                                            : curl_easy_strerror (result));
      finish (req, 0, error);
      return;
    }
  if ((status == 429 || status == 500 || status == 502 || status == 503)
      && req->idempotent && retries_left)
    {
      retry (req, status != 429, FALSE);
      return;
    }
  finish (req, (guint) status, NULL);
}

static void
launch (KccRequest *req)
{
  KccClientConfig *cfg = req->cfg;
  CURL *easy = curl_easy_init ();
  req->url_index = cfg->current_url;
  g_autofree char *url = g_strconcat (cfg->urls[req->url_index], req->path,
                                      NULL);
  g_clear_pointer (&req->response, g_byte_array_unref);
  req->response = g_byte_array_new ();
  req->errbuf[0] = 0;
  req->aborted = FALSE;

  curl_easy_setopt (easy, CURLOPT_URL, url);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, req->errbuf);
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, req);
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  if (!req->streaming && cfg->timeout_ms)
    curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, (long) cfg->timeout_ms);
  if (g_strcmp0 (req->method, "GET") != 0)
    curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, req->method);
  if (req->body)
    {
      gsize len;
      const char *data = g_bytes_get_data (req->body, &len);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, data);
    }
  g_autofree char *accept = g_strdup_printf ("Accept: %s",
                                             req->accept ? req->accept
                                                         : "application/json");
  req->headers = curl_slist_append (NULL, accept);
  req->headers = curl_slist_append (req->headers, "Expect:");
  if (req->content_type)
    {
      g_autofree char *h = g_strdup_printf ("Content-Type: %s",
                                            req->content_type);
      req->headers = curl_slist_append (req->headers, h);
    }
  if (cfg->token)
    {
      g_autofree char *h = g_strdup_printf ("Authorization: Bearer %s",
                                            cfg->token);
      req->headers = curl_slist_append (req->headers, h);
    }
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, req->headers);
  if (cfg->ca_file)
    curl_easy_setopt (easy, CURLOPT_CAINFO, cfg->ca_file);
  if (cfg->cert)
    curl_easy_setopt (easy, CURLOPT_SSLCERT, cfg->cert);
  if (cfg->key)
    curl_easy_setopt (easy, CURLOPT_SSLKEY, cfg->key);
  if (cfg->insecure)
    {
      curl_easy_setopt (easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  req->easy = easy;
  kcc_curl_loop_add (cfg->curl, easy, on_curl_done, req);
}

KccRequest *
kcc_request_start (KcClient *client, const char *method,
                   const char *path_and_query, GBytes *body,
                   const char *content_type, const char *accept,
                   gboolean streaming, KccChunkFunc chunk, KccDoneFunc done, gpointer user_data)
{
  KccRequest *req = g_new0 (KccRequest, 1);
  req->client = g_object_ref (client);
  req->cfg = kcc_client_config (client);
  req->method = g_strdup (method);
  req->path = g_strdup (path_and_query);
  req->body = body ? g_bytes_ref (body) : NULL;
  req->content_type = g_strdup (content_type);
  req->accept = g_strdup (accept);
  req->streaming = streaming;
  req->idempotent = g_str_equal (method, "GET") || g_str_equal (method, "PUT")
                    || g_str_equal (method, "DELETE")
                    || g_str_equal (method, "HEAD");
  req->chunk = chunk;
  req->done = done;
  req->user_data = user_data;
  schedule (req, 0);
  return req;
}

void
kcc_request_cancel (KccRequest *req)
{
  if (req->in_callback)
    {
      /* on_write returns 0; on_curl_done then frees the request. */
      req->cancelled = TRUE;
      return;
    }
  request_free (req);
}
