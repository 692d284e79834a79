/* KcClient: the API server URLs and connection options, one curl loop and
 * one rate limiter, bound to the creating thread's main context. */
#include "client-private.h"

struct _KcClient
{
  GObject parent;
  KccClientConfig cfg;
};

G_DEFINE_FINAL_TYPE (KcClient, kc_client, G_TYPE_OBJECT)

static void
kc_client_finalize (GObject *object)
{
  KccClientConfig *cfg = &KC_CLIENT (object)->cfg;
  kcc_curl_loop_free (cfg->curl);
  kcc_rate_limiter_free (cfg->limiter);
  g_strfreev (cfg->urls);
  g_free (cfg->token);
  g_free (cfg->ca_file);
  g_free (cfg->cert);
  g_free (cfg->key);
  g_main_context_unref (cfg->context);
  G_OBJECT_CLASS (kc_client_parent_class)->finalize (object);
}

static void
kc_client_class_init (KcClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = kc_client_finalize;
}

static void
kc_client_init (KcClient *client)
{
  (void) client;
}

KcClient *
kc_client_new (const char *const *urls, GError **error)
{
  guint n = urls ? g_strv_length ((char **) urls) : 0;
  if (n == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "no API server URL given: pass at least one, e.g. "
                   "http://127.0.0.1:8080");
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    if (!g_str_has_prefix (urls[i], "http://")
        && !g_str_has_prefix (urls[i], "https://"))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "API server URL \"%s\" must start with http:// or "
                     "https://", urls[i]);
        return NULL;
      }
  KcClient *client = g_object_new (KC_TYPE_CLIENT, NULL);
  KccClientConfig *cfg = &client->cfg;
  cfg->urls = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      /* Paths start with '/': drop trailing slashes of the base URL. */
      cfg->urls[i] = g_strdup (urls[i]);
      gsize len = strlen (cfg->urls[i]);
      while (len > 0 && cfg->urls[i][len - 1] == '/')
        cfg->urls[i][--len] = 0;
    }
  cfg->n_urls = n;
  cfg->timeout_ms = 30000;
  cfg->max_retries = 5;
  cfg->limiter = kcc_rate_limiter_new (50, 100);
  cfg->context = g_main_context_ref_thread_default ();
  cfg->curl = kcc_curl_loop_new (cfg->context);
  return client;
}

KccClientConfig *
kcc_client_config (KcClient *client)
{
  return &client->cfg;
}

void
kc_client_set_bearer_token (KcClient *client, const char *token)
{
  g_free (client->cfg.token);
  client->cfg.token = g_strdup (token);
}

void
kc_client_set_ca_file (KcClient *client, const char *path)
{
  g_free (client->cfg.ca_file);
  client->cfg.ca_file = g_strdup (path);
}

void
kc_client_set_client_cert (KcClient *client, const char *cert_path,
                           const char *key_path)
{
  g_free (client->cfg.cert);
  g_free (client->cfg.key);
  client->cfg.cert = g_strdup (cert_path);
  client->cfg.key = g_strdup (key_path);
}

void
kc_client_set_insecure (KcClient *client, gboolean insecure)
{
  client->cfg.insecure = insecure;
}

void
kc_client_set_rate_limit (KcClient *client, double qps, guint burst)
{
  kcc_rate_limiter_free (client->cfg.limiter);
  client->cfg.limiter = kcc_rate_limiter_new (qps, burst);
}

void
kc_client_set_timeout (KcClient *client, guint timeout_ms)
{
  client->cfg.timeout_ms = timeout_ms;
}

void
kc_client_set_max_retries (KcClient *client, guint retries)
{
  client->cfg.max_retries = retries;
}

const char *
kc_client_get_current_url (KcClient *client)
{
  return client->cfg.urls[client->cfg.current_url];
}
