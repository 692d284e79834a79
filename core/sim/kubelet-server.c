/* The kubelet endpoint of kcore-sim's nodes: one HTTP server (libsoup) for
 * every node of the process, as KWOK serves its nodes from one controller
 * address.  The nodes report its host as their InternalIP and its port as
 * status.daemonEndpoints.kubeletEndpoint.Port, so an API server reaches
 * it for pods/log exactly as it reaches a kubelet.  It serves
 *
 *   GET /containerLogs/NAMESPACE/POD/CONTAINER
 *       ?follow=&tailLines=&timestamps=&previous=&limitBytes=&sinceSeconds=
 *
 * (the kubelet's API; pod-log.c writes the logs).  Errors are text, as
 * the kubelet writes them. */
#include "build-config.h"

#include "sim.h"

#include <string.h>

#define CONTAINER_LOGS "/containerLogs/"

gboolean
sim_kubelet_listen_parse (const char *text, char **host, guint *port,
                          GError **error)
{
  const char *colon = text ? strrchr (text, ':') : NULL;
  g_autofree char *h = NULL;
  guint64 p = 0;

  if (colon == NULL || colon == text)
    goto bad;
  h = g_strndup (text, (gsize) (colon - text));
  if (h[0] == '[' && h[strlen (h) - 1] == ']')
    {
      char *inner = g_strndup (h + 1, strlen (h) - 2);
      g_free (h);
      h = inner;
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    goto bad;
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (h);
  if (address == NULL)
    goto bad;
  if (g_inet_address_get_is_any (address))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--kubelet-listen \"%s\": the nodes report this host as "
                   "their InternalIP, so it must be an address the API server "
                   "can reach (e.g. 127.0.0.1:0 or 10.0.0.5:10250), not a "
                   "wildcard", text);
      return FALSE;
    }
  *host = g_steal_pointer (&h);
  *port = (guint) p;
  return TRUE;

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--kubelet-listen \"%s\": expected IP:PORT (e.g. "
               "127.0.0.1:10250; port 0 picks a free one)",
               text ? text : "");
  return FALSE;
}

static void
reply_text (SoupServerMessage *msg, guint status, const char *text)
{
  g_autofree char *body = g_strconcat (text, "\n", NULL);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
                                    SOUP_MEMORY_COPY, body, strlen (body));
}

/* A query integer of at least @min; @fallback when absent.  FALSE (and a
 * 400 already set on @msg) when it is not one. */
static gboolean
query_int (SoupServerMessage *msg, GHashTable *query, const char *name,
           gint64 min, gint64 fallback, gint64 *out)
{
  const char *v = query ? g_hash_table_lookup (query, name) : NULL;
  gint64 n = 0;
  *out = fallback;
  if (v == NULL || *v == '\0')
    return TRUE;
  if (!g_ascii_string_to_signed (v, 10, min, G_MAXINT64, &n, NULL))
    {
      g_autofree char *text = g_strdup_printf (
          "%s=%s: expected an integer of at least %" G_GINT64_FORMAT, name,
          v, min);
      reply_text (msg, SOUP_STATUS_BAD_REQUEST, text);
      return FALSE;
    }
  *out = n;
  return TRUE;
}

static gboolean
query_bool (GHashTable *query, const char *name)
{
  const char *v = query ? g_hash_table_lookup (query, name) : NULL;
  return v && (g_ascii_strcasecmp (v, "true") == 0 || strcmp (v, "1") == 0);
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
            GHashTable *query, gpointer data)
{
  Sim *sim = data;
  SimLogOptions options = { 0 };

  if (!g_str_has_prefix (path, CONTAINER_LOGS))
    {
      reply_text (msg, SOUP_STATUS_NOT_FOUND, "404 page not found");
      return;
    }
  if (strcmp (soup_server_message_get_method (msg), "GET") != 0)
    {
      reply_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                  "only GET is served here");
      return;
    }
  g_auto (GStrv) parts = g_strsplit (path + strlen (CONTAINER_LOGS), "/", 0);
  if (g_strv_length (parts) != 3 || !*parts[0] || !*parts[1] || !*parts[2])
    {
      reply_text (msg, SOUP_STATUS_NOT_FOUND,
                  "expected /containerLogs/NAMESPACE/POD/CONTAINER");
      return;
    }
  if (!query_int (msg, query, "tailLines", 0, -1, &options.tail_lines)
      || !query_int (msg, query, "limitBytes", 1, -1, &options.limit_bytes)
      || !query_int (msg, query, "sinceSeconds", 1, 0,
                     &options.since_seconds))
    return;
  options.follow = query_bool (query, "follow");
  options.timestamps = query_bool (query, "timestamps");
  options.previous = query_bool (query, "previous");
  sim_pod_log_serve (sim, msg, parts[0], parts[1], parts[2], &options);
}

static guint
listening_port (SoupServer *server)
{
  GSList *listeners = soup_server_get_listeners (server);
  guint port = 0;
  if (listeners)
    {
      g_autoptr (GSocketAddress) local = g_socket_get_local_address (
          listeners->data, NULL);
      if (local && G_IS_INET_SOCKET_ADDRESS (local))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    }
  g_slist_free (listeners);
  return port;
}

gboolean
sim_kubelet_start (Sim *sim, GError **error)
{
  g_autofree char *host = NULL;
  guint port = 0;
  const char *listen = sim->options->kubelet_listen
                           ? sim->options->kubelet_listen
                           : "127.0.0.1:0";
  if (!sim_kubelet_listen_parse (listen, &host, &port, error))
    return FALSE;

  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (host);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (ip, port);
  sim->kubelet = soup_server_new ("server-header", "kcore-sim", NULL);
  soup_server_add_handler (sim->kubelet, NULL, on_request, sim, NULL);
  g_autoptr (GError) local = NULL;
  if (!soup_server_listen (sim->kubelet, address, 0, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "--kubelet-listen %s: cannot listen there: %s", listen,
                   local->message);
      g_clear_object (&sim->kubelet);
      return FALSE;
    }
  sim->kubelet_port = listening_port (sim->kubelet);
  sim->kubelet_address = g_steal_pointer (&host);
  sim->log_streams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            NULL);
  g_message ("kubelet endpoint (container logs) on %s port %u",
             sim->kubelet_address, sim->kubelet_port);
  return TRUE;
}

void
sim_kubelet_stop (Sim *sim)
{
  if (sim->log_streams)
    sim_pod_logs_close_all (sim);
  if (sim->kubelet)
    soup_server_disconnect (sim->kubelet);
  g_clear_object (&sim->kubelet);
  g_clear_pointer (&sim->log_streams, g_hash_table_unref);
  g_clear_pointer (&sim->kubelet_address, g_free);
}
