/* kcore configuration: option declarations and read access to one group.
 *
 * A plugin declares the options it accepts as a static table of KcConfigKey
 * in its descriptor.  The core checks the plugin's config group against that
 * table before the plugin is created (so `kcore --check` catches a typo
 * without starting anything), applies defaults, and hands the plugin a
 * KcConfigGroup through its host table.  Getters never fail for a declared
 * key: the value was checked already.
 *
 * Threading: a KcConfigGroup is immutable once handed to a plugin; its
 * getters may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KC_CONFIG_ERROR (kc_config_error_quark ())
GQuark kc_config_error_quark (void);

typedef enum
{
  KC_CONFIG_ERROR_FAILED,
  KC_CONFIG_ERROR_NOT_FOUND,       /* the file cannot be read */
  KC_CONFIG_ERROR_PARSE,           /* a line is not a group, key=value or
                                      comment */
  KC_CONFIG_ERROR_DUPLICATE_GROUP, /* [group] appears twice */
  KC_CONFIG_ERROR_DUPLICATE_KEY,   /* key appears twice in one group */
  KC_CONFIG_ERROR_UNKNOWN_GROUP,
  KC_CONFIG_ERROR_UNKNOWN_KEY,
  KC_CONFIG_ERROR_MISSING_KEY,     /* a required key is absent */
  KC_CONFIG_ERROR_INVALID_VALUE,
  KC_CONFIG_ERROR_BAD_OVERRIDE,    /* --set is not GROUP.KEY=VALUE */
  KC_CONFIG_ERROR_MISSING_GROUP,   /* a component needs a group that is
                                      absent, e.g. [store] */
} KcConfigError;

typedef enum
{
  KC_CONFIG_TYPE_STRING = 1, /* any non-empty text */
  KC_CONFIG_TYPE_INT = 2,    /* decimal integer within [min, max] */
  KC_CONFIG_TYPE_BOOL = 3,   /* true or false */
  KC_CONFIG_TYPE_LIST = 4,   /* ';'-separated non-empty strings */
  KC_CONFIG_TYPE_ENUM = 5,   /* one of `choices` */
  KC_CONFIG_TYPE_ADDRESS = 6, /* HOST:PORT, port 0-65535 */
  KC_CONFIG_TYPE_PATH = 7,   /* a file system path; relative paths are
                                resolved against the data directory */
} KcConfigType;

typedef enum
{
  KC_CONFIG_KEY_REQUIRED = 1 << 0,
} KcConfigKeyFlags;

/* One declared option.  This struct is part of the plugin ABI and is used in
 * arrays, so its size never changes within an ABI major: the reserved slots
 * are for future members and must be zero/NULL. */
typedef struct
{
  const char *key;            /* lowercase-with-dashes; NULL ends a table */
  guint32 type;               /* a KcConfigType */
  guint32 flags;              /* KcConfigKeyFlags */
  const char *default_value;  /* as it would be written in the file; NULL
                                 when there is no default */
  gint64 min;                 /* KC_CONFIG_TYPE_INT bounds, inclusive; */
  gint64 max;                 /* min == max == 0 means unbounded */
  const char *const *choices; /* KC_CONFIG_TYPE_ENUM: NULL-terminated */
  const char *help;           /* one line, for messages and docs */
  gpointer reserved[2];
} KcConfigKey;

/* Read access to one checked config group, with defaults applied. */
typedef struct _KcConfigGroup KcConfigGroup;

/* Checks @group_name of @key_file against @keys and returns read access to
 * it.  Every key present must be declared in @keys or listed in
 * @reserved_keys (keys the core itself owns, such as "plugin"; nullable);
 * every REQUIRED key must be present; every value must match its type.
 * Errors are KC_CONFIG_ERROR and read
 *   "SOURCE: [GROUP] KEY=VALUE: expected WHAT"
 * where SOURCE is @source (the file name).  Keys listed in @overridden
 * (nullable) came from the command line and are reported as
 * "--set GROUP.KEY=VALUE".  Relative PATH values resolve against @data_dir.
 * @key_file is copied: the result does not refer to it afterwards.
 * (transfer full): free with kc_config_group_free().  Plugin authors may use
 * it in unit tests to build the config a plugin's create() receives. */
KcConfigGroup *kc_config_group_new (GKeyFile *key_file,
                                    const char *group_name,
                                    const KcConfigKey *keys,
                                    const char *const *reserved_keys,
                                    const char *const *overridden,
                                    const char *source, const char *data_dir,
                                    GError **error);
void kc_config_group_free (KcConfigGroup *group);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcConfigGroup, kc_config_group_free)

/* Checks @value against @key's type.  On failure sets @error to
 * "expected WHAT" (without the location, which the caller adds). */
gboolean kc_config_key_check_value (const KcConfigKey *key, const char *value,
                                    GError **error);

/* Checks that a key table is well formed (names, types, defaults valid for
 * their type, bounds, choices).  Used by the plugin loader on every plugin's
 * table; errors name the bad entry. */
gboolean kc_config_keys_check_table (const KcConfigKey *keys, GError **error);

/* Name of the group, e.g. "store" or "controller replicaset".
 * (transfer none) */
const char *kc_config_group_get_name (const KcConfigGroup *group);

/* The value of @key as text: the file's value, else its default, else NULL.
 * (transfer none): valid as long as @group. */
const char *kc_config_group_get_string (const KcConfigGroup *group,
                                        const char *key);

/* Integer value of an INT key (its default when unset, 0 when neither). */
gint64 kc_config_group_get_int (const KcConfigGroup *group, const char *key);

/* Boolean value of a BOOL key (its default when unset, FALSE when neither). */
gboolean kc_config_group_get_bool (const KcConfigGroup *group,
                                   const char *key);

/* Items of a LIST key.  (transfer full): free with g_strfreev(); an empty
 * vector when unset and without default. */
char **kc_config_group_get_list (const KcConfigGroup *group, const char *key);

/* A PATH key made absolute: relative values are taken relative to the data
 * directory.  (transfer full) or NULL when unset and without default. */
char *kc_config_group_get_path (const KcConfigGroup *group, const char *key);

/* TRUE when @key was written in the file or given with --set (as opposed to
 * coming from its default). */
gboolean kc_config_group_has_key (const KcConfigGroup *group,
                                  const char *key);

G_END_DECLS
