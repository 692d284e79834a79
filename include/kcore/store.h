/* kcore store interface, version 1.
 *
 * All cluster state lives in a store: a key/value space with one global
 * revision counter, compare-and-swap on revisions and ordered change
 * notifications.  The semantics are etcd v3's:
 *
 *  - Every successful write (create, update, delete) increments the store
 *    revision by exactly one.  A write that fails changes nothing.  The
 *    expiry of a lease deletes its keys either one revision per key or all
 *    in one revision (etcd deletes them in one transaction); revoke deletes
 *    them one revision per key.  Revisions start at 1 for the first
 *    write; an empty store is at revision 0.
 *  - Every key carries create_revision (the revision that created it),
 *    mod_revision (the revision of its last write) and version (1 at create,
 *    +1 per update).
 *  - Reads can be made at a past revision as long as it is not compacted.
 *  - A watch delivers every change after its start, in revision order, none
 *    missed and none repeated, each with the previous value.
 *
 * Keys are NUL-terminated strings (the API server uses
 * "/registry/<resource>/<namespace>/<name>"); values are arbitrary bytes up
 * to at least 1 MiB.
 *
 * THREADING.  Every method may be called from any thread.  An asynchronous
 * method delivers its result (calls its GAsyncReadyCallback) in the
 * thread-default main context of the calling thread, as GTask does; a watch
 * delivers its events in the thread-default main context of the thread that
 * started it.  No method blocks its caller on disk or network I/O.
 *
 * OWNERSHIP.  Arguments are borrowed for the duration of the call (a plugin
 * copies or refs what it keeps).  Results of *_finish() are transfer full.
 *
 * ERRORS.  Failures are reported in KC_STORE_ERROR with the codes below, or
 * G_IO_ERROR_CANCELLED when the GCancellable fired.  Messages name the key
 * and, for remote stores, the endpoint.
 *
 * Plugin authors: see docs/plugin-guide.md, "Writing a store plugin", and run
 * the conformance suite (tests/store/README.md) against your plugin.
 */
#pragma once

#include <gio/gio.h>
#include <kcore/plugin.h>

G_BEGIN_DECLS

#define KC_STORE_INTERFACE_VERSION 1

#define KC_STORE_ERROR (kc_store_error_quark ())
GQuark kc_store_error_quark (void);

typedef enum
{
  KC_STORE_ERROR_FAILED,      /* anything else; the message says what */
  KC_STORE_ERROR_NOT_FOUND,   /* the key (or lease) does not exist */
  KC_STORE_ERROR_EXISTS,      /* create: the key exists already */
  KC_STORE_ERROR_CONFLICT,    /* update/delete: mod_revision differs */
  KC_STORE_ERROR_COMPACTED,   /* the revision asked for was compacted */
  KC_STORE_ERROR_FUTURE_REVISION, /* the revision asked for is newer than
                                     the store's */
  KC_STORE_ERROR_UNAVAILABLE, /* the backend cannot be reached */
  KC_STORE_ERROR_TOO_LARGE,   /* value above the backend's limit */
  KC_STORE_ERROR_CORRUPT,     /* the backend's data cannot be trusted */
} KcStoreError;

/* One key with its value and revisions.  Heap-allocated with
 * kc_store_kv_new(); freed with kc_store_kv_free() (g_autoptr works). */
typedef struct
{
  char *key;
  GBytes *value;          /* NULL in a DELETE event's kv */
  gint64 create_revision;
  gint64 mod_revision;    /* in a DELETE event's kv: the delete's revision */
  gint64 version;
  gint64 lease;           /* 0 when the key has no lease */
} KcStoreKv;

/* (transfer full) copies of @key, a new ref on @value (nullable). */
KcStoreKv *kc_store_kv_new (const char *key, GBytes *value,
                            gint64 create_revision, gint64 mod_revision,
                            gint64 version, gint64 lease);
KcStoreKv *kc_store_kv_copy (const KcStoreKv *kv);
void kc_store_kv_free (KcStoreKv *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcStoreKv, kc_store_kv_free)

/* A range request: the keys starting with @prefix that sort (bytewise)
 * after @start_after, in key order. */
typedef struct
{
  const char *prefix;      /* "" for every key */
  const char *start_after; /* exclusive; NULL to start at the first key.
                              Pagination passes the last key of the
                              previous page. */
  gint64 revision;         /* 0: latest.  Pagination passes the revision of
                              the first page, so every page is read at it. */
  gint64 limit;            /* 0: no limit */
  gboolean count_only;     /* only count matching keys, return none */
} KcStoreRange;

typedef struct
{
  GPtrArray *kvs;   /* of KcStoreKv*, owned, key order; empty if count_only */
  gint64 revision;  /* the revision the range was read at */
  gint64 count;     /* number of keys matching prefix/start_after in all,
                       regardless of limit */
  gboolean more;    /* TRUE when the limit cut the result short */
} KcStoreRangeResult;

void kc_store_range_result_free (KcStoreRangeResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcStoreRangeResult, kc_store_range_result_free)

typedef enum
{
  KC_STORE_EVENT_PUT = 1,    /* create or update: prev_kv NULL on create */
  KC_STORE_EVENT_DELETE = 2, /* delete, or lease expiry */
} KcStoreEventType;

typedef struct
{
  guint32 type;        /* KcStoreEventType */
  KcStoreKv *kv;       /* the key after the change */
  KcStoreKv *prev_kv;  /* the key before it; NULL on create */
} KcStoreEvent;

/* Called with a batch of events in revision order (n_events >= 1 and error
 * NULL), or once with n_events == 0 and @error set when the watch ended
 * (KC_STORE_ERROR_COMPACTED when its start revision was compacted, or the
 * backend failed).  After an error no more calls are made.  The events and
 * the error are borrowed for the duration of the call. */
typedef void (*KcStoreWatchFunc) (const KcStoreEvent *events, guint n_events,
                                  const GError *error, gpointer user_data);

typedef struct _KcStoreWatch KcStoreWatch; /* opaque, the plugin's */

typedef struct
{
  guint32 size;
  guint32 reserved;
  /* Required.  Creates an instance from host->config.  Called once, in the
   * component's main thread.  Opening a database or checking a file happens
   * here, so a corrupt file fails start-up with a clear error. */
  KcPluginCreateFunc create;
  /* Required.  Cancels outstanding watches (their destroy notifies run),
   * waits for in-flight writes to be durable, frees everything.  Main
   * thread, after every async operation has completed. */
  KcPluginDestroyFunc destroy;

  /* get: the key at @revision (0: latest).  NOT_FOUND when absent,
   * COMPACTED when @revision is compacted.  out_revision (nullable): the
   * store revision the read was made at. */
  void (*get_async) (gpointer self, const char *key, gint64 revision,
                     GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data);
  KcStoreKv *(*get_finish) (gpointer self, GAsyncResult *result,
                            gint64 *out_revision, GError **error);

  /* range: see KcStoreRange.  COMPACTED / FUTURE_REVISION for a revision
   * that cannot be read. */
  void (*range_async) (gpointer self, const KcStoreRange *range,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data);
  KcStoreRangeResult *(*range_finish) (gpointer self, GAsyncResult *result,
                                       GError **error);

  /* create: only if @key does not exist (EXISTS otherwise), attached to
   * @lease (0: none; NOT_FOUND if the lease does not exist).  Returns the
   * new revision, 0 on error.  Acknowledged only once durable. */
  void (*create_async) (gpointer self, const char *key, GBytes *value,
                        gint64 lease, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
  gint64 (*create_finish) (gpointer self, GAsyncResult *result,
                           GError **error);

  /* update: replace the value of an existing key (NOT_FOUND otherwise) if
   * its mod_revision equals @expected_mod_revision (0: unconditionally),
   * CONFLICT otherwise.  The key keeps its lease.  Returns the new revision.
   * out_current (nullable): on CONFLICT, the key as it is now. */
  void (*update_async) (gpointer self, const char *key, GBytes *value,
                        gint64 expected_mod_revision,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
  gint64 (*update_finish) (gpointer self, GAsyncResult *result,
                           KcStoreKv **out_current, GError **error);

  /* delete: remove an existing key (NOT_FOUND otherwise) if its
   * mod_revision equals @expected_mod_revision (0: unconditionally),
   * CONFLICT otherwise.  Returns the new revision.  out_kv (nullable): on
   * success the deleted key, on CONFLICT the key as it is now. */
  void (*delete_async) (gpointer self, const char *key,
                        gint64 expected_mod_revision,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
  gint64 (*delete_finish) (gpointer self, GAsyncResult *result,
                           KcStoreKv **out_kv, GError **error);

  /* watch: every change to keys starting with @prefix whose revision is
   * >= @start_revision (0: changes after the current revision).  Events are
   * delivered through @func in the thread-default main context of the
   * caller.  Never fails synchronously: a compacted start revision is
   * reported through @func.  @destroy (nullable) is called on @user_data
   * once no more calls will be made.  Returns the watch, owned by the
   * plugin until watch_cancel(). */
  KcStoreWatch *(*watch) (gpointer self, const char *prefix,
                          gint64 start_revision, KcStoreWatchFunc func,
                          gpointer user_data, GDestroyNotify destroy);
  /* Stops @watch: once it returns @func is not called again.  Call it from
   * the thread that started the watch, also after the watch reported an
   * error (it frees the handle). */
  void (*watch_cancel) (gpointer self, KcStoreWatch *watch);

  /* compact: drop the history before @revision: past reads and watches
   * from a revision < @revision then fail with COMPACTED.  Latest values
   * are kept.  Never blocks writers for more than a few milliseconds. */
  void (*compact_async) (gpointer self, gint64 revision,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*compact_finish) (gpointer self, GAsyncResult *result,
                              GError **error);

  /* Leases.  grant returns a new lease id (> 0) living @ttl_seconds;
   * keepalive renews it and returns its TTL (NOT_FOUND once expired);
   * revoke deletes it and its keys, each with its own revision.  Expiry
   * deletes the keys as ordinary deletes seen by watchers (each key once,
   * with its previous value), at one revision per key or at one revision
   * for all of them (see the top of this file). */
  void (*lease_grant_async) (gpointer self, gint64 ttl_seconds,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
  gint64 (*lease_grant_finish) (gpointer self, GAsyncResult *result,
                                GError **error);
  void (*lease_keepalive_async) (gpointer self, gint64 lease,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
  gint64 (*lease_keepalive_finish) (gpointer self, GAsyncResult *result,
                                    GError **error);
  void (*lease_revoke_async) (gpointer self, gint64 lease,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
  gboolean (*lease_revoke_finish) (gpointer self, GAsyncResult *result,
                                   GError **error);
  /* Interface 1 appends here (since ABI 1.N, documented per member). */
} KcStoreVtable;

G_END_DECLS
