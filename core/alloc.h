/*
** Allocation hooks of the core.
**
** The core allocates only through these three functions. They are bound at
** link time rather than through a mutable global: the extension defines them
** over SQLite's 64-bit allocator (ext/alloc.c), so its memory limits apply;
** core/alloc_libc.c defines them over the C library for the C tests.
** rnn_malloc(0) may return NULL; rnn_free(NULL) does nothing.
*/
#ifndef RNN_ALLOC_H
#define RNN_ALLOC_H

#include <stddef.h>

void *rnn_malloc(size_t n);
void *rnn_realloc(void *p, size_t n);
void rnn_free(void *p);

/* n * size bytes, zeroed; NULL on overflow or failure. */
void *rnn_calloc(size_t n, size_t size);

#endif
