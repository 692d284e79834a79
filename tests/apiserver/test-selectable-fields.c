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
  g_test_add_func ("/selectable-fields/refuses", test_refuses);
  return g_test_run ();
}
