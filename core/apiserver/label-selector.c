/* Label selectors (see label-selector.h).  The parser follows Kubernetes'
 * (k8s.io/apimachinery/pkg/labels/selector.go) token by token, so the same
 * strings are accepted and the errors read the same. */
#include "build-config.h"

#include "label-selector.h"

#include <string.h>

#include "api-error.h"

typedef enum
{
  OP_EQUALS,
  OP_NOT_EQUALS,
  OP_IN,
  OP_NOT_IN,
  OP_EXISTS,
  OP_DOES_NOT_EXIST,
  OP_GREATER_THAN,
  OP_LESS_THAN,
} Operator;

typedef struct
{
  char *key;
  Operator op;
  GPtrArray *values;   /* of char*, no duplicates */
  gint64 number;       /* for OP_GREATER_THAN / OP_LESS_THAN */
} Requirement;

struct _KcLabelSelector
{
  GPtrArray *requirements;  /* of Requirement* */
  gboolean nothing;         /* from a NULL LabelSelector: matches nothing */
};

static void
requirement_free (gpointer data)
{
  Requirement *r = data;

  g_free (r->key);
  g_ptr_array_unref (r->values);
  g_free (r);
}

static KcLabelSelector *
selector_new (void)
{
  KcLabelSelector *sel = g_new0 (KcLabelSelector, 1);

  sel->requirements = g_ptr_array_new_with_free_func (requirement_free);
  return sel;
}

void
kc_label_selector_free (KcLabelSelector *sel)
{
  if (sel == NULL)
    return;
  g_ptr_array_unref (sel->requirements);
  g_free (sel);
}

/* --- Key and value syntax (k8s.io/apimachinery/pkg/util/validation) --- */

#define NAME_FMT_MSG \
  "must consist of alphanumeric characters, '-', '_' or '.', and must " \
  "start and end with an alphanumeric character (e.g. 'MyName',  or " \
  "'my.name',  or '123-abc', regex used for validation is " \
  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

static gboolean
is_name_chars (const char *s, gsize len)
{
  if (len == 0)
    return FALSE;
  if (!g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
      return FALSE;
  return TRUE;
}

static gboolean
is_dns1123_subdomain (const char *s, gsize len)
{
  gsize label_start = 0;

  if (len == 0)
    return FALSE;
  for (gsize i = 0; i <= len; i++)
    {
      if (i == len || s[i] == '.')
        {
          gsize n = i - label_start;
          if (n == 0)
            return FALSE;
          if (!g_ascii_isalnum (s[label_start])
              || !g_ascii_isalnum (s[i - 1]))
            return FALSE;
          label_start = i + 1;
          continue;
        }
      if (!(g_ascii_islower (s[i]) || g_ascii_isdigit (s[i]) || s[i] == '-'))
        return FALSE;
    }
  return TRUE;
}

gboolean
kc_label_key_is_valid (const char *key, char **reason)
{
  const char *slash = strchr (key, '/');
  const char *name = key;

  if (slash != NULL)
    {
      gsize prefix_len = (gsize) (slash - key);
      name = slash + 1;
      if (strchr (name, '/') != NULL)
        {
          *reason = g_strdup ("a qualified name " NAME_FMT_MSG
                              " with an optional DNS subdomain prefix and "
                              "'/' (e.g. 'example.com/MyName')");
          return FALSE;
        }
      if (prefix_len == 0)
        {
          *reason = g_strdup ("prefix part must be non-empty");
          return FALSE;
        }
      if (prefix_len > 253)
        {
          *reason = g_strdup ("prefix part must be no more than 253 "
                              "characters");
          return FALSE;
        }
      if (!is_dns1123_subdomain (key, prefix_len))
        {
          *reason = g_strdup (
              "prefix part a lowercase RFC 1123 subdomain must consist of "
              "lower case alphanumeric characters, '-' or '.', and must "
              "start and end with an alphanumeric character (e.g. "
              "'example.com', regex used for validation is "
              "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
              "[a-z0-9])?)*')");
          return FALSE;
        }
    }
  gsize len = strlen (name);
  if (len == 0)
    {
      *reason = g_strdup ("name part must be non-empty");
      return FALSE;
    }
  if (len > 63)
    {
      *reason = g_strdup ("name part must be no more than 63 characters");
      return FALSE;
    }
  if (!is_name_chars (name, len))
    {
      *reason = g_strdup ("name part " NAME_FMT_MSG);
      return FALSE;
    }
  return TRUE;
}

gboolean
kc_label_value_is_valid (const char *value, char **reason)
{
  gsize len = strlen (value);

  if (len > 63)
    {
      *reason = g_strdup ("must be no more than 63 characters");
      return FALSE;
    }
  if (len > 0 && !is_name_chars (value, len))
    {
      *reason = g_strdup (
          "a valid label value must be an empty string or consist of "
          "alphanumeric characters, '-', '_' or '.', and must start and end "
          "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
          "or '12345', regex used for validation is "
          "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
      return FALSE;
    }
  return TRUE;
}

/* --- Building requirements --- */

static void
add_value (GPtrArray *values, const char *value)
{
  for (guint i = 0; i < values->len; i++)
    if (strcmp (g_ptr_array_index (values, i), value) == 0)
      return;
  g_ptr_array_add (values, g_strdup (value));
}

/* Checks and adds one requirement, as NewRequirement does; @values is
 * taken.  Errors are plain sentences; the caller says where. */
static gboolean
add_requirement (KcLabelSelector *sel, const char *key, Operator op,
                 GPtrArray *values, char **reason)
{
  g_autoptr (GPtrArray) owned = values;
  g_autofree char *why = NULL;
  gint64 number = 0;

  if (!kc_label_key_is_valid (key, &why))
    {
      *reason = g_strdup_printf ("invalid label key \"%s\": %s", key, why);
      return FALSE;
    }
  switch (op)
    {
    case OP_IN:
    case OP_NOT_IN:
      if (values->len == 0)
        {
          *reason = g_strdup ("for 'in', 'notin' operators, values set "
                              "can't be empty");
          return FALSE;
        }
      break;
    case OP_EQUALS:
    case OP_NOT_EQUALS:
      if (values->len != 1)
        {
          *reason = g_strdup ("exact-match compatibility requires one "
                              "single value");
          return FALSE;
        }
      break;
    case OP_EXISTS:
    case OP_DOES_NOT_EXIST:
      if (values->len != 0)
        {
          *reason = g_strdup ("values set must be empty for exists and "
                              "does not exist");
          return FALSE;
        }
      break;
    case OP_GREATER_THAN:
    case OP_LESS_THAN:
      {
        char *end = NULL;
        const char *v = values->len == 1 ? values->pdata[0] : "";
        if (values->len != 1)
          {
            *reason = g_strdup ("for 'Gt', 'Lt' operators, exactly one "
                                "value is required");
            return FALSE;
          }
        number = g_ascii_strtoll (v, &end, 10);
        if (*v == '\0' || *end != '\0')
          {
            *reason = g_strdup ("for 'Gt', 'Lt' operators, the value must "
                                "be an integer");
            return FALSE;
          }
      }
      break;
    }
  for (guint i = 0; i < values->len; i++)
    {
      const char *v = values->pdata[i];
      if (!kc_label_value_is_valid (v, &why))
        {
          *reason = g_strdup_printf ("invalid label value: \"%s\": at key: "
                                     "\"%s\": %s", v, key, why);
          return FALSE;
        }
    }

  Requirement *r = g_new0 (Requirement, 1);
  r->key = g_strdup (key);
  r->op = op;
  r->values = g_steal_pointer (&owned);
  r->number = number;
  g_ptr_array_add (sel->requirements, r);
  return TRUE;
}

/* --- The lexer and parser --- */

typedef enum
{
  TOK_END,
  TOK_IDENT,
  TOK_BANG,         /* ! */
  TOK_NOT_EQUALS,   /* != */
  TOK_EQUALS,       /* = */
  TOK_DOUBLE_EQ,    /* == */
  TOK_GREATER,      /* > */
  TOK_LESS,         /* < */
  TOK_OPEN,         /* ( */
  TOK_CLOSE,        /* ) */
  TOK_COMMA,        /* , */
} Token;

typedef struct
{
  const char *text;
  gsize pos;
  char *lit;          /* literal of the last token read */
  guint term;         /* 1-based requirement being parsed */
  gsize term_start;
} Parser;

static gboolean
is_special (char c)
{
  return c == '!' || c == '=' || c == ',' || c == '(' || c == ')'
         || c == '>' || c == '<' || g_ascii_isspace (c);
}

/* Reads the next token; @advance FALSE peeks.  p->lit gets its text. */
static Token
lex (Parser *p, gboolean advance)
{
  gsize i = p->pos;
  Token tok;
  gsize len = 1;

  while (p->text[i] != '\0' && g_ascii_isspace (p->text[i]))
    i++;
  switch (p->text[i])
    {
    case '\0':
      tok = TOK_END;
      len = 0;
      break;
    case '!':
      tok = p->text[i + 1] == '=' ? TOK_NOT_EQUALS : TOK_BANG;
      len = tok == TOK_NOT_EQUALS ? 2 : 1;
      break;
    case '=':
      tok = p->text[i + 1] == '=' ? TOK_DOUBLE_EQ : TOK_EQUALS;
      len = tok == TOK_DOUBLE_EQ ? 2 : 1;
      break;
    case '>': tok = TOK_GREATER; break;
    case '<': tok = TOK_LESS; break;
    case '(': tok = TOK_OPEN; break;
    case ')': tok = TOK_CLOSE; break;
    case ',': tok = TOK_COMMA; break;
    default:
      tok = TOK_IDENT;
      len = 0;
      while (p->text[i + len] != '\0' && !is_special (p->text[i + len]))
        len++;
      break;
    }
  g_free (p->lit);
  p->lit = tok == TOK_END ? g_strdup ("end of string")
                          : g_strndup (p->text + i, len);
  if (advance)
    p->pos = i + len;
  return tok;
}

G_GNUC_PRINTF (3, 4) static gboolean
parse_fail (Parser *p, GError **error, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;
  gsize end = p->pos;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  while (p->text[end] != '\0' && p->text[end] != ',')
    end++;
  g_autofree char *term = g_strndup (p->text + p->term_start,
                                     end - p->term_start);
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
               "invalid label selector \"%s\": unable to parse requirement "
               "%u (\"%s\"): %s", p->text, p->term, g_strstrip (term), what);
  return FALSE;
}

/* "(a,b,c)"; the opening parenthesis is next. */
static gboolean
parse_values (Parser *p, GPtrArray *values, GError **error)
{
  Token tok = lex (p, TRUE);

  if (tok != TOK_OPEN)
    return parse_fail (p, error, "found '%s', expected: '('", p->lit);
  tok = lex (p, FALSE);
  if (tok == TOK_CLOSE)
    {
      /* "k in ()" selects the empty value, as Kubernetes' parser does. */
      lex (p, TRUE);
      add_value (values, "");
      return TRUE;
    }
  if (tok != TOK_IDENT && tok != TOK_COMMA)
    return parse_fail (p, error, "found '%s', expected: ',', ')' or "
                       "identifier", p->lit);
  for (;;)
    {
      tok = lex (p, TRUE);
      if (tok == TOK_IDENT)
        {
          add_value (values, p->lit);
          tok = lex (p, FALSE);
          if (tok == TOK_COMMA)
            continue;
          if (tok == TOK_CLOSE)
            break;
          return parse_fail (p, error, "found '%s', expected: ',' or ')'",
                             p->lit);
        }
      else if (tok == TOK_COMMA)
        {
          /* "(,a" "a,)" "a,,b" hold the empty value. */
          if (values->len == 0)
            add_value (values, "");
          tok = lex (p, FALSE);
          if (tok == TOK_CLOSE)
            {
              add_value (values, "");
              break;
            }
          if (tok == TOK_COMMA)
            {
              lex (p, TRUE);
              add_value (values, "");
            }
        }
      else
        return parse_fail (p, error, "found '%s', expected: ',', or "
                           "identifier", p->lit);
    }
  lex (p, TRUE);  /* the ')' */
  return TRUE;
}

static gboolean
parse_requirement (Parser *p, KcLabelSelector *sel, GError **error)
{
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *key = NULL;
  g_autofree char *reason = NULL;
  gboolean negated = FALSE;
  Operator op;
  Token tok = lex (p, TRUE);

  if (tok == TOK_BANG)
    {
      negated = TRUE;
      tok = lex (p, TRUE);
    }
  if (tok != TOK_IDENT)
    return parse_fail (p, error, "found '%s', expected: identifier", p->lit);
  key = g_strdup (p->lit);
  tok = lex (p, FALSE);
  if (negated || tok == TOK_END || tok == TOK_COMMA)
    op = negated ? OP_DOES_NOT_EXIST : OP_EXISTS;
  else
    {
      tok = lex (p, TRUE);
      if (tok == TOK_IDENT && strcmp (p->lit, "in") == 0)
        op = OP_IN;
      else if (tok == TOK_IDENT && strcmp (p->lit, "notin") == 0)
        op = OP_NOT_IN;
      else if (tok == TOK_EQUALS || tok == TOK_DOUBLE_EQ)
        op = OP_EQUALS;
      else if (tok == TOK_NOT_EQUALS)
        op = OP_NOT_EQUALS;
      else if (tok == TOK_GREATER)
        op = OP_GREATER_THAN;
      else if (tok == TOK_LESS)
        op = OP_LESS_THAN;
      else
        return parse_fail (p, error, "found '%s', expected: in, notin, =, "
                           "==, !=, gt, lt", p->lit);

      if (op == OP_IN || op == OP_NOT_IN)
        {
          if (!parse_values (p, values, error))
            return FALSE;
        }
      else
        {
          tok = lex (p, FALSE);
          if (tok == TOK_END || tok == TOK_COMMA)
            add_value (values, "");
          else if (lex (p, TRUE) == TOK_IDENT)
            add_value (values, p->lit);
          else
            return parse_fail (p, error, "found '%s', expected: identifier",
                               p->lit);
        }
    }
  if (!add_requirement (sel, key, op, g_steal_pointer (&values), &reason))
    return parse_fail (p, error, "%s", reason);
  return TRUE;
}

KcLabelSelector *
kc_label_selector_parse (const char *text, GError **error)
{
  g_autoptr (KcLabelSelector) sel = selector_new ();
  Parser p = { .text = text != NULL ? text : "", .term = 1 };
  gboolean ok = TRUE;

  for (;;)
    {
      Token tok = lex (&p, FALSE);
      if (tok == TOK_END)
        break;
      if (tok != TOK_IDENT && tok != TOK_BANG)
        {
          ok = parse_fail (&p, error, "found '%s', expected: !, identifier, "
                           "or 'end of string'", p.lit);
          break;
        }
      if (!(ok = parse_requirement (&p, sel, error)))
        break;
      tok = lex (&p, TRUE);
      if (tok == TOK_END)
        break;
      if (tok != TOK_COMMA)
        {
          ok = parse_fail (&p, error, "found '%s', expected: ',' or 'end of "
                           "string'", p.lit);
          break;
        }
      p.term++;
      p.term_start = p.pos;
      tok = lex (&p, FALSE);
      if (tok != TOK_IDENT && tok != TOK_BANG)
        {
          ok = parse_fail (&p, error, "found '%s', expected: identifier "
                           "after ','", p.lit);
          break;
        }
    }
  g_free (p.lit);
  return ok ? g_steal_pointer (&sel) : NULL;
}

/* --- LabelSelector objects --- */

G_GNUC_PRINTF (2, 3) static KcLabelSelector *
json_fail (GError **error, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_INVALID,
               "invalid label selector: %s", what);
  return NULL;
}

static const char *
node_string (JsonNode *node)
{
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gboolean
from_match_labels (KcLabelSelector *sel, JsonNode *node, GError **error)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return json_fail (error, "matchLabels: must be an object of strings")
           != NULL;

  JsonObjectIter iter;
  const char *key;
  JsonNode *value;
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      g_autofree char *reason = NULL;
      const char *v = node_string (value);
      if (v == NULL)
        return json_fail (error, "matchLabels.%s: must be a string", key)
               != NULL;
      GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
      add_value (values, v);
      if (!add_requirement (sel, key, OP_EQUALS, values, &reason))
        return json_fail (error, "matchLabels: %s", reason) != NULL;
    }
  return TRUE;
}

static gboolean
from_expression (KcLabelSelector *sel, guint i, JsonNode *node,
                 GError **error)
{
  static const struct { const char *name; Operator op; } ops[] = {
    { "In", OP_IN }, { "NotIn", OP_NOT_IN },
    { "Exists", OP_EXISTS }, { "DoesNotExist", OP_DOES_NOT_EXIST },
  };
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *reason = NULL;
  const char *key, *op_name;
  JsonObject *expr;
  JsonNode *vnode;
  gint op = -1;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return json_fail (error, "matchExpressions[%u]: must be an object", i)
           != NULL;
  expr = json_node_get_object (node);
  key = node_string (json_object_get_member (expr, "key"));
  if (key == NULL)
    return json_fail (error, "matchExpressions[%u].key: Required value", i)
           != NULL;
  op_name = node_string (json_object_get_member (expr, "operator"));
  for (guint k = 0; op_name != NULL && k < G_N_ELEMENTS (ops); k++)
    if (strcmp (op_name, ops[k].name) == 0)
      op = (gint) ops[k].op;
  if (op < 0)
    return json_fail (error, "matchExpressions[%u].operator: Unsupported "
                      "value: \"%s\": supported values: \"In\", \"NotIn\", "
                      "\"Exists\", \"DoesNotExist\"", i,
                      op_name != NULL ? op_name : "") != NULL;
  vnode = json_object_get_member (expr, "values");
  if (vnode != NULL && JSON_NODE_HOLDS_ARRAY (vnode))
    {
      JsonArray *array = json_node_get_array (vnode);
      for (guint k = 0; k < json_array_get_length (array); k++)
        {
          const char *v = node_string (json_array_get_element (array, k));
          if (v == NULL)
            return json_fail (error, "matchExpressions[%u].values[%u]: must "
                              "be a string", i, k) != NULL;
          add_value (values, v);
        }
    }
  else if (vnode != NULL && !JSON_NODE_HOLDS_NULL (vnode))
    return json_fail (error, "matchExpressions[%u].values: must be a list "
                      "of strings", i) != NULL;
  if ((op == OP_EXISTS || op == OP_DOES_NOT_EXIST) && values->len > 0)
    return json_fail (error, "matchExpressions[%u].values: Invalid value: "
                      "may not be specified when `operator` is 'Exists' or "
                      "'DoesNotExist'", i) != NULL;
  if ((op == OP_IN || op == OP_NOT_IN) && values->len == 0)
    return json_fail (error, "matchExpressions[%u].values: Required value: "
                      "must be specified when `operator` is 'In' or "
                      "'NotIn'", i) != NULL;
  if (!add_requirement (sel, key, (Operator) op, g_steal_pointer (&values),
                        &reason))
    return json_fail (error, "matchExpressions[%u]: %s", i, reason) != NULL;
  return TRUE;
}

KcLabelSelector *
kc_label_selector_from_json (JsonObject *selector, GError **error)
{
  g_autoptr (KcLabelSelector) sel = selector_new ();
  JsonNode *exprs;

  if (selector == NULL)
    {
      sel->nothing = TRUE;
      return g_steal_pointer (&sel);
    }
  if (!from_match_labels (sel, json_object_get_member (selector,
                                                       "matchLabels"), error))
    return NULL;
  exprs = json_object_get_member (selector, "matchExpressions");
  if (exprs == NULL || JSON_NODE_HOLDS_NULL (exprs))
    return g_steal_pointer (&sel);
  if (!JSON_NODE_HOLDS_ARRAY (exprs))
    return json_fail (error, "matchExpressions: must be a list");
  JsonArray *array = json_node_get_array (exprs);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!from_expression (sel, i, json_array_get_element (array, i), error))
      return NULL;
  return g_steal_pointer (&sel);
}

/* --- Matching --- */

static gboolean
has_value (const Requirement *r, const char *value)
{
  for (guint i = 0; i < r->values->len; i++)
    if (strcmp (g_ptr_array_index (r->values, i), value) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
requirement_matches (const Requirement *r, JsonObject *labels)
{
  JsonNode *node = labels != NULL ? json_object_get_member (labels, r->key)
                                  : NULL;
  /* A label that is not a string (never valid) matches no value. */
  const char *value = node_string (node);

  switch (r->op)
    {
    case OP_EQUALS:
    case OP_IN:
      return value != NULL && has_value (r, value);
    case OP_NOT_EQUALS:
    case OP_NOT_IN:
      return value == NULL || !has_value (r, value);
    case OP_EXISTS:
      return node != NULL;
    case OP_DOES_NOT_EXIST:
      return node == NULL;
    case OP_GREATER_THAN:
    case OP_LESS_THAN:
      {
        char *end = NULL;
        gint64 n;
        if (value == NULL || *value == '\0')
          return FALSE;
        n = g_ascii_strtoll (value, &end, 10);
        if (*end != '\0')
          return FALSE;
        return r->op == OP_GREATER_THAN ? n > r->number : n < r->number;
      }
    }
  return FALSE;
}

gboolean
kc_label_selector_matches (const KcLabelSelector *sel, JsonObject *labels)
{
  if (sel->nothing)
    return FALSE;
  for (guint i = 0; i < sel->requirements->len; i++)
    if (!requirement_matches (g_ptr_array_index (sel->requirements, i),
                              labels))
      return FALSE;
  return TRUE;
}

gboolean
kc_label_selector_is_everything (const KcLabelSelector *sel)
{
  return !sel->nothing && sel->requirements->len == 0;
}

char *
kc_label_selector_to_string (const KcLabelSelector *sel)
{
  static const char *const op_text[] = {
    [OP_EQUALS] = "=", [OP_NOT_EQUALS] = "!=", [OP_IN] = " in ",
    [OP_NOT_IN] = " notin ", [OP_GREATER_THAN] = ">", [OP_LESS_THAN] = "<",
  };
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < sel->requirements->len; i++)
    {
      const Requirement *r = g_ptr_array_index (sel->requirements, i);
      if (i > 0)
        g_string_append_c (s, ',');
      if (r->op == OP_DOES_NOT_EXIST)
        g_string_append_c (s, '!');
      g_string_append (s, r->key);
      if (r->op == OP_EXISTS || r->op == OP_DOES_NOT_EXIST)
        continue;
      g_string_append (s, op_text[r->op]);
      if (r->op == OP_IN || r->op == OP_NOT_IN)
        g_string_append_c (s, '(');
      for (guint k = 0; k < r->values->len; k++)
        {
          if (k > 0)
            g_string_append_c (s, ',');
          g_string_append (s, g_ptr_array_index (r->values, k));
        }
      if (r->op == OP_IN || r->op == OP_NOT_IN)
        g_string_append_c (s, ')');
    }
  return g_string_free (s, FALSE);
}
