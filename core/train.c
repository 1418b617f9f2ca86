/*
** Training a forecasting model on one series.
**
** Rules:
**   1. Missing values are filled (series.c rule 1) and counted.
**   2. The series is normalised with statistics of the whole series
**      (standard: mean and population standard deviation; minmax: to
**      [0, 1]; none). A constant series gets scale 1.
**   3. Window i takes z[i .. i+W-1] as input and z[i+W .. i+W+O-1] as
**      target; every window is used for training.
**   4. Each epoch shuffles the windows with the seeded generator and walks
**      them in minibatches of `batch` (the last one may be smaller): new
**      dropout masks, forward, loss, backpropagation through time,
**      gradient-norm clipping, an optimiser step.
**   5. The recorded loss of an epoch is the mean over its windows.
**   6. The model keeps the last W values (data units) as its tail, so it
**      can forecast past the end of the training data.
** Nothing here depends on the clock or the thread count, so the same input,
** options and seed give the same model, bit for bit.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"
#include "rng.h"

void rnn_model_free(rnn_model *m) {
  if (!m) return;
  rnn_free(m->params);
  rnn_free(m->tail);
  rnn_free(m->train_loss);
  rnn_free(m);
}

/* Rule 2. */
static void normalise_stats(rnn_model *m, const double *y, size_t n) {
  m->norm_shift = 0.0;
  m->norm_scale = 1.0;
  if (m->norm == RNN_NORM_STANDARD) {
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) ss += (y[i] - mean) * (y[i] - mean);
    double sd = sqrt(ss / (double)n);
    m->norm_shift = mean;
    m->norm_scale = sd > 0 ? sd : 1.0;
  } else if (m->norm == RNN_NORM_MINMAX) {
    double lo = y[0], hi = y[0];
    for (size_t i = 1; i < n; i++) {
      if (y[i] < lo) lo = y[i];
      if (y[i] > hi) hi = y[i];
    }
    m->norm_shift = lo;
    m->norm_scale = hi > lo ? hi - lo : 1.0;
  }
}

/* Rule 3: copies windows idx[0..B-1] into the time-major input x (T, B, 1)
** and their targets into target (B, O). */
static void gather_batch(float *x, float *target, const float *z,
                         const int *idx, int B, int T, int O) {
  for (int b = 0; b < B; b++) {
    const float *s = z + idx[b];
    for (int t = 0; t < T; t++) x[(size_t)t * B + b] = s[t];
    for (int o = 0; o < O; o++) target[(size_t)b * O + o] = s[T + o];
  }
}

rnn_status rnn_train(rnn_model **out, const double *y_in, size_t n,
                     const rnn_options *o, rnn_err *e) {
  rnn_status rc = RNN_OK;
  rnn_model *m = NULL;
  double *y = NULL;
  float *z = NULL, *grad = NULL, *target = NULL;
  int *idx = NULL;
  rnn_work w = {0};
  rnn_optim opt = {0};
  *out = NULL;

  if (n == 0) return rnn_fail(e, RNN_EINVAL, "no rows to train on");
  m = rnn_calloc(1, sizeof *m);
  y = rnn_malloc(n * sizeof *y);
  if (!m || !y) goto nomem;
  memcpy(y, y_in, n * sizeof *y);
  m->opts = *o;
  m->rows = (int64_t)n;

  /* Rule 1. */
  m->missing = rnn_fill_missing(y, n);
  if (m->missing < 0) {
    rc = rnn_fail(e, RNN_EINVAL, "every value is missing");
    goto fail;
  }

  int W = o->window == RNN_WINDOW_AUTO ? rnn_auto_window(y, n) : o->window;
  int O = o->horizon;
  m->opts.window = W;
  if (n < (size_t)W + (size_t)O) {
    rc = rnn_fail(e, RNN_EINVAL,
                  "needs at least %d rows for window %d and horizon %d, got %zu",
                  W + O, W, O, n);
    goto fail;
  }
  int nw = (int)(n - (size_t)W - (size_t)O + 1);

  m->arch = (rnn_arch){.cell = o->cell,
                       .activation = o->activation,
                       .input = 1,
                       .hidden = o->hidden,
                       .layers = o->layers,
                       .dirs = o->bidirectional ? 2 : 1,
                       .window = W,
                       .output = O};
  if ((rc = rnn_arch_layout(&m->arch, &m->layout, e))) goto fail;
  size_t np = m->layout.n_params;

  m->norm = o->normalize;
  normalise_stats(m, y, n);
  z = rnn_malloc(n * sizeof *z);
  m->params = rnn_malloc(np * sizeof *m->params);
  grad = rnn_malloc(np * sizeof *grad);
  m->tail = rnn_malloc((size_t)W * sizeof *m->tail);
  m->train_loss = rnn_calloc((size_t)o->epochs, sizeof *m->train_loss);
  int B = o->batch < nw ? o->batch : nw;
  target = rnn_malloc((size_t)B * O * sizeof *target);
  idx = rnn_malloc((size_t)nw * sizeof *idx);
  if (!z || !m->params || !grad || !m->tail || !m->train_loss || !target ||
      !idx)
    goto nomem;
  if ((rc = rnn_work_init(&w, &m->arch, B, o->dropout))) goto fail;
  if ((rc = rnn_optim_init(&opt, o->optimizer, np, o->lr))) goto fail;
  for (size_t i = 0; i < n; i++)
    z[i] = (float)((y[i] - m->norm_shift) / m->norm_scale);
  /* Rule 6. */
  memcpy(m->tail, y + n - (size_t)W, (size_t)W * sizeof *m->tail);

  rnn_rng rng;
  rnn_rng_seed(&rng, o->seed);
  rnn_net_init(m->params, &m->arch, &m->layout, &rng);
  for (int i = 0; i < nw; i++) idx[i] = i;

  /* Rule 4. */
  for (int ep = 0; ep < o->epochs; ep++) {
    rnn_rng_shuffle(&rng, idx, nw);
    double sum = 0.0;
    for (int start = 0; start < nw; start += B) {
      int bs = nw - start < B ? nw - start : B;
      gather_batch(w.x, target, z, idx + start, bs, W, O);
      rnn_net_dropout_masks(&w, &m->arch, bs, o->dropout, &rng);
      rnn_net_forward(&w, &m->arch, &m->layout, m->params, bs, 1);
      double loss = rnn_loss(o->loss, w.dy, w.y, target, bs * O);
      memset(grad, 0, np * sizeof *grad);
      rnn_net_backward(&w, &m->arch, &m->layout, m->params, grad, bs);
      rnn_clip_grad(grad, np, o->clip);
      rnn_optim_step(&opt, m->params, grad);
      sum += loss * bs;
    }
    /* Rule 5. */
    m->train_loss[ep] = sum / nw;
    m->epochs_run = ep + 1;
  }
  goto done;

nomem:
  rc = RNN_ENOMEM;
fail:
  rnn_model_free(m);
  m = NULL;
done:
  rnn_optim_free(&opt);
  rnn_work_free(&w);
  rnn_free(y);
  rnn_free(z);
  rnn_free(grad);
  rnn_free(target);
  rnn_free(idx);
  *out = m;
  return rc;
}
