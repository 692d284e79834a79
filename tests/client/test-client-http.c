/* The HTTP client and typed helpers against a real kcore apiserver: CRUD,
 * Status errors, fail-over, rate limiting, watch, cancellation. */
#include "test-server.h"

static KctServer *server;

typedef struct
{
  gboolean done;
  JsonNode *node;
  GError *error;
} Result;

static void
on_result (GObject *source, GAsyncResult *res, gpointer data)
{
  Result *r = data;
  r->node = kc_client_request_finish (KC_CLIENT (source), res, &r->error);
  r->done = TRUE;
}

static void
result_wait (Result *r)
{
  g_assert_true (kct_wait (&r->done, 30000));
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->node, json_node_unref);
  g_clear_error (&r->error);
  r->done = FALSE;
}

static JsonNode *
configmap (const char *name, const char *value, const char *rv)
{
  g_autofree char *text = g_strdup_printf (
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
    "\"%s\"%s%s%s},\"data\":{\"v\":\"%s\"}}", name,
    rv ? ",\"resourceVersion\":\"" : "", rv ? rv : "", rv ? "\"" : "", value);
  return kct_json (text);
}

static const char *
data_v (JsonNode *cm)
{
  JsonObject *o = json_node_get_object (cm);
  return json_object_get_string_member (json_object_get_object_member (o,
                                                                       "data"),
                                        "v");
}

static void
test_crud (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  Result r = { 0 };

  g_autoptr (JsonNode) cm = configmap ("crud", "1", NULL);
  kc_client_create_async (client, cms, "default", NULL, NULL, cm, NULL,
                          on_result, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_autofree char *rv1 = g_strdup (kc_object_get_resource_version (r.node));
  g_assert_nonnull (rv1);
  result_clear (&r);

  kc_client_get_async (client, cms, "default", "crud", NULL, NULL, on_result,
                       &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (data_v (r.node), ==, "1");
  g_assert_cmpstr (kc_object_get_name (r.node), ==, "crud");
  result_clear (&r);

  g_autoptr (JsonNode) upd = configmap ("crud", "2", rv1);
  kc_client_update_async (client, cms, "default", "crud", NULL, upd, NULL,
                          on_result, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (data_v (r.node), ==, "2");
  result_clear (&r);

  /* The same update again: its resourceVersion is stale now. */
  kc_client_update_async (client, cms, "default", "crud", NULL, upd, NULL,
                          on_result, &r);
  result_wait (&r);
  g_assert_error (r.error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_CONFLICT);
  g_assert_cmpuint (kc_client_error_get_http_status (r.error), ==, 409);
  g_assert_cmpstr (kc_client_error_get_reason (r.error), ==, "Conflict");
  result_clear (&r);

  g_autoptr (JsonNode) patch = kct_json ("{\"data\":{\"v\":\"3\"}}");
  kc_client_patch_async (client, cms, "default", "crud", NULL, KC_PATCH_MERGE,
                         patch, NULL, on_result, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (data_v (r.node), ==, "3");
  result_clear (&r);

  g_autoptr (KcListOptions) opts = kc_list_options_new ();
  kc_list_options_set_field_selector (opts, "metadata.name=crud");
  kc_client_list_async (client, cms, "default", opts, NULL, on_result, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  JsonArray *items = json_object_get_array_member (
    json_node_get_object (r.node), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  result_clear (&r);

  kc_client_delete_async (client, cms, "default", "crud", NULL, on_result,
                          &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  result_clear (&r);

  kc_client_get_async (client, cms, "default", "crud", NULL, NULL, on_result,
                       &r);
  result_wait (&r);
  g_assert_error (r.error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NOT_FOUND);
  g_assert_cmpuint (kc_client_error_get_http_status (r.error), ==, 404);
  g_assert_cmpstr (kc_client_error_get_reason (r.error), ==, "NotFound");
  g_assert_true (strstr (r.error->message, "not found") != NULL);
  result_clear (&r);
}

static void
test_errors (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  g_autoptr (KcResource) pods = kc_resource_new ("", "v1", "pods");
  Result r = { 0 };
  g_autoptr (JsonNode) cm = configmap ("dup", "1", NULL);
  for (int i = 0; i < 2; i++)
    {
      kc_client_create_async (client, cms, "default", NULL, NULL, cm, NULL,
                              on_result, &r);
      result_wait (&r);
      if (i == 0)
        g_assert_no_error (r.error);
      else
        {
          g_assert_error (r.error, KC_CLIENT_ERROR,
                          KC_CLIENT_ERROR_ALREADY_EXISTS);
          g_assert_cmpstr (kc_client_error_get_reason (r.error), ==,
                           "AlreadyExists");
          g_assert_true (strstr (r.error->message, "already exists"));
        }
      result_clear (&r);
    }
  g_autoptr (JsonNode) pod = kct_json (
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}");
  kc_client_create_async (client, pods, "default", NULL, NULL, pod, NULL,
                          on_result, &r);
  result_wait (&r);
  g_assert_error (r.error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_INVALID);
  g_assert_cmpuint (kc_client_error_get_http_status (r.error), ==, 422);
  g_assert_cmpstr (kc_client_error_get_reason (r.error), ==, "Invalid");
  result_clear (&r);
}

static void
test_failover (void)
{
  g_autofree char *dead = g_strdup_printf ("http://127.0.0.1:%u",
                                           kct_free_port ());
  const char *urls[] = { dead, server->url, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcClient) client = kc_client_new (urls, &error);
  g_assert_no_error (error);
  g_autoptr (KcResource) ns = kc_resource_new ("", "v1", "namespaces");
  Result r = { 0 };
  /* A POST too: a refused connection never reached any server. */
  g_autoptr (JsonNode) cm = configmap ("failover", "1", NULL);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  kc_client_create_async (client, cms, "default", NULL, NULL, cm, NULL,
                          on_result, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  result_clear (&r);
  g_assert_cmpstr (kc_client_get_current_url (client), ==, server->url);
  kc_client_get_async (client, ns, NULL, "default", NULL, NULL, on_result,
                       &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  result_clear (&r);

  /* No server at all: a network error, after the retries. */
  const char *none[] = { dead, NULL };
  g_autoptr (KcClient) lost = kc_client_new (none, &error);
  kc_client_set_max_retries (lost, 2);
  kc_client_get_async (lost, ns, NULL, "default", NULL, NULL, on_result, &r);
  result_wait (&r);
  g_assert_error (r.error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NETWORK);
  result_clear (&r);
}

static int rate_left;
static gboolean rate_done;

static void
on_rate (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = kc_client_request_finish (KC_CLIENT (source),
                                                         res, &error);
  (void) data;
  g_assert_no_error (error);
  if (--rate_left == 0)
    rate_done = TRUE;
}

static void
test_rate_limit (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  kc_client_set_rate_limit (client, 20, 1);
  g_autoptr (KcResource) ns = kc_resource_new ("", "v1", "namespaces");
  gint64 start = g_get_monotonic_time ();
  rate_left = 20;
  rate_done = FALSE;
  for (int i = 0; i < 20; i++)
    kc_client_get_async (client, ns, NULL, "default", NULL, NULL, on_rate,
                         NULL);
  g_assert_true (kct_wait (&rate_done, 10000));
  gint64 took = g_get_monotonic_time () - start;
  g_test_message ("20 requests at QPS 20 burst 1 took %" G_GINT64_FORMAT
                  " ms", took / 1000);
  g_assert_cmpint (took, >=, 900000);
  g_assert_cmpint (took, <, 3000000);
}

typedef struct
{
  GPtrArray *types;
  gboolean got;
  gboolean ended;
  const char *from_rv;
} WatchSeen;

static gint64
kcc_rv (const char *rv)
{
  return rv ? g_ascii_strtoll (rv, NULL, 10) : 0;
}

static void
on_watch_event (KcWatch *w, const char *type, JsonNode *obj, gpointer data)
{
  WatchSeen *seen = data;
  (void) w;
  /* kcore apiserver bug (reported): a watch from resourceVersion N started
   * right after the write of N sometimes replays N itself as ADDED. */
  if (seen->from_rv && kcc_rv (kc_object_get_resource_version (obj))
                         <= kcc_rv (seen->from_rv))
    {
      g_test_message ("server replayed %s at %s (watch from %s)", type,
                      kc_object_get_resource_version (obj), seen->from_rv);
      return;
    }
  g_ptr_array_add (seen->types, g_strdup_printf ("%s %s", type,
                                                 kc_object_get_name (obj)));
  if (g_str_equal (type, "DELETED"))
    seen->got = TRUE;
}

static void
on_watch_done (KcWatch *w, const GError *error, gpointer data)
{
  WatchSeen *seen = data;
  (void) w;
  (void) error;
  seen->ended = TRUE;
}

static void
test_watch (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  Result r = { 0 };
  g_autoptr (JsonNode) cm = configmap ("watched", "1", NULL);
  kc_client_create_async (client, cms, "default", NULL, NULL, cm, NULL,
                          on_result, &r);
  result_wait (&r);
  g_autofree char *rv = g_strdup (kc_object_get_resource_version (r.node));
  result_clear (&r);

  WatchSeen seen = { g_ptr_array_new_with_free_func (g_free), FALSE, FALSE,
                     rv };
  g_autoptr (KcListOptions) opts = kc_list_options_new ();
  kc_list_options_set_resource_version (opts, rv);
  kc_list_options_set_field_selector (opts, "metadata.name=watched");
  g_autoptr (KcWatch) w = kc_client_watch (client, cms, "default", opts,
                                           on_watch_event, on_watch_done,
                                           &seen, NULL);
  g_autoptr (JsonNode) patch = kct_json ("{\"data\":{\"v\":\"2\"}}");
  kc_client_patch_async (client, cms, "default", "watched", NULL,
                         KC_PATCH_MERGE, patch, NULL, on_result, &r);
  result_wait (&r);
  result_clear (&r);
  kc_client_delete_async (client, cms, "default", "watched", NULL, on_result,
                          &r);
  result_wait (&r);
  result_clear (&r);
  g_assert_true (kct_wait (&seen.got, 10000));
  kc_watch_stop (w);
  for (guint i = 0; i < seen.types->len; i++)
    g_test_message ("event %s", (char *) seen.types->pdata[i]);
  g_assert_cmpuint (seen.types->len, ==, 2);
  g_assert_cmpstr (seen.types->pdata[0], ==, "MODIFIED watched");
  g_assert_cmpstr (seen.types->pdata[1], ==, "DELETED watched");
  g_assert_false (seen.ended);
  g_ptr_array_unref (seen.types);

  /* timeoutSeconds: the server ends the stream, done reports no error. */
  WatchSeen seen2 = { g_ptr_array_new_with_free_func (g_free), FALSE, FALSE,
                      NULL };
  kc_list_options_set_timeout_seconds (opts, 1);
  g_autoptr (KcWatch) w2 = kc_client_watch (client, cms, "default", opts,
                                            on_watch_event, on_watch_done,
                                            &seen2, NULL);
  g_assert_true (kct_wait (&seen2.ended, 10000));
  kc_watch_stop (w2);
  g_ptr_array_unref (seen2.types);
}

static void
test_cancel (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) ns = kc_resource_new ("", "v1", "namespaces");
  g_autoptr (GCancellable) c = g_cancellable_new ();
  Result r = { 0 };
  kc_client_get_async (client, ns, NULL, "default", NULL, c, on_result, &r);
  g_cancellable_cancel (c);
  result_wait (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  server = kct_server_start ("memory", NULL);
  g_test_add_func ("/client/http/crud", test_crud);
  g_test_add_func ("/client/http/errors", test_errors);
  g_test_add_func ("/client/http/failover", test_failover);
  g_test_add_func ("/client/http/rate-limit", test_rate_limit);
  g_test_add_func ("/client/http/watch", test_watch);
  g_test_add_func ("/client/http/cancel", test_cancel);
  int rc = g_test_run ();
  kct_server_free (server);
  return rc;
}
