/*
** Language models from SQL (SPEC.md 8): rnn_train_text, rnn_generate,
** rnn_next_tokens and rnn_perplexity (core/text.c does the work).
**
** Rules:
**   1. rnn_train_text(text [, options]) is an aggregate: each non-NULL row
**      is one sequence (TEXT, or a number read as its text; a BLOB is an
**      error naming the row). options is NULL or a JSON object, the same
**      in every row (as rnn_train's), parsed at the first row. No rows of
**      text: NULL, as other aggregates.
**   2. The model arguments take a language model's BLOB; NULL gives NULL;
**      a model of another kind is an error naming the function that reads
**      it; a damaged BLOB is an error, never a crash.
**   3. Text arguments are TEXT (numbers read as their text; NULL: no
**      prefix for rnn_generate and rnn_next_tokens, a NULL result for
**      rnn_perplexity). Counts and the temperature are checked against
**      the ranges the messages give.
**   4. Training stops with SQLITE_INTERRUPT when the connection is
**      interrupted (between time steps of a minibatch); generation and
**      reading long text check every 10 ms. verbose prints a line per
**      epoch on stderr.
**   5. The BLOB returned is decoded before it is returned (as rnn_train's).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "rnn_ext.h"

#define MAX_GENERATE 100000
#define MAX_NEXT 1000

typedef struct text_acc {
  char *bytes;       /* every row's text, back to back */
  sqlite3_uint64 nbytes, capbytes;
  sqlite3_uint64 *end; /* row i is bytes[end[i-1] .. end[i]) */
  sqlite3_uint64 n, cap;
  sqlite3_uint64 rows; /* every row seen, NULL ones too: errors name them */
  int failed;
  int has_options;
  char *options;     /* the first row's options, as text (NULL: none) */
  rnn_seq_options opts;
} text_acc;

static const char *TRAIN = "rnn_train_text";

int rnn_ext_seq_options(sqlite3_context *ctx, const char *fn,
                        sqlite3_value *v, int kind, rnn_seq_options *o) {
  rnn_seq_options_init(o, kind);
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return 1;
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    rnn_ext_errorf(ctx, fn, "options must be a JSON object as TEXT");
    return 0;
  }
  const char *t = (const char *)sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v);
  if (!t) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (n > RNN_EXT_MAX_OPTIONS) {
    rnn_ext_errorf(ctx, fn, "options are longer than %d bytes",
                   RNN_EXT_MAX_OPTIONS);
    return 0;
  }
  rnn_err e;
  rnn_status rc = rnn_seq_options_parse(o, t, (size_t)n, &e);
  if (rc) rnn_ext_error(ctx, fn, rc, &e);
  return rc == RNN_OK;
}

int rnn_ext_seq_row_options(sqlite3_context *ctx, const char *fn,
                            sqlite3_value *v, int kind, rnn_seq_options *o,
                            int *seen, char **kept) {
  int none = !v || sqlite3_value_type(v) == SQLITE_NULL;
  const char *t = none ? NULL : (const char *)sqlite3_value_text(v);
  if (!none && !t) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (*seen) {
    int same = none ? *kept == NULL
                    : *kept && strlen(t) == (size_t)sqlite3_value_bytes(v) && strcmp(t, *kept) == 0;
    if (!same) rnn_ext_errorf(ctx, fn, "options must be the same in every row");
    return same;
  }
  *seen = 1;
  if (!rnn_ext_seq_options(ctx, fn, v, kind, o)) return 0;
  if (!none && !(*kept = sqlite3_mprintf("%s", t))) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  return 1;
}

void rnn_sql_text_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  text_acc *acc = sqlite3_aggregate_context(ctx, sizeof *acc);
  if (!acc) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (acc->failed) return;
  if (argc < 1 || argc > 2) {
    rnn_ext_errorf(ctx, TRAIN, "takes text and optional options (%d arguments given)",
                   argc);
    acc->failed = 1;
    return;
  }
  /* Rule 1: the options, the same in every row. */
  if (!rnn_ext_seq_row_options(ctx, TRAIN, argc > 1 ? argv[1] : NULL, RNN_KIND_TEXT,
                               &acc->opts, &acc->has_options, &acc->options)) {
    acc->failed = 1;
    return;
  }
  acc->rows++;
  int type = sqlite3_value_type(argv[0]);
  if (type == SQLITE_NULL) return;
  if (type == SQLITE_BLOB) {
    rnn_ext_errorf(ctx, TRAIN, "text must be TEXT (row %llu is a BLOB)",
                   (unsigned long long)acc->rows);
    acc->failed = 1;
    return;
  }
  const char *t = (const char *)sqlite3_value_text(argv[0]);
  sqlite3_uint64 len = (sqlite3_uint64)sqlite3_value_bytes(argv[0]);
  if (!t) goto nomem;
  if (acc->nbytes + len > acc->capbytes) {
    sqlite3_uint64 c = acc->capbytes ? acc->capbytes * 2 : 4096;
    while (c < acc->nbytes + len) c *= 2;
    char *b = sqlite3_realloc64(acc->bytes, c);
    if (!b) goto nomem;
    acc->bytes = b;
    acc->capbytes = c;
  }
  if (acc->n == acc->cap) {
    sqlite3_uint64 c = acc->cap ? acc->cap * 2 : 256;
    sqlite3_uint64 *end = sqlite3_realloc64(acc->end, c * sizeof *end);
    if (!end) goto nomem;
    acc->end = end;
    acc->cap = c;
  }
  if (len) memcpy(acc->bytes + acc->nbytes, t, (size_t)len);
  acc->nbytes += len;
  acc->end[acc->n++] = acc->nbytes;
  return;
nomem:
  acc->failed = 1;
  sqlite3_result_error_nomem(ctx);
}

typedef struct gen_run {
  rnn_ext_watch watch;
  int verbose;
} gen_run;

/* Rule 4. */
static int text_progress(void *arg, const rnn_progress *p) {
  gen_run *r = arg;
  if (rnn_ext_interrupted(&r->watch)) return 1;
  if (r->verbose && p->epoch_done) {
    if (isnan(p->val_loss))
      fprintf(stderr, "rnn_train_text: epoch %d/%d loss %.4f nats/token\n",
              p->epoch, p->epochs, p->train_loss);
    else
      fprintf(stderr,
              "rnn_train_text: epoch %d/%d loss %.4f validation %.4f "
              "(perplexity %.3f, best epoch %d)\n",
              p->epoch, p->epochs, p->train_loss, p->val_loss,
              exp(p->val_loss), p->best_epoch);
  }
  return 0;
}

void rnn_sql_text_final(sqlite3_context *ctx) {
  text_acc *acc = sqlite3_aggregate_context(ctx, 0);
  const char **rows = NULL;
  size_t *lens = NULL;
  rnn_seqmodel *m = NULL;
  if (!acc || acc->failed || acc->n == 0) {
    if (!acc || !acc->failed) sqlite3_result_null(ctx);
    goto done;
  }
  rows = sqlite3_malloc64(acc->n * sizeof *rows);
  lens = sqlite3_malloc64(acc->n * sizeof *lens);
  if (!rows || !lens) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  const char *base = acc->bytes ? acc->bytes : ""; /* only empty rows: NULL */
  for (sqlite3_uint64 i = 0; i < acc->n; i++) {
    sqlite3_uint64 from = i ? acc->end[i - 1] : 0;
    rows[i] = base + from;
    lens[i] = (size_t)(acc->end[i] - from);
  }
  gen_run run = {.verbose = acc->opts.base.verbose};
  rnn_ext_watch_begin(&run.watch, sqlite3_context_db_handle(ctx), NULL);
  rnn_train_ctl ctl = {text_progress, &run};
  rnn_err e;
  rnn_status rc = rnn_text_train(&m, rows, lens, (size_t)acc->n, &acc->opts,
                                 &ctl, &e);
  rnn_ext_watch_end(&run.watch, NULL);
  rnn_ext_seq_result(ctx, TRAIN, rc, m, &e);
  m = NULL;
done:
  rnn_seqmodel_free(m);
  sqlite3_free(rows);
  sqlite3_free(lens);
  if (acc) {
    sqlite3_free(acc->bytes);
    sqlite3_free(acc->end);
    sqlite3_free(acc->options);
  }
}

void rnn_ext_seq_result(sqlite3_context *ctx, const char *fn, rnn_status rc,
                        rnn_seqmodel *m, rnn_err *e) {
  unsigned char *blob = NULL;
  size_t len = 0;
  rnn_seqmodel *back = NULL;
  if (rc == RNN_EINTERRUPT) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    rnn_seqmodel_free(m);
    return;
  }
  if (rc == RNN_OK) rc = rnn_seqmodel_encode(m, &blob, &len);
  /* Rule 5. */
  if (rc == RNN_OK) {
    rnn_err de;
    rc = rnn_seqmodel_decode(&back, blob, len, &de);
    if (rc != RNN_OK && rc != RNN_ENOMEM)
      rc = rnn_fail(e, RNN_EINVAL, "the trained model does not read back (%s)",
                    de.msg);
  }
  if (rc == RNN_OK) {
    sqlite3_result_blob64(ctx, blob, len, rnn_free);
    blob = NULL;
  } else {
    rnn_ext_error(ctx, fn, rc, e);
  }
  rnn_free(blob);
  rnn_seqmodel_free(back);
  rnn_seqmodel_free(m);
}

/* ------------------------------------------------------------- readers */

static void seqmodel_destroy(void *p) { rnn_seqmodel_free(p); }

rnn_seqmodel *rnn_ext_seqmodel_arg(sqlite3_context *ctx, const char *fn,
                                   sqlite3_value **argv, int kind) {
  static const char *const trainer[RNN_KIND_COUNT] = {
      "rnn_train", "rnn_train_text", "rnn_train_classifier", "rnn_train_tagger"};
  rnn_seqmodel *m = sqlite3_get_auxdata(ctx, 0);
  if (m) return m;
  int type = sqlite3_value_type(argv[0]);
  if (type == SQLITE_NULL) return NULL;
  if (type != SQLITE_BLOB) {
    rnn_ext_errorf(ctx, fn, "model must be a BLOB made by %s", trainer[kind]);
    return NULL;
  }
  rnn_err e;
  rnn_status rc = rnn_seqmodel_decode_as(&m, sqlite3_value_blob(argv[0]),
                                         (size_t)sqlite3_value_bytes(argv[0]),
                                         kind, &e);
  if (rc) {
    rnn_ext_error(ctx, fn, rc, &e);
    return NULL;
  }
  sqlite3_set_auxdata(ctx, 0, m, seqmodel_destroy);
  m = sqlite3_get_auxdata(ctx, 0);
  if (!m) sqlite3_result_error_nomem(ctx);
  return m;
}

/* Rule 3: a text argument (NULL: *t NULL); 0 after reporting an error. */
static int text_arg(sqlite3_context *ctx, const char *fn, const char *name,
                    sqlite3_value *v, const char **t, size_t *n) {
  *t = NULL;
  *n = 0;
  int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) return 1;
  if (type == SQLITE_BLOB) {
    rnn_ext_errorf(ctx, fn, "%s must be TEXT, not a BLOB", name);
    return 0;
  }
  *t = (const char *)sqlite3_value_text(v);
  *n = (size_t)sqlite3_value_bytes(v);
  if (!*t) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  return 1;
}

/* Rule 3: an integer argument in [lo, hi]; 0 after reporting an error. */
static int int_arg(sqlite3_context *ctx, const char *fn, const char *name,
                   sqlite3_value *v, sqlite3_int64 lo, sqlite3_int64 hi,
                   sqlite3_int64 *out) {
  if (!rnn_ext_int_value(v, lo, hi, out)) {
    rnn_ext_errorf(ctx, fn, "%s must be an integer from %lld to %lld", name,
                   lo, hi);
    return 0;
  }
  return 1;
}

static int watch_cancel(void *arg) { return rnn_ext_interrupted(arg); }

/* Runs with the model's cancel hook on this statement's connection. */
static void watch(rnn_seqmodel *m, rnn_ext_watch *w, sqlite3_context *ctx) {
  w->db = sqlite3_context_db_handle(ctx);
  m->cancel = watch_cancel;
  m->cancel_arg = w;
}

static void unwatch(rnn_seqmodel *m) {
  m->cancel = NULL;
  m->cancel_arg = NULL;
}

static void report(sqlite3_context *ctx, const char *fn, rnn_status rc,
                   const rnn_err *e) {
  if (rc == RNN_EINTERRUPT)
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  else
    rnn_ext_error(ctx, fn, rc, e);
}

/* rnn_generate(model [, prefix [, max_tokens [, temperature [, seed]]]]) */
void rnn_sql_generate(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *FN = "rnn_generate";
  rnn_seqmodel *m = rnn_ext_seqmodel_arg(ctx, FN, argv, RNN_KIND_TEXT);
  if (!m) return;
  const char *prefix = NULL;
  size_t plen = 0;
  sqlite3_int64 max_tokens = 200, seed = 0;
  double temperature = 1.0;
  if (argc > 1 && !text_arg(ctx, FN, "prefix", argv[1], &prefix, &plen)) return;
  if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL &&
      !int_arg(ctx, FN, "max_tokens", argv[2], 0, MAX_GENERATE, &max_tokens))
    return;
  if (argc > 3 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
    int type = sqlite3_value_numeric_type(argv[3]);
    temperature = sqlite3_value_double(argv[3]);
    if ((type != SQLITE_INTEGER && type != SQLITE_FLOAT) ||
        !(temperature >= 0 && temperature <= 100)) {
      rnn_ext_errorf(ctx, FN, "temperature must be a number from 0 (greedy) to 100");
      return;
    }
  }
  if (argc > 4 && sqlite3_value_type(argv[4]) != SQLITE_NULL &&
      !int_arg(ctx, FN, "seed", argv[4], 0, 9007199254740991LL, &seed))
    return;
  char *out = NULL;
  size_t n = 0;
  rnn_err e;
  rnn_ext_watch w;
  watch(m, &w, ctx);
  rnn_status rc = rnn_text_generate(m, prefix, plen, (int)max_tokens,
                                    temperature, (uint64_t)seed, &out, &n, &e);
  unwatch(m);
  if (rc) {
    report(ctx, FN, rc, &e);
    return;
  }
  if (out)
    sqlite3_result_text64(ctx, out, n, rnn_free, SQLITE_UTF8);
  else
    sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
}

/* rnn_next_tokens(model, prefix [, k]): {"token": probability, ...} */
void rnn_sql_next_tokens(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *FN = "rnn_next_tokens";
  rnn_seqmodel *m = rnn_ext_seqmodel_arg(ctx, FN, argv, RNN_KIND_TEXT);
  if (!m) return;
  const char *prefix;
  size_t plen;
  sqlite3_int64 k = 5;
  if (!text_arg(ctx, FN, "prefix", argv[1], &prefix, &plen)) return;
  if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL &&
      !int_arg(ctx, FN, "k", argv[2], 1, MAX_NEXT, &k)) /* NULL: the default, as rnn_generate's */
    return;
  int ids[MAX_NEXT], got;
  double p[MAX_NEXT];
  rnn_err e;
  rnn_ext_watch w;
  watch(m, &w, ctx);
  rnn_status rc = rnn_text_next(m, prefix, plen, (int)k, ids, p, &got, &e);
  unwatch(m);
  if (rc) {
    report(ctx, FN, rc, &e);
    return;
  }
  sqlite3_str *s = sqlite3_str_new(NULL);
  sqlite3_str_appendchar(s, 1, '{');
  for (int i = 0; i < got; i++) {
    const char *t = m->vocab.text + m->vocab.off[ids[i]];
    if (i) sqlite3_str_appendchar(s, 1, ',');
    rnn_ext_append_json_text(s, t, m->vocab.off[ids[i] + 1] - m->vocab.off[ids[i]] - 1);
    sqlite3_str_appendchar(s, 1, ':');
    rnn_ext_append_double(s, p[i]);
  }
  sqlite3_str_appendchar(s, 1, '}');
  rnn_ext_result_str(ctx, s);
}

/* rnn_perplexity(model, text) */
void rnn_sql_perplexity(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *FN = "rnn_perplexity";
  (void)argc;
  rnn_seqmodel *m = rnn_ext_seqmodel_arg(ctx, FN, argv, RNN_KIND_TEXT);
  if (!m) return;
  const char *t;
  size_t n;
  if (!text_arg(ctx, FN, "text", argv[1], &t, &n)) return;
  if (!t) {
    sqlite3_result_null(ctx);
    return;
  }
  double ppl;
  rnn_err e;
  rnn_ext_watch w;
  watch(m, &w, ctx);
  rnn_status rc = rnn_text_perplexity(m, t, n, &ppl, &e);
  unwatch(m);
  if (rc) {
    report(ctx, FN, rc, &e);
    return;
  }
  sqlite3_result_double(ctx, ppl);
}


/* rnn_info(model) for a language model (ext/info.c hands it over). */
void rnn_ext_text_info(sqlite3_context *ctx, const rnn_seqmodel *m) {
  char opts[RNN_OPTIONS_JSON_MAX];
  rnn_seq_options_json(&m->opts, opts, sizeof opts);
  const rnn_arch *a = &m->arch;
  sqlite3_str *s = sqlite3_str_new(NULL);
  sqlite3_str_appendf(
      s,
      "{\"format_version\":%d,\"kind\":\"text\",\"cell\":\"%s\","
      "\"activation\":\"%s\",\"layers\":%d,\"hidden\":%d,\"tokens\":\"%s\","
      "\"vocabulary\":%d,\"context\":%d,\"params\":%lld,\"options\":%s,"
      "\"rows\":%lld,\"token_count\":%lld,\"validation_rows\":%lld,"
      "\"validation_tokens\":%lld,\"epochs_run\":%d,\"best_epoch\":%d",
      m->format_version, rnn_cell_name(a->cell),
      rnn_activation_name(a->activation), a->layers, a->hidden,
      rnn_tokens_name(m->opts.tokens), m->vocab.n, a->window,
      (long long)m->layout.n_params, opts, (long long)m->rows,
      (long long)m->tokens, (long long)m->val_rows, (long long)m->val_tokens,
      m->epochs_run, m->best_epoch);
  rnn_ext_append_losses(s, m->train_loss, m->val_loss,
                        m->history ? m->history : m->epochs_run, m->epochs_run);
  /* The best epoch's validation loss as perplexity and bits per token,
  ** beside the unigram baseline's (null without validation rows). */
  double best = rnn_seq_best_val(m);
  sqlite3_str_appendall(s, ",\"validation\":{\"perplexity\":");
  rnn_ext_append_double(s, exp(best));
  sqlite3_str_appendall(s, ",\"bits_per_token\":");
  rnn_ext_append_double(s, best / log(2.0));
  sqlite3_str_appendall(s, ",\"unigram_perplexity\":");
  rnn_ext_append_double(s, exp(m->unigram_loss));
  sqlite3_str_appendall(s, "}}");
  rnn_ext_result_str(ctx, s);
}
