/*
** The LSTM cell (torch.nn.LSTM), one direction of one layer. Gate blocks in
** torch's order i, f, g, o along the first dimension of w_ih, w_hh, b_ih,
** b_hh:
**   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)
**   f = sigmoid(W_if x + b_if + W_hf h + b_hf)
**   g = tanh   (W_ig x + b_ig + W_hg h + b_hg)
**   o = sigmoid(W_io x + b_io + W_ho h + b_ho)
**   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t),   h_0 = c_0 = 0
** Caches: z holds the gates i, f, g, o after their nonlinearities; aux c_t.
*/
#include "nn.h"

void rnn_lstm_forward(const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 4 * H;
  rnn_cell_input_proj(c, 4, 1);
  for (int s = 0; s < c->T; s++) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    const float *cprev = s == 0 ? c->zero
                                : c->aux + (size_t)rnn_cell_t(c, s - 1) * B * H;
    float *zt = c->z + (size_t)t * B * G;
    float *ct = c->aux + (size_t)t * B * H;
    rnn_gemm_nn(B, G, H, prev, ldp, c->w_hhT, G, zt, G);
    for (int b = 0; b < B; b++) {
      float *gi = zt + (size_t)b * G, *gf = gi + H, *gg = gf + H, *go = gg + H;
      const float *cp = cprev + (size_t)b * H;
      float *cb = ct + (size_t)b * H;
      float *h = c->out + ((size_t)t * B + b) * c->ldo;
      rnn_vsigmoid_ip(gi, 2 * H); /* i and f are adjacent */
      rnn_vtanh_ip(gg, H);
      rnn_vsigmoid_ip(go, H);
      for (int j = 0; j < H; j++) cb[j] = gf[j] * cp[j] + gi[j] * gg[j];
      rnn_vtanh(h, cb, H);
      for (int j = 0; j < H; j++) h[j] *= go[j];
    }
  }
}

/* One row's gate gradients (the formulas below). Every array is distinct,
** which restrict tells the compiler so that it vectorises the loop. */
static void gate_grads(float *restrict di, float *restrict df,
                       float *restrict dg, float *restrict dO,
                       float *restrict dcb, const float *restrict dhb,
                       const float *restrict up, const float *restrict tanh_c,
                       const float *restrict gi, const float *restrict gf,
                       const float *restrict gg, const float *restrict go,
                       const float *restrict cp, int H) {
  for (int j = 0; j < H; j++) {
    float d_h = dhb[j] + up[j];
    float tc = tanh_c[j];
    float d_c = dcb[j] + d_h * go[j] * (1.0f - tc * tc);
    dO[j] = d_h * tc * go[j] * (1.0f - go[j]);
    di[j] = d_c * gg[j] * gi[j] * (1.0f - gi[j]);
    dg[j] = d_c * gi[j] * (1.0f - gg[j] * gg[j]);
    df[j] = d_c * cp[j] * gf[j] * (1.0f - gf[j]);
    dcb[j] = d_c * gf[j];
  }
}

/*
** Per step, with dh the total gradient wrt h_t and dc the one wrt c_t
** flowing back from step t+1:
**   dc += dh * o * (1 - tanh(c_t)^2)
**   do = dh * tanh(c_t);  di = dc * g;  dg = dc * i;  df = dc * c_{t-1}
**   pre-activations: di * i(1-i), df * f(1-f), dg * (1-g^2), do * o(1-o)
**   dc_{t-1} = dc * f;   dh_{t-1} = dz W_hh
*/
void rnn_lstm_backward(const rnn_cell_grad *g, const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 4 * H;
  float *dh = g->dh, *dc = g->dc;
  for (int i = 0; i < B * H; i++) dh[i] = dc[i] = 0.0f;
  for (int s = c->T - 1; s >= 0; s--) {
    int t = rnn_cell_t(c, s);
    const float *zt = c->z + (size_t)t * B * G;
    const float *ct = c->aux + (size_t)t * B * H;
    const float *cprev = s == 0 ? c->zero
                                : c->aux + (size_t)rnn_cell_t(c, s - 1) * B * H;
    float *dzt = g->dz + (size_t)t * B * G;
    for (int b = 0; b < B; b++) {
      const float *gi = zt + (size_t)b * G, *gf = gi + H, *gg = gf + H,
                  *go = gg + H;
      const float *up = g->dout + ((size_t)t * B + b) * g->lddo;
      const float *cb = ct + (size_t)b * H, *cp = cprev + (size_t)b * H;
      float *dhb = dh + (size_t)b * H, *dcb = dc + (size_t)b * H;
      float *di = dzt + (size_t)b * G, *df = di + H, *dg = df + H, *dO = dg + H;
      float *tanh_c = c->step; /* scratch: tanh(c_t) of this row */
      rnn_vtanh(tanh_c, cb, H);
      gate_grads(di, df, dg, dO, dcb, dhb, up, tanh_c, gi, gf, gg, go, cp, H);
    }
    for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
    if (s > 0) rnn_gemm_nn(B, H, G, dzt, G, c->w_hh, H, dh, H);
  }
  rnn_cell_param_grads(g, c, 4);
}
