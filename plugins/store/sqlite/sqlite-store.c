/* The SQLite store plugin: the embedded, durable default store.  Its
 * descriptor, its options, and the store vtable (include/kcore/store.h)
 * mapped onto the reader pool, the writer thread and the watch hub. */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "sqlite-store.h"

static const KcConfigKey config_keys[] = {
  { .key = "path",
    .type = KC_CONFIG_TYPE_PATH,
    .default_value = "store.db",
    .help = "the database file, relative to the data directory" },
  { .key = "batch-max-writes",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "1024",
    .min = 1,
    .max = 100000,
    .help = "most writes committed together in one transaction" },
  { .key = "read-connections",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = "2",
    .min = 1,
    .max = 16,
    .help = "read-only connections (and threads) serving reads" },
  { NULL },
};

static void store_destroy (gpointer instance);

static gboolean
ensure_parent_dir (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) == 0)
    return TRUE;
  int saved = errno;
  g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
               "%s: cannot create the directory %s: %s", path, dir,
               g_strerror (saved));
  return FALSE;
}

/* One process at a time: two writers with their own revision counters
 * would corrupt the history.  The lock is a separate file because closing
 * any descriptor of the database would drop SQLite's own POSIX locks. */
static int
lock_store (const char *path, GError **error)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  int fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "%s: cannot open the lock file %s: %s", path, lock_path,
                   g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_UNAVAILABLE,
                   "%s: the store is open in another process (%s: %s); "
                   "stop that kcore or set another path",
                   path, lock_path,
                   saved == EWOULDBLOCK ? "lock held" : g_strerror (saved));
      return -1;
    }
  return fd;
}

static gpointer
store_create (const KcHost *host, GError **error)
{
  g_autofree char *path = kc_config_group_get_path (host->config, "path");
  gint64 batch_max = kc_config_group_get_int (host->config,
                                              "batch-max-writes");
  gint64 n_readers = kc_config_group_get_int (host->config,
                                              "read-connections");
  KcSqliteState state = { 0 };

  if (path == NULL)
    path = g_build_filename (host->data_dir, "store.db", NULL);
  if (!ensure_parent_dir (path, error))
    return NULL;
  int lock_fd = lock_store (path, error);
  if (lock_fd < 0)
    return NULL;
  /* Read-only first: a file that is not ours is never written to. */
  sqlite3 *db = NULL;
  if (kc_sqlite_schema_inspect (path, error))
    db = kc_sqlite_schema_open_writer (path, &state, error);
  if (db == NULL)
    {
      close (lock_fd);
      return NULL;
    }

  KcSqliteStore *self = g_new0 (KcSqliteStore, 1);
  self->host = host;
  self->lock_fd = lock_fd;
  self->path = g_steal_pointer (&path);
  self->readers = kc_sqlite_readers_new (self->path,
                                         (guint) CLAMP (n_readers, 1, 16),
                                         error);
  if (self->readers == NULL)
    {
      sqlite3_close (db);
      store_destroy (self);
      return NULL;
    }
  self->hub = kc_sqlite_watch_hub_new (self->readers, self->path,
                                       state.revision);
  self->writer = kc_sqlite_writer_new (self, db, &state,
                                       (guint) CLAMP (batch_max, 1, 100000),
                                       error);
  if (self->writer == NULL)
    {
      store_destroy (self);
      return NULL;
    }
  kc_host_info (host, "%s: opened at revision %" G_GINT64_FORMAT
                " (compacted %" G_GINT64_FORMAT ")",
                self->path, state.revision, state.compacted);
  return self;
}

static void
store_destroy (gpointer instance)
{
  KcSqliteStore *self = instance;

  /* The writer thread first: it drains the queue and may still publish
   * to the hub.  Then the replays (which use the readers and the hub).
   * The writer's connection closes last, so it checkpoints and removes the
   * WAL. */
  kc_sqlite_writer_stop (self->writer);
  if (self->hub)
    kc_sqlite_watch_hub_shutdown (self->hub);
  kc_sqlite_readers_free (self->readers);
  kc_sqlite_writer_free (self->writer);
  kc_sqlite_watch_hub_free (self->hub);
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_free (self->path);
  g_free (self);
}

/* ---- reads ------------------------------------------------------------- */

static void
store_get_async (gpointer self, const char *key, gint64 revision,
                 GCancellable *cancellable, GAsyncReadyCallback callback,
                 gpointer user_data)
{
  kc_sqlite_get_async (self, key, revision, cancellable, callback,
                       user_data);
}

static KcStoreKv *
store_get_finish (gpointer self, GAsyncResult *result, gint64 *out_revision,
                  GError **error)
{
  return kc_sqlite_get_finish (self, result, out_revision, error);
}

static void
store_range_async (gpointer self, const KcStoreRange *range,
                   GCancellable *cancellable, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  kc_sqlite_range_async (self, range, cancellable, callback, user_data);
}

static KcStoreRangeResult *
store_range_finish (gpointer self, GAsyncResult *result, GError **error)
{
  return kc_sqlite_range_finish (self, result, error);
}

/* ---- writes ------------------------------------------------------------ */

static KcSqliteWriter *
writer_of (gpointer self)
{
  return ((KcSqliteStore *) self)->writer;
}

static void
store_create_async (gpointer self, const char *key, GBytes *value,
                    gint64 lease, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  kc_sqlite_writer_submit (writer_of (self), KC_SQLITE_OP_CREATE, key, value,
                           lease, cancellable, callback, user_data);
}

static gint64
store_create_finish (gpointer self, GAsyncResult *result, GError **error)
{
  return kc_sqlite_writer_finish (result, NULL, error);
}

static void
store_update_async (gpointer self, const char *key, GBytes *value,
                    gint64 expected_mod_revision, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  kc_sqlite_writer_submit (writer_of (self), KC_SQLITE_OP_UPDATE, key, value,
                           expected_mod_revision, cancellable, callback,
                           user_data);
}

static gint64
store_update_finish (gpointer self, GAsyncResult *result,
                     KcStoreKv **out_current, GError **error)
{
  return kc_sqlite_writer_finish (result, out_current, error);
}

static void
store_delete_async (gpointer self, const char *key,
                    gint64 expected_mod_revision, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  kc_sqlite_writer_submit (writer_of (self), KC_SQLITE_OP_DELETE, key, NULL,
                           expected_mod_revision, cancellable, callback,
                           user_data);
}

static gint64
store_delete_finish (gpointer self, GAsyncResult *result, KcStoreKv **out_kv,
                     GError **error)
{
  return kc_sqlite_writer_finish (result, out_kv, error);
}

static void
store_compact_async (gpointer self, gint64 revision,
                     GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  kc_sqlite_writer_submit (writer_of (self), KC_SQLITE_OP_COMPACT, NULL, NULL,
                           revision, cancellable, callback, user_data);
}

static gboolean
store_compact_finish (gpointer self, GAsyncResult *result, GError **error)
{
  return kc_sqlite_writer_finish (result, NULL, error) != 0;
}

/* ---- watches ----------------------------------------------------------- */

static KcStoreWatch *
store_watch (gpointer self, const char *prefix, gint64 start_revision,
             KcStoreWatchFunc func, gpointer user_data,
             GDestroyNotify destroy)
{
  return kc_sqlite_watch_start (((KcSqliteStore *) self)->hub, prefix,
                                start_revision, func, user_data, destroy);
}

static void
store_watch_cancel (gpointer self, KcStoreWatch *watch)
{
  kc_sqlite_watch_cancel (((KcSqliteStore *) self)->hub, watch);
}

/* ---- leases ------------------------------------------------------------ */

static void
store_lease_grant_async (gpointer self, gint64 ttl_seconds,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  kc_sqlite_writer_submit (writer_of (self), KC_SQLITE_OP_LEASE_GRANT, NULL,
                           NULL, ttl_seconds, cancellable, callback,
                           user_data);
}

static gint64
store_lease_grant_finish (gpointer self, GAsyncResult *result,
                          GError **error)
{
  return kc_sqlite_writer_finish (result, NULL, error);
}

/* Keepalive touches memory only, so it answers at once (through the
 * caller's main context, as GTask does). */
static void
store_lease_keepalive_async (gpointer self, gint64 lease,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback,
                                       user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, store_lease_keepalive_async);
  gint64 ttl = kc_sqlite_writer_keepalive (writer_of (self), lease, &error);
  if (ttl > 0)
    g_task_return_int (task, ttl);
  else
    g_task_return_error (task, error);
}

static gint64
store_lease_keepalive_finish (gpointer self, GAsyncResult *result,
                              GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);
  gssize ttl = g_task_propagate_int (G_TASK (result), error);
  return ttl < 0 ? 0 : ttl;
}

static void
store_lease_revoke_async (gpointer self, gint64 lease,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  kc_sqlite_writer_submit (writer_of (self), KC_SQLITE_OP_LEASE_REVOKE, NULL,
                           NULL, lease, cancellable, callback, user_data);
}

static gboolean
store_lease_revoke_finish (gpointer self, GAsyncResult *result,
                           GError **error)
{
  return kc_sqlite_writer_finish (result, NULL, error) != 0;
}

/* ---- descriptor -------------------------------------------------------- */

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
  .name = "sqlite",
  .version = "0.1.0",
  .summary = "embedded durable store in one SQLite file (WAL, group commit)",
  .config_keys = config_keys,
  .vtable = (const KcPluginVtable *) &store_vtable,
};

KC_PLUGIN_DEFINE (descriptor)
