/* The part of an object a watch's selectors can test, picked out of its
 * JSON text without building its whole tree: a watch with a label or
 * field selector tests every event (and its previous value), which made
 * parsing them one of the API server's largest costs.  Pure, any thread. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* (transfer full) an object holding, of the JSON object @text (@len
 * bytes): its top-level scalar members, the scalar members of its
 * top-level objects (spec.nodeName, status.phase, involvedObject.kind,
 * ...: every field selector Kubernetes defines is one of these) and
 * metadata.labels.  NULL when @text is not a well-formed JSON object or
 * holds escaped member names (the caller then parses it all). */
JsonNode *kc_selectable_fields (const char *text, gsize len);

G_END_DECLS
