/* Profiles from the config file: [scheduler] profiles=, [profile NAME]
 * plugins= and weights=, over the [scheduler NAME] plugin instances. */
#include "build-config.h"

#include "sched-profile.h"
#include "scheduler.h"

#include <stdlib.h>
#include <string.h>

struct _KcSchedProfiles
{
  GPtrArray *instances; /* KcPluginInstance */
  GArray *policies;     /* KcSchedPolicy, one per instance */
  GPtrArray *profiles;  /* KcSchedProfile */
  const KcSchedPolicy *queue_sort;
};

/* What the policy does, for the check that it does something. */
static gboolean
implements_a_hook (const KcSchedulerVtable *vt)
{
  return KC_VTABLE_HAS (vt, KcSchedulerVtable, pre_filter)
         || KC_VTABLE_HAS (vt, KcSchedulerVtable, filter)
         || KC_VTABLE_HAS (vt, KcSchedulerVtable, pre_score)
         || KC_VTABLE_HAS (vt, KcSchedulerVtable, score)
         || KC_VTABLE_HAS (vt, KcSchedulerVtable, reserve)
         || KC_VTABLE_HAS (vt, KcSchedulerVtable, queue_sort_compare);
}

static void
profile_free (gpointer p)
{
  KcSchedProfile *profile = p;
  g_free (profile->name);
  g_array_unref (profile->policies);
  g_free (profile);
}

void
kc_sched_profiles_free (KcSchedProfiles *profiles)
{
  if (profiles == NULL)
    return;
  g_ptr_array_unref (profiles->profiles);
  g_array_unref (profiles->policies);
  g_ptr_array_unref (profiles->instances);
  g_free (profiles);
}

static gboolean
create_instances (KcSchedProfiles *profiles, KcDaemon *daemon, GError **error)
{
  const char *data_dir = kc_config_file_get_data_dir (daemon->config);
  for (guint i = 0; i < kc_plugin_set_get_size (daemon->plugins); i++)
    {
      KcPlugin *plugin = kc_plugin_set_get (daemon->plugins, i);
      KcPluginInstance *instance = kc_plugin_instance_new (
          plugin, daemon->component, data_dir, error);
      if (instance == NULL)
        return FALSE;
      g_ptr_array_add (profiles->instances, instance);
      const char *role = kc_plugin_get_role (plugin);
      KcSchedPolicy policy = {
        .name = role + strlen ("scheduler "),
        .self = kc_plugin_instance_get_self (instance),
        .vt
        = (const KcSchedulerVtable *)kc_plugin_instance_get_vtable (instance),
        .weight = 1,
      };
      if (!implements_a_hook (policy.vt))
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "[%s] plugin=%s implements no scheduling hook (filter, "
                       "score, ...): it cannot be a policy",
                       role, kc_plugin_get_descriptor (plugin)->name);
          return FALSE;
        }
      g_array_append_val (profiles->policies, policy);
    }
  return TRUE;
}

static const KcSchedPolicy *
find_policy (KcSchedProfiles *profiles, const char *name)
{
  for (guint i = 0; i < profiles->policies->len; i++)
    {
      const KcSchedPolicy *p
          = &g_array_index (profiles->policies, KcSchedPolicy, i);
      if (strcmp (p->name, name) == 0)
        return p;
    }
  return NULL;
}

/* ---- profiles as the config file writes them ------------------------------
 */

typedef struct
{
  char *policy; /* a [scheduler NAME]'s NAME */
  gint64 weight;
} PolicyRef;

typedef struct
{
  char *name;
  GArray *refs; /* PolicyRef */
} ProfileSpec;

static void
policy_ref_clear (gpointer p)
{
  g_free (((PolicyRef *)p)->policy);
}

static void
profile_spec_free (gpointer p)
{
  ProfileSpec *spec = p;
  g_free (spec->name);
  g_array_unref (spec->refs);
  g_free (spec);
}

/* The NAMEs of the file's [scheduler NAME] groups, in file order. */
static GPtrArray *
policy_group_names (const KcConfigFile *config)
{
  GPtrArray *names = g_ptr_array_new_null_terminated (8, NULL, TRUE);
  const char *const *groups = kc_config_file_get_plugin_groups (config);
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "scheduler "))
      g_ptr_array_add (names, (gpointer)(groups[i] + strlen ("scheduler ")));
  return names;
}

static PolicyRef *
find_ref (ProfileSpec *spec, const char *policy)
{
  for (guint i = 0; i < spec->refs->len; i++)
    {
      PolicyRef *r = &g_array_index (spec->refs, PolicyRef, i);
      if (strcmp (r->policy, policy) == 0)
        return r;
    }
  return NULL;
}

static gboolean
add_ref (ProfileSpec *spec, GPtrArray *known, const char *group,
         const char *name, GError **error)
{
  if (!g_ptr_array_find_with_equal_func (known, name, g_str_equal, NULL))
    {
      g_autofree char *list = g_strjoinv (", ", (char **)known->pdata);
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "[%s] plugins: '%s' has no [scheduler %s] group (policy "
                   "groups in this file: %s)",
                   group, name, name, known->len ? list : "none");
      return FALSE;
    }
  if (find_ref (spec, name))
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "[%s] plugins: '%s' is listed twice", group, name);
      return FALSE;
    }
  PolicyRef ref = { g_strdup (name), 1 };
  g_array_append_val (spec->refs, ref);
  return TRUE;
}

/* weights=NAME=WEIGHT;... over the profile's policies. */
static gboolean
apply_weights (ProfileSpec *spec, const char *group,
               const KcConfigGroup *settings, GError **error)
{
  g_auto (GStrv) weights = kc_config_group_get_list (settings, "weights");
  for (guint i = 0; weights[i]; i++)
    {
      const char *eq = strchr (weights[i], '=');
      g_autofree char *name
          = eq ? g_strndup (weights[i], eq - weights[i]) : NULL;
      char *end = NULL;
      gint64 weight = eq ? g_ascii_strtoll (eq + 1, &end, 10) : 0;
      if (eq == NULL || end == eq + 1 || *end != '\0' || weight < 1
          || weight > 100)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "[%s] weights: '%s' is not NAME=WEIGHT with a weight "
                       "from 1 to 100",
                       group, weights[i]);
          return FALSE;
        }
      PolicyRef *ref = find_ref (spec, name);
      if (ref == NULL)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "[%s] weights: '%s' is not in this profile's plugins",
                       group, name);
          return FALSE;
        }
      ref->weight = weight;
    }
  return TRUE;
}

static ProfileSpec *
read_profile (const KcConfigFile *config, GPtrArray *known, const char *name,
              GError **error)
{
  g_autofree char *group = g_strdup_printf ("profile %s", name);
  const KcConfigGroup *settings = kc_config_file_get_component (config, group);
  ProfileSpec *spec = g_new0 (ProfileSpec, 1);
  spec->name = g_strdup (name);
  spec->refs = g_array_new (FALSE, TRUE, sizeof (PolicyRef));
  g_array_set_clear_func (spec->refs, policy_ref_clear);

  if (settings == NULL)
    {
      /* No [profile NAME]: every policy, in file order, weight 1. */
      for (guint i = 0; i < known->len; i++)
        add_ref (spec, known, group, g_ptr_array_index (known, i), NULL);
    }
  else
    {
      g_auto (GStrv) names = kc_config_group_get_list (settings, "plugins");
      for (guint i = 0; names[i]; i++)
        if (!add_ref (spec, known, group, names[i], error))
          goto fail;
      if (!apply_weights (spec, group, settings, error))
        goto fail;
    }
  if (spec->refs->len == 0)
    {
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_MISSING_GROUP,
                   "scheduler profile '%s' has no policy plugins: add "
                   "[scheduler NAME] plugin=... groups (and [%s] plugins=)",
                   name, group);
      goto fail;
    }
  return spec;
fail:
  profile_spec_free (spec);
  return NULL;
}

/* Every profile of [scheduler] profiles=, checked against the file's
 * groups.  (transfer full) ProfileSpec array, or NULL with @error. */
static GPtrArray *
read_profiles (const KcConfigFile *config, GError **error)
{
  const KcConfigGroup *settings
      = kc_config_file_get_component (config, "scheduler");
  g_auto (GStrv) names = kc_config_group_get_list (settings, "profiles");
  g_autoptr (GPtrArray) known = policy_group_names (config);
  g_autoptr (GPtrArray) specs
      = g_ptr_array_new_with_free_func (profile_spec_free);

  for (guint i = 0; names[i]; i++)
    {
      if (g_strv_contains ((const char *const *)names + i + 1, names[i]))
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "[scheduler] profiles: '%s' is listed twice", names[i]);
          return NULL;
        }
      ProfileSpec *spec = read_profile (config, known, names[i], error);
      if (spec == NULL)
        return NULL;
      g_ptr_array_add (specs, spec);
    }
  /* A [profile NAME] nobody serves is a typo waiting to confuse. */
  g_auto (GStrv) groups
      = g_key_file_get_groups (kc_config_file_get_key_file (config), NULL);
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], "profile ")
        && !g_strv_contains ((const char *const *)names,
                             groups[i] + strlen ("profile ")))
      {
        g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                     "[%s] is not listed in [scheduler] profiles=", groups[i]);
        return NULL;
      }
  return g_steal_pointer (&specs);
}

gboolean
kc_scheduler_check_config (const KcConfigFile *config, GError **error)
{
  g_autoptr (GPtrArray) specs = read_profiles (config, error);
  return specs != NULL;
}

static KcSchedProfile *
build_profile (KcSchedProfiles *profiles, ProfileSpec *spec)
{
  KcSchedProfile *profile = g_new0 (KcSchedProfile, 1);
  profile->name = g_strdup (spec->name);
  profile->policies = g_array_new (FALSE, FALSE, sizeof (KcSchedPolicy));
  for (guint i = 0; i < spec->refs->len; i++)
    {
      PolicyRef *ref = &g_array_index (spec->refs, PolicyRef, i);
      KcSchedPolicy policy = *find_policy (profiles, ref->policy);
      policy.weight = ref->weight;
      g_array_append_val (profile->policies, policy);
    }
  return profile;
}

/* One queue serves every profile, so at most one queue-sort policy. */
static gboolean
find_queue_sort (KcSchedProfiles *profiles, GError **error)
{
  for (guint i = 0; i < profiles->profiles->len; i++)
    {
      KcSchedProfile *profile = g_ptr_array_index (profiles->profiles, i);
      for (guint j = 0; j < profile->policies->len; j++)
        {
          const KcSchedPolicy *p
              = &g_array_index (profile->policies, KcSchedPolicy, j);
          if (!KC_VTABLE_HAS (p->vt, KcSchedulerVtable, queue_sort_compare))
            continue;
          if (profiles->queue_sort
              && strcmp (profiles->queue_sort->name, p->name) != 0)
            {
              g_set_error (error, KC_CONFIG_ERROR,
                           KC_CONFIG_ERROR_INVALID_VALUE,
                           "two queue-sort policies (%s and %s): all "
                           "profiles share one queue, so at most one may "
                           "sort it",
                           profiles->queue_sort->name, p->name);
              return FALSE;
            }
          profiles->queue_sort = find_policy (profiles, p->name);
        }
    }
  return TRUE;
}

KcSchedProfiles *
kc_sched_profiles_new (KcDaemon *daemon, GError **error)
{
  g_autoptr (KcSchedProfiles) profiles = g_new0 (KcSchedProfiles, 1);
  profiles->instances = g_ptr_array_new_with_free_func (
      (GDestroyNotify)kc_plugin_instance_free);
  profiles->policies = g_array_new (FALSE, FALSE, sizeof (KcSchedPolicy));
  profiles->profiles = g_ptr_array_new_with_free_func (profile_free);

  g_autoptr (GPtrArray) specs = read_profiles (daemon->config, error);
  if (specs == NULL || !create_instances (profiles, daemon, error))
    return NULL;
  for (guint i = 0; i < specs->len; i++)
    g_ptr_array_add (profiles->profiles,
                     build_profile (profiles, g_ptr_array_index (specs, i)));
  if (!find_queue_sort (profiles, error))
    return NULL;
  return g_steal_pointer (&profiles);
}

const KcSchedProfile *
kc_sched_profiles_find (const KcSchedProfiles *profiles,
                        const char *scheduler_name)
{
  for (guint i = 0; i < profiles->profiles->len; i++)
    {
      KcSchedProfile *p = g_ptr_array_index (profiles->profiles, i);
      if (strcmp (p->name, scheduler_name) == 0)
        return p;
    }
  return NULL;
}

guint
kc_sched_profiles_get_size (const KcSchedProfiles *profiles)
{
  return profiles->profiles->len;
}

const KcSchedProfile *
kc_sched_profiles_get (const KcSchedProfiles *profiles, guint index)
{
  return g_ptr_array_index (profiles->profiles, index);
}

const KcSchedPolicy *
kc_sched_profiles_get_queue_sort (const KcSchedProfiles *profiles)
{
  return profiles->queue_sort;
}
