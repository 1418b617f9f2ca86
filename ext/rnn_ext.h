/*
** Shared declarations of the SQLite glue. ext/ is the only place that
** includes sqlite3ext.h; each file implements the SQL functions it is
** named after and registers them through a *_register function.
*/
#ifndef RNN_EXT_H
#define RNN_EXT_H

#include <sqlite3ext.h>

#include "../core/rnn.h"

#ifndef SQLITE_CORE
SQLITE_EXTENSION_INIT3
#endif

/* Reports a core status as the SQL function's error: "<fn>: <message>",
** or SQLITE_NOMEM for RNN_ENOMEM. */
void rnn_ext_error(sqlite3_context *ctx, const char *fn, rnn_status rc,
                   const rnn_err *e);

/* Reports a formatted error that starts with fn. */
void rnn_ext_errorf(sqlite3_context *ctx, const char *fn, const char *fmt, ...);

/* The decoded model of argument i, cached as the statement's auxdata. NULL
** with no error set when the argument is NULL; NULL with an error set when
** it is not a valid model. The model belongs to SQLite's auxdata. */
rnn_model *rnn_ext_model_arg(sqlite3_context *ctx, const char *fn,
                             sqlite3_value **argv, int i);

/* Appends ts to s: numbers as numbers, dates as ISO text; quoted as a JSON
** string when json is set and ts is a date. */
void rnn_ext_append_ts(sqlite3_str *s, const rnn_ts *ts, int json);

/* Appends a double with the fewest digits (15 to 17) that read back as the
** same value, so JSON results compare equal to REAL results; null when it
** is not finite (JSON has no NaN). */
void rnn_ext_append_double(sqlite3_str *s, double v);

#define RNN_EXT_MAX_H 100000

/* Reads a prediction window (predict.c rule 2) for model m into out
** (window, input). Returns SQLITE_OK, or SQLITE_ERROR with a message in
** *err ("<fn>: ...", sqlite3_free), or SQLITE_NOMEM. */
int rnn_ext_read_window(const char *fn, sqlite3_value *v, const rnn_model *m,
                        double *out, char **err);

/* Reads a forecast length from 1 to RNN_EXT_MAX_H, as rnn_ext_read_window. */
int rnn_ext_read_h(const char *fn, const char *name, sqlite3_value *v, int *h,
                   char **err);

/* Decodes a model BLOB argument without auxdata (the virtual table and the
** window function keep their own): SQLITE_OK with *out (NULL for a NULL
** argument), or SQLITE_ERROR / SQLITE_NOMEM as rnn_ext_read_window. */
int rnn_ext_decode(const char *fn, sqlite3_value *v, rnn_model **out,
                   char **err);

/* Reports what the functions above returned through ctx. */
void rnn_ext_report(sqlite3_context *ctx, int rc, char *err);

/* Finishes s and sets it as the text result (SQLITE_NOMEM if building it
** ran out of memory). */
void rnn_ext_result_str(sqlite3_context *ctx, sqlite3_str *s);

/* Sets ts as the result (INTEGER, REAL, or ISO text; NULL for none). */
void rnn_ext_result_ts(sqlite3_context *ctx, const rnn_ts *ts);

int rnn_train_register(sqlite3 *db);
int rnn_predict_register(sqlite3 *db);
int rnn_info_register(sqlite3 *db);
int rnn_forecast_register(sqlite3 *db);
int rnn_next_register(sqlite3 *db);

#endif
