/* The scheduler component: binds pending pods to nodes through the policy
 * plugins of its profiles, while it holds its leader Lease. */
#pragma once

#include "component.h"

G_BEGIN_DECLS

extern const KcConfigKey kc_scheduler_config_keys[];
extern const KcConfigKey kc_scheduler_profile_keys[];

/* The checks of kc_sched_profiles_check_config (sched-profile.h). */
gboolean kc_scheduler_check_config (const KcConfigFile *config,
                                    GError **error);

/* Runs the scheduler until SIGTERM/SIGINT.  Returns the exit status. */
int kc_scheduler_run (KcDaemon *daemon, GError **error);

G_END_DECLS
