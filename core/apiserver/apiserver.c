/* The API server component (see apiserver.h). */
#include "build-config.h"

#include "apiserver.h"

#include "api-server.h"
#include "authn.h"
#include "daemon.h"
#include "plugin-report.h"
#include "store-compactor.h"
#include <glib-unix.h>
#include <kcore/store.h>
#include <libsoup/soup.h>
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/socket.h>

const KcConfigKey kc_apiserver_config_keys[] = {
  { "listen", KC_CONFIG_TYPE_ADDRESS, 0, "127.0.0.1:8080", 0, 0, NULL,
    "HOST:PORT the API is served on (HTTPS when tls-cert-file is set)" },
  { "compaction-interval-seconds", KC_CONFIG_TYPE_INT, 0, "60", 1, 86400,
    NULL, "how often the store's history is compacted" },
  { "compaction-retention-seconds", KC_CONFIG_TYPE_INT, 0, "300", 0, 604800,
    NULL, "history kept for watches and past reads, in time" },
  { "compaction-retention-revisions", KC_CONFIG_TYPE_INT, 0, "0", 0,
    G_MAXINT32, NULL,
    "history kept, in revisions; when > 0 it replaces the time limit" },
  { "watch-bookmark-interval-seconds", KC_CONFIG_TYPE_INT, 0, "60", 1, 3600,
    NULL, "how often watches that allow bookmarks get a BOOKMARK event" },
  { "watch-cache-window-events", KC_CONFIG_TYPE_INT, 0, "1000", 1, 1000000,
    NULL,
    "recent events each resource's watch cache keeps for watches that "
    "resume; older resourceVersions are served by the store" },
  { "tls-cert-file", KC_CONFIG_TYPE_PATH, 0, NULL, 0, 0, NULL,
    "PEM certificate (chain) to serve HTTPS with; needs tls-key-file" },
  { "tls-key-file", KC_CONFIG_TYPE_PATH, 0, NULL, 0, 0, NULL,
    "PEM private key of tls-cert-file" },
  { "token-auth-file", KC_CONFIG_TYPE_PATH, 0, NULL, 0, 0, NULL,
    "static bearer tokens, kube-apiserver's format: lines "
    "token,user,uid[,\"group1,group2\"]; when set, every request but "
    "/healthz, /livez, /readyz and /version needs one" },
  { "max-requests-inflight", KC_CONFIG_TYPE_INT, 0, "400", 1, 1000000, NULL,
    "requests served at once (watches and pods/log not counted); more get "
    "429 TooManyRequests with Retry-After: 1" },
  { "request-timeout-seconds", KC_CONFIG_TYPE_INT, 0, "60", 1, 86400, NULL,
    "a request (not a watch nor pods/log) not answered in this time gets "
    "504 Timeout" },
  { "idle-connection-timeout-seconds", KC_CONFIG_TYPE_INT, 0, "120", 1,
    86400, NULL,
    "a keep-alive connection waiting this long for its next request is "
    "closed" },
  { "watch-buffer-bytes", KC_CONFIG_TYPE_INT, 0, "8388608", 4096, G_MAXINT32,
    NULL,
    "bytes of events a watch's client may leave unread before the watch is "
    "ended (the client lists again)" },
  { NULL },
};

typedef struct
{
  KcPluginInstance *store;
  const KcStoreVtable *store_vt;
  KcStoreCompactor *compactor;
  KcApi *rest;
  SoupServer *server;
  GMainLoop *loop;
} ApiServer;

static void
reply_text (SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
                                    SOUP_MEMORY_COPY, text, strlen (text));
}

static void
on_livez (SoupServer *server, SoupServerMessage *msg, const char *path,
          GHashTable *query, gpointer data)
{
  reply_text (msg, SOUP_STATUS_OK, "ok");
}

typedef struct
{
  SoupServer *server;
  SoupServerMessage *msg;
} PendingReply;

/* Ready means the store answers a read. */
static void
on_store_probed (GObject *source, GAsyncResult *result, gpointer data)
{
  PendingReply *pending = data;
  ApiServer *api = g_object_get_data (G_OBJECT (pending->server), "api");
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) range = api->store_vt->range_finish (
      kc_plugin_instance_get_self (api->store), result, &error);

  if (range)
    reply_text (pending->msg, SOUP_STATUS_OK, "ok");
  else
    {
      g_autofree char *text = g_strdup_printf ("store: %s", error->message);
      reply_text (pending->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
    }
  soup_server_message_unpause (pending->msg);
  g_object_unref (pending->msg);
  g_object_unref (pending->server);
  g_free (pending);
}

static void
on_readyz (SoupServer *server, SoupServerMessage *msg, const char *path,
           GHashTable *query, gpointer data)
{
  ApiServer *api = data;
  KcStoreRange range = { .prefix = "/registry/", .count_only = TRUE };
  PendingReply *pending = g_new0 (PendingReply, 1);
  pending->server = g_object_ref (server);
  pending->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  api->store_vt->range_async (kc_plugin_instance_get_self (api->store),
                              &range, NULL, on_store_probed, pending);
}

static void
on_namespace_created (GObject *source, GAsyncResult *result, gpointer data)
{
  ApiServer *api = data;
  g_autoptr (GError) error = NULL;
  if (api->store_vt->create_finish (kc_plugin_instance_get_self (api->store),
                                    result, &error)
          == 0
      && !g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_EXISTS))
    g_warning ("cannot create a built-in namespace: %s", error->message);
}

/* The namespaces every Kubernetes cluster has. */
static void
ensure_namespaces (ApiServer *api)
{
  static const char *const names[] = { "default", "kube-system", "kube-public",
                                       "kube-node-lease", NULL };
  const KcResource *namespaces = kc_resource_find ("", "v1", "namespaces");
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"finalizers\":"
          "[\"kubernetes\"]}}",
          names[i]);
      g_autoptr (JsonNode) ns = kc_object_parse (text, strlen (text), NULL);
      if (!kc_object_prepare_create (namespaces, ns, NULL, NULL))
        continue;
      g_autofree char *key = kc_resource_key (namespaces, NULL, names[i]);
      g_autoptr (GBytes) value = kc_object_encode (ns);
      api->store_vt->create_async (kc_plugin_instance_get_self (api->store),
                                   key, value, 0, NULL, on_namespace_created,
                                   api);
    }
}

/* jemalloc's control entry point when kcore is linked with it (configure
 * --with-jemalloc); weak, so that programs without it link too. */
extern int mallctl (const char *name, void *oldp, size_t *oldlenp,
                    void *newp, size_t newlen) __attribute__ ((weak));

/* Large lists, Tables and slow watchers allocate and free many blocks;
 * the allocator keeps freed memory (jemalloc returns it only when it
 * allocates again), so an idle API server would stay at its peak size. */
static gboolean
on_trim_heap (gpointer data)
{
  /* "arena.4096.purge": every arena (MALLCTL_ARENAS_ALL). */
  if (mallctl)
    mallctl ("arena.4096.purge", NULL, NULL, NULL, 0);
#ifdef __GLIBC__
  else
    malloc_trim (0);
#endif
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stop_signal (gpointer data)
{
  ApiServer *api = data;
  g_message ("stopping");
  g_main_loop_quit (api->loop);
  return G_SOURCE_CONTINUE;
}

/* tls-cert-file and tls-key-file: both (HTTPS) or neither (HTTP).  Each
 * file is read first, so an error names the key and the file at fault. */
static gboolean
load_tls (const KcConfigGroup *settings, GTlsCertificate **out,
          GError **error)
{
  const char *cert = kc_config_group_get_string (settings, "tls-cert-file");
  const char *key = kc_config_group_get_string (settings, "tls-key-file");
  *out = NULL;
  if (cert == NULL && key == NULL)
    return TRUE;
  if (cert == NULL || key == NULL)
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_MISSING_KEY,
                   "[apiserver] tls-cert-file and tls-key-file: set both to "
                   "serve HTTPS, or neither for plain HTTP (only %s=%s is "
                   "set)",
                   cert ? "tls-cert-file" : "tls-key-file", cert ? cert : key);
      return FALSE;
    }
  const struct
  {
    const char *name, *path;
  } files[] = { { "tls-cert-file", cert }, { "tls-key-file", key } };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr (GError) local = NULL;
      if (!g_file_get_contents (files[i].path, &text, NULL, &local))
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "[apiserver] %s=%s: cannot read it: %s", files[i].name,
                       files[i].path, local->message);
          return FALSE;
        }
    }
  g_autoptr (GError) local = NULL;
  *out = g_tls_certificate_new_from_files (cert, key, &local);
  if (*out == NULL)
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "[apiserver] tls-cert-file=%s, tls-key-file=%s: expected "
                   "a PEM certificate and its PEM private key: %s",
                   cert, key, local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_authn (const KcConfigGroup *settings, KcAuthn **out, GError **error)
{
  const char *path = kc_config_group_get_string (settings, "token-auth-file");
  *out = NULL;
  if (path == NULL)
    return TRUE;
  *out = kc_authn_new_from_token_file (path, error);
  return *out != NULL;
}

static gboolean
listen_on (SoupServer *server, const char *address, gboolean https,
           GError **error)
{
  const char *colon = strrchr (address, ':');
  g_autofree char *host = g_strndup (address, colon - address);
  guint port = (guint) g_ascii_strtoull (colon + 1, NULL, 10);
  if (host[0] == '[')
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);
      g_free (host);
      host = inner;
    }
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "[apiserver] listen=%s: '%s' is not an IP address", address,
                   host);
      return FALSE;
    }
  g_autoptr (GSocketAddress) sockaddr = g_inet_socket_address_new (inet, port);
  /* GSocket's default backlog is 10: clients opening many connections at
   * once would wait for SYN retransmits. */
  g_autoptr (GSocket) socket = g_socket_new (
      g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    {
      g_prefix_error (error, "[apiserver] listen=%s: ", address);
      return FALSE;
    }
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, sockaddr, TRUE, error)
      || !g_socket_listen (socket, error)
      || !soup_server_listen_socket (
          server, socket, https ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    {
      g_prefix_error (error, "[apiserver] listen=%s: ", address);
      return FALSE;
    }
  return TRUE;
}

int
kc_apiserver_run (KcDaemon *daemon, GError **error)
{
  ApiServer api = { 0 };
  KcPlugin *store_plugin = kc_plugin_set_find (daemon->plugins, "store");
  const char *listen = kc_config_group_get_string (daemon->settings, "listen");
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (KcAuthn) authn = NULL;

  /* Configuration errors first: nothing is started when one is found. */
  if (!load_tls (daemon->settings, &certificate, error)
      || !load_authn (daemon->settings, &authn, error))
    return 1;

  api.store = kc_plugin_instance_new (
      store_plugin, daemon->component,
      kc_config_file_get_data_dir (daemon->config), error);
  if (api.store == NULL)
    return 1;
  api.store_vt = (const KcStoreVtable *) kc_plugin_instance_get_vtable (
      api.store);

  api.server = soup_server_new ("server-header", "kcore", "tls-certificate",
                                certificate, NULL);
  g_object_set_data (G_OBJECT (api.server), "api", &api);
  soup_server_add_handler (api.server, "/healthz", on_livez, &api, NULL);
  soup_server_add_handler (api.server, "/livez", on_livez, &api, NULL);
  soup_server_add_handler (api.server, "/readyz", on_readyz, &api, NULL);
  api.rest = kc_api_new (
      api.server, kc_plugin_instance_get_self (api.store), api.store_vt,
      kc_config_group_get_int (daemon->settings,
                               "watch-cache-window-events"));
  api.rest->bookmark_interval_s = kc_config_group_get_int (
      daemon->settings, "watch-bookmark-interval-seconds");
  api.rest->watch_buffer_bytes = kc_config_group_get_int (
      daemon->settings, "watch-buffer-bytes");
  kc_api_limits_configure (
      api.rest->limits,
      kc_config_group_get_int (daemon->settings, "max-requests-inflight"),
      kc_config_group_get_int (daemon->settings, "request-timeout-seconds"),
      kc_config_group_get_int (daemon->settings,
                               "idle-connection-timeout-seconds"));
  if (authn)
    {
      g_message ("bearer tokens required (%u known)",
                 kc_authn_get_size (authn));
      kc_api_set_authn (api.rest, g_steal_pointer (&authn));
    }
  ensure_namespaces (&api);
  kc_plugin_report_publish (kc_plugin_instance_get_self (api.store),
                            api.store_vt, daemon->component, daemon->plugins);
  if (!listen_on (api.server, listen, certificate != NULL, error))
    {
      kc_api_free (api.rest);
      g_object_unref (api.server);
      kc_plugin_instance_free (api.store);
      return 1;
    }
  g_message ("serving on %s://%s with store \"%s\"",
             certificate ? "https" : "http", listen,
             kc_plugin_get_descriptor (store_plugin)->name);

  api.compactor = kc_store_compactor_new (
      kc_plugin_instance_get_self (api.store), api.store_vt,
      kc_config_group_get_int (daemon->settings,
                               "compaction-interval-seconds"),
      kc_config_group_get_int (daemon->settings,
                               "compaction-retention-seconds"),
      kc_config_group_get_int (daemon->settings,
                               "compaction-retention-revisions"));

  api.loop = g_main_loop_new (NULL, FALSE);
  guint trim = g_timeout_add_seconds (10, on_trim_heap, NULL);
  guint sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, &api);
  guint sigint = g_unix_signal_add (SIGINT, on_stop_signal, &api);
  g_main_loop_run (api.loop);
  g_source_remove (sigterm);
  g_source_remove (sigint);
  g_source_remove (trim);

  kc_api_free (api.rest);
  soup_server_disconnect (api.server);
  g_object_unref (api.server);
  kc_store_compactor_free (api.compactor);
  kc_plugin_instance_free (api.store);
  g_main_loop_unref (api.loop);
  return 0;
}
