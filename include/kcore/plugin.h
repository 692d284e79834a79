/* kcore plugin ABI: the descriptor every plugin module exports.
 *
 * A kcore plugin is a shared module (`<kind>-<name>.so`) that exports one
 * function, kcore_plugin_entry(), returning a pointer to a constant
 * KcPluginDescriptor.  The core checks the descriptor before it touches
 * anything else in the module.
 *
 * RULES FOR CHANGING THE ABI (read before editing any struct in include/kcore)
 *
 *  1. Append only.  A field or method is never removed, reordered, retyped or
 *     renamed.  Every appended member is documented "since ABI 1.N" and
 *     KC_PLUGIN_ABI_MINOR goes up by one in the same change.
 *  2. Every ABI struct (the descriptor, the host table, every vtable) starts
 *     with a guint32 holding its own size as the plugin (or the core) was
 *     built.  A reader calls a member that is newer than the 1.0 layout only
 *     after KC_VTABLE_HAS() / KC_STRUCT_HAS() says the writer has it.
 *  3. A method that is no longer wanted keeps its slot, is documented
 *     deprecated and may be NULL; the core keeps a fallback for the whole
 *     major version.
 *  4. An incompatible change to one kind's vtable bumps that kind's interface
 *     version (KC_STORE_INTERFACE_VERSION, ...).  The core lists, per kind,
 *     the interface versions it accepts.  An incompatible change to the
 *     descriptor, the host table or KcConfigKey bumps KC_PLUGIN_ABI_MAJOR:
 *     every plugin must then be rebuilt.
 *  5. tests/abi/test-abi-layout.c asserts the offset of every member of every
 *     ABI struct.  Appending a member means adding its assertion there; an
 *     accidental change fails `make check`.
 *
 * Threading: the descriptor and vtables are immutable and may be read from any
 * thread.  Which thread calls a vtable method is documented per method in the
 * kind's header.
 *
 * Ownership: the descriptor, its strings, its config key table and its vtable
 * belong to the module and must stay valid until the module is unloaded (the
 * core never unloads a module before exit).
 */
#pragma once

#include <glib.h>
#include <gmodule.h>
#include <kcore/config.h>

G_BEGIN_DECLS

/* Bumped when a plugin built against an older major cannot work with this
 * core.  Majors must match exactly. */
#define KC_PLUGIN_ABI_MAJOR 1
/* Bumped when something is appended.  A plugin built against a newer minor
 * than the running core is refused (it may rely on what this core lacks). */
#define KC_PLUGIN_ABI_MINOR 0

#define KC_PLUGIN_ENTRY_SYMBOL "kcore_plugin_entry"

typedef enum
{
  KC_PLUGIN_KIND_STORE = 1,
  KC_PLUGIN_KIND_SCHEDULER = 2,
  KC_PLUGIN_KIND_CONTROLLER = 3,
  KC_PLUGIN_KIND_RUNTIME = 4,
} KcPluginKind;

/* What every vtable starts with.  Kind headers (store.h, scheduler.h, ...)
 * declare full vtables whose first three members are exactly these. */
typedef struct _KcHost KcHost;

typedef gpointer (*KcPluginCreateFunc) (const KcHost *host, GError **error);
typedef void (*KcPluginDestroyFunc) (gpointer instance);

typedef struct
{
  guint32 size;               /* sizeof the vtable as the plugin was built */
  guint32 reserved;           /* must be 0 */
  KcPluginCreateFunc create;  /* required */
  KcPluginDestroyFunc destroy; /* required */
} KcPluginVtable;

typedef struct
{
  guint32 size;              /* sizeof (KcPluginDescriptor) at build time */
  guint16 abi_major;         /* KC_PLUGIN_ABI_MAJOR at build time */
  guint16 abi_minor;         /* KC_PLUGIN_ABI_MINOR at build time */
  guint32 kind;              /* a KcPluginKind; fixed width on purpose */
  guint32 interface_version; /* version of the kind's vtable, e.g.
                                KC_STORE_INTERFACE_VERSION */
  const char *name;          /* [a-z0-9-]+, equal to the <name> of the file
                                `<kind>-<name>.so` and to `plugin=` */
  const char *version;       /* the plugin's own release, free text */
  const char *summary;       /* one line, shown by `kcore --check` */
  const KcConfigKey *config_keys; /* the options this plugin accepts in its
                                     config group, ended by an entry whose
                                     key is NULL; NULL when it takes none */
  const KcPluginVtable *vtable;   /* the kind's vtable, cast */
  /* ABI 1.x appends here. */
} KcPluginDescriptor;

/* The entry point.  host_major/host_minor are the running core's ABI; a
 * plugin may return NULL to decline to load (the core reports "declined"). */
typedef const KcPluginDescriptor *(*KcPluginEntryFunc) (guint16 host_major,
                                                        guint16 host_minor);

/* TRUE when the struct pointed to by @s (whose first member is its guint32
 * size) was built with member @m of type @Type. */
#define KC_STRUCT_HAS(s, Type, m)                                             \
  ((s)->size >= G_STRUCT_OFFSET (Type, m) + sizeof (((Type *) 0)->m))

/* TRUE when vtable @vt of type @Type has method @m and it is filled in. */
#define KC_VTABLE_HAS(vt, Type, m)                                            \
  (KC_STRUCT_HAS (vt, Type, m) && ((const Type *) (vt))->m != NULL)

/* Defines the entry point for a plugin whose descriptor is @descriptor.  Use
 * once per module:
 *
 *   static const KcPluginDescriptor descriptor = { ... };
 *   KC_PLUGIN_DEFINE (descriptor)
 */
#define KC_PLUGIN_DEFINE(descriptor)                                          \
  G_MODULE_EXPORT const KcPluginDescriptor *kcore_plugin_entry (             \
      guint16 host_major, guint16 host_minor);                                \
  G_MODULE_EXPORT const KcPluginDescriptor *kcore_plugin_entry (             \
      guint16 host_major, guint16 host_minor)                                 \
  {                                                                           \
    (void) host_major;                                                        \
    (void) host_minor;                                                        \
    return &(descriptor);                                                     \
  }

/* Fills the ABI fields of a descriptor; use first in its initializer. */
#define KC_PLUGIN_DESCRIPTOR_HEADER(kind_, interface_version_)                \
  .size = sizeof (KcPluginDescriptor), .abi_major = KC_PLUGIN_ABI_MAJOR,      \
  .abi_minor = KC_PLUGIN_ABI_MINOR, .kind = (kind_),                          \
  .interface_version = (interface_version_)

/* "store", "scheduler", "controller", "runtime"; "unknown" otherwise.
 * Returns a static string.  Any thread. */
const char *kc_plugin_kind_to_string (guint32 kind);

G_END_DECLS
