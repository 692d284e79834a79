/* The per-resource watch cache (see watch-cache.h). */
#include "build-config.h"

#include "watch-cache.h"

#include "selectable-fields.h"
#include "served-json.h"

#include "api-object.h"
#include <string.h>

/* How long a store watch that failed waits before the cache relists. */
#define RESTART_DELAY_MS 500

typedef struct
{
  GBytes *json;
  gint64 revision;
} Entry;

struct _KcWatchCacheSub
{
  KcWatchCacheFunc func;
  gpointer data;
  gint64 after;      /* it gets only events newer than this */
  gboolean dead;
};

typedef struct
{
  KcWatchCache *cache;
  gint64 revision;
  KcWatchCacheReadyFunc func;
  gpointer data;
  guint timeout;
} Waiter;

struct _KcWatchCache
{
  const KcResource *resource;
  gpointer store;
  const KcStoreVtable *vt;
  char *prefix;
  GTree *entries;        /* key -> Entry* */
  GQueue window;         /* of KcWatchEvent*, oldest first */
  guint window_max;
  gint64 window_start;   /* every event after it is in the window */
  gint64 revision;
  gboolean ready;
  KcStoreWatch *watch;
  GPtrArray *subs;       /* of KcWatchCacheSub* */
  GList *waiters;        /* of Waiter* */
  guint delivering;      /* > 0 while subscribers are being called */
  GQueue pending;        /* of KcWatchEvent*, applied but not delivered */
  gint64 delivered;      /* revision of the newest event delivered */
  guint drain_source;   /* idle: fan-out once requests are answered */
  guint drain_deadline; /* ...or at the latest after DRAIN_DEADLINE_MS */
  guint restart_source;
  GCancellable *cancellable;
};

static void start (KcWatchCache *cache);

static gint
compare_keys (gconstpointer a, gconstpointer b, gpointer unused)
{
  return strcmp (a, b);
}

/* ---- events ------------------------------------------------------------ */

KcWatchEvent *
kc_watch_event_from_store (const KcStoreEvent *e, GError **error)
{
  g_autoptr (GBytes) object = NULL, prev = NULL;
  if (e->type == KC_STORE_EVENT_PUT
      && !(object = kc_served_json (e->kv->value, e->kv->mod_revision,
                                    error)))
    return NULL;
  if (e->prev_kv && e->prev_kv->value
      && !(prev = kc_served_json (e->prev_kv->value, e->prev_kv->mod_revision,
                                  error)))
    return NULL;
  KcWatchEvent *event = g_new0 (KcWatchEvent, 1);
  event->ref = 1;
  event->type = e->type;
  event->key = g_strdup (e->kv->key);
  event->revision = e->kv->mod_revision;
  event->object = g_steal_pointer (&object);
  event->prev = g_steal_pointer (&prev);
  return event;
}

KcWatchEvent *
kc_watch_event_ref (KcWatchEvent *event)
{
  g_atomic_int_inc (&event->ref);
  return event;
}

void
kc_watch_event_unref (KcWatchEvent *event)
{
  if (event == NULL || !g_atomic_int_dec_and_test (&event->ref))
    return;
  g_free (event->key);
  g_clear_pointer (&event->object, g_bytes_unref);
  g_clear_pointer (&event->prev, g_bytes_unref);
  g_clear_pointer (&event->object_node, json_node_unref);
  g_clear_pointer (&event->prev_node, json_node_unref);
  g_clear_pointer (&event->deleted, g_bytes_unref);
  g_free (event);
}

static JsonNode *
parse_whole (GBytes *bytes)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  return kc_object_parse (data, len, NULL);
}

/* What selectors test, without parsing the whole object when the text
 * allows (selectable-fields.h).  Only for selecting: it lacks the rest. */
static JsonNode *
parse_selectable (GBytes *bytes)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonNode *fields = kc_selectable_fields (data, len);
  return fields ? fields : kc_object_parse (data, len, NULL);
}

JsonNode *
kc_watch_event_object (KcWatchEvent *event)
{
  if (event->object_node == NULL && event->object)
    event->object_node = parse_selectable (event->object);
  return event->object_node;
}

JsonNode *
kc_watch_event_prev (KcWatchEvent *event)
{
  if (event->prev_node == NULL && event->prev)
    event->prev_node = parse_selectable (event->prev);
  return event->prev_node;
}

GBytes *
kc_watch_event_deleted_json (KcWatchEvent *event)
{
  if (event->deleted == NULL && event->prev)
    {
      g_autoptr (JsonNode) last = parse_whole (event->prev);
      if (last == NULL)
        return event->prev;
      kc_object_set_resource_version (last, event->revision);
      char *text = json_to_string (last, FALSE);
      event->deleted = g_bytes_new_take (text, strlen (text));
    }
  return event->deleted;
}

/* ---- state ------------------------------------------------------------- */

static void
entry_free (Entry *entry)
{
  g_bytes_unref (entry->json);
  g_free (entry);
}

static void
put_entry (KcWatchCache *cache, const char *key, GBytes *json,
           gint64 revision)
{
  Entry *entry = g_new (Entry, 1);
  entry->json = g_bytes_ref (json);
  entry->revision = revision;
  g_tree_replace (cache->entries, g_strdup (key), entry);
}

static void
resolve_waiters (KcWatchCache *cache, gboolean all_fail)
{
  GList *l = cache->waiters;
  while (l)
    {
      GList *next = l->next;
      Waiter *w = l->data;
      if (all_fail || (cache->ready && cache->revision >= w->revision))
        {
          cache->waiters = g_list_delete_link (cache->waiters, l);
          g_source_remove (w->timeout);
          w->func (!all_fail, w->data);
          g_free (w);
        }
      l = next;
    }
}

static void
prune_dead_subs (KcWatchCache *cache)
{
  for (guint i = cache->subs->len; i > 0; i--)
    {
      KcWatchCacheSub *sub = cache->subs->pdata[i - 1];
      if (sub->dead)
        g_ptr_array_remove_index (cache->subs, i - 1);
    }
}

/* Subscribers get NULL when the cache lost continuity: their streams end
 * and clients watch again. */
static void
deliver (KcWatchCache *cache, KcWatchEvent *event)
{
  cache->delivering++;
  for (guint i = 0; i < cache->subs->len; i++)
    {
      KcWatchCacheSub *sub = cache->subs->pdata[i];
      /* A subscriber that came after an event was applied saw it in its
       * list already; the drain must not hand it over again. */
      if (!sub->dead && (event == NULL || event->revision > sub->after))
        sub->func (event, sub->data);
    }
  if (--cache->delivering == 0)
    prune_dead_subs (cache);
}

static void
remember (KcWatchCache *cache, KcWatchEvent *event)
{
  g_queue_push_tail (&cache->window, kc_watch_event_ref (event));
  while (cache->window.length > cache->window_max)
    {
      KcWatchEvent *old = g_queue_pop_head (&cache->window);
      cache->window_start = old->revision;
      kc_watch_event_unref (old);
    }
}

/* Fan-out to many watchers runs after the replies waiting in the main
 * loop (a create is answered before its event reaches 1,000 watchers),
 * but never later than DRAIN_DEADLINE_MS: under a steady request load the
 * loop is never idle, and watchers (the scheduler's informers among them)
 * would otherwise hear nothing for seconds. */
#define DRAIN_DEADLINE_MS 5

static gboolean
drain_pending (gpointer data)
{
  KcWatchCache *cache = data;
  KcWatchEvent *event;
  if (cache->drain_source)
    g_source_remove (cache->drain_source);
  if (cache->drain_deadline)
    g_source_remove (cache->drain_deadline);
  cache->drain_source = 0;
  cache->drain_deadline = 0;
  while ((event = g_queue_pop_head (&cache->pending)))
    {
      cache->delivered = event->revision;
      deliver (cache, event);
      kc_watch_event_unref (event);
    }
  return G_SOURCE_REMOVE;
}

static void
apply_event (KcWatchCache *cache, KcWatchEvent *event)
{
  if (event->type == KC_STORE_EVENT_PUT)
    put_entry (cache, event->key, event->object, event->revision);
  else
    g_tree_remove (cache->entries, event->key);
  cache->revision = MAX (cache->revision, event->revision);
  remember (cache, event);
  g_queue_push_tail (&cache->pending, kc_watch_event_ref (event));
  if (cache->drain_source == 0)
    {
      cache->drain_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE,
                                             drain_pending, cache, NULL);
      cache->drain_deadline = g_timeout_add (DRAIN_DEADLINE_MS, drain_pending,
                                             cache);
    }
}

static gboolean
on_restart (gpointer data)
{
  KcWatchCache *cache = data;
  cache->restart_source = 0;
  start (cache);
  return G_SOURCE_REMOVE;
}

/* The store watch ended (compaction outran it, or the store failed):
 * subscribers end, and the cache lists again. */
static void
restart_later (KcWatchCache *cache, const char *why)
{
  g_warning ("watch cache %s: %s; reloading", cache->prefix, why);
  cache->ready = FALSE;
  if (cache->watch)
    {
      cache->vt->watch_cancel (cache->store, cache->watch);
      cache->watch = NULL;
    }
  drain_pending (cache);
  deliver (cache, NULL);
  for (guint i = 0; i < cache->subs->len; i++)
    ((KcWatchCacheSub *) cache->subs->pdata[i])->dead = TRUE;
  if (cache->delivering == 0)
    prune_dead_subs (cache);
  if (cache->restart_source == 0)
    cache->restart_source = g_timeout_add (RESTART_DELAY_MS, on_restart,
                                           cache);
}

static void
on_store_events (const KcStoreEvent *events, guint n_events,
                 const GError *error, gpointer data)
{
  KcWatchCache *cache = data;
  if (error)
    {
      restart_later (cache, error->message);
      return;
    }
  for (guint i = 0; i < n_events; i++)
    {
      g_autoptr (GError) local = NULL;
      KcWatchEvent *event = kc_watch_event_from_store (&events[i], &local);
      if (event == NULL)
        {
          g_warning ("watch cache %s: skipping revision %" G_GINT64_FORMAT
                     ": %s",
                     cache->prefix, events[i].kv->mod_revision,
                     local->message);
          cache->revision = MAX (cache->revision,
                                 events[i].kv->mod_revision);
          continue;
        }
      apply_event (cache, event);
      kc_watch_event_unref (event);
    }
  resolve_waiters (cache, FALSE);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer data)
{
  KcWatchCache *cache = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) range = cache->vt->range_finish (
      cache->store, result, &error);
  if (range == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        restart_later (cache, error->message);
      return;
    }
  g_tree_remove_all (cache->entries);
  for (guint i = 0; i < range->kvs->len; i++)
    {
      KcStoreKv *kv = range->kvs->pdata[i];
      g_autoptr (GError) local = NULL;
      g_autoptr (GBytes) json = kc_served_json (kv->value, kv->mod_revision,
                                                &local);
      if (json)
        put_entry (cache, kv->key, json, kv->mod_revision);
      else
        g_warning ("watch cache %s: skipping %s: %s", cache->prefix,
                   kv->key, local->message);
    }
  g_queue_clear_full (&cache->window,
                      (GDestroyNotify) kc_watch_event_unref);
  cache->revision = range->revision;
  cache->window_start = range->revision;
  cache->delivered = range->revision;
  cache->watch = cache->vt->watch (cache->store, cache->prefix,
                                   range->revision + 1, on_store_events,
                                   cache, NULL);
  cache->ready = TRUE;
  resolve_waiters (cache, FALSE);
}

static void
start (KcWatchCache *cache)
{
  KcStoreRange range = { .prefix = cache->prefix };
  cache->vt->range_async (cache->store, &range, cache->cancellable,
                          on_listed, cache);
}

KcWatchCache *
kc_watch_cache_new (const KcResource *resource, gpointer store,
                    const KcStoreVtable *vt, guint window_events)
{
  KcWatchCache *cache = g_new0 (KcWatchCache, 1);
  cache->resource = resource;
  cache->store = store;
  cache->vt = vt;
  cache->prefix = kc_resource_key (resource, NULL, NULL);
  cache->entries = g_tree_new_full (compare_keys, NULL, g_free,
                                    (GDestroyNotify) entry_free);
  g_queue_init (&cache->window);
  g_queue_init (&cache->pending);
  cache->window_max = MAX (window_events, 1);
  cache->subs = g_ptr_array_new_with_free_func (g_free);
  cache->cancellable = g_cancellable_new ();
  start (cache);
  return cache;
}

void
kc_watch_cache_free (KcWatchCache *cache)
{
  if (cache == NULL)
    return;
  g_cancellable_cancel (cache->cancellable);
  if (cache->watch)
    cache->vt->watch_cancel (cache->store, cache->watch);
  if (cache->restart_source)
    g_source_remove (cache->restart_source);
  if (cache->drain_source)
    g_source_remove (cache->drain_source);
  if (cache->drain_deadline)
    g_source_remove (cache->drain_deadline);
  g_queue_clear_full (&cache->pending, (GDestroyNotify) kc_watch_event_unref);
  resolve_waiters (cache, TRUE);
  g_tree_unref (cache->entries);
  g_queue_clear_full (&cache->window, (GDestroyNotify) kc_watch_event_unref);
  g_ptr_array_unref (cache->subs);
  g_object_unref (cache->cancellable);
  g_free (cache->prefix);
  g_free (cache);
}

gboolean
kc_watch_cache_is_ready (const KcWatchCache *cache)
{
  return cache->ready;
}

gint64
kc_watch_cache_get_revision (const KcWatchCache *cache)
{
  return cache->revision;
}

guint
kc_watch_cache_get_size (const KcWatchCache *cache)
{
  return (guint) g_tree_nnodes (cache->entries);
}

static gboolean
on_wait_timeout (gpointer data)
{
  Waiter *w = data;
  KcWatchCache *cache = w->cache;
  cache->waiters = g_list_remove (cache->waiters, w);
  w->func (FALSE, w->data);
  g_free (w);
  return G_SOURCE_REMOVE;
}

void
kc_watch_cache_wait (KcWatchCache *cache, gint64 revision, guint timeout_ms,
                     KcWatchCacheReadyFunc func, gpointer data)
{
  if (cache->ready && cache->revision >= revision)
    {
      func (TRUE, data);
      return;
    }
  Waiter *w = g_new0 (Waiter, 1);
  w->cache = cache;
  w->revision = revision;
  w->func = func;
  w->data = data;
  w->timeout = g_timeout_add (timeout_ms, on_wait_timeout, w);
  cache->waiters = g_list_append (cache->waiters, w);
}

GBytes *
kc_watch_cache_lookup (KcWatchCache *cache, const char *key,
                       gint64 *revision)
{
  Entry *entry = cache->ready ? g_tree_lookup (cache->entries, key) : NULL;
  if (entry == NULL)
    return NULL;
  *revision = entry->revision;
  return g_bytes_ref (entry->json);
}

void
kc_watch_cache_visit (KcWatchCache *cache, const char *prefix,
                      const char *start_after, KcWatchCacheVisitFunc func,
                      gpointer data)
{
  const char *from = start_after && strcmp (start_after, prefix) > 0
                         ? start_after
                         : prefix;
  GTreeNode *node = g_tree_lower_bound (cache->entries, from);
  for (; node; node = g_tree_node_next (node))
    {
      const char *key = g_tree_node_key (node);
      if (!g_str_has_prefix (key, prefix))
        break;
      if (start_after && strcmp (key, start_after) <= 0)
        continue;
      Entry *entry = g_tree_node_value (node);
      if (!func (key, entry->json, data))
        break;
    }
}

KcWatchCacheSub *
kc_watch_cache_subscribe (KcWatchCache *cache, gint64 after,
                          KcWatchCacheFunc func, gpointer data)
{
  if (!cache->ready || after < cache->window_start)
    return NULL;
  KcWatchCacheSub *sub = g_new0 (KcWatchCacheSub, 1);
  sub->func = func;
  sub->data = data;
  sub->after = after;
  /* Events applied but not yet delivered reach the new subscriber through
   * the drain, in order, like everyone else's. */
  for (GList *l = cache->window.head; l && !sub->dead; l = l->next)
    {
      KcWatchEvent *event = l->data;
      if (event->revision > after && event->revision <= cache->delivered)
        func (event, data);
    }
  g_ptr_array_add (cache->subs, sub);
  return sub;
}

void
kc_watch_cache_unsubscribe (KcWatchCache *cache, KcWatchCacheSub *sub)
{
  sub->dead = TRUE;
  if (cache->delivering == 0)
    prune_dead_subs (cache);
}
