/* The daemon's log writer (see log.h). */
#include "build-config.h"

#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *log_component;
static GLogLevelFlags log_threshold = G_LOG_LEVEL_MESSAGE;

static const struct
{
  const char *name;
  GLogLevelFlags level;
} levels[] = {
  { "error", G_LOG_LEVEL_CRITICAL },
  { "warning", G_LOG_LEVEL_WARNING },
  { "message", G_LOG_LEVEL_MESSAGE },
  { "info", G_LOG_LEVEL_INFO },
  { "debug", G_LOG_LEVEL_DEBUG },
};

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "FATAL";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "ERROR";
  if (level & G_LOG_LEVEL_WARNING)
    return "WARNING";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "NOTICE";
  if (level & G_LOG_LEVEL_INFO)
    return "INFO";
  return "DEBUG";
}

/* GLogLevelFlags grow less severe as their value grows. */
static gboolean
level_enabled (GLogLevelFlags level)
{
  return (level & G_LOG_LEVEL_MASK) <= log_threshold;
}

static GLogWriterOutput
write_line (GLogLevelFlags log_level, const GLogField *fields,
            gsize n_fields, gpointer user_data)
{
  if (!level_enabled (log_level & G_LOG_LEVEL_MASK))
    return G_LOG_WRITER_HANDLED;

  const char *message = "";
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;

  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%FT%T.%fZ");
  /* One fprintf per line so lines from threads do not interleave. */
  fprintf (stderr, "%.23sZ kcore[%s/%d] %s: %s\n", stamp,
           log_component ? log_component : "kcore", (int) getpid (),
           level_name (log_level), message);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

gboolean
kc_log_level_is_valid (const char *level)
{
  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    if (strcmp (levels[i].name, level) == 0)
      return TRUE;
  return FALSE;
}

void
kc_log_init (const char *component, const char *level)
{
  g_free (log_component);
  log_component = g_strdup (component);
  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    if (level && strcmp (levels[i].name, level) == 0)
      log_threshold = levels[i].level;

  static gboolean installed;
  if (!installed)
    {
      g_log_set_writer_func (write_line, NULL, NULL);
      installed = TRUE;
    }
}
