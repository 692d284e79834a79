/* Resource names as people type them ("po", "deploy", "pods",
 * "deployment.apps", "deployments.v1.apps") and as manifests name them
 * (apiVersion + kind), resolved against the server's discovery documents
 * (/api/v1, /apis, /apis/G/V) so new resources need no change here. */
#include "build-config.h"

#include "kcorectl.h"

#include <string.h>

static GPtrArray *resources; /* of KcctlApiResource * */

static void
api_resource_free (gpointer data)
{
  KcctlApiResource *r = data;
  g_free (r->group);
  g_free (r->version);
  g_free (r->name);
  g_free (r->singular);
  g_free (r->kind);
  g_strfreev (r->short_names);
  kc_resource_unref (r->resource);
  g_free (r);
}

void
kcctl_discovery_clear (void)
{
  g_clear_pointer (&resources, g_ptr_array_unref);
}

static char **
string_array (JsonObject *obj, const char *member)
{
  JsonArray *a = kcctl_member_array (obj, member);
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    g_ptr_array_add (out, g_strdup (json_array_get_string_element (a, i)));
  g_ptr_array_add (out, NULL);
  return (char **)g_ptr_array_free (out, FALSE);
}

static gboolean
add_resource_list (const char *group, const char *version, GError **error)
{
  g_autofree char *path = group[0]
                              ? g_strdup_printf ("/apis/%s/%s", group, version)
                              : g_strdup_printf ("/api/%s", version);
  g_autoptr (JsonNode) list = kcctl_request ("GET", path, NULL, NULL, error);
  if (list == NULL)
    return FALSE;
  JsonArray *items
      = kcctl_member_array (json_node_get_object (list), "resources");
  for (guint i = 0; items && i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      const char *name = kcctl_member_string (o, "name", "");
      if (strchr (name, '/'))
        continue; /* a subresource */
      KcctlApiResource *r = g_new0 (KcctlApiResource, 1);
      r->group = g_strdup (group);
      r->version = g_strdup (version);
      r->name = g_strdup (name);
      r->singular = g_strdup (kcctl_member_string (o, "singularName", ""));
      r->kind = g_strdup (kcctl_member_string (o, "kind", ""));
      if (r->singular[0] == '\0')
        {
          g_free (r->singular);
          r->singular = g_ascii_strdown (r->kind, -1);
        }
      r->namespaced = json_object_get_boolean_member_with_default (
          o, "namespaced", FALSE);
      r->short_names = string_array (o, "shortNames");
      r->resource = kc_resource_new (group, version, name);
      g_ptr_array_add (resources, r);
    }
  return TRUE;
}

static gboolean
load_all (GError **error)
{
  if (!add_resource_list ("", "v1", error))
    return FALSE;
  g_autoptr (JsonNode) groups
      = kcctl_request ("GET", "/apis", NULL, NULL, error);
  if (groups == NULL)
    return FALSE;
  JsonArray *list
      = kcctl_member_array (json_node_get_object (groups), "groups");
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonObject *g = json_array_get_object_element (list, i);
      JsonObject *pref = kcctl_member_object (g, "preferredVersion");
      const char *name = kcctl_member_string (g, "name", NULL);
      const char *version = kcctl_member_string (pref, "version", NULL);
      if (name && version && !add_resource_list (name, version, error))
        return FALSE;
    }
  return TRUE;
}

GPtrArray *
kcctl_discovery (GError **error)
{
  if (resources)
    return resources;
  resources = g_ptr_array_new_with_free_func (api_resource_free);
  if (!load_all (error))
    kcctl_discovery_clear ();
  return resources;
}

static gboolean
matches (const KcctlApiResource *r, const char *name)
{
  if (g_ascii_strcasecmp (r->name, name) == 0
      || g_ascii_strcasecmp (r->singular, name) == 0
      || g_ascii_strcasecmp (r->kind, name) == 0)
    return TRUE;
  for (char **s = r->short_names; s && *s; s++)
    if (g_ascii_strcasecmp (*s, name) == 0)
      return TRUE;
  return FALSE;
}

const KcctlApiResource *
kcctl_resolve_resource (const char *text, GError **error)
{
  GPtrArray *all = kcctl_discovery (error);
  if (all == NULL)
    return NULL;
  /* "deployments.v1.apps", "deployment.apps", or a bare name. */
  g_auto (GStrv) parts = g_strsplit (text, ".", 3);
  guint n = g_strv_length (parts);
  const char *group = NULL, *version = NULL;
  if (n == 2)
    group = parts[1];
  else if (n == 3)
    {
      g_autofree char *rest = g_strdup (text + strlen (parts[0]) + 1);
      /* Either VERSION.GROUP (version has no dot) or a dotted group. */
      const char *dot = strchr (rest, '.');
      for (guint i = 0; i < all->len; i++)
        {
          const KcctlApiResource *r = all->pdata[i];
          if (matches (r, parts[0]) && strcmp (r->group, rest) == 0)
            return r;
        }
      version = parts[1];
      group = text + strlen (parts[0]) + 1 + (dot - rest) + 1;
    }
  for (guint i = 0; i < all->len; i++)
    {
      const KcctlApiResource *r = all->pdata[i];
      if (!matches (r, parts[0]))
        continue;
      if (group && strcmp (r->group, group) != 0)
        continue;
      if (version && strcmp (r->version, version) != 0)
        continue;
      return r;
    }
  g_set_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_FAILED,
               "the server doesn't have a resource type \"%s\" (see "
               "kcorectl api-resources)",
               text);
  return NULL;
}

const KcctlApiResource *
kcctl_resource_for_kind (const char *api_version, const char *kind,
                         GError **error)
{
  GPtrArray *all = kcctl_discovery (error);
  if (all == NULL)
    return NULL;
  const char *slash = strchr (api_version, '/');
  g_autofree char *group
      = slash ? g_strndup (api_version, slash - api_version) : g_strdup ("");
  const char *version = slash ? slash + 1 : api_version;
  for (guint i = 0; i < all->len; i++)
    {
      const KcctlApiResource *r = all->pdata[i];
      if (strcmp (r->kind, kind) == 0 && strcmp (r->group, group) == 0
          && strcmp (r->version, version) == 0)
        return r;
    }
  g_set_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_FAILED,
               "no matches for kind \"%s\" in version \"%s\"", kind,
               api_version);
  return NULL;
}

char *
kcctl_resource_display (const KcctlApiResource *r)
{
  g_autofree char *lower = g_ascii_strdown (r->kind, -1);
  if (r->group[0] == '\0')
    return g_steal_pointer (&lower);
  return g_strdup_printf ("%s.%s", lower, r->group);
}

const char *
kcctl_namespace_for (const KcctlApiResource *r, const char *ns)
{
  if (!r->namespaced)
    return NULL;
  if (ns && *ns)
    return ns;
  if (kcctl_global.namespace)
    return kcctl_global.namespace;
  return "default";
}

const KcctlApiResource *
kcctl_resolve_args (int argc, char **argv, GPtrArray **names, GError **error)
{
  *names = g_ptr_array_new_with_free_func (g_free);
  if (argc < 2)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "you must specify the type of resource (e.g. pods, "
                   "deployments; see kcorectl api-resources)");
      return NULL;
    }
  const char *slash = strchr (argv[1], '/');
  if (slash)
    {
      /* TYPE/NAME [TYPE/NAME...]: all of one type here. */
      g_autofree char *type = g_strndup (argv[1], slash - argv[1]);
      const KcctlApiResource *r = kcctl_resolve_resource (type, error);
      if (r == NULL)
        return NULL;
      for (int i = 1; i < argc; i++)
        {
          const char *s = strchr (argv[i], '/');
          if (s == NULL || strncmp (argv[i], type, s - argv[i]) != 0)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           "\"%s\": give every object as %s/NAME", argv[i],
                           type);
              return NULL;
            }
          g_ptr_array_add (*names, g_strdup (s + 1));
        }
      return r;
    }
  const KcctlApiResource *r = kcctl_resolve_resource (argv[1], error);
  if (r == NULL)
    return NULL;
  for (int i = 2; i < argc; i++)
    g_ptr_array_add (*names, g_strdup (argv[i]));
  return r;
}

/* ---- Several types at once (get) ------------------------------------------ */

void
kcctl_target_free (KcctlTarget *target)
{
  g_ptr_array_unref (target->names);
  g_free (target);
}

/* The target of @r in @targets, added at the end when new: targets keep
 * the order they were first named in. */
static KcctlTarget *
target_for (GPtrArray *targets, const KcctlApiResource *r)
{
  for (guint i = 0; i < targets->len; i++)
    {
      KcctlTarget *t = targets->pdata[i];
      if (t->r == r)
        return t;
    }
  KcctlTarget *t = g_new0 (KcctlTarget, 1);
  t->r = r;
  t->names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (targets, t);
  return t;
}

static gboolean
add_named_targets (GPtrArray *targets, int argc, char **argv, GError **error)
{
  for (int i = 1; i < argc; i++)
    {
      const char *slash = strchr (argv[i], '/');
      if (slash == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       "there is no need to specify a resource type as a "
                       "separate argument when passing arguments in "
                       "resource/name form (e.g. 'kcorectl get "
                       "resource/<resource_name>' instead of 'kcorectl get "
                       "resource resource/<resource_name>')");
          return FALSE;
        }
      g_autofree char *type = g_strndup (argv[i], slash - argv[i]);
      if (type[0] == '\0' || slash[1] == '\0' || strchr (type, ',')
          || strchr (slash + 1, '/'))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       "\"%s\": expected TYPE/NAME, e.g. pod/web-1",
                       argv[i]);
          return FALSE;
        }
      const KcctlApiResource *r = kcctl_resolve_resource (type, error);
      if (r == NULL)
        return FALSE;
      g_ptr_array_add (target_for (targets, r)->names, g_strdup (slash + 1));
    }
  return TRUE;
}

static gboolean
add_typed_targets (GPtrArray *targets, int argc, char **argv, GError **error)
{
  g_auto (GStrv) types = g_strsplit (argv[1], ",", -1);
  for (guint i = 0; types[i]; i++)
    {
      if (types[i][0] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       "\"%s\": an empty resource type in the list (expected "
                       "TYPE[,TYPE...], e.g. deploy,svc)",
                       argv[1]);
          return FALSE;
        }
      const KcctlApiResource *r = kcctl_resolve_resource (types[i], error);
      if (r == NULL)
        return FALSE;
      KcctlTarget *t = target_for (targets, r);
      if (t->names->len > 0)
        continue; /* the same type twice ("po,pods") */
      for (int n = 2; n < argc; n++)
        g_ptr_array_add (t->names, g_strdup (argv[n]));
    }
  return TRUE;
}

GPtrArray *
kcctl_resolve_targets (int argc, char **argv, GError **error)
{
  if (argc < 2)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "you must specify the type of resource (e.g. pods, "
                   "deployments; see kcorectl api-resources)");
      return NULL;
    }
  g_autoptr (GPtrArray) targets
      = g_ptr_array_new_with_free_func ((GDestroyNotify) kcctl_target_free);
  gboolean named = strchr (argv[1], '/') != NULL;
  for (int i = 2; i < argc && !named; i++)
    named = strchr (argv[i], '/') != NULL;
  if (named ? !add_named_targets (targets, argc, argv, error)
            : !add_typed_targets (targets, argc, argv, error))
    return NULL;
  return g_steal_pointer (&targets);
}
