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
#include "act.h"
#include "nn.h"

/* One row of one step: gi..go hold the gates' pre-activations and leave
** with the gates; then c_t, tanh(c_t) (kept for the backward pass) and
** h_t. Every array is distinct, which restrict (on parameters, where GCC
** uses it) tells the compiler, so it vectorises the loops across j. */
RNN_INLINE void lstm_row(int H, float *restrict gi, float *restrict gf,
                         float *restrict gg, float *restrict go,
                         const float *restrict cp, float *restrict cb,
                         float *restrict tb, float *restrict h) {
  for (int j = 0; j < H; j++) {
    float i = rnn_sigmoid1(gi[j]), f = rnn_sigmoid1(gf[j]);
    float g = rnn_tanh1(gg[j]), o = rnn_sigmoid1(go[j]);
    gi[j] = i, gf[j] = f, gg[j] = g, go[j] = o;
    cb[j] = f * cp[j] + i * g;
  }
  /* A second loop: its iterations are short and independent, so the CPU
  ** overlaps several tanh's (in the first loop each waits on the gates). */
  for (int j = 0; j < H; j++) {
    tb[j] = rnn_tanh1(cb[j]);
    h[j] = go[j] * tb[j];
  }
}

/* Every row of a step (zt (B, 4H); c_{t-1}, c_t and tanh(c_t) (B, H); h_t
** rows ldo apart): one call per step. */
RNN_INLINE void lstm_step_body(int B, int H, float *zt, const float *cprev,
                               float *ct, float *tct, float *out, int ldo) {
  for (int b = 0; b < B; b++) {
    float *gi = zt + (size_t)b * 4 * H;
    lstm_row(H, gi, gi + H, gi + 2 * H, gi + 3 * H, cprev + (size_t)b * H,
             ct + (size_t)b * H, tct + (size_t)b * H, out + (size_t)b * ldo);
  }
}
RNN_DISPATCH(lstm_step,
             (int B, int H, float *zt, const float *cprev, float *ct,
              float *tct, float *out, int ldo),
             (B, H, zt, cprev, ct, tct, out, ldo))

/* tanh(c_t) of step t: the second (T, B, H) block of aux. */
static float *tanh_c(const rnn_cell_io *c, int t) {
  return c->aux + ((size_t)c->T + (size_t)t) * c->B * c->H;
}

void rnn_lstm_forward(const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 4 * H;
  rnn_cell_input_proj(c, 4, 1);
  for (int s = 0; s < c->T && !rnn_cell_stopped(c); s++) {
    int t = rnn_cell_t(c, s), ldp;
    const float *prev = rnn_cell_prev(c, s, &ldp);
    const float *cprev = rnn_cell_cprev(c, s);
    float *zt = c->z + (size_t)t * B * G;
    rnn_gemm_nn(B, G, H, prev, ldp, c->w_hhT, G, zt, G);
    lstm_step(B, H, zt, cprev, c->aux + (size_t)t * B * H, tanh_c(c, t),
              c->out + (size_t)t * B * c->ldo, c->ldo);
  }
}

/*
** Per step, with dh the total gradient wrt h_t and dc the one wrt c_t
** flowing back from step t+1:
**   dc += dh * o * (1 - tanh(c_t)^2)
**   do = dh * tanh(c_t);  di = dc * g;  dg = dc * i;  df = dc * c_{t-1}
**   pre-activations: di * i(1-i), df * f(1-f), dg * (1-g^2), do * o(1-o)
**   dc_{t-1} = dc * f;   dh_{t-1} = dz W_hh
** lstm_step_grads does the element-wise part for every row of a step, with
** tanh(c_t) from the forward pass's cache; dh comes in holding the gradient
** from step t+1 and dout (up) the one from above.
*/
RNN_INLINE void lstm_row_grads(
    int H, float *restrict di, float *restrict df, float *restrict dg,
    float *restrict dO, float *restrict dcb, const float *restrict dhb,
    const float *restrict up, const float *restrict tb,
    const float *restrict gi, const float *restrict gf,
    const float *restrict gg, const float *restrict go,
    const float *restrict cp) {
  for (int j = 0; j < H; j++) {
    float d_h = dhb[j] + up[j];
    float tc = tb[j];
    float d_c = dcb[j] + d_h * go[j] * (1.0f - tc * tc);
    dO[j] = d_h * tc * go[j] * (1.0f - go[j]);
    di[j] = d_c * gg[j] * gi[j] * (1.0f - gi[j]);
    dg[j] = d_c * gi[j] * (1.0f - gg[j] * gg[j]);
    df[j] = d_c * cp[j] * gf[j] * (1.0f - gf[j]);
    dcb[j] = d_c * gf[j];
  }
}

RNN_INLINE void lstm_step_grads_body(int B, int H, const float *zt,
                                     const float *tct, const float *cprev,
                                     const float *dout, int lddo,
                                     const float *dh, float *dc, float *dzt) {
  for (int b = 0; b < B; b++) {
    const float *gi = zt + (size_t)b * 4 * H;
    float *di = dzt + (size_t)b * 4 * H;
    lstm_row_grads(H, di, di + H, di + 2 * H, di + 3 * H, dc + (size_t)b * H,
                   dh + (size_t)b * H, dout + (size_t)b * lddo,
                   tct + (size_t)b * H, gi, gi + H, gi + 2 * H, gi + 3 * H,
                   cprev + (size_t)b * H);
  }
}
RNN_DISPATCH(lstm_step_grads,
             (int B, int H, const float *zt, const float *tct,
              const float *cprev, const float *dout, int lddo, const float *dh,
              float *dc, float *dzt),
             (B, H, zt, tct, cprev, dout, lddo, dh, dc, dzt))

void rnn_lstm_backward(const rnn_cell_grad *g, const rnn_cell_io *c) {
  int B = c->B, H = c->H, G = 4 * H;
  float *dh = g->dh, *dc = g->dc;
  for (int i = 0; i < B * H; i++) dh[i] = dc[i] = 0.0f;
  for (int s = c->T - 1; s >= 0 && !rnn_cell_stopped(c); s--) {
    int t = rnn_cell_t(c, s);
    const float *cprev = rnn_cell_cprev(c, s);
    float *dzt = g->dz + (size_t)t * B * G;
    lstm_step_grads(B, H, c->z + (size_t)t * B * G, tanh_c(c, t), cprev,
                    g->dout + (size_t)t * B * g->lddo, g->lddo, dh, dc, dzt);
    /* dh_{t-1} = dz_t W_hh (zeros before the first step) */
    rnn_gemm_nn_bias(B, H, s > 0 ? G : 0, dzt, G, c->w_hh, H, c->zero, dh, H);
    rnn_cell_cut_grads(c, s, dh, dc);
  }
  rnn_cell_param_grads(g, c, 4);
}
