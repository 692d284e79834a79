/* The parallel for of sched-parallel.h on a GThreadPool. */
#include "build-config.h"

#include "sched-parallel.h"

struct _KcSchedParallel
{
  guint threads;
  GThreadPool *pool;
};

typedef struct
{
  guint n;
  guint chunk;
  gint next;      /* next chunk start, atomic */
  gint stop;      /* atomic flag */
  gint processed; /* atomic */
  KcSchedChunkFunc func;
  gpointer data;
  GMutex lock;
  GCond done;
  guint running; /* helpers not finished, under lock */
} Job;

static void
work (Job *job)
{
  while (!g_atomic_int_get (&job->stop))
    {
      guint begin = (guint)g_atomic_int_add (&job->next, (gint)job->chunk);
      if (begin >= job->n)
        break;
      guint end = MIN (begin + job->chunk, job->n);
      g_atomic_int_add (&job->processed, (gint)(end - begin));
      if (!job->func (begin, end, job->data))
        g_atomic_int_set (&job->stop, 1);
    }
}

static void
helper_thread (gpointer item, gpointer user_data)
{
  Job *job = item;
  (void)user_data;
  work (job);
  g_mutex_lock (&job->lock);
  job->running--;
  g_cond_signal (&job->done);
  g_mutex_unlock (&job->lock);
}

KcSchedParallel *
kc_sched_parallel_new (guint threads)
{
  KcSchedParallel *p = g_new0 (KcSchedParallel, 1);
  p->threads = MAX (threads, 1);
  if (p->threads > 1)
    p->pool = g_thread_pool_new (helper_thread, NULL, (gint)p->threads - 1,
                                 TRUE, NULL);
  return p;
}

void
kc_sched_parallel_free (KcSchedParallel *p)
{
  if (p == NULL)
    return;
  if (p->pool)
    g_thread_pool_free (p->pool, FALSE, TRUE);
  g_free (p);
}

guint
kc_sched_parallel_for (KcSchedParallel *p, guint n, guint chunk,
                       KcSchedChunkFunc func, gpointer data)
{
  Job job = { .n = n, .chunk = MAX (chunk, 1), .func = func, .data = data };
  guint helpers = 0;

  if (p->pool && n > job.chunk)
    helpers = MIN (p->threads - 1, (n + job.chunk - 1) / job.chunk - 1);
  g_mutex_init (&job.lock);
  g_cond_init (&job.done);
  job.running = helpers;
  for (guint i = 0; i < helpers; i++)
    g_thread_pool_push (p->pool, &job, NULL);
  work (&job);
  g_mutex_lock (&job.lock);
  while (job.running > 0)
    g_cond_wait (&job.done, &job.lock);
  g_mutex_unlock (&job.lock);
  g_mutex_clear (&job.lock);
  g_cond_clear (&job.done);
  return MIN ((guint)job.processed, n);
}
