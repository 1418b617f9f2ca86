/*
** The Elman cell, one direction of one layer, over a whole window:
**   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),   h_0 = 0
** with act = tanh, relu or sigmoid (torch.nn.RNN's nonlinearity; sigmoid is
** ours). The input projection of every step is one matrix product; only
** the recurrent product runs step by step.
*/
#include <math.h>

#include "nn.h"

static void activate(float *h, const float *z, int n, int act) {
  switch (act) {
    case RNN_ACT_RELU:
      for (int i = 0; i < n; i++) h[i] = z[i] > 0.0f ? z[i] : 0.0f;
      break;
    case RNN_ACT_SIGMOID:
      for (int i = 0; i < n; i++) h[i] = 1.0f / (1.0f + expf(-z[i]));
      break;
    default:
      for (int i = 0; i < n; i++) h[i] = tanhf(z[i]);
  }
}

/* dz = dh * act'(z), written in terms of the output h = act(z). */
static void activate_backward(float *dz, const float *dh, const float *h,
                              int n, int act) {
  switch (act) {
    case RNN_ACT_RELU:
      for (int i = 0; i < n; i++) dz[i] = h[i] > 0.0f ? dh[i] : 0.0f;
      break;
    case RNN_ACT_SIGMOID:
      for (int i = 0; i < n; i++) dz[i] = dh[i] * h[i] * (1.0f - h[i]);
      break;
    default:
      for (int i = 0; i < n; i++) dz[i] = dh[i] * (1.0f - h[i] * h[i]);
  }
}

void rnn_elman_forward(float *out, int ldo, float *z, const float *x, int ldx,
                       const float *w_ih, const float *w_hh,
                       const float *b_ih, const float *b_hh, const float *zero,
                       int T, int B, int I, int H, int act, int reverse) {
  /* z = b_ih + b_hh + x W_ih^T for all T*B rows at once. */
  for (int r = 0; r < T * B; r++)
    for (int j = 0; j < H; j++) z[(size_t)r * H + j] = b_ih[j] + b_hh[j];
  rnn_gemm_nt(T * B, H, I, x, ldx, w_ih, I, z, H);
  for (int s = 0; s < T; s++) {
    int t = reverse ? T - 1 - s : s;
    const float *prev = zero;
    int ldp = H;
    if (s > 0) {
      prev = out + (size_t)(reverse ? t + 1 : t - 1) * B * ldo;
      ldp = ldo;
    }
    float *zt = z + (size_t)t * B * H;
    rnn_gemm_nt(B, H, H, prev, ldp, w_hh, H, zt, H);
    for (int b = 0; b < B; b++)
      activate(out + ((size_t)t * B + b) * ldo, zt + (size_t)b * H, H, act);
  }
}

void rnn_elman_backward(float *dx, int lddx, float *dw_ih, float *dw_hh,
                        float *db_ih, float *db_hh, float *dz, float *dh,
                        const float *dout, int lddo, const float *out, int ldo,
                        const float *x, int ldx, const float *w_ih,
                        const float *w_hh, int T, int B, int I, int H, int act,
                        int reverse) {
  for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
  for (int s = T - 1; s >= 0; s--) {
    int t = reverse ? T - 1 - s : s;
    float *dzt = dz + (size_t)t * B * H;
    for (int b = 0; b < B; b++) {
      const float *g = dout + ((size_t)t * B + b) * lddo;
      float *dhb = dh + (size_t)b * H;
      for (int j = 0; j < H; j++) dhb[j] += g[j];
      activate_backward(dzt + (size_t)b * H, dhb,
                        out + ((size_t)t * B + b) * ldo, H, act);
    }
    /* dh_{t-1} = dz_t W_hh (the state before step s). */
    for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
    if (s > 0) rnn_gemm_nn(B, H, H, dzt, H, w_hh, H, dh, H);
  }
  /* Bias gradients: column sums of dz. */
  for (int r = 0; r < T * B; r++)
    for (int j = 0; j < H; j++) {
      db_ih[j] += dz[(size_t)r * H + j];
      db_hh[j] += dz[(size_t)r * H + j];
    }
  /* dW_ih += dz^T x over all steps. */
  rnn_gemm_tn(H, I, T * B, dz, H, x, ldx, dw_ih, I);
  /* dW_hh += dz_t^T h_{t-1} over the steps that had a previous state:
  ** forward pairs dz[1..T-1] with out[0..T-2], reverse dz[0..T-2] with
  ** out[1..T-1]; both are one product over (T-1)*B rows. */
  if (T > 1) {
    const float *dzs = reverse ? dz : dz + (size_t)B * H;
    const float *hs = reverse ? out + (size_t)B * ldo : out;
    rnn_gemm_tn(H, H, (T - 1) * B, dzs, H, hs, ldo, dw_hh, H);
  }
  if (dx) rnn_gemm_nn(T * B, I, H, dz, H, w_ih, I, dx, lddx);
}
