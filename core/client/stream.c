/* KcStream: a streaming GET whose body is handed over chunk by chunk as
 * it arrives (a followed log); watch-stream.c builds KcWatch on it by
 * splitting the chunks into lines. */
#include "client-private.h"

struct _KcStream
{
  gint refcount;
  KcClient *client;
  KccRequest *req;
  KcStreamDataFunc on_data;
  KcStreamDoneFunc on_done;
  gpointer user_data;
  GDestroyNotify destroy;
  gboolean stopped;
};

static gboolean
on_chunk (const char *data, gsize len, gpointer user_data)
{
  KcStream *s = user_data;
  if (s->stopped)
    return FALSE;
  g_autoptr (GBytes) chunk = g_bytes_new (data, len);
  kc_stream_ref (s);
  if (s->on_data)
    s->on_data (s, chunk, s->user_data);
  gboolean more = !s->stopped;
  kc_stream_unref (s);
  return more;
}

static void
on_done (guint status, GBytes *body, const char *content_type,
         const GError *error, gpointer user_data)
{
  KcStream *s = user_data;
  s->req = NULL;
  if (s->stopped)
    return;
  s->stopped = TRUE;
  g_autoptr (GError) own = NULL;
  if (!error && (status < 200 || status >= 300))
    error = own = kcc_error_from_response (status, body);
  kc_stream_ref (s);
  if (s->on_done)
    s->on_done (s, error, s->user_data);
  kc_stream_unref (s);
}

KcStream *
kc_client_stream (KcClient *client, const char *path_and_query,
                  const char *accept, KcStreamDataFunc on_data,
                  KcStreamDoneFunc on_done_cb, gpointer user_data,
                  GDestroyNotify destroy)
{
  g_return_val_if_fail (KC_IS_CLIENT (client), NULL);
  g_return_val_if_fail (path_and_query != NULL, NULL);
  KcStream *s = g_new0 (KcStream, 1);
  s->refcount = 1;
  s->client = g_object_ref (client);
  s->on_data = on_data;
  s->on_done = on_done_cb;
  s->user_data = user_data;
  s->destroy = destroy;
  s->req = kcc_request_start (client, "GET", path_and_query, NULL, NULL,
                              accept, TRUE, on_chunk, on_done, s);
  return s;
}

void
kc_stream_stop (KcStream *stream)
{
  stream->stopped = TRUE;
  if (stream->req)
    kcc_request_cancel (g_steal_pointer (&stream->req));
}

KcStream *
kc_stream_ref (KcStream *stream)
{
  g_atomic_int_inc (&stream->refcount);
  return stream;
}

void
kc_stream_unref (KcStream *stream)
{
  if (!stream || !g_atomic_int_dec_and_test (&stream->refcount))
    return;
  kc_stream_stop (stream);
  if (stream->destroy)
    stream->destroy (stream->user_data);
  g_object_unref (stream->client);
  g_free (stream);
}
