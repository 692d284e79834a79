/* Bearer token authentication (see authn.h).
 *
 * Tokens are kept as SHA-256 digests and a presented token is hashed and
 * compared with every digest, byte by byte without stopping at the first
 * difference: how long a check takes says nothing about how much of a
 * token was right, nor about the lengths of the tokens we know. */
#include "build-config.h"

#include "authn.h"

#include "api-status.h"

#include <string.h>

#define DIGEST_LEN 32

typedef struct
{
  guint8 digest[DIGEST_LEN];
  char *user;
  char *uid;
  char **groups;
  KcAuthnUser view;
} Entry;

struct _KcAuthn
{
  GPtrArray *entries; /* of Entry * */
};

static void
entry_free (gpointer data)
{
  Entry *e = data;
  g_free (e->user);
  g_free (e->uid);
  g_strfreev (e->groups);
  g_free (e);
}

static void
digest_of (const char *token, gsize len, guint8 out[DIGEST_LEN])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize out_len = DIGEST_LEN;
  g_checksum_update (sum, (const guchar *)token, (gssize)len);
  g_checksum_get_digest (sum, out, &out_len);
}

static gboolean
digest_equal (const guint8 *a, const guint8 *b)
{
  volatile guint8 diff = 0;
  for (guint i = 0; i < DIGEST_LEN; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

/* ---- The token file ------------------------------------------------------
 */

/* Splits one CSV record: fields separated by commas, a field may be
 * quoted ("a,b"; "" is a quote inside one).  Unquoted fields lose their
 * surrounding blanks, as kube-apiserver's reader trims them. */
static gboolean
split_csv (const char *line, GPtrArray *fields, const char **problem)
{
  const char *p = line;
  for (;;)
    {
      g_autoptr (GString) field = g_string_new (NULL);
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '"')
        {
          for (p++;; p++)
            {
              if (*p == '\0')
                {
                  *problem = "a quoted field is not closed";
                  return FALSE;
                }
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, '"'), p++;
              else if (*p == '"')
                break;
              else
                g_string_append_c (field, *p);
            }
          p++;
          while (*p == ' ' || *p == '\t')
            p++;
          if (*p != ',' && *p != '\0')
            {
              *problem = "text follows a quoted field";
              return FALSE;
            }
        }
      else
        {
          while (*p != ',' && *p != '\0')
            {
              if (*p == '"')
                {
                  *problem = "a quote inside an unquoted field";
                  return FALSE;
                }
              g_string_append_c (field, *p++);
            }
          g_strchomp (field->str);
          g_string_set_size (field, strlen (field->str));
        }
      g_ptr_array_add (fields,
                       g_string_free (g_steal_pointer (&field), FALSE));
      if (*p == '\0')
        return TRUE;
      p++; /* the comma */
    }
}

static char **
split_groups (const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  GPtrArray *groups = g_ptr_array_new ();
  for (guint i = 0; parts[i]; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0])
        g_ptr_array_add (groups, g_strdup (parts[i]));
    }
  g_ptr_array_add (groups, NULL);
  return (char **)g_ptr_array_free (groups, FALSE);
}

#define FORMAT_HINT "expected token,user,uid[,\"group1,group2\"]"

static Entry *
parse_line (const char *path, guint lineno, const char *line, GError **error)
{
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  const char *problem = NULL;
  if (!split_csv (line, fields, &problem))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "[apiserver] token-auth-file=%s:%u: %s (" FORMAT_HINT ")",
                   path, lineno, problem);
      return NULL;
    }
  if (fields->len < 3 || fields->len > 4)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "[apiserver] token-auth-file=%s:%u: %u fields; " FORMAT_HINT
                   " (quote the groups when there are several)",
                   path, lineno, fields->len);
      return NULL;
    }
  const char *token = fields->pdata[0];
  const char *user = fields->pdata[1];
  if (token[0] == '\0' || user[0] == '\0')
    {
      g_set_error (
          error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "[apiserver] token-auth-file=%s:%u: the %s is empty (" FORMAT_HINT
          ")",
          path, lineno, token[0] ? "user" : "token");
      return NULL;
    }
  Entry *e = g_new0 (Entry, 1);
  digest_of (token, strlen (token), e->digest);
  e->user = g_strdup (user);
  e->uid = g_strdup (fields->pdata[2]);
  e->groups = split_groups (fields->len == 4 ? fields->pdata[3] : "");
  e->view.user = e->user;
  e->view.uid = e->uid;
  e->view.groups = (const char *const *)e->groups;
  return e;
}

/* A token listed twice: the later line wins, as in kube-apiserver. */
static void
add_entry (KcAuthn *authn, Entry *e, const char *path, guint lineno)
{
  for (guint i = 0; i < authn->entries->len; i++)
    {
      Entry *old = authn->entries->pdata[i];
      if (memcmp (old->digest, e->digest, DIGEST_LEN) == 0)
        {
          g_warning ("[apiserver] token-auth-file=%s:%u: this token is "
                     "already listed (for user \"%s\"); this line wins",
                     path, lineno, old->user);
          g_ptr_array_remove_index (authn->entries, i);
          break;
        }
    }
  g_ptr_array_add (authn->entries, e);
}

KcAuthn *
kc_authn_new_from_token_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "[apiserver] token-auth-file=%s: cannot read it: %s", path,
                   local->message);
      return NULL;
    }
  g_autoptr (KcAuthn) authn = g_new0 (KcAuthn, 1);
  authn->entries = g_ptr_array_new_with_free_func (entry_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]); /* also drops a CR */
      if (line[0] == '\0' || line[0] == '#')
        continue;
      Entry *e = parse_line (path, i + 1, line, error);
      if (e == NULL)
        return NULL;
      add_entry (authn, e, path, i + 1);
    }
  if (authn->entries->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "[apiserver] token-auth-file=%s: holds no token, so no "
                   "request could be made (" FORMAT_HINT ", one a line)",
                   path);
      return NULL;
    }
  return g_steal_pointer (&authn);
}

void
kc_authn_free (KcAuthn *authn)
{
  if (authn == NULL)
    return;
  g_ptr_array_unref (authn->entries);
  g_free (authn);
}

guint
kc_authn_get_size (const KcAuthn *authn)
{
  return authn->entries->len;
}

/* ---- Requests ------------------------------------------------------------
 */

const KcAuthnUser *
kc_authn_authenticate (const KcAuthn *authn, const char *authorization)
{
  if (authorization == NULL)
    return NULL;
  while (*authorization == ' ')
    authorization++;
  if (g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    return NULL;
  const char *token = authorization + 7;
  while (*token == ' ')
    token++;
  gsize len = strlen (token);
  while (len > 0 && token[len - 1] == ' ')
    len--;
  if (len == 0)
    return NULL;

  guint8 digest[DIGEST_LEN];
  digest_of (token, len, digest);
  const Entry *found = NULL;
  for (guint i = 0; i < authn->entries->len; i++)
    {
      const Entry *e = authn->entries->pdata[i];
      if (digest_equal (e->digest, digest))
        found = e;
    }
  return found ? &found->view : NULL;
}

static gboolean
path_is (const char *path, const char *endpoint)
{
  gsize n = strlen (endpoint);
  return strncmp (path, endpoint, n) == 0
         && (path[n] == '\0' || path[n] == '/');
}

gboolean
kc_authn_is_public (const char *method, const char *path)
{
  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    return FALSE;
  return path_is (path, "/healthz") || path_is (path, "/livez")
         || path_is (path, "/readyz") || strcmp (path, "/version") == 0
         || strcmp (path, "/version/") == 0;
}

static JsonNode *
unauthorized_status (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "Status");
  json_builder_set_member_name (b, "apiVersion");
  json_builder_add_string_value (b, "v1");
  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "Failure");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, "Unauthorized");
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, "Unauthorized");
  json_builder_set_member_name (b, "code");
  json_builder_add_int_value (b, 401);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
kc_authn_check (const KcAuthn *authn, SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  if (kc_authn_is_public (method, path))
    return TRUE;
  const char *header = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Authorization");
  const KcAuthnUser *user = kc_authn_authenticate (authn, header);
  if (user)
    {
      g_debug ("%s %s: user \"%s\"", method, path, user->user);
      return TRUE;
    }
  g_debug ("%s %s: %s credentials: 401", method, path,
           header ? "unknown" : "no");
  g_autoptr (JsonNode) status = unauthorized_status ();
  kc_api_reply_json (msg, SOUP_STATUS_UNAUTHORIZED, status);
  return FALSE;
}
