/* Informers against a real kcore apiserver: correctness under churn,
 * recovery from a killed API server, re-list on 410, shared factory. */
#include "test-server.h"

#include <signal.h>

#define N_OBJECTS 1000
#define N_UPDATES 2
#define WINDOW 24

/* ---- what the handlers saw ---------------------------------------------- */

typedef struct
{
  GHashTable *seen; /* key -> GString of "A5 U7 U9 D10 " */
  guint events;
} Seen;

static void
seen_add (Seen *s, char kind, JsonNode *obj)
{
  g_autofree char *key = kc_object_get_key (obj);
  GString *str = g_hash_table_lookup (s->seen, key);
  if (!str)
    {
      str = g_string_new (NULL);
      g_hash_table_insert (s->seen, g_strdup (key), str);
    }
  g_string_append_printf (str, "%c%s ", kind,
                          kc_object_get_resource_version (obj));
  s->events++;
}

static void
on_add (KcInformer *inf, JsonNode *obj, gpointer data)
{
  (void) inf;
  seen_add (data, 'A', obj);
}

static void
on_update (KcInformer *inf, JsonNode *old, JsonNode *obj, gpointer data)
{
  (void) inf;
  g_assert_true (old != obj); /* no resync configured */
  seen_add (data, 'U', obj);
}

static void
on_delete (KcInformer *inf, JsonNode *obj, gpointer data)
{
  (void) inf;
  seen_add (data, 'D', obj);
}

static void
gstring_free (gpointer p)
{
  g_string_free (p, TRUE);
}

/* ---- convergence ------------------------------------------------------- */

/* TRUE when @inf's cache has the same keys and resourceVersions as a fresh
 * list of configmaps labelled @label. */
static gboolean
cache_matches (KcClient *client, KcInformer *inf, const char *label)
{
  g_autofree char *path = g_strdup_printf (
    "/api/v1/namespaces/default/configmaps?labelSelector=%s", label);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = kct_request (client, "GET", path, NULL, &error);
  if (!list)
    return FALSE;
  JsonArray *items = json_object_get_array_member (
    json_node_get_object (list), "items");
  if (json_array_get_length (items) != kc_informer_size (inf))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      JsonNode *cached = kc_informer_get (inf, kc_object_get_namespace (item),
                                          kc_object_get_name (item));
      if (!cached
          || g_strcmp0 (kc_object_get_resource_version (cached),
                        kc_object_get_resource_version (item)) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
wait_converged (KcClient *client, KcInformer *inf, const char *label,
                guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;
  while (g_get_monotonic_time () < end)
    {
      if (cache_matches (client, inf, label))
        return TRUE;
      gboolean never = FALSE;
      kct_wait (&never, 100);
    }
  return FALSE;
}

static void
wait_synced (KcInformer *inf)
{
  for (int i = 0; i < 300 && !kc_informer_has_synced (inf); i++)
    {
      gboolean never = FALSE;
      kct_wait (&never, 20);
    }
  g_assert_true (kc_informer_has_synced (inf));
}

/* ---- churn driver ------------------------------------------------------ */

typedef struct
{
  KcClient *client;
  KcResource *cms;
  guint next, finished, running;
  guint step[N_OBJECTS];
  const char *label;
} Churn;

typedef struct
{
  Churn *churn;
  guint index;
} Op;

static void churn_step (Churn *c, guint i);

static gboolean
deleted (guint i)
{
  return i % 2 == 0;
}

static void
on_churn (GObject *source, GAsyncResult *res, gpointer data)
{
  Op *op = data;
  Churn *c = op->churn;
  guint i = op->index;
  g_free (op);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = kc_client_request_finish (KC_CLIENT (source),
                                                         res, &error);
  g_assert_no_error (error);
  c->step[i]++;
  churn_step (c, i);
}

static char *
cm_name (guint i)
{
  return g_strdup_printf ("churn-%04u", i);
}

static void
start_next (Churn *c)
{
  while (c->running < WINDOW && c->next < N_OBJECTS)
    {
      c->running++;
      churn_step (c, c->next++);
    }
}

static void
churn_step (Churn *c, guint i)
{
  g_autofree char *name = cm_name (i);
  Op *op = g_new0 (Op, 1);
  op->churn = c;
  op->index = i;
  guint step = c->step[i];
  if (step == 0)
    {
      g_autofree char *text = g_strdup_printf (
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
        "{\"name\":\"%s\",\"labels\":{\"suite\":\"%s\",\"group\":\"g%u\"}},"
        "\"data\":{\"n\":\"0\"}}", name, c->label, i % 10);
      g_autoptr (JsonNode) body = kct_json (text);
      kc_client_create_async (c->client, c->cms, "default", NULL, NULL, body,
                              NULL, on_churn, op);
    }
  else if (step <= N_UPDATES)
    {
      g_autofree char *text = g_strdup_printf ("{\"data\":{\"n\":\"%u\"}}",
                                               step);
      g_autoptr (JsonNode) body = kct_json (text);
      kc_client_patch_async (c->client, c->cms, "default", name, NULL,
                             KC_PATCH_MERGE, body, NULL, on_churn, op);
    }
  else if (step == N_UPDATES + 1 && deleted (i))
    kc_client_delete_async (c->client, c->cms, "default", name, NULL,
                            on_churn, op);
  else
    {
      g_free (op);
      c->running--;
      c->finished++;
      start_next (c);
    }
}

static char **
index_by_group (JsonNode *obj, gpointer data)
{
  (void) data;
  JsonObject *meta = json_object_get_object_member (
    json_node_get_object (obj), "metadata");
  JsonObject *labels = json_object_get_object_member (meta, "labels");
  const char *g = json_object_get_string_member_with_default (labels,
                                                              "group", NULL);
  char **keys = g_new0 (char *, 2);
  keys[0] = g_strdup (g);
  return keys;
}

static void
check_sequence (const char *key, const char *seq, gboolean was_deleted)
{
  g_autofree char *copy = g_strstrip (g_strdup (seq));
  g_auto (GStrv) parts = g_strsplit (copy, " ", -1);
  guint n = g_strv_length (parts);
  guint expect = 1 + N_UPDATES + (was_deleted ? 1 : 0);
  if (n != expect)
    g_error ("%s: handlers saw \"%s\", expected %u events", key, seq, expect);
  gint64 last = 0;
  for (guint j = 0; j < n; j++)
    {
      char kind = parts[j][0];
      gint64 rv = g_ascii_strtoll (parts[j] + 1, NULL, 10);
      char want = j == 0 ? 'A' : (was_deleted && j == n - 1) ? 'D' : 'U';
      if (kind != want || rv < last || (kind == 'U' && rv == last))
        g_error ("%s: handlers saw \"%s\" (out of order at %u)", key, seq, j);
      last = rv;
    }
}

static void
test_churn (void)
{
  KctServer *server = kct_server_start ("memory", NULL);
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcClient) writer = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  g_autoptr (KcInformerFactory) factory = kc_informer_factory_new (client, 0);
  KcInformer *inf = kc_informer_factory_get (factory, cms, "default",
                                             "suite=churn", NULL);
  /* Shared: the same informer for the same resource and selectors. */
  g_assert_true (inf == kc_informer_factory_get (factory, cms, "default",
                                                 "suite=churn", NULL));
  g_assert_true (inf != kc_informer_factory_get (factory, cms, "default",
                                                 "suite=other", NULL));
  Seen seen;
  seen.events = 0;
  seen.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     gstring_free);
  kc_informer_add_handlers (inf, on_add, on_update, on_delete, &seen, NULL);
  kc_informer_add_index (inf, "group", index_by_group, NULL, NULL);
  kc_informer_factory_start (factory);
  for (int i = 0; i < 300 && !kc_informer_factory_has_synced (factory); i++)
    {
      gboolean never = FALSE;
      kct_wait (&never, 20);
    }
  g_assert_true (kc_informer_factory_has_synced (factory));

  Churn churn = { writer, cms, 0, 0, 0, { 0 }, "churn" };
  gint64 start = g_get_monotonic_time ();
  start_next (&churn);
  gboolean all = FALSE;
  while (churn.finished < N_OBJECTS)
    kct_wait (&all, 50);
  g_test_message ("churn: %u objects, %u writes in %" G_GINT64_FORMAT " ms",
                  N_OBJECTS, N_OBJECTS * (1 + N_UPDATES) + N_OBJECTS / 2,
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_true (wait_converged (client, inf, "suite%3Dchurn", 20000));
  g_assert_cmpuint (kc_informer_size (inf), ==, N_OBJECTS / 2);
  g_assert_cmpuint (kc_informer_get_list_count (inf), ==, 1);

  for (guint i = 0; i < N_OBJECTS; i++)
    {
      g_autofree char *name = cm_name (i);
      g_autofree char *key = g_strdup_printf ("default/%s", name);
      GString *seq = g_hash_table_lookup (seen.seen, key);
      g_assert_nonnull (seq);
      check_sequence (key, seq->str, deleted (i));
    }
  g_autoptr (GPtrArray) g3 = kc_informer_by_index (inf, "group", "g3");
  g_assert_cmpuint (g3->len, ==, N_OBJECTS / 10); /* odd i, all kept */
  g_autoptr (GPtrArray) g4 = kc_informer_by_index (inf, "group", "g4");
  g_assert_cmpuint (g4->len, ==, 0); /* even i, all deleted */

  /* A handler added late gets the cache as adds. */
  Seen late;
  late.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     gstring_free);
  late.events = 0;
  guint id = kc_informer_add_handlers (inf, on_add, NULL, NULL, &late, NULL);
  g_assert_cmpuint (late.events, ==, N_OBJECTS / 2);
  kc_informer_remove_handlers (inf, id);
  g_hash_table_unref (late.seen);

  kc_informer_factory_free (g_steal_pointer (&factory));
  g_hash_table_unref (seen.seen);
  kct_server_free (server);
}

static void
create_cms (KcClient *client, const char *prefix, guint from, guint to)
{
  for (guint i = from; i < to; i++)
    {
      g_autofree char *text = g_strdup_printf (
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
        "{\"name\":\"%s-%u\",\"labels\":{\"suite\":\"%s\"}}}", prefix, i,
        prefix);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) n = kct_request (
        client, "POST", "/api/v1/namespaces/default/configmaps", text,
        &error);
      g_assert_no_error (error);
    }
}

static void
delete_cms (KcClient *client, const char *prefix, guint from, guint to)
{
  for (guint i = from; i < to; i++)
    {
      g_autofree char *path = g_strdup_printf (
        "/api/v1/namespaces/default/configmaps/%s-%u", prefix, i);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) n = kct_request (client, "DELETE", path, NULL,
                                            &error);
      g_assert_no_error (error);
    }
}

static void
test_server_restart (void)
{
  KctServer *server = kct_server_start ("sqlite", NULL);
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  g_autoptr (KcInformer) inf = kc_informer_new (client, cms, "default",
                                                "suite=restart", NULL, 0);
  Seen seen;
  seen.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     gstring_free);
  seen.events = 0;
  kc_informer_add_handlers (inf, on_add, on_update, on_delete, &seen, NULL);
  kc_informer_start (inf);
  wait_synced (inf);
  create_cms (client, "restart", 0, 40);
  g_assert_true (wait_converged (client, inf, "suite%3Drestart", 10000));

  kct_server_kill (server, SIGKILL);
  gboolean never = FALSE;
  kct_wait (&never, 300); /* the informer sees the watch drop */
  kct_server_restart (server);
  create_cms (client, "restart", 40, 60);
  delete_cms (client, "restart", 0, 10);
  g_assert_true (wait_converged (client, inf, "suite%3Drestart", 20000));
  g_assert_cmpuint (kc_informer_size (inf), ==, 50);
  g_test_message ("after restart: %u list(s)",
                  kc_informer_get_list_count (inf));
  /* Every deleted object was reported deleted exactly once. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *key = g_strdup_printf ("default/restart-%u", i);
      GString *seq = g_hash_table_lookup (seen.seen, key);
      g_assert_nonnull (seq);
      g_assert_nonnull (strchr (seq->str, 'D'));
      g_assert_true (strchr (seq->str, 'D') == strrchr (seq->str, 'D'));
    }
  g_clear_pointer (&inf, kc_informer_unref);
  g_hash_table_unref (seen.seen);
  kct_server_free (server);
}

static void
test_expired_relist (void)
{
  /* The API server's watch cache keeps 10,000 events per resource, longer
   * than store compaction; a restarted server's cache starts at the
   * current revision, so an old resourceVersion goes to the compacted
   * store and gets 410. */
  const char *sets[] = { "apiserver.compaction-interval-seconds=1",
                         "apiserver.compaction-retention-revisions=5", NULL };
  KctServer *server = kct_server_start ("sqlite", sets);
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  g_autoptr (KcInformer) inf = kc_informer_new (client, cms, "default",
                                                "suite=expire", NULL, 0);
  Seen seen;
  seen.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     gstring_free);
  seen.events = 0;
  kc_informer_add_handlers (inf, on_add, on_update, on_delete, &seen, NULL);
  create_cms (client, "expire", 0, 5);
  kc_informer_start (inf);
  wait_synced (inf);
  g_assert_true (wait_converged (client, inf, "suite%3Dexpire", 10000));
  g_assert_cmpuint (kc_informer_get_list_count (inf), ==, 1);

  /* Stopped, it misses 40 changes that compaction then drops. */
  kc_informer_stop (inf);
  create_cms (client, "expire", 5, 40);
  delete_cms (client, "expire", 0, 5);
  gboolean never = FALSE;
  kct_wait (&never, 2500);
  kct_server_kill (server, SIGTERM);
  kct_server_restart (server);
  kc_informer_start (inf); /* resumes from its old resourceVersion: 410 */
  g_assert_true (wait_converged (client, inf, "suite%3Dexpire", 20000));
  g_assert_cmpuint (kc_informer_get_list_count (inf), ==, 2);
  g_assert_cmpuint (kc_informer_size (inf), ==, 35);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *key = g_strdup_printf ("default/expire-%u", i);
      GString *seq = g_hash_table_lookup (seen.seen, key);
      g_assert_nonnull (strchr (seq->str, 'D'));
    }
  g_clear_pointer (&inf, kc_informer_unref);
  g_hash_table_unref (seen.seen);
  kct_server_free (server);
}

static guint resyncs;

static void
on_resync_update (KcInformer *inf, JsonNode *old, JsonNode *obj,
                  gpointer data)
{
  (void) inf;
  (void) data;
  if (old == obj)
    resyncs++;
}

/* Periodic resync: update with old == new for every cached object; the
 * owner index. */
static void
test_resync_and_owner_index (void)
{
  KctServer *server = kct_server_start ("memory", NULL);
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *text = g_strdup_printf (
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
        "{\"name\":\"owned-%u\",\"ownerReferences\":[{\"apiVersion\":"
        "\"v1\",\"kind\":\"ConfigMap\",\"name\":\"o\",\"uid\":"
        "\"uid-%u\"}]}}", i, i % 2);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) n = kct_request (
        client, "POST", "/api/v1/namespaces/default/configmaps", text,
        &error);
      g_assert_no_error (error);
    }
  g_autoptr (KcInformer) inf = kc_informer_new (client, cms, NULL, NULL,
                                                NULL, 200);
  kc_informer_add_index (inf, "owner", kc_index_by_owner_uid, NULL, NULL);
  kc_informer_add_handlers (inf, NULL, on_resync_update, NULL, NULL, NULL);
  resyncs = 0;
  kc_informer_start (inf);
  wait_synced (inf);
  gboolean never = FALSE;
  kct_wait (&never, 700);
  g_assert_cmpuint (resyncs, >=, 2 * 3);
  g_assert_cmpuint (resyncs % 3, ==, 0);
  g_autoptr (GPtrArray) by0 = kc_informer_by_index (inf, "owner", "uid-0");
  g_autoptr (GPtrArray) by1 = kc_informer_by_index (inf, "owner", "uid-1");
  g_assert_cmpuint (by0->len, ==, 2);
  g_assert_cmpuint (by1->len, ==, 1);
  g_assert_null (kc_informer_by_index (inf, "nope", "x"));
  kc_informer_stop (inf);
  g_clear_pointer (&inf, kc_informer_unref);
  kct_server_free (server);
}

static void
drop_data (JsonNode *obj, gpointer data)
{
  (*(guint *) data)++;
  json_object_remove_member (json_node_get_object (obj), "data");
}

static void
on_transformed_add (KcInformer *inf, JsonNode *obj, gpointer data)
{
  (void) inf;
  (void) data;
  g_assert_false (json_object_has_member (json_node_get_object (obj),
                                          "data"));
}

/* A transform trims objects before the cache and the handlers see them,
 * both from the list and from the watch. */
static void
test_transform (void)
{
  KctServer *server = kct_server_start ("memory", NULL);
  g_autoptr (KcClient) client = kct_client_new (server->url);
  g_autoptr (KcResource) cms = kc_resource_new ("", "v1", "configmaps");
  const char *listed = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                       "\"metadata\":{\"name\":\"listed\"},"
                       "\"data\":{\"big\":\"xxxxxxxx\"}}";
  const char *watched = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                        "\"metadata\":{\"name\":\"watched\"},"
                        "\"data\":{\"big\":\"yyyyyyyy\"}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) a = kct_request (
      client, "POST", "/api/v1/namespaces/default/configmaps", listed, &error);
  g_assert_no_error (error);
  guint calls = 0;
  g_autoptr (KcInformer) inf = kc_informer_new (client, cms, "default", NULL,
                                                NULL, 0);
  kc_informer_set_transform (inf, drop_data, &calls, NULL);
  kc_informer_add_handlers (inf, on_transformed_add, NULL, NULL, NULL, NULL);
  kc_informer_start (inf);
  wait_synced (inf);
  g_autoptr (JsonNode) b = kct_request (
      client, "POST", "/api/v1/namespaces/default/configmaps", watched,
      &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && kc_informer_size (inf) < 2; i++)
    {
      gboolean never = FALSE;
      kct_wait (&never, 20);
    }
  g_assert_cmpuint (kc_informer_size (inf), ==, 2);
  g_assert_cmpuint (calls, ==, 2);
  JsonNode *cached = kc_informer_get (inf, "default", "watched");
  g_assert_nonnull (cached);
  g_assert_false (json_object_has_member (json_node_get_object (cached),
                                          "data"));
  g_assert_cmpstr (kc_object_get_resource_version (cached), !=, NULL);
  kc_informer_stop (inf);
  g_clear_pointer (&inf, kc_informer_unref);
  kct_server_free (server);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client/informer/churn", test_churn);
  g_test_add_func ("/client/informer/transform", test_transform);
  g_test_add_func ("/client/informer/server-restart", test_server_restart);
  g_test_add_func ("/client/informer/expired-relist", test_expired_relist);
  g_test_add_func ("/client/informer/resync-owner-index",
                   test_resync_and_owner_index);
  return g_test_run ();
}
