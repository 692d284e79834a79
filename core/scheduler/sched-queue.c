/* The scheduling queue (sched-queue.h). */
#include "build-config.h"

#include "sched-queue.h"

typedef enum
{
  STATE_ACTIVE,
  STATE_BACKOFF,
  STATE_UNSCHEDULABLE,
  STATE_IN_FLIGHT,
} EntryState;

typedef struct
{
  KcSchedPod *pod;
  EntryState state;
  guint attempts;       /* failed scheduling attempts so far */
  gint64 backoff_until; /* monotonic µs */
  gint64 parked_at;     /* when it entered the unschedulable pool */
  GSequenceIter *iter;  /* in the active or back-off sequence */
  gboolean removed_in_flight;
  gboolean moved_in_flight; /* a cluster event happened while in flight */
} Entry;

struct _KcSchedQueue
{
  GHashTable *entries;       /* key (owned by the pod) -> Entry */
  GSequence *active;         /* Entry, by compare */
  GSequence *backoff;        /* Entry, by backoff_until */
  GHashTable *unschedulable; /* Entry set */
  GHashTable *in_flight;     /* Entry set */
  KcSchedQueueCompare compare;
  gpointer compare_data;
  KcSchedQueueReady ready;
  gpointer ready_data;
  gint64 initial_backoff_us;
  gint64 max_backoff_us;
  gint64 flush_us;
  guint backoff_timer;
  guint flush_timer;
};

static void arm_backoff_timer (KcSchedQueue *q);

static void
entry_free (gpointer p)
{
  Entry *e = p;
  kc_sched_pod_unref (e->pod);
  g_free (e);
}

static int
compare_active (gconstpointer a, gconstpointer b, gpointer data)
{
  KcSchedQueue *q = data;
  const Entry *ea = a, *eb = b;
  int c = q->compare (ea->pod, eb->pod, q->compare_data);
  if (c != 0)
    return c;
  return g_strcmp0 (ea->pod->key, eb->pod->key);
}

static int
compare_backoff (gconstpointer a, gconstpointer b, gpointer data)
{
  const Entry *ea = a, *eb = b;
  if (ea->backoff_until != eb->backoff_until)
    return ea->backoff_until < eb->backoff_until ? -1 : 1;
  return g_strcmp0 (ea->pod->key, eb->pod->key);
}

static void
detach (KcSchedQueue *q, Entry *e)
{
  switch (e->state)
    {
    case STATE_ACTIVE:
    case STATE_BACKOFF:
      g_sequence_remove (e->iter);
      e->iter = NULL;
      break;
    case STATE_UNSCHEDULABLE:
      g_hash_table_remove (q->unschedulable, e);
      break;
    case STATE_IN_FLIGHT:
      g_hash_table_remove (q->in_flight, e);
      break;
    }
}

static void
to_active (KcSchedQueue *q, Entry *e)
{
  gboolean was_empty = g_sequence_is_empty (q->active);
  e->state = STATE_ACTIVE;
  e->iter = g_sequence_insert_sorted (q->active, e, compare_active, q);
  if (was_empty && q->ready)
    q->ready (q->ready_data);
}

static gint64
backoff_duration (KcSchedQueue *q, guint attempts)
{
  gint64 d = q->initial_backoff_us;
  for (guint i = 1; i < attempts && d < q->max_backoff_us; i++)
    d *= 2;
  return MIN (d, q->max_backoff_us);
}

static void
to_backoff (KcSchedQueue *q, Entry *e)
{
  e->state = STATE_BACKOFF;
  e->iter = g_sequence_insert_sorted (q->backoff, e, compare_backoff, NULL);
  arm_backoff_timer (q);
}

/* Active when its back-off is over, else back-off. */
static void
requeue (KcSchedQueue *q, Entry *e)
{
  if (e->backoff_until > g_get_monotonic_time ())
    to_backoff (q, e);
  else
    to_active (q, e);
}

static void
to_unschedulable (KcSchedQueue *q, Entry *e)
{
  e->state = STATE_UNSCHEDULABLE;
  e->parked_at = g_get_monotonic_time ();
  g_hash_table_add (q->unschedulable, e);
}

static gboolean
on_backoff_timer (gpointer data)
{
  KcSchedQueue *q = data;
  gint64 now = g_get_monotonic_time ();
  q->backoff_timer = 0;
  while (!g_sequence_is_empty (q->backoff))
    {
      GSequenceIter *first = g_sequence_get_begin_iter (q->backoff);
      Entry *e = g_sequence_get (first);
      if (e->backoff_until > now)
        break;
      g_sequence_remove (first);
      e->iter = NULL;
      to_active (q, e);
    }
  arm_backoff_timer (q);
  return G_SOURCE_REMOVE;
}

static void
arm_backoff_timer (KcSchedQueue *q)
{
  if (q->backoff_timer)
    {
      g_source_remove (q->backoff_timer);
      q->backoff_timer = 0;
    }
  if (g_sequence_is_empty (q->backoff))
    return;
  Entry *e = g_sequence_get (g_sequence_get_begin_iter (q->backoff));
  gint64 wait_us = MAX (e->backoff_until - g_get_monotonic_time (), 0);
  q->backoff_timer
      = g_timeout_add ((guint)((wait_us + 999) / 1000), on_backoff_timer, q);
}

/* Kubernetes' safety net: a pod left in the pool for long is retried
 * anyway, in case an event that would have helped was not recognised. */
static gboolean
on_flush_timer (gpointer data)
{
  KcSchedQueue *q = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer key;
  g_autoptr (GPtrArray) due = g_ptr_array_new ();
  g_hash_table_iter_init (&it, q->unschedulable);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (now - ((Entry *)key)->parked_at >= q->flush_us)
      g_ptr_array_add (due, key);
  for (guint i = 0; i < due->len; i++)
    {
      Entry *e = g_ptr_array_index (due, i);
      g_hash_table_remove (q->unschedulable, e);
      requeue (q, e);
    }
  if (due->len)
    g_info ("retrying %u pod(s) unschedulable for %" G_GINT64_FORMAT
            " s or more",
            due->len, q->flush_us / G_USEC_PER_SEC);
  return G_SOURCE_CONTINUE;
}

KcSchedQueue *
kc_sched_queue_new (KcSchedQueueCompare compare, gpointer compare_data,
                    KcSchedQueueReady ready, gpointer ready_data,
                    guint initial_backoff_ms, guint max_backoff_ms,
                    guint unschedulable_flush_s)
{
  KcSchedQueue *q = g_new0 (KcSchedQueue, 1);
  q->entries
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  q->active = g_sequence_new (NULL);
  q->backoff = g_sequence_new (NULL);
  q->unschedulable = g_hash_table_new (NULL, NULL);
  q->in_flight = g_hash_table_new (NULL, NULL);
  q->compare = compare;
  q->compare_data = compare_data;
  q->ready = ready;
  q->ready_data = ready_data;
  q->initial_backoff_us = (gint64)initial_backoff_ms * 1000;
  q->max_backoff_us
      = MAX ((gint64)max_backoff_ms * 1000, q->initial_backoff_us);
  q->flush_us = (gint64)unschedulable_flush_s * G_USEC_PER_SEC;
  if (unschedulable_flush_s > 0)
    q->flush_timer = g_timeout_add_seconds (MIN (unschedulable_flush_s, 30),
                                            on_flush_timer, q);
  return q;
}

void
kc_sched_queue_free (KcSchedQueue *q)
{
  if (q == NULL)
    return;
  if (q->backoff_timer)
    g_source_remove (q->backoff_timer);
  if (q->flush_timer)
    g_source_remove (q->flush_timer);
  g_sequence_free (q->active);
  g_sequence_free (q->backoff);
  g_hash_table_unref (q->unschedulable);
  g_hash_table_unref (q->in_flight);
  g_hash_table_unref (q->entries);
  g_free (q);
}

/* The entries map is keyed by the pod's own key string, so swapping the
 * pod means re-keying the entry. */
static void
replace_pod (KcSchedQueue *q, Entry *e, KcSchedPod *pod)
{
  g_hash_table_steal (q->entries, e->pod->key);
  kc_sched_pod_unref (e->pod);
  e->pod = kc_sched_pod_ref (pod);
  g_hash_table_insert (q->entries, e->pod->key, e);
}

void
kc_sched_queue_add_or_update (KcSchedQueue *q, KcSchedPod *pod,
                              gboolean spec_changed)
{
  Entry *e = g_hash_table_lookup (q->entries, pod->key);
  if (e == NULL)
    {
      e = g_new0 (Entry, 1);
      e->pod = kc_sched_pod_ref (pod);
      g_hash_table_insert (q->entries, e->pod->key, e);
      to_active (q, e);
      return;
    }
  switch (e->state)
    {
    case STATE_ACTIVE:
      /* Its place may change with its priority. */
      detach (q, e);
      replace_pod (q, e, pod);
      to_active (q, e);
      break;
    case STATE_BACKOFF:
      replace_pod (q, e, pod);
      break;
    case STATE_UNSCHEDULABLE:
      replace_pod (q, e, pod);
      if (spec_changed)
        {
          detach (q, e);
          requeue (q, e);
        }
      break;
    case STATE_IN_FLIGHT:
      replace_pod (q, e, pod);
      e->removed_in_flight = FALSE;
      if (spec_changed)
        e->moved_in_flight = TRUE;
      break;
    }
}

void
kc_sched_queue_remove (KcSchedQueue *q, const char *key)
{
  Entry *e = g_hash_table_lookup (q->entries, key);
  if (e == NULL)
    return;
  if (e->state == STATE_IN_FLIGHT)
    {
      e->removed_in_flight = TRUE;
      return;
    }
  detach (q, e);
  g_hash_table_remove (q->entries, key);
}

KcSchedPod *
kc_sched_queue_pop (KcSchedQueue *q)
{
  if (g_sequence_is_empty (q->active))
    return NULL;
  GSequenceIter *first = g_sequence_get_begin_iter (q->active);
  Entry *e = g_sequence_get (first);
  g_sequence_remove (first);
  e->iter = NULL;
  e->state = STATE_IN_FLIGHT;
  g_hash_table_add (q->in_flight, e);
  e->moved_in_flight = FALSE;
  e->removed_in_flight = FALSE;
  return kc_sched_pod_ref (e->pod);
}

void
kc_sched_queue_done (KcSchedQueue *q, const char *key,
                     KcSchedQueueOutcome outcome)
{
  Entry *e = g_hash_table_lookup (q->entries, key);
  if (e == NULL || e->state != STATE_IN_FLIGHT)
    return;
  g_hash_table_remove (q->in_flight, e);
  if (outcome == KC_SCHED_QUEUE_DONE || e->removed_in_flight)
    {
      g_hash_table_remove (q->entries, key);
      return;
    }
  e->attempts++;
  e->backoff_until
      = g_get_monotonic_time () + backoff_duration (q, e->attempts);
  /* Something changed while it was being scheduled: it may fit now. */
  if (outcome == KC_SCHED_QUEUE_UNSCHEDULABLE && !e->moved_in_flight)
    to_unschedulable (q, e);
  else
    to_backoff (q, e);
}

void
kc_sched_queue_move_all (KcSchedQueue *q, const char *why)
{
  GHashTableIter it;
  gpointer key;
  guint n = g_hash_table_size (q->unschedulable);

  /* Pods in flight learn of it when they come back. */
  GHashTableIter all;
  gpointer flying;
  g_hash_table_iter_init (&all, q->in_flight);
  while (g_hash_table_iter_next (&all, &flying, NULL))
    ((Entry *)flying)->moved_in_flight = TRUE;

  if (n == 0)
    return;
  g_autoptr (GPtrArray) moving = g_ptr_array_sized_new (n);
  g_hash_table_iter_init (&it, q->unschedulable);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (moving, key);
  g_hash_table_remove_all (q->unschedulable);
  for (guint i = 0; i < moving->len; i++)
    requeue (q, g_ptr_array_index (moving, i));
  g_debug ("%s: %u unschedulable pod(s) queued again", why, n);
}

guint
kc_sched_queue_get_n_active (KcSchedQueue *q)
{
  return g_sequence_get_length (q->active);
}

guint
kc_sched_queue_get_n_backoff (KcSchedQueue *q)
{
  return g_sequence_get_length (q->backoff);
}

guint
kc_sched_queue_get_n_unschedulable (KcSchedQueue *q)
{
  return g_hash_table_size (q->unschedulable);
}
