/* The resources the API server serves: one row per Kubernetes resource,
 * with what discovery, routing, storage and field selectors need.
 * Internal to the daemon; immutable, any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KC_RESOURCE_HAS_STATUS = 1 << 0, /* status subresource; PUT/PATCH on the
                                      main resource ignore status */
  KC_RESOURCE_HAS_SCALE = 1 << 1,  /* autoscaling/v1 Scale subresource */
  KC_RESOURCE_HAS_BINDING = 1 << 2, /* pods/binding */
  KC_RESOURCE_HAS_LOG = 1 << 3,    /* pods/log */
  KC_RESOURCE_HAS_SPEC = 1 << 4,   /* metadata.generation follows spec */
} KcResourceFlags;

typedef struct
{
  const char *group;        /* "" for the core group */
  const char *version;      /* "v1" */
  const char *plural;       /* "pods": URL segment and storage folder */
  const char *singular;     /* "pod" */
  const char *kind;         /* "Pod" */
  const char *list_kind;    /* "PodList" */
  gboolean namespaced;
  guint flags;              /* KcResourceFlags */
  const char *const *short_names;
  const char *const *categories;
  const char *const *field_selectors; /* fields ?fieldSelector= accepts */
} KcResource;

/* Every resource, NULL-terminated, in discovery order. */
const KcResource *const *kc_resource_all (void);

/* The resource at /api/v1/... (@group "") or /apis/@group/@version/...
 * with URL segment @plural; NULL when there is none. */
const KcResource *kc_resource_find (const char *group, const char *version,
                                    const char *plural);

/* "v1" or "apps/v1".  (transfer none) */
const char *kc_resource_api_version (const KcResource *resource);

/* The storage key of an object: /registry/<plural>/<ns>/<name>, or
 * /registry/<plural>/<name> for cluster-scoped resources; with @name NULL,
 * the prefix of every object in @ns (or of every object when @ns is NULL).
 * Group resources are kept under /registry/<group>/<plural>/ so two groups
 * may share a plural.  (transfer full) */
char *kc_resource_key (const KcResource *resource, const char *ns,
                       const char *name);

/* "pods" or "deployments.apps", as Kubernetes names a resource in
 * messages.  (transfer full) */
char *kc_resource_qualified_name (const KcResource *resource);

G_END_DECLS
