/* One leader-election contender for test-leader-election:
 *   leader-contender URL IDENTITY LEASE_MS DEADLINE_MS RETRY_MS
 * prints "IDENTITY leading T" / "IDENTITY stopped T" (T = CLOCK_MONOTONIC
 * in µs, comparable between processes) and, on SIGTERM, releases the
 * lease and prints "IDENTITY released T". */
#include <kcore/kcore.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

static GMainLoop *loop;

static void
say (KcLeaderElector *e, const char *what, gpointer data)
{
  (void) e;
  printf ("%s %s %" G_GINT64_FORMAT "\n", (const char *) data, what,
          g_get_monotonic_time ());
  fflush (stdout);
}

static void
on_started (KcLeaderElector *e, gpointer data)
{
  say (e, "leading", data);
}

static void
on_stopped (KcLeaderElector *e, gpointer data)
{
  say (e, "stopped", data);
}

static void
on_released (GObject *source, GAsyncResult *result, gpointer data)
{
  KcLeaderElector *e = data;
  g_autoptr (GError) error = NULL;
  (void) source;
  if (!kc_leader_elector_release_finish (e, result, &error))
    g_printerr ("release failed: %s\n", error->message);
  g_main_loop_quit (loop);
}

static gboolean
on_term (gpointer data)
{
  kc_leader_elector_release_async (data, NULL, on_released, data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  if (argc != 6)
    {
      g_printerr ("usage: %s URL IDENTITY LEASE_MS DEADLINE_MS RETRY_MS\n",
                  argv[0]);
      return 2;
    }
  const char *urls[] = { argv[1], NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcClient) client = kc_client_new (urls, &error);
  if (!client)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  kc_client_set_timeout (client, 1000);
  kc_client_set_max_retries (client, 0);
  loop = g_main_loop_new (NULL, FALSE);
  KcLeaderElector *e = kc_leader_elector_new (client, "default", "test-lock",
                                              argv[2]);
  if (!kc_leader_elector_set_durations (e, atoi (argv[3]), atoi (argv[4]),
                                        atoi (argv[5])))
    {
      g_printerr ("bad durations\n");
      return 2;
    }
  kc_leader_elector_set_callbacks (e, on_started, on_stopped, argv[2], NULL);
  kc_leader_elector_start (e);
  g_unix_signal_add (SIGTERM, on_term, e);
  g_main_loop_run (loop);
  kc_leader_elector_free (e);
  g_main_loop_unref (loop);
  return 0;
}
