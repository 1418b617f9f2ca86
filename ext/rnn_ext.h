/*
** Shared declarations of the SQLite glue. ext/ is the only place that
** includes sqlite3ext.h; each file implements the SQL functions it is
** named after; functions.h lists them all, and extension.c registers them.
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
/* Why a series had no regular step, as a sentence (no quotes or
** backslashes: it may go inside a JSON string); nothing when the reason is
** not known (ext/info.c). */
void rnn_ext_append_irregular(sqlite3_str *s, const rnn_irregular *q);

/* sqlite3_malloc64 with the block's pages mapped in one call (ext/alloc.c;
** core/alloc.h rnn_prefault), for arrays written in full at once. */
void *rnn_ext_malloc(sqlite3_uint64 n);

/* The longest options text rnn_train reads (its keys and values take a
** few hundred bytes). */
#define RNN_EXT_MAX_OPTIONS 65536

/* Interrupt checks for long work on connection db: training's progress
** callback, and predictions (core/predict.c rule 8), whose cancel hook is
** set between begin and end when m is not NULL. SQLite 3.41 and later are
** asked through sqlite3_is_interrupted; older ones by preparing an empty
** statement, which fails with SQLITE_INTERRUPT once the connection is
** interrupted (never stepped, so invisible to tracing, and not subject to
** an authorizer). */
typedef struct rnn_ext_watch {
  sqlite3 *db;
} rnn_ext_watch;
void rnn_ext_watch_begin(rnn_ext_watch *w, sqlite3 *db, rnn_model *m);
int rnn_ext_interrupted(rnn_ext_watch *w);
void rnn_ext_watch_end(rnn_ext_watch *w, rnn_model *m);
/* rnn_predict_future(m, win, h, future, out) watched for interrupts on
** ctx's connection: 1, or 0 after reporting its error as fn's. */
int rnn_ext_forecast(sqlite3_context *ctx, const char *fn, rnn_model *m,
                     const double *win, int h, const double *future,
                     double *out);

/* A label or series key as JSON: numbers as numbers, text as a string,
** BLOB as hex; key: always a string (object keys). */
void rnn_ext_append_label(sqlite3_str *s, const rnn_label *l, int key);

/* The series of global model g that v (any SQL value but NULL; an integral
** REAL within the INTEGER range is that INTEGER) names, in *index; or
** SQLITE_ERROR with *err (sqlite3_free), *absent 1 when v is a key the
** model does not have. */
int rnn_ext_global_index(const char *fn, const rnn_global *g, sqlite3_value *v,
                         int *index, int *absent, char **err);
/* The same, the series' model decoded alone from the global model BLOB
** `model` (core/global.c rule 5; rnn_model_free it). */
int rnn_ext_series_model(const char *fn, sqlite3_value *model, sqlite3_value *series,
                         rnn_model **out, int *absent, char **err);

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

/* The covariates of h forecast steps (predict.c rules 5 and 6) for model
** m into *out (h, all its covariates; sqlite3_malloc64): the caller's from
** v (a JSON array; NULL or SQL NULL: none), and the calendar columns of
** the steps. *out stays NULL when there are neither. Errors as
** rnn_ext_read_window's. */
int rnn_ext_read_future(const char *fn, sqlite3_value *v, const rnn_model *m,
                        int h, double **out, char **err);

/* What a function without timestamps says to a model with calendar
** columns (predict.c rule 6). */
#define RNN_EXT_NO_CALENDAR                                                 \
  "the model has calendar columns (option calendar), computed from ts, "    \
  "and these rows have no ts: forecast from the model's own tail "          \
  "(rnn_forecast without a window; rnn_finetune moves it on)"

/* Reads a whole series (a JSON array of any length, entries as in a
** window) for model m into *out (n rows of arch.input values,
** sqlite3_free); errors as rnn_ext_read_window. */
int rnn_ext_read_series(const char *fn, sqlite3_value *v, const rnn_model *m,
                        double **out, size_t *n, char **err);

/* v as an integer in [lo, hi] into *out: an INTEGER, an integral REAL
** (3.0) or numeric TEXT ('3'); 0 when it is not one. */
int rnn_ext_int_value(sqlite3_value *v, sqlite3_int64 lo, sqlite3_int64 hi,
                      sqlite3_int64 *out);

/* Reads a forecast length from 1 to max (RNN_EXT_MAX_H for forecasts), as
** rnn_ext_read_window (rnn_ext_int_value's integers). */
int rnn_ext_read_h(const char *fn, const char *name, sqlite3_value *v, int max, int *h,
                   char **err);

/* Decodes a model BLOB argument without auxdata (the virtual table and the
** window function keep their own): SQLITE_OK with *out (NULL for a NULL
** argument), or SQLITE_ERROR / SQLITE_NOMEM as rnn_ext_read_window. */
int rnn_ext_decode(const char *fn, sqlite3_value *v, rnn_model **out,
                   char **err);

/* Reports what the functions above returned through ctx. */
void rnn_ext_report(sqlite3_context *ctx, int rc, char *err);

/* t (n bytes) as a JSON string: quotes, backslashes and control
** characters escaped, each byte that starts no valid UTF-8 sequence as
** U+FFFD, in UTF-8 as a real one is (TEXT from SQL need not be valid
** UTF-8; JSON must be, and two labels that read alike are one key). */
void rnn_ext_append_json_text(sqlite3_str *s, const char *t, size_t n);
/* 1 when t (n bytes) is valid UTF-8 throughout. */
int rnn_ext_is_utf8(const char *t, size_t n);

/* Finishes s and sets it as the text result (SQLITE_NOMEM if building it
** ran out of memory). */
void rnn_ext_result_str(sqlite3_context *ctx, sqlite3_str *s);

/* Sets ts as the result (INTEGER, REAL, or ISO text; NULL for none). */
void rnn_ext_result_ts(sqlite3_context *ctx, const rnn_ts *ts);

/* The table-valued functions' shared parts (vtab.c). */
#define RNN_EXT_VTAB_MAX_ARGS 8
typedef struct rnn_ext_vtab {
  sqlite3_vtab base;
  const char *fn;          /* the SQL name, for messages */
  int first_arg, n_args;   /* the hidden argument columns */
  double rows;             /* rows a call is expected to give (planner) */
  size_t cursor_size;      /* bytes of the function's cursor struct */
  unsigned char *blob;     /* the last model decoded, and its BLOB */
  int len;
  rnn_model *m;
  rnn_global *g;           /* or the last global model */
  sqlite3 *db;             /* for interrupt checks (rnn_ext_watch) */
  void *result;            /* the function's last result with that model, */
  void (*result_free)(void *); /* or NULL (vtab.c rule 4), and its freer */
  int pos_lookup;          /* column 0 (pos) takes an equality (rule 5) */
  int cursors;             /* open cursors (rule 4) */
} rnn_ext_vtab;

/* idxNum's bit for rule 5's pos = ?, whose value follows the arguments in
** xFilter's argv. */
#define RNN_EXT_VTAB_POS (1 << RNN_EXT_VTAB_MAX_ARGS)

/* The start of every table function's cursor: copies of the arguments of
** its last xFilter, which the hidden columns return (vtab.c rule 3). */
typedef struct rnn_ext_cursor {
  sqlite3_vtab_cursor base;
  sqlite3_value *arg[RNN_EXT_VTAB_MAX_ARGS];
} rnn_ext_cursor;

/* xConnect: declares schema and makes the table. */
int rnn_ext_vtab_connect(sqlite3 *db, const char *schema, const char *fn,
                         int first_arg, int n_args, double rows,
                         size_t cursor_size, sqlite3_vtab **out);
/* xOpen: a zeroed cursor of the table's cursor_size. */
int rnn_ext_vtab_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out);
int rnn_ext_vtab_disconnect(sqlite3_vtab *base);
int rnn_ext_vtab_best_index(sqlite3_vtab *base, sqlite3_index_info *info);
/* Rule 2 for a model or a global model (rnn_forecast): *m or *g set. */
int rnn_ext_vtab_any(rnn_ext_vtab *vt, sqlite3_value *v, rnn_model **m,
                     rnn_global **g, char **err);
/* xFilter's arguments by hidden column (NULL where none was given), kept
** in the cursor for the hidden columns; SQLITE_NOMEM when they cannot be.
** *same (if not NULL): whether they are the cursor's last ones. */
int rnn_ext_cursor_args(rnn_ext_cursor *c, int idx_num, sqlite3_value **argv,
                        sqlite3_value **arg, int *same);
/* Rule 5: the position xFilter was given (pos = ?), or 0 for every row. */
sqlite3_int64 rnn_ext_vtab_pos(int idx_num, int argc, sqlite3_value **argv);
/* Whether two SQL values are the same type and bytes (numbers: the same
** value as that type). */
int rnn_ext_same_value(sqlite3_value *a, sqlite3_value *b);
/* The value of hidden column col: its argument, or NULL. */
void rnn_ext_cursor_arg(const rnn_ext_cursor *c, sqlite3_context *ctx, int col);
/* xClose: frees the cursor and its arguments. */
int rnn_ext_cursor_close(sqlite3_vtab_cursor *cur);
/* Keeps result (freed by result_free) as the function's last result with
** the model the table keeps (vtab.c rule 4). */
void rnn_ext_vtab_keep_result(rnn_ext_vtab *vt, void *result,
                              void (*result_free)(void *));
/* The model of argument v, decoded only when it differs from the last one;
** errors as rnn_ext_decode. */
int rnn_ext_vtab_model(rnn_ext_vtab *vt, sqlite3_value *v, rnn_model **out,
                       char **err);
/* The kind (RNN_KIND_*) of model argument v, from the BLOB's header, or -1
** when v is not a BLOB whose container reads. */
int rnn_ext_kind(sqlite3_value *v);
/* Whether a value or covariate v is missing: NULL, or the empty TEXT the
** sqlite3 shell's .import makes of an empty CSV field. */
int rnn_ext_missing(sqlite3_value *v);
/* Sets the table's error message (err, sqlite3_malloc'd) and returns rc. */
int rnn_ext_vtab_error(sqlite3_vtab_cursor *cur, int rc, char *err);
/* Reads an interval level strictly between 0 and 1, as rnn_ext_read_h. */
int rnn_ext_read_level(const char *fn, sqlite3_value *v, double *level,
                       char **err);

/* The end of a sequence model's training aggregate (ext/text.c rule 5):
** SQLITE_INTERRUPT, the error of rc, or the model's BLOB once it reads
** back. Frees m. */
void rnn_ext_seq_result(sqlite3_context *ctx, const char *fn, rnn_status rc,
                        rnn_seqmodel *m, rnn_err *e);
/* A sequence model's options argument v (NULL or SQL NULL: the defaults of
** `kind`) into o; 0 after reporting an error that starts with fn. */
int rnn_ext_seq_options(sqlite3_context *ctx, const char *fn,
                        sqlite3_value *v, int kind, rnn_seq_options *o);
/* A training aggregate's options: the first row's (*seen 0) parsed into o
** and kept as text in *kept (NULL for none; the caller frees it), every
** later row's compared with them: the same in every row, as rnn_train's
** (ext/train.c rule 3). 0 after reporting an error that starts with fn. */
int rnn_ext_seq_row_options(sqlite3_context *ctx, const char *fn,
                            sqlite3_value *v, int kind, rnn_seq_options *o,
                            int *seen, char **kept);
/* The sequence model of argument 0, which must be of `kind`, cached as the
** statement's auxdata; NULL with no error for a NULL argument, NULL with
** an error set otherwise (ext/text.c). */
rnn_seqmodel *rnn_ext_seqmodel_arg(sqlite3_context *ctx, const char *fn,
                                   sqlite3_value **argv, int kind);
/* Appends ,"train_loss":[..],"validation_loss":[..] of m (ext/text.c). */
/* ,"train_loss":[...],"validation_loss":[...] of `held` values of a run of
** `epochs`, and "loss_epochs" when a BLOB kept fewer (core/blob.c rule 10). */
void rnn_ext_append_losses(sqlite3_str *s, const double *train,
                           const double *val, int held, int epochs);
/* rnn_info's result for a language model (ext/text.c). */
void rnn_ext_text_info(sqlite3_context *ctx, const rnn_seqmodel *m);
/* The same for a classifier or tagger (ext/classify.c). */
void rnn_ext_label_info(sqlite3_context *ctx, const rnn_seqmodel *m);

/* The callbacks of every SQL function (functions.h; extension.c registers
** them): rnn_sql_<callback>. */
typedef void rnn_sql_func(sqlite3_context *, int, sqlite3_value **);
typedef void rnn_sql_final(sqlite3_context *);
#define SCALAR(name, lo, hi, flags, fn) rnn_sql_func rnn_sql_##fn;
#define AGGREGATE(name, args, step, final) \
  rnn_sql_func rnn_sql_##step;             \
  rnn_sql_final rnn_sql_##final;
#define WINDOW(name, args, step, final, value, inverse)         \
  rnn_sql_func rnn_sql_##step, rnn_sql_##inverse;               \
  rnn_sql_final rnn_sql_##final, rnn_sql_##value;
#define MODULE(name, module) extern sqlite3_module rnn_sql_##module;
#include "functions.h"
#undef SCALAR
#undef AGGREGATE
#undef WINDOW
#undef MODULE

#endif
