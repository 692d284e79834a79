/* Filter, score, select (sched-algorithm.h), as Kubernetes' scheduler
 * does it: pre-filter once; filter nodes in parallel from a rotating start
 * until enough feasible ones are found; score those with every scoring
 * policy, normalize, weight, sum; take the best (ties at random). */
#include "build-config.h"

#include "sched-algorithm.h"

#include <string.h>

#define MIN_FEASIBLE_NODES_TO_FIND 100
#define MIN_FEASIBLE_NODES_PERCENTAGE 5
#define FILTER_CHUNK 32
#define SCORE_CHUNK 16

struct _KcSchedAlgorithm
{
  guint percentage;
  KcSchedParallel *parallel;
  guint next_start; /* rotates, so every node gets its turn */
  GRand *rand;
};

/* Node verdicts of one filter pass. */
enum
{
  NOT_EVALUATED = 0,
  FEASIBLE = 1,
  FILTERED = 2,
};

typedef struct
{
  const KcSchedProfile *profile;
  KcSchedCycle *cycle;
  const KcSchedPod *pod;
  const KcSchedSnapshot *snapshot;
  const gboolean *filter_on; /* per policy: pre_filter did not skip */
  guint start;
  guint n_nodes;
  guint to_find;
  gint found;          /* atomic */
  guint8 *verdict;     /* per rotated index */
  GPtrArray **reasons; /* per rotated index, or NULL */
  gint error;          /* atomic: a filter answered ERROR */
} FilterPass;

KcSchedAlgorithm *
kc_sched_algorithm_new (guint percentage_of_nodes_to_score, guint parallelism)
{
  KcSchedAlgorithm *a = g_new0 (KcSchedAlgorithm, 1);
  a->percentage = MIN (percentage_of_nodes_to_score, 100);
  a->parallel = kc_sched_parallel_new (parallelism);
  a->rand = g_rand_new ();
  return a;
}

void
kc_sched_algorithm_free (KcSchedAlgorithm *a)
{
  if (a == NULL)
    return;
  kc_sched_parallel_free (a->parallel);
  g_rand_free (a->rand);
  g_free (a);
}

void
kc_sched_decision_clear (KcSchedDecision *decision)
{
  g_clear_pointer (&decision->message, g_free);
}

guint
kc_sched_algorithm_nodes_to_find (KcSchedAlgorithm *a, guint n_nodes)
{
  if (n_nodes < MIN_FEASIBLE_NODES_TO_FIND || a->percentage == 100)
    return n_nodes;
  gint64 pct = a->percentage;
  if (pct == 0)
    pct = MAX (50 - (gint64)n_nodes / 125, MIN_FEASIBLE_NODES_PERCENTAGE);
  guint n = (guint)((gint64)n_nodes * pct / 100);
  return MAX (n, MIN_FEASIBLE_NODES_TO_FIND);
}

static const KcSchedPolicy *
policy_at (const KcSchedProfile *profile, guint i)
{
  return &g_array_index (profile->policies, KcSchedPolicy, i);
}

static char *
join_reasons (GPtrArray *reasons)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < reasons->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
                            (const char *)g_ptr_array_index (reasons, i));
  return g_string_free (s, FALSE);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had ...", the
 * counts sorted as strings, as Kubernetes prints them. */
static char *
unschedulable_message (FilterPass *pass, guint n_all)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < pass->n_nodes; i++)
    for (guint j = 0; pass->reasons[i] && j < pass->reasons[i]->len; j++)
      {
        const char *r = g_ptr_array_index (pass->reasons[i], j);
        guint c = GPOINTER_TO_UINT (g_hash_table_lookup (counts, r));
        g_hash_table_insert (counts, (gpointer)r, GUINT_TO_POINTER (c + 1));
      }
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, counts);
  while (g_hash_table_iter_next (&it, &key, &value))
    g_ptr_array_add (parts, g_strdup_printf ("%u %s", GPOINTER_TO_UINT (value),
                                             (const char *)key));
  g_ptr_array_sort (parts, compare_strings);
  g_autofree char *joined = join_reasons (parts);
  return g_strdup_printf ("0/%u nodes are available: %s.", n_all,
                          *joined ? joined : "no node passed the filters");
}

/* Runs the profile's filters on one node; FALSE when it fails, with the
 * reasons moved from @scratch (a reusable empty array) into @reasons. */
static gboolean
filter_node (FilterPass *pass, const KcSchedNode *node, GPtrArray **scratch,
             GPtrArray **reasons)
{
  const KcSchedProfile *profile = pass->profile;
  for (guint p = 0; p < profile->policies->len; p++)
    {
      const KcSchedPolicy *policy = policy_at (profile, p);
      if (!pass->filter_on[p])
        continue;
      KcSchedCode code = policy->vt->filter (policy->self, pass->cycle,
                                             pass->pod, node, *scratch);
      if (code == KC_SCHED_SUCCESS || code == KC_SCHED_SKIP)
        {
          g_ptr_array_set_size (*scratch, 0);
          continue;
        }
      if (code == KC_SCHED_ERROR)
        g_atomic_int_set (&pass->error, 1);
      if ((*scratch)->len == 0)
        g_ptr_array_add (
            *scratch,
            g_strdup_printf ("node(s) were rejected by %s", policy->name));
      *reasons = *scratch;
      *scratch = g_ptr_array_new_with_free_func (g_free);
      return FALSE;
    }
  return TRUE;
}

static gboolean
filter_chunk (guint begin, guint end, gpointer data)
{
  FilterPass *pass = data;
  g_autoptr (GPtrArray) scratch = g_ptr_array_new_with_free_func (g_free);
  for (guint i = begin; i < end; i++)
    {
      const KcSchedNode *node = kc_sched_snapshot_get_node (
          pass->snapshot, (pass->start + i) % pass->n_nodes);
      if (filter_node (pass, node, &scratch, &pass->reasons[i]))
        {
          pass->verdict[i] = FEASIBLE;
          if ((guint)g_atomic_int_add (&pass->found, 1) + 1 >= pass->to_find)
            return FALSE;
        }
      else
        pass->verdict[i] = FILTERED;
    }
  return TRUE;
}

/* Pre-filters; FALSE when one of them ends the cycle (@decision says
 * why). */
static gboolean
pre_filter (const KcSchedProfile *profile, KcSchedCycle *cycle,
            const KcSchedPod *pod, const KcSchedSnapshot *snapshot,
            gboolean *filter_on, KcSchedDecision *decision)
{
  for (guint p = 0; p < profile->policies->len; p++)
    {
      const KcSchedPolicy *policy = policy_at (profile, p);
      filter_on[p] = KC_VTABLE_HAS (policy->vt, KcSchedulerVtable, filter);
      if (!KC_VTABLE_HAS (policy->vt, KcSchedulerVtable, pre_filter))
        continue;
      g_autoptr (GPtrArray) reasons = g_ptr_array_new_with_free_func (g_free);
      KcSchedCode code = policy->vt->pre_filter (policy->self, cycle, pod,
                                                 snapshot, reasons);
      if (code == KC_SCHED_SKIP)
        filter_on[p] = FALSE;
      if (code == KC_SCHED_SUCCESS || code == KC_SCHED_SKIP)
        continue;
      g_autofree char *why
          = reasons->len ? join_reasons (reasons)
                         : g_strdup_printf ("rejected by %s", policy->name);
      decision->code
          = code == KC_SCHED_ERROR ? KC_SCHED_ERROR : KC_SCHED_UNSCHEDULABLE;
      decision->message
          = code == KC_SCHED_ERROR
                ? g_strdup_printf ("%s: %s", policy->name, why)
                : g_strdup_printf ("0/%u nodes are available: %s.",
                                   kc_sched_snapshot_get_n_nodes (snapshot),
                                   why);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const KcSchedProfile *profile;
  KcSchedCycle *cycle;
  const KcSchedPod *pod;
  const KcSchedNode **nodes;
  const gboolean *score_on;
  gint64 **scores; /* per policy, per node */
} ScorePass;

static gboolean
score_chunk (guint begin, guint end, gpointer data)
{
  ScorePass *pass = data;
  for (guint p = 0; p < pass->profile->policies->len; p++)
    {
      const KcSchedPolicy *policy = policy_at (pass->profile, p);
      if (!pass->score_on[p])
        continue;
      for (guint i = begin; i < end; i++)
        pass->scores[p][i] = policy->vt->score (policy->self, pass->cycle,
                                                pass->pod, pass->nodes[i]);
    }
  return TRUE;
}

/* The index of the best total, ties broken uniformly at random. */
static guint
select_best (KcSchedAlgorithm *a, const gint64 *totals, guint n)
{
  guint best = 0, ties = 1;
  for (guint i = 1; i < n; i++)
    {
      if (totals[i] > totals[best])
        {
          best = i;
          ties = 1;
        }
      else if (totals[i] == totals[best]
               && g_rand_int_range (a->rand, 0, (gint32)++ties) == 0)
        best = i;
    }
  return best;
}

static const KcSchedNode *
score_and_select (KcSchedAlgorithm *a, const KcSchedProfile *profile,
                  KcSchedCycle *cycle, const KcSchedPod *pod,
                  const KcSchedSnapshot *snapshot, const KcSchedNode **nodes,
                  guint n)
{
  guint n_policies = profile->policies->len;
  g_autofree gboolean *score_on = g_new0 (gboolean, n_policies);
  g_autofree gint64 **scores = g_new0 (gint64 *, n_policies);
  g_autofree gint64 *matrix = g_new0 (gint64, (gsize)n_policies * n);
  g_autofree gint64 *totals = g_new0 (gint64, n);
  gboolean any = FALSE;

  for (guint p = 0; p < n_policies; p++)
    {
      const KcSchedPolicy *policy = policy_at (profile, p);
      scores[p] = matrix + (gsize)p * n;
      if (!KC_VTABLE_HAS (policy->vt, KcSchedulerVtable, score))
        continue;
      score_on[p] = TRUE;
      if (KC_VTABLE_HAS (policy->vt, KcSchedulerVtable, pre_score)
          && policy->vt->pre_score (policy->self, cycle, pod, snapshot, nodes,
                                    n)
                 == KC_SCHED_SKIP)
        score_on[p] = FALSE;
      any |= score_on[p];
    }
  if (!any)
    return nodes[g_rand_int_range (a->rand, 0, (gint32)n)];

  ScorePass pass = { profile, cycle, pod, nodes, score_on, scores };
  kc_sched_parallel_for (a->parallel, n, SCORE_CHUNK, score_chunk, &pass);

  for (guint p = 0; p < n_policies; p++)
    {
      const KcSchedPolicy *policy = policy_at (profile, p);
      if (!score_on[p])
        continue;
      if (KC_VTABLE_HAS (policy->vt, KcSchedulerVtable, normalize_scores))
        policy->vt->normalize_scores (policy->self, cycle, pod, nodes,
                                      scores[p], n);
      for (guint i = 0; i < n; i++)
        totals[i]
            += CLAMP (scores[p][i], 0, KC_SCHED_MAX_SCORE) * policy->weight;
    }
  return nodes[select_best (a, totals, n)];
}

static void
free_reasons (GPtrArray **reasons, guint n)
{
  for (guint i = 0; i < n; i++)
    if (reasons[i])
      g_ptr_array_unref (reasons[i]);
}

void
kc_sched_algorithm_decide (KcSchedAlgorithm *a, const KcSchedProfile *profile,
                           KcSchedCycle *cycle, const KcSchedPod *pod,
                           const KcSchedSnapshot *snapshot,
                           KcSchedDecision *decision)
{
  guint n_nodes = kc_sched_snapshot_get_n_nodes (snapshot);
  memset (decision, 0, sizeof *decision);
  if (n_nodes == 0)
    {
      decision->code = KC_SCHED_UNSCHEDULABLE;
      decision->message = g_strdup (
          "0/0 nodes are available: no nodes available to schedule pods.");
      return;
    }
  g_autofree gboolean *filter_on = g_new0 (gboolean, profile->policies->len);
  if (!pre_filter (profile, cycle, pod, snapshot, filter_on, decision))
    return;

  FilterPass pass = {
    .profile = profile,
    .cycle = cycle,
    .pod = pod,
    .snapshot = snapshot,
    .filter_on = filter_on,
    .start = a->next_start % n_nodes,
    .n_nodes = n_nodes,
    .to_find = kc_sched_algorithm_nodes_to_find (a, n_nodes),
  };
  g_autofree guint8 *verdict = g_new0 (guint8, n_nodes);
  g_autofree GPtrArray **reasons = g_new0 (GPtrArray *, n_nodes);
  pass.verdict = verdict;
  pass.reasons = reasons;
  guint processed = kc_sched_parallel_for (a->parallel, n_nodes, FILTER_CHUNK,
                                           filter_chunk, &pass);
  a->next_start = (pass.start + processed) % n_nodes;

  g_autofree const KcSchedNode **feasible
      = g_new (const KcSchedNode *, n_nodes);
  guint n_feasible = 0;
  for (guint i = 0; i < n_nodes && n_feasible < pass.to_find; i++)
    if (verdict[i] == FEASIBLE)
      feasible[n_feasible++]
          = kc_sched_snapshot_get_node (snapshot, (pass.start + i) % n_nodes);
  decision->n_evaluated = processed;
  decision->n_feasible = n_feasible;

  if (n_feasible == 0)
    {
      decision->code = g_atomic_int_get (&pass.error) ? KC_SCHED_ERROR
                                                      : KC_SCHED_UNSCHEDULABLE;
      decision->message = unschedulable_message (&pass, n_nodes);
    }
  else
    {
      decision->code = KC_SCHED_SUCCESS;
      decision->node = n_feasible == 1
                           ? feasible[0]
                           : score_and_select (a, profile, cycle, pod,
                                               snapshot, feasible, n_feasible);
    }
  free_reasons (reasons, n_nodes);
}
