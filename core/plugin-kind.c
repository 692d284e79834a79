/* Names of plugin kinds, shared by the loader, the CLI and messages. */
#include "build-config.h"

#include <kcore/plugin.h>

const char *
kc_plugin_kind_to_string (guint32 kind)
{
  switch (kind)
    {
    case KC_PLUGIN_KIND_STORE:
      return "store";
    case KC_PLUGIN_KIND_SCHEDULER:
      return "scheduler";
    case KC_PLUGIN_KIND_CONTROLLER:
      return "controller";
    case KC_PLUGIN_KIND_RUNTIME:
      return "runtime";
    default:
      return "unknown";
    }
}
