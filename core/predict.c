/*
** Forecasting with a trained model, and its intervals.
**
** Rules:
**   1. The input is the last W rows (value, then covariates; data units),
**      oldest first: the caller's window or the model's training tail.
**      Missing values (NaN) are filled per column as in training (series.c
**      rule 1); a column with no known value in the window is an error.
**   2. Rows are normalised with the training statistics; the values are
**      taken relative to their mean over the window (the anchor: the
**      network learns the shape, not the level, so it can forecast levels
**      it never saw, as trends need); the network emits its `horizon`
**      outputs relative to the anchor, which are mapped back to data units.
**   3. Longer forecasts feed the predictions back as the values of new rows
**      (recursive strategy); the covariates of those rows repeat the last
**      known row's.
**   4. The seasonal-naive fallback repeats the last season of its tail.
**   5. Intervals (split conformal): the n calibration errors are the
**      validation forecasts' absolute errors divided by the scale of their
**      step, pooled over the calibrated steps. The half-width for step s at
**      level L is the step's scale times the ceil((n + 1) L)-th smallest of
**      them (the largest when n is too small for L); with step scales, L is
**      first raised to ceil((N + 1) L) / N for the N forecasts the errors
**      came from (components.c rule 5). The scale of a step is
**      its mean absolute validation error (made non-decreasing; beyond the
**      calibrated steps it grows with sqrt(step); components.c rule 5); in
**      models of formats 1 and 2 it is sqrt(step) (errors of a recursive
**      forecast grow roughly like a random walk's). With RNN_FC_SQRT
**      (format 7, components.c rule 5) the half-width is then multiplied by
**      rnn_band_factor of the step's forecast. The lower bound of a
**      series that never went below zero is at or above zero, as its
**      forecasts are (rule 6; rnn_lower_bound).
**   6. A model with components (method "auto") forecasts the median of its
**      three, or the mean of one or two (components.c rule 3), each
**      component reading the last rows it needs of the window (tail_rows
**      rows); the network reads the last W. A series that never went below
**      zero is forecast at or above zero.
**   7. A forecast that is not finite is an error (RNN_ERANGE), never a
**      value: the window's values can be too large for the arithmetic, or
**      a model's numbers hostile.
**   8. A prediction that runs longer than 10 ms asks the model's cancel
**      hook every 10 ms (between passes of the network or batches of
**      windows) and stops with RNN_EINTERRUPT when told to.
**   9. One call may ask for at most RNN_MAX_PREDICT_FLOPS of the network's
**      arithmetic (RNN_ELIMIT otherwise), so a hostile model (a window of
**      1000 steps, 1024 units, 100,000 steps ahead) cannot ask for hours.
**  10. Surprise (rnn_anomaly): a one-step error e is scored by the share p
**      of the model's one-step errors on its last training rows (train.c
**      rule 15) at least as large as r = |e|, ties counted half, so p is
**      uniform when the errors are exchangeable with those. (Models of
**      earlier builds have none: then the calibration errors of rule 5
**      serve, with r = |e| / the step-1 scale.) Beyond the
**      calibration errors' 90th percentile u, where a few hundred errors
**      cannot resolve 1 in 1000, p follows the exponential tail fitted to
**      the excesses over u (peaks over threshold): p = p(u) exp(-(r - u) /
**      mean excess). With fewer than 10 errors the exponential is fitted
**      to all of them. The surprise is 1 - p. Errors come in runs (a
**      series whose days change after training): given the one-step
**      errors of the rows just before (the known ones among the last
**      RNN_SURPRISE_RECENT), r is divided by (P a + s) / (P + k) / a, a
**      the mean of the calibration errors, s and k the sum and count of
**      the recent errors' absolute values, each capped at the largest
**      calibration error (one spike must not hide the next), P =
**      RNN_SURPRISE_PRIOR: a locally scaled conformal score, so a run of
**      large errors raises the bar for the next row and a calm stretch
**      lowers it. On the development data it took the clean held-out rows
**      above 0.99 from 1.85% to 1.16% (hourly) and kept 94% of 5-sd
**      spikes above it (docs/forecasting.md). A forecast that is off in
**      one direction for a while (a day unlike the days before) makes
**      errors of one sign: when the last RNN_SURPRISE_RUN errors before
**      the row are all known and of one sign, the row's error and the
**      recent errors are measured from their median (the shift), as the
**      model's calibration errors were at training (models that record
**      surp_run; train.c rule 15), so a spike against the run is not
**      hidden by it and the run itself is not an anomaly.
**  11. A model with a covariate effect (xreg.c) forecasts the window's
**      values less the effect, then adds the effect of the covariates of
**      each forecast step: the caller's known future rows
**      (rnn_predict_future; a NaN there keeps the step before's value), or
**      the window's last row repeated (rule 3). rnn_predict_rows forecasts
**      a row that is in the series, so it takes that row's own covariates
**      (the last row's where they are missing). The range of rule 6 is
**      that of the filled window's values less the effect; the floor at
**      zero applies to the forecast with the effect.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"

/* Rule 8: whether the caller asks to stop, at most every 10 ms and never
** in the first 10 ms (*next: when to ask next; 0 before the first pass). */
static int cancelled(const rnn_model *m, double *next) {
  if (!m->cancel) return 0;
  double now = rnn_now();
  if (*next == 0) *next = now + 0.01;
  if (now < *next) return 0;
  *next = now + 0.01;
  return m->cancel(m->cancel_arg);
}

int rnn_forecast_z(const rnn_model *m, rnn_work *w, float *rows, int B,
                   int K, float *out) {
  const rnn_arch *a = &m->arch;
  int W = a->window, O = a->output, C = a->input;
  double next = 0;
  for (int done = 0; done < K; done += O) {
    if (cancelled(m, &next)) return 1;
    for (int b = 0; b < B; b++) {
      const float *r = rows + (size_t)b * W * C;
      float anchor = m->anchored ? rnn_anchor(r, W, C) : 0.0f;
      for (int t = 0; t < W; t++) {
        float *x = w->x + ((size_t)t * B + b) * C;
        memcpy(x, r + (size_t)t * C, (size_t)C * sizeof *rows);
        x[0] -= anchor;
      }
    }
    rnn_net_forward(w, a, &m->layout, m->params, B, 0);
    for (int b = 0; b < B; b++) {
      float *r = rows + (size_t)b * W * C;
      float anchor = m->anchored ? rnn_anchor(r, W, C) : 0.0f;
      float *y = w->y + (size_t)b * O;
      for (int o = 0; o < O; o++) y[o] += anchor;
      for (int o = 0; o < O && done + o < K; o++)
        out[(size_t)b * K + done + o] = y[o];
      if (done + O >= K) continue; /* no further pass */
      /* Rule 3: slide the window by O rows (all of it when O >= W). */
      int keep = W > O ? W - O : 0;
      float last[1024];
      memcpy(last, r + (size_t)(W - 1) * C, (size_t)C * sizeof *r);
      memmove(r, r + (size_t)(W - keep) * C, (size_t)keep * C * sizeof *r);
      for (int t = keep; t < W; t++) {
        float *row = r + (size_t)t * C;
        memcpy(row, last, (size_t)C * sizeof *r);
        row[0] = y[O - (W - t)];
      }
    }
  }
  return 0;
}

/* What rnn_predict (one window) and rnn_predict_rows (RNN_ROWS_BATCH
** windows) keep in the model between calls. */
struct rnn_predictor {
  rnn_work w;   /* batch of cap windows, weights transposed once */
  int cap;
  float *rows;  /* (cap, W, C) normalised windows */
  double *buf;  /* (R, C) one window in data units, R = tail_rows */
  double *comb; /* (cap, RNN_MAX_COMPONENTS) rnn_predict_rows: the
                ** components' forecasts */
  double *part; /* (RNN_MAX_COMPONENTS, h) the components' forecasts */
  int hcap;
  float *z;     /* (zcap) outputs */
  int zcap;
  int *slot;    /* (cap) rnn_predict_rows: the output row of each window */
  double *fx;   /* (cap, C) rnn_predict_rows: the covariates of each
                ** forecast row (xreg) */
  double *range; /* (cap, 2) rnn_predict_rows: each window's plausible range */
};

void rnn_predictor_free(struct rnn_predictor *p) {
  if (!p) return;
  rnn_work_free(&p->w);
  rnn_free(p->rows);
  rnn_free(p->buf);
  rnn_free(p->comb);
  rnn_free(p->part);
  rnn_free(p->z);
  rnn_free(p->slot);
  rnn_free(p->fx);
  rnn_free(p->range);
  rnn_free(p);
}

/* The predictor in *slot for batches of cap windows and h outputs each,
** created at the first call. */
static rnn_status predictor(rnn_model *m, struct rnn_predictor **slot, int cap,
                            int h, struct rnn_predictor **out, rnn_err *e) {
  const rnn_arch *a = &m->arch;
  size_t WC = (size_t)a->window * a->input;
  size_t RC = (size_t)m->tail_rows * a->input;
  struct rnn_predictor *p = *slot;
  if (!p) {
    if (m->kind == RNN_MODEL_NETWORK) {
      /* A BLOB may describe a network far larger than its own size
      ** suggests (a long window multiplies the state buffers): check
      ** before allocating. */
      size_t need = rnn_work_bytes(a, cap, 0.0) + (size_t)cap * WC * sizeof(float);
      if (need > RNN_MAX_MEMORY)
        return rnn_fail(e, RNN_ELIMIT,
                        "the model needs about %zu MiB to run; the limit is "
                        "%zu MiB",
                        need >> 20, RNN_MAX_MEMORY >> 20);
    }
    if (!(p = rnn_calloc(1, sizeof *p))) return RNN_ENOMEM;
    p->cap = cap;
    p->rows = rnn_malloc((size_t)cap * WC * sizeof *p->rows);
    p->buf = rnn_malloc(RC * sizeof *p->buf);
    p->comb = rnn_malloc((size_t)cap * RNN_MAX_COMPONENTS * sizeof *p->comb);
    p->slot = rnn_malloc((size_t)cap * sizeof *p->slot);
    p->fx = rnn_malloc((size_t)cap * a->input * sizeof *p->fx);
    p->range = rnn_malloc((size_t)cap * 2 * sizeof *p->range);
    rnn_status rc = RNN_OK;
    int ok = p->rows && p->buf && p->comb && p->slot && p->fx && p->range;
    if (ok && m->kind == RNN_MODEL_NETWORK &&
        (rc = rnn_work_init(&p->w, a, cap, 0.0)) == RNN_OK)
      p->w.wt_fixed = 1;
    if (!ok || rc) {
      rnn_predictor_free(p);
      return rc ? rc : RNN_ENOMEM;
    }
    *slot = p;
  }
  if ((size_t)h * cap > (size_t)p->zcap) {
    float *z = rnn_realloc(p->z, (size_t)h * cap * sizeof *z);
    if (!z) return RNN_ENOMEM;
    p->z = z;
    p->zcap = h * cap;
  }
  if (h > p->hcap) {
    double *part = rnn_realloc(p->part, (size_t)h * RNN_MAX_COMPONENTS * sizeof *part);
    if (!part) return RNN_ENOMEM;
    p->part = part;
    p->hcap = h;
  }
  *out = p;
  return RNN_OK;
}

/* Rule 1 for the window in buf (R rows): fills missing values; 0 if a
** column has no known value (*col says which). */
static int fill_window(const rnn_model *m, double *buf, int R, int *col) {
  int C = m->arch.input;
  for (int c = 0; c < C; c++)
    if (rnn_fill_missing(buf + c, (size_t)R, (size_t)C) < 0) {
      *col = c;
      return 0;
    }
  return 1;
}

/* Rule 2 for the last W rows of the window in buf (R rows): normalised
** into rows. */
static void normalise_window(const rnn_model *m, const double *buf, int R,
                             float *rows) {
  int W = m->arch.window, C = m->arch.input;
  const double *last = buf + (size_t)(R - W) * C;
  for (int i = 0; i < W; i++)
    for (int c = 0; c < C; c++)
      rows[i * C + c] = (float)((last[i * C + c] - m->shift[c]) / m->scale[c]);
}

/* Rule 6: the forecasts of the components other than the network from the
** window in buf (R rows), h values each at part + i * stride; returns which
** component is the network (-1: none; n_comp 0, the network alone: 0). */
static int components(const rnn_model *m, const double *buf, int R, int h,
                      double *part, size_t stride) {
  int net = m->n_comp ? -1 : 0;
  for (int i = 0; i < m->n_comp; i++) {
    if (m->comp[i].kind == RNN_COMP_NETWORK) {
      net = i;
      continue;
    }
    rnn_component_forecast(&m->comp[i], buf, (size_t)R,
                           m->arch.input, m->fc_flags & RNN_FC_LOG, h,
                           part + i * stride);
  }
  return net;
}

/* Rule 6: step s of the forecast from the components' forecasts at
** part + i * stride + s. */
static double combine(const rnn_model *m, const double *part, size_t stride,
                      int s, int net) {
  if (m->n_comp == 0) return part[s];
  double f[RNN_MAX_COMPONENTS];
  for (int i = 0; i < m->n_comp; i++) f[i] = part[i * stride + s];
  return rnn_combine(m->fc_flags, f, m->n_comp, net);
}

/* The network's output z in data units. */
static double network_value(const rnn_model *m, float z) {
  return (double)z * m->scale[0] + m->shift[0];
}

/* Rule 7. */
static rnn_status not_finite(rnn_err *e, int step, int future) {
  return rnn_fail(e, RNN_ERANGE,
                  "the forecast of step %d is not finite: the window's values%s "
                  "are too far from what the model was trained on",
                  step, future ? " or the future covariates" : "");
}

/* Rule 9: the floating-point operations of `passes` passes of one window
** through the network (the products; element-wise work is smaller). */
static double pass_flops(const rnn_model *m, double passes) {
  const rnn_arch *a = &m->arch;
  if (m->kind != RNN_MODEL_NETWORK) return 0;
  double G = rnn_cell_gates(a->cell), H = a->hidden, f = 0;
  for (int l = 0; l < a->layers; l++) {
    double in = l ? (double)a->dirs * H : a->input;
    f += a->dirs * 2.0 * G * H * (in + H) * a->window;
  }
  return passes * (f + 2.0 * a->output * a->dirs * H);
}

static rnn_status too_much(rnn_err *e, double flops) {
  return rnn_fail(e, RNN_ELIMIT,
                  "the forecast would take about %.0f GFLOP; the limit is %.0f "
                  "(ask for fewer steps or rows)",
                  flops / 1e9, RNN_MAX_PREDICT_FLOPS / 1e9);
}

/* Rules 11 and 6: the covariates' effect added to the forecast out (h) of
** r, the covariates those of the window's last row x (filled) changed by
** the known future rows (h, C - 1; NULL: none); then the floor at zero. */
static void add_effect(const rnn_model *m, const double *x, const double *future,
                       double *out, int h) {
  int k = m->arch.input - 1;
  double cur[1024];
  memcpy(cur, x, (size_t)k * sizeof *cur);
  for (int s = 0; s < h; s++) {
    for (int j = 0; future && j < k; j++)
      if (!isnan(future[(size_t)s * k + j])) cur[j] = future[(size_t)s * k + j];
    out[s] += rnn_xreg_effect(m->xreg, k, cur);
    if (m->fc_flags & RNN_FC_NONNEG && out[s] < 0 && isfinite(out[s])) out[s] = 0;
  }
}

rnn_status rnn_predict(rnn_model *m, const double *win, int h, double *out,
                       rnn_err *e) {
  return rnn_predict_future(m, win, h, NULL, out, e);
}

/* Rules 1-7 for the window win (tail_rows rows) with predictor p: h
** steps into out. *missing: the column with no known value, else -1
** (then RNN_EINVAL). */
static rnn_status predict_window(rnn_model *m, struct rnn_predictor *p, const double *win,
                                 int h, const double *future, double *out, int *missing,
                                 rnn_err *e) {
  int R = m->tail_rows, C = m->arch.input;
  double *buf = p->buf;
  memcpy(buf, win, (size_t)R * C * sizeof *buf);
  *missing = -1;
  if (!fill_window(m, buf, R, missing)) return RNN_EINVAL;
  if (m->kind == RNN_MODEL_SNAIVE) {
    /* Rule 4. */
    for (int s = 0; s < h; s++) out[s] = buf[(size_t)(s % R) * C];
    return RNN_OK;
  }
  if (m->xreg) rnn_xreg_remove(m->xreg, C, buf, (size_t)R); /* rule 11 */
  int net = components(m, buf, R, h, p->part, (size_t)h);
  if (net >= 0) {
    normalise_window(m, buf, R, p->rows);
    if (rnn_forecast_z(m, &p->w, p->rows, 1, h, p->z))
      return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
    for (int s = 0; s < h; s++)
      p->part[(size_t)net * h + s] = network_value(m, p->z[s]);
  }
  for (int s = 0; s < h; s++) out[s] = combine(m, p->part, (size_t)h, s, net);
  rnn_clamp_forecast(m, buf, (size_t)R, C, out, h); /* filled, less the effect */
  if (m->xreg) add_effect(m, buf + (size_t)(R - 1) * C + 1, future, out, h);
  return RNN_OK;
}

rnn_status rnn_predict_future(rnn_model *m, const double *win, int h,
                              const double *future, double *out, rnn_err *e) {
  const rnn_arch *a = &m->arch;
  int col;
  if (h < 1) return rnn_fail(e, RNN_EINVAL, "h must be at least 1");
  double flops = pass_flops(m, ceil((double)h / a->output));
  if (flops > RNN_MAX_PREDICT_FLOPS) return too_much(e, flops);
  struct rnn_predictor *p = NULL;
  rnn_status rc = predictor(m, &m->pred, 1, h, &p, e);
  if (rc) return rc;
  rc = predict_window(m, p, win ? win : m->tail, h, future, out, &col, e);
  if (col == 0) return rnn_fail(e, RNN_EINVAL, "every value in the window is missing");
  if (col > 0) return rnn_fail(e, RNN_EINVAL, "every value of x%d in the window is missing", col);
  if (rc) return rc;
  for (int s = 0; s < h; s++)
    if (!isfinite(out[s])) return not_finite(e, s + 1, future && m->xreg);
  return RNN_OK;
}

/* rnn_predict_origins, and with `last` rnn_predict_origins_step: only
** step h of each origin, out[j], the steps of one origin in `last`'s h. */
static rnn_status predict_origins(rnn_model *m, const double *series, size_t n,
                                  size_t first, int count, int h, double *out,
                                  double *last, rnn_err *e) {
  const rnn_arch *a = &m->arch;
  int R = m->tail_rows, C = a->input, col;
  if (first < (size_t)R || count < 0 || h < 1 || first + (size_t)count > n)
    return rnn_fail(e, RNN_EINVAL, "origins outside the series");
  double passes = 0; /* origin o forecasts min(h, n - o) steps */
  for (int j = 0; j < count; j++) {
    size_t left = n - first - (size_t)j;
    passes += ceil((double)(left < (size_t)h ? left : (size_t)h) / a->output);
  }
  double flops = pass_flops(m, passes);
  if (flops > RNN_MAX_PREDICT_FLOPS) return too_much(e, flops);
  struct rnn_predictor *p = NULL;
  rnn_status rc = predictor(m, &m->pred, 1, h, &p, e);
  if (rc) return rc;
  /* The covariates of the rows forecast, where the series has them. */
  double *future = C > 1 ? rnn_malloc((size_t)h * (C - 1) * sizeof *future) : NULL;
  if (C > 1 && !future) return RNN_ENOMEM;
  double next = 0;
  for (int j = 0; j < count && rc == RNN_OK; j++) {
    size_t o = first + (size_t)j;
    int hs = n - o < (size_t)h ? (int)(n - o) : h;
    double *f = last ? last : out + (size_t)j * h;
    for (int s = 0; s < h; s++) f[s] = NAN;
    if (last) out[j] = NAN;
    if (cancelled(m, &next)) {
      rc = rnn_fail(e, RNN_EINTERRUPT, "interrupted");
      break;
    }
    for (int s = 0; s < hs && future; s++)
      memcpy(future + (size_t)s * (C - 1), series + (o + s) * C + 1,
             (size_t)(C - 1) * sizeof *future);
    rc = predict_window(m, p, series + (o - R) * C, hs, future, f, &col, e);
    if (col >= 0) { /* as rnn_predict_rows: NaN (f untouched), no error */
      rc = RNN_OK;
      continue;
    }
    for (int s = 0; s < hs && rc == RNN_OK; s++)
      if (!isfinite(f[s]))
        rc = rnn_fail(e, RNN_ERANGE,
                      "the forecast of position %zu, %d step%s ahead, is not finite: the "
                      "values before it are too far from what the model was trained on",
                      o + (size_t)s + 1, s + 1, s ? "s" : "");
    if (last) out[j] = f[h - 1];
  }
  rnn_free(future);
  return rc;
}

rnn_status rnn_predict_origins(rnn_model *m, const double *series, size_t n, size_t first,
                               int count, int h, double *out, rnn_err *e) {
  return predict_origins(m, series, n, first, count, h, out, NULL, e);
}

rnn_status rnn_predict_origins_step(rnn_model *m, const double *series, size_t n,
                                    size_t first, int count, int h, double *out,
                                    rnn_err *e) {
  if (h < 1) return rnn_fail(e, RNN_EINVAL, "origins outside the series");
  double *last = rnn_malloc((size_t)h * sizeof *last);
  if (!last) return RNN_ENOMEM;
  rnn_status rc = predict_origins(m, series, n, first, count, h, out, last, e);
  rnn_free(last);
  return rc;
}

/* rnn_predict_rows, and with `shorter` rnn_predict_history: a row with
** fewer than R rows before it reads those it has. */
static rnn_status predict_rows(rnn_model *m, const double *series, size_t first,
                               int count, double *out, int shorter, rnn_err *e) {
  const rnn_arch *a = &m->arch;
  int R = m->tail_rows, C = a->input, col;
  if (first < (size_t)(shorter ? a->window : R) || count < 0)
    return rnn_fail(e, RNN_EINVAL, "rows before the first full window");
  double flops = pass_flops(m, count);
  if (flops > RNN_MAX_PREDICT_FLOPS) return too_much(e, flops);
  /* Batches of RNN_ROWS_BATCH windows, fewer for a network so large that
  ** their buffers would take more than an eighth of the memory limit. */
  int cap = RNN_ROWS_BATCH;
  while (m->kind == RNN_MODEL_NETWORK && cap > 1 &&
         rnn_work_bytes(a, cap, 0.0) > RNN_MAX_MEMORY / 8)
    cap /= 2;
  struct rnn_predictor *p = NULL;
  rnn_status rc = predictor(m, &m->batch, cap, 1, &p, e);
  if (rc) return rc;
  size_t WC = (size_t)a->window * C;
  int net = -1; /* which component is the network: the same for every row */
  double next = 0;
  for (int done = 0; done < count; done += p->cap) {
    if (cancelled(m, &next)) return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
    int n = count - done < p->cap ? count - done : p->cap, used = 0;
    for (int j = 0; j < n; j++) {
      size_t row = first + done + j;
      int Rj = row < (size_t)R ? (int)row : R;
      memcpy(p->buf, series + (row - Rj) * C, (size_t)Rj * C * sizeof *p->buf);
      out[done + j] = NAN;
      if (!fill_window(m, p->buf, Rj, &col)) continue; /* as rnn_predict's error */
      if (m->kind == RNN_MODEL_SNAIVE) {
        if (Rj == R) out[done + j] = p->buf[0]; /* rule 4 */
        continue;
      }
      if (m->xreg) { /* rule 11: the row's own covariates, where known */
        double *fx = p->fx + (size_t)used * C;
        const double *own = series + row * C + 1, *last = p->buf + (size_t)(Rj - 1) * C + 1;
        for (int c = 0; c < C - 1; c++) fx[c] = isnan(own[c]) ? last[c] : own[c];
        rnn_xreg_remove(m->xreg, C, p->buf, (size_t)Rj);
      }
      /* Rule 6's range, of the filled window as rnn_predict's. */
      rnn_forecast_range(m, p->buf, (size_t)Rj, C, p->range + 2 * used, p->range + 2 * used + 1);
      net = components(m, p->buf, Rj, 1, p->comb + (size_t)used * RNN_MAX_COMPONENTS, 1);
      if (net >= 0) normalise_window(m, p->buf, Rj, p->rows + used * WC);
      p->slot[used++] = done + j;
    }
    if (used == 0) continue;
    if (net >= 0 && rnn_forecast_z(m, &p->w, p->rows, used, 1, p->z))
      return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
    for (int u = 0; u < used; u++) {
      double *part = p->comb + (size_t)u * RNN_MAX_COMPONENTS;
      if (net >= 0) part[net] = network_value(m, p->z[u]);
      double f = combine(m, part, 1, 0, net);
      rnn_clamp_range(m, p->range[2 * u], p->range[2 * u + 1], &f, 1);
      if (m->xreg) add_effect(m, p->fx + (size_t)u * C, NULL, &f, 1);
      if (!isfinite(f))
        return rnn_fail(e, RNN_ERANGE,
                        "the forecast of position %zu is not finite: the "
                        "values before it are too far from what the model "
                        "was trained on",
                        first + (size_t)p->slot[u] + 1);
      out[p->slot[u]] = f;
    }
  }
  return RNN_OK;
}

rnn_status rnn_predict_rows(rnn_model *m, const double *series, size_t first,
                            int count, double *out, rnn_err *e) {
  return predict_rows(m, series, first, count, out, 0, e);
}

rnn_status rnn_predict_history(rnn_model *m, const double *series, size_t first,
                               int count, double *out, rnn_err *e) {
  return predict_rows(m, series, first, count, out, 1, e);
}

double rnn_band_scale(double L, double f) {
  if (L == 0) return 1.0;
  double lo = L / 100;
  return sqrt((f > lo ? f : lo) / L);
}

double rnn_band_level(const rnn_model *m) {
  return m->fc_flags & RNN_FC_SQRT ? m->cal_level : 0.0;
}

double rnn_band_factor(const rnn_model *m, double f) {
  return rnn_band_scale(rnn_band_level(m), f);
}

int rnn_interval(const rnn_model *m, int s, double level, double value,
                 double *half) {
  *half = NAN;
  if (m->cal_steps < 1 || m->cal_n < 1 || s < 1 || !(level > 0 && level < 1))
    return 0;
  int n = m->cal_n, K = m->cal_steps;
  double q = level, scale = sqrt((double)s);
  if (m->cal_scale) {
    /* Rule 5: the conformal level of N origins, N = cal_origins. */
    double N = m->cal_origins;
    q = ceil((N + 1) * level) / N;
    scale = s <= K ? m->cal_scale[s - 1] : m->cal_scale[K - 1] * sqrt((double)s / K);
  }
  double r = ceil((n + 1) * q);
  int rank = r > n ? n : (int)r;
  if (rank < 1) rank = 1;
  *half = m->cal_resid[rank - 1] * scale * rnn_band_factor(m, value);
  return 1;
}

int rnn_lower_floored(const rnn_model *m) {
  /* Rule 5: where the forecasts are floored at zero, by the components'
  ** range (components.c rule 4) or after a covariate effect (add_effect). */
  return (m->n_comp > 0 || m->xreg) && m->fc_flags & RNN_FC_NONNEG;
}

double rnn_lower_floor(int floored, double value, double half) {
  double lo = value - half;
  return floored && lo < 0 && value >= 0 ? 0 : lo;
}

double rnn_lower_bound(const rnn_model *m, double value, double half) {
  return rnn_lower_floor(rnn_lower_floored(m), value, half);
}

/* Rule 10: p of the scaled error r over the n ascending errors c. */
static double tail_share(const double *c, int n, double r) {
  int k = n < 10 ? n : n / 10; /* errors in the fitted tail */
  int q = n - k;               /* c[q - 1] is the threshold u */
  double u = q > 0 ? c[q - 1] : 0.0, p_u = (double)k / n;
  if (r <= u) {
    /* Errors above r, and half of those equal to it: binary searches. */
    int lo = 0, hi = n;
    while (lo < hi) {
      int mid = lo + (hi - lo) / 2;
      if (c[mid] < r) lo = mid + 1; else hi = mid;
    }
    int below = lo;
    hi = n;
    while (lo < hi) {
      int mid = lo + (hi - lo) / 2;
      if (c[mid] <= r) lo = mid + 1; else hi = mid;
    }
    return (n - lo + 0.5 * (lo - below)) / n;
  }
  double excess = 0.0;
  for (int i = q; i < n; i++) excess += c[i] - u;
  excess /= k;
  return excess > 0 ? p_u * exp(-(r - u) / excess) : 0.0;
}

/* Rule 10: the recent errors' scale over the calibration errors c (n,
** ascending), in the units of c (each recent error less shift, divided by
** unit): mean absolute values, each recent error capped at the largest of
** c, and in units of that largest error so that nothing overflows. 1 with no recent
** error, or calibration errors all 0 or not finite. */
static double recent_ratio(const double *c, int n, const double *recent, int k,
                           double unit, double shift) {
  double top = c[n - 1], cal = 0.0, sum = 0.0;
  if (!(top > 0) || !isfinite(top)) return 1.0;
  if (k > RNN_SURPRISE_RECENT) recent += k - RNN_SURPRISE_RECENT, k = RNN_SURPRISE_RECENT;
  int known = 0;
  for (int i = 0; i < k; i++) {
    double r = fabs(recent[i] - shift) / unit / top;
    if (isnan(r)) continue;
    sum += r < 1.0 ? r : 1.0;
    known++;
  }
  if (!known) return 1.0;
  for (int i = 0; i < n; i++) cal += c[i] / top;
  cal /= n; /* at least 1 / n: the largest is 1 */
  return (RNN_SURPRISE_PRIOR * cal + sum) / (RNN_SURPRISE_PRIOR + known) / cal;
}

double rnn_surprise_recent(const rnn_model *m, double err, const double *recent,
                           int k) {
  if (isnan(err)) return NAN;
  const double *c = m->surp;
  int n = m->surp_n;
  double shift = n > 0 && m->surp_run > 0 ? rnn_surprise_shift(recent, k, m->surp_run) : 0.0;
  double unit = 1.0, r = fabs(err - shift);
  if (n <= 0) { /* a BLOB without one-step errors (SURP) */
    /* With RNN_FC_SQRT the calibration errors are those of a forecast at
    ** the level L (rnn_band_factor 1): err is judged as if it were one. */
    if (m->cal_steps < 1 || m->cal_n < 1) return NAN;
    c = m->cal_resid, n = m->cal_n;
    unit = m->cal_scale ? m->cal_scale[0] : 1.0;
    if (unit > 0) r /= unit;
    else r = r > 0 ? INFINITY : 0.0, k = 0; /* validation forecasts were exact */
  }
  if (k > 0) {
    double ratio = recent_ratio(c, n, recent, k, unit, shift);
    if (ratio != 1.0 && isfinite(r)) r /= ratio; /* finite, > 0 */
  }
  double p = tail_share(c, n, r);
  return p < 0 ? 1.0 : p > 1 ? 0.0 : 1.0 - p;
}

double rnn_surprise_shift(const double *e, int k, int run) {
  if (run < 1 || run > RNN_SURPRISE_RECENT || k < run) return 0.0;
  double v[RNN_SURPRISE_RECENT];
  int pos = 0, neg = 0;
  for (int i = 0; i < run; i++) {
    v[i] = e[k - run + i];
    /* NaN (unknown) and infinite errors are of neither sign: a shift is
    ** finite, so err less it is never inf - inf. */
    pos += v[i] > 0 && isfinite(v[i]), neg += v[i] < 0 && isfinite(v[i]);
  }
  if (pos != run && neg != run) return 0.0;
  rnn_sort_doubles(v, (size_t)run);
  return run % 2 ? v[run / 2] : 0.5 * v[run / 2 - 1] + 0.5 * v[run / 2]; /* no overflow */
}

double rnn_surprise(const rnn_model *m, double err) {
  return rnn_surprise_recent(m, err, NULL, 0);
}
