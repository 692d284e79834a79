/* Server-side printing: the meta.k8s.io/v1 Table `kubectl get` asks for,
 * with the familiar columns per resource (see api-server.h). */
#include "build-config.h"

#include "api-server.h"
#include "patch.h"

#include <string.h>

typedef struct
{
  const char *name;
  const char *type;     /* "string" or "integer" */
  int priority;         /* 1: only with -o wide */
} Column;

typedef void (*CellsFunc) (JsonArray *cells, JsonObject *obj);

typedef struct
{
  const char *plural;
  const Column *columns; /* after Name, ended by {NULL} */
  CellsFunc cells;
} Printer;

gboolean
kc_api_wants_table (SoupServerMessage *msg)
{
  const char *accept = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Accept");
  return accept && strstr (accept, "as=Table") != NULL;
}

static JsonObject *
member_object (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                               : NULL;
}

static JsonArray *
member_array (JsonObject *obj, const char *name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                              : NULL;
}

static const char *
member_string (JsonObject *obj, const char *name, const char *fallback)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return fallback;
}

static gint64
member_int (JsonObject *obj, const char *name)
{
  return obj ? json_object_get_int_member_with_default (obj, name, 0) : 0;
}

/* "5s", "3m", "2h", "4d" since an RFC 3339 timestamp. */
static char *
age_of (const char *timestamp)
{
  if (timestamp == NULL)
    return g_strdup ("<unknown>");
  g_autoptr (GDateTime) then = g_date_time_new_from_iso8601 (timestamp,
                                                             NULL);
  if (then == NULL)
    return g_strdup ("<unknown>");
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  gint64 s = MAX (0, g_date_time_difference (now, then) / G_USEC_PER_SEC);
  if (s < 120)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", s);
  if (s < 3 * 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m", s / 60);
  if (s < 2 * 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h", s / 3600);
  return g_strdup_printf ("%" G_GINT64_FORMAT "d", s / 86400);
}

static void
add_age (JsonArray *cells, JsonObject *obj)
{
  g_autofree char *age = age_of (member_string (
      member_object (obj, "metadata"), "creationTimestamp", NULL));
  json_array_add_string_element (cells, age);
}

static void
pod_cells (JsonArray *cells, JsonObject *obj)
{
  JsonObject *spec = member_object (obj, "spec");
  JsonObject *status = member_object (obj, "status");
  JsonArray *containers = member_array (spec, "containers");
  JsonArray *statuses = member_array (status, "containerStatuses");
  guint total = containers ? json_array_get_length (containers) : 0;
  guint ready = 0;
  gint64 restarts = 0;
  for (guint i = 0; statuses && i < json_array_get_length (statuses); i++)
    {
      JsonObject *cs = json_array_get_object_element (statuses, i);
      ready += json_object_get_boolean_member_with_default (cs, "ready",
                                                            FALSE);
      restarts += member_int (cs, "restartCount");
    }
  g_autofree char *readiness = g_strdup_printf ("%u/%u", ready, total);
  const char *phase = member_string (status, "phase", "Pending");
  if (json_object_has_member (member_object (obj, "metadata"),
                              "deletionTimestamp"))
    phase = "Terminating";
  json_array_add_string_element (cells, readiness);
  json_array_add_string_element (cells, phase);
  json_array_add_int_element (cells, restarts);
  add_age (cells, obj);
  json_array_add_string_element (cells, member_string (status, "podIP",
                                                       "<none>"));
  json_array_add_string_element (cells, member_string (spec, "nodeName",
                                                       "<none>"));
}

static const Column pod_columns[]
    = { { "Ready", "string", 0 },  { "Status", "string", 0 },
        { "Restarts", "integer", 0 }, { "Age", "string", 0 },
        { "IP", "string", 1 },     { "Node", "string", 1 },
        { NULL } };

static const char *
condition_status (JsonObject *status, const char *type)
{
  JsonArray *conditions = member_array (status, "conditions");
  for (guint i = 0; conditions && i < json_array_get_length (conditions); i++)
    {
      JsonObject *c = json_array_get_object_element (conditions, i);
      if (g_strcmp0 (member_string (c, "type", NULL), type) == 0)
        return member_string (c, "status", NULL);
    }
  return NULL;
}

static void
node_cells (JsonArray *cells, JsonObject *obj)
{
  JsonObject *spec = member_object (obj, "spec");
  JsonObject *status = member_object (obj, "status");
  const char *ready = condition_status (status, "Ready");
  GString *state = g_string_new (g_strcmp0 (ready, "True") == 0 ? "Ready"
                                 : ready ? "NotReady"
                                         : "Unknown");
  if (spec
      && json_object_get_boolean_member_with_default (spec, "unschedulable",
                                                      FALSE))
    g_string_append (state, ",SchedulingDisabled");
  json_array_add_string_element (cells, state->str);
  g_string_free (state, TRUE);
  json_array_add_string_element (cells, "<none>");
  add_age (cells, obj);
  json_array_add_string_element (
      cells, member_string (member_object (status, "nodeInfo"),
                            "kubeletVersion", ""));
}

static const Column node_columns[]
    = { { "Status", "string", 0 }, { "Roles", "string", 0 },
        { "Age", "string", 0 },    { "Version", "string", 0 },
        { NULL } };

static void
replicas_cells (JsonArray *cells, JsonObject *obj)
{
  JsonObject *spec = member_object (obj, "spec");
  JsonObject *status = member_object (obj, "status");
  gint64 want = spec && json_object_has_member (spec, "replicas")
                    ? member_int (spec, "replicas")
                    : 1;
  g_autofree char *ready = g_strdup_printf (
      "%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
      member_int (status, "readyReplicas"), want);
  json_array_add_string_element (cells, ready);
  json_array_add_int_element (cells, member_int (status, "updatedReplicas"));
  json_array_add_int_element (cells,
                              member_int (status, "availableReplicas"));
  add_age (cells, obj);
}

static const Column deployment_columns[]
    = { { "Ready", "string", 0 },      { "Up-to-date", "integer", 0 },
        { "Available", "integer", 0 }, { "Age", "string", 0 },
        { NULL } };

static void
namespace_cells (JsonArray *cells, JsonObject *obj)
{
  json_array_add_string_element (
      cells, member_string (member_object (obj, "status"), "phase",
                            "Active"));
  add_age (cells, obj);
}

static const Column namespace_columns[]
    = { { "Status", "string", 0 }, { "Age", "string", 0 }, { NULL } };

static void
age_cells (JsonArray *cells, JsonObject *obj)
{
  add_age (cells, obj);
}

static const Column age_columns[] = { { "Age", "string", 0 }, { NULL } };

static const Printer printers[] = {
  { "pods", pod_columns, pod_cells },
  { "nodes", node_columns, node_cells },
  { "deployments", deployment_columns, replicas_cells },
  { "namespaces", namespace_columns, namespace_cells },
};

static const Printer *
printer_for (const KcResource *resource)
{
  static const Printer fallback = { NULL, age_columns, age_cells };
  for (gsize i = 0; i < G_N_ELEMENTS (printers); i++)
    if (strcmp (printers[i].plural, resource->plural) == 0)
      return &printers[i];
  return &fallback;
}

static JsonObject *
column_definition (const char *name, const char *type, int priority)
{
  JsonObject *col = json_object_new ();
  json_object_set_string_member (col, "name", name);
  json_object_set_string_member (col, "type", type);
  json_object_set_string_member (col, "format",
                                 strcmp (name, "Name") == 0 ? "name" : "");
  json_object_set_string_member (col, "description", name);
  json_object_set_int_member (col, "priority", priority);
  return col;
}

/* What `-A` and `--show-labels` read from a row. */
static JsonObject *
partial_metadata (JsonObject *obj)
{
  JsonObject *meta = member_object (obj, "metadata");
  JsonObject *partial = json_object_new ();
  json_object_set_string_member (partial, "kind", "PartialObjectMetadata");
  json_object_set_string_member (partial, "apiVersion", "meta.k8s.io/v1");
  JsonObject *pmeta = json_object_new ();
  static const char *const copied[]
      = { "name", "namespace", "uid", "resourceVersion", "creationTimestamp",
          "labels", "deletionTimestamp", NULL };
  for (guint i = 0; meta && copied[i]; i++)
    if (json_object_has_member (meta, copied[i]))
      json_object_set_member (
          pmeta, copied[i],
          kc_json_deep_copy (json_object_get_member (meta, copied[i])));
  json_object_set_object_member (partial, "metadata", pmeta);
  return partial;
}

void
kc_api_table_append (JsonNode *table, const KcResource *resource,
                     JsonNode *object)
{
  const Printer *printer = printer_for (resource);
  JsonObject *obj = json_node_get_object (object);
  JsonArray *rows = json_object_get_array_member (json_node_get_object (table),
                                                  "rows");
  JsonArray *cells = json_array_new ();
  json_array_add_string_element (
      cells, member_string (member_object (obj, "metadata"), "name", ""));
  printer->cells (cells, obj);
  JsonObject *row = json_object_new ();
  json_object_set_array_member (row, "cells", cells);
  json_object_set_object_member (row, "object", partial_metadata (obj));
  json_array_add_object_element (rows, row);
}

JsonNode *
kc_api_table_new (const KcResource *resource, GPtrArray *objects,
                  gint64 revision, gboolean include_header)
{
  const Printer *printer = printer_for (resource);
  JsonObject *table = json_object_new ();
  json_object_set_string_member (table, "kind", "Table");
  json_object_set_string_member (table, "apiVersion", "meta.k8s.io/v1");
  JsonObject *meta = json_object_new ();
  g_autofree char *rv = g_strdup_printf ("%" G_GINT64_FORMAT, revision);
  json_object_set_string_member (meta, "resourceVersion", rv);
  json_object_set_object_member (table, "metadata", meta);

  if (include_header)
    {
      JsonArray *columns = json_array_new ();
      json_array_add_object_element (columns,
                                     column_definition ("Name", "string", 0));
      for (const Column *c = printer->columns; c->name; c++)
        json_array_add_object_element (
            columns, column_definition (c->name, c->type, c->priority));
      json_object_set_array_member (table, "columnDefinitions", columns);
    }
  json_object_set_array_member (table, "rows", json_array_new ());

  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, table);
  for (guint i = 0; objects && i < objects->len; i++)
    kc_api_table_append (node, resource, objects->pdata[i]);
  return node;
}
