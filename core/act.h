/*
** Vectorisable activations: exp, sigmoid and tanh of one float, inlined into
** the loops of the cells (lstm.c, gru.c, elman.c) and of activation.c.
**
** Rules:
**   1. Pure float arithmetic with no branches (Cody-Waite range reduction
**      and Cephes' polynomial for exp, within 2 ulp), so the compiler
**      vectorises the loops and every CPU computes the same bits; the C
**      library's expf and tanhf are neither. The multiply-adds of the
**      polynomial are fused and written out as fmaf (nn.h: one instruction
**      where the build has FMA, the C library's exact fmaf elsewhere).
**   2. Arguments are clamped to [-87, 88] before exp, where it is finite
**      and normal (NaN, which only a hostile model can produce, clamps to
**      -87 rather than reaching an integer conversion); sigmoid and tanh
**      saturate smoothly to their limits.
**   3. tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|): absolute
**      error below 2e-7 everywhere.
*/
#ifndef RNN_ACT_H
#define RNN_ACT_H

#include <math.h>

static inline float rnn_exp1(float x) {
  const float LOG2E = 1.44269504088896341f;
  const float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
  const float ROUND = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
  x = x > -87.0f ? x : -87.0f; /* written so that NaN clamps too */
  x = x < 88.0f ? x : 88.0f;
  float fn = fmaf(x, LOG2E, ROUND) - ROUND; /* nearest integer, ties to even */
  int n = (int)fn;
  float r = fmaf(fn, -LN2_LO, fmaf(fn, -LN2_HI, x));
  float p = 1.9875691500e-4f;
  p = fmaf(p, r, 1.3981999507e-3f);
  p = fmaf(p, r, 8.3334519073e-3f);
  p = fmaf(p, r, 4.1665795894e-2f);
  p = fmaf(p, r, 1.6666665459e-1f);
  p = fmaf(p, r, 5.0000001201e-1f);
  p = fmaf(p, r * r, r) + 1.0f;
  union {
    unsigned u;
    float f;
  } scale = {(unsigned)(n + 127) << 23};
  return p * scale.f;
}

static inline float rnn_sigmoid1(float x) { return 1.0f / (1.0f + rnn_exp1(-x)); }

static inline float rnn_tanh1(float x) {
  float e = rnn_exp1(-2.0f * fabsf(x));
  return copysignf((1.0f - e) / (1.0f + e), x);
}

#endif
