/* kcorectl: a kubectl-like command line client built on libkcore's client
 * library.  Every request goes through one KcClient; the commands are
 * written as straight-line code over kcctl_request(), which runs a
 * GMainLoop until its request completes (see cli-run.c). */
#pragma once

#include <json-glib/json-glib.h>
#include <kcore/client.h>

G_BEGIN_DECLS

/* Exit codes: shell friendly. */
#define KCCTL_EXIT_OK 0
#define KCCTL_EXIT_ERROR 1

/* ---- Global options (cli-options.c) ------------------------------------ */

typedef struct
{
  char *server;
  char *token;
  char *config_file;
  char *namespace; /* -n; NULL: "default" for namespaced objects */
  gboolean all_namespaces;
  char *request_timeout; /* e.g. "30s" */
  gboolean insecure;
  char *ca_file; /* --certificate-authority */
} KcctlGlobalOptions;

/* Where to connect and how: the result of the flags, the environment and
 * the config file. */
typedef struct
{
  char *server;  /* a URL */
  char *token;   /* NULL: none */
  char *ca_file; /* NULL: the system's CAs */
  gboolean insecure;
} KcctlConnection;

void kcctl_connection_clear (KcctlConnection *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KcctlConnection, kcctl_connection_clear)

extern KcctlGlobalOptions kcctl_global;

/* The global options as a GOptionGroup (static storage in kcctl_global). */
GOptionGroup *kcctl_global_option_group (void);
/* Frees what the option parser stored in kcctl_global. */
void kcctl_global_options_clear (void);
/* Each of server, token, CA file from its flag, else the environment
 * (KCORE_SERVER, KCORE_TOKEN, KCORE_CA_FILE), else the config file;
 * insecure from the flag or the config file.  Fills @c (clear it with
 * kcctl_connection_clear). */
gboolean kcctl_resolve_server (KcctlConnection *c, GError **error);
/* "30s", "2m", "500ms", "5" (seconds) -> milliseconds; -1 when invalid. */
gint64 kcctl_parse_duration_ms (const char *text);
/* "--flag" (NULL: true) or "--flag=true|false" booleans. */
gboolean kcctl_parse_bool (const char *value, gboolean *out, GError **error);

/* ---- The client and synchronous requests (cli-run.c) -------------------- */

/* Creates the process's KcClient from the global options. */
gboolean kcctl_client_init (GError **error);
KcClient *kcctl_client (void);
void kcctl_client_shutdown (void);

/* Runs the main loop until the request completes.  Transfer full. */
JsonNode *kcctl_request (const char *method, const char *path, JsonNode *body,
                         const char *content_type, GError **error);
/* Like kcctl_request() without a body, with the Accept header @accept
 * (NULL: application/json).  Transfer full. */
JsonNode *kcctl_request_accept (const char *method, const char *path,
                                const char *accept, GError **error);
/* The same, returning the body as sent (a log's text) and its
 * Content-Type (@content_type may be NULL).  Error responses are still
 * parsed as Status objects.  Transfer full. */
GBytes *kcctl_request_bytes (const char *method, const char *path,
                             const char *accept, char **content_type,
                             GError **error);
JsonNode *kcctl_get (const KcResource *res, const char *ns, const char *name,
                     const char *sub, GError **error);
JsonNode *kcctl_list (const KcResource *res, const char *ns,
                      const KcListOptions *opts, GError **error);
JsonNode *kcctl_create (const KcResource *res, const char *ns, JsonNode *obj,
                        GError **error);
JsonNode *kcctl_patch (const KcResource *res, const char *ns, const char *name,
                       const char *sub, KcPatchType type, JsonNode *patch,
                       GError **error);
/* DELETE with DeleteOptions carrying @propagation (may be NULL) and
 * @grace_seconds (< 0: the object's default). */
JsonNode *kcctl_delete (const KcResource *res, const char *ns,
                        const char *name, const char *propagation,
                        gint64 grace_seconds, GError **error);
/* Sleeps @ms while the main loop runs. */
void kcctl_sleep_ms (guint ms);
/* The main loop of long-running commands (get -w, rollout status). */
GMainLoop *kcctl_loop (void);

/* ---- Errors (cli-error.c) ---------------------------------------------- */

/* Prints @error as kubectl prints it (Error from server (Reason): msg, or
 * error: msg) on stderr. */
void kcctl_print_error (const GError *error);
/* Prints "error: ..." on stderr. */
void kcctl_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
gboolean kcctl_is_not_found (const GError *error);

/* ---- Discovery and resource names (resource-names.c) -------------------- */

typedef struct
{
  char *group;
  char *version;
  char *name; /* plural */
  char *singular;
  char *kind;
  gboolean namespaced;
  char **short_names;
  KcResource *resource;
} KcctlApiResource;

/* All resources the server serves (discovery, cached for the process).
 * Borrowed array of borrowed KcctlApiResource *. */
GPtrArray *kcctl_discovery (GError **error);
/* "po", "pods", "pod", "Pod", "deploy", "deployment.apps",
 * "deployments.v1.apps".  Borrowed; NULL with @error when unknown. */
const KcctlApiResource *kcctl_resolve_resource (const char *name,
                                                GError **error);
/* From a manifest's apiVersion and kind.  Borrowed. */
const KcctlApiResource *kcctl_resource_for_kind (const char *api_version,
                                                 const char *kind,
                                                 GError **error);
/* "deployment.apps" or "pod": how kubectl names a kind in messages.
 * Transfer full. */
char *kcctl_resource_display (const KcctlApiResource *r);
/* The namespace for @r: NULL for cluster-scoped resources, else @ns, else
 * -n, else "default". */
const char *kcctl_namespace_for (const KcctlApiResource *r, const char *ns);
void kcctl_discovery_clear (void);

/* ---- Manifests (manifest.c) -------------------------------------------- */

/* Loads the objects of @paths (files, directories: their .yaml, .yml and
 * .json files, or "-" for stdin).  Multi-document YAML, JSON, and List
 * kinds are expanded.  Returns a GPtrArray of JsonNode * (transfer full)
 * or NULL with @error naming the file, document and line. */
GPtrArray *kcctl_manifest_load (char **paths, GError **error);
/* Parses YAML text (@source names it in errors).  Transfer full. */
GPtrArray *kcctl_manifest_parse_yaml (const char *source, const char *text,
                                      gsize length, GError **error);

/* ---- Output (printer.c) ------------------------------------------------- */

/* Prints @node as YAML on stdout. */
void kcctl_print_yaml (JsonNode *node, int indent);
void kcctl_print_json (JsonNode *node);
/* Simple column-aligned table: @rows is a GPtrArray of GStrv.  Columns
 * separated by 3 spaces like kubectl. */
void kcctl_print_columns (GPtrArray *rows);
/* "5s", "3m", "2h", "4d" since @timestamp (RFC 3339). Transfer full. */
char *kcctl_age (const char *timestamp);

/* Prints @rows of a meta.k8s.io/v1 Table the server made (its
 * columnDefinitions in @columns: the rows of later watch events come
 * without them); with @header the column names upper-cased; @wide adds
 * priority>0 columns; @ns_column a NAMESPACE column and @labels a LABELS
 * column, both read from each row's object.metadata.  Without @header the
 * previous column widths are kept, so the rows of a watch stay under
 * their header. */
void kcctl_table_print (JsonArray *columns, JsonArray *rows, gboolean header,
                        gboolean wide, gboolean ns_column, gboolean labels);
/* String members; borrowed or @fallback. */
const char *kcctl_member_string (JsonObject *obj, const char *name,
                                 const char *fallback);
JsonObject *kcctl_member_object (JsonObject *obj, const char *name);
JsonArray *kcctl_member_array (JsonObject *obj, const char *name);
/* Deep copy of a JSON node.  Transfer full. */
JsonNode *kcctl_json_copy (JsonNode *node);

/* ---- Commands -------------------------------------------------------------
 */

/* Each takes the arguments after the command name (argv[0] is the command)
 * and returns the exit code. */
typedef int (*KcctlCommandFunc) (int argc, char **argv);

int kcctl_cmd_apply (int argc, char **argv);
int kcctl_cmd_create (int argc, char **argv);
int kcctl_cmd_get (int argc, char **argv);
int kcctl_cmd_describe (int argc, char **argv);
int kcctl_cmd_delete (int argc, char **argv);
int kcctl_cmd_logs (int argc, char **argv);
int kcctl_cmd_scale (int argc, char **argv);
int kcctl_cmd_rollout (int argc, char **argv);
int kcctl_cmd_cordon (int argc, char **argv);
int kcctl_cmd_uncordon (int argc, char **argv);
int kcctl_cmd_drain (int argc, char **argv);
int kcctl_cmd_version (int argc, char **argv);
int kcctl_cmd_api_resources (int argc, char **argv);
int kcctl_cmd_plugins (int argc, char **argv);

/* Parses @argv with @entries plus the global options, then creates the
 * client; on an error prints it and returns FALSE.  @parameter like "TYPE
 * [NAME...]". */
gboolean kcctl_parse_args (int *argc, char ***argv, const char *parameter,
                           const char *summary, const GOptionEntry *entries);

/* Splits "TYPE/NAME" or "TYPE NAME..." arguments (after the options) into
 * a resource and names.  Borrowed resource; @names transfer full. */
const KcctlApiResource *kcctl_resolve_args (int argc, char **argv,
                                            GPtrArray **names, GError **error);

/* One resource type of a `get` and the names asked for (none: all). */
typedef struct
{
  const KcctlApiResource *r; /* borrowed from discovery */
  GPtrArray *names;          /* of char * */
} KcctlTarget;

void kcctl_target_free (KcctlTarget *target);
/* kubectl's forms of `get` arguments: "TYPE[,TYPE...] [NAME...]" (each
 * name of each type) or "TYPE/NAME [TYPE/NAME...]".  One target per
 * distinct resource, in the order first named.  A GPtrArray of
 * KcctlTarget * (transfer full), or NULL with @error. */
GPtrArray *kcctl_resolve_targets (int argc, char **argv, GError **error);

G_END_DECLS
