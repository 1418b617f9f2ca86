/*
** rnn_backtest(model, series [, level]): the one-step forecast of every row
** of a series from the rows before it, as a table: what rnn_next gives row
** by row, computed in batches (an eponymous-only virtual table).
**
** Rules:
**   1. Columns pos, actual, predicted, lower, upper; hidden columns model,
**      series, level take the arguments in that order (vtab.c rule 1).
**   2. series is a JSON array, oldest first, whose entries are as in a
**      window of rnn_predict: numbers or nulls (missing), or rows
**      [y, x1, ..., xk] for a model with k covariates. Any length.
**   3. One row for each position pos (1-based) that has a full window
**      before it: pos = window + 1 .. the series' length. actual is the
**      value at pos (NULL when missing); predicted is the forecast from the
**      window rows before pos, missing values filled as rnn_predict fills
**      them: bit for bit what rnn_next gives that row, and what
**      rnn_predict(model, <those rows>) gives, except for a model with a
**      covariate effect (core/xreg.c), which takes the row's own
**      covariates as the step's (rnn_predict(model, <those rows>, 1,
**      <the row's covariates>); rnn_next cannot see them). It is NULL when
**      a column of that window has no known value (rnn_next's NULL).
**   4. lower and upper: predicted -/+ the step-1 conformal half-width at
**      level (default 0.95; core/predict.c rule 5); NULL when the model has
**      no calibration.
**   5. The forecasts are computed in xFilter, up to RNN_ROWS_BATCH windows
**      per pass through the network (core/predict.c).
**   6. A NULL model or series gives no rows; a bad model, series or level
**      is an error naming rnn_backtest.
**   7. rnn_anomaly(model, series) is the table-valued form of the window
**      function rnn_anomaly (ext/next.c rule 8), as rnn_backtest is
**      rnn_next's: columns pos, actual, predicted as above, and score, the
**      surprise of actual (core/predict.c rule 10) at the scale of the
**      errors of the rows before it, bit for bit what the window function
**      gives that row when its frame holds every row before it (or the
**      window and RNN_SURPRISE_RECENT rows more); NULL where actual or
**      predicted is NULL, or the model has neither one-step errors nor
**      calibration.
*/
#include <math.h>
#include <string.h>

#include "rnn_ext.h"

static const char *FN = "rnn_backtest", *FN_ANOMALY = "rnn_anomaly";

enum { BT_POS, BT_ACTUAL, BT_PREDICTED, BT_LOWER, BT_UPPER, BT_MODEL,
       BT_SERIES, BT_LEVEL };
#define N_ARGS 3 /* hidden columns, from BT_MODEL */
/* rnn_anomaly's columns (rule 7); its arguments are model and series. */
enum { AN_SCORE = BT_LOWER, AN_MODEL };

typedef struct backtest_cursor {
  sqlite3_vtab_cursor base;
  int W, C;          /* the model's window and columns */
  size_t n, at;      /* rows out (series length - W), current (0-based) */
  double *series;    /* (W + n, C) */
  double *predicted; /* (n) */
  double half;       /* step-1 half-width, NaN = none */
  double *score;      /* (n): rnn_anomaly's scores (rule 7), computed in
                      ** xFilter (another cursor's may replace the model:
                      ** vtab.c rule 2) */
  int anomaly;
} backtest_cursor;

/* Rule 7: one module for both functions; the name registered is aux. */
static int bt_connect(sqlite3 *db, void *aux, int argc,
                      const char *const *argv, sqlite3_vtab **out, char **err) {
  (void)argc, (void)argv, (void)err;
  if (aux && strcmp(aux, FN_ANOMALY) == 0)
    return rnn_ext_vtab_connect(
        db,
        "CREATE TABLE x(pos INTEGER, actual REAL, predicted REAL, score REAL, "
        "model HIDDEN, series HIDDEN)",
        FN_ANOMALY, AN_MODEL, 2, 1000, sizeof(backtest_cursor), out);
  return rnn_ext_vtab_connect(
      db,
      "CREATE TABLE x(pos INTEGER, actual REAL, predicted REAL, lower REAL, "
      "upper REAL, model HIDDEN, series HIDDEN, level HIDDEN)",
      FN, BT_MODEL, N_ARGS, 1000, sizeof(backtest_cursor), out);
}

static void bt_reset(backtest_cursor *c) {
  sqlite3_free(c->series);
  sqlite3_free(c->predicted);
  c->series = c->predicted = NULL;
  sqlite3_free(c->score);
  c->score = NULL;
  c->n = c->at = 0;
}

static int bt_close(sqlite3_vtab_cursor *cur) {
  bt_reset((backtest_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int bt_filter(sqlite3_vtab_cursor *cur, int idx_num,
                     const char *idx_str, int argc, sqlite3_value **argv) {
  (void)idx_str, (void)argc;
  backtest_cursor *c = (backtest_cursor *)cur;
  rnn_ext_vtab *vt = (rnn_ext_vtab *)cur->pVtab;
  sqlite3_value *arg[N_ARGS] = {0};
  rnn_ext_vtab_args(vt, idx_num, argv, arg);
  bt_reset(c);
  const char *fn = vt->fn;
  c->anomaly = fn == FN_ANOMALY;

  char *err = NULL;
  rnn_model *m = NULL;
  int rc = rnn_ext_vtab_model(vt, arg[0], &m, &err);
  if (rc != SQLITE_OK) return rnn_ext_vtab_error(cur, rc, err);
  /* Rule 6. */
  if (!m || !arg[1] || sqlite3_value_type(arg[1]) == SQLITE_NULL)
    return SQLITE_OK;
  double level = 0.95;
  if (arg[2] && sqlite3_value_type(arg[2]) != SQLITE_NULL &&
      (rc = rnn_ext_read_level(fn, arg[2], &level, &err)))
    return rnn_ext_vtab_error(cur, rc, err);
  size_t rows;
  if ((rc = rnn_ext_read_series(fn, arg[1], m, &c->series, &rows, &err)))
    return rnn_ext_vtab_error(cur, rc, err);
  c->W = m->tail_rows, c->C = m->arch.input;
  /* Rule 3: the positions with a full window before them. */
  size_t n = rows > (size_t)c->W ? rows - (size_t)c->W : 0;
  if (n > 0 && !(c->predicted = sqlite3_malloc64((sqlite3_uint64)n * sizeof *c->predicted))) {
    bt_reset(c);
    return SQLITE_NOMEM;
  }
  /* n < INT_MAX: every JSON entry takes at least two bytes of a TEXT. */
  rnn_err e;
  rnn_ext_watch watch;
  rnn_ext_watch_begin(&watch, vt->db, m);
  rnn_status st = rnn_predict_rows(m, c->series, (size_t)c->W, (int)n,
                                   c->predicted, &e);
  rnn_ext_watch_end(&watch, m);
  if (st != RNN_OK) {
    bt_reset(c);
    if (st == RNN_ENOMEM) return SQLITE_NOMEM;
    if (st == RNN_EINTERRUPT) return SQLITE_INTERRUPT;
    err = sqlite3_mprintf("%s: %s", fn, e.msg);
    return rnn_ext_vtab_error(cur, err ? SQLITE_ERROR : SQLITE_NOMEM, err);
  }
  rnn_interval(m, 1, level, &c->half); /* rule 4 */
  for (size_t i = 0; i < n && !c->anomaly && !isnan(c->half); i++) {
    double p = c->predicted[i];
    if (!isnan(p) && !(isfinite(p - c->half) && isfinite(p + c->half))) {
      bt_reset(c);
      err = sqlite3_mprintf("%s: the interval of position %lld is not finite", fn,
                            (long long)((size_t)c->W + i + 1));
      return rnn_ext_vtab_error(cur, err ? SQLITE_ERROR : SQLITE_NOMEM, err);
    }
  }
  if (c->anomaly && n > 0) {
    if (!(c->score = sqlite3_malloc64((sqlite3_uint64)n * sizeof *c->score))) {
      bt_reset(c);
      return SQLITE_NOMEM;
    }
    /* The errors first (in score), then each score at the scale of the
    ** errors of the rows before it (ext/next.c rule 8), latest first so
    ** each error is read before its place is overwritten. */
    for (size_t i = 0; i < n; i++)
      c->score[i] = c->series[((size_t)c->W + i) * c->C] - c->predicted[i];
    for (size_t i = n; i-- > 0;) {
      size_t first = i > RNN_SURPRISE_RECENT ? i - RNN_SURPRISE_RECENT : 0;
      double e_i = c->score[i];
      c->score[i] = isnan(e_i) ? NAN
                               : rnn_surprise_recent(m, e_i, c->score + first, (int)(i - first));
    }
  }
  c->n = n;
  return SQLITE_OK;
}

static int bt_next(sqlite3_vtab_cursor *cur) {
  ((backtest_cursor *)cur)->at++;
  return SQLITE_OK;
}

static int bt_eof(sqlite3_vtab_cursor *cur) {
  backtest_cursor *c = (backtest_cursor *)cur;
  return c->at >= c->n;
}

static void result_number(sqlite3_context *ctx, double v) {
  if (isnan(v))
    sqlite3_result_null(ctx);
  else
    sqlite3_result_double(ctx, v);
}

static int bt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  backtest_cursor *c = (backtest_cursor *)cur;
  size_t row = (size_t)c->W + c->at; /* 0-based in the series */
  double p = c->predicted[c->at];
  switch (col) {
    case BT_POS: sqlite3_result_int64(ctx, (sqlite3_int64)row + 1); break;
    case BT_ACTUAL: result_number(ctx, c->series[row * c->C]); break;
    case BT_PREDICTED: result_number(ctx, p); break;
    case AN_SCORE:
      result_number(ctx, c->anomaly ? c->score[c->at] : p - c->half);
      break;
    case BT_UPPER: /* rnn_anomaly's hidden model column */
      result_number(ctx, c->anomaly ? NAN : p + c->half);
      break;
    default: sqlite3_result_null(ctx); /* hidden argument columns */
  }
  return SQLITE_OK;
}

static int bt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((backtest_cursor *)cur)->at + 1;
  return SQLITE_OK;
}

sqlite3_module rnn_sql_backtest_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = bt_connect,
    .xBestIndex = rnn_ext_vtab_best_index,
    .xDisconnect = rnn_ext_vtab_disconnect,
    .xDestroy = rnn_ext_vtab_disconnect,
    .xOpen = rnn_ext_vtab_open,
    .xClose = bt_close,
    .xFilter = bt_filter,
    .xNext = bt_next,
    .xEof = bt_eof,
    .xColumn = bt_column,
    .xRowid = bt_rowid,
};
