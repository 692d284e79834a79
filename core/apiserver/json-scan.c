/* The validating JSON scan (json-scan.h). */
#include "build-config.h"

#include "json-scan.h"

#include "api-object.h"

#include <string.h>

void
kc_json_scan_skip_ws (KcJsonScan *s)
{
  while (s->p < s->end
         && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

gboolean
kc_json_scan_at (KcJsonScan *s, char c)
{
  kc_json_scan_skip_ws (s);
  return s->p < s->end && *s->p == c;
}

/* An escape at s->p (a backslash): \" \\ \/ \b \f \n \r \t or \uXXXX. */
static gboolean
kc_json_scan_skip_escape (KcJsonScan *s)
{
  if (s->end - s->p < 2)
    return FALSE;
  char e = s->p[1];
  s->p += 2;
  if (strchr ("\"\\/bfnrt", e) != NULL && e != '\0')
    return TRUE;
  if (e != 'u' || s->end - s->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (!g_ascii_isxdigit (*s->p++))
      return FALSE;
  return TRUE;
}

/* A string at s->p: its contents in [*start, *start + *len), *escaped when
 * it holds a backslash (then the raw bytes are not its value). */
gboolean
kc_json_scan_scan_string (KcJsonScan *s, const char **start, gsize *len,
                          gboolean *escaped)
{
  if (!kc_json_scan_at (s, '"'))
    return FALSE;
  *start = ++s->p;
  *escaped = FALSE;
  while (s->p < s->end)
    {
      char c = *s->p;
      if (c == '\\')
        {
          *escaped = TRUE;
          if (!kc_json_scan_skip_escape (s))
            return FALSE;
          continue;
        }
      if ((unsigned char)c < 0x20)
        return FALSE;
      if (c == '"')
        {
          *len = (gsize)(s->p - *start);
          s->p++;
          return TRUE;
        }
      s->p++;
    }
  return FALSE;
}

static gboolean
kc_json_scan_skip_string (KcJsonScan *s)
{
  const char *start;
  gsize len;
  gboolean escaped;
  return kc_json_scan_scan_string (s, &start, &len, &escaped);
}

/* A "key": value pair of an object; *key_is_rv when the key is
 * resourceVersion (or escaped, so that it might be). */
static gboolean
kc_json_scan_skip_member (KcJsonScan *s, const char *watch, gboolean *matched)
{
  const char *key;
  gsize len;
  gboolean escaped;
  if (!kc_json_scan_scan_string (s, &key, &len, &escaped)
      || !kc_json_scan_at (s, ':'))
    return FALSE;
  s->p++;
  if (watch)
    *matched
        = escaped || (len == strlen (watch) && memcmp (key, watch, len) == 0);
  return kc_json_scan_skip_value (s);
}

/* An object or array at s->p.  For an object, @watch (nullable) names a
 * key to look for: *matched is set when a member has it. */
gboolean
kc_json_scan_skip_container (KcJsonScan *s, char close, const char *watch,
                             gboolean *matched)
{
  if (++s->depth > KC_JSON_MAX_DEPTH)
    return FALSE;
  s->p++;
  if (kc_json_scan_at (s, close))
    {
      s->p++;
      s->depth--;
      return TRUE;
    }
  for (;;)
    {
      gboolean this_one = FALSE;
      if (close == '}' ? !kc_json_scan_skip_member (s, watch, &this_one)
                       : !kc_json_scan_skip_value (s))
        return FALSE;
      if (this_one)
        *matched = TRUE;
      if (kc_json_scan_at (s, ','))
        {
          s->p++;
          continue;
        }
      if (kc_json_scan_at (s, close))
        {
          s->p++;
          s->depth--;
          return TRUE;
        }
      return FALSE;
    }
}

static gboolean
kc_json_scan_skip_digits (KcJsonScan *s)
{
  const char *start = s->p;
  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
kc_json_scan_skip_number (KcJsonScan *s)
{
  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!kc_json_scan_skip_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!kc_json_scan_skip_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!kc_json_scan_skip_digits (s))
        return FALSE;
    }
  return TRUE;
}

static gboolean
kc_json_scan_skip_literal (KcJsonScan *s, const char *word)
{
  gsize n = strlen (word);
  if ((gsize)(s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

gboolean
kc_json_scan_skip_value (KcJsonScan *s)
{
  kc_json_scan_skip_ws (s);
  if (s->p >= s->end)
    return FALSE;
  switch (*s->p)
    {
    case '{':
      return kc_json_scan_skip_container (s, '}', NULL, NULL);
    case '[':
      return kc_json_scan_skip_container (s, ']', NULL, NULL);
    case '"':
      return kc_json_scan_skip_string (s);
    case 't':
      return kc_json_scan_skip_literal (s, "true");
    case 'f':
      return kc_json_scan_skip_literal (s, "false");
    case 'n':
      return kc_json_scan_skip_literal (s, "null");
    default:
      return kc_json_scan_skip_number (s);
    }
}
