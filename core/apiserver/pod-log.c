/* pods/log, proxied to the kubelet as kube-apiserver does it: the pod's
 * container is checked (Kubernetes' wording), the pod's node read for the
 * kubelet's address (InternalIP, else Hostname, else ExternalIP) and port
 * (status.daemonEndpoints.kubeletEndpoint.Port), then
 *
 *   GET http://ADDRESS:PORT/containerLogs/NS/NAME/CONTAINER?QUERY
 *
 * goes out through an asynchronous SoupSession and its body is copied to
 * the client chunk by chunk as it arrives, the next read waiting until the
 * last chunk was written (a slow client slows the kubelet, nothing piles
 * up here).  An error answer of the kubelet becomes a Status with its
 * code; an unreachable kubelet a 503 naming the node and the address.  A
 * client that goes away cancels the upstream request. */
#include "build-config.h"

#include "pod-log.h"

#include <string.h>

/* The kubelet answers the headers at once; one that does not within this
 * long is not going to (an address nobody routes hangs in connect). */
#define HEADERS_TIMEOUT_S 10
#define READ_BYTES 16384
/* The error text of a kubelet is a line; more is not read. */
#define MAX_ERROR_BYTES 65536

typedef struct
{
  KcApiRequest *req;
  char *node;
  char *container;
  char *query;             /* "?follow=true&..." or "" */
  char *endpoint;          /* "ADDRESS:PORT", for messages */
  SoupMessage *upstream;
  GInputStream *body;
  GCancellable *cancellable;
  GByteArray *error_text;  /* the body of an error answer */
  guint upstream_status;
  guint timeout_source;
  gulong finished_id, wrote_id;
  gboolean busy;           /* an upstream operation is in flight */
  gboolean streaming;      /* the client has the 200 headers */
  gboolean want_read;      /* read again once the last chunk is written */
  gboolean finished;       /* the client's response is done or gone */
} PodLog;

/* One SoupSession for the process's kubelet connections: many log streams
 * at once go to one kcore-sim, so no per-host connection cap. */
static SoupSession *
kubelet_session (void)
{
  static SoupSession *session;
  if (session == NULL)
    {
      session = soup_session_new_with_options (
          "max-conns", 4096, "max-conns-per-host", 4096, "timeout", 0,
          "user-agent", "kcore-apiserver", NULL);
      /* Never through an http_proxy of the environment. */
      soup_session_set_proxy_resolver (session, NULL);
    }
  return session;
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n)
                 && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

/* ---- Which container -------------------------------------------------- */

/* The names in @containers, space separated.  Transfer full. */
static char *
container_names (JsonArray *containers)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; containers && i < json_array_get_length (containers); i++)
    {
      JsonNode *c = json_array_get_element (containers, i);
      const char *name = JSON_NODE_HOLDS_OBJECT (c)
                             ? member_string (json_node_get_object (c),
                                              "name")
                             : NULL;
      if (name == NULL)
        continue;
      if (s->len)
        g_string_append_c (s, ' ');
      g_string_append (s, name);
    }
  return g_string_free (s, FALSE);
}

static gboolean
has_container (JsonArray *containers, const char *name)
{
  for (guint i = 0; containers && i < json_array_get_length (containers); i++)
    {
      JsonNode *c = json_array_get_element (containers, i);
      if (JSON_NODE_HOLDS_OBJECT (c)
          && g_strcmp0 (member_string (json_node_get_object (c), "name"),
                        name)
                 == 0)
        return TRUE;
    }
  return FALSE;
}

/* The container the request reads, as kube-apiserver's validateContainer
 * picks it: the one asked for if the pod has it, else the pod's only
 * container.  Transfer full; NULL with a 400 in @error. */
static char *
choose_container (KcApiRequest *req, JsonObject *spec, GError **error)
{
  const char *asked = kc_api_request_query (req, "container");
  JsonArray *containers = member_array (spec, "containers");
  JsonArray *init = member_array (spec, "initContainers");
  JsonArray *ephemeral = member_array (spec, "ephemeralContainers");
  guint n = containers ? json_array_get_length (containers) : 0;

  if (asked && *asked)
    {
      if (has_container (containers, asked) || has_container (init, asked)
          || has_container (ephemeral, asked))
        return g_strdup (asked);
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "container %s is not valid for pod %s", asked, req->name);
      return NULL;
    }
  if (n == 1)
    return container_names (containers);
  if (n == 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "a container name must be specified for pod %s",
                   req->name);
      return NULL;
    }
  g_autofree char *names = container_names (containers);
  g_autofree char *init_names = container_names (init);
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
               "a container name must be specified for pod %s, choose one "
               "of: [%s]%s%s%s",
               req->name, names, *init_names ? " or one of the init "
                                               "containers: ["
                                             : "",
               init_names, *init_names ? "]" : "");
  return NULL;
}

/* ---- The kubelet's address ---------------------------------------------- */

static const char *
node_address (JsonObject *status, const char *type)
{
  JsonArray *addresses = member_array (status, "addresses");
  for (guint i = 0; addresses && i < json_array_get_length (addresses); i++)
    {
      JsonNode *a = json_array_get_element (addresses, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (a) ? json_node_get_object (a)
                                                  : NULL;
      const char *address = member_string (o, "address");
      if (g_strcmp0 (member_string (o, "type"), type) == 0 && address
          && *address)
        return address;
    }
  return NULL;
}

static gint64
kubelet_port (JsonObject *status)
{
  JsonObject *endpoint = member_object (member_object (status,
                                                       "daemonEndpoints"),
                                        "kubeletEndpoint");
  JsonNode *port = endpoint ? json_object_get_member (endpoint, "Port")
                            : NULL;
  return port && JSON_NODE_HOLDS_VALUE (port)
                 && json_node_get_value_type (port) == G_TYPE_INT64
             ? json_node_get_int (port)
             : 0;
}

/* The kubelet's query: the log options of the request, passed through.
 * FALSE with a 400 when a number is not one. */
static gboolean
kubelet_query (KcApiRequest *req, GString *out, GError **error)
{
  static const char *const flags[] = { "follow", "timestamps", "previous",
                                       NULL };
  static const char *const numbers[] = { "tailLines", "limitBytes",
                                         "sinceSeconds", NULL };
  char sep = '?';
  for (guint i = 0; flags[i]; i++)
    if (kc_api_request_query_bool (req, flags[i]))
      {
        g_string_append_printf (out, "%c%s=true", sep, flags[i]);
        sep = '&';
      }
  for (guint i = 0; numbers[i]; i++)
    {
      const char *v = kc_api_request_query (req, numbers[i]);
      gint64 n = 0;
      if (v == NULL || *v == '\0')
        continue;
      if (!g_ascii_string_to_signed (v, 10, 0, G_MAXINT64, &n, NULL))
        {
          g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                       "%s=%s: expected a number of 0 or more", numbers[i],
                       v);
          return FALSE;
        }
      g_string_append_printf (out, "%c%s=%" G_GINT64_FORMAT, sep, numbers[i],
                              n);
      sep = '&';
    }
  const char *since_time = kc_api_request_query (req, "sinceTime");
  if (since_time && *since_time)
    {
      g_autofree char *escaped = g_uri_escape_string (since_time, NULL,
                                                      FALSE);
      g_string_append_printf (out, "%csinceTime=%s", sep, escaped);
    }
  return TRUE;
}

/* ---- The proxy ----------------------------------------------------------- */

static void
pod_log_free (PodLog *p)
{
  if (p->timeout_source)
    g_source_remove (p->timeout_source);
  if (p->finished_id)
    g_signal_handler_disconnect (p->req->msg, p->finished_id);
  if (p->wrote_id)
    g_signal_handler_disconnect (p->req->msg, p->wrote_id);
  g_clear_object (&p->body);
  g_clear_object (&p->upstream);
  g_clear_object (&p->cancellable);
  g_clear_pointer (&p->error_text, g_byte_array_unref);
  g_free (p->node);
  g_free (p->container);
  g_free (p->query);
  g_free (p->endpoint);
  if (p->req)
    kc_api_request_free (p->req);
  g_free (p);
}

/* Ends the request with @error (before any byte of the log was sent). */
static void
pod_log_fail (PodLog *p, const GError *error)
{
  KcApiRequest *req = g_steal_pointer (&p->req);
  if (p->finished_id)
    g_signal_handler_disconnect (req->msg, p->finished_id);
  if (p->wrote_id)
    g_signal_handler_disconnect (req->msg, p->wrote_id);
  p->finished_id = p->wrote_id = 0;
  kc_api_request_fail (req, error);
  p->finished = TRUE;
}

/* The upstream operation in flight came back: FALSE when the client went
 * away meanwhile (and @p is freed). */
static gboolean
pod_log_settle (PodLog *p)
{
  p->busy = FALSE;
  if (p->finished)
    {
      pod_log_free (p);
      return FALSE;
    }
  return TRUE;
}

/* The kubelet's body ended: so does the client's. */
static void
stream_end (PodLog *p)
{
  soup_message_body_complete (
      soup_server_message_get_response_body (p->req->msg));
  soup_server_message_unpause (p->req->msg);
}

static void read_more (PodLog *p);

static void
fail_upstream (PodLog *p)
{
  gsize len = p->error_text->len;
  g_autofree char *text = g_strndup ((const char *) p->error_text->data, len);
  g_strstrip (text);
  KcApiError code = p->upstream_status == 400   ? KC_API_ERROR_BAD_REQUEST
                    : p->upstream_status == 404 ? KC_API_ERROR_NOT_FOUND
                    : p->upstream_status == 503 ? KC_API_ERROR_UNAVAILABLE
                                                : KC_API_ERROR_INTERNAL;
  g_autoptr (GError) error = NULL;
  if (*text)
    error = g_error_new (KC_API_ERROR, code, "%s", text);
  else
    error = g_error_new (KC_API_ERROR, code,
                         "the kubelet of node \"%s\" at %s answered HTTP %u",
                         p->node, p->endpoint, p->upstream_status);
  pod_log_fail (p, error);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer data)
{
  PodLog *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (
      G_INPUT_STREAM (source), result, &error);
  if (!pod_log_settle (p))
    return;
  gsize len = bytes ? g_bytes_get_size (bytes) : 0;
  if (!p->streaming)
    {
      /* The body of an error answer. */
      if (len > 0 && p->error_text->len < MAX_ERROR_BYTES)
        {
          g_byte_array_append (p->error_text, g_bytes_get_data (bytes, NULL),
                               (guint) len);
          read_more (p);
          return;
        }
      fail_upstream (p);
      pod_log_free (p);
      return;
    }
  if (bytes == NULL || len == 0)
    {
      /* The end of the log (the container exited, or the kubelet went
       * away mid-stream: the client sees the log end either way). */
      if (error)
        g_message ("pods/log %s/%s: the kubelet of node %s at %s: %s",
                   p->req->ns, p->req->name, p->node, p->endpoint,
                   error->message);
      stream_end (p);
      return;
    }
  p->want_read = TRUE;
  soup_message_body_append_bytes (
      soup_server_message_get_response_body (p->req->msg), bytes);
  soup_server_message_unpause (p->req->msg);
}

static void
read_more (PodLog *p)
{
  p->busy = TRUE;
  g_input_stream_read_bytes_async (p->body, READ_BYTES, G_PRIORITY_DEFAULT,
                                   p->cancellable, on_read, p);
}

static void
on_wrote_chunk (SoupServerMessage *msg, gpointer data)
{
  PodLog *p = data;
  if (p->want_read && !p->busy && !p->finished)
    {
      p->want_read = FALSE;
      read_more (p);
    }
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  PodLog *p = data;
  p->finished = TRUE;
  g_signal_handler_disconnect (msg, p->finished_id);
  g_signal_handler_disconnect (msg, p->wrote_id);
  p->finished_id = p->wrote_id = 0;
  if (p->busy)
    g_cancellable_cancel (p->cancellable);  /* frees it when it returns */
  else
    pod_log_free (p);
}

/* The kubelet's headers: a 200 starts the client's chunked 200. */
static void
start_streaming (PodLog *p)
{
  SoupServerMessage *msg = p->req->msg;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *type = soup_message_headers_get_content_type (
      soup_message_get_response_headers (p->upstream), NULL);
  p->streaming = TRUE;
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, type ? type : "text/plain",
                                         NULL);
  soup_message_body_set_accumulate (
      soup_server_message_get_response_body (msg), FALSE);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_unpause (msg);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  PodLog *p = data;
  g_autoptr (GError) error = NULL;
  GInputStream *body = soup_session_send_finish (SOUP_SESSION (source),
                                                 result, &error);
  if (p->timeout_source)
    {
      g_source_remove (p->timeout_source);
      p->timeout_source = 0;
    }
  if (!pod_log_settle (p))
    {
      g_clear_object (&body);
      return;
    }
  if (body == NULL)
    {
      g_autoptr (GError) api_error = NULL;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        api_error = g_error_new (
            KC_API_ERROR, KC_API_ERROR_UNAVAILABLE,
            "the kubelet of node \"%s\" at %s did not answer within %d s",
            p->node, p->endpoint, HEADERS_TIMEOUT_S);
      else
        api_error = g_error_new (
            KC_API_ERROR, KC_API_ERROR_UNAVAILABLE,
            "cannot reach the kubelet of node \"%s\" at %s: %s (is the "
            "node's agent or kcore-sim running?)",
            p->node, p->endpoint, error->message);
      pod_log_fail (p, api_error);
      pod_log_free (p);
      return;
    }
  p->body = body;
  p->upstream_status = soup_message_get_status (p->upstream);
  if (p->upstream_status >= 200 && p->upstream_status < 300)
    start_streaming (p);
  else
    p->error_text = g_byte_array_new ();
  read_more (p);
}

static gboolean
on_headers_timeout (gpointer data)
{
  PodLog *p = data;
  p->timeout_source = 0;
  g_cancellable_cancel (p->cancellable);
  return G_SOURCE_REMOVE;
}

static void
start_upstream (PodLog *p, const char *url)
{
  g_autoptr (GError) error = NULL;
  p->upstream = soup_message_new ("GET", url);
  if (p->upstream == NULL)
    {
      error = g_error_new (KC_API_ERROR, KC_API_ERROR_UNAVAILABLE,
                           "node \"%s\" reports a kubelet address that makes "
                           "no URL: %s", p->node, url);
      pod_log_fail (p, error);
      pod_log_free (p);
      return;
    }
  p->busy = TRUE;
  p->timeout_source = g_timeout_add_seconds (HEADERS_TIMEOUT_S,
                                             on_headers_timeout, p);
  soup_session_send_async (kubelet_session (), p->upstream,
                           G_PRIORITY_DEFAULT, p->cancellable, on_sent, p);
}

static void
on_node (GObject *source, GAsyncResult *result, gpointer data)
{
  PodLog *p = data;
  KcApi *api = p->req->api;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = api->vt->get_finish (api->store, result, NULL,
                                                  &error);
  if (!pod_log_settle (p))
    return;
  g_autoptr (JsonNode) node = kv ? kc_object_decode (kv->value,
                                                     kv->mod_revision,
                                                     &error)
                                 : NULL;
  g_autoptr (GError) api_error = NULL;
  if (node == NULL)
    {
      if (g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND))
        kc_api_set_not_found (&api_error, kc_resource_find ("", "v1", "nodes"),
                              p->node);
      else
        api_error = g_error_new (KC_API_ERROR, KC_API_ERROR_INTERNAL,
                                 "reading node \"%s\" of pod \"%s\": %s",
                                 p->node, p->req->name, error->message);
      pod_log_fail (p, api_error);
      pod_log_free (p);
      return;
    }
  JsonObject *status = member_object (json_node_get_object (node), "status");
  const char *address = node_address (status, "InternalIP");
  if (address == NULL)
    address = node_address (status, "Hostname");
  if (address == NULL)
    address = node_address (status, "ExternalIP");
  gint64 port = kubelet_port (status);
  if (address == NULL || port <= 0 || port > 65535)
    {
      api_error = g_error_new (
          KC_API_ERROR, KC_API_ERROR_UNAVAILABLE,
          "node \"%s\" of pod \"%s\" reports no kubelet %s (status.%s), so "
          "its logs cannot be read; is its agent (or kcore-sim) running?",
          p->node, p->req->name, address ? "port" : "address",
          address ? "daemonEndpoints.kubeletEndpoint.Port" : "addresses");
      pod_log_fail (p, api_error);
      pod_log_free (p);
      return;
    }
  gboolean v6 = strchr (address, ':') != NULL;
  p->endpoint = g_strdup_printf ("%s%s%s:%" G_GINT64_FORMAT, v6 ? "[" : "",
                                 address, v6 ? "]" : "", port);
  g_autofree char *ns = g_uri_escape_string (p->req->ns, NULL, FALSE);
  g_autofree char *name = g_uri_escape_string (p->req->name, NULL, FALSE);
  g_autofree char *container = g_uri_escape_string (p->container, NULL,
                                                    FALSE);
  g_autofree char *url = g_strdup_printf (
      "http://%s/containerLogs/%s/%s/%s%s", p->endpoint, ns, name, container,
      p->query);
  g_debug ("pods/log %s/%s: GET %s", p->req->ns, p->req->name, url);
  start_upstream (p, url);
}

void
kc_api_pod_log_proxy (KcApiRequest *req)
{
  JsonObject *pod = json_node_get_object (req->current);
  JsonObject *spec = member_object (pod, "spec");
  g_autoptr (GError) error = NULL;
  g_autofree char *container = choose_container (req, spec, &error);
  if (container == NULL)
    {
      kc_api_request_fail (req, error);
      return;
    }
  const char *node = member_string (spec, "nodeName");
  if (node == NULL || *node == '\0')
    {
      error = g_error_new (KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                           "pod %s does not have a host assigned", req->name);
      kc_api_request_fail (req, error);
      return;
    }
  g_autoptr (GString) query = g_string_new (NULL);
  if (!kubelet_query (req, query, &error))
    {
      kc_api_request_fail (req, error);
      return;
    }

  PodLog *p = g_new0 (PodLog, 1);
  p->req = req;
  p->node = g_strdup (node);
  p->container = g_steal_pointer (&container);
  p->query = g_strdup (query->str);
  p->cancellable = g_cancellable_new ();
  /* From now on a client that goes away cancels what is in flight. */
  p->finished_id = g_signal_connect (req->msg, "finished",
                                     G_CALLBACK (on_finished), p);
  p->wrote_id = g_signal_connect (req->msg, "wrote-chunk",
                                  G_CALLBACK (on_wrote_chunk), p);
  g_autofree char *key = kc_resource_key (kc_resource_find ("", "v1",
                                                            "nodes"),
                                          NULL, node);
  p->busy = TRUE;
  req->api->vt->get_async (req->api->store, key, 0, p->cancellable, on_node,
                           p);
}
