/* The watch cache: one per resource, fed by one store watch on the
 * resource's prefix.  It holds every object's served JSON (bytes, with
 * resourceVersion set) and a window of recent events, so lists and
 * watches are answered from memory and a store event is decoded once for
 * all the watchers.  Internal to the API server; main thread only. */
#pragma once

#include "served-json.h"

#include "resource.h"
#include <json-glib/json-glib.h>
#include <kcore/store.h>

G_BEGIN_DECLS

/* One change, shared by every watcher it is handed to. */
typedef struct
{
  gint ref;
  guint32 type;       /* KC_STORE_EVENT_PUT or KC_STORE_EVENT_DELETE */
  char *key;
  gint64 revision;
  GBytes *object;     /* served JSON after the change; NULL on delete */
  GBytes *prev;       /* served JSON before it; NULL on create */
  JsonNode *object_node; /* parsed on demand */
  JsonNode *prev_node;
  GBytes *deleted;       /* prev with resourceVersion = revision, on
                            demand */
} KcWatchEvent;

/* Decodes a store event into served JSON.  (transfer full) */
KcWatchEvent *kc_watch_event_from_store (const KcStoreEvent *event,
                                         GError **error);
KcWatchEvent *kc_watch_event_ref (KcWatchEvent *event);
void kc_watch_event_unref (KcWatchEvent *event);
/* What label and field selectors test of the object after / before the
 * change (kc_selectable_fields(): metadata.labels and the scalars up to
 * depth two — not the whole object), or NULL.  (transfer none) */
JsonNode *kc_watch_event_object (KcWatchEvent *event);
JsonNode *kc_watch_event_prev (KcWatchEvent *event);
/* What a DELETED watch event carries: the last state, with the
 * resourceVersion of the delete.  (transfer none) */
GBytes *kc_watch_event_deleted_json (KcWatchEvent *event);

typedef struct _KcWatchCache KcWatchCache;
typedef struct _KcWatchCacheSub KcWatchCacheSub;

/* Called for each event after a subscription's start, in revision order;
 * @event is borrowed (ref it to keep it).  @event NULL means the cache
 * lost continuity (its store watch failed): the subscription is over and
 * must not be unsubscribed. */
typedef void (*KcWatchCacheFunc) (KcWatchEvent *event, gpointer data);
/* Called when the cache has seen @revision (or gave up waiting: @ok FALSE). */
typedef void (*KcWatchCacheReadyFunc) (gboolean ok, gpointer data);

/* Starts filling a cache for @resource from @store (borrowed; must outlive
 * the cache): a range of the resource's prefix, then a watch from there.
 * @window_events: how many recent events are kept for resuming watches.
 * (transfer full) */
KcWatchCache *kc_watch_cache_new (const KcResource *resource, gpointer store,
                                  const KcStoreVtable *vt,
                                  guint window_events);
void kc_watch_cache_free (KcWatchCache *cache);

/* TRUE once the initial range is in and the store watch runs. */
gboolean kc_watch_cache_is_ready (const KcWatchCache *cache);
/* The revision the cache reflects: the newest event seen, or the initial
 * range's revision. */
gint64 kc_watch_cache_get_revision (const KcWatchCache *cache);

/* How many objects the cache holds. */
guint kc_watch_cache_get_size (const KcWatchCache *cache);

/* Calls @func once the cache reflects @revision (at once when it does
 * already), or with ok FALSE after @timeout_ms. */
void kc_watch_cache_wait (KcWatchCache *cache, gint64 revision,
                          guint timeout_ms, KcWatchCacheReadyFunc func,
                          gpointer data);

/* The served JSON of @key and, in *@revision, the revision that wrote
 * it; NULL when the cache is not ready or does not hold @key.  The cache
 * may lag the store by a few milliseconds: a writer uses the revision as
 * its precondition and reads the store after a conflict.
 * (transfer full) */
GBytes *kc_watch_cache_lookup (KcWatchCache *cache, const char *key,
                               gint64 *revision);

/* Served JSON of every object whose key starts with @prefix and sorts
 * after @start_after (nullable), in key order: calls @func (key, json,
 * data) until it returns FALSE. */
typedef gboolean (*KcWatchCacheVisitFunc) (const char *key, GBytes *json,
                                           gpointer data);
void kc_watch_cache_visit (KcWatchCache *cache, const char *prefix,
                           const char *start_after,
                           KcWatchCacheVisitFunc func, gpointer data);

/* Subscribes to every event after revision @after: events still in the
 * window are replayed first (synchronously, before this returns).
 * Returns NULL when @after is older than the window (the caller then
 * watches the store directly).  (transfer full): end with
 * kc_watch_cache_unsubscribe(). */
KcWatchCacheSub *kc_watch_cache_subscribe (KcWatchCache *cache,
                                           gint64 after,
                                           KcWatchCacheFunc func,
                                           gpointer data);
void kc_watch_cache_unsubscribe (KcWatchCache *cache, KcWatchCacheSub *sub);

G_END_DECLS
