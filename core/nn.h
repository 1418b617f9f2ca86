/*
** Internal numerical building blocks of the core: matrix products, cells,
** the whole network's forward and backward passes, losses and optimisers.
** Not part of the public API (rnn.h); tests include it to check gradients.
**
** Layout conventions:
**   1. Matrices are row-major; "ld" is the distance between rows in floats.
**   2. Sequences are time-major: a tensor (T, B, F) holds step t of batch
**      row b at [(t * B + b) * F]; so step t is the (B, F) matrix at t*B*F.
**   3. Weights follow PyTorch: w_ih (G*H, I), w_hh (G*H, H), b_ih, b_hh
**      (G*H), gate blocks stacked along the first dimension.
**   4. Backward functions accumulate (+=) into parameter gradients.
*/
#ifndef RNN_NN_H
#define RNN_NN_H

#include "rnn.h"

/* ------------------------------------------------------------ gemm.c */

/* C (M, N) += A (M, K) * B (N, K)^T */
void rnn_gemm_nt(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc);
/* C (M, N) += A (M, K) * B (K, N) */
void rnn_gemm_nn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc);
/* C (M, N) += A (K, M)^T * B (K, N) */
void rnn_gemm_tn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc);

/* ------------------------------------------------------------ network */

/* Buffers for a forward and backward pass over batches of up to B windows.
** Sized once per training run (or prediction), reused for every batch. */
typedef struct rnn_work {
  int B;       /* capacity in windows */
  float *x;    /* (T, B, I) input windows */
  float *z;    /* per layer and direction: (T, B, G*H) gate pre-activations */
  float *out;  /* per layer: (T, B, dirs*H) layer outputs (the states) */
  float *last; /* (B, dirs*H) the head's input */
  float *y;    /* (B, O) outputs */
  /* backward */
  float *dy;   /* (B, O) */
  float *dout; /* (T, B, dirs*H) gradient wrt the current layer's outputs */
  float *dx;   /* (T, B, dirs*H) gradient wrt the current layer's inputs */
  float *dz;   /* (T, B, G*H) */
  float *dh;   /* (B, H) recurrent gradient */
  float *zero; /* (B, H) zeros: the initial state */
  size_t z_stride, out_stride; /* floats between layers' z and out blocks */
} rnn_work;

rnn_status rnn_work_init(rnn_work *w, const rnn_arch *a, int B);
void rnn_work_free(rnn_work *w);

/* Forward pass of B windows already in w->x; outputs in w->y. */
void rnn_net_forward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                     const float *params, int B);

/* Backward pass from w->dy (set by the loss) after rnn_net_forward;
** accumulates parameter gradients into grad (mirrors params). */
void rnn_net_backward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                      const float *params, float *grad, int B);

/* Initialises params as PyTorch does: every recurrent tensor and the head
** from U(-1/sqrt(fan), 1/sqrt(fan)), fan = H for the recurrent layers and
** dirs*H for the head. */
struct rnn_rng;
void rnn_net_init(float *params, const rnn_arch *a, const rnn_layout *lo,
                  struct rnn_rng *r);

/* ------------------------------------------------------------ elman.c */

/* One direction of an Elman layer over T steps of B rows:
**   h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),  h_0 = 0
** reverse != 0 runs t = T-1 .. 0. x (T, B, I) with row stride ldx; states
** h_t written to out (T, B, .) with row stride ldo; z (T, B, H) scratch. */
void rnn_elman_forward(float *out, int ldo, float *z, const float *x, int ldx,
                       const float *w_ih, const float *w_hh,
                       const float *b_ih, const float *b_hh, const float *zero,
                       int T, int B, int I, int H, int act, int reverse);

/* Backward of rnn_elman_forward. dout (T, B, .) stride ldo holds the
** gradient wrt every output state; dx (T, B, I) += gradient wrt x if
** non-NULL; parameter gradients are accumulated. dz (T, B, H) and dh (B, H)
** are scratch. */
void rnn_elman_backward(float *dx, int lddx, float *dw_ih, float *dw_hh,
                        float *db_ih, float *db_hh, float *dz, float *dh,
                        const float *dout, int lddo, const float *out, int ldo,
                        const float *x, int ldx, const float *w_ih,
                        const float *w_hh, int T, int B, int I, int H, int act,
                        int reverse);

/* ------------------------------------------------------------ loss.c */

/* Mean squared error over n outputs; writes dL/dy to dy. Returns L. */
double rnn_mse(float *dy, const float *y, const float *target, int n);

/* ------------------------------------------------------------ adam.c */

typedef struct rnn_adam {
  float *m, *v; /* first and second moments, mirror params */
  size_t n;
  int64_t t;    /* steps taken */
  double lr, beta1, beta2, eps;
} rnn_adam;

rnn_status rnn_adam_init(rnn_adam *o, size_t n, double lr);
void rnn_adam_free(rnn_adam *o);
/* One step with PyTorch's torch.optim.Adam semantics (no weight decay). */
void rnn_adam_step(rnn_adam *o, float *params, const float *grad);

/* Scales grad so its L2 norm is at most max_norm (torch's
** clip_grad_norm_); returns the norm before clipping. */
double rnn_clip_grad(float *grad, size_t n, double max_norm);

/* ------------------------------------------------------------ series.c */

/* Fills NaN entries of y by linear interpolation (ends: nearest value).
** Returns the number filled, or -1 if every value is missing. */
int64_t rnn_fill_missing(double *y, size_t n);

/* Picks an input window from the data: the strongest seasonal period
** found in the autocorrelation of the differenced series, else a default. */
int rnn_auto_window(const double *y, size_t n);

#endif
