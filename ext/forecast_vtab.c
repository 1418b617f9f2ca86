/*
** rnn_forecast(model [, horizon [, level [, window [, future]]]]): the
** forecast as a table (SPEC.md 3), an eponymous-only virtual table.
**
** Rules:
**   1. Columns step (1..horizon), ts, value, lower, upper; hidden columns
**      model, horizon, level, window, future take the arguments in that
**      order (future: the covariates of the forecast steps, ext/predict.c
**      rule 5), so
**      lateral joins work: SELECT ... FROM models m, rnn_forecast(m.model).
**   2. horizon defaults to the model's horizon option; it is an integer from
**      1 to RNN_EXT_MAX_H. level defaults to 0.95 and lies strictly between
**      0 and 1.
**   3. ts continues the training timestamps with the inferred step (same
**      type; calendar arithmetic for dates). It is NULL when the series had
**      no regular step, and when a window is given (its time is unknown).
**   4. [lower, upper] is value -/+ the conformal half-width of that step
**      (core/predict.c rule 5); NULL when the model has no calibration
**      (trained without validation windows).
**   5. A NULL model gives no rows; a bad model, horizon, level or window is
**      an error naming rnn_forecast.
**   6. The table keeps the last model it decoded (vtab.c rule 2).
**   7. A value, bound or ts that would not be finite is an error naming the
**      step (core/predict.c rule 7).
*/
#include <math.h>
#include <string.h>

#include "rnn_ext.h"

static const char *FN = "rnn_forecast";

enum { COL_STEP, COL_TS, COL_VALUE, COL_LOWER, COL_UPPER, COL_MODEL,
       COL_HORIZON, COL_LEVEL, COL_WINDOW, COL_FUTURE };
#define N_ARGS 5 /* hidden columns, from COL_MODEL */

typedef struct forecast_cursor {
  sqlite3_vtab_cursor base;
  int n, at;       /* rows, current row (0-based) */
  double *value;   /* (n) */
  double *half;    /* (n), NaN = no interval */
  rnn_ts *ts;      /* (n) */
} forecast_cursor;

static int fc_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  return rnn_ext_vtab_connect(
      db,
      "CREATE TABLE x(step INTEGER, ts, value REAL, lower REAL, upper REAL, "
      "model HIDDEN, horizon HIDDEN, level HIDDEN, \"window\" HIDDEN, "
      "future HIDDEN)",
      FN, COL_MODEL, N_ARGS, 12, sizeof(forecast_cursor), out);
}

static void fc_reset(forecast_cursor *c) {
  sqlite3_free(c->value);
  sqlite3_free(c->half);
  sqlite3_free(c->ts);
  c->value = c->half = NULL;
  c->ts = NULL;
  c->n = c->at = 0;
}

static int fc_close(sqlite3_vtab_cursor *cur) {
  fc_reset((forecast_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int fc_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str,
                     int argc, sqlite3_value **argv) {
  (void)idx_str, (void)argc;
  forecast_cursor *c = (forecast_cursor *)cur;
  rnn_ext_vtab *vt = (rnn_ext_vtab *)cur->pVtab;
  sqlite3_value *arg[N_ARGS];
  rnn_ext_vtab_args(vt, idx_num, argv, arg);
  fc_reset(c);

  char *err = NULL;
  rnn_model *m = NULL;
  double *win = NULL, *future = NULL;
  int rc = rnn_ext_vtab_model(vt, arg[0], &m, &err);
  if (rc != SQLITE_OK) return rnn_ext_vtab_error(cur, rc, err);
  if (!m) return SQLITE_OK; /* rule 5: no rows */
  /* Rule 2. */
  int h = m->opts.horizon > 0 ? m->opts.horizon : 1;
  double level = 0.95;
  if (arg[1] && sqlite3_value_type(arg[1]) != SQLITE_NULL &&
      (rc = rnn_ext_read_h(FN, "horizon", arg[1], &h, &err)))
    goto fail;
  if (arg[2] && sqlite3_value_type(arg[2]) != SQLITE_NULL &&
      (rc = rnn_ext_read_level(FN, arg[2], &level, &err)))
    goto fail;
  int has_window = arg[3] && sqlite3_value_type(arg[3]) != SQLITE_NULL;
  if (has_window) {
    win = sqlite3_malloc64((sqlite3_uint64)m->tail_rows * m->arch.input *
                           sizeof *win);
    if (!win) goto nomem;
    if ((rc = rnn_ext_read_window(FN, arg[3], m, win, &err))) goto fail;
  }
  if ((rc = rnn_ext_read_future(FN, arg[4], m, h, &future, &err))) goto fail;
  c->value = sqlite3_malloc64((sqlite3_uint64)h * sizeof *c->value);
  c->half = sqlite3_malloc64((sqlite3_uint64)h * sizeof *c->half);
  c->ts = sqlite3_malloc64((sqlite3_uint64)h * sizeof *c->ts);
  if (!c->value || !c->half || !c->ts) goto nomem;
  rnn_err e;
  rnn_ext_watch watch;
  rnn_ext_watch_begin(&watch, vt->db, m);
  rnn_status st = rnn_predict_future(m, win, h, future, c->value, &e);
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
  for (int s = 0; s < h; s++) {
    /* Rules 3, 4 and 7. */
    rnn_interval(m, s + 1, level, &c->half[s]);
    double v = c->value[s], half = c->half[s];
    if (!isnan(half) && !(isfinite(v - half) && isfinite(v + half))) {
      err = sqlite3_mprintf("%s: the interval of step %d is not finite", FN, s + 1);
      rc = err ? SQLITE_ERROR : SQLITE_NOMEM;
      goto fail;
    }
    rnn_ts none = {0};
    c->ts[s] = has_window || m->step.kind == RNN_STEP_NONE
                   ? none
                   : rnn_ts_advance(&m->last_ts, &m->step, s + 1);
    if (c->ts[s].kind == RNN_TS_REAL && !isfinite(c->ts[s].r)) {
      err = sqlite3_mprintf("%s: the ts of step %d is not finite", FN, s + 1);
      rc = err ? SQLITE_ERROR : SQLITE_NOMEM;
      goto fail;
    }
  }
  c->n = h;
  sqlite3_free(win);
  sqlite3_free(future);
  return SQLITE_OK;
nomem:
  rc = SQLITE_NOMEM;
fail:
  fc_reset(c);
  sqlite3_free(win);
  sqlite3_free(future);
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
    case COL_STEP: sqlite3_result_int(ctx, i + 1); break;
    case COL_TS: rnn_ext_result_ts(ctx, &c->ts[i]); break;
    case COL_VALUE: sqlite3_result_double(ctx, c->value[i]); break;
    case COL_LOWER:
      if (isnan(half)) sqlite3_result_null(ctx);
      else sqlite3_result_double(ctx, c->value[i] - half);
      break;
    case COL_UPPER:
      if (isnan(half)) sqlite3_result_null(ctx);
      else sqlite3_result_double(ctx, c->value[i] + half);
      break;
    default: sqlite3_result_null(ctx); /* hidden argument columns */
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

