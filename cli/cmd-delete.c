/* delete: objects named on the command line, in manifests (-f), or
 * matching a label selector (-l); --cascade picks the propagation policy
 * and --wait (the default) waits until the objects are gone. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>
#include <string.h>

static char **files;
static char *selector;
static char *cascade;
static gboolean wait_gone = TRUE;
static gboolean ignore_not_found;
static gboolean all;
static char *timeout_text;
static gint64 grace_period = -1;
static gboolean now;

static gboolean
parse_wait (const char *name, const char *value, gpointer data, GError **error)
{
  return kcctl_parse_bool (value, &wait_gone, error);
}

static const GOptionEntry entries[] = {
  { "filename", 'f', 0, G_OPTION_ARG_FILENAME_ARRAY, &files,
    "Delete the objects of these manifests", "FILE" },
  { "selector", 'l', 0, G_OPTION_ARG_STRING, &selector,
    "Delete the objects matching this label selector", "SELECTOR" },
  { "all", 0, 0, G_OPTION_ARG_NONE, &all,
    "Delete every object of the type in the namespace", NULL },
  { "cascade", 0, 0, G_OPTION_ARG_STRING, &cascade,
    "background (default), foreground or orphan", "POLICY" },
  { "wait", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_wait,
    "Wait until the objects are gone (default true)", "true|false" },
  { "ignore-not-found", 0, 0, G_OPTION_ARG_NONE, &ignore_not_found,
    "An object that does not exist is not an error", NULL },
  { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
    "How long --wait waits (default: no limit)", "DURATION" },
  { "grace-period", 0, 0, G_OPTION_ARG_INT64, &grace_period,
    "Seconds a pod gets to stop (-1: its own default; 0: at once)", "N" },
  { "now", 0, 0, G_OPTION_ARG_NONE, &now, "Same as --grace-period=1", NULL },
  { NULL }
};

typedef struct
{
  const KcctlApiResource *r;
  char *ns;
  char *name;
} Target;

static void
target_free (gpointer data)
{
  Target *t = data;
  g_free (t->ns);
  g_free (t->name);
  g_free (t);
}

static void
add_target (GPtrArray *targets, const KcctlApiResource *r, const char *ns,
            const char *name)
{
  Target *t = g_new0 (Target, 1);
  t->r = r;
  t->ns = g_strdup (ns);
  t->name = g_strdup (name);
  g_ptr_array_add (targets, t);
}

static const char *
policy_of (const char *text, GError **error)
{
  if (text == NULL || strcmp (text, "background") == 0
      || strcmp (text, "true") == 0)
    return "Background";
  if (strcmp (text, "foreground") == 0)
    return "Foreground";
  if (strcmp (text, "orphan") == 0 || strcmp (text, "false") == 0)
    return "Orphan";
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--cascade=%s: expected background, foreground or orphan",
               text);
  return NULL;
}

/* Polls until the object is gone: a deletion with finalizers (e.g.
 * foreground) only completes when they are removed. */
static gboolean
wait_deleted (const Target *t, gint64 deadline)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) obj
          = kcctl_get (t->r->resource, t->ns, t->name, NULL, &error);
      if (obj == NULL && kcctl_is_not_found (error))
        return TRUE;
      if (obj == NULL)
        {
          kcctl_print_error (error);
          return FALSE;
        }
      if (deadline > 0 && g_get_monotonic_time () > deadline)
        {
          g_autofree char *display = kcctl_resource_display (t->r);
          kcctl_error ("timed out waiting for %s/%s to be deleted", display,
                       t->name);
          return FALSE;
        }
      kcctl_sleep_ms (200);
    }
}

static gboolean
collect_files (GPtrArray *targets, GError **error)
{
  g_autoptr (GPtrArray) docs = kcctl_manifest_load (files, error);
  if (docs == NULL)
    return FALSE;
  for (guint i = 0; i < docs->len; i++)
    {
      JsonObject *o = json_node_get_object (docs->pdata[i]);
      JsonObject *meta = kcctl_member_object (o, "metadata");
      const KcctlApiResource *r = kcctl_resource_for_kind (
          kcctl_member_string (o, "apiVersion", ""),
          kcctl_member_string (o, "kind", ""), error);
      if (r == NULL)
        return FALSE;
      add_target (targets, r,
                  kcctl_namespace_for (
                      r, kcctl_member_string (meta, "namespace", NULL)),
                  kcctl_member_string (meta, "name", ""));
    }
  return TRUE;
}

static gboolean
collect_selected (GPtrArray *targets, const KcctlApiResource *r,
                  GError **error)
{
  g_autoptr (KcListOptions) o = kc_list_options_new ();
  kc_list_options_set_label_selector (o, selector);
  const char *ns
      = kcctl_global.all_namespaces ? NULL : kcctl_namespace_for (r, NULL);
  g_autoptr (JsonNode) list = kcctl_list (r->resource, ns, o, error);
  if (list == NULL)
    return FALSE;
  JsonArray *items = kcctl_member_array (json_node_get_object (list), "items");
  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonNode *obj = json_array_get_element (items, i);
      add_target (targets, r, kc_object_get_namespace (obj),
                  kc_object_get_name (obj));
    }
  if (targets->len == 0)
    {
      if (ns)
        fprintf (stderr, "No resources found in %s namespace.\n", ns);
      else
        fprintf (stderr, "No resources found\n");
    }
  return TRUE;
}

static gboolean
collect (int argc, char **argv, GPtrArray *targets, GError **error)
{
  if (files)
    {
      if (argc > 1)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       "give either -f or a type and names, not both");
          return FALSE;
        }
      return collect_files (targets, error);
    }
  g_autoptr (GPtrArray) names = NULL;
  const KcctlApiResource *r = kcctl_resolve_args (argc, argv, &names, error);
  if (r == NULL)
    return FALSE;
  if (selector || all)
    {
      if (names->len > 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       "names cannot be given together with -l or --all");
          return FALSE;
        }
      return collect_selected (targets, r, error);
    }
  if (names->len == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "resource(s) were provided, but no name was specified "
                   "(give names, -l SELECTOR or --all)");
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    add_target (targets, r, kcctl_namespace_for (r, NULL), names->pdata[i]);
  return TRUE;
}

static int
run_delete (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  const char *policy = policy_of (cascade, &error);
  gint64 timeout_ms = 0;
  if (policy == NULL)
    {
      kcctl_error ("%s", error->message);
      return KCCTL_EXIT_ERROR;
    }
  if (timeout_text
      && (timeout_ms = kcctl_parse_duration_ms (timeout_text)) < 0)
    {
      kcctl_error ("--timeout=%s: expected a duration such as 30s",
                   timeout_text);
      return KCCTL_EXIT_ERROR;
    }
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func (target_free);
  if (!collect (argc, argv, targets, &error))
    {
      kcctl_print_error (error);
      return KCCTL_EXIT_ERROR;
    }
  int rc = KCCTL_EXIT_OK;
  g_autoptr (GPtrArray) deleted = g_ptr_array_new ();
  for (guint i = 0; i < targets->len; i++)
    {
      Target *t = targets->pdata[i];
      g_autoptr (GError) e = NULL;
      g_autoptr (JsonNode) status = kcctl_delete (
          t->r->resource, t->ns, t->name, policy, now ? 1 : grace_period, &e);
      if (status == NULL)
        {
          if (!(ignore_not_found && kcctl_is_not_found (e)))
            {
              kcctl_print_error (e);
              rc = KCCTL_EXIT_ERROR;
            }
          continue;
        }
      g_autofree char *display = kcctl_resource_display (t->r);
      printf ("%s \"%s\" deleted\n", display, t->name);
      fflush (stdout);
      g_ptr_array_add (deleted, t);
    }
  gint64 deadline
      = timeout_ms > 0 ? g_get_monotonic_time () + timeout_ms * 1000 : 0;
  for (guint i = 0; wait_gone && i < deleted->len; i++)
    if (!wait_deleted (deleted->pdata[i], deadline))
      rc = KCCTL_EXIT_ERROR;
  return rc;
}

int
kcctl_cmd_delete (int argc, char **argv)
{
  int rc = KCCTL_EXIT_ERROR;
  if (kcctl_parse_args (&argc, &argv, "([-f FILE] | TYPE [NAME...|-l SEL])",
                        "Delete objects.", entries))
    rc = run_delete (argc, argv);
  g_clear_pointer (&files, g_strfreev);
  g_clear_pointer (&selector, g_free);
  g_clear_pointer (&cascade, g_free);
  g_clear_pointer (&timeout_text, g_free);
  grace_period = -1;
  return rc;
}
