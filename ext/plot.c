/*
** rnn_plot(model [, horizon [, level [, options]]]): the forecast as a
** chart, a self-contained SVG document (TEXT); rnn_plot_backtest(model,
** series [, level [, options]]): rnn_backtest's forecasts of a series
** (one step ahead, or option "step" steps) against its values (rule 6).
**
** Rules:
**   1. The chart shows the last rows of the model's training tail (the
**      history; option "history", default min(tail, max(48, 3 x horizon))
**      rows), the forecast of `horizon` steps (1 to 10000; default: the
**      model's horizon option, as rnn_forecast) and, at `level` (default
**      0.95; NULL: none), the prediction interval as a band. A model
**      without calibration has no band.
**   2. The x axis is the time axis: its labels are the ts of the rows, as
**      rnn_forecast gives them (dates, date-times or numbers; none where
**      rnn_forecast's ts is NULL); an irregular series has row numbers. The
**      y axis is in the data's units, with round tick values (1, 2 or 5
**      times a power of ten, printed with the digits the step needs), and
**      option "unit" names them. Values beyond a double's range are drawn
**      at its edge.
**   3. Options, a JSON object of at most 64 KiB: "title" (text; default
**      "Forecast"), "unit" (text), "width" (200 to 4000, default 800),
**      "height" (150 to 3000, default 400), "history" (rows, 1 to the
**      tail's). Unknown or repeated keys and bad values are errors that
**      name rnn_plot and what is allowed; text may not hold characters XML
**      forbids (controls other than tab and newline, U+FFFE, U+FFFF).
**   4. Text from the options is escaped for XML; the document is plain
**      SVG 1.1 with no script, no external reference and no font file, so
**      any browser, image viewer or `.once chart.svg` in the shell shows it.
**   5. Missing values of the history (NaN) break its line (the tail of a
**      model holds them filled, so only a hand-made model has them); a
**      value alone between breaks is a dot, and a forecast alone a dot on
**      a bar of its band.
**   6. rnn_plot_backtest draws every value of series and rnn_backtest's
**      forecasts of step S (option "step", 1 to 1000, default 1) with
**      their band (the interval of step S): each position's forecast from
**      the rows up to S before it, the numbers rnn_backtest(model,
**      series, level, S) gives for that step, from the first position
**      with a full window and S - 1 rows before it. Positions (from 1)
**      label the axis. series has at most 10000 rows and more than a
**      forecast reads plus S - 1; the work limit is the whole chart's
**      (predict.c rule 9); the options are rule 3's but "history", with
**      "step".
*/
#include <float.h>
#include <math.h>
#include <string.h>

#include "../core/json.h"
#include "rnn_ext.h"

static const char *FN = "rnn_plot";

typedef struct plot_opts {
  char *title, *unit; /* sqlite3_malloc'd, or NULL */
  int width, height, history, step;
} plot_opts;

/* Rule 3: whether s (UTF-8, n bytes) holds only characters XML allows. */
static int xml_text(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n; i++) {
    if (u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') return 0;
    /* U+FFFE and U+FFFF: EF BF BE, EF BF BF */
    if (u[i] == 0xEF && i + 2 < n && u[i + 1] == 0xBF && u[i + 2] >= 0xBE) return 0;
  }
  return 1;
}

/* Rule 3. Returns SQLITE_OK, or the error in *err. */
static int read_options(const char *fn, sqlite3_value *v, const rnn_model *m,
                        int h, int history, plot_opts *o, char **err) {
  o->title = o->unit = NULL;
  o->width = 800, o->height = 400, o->step = 1;
  int dflt = 3 * h > 48 ? 3 * h : 48;
  o->history = dflt < m->tail_rows ? dflt : m->tail_rows;
  *err = NULL;
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return SQLITE_OK;
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    *err = sqlite3_mprintf("%s: options must be a JSON object as TEXT, or NULL", fn);
    return SQLITE_ERROR;
  }
  const char *text = (const char *)sqlite3_value_text(v);
  if (!text) return SQLITE_NOMEM;
  if (sqlite3_value_bytes(v) > RNN_EXT_MAX_OPTIONS) {
    *err = sqlite3_mprintf("%s: options are longer than %d bytes", fn, RNN_EXT_MAX_OPTIONS);
    return SQLITE_ERROR;
  }
  rnn_json *j = NULL;
  rnn_err e;
  rnn_status rc = rnn_json_parse(&j, text, (size_t)sqlite3_value_bytes(v), &e);
  if (rc == RNN_ENOMEM) return SQLITE_NOMEM;
  if (rc != RNN_OK) {
    *err = sqlite3_mprintf("%s: options are not valid JSON: %s", fn, e.msg);
    return SQLITE_ERROR;
  }
  int res = SQLITE_OK;
  if (j->type != RNN_JSON_OBJECT) {
    *err = sqlite3_mprintf("%s: options must be a JSON object, not %s", fn,
                           rnn_json_type_name(j->type));
    res = SQLITE_ERROR;
  }
  for (const rnn_json *k = j->child; k && res == SQLITE_OK; k = k->next) {
    if (strlen(k->key) != k->key_len || rnn_json_get(j, k->key) != k) {
      *err = sqlite3_mprintf(strlen(k->key) != k->key_len
                                 ? "%s: unknown option (a key holding NUL)"
                                 : "%s: option \"%s\" is given twice",
                             fn, k->key);
      res = SQLITE_ERROR;
      break;
    }
    struct { const char *key; int lo, hi, *out; } nums[] = {
        {"width", 200, 4000, &o->width},
        {"height", 150, 3000, &o->height},
        {history ? "history" : "", 1, m->tail_rows, &o->history},
        {history ? "" : "step", 1, 1000, &o->step}};
    int done = 0;
    for (size_t i = 0; i < sizeof nums / sizeof *nums && !done; i++) {
      if (!*nums[i].key || strcmp(k->key, nums[i].key)) continue;
      done = 1;
      if (k->type != RNN_JSON_NUMBER || k->num != floor(k->num) ||
          k->num < nums[i].lo || k->num > nums[i].hi) {
        *err = sqlite3_mprintf("%s: option \"%s\" must be an integer from %d to %d",
                               fn, k->key, nums[i].lo, nums[i].hi);
        res = SQLITE_ERROR;
      } else {
        *nums[i].out = (int)k->num;
      }
    }
    if (done) continue;
    char **str = !strcmp(k->key, "title") ? &o->title
                 : !strcmp(k->key, "unit") ? &o->unit : NULL;
    if (!str) {
      *err = sqlite3_mprintf("%s: unknown option \"%s\" (allowed: height, "
                             "%stitle, unit, width)", fn, k->key,
                             history ? "history, " : "step, ");
      res = SQLITE_ERROR;
    } else if (k->type != RNN_JSON_STRING || k->len > 200 ||
               !xml_text(k->str, k->len)) {
      *err = sqlite3_mprintf("%s: option \"%s\" must be a string of at most "
                             "200 bytes, without control characters", fn, k->key);
      res = SQLITE_ERROR;
    } else {
      sqlite3_free(*str);
      if (!(*str = sqlite3_mprintf("%s", k->str))) res = SQLITE_NOMEM;
    }
  }
  rnn_json_free(j);
  return res;
}

/* Rule 4: text escaped for XML. */
static void append_text(sqlite3_str *s, const char *t) {
  for (; *t; t++) {
    switch (*t) {
      case '&': sqlite3_str_appendall(s, "&amp;"); break;
      case '<': sqlite3_str_appendall(s, "&lt;"); break;
      case '>': sqlite3_str_appendall(s, "&gt;"); break;
      case '"': sqlite3_str_appendall(s, "&quot;"); break;
      default: sqlite3_str_appendchar(s, 1, *t);
    }
  }
}

/* Rule 2: a tick step of 1, 2 or 5 times a power of ten giving about
** `want` ticks over [lo, hi]. */
static double tick_step(double lo, double hi, int want) {
  double raw = (hi - lo) / want;
  if (!(raw > 0) || !isfinite(raw)) return 1.0;
  double p = pow(10.0, floor(log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* The label of row i of the chart (0 = the first history row shown; the
** history has n rows): its ts, or its row number (rule 2). */
static void append_label(sqlite3_str *s, const rnn_model *m, int i, int n) {
  if (m->step.kind == RNN_STEP_NONE || m->last_ts.kind == RNN_TS_NONE) {
    sqlite3_str_appendf(s, "%lld", (long long)(m->rows - (n - 1) + i));
    return;
  }
  rnn_ts t = rnn_ts_advance(&m->last_ts, &m->step, (int64_t)i - (n - 1));
  if (t.kind != RNN_TS_NONE && (t.kind != RNN_TS_REAL || isfinite(t.r)))
    rnn_ext_append_ts(s, &t, 0); /* else no label, as rnn_forecast's NULL */
}

/* Rule 2: v within a double's range. */
static double in_range(double v) {
  return v > DBL_MAX ? DBL_MAX : v < -DBL_MAX ? -DBL_MAX : v;
}

/* The SVG of history y (n rows), forecast f with half-widths half (h
** steps; half NULL: no band). */
/* What a chart draws: y, the actual values at x = 0..n-1 (NaN: missing);
** f, h forecasts at x = from..from+h-1 (NaN: none) with half-widths half
** (NULL: no band); for a forecast of the future (join), its line starts at
** the last actual value and a dashed line marks where it begins. */
typedef struct chart {
  const double *y, *f, *half;
  int n, h, from, join;
  double level;
  const char *title, *actual, *predicted; /* title and legend names */
  const rnn_model *m;                      /* labels: append_label, lower bounds ... */
  int positions;                           /* ... or 1-based positions */
} chart;

/* A line through the finite values v[i] at x = x0 + i, i < count, broken
** where one is not (rule 5); a value alone between breaks is a dot, as a
** line of one point draws nothing. */
static void polylines(sqlite3_str *s, const double *v, int count, int x0,
                      const char *color, double width, double left, double px,
                      double top, double hi, double lo, double span) {
  for (int i = 0; i < count;) {
    if (!isfinite(v[i])) {
      i++;
      continue;
    }
    int j = i;
    while (j < count && isfinite(v[j])) j++;
    if (j - i == 1)
      sqlite3_str_appendf(s, "<circle fill=\"%s\" r=\"%g\" ", color, width * 1.5);
    else
      sqlite3_str_appendf(s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" points=\"",
                          color, width);
    for (int k = i; k < j; k++) {
      double x = left + (x0 + k) * px,
             y = top + (hi / 2 - in_range(v[k]) / 2) / (hi / 2 - lo / 2) * span;
      if (j - i == 1)
        sqlite3_str_appendf(s, "cx=\"%.1f\" cy=\"%.1f\"/>\n", x, y);
      else
        sqlite3_str_appendf(s, "%.1f,%.1f ", x, y);
    }
    if (j - i > 1) sqlite3_str_appendall(s, "\"/>\n");
    i = j;
  }
}

/* The band's lower end at forecast i (core/predict.c rule 5). */
static double lower(const chart *c, int i) {
  return c->m ? rnn_lower_bound(c->m, c->f[i], c->half[i]) : c->f[i] - c->half[i];
}

static void draw(sqlite3_str *s, const plot_opts *o, const chart *c) {
  const double *y = c->y, *f = c->f, *half = c->half;
  int n = c->n, h = c->h;
  double W = o->width, H = o->height;
  double left = 70, right = 20, top = 40, bottom = 60;
  double lo = DBL_MAX, hi = -DBL_MAX;
  for (int i = 0; i < n; i++)
    if (isfinite(y[i])) lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
  for (int i = 0; i < h; i++) {
    if (!isfinite(f[i])) continue;
    double a = in_range(half ? lower(c, i) : f[i]), b = in_range(half ? f[i] + half[i] : f[i]);
    lo = fmin(lo, a), hi = fmax(hi, b);
  }
  if (!(hi > lo)) { /* flat (or nothing known): room around the value */
    double mid = hi >= lo ? lo : 0, pad = fmax(1.0, fabs(mid) * 1e-3);
    lo = in_range(mid - pad), hi = in_range(mid + pad);
  }
  double step = tick_step(lo / 2, hi / 2, 6) * 2; /* halves: no overflow */
  double rlo = floor(lo / step) * step, rhi = ceil(hi / step) * step;
  if (isfinite(rlo) && isfinite(rhi) && isfinite(rhi - rlo)) lo = rlo, hi = rhi;
  int rows = c->from + h > n ? c->from + h : n;
  double px = (W - left - right) / (rows > 1 ? rows - 1 : 1);
  double span = H - top - bottom;
  /* Digits after the point that the tick step needs. */
  int digits = step < 1 ? (int)ceil(-log10(step) - 1e-9) : 0;
  digits = digits > 15 ? 15 : digits;
  /* Beyond 1e15, significant digits enough to tell the ticks apart. */
  double top_abs = fmax(fabs(lo), fabs(hi));
  int big = top_abs < 1e15 ? 0 : (int)fmin(17, 2 + ceil(log10(top_abs / step)));
#define X(i) (left + (i) * px)
#define Y(v) (top + (hi / 2 - in_range(v) / 2) / (hi / 2 - lo / 2) * span)
  sqlite3_str_appendf(s,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
      o->width, o->height, o->width, o->height, o->width, o->height);
  sqlite3_str_appendf(s, "<text x=\"%g\" y=\"24\" font-size=\"16\" fill=\"#222222\">", left);
  append_text(s, o->title ? o->title : c->title);
  sqlite3_str_appendall(s, "</text>\n");
  /* y grid and labels: counted, not stepped (lo + step == lo for huge
  ** values of a hostile model) */
  double ticks = (hi / 2 - lo / 2) / (step / 2);
  int nt = ticks >= 0 && ticks <= 100 ? (int)lround(ticks) : 0;
  for (int k = 0; k <= nt; k++) {
    double v = lo + k * step, yy = Y(v);
    sqlite3_str_appendf(s,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444444\">",
        left, yy, W - right, yy, left - 6, yy + 4);
    v = fabs(v) < step / 1e6 ? 0.0 : v;
    if (big) sqlite3_str_appendf(s, "%.*g</text>\n", big, v);
    else sqlite3_str_appendf(s, "%.*f</text>\n", digits, v);
  }
  if (o->unit) {
    sqlite3_str_appendf(s, "<text transform=\"translate(16 %.1f) rotate(-90)\" "
                           "text-anchor=\"middle\" fill=\"#444444\">",
                        (top + H - bottom) / 2);
    append_text(s, o->unit);
    sqlite3_str_appendall(s, "</text>\n");
  }
  /* x labels: about six, the first forecast step among them */
  int every = rows / 6 > 1 ? rows / 6 : 1;
  for (int i = c->from % every; i < rows; i += every) {
    sqlite3_str_appendf(s,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>\n"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444444\">",
        X(i), H - bottom, X(i), H - bottom + 5, X(i), H - bottom + 20);
    if (c->positions) sqlite3_str_appendf(s, "%d", i + 1);
    else append_label(s, c->m, i, n);
    sqlite3_str_appendall(s, "</text>\n");
  }
  sqlite3_str_appendf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>\n",
                      left, H - bottom, W - right, H - bottom);
  /* the band (one polygon per run of forecasts), then the lines over it */
  for (int i = 0; half && i < h;) {
    if (!isfinite(f[i])) {
      i++;
      continue;
    }
    int j = i;
    while (j < h && isfinite(f[j])) j++;
    /* a forecast alone between breaks: a bar 6 px wide */
    double dx = j - i == 1 ? 3 : 0;
    sqlite3_str_appendall(s, "<polygon fill=\"#9ecae1\" fill-opacity=\"0.7\" points=\"");
    if (dx) sqlite3_str_appendf(s, "%.1f,%.1f ", X(c->from + i) - dx, Y(f[i] + half[i]));
    for (int k = i; k < j; k++) sqlite3_str_appendf(s, "%.1f,%.1f ", X(c->from + k) + dx, Y(f[k] + half[k]));
    if (dx) sqlite3_str_appendf(s, "%.1f,%.1f ", X(c->from + i) + dx, Y(lower(c, i)));
    for (int k = j - 1; k >= i; k--) sqlite3_str_appendf(s, "%.1f,%.1f ", X(c->from + k) - dx, Y(lower(c, k)));
    sqlite3_str_appendall(s, "\"/>\n");
    i = j;
  }
  if (c->join)
    sqlite3_str_appendf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"/>\n",
                        X(n - 0.5), top, X(n - 0.5), H - bottom);
  polylines(s, y, n, 0, "#333333", 1.5, left, px, top, hi, lo, span);
  if (c->join && isfinite(y[n - 1]) && h > 0 && isfinite(f[0]))
    sqlite3_str_appendf(s, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" "
                           "points=\"%.1f,%.1f %.1f,%.1f\"/>\n",
                        X(n - 1), Y(y[n - 1]), X(c->from), Y(f[0]));
  polylines(s, f, h, c->from, "#1f77b4", 2, left, px, top, hi, lo, span);
  /* legend, under the time axis */
  double lx = left, ly = H - 14;
  sqlite3_str_appendf(s,
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\" stroke-width=\"1.5\"/>"
      "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444444\">%s</text>\n"
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
      "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444444\">%s</text>\n",
      lx, ly, lx + 20, ly, lx + 25, ly + 4, c->actual, lx + 90, ly, lx + 110, ly, lx + 115,
      ly + 4, c->predicted);
  /* The band's key after the forecast's name: room for 17 characters of
  ** it, 7 px more for each beyond ("forecast 1000 steps ahead"). */
  size_t name = strlen(c->predicted);
  double bx = lx + 250 + (name > 17 ? 7.0 * (double)(name - 17) : 0);
  if (half)
    sqlite3_str_appendf(s,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"20\" height=\"10\" fill=\"#9ecae1\" fill-opacity=\"0.7\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444444\">%g%% interval</text>\n",
        bx, ly - 5, bx + 25, ly + 4, c->level * 100);
  sqlite3_str_appendall(s, "</svg>\n");
#undef X
#undef Y
}

void rnn_sql_plot(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  rnn_model *m = rnn_ext_model_arg(ctx, FN, argv, 0);
  if (!m) return; /* NULL model, or the error is set */
  int h = m->opts.horizon > 0 ? m->opts.horizon : 1; /* as rnn_forecast */
  double level = 0.95;
  char *err = NULL;
  int rc0 = SQLITE_OK;
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL)
    rc0 = rnn_ext_read_h(FN, "horizon", argv[1], 10000, &h, &err);
  if (!rc0 && argc > 2) {
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL) level = 0;
    else rc0 = rnn_ext_read_level(FN, argv[2], &level, &err);
  }
  plot_opts o = {0};
  if (!rc0) rc0 = read_options(FN, argc > 3 ? argv[3] : NULL, m, h, 1, &o, &err);
  if (rc0) {
    rnn_ext_report(ctx, rc0, err);
    sqlite3_free(o.title);
    sqlite3_free(o.unit);
    return;
  }
  int n = o.history, C = m->arch.input;
  double *fut = NULL;
  double *buf = sqlite3_malloc64(((sqlite3_uint64)n + 3 * (sqlite3_uint64)h) * sizeof *buf);
  if (!buf) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  double *y = buf, *f = buf + n, *half = f + h;
  for (int i = 0; i < n; i++) y[i] = m->tail[(size_t)(m->tail_rows - n + i) * C];
  /* The calendar columns of the steps, when the model has them. */
  if ((rc0 = rnn_ext_read_future(FN, NULL, m, h, &fut, &err))) {
    rnn_ext_report(ctx, rc0, err);
    goto done;
  }
  if (!rnn_ext_forecast(ctx, FN, m, NULL, h, fut, f)) goto done;
  int band = level > 0;
  for (int s = 0; s < h && band; s++)
    band = rnn_interval(m, s + 1, level, f[s], &half[s]) && isfinite(half[s]);
  sqlite3_str *s = sqlite3_str_new(NULL);
  chart c = {.y = y, .f = f, .half = band ? half : NULL, .n = n, .h = h,
             .from = n, .join = 1, .level = level, .title = "Forecast",
             .actual = "history", .predicted = "forecast", .m = m};
  draw(s, &o, &c);
  rnn_ext_result_str(ctx, s);
done:
  sqlite3_free(buf);
  sqlite3_free(fut);
  sqlite3_free(o.title);
  sqlite3_free(o.unit);
}

/* rnn_plot_backtest(model, series [, level [, options]]): the actual
** values of series (a JSON array, as rnn_backtest's) and the forecasts
** rnn_backtest gives for them (one step ahead, or option "step" steps),
** with their band at level (default 0.95; NULL: none), positions on the
** x axis (rule 6: at most 10000 positions; options as rule 3 without
** "history", with "step"). */
void rnn_sql_plot_backtest(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *fn = "rnn_plot_backtest";
  rnn_model *m = rnn_ext_model_arg(ctx, fn, argv, 0);
  if (!m) return;
  double level = 0.95, *series = NULL, *buf = NULL;
  size_t rows = 0;
  char *err = NULL;
  plot_opts o = {0};
  int rc0 = SQLITE_OK;
  if (argc > 2) {
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL) level = 0;
    else rc0 = rnn_ext_read_level(fn, argv[2], &level, &err);
  }
  if (!rc0) rc0 = read_options(fn, argc > 3 ? argv[3] : NULL, m, 1, 0, &o, &err);
  if (!rc0 && sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    err = sqlite3_mprintf("%s: series must be a JSON array as TEXT", fn);
    rc0 = SQLITE_ERROR;
  }
  if (!rc0) rc0 = rnn_ext_read_series(fn, argv[1], m, &series, &rows, &err);
  if (!rc0 && (rows > 10000 || rows <= (size_t)m->tail_rows + (size_t)o.step - 1)) {
    err = o.step == 1 ? sqlite3_mprintf("%s: series has %lld rows; it needs more than the %d "
                                        "a forecast reads and at most 10000",
                                        fn, (long long)rows, m->tail_rows)
                      : sqlite3_mprintf("%s: series has %lld rows; forecasts %d steps ahead "
                                        "need more than %d (the %d a forecast reads and %d "
                                        "more) and at most 10000",
                                        fn, (long long)rows, o.step, m->tail_rows + o.step - 1,
                                        m->tail_rows, o.step - 1);
    rc0 = SQLITE_ERROR;
  }
  if (rc0) {
    rnn_ext_report(ctx, rc0, err);
    goto done;
  }
  int n = (int)rows, W = m->tail_rows, S = o.step, h = n - W - S + 1, C = m->arch.input;
  buf = sqlite3_malloc64(((sqlite3_uint64)n + 2 * (sqlite3_uint64)h) * sizeof *buf);
  if (!buf) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  double *y = buf, *f = buf + n, *half = f + h;
  for (int i = 0; i < n; i++) y[i] = series[(size_t)i * C];
  rnn_err e;
  rnn_ext_watch watch;
  rnn_ext_watch_begin(&watch, sqlite3_context_db_handle(ctx), m);
  /* Step S from each of the h origins, in one call: its work limit is
  ** the whole chart's. */
  rnn_status rc = S == 1 ? rnn_predict_rows(m, series, (size_t)W, h, f, &e)
                         : rnn_predict_origins_step(m, series, (size_t)n, (size_t)W, h, S, f, &e);
  rnn_ext_watch_end(&watch, m);
  if (rc != RNN_OK) {
    rnn_ext_error(ctx, fn, rc, &e);
    goto done;
  }
  int band = level > 0;
  for (int i = 0; i < h && band; i++) /* step S ahead from every origin */
    band = rnn_interval(m, S, level, f[i], &half[i]) && isfinite(half[i]);
  char title[64] = "Backtest: one-step forecasts", legend[48] = "one-step forecast";
  if (S > 1) {
    sqlite3_snprintf((int)sizeof title, title, "Backtest: forecasts %d steps ahead", S);
    sqlite3_snprintf((int)sizeof legend, legend, "forecast %d steps ahead", S);
  }
  sqlite3_str *s = sqlite3_str_new(NULL);
  chart c = {.y = y, .f = f, .half = band ? half : NULL, .n = n, .h = h,
             .from = W + S - 1, .level = level, .title = title,
             .actual = "actual", .predicted = legend, .positions = 1,
             .m = m};
  draw(s, &o, &c);
  rnn_ext_result_str(ctx, s);
done:
  sqlite3_free(series);
  sqlite3_free(buf);
  sqlite3_free(o.title);
  sqlite3_free(o.unit);
}
