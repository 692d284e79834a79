/* cordon, uncordon and drain: a node's spec.unschedulable, and deleting
 * the pods bound to it. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>

static char *timeout_text;
static gint64 grace_period = -1;

static const GOptionEntry drain_entries[]
    = { { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
          "Give up waiting for the pods to go after this long (default: no "
          "limit)",
          "DURATION" },
        { "grace-period", 0, 0, G_OPTION_ARG_INT64, &grace_period,
          "Seconds each pod gets to stop (-1: its own default; 0: at once, "
          "e.g. when the node's agent is gone)",
          "N" },
        { NULL } };

static KcResource *
nodes_resource (void)
{
  return kc_resource_new ("", "v1", "nodes");
}

static gboolean
set_unschedulable (const char *node, gboolean on)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcResource) nodes = nodes_resource ();
  g_autoptr (JsonNode) live = kcctl_get (nodes, NULL, node, NULL, &error);
  if (live == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }
  JsonObject *spec = kcctl_member_object (json_node_get_object (live), "spec");
  gboolean now = spec
                 && json_object_get_boolean_member_with_default (
                     spec, "unschedulable", FALSE);
  if (now == on)
    {
      printf ("node/%s already %s\n", node, on ? "cordoned" : "uncordoned");
      fflush (stdout);
      return TRUE;
    }
  g_autofree char *text = g_strdup_printf ("{\"spec\":{\"unschedulable\":%s}}",
                                           on ? "true" : "null");
  g_autoptr (JsonNode) patch = json_from_string (text, NULL);
  g_autoptr (JsonNode) result
      = kcctl_patch (nodes, NULL, node, NULL, KC_PATCH_MERGE, patch, &error);
  if (result == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }
  printf ("node/%s %s\n", node, on ? "cordoned" : "uncordoned");
  fflush (stdout);
  return TRUE;
}

static int
run_cordon (int argc, char **argv, gboolean on)
{
  if (!kcctl_parse_args (
          &argc, &argv, "NODE...",
          on ? "Mark nodes unschedulable." : "Mark nodes schedulable.", NULL))
    return KCCTL_EXIT_ERROR;
  if (argc < 2)
    {
      kcctl_error ("give the name of the node");
      return KCCTL_EXIT_ERROR;
    }
  int rc = KCCTL_EXIT_OK;
  for (int i = 1; i < argc; i++)
    {
      const char *node = argv[i];
      if (g_str_has_prefix (node, "node/"))
        node += 5;
      if (!set_unschedulable (node, on))
        rc = KCCTL_EXIT_ERROR;
    }
  return rc;
}

int
kcctl_cmd_cordon (int argc, char **argv)
{
  return run_cordon (argc, argv, TRUE);
}

int
kcctl_cmd_uncordon (int argc, char **argv)
{
  return run_cordon (argc, argv, FALSE);
}

/* Deletes the pods of @node and waits until they are gone. */
static gboolean
evict_pods (const char *node, gint64 deadline)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcResource) pods = kc_resource_new ("", "v1", "pods");
  g_autoptr (KcListOptions) o = kc_list_options_new ();
  g_autofree char *fs = g_strdup_printf ("spec.nodeName=%s", node);
  kc_list_options_set_field_selector (o, fs);
  g_autoptr (JsonNode) list = kcctl_list (pods, NULL, o, &error);
  if (list == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }
  JsonArray *items = kcctl_member_array (json_node_get_object (list), "items");
  guint n = items ? json_array_get_length (items) : 0;
  gboolean ok = TRUE;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *pod = json_array_get_element (items, i);
      printf ("evicting pod %s/%s\n", kc_object_get_namespace (pod),
              kc_object_get_name (pod));
      fflush (stdout);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) e = NULL;
      JsonNode *pod = json_array_get_element (items, i);
      const char *ns = kc_object_get_namespace (pod);
      const char *name = kc_object_get_name (pod);
      g_autoptr (JsonNode) st
          = kcctl_delete (pods, ns, name, NULL, grace_period, &e);
      if (st == NULL && !kcctl_is_not_found (e))
        {
          kcctl_print_error (e);
          ok = FALSE;
          continue;
        }
      /* Gone when GET says NotFound (graceful deletion may take a while). */
      for (;;)
        {
          g_autoptr (GError) ge = NULL;
          g_autoptr (JsonNode) still = kcctl_get (pods, ns, name, NULL, &ge);
          if (still == NULL && kcctl_is_not_found (ge))
            break;
          if (still == NULL)
            {
              kcctl_print_error (ge);
              return FALSE;
            }
          if (deadline > 0 && g_get_monotonic_time () > deadline)
            {
              kcctl_error ("drain did not complete within %s", timeout_text);
              return FALSE;
            }
          kcctl_sleep_ms (200);
        }
      printf ("pod/%s evicted\n", name);
      fflush (stdout);
    }
  return ok;
}

static int
run_drain (int argc, char **argv)
{
  gint64 timeout_ms = 0;
  if (argc != 2)
    {
      kcctl_error ("give the name of one node");
      return KCCTL_EXIT_ERROR;
    }
  if (timeout_text
      && (timeout_ms = kcctl_parse_duration_ms (timeout_text)) < 0)
    {
      kcctl_error ("--timeout=%s: expected a duration such as 60s",
                   timeout_text);
      return KCCTL_EXIT_ERROR;
    }
  const char *node = argv[1];
  if (g_str_has_prefix (node, "node/"))
    node += 5;
  if (!set_unschedulable (node, TRUE))
    return KCCTL_EXIT_ERROR;
  gint64 deadline
      = timeout_ms > 0 ? g_get_monotonic_time () + timeout_ms * 1000 : 0;
  if (!evict_pods (node, deadline))
    return KCCTL_EXIT_ERROR;
  printf ("node/%s drained\n", node);
  return KCCTL_EXIT_OK;
}

int
kcctl_cmd_drain (int argc, char **argv)
{
  int rc = KCCTL_EXIT_ERROR;
  if (kcctl_parse_args (&argc, &argv, "NODE",
                        "Cordon a node and delete its pods.", drain_entries))
    rc = run_drain (argc, argv);
  g_clear_pointer (&timeout_text, g_free);
  return rc;
}
