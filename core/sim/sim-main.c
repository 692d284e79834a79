/* kcore-sim: parses the command line, sets up the client, the timers and
 * the request pump, and runs the loop until SIGTERM/SIGINT.
 * Exit status: 0 after a signal, 1 when it cannot run, 2 on bad usage. */
#include "build-config.h"

#include "log.h"
#include "sim.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

/* How long a shutdown waits for requests in flight (and, with
 * --delete-nodes-on-exit, for the deletions) before it gives up. */
#define STOP_DEADLINE_S 30
#define STATS_INTERVAL_S 10

static Sim *the_sim;

Sim *
sim_get (void)
{
  return the_sim;
}

/* ---- Stopping ------------------------------------------------------------ */

static gboolean
poll_idle (gpointer data)
{
  Sim *sim = data;
  if (sim_pump_in_flight (sim->pump) > 0)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (sim->loop);
  return G_SOURCE_REMOVE;
}

void
sim_quit_when_idle (Sim *sim)
{
  if (sim_pump_in_flight (sim->pump) == 0)
    {
      g_main_loop_quit (sim->loop);
      return;
    }
  g_timeout_add (20, poll_idle, sim);
}

static gboolean
on_deadline (gpointer data)
{
  Sim *sim = data;
  g_warning ("still %u requests in flight after %d s; exiting anyway",
             sim_pump_in_flight (sim->pump), STOP_DEADLINE_S);
  g_main_loop_quit (sim->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer data)
{
  Sim *sim = data;
  if (sim->stopping)
    {
      g_message ("second signal: exiting now");
      g_main_loop_quit (sim->loop);
      return G_SOURCE_CONTINUE;
    }
  sim->stopping = TRUE;
  g_message ("stopping");
  sim_pod_watch_stop (sim);
  sim_pods_stop (sim);
  sim_pump_pause_low (sim->pump, TRUE);
  g_timeout_add_seconds (STOP_DEADLINE_S, on_deadline, sim);
  if (sim->options->delete_nodes_on_exit && sim->n_nodes > 0)
    sim_nodes_delete_all (sim);
  else
    sim_quit_when_idle (sim);
  return G_SOURCE_CONTINUE;
}

/* ---- Progress ------------------------------------------------------------ */

static gboolean
on_stats (gpointer data)
{
  Sim *sim = data;
  GHashTableIter it;
  gpointer value;
  guint counts[4] = { 0 };
  g_hash_table_iter_init (&it, sim->pods);
  while (g_hash_table_iter_next (&it, NULL, &value))
    counts[((SimPod *) value)->phase & 3]++;
  g_info ("nodes %u/%u registered; pods %u: %u pending, %u running, "
          "%u succeeded, %u failed; %u requests in flight, %u queued",
          sim->n_registered, sim->n_nodes, g_hash_table_size (sim->pods),
          counts[SIM_POD_PENDING], counts[SIM_POD_RUNNING],
          counts[SIM_POD_SUCCEEDED], counts[SIM_POD_FAILED],
          sim_pump_in_flight (sim->pump), sim_pump_queued (sim->pump));
  return G_SOURCE_CONTINUE;
}

/* ---- Set-up -------------------------------------------------------------- */

static gboolean
setup_client (Sim *sim, GError **error)
{
  SimOptions *o = sim->options;
  sim->client = kc_client_new ((const char *const *) o->servers, error);
  if (sim->client == NULL)
    return FALSE;
  if (o->token)
    kc_client_set_bearer_token (sim->client, o->token);
  /* Registration sends three requests per node: a burst of twice the
   * rate lets a user-set --qps still start quickly. */
  kc_client_set_rate_limit (sim->client, o->qps,
                            o->qps > 0 ? MAX ((guint) (o->qps * 2), 10) : 0);
  sim->nodes_resource = kc_resource_new ("", "v1", "nodes");
  sim->pods_resource = kc_resource_new ("", "v1", "pods");
  sim->namespaces_resource = kc_resource_new ("", "v1", "namespaces");
  sim->leases_resource = kc_resource_new ("coordination.k8s.io", "v1",
                                          "leases");
  return TRUE;
}

static void
teardown (Sim *sim)
{
  sim_kubelet_stop (sim);
  sim_pod_watch_stop (sim);
  sim_pods_clear (sim);
  sim_nodes_clear (sim);
  /* Let cancelled requests finish their callbacks before the client goes. */
  for (int i = 0; i < 100 && g_main_context_iteration (sim->context, FALSE);
       i++)
    ;
  g_clear_pointer (&sim->pump, sim_pump_free);
  g_clear_pointer (&sim->timers, sim_timers_free);
  g_clear_object (&sim->client);
  g_clear_pointer (&sim->nodes_resource, kc_resource_unref);
  g_clear_pointer (&sim->pods_resource, kc_resource_unref);
  g_clear_pointer (&sim->namespaces_resource, kc_resource_unref);
  g_clear_pointer (&sim->leases_resource, kc_resource_unref);
  g_clear_pointer (&sim->loop, g_main_loop_unref);
}

int
main (int argc, char **argv)
{
  SimOptions options = { 0 };
  Sim sim = { 0 };
  g_autoptr (GError) error = NULL;
  gboolean exit_now = FALSE;

  if (!sim_options_parse (&options, argc, argv, &exit_now, &error))
    {
      fprintf (stderr, "kcore-sim: error: %s\n(see kcore-sim --help)\n",
               error->message);
      sim_options_clear (&options);
      return 2;
    }
  if (exit_now)
    {
      sim_options_clear (&options);
      return 0;
    }
  kc_log_init ("sim", options.log_level);

  the_sim = &sim;
  sim.options = &options;
  sim.context = g_main_context_default ();
  if (!sim_nodes_init (&sim, &error))
    {
      fprintf (stderr, "kcore-sim: error: %s\n", error->message);
      sim_nodes_clear (&sim);
      sim_options_clear (&options);
      return 2;
    }
  if (!setup_client (&sim, &error))
    {
      fprintf (stderr, "kcore-sim: error: %s\n", error->message);
      teardown (&sim);
      sim_options_clear (&options);
      return 2;
    }
  sim.loop = g_main_loop_new (sim.context, FALSE);
  sim.timers = sim_timers_new (sim.context);
  sim.pump = sim_pump_new (sim.context, options.max_in_flight);
  sim.origin_mono = g_get_monotonic_time ();
  sim_pods_init (&sim);
  if (!sim_kubelet_start (&sim, &error))
    {
      fprintf (stderr, "kcore-sim: error: %s\n", error->message);
      teardown (&sim);
      sim_options_clear (&options);
      return 1;
    }

  guint sigterm = g_unix_signal_add (SIGTERM, on_signal, &sim);
  guint sigint = g_unix_signal_add (SIGINT, on_signal, &sim);
  guint stats = g_timeout_add_seconds (STATS_INTERVAL_S, on_stats, &sim);
  g_message ("simulating %u nodes against %s", sim.n_nodes,
             kc_client_get_current_url (sim.client));
  sim_lease_ensure_namespace (&sim);
  g_main_loop_run (sim.loop);

  g_source_remove (sigterm);
  g_source_remove (sigint);
  g_source_remove (stats);
  teardown (&sim);
  sim_options_clear (&options);
  g_message ("stopped");
  return sim.exit_status;
}
