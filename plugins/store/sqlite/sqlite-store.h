/* The SQLite store plugin: internal declarations shared by its files.
 *
 * Shape of the plugin:
 *  - sqlite-schema.c  inspects the file read-only, then opens it read-write
 *                     and creates or checks the schema;
 *  - sqlite-writer.c  one writer thread owning the read-write connection:
 *                     group commit, leases and compaction;
 *  - sqlite-checkpoint.c  copies the WAL into the database file beside the
 *                     writer, so no write waits for a checkpoint;
 *  - sqlite-read.c    a pool of read-only connections (WAL readers) serving
 *                     get, range and watch replay off the callers' loops;
 *  - sqlite-watch.c   watches: live events handed over by the writer after
 *                     each commit, replay of the revision log before that;
 *  - sqlite-row.c     rows <-> KcStoreKv / events, SQLite errors -> GError;
 *  - sqlite-store.c   the descriptor, create/destroy and the vtable.
 *
 * Tables (schema version KC_SQLITE_SCHEMA_VERSION):
 *   meta   (name PRIMARY KEY, value): "revision", "compacted", "purged"
 *          (history below it is deleted), "lease-seq"
 *   kv     the current state, one row per live key, without its value:
 *          the value is read from the log row at the key's mod_revision,
 *          so a write stores it once (compaction keeps those rows)
 *   log    one row per revision: the change and the key before it (prev_*),
 *          which serves watches and reads at past revisions
 *   leases (id, ttl)
 */
#pragma once

#include <sqlite3.h>
#include <kcore/host.h>
#include <kcore/store.h>

G_BEGIN_DECLS

/* PRAGMA application_id of our files: "KCST". */
#define KC_SQLITE_APPLICATION_ID 0x4b435354
/* PRAGMA user_version of the schema this code writes and reads. */
#define KC_SQLITE_SCHEMA_VERSION 1

typedef struct _KcSqliteReaders KcSqliteReaders;
typedef struct _KcSqliteWriter KcSqliteWriter;
typedef struct _KcSqliteWatchHub KcSqliteWatchHub;
typedef struct _KcSqliteCheckpointer KcSqliteCheckpointer;

/* The plugin instance. */
typedef struct
{
  const KcHost *host;
  char *path;
  int lock_fd;       /* holds flock() on PATH.lock while open */
  KcSqliteReaders *readers;
  KcSqliteWatchHub *hub;
  KcSqliteWriter *writer;
} KcSqliteStore;

/* The persistent counters, read at open. */
typedef struct
{
  gint64 revision;
  gint64 compacted;
  gint64 purged;
  gint64 lease_seq;
} KcSqliteState;

/* Selects (key, value, create_revision, mod_revision, version, lease) of
 * the current keys; append a WHERE on kv.key. */
#define KC_SQLITE_KV_SELECT                                                   \
  "SELECT kv.key, log.value, kv.create_revision, kv.mod_revision,"           \
  " kv.version, kv.lease FROM kv JOIN log ON log.revision = kv.mod_revision"

/* ---- sqlite-row.c ---------------------------------------------------- */

/* One change, shared (immutable, refcounted) between the writer and every
 * watch it is queued for. */
typedef struct
{
  gatomicrefcount ref;
  KcStoreEvent event;
} KcSqliteEvent;

/* Takes ownership of @kv and @prev_kv (nullable). */
G_GNUC_INTERNAL KcSqliteEvent *kc_sqlite_event_new (guint32 type,
                                                    KcStoreKv *kv,
                                                    KcStoreKv *prev_kv);
G_GNUC_INTERNAL KcSqliteEvent *kc_sqlite_event_ref (KcSqliteEvent *event);
G_GNUC_INTERNAL void kc_sqlite_event_unref (KcSqliteEvent *event);

static inline gint64
kc_sqlite_event_revision (const KcSqliteEvent *event)
{
  return event->event.kv->mod_revision;
}

/* Columns @col.. of the current row: key, value, create_revision,
 * mod_revision, version, lease.  (transfer full) */
G_GNUC_INTERNAL KcStoreKv *kc_sqlite_row_kv (sqlite3_stmt *stmt, int col);
/* The current row of a KC_SQLITE_LOG_COLUMNS select as an event. */
G_GNUC_INTERNAL KcSqliteEvent *kc_sqlite_row_event (sqlite3_stmt *stmt);
#define KC_SQLITE_LOG_COLUMNS                                                 \
  "revision, key, type, value, create_revision, version, lease, "            \
  "prev_value, prev_create_revision, prev_mod_revision, prev_version, "      \
  "prev_lease"

/* Binds @value (NULL: SQL NULL; empty: a zero-length blob). */
G_GNUC_INTERNAL int kc_sqlite_bind_bytes (sqlite3_stmt *stmt, int col,
                                          GBytes *value);

/* Sets @error from the last failure of @db (rc @rc): CORRUPT for a damaged
 * file, FAILED otherwise.  The message names @path and what was being
 * done. */
G_GNUC_INTERNAL void kc_sqlite_set_error (GError **error, sqlite3 *db,
                                          int rc, const char *path,
                                          const char *doing);

/* The smallest string greater than every string starting with @prefix, or
 * NULL when there is none ("" or all bytes 0xff).  (transfer full) */
G_GNUC_INTERNAL char *kc_sqlite_prefix_end (const char *prefix);

/* ---- sqlite-schema.c ------------------------------------------------- */

/* Checks an existing file without modifying it; a missing or empty file
 * passes (it will be created). */
G_GNUC_INTERNAL gboolean kc_sqlite_schema_inspect (const char *path,
                                                   GError **error);
/* Opens @path read-write in WAL mode with synchronous=FULL, creating the
 * schema when the file is new, and reads the counters into @state. */
G_GNUC_INTERNAL sqlite3 *kc_sqlite_schema_open_writer (const char *path,
                                                       KcSqliteState *state,
                                                       GError **error);
/* Opens a read-only connection on an existing store file. */
G_GNUC_INTERNAL sqlite3 *kc_sqlite_schema_open_reader (const char *path,
                                                       GError **error);

/* ---- sqlite-checkpoint.c --------------------------------------------- */

G_GNUC_INTERNAL KcSqliteCheckpointer *
kc_sqlite_checkpointer_new (const char *path, const KcHost *host,
                            GError **error);
/* Asks for a checkpoint soon of the WAL in its life @epoch (the writer
 * counts WAL restarts).  Any thread. */
G_GNUC_INTERNAL void kc_sqlite_checkpointer_kick (KcSqliteCheckpointer *c,
                                                  guint epoch);
/* How many frames of the WAL in its life @epoch the last finished
 * checkpoint copied back, or -1 when none finished in that life.  Any
 * thread. */
G_GNUC_INTERNAL int kc_sqlite_checkpointer_backfilled (KcSqliteCheckpointer *c,
                                                       guint epoch);
G_GNUC_INTERNAL void kc_sqlite_checkpointer_free (KcSqliteCheckpointer *c);

/* ---- sqlite-read.c --------------------------------------------------- */

typedef void (*KcSqliteReadFunc) (sqlite3 *db, gpointer data);

G_GNUC_INTERNAL KcSqliteReaders *kc_sqlite_readers_new (const char *path,
                                                        guint n,
                                                        GError **error);
/* Waits for queued jobs, closes the connections. */
G_GNUC_INTERNAL void kc_sqlite_readers_free (KcSqliteReaders *readers);
/* Runs @func (db, @data) on a pool thread with a connection of its own. */
G_GNUC_INTERNAL void kc_sqlite_readers_run (KcSqliteReaders *readers,
                                            KcSqliteReadFunc func,
                                            gpointer data);

/* Opens a read transaction and reads the counters it sees. */
G_GNUC_INTERNAL gboolean kc_sqlite_read_begin (sqlite3 *db, const char *path,
                                               gint64 *out_revision,
                                               gint64 *out_compacted,
                                               GError **error);
G_GNUC_INTERNAL void kc_sqlite_read_end (sqlite3 *db);

/* sqlite-stmt-cache.c: a prepared statement of @sql on @db, kept for the
 * connection's next use; NULL with the SQLite code in *@rc.  Give it back
 * with kc_sqlite_stmt_put() (reset, bindings cleared) instead of
 * finalizing it; kc_sqlite_stmt_forget() finalizes @db's statements
 * before the connection closes.  Any thread, one thread per connection. */
G_GNUC_INTERNAL sqlite3_stmt *kc_sqlite_stmt_get (sqlite3 *db,
                                                  const char *sql, int *rc);
G_GNUC_INTERNAL void kc_sqlite_stmt_put (sqlite3_stmt *stmt);
G_GNUC_INTERNAL void kc_sqlite_stmt_forget (sqlite3 *db);

G_GNUC_INTERNAL void kc_sqlite_get_async (KcSqliteStore *self,
                                          const char *key, gint64 revision,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
G_GNUC_INTERNAL KcStoreKv *kc_sqlite_get_finish (KcSqliteStore *self,
                                                 GAsyncResult *result,
                                                 gint64 *out_revision,
                                                 GError **error);
G_GNUC_INTERNAL void kc_sqlite_range_async (KcSqliteStore *self,
                                            const KcStoreRange *range,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
G_GNUC_INTERNAL KcStoreRangeResult *
kc_sqlite_range_finish (KcSqliteStore *self, GAsyncResult *result,
                        GError **error);

/* ---- sqlite-writer.c ------------------------------------------------- */

typedef enum
{
  KC_SQLITE_OP_CREATE,
  KC_SQLITE_OP_UPDATE,
  KC_SQLITE_OP_DELETE,
  KC_SQLITE_OP_LEASE_GRANT,
  KC_SQLITE_OP_LEASE_REVOKE,
  KC_SQLITE_OP_COMPACT,
} KcSqliteOpType;

/* Takes ownership of @db; starts the writer thread. */
G_GNUC_INTERNAL KcSqliteWriter *
kc_sqlite_writer_new (KcSqliteStore *store, sqlite3 *db,
                      const KcSqliteState *state, guint batch_max,
                      GError **error);
/* Drains the queue and stops the thread (nothing is published after). */
G_GNUC_INTERNAL void kc_sqlite_writer_stop (KcSqliteWriter *writer);
/* Stops the writer if needed and closes its connection: closed last, it
 * checkpoints and removes the WAL. */
G_GNUC_INTERNAL void kc_sqlite_writer_free (KcSqliteWriter *writer);

/* Queues one write.  @arg is the lease (create), the expected mod_revision
 * (update, delete), the TTL (grant), the lease (revoke) or the revision
 * (compact).  The task's result is read with kc_sqlite_writer_finish(). */
G_GNUC_INTERNAL void kc_sqlite_writer_submit (KcSqliteWriter *writer,
                                              KcSqliteOpType type,
                                              const char *key, GBytes *value,
                                              gint64 arg,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
/* The revision (or lease id) the write produced, 0 on error.  @out_kv
 * (nullable): the deleted key, or the current key on CONFLICT. */
G_GNUC_INTERNAL gint64 kc_sqlite_writer_finish (GAsyncResult *result,
                                                KcStoreKv **out_kv,
                                                GError **error);
/* Renews a lease in memory (no disk write: expiry restarts from the TTL).
 * Returns the TTL, or 0 with NOT_FOUND. */
G_GNUC_INTERNAL gint64 kc_sqlite_writer_keepalive (KcSqliteWriter *writer,
                                                   gint64 lease,
                                                   GError **error);

/* ---- sqlite-watch.c -------------------------------------------------- */

G_GNUC_INTERNAL KcSqliteWatchHub *
kc_sqlite_watch_hub_new (KcSqliteReaders *readers, const char *path,
                         gint64 revision);
/* Stops every watch (replays end at their next step). */
G_GNUC_INTERNAL void kc_sqlite_watch_hub_shutdown (KcSqliteWatchHub *hub);
/* Runs the destroy notify of every remaining watch and frees the hub; call
 * after kc_sqlite_readers_free(). */
G_GNUC_INTERNAL void kc_sqlite_watch_hub_free (KcSqliteWatchHub *hub);
/* Called by the writer after a commit with its events (KcSqliteEvent*, in
 * revision order) and the revision the store is now at. */
G_GNUC_INTERNAL void kc_sqlite_watch_hub_publish (KcSqliteWatchHub *hub,
                                                  GPtrArray *events,
                                                  gint64 revision);
G_GNUC_INTERNAL KcStoreWatch *
kc_sqlite_watch_start (KcSqliteWatchHub *hub, const char *prefix,
                       gint64 start_revision, KcStoreWatchFunc func,
                       gpointer user_data, GDestroyNotify destroy);
G_GNUC_INTERNAL void kc_sqlite_watch_cancel (KcSqliteWatchHub *hub,
                                             KcStoreWatch *watch);

G_END_DECLS
