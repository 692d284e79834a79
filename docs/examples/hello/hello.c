/* hello: the smallest useful kcore plugin, built out of tree.
 *
 * A controller plugin that declares one option and logs it when kcore
 * creates it.  Build it with the Makefile beside it against an installed
 * kcore (pkg-config kcore-plugin); check it loads with
 *
 *   kcore --config example.conf --set kcore.plugin-path=$PWD --check
 */
#include <kcore/kcore.h>

typedef struct
{
  const KcHost *host;
  char *greeting;
} Hello;

static gpointer
hello_create (const KcHost *host, GError **error)
{
  Hello *self = g_new0 (Hello, 1);
  self->host = host;
  /* Options were checked against the table below before create() runs. */
  self->greeting
      = g_strdup (kc_config_group_get_string (host->config, "greeting"));
  kc_host_message (host, "%s from [%s]", self->greeting, host->role);
  return self;
}

static void
hello_destroy (gpointer data)
{
  Hello *self = data;
  g_free (self->greeting);
  g_free (self);
}

static const KcPluginVtable hello_vtable = {
  .size = sizeof (KcPluginVtable),
  .create = hello_create,
  .destroy = hello_destroy,
};

static const KcConfigKey hello_options[] = {
  { "greeting", KC_CONFIG_TYPE_STRING, 0, "hello", 0, 0, NULL,
    "what the plugin says when it starts" },
  { NULL },
};

static const KcPluginDescriptor hello_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_CONTROLLER, 1),
  .name = "hello",
  .version = "1.0.0",
  .summary = "example controller plugin built out of tree",
  .config_keys = hello_options,
  .vtable = &hello_vtable,
};

KC_PLUGIN_DEFINE (hello_descriptor)
