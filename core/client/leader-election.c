/* KcLeaderElector: client-go's lease-based leader election.
 *
 * Every retry period the elector reads the Lease.  It takes it (PUT with
 * the read resourceVersion) when it is free, ours, or not renewed for a
 * lease duration as measured on OUR monotonic clock from when we first
 * saw its current renewTime (clocks of other hosts are never compared).
 * A leader that has not renewed within renew_deadline of the START of its
 * last successful renew stops leading; renew_deadline < lease_duration, so
 * it stops before anyone else may take the lease. */
#include "client-private.h"
#include "kcore/leader-election.h"

struct _KcLeaderElector
{
  KcClient *client;
  KcResource *leases;
  char *ns, *name, *identity;
  guint lease_ms, deadline_ms, retry_ms;
  KcLeaderFunc started, stopped;
  gpointer user_data;
  GDestroyNotify destroy;

  gboolean running, leading, busy;
  gint64 attempt_start, last_renew;
  char *observed_holder, *observed_renew;
  gint64 observed_time;
  JsonNode *lease; /* last lease read or written */
  GSource *tick, *deadline, *soon;
  GCancellable *cancellable;
};

static void
clear_source (GSource **s)
{
  if (*s)
    {
      g_source_destroy (*s);
      g_clear_pointer (s, g_source_unref);
    }
}

static void
stop_leading (KcLeaderElector *e, const char *why)
{
  clear_source (&e->deadline);
  if (!e->leading)
    return;
  e->leading = FALSE;
  g_message ("leader election %s/%s: %s stopped leading: %s", e->ns, e->name,
             e->identity, why);
  if (e->stopped)
    e->stopped (e, e->user_data);
}

static gboolean
on_deadline (gpointer user_data)
{
  KcLeaderElector *e = user_data;
  g_clear_pointer (&e->deadline, g_source_unref);
  stop_leading (e, "could not renew the lease before the renew deadline");
  return G_SOURCE_REMOVE;
}

static void
arm_deadline (KcLeaderElector *e)
{
  clear_source (&e->deadline);
  gint64 left = e->last_renew + (gint64) e->deadline_ms * 1000
                - g_get_monotonic_time ();
  e->deadline = g_timeout_source_new ((guint) MAX (left / 1000, 0));
  g_source_set_callback (e->deadline, on_deadline, e, NULL);
  g_source_attach (e->deadline, kcc_client_config (e->client)->context);
}

static JsonObject *
ensure_object (JsonObject *parent, const char *member)
{
  if (!json_object_has_member (parent, member)
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (parent, member)))
    json_object_set_object_member (parent, member, json_object_new ());
  return json_object_get_object_member (parent, member);
}

static void
observe (KcLeaderElector *e, JsonNode *lease)
{
  JsonNode *spec = json_object_get_member (json_node_get_object (lease),
                                           "spec");
  const char *holder = kcc_json_get_string (spec, "holderIdentity");
  const char *renew = kcc_json_get_string (spec, "renewTime");
  if (g_strcmp0 (holder, e->observed_holder) != 0
      || g_strcmp0 (renew, e->observed_renew) != 0 || !e->observed_time)
    {
      g_free (e->observed_holder);
      g_free (e->observed_renew);
      e->observed_holder = g_strdup (holder);
      e->observed_renew = g_strdup (renew);
      e->observed_time = g_get_monotonic_time ();
    }
  if (e->lease)
    json_node_unref (e->lease);
  e->lease = json_node_ref (lease);
}

/* The lease as we write it: ours, renewed now. */
static JsonNode *
build_lease (KcLeaderElector *e, JsonNode *current)
{
  JsonNode *node = current ? json_node_copy (current)
                           : json_node_new (JSON_NODE_OBJECT);
  if (!current)
    json_node_take_object (node, json_object_new ());
  JsonObject *o = json_node_get_object (node);
  json_object_set_string_member (o, "apiVersion", "coordination.k8s.io/v1");
  json_object_set_string_member (o, "kind", "Lease");
  JsonObject *meta = ensure_object (o, "metadata");
  json_object_set_string_member (meta, "name", e->name);
  json_object_set_string_member (meta, "namespace", e->ns);
  JsonObject *spec = ensure_object (o, "spec");
  const char *holder = json_object_get_string_member_with_default (
    spec, "holderIdentity", "");
  g_autofree char *now = kcc_now_rfc3339 (TRUE);
  if (g_strcmp0 (holder, e->identity) != 0)
    {
      gint64 transitions = json_object_get_int_member_with_default (
        spec, "leaseTransitions", 0);
      json_object_set_int_member (spec, "leaseTransitions",
                                  *holder ? transitions + 1 : transitions);
      json_object_set_string_member (spec, "acquireTime", now);
    }
  json_object_set_string_member (spec, "holderIdentity", e->identity);
  json_object_set_int_member (spec, "leaseDurationSeconds",
                              (e->lease_ms + 999) / 1000);
  json_object_set_string_member (spec, "renewTime", now);
  return node;
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) lease = kc_client_request_finish (KC_CLIENT (source),
                                                          result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  KcLeaderElector *e = user_data;
  e->busy = FALSE;
  if (!lease)
    {
      g_debug ("leader election %s/%s: write failed: %s", e->ns, e->name,
               error->message);
      return;
    }
  observe (e, lease);
  gint64 now = g_get_monotonic_time ();
  if (now - e->attempt_start >= (gint64) e->deadline_ms * 1000)
    return; /* too slow to count: the deadline timer decides */
  e->last_renew = e->attempt_start;
  arm_deadline (e);
  if (!e->leading)
    {
      e->leading = TRUE;
      g_message ("leader election %s/%s: %s is leading", e->ns, e->name,
                 e->identity);
      if (e->started)
        e->started (e, e->user_data);
    }
}

static void
write_lease (KcLeaderElector *e, JsonNode *current)
{
  g_autoptr (JsonNode) lease = build_lease (e, current);
  if (current)
    kc_client_update_async (e->client, e->leases, e->ns, e->name, NULL, lease,
                            e->cancellable, on_written, e);
  else
    kc_client_create_async (e->client, e->leases, e->ns, NULL, NULL, lease,
                            e->cancellable, on_written, e);
}

static void try_acquire_or_renew (KcLeaderElector *e);

static gboolean
on_soon (gpointer user_data)
{
  KcLeaderElector *e = user_data;
  g_clear_pointer (&e->soon, g_source_unref);
  try_acquire_or_renew (e);
  return G_SOURCE_REMOVE;
}

/* A lease due to expire before the next tick is tried right when it
 * expires: a take-over then takes at most lease duration + retry period
 * after the leader's last renew was observed. */
static void
try_again_at_expiry (KcLeaderElector *e)
{
  gint64 left = e->observed_time + (gint64) e->lease_ms * 1000
                - g_get_monotonic_time ();
  if (left >= (gint64) e->retry_ms * 1000 || e->soon)
    return;
  e->soon = g_timeout_source_new ((guint) (MAX (left, 0) / 1000 + 1));
  g_source_set_callback (e->soon, on_soon, e, NULL);
  g_source_attach (e->soon, kcc_client_config (e->client)->context);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) lease = kc_client_request_finish (KC_CLIENT (source),
                                                          result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  KcLeaderElector *e = user_data;
  if (!lease)
    {
      if (g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NOT_FOUND))
        {
          write_lease (e, NULL);
          return;
        }
      g_debug ("leader election %s/%s: read failed: %s", e->ns, e->name,
               error->message);
      e->busy = FALSE;
      return;
    }
  observe (e, lease);
  gboolean free_or_ours = !e->observed_holder || !*e->observed_holder
                          || g_str_equal (e->observed_holder, e->identity);
  gboolean expired = g_get_monotonic_time ()
                     >= e->observed_time + (gint64) e->lease_ms * 1000;
  if (!free_or_ours && !expired)
    {
      e->busy = FALSE;
      stop_leading (e, "another contender holds the lease");
      try_again_at_expiry (e);
      return;
    }
  write_lease (e, lease);
}

static void
try_acquire_or_renew (KcLeaderElector *e)
{
  /* An attempt that outlived the renew deadline can no longer make us
   * leader (see on_written): give it up rather than wait for the client's
   * request timeout. */
  if (e->busy && g_get_monotonic_time () - e->attempt_start
                   >= (gint64) e->deadline_ms * 1000)
    {
      g_cancellable_cancel (e->cancellable);
      g_object_unref (e->cancellable);
      e->cancellable = g_cancellable_new ();
      e->busy = FALSE;
    }
  if (e->busy)
    return;
  e->busy = TRUE;
  e->attempt_start = g_get_monotonic_time ();
  kc_client_get_async (e->client, e->leases, e->ns, e->name, NULL,
                       e->cancellable, on_read, e);
}

static gboolean
on_tick (gpointer user_data)
{
  try_acquire_or_renew (user_data);
  return G_SOURCE_CONTINUE;
}

KcLeaderElector *
kc_leader_elector_new (KcClient *client, const char *namespace,
                       const char *name, const char *identity)
{
  KcLeaderElector *e = g_new0 (KcLeaderElector, 1);
  e->client = g_object_ref (client);
  e->leases = kc_resource_new ("coordination.k8s.io", "v1", "leases");
  e->ns = g_strdup (namespace);
  e->name = g_strdup (name);
  e->identity = g_strdup (identity);
  e->lease_ms = 15000;
  e->deadline_ms = 10000;
  e->retry_ms = 2000;
  e->cancellable = g_cancellable_new ();
  return e;
}

static void
stop_running (KcLeaderElector *e)
{
  e->running = FALSE;
  clear_source (&e->tick);
  clear_source (&e->soon);
  g_cancellable_cancel (e->cancellable);
  g_object_unref (e->cancellable);
  e->cancellable = g_cancellable_new ();
  e->busy = FALSE;
}

void
kc_leader_elector_free (KcLeaderElector *e)
{
  if (!e)
    return;
  stop_running (e);
  stop_leading (e, "elector freed");
  if (e->destroy)
    e->destroy (e->user_data);
  g_clear_object (&e->cancellable);
  g_clear_pointer (&e->lease, json_node_unref);
  kc_resource_unref (e->leases);
  g_object_unref (e->client);
  g_free (e->ns);
  g_free (e->name);
  g_free (e->identity);
  g_free (e->observed_holder);
  g_free (e->observed_renew);
  g_free (e);
}

gboolean
kc_leader_elector_set_durations (KcLeaderElector *e, guint lease_ms,
                                 guint deadline_ms, guint retry_ms)
{
  if (!(retry_ms > 0 && retry_ms < deadline_ms && deadline_ms < lease_ms))
    return FALSE;
  e->lease_ms = lease_ms;
  e->deadline_ms = deadline_ms;
  e->retry_ms = retry_ms;
  return TRUE;
}

void
kc_leader_elector_set_callbacks (KcLeaderElector *e, KcLeaderFunc started,
                                 KcLeaderFunc stopped, gpointer user_data,
                                 GDestroyNotify destroy)
{
  if (e->destroy)
    e->destroy (e->user_data);
  e->started = started;
  e->stopped = stopped;
  e->user_data = user_data;
  e->destroy = destroy;
}

void
kc_leader_elector_start (KcLeaderElector *e)
{
  if (e->running)
    return;
  e->running = TRUE;
  e->tick = g_timeout_source_new (e->retry_ms);
  g_source_set_callback (e->tick, on_tick, e, NULL);
  g_source_attach (e->tick, kcc_client_config (e->client)->context);
  try_acquire_or_renew (e);
}

gboolean
kc_leader_elector_is_leader (KcLeaderElector *e)
{
  return e->leading;
}

const char *
kc_leader_elector_get_observed_holder (KcLeaderElector *e)
{
  return e->observed_holder;
}

static void
on_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) lease = kc_client_request_finish (KC_CLIENT (source),
                                                          result, &error);
  if (lease)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
kc_leader_elector_release_async (KcLeaderElector *e,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, kc_leader_elector_release_async);
  gboolean was_leading = e->leading;
  stop_running (e);
  stop_leading (e, "released");
  if (!was_leading || !e->lease)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  g_autoptr (JsonNode) lease = json_node_copy (e->lease);
  JsonObject *spec = ensure_object (json_node_get_object (lease), "spec");
  g_autofree char *now = kcc_now_rfc3339 (TRUE);
  json_object_set_string_member (spec, "holderIdentity", "");
  json_object_set_int_member (spec, "leaseDurationSeconds", 1);
  json_object_set_string_member (spec, "renewTime", now);
  kc_client_update_async (e->client, e->leases, e->ns, e->name, NULL, lease,
                          cancellable, on_released, task);
}

gboolean
kc_leader_elector_release_finish (KcLeaderElector *e, GAsyncResult *result,
                                  GError **error)
{
  (void) e;
  return g_task_propagate_boolean (G_TASK (result), error);
}
