/* The supervisor: `kcore --config FILE` without --component.  It starts one
 * process per component named in [kcore] components= (this same program,
 * with --component NAME), restarts one that dies with exponential back-off,
 * and on SIGTERM/SIGINT stops them all in reverse start order (SIGTERM,
 * then SIGKILL after [kcore] stop-timeout-seconds) and returns 0. */
#pragma once

#include "config-file.h"

G_BEGIN_DECLS

/* Runs until stopped by a signal.  @config_path, @overrides and @log_level
 * are passed on to every component.  Main thread; owns the default main
 * context while it runs. */
int kc_supervisor_run (const KcConfigFile *config, const char *config_path,
                       const char *const *overrides, const char *log_level);

G_END_DECLS
