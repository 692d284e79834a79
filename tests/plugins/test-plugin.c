/* Test plugins for the loader: one source, built once per refusal the
 * loader must make (tests/plugins/local.mk passes -DBREAK_<WHAT>), plus a
 * good one.  Each module is named controller-<name>.so. */
#include <kcore/kcore.h>

#ifndef PLUGIN_NAME
#error "PLUGIN_NAME must be defined"
#endif

typedef struct
{
  const KcHost *host;
} TestPlugin;

static gpointer
test_create (const KcHost *host, GError **error)
{
#ifdef BREAK_CREATE
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "option greeting=%s: refusing on purpose",
               kc_config_group_get_string (host->config, "greeting"));
  return NULL;
#else
  TestPlugin *self = g_new0 (TestPlugin, 1);
  self->host = host;
  kc_host_info (host, "created with greeting %s",
                kc_config_group_get_string (host->config, "greeting"));
  return self;
#endif
}

static void
test_destroy (gpointer self)
{
  g_free (self);
}

#ifdef BREAK_UNRESOLVED
/* Never defined anywhere: dlopen with RTLD_NOW must fail. */
extern void kc_test_symbol_that_does_not_exist (void);
G_MODULE_EXPORT void test_plugin_uses_missing_symbol (void);
G_MODULE_EXPORT void
test_plugin_uses_missing_symbol (void)
{
  kc_test_symbol_that_does_not_exist ();
}
#endif

static const KcPluginVtable vtable = {
#ifdef BREAK_VTABLE_SIZE
  .size = sizeof (guint32),
#else
  .size = sizeof (KcPluginVtable),
#endif
  .create = test_create,
#ifndef BREAK_METHOD_NULL
  .destroy = test_destroy,
#endif
};

static const KcConfigKey options[] = {
#ifdef BREAK_OPTIONS
  { "greeting", KC_CONFIG_TYPE_INT, 0, "hello", 0, 0, NULL, "bad default" },
#else
  { "greeting", KC_CONFIG_TYPE_STRING, 0, "hello", 0, 0, NULL,
    "what it logs when created" },
  { "count", KC_CONFIG_TYPE_INT, 0, "1", 1, 10, NULL, "a bounded number" },
#endif
  { NULL },
};

static const KcPluginDescriptor descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_CONTROLLER, 1),
#ifdef BREAK_DESCRIPTOR_SIZE
  .size = 8,
#endif
#ifdef BREAK_ABI_MAJOR
  .abi_major = KC_PLUGIN_ABI_MAJOR + 1,
#endif
#ifdef BREAK_ABI_MINOR
  .abi_minor = KC_PLUGIN_ABI_MINOR + 1,
#endif
#ifdef BREAK_KIND
  .kind = KC_PLUGIN_KIND_STORE,
#endif
#ifdef BREAK_INTERFACE
  .interface_version = 99,
#endif
#ifdef BREAK_NAME
  .name = "someone-else",
#else
  .name = PLUGIN_NAME,
#endif
  .version = "1.2.3",
  .summary = "a test plugin for the loader",
  .config_keys = options,
  .vtable = &vtable,
};

#ifndef BREAK_NO_ENTRY
G_MODULE_EXPORT const KcPluginDescriptor *kcore_plugin_entry (guint16 major,
                                                              guint16 minor);
G_MODULE_EXPORT const KcPluginDescriptor *
kcore_plugin_entry (guint16 major, guint16 minor)
{
#ifdef BREAK_DECLINE
  return NULL;
#else
  return &descriptor;
#endif
}
#else
G_MODULE_EXPORT const KcPluginDescriptor *kcore_plugin_entry_misspelled (void);
G_MODULE_EXPORT const KcPluginDescriptor *
kcore_plugin_entry_misspelled (void)
{
  return &descriptor;
}
#endif
