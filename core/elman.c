/*
** The Elman cell (torch.nn.RNN), one direction of one layer:
**   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),   h_0 = 0
** act = tanh or relu (as torch) or sigmoid (ours). z caches nothing the
** backward pass needs: act' is computed from h itself.
*/
#include "nn.h"

static void activate(float *h, const float *z, int n, int act) {
  switch (act) {
    case RNN_ACT_RELU:
      for (int i = 0; i < n; i++) h[i] = z[i] > 0.0f ? z[i] : 0.0f;
      break;
    case RNN_ACT_SIGMOID:
      rnn_vsigmoid(h, z, n);
      break;
    default:
      rnn_vtanh(h, z, n);
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

void rnn_elman_forward(const rnn_cell_io *c) {
  int B = c->B, H = c->H;
  rnn_cell_input_proj(c, 1, 1);
  for (int s = 0; s < c->T; s++) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    float *zt = c->z + (size_t)t * B * H;
    rnn_gemm_nn(B, H, H, prev, ldp, c->w_hhT, H, zt, H);
    for (int b = 0; b < B; b++)
      activate(c->out + ((size_t)t * B + b) * c->ldo, zt + (size_t)b * H, H,
               c->act);
  }
}

void rnn_elman_backward(const rnn_cell_grad *g, const rnn_cell_io *c) {
  int B = c->B, H = c->H;
  float *dh = g->dh;
  for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
  for (int s = c->T - 1; s >= 0; s--) {
    int t = rnn_cell_t(c, s);
    float *dzt = g->dz + (size_t)t * B * H;
    for (int b = 0; b < B; b++) {
      const float *up = g->dout + ((size_t)t * B + b) * g->lddo;
      float *dhb = dh + (size_t)b * H;
      for (int j = 0; j < H; j++) dhb[j] += up[j];
      activate_backward(dzt + (size_t)b * H, dhb,
                        c->out + ((size_t)t * B + b) * c->ldo, H, c->act);
    }
    /* dh_{t-1} = dz_t W_hh */
    for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
    if (s > 0) rnn_gemm_nn(B, H, H, dzt, H, c->w_hh, H, dh, H);
  }
  rnn_cell_param_grads(g, c, 1);
}
