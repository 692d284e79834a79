/* The memory store's event log: one event per revision, in revision order.
 *
 * It is a list of fixed-size blocks rather than one flat array so that
 * compaction can drop events from the front a few at a time: a flat array
 * would move every remaining event on each drop (O(n) per chunk, O(n^2) for
 * a whole compaction), which is exactly the writer stall incremental
 * compaction exists to avoid.  Dropping from a block only clears events;
 * an emptied block is freed, and only the small array of block pointers
 * moves. */
#include "build-config.h"

#include "memory-store.h"

/* Events per block: small enough that freeing a block is cheap, large
 * enough that the pointer array stays short (1M events: 1024 blocks). */
#define KC_MEMORY_LOG_BLOCK 1024

static KcStoreEvent *
log_slot (KcMemoryLog *log, guint64 index)
{
  guint64 at = log->head + index;
  KcStoreEvent *block = g_ptr_array_index (log->blocks,
                                           at / KC_MEMORY_LOG_BLOCK);

  return &block[at % KC_MEMORY_LOG_BLOCK];
}

void
kc_memory_log_init (KcMemoryLog *log)
{
  log->blocks = g_ptr_array_new_with_free_func (g_free);
  log->head = 0;
  log->len = 0;
  log->first_revision = 0;
}

void
kc_memory_log_clear (KcMemoryLog *log)
{
  for (guint64 i = 0; i < log->len; i++)
    kc_memory_event_clear (log_slot (log, i));
  g_clear_pointer (&log->blocks, g_ptr_array_unref);
  log->head = 0;
  log->len = 0;
}

const KcStoreEvent *
kc_memory_log_append (KcMemoryLog *log, gint64 revision,
                      const KcStoreEvent *event)
{
  if (log->len == 0)
    log->first_revision = revision;
  /* Every write takes the next revision and logs exactly one event. */
  g_assert (revision == log->first_revision + (gint64) log->len);

  guint64 at = log->head + log->len;
  if (at / KC_MEMORY_LOG_BLOCK == log->blocks->len)
    g_ptr_array_add (log->blocks,
                     g_new0 (KcStoreEvent, KC_MEMORY_LOG_BLOCK));
  KcStoreEvent *slot = log_slot (log, log->len);
  *slot = *event;
  log->len++;
  return slot;
}

const KcStoreEvent *
kc_memory_log_get (KcMemoryLog *log, gint64 revision)
{
  if (log->len == 0 || revision < log->first_revision
      || revision - log->first_revision >= (gint64) log->len)
    return NULL;
  return log_slot (log, (guint64) (revision - log->first_revision));
}

guint
kc_memory_log_drop_before (KcMemoryLog *log, gint64 revision, guint max)
{
  guint dropped = 0;

  while (dropped < max && log->len > 0 && log->first_revision < revision)
    {
      kc_memory_event_clear (log_slot (log, 0));
      log->head++;
      log->len--;
      log->first_revision++;
      dropped++;
      if (log->head == KC_MEMORY_LOG_BLOCK || log->len == 0)
        {
          /* The first block is spent (or the log is empty and the head
           * block holds nothing): free it, the next block starts at 0. */
          g_ptr_array_remove_index (log->blocks, 0);
          log->head = 0;
        }
    }
  return dropped;
}
