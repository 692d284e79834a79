/* KcInformer: list, then watch from the list's resourceVersion; a cache by
 * namespace/name with custom indexes; handlers called in event order.
 * A watch that ends is resumed from the last resourceVersion seen; a 410
 * (HTTP or ERROR event) means that history is gone: list again, and turn
 * the difference between the cache and the new list into events. */
#include "client-private.h"
#include "kcore/informer.h"

#define LIST_PAGE 500

typedef struct
{
  guint id;
  KcInformerAddFunc add;
  KcInformerUpdateFunc update;
  KcInformerDeleteFunc del;
  gpointer user_data;
  GDestroyNotify destroy;
  gboolean removed;
} Handler;

typedef struct
{
  KcIndexFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  GHashTable *map; /* index key -> GHashTable set of object keys */
} Index;

/* A list in flight; the informer forgets it on stop, the callback then
 * only frees it. */
typedef struct
{
  KcInformer *informer;
  GHashTable *items; /* key -> JsonNode, accumulated over pages */
} ListCtx;

struct _KcInformer
{
  gint refcount;
  KcClient *client;
  KcResource *resource;
  char *ns, *label_selector, *field_selector;
  guint resync_ms;

  GHashTable *cache; /* key -> JsonNode */
  KcInformerTransformFunc transform;
  gpointer transform_data;
  GDestroyNotify transform_destroy;
  GHashTable *indexes; /* name -> Index */
  GPtrArray *handlers;
  guint next_handler_id;
  guint dispatching;

  gboolean started, synced;
  guint list_count, failures;
  char *last_rv;
  ListCtx *listing;
  GCancellable *cancellable;
  KcWatch *watch;
  GSource *retry, *resync;
};

static void start_list (KcInformer *inf);
static void start_watch (KcInformer *inf);

/* ---- indexes --------------------------------------------------------- */

static void
index_free (Index *idx)
{
  if (idx->destroy)
    idx->destroy (idx->user_data);
  g_hash_table_unref (idx->map);
  g_free (idx);
}

static void
index_update (KcInformer *inf, const char *key, JsonNode *old, JsonNode *new)
{
  GHashTableIter it;
  Index *idx;
  g_hash_table_iter_init (&it, inf->indexes);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &idx))
    {
      if (old)
        {
          g_auto (GStrv) keys = idx->func (old, idx->user_data);
          for (guint i = 0; keys && keys[i]; i++)
            {
              GHashTable *set = g_hash_table_lookup (idx->map, keys[i]);
              if (set && g_hash_table_remove (set, key)
                  && g_hash_table_size (set) == 0)
                g_hash_table_remove (idx->map, keys[i]);
            }
        }
      if (new)
        {
          g_auto (GStrv) keys = idx->func (new, idx->user_data);
          for (guint i = 0; keys && keys[i]; i++)
            {
              GHashTable *set = g_hash_table_lookup (idx->map, keys[i]);
              if (!set)
                {
                  set = g_hash_table_new_full (g_str_hash, g_str_equal,
                                               g_free, NULL);
                  g_hash_table_insert (idx->map, g_strdup (keys[i]), set);
                }
              g_hash_table_add (set, g_strdup (key));
            }
        }
    }
}

/* ---- handlers ------------------------------------------------------- */

static void
handler_free (Handler *h)
{
  if (h->destroy)
    h->destroy (h->user_data);
  g_free (h);
}

static void
compact_handlers (KcInformer *inf)
{
  if (inf->dispatching)
    return;
  for (guint i = 0; i < inf->handlers->len;)
    {
      Handler *h = inf->handlers->pdata[i];
      if (h->removed)
        g_ptr_array_remove_index (inf->handlers, i);
      else
        i++;
    }
}

typedef enum { EV_ADD, EV_UPDATE, EV_DELETE } EvKind;

static void
dispatch (KcInformer *inf, EvKind kind, JsonNode *old, JsonNode *obj)
{
  inf->dispatching++;
  for (guint i = 0; i < inf->handlers->len; i++)
    {
      Handler *h = inf->handlers->pdata[i];
      if (h->removed)
        continue;
      if (kind == EV_ADD && h->add)
        h->add (inf, obj, h->user_data);
      else if (kind == EV_UPDATE && h->update)
        h->update (inf, old, obj, h->user_data);
      else if (kind == EV_DELETE && h->del)
        h->del (inf, obj, h->user_data);
    }
  inf->dispatching--;
  compact_handlers (inf);
}

/* ---- cache changes ---------------------------------------------------- */

static void
apply_upsert (KcInformer *inf, JsonNode *obj)
{
  g_autofree char *key = kc_object_get_key (obj);
  JsonNode *old = g_hash_table_lookup (inf->cache, key);
  if (old && kcc_rv_to_int (kc_object_get_resource_version (obj))
               <= kcc_rv_to_int (kc_object_get_resource_version (old)))
    return; /* replayed or stale */
  g_autoptr (JsonNode) old_ref = old ? json_node_ref (old) : NULL;
  index_update (inf, key, old, obj);
  g_hash_table_replace (inf->cache, g_strdup (key), json_node_ref (obj));
  if (old_ref)
    dispatch (inf, EV_UPDATE, old_ref, obj);
  else
    dispatch (inf, EV_ADD, NULL, obj);
}

static void
apply_delete (KcInformer *inf, const char *key, JsonNode *final)
{
  JsonNode *old = g_hash_table_lookup (inf->cache, key);
  if (!old)
    return;
  g_autoptr (JsonNode) old_ref = json_node_ref (old);
  index_update (inf, key, old, NULL);
  g_hash_table_remove (inf->cache, key);
  dispatch (inf, EV_DELETE, NULL, final ? final : old_ref);
}

static void
set_last_rv (KcInformer *inf, const char *rv)
{
  if (!rv || !*rv)
    return;
  g_free (inf->last_rv);
  inf->last_rv = g_strdup (rv);
}

/* ---- retry scheduling ------------------------------------------------- */

static gboolean
on_retry (gpointer user_data)
{
  KcInformer *inf = user_data;
  g_clear_pointer (&inf->retry, g_source_unref);
  if (!inf->synced || !inf->last_rv)
    start_list (inf);
  else
    start_watch (inf);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (KcInformer *inf, gboolean relist)
{
  if (relist)
    g_clear_pointer (&inf->last_rv, g_free);
  inf->failures++;
  guint delay = MIN (100u << MIN (inf->failures, 6u), 5000u);
  if (inf->retry)
    {
      g_source_destroy (inf->retry);
      g_source_unref (inf->retry);
    }
  inf->retry = g_timeout_source_new (delay);
  g_source_set_callback (inf->retry, on_retry, inf, NULL);
  g_source_attach (inf->retry, kcc_client_config (inf->client)->context);
}

/* ---- list ------------------------------------------------------------- */

static void
replace_cache (KcInformer *inf, GHashTable *items)
{
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, inf->cache);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!g_hash_table_contains (items, key))
      g_ptr_array_add (gone, g_strdup (key));
  for (guint i = 0; i < gone->len; i++)
    apply_delete (inf, gone->pdata[i], NULL);
  g_hash_table_iter_init (&it, items);
  while (g_hash_table_iter_next (&it, &key, &value))
    apply_upsert (inf, value);
}

static void list_page (KcInformer *inf, const char *continue_token);

static void
list_ctx_free (ListCtx *ctx)
{
  g_hash_table_unref (ctx->items);
  g_free (ctx);
}

static void
on_list (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ListCtx *ctx = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = kc_client_request_finish (KC_CLIENT (source),
                                                         result, &error);
  KcInformer *inf = ctx->informer;
  if (!inf)
    {
      list_ctx_free (ctx);
      return;
    }
  if (!list || !JSON_NODE_HOLDS_OBJECT (list))
    {
      g_message ("informer %s: list failed: %s; retrying",
                 kc_resource_get_plural (inf->resource),
                 error ? error->message : "not an object");
      inf->listing = NULL;
      list_ctx_free (ctx);
      schedule_retry (inf, TRUE);
      return;
    }
  JsonObject *o = json_node_get_object (list);
  JsonArray *items = json_object_has_member (o, "items")
                       ? json_object_get_array_member (o, "items") : NULL;
  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      if (inf->transform && JSON_NODE_HOLDS_OBJECT (item))
        inf->transform (item, inf->transform_data);
      g_hash_table_replace (ctx->items, kc_object_get_key (item),
                            json_node_ref (item));
    }
  JsonNode *meta = json_object_get_member (o, "metadata");
  const char *cont = kcc_json_get_string (meta, "continue");
  if (cont && *cont)
    {
      list_page (inf, cont);
      return;
    }
  inf->listing = NULL;
  replace_cache (inf, ctx->items);
  list_ctx_free (ctx);
  set_last_rv (inf, kcc_json_get_string (meta, "resourceVersion"));
  inf->list_count++;
  inf->failures = 0;
  inf->synced = TRUE;
  start_watch (inf);
}

static void
list_page (KcInformer *inf, const char *continue_token)
{
  g_autoptr (KcListOptions) opts = kc_list_options_new ();
  kc_list_options_set_label_selector (opts, inf->label_selector);
  kc_list_options_set_field_selector (opts, inf->field_selector);
  kc_list_options_set_limit (opts, LIST_PAGE);
  kc_list_options_set_continue (opts, continue_token);
  kc_client_list_async (inf->client, inf->resource, inf->ns, opts,
                        inf->cancellable, on_list, inf->listing);
}

static void
start_list (KcInformer *inf)
{
  if (inf->watch)
    {
      kc_watch_stop (inf->watch);
      g_clear_pointer (&inf->watch, kc_watch_unref);
    }
  if (inf->listing)
    return;
  inf->listing = g_new0 (ListCtx, 1);
  inf->listing->informer = inf;
  inf->listing->items = g_hash_table_new_full (g_str_hash, g_str_equal,
                                               g_free,
                                               (GDestroyNotify)
                                                 json_node_unref);
  list_page (inf, NULL);
}

/* ---- watch ------------------------------------------------------------ */

static void
on_event (KcWatch *watch, const char *type, JsonNode *object,
          gpointer user_data)
{
  KcInformer *inf = user_data;
  (void) watch;
  if (g_str_equal (type, "ERROR"))
    {
      g_autoptr (GError) error = kcc_error_from_status (object, 0);
      gboolean expired = kc_client_error_get_http_status (error) == 410;
      g_message ("informer %s: watch error: %s%s",
                 kc_resource_get_plural (inf->resource), error->message,
                 expired ? "; listing again" : "");
      kc_watch_stop (inf->watch);
      g_clear_pointer (&inf->watch, kc_watch_unref);
      if (expired)
        start_list (inf);
      else
        schedule_retry (inf, FALSE);
      return;
    }
  set_last_rv (inf, kc_object_get_resource_version (object));
  inf->failures = 0;
  if (inf->transform && !g_str_equal (type, "BOOKMARK")
      && JSON_NODE_HOLDS_OBJECT (object))
    inf->transform (object, inf->transform_data);
  if (g_str_equal (type, "ADDED") || g_str_equal (type, "MODIFIED"))
    apply_upsert (inf, object);
  else if (g_str_equal (type, "DELETED"))
    {
      g_autofree char *key = kc_object_get_key (object);
      apply_delete (inf, key, object);
    }
}

static void
on_watch_done (KcWatch *watch, const GError *error, gpointer user_data)
{
  KcInformer *inf = user_data;
  (void) watch;
  g_clear_pointer (&inf->watch, kc_watch_unref);
  if (!error)
    {
      start_watch (inf); /* timeoutSeconds ran out: resume */
      return;
    }
  gboolean expired = kc_client_error_get_http_status (error) == 410;
  g_message ("informer %s: watch ended: %s%s",
             kc_resource_get_plural (inf->resource), error->message,
             expired ? "; listing again" : "; resuming");
  if (expired)
    start_list (inf);
  else
    schedule_retry (inf, FALSE);
}

static void
start_watch (KcInformer *inf)
{
  g_autoptr (KcListOptions) opts = kc_list_options_new ();
  kc_list_options_set_label_selector (opts, inf->label_selector);
  kc_list_options_set_field_selector (opts, inf->field_selector);
  kc_list_options_set_resource_version (opts, inf->last_rv);
  kc_list_options_set_allow_watch_bookmarks (opts, TRUE);
  kc_list_options_set_timeout_seconds (opts, g_random_int_range (300, 600));
  if (inf->watch)
    {
      kc_watch_stop (inf->watch);
      kc_watch_unref (inf->watch);
    }
  inf->watch = kc_client_watch (inf->client, inf->resource, inf->ns, opts,
                                on_event, on_watch_done, inf, NULL);
}

/* ---- resync ----------------------------------------------------------- */

static gboolean
on_resync (gpointer user_data)
{
  KcInformer *inf = user_data;
  g_autoptr (GPtrArray) all = kc_informer_list (inf);
  g_ptr_array_set_free_func (all, (GDestroyNotify) json_node_unref);
  for (guint i = 0; i < all->len; i++)
    json_node_ref (all->pdata[i]);
  for (guint i = 0; i < all->len; i++)
    dispatch (inf, EV_UPDATE, all->pdata[i], all->pdata[i]);
  return G_SOURCE_CONTINUE;
}

/* ---- public ----------------------------------------------------------- */

KcInformer *
kc_informer_new (KcClient *client, const KcResource *resource,
                 const char *namespace, const char *label_selector,
                 const char *field_selector, guint resync_ms)
{
  KcInformer *inf = g_new0 (KcInformer, 1);
  inf->refcount = 1;
  inf->client = g_object_ref (client);
  inf->resource = kc_resource_ref ((KcResource *) resource);
  inf->ns = g_strdup (namespace);
  inf->label_selector = g_strdup (label_selector);
  inf->field_selector = g_strdup (field_selector);
  inf->resync_ms = resync_ms;
  inf->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) json_node_unref);
  inf->indexes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) index_free);
  inf->handlers = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                    handler_free);
  return inf;
}

KcInformer *
kc_informer_ref (KcInformer *informer)
{
  informer->refcount++;
  return informer;
}

void
kc_informer_unref (KcInformer *inf)
{
  if (!inf || --inf->refcount > 0)
    return;
  kc_informer_stop (inf);
  if (inf->transform_destroy)
    inf->transform_destroy (inf->transform_data);
  g_hash_table_unref (inf->cache);
  g_hash_table_unref (inf->indexes);
  g_ptr_array_unref (inf->handlers);
  kc_resource_unref (inf->resource);
  g_object_unref (inf->client);
  g_free (inf->ns);
  g_free (inf->label_selector);
  g_free (inf->field_selector);
  g_free (inf->last_rv);
  g_free (inf);
}

guint
kc_informer_add_handlers (KcInformer *inf, KcInformerAddFunc add,
                          KcInformerUpdateFunc update,
                          KcInformerDeleteFunc del, gpointer user_data,
                          GDestroyNotify destroy)
{
  Handler *h = g_new0 (Handler, 1);
  h->id = ++inf->next_handler_id;
  h->add = add;
  h->update = update;
  h->del = del;
  h->user_data = user_data;
  h->destroy = destroy;
  g_ptr_array_add (inf->handlers, h);
  if (inf->synced && add)
    {
      g_autoptr (GPtrArray) all = kc_informer_list (inf);
      for (guint i = 0; i < all->len; i++)
        add (inf, all->pdata[i], user_data);
    }
  return h->id;
}

void
kc_informer_remove_handlers (KcInformer *inf, guint id)
{
  for (guint i = 0; i < inf->handlers->len; i++)
    {
      Handler *h = inf->handlers->pdata[i];
      if (h->id == id && !h->removed)
        {
          h->removed = TRUE;
          if (h->destroy)
            h->destroy (h->user_data);
          h->destroy = NULL;
        }
    }
  compact_handlers (inf);
}

void
kc_informer_set_transform (KcInformer *inf, KcInformerTransformFunc func,
                           gpointer user_data, GDestroyNotify destroy)
{
  if (inf->transform_destroy)
    inf->transform_destroy (inf->transform_data);
  inf->transform = func;
  inf->transform_data = user_data;
  inf->transform_destroy = destroy;
}

void
kc_informer_add_index (KcInformer *inf, const char *name, KcIndexFunc func,
                       gpointer user_data, GDestroyNotify destroy)
{
  Index *idx = g_new0 (Index, 1);
  idx->func = func;
  idx->user_data = user_data;
  idx->destroy = destroy;
  idx->map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_hash_table_unref);
  g_hash_table_replace (inf->indexes, g_strdup (name), idx);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, inf->cache);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      g_auto (GStrv) keys = func (value, user_data);
      for (guint i = 0; keys && keys[i]; i++)
        {
          GHashTable *set = g_hash_table_lookup (idx->map, keys[i]);
          if (!set)
            {
              set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           NULL);
              g_hash_table_insert (idx->map, g_strdup (keys[i]), set);
            }
          g_hash_table_add (set, g_strdup (key));
        }
    }
}

void
kc_informer_start (KcInformer *inf)
{
  if (inf->started)
    return;
  inf->started = TRUE;
  inf->cancellable = g_cancellable_new ();
  if (inf->resync_ms)
    {
      inf->resync = g_timeout_source_new (inf->resync_ms);
      g_source_set_callback (inf->resync, on_resync, inf, NULL);
      g_source_attach (inf->resync,
                       kcc_client_config (inf->client)->context);
    }
  /* Restarted after a stop: resume from where it was (a 410 re-lists). */
  if (inf->synced && inf->last_rv)
    start_watch (inf);
  else
    start_list (inf);
}

void
kc_informer_stop (KcInformer *inf)
{
  if (!inf->started)
    return;
  inf->started = FALSE;
  if (inf->listing)
    {
      inf->listing->informer = NULL; /* on_list frees it */
      inf->listing = NULL;
    }
  g_cancellable_cancel (inf->cancellable);
  g_clear_object (&inf->cancellable);
  if (inf->watch)
    {
      kc_watch_stop (inf->watch);
      g_clear_pointer (&inf->watch, kc_watch_unref);
    }
  if (inf->retry)
    {
      g_source_destroy (inf->retry);
      g_clear_pointer (&inf->retry, g_source_unref);
    }
  if (inf->resync)
    {
      g_source_destroy (inf->resync);
      g_clear_pointer (&inf->resync, g_source_unref);
    }
}

gboolean
kc_informer_has_synced (KcInformer *inf)
{
  return inf->synced;
}

guint
kc_informer_get_list_count (KcInformer *inf)
{
  return inf->list_count;
}

const char *
kc_informer_get_last_resource_version (KcInformer *inf)
{
  return inf->last_rv;
}

JsonNode *
kc_informer_get_by_key (KcInformer *inf, const char *key)
{
  return g_hash_table_lookup (inf->cache, key);
}

JsonNode *
kc_informer_get (KcInformer *inf, const char *namespace, const char *name)
{
  g_autofree char *key = namespace && *namespace
                           ? g_strdup_printf ("%s/%s", namespace, name)
                           : g_strdup (name);
  return kc_informer_get_by_key (inf, key);
}

GPtrArray *
kc_informer_list (KcInformer *inf)
{
  GPtrArray *all = g_ptr_array_sized_new (g_hash_table_size (inf->cache));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, inf->cache);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (all, value);
  return all;
}

guint
kc_informer_size (KcInformer *inf)
{
  return g_hash_table_size (inf->cache);
}

GPtrArray *
kc_informer_by_index (KcInformer *inf, const char *index_name,
                      const char *key)
{
  Index *idx = g_hash_table_lookup (inf->indexes, index_name);
  if (!idx)
    return NULL;
  GPtrArray *out = g_ptr_array_new ();
  GHashTable *set = g_hash_table_lookup (idx->map, key);
  if (!set)
    return out;
  GHashTableIter it;
  gpointer okey;
  g_hash_table_iter_init (&it, set);
  while (g_hash_table_iter_next (&it, &okey, NULL))
    {
      JsonNode *obj = g_hash_table_lookup (inf->cache, okey);
      if (obj)
        g_ptr_array_add (out, obj);
    }
  return out;
}

/* ---- ready-made index functions -------------------------------------- */

static char **
single (const char *value)
{
  if (!value || !*value)
    return NULL;
  char **v = g_new0 (char *, 2);
  v[0] = g_strdup (value);
  return v;
}

char **
kc_index_by_namespace (JsonNode *obj, gpointer user_data)
{
  (void) user_data;
  return single (kc_object_get_namespace (obj));
}

char **
kc_index_by_node_name (JsonNode *obj, gpointer user_data)
{
  (void) user_data;
  JsonNode *spec = JSON_NODE_HOLDS_OBJECT (obj)
    ? json_object_get_member (json_node_get_object (obj), "spec") : NULL;
  return single (kcc_json_get_string (spec, "nodeName"));
}

char **
kc_index_by_owner_uid (JsonNode *obj, gpointer user_data)
{
  (void) user_data;
  JsonNode *meta = JSON_NODE_HOLDS_OBJECT (obj)
    ? json_object_get_member (json_node_get_object (obj), "metadata") : NULL;
  if (!meta || !JSON_NODE_HOLDS_OBJECT (meta))
    return NULL;
  JsonNode *refs = json_object_get_member (json_node_get_object (meta),
                                           "ownerReferences");
  if (!refs || !JSON_NODE_HOLDS_ARRAY (refs))
    return NULL;
  JsonArray *a = json_node_get_array (refs);
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      const char *uid = kcc_json_get_string (json_array_get_element (a, i),
                                             "uid");
      if (uid)
        g_ptr_array_add (out, g_strdup (uid));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}
