/*
** Timestamps: ISO-8601 dates and date-times as milliseconds since
** 1970-01-01 (proleptic Gregorian, no time zones), and their ordering.
**
** Rules:
**   1. Accepted: YYYY-MM-DD, then optionally ' ' or 'T' and HH:MM, HH:MM:SS
**      or HH:MM:SS.f (1 to 3 fraction digits), then optionally 'Z'.
**   2. Fields are range-checked against the calendar (leap years included).
**   3. Nothing else is a date: no surrounding spaces, no offsets.
*/
#include <string.h>

#include "rnn.h"

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

/* Reads exactly n digits at s. */
static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

rnn_status rnn_ts_parse_iso(const char *s, size_t len, rnn_ts *out) {
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  size_t p = 10;
  int has_time = 0;
  /* Rule 1: the date. */
  if (len < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
      s[7] != '-' || !digits(s + 8, 2, &d))
    return RNN_EINVAL;
  if (p < len && (s[p] == ' ' || s[p] == 'T')) {
    has_time = 1;
    if (len < p + 6 || !digits(s + p + 1, 2, &h) || s[p + 3] != ':' ||
        !digits(s + p + 4, 2, &mi))
      return RNN_EINVAL;
    p += 6;
    if (p < len && s[p] == ':') {
      if (len < p + 3 || !digits(s + p + 1, 2, &sec)) return RNN_EINVAL;
      p += 3;
      if (p < len && s[p] == '.') {
        int n = 0;
        p++;
        while (p < len && n < 3 && s[p] >= '0' && s[p] <= '9') {
          ms = ms * 10 + (s[p++] - '0');
          n++;
        }
        if (n == 0) return RNN_EINVAL;
        for (; n < 3; n++) ms *= 10;
      }
    }
    if (p < len && s[p] == 'Z') p++;
  }
  /* Rule 3. */
  if (p != len) return RNN_EINVAL;
  /* Rule 2. */
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || sec > 59)
    return RNN_EINVAL;
  int64_t days = days_from_civil(y, mo, d);
  out->kind = has_time ? RNN_TS_DATETIME : RNN_TS_DATE;
  out->i = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000 + ms;
  out->r = (double)out->i;
  return RNN_OK;
}

int rnn_ts_cmp(const rnn_ts *a, const rnn_ts *b) {
  if (a->kind != RNN_TS_REAL && b->kind != RNN_TS_REAL)
    return (a->i > b->i) - (a->i < b->i);
  return (a->r > b->r) - (a->r < b->r);
}

void rnn_ts_civil(int64_t ms, rnn_civil *c) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t rem = ms - days * 86400000;
  /* civil_from_days (Howard Hinnant). */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
  c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
  c->year = yoe + era * 400 + (c->month <= 2);
  c->hour = (int)(rem / 3600000);
  c->minute = (int)(rem / 60000 % 60);
  c->second = (int)(rem / 1000 % 60);
  c->milli = (int)(rem % 1000);
}
