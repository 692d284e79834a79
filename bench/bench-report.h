/* How the benchmarks print: one figure per line, "<metric> <value> <unit>",
 * and problems as "# ERROR ..." lines that do not stop the run. */
#pragma once

#include <glib.h>

/* Prints a figure, as an integer when it is one.  Flushes. */
void bench_figure (const char *metric, double value, const char *unit);

/* Reports a problem the reader must see (on stdout as "# ERROR ..." and on
 * stderr); the other figures are still measured, and the program's exit
 * status becomes 1. */
void bench_fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* 0, or 1 once bench_fail() was called. */
int bench_exit_status (void);
