/*
** The forecaster's components beside the network, and how the default
** forecaster (method "auto") chooses and combines them.
**
** Rules:
**   1. A component forecasts h steps from the last rows of a series (data
**      units): naive (the last value); drift (the last value plus the mean
**      change over `span` rows); smooth (exponential smoothing, alpha 0.5,
**      over the last 32 rows); seasonal naive (the last cycle of `period`
**      rows, repeated); profile (the mean shape of the last `seasons`
**      cycles, each taken relative to its own mean, placed on the level of
**      the last cycle) and profile with trend (the same, plus the slope of
**      the cycles' means); seasonal naive with trend (the last cycle,
**      repeated, each repetition moved by that slope times a cycle).
**      Profiles and seasonal naive with trend work on logarithms when every
**      training value was positive (multiplicative seasonality) and every
**      value they read is, else on the values. The damped kinds of drift
**      and profile with trend (format 8) weigh the slope's increment at
**      step t past the last row RNN_DAMPING^(t-1) (0.98), as damped-trend
**      exponential smoothing does: the move levels off at 50 steps' worth
**      instead of growing without end. Damped seasonal naive with trend
**      moves its first cycle as the undamped kind does and each later one
**      RNN_DAMPING^p times the one before, p the period: it levels off at
**      p / (1 - 0.98^p) steps' worth (56 for p = 12, 174 for 168).
**   2. The candidates: naive, damped drift over max(horizon, 2 x period)
**      rows, smooth, and for each seasonal period p found in the data
**      (series.c rule 2) with at least 2p + horizon rows: seasonal naive,
**      and profile, damped profile with trend and damped seasonal naive
**      with trend over clamp(672 / p, 2, 8) cycles (four weeks of hourly
**      data). The network is a candidate when it was trained. Models of
**      formats 3 to 7 keep their undamped kinds (seasonal naive with trend
**      from format 6 on), which forecast as they did.
**   3. Each candidate forecasts from every validation origin (the first
**      target row of each validation window, and every later row); its
**      score is the weighted mean absolute error of its first `horizon`
**      steps where the truth is known, an origin's weight halving every
**      four horizons back from the latest (the latest rows tell most: a
**      level shift near the end). The anchor is the better scored of naive
**      and the seasonal naive of the first period. The forecast is the
**      mean of the two best scored candidates when the anchor is one of
**      them, else, step by step, the median of the two and the anchor: a
**      member that runs away is outvoted, and two that agree are followed.
**      Ties keep the candidate listed first. On the M4 Hourly and Weekly
**      dev halves this beat the mean of the two best (format 4's rule,
**      which models of that format keep) in accuracy, in runaways (none)
**      and in series worse than 1.5 times seasonal naive (half as many).
**   4. The forecast stays in the plausible range of the rows it reads (the
**      model's history): no further below their minimum or above their
**      maximum than half their range, and at or above zero for a series
**      that never went below zero. A runaway component cannot take the
**      forecast further than that.
**   5. The combination's errors at the validation origins calibrate the
**      intervals per step, each half of the origins forecast by the
**      combination chosen on the other half (errors of a choice measured
**      where it was made are too small): the scale of step s is the mean absolute error
**      at steps 1..s' largest (errors do not shrink with the step), the
**      errors divided by their step's scale are pooled, and the half-width
**      at step s and level L is the scale times the pooled errors' quantile
**      ceil((N + 1) L) / N, N the number of origins (the errors of one
**      forecast move together: one origin is one sample, as split conformal
**      counts them). Beyond the calibrated steps the scale grows
**      with the square root of the step. When every value the forecaster
**      learns was positive (RNN_FC_LOG), each error is first divided by
**      rnn_band_factor of its forecast f, sqrt(max(f, L / 100) / L) with L
**      the mean of the training rows (RNN_FC_SQRT, cal_level), and a band
**      is multiplied by the factor of its own forecast: its width grows
**      with the square root of the level, as the spread of counts does
**      (additive bands were too narrow at the peaks of the M4 Hourly
**      half's cycles and too wide in the troughs; logarithmic ones the
**      reverse; docs/forecasting-evidence.md). Not with a covariate
**      effect (core/xreg.c), which moves the level and need not move the
**      spread: unmeasured on real data, those bands stay additive. A
**      fine-tune keeps its model's L and flag, unless it chooses the
**      components afresh (train.c rule 16), which calibrates afresh.
**   6. A fine-tune of a model that did not keep every row it saw (core/
**      train.c rule 16; the others choose afresh) keeps the model's candidates and
**      scores them on its new validation origins as rule 3 does, each
**      score merged with the model's own, whose origins weigh what they
**      would now: H steps at each of its N origins, the latest `shift`
**      rows (the new rows) before the new latest origin; then rule 3
**      chooses again, among the candidates the series has the rows for.
**   7. To compare two versions of a series (the values and the values less
**      the covariates' effect, core/xreg.c rule 3), the simple candidates
**      alone are scored on each, rule 3 chooses among them, and the
**      combination's errors are weighted as rule 3 weighs origins.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"

#define SMOOTH_ROWS 32
#define SMOOTH_ALPHA 0.5

/* Natural logarithm and exponential from +, -, *, / and exact scalings
** only, so every CPU and C library computes the same bits (glibc picks FMA
** or plain builds of log and exp at run time, and they differ in the last
** bit now and then, which would reach the stored model). Within a few ulp
** of the exact values, which is all a profile needs. */
static const double LN2_HI = 6.93147180369123816490e-01; /* 0x3fe62e42fee00000 */
static const double LN2_LO = 1.90821492927058770002e-10;

double rnn_det_log(double x) {
  int e;
  double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
  if (m < 0.70710678118654752440) m *= 2, e--;
  /* log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172. */
  double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0.0;
  for (int k = 1; k <= 23; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2 * sum + e * LN2_LO + e * LN2_HI;
}

/* rnn_det_log of many values at once, W lanes a vector: the same
** operations in the same order on every lane, so the same bits; frexp is
** the exponent field's bits for normal values (anything else, lane by
** lane, through rnn_det_log). */
#define DET_LOGS(NAME, TARGET, W)                                             \
  typedef double NAME##_d __attribute__((vector_size(8 * (W))));             \
  typedef long long NAME##_i __attribute__((vector_size(8 * (W))));          \
  TARGET static void NAME(const double *x, size_t stride, size_t n,          \
                          double *out) {                                     \
    size_t i = 0;                                                             \
    for (; i + (W) <= n; i += (W)) {                                          \
      NAME##_d v, m;                                                          \
      for (int l = 0; l < (W); l++) v[l] = x[(i + l) * stride];               \
      NAME##_i bits, e, normal;                                               \
      memcpy(&bits, &v, sizeof bits);                                         \
      e = (bits >> 52) - 1022; /* sign bit 0 for the normal values */         \
      normal = (e > -1022) & (e < 1025);                                      \
      bits = (bits & 0x000FFFFFFFFFFFFFLL) | 0x3FE0000000000000LL;            \
      memcpy(&m, &bits, sizeof m); /* in [0.5, 1) */                          \
      NAME##_i low = m < 0.70710678118654752440;                              \
      NAME##_d m2 = m * 2;                                                    \
      NAME##_i a, b;                                                          \
      memcpy(&a, &m2, sizeof a);                                              \
      memcpy(&b, &m, sizeof b);                                               \
      a = (a & low) | (b & ~low);                                             \
      memcpy(&m, &a, sizeof m);                                               \
      e += low; /* low is -1 where true */                                    \
      NAME##_d s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = {0};        \
      for (int k = 1; k <= 23; k += 2) {                                      \
        sum += term / k;                                                      \
        term *= s2;                                                           \
      }                                                                       \
      NAME##_d ed = __builtin_convertvector(e, NAME##_d);                     \
      NAME##_d r = 2 * sum + ed * LN2_LO + ed * LN2_HI;                       \
      for (int l = 0; l < (W); l++)                                           \
        out[i + l] = normal[l] ? r[l] : rnn_det_log(v[l]);                    \
    }                                                                         \
    for (; i < n; i++) out[i] = rnn_det_log(x[i * stride]);                   \
  }
RNN_DOUBLE_BUILDS(DET_LOGS, det_logs)

void rnn_det_logs(const double *x, size_t stride, size_t n, double *out) {
  RNN_WIDEST(det_logs, (x, stride, n, out));
}

double rnn_det_exp(double x) {
  if (isnan(x)) return x;
  if (x > 709.78) return INFINITY;
  if (x < -745.2) return 0.0;
  double k = floor(x / (LN2_HI + LN2_LO) + 0.5);
  double r = (x - k * LN2_HI) - k * LN2_LO; /* |r| <= ln2 / 2 */
  /* Taylor series to r^17 / 17!: below 2^-53 relative for |r| <= 0.347. */
  double sum = 1.0, term = 1.0;
  for (int i = 1; i <= 17; i++) {
    term *= r / i;
    sum += term;
  }
  return ldexp(sum, (int)k);
}

const char *rnn_component_name(int kind) {
  static const char *const names[] = {
      "network",       "naive",        "drift",
      "smooth",        "seasonal_naive", "profile",
      "profile_trend", "seasonal_naive_trend", "damped_drift",
      "damped_profile_trend", "damped_seasonal_naive_trend"};
  return kind >= 0 && kind < RNN_COMP_COUNT ? names[kind] : "?";
}

int rnn_component_cycles(int kind) {
  return kind == RNN_COMP_PROFILE || kind == RNN_COMP_PROFILE_TREND ||
         kind == RNN_COMP_SNAIVE_TREND || kind == RNN_COMP_PROFILE_TREND_DAMPED ||
         kind == RNN_COMP_SNAIVE_TREND_DAMPED;
}

double rnn_component_damping(int kind) {
  return kind == RNN_COMP_DRIFT_DAMPED || kind == RNN_COMP_PROFILE_TREND_DAMPED ||
                 kind == RNN_COMP_SNAIVE_TREND_DAMPED
             ? RNN_DAMPING
             : 1.0;
}

int rnn_component_rows(const rnn_component *c) {
  switch (c->kind) {
    case RNN_COMP_DRIFT:
    case RNN_COMP_DRIFT_DAMPED: return c->period + 1;
    case RNN_COMP_SMOOTH: return SMOOTH_ROWS;
    case RNN_COMP_SNAIVE: return c->period;
    case RNN_COMP_PROFILE:
    case RNN_COMP_PROFILE_TREND:
    case RNN_COMP_PROFILE_TREND_DAMPED:
    case RNN_COMP_SNAIVE_TREND:
    case RNN_COMP_SNAIVE_TREND_DAMPED: return c->period * c->seasons;
    default: return 1;
  }
}

/* x^n by squaring: the same bits everywhere, as pow need not be. */
static double power(double x, int n) {
  double r = 1.0;
  for (; n; n >>= 1, x *= x)
    if (n & 1) r *= x;
  return r;
}

/* The steps a slope moves a forecast t steps past the last row when the
** step-j increment weighs phi^(j-1): 1 + phi + ... + phi^(t-1), and t
** exactly when phi is 1 (undamped). */
static double damped_steps(double phi, int t) {
  return phi == 1.0 ? (double)t : (1.0 - power(phi, t)) / (1.0 - phi);
}

/* Rule 1 for a profile: y (n rows of stride C), forecasts h values; ly,
** when not NULL, the logarithms of y's rows (one a row, what rnn_det_logs
** gives: a forecaster reading many windows of one series takes them once). */
static void profile(const double *y, const double *ly, size_t n, int C, int p,
                    int seasons, int trend, double phi, int logs, int h,
                    double *out) {
  int k = (int)(n / (size_t)p) < seasons ? (int)(n / (size_t)p) : seasons;
  for (size_t i = n - (size_t)(k > 0 ? k : 0) * p; i < n && logs; i++)
    if (!(y[i * C] > 0)) logs = 0; /* a window that is not all positive */
  if (k < 1) {
    for (int s = 0; s < h; s++) out[s] = y[(n - 1) * C];
    return;
  }
  double lev0 = 0.0, levk = 0.0, z[RNN_MAX_PERIOD];
  for (int s = 0; s < h && s < p; s++) out[s] = 0.0;
  for (int i = 0; i < k; i++) { /* cycle i ends i cycles before the last row */
    size_t from = n - (size_t)(i + 1) * p;
    /* The cycle's values or logarithms: ly's, or z's, or (a period longer
    ** than any the period search finds, from a BLOB) one at a time. */
    const double *b = logs && ly ? ly + from : p <= RNN_MAX_PERIOD ? z : NULL;
    if (b == z && logs) rnn_det_logs(y + from * C, (size_t)C, (size_t)p, z);
    else if (b == z) for (int j = 0; j < p; j++) z[j] = y[(from + (size_t)j) * C];
#define AT(j) (b ? b[j] : logs ? rnn_det_log(y[(from + (size_t)(j)) * C]) : y[(from + (size_t)(j)) * C])
    double mean = 0.0;
    for (int j = 0; j < p; j++) mean += AT(j);
    mean /= p;
    if (i == 0) lev0 = mean;
    if (i == k - 1) levk = mean;
    for (int j = 0; j < p && j < h; j++) out[j] += (AT(j) - mean) / k;
#undef AT
  }
  /* The last cycle's mean is its level at its centre, (p + 1) / 2 rows
  ** before the first forecast step; a damped slope is damped from the
  ** last row on. */
  double slope = trend && k > 1 ? (lev0 - levk) / ((double)(k - 1) * p) : 0.0;
  for (int s = h - 1; s >= 0; s--) {
    double ahead = phi == 1.0 ? s + (p + 1) / 2.0
                              : (p - 1) / 2.0 + damped_steps(phi, s + 1);
    double z0 = lev0 + slope * ahead + out[s % p];
    out[s] = logs ? rnn_det_exp(z0) : z0;
  }
}

/* Rule 1 for seasonal naive with trend: the last cycle of y (n rows of
** stride C), repeated, each repetition moved by the change of the cycles'
** means per cycle over the last `seasons` cycles (the slope a profile with
** trend takes); on logarithms (ly's, when not NULL) as a profile. */
static void snaive_trend(const double *y, const double *ly, size_t n, int C,
                         int p, int seasons, double phi, int logs, int h,
                         double *out) {
  int k = (int)(n / (size_t)p) < seasons ? (int)(n / (size_t)p) : seasons;
  if (k < 1) {
    for (int s = 0; s < h; s++) out[s] = y[(n - 1) * C];
    return;
  }
  for (size_t i = n - (size_t)k * p; i < n && logs; i++)
    if (!(y[i * C] > 0)) logs = 0; /* a window that is not all positive */
#define AT(i) (!logs ? y[(i) * C] : ly ? ly[i] : rnn_det_log(y[(i) * C]))
  double lev0 = 0.0, levk = 0.0;
  for (int j = 0; j < p; j++) {
    lev0 += AT(n - (size_t)p + (size_t)j);
    levk += AT(n - (size_t)k * p + (size_t)j);
  }
  double d = k > 1 ? (lev0 / p - levk / p) / (k - 1) : 0.0;
  double cycle_phi = power(phi, p); /* a damped slope: phi each step */
  for (int s = 0; s < h; s++) {
    double z = AT(n - (size_t)p + (size_t)(s % p)) + d * damped_steps(cycle_phi, s / p + 1);
    out[s] = logs ? rnn_det_exp(z) : z;
  }
#undef AT
}

void rnn_component_forecast(const rnn_component *c, const double *y, size_t n,
                            int C, int logs, int h, double *out) {
  rnn_component_forecast_ly(c, y, NULL, n, C, logs, h, out);
}

void rnn_component_forecast_ly(const rnn_component *c, const double *y,
                               const double *ly, size_t n, int C, int logs,
                               int h, double *out) {
  double last = y[(n - 1) * C], phi = rnn_component_damping(c->kind);
  switch (c->kind) {
    case RNN_COMP_DRIFT:
    case RNN_COMP_DRIFT_DAMPED: {
      size_t span = (size_t)c->period < n ? (size_t)c->period : n - 1;
      double d = span ? (last - y[(n - 1 - span) * C]) / (double)span : 0.0;
      for (int s = 0; s < h; s++) out[s] = last + d * damped_steps(phi, s + 1);
      return;
    }
    case RNN_COMP_SMOOTH: {
      size_t from = n > SMOOTH_ROWS ? n - SMOOTH_ROWS : 0;
      double l = y[from * C];
      for (size_t i = from + 1; i < n; i++)
        l = SMOOTH_ALPHA * y[i * C] + (1 - SMOOTH_ALPHA) * l;
      for (int s = 0; s < h; s++) out[s] = l;
      return;
    }
    case RNN_COMP_SNAIVE: {
      size_t p = (size_t)c->period <= n ? (size_t)c->period : n;
      for (int s = 0; s < h; s++) out[s] = y[(n - p + (size_t)s % p) * C];
      return;
    }
    case RNN_COMP_PROFILE:
    case RNN_COMP_PROFILE_TREND:
    case RNN_COMP_PROFILE_TREND_DAMPED:
      profile(y, ly, n, C, c->period, c->seasons, c->kind != RNN_COMP_PROFILE,
              phi, logs, h, out);
      return;
    case RNN_COMP_SNAIVE_TREND:
    case RNN_COMP_SNAIVE_TREND_DAMPED:
      snaive_trend(y, ly, n, C, c->period, c->seasons, phi, logs, h, out);
      return;
    default: /* naive */
      for (int s = 0; s < h; s++) out[s] = last;
  }
}

int rnn_candidates(rnn_component *out, int p1, int p2, int horizon,
                   size_t rows, int network) {
  int n = 0;
  if (network) out[n++] = (rnn_component){RNN_COMP_NETWORK, 0, 0};
  int span = 2 * p1 > horizon ? 2 * p1 : horizon;
  /* No longer than the history at the first origin: a short series (a
  ** fine-tune's tail and new rows) keeps it within the tail it stores. */
  if ((size_t)span >= rows) span = rows > 1 ? (int)rows - 1 : 1;
  out[n++] = (rnn_component){RNN_COMP_NAIVE, 0, 0};
  out[n++] = (rnn_component){RNN_COMP_DRIFT_DAMPED, span, 0};
  out[n++] = (rnn_component){RNN_COMP_SMOOTH, 0, 0};
  int periods[2] = {p1, p2};
  for (int i = 0; i < 2; i++) {
    int p = periods[i];
    if (p < 2 || rows < 2 * (size_t)p + (size_t)horizon) continue;
    int k = (int)lround(672.0 / p);
    k = k < 2 ? 2 : k > 8 ? 8 : k;
    out[n++] = (rnn_component){RNN_COMP_SNAIVE, p, 0};
    out[n++] = (rnn_component){RNN_COMP_PROFILE, p, k};
    out[n++] = (rnn_component){RNN_COMP_PROFILE_TREND_DAMPED, p, k};
    out[n++] = (rnn_component){RNN_COMP_SNAIVE_TREND_DAMPED, p, k};
  }
  return n;
}

/* Rule 5: step scales and pooled, scaled errors from err (origins, K), NaN
** where the truth is unknown; without per_step, the scales are sqrt(step)
** and not stored (the seasonal-naive fallback, and models of format 2). */
rnn_status rnn_calibrate_steps(rnn_model *m, const double *err, int origins,
                               int K, int per_step) {
  double *scale = rnn_malloc(((size_t)K + 1) * sizeof *scale);
  double *pool = rnn_malloc(((size_t)origins * K + 1) * sizeof *pool);
  if (!scale || !pool) {
    rnn_free(scale);
    rnn_free(pool);
    return RNN_ENOMEM;
  }
  double run = 0.0;
  for (int s = 0; s < K; s++) {
    double sum = 0.0;
    int cnt = 0;
    for (int j = 0; j < origins; j++) {
      double r = err[(size_t)j * K + s];
      if (!isnan(r)) sum += fabs(r), cnt++;
    }
    double mae = cnt ? sum / cnt : run;
    run = mae > run ? mae : run;
    scale[s] = per_step ? run : sqrt(s + 1.0);
  }
  size_t at = 0;
  for (int j = 0; j < origins; j++)
    for (int s = 0; s < K; s++) {
      double r = err[(size_t)j * K + s];
      if (!isnan(r)) pool[at++] = scale[s] > 0 ? fabs(r) / scale[s] : 0.0;
    }
  rnn_sort_doubles(pool, at);
  rnn_free(m->cal_resid);
  rnn_free(m->cal_scale);
  m->cal_resid = pool;
  m->cal_n = (int)at;
  m->cal_scale = at && per_step ? scale : NULL; /* sqrt(step), or nothing */
  if (!m->cal_scale) rnn_free(scale);
  m->cal_origins = origins;
  m->cal_steps = at ? K : 0;
  return RNN_OK;
}

/* Rule 4. */
void rnn_forecast_range(const rnn_model *m, const double *y, size_t n, int C,
                        double *lo, double *hi) {
  /* Missing values are skipped: filling them (series.c rule 1) stays within
  ** the known values' range, so the range is the filled window's. */
  *lo = INFINITY, *hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double v = y[i * C];
    if (isnan(v)) continue;
    *lo = v < *lo ? v : *lo, *hi = v > *hi ? v : *hi;
  }
  if (!(*lo <= *hi)) return; /* nothing known */
  double room = *hi / 2 - *lo / 2; /* (hi - lo) / 2 without overflow */
  *lo -= room, *hi += room;
  if (m->fc_flags & RNN_FC_NONNEG && !m->xreg && *lo < 0) *lo = 0;
}

void rnn_clamp_range(const rnn_model *m, double lo, double hi, double *out, int h) {
  if (m->n_comp == 0 || !(lo <= hi)) return;
  for (int s = 0; s < h; s++) /* a value that is not finite stays so (an error) */
    if (isfinite(out[s])) out[s] = out[s] < lo ? lo : out[s] > hi ? hi : out[s];
}

void rnn_clamp_forecast(const rnn_model *m, const double *y, size_t n, int C,
                        double *out, int h) {
  double lo, hi;
  if (m->n_comp == 0) return;
  rnn_forecast_range(m, y, n, C, &lo, &hi);
  rnn_clamp_range(m, lo, hi, out, h);
}

/* Rule 3: each candidate's weighted mean absolute error of its first H
** steps over origins [from, to) of the forecasts F (nc, origins, K), into
** score (nc). */
static void score_candidates(const double *F, int nc, int origins, int K,
                             int H, const double *v, size_t n, int C,
                             const size_t *origin, int from, int to,
                             double *score) {
  double half_life = 4.0 * H, ln2 = 0.69314718055994530942;
  for (int i = 0; i < nc; i++) {
    double sum = 0.0, weight = 0.0;
    for (int j = from; j < to; j++) {
      const double *f = F + ((size_t)i * origins + j) * K;
      double age = (double)(origin[origins - 1] - origin[j]);
      double w = rnn_det_exp(-ln2 * age / half_life);
      for (int s = 0; s < H && origin[j] + s < n; s++) {
        sum += w * fabs(v[(origin[j] + s) * C] - f[s]);
        weight += w;
      }
    }
    score[i] = weight > 0 && !isnan(sum) ? sum / weight : INFINITY;
  }
}

/* Rule 3: the members of the combination by their scores, into pick:
** the two best, and the anchor when it is not one of them. Returns how
** many (3: their median; fewer: their mean). A candidate whose score is
** not finite (its errors overflow) is never a member; when none is
** finite, the first candidate alone. */
static int choose(const rnn_component *cand, int nc, int p1,
                  const double *score, int pick[3]) {
  int anchor = -1;
  pick[0] = pick[1] = -1;
  for (int i = 0; i < nc; i++) {
    if (!(score[i] < INFINITY)) continue;
    int k = cand[i].kind;
    if ((k == RNN_COMP_NAIVE || (k == RNN_COMP_SNAIVE && cand[i].period == p1)) &&
        (anchor < 0 || score[i] < score[anchor]))
      anchor = i;
    if (pick[0] < 0 || score[i] < score[pick[0]]) {
      pick[1] = pick[0], pick[0] = i;
    } else if (pick[1] < 0 || score[i] < score[pick[1]]) {
      pick[1] = i;
    }
  }
  if (pick[0] < 0) pick[0] = 0;
  int np = pick[1] >= 0 ? 2 : 1;
  if (anchor >= 0 && anchor != pick[0] && anchor != pick[1]) pick[np++] = anchor;
  return np;
}

double rnn_combine(int fc_flags, const double *f, int n, int net) {
  for (int i = 0; i < n; i++) /* not finite: an error (predict.c rule 7) */
    if (!isfinite(f[i])) return f[i];
  if (fc_flags & RNN_FC_MEDIAN && n == 3) {
    double a = f[0], b = f[1], c = f[2];
    double lo = a < b ? a : b, hi = a < b ? b : a;
    return c < lo ? lo : c > hi ? hi : c;
  }
  /* Format 4's mean, in its order: the network's share last. */
  double sum = 0.0;
  for (int i = 0; i < n; i++)
    if (i != net) sum += f[i] / n;
  return net >= 0 ? sum + 1.0 / n * f[net] : sum;
}

/* The errors (NaN where the truth is unknown) of the combination of
** candidates pick[0..np-1] at origins [from, to), clamped by rule 4 over
** the last R rows, into err (origins, K). */
static void combination_errors(const rnn_model *m, const double *F, int origins,
                               int K, const rnn_component *cand,
                               const int *pick, int np, int R,
                               const double *v, size_t n, int C,
                               const size_t *origin, int from, int to,
                               double *g, double *err) {
  int net = -1;
  for (int i = 0; i < np; i++)
    if (cand[pick[i]].kind == RNN_COMP_NETWORK) net = i;
  for (int j = from; j < to; j++) {
    for (int s = 0; s < K; s++) {
      double f[RNN_MAX_COMPONENTS];
      for (int i = 0; i < np; i++) f[i] = F[((size_t)pick[i] * origins + j) * K + s];
      g[s] = rnn_combine(np == 3 ? RNN_FC_MEDIAN : 0, f, np, net);
    }
    size_t r = (size_t)R < origin[j] ? (size_t)R : origin[j];
    rnn_clamp_forecast(m, v + (origin[j] - r) * C, r, C, g, K);
    for (int s = 0; s < K; s++)
      err[(size_t)j * K + s] =
          origin[j] + s < n ? v[(origin[j] + s) * C] - g[s] : NAN;
  }
}

/* The forecasts F (nc, origins, K) of the candidates cand from every
** origin of v (n rows of stride C); the network's are netf's. A profile
** on logarithms reads them from one pass over v. */
static rnn_status candidate_forecasts(const rnn_component *cand, int nc,
                                      const double *v, size_t n, int C, int logs,
                                      const size_t *origin, int origins,
                                      const double *netf, int K, double *F) {
  double *ly = NULL;
  for (int i = 0; i < nc && logs && !ly; i++)
    if (rnn_component_cycles(cand[i].kind)) {
      if (!(ly = rnn_malloc((n ? n : 1) * sizeof *ly))) return RNN_ENOMEM;
      rnn_det_logs(v, (size_t)C, n, ly);
    }
  for (int i = 0; i < nc; i++)
    for (int j = 0; j < origins; j++) {
      double *f = F + ((size_t)i * origins + j) * K;
      if (cand[i].kind == RNN_COMP_NETWORK)
        memcpy(f, netf + (size_t)j * K, (size_t)K * sizeof *f);
      else
        rnn_component_forecast_ly(&cand[i], v, ly, origin[j], C, logs, K, f);
    }
  rnn_free(ly);
  return RNN_OK;
}

/* Rule 6: the candidates m holds, scored again on new origins, their old
** scores carried as the weight their origins would have now. */
rnn_status rnn_rescore_components(rnn_model *m, const double *v, size_t n,
                                  int C, const size_t *origin, int origins,
                                  const double *netf, int K, size_t shift) {
  int nc = m->n_cand, H = m->arch.output < K ? m->arch.output : K;
  if (nc == 0 || origins < 1) return RNN_OK; /* the network alone */
  double *F = rnn_malloc(((size_t)nc * origins * K + 1) * sizeof *F);
  if (!F) return RNN_ENOMEM;
  if (candidate_forecasts(m->cand, nc, v, n, C, m->fc_flags & RNN_FC_LOG, origin,
                          origins, netf, K, F)) {
    rnn_free(F);
    return RNN_ENOMEM;
  }
  /* The old origins' weight: H steps at each of the model's N calibration
  ** origins, the latest `shift` rows before the new latest one. */
  double half_life = 4.0 * H, ln2 = 0.69314718055994530942, prior = 0.0;
  int N = m->cal_origins > 0 ? m->cal_origins : 1;
  N = N < 200 ? N : 200; /* training keeps at most 200 origins (train.c) */
  for (int j = 0; j < N; j++)
    prior += H * rnn_det_exp(-ln2 * ((double)shift + j) / half_life);
  for (int i = 0; i < nc; i++) {
    double sum = 0.0, weight = 0.0;
    for (int j = 0; j < origins; j++) {
      const double *f = F + ((size_t)i * origins + j) * K;
      double w = rnn_det_exp(-ln2 * (double)(origin[origins - 1] - origin[j]) / half_life);
      for (int s = 0; s < H && origin[j] + s < n; s++) {
        sum += w * fabs(v[(origin[j] + s) * C] - f[s]);
        weight += w;
      }
    }
    double old = m->cand_mae[i];
    /* A candidate that reads more rows than the series holds could not
    ** be stored with the tail (blob.c rule 7): not a member. */
    const rnn_component *c = &m->cand[i];
    int reads_what_there_is = rnn_component_cycles(c->kind) ||
                              c->kind == RNN_COMP_SMOOTH;
    int fits = (size_t)c->period <= n &&
               (reads_what_there_is || (size_t)rnn_component_rows(c) <= n);
    m->cand_mae[i] = isnan(sum) || !(old < INFINITY) || !fits
                         ? INFINITY
                         : (sum + prior * old) / (weight + prior);
  }
  rnn_free(F);
  int pick[3];
  m->n_comp = choose(m->cand, nc, m->period, m->cand_mae, pick);
  m->fc_flags = (m->fc_flags & ~RNN_FC_MEDIAN) | (m->n_comp == 3 ? RNN_FC_MEDIAN : 0);
  for (int i = 0; i < m->n_comp; i++) m->comp[i] = m->cand[pick[i]];
  return RNN_OK;
}

rnn_status rnn_choose_components(rnn_model *m, const double *v, size_t n,
                                 int C, const size_t *origin, int origins,
                                 const double *netf, int K, int p2,
                                 double *err, double *cal) {
  int H = m->arch.output < K ? m->arch.output : K;
  rnn_component cand[RNN_MAX_CANDIDATES];
  int nc = rnn_candidates(cand, m->period, p2, H, origin[0], netf != NULL);
  double *F = rnn_malloc(((size_t)nc * origins * K + K) * sizeof *F);
  if (!F) return RNN_ENOMEM;
  double *g = F + (size_t)nc * origins * K;
  if (candidate_forecasts(cand, nc, v, n, C, m->fc_flags & RNN_FC_LOG, origin,
                          origins, netf, K, F)) {
    rnn_free(F);
    return RNN_ENOMEM;
  }
  /* Rule 3 on every origin: the model's components. */
  int pick[3];
  double *score = m->cand_mae;
  m->n_cand = nc;
  memcpy(m->cand, cand, (size_t)nc * sizeof *cand);
  score_candidates(F, nc, origins, K, H, v, n, C, origin, 0, origins, score);
  m->n_comp = choose(cand, nc, m->period, score, pick);
  if (m->n_comp == 3) m->fc_flags |= RNN_FC_MEDIAN;
  int R = m->arch.window;
  for (int i = 0; i < m->n_comp; i++) {
    m->comp[i] = cand[pick[i]];
    int rows = rnn_component_rows(&m->comp[i]);
    R = rows > R ? rows : R;
  }
  combination_errors(m, F, origins, K, cand, pick, m->n_comp, R, v, n, C, origin, 0,
                     origins, g, err);
  /* Rule 5: each half of the origins is forecast by the combination chosen
  ** on the other half, so the calibration errors are not those the choice
  ** was made to minimise. */
  if (origins < 4) {
    memcpy(cal, err, (size_t)origins * K * sizeof *cal);
  } else {
    int mid = origins / 2, halves[2][2] = {{0, mid}, {mid, origins}};
    double half_score[RNN_MAX_CANDIDATES];
    for (int h = 0; h < 2; h++) {
      const int *other = halves[1 - h];
      score_candidates(F, nc, origins, K, H, v, n, C, origin, other[0],
                       other[1], half_score);
      int np = choose(cand, nc, m->period, half_score, pick);
      combination_errors(m, F, origins, K, cand, pick, np, R, v, n, C, origin,
                         halves[h][0], halves[h][1], g, cal);
    }
  }
  rnn_free(F);
  return RNN_OK;
}

/* Rule 7: how well the simple candidates forecast v (no network): the
** combination rule 3 chooses among them, its absolute errors over the
** first H steps weighted as rule 3 weighs origins. m is read, not changed
** (a copy chooses); log: profiles on logarithms. NaN: nothing to score. */
rnn_status rnn_simple_score(const rnn_model *m, const double *v, size_t n,
                            int C, const size_t *origin, int origins, int K,
                            int p2, int log, double *score) {
  rnn_model s = *m;
  s.fc_flags = (m->fc_flags & ~(RNN_FC_LOG | RNN_FC_MEDIAN)) | (log ? RNN_FC_LOG : 0);
  *score = NAN;
  double *err = rnn_malloc(2 * ((size_t)origins * K + 1) * sizeof *err);
  if (!err) return RNN_ENOMEM;
  rnn_status rc = rnn_choose_components(&s, v, n, C, origin, origins, NULL, K,
                                        p2, err, err + (size_t)origins * K + 1);
  int H = m->arch.output < K ? m->arch.output : K;
  double half_life = 4.0 * H, ln2 = 0.69314718055994530942, sum = 0, weight = 0;
  for (int j = 0; rc == RNN_OK && j < origins; j++) {
    double w = rnn_det_exp(-ln2 * (double)(origin[origins - 1] - origin[j]) / half_life);
    for (int t = 0; t < H && origin[j] + t < n; t++)
      sum += w * fabs(err[(size_t)j * K + t]), weight += w;
  }
  if (rc == RNN_OK && weight > 0) *score = sum / weight;
  rnn_free(err);
  return rc;
}
