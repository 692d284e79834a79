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
