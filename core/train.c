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
**      when a chosen component reads more (its history); and the rows
**      before the tail as its past, so that tail and past hold the last
**      RNN_KEEP_ROWS rows (none in a global model's series but for those
**      that fall back to rule 9), which only a fine-tune reads (rule 16).
**   9. Fewer points than one window needs, or (method "auto", validation
**      above 0, not a fine-tune or a global model's series) than one
**      validation window under rule 3 needs: short policy "fallback" gives
**      a seasonal-naive model (period found in the data, else the last
**      value) calibrated on its own in-sample errors; "error" fails with
**      the counts (under method "auto", the least that gives a validation
**      window); "null" gives no model. The forecaster chooses on
**      validation windows, and a network nothing validated lost to the
**      last value on short series by far (docs/forecasting.md, "The
**      forecaster"; bench/short_series.py). The fallback's calibration
**      reads the latest RNN_MAX_CAL_ORIGINS origins.
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
**  15. The finished model forecasts each of the last RNN_MAX_SURPRISE
**      training rows one step ahead from the filled rows before it (a row
**      with fewer than the tail's rows before it but a full window: its
**      components read the rows there are, as at the validation origins;
**      the fallback needs its whole tail); the absolute errors at rows whose
**      value was known calibrate rnn_anomaly (predict.c rule 10). They are
**      the recent, ordinary errors a new row is compared with: measured on
**      the dev sets, the held-out rows' scores were close to uniform
**      (docs/forecasting.md), where the pooled multi-step validation errors
**      of the intervals gave twice the false alarms, and the validation
**      origins' step-1 errors alone found fewer spikes.
**      Each error is taken less the shift of the run of errors before it
**      (rnn_surprise_shift over the RNN_SURPRISE_RUN rows before; the
**      rows before the first are forecast for that), as rnn_anomaly
**      scores a row (surp_run).
**  16. rnn_finetune continues a model on new rows: the series is the
**      model's past and tail followed by the new rows (filled as in rule
**      1); the period, window, horizon, normalisation and architecture are
**      the model's, and a network starts from its parameters (core/fit.c
**      rule 6: kept unless an epoch validates better). Its windows are
**      every window whose targets end in the tail or the new rows (their
**      inputs may reach back into the past rows; a model without past
**      rows has only those inside its tail and the new rows), the latest
**      held out as in rule 3 (at least one when there are two). (Windows
**      inside the tail and the new rows only left a model whose tail is
**      one window with none for a one-row fine-tune: taylor's chain
**      stopped training.) A model that kept every row holds out instead
**      the windows rnn_train of the whole series would validate on, and
**      trains on its windows before them (or on the one just before them,
**      reaching back into the past rows, when none is): the components
**      below are chosen there, so no window the fine-tune trained on
**      scores them (the network scored twice better than retrained on
**      UKgas's eval fine-tune when they overlapped). The model's own
**      network may have trained on some (a fine-tune that raises
**      validation, a model trained with validation 0): nothing in a model
**      records which windows trained it. When the model kept every
**      row it saw as past and tail (method "auto"), the second period is
**      found again on them and the new rows (a model trained on fewer rows
**      may not have seen a weekly cycle of hourly data; it is the new one
**      when the first is the same), and where validation leaves rnn_train
**      origins over the whole series (and the time budget two of them),
**      the components are chosen afresh there as rule 7 chooses them and
**      calibrated there: the choice rnn_train of the whole series would
**      make, with the fine-tuned network (the metrics are then the
**      fine-tuned model's). Scores merged with the model's own
**      (below) had followed the old rows too long after a level shift:
**      W285 of the M4 Weekly half fell from 3,800 to 690 in its new rows,
**      and the merged scores chose a seasonal naive that repeated the old
**      level (docs/forecasting-evidence.md, "Damped trends").
**      Otherwise (a model of a longer series, which kept its latest rows
**      only; or no such origins), at the validation origins the model's
**      candidates are scored again, each score merged with the model's own
**      (components.c rule 6), and chosen; the metrics stay the model's; the
**      fine-tuned model's errors on the new rows it held out, at every
**      step (each row once: recalibrate), scaled by the step scales, join
**      the calibration errors (at most 200 origins' worth: the older ones
**      thinned evenly over their sorted order). The errors of every
**      held-out origin, added again by every fine-tune, had narrowed the
**      bands of a chain of one-row fine-tunes of taylor 4.7-fold in 15
**      rows. Options that
**      would change the network (cell, activation, hidden, layers,
**      bidirectional, window, horizon, normalize, method) or its inputs
**      (xreg, calendar) are errors. Fewer rows in all (past, tail and
**      new) than a window and a horizon: the model stays as it is but for
**      its tail, row count and one-step errors, which move on to the new
**      rows, as do its past rows. A seasonal-naive fallback has no network
**      to continue: it is trained afresh (rnn_train) on its past rows, tail
**      and the new rows, with the window and horizon "auto" unless the
**      caller gives them (it keeps the ones it used, not the caller's).
**  18. rnn_train_global trains one network on the pooled windows of many
**      series: each series filled (rule 1) and normalised by its own
**      statistics (rule 3), its latest windows held out; the window and
**      horizon are the options', or for "auto" the median of those the
**      series with three windows' rows would choose (rule 2). Then each
**      series gets rules 7, 8, 13 and 15 with that network, which it
**      borrows (the caller owns it); one too short for the window follows
**      rule 9, and one with no known value is left out under short "null"
**      (else it fails the call, which names it). max_seconds and
**      interrupts cover the whole call; a series reached when the budget is
**      spent gets no calibration. xreg is not fitted.
**  17. With covariates, their same-step effect is fitted on the rows the
**      training windows cover and tested on the held-out rows (xreg.c
**      rules 2-3). With option xreg "auto" and method "auto", it must
**      also make the simple forecasters validate better: at rule 7's
**      origins, the combination of the simple candidates (components.c
**      rule 7) on the values less the effect, the effect of the rows'
**      own covariates added back, must err at least 5% less than on the
**      values. When kept, everything above but the tail, the metrics'
**      sMAPE and MASE, the one-step errors of rule 15 and the floor at
**      zero of rule 13 works on the values less the effect (xreg.c rule
**      1), and the forecasts add it back (predict.c rule 11).
** Nothing here depends on the thread count, and nothing but max_seconds on
** the clock: the same input, options and seed give the same model.
*/
#include <math.h>
#include <stdlib.h>
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
                  m->cal_resid,  m->cal_scale,  m->surp, m->xreg,
                  m->past};
  if (m->params_borrowed) bufs[0] = NULL; /* the global model's */
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

/* Mean loss of the network over windows [first, first + count) (their
** first rows: starts[i], or i when starts is NULL). */
static double eval_loss(const rnn_model *m, rnn_work *w, float *target,
                        const float *z, const int *starts, int *idx, int first,
                        int count) {
  int W = m->arch.window, O = m->arch.output, C = m->arch.input;
  double sum = 0.0;
  for (int start = 0; start < count; start += w->B) {
    int bs = count - start < w->B ? count - start : w->B;
    for (int b = 0; b < bs; b++)
      idx[b] = starts ? starts[first + start + b] : first + start + b;
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
  const int *starts;     /* window i's first row of z (rule 18: many
                         ** series); NULL: i */
  int *idx;              /* window order of the epoch */
  int ntrain, nval, B, start;
  rnn_work *w;           /* rule 5's validation batches */
  float *target;
  double per_origin;     /* rule 6: seconds one calibration origin takes */
} windows_task;

static void windows_begin(void *arg, int train, rnn_rng *rng) {
  windows_task *t = arg;
  (void)train; /* validation is windows_validate's */
  for (int i = 0; i < t->ntrain; i++) t->idx[i] = t->starts ? t->starts[i] : i;
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
  return eval_loss(t->m, t->w, t->target, t->z, t->starts, t->idx, t->ntrain, t->nval);
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

/* Rule 7 (components.c rule 5): with components, no covariate effect and
** every value vy (n, C) positive (RNN_FC_LOG), the calibration errors cal
** (origins, K) of the forecasts from origin[] divided by the
** rnn_band_factor of their forecast (the truth in vy less the error), L
** the mean of vy's first train_rows values; else as they are, the flag
** cleared (its errors are all new). */
static void band_errors(rnn_model *m, const double *vy, size_t n,
                        size_t train_rows, const size_t *origin, int count,
                        int K, double *cal) {
  int C = m->arch.input;
  m->fc_flags &= ~RNN_FC_SQRT;
  if (m->n_comp == 0 || m->xreg || !(m->fc_flags & RNN_FC_LOG) || train_rows == 0)
    return;
  for (size_t i = 0; i < n; i++)
    if (!(vy[i * C] > 0)) return;
  double sum = 0.0;
  for (size_t i = 0; i < train_rows; i++) sum += vy[i * C];
  double L = sum / (double)train_rows;
  if (!(L > 0) || !isfinite(L)) return;
  m->fc_flags |= RNN_FC_SQRT;
  m->cal_level = L;
  for (int j = 0; j < count; j++)
    for (int s = 0; s < K; s++) {
      double *e = &cal[(size_t)j * K + s];
      if (!isnan(*e)) *e /= rnn_band_factor(m, vy[(origin[j] + s) * C] - *e);
    }
}

/* Rule 7: forecasts from the latest validation windows of v, the series
** the forecaster learns (rule 17; vy: the values as given); chooses the
** components (method "auto"), fills the metrics and the calibration. */
static rnn_status validate_forecasts(rnn_model *m, const double *v,
                                     const double *vy, const float *z, size_t n,
                                     int first, int count, size_t train_rows,
                                     int max_origins, int p2, size_t rescore) {
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
  if (rescore) { /* rule 16: a fine-tune's choice; recalibrate does the rest */
    rc = rnn_rescore_components(m, v, n, C, origin, count, netf, K, rescore);
    goto done;
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
  set_metrics(m, vy, err, origin, count, K, O, train_rows); /* data units */
  band_errors(m, vy, n, train_rows, origin, count, K, cal);
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
                    "finite); lower lr, keep clip on, or scale very large "
                    "values down (with normalize \"none\" their squares "
                    "overflow)",
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

/* Rule 9: the error of a series too short for one validation window of
** method "auto" (rule 3): the fewest rows that would give one, found by
** iterating need(r) = W(r) + O(r) - 1 + k from n + 1 (W and O grow with
** the rows when "auto" and stop growing, so the iteration ends at the
** least r with need(r) <= r). */
static rnn_status short_to_validate(int period, size_t n, const rnn_options *o,
                                    rnn_err *e) {
  double k = ceil(1.0 / o->validation); /* windows for one held out */
  if (!(k < 1e15)) /* beyond any series (and k - 1 may equal k) */
    return rnn_fail(e, RNN_EINVAL,
                    "validation %g is too small to hold out one window of "
                    "any series, and the forecaster chooses on them; got %zu "
                    "rows (with validation 0 or method \"network\", a "
                    "network that nothing validates)",
                    o->validation, n);
  while (k > 1 && floor((k - 1) * o->validation) >= 1) k--;
  while (floor(k * o->validation) < 1) k++;
  size_t r = n + 1, need = 0;
  int W = 0, O = 0;
  for (;;) {
    W = o->window == RNN_WINDOW_AUTO ? rnn_window_for_period(period, r) : o->window;
    O = o->horizon == RNN_HORIZON_AUTO ? auto_horizon(period, r, W) : o->horizon;
    need = (size_t)W + (size_t)O - 1 + (size_t)k;
    if (need <= r) break;
    r = need;
  }
  return rnn_fail(e, RNN_EINVAL,
                  "needs at least %zu rows for window %d, horizon %d and one "
                  "validation window to choose the forecast on (validation "
                  "%g), got %zu (with validation 0 or method \"network\", a "
                  "network that nothing validates)",
                  r, W, O, o->validation, n);
}

/* Rule 15: the one-step errors of the finished model m on the filled rows v
** (n, C) whose value y[i] was known. A forecast that fails leaves the model
** without them (the pooled errors serve); only memory fails training. */
static rnn_status surprise_errors(rnn_model *m, const double *v,
                                  const double *y, size_t n) {
  size_t first = (size_t)(m->kind == RNN_MODEL_NETWORK ? m->arch.window : m->tail_rows);
  if (n <= first) return RNN_OK;
  int count = n - first > RNN_MAX_SURPRISE ? RNN_MAX_SURPRISE : (int)(n - first);
  /* The run before the first scored row is forecast too, where it can be. */
  size_t lead = n - (size_t)count - first;
  lead = lead < RNN_SURPRISE_RUN ? lead : RNN_SURPRISE_RUN;
  first = n - (size_t)count - lead;
  int total = count + (int)lead;
  double *f = rnn_malloc((size_t)total * sizeof *f);
  double *err = rnn_malloc((size_t)total * sizeof *err);
  if (!f || !err) {
    rnn_free(f);
    rnn_free(err);
    return RNN_ENOMEM;
  }
  rnn_status rc = rnn_predict_history(m, v, first, total, f, NULL);
  for (int j = 0; rc == RNN_OK && j < total; j++)
    err[j] = y[first + (size_t)j] - f[j]; /* NaN: not known */
  int k = 0;
  for (int j = (int)lead; rc == RNN_OK && j < total; j++) {
    double e = fabs(err[j] - rnn_surprise_shift(err, j, RNN_SURPRISE_RUN));
    if (isfinite(e)) f[k++] = e; /* skips missing values */
  }
  rnn_free(err);
  if (rc == RNN_ENOMEM || rc == RNN_EINTERRUPT || !k) {
    rnn_free(f);
    return rc == RNN_ENOMEM || rc == RNN_EINTERRUPT ? rc : RNN_OK;
  }
  rnn_sort_doubles(f, (size_t)k);
  m->surp = f;
  m->surp_n = k;
  m->surp_run = RNN_SURPRISE_RUN;
  return RNN_OK;
}

/* Rule 16: the errors the fine-tuned model m makes on the new rows of the
** filled series v (n, C; the new rows are the last `fresh`, of which the
** latest `limit` are counted: the caller's, those no training window had
** as a target; truth: y, NaN unknown), at every step from 1 to K: each
** such row is the truth of step s of the forecast from s rows before it,
** so it adds up to K errors, one origin's worth, and no error is added
** twice across fine-tunes (each truth row is new once). Scaled by the step
** scales, they join the calibration errors m kept, of which at most
** RNN_MAX_CAL_ORIGINS origins' worth stay, thinned evenly over their
** sorted order at an offset that moves with the row count, so that every
** error, the largest too, stays with the same chance (a fixed offset kept
** the extremes for ever, and a spike's error with them). */
static rnn_status recalibrate(rnn_model *m, const double *v, const double *y,
                              size_t n, size_t fresh, int limit) {
  int C = m->arch.input, R = m->tail_rows, O = m->arch.output;
  /* The steps rule 7 calibrates (a BLOB may claim up to 100,000). */
  int K = m->cal_steps < (O > 12 ? O : 12) ? m->cal_steps : (O > 12 ? O : 12);
  size_t rows = fresh < (size_t)limit ? fresh : (size_t)limit;
  if (K < 1 || rows < 1) return RNN_OK;
  size_t t0 = n - rows; /* the first truth row counted */
  size_t first = t0 >= (size_t)K - 1 + (size_t)R ? t0 - ((size_t)K - 1) : (size_t)R;
  double *f = rnn_malloc((size_t)K * sizeof *f);
  double *add = rnn_malloc((rows * K + 1) * sizeof *add);
  unsigned char *hit = rnn_calloc(rows, 1);
  double *fut = C > 1 ? rnn_malloc((size_t)K * (C - 1) * sizeof *fut) : NULL;
  rnn_status rc = f && add && hit && (C == 1 || fut) ? RNN_OK : RNN_ENOMEM;
  int got = 0, used = 0;
  for (size_t o = first; rc == RNN_OK && o < n; o++) {
    /* The truth's covariates at the forecast steps (rule 17: the errors
    ** are r's, as at training). */
    for (int s = 0; s < K && fut; s++)
      for (int c = 1; c < C; c++)
        fut[(size_t)s * (C - 1) + (c - 1)] = o + (size_t)s < n ? v[(o + (size_t)s) * C + c] : NAN;
    rnn_status r = rnn_predict_future(m, v + (o - (size_t)R) * C, K, fut, f, NULL);
    if (r == RNN_EINTERRUPT || r == RNN_ENOMEM) rc = r;
    if (r != RNN_OK) continue;
    for (int s = 0; s < K && o + (size_t)s < n; s++) {
      size_t t = o + (size_t)s;
      if (t < t0) continue;
      double e = fabs(y[t] - f[s]) / rnn_band_factor(m, f[s]);
      double scale = m->cal_scale ? m->cal_scale[s] : sqrt(s + 1.0);
      if (!isfinite(e)) continue;
      add[got++] = scale > 0 ? e / scale : 0.0;
      used += !hit[t - t0], hit[t - t0] = 1;
    }
  }
  rnn_free(f);
  rnn_free(fut);
  rnn_free(hit);
  if (rc != RNN_OK || got == 0) {
    rnn_free(add);
    return rc;
  }
  /* Thin the kept errors to leave room for the new rows' (a model without
  ** step scales counts its origins by its errors per step). */
  int keep_origins = RNN_MAX_CAL_ORIGINS - used;
  int had = m->cal_origins > 0 ? m->cal_origins : m->cal_n / m->cal_steps;
  int keep = m->cal_n;
  if (had > keep_origins && had > 0)
    keep = (int)((int64_t)m->cal_n * (keep_origins > 0 ? keep_origins : 0) / had);
  double *pool = rnn_malloc(((size_t)keep + got + 1) * sizeof *pool);
  if (!pool) {
    rnn_free(add);
    return RNN_ENOMEM;
  }
  double u = fmod((double)m->rows * 0.61803398874989484820, 1.0); /* in [0, 1) */
  for (int i = 0; i < keep; i++) {
    size_t at = (size_t)(((double)i + u) * m->cal_n / keep);
    pool[i] = m->cal_resid[at < (size_t)m->cal_n ? at : (size_t)m->cal_n - 1];
  }
  memcpy(pool + keep, add, (size_t)got * sizeof *pool);
  rnn_free(add);
  rnn_sort_doubles(pool, (size_t)keep + got);
  rnn_free(m->cal_resid);
  m->cal_resid = pool;
  m->cal_n = keep + got;
  if (m->cal_scale) {
    int origins = (m->cal_origins < keep_origins ? m->cal_origins : keep_origins) + used;
    m->cal_origins = origins < m->cal_n ? origins : m->cal_n; /* blob.c: N <= errors */
  }
  return RNN_OK;
}

/* Rule 16: a fine-tune's one-step errors are those of the rows it could
** forecast, topped up to RNN_MAX_SURPRISE with the model's own, evenly
** thinned, when those rows hold fewer, unless the model's past and tail
** held every row it saw or RNN_KEEP_ROWS of them (then the rows its errors
** came from were forecast again), or the model measured them otherwise (an
** earlier build's, without the run's shift: not mixed with these). */
static rnn_status top_up_surprise(rnn_model *m, const rnn_model *base) {
  int64_t kept = (int64_t)base->past_rows + base->tail_rows;
  if (base->past_rows > 0 && kept >= (base->rows < RNN_KEEP_ROWS ? base->rows : RNN_KEEP_ROWS))
    return RNN_OK; /* the rows its errors came from were forecast again */
  if (m->surp_n > 0 && base->surp_run != m->surp_run) return RNN_OK;
  m->surp_run = base->surp_run;
  int room = RNN_MAX_SURPRISE - m->surp_n;
  int take = base->surp_n < room ? base->surp_n : room;
  if (take <= 0) return RNN_OK;
  double *s = rnn_malloc(((size_t)m->surp_n + (size_t)take) * sizeof *s);
  if (!s) return RNN_ENOMEM;
  if (m->surp_n) memcpy(s, m->surp, (size_t)m->surp_n * sizeof *s);
  for (int i = 0; i < take; i++)
    s[m->surp_n + i] = base->surp[rnn_history_pick(base->surp_n, take, i)];
  rnn_sort_doubles(s, (size_t)m->surp_n + (size_t)take);
  rnn_free(m->surp);
  m->surp = s;
  m->surp_n += take;
  return RNN_OK;
}

/* The caller's interrupt check as a model's cancel hook (predict.c rule
** 8), for the forecasts a fine-tune makes after training. */
static int train_cancel(void *arg) {
  const rnn_train_ctl *ctl = arg;
  rnn_progress p = {.inside = 1};
  return ctl && ctl->progress && ctl->progress(ctl->arg, &p);
}

/* Rule 16: a fine-tune keeps the base model's components, calibration and
** metrics (recalibrate then adds the new rows' errors). */
static rnn_status keep_choice(rnn_model *m, const rnn_model *base) {
  m->n_comp = base->n_comp, m->n_cand = base->n_cand;
  memcpy(m->comp, base->comp, sizeof m->comp);
  memcpy(m->cand, base->cand, sizeof m->cand);
  memcpy(m->cand_mae, base->cand_mae, sizeof m->cand_mae);
  m->fc_flags |= base->fc_flags & RNN_FC_MEDIAN;
  m->metrics = base->metrics;
  m->cal_steps = base->cal_steps, m->cal_n = base->cal_n;
  m->cal_origins = base->cal_origins;
  if (base->cal_n > 0) {
    size_t b = (size_t)base->cal_n * sizeof *m->cal_resid;
    if (!(m->cal_resid = rnn_malloc(b))) return RNN_ENOMEM;
    memcpy(m->cal_resid, base->cal_resid, b);
  }
  if (base->cal_scale) {
    size_t b = (size_t)base->cal_steps * sizeof *m->cal_scale;
    if (!(m->cal_scale = rnn_malloc(b))) return RNN_ENOMEM;
    memcpy(m->cal_scale, base->cal_scale, b);
  }
  return RNN_OK;
}

/* Rule 8: the rows before the tail of the filled series v (n, C), so that
** the model keeps its last RNN_KEEP_ROWS rows for a fine-tune (rule 16). */
static rnn_status keep_past(rnn_model *m, const double *v, size_t n, int C) {
  size_t R = (size_t)m->tail_rows, keep = n < RNN_KEEP_ROWS ? n : RNN_KEEP_ROWS;
  rnn_free(m->past);
  m->past = NULL, m->past_rows = 0;
  if (keep <= R) return RNN_OK;
  size_t P = keep - R;
  if (!(m->past = rnn_malloc(P * C * sizeof *m->past))) return RNN_ENOMEM;
  memcpy(m->past, v + (n - R - P) * C, P * C * sizeof *m->past);
  m->past_rows = (int)P;
  return RNN_OK;
}

/* Rule 2: the seasonal periods of the value column of v (n, C). */
static rnn_status value_periods(const double *v, size_t n, int C, int *p1, int *p2) {
  double *y = C == 1 ? (double *)v : rnn_malloc(n * sizeof *y);
  if (!y) return RNN_ENOMEM;
  for (size_t i = 0; C > 1 && i < n; i++) y[i] = v[i * C];
  rnn_status rc = rnn_seasonal_periods(y, n, p1, p2);
  if (y != v) rnn_free(y);
  return rc;
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
  if (keep_past(m, v, n, C)) return RNN_ENOMEM;
  /* In-sample errors of forecasting s steps ahead from every origin, the
  ** latest RNN_MAX_CAL_ORIGINS (a long series falls back when its
  ** validation share holds no window). */
  int K = 2 * p > 12 ? 2 * p : 12;
  size_t all = n > (size_t)p ? n - (size_t)p : 0;
  int origins = all > RNN_MAX_CAL_ORIGINS ? RNN_MAX_CAL_ORIGINS : (int)all;
  size_t first = all - (size_t)origins;
  double *err = rnn_malloc(((size_t)origins * K + 1) * sizeof *err);
  if (!err) return RNN_ENOMEM;
  for (int j = 0; j < origins; j++)
    for (int s = 0; s < K; s++) {
      size_t o = first + (size_t)j;
      size_t at = o + (size_t)p + (size_t)s; /* forecast row */
      size_t from = o + (size_t)(s % p);     /* the season it repeats */
      err[(size_t)j * K + s] = at < n ? v[at * C] - v[from * C] : NAN;
    }
  rnn_status rc = rnn_calibrate_steps(m, err, origins, K, 0);
  rnn_free(err);
  m->metrics.mae = m->metrics.rmse = m->metrics.smape = m->metrics.mase = NAN;
  return rc;
}

/* Rule 17: whether the simple forecasters validate better on vr, the
** values less m's covariate effect (the truth's covariates added back),
** than on the values v, at rule 7's origins; m->xreg_ratio says by how
** much. */
static rnn_status xreg_validates(rnn_model *m, const double *v, const double *vr,
                                 size_t n, int C, int ntrain, int nval, int p2,
                                 int *keep) {
  int W = m->opts.window, O = m->opts.horizon;
  int K = O > 12 ? O : 12, count = nval + O - 1, first = ntrain;
  if (count > RNN_MAX_CAL_ORIGINS)
    first += count - RNN_MAX_CAL_ORIGINS, count = RNN_MAX_CAL_ORIGINS;
  size_t *origin = rnn_malloc((size_t)count * sizeof *origin);
  if (!origin) return RNN_ENOMEM;
  for (int j = 0; j < count; j++) origin[j] = (size_t)(first + j) + (size_t)W;
  int log_y = 1, log_r = 1;
  for (size_t i = 0; i < n; i++) log_y &= v[i * C] > 0, log_r &= vr[i * C] > 0;
  /* The network is not trained yet: the shapes the components need. */
  rnn_model t = *m;
  t.arch.window = W, t.arch.output = O, t.arch.input = C;
  double with = NAN, without = NAN;
  t.xreg = NULL; /* the values as given: the floor at zero too */
  rnn_status rc = rnn_simple_score(&t, v, n, C, origin, count, K, p2, log_y, &without);
  t.xreg = m->xreg;
  if (rc == RNN_OK) rc = rnn_simple_score(&t, vr, n, C, origin, count, K, p2, log_r, &with);
  rnn_free(origin);
  m->xreg_ratio = without > 0 && isfinite(with / without) ? with / without : NAN;
  /* At least 5% better: an effect that barely changes the simple
  ** forecasters' errors changes what the network learns for nothing (on
  ** taylor's calendar columns, a ratio of 0.999 came with a week's
  ** forecast 1.7 times worse). NaN: nothing to compare, the share decided. */
  *keep = !(with >= 0.95 * without);
  return rc;
}

/* rnn_train, and with base rnn_finetune's network (rule 16): y_in, x_in
** are then base's tail followed by `fresh` new rows. */
static rnn_status train_series(rnn_model **out, const double *y_in,
                               const double *x_in, size_t n, int k,
                               const rnn_options *o, const rnn_train_ctl *ctl,
                               const rnn_model *base, size_t fresh,
                               const rnn_model *shared, rnn_err *e) {
  rnn_status rc = RNN_OK;
  rnn_model *m = NULL;
  double *v = NULL, *vr = NULL;
  float *z = NULL, *target = NULL;
  int *idx = NULL, *starts = NULL;
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
  m->xreg_share = m->xreg_ratio = NAN;
  m->rows = base ? base->rows + (int64_t)fresh : (int64_t)n;
  m->missing = base ? base->missing : 0;
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

  /* Rule 2 (rule 16: the base model's; the second period found again on
  ** its past rows, tail and new rows, when those are every row it saw). */
  int p2, W, O;
  size_t skip = 0; /* rule 16: rows before the first window */
  int kept_all = 0;
  if (base) {
    m->period = base->period, p2 = base->period2;
    W = base->arch.window, O = base->arch.output;
    /* The windows whose targets end in the tail or the new rows; their
    ** inputs may reach back into the past rows. */
    if ((size_t)base->past_rows > (size_t)W + O - 1)
      skip = (size_t)base->past_rows - ((size_t)W + O - 1);
    /* Only when the kept rows are every row the model saw: a model of a
    ** longer series found its period on more rows than it kept. */
    if (o->method == RNN_METHOD_AUTO &&
        base->rows <= (int64_t)base->past_rows + base->tail_rows) {
      kept_all = 1;
      int q1, q2;
      if ((rc = value_periods(v, n, C, &q1, &q2))) goto fail;
      if (q1 == m->period && q2 > 0) p2 = q2;
    }
    goto resolved;
  }
  if ((rc = value_periods(v, n, C, &m->period, &p2))) goto fail;
  W = o->window == RNN_WINDOW_AUTO ? rnn_window_for_period(m->period, n)
                                   : o->window;
  O = o->horizon == RNN_HORIZON_AUTO ? auto_horizon(m->period, n, W)
                                     : o->horizon;
resolved:
  m->opts.window = W;
  m->opts.horizon = O;
  m->tail_rows = W;

  /* Rules 9 and 3. */
  int nw = n < skip + (size_t)W + (size_t)O
               ? 0
               : (int)(n - skip - (size_t)W - (size_t)O + 1);
  int nval = (int)floor(nw * o->validation);
  if (nval > nw - 1) nval = nw - 1;
  if (base && nval == 0 && o->validation > 0 && nw >= 2) nval = 1; /* rule 16 */
  /* Rule 16: a model that kept every row holds out the windows rnn_train
  ** of the whole series validates on, where its components are chosen
  ** afresh, and trains on its windows before them, or on the one just
  ** before them when none is. */
  int nw_all = n < (size_t)W + (size_t)O ? 0 : (int)(n - (size_t)W - (size_t)O + 1);
  int nval_all = (int)floor(nw_all * o->validation);
  if (nval_all > nw_all - 1) nval_all = nw_all - 1;
  if (kept_all && nval_all >= 1) {
    if (skip > (size_t)(nw_all - nval_all - 1)) skip = (size_t)(nw_all - nval_all - 1);
    nw = nw_all - (int)skip, nval = nval_all;
  }
  int validates = !base && !shared && o->method == RNN_METHOD_AUTO &&
                  o->validation > 0; /* the forecaster chooses on windows */
  if (n < (size_t)W + (size_t)O || (validates && nval < 1)) {
    if (o->short_policy == RNN_SHORT_NULL) goto fail; /* rc is RNN_OK */
    if (o->short_policy == RNN_SHORT_ERROR) {
      if (!validates)
        rc = rnn_fail(e, RNN_EINVAL,
                      "needs at least %d rows for window %d and horizon %d, "
                      "got %zu",
                      W + O, W, O, n);
      else
        rc = short_to_validate(m->period, n, o, e);
      goto fail;
    }
    m->shift[0] = 0.0, m->scale[0] = 1.0;
    for (int c = 1; c < C; c++) m->shift[c] = 0.0, m->scale[c] = 1.0;
    if ((rc = train_fallback(m, v, n, C)) ||
        (rc = surprise_errors(m, v, y_in, n)))
      goto fail;
    goto done;
  }

  int ntrain = nw - nval;
  size_t train_rows = skip + (size_t)ntrain - 1 + W + O;

  /* Rule 17: the covariates' effect (a fine-tune's is the model's); vr is
  ** the series the forecaster learns, v's values less the effect. */
  vr = v;
  if (C > 1) {
    int keep = 0;
    if (!(m->xreg = rnn_malloc((size_t)(C - 1) * sizeof *m->xreg))) goto nomem;
    if (base) {
      keep = base->xreg != NULL, m->xreg_share = base->xreg_share;
      m->xreg_ratio = base->xreg_ratio;
      if (keep) memcpy(m->xreg, base->xreg, (size_t)(C - 1) * sizeof *m->xreg);
    } else if ((rc = rnn_xreg_fit(v, n, C, train_rows, o->xreg,
                                  C - 1 - o->calendar_columns, m->xreg,
                                  &m->xreg_share, &keep))) {
      goto fail;
    }
    if (keep && !(vr = rnn_malloc(n * C * sizeof *vr))) goto nomem;
    if (keep) {
      memcpy(vr, v, n * C * sizeof *vr);
      rnn_xreg_remove(m->xreg, C, vr, n);
      if (!base && o->xreg == RNN_XREG_AUTO && o->method == RNN_METHOD_AUTO &&
          nval > 0 && (rc = xreg_validates(m, v, vr, n, C, ntrain, nval, p2, &keep)))
        goto fail;
    }
    if (!keep) {
      rnn_free(m->xreg);
      m->xreg = NULL;
      if (vr != v) rnn_free(vr);
      vr = v;
    }
  }
  if (o->method == RNN_METHOD_AUTO) {
    /* Rule 13: logarithms of what the forecaster learns; the floor at zero
    ** on the forecast. */
    m->period2 = p2;
    m->fc_flags = base ? base->fc_flags & (RNN_FC_LOG | RNN_FC_NONNEG | RNN_FC_SQRT)
                       : RNN_FC_LOG | RNN_FC_NONNEG;
    m->cal_level = base ? base->cal_level : 0.0; /* the errors it keeps */
    for (size_t i = 0; i < n; i++) {
      if (!(vr[i * C] > 0)) m->fc_flags &= ~RNN_FC_LOG;
      if (v[i * C] < 0) m->fc_flags &= ~RNN_FC_NONNEG;
    }
  }
  for (int c = 0; c < C && base; c++) /* rule 16: the base's statistics */
    m->shift[c] = base->shift[c], m->scale[c] = base->scale[c];
  for (int c = 0; c < C && !base; c++) {
    column_stats(m, vr, train_rows, C, c);
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
  if (base) m->arch = base->arch; /* rnn_finetune checked the options */
  if ((rc = rnn_arch_layout(&m->arch, &m->layout, e))) goto fail;
  size_t np = m->layout.n_params;
  int B = o->batch < ntrain ? o->batch : ntrain;
  int EB = B > 64 ? B : (nval < 64 ? (nval > B ? nval : B) : 64);
  /* Rule 10. */
  int nc = rnn_chunks(B), cap = (B + nc - 1) / nc;
  size_t need = rnn_work_bytes(&m->arch, EB, 0.0) +
                rnn_batcher_works(B, o->threads) * rnn_work_bytes(&m->arch, cap, o->dropout) +
                rnn_batcher_own_bytes(&m->arch, B, o->dropout, o->threads, 0) +
                nc * np * sizeof(float) + np * 5 * sizeof(float) +
                n * C * (sizeof(double) + sizeof(float));
  if (need > RNN_MAX_MEMORY) {
    rc = rnn_fail(e, RNN_ELIMIT,
                  "training needs about %zu MiB (window %d, batch %d, hidden "
                  "%d, layers %d); the limit is %zu MiB",
                  need >> 20, W, B, o->hidden, o->layers, RNN_MAX_MEMORY >> 20);
    goto fail;
  }
  z = rnn_malloc(n * C * sizeof *z);
  m->params = shared ? shared->params : rnn_malloc(np * sizeof *m->params);
  m->params_borrowed = shared != NULL; /* rule 18: the caller's network */
  m->train_loss = rnn_calloc((size_t)o->epochs, sizeof *m->train_loss);
  m->val_loss = rnn_calloc((size_t)o->epochs, sizeof *m->val_loss);
  target = rnn_malloc((size_t)EB * O * sizeof *target);
  idx = rnn_malloc((size_t)(nw > EB ? nw : EB) * sizeof *idx);
  if (!z || !m->params || !m->train_loss || !m->val_loss || !target || !idx)
    goto nomem;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < C; c++)
      z[i * C + c] = (float)((vr[i * C + c] - m->shift[c]) / m->scale[c]);
  int out_of_time = 0;
  double per_origin = 0.0;
  if (shared) { /* rule 18: the network many series trained together */
    if (shared->layout.n_params != np || shared->epochs_run > o->epochs) {
      rc = rnn_fail(e, RNN_EINVAL, "the shared network does not fit the series");
      goto fail;
    }
    m->epochs_run = shared->epochs_run, m->best_epoch = shared->best_epoch;
    memcpy(m->train_loss, shared->train_loss, (size_t)shared->epochs_run * sizeof *m->train_loss);
    memcpy(m->val_loss, shared->val_loss, (size_t)shared->epochs_run * sizeof *m->val_loss);
    goto trained;
  }
  rnn_train_setup setup; /* core/fit.c rule 7 */
  rnn_train_setup_init(&setup, ctl, o->epochs);
  if ((rc = rnn_work_init_watched(&w, &m->arch, EB, 0.0, 0, &setup.s)) ||
      (rc = rnn_batcher_init(&bt, &m->arch, &m->layout, B, o->dropout,
                             o->threads, o->loss, &setup.s))) {
    rc = rnn_train_setup_fail(rc, e);
    goto fail;
  }

  if (skip) { /* rule 16: the windows that end in the tail or the new rows */
    if (!(starts = rnn_malloc((size_t)nw * sizeof *starts))) goto nomem;
    for (int i = 0; i < nw; i++) starts[i] = (int)skip + i;
  }
  windows_task wt = {.m = m, .z = z, .starts = starts, .idx = idx, .ntrain = ntrain,
                     .nval = nval, .B = B, .w = &w, .target = target};
  rnn_fit_task task = {.arg = &wt, .begin = windows_begin, .fill = windows_fill,
                       .loss_terms = O, .validate = windows_validate,
                       .reserve = windows_reserve};
  rnn_fitted fit = RNN_FITTED(m);
  if (base) {
    memcpy(m->params, base->params, np * sizeof *m->params);
    fit.warm = 1;
  }
  if ((rc = rnn_fit(&fit, &bt, &task, nval > 0, o, ctl, t0, e))) goto fail;
  out_of_time = fit.out_of_time, per_origin = wt.per_origin;

trained:
  /* Rule 7, with as many origins as the rest of the budget allows (none,
  ** fewer than two: no validation, no intervals). */
  m->metrics.mae = m->metrics.rmse = m->metrics.smape = m->metrics.mase = NAN;
  int origins = out_of_time ? RNN_MIN_CAL_ORIGINS : RNN_MAX_CAL_ORIGINS;
  if (shared && o->max_seconds > 0 && rnn_now() - t0 >= o->max_seconds)
    origins = 0; /* rule 18: the budget of the whole call is spent */
  if (o->max_seconds > 0 && per_origin > 0) {
    double left = o->max_seconds - (rnn_now() - t0);
    double can = left > 0 ? floor(left / per_origin) : 0;
    origins = can < origins ? (int)can : origins;
  }
  /* Rule 16: a model that kept every row chooses afresh, as rnn_train
  ** would at its origins over the whole series; without such origins
  ** (validation 0, no time left) the model's choice and second period
  ** stay. */
  int again = kept_all && nval_all >= 1 && origins >= 2;
  if (base && !again && p2 != base->period2) m->period2 = p2 = base->period2;
  if (again) {
    if ((rc = validate_forecasts(m, vr, v, z, n, nw_all - nval_all, nval_all,
                                 (size_t)(nw_all - nval_all) - 1 + W + O, origins, p2, 0)))
      goto fail;
  } else if (base) {
    if ((rc = keep_choice(m, base)) ||
        (nval && origins >= 2 &&
         (rc = validate_forecasts(m, vr, v, z, n, (int)skip + ntrain, nval, train_rows,
                                  origins, p2, fresh))))
      goto fail;
  } else if (nval && origins >= 2 &&
             (rc = validate_forecasts(m, vr, v, z, n, ntrain, nval, train_rows,
                                      origins, p2, 0))) {
    goto fail;
  }
  /* Rule 8. */
  for (int i = 0; i < m->n_comp; i++) {
    int rows = rnn_component_rows(&m->comp[i]);
    rows = (size_t)rows < n ? rows : (int)n;
    m->tail_rows = rows > m->tail_rows ? rows : m->tail_rows;
  }
  size_t R = (size_t)m->tail_rows;
  if (!(m->tail = rnn_malloc(R * C * sizeof *m->tail))) goto nomem;
  memcpy(m->tail, v + (n - R) * C, R * C * sizeof *m->tail);
  if (!shared && keep_past(m, v, n, C)) goto nomem; /* rule 18: none */
  if (base) {
    m->cancel = train_cancel, m->cancel_arg = (void *)ctl;
    /* The new rows no training window had as a target, the latest
    ** `origins` of them. */
    size_t held = n > train_rows ? n - train_rows : 0;
    int limit = held < (size_t)origins ? (int)held : origins;
    if (!again && nval && origins >= 2 && (rc = recalibrate(m, v, y_in, n, fresh, limit)))
      goto fail;
  }
  if ((rc = surprise_errors(m, v, y_in, n)) || (base && (rc = top_up_surprise(m, base))))
    goto fail;
  m->cancel = NULL, m->cancel_arg = NULL;
  goto done;

nomem:
  rc = RNN_ENOMEM;
fail:
  rnn_model_free(m);
  m = NULL;
done:
  rnn_batcher_free(&bt);
  rnn_work_free(&w);
  if (vr != v) rnn_free(vr);
  rnn_free(v);
  rnn_free(z);
  rnn_free(target);
  rnn_free(idx);
  rnn_free(starts);
  *out = m;
  return rc;
}

rnn_status rnn_train(rnn_model **out, const double *y, const double *x,
                     size_t n, int k, const rnn_options *o,
                     const rnn_train_ctl *ctl, rnn_err *e) {
  return train_series(out, y, x, n, k, o, ctl, NULL, 0, NULL, e);
}

static int int_cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* The median of n ints (the upper middle), sorting a. */
static int median_int(int *a, int n) {
  qsort(a, (size_t)n, sizeof *a, int_cmp);
  return a[n / 2];
}

/* Rule 18: one series of rnn_train_global, filled, with its windows. */
typedef struct global_series {
  double *v;       /* (n, C) filled */
  size_t n;
  int known;       /* every column has a known value */
  int period, nw, nval, ntrain;
  size_t offset;   /* of its first row in the pooled z */
} global_series;

rnn_status rnn_train_global(rnn_model **out, float **params,
                            const double *const *y, const double *const *x,
                            const size_t *n, int ns, int k,
                            const rnn_options *o, const rnn_train_ctl *ctl,
                            int *bad, rnn_err *e) {
  rnn_status rc = RNN_OK;
  int C = 1 + k, *ws = NULL, *idx = NULL, *starts = NULL;
  double t0 = rnn_now();
  global_series *g = NULL;
  float *z = NULL, *target = NULL;
  rnn_model *m = NULL;
  rnn_work w = {0};
  rnn_batcher bt = {0};
  for (int s = 0; s < ns; s++) out[s] = NULL;
  *params = NULL, *bad = -1;
  if (ns < 1) return rnn_fail(e, RNN_EINVAL, "no series to train on");
  if (k < 0 || k > 1023) return rnn_fail(e, RNN_EINVAL, "too many covariates");
  rnn_options oo = *o;
  oo.xreg = RNN_XREG_OFF; /* rule 18 */
  g = rnn_calloc((size_t)ns, sizeof *g);
  ws = rnn_malloc(2 * (size_t)ns * sizeof *ws);
  m = rnn_calloc(1, sizeof *m);
  if (!g || !ws || !m) goto nomem;

  /* Filled series and their periods (rule 1, rule 2). */
  double *yy = NULL;
  for (int s = 0; s < ns; s++) {
    if (n[s] == 0 || n[s] > SIZE_MAX / sizeof(double) / (size_t)C) goto nomem;
    g[s].n = n[s];
    if (!(g[s].v = rnn_malloc(n[s] * C * sizeof *g[s].v))) goto nomem;
    for (size_t i = 0; i < n[s]; i++) {
      g[s].v[i * C] = y[s][i];
      for (int c = 1; c < C; c++) g[s].v[i * C + c] = x[s][i * k + c - 1];
    }
    g[s].known = 1;
    for (int c = 0; c < C; c++) g[s].known &= rnn_fill_missing(g[s].v + c, n[s], (size_t)C) >= 0;
    g[s].period = 1;
    if (!g[s].known) continue; /* train_series says what is missing, below */
    if (!(yy = rnn_malloc(n[s] * sizeof *yy))) goto nomem;
    for (size_t i = 0; i < n[s]; i++) yy[i] = g[s].v[i * C];
    int p2;
    rc = rnn_seasonal_periods(yy, n[s], &g[s].period, &p2);
    rnn_free(yy);
    yy = NULL;
    if (rc) goto fail;
  }
  /* Rule 18: the window and horizon most series would choose (those with
  ** three windows' rows or more vote, when there are any). */
  int nv = 0;
  for (int pass = 0; pass < 2 && nv == 0; pass++)
    for (int s = 0; s < ns; s++) {
      int win = rnn_window_for_period(g[s].period, g[s].n);
      if (g[s].known && (pass || g[s].n >= 3 * (size_t)win)) ws[nv++] = win;
    }
  int W = o->window != RNN_WINDOW_AUTO ? o->window : nv ? median_int(ws, nv) : 1;
  int no = 0;
  for (int s = 0; s < ns; s++)
    if (g[s].known && g[s].n >= (size_t)W + 1) ws[no++] = auto_horizon(g[s].period, g[s].n, W);
  int O = o->horizon != RNN_HORIZON_AUTO ? o->horizon : no ? median_int(ws, no) : 1;
  oo.window = W, oo.horizon = O;

  /* The pooled windows: each series' own statistics (rule 3), its latest
  ** windows held out. */
  size_t rows = 0;
  int ntrain = 0, nval = 0;
  for (int s = 0; s < ns; s++) {
    if (!g[s].known || g[s].n < (size_t)W + (size_t)O) continue; /* rule 9, below */
    if (rows + g[s].n > (size_t)INT32_MAX) {
      rc = rnn_fail(e, RNN_ELIMIT, "more than %d rows in all", INT32_MAX);
      goto fail;
    }
    g[s].nw = (int)(g[s].n - (size_t)W - (size_t)O + 1);
    g[s].nval = (int)floor(g[s].nw * o->validation);
    if (g[s].nval > g[s].nw - 1) g[s].nval = g[s].nw - 1;
    g[s].ntrain = g[s].nw - g[s].nval;
    g[s].offset = rows;
    rows += g[s].n;
    ntrain += g[s].ntrain, nval += g[s].nval;
  }
  m->kind = RNN_MODEL_NETWORK;
  m->norm = o->normalize;
  m->opts = oo;
  m->arch = (rnn_arch){.cell = o->cell, .activation = o->activation, .input = C,
                       .hidden = o->hidden, .layers = o->layers,
                       .dirs = o->bidirectional ? 2 : 1, .window = W, .output = O};
  if ((rc = rnn_arch_layout(&m->arch, &m->layout, e))) goto fail;
  if (ntrain > 0) {
    size_t np = m->layout.n_params;
    int B = o->batch < ntrain ? o->batch : ntrain;
    int EB = B > 64 ? B : (nval < 64 ? (nval > B ? nval : B) : 64);
    int nc = rnn_chunks(B), cap = (B + nc - 1) / nc;
    size_t need = rnn_work_bytes(&m->arch, EB, 0.0) +
                  rnn_batcher_works(B, o->threads) * rnn_work_bytes(&m->arch, cap, o->dropout) +
                  rnn_batcher_own_bytes(&m->arch, B, o->dropout, o->threads, 0) +
                  nc * np * sizeof(float) + np * 5 * sizeof(float) + rows * C * sizeof(float) +
                  (size_t)(ntrain + nval) * 2 * sizeof(int);
    if (need > RNN_MAX_MEMORY) {
      rc = rnn_fail(e, RNN_ELIMIT, "training needs about %zu MiB; the limit is %zu MiB",
                    need >> 20, RNN_MAX_MEMORY >> 20);
      goto fail;
    }
    z = rnn_malloc(rows * C * sizeof *z);
    starts = rnn_malloc((size_t)(ntrain + nval) * sizeof *starts);
    idx = rnn_malloc((size_t)(ntrain + nval > EB ? ntrain + nval : EB) * sizeof *idx);
    target = rnn_malloc((size_t)EB * O * sizeof *target);
    m->params = rnn_malloc(np * sizeof *m->params);
    m->train_loss = rnn_calloc((size_t)o->epochs, sizeof *m->train_loss);
    m->val_loss = rnn_calloc((size_t)o->epochs, sizeof *m->val_loss);
    m->shift = rnn_malloc((size_t)C * sizeof *m->shift);
    m->scale = rnn_malloc((size_t)C * sizeof *m->scale);
    if (!z || !starts || !idx || !target || !m->params || !m->train_loss ||
        !m->val_loss || !m->shift || !m->scale)
      goto nomem;
    int ti = 0, vi = ntrain;
    for (int s = 0; s < ns; s++) {
      if (!g[s].nw) continue;
      size_t train_rows = (size_t)g[s].ntrain - 1 + W + O;
      for (int c = 0; c < C; c++) {
        column_stats(m, g[s].v, train_rows, C, c);
        if (!isfinite(m->shift[c]) || !isfinite(m->scale[c]) || !(m->scale[c] > 0)) {
          rc = rnn_fail(e, RNN_EINVAL, "a series is too large to normalise (its mean or "
                        "spread overflows a double); scale it down");
          goto fail;
        }
      }
      float *zs = z + g[s].offset * C;
      for (size_t i = 0; i < g[s].n; i++)
        for (int c = 0; c < C; c++)
          zs[i * C + c] = (float)((g[s].v[i * C + c] - m->shift[c]) / m->scale[c]);
      for (int i = 0; i < g[s].ntrain; i++) starts[ti++] = (int)g[s].offset + i;
      for (int i = 0; i < g[s].nval; i++) starts[vi++] = (int)g[s].offset + g[s].ntrain + i;
    }
    rnn_train_setup setup; /* core/fit.c rule 7 */
    rnn_train_setup_init(&setup, ctl, o->epochs);
    if ((rc = rnn_work_init_watched(&w, &m->arch, EB, 0.0, 0, &setup.s)) ||
        (rc = rnn_batcher_init(&bt, &m->arch, &m->layout, B, o->dropout, o->threads,
                               o->loss, &setup.s))) {
      rc = rnn_train_setup_fail(rc, e);
      goto fail;
    }
    windows_task wt = {.m = m, .z = z, .starts = starts, .idx = idx, .ntrain = ntrain,
                       .nval = nval, .B = B, .w = &w, .target = target};
    rnn_fit_task task = {.arg = &wt, .begin = windows_begin, .fill = windows_fill,
                         .loss_terms = O, .validate = windows_validate,
                         .reserve = windows_reserve};
    rnn_fitted fit = RNN_FITTED(m);
    if ((rc = rnn_fit(&fit, &bt, &task, nval > 0, o, ctl, t0, e))) goto fail;
  }
  /* Each series: the shared network, its own components, calibration and
  ** tail (rule 18); a short one as rnn_train has it (rule 9); a series
  ** with no known value is left out under short "null", else an error. */
  for (int s = 0; s < ns; s++) {
    if (ctl && ctl->progress) { /* rule 6: interrupts between series */
      rnn_progress p = {.inside = 1};
      if (ctl->progress(ctl->arg, &p)) {
        rc = rnn_fail(e, RNN_EINTERRUPT, "interrupted");
        goto fail;
      }
    }
    if (!g[s].known && o->short_policy == RNN_SHORT_NULL) continue;
    rnn_options os = oo;
    if (o->max_seconds > 0) { /* rule 6: what is left of the budget */
      double left = o->max_seconds - (rnn_now() - t0);
      os.max_seconds = left > 1e-3 ? left : 1e-3;
    }
    rc = train_series(&out[s], y[s], x ? x[s] : NULL, n[s], k, &os, ctl, NULL, 0,
                      g[s].nw ? m : NULL, e);
    if (rc) {
      *bad = s;
      goto fail;
    }
    if (out[s]) { /* the forecasts' buffers: not kept for every series */
      rnn_predictor_free(out[s]->pred);
      rnn_predictor_free(out[s]->batch);
      out[s]->pred = out[s]->batch = NULL;
    }
  }
  *params = m->params; /* the series borrow it; the caller owns it */
  m->params = NULL;
  goto done;
nomem:
  rc = RNN_ENOMEM;
fail:
  for (int s = 0; s < ns; s++) {
    rnn_model_free(out[s]);
    out[s] = NULL;
  }
done:
  for (int s = 0; g && s < ns; s++) rnn_free(g[s].v);
  rnn_free(g);
  rnn_free(ws);
  rnn_free(z);
  rnn_free(target);
  rnn_free(idx);
  rnn_free(starts);
  rnn_batcher_free(&bt);
  rnn_work_free(&w);
  rnn_model_free(m);
  return rc;
}

/* Rule 16: the options a fine-tune may not change. */
static const char *changed_option(const rnn_options *o, const rnn_options *b,
                                  int network, int *inputs) {
  *inputs = 1; /* the model's inputs: any model has them */
  if (o->xreg != b->xreg) return "xreg";
  if (o->calendar != b->calendar) return "calendar";
  *inputs = 0; /* the network's architecture */
  if (!network) return NULL;
  if (o->cell != b->cell) return "cell";
  if (o->cell == RNN_CELL_RNN && o->activation != b->activation) return "activation";
  if (o->hidden != b->hidden) return "hidden";
  if (o->layers != b->layers) return "layers";
  if (o->bidirectional != b->bidirectional) return "bidirectional";
  if (o->window != b->window) return "window";
  if (o->horizon != b->horizon) return "horizon";
  if (o->normalize != b->normalize) return "normalize";
  if (o->method != b->method) return "method";
  return NULL;
}

rnn_status rnn_finetune_options(const rnn_model *base, const rnn_options *o,
                                rnn_err *e) {
  int inputs;
  const char *key = changed_option(o, &base->opts, base->kind == RNN_MODEL_NETWORK, &inputs);
  if (key)
    return rnn_fail(e, RNN_EINVAL,
                    "option \"%s\" cannot change when fine-tuning (%s "
                    "rnn_train)",
                    key, inputs ? "other inputs need" : "a new architecture needs");
  return RNN_OK;
}

/* Rule 16: too few rows for any window: base as it is,
** its tail, rows and one-step errors moved on to the filled series v (n, C)
** whose y values are the unfilled ones. */
static rnn_status advance_only(rnn_model **out, const rnn_model *base,
                               double *v, const double *y, size_t n, size_t fresh) {
  unsigned char *blob = NULL;
  size_t len;
  rnn_model *m = NULL;
  int C = base->arch.input;
  int64_t filled = 0;
  for (int c = 0; c < C; c++) filled += rnn_fill_missing(v + c, n, (size_t)C);
  rnn_status rc = rnn_model_encode(base, &blob, &len);
  if (rc == RNN_OK) rc = rnn_model_decode(&m, blob, len, NULL);
  rnn_free(blob);
  if (rc == RNN_OK) {
    size_t R = (size_t)m->tail_rows;
    memcpy(m->tail, v + (n - R) * C, R * C * sizeof *m->tail);
    rc = keep_past(m, v, n, C);
    m->rows += (int64_t)fresh, m->missing += filled;
    m->format_version = 0;
    rnn_free(m->surp);
    m->surp = NULL, m->surp_n = 0;
    if (rc == RNN_OK) rc = surprise_errors(m, v, y, n);
    if (rc == RNN_OK) rc = top_up_surprise(m, base);
  }
  if (rc != RNN_OK) {
    rnn_model_free(m);
    return rc == RNN_ENOMEM || rc == RNN_EINTERRUPT ? rc : RNN_EINVAL;
  }
  *out = m;
  return RNN_OK;
}

rnn_status rnn_finetune(rnn_model **out, const rnn_model *base, const double *y,
                        const double *x, size_t n, int k, const rnn_options *o,
                        const rnn_train_ctl *ctl, rnn_err *e) {
  *out = NULL;
  int C = base->arch.input;
  if (k != C - 1)
    return rnn_fail(e, RNN_EINVAL, "the model takes %d covariate%s, got %d", C - 1,
                    C == 2 ? "" : "s", k);
  if (n == 0) return rnn_fail(e, RNN_EINVAL, "no new rows to train on");
  rnn_options opts = *o;
  rnn_status rc0 = rnn_finetune_options(base, o, e);
  if (rc0) return rc0;
  /* The series: the past rows, the tail, the new rows. */
  size_t P = (size_t)base->past_rows, R = P + (size_t)base->tail_rows, N = R + n;
  if (N > SIZE_MAX / sizeof(double) / (size_t)C) return RNN_ENOMEM;
  double *ys = rnn_malloc(N * sizeof *ys);
  double *xs = rnn_malloc((N * (size_t)(C - 1) + 1) * sizeof *xs);
  if (!ys || !xs) {
    rnn_free(ys);
    rnn_free(xs);
    return RNN_ENOMEM;
  }
  for (size_t i = 0; i < N; i++) {
    const double *row = i < P ? base->past + i * C : i < R ? base->tail + (i - P) * C : NULL;
    ys[i] = row ? row[0] : y[i - R];
    for (int c = 1; c < C; c++)
      xs[i * (C - 1) + (c - 1)] = row ? row[c] : x[(i - R) * (C - 1) + (c - 1)];
  }
  rnn_status rc;
  if (base->kind == RNN_MODEL_NETWORK &&
      N < (size_t)base->arch.window + (size_t)base->arch.output) {
    double *v = rnn_malloc(N * (size_t)C * sizeof *v);
    rc = v ? RNN_OK : RNN_ENOMEM;
    for (size_t i = 0; v && i < N; i++) {
      v[i * C] = ys[i];
      for (int c = 1; c < C; c++) v[i * C + c] = xs[i * (C - 1) + (c - 1)];
    }
    if (v) rc = advance_only(out, base, v, ys, N, n);
    if (rc == RNN_EINVAL) rnn_fail(e, rc, "the model does not read back");
    rnn_free(v);
  } else if (base->kind == RNN_MODEL_NETWORK) {
    rc = train_series(out, ys, xs, N, k, &opts, ctl, base, n, NULL, e);
  } else {
    /* The fallback has no network to start from: a model of what there is
    ** now (its past rows, tail and the new rows), with o's window and
    ** horizon ("auto" unless the caller gave them: see rnn.h). */
    rc = train_series(out, ys, xs, N, k, &opts, ctl, NULL, 0, NULL, e);
    if (*out) {
      (*out)->rows += base->rows - (int64_t)R;
      (*out)->missing += base->missing;
    }
  }
  rnn_free(ys);
  rnn_free(xs);
  return rc;
}
