/*
** Preparing a series for training: missing values and the automatic window.
**
** Rules:
**   1. Missing values (NaN) between two known values are linearly
**      interpolated; before the first or after the last known value they
**      take the nearest known value.
**   2. window "auto": difference the series once (removing a trend), take
**      the autocorrelation at lags 2 .. min(n/3, RNN_MAX_WINDOW), and use the
**      lag of the highest local peak above 2/sqrt(n) (the seasonal period).
**      Without one, use min(8, n/3), at least 1.
*/
#include <math.h>

#include "alloc.h"
#include "nn.h"

int64_t rnn_fill_missing(double *y, size_t n) {
  int64_t filled = 0;
  size_t prev = (size_t)-1; /* index of the last known value */
  for (size_t i = 0; i < n; i++) {
    if (isnan(y[i])) continue;
    if (prev == (size_t)-1) {
      for (size_t j = 0; j < i; j++) y[j] = y[i], filled++;
    } else {
      for (size_t j = prev + 1; j < i; j++) {
        double f = (double)(j - prev) / (double)(i - prev);
        y[j] = y[prev] + f * (y[i] - y[prev]);
        filled++;
      }
    }
    prev = i;
  }
  if (prev == (size_t)-1) return -1;
  for (size_t j = prev + 1; j < n; j++) y[j] = y[prev], filled++;
  return filled;
}

int rnn_auto_window(const double *y, size_t n) {
  int fallback = (int)(n / 3 < 8 ? n / 3 : 8);
  if (fallback < 1) fallback = 1;
  if (n < 8) return fallback;
  size_t m = n - 1;
  int maxlag = (int)(n / 3);
  if (maxlag > RNN_MAX_WINDOW) maxlag = RNN_MAX_WINDOW;
  double *d = rnn_malloc(m * sizeof *d);
  if (!d) return fallback;
  double mean = 0.0;
  for (size_t i = 0; i < m; i++) mean += d[i] = y[i + 1] - y[i];
  mean /= (double)m;
  double var = 0.0;
  for (size_t i = 0; i < m; i++) {
    d[i] -= mean;
    var += d[i] * d[i];
  }
  int best = 0;
  double best_r = 2.0 / sqrt((double)n), prev_r = 1.0, r = 0.0;
  for (int k = 1; k <= maxlag + 1 && var > 0; k++) {
    double next_r = 0.0;
    if ((size_t)k < m) {
      for (size_t i = 0; i + (size_t)k < m; i++) next_r += d[i] * d[i + k];
      next_r /= var;
    }
    /* r is the autocorrelation at lag k-1, prev_r at k-2. */
    if (k - 1 >= 2 && r > prev_r && r >= next_r && r > best_r) {
      best_r = r;
      best = k - 1;
    }
    prev_r = r;
    r = next_r;
  }
  rnn_free(d);
  return best ? best : fallback;
}
