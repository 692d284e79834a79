#include "test-server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <sys/wait.h>

guint
kct_free_port (void)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4,
                                        G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (
    G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (s, addr, TRUE, NULL));
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* A test that aborts must not leave its server behind. */
static void
die_with_parent (gpointer data)
{
  (void) data;
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
spawn (KctServer *srv)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *bin = g_build_filename (KC_BUILD_TREE, "kcore", NULL);
  g_autofree char *log = g_build_filename (srv->dir, "log", NULL);
  g_ptr_array_add (argv, bin);
  g_ptr_array_add (argv, (char *) "--config");
  g_ptr_array_add (argv, srv->conf);
  g_ptr_array_add (argv, (char *) "--component");
  g_ptr_array_add (argv, (char *) "apiserver");
  for (guint i = 0; srv->sets && srv->sets[i]; i++)
    {
      g_ptr_array_add (argv, (char *) "--set");
      g_ptr_array_add (argv, srv->sets[i]);
    }
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  g_assert_cmpint (fd, >=, 0);
  gboolean ok = g_spawn_async_with_fds (NULL, (char **) argv->pdata, NULL,
                                        G_SPAWN_DO_NOT_REAP_CHILD,
                                        die_with_parent, NULL, &srv->pid,
                                        -1, fd, fd, &error);
  close (fd);
  g_assert_no_error (error);
  g_assert_true (ok);

  /* Ready once the default namespace can be read. */
  g_autoptr (KcClient) client = kct_client_new (srv->url);
  kc_client_set_max_retries (client, 0);
  for (int i = 0; i < 300; i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (JsonNode) ns = kct_request (
        client, "GET", "/api/v1/namespaces/default", NULL, &e);
      if (ns)
        return;
      int status;
      g_assert_cmpint (waitpid (srv->pid, &status, WNOHANG), ==, 0);
      g_usleep (50000);
    }
  g_error ("kcore apiserver on port %u did not become ready", srv->port);
}

KctServer *
kct_server_start (const char *store, const char *const *sets)
{
  KctServer *srv = g_new0 (KctServer, 1);
  srv->dir = g_dir_make_tmp ("kcore-client-test-XXXXXX", NULL);
  g_assert_nonnull (srv->dir);
  srv->port = kct_free_port ();
  srv->url = g_strdup_printf ("http://127.0.0.1:%u", srv->port);
  srv->sets = g_strdupv ((char **) sets);
  srv->conf = g_build_filename (srv->dir, "kcore.conf", NULL);
  g_autofree char *text = g_strdup_printf (
    "[kcore]\ncomponents=apiserver\ndata-dir=%s/data\n"
    "[apiserver]\nlisten=127.0.0.1:%u\n[store]\nplugin=%s\n", srv->dir,
    srv->port, store);
  g_assert_true (g_file_set_contents (srv->conf, text, -1, NULL));
  spawn (srv);
  return srv;
}

void
kct_server_kill (KctServer *srv, int sig)
{
  if (!srv->pid)
    return;
  kill (srv->pid, sig);
  int status;
  waitpid (srv->pid, &status, 0);
  g_spawn_close_pid (srv->pid);
  srv->pid = 0;
}

void
kct_server_restart (KctServer *srv)
{
  spawn (srv);
}

void
kct_server_free (KctServer *srv)
{
  kct_server_kill (srv, SIGTERM);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", srv->dir);
  if (system (cmd) != 0)
    g_warning ("could not remove %s", srv->dir);
  g_free (srv->dir);
  g_free (srv->conf);
  g_free (srv->url);
  g_strfreev (srv->sets);
  g_free (srv);
}

KcClient *
kct_client_new (const char *url)
{
  const char *urls[] = { url, NULL };
  g_autoptr (GError) error = NULL;
  KcClient *client = kc_client_new (urls, &error);
  g_assert_no_error (error);
  kc_client_set_rate_limit (client, 0, 0);
  return client;
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
kct_wait (gboolean *done, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *t = g_timeout_source_new (timeout_ms);
  g_source_set_callback (t, on_timeout, &timed_out, NULL);
  g_source_attach (t, g_main_context_get_thread_default ());
  while (!*done && !timed_out)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_source_destroy (t);
  g_source_unref (t);
  return *done;
}

typedef struct
{
  gboolean done;
  JsonNode *node;
  GError *error;
} Sync;

static void
on_sync (GObject *source, GAsyncResult *result, gpointer data)
{
  Sync *s = data;
  s->node = kc_client_request_finish (KC_CLIENT (source), result, &s->error);
  s->done = TRUE;
}

JsonNode *
kct_request (KcClient *client, const char *method, const char *path,
             const char *body_json, GError **error)
{
  Sync s = { 0 };
  g_autoptr (JsonNode) body = body_json ? kct_json (body_json) : NULL;
  kc_client_request_async (client, method, path, body, NULL, NULL, on_sync,
                           &s);
  g_assert_true (kct_wait (&s.done, 60000));
  if (s.error)
    g_propagate_error (error, s.error);
  return s.node;
}

JsonNode *
kct_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);
  g_assert_no_error (error);
  return node;
}
