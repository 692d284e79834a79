/* The table of components.  A component arrives by adding its row here. */
#include "build-config.h"

#include "component.h"

#include "apiserver/apiserver.h"
#include "scheduler/scheduler.h"
#include <string.h>

static const char *const apiserver_roles[] = { "store", NULL };
static const char *const scheduler_roles[] = { "scheduler", NULL };
static const char *const no_roles[] = { NULL };

static const KcComponentInfo components[] = {
  { "apiserver", kc_apiserver_config_keys, apiserver_roles, apiserver_roles,
    kc_apiserver_run, NULL, NULL, NULL },
  { "scheduler", kc_scheduler_config_keys, scheduler_roles, no_roles,
    kc_scheduler_run, "profile", kc_scheduler_profile_keys,
    kc_scheduler_check_config },
};

const KcComponentInfo *
kc_component_find (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (components); i++)
    if (strcmp (components[i].name, name) == 0)
      return &components[i];
  return NULL;
}

const KcComponentInfo *
kc_component_find_subgroup_owner (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (components); i++)
    {
      const char *prefix = components[i].subgroup_prefix;
      gsize n = prefix ? strlen (prefix) : 0;
      if (prefix && strncmp (group, prefix, n) == 0 && group[n] == ' '
          && group[n + 1] != '\0' && strchr (group + n + 1, ' ') == NULL)
        return &components[i];
    }
  return NULL;
}

char *
kc_component_list_names (void)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (components); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", components[i].name);
  return g_string_free (s, FALSE);
}

static gboolean
group_has_role_prefix (const char *group, const char *prefix)
{
  gsize n = strlen (prefix);
  return strncmp (group, prefix, n) == 0
         && (group[n] == '\0' || group[n] == ' ');
}

gboolean
kc_component_hosts_role (const KcComponentInfo *component, const char *group)
{
  for (guint i = 0; component->role_prefixes[i]; i++)
    if (group_has_role_prefix (group, component->role_prefixes[i]))
      return TRUE;
  return FALSE;
}
