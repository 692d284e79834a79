/* The Accept header per request and per watch: Tables from the API
 * server, text bodies as sent, and Status errors whatever was accepted. */
#include "test-server.h"

static KctServer *server;

typedef struct
{
  gboolean done;
  JsonNode *node;
  GBytes *bytes;
  char *content_type;
  GError *error;
} Result;

static void
on_json (GObject *source, GAsyncResult *res, gpointer data)
{
  Result *r = data;
  r->node = kc_client_request_finish (KC_CLIENT (source), res, &r->error);
  r->done = TRUE;
}

static void
on_bytes (GObject *source, GAsyncResult *res, gpointer data)
{
  Result *r = data;
  r->bytes = kc_client_request_finish_bytes (KC_CLIENT (source), res,
                                             &r->content_type, &r->error);
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
  g_clear_pointer (&r->bytes, g_bytes_unref);
  g_clear_pointer (&r->content_type, g_free);
  g_clear_error (&r->error);
  r->done = FALSE;
}

static const char *
kind_of (JsonNode *node)
{
  return json_object_get_string_member_with_default (
    json_node_get_object (node), "kind", NULL);
}

static void
create_configmap (KcClient *client, const char *name)
{
  g_autofree char *text = g_strdup_printf (
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
    "\"%s\",\"labels\":{\"app\":\"t\"}}}", name);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) got = kct_request (client, "POST",
                                          "/api/v1/namespaces/default/"
                                          "configmaps", text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
}

/* A text/plain body comes back as sent; parsed as JSON it is an error. */
static void
test_text (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  Result r = { 0 };
  kc_client_request_full_async (client, "GET", "/livez", NULL, NULL,
                                "text/plain", NULL, on_bytes, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  gsize len = 0;
  const char *data = g_bytes_get_data (r.bytes, &len);
  g_assert_cmpmem (data, len, "ok", 2);
  g_assert_true (g_str_has_prefix (r.content_type, "text/plain"));
  result_clear (&r);

  kc_client_request_full_async (client, "GET", "/livez", NULL, NULL,
                                "text/plain", NULL, on_json, &r);
  result_wait (&r);
  g_assert_error (r.error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_PARSE);
  g_assert_null (r.node);
  result_clear (&r);

  /* A JSON body through the bytes variant: as sent, with its type. */
  kc_client_request_full_async (client, "GET", "/api/v1/namespaces/default",
                                NULL, NULL, NULL, NULL, on_bytes, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_assert_true (g_str_has_prefix (r.content_type, "application/json"));
  data = g_bytes_get_data (r.bytes, &len);
  g_autofree char *text = g_strndup (data, len);
  g_autoptr (JsonNode) ns = kct_json (text);
  g_assert_cmpstr (kind_of (ns), ==, "Namespace");
  result_clear (&r);
}

/* Errors are Status objects whatever the Accept header asked for. */
static void
test_status_error (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  Result r = { 0 };
  kc_client_request_full_async (client, "GET",
                                "/api/v1/namespaces/default/configmaps/none",
                                NULL, NULL, "text/plain, */*", NULL, on_bytes,
                                &r);
  result_wait (&r);
  g_assert_error (r.error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NOT_FOUND);
  g_assert_cmpuint (kc_client_error_get_http_status (r.error), ==, 404);
  g_assert_cmpstr (kc_client_error_get_reason (r.error), ==, "NotFound");
  g_assert_null (r.bytes);
  g_assert_null (r.content_type);
  result_clear (&r);
}

/* The Table Accept header: lists and single objects as the server's
 * Table, the plain object without it. */
static void
test_table (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  create_configmap (client, "tab1");
  Result r = { 0 };
  kc_client_request_full_async (client, "GET",
                                "/api/v1/namespaces/default/configmaps",
                                NULL, NULL, KC_CLIENT_ACCEPT_TABLE, NULL,
                                on_json, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (kind_of (r.node), ==, "Table");
  JsonObject *t = json_node_get_object (r.node);
  JsonArray *columns = json_object_get_array_member (t, "columnDefinitions");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (columns, 0), "name"),
                   ==, "Name");
  g_assert_cmpuint (json_array_get_length (
                      json_object_get_array_member (t, "rows")), >=, 1);
  result_clear (&r);

  kc_client_request_full_async (client, "GET",
                                "/api/v1/namespaces/default/configmaps/tab1",
                                NULL, NULL, KC_CLIENT_ACCEPT_TABLE, NULL,
                                on_json, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (kind_of (r.node), ==, "Table");
  t = json_node_get_object (r.node);
  JsonArray *rows = json_object_get_array_member (t, "rows");
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  JsonArray *cells = json_object_get_array_member (
    json_array_get_object_element (rows, 0), "cells");
  g_assert_cmpstr (json_array_get_string_element (cells, 0), ==, "tab1");
  result_clear (&r);

  /* The default Accept still gets the object itself. */
  kc_client_request_async (client, "GET",
                           "/api/v1/namespaces/default/configmaps/tab1",
                           NULL, NULL, NULL, on_json, &r);
  result_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (kind_of (r.node), ==, "ConfigMap");
  result_clear (&r);
}

typedef struct
{
  guint tables;
  gboolean got;
  gboolean had_columns;
  char *name;
} TableSeen;

static void
on_table_event (KcWatch *w, const char *type, JsonNode *object,
                gpointer data)
{
  TableSeen *seen = data;
  if (g_strcmp0 (type, "ADDED") != 0 || g_strcmp0 (kind_of (object), "Table"))
    return;
  JsonObject *t = json_node_get_object (object);
  if (seen->tables++ == 0)
    seen->had_columns = json_object_has_member (t, "columnDefinitions");
  JsonArray *rows = json_object_get_array_member (t, "rows");
  JsonArray *cells = json_object_get_array_member (
    json_array_get_object_element (rows, 0), "cells");
  g_free (seen->name);
  seen->name = g_strdup (json_array_get_string_element (cells, 0));
  seen->got = TRUE;
}

static void
test_watch_table (void)
{
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  g_autoptr (KcListOptions) opts = kc_list_options_new ();
  kc_list_options_set_field_selector (opts, "metadata.name=tabw");
  TableSeen seen = { 0 };
  g_autoptr (KcWatch) w = kc_client_watch_full (client, cms, "default", opts,
                                                KC_CLIENT_ACCEPT_TABLE,
                                                on_table_event, NULL, &seen,
                                                NULL);
  /* Let the watch start before the object it should see appears. */
  gboolean never = FALSE;
  kct_wait (&never, 300);
  create_configmap (client, "tabw");
  g_assert_true (kct_wait (&seen.got, 10000));
  kc_watch_stop (w);
  g_assert_cmpuint (seen.tables, ==, 1);
  g_assert_true (seen.had_columns);
  g_assert_cmpstr (seen.name, ==, "tabw");
  g_free (seen.name);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  server = kct_server_start ("memory", NULL);
  g_test_add_func ("/client/accept/text", test_text);
  g_test_add_func ("/client/accept/status-error", test_status_error);
  g_test_add_func ("/client/accept/table", test_table);
  g_test_add_func ("/client/accept/watch-table", test_watch_table);
  int rc = g_test_run ();
  kct_server_free (server);
  return rc;
}
