/* Test helpers for tests/client: a real kcore apiserver on a free loopback
 * port (stopped by its PID), and synchronous wrappers that run the main
 * loop until an async client call completes. */
#pragma once

#include <kcore/kcore.h>
#include <sys/types.h>

typedef struct
{
  GPid pid;
  char *dir;
  char *conf;
  guint port;
  char *url;
  char **sets;
} KctServer;

/* Starts "kcore --component apiserver" with @store ("memory"/"sqlite") and
 * extra --set @sets; waits until it answers.  Aborts the test on failure. */
KctServer *kct_server_start (const char *store, const char *const *sets);
/* Sends @sig to the server and reaps it. */
void kct_server_kill (KctServer *server, int sig);
/* Starts it again on the same port and data directory. */
void kct_server_restart (KctServer *server);
/* SIGTERM, reap, remove the data directory. */
void kct_server_free (KctServer *server);
guint kct_free_port (void);

KcClient *kct_client_new (const char *url);
/* Runs the thread-default main context until *@done is TRUE or @timeout_ms
 * passed; returns *@done. */
gboolean kct_wait (gboolean *done, guint timeout_ms);
/* Synchronous request (iterates the loop).  Transfer full. */
JsonNode *kct_request (KcClient *client, const char *method, const char *path,
                       const char *body_json, GError **error);
JsonNode *kct_json (const char *text);
