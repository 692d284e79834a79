/* inter-pod-affinity: sums per topology domain, a domain being one value of
 * one node label (zone=a, kubernetes.io/hostname=node-3). */
#include "inter-pod-affinity.h"

struct _TopologyCounts
{
  GHashTable *sums; /* "key\nvalue" -> gint64 * */
  GHashTable *keys; /* the topology keys seen: a set of strings */
};

/* A label key cannot contain a newline, so the pair is unambiguous. */
static char *
domain_id (const char *key, const char *value)
{
  return g_strconcat (key, "\n", value, NULL);
}

TopologyCounts *
topology_counts_new (void)
{
  TopologyCounts *counts = g_new0 (TopologyCounts, 1);
  counts->sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        g_free);
  counts->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        NULL);
  return counts;
}

void
topology_counts_free (TopologyCounts *counts)
{
  if (counts == NULL)
    return;
  g_hash_table_unref (counts->sums);
  g_hash_table_unref (counts->keys);
  g_free (counts);
}

void
topology_counts_add (TopologyCounts *counts, const char *key,
                     const char *value, gint64 delta)
{
  char *id = domain_id (key, value);
  gint64 *sum = g_hash_table_lookup (counts->sums, id);
  if (sum == NULL)
    {
      sum = g_new0 (gint64, 1);
      g_hash_table_insert (counts->sums, id, sum);
    }
  else
    g_free (id);
  *sum += delta;
  if (!g_hash_table_contains (counts->keys, key))
    g_hash_table_add (counts->keys, g_strdup (key));
}

gint64
topology_counts_get (const TopologyCounts *counts, const char *key,
                     const char *value)
{
  g_autofree char *id = domain_id (key, value);
  gint64 *sum = g_hash_table_lookup (counts->sums, id);
  return sum ? *sum : 0;
}

gboolean
topology_counts_is_empty (const TopologyCounts *counts)
{
  return g_hash_table_size (counts->sums) == 0;
}

gint64
topology_counts_sum_for_node (const TopologyCounts *counts,
                              const KcSchedNode *node)
{
  gint64 total = 0;
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, counts->keys);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *value = kc_sched_node_get_label (node, key);
      if (value)
        total += topology_counts_get (counts, key, value);
    }
  return total;
}
