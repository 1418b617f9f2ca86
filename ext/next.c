/*
** rnn_next(model, value [, x1, ..., xk]) OVER (ORDER BY ts ROWS BETWEEN n
** PRECEDING AND 1 PRECEDING): the one-step forecast for each row from the
** rows before it (SPEC.md 4), so a backtest is plain SQL.
**
** rnn_anomaly(model, value [, x1, ..., xk]) OVER (ORDER BY ts ROWS BETWEEN
** n PRECEDING AND CURRENT ROW): how surprising the frame's last row is
** given the rows before it (SPEC.md 4), in [0, 1]: 1 - the p-value of its
** one-step error among the model's one-step errors, at the scale of the
** errors of the rows before it (core/predict.c rule 10), so `score > 0.99`
** flags about 1% of ordinary rows.
**
** Rules:
**   1. The frame's rows, oldest first, are the window: the last `history`
**      of them are used (rnn_info's history: the rows a forecast reads,
**      the network's window or more; n should be at least that). While
**      the frame holds fewer, the result is NULL.
**   2. NULL values in the frame (and '', an empty CSV field after
**      .import) are missing and filled as in rnn_predict; a frame with no
**      known value gives NULL.
**   3. The model is decoded once per partition; every row must pass the
**      same model (compared by length and checksum), else an error.
**   4. The number of covariates must match the model's; values must be
**      numbers or NULL.
**   5. Used as a plain aggregate, it forecasts the step after all rows.
**   6. A NULL model gives NULL for every row, as rnn_predict(NULL) does (a
**      LEFT JOIN to a table of models); it must then be NULL in every row.
**   7. A frame that ends at CURRENT ROW forecasts the current row from
**      itself: rnn_next reads the frame it is given, so the frame should
**      end at 1 PRECEDING for a backtest.
**   8. rnn_anomaly takes the same arguments under rules 2-6, with one
**      difference: the frame's last row is the one scored, and the window
**      is the rows before it. The score is NULL while fewer than window + 1
**      rows are in the frame, when the scored value is NULL, when the
**      window gives no forecast (rule 2), and for a model with neither
**      one-step errors nor calibration (core/predict.c rule 10). The scored
**      row's covariates are those of the forecast step (core/predict.c
**      rule 11), which rnn_next cannot see. The score is judged at the
**      scale of the one-step errors of the frame's rows before the scored
**      one (the last RNN_SURPRISE_RECENT whose own window is in the frame;
**      core/predict.c rule 10), so a frame of window + 1 rows scores
**      against the model's errors alone, and one of window +
**      RNN_SURPRISE_RECENT + 1 rows or more gives the table form's score.
**      Each row's error is kept with the row once computed: when the row
**      is scored, or when a later row needs it (a frame that ends after
**      the current row, the plain aggregate of rule 5).
**   9. A model with calendar columns (option calendar) is an error: the
**      frame's rows carry no timestamps to compute them from.
*/
#include <math.h>
#include <string.h>

#include "rnn_ext.h"

typedef struct next_acc {
  const char *fn;            /* "rnn_next" or "rnn_anomaly" (rule 8) */
  rnn_model *m;
  int blob_len;
  unsigned char blob_crc[4]; /* the model BLOB's last 4 bytes: its CRC */
  int C;                     /* columns: value + covariates */
  double *rows;              /* ring of up to cap rows of C values */
  double *err;               /* rule 8: each ring row's one-step error */
  unsigned char *known;      /* whether err of the ring row is computed */
  double *win;               /* (window, C): the rows handed to rnn_predict */
  int head, count, cap;
  int failed;
  int null_model;            /* rule 6: NULL model, NULL results */
} next_acc;

static void acc_free(next_acc *a) {
  rnn_model_free(a->m);
  sqlite3_free(a->rows);
  sqlite3_free(a->win);
  memset(a, 0, sizeof *a);
}

/* Rule 3. */
static int same_model(next_acc *a, sqlite3_value *v) {
  int n = sqlite3_value_bytes(v);
  const unsigned char *b = sqlite3_value_blob(v);
  return sqlite3_value_type(v) == SQLITE_BLOB && n == a->blob_len && n >= 4 &&
         memcmp(b + n - 4, a->blob_crc, 4) == 0;
}

static void push_row(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                 const char *FN) {
  next_acc *a = sqlite3_aggregate_context(ctx, sizeof *a);
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (a->failed) return;
  a->fn = FN;
  a->failed = 1; /* until this row is in */
  if (argc < 2) {
    rnn_ext_errorf(ctx, FN, "takes (model, value [, x1, ..., xk])");
    return;
  }
  if (a->null_model || (!a->m && sqlite3_value_type(argv[0]) == SQLITE_NULL)) {
    /* Rule 6. */
    a->null_model = 1;
    a->failed = sqlite3_value_type(argv[0]) != SQLITE_NULL;
    if (a->failed) rnn_ext_errorf(ctx, FN, "the model must be the same in every row");
    return;
  }
  if (!a->m) {
    char *err;
    int rc = rnn_ext_decode(FN, argv[0], &a->m, &err);
    if (rc != SQLITE_OK) {
      rnn_ext_report(ctx, rc, err);
      return;
    }
    if (!a->m) {
      rnn_ext_errorf(ctx, FN, "model must not be NULL");
      return;
    }
    a->blob_len = sqlite3_value_bytes(argv[0]);
    memcpy(a->blob_crc, (const unsigned char *)sqlite3_value_blob(argv[0]) +
                            a->blob_len - 4, 4);
    a->C = a->m->arch.input;
    if (rnn_model_calendar(a->m)) { /* rule 9 */
      rnn_ext_errorf(ctx, FN, "%s", RNN_EXT_NO_CALENDAR);
      return;
    }
    /* Rule 4. */
    if (argc - 1 != a->C) {
      rnn_ext_errorf(ctx, FN, "the model takes %d covariate%s, got %d",
                     a->C - 1, a->C == 2 ? "" : "s", argc - 2);
      return;
    }
  } else if (!same_model(a, argv[0])) {
    rnn_ext_errorf(ctx, FN, "the model must be the same in every row");
    return;
  }
  int W = a->m->tail_rows, C = a->C;
  if (a->count == a->cap) {
    /* Grow the ring, unrolling it so head is 0 again. */
    int cap = a->cap ? 2 * a->cap : (W > 16 ? W : 16);
    /* One block: the rows, their errors, whether each error is known. */
    double *rows = sqlite3_malloc64((sqlite3_uint64)cap * (C + 1) * sizeof *rows +
                                    (sqlite3_uint64)cap);
    if (!rows) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    double *err = rows + (size_t)cap * C;
    unsigned char *known = (unsigned char *)(err + cap);
    for (int i = 0; i < a->count; i++) {
      int r = (a->head + i) % a->cap;
      memcpy(rows + (size_t)i * C, a->rows + (size_t)r * C, (size_t)C * sizeof *rows);
      err[i] = a->err[r], known[i] = a->known[r];
    }
    sqlite3_free(a->rows);
    a->rows = rows, a->err = err, a->known = known, a->cap = cap, a->head = 0;
  }
  int slot = (a->head + a->count) % a->cap;
  double *row = a->rows + (size_t)slot * C;
  a->known[slot] = 0;
  for (int c = 0; c < C; c++) {
    sqlite3_value *v = argv[1 + c];
    int t = sqlite3_value_numeric_type(v);
    if (rnn_ext_missing(v)) {
      row[c] = NAN; /* rule 2 */
    } else if ((t == SQLITE_INTEGER || t == SQLITE_FLOAT) &&
               isfinite(row[c] = sqlite3_value_double(v))) {
      /* a number */
    } else if (t == SQLITE_FLOAT) {
      rnn_ext_errorf(ctx, FN, "%s is not finite", c ? "a covariate" : "value");
      return;
    } else {
      rnn_ext_errorf(ctx, FN, "%s must be a number or NULL",
                     c ? "covariates" : "value");
      return;
    }
  }
  a->count++;
  a->failed = 0;
}

void rnn_sql_next_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  push_row(ctx, argc, argv, "rnn_next");
}

void rnn_sql_anomaly_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  push_row(ctx, argc, argv, "rnn_anomaly");
}

void rnn_sql_next_inverse(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv) {
  (void)argc, (void)argv;
  next_acc *a = sqlite3_aggregate_context(ctx, sizeof *a);
  if (!a || a->failed || a->count == 0) return;
  a->head = (a->head + 1) % a->cap;
  a->count--;
}

/* Rule 1: the forecast for ring row p (0 = the oldest) from the `window`
** rows before it; rule 8: with that row's covariates when it is in the
** ring (anomaly). */
static rnn_status forecast_at(next_acc *a, int p, int anomaly, double *out,
                              rnn_err *e) {
  int W = a->m->tail_rows, C = a->C;
  for (int i = 0; i < W; i++) {
    int r = (a->head + p - W + i) % a->cap;
    memcpy(a->win + (size_t)i * C, a->rows + (size_t)r * C,
           (size_t)C * sizeof *a->win);
  }
  const double *row = a->rows + (size_t)((a->head + p) % a->cap) * C;
  return rnn_predict_future(a->m, a->win, 1, anomaly ? row + 1 : NULL, out, e);
}

/* Rule 8: the one-step error of ring row p (NaN when its value is missing
** or its window has no known value), computed once per row. */
static rnn_status error_at(next_acc *a, int p, rnn_err *e) {
  int r = (a->head + p) % a->cap;
  if (a->known[r]) return RNN_OK;
  double actual = a->rows[(size_t)r * a->C], out = NAN;
  rnn_status rc = isnan(actual) ? RNN_OK : forecast_at(a, p, 1, &out, e);
  if (rc != RNN_OK && rc != RNN_EINVAL) return rc;
  a->err[r] = actual - out;
  a->known[r] = 1;
  return RNN_OK;
}

/* Rule 1: the forecast from the last `window` rows, or NULL; rule 8: the
** surprise of the last row given the `window` rows before it, at the scale
** of the errors of the frame's rows before it whose window is in the
** frame. */
static void next_result(sqlite3_context *ctx, next_acc *a, int anomaly) {
  if (!a || a->failed || !a->m || a->count < a->m->tail_rows + anomaly) {
    if (!a || !a->failed) sqlite3_result_null(ctx);
    return;
  }
  int W = a->m->tail_rows, C = a->C, last = a->count - 1;
  if (anomaly && isnan(a->rows[(size_t)((a->head + last) % a->cap) * C])) {
    sqlite3_result_null(ctx);
    return;
  }
  if (!a->win &&
      !(a->win = sqlite3_malloc64((sqlite3_uint64)W * C * sizeof *a->win))) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  rnn_err e;
  rnn_ext_watch watch;
  rnn_ext_watch_begin(&watch, sqlite3_context_db_handle(ctx), a->m);
  rnn_status rc;
  double out = NAN, recent[RNN_SURPRISE_RECENT];
  int k = 0;
  if (!anomaly) {
    rc = forecast_at(a, a->count, 0, &out, &e);
  } else {
    int first = last - RNN_SURPRISE_RECENT;
    if (first < W) first = W;
    rc = RNN_OK;
    for (int p = first; p <= last && rc == RNN_OK; p++) rc = error_at(a, p, &e);
    for (int p = first; p < last && rc == RNN_OK; p++)
      recent[k++] = a->err[(a->head + p) % a->cap];
    if (rc == RNN_OK) out = a->err[(a->head + last) % a->cap];
  }
  rnn_ext_watch_end(&watch, a->m);
  if (rc == RNN_OK && anomaly && isnan(out))
    sqlite3_result_null(ctx); /* the window has no known value */
  else if (rc == RNN_OK && anomaly)
    sqlite3_result_double(ctx, rnn_surprise_recent(a->m, out, recent, k));
  else if (rc == RNN_OK)
    sqlite3_result_double(ctx, out);
  else if (rc == RNN_EINVAL)
    sqlite3_result_null(ctx); /* every value in the frame is missing */
  else
    rnn_ext_error(ctx, a->fn, rc, &e);
}

void rnn_sql_next_value(sqlite3_context *ctx) {
  next_result(ctx, sqlite3_aggregate_context(ctx, 0), 0);
}

void rnn_sql_next_final(sqlite3_context *ctx) {
  next_acc *a = sqlite3_aggregate_context(ctx, 0);
  next_result(ctx, a, 0); /* rule 5 */
  if (a) acc_free(a);
}

void rnn_sql_anomaly_value(sqlite3_context *ctx) {
  next_result(ctx, sqlite3_aggregate_context(ctx, 0), 1);
}

void rnn_sql_anomaly_final(sqlite3_context *ctx) {
  next_acc *a = sqlite3_aggregate_context(ctx, 0);
  next_result(ctx, a, 1);
  if (a) acc_free(a);
}

