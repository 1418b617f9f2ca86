/* The core's allocation hooks (core/alloc.h) over SQLite's allocator, so
** the extension's memory counts against SQLite's limits and
** sqlite3_hard_heap_limit64 stops a training run that would exceed it. */
#include "rnn_ext.h"

#include "../core/alloc.h"

void *rnn_malloc(size_t n) { return sqlite3_malloc64(n); }
void *rnn_realloc(void *p, size_t n) { return sqlite3_realloc64(p, n); }
void rnn_free(void *p) { sqlite3_free(p); }

void *rnn_ext_malloc(sqlite3_uint64 n) {
  void *p = sqlite3_malloc64(n);
  if (p) rnn_prefault(p, (size_t)n);
  return p;
}
