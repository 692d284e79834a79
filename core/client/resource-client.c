/* The typed helpers: get/list/create/update/patch/delete as GTasks that
 * complete in the client's context with the parsed object or a Status
 * GError. */
#include "client-private.h"

typedef struct
{
  GTask *task;
  KccRequest *req;
  GCancellable *cancellable;
  gulong cancel_id;
  GSource *cancel_idle;
} Op;

static void
op_free (Op *op)
{
  if (op->cancel_id)
    g_cancellable_disconnect (op->cancellable, op->cancel_id);
  if (op->cancel_idle)
    {
      g_source_destroy (op->cancel_idle);
      g_source_unref (op->cancel_idle);
    }
  g_clear_object (&op->cancellable);
  g_object_unref (op->task);
  g_free (op);
}

/* What a request's GTask holds: the body as sent, parsed into JSON only
 * by kc_client_request_finish(), so that kc_client_request_finish_bytes()
 * can return a text body as is. */
typedef struct
{
  GBytes *body;
  char *content_type;
} Response;

static void
response_free (Response *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response->content_type);
  g_free (response);
}

static void
on_done (guint status, GBytes *body, const char *content_type,
         const GError *error, gpointer user_data)
{
  Op *op = user_data;
  op->req = NULL;
  if (error)
    g_task_return_error (op->task, g_error_copy (error));
  else if (status < 200 || status >= 300)
    g_task_return_error (op->task, kcc_error_from_response (status, body));
  else
    {
      Response *response = g_new0 (Response, 1);
      response->body = body ? g_bytes_ref (body) : g_bytes_new (NULL, 0);
      response->content_type = g_strdup (content_type);
      g_task_return_pointer (op->task, response,
                             (GDestroyNotify) response_free);
    }
  op_free (op);
}

/* Cancellation is handled from an idle: a "cancelled" handler may not
 * disconnect itself. */
static gboolean
on_cancel_idle (gpointer user_data)
{
  Op *op = user_data;
  g_clear_pointer (&op->cancel_idle, g_source_unref);
  if (op->req)
    kcc_request_cancel (op->req);
  op->req = NULL;
  g_task_return_new_error (op->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "request cancelled");
  op_free (op);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Op *op = user_data;
  (void) cancellable;
  if (op->cancel_idle)
    return;
  op->cancel_idle = g_idle_source_new ();
  g_source_set_callback (op->cancel_idle, on_cancel_idle, op, NULL);
  g_source_attach (op->cancel_idle,
                   g_task_get_context (op->task));
}

void
kc_client_request_full_async (KcClient *client, const char *method,
                              const char *path_and_query, JsonNode *body,
                              const char *content_type, const char *accept,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (KC_IS_CLIENT (client));
  Op *op = g_new0 (Op, 1);
  op->task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, kc_client_request_full_async);
  g_autoptr (GBytes) bytes = body ? kcc_json_to_bytes (body) : NULL;
  if (body && !content_type)
    content_type = "application/json";
  op->req = kcc_request_start (client, method, path_and_query, bytes,
                               content_type, accept, FALSE, NULL, on_done,
                               op);
  if (cancellable)
    {
      op->cancellable = g_object_ref (cancellable);
      op->cancel_id = g_cancellable_connect (cancellable,
                                             G_CALLBACK (on_cancelled), op,
                                             NULL);
    }
}

void
kc_client_request_async (KcClient *client, const char *method,
                         const char *path_and_query, JsonNode *body,
                         const char *content_type, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  kc_client_request_full_async (client, method, path_and_query, body,
                                content_type, NULL, cancellable, callback,
                                user_data);
}

JsonNode *
kc_client_request_finish (KcClient *client, GAsyncResult *result,
                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  Response *response = g_task_propagate_pointer (G_TASK (result), error);
  if (response == NULL)
    return NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (response->body, &len);
  GError *perr = NULL;
  JsonNode *node = len ? kcc_json_from_data (data, len, &perr)
                       : json_node_new (JSON_NODE_NULL);
  if (node == NULL)
    {
      g_set_error (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_PARSE,
                   "API server sent invalid JSON (Content-Type %s): %s",
                   response->content_type ? response->content_type
                                          : "unknown",
                   perr->message);
      g_error_free (perr);
    }
  response_free (response);
  return node;
}

GBytes *
kc_client_request_finish_bytes (KcClient *client, GAsyncResult *result,
                                char **out_content_type, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  if (out_content_type)
    *out_content_type = NULL;
  Response *response = g_task_propagate_pointer (G_TASK (result), error);
  if (response == NULL)
    return NULL;
  GBytes *body = g_steal_pointer (&response->body);
  if (out_content_type)
    *out_content_type = g_steal_pointer (&response->content_type);
  response_free (response);
  return body;
}

static void
send_request (KcClient *client, const char *method, const KcResource *resource,
      const char *ns, const char *name, const char *sub, const char *query,
      JsonNode *body, const char *content_type, GCancellable *cancellable,
      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *path = kc_resource_build_path (resource, ns, name, sub);
  g_autofree char *full = query && *query
                            ? g_strconcat (path, "?", query, NULL)
                            : g_strdup (path);
  kc_client_request_async (client, method, full, body, content_type,
                           cancellable, callback, user_data);
}

void
kc_client_get_async (KcClient *client, const KcResource *resource,
                     const char *namespace, const char *name,
                     const char *subresource, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  send_request (client, "GET", resource, namespace, name, subresource, NULL, NULL,
        NULL, cancellable, callback, user_data);
}

void
kc_client_list_async (KcClient *client, const KcResource *resource,
                      const char *namespace, const KcListOptions *options,
                      GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_autofree char *query = kc_list_options_to_query (options, FALSE);
  send_request (client, "GET", resource, namespace, NULL, NULL, query, NULL, NULL,
        cancellable, callback, user_data);
}

void
kc_client_create_async (KcClient *client, const KcResource *resource,
                        const char *namespace, const char *name,
                        const char *subresource, JsonNode *object,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  send_request (client, "POST", resource, namespace, name, subresource, NULL, object,
        NULL, cancellable, callback, user_data);
}

void
kc_client_update_async (KcClient *client, const KcResource *resource,
                        const char *namespace, const char *name,
                        const char *subresource, JsonNode *object,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  send_request (client, "PUT", resource, namespace, name, subresource, NULL, object,
        NULL, cancellable, callback, user_data);
}

void
kc_client_patch_async (KcClient *client, const KcResource *resource,
                       const char *namespace, const char *name,
                       const char *subresource, KcPatchType type,
                       JsonNode *patch, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  const char *ct = type == KC_PATCH_JSON
                     ? "application/json-patch+json"
                     : type == KC_PATCH_STRATEGIC
                         ? "application/strategic-merge-patch+json"
                         : "application/merge-patch+json";
  send_request (client, "PATCH", resource, namespace, name, subresource, NULL, patch,
        ct, cancellable, callback, user_data);
}

void
kc_client_delete_async (KcClient *client, const KcResource *resource,
                        const char *namespace, const char *name,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  send_request (client, "DELETE", resource, namespace, name, NULL, NULL, NULL, NULL,
        cancellable, callback, user_data);
}
