/* --nodes SPEC: COUNT[,prefix=P][,cpu=Q][,memory=Q][,ephemeral-storage=Q]
 * [,pods=N][,labels=K=V;K=V][,taints=K=V:Effect;K:Effect][,zones=Z]
 * [,unschedulable].  Every error names the part of SPEC that is wrong, so
 * a user fixing a long command line knows where to look. */
#include "build-config.h"

#include "sim.h"

#include <string.h>

static void
taint_clear (gpointer data)
{
  SimTaint *t = data;
  g_free (t->key);
  g_free (t->value);
  g_free (t->effect);
}

void
sim_node_group_free (SimNodeGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->prefix);
  g_free (group->cpu);
  g_free (group->memory);
  g_free (group->ephemeral_storage);
  g_ptr_array_unref (group->labels);
  g_array_unref (group->taints);
  g_free (group);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimNodeGroup, sim_node_group_free)

static gboolean
bad (GError **error, const char *spec, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
bad (GError **error, const char *spec, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--nodes \"%s\": %s", spec, what);
  return FALSE;
}

gboolean
sim_quantity_is_valid (const char *text)
{
  static const char *const suffixes[]
      = { "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti",
          "Pi", "Ei", NULL };
  const char *p = text;
  gboolean digits = FALSE;

  while (g_ascii_isdigit (*p))
    p++, digits = TRUE;
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      digits = TRUE;
  if (!digits)
    return FALSE;
  for (guint i = 0; suffixes[i]; i++)
    if (strcmp (p, suffixes[i]) == 0)
      return TRUE;
  /* Decimal exponent: 1e3, 12E6. */
  if ((*p == 'e' || *p == 'E') && p[1] != '\0')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      while (g_ascii_isdigit (*p))
        p++;
      return *p == '\0' && g_ascii_isdigit (p[-1]);
    }
  return FALSE;
}

/* A label key: [prefix/]name, name 1..63 of [A-Za-z0-9-_.] starting and
 * ending alphanumeric (validation in the API server says more). */
static gboolean
label_part_is_valid (const char *s, gsize len, gboolean allow_empty)
{
  if (len == 0)
    return allow_empty;
  if (len > 63 || !g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
      return FALSE;
  return TRUE;
}

static gboolean
label_key_is_valid (const char *key)
{
  const char *slash = strrchr (key, '/');
  if (slash == NULL)
    return label_part_is_valid (key, strlen (key), FALSE);
  return slash > key && label_part_is_valid (slash + 1, strlen (slash + 1),
                                             FALSE);
}

static gboolean
parse_count (const char *spec, const char *what, const char *text,
             guint min, guint *out, GError **error)
{
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned (text, 10, min, G_MAXINT32, &n, NULL))
    return bad (error, spec, "%s \"%s\" is not a whole number >= %u", what,
                text, min);
  *out = (guint) n;
  return TRUE;
}

static gboolean
parse_labels (SimNodeGroup *g, const char *spec, const char *text,
              GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ";", -1);
  for (guint i = 0; items[i]; i++)
    {
      const char *item = items[i];
      const char *eq = strchr (item, '=');
      if (*item == '\0')
        continue;
      if (eq == NULL)
        return bad (error, spec, "label \"%s\" has no '=' (write KEY=VALUE)",
                    item);
      g_autofree char *key = g_strndup (item, eq - item);
      if (!label_key_is_valid (key))
        return bad (error, spec, "label key \"%s\" is not a valid label key",
                    key);
      if (!label_part_is_valid (eq + 1, strlen (eq + 1), TRUE))
        return bad (error, spec, "label value \"%s\" of %s is not a valid "
                    "label value", eq + 1, key);
      g_ptr_array_add (g->labels, g_steal_pointer (&key));
      g_ptr_array_add (g->labels, g_strdup (eq + 1));
    }
  return TRUE;
}

static gboolean
parse_taints (SimNodeGroup *g, const char *spec, const char *text,
              GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ";", -1);
  for (guint i = 0; items[i]; i++)
    {
      const char *item = items[i];
      const char *colon = strrchr (item, ':');
      if (*item == '\0')
        continue;
      if (colon == NULL)
        return bad (error, spec, "taint \"%s\" has no effect (write "
                    "KEY=VALUE:Effect or KEY:Effect)", item);
      const char *effect = colon + 1;
      if (strcmp (effect, "NoSchedule") != 0
          && strcmp (effect, "PreferNoSchedule") != 0
          && strcmp (effect, "NoExecute") != 0)
        return bad (error, spec, "taint \"%s\": effect \"%s\" is not "
                    "NoSchedule, PreferNoSchedule or NoExecute", item,
                    effect);
      g_autofree char *kv = g_strndup (item, colon - item);
      char *eq = strchr (kv, '=');
      SimTaint t = { 0 };
      if (eq)
        *eq = '\0';
      if (!label_key_is_valid (kv))
        return bad (error, spec, "taint \"%s\": key \"%s\" is not a valid "
                    "key", item, kv);
      if (eq && !label_part_is_valid (eq + 1, strlen (eq + 1), TRUE))
        return bad (error, spec, "taint \"%s\": value \"%s\" is not a valid "
                    "value", item, eq + 1);
      t.key = g_strdup (kv);
      t.value = eq ? g_strdup (eq + 1) : NULL;
      t.effect = g_strdup (effect);
      g_array_append_val (g->taints, t);
    }
  return TRUE;
}

static gboolean
parse_quantity (const char *spec, const char *name, const char *value,
                char **out, GError **error)
{
  if (!sim_quantity_is_valid (value))
    return bad (error, spec, "%s=%s is not a quantity (e.g. 4, 500m, 8Gi)",
                name, value);
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

/* One "name=value" (or "unschedulable") item after the count. */
static gboolean
parse_item (SimNodeGroup *g, const char *spec, const char *item,
            GError **error)
{
  const char *eq = strchr (item, '=');
  g_autofree char *name = eq ? g_strndup (item, eq - item) : g_strdup (item);
  const char *value = eq ? eq + 1 : NULL;

  if (strcmp (name, "unschedulable") == 0)
    {
      if (value && strcmp (value, "true") != 0 && strcmp (value, "false") != 0)
        return bad (error, spec, "unschedulable=%s: expected true or false",
                    value);
      g->unschedulable = value == NULL || strcmp (value, "true") == 0;
      return TRUE;
    }
  if (value == NULL)
    return bad (error, spec, "\"%s\" is not NAME=VALUE (known: prefix, cpu, "
                "memory, ephemeral-storage, pods, labels, taints, zones, "
                "unschedulable)", item);
  if (strcmp (name, "prefix") == 0)
    {
      gboolean ok = g_ascii_isalnum (value[0]) && strlen (value) <= 200;
      for (const char *c = value; *c && ok; c++)
        ok = g_ascii_isdigit (*c) || g_ascii_islower (*c) || *c == '-'
             || *c == '.';
      if (!ok)
        return bad (error, spec, "prefix=%s: a node name prefix starts with "
                    "a letter or digit and has only lower case letters, "
                    "digits, '-' and '.'", value);
      g_free (g->prefix);
      g->prefix = g_strdup (value);
      return TRUE;
    }
  if (strcmp (name, "cpu") == 0)
    return parse_quantity (spec, name, value, &g->cpu, error);
  if (strcmp (name, "memory") == 0)
    return parse_quantity (spec, name, value, &g->memory, error);
  if (strcmp (name, "ephemeral-storage") == 0)
    return parse_quantity (spec, name, value, &g->ephemeral_storage, error);
  if (strcmp (name, "pods") == 0)
    return parse_count (spec, "pods", value, 1, &g->pods, error);
  if (strcmp (name, "zones") == 0)
    return parse_count (spec, "zones", value, 1, &g->zones, error);
  if (strcmp (name, "labels") == 0)
    return parse_labels (g, spec, value, error);
  if (strcmp (name, "taints") == 0)
    return parse_taints (g, spec, value, error);
  return bad (error, spec, "unknown setting \"%s\" (known: prefix, cpu, "
              "memory, ephemeral-storage, pods, labels, taints, zones, "
              "unschedulable)", name);
}

SimNodeGroup *
sim_node_group_parse (const char *spec, GError **error)
{
  g_autoptr (SimNodeGroup) g = g_new0 (SimNodeGroup, 1);
  g_auto (GStrv) items = g_strsplit (spec, ",", -1);

  g->prefix = g_strdup ("hollow-node-");
  g->cpu = g_strdup ("32");
  g->memory = g_strdup ("256Gi");
  g->ephemeral_storage = g_strdup ("100Gi");
  g->pods = 110;
  g->labels = g_ptr_array_new_with_free_func (g_free);
  g->taints = g_array_new (FALSE, TRUE, sizeof (SimTaint));
  g_array_set_clear_func (g->taints, taint_clear);

  if (items[0] == NULL || *items[0] == '\0')
    {
      bad (error, spec, "the node count comes first (e.g. --nodes "
           "10,cpu=4)");
      return NULL;
    }
  if (!parse_count (spec, "node count", items[0], 1, &g->count, error))
    return NULL;
  for (guint i = 1; items[i]; i++)
    if (*items[i] != '\0' && !parse_item (g, spec, items[i], error))
      return NULL;
  return g_steal_pointer (&g);
}
