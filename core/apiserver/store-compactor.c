/* Periodic store compaction (see store-compactor.h). */
#include "build-config.h"

#include "store-compactor.h"

typedef struct
{
  gint64 time_us;  /* monotonic */
  gint64 revision;
} Sample;

struct _KcStoreCompactor
{
  gpointer store;
  const KcStoreVtable *vt;
  gint64 retention_us;
  gint64 retention_revisions;
  GArray *samples;     /* of Sample, oldest first */
  gint64 compacted;
  gint64 target;       /* of the step in flight */
  guint timer;
  GCancellable *cancellable;
  gboolean busy;       /* one step at a time */
};

static void
on_compacted (GObject *source, GAsyncResult *result, gpointer data)
{
  KcStoreCompactor *self = data;
  g_autoptr (GError) error = NULL;

  if (self->vt->compact_finish (self->store, result, &error)
      || g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED))
    {
      self->compacted = MAX (self->compacted, self->target);
      g_info ("store compacted to revision %" G_GINT64_FORMAT, self->target);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("store compaction to revision %" G_GINT64_FORMAT
               " failed: %s",
               self->target, error->message);
  self->busy = FALSE;
}

/* The revision to compact to, given the current one; 0 for none. */
static gint64
choose_target (KcStoreCompactor *self, gint64 now_us, gint64 revision)
{
  if (self->retention_revisions > 0)
    return revision - self->retention_revisions;

  gint64 target = 0;
  guint older = 0;
  for (guint i = 0; i < self->samples->len; i++)
    {
      const Sample *s = &g_array_index (self->samples, Sample, i);
      if (now_us - s->time_us < self->retention_us)
        break;
      target = s->revision;
      older = i; /* samples before this one are of no further use */
    }
  g_array_remove_range (self->samples, 0, older);
  return target;
}

static void
on_revision (GObject *source, GAsyncResult *result, gpointer data)
{
  KcStoreCompactor *self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) range
      = self->vt->range_finish (self->store, result, &error);
  if (range == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("store compaction: cannot read the store's revision: %s",
                   error->message);
      self->busy = FALSE;
      return;
    }

  gint64 now = g_get_monotonic_time ();
  Sample sample = { now, range->revision };
  g_array_append_val (self->samples, sample);
  self->target = choose_target (self, now, range->revision);
  if (self->target <= self->compacted)
    {
      self->busy = FALSE;
      return;
    }
  self->vt->compact_async (self->store, self->target, self->cancellable,
                           on_compacted, self);
}

static gboolean
on_timer (gpointer data)
{
  KcStoreCompactor *self = data;
  if (self->busy)
    return G_SOURCE_CONTINUE;
  self->busy = TRUE;
  KcStoreRange probe = { .prefix = "", .count_only = TRUE };
  self->vt->range_async (self->store, &probe, self->cancellable, on_revision,
                         self);
  return G_SOURCE_CONTINUE;
}

KcStoreCompactor *
kc_store_compactor_new (gpointer store, const KcStoreVtable *vtable,
                        guint interval_seconds, guint retention_seconds,
                        gint64 retention_revisions)
{
  g_return_val_if_fail (store != NULL && vtable != NULL, NULL);
  g_return_val_if_fail (interval_seconds > 0, NULL);

  KcStoreCompactor *self = g_new0 (KcStoreCompactor, 1);
  self->store = store;
  self->vt = vtable;
  self->retention_us = (gint64) retention_seconds * G_USEC_PER_SEC;
  self->retention_revisions = retention_revisions;
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->cancellable = g_cancellable_new ();
  self->timer = g_timeout_add_seconds (interval_seconds, on_timer, self);
  return self;
}

void
kc_store_compactor_free (KcStoreCompactor *self)
{
  if (self == NULL)
    return;
  g_source_remove (self->timer);
  g_cancellable_cancel (self->cancellable);
  /* A step in flight holds @self, and the store must not go away under
   * it: let it finish (cancelled, it finishes at once). */
  while (self->busy)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_object_unref (self->cancellable);
  g_array_unref (self->samples);
  g_free (self);
}

gint64
kc_store_compactor_get_compacted (const KcStoreCompactor *self)
{
  return self->compacted;
}
