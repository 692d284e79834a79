/* A token bucket on the monotonic clock: @burst tokens, refilled at @qps. */
#include "client-private.h"

struct _KccRateLimiter
{
  double qps;
  double burst;
  double tokens;
  gint64 last; /* µs, monotonic */
};

KccRateLimiter *
kcc_rate_limiter_new (double qps, guint burst)
{
  KccRateLimiter *l = g_new0 (KccRateLimiter, 1);
  l->qps = qps;
  l->burst = MAX (burst, 1);
  l->tokens = l->burst;
  l->last = g_get_monotonic_time ();
  return l;
}

void
kcc_rate_limiter_free (KccRateLimiter *limiter)
{
  g_free (limiter);
}

gint64
kcc_rate_limiter_reserve (KccRateLimiter *l)
{
  if (!l || l->qps <= 0)
    return 0;
  gint64 now = g_get_monotonic_time ();
  l->tokens = MIN (l->burst, l->tokens + (now - l->last) * l->qps / 1e6);
  l->last = now;
  l->tokens -= 1;
  if (l->tokens >= 0)
    return 0;
  return (gint64) (-l->tokens / l->qps * 1e6);
}
