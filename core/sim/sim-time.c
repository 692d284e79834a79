/* Timestamps as Kubernetes writes them, and spreading periodic work. */
#include "build-config.h"

#include "sim.h"

static char *
format (gint64 real_us, const char *fmt)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (real_us
                                                           / G_USEC_PER_SEC);
  g_autoptr (GDateTime) exact = g_date_time_add (t, real_us % G_USEC_PER_SEC);
  return g_date_time_format (exact, fmt);
}

char *
sim_time_format (gint64 real_us)
{
  return format (real_us, "%Y-%m-%dT%H:%M:%SZ");
}

char *
sim_time_format_micro (gint64 real_us)
{
  /* %f: microseconds, six digits, as metav1.MicroTime. */
  return format (real_us, "%Y-%m-%dT%H:%M:%S.%fZ");
}

gint64
sim_time_parse (const char *text)
{
  if (text == NULL)
    return 0;
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (text, NULL);
  if (t == NULL)
    return 0;
  return g_date_time_to_unix (t) * G_USEC_PER_SEC
         + g_date_time_get_microsecond (t);
}

gint64
sim_time_next_slot (gint64 after, gint64 origin_us, gint64 period_us,
                    gint64 phase_us)
{
  gint64 first = origin_us + phase_us;
  if (after <= first)
    return first;
  gint64 k = (after - first + period_us - 1) / period_us;
  return first + k * period_us;
}
