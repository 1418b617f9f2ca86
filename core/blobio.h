/*
** The BLOB container's primitives, shared by the forecasting models'
** reader and writer (blob.c) and the sequence models' (seqblob.c):
** little-endian integers and IEEE floats, chunks (tag, u32 length,
** payload), and a bounds-checked reader that never reads past its end.
*/
#ifndef RNN_BLOBIO_H
#define RNN_BLOBIO_H

#include <string.h>

#include "rnn.h"

static const unsigned char RNN_MAGIC[8] = {'S', 'Q', 'L', 'R', 'N', 'N', '\r', '\n'};

typedef struct writer {
  unsigned char *p; /* NULL while only measuring */
  size_t n;
} writer;

static inline void put_bytes(writer *w, const void *b, size_t n) {
  if (w->p) memcpy(w->p + w->n, b, n);
  w->n += n;
}
static inline void put_u32(writer *w, uint32_t v) {
  unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                        (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
  put_bytes(w, b, 4);
}
static inline void put_u64(writer *w, uint64_t v) {
  put_u32(w, (uint32_t)v);
  put_u32(w, (uint32_t)(v >> 32));
}
static inline void put_f32(writer *w, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  put_u32(w, u);
}
static inline void put_f64(writer *w, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  put_u64(w, u);
}
/* Starts a chunk; returns the offset of its length field. */
static inline size_t chunk_begin(writer *w, const char tag[4]) {
  put_bytes(w, tag, 4);
  size_t at = w->n;
  put_u32(w, 0);
  return at;
}
static inline void chunk_end(writer *w, size_t at) {
  uint32_t len = (uint32_t)(w->n - at - 4);
  if (w->p) {
    writer fix = {w->p + at, 0};
    put_u32(&fix, len);
  }
}

/* An ARCH chunk's payload: the architecture and the parameter count. */
/* Format 5's loss history (blob.c rule 10): of `held` values, a BLOB keeps
** history_kept(held), evenly spaced, the last last; put_losses writes
** their count and the (training, validation) pairs. */
static inline int history_kept(int held) {
  return held < RNN_MAX_HISTORY ? held : RNN_MAX_HISTORY;
}
static inline void put_losses(writer *w, const double *train, const double *val,
                              int held) {
  int kept = history_kept(held);
  put_u32(w, (uint32_t)kept);
  for (int i = 0; i < kept; i++) {
    int j = rnn_history_pick(held, kept, i);
    put_f64(w, train[j]);
    put_f64(w, val[j]);
  }
}
static inline void put_arch(writer *w, const rnn_arch *a, size_t np) {
  put_u32(w, (uint32_t)a->cell);
  put_u32(w, (uint32_t)a->activation);
  put_u32(w, (uint32_t)a->input);
  put_u32(w, (uint32_t)a->hidden);
  put_u32(w, (uint32_t)a->layers);
  put_u32(w, (uint32_t)a->dirs);
  put_u32(w, (uint32_t)a->window);
  put_u32(w, (uint32_t)a->output);
  put_u64(w, (uint64_t)np);
}

typedef struct reader {
  const unsigned char *p;
  size_t n, pos;
  int bad; /* set when a read ran past the end */
} reader;

static inline int has(reader *r, size_t n) {
  if (r->bad || r->n - r->pos < n) {
    r->bad = 1;
    return 0;
  }
  return 1;
}
static inline uint32_t get_u32(reader *r) {
  if (!has(r, 4)) return 0;
  const unsigned char *b = r->p + r->pos;
  r->pos += 4;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}
static inline uint64_t get_u64(reader *r) {
  uint64_t lo = get_u32(r);
  return lo | (uint64_t)get_u32(r) << 32;
}
static inline float get_f32(reader *r) {
  uint32_t u = get_u32(r);
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static inline double get_f64(reader *r) {
  uint64_t u = get_u64(r);
  double d;
  memcpy(&d, &u, 8);
  return d;
}
/* A u32 field that must fit an int in [lo, hi]. */
static inline int get_int(reader *r, int lo, int hi, int *ok) {
  uint32_t v = get_u32(r);
  if (v < (uint32_t)lo || v > (uint32_t)hi) *ok = 0;
  return (int)v;
}
/* Rules 1-4 of blob.c: checks the header, the version (at most
** RNN_FORMAT_VERSION), the length and the checksum, then finds the chunks
** named tags[0..n-1]: seen[i] (zeroed by the caller) counts them, at[i]
** and size[i] place the payload. A known chunk given twice is corrupt. */
rnn_status rnn_blob_scan(const unsigned char *b, size_t len,
                         const char *const *tags, int n, size_t *at,
                         size_t *size, int *seen, uint32_t *version,
                         rnn_err *e);
/* The KIND chunk (seen, at, size from rnn_blob_scan): required from
** format 4, unknown before it (forecasting). */
rnn_status rnn_blob_read_kind(const unsigned char *b, uint32_t version,
                              int seen, size_t at, size_t size, int *kind,
                              rnn_err *e);
/* The error for a model of kind got where kind want is needed. */
rnn_status rnn_wrong_kind(rnn_err *e, int got, int want);
#endif
