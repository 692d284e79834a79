/* Values exchanged between the core and store plugins (include/kcore/store.h). */
#include "build-config.h"

#include <kcore/store.h>

G_DEFINE_QUARK (kc-store-error-quark, kc_store_error)

KcStoreKv *
kc_store_kv_new (const char *key, GBytes *value, gint64 create_revision,
                 gint64 mod_revision, gint64 version, gint64 lease)
{
  g_return_val_if_fail (key != NULL, NULL);

  KcStoreKv *kv = g_new0 (KcStoreKv, 1);
  kv->key = g_strdup (key);
  kv->value = value ? g_bytes_ref (value) : NULL;
  kv->create_revision = create_revision;
  kv->mod_revision = mod_revision;
  kv->version = version;
  kv->lease = lease;
  return kv;
}

KcStoreKv *
kc_store_kv_copy (const KcStoreKv *kv)
{
  g_return_val_if_fail (kv != NULL, NULL);
  return kc_store_kv_new (kv->key, kv->value, kv->create_revision,
                          kv->mod_revision, kv->version, kv->lease);
}

void
kc_store_kv_free (KcStoreKv *kv)
{
  if (kv == NULL)
    return;
  g_free (kv->key);
  if (kv->value)
    g_bytes_unref (kv->value);
  g_free (kv);
}

void
kc_store_range_result_free (KcStoreRangeResult *result)
{
  if (result == NULL)
    return;
  if (result->kvs)
    g_ptr_array_unref (result->kvs);
  g_free (result);
}
