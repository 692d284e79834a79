/* The event recorder against a real kcore apiserver: repeats aggregate. */
#include "test-server.h"

typedef struct
{
  gboolean done;
  JsonNode *event;
  GError *error;
} Result;

static void
on_recorded (GObject *source, GAsyncResult *res, gpointer data)
{
  Result *r = data;
  (void) source;
  r->event = kc_event_recorder_record_finish (NULL, res, &r->error);
  r->done = TRUE;
}

static JsonNode *
record (KcEventRecorder *rec, JsonNode *obj, const char *type,
        const char *reason, const char *message)
{
  Result r = { 0 };
  kc_event_recorder_record_async (rec, obj, type, reason, message, NULL,
                                  on_recorded, &r);
  g_assert_true (kct_wait (&r.done, 10000));
  g_assert_no_error (r.error);
  return r.event;
}

static gint64
count (JsonNode *event)
{
  return json_object_get_int_member (json_node_get_object (event), "count");
}

static void
test_aggregate (void)
{
  KctServer *server = kct_server_start ("memory", NULL);
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcEventRecorder) rec = kc_event_recorder_new (client,
                                                           "test-ctl");
  g_autoptr (JsonNode) cm = kct_request (
    client, "POST", "/api/v1/namespaces/default/configmaps",
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
    "{\"name\":\"involved\"}}", NULL);
  g_assert_nonnull (cm);

  g_autoptr (JsonNode) e1 = record (rec, cm, KC_EVENT_NORMAL, "Synced",
                                    "all good");
  g_autoptr (JsonNode) e2 = record (rec, cm, KC_EVENT_NORMAL, "Synced",
                                    "all good");
  g_assert_cmpstr (kc_object_get_name (e1), ==, kc_object_get_name (e2));
  g_assert_cmpint (count (e1), ==, 1);
  g_assert_cmpint (count (e2), ==, 2);
  g_autoptr (JsonNode) other = record (rec, cm, KC_EVENT_WARNING, "Failed",
                                       "boom");
  g_assert_cmpstr (kc_object_get_name (other), !=, kc_object_get_name (e1));

  /* Fire and forget, three more repeats, in order. */
  for (int i = 0; i < 3; i++)
    kc_event_recorder_record (rec, cm, KC_EVENT_NORMAL, "Synced",
                              "all good");
  g_autoptr (JsonNode) e6 = record (rec, cm, KC_EVENT_NORMAL, "Synced",
                                    "all good");
  g_assert_cmpint (count (e6), ==, 6);

  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = kct_request (
    client, "GET", "/api/v1/namespaces/default/events", NULL, &error);
  g_assert_no_error (error);
  JsonArray *items = json_object_get_array_member (
    json_node_get_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *ev = json_array_get_object_element (items, i);
      JsonObject *inv = json_object_get_object_member (ev, "involvedObject");
      g_assert_cmpstr (json_object_get_string_member (inv, "name"), ==,
                       "involved");
      g_assert_cmpstr (json_object_get_string_member (inv, "kind"), ==,
                       "ConfigMap");
      g_assert_cmpstr (json_object_get_string_member (
                         json_object_get_object_member (ev, "source"),
                         "component"), ==, "test-ctl");
      if (g_str_equal (json_object_get_string_member (ev, "reason"),
                       "Synced"))
        g_assert_cmpint (json_object_get_int_member (ev, "count"), ==, 6);
    }
  kc_event_recorder_free (g_steal_pointer (&rec));
  kct_server_free (server);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client/event-recorder/aggregate", test_aggregate);
  return g_test_run ();
}
