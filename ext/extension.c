/*
** sqlite-rnn: recurrent neural networks in SQLite. The entry point, the
** small shared helpers of the glue, and rnn_version().
**
** Built as a loadable extension (dist/rnn.so, entry sqlite3_rnn_init) or,
** with -DSQLITE_CORE, linked statically into an application that calls
** sqlite3_rnn_init itself.
*/
#include <stdarg.h>
#include <stdio.h>

#include <string.h>

#include "../core/json.h"
#include "rnn_ext.h"

#ifndef SQLITE_CORE
SQLITE_EXTENSION_INIT1
#endif

void rnn_ext_error(sqlite3_context *ctx, const char *fn, rnn_status rc,
                   const rnn_err *e) {
  if (rc == RNN_ENOMEM) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  rnn_ext_errorf(ctx, fn, "%s", e->msg);
}

void rnn_ext_errorf(sqlite3_context *ctx, const char *fn, const char *fmt,
                    ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  char *full = msg ? sqlite3_mprintf("%s: %s", fn, msg) : NULL;
  if (full)
    sqlite3_result_error(ctx, full, -1);
  else
    sqlite3_result_error_nomem(ctx);
  sqlite3_free(msg);
  sqlite3_free(full);
}

static void model_destroy(void *p) { rnn_model_free(p); }

const rnn_model *rnn_ext_model_arg(sqlite3_context *ctx, const char *fn,
                                   sqlite3_value **argv, int i) {
  rnn_model *m = sqlite3_get_auxdata(ctx, i);
  if (m) return m;
  int type = sqlite3_value_type(argv[i]);
  if (type == SQLITE_NULL) return NULL;
  if (type != SQLITE_BLOB) {
    rnn_ext_errorf(ctx, fn, "model must be a BLOB made by rnn_train");
    return NULL;
  }
  rnn_err e;
  const void *b = sqlite3_value_blob(argv[i]);
  int n = sqlite3_value_bytes(argv[i]);
  rnn_status rc = rnn_model_decode(&m, b, (size_t)n, &e);
  if (rc != RNN_OK) {
    rnn_ext_error(ctx, fn, rc, &e);
    return NULL;
  }
  /* If SQLite cannot keep the auxdata (out of memory) it frees the model
  ** at once, so fetch it back rather than use the pointer. */
  sqlite3_set_auxdata(ctx, i, m, model_destroy);
  m = sqlite3_get_auxdata(ctx, i);
  if (!m) sqlite3_result_error_nomem(ctx);
  return m;
}

void rnn_ext_append_ts(sqlite3_str *s, const rnn_ts *ts, int json) {
  rnn_civil c;
  const char *q = json ? "\"" : "";
  switch (ts->kind) {
    case RNN_TS_INT:
      sqlite3_str_appendf(s, "%lld", (long long)ts->i);
      break;
    case RNN_TS_REAL:
      rnn_ext_append_double(s, ts->r);
      break;
    case RNN_TS_DATE:
      rnn_ts_civil(ts->i, &c);
      sqlite3_str_appendf(s, "%s%04lld-%02d-%02d%s", q, (long long)c.year,
                          c.month, c.day, q);
      break;
    case RNN_TS_DATETIME:
      rnn_ts_civil(ts->i, &c);
      sqlite3_str_appendf(s, "%s%04lld-%02d-%02d %02d:%02d:%02d", q,
                          (long long)c.year, c.month, c.day, c.hour, c.minute,
                          c.second);
      if (c.milli) sqlite3_str_appendf(s, ".%03d", c.milli);
      sqlite3_str_appendf(s, "%s", q);
      break;
    default:
      sqlite3_str_appendall(s, "null");
  }
}

void rnn_ext_append_double(sqlite3_str *s, double v) {
  char buf[40];
  for (int digits = 15; digits <= 17; digits++) {
    sqlite3_snprintf(sizeof buf, buf, "%!.*g", digits, v);
    double back;
    if (digits == 17 ||
        (rnn_json_number(buf, strlen(buf), &back) == RNN_OK && back == v))
      break;
  }
  sqlite3_str_appendall(s, buf);
}

static void rnn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, RNN_VERSION, -1, SQLITE_STATIC);
}

#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
int sqlite3_rnn_init(sqlite3 *db, char **pzErrMsg,
                     const sqlite3_api_routines *pApi) {
  (void)pzErrMsg;
#ifndef SQLITE_CORE
  SQLITE_EXTENSION_INIT2(pApi);
#else
  (void)pApi;
#endif
  int rc = sqlite3_create_function(
      db, "rnn_version", 0, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
      NULL, rnn_version, NULL, NULL);
  if (rc == SQLITE_OK) rc = rnn_train_register(db);
  if (rc == SQLITE_OK) rc = rnn_predict_register(db);
  if (rc == SQLITE_OK) rc = rnn_info_register(db);
  return rc;
}
