/* Helpers shared by the daemon's tests. */
#pragma once

#include <glib.h>
#include <string.h>

/* The build tree ($KCORE_BUILDDIR, set by `make check`; else the current
 * directory) joined with @relative.  (transfer full) */
static inline char *
kc_test_build_path (const char *relative)
{
  const char *top = g_getenv ("KCORE_BUILDDIR");
  g_autofree char *cwd = g_get_current_dir ();
  return g_build_filename (top ? top : cwd, relative, NULL);
}

#ifdef KC_TEST_WITH_PLUGINS
#include "plugin-loader.h"

/* A fresh instance of the build tree's memory store, for tests of code
 * that sits on a store.  (transfer full) both; free the instance first. */
static inline KcPluginInstance *
kc_test_open_memory_store (KcPlugin **out_plugin)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = kc_test_build_path ("plugins");
  const char *const path[] = { dir, NULL };
  KcPlugin *plugin = kc_plugin_load ("store", KC_PLUGIN_KIND_STORE, "memory",
                                     path, &error);
  g_assert_no_error (error);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_assert_true (kc_plugin_configure (plugin, kf, "store", NULL, "test",
                                      "/tmp", &error));
  KcPluginInstance *instance = kc_plugin_instance_new (plugin, "test", "/tmp",
                                                       &error);
  g_assert_no_error (error);
  *out_plugin = plugin;
  return instance;
}
#endif
