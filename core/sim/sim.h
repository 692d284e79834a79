/* kcore-sim: hollow nodes, a KWOK-like simulator of nodes and of the pods
 * bound to them, on kcore's client library.  See docs/kcore-sim.md.
 *
 * One process, one GMainLoop, one KcClient.  Scale (thousands of nodes,
 * a hundred thousand pods) shapes the data: a compact struct per node and
 * per pod (no JSON kept), one timer heap for every timer, and one request
 * pump that bounds the requests in flight and coalesces the writes an
 * object needs. */
#pragma once

#include <kcore/client.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SIM_LOG_DOMAIN "kcore-sim"

typedef struct _Sim Sim;

/* The simulator of this process (sim-main.c). */
Sim *sim_get (void);

#define SIM_CONTAINER_OF(ptr, type, member) \
  ((type *) (void *) ((char *) (ptr) - G_STRUCT_OFFSET (type, member)))

/* ---- Options (sim-options.c, node-spec.c) ------------------------------- */

typedef struct
{
  char *key;
  char *value;   /* NULL for "key:Effect" */
  char *effect;
} SimTaint;

/* One --nodes SPEC: COUNT nodes that look alike. */
typedef struct
{
  guint count;
  char *prefix;
  char *cpu, *memory, *ephemeral_storage;
  guint pods;
  GPtrArray *labels;   /* of char*, alternating key and value */
  GArray *taints;      /* of SimTaint */
  guint zones;         /* 0: no zone label */
  gboolean unschedulable;
} SimNodeGroup;

/* Parses SPEC (see docs/kcore-sim.md).  Transfer full; NULL with @error
 * (G_OPTION_ERROR_BAD_VALUE) naming the bad part. */
SimNodeGroup *sim_node_group_parse (const char *spec, GError **error);
void sim_node_group_free (SimNodeGroup *group);
/* TRUE when @text is a Kubernetes resource quantity ("4", "500m", "8Gi"). */
gboolean sim_quantity_is_valid (const char *text);

typedef struct
{
  char **servers;
  char *token;
  GPtrArray *groups;   /* of SimNodeGroup* */
  guint lease_renew_s;
  guint status_report_s;
  guint startup_ms;
  double qps;
  guint max_in_flight;
  gboolean delete_nodes_on_exit;
  char *log_level;
  char *kubelet_listen;   /* HOST:PORT of the kubelet endpoint */
} SimOptions;

/* Parses the command line.  FALSE with @error on a bad option; *@exit_now
 * is TRUE when the program should exit 0 at once (--help printed). */
gboolean sim_options_parse (SimOptions *options, int argc, char **argv,
                            gboolean *exit_now, GError **error);
void sim_options_clear (SimOptions *options);

/* Logging: the daemon's writer, core/log.c (kc_log_init ("sim", level)). */

/* ---- Time (sim-time.c) -------------------------------------------------- */

/* RFC 3339 in UTC, seconds ("2026-11-30T03:00:00Z") as metav1.Time, or
 * with microseconds as metav1.MicroTime.  @real_us from g_get_real_time().
 * Transfer full. */
char *sim_time_format (gint64 real_us);
char *sim_time_format_micro (gint64 real_us);
/* The real time of an RFC 3339 string, or 0 when it does not parse. */
gint64 sim_time_parse (const char *text);
/* The first time >= @after at which a periodic job of @period_us, shifted
 * by @phase_us from @origin_us, runs: spreads N jobs over one period. */
gint64 sim_time_next_slot (gint64 after, gint64 origin_us, gint64 period_us,
                           gint64 phase_us);

/* ---- Timers (timer-heap.c) ---------------------------------------------- */

typedef struct _SimTimer SimTimer;
typedef void (*SimTimerFunc) (SimTimer *timer);

/* Embedded in the object it times.  Zero-initialised = not scheduled. */
struct _SimTimer
{
  gint64 due;          /* monotonic µs */
  guint32 slot;        /* heap index + 1; 0 when not scheduled */
  SimTimerFunc fire;
};

typedef struct _SimTimers SimTimers;

/* One min-heap of timers and one GSource on @context that wakes for the
 * earliest.  Transfer full. */
SimTimers *sim_timers_new (GMainContext *context);
void sim_timers_free (SimTimers *timers);
/* Schedules (or moves) @timer to fire at @due (monotonic µs). */
void sim_timers_schedule (SimTimers *timers, SimTimer *timer, gint64 due);
void sim_timers_cancel (SimTimers *timers, SimTimer *timer);
guint sim_timers_count (SimTimers *timers);

/* ---- Request pump (request-pump.c) -------------------------------------- */

typedef struct _SimWork SimWork;
/* Starts the request @work needs now: TRUE when one was started (its
 * completion must call sim_pump_done()), FALSE when there is nothing to
 * send any more. */
typedef gboolean (*SimWorkFunc) (SimWork *work);

/* Embedded in a node or pod: the object itself is the queue entry, so an
 * object is queued at most once however many writes it needs. */
struct _SimWork
{
  GList link;
  SimWorkFunc run;
  guint8 where;        /* which queue holds it, 0 = none */
};

typedef struct _SimPump SimPump;

SimPump *sim_pump_new (GMainContext *context, guint max_in_flight);
void sim_pump_free (SimPump *pump);
/* Queues @work (nodes and leases @high, before any pod); no-op when it is
 * queued already. */
void sim_pump_push (SimPump *pump, SimWork *work, gboolean high);
/* Queues @work again after a back-off (a request of it failed). */
void sim_pump_push_later (SimPump *pump, SimWork *work, gboolean high);
/* Takes @work out of whichever queue holds it. */
void sim_pump_remove (SimPump *pump, SimWork *work);
/* A request started by a SimWorkFunc completed. */
void sim_pump_done (SimPump *pump);
guint sim_pump_in_flight (SimPump *pump);
guint sim_pump_queued (SimPump *pump);
/* While paused, low-priority work stays queued (shutting down). */
void sim_pump_pause_low (SimPump *pump, gboolean paused);

/* ---- Hollow nodes (hollow-node.c, node-lease.c) ------------------------- */

enum
{
  SIM_NODE_CREATE = 1 << 0,
  SIM_NODE_ADOPT = 1 << 1,
  SIM_NODE_STATUS = 1 << 2,
  SIM_NODE_LEASE = 1 << 3,
  SIM_NODE_DELETE_LEASE = 1 << 4,
  SIM_NODE_DELETE = 1 << 5,
};

typedef struct
{
  SimWork work;
  SimTimer lease_timer;
  SimTimer status_timer;
  char *name;
  const SimNodeGroup *group;
  guint index;             /* among all nodes: its addresses */
  guint group_index;       /* within its --nodes group: name and zone */
  guint8 pending;          /* SIM_NODE_* still to send */
  guint8 sending;          /* the SIM_NODE_* bit in flight */
  guint registered : 1;
  guint lease_exists : 1;
  guint in_flight : 1;
  gint64 registered_at;    /* real µs: the conditions' lastTransitionTime */
  guint32 pod_ips[8];      /* bitmap of the /24's host addresses in use */
  guint pods;
} SimNode;

/* Builds every node of the options' groups.  FALSE with @error when two
 * groups make the same node name or there are too many nodes. */
gboolean sim_nodes_init (Sim *sim, GError **error);
void sim_nodes_clear (Sim *sim);
/* Starts registering every node. */
void sim_nodes_start (Sim *sim);
/* Queues deleting every node and its lease; sim_quit_when_idle() once
 * all went. */
void sim_nodes_delete_all (Sim *sim);
SimNode *sim_node_lookup (Sim *sim, const char *name);
/* Queues @bits of @node. */
void sim_node_want (Sim *sim, SimNode *node, guint8 bits);
/* A node's request completed: @bit done when @error is NULL. */
void sim_node_request_done (Sim *sim, SimNode *node, guint8 bit,
                            const GError *error);
/* A free host address of @node's pod CIDR (2..254), 0 when all are used;
 * and giving one back. */
guint8 sim_node_take_ip (SimNode *node, guint8 wanted);
void sim_node_release_ip (SimNode *node, guint8 ip);
void sim_node_pod_ip (const SimNode *node, guint8 ip, char buf[16]);

/* node-lease.c */
void sim_lease_send (Sim *sim, SimNode *node);
void sim_lease_send_delete (Sim *sim, SimNode *node);
void sim_lease_ensure_namespace (Sim *sim);

/* ---- Pods (pod-watch.c, pod-lifecycle.c, pod-status.c) ------------------- */

typedef enum
{
  SIM_POD_PENDING,
  SIM_POD_RUNNING,
  SIM_POD_SUCCEEDED,
  SIM_POD_FAILED,
} SimPodPhase;

typedef enum
{
  SIM_RESTART_ALWAYS,
  SIM_RESTART_ON_FAILURE,
  SIM_RESTART_NEVER,
} SimRestartPolicy;

typedef struct
{
  const char *name;    /* interned */
  const char *image;   /* interned */
} SimContainer;

#define SIM_RUN_FOREVER G_MAXUINT32

typedef struct
{
  SimWork work;
  SimTimer timer;
  char *key;               /* "namespace/name" */
  char *uid;
  SimContainer *containers; /* init containers first */
  guint16 n_init, n_containers;
  guint16 ns_len;
  guint8 phase;            /* SimPodPhase */
  guint8 restart_policy;   /* SimRestartPolicy */
  guint8 ip;               /* host part in the node's /24; 0 none */
  guint8 epoch;            /* last list that saw it */
  guint dirty : 1;      /* its status must be written */
  guint deleting : 1;   /* deletionTimestamp seen: DELETE it */
  guint in_flight : 1;
  guint gone : 1;       /* forgotten while a request was in flight */
  guint ip_held : 1;
  guint has_run : 1;    /* terminated once: lastState to report */
  guint32 node;
  guint32 restart_count;
  guint32 run_ms;          /* SIM_RUN_FOREVER: until deleted */
  gint32 exit_code;
  guint32 log_interval_ms; /* kcore.io/sim-log-interval-seconds; 0: none */
  gint64 start_us;         /* real µs: status.startTime */
  gint64 run_start_us;     /* this run of the containers */
  gint64 last_start_us, last_finish_us;  /* the previous run */
  /* kcore.io/sim-log (pod-log.c): an interned GRefString shared by every
   * pod with the same text; NULL: none. */
  char *log_text;
} SimPod;

/* pod-lifecycle.c: the watch tells what it saw. */
void sim_pods_init (Sim *sim);
void sim_pods_clear (Sim *sim);
/* ADDED/MODIFIED, or an item of a list made under @epoch. */
void sim_pod_observe (Sim *sim, JsonNode *pod, guint8 epoch);
/* DELETED. */
void sim_pod_deleted (Sim *sim, JsonNode *pod);
/* After a complete list under @epoch: pods it did not have are gone. */
void sim_pods_sweep (Sim *sim, guint8 epoch);
/* Stops every pod timer and write (shutting down). */
void sim_pods_stop (Sim *sim);

/* pod-status.c: the merge patch of pods/NAME/status for @pod's state.
 * Transfer full. */
JsonNode *sim_pod_status_patch (Sim *sim, const SimPod *pod);

/* pod-watch.c */
void sim_pod_watch_start (Sim *sim);
void sim_pod_watch_stop (Sim *sim);

/* ---- The kubelet endpoint (kubelet-server.c, pod-log.c) ----------------- */

/* Parses --kubelet-listen HOST:PORT (an IP address, not a wildcard one:
 * the nodes report it as their InternalIP).  FALSE with @error. */
gboolean sim_kubelet_listen_parse (const char *text, char **host,
                                   guint *port, GError **error);
/* Listens on --kubelet-listen and serves GET /containerLogs/NS/POD/C;
 * sets sim->kubelet_address and sim->kubelet_port.  FALSE with @error. */
gboolean sim_kubelet_start (Sim *sim, GError **error);
void sim_kubelet_stop (Sim *sim);

/* What a /containerLogs request asks for (Kubernetes' PodLogOptions). */
typedef struct
{
  gboolean follow, timestamps, previous;
  gint64 tail_lines;      /* -1: all */
  gint64 limit_bytes;     /* -1: no limit */
  gint64 since_seconds;   /* 0: from the start */
} SimLogOptions;

/* Answers @msg, a request of the kubelet server, with the log of
 * @container of pod @ns/@name: 404 text when the
 * pod or container is not ours, 400 when it has not started, else a
 * chunked text/plain body, streamed while it grows when options->follow. */
void sim_pod_log_serve (Sim *sim, SoupServerMessage *msg, const char *ns,
                        const char *name, const char *container,
                        const SimLogOptions *options);
/* @pod's containers exited, restarted or stopped, or @pod is forgotten:
 * the logs that follow it end (pod-lifecycle.c calls it). */
void sim_pod_log_changed (Sim *sim, SimPod *pod);
/* Ends every log response (shutting down). */
void sim_pod_logs_close_all (Sim *sim);
/* Reads the log annotations of a pod into @pod (and warns about bad
 * ones); sim_pod_log_clear() drops them. */
void sim_pod_log_read_annotations (SimPod *pod, JsonObject *annotations);
void sim_pod_log_clear (SimPod *pod);

/* ---- The simulator ------------------------------------------------------ */

struct _Sim
{
  SimOptions *options;
  GMainContext *context;
  GMainLoop *loop;
  KcClient *client;
  KcResource *nodes_resource, *pods_resource, *leases_resource,
      *namespaces_resource;
  SimTimers *timers;
  SimPump *pump;

  SimNode *nodes;
  guint n_nodes;
  GHashTable *node_by_name;   /* name (borrowed) -> SimNode* */
  guint n_registered;
  gboolean announced;
  gint64 origin_mono;         /* spreads periodic work */

  GHashTable *pods;           /* key (borrowed) -> SimPod* */
  gpointer pod_watch;         /* pod-watch.c's state */

  SoupServer *kubelet;        /* the kubelet endpoint */
  char *kubelet_address;      /* its host: every node's InternalIP */
  guint kubelet_port;
  GHashTable *log_streams;    /* pod key -> GList* of open log responses */

  gboolean stopping;
  guint n_nodes_left;         /* nodes still to delete on exit */
  int exit_status;
};

/* Ends the main loop once nothing is in flight (sim-main.c). */
void sim_quit_when_idle (Sim *sim);

G_END_DECLS
