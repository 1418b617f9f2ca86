/*
** rnn_forecast(model [, horizon [, level [, window [, future [, series]]]]]):
** the forecast as a table (SPEC.md 3), an eponymous-only virtual table.
**
** Rules:
**   1. Columns step (1..horizon), ts, value, lower, upper; hidden columns
**      model, horizon, level, window, future take the arguments in that
**      order (future: the covariates of the forecast steps, ext/predict.c
**      rule 5), and hold them (NULL where not given; vtab.c rule 3), so
**      lateral joins work: SELECT ... FROM models m, rnn_forecast(m.model).
**   2. horizon defaults to the model's horizon option; it is an integer from
**      1 to RNN_EXT_MAX_H. level defaults to 0.95 and lies strictly between
**      0 and 1.
**   3. ts continues the training timestamps with the inferred step (same
**      type; calendar arithmetic for dates). It is NULL when the series had
**      no regular step, when a window is given (its time is unknown), and
**      past the timestamps the series' type can hold (a date after
**      9999-12-31, an INTEGER beyond 64 bits).
**   4. [lower, upper] is value -/+ the conformal half-width of that step
**      (core/predict.c rule 5; lower at or above zero for a series that
**      never went below zero); NULL when the model has no calibration
**      (trained without validation windows).
**   5. A NULL model gives no rows; a bad model, horizon, level or window is
**      an error naming rnn_forecast.
**   6. The table keeps the last model it decoded (vtab.c rule 2).
**   7. A value, bound or ts that would not be finite is an error naming the
**      step (core/predict.c rule 7).
**   8. A global model (rnn_train_global) forecasts the series the hidden
**      column series names (any SQL value; an integral REAL is that
**      INTEGER), or, without it, every series in key order, horizon rows
**      each, with the key in series. With a window and a series it does
**      not have (or no series), a new series: the shared network alone on
**      the window normalised by its own statistics (core/global.c rule 4),
**      no intervals, series the argument (NULL without one). series = NULL
**      without a window matches
**      no series (no rows). future needs a series. A series argument to
**      another model is an error.
*/
#include <math.h>
#include <string.h>

#include "rnn_ext.h"

static const char *FN = "rnn_forecast";

enum { COL_STEP, COL_TS, COL_VALUE, COL_LOWER, COL_UPPER, COL_MODEL,
       COL_HORIZON, COL_LEVEL, COL_WINDOW, COL_FUTURE, COL_SERIES };
#define N_ARGS 6 /* hidden columns, from COL_MODEL */

typedef struct forecast_cursor {
  rnn_ext_cursor base;
  int n, at;       /* rows, current row (0-based) */
  int h;           /* rows per series */
  double *value;   /* (n) */
  double *half;    /* (n), NaN = no interval */
  double *lower;   /* (n) the lower bounds (core/predict.c rule 5) */
  rnn_ts *ts;      /* (n) */
  rnn_label *keys; /* rule 8: row r's series key is keys[r / h]; NULL for */
  char *key_bytes; /*   a model of one series */
} forecast_cursor;

static int fc_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  return rnn_ext_vtab_connect(
      db,
      "CREATE TABLE x(step INTEGER, ts, value REAL, lower REAL, upper REAL, "
      "model HIDDEN, horizon HIDDEN, level HIDDEN, \"window\" HIDDEN, "
      "future HIDDEN, series HIDDEN)",
      FN, COL_MODEL, N_ARGS, 12, sizeof(forecast_cursor), out);
}

static void fc_reset(forecast_cursor *c) {
  sqlite3_free(c->value);
  sqlite3_free(c->half);
  sqlite3_free(c->lower);
  sqlite3_free(c->ts);
  sqlite3_free(c->keys);
  sqlite3_free(c->key_bytes);
  c->value = c->half = c->lower = NULL;
  c->ts = NULL;
  c->keys = NULL;
  c->key_bytes = NULL;
  c->n = c->at = c->h = 0;
}

/* Rules 3, 4 and 7 for rows [at, at + h) of model m's forecast (in
** c->value there): bounds and ts; 0 after setting *err. */
static int finish_rows(forecast_cursor *c, const rnn_model *m, int at, int h,
                       double level, int has_window, char **err) {
  for (int s = 0; s < h; s++) {
    rnn_interval(m, s + 1, level, c->value[at + s], &c->half[at + s]);
    double v = c->value[at + s], half = c->half[at + s];
    c->lower[at + s] = rnn_lower_bound(m, v, half);
    if (!isnan(half) && !(isfinite(v - half) && isfinite(v + half))) {
      *err = sqlite3_mprintf("%s: the interval of step %d is not finite", FN, s + 1);
      return 0;
    }
    rnn_ts none = {0};
    c->ts[at + s] = has_window || m->step.kind == RNN_STEP_NONE
                        ? none
                        : rnn_ts_advance(&m->last_ts, &m->step, s + 1);
    if (c->ts[at + s].kind == RNN_TS_REAL && !isfinite(c->ts[at + s].r)) {
      *err = sqlite3_mprintf("%s: the ts of step %d is not finite", FN, s + 1);
      return 0;
    }
  }
  return 1;
}

/* Rule 8: the keys of series [0, n) of g (or the one series `one`). */
static int copy_keys(forecast_cursor *c, const rnn_global *g, int from, int n) {
  size_t bytes = 0;
  for (int i = from; i < from + n; i++) bytes += g->keys[i].s ? g->keys[i].len : 0;
  c->keys = sqlite3_malloc64((sqlite3_uint64)n * sizeof *c->keys);
  c->key_bytes = sqlite3_malloc64(bytes + 1);
  if (!c->keys || !c->key_bytes) return 0;
  char *p = c->key_bytes;
  for (int i = 0; i < n; i++) {
    c->keys[i] = g->keys[from + i];
    if (c->keys[i].s) {
      memcpy(p, c->keys[i].s, c->keys[i].len);
      c->keys[i].s = p, p += c->keys[i].len;
    }
  }
  return 1;
}

static int fc_close(sqlite3_vtab_cursor *cur) {
  fc_reset((forecast_cursor *)cur);
  return rnn_ext_cursor_close(cur);
}

static int fc_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str,
                     int argc, sqlite3_value **argv) {
  (void)idx_str, (void)argc;
  forecast_cursor *c = (forecast_cursor *)cur;
  rnn_ext_vtab *vt = (rnn_ext_vtab *)cur->pVtab;
  sqlite3_value *arg[N_ARGS];
  fc_reset(c);
  if (rnn_ext_cursor_args(&c->base, idx_num, argv, arg, NULL)) return SQLITE_NOMEM;

  char *err = NULL;
  rnn_model *m = NULL;
  rnn_global *g = NULL;
  rnn_model *stranger = NULL; /* rule 8's new series */
  double *win = NULL, *future = NULL;
  int rc = rnn_ext_vtab_any(vt, arg[0], &m, &g, &err);
  if (rc != SQLITE_OK) return rnn_ext_vtab_error(cur, rc, err);
  if (!m && !g) return SQLITE_OK; /* rule 5: no rows */
  int has_series = arg[5] && sqlite3_value_type(arg[5]) != SQLITE_NULL;
  if (g && arg[5] && !has_series && !(arg[3] && sqlite3_value_type(arg[3]) != SQLITE_NULL))
    return SQLITE_OK; /* rule 8: series = NULL matches no series */
  int has_window = arg[3] && sqlite3_value_type(arg[3]) != SQLITE_NULL;
  int has_future = arg[4] && sqlite3_value_type(arg[4]) != SQLITE_NULL;
  int first = 0, count = 1; /* rule 8: the series forecast */
  if (!g && has_series) {
    err = sqlite3_mprintf("%s: series is for a global model (rnn_train_global)", FN);
    rc = err ? SQLITE_ERROR : SQLITE_NOMEM;
    goto fail;
  }
  int absent;
  if (g && has_series && (rc = rnn_ext_global_index(FN, g, arg[5], &first, &absent, &err))) {
    if (!absent || !has_window) goto fail;
    sqlite3_free(err); /* rule 8: a new series, from its window */
    err = NULL;
  } else if (g && !has_series && !has_window) {
    if (has_future) {
      err = sqlite3_mprintf("%s: future needs the series it is for", FN);
      rc = err ? SQLITE_ERROR : SQLITE_NOMEM;
      goto fail;
    }
    count = g->n;
  }
  if (g && first >= 0 && (has_series || !has_window)) {
    m = g->models[first];
  } else if (g) {
    rnn_err e;
    rnn_status st = rnn_global_stranger(g, &stranger, &e);
    if (st) {
      rc = st == RNN_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
      err = st == RNN_ENOMEM ? NULL : sqlite3_mprintf("%s: %s", FN, e.msg);
      goto fail;
    }
    m = stranger;
    g = NULL; /* one series, no key */
  }
  /* Rule 2. */
  int h = m->opts.horizon > 0 ? m->opts.horizon : 1;
  double level = 0.95;
  if (arg[1] && sqlite3_value_type(arg[1]) != SQLITE_NULL &&
      (rc = rnn_ext_read_h(FN, "horizon", arg[1], RNN_EXT_MAX_H, &h, &err)))
    goto fail;
  if (arg[2] && sqlite3_value_type(arg[2]) != SQLITE_NULL &&
      (rc = rnn_ext_read_level(FN, arg[2], &level, &err)))
    goto fail;
  if ((double)h * count > RNN_EXT_MAX_H * 100.0) {
    err = sqlite3_mprintf("%s: %d series of %d steps are too many rows", FN, count, h);
    rc = err ? SQLITE_ERROR : SQLITE_NOMEM;
    goto fail;
  }
  if (has_window) {
    win = sqlite3_malloc64((sqlite3_uint64)m->tail_rows * m->arch.input *
                           sizeof *win);
    if (!win) goto nomem;
    if ((rc = rnn_ext_read_window(FN, arg[3], m, win, &err))) goto fail;
    if (stranger) rnn_global_stranger_window(stranger, win);
  }
  if ((rc = rnn_ext_read_future(FN, arg[4], m, h, &future, &err))) goto fail;
  size_t rows = (size_t)h * (size_t)count;
  c->value = sqlite3_malloc64(rows * sizeof *c->value);
  c->half = sqlite3_malloc64(rows * sizeof *c->half);
  c->lower = sqlite3_malloc64(rows * sizeof *c->lower);
  c->ts = sqlite3_malloc64(rows * sizeof *c->ts);
  if (!c->value || !c->half || !c->lower || !c->ts || (g && !copy_keys(c, g, first, count))) goto nomem;
  c->h = h;
  for (int i = 0; i < count; i++) {
    if (g) m = g->models[first + i];
    rnn_err e;
    rnn_ext_watch watch;
    rnn_ext_watch_begin(&watch, vt->db, m);
    rnn_status st = rnn_predict_future(m, win, h, future, c->value + (size_t)i * h, &e);
    rnn_ext_watch_end(&watch, m);
    if (st == RNN_ENOMEM) goto nomem;
    if (st == RNN_EINTERRUPT) {
      rc = SQLITE_INTERRUPT;
      goto fail;
    }
    if (st != RNN_OK) {
      err = sqlite3_mprintf("%s: %s", FN, e.msg);
      rc = err ? SQLITE_ERROR : SQLITE_NOMEM;
      goto fail;
    }
    if (!finish_rows(c, m, i * h, h, level, has_window, &err)) {
      rc = err ? SQLITE_ERROR : SQLITE_NOMEM;
      goto fail;
    }
  }
  c->n = (int)rows;
  sqlite3_free(win);
  sqlite3_free(future);
  rnn_model_free(stranger);
  return SQLITE_OK;
nomem:
  rc = SQLITE_NOMEM;
fail:
  fc_reset(c);
  sqlite3_free(win);
  sqlite3_free(future);
  rnn_model_free(stranger);
  return rnn_ext_vtab_error(cur, rc, err);
}

static int fc_next(sqlite3_vtab_cursor *cur) {
  ((forecast_cursor *)cur)->at++;
  return SQLITE_OK;
}

static int fc_eof(sqlite3_vtab_cursor *cur) {
  forecast_cursor *c = (forecast_cursor *)cur;
  return c->at >= c->n;
}

static int fc_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  forecast_cursor *c = (forecast_cursor *)cur;
  int i = c->at;
  double half = c->half[i];
  switch (col) {
    case COL_STEP: sqlite3_result_int(ctx, i % c->h + 1); break;
    case COL_SERIES: { /* rule 8 */
      const rnn_label *k = c->keys ? &c->keys[i / c->h] : NULL;
      if (!k) rnn_ext_cursor_arg(&c->base, ctx, col); /* a new series: its argument */
      else if (k->type == RNN_LABEL_INT) sqlite3_result_int64(ctx, k->i);
      else if (k->type == RNN_LABEL_REAL) sqlite3_result_double(ctx, k->r);
      else if (k->type == RNN_LABEL_TEXT) sqlite3_result_text64(ctx, k->s, k->len, SQLITE_TRANSIENT, SQLITE_UTF8);
      else sqlite3_result_blob64(ctx, k->s, k->len, SQLITE_TRANSIENT);
      break;
    }
    case COL_TS: rnn_ext_result_ts(ctx, &c->ts[i]); break;
    case COL_VALUE: sqlite3_result_double(ctx, c->value[i]); break;
    case COL_LOWER:
      if (isnan(half)) sqlite3_result_null(ctx);
      else sqlite3_result_double(ctx, c->lower[i]);
      break;
    case COL_UPPER:
      if (isnan(half)) sqlite3_result_null(ctx);
      else sqlite3_result_double(ctx, c->value[i] + half);
      break;
    default: rnn_ext_cursor_arg(&c->base, ctx, col); /* vtab.c rule 3 */
  }
  return SQLITE_OK;
}

static int fc_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((forecast_cursor *)cur)->at + 1;
  return SQLITE_OK;
}

sqlite3_module rnn_sql_forecast_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = fc_connect,
    .xBestIndex = rnn_ext_vtab_best_index,
    .xDisconnect = rnn_ext_vtab_disconnect,
    .xDestroy = rnn_ext_vtab_disconnect,
    .xOpen = rnn_ext_vtab_open,
    .xClose = fc_close,
    .xFilter = fc_filter,
    .xNext = fc_next,
    .xEof = fc_eof,
    .xColumn = fc_column,
    .xRowid = fc_rowid,
};

