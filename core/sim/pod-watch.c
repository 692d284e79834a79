/* The pods list+watch, as a reflector does it but without a cache of
 * objects: a paged list (limit 500, continue) under a new epoch, a sweep
 * of the pods that list no longer had, then a watch from the list's
 * resourceVersion, resumed from the last one seen when it ends, and a new
 * list when the server answers 410 Expired.
 *
 * spec.nodeName!= (the API server's field selectors allow it) keeps
 * pods no scheduler has bound yet out of both: with a queue of 100,000
 * pending pods, that is most of the traffic. */
#include "build-config.h"

#include "sim.h"

#define PAGE_SIZE 500
#define BOUND_PODS "spec.nodeName!="
#define RETRY_MS 1000

typedef struct
{
  Sim *sim;
  KcWatch *watch;
  GCancellable *cancellable;
  GSource *retry;
  char *resource_version;  /* the last one seen */
  char *continue_token;
  guint8 epoch;
  gboolean use_selector;
  guint64 events;
} PodWatch;

static void list_page (PodWatch *pw);
static void start_watch (PodWatch *pw);

static void
set_rv (PodWatch *pw, const char *rv)
{
  if (rv && *rv && g_strcmp0 (rv, pw->resource_version) != 0)
    {
      g_free (pw->resource_version);
      pw->resource_version = g_strdup (rv);
    }
}

static KcListOptions *
base_options (PodWatch *pw)
{
  KcListOptions *o = kc_list_options_new ();
  if (pw->use_selector)
    kc_list_options_set_field_selector (o, BOUND_PODS);
  return o;
}

static void
relist (PodWatch *pw)
{
  pw->epoch++;
  g_clear_pointer (&pw->continue_token, g_free);
  g_clear_pointer (&pw->resource_version, g_free);
  list_page (pw);
}

static gboolean
on_retry (gpointer data)
{
  PodWatch *pw = data;
  g_clear_pointer (&pw->retry, g_source_unref);
  if (pw->resource_version && pw->continue_token == NULL)
    start_watch (pw);
  else
    relist (pw);
  return G_SOURCE_REMOVE;
}

/* Lists again (@relist) or watches again from the last resourceVersion
 * after @delay_ms. */
static void
retry_after (PodWatch *pw, guint delay_ms, gboolean relist_now)
{
  if (pw->retry)
    return;
  if (relist_now)
    {
      g_clear_pointer (&pw->resource_version, g_free);
      g_clear_pointer (&pw->continue_token, g_free);
    }
  pw->retry = g_timeout_source_new (delay_ms);
  g_source_set_callback (pw->retry, on_retry, pw, NULL);
  g_source_attach (pw->retry, pw->sim->context);
}

/* ---- List ------------------------------------------------------------------ */

static void
on_list (GObject *source, GAsyncResult *result, gpointer data)
{
  PodWatch *pw = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = kc_client_request_finish (KC_CLIENT (source),
                                                        result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error)
    {
      if (pw->use_selector
          && g_error_matches (error, KC_CLIENT_ERROR,
                              KC_CLIENT_ERROR_BAD_REQUEST))
        {
          g_message ("the API server refuses the field selector %s (%s); "
                     "watching every pod instead", BOUND_PODS,
                     error->message);
          pw->use_selector = FALSE;
          relist (pw);
          return;
        }
      g_warning ("listing pods failed: %s; listing again in %d ms",
                 error->message, RETRY_MS);
      /* An expired continue token, or the server away: start over. */
      retry_after (pw, g_error_matches (error, KC_CLIENT_ERROR,
                                        KC_CLIENT_ERROR_EXPIRED)
                           ? 0
                           : RETRY_MS,
                   TRUE);
      return;
    }

  JsonObject *obj = JSON_NODE_HOLDS_OBJECT (list) ? json_node_get_object (list)
                                                  : NULL;
  JsonNode *items = obj ? json_object_get_member (obj, "items") : NULL;
  if (items && JSON_NODE_HOLDS_ARRAY (items))
    {
      JsonArray *a = json_node_get_array (items);
      for (guint i = 0; i < json_array_get_length (a); i++)
        sim_pod_observe (pw->sim, json_array_get_element (a, i), pw->epoch);
    }
  JsonNode *meta = obj ? json_object_get_member (obj, "metadata") : NULL;
  JsonObject *m = meta && JSON_NODE_HOLDS_OBJECT (meta)
                      ? json_node_get_object (meta)
                      : NULL;
  const char *rv = m ? json_object_get_string_member_with_default (
                           m, "resourceVersion", NULL)
                     : NULL;
  const char *next = m ? json_object_get_string_member_with_default (
                             m, "continue", NULL)
                       : NULL;
  set_rv (pw, rv);
  g_free (pw->continue_token);
  pw->continue_token = next && *next ? g_strdup (next) : NULL;
  if (pw->continue_token)
    {
      list_page (pw);
      return;
    }
  sim_pods_sweep (pw->sim, pw->epoch);
  g_info ("listed pods: %u bound to our nodes",
          g_hash_table_size (pw->sim->pods));
  start_watch (pw);
}

static void
list_page (PodWatch *pw)
{
  g_autoptr (KcListOptions) o = base_options (pw);
  kc_list_options_set_limit (o, PAGE_SIZE);
  kc_list_options_set_continue (o, pw->continue_token);
  kc_client_list_async (pw->sim->client, pw->sim->pods_resource, NULL, o,
                        pw->cancellable, on_list, pw);
}

/* ---- Watch ----------------------------------------------------------------- */

static void
on_event (KcWatch *watch, const char *type, JsonNode *object, gpointer data)
{
  PodWatch *pw = data;
  (void) watch;
  pw->events++;
  if (g_strcmp0 (type, "ERROR") == 0)
    {
      JsonObject *status = JSON_NODE_HOLDS_OBJECT (object)
                               ? json_node_get_object (object)
                               : NULL;
      gint64 code = status ? json_object_get_int_member_with_default (
                                 status, "code", 0)
                           : 0;
      g_message ("pod watch: server sent an error (%s); %s",
                 status ? json_object_get_string_member_with_default (
                              status, "message", "?")
                        : "?",
                 code == 410 ? "listing again" : "watching again");
      kc_watch_stop (pw->watch);
      g_clear_pointer (&pw->watch, kc_watch_unref);
      retry_after (pw, code == 410 ? 0 : RETRY_MS, code == 410);
      return;
    }
  set_rv (pw, kc_object_get_resource_version (object));
  if (g_strcmp0 (type, "ADDED") == 0 || g_strcmp0 (type, "MODIFIED") == 0)
    sim_pod_observe (pw->sim, object, pw->epoch);
  else if (g_strcmp0 (type, "DELETED") == 0)
    sim_pod_deleted (pw->sim, object);
}

static void
on_done (KcWatch *watch, const GError *error, gpointer data)
{
  PodWatch *pw = data;
  gboolean expired = g_error_matches (error, KC_CLIENT_ERROR,
                                      KC_CLIENT_ERROR_EXPIRED);
  (void) watch;
  if (error)
    g_message ("pod watch ended: %s; %s", error->message,
               expired ? "listing again" : "watching again");
  else
    g_debug ("pod watch ended; watching again from %s",
             pw->resource_version);
  g_clear_pointer (&pw->watch, kc_watch_unref);
  retry_after (pw, error && !expired ? RETRY_MS : 0, expired);
}

static void
start_watch (PodWatch *pw)
{
  g_autoptr (KcListOptions) o = base_options (pw);
  kc_list_options_set_resource_version (o, pw->resource_version);
  kc_list_options_set_allow_watch_bookmarks (o, TRUE);
  /* As client-go's reflector: end now and then, so a stuck stream heals. */
  kc_list_options_set_timeout_seconds (o, g_random_int_range (300, 600));
  g_clear_pointer (&pw->watch, kc_watch_unref);
  pw->watch = kc_client_watch (pw->sim->client, pw->sim->pods_resource, NULL,
                               o, on_event, on_done, pw, NULL);
}

/* ---- Start and stop --------------------------------------------------------- */

void
sim_pod_watch_start (Sim *sim)
{
  PodWatch *pw = g_new0 (PodWatch, 1);
  pw->sim = sim;
  pw->cancellable = g_cancellable_new ();
  pw->use_selector = TRUE;
  sim->pod_watch = pw;
  relist (pw);
}

void
sim_pod_watch_stop (Sim *sim)
{
  PodWatch *pw = sim->pod_watch;
  if (pw == NULL)
    return;
  sim->pod_watch = NULL;
  g_cancellable_cancel (pw->cancellable);
  if (pw->watch)
    {
      kc_watch_stop (pw->watch);
      g_clear_pointer (&pw->watch, kc_watch_unref);
    }
  if (pw->retry)
    {
      g_source_destroy (pw->retry);
      g_clear_pointer (&pw->retry, g_source_unref);
    }
  g_free (pw->resource_version);
  g_free (pw->continue_token);
  /* A list still in flight completes cancelled and touches pw: keep it
   * alive until then by handing it to the cancellable's lifetime. */
  g_object_set_data_full (G_OBJECT (pw->cancellable), "kcore-sim-pod-watch",
                          pw, g_free);
  g_object_unref (pw->cancellable);
}
