/*
** The covariates' same-step effect (option xreg): regression with the
** forecaster's errors, as ARIMA with regressors and BigQuery's
** ARIMA_PLUS_XREG do it. A covariate observed with each row, such as a
** price, a holiday flag, a temperature or another market's close, moves the
** value at the same step; its future values are known to the caller
** (rnn_forecast's `future`), its past ones are in the rows.
**
** Rules:
**   1. The effect is linear: y_t = r_t + sum_j beta_j x_{t,j}. The
**      forecaster (network, components, calibration) is trained on r; a
**      forecast is r's forecast plus the effect of the covariates at the
**      forecast step. Intervals are r's, so they assume those covariates.
**   2. beta is fitted on the changes from row to row (d_t = y_t - y_{t-1}
**      on D_t = x_t - x_{t-1}, with an intercept) of the rows the training
**      windows cover: changes do not turn two trending series into a
**      spurious relation, and a level that depends on x shows in them. The
**      changes of the row before, D_{t-1}, are fitted alongside as a
**      control and then dropped: an effect of yesterday's x (the network
**      reads past covariates in its window) shows in the changes at t too,
**      and would otherwise pass for a same-step one. (Not of calendar
**      columns, whose changes at t and t - 1 are nearly the same: a
**      control there would leave nothing to explain.) Least squares on the
**      columns standardised, with a ridge of 1e-6 per row; a covariate
**      that never changes gets beta 0.
**   3. The share of the held-out rows' changes that the same-step changes
**      explain beyond the control, 1 - SSE / SSE of the control alone
**      (each with its intercept), decides (option "auto"): the effect is
**      kept from 0.05 up. Without held-out rows, the in-sample share
**      adjusted for the number of columns decides. true keeps any fitted
**      effect, false fits none. Fewer rows than 2 k + 5, more than
**      RNN_MAX_XREG covariates, or a fit that is not finite: none.
**   4. A fine-tune keeps the model's beta (the network learned r).
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"

#define XREG_MIN_SHARE 0.05
#define XREG_RIDGE 1e-6

double rnn_xreg_effect(const double *beta, int k, const double *x) {
  double s = 0.0;
  for (int j = 0; j < k; j++) s += beta[j] * x[j];
  return s;
}

void rnn_xreg_remove(const double *beta, int C, double *rows, size_t n) {
  for (size_t i = 0; i < n; i++)
    rows[i * C] -= rnn_xreg_effect(beta, C - 1, rows + i * C + 1);
}

/* Solves the symmetric positive definite system a (k, k) x = b in place
** (Cholesky; b becomes x); 0 when a is not positive definite. */
static int solve_spd(double *a, double *b, int k) {
  for (int j = 0; j < k; j++) {
    double d = a[j * k + j];
    for (int p = 0; p < j; p++) d -= a[j * k + p] * a[j * k + p];
    if (!(d > 0)) return 0;
    d = sqrt(d);
    a[j * k + j] = d;
    for (int i = j + 1; i < k; i++) {
      double s = a[i * k + j];
      for (int p = 0; p < j; p++) s -= a[i * k + p] * a[j * k + p];
      a[i * k + j] = s / d;
    }
  }
  for (int i = 0; i < k; i++) { /* L y = b */
    double s = b[i];
    for (int p = 0; p < i; p++) s -= a[i * k + p] * b[p];
    b[i] = s / a[i * k + i];
  }
  for (int i = k - 1; i >= 0; i--) { /* L^T x = y */
    double s = b[i];
    for (int p = i + 1; p < k; p++) s -= a[p * k + i] * b[p];
    b[i] = s / a[i * k + i];
  }
  return 1;
}

/* The change of column c from row t - 1 to row t of v (rows of C). */
static double change(const double *v, int C, size_t t, int c) {
  return v[t * C + c] - v[(t - 1) * C + c];
}

/* Column j of the design at row t: the covariates' changes at t (j < k,
** when `same`), then at t - 1 (rule 2's control, of the caller's
** covariates). */
static double design(const double *v, int C, size_t t, int same, int j) {
  int k = C - 1;
  if (same && j < k) return change(v, C, t, j + 1);
  return change(v, C, t - 1, (same ? j - k : j) + 1);
}

/* Least squares of the value's changes at rows [2, to) on p design columns
** (with an intercept), standardised, with rule 2's ridge: coef (p) and
** *c. a holds p * p + 3 * p doubles. 0 when it cannot be solved. */
static int fit_changes(const double *v, int C, size_t to, int same, int p,
                       double *a, double *coef, double *c) {
  double *b = a + (size_t)p * p, *mean = b + p, *sd = mean + p, md = 0.0;
  size_t m = to - 2;
  memset(a, 0, ((size_t)p * p + 3 * (size_t)p) * sizeof *a);
  for (size_t t = 2; t < to; t++) {
    md += change(v, C, t, 0);
    for (int j = 0; j < p; j++) mean[j] += design(v, C, t, same, j);
  }
  md /= (double)m;
  for (int j = 0; j < p; j++) mean[j] /= (double)m;
  /* The spread relative to the largest deviation, so changes near 1e200
  ** or 1e-200 neither overflow nor vanish in the squares. */
  for (int j = 0; j < p; j++) {
    double big = 0.0, ss = 0.0;
    for (size_t t = 2; t < to; t++) big = fmax(big, fabs(design(v, C, t, same, j) - mean[j]));
    for (size_t t = 2; big > 0 && isfinite(big) && t < to; t++) {
      double u = (design(v, C, t, same, j) - mean[j]) / big;
      ss += u * u;
    }
    sd[j] = big * sqrt(ss / (double)m);
  }
  /* A constant column: a unit diagonal and no right-hand side, so 0. */
  for (size_t t = 2; t < to; t++) {
    double d = change(v, C, t, 0) - md;
    for (int i = 0; i < p; i++) {
      if (!(sd[i] > 0)) continue;
      double ui = (design(v, C, t, same, i) - mean[i]) / sd[i];
      b[i] += ui * d;
      for (int j = 0; j <= i; j++)
        if (sd[j] > 0) a[i * p + j] += ui * (design(v, C, t, same, j) - mean[j]) / sd[j];
    }
  }
  for (int i = 0; i < p; i++) {
    a[i * p + i] = sd[i] > 0 ? a[i * p + i] + XREG_RIDGE * (double)m : 1.0;
    for (int j = 0; j < i; j++) a[j * p + i] = a[i * p + j];
  }
  if (!solve_spd(a, b, p)) return 0;
  *c = md;
  for (int j = 0; j < p; j++) {
    coef[j] = sd[j] > 0 ? b[j] / sd[j] : 0.0;
    *c -= coef[j] * mean[j];
    if (!isfinite(coef[j])) return 0;
  }
  return isfinite(*c);
}

/* The sum of squared errors of a fit over rows [from, to). */
static double fit_sse(const double *v, int C, size_t from, size_t to, int same,
                      int p, const double *coef, double c) {
  double sse = 0.0;
  for (size_t t = from; t < to; t++) {
    double e = change(v, C, t, 0) - c;
    for (int j = 0; j < p; j++) e -= coef[j] * design(v, C, t, same, j);
    sse += e * e;
  }
  return sse;
}

rnn_status rnn_xreg_fit(const double *v, size_t n, int C, size_t fit_rows,
                        int mode, int lagged, double *beta, double *share,
                        int *keep) {
  int k = C - 1;
  *keep = 0, *share = NAN;
  if (k < 1) return RNN_OK;
  memset(beta, 0, (size_t)k * sizeof *beta);
  if (mode == RNN_XREG_OFF || k > RNN_MAX_XREG || fit_rows > n ||
      fit_rows < (size_t)(k + lagged) + 5)
    return RNN_OK;
  int p = k + lagged; /* the changes at t and, as the control, at t - 1 */
  double *a = rnn_malloc(((size_t)p * p + 5 * (size_t)p + 1) * sizeof *a);
  if (!a) return RNN_ENOMEM;
  double *coef = a + (size_t)p * p + 3 * (size_t)p, *lag = coef + p, c, c0 = 0.0;
  int ok = fit_changes(v, C, fit_rows, 1, p, a, coef, &c) &&
           (lagged == 0 || fit_changes(v, C, fit_rows, 0, lagged, a, lag, &c0));
  if (ok && lagged == 0) { /* the control is the intercept alone */
    for (size_t t = 2; t < fit_rows; t++) c0 += change(v, C, t, 0);
    c0 /= (double)(fit_rows - 2);
  }
  /* Rule 3: held-out changes, or the fitted ones adjusted for k. */
  size_t m = fit_rows - 2;
  int held = fit_rows < n;
  size_t from = held ? fit_rows : 2, to = held ? n : fit_rows;
  double sse = ok ? fit_sse(v, C, from, to, 1, p, coef, c) : NAN;
  double sse0 = ok ? fit_sse(v, C, from, to, 0, lagged, lag, c0) : NAN;
  if (!held) sse /= (double)(m - (size_t)p - 1), sse0 /= (double)(m - (size_t)lagged - 1);
  *share = ok && sse0 > 0 && isfinite(sse) ? 1.0 - sse / sse0 : NAN;
  if (ok && (mode == RNN_XREG_ON || *share >= XREG_MIN_SHARE)) {
    memcpy(beta, coef, (size_t)k * sizeof *beta);
    *keep = 1;
  }
  rnn_free(a);
  return RNN_OK;
}
