/* The served form of stored objects (served-json.h).  Every watch event
 * and every cache entry needs it, twice for an update (the object and its
 * previous value), so it is on the API server's hottest path: parsing the
 * stored text into a tree only to add one member and write it all out
 * again cost more than anything else per write.  A scan that finds where
 * metadata ends is a fraction of that. */
#include "build-config.h"

#include "served-json.h"

#include "api-object.h"

#include <string.h>

/* What the scan accepts is exactly what kc_object_parse() accepts (a
 * corrupt stored value must fail the same way on both paths): JSON's
 * grammar, valid UTF-8, at most KC_JSON_MAX_DEPTH levels. */

typedef struct
{
  const char *p;
  const char *end;
  int depth;
} Scan;

static void
skip_ws (Scan *s)
{
  while (s->p < s->end
         && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
at (Scan *s, char c)
{
  skip_ws (s);
  return s->p < s->end && *s->p == c;
}

/* An escape at s->p (a backslash): \" \\ \/ \b \f \n \r \t or \uXXXX. */
static gboolean
skip_escape (Scan *s)
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
static gboolean
scan_string (Scan *s, const char **start, gsize *len, gboolean *escaped)
{
  if (!at (s, '"'))
    return FALSE;
  *start = ++s->p;
  *escaped = FALSE;
  while (s->p < s->end)
    {
      char c = *s->p;
      if (c == '\\')
        {
          *escaped = TRUE;
          if (!skip_escape (s))
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
skip_string (Scan *s)
{
  const char *start;
  gsize len;
  gboolean escaped;
  return scan_string (s, &start, &len, &escaped);
}

static gboolean skip_value (Scan *s);

/* A "key": value pair of an object; *key_is_rv when the key is
 * resourceVersion (or escaped, so that it might be). */
static gboolean
skip_member (Scan *s, const char *watch, gboolean *matched)
{
  const char *key;
  gsize len;
  gboolean escaped;
  if (!scan_string (s, &key, &len, &escaped) || !at (s, ':'))
    return FALSE;
  s->p++;
  if (watch)
    *matched
        = escaped || (len == strlen (watch) && memcmp (key, watch, len) == 0);
  return skip_value (s);
}

/* An object or array at s->p.  For an object, @watch (nullable) names a
 * key to look for: *matched is set when a member has it. */
static gboolean
skip_container (Scan *s, char close, const char *watch, gboolean *matched)
{
  if (++s->depth > KC_JSON_MAX_DEPTH)
    return FALSE;
  s->p++;
  if (at (s, close))
    {
      s->p++;
      s->depth--;
      return TRUE;
    }
  for (;;)
    {
      gboolean this_one = FALSE;
      if (close == '}' ? !skip_member (s, watch, &this_one) : !skip_value (s))
        return FALSE;
      if (this_one)
        *matched = TRUE;
      if (at (s, ','))
        {
          s->p++;
          continue;
        }
      if (at (s, close))
        {
          s->p++;
          s->depth--;
          return TRUE;
        }
      return FALSE;
    }
}

static gboolean
skip_digits (Scan *s)
{
  const char *start = s->p;
  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
skip_number (Scan *s)
{
  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!skip_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!skip_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!skip_digits (s))
        return FALSE;
    }
  return TRUE;
}

static gboolean
skip_literal (Scan *s, const char *word)
{
  gsize n = strlen (word);
  if ((gsize)(s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

static gboolean
skip_value (Scan *s)
{
  skip_ws (s);
  if (s->p >= s->end)
    return FALSE;
  switch (*s->p)
    {
    case '{':
      return skip_container (s, '}', NULL, NULL);
    case '[':
      return skip_container (s, ']', NULL, NULL);
    case '"':
      return skip_string (s);
    case 't':
      return skip_literal (s, "true");
    case 'f':
      return skip_literal (s, "false");
    case 'n':
      return skip_literal (s, "null");
    default:
      return skip_number (s);
    }
}

gboolean
kc_served_json_insert_point (const char *text, gsize len, gsize *insert_at,
                             gboolean *empty)
{
  Scan s = { text, text + len, 0 };
  gboolean found = FALSE;

  if (!g_utf8_validate (text, (gssize)len, NULL) || !at (&s, '{'))
    return FALSE;
  s.p++;
  if (at (&s, '}'))
    return FALSE;
  for (;;)
    {
      const char *key;
      gsize key_len;
      gboolean escaped;
      if (!scan_string (&s, &key, &key_len, &escaped) || !at (&s, ':'))
        return FALSE;
      s.p++;
      if (escaped)
        return FALSE; /* might spell "metadata" */
      if (key_len == 8 && memcmp (key, "metadata", 8) == 0)
        {
          gboolean has_rv = FALSE;
          if (found || !at (&s, '{'))
            return FALSE;
          const char *open = s.p;
          if (!skip_container (&s, '}', "resourceVersion", &has_rv) || has_rv)
            return FALSE;
          found = TRUE;
          *insert_at = (gsize)(s.p - 1 - text);
          Scan inner = { open + 1, s.p - 1, 0 };
          *empty = at (&inner, '}') || inner.p >= inner.end;
        }
      else if (!skip_value (&s))
        return FALSE;
      if (at (&s, ','))
        {
          s.p++;
          continue;
        }
      if (!at (&s, '}'))
        return FALSE;
      s.p++;
      skip_ws (&s);
      return found && s.p == s.end;
    }
}

static GBytes *
served_json_parsed (GBytes *stored, gint64 revision, GError **error)
{
  g_autoptr (JsonNode) object = kc_object_decode (stored, revision, error);
  if (object == NULL)
    return NULL;
  /* Copied to an exact-size block: the generator's buffer is a GString
   * with up to twice the room, and the cache keeps this for good. */
  g_autofree char *text = json_to_string (object, FALSE);
  return g_bytes_new (text, strlen (text));
}

GBytes *
kc_served_json (GBytes *stored, gint64 revision, GError **error)
{
  gsize len = 0, insert_at = 0;
  gboolean empty = FALSE;
  const char *text = g_bytes_get_data (stored, &len);

  if (text == NULL
      || !kc_served_json_insert_point (text, len, &insert_at, &empty))
    return served_json_parsed (stored, revision, error);

  char member[64];
  int member_len = g_snprintf (
      member, sizeof member, "%s\"resourceVersion\":\"%" G_GINT64_FORMAT "\"",
      empty ? "" : ",", revision);
  gsize total = len + (gsize)member_len;
  char *out = g_malloc (total);
  memcpy (out, text, insert_at);
  memcpy (out + insert_at, member, (gsize)member_len);
  memcpy (out + insert_at + member_len, text + insert_at, len - insert_at);
  return g_bytes_new_take (out, total);
}
