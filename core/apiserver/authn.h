/* Authentication of API requests: bearer tokens from a static token file
 * in kube-apiserver's format (--token-auth-file).  Internal to the
 * daemon; main thread only. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _KcAuthn KcAuthn;

/* Who a token belongs to.  Strings are borrowed from the KcAuthn. */
typedef struct
{
  const char *user;
  const char *uid;
  const char *const *groups; /* NULL-terminated, maybe empty */
} KcAuthnUser;

/* Reads @path: CSV lines "token,user,uid[,\"group1,group2\"]"; blank lines
 * and lines starting with '#' are skipped.  Errors name
 * "[apiserver] token-auth-file=PATH:LINE".  (transfer full) */
KcAuthn *kc_authn_new_from_token_file (const char *path, GError **error);
void kc_authn_free (KcAuthn *authn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KcAuthn, kc_authn_free)

/* The number of tokens loaded. */
guint kc_authn_get_size (const KcAuthn *authn);

/* The user whose token @authorization ("Bearer TOKEN", the request's
 * Authorization header; nullable) carries, or NULL.  Tokens are compared
 * in constant time.  (transfer none) */
const KcAuthnUser *kc_authn_authenticate (const KcAuthn *authn,
                                          const char *authorization);

/* TRUE when @path needs no credentials: GET/HEAD of the health and
 * version endpoints, which load balancers and probes read. */
gboolean kc_authn_is_public (const char *method, const char *path);

/* Checks @msg's credentials; when they are missing or unknown, sets its
 * response to a 401 Unauthorized Status and returns FALSE. */
gboolean kc_authn_check (const KcAuthn *authn, SoupServerMessage *msg);

G_END_DECLS
