/* KcInformerFactory: one shared informer (one watch) per resource,
 * namespace and selectors, for all the controllers of a process. */
#include "client-private.h"
#include "kcore/informer.h"

struct _KcInformerFactory
{
  KcClient *client;
  guint resync_ms;
  GHashTable *informers; /* "group/version/plural|ns|label|field" -> KcInformer */
};

KcInformerFactory *
kc_informer_factory_new (KcClient *client, guint resync_ms)
{
  KcInformerFactory *f = g_new0 (KcInformerFactory, 1);
  f->client = g_object_ref (client);
  f->resync_ms = resync_ms;
  f->informers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) kc_informer_unref);
  return f;
}

void
kc_informer_factory_free (KcInformerFactory *f)
{
  if (!f)
    return;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, f->informers);
  while (g_hash_table_iter_next (&it, NULL, &value))
    kc_informer_stop (value);
  g_hash_table_unref (f->informers);
  g_object_unref (f->client);
  g_free (f);
}

KcInformer *
kc_informer_factory_get (KcInformerFactory *f, const KcResource *resource,
                         const char *namespace, const char *label_selector,
                         const char *field_selector)
{
  g_autofree char *key = g_strdup_printf (
    "%s/%s/%s|%s|%s|%s", kc_resource_get_group (resource),
    kc_resource_get_version (resource), kc_resource_get_plural (resource),
    namespace ? namespace : "", label_selector ? label_selector : "",
    field_selector ? field_selector : "");
  KcInformer *inf = g_hash_table_lookup (f->informers, key);
  if (inf)
    return inf;
  inf = kc_informer_new (f->client, resource, namespace, label_selector,
                         field_selector, f->resync_ms);
  g_hash_table_insert (f->informers, g_steal_pointer (&key), inf);
  return inf;
}

void
kc_informer_factory_start (KcInformerFactory *f)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, f->informers);
  while (g_hash_table_iter_next (&it, NULL, &value))
    kc_informer_start (value);
}

gboolean
kc_informer_factory_has_synced (KcInformerFactory *f)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, f->informers);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (!kc_informer_has_synced (value))
      return FALSE;
  return TRUE;
}
