/* The memory store: store interface v1 (include/kcore/store.h) kept entirely
 * in memory, without durability.  Meant for tests and benchmarks, and as the
 * reference for the semantics other store plugins must match.
 *
 * One GMutex guards the whole state.  Every operation is a few map lookups,
 * so it runs synchronously under the lock in the caller's thread and its
 * GTask is returned at once; GTask then completes it in the caller's
 * thread-default main context.  Watches get their events through an idle
 * source in the context of the thread that started them (memory-watch.c).
 *
 * History: every key keeps the list of its versions (KcStoreKv, value NULL
 * for a delete) in mod_revision order, so a read at a past revision picks the
 * last version at or before it.  An event log, indexed by revision, feeds
 * watches that start in the past.  Compaction trims both: compact_async()
 * only moves the compact revision (reads and watches below it fail with
 * COMPACTED from that call on) and a background thread then drops the
 * unreachable versions and events in chunks of about half a millisecond,
 * releasing the lock between chunks, so that a writer never waits behind a
 * whole compaction (store.h: "never blocks writers for more than a few
 * milliseconds"). */
#include "build-config.h"

#include <kcore/host.h>
#include <kcore/store.h>

#include "memory-store.h"

#define KC_MEMORY_STORE_DEFAULT_MAX_VALUE 1572864
/* How often the lease thread looks for expired leases. */
#define KC_MEMORY_STORE_LEASE_TICK_US (100 * G_TIME_SPAN_MILLISECOND)
/* Compaction works in chunks: at most this many versions or events freed,
 * and about this long, per lock hold... */
#define KC_MEMORY_COMPACT_CHUNK 4096
#define KC_MEMORY_COMPACT_SLICE_US 500
/* ...then leaves the lock alone for at least as long as the chunk took:
 * an unlock followed at once by a lock would usually win the mutex again
 * before a woken writer runs, and a worker busy all the time would take a
 * core from the writers (on a small machine, it is one of two). */
#define KC_MEMORY_COMPACT_PAUSE_MIN_US 200

/* One key's history, oldest version first. */
typedef struct
{
  char *key;
  GPtrArray *versions; /* of KcStoreKv*, owned; value NULL = deleted */
} KeyHistory;

typedef struct
{
  gint64 id;
  gint64 ttl;           /* seconds */
  gint64 deadline;      /* g_get_monotonic_time () when it expires */
  GHashTable *keys;     /* set of attached keys (owned strings) */
} Lease;

static void
key_history_free (gpointer data)
{
  KeyHistory *history = data;

  g_free (history->key);
  g_ptr_array_unref (history->versions);
  g_free (history);
}

static void
lease_free (gpointer data)
{
  Lease *lease = data;

  g_hash_table_unref (lease->keys);
  g_free (lease);
}

static int
compare_keys (gconstpointer a, gconstpointer b, gpointer user_data)
{
  (void) user_data;
  return strcmp (a, b);
}

/* For sorting an array of keys. */
static int
compare_keys_indirect (gconstpointer a, gconstpointer b, gpointer user_data)
{
  (void) user_data;
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
is_live (const KcStoreKv *kv)
{
  return kv != NULL && kv->value != NULL;
}

/* ---- state: the key map, the log, leases ------------------------------ */

/* The version of @history visible at @revision, or NULL when the key did
 * not exist then (never created yet, or deleted). */
static const KcStoreKv *
key_history_at (const KeyHistory *history, gint64 revision)
{
  for (guint i = history->versions->len; i > 0; i--)
    {
      const KcStoreKv *kv = g_ptr_array_index (history->versions, i - 1);
      if (kv->mod_revision <= revision)
        return is_live (kv) ? kv : NULL;
    }
  return NULL;
}

static const KcStoreKv *
current_kv (KcMemoryStore *self, const char *key)
{
  KeyHistory *history = g_tree_lookup (self->keys, key);

  if (history == NULL || history->versions->len == 0)
    return NULL;
  const KcStoreKv *last
      = g_ptr_array_index (history->versions, history->versions->len - 1);
  return is_live (last) ? last : NULL;
}

/* Records one write at self->revision: @kv (taken) is the key after it
 * (value NULL for a delete), @prev (borrowed, nullable) the key before. */
static void
record_write (KcMemoryStore *self, KcStoreKv *kv, const KcStoreKv *prev)
{
  KeyHistory *history = g_tree_lookup (self->keys, kv->key);

  if (history == NULL)
    {
      history = g_new0 (KeyHistory, 1);
      history->key = g_strdup (kv->key);
      history->versions = g_ptr_array_new_with_free_func (
          (GDestroyNotify) kc_store_kv_free);
      g_tree_insert (self->keys, history->key, history);
    }
  g_ptr_array_add (history->versions, kv);

  KcStoreEvent event = {
    .type = is_live (kv) ? KC_STORE_EVENT_PUT : KC_STORE_EVENT_DELETE,
    .kv = kc_store_kv_copy (kv),
    .prev_kv = prev ? kc_store_kv_copy (prev) : NULL,
  };
  kc_memory_watch_notify (
      self, kc_memory_log_append (&self->log, self->revision, &event));
}

/* Deletes the live key @key with a new revision.  Returns the new
 * revision; *out_prev (nullable) gets a copy of the deleted key. */
static gint64
delete_key (KcMemoryStore *self, const KcStoreKv *current,
            KcStoreKv **out_prev)
{
  g_autoptr (KcStoreKv) prev = kc_store_kv_copy (current);

  if (prev->lease != 0)
    {
      Lease *lease = g_hash_table_lookup (self->leases, &prev->lease);
      if (lease != NULL)
        g_hash_table_remove (lease->keys, prev->key);
    }

  self->revision++;
  record_write (self,
                kc_store_kv_new (prev->key, NULL, 0, self->revision, 0, 0),
                prev);
  if (out_prev)
    *out_prev = g_steal_pointer (&prev);
  return self->revision;
}

/* Removes @lease and deletes its keys in key order, each delete its own
 * revision. */
static void
lease_end (KcMemoryStore *self, Lease *lease)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  gint64 id = lease->id;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, lease->keys);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);

  g_ptr_array_sort_with_data (keys, compare_keys_indirect, NULL);
  /* Detach the lease first, so delete_key() does not edit the set whose
   * keys we are walking. */
  g_hash_table_steal (self->leases, &id);
  for (guint i = 0; i < keys->len; i++)
    {
      const KcStoreKv *kv = current_kv (self, g_ptr_array_index (keys, i));
      if (kv != NULL && kv->lease == id)
        delete_key (self, kv, NULL);
    }
  lease_free (lease);
}

/* The lease @id if it exists and has not expired; an expired lease that the
 * lease thread has not reaped yet is ended here, so a caller never sees a
 * lease outlive its TTL. */
static Lease *
lease_lookup_live (KcMemoryStore *self, gint64 id)
{
  Lease *lease = g_hash_table_lookup (self->leases, &id);

  if (lease == NULL)
    return NULL;
  if (lease->deadline <= g_get_monotonic_time ())
    {
      lease_end (self, lease);
      return NULL;
    }
  return lease;
}

static void
expire_leases (KcMemoryStore *self)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GPtrArray) expired = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->leases);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Lease *) value)->deadline <= now)
      g_ptr_array_add (expired, value);
  for (guint i = 0; i < expired->len; i++)
    lease_end (self, g_ptr_array_index (expired, i));
}

static gpointer
lease_thread_main (gpointer data)
{
  KcMemoryStore *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      expire_leases (self);
      g_cond_wait_until (&self->stop_cond, &self->lock,
                         g_get_monotonic_time ()
                             + KC_MEMORY_STORE_LEASE_TICK_US);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* Checks that @revision (0: latest) can be read; returns the revision to
 * read at. */
static gint64
check_read_revision (KcMemoryStore *self, gint64 revision, GError **error)
{
  if (revision == 0)
    return self->revision;
  if (revision < 0)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "memory store: revision %" G_GINT64_FORMAT
                   " is negative; pass 0 for the latest",
                   revision);
      return 0;
    }
  if (revision < self->compact_revision)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED,
                   "memory store: revision %" G_GINT64_FORMAT
                   " was compacted (oldest readable: %" G_GINT64_FORMAT ")",
                   revision, self->compact_revision);
      return 0;
    }
  if (revision > self->revision)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FUTURE_REVISION,
                   "memory store: revision %" G_GINT64_FORMAT
                   " is newer than the store's (%" G_GINT64_FORMAT ")",
                   revision, self->revision);
      return 0;
    }
  return revision;
}

static gboolean
check_value_size (KcMemoryStore *self, const char *key, GBytes *value,
                  GError **error)
{
  gsize size = value ? g_bytes_get_size (value) : 0;

  if (size <= (gsize) self->max_value_bytes)
    return TRUE;
  g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_TOO_LARGE,
               "memory store: value of %s is %" G_GSIZE_FORMAT
               " bytes, above max-value-bytes=%" G_GINT64_FORMAT,
               key, size, self->max_value_bytes);
  return FALSE;
}

/* ---- task plumbing ----------------------------------------------------- */

/* What an operation hands to its _finish(): kept as the task data, since a
 * CONFLICT carries both an error and the current key. */
typedef struct
{
  gint64 revision;
  KcStoreKv *kv;
  KcStoreRangeResult *range;
} OpResult;

static void
op_result_free (gpointer data)
{
  OpResult *op = data;

  kc_store_kv_free (op->kv);
  kc_store_range_result_free (op->range);
  g_free (op);
}

static GTask *
op_task_new (KcMemoryStore *self, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data,
             gpointer source_tag, OpResult **out_op)
{
  /* The instance is not a GObject, so it cannot be the source object; the
   * source tag identifies the operation instead. */
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  OpResult *op = g_new0 (OpResult, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, op_result_free);
  /* The work is done by the time the task returns: report what happened,
   * not a late cancellation of something already written. */
  g_task_set_check_cancellable (task, FALSE);
  *out_op = op;
  return task;
}

/* Completes @task with @error (taken) or success. */
static void
op_task_return (GTask *task, GError *error)
{
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static OpResult *
op_finish (gpointer self, GAsyncResult *result, gpointer source_tag,
           GError **error)
{
  (void) self;
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag,
                        NULL);

  OpResult *op = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) local_error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return op;
}

/* ---- get / range ------------------------------------------------------- */

static void
memory_get_async (gpointer instance, const char *key, gint64 revision,
                  GCancellable *cancellable, GAsyncReadyCallback callback,
                  gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_get_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  gint64 at = check_read_revision (self, revision, &error);
  if (error == NULL)
    {
      KeyHistory *history = g_tree_lookup (self->keys, key);
      const KcStoreKv *kv = history ? key_history_at (history, at) : NULL;

      op->revision = at;
      if (kv != NULL)
        op->kv = kc_store_kv_copy (kv);
      else
        g_set_error (&error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                     "memory store: key %s not found at revision %"
                     G_GINT64_FORMAT, key, at);
    }
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static KcStoreKv *
memory_get_finish (gpointer self, GAsyncResult *result, gint64 *out_revision,
                   GError **error)
{
  OpResult *op = op_finish (self, result, memory_get_async, error);

  /* Also on NOT_FOUND: the caller may list or watch from there. */
  if (out_revision && g_task_is_valid (result, NULL))
    *out_revision
        = ((OpResult *) g_task_get_task_data (G_TASK (result)))->revision;
  return op ? g_steal_pointer (&op->kv) : NULL;
}

/* The first key of the range: the first after @start_after, or the first
 * with @prefix, whichever is later. */
static GTreeNode *
range_first_node (KcMemoryStore *self, const KcStoreRange *range)
{
  const char *prefix = range->prefix ? range->prefix : "";

  if (range->start_after != NULL && strcmp (range->start_after, prefix) >= 0)
    return g_tree_upper_bound (self->keys, range->start_after);
  return g_tree_lower_bound (self->keys, prefix);
}

static KcStoreRangeResult *
range_read (KcMemoryStore *self, const KcStoreRange *range, gint64 at)
{
  const char *prefix = range->prefix ? range->prefix : "";
  KcStoreRangeResult *result = g_new0 (KcStoreRangeResult, 1);

  result->kvs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_store_kv_free);
  result->revision = at;
  for (GTreeNode *node = range_first_node (self, range); node != NULL;
       node = g_tree_node_next (node))
    {
      const KeyHistory *history = g_tree_node_value (node);
      if (!g_str_has_prefix (history->key, prefix))
        break;
      const KcStoreKv *kv = key_history_at (history, at);
      if (kv == NULL)
        continue;
      result->count++;
      if (range->count_only)
        continue;
      if (range->limit > 0 && (gint64) result->kvs->len >= range->limit)
        result->more = TRUE;
      else
        g_ptr_array_add (result->kvs, kc_store_kv_copy (kv));
    }
  return result;
}

static void
memory_range_async (gpointer instance, const KcStoreRange *range,
                    GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_range_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  gint64 at = check_read_revision (self, range->revision, &error);
  if (error == NULL)
    op->range = range_read (self, range, at);
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static KcStoreRangeResult *
memory_range_finish (gpointer self, GAsyncResult *result, GError **error)
{
  OpResult *op = op_finish (self, result, memory_range_async, error);

  return op ? g_steal_pointer (&op->range) : NULL;
}

/* ---- create / update / delete ------------------------------------------ */

static gint64
do_create (KcMemoryStore *self, const char *key, GBytes *value,
           gint64 lease_id, GError **error)
{
  if (!check_value_size (self, key, value, error))
    return 0;
  if (current_kv (self, key) != NULL)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_EXISTS,
                   "memory store: cannot create %s: the key exists", key);
      return 0;
    }
  Lease *lease = NULL;
  if (lease_id != 0)
    {
      lease = lease_lookup_live (self, lease_id);
      if (lease == NULL)
        {
          g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                       "memory store: cannot create %s: lease %"
                       G_GINT64_FORMAT " does not exist (expired or revoked)",
                       key, lease_id);
          return 0;
        }
      g_hash_table_add (lease->keys, g_strdup (key));
    }

  g_autoptr (GBytes) empty = value ? NULL : g_bytes_new (NULL, 0);
  self->revision++;
  record_write (self,
                kc_store_kv_new (key, value ? value : empty, self->revision,
                                 self->revision, 1, lease_id),
                NULL);
  return self->revision;
}

static void
memory_create_async (gpointer instance, const char *key, GBytes *value,
                     gint64 lease, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_create_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  op->revision = do_create (self, key, value, lease, &error);
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static gint64
memory_create_finish (gpointer self, GAsyncResult *result, GError **error)
{
  OpResult *op = op_finish (self, result, memory_create_async, error);

  return op ? op->revision : 0;
}

/* The live key @key if its mod_revision matches @expected (0: any).  On
 * CONFLICT *out_current gets a copy of the key as it is. */
static const KcStoreKv *
check_expected (KcMemoryStore *self, const char *verb, const char *key,
                gint64 expected, KcStoreKv **out_current, GError **error)
{
  const KcStoreKv *current = current_kv (self, key);

  if (current == NULL)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                   "memory store: cannot %s %s: key not found", verb, key);
      return NULL;
    }
  if (expected != 0 && current->mod_revision != expected)
    {
      g_set_error (error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT,
                   "memory store: cannot %s %s: its mod_revision is %"
                   G_GINT64_FORMAT ", not %" G_GINT64_FORMAT
                   "; read it again and retry",
                   verb, key, current->mod_revision, expected);
      *out_current = kc_store_kv_copy (current);
      return NULL;
    }
  return current;
}

static gint64
do_update (KcMemoryStore *self, const char *key, GBytes *value,
           gint64 expected, KcStoreKv **out_current, GError **error)
{
  if (!check_value_size (self, key, value, error))
    return 0;
  const KcStoreKv *current
      = check_expected (self, "update", key, expected, out_current, error);
  if (current == NULL)
    return 0;

  g_autoptr (GBytes) empty = value ? NULL : g_bytes_new (NULL, 0);
  self->revision++;
  record_write (self,
                kc_store_kv_new (key, value ? value : empty,
                                 current->create_revision, self->revision,
                                 current->version + 1, current->lease),
                current);
  return self->revision;
}

static void
memory_update_async (gpointer instance, const char *key, GBytes *value,
                     gint64 expected_mod_revision, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_update_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  op->revision = do_update (self, key, value, expected_mod_revision, &op->kv,
                            &error);
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static gint64
memory_update_finish (gpointer self, GAsyncResult *result,
                      KcStoreKv **out_current, GError **error)
{
  OpResult *op = op_finish (self, result, memory_update_async, error);
  OpResult *data = g_task_get_task_data (G_TASK (result));

  if (out_current)
    *out_current = op == NULL ? g_steal_pointer (&data->kv) : NULL;
  return op ? op->revision : 0;
}

static void
memory_delete_async (gpointer instance, const char *key,
                     gint64 expected_mod_revision, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_delete_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  const KcStoreKv *current = check_expected (
      self, "delete", key, expected_mod_revision, &op->kv, &error);
  if (current != NULL)
    op->revision = delete_key (self, current, &op->kv);
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static gint64
memory_delete_finish (gpointer self, GAsyncResult *result, KcStoreKv **out_kv,
                      GError **error)
{
  OpResult *op = op_finish (self, result, memory_delete_async, error);
  OpResult *data = g_task_get_task_data (G_TASK (result));

  /* Success and CONFLICT both leave a key in data->kv. */
  if (out_kv)
    *out_kv = g_steal_pointer (&data->kv);
  return op ? op->revision : 0;
}

/* ---- compaction -------------------------------------------------------- */

/* How many of @history's oldest versions compaction at @revision drops:
 * every version older than the one live at @revision, and that one too
 * when it is a delete (the key is then gone at @revision). */
static guint
key_history_droppable (const KeyHistory *history, gint64 revision)
{
  /* Versions are in mod_revision order: bisect for the first one after
   * @revision, so a key with a long history costs no scan per chunk. */
  guint lo = 0, hi = history->versions->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const KcStoreKv *kv = g_ptr_array_index (history->versions, mid);
      if (kv->mod_revision <= revision)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return 0;
  return is_live (g_ptr_array_index (history->versions, lo - 1)) ? lo - 1
                                                                   : lo;
}

/* Starts a pass over the whole state.  A compaction asked for while a pass
 * runs raises compact_target for the rest of that pass rather than starting
 * over, so that compactions asked for often still reach the last keys; the
 * keys the pass had trimmed already get the next pass. */
static void
compact_pass_start (KcMemoryStore *self)
{
  self->compact_phase = KC_MEMORY_COMPACT_KEYS;
  self->compact_pass_target = self->compact_target;
  g_clear_pointer (&self->compact_cursor, g_free);
}

/* Trims key histories from the cursor on, until the budget or the time
 * slice runs out.  Returns TRUE once the last key is done. */
static gboolean
compact_keys_chunk (KcMemoryStore *self, gint64 deadline, guint *budget)
{
  g_autoptr (GPtrArray) emptied = g_ptr_array_new ();
  GTreeNode *node = self->compact_cursor
                        ? g_tree_upper_bound (self->keys, self->compact_cursor)
                        : g_tree_node_first (self->keys);
  const char *last = NULL;

  while (node != NULL && *budget > 0)
    {
      KeyHistory *history = g_tree_node_value (node);
      guint drop = key_history_droppable (history, self->compact_target);
      guint now = MIN (drop, *budget);

      if (now > 0)
        g_ptr_array_remove_range (history->versions, 0, now);
      /* Every key visited costs, so a chunk over many keys with nothing
       * to drop stays short too. */
      *budget -= MAX (now, 1u);
      if (now < drop)
        break; /* the rest of this key's history in the next chunk */
      if (history->versions->len == 0)
        g_ptr_array_add (emptied, history);
      last = history->key;
      node = g_tree_node_next (node);
      if (g_get_monotonic_time () >= deadline)
        break;
    }

  if (last != NULL)
    {
      /* Copied before the emptied histories (and their keys) are freed. */
      g_free (self->compact_cursor);
      self->compact_cursor = g_strdup (last);
    }
  for (guint i = 0; i < emptied->len; i++)
    {
      KeyHistory *history = g_ptr_array_index (emptied, i);
      g_tree_remove (self->keys, history->key);
    }
  return node == NULL;
}

/* Drops log events below compact_target.  Returns TRUE once none is
 * left. */
static gboolean
compact_log_chunk (KcMemoryStore *self, gint64 deadline, guint *budget)
{
  while (*budget > 0)
    {
      guint dropped = kc_memory_log_drop_before (
          &self->log, self->compact_target, MIN (*budget, 256u));
      if (dropped == 0)
        return TRUE;
      *budget -= dropped;
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  return FALSE;
}

/* One chunk of the running pass, under the lock. */
static void
compact_chunk (KcMemoryStore *self)
{
  gint64 deadline = g_get_monotonic_time () + KC_MEMORY_COMPACT_SLICE_US;
  guint budget = KC_MEMORY_COMPACT_CHUNK;

  if (self->compact_phase == KC_MEMORY_COMPACT_KEYS)
    {
      if (!compact_keys_chunk (self, deadline, &budget))
        return;
      g_clear_pointer (&self->compact_cursor, g_free);
      self->compact_phase = KC_MEMORY_COMPACT_LOG;
    }
  if (compact_log_chunk (self, deadline, &budget))
    {
      self->compact_done = self->compact_pass_target;
      self->compact_phase = KC_MEMORY_COMPACT_IDLE;
    }
}

static gpointer
compact_thread_main (gpointer data)
{
  KcMemoryStore *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      if (self->compact_phase == KC_MEMORY_COMPACT_IDLE)
        {
          if (self->compact_done >= self->compact_target)
            {
              g_cond_wait (&self->compact_cond, &self->lock);
              continue;
            }
          compact_pass_start (self);
        }
      gint64 started = g_get_monotonic_time ();
      compact_chunk (self);
      gint64 took = g_get_monotonic_time () - started;
      g_mutex_unlock (&self->lock);
      g_usleep (MAX (took, KC_MEMORY_COMPACT_PAUSE_MIN_US));
      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

static void
memory_compact_async (gpointer instance, gint64 revision,
                      GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_compact_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  if (revision <= 0)
    g_set_error (&error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                 "memory store: cannot compact at revision %" G_GINT64_FORMAT
                 ": it must be positive", revision);
  else if (revision > self->revision)
    g_set_error (&error, KC_STORE_ERROR, KC_STORE_ERROR_FUTURE_REVISION,
                 "memory store: cannot compact at revision %" G_GINT64_FORMAT
                 ": the store is at %" G_GINT64_FORMAT,
                 revision, self->revision);
  else if (revision < self->compact_revision)
    g_set_error (&error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED,
                 "memory store: cannot compact at revision %" G_GINT64_FORMAT
                 ": already compacted at %" G_GINT64_FORMAT,
                 revision, self->compact_revision);
  else
    {
      /* From here on reads and watches below @revision fail; what they
       * could have seen is dropped in the background. */
      self->compact_revision = revision;
      if (revision > self->compact_target)
        {
          self->compact_target = revision;
          g_cond_signal (&self->compact_cond);
        }
    }
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static gboolean
memory_compact_finish (gpointer self, GAsyncResult *result, GError **error)
{
  return op_finish (self, result, memory_compact_async, error) != NULL;
}

/* ---- leases ------------------------------------------------------------ */

static void
memory_lease_grant_async (gpointer instance, gint64 ttl_seconds,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_lease_grant_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }
  if (ttl_seconds <= 0 || ttl_seconds > G_MAXINT64 / G_TIME_SPAN_SECOND / 2)
    {
      g_set_error (&error, KC_STORE_ERROR, KC_STORE_ERROR_FAILED,
                   "memory store: lease TTL %" G_GINT64_FORMAT
                   " s is out of range; give a positive number of seconds",
                   ttl_seconds);
      op_task_return (task, error);
      return;
    }

  Lease *lease = g_new0 (Lease, 1);
  lease->ttl = ttl_seconds;
  lease->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_lock (&self->lock);
  lease->id = ++self->last_lease_id;
  lease->deadline = g_get_monotonic_time () + ttl_seconds * G_TIME_SPAN_SECOND;
  g_hash_table_insert (self->leases, &lease->id, lease);
  op->revision = lease->id;
  g_mutex_unlock (&self->lock);
  op_task_return (task, NULL);
}

static gint64
memory_lease_grant_finish (gpointer self, GAsyncResult *result,
                           GError **error)
{
  OpResult *op = op_finish (self, result, memory_lease_grant_async, error);

  return op ? op->revision : 0;
}

static GError *
lease_not_found (gint64 id)
{
  return g_error_new (KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                      "memory store: lease %" G_GINT64_FORMAT
                      " does not exist (expired or revoked); grant a new one",
                      id);
}

static void
memory_lease_keepalive_async (gpointer instance, gint64 id,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_lease_keepalive_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  Lease *lease = lease_lookup_live (self, id);
  if (lease != NULL)
    {
      lease->deadline
          = g_get_monotonic_time () + lease->ttl * G_TIME_SPAN_SECOND;
      op->revision = lease->ttl;
    }
  else
    error = lease_not_found (id);
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static gint64
memory_lease_keepalive_finish (gpointer self, GAsyncResult *result,
                               GError **error)
{
  OpResult *op = op_finish (self, result, memory_lease_keepalive_async, error);

  return op ? op->revision : 0;
}

static void
memory_lease_revoke_async (gpointer instance, gint64 id,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  KcMemoryStore *self = instance;
  OpResult *op;
  GTask *task = op_task_new (self, cancellable, callback, user_data,
                             memory_lease_revoke_async, &op);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      op_task_return (task, error);
      return;
    }

  g_mutex_lock (&self->lock);
  Lease *lease = lease_lookup_live (self, id);
  if (lease != NULL)
    lease_end (self, lease);
  else
    error = lease_not_found (id);
  g_mutex_unlock (&self->lock);
  op_task_return (task, error);
}

static gboolean
memory_lease_revoke_finish (gpointer self, GAsyncResult *result,
                            GError **error)
{
  return op_finish (self, result, memory_lease_revoke_async, error) != NULL;
}

/* ---- watches (the work is in memory-watch.c) --------------------------- */

static KcStoreWatch *
memory_watch (gpointer instance, const char *prefix, gint64 start_revision,
              KcStoreWatchFunc func, gpointer user_data,
              GDestroyNotify destroy)
{
  return kc_memory_watch_new (instance, prefix, start_revision, func,
                              user_data, destroy);
}

static void
memory_watch_cancel (gpointer instance, KcStoreWatch *watch)
{
  kc_memory_watch_cancel (instance, watch);
}

/* ---- instance ---------------------------------------------------------- */

static gpointer
memory_create (const KcHost *host, GError **error)
{
  KcMemoryStore *self = g_new0 (KcMemoryStore, 1);

  self->host = host;
  self->max_value_bytes = KC_MEMORY_STORE_DEFAULT_MAX_VALUE;
  if (host != NULL && host->config != NULL)
    self->max_value_bytes
        = kc_config_group_get_int (host->config, "max-value-bytes");
  g_mutex_init (&self->lock);
  g_cond_init (&self->stop_cond);
  g_cond_init (&self->compact_cond);
  self->keys = g_tree_new_full (compare_keys, NULL, NULL, key_history_free);
  kc_memory_log_init (&self->log);
  self->leases = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                        lease_free);
  self->lease_thread
      = g_thread_new ("kc-memory-lease", lease_thread_main, self);
  self->compact_thread
      = g_thread_new ("kc-memory-compact", compact_thread_main, self);
  return self;
}

static void
memory_destroy (gpointer instance)
{
  KcMemoryStore *self = instance;

  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->stop_cond);
  g_cond_signal (&self->compact_cond);
  g_mutex_unlock (&self->lock);
  /* A compaction in progress stops between two chunks; whatever it had
   * not dropped yet is freed with the rest below. */
  g_thread_join (self->lease_thread);
  g_thread_join (self->compact_thread);

  kc_memory_watch_cancel_all (self);

  g_tree_unref (self->keys);
  kc_memory_log_clear (&self->log);
  g_free (self->compact_cursor);
  g_hash_table_unref (self->leases);
  g_cond_clear (&self->stop_cond);
  g_cond_clear (&self->compact_cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ---- descriptor -------------------------------------------------------- */

static const KcConfigKey memory_config_keys[] = {
  { .key = "max-value-bytes",
    .type = KC_CONFIG_TYPE_INT,
    .default_value = G_STRINGIFY (KC_MEMORY_STORE_DEFAULT_MAX_VALUE),
    .min = 1,
    .max = G_MAXINT32,
    .help = "largest value accepted, in bytes; larger writes fail with "
            "TOO_LARGE" },
  { NULL },
};

static const KcStoreVtable memory_vtable = {
  .size = sizeof (KcStoreVtable),
  .create = memory_create,
  .destroy = memory_destroy,
  .get_async = memory_get_async,
  .get_finish = memory_get_finish,
  .range_async = memory_range_async,
  .range_finish = memory_range_finish,
  .create_async = memory_create_async,
  .create_finish = memory_create_finish,
  .update_async = memory_update_async,
  .update_finish = memory_update_finish,
  .delete_async = memory_delete_async,
  .delete_finish = memory_delete_finish,
  .watch = memory_watch,
  .watch_cancel = memory_watch_cancel,
  .compact_async = memory_compact_async,
  .compact_finish = memory_compact_finish,
  .lease_grant_async = memory_lease_grant_async,
  .lease_grant_finish = memory_lease_grant_finish,
  .lease_keepalive_async = memory_lease_keepalive_async,
  .lease_keepalive_finish = memory_lease_keepalive_finish,
  .lease_revoke_async = memory_lease_revoke_async,
  .lease_revoke_finish = memory_lease_revoke_finish,
};

static const KcPluginDescriptor memory_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_STORE,
                               KC_STORE_INTERFACE_VERSION),
  .name = "memory",
  .version = PACKAGE_VERSION,
  .summary = "in-memory store without durability, for tests and benchmarks",
  .config_keys = memory_config_keys,
  .vtable = (const KcPluginVtable *) &memory_vtable,
};

KC_PLUGIN_DEFINE (memory_descriptor)
