/* Leases mapped onto etcd leases.
 *
 * grant and keepalive are etcd's.  revoke differs: etcd deletes all the
 * keys of a lease in one revision, while store.h wants one revision per
 * deleted key.  So revoke first lists the lease's keys (timetolive with
 * keys), deletes each with its own txn (guarded by "still attached to this
 * lease"), then revokes the lease, which then owns no key.
 *
 * Expiry is etcd's own: the keys of an expired lease are deleted together,
 * at ONE revision (README.md, "Where it differs from store.h"). */
#include "build-config.h"

#include "etcd-store.h"

static void
return_error (GTask *task, const GError *error, const char *what,
              gint64 lease)
{
  GError *copy = g_error_copy (error);
  g_prefix_error (&copy, "%s lease %" G_GINT64_FORMAT ": ", what, lease);
  g_task_return_error (task, copy);
  g_object_unref (task);
}

static GTask *
lease_task (gpointer tag, gint64 lease, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, g_memdup2 (&lease, sizeof lease), g_free);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return NULL;
    }
  return task;
}

static gint64
task_lease (GTask *task)
{
  return *(gint64 *) g_task_get_task_data (task);
}

/* ---- grant -------------------------------------------------------------------- */

static void
grant_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
             gpointer data)
{
  GTask *task = data;
  if (error)
    {
      return_error (task, error, "grant", 0);
      return;
    }
  JsonObject *reply = json_node_get_object (root);
  gint64 id = kc_etcd_json_int (reply, "ID");
  const char *why = json_object_get_string_member_with_default (
      reply, "error", NULL);
  if (id <= 0)
    g_task_return_new_error (task, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                             "grant lease: etcd granted no lease%s%s",
                             why ? ": " : "", why ? why : "");
  else
    g_task_return_int (task, id);
  g_object_unref (task);
}

void
kc_etcd_lease_grant_async (KcEtcdStore *self, gint64 ttl,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = lease_task (kc_etcd_lease_grant_async, 0, cancellable,
                            callback, user_data);
  if (task == NULL)
    return;
  char *body = g_strdup_printf ("{\"TTL\":\"%" G_GINT64_FORMAT "\"}", ttl);
  /* Sent again after a lost answer, it may grant a second lease, which
   * nobody keeps alive and which expires: harmless. */
  kc_etcd_client_call (self->client, "/v3/lease/grant", body,
                       KC_ETCD_IDEMPOTENT, grant_reply, task);
}

/* ---- keepalive ------------------------------------------------------------------ */

static void
keepalive_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
                 gpointer data)
{
  GTask *task = data;
  gint64 lease = task_lease (task);
  if (error)
    {
      return_error (task, error, "keepalive", lease);
      return;
    }
  /* A stream reply: {"result": {...}} per message; the first is ours. */
  JsonObject *result = kc_etcd_json_object (json_node_get_object (root),
                                            "result");
  gint64 ttl = kc_etcd_json_int (result, "TTL");
  if (ttl <= 0)
    g_task_return_new_error (task, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                             "keepalive lease %" G_GINT64_FORMAT
                             ": no such lease (expired or revoked)",
                             lease);
  else
    g_task_return_int (task, ttl);
  g_object_unref (task);
}

void
kc_etcd_lease_keepalive_async (KcEtcdStore *self, gint64 lease,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = lease_task (kc_etcd_lease_keepalive_async, lease,
                            cancellable, callback, user_data);
  if (task == NULL)
    return;
  char *body = g_strdup_printf ("{\"ID\":\"%" G_GINT64_FORMAT "\"}", lease);
  kc_etcd_client_call (self->client, "/v3/lease/keepalive", body,
                       KC_ETCD_IDEMPOTENT, keepalive_reply, task);
}

/* ---- revoke --------------------------------------------------------------------- */

typedef struct
{
  KcEtcdStore *self;
  GTask *task;
  gint64 lease;
  char **keys; /* base64, from timetolive */
  guint next;
} Revoke;

static void
revoke_free (Revoke *r)
{
  g_strfreev (r->keys);
  g_free (r);
}

static void revoke_next (Revoke *r);

static void
revoke_fail (Revoke *r, const GError *error)
{
  return_error (r->task, error, "revoke", r->lease);
  revoke_free (r);
}

static void
revoke_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
              gpointer data)
{
  Revoke *r = data;
  if (error)
    {
      revoke_fail (r, error);
      return;
    }
  g_task_return_int (r->task, 1);
  g_object_unref (r->task);
  revoke_free (r);
}

static void
delete_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
              gpointer data)
{
  Revoke *r = data;
  /* A key detached or deleted meanwhile fails the compare: fine. */
  if (error)
    {
      revoke_fail (r, error);
      return;
    }
  revoke_next (r);
}

static void
revoke_next (Revoke *r)
{
  KcEtcdClient *client = r->self->client;
  if (r->keys && r->keys[r->next])
    {
      const char *key = r->keys[r->next++];
      char *body = g_strdup_printf (
          "{\"compare\":[{\"key\":\"%s\",\"target\":\"LEASE\","
          "\"result\":\"EQUAL\",\"lease\":\"%" G_GINT64_FORMAT "\"}],"
          "\"success\":[{\"request_delete_range\":{\"key\":\"%s\"}}]}",
          key, r->lease, key);
      kc_etcd_client_call (client, "/v3/kv/txn", body, KC_ETCD_IDEMPOTENT,
                           delete_reply, r);
      return;
    }
  char *body = g_strdup_printf ("{\"ID\":\"%" G_GINT64_FORMAT "\"}",
                                r->lease);
  kc_etcd_client_call (client, "/v3/lease/revoke", body, KC_ETCD_IDEMPOTENT,
                       revoke_reply, r);
}

static void
timetolive_reply (JsonNode *root, const GError *error,
                  gboolean maybe_applied, gpointer data)
{
  Revoke *r = data;
  if (error)
    {
      revoke_fail (r, error);
      return;
    }
  JsonObject *reply = json_node_get_object (root);
  if (kc_etcd_json_int (reply, "TTL") < 0)
    {
      g_task_return_new_error (r->task, KC_STORE_ERROR,
                               KC_STORE_ERROR_NOT_FOUND,
                               "revoke lease %" G_GINT64_FORMAT
                               ": no such lease (expired or revoked)",
                               r->lease);
      g_object_unref (r->task);
      revoke_free (r);
      return;
    }
  JsonArray *keys = json_object_has_member (reply, "keys")
                        ? json_object_get_array_member (reply, "keys")
                        : NULL;
  guint n = keys ? json_array_get_length (keys) : 0;
  r->keys = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    r->keys[i] = g_strdup (json_array_get_string_element (keys, i));
  revoke_next (r);
}

void
kc_etcd_lease_revoke_async (KcEtcdStore *self, gint64 lease,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = lease_task (kc_etcd_lease_revoke_async, lease, cancellable,
                            callback, user_data);
  if (task == NULL)
    return;
  Revoke *r = g_new0 (Revoke, 1);
  r->self = self;
  r->task = task;
  r->lease = lease;
  char *body = g_strdup_printf ("{\"ID\":\"%" G_GINT64_FORMAT "\","
                                "\"keys\":true}",
                                lease);
  kc_etcd_client_call (self->client, "/v3/lease/timetolive", body,
                       KC_ETCD_IDEMPOTENT, timetolive_reply, r);
}
