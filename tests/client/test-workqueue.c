/* Work queue semantics: dedup, in-flight exclusion, back-off timing,
 * delayed adds, the overall bucket, shutdown drain, the ready callback. */
#include <kcore/workqueue.h>

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

/* Runs the loop until @key comes out of get(); returns the time it took. */
static gint64
time_until_get (KcWorkQueue *q, const char *key, guint timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < timeout_ms * 1000)
    {
      g_autofree char *got = kc_workqueue_get (q);
      if (got)
        {
          g_assert_cmpstr (got, ==, key);
          kc_workqueue_done (q, got);
          return (g_get_monotonic_time () - start) / 1000;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
  return -1;
}

static void
test_dedup (void)
{
  g_autoptr (KcWorkQueue) q = kc_workqueue_new ("t");
  kc_workqueue_add (q, "a");
  kc_workqueue_add (q, "b");
  kc_workqueue_add (q, "a");
  g_assert_cmpuint (kc_workqueue_len (q), ==, 2);
  g_autofree char *k1 = kc_workqueue_get (q);
  g_autofree char *k2 = kc_workqueue_get (q);
  g_assert_cmpstr (k1, ==, "a");
  g_assert_cmpstr (k2, ==, "b");
  g_assert_null (kc_workqueue_get (q));
  kc_workqueue_done (q, k1);
  kc_workqueue_done (q, k2);
}

static void
test_in_flight (void)
{
  g_autoptr (KcWorkQueue) q = kc_workqueue_new ("t");
  kc_workqueue_add (q, "a");
  g_autofree char *k = kc_workqueue_get (q);
  g_assert_cmpstr (k, ==, "a");
  /* Re-added while in flight: not handed out again until done(). */
  kc_workqueue_add (q, "a");
  kc_workqueue_add (q, "a");
  g_assert_null (kc_workqueue_get (q));
  g_assert_cmpuint (kc_workqueue_len (q), ==, 0);
  kc_workqueue_done (q, "a");
  g_assert_cmpuint (kc_workqueue_len (q), ==, 1);
  g_autofree char *again = kc_workqueue_get (q);
  g_assert_cmpstr (again, ==, "a");
  kc_workqueue_done (q, "a");
  g_assert_null (kc_workqueue_get (q));
}

static void
test_backoff (void)
{
  g_autoptr (KcWorkQueue) q = kc_workqueue_new_full ("t", 50, 400, 0, 0);
  guint expect[] = { 50, 100, 200, 400, 400 };
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      kc_workqueue_add_rate_limited (q, "k");
      g_assert_cmpuint (kc_workqueue_num_requeues (q, "k"), ==, i + 1);
      gint64 took = time_until_get (q, "k", 2000);
      g_test_message ("attempt %u: %" G_GINT64_FORMAT " ms (expect %u)", i,
                      took, expect[i]);
      g_assert_cmpint (took, >=, expect[i] - 5);
      g_assert_cmpint (took, <, expect[i] + 150);
    }
  kc_workqueue_forget (q, "k");
  g_assert_cmpuint (kc_workqueue_num_requeues (q, "k"), ==, 0);
  kc_workqueue_add_rate_limited (q, "k");
  gint64 took = time_until_get (q, "k", 2000);
  g_assert_cmpint (took, <, 50 + 150);
}

static void
test_bucket (void)
{
  /* Overall bucket 20 QPS burst 1, per-item back-off tiny: 10 distinct
   * keys take about 0.45 s. */
  g_autoptr (KcWorkQueue) q = kc_workqueue_new_full ("t", 1, 1, 20, 1);
  gint64 start = g_get_monotonic_time ();
  char name[8];
  for (int i = 0; i < 10; i++)
    {
      g_snprintf (name, sizeof name, "k%d", i);
      kc_workqueue_add_rate_limited (q, name);
    }
  int got = 0;
  while (got < 10 && g_get_monotonic_time () - start < 3000000)
    {
      g_autofree char *k = kc_workqueue_get (q);
      if (k)
        {
          got++;
          kc_workqueue_done (q, k);
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
  gint64 took = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (got, ==, 10);
  g_assert_cmpint (took, >=, 400);
}

static void
test_add_after (void)
{
  g_autoptr (KcWorkQueue) q = kc_workqueue_new ("t");
  kc_workqueue_add_after (q, "d", 300);
  kc_workqueue_add_after (q, "d", 100); /* earlier wins */
  kc_workqueue_add_after (q, "d", 500); /* later ignored */
  g_assert_null (kc_workqueue_get (q));
  gint64 took = time_until_get (q, "d", 2000);
  g_assert_cmpint (took, >=, 95);
  g_assert_cmpint (took, <, 250);
  /* Only once. */
  spin (600);
  g_assert_null (kc_workqueue_get (q));
}

static void
on_ready (KcWorkQueue *q, gpointer data)
{
  (void) q;
  (*(int *) data)++;
}

static void
test_ready_and_shutdown (void)
{
  g_autoptr (KcWorkQueue) q = kc_workqueue_new ("t");
  int ready = 0;
  kc_workqueue_set_ready_func (q, on_ready, &ready, NULL);
  kc_workqueue_add (q, "a");
  kc_workqueue_add (q, "b");
  g_assert_cmpint (ready, ==, 0); /* from an idle, not re-entrantly */
  spin (20);
  g_assert_cmpint (ready, ==, 1);
  g_autofree char *a = kc_workqueue_get (q);
  kc_workqueue_add_after (q, "late", 50);
  kc_workqueue_shutdown (q);
  g_assert_true (kc_workqueue_is_shutting_down (q));
  kc_workqueue_add (q, "c"); /* ignored */
  g_assert_false (kc_workqueue_is_drained (q));
  g_autofree char *b = kc_workqueue_get (q); /* still handed out */
  g_assert_cmpstr (b, ==, "b");
  g_assert_null (kc_workqueue_get (q));
  kc_workqueue_done (q, a);
  g_assert_false (kc_workqueue_is_drained (q));
  kc_workqueue_done (q, b);
  g_assert_true (kc_workqueue_is_drained (q));
  spin (150);
  g_assert_null (kc_workqueue_get (q)); /* delayed add dropped */
  g_assert_cmpint (ready, ==, 2); /* drained notification */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client/workqueue/dedup", test_dedup);
  g_test_add_func ("/client/workqueue/in-flight", test_in_flight);
  g_test_add_func ("/client/workqueue/backoff", test_backoff);
  g_test_add_func ("/client/workqueue/bucket", test_bucket);
  g_test_add_func ("/client/workqueue/add-after", test_add_after);
  g_test_add_func ("/client/workqueue/ready-shutdown",
                   test_ready_and_shutdown);
  return g_test_run ();
}
