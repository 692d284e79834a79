/* The components kcore can run, each as its own process. */
#pragma once

#include <glib.h>
#include <kcore/config.h>

G_BEGIN_DECLS

typedef struct _KcDaemon KcDaemon;
typedef struct _KcConfigFile KcConfigFile;

typedef struct
{
  const char *name;               /* "apiserver"; also its config group */
  const KcConfigKey *keys;        /* options of its config group */
  const char *const *role_prefixes; /* plugin roles it hosts: "store" hosts
                                       [store]; "controller" hosts every
                                       [controller NAME] */
  const char *const *required_roles; /* plugin groups it cannot run
                                        without */
  /* Runs the component until SIGTERM/SIGINT; returns the exit status. */
  int (*run) (KcDaemon *daemon, GError **error);
  /* Named groups of its own, e.g. the scheduler's [profile NAME]: the
   * prefix ("profile") and the keys each such group takes; NULL when the
   * component has none. */
  const char *subgroup_prefix;
  const KcConfigKey *subgroup_keys;
  /* Checks what its key tables cannot: how its groups refer to each other
   * (e.g. a profile naming a policy group that does not exist).  Called by
   * kc_config_file_load() for every component the file runs; NULL when
   * there is nothing more to check. */
  gboolean (*check) (const KcConfigFile *config, GError **error);
} KcComponentInfo;

/* (transfer none) the component called @name, or NULL. */
const KcComponentInfo *kc_component_find (const char *name);

/* (transfer full) "apiserver, ..." for messages. */
char *kc_component_list_names (void);

/* (transfer none) the component owning the named group @group (e.g.
 * "profile default-scheduler"), or NULL. */
const KcComponentInfo *kc_component_find_subgroup_owner (const char *group);

/* TRUE when @component hosts the plugin role of config group @group. */
gboolean kc_component_hosts_role (const KcComponentInfo *component,
                                  const char *group);

G_END_DECLS
