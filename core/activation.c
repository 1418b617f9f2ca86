/*
** Vectorisable activations: exp, sigmoid and tanh over arrays of floats.
**
** Rules:
**   1. Pure float arithmetic with no branches and no calls (Cody-Waite
**      range reduction and Cephes' degree-6 polynomial for exp, within 2 ulp),
**      so the compiler vectorises the loops and every CPU computes the same
**      bits; the C library's expf and tanhf are neither.
**   2. Arguments are clamped to [-87, 88] before exp, where it is finite
**      and normal (NaN, which only a hostile model can produce, clamps to
**      -87 rather than reaching an integer conversion); sigmoid and tanh
**      saturate smoothly to their limits.
**   3. tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|): absolute
**      error below 2e-7 everywhere.
*/
#include <math.h>

#include "nn.h"

static inline float exp_one(float x) {
  const float LOG2E = 1.44269504088896341f;
  const float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
  const float ROUND = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
  x = x > -87.0f ? x : -87.0f; /* written so that NaN clamps too */
  x = x < 88.0f ? x : 88.0f;
  float fn = (x * LOG2E + ROUND) - ROUND; /* nearest integer, ties to even */
  int n = (int)fn;
  float r = x - fn * LN2_HI - fn * LN2_LO;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union {
    unsigned u;
    float f;
  } scale = {(unsigned)(n + 127) << 23};
  return p * scale.f;
}

static inline float sigmoid_one(float x) { return 1.0f / (1.0f + exp_one(-x)); }

static inline float tanh_one(float x) {
  float e = exp_one(-2.0f * fabsf(x));
  return copysignf((1.0f - e) / (1.0f + e), x);
}

/* Separate in-place and out-of-place loops: with a single pointer the
** compiler needs no overlap check, which would send y == x to scalar code. */
RNN_KERNEL
void rnn_vsigmoid(float *restrict y, const float *restrict x, int n) {
  for (int i = 0; i < n; i++) y[i] = sigmoid_one(x[i]);
}

RNN_KERNEL
void rnn_vsigmoid_ip(float *x, int n) {
  for (int i = 0; i < n; i++) x[i] = sigmoid_one(x[i]);
}

RNN_KERNEL
void rnn_vtanh(float *restrict y, const float *restrict x, int n) {
  for (int i = 0; i < n; i++) y[i] = tanh_one(x[i]);
}

RNN_KERNEL
void rnn_vtanh_ip(float *x, int n) {
  for (int i = 0; i < n; i++) x[i] = tanh_one(x[i]);
}
