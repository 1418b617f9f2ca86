/*
** The core's own seeded random generator: xoshiro256** seeded through
** splitmix64. The same seed gives the same stream on every platform, which
** makes trained models byte-identical; the C library's rand() would not.
*/
#ifndef RNN_RNG_H
#define RNN_RNG_H

#include <stdint.h>

typedef struct rnn_rng {
  uint64_t s[4];
} rnn_rng;

void rnn_rng_seed(rnn_rng *r, uint64_t seed);
uint64_t rnn_rng_next(rnn_rng *r);
/* Uniform in [0, 1) with 24 random bits (exact in float). */
float rnn_rng_float(rnn_rng *r);
/* Uniform integer in [0, n), unbiased; n >= 1. */
uint64_t rnn_rng_below(rnn_rng *r, uint64_t n);
/* Fisher-Yates shuffle of idx[0..n-1]. */
void rnn_rng_shuffle(rnn_rng *r, int *idx, int n);

#endif
