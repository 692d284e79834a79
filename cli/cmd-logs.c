/* logs: a container's log from pods/NAME/log, which the API server
 * proxies from the kubelet of the pod's node.
 *
 * The body is streamed (kc_client_stream): each chunk goes to stdout as it
 * arrives, so `logs -f` prints the lines as the container writes them and
 * exits 0 when the server ends the stream (the container exited).  Errors
 * from the server are Status objects and print as kubectl prints them. */
#include "build-config.h"

#include "kcorectl.h"

#include <stdio.h>
#include <string.h>

static gboolean follow;
static gint64 tail = -1;
static char *container;
static gboolean timestamps;
static gboolean previous;

static const GOptionEntry entries[]
    = { { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow,
          "Stream the log until the container exits", NULL },
        { "tail", 0, 0, G_OPTION_ARG_INT64, &tail,
          "Only the last N lines (-1: all)", "N" },
        { "container", 'c', 0, G_OPTION_ARG_STRING, &container,
          "The container (default: the pod's only container)", "NAME" },
        { "timestamps", 0, 0, G_OPTION_ARG_NONE, &timestamps,
          "Prefix each line with its RFC 3339 time", NULL },
        { "previous", 'p', 0, G_OPTION_ARG_NONE, &previous,
          "The log of the previous run of the container (it restarted)",
          NULL },
        { NULL } };

typedef struct
{
  GError *error;
  gboolean done;
  gboolean write_failed;
} LogRun;

static void
on_data (KcStream *stream, GBytes *chunk, gpointer user_data)
{
  LogRun *run = user_data;
  gsize len = 0;
  const char *data = g_bytes_get_data (chunk, &len);
  /* Flushed chunk by chunk: a reader of `logs -f | ...` sees each line
   * when the container writes it. */
  if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
    {
      run->write_failed = TRUE;
      kc_stream_stop (stream);
      run->done = TRUE;
      g_main_loop_quit (kcctl_loop ());
    }
}

static void
on_done (KcStream *stream, const GError *error, gpointer user_data)
{
  LogRun *run = user_data;
  if (error)
    run->error = g_error_copy (error);
  run->done = TRUE;
  g_main_loop_quit (kcctl_loop ());
}

static char *
log_path (const char *ns, const char *pod, const char *c)
{
  g_autoptr (KcResource) pods = kc_resource_new ("", "v1", "pods");
  g_autofree char *base = kc_resource_build_path (pods, ns, pod, "log");
  GString *path = g_string_new (base);
  char sep = '?';
  if (c)
    {
      g_autofree char *escaped = g_uri_escape_string (c, NULL, FALSE);
      g_string_append_printf (path, "%ccontainer=%s", sep, escaped);
      sep = '&';
    }
  if (follow)
    {
      g_string_append_printf (path, "%cfollow=true", sep);
      sep = '&';
    }
  if (tail >= 0)
    {
      g_string_append_printf (path, "%ctailLines=%" G_GINT64_FORMAT, sep,
                              tail);
      sep = '&';
    }
  if (timestamps)
    {
      g_string_append_printf (path, "%ctimestamps=true", sep);
      sep = '&';
    }
  if (previous)
    g_string_append_printf (path, "%cprevious=true", sep);
  return g_string_free (path, FALSE);
}

static int
run_logs (int argc, char **argv)
{
  if (argc != 2 && argc != 3)
    {
      kcctl_error ("expected POD [CONTAINER] (or pod/POD)");
      return KCCTL_EXIT_ERROR;
    }
  const char *pod = argv[1];
  if (g_str_has_prefix (pod, "pod/") || g_str_has_prefix (pod, "pods/")
      || g_str_has_prefix (pod, "po/"))
    pod = strchr (pod, '/') + 1;
  const char *c = argc == 3 ? argv[2] : container;
  const char *ns = kcctl_global.namespace ? kcctl_global.namespace : "default";
  g_autofree char *path = log_path (ns, pod, c);

  LogRun run = { 0 };
  g_autoptr (KcStream) stream = kc_client_stream (
      kcctl_client (), path, "text/plain, */*", on_data, on_done, &run, NULL);
  if (!run.done)
    g_main_loop_run (kcctl_loop ());
  kc_stream_stop (stream);
  if (run.write_failed)
    {
      kcctl_error ("writing the log to standard output failed");
      return KCCTL_EXIT_ERROR;
    }
  if (run.error)
    {
      kcctl_print_error (run.error);
      g_error_free (run.error);
      return KCCTL_EXIT_ERROR;
    }
  return KCCTL_EXIT_OK;
}

int
kcctl_cmd_logs (int argc, char **argv)
{
  int rc = KCCTL_EXIT_ERROR;
  if (kcctl_parse_args (&argc, &argv, "POD [CONTAINER]",
                        "Print a container's log (-f: follow it until the "
                        "container exits).",
                        entries))
    rc = run_logs (argc, argv);
  g_clear_pointer (&container, g_free);
  return rc;
}
