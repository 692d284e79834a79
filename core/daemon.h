/* What a component process is given to run: its checked config and the
 * plugins it hosts, already loaded.  Internal to the daemon. */
#pragma once

#include "config-file.h"
#include "plugin-set.h"

G_BEGIN_DECLS

struct _KcDaemon
{
  const KcConfigFile *config;
  KcPluginSet *plugins;          /* the plugins this component hosts */
  const char *component;         /* its name */
  const KcConfigGroup *settings; /* its config group, checked */
};

G_END_DECLS
