/* Fuzz target for the API server's decoders of untrusted input: label and
 * field selectors, JSON bodies, and the three patch types.  The first byte
 * of the input picks the decoder, the rest is its input.  Besides "does
 * not crash", it checks properties that must hold for any input: an error
 * is set exactly when a call fails, a parsed label selector prints to text
 * that parses again to the same selector, a merge patch is idempotent, a
 * deep copy equals its source.  Built with libFuzzer (see README.md) or
 * with fuzz-driver.c. */
#include "build-config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/field-selector.h"
#include "apiserver/label-selector.h"
#include "apiserver/api-object.h"
#include "apiserver/patch.h"
#include "apiserver/selectable-fields.h"
#include "apiserver/served-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

enum
{
  DECODE_LABEL_SELECTOR,
  DECODE_LABEL_SELECTOR_JSON,
  DECODE_FIELD_SELECTOR,
  DECODE_JSON_BODY,
  DECODE_MERGE_PATCH,
  DECODE_JSON_PATCH,
  DECODE_STRATEGIC_PATCH,
  DECODE_PATCH_PAIR,       /* original NUL patch: all three patches */
  DECODE_SERVED_JSON,      /* a stored object made served */
  DECODE_SELECTABLE,       /* the fields selectors test, picked out */
  N_DECODERS
};

static const char pod_json[] =
  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\","
  "\"namespace\":\"default\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\","
  "\"example.com/v\":\"1\"},\"annotations\":{\"a\":\"b\"},"
  "\"finalizers\":[\"x\",\"y\"],\"ownerReferences\":[{\"uid\":\"u1\","
  "\"kind\":\"ReplicaSet\",\"name\":\"web\"}]},\"spec\":{\"nodeName\":"
  "\"n1\",\"unschedulable\":false,\"containers\":[{\"name\":\"c1\","
  "\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":"
  "\"A\",\"value\":\"1\"}],\"volumeMounts\":[{\"name\":\"v\",\"mountPath\":"
  "\"/v\"}]},{\"name\":\"c2\",\"image\":\"busybox\",\"args\":[\"sleep\"]}],"
  "\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}],\"tolerations\":[{\"key\":"
  "\"k\",\"operator\":\"Exists\"}]},\"status\":{\"phase\":\"Running\","
  "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"podIPs\":"
  "[{\"ip\":\"10.0.0.1\"}]}}";

static const char *const label_sets[] = {
  "{}",
  "{\"app\":\"web\",\"tier\":\"fe\",\"example.com/v\":\"1\",\"n\":\"7\"}",
  "{\"a\":\"\",\"b\":\"x\",\"c\":1}",
};

static const char *const pod_fields[] = {
  "metadata.name", "metadata.namespace", "spec.nodeName",
  "spec.unschedulable", "status.phase", "involvedObject.kind", NULL
};

static JsonNode *pod;
static JsonNode *labels[G_N_ELEMENTS (label_sets)];

static void
check (gboolean ok, const char *what)
{
  if (!ok)
    {
      g_printerr ("fuzz-api-decoders: property violated: %s\n", what);
      abort ();
    }
}

static JsonNode *
parse (const char *text, gssize length)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, length, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

static void
init_once (void)
{
  if (pod != NULL)
    return;
  pod = parse (pod_json, -1);
  for (guint i = 0; i < G_N_ELEMENTS (label_sets); i++)
    labels[i] = parse (label_sets[i], -1);
}

static void
fuzz_label_selector (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcLabelSelector) sel = kc_label_selector_parse (text, &error);

  check ((sel == NULL) == (error != NULL), "label selector: error iff NULL");
  if (sel == NULL)
    return;

  g_autofree char *printed = kc_label_selector_to_string (sel);
  g_autoptr (KcLabelSelector) again = kc_label_selector_parse (printed,
                                                               NULL);
  check (again != NULL, "label selector: printed form parses");
  g_autofree char *reprinted = kc_label_selector_to_string (again);
  check (strcmp (printed, reprinted) == 0,
         "label selector: printed form is stable");
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      JsonObject *l = json_node_get_object (labels[i]);
      check (kc_label_selector_matches (sel, l)
             == kc_label_selector_matches (again, l),
             "label selector: printed form selects the same");
    }
  kc_label_selector_matches (sel, NULL);
}

static void
fuzz_label_selector_json (JsonNode *node)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcLabelSelector) sel = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  sel = kc_label_selector_from_json (json_node_get_object (node), &error);
  check ((sel == NULL) == (error != NULL), "LabelSelector: error iff NULL");
  for (guint i = 0; sel != NULL && i < G_N_ELEMENTS (labels); i++)
    kc_label_selector_matches (sel, json_node_get_object (labels[i]));
}

static void
fuzz_field_selector (const char *text)
{
  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KcFieldSelector) sel =
          kc_field_selector_parse (text, pass == 0 ? pod_fields : NULL,
                                   &error);
      check ((sel == NULL) == (error != NULL),
             "field selector: error iff NULL");
      if (sel != NULL)
        kc_field_selector_matches (sel, json_node_get_object (pod));
    }
}

static void
fuzz_body (JsonNode *node)
{
  g_autoptr (JsonNode) copy = kc_json_deep_copy (node);

  check (kc_json_equal (node, copy), "deep copy equals its source");
  g_free (json_to_string (node, FALSE));
  if (JSON_NODE_HOLDS_OBJECT (node))
    g_free (kc_field_selector_value_of (json_node_get_object (node),
                                        "metadata.name"));
}

static void
fuzz_patches (JsonNode *original, JsonNode *patch, guint which)
{
  g_autoptr (JsonNode) before = kc_json_deep_copy (original);
  g_autoptr (JsonNode) patch_before = kc_json_deep_copy (patch);

  if (which & 1)
    {
      g_autoptr (JsonNode) merged = kc_patch_merge (original, patch, NULL);
      g_autoptr (JsonNode) twice = kc_patch_merge (merged, patch, NULL);
      check (merged != NULL && twice != NULL, "merge patch never fails");
      check (kc_json_equal (merged, twice), "merge patch is idempotent");
    }
  if (which & 2)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) result = kc_patch_json (original, patch, &error);
      check ((result == NULL) == (error != NULL), "json patch: error iff NULL");
    }
  if (which & 4)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) result = kc_patch_strategic (original, patch,
                                                        &error);
      check ((result == NULL) == (error != NULL),
             "strategic patch: error iff NULL");
      if (result != NULL)
        g_free (json_to_string (result, FALSE));
    }
  check (kc_json_equal (original, before), "patches leave the original");
  check (kc_json_equal (patch, patch_before), "patches leave the patch");
}

/* The splice of resourceVersion must agree with parsing and writing. */
static void
fuzz_served_json (const char *text, gsize length)
{
  g_autoptr (GBytes) stored = g_bytes_new (text, length);
  g_autoptr (GError) slow_error = NULL, fast_error = NULL;
  g_autoptr (JsonNode) slow = kc_object_decode (stored, 7, &slow_error);
  g_autoptr (GBytes) served = kc_served_json (stored, 7, &fast_error);
  gsize at, len = 0;
  gboolean empty;
  if (kc_served_json_insert_point (text, length, &at, &empty))
    check (slow != NULL, "the splice applies only to valid objects");
  check ((served == NULL) == (fast_error != NULL), "served: error iff NULL");
  if (slow == NULL || served == NULL)
    return;
  const char *data = g_bytes_get_data (served, &len);
  g_autoptr (JsonNode) fast = parse (data, (gssize) len);
  check (fast != NULL && kc_json_equal (fast, slow),
         "the splice gives what parsing gives");
}

/* Selectors must see the same values in the picked-out fields as in the
 * whole object. */
static void
fuzz_selectable (const char *text, gsize length)
{
  static const char *const paths[]
      = { "metadata.name", "metadata.namespace", "spec.nodeName",
          "spec.unschedulable", "status.phase", "involvedObject.kind",
          "type", "reason", "kind", "spec.restartPolicy" };
  g_autoptr (JsonNode) full = kc_object_parse (text, length, NULL);
  g_autoptr (JsonNode) picked = kc_selectable_fields (text, length);
  if (picked)
    check (full != NULL, "fields are picked only from valid objects");
  if (full == NULL || picked == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *want = kc_field_selector_value_of (
          json_node_get_object (full), paths[i]);
      g_autofree char *got = kc_field_selector_value_of (
          json_node_get_object (picked), paths[i]);
      check (strcmp (want, got) == 0, "picked fields select as the object");
    }
  JsonNode *fmn = json_object_get_member (json_node_get_object (full),
                                          "metadata");
  JsonNode *pmn = json_object_get_member (json_node_get_object (picked),
                                          "metadata");
  JsonObject *fm = fmn && JSON_NODE_HOLDS_OBJECT (fmn)
                       ? json_node_get_object (fmn) : NULL;
  JsonObject *pm = pmn && JSON_NODE_HOLDS_OBJECT (pmn)
                       ? json_node_get_object (pmn) : NULL;
  JsonNode *want_labels = fm ? json_object_get_member (fm, "labels") : NULL;
  JsonNode *got_labels = pm ? json_object_get_member (pm, "labels") : NULL;
  check ((want_labels == NULL) == (got_labels == NULL)
             && (want_labels == NULL || kc_json_equal (want_labels, got_labels)),
         "picked labels are the object's");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) node = NULL;
  const char *rest;
  gsize length;
  guint decoder;

  if (size < 1 || size > 65536)
    return 0;
  init_once ();
  decoder = data[0] % N_DECODERS;
  length = size - 1;
  text = g_strndup ((const char *) data + 1, length);  /* stops at a NUL */
  rest = (const char *) data + 1;

  switch (decoder)
    {
    case DECODE_LABEL_SELECTOR:
      fuzz_label_selector (text);
      break;
    case DECODE_FIELD_SELECTOR:
      fuzz_field_selector (text);
      break;
    case DECODE_LABEL_SELECTOR_JSON:
    case DECODE_JSON_BODY:
    case DECODE_MERGE_PATCH:
    case DECODE_JSON_PATCH:
    case DECODE_STRATEGIC_PATCH:
      node = parse (rest, (gssize) length);
      if (node == NULL)
        break;
      if (decoder == DECODE_LABEL_SELECTOR_JSON)
        fuzz_label_selector_json (node);
      else if (decoder == DECODE_JSON_BODY)
        fuzz_body (node);
      else
        fuzz_patches (pod, node, 1u << (decoder - DECODE_MERGE_PATCH));
      break;
    case DECODE_SERVED_JSON:
      fuzz_served_json (text, strlen (text));
      break;
    case DECODE_SELECTABLE:
      fuzz_selectable (text, strlen (text));
      break;
    case DECODE_PATCH_PAIR:
    default:
      {
        /* "original\0patch": the NUL splits the two documents. */
        gsize first = strlen (text);
        g_autoptr (JsonNode) original = parse (rest, (gssize) first);
        g_autoptr (JsonNode) patch = NULL;
        if (original == NULL || first >= length)
          break;
        patch = parse (rest + first + 1, (gssize) (length - first - 1));
        if (patch != NULL)
          fuzz_patches (original, patch, 7);
      }
      break;
    }
  return 0;
}
