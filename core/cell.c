/*
** What the three cells share: the input projection of every step at once,
** the previous state of a step, and the parameter gradients once the step
** loop has produced the pre-activation gradients.
*/
#include <string.h>

#include "nn.h"

/* Whether some lane's reverse pass starts at step s (rnn_cell_io.len). */
static int cuts_at(const rnn_cell_io *c, int s) {
  if (!c->len || !c->reverse || s == 0) return 0;
  int t = rnn_cell_t(c, s);
  for (int b = 0; b < c->B; b++)
    if (c->len[b] - 1 == t) return 1;
  return 0;
}

/* rows (B, H) at stride ld copied to cut (stride H), with the lanes whose
** reverse pass starts at step s zeroed. */
static const float *cut_rows(const rnn_cell_io *c, int s, const float *rows,
                             int ld, float *cut) {
  int t = rnn_cell_t(c, s), H = c->H;
  for (int b = 0; b < c->B; b++) {
    float *d = cut + (size_t)b * H;
    if (c->len[b] - 1 == t)
      memset(d, 0, (size_t)H * sizeof *d);
    else
      memcpy(d, rows + (size_t)b * ld, (size_t)H * sizeof *d);
  }
  return cut;
}

const float *rnn_cell_prev(const rnn_cell_io *c, int s, int *ld) {
  if (s == 0) {
    *ld = c->H;
    return c->h0;
  }
  int t = rnn_cell_t(c, s - 1);
  const float *h = c->out + (size_t)t * c->B * c->ldo;
  if (cuts_at(c, s)) {
    *ld = c->H;
    return cut_rows(c, s, h, c->ldo, c->hcut);
  }
  *ld = c->ldo;
  return h;
}

const float *rnn_cell_cprev(const rnn_cell_io *c, int s) {
  if (s == 0) return c->c0;
  const float *cp = c->aux + (size_t)rnn_cell_t(c, s - 1) * c->B * c->H;
  return cuts_at(c, s) ? cut_rows(c, s, cp, c->H, c->ccut) : cp;
}

void rnn_cell_cut_grads(const rnn_cell_io *c, int s, float *dh, float *dc) {
  if (!cuts_at(c, s)) return;
  int t = rnn_cell_t(c, s), H = c->H;
  for (int b = 0; b < c->B; b++)
    if (c->len[b] - 1 == t) {
      memset(dh + (size_t)b * H, 0, (size_t)H * sizeof *dh);
      if (dc) memset(dc + (size_t)b * H, 0, (size_t)H * sizeof *dc);
    }
}

void rnn_cell_input_proj(const rnn_cell_io *c, int G, int add_b_hh) {
  int GH = G * c->H;
  if (rnn_cell_stop_at(c, 1)) return; /* a stopped batch is not used */
  const float *bias = c->b_ih;
  if (add_b_hh) { /* b_ih + b_hh, once, in the step scratch */
    for (int j = 0; j < GH; j++) c->step[j] = c->b_ih[j] + c->b_hh[j];
    bias = c->step;
  }
  if (!c->tok) {
    rnn_gemm_nn_bias(c->T * c->B, GH, c->I, c->x, c->ldx, c->w_ihT, GH, bias,
                     c->z, GH);
    return;
  }
  /* Token inputs: row tok of w_ih^T (column tok of w_ih) plus the bias. */
  for (size_t r = 0; r < (size_t)c->T * c->B; r++) {
    float *z = c->z + r * GH;
    int k = c->tok[r];
    if (k < 0) {
      memcpy(z, bias, (size_t)GH * sizeof *z);
      continue;
    }
    const float *w = c->w_ihT + (size_t)k * GH;
    for (int j = 0; j < GH; j++) z[j] = bias[j] + w[j];
  }
}

/* dW_ih += dz^T x for token inputs: dz's row r into column tok[r], rows in
** ascending order. The columns a pass uses are gathered into rows of
** g->tok_acc first (each once), the rows of dz added there, and the rows
** scattered back: every element still starts from its value and adds its
** terms in ascending r, as adding into the column in place would (the same
** bits), but the adds run along contiguous rows, not a column whose
** elements lie `input` floats apart. */
RNN_INLINE void add_row_body(float *restrict acc, const float *restrict dz,
                             int n) {
  for (int j = 0; j < n; j++) acc[j] += dz[j];
}
RNN_DISPATCH(add_row, (float *restrict acc, const float *restrict dz, int n),
             (acc, dz, n))

static void token_grads(const rnn_cell_grad *g, const rnn_cell_io *c, int GH) {
  size_t rows = (size_t)c->T * c->B, I = (size_t)c->I;
  int *slot = g->tok_slot, *used = g->tok_slot + I, n = 0;
  for (size_t r = 0; r < rows; r++) {
    int k = c->tok[r];
    if (k < 0 || slot[k] >= 0) continue;
    float *acc = g->tok_acc + (size_t)n * GH;
    for (int j = 0; j < GH; j++) acc[j] = g->dw_ih[(size_t)j * I + k];
    slot[k] = n;
    used[n++] = k;
  }
  for (size_t r = 0; r < rows; r++)
    if (c->tok[r] >= 0)
      add_row(g->tok_acc + (size_t)slot[c->tok[r]] * GH, g->dz + r * GH, GH);
  for (int s = 0; s < n; s++) {
    int k = used[s];
    const float *acc = g->tok_acc + (size_t)s * GH;
    for (int j = 0; j < GH; j++) g->dw_ih[(size_t)j * I + k] = acc[j];
    slot[k] = -1;
  }
}

void rnn_cell_param_grads(const rnn_cell_grad *g, const rnn_cell_io *c, int G) {
  int T = c->T, B = c->B, H = c->H, I = c->I, GH = G * H;
  if (rnn_cell_stop_at(c, 1)) return; /* a stopped batch is not used */
  int rows = T * B;
  if (g->dzh == g->dz) { /* Elman and LSTM: both biases see one gradient */
    rnn_colsum2(rows, GH, g->dz, GH, g->db_ih, g->db_hh);
  } else {
    rnn_colsum(rows, GH, g->dz, GH, g->db_ih);
    rnn_colsum(rows, GH, g->dzh, GH, g->db_hh);
  }
  if (c->tok)
    token_grads(g, c, GH);
  else
    rnn_gemm_tn(GH, I, rows, g->dz, GH, c->x, c->ldx, g->dw_ih, I);
  if (g->dx && !c->tok)
    rnn_gemm_nn(rows, I, GH, g->dz, GH, c->w_ih, I, g->dx, g->lddx);
  /* Lanes whose reverse pass starts at step s read a zero state there: the
  ** rows of dzh that would pair with the real state go (dzh is scratch,
  ** and every other use of it is above). */
  for (int s = 1; c->len && c->reverse && s < T; s++) {
    int t = rnn_cell_t(c, s);
    for (int b = 0; b < B; b++)
      if (c->len[b] - 1 == t)
        memset(g->dzh + ((size_t)t * B + b) * GH, 0, (size_t)GH * sizeof(float));
  }
  /* dW_hh += dzh_t^T h_{t-1} over the steps that had a previous state:
  ** forward pairs dzh[1..T-1] with out[0..T-2], reverse dzh[0..T-2] with
  ** out[1..T-1]; either way one product over (T-1)*B rows. */
  if (T > 1) {
    const float *dzs = c->reverse ? g->dzh : g->dzh + (size_t)B * GH;
    const float *hs = c->reverse ? c->out + (size_t)B * c->ldo : c->out;
    rnn_gemm_tn(GH, H, (T - 1) * B, dzs, GH, hs, c->ldo, g->dw_hh, H);
  }
  /* A carried initial state pairs with the first step processed. */
  if (c->h0 != c->zero) {
    const float *dz0 = g->dzh + (size_t)rnn_cell_t(c, 0) * B * GH;
    rnn_gemm_tn(GH, H, B, dz0, GH, c->h0, H, g->dw_hh, H);
  }
}
