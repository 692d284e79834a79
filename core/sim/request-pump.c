/* The request pump: objects that need a write wait in a queue, and at most
 * max-in-flight requests run at once.  The client opens one connection per
 * concurrent request, so 5,000 nodes registering at once would open 5,000
 * sockets; the pump keeps it to a few dozen kept-alive ones.  A queued
 * object builds its request only when its turn comes, so what it sends is
 * its latest state and several changes cost one write. */
#include "build-config.h"

#include "sim.h"

enum
{
  NOWHERE,
  IN_HIGH,
  IN_LOW,
  LATER_HIGH,
  LATER_LOW,
};

#define RETRY_MS 1000

struct _SimPump
{
  GMainContext *context;
  GQueue high, low, later;
  guint in_flight, max_in_flight;
  gboolean low_paused;
  gboolean running;     /* inside kick(): no re-entry */
  GSource *retry;
};

static void kick (SimPump *pump);

SimPump *
sim_pump_new (GMainContext *context, guint max_in_flight)
{
  SimPump *pump = g_new0 (SimPump, 1);
  pump->context = g_main_context_ref (context);
  pump->max_in_flight = MAX (max_in_flight, 1);
  g_queue_init (&pump->high);
  g_queue_init (&pump->low);
  g_queue_init (&pump->later);
  return pump;
}

static GQueue *
queue_of (SimPump *pump, guint8 where)
{
  switch (where)
    {
    case IN_HIGH:
      return &pump->high;
    case IN_LOW:
      return &pump->low;
    case LATER_HIGH:
    case LATER_LOW:
      return &pump->later;
    default:
      return NULL;
    }
}

void
sim_pump_remove (SimPump *pump, SimWork *work)
{
  GQueue *q = queue_of (pump, work->where);
  if (q)
    g_queue_unlink (q, &work->link);
  work->where = NOWHERE;
}

static void
clear_queue (SimPump *pump, GQueue *q)
{
  while (q->head)
    sim_pump_remove (pump, q->head->data);
}

void
sim_pump_free (SimPump *pump)
{
  if (pump == NULL)
    return;
  clear_queue (pump, &pump->high);
  clear_queue (pump, &pump->low);
  clear_queue (pump, &pump->later);
  if (pump->retry)
    {
      g_source_destroy (pump->retry);
      g_source_unref (pump->retry);
    }
  g_main_context_unref (pump->context);
  g_free (pump);
}

void
sim_pump_push (SimPump *pump, SimWork *work, gboolean high)
{
  if (work->where == IN_HIGH || work->where == IN_LOW)
    return;
  sim_pump_remove (pump, work);
  work->link.data = work;
  work->where = high ? IN_HIGH : IN_LOW;
  g_queue_push_tail_link (high ? &pump->high : &pump->low, &work->link);
  kick (pump);
}

static gboolean
on_retry (gpointer data)
{
  SimPump *pump = data;
  g_clear_pointer (&pump->retry, g_source_unref);
  /* Everything that failed in the last second goes back at once. */
  while (pump->later.head)
    {
      SimWork *work = pump->later.head->data;
      gboolean high = work->where == LATER_HIGH;
      sim_pump_remove (pump, work);
      sim_pump_push (pump, work, high);
    }
  return G_SOURCE_REMOVE;
}

void
sim_pump_push_later (SimPump *pump, SimWork *work, gboolean high)
{
  if (work->where != NOWHERE)
    return;
  work->link.data = work;
  work->where = high ? LATER_HIGH : LATER_LOW;
  g_queue_push_tail_link (&pump->later, &work->link);
  if (pump->retry == NULL)
    {
      pump->retry = g_timeout_source_new (RETRY_MS);
      g_source_set_callback (pump->retry, on_retry, pump, NULL);
      g_source_attach (pump->retry, pump->context);
    }
}

static void
kick (SimPump *pump)
{
  if (pump->running)
    return;
  pump->running = TRUE;
  while (pump->in_flight < pump->max_in_flight)
    {
      GQueue *q = pump->high.head ? &pump->high
                  : pump->low.head && !pump->low_paused ? &pump->low
                                                         : NULL;
      if (q == NULL)
        break;
      SimWork *work = q->head->data;
      sim_pump_remove (pump, work);
      if (work->run (work))
        pump->in_flight++;
    }
  pump->running = FALSE;
}

void
sim_pump_done (SimPump *pump)
{
  g_return_if_fail (pump->in_flight > 0);
  pump->in_flight--;
  kick (pump);
}

guint
sim_pump_in_flight (SimPump *pump)
{
  return pump->in_flight;
}

guint
sim_pump_queued (SimPump *pump)
{
  return pump->high.length + pump->low.length + pump->later.length;
}

void
sim_pump_pause_low (SimPump *pump, gboolean paused)
{
  pump->low_paused = paused;
  if (!paused)
    kick (pump);
}
