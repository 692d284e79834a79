/* KcResource: group/version/plural and the REST paths built from them. */
#include "client-private.h"

struct _KcResource
{
  gint refcount;
  char *group, *version, *plural;
};

KcResource *
kc_resource_new (const char *group, const char *version, const char *plural)
{
  g_return_val_if_fail (version && plural, NULL);
  KcResource *r = g_new0 (KcResource, 1);
  r->refcount = 1;
  r->group = g_strdup (group ? group : "");
  r->version = g_strdup (version);
  r->plural = g_strdup (plural);
  return r;
}

KcResource *
kc_resource_ref (KcResource *resource)
{
  g_atomic_int_inc (&resource->refcount);
  return resource;
}

void
kc_resource_unref (KcResource *resource)
{
  if (!resource || !g_atomic_int_dec_and_test (&resource->refcount))
    return;
  g_free (resource->group);
  g_free (resource->version);
  g_free (resource->plural);
  g_free (resource);
}

const char *
kc_resource_get_group (const KcResource *resource)
{
  return resource->group;
}

const char *
kc_resource_get_version (const KcResource *resource)
{
  return resource->version;
}

const char *
kc_resource_get_plural (const KcResource *resource)
{
  return resource->plural;
}

char *
kc_resource_build_path (const KcResource *r, const char *namespace,
                        const char *name, const char *subresource)
{
  GString *p = g_string_new (NULL);
  if (*r->group)
    g_string_append_printf (p, "/apis/%s/%s", r->group, r->version);
  else
    g_string_append_printf (p, "/api/%s", r->version);
  if (namespace && *namespace)
    {
      g_string_append (p, "/namespaces/");
      g_string_append_uri_escaped (p, namespace, NULL, FALSE);
    }
  g_string_append_printf (p, "/%s", r->plural);
  if (name && *name)
    {
      g_string_append_c (p, '/');
      g_string_append_uri_escaped (p, name, NULL, FALSE);
      if (subresource && *subresource)
        g_string_append_printf (p, "/%s", subresource);
    }
  return g_string_free (p, FALSE);
}
