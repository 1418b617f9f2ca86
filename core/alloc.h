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

/* Maps the whole pages of p's n bytes into memory now, 16 MiB a system
** call, when n is at least 16 KiB and the system can (Linux 5.14's
** MADV_POPULATE_WRITE; elsewhere, or when it fails, nothing happens). The
** contents stay as they are. For buffers about to be written in full: a
** page is otherwise mapped at its first touch, one fault per 4 KiB, and on
** the virtual machines this project is measured on a fault costs about 12
** us against 0.2 us a page mapped in one call. The C library hands a
** training call's buffers back to the system at its end and the next call
** faulted them in again: 6 ms of a hidden-32 LSTM's 60 ms (bench/RESULTS.md,
** "Buffers mapped in one call"). So the networks' buffers (core/net.c
** zeroed: all of training's set-up, and 64 KiB or more elsewhere) and the
** glue's grid of the series (ext/train.c) call it; the hooks do not, since
** scoring row by row reuses smaller buffers that are mapped already, and
** growing arrays would map capacity they never use. Defined in
** core/util.c. */
void rnn_prefault(void *p, size_t n);

#endif
