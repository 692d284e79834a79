/* Node heartbeats: one coordination.k8s.io/v1 Lease per node in
 * kube-node-lease, as the kubelet keeps (holder = node name, 40 s
 * duration, renewTime a MicroTime).  The first write creates it; each
 * renewal is a merge patch of spec only, the cheapest write there is. */
#include "build-config.h"

#include "sim.h"

#define LEASE_NAMESPACE "kube-node-lease"
#define LEASE_DURATION_S 40

static void
add_spec (JsonBuilder *b, const SimNode *node)
{
  g_autofree char *now = sim_time_format_micro (g_get_real_time ());
  json_builder_set_member_name (b, "spec");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "holderIdentity");
  json_builder_add_string_value (b, node->name);
  json_builder_set_member_name (b, "leaseDurationSeconds");
  json_builder_add_int_value (b, LEASE_DURATION_S);
  json_builder_set_member_name (b, "renewTime");
  json_builder_add_string_value (b, now);
  json_builder_end_object (b);
}

static JsonNode *
lease_object (const SimNode *node)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "apiVersion");
  json_builder_add_string_value (b, "coordination.k8s.io/v1");
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "Lease");
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, node->name);
  json_builder_set_member_name (b, "namespace");
  json_builder_add_string_value (b, LEASE_NAMESPACE);
  json_builder_end_object (b);
  add_spec (b, node);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
renew_patch (const SimNode *node)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_spec (b, node);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
on_lease_reply (GObject *source, GAsyncResult *result, gpointer data)
{
  SimNode *node = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = kc_client_request_finish (KC_CLIENT (source),
                                                         result, &error);
  sim_node_request_done (sim_get (), node, node->sending, error);
}

void
sim_lease_send (Sim *sim, SimNode *node)
{
  if (node->lease_exists)
    {
      g_autoptr (JsonNode) patch = renew_patch (node);
      kc_client_patch_async (sim->client, sim->leases_resource,
                             LEASE_NAMESPACE, node->name, NULL,
                             KC_PATCH_MERGE, patch, NULL, on_lease_reply,
                             node);
      return;
    }
  g_autoptr (JsonNode) lease = lease_object (node);
  kc_client_create_async (sim->client, sim->leases_resource, LEASE_NAMESPACE,
                          NULL, NULL, lease, NULL, on_lease_reply, node);
}

void
sim_lease_send_delete (Sim *sim, SimNode *node)
{
  kc_client_delete_async (sim->client, sim->leases_resource, LEASE_NAMESPACE,
                          node->name, NULL, on_lease_reply, node);
}

/* ---- The namespace ------------------------------------------------------- */

static void
retry_namespace (gpointer data)
{
  Sim *sim = data;
  if (!sim->stopping)
    sim_lease_ensure_namespace (sim);
}

static void
on_namespace_reply (GObject *source, GAsyncResult *result, gpointer data)
{
  Sim *sim = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = kc_client_request_finish (KC_CLIENT (source),
                                                         result, &error);
  if (sim->stopping)
    return;
  if (error && !g_error_matches (error, KC_CLIENT_ERROR,
                                 KC_CLIENT_ERROR_ALREADY_EXISTS))
    {
      g_warning ("cannot create namespace " LEASE_NAMESPACE " at %s: %s; "
                 "retrying", kc_client_get_current_url (sim->client),
                 error->message);
      /* The API server may not be up yet: nothing else can start. */
      g_timeout_add_once (1000, retry_namespace, sim);
      return;
    }
  sim_nodes_start (sim);
  sim_pod_watch_start (sim);
}

/* Creates kube-node-lease, then starts the nodes and the pod watch. */
void
sim_lease_ensure_namespace (Sim *sim)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "apiVersion");
  json_builder_add_string_value (b, "v1");
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "Namespace");
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, LEASE_NAMESPACE);
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) ns = json_builder_get_root (b);
  kc_client_create_async (sim->client, sim->namespaces_resource, NULL, NULL,
                          NULL, ns, NULL, on_namespace_reply, sim);
}
