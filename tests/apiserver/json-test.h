/* Test helpers: JSON written with single quotes in C strings. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "apiserver/patch.h"

/* Parses @text with every ' turned into ".  Aborts the test on a syntax
 * error (a bug in the test).  (transfer full) */
static inline JsonNode *
kc_test_json (const char *text)
{
  g_autofree char *copy = g_strdup (text);
  g_autoptr (GError) error = NULL;
  JsonNode *node;

  g_strdelimit (copy, "'", '"');
  node = json_from_string (copy, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Fails the test, showing both documents, unless @got equals @want
 * (written as for kc_test_json). */
#define kc_assert_json(got, want)                                          \
  G_STMT_START                                                             \
  {                                                                        \
    g_autoptr (JsonNode) kc_want_ = kc_test_json (want);                   \
    JsonNode *kc_got_ = (got);                                             \
    g_assert_nonnull (kc_got_);                                            \
    if (!kc_json_equal (kc_got_, kc_want_))                                \
      {                                                                    \
        g_autofree char *kc_g_ = json_to_string (kc_got_, FALSE);          \
        g_autofree char *kc_w_ = json_to_string (kc_want_, FALSE);         \
        g_error ("%s:%d: got %s, want %s", __FILE__, __LINE__, kc_g_,      \
                 kc_w_);                                                   \
      }                                                                    \
  }                                                                        \
  G_STMT_END
