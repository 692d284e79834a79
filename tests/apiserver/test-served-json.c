/* The served form of stored objects: the fast splice of metadata.
 * resourceVersion must give what parsing and writing the object gives,
 * and must step aside for anything it does not fully understand. */
#include "build-config.h"

#include "json-test.h"

#include "apiserver/api-object.h"
#include "apiserver/served-json.h"

/* The served JSON of @text (quotes written as '), checked against the
 * parsed way; returns whether the fast splice applied. */
static gboolean
check_served (const char *text)
{
  g_autofree char *json = g_strdup (text);
  g_strdelimit (json, "'", '"');
  g_autoptr (GBytes) stored = g_bytes_new (json, strlen (json));
  gsize at = 0;
  gboolean empty = FALSE;
  gboolean spliced
      = kc_served_json_insert_point (json, strlen (json), &at, &empty);

  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) served = kc_served_json (stored, 42, &error);
  g_assert_no_error (error);
  g_autoptr (JsonNode) want = kc_object_decode (stored, 42, &error);
  g_assert_no_error (error);
  gsize len = 0;
  const char *data = g_bytes_get_data (served, &len);
  /* Served bytes are not NUL-terminated: parse with the length. */
  g_autoptr (JsonNode) got = kc_object_parse (data, len, &error);
  g_assert_no_error (error);
  g_assert_true (kc_json_equal (got, want));
  return spliced;
}

static void
test_spliced (void)
{
  g_assert_true (check_served (
      "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'a','namespace':"
      "'default','labels':{'metadata':'x','resourceVersion':'7'}},'spec':"
      "{'containers':[{'name':'c','image':'i','args':['}','{','\\\"']}]}}"));
  g_assert_true (check_served ("{'metadata':{}}"));
  g_assert_true (check_served (" { 'kind' : 'X' , 'metadata' : { } } \n"));
  g_assert_true (check_served (
      "{'spec':{'metadata':{'resourceVersion':'1'}},'n':-1.5e3,'t':true,"
      "'z':null,'metadata':{'name':'last'}}"));
}

static void
test_falls_back (void)
{
  /* A stored resourceVersion is replaced, as the parsed way does. */
  g_assert_false (check_served ("{'metadata':{'resourceVersion':'9'}}"));
  /* An escaped key might spell resourceVersion or metadata. */
  g_assert_false (check_served (
      "{'metadata':{'resource\\u0056ersion':'9'}}"));
  g_assert_false (check_served ("{'meta\\u0064ata':{'name':'x'}}"));
  /* No metadata at all: the parsed way makes one. */
  g_assert_false (check_served ("{'kind':'Pod'}"));
  g_assert_false (check_served ("{}"));
}

static void
test_malformed (void)
{
  const char *const bad[] = { "", "[]", "{", "{'metadata':{}", "{'metadata'}",
                              "{'metadata':{}}x", "{'metadata':{'a':}}" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *json = g_strdup (bad[i]);
      g_strdelimit (json, "'", '"');
      gsize at;
      gboolean empty;
      g_assert_false (
          kc_served_json_insert_point (json, strlen (json), &at, &empty));
    }
  g_autoptr (GBytes) garbage = g_bytes_new_static ("{\"metadata\":", 12);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) served = kc_served_json (garbage, 1, &error);
  g_assert_null (served);
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/served-json/spliced", test_spliced);
  g_test_add_func ("/served-json/falls-back", test_falls_back);
  g_test_add_func ("/served-json/malformed", test_malformed);
  return g_test_run ();
}
