/* The benchmarks' output (bench-report.h). */
#include "build-config.h"

#include "bench-report.h"

#include <stdio.h>

static int exit_status;

void
bench_figure (const char *metric, double value, const char *unit)
{
  if (value == (gint64) value && value < 1e15 && value > -1e15)
    printf ("%s %" G_GINT64_FORMAT " %s\n", metric, (gint64) value, unit);
  else
    printf ("%s %.3f %s\n", metric, value, unit);
  fflush (stdout);
}

void
bench_fail (const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\n", g_get_prgname () ? g_get_prgname () : "bench",
           text);
  printf ("# ERROR %s\n", text);
  fflush (stdout);
  exit_status = 1;
}

int
bench_exit_status (void)
{
  return exit_status;
}
