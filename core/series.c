/*
** Preparing a series for training: missing values and the automatic window.
**
** Rules:
**   1. Missing values (NaN) between two known values are linearly
**      interpolated; before the first or after the last known value they
**      take the nearest known value.
**   2. The seasonal periods: (a) remove the least-squares line (a
**      trend), (b) take the autocorrelations at lags up to min(n/3,
**      RNN_MAX_PERIOD), (c) find the peaks at lags >= 3: local maxima above
**      2/sqrt(n) that rise at least max(0.1, 4/sqrt(n)) above the lowest
**      autocorrelation between a quarter and three quarters of their lag
**      (a cycle dips half-way; noise that merely lowers lag 1 does not),
**      and take the first that reaches 80% of the highest (the cycle's
**      multiples peak too, sometimes a little higher); (d) refine it to the
**      lag within 2 of it whose first three multiples correlate best.
**      None: 1. (e) The second period is the multiple of the first whose
**      autocorrelation peaks highest (a weekly cycle over a daily one, or
**      just the next day when there is none: the forecaster's validation
**      decides); none: 0. Differencing instead of (a) made
**      noise of standard deviation 0.7 on a daily cycle of amplitude 6 look
**      like period 2.
**   3. window "auto" is the seasonal period; without one, min(8, n/3), at
**      least 1.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"

/* Rule 1. */
int64_t rnn_fill_missing(double *y, size_t n, size_t stride) {
#define Y(i) y[(i) * stride]
  int64_t filled = 0;
  size_t prev = (size_t)-1; /* index of the last known value */
  for (size_t i = 0; i < n; i++) {
    if (isnan(Y(i))) continue;
    if (prev == (size_t)-1) {
      for (size_t j = 0; j < i; j++) Y(j) = Y(i), filled++;
    } else {
      for (size_t j = prev + 1; j < i; j++) {
        double f = (double)(j - prev) / (double)(i - prev);
        Y(j) = Y(prev) + f * (Y(i) - Y(prev));
        filled++;
      }
    }
    prev = i;
  }
  if (prev == (size_t)-1) return -1;
  for (size_t j = prev + 1; j < n; j++) Y(j) = Y(prev), filled++;
  return filled;
#undef Y
}

/* Rule 3. */
int rnn_window_for_period(int period, size_t n) {
  if (period > 1) return period;
  int fallback = (int)(n / 3 < 8 ? n / 3 : 8);
  return fallback < 1 ? 1 : fallback;
}

/* ac[k] for k = 0 .. K: the autocorrelations of d[0..n-1] (mean zero).
** Each lag's sum is one chain of dependent additions in ascending order of
** i, so many lags go per pass to keep the CPU busy: eight vectors of
** lags, each lane one lag (lane-wise multiply and add, the same sums as
** one lag at a time, whatever the width). The widest build this CPU has
** runs: 64 lags a pass in AVX-512 registers, 32 in AVX2, 16 in the SSE2 of
** any x86-64 build or NEON on aarch64. */
#define MAX_LAGS 64
#define AUTOCORRELATIONS(NAME, TARGET, W)                                     \
  typedef double NAME##_v __attribute__((vector_size(8 * (W))));             \
  TARGET static void NAME(const double *d, size_t n, int K, double *ac,      \
                          double var) {                                      \
    enum { LAGS = 8 * (W) };                                                  \
    for (int k = 0; k <= K; k += LAGS) {                                      \
      NAME##_v a[8];                                                          \
      for (int q = 0; q < 8; q++) a[q] = (NAME##_v){0};                       \
      size_t end = n > (size_t)k + LAGS - 1 ? n - (size_t)k - (LAGS - 1) : 0; \
      size_t i = 0;                                                           \
      for (; i < end; i++) { /* every lag has term i */                       \
        const double *e = d + i + k;                                          \
        NAME##_v di = (NAME##_v){0} + d[i], x;                                \
        for (int q = 0; q < 8; q++) {                                         \
          memcpy(&x, e + (W) * q, sizeof x);                                  \
          a[q] += di * x;                                                     \
        }                                                                     \
      }                                                                       \
      for (int j = 0; j < LAGS && k + j <= K; j++) {                          \
        double s = a[j / (W)][j % (W)];                                       \
        for (size_t t = i; t + (size_t)(k + j) < n; t++)                      \
          s += d[t] * d[t + k + j];                                           \
        ac[k + j] = var > 0 ? s / var : 0.0;                                  \
      }                                                                       \
    }                                                                         \
  }
RNN_DOUBLE_BUILDS(AUTOCORRELATIONS, autocorrelations)

void rnn_autocorrelations(const double *d, size_t n, int K, double *ac) {
  double var = 0.0;
  for (size_t i = 0; i < n; i++) var += d[i] * d[i];
  RNN_WIDEST(autocorrelations, (d, n, K, ac, var));
}

/* Rule 2 (c): a peak at lag k whose autocorrelation rises clearly above
** the trough between k/4 and 3k/4, as a cycle of length k makes it. */
static int is_peak(const double *ac, int k, double bound) {
  if (!(ac[k] > ac[k - 1] && ac[k] >= ac[k + 1] && ac[k] > bound)) return 0;
  int lo = k / 4 < 2 ? 2 : k / 4, hi = 3 * k / 4 < lo ? lo : 3 * k / 4;
  double trough = ac[lo];
  for (int j = lo + 1; j <= hi; j++) trough = ac[j] < trough ? ac[j] : trough;
  return ac[k] - trough > (2 * bound > 0.1 ? 2 * bound : 0.1);
}

/* Rule 2 (d): the lag near p (p-2 .. p+2) whose first three multiples
** correlate best on average; the smallest on ties. */
static int refine_period(const double *ac, int p, int maxlag) {
  int best = p;
  double top = -INFINITY;
  for (int k = p - 2 < 3 ? 3 : p - 2; k <= p + 2 && k <= maxlag; k++) {
    double sum = 0.0;
    int cnt = 0;
    for (int j = 1; j <= 3 && j * k <= maxlag; j++) sum += ac[j * k], cnt++;
    if (sum / cnt > top) top = sum / cnt, best = k;
  }
  return best;
}

rnn_status rnn_seasonal_periods(const double *y, size_t n, int *p1, int *p2) {
  *p1 = 1, *p2 = 0;
  if (n < 8) return RNN_OK;
  int maxlag = (int)(n / 3);
  if (maxlag > RNN_MAX_PERIOD) maxlag = RNN_MAX_PERIOD;
  double *d = rnn_malloc(n * sizeof *d);
  double *ac = rnn_malloc(((size_t)maxlag + MAX_LAGS + 2) * sizeof *ac);
  if (!d || !ac) {
    rnn_free(d);
    rnn_free(ac);
    return RNN_ENOMEM;
  }
  /* (a) Remove the least-squares line. */
  double tm = (double)(n - 1) / 2, ym = 0.0, sty = 0.0, stt = 0.0;
  for (size_t i = 0; i < n; i++) ym += y[i];
  ym /= (double)n;
  for (size_t i = 0; i < n; i++) {
    double t = (double)i - tm;
    sty += t * (y[i] - ym), stt += t * t;
  }
  double slope = sty / stt;
  for (size_t i = 0; i < n; i++) d[i] = y[i] - ym - slope * ((double)i - tm);
  /* (b) */
  rnn_autocorrelations(d, n, maxlag + 1, ac);
  double bound = 2.0 / sqrt((double)n), top = 0.0;
  int first = 0;
  for (int k = 3; k <= maxlag; k++)
    if (is_peak(ac, k, bound) && ac[k] > top) top = ac[k];
  for (int k = 3; k <= maxlag && !first; k++)
    if (is_peak(ac, k, bound) && ac[k] >= 0.8 * top) first = k;
  if (first) {
    *p1 = refine_period(ac, first, maxlag);
    /* (e) A longer cycle: the multiple of p1 that correlates best among
    ** those that are peaks. */
    double best = -INFINITY;
    for (int k = 2 * *p1; k <= maxlag; k += *p1)
      if (is_peak(ac, k, bound) && ac[k] > best) best = ac[k], *p2 = k;
  }
  rnn_free(d);
  rnn_free(ac);
  return RNN_OK;
}
