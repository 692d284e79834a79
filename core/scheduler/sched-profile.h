/* Profiles: the policy plugins (and their score weights) that schedule the
 * pods whose spec.schedulerName names the profile.  Main thread only. */
#pragma once

#include "daemon.h"
#include "plugin-loader.h"

#include <kcore/scheduler.h>

G_BEGIN_DECLS

/* One policy plugin instance as a profile uses it. */
typedef struct
{
  const char *name; /* its [scheduler NAME] */
  gpointer self;
  const KcSchedulerVtable *vt;
  gint64 weight; /* score weight, >= 1 */
} KcSchedPolicy;

typedef struct
{
  char *name;       /* the schedulerName it serves */
  GArray *policies; /* KcSchedPolicy, in config order */
} KcSchedProfile;

typedef struct _KcSchedProfiles KcSchedProfiles;

/* Creates one instance per [scheduler NAME] plugin of @daemon and the
 * profiles of [scheduler] profiles= from their [profile NAME] groups (a
 * profile without a group uses every policy plugin, weight 1).  Errors
 * name the config group and key.  (transfer full) */
KcSchedProfiles *kc_sched_profiles_new (KcDaemon *daemon, GError **error);
void kc_sched_profiles_free (KcSchedProfiles *profiles);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcSchedProfiles, kc_sched_profiles_free)

/* (transfer none) the profile serving @scheduler_name, or NULL. */
const KcSchedProfile *kc_sched_profiles_find (const KcSchedProfiles *profiles,
                                              const char *scheduler_name);
guint kc_sched_profiles_get_size (const KcSchedProfiles *profiles);
const KcSchedProfile *kc_sched_profiles_get (const KcSchedProfiles *profiles,
                                             guint index);
/* (transfer none) the policy implementing queue_sort_compare, or NULL. */
const KcSchedPolicy *
kc_sched_profiles_get_queue_sort (const KcSchedProfiles *profiles);

G_END_DECLS
