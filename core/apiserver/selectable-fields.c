/* Selectable fields (selectable-fields.h). */
#include "build-config.h"

#include "selectable-fields.h"

#include "api-object.h"
#include "json-scan.h"

#include <errno.h>
#include <string.h>

/* The node of a JSON literal (true, false, null, a number) whose text the
 * scan accepted; the parser only for what is not plain (an integer too
 * large for 64 bits), with the same result.  Parsers are GObjects, and
 * making one per scalar was a twentieth of the API server's time. */
static JsonNode *
literal_node (const char *text, gsize len)
{
  if (len == 4 && memcmp (text, "true", 4) == 0)
    return json_node_init_boolean (json_node_alloc (), TRUE);
  if (len == 5 && memcmp (text, "false", 5) == 0)
    return json_node_init_boolean (json_node_alloc (), FALSE);
  if (len == 4 && memcmp (text, "null", 4) == 0)
    return json_node_init_null (json_node_alloc ());
  char number[64];
  if (len < sizeof number)
    {
      memcpy (number, text, len);
      number[len] = '\0';
      char *end = NULL;
      if (strpbrk (number, ".eE") == NULL)
        {
          errno = 0;
          gint64 v = g_ascii_strtoll (number, &end, 10);
          if (errno == 0 && *end == '\0')
            return json_node_init_int (json_node_alloc (), v);
        }
      else
        {
          double v = g_ascii_strtod (number, &end);
          if (*end == '\0')
            return json_node_init_double (json_node_alloc (), v);
        }
    }
  g_autofree char *literal = g_strndup (text, len);
  return json_from_string (literal, NULL);
}

static JsonNode *
string_node (const char *text, gsize len)
{
  g_autofree char *copy = g_strndup (text, len);
  return json_node_init_string (json_node_alloc (), copy);
}

/* The scalar at the scan, as a JSON node; NULL when the value is an
 * object or array (skipped) or malformed (*ok FALSE). */
static JsonNode *
scalar_at (KcJsonScan *s, gboolean *ok)
{
  kc_json_scan_skip_ws (s);
  const char *start = s->p;
  if (s->p >= s->end || *s->p == '{' || *s->p == '[')
    {
      *ok = kc_json_scan_skip_value (s);
      return NULL;
    }
  if (*s->p == '"')
    {
      const char *text;
      gsize len;
      gboolean escaped;
      if (!(*ok = kc_json_scan_scan_string (s, &text, &len, &escaped)))
        return NULL;
      if (!escaped)
        return string_node (text, len);
      /* Escapes: let the parser decode the one string. */
      g_autofree char *quoted = g_strndup (start, (gsize)(s->p - start));
      return json_from_string (quoted, NULL);
    }
  if (!(*ok = kc_json_scan_skip_value (s)))
    return NULL;
  return literal_node (start, (gsize)(s->p - start));
}

/* An object of plain strings (labels, as they nearly always are) built
 * from the scan; NULL when a key or value is escaped or not a string. */
static JsonNode *
string_map_at (KcJsonScan *s)
{
  if (!kc_json_scan_at (s, '{'))
    return NULL;
  s->p++;
  JsonObject *map = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), map);
  json_object_unref (map);
  if (kc_json_scan_at (s, '}'))
    {
      s->p++;
      return node;
    }
  for (;;)
    {
      const char *key, *text;
      gsize key_len, len;
      gboolean key_escaped, escaped;
      if (!kc_json_scan_scan_string (s, &key, &key_len, &key_escaped)
          || key_escaped || !kc_json_scan_at (s, ':'))
        break;
      s->p++;
      if (!kc_json_scan_at (s, '"')
          || !kc_json_scan_scan_string (s, &text, &len, &escaped) || escaped)
        break;
      g_autofree char *name = g_strndup (key, key_len);
      json_object_set_member (map, name, string_node (text, len));
      if (kc_json_scan_at (s, ','))
        {
          s->p++;
          continue;
        }
      if (!kc_json_scan_at (s, '}'))
        break;
      s->p++;
      return node;
    }
  json_node_unref (node);
  return NULL;
}

/* A whole value (metadata.labels) from its text. */
static JsonNode *
value_at (KcJsonScan *s, gboolean *ok)
{
  kc_json_scan_skip_ws (s);
  const char *start = s->p;
  KcJsonScan quick = *s;
  JsonNode *map = string_map_at (&quick);
  if (map)
    {
      *s = quick;
      *ok = TRUE;
      return map;
    }
  if (!(*ok = kc_json_scan_skip_value (s)))
    return NULL;
  g_autofree char *text = g_strndup (start, (gsize)(s->p - start));
  return json_from_string (text, NULL);
}

/* The members of the object at the scan: scalars kept in @out, and for
 * metadata its labels.  FALSE on malformed text or an escaped key. */
static gboolean
pick_members (KcJsonScan *s, JsonObject *out, gboolean is_metadata,
              gboolean top)
{
  if (!kc_json_scan_at (s, '{'))
    return FALSE;
  s->p++;
  if (kc_json_scan_at (s, '}'))
    {
      s->p++;
      return TRUE;
    }
  for (;;)
    {
      const char *key;
      gsize key_len;
      gboolean escaped, ok = TRUE;
      if (!kc_json_scan_scan_string (s, &key, &key_len, &escaped) || escaped
          || !kc_json_scan_at (s, ':'))
        return FALSE;
      s->p++;
      g_autofree char *name = g_strndup (key, key_len);
      kc_json_scan_skip_ws (s);
      gboolean is_object = s->p < s->end && *s->p == '{';
      JsonNode *value = NULL;
      if (is_metadata && strcmp (name, "labels") == 0)
        value = value_at (s, &ok);
      else if (top && is_object)
        {
          JsonObject *inner = json_object_new ();
          ok = pick_members (s, inner, strcmp (name, "metadata") == 0, FALSE);
          value = json_node_init_object (json_node_alloc (), inner);
          json_object_unref (inner);
        }
      else
        value = scalar_at (s, &ok);
      if (!ok)
        {
          if (value)
            json_node_unref (value);
          return FALSE;
        }
      if (value)
        json_object_set_member (out, name, value);
      if (kc_json_scan_at (s, ','))
        {
          s->p++;
          continue;
        }
      if (!kc_json_scan_at (s, '}'))
        return FALSE;
      s->p++;
      return TRUE;
    }
}

JsonNode *
kc_selectable_fields (const char *text, gsize len)
{
  if (!g_utf8_validate (text, (gssize)len, NULL))
    return NULL;
  KcJsonScan s = { text, text + len, 0 };
  JsonObject *root = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), root);
  json_object_unref (root);
  if (!pick_members (&s, root, FALSE, TRUE))
    {
      json_node_unref (node);
      return NULL;
    }
  kc_json_scan_skip_ws (&s);
  if (s.p != s.end)
    {
      json_node_unref (node);
      return NULL;
    }
  return node;
}
