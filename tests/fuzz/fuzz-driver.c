/* Runs a fuzz target without libFuzzer, as a regular test: every file of
 * the corpus, then deterministic pseudo-random mutations of them, within a
 * time bound.  Prints TAP, one line per phase; a crash or a violated
 * property aborts (under ASan/UBSan in the sanitizer build).
 *
 *   fuzz-api-decoders [--corpus DIR] [--iterations N] [--seconds S]
 *                     [--seed N]
 */
#include "build-config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_MAX_LEN 8192

/* Fragments that matter to the decoders, spliced in by mutations. */
static const char *const dictionary[] = {
  "$patch", "\"$patch\":\"delete\"", "\"$patch\":\"replace\"",
  "$retainKeys", "$setElementOrder/containers",
  "$deleteFromPrimitiveList/finalizers", "containers", "ports", "env",
  "finalizers", "name", "containerPort", "null", "true", "[]", "{}", "\"\"",
  "{\"op\":\"add\",\"path\":\"/a\",\"value\":1}", "\"op\"", "\"path\"",
  "\"from\"", "/-", "~0", "~1", "/0", " in (", " notin (", "!=", "==", "!",
  ",", "\\,", "\\=", "\\\\", "(", ")", ">", "<", "=", "/", "metadata.name",
  "example.com/", "\x00",
};

typedef struct
{
  guint64 state;
} Rng;

static guint64
rng_next (Rng *rng)
{
  /* xorshift64*: deterministic across platforms, good enough here. */
  rng->state ^= rng->state >> 12;
  rng->state ^= rng->state << 25;
  rng->state ^= rng->state >> 27;
  return rng->state * G_GUINT64_CONSTANT (2685821657736338717);
}

static gsize
rng_below (Rng *rng, gsize n)
{
  return n == 0 ? 0 : (gsize) (rng_next (rng) % n);
}

static void
insert_bytes (GByteArray *buf, gsize at, const guint8 *bytes, gsize n)
{
  if (buf->len + n > FUZZ_MAX_LEN)
    return;
  g_byte_array_set_size (buf, buf->len + (guint) n);
  memmove (buf->data + at + n, buf->data + at, buf->len - n - at);
  memcpy (buf->data + at, bytes, n);
}

static void
mutate (Rng *rng, GByteArray *buf, GPtrArray *corpus)
{
  guint rounds = 1 + (guint) rng_below (rng, 4);

  for (guint r = 0; r < rounds; r++)
    {
      gsize at = rng_below (rng, buf->len + 1);
      switch (rng_below (rng, 8))
        {
        case 0:  /* flip a bit */
          if (buf->len > 0)
            buf->data[rng_below (rng, buf->len)] ^=
                (guint8) (1u << rng_below (rng, 8));
          break;
        case 1:  /* a random byte */
          if (buf->len > 0)
            buf->data[rng_below (rng, buf->len)] = (guint8) rng_next (rng);
          break;
        case 2:  /* insert a random byte */
          {
            guint8 b = (guint8) rng_next (rng);
            insert_bytes (buf, at, &b, 1);
          }
          break;
        case 3:  /* delete a range */
          if (at < buf->len)
            g_byte_array_remove_range (buf, (guint) at,
                                       (guint) (1 + rng_below
                                                (rng, MIN (16, buf->len
                                                               - at))));
          break;
        case 4:  /* duplicate a range */
          if (at < buf->len)
            {
              gsize n = 1 + rng_below (rng, MIN (32, buf->len - at));
              g_autofree guint8 *copy = g_memdup2 (buf->data + at, n);
              insert_bytes (buf, rng_below (rng, buf->len + 1), copy, n);
            }
          break;
        case 5:  /* a dictionary word */
          {
            const char *word = dictionary[rng_below (rng,
                                                     G_N_ELEMENTS
                                                     (dictionary))];
            gsize n = *word != '\0' ? strlen (word) : 1;
            insert_bytes (buf, at, (const guint8 *) word, n);
          }
          break;
        case 6:  /* splice in part of another corpus file */
          {
            GBytes *other = corpus->pdata[rng_below (rng, corpus->len)];
            gsize n;
            const guint8 *d = g_bytes_get_data (other, &n);
            if (n > 1)
              {
                gsize from = 1 + rng_below (rng, n - 1);
                gsize len = 1 + rng_below (rng, n - from);
                insert_bytes (buf, at, d + from, len);
              }
          }
          break;
        default:  /* another decoder */
          if (buf->len > 0)
            buf->data[0] = (guint8) rng_next (rng);
          break;
        }
    }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static GPtrArray *
load_corpus (const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *corpus;
  const char *name;

  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, compare_paths);

  corpus = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < names->len; i++)
    {
      char *contents;
      gsize length;
      if (!g_file_get_contents (names->pdata[i], &contents, &length, error))
        {
          g_ptr_array_unref (corpus);
          return NULL;
        }
      g_ptr_array_add (corpus, g_bytes_new_take (contents, length));
    }
  return corpus;
}

int
main (int argc, char **argv)
{
  g_autofree char *corpus_dir = NULL;
  gint64 iterations = 20000, seconds = 20, seed = 1;
  GOptionEntry entries[] = {
    { "corpus", 'c', 0, G_OPTION_ARG_FILENAME, &corpus_dir,
      "Seed files (default: tests/fuzz/corpus of the source tree)", "DIR" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT64, &iterations,
      "Mutations to run (default 20000)", "N" },
    { "seconds", 't', 0, G_OPTION_ARG_INT64, &seconds,
      "Stop mutating after this long (default 20)", "S" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
      "Seed of the mutations (default 1)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new
      ("- run a fuzz target over its corpus and mutations of it");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) corpus = NULL;
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  Rng rng = { (guint64) seed * 0x9E3779B97F4A7C15u + 1 };
  gint64 start, deadline;
  guint64 done = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return 2;
    }
  if (corpus_dir == NULL)
    {
      const char *srcdir = g_getenv ("KCORE_SRCDIR");
      corpus_dir = g_build_filename (srcdir != NULL ? srcdir : KC_FUZZ_SRCDIR,
                                     "tests", "fuzz", "corpus", NULL);
    }

  printf ("1..2\n");
  corpus = load_corpus (corpus_dir, &error);
  if (corpus == NULL || corpus->len == 0)
    {
      printf ("not ok 1 - corpus %s: %s\n", corpus_dir,
              error != NULL ? error->message : "no files");
      printf ("not ok 2 - mutations # SKIP no corpus\n");
      return 1;
    }
  for (guint i = 0; i < corpus->len; i++)
    {
      gsize n;
      const guint8 *d = g_bytes_get_data (corpus->pdata[i], &n);
      LLVMFuzzerTestOneInput (d, n);
    }
  printf ("ok 1 - corpus: %u files from %s\n", corpus->len, corpus_dir);
  fflush (stdout);

  start = g_get_monotonic_time ();
  deadline = start + seconds * G_USEC_PER_SEC;
  for (; done < (guint64) MAX (iterations, 0); done++)
    {
      GBytes *seed_input = corpus->pdata[rng_below (&rng, corpus->len)];
      gsize n;
      const guint8 *d = g_bytes_get_data (seed_input, &n);
      if ((done & 63) == 0 && g_get_monotonic_time () > deadline)
        break;
      g_byte_array_set_size (buf, 0);
      g_byte_array_append (buf, d, (guint) MIN (n, FUZZ_MAX_LEN));
      mutate (&rng, buf, corpus);
      LLVMFuzzerTestOneInput (buf->data, buf->len);
    }
  printf ("ok 2 - %" G_GUINT64_FORMAT " mutations in %.1f s (seed %"
          G_GINT64_FORMAT ")%s\n", done,
          (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC, seed,
          done < (guint64) iterations ? ", stopped by the time bound" : "");
  return 0;
}
