/* Store conformance suite: checks that a store plugin keeps every promise of
 * include/kcore/store.h.  Run against any store plugin:
 *
 *   store-conformance --plugin /abs/path/store-NAME.so [--option K=V]...
 *                     [--data-dir DIR] [--durable] [GTest options]
 *
 * Every test case gets a fresh instance in a fresh data directory.  See
 * tests/store/README.md.
 */
#include "build-config.h"

#include "store-harness.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* ---- Command line ------------------------------------------------------ */

static char *opt_plugin;
static char **opt_options;
static char *opt_data_dir;
static gboolean opt_durable;
static gint opt_pagination_keys = 100000;
static gint opt_crash_rounds = 20;
static gboolean opt_crash_writer;
static gint64 opt_crash_start;

static char *opt_namespace_option;

static KcTestPlugin *test_plugin;
static char *base_dir;      /* per-test data dirs live under it */
static gboolean base_dir_is_ours;
static guint next_dir_id;

/* ---- Fixture: a fresh instance in a fresh data dir --------------------- */

typedef struct
{
  KcTestStore *store;
  char *dir;
} Fixture;

/* The store's revision when the test case started.  A remote store shared
 * between cases (or with others) does not start at 0, so every revision is
 * checked relative to it: R(n) is the revision of the case's n-th write. */
static gint64 base_rev;
#define R(n) (base_rev + (gint64) (n))

static KcTestStore *
open_store (const char *dir)
{
  g_autoptr (GError) error = NULL;
  KcTestStore *store = kc_test_store_open (test_plugin, dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_nonnull (store->vt);
  g_assert_cmpuint (store->vt->size, >=, sizeof (KcStoreVtable));
  return store;
}

/* --namespace-option KEY=BASE: each case's instance gets KEY=BASE<run>-<case>/
 * (say a key prefix), so a shared remote backend gives every case an empty
 * key space. */
static char **base_options;

static void
namespace_options (guint case_id)
{
  if (opt_namespace_option == NULL)
    return;
  if (base_options == NULL)
    base_options = g_strdupv (test_plugin->options);
  GPtrArray *options = g_ptr_array_new ();
  for (char **o = base_options; *o; o++)
    g_ptr_array_add (options, g_strdup (*o));
  g_ptr_array_add (options, g_strdup_printf ("%s%d-%04u/",
                                             opt_namespace_option,
                                             (int) getpid (), case_id));
  g_ptr_array_add (options, NULL);
  g_strfreev (test_plugin->options);
  test_plugin->options = (char **) g_ptr_array_free (options, FALSE);
}

/* A key still attached to a lease would be deleted when the lease expires,
 * adding a revision in the middle of a later case: delete such keys. */
static void
namespace_drop_leased_keys (KcTestStore *s)
{
  g_autofree char *last = NULL;
  for (;;)
    {
      KcStoreRange range = { .prefix = "", .start_after = last,
                             .limit = 1000 };
      g_autoptr (GError) error = NULL;
      g_autoptr (KcStoreRangeResult) r = kc_test_range (s, &range, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < r->kvs->len; i++)
        {
          KcStoreKv *kv = r->kvs->pdata[i];
          if (kv->lease != 0)
            {
              g_autoptr (KcStoreKv) deleted = NULL;
              g_autoptr (GError) ignored = NULL;
              kc_test_delete (s, kv->key, 0, &deleted, &ignored);
            }
        }
      if (!r->more || r->kvs->len == 0)
        break;
      g_free (last);
      last = g_strdup (((KcStoreKv *) r->kvs->pdata[r->kvs->len - 1])->key);
    }
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_strdup_printf ("%s/test-%04u", base_dir, next_dir_id++);
  kc_test_rm_rf (f->dir);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  namespace_options (next_dir_id - 1);
  f->store = open_store (f->dir);
  base_rev = kc_test_revision (f->store);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (opt_namespace_option && f->store)
    namespace_drop_leased_keys (f->store);
  kc_test_store_close (f->store);
  /* Let deferred work of the destroyed instance (idle frees) run. */
  kc_test_iterate_for (10);
  if (base_dir_is_ours)
    kc_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* ---- Assertion helpers -------------------------------------------------- */

static void
assert_bytes_equal (GBytes *a, GBytes *b)
{
  g_assert_true ((a == NULL) == (b == NULL));
  if (a == NULL)
    return;
  gsize na, nb;
  const guint8 *pa = g_bytes_get_data (a, &na);
  const guint8 *pb = g_bytes_get_data (b, &nb);
  g_assert_cmpuint (na, ==, nb);
  if (na > 0)
    g_assert_cmpint (memcmp (pa, pb, na), ==, 0);
}

static void
assert_value (const KcStoreKv *kv, const char *text)
{
  g_assert_nonnull (kv);
  g_assert_nonnull (kv->value);
  g_autoptr (GBytes) expected = kc_test_bytes (text);
  assert_bytes_equal (kv->value, expected);
}

static void
assert_kv_equal (const KcStoreKv *a, const KcStoreKv *b)
{
  g_assert_true ((a == NULL) == (b == NULL));
  if (a == NULL)
    return;
  g_assert_cmpstr (a->key, ==, b->key);
  assert_bytes_equal (a->value, b->value);
  g_assert_cmpint (a->create_revision, ==, b->create_revision);
  g_assert_cmpint (a->mod_revision, ==, b->mod_revision);
  g_assert_cmpint (a->version, ==, b->version);
  g_assert_cmpint (a->lease, ==, b->lease);
}

static void
assert_kv (const KcStoreKv *kv, const char *key, const char *value,
           gint64 create_revision, gint64 mod_revision, gint64 version)
{
  g_assert_nonnull (kv);
  g_assert_cmpstr (kv->key, ==, key);
  assert_value (kv, value);
  g_assert_cmpint (kv->create_revision, ==, create_revision);
  g_assert_cmpint (kv->mod_revision, ==, mod_revision);
  g_assert_cmpint (kv->version, ==, version);
}

static gint64
must_create (KcTestStore *s, const char *key, const char *value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) v = kc_test_bytes (value);
  gint64 rev = kc_test_create (s, key, v, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rev, >, 0);
  return rev;
}

static gint64
must_update (KcTestStore *s, const char *key, const char *value,
             gint64 expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) v = kc_test_bytes (value);
  gint64 rev = kc_test_update (s, key, v, expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rev, >, 0);
  return rev;
}

static gint64
must_delete (KcTestStore *s, const char *key)
{
  g_autoptr (GError) error = NULL;
  gint64 rev = kc_test_delete (s, key, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rev, >, 0);
  return rev;
}

static KcStoreKv *
must_get (KcTestStore *s, const char *key, gint64 revision)
{
  g_autoptr (GError) error = NULL;
  KcStoreKv *kv = kc_test_get (s, key, revision, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (kv);
  return kv;
}

static void
assert_get_fails (KcTestStore *s, const char *key, gint64 revision,
                  int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = kc_test_get (s, key, revision, NULL, &error);
  g_assert_error (error, KC_STORE_ERROR, code);
  g_assert_null (kv);
}

static KcStoreRangeResult *
must_range (KcTestStore *s, const char *prefix, const char *start_after,
            gint64 revision, gint64 limit, gboolean count_only)
{
  KcStoreRange range = { .prefix = prefix, .start_after = start_after,
                         .revision = revision, .limit = limit,
                         .count_only = count_only };
  g_autoptr (GError) error = NULL;
  KcStoreRangeResult *r = kc_test_range (s, &range, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_nonnull (r->kvs);
  return r;
}

static void
assert_range_keys (const KcStoreRangeResult *r, const char *const *keys)
{
  guint n = g_strv_length ((char **) keys);
  g_assert_cmpuint (r->kvs->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (((KcStoreKv *) r->kvs->pdata[i])->key, ==, keys[i]);
}

/* ---- Watch recorder ----------------------------------------------------- */

typedef struct
{
  guint32 type;
  KcStoreKv *kv;
  KcStoreKv *prev_kv;
} RecEvent;

static void
rec_event_free (gpointer p)
{
  RecEvent *e = p;
  kc_store_kv_free (e->kv);
  kc_store_kv_free (e->prev_kv);
  g_free (e);
}

typedef struct
{
  gint ref;
  GPtrArray *events; /* of RecEvent* */
  guint calls;
  GError *error;
  guint destroyed;
  GThread *thread;   /* the thread that started the watch */
  KcStoreWatch *watch;
} Recorder;

static Recorder *
recorder_new (void)
{
  Recorder *r = g_new0 (Recorder, 1);
  r->ref = 1;
  r->events = g_ptr_array_new_with_free_func (rec_event_free);
  r->thread = g_thread_self ();
  return r;
}

static void
recorder_unref (gpointer p)
{
  Recorder *r = p;
  if (!g_atomic_int_dec_and_test (&r->ref))
    return;
  g_ptr_array_unref (r->events);
  g_clear_error (&r->error);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_unref)

static void
recorder_destroy_cb (gpointer p)
{
  Recorder *r = p;
  r->destroyed++;
  recorder_unref (r);
}

static void
recorder_cb (const KcStoreEvent *events, guint n_events, const GError *error,
             gpointer user_data)
{
  Recorder *r = user_data;
  /* Delivered in the context of the thread that started the watch. */
  g_assert_true (g_thread_self () == r->thread);
  /* Nothing after an error, nor after destroy. */
  g_assert_null (r->error);
  g_assert_cmpuint (r->destroyed, ==, 0);
  r->calls++;
  if (n_events == 0)
    {
      g_assert_nonnull (error);
      r->error = g_error_copy (error);
      return;
    }
  g_assert_null (error);
  g_assert_nonnull (events);
  for (guint i = 0; i < n_events; i++)
    {
      const KcStoreEvent *ev = &events[i];
      g_assert_true (ev->type == KC_STORE_EVENT_PUT
                     || ev->type == KC_STORE_EVENT_DELETE);
      g_assert_nonnull (ev->kv);
      RecEvent *e = g_new0 (RecEvent, 1);
      e->type = ev->type;
      e->kv = kc_store_kv_copy (ev->kv);
      e->prev_kv = ev->prev_kv ? kc_store_kv_copy (ev->prev_kv) : NULL;
      g_ptr_array_add (r->events, e);
    }
}

static Recorder *
watch_start (KcTestStore *s, const char *prefix, gint64 start_revision)
{
  Recorder *r = recorder_new ();
  g_atomic_int_inc (&r->ref); /* the watch's reference */
  r->watch = s->vt->watch (s->self, prefix, start_revision, recorder_cb, r,
                           recorder_destroy_cb);
  g_assert_nonnull (r->watch);
  return r;
}

/* Cancels the watch of @r and checks its destroy notify ran exactly once
 * (it may run from an idle of the watch's context). */
static void
watch_stop (KcTestStore *s, Recorder *r)
{
  s->vt->watch_cancel (s->self, r->watch);
  r->watch = NULL;
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (r->destroyed == 0 && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (5);
  g_assert_cmpuint (r->destroyed, ==, 1);
}

static gboolean
recorder_wait (Recorder *r, guint n_events, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  while (r->events->len < n_events && r->error == NULL
         && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (5);
  return r->events->len >= n_events;
}

static RecEvent *
rec_event (Recorder *r, guint i)
{
  g_assert_cmpuint (i, <, r->events->len);
  return r->events->pdata[i];
}

static void
assert_event_equal (const RecEvent *a, const RecEvent *b)
{
  g_assert_cmpuint (a->type, ==, b->type);
  g_assert_cmpstr (a->kv->key, ==, b->kv->key);
  g_assert_cmpint (a->kv->mod_revision, ==, b->kv->mod_revision);
  if (a->type == KC_STORE_EVENT_PUT)
    assert_kv_equal (a->kv, b->kv);
  assert_kv_equal (a->prev_kv, b->prev_kv);
}

/* ---- Concurrent async drivers -------------------------------------------- */

/* Creates @n keys "<prefix>%08u" = "v%08u" with @in_flight calls pending at
 * any time, in the thread-default context. */
typedef struct
{
  KcTestStore *store;
  const char *prefix;
  guint n, next, done, in_flight;
  gboolean finished;
  GError *error;
} BulkCreate;

static void bulk_create_next (BulkCreate *b);

static void
bulk_create_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  BulkCreate *b = data;
  GError *error = NULL;
  gint64 rev = b->store->vt->create_finish (b->store->self, result, &error);
  if (rev <= 0 && b->error == NULL)
    b->error = error ? error : g_error_new (KC_STORE_ERROR, 0, "rev 0");
  else if (error)
    g_error_free (error);
  b->done++;
  b->in_flight--;
  bulk_create_next (b);
}

static void
bulk_create_next (BulkCreate *b)
{
  while (b->next < b->n && b->in_flight < 256)
    {
      char key[128], value[32];
      g_snprintf (key, sizeof key, "%s%08u", b->prefix, b->next);
      g_snprintf (value, sizeof value, "v%08u", b->next);
      g_autoptr (GBytes) v = kc_test_bytes (value);
      b->next++;
      b->in_flight++;
      b->store->vt->create_async (b->store->self, key, v, 0, NULL,
                                  bulk_create_cb, b);
    }
  if (b->done == b->n)
    b->finished = TRUE;
}

static void
bulk_create (KcTestStore *s, const char *prefix, guint n)
{
  BulkCreate b = { .store = s, .prefix = prefix, .n = n };
  bulk_create_next (&b);
  g_assert_true (kc_test_iterate_until (&b.finished, 300000));
  g_assert_no_error (b.error);
}

/* ---- /store/revision ------------------------------------------------------ */

static void
test_revision_empty (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (kc_test_revision (f->store), ==, R (0));
  assert_get_fails (f->store, "/empty", 0, KC_STORE_ERROR_NOT_FOUND);
  g_autoptr (KcStoreRangeResult) r = must_range (f->store, "", NULL, 0, 0,
                                                 FALSE);
  g_assert_cmpuint (r->kvs->len, ==, 0);
  g_assert_cmpint (r->count, ==, 0);
  g_assert_false (r->more);
}

static void
test_revision_increments (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  g_assert_cmpint (must_create (s, "/r/a", "1"), ==, R (1));
  g_assert_cmpint (must_update (s, "/r/a", "2", 0), ==, R (2));
  g_assert_cmpint (must_create (s, "/r/b", "1"), ==, R (3));
  g_assert_cmpint (must_update (s, "/r/a", "3", R (2)), ==, R (4));
  g_assert_cmpint (must_delete (s, "/r/b"), ==, R (5));
  g_assert_cmpint (must_create (s, "/r/b", "again"), ==, R (6));
  g_assert_cmpint (kc_test_revision (s), ==, R (6));

  gint64 read_rev = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = kc_test_get (s, "/r/a", 0, &read_rev, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read_rev, ==, R (6));
}

/* ---- /store/kv -------------------------------------------------------------- */

static void
test_kv_create (Fixture *f, gconstpointer data)
{
  gint64 rev = must_create (f->store, "/kv/a", "hello");
  g_autoptr (KcStoreKv) kv = must_get (f->store, "/kv/a", 0);
  assert_kv (kv, "/kv/a", "hello", rev, rev, 1);
  g_assert_cmpint (kv->lease, ==, 0);
}

static void
test_kv_update (Fixture *f, gconstpointer data)
{
  gint64 c = must_create (f->store, "/kv/a", "v1");
  gint64 prev = c;
  for (int i = 2; i <= 4; i++)
    {
      g_autofree char *v = g_strdup_printf ("v%d", i);
      gint64 rev = must_update (f->store, "/kv/a", v, prev);
      g_assert_cmpint (rev, ==, prev + 1);
      g_autoptr (KcStoreKv) kv = must_get (f->store, "/kv/a", 0);
      assert_kv (kv, "/kv/a", v, c, rev, i);
      prev = rev;
    }
}

static void
test_kv_delete (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 c = must_create (s, "/kv/a", "v1");
  gint64 u = must_update (s, "/kv/a", "v2", 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) deleted = NULL;
  gint64 d = kc_test_delete (s, "/kv/a", u, &deleted, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d, ==, u + 1);
  /* out_kv is the key as it was when deleted. */
  assert_kv (deleted, "/kv/a", "v2", c, u, 2);
  assert_get_fails (s, "/kv/a", 0, KC_STORE_ERROR_NOT_FOUND);

  /* A new life starts from version 1 at a new create_revision. */
  gint64 c2 = must_create (s, "/kv/a", "v3");
  g_assert_cmpint (c2, ==, d + 1);
  g_autoptr (KcStoreKv) kv = must_get (s, "/kv/a", 0);
  assert_kv (kv, "/kv/a", "v3", c2, c2, 1);
}

/* ---- /store/errors ------------------------------------------------------------ */

static void
test_errors_exists (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 c = must_create (s, "/e/a", "first");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) v = kc_test_bytes ("second");
  gint64 rev = kc_test_create (s, "/e/a", v, 0, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_EXISTS);
  g_assert_cmpint (rev, ==, 0);
  g_assert_cmpint (kc_test_revision (s), ==, c);
  g_autoptr (KcStoreKv) kv = must_get (s, "/e/a", 0);
  assert_kv (kv, "/e/a", "first", c, c, 1);
}

static void
test_errors_not_found (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 c = must_create (s, "/e/other", "x");
  g_autoptr (GBytes) v = kc_test_bytes ("y");
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (KcStoreKv) current = NULL;
    gint64 rev = kc_test_update (s, "/e/missing", v, 0, &current, &error);
    g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
    g_assert_cmpint (rev, ==, 0);
  }
  {
    g_autoptr (GError) error = NULL;
    gint64 rev = kc_test_update (s, "/e/missing", v, c, NULL, &error);
    g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
    g_assert_cmpint (rev, ==, 0);
  }
  {
    g_autoptr (GError) error = NULL;
    gint64 rev = kc_test_delete (s, "/e/missing", 0, NULL, &error);
    g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
    g_assert_cmpint (rev, ==, 0);
  }
  assert_get_fails (s, "/e/missing", 0, KC_STORE_ERROR_NOT_FOUND);
  /* A prefix of an existing key is not that key. */
  assert_get_fails (s, "/e/oth", 0, KC_STORE_ERROR_NOT_FOUND);
  g_assert_cmpint (kc_test_revision (s), ==, c);
}

static void
test_errors_conflict_update (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 c = must_create (s, "/e/a", "v1");
  gint64 u = must_update (s, "/e/a", "v2", c);
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) current = NULL;
  g_autoptr (GBytes) v = kc_test_bytes ("stale");
  gint64 rev = kc_test_update (s, "/e/a", v, c, &current, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT);
  g_assert_cmpint (rev, ==, 0);
  assert_kv (current, "/e/a", "v2", c, u, 2);
  g_assert_cmpint (kc_test_revision (s), ==, u);
  g_autoptr (KcStoreKv) kv = must_get (s, "/e/a", 0);
  assert_kv (kv, "/e/a", "v2", c, u, 2);

  /* A future mod_revision conflicts too. */
  g_clear_error (&error);
  g_clear_pointer (&current, kc_store_kv_free);
  rev = kc_test_update (s, "/e/a", v, u + 100, &current, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT);
  assert_kv (current, "/e/a", "v2", c, u, 2);
  g_assert_cmpint (kc_test_revision (s), ==, u);
}

static void
test_errors_conflict_delete (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 c = must_create (s, "/e/a", "v1");
  gint64 u = must_update (s, "/e/a", "v2", 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) current = NULL;
  gint64 rev = kc_test_delete (s, "/e/a", c, &current, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_CONFLICT);
  g_assert_cmpint (rev, ==, 0);
  assert_kv (current, "/e/a", "v2", c, u, 2);
  g_assert_cmpint (kc_test_revision (s), ==, u);
  g_autoptr (KcStoreKv) kv = must_get (s, "/e/a", 0);
  assert_kv (kv, "/e/a", "v2", c, u, 2);
}

static void
test_errors_unconditional (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  must_create (s, "/e/a", "v1");
  must_update (s, "/e/a", "v2", 0);
  gint64 u = must_update (s, "/e/a", "v3", 0);
  g_autoptr (KcStoreKv) kv = must_get (s, "/e/a", 0);
  assert_kv (kv, "/e/a", "v3", R (1), u, 3);
  gint64 d = must_delete (s, "/e/a");
  g_assert_cmpint (d, ==, u + 1);
}

/* ---- /store/get ------------------------------------------------------------ */

static void
test_get_past_revision (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 r1 = must_create (s, "/g/a", "one");
  gint64 r2 = must_update (s, "/g/a", "two", r1);
  gint64 r3 = must_create (s, "/g/b", "b");
  gint64 r4 = must_delete (s, "/g/a");
  gint64 r5 = must_create (s, "/g/a", "three");

  assert_get_fails (s, "/g/b", r2, KC_STORE_ERROR_NOT_FOUND);
  g_autoptr (KcStoreKv) k1 = must_get (s, "/g/a", r1);
  assert_kv (k1, "/g/a", "one", r1, r1, 1);
  g_autoptr (KcStoreKv) k2 = must_get (s, "/g/a", r2);
  assert_kv (k2, "/g/a", "two", r1, r2, 2);
  g_autoptr (KcStoreKv) k3 = must_get (s, "/g/a", r3);
  assert_kv (k3, "/g/a", "two", r1, r2, 2);
  assert_get_fails (s, "/g/a", r4, KC_STORE_ERROR_NOT_FOUND);
  g_autoptr (KcStoreKv) k5 = must_get (s, "/g/a", r5);
  assert_kv (k5, "/g/a", "three", r5, r5, 1);

  gint64 read_rev = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kb = kc_test_get (s, "/g/b", r3, &read_rev, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read_rev, ==, r3);
}

/* ---- /store/range ------------------------------------------------------------ */

static void
fill_range_keys (KcTestStore *s)
{
  /* Bytewise order: "/p/B" < "/p/a" < "/p/a/x" < "/p/a0" < "/p/b" <
   * "/p/\xc3\xa9". */
  const char *keys[] = { "/p/b", "/p/a0", "/q/a", "/p/\xc3\xa9", "/p/a",
                         "/p/B", "/p/a/x", "/p", "/pa", NULL };
  for (int i = 0; keys[i]; i++)
    must_create (s, keys[i], keys[i]);
}

static void
test_range_prefix (Fixture *f, gconstpointer data)
{
  fill_range_keys (f->store);
  g_autoptr (KcStoreRangeResult) r = must_range (f->store, "/p/", NULL, 0, 0,
                                                 FALSE);
  const char *expected[] = { "/p/B", "/p/a", "/p/a/x", "/p/a0", "/p/b",
                             "/p/\xc3\xa9", NULL };
  assert_range_keys (r, expected);
  g_assert_cmpint (r->count, ==, 6);
  g_assert_false (r->more);
  g_assert_cmpint (r->revision, ==, R (9));
  for (guint i = 0; i < r->kvs->len; i++)
    {
      KcStoreKv *kv = r->kvs->pdata[i];
      assert_value (kv, kv->key);
      g_assert_cmpint (kv->version, ==, 1);
    }

  g_autoptr (KcStoreRangeResult) all = must_range (f->store, "", NULL, 0, 0,
                                                   FALSE);
  g_assert_cmpuint (all->kvs->len, ==, 9);
  g_assert_cmpint (all->count, ==, 9);
  for (guint i = 1; i < all->kvs->len; i++)
    g_assert_cmpint (strcmp (((KcStoreKv *) all->kvs->pdata[i - 1])->key,
                             ((KcStoreKv *) all->kvs->pdata[i])->key), <, 0);

  g_autoptr (KcStoreRangeResult) none = must_range (f->store, "/nothing/",
                                                    NULL, 0, 0, FALSE);
  g_assert_cmpuint (none->kvs->len, ==, 0);
  g_assert_cmpint (none->count, ==, 0);
}

static void
test_range_start_after (Fixture *f, gconstpointer data)
{
  fill_range_keys (f->store);
  g_autoptr (KcStoreRangeResult) r = must_range (f->store, "/p/", "/p/a/x",
                                                 0, 0, FALSE);
  const char *expected[] = { "/p/a0", "/p/b", "/p/\xc3\xa9", NULL };
  assert_range_keys (r, expected);
  g_assert_cmpint (r->count, ==, 3);

  /* start_after need not be an existing key. */
  g_autoptr (KcStoreRangeResult) r2 = must_range (f->store, "/p/", "/p/a1",
                                                  0, 0, FALSE);
  const char *expected2[] = { "/p/b", "/p/\xc3\xa9", NULL };
  assert_range_keys (r2, expected2);

  g_autoptr (KcStoreRangeResult) r3 = must_range (f->store, "/p/",
                                                  "/p/\xc3\xa9", 0, 0, FALSE);
  g_assert_cmpuint (r3->kvs->len, ==, 0);
  g_assert_cmpint (r3->count, ==, 0);
}

static void
test_range_limit (Fixture *f, gconstpointer data)
{
  fill_range_keys (f->store);
  g_autoptr (KcStoreRangeResult) r = must_range (f->store, "/p/", NULL, 0, 2,
                                                 FALSE);
  const char *expected[] = { "/p/B", "/p/a", NULL };
  assert_range_keys (r, expected);
  g_assert_cmpint (r->count, ==, 6);
  g_assert_true (r->more);

  g_autoptr (KcStoreRangeResult) r2 = must_range (f->store, "/p/", "/p/a/x",
                                                  0, 3, FALSE);
  g_assert_cmpuint (r2->kvs->len, ==, 3);
  g_assert_cmpint (r2->count, ==, 3);
  g_assert_false (r2->more);
}

static void
test_range_count_only (Fixture *f, gconstpointer data)
{
  fill_range_keys (f->store);
  g_autoptr (KcStoreRangeResult) r = must_range (f->store, "/p/", NULL, 0, 0,
                                                 TRUE);
  g_assert_cmpuint (r->kvs->len, ==, 0);
  g_assert_cmpint (r->count, ==, 6);
  g_assert_cmpint (r->revision, ==, R (9));
  g_autoptr (KcStoreRangeResult) r2 = must_range (f->store, "/p/", "/p/a",
                                                  R (5), 0, TRUE);
  g_assert_cmpuint (r2->kvs->len, ==, 0);
  /* At revision 5: /p/b /p/a0 /p/\xc3\xa9 /p/a; after "/p/a": 3. */
  g_assert_cmpint (r2->count, ==, 3);
  g_assert_cmpint (r2->revision, ==, R (5));
}

static void
test_range_past_revision (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 r1 = must_create (s, "/h/a", "a1");
  must_create (s, "/h/b", "b1");
  gint64 r3 = must_update (s, "/h/a", "a2", 0);
  must_delete (s, "/h/b");
  must_create (s, "/h/c", "c1");

  g_autoptr (KcStoreRangeResult) at3 = must_range (s, "/h/", NULL, r3, 0,
                                                   FALSE);
  g_assert_cmpint (at3->revision, ==, r3);
  const char *expected[] = { "/h/a", "/h/b", NULL };
  assert_range_keys (at3, expected);
  assert_kv (at3->kvs->pdata[0], "/h/a", "a2", r1, r3, 2);
  assert_kv (at3->kvs->pdata[1], "/h/b", "b1", R (2), R (2), 1);

  g_autoptr (KcStoreRangeResult) at1 = must_range (s, "/h/", NULL, r1, 0,
                                                   FALSE);
  const char *expected1[] = { "/h/a", NULL };
  assert_range_keys (at1, expected1);
  assert_kv (at1->kvs->pdata[0], "/h/a", "a1", r1, r1, 1);

  g_autoptr (KcStoreRangeResult) now = must_range (s, "/h/", NULL, 0, 0,
                                                   FALSE);
  const char *expected_now[] = { "/h/a", "/h/c", NULL };
  assert_range_keys (now, expected_now);
  g_assert_cmpint (now->revision, ==, R (5));
}

static void
test_range_future_revision (Fixture *f, gconstpointer data)
{
  gint64 r = must_create (f->store, "/f/a", "x");
  KcStoreRange range = { .prefix = "/f/", .revision = r + 1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) res = kc_test_range (f->store, &range,
                                                      &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_FUTURE_REVISION);
  g_assert_null (res);
}

/* Writes issued while pages are read, so that every page is read while the
 * store moves on. */
typedef struct
{
  guint pending;
  guint failed;
} SideWrites;

static KcTestStore *side_store;

static void
side_update_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  SideWrites *w = data;
  g_autoptr (GError) error = NULL;
  if (side_store->vt->update_finish (side_store->self, result, NULL, &error)
      <= 0)
    w->failed++;
  w->pending--;
}

static void
side_delete_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  SideWrites *w = data;
  g_autoptr (GError) error = NULL;
  if (side_store->vt->delete_finish (side_store->self, result, NULL, &error)
      <= 0)
    w->failed++;
  w->pending--;
}

static void
side_create_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  SideWrites *w = data;
  g_autoptr (GError) error = NULL;
  if (side_store->vt->create_finish (side_store->self, result, &error) <= 0)
    w->failed++;
  w->pending--;
}

static void
test_range_pagination (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  const guint n = (guint) opt_pagination_keys;
  const gint64 page = 1000;
  bulk_create (s, "/page/", n);
  g_autoptr (KcStoreRangeResult) first = must_range (s, "/page/", NULL, 0,
                                                     page, FALSE);
  const gint64 rev0 = first->revision;
  g_assert_cmpint (rev0, ==, R (n));
  g_assert_cmpint (first->count, ==, n);

  SideWrites side = { 0 };
  side_store = s;
  g_autofree char *last = NULL;
  guint seen = 0;
  KcStoreRangeResult *r = g_steal_pointer (&first);
  for (guint p = 0;; p++)
    {
      g_assert_cmpint (r->revision, ==, rev0);
      g_assert_cmpint (r->count, ==, (gint64) (n - seen));
      g_assert_cmpuint (r->kvs->len, <=, page);
      for (guint i = 0; i < r->kvs->len; i++)
        {
          KcStoreKv *kv = r->kvs->pdata[i];
          char key[64], value[32];
          g_snprintf (key, sizeof key, "/page/%08u", seen);
          g_snprintf (value, sizeof value, "v%08u", seen);
          g_assert_cmpstr (kv->key, ==, key);
          assert_value (kv, value);
          g_assert_cmpint (kv->version, ==, 1);
          g_assert_cmpint (kv->mod_revision, ==, kv->create_revision);
          g_assert_cmpint (kv->create_revision, <=, rev0);
          seen++;
        }
      gboolean more = r->more;
      if (r->kvs->len > 0)
        {
          g_free (last);
          last = g_strdup (((KcStoreKv *) r->kvs->pdata[r->kvs->len - 1])->key);
        }
      kc_store_range_result_free (r);
      g_assert_cmpint (more, ==, seen < n);
      if (!more)
        break;

      /* Change keys not read yet, add keys at the end, without waiting. */
      char key[64];
      g_autoptr (GBytes) v = kc_test_bytes ("changed");
      g_snprintf (key, sizeof key, "/page/%08u", seen + 500);
      if (seen + 500 < n)
        {
          side.pending++;
          s->vt->update_async (s->self, key, v, 0, NULL, side_update_cb,
                                 &side);
        }
      g_snprintf (key, sizeof key, "/page/%08u", seen + 700);
      if (seen + 700 < n)
        {
          side.pending++;
          s->vt->delete_async (s->self, key, 0, NULL, side_delete_cb, &side);
        }
      g_snprintf (key, sizeof key, "/page/new-%u", p);
      side.pending++;
      s->vt->create_async (s->self, key, v, 0, NULL, side_create_cb, &side);

      KcStoreRange range = { .prefix = "/page/", .start_after = last,
                             .revision = rev0, .limit = page };
      g_autoptr (GError) error = NULL;
      r = kc_test_range (s, &range, &error);
      g_assert_no_error (error);
      g_assert_nonnull (r);
    }
  g_assert_cmpuint (seen, ==, n);
  g_autofree char *last_expected = g_strdup_printf ("/page/%08u", n - 1);
  g_assert_cmpstr (last, ==, last_expected);
  while (side.pending > 0)
    kc_test_iterate_for (5);
  g_assert_cmpuint (side.failed, ==, 0);
  /* The side writes happened: the latest view differs from rev0. */
  g_assert_cmpint (kc_test_revision (s), >, rev0);
}

/* ---- /store/watch ---------------------------------------------------------- */

static void
test_watch_from_current (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  must_create (s, "/w/old", "before the watch");
  g_autoptr (Recorder) rec = watch_start (s, "/w/", 0);
  gint64 c = must_create (s, "/w/a", "a1");
  gint64 u = must_update (s, "/w/a", "a2", c);
  must_create (s, "/x/outside", "not watched");
  gint64 d = must_delete (s, "/w/a");
  gint64 u2 = must_update (s, "/w/old", "after", 0);

  g_assert_true (recorder_wait (rec, 4, 10000));
  kc_test_iterate_for (50);
  g_assert_cmpuint (rec->events->len, ==, 4);
  g_assert_null (rec->error);

  RecEvent *e = rec_event (rec, 0);
  g_assert_cmpuint (e->type, ==, KC_STORE_EVENT_PUT);
  assert_kv (e->kv, "/w/a", "a1", c, c, 1);
  g_assert_null (e->prev_kv);

  e = rec_event (rec, 1);
  g_assert_cmpuint (e->type, ==, KC_STORE_EVENT_PUT);
  assert_kv (e->kv, "/w/a", "a2", c, u, 2);
  assert_kv (e->prev_kv, "/w/a", "a1", c, c, 1);

  e = rec_event (rec, 2);
  g_assert_cmpuint (e->type, ==, KC_STORE_EVENT_DELETE);
  g_assert_cmpstr (e->kv->key, ==, "/w/a");
  g_assert_null (e->kv->value);
  g_assert_cmpint (e->kv->mod_revision, ==, d);
  assert_kv (e->prev_kv, "/w/a", "a2", c, u, 2);

  e = rec_event (rec, 3);
  g_assert_cmpuint (e->type, ==, KC_STORE_EVENT_PUT);
  assert_kv (e->kv, "/w/old", "after", R (1), u2, 2);
  assert_kv (e->prev_kv, "/w/old", "before the watch", R (1), R (1), 1);

  watch_stop (s, rec);
}

static void
do_history (KcTestStore *s)
{
  gint64 a = must_create (s, "/h/a", "a1");
  must_create (s, "/h/b", "b1");
  must_create (s, "/other/x", "x");
  must_update (s, "/h/a", "a2", a);
  must_delete (s, "/h/b");
  must_create (s, "/h/b", "b2");
  must_update (s, "/h/a", "a3", 0);
  must_update (s, "/other/x", "x2", 0);
  must_delete (s, "/h/a");
}

static void
assert_replay (Recorder *live, Recorder *replay, gint64 from)
{
  guint j = 0;
  for (guint i = 0; i < live->events->len; i++)
    {
      RecEvent *e = rec_event (live, i);
      if (e->kv->mod_revision < from)
        continue;
      assert_event_equal (e, rec_event (replay, j));
      j++;
    }
  g_assert_cmpuint (j, ==, replay->events->len);
}

static void
test_watch_from_past (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  g_autoptr (Recorder) live = watch_start (s, "/h/", 0);
  do_history (s);
  g_assert_true (recorder_wait (live, 7, 10000));

  g_autoptr (Recorder) all = watch_start (s, "/h/", R (1));
  g_autoptr (Recorder) mid = watch_start (s, "/h/", R (4));
  g_assert_true (recorder_wait (all, 7, 10000));
  g_assert_true (recorder_wait (mid, 5, 10000));
  kc_test_iterate_for (50);
  g_assert_cmpuint (live->events->len, ==, 7);
  assert_replay (live, all, R (1));
  assert_replay (live, mid, R (4));

  /* From replay to live without a gap or a repeat. */
  must_create (s, "/h/c", "c1");
  g_assert_true (recorder_wait (live, 8, 10000));
  g_assert_true (recorder_wait (all, 8, 10000));
  g_assert_true (recorder_wait (mid, 6, 10000));
  kc_test_iterate_for (50);
  assert_replay (live, all, R (1));
  assert_replay (live, mid, R (4));

  watch_stop (s, live);
  watch_stop (s, all);
  watch_stop (s, mid);
}

static void
test_watch_prefix (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  g_autoptr (Recorder) rec = watch_start (s, "/a/b", 0);
  g_autoptr (Recorder) every = watch_start (s, "", 0);
  must_create (s, "/a/bc", "1");
  must_create (s, "/a/a", "2");
  must_create (s, "/a/b", "3");
  must_create (s, "/a/b/c", "4");
  must_create (s, "/b", "5");
  g_assert_true (recorder_wait (rec, 3, 10000));
  g_assert_true (recorder_wait (every, 5, 10000));
  kc_test_iterate_for (50);
  g_assert_cmpuint (rec->events->len, ==, 3);
  g_assert_cmpuint (every->events->len, ==, 5);
  g_assert_cmpstr (rec_event (rec, 0)->kv->key, ==, "/a/bc");
  g_assert_cmpstr (rec_event (rec, 1)->kv->key, ==, "/a/b");
  g_assert_cmpstr (rec_event (rec, 2)->kv->key, ==, "/a/b/c");
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (rec_event (every, i)->kv->mod_revision, ==, R (i + 1));
  watch_stop (s, rec);
  watch_stop (s, every);
}

/* Several threads, each with its own main context, write at once. */
#define CW_THREADS 4
#define CW_WRITES 300
#define CW_IN_FLIGHT 8

typedef struct
{
  KcTestStore *store;
  guint id;
  guint next, done, in_flight;
  gboolean finished;
  gboolean wrong_thread;
  GThread *thread;
  GError *error;
  gint64 revisions[CW_WRITES];
} Writer;

typedef struct
{
  Writer *w;
  guint index;
} WriteOp;

static void writer_next (Writer *w);

static void
writer_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  WriteOp *op = data;
  Writer *w = op->w;
  GError *error = NULL;
  gint64 rev;
  /* Writes 0..CW_WRITES/2-1 create keys; the rest update them. */
  if (op->index < CW_WRITES / 2)
    rev = w->store->vt->create_finish (w->store->self, result, &error);
  else
    rev = w->store->vt->update_finish (w->store->self, result, NULL, &error);
  if (g_thread_self () != w->thread)
    w->wrong_thread = TRUE;
  if (error && w->error == NULL)
    w->error = error;
  else
    g_clear_error (&error);
  w->revisions[op->index] = rev;
  g_free (op);
  w->done++;
  w->in_flight--;
  writer_next (w);
}

static void
writer_next (Writer *w)
{
  /* An update waits until its key's create is acknowledged. */
  while (w->next < CW_WRITES && w->in_flight < CW_IN_FLIGHT
         && (w->next < CW_WRITES / 2
             || w->revisions[w->next - CW_WRITES / 2] != 0))
    {
      WriteOp *op = g_new0 (WriteOp, 1);
      op->w = w;
      op->index = w->next++;
      guint key_index = op->index % (CW_WRITES / 2);
      g_autofree char *key = g_strdup_printf ("/cw/t%u/%04u", w->id,
                                              key_index);
      g_autofree char *value = g_strdup_printf ("t%u-w%u", w->id, op->index);
      g_autoptr (GBytes) v = kc_test_bytes (value);
      w->in_flight++;
      if (op->index < CW_WRITES / 2)
        w->store->vt->create_async (w->store->self, key, v, 0, NULL,
                                    writer_cb, op);
      else
        w->store->vt->update_async (w->store->self, key, v, 0, NULL,
                                    writer_cb, op);
    }
  if (w->done == CW_WRITES)
    w->finished = TRUE;
}

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  GMainContext *context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  w->thread = g_thread_self ();
  writer_next (w);
  if (!kc_test_iterate_until (&w->finished, 120000) && w->error == NULL)
    w->error = g_error_new (KC_STORE_ERROR, 0, "writer %u timed out", w->id);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_watch_concurrent_writers (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  const guint total = CW_THREADS * CW_WRITES;
  g_autoptr (Recorder) rec = watch_start (s, "/cw/", 0);
  Writer writers[CW_THREADS];
  GThread *threads[CW_THREADS];
  for (guint t = 0; t < CW_THREADS; t++)
    {
      writers[t] = (Writer){ .store = s, .id = t };
      threads[t] = g_thread_new ("store-writer", writer_thread, &writers[t]);
    }
  /* Watch events arrive in this thread while the writers run. */
  g_assert_true (recorder_wait (rec, total, 120000));
  for (guint t = 0; t < CW_THREADS; t++)
    {
      g_thread_join (threads[t]);
      g_assert_no_error (writers[t].error);
      g_assert_false (writers[t].wrong_thread);
    }
  kc_test_iterate_for (50);
  g_assert_null (rec->error);
  g_assert_cmpuint (rec->events->len, ==, total);

  /* Every revision exactly once, in order, matching what was written. */
  g_autoptr (GHashTable) by_rev = g_hash_table_new (g_int64_hash,
                                                    g_int64_equal);
  for (guint t = 0; t < CW_THREADS; t++)
    for (guint i = 0; i < CW_WRITES; i++)
      {
        g_assert_cmpint (writers[t].revisions[i], >, 0);
        g_assert_false (g_hash_table_contains (by_rev,
                                               &writers[t].revisions[i]));
        g_hash_table_insert (by_rev, &writers[t].revisions[i],
                             GUINT_TO_POINTER (t * CW_WRITES + i + 1));
      }
  g_autoptr (GHashTable) last_by_key = g_hash_table_new (g_str_hash,
                                                         g_str_equal);
  for (guint i = 0; i < total; i++)
    {
      RecEvent *e = rec_event (rec, i);
      gint64 rev = R (i + 1);
      g_assert_cmpint (e->kv->mod_revision, ==, rev);
      guint code = GPOINTER_TO_UINT (g_hash_table_lookup (by_rev, &rev));
      g_assert_cmpuint (code, >, 0);
      guint t = (code - 1) / CW_WRITES, w = (code - 1) % CW_WRITES;
      g_autofree char *value = g_strdup_printf ("t%u-w%u", t, w);
      assert_value (e->kv, value);
      /* prev_kv is the key's previous event. */
      RecEvent *before = g_hash_table_lookup (last_by_key, e->kv->key);
      if (before == NULL)
        g_assert_null (e->prev_kv);
      else
        assert_kv_equal (e->prev_kv, before->kv);
      g_hash_table_insert (last_by_key, e->kv->key, e);
    }
  watch_stop (s, rec);
}

static void
test_watch_cancel (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  g_autoptr (Recorder) rec = watch_start (s, "/c/", 0);
  must_create (s, "/c/a", "1");
  g_assert_true (recorder_wait (rec, 1, 10000));
  g_assert_cmpuint (rec->destroyed, ==, 0);
  watch_stop (s, rec);
  /* destroy may run from an idle, but runs exactly once. */
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (rec->destroyed == 0 && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (5);
  g_assert_cmpuint (rec->destroyed, ==, 1);
  guint calls = rec->calls;
  must_create (s, "/c/b", "2");
  must_update (s, "/c/a", "3", 0);
  kc_test_iterate_for (200);
  g_assert_cmpuint (rec->calls, ==, calls);
  g_assert_cmpuint (rec->events->len, ==, 1);
  g_assert_cmpuint (rec->destroyed, ==, 1);
  kc_test_store_close (g_steal_pointer (&f->store));
  kc_test_iterate_for (20);
  g_assert_cmpuint (rec->destroyed, ==, 1);
}

static void
test_watch_cancel_before_delivery (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  must_create (s, "/c/a", "1");
  must_create (s, "/c/b", "2");
  /* A replay is pending when the watch is cancelled: nothing is delivered. */
  g_autoptr (Recorder) rec = watch_start (s, "/c/", R (1));
  watch_stop (s, rec);
  kc_test_iterate_for (200);
  g_assert_cmpuint (rec->calls, ==, 0);
  g_assert_cmpuint (rec->destroyed, ==, 1);
}

static void
test_watch_destroy_on_close (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  g_autoptr (Recorder) rec = watch_start (s, "/c/", 0);
  must_create (s, "/c/a", "1");
  g_assert_true (recorder_wait (rec, 1, 10000));
  kc_test_store_close (g_steal_pointer (&f->store));
  kc_test_iterate_for (20);
  g_assert_cmpuint (rec->destroyed, ==, 1);
}

/* ---- /store/cas -------------------------------------------------------------- */

#define RACERS 32

typedef struct
{
  KcTestStore *store;
  guint done;
  gboolean finished;
  gint64 rev[RACERS];
  GError *error[RACERS];
  KcStoreKv *kv[RACERS];
} Race;

typedef struct
{
  Race *race;
  guint i;
  int kind; /* 0 update, 1 create, 2 delete */
} RaceOp;

static void
race_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  RaceOp *op = data;
  Race *race = op->race;
  gpointer self = race->store->self;
  const KcStoreVtable *vt = race->store->vt;
  guint i = op->i;
  if (op->kind == 0)
    race->rev[i] = vt->update_finish (self, result, &race->kv[i],
                                      &race->error[i]);
  else if (op->kind == 1)
    race->rev[i] = vt->create_finish (self, result, &race->error[i]);
  else
    race->rev[i] = vt->delete_finish (self, result, &race->kv[i],
                                      &race->error[i]);
  g_free (op);
  if (++race->done == RACERS)
    race->finished = TRUE;
}

static void
race_clear (Race *race)
{
  for (guint i = 0; i < RACERS; i++)
    {
      g_clear_error (&race->error[i]);
      g_clear_pointer (&race->kv[i], kc_store_kv_free);
    }
}

static void
race_run (Race *race, int kind, const char *key, gint64 expected)
{
  KcTestStore *s = race->store;
  for (guint i = 0; i < RACERS; i++)
    {
      RaceOp *op = g_new0 (RaceOp, 1);
      op->race = race;
      op->i = i;
      op->kind = kind;
      g_autofree char *value = g_strdup_printf ("racer-%u", i);
      g_autoptr (GBytes) v = kc_test_bytes (value);
      if (kind == 0)
        s->vt->update_async (s->self, key, v, expected, NULL, race_cb, op);
      else if (kind == 1)
        s->vt->create_async (s->self, key, v, 0, NULL, race_cb, op);
      else
        s->vt->delete_async (s->self, key, expected, NULL, race_cb, op);
    }
  g_assert_true (kc_test_iterate_until (&race->finished, 60000));
}

static guint
race_winner (Race *race)
{
  guint winners = 0, winner = 0;
  for (guint i = 0; i < RACERS; i++)
    if (race->error[i] == NULL)
      {
        g_assert_cmpint (race->rev[i], >, 0);
        winners++;
        winner = i;
      }
    else
      g_assert_cmpint (race->rev[i], ==, 0);
  g_assert_cmpuint (winners, ==, 1);
  return winner;
}

static void
test_cas_update_race (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 c = must_create (s, "/cas/a", "start");
  Race race = { .store = s };
  race_run (&race, 0, "/cas/a", c);
  guint w = race_winner (&race);
  g_assert_cmpint (race.rev[w], ==, c + 1);
  g_autofree char *wv = g_strdup_printf ("racer-%u", w);
  for (guint i = 0; i < RACERS; i++)
    if (i != w)
      {
        g_assert_error (race.error[i], KC_STORE_ERROR,
                        KC_STORE_ERROR_CONFLICT);
        assert_kv (race.kv[i], "/cas/a", wv, c, c + 1, 2);
      }
  g_assert_cmpint (kc_test_revision (s), ==, c + 1);
  g_autoptr (KcStoreKv) kv = must_get (s, "/cas/a", 0);
  assert_kv (kv, "/cas/a", wv, c, c + 1, 2);
  race_clear (&race);
}

static void
test_cas_create_race (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  Race race = { .store = s };
  race_run (&race, 1, "/cas/new", 0);
  guint w = race_winner (&race);
  for (guint i = 0; i < RACERS; i++)
    if (i != w)
      g_assert_error (race.error[i], KC_STORE_ERROR, KC_STORE_ERROR_EXISTS);
  g_assert_cmpint (kc_test_revision (s), ==, R (1));
  g_autofree char *wv = g_strdup_printf ("racer-%u", w);
  g_autoptr (KcStoreKv) kv = must_get (s, "/cas/new", 0);
  assert_kv (kv, "/cas/new", wv, R (1), R (1), 1);
  race_clear (&race);
}

static void
test_cas_delete_race (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 c = must_create (s, "/cas/d", "x");
  Race race = { .store = s };
  race_run (&race, 2, "/cas/d", c);
  guint w = race_winner (&race);
  g_assert_cmpint (race.rev[w], ==, c + 1);
  for (guint i = 0; i < RACERS; i++)
    if (i != w)
      g_assert_true (g_error_matches (race.error[i], KC_STORE_ERROR,
                                      KC_STORE_ERROR_NOT_FOUND)
                     || g_error_matches (race.error[i], KC_STORE_ERROR,
                                         KC_STORE_ERROR_CONFLICT));
  g_assert_cmpint (kc_test_revision (s), ==, c + 1);
  race_clear (&race);
}

/* ---- /store/compact ---------------------------------------------------------- */

static void
make_compact_history (KcTestStore *s)
{
  must_create (s, "/k/a", "a1");        /* 1 */
  must_update (s, "/k/a", "a2", 0);     /* 2 */
  must_create (s, "/k/gone", "g");      /* 3 */
  must_update (s, "/k/a", "a3", 0);     /* 4 */
  must_delete (s, "/k/gone");           /* 5 */
  must_create (s, "/k/b", "b1");        /* 6 */
  g_autoptr (GError) error = NULL;
  g_assert_true (kc_test_compact (s, R (5), &error));
  g_assert_no_error (error);
  must_update (s, "/k/b", "b2", 0);     /* 7 */
}

static void
test_compact_get (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  make_compact_history (s);
  assert_get_fails (s, "/k/a", R (1), KC_STORE_ERROR_COMPACTED);
  assert_get_fails (s, "/k/a", R (4), KC_STORE_ERROR_COMPACTED);
  /* The compaction revision itself stays readable, with keys last written
   * before it. */
  g_autoptr (KcStoreKv) a5 = must_get (s, "/k/a", R (5));
  assert_kv (a5, "/k/a", "a3", R (1), R (4), 3);
  assert_get_fails (s, "/k/gone", R (5), KC_STORE_ERROR_NOT_FOUND);
  g_autoptr (KcStoreKv) b6 = must_get (s, "/k/b", R (6));
  assert_kv (b6, "/k/b", "b1", R (6), R (6), 1);
  g_autoptr (KcStoreKv) a = must_get (s, "/k/a", 0);
  assert_kv (a, "/k/a", "a3", R (1), R (4), 3);
  g_assert_cmpint (kc_test_revision (s), ==, R (7));
}

static void
test_compact_range (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  make_compact_history (s);
  KcStoreRange range = { .prefix = "/k/", .revision = R (3) };
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreRangeResult) old = kc_test_range (s, &range, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED);
  g_assert_null (old);
  g_clear_error (&error);
  range.count_only = TRUE;
  g_autoptr (KcStoreRangeResult) old2 = kc_test_range (s, &range, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED);
  g_assert_null (old2);

  g_autoptr (KcStoreRangeResult) at5 = must_range (s, "/k/", NULL, R (5), 0,
                                                   FALSE);
  const char *expected[] = { "/k/a", NULL };
  assert_range_keys (at5, expected);
  g_autoptr (KcStoreRangeResult) now = must_range (s, "/k/", NULL, 0, 0,
                                                   FALSE);
  const char *expected_now[] = { "/k/a", "/k/b", NULL };
  assert_range_keys (now, expected_now);
  assert_kv (now->kvs->pdata[1], "/k/b", "b2", R (6), R (7), 2);
}

static void
test_compact_watch (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  make_compact_history (s);
  g_autoptr (Recorder) old = watch_start (s, "/k/", R (4));
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (old->error == NULL && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (5);
  g_assert_error (old->error, KC_STORE_ERROR, KC_STORE_ERROR_COMPACTED);
  g_assert_cmpuint (old->events->len, ==, 0);
  g_assert_cmpuint (old->calls, ==, 1);
  must_update (s, "/k/a", "a4", 0);
  kc_test_iterate_for (100);
  g_assert_cmpuint (old->calls, ==, 1);

  /* From the compaction revision on, history is complete. */
  g_autoptr (Recorder) ok = watch_start (s, "/k/", R (5));
  g_assert_true (recorder_wait (ok, 4, 10000));
  kc_test_iterate_for (50);
  g_assert_null (ok->error);
  g_assert_cmpuint (ok->events->len, ==, 4);
  g_assert_cmpint (rec_event (ok, 0)->kv->mod_revision, ==, R (5));
  g_assert_cmpuint (rec_event (ok, 0)->type, ==, KC_STORE_EVENT_DELETE);
  assert_kv (rec_event (ok, 0)->prev_kv, "/k/gone", "g", R (3), R (3), 1);
  g_assert_cmpint (rec_event (ok, 1)->kv->mod_revision, ==, R (6));
  g_assert_cmpint (rec_event (ok, 2)->kv->mod_revision, ==, R (7));
  g_assert_cmpint (rec_event (ok, 3)->kv->mod_revision, ==, R (8));
  assert_kv (rec_event (ok, 3)->prev_kv, "/k/a", "a3", R (1), R (4), 3);

  watch_stop (s, old);
  watch_stop (s, ok);
  kc_test_iterate_for (20);
  g_assert_cmpuint (old->destroyed, ==, 1);
}

/* ---- /store/lease ------------------------------------------------------------- */

static gint64
must_grant (KcTestStore *s, gint64 ttl)
{
  g_autoptr (GError) error = NULL;
  gint64 id = kc_test_lease_grant (s, ttl, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
must_create_leased (KcTestStore *s, const char *key, gint64 lease)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) v = kc_test_bytes (key);
  gint64 rev = kc_test_create (s, key, v, lease, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rev, >, 0);
  return rev;
}

static void
test_lease_grant_keepalive (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 l1 = must_grant (s, 30);
  gint64 l2 = must_grant (s, 30);
  g_assert_cmpint (l1, !=, l2);
  g_autoptr (GError) error = NULL;
  gint64 ttl = kc_test_lease_keepalive (s, l1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ttl, >, 0);
  g_assert_cmpint (ttl, <=, 30);

  gint64 c = must_create_leased (s, "/l/a", l1);
  g_autoptr (KcStoreKv) kv = must_get (s, "/l/a", 0);
  g_assert_cmpint (kv->lease, ==, l1);
  /* An update keeps the lease. */
  gint64 u = must_update (s, "/l/a", "new", c);
  g_autoptr (KcStoreKv) kv2 = must_get (s, "/l/a", 0);
  g_assert_cmpint (kv2->lease, ==, l1);
  g_assert_cmpint (kv2->mod_revision, ==, u);
  /* Granting changes no key: the revision stays. */
  must_grant (s, 30);
  g_assert_cmpint (kc_test_revision (s), ==, u);
}

static void
test_lease_unknown (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 l = must_grant (s, 30);
  gint64 bogus = l + 1000003;
  g_autoptr (GBytes) v = kc_test_bytes ("x");
  {
    g_autoptr (GError) error = NULL;
    gint64 rev = kc_test_create (s, "/l/a", v, bogus, &error);
    g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
    g_assert_cmpint (rev, ==, 0);
  }
  assert_get_fails (s, "/l/a", 0, KC_STORE_ERROR_NOT_FOUND);
  g_assert_cmpint (kc_test_revision (s), ==, R (0));
  {
    g_autoptr (GError) error = NULL;
    kc_test_lease_keepalive (s, bogus, &error);
    g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
  }
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (kc_test_lease_revoke (s, bogus, &error));
    g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
  }
}

static void
test_lease_revoke (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 l = must_grant (s, 60);
  must_create_leased (s, "/l/a", l);
  must_create_leased (s, "/l/b", l);
  must_create (s, "/l/free", "x");
  must_create_leased (s, "/l/c", l);
  gint64 before = kc_test_revision (s);
  g_autoptr (Recorder) rec = watch_start (s, "/l/", 0);

  g_autoptr (GError) error = NULL;
  g_assert_true (kc_test_lease_revoke (s, l, &error));
  g_assert_no_error (error);
  g_assert_true (recorder_wait (rec, 3, 10000));
  kc_test_iterate_for (50);
  g_assert_cmpuint (rec->events->len, ==, 3);
  g_autoptr (GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < 3; i++)
    {
      RecEvent *e = rec_event (rec, i);
      g_assert_cmpuint (e->type, ==, KC_STORE_EVENT_DELETE);
      g_assert_cmpint (e->kv->mod_revision, ==, before + 1 + i);
      g_assert_nonnull (e->prev_kv);
      g_assert_cmpint (e->prev_kv->lease, ==, l);
      g_assert_cmpstr (e->prev_kv->key, ==, e->kv->key);
      g_hash_table_add (keys, e->kv->key);
    }
  g_assert_true (g_hash_table_contains (keys, "/l/a"));
  g_assert_true (g_hash_table_contains (keys, "/l/b"));
  g_assert_true (g_hash_table_contains (keys, "/l/c"));
  g_assert_cmpint (kc_test_revision (s), ==, before + 3);
  assert_get_fails (s, "/l/a", 0, KC_STORE_ERROR_NOT_FOUND);
  g_autoptr (KcStoreKv) free_kv = must_get (s, "/l/free", 0);

  kc_test_lease_keepalive (s, l, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (kc_test_lease_revoke (s, l, &error));
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
  watch_stop (s, rec);
}

static void
test_lease_expiry (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 l = must_grant (s, 1);
  gint64 ca = must_create_leased (s, "/l/a", l);
  gint64 cb = must_create_leased (s, "/l/b", l);
  must_create (s, "/l/free", "x");
  gint64 before = kc_test_revision (s);
  g_autoptr (Recorder) rec = watch_start (s, "/l/", 0);

  g_assert_true (recorder_wait (rec, 2, 15000));
  kc_test_iterate_for (50);
  g_assert_cmpuint (rec->events->len, ==, 2);
  /* store.h allows one revision per key (kcore's own stores) or one
   * revision for all the lease's keys (etcd deletes them in one
   * transaction); either way each key is deleted once, in order. */
  gboolean one_revision = rec_event (rec, 0)->kv->mod_revision
                          == rec_event (rec, 1)->kv->mod_revision;
  for (guint i = 0; i < 2; i++)
    {
      RecEvent *e = rec_event (rec, i);
      g_assert_cmpuint (e->type, ==, KC_STORE_EVENT_DELETE);
      g_assert_cmpint (e->kv->mod_revision, ==,
                       before + 1 + (one_revision ? 0 : i));
      g_assert_nonnull (e->prev_kv);
      gboolean is_a = g_str_equal (e->kv->key, "/l/a");
      assert_kv (e->prev_kv, is_a ? "/l/a" : "/l/b", is_a ? "/l/a" : "/l/b",
                 is_a ? ca : cb, is_a ? ca : cb, 1);
    }
  g_assert_cmpstr (rec_event (rec, 0)->kv->key, !=,
                   rec_event (rec, 1)->kv->key);
  assert_get_fails (s, "/l/a", 0, KC_STORE_ERROR_NOT_FOUND);
  assert_get_fails (s, "/l/b", 0, KC_STORE_ERROR_NOT_FOUND);
  g_autoptr (KcStoreKv) free_kv = must_get (s, "/l/free", 0);
  g_assert_cmpint (kc_test_revision (s), ==, before + (one_revision ? 1 : 2));

  g_autoptr (GError) error = NULL;
  kc_test_lease_keepalive (s, l, &error);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_autoptr (GBytes) v = kc_test_bytes ("late");
  g_assert_cmpint (kc_test_create (s, "/l/late", v, l, &error), ==, 0);
  g_assert_error (error, KC_STORE_ERROR, KC_STORE_ERROR_NOT_FOUND);
  watch_stop (s, rec);
}

static void
test_lease_keepalive_extends (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 l = must_grant (s, 1);
  must_create_leased (s, "/l/a", l);
  /* 2.5 TTLs, renewed every quarter TTL. */
  for (int i = 0; i < 10; i++)
    {
      kc_test_iterate_for (250);
      g_autoptr (GError) error = NULL;
      gint64 ttl = kc_test_lease_keepalive (s, l, &error);
      g_assert_no_error (error);
      g_assert_cmpint (ttl, >, 0);
    }
  g_autoptr (KcStoreKv) kv = must_get (s, "/l/a", 0);
  g_assert_cmpint (kv->lease, ==, l);
  g_autoptr (GError) error = NULL;
  g_assert_true (kc_test_lease_revoke (s, l, &error));
  g_assert_no_error (error);
}

/* ---- /store/value --------------------------------------------------------------- */

static GBytes *
random_bytes (gsize n)
{
  guint8 *data = g_malloc (n);
  for (gsize i = 0; i < n; i += 4)
    {
      guint32 r = g_test_rand_int ();
      memcpy (data + i, &r, MIN (4, n - i));
    }
  return g_bytes_new_take (data, n);
}

static void
test_value_1mib (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  g_autoptr (Recorder) rec = watch_start (s, "/big/", 0);
  g_autoptr (GBytes) v1 = random_bytes (1024 * 1024);
  g_autoptr (GBytes) v2 = random_bytes (1024 * 1024);
  g_autoptr (GError) error = NULL;
  gint64 c = kc_test_create (s, "/big/a", v1, 0, &error);
  g_assert_no_error (error);
  g_autoptr (KcStoreKv) kv = must_get (s, "/big/a", 0);
  assert_bytes_equal (kv->value, v1);
  gint64 u = kc_test_update (s, "/big/a", v2, c, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (u, ==, c + 1);
  g_autoptr (KcStoreRangeResult) r = must_range (s, "/big/", NULL, 0, 0,
                                                 FALSE);
  g_assert_cmpuint (r->kvs->len, ==, 1);
  assert_bytes_equal (((KcStoreKv *) r->kvs->pdata[0])->value, v2);
  g_autoptr (KcStoreKv) old = must_get (s, "/big/a", c);
  assert_bytes_equal (old->value, v1);

  g_assert_true (recorder_wait (rec, 2, 10000));
  assert_bytes_equal (rec_event (rec, 0)->kv->value, v1);
  assert_bytes_equal (rec_event (rec, 1)->kv->value, v2);
  assert_bytes_equal (rec_event (rec, 1)->prev_kv->value, v1);
  watch_stop (s, rec);
}

static void
test_value_binary (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  static const guint8 raw[] = { 0, 1, 0, 255, 0x80, 0, '\n', 0 };
  g_autoptr (GBytes) bin = g_bytes_new_static (raw, sizeof raw);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GError) error = NULL;
  kc_test_create (s, "/v/bin", bin, 0, &error);
  g_assert_no_error (error);
  kc_test_create (s, "/v/empty", empty, 0, &error);
  g_assert_no_error (error);
  g_autoptr (KcStoreKv) b = must_get (s, "/v/bin", 0);
  assert_bytes_equal (b->value, bin);
  /* An empty value is a value, not a missing one. */
  g_autoptr (KcStoreKv) e = must_get (s, "/v/empty", 0);
  g_assert_nonnull (e->value);
  g_assert_cmpuint (g_bytes_get_size (e->value), ==, 0);
}

/* ---- /store/async ------------------------------------------------------------------ */

typedef struct
{
  GAsyncResult *result;
  gboolean done;
} CancelWait;

static void
cancel_wait_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  CancelWait *w = data;
  w->result = g_object_ref (result);
  w->done = TRUE;
}

static void
test_async_cancelled (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  must_create (s, "/a/x", "x");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  CancelWait w = { 0 };
  s->vt->get_async (s->self, "/a/x", 0, cancellable, cancel_wait_cb, &w);
  g_assert_true (kc_test_iterate_until (&w.done, 10000));
  g_autoptr (GError) error = NULL;
  g_autoptr (KcStoreKv) kv = s->vt->get_finish (s->self, w.result, NULL,
                                                &error);
  g_object_unref (w.result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (kv);
}

typedef struct
{
  KcTestStore *store;
  GThread *thread;
  gboolean callback_in_thread;
  gboolean done;
  gint64 rev;
} ThreadCall;

static void
thread_call_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  ThreadCall *tc = data;
  tc->callback_in_thread = g_thread_self () == tc->thread;
  tc->rev = tc->store->vt->create_finish (tc->store->self, result, NULL);
  tc->done = TRUE;
}

static gpointer
thread_call_main (gpointer data)
{
  ThreadCall *tc = data;
  GMainContext *context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  tc->thread = g_thread_self ();
  g_autoptr (GBytes) v = kc_test_bytes ("from a thread");
  tc->store->vt->create_async (tc->store->self, "/t/a", v, 0, NULL,
                               thread_call_cb, tc);
  kc_test_iterate_until (&tc->done, 30000);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_async_thread_context (Fixture *f, gconstpointer data)
{
  ThreadCall tc = { .store = f->store };
  GThread *t = g_thread_new ("store-caller", thread_call_main, &tc);
  /* The main context keeps running, as a daemon's would. */
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&tc.done) && g_get_monotonic_time () < deadline)
    kc_test_iterate_for (5);
  g_thread_join (t);
  g_assert_true (tc.done);
  g_assert_true (tc.callback_in_thread);
  g_assert_cmpint (tc.rev, ==, R (1));
}

/* ---- /store/durable ------------------------------------------------------------- */

static void
test_durable_reopen (Fixture *f, gconstpointer data)
{
  KcTestStore *s = f->store;
  gint64 a = must_create (s, "/d/a", "a1");
  gint64 a2 = must_update (s, "/d/a", "a2", a);
  must_create (s, "/d/b", "b1");
  gint64 d = must_delete (s, "/d/b");
  kc_test_store_close (s);
  f->store = s = open_store (f->dir);

  g_assert_cmpint (kc_test_revision (s), ==, d);
  g_autoptr (KcStoreKv) kv = must_get (s, "/d/a", 0);
  assert_kv (kv, "/d/a", "a2", a, a2, 2);
  assert_get_fails (s, "/d/b", 0, KC_STORE_ERROR_NOT_FOUND);
  g_autoptr (KcStoreKv) old = must_get (s, "/d/a", a);
  assert_kv (old, "/d/a", "a1", a, a, 1);
  g_assert_cmpint (must_create (s, "/d/c", "c"), ==, d + 1);
}

/* The crash writer: a child process that creates keys as fast as it can
 * and prints "KEY REVISION" for each acknowledged create. */
typedef struct
{
  KcTestStore *store;
  gint64 next;
  guint in_flight;
} CrashWriter;

static void crash_writer_next (CrashWriter *w);

static void
crash_writer_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  CrashWriter *w = ((gpointer *) data)[0];
  char *key = ((gpointer *) data)[1];
  g_free (data);
  GError *error = NULL;
  gint64 rev = w->store->vt->create_finish (w->store->self, result, &error);
  if (rev <= 0)
    {
      g_printerr ("crash writer: create %s: %s\n", key,
                  error ? error->message : "revision 0");
      _exit (3);
    }
  /* One write() per line: a line is either wholly in the pipe or not. */
  char line[128];
  int len = g_snprintf (line, sizeof line, "%s %" G_GINT64_FORMAT "\n", key,
                        rev);
  if (write (STDOUT_FILENO, line, len) != len)
    _exit (4);
  g_free (key);
  w->in_flight--;
  crash_writer_next (w);
}

static void
crash_writer_next (CrashWriter *w)
{
  while (w->in_flight < 32)
    {
      gpointer *pair = g_new0 (gpointer, 2);
      pair[0] = w;
      pair[1] = g_strdup_printf ("/crash/%012" G_GINT64_FORMAT, w->next++);
      g_autoptr (GBytes) v = kc_test_bytes (pair[1]);
      w->in_flight++;
      w->store->vt->create_async (w->store->self, pair[1], v, 0, NULL,
                                  crash_writer_cb, pair);
    }
}

static int
crash_writer_main (void)
{
  g_autoptr (GError) error = NULL;
  test_plugin = kc_test_plugin_load (opt_plugin,
                                     (const char *const *) opt_options,
                                     &error);
  if (test_plugin == NULL)
    {
      g_printerr ("crash writer: %s\n", error->message);
      return 2;
    }
  KcTestStore *store = kc_test_store_open (test_plugin, opt_data_dir, &error);
  if (store == NULL)
    {
      g_printerr ("crash writer: %s\n", error->message);
      return 2;
    }
  CrashWriter w = { .store = store, .next = opt_crash_start };
  crash_writer_next (&w);
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  GInputStream *stream;
  GString *out;
  gint first_line; /* atomic */
} CrashReader;

static gpointer
crash_reader_main (gpointer data)
{
  CrashReader *r = data;
  char buf[65536];
  gssize n;
  while ((n = g_input_stream_read (r->stream, buf, sizeof buf, NULL, NULL))
         > 0)
    {
      g_string_append_len (r->out, buf, n);
      if (memchr (buf, '\n', n))
        g_atomic_int_set (&r->first_line, 1);
    }
  return NULL;
}

static guint
crash_collect_acks (const char *out, GHashTable *acked)
{
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  guint n = 0;
  for (char **l = lines; *l && l[1]; l++) /* the last piece is not a line */
    {
      g_auto (GStrv) parts = g_strsplit (*l, " ", 2);
      g_assert_cmpuint (g_strv_length (parts), ==, 2);
      gint64 rev = g_ascii_strtoll (parts[1], NULL, 10);
      g_assert_cmpint (rev, >, 0);
      g_hash_table_insert (acked, g_strdup (parts[0]),
                           g_memdup2 (&rev, sizeof rev));
      n++;
    }
  return n;
}

static void
crash_check_store (const char *dir, GHashTable *acked)
{
  KcTestStore *s = open_store (dir);
  g_autoptr (KcStoreRangeResult) r = must_range (s, "", NULL, 0, 0, FALSE);
  /* Only creates happened: the store holds one key per revision. */
  g_assert_cmpint ((gint64) r->kvs->len, ==, r->revision);
  g_autoptr (GHashTable) by_key = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree guint8 *seen = g_malloc0 (r->revision + 1);
  for (guint i = 0; i < r->kvs->len; i++)
    {
      KcStoreKv *kv = r->kvs->pdata[i];
      g_assert_cmpint (kv->create_revision, >=, 1);
      g_assert_cmpint (kv->create_revision, <=, r->revision);
      g_assert_cmpint (kv->mod_revision, ==, kv->create_revision);
      g_assert_cmpuint (seen[kv->create_revision], ==, 0);
      seen[kv->create_revision] = 1;
      assert_value (kv, kv->key);
      g_hash_table_insert (by_key, kv->key, kv);
    }
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, acked);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      KcStoreKv *kv = g_hash_table_lookup (by_key, key);
      if (kv == NULL)
        g_error ("acknowledged write %s (revision %" G_GINT64_FORMAT
                 ") is missing after kill -9",
                 (char *) key, *(gint64 *) value);
      g_assert_cmpint (kv->create_revision, ==, *(gint64 *) value);
    }
  kc_test_store_close (s);
}

static void
test_durable_crash (Fixture *f, gconstpointer data)
{
  /* The child owns the store while it runs. */
  kc_test_store_close (g_steal_pointer (&f->store));
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_exe);
  g_autoptr (GHashTable) acked = g_hash_table_new_full (g_str_hash,
                                                        g_str_equal, g_free,
                                                        g_free);
  gint64 started = g_get_monotonic_time ();
  guint rounds = 0, total_acks = 0;
  for (gint round = 0; round < opt_crash_rounds; round++)
    {
      /* Stay within ~30 s even on a slow machine. */
      if (g_get_monotonic_time () - started > 25 * G_USEC_PER_SEC)
        break;
      g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (argv, g_strdup (self_exe));
      g_ptr_array_add (argv, g_strdup ("--crash-writer"));
      g_ptr_array_add (argv, g_strdup_printf ("--crash-start=%d",
                                              round * 1000000));
      g_ptr_array_add (argv, g_strdup_printf ("--plugin=%s", opt_plugin));
      g_ptr_array_add (argv, g_strdup_printf ("--data-dir=%s", f->dir));
      for (char **o = opt_options; o && *o; o++)
        g_ptr_array_add (argv, g_strdup_printf ("--option=%s", *o));
      g_ptr_array_add (argv, NULL);

      g_autoptr (GError) error = NULL;
      g_autoptr (GSubprocess) child = g_subprocess_newv (
          (const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
          &error);
      g_assert_no_error (error);
      CrashReader reader = {
        .stream = g_subprocess_get_stdout_pipe (child),
        .out = g_string_new (NULL),
      };
      GThread *t = g_thread_new ("crash-reader", crash_reader_main, &reader);
      gint64 wait_until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      while (!g_atomic_int_get (&reader.first_line)
             && g_get_monotonic_time () < wait_until)
        g_usleep (1000);
      gboolean wrote = g_atomic_int_get (&reader.first_line);
      if (wrote)
        g_usleep (g_test_rand_int_range (50, 301) * 1000);
      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, &error);
      g_assert_no_error (error);
      g_thread_join (t);
      g_autofree char *out = g_string_free (reader.out, FALSE);
      if (!wrote)
        g_error ("crash writer round %d acknowledged no write in 10 s",
                 round);
      /* Killed by us, not dead by itself. */
      g_assert_true (g_subprocess_get_if_signaled (child));
      total_acks += crash_collect_acks (out, acked);
      crash_check_store (f->dir, acked);
      rounds++;
    }
  g_test_message ("crash: %u kills, %u acknowledged writes, all present",
                  rounds, total_acks);
  g_assert_cmpuint (rounds, >=, 5);
  g_assert_cmpuint (g_hash_table_size (acked), ==, total_acks);
}

/* ---- main ------------------------------------------------------------------------- */

static gboolean
parse_own_options (int *argc, char ***argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "plugin", 0, 0, G_OPTION_ARG_FILENAME, &opt_plugin,
      "the store plugin module to test", "PATH.so" },
    { "option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_options,
      "an option of the plugin's [store] group (repeatable)", "KEY=VALUE" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
      "where per-test data directories go (default: a temporary dir)",
      "DIR" },
    { "durable", 0, 0, G_OPTION_ARG_NONE, &opt_durable,
      "the store is durable: also run the reopen and kill -9 tests", NULL },
    { "pagination-keys", 0, 0, G_OPTION_ARG_INT, &opt_pagination_keys,
      "keys in the pagination test (default 100000)", "N" },
    { "crash-rounds", 0, 0, G_OPTION_ARG_INT, &opt_crash_rounds,
      "kill -9 rounds of the crash test (default 20)", "N" },
    { "namespace-option", 0, 0, G_OPTION_ARG_STRING, &opt_namespace_option,
      "give each case's instance KEY=BASE<run>-<case>/, an empty key space "
      "of a shared remote store", "KEY=BASE" },
    { "crash-writer", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE,
      &opt_crash_writer, NULL, NULL },
    { "crash-start", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64,
      &opt_crash_start, NULL, NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  /* GTest's own options (-p, --tap, ...) pass through. */
  g_option_context_set_ignore_unknown_options (ctx, TRUE);
  g_option_context_set_help_enabled (ctx, FALSE);
  return g_option_context_parse (ctx, argc, argv, error);
}

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  if (!parse_own_options (&argc, &argv, &error))
    {
      g_printerr ("store-conformance: %s\n", error->message);
      return 2;
    }
  if (opt_plugin == NULL)
    {
      g_printerr ("usage: store-conformance --plugin PATH.so "
                  "[--option KEY=VALUE]... [--data-dir DIR] [--durable] "
                  "[GTest options]\n");
      return 2;
    }
  if (opt_crash_writer)
    return crash_writer_main ();

  g_test_init (&argc, &argv, NULL);

  test_plugin = kc_test_plugin_load (opt_plugin,
                                     (const char *const *) opt_options,
                                     &error);
  if (test_plugin == NULL)
    {
      g_printerr ("store-conformance: %s\n", error->message);
      return 2;
    }
  const char *name = kc_test_plugin_get_name (test_plugin);
  gboolean durable = opt_durable || g_str_equal (name, "sqlite");

  if (opt_data_dir)
    {
      base_dir = g_canonicalize_filename (opt_data_dir, NULL);
      g_mkdir_with_parents (base_dir, 0700);
    }
  else
    {
      base_dir = g_dir_make_tmp ("store-conformance-XXXXXX", &error);
      if (base_dir == NULL)
        {
          g_printerr ("store-conformance: %s\n", error->message);
          return 2;
        }
      base_dir_is_ours = TRUE;
    }
  g_test_message ("store plugin \"%s\" (%s), %s, data under %s", name,
                  opt_plugin, durable ? "durable" : "not durable", base_dir);

  ADD ("/store/revision/empty", test_revision_empty);
  ADD ("/store/revision/increments", test_revision_increments);
  ADD ("/store/kv/create", test_kv_create);
  ADD ("/store/kv/update", test_kv_update);
  ADD ("/store/kv/delete", test_kv_delete);
  ADD ("/store/errors/exists", test_errors_exists);
  ADD ("/store/errors/not-found", test_errors_not_found);
  ADD ("/store/errors/conflict-update", test_errors_conflict_update);
  ADD ("/store/errors/conflict-delete", test_errors_conflict_delete);
  ADD ("/store/errors/unconditional", test_errors_unconditional);
  ADD ("/store/get/past-revision", test_get_past_revision);
  ADD ("/store/range/prefix", test_range_prefix);
  ADD ("/store/range/start-after", test_range_start_after);
  ADD ("/store/range/limit", test_range_limit);
  ADD ("/store/range/count-only", test_range_count_only);
  ADD ("/store/range/past-revision", test_range_past_revision);
  ADD ("/store/range/future-revision", test_range_future_revision);
  ADD ("/store/range/pagination", test_range_pagination);
  ADD ("/store/watch/from-current", test_watch_from_current);
  ADD ("/store/watch/from-past", test_watch_from_past);
  ADD ("/store/watch/prefix", test_watch_prefix);
  ADD ("/store/watch/concurrent-writers", test_watch_concurrent_writers);
  ADD ("/store/watch/cancel", test_watch_cancel);
  ADD ("/store/watch/cancel-before-delivery",
       test_watch_cancel_before_delivery);
  ADD ("/store/watch/destroy-on-close", test_watch_destroy_on_close);
  ADD ("/store/cas/update-race", test_cas_update_race);
  ADD ("/store/cas/create-race", test_cas_create_race);
  ADD ("/store/cas/delete-race", test_cas_delete_race);
  ADD ("/store/compact/get", test_compact_get);
  ADD ("/store/compact/range", test_compact_range);
  ADD ("/store/compact/watch", test_compact_watch);
  ADD ("/store/lease/grant-keepalive", test_lease_grant_keepalive);
  ADD ("/store/lease/unknown", test_lease_unknown);
  ADD ("/store/lease/revoke", test_lease_revoke);
  ADD ("/store/lease/expiry", test_lease_expiry);
  ADD ("/store/lease/keepalive-extends", test_lease_keepalive_extends);
  ADD ("/store/value/1mib", test_value_1mib);
  ADD ("/store/value/binary", test_value_binary);
  ADD ("/store/async/cancelled", test_async_cancelled);
  ADD ("/store/async/thread-context", test_async_thread_context);
  if (durable)
    {
      ADD ("/store/durable/reopen", test_durable_reopen);
      ADD ("/store/durable/crash", test_durable_crash);
    }

  int ret = g_test_run ();

  if (base_dir_is_ours)
    kc_test_rm_rf (base_dir);
  g_free (base_dir);
  kc_test_plugin_free (test_plugin);
  g_free (opt_plugin);
  g_free (opt_data_dir);
  g_strfreev (opt_options);
  g_strfreev (base_options);
  g_free (opt_namespace_option);
  return ret;
}
