/* The client library over HTTPS with bearer tokens, against a real kcore
 * apiserver serving TLS with a throwaway CA (made with openssl) and a
 * static token file: kc_client_set_ca_file, kc_client_set_bearer_token,
 * kc_client_set_insecure, 401s as KC_CLIENT_ERROR_UNAUTHORIZED, and an
 * informer (list + watch) through it all. */
#include "test-server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOKEN "s3cr3t-token-for-tests"

static struct
{
  char *dir;
  char *ca;
  char *url;
  GPid pid;
} srv;

static gboolean
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  if (!g_spawn_sync (srv.dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                     NULL, NULL, &err, &status, &error))
    {
      g_test_message ("%s: %s", argv[0], error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("%s failed: %s", argv[0], err);
      return FALSE;
    }
  return TRUE;
}

/* A CA, and a server certificate it signs for IP 127.0.0.1. */
static gboolean
make_certificates (void)
{
  g_autofree char *ext = g_build_filename (srv.dir, "ext.cnf", NULL);
  g_assert_true (g_file_set_contents (
      ext, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", -1,
      NULL));
  const char *ca[] = { "openssl",  "req",
                       "-x509",    "-newkey",
                       "rsa:2048", "-nodes",
                       "-keyout",  "ca-key.pem",
                       "-out",     "ca.pem",
                       "-days",    "1",
                       "-subj",    "/CN=kcore-test-ca",
                       NULL };
  const char *csr[] = { "openssl",
                        "req",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        "server-key.pem",
                        "-out",
                        "server.csr",
                        "-subj",
                        "/CN=kcore-apiserver",
                        NULL };
  const char *sign[]
      = { "openssl", "x509",       "-req",   "-in",        "server.csr",
          "-CA",     "ca.pem",     "-CAkey", "ca-key.pem", "-CAcreateserial",
          "-out",    "server.pem", "-days",  "1",          "-extfile",
          "ext.cnf", NULL };
  return run (ca) && run (csr) && run (sign);
}

static void
die_with_parent (gpointer data)
{
  (void)data;
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static KcClient *
tls_client (const char *token, gboolean with_ca)
{
  KcClient *client = kct_client_new (srv.url);
  if (with_ca)
    kc_client_set_ca_file (client, srv.ca);
  if (token)
    kc_client_set_bearer_token (client, token);
  kc_client_set_max_retries (client, 0);
  return client;
}

static void
start_server (void)
{
  guint port = kct_free_port ();
  srv.url = g_strdup_printf ("https://127.0.0.1:%u", port);
  srv.ca = g_build_filename (srv.dir, "ca.pem", NULL);
  g_autofree char *conf = g_build_filename (srv.dir, "kcore.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[kcore]\ncomponents=apiserver\ndata-dir=%s/data\n"
      "[apiserver]\nlisten=127.0.0.1:%u\n"
      "tls-cert-file=%s/server.pem\ntls-key-file=%s/server-key.pem\n"
      "token-auth-file=%s/tokens.csv\n[store]\nplugin=memory\n",
      srv.dir, port, srv.dir, srv.dir, srv.dir);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  g_autofree char *tokens = g_build_filename (srv.dir, "tokens.csv", NULL);
  g_assert_true (g_file_set_contents (
      tokens, "# test users\n" TOKEN ",alice,1000,\"system:masters\"\n", -1,
      NULL));

  g_autofree char *bin = g_build_filename (KC_BUILD_TREE, "kcore", NULL);
  g_autofree char *log = g_build_filename (srv.dir, "log", NULL);
  const char *argv[]
      = { bin, "--config", conf, "--component", "apiserver", NULL };
  int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_autoptr (GError) error = NULL;
  g_spawn_async_with_fds (NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                          die_with_parent, NULL, &srv.pid, -1, fd, fd, &error);
  close (fd);
  g_assert_no_error (error);

  g_autoptr (KcClient) client = tls_client (TOKEN, TRUE);
  for (int i = 0; i < 300; i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (JsonNode) ns = kct_request (
          client, "GET", "/api/v1/namespaces/default", NULL, &e);
      if (ns)
        return;
      int status;
      g_assert_cmpint (waitpid (srv.pid, &status, WNOHANG), ==, 0);
      g_usleep (50000);
    }
  g_error ("the kcore apiserver at %s did not become ready", srv.url);
}

static void
stop_server (void)
{
  if (srv.pid)
    {
      kill (srv.pid, SIGTERM);
      int status;
      waitpid (srv.pid, &status, 0);
      g_spawn_close_pid (srv.pid);
    }
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", srv.dir);
  if (system (cmd) != 0)
    g_warning ("could not remove %s", srv.dir);
  g_free (srv.dir);
  g_free (srv.ca);
  g_free (srv.url);
}

/* ---- tests
 * ------------------------------------------------------------------ */

static void
test_token_and_ca (void)
{
  g_autoptr (KcClient) client = tls_client (TOKEN, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list
      = kct_request (client, "GET", "/api/v1/namespaces", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (
      json_object_get_string_member (json_node_get_object (list), "kind"), ==,
      "NamespaceList");
}

static void
assert_unauthorized (const char *token)
{
  g_autoptr (KcClient) client = tls_client (token, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list
      = kct_request (client, "GET", "/api/v1/namespaces", NULL, &error);
  g_assert_null (list);
  g_assert_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (kc_client_error_get_http_status (error), ==, 401);
  g_assert_cmpstr (kc_client_error_get_reason (error), ==, "Unauthorized");
  g_assert_cmpstr (error->message, ==, "Unauthorized");
}

static void
test_no_token (void)
{
  assert_unauthorized (NULL);
}

static void
test_wrong_token (void)
{
  assert_unauthorized ("s3cr3t-token-for-test"); /* one byte short */
  assert_unauthorized (TOKEN "x");
}

static void
test_health_without_token (void)
{
  g_autoptr (KcClient) client = tls_client (NULL, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) version
      = kct_request (client, "GET", "/version", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (
      json_object_has_member (json_node_get_object (version), "gitVersion"));
}

static void
test_unknown_ca (void)
{
  g_autoptr (KcClient) client = tls_client (TOKEN, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list
      = kct_request (client, "GET", "/api/v1/namespaces", NULL, &error);
  g_assert_null (list);
  g_assert_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NETWORK);
  g_assert_cmpuint (kc_client_error_get_http_status (error), ==, 0);
}

static void
test_insecure (void)
{
  g_autoptr (KcClient) client = tls_client (TOKEN, FALSE);
  kc_client_set_insecure (client, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) ns = kct_request (
      client, "GET", "/api/v1/namespaces/default", NULL, &error);
  g_assert_no_error (error);
}

static void
on_watch_event (KcWatch *w, const char *type, JsonNode *obj, gpointer data)
{
  (void)w, (void)type, (void)obj, (void)data;
  g_assert_not_reached ();
}

static void
on_watch_done (KcWatch *w, const GError *error, gpointer data)
{
  (void)w;
  g_assert_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_UNAUTHORIZED);
  *(gboolean *)data = TRUE;
}

static void
test_watch_needs_token (void)
{
  g_autoptr (KcClient) client = tls_client (NULL, TRUE);
  g_autoptr (KcResource) pods = kc_resource_new ("", "v1", "pods");
  gboolean done = FALSE;
  g_autoptr (KcWatch) w = kc_client_watch (
      client, pods, NULL, NULL, on_watch_event, on_watch_done, &done, NULL);
  g_assert_true (kct_wait (&done, 20000));
  kc_watch_stop (w);
}

static void
on_added (KcInformer *inf, JsonNode *obj, gpointer data)
{
  (void)inf;
  if (g_strcmp0 (kc_object_get_name (obj), "over-tls") == 0)
    *(gboolean *)data = TRUE;
}

static gboolean
informer_synced (KcInformer *inf)
{
  return kc_informer_has_synced (inf);
}

static void
test_informer (void)
{
  g_autoptr (KcClient) client = tls_client (TOKEN, TRUE);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  g_autoptr (KcInformer) inf
      = kc_informer_new (client, cms, "default", NULL, NULL, 0);
  gboolean added = FALSE;
  kc_informer_add_handlers (inf, on_added, NULL, NULL, &added, NULL);
  kc_informer_start (inf);
  for (int i = 0; i < 2000 && !informer_synced (inf); i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  g_assert_true (informer_synced (inf));

  /* Created by another client: the informer sees it through its watch. */
  g_autoptr (KcClient) writer = tls_client (TOKEN, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) cm = kct_request (
      writer, "POST", "/api/v1/namespaces/default/configmaps",
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
      "\"metadata\":{\"name\":\"over-tls\"},\"data\":{\"k\":\"v\"}}",
      &error);
  g_assert_no_error (error);
  g_assert_true (kct_wait (&added, 20000));
  g_assert_nonnull (kc_informer_get (inf, "default", "over-tls"));
  kc_informer_stop (inf);
}

static void
test_skipped (void)
{
  g_test_skip ("openssl cannot make the test certificates");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  srv.dir = g_dir_make_tmp ("kcore-client-tls-XXXXXX", NULL);
  g_assert_nonnull (srv.dir);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  if (openssl == NULL || !make_certificates ())
    {
      g_test_add_func ("/client/tls/skipped", test_skipped);
      int rc = g_test_run ();
      stop_server ();
      return rc;
    }
  start_server ();
  g_test_add_func ("/client/tls/token-and-ca", test_token_and_ca);
  g_test_add_func ("/client/tls/no-token", test_no_token);
  g_test_add_func ("/client/tls/wrong-token", test_wrong_token);
  g_test_add_func ("/client/tls/version-without-token",
                   test_health_without_token);
  g_test_add_func ("/client/tls/unknown-ca", test_unknown_ca);
  g_test_add_func ("/client/tls/insecure", test_insecure);
  g_test_add_func ("/client/tls/watch-needs-token", test_watch_needs_token);
  g_test_add_func ("/client/tls/informer", test_informer);
  int rc = g_test_run ();
  stop_server ();
  return rc;
}
