/* KcWatch: a KcStream (stream.c) of GET ?watch=1 whose body is split
 * into lines as it arrives; each line is one JSON watch event. */
#include "client-private.h"

struct _KcWatch
{
  gint refcount;
  KcStream *stream;
  GString *line;
  KcWatchEventFunc on_event;
  KcWatchDoneFunc on_done;
  gpointer user_data;
  GDestroyNotify destroy;
  gboolean stopped;
};

static void
deliver_line (KcWatch *w, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = kcc_json_from_data (text, len, &error);
  const char *type = kcc_json_get_string (node, "type");
  JsonNode *object = node && JSON_NODE_HOLDS_OBJECT (node)
    ? json_object_get_member (json_node_get_object (node), "object") : NULL;
  if (!type || !object)
    {
      g_warning ("watch: ignoring a line that is not a watch event: %.*s",
                 (int) MIN (len, 200), text);
      return;
    }
  w->on_event (w, type, object, w->user_data);
}

static void
on_chunk (KcStream *stream, GBytes *chunk, gpointer user_data)
{
  KcWatch *w = user_data;
  gsize len = 0;
  const char *data = g_bytes_get_data (chunk, &len);
  g_string_append_len (w->line, data, (gssize) len);
  kc_watch_ref (w);
  gsize start = 0;
  for (gsize i = 0; i < w->line->len && !w->stopped; i++)
    if (w->line->str[i] == '\n')
      {
        if (i > start)
          deliver_line (w, w->line->str + start, i - start);
        start = i + 1;
      }
  if (!w->stopped)
    g_string_erase (w->line, 0, (gssize) start);
  kc_watch_unref (w);
}

static void
on_done (KcStream *stream, const GError *error, gpointer user_data)
{
  KcWatch *w = user_data;
  if (w->stopped)
    return;
  w->stopped = TRUE;
  kc_watch_ref (w);
  if (w->on_done)
    w->on_done (w, error, w->user_data);
  kc_watch_unref (w);
}

KcWatch *
kc_client_watch_full (KcClient *client, const KcResource *resource,
                      const char *namespace, const KcListOptions *options,
                      const char *accept, KcWatchEventFunc on_event,
                      KcWatchDoneFunc on_done_cb, gpointer user_data,
                      GDestroyNotify destroy)
{
  g_return_val_if_fail (KC_IS_CLIENT (client), NULL);
  KcWatch *w = g_new0 (KcWatch, 1);
  w->refcount = 1;
  w->line = g_string_new (NULL);
  w->on_event = on_event;
  w->on_done = on_done_cb;
  w->user_data = user_data;
  w->destroy = destroy;
  g_autofree char *path = kc_resource_build_path (resource, namespace, NULL,
                                                  NULL);
  g_autofree char *query = kc_list_options_to_query (options, TRUE);
  g_autofree char *full = g_strconcat (path, "?", query, NULL);
  /* The stream does not own @w: @w owns it, and stops it first. */
  w->stream = kc_client_stream (client, full, accept, on_chunk, on_done, w,
                                NULL);
  return w;
}

KcWatch *
kc_client_watch (KcClient *client, const KcResource *resource,
                 const char *namespace, const KcListOptions *options,
                 KcWatchEventFunc on_event, KcWatchDoneFunc on_done_cb,
                 gpointer user_data, GDestroyNotify destroy)
{
  return kc_client_watch_full (client, resource, namespace, options, NULL,
                               on_event, on_done_cb, user_data, destroy);
}

void
kc_watch_stop (KcWatch *watch)
{
  watch->stopped = TRUE;
  if (watch->stream)
    kc_stream_stop (watch->stream);
}

KcWatch *
kc_watch_ref (KcWatch *watch)
{
  g_atomic_int_inc (&watch->refcount);
  return watch;
}

void
kc_watch_unref (KcWatch *watch)
{
  if (!watch || !g_atomic_int_dec_and_test (&watch->refcount))
    return;
  kc_watch_stop (watch);
  if (watch->destroy)
    watch->destroy (watch->user_data);
  g_string_free (watch->line, TRUE);
  kc_stream_unref (watch->stream);
  g_free (watch);
}
