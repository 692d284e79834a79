/* prefer-label: a scheduling policy plugin built out of tree.
 *
 * Scores the nodes that carry a configured label (label-key, and
 * label-value when given) KC_SCHED_MAX_SCORE and the others 0; with
 * required=true it filters the others out instead of only preferring.
 * Build it with the Makefile beside it against an installed kcore
 * (pkg-config kcore-plugin) and enable it in a profile: see example.conf.
 */
#include <kcore/kcore.h>
#include <kcore/scheduler.h>

typedef struct
{
  char *key;
  char *value; /* NULL: any value */
  gboolean required;
  char *reason; /* the filter's reason, built once */
} PreferLabel;

static gpointer
prefer_label_create (const KcHost *host, GError **error)
{
  PreferLabel *self = g_new0 (PreferLabel, 1);
  /* Options were checked against the table below before create() runs:
   * label-key is there, required is true or false. */
  self->key = g_strdup (kc_config_group_get_string (host->config,
                                                    "label-key"));
  self->value = g_strdup (kc_config_group_get_string (host->config,
                                                      "label-value"));
  self->required = kc_config_group_get_bool (host->config, "required");
  self->reason = self->value
                     ? g_strdup_printf ("node(s) didn't have label %s=%s",
                                        self->key, self->value)
                     : g_strdup_printf ("node(s) didn't have label %s",
                                        self->key);
  kc_host_info (host, "prefers nodes with %s%s%s%s", self->key,
                self->value ? "=" : "", self->value ? self->value : "",
                self->required ? " (required)" : "");
  return self;
}

static void
prefer_label_destroy (gpointer data)
{
  PreferLabel *self = data;
  g_free (self->key);
  g_free (self->value);
  g_free (self->reason);
  g_free (self);
}

/* Called from filter and score on several threads at once: it only reads
 * the instance and the node. */
static gboolean
has_label (const PreferLabel *self, const KcSchedNode *node)
{
  const char *value = kc_sched_node_get_label (node, self->key);
  return value && (self->value == NULL || g_strcmp0 (value, self->value) == 0);
}

static KcSchedCode
prefer_label_pre_filter (gpointer data, KcSchedCycle *cycle,
                         const KcSchedPod *pod,
                         const KcSchedSnapshot *snapshot, GPtrArray *reasons)
{
  PreferLabel *self = data;
  /* Only a preference: filter has nothing to do for any pod. */
  return self->required ? KC_SCHED_SUCCESS : KC_SCHED_SKIP;
}

static KcSchedCode
prefer_label_filter (gpointer data, KcSchedCycle *cycle,
                     const KcSchedPod *pod, const KcSchedNode *node,
                     GPtrArray *reasons)
{
  PreferLabel *self = data;
  if (has_label (self, node))
    return KC_SCHED_SUCCESS;
  /* The core counts identical reasons over the nodes into the pod's
   * message: "0/6 nodes are available: 4 node(s) didn't have label ...". */
  g_ptr_array_add (reasons, g_strdup (self->reason));
  return KC_SCHED_UNSCHEDULABLE;
}

static gint64
prefer_label_score (gpointer data, KcSchedCycle *cycle, const KcSchedPod *pod,
                    const KcSchedNode *node)
{
  return has_label (data, node) ? KC_SCHED_MAX_SCORE : 0;
}

static const KcSchedulerVtable prefer_label_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = prefer_label_create,
  .destroy = prefer_label_destroy,
  .pre_filter = prefer_label_pre_filter,
  .filter = prefer_label_filter,
  .score = prefer_label_score,
};

static const KcConfigKey prefer_label_options[] = {
  { "label-key", KC_CONFIG_TYPE_STRING, KC_CONFIG_KEY_REQUIRED, NULL, 0, 0,
    NULL, "the node label to look for" },
  { "label-value", KC_CONFIG_TYPE_STRING, 0, NULL, 0, 0, NULL,
    "its value (unset: any value)" },
  { "required", KC_CONFIG_TYPE_BOOL, 0, "false", 0, 0, NULL,
    "true: nodes without the label are filtered out, not only scored 0" },
  { NULL },
};

static const KcPluginDescriptor prefer_label_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "prefer-label",
  .version = "1.0.0",
  .summary = "example scheduling policy: prefer (or require) a node label",
  .config_keys = prefer_label_options,
  .vtable = (const KcPluginVtable *) &prefer_label_vtable,
};

KC_PLUGIN_DEFINE (prefer_label_descriptor)
