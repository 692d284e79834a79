/* KcEventRecorder: writes core/v1 Events one at a time, in order; a repeat
 * of an event this recorder already wrote (same involved object, type,
 * reason and message) PATCHes that Event's count and lastTimestamp. */
#include "client-private.h"
#include "kcore/event-recorder.h"

#define MAX_PENDING 1000
/* Events remembered for aggregation, oldest forgotten first (Kubernetes'
 * event correlator keeps an LRU of 4096). */
#define MAX_ENTRIES 4096
/* Drops are counted and reported at most this often. */
#define DROP_REPORT_INTERVAL_US (10 * G_USEC_PER_SEC)

typedef struct
{
  char *event_name, *ns;
  gint64 count;
} Entry;

typedef struct
{
  GTask *task; /* NULL for fire-and-forget */
  JsonNode *involved; /* the involvedObject reference we build */
  char *ns, *type, *reason, *message, *key;
} Record;

struct _KcEventRecorder
{
  KcClient *client;
  KcResource *events;
  char *component;
  GHashTable *entries; /* key -> Entry */
  GQueue entry_order;  /* the keys of @entries, oldest first */
  GQueue pending;      /* Record */
  guint dropped;       /* since the last report */
  gint64 last_drop_report;
  Record *current;
  GCancellable *cancellable;
};

static void process_next (KcEventRecorder *r);

static void
entry_free (Entry *e)
{
  g_free (e->event_name);
  g_free (e->ns);
  g_free (e);
}

static void
record_free (Record *rec)
{
  g_clear_object (&rec->task);
  json_node_unref (rec->involved);
  g_free (rec->ns);
  g_free (rec->type);
  g_free (rec->reason);
  g_free (rec->message);
  g_free (rec->key);
  g_free (rec);
}

/* Completes the current record and moves on. */
static void
complete (KcEventRecorder *r, JsonNode *event, GError *error)
{
  Record *rec = r->current;
  r->current = NULL;
  if (rec->task)
    {
      if (event)
        g_task_return_pointer (rec->task, json_node_ref (event),
                               (GDestroyNotify) json_node_unref);
      else
        g_task_return_error (rec->task, g_error_copy (error));
    }
  else if (error)
    g_warning ("event recorder %s: could not record event %s on %s: %s",
               r->component, rec->reason, rec->key, error->message);
  record_free (rec);
  process_next (r);
}

static void send_create (KcEventRecorder *r, Record *rec);

static void
remember (KcEventRecorder *r, Record *rec, JsonNode *event)
{
  Entry *e = g_new0 (Entry, 1);
  e->event_name = g_strdup (kc_object_get_name (event));
  e->ns = g_strdup (rec->ns);
  e->count = json_object_get_int_member_with_default (
    json_node_get_object (event), "count", 1);
  if (g_hash_table_contains (r->entries, rec->key))
    {
      /* insert keeps the table's key, which entry_order points to. */
      g_hash_table_insert (r->entries, g_strdup (rec->key), e);
      return;
    }
  char *key = g_strdup (rec->key);
  g_hash_table_insert (r->entries, key, e);
  g_queue_push_tail (&r->entry_order, key);
  while (g_hash_table_size (r->entries) > MAX_ENTRIES)
    g_hash_table_remove (r->entries, g_queue_pop_head (&r->entry_order));
}

/* Forgets the aggregation entry of @key; TRUE when there was one. */
static gboolean
forget (KcEventRecorder *r, const char *key)
{
  gpointer stored;
  if (!g_hash_table_lookup_extended (r->entries, key, &stored, NULL))
    return FALSE;
  g_queue_remove (&r->entry_order, stored);
  g_hash_table_remove (r->entries, key);
  return TRUE;
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) event = kc_client_request_finish (KC_CLIENT (source),
                                                          result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  KcEventRecorder *r = user_data;
  Record *rec = r->current;
  if (!event && g_error_matches (error, KC_CLIENT_ERROR,
                                 KC_CLIENT_ERROR_NOT_FOUND)
      && forget (r, rec->key))
    {
      send_create (r, rec); /* the aggregated Event is gone: start anew */
      return;
    }
  if (event && JSON_NODE_HOLDS_OBJECT (event))
    remember (r, rec, event);
  complete (r, event, error);
}

static void
send_create (KcEventRecorder *r, Record *rec)
{
  g_autofree char *now = kcc_now_rfc3339 (FALSE);
  const char *involved_name = kcc_json_get_string (rec->involved, "name");
  g_autofree char *name = g_strdup_printf (
    "%s.%" G_GINT64_MODIFIER "x", involved_name ? involved_name : "event",
    g_get_real_time () * 1000 + g_random_int_range (0, 1000));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "apiVersion");
  json_builder_add_string_value (b, "v1");
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "Event");
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "namespace");
  json_builder_add_string_value (b, rec->ns);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "involvedObject");
  json_builder_add_value (b, json_node_copy (rec->involved));
  const char *fields[][2] = { { "type", rec->type }, { "reason", rec->reason },
                              { "message", rec->message },
                              { "firstTimestamp", now },
                              { "lastTimestamp", now },
                              { "reportingComponent", r->component } };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      json_builder_set_member_name (b, fields[i][0]);
      json_builder_add_string_value (b, fields[i][1]);
    }
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "component");
  json_builder_add_string_value (b, r->component);
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) event = json_builder_get_root (b);
  kc_client_create_async (r->client, r->events, rec->ns, NULL, NULL, event,
                          r->cancellable, on_written, r);
}

static void
send_patch (KcEventRecorder *r, Entry *e)
{
  g_autofree char *now = kcc_now_rfc3339 (FALSE);
  g_autoptr (JsonNode) patch = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "count", e->count + 1);
  json_object_set_string_member (o, "lastTimestamp", now);
  json_node_take_object (patch, o);
  kc_client_patch_async (r->client, r->events, e->ns, e->event_name, NULL,
                         KC_PATCH_MERGE, patch, r->cancellable, on_written, r);
}

static void
process_next (KcEventRecorder *r)
{
  if (r->current)
    return;
  r->current = g_queue_pop_head (&r->pending);
  if (!r->current)
    return;
  Entry *e = g_hash_table_lookup (r->entries, r->current->key);
  if (e)
    send_patch (r, e);
  else
    send_create (r, r->current);
}

KcEventRecorder *
kc_event_recorder_new (KcClient *client, const char *component)
{
  KcEventRecorder *r = g_new0 (KcEventRecorder, 1);
  r->client = g_object_ref (client);
  r->events = kc_resource_new ("", "v1", "events");
  r->component = g_strdup (component ? component : "kcore");
  r->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) entry_free);
  g_queue_init (&r->pending);
  g_queue_init (&r->entry_order);
  r->cancellable = g_cancellable_new ();
  return r;
}

void
kc_event_recorder_free (KcEventRecorder *r)
{
  if (!r)
    return;
  g_cancellable_cancel (r->cancellable);
  g_object_unref (r->cancellable);
  GError *error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "event recorder freed");
  if (r->current)
    g_queue_push_head (&r->pending, r->current);
  Record *rec;
  while ((rec = g_queue_pop_head (&r->pending)))
    {
      if (rec->task)
        g_task_return_error (rec->task, g_error_copy (error));
      record_free (rec);
    }
  g_error_free (error);
  g_queue_clear (&r->entry_order);
  g_hash_table_unref (r->entries);
  kc_resource_unref (r->events);
  g_object_unref (r->client);
  g_free (r->component);
  g_free (r);
}

static JsonNode *
involved_ref (JsonNode *obj)
{
  JsonObject *ref = json_object_new ();
  const char *api = kcc_json_get_string (obj, "apiVersion");
  const char *kind = kcc_json_get_string (obj, "kind");
  const char *pairs[][2] = {
    { "apiVersion", api }, { "kind", kind },
    { "namespace", kc_object_get_namespace (obj) },
    { "name", kc_object_get_name (obj) },
    { "uid", kc_object_get_uid (obj) },
    { "resourceVersion", kc_object_get_resource_version (obj) } };
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    if (pairs[i][1])
      json_object_set_string_member (ref, pairs[i][0], pairs[i][1]);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, ref);
  return node;
}

static void
enqueue (KcEventRecorder *r, JsonNode *involved, const char *type,
         const char *reason, const char *message, GTask *task)
{
  Record *rec = g_new0 (Record, 1);
  rec->task = task;
  rec->involved = involved_ref (involved);
  const char *ns = kc_object_get_namespace (involved);
  rec->ns = g_strdup (ns && *ns ? ns : "default");
  rec->type = g_strdup (type ? type : KC_EVENT_NORMAL);
  rec->reason = g_strdup (reason ? reason : "");
  rec->message = g_strdup (message ? message : "");
  rec->key = g_strdup_printf ("%s|%s|%s|%s|%s|%s|%s|%s",
                              kcc_json_get_string (involved, "kind"), rec->ns,
                              kc_object_get_name (involved),
                              kc_object_get_uid (involved), rec->type,
                              rec->reason, rec->message, r->component);
  if (r->pending.length >= MAX_PENDING)
    {
      /* The API server is not keeping up: events are best effort, the
       * recorder must not grow without bound, and neither may the log. */
      gint64 now = g_get_monotonic_time ();
      r->dropped++;
      if (now - r->last_drop_report >= DROP_REPORT_INTERVAL_US)
        {
          g_warning ("event recorder %s: %u events waiting; dropped %u "
                     "event(s) since the last report (latest: %s on %s)",
                     r->component, r->pending.length, r->dropped,
                     rec->reason, rec->key);
          r->dropped = 0;
          r->last_drop_report = now;
        }
      if (rec->task)
        g_task_return_new_error (rec->task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                 "too many events waiting to be written");
      record_free (rec);
      return;
    }
  g_queue_push_tail (&r->pending, rec);
  process_next (r);
}

void
kc_event_recorder_record (KcEventRecorder *r, JsonNode *involved,
                          const char *type, const char *reason,
                          const char *message)
{
  enqueue (r, involved, type, reason, message, NULL);
}

void
kc_event_recorder_record_async (KcEventRecorder *r, JsonNode *involved,
                                const char *type, const char *reason,
                                const char *message,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, kc_event_recorder_record_async);
  enqueue (r, involved, type, reason, message, task);
}

JsonNode *
kc_event_recorder_record_finish (KcEventRecorder *r, GAsyncResult *result,
                                 GError **error)
{
  (void) r;
  return g_task_propagate_pointer (G_TASK (result), error);
}
