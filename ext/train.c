/*
** rnn_train(ts, value [, options]): the training aggregate (SPEC.md 1).
**
** Rules:
**   1. ts is INTEGER, REAL or TEXT holding an ISO-8601 date or date-time;
**      NULL, BLOB and other text are errors naming the value. Dates and
**      numbers cannot be mixed in one series.
**   2. value is a number, or text that reads as one; NULL is missing; other
**      text, BLOBs and infinities are errors naming the ts of the row.
**   3. options is NULL (defaults) or a JSON object as TEXT, the same in
**      every row; it is parsed at the first row so mistakes show at once.
**   4. Rows are collected in any order and sorted by ts at the end; two
**      rows with the same ts are an error naming it.
**   5. No rows: the result is NULL, as for other aggregates.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnn_ext.h"

typedef struct row {
  rnn_ts ts;
  double value; /* NaN = missing */
  int64_t seq;  /* arrival order, so sorting is deterministic */
} row;

typedef struct train_acc {
  row *rows;
  int64_t n, cap;
  int failed;       /* an error was reported in xStep */
  int ts_text;      /* -1 unknown, 0 numbers, 1 dates */
  int has_options;  /* options seen at the first row */
  char *options;    /* first row's options text (NULL = defaults) */
  rnn_options opts; /* parsed options */
} train_acc;

static const char *FN = "rnn_train";

/* Rule 1. */
static int read_ts(sqlite3_context *ctx, train_acc *acc, sqlite3_value *v,
                   rnn_ts *ts) {
  int type = sqlite3_value_type(v);
  int is_text = type == SQLITE_TEXT;
  if (type == SQLITE_INTEGER) {
    ts->kind = RNN_TS_INT;
    ts->i = sqlite3_value_int64(v);
    ts->r = (double)ts->i;
  } else if (type == SQLITE_FLOAT) {
    ts->kind = RNN_TS_REAL;
    ts->r = sqlite3_value_double(v);
    ts->i = 0;
  } else if (is_text) {
    const char *s = (const char *)sqlite3_value_text(v);
    if (!s) {
      sqlite3_result_error_nomem(ctx);
      return 0;
    }
    if (rnn_ts_parse_iso(s, (size_t)sqlite3_value_bytes(v), ts) != RNN_OK) {
      rnn_ext_errorf(ctx, FN, "ts \"%s\" is not a number or an ISO-8601 date",
                     s);
      return 0;
    }
  } else {
    rnn_ext_errorf(ctx, FN,
                   "ts must be an INTEGER, a REAL or an ISO-8601 date as TEXT, "
                   "not %s",
                   type == SQLITE_NULL ? "NULL" : "a BLOB");
    return 0;
  }
  if (acc->ts_text < 0) acc->ts_text = is_text;
  if (acc->ts_text != is_text) {
    const char *s = (const char *)sqlite3_value_text(v);
    rnn_ext_errorf(ctx, FN, "ts %s%s%s mixes %s with the %s of earlier rows",
                   is_text ? "\"" : "", s ? s : "", is_text ? "\"" : "",
                   is_text ? "a date" : "a number",
                   is_text ? "numbers" : "dates");
    return 0;
  }
  return 1;
}

/* Rule 2. */
static int read_value(sqlite3_context *ctx, sqlite3_value *v,
                      const rnn_ts *ts, double *out) {
  int type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_NULL) {
    *out = NAN;
    return 1;
  }
  if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
    *out = sqlite3_value_double(v);
    if (isfinite(*out)) return 1;
  }
  sqlite3_str *s = sqlite3_str_new(NULL);
  rnn_ext_append_ts(s, ts, 0);
  char *at = sqlite3_str_finish(s);
  if (!at) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (type == SQLITE_TEXT)
    rnn_ext_errorf(ctx, FN, "value \"%s\" at ts %s is not a number",
                   sqlite3_value_text(v), at);
  else if (type == SQLITE_BLOB)
    rnn_ext_errorf(ctx, FN, "value at ts %s is a BLOB, not a number", at);
  else
    rnn_ext_errorf(ctx, FN, "value at ts %s is not finite", at);
  sqlite3_free(at);
  return 0;
}

/* Rule 3. */
static int read_options(sqlite3_context *ctx, train_acc *acc,
                        sqlite3_value *v) {
  int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
  if (type != SQLITE_NULL && type != SQLITE_TEXT) {
    rnn_ext_errorf(ctx, FN, "options must be a JSON object as TEXT, or NULL");
    return 0;
  }
  const char *text = type == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : NULL;
  if (type == SQLITE_TEXT && !text) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (acc->has_options) {
    int same = text ? acc->options && strcmp(text, acc->options) == 0
                    : acc->options == NULL;
    if (!same) rnn_ext_errorf(ctx, FN, "options must be the same in every row");
    return same;
  }
  acc->has_options = 1;
  rnn_options_init(&acc->opts);
  if (!text) return 1;
  if (!(acc->options = sqlite3_mprintf("%s", text))) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  rnn_err e;
  rnn_status rc = rnn_options_parse(&acc->opts, text, strlen(text), &e);
  if (rc != RNN_OK) {
    rnn_ext_error(ctx, FN, rc, &e);
    return 0;
  }
  return 1;
}

static void rnn_train_step(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  train_acc *acc = sqlite3_aggregate_context(ctx, sizeof *acc);
  if (!acc) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (acc->failed) return;
  if (acc->cap == 0) acc->ts_text = -1;
  acc->failed = 1; /* until this row is in */
  if (!read_options(ctx, acc, argc > 2 ? argv[2] : NULL)) return;
  row r;
  if (!read_ts(ctx, acc, argv[0], &r.ts)) return;
  if (!read_value(ctx, argv[1], &r.ts, &r.value)) return;
  if (acc->n == acc->cap) {
    int64_t cap = acc->cap ? acc->cap * 2 : 64;
    row *rows = sqlite3_realloc64(acc->rows, (sqlite3_uint64)cap * sizeof *rows);
    if (!rows) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    acc->rows = rows;
    acc->cap = cap;
  }
  r.seq = acc->n;
  acc->rows[acc->n++] = r;
  acc->failed = 0;
}

static int row_cmp(const void *a, const void *b) {
  const row *x = a, *y = b;
  int c = rnn_ts_cmp(&x->ts, &y->ts);
  return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void rnn_train_final(sqlite3_context *ctx) {
  train_acc *acc = sqlite3_aggregate_context(ctx, 0);
  double *y = NULL;
  rnn_model *m = NULL;
  unsigned char *blob = NULL;
  size_t len = 0;
  /* Rule 5. */
  if (!acc || acc->failed || acc->n == 0) {
    if (!acc || !acc->failed) sqlite3_result_null(ctx);
    goto done;
  }
  /* Rule 4. */
  qsort(acc->rows, (size_t)acc->n, sizeof *acc->rows, row_cmp);
  for (int64_t i = 1; i < acc->n; i++)
    if (rnn_ts_cmp(&acc->rows[i - 1].ts, &acc->rows[i].ts) == 0) {
      sqlite3_str *s = sqlite3_str_new(NULL);
      rnn_ext_append_ts(s, &acc->rows[i].ts, 0);
      char *t = sqlite3_str_finish(s);
      if (t)
        rnn_ext_errorf(ctx, FN, "duplicate ts %s", t);
      else
        sqlite3_result_error_nomem(ctx);
      sqlite3_free(t);
      goto done;
    }
  y = sqlite3_malloc64((sqlite3_uint64)acc->n * sizeof *y);
  if (!y) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  for (int64_t i = 0; i < acc->n; i++) y[i] = acc->rows[i].value;
  rnn_err e;
  rnn_status rc = rnn_train(&m, y, (size_t)acc->n, &acc->opts, &e);
  if (rc == RNN_OK) {
    m->first_ts = acc->rows[0].ts;
    m->last_ts = acc->rows[acc->n - 1].ts;
    rc = rnn_model_encode(m, &blob, &len);
    if (rc == RNN_EINVAL) rnn_fail(&e, rc, "the model is too large for a BLOB");
  }
  if (rc != RNN_OK) {
    rnn_ext_error(ctx, FN, rc, &e);
    goto done;
  }
  sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
done:
  rnn_model_free(m);
  sqlite3_free(y);
  if (acc) {
    sqlite3_free(acc->rows);
    sqlite3_free(acc->options);
  }
}

int rnn_train_register(sqlite3 *db) {
  int rc = SQLITE_OK;
  for (int n = 2; n <= 3 && rc == SQLITE_OK; n++)
    rc = sqlite3_create_function(db, "rnn_train", n, SQLITE_UTF8, NULL, NULL,
                                 rnn_train_step, rnn_train_final);
  return rc;
}
