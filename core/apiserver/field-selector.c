/* Field selectors (see field-selector.h).  Splitting and unescaping follow
 * k8s.io/apimachinery/pkg/fields/selector.go, so the same strings are
 * accepted and the errors read the same. */
#include "build-config.h"

#include "field-selector.h"

#include <string.h>

#include "api-error.h"

typedef struct
{
  char *field;
  char *value;
  gboolean negated;   /* != */
} Term;

struct _KcFieldSelector
{
  GArray *terms;  /* of Term */
};

static void
term_clear (gpointer data)
{
  Term *t = data;

  g_free (t->field);
  g_free (t->value);
}

void
kc_field_selector_free (KcFieldSelector *sel)
{
  if (sel == NULL)
    return;
  g_array_unref (sel->terms);
  g_free (sel);
}

/* Splits at commas that are not escaped.  (transfer full) */
static GPtrArray *
split_terms (const char *text)
{
  GPtrArray *terms = g_ptr_array_new_with_free_func (g_free);
  gboolean in_slash = FALSE;
  gsize start = 0, i;

  for (i = 0; text[i] != '\0'; i++)
    {
      if (in_slash)
        in_slash = FALSE;
      else if (text[i] == '\\')
        in_slash = TRUE;
      else if (text[i] == ',')
        {
          g_ptr_array_add (terms, g_strndup (text + start, i - start));
          start = i + 1;
        }
    }
  g_ptr_array_add (terms, g_strndup (text + start, i - start));
  return terms;
}

/* The first operator in @term, leftmost, "!=" and "==" before "=". */
static gboolean
split_term (const char *term, gsize *op_at, gsize *op_len, gboolean *negated)
{
  for (gsize i = 0; term[i] != '\0'; i++)
    {
      if (term[i] == '!' && term[i + 1] == '=')
        {
          *op_at = i, *op_len = 2, *negated = TRUE;
          return TRUE;
        }
      if (term[i] == '=')
        {
          *op_at = i, *op_len = term[i + 1] == '=' ? 2 : 1, *negated = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

static char *
unescape_value (const char *s, const char *term, GError **error)
{
  GString *v = g_string_new (NULL);
  gboolean in_slash = FALSE;

  for (const char *c = s; *c != '\0'; c++)
    {
      if (in_slash)
        {
          if (*c != '\\' && *c != ',' && *c != '=')
            {
              g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                           "invalid field selector: invalid escape sequence: "
                           "\\%c in term \"%s\" (only \\\\, \\, and \\= are "
                           "escapes)", *c, term);
              return g_string_free (v, TRUE), NULL;
            }
          g_string_append_c (v, *c);
          in_slash = FALSE;
        }
      else if (*c == '\\')
        in_slash = TRUE;
      else if (*c == ',' || *c == '=')
        {
          g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                       "invalid field selector: unescaped character in "
                       "value: '%c' in term \"%s\" (write it as \\%c)", *c,
                       term, *c);
          return g_string_free (v, TRUE), NULL;
        }
      else
        g_string_append_c (v, *c);
    }
  if (in_slash)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "invalid field selector: invalid escape sequence: \\ at "
                   "the end of term \"%s\"", term);
      return g_string_free (v, TRUE), NULL;
    }
  return g_string_free (v, FALSE);
}

static gboolean
is_supported (const char *const *supported, const char *field)
{
  if (supported == NULL)
    return TRUE;
  for (; *supported != NULL; supported++)
    if (strcmp (*supported, field) == 0)
      return TRUE;
  return FALSE;
}

KcFieldSelector *
kc_field_selector_parse (const char *text,
                         const char *const *supported_fields, GError **error)
{
  g_autoptr (KcFieldSelector) sel = g_new0 (KcFieldSelector, 1);
  g_autoptr (GPtrArray) parts = NULL;

  sel->terms = g_array_new (FALSE, TRUE, sizeof (Term));
  g_array_set_clear_func (sel->terms, term_clear);
  if (text == NULL || *text == '\0')
    return g_steal_pointer (&sel);

  parts = split_terms (text);
  for (guint i = 0; i < parts->len; i++)
    {
      const char *part = g_ptr_array_index (parts, i);
      gsize op_at, op_len;
      Term t = { 0 };

      if (*part == '\0')
        continue;
      if (!split_term (part, &op_at, &op_len, &t.negated))
        {
          g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                       "invalid selector: '%s'; can't understand '%s' "
                       "(expected field=value, field==value or "
                       "field!=value)", text, part);
          return NULL;
        }
      t.field = g_strstrip (g_strndup (part, op_at));
      t.value = unescape_value (part + op_at + op_len, part, error);
      if (t.value == NULL)
        {
          g_free (t.field);
          return NULL;
        }
      g_array_append_val (sel->terms, t);
      if (*t.field == '\0')
        {
          g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                       "invalid selector: '%s'; term '%s' has no field name",
                       text, part);
          return NULL;
        }
      if (!is_supported (supported_fields, t.field))
        {
          g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                       "field label not supported: %s", t.field);
          return NULL;
        }
    }
  return g_steal_pointer (&sel);
}

char *
kc_field_selector_value_of (JsonObject *object, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (object == NULL)
        return g_strdup ("");
      node = json_object_get_member (object, parts[i]);
      object = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                   ? json_node_get_object (node) : NULL;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return g_strdup ("");

  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      if (d > -9e15 && d < 9e15 && d == (double) (gint64) d)
        return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) d);
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, d));
    }
  return g_strdup ("");
}

gboolean
kc_field_selector_matches (const KcFieldSelector *sel, JsonObject *object)
{
  for (guint i = 0; i < sel->terms->len; i++)
    {
      const Term *t = &g_array_index (sel->terms, Term, i);
      g_autofree char *value = kc_field_selector_value_of (object, t->field);
      if ((strcmp (value, t->value) == 0) == t->negated)
        return FALSE;
    }
  return TRUE;
}

gboolean
kc_field_selector_is_everything (const KcFieldSelector *sel)
{
  return sel->terms->len == 0;
}

const char *
kc_field_selector_required_value (const KcFieldSelector *sel,
                                  const char *field)
{
  for (guint i = 0; i < sel->terms->len; i++)
    {
      const Term *t = &g_array_index (sel->terms, Term, i);
      if (!t->negated && strcmp (t->field, field) == 0)
        return t->value;
    }
  return NULL;
}
