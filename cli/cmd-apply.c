/* apply -f and create -f.
 *
 * apply is idempotent: an object that does not exist is created; one whose
 * live state already holds everything the manifest sets is left alone
 * ("unchanged"); otherwise the manifest is sent as a strategic merge patch
 * ("configured").  Like kubectl, the manifest is kept in the annotation
 * kubectl.kubernetes.io/last-applied-configuration, so that a key removed
 * from the manifest (labels, annotations, spec's top level) is removed
 * from the object too: the patch sets it to null. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>
#include <string.h>

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

static char **files;

static const GOptionEntry entries[] = {
  { "filename", 'f', 0, G_OPTION_ARG_FILENAME_ARRAY, &files,
    "Manifest file, directory (its .yaml/.yml/.json files) or - for stdin",
    "FILE" },
  { NULL }
};

static gboolean
numbers_equal (JsonNode *a, JsonNode *b)
{
  GType ta = json_node_get_value_type (a), tb = json_node_get_value_type (b);
  gboolean na = ta == G_TYPE_INT64 || ta == G_TYPE_DOUBLE;
  gboolean nb = tb == G_TYPE_INT64 || tb == G_TYPE_DOUBLE;
  if (!na || !nb)
    return FALSE;
  return json_node_get_double (a) == json_node_get_double (b);
}

/* Does @live hold everything @want sets?  Lists must have the same
 * length, each element a subset of the live one (the server may fill in
 * defaults inside list elements). */
static gboolean
is_subset (JsonNode *want, JsonNode *live)
{
  if (JSON_NODE_HOLDS_NULL (want))
    return live == NULL || JSON_NODE_HOLDS_NULL (live);
  if (live == NULL || JSON_NODE_TYPE (want) != JSON_NODE_TYPE (live))
    return FALSE;
  if (JSON_NODE_HOLDS_OBJECT (want))
    {
      JsonObject *w = json_node_get_object (want);
      JsonObject *l = json_node_get_object (live);
      g_autoptr (GList) members = json_object_get_members (w);
      for (GList *m = members; m; m = m->next)
        if (!is_subset (json_object_get_member (w, m->data),
                        json_object_get_member (l, m->data)))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (want))
    {
      JsonArray *w = json_node_get_array (want);
      JsonArray *l = json_node_get_array (live);
      if (json_array_get_length (w) != json_array_get_length (l))
        return FALSE;
      for (guint i = 0; i < json_array_get_length (w); i++)
        if (!is_subset (json_array_get_element (w, i),
                        json_array_get_element (l, i)))
          return FALSE;
      return TRUE;
    }
  if (json_node_get_value_type (want) == G_TYPE_STRING)
    return json_node_get_value_type (live) == G_TYPE_STRING
           && strcmp (json_node_get_string (want), json_node_get_string (live))
                  == 0;
  if (json_node_get_value_type (want) == G_TYPE_BOOLEAN)
    return json_node_get_value_type (live) == G_TYPE_BOOLEAN
           && json_node_get_boolean (want) == json_node_get_boolean (live);
  return numbers_equal (want, live);
}

static JsonObject *
ensure_object (JsonObject *parent, const char *name)
{
  JsonObject *o = kcctl_member_object (parent, name);
  if (o == NULL)
    {
      o = json_object_new ();
      json_object_set_object_member (parent, name, o);
    }
  return o;
}

/* Walks "metadata.labels" style paths. */
static JsonObject *
object_at (JsonObject *root, const char *const *path)
{
  JsonObject *o = root;
  for (; o && *path; path++)
    o = kcctl_member_object (o, *path);
  return o;
}

/* Sets to null, in @patch, the keys under @path that @old (the last
 * applied manifest) had and @patch no longer has.  Returns how many. */
static guint
add_removals (JsonObject *patch, JsonObject *old, const char *const *path)
{
  JsonObject *was = object_at (old, path);
  if (was == NULL)
    return 0;
  JsonObject *now = object_at (patch, path);
  guint n = 0;
  g_autoptr (GList) keys = json_object_get_members (was);
  for (GList *k = keys; k; k = k->next)
    {
      if (now && json_object_has_member (now, k->data))
        continue;
      if (now == NULL)
        {
          now = patch;
          for (const char *const *p = path; *p; p++)
            now = ensure_object (now, *p);
        }
      json_object_set_null_member (now, k->data);
      n++;
    }
  return n;
}

static void
set_last_applied (JsonObject *obj, const char *text)
{
  JsonObject *meta = ensure_object (obj, "metadata");
  JsonObject *ann = ensure_object (meta, "annotations");
  json_object_set_string_member (ann, LAST_APPLIED, text);
}

static JsonNode *
last_applied_of (JsonNode *live)
{
  JsonObject *ann
      = object_at (json_node_get_object (live),
                   (const char *const[]){ "metadata", "annotations", NULL });
  const char *text = kcctl_member_string (ann, LAST_APPLIED, NULL);
  if (text == NULL)
    return NULL;
  JsonNode *node = json_from_string (text, NULL);
  if (node && !JSON_NODE_HOLDS_OBJECT (node))
    g_clear_pointer (&node, json_node_unref);
  return node;
}

/* The object's resource, namespace and name; prints what is wrong. */
static const KcctlApiResource *
identify (JsonNode *doc, const char **ns, const char **name)
{
  g_autoptr (GError) error = NULL;
  JsonObject *o = json_node_get_object (doc);
  JsonObject *meta = kcctl_member_object (o, "metadata");
  const KcctlApiResource *r
      = kcctl_resource_for_kind (kcctl_member_string (o, "apiVersion", ""),
                                 kcctl_member_string (o, "kind", ""), &error);
  if (r == NULL)
    {
      kcctl_print_error (error);
      return NULL;
    }
  *name = kcctl_member_string (meta, "name", NULL);
  if (*name == NULL || **name == '\0')
    {
      kcctl_error ("a %s in the manifests has no metadata.name", r->kind);
      return NULL;
    }
  const char *doc_ns = kcctl_member_string (meta, "namespace", NULL);
  if (r->namespaced && doc_ns && kcctl_global.namespace
      && strcmp (doc_ns, kcctl_global.namespace) != 0)
    {
      kcctl_error ("the namespace of %s/%s (%s) does not match the "
                   "namespace given with -n (%s)",
                   r->kind, *name, doc_ns, kcctl_global.namespace);
      return NULL;
    }
  *ns = kcctl_namespace_for (r, doc_ns);
  return r;
}

static gboolean
apply_one (JsonNode *doc)
{
  const char *ns = NULL, *name = NULL;
  const KcctlApiResource *r = identify (doc, &ns, &name);
  if (r == NULL)
    return FALSE;
  g_autofree char *display = kcctl_resource_display (r);
  g_autoptr (GError) error = NULL;

  /* What is recorded: the manifest without a stale copy of itself. */
  g_autoptr (JsonNode) manifest = kcctl_json_copy (doc);
  JsonObject *ann
      = object_at (json_node_get_object (manifest),
                   (const char *const[]){ "metadata", "annotations", NULL });
  if (ann)
    json_object_remove_member (ann, LAST_APPLIED);
  g_autofree char *recorded = json_to_string (manifest, FALSE);
  g_autoptr (JsonNode) desired = kcctl_json_copy (manifest);
  set_last_applied (json_node_get_object (desired), recorded);

  g_autoptr (JsonNode) live = kcctl_get (r->resource, ns, name, NULL, &error);
  if (live == NULL && kcctl_is_not_found (error))
    {
      g_clear_error (&error);
      g_autoptr (JsonNode) created
          = kcctl_create (r->resource, ns, desired, &error);
      if (created == NULL)
        {
          kcctl_print_error (error);
          return FALSE;
        }
      printf ("%s/%s created\n", display, name);
      return TRUE;
    }
  if (live == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }

  g_autoptr (JsonNode) old = last_applied_of (live);
  JsonObject *patch = json_node_get_object (desired);
  guint removed = 0;
  if (old)
    {
      JsonObject *o = json_node_get_object (old);
      removed += add_removals (
          patch, o, (const char *const[]){ "metadata", "labels", NULL });
      removed += add_removals (
          patch, o, (const char *const[]){ "metadata", "annotations", NULL });
      removed
          += add_removals (patch, o, (const char *const[]){ "spec", NULL });
    }
  if (removed == 0 && is_subset (desired, live))
    {
      printf ("%s/%s unchanged\n", display, name);
      return TRUE;
    }
  g_autoptr (JsonNode) patched = kcctl_patch (
      r->resource, ns, name, NULL, KC_PATCH_STRATEGIC, desired, &error);
  if (patched == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }
  printf ("%s/%s configured\n", display, name);
  return TRUE;
}

static gboolean
create_one (JsonNode *doc)
{
  const char *ns = NULL, *name = NULL;
  const KcctlApiResource *r = identify (doc, &ns, &name);
  if (r == NULL)
    return FALSE;
  g_autofree char *display = kcctl_resource_display (r);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) created = kcctl_create (r->resource, ns, doc, &error);
  if (created == NULL)
    {
      kcctl_print_error (error);
      return FALSE;
    }
  printf ("%s/%s created\n", display, name);
  return TRUE;
}

static int
run_files (const char *command, gboolean (*one) (JsonNode *))
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) docs = kcctl_manifest_load (files, &error);
  if (docs == NULL)
    {
      kcctl_error ("%s", error->message);
      return KCCTL_EXIT_ERROR;
    }
  if (docs->len == 0)
    {
      kcctl_error ("no objects passed to %s", command);
      return KCCTL_EXIT_ERROR;
    }
  int rc = KCCTL_EXIT_OK;
  for (guint i = 0; i < docs->len; i++)
    if (!one (docs->pdata[i]))
      rc = KCCTL_EXIT_ERROR;
  fflush (stdout);
  return rc;
}

static int
run (int argc, char **argv, const char *command, gboolean (*one) (JsonNode *))
{
  int rc = KCCTL_EXIT_ERROR;
  if (!kcctl_parse_args (&argc, &argv, "-f FILE...",
                         "Objects from manifests (YAML or JSON).", entries))
    ;
  else if (argc > 1)
    kcctl_error ("unexpected argument \"%s\": give manifests with -f",
                 argv[1]);
  else
    rc = run_files (command, one);
  g_clear_pointer (&files, g_strfreev);
  return rc;
}

int
kcctl_cmd_apply (int argc, char **argv)
{
  return run (argc, argv, "apply", apply_one);
}

int
kcctl_cmd_create (int argc, char **argv)
{
  return run (argc, argv, "create", create_one);
}
