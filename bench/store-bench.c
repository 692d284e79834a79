/* store-bench: throughput and latency of a store plugin.
 *
 *   store-bench --plugin PATH.so [--option K=V]... [--data-dir DIR]
 *               [--ops N] [--compaction-revisions N]
 *
 * Prints one figure per line, "<metric> <value> <unit>".  See
 * bench/README.md for what each figure measures.
 */
#include "build-config.h"

#include "../tests/store/store-harness.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static char *opt_plugin;
static char **opt_options;
static char *opt_data_dir;
static gint opt_ops = 10000;
static gint opt_compaction_revisions = 200000;

static GBytes *value_1k;

/* ---- A pipeline: N operations with up to K of them in flight ------------ */

typedef struct Pipeline Pipeline;
typedef void (*IssueFunc) (Pipeline *p, guint i);
typedef gboolean (*FinishFunc) (Pipeline *p, guint i, GAsyncResult *result);

struct Pipeline
{
  KcTestStore *store;
  const char *prefix;
  guint n, next, done, in_flight, depth;
  gboolean finished;
  guint failures;
  IssueFunc issue;
  FinishFunc finish;
  guint n_keys;        /* updates: keys they cycle over */
  gint64 *mod_revs;    /* updates: each key's last mod_revision */
  gint64 *started_us;  /* per op, for latencies; nullable */
  GArray *latencies;   /* of double ms; nullable */
};

typedef struct
{
  Pipeline *p;
  guint i;
} PipeOp;

static void pipeline_fill (Pipeline *p);

static void
pipeline_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  PipeOp *op = data;
  Pipeline *p = op->p;
  if (!p->finish (p, op->i, result))
    p->failures++;
  if (p->latencies && p->started_us)
    {
      double ms = (g_get_monotonic_time () - p->started_us[op->i]) / 1000.0;
      g_array_append_val (p->latencies, ms);
    }
  g_free (op);
  p->done++;
  p->in_flight--;
  pipeline_fill (p);
}

static void
pipeline_fill (Pipeline *p)
{
  while (p->next < p->n && p->in_flight < p->depth)
    {
      guint i = p->next++;
      p->in_flight++;
      if (p->started_us)
        p->started_us[i] = g_get_monotonic_time ();
      p->issue (p, i);
    }
  if (p->done == p->n)
    p->finished = TRUE;
}

/* Runs @p to completion; returns the wall time in seconds. */
static double
pipeline_run (Pipeline *p)
{
  gint64 t0 = g_get_monotonic_time ();
  pipeline_fill (p);
  if (!kc_test_iterate_until (&p->finished, 3600 * 1000))
    g_error ("benchmark pipeline did not finish within an hour");
  if (p->failures > 0)
    g_error ("%u of %u operations failed (prefix %s)", p->failures, p->n,
             p->prefix);
  return (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
}

static void
issue_create (Pipeline *p, guint i)
{
  char key[128];
  g_snprintf (key, sizeof key, "%s%08u", p->prefix, i);
  PipeOp *op = g_new0 (PipeOp, 1);
  op->p = p;
  op->i = i;
  p->store->vt->create_async (p->store->self, key, value_1k, 0, NULL,
                              pipeline_cb, op);
}

static gboolean
finish_create (Pipeline *p, guint i, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  gint64 rev = p->store->vt->create_finish (p->store->self, result, &error);
  if (error)
    g_printerr ("create: %s\n", error->message);
  return rev > 0;
}

/* Updates cycle over n_keys keys; with mod_revs they are CAS updates that
 * expect each key's last mod_revision (so run them at depth 1). */
static void
issue_update (Pipeline *p, guint i)
{
  char key[128];
  guint k = i % p->n_keys;
  g_snprintf (key, sizeof key, "%s%08u", p->prefix, k);
  PipeOp *op = g_new0 (PipeOp, 1);
  op->p = p;
  op->i = i;
  p->store->vt->update_async (p->store->self, key, value_1k,
                              p->mod_revs ? p->mod_revs[k] : 0, NULL,
                              pipeline_cb, op);
}

static gboolean
finish_update (Pipeline *p, guint i, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  gint64 rev = p->store->vt->update_finish (p->store->self, result, NULL,
                                            &error);
  if (error)
    g_printerr ("update: %s\n", error->message);
  if (p->mod_revs && rev > 0)
    p->mod_revs[i % p->n_keys] = rev;
  return rev > 0;
}

static void
report (const char *metric, double value, const char *unit)
{
  printf ("%s %.*f %s\n", metric, value >= 100 ? 0 : value >= 1 ? 2 : 3,
          value, unit);
  fflush (stdout);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *v, double q)
{
  g_array_sort (v, cmp_double);
  if (v->len == 0)
    return 0;
  guint i = (guint) (q * (v->len - 1) + 0.5);
  return g_array_index (v, double, i);
}

/* ---- The figures --------------------------------------------------------- */

static void
bench_creates (KcTestStore *s)
{
  Pipeline one = { .store = s, .prefix = "/bench/seq/", .n = opt_ops,
                   .depth = 1, .issue = issue_create,
                   .finish = finish_create };
  report ("creates_per_s_1_writer", opt_ops / pipeline_run (&one), "ops/s");

  Pipeline many = { .store = s, .prefix = "/bench/par/", .n = opt_ops,
                    .depth = 64, .issue = issue_create,
                    .finish = finish_create };
  report ("creates_per_s_64_writers", opt_ops / pipeline_run (&many),
          "ops/s");
}

static void
bench_cas (KcTestStore *s)
{
  /* The keys of the sequential create run, at their create revision. */
  guint n_keys = MIN ((guint) opt_ops, 100u);
  g_autofree gint64 *mod_revs = g_new0 (gint64, n_keys);
  for (guint k = 0; k < n_keys; k++)
    {
      char key[64];
      g_snprintf (key, sizeof key, "/bench/seq/%08u", k);
      g_autoptr (GError) error = NULL;
      g_autoptr (KcStoreKv) kv = kc_test_get (s, key, 0, NULL, &error);
      if (kv == NULL)
        g_error ("get %s: %s", key, error->message);
      mod_revs[k] = kv->mod_revision;
    }
  Pipeline p = { .store = s, .prefix = "/bench/seq/", .n = opt_ops,
                 .depth = 1, .issue = issue_update, .finish = finish_update,
                 .n_keys = n_keys, .mod_revs = mod_revs };
  report ("update_cas_per_s", opt_ops / pipeline_run (&p), "ops/s");
}

static void
bench_range (KcTestStore *s)
{
  Pipeline fill = { .store = s, .prefix = "/bench/range/", .n = 10000,
                    .depth = 64, .issue = issue_create,
                    .finish = finish_create };
  pipeline_run (&fill);
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  for (int i = 0; i < 5; i++)
    {
      KcStoreRange range = { .prefix = "/bench/range/" };
      g_autoptr (GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (KcStoreRangeResult) r = kc_test_range (s, &range, &error);
      double ms = (g_get_monotonic_time () - t0) / 1000.0;
      if (r == NULL || r->kvs->len != 10000)
        g_error ("range of 10k keys: %s",
                 error ? error->message : "wrong number of keys");
      g_array_append_val (times, ms);
    }
  report ("range_10k_keys_ms", percentile (times, 0.5), "ms");
}

typedef struct
{
  gint64 written_us;
  gint64 seen_rev;
} WatchProbe;

static void
watch_probe_cb (const KcStoreEvent *events, guint n_events,
                const GError *error, gpointer user_data)
{
  WatchProbe *probe = user_data;
  if (error)
    g_error ("watch failed: %s", error->message);
  probe->seen_rev = events[n_events - 1].kv->mod_revision;
}

static void
bench_watch (KcTestStore *s)
{
  guint n = MIN ((guint) opt_ops, 2000u);
  g_autoptr (GError) error = NULL;
  if (kc_test_create (s, "/bench/watch/k", value_1k, 0, &error) <= 0)
    g_error ("create: %s", error->message);
  WatchProbe probe = { 0 };
  KcStoreWatch *w = s->vt->watch (s->self, "/bench/watch/", 0,
                                  watch_probe_cb, &probe, NULL);
  g_autoptr (GArray) lat = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < n; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      gint64 rev = kc_test_update (s, "/bench/watch/k", value_1k, 0, NULL,
                                   &error);
      if (rev <= 0)
        g_error ("update: %s", error->message);
      while (probe.seen_rev < rev)
        g_main_context_iteration (NULL, TRUE);
      double ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (lat, ms);
    }
  s->vt->watch_cancel (s->self, w);
  report ("watch_latency_p50_ms", percentile (lat, 0.5), "ms");
  report ("watch_latency_p99_ms", percentile (lat, 0.99), "ms");
}

typedef struct
{
  KcTestStore *store;
  gboolean compacting, compacted, stop;
  gint64 op_started;
  double max_during_ms, max_before_ms;
  guint writes_during;
} StallProbe;

static void stall_write (StallProbe *probe);

static void
stall_write_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  StallProbe *probe = data;
  g_autoptr (GError) error = NULL;
  if (probe->store->vt->update_finish (probe->store->self, result, NULL,
                                       &error) <= 0)
    g_error ("update during compaction: %s", error->message);
  double ms = (g_get_monotonic_time () - probe->op_started) / 1000.0;
  if (probe->compacting)
    {
      probe->max_during_ms = MAX (probe->max_during_ms, ms);
      probe->writes_during++;
    }
  else if (!probe->compacted)
    probe->max_before_ms = MAX (probe->max_before_ms, ms);
  if (!probe->stop)
    stall_write (probe);
  else
    probe->stop = FALSE; /* acknowledges the stop */
}

static void
stall_write (StallProbe *probe)
{
  probe->op_started = g_get_monotonic_time ();
  probe->store->vt->update_async (probe->store->self, "/bench/stall",
                                  value_1k, 0, NULL, stall_write_cb, probe);
}

typedef struct
{
  GAsyncResult *result;
  gboolean done;
} Done;

static void
done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Done *d = data;
  d->result = g_object_ref (result);
  d->done = TRUE;
}

static void
bench_compaction (KcTestStore *s)
{
  /* History to drop: updates cycling over 1000 keys. */
  const guint n_keys = 1000;
  Pipeline keys = { .store = s, .prefix = "/bench/compact/", .n = n_keys,
                    .depth = 64, .issue = issue_create,
                    .finish = finish_create };
  pipeline_run (&keys);
  guint updates = opt_compaction_revisions > (gint) n_keys
                      ? opt_compaction_revisions - n_keys : 0;
  Pipeline hist = { .store = s, .prefix = "/bench/compact/", .n = updates,
                    .depth = 64, .issue = issue_update,
                    .finish = finish_update, .n_keys = n_keys };
  double secs = pipeline_run (&hist);
  report ("history_writes_per_s_64_writers", updates / secs, "ops/s");

  g_autoptr (GError) error = NULL;
  if (kc_test_create (s, "/bench/stall", value_1k, 0, &error) <= 0)
    g_error ("create: %s", error->message);
  StallProbe probe = { .store = s };
  stall_write (&probe);
  kc_test_iterate_for (200);

  gint64 rev = kc_test_revision (s);
  Done done = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  probe.compacting = TRUE;
  s->vt->compact_async (s->self, rev, NULL, done_cb, &done);
  kc_test_iterate_until (&done.done, 3600 * 1000);
  double compact_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (!s->vt->compact_finish (s->self, done.result, &error))
    g_error ("compact to %" G_GINT64_FORMAT ": %s", rev, error->message);
  g_object_unref (done.result);
  /* A store may acknowledge the compaction and drop the history in the
   * background: keep measuring for a second after the acknowledgement. */
  kc_test_iterate_for (1000);
  probe.compacting = FALSE;
  probe.compacted = TRUE;
  probe.stop = TRUE;
  while (probe.stop)
    g_main_context_iteration (NULL, TRUE);

  report ("compaction_ms", compact_ms, "ms");
  report ("compaction_max_write_stall_ms", probe.max_during_ms, "ms");
  report ("write_latency_max_before_compaction_ms", probe.max_before_ms,
          "ms");
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "plugin", 0, 0, G_OPTION_ARG_FILENAME, &opt_plugin,
      "the store plugin module", "PATH.so" },
    { "option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_options,
      "an option of the plugin's [store] group (repeatable)", "KEY=VALUE" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
      "data directory (default: a temporary one, removed at the end)",
      "DIR" },
    { "ops", 0, 0, G_OPTION_ARG_INT, &opt_ops,
      "operations per throughput figure (default 10000)", "N" },
    { "compaction-revisions", 0, 0, G_OPTION_ARG_INT,
      &opt_compaction_revisions,
      "revisions written before the compaction (default 200000)", "N" },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "- benchmark a kcore store plugin");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("store-bench: %s\n", error->message);
      return 2;
    }
  if (opt_plugin == NULL || opt_ops < 1 || opt_compaction_revisions < 0)
    {
      g_printerr ("store-bench: --plugin PATH.so is required (see --help)\n");
      return 2;
    }

  KcTestPlugin *plugin = kc_test_plugin_load (
      opt_plugin, (const char *const *) opt_options, &error);
  if (plugin == NULL)
    {
      g_printerr ("store-bench: %s\n", error->message);
      return 2;
    }
  gboolean own_dir = opt_data_dir == NULL;
  g_autofree char *dir = own_dir ? g_dir_make_tmp ("store-bench-XXXXXX",
                                                   &error)
                                 : g_canonicalize_filename (opt_data_dir,
                                                            NULL);
  if (dir == NULL || g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_printerr ("store-bench: data directory %s: %s\n",
                  dir ? dir : "(temporary)",
                  error ? error->message : g_strerror (errno));
      return 2;
    }
  KcTestStore *s = kc_test_store_open (plugin, dir, &error);
  if (s == NULL)
    {
      g_printerr ("store-bench: %s\n", error->message);
      return 2;
    }

  guint8 raw[1024];
  for (guint i = 0; i < sizeof raw; i++)
    raw[i] = (guint8) g_random_int ();
  value_1k = g_bytes_new (raw, sizeof raw);

  printf ("# plugin %s (%s), ops %d, compaction revisions %d, data %s\n",
          kc_test_plugin_get_name (plugin), opt_plugin, opt_ops,
          opt_compaction_revisions, dir);
  bench_creates (s);
  bench_cas (s);
  bench_range (s);
  bench_watch (s);
  bench_compaction (s);

  kc_test_store_close (s);
  kc_test_plugin_free (plugin);
  g_bytes_unref (value_1k);
  if (own_dir)
    kc_test_rm_rf (dir);
  return 0;
}
