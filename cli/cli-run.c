/* The process's KcClient and synchronous requests over it.  A command is
 * a sequence of requests, so each helper starts one asynchronous request
 * and runs the main loop until it has completed: the client's I/O (libcurl
 * multi driven by GSources) only progresses while the loop runs. */
#include "build-config.h"

#include "kcorectl.h"

static KcClient *client;
static GMainLoop *loop;

typedef struct
{
  GMainLoop *loop;
  JsonNode *result;
  GBytes *bytes; /* the body as sent, when asked for with on_done_bytes */
  char *content_type;
  GError *error;
  gboolean done;
} Pending;

/* A CA file that cannot be read would surface as a TLS error on the
 * first request; say what is wrong with it instead. */
static gboolean
check_ca_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (g_file_get_contents (path, &text, NULL, &local))
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
               "certificate authority %s: cannot read it: %s (check "
               "--certificate-authority, KCORE_CA_FILE or "
               "certificate-authority= in the config file)",
               path, local->message);
  return FALSE;
}

gboolean
kcctl_client_init (GError **error)
{
  g_auto (KcctlConnection) conn = { 0 };
  if (!kcctl_resolve_server (&conn, error))
    return FALSE;
  if (conn.ca_file && !check_ca_file (conn.ca_file, error))
    return FALSE;
  const char *urls[] = { conn.server, NULL };
  client = kc_client_new (urls, error);
  if (client == NULL)
    return FALSE;
  if (conn.token && *conn.token)
    kc_client_set_bearer_token (client, conn.token);
  if (conn.ca_file)
    kc_client_set_ca_file (client, conn.ca_file);
  if (conn.insecure)
    kc_client_set_insecure (client, TRUE);
  /* A person waits at the terminal: fail fast instead of the library's
   * long back-off meant for daemons. */
  kc_client_set_max_retries (client, 1);
  kc_client_set_rate_limit (client, 0, 0);
  if (kcctl_global.request_timeout)
    {
      gint64 ms = kcctl_parse_duration_ms (kcctl_global.request_timeout);
      if (ms < 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--request-timeout=%s: expected a duration such as "
                       "30s, 1m or 0",
                       kcctl_global.request_timeout);
          return FALSE;
        }
      kc_client_set_timeout (client, (guint)ms);
    }
  loop = g_main_loop_new (NULL, FALSE);
  return TRUE;
}

KcClient *
kcctl_client (void)
{
  return client;
}

GMainLoop *
kcctl_loop (void)
{
  return loop;
}

void
kcctl_client_shutdown (void)
{
  g_clear_object (&client);
  /* Let the client's sources finish tearing down. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&loop, g_main_loop_unref);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;
  p->result = kc_client_request_finish (KC_CLIENT (source), result, &p->error);
  p->done = TRUE;
  g_main_loop_quit (p->loop);
}

static void
on_done_bytes (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;
  p->bytes = kc_client_request_finish_bytes (KC_CLIENT (source), result,
                                             &p->content_type, &p->error);
  p->done = TRUE;
  g_main_loop_quit (p->loop);
}

static JsonNode *
wait_for (Pending *p, GError **error)
{
  if (!p->done)
    g_main_loop_run (p->loop);
  g_main_loop_unref (p->loop);
  if (p->error)
    {
      g_propagate_error (error, p->error);
      return NULL;
    }
  return p->result;
}

static Pending
pending_new (void)
{
  return (Pending){ .loop = g_main_loop_new (NULL, FALSE) };
}

JsonNode *
kcctl_request (const char *method, const char *path, JsonNode *body,
               const char *content_type, GError **error)
{
  Pending p = pending_new ();
  kc_client_request_async (client, method, path, body, content_type, NULL,
                           on_done, &p);
  return wait_for (&p, error);
}

JsonNode *
kcctl_request_accept (const char *method, const char *path,
                      const char *accept, GError **error)
{
  Pending p = pending_new ();
  kc_client_request_full_async (client, method, path, NULL, NULL, accept,
                                NULL, on_done, &p);
  return wait_for (&p, error);
}

GBytes *
kcctl_request_bytes (const char *method, const char *path,
                     const char *accept, char **content_type, GError **error)
{
  Pending p = pending_new ();
  kc_client_request_full_async (client, method, path, NULL, NULL, accept,
                                NULL, on_done_bytes, &p);
  wait_for (&p, error);
  if (content_type)
    *content_type = g_steal_pointer (&p.content_type);
  g_free (p.content_type);
  return p.bytes;
}

JsonNode *
kcctl_get (const KcResource *res, const char *ns, const char *name,
           const char *sub, GError **error)
{
  Pending p = pending_new ();
  kc_client_get_async (client, res, ns, name, sub, NULL, on_done, &p);
  return wait_for (&p, error);
}

JsonNode *
kcctl_list (const KcResource *res, const char *ns, const KcListOptions *opts,
            GError **error)
{
  Pending p = pending_new ();
  kc_client_list_async (client, res, ns, opts, NULL, on_done, &p);
  return wait_for (&p, error);
}

JsonNode *
kcctl_create (const KcResource *res, const char *ns, JsonNode *obj,
              GError **error)
{
  Pending p = pending_new ();
  kc_client_create_async (client, res, ns, NULL, NULL, obj, NULL, on_done, &p);
  return wait_for (&p, error);
}

JsonNode *
kcctl_patch (const KcResource *res, const char *ns, const char *name,
             const char *sub, KcPatchType type, JsonNode *patch,
             GError **error)
{
  Pending p = pending_new ();
  kc_client_patch_async (client, res, ns, name, sub, type, patch, NULL,
                         on_done, &p);
  return wait_for (&p, error);
}

JsonNode *
kcctl_delete (const KcResource *res, const char *ns, const char *name,
              const char *propagation, gint64 grace_seconds, GError **error)
{
  if (propagation == NULL && grace_seconds < 0)
    {
      Pending p = pending_new ();
      kc_client_delete_async (client, res, ns, name, NULL, on_done, &p);
      return wait_for (&p, error);
    }
  /* kc_client_delete_async sends no body; DeleteOptions need the generic
   * request. */
  g_autofree char *path = kc_resource_build_path (res, ns, name, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "DeleteOptions");
  json_builder_set_member_name (b, "apiVersion");
  json_builder_add_string_value (b, "v1");
  if (propagation)
    {
      json_builder_set_member_name (b, "propagationPolicy");
      json_builder_add_string_value (b, propagation);
    }
  if (grace_seconds >= 0)
    {
      json_builder_set_member_name (b, "gracePeriodSeconds");
      json_builder_add_int_value (b, grace_seconds);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) body = json_builder_get_root (b);
  return kcctl_request ("DELETE", path, body, "application/json", error);
}

static gboolean
on_slept (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
kcctl_sleep_ms (guint ms)
{
  g_autoptr (GMainLoop) l = g_main_loop_new (NULL, FALSE);
  g_timeout_add (ms, on_slept, l);
  g_main_loop_run (l);
}
