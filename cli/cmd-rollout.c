/* rollout status: follows a deployment (a watch on it by name) and prints
 * kubectl's progress lines until it is rolled out; exits non-zero when
 * --timeout passes, when the deployment reports ProgressDeadlineExceeded
 * or when it is deleted. */
#include "build-config.h"

#include "kcorectl.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static char *timeout_text;

static const GOptionEntry entries[]
    = { { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
          "Give up after this long (e.g. 60s; default: no limit)",
          "DURATION" },
        { NULL } };

typedef enum
{
  ROLLOUT_WAITING,
  ROLLOUT_DONE,
  ROLLOUT_FAILED,
} RolloutState;

typedef struct
{
  const char *name;
  char *last_message;
  char *resource_version;
  KcWatch *watch;
  guint restart_id;
  RolloutState state;
  gboolean finished;
} Rollout;

static gint64
int_member (JsonObject *o, const char *name, gint64 fallback)
{
  return o && json_object_has_member (o, name)
             ? json_object_get_int_member (o, name)
             : fallback;
}

static gboolean
deadline_exceeded (JsonObject *status)
{
  JsonArray *conds = kcctl_member_array (status, "conditions");
  for (guint i = 0; conds && i < json_array_get_length (conds); i++)
    {
      JsonObject *c = json_array_get_object_element (conds, i);
      if (g_strcmp0 (kcctl_member_string (c, "type", NULL), "Progressing") == 0
          && g_strcmp0 (kcctl_member_string (c, "reason", NULL),
                        "ProgressDeadlineExceeded")
                 == 0)
        return TRUE;
    }
  return FALSE;
}

/* kubectl's DeploymentStatusViewer: the message and whether it is done. */
static RolloutState
evaluate (JsonNode *deployment, const char *name, char **message)
{
  JsonObject *o = json_node_get_object (deployment);
  JsonObject *meta = kcctl_member_object (o, "metadata");
  JsonObject *spec = kcctl_member_object (o, "spec");
  JsonObject *status = kcctl_member_object (o, "status");
  if (int_member (meta, "generation", 0)
      > int_member (status, "observedGeneration", 0))
    {
      *message = g_strdup ("Waiting for deployment spec update to be "
                           "observed...");
      return ROLLOUT_WAITING;
    }
  if (deadline_exceeded (status))
    {
      *message = g_strdup_printf ("deployment \"%s\" exceeded its progress "
                                  "deadline",
                                  name);
      return ROLLOUT_FAILED;
    }
  gint64 want = int_member (spec, "replicas", 1);
  gint64 updated = int_member (status, "updatedReplicas", 0);
  gint64 replicas = int_member (status, "replicas", 0);
  gint64 available = int_member (status, "availableReplicas", 0);
  if (updated < want)
    *message = g_strdup_printf (
        "Waiting for deployment \"%s\" rollout to finish: %" G_GINT64_FORMAT
        " out of %" G_GINT64_FORMAT " new replicas have been updated...",
        name, updated, want);
  else if (replicas > updated)
    *message = g_strdup_printf (
        "Waiting for deployment \"%s\" rollout to finish: %" G_GINT64_FORMAT
        " old replicas are pending termination...",
        name, replicas - updated);
  else if (available < updated)
    *message = g_strdup_printf (
        "Waiting for deployment \"%s\" rollout to finish: %" G_GINT64_FORMAT
        " of %" G_GINT64_FORMAT " updated replicas are available...",
        name, available, updated);
  else
    {
      *message = g_strdup_printf ("deployment \"%s\" successfully rolled out",
                                  name);
      return ROLLOUT_DONE;
    }
  return ROLLOUT_WAITING;
}

static void
finish (Rollout *ro, RolloutState state)
{
  ro->state = state;
  ro->finished = TRUE;
  g_main_loop_quit (kcctl_loop ());
}

/* Prints the message when it changed; ends the loop when decided. */
static void
observe (Rollout *ro, JsonNode *deployment)
{
  g_autofree char *message = NULL;
  RolloutState state = evaluate (deployment, ro->name, &message);
  if (state == ROLLOUT_FAILED)
    {
      kcctl_error ("%s", message);
      finish (ro, state);
      return;
    }
  if (g_strcmp0 (message, ro->last_message) != 0)
    {
      printf ("%s\n", message);
      fflush (stdout);
      g_free (ro->last_message);
      ro->last_message = g_steal_pointer (&message);
    }
  if (state == ROLLOUT_DONE)
    finish (ro, state);
}

static void start_watch (Rollout *ro);

static void
on_event (KcWatch *w, const char *type, JsonNode *object, gpointer data)
{
  Rollout *ro = data;
  if (ro->finished)
    return;
  if (strcmp (type, "ERROR") == 0)
    {
      kcctl_error ("the watch failed: %s",
                   kcctl_member_string (json_node_get_object (object),
                                        "message", "unknown error"));
      finish (ro, ROLLOUT_FAILED);
      return;
    }
  const char *rv = kc_object_get_resource_version (object);
  if (rv)
    {
      g_free (ro->resource_version);
      ro->resource_version = g_strdup (rv);
    }
  if (strcmp (type, "DELETED") == 0)
    {
      kcctl_error ("deployment \"%s\" was deleted", ro->name);
      finish (ro, ROLLOUT_FAILED);
    }
  else if (strcmp (type, "ADDED") == 0 || strcmp (type, "MODIFIED") == 0)
    observe (ro, object);
}

static gboolean
restart_watch (gpointer data)
{
  Rollout *ro = data;
  ro->restart_id = 0;
  start_watch (ro);
  return G_SOURCE_REMOVE;
}

static void
on_done (KcWatch *w, const GError *error, gpointer data)
{
  Rollout *ro = data;
  if (error)
    {
      kcctl_print_error (error);
      finish (ro, ROLLOUT_FAILED);
      return;
    }
  if (ro->restart_id == 0)
    ro->restart_id = g_idle_add (restart_watch, ro);
}

static void
start_watch (Rollout *ro)
{
  g_autoptr (KcResource) res = kc_resource_new ("apps", "v1", "deployments");
  g_autoptr (KcListOptions) o = kc_list_options_new ();
  g_autofree char *fs = g_strdup_printf ("metadata.name=%s", ro->name);
  kc_list_options_set_field_selector (o, fs);
  kc_list_options_set_resource_version (o, ro->resource_version);
  KcWatch *old = ro->watch;
  ro->watch = kc_client_watch (
      kcctl_client (), res,
      kcctl_namespace_for (&(KcctlApiResource){ .namespaced = TRUE }, NULL), o,
      on_event, on_done, ro, NULL);
  if (old)
    {
      kc_watch_stop (old);
      kc_watch_unref (old);
    }
}

static gboolean
on_timeout (gpointer data)
{
  Rollout *ro = data;
  kcctl_error ("timed out waiting for the condition");
  finish (ro, ROLLOUT_FAILED);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  finish (data, ROLLOUT_FAILED);
  return G_SOURCE_CONTINUE;
}

static int
follow (const KcctlApiResource *r, const char *name, gint64 timeout_ms)
{
  g_autoptr (GError) error = NULL;
  const char *ns = kcctl_namespace_for (r, NULL);
  g_autoptr (JsonNode) d = kcctl_get (r->resource, ns, name, NULL, &error);
  if (d == NULL)
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  Rollout ro = { .name = name };
  ro.resource_version = g_strdup (kc_object_get_resource_version (d));
  observe (&ro, d);
  if (!ro.finished)
    {
      start_watch (&ro);
      guint timer = timeout_ms > 0
                        ? g_timeout_add ((guint)timeout_ms, on_timeout, &ro)
                        : 0;
      guint sigint = g_unix_signal_add (SIGINT, on_signal, &ro);
      g_main_loop_run (kcctl_loop ());
      g_source_remove (sigint);
      if (timer)
        g_source_remove (timer);
      g_clear_handle_id (&ro.restart_id, g_source_remove);
      kc_watch_stop (ro.watch);
      g_clear_pointer (&ro.watch, kc_watch_unref);
    }
  g_free (ro.last_message);
  g_free (ro.resource_version);
  return ro.state == ROLLOUT_DONE ? KCCTL_EXIT_OK : KCCTL_EXIT_ERROR;
}

static int
run_rollout (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = NULL;
  gint64 timeout_ms = 0;
  if (argc < 2 || strcmp (argv[1], "status") != 0)
    {
      kcctl_error ("expected `rollout status deployment/NAME`");
      return KCCTL_EXIT_ERROR;
    }
  if (timeout_text
      && (timeout_ms = kcctl_parse_duration_ms (timeout_text)) < 0)
    {
      kcctl_error ("--timeout=%s: expected a duration such as 60s",
                   timeout_text);
      return KCCTL_EXIT_ERROR;
    }
  const KcctlApiResource *r
      = kcctl_resolve_args (argc - 1, argv + 1, &names, &error);
  if (r == NULL)
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  if (g_strcmp0 (r->name, "deployments") != 0 || r->group[0] == '\0')
    {
      kcctl_error ("rollout status supports deployments only, not %s",
                   r->name);
      return KCCTL_EXIT_ERROR;
    }
  if (names->len != 1)
    {
      kcctl_error ("give one deployment: rollout status deployment/NAME");
      return KCCTL_EXIT_ERROR;
    }
  return follow (r, names->pdata[0], timeout_ms);
}

int
kcctl_cmd_rollout (int argc, char **argv)
{
  int rc = KCCTL_EXIT_ERROR;
  if (kcctl_parse_args (&argc, &argv, "status deployment/NAME",
                        "Follow a deployment's rollout.", entries))
    rc = run_rollout (argc, argv);
  g_clear_pointer (&timeout_text, g_free);
  return rc;
}
