/* A validating scan over JSON text, for the hot paths that need one or two
 * members of an object and not its whole tree (served-json.c,
 * selectable-fields.c).  It accepts exactly JSON's grammar (what
 * kc_object_parse() accepts, given valid UTF-8 checked by the caller) up to
 * KC_JSON_MAX_DEPTH levels.  Pure functions, any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *p;   /* the next byte to read */
  const char *end; /* one past the last */
  int depth;
} KcJsonScan;

/* Skips white space. */
void kc_json_scan_skip_ws (KcJsonScan *s);

/* Skips white space; TRUE when the next byte is @c (not consumed). */
gboolean kc_json_scan_at (KcJsonScan *s, char c);

/* A string at the scan: its raw contents are [*start, *start + *len), and
 * *escaped says whether they hold a backslash (then the raw bytes are not
 * its value). */
gboolean kc_json_scan_scan_string (KcJsonScan *s, const char **start,
                                   gsize *len, gboolean *escaped);

/* Skips one value of any kind. */
gboolean kc_json_scan_skip_value (KcJsonScan *s);

/* Skips the object or array at the scan (the byte there is '{' or '['),
 * @close its closing byte.  For an object, @watch (nullable) names a key:
 * *matched is set when a member has it (or an escaped key that might). */
gboolean kc_json_scan_skip_container (KcJsonScan *s, char close,
                                      const char *watch, gboolean *matched);

G_END_DECLS
