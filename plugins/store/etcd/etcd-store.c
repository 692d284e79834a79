/* The etcd store plugin: store interface v1 over an etcd v3 cluster, the
 * store several managers share.  Its descriptor, its options, and the
 * vtable mapped onto the client (etcd-client.c), reads and writes
 * (etcd-kv.c), leases (etcd-lease.c) and watches (etcd-watch.c).
 *
 * Revisions are etcd's own: several kcore clusters sharing one etcd under
 * different prefixes share its revision counter, so a store's revision
 * moves with the other clusters' writes too (every write of this store
 * still adds exactly one). */
#include "build-config.h"

#include <string.h>

#include "etcd-store.h"

static const KcConfigKey config_keys[] = {
  { .key = "endpoints",
    .type = KC_CONFIG_TYPE_LIST,
    .flags = KC_CONFIG_KEY_REQUIRED,
    .help = "etcd client URLs, ';'-separated, e.g. "
            "http://10.0.0.1:2379;http://10.0.0.2:2379" },
  { .key = "prefix",
    .type = KC_CONFIG_TYPE_STRING,
    .default_value = "/kcore",
    .help = "prepended to every key, so several clusters can share one etcd "
            "(no cluster's prefix may be a prefix of another's)" },
  { .key = "request-timeout-ms",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "5000",
    .min = 100,
    .max = 600000,
    .help = "how long a request may take, retries on other endpoints "
            "included" },
  { .key = "dial-timeout-ms",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "2000",
    .min = 10,
    .max = 60000,
    .help = "how long connecting to one endpoint may take" },
  { .key = "ca-file",
    .type = KC_CONFIG_TYPE_PATH,
    .help = "PEM CA bundle that signed etcd's server certificate" },
  { .key = "cert-file",
    .type = KC_CONFIG_TYPE_PATH,
    .help = "PEM client certificate, for an etcd with --client-cert-auth" },
  { .key = "key-file",
    .type = KC_CONFIG_TYPE_PATH,
    .help = "PEM private key of cert-file" },
  { NULL },
};

static void store_destroy (gpointer instance);

/* ---- the start-up check ---------------------------------------------------- */

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  GError *error;
  gint64 revision;
} Probe;

gint64
kc_etcd_store_reply_revision (KcEtcdStore *self, JsonObject *reply)
{
  gint64 revision = kc_etcd_json_revision (reply);
  g_mutex_lock (&self->lock);
  self->seen_rev = MAX (self->seen_rev, revision);
  g_mutex_unlock (&self->lock);
  return revision;
}

gint64
kc_etcd_store_seen_revision (KcEtcdStore *self)
{
  g_mutex_lock (&self->lock);
  gint64 revision = self->seen_rev;
  g_mutex_unlock (&self->lock);
  return revision;
}

static void
probe_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
             gpointer data)
{
  Probe *p = data;
  g_mutex_lock (&p->lock);
  if (error)
    p->error = g_error_copy (error);
  else
    p->revision = kc_etcd_json_revision (json_node_get_object (root));
  p->done = TRUE;
  g_cond_signal (&p->cond);
  g_mutex_unlock (&p->lock);
}

/* create() fails at once, clearly, when no endpoint answers or TLS is
 * refused, rather than at the first request.  Start-up only. */
static gboolean
probe (KcEtcdStore *self, GError **error)
{
  Probe p = { 0 };
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  g_autofree char *k = kc_etcd_b64_str (self->prefix[0] ? self->prefix
                                                        : "/");
  char *body = g_strdup_printf ("{\"key\":\"%s\",\"count_only\":true}", k);
  kc_etcd_client_call (self->client, "/v3/kv/range", body,
                       KC_ETCD_IDEMPOTENT, probe_reply, &p);
  g_mutex_lock (&p.lock);
  while (!p.done)
    g_cond_wait (&p.cond, &p.lock);
  g_mutex_unlock (&p.lock);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
  if (p.error)
    {
      g_propagate_prefixed_error (error, p.error,
                                  "etcd store: cannot reach etcd: ");
      return FALSE;
    }
  kc_host_info (self->host, "etcd store: connected, prefix \"%s\", "
                "revision %" G_GINT64_FORMAT, self->prefix, p.revision);
  self->seen_rev = p.revision;
  return TRUE;
}

/* ---- compaction bookkeeping ------------------------------------------------ */

void
kc_etcd_store_note_compaction (KcEtcdStore *self, gint64 revision)
{
  g_mutex_lock (&self->lock);
  self->compact_rev = MAX (self->compact_rev, revision);
  g_mutex_unlock (&self->lock);
}

gboolean
kc_etcd_store_is_compacted (KcEtcdStore *self, gint64 revision,
                            gint64 *out_compacted)
{
  g_mutex_lock (&self->lock);
  gint64 compacted = self->compact_rev;
  g_mutex_unlock (&self->lock);
  if (out_compacted)
    *out_compacted = compacted;
  return revision > 0 && revision < compacted;
}

/* ---- create / destroy -------------------------------------------------------- */

static gpointer
store_create (const KcHost *host, GError **error)
{
  const KcConfigGroup *config = host->config;
  g_auto (GStrv) endpoints = kc_config_group_get_list (config, "endpoints");
  g_autofree char *ca = kc_config_group_get_path (config, "ca-file");
  g_autofree char *cert = kc_config_group_get_path (config, "cert-file");
  g_autofree char *key = kc_config_group_get_path (config, "key-file");
  KcEtcdClientOptions options = {
    .endpoints = endpoints,
    .ca_file = ca,
    .cert_file = cert,
    .key_file = key,
    .request_timeout_ms = kc_config_group_get_int (config,
                                                   "request-timeout-ms"),
    .dial_timeout_ms = kc_config_group_get_int (config, "dial-timeout-ms"),
  };
  const char *prefix = kc_config_group_get_string (config, "prefix");

  KcEtcdStore *self = g_new0 (KcEtcdStore, 1);
  self->host = host;
  self->prefix = g_strdup (prefix ? prefix : "");
  self->prefix_len = strlen (self->prefix);
  g_mutex_init (&self->lock);
  self->client = kc_etcd_client_new (&options, host, error);
  if (self->client == NULL || !probe (self, error))
    {
      store_destroy (self);
      return NULL;
    }
  self->watches = kc_etcd_watch_hub_new (self);
  return self;
}

static void
store_destroy (gpointer instance)
{
  KcEtcdStore *self = instance;
  /* Watches first: their streams are calls of the client. */
  kc_etcd_watch_hub_free (self->watches);
  kc_etcd_client_free (self->client);
  g_free (self->prefix);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ---- the vtable -------------------------------------------------------------- */

static void
store_get_async (gpointer self, const char *key, gint64 revision,
                 GCancellable *cancellable, GAsyncReadyCallback callback,
                 gpointer user_data)
{
  kc_etcd_get_async (self, key, revision, cancellable, callback, user_data);
}

static KcStoreKv *
store_get_finish (gpointer self, GAsyncResult *result, gint64 *out_revision,
                  GError **error)
{
  return kc_etcd_get_finish (result, out_revision, error);
}

static void
store_range_async (gpointer self, const KcStoreRange *range,
                   GCancellable *cancellable, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  kc_etcd_range_async (self, range, cancellable, callback, user_data);
}

static KcStoreRangeResult *
store_range_finish (gpointer self, GAsyncResult *result, GError **error)
{
  return kc_etcd_range_finish (result, error);
}

static void
store_create_async (gpointer self, const char *key, GBytes *value,
                    gint64 lease, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  kc_etcd_write_async (self, KC_ETCD_OP_CREATE, key, value, lease,
                       cancellable, callback, user_data);
}

static gint64
store_create_finish (gpointer self, GAsyncResult *result, GError **error)
{
  return kc_etcd_write_finish (result, NULL, error);
}

static void
store_update_async (gpointer self, const char *key, GBytes *value,
                    gint64 expected_mod_revision, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  kc_etcd_write_async (self, KC_ETCD_OP_UPDATE, key, value,
                       expected_mod_revision, cancellable, callback,
                       user_data);
}

static gint64
store_update_finish (gpointer self, GAsyncResult *result,
                     KcStoreKv **out_current, GError **error)
{
  return kc_etcd_write_finish (result, out_current, error);
}

static void
store_delete_async (gpointer self, const char *key,
                    gint64 expected_mod_revision, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  kc_etcd_write_async (self, KC_ETCD_OP_DELETE, key, NULL,
                       expected_mod_revision, cancellable, callback,
                       user_data);
}

static gint64
store_delete_finish (gpointer self, GAsyncResult *result, KcStoreKv **out_kv,
                     GError **error)
{
  return kc_etcd_write_finish (result, out_kv, error);
}

static KcStoreWatch *
store_watch (gpointer self, const char *prefix, gint64 start_revision,
             KcStoreWatchFunc func, gpointer user_data,
             GDestroyNotify destroy)
{
  return kc_etcd_watch_start (((KcEtcdStore *) self)->watches, prefix,
                              start_revision, func, user_data, destroy);
}

static void
store_watch_cancel (gpointer self, KcStoreWatch *watch)
{
  kc_etcd_watch_cancel (((KcEtcdStore *) self)->watches, watch);
}

static void
store_compact_async (gpointer self, gint64 revision,
                     GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  kc_etcd_compact_async (self, revision, cancellable, callback, user_data);
}

static gboolean
store_compact_finish (gpointer self, GAsyncResult *result, GError **error)
{
  return kc_etcd_int_finish (result, error) != 0;
}

static void
store_lease_grant_async (gpointer self, gint64 ttl_seconds,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  kc_etcd_lease_grant_async (self, ttl_seconds, cancellable, callback,
                             user_data);
}

static gint64
store_lease_grant_finish (gpointer self, GAsyncResult *result,
                          GError **error)
{
  return kc_etcd_int_finish (result, error);
}

static void
store_lease_keepalive_async (gpointer self, gint64 lease,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  kc_etcd_lease_keepalive_async (self, lease, cancellable, callback,
                                 user_data);
}

static gint64
store_lease_keepalive_finish (gpointer self, GAsyncResult *result,
                              GError **error)
{
  return kc_etcd_int_finish (result, error);
}

static void
store_lease_revoke_async (gpointer self, gint64 lease,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  kc_etcd_lease_revoke_async (self, lease, cancellable, callback,
                              user_data);
}

static gboolean
store_lease_revoke_finish (gpointer self, GAsyncResult *result,
                           GError **error)
{
  return kc_etcd_int_finish (result, error) != 0;
}

static const KcStoreVtable store_vtable = {
  .size = sizeof (KcStoreVtable),
  .create = store_create,
  .destroy = store_destroy,
  .get_async = store_get_async,
  .get_finish = store_get_finish,
  .range_async = store_range_async,
  .range_finish = store_range_finish,
  .create_async = store_create_async,
  .create_finish = store_create_finish,
  .update_async = store_update_async,
  .update_finish = store_update_finish,
  .delete_async = store_delete_async,
  .delete_finish = store_delete_finish,
  .watch = store_watch,
  .watch_cancel = store_watch_cancel,
  .compact_async = store_compact_async,
  .compact_finish = store_compact_finish,
  .lease_grant_async = store_lease_grant_async,
  .lease_grant_finish = store_lease_grant_finish,
  .lease_keepalive_async = store_lease_keepalive_async,
  .lease_keepalive_finish = store_lease_keepalive_finish,
  .lease_revoke_async = store_lease_revoke_async,
  .lease_revoke_finish = store_lease_revoke_finish,
};

static const KcPluginDescriptor descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_STORE,
                               KC_STORE_INTERFACE_VERSION),
  .name = "etcd",
  .version = "0.1.0",
  .summary = "etcd v3 cluster over its JSON gateway (HA, shared by managers)",
  .config_keys = config_keys,
  .vtable = (const KcPluginVtable *) &store_vtable,
};

KC_PLUGIN_DEFINE (descriptor)
