/* Informers: a local cache of one resource kept up to date by list+watch,
 * with handlers and indexes; and a factory that shares one informer (one
 * watch) per resource between the controllers of a process.
 * See docs/client-library.md.
 *
 * Threading: an informer lives in its client's main context; call every
 * function from that thread.  Handlers run in that context, in the order
 * the API server reported the changes. */
#pragma once

#include <kcore/client.h>

G_BEGIN_DECLS

typedef struct _KcInformer KcInformer;

/* Handlers: objects are borrowed (take a reference to keep them).  On a
 * periodic resync, update is called with @old_obj == @new_obj. */
typedef void (*KcInformerAddFunc) (KcInformer *informer, JsonNode *obj,
                                   gpointer user_data);
typedef void (*KcInformerUpdateFunc) (KcInformer *informer, JsonNode *old_obj,
                                      JsonNode *new_obj, gpointer user_data);
typedef void (*KcInformerDeleteFunc) (KcInformer *informer, JsonNode *obj,
                                      gpointer user_data);
/* An index function: returns the index keys of @obj (transfer full,
 * NULL-terminated; NULL or empty = not indexed). */
typedef char **(*KcIndexFunc) (JsonNode *obj, gpointer user_data);

/* An informer on @resource in @namespace (NULL: all namespaces), filtered
 * by @label_selector and @field_selector (may be NULL).  @resync_ms 0 means
 * no resync.  Keeps a reference to @client.  Transfer full. */
KcInformer *kc_informer_new (KcClient *client, const KcResource *resource,
                             const char *namespace, const char *label_selector,
                             const char *field_selector, guint resync_ms);
KcInformer *kc_informer_ref (KcInformer *informer);
/* The last unref stops the informer. */
void kc_informer_unref (KcInformer *informer);

/* Registers handlers (any may be NULL).  If the informer has already
 * synced, @add is called at once for every cached object.  Returns an id
 * for kc_informer_remove_handlers().  @destroy frees @user_data. */
guint kc_informer_add_handlers (KcInformer *informer, KcInformerAddFunc add,
                                KcInformerUpdateFunc update,
                                KcInformerDeleteFunc del, gpointer user_data,
                                GDestroyNotify destroy);
void kc_informer_remove_handlers (KcInformer *informer, guint id);

/* Trims objects before the informer keeps them: @func may remove or change
 * members of the object in place (it is the informer's own copy, parsed
 * from the server's answer) before it enters the cache and reaches the
 * handlers — e.g. drop status fields or metadata.managedFields a
 * controller never reads, to save memory, as client-go's SetTransform
 * does.  It must leave metadata.name, namespace and resourceVersion.
 * Call before kc_informer_start(); runs in the informer's main context.
 * @destroy (nullable) frees @user_data with the informer. */
typedef void (*KcInformerTransformFunc) (JsonNode *obj, gpointer user_data);
void kc_informer_set_transform (KcInformer *informer,
                                KcInformerTransformFunc func,
                                gpointer user_data, GDestroyNotify destroy);

/* Adds the index @name (before kc_informer_start()). */
void kc_informer_add_index (KcInformer *informer, const char *name,
                            KcIndexFunc func, gpointer user_data,
                            GDestroyNotify destroy);

/* Lists, then watches (after a stop, resumes watching from the last
 * resourceVersion); re-watches from the last resourceVersion when a
 * watch ends, re-lists on 410 Expired, retries with back-off on errors.
 * Idempotent. */
void kc_informer_start (KcInformer *informer);
/* Stops watching; the cache stays as it is.  Idempotent. */
void kc_informer_stop (KcInformer *informer);
/* TRUE once the first list has been stored in the cache. */
gboolean kc_informer_has_synced (KcInformer *informer);
/* Number of times the informer listed (1 after the first sync). */
guint kc_informer_get_list_count (KcInformer *informer);
/* The resourceVersion the informer has seen last (borrowed, may be NULL). */
const char *kc_informer_get_last_resource_version (KcInformer *informer);

/* Cache reads.  Returned objects are borrowed: valid until the informer
 * processes its next event (return to the main loop).  Ref to keep. */
JsonNode *kc_informer_get (KcInformer *informer, const char *namespace,
                           const char *name);
JsonNode *kc_informer_get_by_key (KcInformer *informer, const char *key);
/* All cached objects: a new GPtrArray (transfer container: free the array;
 * its elements are borrowed). */
GPtrArray *kc_informer_list (KcInformer *informer);
guint kc_informer_size (KcInformer *informer);
/* Objects whose index @index_name contains @key (transfer container);
 * NULL if there is no such index. */
GPtrArray *kc_informer_by_index (KcInformer *informer, const char *index_name,
                                 const char *key);

/* Ready-made index functions (user_data unused). */
char **kc_index_by_namespace (JsonNode *obj, gpointer user_data);
char **kc_index_by_owner_uid (JsonNode *obj, gpointer user_data);
char **kc_index_by_node_name (JsonNode *obj, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcInformer, kc_informer_unref)

/* ---- Shared informer factory ------------------------------------------- */

typedef struct _KcInformerFactory KcInformerFactory;

/* Keeps a reference to @client.  @resync_ms applies to the informers it
 * creates.  Transfer full. */
KcInformerFactory *kc_informer_factory_new (KcClient *client,
                                            guint resync_ms);
void kc_informer_factory_free (KcInformerFactory *factory);
/* The shared informer for (@resource, @namespace, selectors), created on
 * first use.  Borrowed: owned by the factory (ref it to keep it longer). */
KcInformer *kc_informer_factory_get (KcInformerFactory *factory,
                                     const KcResource *resource,
                                     const char *namespace,
                                     const char *label_selector,
                                     const char *field_selector);
/* Starts every informer not started yet. */
void kc_informer_factory_start (KcInformerFactory *factory);
/* TRUE when every informer of the factory has synced. */
gboolean kc_informer_factory_has_synced (KcInformerFactory *factory);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcInformerFactory, kc_informer_factory_free)

G_END_DECLS
