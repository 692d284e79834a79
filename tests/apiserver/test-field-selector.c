/* Field selectors: operators, escapes, value conversions, and the errors
 * Kubernetes gives. */
#include "build-config.h"

#include "apiserver/api-error.h"
#include "apiserver/field-selector.h"
#include "json-test.h"

#define POD "{'metadata':{'name':'web-1','namespace':'default'}," \
            "'spec':{'nodeName':'node-a','unschedulable':false," \
            "'priority':-3,'weight':2.5,'big':1e3,'labels':{'a':'b'}," \
            "'odd':'a,b=c\\\\d'}," \
            "'status':{'phase':'Running','ready':true}," \
            "'involvedObject':{'kind':'Pod'}}"

static const char *const pod_fields[] = {
  "metadata.name", "metadata.namespace", "spec.nodeName",
  "spec.unschedulable", "spec.priority", "spec.weight", "spec.big",
  "spec.labels", "spec.odd", "spec.missing", "status.phase", "status.ready",
  "involvedObject.kind", NULL
};

static void
test_match (void)
{
  g_autoptr (JsonNode) pod = kc_test_json (POD);
  struct { const char *selector; gboolean matches; } cases[] = {
    { "metadata.name=web-1", TRUE },
    { "metadata.name==web-1", TRUE },
    { "metadata.name=web-2", FALSE },
    { "metadata.name!=web-2", TRUE },
    { "metadata.name!=web-1", FALSE },
    { "spec.nodeName=node-a,status.phase=Running", TRUE },
    { "spec.nodeName=node-a,status.phase!=Running", FALSE },
    { "spec.nodeName=", FALSE },
    { "spec.missing=", TRUE },          /* missing reads as "" */
    { "spec.missing!=", FALSE },
    { "spec.labels=", TRUE },           /* an object reads as "" */
    { "spec.unschedulable=false", TRUE },
    { "spec.unschedulable=true", FALSE },
    { "status.ready=true", TRUE },
    { "spec.priority=-3", TRUE },
    { "spec.weight=2.5", TRUE },
    { "spec.big=1000", TRUE },
    { "involvedObject.kind=Pod", TRUE },
    { "spec.odd=a\\,b\\=c\\\\d", TRUE },
    { "spec.odd!=a\\,b\\=c\\\\d", FALSE },
    { "metadata.name=web-1,,status.phase=Running", TRUE },
    { " metadata.name =web-1", TRUE },  /* spaces around the field */
    { "metadata.name=web-1 ", FALSE },  /* but the value is exact */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KcFieldSelector) sel =
          kc_field_selector_parse (cases[i].selector, pod_fields, &error);
      g_test_message ("selector: %s", cases[i].selector);
      g_assert_no_error (error);
      g_assert_cmpint (kc_field_selector_matches
                       (sel, json_node_get_object (pod)), ==,
                       cases[i].matches);
    }
}

static void
test_everything (void)
{
  g_autoptr (JsonNode) pod = kc_test_json (POD);
  g_autoptr (KcFieldSelector) a = kc_field_selector_parse (NULL, NULL, NULL);
  g_autoptr (KcFieldSelector) b = kc_field_selector_parse ("", pod_fields,
                                                           NULL);
  g_autoptr (KcFieldSelector) c = kc_field_selector_parse ("a=b", NULL,
                                                           NULL);

  g_assert_true (kc_field_selector_is_everything (a));
  g_assert_true (kc_field_selector_is_everything (b));
  g_assert_true (kc_field_selector_matches (a, json_node_get_object (pod)));
  /* NULL supported fields: any field may be selected on. */
  g_assert_nonnull (c);
  g_assert_false (kc_field_selector_is_everything (c));
  g_assert_false (kc_field_selector_matches (c, json_node_get_object (pod)));
}

static void
test_required_value (void)
{
  g_autoptr (KcFieldSelector) sel = kc_field_selector_parse
      ("spec.nodeName!=x,metadata.name=web\\,1", pod_fields, NULL);

  g_assert_cmpstr (kc_field_selector_required_value (sel, "metadata.name"),
                   ==, "web,1");
  g_assert_null (kc_field_selector_required_value (sel, "spec.nodeName"));
  g_assert_null (kc_field_selector_required_value (sel, "status.phase"));
}

static void
test_value_of (void)
{
  g_autoptr (JsonNode) pod = kc_test_json (POD);
  JsonObject *o = json_node_get_object (pod);
  struct { const char *path, *value; } cases[] = {
    { "metadata.name", "web-1" }, { "spec.unschedulable", "false" },
    { "status.ready", "true" }, { "spec.priority", "-3" },
    { "spec.weight", "2.5" }, { "spec.big", "1000" }, { "spec.labels", "" },
    { "spec.nope.deeper", "" }, { "metadata.name.x", "" }, { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *v = kc_field_selector_value_of (o, cases[i].path);
      g_assert_cmpstr (v, ==, cases[i].value);
    }
}

static void
test_errors (void)
{
  struct { const char *selector, *message; } cases[] = {
    { "spec.host=x", "field label not supported: spec.host" },
    { "metadata.name=a,foo!=b", "field label not supported: foo" },
    { "metadata.name", "invalid selector: 'metadata.name'; can't understand "
      "'metadata.name'" },
    { "metadata.name=a,status.phase", "can't understand 'status.phase'" },
    { "=x", "term '=x' has no field name" },
    { "metadata.name=a=b", "unescaped character in value: '='" },
    { "metadata.name=a\\x", "invalid escape sequence: \\x" },
    { "metadata.name=a\\", "invalid escape sequence: \\ at the end" },
    { "metadata.name===", "unescaped character in value: '='" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KcFieldSelector) sel =
          kc_field_selector_parse (cases[i].selector, pod_fields, &error);
      g_assert_null (sel);
      g_assert_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("selector %s: message \"%s\" lacks \"%s\"",
                 cases[i].selector, error->message, cases[i].message);
    }
  /* Kubernetes' exact wording for an unsupported field. */
  g_autoptr (GError) error = NULL;
  g_assert_null (kc_field_selector_parse ("spec.host=x", pod_fields,
                                          &error));
  g_assert_cmpstr (error->message, ==, "field label not supported: "
                   "spec.host");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/field-selector/match", test_match);
  g_test_add_func ("/field-selector/everything", test_everything);
  g_test_add_func ("/field-selector/required-value", test_required_value);
  g_test_add_func ("/field-selector/value-of", test_value_of);
  g_test_add_func ("/field-selector/errors", test_errors);
  return g_test_run ();
}
