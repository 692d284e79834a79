/* The three patch types: RFC 7386's and RFC 6902's appendix examples, and
 * strategic merge patches as kubectl sends them. */
#include "build-config.h"

#include "apiserver/api-error.h"
#include "apiserver/patch.h"
#include "json-test.h"

typedef JsonNode *(*PatchFunc) (JsonNode *, JsonNode *, GError **);

/* Applies @patch to @original with @func, checks the inputs are left
 * alone, and returns the result (NULL with @error on failure). */
static JsonNode *
apply (PatchFunc func, const char *original, const char *patch,
       GError **error)
{
  g_autoptr (JsonNode) o = kc_test_json (original);
  g_autoptr (JsonNode) p = kc_test_json (patch);
  g_autoptr (JsonNode) o_before = kc_json_deep_copy (o);
  g_autoptr (JsonNode) p_before = kc_json_deep_copy (p);
  JsonNode *result = func (o, p, error);

  g_assert_true (kc_json_equal (o, o_before));
  g_assert_true (kc_json_equal (p, p_before));
  if (result != NULL)
    {
      /* The result shares nothing with the inputs: changing it leaves
       * them alone. */
      if (JSON_NODE_HOLDS_OBJECT (result))
        json_object_set_string_member (json_node_get_object (result),
                                       "kc-test", "x");
      g_assert_true (kc_json_equal (o, o_before));
      g_assert_true (kc_json_equal (p, p_before));
      if (JSON_NODE_HOLDS_OBJECT (result))
        json_object_remove_member (json_node_get_object (result), "kc-test");
    }
  return result;
}

static void
check_ok (PatchFunc func, const char *original, const char *patch,
          const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) got = apply (func, original, patch, &error);

  g_test_message ("patch %s", patch);
  g_assert_no_error (error);
  kc_assert_json (got, want);
}

static void
check_error (PatchFunc func, const char *original, const char *patch,
             gint code, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) got = apply (func, original, patch, &error);

  g_test_message ("patch %s", patch);
  g_assert_null (got);
  g_assert_error (error, KC_API_ERROR, code);
  if (strstr (error->message, message) == NULL)
    g_error ("patch %s: message \"%s\" lacks \"%s\"", patch, error->message,
             message);
}

/* --- Helpers --- */

static void
test_json_equal (void)
{
  struct { const char *a, *b; gboolean equal; } cases[] = {
    { "1", "1.0", TRUE }, { "1", "2", FALSE }, { "'1'", "1", FALSE },
    { "{'a':1,'b':2}", "{'b':2,'a':1}", TRUE },
    { "{'a':1}", "{'a':1,'b':2}", FALSE }, { "[1,2]", "[2,1]", FALSE },
    { "null", "null", TRUE }, { "true", "false", FALSE },
    { "{'a':null}", "{}", FALSE }, { "[[]]", "[[]]", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) a = kc_test_json (cases[i].a);
      g_autoptr (JsonNode) b = kc_test_json (cases[i].b);
      g_assert_cmpint (kc_json_equal (a, b), ==, cases[i].equal);
    }
}

/* --- RFC 7386 --- */

static void
test_merge_rfc7386 (void)
{
  /* Appendix A. */
  const char *cases[][3] = {
    { "{'a':'b'}", "{'a':'c'}", "{'a':'c'}" },
    { "{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}" },
    { "{'a':'b'}", "{'a':null}", "{}" },
    { "{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}" },
    { "{'a':['b']}", "{'a':'c'}", "{'a':'c'}" },
    { "{'a':'c'}", "{'a':['b']}", "{'a':['b']}" },
    { "{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}" },
    { "{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}" },
    { "['a','b']", "['c','d']", "['c','d']" },
    { "{'a':'b'}", "['c']", "['c']" },
    { "{'a':'foo'}", "null", "null" },
    { "{'a':'foo'}", "'bar'", "'bar'" },
    { "{'e':null}", "{'a':1}", "{'e':null,'a':1}" },
    { "[1,2]", "{'a':'b','c':null}", "{'a':'b'}" },
    { "{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}" },
    /* Section 3's example. */
    { "{'title':'Goodbye!','author':{'givenName':'John',"
      "'familyName':'Doe'},'tags':['example','sample'],"
      "'content':'This will be unchanged'}",
      "{'title':'Hello!','phoneNumber':'+01-123-456-7890',"
      "'author':{'familyName':null},'tags':['example']}",
      "{'title':'Hello!','author':{'givenName':'John'},'tags':['example'],"
      "'content':'This will be unchanged','phoneNumber':'+01-123-456-7890'}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_ok (kc_patch_merge, cases[i][0], cases[i][1], cases[i][2]);
}

static void
test_merge_no_original (void)
{
  g_autoptr (JsonNode) p = kc_test_json ("{'a':{'b':null,'c':1}}");
  g_autoptr (JsonNode) got = kc_patch_merge (NULL, p, NULL);

  kc_assert_json (got, "{'a':{'c':1}}");
}

/* --- RFC 6902 --- */

static void
test_json_rfc6902 (void)
{
  /* Appendix A, the examples that succeed. */
  const char *cases[][3] = {
    /* A.1 */
    { "{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux'}]",
      "{'baz':'qux','foo':'bar'}" },
    /* A.2 */
    { "{'foo':['bar','baz']}", "[{'op':'add','path':'/foo/1','value':'qux'}]",
      "{'foo':['bar','qux','baz']}" },
    /* A.3 */
    { "{'baz':'qux','foo':'bar'}", "[{'op':'remove','path':'/baz'}]",
      "{'foo':'bar'}" },
    /* A.4 */
    { "{'foo':['bar','qux','baz']}", "[{'op':'remove','path':'/foo/1'}]",
      "{'foo':['bar','baz']}" },
    /* A.5 */
    { "{'baz':'qux','foo':'bar'}",
      "[{'op':'replace','path':'/baz','value':'boo'}]",
      "{'baz':'boo','foo':'bar'}" },
    /* A.6 */
    { "{'foo':{'bar':'baz','waldo':'fred'},'qux':{'corge':'grault'}}",
      "[{'op':'move','from':'/foo/waldo','path':'/qux/thud'}]",
      "{'foo':{'bar':'baz'},'qux':{'corge':'grault','thud':'fred'}}" },
    /* A.7 */
    { "{'foo':['all','grass','cows','eat']}",
      "[{'op':'move','from':'/foo/1','path':'/foo/3'}]",
      "{'foo':['all','cows','eat','grass']}" },
    /* A.8 */
    { "{'baz':'qux','foo':['a',2,'c']}",
      "[{'op':'test','path':'/baz','value':'qux'},"
      "{'op':'test','path':'/foo/1','value':2}]",
      "{'baz':'qux','foo':['a',2,'c']}" },
    /* A.10 */
    { "{'foo':'bar'}",
      "[{'op':'add','path':'/child','value':{'grandchild':{}}}]",
      "{'foo':'bar','child':{'grandchild':{}}}" },
    /* A.11 */
    { "{'foo':'bar'}",
      "[{'op':'add','path':'/baz','value':'qux','xyz':123}]",
      "{'foo':'bar','baz':'qux'}" },
    /* A.14 */
    { "{'/':9,'~1':10}", "[{'op':'test','path':'/~01','value':10}]",
      "{'/':9,'~1':10}" },
    /* A.16 */
    { "{'foo':['bar']}",
      "[{'op':'add','path':'/foo/-','value':['abc','def']}]",
      "{'foo':['bar',['abc','def']]}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_ok (kc_patch_json, cases[i][0], cases[i][1], cases[i][2]);
}

static void
test_json_rfc6902_errors (void)
{
  /* A.9 */
  check_error (kc_patch_json, "{'baz':'qux'}",
               "[{'op':'test','path':'/baz','value':'bar'}]",
               KC_API_ERROR_INVALID,
               "json patch operation 0 (test \"/baz\"): test failed: the "
               "value is \"qux\", not \"bar\"");
  /* A.12 */
  check_error (kc_patch_json, "{'foo':'bar'}",
               "[{'op':'add','path':'/baz/bat','value':'qux'}]",
               KC_API_ERROR_INVALID,
               "operation 0 (add \"/baz/bat\"): member \"baz\" does not "
               "exist");
  /* A.13: a duplicate "op".  json-glib keeps the last member, so this is
   * a remove of a member that does not exist: still refused. */
  check_error (kc_patch_json, "{'foo':'bar'}",
               "[{'op':'add','path':'/baz','value':'qux','op':'remove'}]",
               KC_API_ERROR_INVALID, "operation 0");
  /* A.15 */
  check_error (kc_patch_json, "{'/':9,'~1':10}",
               "[{'op':'test','path':'/~01','value':'10'}]",
               KC_API_ERROR_INVALID, "test failed");
}

static void
test_json_more (void)
{
  const char *cases[][3] = {
    /* copy */
    { "{'a':{'b':[1]}}", "[{'op':'copy','from':'/a','path':'/c'}]",
      "{'a':{'b':[1]},'c':{'b':[1]}}" },
    { "{'a':[1,2]}", "[{'op':'copy','from':'/a/0','path':'/a/-'}]",
      "{'a':[1,2,1]}" },
    /* the whole document */
    { "{'a':1}", "[{'op':'replace','path':'','value':[1]}]", "[1]" },
    { "{'a':1}", "[{'op':'add','path':'','value':{'b':2}}]", "{'b':2}" },
    { "[1]", "[{'op':'test','path':'','value':[1]}]", "[1]" },
    /* arrays at both ends, replace in an array */
    { "[1,2]", "[{'op':'add','path':'/0','value':0},"
      "{'op':'add','path':'/3','value':3}]", "[0,1,2,3]" },
    { "[1,2]", "[{'op':'replace','path':'/1','value':'x'}]", "[1,'x']" },
    { "[1,2]", "[{'op':'remove','path':'/1'},{'op':'remove','path':'/0'}]",
      "[]" },
    /* an add over a member replaces it, an add of null is a value */
    { "{'a':1}", "[{'op':'add','path':'/a','value':null}]", "{'a':null}" },
    /* escapes in member names; empty member name */
    { "{'a/b':1,'m~n':2,'':3}",
      "[{'op':'replace','path':'/a~1b','value':10},"
      "{'op':'remove','path':'/m~0n'},{'op':'replace','path':'/','value':4}]",
      "{'a/b':10,'':4}" },
    /* moving to the same place changes nothing */
    { "{'a':1}", "[{'op':'move','from':'/a','path':'/a'}]", "{'a':1}" },
    /* kubectl-style: label a pod */
    { "{'metadata':{'labels':{'a':'b'}}}",
      "[{'op':'add','path':'/metadata/labels/c','value':'d'},"
      "{'op':'replace','path':'/metadata/labels/a','value':'e'}]",
      "{'metadata':{'labels':{'a':'e','c':'d'}}}" },
    /* an empty patch */
    { "{'a':1}", "[]", "{'a':1}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_ok (kc_patch_json, cases[i][0], cases[i][1], cases[i][2]);
}

static void
test_json_errors (void)
{
  struct { const char *doc, *patch; gint code; const char *message; }
  cases[] = {
    { "{}", "{'op':'add'}", KC_API_ERROR_BAD_REQUEST,
      "must be an array of operations" },
    { "{}", "[1]", KC_API_ERROR_BAD_REQUEST,
      "operation 0: an operation must be an object" },
    { "{}", "[{'path':'/a'}]", KC_API_ERROR_BAD_REQUEST,
      "operation 0: \"op\" is missing" },
    { "{}", "[{'op':'frob','path':'/a'}]", KC_API_ERROR_BAD_REQUEST,
      "unknown op \"frob\"" },
    { "{}", "[{'op':'add','value':1}]", KC_API_ERROR_BAD_REQUEST,
      "\"path\" is missing" },
    { "{}", "[{'op':'add','path':'/a'}]", KC_API_ERROR_BAD_REQUEST,
      "operation 0 (add \"/a\"): \"value\" is missing" },
    { "{}", "[{'op':'test','path':'/a'}]", KC_API_ERROR_BAD_REQUEST,
      "\"value\" is missing" },
    { "{}", "[{'op':'move','path':'/a'}]", KC_API_ERROR_BAD_REQUEST,
      "\"from\" is missing" },
    { "{}", "[{'op':'copy','path':'/a','from':'x'}]",
      KC_API_ERROR_BAD_REQUEST, "must be empty or start with '/'" },
    { "{}", "[{'op':'add','path':'a','value':1}]", KC_API_ERROR_BAD_REQUEST,
      "must be empty or start with '/'" },
    { "{}", "[{'op':'add','path':'/a~2','value':1}]",
      KC_API_ERROR_BAD_REQUEST, "'~' must be followed by '0' or '1'" },
    { "{}", "[{'op':'add','path':'/a~','value':1}]",
      KC_API_ERROR_BAD_REQUEST, "'~' must be followed by '0' or '1'" },
    { "{'a':1}", "[{'op':'remove','path':'/b'}]", KC_API_ERROR_INVALID,
      "operation 0 (remove \"/b\"): member \"b\" does not exist" },
    { "{'a':1}", "[{'op':'replace','path':'/b','value':1}]",
      KC_API_ERROR_INVALID, "member \"b\" does not exist" },
    { "{'a':1}", "[{'op':'remove','path':''}]", KC_API_ERROR_INVALID,
      "the whole document cannot be removed" },
    { "[1]", "[{'op':'add','path':'/2','value':1}]", KC_API_ERROR_INVALID,
      "array index 2 is out of range (the array has 1 elements)" },
    { "[1]", "[{'op':'remove','path':'/1'}]", KC_API_ERROR_INVALID,
      "array index 1 is out of range" },
    { "[1]", "[{'op':'remove','path':'/-'}]", KC_API_ERROR_INVALID,
      "\"-\" is not an array index" },
    { "[1,2]", "[{'op':'remove','path':'/01'}]", KC_API_ERROR_INVALID,
      "\"01\" is not an array index" },
    { "[1,2]", "[{'op':'remove','path':'/-1'}]", KC_API_ERROR_INVALID,
      "\"-1\" is not an array index" },
    { "[1]", "[{'op':'add','path':'/99999999999','value':1}]",
      KC_API_ERROR_INVALID, "out of range" },
    { "{'a':1}", "[{'op':'add','path':'/a/b','value':1}]",
      KC_API_ERROR_INVALID, "the parent of the target is neither" },
    { "{'a':1}", "[{'op':'test','path':'/a/b','value':1}]",
      KC_API_ERROR_INVALID, "neither an object nor an array" },
    { "{'a':{'b':1}}", "[{'op':'move','from':'/a','path':'/a/c'}]",
      KC_API_ERROR_INVALID, "cannot be moved into one of its own children" },
    { "{'a':1}", "[{'op':'copy','from':'/x','path':'/b'}]",
      KC_API_ERROR_INVALID,
      "operation 0 (copy \"/b\"): \"from\" \"/x\": member \"x\" does not "
      "exist" },
    /* the index names the failing operation */
    { "{'a':1}", "[{'op':'test','path':'/a','value':1},"
      "{'op':'remove','path':'/a'},{'op':'remove','path':'/a'}]",
      KC_API_ERROR_INVALID, "operation 2 (remove \"/a\")" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_error (kc_patch_json, cases[i].doc, cases[i].patch, cases[i].code,
                 cases[i].message);
}

/* All or nothing: operations before the failing one leave no trace. */
static void
test_json_atomic (void)
{
  g_autoptr (JsonNode) o = kc_test_json ("{'a':{'b':1},'c':[1,2]}");
  g_autoptr (JsonNode) p = kc_test_json
      ("[{'op':'remove','path':'/a/b'},{'op':'add','path':'/c/0','value':0},"
       "{'op':'test','path':'/c/0','value':5}]");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) got = kc_patch_json (o, p, &error);

  g_assert_null (got);
  g_assert_error (error, KC_API_ERROR, KC_API_ERROR_INVALID);
  kc_assert_json (o, "{'a':{'b':1},'c':[1,2]}");
}

/* --- Strategic merge patch --- */

#define DEPLOYMENT \
  "{'apiVersion':'apps/v1','kind':'Deployment'," \
  "'metadata':{'name':'web','labels':{'app':'web','old':'x'}," \
  "'annotations':{'keep':'1'},'finalizers':['a','b']}," \
  "'spec':{'replicas':1,'strategy':{'type':'RollingUpdate'," \
  "'rollingUpdate':{'maxSurge':1}}," \
  "'template':{'metadata':{'labels':{'app':'web'}}," \
  "'spec':{'containers':[" \
  "{'name':'nginx','image':'nginx:1.14','args':['-a','-b']," \
  "'env':[{'name':'A','value':'1'}]," \
  "'ports':[{'containerPort':80,'protocol':'TCP'}]}," \
  "{'name':'sidecar','image':'busybox'}]," \
  "'tolerations':[{'key':'k1','operator':'Exists'}]}}}}"

static void
test_smp_set_image (void)
{
  /* kubectl set image deployment/web nginx=nginx:1.16 */
  check_ok (kc_patch_strategic, DEPLOYMENT,
            "{'spec':{'template':{'spec':{'containers':[{'name':'nginx',"
            "'image':'nginx:1.16'}]}}}}",
            "{'apiVersion':'apps/v1','kind':'Deployment',"
            "'metadata':{'name':'web','labels':{'app':'web','old':'x'},"
            "'annotations':{'keep':'1'},'finalizers':['a','b']},"
            "'spec':{'replicas':1,'strategy':{'type':'RollingUpdate',"
            "'rollingUpdate':{'maxSurge':1}},"
            "'template':{'metadata':{'labels':{'app':'web'}},"
            "'spec':{'containers':["
            "{'name':'nginx','image':'nginx:1.16','args':['-a','-b'],"
            "'env':[{'name':'A','value':'1'}],"
            "'ports':[{'containerPort':80,'protocol':'TCP'}]},"
            "{'name':'sidecar','image':'busybox'}],"
            "'tolerations':[{'key':'k1','operator':'Exists'}]}}}}");
}

/* Checks @path (a JSON pointer) of the result of @patch on DEPLOYMENT. */
static void
check_smp_at (const char *patch, const char *path, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) got = apply (kc_patch_strategic, DEPLOYMENT, patch,
                                    &error);
  g_autofree char *test = g_strdup_printf
      ("[{'op':'copy','from':'%s','path':'/kc-result'}]", path);
  g_autoptr (JsonNode) copy = kc_test_json (test);
  g_autoptr (JsonNode) with = NULL;

  g_test_message ("patch %s at %s", patch, path);
  g_assert_no_error (error);
  with = kc_patch_json (got, copy, &error);
  g_assert_no_error (error);
  kc_assert_json (json_object_get_member (json_node_get_object (with),
                                          "kc-result"), want);
}

static void
test_smp_kubectl (void)
{
  /* kubectl rollout restart */
  check_smp_at ("{'spec':{'template':{'metadata':{'annotations':"
                "{'kubectl.kubernetes.io/restartedAt':'2024-01-01T00:00:00Z'"
                "}}}}}",
                "/spec/template/metadata",
                "{'labels':{'app':'web'},'annotations':"
                "{'kubectl.kubernetes.io/restartedAt':'2024-01-01T00:00:00Z'"
                "}}");
  /* kubectl scale */
  check_smp_at ("{'spec':{'replicas':5}}", "/spec/replicas", "5");
  /* kubectl label web new=y old- */
  check_smp_at ("{'metadata':{'labels':{'new':'y','old':null}}}",
                "/metadata/labels", "{'app':'web','new':'y'}");
  /* kubectl annotate web keep- note=z */
  check_smp_at ("{'metadata':{'annotations':{'keep':null,'note':'z'}}}",
                "/metadata/annotations", "{'note':'z'}");
  /* deleting a key that is not there changes nothing */
  check_smp_at ("{'metadata':{'annotations':{'gone':null}}}",
                "/metadata/annotations", "{'keep':'1'}");
  /* nulls inside a new subtree are dropped, not stored */
  check_smp_at ("{'spec':{'template':{'spec':{'nodeSelector':"
                "{'a':'1','b':null}}}}}",
                "/spec/template/spec/nodeSelector", "{'a':'1'}");
  /* kubectl cordon (on a Node) */
  check_ok (kc_patch_strategic,
            "{'kind':'Node','metadata':{'name':'n1'},'spec':{'podCIDR':'x'}}",
            "{'spec':{'unschedulable':true}}",
            "{'kind':'Node','metadata':{'name':'n1'},"
            "'spec':{'podCIDR':'x','unschedulable':true}}");
  /* kubectl uncordon */
  check_ok (kc_patch_strategic,
            "{'spec':{'unschedulable':true,'taints':[{'key':'a',"
            "'effect':'NoSchedule'},{'key':'b','effect':'NoExecute'}]}}",
            "{'spec':{'unschedulable':null,'taints':[{'key':'b',"
            "'$patch':'delete'}]}}",
            "{'spec':{'taints':[{'key':'a','effect':'NoSchedule'}]}}");
}

static void
test_smp_apply (void)
{
  /* kubectl apply adding a container and an env var */
  check_smp_at ("{'spec':{'template':{'spec':{"
                "'$setElementOrder/containers':[{'name':'nginx'},"
                "{'name':'sidecar'},{'name':'redis'}],"
                "'containers':[{'$setElementOrder/env':[{'name':'A'},"
                "{'name':'B'}],'env':[{'name':'B','value':'2'}],"
                "'name':'nginx'},{'image':'redis','name':'redis'}]}}}}",
                "/spec/template/spec/containers",
                "[{'name':'nginx','image':'nginx:1.14','args':['-a','-b'],"
                "'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],"
                "'ports':[{'containerPort':80,'protocol':'TCP'}]},"
                "{'name':'sidecar','image':'busybox'},"
                "{'name':'redis','image':'redis'}]");
  /* kubectl apply removing a container and an env var */
  check_smp_at ("{'spec':{'template':{'spec':{"
                "'$setElementOrder/containers':[{'name':'nginx'}],"
                "'containers':[{'$setElementOrder/env':[],"
                "'env':[{'$patch':'delete','name':'A'}],'name':'nginx'},"
                "{'$patch':'delete','name':'sidecar'}]}}}}",
                "/spec/template/spec/containers",
                "[{'name':'nginx','image':'nginx:1.14','args':['-a','-b'],"
                "'env':[],"
                "'ports':[{'containerPort':80,'protocol':'TCP'}]}]");
  /* kubectl apply changing args (a plain list: replaced) and a port */
  check_smp_at ("{'spec':{'template':{'spec':{'containers':[{'name':'nginx',"
                "'args':['-c'],'ports':[{'containerPort':80,"
                "'name':'http'}]}]}}}}",
                "/spec/template/spec/containers/0",
                "{'name':'nginx','image':'nginx:1.14','args':['-c'],"
                "'env':[{'name':'A','value':'1'}],"
                "'ports':[{'containerPort':80,'protocol':'TCP',"
                "'name':'http'}]}");
  /* tolerations have no merge key: replaced */
  check_smp_at ("{'spec':{'template':{'spec':{'tolerations':"
                "[{'key':'k2','operator':'Exists'}]}}}}",
                "/spec/template/spec/tolerations",
                "[{'key':'k2','operator':'Exists'}]");
}

static void
test_smp_finalizers (void)
{
  check_smp_at ("{'metadata':{'finalizers':['c','a']}}",
                "/metadata/finalizers", "['a','b','c']");
  check_smp_at ("{'metadata':{'$deleteFromPrimitiveList/finalizers':['a'],"
                "'$setElementOrder/finalizers':['b']}}",
                "/metadata/finalizers", "['b']");
  check_smp_at ("{'metadata':{'$deleteFromPrimitiveList/finalizers':"
                "['b','zz'],'finalizers':['c']}}",
                "/metadata/finalizers", "['a','c']");
  /* the order the patch asks for */
  check_smp_at ("{'metadata':{'$setElementOrder/finalizers':['c','b','a'],"
                "'finalizers':['c']}}",
                "/metadata/finalizers", "['c','b','a']");
  /* finalizers outside metadata are a plain list */
  check_ok (kc_patch_strategic, "{'spec':{'finalizers':['kubernetes']}}",
            "{'spec':{'finalizers':['x']}}",
            "{'spec':{'finalizers':['x']}}");
}

static void
test_smp_element_order (void)
{
  const char *three = "{'spec':{'containers':[{'name':'a'},{'name':'x'},"
                      "{'name':'b'}]}}";

  check_ok (kc_patch_strategic, three,
            "{'spec':{'$setElementOrder/containers':[{'name':'b'},"
            "{'name':'x'},{'name':'a'}]}}",
            "{'spec':{'containers':[{'name':'b'},{'name':'x'},"
            "{'name':'a'}]}}");
  /* elements the order leaves out keep their place relative to the
   * others (Kubernetes' mergeSortedSlice) */
  check_ok (kc_patch_strategic, three,
            "{'spec':{'$setElementOrder/containers':[{'name':'b'},"
            "{'name':'a'}]}}",
            "{'spec':{'containers':[{'name':'x'},{'name':'b'},"
            "{'name':'a'}]}}");
  /* a new element goes where the order puts it */
  check_ok (kc_patch_strategic, three,
            "{'spec':{'$setElementOrder/containers':[{'name':'a'},"
            "{'name':'n'},{'name':'x'},{'name':'b'}],"
            "'containers':[{'name':'n','image':'i'}]}}",
            "{'spec':{'containers':[{'name':'a'},{'name':'n','image':'i'},"
            "{'name':'x'},{'name':'b'}]}}");
  /* without an order, new elements are appended */
  check_ok (kc_patch_strategic, three,
            "{'spec':{'containers':[{'name':'n'}]}}",
            "{'spec':{'containers':[{'name':'a'},{'name':'x'},{'name':'b'},"
            "{'name':'n'}]}}");
}

static void
test_smp_directives (void)
{
  /* $patch: replace in a map */
  check_smp_at ("{'metadata':{'labels':{'$patch':'replace','only':'this'}}}",
                "/metadata/labels", "{'only':'this'}");
  /* $patch: replace in a list */
  check_smp_at ("{'spec':{'template':{'spec':{'containers':["
                "{'$patch':'replace'},{'name':'solo','image':'s'}]}}}}",
                "/spec/template/spec/containers",
                "[{'name':'solo','image':'s'}]");
  /* $patch: delete in a map empties it (Kubernetes' semantics) */
  check_smp_at ("{'spec':{'strategy':{'$patch':'delete'}}}",
                "/spec/strategy", "{}");
  /* $patch: delete of the whole object */
  check_ok (kc_patch_strategic, "{'a':1}", "{'$patch':'delete'}", "{}");
  /* $patch: merge is the default */
  check_smp_at ("{'metadata':{'labels':{'$patch':'merge','z':'1'}}}",
                "/metadata/labels", "{'app':'web','old':'x','z':'1'}");
  /* $retainKeys: the strategy switches from RollingUpdate to Recreate */
  check_smp_at ("{'spec':{'strategy':{'$retainKeys':['type'],"
                "'type':'Recreate'}}}",
                "/spec/strategy", "{'type':'Recreate'}");
  check_smp_at ("{'spec':{'strategy':{'$retainKeys':['type','rollingUpdate'],"
                "'rollingUpdate':{'maxUnavailable':0}}}}",
                "/spec/strategy",
                "{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1,"
                "'maxUnavailable':0}}");
  /* directives in a new subtree never reach the result */
  check_ok (kc_patch_strategic, "{}",
            "{'spec':{'$retainKeys':['containers'],'containers':["
            "{'name':'a','$setElementOrder/env':[{'name':'E'}],"
            "'env':[{'name':'E','value':'v'}]}]}}",
            "{'spec':{'containers':[{'name':'a','env':[{'name':'E',"
            "'value':'v'}]}]}}");
}

static void
test_smp_merge_keys (void)
{
  /* Service ports merge by port */
  check_ok (kc_patch_strategic,
            "{'kind':'Service','spec':{'ports':[{'name':'http','port':80},"
            "{'name':'https','port':443}]}}",
            "{'spec':{'ports':[{'port':80,'targetPort':8080},"
            "{'port':8443,'name':'alt'}]}}",
            "{'kind':'Service','spec':{'ports':[{'name':'http','port':80,"
            "'targetPort':8080},{'name':'https','port':443},"
            "{'port':8443,'name':'alt'}]}}");
  /* conditions by type, ownerReferences by uid */
  check_ok (kc_patch_strategic,
            "{'metadata':{'ownerReferences':[{'uid':'1','name':'a'}]},"
            "'status':{'conditions':[{'type':'Ready','status':'False'},"
            "{'type':'Initialized','status':'True'}]}}",
            "{'metadata':{'ownerReferences':[{'uid':'2','name':'b'}]},"
            "'status':{'conditions':[{'type':'Ready','status':'True'}]}}",
            "{'metadata':{'ownerReferences':[{'uid':'1','name':'a'},"
            "{'uid':'2','name':'b'}]},"
            "'status':{'conditions':[{'type':'Ready','status':'True'},"
            "{'type':'Initialized','status':'True'}]}}");
  /* volumes and volumeMounts, node addresses */
  check_ok (kc_patch_strategic,
            "{'spec':{'volumes':[{'name':'v','emptyDir':{}}],"
            "'containers':[{'name':'c','volumeMounts':[{'name':'v',"
            "'mountPath':'/a'}]}]},"
            "'status':{'addresses':[{'type':'InternalIP','address':'1'}]}}",
            "{'spec':{'volumes':[{'name':'w','hostPath':{'path':'/w'}}],"
            "'containers':[{'name':'c','volumeMounts':[{'name':'w',"
            "'mountPath':'/a'}]}]},"
            "'status':{'addresses':[{'type':'Hostname','address':'h'}]}}",
            "{'spec':{'volumes':[{'name':'v','emptyDir':{}},{'name':'w',"
            "'hostPath':{'path':'/w'}}],"
            "'containers':[{'name':'c','volumeMounts':[{'name':'w',"
            "'mountPath':'/a'}]}]},"
            "'status':{'addresses':[{'type':'InternalIP','address':'1'},"
            "{'type':'Hostname','address':'h'}]}}");
  /* Endpoints subsets are replaced */
  check_ok (kc_patch_strategic,
            "{'subsets':[{'addresses':[{'ip':'1'}]}]}",
            "{'subsets':[{'addresses':[{'ip':'2'}]}]}",
            "{'subsets':[{'addresses':[{'ip':'2'}]}]}");
  /* a map replaced by a scalar and back */
  check_ok (kc_patch_strategic, "{'a':{'b':1},'c':2}",
            "{'a':3,'c':{'d':null,'e':4}}", "{'a':3,'c':{'e':4}}");
}

static void
test_smp_errors (void)
{
  check_error (kc_patch_strategic, "{}", "[1]", KC_API_ERROR_BAD_REQUEST,
               "the patch must be a JSON object");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'spec':{'strategy':{'$patch':'frob'}}}",
               KC_API_ERROR_BAD_REQUEST,
               "spec.strategy: unknown $patch directive \"frob\"");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'spec':{'template':{'spec':{'containers':[{'name':'x'},"
               "{'image':'nginx'}]}}}}",
               KC_API_ERROR_BAD_REQUEST,
               "spec.template.spec.containers: element 1 does not contain "
               "declared merge key: name");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'spec':{'template':{'spec':{'containers':['nginx']}}}}",
               KC_API_ERROR_BAD_REQUEST,
               "spec.template.spec.containers: element 0 is not an object");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'spec':{'template':{'spec':{'containers':[{'name':'nginx',"
               "'env':[{'value':'1'}]}]}}}}",
               KC_API_ERROR_BAD_REQUEST,
               "spec.template.spec.containers[name=\"nginx\"].env: element 0 "
               "does not contain declared merge key: name");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'spec':{'template':{'spec':{'containers':[{'$patch':'x'}]}}}}",
               KC_API_ERROR_BAD_REQUEST, "element 0: unknown $patch");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'spec':{'strategy':{'$retainKeys':['type'],"
               "'rollingUpdate':{}}}}",
               KC_API_ERROR_INVALID,
               "spec.strategy: the patch sets \"rollingUpdate\", which its "
               "$retainKeys does not list");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'spec':{'strategy':{'$retainKeys':'type'}}}",
               KC_API_ERROR_BAD_REQUEST, "$retainKeys must be a list");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'metadata':{'$setElementOrder/finalizers':'a'}}",
               KC_API_ERROR_BAD_REQUEST,
               "metadata: $setElementOrder/finalizers must be a list");
  check_error (kc_patch_strategic, DEPLOYMENT,
               "{'metadata':{'$deleteFromPrimitiveList/finalizers':{}}}",
               KC_API_ERROR_BAD_REQUEST,
               "$deleteFromPrimitiveList/finalizers must be a list");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/patch/json-equal", test_json_equal);
  g_test_add_func ("/patch/merge/rfc7386", test_merge_rfc7386);
  g_test_add_func ("/patch/merge/no-original", test_merge_no_original);
  g_test_add_func ("/patch/json/rfc6902", test_json_rfc6902);
  g_test_add_func ("/patch/json/rfc6902-errors", test_json_rfc6902_errors);
  g_test_add_func ("/patch/json/more", test_json_more);
  g_test_add_func ("/patch/json/errors", test_json_errors);
  g_test_add_func ("/patch/json/atomic", test_json_atomic);
  g_test_add_func ("/patch/strategic/set-image", test_smp_set_image);
  g_test_add_func ("/patch/strategic/kubectl", test_smp_kubectl);
  g_test_add_func ("/patch/strategic/apply", test_smp_apply);
  g_test_add_func ("/patch/strategic/finalizers", test_smp_finalizers);
  g_test_add_func ("/patch/strategic/element-order", test_smp_element_order);
  g_test_add_func ("/patch/strategic/directives", test_smp_directives);
  g_test_add_func ("/patch/strategic/merge-keys", test_smp_merge_keys);
  g_test_add_func ("/patch/strategic/errors", test_smp_errors);
  return g_test_run ();
}
