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
int rnn_auto_window(const double *y, size_t n) {
  int p = rnn_seasonal_period(y, n);
  if (p > 1) return p;
  int fallback = (int)(n / 3 < 8 ? n / 3 : 8);
  return fallback < 1 ? 1 : fallback;
}

/* Rule 2. Works on the differences in place (no allocation, so the
** choice cannot depend on memory pressure). */
int rnn_seasonal_period(const double *y, size_t n) {
  if (n < 8) return 1;
  size_t m = n - 1;
  int maxlag = (int)(n / 3);
  if (maxlag > RNN_MAX_WINDOW) maxlag = RNN_MAX_WINDOW;
#define D(i) (y[(i) + 1] - y[(i)] - mean)
  double mean = (y[n - 1] - y[0]) / (double)m, var = 0.0;
  for (size_t i = 0; i < m; i++) var += D(i) * D(i);
  /* Local peaks above the significance bound; the first one within 80% of
  ** the highest is the fundamental period (its multiples peak too). */
  int peaks[64], np = 0;
  double peak_r[64], top = 0.0;
  double bound = 2.0 / sqrt((double)n), prev_r = 1.0, r = 0.0;
  for (int k = 1; k <= maxlag + 1 && var > 0 && np < 64; k++) {
    double next_r = 0.0;
    if ((size_t)k < m) {
      for (size_t i = 0; i + (size_t)k < m; i++) next_r += D(i) * D(i + k);
      next_r /= var;
    }
    /* r is the autocorrelation at lag k-1, prev_r at k-2. */
    if (k - 1 >= 2 && r > prev_r && r >= next_r && r > bound) {
      peaks[np] = k - 1;
      peak_r[np++] = r;
      if (r > top) top = r;
    }
    prev_r = r;
    r = next_r;
  }
  int best = 0;
  for (int i = 0; i < np && !best; i++)
    if (peak_r[i] >= 0.8 * top) best = peaks[i];
#undef D
  return best ? best : 1;
}
