/* Allocation hooks over the C library, for programs that use the core alone
** (tests, benchmarks, fuzz targets). The extension links ext/alloc.c instead. */
#include <stdlib.h>

#include "alloc.h"

void *rnn_malloc(size_t n) {
  void *p = malloc(n);
  if (p) rnn_prefault(p, n);
  return p;
}

void *rnn_realloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (q) rnn_prefault(q, n);
  return q;
}
void rnn_free(void *p) { free(p); }
