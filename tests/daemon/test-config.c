/* The config file is read strictly: each mistake gets its own error code
 * and one message naming file, line or group, key, value and what is
 * expected.  Also: --set overrides, and duplicate plugins in a set. */
#include "build-config.h"

#include "config-file.h"
#include "plugin-set.h"
#include "test-util.h"

static char *tmp_dir;

static char *
write_config (const char *text)
{
  static guint n;
  g_autofree char *name = g_strdup_printf ("test-%u.conf", ++n);
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* Loads @text; expects error @code and the message @format, in which %s
 * stands for the file's path. */
static void
assert_config_error (const char *text, const char *const *overrides,
                     KcConfigError code, const char *format)
{
  g_autofree char *path = write_config (text);
  g_autoptr (GError) error = NULL;
  g_autoptr (KcConfigFile) config
      = kc_config_file_load (path, overrides, &error);
  g_assert_null (config);
  g_assert_error (error, KC_CONFIG_ERROR, (gint) code);
  g_autofree char *expected = g_strdup_printf (format, path, path);
  g_assert_cmpstr (error->message, ==, expected);
}

#define GOOD_HEAD "[kcore]\ncomponents=apiserver\n[store]\nplugin=memory\n"

static void
test_good (void)
{
  g_autofree char *path = write_config (
      "# a comment\n[kcore]\ncomponents=apiserver\ndata-dir=data\n"
      "log-level=debug\n\n[apiserver]\nlisten=127.0.0.1:1234\n"
      "[store]\nplugin=memory\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (KcConfigFile) config = kc_config_file_load (path, NULL, &error);
  g_assert_no_error (error);
  const char *const *components = kc_config_file_get_components (config);
  g_assert_cmpstr (components[0], ==, "apiserver");
  g_assert_null (components[1]);
  g_autofree char *data = g_build_filename (tmp_dir, "data", NULL);
  g_assert_cmpstr (kc_config_file_get_data_dir (config), ==, data);
  const KcConfigGroup *api = kc_config_file_get_component (config,
                                                           "apiserver");
  g_assert_cmpstr (kc_config_group_get_string (api, "listen"), ==,
                   "127.0.0.1:1234");
  g_assert_cmpint (kc_config_group_get_int (kc_config_file_get_core (config),
                                            "stop-timeout-seconds"),
                   ==, 10);
  g_assert_cmpstr (kc_config_file_get_plugin_groups (config)[0], ==,
                   "store");
}

static void
test_defaults_for_listed_component (void)
{
  g_autofree char *path = write_config (GOOD_HEAD);
  g_autoptr (KcConfigFile) config = kc_config_file_load (path, NULL, NULL);
  g_assert_nonnull (config);
  g_assert_cmpstr (kc_config_group_get_string (
                       kc_config_file_get_component (config, "apiserver"),
                       "listen"),
                   ==, "127.0.0.1:8080");
}

static void
test_set_overrides (void)
{
  g_autofree char *path
      = write_config (GOOD_HEAD "[apiserver]\nlisten=127.0.0.1:1\n");
  const char *const overrides[]
      = { "apiserver.listen=127.0.0.1:2", "kcore.data-dir=/tmp/x", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcConfigFile) config
      = kc_config_file_load (path, overrides, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kc_config_group_get_string (
                       kc_config_file_get_component (config, "apiserver"),
                       "listen"),
                   ==, "127.0.0.1:2");
  g_assert_cmpstr (kc_config_file_get_data_dir (config), ==, "/tmp/x");
}

static void
test_unreadable (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (kc_config_file_load ("/nonexistent/kcore.conf", NULL,
                                      &error));
  g_assert_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "cannot read config file: "));
  g_assert_nonnull (strstr (error->message, "/nonexistent/kcore.conf"));
}

static void
test_parse_error (void)
{
  assert_config_error (GOOD_HEAD "this line is wrong\n", NULL,
                       KC_CONFIG_ERROR_PARSE,
                       "%s:5: 'this line is wrong' is not a [group], "
                       "KEY=VALUE or #comment");
  assert_config_error ("components=apiserver\n", NULL, KC_CONFIG_ERROR_PARSE,
                       "%s:1: 'components=apiserver' comes before any "
                       "[group]");
  assert_config_error ("[kcore\n", NULL, KC_CONFIG_ERROR_PARSE,
                       "%s:1: bad group header '[kcore': expected [NAME]");
}

static void
test_duplicate_group (void)
{
  assert_config_error (GOOD_HEAD "[store]\nplugin=sqlite\n", NULL,
                       KC_CONFIG_ERROR_DUPLICATE_GROUP,
                       "%s:5: group [store] appears again (first at line "
                       "3); merge the two into one");
}

static void
test_duplicate_key (void)
{
  assert_config_error (GOOD_HEAD "plugin=sqlite\n", NULL,
                       KC_CONFIG_ERROR_DUPLICATE_KEY,
                       "%s:5: [store] plugin is set again (first at line "
                       "4); keep one");
}

static void
test_unknown_group (void)
{
  assert_config_error (GOOD_HEAD "[stroe]\nplugin=memory\n", NULL,
                       KC_CONFIG_ERROR_UNKNOWN_GROUP,
                       "%s: unknown group [stroe] (known: kcore, apiserver, "
                       "scheduler, store, runtime, scheduler NAME, "
                       "controller NAME, profile NAME)");
}

static void
test_unknown_key (void)
{
  assert_config_error (GOOD_HEAD "[apiserver]\nlisen=1.2.3.4:5\n", NULL,
                       KC_CONFIG_ERROR_UNKNOWN_KEY,
                       "%s: [apiserver] lisen=1.2.3.4:5: unknown key 'lisen' "
                       "(allowed in [apiserver]: listen, compaction-interval-seconds, "
                       "compaction-retention-seconds, "
                       "compaction-retention-revisions, "
                       "watch-bookmark-interval-seconds, "
                       "watch-cache-window-events, tls-cert-file, "
                       "tls-key-file, token-auth-file, "
                       "max-requests-inflight, request-timeout-seconds, "
                       "idle-connection-timeout-seconds, "
                       "watch-buffer-bytes)");
}

static void
test_bad_values (void)
{
  assert_config_error (GOOD_HEAD "[apiserver]\nlisten=localhost\n", NULL,
                       KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [apiserver] listen=localhost: expected HOST:PORT "
                       "with a port from 0 to 65535");
  assert_config_error ("[kcore]\ncomponents=apiserver\n"
                       "stop-timeout-seconds=0\n[store]\nplugin=memory\n",
                       NULL, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [kcore] stop-timeout-seconds=0: expected an "
                       "integer from 1 to 3600");
  assert_config_error ("[kcore]\ncomponents=apiserver\nlog-level=loud\n"
                       "[store]\nplugin=memory\n",
                       NULL, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [kcore] log-level=loud: expected one of: error, "
                       "warning, message, info, debug");
  assert_config_error ("[kcore]\ncomponents=apiserver;agent\n"
                       "[store]\nplugin=memory\n",
                       NULL, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [kcore] components: unknown component "
                       "'agent' (this kcore has: apiserver, scheduler)");
}

/* The scheduler's profiles refer to [scheduler NAME] groups; kcore
 * checks those references before starting anything. */
static void
test_scheduler_profiles (void)
{
  assert_config_error ("[kcore]\ncomponents=scheduler\n", NULL,
                       KC_CONFIG_ERROR_MISSING_GROUP,
                       "%s: scheduler profile 'default-scheduler' has no "
                       "policy plugins: add [scheduler NAME] plugin=... "
                       "groups (and [profile default-scheduler] plugins=)");
  assert_config_error ("[kcore]\ncomponents=scheduler\n"
                       "[profile default-scheduler]\nplugins=fit;fits\n"
                       "[scheduler fit]\nplugin=node-resources-fit\n",
                       NULL, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [profile default-scheduler] plugins: 'fits' has "
                       "no [scheduler fits] group (policy groups in this "
                       "file: fit)");
  assert_config_error ("[kcore]\ncomponents=scheduler\n"
                       "[profile default-scheduler]\nplugins=fit;fit\n"
                       "[scheduler fit]\nplugin=node-resources-fit\n",
                       NULL, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [profile default-scheduler] plugins: 'fit' is "
                       "listed twice");
  assert_config_error ("[kcore]\ncomponents=scheduler\n"
                       "[profile default-scheduler]\nplugins=fit\n"
                       "weights=spread=2\n"
                       "[scheduler fit]\nplugin=node-resources-fit\n",
                       NULL, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [profile default-scheduler] weights: 'spread' is "
                       "not in this profile's plugins");
  assert_config_error ("[kcore]\ncomponents=scheduler\n"
                       "[profile batch]\nplugins=fit\n"
                       "[scheduler fit]\nplugin=node-resources-fit\n",
                       NULL, KC_CONFIG_ERROR_INVALID_VALUE,
                       "%s: [profile batch] is not listed in [scheduler] "
                       "profiles=");
  assert_config_error ("[kcore]\ncomponents=scheduler\n"
                       "[profile default-scheduler]\nweights=fit=1\n"
                       "[scheduler fit]\nplugin=node-resources-fit\n",
                       NULL, KC_CONFIG_ERROR_MISSING_KEY,
                       "%s: [profile default-scheduler] missing required "
                       "key 'plugins' (the policies of this profile: names "
                       "of [scheduler NAME] groups)");
}

static void
test_bad_value_from_set (void)
{
  const char *const overrides[] = { "apiserver.listen=nowhere", NULL };
  assert_config_error (GOOD_HEAD, overrides, KC_CONFIG_ERROR_INVALID_VALUE,
                       "--set apiserver.listen=nowhere: expected HOST:PORT "
                       "with a port from 0 to 65535");
}

static void
test_bad_override (void)
{
  const char *const overrides[] = { "listen=1.2.3.4:5", NULL };
  assert_config_error (GOOD_HEAD, overrides, KC_CONFIG_ERROR_BAD_OVERRIDE,
                       "--set listen=1.2.3.4:5: expected GROUP.KEY=VALUE, "
                       "e.g. --set apiserver.listen=127.0.0.1:8080");
}

static void
test_missing_keys (void)
{
  assert_config_error ("[kcore]\ncomponents=apiserver\n[store]\n"
                       "path=x.db\n",
                       NULL, KC_CONFIG_ERROR_MISSING_KEY,
                       "%s: [store] missing required key 'plugin' (the name "
                       "of the plugin serving this role)");
  assert_config_error ("[kcore]\ncomponents=apiserver\n", NULL,
                       KC_CONFIG_ERROR_MISSING_GROUP,
                       "%s: component apiserver needs a [store] group naming "
                       "its plugin, e.g. [store] plugin=...");
}

static KcPluginSet *
load_plugins (const char *text, GError **error)
{
  g_autofree char *path = write_config (text);
  g_autofree char *plugins = kc_test_build_path ("tests/plugins/.libs");
  g_autofree char *set = g_strdup_printf ("kcore.plugin-path=%s", plugins);
  const char *const overrides[] = { set, NULL };
  g_autoptr (KcConfigFile) config
      = kc_config_file_load (path, overrides, error);
  g_assert_nonnull (config);
  return kc_plugin_set_load (config, NULL, error);
}

static void
test_plugin_set (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcPluginSet) set = load_plugins (
      "[kcore]\n[controller a]\nplugin=good\ngreeting=hi\n"
      "[controller b]\nplugin=good2\n",
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kc_plugin_set_get_size (set), ==, 2);
  g_assert_cmpstr (kc_plugin_get_role (kc_plugin_set_get (set, 0)), ==,
                   "controller a");
  g_assert_nonnull (kc_plugin_set_find (set, "controller b"));
}

static void
test_plugin_set_duplicate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcPluginSet) set = load_plugins (
      "[kcore]\n[controller a]\nplugin=good\n[controller b]\nplugin=good\n",
      &error);
  g_assert_null (set);
  g_assert_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_DUPLICATE);
  g_autofree char *path = kc_test_build_path (
      "tests/plugins/.libs/controller-good.so");
  g_autofree char *expected = g_strdup_printf (
      "plugin \"good\" (%s): already loaded for [controller a] (from %s); "
      "[controller b] cannot load a second controller plugin \"good\"",
      path, path);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_plugin_set_bad_option (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcPluginSet) set = load_plugins (
      "[kcore]\n[controller a]\nplugin=good\ncount=many\n", &error);
  g_assert_null (set);
  g_assert_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE);
  g_assert_true (g_str_has_suffix (
      error->message,
      ": [controller a] count=many: expected an integer from 1 to 10"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("kcore-test-config-XXXXXX", NULL);

  g_test_add_func ("/config/good", test_good);
  g_test_add_func ("/config/component-defaults",
                   test_defaults_for_listed_component);
  g_test_add_func ("/config/set-overrides", test_set_overrides);
  g_test_add_func ("/config/error/unreadable", test_unreadable);
  g_test_add_func ("/config/error/parse", test_parse_error);
  g_test_add_func ("/config/error/duplicate-group", test_duplicate_group);
  g_test_add_func ("/config/error/duplicate-key", test_duplicate_key);
  g_test_add_func ("/config/error/unknown-group", test_unknown_group);
  g_test_add_func ("/config/error/unknown-key", test_unknown_key);
  g_test_add_func ("/config/error/bad-values", test_bad_values);
  g_test_add_func ("/config/error/bad-value-from-set",
                   test_bad_value_from_set);
  g_test_add_func ("/config/error/bad-override", test_bad_override);
  g_test_add_func ("/config/error/missing", test_missing_keys);
  g_test_add_func ("/config/error/scheduler-profiles",
                   test_scheduler_profiles);
  g_test_add_func ("/plugin-set/load", test_plugin_set);
  g_test_add_func ("/plugin-set/duplicate", test_plugin_set_duplicate);
  g_test_add_func ("/plugin-set/bad-option", test_plugin_set_bad_option);
  int status = g_test_run ();

  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", tmp_dir);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
  g_free (tmp_dir);
  return status;
}
