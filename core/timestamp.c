/*
** Timestamps: ISO-8601 dates and date-times as milliseconds since
** 1970-01-01 (proleptic Gregorian, no time zones), their ordering, the
** step of a series and calendar arithmetic.
**
** Parsing rules:
**   1. Accepted: YYYY-MM-DD, then optionally ' ' or 'T' and HH:MM, HH:MM:SS
**      or HH:MM:SS.f (1 to 3 fraction digits), then optionally 'Z'.
**   2. Fields are range-checked against the calendar (leap years included).
**   3. Nothing else is a date: no surrounding spaces, no offsets.
**
** Step rules (rnn_grid), for sorted distinct timestamps:
**   4. Numbers: the step is the smallest difference; the series is regular
**      when every difference is a whole multiple of it (exactly for
**      INTEGER ts, within 1e-6 relative for REAL).
**   5. Dates that all fall on the same day of the month and time of day,
**      or all on the last day of their month at the same time, step in
**      whole months: the smallest difference in months, every difference a
**      multiple of it (month, quarter = 3, year = 12).
**   6. Other dates step by a fixed duration: the smallest difference in
**      milliseconds, every difference a multiple of it (minute, hour, day,
**      week, ...).
**   7. A multiple k > 1 is a gap of k - 1 missing points. Gaps must be the
**      exception: at least half of the differences must be one step.
**      Anything else is irregular: no step, and the rows are taken as
**      consecutive.
**
** Why a series is irregular (rnn_grid_why, for rnn_info), in terms a user
** can act on:
**   8. Dates a median difference of 28 days or more apart that neither all
**      fall on the same day of the month at the same time nor all on month
**      ends, when fewer of them are off the day (or the month ends) and
**      time most of them share than are off rule 9's grid: those are
**      counted and the first named (month_day).
**   9. Otherwise the usual step is the median difference between
**      consecutive ts (in months for dates of rule 5's pattern); most ts
**      lie a whole number of such steps apart (REAL ts within rule 4's
**      tolerance for each), the ones off that grid are counted and the
**      first named (off_grid). One stray time (12:07 in an hourly series)
**      or a run of steps of 1 in a series stepping by 2 reads this way.
**      Differences that overflow, or steps too large to count exactly
**      (over 2^53), are "span"; anything else "other".
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"

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
  int has_time = 0, fmt = 0;
  /* Rule 1: the date. */
  if (len < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
      s[7] != '-' || !digits(s + 8, 2, &d))
    return RNN_EINVAL;
  if (p < len && (s[p] == ' ' || s[p] == 'T')) {
    has_time = 1;
    fmt = RNN_TSF_KNOWN | (s[p] == 'T' ? RNN_TSF_T : 0);
    if (len < p + 6 || !digits(s + p + 1, 2, &h) || s[p + 3] != ':' ||
        !digits(s + p + 4, 2, &mi))
      return RNN_EINVAL;
    p += 6;
    if (p < len && s[p] == ':') {
      if (len < p + 3 || !digits(s + p + 1, 2, &sec)) return RNN_EINVAL;
      p += 3;
      fmt |= RNN_TSF_SECONDS;
      if (p < len && s[p] == '.') {
        int n = 0;
        p++;
        fmt |= RNN_TSF_MILLIS;
        while (p < len && n < 3 && s[p] >= '0' && s[p] <= '9') {
          ms = ms * 10 + (s[p++] - '0');
          n++;
        }
        if (n == 0) return RNN_EINVAL;
        for (; n < 3; n++) ms *= 10;
      }
    }
    if (p < len && s[p] == 'Z') p++, fmt |= RNN_TSF_Z;
  }
  /* Rule 3. */
  if (p != len) return RNN_EINVAL;
  /* Rule 2. */
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || sec > 59)
    return RNN_EINVAL;
  int64_t days = days_from_civil(y, mo, d);
  out->kind = has_time ? RNN_TS_DATETIME : RNN_TS_DATE;
  out->fmt = fmt;
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
  /* Floor division without negating ms (INT64_MIN has no negation). */
  int64_t rem = ms % 86400000;
  int64_t days = ms / 86400000 - (rem < 0);
  rem += rem < 0 ? 86400000 : 0;
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

/* 0000-01-01 and 9999-12-31 23:59:59.999: the instants with 4-digit years. */
#define MIN_MILLIS (-62167219200000LL)
#define MAX_MILLIS 253402300799999LL

/* The civil date and time of ms, and whether it is the last day of its
** month. */
static int is_month_end(const rnn_civil *c) {
  return c->day == days_in_month(c->year, c->month);
}

static int64_t time_of_day(int64_t ms) {
  int64_t r = ms % 86400000;
  return r < 0 ? r + 86400000 : r;
}

/* Rule 5: months between a and b when both follow the month pattern. */
static int64_t month_index(const rnn_civil *c) {
  return c->year * 12 + (c->month - 1);
}

/* Rules 4, 6 and 7 on the integer keys ts[].i (INTEGER ts, or the
** milliseconds of dates): the grid length, or 0 when irregular; the step
** in *st. The caller has checked that the span fits an int64. */
static int64_t int_grid(const rnn_ts *ts, size_t n, int64_t *pos, int64_t *st) {
  int64_t s = INT64_MAX;
  for (size_t i = 1; i < n; i++)
    if (ts[i].i - ts[i - 1].i < s) s = ts[i].i - ts[i - 1].i;
  size_t ones = 0;
  for (size_t i = 1; i < n; i++) {
    if ((ts[i].i - ts[0].i) % s != 0) return 0;
    ones += ts[i].i - ts[i - 1].i == s;
  }
  if (2 * ones < n - 1) return 0; /* rule 7 */
  if (pos)
    for (size_t i = 0; i < n; i++) pos[i] = (ts[i].i - ts[0].i) / s;
  *st = s;
  return (ts[n - 1].i - ts[0].i) / s + 1;
}

int64_t rnn_grid(const rnn_ts *ts, size_t n, rnn_step *step, int64_t *pos) {
  memset(step, 0, sizeof *step);
  if (n < 2) return 0;
  int dates = ts[0].kind == RNN_TS_DATE || ts[0].kind == RNN_TS_DATETIME;
  if (!dates) {
    /* Rule 4. */
    int integer = 1;
    for (size_t i = 0; i < n; i++) integer &= ts[i].kind == RNN_TS_INT;
    int64_t span;
    if (integer && __builtin_sub_overflow(ts[n - 1].i, ts[0].i, &span))
      return 0; /* differences do not fit: no step */
    if (integer) {
      int64_t st, len = int_grid(ts, n, pos, &st);
      if (len) *step = (rnn_step){.kind = RNN_STEP_NUMBER, .integer = 1, .num = (double)st};
      return len;
    }
    double st = INFINITY;
    for (size_t i = 1; i < n; i++)
      if (ts[i].r - ts[i - 1].r < st) st = ts[i].r - ts[i - 1].r;
    if (!(st > 0)) return 0;
    size_t ones = 0;
    for (size_t i = 1; i < n; i++) {
      double k = (ts[i].r - ts[0].r) / st;
      if (fabs(k - nearbyint(k)) > 1e-6 * (k > 1 ? k : 1) || k > 9e15) return 0;
      ones += fabs((ts[i].r - ts[i - 1].r) / st - 1.0) <= 1e-6;
    }
    if (2 * ones < n - 1) return 0; /* rule 7 */
    if (pos)
      for (size_t i = 0; i < n; i++)
        pos[i] = (int64_t)nearbyint((ts[i].r - ts[0].r) / st);
    *step = (rnn_step){.kind = RNN_STEP_NUMBER, .num = st};
    return (int64_t)nearbyint((ts[n - 1].r - ts[0].r) / st) + 1;
  }
  /* Rule 5. */
  rnn_civil c0, c;
  rnn_ts_civil(ts[0].i, &c0);
  int same_day = 1, month_end = 1;
  int64_t tod = time_of_day(ts[0].i);
  for (size_t i = 0; i < n; i++) {
    rnn_ts_civil(ts[i].i, &c);
    same_day &= c.day == c0.day && time_of_day(ts[i].i) == tod;
    month_end &= is_month_end(&c) && time_of_day(ts[i].i) == tod;
  }
  if (same_day || month_end) {
    int64_t st = INT64_MAX, prev = month_index(&c0);
    for (size_t i = 1; i < n; i++) {
      rnn_ts_civil(ts[i].i, &c);
      int64_t mi = month_index(&c);
      if (mi - prev < st) st = mi - prev;
      prev = mi;
    }
    int regular = st > 0 && st <= 1200;
    size_t ones = 0;
    prev = month_index(&c0);
    for (size_t i = 1; i < n && regular; i++) {
      rnn_ts_civil(ts[i].i, &c);
      regular = (month_index(&c) - month_index(&c0)) % st == 0;
      ones += month_index(&c) - prev == st;
      prev = month_index(&c);
    }
    regular = regular && 2 * ones >= n - 1; /* rule 7 */
    if (regular) {
      for (size_t i = 0; i < n && pos; i++) {
        rnn_ts_civil(ts[i].i, &c);
        pos[i] = (month_index(&c) - month_index(&c0)) / st;
      }
      *step = (rnn_step){.kind = RNN_STEP_MONTHS, .months = (int)st,
                         .month_end = month_end && !same_day};
      rnn_ts_civil(ts[n - 1].i, &c);
      return (month_index(&c) - month_index(&c0)) / st + 1;
    }
  }
  /* Rule 6. */
  int64_t st, len = int_grid(ts, n, pos, &st);
  if (len) *step = (rnn_step){.kind = RNN_STEP_MILLIS, .millis = st};
  return len;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The value most of v (n, sorted in place) share; ties: the smallest. */
static int64_t mode_i64(int64_t *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_i64);
  int64_t best = v[0];
  size_t best_n = 0;
  for (size_t i = 0, j; i < n; i = j) {
    for (j = i + 1; j < n && v[j] == v[i];) j++;
    if (j - i > best_n) best = v[i], best_n = j - i;
  }
  return best;
}

/* An explanation and how many ts it finds off (the smaller the better). */
typedef struct why_try {
  int reason;
  int64_t count;
  size_t first;
  rnn_step step;
} why_try;

/* Rule 9 on ascending integer keys k (n >= 2) whose span fits an int64;
** w: n scratch values. The step is exact in t.step.num up to 2^53
** (larger: "span"). */
static why_try off_grid(const int64_t *k, size_t n, int64_t *w) {
  why_try t = {RNN_IRR_OFF_GRID, 0, 0, {0}};
  for (size_t i = 1; i < n; i++) w[i - 1] = k[i] - k[i - 1];
  qsort(w, n - 1, sizeof *w, cmp_i64);
  int64_t st = w[(n - 2) / 2];
  if (st > ((int64_t)1 << 53)) {
    t.reason = RNN_IRR_SPAN;
    return t;
  }
  for (size_t i = 0; i < n; i++) w[i] = (k[i] - k[0]) % st;
  int64_t on = mode_i64(w, n);
  for (size_t i = n; i-- > 0;)
    if ((k[i] - k[0]) % st != on) t.count++, t.first = i;
  t.step.num = (double)st; /* the caller says in what unit */
  return t;
}

/* Rule 9 for REAL ts: each one's offset from the first in median steps;
** the grid most are on is the median fraction of a step among those in
** the most common thousandth of a step; a ts is off it by more than
** rnn_grid's tolerance, a millionth of its own number of steps (rule 4).
** w, d: n scratch values each. */
static why_try off_grid_real(const rnn_ts *ts, size_t n, int64_t *w, double *d) {
  why_try t = {RNN_IRR_SPAN, 0, 0, {0}};
  for (size_t i = 1; i < n; i++) d[i - 1] = ts[i].r - ts[i - 1].r;
  rnn_sort_doubles(d, n - 1);
  double st = d[(n - 2) / 2];
  if (!(st > 0) || !((ts[n - 1].r - ts[0].r) / st <= 9e15)) return t;
#define STEPS(i) ((ts[i].r - ts[0].r) / st)
#define FRAC(i) (STEPS(i) - floor(STEPS(i)))
  for (size_t i = 0; i < n; i++) w[i] = (int64_t)(FRAC(i) * 1000) % 1000;
  int64_t on = mode_i64(w, n);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    double f = FRAC(i), b = floor(f * 1000);
    if (fabs(b - (double)on) <= 1) d[m++] = f;
    else if (on == 0 && b == 999) d[m++] = f - 1; /* around a whole step */
    else if (on == 999 && b == 0) d[m++] = f + 1;
  }
  rnn_sort_doubles(d, m);
  double grid = d[m / 2];
  t.reason = RNN_IRR_OFF_GRID;
  for (size_t i = n; i-- > 0;) {
    double k = STEPS(i), off = k - grid;
    off -= nearbyint(off);
    if (fabs(off) > 1e-6 * (k > 1 ? k : 1)) t.count++, t.first = i;
  }
#undef FRAC
#undef STEPS
  t.step = (rnn_step){.kind = RNN_STEP_NUMBER, .num = st};
  return t;
}

/* Rule 8: the dates of ms (n) off the day of the month and time of day
** most share (ends 0), or off the month ends at the time most share
** (ends 1); w: n scratch values. */
static why_try off_month_day(const int64_t *ms, size_t n, int64_t *w, int ends) {
  why_try t = {RNN_IRR_MONTH_DAY, 0, 0, {0}};
  rnn_civil c;
  for (size_t i = 0; i < n; i++) {
    rnn_ts_civil(ms[i], &c);
    w[i] = (ends ? 0 : c.day) * 86400000LL + time_of_day(ms[i]);
  }
  int64_t on = mode_i64(w, n);
  for (size_t i = n; i-- > 0;) {
    rnn_ts_civil(ms[i], &c);
    if ((ends ? !is_month_end(&c) : c.day != on / 86400000LL) ||
        time_of_day(ms[i]) != on % 86400000LL)
      t.count++, t.first = i;
  }
  return t;
}

/* Rules 8 and 9 on dates (n >= 2, a span that fits an int64). */
static why_try dates_why(const rnn_ts *ts, size_t n, int64_t *k, int64_t *w) {
  rnn_civil c;
  for (size_t i = 0; i < n; i++) k[i] = ts[i].i;
  why_try day = off_month_day(k, n, w, 0), end = off_month_day(k, n, w, 1);
  if (day.count == 0 || end.count == 0) { /* rule 5's pattern: a grid of months */
    for (size_t i = 0; i < n; i++) {
      rnn_ts_civil(ts[i].i, &c);
      k[i] = month_index(&c);
    }
    why_try t = off_grid(k, n, w);
    double months = t.step.num;
    t.step = (rnn_step){.kind = RNN_STEP_MONTHS, .months = (int)(months <= 1200 ? months : 0)};
    if (!(months > 0 && months <= 1200)) t.reason = RNN_IRR_SPAN;
    return t;
  }
  why_try t = off_grid(k, n, w); /* a fixed duration */
  t.step = (rnn_step){.kind = RNN_STEP_MILLIS, .millis = (int64_t)t.step.num};
  if (t.step.millis >= 28 * 86400000LL) { /* rule 8: the fewer off */
    why_try m = end.count < day.count ? end : day;
    if (m.count < t.count) return m;
  }
  return t;
}

rnn_status rnn_grid_why(const rnn_ts *ts, size_t n, rnn_irregular *why) {
  memset(why, 0, sizeof *why);
  if (n < 2) return RNN_OK;
  int64_t *k = rnn_malloc(2 * n * sizeof *k), *w = k + n;
  if (!k) return RNN_ENOMEM;
  int dates = ts[0].kind == RNN_TS_DATE || ts[0].kind == RNN_TS_DATETIME;
  int integer = 1;
  for (size_t i = 0; i < n; i++) integer &= ts[i].kind == RNN_TS_INT;
  why_try t = {RNN_IRR_SPAN, 0, 0, {0}};
  int64_t span;
  if ((dates || integer) && __builtin_sub_overflow(ts[n - 1].i, ts[0].i, &span)) {
    /* rule 9's "span" */
  } else if (dates) {
    t = dates_why(ts, n, k, w);
  } else if (integer) {
    for (size_t i = 0; i < n; i++) k[i] = ts[i].i;
    t = off_grid(k, n, w);
    t.step = (rnn_step){.kind = RNN_STEP_NUMBER, .integer = 1, .num = t.step.num};
  } else {
    t = off_grid_real(ts, n, w, (double *)k);
  }
  if (t.reason == RNN_IRR_OFF_GRID && t.count == 0) t.reason = RNN_IRR_OTHER;
  why->reason = t.reason;
  if (t.reason == RNN_IRR_OFF_GRID || t.reason == RNN_IRR_MONTH_DAY) {
    why->count = t.count;
    why->rows = (int64_t)n;
    why->at = ts[t.first];
    if (t.reason == RNN_IRR_OFF_GRID) why->step = t.step;
  }
  rnn_free(k);
  return RNN_OK;
}

int64_t rnn_ts_steps(const rnn_ts *origin, const rnn_step *s, const rnn_ts *t) {
  int dates = t->kind == RNN_TS_DATE || t->kind == RNN_TS_DATETIME;
  if (rnn_ts_cmp(t, origin) <= 0 ||
      dates != (origin->kind == RNN_TS_DATE || origin->kind == RNN_TS_DATETIME))
    return 0;
  int64_t k;
  switch (s->kind) {
    case RNN_STEP_NUMBER:
      if (dates) return 0;
      if (s->integer && t->kind == RNN_TS_INT && origin->kind == RNN_TS_INT) {
        int64_t d, st = (int64_t)s->num;
        if (__builtin_sub_overflow(t->i, origin->i, &d) || st < 1 || d % st) return 0;
        return d / st;
      } else {
        double q = (t->r - origin->r) / s->num;
        if (!(q >= 0.5 && q < 9e15) || fabs(q - nearbyint(q)) > 1e-6 * q) return 0;
        return (int64_t)nearbyint(q);
      }
    case RNN_STEP_MILLIS: {
      int64_t d;
      if (!dates || __builtin_sub_overflow(t->i, origin->i, &d) || d % s->millis) return 0;
      return d / s->millis;
    }
    case RNN_STEP_MONTHS: {
      if (!dates || t->i < MIN_MILLIS || t->i > MAX_MILLIS) return 0;
      rnn_civil a, b;
      rnn_ts_civil(origin->i, &a);
      rnn_ts_civil(t->i, &b);
      int64_t d = month_index(&b) - month_index(&a);
      if (d % s->months) return 0;
      k = d / s->months;
      rnn_ts at = rnn_ts_advance(origin, s, k);
      return at.kind != RNN_TS_NONE && at.i == t->i ? k : 0;
    }
    default:
      return 0;
  }
}

rnn_ts rnn_ts_advance(const rnn_ts *origin, const rnn_step *s, int64_t k) {
  rnn_ts t = *origin;
  switch (s->kind) {
    case RNN_STEP_NUMBER:
      if (s->integer && t.kind == RNN_TS_INT) {
        int64_t d;
        if (!(s->num >= 1 && s->num <= 4e18) ||
            __builtin_mul_overflow(k, (int64_t)s->num, &d) ||
            __builtin_add_overflow(t.i, d, &t.i))
          t.kind = RNN_TS_NONE;
        t.r = (double)t.i;
      } else {
        t.kind = RNN_TS_REAL;
        t.r += (double)k * s->num;
      }
      break;
    case RNN_STEP_MILLIS: {
      int64_t d;
      /* Past year 9999 a date has no ISO form: no timestamp. */
      if (__builtin_mul_overflow(k, s->millis, &d) ||
          __builtin_add_overflow(t.i, d, &t.i) || t.i > MAX_MILLIS)
        t.kind = RNN_TS_NONE;
      t.r = (double)t.i;
      break;
    }
    case RNN_STEP_MONTHS: {
      if (t.i < MIN_MILLIS || t.i > MAX_MILLIS) { /* not a date we wrote */
        t.kind = RNN_TS_NONE;
        break;
      }
      rnn_civil c;
      rnn_ts_civil(t.i, &c);
      int64_t mi = month_index(&c) + k * s->months;
      int64_t y = mi / 12 - (mi % 12 < 0);
      int m = (int)(mi - y * 12) + 1;
      int dim = days_in_month(y, m);
      int d = s->month_end || c.day > dim ? dim : c.day;
      t.i = days_from_civil(y, m, d) * 86400000 + time_of_day(t.i);
      if (y > 9999) t.kind = RNN_TS_NONE;
      t.r = (double)t.i;
      break;
    }
    default:
      break;
  }
  return t;
}

void rnn_step_name(const rnn_step *s, char *buf, size_t n) {
  static const struct {
    int64_t ms;
    const char *name;
  } units[] = {{604800000, "week"}, {86400000, "day"}, {3600000, "hour"},
               {60000, "minute"},   {1000, "second"},  {1, "millisecond"}};
  buf[0] = 0;
  if (s->kind == RNN_STEP_MONTHS) {
    if (s->months == 1) snprintf(buf, n, "month");
    else if (s->months == 3) snprintf(buf, n, "quarter");
    else if (s->months == 12) snprintf(buf, n, "year");
    else if (s->months % 12 == 0) snprintf(buf, n, "%d years", s->months / 12);
    else snprintf(buf, n, "%d months", s->months);
  } else if (s->kind == RNN_STEP_MILLIS) {
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
      if (s->millis % units[u].ms == 0) {
        int64_t q = s->millis / units[u].ms;
        if (q == 1) snprintf(buf, n, "%s", units[u].name);
        else snprintf(buf, n, "%lld %ss", (long long)q, units[u].name);
        return;
      }
  }
}
