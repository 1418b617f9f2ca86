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

/* Maps the whole pages of p's n bytes into memory now, in one call, when
** n is at least 16 KiB and the system can (Linux 5.14's
** MADV_POPULATE_WRITE; elsewhere, or when it fails, nothing happens). The
** contents stay as they are. Both definitions of the hooks call it on
** every block they return: a page is otherwise mapped at its first touch,
** one fault per 4 KiB, and on the virtual machines this project is
** measured on a fault costs about 12 us against 0.2 us a page mapped in
** one call. A training call's buffers, freed to the system at its end by
** the C library and taken again by the next call, cost a hidden-32 LSTM
** 6 ms of its 60 ms that way (bench/RESULTS.md, "Buffers mapped in one
** call"). Defined in core/util.c. */
void rnn_prefault(void *p, size_t n);

#endif
