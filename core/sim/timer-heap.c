/* Every timer of the simulator (leases, node status, pod start and run
 * times) in one binary min-heap, woken by one GSource whose ready time is
 * the earliest due time.  150,000 GSources would make each main loop
 * iteration walk them all; the heap costs O(log n) per change. */
#include "build-config.h"

#include "sim.h"

/* Timers fired per dispatch: the loop also serves sockets in between. */
#define FIRE_BATCH 4096

struct _SimTimers
{
  GSource *source;
  GPtrArray *heap;   /* of SimTimer*, heap[0] the earliest */
};

typedef struct
{
  GSource base;
  SimTimers *timers;
} TimerSource;

static inline SimTimer *
at (SimTimers *t, guint i)
{
  return g_ptr_array_index (t->heap, i);
}

static inline void
put (SimTimers *t, guint i, SimTimer *timer)
{
  t->heap->pdata[i] = timer;
  timer->slot = i + 1;
}

static void
sift_up (SimTimers *t, guint i)
{
  SimTimer *timer = at (t, i);
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      if (at (t, parent)->due <= timer->due)
        break;
      put (t, i, at (t, parent));
      i = parent;
    }
  put (t, i, timer);
}

static void
sift_down (SimTimers *t, guint i)
{
  SimTimer *timer = at (t, i);
  guint n = t->heap->len;
  for (;;)
    {
      guint child = 2 * i + 1;
      if (child >= n)
        break;
      if (child + 1 < n && at (t, child + 1)->due < at (t, child)->due)
        child++;
      if (at (t, child)->due >= timer->due)
        break;
      put (t, i, at (t, child));
      i = child;
    }
  put (t, i, timer);
}

static void
update_ready_time (SimTimers *t)
{
  g_source_set_ready_time (t->source,
                           t->heap->len ? MAX (at (t, 0)->due, 0) : -1);
}

static void
remove_at (SimTimers *t, guint i)
{
  SimTimer *gone = at (t, i);
  SimTimer *last = g_ptr_array_steal_index (t->heap, t->heap->len - 1);
  gone->slot = 0;
  if (last != gone)
    {
      put (t, i, last);
      sift_up (t, i);
      sift_down (t, last->slot - 1);
    }
}

static gboolean
dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  SimTimers *t = ((TimerSource *) source)->timers;
  gint64 now = g_get_monotonic_time ();
  (void) callback, (void) data;

  for (guint fired = 0; fired < FIRE_BATCH && t->heap->len; fired++)
    {
      SimTimer *timer = at (t, 0);
      if (timer->due > now)
        break;
      remove_at (t, 0);
      /* May schedule timers again, this one included. */
      timer->fire (timer);
    }
  update_ready_time (t);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = { .dispatch = dispatch };

SimTimers *
sim_timers_new (GMainContext *context)
{
  SimTimers *t = g_new0 (SimTimers, 1);
  t->heap = g_ptr_array_new ();
  t->source = g_source_new (&timer_source_funcs, sizeof (TimerSource));
  ((TimerSource *) t->source)->timers = t;
  g_source_set_name (t->source, "kcore-sim timers");
  g_source_set_ready_time (t->source, -1);
  g_source_attach (t->source, context);
  return t;
}

void
sim_timers_free (SimTimers *t)
{
  if (t == NULL)
    return;
  for (guint i = 0; i < t->heap->len; i++)
    at (t, i)->slot = 0;
  g_source_destroy (t->source);
  g_source_unref (t->source);
  g_ptr_array_unref (t->heap);
  g_free (t);
}

void
sim_timers_schedule (SimTimers *t, SimTimer *timer, gint64 due)
{
  g_return_if_fail (timer->fire != NULL);
  if (timer->slot)
    {
      guint i = timer->slot - 1;
      timer->due = due;
      sift_up (t, i);
      sift_down (t, timer->slot - 1);
    }
  else
    {
      timer->due = due;
      g_ptr_array_add (t->heap, timer);
      sift_up (t, t->heap->len - 1);
    }
  update_ready_time (t);
}

void
sim_timers_cancel (SimTimers *t, SimTimer *timer)
{
  if (timer->slot == 0)
    return;
  remove_at (t, timer->slot - 1);
  update_ready_time (t);
}

guint
sim_timers_count (SimTimers *t)
{
  return t->heap->len;
}
