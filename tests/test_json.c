/*
** The strict JSON reader, the options parser, timestamps and the series
** helpers (missing values, automatic window).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/json.h"
#include "../core/nn.h"
#include "../core/rng.h"
#include "check.h"

static rnn_status parse(const char *s, rnn_json **out, char *msg) {
  rnn_err e = {{0}};
  rnn_status rc = rnn_json_parse(out, s, strlen(s), &e);
  if (msg) strcpy(msg, e.msg);
  return rc;
}

static void test_json_accepts_valid_values(void) {
  const char *ok[] = {"0", "-0", "1.5", "-12.25e+2", "1E-3", "true", "false",
                      "null", "\"\"", "[]", "{}", " [1, [2, [3]], {\"a\": null}] ",
                      "\"\\u00e9\\ud83d\\ude00\\n\"", "\"caf\xc3\xa9\""};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    rnn_json *j = NULL;
    char msg[256];
    EXPECT(parse(ok[i], &j, msg) == RNN_OK, "%s: %s", ok[i], msg);
    rnn_json_free(j);
  }
}

static void test_json_rejects_invalid_values(void) {
  const char *bad[] = {"", " ", "01", "1.", ".5", "+1", "-", "1e", "0x10",
                       "NaN", "Infinity", "tru", "nul", "[1,]", "[1 2]",
                       "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "\"abc", "\"\\x\"",
                       "\"\\ud800\"", "\"\\udc00\"", "\"a\tb\"", "\"\xc3\"",
                       "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "1 2", "[1]]",
                       "1e400", "-1e400", "{\"a\":1}x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rnn_json *j = NULL;
    EXPECT(parse(bad[i], &j, NULL) == RNN_EINVAL, "accepted [%s]", bad[i]);
    EXPECT(j == NULL, "tree left for [%s]", bad[i]);
  }
  char msg[256];
  rnn_json *j;
  parse("[1, 2", &j, msg);
  EXPECT_STR(msg, "invalid JSON at offset 5: expected ',' or ']'");
  parse("{\"a\": tru}", &j, msg);
  EXPECT_STR(msg, "invalid JSON at offset 6: unexpected character");
}

static void test_json_depth_limit(void) {
  char deep[2 * RNN_JSON_MAX_DEPTH + 3];
  rnn_json *j = NULL;
  char msg[256];
  int n = RNN_JSON_MAX_DEPTH;
  for (int i = 0; i < n; i++) deep[i] = '[', deep[n + i] = ']';
  deep[2 * n] = 0;
  EXPECT(parse(deep, &j, msg) == RNN_OK, "depth %d: %s", n, msg);
  rnn_json_free(j);
  n++;
  for (int i = 0; i < n; i++) deep[i] = '[', deep[n + i] = ']';
  deep[2 * n] = 0;
  EXPECT(parse(deep, &j, msg) == RNN_EINVAL, "depth %d accepted", n);
  /* A huge nesting fails quickly rather than exhausting the stack. */
  size_t big = 1000000;
  char *s = malloc(big + 1);
  memset(s, '[', big);
  s[big] = 0;
  EXPECT(parse(s, &j, NULL) == RNN_EINVAL, "deep text accepted");
  free(s);
}

static void test_json_numbers_exact(void) {
  struct {
    const char *text;
    double want;
  } cases[] = {{"0.1", 0.1},          {"112", 112.0},
               {"-3.25", -3.25},      {"1e22", 1e22},
               {"123456789012345678", 123456789012345678.0},
               {"2.5e-3", 2.5e-3},    {"0.000001", 1e-6},
               {"451.2", 451.2},      {"1.7976931348623157e308", 1.7976931348623157e308}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rnn_json *j = NULL;
    parse(cases[i].text, &j, NULL);
    EXPECT(j && j->type == RNN_JSON_NUMBER && j->num == cases[i].want,
           "%s read as %.17g", cases[i].text, j ? j->num : 0.0);
    rnn_json_free(j);
  }
}

/* Numbers as other programs print them, 17 significant digits (%.17g,
** Python's repr and JSON), read back to the same double: 20,000 of them
** from 1e-20 to 1e20, through the long double path (mantissas of 2^53
** and more). */
static void test_json_numbers_round_trip(void) {
  rnn_rng r;
  rnn_rng_seed(&r, 11);
  int bad = 0;
  for (int i = 0; i < 20000; i++) {
    double u = (double)(rnn_rng_next(&r) >> 11) / 9007199254740992.0; /* [0, 1), 53 bits */
    double x = (2.0 * u - 1.0) * pow(10.0, (i % 41) - 20);
    char text[40];
    snprintf(text, sizeof text, "%.17g", x);
    double y = NAN;
    if (rnn_json_number(text, strlen(text), &y) != RNN_OK || y != x) {
      if (bad++ < 3) EXPECT(0, "%s read as %.17g", text, y);
    }
  }
  EXPECT(bad == 0, "%d of 20000 numbers read back differently", bad);
}

static void test_json_strings_and_objects(void) {
  rnn_json *j = NULL;
  parse("{\"k\": \"a\\\"b\\u00e9\", \"n\": [1, null], \"k\": 2}", &j, NULL);
  EXPECT(j && j->type == RNN_JSON_OBJECT && j->len == 3, "object");
  if (!j) return;
  EXPECT_STR(j->child->str, "a\"b\xc3\xa9");
  const rnn_json *k = rnn_json_get(j, "k");
  EXPECT(k && k->type == RNN_JSON_NUMBER && k->num == 2, "last k wins");
  const rnn_json *n = rnn_json_get(j, "n");
  EXPECT(n && n->len == 2 && n->child->next->type == RNN_JSON_NULL, "array");
  EXPECT(rnn_json_get(j, "missing") == NULL, "missing key");
  rnn_json_free(j);
}

static rnn_status opts(const char *s, rnn_options *o, char *msg) {
  rnn_err e = {{0}};
  rnn_options_init(o);
  rnn_status rc = rnn_options_parse(o, s, strlen(s), &e);
  strcpy(msg, e.msg);
  return rc;
}

static void test_options(void) {
  rnn_options o;
  char msg[512];
  EXPECT(opts("{}", &o, msg) == RNN_OK, "%s", msg);
  EXPECT(o.cell == RNN_CELL_LSTM && o.hidden == 32 && o.layers == 1 &&
             o.dropout == 0 && !o.bidirectional && o.window == RNN_WINDOW_AUTO &&
             o.horizon == RNN_HORIZON_AUTO && o.epochs == 200 && o.batch == 32 &&
             o.optimizer == RNN_OPT_ADAM && o.lr == 0.005 && o.clip == 1.0 &&
             o.loss == RNN_LOSS_MSE && o.seed == 0,
         "defaults");
  EXPECT(opts("{\"cell\":\"gru\",\"layers\":3,\"dropout\":0.25,"
              "\"bidirectional\":true,\"horizon\":6,\"optimizer\":\"momentum\","
              "\"loss\":\"huber\"}",
              &o, msg) == RNN_OK,
         "%s", msg);
  EXPECT(o.cell == RNN_CELL_GRU && o.layers == 3 && o.dropout == 0.25 &&
             o.bidirectional && o.horizon == 6 &&
             o.optimizer == RNN_OPT_MOMENTUM && o.loss == RNN_LOSS_HUBER,
         "architecture options");
  EXPECT(o.validation == 0.1 && o.patience == 20 &&
             o.missing == RNN_MISSING_INTERPOLATE && o.duplicates == RNN_DUP_ERROR &&
             o.short_policy == RNN_SHORT_FALLBACK && o.threads == 0 &&
             o.max_seconds == 0 && !o.verbose && o.xreg == RNN_XREG_AUTO && !o.calendar,
         "forecasting defaults");
  EXPECT(opts("{\"validation\":0,\"patience\":5,\"missing\":\"error\","
              "\"duplicates\":\"last\",\"short\":\"null\",\"threads\":2,"
              "\"max_seconds\":1.5,\"verbose\":true,\"xreg\":false,\"calendar\":true}",
              &o, msg) == RNN_OK,
         "%s", msg);
  EXPECT(o.xreg == RNN_XREG_OFF && o.calendar, "xreg false, calendar true");
  EXPECT(o.validation == 0 && o.patience == 5 && o.missing == RNN_MISSING_ERROR &&
             o.duplicates == RNN_DUP_LAST && o.short_policy == RNN_SHORT_NULL &&
             o.threads == 2 && o.max_seconds == 1.5 && o.verbose,
         "forecasting options");
  EXPECT(opts("{\"cell\":\"rnn\",\"activation\":\"relu\",\"hidden\":8,"
              "\"window\":12,\"epochs\":5,\"batch\":4,\"lr\":0.01,\"seed\":42,"
              "\"clip\":0,\"normalize\":\"minmax\"}",
              &o, msg) == RNN_OK,
         "%s", msg);
  EXPECT(o.activation == RNN_ACT_RELU && o.hidden == 8 && o.window == 12 &&
             o.epochs == 5 && o.batch == 4 && o.lr == 0.01 && o.seed == 42 &&
             o.clip == 0 && o.normalize == RNN_NORM_MINMAX,
         "values");
  struct {
    const char *text, *msg;
  } bad[] = {
      {"{\"hiden\":3}",
       "unknown option \"hiden\"; allowed: activation, batch, bidirectional, "
       "calendar, cell, clip, dropout, duplicates, epochs, hidden, horizon, layers, loss, "
       "lr, max_seconds, method, missing, normalize, optimizer, patience, seed, short, "
       "threads, validation, verbose, window, xreg"},
      {"{\"xreg\":\"yes\"}", "option \"xreg\" must be \"auto\", true or false"},
      {"{\"calendar\":1}", "option \"calendar\" must be true or false"},
      {"{\"validation\":0.6}", "option \"validation\" must be a number from 0 to 0.5"},
      {"{\"patience\":0}", "option \"patience\" must be an integer from 1 to 100000"},
      {"{\"missing\":\"drop\"}", "option \"missing\" must be \"interpolate\" or \"error\""},
      {"{\"duplicates\":\"first\"}", "option \"duplicates\" must be \"error\", \"mean\" or \"last\""},
      {"{\"short\":\"skip\"}", "option \"short\" must be \"fallback\", \"error\" or \"null\""},
      {"{\"threads\":-1}", "option \"threads\" must be an integer from 0 to 1024"},
      {"{\"max_seconds\":-2}", "option \"max_seconds\" must be a number of seconds from 0 (no limit) to 1e9"},
      {"{\"verbose\":\"yes\"}", "option \"verbose\" must be true or false"},
      {"{\"cell\":\"transformer\"}", "option \"cell\" must be \"lstm\", \"gru\" or \"rnn\""},
      {"{\"layers\":9}", "option \"layers\" must be an integer from 1 to 8"},
      {"{\"dropout\":0.95}", "option \"dropout\" must be a number from 0 to 0.9"},
      {"{\"bidirectional\":1}", "option \"bidirectional\" must be true or false"},
      {"{\"horizon\":0}", "option \"horizon\" must be \"auto\" or an integer from 1 to 1000"},
      {"{\"loss\":\"cross_entropy\"}", "option \"loss\" must be \"mse\", \"mae\" or \"huber\""},
      {"{\"optimizer\":\"rmsprop\"}", "option \"optimizer\" must be \"adam\", \"sgd\" or \"momentum\""},
      {"{\"hidden\":0}", "option \"hidden\" must be an integer from 1 to 1024"},
      {"{\"hidden\":2.5}", "option \"hidden\" must be an integer from 1 to 1024"},
      {"{\"hidden\":\"8\"}", "option \"hidden\" must be an integer from 1 to 1024"},
      {"{\"window\":0}", "option \"window\" must be \"auto\" or an integer from 1 to 1000"},
      {"{\"lr\":0}", "option \"lr\" must be a number greater than 0 and at most 10"},
      {"{\"clip\":-1}", "option \"clip\" must be a number from 0 (off) to 1e30"},
      {"{\"activation\":\"gelu\"}", "option \"activation\" must be \"tanh\", \"relu\" or \"sigmoid\""},
      {"{\"seed\":-1}", "option \"seed\" must be an integer from 0 to 9007199254740991"},
      {"{\"epochs\":1,\"epochs\":2}", "option \"epochs\" is given twice"},
      {"[1]", "options must be a JSON object"},
      {"{\"a\"", "options are not valid JSON: invalid JSON at offset 4: expected ':'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    EXPECT(opts(bad[i].text, &o, msg) == RNN_EINVAL, "%s accepted", bad[i].text);
    EXPECT_STR(msg, bad[i].msg);
  }
}

/* Calendar columns (core/calendar.c): which a step has, and their values. */
static void test_calendar(void) {
  rnn_step hour = {.kind = RNN_STEP_MILLIS, .millis = 3600000};
  rnn_step day = {.kind = RNN_STEP_MILLIS, .millis = 86400000};
  rnn_step week = {.kind = RNN_STEP_MILLIS, .millis = 7 * 86400000LL};
  rnn_step month = {.kind = RNN_STEP_MONTHS, .months = 1};
  rnn_step quarter = {.kind = RNN_STEP_MONTHS, .months = 3};
  rnn_step year = {.kind = RNN_STEP_MONTHS, .months = 12};
  rnn_step number = {.kind = RNN_STEP_NUMBER, .num = 1};
  EXPECT(rnn_calendar_columns(&hour) == 10 && rnn_calendar_columns(&day) == 10 &&
             rnn_calendar_columns(&week) == 4 && rnn_calendar_columns(&month) == 4 &&
             rnn_calendar_columns(&quarter) == 4 && rnn_calendar_columns(&year) == 0 &&
             rnn_calendar_columns(&number) == 0,
         "column counts");
  const double tau = 6.283185307179586;
  double got[16];
  rnn_ts t;
  /* Saturday 2024-01-06 06:00: a quarter of the day; weekday 5. */
  EXPECT(rnn_ts_parse_iso("2024-01-06 06:00", 16, &t) == RNN_OK, "parse");
  rnn_calendar_row(&hour, &t, got);
  double want[10] = {cos(tau * 0.25), sin(tau * 0.25), cos(tau * 0.5), sin(tau * 0.5)};
  for (int h = 1; h <= 3; h++)
    want[2 + 2 * h] = cos(tau * h * 5 / 7.0), want[3 + 2 * h] = sin(tau * h * 5 / 7.0);
  for (int i = 0; i < 10; i++) EXPECT(fabs(got[i] - want[i]) < 1e-12, "hourly column %d: %g, want %g", i, got[i], want[i]);
  /* 1969-12-29, a Monday before 1970: weekday 0. */
  EXPECT(rnn_ts_parse_iso("1969-12-29", 10, &t) == RNN_OK, "parse");
  rnn_calendar_row(&day, &t, got);
  EXPECT(fabs(got[0] - 1) < 1e-12 && fabs(got[1]) < 1e-12, "Monday: %g %g", got[0], got[1]);
  /* 2024-03-01: day 60 of a leap year. */
  EXPECT(rnn_ts_parse_iso("2024-03-01", 10, &t) == RNN_OK, "parse");
  rnn_calendar_row(&day, &t, got);
  EXPECT(fabs(got[6] - cos(tau * 60 / 365.25)) < 1e-12 && fabs(got[9] - sin(2 * tau * 60 / 365.25)) < 1e-12,
         "day of the year: %g %g", got[6], got[9]);
  /* July of a monthly series: half a year. */
  EXPECT(rnn_ts_parse_iso("2001-07-31", 10, &t) == RNN_OK, "parse");
  rnn_calendar_row(&month, &t, got);
  EXPECT(fabs(got[0] + 1) < 1e-12 && fabs(got[2] - 1) < 1e-12, "July: %g %g", got[0], got[2]);
}

static void test_timestamps(void) {
  rnn_ts t;
  EXPECT(rnn_ts_parse_iso("1970-01-02", 10, &t) == RNN_OK && t.i == 86400000 &&
             t.kind == RNN_TS_DATE,
         "date");
  EXPECT(rnn_ts_parse_iso("2024-03-05 13:30:00", 19, &t) == RNN_OK &&
             t.kind == RNN_TS_DATETIME,
         "datetime");
  rnn_civil c;
  rnn_ts_civil(t.i, &c);
  EXPECT(c.year == 2024 && c.month == 3 && c.day == 5 && c.hour == 13 &&
             c.minute == 30 && c.second == 0,
         "civil %lld-%d-%d %d:%d", (long long)c.year, c.month, c.day, c.hour,
         c.minute);
  EXPECT(rnn_ts_parse_iso("1949-01-01T00:00:01.5Z", 22, &t) == RNN_OK, "T/Z");
  rnn_ts_civil(t.i, &c);
  EXPECT(c.year == 1949 && c.second == 1 && c.milli == 500, "before 1970");
  const char *bad[] = {"2023-02-29", "2024-13-01", "2024-00-10", "24-01-01",
                       "2024-01-01 25:00", "2024-01-01 ", "2024-1-01",
                       "2024-01-01x", "abc", "2024-01-01 10:00:00."};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    EXPECT(rnn_ts_parse_iso(bad[i], strlen(bad[i]), &t) == RNN_EINVAL,
           "accepted %s", bad[i]);
  EXPECT(rnn_ts_parse_iso("2024-02-29", 10, &t) == RNN_OK, "leap day");
  /* Round trip every day over four centuries. */
  int64_t bad_days = 0;
  for (int64_t d = -80000; d < 80000; d += 7) {
    rnn_ts_civil(d * 86400000, &c);
    char s[32];
    snprintf(s, sizeof s, "%04lld-%02d-%02d", (long long)c.year, c.month, c.day);
    if (rnn_ts_parse_iso(s, strlen(s), &t) != RNN_OK || t.i != d * 86400000)
      bad_days++;
  }
  EXPECT(bad_days == 0, "%lld days did not round trip", (long long)bad_days);
}

/* rnn_ts_steps (rnn_finetune's grid): the inverse of rnn_ts_advance for
** every step kind, 0 off the grid, at or before the origin, or of the other
** kind. */
static void test_ts_steps(void) {
  rnn_ts o, t;
  rnn_step month = {.kind = RNN_STEP_MONTHS, .months = 1};
  rnn_step month_end = {.kind = RNN_STEP_MONTHS, .months = 1, .month_end = 1};
  rnn_step quarter = {.kind = RNN_STEP_MONTHS, .months = 3};
  rnn_step hour = {.kind = RNN_STEP_MILLIS, .millis = 3600000};
  rnn_step seven = {.kind = RNN_STEP_NUMBER, .integer = 1, .num = 7};
  rnn_step half = {.kind = RNN_STEP_NUMBER, .num = 0.5};
  rnn_ts_parse_iso("1960-12-01", 10, &o);
  for (int k = 1; k < 40; k++) {
    t = rnn_ts_advance(&o, &month, k);
    EXPECT(rnn_ts_steps(&o, &month, &t) == k, "month %d", k);
    t = rnn_ts_advance(&o, &quarter, k);
    EXPECT(rnn_ts_steps(&o, &quarter, &t) == k, "quarter %d", k);
    t = rnn_ts_advance(&o, &hour, k);
    EXPECT(rnn_ts_steps(&o, &hour, &t) == k, "hour %d", k);
  }
  rnn_ts_parse_iso("1961-01-15", 10, &t);
  EXPECT(rnn_ts_steps(&o, &month, &t) == 0, "mid-month");
  rnn_ts_parse_iso("1961-02-01", 10, &t);
  EXPECT(rnn_ts_steps(&o, &quarter, &t) == 0, "two months of a quarter");
  EXPECT(rnn_ts_steps(&o, &month, &o) == 0, "the origin itself");
  EXPECT(rnn_ts_steps(&t, &month, &o) == 0, "before the origin");
  rnn_ts_parse_iso("2024-01-31", 10, &o);
  t = rnn_ts_advance(&o, &month_end, 1); /* 2024-02-29 */
  EXPECT(rnn_ts_steps(&o, &month_end, &t) == 1, "month end");
  rnn_ts n = {.kind = RNN_TS_INT, .i = 3, .r = 3};
  EXPECT(rnn_ts_steps(&o, &month, &n) == 0, "a number after dates");
  rnn_ts a = {.kind = RNN_TS_INT, .i = 10, .r = 10}, b = a;
  b.i = 38, b.r = 38;
  EXPECT(rnn_ts_steps(&a, &seven, &b) == 4, "integer step");
  b.i = 39, b.r = 39;
  EXPECT(rnn_ts_steps(&a, &seven, &b) == 0, "between integer steps");
  rnn_ts r = {.kind = RNN_TS_REAL, .r = 1.0}, s = {.kind = RNN_TS_REAL, .r = 1.0 + 0.1 * 15};
  EXPECT(rnn_ts_steps(&r, &half, &s) == 3, "real step within rounding");
  s.r = 1.75;
  EXPECT(rnn_ts_steps(&r, &half, &s) == 0, "between real steps");
  rnn_step none = {0};
  EXPECT(rnn_ts_steps(&a, &none, &b) == 0, "no step");
}

static void test_fill_missing(void) {
  double y[] = {NAN, 1, NAN, NAN, 4, NAN};
  EXPECT(rnn_fill_missing(y, 6, 1) == 4, "count");
  double want[] = {1, 1, 2, 3, 4, 4};
  EXPECT(memcmp(y, want, sizeof y) == 0, "%g %g %g %g %g %g", y[0], y[1], y[2],
         y[3], y[4], y[5]);
  double none[] = {NAN, NAN};
  EXPECT(rnn_fill_missing(none, 2, 1) == -1, "all missing");
}

/* Gaussian noise for the period tests (Box-Muller on the core's RNG). */
static double gauss(rnn_rng *r) {
  double u = 1.0 - rnn_rng_float(r), v = rnn_rng_float(r); /* u in (0, 1] */
  return sqrt(-2.0 * log(u)) * cos(2 * M_PI * v);
}

static int period_of(const double *y, size_t n, int *p2) {
  int p1 = 0, q = 0;
  EXPECT(rnn_seasonal_periods(y, n, &p1, &q) == RNN_OK, "status");
  if (p2) *p2 = q;
  return p1;
}

static void test_seasonal_periods(void) {
  static double y[24 * 60];
  for (int i = 0; i < 240; i++) y[i] = 0.1 * i + sin(2 * M_PI * i / 12.0);
  EXPECT(period_of(y, 240, NULL) == 12, "monthly seasonality with a trend: %d",
         period_of(y, 240, NULL));
  for (int i = 0; i < 240; i++) y[i] = i;
  EXPECT(period_of(y, 240, NULL) == 1, "a line has no period");
  EXPECT(rnn_window_for_period(1, 240) == 8 && rnn_window_for_period(1, 9) == 3,
         "windows without a period");
  /* Hourly data, a daily cycle of amplitude 6 and Gaussian noise (the
  ** differenced autocorrelation of earlier builds gave period 2 at sd 0.7). */
  rnn_rng r;
  rnn_rng_seed(&r, 1);
  const double sds[] = {0.3, 0.7, 1.5, 3.0};
  for (int k = 0; k < 4; k++)
    for (int seed = 0; seed < 3; seed++) {
      for (int i = 0; i < 24 * 60; i++)
        y[i] = 18 + 6 * sin(2 * M_PI * i / 24) + sds[k] * gauss(&r);
      int p = period_of(y, 24 * 60, NULL);
      EXPECT(p == 24, "noise sd %g: period %d", sds[k], p);
    }
  /* Uniform noise 0..6 over amplitudes 1..3. */
  for (int amp = 1; amp <= 3; amp++)
    for (int seed = 0; seed < 3; seed++) {
      for (int i = 0; i < 24 * 60; i++)
        y[i] = 18 + amp * sin(2 * M_PI * i / 24) + 6 * rnn_rng_float(&r);
      int p = period_of(y, 24 * 60, NULL);
      EXPECT(amp == 1 ? abs(p - 24) <= 1 : p == 24, "amplitude %d: period %d", amp, p);
    }
  /* A weekly cycle over a daily one: both periods. */
  int p2;
  for (int i = 0; i < 24 * 60; i++)
    y[i] = 10 + 3 * sin(2 * M_PI * i / 24) + 2 * (i / 24 % 7 >= 5) + 0.5 * gauss(&r);
  int p1 = period_of(y, 24 * 60, &p2);
  EXPECT(p1 == 24 && p2 == 168, "daily and weekly: %d and %d", p1, p2);
  /* 1000 two-year weekly series with a 13-week cycle. */
  int thirteen = 0, two = 0;
  for (int s = 0; s < 1000; s++) {
    for (int i = 0; i < 104; i++)
      y[i] = 10 + 3 * sin(2 * M_PI * i / 13) + 1.5 * gauss(&r);
    int p = period_of(y, 104, NULL);
    thirteen += p == 13, two += p == 2;
  }
  EXPECT(thirteen >= 950 && two == 0, "13-week cycles: %d of 1000 found, %d "
         "period 2", thirteen, two);
}

/* The forecaster's own log and exp (core/components.c): close to the C
** library's over the range data takes. */
/* The autocorrelations of the period search: every build this CPU has
** (16, 32 or 64 lags a pass) gives the bits of one plain sum per lag, for
** lengths around the passes' edges. */
static void test_autocorrelations_builds(void) {
  enum { N = 700, K = 233 };
  static double d[N], want[K + 1], got[K + 1];
  rnn_rng r;
  rnn_rng_seed(&r, 5);
  for (int i = 0; i < N; i++) d[i] = (double)(rnn_rng_next(&r) >> 11) / 9007199254740992.0 - 0.5;
  int level = rnn_simd(), bad = 0;
  static const int lengths[] = {N, 300, 97, 64, 63};
  for (size_t c = 0; c < sizeof lengths / sizeof lengths[0]; c++) {
    int n = lengths[c], k_max = n / 3 < K ? n / 3 : K;
    double var = 0.0;
    for (int i = 0; i < n; i++) var += d[i] * d[i];
    for (int k = 0; k <= k_max; k++) {
      double s = 0.0;
      for (int i = 0; i + k < n; i++) s += d[i] * d[i + k];
      want[k] = s / var;
    }
    for (int l = RNN_SIMD_PORTABLE; l <= level; l++) {
      rnn_simd_cap(l);
      rnn_autocorrelations(d, (size_t)n, k_max, got);
      if (memcmp(got, want, (size_t)(k_max + 1) * sizeof *got) && bad++ < 3)
        EXPECT(0, "%s: autocorrelations of %d values differ", rnn_simd_name(l), n);
    }
    rnn_simd_cap(RNN_SIMD_AVX512);
  }
  EXPECT(bad == 0, "%d builds and lengths differ", bad);
}

static void test_det_log_exp(void) {
  double worst_log = 0, worst_exp = 0;
  rnn_rng r;
  rnn_rng_seed(&r, 3);
  for (int i = 0; i < 200000; i++) {
    double x = ldexp(1.0 + rnn_rng_float(&r), (int)rnn_rng_below(&r, 2000) - 1000);
    double el = fabs(rnn_det_log(x) - log(x)) / fmax(fabs(log(x)), 1e-300);
    if (x != 1.0 && el > worst_log) worst_log = el;
    double z = 1400 * rnn_rng_float(&r) - 700;
    double ee = fabs(rnn_det_exp(z) - exp(z)) / exp(z);
    if (ee > worst_exp) worst_exp = ee;
  }
  EXPECT(worst_log < 1e-15 && worst_exp < 1e-14, "relative error: log %.3g, exp %.3g",
         worst_log, worst_exp);
  EXPECT(rnn_det_log(1.0) == 0.0 && rnn_det_exp(0.0) == 1.0, "log 1 and exp 0");
  EXPECT(rnn_det_exp(710) == INFINITY && rnn_det_exp(-800) == 0.0, "ends");
}

/* rnn_det_logs, several values a vector, gives rnn_det_log's bits in
** every build this CPU has, for every kind of double (normal values on
** both sides of the mantissa test, subnormals, zero, negatives, infinity,
** NaN), at a stride and with a ragged end. */
static void test_det_logs_builds(void) {
  enum { N = 4099 };
  static double x[2 * N], want[N], got[N];
  static const double special[] = {0.0, -0.0, -1.0, 4.9e-324, 2.2e-308, 1e-310,
                                   INFINITY, -INFINITY, NAN, 1.0, 0.7071067811865476,
                                   0.7071067811865475, 1.7976931348623157e308, 2.0};
  rnn_rng r;
  rnn_rng_seed(&r, 9);
  for (int i = 0; i < N; i++) {
    double u = (double)(rnn_rng_next(&r) >> 11) / 9007199254740992.0;
    x[2 * i] = i < (int)(sizeof special / sizeof special[0])
                   ? special[i]
                   : ldexp(0.5 + u, (int)rnn_rng_below(&r, 2100) - 1070);
    x[2 * i + 1] = -1.0; /* the stride skips these */
    want[i] = rnn_det_log(x[2 * i]);
  }
  int level = rnn_simd(), bad = 0;
  for (int l = RNN_SIMD_PORTABLE; l <= level; l++) {
    rnn_simd_cap(l);
    rnn_det_logs(x, 2, N, got);
    for (int i = 0; i < N; i++)
      if (memcmp(&got[i], &want[i], sizeof got[i]) && bad++ < 3)
        EXPECT(0, "%s: log(%.17g) = %.17g, want %.17g", rnn_simd_name(l), x[2 * i],
               got[i], want[i]);
  }
  rnn_simd_cap(RNN_SIMD_AVX512);
  EXPECT(bad == 0, "%d logs differ", bad);
}

int main(void) {
  RUN(test_json_accepts_valid_values);
  RUN(test_json_rejects_invalid_values);
  RUN(test_json_depth_limit);
  RUN(test_json_numbers_exact);
  RUN(test_json_numbers_round_trip);
  RUN(test_json_strings_and_objects);
  RUN(test_options);
  RUN(test_timestamps);
  RUN(test_calendar);
  RUN(test_ts_steps);
  RUN(test_fill_missing);
  RUN(test_seasonal_periods);
  RUN(test_autocorrelations_builds);
  RUN(test_det_log_exp);
  RUN(test_det_logs_builds);
  return check_exit();
}
