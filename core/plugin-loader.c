/* Finds, opens and checks plugin modules (see plugin-loader.h).
 *
 * The checks run in a fixed order and stop at the first failure, so a
 * plugin built for another ABI is reported as such and never has its vtable
 * read.  Every message is one line naming the plugin, its path, what it was
 * built for and what this kcore accepts. */
#include "build-config.h"

#include "plugin-loader.h"

#include <dlfcn.h>
#include <kcore/store.h>
#include <string.h>

G_DEFINE_QUARK (kc-plugin-error-quark, kc_plugin_error)

struct _KcPlugin
{
  char *role;
  char *name;
  char *path;
  void *handle;
  const KcPluginDescriptor *descriptor;
  KcConfigGroup *config;
};

struct _KcPluginInstance
{
  KcPlugin *plugin; /* borrowed: plugins outlive their instances */
  KcHost host;
  char *component;
  char *data_dir;
  gpointer self;
};

/* What this kcore accepts per kind: the interface versions, and the
 * methods interface 1 requires (by offset, so the check reads the
 * plugin's vtable size before touching a pointer). */
typedef struct
{
  const char *name;
  gsize offset;
} RequiredMethod;

typedef struct
{
  guint32 kind;
  guint32 min_version;
  guint32 max_version;
  const RequiredMethod *methods;
} KindInterface;

#define METHOD(Type, m) { #m, G_STRUCT_OFFSET (Type, m) }

static const RequiredMethod lifecycle_methods[] = {
  METHOD (KcPluginVtable, create),
  METHOD (KcPluginVtable, destroy),
  { NULL, 0 },
};

static const RequiredMethod store_methods[] = {
  METHOD (KcStoreVtable, create),
  METHOD (KcStoreVtable, destroy),
  METHOD (KcStoreVtable, get_async),
  METHOD (KcStoreVtable, get_finish),
  METHOD (KcStoreVtable, range_async),
  METHOD (KcStoreVtable, range_finish),
  METHOD (KcStoreVtable, create_async),
  METHOD (KcStoreVtable, create_finish),
  METHOD (KcStoreVtable, update_async),
  METHOD (KcStoreVtable, update_finish),
  METHOD (KcStoreVtable, delete_async),
  METHOD (KcStoreVtable, delete_finish),
  METHOD (KcStoreVtable, watch),
  METHOD (KcStoreVtable, watch_cancel),
  METHOD (KcStoreVtable, compact_async),
  METHOD (KcStoreVtable, compact_finish),
  METHOD (KcStoreVtable, lease_grant_async),
  METHOD (KcStoreVtable, lease_grant_finish),
  METHOD (KcStoreVtable, lease_keepalive_async),
  METHOD (KcStoreVtable, lease_keepalive_finish),
  METHOD (KcStoreVtable, lease_revoke_async),
  METHOD (KcStoreVtable, lease_revoke_finish),
  { NULL, 0 },
};

/* A scheduling policy (scheduler.h) needs only create/destroy: every hook
 * is optional, and the scheduler checks that it implements at least one.
 * The controller and runtime interfaces are provisional at version 1:
 * lifecycle only until their components land. */
static const KindInterface kind_interfaces[] = {
  { KC_PLUGIN_KIND_STORE, 1, 1, store_methods },
  { KC_PLUGIN_KIND_SCHEDULER, 1, 1, lifecycle_methods },
  { KC_PLUGIN_KIND_CONTROLLER, 1, 1, lifecycle_methods },
  { KC_PLUGIN_KIND_RUNTIME, 1, 1, lifecycle_methods },
};

static const KindInterface *
find_kind_interface (guint32 kind)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kind_interfaces); i++)
    if (kind_interfaces[i].kind == kind)
      return &kind_interfaces[i];
  return NULL;
}

static char *
file_name_for (guint32 kind, const char *name)
{
  return g_strdup_printf ("%s-%s.so", kc_plugin_kind_to_string (kind), name);
}

/* A directory of the plugin path is either a flat folder of installed
 * modules, or a kcore build tree's plugins/ folder, where libtool leaves
 * each module in plugins/<kind>/<name>/.libs/. */
static char *
find_in_dir (const char *dir, guint32 kind, const char *name)
{
  g_autofree char *file = file_name_for (kind, name);
  const char *kind_name = kc_plugin_kind_to_string (kind);
  g_autofree char *flat = g_build_filename (dir, file, NULL);
  if (g_file_test (flat, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&flat);
  g_autofree char *in_tree
      = g_build_filename (dir, kind_name, name, ".libs", file, NULL);
  if (g_file_test (in_tree, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&in_tree);
  return NULL;
}

static gboolean
is_path (const char *name)
{
  return strchr (name, '/') != NULL;
}

static char *
resolve (const char *role, guint32 kind, const char *name,
         const char *const *search_path, GError **error)
{
  if (is_path (name))
    {
      if (g_file_test (name, G_FILE_TEST_IS_REGULAR))
        return g_canonicalize_filename (name, NULL);
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_NOT_FOUND,
                   "plugin \"%s\" for [%s]: file not found; check the "
                   "plugin= path",
                   name, role);
      return NULL;
    }
  for (guint i = 0; search_path && search_path[i]; i++)
    {
      char *found = find_in_dir (search_path[i], kind, name);
      if (found)
        return found;
    }
  g_autofree char *file = file_name_for (kind, name);
  g_autofree char *dirs = search_path && search_path[0]
                              ? g_strjoinv (":", (char **) search_path)
                              : g_strdup ("(empty)");
  g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_NOT_FOUND,
               "plugin \"%s\" for [%s]: no %s in the plugin path %s; check "
               "plugin= or [kcore] plugin-path",
               name, role, file, dirs);
  return NULL;
}

static void *
open_module (const char *name, const char *path, GError **error)
{
  /* RTLD_NOW: an unresolved symbol fails here, not at the first call;
   * RTLD_LOCAL: plugins cannot see or clash with each other's symbols. */
  void *handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_OPEN_FAILED,
                 "plugin \"%s\" (%s): cannot be loaded: %s; check that it is "
                 "a kcore plugin built for this system (`ldd %s` lists "
                 "missing libraries)",
                 name, path, dlerror (), path);
  return handle;
}

static const KcPluginDescriptor *
query_descriptor (const char *name, const char *path, void *handle,
                  GError **error)
{
  dlerror ();
  KcPluginEntryFunc entry;
  *(void **) &entry = dlsym (handle, KC_PLUGIN_ENTRY_SYMBOL);
  if (entry == NULL)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_NO_ENTRY,
                   "plugin \"%s\" (%s): no entry point %s(); it is not a "
                   "kcore plugin, or was built without KC_PLUGIN_DEFINE",
                   name, path, KC_PLUGIN_ENTRY_SYMBOL);
      return NULL;
    }
  const KcPluginDescriptor *d
      = entry (KC_PLUGIN_ABI_MAJOR, KC_PLUGIN_ABI_MINOR);
  if (d == NULL)
    g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_DECLINED,
                 "plugin \"%s\" (%s): declined to load into kcore plugin ABI "
                 "%d.%d",
                 name, path, KC_PLUGIN_ABI_MAJOR, KC_PLUGIN_ABI_MINOR);
  return d;
}

#define DESCRIPTOR_SIZE_1_0                                                   \
  (G_STRUCT_OFFSET (KcPluginDescriptor, vtable) + sizeof (gpointer))

static gboolean
check_abi (const char *name, const char *path, const KcPluginDescriptor *d,
           GError **error)
{
  if (d->size < DESCRIPTOR_SIZE_1_0)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_BAD_DESCRIPTOR,
                   "plugin \"%s\" (%s): descriptor is %u bytes, kcore plugin "
                   "ABI %d.x needs at least %u; rebuild it against kcore %d.x "
                   "headers",
                   name, path, d->size, KC_PLUGIN_ABI_MAJOR,
                   (guint) DESCRIPTOR_SIZE_1_0, KC_PLUGIN_ABI_MAJOR);
      return FALSE;
    }
  if (d->abi_major != KC_PLUGIN_ABI_MAJOR)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_ABI_MAJOR,
                   "plugin \"%s\" (%s): built for plugin ABI %u.%u, this kcore "
                   "provides %d.%d (majors must match); rebuild it against "
                   "kcore %d.x headers",
                   name, path, d->abi_major, d->abi_minor,
                   KC_PLUGIN_ABI_MAJOR, KC_PLUGIN_ABI_MINOR,
                   KC_PLUGIN_ABI_MAJOR);
      return FALSE;
    }
  if (d->abi_minor > KC_PLUGIN_ABI_MINOR)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_ABI_MINOR,
                   "plugin \"%s\" (%s): built for plugin ABI %u.%u, this kcore "
                   "provides %d.%d (a plugin may not be newer than its "
                   "kcore); upgrade kcore or rebuild the plugin against these "
                   "headers",
                   name, path, d->abi_major, d->abi_minor,
                   KC_PLUGIN_ABI_MAJOR, KC_PLUGIN_ABI_MINOR);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_identity (const char *role, guint32 kind, const char *name,
                const char *path, const KcPluginDescriptor *d, GError **error)
{
  if (d->kind != kind)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_KIND_MISMATCH,
                   "plugin \"%s\" (%s): is a %s plugin (kind %u), [%s] needs "
                   "a %s plugin; name a %s plugin in plugin=",
                   name, path, kc_plugin_kind_to_string (d->kind), d->kind,
                   role, kc_plugin_kind_to_string (kind),
                   kc_plugin_kind_to_string (kind));
      return FALSE;
    }
  if (d->name == NULL || (!is_path (name) && strcmp (d->name, name) != 0))
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_NAME_MISMATCH,
                   "plugin \"%s\" (%s): calls itself \"%s\"; the file name "
                   "and the descriptor's name must agree",
                   name, path, d->name ? d->name : "(null)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_interface (const char *name, const char *path,
                 const KcPluginDescriptor *d, GError **error)
{
  const KindInterface *iface = find_kind_interface (d->kind);
  const char *kind = kc_plugin_kind_to_string (d->kind);

  if (d->interface_version < iface->min_version
      || d->interface_version > iface->max_version)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_INTERFACE_VERSION,
                   "plugin \"%s\" (%s): built for %s interface %u, this kcore "
                   "accepts %s interface %u to %u; rebuild it against this "
                   "kcore's headers",
                   name, path, kind, d->interface_version, kind,
                   iface->min_version, iface->max_version);
      return FALSE;
    }
  const KcPluginVtable *vt = d->vtable;
  gsize needed = 0;
  for (const RequiredMethod *m = iface->methods; m->name; m++)
    needed = MAX (needed, m->offset + sizeof (gpointer));
  if (vt == NULL || vt->size < needed)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_VTABLE_TOO_SMALL,
                   "plugin \"%s\" (%s): its %s vtable is %u bytes, %s "
                   "interface %u needs at least %u; rebuild it against this "
                   "kcore's headers",
                   name, path, kind, vt ? vt->size : 0, kind,
                   d->interface_version, (guint) needed);
      return FALSE;
    }
  for (const RequiredMethod *m = iface->methods; m->name; m++)
    {
      gconstpointer fn = *(gconstpointer const *) ((const char *) vt
                                                   + m->offset);
      if (fn == NULL)
        {
          g_set_error (error, KC_PLUGIN_ERROR,
                       KC_PLUGIN_ERROR_METHOD_MISSING,
                       "plugin \"%s\" (%s): required %s method %s() is NULL "
                       "(%s interface %u requires it)",
                       name, path, kind, m->name, kind,
                       d->interface_version);
          return FALSE;
        }
    }
  g_autoptr (GError) local = NULL;
  if (!kc_config_keys_check_table (d->config_keys, &local))
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_BAD_OPTIONS,
                   "plugin \"%s\" (%s): its option table is malformed: %s",
                   name, path, local->message);
      return FALSE;
    }
  return TRUE;
}

KcPlugin *
kc_plugin_load (const char *role, guint32 kind, const char *name,
                const char *const *search_path, GError **error)
{
  g_return_val_if_fail (role != NULL && name != NULL, NULL);
  g_return_val_if_fail (find_kind_interface (kind) != NULL, NULL);

  g_autofree char *path = resolve (role, kind, name, search_path, error);
  if (path == NULL)
    return NULL;
  void *handle = open_module (name, path, error);
  if (handle == NULL)
    return NULL;

  const KcPluginDescriptor *d = query_descriptor (name, path, handle, error);
  if (d == NULL || !check_abi (name, path, d, error)
      || !check_identity (role, kind, name, path, d, error)
      || !check_interface (name, path, d, error))
    {
      /* Nothing from the module was kept, so it can go again. */
      dlclose (handle);
      return NULL;
    }

  KcPlugin *plugin = g_new0 (KcPlugin, 1);
  plugin->role = g_strdup (role);
  plugin->name = g_strdup (d->name);
  plugin->path = g_steal_pointer (&path);
  plugin->handle = handle;
  plugin->descriptor = d;
  return plugin;
}

void
kc_plugin_free (KcPlugin *plugin)
{
  if (plugin == NULL)
    return;
  /* The module stays resident: code from it may still be referenced by
   * GTypes, idle sources or threads it started. */
  kc_config_group_free (plugin->config);
  g_free (plugin->role);
  g_free (plugin->name);
  g_free (plugin->path);
  g_free (plugin);
}

const KcPluginDescriptor *
kc_plugin_get_descriptor (const KcPlugin *plugin)
{
  return plugin->descriptor;
}

const char *
kc_plugin_get_path (const KcPlugin *plugin)
{
  return plugin->path;
}

const char *
kc_plugin_get_role (const KcPlugin *plugin)
{
  return plugin->role;
}

gboolean
kc_plugin_configure (KcPlugin *plugin, GKeyFile *key_file,
                     const char *group_name, const char *const *overridden,
                     const char *source, const char *data_dir, GError **error)
{
  static const char *const reserved[] = { "plugin", NULL };

  KcConfigGroup *group = kc_config_group_new (
      key_file, group_name, plugin->descriptor->config_keys, reserved,
      overridden, source, data_dir, error);
  if (group == NULL)
    return FALSE;
  kc_config_group_free (plugin->config);
  plugin->config = group;
  return TRUE;
}

static void
instance_log (const KcHost *host, GLogLevelFlags level, const char *message,
              gpointer log_data)
{
  g_log_structured ("kcore", level, "KCORE_PLUGIN", host->plugin_name,
                    "MESSAGE", "[%s] %s: %s", host->role, host->plugin_name,
                    message);
}

KcPluginInstance *
kc_plugin_instance_new (KcPlugin *plugin, const char *component,
                        const char *data_dir, GError **error)
{
  g_return_val_if_fail (plugin != NULL && plugin->config != NULL, NULL);

  KcPluginInstance *instance = g_new0 (KcPluginInstance, 1);
  instance->plugin = plugin;
  instance->component = g_strdup (component);
  instance->data_dir = g_strdup (data_dir);
  instance->host = (KcHost){
    .size = sizeof (KcHost),
    .component = instance->component,
    .role = plugin->role,
    .plugin_name = plugin->name,
    .config = plugin->config,
    .main_context = g_main_context_ref_thread_default (),
    .data_dir = instance->data_dir,
    .log = instance_log,
  };

  g_autoptr (GError) local = NULL;
  instance->self = plugin->descriptor->vtable->create (&instance->host,
                                                       &local);
  if (instance->self == NULL)
    {
      g_set_error (error, KC_PLUGIN_ERROR, KC_PLUGIN_ERROR_CREATE_FAILED,
                   "plugin \"%s\" for [%s]: %s", plugin->name, plugin->role,
                   local ? local->message
                         : "create() failed without saying why");
      instance->self = NULL;
      kc_plugin_instance_free (instance);
      return NULL;
    }
  return instance;
}

void
kc_plugin_instance_free (KcPluginInstance *instance)
{
  if (instance == NULL)
    return;
  if (instance->self)
    instance->plugin->descriptor->vtable->destroy (instance->self);
  g_main_context_unref (instance->host.main_context);
  g_free (instance->component);
  g_free (instance->data_dir);
  g_free (instance);
}

gpointer
kc_plugin_instance_get_self (const KcPluginInstance *instance)
{
  return instance->self;
}

const KcPluginVtable *
kc_plugin_instance_get_vtable (const KcPluginInstance *instance)
{
  return instance->plugin->descriptor->vtable;
}
