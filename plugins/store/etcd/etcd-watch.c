/* Watches: one etcd watch stream (POST /v3/watch, newline-delimited JSON)
 * per store watch, run by the client thread; events are posted to the
 * context of the thread that started the watch.
 *
 * Resumption: the client thread remembers the revision after the last
 * event it received (next_rev).  When the stream drops (a member stopped,
 * a network error, etcd closed it), it is opened again, on the next
 * endpoint if the connection failed, from next_rev, so no event is lost
 * or repeated; events at or below a revision already passed on are
 * dropped all the same.  If next_rev was compacted meanwhile, etcd cancels
 * the watch with its compact_revision and the watcher gets COMPACTED.
 *
 * Lifetime: a watch is reference counted: the handle (until watch_cancel or
 * the instance's destruction), the client thread's stream, each delivery
 * waiting in the creator's context.  Cancellation happens in the creator's
 * thread, where deliveries run, so a flag checked by each delivery is
 * enough to guarantee no call after watch_cancel() returned. */
#include "build-config.h"

#include <string.h>

#include "etcd-store.h"

struct _KcEtcdWatchHub
{
  KcEtcdStore *self;
  GMutex lock;
  GHashTable *watches; /* KcStoreWatch* not cancelled yet */
};

struct _KcStoreWatch
{
  gint ref;
  KcEtcdStore *self;       /* outlives the client thread */
  GMainContext *context;   /* the creator's */
  char *prefix;
  KcStoreWatchFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  gint cancelled;          /* atomic */
  gint destroyed;          /* atomic: destroy notify ran */
  gboolean failed;         /* creator thread: an error was delivered */
  char *key_b64, *end_b64;

  /* Client thread only. */
  gint64 next_rev;         /* where the next stream starts; 0: now */
  KcEtcdCall *stream;
  GSource *reconnect;
  guint failures;
  gboolean stopped;        /* no more streams */
};

typedef struct
{
  KcStoreWatch *watch;
  GArray *events;          /* KcStoreEvent, owned kvs */
  GError *error;
} Delivery;

static void stream_open (KcStoreWatch *w);

static KcStoreWatch *
watch_ref (KcStoreWatch *w)
{
  g_atomic_int_inc (&w->ref);
  return w;
}

static void
watch_unref (KcStoreWatch *w)
{
  if (!g_atomic_int_dec_and_test (&w->ref))
    return;
  g_main_context_unref (w->context);
  g_free (w->prefix);
  g_free (w->key_b64);
  g_free (w->end_b64);
  g_free (w);
}

static void
run_destroy_once (KcStoreWatch *w)
{
  if (g_atomic_int_compare_and_exchange (&w->destroyed, 0, 1) && w->destroy)
    w->destroy (w->user_data);
}

/* ---- delivery, in the creator's context ----------------------------------- */

static void
event_clear (gpointer p)
{
  KcStoreEvent *e = p;
  if (e->kv)
    kc_store_kv_free (e->kv);
  if (e->prev_kv)
    kc_store_kv_free (e->prev_kv);
}

static void
delivery_free (gpointer p)
{
  Delivery *d = p;
  if (d->events)
    g_array_unref (d->events);
  g_clear_error (&d->error);
  watch_unref (d->watch);
  g_free (d);
}

static gboolean
delivery_cb (gpointer data)
{
  Delivery *d = data;
  KcStoreWatch *w = d->watch;
  if (g_atomic_int_get (&w->cancelled) || w->failed)
    return G_SOURCE_REMOVE;
  if (d->error)
    {
      w->failed = TRUE;
      w->func (NULL, 0, d->error, w->user_data);
    }
  else
    w->func ((const KcStoreEvent *) (gpointer) d->events->data,
             d->events->len, NULL, w->user_data);
  return G_SOURCE_REMOVE;
}

static void
post (KcStoreWatch *w, GArray *events, GError *error)
{
  Delivery *d = g_new0 (Delivery, 1);
  d->watch = watch_ref (w);
  d->events = events;
  d->error = error;
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, delivery_cb, d, delivery_free);
  g_source_attach (source, w->context);
  g_source_unref (source);
}

/* ---- the stream, in the client thread -------------------------------------- */

static void
stream_stop (KcStoreWatch *w)
{
  w->stopped = TRUE;
  if (w->stream)
    {
      kc_etcd_client_cancel (w->self->client, w->stream);
      w->stream = NULL;
    }
  if (w->reconnect)
    {
      g_source_destroy (w->reconnect);
      g_clear_pointer (&w->reconnect, g_source_unref);
    }
}

static void
fail (KcStoreWatch *w, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
fail (KcStoreWatch *w, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  post (w, NULL, g_error_new (KC_STORE_ERROR, code, "watch %s: %s",
                              w->prefix, message));
  stream_stop (w);
}

static GArray *
parse_events (KcStoreWatch *w, JsonArray *list)
{
  gsize prefix_len = w->self->prefix_len;
  GArray *events = g_array_new (FALSE, TRUE, sizeof (KcStoreEvent));
  g_array_set_clear_func (events, event_clear);
  guint n = json_array_get_length (list);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *ev = json_array_get_object_element (list, i);
      const char *type = json_object_get_string_member_with_default (
          ev, "type", "PUT");
      gboolean is_delete = g_str_equal (type, "DELETE");
      JsonObject *kv = kc_etcd_json_object (ev, "kv");
      JsonObject *prev = kc_etcd_json_object (ev, "prev_kv");
      KcStoreEvent e = { .type = is_delete ? KC_STORE_EVENT_DELETE
                                           : KC_STORE_EVENT_PUT };
      e.kv = kv ? kc_etcd_kv_from_json (kv, prefix_len, !is_delete) : NULL;
      if (e.kv == NULL)
        continue;
      /* Already passed on before the stream was opened again. */
      if (e.kv->mod_revision < w->next_rev)
        {
          kc_store_kv_free (e.kv);
          continue;
        }
      e.prev_kv = prev ? kc_etcd_kv_from_json (prev, prefix_len, TRUE)
                       : NULL;
      g_array_append_val (events, e);
    }
  return events;
}

static void
on_line (JsonNode *line, gpointer data)
{
  KcStoreWatch *w = data;
  if (w->stopped || !JSON_NODE_HOLDS_OBJECT (line))
    return;
  JsonObject *result = kc_etcd_json_object (json_node_get_object (line),
                                            "result");
  if (result == NULL)
    return; /* {"error": ...}: the stream ends next */
  w->failures = 0;
  gint64 compacted = kc_etcd_json_int (result, "compact_revision");
  if (kc_etcd_json_bool (result, "canceled") || compacted > 0)
    {
      if (compacted > 0)
        fail (w, KC_STORE_ERROR_COMPACTED,
              "revision %" G_GINT64_FORMAT " was compacted (oldest "
              "available: %" G_GINT64_FORMAT ")",
              w->next_rev, compacted);
      else
        fail (w, KC_STORE_ERROR_FAILED, "etcd cancelled the watch: %s",
              json_object_get_string_member_with_default (
                  result, "cancel_reason", "no reason given"));
      return;
    }
  if (kc_etcd_json_bool (result, "created") && w->next_rev == 0)
    w->next_rev = kc_etcd_json_revision (result) + 1;
  if (!json_object_has_member (result, "events"))
    return;
  GArray *events = parse_events (w, json_object_get_array_member (result,
                                                                  "events"));
  if (events->len == 0)
    {
      g_array_unref (events);
      return;
    }
  KcStoreEvent *last = &g_array_index (events, KcStoreEvent,
                                       events->len - 1);
  w->next_rev = last->kv->mod_revision + 1;
  post (w, events, NULL);
}

static gboolean
reconnect_cb (gpointer data)
{
  KcStoreWatch *w = data;
  g_clear_pointer (&w->reconnect, g_source_unref);
  stream_open (w);
  return G_SOURCE_REMOVE;
}

static void
on_end (JsonNode *root, const GError *error, gboolean maybe_applied,
        gpointer data)
{
  KcStoreWatch *w = data;
  w->stream = NULL; /* freed by the client after this returns */
  if (w->stopped)
    return;
  if (error && !g_error_matches (error, KC_STORE_ERROR,
                                 KC_STORE_ERROR_UNAVAILABLE))
    {
      /* etcd refused the watch itself (compacted, bad request...). */
      fail (w, error->code, "%s", error->message);
      return;
    }
  w->failures++;
  guint delay_ms = MIN (100u * (w->failures - 1), 1000u);
  const KcHost *host = w->self->host;
  if (w->failures == 1 || w->failures % 20 == 0)
    kc_host_warning (host,
                     "watch %s: %s; resuming from revision %" G_GINT64_FORMAT,
                     w->prefix, error ? error->message : "stream ended",
                     w->next_rev);
  w->reconnect = g_timeout_source_new (delay_ms);
  g_source_set_callback (w->reconnect, reconnect_cb, w, NULL);
  g_source_attach (w->reconnect,
                   kc_etcd_client_get_context (w->self->client));
}

static void
stream_open (KcStoreWatch *w)
{
  char *body = g_strdup_printf (
      "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\","
      "\"start_revision\":\"%" G_GINT64_FORMAT "\",\"prev_kv\":true}}",
      w->key_b64, w->end_b64, w->next_rev);
  w->stream = kc_etcd_client_stream (w->self->client, "/v3/watch",
                                     body, on_line, on_end, w);
}

static gboolean
start_cb (gpointer data)
{
  KcStoreWatch *w = data;
  if (!g_atomic_int_get (&w->cancelled) && !w->stopped)
    stream_open (w);
  return G_SOURCE_REMOVE;
}

/* Client thread: the stream's reference goes with the stream. */
static gboolean
stop_cb (gpointer data)
{
  KcStoreWatch *w = data;
  stream_stop (w);
  watch_unref (w);
  return G_SOURCE_REMOVE;
}

/* ---- the hub --------------------------------------------------------------------- */

KcEtcdWatchHub *
kc_etcd_watch_hub_new (KcEtcdStore *self)
{
  KcEtcdWatchHub *hub = g_new0 (KcEtcdWatchHub, 1);
  hub->self = self;
  g_mutex_init (&hub->lock);
  hub->watches = g_hash_table_new (NULL, NULL);
  return hub;
}

/* Creator's thread (or the instance's destruction): no call after this. */
static void
watch_stop (KcEtcdWatchHub *hub, KcStoreWatch *w)
{
  g_atomic_int_set (&w->cancelled, 1);
  run_destroy_once (w);
  kc_etcd_client_post (hub->self->client, stop_cb, w);
}

void
kc_etcd_watch_hub_free (KcEtcdWatchHub *hub)
{
  if (hub == NULL)
    return;
  g_mutex_lock (&hub->lock);
  GList *watches = g_hash_table_get_keys (hub->watches);
  g_hash_table_remove_all (hub->watches);
  g_mutex_unlock (&hub->lock);
  for (GList *l = watches; l; l = l->next)
    {
      KcStoreWatch *w = l->data;
      watch_stop (hub, w);
      watch_unref (w); /* the handle's: nobody may cancel it any more */
    }
  g_list_free (watches);
  g_mutex_clear (&hub->lock);
  g_hash_table_unref (hub->watches);
  g_free (hub);
}

KcStoreWatch *
kc_etcd_watch_start (KcEtcdWatchHub *hub, const char *prefix,
                     gint64 start_revision, KcStoreWatchFunc func,
                     gpointer user_data, GDestroyNotify destroy)
{
  KcEtcdStore *self = hub->self;
  KcStoreWatch *w = g_new0 (KcStoreWatch, 1);
  w->ref = 2; /* the handle and the stream */
  w->self = self;
  w->context = g_main_context_ref_thread_default ();
  w->prefix = g_strdup (prefix ? prefix : "");
  w->func = func;
  w->user_data = user_data;
  w->destroy = destroy;
  /* "From now" is from after every reply this instance has had: etcd's
   * own now is when the watch request reaches it, possibly after a write
   * the caller makes right after this call. */
  w->next_rev = start_revision > 0
                    ? start_revision
                    : kc_etcd_store_seen_revision (self) + 1;
  if (w->next_rev == 1)
    w->next_rev = 0; /* nothing seen yet: etcd's now */
  g_autofree char *full = kc_etcd_store_full_key (self, w->prefix);
  gsize len = strlen (full);
  w->key_b64 = len ? kc_etcd_b64 (full, len) : g_strdup ("AA==");
  w->end_b64 = kc_etcd_range_end_b64 (full, len);
  g_mutex_lock (&hub->lock);
  g_hash_table_add (hub->watches, w);
  g_mutex_unlock (&hub->lock);
  gint64 compacted = 0;
  if (kc_etcd_store_is_compacted (self, start_revision, &compacted))
    {
      /* Before the client thread sees the watch: no stream. */
      w->stopped = TRUE;
      post (w, NULL, g_error_new (KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED,
                                  "watch %s: revision %" G_GINT64_FORMAT
                                  " was compacted (oldest available: %"
                                  G_GINT64_FORMAT ")",
                                  w->prefix, start_revision, compacted));
    }
  kc_etcd_client_post (self->client, start_cb, w);
  return w;
}

void
kc_etcd_watch_cancel (KcEtcdWatchHub *hub, KcStoreWatch *w)
{
  g_mutex_lock (&hub->lock);
  gboolean open = g_hash_table_remove (hub->watches, w);
  g_mutex_unlock (&hub->lock);
  if (open)
    watch_stop (hub, w);
  watch_unref (w);
}
