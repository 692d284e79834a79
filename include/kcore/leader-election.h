/* Leader election on a coordination.k8s.io/v1 Lease, as client-go does it.
 * See docs/client-library.md.
 *
 * Safety: the elector stops leading (the stopped callback) when it has not
 * renewed for renew_deadline, measured on the monotonic clock from the
 * start of its last successful renew; renew_deadline < lease_duration, so
 * it stops before any other contender may consider the lease expired.
 * Every write is a PUT with the observed resourceVersion (409 on races).
 *
 * Threading: lives in its client's main context; call it from that thread;
 * callbacks run there. */
#pragma once

#include <kcore/client.h>

G_BEGIN_DECLS

typedef struct _KcLeaderElector KcLeaderElector;

typedef void (*KcLeaderFunc) (KcLeaderElector *elector, gpointer user_data);

/* Contends for Lease @namespace/@name as @identity (all copied).  Defaults:
 * lease 15 s, renew deadline 10 s, retry 2 s.  Keeps a reference to
 * @client.  Transfer full. */
KcLeaderElector *kc_leader_elector_new (KcClient *client,
                                        const char *namespace,
                                        const char *name,
                                        const char *identity);
/* Frees the elector; stops without releasing the lease (if leading, the
 * stopped callback is called first). */
void kc_leader_elector_free (KcLeaderElector *elector);

/* FALSE (and nothing changed) unless 0 < retry < renew_deadline <
 * lease_duration.  Before kc_leader_elector_start(). */
gboolean kc_leader_elector_set_durations (KcLeaderElector *elector,
                                          guint lease_duration_ms,
                                          guint renew_deadline_ms,
                                          guint retry_period_ms);
/* @started / @stopped may be NULL; @destroy frees @user_data. */
void kc_leader_elector_set_callbacks (KcLeaderElector *elector,
                                      KcLeaderFunc started,
                                      KcLeaderFunc stopped,
                                      gpointer user_data,
                                      GDestroyNotify destroy);

void kc_leader_elector_start (KcLeaderElector *elector);
gboolean kc_leader_elector_is_leader (KcLeaderElector *elector);
/* Borrowed; the holder this elector saw last (NULL if none). */
const char *kc_leader_elector_get_observed_holder (KcLeaderElector *elector);

/* Stops contending; if leading, calls stopped, then gives the lease up
 * (empty holderIdentity) so another contender takes over at once.
 * Completes with kc_leader_elector_release_finish(). */
void kc_leader_elector_release_async (KcLeaderElector *elector,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean kc_leader_elector_release_finish (KcLeaderElector *elector,
                                           GAsyncResult *result,
                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcLeaderElector, kc_leader_elector_free)

G_END_DECLS
