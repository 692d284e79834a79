/* Leader election between contender processes (leader-contender): never
 * two leaders, take-over after a SIGKILL within lease + retry, quick
 * take-over after a clean release. */
#include "test-server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define LEASE_MS 2000
#define DEADLINE_MS 1500
#define RETRY_MS 500

typedef struct
{
  char *id;
  GPid pid;
  GIOChannel *out;
  guint watch;
  gboolean dead;
  gint64 death;
} Contender;

typedef struct
{
  gint64 t;
  char *id;
  gboolean leading; /* else stopped */
} Line;

static GPtrArray *contenders;
static GPtrArray *lines;
static KctServer *server;

static void
line_free (Line *l)
{
  g_free (l->id);
  g_free (l);
}

static gint
by_time (gconstpointer a, gconstpointer b)
{
  const Line *x = *(Line *const *) a, *y = *(Line *const *) b;
  return x->t < y->t ? -1 : x->t > y->t;
}

/* Replays every line in time order (a SIGKILLed contender stops at its
 * death): at no instant do two contenders lead.  Returns the number of
 * leaders now. */
static guint
check_single_leader (void)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  g_autoptr (GPtrArray) deaths = g_ptr_array_new_with_free_func (
    (GDestroyNotify) line_free);
  for (guint i = 0; i < lines->len; i++)
    g_ptr_array_add (all, lines->pdata[i]);
  for (guint i = 0; i < contenders->len; i++)
    {
      Contender *c = contenders->pdata[i];
      if (c->dead)
        {
          Line *l = g_new0 (Line, 1);
          l->t = c->death;
          l->id = g_strdup (c->id);
          g_ptr_array_add (deaths, l);
          g_ptr_array_add (all, l);
        }
    }
  g_ptr_array_sort (all, by_time);
  g_autoptr (GHashTable) leading = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < all->len; i++)
    {
      Line *l = all->pdata[i];
      if (l->leading)
        {
          if (g_hash_table_size (leading) > 0)
            g_error ("%s started leading at %" G_GINT64_FORMAT
                     " while another contender was leading", l->id, l->t);
          g_hash_table_add (leading, l->id);
        }
      else
        g_hash_table_remove (leading, l->id);
    }
  return g_hash_table_size (leading);
}

static gboolean
on_output (GIOChannel *ch, GIOCondition cond, gpointer data)
{
  Contender *c = data;
  (void) cond;
  g_autofree char *text = NULL;
  GIOStatus st = g_io_channel_read_line (ch, &text, NULL, NULL, NULL);
  if (st == G_IO_STATUS_EOF || st == G_IO_STATUS_ERROR)
    {
      c->watch = 0;
      return G_SOURCE_REMOVE;
    }
  if (!text)
    return G_SOURCE_CONTINUE;
  g_auto (GStrv) parts = g_strsplit (g_strstrip (text), " ", 3);
  if (g_strv_length (parts) != 3)
    return G_SOURCE_CONTINUE;
  g_test_message ("%s", text);
  if (g_str_equal (parts[1], "leading") || g_str_equal (parts[1], "stopped"))
    {
      Line *l = g_new0 (Line, 1);
      l->t = g_ascii_strtoll (parts[2], NULL, 10);
      l->id = g_strdup (parts[0]);
      l->leading = g_str_equal (parts[1], "leading");
      g_ptr_array_add (lines, l);
      check_single_leader ();
    }
  return G_SOURCE_CONTINUE;
}

static void
die_with_parent (gpointer data)
{
  (void) data;
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Contender *
spawn_contender (const char *id)
{
  g_autofree char *bin = g_build_filename (KC_BUILD_TREE, "tests", "client",
                                           "leader-contender", NULL);
  g_autofree char *lease = g_strdup_printf ("%d", LEASE_MS);
  g_autofree char *deadline = g_strdup_printf ("%d", DEADLINE_MS);
  g_autofree char *retry = g_strdup_printf ("%d", RETRY_MS);
  char *argv[] = { bin, server->url, (char *) id, lease, deadline, retry,
                   NULL };
  Contender *c = g_new0 (Contender, 1);
  c->id = g_strdup (id);
  int out = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_async_with_pipes (NULL, argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD,
                                           die_with_parent, NULL, &c->pid,
                                           NULL, &out, NULL,
                                           &error));
  g_assert_no_error (error);
  c->out = g_io_channel_unix_new (out);
  g_io_channel_set_close_on_unref (c->out, TRUE);
  c->watch = g_io_add_watch (c->out, G_IO_IN | G_IO_HUP, on_output, c);
  g_ptr_array_add (contenders, c);
  return c;
}

static void
reap (Contender *c, int sig)
{
  if (c->dead)
    return;
  if (sig == SIGKILL)
    c->death = g_get_monotonic_time ();
  kill (c->pid, sig);
  int status;
  waitpid (c->pid, &status, 0);
  if (sig != SIGKILL)
    c->death = g_get_monotonic_time ();
  c->dead = TRUE;
  /* Drain what it printed before it died. */
  while (c->watch)
    g_main_context_iteration (NULL, TRUE);
}

static void
contender_free (Contender *c)
{
  reap (c, SIGKILL);
  if (c->watch)
    g_source_remove (c->watch);
  g_io_channel_unref (c->out);
  g_spawn_close_pid (c->pid);
  g_free (c->id);
  g_free (c);
}

/* The contender leading now (by the lines), or NULL. */
static Contender *
current_leader (void)
{
  g_autoptr (GHashTable) leading = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < lines->len; i++)
    {
      Line *l = lines->pdata[i];
      if (l->leading)
        g_hash_table_add (leading, l->id);
      else
        g_hash_table_remove (leading, l->id);
    }
  for (guint i = 0; i < contenders->len; i++)
    {
      Contender *c = contenders->pdata[i];
      if (!c->dead && g_hash_table_contains (leading, c->id))
        return c;
    }
  return NULL;
}

static Contender *
wait_leader (guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;
  while (g_get_monotonic_time () < end)
    {
      Contender *c = current_leader ();
      if (c)
        return c;
      gboolean never = FALSE;
      kct_wait (&never, 20);
    }
  return NULL;
}

static gint64
last_leading_time (const char *id)
{
  for (guint i = lines->len; i > 0; i--)
    {
      Line *l = lines->pdata[i - 1];
      if (l->leading && g_str_equal (l->id, id))
        return l->t;
    }
  return 0;
}

static void
run_contenders (guint n)
{
  server = kct_server_start ("memory", NULL);
  contenders = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                 contender_free);
  lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);
      spawn_contender (id);
    }
  Contender *leader = wait_leader (LEASE_MS + 3000);
  g_assert_nonnull (leader);
  /* A stable leader: nobody else leads for a few lease renewals. */
  gboolean never = FALSE;
  kct_wait (&never, 2500);
  g_assert_true (current_leader () == leader);
  g_assert_cmpuint (check_single_leader (), ==, 1);

  /* Kill leaders one after the other: a survivor takes over in time. */
  for (guint round = 0; round + 1 < n; round++)
    {
      reap (leader, SIGKILL);
      gint64 killed = leader->death;
      Contender *next = wait_leader (LEASE_MS + RETRY_MS + 3000);
      g_assert_nonnull (next);
      g_assert_true (next != leader);
      gint64 took = last_leading_time (next->id) - killed;
      g_test_message ("%s took over %" G_GINT64_FORMAT " ms after %s was "
                      "killed", next->id, took / 1000, leader->id);
      /* + 300 ms for the HTTP round trips of the take-over. */
      g_assert_cmpint (took, <=, (LEASE_MS + RETRY_MS + 300) * 1000);
      check_single_leader ();
      leader = next;
    }

  /* A clean stop releases the lease: a new contender takes it at once. */
  Contender *fresh = spawn_contender ("fresh");
  kct_wait (&never, 2 * RETRY_MS);
  g_assert_true (current_leader () == leader);
  gint64 stop = g_get_monotonic_time ();
  reap (leader, SIGTERM);
  Contender *after = wait_leader (LEASE_MS + 3000);
  g_assert_true (after == fresh);
  gint64 took = last_leading_time ("fresh") - stop;
  g_test_message ("fresh took over %" G_GINT64_FORMAT " ms after a release",
                  took / 1000);
  g_assert_cmpint (took, <, (RETRY_MS + 500) * 1000);
  check_single_leader ();

  g_ptr_array_unref (contenders);
  g_ptr_array_unref (lines);
  kct_server_free (server);
}

static void
test_two (void)
{
  run_contenders (2);
}

static void
test_three (void)
{
  run_contenders (3);
}

/* A leader cut off from the API server (SIGSTOP) stops leading by its
 * renew deadline, before its lease could expire for anyone else. */
static void
test_renew_deadline (void)
{
  server = kct_server_start ("memory", NULL);
  contenders = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                 contender_free);
  lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  spawn_contender ("solo");
  g_assert_nonnull (wait_leader (LEASE_MS + 3000));
  gboolean never = FALSE;
  kct_wait (&never, RETRY_MS);
  gint64 frozen = g_get_monotonic_time ();
  kill (server->pid, SIGSTOP);
  gint64 end = frozen + (LEASE_MS + 2000) * 1000;
  while (current_leader () && g_get_monotonic_time () < end)
    kct_wait (&never, 20);
  Line *last = lines->pdata[lines->len - 1];
  g_assert_false (last->leading);
  g_test_message ("stopped leading %" G_GINT64_FORMAT " ms after the API "
                  "server froze", (last->t - frozen) / 1000);
  /* Its last renew started at most a retry period before the freeze. */
  g_assert_cmpint (last->t - frozen, <=, DEADLINE_MS * 1000);
  g_assert_cmpint (last->t - frozen, <, LEASE_MS * 1000 - RETRY_MS * 1000);
  kill (server->pid, SIGCONT);
  g_assert_nonnull (wait_leader (LEASE_MS + 3000));
  g_ptr_array_unref (contenders);
  g_ptr_array_unref (lines);
  kct_server_free (server);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client/leader-election/two", test_two);
  g_test_add_func ("/client/leader-election/three", test_three);
  g_test_add_func ("/client/leader-election/renew-deadline",
                   test_renew_deadline);
  return g_test_run ();
}
