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

int rnn_auto_window(const double *y, size_t n) {
  return rnn_window_for_period(rnn_seasonal_period(y, n), n);
}

/* ac[k .. k+15] = the autocorrelations of the differences at lags k ..
** k+15 (0 at lags of m or more), each summed term by term in ascending
** order. Many lags per pass over the series: each lag's sum is one chain of
** dependent additions, so several are needed to keep the CPU busy. With d,
** the precomputed differences, pairs of lags are the lanes of a vector
** (lane-wise multiply and add: the same sums); without, four scalar sums
** at a time. */
typedef double v2d __attribute__((vector_size(16)));

static void acf16(const double *y, const double *d, size_t m, double mean,
                  double var, int k, double *ac) {
#define D(i) (y[(i) + 1] - y[(i)] - mean)
  size_t end[16];
  double s[16] = {0};
  for (int j = 0; j < 16; j++)
    end[j] = (size_t)(k + j) < m ? m - (size_t)(k + j) : 0;
  size_t i = 0;
  if (d) {
    /* Eight accumulators of two lanes (SSE2 registers in any x86-64
    ** build): lags k + 2q and k + 2q + 1 in a<q>. */
    v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,
        a7 = a0;
#define LANE(q, a) \
  do { v2d x; memcpy(&x, n + 2 * (q), sizeof x); a += di * x; } while (0)
    for (; i < end[15]; i++) { /* every lag has term i */
      const double *n = d + i + k;
      v2d di = {d[i], d[i]};
      LANE(0, a0); LANE(1, a1); LANE(2, a2); LANE(3, a3);
      LANE(4, a4); LANE(5, a5); LANE(6, a6); LANE(7, a7);
    }
#undef LANE
    v2d all[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (int q = 0; q < 8; q++) s[2 * q] = all[q][0], s[2 * q + 1] = all[q][1];
  } else {
    for (int q = 0; q < 16; q += 4) {
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (i = 0; i < end[15]; i++) {
        double di = D(i);
        s0 += di * D(i + k + q), s1 += di * D(i + k + q + 1);
        s2 += di * D(i + k + q + 2), s3 += di * D(i + k + q + 3);
      }
      s[q] = s0, s[q + 1] = s1, s[q + 2] = s2, s[q + 3] = s3;
    }
  }
  for (int j = 0; j < 15; j++)
    for (size_t t = i; t < end[j]; t++) s[j] += D(t) * D(t + k + j);
  for (int j = 0; j < 16; j++) ac[k + j] = s[j] / var;
#undef D
}

/* Rule 2. The differences are precomputed when memory allows, else
** computed where needed: the same values either way, so the choice cannot
** depend on memory pressure. */
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
  double ac[RNN_MAX_WINDOW + 20];
  int have = 0; /* ac[1 .. have] are known */
  double *d = rnn_malloc(m * sizeof *d);
  if (d)
    for (size_t i = 0; i < m; i++) d[i] = y[i + 1] - y[i] - mean;
  int peaks[64], np = 0;
  double peak_r[64], top = 0.0, bound = 2.0 / sqrt((double)n);
  for (int k = 2; k <= maxlag && np < 64; k++) {
    while (have < k + 1) {
      acf16(y, d, m, mean, var, have + 1, ac);
      have += 16;
    }
    double r = ac[k];
    if (r > ac[k - 1] && r >= ac[k + 1] && r > bound) {
      peaks[np] = k;
      peak_r[np++] = r;
      if (r > top) top = r;
    }
  }
  rnn_free(d);
  int best = 0;
  for (int i = 0; i < np && !best; i++)
    if (peak_r[i] >= 0.8 * top) best = peaks[i];
  return best ? best : 1;
}
