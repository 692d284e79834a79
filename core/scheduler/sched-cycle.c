/* The per-pod scratch space plugins fill in pre_filter/pre_score and read
 * in filter/score.  A handful of entries at most: a flat array. */
#include "build-config.h"

#include "sched-private.h"

typedef struct
{
  gconstpointer key;
  gpointer data;
  GDestroyNotify destroy;
} CycleEntry;

struct _KcSchedCycle
{
  GArray *entries;
};

static void
entry_clear (gpointer p)
{
  CycleEntry *e = p;
  if (e->destroy && e->data)
    e->destroy (e->data);
}

KcSchedCycle *
kc_sched_cycle_new (void)
{
  KcSchedCycle *cycle = g_new0 (KcSchedCycle, 1);
  cycle->entries = g_array_new (FALSE, FALSE, sizeof (CycleEntry));
  g_array_set_clear_func (cycle->entries, entry_clear);
  return cycle;
}

void
kc_sched_cycle_free (KcSchedCycle *cycle)
{
  if (cycle == NULL)
    return;
  g_array_unref (cycle->entries);
  g_free (cycle);
}

void
kc_sched_cycle_set (KcSchedCycle *cycle, gconstpointer key, gpointer data,
                    GDestroyNotify destroy)
{
  for (guint i = 0; i < cycle->entries->len; i++)
    {
      CycleEntry *e = &g_array_index (cycle->entries, CycleEntry, i);
      if (e->key == key)
        {
          entry_clear (e);
          e->data = data;
          e->destroy = destroy;
          return;
        }
    }
  CycleEntry e = { key, data, destroy };
  g_array_append_val (cycle->entries, e);
}

gpointer
kc_sched_cycle_get (const KcSchedCycle *cycle, gconstpointer key)
{
  for (guint i = 0; i < cycle->entries->len; i++)
    {
      const CycleEntry *e = &g_array_index (cycle->entries, CycleEntry, i);
      if (e->key == key)
        return e->data;
    }
  return NULL;
}
