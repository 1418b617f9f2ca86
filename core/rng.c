/* xoshiro256** (Blackman and Vigna), seeded with splitmix64. */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rnn_rng_seed(rnn_rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

uint64_t rnn_rng_next(rnn_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

float rnn_rng_float(rnn_rng *r) {
  return (float)(rnn_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

uint64_t rnn_rng_below(rnn_rng *r, uint64_t n) {
  /* Reject the top partial copy of [0, n) so every value is equally likely. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rnn_rng_next(r);
  while (x >= limit);
  return x % n;
}

void rnn_rng_shuffle(rnn_rng *r, int *idx, int n) {
  for (int i = n - 1; i > 0; i--) {
    int j = (int)rnn_rng_below(r, (uint64_t)i + 1);
    int t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
}
