/* The served form of stored objects (served-json.h).  Every watch event
 * and every cache entry needs it, twice for an update (the object and its
 * previous value), so it is on the API server's hottest path: parsing the
 * stored text into a tree only to add one member and write it all out
 * again cost more than anything else per write.  A scan that finds where
 * metadata ends is a fraction of that. */
#include "build-config.h"

#include "served-json.h"

#include "api-object.h"
#include "json-scan.h"

#include <string.h>

/* What the scan accepts is exactly what kc_object_parse() accepts (a
 * corrupt stored value must fail the same way on both paths): JSON's
 * grammar, valid UTF-8, at most KC_JSON_MAX_DEPTH levels. */

gboolean
kc_served_json_insert_point (const char *text, gsize len, gsize *insert_at,
                             gboolean *empty)
{
  KcJsonScan s = { text, text + len, 0 };
  gboolean found = FALSE;

  if (!g_utf8_validate (text, (gssize)len, NULL) || !kc_json_scan_at (&s, '{'))
    return FALSE;
  s.p++;
  if (kc_json_scan_at (&s, '}'))
    return FALSE;
  for (;;)
    {
      const char *key;
      gsize key_len;
      gboolean escaped;
      if (!kc_json_scan_scan_string (&s, &key, &key_len, &escaped)
          || !kc_json_scan_at (&s, ':'))
        return FALSE;
      s.p++;
      if (escaped)
        return FALSE; /* might spell "metadata" */
      if (key_len == 8 && memcmp (key, "metadata", 8) == 0)
        {
          gboolean has_rv = FALSE;
          if (found || !kc_json_scan_at (&s, '{'))
            return FALSE;
          const char *open = s.p;
          if (!kc_json_scan_skip_container (&s, '}', "resourceVersion",
                                            &has_rv)
              || has_rv)
            return FALSE;
          found = TRUE;
          *insert_at = (gsize)(s.p - 1 - text);
          KcJsonScan inner = { open + 1, s.p - 1, 0 };
          *empty = kc_json_scan_at (&inner, '}') || inner.p >= inner.end;
        }
      else if (!kc_json_scan_skip_value (&s))
        return FALSE;
      if (kc_json_scan_at (&s, ','))
        {
          s.p++;
          continue;
        }
      if (!kc_json_scan_at (&s, '}'))
        return FALSE;
      s.p++;
      kc_json_scan_skip_ws (&s);
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
