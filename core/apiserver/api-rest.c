/* The REST verbs over the store: get, list, create, update (PUT), patch,
 * delete, and the status, scale and binding subresources (see
 * api-server.h).  Each handler starts an asynchronous store operation with
 * the request as its data and replies from the callback. */
#include "build-config.h"

#include "api-defaults.h"
#include "api-server.h"
#include "api-validate.h"
#include "field-selector.h"
#include "label-selector.h"
#include "patch.h"
#include "pod-log.h"
#include "served-json.h"
#include <string.h>

/* How often an update whose precondition was computed by the server (a
 * PUT without resourceVersion, a patch) is retried after a conflict. */
#define MAX_UPDATE_ATTEMPTS 8

static void read_current (KcApiRequest *req, GAsyncReadyCallback then);

void
kc_api_set_store_error (KcApiRequest *req, const GError *store_error,
                        GError **error)
{
  if (store_error->domain == KC_STORE_ERROR)
    switch (store_error->code)
      {
      case KC_STORE_ERROR_NOT_FOUND:
        kc_api_set_not_found (error, req->resource, req->name);
        return;
      case KC_STORE_ERROR_EXISTS:
        kc_api_set_already_exists (error, req->resource, req->name);
        return;
      case KC_STORE_ERROR_CONFLICT:
        kc_api_set_conflict (error, req->resource, req->name);
        return;
      case KC_STORE_ERROR_COMPACTED:
        g_set_error (error, KC_API_ERROR, KC_API_ERROR_GONE,
                     "too old resource version: %s", store_error->message);
        return;
      case KC_STORE_ERROR_TOO_LARGE:
        g_set_error (error, KC_API_ERROR, KC_API_ERROR_TOO_LARGE,
                     "the object is too large to store: %s",
                     store_error->message);
        return;
      case KC_STORE_ERROR_UNAVAILABLE:
        g_set_error (error, KC_API_ERROR, KC_API_ERROR_UNAVAILABLE,
                     "the store is unavailable: %s", store_error->message);
        return;
      default:
        break;
      }
  g_set_error (error, KC_API_ERROR, KC_API_ERROR_INTERNAL, "store: %s",
               store_error->message);
}

static void
fail_store (KcApiRequest *req, const GError *store_error)
{
  g_autoptr (GError) error = NULL;
  kc_api_set_store_error (req, store_error, &error);
  kc_api_request_fail (req, error);
}

static void
fail_with (KcApiRequest *req, KcApiError code, const char *message)
{
  g_autoptr (GError) error = g_error_new_literal (KC_API_ERROR, code,
                                                  message);
  kc_api_request_fail (req, error);
}

static char *
object_key (KcApiRequest *req)
{
  return kc_resource_key (req->resource, req->ns, req->name);
}

/* ---- scale ------------------------------------------------------------ */

static char *
selector_string (JsonObject *spec)
{
  JsonObject *selector = spec && json_object_has_member (spec, "selector")
                             ? json_object_get_object_member (spec,
                                                              "selector")
                             : NULL;
  JsonObject *labels = selector && json_object_has_member (selector,
                                                           "matchLabels")
                           ? json_object_get_object_member (selector,
                                                            "matchLabels")
                           : NULL;
  GString *s = g_string_new (NULL);
  GList *keys = labels ? json_object_get_members (labels) : NULL;
  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  for (GList *l = keys; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (labels, l->data);
      g_string_append_printf (s, "%s%s=%s", s->len ? "," : "",
                              (char *) l->data,
                              JSON_NODE_HOLDS_VALUE (v)
                                  ? json_node_get_string (v)
                                  : "");
    }
  g_list_free (keys);
  return g_string_free (s, FALSE);
}

static gint64
int_at (JsonObject *obj, const char *member)
{
  return obj ? json_object_get_int_member_with_default (obj, member, 0) : 0;
}

static JsonObject *
object_at (JsonObject *obj, const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

/* The autoscaling/v1 Scale of a deployment or replica set. */
static JsonNode *
scale_of (JsonNode *object)
{
  JsonObject *obj = json_node_get_object (object);
  JsonObject *meta = kc_object_metadata (object);
  JsonObject *spec = object_at (obj, "spec");
  JsonObject *status = object_at (obj, "status");

  JsonObject *scale = json_object_new ();
  json_object_set_string_member (scale, "kind", "Scale");
  json_object_set_string_member (scale, "apiVersion", "autoscaling/v1");
  JsonObject *smeta = json_object_new ();
  static const char *const copied[] = { "name", "namespace", "uid",
                                        "resourceVersion",
                                        "creationTimestamp", NULL };
  for (guint i = 0; copied[i]; i++)
    if (json_object_has_member (meta, copied[i]))
      json_object_set_member (
          smeta, copied[i],
          kc_json_deep_copy (json_object_get_member (meta, copied[i])));
  json_object_set_object_member (scale, "metadata", smeta);
  JsonObject *sspec = json_object_new ();
  json_object_set_int_member (sspec, "replicas",
                              spec && json_object_has_member (spec,
                                                              "replicas")
                                  ? int_at (spec, "replicas")
                                  : 1);
  json_object_set_object_member (scale, "spec", sspec);
  JsonObject *sstatus = json_object_new ();
  json_object_set_int_member (sstatus, "replicas", int_at (status,
                                                           "replicas"));
  g_autofree char *selector = selector_string (spec);
  json_object_set_string_member (sstatus, "selector", selector);
  json_object_set_object_member (scale, "status", sstatus);

  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, scale);
  return node;
}

/* Applies a Scale's spec.replicas to a copy of @current.  (transfer full) */
static JsonNode *
apply_scale (KcApiRequest *req, JsonNode *scale, JsonNode *current,
             GError **error)
{
  JsonObject *sspec = object_at (json_node_get_object (scale), "spec");
  JsonNode *replicas = sspec ? json_object_get_member (sspec, "replicas")
                             : NULL;
  if (replicas == NULL || !JSON_NODE_HOLDS_VALUE (replicas)
      || json_node_get_value_type (replicas) != G_TYPE_INT64
      || json_node_get_int (replicas) < 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_INVALID,
                   "Scale \"%s\" is invalid: spec.replicas: Invalid value: "
                   "must be a non-negative integer",
                   req->name);
      return NULL;
    }
  gint64 rv = kc_object_resource_version (scale);
  if (rv != 0 && rv != req->current_revision)
    {
      kc_api_set_conflict (error, req->resource, req->name);
      return NULL;
    }
  JsonNode *object = kc_json_deep_copy (current);
  JsonObject *obj = json_node_get_object (object);
  JsonObject *spec = object_at (obj, "spec");
  if (spec == NULL)
    {
      json_object_set_object_member (obj, "spec", json_object_new ());
      spec = object_at (obj, "spec");
    }
  json_object_set_int_member (spec, "replicas", json_node_get_int (replicas));
  return object;
}

/* ---- get --------------------------------------------------------------- */

static gboolean
subresource_allowed (KcApiRequest *req)
{
  const char *sub = req->subresource;
  guint flags = req->resource->flags;
  if (sub == NULL)
    return TRUE;
  if (strcmp (sub, "status") == 0)
    return flags & KC_RESOURCE_HAS_STATUS;
  if (strcmp (sub, "scale") == 0)
    return flags & KC_RESOURCE_HAS_SCALE;
  return FALSE;
}

static gboolean
is_sub (KcApiRequest *req, const char *name)
{
  return req->subresource && strcmp (req->subresource, name) == 0;
}

static void
reply_object (KcApiRequest *req, guint status, JsonNode *object)
{
  if (is_sub (req, "scale"))
    {
      g_autoptr (JsonNode) scale = scale_of (object);
      kc_api_request_reply (req, status, scale);
      return;
    }
  if (kc_api_wants_table (req->msg))
    {
      g_autoptr (GPtrArray) one = g_ptr_array_new ();
      g_ptr_array_add (one, object);
      g_autoptr (JsonNode) table = kc_api_table_new (
          req->resource, one, kc_object_resource_version (object), TRUE);
      kc_api_request_reply (req, status, table);
      return;
    }
  kc_api_request_reply (req, status, object);
}

/* Replies with the stored text @stored of revision @revision, its
 * resourceVersion spliced in, without building a tree; FALSE (nothing
 * sent) when the reply needs the tree: /scale, a Table, text that is not
 * a JSON object. */
static gboolean
reply_stored_text (KcApiRequest *req, guint status, GBytes *stored,
                   gint64 revision)
{
  if (is_sub (req, "scale") || kc_api_wants_table (req->msg))
    return FALSE;
  g_autoptr (GBytes) served = kc_served_json (stored, revision, NULL);
  if (served == NULL)
    return FALSE;
  kc_api_request_reply_text (req, status, served);
  return TRUE;
}

/* Replies with the object just written at @revision: the text sent to the
 * store, as a GET would serve it, instead of writing the tree out a second
 * time. */
static void
reply_written (KcApiRequest *req, guint status, gint64 revision)
{
  if (reply_stored_text (req, status, req->written, revision))
    return;
  kc_object_set_resource_version (req->body, revision);
  reply_object (req, status, req->body);
}

/* A GET is answered with the stored text; only /scale and Tables are
 * built from the tree. */
static void
on_got (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = req->api->vt->get_finish (req->api->store,
                                                       result, NULL, &error);
  if (kv == NULL)
    {
      fail_store (req, error);
      return;
    }
  if (reply_stored_text (req, SOUP_STATUS_OK, kv->value, kv->mod_revision))
    return;
  /* Text that is not a JSON object fails here, as every read does. */
  req->current = kc_object_decode (kv->value, kv->mod_revision, &error);
  if (req->current)
    reply_object (req, SOUP_STATUS_OK, req->current);
  else
    kc_api_request_fail (req, error);
}

void
kc_api_get (KcApiRequest *req)
{
  if (!subresource_allowed (req))
    {
      fail_with (req, KC_API_ERROR_NOT_FOUND,
                 "the server could not find the requested resource");
      return;
    }
  g_autofree char *key = object_key (req);
  req->api->vt->get_async (req->api->store, key, 0, NULL, on_got, req);
}

/* ---- list -------------------------------------------------------------- */

typedef struct
{
  KcApiRequest *req;
  KcLabelSelector *labels;
  KcFieldSelector *fields;
  char *prefix;
  gint64 revision;  /* 0 until the first page fixed it */
  gint64 limit;     /* 0: everything */
  char *last_key;
  GPtrArray *items; /* of JsonNode* */
  gboolean more;
} ListState;

static void
list_state_free (ListState *state)
{
  kc_label_selector_free (state->labels);
  kc_field_selector_free (state->fields);
  g_free (state->prefix);
  g_free (state->last_key);
  g_ptr_array_unref (state->items);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ListState, list_state_free)

static gboolean
object_selected (KcLabelSelector *labels, KcFieldSelector *fields,
                 JsonNode *object)
{
  JsonObject *meta = kc_object_metadata (object);
  JsonObject *object_labels = object_at (meta, "labels");
  return kc_label_selector_matches (labels, object_labels)
         && kc_field_selector_matches (fields, json_node_get_object (object));
}

/* The continue token: where the next page starts, at which revision. */
static char *
encode_continue (gint64 revision, const char *last_key)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rv");
  json_builder_add_int_value (b, revision);
  json_builder_set_member_name (b, "start");
  json_builder_add_string_value (b, last_key);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  return g_base64_encode ((const guchar *) text, strlen (text));
}

static gboolean
decode_continue (const char *token, const char *prefix, gint64 *revision,
                 char **last_key)
{
  gsize len = 0;
  g_autofree guchar *text = g_base64_decode (token, &len);
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (len == 0
      || !json_parser_load_from_data (parser, (const char *) text, len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  JsonObject *obj = json_node_get_object (json_parser_get_root (parser));
  *revision = json_object_get_int_member_with_default (obj, "rv", 0);
  const char *start = json_object_get_string_member_with_default (obj,
                                                                  "start",
                                                                  NULL);
  if (*revision <= 0 || start == NULL || !g_str_has_prefix (start, prefix))
    return FALSE;
  *last_key = g_strdup (start);
  return TRUE;
}

static void list_next_page (ListState *state);

static void
reply_list (ListState *state)
{
  KcApiRequest *req = state->req;
  if (kc_api_wants_table (req->msg))
    {
      g_autoptr (JsonNode) table = kc_api_table_new (
          req->resource, state->items, state->revision, TRUE);
      if (state->more)
        {
          g_autofree char *token = encode_continue (state->revision,
                                                    state->last_key);
          JsonObject *meta = object_at (json_node_get_object (table),
                                        "metadata");
          json_object_set_string_member (meta, "continue", token);
        }
      kc_api_request_reply (req, SOUP_STATUS_OK, table);
      return;
    }
  JsonObject *list = json_object_new ();
  json_object_set_string_member (list, "kind", req->resource->list_kind);
  json_object_set_string_member (list, "apiVersion",
                                 kc_resource_api_version (req->resource));
  JsonObject *meta = json_object_new ();
  g_autofree char *rv = g_strdup_printf ("%" G_GINT64_FORMAT,
                                         state->revision);
  json_object_set_string_member (meta, "resourceVersion", rv);
  if (state->more)
    {
      g_autofree char *token = encode_continue (state->revision,
                                                state->last_key);
      json_object_set_string_member (meta, "continue", token);
    }
  json_object_set_object_member (list, "metadata", meta);
  JsonArray *items = json_array_sized_new (state->items->len);
  for (guint i = 0; i < state->items->len; i++)
    json_array_add_element (items, kc_json_deep_copy (state->items->pdata[i]));
  json_object_set_array_member (list, "items", items);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, list);
  kc_api_request_reply (req, SOUP_STATUS_OK, node);
}

static void
on_list_page (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (ListState) state = data;
  KcApiRequest *req = state->req;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) range
      = req->api->vt->range_finish (req->api->store, result, &error);
  if (range == NULL)
    {
      if (g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED)
          && kc_api_request_query (req, "continue"))
        fail_with (req, KC_API_ERROR_GONE,
                   "The provided continue parameter is too old to display a "
                   "consistent list result. You can start a new list "
                   "without the continue parameter.");
      else
        fail_store (req, error);
      return;
    }
  state->revision = range->revision;
  for (guint i = 0; i < range->kvs->len; i++)
    {
      KcStoreKv *kv = range->kvs->pdata[i];
      g_free (state->last_key);
      state->last_key = g_strdup (kv->key);
      JsonNode *object = kc_object_decode (kv->value, kv->mod_revision,
                                           &error);
      if (object == NULL)
        {
          kc_api_request_fail (req, error);
          return;
        }
      if (!object_selected (state->labels, state->fields, object))
        {
          json_node_unref (object);
          continue;
        }
      g_ptr_array_add (state->items, object);
      if (state->limit > 0 && state->items->len >= (guint) state->limit)
        {
          state->more = range->more || i + 1 < range->kvs->len;
          reply_list (state);
          return;
        }
    }
  if (range->more)
    {
      list_next_page (g_steal_pointer (&state));
      return;
    }
  state->more = FALSE;
  reply_list (state);
}

static void
list_next_page (ListState *state)
{
  KcApiRequest *req = state->req;
  /* Selectors filter after reading, so read in pages near the limit. */
  KcStoreRange range = {
    .prefix = state->prefix,
    .start_after = state->last_key,
    .revision = state->revision,
    .limit = state->limit > 0 ? MAX (state->limit, 100) : 0,
  };
  req->api->vt->range_async (req->api->store, &range, NULL, on_list_page,
                             state);
}

static gboolean
parse_selectors (KcApiRequest *req, KcLabelSelector **labels,
                 KcFieldSelector **fields, GError **error)
{
  *labels = kc_label_selector_parse (
      kc_api_request_query (req, "labelSelector"), error);
  if (*labels == NULL)
    return FALSE;
  *fields = kc_field_selector_parse (
      kc_api_request_query (req, "fieldSelector"),
      req->resource->field_selectors, error);
  return *fields != NULL;
}

static gboolean
parse_limit (KcApiRequest *req, gint64 *limit, GError **error)
{
  const char *text = kc_api_request_query (req, "limit");
  guint64 n = 0;
  *limit = 0;
  if (text == NULL || text[0] == '\0')
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &n, NULL))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "limit=%s: expected a non-negative integer", text);
      return FALSE;
    }
  *limit = (gint64) n;
  return TRUE;
}

/* resourceVersion on a list: Exact reads at that revision; otherwise the
 * latest state is at least as new as any revision asked for. */
static gboolean
parse_list_revision (KcApiRequest *req, gint64 *revision, GError **error)
{
  const char *rv = kc_api_request_query (req, "resourceVersion");
  const char *match = kc_api_request_query (req, "resourceVersionMatch");
  guint64 n = 0;
  *revision = 0;
  if (rv && rv[0]
      && !g_ascii_string_to_unsigned (rv, 10, 0, G_MAXINT64, &n, NULL))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "resourceVersion=%s: expected a revision number", rv);
      return FALSE;
    }
  if (match && strcmp (match, "Exact") == 0)
    {
      if (n == 0)
        {
          g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                       "resourceVersionMatch=Exact needs a non-zero "
                       "resourceVersion");
          return FALSE;
        }
      *revision = (gint64) n;
    }
  else if (match && match[0] && strcmp (match, "NotOlderThan") != 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "resourceVersionMatch=%s: expected Exact or "
                   "NotOlderThan",
                   match);
      return FALSE;
    }
  return TRUE;
}

/* ---- lists from the watch cache ---------------------------------------- */

typedef struct
{
  ListState *state;
  gboolean filter;
  GPtrArray *json;    /* of GBytes*, the selected objects */
  guint want;         /* limit + 1, to know whether there are more */
} CacheVisit;

static gboolean
visit_cached (const char *key, GBytes *json, gpointer data)
{
  CacheVisit *v = data;
  ListState *state = v->state;
  if (v->filter)
    {
      gsize len = 0;
      const char *text = g_bytes_get_data (json, &len);
      g_autoptr (JsonNode) object = kc_object_parse (text, len, NULL);
      if (object == NULL
          || !object_selected (state->labels, state->fields, object))
        return TRUE;
    }
  if (v->want && v->json->len == v->want - 1)
    {
      state->more = TRUE;
      return FALSE;
    }
  g_ptr_array_add (v->json, g_bytes_ref (json));
  g_free (state->last_key);
  state->last_key = g_strdup (key);
  return TRUE;
}

/* Writes a List without building a JSON tree: the cache holds each
 * object's served JSON already. */
static void
reply_cached_list (ListState *state, GPtrArray *json)
{
  KcApiRequest *req = state->req;
  if (req->timed_out) /* the client has its 504 */
    {
      kc_api_request_free (req);
      return;
    }
  GString *out = g_string_sized_new (256 + json->len * 1024);
  g_string_append_printf (out,
                          "{\"kind\":\"%s\",\"apiVersion\":\"%s\","
                          "\"metadata\":{\"resourceVersion\":\"%" G_GINT64_FORMAT
                          "\"",
                          req->resource->list_kind,
                          kc_resource_api_version (req->resource),
                          state->revision);
  if (state->more)
    {
      g_autofree char *token = encode_continue (state->revision,
                                                state->last_key);
      g_string_append_printf (out, ",\"continue\":\"%s\"", token);
    }
  g_string_append (out, "},\"items\":[");
  for (guint i = 0; i < json->len; i++)
    {
      gsize len = 0;
      const char *text = g_bytes_get_data (json->pdata[i], &len);
      if (i)
        g_string_append_c (out, ',');
      g_string_append_len (out, text, len);
    }
  g_string_append (out, "]}");
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  gsize len = out->len;
  soup_server_message_set_response (req->msg, "application/json",
                                    SOUP_MEMORY_TAKE,
                                    g_string_free (out, FALSE), len);
  soup_server_message_unpause (req->msg);
  kc_api_request_free (req);
}

static void
list_from_cache (ListState *state)
{
  KcApiRequest *req = state->req;
  KcWatchCache *cache = kc_api_cache (req->api, req->resource);
  g_autoptr (GPtrArray) json = g_ptr_array_new_with_free_func (
      (GDestroyNotify) g_bytes_unref);
  CacheVisit v = {
    .state = state,
    .filter = !kc_label_selector_is_everything (state->labels)
              || !kc_field_selector_is_everything (state->fields),
    .json = json,
    .want = state->limit > 0 ? (guint) MIN (state->limit, G_MAXUINT - 1) + 1
                             : 0,
  };
  state->revision = kc_api_cache_revision (req->api, req->resource);
  kc_watch_cache_visit (cache, state->prefix, NULL, visit_cached, &v);
  if (!kc_api_wants_table (req->msg))
    {
      reply_cached_list (state, json);
      list_state_free (state);
      return;
    }
  /* One object parsed at a time: a Table of 10k pods must not hold 10k
   * JSON trees at once. */
  g_autoptr (JsonNode) table = kc_api_table_new (req->resource, NULL,
                                                 state->revision, TRUE);
  for (guint i = 0; i < json->len; i++)
    {
      gsize len = 0;
      const char *text = g_bytes_get_data (json->pdata[i], &len);
      g_autoptr (JsonNode) object = kc_object_parse (text, len, NULL);
      if (object)
        kc_api_table_append (table, req->resource, object);
    }
  if (state->more)
    {
      g_autofree char *token = encode_continue (state->revision,
                                                state->last_key);
      JsonObject *meta = object_at (json_node_get_object (table), "metadata");
      json_object_set_string_member (meta, "continue", token);
    }
  kc_api_request_reply (req, SOUP_STATUS_OK, table);
  list_state_free (state);
}

/* The cache answers once it reflects every write this server made to
 * the resource; if it lags too long the store answers. */
static void
on_cache_ready (gboolean ok, gpointer data)
{
  ListState *state = data;
  if (ok)
    list_from_cache (state);
  else
    list_next_page (state);
}

void
kc_api_list (KcApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ListState) state = g_new0 (ListState, 1);
  state->req = req;
  state->items = g_ptr_array_new_with_free_func (
      (GDestroyNotify) json_node_unref);
  state->prefix = kc_resource_key (req->resource, req->ns, NULL);

  if (!parse_selectors (req, &state->labels, &state->fields, &error)
      || !parse_limit (req, &state->limit, &error)
      || !parse_list_revision (req, &state->revision, &error))
    {
      kc_api_request_fail (req, error);
      return;
    }
  const char *token = kc_api_request_query (req, "continue");
  if (token && token[0]
      && !decode_continue (token, state->prefix, &state->revision,
                           &state->last_key))
    {
      fail_with (req, KC_API_ERROR_BAD_REQUEST,
                 "continue: the token is not valid for this list");
      return;
    }
  /* Later pages and exact revisions come from the store's history. */
  KcWatchCache *cache = kc_api_cache (req->api, req->resource);
  if (state->revision == 0 && cache && kc_watch_cache_is_ready (cache))
    {
      kc_watch_cache_wait (cache, kc_api_last_write (req->api, req->resource),
                           2000, on_cache_ready, g_steal_pointer (&state));
      return;
    }
  list_next_page (g_steal_pointer (&state));
}

/* ---- create ------------------------------------------------------------ */

static void
on_created (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  g_autoptr (GError) error = NULL;
  gint64 revision = req->api->vt->create_finish (req->api->store, result,
                                                 &error);
  if (revision == 0)
    {
      fail_store (req, error);
      return;
    }
  kc_api_note_write (req->api, req->resource, revision);
  reply_written (req, SOUP_STATUS_CREATED, revision);
}

static void
store_new_object (KcApiRequest *req)
{
  g_autofree char *key = object_key (req);
  g_clear_pointer (&req->written, g_bytes_unref);
  req->written = kc_object_encode (req->body);
  req->api->vt->create_async (req->api->store, key, req->written, 0, NULL,
                              on_created, req);
}

static void
on_namespace_checked (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = req->api->vt->get_finish (req->api->store,
                                                       result, NULL, &error);
  if (kv == NULL)
    {
      if (g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND))
        {
          const KcResource *namespaces
              = kc_resource_find ("", "v1", "namespaces");
          g_autoptr (GError) api_error = NULL;
          kc_api_set_not_found (&api_error, namespaces, req->ns);
          /* The details name the namespace, as Kubernetes' do. */
          req->resource = namespaces;
          g_free (req->name);
          req->name = g_strdup (req->ns);
          kc_api_request_fail (req, api_error);
        }
      else
        fail_store (req, error);
      return;
    }
  store_new_object (req);
}

void
kc_api_create (KcApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  if (req->resource->namespaced && req->ns == NULL)
    {
      fail_with (req, KC_API_ERROR_NOT_FOUND,
                 "the server could not find the requested resource (a "
                 "namespaced object is created under "
                 "/namespaces/NAMESPACE/)");
      return;
    }
  if (!kc_object_prepare_create (req->resource, req->body, req->ns, &error))
    {
      kc_api_request_fail (req, error);
      return;
    }
  g_free (req->name);
  req->name = g_strdup (kc_object_name (req->body));
  kc_api_defaults_apply (req->resource, req->body);
  if (!kc_api_validate (req->resource, req->body, &error))
    {
      kc_api_request_fail (req, error);
      return;
    }
  if (!req->resource->namespaced)
    {
      store_new_object (req);
      return;
    }
  /* Objects live in namespaces that exist.  The watch cache answers for
   * the namespaces it holds, as Kubernetes' admission asks its informer;
   * one it does not hold (perhaps just created) is looked up in the
   * store. */
  const KcResource *namespaces = kc_resource_find ("", "v1", "namespaces");
  g_autofree char *ns_key = kc_resource_key (namespaces, NULL, req->ns);
  gint64 ns_revision = 0;
  g_autoptr (GBytes) ns_json = kc_api_cached (req->api, namespaces, ns_key,
                                              &ns_revision);
  if (ns_json)
    {
      store_new_object (req);
      return;
    }
  req->api->vt->get_async (req->api->store, ns_key, 0, NULL,
                           on_namespace_checked, req);
}

/* ---- update, patch and the writes they share --------------------------- */

static gboolean
finalizers_empty (JsonNode *object)
{
  JsonNode *f = json_object_get_member (kc_object_metadata (object),
                                        "finalizers");
  return f == NULL || !JSON_NODE_HOLDS_ARRAY (f)
         || json_array_get_length (json_node_get_array (f)) == 0;
}

static gboolean
being_deleted (JsonNode *object)
{
  return json_object_has_member (kc_object_metadata (object),
                                 "deletionTimestamp");
}

static void on_deleted (GObject *source, GAsyncResult *result,
                        gpointer data);
static JsonNode *build_bound (KcApiRequest *req, GError **error);

static JsonNode *
success_status (guint code)
{
  JsonObject *status = json_object_new ();
  json_object_set_string_member (status, "kind", "Status");
  json_object_set_string_member (status, "apiVersion", "v1");
  json_object_set_object_member (status, "metadata", json_object_new ());
  json_object_set_string_member (status, "status", "Success");
  json_object_set_int_member (status, "code", code);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, status);
  return node;
}

static void
on_updated (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  g_autoptr (GError) error = NULL;
  gint64 revision = req->api->vt->update_finish (req->api->store, result,
                                                 NULL, &error);
  if (revision == 0)
    {
      /* A precondition the server computed itself is retried on fresh
       * data; one the client gave is the client's conflict. */
      if (g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT)
          && !req->client_rv && ++req->attempts < MAX_UPDATE_ATTEMPTS)
        {
          if (req->build)
            {
              req->read_store = TRUE;
              read_current (req, NULL);
            }
          else
            kc_api_delete (req); /* a graceful delete raced a writer */
          return;
        }
      fail_store (req, error);
      return;
    }
  kc_api_note_write (req->api, req->resource, revision);
  if (req->build == build_bound)
    {
      /* Kubernetes answers a binding with a Status, not the pod. */
      g_autoptr (JsonNode) status = success_status (SOUP_STATUS_CREATED);
      kc_api_request_reply (req, SOUP_STATUS_CREATED, status);
      return;
    }
  reply_written (req, SOUP_STATUS_OK, revision);
}

/* Writes req->body over req->current, or, when the object is being
 * deleted and its last finalizer went, removes it. */
static void
write_update (KcApiRequest *req)
{
  g_autofree char *key = object_key (req);
  if (being_deleted (req->body) && finalizers_empty (req->body)
      && !(strcmp (req->resource->plural, "pods") == 0
           && json_object_has_member (
               object_at (json_node_get_object (req->body), "spec"),
               "nodeName")
           && !finalizers_empty (req->current)))
    {
      req->api->vt->delete_async (req->api->store, key,
                                  req->current_revision, NULL, on_deleted,
                                  req);
      return;
    }
  g_clear_pointer (&req->written, g_bytes_unref);
  req->written = kc_object_encode (req->body);
  req->api->vt->update_async (req->api->store, key, req->written,
                              req->current_revision, NULL, on_updated, req);
}

/* Finishes reading the stored object into req->current; on failure
 * replies (and frees @req) and returns FALSE. */
static gboolean
take_current (KcApiRequest *req, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = req->api->vt->get_finish (req->api->store,
                                                       result, NULL, &error);
  if (kv == NULL)
    {
      fail_store (req, error);
      return FALSE;
    }
  g_clear_pointer (&req->current, json_node_unref);
  req->current = kc_object_decode (kv->value, kv->mod_revision, &error);
  req->current_revision = kv->mod_revision;
  req->current_cached = FALSE;
  if (req->current == NULL)
    {
      kc_api_request_fail (req, error);
      return FALSE;
    }
  return TRUE;
}

/* A request whose current object came from the watch cache does not
 * fail on it: the cache may lag the store, so the store is read and the
 * update built again; only the store's answer is final. */
static gboolean
recheck_with_store (KcApiRequest *req)
{
  if (!req->current_cached)
    return FALSE;
  req->read_store = TRUE;
  read_current (req, NULL);
  return TRUE;
}

/* Builds the new object from req->current and writes it. */
static void
build_update (KcApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  JsonNode *updated = req->build (req, &error);
  if (updated == NULL)
    {
      if (!recheck_with_store (req))
        kc_api_request_fail (req, error);
      return;
    }
  kc_api_defaults_apply (req->resource, updated);
  if (!kc_object_prepare_update (req->resource, updated, req->current,
                                 req->ns, req->name,
                                 is_sub (req, "status"), &error)
      || (!is_sub (req, "status")
          && !kc_api_validate (req->resource, updated, &error)))
    {
      json_node_unref (updated);
      if (!recheck_with_store (req))
        kc_api_request_fail (req, error);
      return;
    }
  if (req->build == build_bound)
    {
      /* Binding is the scheduler's, not a spec change by a user. */
      JsonNode *gen = json_object_get_member (
          kc_object_metadata (req->current), "generation");
      if (gen)
        json_object_set_member (kc_object_metadata (updated), "generation",
                                kc_json_deep_copy (gen));
    }
  g_clear_pointer (&req->body, json_node_unref);
  req->body = updated;
  write_update (req);
}

static void
on_current_read (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  if (take_current (req, result))
    build_update (req);
}

/* The object @key from the watch cache into req->current; FALSE when the
 * cache does not hold it. */
static gboolean
take_cached (KcApiRequest *req, const char *key)
{
  gint64 revision = 0;
  g_autoptr (GBytes) json = kc_api_cached (req->api, req->resource, key,
                                           &revision);
  JsonNode *current = json ? kc_object_decode (json, revision, NULL) : NULL;
  if (current == NULL)
    return FALSE;
  g_clear_pointer (&req->current, json_node_unref);
  req->current = current;
  req->current_revision = revision;
  req->current_cached = TRUE;
  return TRUE;
}

/* Reads the object to update: from the watch cache when it holds it (an
 * update follows a watch event, so the cache nearly always has the
 * object's last version: a store read saved; the write's precondition
 * catches a cache that lags), else and on every retry from the store.
 * With @then, from the store for @then. */
static void
read_current (KcApiRequest *req, GAsyncReadyCallback then)
{
  g_autofree char *key = object_key (req);
  if (then == NULL && !req->read_store && take_cached (req, key))
    {
      build_update (req);
      return;
    }
  req->api->vt->get_async (req->api->store, key, 0, NULL,
                           then ? then : on_current_read, req);
}

/* PUT: the client's object, checked against the stored one. */
static JsonNode *
build_put (KcApiRequest *req, GError **error)
{
  JsonNode *body = req->original;
  if (is_sub (req, "scale"))
    return apply_scale (req, body, req->current, error);
  gint64 rv = kc_object_resource_version (body);
  if (rv < 0)
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "metadata.resourceVersion: expected a revision number");
      return NULL;
    }
  if (rv > 0 && rv != req->current_revision)
    {
      kc_api_set_conflict (error, req->resource, req->name);
      return NULL;
    }
  return kc_json_deep_copy (body);
}

/* Every update reads the current object, builds the new one from the
 * client's body (kept in req->original for retries) and writes it with
 * the current mod_revision as precondition. */
static void
start_update (KcApiRequest *req, KcApiBuildFunc build, gboolean client_rv)
{
  req->build = build;
  req->client_rv = client_rv;
  if (req->original == NULL)
    req->original = g_steal_pointer (&req->body);
  read_current (req, NULL);
}

void
kc_api_update (KcApiRequest *req)
{
  if (!subresource_allowed (req))
    {
      fail_with (req, KC_API_ERROR_NOT_FOUND,
                 "the server could not find the requested resource");
      return;
    }
  start_update (req, build_put, kc_object_resource_version (req->body) > 0);
}

typedef enum
{
  PATCH_MERGE,
  PATCH_STRATEGIC,
  PATCH_JSON,
} PatchType;

static gboolean
patch_type_of (KcApiRequest *req, PatchType *type, GError **error)
{
  const char *ct = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (req->msg), NULL);
  if (ct && strcmp (ct, "application/merge-patch+json") == 0)
    *type = PATCH_MERGE;
  else if (ct && strcmp (ct, "application/strategic-merge-patch+json") == 0)
    *type = PATCH_STRATEGIC;
  else if (ct && strcmp (ct, "application/json-patch+json") == 0)
    *type = PATCH_JSON;
  else
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_UNSUPPORTED_MEDIA,
                   "the body of the request was in an unknown format - "
                   "accepted media types include: "
                   "application/json-patch+json, "
                   "application/merge-patch+json, "
                   "application/strategic-merge-patch+json");
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
build_patched (KcApiRequest *req, GError **error)
{
  PatchType type = req->patch_type;
  JsonNode *patch = req->original;
  gboolean scale = is_sub (req, "scale");
  g_autoptr (JsonNode) target = scale ? scale_of (req->current)
                                      : json_node_ref (req->current);
  g_autoptr (JsonNode) patched = NULL;

  switch (type)
    {
    case PATCH_MERGE:
      patched = kc_patch_merge (target, patch, error);
      break;
    case PATCH_STRATEGIC:
      patched = kc_patch_strategic (target, patch, error);
      break;
    case PATCH_JSON:
      patched = kc_patch_json (target, patch, error);
      break;
    }
  if (patched == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (patched))
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_BAD_REQUEST,
                   "the patched object is not a JSON object");
      return NULL;
    }
  if (scale)
    return apply_scale (req, patched, req->current, error);
  /* A resourceVersion the patch sets is a precondition. */
  gint64 rv = kc_object_resource_version (patched);
  if (rv != req->current_revision && rv != 0)
    {
      kc_api_set_conflict (error, req->resource, req->name);
      return NULL;
    }
  return g_steal_pointer (&patched);
}

void
kc_api_patch (KcApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  PatchType type;
  if (!subresource_allowed (req))
    {
      fail_with (req, KC_API_ERROR_NOT_FOUND,
                 "the server could not find the requested resource");
      return;
    }
  if (!patch_type_of (req, &type, &error))
    {
      kc_api_request_fail (req, error);
      return;
    }
  if (type == PATCH_JSON ? !JSON_NODE_HOLDS_ARRAY (req->body)
                         : !JSON_NODE_HOLDS_OBJECT (req->body))
    {
      fail_with (req, KC_API_ERROR_BAD_REQUEST,
                 type == PATCH_JSON
                     ? "a JSON patch must be a JSON array of operations"
                     : "a merge patch must be a JSON object");
      return;
    }
  req->patch_type = type;
  start_update (req, build_patched, FALSE);
}

/* ---- binding ----------------------------------------------------------- */

static JsonNode *
build_bound (KcApiRequest *req, GError **error)
{
  JsonNode *binding = req->original;
  JsonObject *target = object_at (json_node_get_object (binding), "target");
  const char *node = target ? json_object_get_string_member_with_default (
                                  target, "name", NULL)
                            : NULL;
  if (node == NULL || node[0] == '\0')
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_INVALID,
                   "Binding \"%s\" is invalid: target.name: Required value",
                   req->name);
      return NULL;
    }
  JsonNode *pod = kc_json_deep_copy (req->current);
  JsonObject *obj = json_node_get_object (pod);
  JsonObject *spec = object_at (obj, "spec");
  if (spec == NULL)
    {
      json_object_set_object_member (obj, "spec", json_object_new ());
      spec = object_at (obj, "spec");
    }
  const char *bound = json_object_get_string_member_with_default (
      spec, "nodeName", NULL);
  if (bound && bound[0])
    {
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_CONFLICT,
                   "Operation cannot be fulfilled on pods/binding \"%s\": "
                   "pod %s is already assigned to node \"%s\"",
                   req->name, req->name, bound);
      json_node_unref (pod);
      return NULL;
    }
  if (being_deleted (req->current))
    {
      json_node_unref (pod);
      g_set_error (error, KC_API_ERROR, KC_API_ERROR_CONFLICT,
                   "Operation cannot be fulfilled on pods/binding \"%s\": "
                   "pod %s is being deleted, cannot be assigned to a host",
                   req->name, req->name);
      return NULL;
    }
  json_object_set_string_member (spec, "nodeName", node);
  return pod;
}

void
kc_api_bind (KcApiRequest *req)
{
  start_update (req, build_bound, FALSE);
}


/* ---- delete ------------------------------------------------------------ */

static void
on_deleted (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) prev = NULL;
  gint64 revision = req->api->vt->delete_finish (req->api->store, result,
                                                 &prev, &error);
  if (revision == 0)
    {
      if (g_error_matches (error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT)
          && ++req->attempts < MAX_UPDATE_ATTEMPTS)
        {
          kc_api_delete (req);
          return;
        }
      fail_store (req, error);
      return;
    }
  kc_api_note_write (req->api, req->resource, revision);
  JsonNode *last = req->body && JSON_NODE_HOLDS_OBJECT (req->body)
                           && json_object_has_member (
                               json_node_get_object (req->body), "metadata")
                       ? req->body
                       : req->current;
  kc_object_set_resource_version (last, revision);
  reply_object (req, SOUP_STATUS_OK, last);
}

/* gracePeriodSeconds from the query or the DeleteOptions body; -1 when
 * neither gives one. */
static gint64
grace_period (KcApiRequest *req)
{
  const char *q = kc_api_request_query (req, "gracePeriodSeconds");
  gint64 n = -1;
  if (q && g_ascii_string_to_signed (q, 10, 0, G_MAXINT32, &n, NULL))
    return n;
  if (req->options && JSON_NODE_HOLDS_OBJECT (req->options))
    return json_object_get_int_member_with_default (
        json_node_get_object (req->options), "gracePeriodSeconds", -1);
  return -1;
}

static gboolean
is_bound_pod (KcApiRequest *req)
{
  JsonObject *spec = object_at (json_node_get_object (req->current), "spec");
  return strcmp (req->resource->plural, "pods") == 0 && spec
         && json_object_get_string_member_with_default (spec, "nodeName",
                                                        NULL);
}

/* Sets deletionTimestamp (now + @grace seconds) on a copy of the current
 * object and writes it: the object stays until its finalizers are gone or
 * its node confirms. */
static void
mark_deleted (KcApiRequest *req, gint64 grace)
{
  g_clear_pointer (&req->body, json_node_unref);
  req->body = kc_json_deep_copy (req->current);
  JsonObject *meta = kc_object_metadata (req->body);
  if (!json_object_has_member (meta, "deletionTimestamp"))
    {
      g_autoptr (GDateTime) at = g_date_time_new_now_utc ();
      g_autoptr (GDateTime) when = g_date_time_add_seconds (at, grace);
      g_autofree char *stamp = g_date_time_format (when,
                                                   "%Y-%m-%dT%H:%M:%SZ");
      json_object_set_string_member (meta, "deletionTimestamp", stamp);
      json_object_set_int_member (meta, "deletionGracePeriodSeconds", grace);
    }
  g_autofree char *key = object_key (req);
  g_clear_pointer (&req->written, g_bytes_unref);
  req->written = kc_object_encode (req->body);
  req->api->vt->update_async (req->api->store, key, req->written,
                              req->current_revision, NULL, on_updated, req);
}

static void
on_delete_read (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  if (!take_current (req, result))
    return;

  gint64 grace = grace_period (req);
  if (!finalizers_empty (req->current))
    {
      mark_deleted (req, MAX (grace, 0));
      return;
    }
  if (is_bound_pod (req) && grace != 0)
    {
      JsonObject *spec = object_at (json_node_get_object (req->current),
                                    "spec");
      if (grace < 0)
        grace = json_object_get_int_member_with_default (
            spec, "terminationGracePeriodSeconds", 30);
      mark_deleted (req, grace);
      return;
    }
  g_autofree char *key = object_key (req);
  req->api->vt->delete_async (req->api->store, key, req->current_revision,
                              NULL, on_deleted, req);
}

void
kc_api_delete (KcApiRequest *req)
{
  if (req->subresource)
    {
      fail_with (req, KC_API_ERROR_METHOD_NOT_ALLOWED,
                 "the server does not allow this method on the requested "
                 "resource");
      return;
    }
  if (req->options == NULL)
    req->options = g_steal_pointer (&req->body);
  g_clear_pointer (&req->body, json_node_unref);
  read_current (req, on_delete_read);
}

/* ---- deletecollection --------------------------------------------------- */

typedef struct
{
  KcApiRequest *req;
  GPtrArray *kvs;   /* of KcStoreKv*, the selected objects */
  guint next;
  GPtrArray *done;  /* of JsonNode*, what was deleted or marked */
  gboolean marking; /* the write in flight is an update, not a delete */
  KcLabelSelector *labels;
  KcFieldSelector *fields;
} Sweep;

static void
sweep_free (Sweep *sweep)
{
  g_ptr_array_unref (sweep->kvs);
  g_ptr_array_unref (sweep->done);
  kc_label_selector_free (sweep->labels);
  kc_field_selector_free (sweep->fields);
  g_free (sweep);
}

static void sweep_next (Sweep *sweep);

static void
on_swept (GObject *source, GAsyncResult *result, gpointer data)
{
  Sweep *sweep = data;
  KcApi *api = sweep->req->api;
  g_autoptr (GError) error = NULL;
  gint64 revision = sweep->marking
                        ? api->vt->update_finish (api->store, result, NULL,
                                                  &error)
                        : api->vt->delete_finish (api->store, result, NULL,
                                                  &error);
  /* A conflict means someone changed the object meanwhile: it is left
   * alone, as Kubernetes' deletecollection does. */
  if (revision > 0)
    kc_api_note_write (api, sweep->req->resource, revision);
  else
    g_ptr_array_remove_index (sweep->done, sweep->done->len - 1);
  sweep_next (sweep);
}

static void
sweep_next (Sweep *sweep)
{
  KcApiRequest *req = sweep->req;
  KcApi *api = req->api;
  while (sweep->next < sweep->kvs->len)
    {
      KcStoreKv *kv = sweep->kvs->pdata[sweep->next++];
      g_autoptr (JsonNode) object = kc_object_decode (kv->value,
                                                      kv->mod_revision, NULL);
      if (object == NULL)
        continue;
      g_ptr_array_add (sweep->done, json_node_ref (object));
      sweep->marking = !finalizers_empty (object);
      if (!sweep->marking)
        {
          api->vt->delete_async (api->store, kv->key, kv->mod_revision, NULL,
                                 on_swept, sweep);
          return;
        }
      if (being_deleted (object))
        continue; /* already marked: nothing to write */
      g_autofree char *stamp = kc_object_timestamp_now ();
      json_object_set_string_member (kc_object_metadata (object),
                                     "deletionTimestamp", stamp);
      json_object_set_int_member (kc_object_metadata (object),
                                  "deletionGracePeriodSeconds", 0);
      g_autoptr (GBytes) value = kc_object_encode (object);
      api->vt->update_async (api->store, kv->key, value, kv->mod_revision,
                             NULL, on_swept, sweep);
      return;
    }
  JsonObject *list = json_object_new ();
  json_object_set_string_member (list, "kind", req->resource->list_kind);
  json_object_set_string_member (list, "apiVersion",
                                 kc_resource_api_version (req->resource));
  json_object_set_object_member (list, "metadata", json_object_new ());
  JsonArray *items = json_array_new ();
  for (guint i = 0; i < sweep->done->len; i++)
    json_array_add_element (items, json_node_ref (sweep->done->pdata[i]));
  json_object_set_array_member (list, "items", items);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, list);
  kc_api_request_reply (req, SOUP_STATUS_OK, node);
  sweep_free (sweep);
}

static void
on_sweep_listed (GObject *source, GAsyncResult *result, gpointer data)
{
  Sweep *sweep = data;
  KcApiRequest *req = sweep->req;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) range
      = req->api->vt->range_finish (req->api->store, result, &error);
  if (range == NULL)
    {
      fail_store (req, error);
      sweep_free (sweep);
      return;
    }
  for (guint i = 0; i < range->kvs->len; i++)
    {
      KcStoreKv *kv = range->kvs->pdata[i];
      g_autoptr (JsonNode) object = kc_object_decode (kv->value,
                                                      kv->mod_revision, NULL);
      if (object && object_selected (sweep->labels, sweep->fields, object))
        g_ptr_array_add (sweep->kvs, kc_store_kv_copy (kv));
    }
  sweep_next (sweep);
}

void
kc_api_delete_collection (KcApiRequest *req)
{
  g_autoptr (GError) error = NULL;
  Sweep *sweep = g_new0 (Sweep, 1);
  sweep->req = req;
  sweep->kvs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kc_store_kv_free);
  sweep->done = g_ptr_array_new_with_free_func (
      (GDestroyNotify) json_node_unref);
  if (!parse_selectors (req, &sweep->labels, &sweep->fields, &error))
    {
      kc_api_request_fail (req, error);
      sweep_free (sweep);
      return;
    }
  g_autofree char *prefix = kc_resource_key (req->resource, req->ns, NULL);
  KcStoreRange range = { .prefix = prefix };
  req->api->vt->range_async (req->api->store, &range, NULL, on_sweep_listed,
                             sweep);
}

/* ---- pods/log ----------------------------------------------------------- */

static void
on_log_pod (GObject *source, GAsyncResult *result, gpointer data)
{
  KcApiRequest *req = data;
  if (take_current (req, result))
    kc_api_pod_log_proxy (req);  /* pod-log.c */
}

void
kc_api_pod_log (KcApiRequest *req)
{
  g_autofree char *key = object_key (req);
  req->api->vt->get_async (req->api->store, key, 0, NULL, on_log_pod, req);
}
