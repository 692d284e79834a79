/* inter-pod-affinity: Kubernetes' InterPodAffinity scheduling policy.
 *
 * Filters on required podAffinity / podAntiAffinity terms (and on existing
 * pods' required anti-affinity terms that match the incoming pod), scores
 * on preferred terms.  affinity-filter.c and affinity-score.c hold the
 * hooks; this file only declares the plugin. */
#include "inter-pod-affinity.h"

typedef struct
{
  const KcHost *host;
} InterPodAffinity;

static gpointer
inter_pod_affinity_create (const KcHost *host, GError **error)
{
  InterPodAffinity *self = g_new0 (InterPodAffinity, 1);
  self->host = host;
  return self;
}

static void
inter_pod_affinity_destroy (gpointer self)
{
  g_free (self);
}

static const KcSchedulerVtable inter_pod_affinity_vtable = {
  .size = sizeof (KcSchedulerVtable),
  .create = inter_pod_affinity_create,
  .destroy = inter_pod_affinity_destroy,
  .pre_filter = inter_pod_affinity_pre_filter,
  .filter = inter_pod_affinity_filter,
  .pre_score = inter_pod_affinity_pre_score,
  .score = inter_pod_affinity_score,
  .normalize_scores = inter_pod_affinity_normalize_scores,
};

static const KcPluginDescriptor inter_pod_affinity_descriptor = {
  KC_PLUGIN_DESCRIPTOR_HEADER (KC_PLUGIN_KIND_SCHEDULER,
                               KC_SCHEDULER_INTERFACE_VERSION),
  .name = "inter-pod-affinity",
  .version = "1.0.0",
  .summary = "pod affinity and anti-affinity (Kubernetes InterPodAffinity)",
  .config_keys = NULL,
  .vtable = (const KcPluginVtable *) &inter_pod_affinity_vtable,
};

KC_PLUGIN_DEFINE (inter_pod_affinity_descriptor)
