/*
** sqlite-rnn: recurrent neural networks in SQLite. The entry point, the
** small shared helpers of the glue, rnn_version() and rnn_debug(), and the registration
** of every SQL function (the list is functions.h).
**
** Built as a loadable extension (dist/rnn.so, entry sqlite3_rnn_init) or,
** with -DSQLITE_CORE, linked statically into an application that calls
** sqlite3_rnn_init itself.
*/
#include <math.h>
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
  if (rc == RNN_EINTERRUPT) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
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

int rnn_ext_decode(const char *fn, sqlite3_value *v, rnn_model **out,
                   char **err) {
  *out = NULL;
  *err = NULL;
  int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) return SQLITE_OK;
  if (type != SQLITE_BLOB) {
    *err = sqlite3_mprintf("%s: model must be a BLOB made by rnn_train", fn);
    return *err ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  rnn_err e;
  rnn_status rc = rnn_model_decode(out, sqlite3_value_blob(v),
                                   (size_t)sqlite3_value_bytes(v), &e);
  if (rc == RNN_OK) return SQLITE_OK;
  if (rc == RNN_ENOMEM) return SQLITE_NOMEM;
  *err = sqlite3_mprintf("%s: %s", fn, e.msg);
  return *err ? SQLITE_ERROR : SQLITE_NOMEM;
}

void rnn_ext_report(sqlite3_context *ctx, int rc, char *err) {
  if (rc == SQLITE_NOMEM || !err)
    sqlite3_result_error_nomem(ctx);
  else
    sqlite3_result_error(ctx, err, -1);
  sqlite3_free(err);
}

void rnn_ext_result_str(sqlite3_context *ctx, sqlite3_str *s) {
  int n = sqlite3_str_length(s);
  char *t = sqlite3_str_finish(s);
  if (t)
    sqlite3_result_text(ctx, t, n, sqlite3_free);
  else
    sqlite3_result_error_nomem(ctx);
}

int rnn_ext_int_value(sqlite3_value *v, sqlite3_int64 lo, sqlite3_int64 hi,
                      sqlite3_int64 *out) {
  int type = sqlite3_value_numeric_type(v);
  double d = sqlite3_value_double(v);
  if (type != SQLITE_INTEGER && !(type == SQLITE_FLOAT && d == floor(d))) return 0;
  sqlite3_int64 k = type == SQLITE_INTEGER ? sqlite3_value_int64(v)
                    : d < -9e18 ? lo - 1 : d > 9e18 ? hi + 1 : (sqlite3_int64)d;
  if (k < lo || k > hi) return 0;
  *out = k;
  return 1;
}

/* The length of the valid UTF-8 sequence at p (n bytes left), 0 if none
** starts there (RFC 3629: no overlong forms, surrogates or values past
** U+10FFFF). */
static size_t utf8_valid(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (!len || len > n) return 0;
  unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  for (size_t i = 1; i < len; i++, lo = 0x80, hi = 0xBF)
    if (p[i] < lo || p[i] > hi) return 0;
  return len;
}

int rnn_ext_is_utf8(const char *t, size_t n) {
  const unsigned char *p = (const unsigned char *)t;
  for (size_t i = 0, k; i < n; i += k)
    if (!(k = utf8_valid(p + i, n - i))) return 0;
  return 1;
}

void rnn_ext_append_json_text(sqlite3_str *s, const char *t, size_t n) {
  const unsigned char *p = (const unsigned char *)t;
  sqlite3_str_appendchar(s, 1, '"');
  for (size_t i = 0; i < n;) {
    size_t k = utf8_valid(p + i, n - i);
    if (!k) { /* U+FFFD itself, so that its key is a real U+FFFD's */
      sqlite3_str_appendall(s, "\xEF\xBF\xBD");
      i++;
    } else if (p[i] == '"' || p[i] == '\\') {
      sqlite3_str_appendf(s, "\\%c", p[i++]);
    } else if (p[i] < 0x20) {
      sqlite3_str_appendf(s, "\\u%04x", p[i++]);
    } else {
      sqlite3_str_append(s, (const char *)p + i, (int)k);
      i += k;
    }
  }
  sqlite3_str_appendchar(s, 1, '"');
}

void rnn_ext_result_ts(sqlite3_context *ctx, const rnn_ts *ts) {
  if (ts->kind == RNN_TS_INT) {
    sqlite3_result_int64(ctx, ts->i);
  } else if (ts->kind == RNN_TS_REAL) {
    sqlite3_result_double(ctx, ts->r);
  } else if (ts->kind == RNN_TS_DATE || ts->kind == RNN_TS_DATETIME) {
    sqlite3_str *s = sqlite3_str_new(NULL);
    rnn_ext_append_ts(s, ts, 0);
    rnn_ext_result_str(ctx, s);
  } else {
    sqlite3_result_null(ctx);
  }
}

rnn_model *rnn_ext_model_arg(sqlite3_context *ctx, const char *fn,
                             sqlite3_value **argv, int i) {
  rnn_model *m = sqlite3_get_auxdata(ctx, i);
  if (m) return m;
  char *err;
  int rc = rnn_ext_decode(fn, argv[i], &m, &err);
  if (rc != SQLITE_OK) {
    rnn_ext_report(ctx, rc, err);
    return NULL;
  }
  if (!m) return NULL; /* a NULL argument */
  /* If SQLite cannot keep the auxdata (out of memory) it frees the model
  ** at once, so fetch it back rather than use the pointer. */
  sqlite3_set_auxdata(ctx, i, m, model_destroy);
  m = sqlite3_get_auxdata(ctx, i);
  if (!m) sqlite3_result_error_nomem(ctx);
  return m;
}

int rnn_ext_interrupted(rnn_ext_watch *w) {
#if SQLITE_VERSION_NUMBER >= 3041000
  if (sqlite3_libversion_number() >= 3041000) return sqlite3_is_interrupted(w->db);
#endif
  /* Preparing anything, an empty statement included, fails with
  ** SQLITE_INTERRUPT once the connection is interrupted; an empty
  ** statement is never stepped (so no trace sees it) and no authorizer
  ** is asked about it. */
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(w->db, ";", -1, &s, NULL);
  sqlite3_finalize(s);
  return rc == SQLITE_INTERRUPT;
}

static int watch_check(void *arg) { return rnn_ext_interrupted(arg); }

void rnn_ext_watch_begin(rnn_ext_watch *w, sqlite3 *db, rnn_model *m) {
  w->db = db;
  if (m) {
    m->cancel = db ? watch_check : NULL;
    m->cancel_arg = w;
  }
}

void rnn_ext_watch_end(rnn_ext_watch *w, rnn_model *m) {
  (void)w;
  if (m) {
    m->cancel = NULL;
    m->cancel_arg = NULL;
  }
}

int rnn_ext_forecast(sqlite3_context *ctx, const char *fn, rnn_model *m,
                     const double *win, int h, const double *future,
                     double *out) {
  rnn_err e;
  rnn_ext_watch watch;
  rnn_ext_watch_begin(&watch, sqlite3_context_db_handle(ctx), m);
  rnn_status rc = rnn_predict_future(m, win, h, future, out, &e);
  rnn_ext_watch_end(&watch, m);
  if (rc != RNN_OK) rnn_ext_error(ctx, fn, rc, &e);
  return rc == RNN_OK;
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
    case RNN_TS_DATETIME: {
      /* In the format the training ts were written in (seconds and
      ** milliseconds also when the format lacks them but the time has
      ** them); models of earlier formats: "YYYY-MM-DD HH:MM:SS[.fff]". */
      int f = ts->fmt & RNN_TSF_KNOWN ? ts->fmt : RNN_TSF_SECONDS;
      rnn_ts_civil(ts->i, &c);
      sqlite3_str_appendf(s, "%s%04lld-%02d-%02d%c%02d:%02d", q, (long long)c.year,
                          c.month, c.day, f & RNN_TSF_T ? 'T' : ' ', c.hour,
                          c.minute);
      if (f & (RNN_TSF_SECONDS | RNN_TSF_MILLIS) || c.second || c.milli)
        sqlite3_str_appendf(s, ":%02d", c.second);
      if (f & RNN_TSF_MILLIS || c.milli) sqlite3_str_appendf(s, ".%03d", c.milli);
      sqlite3_str_appendf(s, "%s%s", f & RNN_TSF_Z ? "Z" : "", q);
      break;
    }
    default:
      sqlite3_str_appendall(s, "null");
  }
}

void rnn_ext_append_double(sqlite3_str *s, double v) {
  char buf[40];
  if (!isfinite(v)) { /* only a hostile model gets here; JSON has no NaN */
    sqlite3_str_appendall(s, "null");
    return;
  }
  for (int digits = 15; digits <= 17; digits++) {
    sqlite3_snprintf(sizeof buf, buf, "%!.*g", digits, v);
    double back;
    if (digits == 17 ||
        (rnn_json_number(buf, strlen(buf), &back) == RNN_OK && back == v))
      break;
  }
  sqlite3_str_appendall(s, buf);
}

void rnn_ext_append_losses(sqlite3_str *s, const double *train,
                           const double *val, int held, int epochs) {
  for (int k = 0; k < 2; k++) {
    const double *v = k ? val : train;
    sqlite3_str_appendall(s, k ? ",\"validation_loss\":[" : ",\"train_loss\":[");
    for (int i = 0; i < held; i++) {
      if (i) sqlite3_str_appendchar(s, 1, ',');
      rnn_ext_append_double(s, v[i]);
    }
    sqlite3_str_appendchar(s, 1, ']');
  }
  if (held < epochs) { /* the epochs of the values kept */
    sqlite3_str_appendall(s, ",\"loss_epochs\":[");
    for (int i = 0; i < held; i++)
      sqlite3_str_appendf(s, i ? ",%d" : "%d", rnn_history_pick(epochs, held, i) + 1);
    sqlite3_str_appendchar(s, 1, ']');
  }
}

void rnn_sql_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, RNN_VERSION, -1, SQLITE_STATIC);
}

#ifndef RNN_BUILD_FLAGS
#define RNN_BUILD_FLAGS "unknown"
#endif
#ifndef RNN_COMMIT /* the Makefile says which commit, "+changes" if edited */
#define RNN_COMMIT "unknown"
#endif
#ifndef RNN_BUILD_DATE
#define RNN_BUILD_DATE "unknown"
#endif

/* rnn_debug(): how this build was made, as JSON text. */
void rnn_sql_debug(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  char *t = sqlite3_mprintf(
      "{\"version\":\"%s\",\"commit\":\"%s\",\"build_date\":\"%s\","
      "\"format_version\":%d,\"sqlite_runtime\":\"%s\","
      "\"sqlite_headers\":\"%s\",\"compiler\":\"%s\",\"flags\":\"%s\","
      "\"simd\":\"%s\",\"threads\":\"%s\"}",
      RNN_VERSION, RNN_COMMIT, RNN_BUILD_DATE, RNN_FORMAT_VERSION,
      sqlite3_libversion(), SQLITE_VERSION,
#if defined(__clang__)
      "clang " __clang_version__,
#elif defined(__GNUC__)
      "gcc " __VERSION__,
#else
      "unknown",
#endif
      RNN_BUILD_FLAGS, rnn_simd_name(rnn_simd()), "a pool per training run, fixed chunks");
  if (t)
    sqlite3_result_text(ctx, t, -1, sqlite3_free);
  else
    sqlite3_result_error_nomem(ctx);
}

/* What SQLite needs to register one line of functions.h. */
typedef struct sql_function {
  const char *name;
  int lo, hi; /* argument counts registered (-1: any) */
  int flags;
  rnn_sql_func *func, *step, *inverse;
  rnn_sql_final *final, *value;
  const sqlite3_module *module;
} sql_function;

enum {
  NONE = SQLITE_UTF8,
  DET = SQLITE_UTF8 | SQLITE_DETERMINISTIC,
  PURE = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
};

static const sql_function sql_functions[] = {
#define SCALAR(name, lo, hi, flags, f) {#name, lo, hi, flags, .func = rnn_sql_##f},
#define AGGREGATE(name, n, s, f) \
  {#name, n, n, NONE, .step = rnn_sql_##s, .final = rnn_sql_##f},
#define WINDOW(name, n, s, f, v, i)                                  \
  {#name, n, n, NONE, .step = rnn_sql_##s, .final = rnn_sql_##f, \
   .value = rnn_sql_##v, .inverse = rnn_sql_##i},
#define MODULE(name, m) {#name, 0, 0, 0, .module = &rnn_sql_##m},
#include "functions.h"
#undef SCALAR
#undef AGGREGATE
#undef WINDOW
#undef MODULE
};

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
  int rc = SQLITE_OK;
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof sql_functions / sizeof sql_functions[0]; i++) {
    const sql_function *f = &sql_functions[i];
    for (int n = f->lo; rc == SQLITE_OK && n <= f->hi; n++)
      rc = f->module ? sqlite3_create_module(db, f->name, f->module, (void *)f->name)
           : f->value
               ? sqlite3_create_window_function(db, f->name, n, f->flags, NULL,
                                                f->step, f->final, f->value,
                                                f->inverse, NULL)
               : sqlite3_create_function(db, f->name, n, f->flags, NULL, f->func,
                                         f->step, f->final);
  }
  return rc;
}

int rnn_ext_kind(sqlite3_value *v) {
  int kind;
  if (sqlite3_value_type(v) != SQLITE_BLOB ||
      rnn_blob_kind(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), &kind, NULL) != RNN_OK)
    return -1;
  return kind;
}

int rnn_ext_missing(sqlite3_value *v) {
  int t = sqlite3_value_type(v);
  return t == SQLITE_NULL || (t == SQLITE_TEXT && sqlite3_value_bytes(v) == 0);
}

/* v as a series key (TEXT and BLOB bytes stay v's), or an error. */
static int read_key(const char *fn, sqlite3_value *v, rnn_label *key, char **err) {
  rnn_label k = {0};
  int type = sqlite3_value_type(v);
  *err = NULL;
  if (type == SQLITE_NULL) {
    *err = sqlite3_mprintf("%s: series must not be NULL", fn);
    return *err ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (type == SQLITE_INTEGER) {
    k = (rnn_label){.type = RNN_LABEL_INT, .i = sqlite3_value_int64(v)};
  } else if (type == SQLITE_FLOAT) {
    double d = sqlite3_value_double(v);
    k = d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0
            ? (rnn_label){.type = RNN_LABEL_INT, .i = (int64_t)d}
            : (rnn_label){.type = RNN_LABEL_REAL, .r = d};
  } else {
    const void *b = type == SQLITE_TEXT ? (const void *)sqlite3_value_text(v)
                                        : sqlite3_value_blob(v);
    k = (rnn_label){.type = type == SQLITE_TEXT ? RNN_LABEL_TEXT : RNN_LABEL_BLOB,
                    .s = b, .len = (size_t)sqlite3_value_bytes(v)};
    if (!b && k.len) return SQLITE_NOMEM;
  }
  *key = k;
  return SQLITE_OK;
}

/* The error for a key the model does not have (rnn_ext_global_index). */
static int no_series(const char *fn, const rnn_label *k, char **err) {
  sqlite3_str *s = sqlite3_str_new(NULL);
  sqlite3_str_appendf(s, "%s: series ", fn);
  rnn_ext_append_label(s, k, 0);
  sqlite3_str_appendall(s, " is not in the model (rnn_info(model) lists its series)");
  *err = sqlite3_str_finish(s);
  return *err ? SQLITE_ERROR : SQLITE_NOMEM;
}

int rnn_ext_global_index(const char *fn, const rnn_global *g, sqlite3_value *v,
                         int *index, int *absent, char **err) {
  rnn_label k;
  *index = -1, *absent = 0;
  int rc = read_key(fn, v, &k, err);
  if (rc != SQLITE_OK) return rc;
  if ((*index = rnn_global_find(g, &k)) >= 0) return SQLITE_OK;
  *absent = 1;
  return no_series(fn, &k, err);
}

int rnn_ext_series_model(const char *fn, sqlite3_value *model, sqlite3_value *series,
                         rnn_model **out, int *absent, char **err) {
  rnn_label k;
  rnn_err e;
  *out = NULL, *absent = 0;
  int rc = read_key(fn, series, &k, err);
  if (rc != SQLITE_OK) return rc;
  rnn_status st = sqlite3_value_type(model) != SQLITE_BLOB
                      ? rnn_fail(&e, RNN_ENOTMODEL, "not an rnn model")
                      : rnn_global_decode_one(sqlite3_value_blob(model),
                                              (size_t)sqlite3_value_bytes(model), &k, out, &e);
  if (st == RNN_EKIND) rnn_fail(&e, st, "series is for a global model (rnn_train_global)");
  if (st == RNN_ENOMEM) return SQLITE_NOMEM;
  if (st != RNN_OK) {
    *err = sqlite3_mprintf("%s: %s", fn, e.msg);
    return *err ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (*out) return SQLITE_OK;
  *absent = 1;
  return no_series(fn, &k, err);
}
