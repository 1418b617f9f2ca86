/*
** The network: stacked (optionally bidirectional) recurrent layers over a
** window, the last states into a linear head.
**
**   layer 0 reads the window x (T, B, I); layer l > 0 reads the outputs of
**   layer l-1, (T, B, dirs*H), both directions concatenated per step.
**   head:  y = [h_fwd(T-1), h_bwd(0)] W_out^T + b_out    (torch's h_n order)
**
** All parameters live in one flat buffer; rnn_arch_layout gives the offset
** of every tensor (nn.h rule 3 for their shapes), so gradients and optimiser
** moments are buffers of the same size and the BLOB stores one array.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"
#include "rng.h"

static rnn_status layout_of(const rnn_arch *a, rnn_layout *lo, int max_io,
                            rnn_err *e);

/* Every kind of cell (nn.h). */
static const rnn_cell_kind cell_kinds[RNN_CELL_COUNT] = {
    [RNN_CELL_RNN] = {.gates = 1, .aux = 1, .forward = rnn_elman_forward,
                      .backward = rnn_elman_backward},
    [RNN_CELL_GRU] = {.gates = 3, .aux = 1, .own_dzh = 1,
                      .forward = rnn_gru_forward, .backward = rnn_gru_backward},
    [RNN_CELL_LSTM] = {.gates = 4, .aux = 2, .cell_state = 1,
                       .forward = rnn_lstm_forward, .backward = rnn_lstm_backward},
};

/* Callers validate the cell first (layout_of); one that did not gets the
** first row rather than a read out of bounds. */
const rnn_cell_kind *rnn_cell_kind_of(int cell) {
  return &cell_kinds[cell >= 0 && cell < RNN_CELL_COUNT ? cell : 0];
}

int rnn_cell_gates(int cell) { return rnn_cell_kind_of(cell)->gates; }

rnn_status rnn_arch_layout(const rnn_arch *a, rnn_layout *lo, rnn_err *e) {
  return layout_of(a, lo, 1024, e);
}

rnn_status rnn_text_layout(const rnn_arch *a, rnn_layout *lo, rnn_err *e) {
  return layout_of(a, lo, RNN_MAX_VOCAB, e);
}

/* The checks and offsets of both: inputs and outputs up to max_io. */
static rnn_status layout_of(const rnn_arch *a, rnn_layout *lo, int max_io,
                            rnn_err *e) {
  if (a->cell < 0 || a->cell >= RNN_CELL_COUNT)
    return rnn_fail(e, RNN_EINVAL, "cell %d is not supported", a->cell);
  if (a->activation < 0 || a->activation > RNN_ACT_SIGMOID)
    return rnn_fail(e, RNN_EINVAL, "activation %d is not supported",
                    a->activation);
  if (a->input < 1 || a->input > max_io || a->hidden < 1 ||
      a->hidden > RNN_MAX_HIDDEN || a->layers < 1 ||
      a->layers > RNN_MAX_LAYERS || a->dirs < 1 || a->dirs > 2 ||
      a->window < 1 || a->window > RNN_MAX_WINDOW || a->output < 1 ||
      a->output > max_io)
    return rnn_fail(e, RNN_EINVAL, "architecture out of range");
  memset(lo, 0, sizeof *lo);
  size_t G = (size_t)rnn_cell_gates(a->cell), H = (size_t)a->hidden;
  size_t off = 0;
  for (int l = 0; l < a->layers; l++) {
    size_t in = l == 0 ? (size_t)a->input : (size_t)a->dirs * H;
    for (int d = 0; d < a->dirs; d++) {
      rnn_layer_offsets *p = &lo->layer[l][d];
      p->w_ih = off, off += G * H * in;
      p->w_hh = off, off += G * H * H;
      p->b_ih = off, off += G * H;
      p->b_hh = off, off += G * H;
    }
  }
  lo->w_out = off, off += (size_t)a->output * a->dirs * H;
  lo->b_out = off, off += (size_t)a->output;
  lo->n_params = off;
  return RNN_OK;
}

void rnn_net_init(float *params, const rnn_arch *a, const rnn_layout *lo,
                  rnn_rng *r) {
  float k = 1.0f / sqrtf((float)a->hidden);
  for (size_t i = 0; i < lo->w_out; i++)
    params[i] = (2.0f * rnn_rng_float(r) - 1.0f) * k;
  k = 1.0f / sqrtf((float)(a->dirs * a->hidden));
  for (size_t i = lo->w_out; i < lo->n_params; i++)
    params[i] = (2.0f * rnn_rng_float(r) - 1.0f) * k;
}

size_t rnn_work_bytes(const rnn_arch *a, int B, double dropout) {
  return rnn_work_bytes_seq(a, B, dropout, 0);
}

size_t rnn_work_bytes_seq(const rnn_arch *a, int B, double dropout,
                          int flags) {
  size_t T = (size_t)a->window, H = (size_t)a->hidden, Bs = (size_t)B;
  size_t G = (size_t)rnn_cell_gates(a->cell), D = (size_t)a->dirs;
  size_t L = (size_t)a->layers;
  size_t O = (size_t)a->output * (flags & RNN_WORK_STEPS ? T : 1);
  size_t I = flags & RNN_WORK_TOKENS ? 1 : (size_t)a->input;
  size_t z = T * Bs * G * H, out = T * Bs * D * H;
  size_t aux = (size_t)rnn_cell_kind_of(a->cell)->aux * T * Bs * H;
  size_t floats = T * Bs * I + L * D * (z + aux) + L * out +
                  Bs * D * H + 2 * Bs * O + Bs * G * H + 3 * Bs * H;
  if (flags & RNN_WORK_GRADS) /* the backward pass's buffers */
    floats += 2 * out + (rnn_cell_kind_of(a->cell)->own_dzh ? 2 : 1) * z + 2 * Bs * H;
  if (dropout > 0 && L > 1) floats += 2 * (L - 1) * out;
  if ((flags & RNN_WORK_TOKENS) && (flags & RNN_WORK_GRADS)) {
    size_t used = (size_t)a->input < T * Bs ? (size_t)a->input : T * Bs;
    floats += used * G * H + (size_t)a->input + used; /* ints are floats' size */
  }
  rnn_layout lo;
  if (rnn_text_layout(a, &lo, NULL) == RNN_OK) floats += lo.n_params;
  return floats * sizeof(float);
}

rnn_status rnn_work_init(rnn_work *w, const rnn_arch *a, int B,
                         double dropout) {
  return rnn_work_init_seq(w, a, B, dropout, 0);
}

rnn_status rnn_work_init_seq(rnn_work *w, const rnn_arch *a, int B,
                             double dropout, int flags) {
  return rnn_work_init_watched(w, a, B, dropout, flags, NULL);
}

/* A zeroed buffer of n floats, its pages mapped in one call first (core/
** alloc.h rnn_prefault) in training's set-up (s given) or when it takes
** 64 KiB or more (a forecast over many windows: the one-step errors that
** rnn_anomaly scores against take megabytes; a model scored row by row
** reuses smaller buffers that are mapped already). In the set-up the stop
** is asked after every 16 MiB (a large network's buffers take seconds to
** zero, page by page); NULL once stopped. */
static float *zeroed(size_t n, const rnn_setup *s, int *stopped) {
  if (*stopped) return NULL;
  if (n > SIZE_MAX / sizeof(float)) return NULL;
  float *p = rnn_malloc(n ? n * sizeof(float) : 1);
  int map = s || n * sizeof(float) >= (size_t)64 << 10;
  for (size_t at = 0; p && at < n && !*stopped; at += (size_t)1 << 22) {
    size_t k = n - at < (size_t)1 << 22 ? n - at : (size_t)1 << 22;
    if (map) rnn_prefault(p + at, k * sizeof(float));
    memset(p + at, 0, k * sizeof(float));
    if (s && s->stop) *stopped = s->stop(s->arg);
  }
  return p;
}

rnn_status rnn_work_init_watched(rnn_work *w, const rnn_arch *a, int B,
                                 double dropout, int flags, const rnn_setup *s) {
  memset(w, 0, sizeof *w);
  int stopped = 0;
  size_t T = (size_t)a->window, H = (size_t)a->hidden;
  size_t G = (size_t)rnn_cell_gates(a->cell), D = (size_t)a->dirs;
  size_t L = (size_t)a->layers, Bs = (size_t)B;
  size_t O = (size_t)a->output * (flags & RNN_WORK_STEPS ? T : 1);
  size_t I = flags & RNN_WORK_TOKENS ? 1 : (size_t)a->input;
  w->B = B;
  w->z_stride = T * Bs * G * H;
  w->aux_stride = (size_t)rnn_cell_kind_of(a->cell)->aux * T * Bs * H;
  w->out_stride = T * Bs * D * H;
  w->x = zeroed(T * Bs * I, s, &stopped);
  w->z = zeroed(L * D * w->z_stride, s, &stopped);
  w->aux = zeroed(L * D * w->aux_stride, s, &stopped);
  w->out = zeroed(L * w->out_stride, s, &stopped);
  w->last = zeroed(Bs * D * H, s, &stopped);
  w->y = zeroed(Bs * O, s, &stopped);
  w->step = zeroed(Bs * G * H, s, &stopped);
  w->dy = zeroed(Bs * O, s, &stopped); /* the loss's gradient, forward too */
  int grads = !!(flags & RNN_WORK_GRADS);
  if (grads) { /* the backward pass's buffers: a forecast needs none */
    w->dout = zeroed(w->out_stride, s, &stopped);
    w->dx = zeroed(w->out_stride, s, &stopped);
    w->dz = zeroed(w->z_stride, s, &stopped);
    w->dzh = rnn_cell_kind_of(a->cell)->own_dzh ? zeroed(w->z_stride, s, &stopped) : w->dz;
    w->dh = zeroed(Bs * H, s, &stopped);
    w->dc = zeroed(Bs * H, s, &stopped);
  }
  w->zero = zeroed(Bs * H, s, &stopped);
  w->cut = zeroed(2 * Bs * H, s, &stopped);
  rnn_layout lo;
  int ok = rnn_text_layout(a, &lo, NULL) == RNN_OK;
  w->wt = ok ? zeroed(lo.n_params, s, &stopped) : NULL;
  ok = ok && w->x && w->z && w->aux && w->out && w->last && w->y && w->step &&
       w->dy && (!grads || (w->dout && w->dx && w->dz && w->dzh && w->dh && w->dc)) &&
       w->zero && w->cut && w->wt;
  if (ok && (flags & RNN_WORK_TOKENS) && (flags & RNN_WORK_GRADS)) {
    size_t used = (size_t)a->input < T * Bs ? (size_t)a->input : T * Bs;
    w->tok_acc = rnn_malloc(used * G * H * sizeof(float));
    w->tok_slot = rnn_malloc(((size_t)a->input + used) * sizeof(int));
    ok = w->tok_acc && w->tok_slot;
    for (int i = 0; ok && i < a->input; i++) w->tok_slot[i] = -1;
  }
  if (ok && dropout > 0 && L > 1) {
    w->mask = zeroed((L - 1) * w->out_stride, s, &stopped);
    w->drop = zeroed((L - 1) * w->out_stride, s, &stopped);
    ok = w->mask && w->drop;
  }
  if (!ok || stopped) {
    rnn_work_free(w);
    return stopped ? RNN_EINTERRUPT : RNN_ENOMEM;
  }
  return RNN_OK;
}

void rnn_work_free(rnn_work *w) {
  if (w->dzh != w->dz) rnn_free(w->dzh);
  float *bufs[] = {w->x,  w->z,  w->aux, w->out, w->mask, w->drop,
                   w->last, w->y, w->step, w->dy, w->dout, w->dx,
                   w->dz, w->dh, w->dc, w->zero, w->cut, w->wt, w->tok_acc};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) rnn_free(bufs[i]);
  rnn_free(w->tok_slot);
  memset(w, 0, sizeof *w);
}

/* The steps of a pass (rnn_work.T). */
static int steps(const rnn_work *w, const rnn_arch *a) {
  return w->T > 0 ? w->T : a->window;
}

void rnn_net_dropout_masks(rnn_work *w, const rnn_arch *a, int B, double p,
                           rnn_rng *r) {
  if (!w->mask) return;
  size_t used = (size_t)steps(w, a) * B * a->dirs * a->hidden;
  float keep = (float)(1.0 / (1.0 - p)), pf = (float)p;
  for (size_t l = 0; l + 1 < (size_t)a->layers; l++)
    for (size_t i = 0; i < used; i++)
      w->mask[l * w->out_stride + i] = rnn_rng_float(r) < pf ? 0.0f : keep;
}

/* Row of the head's input for lane b, direction d: the state after the
** last step that direction processed (t = T-1, or the lane's last element,
** forward; t = 0 reverse). */
static size_t last_step(const rnn_work *w, int T, int b, int d) {
  if (d) return 0;
  return (size_t)(w->len ? w->len[b] : T) - 1;
}

/* The input of layer l (the window, or the previous layer's outputs after
** dropout) and its width. */
static const float *layer_input(const rnn_work *w, const rnn_arch *a, int l,
                                int train, int *I) {
  if (l == 0) {
    *I = a->input;
    return w->x;
  }
  *I = a->dirs * a->hidden;
  if (train && w->drop) return w->drop + (size_t)(l - 1) * w->out_stride;
  return w->out + (size_t)(l - 1) * w->out_stride;
}

/* The description of layer l, direction d for the cell kernels. */
static rnn_cell_io layer_io(rnn_work *w, const rnn_arch *a,
                            const rnn_layout *lo, const float *params, int B,
                            int l, int d, int train) {
  const rnn_layer_offsets *p = &lo->layer[l][d];
  int H = a->hidden, DH = a->dirs * H, I;
  const float *x = layer_input(w, a, l, train, &I);
  size_t ld = (size_t)(l * a->dirs + d);
  const float *h0 = w->h0 ? w->h0 + (size_t)l * w->state_ld : w->zero;
  const float *c0 = w->c0 ? w->c0 + (size_t)l * w->state_ld : w->zero;
  return (rnn_cell_io){.T = steps(w, a), .B = B, .I = I, .H = H,
                       .stop = w->stop, .owner = w->owner,
                       .act = a->activation, .reverse = d,
                       .x = x, .ldx = I, .tok = l == 0 ? w->tok : NULL,
                       .out = w->out + (size_t)l * w->out_stride + d * H,
                       .ldo = DH,
                       .w_ih = params + p->w_ih, .w_hh = params + p->w_hh,
                       .w_ihT = w->wt + p->w_ih, .w_hhT = w->wt + p->w_hh,
                       .b_ih = params + p->b_ih, .b_hh = params + p->b_hh,
                       .z = w->z + ld * w->z_stride,
                       .aux = w->aux + ld * w->aux_stride,
                       .step = w->step, .zero = w->zero, .h0 = h0,
                       .c0 = c0, .len = w->len, .hcut = w->cut,
                       .ccut = w->cut + (size_t)B * H};
}

/* Every weight matrix transposed into w->wt at the offsets of the flat
** buffer, so the products run in the vectorised "nn" form (gemm.c rule 4). */
void rnn_net_transpose(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                       const float *params) {
  int GH = rnn_cell_gates(a->cell) * a->hidden, DH = a->dirs * a->hidden;
  for (int l = 0; l < a->layers; l++)
    for (int d = 0; d < a->dirs; d++) {
      const rnn_layer_offsets *p = &lo->layer[l][d];
      int I = l == 0 ? a->input : DH;
      rnn_transpose(w->wt + p->w_ih, params + p->w_ih, GH, I);
      rnn_transpose(w->wt + p->w_hh, params + p->w_hh, GH, a->hidden);
    }
  rnn_transpose(w->wt + lo->w_out, params + lo->w_out, a->output, DH);
}

void rnn_net_forward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                     const float *params, int B, int train) {
  int T = steps(w, a), H = a->hidden, D = a->dirs, DH = D * H;
  void (*fwd)(const rnn_cell_io *) = rnn_cell_kind_of(a->cell)->forward;
  if (w->wt_fixed < 2) {
    rnn_net_transpose(w, a, lo, params);
    if (w->wt_fixed) w->wt_fixed = 2; /* done once, kept from now on */
  }
  for (int l = 0; l < a->layers; l++) {
    for (int d = 0; d < D; d++) {
      rnn_cell_io c = layer_io(w, a, lo, params, B, l, d, train);
      fwd(&c);
    }
    /* Dropout between layers: drop = out * mask. */
    if (train && w->drop && l + 1 < a->layers) {
      size_t n = (size_t)T * B * DH, off = (size_t)l * w->out_stride;
      for (size_t i = 0; i < n; i++)
        w->drop[off + i] = w->out[off + i] * w->mask[off + i];
    }
  }
  const float *top = w->out + (size_t)(a->layers - 1) * w->out_stride;
  if (w->per_step) { /* every step's states: (T*B, DH) rows */
    rnn_gemm_nn_bias(T * B, a->output, DH, top, DH, w->wt + lo->w_out,
                     a->output, params + lo->b_out, w->y, a->output);
    return;
  }
  /* Gather the head input and apply the head. */
  for (int b = 0; b < B; b++)
    for (int d = 0; d < D; d++)
      memcpy(w->last + (size_t)b * DH + d * H,
             top + (last_step(w, T, b, d) * B + b) * DH + d * H,
             (size_t)H * sizeof(float));
  rnn_gemm_nn_bias(B, a->output, DH, w->last, DH, w->wt + lo->w_out,
                   a->output, params + lo->b_out, w->y, a->output);
}

void rnn_net_backward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                      const float *params, float *grad, int B) {
  int T = steps(w, a), H = a->hidden, D = a->dirs, DH = D * H, O = a->output;
  size_t n = (size_t)T * B * DH;
  void (*bwd)(const rnn_cell_grad *, const rnn_cell_io *) = rnn_cell_kind_of(a->cell)->backward;
  if (w->per_step) {
    /* Head on every step: dW_out += dy^T out, db_out += sum dy,
    ** dout = dy W_out. */
    const float *top = w->out + (size_t)(a->layers - 1) * w->out_stride;
    rnn_gemm_tn(O, DH, T * B, w->dy, O, top, DH, grad + lo->w_out, DH);
    rnn_colsum(T * B, O, w->dy, O, grad + lo->b_out);
    memset(w->dout, 0, n * sizeof(float));
    rnn_gemm_nn(T * B, DH, O, w->dy, O, params + lo->w_out, DH, w->dout, DH);
  } else {
    /* Head: dW_out += dy^T last, db_out += sum dy, dlast = dy W_out. */
    rnn_gemm_tn(O, DH, B, w->dy, O, w->last, DH, grad + lo->w_out, DH);
    for (int b = 0; b < B; b++)
      for (int o = 0; o < O; o++) grad[lo->b_out + o] += w->dy[b * O + o];
    memset(w->dout, 0, n * sizeof(float));
    for (int b = 0; b < B; b++)
      for (int d = 0; d < D; d++)
        rnn_gemm_nn(1, H, O, w->dy + (size_t)b * O, O,
                    params + lo->w_out + d * H, DH,
                    w->dout + (last_step(w, T, b, d) * B + b) * DH + d * H, DH);
  }
  /* Layers from the top down; dx of layer l becomes dout of layer l-1
  ** (through the dropout mask when there is one). */
  for (int l = a->layers - 1; l >= 0; l--) {
    float *dx = l == 0 ? NULL : w->dx;
    if (dx) memset(dx, 0, n * sizeof(float));
    for (int d = 0; d < D; d++) {
      rnn_cell_io c = layer_io(w, a, lo, params, B, l, d, 1);
      const rnn_layer_offsets *p = &lo->layer[l][d];
      rnn_cell_grad g = {.dout = w->dout + d * H, .lddo = DH,
                         .dx = dx, .lddx = c.I,
                         .dw_ih = grad + p->w_ih, .dw_hh = grad + p->w_hh,
                         .db_ih = grad + p->b_ih, .db_hh = grad + p->b_hh,
                         .dz = w->dz, .dzh = w->dzh, .dh = w->dh, .dc = w->dc,
                         .tok_acc = w->tok_acc, .tok_slot = w->tok_slot};
      bwd(&g, &c);
    }
    if (dx) {
      if (w->mask) {
        const float *mk = w->mask + (size_t)(l - 1) * w->out_stride;
        for (size_t i = 0; i < n; i++) dx[i] *= mk[i];
      }
      float *t = w->dout;
      w->dout = w->dx;
      w->dx = t;
    }
  }
}
