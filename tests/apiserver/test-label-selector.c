/* Label selectors: every operator of the query syntax, the LabelSelector
 * object, and the errors Kubernetes gives for bad ones. */
#include "build-config.h"

#include "apiserver/api-error.h"
#include "apiserver/label-selector.h"
#include "json-test.h"

/* The labels every match case is checked against. */
#define LABELS "{'app':'web','tier':'frontend','env':'prod','empty':''," \
               "'example.com/team':'blue','count':'7'}"

typedef struct
{
  const char *selector;
  gboolean matches;
} MatchCase;

static const MatchCase match_cases[] = {
  { "app=web", TRUE },
  { "app=db", FALSE },
  { "app==web", TRUE },
  { "app==db", FALSE },
  { "app!=db", TRUE },
  { "app!=web", FALSE },
  { "missing!=x", TRUE },            /* != matches an absent label */
  { "app in (web,db)", TRUE },
  { "app in (db,cache)", FALSE },
  { "missing in (a)", FALSE },
  { "app notin (db,cache)", TRUE },
  { "app notin (web)", FALSE },
  { "missing notin (a)", TRUE },
  { "app", TRUE },
  { "missing", FALSE },
  { "empty", TRUE },                 /* exists, even with "" */
  { "!missing", TRUE },
  { "!app", FALSE },
  { "empty=", TRUE },                /* the empty value */
  { "app=", FALSE },
  { "count>5", TRUE },
  { "count>7", FALSE },
  { "count<8", TRUE },
  { "count<7", FALSE },
  { "app>1", FALSE },                /* not an integer label */
  { "example.com/team=blue", TRUE },
  { "app=web,tier=frontend", TRUE },
  { "app=web,tier=backend", FALSE },
  { "app=web,!canary,env in (prod,staging),tier", TRUE },
  { "  app = web ,  env  in  ( prod , dev )  ", TRUE },
  { "app in (web,),tier notin (,x)", TRUE },
  { "empty in ()", TRUE },           /* "()" holds the empty value */
  { "x.y-z_1!=a.b-c_2,!x", TRUE },
};

static void
test_match (void)
{
  g_autoptr (JsonNode) labels = kc_test_json (LABELS);

  for (guint i = 0; i < G_N_ELEMENTS (match_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KcLabelSelector) sel =
          kc_label_selector_parse (match_cases[i].selector, &error);
      g_test_message ("selector: %s", match_cases[i].selector);
      g_assert_no_error (error);
      g_assert_nonnull (sel);
      g_assert_cmpint (kc_label_selector_matches
                       (sel, json_node_get_object (labels)), ==,
                       match_cases[i].matches);
    }
}

static void
test_everything (void)
{
  const char *const texts[] = { NULL, "", "   " };
  g_autoptr (JsonNode) labels = kc_test_json (LABELS);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KcLabelSelector) sel = kc_label_selector_parse (texts[i],
                                                                 &error);
      g_assert_no_error (error);
      g_assert_true (kc_label_selector_is_everything (sel));
      g_assert_true (kc_label_selector_matches (sel, NULL));
      g_assert_true (kc_label_selector_matches
                     (sel, json_node_get_object (labels)));
    }
}

static void
test_no_labels (void)
{
  g_autoptr (KcLabelSelector) neg = kc_label_selector_parse ("a!=b,!c",
                                                             NULL);
  g_autoptr (KcLabelSelector) pos = kc_label_selector_parse ("a", NULL);

  g_assert_false (kc_label_selector_is_everything (neg));
  g_assert_true (kc_label_selector_matches (neg, NULL));
  g_assert_false (kc_label_selector_matches (pos, NULL));
}

typedef struct
{
  const char *selector;
  const char *message;   /* a part of the error message */
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "app=web,", "found 'end of string', expected: identifier after ','" },
  { ",app", "found ',', expected: !, identifier, or 'end of string'" },
  { "app in web", "found 'web', expected: '('" },
  { "app in (a", "found 'end of string', expected: ',' or ')'" },
  { "app in (a b)", "found 'b', expected: ',' or ')'" },
  { "app in (=)", "found '=', expected: ',', ')' or identifier" },
  { "app foo bar", "found 'foo', expected: in, notin, =, ==, !=, gt, lt" },
  { "app=web=x", "found '=', expected: ',' or 'end of string'" },
  { "app=(", "found '(', expected: identifier" },
  { "!app=web", "found '=', expected: ',' or 'end of string'" },
  { "!", "found 'end of string', expected: identifier" },
  { "!=x", "found '!=', expected: !, identifier, or 'end of string'" },
  { "-app=x", "invalid label key \"-app\": name part must consist of" },
  { "a/b/c=x", "invalid label key \"a/b/c\": a qualified name" },
  { "/app=x", "prefix part must be non-empty" },
  { "Example.com/app=x", "prefix part a lowercase RFC 1123 subdomain" },
  { "example.com/=x", "name part must be non-empty" },
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=x",
    "name part must be no more than 63 characters" },
  { "app=bad!", "found '!', expected: ',' or 'end of string'" },
  { "app=-x", "invalid label value: \"-x\": at key: \"app\"" },
  { "app=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "must be no more than 63 characters" },
  { "count>x", "for 'Gt', 'Lt' operators, the value must be an integer" },
  { "count>", "for 'Gt', 'Lt' operators, the value must be an integer" },
  { "a=b,c in (d", "requirement 2 (\"c in (d\")" },
};

static void
test_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KcLabelSelector) sel =
          kc_label_selector_parse (error_cases[i].selector, &error);
      g_test_message ("selector: %s", error_cases[i].selector);
      g_assert_null (sel);
      g_assert_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST);
      if (strstr (error->message, error_cases[i].message) == NULL)
        g_error ("selector %s: message \"%s\" lacks \"%s\"",
                 error_cases[i].selector, error->message,
                 error_cases[i].message);
      g_assert_nonnull (strstr (error->message, "invalid label selector"));
    }
}

static void
test_key_value_syntax (void)
{
  g_autofree char *reason = NULL;
  g_autofree char *long_name = g_strnfill (63, 'a');
  g_autofree char *too_long = g_strnfill (64, 'a');
  g_autofree char *prefixed = g_strdup_printf ("%s/%s", "k8s.io", long_name);

  g_assert_true (kc_label_key_is_valid (long_name, &reason));
  g_assert_true (kc_label_key_is_valid (prefixed, &reason));
  g_assert_true (kc_label_key_is_valid ("app.kubernetes.io/name", &reason));
  g_assert_false (kc_label_key_is_valid (too_long, &reason));
  g_clear_pointer (&reason, g_free);
  g_assert_false (kc_label_key_is_valid ("a_", &reason));
  g_clear_pointer (&reason, g_free);
  g_assert_false (kc_label_key_is_valid ("-.io/a", &reason));
  g_clear_pointer (&reason, g_free);
  g_assert_true (kc_label_value_is_valid ("", &reason));
  g_assert_true (kc_label_value_is_valid (long_name, &reason));
  g_assert_false (kc_label_value_is_valid (too_long, &reason));
  g_clear_pointer (&reason, g_free);
  g_assert_false (kc_label_value_is_valid ("a b", &reason));
}

static void
test_to_string (void)
{
  g_autoptr (KcLabelSelector) sel = kc_label_selector_parse
      ("a = b, c==d, e != f, g in (h, i), j notin (k), l, !m, n>1", NULL);
  g_autofree char *text = kc_label_selector_to_string (sel);

  g_assert_cmpstr (text, ==, "a=b,c=d,e!=f,g in (h,i),j notin (k),l,!m,n>1");
}

static void
test_from_json (void)
{
  g_autoptr (JsonNode) labels = kc_test_json (LABELS);
  JsonObject *l = json_node_get_object (labels);
  struct { const char *json; gboolean matches; } cases[] = {
    { "{}", TRUE },
    { "{'matchLabels':{'app':'web','tier':'frontend'}}", TRUE },
    { "{'matchLabels':{'app':'web','tier':'backend'}}", FALSE },
    { "{'matchExpressions':[{'key':'env','operator':'In',"
      "'values':['prod','dev']}]}", TRUE },
    { "{'matchExpressions':[{'key':'env','operator':'In','values':['dev']}]}",
      FALSE },
    { "{'matchExpressions':[{'key':'env','operator':'NotIn',"
      "'values':['dev']}]}", TRUE },
    { "{'matchExpressions':[{'key':'env','operator':'NotIn',"
      "'values':['prod']}]}", FALSE },
    { "{'matchExpressions':[{'key':'env','operator':'Exists'}]}", TRUE },
    { "{'matchExpressions':[{'key':'nope','operator':'Exists'}]}", FALSE },
    { "{'matchExpressions':[{'key':'nope','operator':'DoesNotExist'}]}",
      TRUE },
    { "{'matchExpressions':[{'key':'app','operator':'DoesNotExist',"
      "'values':[]}]}", FALSE },
    { "{'matchLabels':{'app':'web'},'matchExpressions':[{'key':'env',"
      "'operator':'In','values':['dev']}]}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) node = kc_test_json (cases[i].json);
      g_autoptr (GError) error = NULL;
      g_autoptr (KcLabelSelector) sel =
          kc_label_selector_from_json (json_node_get_object (node), &error);
      g_test_message ("selector: %s", cases[i].json);
      g_assert_no_error (error);
      g_assert_cmpint (kc_label_selector_matches (sel, l), ==,
                       cases[i].matches);
    }

  /* A missing selector selects nothing (Kubernetes' nil selector). */
  g_autoptr (KcLabelSelector) nothing = kc_label_selector_from_json (NULL,
                                                                     NULL);
  g_assert_false (kc_label_selector_matches (nothing, l));
  g_assert_false (kc_label_selector_matches (nothing, NULL));
  g_assert_false (kc_label_selector_is_everything (nothing));
}

static void
test_from_json_errors (void)
{
  struct { const char *json; const char *message; } cases[] = {
    { "{'matchLabels':{'app':1}}", "matchLabels.app: must be a string" },
    { "{'matchLabels':[]}", "matchLabels: must be an object" },
    { "{'matchLabels':{'-x':'a'}}", "invalid label key \"-x\"" },
    { "{'matchLabels':{'x':'-a'}}", "invalid label value: \"-a\"" },
    { "{'matchExpressions':{}}", "matchExpressions: must be a list" },
    { "{'matchExpressions':[1]}", "matchExpressions[0]: must be an object" },
    { "{'matchExpressions':[{'operator':'Exists'}]}",
      "matchExpressions[0].key: Required value" },
    { "{'matchExpressions':[{'key':'a','operator':'Exists'},"
      "{'key':'a','operator':'Maybe'}]}",
      "matchExpressions[1].operator: Unsupported value: \"Maybe\"" },
    { "{'matchExpressions':[{'key':'a','operator':'In'}]}",
      "matchExpressions[0].values: Required value" },
    { "{'matchExpressions':[{'key':'a','operator':'In','values':[]}]}",
      "matchExpressions[0].values: Required value" },
    { "{'matchExpressions':[{'key':'a','operator':'Exists','values':['x']}]}",
      "matchExpressions[0].values: Invalid value" },
    { "{'matchExpressions':[{'key':'a','operator':'In','values':[1]}]}",
      "matchExpressions[0].values[0]: must be a string" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) node = kc_test_json (cases[i].json);
      g_autoptr (GError) error = NULL;
      g_autoptr (KcLabelSelector) sel =
          kc_label_selector_from_json (json_node_get_object (node), &error);
      g_assert_null (sel);
      g_assert_error (error, KC_API_ERROR, KC_API_ERROR_INVALID);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("%s: message \"%s\" lacks \"%s\"", cases[i].json,
                 error->message, cases[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/label-selector/match", test_match);
  g_test_add_func ("/label-selector/everything", test_everything);
  g_test_add_func ("/label-selector/no-labels", test_no_labels);
  g_test_add_func ("/label-selector/errors", test_errors);
  g_test_add_func ("/label-selector/key-value-syntax",
                   test_key_value_syntax);
  g_test_add_func ("/label-selector/to-string", test_to_string);
  g_test_add_func ("/label-selector/from-json", test_from_json);
  g_test_add_func ("/label-selector/from-json-errors",
                   test_from_json_errors);
  return g_test_run ();
}
