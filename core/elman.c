/*
** The Elman cell (torch.nn.RNN), one direction of one layer:
**   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),   h_0 = 0
** act = tanh or relu (as torch) or sigmoid (ours). z caches nothing the
** backward pass needs: act' is computed from h itself.
*/
#include "act.h"
#include "nn.h"

/* One row: h = act(z). restrict on parameters (where GCC uses it) lets the
** loops vectorise. */
RNN_INLINE void elman_row(int H, const float *restrict z, float *restrict h,
                          int act) {
  switch (act) {
    case RNN_ACT_RELU:
      for (int j = 0; j < H; j++) h[j] = z[j] > 0.0f ? z[j] : 0.0f;
      break;
    case RNN_ACT_SIGMOID:
      for (int j = 0; j < H; j++) h[j] = rnn_sigmoid1(z[j]);
      break;
    default:
      for (int j = 0; j < H; j++) h[j] = rnn_tanh1(z[j]);
  }
}

/* One row: dz = (d + up) * act'(z), in terms of the output h = act(z);
** d comes from step t+1, up from above. */
RNN_INLINE void elman_row_grads(int H, const float *restrict d,
                                const float *restrict up,
                                const float *restrict h, float *restrict dz,
                                int act) {
  switch (act) {
    case RNN_ACT_RELU:
      for (int j = 0; j < H; j++) dz[j] = h[j] > 0.0f ? d[j] + up[j] : 0.0f;
      break;
    case RNN_ACT_SIGMOID:
      for (int j = 0; j < H; j++) dz[j] = (d[j] + up[j]) * h[j] * (1.0f - h[j]);
      break;
    default:
      for (int j = 0; j < H; j++) dz[j] = (d[j] + up[j]) * (1.0f - h[j] * h[j]);
  }
}

/* Every row of a step: z and dh (B, H); h rows ldo apart, up rows lddo. */
RNN_INLINE void elman_step_body(int B, int H, const float *zt, float *out, int ldo,
                       int act) {
  for (int b = 0; b < B; b++)
    elman_row(H, zt + (size_t)b * H, out + (size_t)b * ldo, act);
}
RNN_DISPATCH(elman_step, (int B, int H, const float *zt, float *out, int ldo, int act), (B, H, zt, out, ldo, act))

RNN_INLINE void elman_step_grads_body(int B, int H, const float *dh, const float *dout,
                             int lddo, const float *out, int ldo, float *dzt,
                             int act) {
  for (int b = 0; b < B; b++)
    elman_row_grads(H, dh + (size_t)b * H, dout + (size_t)b * lddo,
                    out + (size_t)b * ldo, dzt + (size_t)b * H, act);
}
RNN_DISPATCH(elman_step_grads, (int B, int H, const float *dh, const float *dout, int lddo, const float *out, int ldo, float *dzt, int act), (B, H, dh, dout, lddo, out, ldo, dzt, act))

void rnn_elman_forward(const rnn_cell_io *c) {
  int B = c->B, H = c->H;
  rnn_cell_input_proj(c, 1, 1);
  for (int s = 0; s < c->T && !rnn_cell_stopped(c); s++) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    float *zt = c->z + (size_t)t * B * H;
    rnn_gemm_nn(B, H, H, prev, ldp, c->w_hhT, H, zt, H);
    elman_step(B, H, zt, c->out + (size_t)t * B * c->ldo, c->ldo, c->act);
  }
}

void rnn_elman_backward(const rnn_cell_grad *g, const rnn_cell_io *c) {
  int B = c->B, H = c->H;
  float *dh = g->dh;
  for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
  for (int s = c->T - 1; s >= 0 && !rnn_cell_stopped(c); s--) {
    int t = rnn_cell_t(c, s);
    float *dzt = g->dz + (size_t)t * B * H;
    elman_step_grads(B, H, dh, g->dout + (size_t)t * B * g->lddo, g->lddo,
                     c->out + (size_t)t * B * c->ldo, c->ldo, dzt, c->act);
    /* dh_{t-1} = dz_t W_hh (zeros before the first step) */
    rnn_gemm_nn_bias(B, H, s > 0 ? H : 0, dzt, H, c->w_hh, H, c->zero, dh, H);
    rnn_cell_cut_grads(c, s, dh, NULL);
  }
  rnn_cell_param_grads(g, c, 1);
}
