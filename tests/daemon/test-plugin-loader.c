/* The plugin loader refuses each kind of broken plugin with its own error
 * code and one exact line (tests/plugins/ builds the broken plugins). */
#include "build-config.h"

#include "plugin-loader.h"
#include "test-util.h"

static char *plugin_dir;

static char *
path_of (const char *name)
{
  return g_strdup_printf ("%s/controller-%s.so", plugin_dir, name);
}

static KcPlugin *
load (const char *name, GError **error)
{
  const char *const search_path[] = { plugin_dir, NULL };
  return kc_plugin_load ("controller test", KC_PLUGIN_KIND_CONTROLLER, name,
                         search_path, error);
}

/* Loads @name, expects @code and exactly the message @format with the
 * plugin's path substituted for %s. */
static void
assert_refused (const char *name, KcPluginError code, const char *format)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = path_of (name);
  g_autoptr (KcPlugin) plugin = load (name, &error);
  g_assert_null (plugin);
  g_assert_error (error, KC_PLUGIN_ERROR, (gint) code);
  g_autofree char *expected = g_strdup_printf (format, path);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_good (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcPlugin) plugin = load ("good", &error);
  g_assert_no_error (error);
  const KcPluginDescriptor *d = kc_plugin_get_descriptor (plugin);
  g_assert_cmpstr (d->name, ==, "good");
  g_assert_cmpuint (d->kind, ==, KC_PLUGIN_KIND_CONTROLLER);
  g_autofree char *path = path_of ("good");
  g_assert_cmpstr (kc_plugin_get_path (plugin), ==, path);

  /* Options are checked against its table, defaults apply, and create()
   * gets them through the host table. */
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_key_file_set_value (kf, "controller test", "plugin", "good");
  g_key_file_set_value (kf, "controller test", "count", "3");
  g_assert_true (kc_plugin_configure (plugin, kf, "controller test", NULL,
                                      "test.conf", "/tmp", &error));
  g_autoptr (KcPluginInstance) instance
      = kc_plugin_instance_new (plugin, "test", "/tmp", &error);
  g_assert_no_error (error);
  g_assert_nonnull (kc_plugin_instance_get_self (instance));
}

static void
test_not_found (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcPlugin) plugin = load ("nosuch", &error);
  g_assert_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_NOT_FOUND);
  g_autofree char *expected = g_strdup_printf (
      "plugin \"nosuch\" for [controller test]: no controller-nosuch.so in "
      "the plugin path %s; check plugin= or [kcore] plugin-path",
      plugin_dir);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_open_failed (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = path_of ("unresolved");
  g_autoptr (KcPlugin) plugin = load ("unresolved", &error);
  g_assert_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_OPEN_FAILED);
  g_autofree char *prefix = g_strdup_printf (
      "plugin \"unresolved\" (%s): cannot be loaded: ", path);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  /* The dynamic loader's own words are kept, then the hint. */
  g_assert_nonnull (
      strstr (error->message, "kc_test_symbol_that_does_not_exist"));
  g_assert_nonnull (strstr (error->message, "`ldd "));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_no_entry (void)
{
  assert_refused ("noentry", KC_PLUGIN_ERROR_NO_ENTRY,
                  "plugin \"noentry\" (%s): no entry point "
                  "kcore_plugin_entry(); it is not a kcore plugin, or was "
                  "built without KC_PLUGIN_DEFINE");
}

static void
test_declined (void)
{
  assert_refused ("decline", KC_PLUGIN_ERROR_DECLINED,
                  "plugin \"decline\" (%s): declined to load into kcore "
                  "plugin ABI 1.0");
}

static void
test_descriptor_size (void)
{
  g_autofree char *format = g_strdup_printf (
      "plugin \"descsize\" (%%s): descriptor is 8 bytes, kcore plugin ABI "
      "1.x needs at least %u; rebuild it against kcore 1.x headers",
      (guint) sizeof (KcPluginDescriptor));
  assert_refused ("descsize", KC_PLUGIN_ERROR_BAD_DESCRIPTOR, format);
}

static void
test_abi_major (void)
{
  assert_refused ("abimajor", KC_PLUGIN_ERROR_ABI_MAJOR,
                  "plugin \"abimajor\" (%s): built for plugin ABI 2.0, this "
                  "kcore provides 1.0 (majors must match); rebuild it "
                  "against kcore 1.x headers");
}

static void
test_abi_minor (void)
{
  assert_refused ("abiminor", KC_PLUGIN_ERROR_ABI_MINOR,
                  "plugin \"abiminor\" (%s): built for plugin ABI 1.1, this "
                  "kcore provides 1.0 (a plugin may not be newer than its "
                  "kcore); upgrade kcore or rebuild the plugin against these "
                  "headers");
}

static void
test_kind (void)
{
  assert_refused ("wrongkind", KC_PLUGIN_ERROR_KIND_MISMATCH,
                  "plugin \"wrongkind\" (%s): is a store plugin (kind 1), "
                  "[controller test] needs a controller plugin; name a "
                  "controller plugin in plugin=");
}

static void
test_name (void)
{
  assert_refused ("misnamed", KC_PLUGIN_ERROR_NAME_MISMATCH,
                  "plugin \"misnamed\" (%s): calls itself \"someone-else\"; "
                  "the file name and the descriptor's name must agree");
}

static void
test_interface (void)
{
  assert_refused ("iface", KC_PLUGIN_ERROR_INTERFACE_VERSION,
                  "plugin \"iface\" (%s): built for controller interface 99, "
                  "this kcore accepts controller interface 1 to 1; rebuild "
                  "it against this kcore's headers");
}

static void
test_vtable_size (void)
{
  g_autofree char *format = g_strdup_printf (
      "plugin \"vtsize\" (%%s): its controller vtable is 4 bytes, controller "
      "interface 1 needs at least %u; rebuild it against this kcore's "
      "headers",
      (guint) sizeof (KcPluginVtable));
  assert_refused ("vtsize", KC_PLUGIN_ERROR_VTABLE_TOO_SMALL, format);
}

static void
test_method_null (void)
{
  assert_refused ("nulldestroy", KC_PLUGIN_ERROR_METHOD_MISSING,
                  "plugin \"nulldestroy\" (%s): required controller method "
                  "destroy() is NULL (controller interface 1 requires it)");
}

static void
test_bad_options (void)
{
  assert_refused ("badoptions", KC_PLUGIN_ERROR_BAD_OPTIONS,
                  "plugin \"badoptions\" (%s): its option table is "
                  "malformed: option 'greeting' has an invalid default "
                  "'hello': expected an integer");
}

static void
test_create_failed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcPlugin) plugin = load ("createfails", &error);
  g_assert_no_error (error);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_key_file_set_value (kf, "controller test", "greeting", "hi");
  g_assert_true (kc_plugin_configure (plugin, kf, "controller test", NULL,
                                      "test.conf", "/tmp", &error));
  g_autoptr (KcPluginInstance) instance
      = kc_plugin_instance_new (plugin, "test", "/tmp", &error);
  g_assert_null (instance);
  g_assert_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_CREATE_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "plugin \"createfails\" for [controller test]: option "
                   "greeting=hi: refusing on purpose");
}

static void
test_options_checked (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcPlugin) plugin = load ("good", &error);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_key_file_set_value (kf, "controller test", "count", "11");
  g_assert_false (kc_plugin_configure (plugin, kf, "controller test", NULL,
                                       "test.conf", "/tmp", &error));
  g_assert_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "test.conf: [controller test] count=11: expected an "
                   "integer from 1 to 10");
  g_clear_error (&error);

  g_key_file_remove_key (kf, "controller test", "count", NULL);
  g_key_file_set_value (kf, "controller test", "colour", "blue");
  g_assert_false (kc_plugin_configure (plugin, kf, "controller test", NULL,
                                       "test.conf", "/tmp", &error));
  g_assert_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_UNKNOWN_KEY);
  g_assert_cmpstr (error->message, ==,
                   "test.conf: [controller test] colour=blue: unknown key "
                   "'colour' (allowed in [controller test]: plugin, "
                   "greeting, count)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  plugin_dir = kc_test_build_path ("tests/plugins/.libs");

  g_test_add_func ("/plugin-loader/good", test_good);
  g_test_add_func ("/plugin-loader/refuse/not-found", test_not_found);
  g_test_add_func ("/plugin-loader/refuse/open-failed", test_open_failed);
  g_test_add_func ("/plugin-loader/refuse/no-entry", test_no_entry);
  g_test_add_func ("/plugin-loader/refuse/declined", test_declined);
  g_test_add_func ("/plugin-loader/refuse/descriptor-size",
                   test_descriptor_size);
  g_test_add_func ("/plugin-loader/refuse/abi-major", test_abi_major);
  g_test_add_func ("/plugin-loader/refuse/abi-minor", test_abi_minor);
  g_test_add_func ("/plugin-loader/refuse/kind", test_kind);
  g_test_add_func ("/plugin-loader/refuse/name", test_name);
  g_test_add_func ("/plugin-loader/refuse/interface-version",
                   test_interface);
  g_test_add_func ("/plugin-loader/refuse/vtable-size", test_vtable_size);
  g_test_add_func ("/plugin-loader/refuse/method-null", test_method_null);
  g_test_add_func ("/plugin-loader/refuse/bad-options", test_bad_options);
  g_test_add_func ("/plugin-loader/refuse/create-failed", test_create_failed);
  g_test_add_func ("/plugin-loader/options-checked", test_options_checked);
  int status = g_test_run ();
  g_free (plugin_dir);
  return status;
}
