/* Bindings, failure conditions and Events (sched-binder.h). */
#include "build-config.h"

#include "sched-binder.h"

struct _KcSchedBinder
{
  KcClient *client;
  GHashTable *recorders; /* scheduler name -> KcEventRecorder */
  KcResource *pods;
  gboolean record_scheduled;
  GHashTable *reported; /* "ns/name" -> the message last set in status */
};

KcSchedBinder *
kc_sched_binder_new (KcClient *client, gboolean record_scheduled_events)
{
  KcSchedBinder *b = g_new0 (KcSchedBinder, 1);
  b->client = g_object_ref (client);
  b->recorders = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify)kc_event_recorder_free);
  b->pods = kc_resource_new ("", "v1", "pods");
  b->record_scheduled = record_scheduled_events;
  b->reported
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return b;
}

void
kc_sched_binder_free (KcSchedBinder *b)
{
  if (b == NULL)
    return;
  g_hash_table_unref (b->reported);
  g_hash_table_unref (b->recorders);
  kc_resource_unref (b->pods);
  g_object_unref (b->client);
  g_free (b);
}

static void
on_bound (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  GError *error = NULL;
  g_autoptr (JsonNode) answer
      = kc_client_request_finish (KC_CLIENT (source), result, &error);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
kc_sched_binder_bind_async (KcSchedBinder *b, JsonNode *pod,
                            const char *node_name,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (task, kc_sched_binder_bind_async);
  const char *name = kc_object_get_name (pod);
  const char *uid = kc_object_get_uid (pod);

  g_autoptr (JsonBuilder) jb = json_builder_new ();
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "apiVersion");
  json_builder_add_string_value (jb, "v1");
  json_builder_set_member_name (jb, "kind");
  json_builder_add_string_value (jb, "Binding");
  json_builder_set_member_name (jb, "metadata");
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "name");
  json_builder_add_string_value (jb, name);
  if (uid)
    {
      json_builder_set_member_name (jb, "uid");
      json_builder_add_string_value (jb, uid);
    }
  json_builder_end_object (jb);
  json_builder_set_member_name (jb, "target");
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "apiVersion");
  json_builder_add_string_value (jb, "v1");
  json_builder_set_member_name (jb, "kind");
  json_builder_add_string_value (jb, "Node");
  json_builder_set_member_name (jb, "name");
  json_builder_add_string_value (jb, node_name);
  json_builder_end_object (jb);
  json_builder_end_object (jb);
  g_autoptr (JsonNode) body = json_builder_get_root (jb);

  kc_client_create_async (b->client, b->pods, kc_object_get_namespace (pod),
                          name, "binding", body, NULL, on_bound, task);
}

gboolean
kc_sched_binder_bind_finish (KcSchedBinder *b, GAsyncResult *result,
                             GError **error)
{
  (void)b;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static KcEventRecorder *
recorder_for (KcSchedBinder *b, const char *scheduler_name)
{
  KcEventRecorder *r = g_hash_table_lookup (b->recorders, scheduler_name);
  if (r == NULL)
    {
      r = kc_event_recorder_new (b->client, scheduler_name);
      g_hash_table_insert (b->recorders, g_strdup (scheduler_name), r);
    }
  return r;
}

void
kc_sched_binder_report_bound (KcSchedBinder *b, JsonNode *pod,
                              const char *scheduler_name,
                              const char *node_name)
{
  g_autofree char *key = kc_object_get_key (pod);
  g_hash_table_remove (b->reported, key);
  if (!b->record_scheduled)
    return;
  g_autofree char *message
      = g_strdup_printf ("Successfully assigned %s to %s", key, node_name);
  kc_event_recorder_record (recorder_for (b, scheduler_name), pod,
                            KC_EVENT_NORMAL, "Scheduled", message);
}

static void
on_status_patched (GObject *source, GAsyncResult *result, gpointer data)
{
  char *key = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer
      = kc_client_request_finish (KC_CLIENT (source), result, &error);
  /* A pod deleted meanwhile is no news. */
  if (error
      && !g_error_matches (error, KC_CLIENT_ERROR, KC_CLIENT_ERROR_NOT_FOUND))
    g_warning ("cannot set the PodScheduled condition of %s: %s", key,
               error->message);
  g_free (key);
}

static JsonNode *
condition_patch (const char *reason, const char *message)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "status");
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "conditions");
  json_builder_begin_array (jb);
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "type");
  json_builder_add_string_value (jb, "PodScheduled");
  json_builder_set_member_name (jb, "status");
  json_builder_add_string_value (jb, "False");
  json_builder_set_member_name (jb, "reason");
  json_builder_add_string_value (jb, reason);
  json_builder_set_member_name (jb, "message");
  json_builder_add_string_value (jb, message);
  json_builder_set_member_name (jb, "lastProbeTime");
  json_builder_add_null_value (jb);
  json_builder_set_member_name (jb, "lastTransitionTime");
  json_builder_add_string_value (jb, stamp);
  json_builder_end_object (jb);
  json_builder_end_array (jb);
  json_builder_end_object (jb);
  json_builder_end_object (jb);
  return json_builder_get_root (jb);
}

void
kc_sched_binder_report_failure (KcSchedBinder *b, JsonNode *pod,
                                const char *scheduler_name, const char *reason,
                                const char *message)
{
  g_autofree char *key = kc_object_get_key (pod);
  kc_event_recorder_record (recorder_for (b, scheduler_name), pod,
                            KC_EVENT_WARNING, "FailedScheduling", message);
  if (g_strcmp0 (g_hash_table_lookup (b->reported, key), message) == 0)
    return;
  g_hash_table_insert (b->reported, g_strdup (key), g_strdup (message));
  g_autoptr (JsonNode) patch = condition_patch (reason, message);
  kc_client_patch_async (b->client, b->pods, kc_object_get_namespace (pod),
                         kc_object_get_name (pod), "status",
                         KC_PATCH_STRATEGIC, patch, NULL, on_status_patched,
                         g_strdup (key));
}

void
kc_sched_binder_forget (KcSchedBinder *b, const char *key)
{
  g_hash_table_remove (b->reported, key);
}
