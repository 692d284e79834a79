/* The supervisor: runs each configured component as its own process (see
 * supervisor.h). */
#include "build-config.h"

#include "supervisor.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* A component that ran this long before dying is restarted at once. */
#define STABLE_RUN_SECONDS 10

typedef struct
{
  char *name;
  GPid pid;            /* 0 when not running */
  guint child_watch;
  guint restart_timer;
  guint failures;      /* deaths in a row without a stable run */
  gint64 started_at;   /* monotonic µs */
} Child;

typedef struct
{
  GMainLoop *loop;
  GPtrArray *base_argv; /* argv common to every child */
  GPtrArray *children;  /* of Child*, in start order */
  guint stop_timeout_s;
  guint backoff_max_s;
  gboolean stopping;
  int stop_index;       /* child being stopped, counting down */
  guint kill_timer;
} Supervisor;

static void start_child (Supervisor *sup, Child *child);
static void stop_next (Supervisor *sup);

static void
child_free (Child *child)
{
  if (child->restart_timer)
    g_source_remove (child->restart_timer);
  if (child->child_watch)
    g_source_remove (child->child_watch);
  g_free (child->name);
  g_free (child);
}

static char *
describe_status (int status)
{
  if (WIFEXITED (status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf ("was killed by signal %d (%s)", WTERMSIG (status),
                            g_strsignal (WTERMSIG (status)));
  return g_strdup_printf ("ended with wait status %d", status);
}

static guint
backoff_seconds (Supervisor *sup, Child *child)
{
  guint delay = 1;
  for (guint i = 1; i < child->failures && delay < sup->backoff_max_s; i++)
    delay *= 2;
  return MIN (delay, sup->backoff_max_s);
}

typedef struct
{
  Supervisor *sup;
  Child *child;
} ChildRef;

static gboolean
on_restart_timer (gpointer data)
{
  ChildRef *ref = data;
  ref->child->restart_timer = 0;
  if (!ref->sup->stopping)
    start_child (ref->sup, ref->child);
  return G_SOURCE_REMOVE;
}

static void
on_child_exit (GPid pid, int status, gpointer data)
{
  ChildRef *ref = data;
  Supervisor *sup = ref->sup;
  Child *child = ref->child;
  g_autofree char *how = describe_status (status);

  child->child_watch = 0;
  child->pid = 0;
  g_spawn_close_pid (pid);

  if (sup->stopping)
    {
      g_message ("component %s (pid %d) %s", child->name, (int) pid, how);
      stop_next (sup);
      return;
    }

  gint64 ran_us = g_get_monotonic_time () - child->started_at;
  if (ran_us >= STABLE_RUN_SECONDS * G_USEC_PER_SEC)
    child->failures = 0;
  child->failures++;
  guint delay = backoff_seconds (sup, child);
  g_warning ("component %s (pid %d) %s; restarting it in %u s (failure %u "
             "in a row)",
             child->name, (int) pid, how, delay, child->failures);

  ChildRef *again = g_new (ChildRef, 1);
  *again = *ref;
  child->restart_timer = g_timeout_add_seconds_full (
      G_PRIORITY_DEFAULT, delay, on_restart_timer, again, g_free);
}

static void
die_with_parent (gpointer data)
{
  /* A component must not outlive a supervisor killed with SIGKILL. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
start_child (Supervisor *sup, Child *child)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  for (guint i = 0; i < sup->base_argv->len; i++)
    g_ptr_array_add (argv, sup->base_argv->pdata[i]);
  g_ptr_array_add (argv, (gpointer) "--component");
  g_ptr_array_add (argv, child->name);
  g_ptr_array_add (argv, NULL);

  g_autoptr (GError) error = NULL;
  GPid pid;
  if (!g_spawn_async (NULL, (char **) argv->pdata, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                      die_with_parent, NULL, &pid, &error))
    {
      child->failures++;
      guint delay = backoff_seconds (sup, child);
      g_warning ("cannot start component %s: %s; retrying in %u s",
                 child->name, error->message, delay);
      ChildRef *ref = g_new (ChildRef, 1);
      *ref = (ChildRef){ sup, child };
      child->restart_timer = g_timeout_add_seconds_full (
          G_PRIORITY_DEFAULT, delay, on_restart_timer, ref, g_free);
      return;
    }
  child->pid = pid;
  child->started_at = g_get_monotonic_time ();
  ChildRef *ref = g_new (ChildRef, 1);
  *ref = (ChildRef){ sup, child };
  child->child_watch = g_child_watch_add_full (G_PRIORITY_DEFAULT, pid,
                                               on_child_exit, ref, g_free);
  g_message ("started component %s (pid %d)", child->name, (int) pid);
}

static gboolean
on_kill_timer (gpointer data)
{
  Supervisor *sup = data;
  Child *child = sup->children->pdata[sup->stop_index];
  sup->kill_timer = 0;
  if (child->pid)
    {
      g_warning ("component %s (pid %d) did not stop within %u s; killing "
                 "it",
                 child->name, (int) child->pid, sup->stop_timeout_s);
      kill (child->pid, SIGKILL);
    }
  return G_SOURCE_REMOVE;
}

/* Stops children one at a time, last started first, so a component never
 * loses one it depends on while it is still running. */
static void
stop_next (Supervisor *sup)
{
  if (sup->kill_timer)
    {
      g_source_remove (sup->kill_timer);
      sup->kill_timer = 0;
    }
  while (--sup->stop_index >= 0)
    {
      Child *child = sup->children->pdata[sup->stop_index];
      if (child->restart_timer)
        {
          g_source_remove (child->restart_timer);
          child->restart_timer = 0;
        }
      if (child->pid == 0)
        continue;
      g_message ("stopping component %s (pid %d)", child->name,
                 (int) child->pid);
      kill (child->pid, SIGTERM);
      sup->kill_timer = g_timeout_add_seconds (sup->stop_timeout_s,
                                               on_kill_timer, sup);
      return;
    }
  g_message ("all components stopped");
  g_main_loop_quit (sup->loop);
}

static gboolean
on_stop_signal (gpointer data)
{
  Supervisor *sup = data;
  if (sup->stopping)
    return G_SOURCE_CONTINUE;
  g_message ("stopping %u component(s)", sup->children->len);
  sup->stopping = TRUE;
  sup->stop_index = sup->children->len;
  stop_next (sup);
  return G_SOURCE_CONTINUE;
}

static GPtrArray *
build_base_argv (const char *exe, const char *config_path,
                 const char *const *overrides, const char *log_level)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (exe));
  g_ptr_array_add (argv, g_strdup ("--config"));
  g_ptr_array_add (argv, g_strdup (config_path));
  for (guint i = 0; overrides && overrides[i]; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--set"));
      g_ptr_array_add (argv, g_strdup (overrides[i]));
    }
  if (log_level)
    {
      g_ptr_array_add (argv, g_strdup ("--log-level"));
      g_ptr_array_add (argv, g_strdup (log_level));
    }
  return argv;
}

int
kc_supervisor_run (const KcConfigFile *config, const char *config_path,
                   const char *const *overrides, const char *log_level)
{
  const KcConfigGroup *core = kc_config_file_get_core (config);
  const char *const *names = kc_config_file_get_components (config);
  if (names[0] == NULL)
    {
      g_critical ("%s: nothing to run: [kcore] components= names no "
                  "component",
                  config_path);
      return 2;
    }
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe == NULL)
    {
      g_critical ("cannot find this program's path in /proc/self/exe: %s",
                  g_strerror (errno));
      return 1;
    }

  Supervisor sup = {
    .loop = g_main_loop_new (NULL, FALSE),
    .base_argv = build_base_argv (exe, config_path, overrides, log_level),
    .children = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free),
    .stop_timeout_s = kc_config_group_get_int (core, "stop-timeout-seconds"),
    .backoff_max_s
    = kc_config_group_get_int (core, "restart-backoff-max-seconds"),
  };
  for (guint i = 0; names[i]; i++)
    {
      Child *child = g_new0 (Child, 1);
      child->name = g_strdup (names[i]);
      g_ptr_array_add (sup.children, child);
    }

  /* GLib before 2.76 (Debian 12 has 2.74) serves g_slice from its own
   * magazine allocator, which json-glib and GLib's containers call for
   * every node: it cost the API server ~8 % of its CPU more than malloc
   * (bench/sched-bench.sh).  Later GLibs always use malloc; this is read
   * by each component at its start.  A G_SLICE set by the user wins. */
  if (g_getenv ("G_SLICE") == NULL)
    g_setenv ("G_SLICE", "always-malloc", TRUE);
  guint sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, &sup);
  guint sigint = g_unix_signal_add (SIGINT, on_stop_signal, &sup);
  g_message ("supervising %u component(s) from %s", sup.children->len,
             config_path);
  for (guint i = 0; i < sup.children->len; i++)
    start_child (&sup, sup.children->pdata[i]);

  g_main_loop_run (sup.loop);

  g_source_remove (sigterm);
  g_source_remove (sigint);
  g_ptr_array_unref (sup.children);
  g_ptr_array_unref (sup.base_argv);
  g_main_loop_unref (sup.loop);
  return 0;
}
