/*
** rnn_predict(model [, window [, h]]): forecasts as a scalar (SPEC.md 2).
**
** Rules:
**   1. A NULL model gives NULL; anything else that is not a model BLOB is an
**      error (extension.c: rnn_ext_model_arg).
**   2. window is a JSON array of numbers or nulls (missing), oldest first;
**      longer than the model's window: the last values are used; shorter:
**      an error that gives the length needed. A NULL window means the
**      training tail, so rnn_predict(m, NULL, h) continues the series.
**   3. Without h the result is the next value as a REAL; with h, an integer
**      from 1 to RNN_MAX_H, a JSON array of the next h values.
**   4. Values are in the units of the training data.
*/
#include <math.h>
#include <string.h>

#include "../core/json.h"
#include "rnn_ext.h"

#define RNN_MAX_H 100000

static const char *FN = "rnn_predict";

/* Rule 2: reads the window into out (the model's window length W). */
static int read_window(sqlite3_context *ctx, sqlite3_value *v, int W,
                       double *out) {
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    rnn_ext_errorf(ctx, FN,
                   "window must be a JSON array of numbers as TEXT, or NULL");
    return 0;
  }
  const char *text = (const char *)sqlite3_value_text(v);
  if (!text) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  rnn_json *j = NULL;
  rnn_err e;
  rnn_status rc = rnn_json_parse(&j, text, (size_t)sqlite3_value_bytes(v), &e);
  if (rc == RNN_ENOMEM) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  int ok = 0;
  if (rc != RNN_OK) {
    rnn_ext_errorf(ctx, FN, "window is not valid JSON: %s", e.msg);
  } else if (j->type != RNN_JSON_ARRAY) {
    rnn_ext_errorf(ctx, FN, "window must be a JSON array of numbers, not %s",
                   rnn_json_type_name(j->type));
  } else if (j->len < (size_t)W) {
    rnn_ext_errorf(ctx, FN, "window has %lld values, the model needs %d",
                   (long long)j->len, W);
  } else {
    size_t skip = j->len - (size_t)W, i = 0;
    ok = 1;
    for (const rnn_json *c = j->child; c; c = c->next, i++) {
      if (c->type != RNN_JSON_NUMBER && c->type != RNN_JSON_NULL) {
        rnn_ext_errorf(ctx, FN,
                       "window[%lld] is %s; values must be numbers or null",
                       (long long)i, rnn_json_type_name(c->type));
        ok = 0;
        break;
      }
      if (i >= skip) out[i - skip] = c->type == RNN_JSON_NULL ? NAN : c->num;
    }
  }
  rnn_json_free(j);
  return ok;
}

static void rnn_predict_fn(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  const rnn_model *m = rnn_ext_model_arg(ctx, FN, argv, 0);
  if (!m) return; /* NULL model, or the error is set */
  int W = m->arch.window;
  int h = 1;
  if (argc > 2) {
    sqlite3_int64 hv = sqlite3_value_int64(argv[2]);
    if (sqlite3_value_type(argv[2]) != SQLITE_INTEGER || hv < 1 ||
        hv > RNN_MAX_H) {
      rnn_ext_errorf(ctx, FN, "h must be an integer from 1 to %d", RNN_MAX_H);
      return;
    }
    h = (int)hv;
  }
  double *win = NULL, *out = NULL;
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    win = sqlite3_malloc64((sqlite3_uint64)W * sizeof *win);
    if (!win) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    if (!read_window(ctx, argv[1], W, win)) goto done;
  }
  out = sqlite3_malloc64((sqlite3_uint64)h * sizeof *out);
  if (!out) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  rnn_err e;
  rnn_status rc = rnn_predict(m, win, h, out, &e);
  if (rc != RNN_OK) {
    rnn_ext_error(ctx, FN, rc, &e);
    goto done;
  }
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
    int len = sqlite3_str_length(s);
    char *text = sqlite3_str_finish(s);
    if (text)
      sqlite3_result_text(ctx, text, len, sqlite3_free);
    else
      sqlite3_result_error_nomem(ctx);
  }
done:
  sqlite3_free(win);
  sqlite3_free(out);
}

int rnn_predict_register(sqlite3 *db) {
  int rc = SQLITE_OK;
  for (int n = 1; n <= 3 && rc == SQLITE_OK; n++)
    rc = sqlite3_create_function(
        db, "rnn_predict", n,
        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
        rnn_predict_fn, NULL, NULL);
  return rc;
}
