/* KcListOptions: the query parameters of list and watch requests. */
#include "client-private.h"

struct _KcListOptions
{
  char *label_selector, *field_selector, *continue_token, *resource_version;
  gint64 limit, timeout_seconds;
  gboolean allow_watch_bookmarks;
};

KcListOptions *
kc_list_options_new (void)
{
  return g_new0 (KcListOptions, 1);
}

KcListOptions *
kc_list_options_copy (const KcListOptions *o)
{
  KcListOptions *c = kc_list_options_new ();
  if (!o)
    return c;
  *c = *o;
  c->label_selector = g_strdup (o->label_selector);
  c->field_selector = g_strdup (o->field_selector);
  c->continue_token = g_strdup (o->continue_token);
  c->resource_version = g_strdup (o->resource_version);
  return c;
}

void
kc_list_options_free (KcListOptions *o)
{
  if (!o)
    return;
  g_free (o->label_selector);
  g_free (o->field_selector);
  g_free (o->continue_token);
  g_free (o->resource_version);
  g_free (o);
}

static void
set_str (char **field, const char *value)
{
  g_free (*field);
  *field = value && *value ? g_strdup (value) : NULL;
}

void
kc_list_options_set_label_selector (KcListOptions *o, const char *s)
{
  set_str (&o->label_selector, s);
}

void
kc_list_options_set_field_selector (KcListOptions *o, const char *s)
{
  set_str (&o->field_selector, s);
}

void
kc_list_options_set_limit (KcListOptions *o, gint64 limit)
{
  o->limit = limit;
}

void
kc_list_options_set_continue (KcListOptions *o, const char *token)
{
  set_str (&o->continue_token, token);
}

void
kc_list_options_set_resource_version (KcListOptions *o, const char *rv)
{
  set_str (&o->resource_version, rv);
}

void
kc_list_options_set_timeout_seconds (KcListOptions *o, gint64 seconds)
{
  o->timeout_seconds = seconds;
}

void
kc_list_options_set_allow_watch_bookmarks (KcListOptions *o, gboolean allow)
{
  o->allow_watch_bookmarks = allow;
}

static void
add_param (GString *q, const char *name, const char *value)
{
  if (!value)
    return;
  if (q->len)
    g_string_append_c (q, '&');
  g_string_append (q, name);
  g_string_append_c (q, '=');
  g_string_append_uri_escaped (q, value, NULL, FALSE);
}

char *
kc_list_options_to_query (const KcListOptions *o, gboolean watch)
{
  GString *q = g_string_new (NULL);
  if (watch)
    add_param (q, "watch", "1");
  if (o)
    {
      g_autofree char *limit = o->limit > 0
        ? g_strdup_printf ("%" G_GINT64_FORMAT, o->limit) : NULL;
      g_autofree char *timeout = o->timeout_seconds > 0
        ? g_strdup_printf ("%" G_GINT64_FORMAT, o->timeout_seconds) : NULL;
      add_param (q, "labelSelector", o->label_selector);
      add_param (q, "fieldSelector", o->field_selector);
      add_param (q, "limit", limit);
      add_param (q, "continue", o->continue_token);
      add_param (q, "resourceVersion", o->resource_version);
      add_param (q, "timeoutSeconds", timeout);
      if (o->allow_watch_bookmarks)
        add_param (q, "allowWatchBookmarks", "true");
    }
  return g_string_free (q, FALSE);
}
