/*
** The GRU cell (torch.nn.GRU), one direction of one layer. Gate blocks in
** torch's order r, z, n:
**   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
**   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
**   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
**   h_t = (1 - z) * n + z * h_{t-1},   h_0 = 0
** b_hn sits inside the reset product, so the input side (x W_ih^T + b_ih)
** and the hidden side (h W_hh^T + b_hh) are kept apart.
** Caches: z holds r, z, n after their nonlinearities; aux W_hn h + b_hn.
*/
#include "act.h"
#include "nn.h"

/* One row of one step: r, z, n hold the input side x W_ih^T + b_ih and
** leave with the gates; hr, hz, hh are the hidden side h_{t-1} W_hh^T +
** b_hh; hnb keeps hh for the backward pass. restrict on parameters (where
** GCC uses it) lets the loop vectorise across j. */
RNN_INLINE void gru_row(int H, float *restrict r, float *restrict z,
                        float *restrict n, const float *restrict hr,
                        const float *restrict hz, const float *restrict hh,
                        const float *restrict hp, float *restrict hnb,
                        float *restrict h) {
  for (int j = 0; j < H; j++) {
    float rj = rnn_sigmoid1(r[j] + hr[j]), zj = rnn_sigmoid1(z[j] + hz[j]);
    float nj = rnn_tanh1(n[j] + rj * hh[j]);
    r[j] = rj, z[j] = zj, n[j] = nj;
    hnb[j] = hh[j];
    h[j] = (1.0f - zj) * nj + zj * hp[j];
  }
}

/* Every row of a step: zt and hs (B, 3H), hn (B, H), h_{t-1} and h_t rows
** ldp and ldo apart. */
RNN_INLINE void gru_step_body(int B, int H, float *zt, const float *hs, float *hn,
                     const float *prev, int ldp, float *out, int ldo) {
  for (int b = 0; b < B; b++) {
    float *r = zt + (size_t)b * 3 * H;
    const float *hr = hs + (size_t)b * 3 * H;
    gru_row(H, r, r + H, r + 2 * H, hr, hr + H, hr + 2 * H,
            prev + (size_t)b * ldp, hn + (size_t)b * H, out + (size_t)b * ldo);
  }
}
RNN_DISPATCH(gru_step, (int B, int H, float *zt, const float *hs, float *hn, const float *prev, int ldp, float *out, int ldo), (B, H, zt, hs, hn, prev, ldp, out, ldo))

void rnn_gru_forward(const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 3 * H;
  rnn_cell_input_proj(c, 3, 0);
  for (int s = 0; s < c->T && !rnn_cell_stopped(c); s++) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    /* step = h_{t-1} W_hh^T + b_hh */
    rnn_gemm_nn_bias(B, G, H, prev, ldp, c->w_hhT, G, c->b_hh, c->step, G);
    gru_step(B, H, c->z + (size_t)t * B * G, c->step,
             c->aux + (size_t)t * B * H, prev, ldp,
             c->out + (size_t)t * B * c->ldo, c->ldo);
  }
}

/*
** Per step, with dh the total gradient wrt h_t:
**   dn = dh (1 - z) -> pre-activation dan = dn (1 - n^2)
**   dz = dh (h_{t-1} - n) -> daz = dz z (1 - z)
**   dr = dan * hn -> dar = dr r (1 - r)
**   input side  [dar, daz, dan];  hidden side [dar, daz, dan * r]
**   dh_{t-1} = dh z + (hidden side) W_hh
** gru_step_grads does the element-wise part for every row of a step: dh
** comes in holding the gradient from step t+1 (dout, up, the one from
** above) and leaves with the direct path dh z.
*/
RNN_INLINE void gru_row_grads(
    int H, float *restrict xr, float *restrict xz, float *restrict xn,
    float *restrict hr, float *restrict hz, float *restrict hhn,
    float *restrict dhb, const float *restrict up, const float *restrict r,
    const float *restrict z, const float *restrict n,
    const float *restrict hp, const float *restrict hnb) {
  for (int j = 0; j < H; j++) {
    float d = dhb[j] + up[j];
    float dan = d * (1.0f - z[j]) * (1.0f - n[j] * n[j]);
    float daz = d * (hp[j] - n[j]) * z[j] * (1.0f - z[j]);
    float dar = dan * hnb[j] * r[j] * (1.0f - r[j]);
    xr[j] = hr[j] = dar;
    xz[j] = hz[j] = daz;
    xn[j] = dan;
    hhn[j] = dan * r[j];
    dhb[j] = d * z[j]; /* the direct path to h_{t-1} */
  }
}

RNN_INLINE void gru_step_grads_body(int B, int H, const float *zt, const float *hn,
                           const float *prev, int ldp, const float *dout,
                           int lddo, float *dh, float *dx_t, float *dh_t) {
  for (int b = 0; b < B; b++) {
    const float *r = zt + (size_t)b * 3 * H;
    float *xr = dx_t + (size_t)b * 3 * H, *hr = dh_t + (size_t)b * 3 * H;
    gru_row_grads(H, xr, xr + H, xr + 2 * H, hr, hr + H, hr + 2 * H,
                  dh + (size_t)b * H, dout + (size_t)b * lddo, r, r + H,
                  r + 2 * H, prev + (size_t)b * ldp, hn + (size_t)b * H);
  }
}
RNN_DISPATCH(gru_step_grads, (int B, int H, const float *zt, const float *hn, const float *prev, int ldp, const float *dout, int lddo, float *dh, float *dx_t, float *dh_t), (B, H, zt, hn, prev, ldp, dout, lddo, dh, dx_t, dh_t))

void rnn_gru_backward(const rnn_cell_grad *g, const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 3 * H;
  float *dh = g->dh;
  for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
  for (int s = c->T - 1; s >= 0 && !rnn_cell_stopped(c); s--) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    float *dh_t = g->dzh + (size_t)t * B * G;
    gru_step_grads(B, H, c->z + (size_t)t * B * G, c->aux + (size_t)t * B * H,
                   prev, ldp, g->dout + (size_t)t * B * g->lddo, g->lddo, dh,
                   g->dz + (size_t)t * B * G, dh_t);
    if (s > 0)
      rnn_gemm_nn(B, H, G, dh_t, G, c->w_hh, H, dh, H);
    else
      for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
    rnn_cell_cut_grads(c, s, dh, NULL);
  }
  rnn_cell_param_grads(g, c, 3);
}
