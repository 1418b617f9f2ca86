/*
** rnn_predict(model [, window [, h [, future [, series]]]]): forecasts as a scalar
** (SPEC.md 2), and the window and future readers shared with rnn_forecast.
**
** Rules:
**   1. A NULL model gives NULL; anything else that is not a model BLOB is an
**      error (extension.c: rnn_ext_model_arg).
**   2. window is a JSON array, oldest first: of numbers or nulls (missing)
**      for a model without covariates; of rows [y, x1, ..., xk] for a model
**      with k covariates (nulls allowed inside rows). Longer than the
**      model's window: the last ones are used; shorter: an error that gives
**      the length needed. A NULL window means the training tail, so
**      rnn_predict(m, NULL, h) continues the series.
**   3. Without h the result is the next value as a REAL; with h, an integer
**      from 1 to RNN_EXT_MAX_H, a JSON array of the next h values (a NULL h
**      is the model's horizon, as rnn_forecast's).
**   4. Values are in the units of the training data.
**   5. future (SPEC.md 3) holds the covariates of the forecast steps, for a
**      model with covariates: a JSON array of rows [x1, ..., xk] (numbers
**      or nulls; a number per row when k is 1), row s for step s + 1. It
**      needs at least h rows; more are ignored. A null keeps the step
**      before's value (the window's last row's at step 1). Without it (NULL),
**      the covariates repeat the window's last row. It changes the forecast
**      through the covariates' effect (core/xreg.c) when the model kept one.
**   7. rnn_predict(model, window, h, future, series): the series of a global
**      model (rnn_train_global) that series names (any SQL value; an
**      integral REAL is that INTEGER); with a window and a series the model
**      does not have (or NULL), a new series (core/global.c rule 4). Other
**      models take four arguments, or a NULL series.
**   6. A model with calendar columns (option calendar, core/calendar.c)
**      computes them for the forecast steps from its last ts and step; its
**      future rows hold the caller's covariates alone. Windows and series
**      have no ts to compute them from: an error (RNN_EXT_NO_CALENDAR).
*/
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/json.h"
#include "rnn_ext.h"

/* One window entry: a number or null into out[0]. */
static int read_entry(const rnn_json *c, double *out) {
  if (c->type == RNN_JSON_NULL) *out = NAN;
  else if (c->type == RNN_JSON_NUMBER) *out = c->num;
  else return 0;
  return 1;
}

/* Formats an error for rnn_ext_read_window's callers. */
static int fail(char **err, const char *fn, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  *err = msg ? sqlite3_mprintf("%s: %s", fn, msg) : NULL;
  sqlite3_free(msg);
  return *err ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Entry i of a window or series: a value or a row of C values into row. */
static int read_row(const char *fn, const char *what, const rnn_json *c,
                    size_t i, int C, double *row, char **err) {
  if (C == 1 && c->type != RNN_JSON_ARRAY) {
    if (read_entry(c, row)) return SQLITE_OK;
    return fail(err, fn, "%s[%lld] is %s; values must be numbers or null",
                what, (long long)i, rnn_json_type_name(c->type));
  }
  int fut = !strcmp(what, "future"); /* rows of covariates alone */
  if (c->type != RNN_JSON_ARRAY || c->len != (size_t)C)
    return fail(err, fn, "%s[%lld] must be a row of %d value%s [%s]", what,
                (long long)i, C, C > 1 ? "s" : "",
                fut ? (C > 1 ? "x1, ..." : "x1") : (C > 1 ? "y, x1, ..." : "y"));
  int col = 0;
  for (const rnn_json *x = c->child; x; x = x->next, col++)
    if (!read_entry(x, &row[col]))
      return fail(err, fn, "%s[%lld][%d] is %s; values must be numbers or null",
                  what, (long long)i, col, rnn_json_type_name(x->type));
  return SQLITE_OK;
}

/* What the element callbacks of rnn_json_each need (core/json.h rule 6):
** windows and series are read element by element, never as a tree. */
typedef struct rows_reader {
  const char *fn, *what;
  int C;
  double *out;   /* NULL in the counting pass */
  size_t skip;   /* entries before the first one kept */
  size_t ring;   /* read_ring_row: the rows out holds (entry i goes to i mod ring) */
  double *scratch; /* (C) for the entries skipped, which are checked too */
  int res;       /* SQLITE_OK, or the error in *err */
  char **err;
} rows_reader;

static rnn_status count_entry(void *arg, size_t i, const rnn_json *elem) {
  (void)arg, (void)i, (void)elem;
  return RNN_OK;
}

static rnn_status read_entry_row(void *arg, size_t i, const rnn_json *elem) {
  rows_reader *r = arg;
  double *row = i >= r->skip ? r->out + (i - r->skip) * r->C : r->scratch;
  r->res = read_row(r->fn, r->what, elem, i, r->C, row, r->err);
  return r->res == SQLITE_OK ? RNN_OK : RNN_EINVAL;
}

/* The window's reader (one pass): entry i into row i mod keep of a ring;
** after the first bad entry the rest are only counted, so the JSON's own
** errors, checked to its end, still come first. */
static rnn_status read_ring_row(void *arg, size_t i, const rnn_json *elem) {
  rows_reader *r = arg;
  if (r->res == SQLITE_OK)
    r->res = read_row(r->fn, r->what, elem, i, r->C, r->out + (i % r->ring) * r->C, r->err);
  return RNN_OK;
}

/* Rows [a, b) of x (C values each) in reverse order. */
static void reverse_rows(double *x, size_t a, size_t b, int C) {
  for (; a + 1 < b; a++, b--)
    for (int c = 0; c < C; c++) {
      double t = x[a * C + c];
      x[a * C + c] = x[(b - 1) * C + c];
      x[(b - 1) * C + c] = t;
    }
}

/* Reads v, a JSON array as TEXT of at least min entries, into out (the
** last `keep` entries, or all when keep is 0: *n of them, out allocated
** here with sqlite3_malloc64 when *out is NULL). Two passes, count and
** check the JSON, then read the rows; one for a given out and keep == min
** (a window: a ring of keep rows, then turned into order). Errors come in
** that order: the JSON's, then the count's, then the first bad entry's. */
static int read_rows(const char *fn, const char *what, sqlite3_value *v,
                     int C, size_t min, size_t keep, double **out, size_t *n,
                     char **err) {
  *err = NULL;
  if (sqlite3_value_type(v) != SQLITE_TEXT)
    return fail(err, fn, "%s must be a JSON array as TEXT, or NULL", what);
  const char *text = (const char *)sqlite3_value_text(v);
  if (!text) return SQLITE_NOMEM;
  size_t len = (size_t)sqlite3_value_bytes(v), count;
  rnn_json_type type;
  rnn_err e;
  int ring = *out && keep > 0 && keep == min; /* every kept row is read */
  rows_reader rr = {fn, what, C, *out, 0, keep, NULL, SQLITE_OK, err};
  rnn_status rc = ring ? rnn_json_each(text, len, read_ring_row, &rr, &type, &count, &e)
                       : rnn_json_each(text, len, count_entry, NULL, &type, &count, &e);
  if (rc != RNN_OK || type != RNN_JSON_ARRAY || count < min) {
    sqlite3_free(*err); /* a bad entry's message: the JSON's error comes first */
    *err = NULL;
  }
  if (rc == RNN_ENOMEM) return SQLITE_NOMEM;
  if (rc != RNN_OK) return fail(err, fn, "%s is not valid JSON: %s", what, e.msg);
  if (type != RNN_JSON_ARRAY)
    return fail(err, fn, "%s must be a JSON array, not %s", what,
                rnn_json_type_name(type));
  if (count < min && !strcmp(what, "future"))
    return fail(err, fn, "future has %lld row%s; it needs one for each of the %lld steps",
                (long long)count, count == 1 ? "" : "s", (long long)min);
  if (count < min)
    return fail(err, fn, "%s has %lld values, the model needs %lld", what,
                (long long)count, (long long)min);
  if (ring) {
    if (rr.res != SQLITE_OK) return rr.res;
    size_t first = count % keep; /* the oldest row kept */
    reverse_rows(*out, 0, first, C);
    reverse_rows(*out, first, keep, C);
    reverse_rows(*out, 0, keep, C);
    *n = keep;
    return SQLITE_OK;
  }
  size_t rows = keep ? keep : count;
  int owned = *out == NULL;
  if (owned) {
    /* Counted in the memory plan like everything else. */
    if ((double)rows * C * sizeof(double) > (double)RNN_MAX_MEMORY)
      return fail(err, fn, "%s has %lld rows; at most %lld fit the memory limit",
                  what, (long long)rows,
                  (long long)(RNN_MAX_MEMORY / sizeof(double) / (size_t)C));
    *out = sqlite3_malloc64((sqlite3_uint64)(rows ? rows : 1) * C * sizeof **out);
    if (!*out) return SQLITE_NOMEM;
  }
  double scratch[1024];
  rows_reader r = {fn, what, C, *out, count - rows, 0, scratch, SQLITE_OK, err};
  size_t again;
  rc = rnn_json_each(text, len, read_entry_row, &r, &type, &again, &e);
  int res = rc == RNN_OK ? SQLITE_OK : rc == RNN_ENOMEM ? SQLITE_NOMEM : r.res;
  if (res != SQLITE_OK && owned) {
    sqlite3_free(*out);
    *out = NULL;
  }
  if (res == SQLITE_OK) *n = rows;
  return res;
}

int rnn_ext_read_window(const char *fn, sqlite3_value *v, const rnn_model *m,
                        double *out, char **err) {
  size_t W = (size_t)m->tail_rows, n;
  if (rnn_model_calendar(m)) return fail(err, fn, "%s", RNN_EXT_NO_CALENDAR);
  return read_rows(fn, "window", v, m->arch.input, W, W, &out, &n, err);
}

int rnn_ext_read_future(const char *fn, sqlite3_value *v, const rnn_model *m,
                        int h, double **out, char **err) {
  int cal = rnn_model_calendar(m), k = m->arch.input - 1, ku = k - cal;
  size_t n;
  double *user = NULL;
  *out = NULL;
  *err = NULL;
  if (v && sqlite3_value_type(v) != SQLITE_NULL) {
    if (ku < 1)
      return fail(err, fn, "future gives covariates, and the model has none%s: "
                  "it must be NULL", cal ? " but its calendar columns" : "");
    int rc = read_rows(fn, "future", v, ku, (size_t)h, 0, &user, &n, err);
    if (rc != SQLITE_OK) return rc;
    if (!cal) {
      *out = user;
      return SQLITE_OK;
    }
  }
  if (!cal) return SQLITE_OK;
  /* Rule 6: the caller's columns (NaN: the step before's), then the
  ** calendar's of each step's ts. */
  double *f = sqlite3_malloc64((sqlite3_uint64)h * k * sizeof *f);
  if (!f) {
    sqlite3_free(user);
    return SQLITE_NOMEM;
  }
  for (int s = 0; s < h; s++) {
    double *row = f + (size_t)s * k;
    for (int j = 0; j < ku; j++) row[j] = user ? user[(size_t)s * ku + j] : NAN;
    rnn_ts t = rnn_ts_advance(&m->last_ts, &m->step, s + 1);
    rnn_calendar_row(&m->step, &t, row + ku);
  }
  sqlite3_free(user);
  *out = f;
  return SQLITE_OK;
}

int rnn_ext_read_series(const char *fn, sqlite3_value *v, const rnn_model *m,
                        double **out, size_t *n, char **err) {
  *out = NULL;
  *n = 0;
  if (rnn_model_calendar(m)) return fail(err, fn, "%s", RNN_EXT_NO_CALENDAR);
  return read_rows(fn, "series", v, m->arch.input, 0, 0, out, n, err);
}

int rnn_ext_read_h(const char *fn, const char *name, sqlite3_value *v, int max, int *h,
                   char **err) {
  sqlite3_int64 k;
  *err = NULL;
  if (!rnn_ext_int_value(v, 1, max, &k))
    return fail(err, fn, "%s must be an integer from 1 to %d", name, max);
  *h = (int)k;
  return SQLITE_OK;
}

static const char *FN = "rnn_predict";

/* Rule 7: the series argv[4] names in the global model argv[0], decoded
** alone (the call owns it: *own), or a new series from the window. */
static rnn_model *series_arg(sqlite3_context *ctx, sqlite3_value **argv,
                             rnn_model **own, int *is_new) {
  char *err = NULL;
  int has_window = sqlite3_value_type(argv[1]) != SQLITE_NULL, absent = 1;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return NULL;
  int rc = has_window && sqlite3_value_type(argv[4]) == SQLITE_NULL
               ? SQLITE_ERROR /* no key: a new series */
               : rnn_ext_series_model(FN, argv[0], argv[4], own, &absent, &err);
  if (rc == SQLITE_OK) return *own;
  if (!absent || !has_window) {
    rnn_ext_report(ctx, rc, err);
    return NULL;
  }
  sqlite3_free(err); /* a new series, from its window */
  *is_new = 1;
  rnn_err e;
  rnn_global *g = NULL;
  rnn_status st = rnn_global_decode(&g, sqlite3_value_blob(argv[0]),
                                    (size_t)sqlite3_value_bytes(argv[0]), &e);
  if (st == RNN_OK) st = rnn_global_stranger(g, own, &e);
  if (st == RNN_OK) { /* the new series borrows the network: a copy */
    size_t np = (*own)->layout.n_params;
    float *p = rnn_malloc(np * sizeof *p + 1);
    if (p) memcpy(p, (*own)->params, np * sizeof *p);
    (*own)->params = p, (*own)->params_borrowed = 0;
    if (!p) st = RNN_ENOMEM;
  }
  rnn_global_free(g);
  if (st) {
    rnn_model_free(*own);
    *own = NULL;
    rnn_ext_error(ctx, FN, st, &e);
  }
  return *own;
}

void rnn_sql_predict(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  rnn_model *own = NULL; /* rule 7: a series decoded for this call */
  int is_new = 0;
  /* Rule 7: a NULL series of a model that is not global is none, as
  ** rnn_forecast's. */
  int series = argc > 4 && (sqlite3_value_type(argv[4]) != SQLITE_NULL ||
                            rnn_ext_kind(argv[0]) == RNN_KIND_GLOBAL);
  rnn_model *m = series ? series_arg(ctx, argv, &own, &is_new)
                        : rnn_ext_model_arg(ctx, FN, argv, 0);
  if (!m) return; /* NULL model, or the error is set */
  int W = m->tail_rows, C = m->arch.input;
  int h = 1;
  char *err = NULL;
  int rc0;
  double *win = NULL, *out = NULL, *future = NULL;
  if (argc > 2 && sqlite3_value_type(argv[2]) == SQLITE_NULL)
    h = m->opts.horizon > 0 ? m->opts.horizon : 1; /* rule 3 */
  else if (argc > 2 && (rc0 = rnn_ext_read_h(FN, "h", argv[2], RNN_EXT_MAX_H, &h, &err))) {
    rnn_ext_report(ctx, rc0, err);
    goto done;
  }
  if ((rc0 = rnn_ext_read_future(FN, argc > 3 ? argv[3] : NULL, m, h, &future, &err))) {
    rnn_ext_report(ctx, rc0, err);
    goto done;
  }
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    win = sqlite3_malloc64((sqlite3_uint64)W * C * sizeof *win);
    if (!win) {
      sqlite3_result_error_nomem(ctx);
      goto done;
    }
    if ((rc0 = rnn_ext_read_window(FN, argv[1], m, win, &err))) {
      rnn_ext_report(ctx, rc0, err);
      goto done;
    }
    if (is_new) rnn_global_stranger_window(m, win);
  }
  out = sqlite3_malloc64((sqlite3_uint64)h * sizeof *out);
  if (!out) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  if (!rnn_ext_forecast(ctx, FN, m, win, h, future, out)) goto done;
  /* Rule 3. */
  if (argc < 3) {
    sqlite3_result_double(ctx, out[0]);
  } else {
    sqlite3_str *s = sqlite3_str_new(NULL);
    sqlite3_str_appendchar(s, 1, '[');
    for (int i = 0; i < h; i++) {
      if (i) sqlite3_str_appendchar(s, 1, ',');
      rnn_ext_append_double(s, out[i]);
    }
    sqlite3_str_appendchar(s, 1, ']');
    rnn_ext_result_str(ctx, s);
  }
done:
  sqlite3_free(win);
  sqlite3_free(out);
  sqlite3_free(future);
  rnn_model_free(own);
}

