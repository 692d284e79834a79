/* Routing of the Kubernetes REST API (see api-server.h): paths to
 * resources, methods to verbs, bodies to JSON, and the request's life. */
#include "build-config.h"

#include "api-server.h"
#include "patch.h"

#include <string.h>

/* Kubernetes refuses bodies above 3 MiB. */
#define MAX_BODY_BYTES (3 * 1024 * 1024)

const char *
kc_api_request_query (KcApiRequest *req, const char *name)
{
  return req->query ? g_hash_table_lookup (req->query, name) : NULL;
}

gboolean
kc_api_request_query_bool (KcApiRequest *req, const char *name)
{
  const char *v = kc_api_request_query (req, name);
  return v && (g_ascii_strcasecmp (v, "true") == 0 || strcmp (v, "1") == 0);
}

void
kc_api_request_free (KcApiRequest *req)
{
  kc_api_limits_release (req->api->limits, req);
  kc_api_metrics_request_done (req->api->metrics, req->verb, req->resource,
                               soup_server_message_get_status (req->msg),
                               req->started_us);
  g_clear_object (&req->msg);
  g_free (req->ns);
  g_free (req->name);
  g_free (req->subresource);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->body, json_node_unref);
  g_clear_pointer (&req->original, json_node_unref);
  g_clear_pointer (&req->options, json_node_unref);
  g_clear_pointer (&req->current, json_node_unref);
  g_clear_pointer (&req->written, g_bytes_unref);
  g_free (req);
}

void
kc_api_request_reply (KcApiRequest *req, guint status, JsonNode *node)
{
  if (req->timed_out) /* the client has its 504 */
    {
      kc_api_request_free (req);
      return;
    }
  kc_api_reply_json (req->msg, status, node);
  soup_server_message_unpause (req->msg);
  kc_api_request_free (req);
}

void
kc_api_request_reply_text (KcApiRequest *req, guint status, GBytes *json)
{
  if (!req->timed_out)
    {
      gsize len = 0;
      const char *text = g_bytes_get_data (json, &len);
      soup_server_message_set_status (req->msg, status, NULL);
      soup_server_message_set_response (req->msg, "application/json",
                                        SOUP_MEMORY_COPY, text, len);
      soup_server_message_unpause (req->msg);
    }
  kc_api_request_free (req);
}

void
kc_api_request_fail (KcApiRequest *req, const GError *error)
{
  if (req->timed_out)
    {
      kc_api_request_free (req);
      return;
    }
  if (kc_api_error_http_status (error) >= 500)
    g_warning ("%s %s: %s", req->method,
               g_uri_get_path (soup_server_message_get_uri (req->msg)),
               error->message);
  kc_api_reply_error (req->msg, error, req->resource, req->name);
  soup_server_message_unpause (req->msg);
  kc_api_request_free (req);
}

static void
reply_not_found (SoupServerMessage *msg)
{
  g_autoptr (GError) error = g_error_new_literal (
      KC_API_ERROR, KC_API_ERROR_NOT_FOUND,
      "the server could not find the requested resource");
  kc_api_reply_error (msg, error, NULL, NULL);
}

/* Splits /api/v1/... or /apis/G/V/... into the request's resource,
 * namespace, name and subresource.  FALSE for a path that names none. */
static gboolean
route (KcApiRequest *req, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);
  const char *group, *version;
  guint i;

  /* parts[0] is "" (the leading slash). */
  if (n >= 3 && strcmp (parts[1], "api") == 0)
    group = "", version = parts[2], i = 3;
  else if (n >= 4 && strcmp (parts[1], "apis") == 0)
    group = parts[2], version = parts[3], i = 4;
  else
    return FALSE;
  if (n > i && n - 1 == i && parts[i][0] == '\0')
    return FALSE; /* trailing slash only */
  if (i < n && strcmp (parts[i], "watch") == 0)
    req->watch = TRUE, i++;

  guint left = n - i;
  for (guint j = i; j < n; j++)
    if (parts[j][0] == '\0')
      return FALSE;

  const KcResource *nested = NULL;
  if (left >= 3 && strcmp (parts[i], "namespaces") == 0)
    nested = kc_resource_find (group, version, parts[i + 2]);
  if (nested && nested->namespaced)
    {
      req->ns = g_strdup (parts[i + 1]);
      i += 2, left -= 2;
    }
  if (left < 1 || left > 3)
    return FALSE;
  req->resource = kc_resource_find (group, version, parts[i]);
  if (req->resource == NULL)
    return FALSE;
  if (left >= 2)
    req->name = g_strdup (parts[i + 1]);
  if (left == 3)
    req->subresource = g_strdup (parts[i + 2]);
  return TRUE;
}

static gboolean
read_body (KcApiRequest *req, GError **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  gsize len = g_bytes_get_size (bytes);
  const char *ct = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (req->msg), NULL);

  if (len == 0)
    return TRUE;
  if (len > MAX_BODY_BYTES)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_TOO_LARGE,
                   "the request body is %" G_GSIZE_FORMAT
                   " bytes, more than the %d allowed",
                   len, MAX_BODY_BYTES);
      return FALSE;
    }
  /* kubectl 1.20 sends some bodies without a Content-Type: JSON. */
  if (ct && !g_str_has_prefix (ct, "application/json")
      && !g_str_has_suffix (ct, "+json"))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_UNSUPPORTED_MEDIA,
                   "the body of the request was in an unknown format (%s) - "
                   "accepted media types include: application/json",
                   ct);
      return FALSE;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!kc_json_check_depth (g_bytes_get_data (bytes, NULL), len, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) len, &local))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the request body is not valid JSON: %s", local->message);
      return FALSE;
    }
  req->body = json_parser_steal_root (parser);
  return TRUE;
}

static void
dispatch (KcApiRequest *req)
{
  const char *m = req->method;
  gboolean collection = req->name == NULL;
  gboolean has_body = req->body != NULL;

  if (strcmp (m, "GET") == 0 && req->subresource
      && strcmp (req->subresource, "log") == 0
      && (req->resource->flags & KC_RESOURCE_HAS_LOG))
    {
      kc_api_pod_log (req);
      return;
    }
  if (strcmp (m, "GET") == 0)
    {
      if (req->watch || (collection && kc_api_request_query_bool (req,
                                                                  "watch")))
        kc_api_watch (req);
      else if (collection)
        kc_api_list (req);
      else
        kc_api_get (req);
      return;
    }
  if (strcmp (m, "DELETE") == 0)
    {
      if (collection)
        kc_api_delete_collection (req);
      else
        kc_api_delete (req);
      return;
    }

  if (!has_body && (strcmp (m, "POST") == 0 || strcmp (m, "PUT") == 0
                    || strcmp (m, "PATCH") == 0))
    {
      g_autoptr (GError) error = g_error_new_literal (
          KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
          "the request body is empty; expected a JSON object");
      kc_api_request_fail (req, error);
      return;
    }
  if (strcmp (m, "POST") == 0 && collection)
    kc_api_create (req);
  else if (strcmp (m, "POST") == 0 && req->subresource
           && strcmp (req->subresource, "binding") == 0
           && (req->resource->flags & KC_RESOURCE_HAS_BINDING))
    kc_api_bind (req);
  else if (strcmp (m, "PUT") == 0 && !collection)
    kc_api_update (req);
  else if (strcmp (m, "PATCH") == 0 && !collection)
    kc_api_patch (req);
  else
    {
      g_autoptr (GError) error = g_error_new (
          KC_API_ERROR, KC_API_ERROR_METHOD_NOT_ALLOWED,
          "the server does not allow this method on the requested resource "
          "(%s %s)",
          m, collection ? "a collection" : "an object");
      kc_api_request_fail (req, error);
    }
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
            GHashTable *query, gpointer data)
{
  KcApi *api = data;
  g_autoptr (GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  if (kc_api_discovery_handle (msg, path))
    {
      kc_api_metrics_request_done (api->metrics, KC_API_VERB_GET, NULL,
                                   soup_server_message_get_status (msg),
                                   started);
      return;
    }

  KcApiRequest *req = g_new0 (KcApiRequest, 1);
  req->api = api;
  req->msg = g_object_ref (msg);
  req->method = soup_server_message_get_method (msg);
  req->started_us = started;
  if (query)
    req->query = g_hash_table_ref (query);
  gboolean routed = route (req, path);
  req->verb = kc_api_metrics_verb (
      req->method, req->name == NULL,
      req->watch || (req->name == NULL
                     && kc_api_request_query_bool (req, "watch")),
      req->subresource);
  if (!routed)
    {
      reply_not_found (msg);
      kc_api_request_free (req);
      return;
    }
  /* Namespaced objects are reached through their namespace. */
  if (req->resource->namespaced && req->name && req->ns == NULL)
    {
      reply_not_found (msg);
      kc_api_request_free (req);
      return;
    }
  if (!kc_api_limits_admit (api->limits, req))
    {
      kc_api_request_free (req);
      return;
    }
  if (!read_body (req, &error))
    {
      kc_api_reply_error (msg, error, req->resource, req->name);
      kc_api_request_free (req);
      return;
    }
  soup_server_message_pause (msg);
  dispatch (req);
}

/* Runs once a request's headers are in, before its body is read: a
 * request without valid credentials ends here, so an unknown client
 * cannot make the server buffer a body nor reach any handler. */
static void
on_request_headers (SoupServer *server, SoupServerMessage *msg,
                    const char *path, GHashTable *query, gpointer data)
{
  KcApi *api = data;
  if (api->authn)
    kc_authn_check (api->authn, msg);
}

static const char *const api_paths[]
    = { "/api", "/apis", "/version", "/openapi", NULL };

void
kc_api_set_authn (KcApi *api, KcAuthn *authn)
{
  g_clear_pointer (&api->authn, kc_authn_free);
  api->authn = authn;
  /* The default (NULL) handler covers paths nothing serves: they answer
   * 401 rather than telling a stranger what is not there. */
  for (guint i = 0; api_paths[i]; i++)
    soup_server_add_early_handler (api->server, api_paths[i],
                                   on_request_headers, api, NULL);
  soup_server_add_early_handler (api->server, "/metrics", on_request_headers,
                                 api, NULL);
  soup_server_add_early_handler (api->server, NULL, on_request_headers, api,
                                 NULL);
}

KcWatchCache *
kc_api_cache (KcApi *api, const KcResource *resource)
{
  return g_hash_table_lookup (api->caches, resource);
}

GBytes *
kc_api_cached (KcApi *api, const KcResource *resource, const char *key,
               gint64 *revision)
{
  KcWatchCache *cache = kc_api_cache (api, resource);
  return cache ? kc_watch_cache_lookup (cache, key, revision) : NULL;
}

void
kc_api_note_write (KcApi *api, const KcResource *resource, gint64 revision)
{
  gint64 *last = g_hash_table_lookup (api->last_writes, resource);
  if (last == NULL)
    {
      last = g_new0 (gint64, 1);
      g_hash_table_insert (api->last_writes, (gpointer) resource, last);
    }
  *last = MAX (*last, revision);
  api->last_write_any = MAX (api->last_write_any, revision);
}

gint64
kc_api_cache_revision (KcApi *api, const KcResource *resource)
{
  KcWatchCache *cache = kc_api_cache (api, resource);
  return MAX (kc_watch_cache_get_revision (cache), api->last_write_any);
}

gint64
kc_api_last_write (KcApi *api, const KcResource *resource)
{
  gint64 *last = g_hash_table_lookup (api->last_writes, resource);
  return last ? *last : 0;
}

KcApi *
kc_api_new (SoupServer *server, gpointer store, const KcStoreVtable *vt,
            guint window_events)
{
  KcApi *api = g_new0 (KcApi, 1);
  api->metrics = kc_api_metrics_new ();
  api->vt = kc_api_metrics_wrap_store (api->metrics, store, vt, &api->store);
  api->limits = kc_api_limits_new (server);
  api->watch_buffer_bytes = 8 * 1024 * 1024;
  api->server = server;
  api->watches = g_hash_table_new (NULL, NULL);
  api->caches = g_hash_table_new_full (
      NULL, NULL, NULL, (GDestroyNotify) kc_watch_cache_free);
  api->last_writes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (const KcResource *const *r = kc_resource_all (); *r; r++)
    g_hash_table_insert (api->caches, (gpointer) *r,
                         kc_watch_cache_new (*r, api->store, api->vt,
                                             window_events));
  api->max_body_bytes = MAX_BODY_BYTES;
  api->bookmark_interval_s = 60;
  for (guint i = 0; api_paths[i]; i++)
    soup_server_add_handler (server, api_paths[i], on_request, api, NULL);
  soup_server_add_handler (server, "/metrics", kc_api_serve_metrics, api,
                           NULL);
  return api;
}

void
kc_api_free (KcApi *api)
{
  if (api == NULL)
    return;
  kc_api_watch_close_all (api);
  kc_api_limits_close_connections (api->limits, 200);
  for (guint i = 0; api_paths[i]; i++)
    soup_server_remove_handler (api->server, api_paths[i]);
  soup_server_remove_handler (api->server, "/metrics");
  if (api->authn)
    soup_server_remove_handler (api->server, NULL);
  g_clear_pointer (&api->authn, kc_authn_free);
  g_hash_table_unref (api->watches);
  g_hash_table_unref (api->caches);
  g_hash_table_unref (api->last_writes);
  g_clear_pointer (&api->limits, kc_api_limits_free);
  kc_api_metrics_unref (api->metrics);
  g_free (api);
}
