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
#include <string.h>

#include "nn.h"

void rnn_gru_forward(const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 3 * H;
  rnn_cell_input_proj(c, 3, 0);
  for (int s = 0; s < c->T; s++) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    float *zt = c->z + (size_t)t * B * G;
    float *hn = c->aux + (size_t)t * B * H;
    /* step = h_{t-1} W_hh^T + b_hh */
    for (int b = 0; b < B; b++)
      memcpy(c->step + (size_t)b * G, c->b_hh, (size_t)G * sizeof(float));
    rnn_gemm_nn(B, G, H, prev, ldp, c->w_hhT, G, c->step, G);
    for (int b = 0; b < B; b++) {
      float *r = zt + (size_t)b * G, *z = r + H, *n = z + H;
      const float *hr = c->step + (size_t)b * G, *hz = hr + H, *hh = hz + H;
      const float *hp = prev + (size_t)b * ldp;
      float *hnb = hn + (size_t)b * H;
      float *h = c->out + ((size_t)t * B + b) * c->ldo;
      for (int j = 0; j < 2 * H; j++) r[j] += hr[j]; /* r and z, adjacent */
      rnn_vsigmoid_ip(r, 2 * H);
      for (int j = 0; j < H; j++) {
        hnb[j] = hh[j];
        n[j] += r[j] * hh[j];
      }
      rnn_vtanh_ip(n, H);
      for (int j = 0; j < H; j++) h[j] = (1.0f - z[j]) * n[j] + z[j] * hp[j];
    }
  }
}

/* One row's gate gradients (the formulas below); every array is distinct,
** which restrict tells the compiler so that it vectorises the loop. */
static void gate_grads(float *restrict xr, float *restrict xz,
                       float *restrict xn, float *restrict hr,
                       float *restrict hz, float *restrict hhn,
                       float *restrict dhb, const float *restrict up,
                       const float *restrict r, const float *restrict z,
                       const float *restrict n, const float *restrict hp,
                       const float *restrict hnb, int H) {
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

/*
** Per step, with dh the total gradient wrt h_t:
**   dn = dh (1 - z) -> pre-activation dan = dn (1 - n^2)
**   dz = dh (h_{t-1} - n) -> daz = dz z (1 - z)
**   dr = dan * hn -> dar = dr r (1 - r)
**   input side  [dar, daz, dan];  hidden side [dar, daz, dan * r]
**   dh_{t-1} = dh z + (hidden side) W_hh
*/
void rnn_gru_backward(const rnn_cell_grad *g, const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 3 * H;
  float *dh = g->dh;
  for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
  for (int s = c->T - 1; s >= 0; s--) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    const float *zt = c->z + (size_t)t * B * G;
    const float *hn = c->aux + (size_t)t * B * H;
    float *dx_t = g->dz + (size_t)t * B * G;
    float *dh_t = g->dzh + (size_t)t * B * G;
    for (int b = 0; b < B; b++) {
      const float *r = zt + (size_t)b * G, *z = r + H, *n = z + H;
      const float *hp = prev + (size_t)b * ldp, *hnb = hn + (size_t)b * H;
      const float *up = g->dout + ((size_t)t * B + b) * g->lddo;
      float *dhb = dh + (size_t)b * H;
      float *xr = dx_t + (size_t)b * G, *xz = xr + H, *xn = xz + H;
      float *hr = dh_t + (size_t)b * G, *hz = hr + H, *hhn = hz + H;
      gate_grads(xr, xz, xn, hr, hz, hhn, dhb, up, r, z, n, hp, hnb, H);
    }
    if (s > 0)
      rnn_gemm_nn(B, H, G, dh_t, G, c->w_hh, H, dh, H);
    else
      for (int i = 0; i < B * H; i++) dh[i] = 0.0f;
  }
  rnn_cell_param_grads(g, c, 3);
}
