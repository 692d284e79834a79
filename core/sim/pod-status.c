/* The pod status the simulated kubelet writes, built from a SimPod: phase,
 * addresses, conditions and a status per container, the shapes the
 * kubelet writes (k8s.io/api/core/v1 PodStatus).  A merge patch of the
 * status subresource: arrays are replaced whole, so every write carries
 * every condition and container. */
#include "build-config.h"

#include "sim.h"

static void
add_string (JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
}

static void
add_time (JsonBuilder *b, const char *member, gint64 real_us)
{
  g_autofree char *t = sim_time_format (real_us);
  add_string (b, member, t);
}

static void
add_ip_list (JsonBuilder *b, const char *member, const char *ip)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  add_string (b, "ip", ip);
  json_builder_end_object (b);
  json_builder_end_array (b);
}

static void
add_condition (JsonBuilder *b, const char *type, gboolean status,
               const char *reason, gint64 since)
{
  json_builder_begin_object (b);
  add_string (b, "type", type);
  add_string (b, "status", status ? "True" : "False");
  if (reason)
    add_string (b, "reason", reason);
  json_builder_set_member_name (b, "lastProbeTime");
  json_builder_add_null_value (b);
  add_time (b, "lastTransitionTime", since);
  json_builder_end_object (b);
}

static void
add_terminated (JsonBuilder *b, const char *member, gint exit_code,
                gint64 started, gint64 finished, const char *container_id)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "terminated");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "exitCode");
  json_builder_add_int_value (b, exit_code);
  add_string (b, "reason", exit_code == 0 ? "Completed" : "Error");
  add_time (b, "startedAt", started);
  add_time (b, "finishedAt", finished);
  add_string (b, "containerID", container_id);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
add_container_status (JsonBuilder *b, const SimPod *pod,
                      const SimContainer *c, gboolean init)
{
  g_autofree char *id = g_strdup_printf ("sim://%s/%s", pod->uid, c->name);
  g_autofree char *image_id = g_strdup_printf ("sim://%s", c->image);
  gboolean running = !init && pod->phase == SIM_POD_RUNNING;

  json_builder_begin_object (b);
  add_string (b, "name", c->name);
  add_string (b, "image", c->image);
  add_string (b, "imageID", image_id);
  add_string (b, "containerID", id);
  json_builder_set_member_name (b, "ready");
  json_builder_add_boolean_value (b, running || init);
  json_builder_set_member_name (b, "started");
  json_builder_add_boolean_value (b, running);
  json_builder_set_member_name (b, "restartCount");
  json_builder_add_int_value (b, init ? 0 : pod->restart_count);
  if (init)
    {
      /* Init containers ran to completion before the others started. */
      add_terminated (b, "state", 0, pod->start_us, pod->start_us, id);
      json_builder_set_member_name (b, "lastState");
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }
  else if (running)
    {
      json_builder_set_member_name (b, "state");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "running");
      json_builder_begin_object (b);
      add_time (b, "startedAt", pod->run_start_us);
      json_builder_end_object (b);
      json_builder_end_object (b);
      if (pod->has_run)
        add_terminated (b, "lastState", pod->exit_code, pod->last_start_us,
                        pod->last_finish_us, id);
      else
        {
          json_builder_set_member_name (b, "lastState");
          json_builder_begin_object (b);
          json_builder_end_object (b);
        }
    }
  else
    {
      add_terminated (b, "state", pod->exit_code, pod->last_start_us,
                      pod->last_finish_us, id);
      json_builder_set_member_name (b, "lastState");
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

static const char *
phase_name (SimPodPhase phase)
{
  switch (phase)
    {
    case SIM_POD_RUNNING:
      return "Running";
    case SIM_POD_SUCCEEDED:
      return "Succeeded";
    case SIM_POD_FAILED:
      return "Failed";
    default:
      return "Pending";
    }
}

JsonNode *
sim_pod_status_patch (Sim *sim, const SimPod *pod)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const SimNode *node = &sim->nodes[pod->node];
  gboolean running = pod->phase == SIM_POD_RUNNING;
  gint64 ready_since = running ? pod->run_start_us : pod->last_finish_us;
  const char *host_ip = sim->kubelet_address;
  char pod_ip[16];

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_begin_object (b);
  add_string (b, "phase", phase_name (pod->phase));
  add_string (b, "hostIP", host_ip);
  add_ip_list (b, "hostIPs", host_ip);
  if (pod->ip)
    {
      sim_node_pod_ip (node, pod->ip, pod_ip);
      add_string (b, "podIP", pod_ip);
      add_ip_list (b, "podIPs", pod_ip);
    }
  add_time (b, "startTime", pod->start_us);

  json_builder_set_member_name (b, "conditions");
  json_builder_begin_array (b);
  add_condition (b, "PodScheduled", TRUE, NULL, pod->start_us);
  add_condition (b, "Initialized", TRUE, NULL, pod->start_us);
  add_condition (b, "ContainersReady", running,
                 running ? NULL : "PodCompleted", ready_since);
  add_condition (b, "Ready", running, running ? NULL : "PodCompleted",
                 ready_since);
  json_builder_end_array (b);

  if (pod->n_init)
    {
      json_builder_set_member_name (b, "initContainerStatuses");
      json_builder_begin_array (b);
      for (guint i = 0; i < pod->n_init; i++)
        add_container_status (b, pod, &pod->containers[i], TRUE);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "containerStatuses");
  json_builder_begin_array (b);
  for (guint i = 0; i < pod->n_containers; i++)
    add_container_status (b, pod, &pod->containers[pod->n_init + i], FALSE);
  json_builder_end_array (b);

  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
