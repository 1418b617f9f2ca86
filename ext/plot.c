/*
** rnn_plot(model [, horizon [, level [, options]]]): the forecast as a
** chart, a self-contained SVG document (TEXT).
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
**      model holds them filled, so only a hand-made model has them).
*/
#include <float.h>
#include <math.h>
#include <string.h>

#include "../core/json.h"
#include "rnn_ext.h"

static const char *FN = "rnn_plot";

typedef struct plot_opts {
  char *title, *unit; /* sqlite3_malloc'd, or NULL */
  int width, height, history;
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
static int read_options(sqlite3_value *v, const rnn_model *m, int h,
                        plot_opts *o, char **err) {
  o->title = o->unit = NULL;
  o->width = 800, o->height = 400;
  int dflt = 3 * h > 48 ? 3 * h : 48;
  o->history = dflt < m->tail_rows ? dflt : m->tail_rows;
  *err = NULL;
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return SQLITE_OK;
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    *err = sqlite3_mprintf("%s: options must be a JSON object as TEXT, or NULL", FN);
    return SQLITE_ERROR;
  }
  const char *text = (const char *)sqlite3_value_text(v);
  if (!text) return SQLITE_NOMEM;
  if (sqlite3_value_bytes(v) > RNN_EXT_MAX_OPTIONS) {
    *err = sqlite3_mprintf("%s: options are longer than %d bytes", FN, RNN_EXT_MAX_OPTIONS);
    return SQLITE_ERROR;
  }
  rnn_json *j = NULL;
  rnn_err e;
  rnn_status rc = rnn_json_parse(&j, text, (size_t)sqlite3_value_bytes(v), &e);
  if (rc == RNN_ENOMEM) return SQLITE_NOMEM;
  if (rc != RNN_OK) {
    *err = sqlite3_mprintf("%s: options are not valid JSON: %s", FN, e.msg);
    return SQLITE_ERROR;
  }
  int res = SQLITE_OK;
  if (j->type != RNN_JSON_OBJECT) {
    *err = sqlite3_mprintf("%s: options must be a JSON object, not %s", FN,
                           rnn_json_type_name(j->type));
    res = SQLITE_ERROR;
  }
  for (const rnn_json *k = j->child; k && res == SQLITE_OK; k = k->next) {
    if (strlen(k->key) != k->key_len || rnn_json_get(j, k->key) != k) {
      *err = sqlite3_mprintf(strlen(k->key) != k->key_len
                                 ? "%s: unknown option (a key holding NUL)"
                                 : "%s: option \"%s\" is given twice",
                             FN, k->key);
      res = SQLITE_ERROR;
      break;
    }
    struct { const char *key; int lo, hi, *out; } nums[] = {
        {"width", 200, 4000, &o->width},
        {"height", 150, 3000, &o->height},
        {"history", 1, m->tail_rows, &o->history}};
    int done = 0;
    for (size_t i = 0; i < sizeof nums / sizeof *nums && !done; i++) {
      if (strcmp(k->key, nums[i].key)) continue;
      done = 1;
      if (k->type != RNN_JSON_NUMBER || k->num != floor(k->num) ||
          k->num < nums[i].lo || k->num > nums[i].hi) {
        *err = sqlite3_mprintf("%s: option \"%s\" must be an integer from %d to %d",
                               FN, k->key, nums[i].lo, nums[i].hi);
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
                             "history, title, unit, width)", FN, k->key);
      res = SQLITE_ERROR;
    } else if (k->type != RNN_JSON_STRING || k->len > 200 ||
               !xml_text(k->str, k->len)) {
      *err = sqlite3_mprintf("%s: option \"%s\" must be a string of at most "
                             "200 bytes, without control characters", FN, k->key);
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
static void draw(sqlite3_str *s, const rnn_model *m, const plot_opts *o,
                 const double *y, int n, const double *f, const double *half,
                 int h, double level) {
  double W = o->width, H = o->height;
  double left = 70, right = 20, top = 40, bottom = 60;
  double lo = DBL_MAX, hi = -DBL_MAX;
  for (int i = 0; i < n; i++)
    if (isfinite(y[i])) lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
  for (int i = 0; i < h; i++) {
    double a = in_range(half ? f[i] - half[i] : f[i]), b = in_range(half ? f[i] + half[i] : f[i]);
    lo = fmin(lo, a), hi = fmax(hi, b);
  }
  if (!(hi > lo)) { /* flat (or nothing known): room around the value */
    double mid = hi >= lo ? lo : 0, pad = fmax(1.0, fabs(mid) * 1e-3);
    lo = in_range(mid - pad), hi = in_range(mid + pad);
  }
  double step = tick_step(lo / 2, hi / 2, 6) * 2; /* halves: no overflow */
  double rlo = floor(lo / step) * step, rhi = ceil(hi / step) * step;
  if (isfinite(rlo) && isfinite(rhi) && isfinite(rhi - rlo)) lo = rlo, hi = rhi;
  int rows = n + h;
  double px = (W - left - right) / (rows > 1 ? rows - 1 : 1);
  /* Digits after the point that the tick step needs. */
  int digits = step < 1 ? (int)ceil(-log10(step) - 1e-9) : 0;
  digits = digits > 15 ? 15 : digits;
  /* Beyond 1e15, significant digits enough to tell the ticks apart. */
  double top_abs = fmax(fabs(lo), fabs(hi));
  int big = top_abs < 1e15 ? 0 : (int)fmin(17, 2 + ceil(log10(top_abs / step)));
#define X(i) (left + (i) * px)
#define Y(v) (top + (hi / 2 - in_range(v) / 2) / (hi / 2 - lo / 2) * (H - top - bottom))
  sqlite3_str_appendf(s,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
      o->width, o->height, o->width, o->height, o->width, o->height);
  sqlite3_str_appendf(s, "<text x=\"%g\" y=\"24\" font-size=\"16\" fill=\"#222222\">", left);
  append_text(s, o->title ? o->title : "Forecast");
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
  for (int i = n % every; i < rows; i += every) {
    sqlite3_str_appendf(s,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>\n"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444444\">",
        X(i), H - bottom, X(i), H - bottom + 5, X(i), H - bottom + 20);
    append_label(s, m, i, n);
    sqlite3_str_appendall(s, "</text>\n");
  }
  sqlite3_str_appendf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>\n",
                      left, H - bottom, W - right, H - bottom);
  /* the band, then the lines over it */
  if (half) {
    sqlite3_str_appendall(s, "<polygon fill=\"#9ecae1\" fill-opacity=\"0.7\" points=\"");
    for (int i = 0; i < h; i++) sqlite3_str_appendf(s, "%.1f,%.1f ", X(n + i), Y(f[i] + half[i]));
    for (int i = h - 1; i >= 0; i--) sqlite3_str_appendf(s, "%.1f,%.1f ", X(n + i), Y(f[i] - half[i]));
    sqlite3_str_appendall(s, "\"/>\n");
  }
  sqlite3_str_appendf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                         "stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"/>\n",
                      X(n - 0.5), top, X(n - 0.5), H - bottom);
  /* rule 5: the history, broken at missing values */
  int open = 0;
  for (int i = 0; i < n; i++) {
    if (!isfinite(y[i])) {
      if (open) sqlite3_str_appendall(s, "\"/>\n");
      open = 0;
      continue;
    }
    if (!open)
      sqlite3_str_appendall(s, "<polyline fill=\"none\" stroke=\"#333333\" "
                               "stroke-width=\"1.5\" points=\"");
    open = 1;
    sqlite3_str_appendf(s, "%.1f,%.1f ", X(i), Y(y[i]));
  }
  if (open) sqlite3_str_appendall(s, "\"/>\n");
  sqlite3_str_appendall(s, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"");
  if (isfinite(y[n - 1])) sqlite3_str_appendf(s, "%.1f,%.1f ", X(n - 1), Y(y[n - 1]));
  for (int i = 0; i < h; i++) sqlite3_str_appendf(s, "%.1f,%.1f ", X(n + i), Y(f[i]));
  sqlite3_str_appendall(s, "\"/>\n");
  /* legend, under the time axis */
  double lx = left, ly = H - 14;
  sqlite3_str_appendf(s,
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\" stroke-width=\"1.5\"/>"
      "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444444\">history</text>\n"
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
      "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444444\">forecast</text>\n",
      lx, ly, lx + 20, ly, lx + 25, ly + 4, lx + 90, ly, lx + 110, ly, lx + 115, ly + 4);
  if (half)
    sqlite3_str_appendf(s,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"20\" height=\"10\" fill=\"#9ecae1\" fill-opacity=\"0.7\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444444\">%g%% interval</text>\n",
        lx + 190, ly - 5, lx + 215, ly + 4, level * 100);
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
    rc0 = rnn_ext_read_h(FN, "horizon", argv[1], &h, &err);
  if (!rc0 && argc > 2) {
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL) level = 0;
    else rc0 = rnn_ext_read_level(FN, argv[2], &level, &err);
  }
  if (!rc0 && h > 10000) {
    err = sqlite3_mprintf("%s: horizon must be an integer from 1 to 10000", FN);
    rc0 = SQLITE_ERROR;
  }
  plot_opts o = {0};
  if (!rc0) rc0 = read_options(argc > 3 ? argv[3] : NULL, m, h, &o, &err);
  if (rc0) {
    rnn_ext_report(ctx, rc0, err);
    sqlite3_free(o.title);
    sqlite3_free(o.unit);
    return;
  }
  int n = o.history, C = m->arch.input;
  double *buf = sqlite3_malloc64(((sqlite3_uint64)n + 3 * (sqlite3_uint64)h) * sizeof *buf);
  if (!buf) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  double *y = buf, *f = buf + n, *half = f + h;
  for (int i = 0; i < n; i++) y[i] = m->tail[(size_t)(m->tail_rows - n + i) * C];
  rnn_err e;
  rnn_ext_watch watch;
  rnn_ext_watch_begin(&watch, sqlite3_context_db_handle(ctx), m);
  rnn_status rc = rnn_predict(m, NULL, h, f, &e);
  rnn_ext_watch_end(&watch, m);
  if (rc != RNN_OK) {
    rnn_ext_error(ctx, FN, rc, &e);
    goto done;
  }
  int band = level > 0;
  for (int s = 0; s < h && band; s++)
    band = rnn_interval(m, s + 1, level, &half[s]) && isfinite(half[s]);
  sqlite3_str *s = sqlite3_str_new(NULL);
  draw(s, m, &o, y, n, f, band ? half : NULL, h, level);
  rnn_ext_result_str(ctx, s);
done:
  sqlite3_free(buf);
  sqlite3_free(o.title);
  sqlite3_free(o.unit);
}
