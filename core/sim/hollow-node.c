/* Hollow nodes: the Node objects (create or adopt, then status through the
 * status subresource), their periodic status reports, their addresses, and
 * deleting them on exit.  Each node's requests go one at a time through
 * the request pump; SIM_NODE_* bits say what the node still has to send. */
#include "build-config.h"

#include "sim.h"

#include <stdio.h>
#include <string.h>

/* Node i's pod CIDR is 10.(64+i/256).(i%256).0/24: 10.64.0.0/10 holds
 * 16,384 /24s, enough for every node of one process with room to spare.
 * (Their InternalIP is the kubelet endpoint's address, the same for all,
 * as KWOK's nodes report the address of the kwok controller.) */
#define MAX_NODES (191 * 256)

void
sim_node_pod_ip (const SimNode *node, guint8 ip, char buf[16])
{
  g_snprintf (buf, 16, "10.%u.%u.%u", 64 + node->index / 256,
              node->index % 256, ip);
}

static char *
pod_cidr (const SimNode *node)
{
  return g_strdup_printf ("10.%u.%u.0/24", 64 + node->index / 256,
                          node->index % 256);
}

static gboolean
ip_used (const SimNode *node, guint ip)
{
  return node->pod_ips[ip / 32] & (1u << (ip % 32));
}

guint8
sim_node_take_ip (SimNode *node, guint8 wanted)
{
  guint ip = wanted;
  if (ip < 2 || ip > 254 || ip_used (node, ip))
    for (ip = 2; ip <= 254 && ip_used (node, ip); ip++)
      ;
  if (ip > 254)
    return 0;
  node->pod_ips[ip / 32] |= 1u << (ip % 32);
  return (guint8) ip;
}

void
sim_node_release_ip (SimNode *node, guint8 ip)
{
  node->pod_ips[ip / 32] &= ~(1u << (ip % 32));
}

SimNode *
sim_node_lookup (Sim *sim, const char *name)
{
  return name ? g_hash_table_lookup (sim->node_by_name, name) : NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

static void
add_string (JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
}

static void
add_labels (JsonBuilder *b, const SimNode *node)
{
  const SimNodeGroup *g = node->group;
  json_builder_set_member_name (b, "labels");
  json_builder_begin_object (b);
  add_string (b, "kubernetes.io/hostname", node->name);
  add_string (b, "kubernetes.io/os", "linux");
  add_string (b, "kubernetes.io/arch", "amd64");
  add_string (b, "kcore.io/hollow", "true");
  if (g->zones)
    {
      g_autofree char *zone = g_strdup_printf ("zone-%u",
                                               node->group_index % g->zones);
      add_string (b, "topology.kubernetes.io/zone", zone);
    }
  for (guint i = 0; i + 1 < g->labels->len; i += 2)
    add_string (b, g->labels->pdata[i], g->labels->pdata[i + 1]);
  json_builder_end_object (b);
}

/* spec: podCIDR(s), taints, unschedulable.  @for_patch writes null for
 * what this node does not have, so adopting clears it. */
static void
add_spec (JsonBuilder *b, const SimNode *node, gboolean for_patch)
{
  const SimNodeGroup *g = node->group;
  g_autofree char *cidr = pod_cidr (node);
  json_builder_set_member_name (b, "spec");
  json_builder_begin_object (b);
  add_string (b, "podCIDR", cidr);
  json_builder_set_member_name (b, "podCIDRs");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, cidr);
  json_builder_end_array (b);
  if (g->taints->len || for_patch)
    {
      json_builder_set_member_name (b, "taints");
      json_builder_begin_array (b);
      for (guint i = 0; i < g->taints->len; i++)
        {
          const SimTaint *t = &g_array_index (g->taints, SimTaint, i);
          json_builder_begin_object (b);
          add_string (b, "key", t->key);
          if (t->value)
            add_string (b, "value", t->value);
          add_string (b, "effect", t->effect);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  if (g->unschedulable)
    {
      json_builder_set_member_name (b, "unschedulable");
      json_builder_add_boolean_value (b, TRUE);
    }
  else if (for_patch)
    {
      json_builder_set_member_name (b, "unschedulable");
      json_builder_add_null_value (b);
    }
  json_builder_end_object (b);
}

static void
add_resources (JsonBuilder *b, const char *member, const SimNodeGroup *g)
{
  g_autofree char *pods = g_strdup_printf ("%u", g->pods);
  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  add_string (b, "cpu", g->cpu);
  add_string (b, "memory", g->memory);
  add_string (b, "ephemeral-storage", g->ephemeral_storage);
  add_string (b, "pods", pods);
  json_builder_end_object (b);
}

static void
add_condition (JsonBuilder *b, const char *type, const char *status,
               const char *reason, const char *message, const char *beat,
               const char *since)
{
  json_builder_begin_object (b);
  add_string (b, "type", type);
  add_string (b, "status", status);
  add_string (b, "reason", reason);
  add_string (b, "message", message);
  add_string (b, "lastHeartbeatTime", beat);
  add_string (b, "lastTransitionTime", since);
  json_builder_end_object (b);
}

static void
add_status (JsonBuilder *b, const SimNode *node)
{
  g_autofree char *now = sim_time_format (g_get_real_time ());
  g_autofree char *since = sim_time_format (node->registered_at);
  Sim *sim = sim_get ();

  json_builder_set_member_name (b, "status");
  json_builder_begin_object (b);
  add_resources (b, "capacity", node->group);
  add_resources (b, "allocatable", node->group);
  json_builder_set_member_name (b, "conditions");
  json_builder_begin_array (b);
  add_condition (b, "Ready", "True", "KubeletReady", "kcore-sim hollow node",
                 now, since);
  add_condition (b, "MemoryPressure", "False", "KubeletHasSufficientMemory",
                 "kubelet has sufficient memory available", now, since);
  add_condition (b, "DiskPressure", "False", "KubeletHasNoDiskPressure",
                 "kubelet has no disk pressure", now, since);
  add_condition (b, "PIDPressure", "False", "KubeletHasSufficientPID",
                 "kubelet has sufficient PID available", now, since);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "addresses");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  add_string (b, "type", "InternalIP");
  add_string (b, "address", sim->kubelet_address);
  json_builder_end_object (b);
  json_builder_begin_object (b);
  add_string (b, "type", "Hostname");
  add_string (b, "address", node->name);
  json_builder_end_object (b);
  json_builder_end_array (b);
  /* Where an API server finds this node's kubelet (pods/log). */
  json_builder_set_member_name (b, "daemonEndpoints");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kubeletEndpoint");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Port");
  json_builder_add_int_value (b, sim->kubelet_port);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "nodeInfo");
  json_builder_begin_object (b);
  add_string (b, "kubeletVersion", "kcore-sim");
  add_string (b, "kubeProxyVersion", "kcore-sim");
  add_string (b, "operatingSystem", "linux");
  add_string (b, "architecture", "amd64");
  add_string (b, "osImage", "kcore-sim hollow node");
  add_string (b, "kernelVersion", "sim");
  add_string (b, "containerRuntimeVersion", "sim://1");
  add_string (b, "machineID", node->name);
  add_string (b, "systemUUID", node->name);
  add_string (b, "bootID", node->name);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static JsonNode *
node_object (const SimNode *node)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "apiVersion", "v1");
  add_string (b, "kind", "Node");
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  add_string (b, "name", node->name);
  add_labels (b, node);
  json_builder_end_object (b);
  add_spec (b, node, FALSE);
  add_status (b, node);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
adopt_patch (const SimNode *node)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  add_labels (b, node);
  json_builder_end_object (b);
  add_spec (b, node, TRUE);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
status_patch (const SimNode *node)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_status (b, node);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- Requests ------------------------------------------------------------ */

static void
on_node_reply (GObject *source, GAsyncResult *result, gpointer data)
{
  SimNode *node = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = kc_client_request_finish (KC_CLIENT (source),
                                                         result, &error);
  sim_node_request_done (sim_get (), node, node->sending, error);
}

static gboolean
node_run (SimWork *work)
{
  SimNode *node = SIM_CONTAINER_OF (work, SimNode, work);
  Sim *sim = sim_get ();
  static const guint8 order[] = { SIM_NODE_DELETE_LEASE, SIM_NODE_DELETE,
                                  SIM_NODE_CREATE, SIM_NODE_ADOPT,
                                  SIM_NODE_STATUS, SIM_NODE_LEASE };
  guint8 bit = 0;

  if (node->in_flight)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (order) && !bit; i++)
    if (node->pending & order[i])
      bit = order[i];
  if (bit == 0 || (sim->stopping && bit != SIM_NODE_DELETE_LEASE
                   && bit != SIM_NODE_DELETE))
    return FALSE;

  node->in_flight = TRUE;
  node->sending = bit;
  if (bit == SIM_NODE_LEASE)
    {
      sim_lease_send (sim, node);
      return TRUE;
    }
  if (bit == SIM_NODE_DELETE_LEASE)
    {
      sim_lease_send_delete (sim, node);
      return TRUE;
    }
  if (bit == SIM_NODE_CREATE)
    {
      g_autoptr (JsonNode) body = node_object (node);
      kc_client_create_async (sim->client, sim->nodes_resource, NULL, NULL,
                              NULL, body, NULL, on_node_reply, node);
    }
  else if (bit == SIM_NODE_ADOPT)
    {
      g_autoptr (JsonNode) body = adopt_patch (node);
      kc_client_patch_async (sim->client, sim->nodes_resource, NULL,
                             node->name, NULL, KC_PATCH_MERGE, body, NULL,
                             on_node_reply, node);
    }
  else if (bit == SIM_NODE_STATUS)
    {
      g_autoptr (JsonNode) body = status_patch (node);
      kc_client_patch_async (sim->client, sim->nodes_resource, NULL,
                             node->name, "status", KC_PATCH_MERGE, body, NULL,
                             on_node_reply, node);
    }
  else
    kc_client_delete_async (sim->client, sim->nodes_resource, NULL,
                            node->name, NULL, on_node_reply, node);
  return TRUE;
}

void
sim_node_want (Sim *sim, SimNode *node, guint8 bits)
{
  node->pending |= bits;
  if (!node->in_flight)
    sim_pump_push (sim->pump, &node->work, TRUE);
}

static void
announce_ready (Sim *sim)
{
  if (sim->announced)
    return;
  sim->announced = TRUE;
  g_message ("all %u nodes registered", sim->n_nodes);
  printf ("kcore-sim: %u nodes ready\n", sim->n_nodes);
  fflush (stdout);
}

static void
schedule_periodic (Sim *sim, SimNode *node, SimTimer *timer, guint period_s)
{
  gint64 period = (gint64) period_s * G_USEC_PER_SEC;
  /* Node i runs at i/N of the period: renewals spread evenly. */
  gint64 phase = period * node->index / MAX (sim->n_nodes, 1);
  gint64 next = sim_time_next_slot (g_get_monotonic_time () + 1,
                                    sim->origin_mono, period, phase);
  sim_timers_schedule (sim->timers, timer, next);
}

static void
on_registered (Sim *sim, SimNode *node)
{
  node->registered = TRUE;
  sim->n_registered++;
  g_debug ("node %s registered", node->name);
  node->pending |= SIM_NODE_LEASE;
  schedule_periodic (sim, node, &node->lease_timer,
                     sim->options->lease_renew_s);
  schedule_periodic (sim, node, &node->status_timer,
                     sim->options->status_report_s);
  if (sim->n_registered == sim->n_nodes)
    announce_ready (sim);
}

/* What a failed request of @bit means for @node; TRUE when it is to be
 * sent again after a back-off. */
static gboolean
handle_failure (Sim *sim, SimNode *node, guint8 bit, const GError *error)
{
  gboolean not_found = g_error_matches (error, KC_CLIENT_ERROR,
                                        KC_CLIENT_ERROR_NOT_FOUND);
  switch (bit)
    {
    case SIM_NODE_CREATE:
      if (g_error_matches (error, KC_CLIENT_ERROR,
                           KC_CLIENT_ERROR_ALREADY_EXISTS))
        {
          /* A node of an earlier run: take it over. */
          node->pending = (node->pending & ~SIM_NODE_CREATE) | SIM_NODE_ADOPT;
          return FALSE;
        }
      break;
    case SIM_NODE_ADOPT:
    case SIM_NODE_STATUS:
      if (not_found)
        {
          /* Deleted by someone else: register it again. */
          node->pending = (node->pending & ~bit) | SIM_NODE_CREATE
                          | SIM_NODE_STATUS;
          return FALSE;
        }
      if (bit == SIM_NODE_STATUS && node->registered)
        {
          node->pending &= ~bit;  /* the next report retries */
          g_warning ("node %s: status report failed: %s", node->name,
                     error->message);
          return FALSE;
        }
      break;
    case SIM_NODE_LEASE:
      if (node->lease_exists && not_found)
        {
          node->lease_exists = FALSE;
          return FALSE;
        }
      if (!node->lease_exists
          && g_error_matches (error, KC_CLIENT_ERROR,
                              KC_CLIENT_ERROR_ALREADY_EXISTS))
        {
          node->lease_exists = TRUE;
          return FALSE;
        }
      node->pending &= ~bit;  /* the next period retries */
      g_warning ("node %s: lease renewal failed: %s", node->name,
                 error->message);
      return FALSE;
    case SIM_NODE_DELETE_LEASE:
    case SIM_NODE_DELETE:
      if (not_found)
        {
          sim_node_request_done (sim, node, bit, NULL);
          return FALSE;
        }
      break;
    }
  g_warning ("node %s: %s failed: %s; retrying", node->name,
             bit == SIM_NODE_CREATE   ? "registration"
             : bit == SIM_NODE_ADOPT  ? "adoption"
             : bit == SIM_NODE_STATUS ? "status report"
                                      : "deletion",
             error->message);
  return TRUE;
}

static void
on_success (Sim *sim, SimNode *node, guint8 bit)
{
  node->pending &= ~bit;
  switch (bit)
    {
    case SIM_NODE_CREATE:
    case SIM_NODE_ADOPT:
      /* Kubernetes drops a Node's status on create: report it apart. */
      node->pending |= SIM_NODE_STATUS;
      break;
    case SIM_NODE_STATUS:
      if (!node->registered)
        on_registered (sim, node);
      break;
    case SIM_NODE_LEASE:
      node->lease_exists = TRUE;
      break;
    case SIM_NODE_DELETE:
      g_debug ("node %s deleted", node->name);
      if (sim->n_nodes_left > 0 && --sim->n_nodes_left == 0)
        {
          g_message ("deleted all %u nodes", sim->n_nodes);
          sim_quit_when_idle (sim);
        }
      break;
    }
}

void
sim_node_request_done (Sim *sim, SimNode *node, guint8 bit,
                       const GError *error)
{
  gboolean was_in_flight = node->in_flight && node->sending == bit;
  gboolean later = FALSE;

  if (was_in_flight)
    {
      node->in_flight = FALSE;
      node->sending = 0;
    }
  if (error == NULL)
    on_success (sim, node, bit);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    later = handle_failure (sim, node, bit, error);

  if (was_in_flight)
    {
      if (later)
        sim_pump_push_later (sim->pump, &node->work, TRUE);
      else if (node->pending)
        sim_pump_push (sim->pump, &node->work, TRUE);
      sim_pump_done (sim->pump);
    }
}

/* ---- Timers -------------------------------------------------------------- */

static void
on_lease_timer (SimTimer *timer)
{
  SimNode *node = SIM_CONTAINER_OF (timer, SimNode, lease_timer);
  Sim *sim = sim_get ();
  if (sim->stopping)
    return;
  sim_node_want (sim, node, SIM_NODE_LEASE);
  schedule_periodic (sim, node, timer, sim->options->lease_renew_s);
}

static void
on_status_timer (SimTimer *timer)
{
  SimNode *node = SIM_CONTAINER_OF (timer, SimNode, status_timer);
  Sim *sim = sim_get ();
  if (sim->stopping)
    return;
  sim_node_want (sim, node, SIM_NODE_STATUS);
  schedule_periodic (sim, node, timer, sim->options->status_report_s);
}

/* ---- Set-up and tear-down ------------------------------------------------ */

gboolean
sim_nodes_init (Sim *sim, GError **error)
{
  GPtrArray *groups = sim->options->groups;
  guint64 total = 0;

  for (guint i = 0; i < groups->len; i++)
    total += ((SimNodeGroup *) groups->pdata[i])->count;
  if (total > MAX_NODES)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--nodes: %" G_GUINT64_FORMAT " nodes in all; one "
                   "kcore-sim simulates at most %u (run several, each with "
                   "its own prefix=)", total, MAX_NODES);
      return FALSE;
    }
  sim->n_nodes = (guint) total;
  sim->nodes = g_new0 (SimNode, total);
  sim->node_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  guint index = 0;
  for (guint i = 0; i < groups->len; i++)
    {
      const SimNodeGroup *g = groups->pdata[i];
      for (guint j = 0; j < g->count; j++, index++)
        {
          SimNode *node = &sim->nodes[index];
          node->name = g_strdup_printf ("%s%u", g->prefix, j);
          node->group = g;
          node->index = index;
          node->group_index = j;
          node->work.run = node_run;
          node->lease_timer.fire = on_lease_timer;
          node->status_timer.fire = on_status_timer;
          if (strlen (node->name) > 253)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--nodes prefix=%s: node name %s is longer than "
                           "253 characters", g->prefix, node->name);
              return FALSE;
            }
          if (!g_hash_table_insert (sim->node_by_name, node->name, node))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--nodes: node name %s comes from two groups; "
                           "give each --nodes its own prefix=", node->name);
              return FALSE;
            }
        }
    }
  return TRUE;
}

void
sim_nodes_clear (Sim *sim)
{
  for (guint i = 0; i < sim->n_nodes; i++)
    {
      SimNode *node = &sim->nodes[i];
      if (sim->timers)
        {
          sim_timers_cancel (sim->timers, &node->lease_timer);
          sim_timers_cancel (sim->timers, &node->status_timer);
        }
      if (sim->pump)
        sim_pump_remove (sim->pump, &node->work);
      g_free (node->name);
    }
  g_clear_pointer (&sim->node_by_name, g_hash_table_unref);
  g_clear_pointer (&sim->nodes, g_free);
  sim->n_nodes = 0;
}

void
sim_nodes_start (Sim *sim)
{
  gint64 now = g_get_real_time ();
  g_message ("registering %u nodes", sim->n_nodes);
  for (guint i = 0; i < sim->n_nodes; i++)
    {
      sim->nodes[i].registered_at = now;
      sim_node_want (sim, &sim->nodes[i], SIM_NODE_CREATE);
    }
}

void
sim_nodes_delete_all (Sim *sim)
{
  sim->n_nodes_left = sim->n_nodes;
  g_message ("deleting %u nodes and their leases", sim->n_nodes);
  for (guint i = 0; i < sim->n_nodes; i++)
    {
      SimNode *node = &sim->nodes[i];
      sim_timers_cancel (sim->timers, &node->lease_timer);
      sim_timers_cancel (sim->timers, &node->status_timer);
      /* Whatever was still to send is moot now. */
      node->pending = SIM_NODE_DELETE_LEASE | SIM_NODE_DELETE;
      if (!node->in_flight)
        sim_pump_push (sim->pump, &node->work, TRUE);
    }
}
