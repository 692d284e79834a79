/* The plugin ABI's layout, pinned.  Every struct a plugin and the core
 * share is listed with the offset of each member and its size, as built on
 * LP64 Linux (the platforms kcore supports).  The checks are static
 * assertions: an accidental change to an ABI struct fails the build of
 * this test, and so `make check`.  Appending a member (see the rules in
 * include/kcore/plugin.h) means appending its line here and moving the
 * struct's size line. */
#include <kcore/kcore.h>
#include <stddef.h>

#if GLIB_SIZEOF_VOID_P != 8 || GLIB_SIZEOF_LONG != 8
#error "the pinned layout below is for LP64 platforms"
#endif

#define OFFSET(Type, member, offset)                                          \
  G_STATIC_ASSERT (offsetof (Type, member) == (offset))
#define SIZE(Type, size) G_STATIC_ASSERT (sizeof (Type) == (size))
#define VALUE(name, value) G_STATIC_ASSERT ((name) == (value))

/* KcPluginDescriptor */
OFFSET (KcPluginDescriptor, size, 0);
OFFSET (KcPluginDescriptor, abi_major, 4);
OFFSET (KcPluginDescriptor, abi_minor, 6);
OFFSET (KcPluginDescriptor, kind, 8);
OFFSET (KcPluginDescriptor, interface_version, 12);
OFFSET (KcPluginDescriptor, name, 16);
OFFSET (KcPluginDescriptor, version, 24);
OFFSET (KcPluginDescriptor, summary, 32);
OFFSET (KcPluginDescriptor, config_keys, 40);
OFFSET (KcPluginDescriptor, vtable, 48);
SIZE (KcPluginDescriptor, 56);

/* KcPluginVtable */
OFFSET (KcPluginVtable, size, 0);
OFFSET (KcPluginVtable, reserved, 4);
OFFSET (KcPluginVtable, create, 8);
OFFSET (KcPluginVtable, destroy, 16);
SIZE (KcPluginVtable, 24);

/* KcHost */
OFFSET (KcHost, size, 0);
OFFSET (KcHost, reserved0, 4);
OFFSET (KcHost, component, 8);
OFFSET (KcHost, role, 16);
OFFSET (KcHost, plugin_name, 24);
OFFSET (KcHost, config, 32);
OFFSET (KcHost, main_context, 40);
OFFSET (KcHost, data_dir, 48);
OFFSET (KcHost, log, 56);
OFFSET (KcHost, log_data, 64);
SIZE (KcHost, 72);

/* KcConfigKey */
OFFSET (KcConfigKey, key, 0);
OFFSET (KcConfigKey, type, 8);
OFFSET (KcConfigKey, flags, 12);
OFFSET (KcConfigKey, default_value, 16);
OFFSET (KcConfigKey, min, 24);
OFFSET (KcConfigKey, max, 32);
OFFSET (KcConfigKey, choices, 40);
OFFSET (KcConfigKey, help, 48);
OFFSET (KcConfigKey, reserved, 56);
SIZE (KcConfigKey, 72);

/* KcStoreVtable */
OFFSET (KcStoreVtable, size, 0);
OFFSET (KcStoreVtable, reserved, 4);
OFFSET (KcStoreVtable, create, 8);
OFFSET (KcStoreVtable, destroy, 16);
OFFSET (KcStoreVtable, get_async, 24);
OFFSET (KcStoreVtable, get_finish, 32);
OFFSET (KcStoreVtable, range_async, 40);
OFFSET (KcStoreVtable, range_finish, 48);
OFFSET (KcStoreVtable, create_async, 56);
OFFSET (KcStoreVtable, create_finish, 64);
OFFSET (KcStoreVtable, update_async, 72);
OFFSET (KcStoreVtable, update_finish, 80);
OFFSET (KcStoreVtable, delete_async, 88);
OFFSET (KcStoreVtable, delete_finish, 96);
OFFSET (KcStoreVtable, watch, 104);
OFFSET (KcStoreVtable, watch_cancel, 112);
OFFSET (KcStoreVtable, compact_async, 120);
OFFSET (KcStoreVtable, compact_finish, 128);
OFFSET (KcStoreVtable, lease_grant_async, 136);
OFFSET (KcStoreVtable, lease_grant_finish, 144);
OFFSET (KcStoreVtable, lease_keepalive_async, 152);
OFFSET (KcStoreVtable, lease_keepalive_finish, 160);
OFFSET (KcStoreVtable, lease_revoke_async, 168);
OFFSET (KcStoreVtable, lease_revoke_finish, 176);
SIZE (KcStoreVtable, 184);

/* KcStoreKv */
OFFSET (KcStoreKv, key, 0);
OFFSET (KcStoreKv, value, 8);
OFFSET (KcStoreKv, create_revision, 16);
OFFSET (KcStoreKv, mod_revision, 24);
OFFSET (KcStoreKv, version, 32);
OFFSET (KcStoreKv, lease, 40);
SIZE (KcStoreKv, 48);

/* KcStoreRange */
OFFSET (KcStoreRange, prefix, 0);
OFFSET (KcStoreRange, start_after, 8);
OFFSET (KcStoreRange, revision, 16);
OFFSET (KcStoreRange, limit, 24);
OFFSET (KcStoreRange, count_only, 32);
SIZE (KcStoreRange, 40);

/* KcStoreRangeResult */
OFFSET (KcStoreRangeResult, kvs, 0);
OFFSET (KcStoreRangeResult, revision, 8);
OFFSET (KcStoreRangeResult, count, 16);
OFFSET (KcStoreRangeResult, more, 24);
SIZE (KcStoreRangeResult, 32);

/* KcStoreEvent */
OFFSET (KcStoreEvent, type, 0);
OFFSET (KcStoreEvent, kv, 8);
OFFSET (KcStoreEvent, prev_kv, 16);
SIZE (KcStoreEvent, 24);

/* Enum values and version numbers travel across the ABI too. */
VALUE (KC_PLUGIN_KIND_STORE, 1);
VALUE (KC_PLUGIN_KIND_SCHEDULER, 2);
VALUE (KC_PLUGIN_KIND_CONTROLLER, 3);
VALUE (KC_PLUGIN_KIND_RUNTIME, 4);
VALUE (KC_CONFIG_TYPE_STRING, 1);
VALUE (KC_CONFIG_TYPE_INT, 2);
VALUE (KC_CONFIG_TYPE_BOOL, 3);
VALUE (KC_CONFIG_TYPE_LIST, 4);
VALUE (KC_CONFIG_TYPE_ENUM, 5);
VALUE (KC_CONFIG_TYPE_ADDRESS, 6);
VALUE (KC_CONFIG_TYPE_PATH, 7);
VALUE (KC_CONFIG_KEY_REQUIRED, 1);
VALUE (KC_STORE_EVENT_PUT, 1);
VALUE (KC_STORE_EVENT_DELETE, 2);
VALUE (KC_STORE_ERROR_FAILED, 0);
VALUE (KC_STORE_ERROR_NOT_FOUND, 1);
VALUE (KC_STORE_ERROR_EXISTS, 2);
VALUE (KC_STORE_ERROR_CONFLICT, 3);
VALUE (KC_STORE_ERROR_COMPACTED, 4);
VALUE (KC_STORE_ERROR_FUTURE_REVISION, 5);
VALUE (KC_STORE_ERROR_UNAVAILABLE, 6);
VALUE (KC_STORE_ERROR_TOO_LARGE, 7);
VALUE (KC_STORE_ERROR_CORRUPT, 8);
VALUE (KC_PLUGIN_ABI_MAJOR, 1);
VALUE (KC_STORE_INTERFACE_VERSION, 1);

/* KcSchedulerVtable (include/kcore/scheduler.h) */
OFFSET (KcSchedulerVtable, size, 0);
OFFSET (KcSchedulerVtable, reserved, 4);
OFFSET (KcSchedulerVtable, create, 8);
OFFSET (KcSchedulerVtable, destroy, 16);
OFFSET (KcSchedulerVtable, pre_filter, 24);
OFFSET (KcSchedulerVtable, filter, 32);
OFFSET (KcSchedulerVtable, pre_score, 40);
OFFSET (KcSchedulerVtable, score, 48);
OFFSET (KcSchedulerVtable, normalize_scores, 56);
OFFSET (KcSchedulerVtable, reserve, 64);
OFFSET (KcSchedulerVtable, unreserve, 72);
OFFSET (KcSchedulerVtable, queue_sort_compare, 80);
SIZE (KcSchedulerVtable, 88);
VALUE (KC_SCHEDULER_INTERFACE_VERSION, 1);
VALUE (KC_SCHED_MAX_SCORE, 100);
VALUE (KC_SCHED_SUCCESS, 0);
VALUE (KC_SCHED_UNSCHEDULABLE, 1);
VALUE (KC_SCHED_UNSCHEDULABLE_AND_UNRESOLVABLE, 2);
VALUE (KC_SCHED_ERROR, 3);
VALUE (KC_SCHED_SKIP, 4);
VALUE (KC_SCHED_RESOURCE_CPU, 0);
VALUE (KC_SCHED_RESOURCE_MEMORY, 1);
VALUE (KC_SCHED_RESOURCE_EPHEMERAL_STORAGE, 2);
VALUE (KC_SCHED_RESOURCE_PODS, 3);

/* The assertions above did the work at compile time; the program reports
 * it through TAP so the suite counts it. */
static void
test_layout_pinned (void)
{
  g_test_message ("%d layout facts pinned at compile time", 109);
  g_assert_cmpuint (sizeof (KcPluginDescriptor), ==, 56);
}

static void
test_vtable_has (void)
{
  /* A vtable built before a member existed does not "have" it. */
  KcStoreVtable vt = { .size = G_STRUCT_OFFSET (KcStoreVtable, watch) };
  vt.get_async = (gpointer) test_vtable_has;
  g_assert_true (KC_VTABLE_HAS (&vt, KcStoreVtable, get_async));
  g_assert_false (KC_VTABLE_HAS (&vt, KcStoreVtable, get_finish));
  g_assert_false (KC_VTABLE_HAS (&vt, KcStoreVtable, watch));
  vt.size = sizeof vt;
  g_assert_false (KC_VTABLE_HAS (&vt, KcStoreVtable, watch));
  vt.watch = (gpointer) test_vtable_has;
  g_assert_true (KC_VTABLE_HAS (&vt, KcStoreVtable, watch));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/abi/layout-pinned", test_layout_pinned);
  g_test_add_func ("/abi/vtable-has", test_vtable_has);
  return g_test_run ();
}
