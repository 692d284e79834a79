/* Reads and writes mapped onto etcd's KV API.
 *
 *  get/range  -> /v3/kv/range (key, range_end, limit, revision)
 *  create     -> txn: create_revision(key) == 0 ? put : range key
 *  update     -> txn: mod_revision(key) == X (or the key exists) ?
 *                     put (keeping its lease) : range key
 *  delete     -> txn: the same compare ? delete (prev_kv) : range key
 *  compact    -> /v3/kv/compaction
 *
 * The failure branch reads the key, so EXISTS/NOT_FOUND/CONFLICT come back
 * with the key as it is, in the same round trip.
 *
 * A write whose answer was lost (connection cut after sending, "leader
 * changed", "request timed out": etcd may or may not have applied it) is
 * resolved by reading the key back: if it holds our write (same value, and
 * for a create version 1 with our lease; for a conditional update a
 * mod_revision above the expected one), the write is acknowledged at that
 * revision; if not, the txn is sent once more (its compare keeps a create
 * or a conditional write from applying twice; if that compare fails on a
 * key holding our write, the first attempt had applied after all and is
 * acknowledged).  An unconditional update sent again may apply twice
 * (two revisions, same value).  A delete whose key is gone
 * afterwards cannot tell whose delete it was: it reports UNAVAILABLE with
 * "outcome unknown". */
#include "build-config.h"

#include <string.h>

#include "etcd-store.h"

char *
kc_etcd_store_full_key (KcEtcdStore *self, const char *key)
{
  return g_strconcat (self->prefix, key, NULL);
}

static char *
full_key_b64 (KcEtcdStore *self, const char *key)
{
  g_autofree char *full = kc_etcd_store_full_key (self, key);
  return kc_etcd_b64_str (full);
}

static GTask *
task_new (gpointer source_tag, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return NULL;
    }
  return task;
}

/* Returns @error with "@what: " in front, naming the key. */
static void
task_return_prefixed (GTask *task, const GError *error, const char *what)
{
  GError *copy = g_error_copy (error);
  g_prefix_error (&copy, "%s: ", what);
  g_task_return_error (task, copy);
  g_object_unref (task);
}

/* Fails @task with COMPACTED when @revision is below this instance's
 * compaction (see kc_etcd_store_note_compaction()). */
static gboolean
return_if_compacted (KcEtcdStore *self, GTask *task, const char *what,
                     const char *key, gint64 revision)
{
  gint64 compacted = 0;
  if (!kc_etcd_store_is_compacted (self, revision, &compacted))
    return FALSE;
  g_task_return_new_error (task, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED,
                           "%s %s: revision %" G_GINT64_FORMAT " was "
                           "compacted (oldest readable: %" G_GINT64_FORMAT
                           ")",
                           what, key, revision, compacted);
  g_object_unref (task);
  return TRUE;
}

/* The first kv of a range reply (or of a txn's response_range), or NULL. */
static JsonObject *
first_kv (JsonObject *range_reply, const char *member)
{
  if (range_reply == NULL || !json_object_has_member (range_reply, member))
    return NULL;
  JsonArray *kvs = json_object_get_array_member (range_reply, member);
  if (kvs == NULL || json_array_get_length (kvs) == 0)
    return NULL;
  return json_array_get_object_element (kvs, 0);
}

/* ---- get --------------------------------------------------------------------- */

typedef struct
{
  KcEtcdStore *self;
  char *key;
  gint64 revision;
  KcStoreKv *kv;       /* result */
  gint64 read_revision;
} GetOp;

static void
get_op_free (gpointer p)
{
  GetOp *op = p;
  g_free (op->key);
  if (op->kv)
    kc_store_kv_free (op->kv);
  g_free (op);
}

static void
get_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
           gpointer data)
{
  GTask *task = data;
  GetOp *op = g_task_get_task_data (task);
  if (error)
    {
      {
        g_autofree char *what = g_strconcat ("get ", op->key, NULL);
        task_return_prefixed (task, error, what);
      }
      return;
    }
  JsonObject *reply = json_node_get_object (root);
  gint64 header_rev = kc_etcd_store_reply_revision (op->self, reply);
  op->read_revision = op->revision > 0 ? op->revision : header_rev;
  JsonObject *kv = first_kv (reply, "kvs");
  if (kv)
    op->kv = kc_etcd_kv_from_json (kv, op->self->prefix_len, TRUE);
  if (op->kv == NULL)
    g_task_return_new_error (task, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                             "get %s: no such key", op->key);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
kc_etcd_get_async (KcEtcdStore *self, const char *key, gint64 revision,
                   GCancellable *cancellable, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  GTask *task = task_new (kc_etcd_get_async, cancellable, callback,
                          user_data);
  if (task == NULL || return_if_compacted (self, task, "get", key, revision))
    return;
  GetOp *op = g_new0 (GetOp, 1);
  op->self = self;
  op->key = g_strdup (key);
  op->revision = revision;
  g_task_set_task_data (task, op, get_op_free);
  g_autofree char *k = full_key_b64 (self, key);
  char *body = g_strdup_printf ("{\"key\":\"%s\",\"revision\":\"%"
                                G_GINT64_FORMAT "\"}", k, revision);
  kc_etcd_client_call (self->client, "/v3/kv/range", body,
                       KC_ETCD_IDEMPOTENT, get_reply, task);
}

KcStoreKv *
kc_etcd_get_finish (GAsyncResult *result, gint64 *out_revision,
                    GError **error)
{
  GTask *task = G_TASK (result);
  if (!g_task_propagate_boolean (task, error))
    return NULL;
  GetOp *op = g_task_get_task_data (task);
  if (out_revision)
    *out_revision = op->read_revision;
  return g_steal_pointer (&op->kv);
}

/* ---- range ------------------------------------------------------------------- */

typedef struct
{
  KcEtcdStore *self;
  char *prefix;
  gint64 revision;
} RangeOp;

static void
range_op_free (gpointer p)
{
  RangeOp *op = p;
  g_free (op->prefix);
  g_free (op);
}

static void
range_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
             gpointer data)
{
  GTask *task = data;
  RangeOp *op = g_task_get_task_data (task);
  if (error)
    {
      {
        g_autofree char *what = g_strconcat ("range ", op->prefix, NULL);
        task_return_prefixed (task, error, what);
      }
      return;
    }
  JsonObject *reply = json_node_get_object (root);
  KcStoreRangeResult *r = g_new0 (KcStoreRangeResult, 1);
  r->kvs = g_ptr_array_new_with_free_func ((GDestroyNotify) kc_store_kv_free);
  gint64 header_rev = kc_etcd_store_reply_revision (op->self, reply);
  r->revision = op->revision > 0 ? op->revision : header_rev;
  r->count = kc_etcd_json_int (reply, "count");
  r->more = kc_etcd_json_bool (reply, "more");
  JsonArray *kvs = json_object_has_member (reply, "kvs")
                       ? json_object_get_array_member (reply, "kvs")
                       : NULL;
  guint n = kvs ? json_array_get_length (kvs) : 0;
  for (guint i = 0; i < n; i++)
    {
      KcStoreKv *kv = kc_etcd_kv_from_json (
          json_array_get_object_element (kvs, i), op->self->prefix_len,
          TRUE);
      if (kv == NULL)
        {
          kc_store_range_result_free (r);
          g_task_return_new_error (task, KC_STORE_ERROR,
                                   KC_STORE_ERROR_CORRUPT,
                                   "range %s: etcd returned a malformed key",
                                   op->prefix);
          g_object_unref (task);
          return;
        }
      g_ptr_array_add (r->kvs, kv);
    }
  g_task_return_pointer (task, r,
                         (GDestroyNotify) kc_store_range_result_free);
  g_object_unref (task);
}

void
kc_etcd_range_async (KcEtcdStore *self, const KcStoreRange *range,
                     GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GTask *task = task_new (kc_etcd_range_async, cancellable, callback,
                          user_data);
  const char *prefix = range->prefix ? range->prefix : "";
  if (task == NULL
      || return_if_compacted (self, task, "range", prefix, range->revision))
    return;
  RangeOp *op = g_new0 (RangeOp, 1);
  op->self = self;
  op->prefix = g_strdup (prefix);
  op->revision = range->revision;
  g_task_set_task_data (task, op, range_op_free);

  g_autofree char *full = kc_etcd_store_full_key (self, prefix);
  gsize full_len = strlen (full);
  g_autofree char *end = kc_etcd_range_end_b64 (full, full_len);
  g_autofree char *start = NULL;
  if (full_len == 0)
    start = g_strdup ("AA=="); /* "\0": from the first key */
  else
    start = kc_etcd_b64 (full, full_len);
  if (range->start_after)
    {
      /* The first key after start_after is start_after + "\0". */
      g_autofree char *after = kc_etcd_store_full_key (self,
                                                       range->start_after);
      gsize after_len = strlen (after) + 1;
      int cmp = memcmp (after, full, MIN (after_len, full_len));
      if (cmp > 0 || (cmp == 0 && after_len > full_len))
        {
          g_free (start);
          start = kc_etcd_b64 (after, after_len);
        }
    }
  char *body = g_strdup_printf (
      "{\"key\":\"%s\",\"range_end\":\"%s\",\"limit\":\"%" G_GINT64_FORMAT
      "\",\"revision\":\"%" G_GINT64_FORMAT "\",\"count_only\":%s}",
      start, end, range->limit, range->revision,
      range->count_only ? "true" : "false");
  kc_etcd_client_call (self->client, "/v3/kv/range", body,
                       KC_ETCD_IDEMPOTENT, range_reply, task);
}

KcStoreRangeResult *
kc_etcd_range_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- writes ------------------------------------------------------------------ */

typedef struct
{
  KcEtcdStore *self;
  KcEtcdOpKind kind;
  char *key;
  char *key_b64;
  GBytes *value;
  gint64 arg;        /* lease (create) or expected mod_revision */
  char *txn;         /* the request, kept to send it again */
  gboolean resent;
  KcStoreKv *out_kv; /* deleted key, or the key on CONFLICT */
} WriteOp;

static void
write_op_free (gpointer p)
{
  WriteOp *op = p;
  g_free (op->key);
  g_free (op->key_b64);
  g_free (op->txn);
  if (op->value)
    g_bytes_unref (op->value);
  if (op->out_kv)
    kc_store_kv_free (op->out_kv);
  g_free (op);
}

static const char *
op_name (KcEtcdOpKind kind)
{
  return kind == KC_ETCD_OP_CREATE   ? "create"
         : kind == KC_ETCD_OP_UPDATE ? "update"
                                     : "delete";
}

static char *
build_txn (WriteOp *op)
{
  GString *s = g_string_new ("{\"compare\":[{\"key\":\"");
  g_string_append (s, op->key_b64);
  if (op->kind == KC_ETCD_OP_CREATE)
    g_string_append (s, "\",\"target\":\"CREATE\",\"result\":\"EQUAL\","
                        "\"create_revision\":\"0\"}]");
  else if (op->arg > 0)
    g_string_append_printf (s, "\",\"target\":\"MOD\",\"result\":\"EQUAL\","
                               "\"mod_revision\":\"%" G_GINT64_FORMAT "\"}]",
                            op->arg);
  else
    g_string_append (s, "\",\"target\":\"CREATE\",\"result\":\"GREATER\","
                        "\"create_revision\":\"0\"}]");

  g_string_append (s, ",\"success\":[{");
  if (op->kind == KC_ETCD_OP_DELETE)
    g_string_append_printf (s, "\"request_delete_range\":{\"key\":\"%s\","
                               "\"prev_kv\":true}",
                            op->key_b64);
  else
    {
      gsize len = 0;
      const void *data = g_bytes_get_data (op->value, &len);
      g_autofree char *v = kc_etcd_b64 (data, len);
      g_string_append_printf (s, "\"request_put\":{\"key\":\"%s\","
                                 "\"value\":\"%s\"",
                              op->key_b64, v);
      if (op->kind == KC_ETCD_OP_UPDATE)
        g_string_append (s, ",\"ignore_lease\":true");
      else if (op->arg != 0)
        g_string_append_printf (s, ",\"lease\":\"%" G_GINT64_FORMAT "\"",
                                op->arg);
      g_string_append (s, "}");
    }
  g_string_append_printf (s, "}],\"failure\":[{\"request_range\":"
                             "{\"key\":\"%s\"}}]}",
                          op->key_b64);
  return g_string_free (s, FALSE);
}

static void write_send (GTask *task);

/* After a write whose outcome was unknown: does @kv show it applied? */
static gboolean
holds_our_write (WriteOp *op, const KcStoreKv *kv)
{
  if (op->kind == KC_ETCD_OP_DELETE || kv == NULL || kv->value == NULL
      || !g_bytes_equal (kv->value, op->value))
    return FALSE;
  if (op->kind == KC_ETCD_OP_CREATE)
    return kv->version == 1 && kv->lease == op->arg;
  return op->arg == 0 || kv->mod_revision > op->arg;
}

static void
acknowledge_late (GTask *task, WriteOp *op, const KcStoreKv *kv)
{
  kc_host_info (op->self->host,
                "%s %s: acknowledged after reading it back at revision %"
                G_GINT64_FORMAT,
                op_name (op->kind), op->key, kv->mod_revision);
  g_task_return_int (task, kv->mod_revision);
}

/* The txn failed its compare: say why, with the key as it is. */
static void
write_failed (GTask *task, WriteOp *op, JsonObject *reply)
{
  JsonObject *current = NULL;
  JsonArray *responses = json_object_has_member (reply, "responses")
                             ? json_object_get_array_member (reply,
                                                             "responses")
                             : NULL;
  if (responses && json_array_get_length (responses) > 0)
    current = first_kv (
        kc_etcd_json_object (json_array_get_object_element (responses, 0),
                             "response_range"),
        "kvs");
  if (op->resent && current)
    {
      /* Sent again after a lost answer, and the first one had applied. */
      g_autoptr (KcStoreKv) kv = kc_etcd_kv_from_json (current,
                                                        op->self->prefix_len,
                                                        TRUE);
      if (holds_our_write (op, kv))
        {
          acknowledge_late (task, op, kv);
          return;
        }
    }
  if (op->kind == KC_ETCD_OP_CREATE)
    {
      g_task_return_new_error (task, KC_STORE_ERROR, KC_STORE_ERROR_EXISTS,
                               "create %s: the key exists already", op->key);
      return;
    }
  if (current == NULL)
    {
      g_task_return_new_error (task, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND,
                               "%s %s: no such key", op_name (op->kind),
                               op->key);
      return;
    }
  op->out_kv = kc_etcd_kv_from_json (current, op->self->prefix_len, TRUE);
  g_task_return_new_error (
      task, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT,
      "%s %s: the key was modified at revision %" G_GINT64_FORMAT
      ", not %" G_GINT64_FORMAT " as expected",
      op_name (op->kind), op->key, op->out_kv ? op->out_kv->mod_revision : 0,
      op->arg);
}

static void
write_succeeded (GTask *task, WriteOp *op, JsonObject *reply)
{
  if (op->kind == KC_ETCD_OP_DELETE)
    {
      JsonArray *responses = json_object_get_array_member (reply,
                                                           "responses");
      JsonObject *del = kc_etcd_json_object (
          json_array_get_object_element (responses, 0),
          "response_delete_range");
      JsonObject *prev = first_kv (del, "prev_kvs");
      if (prev)
        op->out_kv = kc_etcd_kv_from_json (prev, op->self->prefix_len, TRUE);
    }
  g_task_return_int (task, kc_etcd_store_reply_revision (op->self, reply));
}

/* The reply to the read-back of a write whose outcome was unknown. */
static void
resolve_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
               gpointer data)
{
  GTask *task = data;
  WriteOp *op = g_task_get_task_data (task);
  if (error)
    {
      g_autofree char *what = g_strdup_printf (
          "%s %s: the outcome of the write is unknown and reading the key "
          "back failed", op_name (op->kind), op->key);
      task_return_prefixed (task, error, what);
      return;
    }
  g_autoptr (KcStoreKv) kv = NULL;
  JsonObject *found = first_kv (json_node_get_object (root), "kvs");
  if (found)
    kv = kc_etcd_kv_from_json (found, op->self->prefix_len, TRUE);
  if (holds_our_write (op, kv))
    {
      acknowledge_late (task, op, kv);
      g_object_unref (task);
      return;
    }
  gboolean pending = op->kind != KC_ETCD_OP_DELETE
                     || (kv && (op->arg == 0 || kv->mod_revision == op->arg));
  if (!pending || op->resent)
    {
      g_task_return_new_error (task, KC_STORE_ERROR,
                               KC_STORE_ERROR_UNAVAILABLE,
                               "%s %s: etcd did not answer and the outcome "
                               "of the write is unknown; read the key",
                               op_name (op->kind), op->key);
      g_object_unref (task);
      return;
    }
  /* Not applied: send it again; its compare still protects it. */
  op->resent = TRUE;
  write_send (task);
}

static void
write_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
             gpointer data)
{
  GTask *task = data;
  WriteOp *op = g_task_get_task_data (task);
  if (error && maybe_applied && !op->resent)
    {
      kc_host_warning (op->self->host, "%s %s: %s; reading the key back",
                       op_name (op->kind), op->key, error->message);
      char *body = g_strdup_printf ("{\"key\":\"%s\"}", op->key_b64);
      kc_etcd_client_call (op->self->client, "/v3/kv/range", body,
                           KC_ETCD_IDEMPOTENT, resolve_reply, task);
      return;
    }
  if (error)
    {
      g_autofree char *what = g_strdup_printf ("%s %s", op_name (op->kind),
                                               op->key);
      task_return_prefixed (task, error, what);
      return;
    }
  JsonObject *reply = json_node_get_object (root);
  if (kc_etcd_json_bool (reply, "succeeded"))
    write_succeeded (task, op, reply);
  else
    write_failed (task, op, reply);
  g_object_unref (task);
}

static void
write_send (GTask *task)
{
  WriteOp *op = g_task_get_task_data (task);
  kc_etcd_client_call (op->self->client, "/v3/kv/txn", g_strdup (op->txn),
                       KC_ETCD_WRITE, write_reply, task);
}

void
kc_etcd_write_async (KcEtcdStore *self, KcEtcdOpKind kind, const char *key,
                     GBytes *value, gint64 arg, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = task_new (kc_etcd_write_async, cancellable, callback,
                          user_data);
  if (task == NULL)
    return;
  WriteOp *op = g_new0 (WriteOp, 1);
  op->self = self;
  op->kind = kind;
  op->key = g_strdup (key);
  op->key_b64 = full_key_b64 (self, key);
  op->value = value ? g_bytes_ref (value) : NULL;
  op->arg = arg;
  op->txn = build_txn (op);
  g_task_set_task_data (task, op, write_op_free);
  write_send (task);
}

gint64
kc_etcd_write_finish (GAsyncResult *result, KcStoreKv **out_kv,
                      GError **error)
{
  GTask *task = G_TASK (result);
  WriteOp *op = g_task_get_task_data (task);
  GError *local = NULL;
  gssize rev = g_task_propagate_int (task, &local);
  if (out_kv && op->out_kv
      && (local == NULL
          || g_error_matches (local, KC_STORE_ERROR,
                              KC_STORE_ERROR_CONFLICT)))
    *out_kv = g_steal_pointer (&op->out_kv);
  if (local)
    {
      g_propagate_error (error, local);
      return 0;
    }
  return rev;
}

/* ---- compaction -------------------------------------------------------------- */

typedef struct
{
  KcEtcdStore *self;
  gint64 revision;
} CompactOp;

static void
compact_reply (JsonNode *root, const GError *error, gboolean maybe_applied,
               gpointer data)
{
  GTask *task = data;
  CompactOp *op = g_task_get_task_data (task);
  /* Compacted at or after this revision already: nothing to do, as in
   * the other stores.  (An etcd cluster compacted by another kcore with
   * a later revision says so too.) */
  if (error && !g_error_matches (error, KC_STORE_ERROR,
                                 KC_STORE_ERROR_COMPACTED))
    {
      task_return_prefixed (task, error, "compact");
      return;
    }
  kc_etcd_store_note_compaction (op->self, op->revision);
  g_task_return_int (task, 1);
  g_object_unref (task);
}

void
kc_etcd_compact_async (KcEtcdStore *self, gint64 revision,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = task_new (kc_etcd_compact_async, cancellable, callback,
                          user_data);
  if (task == NULL)
    return;
  CompactOp *op = g_new0 (CompactOp, 1);
  op->self = self;
  op->revision = revision;
  g_task_set_task_data (task, op, g_free);
  /* One below: see kc_etcd_store_note_compaction(). */
  if (revision <= 1)
    {
      kc_etcd_store_note_compaction (self, revision);
      g_task_return_int (task, 1);
      g_object_unref (task);
      return;
    }
  char *body = g_strdup_printf ("{\"revision\":\"%" G_GINT64_FORMAT
                                "\",\"physical\":false}",
                                revision - 1);
  kc_etcd_client_call (self->client, "/v3/kv/compaction", body,
                       KC_ETCD_IDEMPOTENT, compact_reply, task);
}

gint64
kc_etcd_int_finish (GAsyncResult *result, GError **error)
{
  gssize v = g_task_propagate_int (G_TASK (result), error);
  return v < 0 ? 0 : v;
}
