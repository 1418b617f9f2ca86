/*
** rnn_backtest(model, series [, level [, horizon]]): the forecast of every
** row of a series from the rows before it, one step ahead (what rnn_next
** gives row by row, computed in batches) or 1 to horizon steps ahead, as a
** table (an eponymous-only virtual table).
**
** Rules:
**   1. Columns pos, actual, predicted, lower, upper, step; hidden columns
**      model, series, level, horizon take the arguments in that order
**      (vtab.c rule 1).
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
**   4. lower and upper: predicted -/+ the step's conformal half-width at
**      level, times rnn_band_scale of predicted (format 7's bands that grow
**      with the forecast) (default 0.95; core/predict.c rule 5: lower at or above zero
**      for a series that never went below zero); NULL when the model has
**      no calibration.
**   5. The forecasts are computed in xFilter, up to RNN_ROWS_BATCH windows
**      per pass through the network (core/predict.c); with a horizon over
**      1, one origin per pass (rnn_predict_origins).
**   6. A NULL model or series gives no rows, and so does a series too
**      short for any position (fewer than the model's history + 1
**      entries: a lateral join over many series does not fail for one
**      short series); a bad model, series, level or horizon is an error
**      naming rnn_backtest.
**   7. rnn_anomaly(model, series) is the table-valued form of the window
**      function rnn_anomaly (ext/next.c rule 8), as rnn_backtest is
**      rnn_next's: columns pos, actual, predicted as above, and score, the
**      surprise of actual (core/predict.c rule 10) at the scale of the
**      errors of the rows before it, bit for bit what the window function
**      gives that row when its frame holds every row before it (or the
**      window and RNN_SURPRISE_RECENT rows more); NULL where actual or
**      predicted is NULL, or the model has neither one-step errors nor
**      calibration.
**   8. The result is kept with the model while a statement reads it
**      (vtab.c rule 4), and pos = ? gives the rows of that position, one
**      per step (vtab.c rule 5): a join on pos, or a subquery per row of
**      another table, computes it once and looks each row up.
**   9. horizon (default 1, an integer from 1 to 1000): each position pos
**      has a row for each step s = 1 .. horizon whose origin, the pos - s
**      rows before it, holds a full window: predicted is step s of the
**      forecast from those rows, what rnn_predict(model, <those rows>, s)
**      ends with (rnn_forecast's window), the covariates of the rows
**      forecast taken as known (its future; a model without a covariate
**      effect does not read them). Rows come by pos, then step, so step 1
**      is rule 3's row, bit for bit. With a horizon over 1, at most
**      RNN_EXT_BACKTEST_ROWS rows (each origin's steps up to the series'
**      end): more is an error that says so.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rnn_ext.h"

static const char *FN = "rnn_backtest", *FN_ANOMALY = "rnn_anomaly";

enum { BT_POS, BT_ACTUAL, BT_PREDICTED, BT_LOWER, BT_UPPER, BT_STEP, BT_MODEL,
       BT_SERIES, BT_LEVEL, BT_HORIZON };
#define N_ARGS 4 /* hidden columns, from BT_MODEL */
#define RNN_EXT_BACKTEST_ROWS 20000000 /* rule 9: 160 MB of forecasts */
#define RNN_EXT_BACKTEST_MAX_H 1000    /* rule 9 */
/* rnn_anomaly's columns (rule 7); its arguments are model and series. */
enum { AN_SCORE = BT_LOWER, AN_MODEL };

/* What a call computed: the series read, the forecasts and scores, and
** the arguments it answers. Shared by the cursors reading it and kept by
** the table (rule 8): freed when the last of them lets go. */
typedef struct bt_result {
  int refs;
  int W, C;          /* the model's window and columns */
  int h;             /* the horizon (rule 9; rnn_anomaly 1) */
  size_t n;          /* origins (series length - W) */
  double *series;    /* (W + n, C) */
  double *predicted; /* (n, h): step s + 1 from origin W + j at j * h + s */
  double *half;      /* (h) each step's half-width, NaN = none, before */
  double band;       /* rnn_band_scale's L for each forecast (0: none) */
  int floor0;        /* lower bounds floored at zero (rule 4) */
  double *score;     /* (n): rnn_anomaly's scores (rule 7), or NULL */
  sqlite3_value *args; /* a copy of the series argument */
  double level;
} bt_result;

typedef struct backtest_cursor {
  rnn_ext_cursor base;
  bt_result *r;      /* computed or found in xFilter (another cursor's may
                     ** replace the model: vtab.c rule 2), or NULL */
  size_t at, end;    /* current position and the end (0-based, less W) */
  int step;          /* the current row's step (rule 9) */
  int anomaly;
} backtest_cursor;

static void release(void *p) {
  bt_result *r = p;
  if (!r || --r->refs > 0) return;
  sqlite3_free(r->series);
  sqlite3_free(r->predicted);
  sqlite3_free(r->half);
  sqlite3_free(r->score);
  sqlite3_value_free(r->args);
  sqlite3_free(r);
}

/* Rule 7: one module for both functions; the name registered is aux. */
static int bt_connect(sqlite3 *db, void *aux, int argc,
                      const char *const *argv, sqlite3_vtab **out, char **err) {
  (void)argc, (void)argv, (void)err;
  int anomaly = aux && strcmp(aux, FN_ANOMALY) == 0;
  int rc = anomaly
               ? rnn_ext_vtab_connect(
                     db,
                     "CREATE TABLE x(pos INTEGER, actual REAL, predicted REAL, score REAL, "
                     "model HIDDEN, series HIDDEN)",
                     FN_ANOMALY, AN_MODEL, 2, 1000, sizeof(backtest_cursor), out)
               : rnn_ext_vtab_connect(
                     db,
                     "CREATE TABLE x(pos INTEGER, actual REAL, predicted REAL, lower REAL, "
                     "upper REAL, step INTEGER, model HIDDEN, series HIDDEN, level HIDDEN, "
                     "horizon HIDDEN)",
                     FN, BT_MODEL, N_ARGS, 1000, sizeof(backtest_cursor), out);
  if (rc == SQLITE_OK) ((rnn_ext_vtab *)*out)->pos_lookup = 1; /* rule 8 */
  return rc;
}

static void bt_reset(backtest_cursor *c) {
  release(c->r);
  c->r = NULL;
  c->at = c->end = 0, c->step = 1;
}

static int bt_close(sqlite3_vtab_cursor *cur) {
  bt_reset((backtest_cursor *)cur);
  return rnn_ext_cursor_close(cur);
}

/* Rules 3-5, 7 and 9: the forecasts (and scores) of model m over the
** series already read into r. */
static int compute(sqlite3_vtab_cursor *cur, rnn_ext_vtab *vt, rnn_model *m,
                   bt_result *r, size_t n, double level, int anomaly) {
  const char *fn = vt->fn;
  char *err;
  int h = r->h;
  /* Rule 9: the rows out, origin o giving min(h, n - o) of them. */
  double rows = h < (double)n ? (double)n * h - (double)h * (h - 1) / 2
                              : (double)n * (n + 1) / 2;
  if (h > 1 && rows > RNN_EXT_BACKTEST_ROWS) {
    err = sqlite3_mprintf("%s: %lld origins with horizon %d give %.0f rows, more than %d; "
                          "ask for a shorter series or horizon",
                          fn, (long long)n, h, rows, RNN_EXT_BACKTEST_ROWS);
    return rnn_ext_vtab_error(cur, err ? SQLITE_ERROR : SQLITE_NOMEM, err);
  }
  if (n > 0 && !(r->predicted = sqlite3_malloc64((sqlite3_uint64)n * h * sizeof *r->predicted)))
    return SQLITE_NOMEM;
  if (!(r->half = sqlite3_malloc64((sqlite3_uint64)h * sizeof *r->half))) return SQLITE_NOMEM;
  /* n < INT_MAX: every JSON entry takes at least two bytes of a TEXT. */
  rnn_err e;
  rnn_ext_watch watch;
  rnn_ext_watch_begin(&watch, vt->db, m);
  rnn_status st = h == 1 ? rnn_predict_rows(m, r->series, (size_t)r->W, (int)n, r->predicted, &e)
                         : rnn_predict_origins(m, r->series, (size_t)r->W + n, (size_t)r->W,
                                               (int)n, h, r->predicted, &e);
  rnn_ext_watch_end(&watch, m);
  if (st == RNN_ENOMEM) return SQLITE_NOMEM;
  if (st == RNN_EINTERRUPT) return SQLITE_INTERRUPT;
  if (st != RNN_OK) {
    err = sqlite3_mprintf("%s: %s", fn, e.msg);
    return rnn_ext_vtab_error(cur, err ? SQLITE_ERROR : SQLITE_NOMEM, err);
  }
  /* Rule 4: rnn_lower_bound's floor, kept for the rows read later. */
  r->floor0 = rnn_lower_floored(m);
  r->band = rnn_band_level(m);
  for (int s = 0; s < h; s++) rnn_interval(m, s + 1, level, r->band, &r->half[s]);
  for (size_t i = 0; i < n * h && !anomaly; i++) {
    double p = r->predicted[i], half = r->half[i % h] * rnn_band_scale(r->band, p);
    if (!isnan(p) && !isnan(half) && !(isfinite(p - half) && isfinite(p + half))) {
      char ahead[48] = "";
      if (h > 1)
        snprintf(ahead, sizeof ahead, ", %d step%s ahead,", (int)(i % h) + 1, i % h ? "s" : "");
      err = sqlite3_mprintf("%s: the interval of position %lld%s is not finite", fn,
                            (long long)((size_t)r->W + i / h + i % h + 1), ahead);
      return rnn_ext_vtab_error(cur, err ? SQLITE_ERROR : SQLITE_NOMEM, err);
    }
  }
  if (anomaly && n > 0) {
    if (!(r->score = sqlite3_malloc64((sqlite3_uint64)n * sizeof *r->score)))
      return SQLITE_NOMEM;
    /* The errors first (in score), then each score at the scale of the
    ** errors of the rows before it (ext/next.c rule 8), latest first so
    ** each error is read before its place is overwritten. */
    for (size_t i = 0; i < n; i++)
      r->score[i] = r->series[((size_t)r->W + i) * r->C] - r->predicted[i];
    for (size_t i = n; i-- > 0;) {
      size_t first = i > RNN_SURPRISE_RECENT ? i - RNN_SURPRISE_RECENT : 0;
      double e_i = r->score[i];
      r->score[i] = isnan(e_i) ? NAN
                               : rnn_surprise_recent(m, e_i, r->score + first, (int)(i - first));
    }
  }
  r->n = n;
  return SQLITE_OK;
}

/* Rule 8 (vtab.c rule 5): the rows of position pos alone (0: every row;
** -1: none). */
static void select_rows(backtest_cursor *c, sqlite3_int64 pos) {
  size_t n = c->r->n, W = (size_t)c->r->W;
  c->at = 0, c->end = n, c->step = 1;
  if (pos == 0) return;
  if (pos < 0 || (sqlite3_uint64)pos <= W || (sqlite3_uint64)pos - W > n) {
    c->end = 0;
    return;
  }
  c->at = (size_t)pos - W - 1, c->end = c->at + 1;
}

static int bt_filter(sqlite3_vtab_cursor *cur, int idx_num,
                     const char *idx_str, int argc, sqlite3_value **argv) {
  (void)idx_str;
  backtest_cursor *c = (backtest_cursor *)cur;
  rnn_ext_vtab *vt = (rnn_ext_vtab *)cur->pVtab;
  sqlite3_value *arg[N_ARGS] = {0};
  int same;
  int rc = rnn_ext_cursor_args(&c->base, idx_num, argv, arg, &same);
  sqlite3_int64 pos = rnn_ext_vtab_pos(idx_num, argc, argv);
  if (rc == SQLITE_OK && same && c->r) { /* rule 8: another row of the same */
    select_rows(c, pos);
    return SQLITE_OK;
  }
  bt_reset(c);
  if (rc) return rc;
  const char *fn = vt->fn;
  c->anomaly = fn == FN_ANOMALY;

  char *err = NULL;
  rnn_model *m = NULL;
  rc = rnn_ext_vtab_model(vt, arg[0], &m, &err);
  if (rc != SQLITE_OK) return rnn_ext_vtab_error(cur, rc, err);
  /* Rule 6. */
  if (!m || !arg[1] || sqlite3_value_type(arg[1]) == SQLITE_NULL)
    return SQLITE_OK;
  double level = 0.95;
  if (arg[2] && sqlite3_value_type(arg[2]) != SQLITE_NULL &&
      (rc = rnn_ext_read_level(fn, arg[2], &level, &err)))
    return rnn_ext_vtab_error(cur, rc, err);
  int h = 1; /* rule 9 */
  if (!c->anomaly && arg[3] && sqlite3_value_type(arg[3]) != SQLITE_NULL) {
    if ((rc = rnn_ext_read_h(fn, "horizon", arg[3], RNN_EXT_BACKTEST_MAX_H, &h, &err)))
      return rnn_ext_vtab_error(cur, rc, err);
  }
  bt_result *k = vt->result; /* rule 8: with this model (vtab.c rule 4) */
  if (k && k->level == level && k->h == h && rnn_ext_same_value(k->args, arg[1])) {
    k->refs++;
    c->r = k;
    select_rows(c, pos);
    return SQLITE_OK;
  }
  bt_result *r = sqlite3_malloc(sizeof *r);
  if (!r) return SQLITE_NOMEM;
  memset(r, 0, sizeof *r);
  r->refs = 1, r->level = level, r->h = h;
  c->r = r;
  size_t rows;
  if (!(r->args = sqlite3_value_dup(arg[1]))) {
    bt_reset(c);
    return SQLITE_NOMEM;
  }
  if ((rc = rnn_ext_read_series(fn, arg[1], m, &r->series, &rows, &err))) {
    bt_reset(c);
    return rnn_ext_vtab_error(cur, rc, err);
  }
  r->W = m->tail_rows, r->C = m->arch.input;
  /* Rule 3: the positions with a full window before them. */
  size_t n = rows > (size_t)r->W ? rows - (size_t)r->W : 0;
  if ((rc = compute(cur, vt, m, r, n, level, c->anomaly))) {
    bt_reset(c);
    return rc;
  }
  r->refs++; /* the table's */
  rnn_ext_vtab_keep_result(vt, r, release);
  select_rows(c, pos);
  return SQLITE_OK;
}

/* Rule 9: the steps of a position whose origins hold a full window. */
static int steps_at(const backtest_cursor *c) {
  return (size_t)c->r->h < c->at + 1 ? c->r->h : (int)c->at + 1;
}

static int bt_next(sqlite3_vtab_cursor *cur) {
  backtest_cursor *c = (backtest_cursor *)cur;
  if (c->step < steps_at(c)) {
    c->step++;
  } else {
    c->at++;
    c->step = 1;
  }
  return SQLITE_OK;
}

static int bt_eof(sqlite3_vtab_cursor *cur) {
  backtest_cursor *c = (backtest_cursor *)cur;
  return !c->r || c->at >= c->end;
}

static void result_number(sqlite3_context *ctx, double v) {
  if (isnan(v))
    sqlite3_result_null(ctx);
  else
    sqlite3_result_double(ctx, v);
}

static int bt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  backtest_cursor *c = (backtest_cursor *)cur;
  const bt_result *r = c->r;
  size_t row = (size_t)r->W + c->at; /* 0-based in the series */
  /* Rule 9: from the origin `step` rows before. */
  size_t i = (c->at + 1 - (size_t)c->step) * r->h + (size_t)c->step - 1;
  double p = r->predicted[i], half = r->half[c->step - 1] * rnn_band_scale(r->band, p);
  if (col >= ((rnn_ext_vtab *)cur->pVtab)->first_arg) {
    rnn_ext_cursor_arg(&c->base, ctx, col); /* vtab.c rule 3 */
    return SQLITE_OK;
  }
  switch (col) {
    case BT_POS: sqlite3_result_int64(ctx, (sqlite3_int64)row + 1); break;
    case BT_ACTUAL: result_number(ctx, r->series[row * r->C]); break;
    case BT_PREDICTED: result_number(ctx, p); break;
    case AN_SCORE:
      if (c->anomaly) {
        result_number(ctx, r->score[c->at]);
      } else { /* BT_LOWER, rule 4 */
        result_number(ctx, rnn_lower_floor(r->floor0, p, half));
      }
      break;
    case BT_STEP: sqlite3_result_int(ctx, c->step); break;
    default: result_number(ctx, p + half); /* BT_UPPER */
  }
  return SQLITE_OK;
}

static int bt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  const backtest_cursor *c = (const backtest_cursor *)cur;
  *rowid = (sqlite3_int64)c->at * c->r->h + c->step;
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
