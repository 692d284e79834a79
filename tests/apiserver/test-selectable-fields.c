/* The fields watch selectors test, picked out of an object's JSON. */
#include "build-config.h"

#include "json-test.h"

#include "apiserver/field-selector.h"
#include "apiserver/selectable-fields.h"

static JsonNode *
pick (const char *text)
{
  g_autofree char *json = g_strdup (text);
  g_strdelimit (json, "'", '"');
  return kc_selectable_fields (json, strlen (json));
}

static void
test_picks (void)
{
  g_autoptr (JsonNode) fields = pick (
      "{'kind':'Pod','metadata':{'name':'web','namespace':'ns','labels':"
      "{'app':'web','tier':'f\\u0065'},'annotations':{'a':'b'}},'spec':"
      "{'nodeName':'n\\\"1','containers':[{'name':'c'}],'priority':3,"
      "'hostNetwork':true},'status':{'phase':'Running','conditions':[]}}");
  g_assert_nonnull (fields);
  kc_assert_json (fields,
                  "{'kind':'Pod','metadata':{'name':'web','namespace':'ns',"
                  "'labels':{'app':'web','tier':'fe'}},'spec':{'nodeName':"
                  "'n\\\"1','priority':3,'hostNetwork':true},'status':"
                  "{'phase':'Running'}}");
  g_autofree char *node = kc_field_selector_value_of (
      json_node_get_object (fields), "spec.nodeName");
  g_assert_cmpstr (node, ==, "n\"1");
}

/* Scalars and labels are built without the parser: the nodes must be the
 * parser's, type included (a field selector prints 3 and 3.0 apart). */
static void
test_literals_as_parsed (void)
{
  const char *const literals[] = {
    "0", "-12", "9007199254740993", "99999999999999999999", "1.5", "-2e3",
    "1E+2", "0.1e-2", "true", "false", "null", "'x'", "''", "'a\\u00e9'",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      g_autofree char *text = g_strdup_printf ("{'spec':{'v':%s}}",
                                               literals[i]);
      g_autoptr (JsonNode) fields = pick (text);
      g_assert_nonnull (fields);
      JsonNode *got = json_object_get_member (
          json_object_get_object_member (json_node_get_object (fields),
                                         "spec"),
          "v");
      g_autofree char *lit = g_strdup (literals[i]);
      g_strdelimit (lit, "'", '"');
      g_autoptr (JsonNode) want = json_from_string (lit, NULL);
      g_assert_nonnull (got);
      g_assert_cmpint (json_node_get_node_type (got), ==,
                       json_node_get_node_type (want));
      if (JSON_NODE_HOLDS_VALUE (want))
        g_assert_cmpint (json_node_get_value_type (got), ==,
                         json_node_get_value_type (want));
      g_autofree char *got_text = json_to_string (got, FALSE);
      g_autofree char *want_text = json_to_string (want, FALSE);
      g_assert_cmpstr (got_text, ==, want_text);
    }

  /* Labels: plain strings are built from the scan, anything else parsed. */
  g_autoptr (JsonNode) plain = pick (
      "{'metadata':{'labels':{'a':'b','c':'','d.e/f':'g'}}}");
  kc_assert_json (plain, "{'metadata':{'labels':{'a':'b','c':'','d.e/f':"
                         "'g'}}}");
  g_autoptr (JsonNode) odd = pick (
      "{'metadata':{'labels':{'a':'b','n':1,'\\u0078':'y'}}}");
  kc_assert_json (odd, "{'metadata':{'labels':{'a':'b','n':1,'x':'y'}}}");
  g_autoptr (JsonNode) empty = pick ("{'metadata':{'labels':{}}}");
  kc_assert_json (empty, "{'metadata':{'labels':{}}}");
}

static void
test_refuses (void)
{
  const char *const bad[] = { "[]", "{'a':}", "{'a':1}x", "{'\\u0061':1}",
                              "{'metadata':{'labels':{'a':}}}" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonNode) fields = pick (bad[i]);
      g_assert_null (fields);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/selectable-fields/picks", test_picks);
  g_test_add_func ("/selectable-fields/literals-as-parsed",
                   test_literals_as_parsed);
  g_test_add_func ("/selectable-fields/refuses", test_refuses);
  return g_test_run ();
}
