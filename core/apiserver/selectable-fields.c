/* Selectable fields (selectable-fields.h). */
#include "build-config.h"

#include "selectable-fields.h"

#include "api-object.h"
#include "json-scan.h"

#include <string.h>

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
        {
          g_autofree char *copy = g_strndup (text, len);
          return json_node_init_string (json_node_alloc (), copy);
        }
      /* Escapes: let the parser decode the one string. */
      g_autofree char *quoted = g_strndup (start, (gsize)(s->p - start));
      return json_from_string (quoted, NULL);
    }
  if (!(*ok = kc_json_scan_skip_value (s)))
    return NULL;
  g_autofree char *literal = g_strndup (start, (gsize)(s->p - start));
  return json_from_string (literal, NULL);
}

/* A whole value (metadata.labels) parsed from its text. */
static JsonNode *
value_at (KcJsonScan *s, gboolean *ok)
{
  kc_json_scan_skip_ws (s);
  const char *start = s->p;
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
