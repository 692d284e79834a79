/* libcurl's multi interface driven by a GMainContext: each socket curl
 * wants watched is a GUnixFDSource, curl's timer is a timeout source.  One
 * multi handle per client, so connections are kept alive and reused.
 *
 * curl forbids adding/removing handles from inside its callbacks, and our
 * write callbacks run user code; so adds and removes made while curl is
 * dispatching are queued and applied once curl has returned. */
#include "client-private.h"

#include <glib-unix.h>

struct _KccCurlLoop
{
  CURLM *multi;
  GMainContext *context;
  GSource *timer;
  GHashTable *transfers; /* CURL* -> Transfer* */
  GPtrArray *pending_add, *pending_remove;
  guint dispatching;
  gboolean dying;  /* kcc_curl_loop_free() came while dispatching */
  gboolean in_curl; /* inside curl_multi_socket_action */
};

typedef struct
{
  KccCurlDoneFunc done;
  gpointer data;
  gboolean added;
} Transfer;

typedef struct
{
  KccCurlLoop *loop;
  curl_socket_t fd;
  GSource *source;
} Socket;

static void check_done (KccCurlLoop *loop);
static void loop_free (KccCurlLoop *loop);

static void
apply_pending (KccCurlLoop *loop)
{
  while (loop->pending_remove->len || loop->pending_add->len)
    {
      if (loop->pending_remove->len)
        {
          CURL *easy = g_ptr_array_steal_index (loop->pending_remove, 0);
          curl_multi_remove_handle (loop->multi, easy);
          curl_easy_cleanup (easy);
          continue;
        }
      CURL *easy = g_ptr_array_steal_index (loop->pending_add, 0);
      Transfer *t = g_hash_table_lookup (loop->transfers, easy);
      if (t && !t->added)
        {
          t->added = TRUE;
          curl_multi_add_handle (loop->multi, easy);
        }
    }
}

static void
socket_action (KccCurlLoop *loop, curl_socket_t fd, int events)
{
  int running = 0;
  loop->dispatching++;
  loop->in_curl = TRUE;
  curl_multi_socket_action (loop->multi, fd, events, &running);
  loop->in_curl = FALSE;
  if (loop->dispatching == 1 && !loop->dying)
    {
      apply_pending (loop);
      check_done (loop);
    }
  loop->dispatching--;
  if (loop->dispatching == 0 && loop->dying)
    loop_free (loop);
}

static void
check_done (KccCurlLoop *loop)
{
  CURLMsg *msg;
  int left;
  while (!loop->dying && (msg = curl_multi_info_read (loop->multi, &left)))
    {
      if (msg->msg != CURLMSG_DONE)
        continue;
      CURL *easy = msg->easy_handle;
      CURLcode result = msg->data.result;
      curl_multi_remove_handle (loop->multi, easy);
      Transfer *t = g_hash_table_lookup (loop->transfers, easy);
      if (!t)
        continue;
      KccCurlDoneFunc done = t->done;
      gpointer data = t->data;
      g_hash_table_remove (loop->transfers, easy);
      done (easy, result, data);
    }
}

static gboolean
on_socket (int fd, GIOCondition cond, gpointer user_data)
{
  KccCurlLoop *loop = ((Socket *) user_data)->loop;
  int events = 0;
  if (cond & G_IO_IN)
    events |= CURL_CSELECT_IN;
  if (cond & G_IO_OUT)
    events |= CURL_CSELECT_OUT;
  if (cond & (G_IO_ERR | G_IO_HUP))
    events |= CURL_CSELECT_ERR;
  /* May free the Socket: do not touch user_data afterwards. */
  socket_action (loop, fd, events);
  return G_SOURCE_CONTINUE;
}

static void
socket_free (Socket *s)
{
  if (s->source)
    {
      g_source_destroy (s->source);
      g_source_unref (s->source);
    }
  g_free (s);
}

static int
on_curl_socket (CURL *easy, curl_socket_t fd, int what, void *userp,
                void *socketp)
{
  KccCurlLoop *loop = userp;
  Socket *s = socketp;
  (void) easy;
  if (what == CURL_POLL_REMOVE)
    {
      if (s)
        socket_free (s);
      curl_multi_assign (loop->multi, fd, NULL);
      return 0;
    }
  if (!s)
    {
      s = g_new0 (Socket, 1);
      s->loop = loop;
      s->fd = fd;
      curl_multi_assign (loop->multi, fd, s);
    }
  if (s->source)
    {
      g_source_destroy (s->source);
      g_clear_pointer (&s->source, g_source_unref);
    }
  GIOCondition cond = G_IO_ERR | G_IO_HUP;
  if (what & CURL_POLL_IN)
    cond |= G_IO_IN;
  if (what & CURL_POLL_OUT)
    cond |= G_IO_OUT;
  s->source = g_unix_fd_source_new (fd, cond);
  g_source_set_callback (s->source, (GSourceFunc) (void (*) (void)) on_socket,
                         s, NULL);
  g_source_attach (s->source, loop->context);
  return 0;
}

static gboolean
on_timer (gpointer user_data)
{
  KccCurlLoop *loop = user_data;
  /* curl may set a new timer from inside socket_action. */
  g_clear_pointer (&loop->timer, g_source_unref);
  socket_action (loop, CURL_SOCKET_TIMEOUT, 0);
  return G_SOURCE_REMOVE;
}

static int
on_curl_timer (CURLM *multi, long timeout_ms, void *userp)
{
  KccCurlLoop *loop = userp;
  (void) multi;
  if (loop->timer)
    {
      g_source_destroy (loop->timer);
      g_clear_pointer (&loop->timer, g_source_unref);
    }
  if (timeout_ms < 0)
    return 0;
  loop->timer = g_timeout_source_new ((guint) timeout_ms);
  g_source_set_callback (loop->timer, on_timer, loop, NULL);
  g_source_attach (loop->timer, loop->context);
  return 0;
}

KccCurlLoop *
kcc_curl_loop_new (GMainContext *context)
{
  static gsize initialized = 0;
  if (g_once_init_enter (&initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&initialized, 1);
    }
  KccCurlLoop *loop = g_new0 (KccCurlLoop, 1);
  loop->context = g_main_context_ref (context);
  loop->multi = curl_multi_init ();
  loop->transfers = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  loop->pending_add = g_ptr_array_new ();
  loop->pending_remove = g_ptr_array_new ();
  curl_multi_setopt (loop->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
  curl_multi_setopt (loop->multi, CURLMOPT_SOCKETDATA, loop);
  curl_multi_setopt (loop->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt (loop->multi, CURLMOPT_TIMERDATA, loop);
  return loop;
}

void
kcc_curl_loop_free (KccCurlLoop *loop)
{
  if (loop->dispatching)
    {
      loop->dying = TRUE;
      return;
    }
  loop_free (loop);
}

static void
loop_free (KccCurlLoop *loop)
{
  GHashTableIter it;
  gpointer easy;
  g_hash_table_iter_init (&it, loop->transfers);
  while (g_hash_table_iter_next (&it, &easy, NULL))
    {
      curl_multi_remove_handle (loop->multi, easy);
      curl_easy_cleanup (easy);
    }
  g_hash_table_remove_all (loop->transfers);
  curl_multi_cleanup (loop->multi); /* closes sockets via CURL_POLL_REMOVE */
  if (loop->timer)
    {
      g_source_destroy (loop->timer);
      g_source_unref (loop->timer);
    }
  g_hash_table_unref (loop->transfers);
  g_ptr_array_unref (loop->pending_add);
  g_ptr_array_unref (loop->pending_remove);
  g_main_context_unref (loop->context);
  g_free (loop);
}

void
kcc_curl_loop_add (KccCurlLoop *loop, CURL *easy, KccCurlDoneFunc done,
                   gpointer data)
{
  Transfer *t = g_new0 (Transfer, 1);
  t->done = done;
  t->data = data;
  g_hash_table_insert (loop->transfers, easy, t);
  if (loop->in_curl)
    {
      g_ptr_array_add (loop->pending_add, easy);
      return;
    }
  t->added = TRUE;
  curl_multi_add_handle (loop->multi, easy);
}

void
kcc_curl_loop_remove (KccCurlLoop *loop, CURL *easy)
{
  Transfer *t = g_hash_table_lookup (loop->transfers, easy);
  if (!t)
    return;
  gboolean added = t->added;
  g_hash_table_remove (loop->transfers, easy);
  g_ptr_array_remove (loop->pending_add, easy);
  if (added && loop->in_curl)
    {
      g_ptr_array_add (loop->pending_remove, easy);
      return;
    }
  if (added)
    curl_multi_remove_handle (loop->multi, easy);
  curl_easy_cleanup (easy);
}
