/* Allocation hooks over the C library, for programs that use the core alone
** (tests, benchmarks, fuzz targets). The extension links ext/alloc.c instead. */
#include <stdlib.h>

#include "alloc.h"

void *rnn_malloc(size_t n) { return malloc(n); }
void *rnn_realloc(void *p, size_t n) { return realloc(p, n); }
void rnn_free(void *p) { free(p); }
