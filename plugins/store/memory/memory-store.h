/* The memory store's state, shared by memory-store.c (keys, history,
 * leases, the vtable) and memory-watch.c (watch delivery).  Private to the
 * plugin. */
#pragma once

#include <kcore/host.h>
#include <kcore/store.h>

G_BEGIN_DECLS

/* The event log (memory-log.c): the event of every revision from
 * first_revision on, without gaps.  Guarded by the store lock. */
typedef struct
{
  GPtrArray *blocks;     /* of KcStoreEvent[block size], owned */
  guint64 head;          /* events already dropped from blocks[0] */
  guint64 len;           /* events held */
  gint64 first_revision; /* revision of the first event held */
} KcMemoryLog;

/* Where the background compaction is in its pass over the state. */
typedef enum
{
  KC_MEMORY_COMPACT_IDLE, /* no pass running */
  KC_MEMORY_COMPACT_KEYS, /* trimming key histories, in key order */
  KC_MEMORY_COMPACT_LOG,  /* dropping log events */
} KcMemoryCompactPhase;

typedef struct
{
  const KcHost *host;
  gint64 max_value_bytes;

  /* Guards everything below.  Never held while a caller's callback runs. */
  GMutex lock;
  gint64 revision;         /* of the last write; 0 when empty */
  gint64 compact_revision; /* reads below it fail with COMPACTED */
  GTree *keys;             /* key -> KeyHistory, strcmp order */
  KcMemoryLog log;
  GHashTable *leases;      /* gint64 id -> Lease */
  gint64 last_lease_id;
  GPtrArray *watches;      /* of KcStoreWatch*, one ref each */

  /* Compaction: compact_revision moves at once; the versions and events
   * it makes unreachable are dropped afterwards by compact_thread, a chunk
   * per lock hold, so writers never wait long behind it. */
  gint64 compact_target;   /* the newest compaction asked for; a running
                              pass drops up to it */
  gint64 compact_pass_target; /* compact_target when this pass started:
                                 every key is trimmed at least to it */
  gint64 compact_done;     /* everything below it was dropped */
  KcMemoryCompactPhase compact_phase;
  char *compact_cursor;    /* last key trimmed in this pass; NULL: none */

  GThread *lease_thread;   /* reaps expired leases */
  GThread *compact_thread; /* drops compacted history */
  GCond stop_cond;         /* wakes the lease thread */
  GCond compact_cond;      /* wakes the compaction thread */
  gboolean stopping;
} KcMemoryStore;

void kc_memory_log_init (KcMemoryLog *log);
/* Frees every event and block. */
void kc_memory_log_clear (KcMemoryLog *log);
/* Appends @event (its members taken) as the event of @revision, which must
 * follow the last one.  Returns the stored event (borrowed). */
const KcStoreEvent *kc_memory_log_append (KcMemoryLog *log, gint64 revision,
                                          const KcStoreEvent *event);
/* The event of @revision (borrowed), or NULL when not held. */
const KcStoreEvent *kc_memory_log_get (KcMemoryLog *log, gint64 revision);
/* Drops at most @max events of revisions below @revision from the front;
 * returns how many it dropped. */
guint kc_memory_log_drop_before (KcMemoryLog *log, gint64 revision,
                                 guint max);

/* Frees the members of a KcStoreEvent held by value (a GArray clear
 * func). */
void kc_memory_event_clear (gpointer event);

/* Starts a watch (see KcStoreVtable.watch).  Takes self->lock. */
KcStoreWatch *kc_memory_watch_new (KcMemoryStore *self, const char *prefix,
                                   gint64 start_revision,
                                   KcStoreWatchFunc func, gpointer user_data,
                                   GDestroyNotify destroy);
/* Stops @watch: its func is not called again, its destroy notify runs now.
 * Takes self->lock. */
void kc_memory_watch_cancel (KcMemoryStore *self, KcStoreWatch *watch);
/* Stops every watch; for the store's destroy(). Takes self->lock. */
void kc_memory_watch_cancel_all (KcMemoryStore *self);
/* Queues @event (borrowed) to every watch it matches.  Called with
 * self->lock held, once per write, in revision order. */
void kc_memory_watch_notify (KcMemoryStore *self, const KcStoreEvent *event);

G_END_DECLS
