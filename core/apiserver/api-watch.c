/* Watch streams (see api-server.h): `?watch=true` and /watch/ paths.  A
 * chunked 200 response carries one JSON event per line — ADDED, MODIFIED,
 * DELETED, BOOKMARK, ERROR.  Events come from the resource's watch cache;
 * a resourceVersion older than the cache's window is served by a store
 * watch of its own.  Without a resourceVersion (or with "0") the current
 * objects come first as synthetic ADDED events; a resourceVersion older
 * than the store's history ends the stream with an ERROR event carrying a
 * 410 Expired Status. */
#include "build-config.h"

#include "api-server.h"
#include "field-selector.h"
#include "label-selector.h"
#include <string.h>

typedef struct
{
  KcApiRequest *req;
  KcLabelSelector *labels;
  KcFieldSelector *fields;
  KcStoreWatch *store_watch;
  KcWatchCacheSub *sub;
  gboolean filter;       /* selectors are not "everything" */
  char *prefix;
  gboolean table;
  gboolean header_sent;
  gboolean bookmarks;
  gint64 last_revision;  /* of the newest event sent */
  guint timeout_source;
  guint bookmark_source;
  gulong finished_handler;
  gulong wrote_handler;
  gboolean ended;
  gint64 unsent;         /* bytes handed to libsoup, not yet written */
  gint64 allowance;      /* how many may stay unsent once started */
  gboolean started;      /* the initial objects and replay are queued */
  gboolean overflowed;   /* ended for not reading */
  GString *pending;      /* event lines not handed to libsoup yet */
  guint flush_source;
} KcApiWatch;

static JsonObject *
object_at (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

/* A client that does not read would make the server hold every event
 * for it: past its allowance the watch ends, as Kubernetes ends a watcher
 * whose buffer is full, and the client lists and watches again.  Closing
 * the socket makes libsoup's pending write fail, which finishes the
 * message (on_finished frees the watch) and drops what was queued. */
static void
overflow (KcApiWatch *w)
{
  g_message ("watch %s: the client left %" G_GINT64_FORMAT " bytes unread, "
             "more than [apiserver] watch-buffer-bytes=%" G_GINT64_FORMAT
             " allows; ending the watch (the client must list again)",
             g_uri_get_path (soup_server_message_get_uri (w->req->msg)),
             w->unsent, w->req->api->watch_buffer_bytes);
  w->overflowed = TRUE;
  w->ended = TRUE;
  if (w->flush_source)
    g_source_remove (w->flush_source);
  w->flush_source = 0;
  if (w->pending)
    g_string_free (g_steal_pointer (&w->pending), TRUE);
  GSocket *socket = soup_server_message_get_socket (w->req->msg);
  if (socket)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

static void
on_wrote_body_data (SoupServerMessage *msg, guint size, gpointer data)
{
  KcApiWatch *w = data;
  w->unsent = MAX (w->unsent - (gint64) size, 0);
}

/* Hands the lines gathered so far to libsoup as one chunk. */
static void
hand_over (KcApiWatch *w)
{
  if (w->flush_source)
    g_source_remove (w->flush_source);
  w->flush_source = 0;
  if (w->pending == NULL)
    return;
  gsize size = w->pending->len;
  soup_message_body_append (
      soup_server_message_get_response_body (w->req->msg), SOUP_MEMORY_TAKE,
      g_string_free (g_steal_pointer (&w->pending), FALSE), size);
  soup_server_message_unpause (w->req->msg);
}

static gboolean
on_flush (gpointer data)
{
  KcApiWatch *w = data;
  w->flush_source = 0;
  hand_over (w);
  return G_SOURCE_REMOVE;
}

/* One event line: {"type":TYPE,"object":JSON}\n, JSON already
 * serialized (the cache serializes each object once for every watcher).
 * The lines of one fan-out (the cache delivers the events of several
 * writes at once) go out together when it is over: a chunk, and a socket
 * write, each costs as much as a short line, and under load those writes
 * were an eighth of the API server's time. */
static void
send_raw (KcApiWatch *w, const char *type, const char *json, gsize len)
{
  if (w->overflowed)
    return;
  if (w->pending == NULL)
    w->pending = g_string_sized_new (len + 32);
  gsize before = w->pending->len;
  g_string_append_printf (w->pending, "{\"type\":\"%s\",\"object\":", type);
  g_string_append_len (w->pending, json, len);
  g_string_append (w->pending, "}\n");
  w->unsent += (gint64) (w->pending->len - before);
  if (w->flush_source == 0)
    w->flush_source = g_idle_add_full (G_PRIORITY_DEFAULT, on_flush, w,
                                       NULL);
  if (w->started && w->unsent > w->allowance)
    overflow (w);
}

static void
send_line (KcApiWatch *w, const char *type, JsonNode *object)
{
  g_autofree char *text = json_to_string (object, FALSE);
  send_raw (w, type, text, strlen (text));
}

static void
send_object (KcApiWatch *w, const char *type, JsonNode *object)
{
  if (!w->table)
    {
      send_line (w, type, object);
      return;
    }
  g_autoptr (GPtrArray) one = g_ptr_array_new ();
  g_ptr_array_add (one, object);
  g_autoptr (JsonNode) table = kc_api_table_new (
      w->req->resource, one, kc_object_resource_version (object),
      !w->header_sent);
  w->header_sent = TRUE;
  send_line (w, type, table);
}

static void watch_free (KcApiWatch *w);

/* Ends the stream: the client sees the response complete. */
static void
watch_end (KcApiWatch *w)
{
  if (w->ended)
    return;
  w->ended = TRUE;
  hand_over (w);
  soup_message_body_complete (
      soup_server_message_get_response_body (w->req->msg));
  soup_server_message_unpause (w->req->msg);
}

static void
send_error (KcApiWatch *w, const GError *error)
{
  g_autoptr (JsonNode) status = kc_api_status_new (error, NULL, NULL);
  send_line (w, "ERROR", status);
  watch_end (w);
}

static gboolean
selected (KcApiWatch *w, JsonNode *object)
{
  JsonObject *meta = kc_object_metadata (object);
  return kc_label_selector_matches (w->labels, object_at (meta, "labels"))
         && kc_field_selector_matches (w->fields,
                                       json_node_get_object (object));
}

static void
send_bytes (KcApiWatch *w, const char *type, GBytes *json)
{
  if (w->table)
    {
      gsize len = 0;
      const char *text = g_bytes_get_data (json, &len);
      g_autoptr (JsonNode) object = kc_object_parse (text, len, NULL);
      if (object)
        send_object (w, type, object);
      return;
    }
  gsize len = 0;
  const char *text = g_bytes_get_data (json, &len);
  send_raw (w, type, text, len);
}

static void
send_event (KcApiWatch *w, KcWatchEvent *e)
{
  w->last_revision = MAX (w->last_revision, e->revision);
  if (!w->filter)
    {
      if (e->type == KC_STORE_EVENT_DELETE)
        {
          GBytes *last = kc_watch_event_deleted_json (e);
          if (last)
            send_bytes (w, "DELETED", last);
        }
      else
        send_bytes (w, e->prev ? "MODIFIED" : "ADDED", e->object);
      return;
    }
  JsonNode *now = kc_watch_event_object (e);
  JsonNode *before = kc_watch_event_prev (e);
  gboolean was = before && selected (w, before);
  gboolean is = now && selected (w, now);

  if (is && was)
    send_bytes (w, "MODIFIED", e->object);
  else if (is)
    send_bytes (w, "ADDED", e->object);
  else if (was && e->type == KC_STORE_EVENT_DELETE)
    {
      GBytes *last = kc_watch_event_deleted_json (e);
      if (last)
        send_bytes (w, "DELETED", last);
    }
  else if (was)
    send_bytes (w, "DELETED", e->object); /* no longer selected */
}

static void
on_store_events (const KcStoreEvent *events, guint n_events,
                 const GError *store_error, gpointer data)
{
  KcApiWatch *w = data;
  if (w->ended)
    return;
  if (store_error)
    {
      g_autoptr (GError) error = NULL;
      if (g_error_matches (store_error, KC_STORE_ERROR,
                           KC_STORE_ERROR_COMPACTED))
        g_set_error (&error, KC_API_ERROR, KC_API_ERROR_GONE,
                     "too old resource version: %s", store_error->message);
      else
        g_set_error (&error, KC_API_ERROR, KC_API_ERROR_INTERNAL,
                     "the watch ended: %s", store_error->message);
      send_error (w, error);
      return;
    }
  for (guint i = 0; i < n_events; i++)
    {
      g_autoptr (GError) error = NULL;
      KcWatchEvent *event = kc_watch_event_from_store (&events[i], &error);
      if (event == NULL)
        {
          g_warning ("watch %s: skipping revision %" G_GINT64_FORMAT ": %s",
                     w->prefix, events[i].kv->mod_revision, error->message);
          continue;
        }
      if (g_str_has_prefix (event->key, w->prefix))
        send_event (w, event);
      kc_watch_event_unref (event);
    }
}

static void
on_cache_event (KcWatchEvent *event, gpointer data)
{
  KcApiWatch *w = data;
  if (event == NULL)
    {
      /* The cache lost continuity: end the stream, clients watch again. */
      w->sub = NULL;
      watch_end (w);
      return;
    }
  if (w->ended || !g_str_has_prefix (event->key, w->prefix))
    return;
  send_event (w, event);
}

/* From the cache when it still holds the events after @after_revision,
 * else from the store, which has longer history (or says 410). */
static void
start_store_watch (KcApiWatch *w, gint64 after_revision)
{
  KcApi *api = w->req->api;
  KcWatchCache *cache = kc_api_cache (api, w->req->resource);
  w->last_revision = after_revision;
  if (cache)
    w->sub = kc_watch_cache_subscribe (cache, after_revision,
                                       on_cache_event, w);
  if (w->sub == NULL && !w->ended)
    w->store_watch = api->vt->watch (api->store, w->prefix,
                                     after_revision + 1, on_store_events, w,
                                     NULL);
  /* The initial objects may be many: they are allowed on top. */
  w->started = TRUE;
  w->allowance = w->unsent + api->watch_buffer_bytes;
}

static void
on_initial_list (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiWatch *w = data;
  KcApi *api = w->req->api;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) range = api->vt->range_finish (api->store,
                                                                result,
                                                                &error);
  if (w->ended)
    {
      watch_free (w);
      return;
    }
  if (range == NULL)
    {
      g_autoptr (GError) api_error = NULL;
      kc_api_set_store_error (w->req, error, &api_error);
      send_error (w, api_error);
      return;
    }
  for (guint i = 0; i < range->kvs->len; i++)
    {
      KcStoreKv *kv = range->kvs->pdata[i];
      g_autoptr (JsonNode) object = kc_object_decode (kv->value,
                                                      kv->mod_revision,
                                                      &error);
      if (object && selected (w, object))
        send_object (w, "ADDED", object);
      g_clear_error (&error);
    }
  start_store_watch (w, range->revision);
}

static gboolean
send_cached_added (const char *key, GBytes *json, gpointer data)
{
  KcApiWatch *w = data;
  if (w->filter)
    {
      gsize len = 0;
      const char *text = g_bytes_get_data (json, &len);
      g_autoptr (JsonNode) object = kc_object_parse (text, len, NULL);
      if (object == NULL || !selected (w, object))
        return TRUE;
    }
  send_bytes (w, "ADDED", json);
  return TRUE;
}

static void start_from_store (KcApiWatch *w);

/* The current objects from the cache as ADDED, then its events. */
static void
on_cache_ready (gboolean ok, gpointer data)
{
  KcApiWatch *w = data;
  KcWatchCache *cache = kc_api_cache (w->req->api, w->req->resource);
  if (w->ended)
    {
      watch_free (w);
      return;
    }
  if (!ok)
    {
      start_from_store (w);
      return;
    }
  gint64 revision = kc_api_cache_revision (w->req->api, w->req->resource);
  kc_watch_cache_visit (cache, w->prefix, NULL, send_cached_added, w);
  start_store_watch (w, revision);
}

static gboolean
on_timeout (gpointer data)
{
  KcApiWatch *w = data;
  w->timeout_source = 0;
  watch_end (w);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bookmark (gpointer data)
{
  KcApiWatch *w = data;
  if (w->ended)
    return G_SOURCE_CONTINUE;
  JsonObject *obj = json_object_new ();
  json_object_set_string_member (obj, "kind", w->req->resource->kind);
  json_object_set_string_member (
      obj, "apiVersion", kc_resource_api_version (w->req->resource));
  JsonObject *meta = json_object_new ();
  g_autofree char *rv = g_strdup_printf ("%" G_GINT64_FORMAT,
                                         w->last_revision);
  json_object_set_string_member (meta, "resourceVersion", rv);
  json_object_set_object_member (obj, "metadata", meta);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, obj);
  send_line (w, "BOOKMARK", node);
  return G_SOURCE_CONTINUE;
}

static void
watch_free (KcApiWatch *w)
{
  KcApi *api = w->req->api;
  g_hash_table_remove (api->watches, w);
  if (w->store_watch)
    api->vt->watch_cancel (api->store, w->store_watch);
  if (w->sub)
    kc_watch_cache_unsubscribe (kc_api_cache (api, w->req->resource),
                                w->sub);
  if (w->timeout_source)
    g_source_remove (w->timeout_source);
  if (w->bookmark_source)
    g_source_remove (w->bookmark_source);
  if (w->flush_source)
    g_source_remove (w->flush_source);
  if (w->pending)
    g_string_free (w->pending, TRUE);
  if (w->finished_handler)
    g_signal_handler_disconnect (w->req->msg, w->finished_handler);
  if (w->wrote_handler)
    g_signal_handler_disconnect (w->req->msg, w->wrote_handler);
  kc_label_selector_free (w->labels);
  kc_field_selector_free (w->fields);
  g_free (w->prefix);
  kc_api_request_free (w->req);
  g_free (w);
}

/* The response is done: the client went away or the stream ended.  An
 * initial list still in flight frees the watch when it comes back. */
static gboolean
is_listing (KcApiWatch *w)
{
  return w->store_watch == NULL && w->sub == NULL && !w->ended;
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  KcApiWatch *w = data;
  gboolean listing = is_listing (w);
  w->ended = TRUE;
  g_signal_handler_disconnect (msg, w->finished_handler);
  w->finished_handler = 0;
  if (!listing)
    watch_free (w);
}

static gboolean
parse_start (KcApiRequest *req, gint64 *after, GError **error)
{
  const char *rv = kc_api_request_query (req, "resourceVersion");
  guint64 n = 0;
  *after = 0;
  if (rv == NULL || rv[0] == '\0')
    return TRUE;
  if (!g_ascii_string_to_unsigned (rv, 10, 0, G_MAXINT64, &n, NULL))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "resourceVersion=%s: expected a revision number", rv);
      return FALSE;
    }
  *after = (gint64) n;
  return TRUE;
}

void
kc_api_watch (KcApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  gint64 after = 0;
  KcLabelSelector *labels = NULL;
  KcFieldSelector *fields = NULL;

  labels = kc_label_selector_parse (
      kc_api_request_query (req, "labelSelector"), &error);
  if (labels)
    fields = kc_field_selector_parse (
        kc_api_request_query (req, "fieldSelector"),
        req->resource->field_selectors, &error);
  if (fields == NULL || !parse_start (req, &after, &error))
    {
      kc_label_selector_free (labels);
      kc_field_selector_free (fields);
      kc_api_request_fail (req, error);
      return;
    }
  /* A watch on one object is a watch on its name. */
  if (req->name)
    {
      g_autofree char *by_name = g_strdup_printf ("metadata.name=%s",
                                                  req->name);
      kc_field_selector_free (fields);
      fields = kc_field_selector_parse (by_name, req->resource->field_selectors,
                                        NULL);
    }

  KcApiWatch *w = g_new0 (KcApiWatch, 1);
  w->req = req;
  w->labels = labels;
  w->fields = fields;
  w->prefix = kc_resource_key (req->resource, req->ns, NULL);
  w->filter = !kc_label_selector_is_everything (labels)
              || !kc_field_selector_is_everything (fields);
  w->table = kc_api_wants_table (req->msg);
  w->bookmarks = kc_api_request_query_bool (req, "allowWatchBookmarks");
  g_hash_table_add (req->api->watches, w);

  SoupMessageHeaders *headers
      = soup_server_message_get_response_headers (req->msg);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  /* Drop each event once written: kept, every write walks them all. */
  soup_message_body_set_accumulate (
      soup_server_message_get_response_body (req->msg), FALSE);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  w->finished_handler = g_signal_connect (req->msg, "finished",
                                          G_CALLBACK (on_finished), w);
  w->wrote_handler = g_signal_connect (req->msg, "wrote-body-data",
                                       G_CALLBACK (on_wrote_body_data), w);

  const char *timeout = kc_api_request_query (req, "timeoutSeconds");
  gint64 seconds = 0;
  if (timeout && g_ascii_string_to_signed (timeout, 10, 1, G_MAXINT32,
                                           &seconds, NULL))
    w->timeout_source = g_timeout_add_seconds ((guint) seconds, on_timeout,
                                               w);
  if (w->bookmarks)
    w->bookmark_source = g_timeout_add_seconds (
        req->api->bookmark_interval_s, on_bookmark, w);
  /* Headers go out now, before the first event. */
  soup_server_message_unpause (req->msg);

  if (after > 0)
    {
      start_store_watch (w, after);
      return;
    }
  KcWatchCache *cache = kc_api_cache (req->api, req->resource);
  if (cache && kc_watch_cache_is_ready (cache))
    {
      kc_watch_cache_wait (cache,
                           kc_api_last_write (req->api, req->resource), 2000,
                           on_cache_ready, w);
      return;
    }
  start_from_store (w);
}

static void
start_from_store (KcApiWatch *w)
{
  KcStoreRange range = { .prefix = w->prefix };
  w->req->api->vt->range_async (w->req->api->store, &range, NULL,
                                on_initial_list, w);
}

void
kc_api_watch_close_all (KcApi *api)
{
  GList *open = g_hash_table_get_keys (api->watches);
  for (GList *l = open; l; l = l->next)
    {
      KcApiWatch *w = l->data;
      if (is_listing (w))
        {
          /* Its initial list is in flight and frees it on return. */
          w->ended = TRUE;
          continue;
        }
      watch_end (w);
      watch_free (w);
    }
  g_list_free (open);
}

void
kc_api_watch_count (KcApi *api, guint *counts, guint n)
{
  GHashTableIter iter;
  gpointer key;
  memset (counts, 0, n * sizeof *counts);
  g_hash_table_iter_init (&iter, api->watches);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      KcApiWatch *w = key;
      int i = kc_api_metrics_resource_index (w->req->resource);
      if (!w->ended && i >= 0 && (guint) i < n)
        counts[i]++;
    }
}
