/*
** rnn_train(ts, value [, options [, x1, ..., xk]]): the training aggregate
** (SPEC.md 1); rnn_finetune(model, ts, value [, options [, x1, ..., xk]]):
** the same rows continue a model (SPEC.md 4b, core/train.c rule 16).
**
** Rules:
**   1. ts is INTEGER, REAL or TEXT holding an ISO-8601 date or date-time,
**      or a number (a CSV import makes every column TEXT: '1', '2', ...
**      and strftime('%s', day) are numbers); NULL, BLOB and other text are
**      errors naming the value. Dates and numbers cannot be mixed in one
**      series.
**   2. value and the covariates x1..xk are numbers, or text that reads as
**      one; NULL and '' (an empty CSV field after .import) are missing;
**      other text, BLOBs and infinities are errors naming the column and
**      the ts of the row.
**   3. options is NULL (defaults) or a JSON object as TEXT, the same in
**      every row; it is parsed at the first row so mistakes show at once.
**   4. Rows are collected in any order and sorted by ts at the end. Rows
**      with the same ts follow option "duplicates": "error" names the ts,
**      "mean" averages each column's known values, "last" keeps the row
**      that arrived last. The mean adds the values in ascending order, so
**      it does not depend on the order the rows arrived in (a query plan,
**      an index or a VACUUM may change that), and divides each by their
**      count first when their sum would overflow.
**   5. The step is inferred (core/timestamp.c rules 4-7); gaps in a regular
**      grid become missing values. A grid more than 4n + 1000 points long
**      for n distinct ts is an error (the gaps would dwarf the data).
**   6. Option missing "error" rejects any missing value or gap, naming its
**      ts; "interpolate" (default) fills them.
**   7. No rows: the result is NULL, as for other aggregates.
**   8. verbose prints progress on stderr, each line naming the series by
**      its rows and first and last ts: the first and last epochs run and at
**      most one other a second (loss, validation loss, seconds), then a
**      summary (seconds, epochs, validation MASE).
**   9. sqlite3_interrupt stops training after the current minibatch, with
**      SQLITE_INTERRUPT; max_seconds is the core's (core/train.c rule 6).
**  10. The BLOB returned is one the readers take: it is decoded before it
**      is returned, and what cannot be represented (values whose errors
**      overflow, timestamps out of range) is an error naming the cause.
**  11. rnn_finetune takes the model first, the same BLOB in every row
**      (compared by length and checksum). Rows at or before the model's
**      last ts are already in it and are skipped, so a whole table can be
**      passed; when none is left the model comes back unchanged. The
**      others must lie on the model's grid after its last ts (its step;
**      gaps are missing values, rule 6), with ts of the same kind, else an
**      error naming the ts; a model whose rows had no regular step takes
**      them as consecutive. A ts of the other storage class for the same
**      point is taken as the model's kind (2.0 for INTEGER ts, a date-time
**      at midnight for dates, a date for date-times). With no rows at all
**      the result is NULL, as for every aggregate
**      (coalesce(rnn_finetune(...), model) keeps the model); so it is for
**      a NULL model, as in the other functions (NULL in every row).
**  12. Its options start from the model's (rnn_info's "options"); the
**      call's JSON changes the training ones (epochs, lr, batch, patience,
**      validation, seed, ...); those that would change the network are
**      errors (core/train.c rule 16).
**  14. rnn_train_global(series, ts, value [, options [, x1, ..., xk]]): the
**      key is any SQL value but NULL (an integral REAL within the INTEGER
**      range is that INTEGER, as SQLite's GROUP BY has it); each series'
**      rows follow rules 4-6 on their own grid, and its errors name it;
**      rule 5's gap limit applies to each series and to all of them
**      together; every series' ts are of one kind (rule 2 holds across
**      the call). calendar is an error; core/train.c rule 18 does the rest.
**  13. Option calendar (core/calendar.c) needs dates or date-times on a
**      regular grid with a step shorter than a year; the calendar columns
**      of every grid row's ts follow the caller's covariates. A fine-tune
**      of such a model computes them for the new rows.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnn_ext.h"

typedef struct train_row {
  rnn_ts ts;
  int64_t seq; /* arrival order: sorting is deterministic, "last" is defined */
} train_row;

/* rnn_train_global's series key of a row (rule 14): a label whose TEXT or
** BLOB bytes are at `at` in the accumulator's key bytes. */
typedef struct row_key {
  rnn_label key;
  size_t at;
} row_key;

typedef struct train_acc {
  const char *fn;   /* "rnn_train" or "rnn_finetune" */
  int off;          /* arguments before ts: 0, or 1 (the model, rule 11) */
  unsigned char *blob; /* rnn_finetune: the model BLOB of the first row */
  int blob_len;
  int null_model;   /* rnn_finetune: a NULL model in every row (rule 11) */
  train_row *rows;
  double *vals;     /* (n, 1 + k): value then covariates, NaN = missing */
  int64_t n, cap;
  int k;            /* covariates */
  int failed;       /* an error was reported in xStep */
  int ts_text;      /* -1 unknown, 0 numbers, 1 dates */
  int has_options;  /* options seen at the first row */
  char *options;    /* first row's options text (NULL = defaults) */
  rnn_options opts; /* parsed options */
  int global;       /* rnn_train_global: argument 0 is the series key */
  row_key *keys;    /* (cap) each row's key (rule 14) */
  char *key_bytes;  /* their TEXT and BLOB bytes */
  size_t kb_len, kb_cap;
} train_acc;


/* ts as text for messages (sqlite3_free), or NULL after reporting NOMEM. */
static char *ts_text(sqlite3_context *ctx, const rnn_ts *ts) {
  sqlite3_str *s = sqlite3_str_new(NULL);
  rnn_ext_append_ts(s, ts, 0);
  char *t = sqlite3_str_finish(s);
  if (!t) sqlite3_result_error_nomem(ctx);
  return t;
}

/* Rule 1. */
static int read_ts(sqlite3_context *ctx, train_acc *acc, sqlite3_value *v,
                   rnn_ts *ts) {
  int type = sqlite3_value_type(v);
  int is_text = type == SQLITE_TEXT;
  ts->fmt = 0;
  if (type == SQLITE_INTEGER) {
    ts->kind = RNN_TS_INT;
    ts->i = sqlite3_value_int64(v);
    ts->r = (double)ts->i;
  } else if (type == SQLITE_FLOAT) {
    ts->kind = RNN_TS_REAL;
    ts->r = sqlite3_value_double(v);
    ts->i = 0;
    if (!isfinite(ts->r)) {
      rnn_ext_errorf(ctx, acc->fn, "ts %!.15g is not finite", ts->r);
      return 0;
    }
  } else if (is_text) {
    const char *s = (const char *)sqlite3_value_text(v);
    if (!s) {
      sqlite3_result_error_nomem(ctx);
      return 0;
    }
    if (rnn_ts_parse_iso(s, (size_t)sqlite3_value_bytes(v), ts) != RNN_OK) {
      /* Text that reads as a number is that number, as for value (a CSV
      ** import makes every column TEXT). */
      int nt = sqlite3_value_numeric_type(v);
      if (nt == SQLITE_INTEGER || nt == SQLITE_FLOAT) return read_ts(ctx, acc, v, ts);
      /* YYYY-MM-DD with a month or a day that does not exist (2023-02-29). */
      const char *t = (const char *)sqlite3_value_text(v);
      int dated = sqlite3_value_bytes(v) >= 10 && t[4] == '-' && t[7] == '-';
      for (int i = 0; dated && i < 10; i++)
        dated = i == 4 || i == 7 || (t[i] >= '0' && t[i] <= '9');
      rnn_ts day;
      if (dated && rnn_ts_parse_iso(t, 10, &day) == RNN_OK)
        rnn_ext_errorf(ctx, acc->fn,
                       "ts \"%s\": after the date comes nothing or a time, "
                       "HH:MM[:SS[.fff]] after a space or T, then an optional Z", t);
      else
        rnn_ext_errorf(ctx, acc->fn,
                       dated ? "ts \"%s\" is not a date that exists"
                             : "ts \"%s\" is not a number or an ISO-8601 date", t);
      return 0;
    }
  } else {
    rnn_ext_errorf(ctx, acc->fn,
                   "ts must be an INTEGER, a REAL or an ISO-8601 date as TEXT, "
                   "not %s",
                   type == SQLITE_NULL ? "NULL" : "a BLOB");
    return 0;
  }
  if (acc->ts_text < 0) acc->ts_text = is_text;
  if (acc->ts_text != is_text) {
    const char *s = (const char *)sqlite3_value_text(v);
    rnn_ext_errorf(ctx, acc->fn, "ts %s%s%s mixes %s with the %s of earlier rows",
                   is_text ? "\"" : "", s ? s : "", is_text ? "\"" : "",
                   is_text ? "a date" : "a number",
                   is_text ? "numbers" : "dates");
    return 0;
  }
  return 1;
}

/* Rule 2: column c (0 = value, c = covariate xc). */
static int read_number(sqlite3_context *ctx, const char *fn, sqlite3_value *v,
                       int c, const rnn_ts *ts, double *out) {
  if (rnn_ext_missing(v)) {
    *out = NAN;
    return 1;
  }
  int type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
    *out = sqlite3_value_double(v);
    if (isfinite(*out)) return 1;
  }
  char *at = ts_text(ctx, ts);
  if (!at) return 0;
  char name[16];
  snprintf(name, sizeof name, c ? "x%d" : "value", c);
  if (type == SQLITE_TEXT)
    rnn_ext_errorf(ctx, fn, "%s \"%s\" at ts %s is not a number", name,
                   sqlite3_value_text(v), at);
  else if (type == SQLITE_BLOB)
    rnn_ext_errorf(ctx, fn, "%s at ts %s is a BLOB, not a number", name, at);
  else
    rnn_ext_errorf(ctx, fn, "%s at ts %s is not finite", name, at);
  sqlite3_free(at);
  return 0;
}

/* Rule 3. */
static int read_options(sqlite3_context *ctx, train_acc *acc,
                        sqlite3_value *v) {
  int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
  if (type != SQLITE_NULL && type != SQLITE_TEXT) {
    rnn_ext_errorf(ctx, acc->fn, "options must be a JSON object as TEXT, or NULL");
    return 0;
  }
  const char *text = type == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : NULL;
  if (type == SQLITE_TEXT && !text) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (text && sqlite3_value_bytes(v) > RNN_EXT_MAX_OPTIONS) {
    /* A JSON object becomes a tree of about 40 bytes a value: bounded. */
    rnn_ext_errorf(ctx, acc->fn, "options are longer than %d bytes", RNN_EXT_MAX_OPTIONS);
    return 0;
  }
  if (text && strlen(text) != (size_t)sqlite3_value_bytes(v)) {
    /* Text after a NUL byte would be ignored by whatever reads C strings. */
    rnn_ext_errorf(ctx, acc->fn, "options contain a NUL byte");
    return 0;
  }
  if (acc->has_options) {
    int same = text ? acc->options && strcmp(text, acc->options) == 0
                    : acc->options == NULL;
    if (!same) rnn_ext_errorf(ctx, acc->fn, "options must be the same in every row");
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
    rnn_ext_error(ctx, acc->fn, rc, &e);
    return 0;
  }
  return 1;
}

/* Rule 14: rnn_train_global's series key, any SQL value but NULL; TEXT
** and BLOB bytes are kept in the accumulator. */
static int read_key(sqlite3_context *ctx, train_acc *acc, sqlite3_value *v,
                    row_key *k) {
  int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) {
    rnn_ext_errorf(ctx, acc->fn, "series must not be NULL");
    return 0;
  }
  if (type == SQLITE_INTEGER) {
    k->key = (rnn_label){.type = RNN_LABEL_INT, .i = sqlite3_value_int64(v)};
    return 1;
  }
  if (type == SQLITE_FLOAT) {
    double d = sqlite3_value_double(v);
    /* An integral REAL is the same series as that INTEGER (SQLite's
    ** GROUP BY agrees). */
    if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
      k->key = (rnn_label){.type = RNN_LABEL_INT, .i = (int64_t)d};
    else
      k->key = (rnn_label){.type = RNN_LABEL_REAL, .r = d};
    return 1;
  }
  const void *b = type == SQLITE_TEXT ? (const void *)sqlite3_value_text(v)
                                      : sqlite3_value_blob(v);
  size_t n = (size_t)sqlite3_value_bytes(v);
  if (!b && n) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (acc->kb_len + n > acc->kb_cap) {
    size_t cap = (acc->kb_cap ? acc->kb_cap * 2 : 256) + n;
    char *kb = sqlite3_realloc64(acc->key_bytes, cap);
    if (!kb) {
      sqlite3_result_error_nomem(ctx);
      return 0;
    }
    acc->key_bytes = kb, acc->kb_cap = cap;
  }
  if (n) memcpy(acc->key_bytes + acc->kb_len, b, n);
  k->key = (rnn_label){.type = type == SQLITE_TEXT ? RNN_LABEL_TEXT : RNN_LABEL_BLOB, .len = n};
  k->at = acc->kb_len;
  acc->kb_len += n;
  return 1;
}

/* Rule 11: rnn_finetune's model argument, the same BLOB in every row. */
static int read_model(sqlite3_context *ctx, train_acc *acc, sqlite3_value *v) {
  int n = sqlite3_value_bytes(v);
  const unsigned char *b = sqlite3_value_blob(v);
  int is_null = sqlite3_value_type(v) == SQLITE_NULL;
  if (acc->null_model || (is_null && !acc->blob)) { /* NULL in, NULL out */
    acc->null_model = 1;
    if (!is_null) rnn_ext_errorf(ctx, acc->fn, "the model must be the same in every row");
    return is_null;
  }
  if (sqlite3_value_type(v) != SQLITE_BLOB || n < 4) {
    rnn_ext_errorf(ctx, acc->fn, "the model must be a model BLOB, not %s",
                   sqlite3_value_type(v) == SQLITE_NULL ? "NULL" : "another value");
    return 0;
  }
  if (acc->blob)
    return (n == acc->blob_len && memcmp(b + n - 4, acc->blob + n - 4, 4) == 0) ||
           (rnn_ext_errorf(ctx, acc->fn, "the model must be the same in every row"), 0);
  if (!(acc->blob = sqlite3_malloc(n))) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  memcpy(acc->blob, b, (size_t)n);
  acc->blob_len = n;
  return 1;
}

static void accumulate(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                 const char *fn, int off, int global) {
  train_acc *acc = sqlite3_aggregate_context(ctx, sizeof *acc);
  if (!acc) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (acc->failed) return;
  acc->failed = 1; /* until this row is in */
  acc->fn = fn, acc->off = off, acc->global = global;
  if (argc < 2 + off || argc > 1026 + off) {
    rnn_ext_errorf(ctx, fn, "takes (%sts, value [, options [, x1, ..., xk]])",
                   global ? "series, " : off ? "model, " : "");
    return;
  }
  if (acc->cap == 0) {
    acc->ts_text = -1;
    acc->k = argc > 3 + off ? argc - 3 - off : 0;
  }
  row_key key = {0};
  if (off && !(acc->global ? read_key(ctx, acc, argv[0], &key) : read_model(ctx, acc, argv[0])))
    return;
  argv += off, argc -= off;
  if (!read_options(ctx, acc, argc > 2 ? argv[2] : NULL)) return;
  train_row r;
  if (!read_ts(ctx, acc, argv[0], &r.ts)) return;
  int C = 1 + acc->k;
  double v[1024];
  if (!read_number(ctx, fn, argv[1], 0, &r.ts, &v[0])) return;
  for (int c = 1; c < C; c++)
    if (!read_number(ctx, fn, argv[2 + c], c, &r.ts, &v[c])) return;
  if (acc->n == acc->cap) {
    int64_t cap = acc->cap ? acc->cap * 2 : 64;
    train_row *rows = sqlite3_realloc64(acc->rows, (sqlite3_uint64)cap * sizeof *rows);
    if (rows) acc->rows = rows;
    double *vals = rows ? sqlite3_realloc64(acc->vals, (sqlite3_uint64)cap * C *
                                                           sizeof *vals)
                        : NULL;
    if (!vals) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    acc->vals = vals;
    row_key *keys = acc->global ? sqlite3_realloc64(acc->keys, (sqlite3_uint64)cap * sizeof *keys)
                                : NULL;
    if (acc->global && !keys) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    if (keys) acc->keys = keys;
    acc->cap = cap;
  }
  r.seq = acc->n;
  if (acc->global) acc->keys[acc->n] = key;
  acc->rows[acc->n] = r;
  memcpy(acc->vals + acc->n * C, v, (size_t)C * sizeof *v);
  acc->n++;
  acc->failed = 0;
}

void rnn_sql_train_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  accumulate(ctx, argc, argv, "rnn_train", 0, 0);
}

void rnn_sql_finetune_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  accumulate(ctx, argc, argv, "rnn_finetune", 1, 0);
}

static int row_cmp(const void *a, const void *b) {
  const train_row *x = a, *y = b;
  int c = rnn_ts_cmp(&x->ts, &y->ts);
  return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Rule 4: merges runs of equal ts in the sorted rows into ts (distinct)
** and vals (one row each). Returns the distinct count, or -1 after an
** error. */
static int double_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Rule 4: the mean of the k known values x[0..k) (NaN when none), added in
** ascending order (x is sorted in place). */
static double mean_of(double *x, int64_t k) {
  if (k == 0) return NAN;
  qsort(x, (size_t)k, sizeof *x, double_cmp);
  double sum = 0;
  for (int64_t r = 0; r < k; r++) sum += x[r];
  if (isfinite(sum)) return sum / (double)k;
  sum = 0;
  for (int64_t r = 0; r < k; r++) sum += x[r] / (double)k;
  return sum;
}

/* Rule 4: merges runs of equal ts in the sorted rows into ts (distinct)
** and vals (one row each). Returns the distinct count, or -1 after an
** error. */
static int64_t merge_duplicates(sqlite3_context *ctx, train_acc *acc,
                                rnn_ts *ts, double *vals) {
  int C = 1 + acc->k;
  int64_t out = 0;
  /* A run's known values of one column (rule 4's mean). */
  double *run = NULL;
  if (acc->opts.duplicates == RNN_DUP_MEAN &&
      !(run = sqlite3_malloc64((sqlite3_uint64)(acc->n ? acc->n : 1) * sizeof *run))) {
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  for (int64_t i = 0; i < acc->n;) {
    int64_t j = i + 1;
    while (j < acc->n && rnn_ts_cmp(&acc->rows[i].ts, &acc->rows[j].ts) == 0)
      j++;
    if (j - i > 1 && acc->opts.duplicates == RNN_DUP_ERROR) {
      char *t = ts_text(ctx, &acc->rows[i].ts);
      if (t) rnn_ext_errorf(ctx, acc->fn, "duplicate ts %s", t);
      sqlite3_free(t);
      sqlite3_free(run);
      return -1;
    }
    ts[out] = acc->rows[i].ts;
    double *dst = vals + out * C;
    for (int c = 0; c < C; c++) {
      if (acc->opts.duplicates == RNN_DUP_LAST || j - i == 1) {
        /* Sorted by arrival within the run: the last one is j - 1. */
        dst[c] = acc->vals[acc->rows[j - 1].seq * C + c];
      } else {
        int64_t k = 0;
        for (int64_t r = i; r < j; r++) {
          double x = acc->vals[acc->rows[r].seq * C + c];
          if (!isnan(x)) run[k++] = x;
        }
        dst[c] = mean_of(run, k);
      }
    }
    out++;
    i = j;
  }
  sqlite3_free(run);
  return out;
}

/* What the progress callback needs. */
typedef struct train_run {
  const char *fn;
  rnn_ext_watch watch; /* rule 9 */
  int verbose;
  const char *series; /* "700 rows, 1 .. 700": which group this is */
  double t0, last;    /* when training began, when a line was last printed */
  rnn_progress held;  /* the last epoch not printed (held.epoch 0: none) */
  double held_at;     /* its seconds */
} train_run;

static void epoch_line(const train_run *r, const rnn_progress *p, double at) {
  if (isnan(p->val_loss))
    fprintf(stderr, "%s (%s): epoch %d/%d loss %.6g, %.1f s\n", r->fn, r->series,
            p->epoch, p->epochs, p->train_loss, at);
  else
    fprintf(stderr,
            "%s (%s): epoch %d/%d loss %.6g validation %.6g (best epoch "
            "%d), %.1f s\n",
            r->fn, r->series, p->epoch, p->epochs, p->train_loss, p->val_loss,
            p->best_epoch, at);
}

/* Rules 8 and 9: with verbose, a line per epoch, at most one a second
** after the first; the last epoch's is held for rnn_sql_train_final,
** which prints it (when it was not) before the summary. */
static int progress(void *arg, const rnn_progress *p) {
  train_run *r = arg;
  if (rnn_ext_interrupted(&r->watch)) return 1;
  if (!r->verbose || !p->epoch_done) return 0;
  double now = rnn_now();
  if (p->epoch > 1 && now - r->last < 1.0) {
    r->held = *p, r->held_at = now - r->t0;
    return 0;
  }
  r->last = now;
  r->held.epoch = 0;
  epoch_line(r, p, now - r->t0);
  return 0;
}

/* A model's first and last ts are of one kind (docs/blob-format.md). A
** series may mix INTEGER and REAL numbers: both are REAL when the last or
** the step is not a whole number or the first cannot be an INTEGER, else
** INTEGER. It may mix dates and date-times (the same instants, midnight):
** both take the last row's form, as the forecasts do, and become
** date-times, in the format of the series' last date-time, when a time of
** day would otherwise be lost (a step or a first ts that is not whole days
** after a last ts written as a date). */
static void as_real(rnn_ts *t) {
  if (t->kind == RNN_TS_INT) t->kind = RNN_TS_REAL, t->r = (double)t->i, t->i = 0;
}

/* The format of the last date-time among ts[0..n), for a last ts that
** must become one (one_ts_kind). */
static int datetime_fmt(const rnn_ts *ts, int64_t n) {
  while (n-- > 0)
    if (ts[n].kind == RNN_TS_DATETIME) return ts[n].fmt;
  return RNN_TSF_KNOWN;
}

static void one_ts_kind(rnn_ts *first, rnn_ts *last, const rnn_step *st, int fmt) {
  int nf = first->kind == RNN_TS_INT || first->kind == RNN_TS_REAL;
  int nl = last->kind == RNN_TS_INT || last->kind == RNN_TS_REAL;
  if (nf && nl) {
    if (first->kind == last->kind) return;
    int whole = st->kind != RNN_STEP_NUMBER || st->num == floor(st->num);
    if (last->kind == RNN_TS_INT && whole && first->r == nearbyint(first->r) &&
        fabs(first->r) < 9e18) {
      first->kind = RNN_TS_INT, first->i = (int64_t)first->r;
      return;
    }
    as_real(first), as_real(last);
    return;
  }
  int df = first->kind == RNN_TS_DATE || first->kind == RNN_TS_DATETIME;
  int dl = last->kind == RNN_TS_DATE || last->kind == RNN_TS_DATETIME;
  if (!df || !dl || (first->kind == last->kind && last->kind == RNN_TS_DATETIME))
    return;
  const int64_t day = 86400000;
  int timed = (first->i % day + day) % day != 0 ||
              (st->kind == RNN_STEP_MILLIS && st->millis % day != 0);
  if (last->kind == RNN_TS_DATE && timed) last->kind = RNN_TS_DATETIME, last->fmt = fmt;
  first->kind = last->kind, first->fmt = last->fmt;
}

/* Rule 10: the cause of a read-back failure (the reader's message de), in
** the data's terms. */
static rnn_status read_back_failed(const rnn_err *de, rnn_err *e) {
  if (strstr(de->msg, "(timestamps)"))
    return rnn_fail(e, RNN_EINVAL,
                    "the timestamps cannot be stored (a step over 4e18, or "
                    "dates outside years 0000 to 9999)");
  if (strstr(de->msg, "(calibration") || strstr(de->msg, "(metrics)") ||
      strstr(de->msg, "(tail)") || strstr(de->msg, "(components)"))
    return rnn_fail(e, RNN_EINVAL,
                    "the values are too large to model (forecast errors "
                    "overflow a double); scale them down");
  return rnn_fail(e, RNN_EINVAL, "the trained model does not read back (%s)",
                  de->msg);
}

/* Rule 10: a BLOB rnn_train returns is one its readers take: decodes what
** was encoded, and names the cause of a failure in the data's terms. */
static rnn_status reads_back(const unsigned char *blob, size_t len, rnn_err *e) {
  rnn_model *d = NULL;
  rnn_err de;
  rnn_status rc = rnn_model_decode(&d, blob, len, &de);
  rnn_model_free(d);
  if (rc == RNN_OK || rc == RNN_ENOMEM) return rc;
  return read_back_failed(&de, e);
}

/* The rows of a call on their grid: ts (n distinct, sorted), and the grid's
** len values y and covariates x (len, k), NaN where missing. */
typedef struct grid {
  rnn_ts *ts;
  int64_t n, len;
  int64_t fresh; /* rnn_finetune: the last `fresh` of ts are after the
                 ** model's end (the others are skipped) */
  double *y, *x;
  rnn_step step;
  rnn_irregular why; /* step NONE: why (rule 5) */
} grid;

static void grid_free(grid *g) {
  sqlite3_free(g->ts);
  sqlite3_free(g->y);
  sqlite3_free(g->x);
}

/* Rules 4 and 5: sorts and merges the rows into g->ts; pos (n) their grid
** positions, from the step inferred (rnn_train) or the model's (rnn_finetune:
** pos_from_model). 0 after reporting an error. */
typedef int positions_fn(sqlite3_context *ctx, train_acc *acc, grid *g,
                         int64_t *pos, void *arg);

static int make_grid(sqlite3_context *ctx, train_acc *acc, grid *g,
                     positions_fn *positions, void *arg) {
  int k = acc->k, C = 1 + k, ok = 0;
  memset(g, 0, sizeof *g);
  qsort(acc->rows, (size_t)acc->n, sizeof *acc->rows, row_cmp);
  double *merged = rnn_ext_malloc((sqlite3_uint64)acc->n * C * sizeof *merged);
  int64_t *pos = rnn_ext_malloc((sqlite3_uint64)acc->n * sizeof *pos);
  g->ts = rnn_ext_malloc((sqlite3_uint64)acc->n * sizeof *g->ts);
  if (!g->ts || !merged || !pos) goto nomem;
  if ((g->n = merge_duplicates(ctx, acc, g->ts, merged)) < 0) goto done;
  if (!positions(ctx, acc, g, pos, arg)) goto done;
  if (g->len == 0) { /* nothing to add (rnn_finetune) */
    ok = 1;
    goto done;
  }
  int64_t rows = g->fresh ? g->fresh : g->n;
  if (g->len > 4 * rows + 1000) {
    char name[64];
    rnn_step_name(&g->step, name, sizeof name);
    rnn_ext_errorf(ctx, acc->fn,
                   "%lld distinct ts span %lld steps%s%s: too many gaps",
                   (long long)rows, (long long)g->len, name[0] ? " of a " : "",
                   name);
    goto done;
  }
  g->y = rnn_ext_malloc((sqlite3_uint64)g->len * sizeof *g->y);
  g->x = k ? rnn_ext_malloc((sqlite3_uint64)g->len * k * sizeof *g->x)
           : sqlite3_malloc64((sqlite3_uint64)g->len * sizeof *g->x); /* unused */
  if (!g->y || !g->x) goto nomem;
  for (int64_t i = 0; i < g->len; i++) {
    g->y[i] = NAN;
    for (int c = 0; c < k; c++) g->x[i * k + c] = NAN;
  }
  for (int64_t i = 0; i < g->n; i++) {
    if (pos[i] < 0) continue; /* before the model's end (rule 11) */
    g->y[pos[i]] = merged[i * C];
    for (int c = 0; c < k; c++) g->x[pos[i] * k + c] = merged[i * C + 1 + c];
  }
  ok = 1;
  goto done;
nomem:
  sqlite3_result_error_nomem(ctx);
done:
  sqlite3_free(merged);
  sqlite3_free(pos);
  return ok;
}

/* Rule 5 for rnn_train: the step inferred from the rows. */
static int pos_inferred(sqlite3_context *ctx, train_acc *acc, grid *g,
                        int64_t *pos, void *arg) {
  (void)acc, (void)arg;
  g->len = rnn_grid(g->ts, (size_t)g->n, &g->step, pos);
  if (g->len == 0) {
    if (rnn_grid_why(g->ts, (size_t)g->n, &g->why) != RNN_OK) {
      sqlite3_result_error_nomem(ctx);
      return 0;
    }
    g->len = g->n;
    for (int64_t i = 0; i < g->n; i++) pos[i] = i;
  }
  return 1;
}

/* Rule 6: every missing value an error when "missing" is "error"; the ts
** of grid row i is at(i). */
static int check_missing(sqlite3_context *ctx, const char *fn, const grid *g,
                         int k, rnn_ts (*at)(const grid *, int64_t, const void *),
                         const void *arg) {
  for (int64_t i = 0; i < g->len; i++) {
    int c = isnan(g->y[i]) ? 0 : -1;
    for (int j = 0; j < k && c < 0; j++)
      if (isnan(g->x[i * k + j])) c = j + 1;
    if (c < 0) continue;
    rnn_ts ts = at(g, i, arg);
    char *t = ts_text(ctx, &ts);
    if (t) {
      char name[16];
      snprintf(name, sizeof name, c ? "x%d" : "value", c);
      rnn_ext_errorf(ctx, fn, "%s at ts %s is missing (option \"missing\" is \"error\")",
                     name, t);
    }
    sqlite3_free(t);
    return 0;
  }
  return 1;
}

static rnn_ts train_row_ts(const grid *g, int64_t i, const void *arg) {
  (void)arg;
  return g->step.kind == RNN_STEP_NONE ? g->ts[i] : rnn_ts_advance(&g->ts[0], &g->step, i);
}

/* Rules 8-10: trains (base NULL) or fine-tunes base on the grid, and
** sets the BLOB as the result. */
static void fit_and_return(sqlite3_context *ctx, train_acc *acc, const grid *g,
                           const rnn_options *o, const rnn_model *base) {
  const char *fn = acc->fn;
  int k = acc->k;
  rnn_model *m = NULL;
  unsigned char *blob = NULL;
  size_t len = 0;
  char *first = NULL, *last = NULL, *series = NULL; /* rule 8 */
  rnn_err e;
  if (o->verbose) {
    int64_t rows = base ? g->fresh : g->n;
    first = ts_text(ctx, &g->ts[g->n - rows]);
    last = ts_text(ctx, &g->ts[g->n - 1]);
    series = sqlite3_mprintf("%lld %srows, %s .. %s", (long long)rows, base ? "new " : "",
                             first ? first : "?", last ? last : "?");
  }
  /* Rule 13: the calendar columns after the caller's covariates. */
  const double *x = g->x;
  double *xc = NULL;
  int cal = 0;
  if (base ? base->opts.calendar : o->calendar) {
    const rnn_step *st = base ? &base->step : &g->step;
    int dates = g->ts[0].kind == RNN_TS_DATE || g->ts[0].kind == RNN_TS_DATETIME;
    if (!dates || !(cal = rnn_calendar_columns(st))) {
      /* An irregular series says why (core/timestamp.c rules 8-9). */
      sqlite3_str *why = sqlite3_str_new(NULL);
      if (!base && dates && st->kind == RNN_STEP_NONE && g->why.reason != RNN_IRR_NONE) {
        sqlite3_str_appendall(why, ": ");
        rnn_ext_append_irregular(why, &g->why);
      }
      char *t = sqlite3_str_finish(why);
      rnn_ext_errorf(ctx, fn, "option \"calendar\" needs dates or date-times on a "
                     "regular grid with a step shorter than a year%s", t ? t : "");
      sqlite3_free(t);
      goto done;
    }
    if (base && k != base->arch.input - 1 - cal) {
      rnn_ext_errorf(ctx, fn, "the model takes %d covariate%s, got %d",
                     base->arch.input - 1 - cal, base->arch.input - cal == 2 ? "" : "s", k);
      goto done;
    }
    if (!(xc = sqlite3_malloc64((sqlite3_uint64)g->len * (k + cal) * sizeof *xc))) {
      sqlite3_result_error_nomem(ctx);
      goto done;
    }
    for (int64_t i = 0; i < g->len; i++) {
      double *row = xc + (size_t)i * (k + cal);
      for (int j = 0; j < k; j++) row[j] = g->x[i * k + j];
      rnn_ts t = base ? rnn_ts_advance(&base->last_ts, st, i + 1)
                      : rnn_ts_advance(&g->ts[0], st, i);
      rnn_calendar_row(st, &t, row + k);
    }
    x = xc, k += cal;
  }
  train_run run = {.fn = fn, .verbose = o->verbose, .series = series ? series : "",
                   .t0 = rnn_now()};
  rnn_ext_watch_begin(&run.watch, sqlite3_context_db_handle(ctx), NULL);
  rnn_train_ctl ctl = {progress, &run};
  rnn_options oc = *o;
  oc.calendar_columns = cal;
  rnn_status rc = base ? rnn_finetune(&m, base, g->y, x, (size_t)g->len, k, &oc, &ctl, &e)
                       : rnn_train(&m, g->y, x, (size_t)g->len, k, &oc, &ctl, &e);
  sqlite3_free(xc);
  rnn_ext_watch_end(&run.watch, NULL);
  if (rc == RNN_EINTERRUPT) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    goto done;
  }
  if (rc == RNN_OK && !m) { /* short "null" */
    sqlite3_result_null(ctx);
    goto done;
  }
  if (rc == RNN_OK) {
    m->first_ts = base ? base->first_ts : g->ts[0];
    m->last_ts = g->ts[g->n - 1];
    m->step = base ? base->step : g->step;
    m->irregular = base ? base->irregular : g->why;
    one_ts_kind(&m->first_ts, &m->last_ts, &m->step, datetime_fmt(g->ts, g->n));
    rc = rnn_model_encode(m, &blob, &len);
    if (rc == RNN_EINVAL) rnn_fail(&e, rc, "the model is too large for a BLOB");
    if (rc == RNN_OK) rc = reads_back(blob, len, &e);
  }
  if (rc != RNN_OK) {
    sqlite3_free(blob); /* encoded but not read back */
    rnn_ext_error(ctx, fn, rc, &e);
    goto done;
  }
  if (o->verbose) { /* rule 8's summary */
    if (run.held.epoch) epoch_line(&run, &run.held, run.held_at);
    if (m->kind == RNN_MODEL_NETWORK && m->metrics.windows > 0)
      fprintf(stderr,
              "%s (%s): done in %.1f s, %d epochs (best %d), validation "
              "MASE %.3g\n",
              fn, run.series, rnn_now() - run.t0, m->epochs_run, m->best_epoch,
              m->metrics.mase);
    else if (m->kind == RNN_MODEL_NETWORK)
      fprintf(stderr, "%s (%s): done in %.1f s, %d epochs, no validation\n",
              fn, run.series, rnn_now() - run.t0, m->epochs_run);
    else
      fprintf(stderr, "%s (%s): done, seasonal naive (too few rows)\n", fn,
              run.series);
  }
  sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
done:
  sqlite3_free(first);
  sqlite3_free(last);
  sqlite3_free(series);
  rnn_model_free(m);
}

static void acc_free(train_acc *acc) {
  if (!acc) return;
  sqlite3_free(acc->keys);
  sqlite3_free(acc->key_bytes);
  sqlite3_free(acc->rows);
  sqlite3_free(acc->vals);
  sqlite3_free(acc->options);
  sqlite3_free(acc->blob);
}

void rnn_sql_train_final(sqlite3_context *ctx) {
  train_acc *acc = sqlite3_aggregate_context(ctx, 0);
  grid g = {0};
  /* Rule 7. */
  if (!acc || acc->failed || acc->n == 0) {
    if (!acc || !acc->failed) sqlite3_result_null(ctx);
  } else if (make_grid(ctx, acc, &g, pos_inferred, NULL) &&
             (acc->opts.missing != RNN_MISSING_ERROR ||
              check_missing(ctx, acc->fn, &g, acc->k, train_row_ts, NULL))) {
    fit_and_return(ctx, acc, &g, &acc->opts, NULL);
  }
  grid_free(&g);
  acc_free(acc);
}

static const char *kind_name(int kind, int plural) {
  switch (kind) {
    case RNN_TS_INT: return plural ? "integers" : "an integer";
    case RNN_TS_REAL: return plural ? "real numbers" : "a real number";
    case RNN_TS_DATE: return plural ? "dates" : "a date";
    default: return plural ? "date-times" : "a date-time";
  }
}

/* Rule 11: t made of the model's ts kind when it is the same point (an
** integral REAL for INTEGER ts, a date at midnight for date-times and back);
** 0 when it cannot be. */
static int same_kind(rnn_ts *t, const rnn_ts *end) {
  if (t->kind == end->kind) return 1;
  const int64_t day = 86400000;
  if (end->kind == RNN_TS_INT && t->kind == RNN_TS_REAL && t->r == nearbyint(t->r) &&
      fabs(t->r) < 9e18) {
    t->kind = RNN_TS_INT, t->i = (int64_t)t->r;
  } else if (end->kind == RNN_TS_REAL && t->kind == RNN_TS_INT) {
    t->kind = RNN_TS_REAL, t->r = (double)t->i;
  } else if (end->kind == RNN_TS_DATE && t->kind == RNN_TS_DATETIME &&
             (t->i % day + day) % day == 0) {
    t->kind = RNN_TS_DATE, t->fmt = 0;
  } else if (end->kind == RNN_TS_DATETIME && t->kind == RNN_TS_DATE) {
    t->kind = RNN_TS_DATETIME, t->fmt = end->fmt;
  } else {
    return 0;
  }
  return 1;
}

/* Rule 11: each new row's steps after the model's last ts (-1: at or
** before it, skipped); the grid is the steps up to the last one. */
static int pos_from_model(sqlite3_context *ctx, train_acc *acc, grid *g,
                          int64_t *pos, void *arg) {
  const rnn_model *base = arg;
  const rnn_ts *end = &base->last_ts;
  g->step = base->step;
  g->len = 0;
  int64_t kept = 0;
  for (int64_t i = 0; i < g->n; i++) {
    rnn_ts *t = &g->ts[i];
    if (end->kind != RNN_TS_NONE && !same_kind(t, end)) {
      char *s = ts_text(ctx, t);
      if (s)
        rnn_ext_errorf(ctx, acc->fn, "ts %s is %s, but the model's ts are %s", s,
                       kind_name(t->kind, 0), kind_name(end->kind, 1));
      sqlite3_free(s);
      return 0;
    }
    if (end->kind != RNN_TS_NONE && rnn_ts_cmp(t, end) <= 0) {
      pos[i] = -1; /* already in the model */
      continue;
    }
    int64_t k = base->step.kind == RNN_STEP_NONE ? ++kept
                                                 : rnn_ts_steps(end, &base->step, t);
    if (k < 1) {
      char *s = ts_text(ctx, t), *e = ts_text(ctx, end), name[64];
      rnn_step_name(&base->step, name, sizeof name);
      if (s && e)
        rnn_ext_errorf(ctx, acc->fn,
                       "ts %s does not continue the model's grid (a step of %s%s "
                       "after its last ts %s)",
                       s, name[0] ? name : "", name[0] ? "" : "the model's step", e);
      sqlite3_free(s);
      sqlite3_free(e);
      return 0;
    }
    pos[i] = k - 1; /* row 0 is the first step after the model's end */
    g->len = k > g->len ? k : g->len;
    g->fresh++;
  }
  return 1;
}

/* Grid row i's ts: i + 1 steps after the model's end, or without a step
** the (i + 1)-th new row (they are consecutive, the last ones of g->ts). */
static rnn_ts model_row_ts(const grid *g, int64_t i, const void *arg) {
  const rnn_model *base = arg;
  if (base->step.kind == RNN_STEP_NONE) return g->ts[g->n - g->fresh + i];
  return rnn_ts_advance(&base->last_ts, &base->step, i + 1);
}

void rnn_sql_finetune_final(sqlite3_context *ctx) {
  train_acc *acc = sqlite3_aggregate_context(ctx, 0);
  grid g = {0};
  rnn_model *base = NULL;
  rnn_err e;
  /* Rule 7; rule 11's NULL model. */
  if (!acc || acc->failed || acc->n == 0 || acc->null_model) {
    if (!acc || !acc->failed) sqlite3_result_null(ctx);
    goto done;
  }
  rnn_status rc = rnn_model_decode(&base, acc->blob, (size_t)acc->blob_len, &e);
  if (rc) {
    rnn_ext_error(ctx, acc->fn, rc, &e);
    goto done;
  }
  /* Rule 12: the model's options, with the call's changes. */
  rnn_options o = base->opts;
  if (o.patience > 5) o.patience = 5;
  if (base->kind != RNN_MODEL_NETWORK) /* a fallback keeps no choice of these */
    o.window = RNN_WINDOW_AUTO, o.horizon = RNN_HORIZON_AUTO;
  if (acc->options && ((rc = rnn_options_parse(&o, acc->options, strlen(acc->options), &e)) ||
                       (rc = rnn_finetune_options(base, &o, &e)))) {
    rnn_ext_error(ctx, acc->fn, rc, &e); /* with new rows or without */
    goto done;
  }
  acc->opts = o; /* duplicates and missing as the call says */
  if (!make_grid(ctx, acc, &g, pos_from_model, base)) goto done;
  if (g.len == 0) { /* rule 11: nothing after the model's end */
    sqlite3_result_blob(ctx, acc->blob, acc->blob_len, SQLITE_TRANSIENT);
    goto done;
  }
  if (o.missing == RNN_MISSING_ERROR &&
      !check_missing(ctx, acc->fn, &g, acc->k, model_row_ts, base))
    goto done;
  fit_and_return(ctx, acc, &g, &o, base);
done:
  rnn_model_free(base);
  grid_free(&g);
  acc_free(acc);
}

/* ------------------------------------------------------ rnn_train_global */

void rnn_sql_train_global_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  accumulate(ctx, argc, argv, "rnn_train_global", 1, 1);
}

/* Rule 14: rows in key order (then arrival). */
typedef struct keyed_row {
  rnn_label key;
  train_row row;
} keyed_row;

static int keyed_cmp(const void *a, const void *b) {
  const keyed_row *x = a, *y = b;
  int c = rnn_label_cmp(&x->key, &y->key);
  return c ? c : (x->row.seq > y->row.seq) - (x->row.seq < y->row.seq);
}

/* Rule 14: every series' grid, one network across them, one BLOB. */
void rnn_sql_train_global_final(sqlite3_context *ctx) {
  train_acc *acc = sqlite3_aggregate_context(ctx, 0);
  keyed_row *kr = NULL;
  grid *grids = NULL;
  rnn_label *keys = NULL;
  const double **ys = NULL, **xs = NULL;
  size_t *lens = NULL;
  rnn_model **models = NULL;
  rnn_global g = {0};
  unsigned char *blob = NULL;
  char *sub_fn = NULL; /* "rnn_train_global: series <key>" */
  int ns = 0;
  if (!acc || acc->failed || acc->n == 0) {
    if (!acc || !acc->failed) sqlite3_result_null(ctx);
    goto done;
  }
  const char *fn = acc->fn;
  if (acc->opts.calendar || acc->opts.xreg == RNN_XREG_ON) {
    rnn_ext_errorf(ctx, fn, "option \"%s\" is not available for a global model yet%s",
                   acc->opts.calendar ? "calendar" : "xreg",
                   acc->opts.calendar ? "" : " (\"auto\" and false fit no covariate effect)");
    goto done;
  }
  if (!(kr = sqlite3_malloc64((sqlite3_uint64)acc->n * sizeof *kr))) goto nomem;
  for (int64_t i = 0; i < acc->n; i++) {
    kr[i].key = acc->keys[acc->rows[i].seq].key;
    if (kr[i].key.type == RNN_LABEL_TEXT || kr[i].key.type == RNN_LABEL_BLOB)
      kr[i].key.s = acc->key_bytes + acc->keys[acc->rows[i].seq].at;
    kr[i].row = acc->rows[i];
  }
  qsort(kr, (size_t)acc->n, sizeof *kr, keyed_cmp);
  for (int64_t i = 0; i < acc->n; i++) {
    acc->rows[i] = kr[i].row;
    ns += i == 0 || rnn_label_cmp(&kr[i - 1].key, &kr[i].key) != 0;
  }
  if (ns > RNN_MAX_SERIES) {
    rnn_ext_errorf(ctx, fn, "%d series; at most %d", ns, RNN_MAX_SERIES);
    goto done;
  }
  grids = sqlite3_malloc64((sqlite3_uint64)ns * sizeof *grids);
  keys = sqlite3_malloc64((sqlite3_uint64)ns * sizeof *keys);
  ys = sqlite3_malloc64((sqlite3_uint64)ns * sizeof *ys);
  xs = sqlite3_malloc64((sqlite3_uint64)ns * sizeof *xs);
  lens = sqlite3_malloc64((sqlite3_uint64)ns * sizeof *lens);
  models = sqlite3_malloc64((sqlite3_uint64)ns * sizeof *models);
  if (grids) memset(grids, 0, (size_t)ns * sizeof *grids);
  if (models) memset(models, 0, (size_t)ns * sizeof *models);
  if (!grids || !keys || !ys || !xs || !lens || !models) goto nomem;
  /* Each series' rows on its own grid (rules 4-6), as rnn_train's. */
  int64_t points = 0;
  for (int64_t i = 0, s = 0; i < acc->n; s++) {
    int64_t j = i + 1;
    while (j < acc->n && rnn_label_cmp(&kr[i].key, &kr[j].key) == 0) j++;
    train_acc sub = *acc;
    sub.rows = acc->rows + i, sub.n = j - i;
    keys[s] = kr[i].key;
    /* Errors of a series name it: "rnn_train_global: series 'H1': ...". */
    sqlite3_str *name = sqlite3_str_new(NULL);
    sqlite3_str_appendf(name, "%s: series ", fn);
    rnn_ext_append_label(name, &keys[s], 0);
    sqlite3_free(sub_fn);
    if (!(sub_fn = sqlite3_str_finish(name))) goto nomem;
    sub.fn = sub_fn;
    if (!make_grid(ctx, &sub, &grids[s], pos_inferred, NULL) ||
        (acc->opts.missing == RNN_MISSING_ERROR &&
         !check_missing(ctx, sub_fn, &grids[s], acc->k, train_row_ts, NULL)))
      goto done;
    ys[s] = grids[s].y, xs[s] = grids[s].x, lens[s] = (size_t)grids[s].len;
    points += grids[s].len;
    if (points > 4 * acc->n + 1000) { /* rule 5's gap limit over all series */
      rnn_ext_errorf(ctx, fn, "%lld rows span %lld grid points in all: too many gaps",
                     (long long)acc->n, (long long)points);
      goto done;
    }
    i = j;
  }
  char series[64];
  snprintf(series, sizeof series, "%d series, %lld rows", ns, (long long)acc->n);
  train_run run = {.fn = fn, .verbose = acc->opts.verbose, .series = series, .t0 = rnn_now()};
  rnn_ext_watch_begin(&run.watch, sqlite3_context_db_handle(ctx), NULL);
  rnn_train_ctl ctl = {progress, &run};
  rnn_err e;
  int bad;
  rnn_status rc = rnn_train_global(models, &g.params, ys, xs, lens, ns, acc->k, &acc->opts,
                                   &ctl, &bad, &e);
  rnn_ext_watch_end(&run.watch, NULL);
  if (rc == RNN_EINTERRUPT) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    goto done;
  }
  if (rc != RNN_OK && bad >= 0 && rc != RNN_ENOMEM) { /* rule 14: name the series */
    sqlite3_str *m = sqlite3_str_new(NULL);
    sqlite3_str_appendall(m, "series ");
    rnn_ext_append_label(m, &keys[bad], 0);
    sqlite3_str_appendf(m, ": %s", e.msg);
    char *t = sqlite3_str_finish(m);
    if (t) rnn_fail(&e, rc, "%s", t);
    sqlite3_free(t);
  }
  if (rc != RNN_OK) {
    rnn_ext_error(ctx, fn, rc, &e);
    goto done;
  }
  /* The series with a model (short "null" ones have none), their ts. */
  g.keys = keys, g.models = models;
  for (int s = 0; s < ns; s++) {
    if (!models[s]) continue;
    models[s]->first_ts = grids[s].ts[0];
    models[s]->last_ts = grids[s].ts[grids[s].n - 1];
    models[s]->step = grids[s].step;
    models[s]->irregular = grids[s].why;
    one_ts_kind(&models[s]->first_ts, &models[s]->last_ts, &models[s]->step,
                datetime_fmt(grids[s].ts, grids[s].n));
    if (models[s]->kind == RNN_MODEL_NETWORK) g.n_params = models[s]->layout.n_params;
    keys[g.n] = keys[s], models[g.n++] = models[s];
  }
  for (int s = g.n; s < ns; s++) models[s] = NULL;
  if (g.n == 0) {
    sqlite3_result_null(ctx);
    goto done;
  }
  if (run.held.epoch) epoch_line(&run, &run.held, run.held_at);
  size_t len;
  rc = rnn_global_encode(&g, &blob, &len);
  if (rc == RNN_OK) { /* rule 10: the readers take it */
    rnn_global *back = NULL;
    rnn_err de;
    rc = rnn_global_decode(&back, blob, len, &de);
    rnn_global_free(back);
    if (rc != RNN_OK && rc != RNN_ENOMEM) rc = read_back_failed(&de, &e);
  } else if (rc == RNN_EINVAL) {
    rnn_fail(&e, rc, "the model is too large for a BLOB");
  }
  if (rc != RNN_OK) {
    sqlite3_free(blob);
    rnn_ext_error(ctx, fn, rc, &e);
    goto done;
  }
  if (acc->opts.verbose)
    fprintf(stderr, "%s (%s): done in %.1f s, %d series\n", fn, series, rnn_now() - run.t0, g.n);
  sqlite3_result_blob64(ctx, blob, len, sqlite3_free); /* rnn_malloc is sqlite3_malloc64 (alloc.c) */
  goto done;
nomem:
  sqlite3_result_error_nomem(ctx);
done:
  for (int s = 0; grids && s < ns; s++) grid_free(&grids[s]);
  for (int s = 0; models && s < ns; s++) rnn_model_free(models[s]);
  sqlite3_free(g.params); /* after the models that borrow it (rnn_malloc is
                          ** sqlite3_malloc64 here: ext/alloc.c) */
  sqlite3_free(sub_fn);
  sqlite3_free(grids);
  sqlite3_free(keys);
  sqlite3_free(ys);
  sqlite3_free(xs);
  sqlite3_free(lens);
  sqlite3_free(models);
  sqlite3_free(kr);
  acc_free(acc);
}
