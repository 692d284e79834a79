/* Checked, read-only access to one config group (see include/kcore/config.h). */
#include "build-config.h"

#include <kcore/config.h>
#include <string.h>

struct _KcConfigGroup
{
  char *name;
  char *data_dir;
  const KcConfigKey *keys;
  GHashTable *values; /* key -> value text, as written (not defaults) */
};

G_DEFINE_QUARK (kc-config-error-quark, kc_config_error)

static const KcConfigKey *
find_key (const KcConfigKey *keys, const char *name)
{
  for (const KcConfigKey *k = keys; k && k->key; k++)
    if (strcmp (k->key, name) == 0)
      return k;
  return NULL;
}

static gboolean
strv_has (const char *const *strv, const char *s)
{
  return strv && g_strv_contains (strv, s);
}

static char *
describe_choices (const char *const *choices)
{
  return choices ? g_strjoinv (", ", (char **) choices) : g_strdup ("");
}

static gboolean
check_address (const char *value)
{
  const char *colon = strrchr (value, ':');
  if (!colon || colon == value || colon[1] == '\0')
    return FALSE;
  if (value[0] == '[' && colon[-1] != ']')
    return FALSE;
  guint64 port;
  return g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL);
}

static gboolean
check_list (const char *value)
{
  g_auto (GStrv) items = g_strsplit (value, ";", -1);
  guint n = 0;
  for (guint i = 0; items[i]; i++)
    {
      g_strstrip (items[i]);
      if (items[i][0] == '\0' && items[i + 1] != NULL)
        return FALSE; /* an empty item in the middle: "a;;b" */
      if (items[i][0] != '\0')
        n++;
    }
  return n > 0;
}

gboolean
kc_config_key_check_value (const KcConfigKey *key, const char *value,
                           GError **error)
{
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  switch (key->type)
    {
    case KC_CONFIG_TYPE_STRING:
    case KC_CONFIG_TYPE_PATH:
      if (value[0] != '\0')
        return TRUE;
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "expected a non-empty %s",
                   key->type == KC_CONFIG_TYPE_PATH ? "path" : "string");
      return FALSE;
    case KC_CONFIG_TYPE_INT:
      {
        gboolean bounded = key->min != 0 || key->max != 0;
        gint64 min = bounded ? key->min : G_MININT64;
        gint64 max = bounded ? key->max : G_MAXINT64;
        if (g_ascii_string_to_signed (value, 10, min, max, NULL, NULL))
          return TRUE;
        if (bounded)
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "expected an integer from %" G_GINT64_FORMAT
                       " to %" G_GINT64_FORMAT,
                       min, max);
        else
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                       "expected an integer");
        return FALSE;
      }
    case KC_CONFIG_TYPE_BOOL:
      if (strcmp (value, "true") == 0 || strcmp (value, "false") == 0)
        return TRUE;
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "expected true or false");
      return FALSE;
    case KC_CONFIG_TYPE_LIST:
      if (check_list (value))
        return TRUE;
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "expected a ';'-separated list of non-empty items");
      return FALSE;
    case KC_CONFIG_TYPE_ENUM:
      if (strv_has (key->choices, value))
        return TRUE;
      {
        g_autofree char *choices = describe_choices (key->choices);
        g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                     "expected one of: %s", choices);
      }
      return FALSE;
    case KC_CONFIG_TYPE_ADDRESS:
      if (check_address (value))
        return TRUE;
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_INVALID_VALUE,
                   "expected HOST:PORT with a port from 0 to 65535");
      return FALSE;
    default:
      g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_FAILED,
                   "key '%s' has unknown type %u", key->key, key->type);
      return FALSE;
    }
}

static gboolean
key_name_is_valid (const char *name)
{
  if (!g_ascii_islower (name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

gboolean
kc_config_keys_check_table (const KcConfigKey *keys, GError **error)
{
  for (const KcConfigKey *k = keys; k && k->key; k++)
    {
      g_autoptr (GError) local = NULL;

      if (!key_name_is_valid (k->key))
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_FAILED,
                       "option '%s': names are lowercase letters, digits "
                       "and dashes",
                       k->key);
          return FALSE;
        }
      if (find_key (keys, k->key) != k)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_FAILED,
                       "option '%s' is declared twice", k->key);
          return FALSE;
        }
      if (k->type < KC_CONFIG_TYPE_STRING || k->type > KC_CONFIG_TYPE_PATH)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_FAILED,
                       "option '%s' has unknown type %u", k->key, k->type);
          return FALSE;
        }
      if (k->type == KC_CONFIG_TYPE_ENUM
          && (k->choices == NULL || k->choices[0] == NULL))
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_FAILED,
                       "option '%s' is an enum without choices", k->key);
          return FALSE;
        }
      if (k->type == KC_CONFIG_TYPE_INT && k->min > k->max)
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_FAILED,
                       "option '%s' has min > max", k->key);
          return FALSE;
        }
      if (k->default_value
          && !kc_config_key_check_value (k, k->default_value, &local))
        {
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_FAILED,
                       "option '%s' has an invalid default '%s': %s", k->key,
                       k->default_value, local->message);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
describe_location (const char *source, const char *group, const char *key,
                   const char *value, const char *const *overridden)
{
  if (strv_has (overridden, key))
    return g_strdup_printf ("--set %s.%s=%s", group, key, value);
  return g_strdup_printf ("%s: [%s] %s=%s", source, group, key, value);
}

static char *
describe_allowed (const KcConfigKey *keys, const char *const *reserved)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; reserved && reserved[i]; i++)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", reserved[i]);
  for (const KcConfigKey *k = keys; k && k->key; k++)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", k->key);
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

KcConfigGroup *
kc_config_group_new (GKeyFile *key_file, const char *group_name,
                     const KcConfigKey *keys,
                     const char *const *reserved_keys,
                     const char *const *overridden, const char *source,
                     const char *data_dir, GError **error)
{
  g_return_val_if_fail (key_file != NULL && group_name != NULL, NULL);

  g_autoptr (GHashTable) values
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) present = NULL;
  if (g_key_file_has_group (key_file, group_name))
    present = g_key_file_get_keys (key_file, group_name, NULL, NULL);

  for (guint i = 0; present && present[i]; i++)
    {
      const char *name = present[i];
      g_autofree char *value
          = g_key_file_get_value (key_file, group_name, name, NULL);
      g_autofree char *where = describe_location (source, group_name, name,
                                                  value, overridden);
      const KcConfigKey *k = find_key (keys, name);

      if (strv_has (reserved_keys, name))
        {
          g_hash_table_insert (values, g_strdup (name), g_steal_pointer (&value));
          continue;
        }
      if (k == NULL)
        {
          g_autofree char *allowed = describe_allowed (keys, reserved_keys);
          g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_UNKNOWN_KEY,
                       "%s: unknown key '%s' (allowed in [%s]: %s)", where,
                       name, group_name, allowed);
          return NULL;
        }
      g_autoptr (GError) local = NULL;
      if (!kc_config_key_check_value (k, value, &local))
        {
          g_set_error (error, KC_CONFIG_ERROR, local->code, "%s: %s", where,
                       local->message);
          return NULL;
        }
      g_hash_table_insert (values, g_strdup (name), g_steal_pointer (&value));
    }

  for (const KcConfigKey *k = keys; k && k->key; k++)
    if ((k->flags & KC_CONFIG_KEY_REQUIRED)
        && !g_hash_table_contains (values, k->key))
      {
        g_set_error (error, KC_CONFIG_ERROR, KC_CONFIG_ERROR_MISSING_KEY,
                     "%s: [%s] missing required key '%s' (%s)", source,
                     group_name, k->key, k->help ? k->help : "no default");
        return NULL;
      }

  KcConfigGroup *group = g_new0 (KcConfigGroup, 1);
  group->name = g_strdup (group_name);
  group->data_dir = g_strdup (data_dir);
  group->keys = keys;
  group->values = g_steal_pointer (&values);
  return group;
}

void
kc_config_group_free (KcConfigGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->name);
  g_free (group->data_dir);
  g_hash_table_unref (group->values);
  g_free (group);
}

const char *
kc_config_group_get_name (const KcConfigGroup *group)
{
  g_return_val_if_fail (group != NULL, NULL);
  return group->name;
}

gboolean
kc_config_group_has_key (const KcConfigGroup *group, const char *key)
{
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);
  return g_hash_table_contains (group->values, key);
}

const char *
kc_config_group_get_string (const KcConfigGroup *group, const char *key)
{
  g_return_val_if_fail (group != NULL && key != NULL, NULL);
  const char *value = g_hash_table_lookup (group->values, key);
  if (value)
    return value;
  const KcConfigKey *k = find_key (group->keys, key);
  return k ? k->default_value : NULL;
}

gint64
kc_config_group_get_int (const KcConfigGroup *group, const char *key)
{
  const char *value = kc_config_group_get_string (group, key);
  gint64 n = 0;
  if (value)
    g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &n, NULL);
  return n;
}

gboolean
kc_config_group_get_bool (const KcConfigGroup *group, const char *key)
{
  const char *value = kc_config_group_get_string (group, key);
  return value && strcmp (value, "true") == 0;
}

char **
kc_config_group_get_list (const KcConfigGroup *group, const char *key)
{
  const char *value = kc_config_group_get_string (group, key);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  if (value)
    {
      g_auto (GStrv) items = g_strsplit (value, ";", -1);
      for (guint i = 0; items[i]; i++)
        {
          g_strstrip (items[i]);
          if (items[i][0] != '\0')
            g_strv_builder_add (builder, items[i]);
        }
    }
  return g_strv_builder_end (builder);
}

char *
kc_config_group_get_path (const KcConfigGroup *group, const char *key)
{
  const char *value = kc_config_group_get_string (group, key);
  if (value == NULL)
    return NULL;
  if (g_path_is_absolute (value) || group->data_dir == NULL)
    return g_strdup (value);
  return g_build_filename (group->data_dir, value, NULL);
}
