/*
** Training a forecasting model on one regular series (with covariates).
**
** Rules:
**   1. Missing values of the value and of each covariate are filled
**      (series.c rule 1) and counted.
**   2. window "auto" is chosen from the data (series.c rule 3); horizon
**      "auto" is twice the seasonal period, from 8 to 48 (16 without a
**      period), at most a third of the rows after the first window. Window
**      i reads rows i .. i+W-1 (value and covariates) and predicts the
**      values of rows i+W .. i+W+O-1 (O = horizon) directly.
**   3. The latest floor(validation * windows) windows are held out (at
**      least one window is kept for training). Normalisation statistics
**      come from the rows the training windows cover, per column (standard:
**      mean and population standard deviation; minmax: to [0, 1]; none);
**      a constant column gets scale 1.
**   4. Each epoch shuffles the training windows with the seeded generator
**      and walks them in minibatches of `batch` (the last may be smaller):
**      new dropout masks, forward, loss, backpropagation through time,
**      gradient-norm clipping, an optimiser step. The epoch's loss is the
**      mean over its windows. Rules 4-6, 11 and 12 are the training loop
**      of every model (core/fit.c), given the series windows as its task.
**   5. With validation windows, the validation loss (same loss, no dropout)
**      is measured after every epoch; the parameters of the best epoch are
**      kept, and training stops after `patience` epochs without
**      improvement. Without, the last epoch is the best.
**   6. max_seconds covers the whole call: training stops, keeping the best
**      parameters so far, when the seconds since the call began plus the
**      estimated cost of validating RNN_MIN_CAL_ORIGINS origins reach it
**      (checked before every minibatch, core/fit.c rule 3); the validation then takes as many
**      origins as the rest allows (fewer than two: none, and no
**      intervals). No finished epoch is an error, never a model of random
**      weights. The caller's progress callback can interrupt training
**      (RNN_EINTERRUPT): it is called after every minibatch and, inside a
**      long one, every 10 ms between time steps (core/parallel.c rule 6).
**   7. On the validation windows, and from every later row, the kept
**      model forecasts cal_steps = max(horizon, 12) steps. With method "auto" the
**      components are chosen there (core/components.c rule 3) and the
**      errors are those of their combination. The errors calibrate the
**      intervals per step (split conformal, core/components.c rule 5), and
**      the first
**      `horizon` steps give the metrics MAE, RMSE, sMAPE and MASE (scaled by
**      the in-sample seasonal-naive error of the training rows, lag = the
**      period, or 1). At most the latest RNN_MAX_CAL_ORIGINS windows count
**      (RNN_MIN_CAL_ORIGINS when max_seconds ran out, so the budget holds).
**   8. The model keeps the last rows (data units) as its tail: W, or more
**      when a chosen component reads more (its history).
**   9. Fewer points than one window needs: short policy "fallback" gives a
**      seasonal-naive model (period found in the data, else the last
**      value) calibrated on its own in-sample errors; "error" fails with
**      the counts; "null" gives no model.
**  10. Memory is estimated before anything large is allocated; a run that
**      would need more than RNN_MAX_MEMORY fails with RNN_ELIMIT.
**  11. A loss that stops being finite (divergence) ends training: the best
**      epoch so far is kept, or, before any finished epoch, training fails
**      with a message; a model never holds a non-finite weight.
**  12. Each minibatch's gradient is computed in fixed chunks on up to
**      `threads` threads and summed in chunk order (core/parallel.c), so the
**      model does not depend on the thread count.
**  13. Method "auto" notes whether every value was positive (profiles on
**      logarithms) and none negative (forecasts kept at or above zero).
**  14. Values whose normalisation statistics overflow a double are an
**      error naming the column; so is any model the BLOB reader would not
**      take back (ext/train.c checks by decoding what it encoded).
** Nothing here depends on the thread count, and nothing but max_seconds on
** the clock: the same input, options and seed give the same model.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"
#include "rng.h"

#define RNN_MAX_CAL_ORIGINS 200
#define RNN_MIN_CAL_ORIGINS 16

void rnn_model_free(rnn_model *m) {
  if (!m) return;
  void *bufs[] = {m->params,     m->shift,    m->scale,
                  m->tail,       m->train_loss, m->val_loss,
                  m->cal_resid,  m->cal_scale};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) rnn_free(bufs[i]);
  rnn_predictor_free(m->pred);
  rnn_predictor_free(m->batch);
  rnn_free(m);
}

/* Rule 3: statistics of column c over rows [0, rows). */
static void column_stats(rnn_model *m, const double *v, size_t rows, int C,
                         int c) {
  double shift = 0.0, scale = 1.0;
  if (m->norm == RNN_NORM_STANDARD) {
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < rows; i++) mean += v[i * C + c];
    mean /= (double)rows;
    for (size_t i = 0; i < rows; i++) {
      double d = v[i * C + c] - mean;
      ss += d * d;
    }
    double sd = sqrt(ss / (double)rows);
    if (!isfinite(mean) || !isfinite(sd)) {
      /* Values beyond about 1e154 overflow the sums of squares (and near
      ** 1e308 the sum): the same statistics of the values divided by
      ** their largest magnitude. Only then, so other data keep their bits. */
      double big = 0.0, sm = 0.0, sq = 0.0;
      for (size_t i = 0; i < rows; i++) big = fmax(big, fabs(v[i * C + c]));
      for (size_t i = 0; i < rows; i++) sm += v[i * C + c] / big;
      sm /= (double)rows;
      for (size_t i = 0; i < rows; i++) {
        double d = v[i * C + c] / big - sm;
        sq += d * d;
      }
      mean = sm * big;
      sd = sqrt(sq / (double)rows) * big;
    }
    shift = mean;
    scale = sd > 0 ? sd : 1.0;
  } else if (m->norm == RNN_NORM_MINMAX) {
    double lo = v[c], hi = v[c];
    for (size_t i = 1; i < rows; i++) {
      double x = v[i * C + c];
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    shift = lo;
    scale = hi > lo ? hi - lo : 1.0;
  }
  m->shift[c] = shift;
  m->scale[c] = scale;
}

/* Rule 2: copies windows idx[0..B-1] into the time-major input x (T, B, C)
** and their targets into target (B, O), values relative to the window's
** mean (the anchor, core/predict.c rule 2). */
static void gather_batch(float *x, float *target, const float *z,
                         const int *idx, int B, int T, int O, int C) {
  for (int b = 0; b < B; b++) {
    const float *s = z + (size_t)idx[b] * C;
    float anchor = rnn_anchor(s, T, C);
    for (int t = 0; t < T; t++) {
      float *row = x + ((size_t)t * B + b) * C;
      memcpy(row, s + (size_t)t * C, (size_t)C * sizeof *x);
      row[0] -= anchor;
    }
    for (int o = 0; o < O; o++)
      target[(size_t)b * O + o] = s[(size_t)(T + o) * C] - anchor;
  }
}

/* Mean loss of the network over windows [first, first + count). */
static double eval_loss(const rnn_model *m, rnn_work *w, float *target,
                        const float *z, int *idx, int first, int count) {
  int W = m->arch.window, O = m->arch.output, C = m->arch.input;
  double sum = 0.0;
  for (int start = 0; start < count; start += w->B) {
    int bs = count - start < w->B ? count - start : w->B;
    for (int b = 0; b < bs; b++) idx[b] = first + start + b;
    gather_batch(w->x, target, z, idx, bs, W, O, C);
    rnn_net_forward(w, &m->arch, &m->layout, m->params, bs, 0);
    sum += rnn_loss(m->opts.loss, w->dy, w->y, target, bs * O) * bs;
  }
  return sum / count;
}

/* Rules 4-6: the series windows as the training loop's task (core/fit.c). */
typedef struct windows_task {
  const rnn_model *m;
  const float *z;        /* the normalised series */
  int *idx;              /* window order of the epoch */
  int ntrain, nval, B, start;
  rnn_work *w;           /* rule 5's validation batches */
  float *target;
  double per_origin;     /* rule 6: seconds one calibration origin takes */
} windows_task;

static void windows_begin(void *arg, int train, rnn_rng *rng) {
  windows_task *t = arg;
  (void)train; /* validation is windows_validate's */
  for (int i = 0; i < t->ntrain; i++) t->idx[i] = i;
  rnn_rng_shuffle(rng, t->idx, t->ntrain);
  t->start = 0;
}

/* Rule 12: the chunks' windows, in chunk order. */
static int windows_fill(void *arg, rnn_batcher *b) {
  windows_task *t = arg;
  const rnn_arch *a = &t->m->arch;
  int bs = t->ntrain - t->start < t->B ? t->ntrain - t->start : t->B;
  if (bs <= 0) return 0;
  rnn_batcher_split(b, bs);
  for (int c = 0; c < b->nc; c++) {
    rnn_chunk *ch = &b->chunk[c];
    if (ch->count)
      gather_batch(ch->w.x, ch->target, t->z, t->idx + t->start + ch->first,
                   ch->count, a->window, a->output, a->input);
  }
  t->start += bs;
  return bs;
}

static double windows_validate(void *arg, const float *params) {
  windows_task *t = arg;
  (void)params; /* the model's own, which the loop trains in place */
  return eval_loss(t->m, t->w, t->target, t->z, t->idx, t->ntrain, t->nval);
}

/* Rule 6: an origin forecasts K steps in ceil(K / O) passes, a window's
** training costs about three forward passes. */
static double windows_reserve(void *arg, double epoch_seconds) {
  windows_task *t = arg;
  int O = t->m->arch.output, K = O > 12 ? O : 12, passes = (K + O - 1) / O;
  t->per_origin = epoch_seconds / (3.0 * t->ntrain + t->nval) * passes;
  return t->per_origin * RNN_MIN_CAL_ORIGINS;
}

void rnn_sort_doubles(double *a, size_t n) {
  if (n < 2) return;
  for (size_t start = n / 2; start-- > 0;) {
    for (size_t r = start;;) {
      size_t c = 2 * r + 1;
      if (c >= n) break;
      if (c + 1 < n && a[c + 1] > a[c]) c++;
      if (a[r] >= a[c]) break;
      double t = a[r]; a[r] = a[c]; a[c] = t;
      r = c;
    }
  }
  for (size_t end = n - 1; end > 0; end--) {
    double t = a[0]; a[0] = a[end]; a[end] = t;
    for (size_t r = 0;;) {
      size_t c = 2 * r + 1;
      if (c >= end) break;
      if (c + 1 < end && a[c + 1] > a[c]) c++;
      if (a[r] >= a[c]) break;
      t = a[r]; a[r] = a[c]; a[c] = t;
      r = c;
    }
  }
}

/* The in-sample seasonal-naive mean absolute error of y[0..rows-1] with lag
** p (1 when the series is too short for p); MASE divides by it. */
static double snaive_scale(const double *y, size_t rows, int C, int p) {
  if ((size_t)p >= rows) p = 1;
  double sum = 0.0;
  size_t cnt = 0;
  for (size_t i = (size_t)p; i < rows; i++, cnt++)
    sum += fabs(y[i * C] - y[(i - p) * C]);
  return cnt ? sum / (double)cnt : NAN;
}

/* Rule 7: the metrics of errors err (origins, K; NaN where the truth is
** unknown) over the first O steps, v the series they were made on. */
static void set_metrics(rnn_model *m, const double *v, const double *err,
                        const size_t *origin, int origins, int K, int O,
                        size_t train_rows) {
  int C = m->arch.input;
  double ae = 0, se = 0, sm = 0;
  size_t cnt = 0, smc = 0;
  for (int j = 0; j < origins; j++)
    for (int s = 0; s < O; s++) {
      double e = err[(size_t)j * K + s];
      if (isnan(e)) continue;
      double y = v[(origin[j] + s) * C], f = y - e;
      ae += fabs(e), se += e * e, cnt++;
      if (fabs(y) + fabs(f) > 0) sm += 200.0 * fabs(e) / (fabs(y) + fabs(f)), smc++;
    }
  m->metrics.windows = origins;
  m->metrics.mae = ae / (double)cnt;
  m->metrics.rmse = sqrt(se / (double)cnt);
  m->metrics.smape = smc ? sm / (double)smc : 0.0;
  m->metrics.mase = m->metrics.mae / snaive_scale(v, train_rows, C, m->period);
}

/* Rule 7: forecasts from the latest validation windows; chooses the
** components (method "auto"), fills the metrics and the calibration. */
static rnn_status validate_forecasts(rnn_model *m, const double *v, const float *z,
                           size_t n, int first, int count, size_t train_rows,
                           int max_origins, int p2) {
  int W = m->arch.window, O = m->arch.output, C = m->arch.input;
  int K = O > 12 ? O : 12;
  /* The validation windows, and the origins after the last of them, whose
  ** truth is known for fewer than O steps: the latest rows are the most
  ** telling for the choice (a level shift in the last rows). */
  count += O - 1;
  if (count > max_origins) {
    first += count - max_origins;
    count = max_origins;
  }
  int B = count < 64 ? count : 64;
  rnn_status rc;
  rnn_work w;
  if ((rc = rnn_work_init(&w, &m->arch, B, 0.0))) return rc;
  float *rows = rnn_malloc((size_t)B * W * C * sizeof *rows);
  float *out = rnn_malloc((size_t)B * K * sizeof *out);
  double *netf = rnn_malloc((size_t)count * K * sizeof *netf);
  double *err = rnn_malloc((size_t)count * K * sizeof *err);
  double *cal = rnn_malloc((size_t)count * K * sizeof *cal);
  size_t *origin = rnn_malloc((size_t)count * sizeof *origin);
  if (!rows || !out || !netf || !err || !cal || !origin) {
    rc = RNN_ENOMEM;
    goto done;
  }
  for (int start = 0; start < count; start += B) {
    int bs = count - start < B ? count - start : B;
    for (int b = 0; b < bs; b++)
      memcpy(rows + (size_t)b * W * C, z + (size_t)(first + start + b) * C,
             (size_t)W * C * sizeof *rows);
    rnn_forecast_z(m, &w, rows, bs, K, out);
    for (int b = 0; b < bs; b++) {
      int j = start + b;
      origin[j] = (size_t)(first + j) + W; /* first target row */
      for (int s = 0; s < K; s++)
        netf[(size_t)j * K + s] = out[(size_t)b * K + s] * m->scale[0] + m->shift[0];
    }
  }
  if (m->opts.method == RNN_METHOD_AUTO) {
    rc = rnn_choose_components(m, v, n, C, origin, count, netf, K, p2, err, cal);
    if (rc) goto done;
  } else {
    for (int j = 0; j < count; j++)
      for (int s = 0; s < K; s++)
        err[(size_t)j * K + s] = origin[j] + s < n
                                     ? v[(origin[j] + s) * C] - netf[(size_t)j * K + s]
                                     : NAN;
    memcpy(cal, err, (size_t)count * K * sizeof *cal);
  }
  set_metrics(m, v, err, origin, count, K, O, train_rows);
  rc = rnn_calibrate_steps(m, cal, count, K, 1);
done:
  rnn_work_free(&w);
  rnn_free(rows);
  rnn_free(out);
  rnn_free(netf);
  rnn_free(err);
  rnn_free(cal);
  rnn_free(origin);
  return rc;
}

rnn_status rnn_batch_step(rnn_batcher *b, float *params, float *grad,
                          rnn_optim *opt, double clip, double *loss,
                          rnn_err *e) {
  *loss = rnn_batcher_run(b, params, grad);
  if (atomic_load(&b->stop.flag))
    return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
  if (!isfinite(*loss)) return RNN_OK;
  rnn_clip_grad(grad, b->np, clip);
  rnn_optim_step(opt, params, grad);
  return RNN_OK;
}

rnn_status rnn_epoch_end(rnn_epoch_log *g, int ep, double train, double val,
                         int has_val, const float *params,
                         const rnn_train_ctl *ctl, int *stop, rnn_err *e) {
  *stop = 0;
  g->train_loss[ep] = train;
  g->val_loss[ep] = val;
  *g->epochs_run = ep + 1;
  if (!has_val || val < g->best_val) {
    g->best_val = has_val ? val : g->best_val;
    *g->best_epoch = ep + 1;
    memcpy(g->best, params, g->np * sizeof *g->best);
  }
  rnn_progress p = {.epoch = ep + 1, .epochs = g->epochs, .epoch_done = 1,
                    .train_loss = train, .val_loss = val,
                    .best_epoch = *g->best_epoch};
  if (ctl && ctl->progress && ctl->progress(ctl->arg, &p))
    return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
  *stop = has_val && ep + 1 - *g->best_epoch >= g->patience;
  return RNN_OK;
}

rnn_status rnn_epochs_outcome(int diverged, int best_epoch, int epochs_run,
                              double max_seconds, rnn_err *e) {
  /* Rule 11. */
  if (diverged && best_epoch == 0)
    return rnn_fail(e, RNN_EINVAL,
                    "training diverged in epoch %d (the loss is no longer "
                    "finite); lower lr, or keep clip on",
                    diverged);
  /* Rule 6: no epoch finished within the budget. */
  if (epochs_run == 0)
    return rnn_fail(e, RNN_EINVAL,
                    "max_seconds (%g) ran out before the first epoch "
                    "finished; raise it, or make the network or the data "
                    "smaller",
                    max_seconds);
  return RNN_OK;
}

/* Rule 6: the caller's progress callback, asked from inside a minibatch. */
int rnn_poll_caller(void *arg) {
  rnn_train_poll *t = arg;
  rnn_progress p = t->p;
  p.inside = 1;
  return t->ctl->progress(t->ctl->arg, &p);
}

/* Rule 2: the horizon "auto" chooses, at most a third of the rows after
** the first window. */
static int auto_horizon(int period, size_t n, int W) {
  int h = period > 1 ? 2 * period : 16;
  h = h < 8 ? 8 : h > 48 ? 48 : h;
  size_t cap = n > (size_t)W ? (n - (size_t)W) / 3 : 1;
  return (size_t)h > cap ? (cap > 0 ? (int)cap : 1) : h;
}

/* Rule 9: the seasonal-naive fallback on the filled series v (n, C). */
static rnn_status train_fallback(rnn_model *m, const double *v, size_t n,
                                 int C) {
  int p = m->period; /* of the value column, found by the caller */
  if ((size_t)p > n) p = 1;
  m->kind = RNN_MODEL_SNAIVE;
  m->period = p;
  m->arch = (rnn_arch){.input = C, .window = p, .output = 1};
  m->opts.window = p;
  m->tail_rows = p;
  m->n_comp = 0, m->fc_flags = 0;
  m->tail = rnn_malloc((size_t)p * C * sizeof *m->tail);
  if (!m->tail) return RNN_ENOMEM;
  memcpy(m->tail, v + (n - (size_t)p) * C, (size_t)p * C * sizeof *m->tail);
  /* In-sample errors of forecasting s steps ahead from every origin. */
  int K = 2 * p > 12 ? 2 * p : 12;
  int origins = n > (size_t)p ? (int)(n - (size_t)p) : 0;
  double *err = rnn_malloc(((size_t)origins * K + 1) * sizeof *err);
  if (!err) return RNN_ENOMEM;
  for (int j = 0; j < origins; j++)
    for (int s = 0; s < K; s++) {
      size_t at = (size_t)j + (size_t)p + (size_t)s; /* forecast row */
      size_t from = (size_t)j + (size_t)(s % p);     /* the season it repeats */
      err[(size_t)j * K + s] = at < n ? v[at * C] - v[from * C] : NAN;
    }
  rnn_status rc = rnn_calibrate_steps(m, err, origins, K, 0);
  rnn_free(err);
  m->metrics.mae = m->metrics.rmse = m->metrics.smape = m->metrics.mase = NAN;
  return rc;
}

rnn_status rnn_train(rnn_model **out, const double *y_in, const double *x_in,
                     size_t n, int k, const rnn_options *o,
                     const rnn_train_ctl *ctl, rnn_err *e) {
  rnn_status rc = RNN_OK;
  rnn_model *m = NULL;
  double *v = NULL;
  float *z = NULL, *target = NULL;
  int *idx = NULL;
  rnn_work w = {0};
  rnn_batcher bt = {0};
  int C = 1 + k;
  double t0 = rnn_now(); /* rule 6: the budget covers the whole call */
  *out = NULL;

  if (n == 0) return rnn_fail(e, RNN_EINVAL, "no rows to train on");
  if (k < 0 || k > 1023) return rnn_fail(e, RNN_EINVAL, "too many covariates");
  m = rnn_calloc(1, sizeof *m);
  v = rnn_malloc(n * C * sizeof *v);
  if (!m || !v) goto nomem;
  m->opts = *o;
  m->rows = (int64_t)n;
  m->norm = o->normalize;
  m->period = 1;
  m->shift = rnn_malloc((size_t)C * sizeof *m->shift);
  m->scale = rnn_malloc((size_t)C * sizeof *m->scale);
  if (!m->shift || !m->scale) goto nomem;
  for (size_t i = 0; i < n; i++) {
    v[i * C] = y_in[i];
    for (int c = 1; c < C; c++) v[i * C + c] = x_in[i * k + (c - 1)];
  }

  /* Rule 1. */
  for (int c = 0; c < C; c++) {
    int64_t f = rnn_fill_missing(v + c, n, (size_t)C);
    if (f < 0) {
      rc = c == 0 ? rnn_fail(e, RNN_EINVAL, "every value is missing")
                  : rnn_fail(e, RNN_EINVAL, "every value of covariate x%d is missing", c);
      goto fail;
    }
    m->missing += f;
  }

  /* Rule 2. */
  double *y = NULL;
  if (C == 1) {
    y = v;
  } else if ((y = rnn_malloc(n * sizeof *y))) {
    for (size_t i = 0; i < n; i++) y[i] = v[i * C];
  } else {
    goto nomem;
  }
  int p2;
  rc = rnn_seasonal_periods(y, n, &m->period, &p2);
  if (y != v) rnn_free(y);
  if (rc) goto fail;
  int W = o->window == RNN_WINDOW_AUTO ? rnn_window_for_period(m->period, n)
                                       : o->window;
  int O = o->horizon == RNN_HORIZON_AUTO ? auto_horizon(m->period, n, W)
                                         : o->horizon;
  m->opts.window = W;
  m->opts.horizon = O;
  m->tail_rows = W;
  if (o->method == RNN_METHOD_AUTO) {
    /* Rule 13. */
    m->period2 = p2;
    m->fc_flags = RNN_FC_LOG | RNN_FC_NONNEG;
    for (size_t i = 0; i < n; i++) {
      if (!(v[i * C] > 0)) m->fc_flags &= ~RNN_FC_LOG;
      if (v[i * C] < 0) m->fc_flags &= ~RNN_FC_NONNEG;
    }
  }

  /* Rule 9. */
  if (n < (size_t)W + (size_t)O) {
    if (o->short_policy == RNN_SHORT_NULL) goto fail; /* rc is RNN_OK */
    if (o->short_policy == RNN_SHORT_ERROR) {
      rc = rnn_fail(e, RNN_EINVAL,
                    "needs at least %d rows for window %d and horizon %d, got "
                    "%zu",
                    W + O, W, O, n);
      goto fail;
    }
    m->shift[0] = 0.0, m->scale[0] = 1.0;
    for (int c = 1; c < C; c++) m->shift[c] = 0.0, m->scale[c] = 1.0;
    if ((rc = train_fallback(m, v, n, C))) goto fail;
    goto done;
  }

  int nw = (int)(n - (size_t)W - (size_t)O + 1);
  /* Rule 3. */
  int nval = (int)floor(nw * o->validation);
  if (nval > nw - 1) nval = nw - 1;
  int ntrain = nw - nval;
  size_t train_rows = (size_t)ntrain - 1 + W + O;
  for (int c = 0; c < C; c++) {
    column_stats(m, v, train_rows, C, c);
    /* Rule 14: what cannot be normalised cannot be modelled. */
    if (!isfinite(m->shift[c]) || !isfinite(m->scale[c]) || !(m->scale[c] > 0)) {
      rc = c == 0 ? rnn_fail(e, RNN_EINVAL,
                             "the values are too large to normalise (their "
                             "mean or spread overflows a double); scale them "
                             "down")
                  : rnn_fail(e, RNN_EINVAL,
                             "covariate x%d is too large to normalise (its "
                             "mean or spread overflows a double); scale it "
                             "down",
                             c);
      goto fail;
    }
  }

  m->kind = RNN_MODEL_NETWORK;
  m->anchored = 1;
  m->arch = (rnn_arch){.cell = o->cell,
                       .activation = o->activation,
                       .input = C,
                       .hidden = o->hidden,
                       .layers = o->layers,
                       .dirs = o->bidirectional ? 2 : 1,
                       .window = W,
                       .output = O};
  if ((rc = rnn_arch_layout(&m->arch, &m->layout, e))) goto fail;
  size_t np = m->layout.n_params;
  int B = o->batch < ntrain ? o->batch : ntrain;
  int EB = B > 64 ? B : (nval < 64 ? (nval > B ? nval : B) : 64);
  /* Rule 10. */
  int nc = rnn_chunks(B), cap = (B + nc - 1) / nc;
  size_t need = rnn_work_bytes(&m->arch, EB, 0.0) +
                nc * (rnn_work_bytes(&m->arch, cap, o->dropout) +
                      np * sizeof(float)) +
                np * 5 * sizeof(float) + n * C * (sizeof(double) + sizeof(float));
  if (need > RNN_MAX_MEMORY) {
    rc = rnn_fail(e, RNN_ELIMIT,
                  "training needs about %zu MiB (window %d, batch %d, hidden "
                  "%d, layers %d); the limit is %zu MiB",
                  need >> 20, W, B, o->hidden, o->layers, RNN_MAX_MEMORY >> 20);
    goto fail;
  }
  z = rnn_malloc(n * C * sizeof *z);
  m->params = rnn_malloc(np * sizeof *m->params);
  m->train_loss = rnn_calloc((size_t)o->epochs, sizeof *m->train_loss);
  m->val_loss = rnn_calloc((size_t)o->epochs, sizeof *m->val_loss);
  target = rnn_malloc((size_t)EB * O * sizeof *target);
  idx = rnn_malloc((size_t)(nw > EB ? nw : EB) * sizeof *idx);
  if (!z || !m->params || !m->train_loss || !m->val_loss || !target || !idx)
    goto nomem;
  if ((rc = rnn_work_init(&w, &m->arch, EB, 0.0))) goto fail;
  if ((rc = rnn_batcher_init(&bt, &m->arch, &m->layout, B, o->dropout,
                             o->threads, o->loss)))
    goto fail;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < C; c++)
      z[i * C + c] = (float)((v[i * C + c] - m->shift[c]) / m->scale[c]);

  windows_task wt = {.m = m, .z = z, .idx = idx, .ntrain = ntrain,
                     .nval = nval, .B = B, .w = &w, .target = target};
  rnn_fit_task task = {.arg = &wt, .begin = windows_begin, .fill = windows_fill,
                       .loss_terms = O, .validate = windows_validate,
                       .reserve = windows_reserve};
  rnn_fitted fit = RNN_FITTED(m);
  if ((rc = rnn_fit(&fit, &bt, &task, nval > 0, o, ctl, t0, e))) goto fail;

  /* Rule 7, with as many origins as the rest of the budget allows (none,
  ** fewer than two: no validation, no intervals). */
  m->metrics.mae = m->metrics.rmse = m->metrics.smape = m->metrics.mase = NAN;
  int origins = fit.out_of_time ? RNN_MIN_CAL_ORIGINS : RNN_MAX_CAL_ORIGINS;
  if (o->max_seconds > 0 && wt.per_origin > 0) {
    double left = o->max_seconds - (rnn_now() - t0);
    double can = left > 0 ? floor(left / wt.per_origin) : 0;
    origins = can < origins ? (int)can : origins;
  }
  if (nval && origins >= 2 &&
      (rc = validate_forecasts(m, v, z, n, ntrain, nval, train_rows, origins, p2)))
    goto fail;
  /* Rule 8. */
  for (int i = 0; i < m->n_comp; i++) {
    int rows = rnn_component_rows(&m->comp[i]);
    rows = (size_t)rows < n ? rows : (int)n;
    m->tail_rows = rows > m->tail_rows ? rows : m->tail_rows;
  }
  size_t R = (size_t)m->tail_rows;
  if (!(m->tail = rnn_malloc(R * C * sizeof *m->tail))) goto nomem;
  memcpy(m->tail, v + (n - R) * C, R * C * sizeof *m->tail);
  goto done;

nomem:
  rc = RNN_ENOMEM;
fail:
  rnn_model_free(m);
  m = NULL;
done:
  rnn_batcher_free(&bt);
  rnn_work_free(&w);
  rnn_free(v);
  rnn_free(z);
  rnn_free(target);
  rnn_free(idx);
  *out = m;
  return rc;
}
