/*
** Calendar columns (option calendar): covariates computed from date ts,
** known for the forecast steps too.
**
** Rules:
**   1. Three groups, each a few Fourier terms (cos, sin) of a position in
**      a cycle, appended after the caller's covariates in this order:
**      - hour of day (the time of day / 24 h), harmonics 1 and 2, when the
**        step is shorter than a day: 4 columns;
**      - day of week (Monday 0 .. Sunday 6, / 7), harmonics 1 to 3, which
**        span every pattern over the seven days (a weekend), when the step
**        is shorter than a week: 6 columns;
**      - time of year (the day of the year / 365.25, or for month steps
**        the month / 12), harmonics 1 and 2, when the step is a day or
**        longer and shorter than a year: 4 columns. (Not for shorter
**        steps: such series seldom span the years a yearly cycle needs,
**        and on 12 weeks of half-hours its terms were fitted as a trend
**        that the forecast then ran along.)
**   2. Only a regular series of dates or date-times has them: a step of
**      minutes, hours, days or weeks (a fixed duration), or of months.
**   3. They are covariates like the caller's (core/xreg.c fits their
**      effect; the network reads them): the model keeps the option, and
**      the columns follow from its step, so they need no room in the BLOB.
*/
#include <math.h>

#include "nn.h"

#define DAY_MS 86400000LL

enum { CAL_DAY = 1, CAL_WEEK = 2, CAL_YEAR = 4 };

/* Rule 1: the groups a step has. */
static int groups(const rnn_step *s) {
  if (s->kind == RNN_STEP_MONTHS) return s->months < 12 ? CAL_YEAR : 0;
  if (s->kind != RNN_STEP_MILLIS || s->millis <= 0) return 0;
  int g = 0;
  if (s->millis < DAY_MS) g |= CAL_DAY;
  if (s->millis < 7 * DAY_MS) g |= CAL_WEEK;
  if (s->millis >= DAY_MS && s->millis < 365 * DAY_MS) g |= CAL_YEAR;
  return g;
}

int rnn_calendar_columns(const rnn_step *s) {
  int g = groups(s);
  return (g & CAL_DAY ? 4 : 0) + (g & CAL_WEEK ? 6 : 0) + (g & CAL_YEAR ? 4 : 0);
}

/* Harmonics 1..n of the fraction f of a cycle: cos, sin pairs. */
static double *fourier(double *out, double f, int n) {
  const double tau = 6.28318530717958647692;
  for (int h = 1; h <= n; h++) {
    /* sin(pi) is 1.2e-16, not 0: a column that should not move would be
    ** noise the effect's fit standardises (a 12-hour step). */
    double c = cos(tau * h * f), s = sin(tau * h * f);
    *out++ = fabs(c) < 1e-12 ? 0.0 : c;
    *out++ = fabs(s) < 1e-12 ? 0.0 : s;
  }
  return out;
}

static int leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

void rnn_calendar_row(const rnn_step *s, const rnn_ts *t, double *out) {
  int g = groups(s);
  int64_t ms = t->i;
  rnn_civil c;
  rnn_ts_civil(ms, &c);
  int64_t day = ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
  if (g & CAL_DAY) {
    double into = (double)(ms - day * DAY_MS) / (double)DAY_MS;
    out = fourier(out, into, 2);
  }
  if (g & CAL_WEEK) {
    int dow = (int)(((day + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    out = fourier(out, dow / 7.0, 3);
  }
  if (g & CAL_YEAR) {
    double f;
    if (s->kind == RNN_STEP_MONTHS) {
      f = (c.month - 1) / 12.0;
    } else {
      static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
      int doy = before[c.month - 1] + c.day - 1 + (c.month > 2 && leap(c.year));
      f = doy / 365.25;
    }
    fourier(out, f, 2);
  }
}

int rnn_model_calendar(const rnn_model *m) {
  return m->opts.calendar ? rnn_calendar_columns(&m->step) : 0;
}
