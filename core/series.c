/*
** Preparing a series for training: missing values and the automatic window.
**
** Rules:
**   1. Missing values (NaN) between two known values are linearly
**      interpolated; before the first or after the last known value they
**      take the nearest known value.
**   2. The seasonal period: difference the series once (removing a trend),
**      take the autocorrelation at lags 2 .. min(n/3, RNN_MAX_WINDOW), find
**      its local peaks above 2/sqrt(n), and use the first (smallest lag)
**      that reaches 80% of the highest: multiples of a period peak as well,
**      sometimes a little higher. None: 1.
**   3. window "auto" is the seasonal period; without one, min(8, n/3), at
**      least 1.
*/
#include <math.h>

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

int rnn_auto_window(const double *y, size_t n) {
  return rnn_window_for_period(rnn_seasonal_period(y, n), n);
}

/* ac[k .. k+3] = the autocorrelations of the differences at lags k .. k+3
** (0 at lags of m or more): four lags in one pass over the series, each
** still summed term by term in ascending order. */
static void acf4(const double *y, size_t m, double mean, double var, int k,
                 double *ac) {
#define D(i) (y[(i) + 1] - y[(i)] - mean)
  size_t end[4];
  for (int j = 0; j < 4; j++)
    end[j] = (size_t)(k + j) < m ? m - (size_t)(k + j) : 0;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i < end[3]; i++) { /* every lag has term i */
    double d = D(i);
    s0 += d * D(i + k), s1 += d * D(i + k + 1);
    s2 += d * D(i + k + 2), s3 += d * D(i + k + 3);
  }
  for (size_t t = i; t < end[0]; t++) s0 += D(t) * D(t + k);
  for (size_t t = i; t < end[1]; t++) s1 += D(t) * D(t + k + 1);
  for (size_t t = i; t < end[2]; t++) s2 += D(t) * D(t + k + 2);
  ac[k] = s0 / var, ac[k + 1] = s1 / var, ac[k + 2] = s2 / var, ac[k + 3] = s3 / var;
#undef D
}

/* Rule 2. Works on the differences in place (no allocation, so the
** choice cannot depend on memory pressure). */
int rnn_seasonal_period(const double *y, size_t n) {
  if (n < 8) return 1;
  size_t m = n - 1;
  int maxlag = (int)(n / 3);
  if (maxlag > RNN_MAX_WINDOW) maxlag = RNN_MAX_WINDOW;
  double mean = (y[n - 1] - y[0]) / (double)m, var = 0.0;
  for (size_t i = 0; i < m; i++) {
    double d = y[i + 1] - y[i] - mean;
    var += d * d;
  }
  if (!(var > 0)) return 1;
  /* Local peaks above the significance bound; the first one within 80% of
  ** the highest is the fundamental period (its multiples peak too). The
  ** autocorrelations ac[1 ..] are computed as the scan needs them. */
  double ac[RNN_MAX_WINDOW + 8];
  int have = 0; /* ac[1 .. have] are known */
  int peaks[64], np = 0;
  double peak_r[64], top = 0.0, bound = 2.0 / sqrt((double)n);
  for (int k = 2; k <= maxlag && np < 64; k++) {
    while (have < k + 1) {
      acf4(y, m, mean, var, have + 1, ac);
      have += 4;
    }
    double r = ac[k];
    if (r > ac[k - 1] && r >= ac[k + 1] && r > bound) {
      peaks[np] = k;
      peak_r[np++] = r;
      if (r > top) top = r;
    }
  }
  int best = 0;
  for (int i = 0; i < np && !best; i++)
    if (peak_r[i] >= 0.8 * top) best = peaks[i];
  return best ? best : 1;
}
