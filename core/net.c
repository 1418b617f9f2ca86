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

int rnn_cell_gates(int cell) {
  return cell == RNN_CELL_LSTM ? 4 : cell == RNN_CELL_GRU ? 3 : 1;
}

rnn_status rnn_arch_layout(const rnn_arch *a, rnn_layout *lo, rnn_err *e) {
  if (a->cell != RNN_CELL_RNN)
    return rnn_fail(e, RNN_EINVAL, "cell %d is not supported", a->cell);
  if (a->activation < 0 || a->activation > RNN_ACT_SIGMOID)
    return rnn_fail(e, RNN_EINVAL, "activation %d is not supported",
                    a->activation);
  if (a->input < 1 || a->input > 1024 || a->hidden < 1 ||
      a->hidden > RNN_MAX_HIDDEN || a->layers < 1 ||
      a->layers > RNN_MAX_LAYERS || a->dirs < 1 || a->dirs > 2 ||
      a->window < 1 || a->window > RNN_MAX_WINDOW || a->output < 1 ||
      a->output > 1024)
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

rnn_status rnn_work_init(rnn_work *w, const rnn_arch *a, int B) {
  memset(w, 0, sizeof *w);
  size_t T = (size_t)a->window, H = (size_t)a->hidden;
  size_t G = (size_t)rnn_cell_gates(a->cell), D = (size_t)a->dirs;
  size_t L = (size_t)a->layers, O = (size_t)a->output, Bs = (size_t)B;
  w->B = B;
  w->z_stride = T * Bs * G * H;
  w->out_stride = T * Bs * D * H;
  w->x = rnn_calloc(T * Bs * (size_t)a->input, sizeof(float));
  w->z = rnn_calloc(L * D * w->z_stride, sizeof(float));
  w->out = rnn_calloc(L * w->out_stride, sizeof(float));
  w->last = rnn_calloc(Bs * D * H, sizeof(float));
  w->y = rnn_calloc(Bs * O, sizeof(float));
  w->dy = rnn_calloc(Bs * O, sizeof(float));
  w->dout = rnn_calloc(w->out_stride, sizeof(float));
  w->dx = rnn_calloc(w->out_stride, sizeof(float));
  w->dz = rnn_calloc(w->z_stride, sizeof(float));
  w->dh = rnn_calloc(Bs * H, sizeof(float));
  w->zero = rnn_calloc(Bs * H, sizeof(float));
  if (!w->x || !w->z || !w->out || !w->last || !w->y || !w->dy || !w->dout ||
      !w->dx || !w->dz || !w->dh || !w->zero) {
    rnn_work_free(w);
    return RNN_ENOMEM;
  }
  return RNN_OK;
}

void rnn_work_free(rnn_work *w) {
  float *bufs[] = {w->x,    w->z,  w->out, w->last, w->y,   w->dy,
                   w->dout, w->dx, w->dz,  w->dh,   w->zero};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) rnn_free(bufs[i]);
  memset(w, 0, sizeof *w);
}

/* Row of the head's input for direction d: the state after the last step
** that direction processed (t = T-1 forward, t = 0 reverse). */
static size_t last_step(int T, int d) { return d == 0 ? (size_t)T - 1 : 0; }

void rnn_net_forward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                     const float *params, int B) {
  int T = a->window, H = a->hidden, D = a->dirs, DH = D * H;
  const float *in = w->x;
  int ldin = a->input, I = a->input;
  for (int l = 0; l < a->layers; l++) {
    float *out = w->out + (size_t)l * w->out_stride;
    for (int d = 0; d < D; d++) {
      const rnn_layer_offsets *p = &lo->layer[l][d];
      float *z = w->z + (size_t)(l * D + d) * w->z_stride;
      rnn_elman_forward(out + d * H, DH, z, in, ldin, params + p->w_ih,
                        params + p->w_hh, params + p->b_ih, params + p->b_hh,
                        w->zero, T, B, I, H, a->activation, d);
    }
    in = out;
    ldin = DH;
    I = DH;
  }
  /* Gather the head input and apply the head. */
  const float *top = w->out + (size_t)(a->layers - 1) * w->out_stride;
  for (int b = 0; b < B; b++)
    for (int d = 0; d < D; d++)
      memcpy(w->last + (size_t)b * DH + d * H,
             top + (last_step(T, d) * B + b) * DH + d * H,
             (size_t)H * sizeof(float));
  for (int b = 0; b < B; b++)
    memcpy(w->y + (size_t)b * a->output, params + lo->b_out,
           (size_t)a->output * sizeof(float));
  rnn_gemm_nt(B, a->output, DH, w->last, DH, params + lo->w_out, DH, w->y,
              a->output);
}

void rnn_net_backward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                      const float *params, float *grad, int B) {
  int T = a->window, H = a->hidden, D = a->dirs, DH = D * H, O = a->output;
  /* Head: dW_out += dy^T last, db_out += sum dy, dlast = dy W_out. */
  rnn_gemm_tn(O, DH, B, w->dy, O, w->last, DH, grad + lo->w_out, DH);
  for (int b = 0; b < B; b++)
    for (int o = 0; o < O; o++) grad[lo->b_out + o] += w->dy[b * O + o];
  memset(w->dout, 0, (size_t)T * B * DH * sizeof(float));
  for (int b = 0; b < B; b++)
    for (int d = 0; d < D; d++)
      rnn_gemm_nn(1, H, O, w->dy + (size_t)b * O, O,
                  params + lo->w_out + d * H, DH,
                  w->dout + (last_step(T, d) * B + b) * DH + d * H, DH);
  /* Layers from the top down; dx of layer l is dout of layer l-1. */
  for (int l = a->layers - 1; l >= 0; l--) {
    const float *out = w->out + (size_t)l * w->out_stride;
    const float *in = l == 0 ? w->x : w->out + (size_t)(l - 1) * w->out_stride;
    int I = l == 0 ? a->input : DH;
    float *dx = l == 0 ? NULL : w->dx;
    if (dx) memset(dx, 0, (size_t)T * B * DH * sizeof(float));
    for (int d = 0; d < D; d++) {
      const rnn_layer_offsets *p = &lo->layer[l][d];
      rnn_elman_backward(dx, I, grad + p->w_ih, grad + p->w_hh,
                         grad + p->b_ih, grad + p->b_hh, w->dz, w->dh,
                         w->dout + d * H, DH, out + d * H, DH, in, I,
                         params + p->w_ih, params + p->w_hh, T, B, I, H,
                         a->activation, d);
    }
    if (dx) {
      float *t = w->dout;
      w->dout = w->dx;
      w->dx = t;
    }
  }
}
