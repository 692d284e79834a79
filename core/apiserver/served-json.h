/* A stored object as the API server serves it: its JSON text with
 * metadata.resourceVersion set to the store revision (the revision is never
 * stored in the value).  Main thread or any: pure functions. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* (transfer full) @stored's JSON with metadata.resourceVersion @revision,
 * or NULL with @error when @stored is not a JSON object.  The revision is
 * spliced into the text after one scan of it, without building a tree;
 * text of another shape (no metadata object, one that already has a
 * resourceVersion) is parsed and written again, with the same result. */
GBytes *kc_served_json (GBytes *stored, gint64 revision, GError **error);

/* The splice alone: FALSE when @text (@len bytes) is not a well-formed
 * JSON object with exactly one "metadata" member holding an object without
 * "resourceVersion".  Otherwise *@at is the offset of that object's
 * closing brace and *@empty whether it has no members. */
gboolean kc_served_json_insert_point (const char *text, gsize len, gsize *at,
                                      gboolean *empty);

G_END_DECLS
