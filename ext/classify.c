/*
** Classifiers and taggers from SQL (SPEC.md 8): rnn_train_classifier,
** rnn_classify, rnn_classify_proba, rnn_train_tagger, rnn_tag
** (core/seqtask.c does the work).
**
** Rules:
**   1. seq is TEXT read as tokens (option "tokens", as rnn_train_text), or
**      a JSON array of numbers or of rows [[x1..xk], ...]. The first
**      non-NULL seq of a training run decides: TEXT that parses as a JSON
**      array is numbers, and then every seq must be such an array with the
**      same k; other TEXT ("[Chorus] la la" is not JSON) makes every seq
**      text. A model reads seq the way it was trained.
**   2. A classifier's label is any SQL value but NULL and keeps its type:
**      rnn_classify returns it as it came (INTEGER, REAL, TEXT or BLOB).
**      A NULL seq or label skips the row. Two labels that would be one
**      key of rnn_classify_proba's object (1 and '1', x'22' and '22') are
**      an error before training: a key names one label.
**   3. A tagger's tags are a JSON array with one entry per element of seq
**      (characters or words for text): numbers (integral ones as
**      INTEGER), strings, true and false (1 and 0); null is an element
**      without a tag. rnn_tag returns a JSON array of labels (BLOB labels
**      as hex strings).
**   4. rnn_classify_proba returns a JSON object label -> probability, the
**      labels in their order (numbers, then text, then BLOBs as hex);
**      probabilities as the model gives them.
**   5. Errors name the function and the row or element; NULL model or
**      seq gives NULL; a model of another kind names the function that
**      reads it. Training stops with SQLITE_INTERRUPT when the connection
**      is interrupted.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/json.h"
#include "rnn_ext.h"

/* ------------------------------------------------------------- growing */

typedef struct buf {
  unsigned char *p;
  sqlite3_uint64 n, cap;
} buf;

/* Appends n bytes (or room for them when b is NULL); 0 when out of memory. */
static int put(buf *b, const void *data, sqlite3_uint64 n) {
  if (b->n + n > b->cap) {
    sqlite3_uint64 c = b->cap ? b->cap * 2 : 1024;
    while (c < b->n + n) c *= 2;
    unsigned char *q = sqlite3_realloc64(b->p, c);
    if (!q) return 0;
    b->p = q;
    b->cap = c;
  }
  if (n && data) memcpy(b->p + b->n, data, (size_t)n);
  b->n += n;
  return 1;
}

/* A label as stored while rows arrive: bytes are offsets into a buffer. */
typedef struct lab {
  int type;
  sqlite3_int64 i;
  double r;
  sqlite3_uint64 off, len;
} lab;

typedef struct cls_row {
  sqlite3_uint64 seq_off, seq_len; /* text bytes, or doubles (numbers) */
  int steps;                       /* numbers: elements */
  lab label;                       /* classifier */
  sqlite3_uint64 tag_first;        /* tagger: index of its first tag */
  int ntags;
  sqlite3_uint64 row;              /* its number among every row seen */
} cls_row;

typedef struct cls_acc {
  int kind; /* RNN_KIND_CLASSIFIER or RNN_KIND_TAGGER */
  int failed, has_options, form; /* form: -1 unknown, 0 text, 1 numbers */
  char *options; /* the first row's options, as text (NULL: none) */
  int features;
  rnn_seq_options opts;
  buf text;   /* text bytes */
  buf nums;   /* doubles */
  buf bytes;  /* label bytes */
  buf rows;   /* row */
  buf tags;   /* lab */
  sqlite3_uint64 n;
  sqlite3_uint64 seen; /* every row, NULL ones too: errors name them */
} cls_acc;

static const char *train_name(int kind) {
  return kind == RNN_KIND_TAGGER ? "rnn_train_tagger" : "rnn_train_classifier";
}

/* ------------------------------------------------------------- numbers */

/* Rule 1: a JSON array of numbers (k = 1) or of rows of k numbers into
** out (doubles); *steps elements. Returns 0 and sets *why when it is not
** one; -1 when out of memory. */
static int read_numbers(const char *t, int n, buf *out, int *k, int *steps,
                        char *why, size_t nwhy) {
  rnn_json *root = NULL;
  rnn_err e;
  rnn_status rc = rnn_json_parse(&root, t, (size_t)n, &e);
  if (rc == RNN_ENOMEM) return -1;
  if (rc || root->type != RNN_JSON_ARRAY || root->len == 0) {
    if (rc)
      snprintf(why, nwhy, "is not a non-empty JSON array (%.120s)", e.msg);
    else
      snprintf(why, nwhy, "is not a non-empty JSON array");
    rnn_json_free(root);
    return 0;
  }
  int width = root->child->type == RNN_JSON_ARRAY ? (int)root->child->len : 1;
  if (*k && width != *k) {
    snprintf(why, nwhy, "has %d values an element, not %d", width, *k);
    rnn_json_free(root);
    return 0;
  }
  if (width < 1 || width > 1024) {
    snprintf(why, nwhy, "has %d values an element (1 to 1024 allowed)", width);
    rnn_json_free(root);
    return 0;
  }
  int i = 0, ok = 1;
  for (const rnn_json *el = root->child; el && ok; el = el->next, i++) {
    const rnn_json *v = width == 1 && el->type != RNN_JSON_ARRAY ? el : el->child;
    if (el->type == RNN_JSON_ARRAY && (int)el->len != width) {
      snprintf(why, nwhy, "element %d has %d values, not %d", i + 1,
               (int)el->len, width);
      ok = 0;
      break;
    }
    for (int j = 0; j < width && ok; j++, v = v ? v->next : NULL) {
      if (!v || v->type != RNN_JSON_NUMBER) {
        snprintf(why, nwhy, "element %d is not %s", i + 1,
                 width == 1 ? "a number" : "a row of numbers");
        ok = 0;
      } else if (!put(out, &v->num, sizeof v->num)) {
        rnn_json_free(root);
        return -1;
      }
    }
  }
  rnn_json_free(root);
  if (!ok) return 0;
  *k = width;
  *steps = i;
  return 1;
}

/* Rule 1: 1 when the first seq is a JSON array (numbers, then), 0 when it
** is text, -1 out of memory. */
static int json_array(const char *t, int n) {
  rnn_json *root = NULL;
  rnn_err e;
  rnn_status rc = rnn_json_parse(&root, t, (size_t)n, &e);
  int array = rc == RNN_OK && root->type == RNN_JSON_ARRAY;
  rnn_json_free(root);
  return rc == RNN_ENOMEM ? -1 : array;
}

/* ------------------------------------------------------------- labels */

/* Rule 2: a label from an SQL value (type 0 for NULL); 0 after an error. */
static int value_label(sqlite3_context *ctx, const char *fn, sqlite3_value *v,
                       cls_acc *acc, lab *l) {
  memset(l, 0, sizeof *l);
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return 1;
    case SQLITE_INTEGER:
      l->type = RNN_LABEL_INT;
      l->i = sqlite3_value_int64(v);
      return 1;
    case SQLITE_FLOAT:
      l->type = RNN_LABEL_REAL;
      l->r = sqlite3_value_double(v);
      if (!isfinite(l->r)) {
        rnn_ext_errorf(ctx, fn, "label of row %llu is not finite",
                       (unsigned long long)acc->seen);
        return 0;
      }
      return 1;
    default: {
      int blob = sqlite3_value_type(v) == SQLITE_BLOB;
      const void *p = blob ? sqlite3_value_blob(v) : sqlite3_value_text(v);
      int n = sqlite3_value_bytes(v);
      if (!p && n) {
        sqlite3_result_error_nomem(ctx);
        return 0;
      }
      l->type = blob ? RNN_LABEL_BLOB : RNN_LABEL_TEXT;
      l->off = acc->bytes.n;
      l->len = (sqlite3_uint64)n;
      if (!put(&acc->bytes, p, (sqlite3_uint64)n)) {
        sqlite3_result_error_nomem(ctx);
        return 0;
      }
      return 1;
    }
  }
}

/* Rule 3: the tags of a row (a JSON array); 0 after an error. */
static int read_tags(sqlite3_context *ctx, const char *fn, sqlite3_value *v,
                     cls_acc *acc, cls_row *r) {
  const char *t = (const char *)sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v);
  if (sqlite3_value_type(v) != SQLITE_TEXT || !t) {
    if (t || sqlite3_value_type(v) != SQLITE_TEXT)
      rnn_ext_errorf(ctx, fn, "tags of row %llu must be a JSON array as TEXT",
                     (unsigned long long)acc->seen);
    else
      sqlite3_result_error_nomem(ctx);
    return 0;
  }
  rnn_json *root = NULL;
  rnn_err e;
  rnn_status rc = rnn_json_parse(&root, t, (size_t)n, &e);
  if (rc == RNN_ENOMEM) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  if (rc || root->type != RNN_JSON_ARRAY) {
    rnn_ext_errorf(ctx, fn, "tags of row %llu must be a JSON array%s%s%s",
                   (unsigned long long)acc->seen, rc ? " (" : "", rc ? e.msg : "",
                   rc ? ")" : "");
    rnn_json_free(root);
    return 0;
  }
  r->tag_first = acc->tags.n / sizeof(lab);
  r->ntags = 0;
  int i = 0;
  for (const rnn_json *el = root->child; el; el = el->next, i++) {
    lab l = {0};
    if (el->type == RNN_JSON_NUMBER) {
      if (el->num == floor(el->num) && fabs(el->num) < 9e15) {
        l.type = RNN_LABEL_INT;
        l.i = (sqlite3_int64)el->num;
      } else {
        l.type = RNN_LABEL_REAL;
        l.r = el->num;
      }
    } else if (el->type == RNN_JSON_TRUE || el->type == RNN_JSON_FALSE) {
      l.type = RNN_LABEL_INT;
      l.i = el->type == RNN_JSON_TRUE;
    } else if (el->type == RNN_JSON_STRING) {
      l.type = RNN_LABEL_TEXT;
      l.off = acc->bytes.n;
      l.len = el->len;
      if (!put(&acc->bytes, el->str, el->len)) goto nomem;
    } else if (el->type != RNN_JSON_NULL) {
      rnn_ext_errorf(ctx, fn,
                     "tag %d of row %llu must be a number, a string, true, "
                     "false or null",
                     i + 1, (unsigned long long)acc->seen);
      rnn_json_free(root);
      return 0;
    }
    if (!put(&acc->tags, &l, sizeof l)) goto nomem;
    r->ntags++;
  }
  rnn_json_free(root);
  return 1;
nomem:
  rnn_json_free(root);
  sqlite3_result_error_nomem(ctx);
  return 0;
}

/* ------------------------------------------------------------- training */

static void train_step(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                       int kind) {
  cls_acc *acc = sqlite3_aggregate_context(ctx, sizeof *acc);
  const char *fn = train_name(kind);
  if (!acc) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (acc->failed) return;
  acc->kind = kind;
  if (!acc->has_options) {
    acc->form = -1;
    if (argc < 2 || argc > 3) {
      rnn_ext_errorf(ctx, fn, "takes seq, %s and optional options (%d "
                     "arguments given)", kind == RNN_KIND_TAGGER ? "tags" : "label",
                     argc);
      acc->failed = 1;
      return;
    }
  }
  if (!rnn_ext_seq_row_options(ctx, fn, argc > 2 ? argv[2] : NULL, kind, &acc->opts,
                               &acc->has_options, &acc->options)) {
    acc->failed = 1;
    return;
  }
  acc->seen++;
  int st = sqlite3_value_type(argv[0]);
  if (st == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  if (st == SQLITE_BLOB) {
    rnn_ext_errorf(ctx, fn, "seq of row %llu is a BLOB (TEXT or a JSON array "
                   "of numbers is needed)", (unsigned long long)acc->seen);
    acc->failed = 1;
    return;
  }
  const char *t = (const char *)sqlite3_value_text(argv[0]);
  int n = sqlite3_value_bytes(argv[0]);
  if (!t) goto nomem;
  cls_row r = {.row = acc->seen};
  if (acc->form < 0 && (acc->form = json_array(t, n)) < 0) goto nomem;
  if (acc->form == 1) {
    char why[192];
    r.seq_off = acc->nums.n / sizeof(double);
    int got = read_numbers(t, n, &acc->nums, &acc->features, &r.steps, why,
                           sizeof why);
    if (got < 0) goto nomem;
    if (!got) {
      rnn_ext_errorf(ctx, fn, "seq of row %llu %s (the first seq was a JSON "
                     "array, so every seq must be one of numbers)",
                     (unsigned long long)acc->seen, why);
      acc->failed = 1;
      return;
    }
  }
  if (acc->form == 0) {
    r.seq_off = acc->text.n;
    r.seq_len = (sqlite3_uint64)n;
    if (!put(&acc->text, t, (sqlite3_uint64)n)) goto nomem;
  }
  if (kind == RNN_KIND_TAGGER ? !read_tags(ctx, fn, argv[1], acc, &r)
                              : !value_label(ctx, fn, argv[1], acc, &r.label)) {
    acc->failed = 1;
    return;
  }
  if (!put(&acc->rows, &r, sizeof r)) goto nomem;
  acc->n++;
  return;
nomem:
  acc->failed = 1;
  sqlite3_result_error_nomem(ctx);
}

void rnn_sql_classifier_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  train_step(ctx, argc, argv, RNN_KIND_CLASSIFIER);
}
void rnn_sql_tagger_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  train_step(ctx, argc, argv, RNN_KIND_TAGGER);
}

typedef struct run {
  rnn_ext_watch watch;
  int verbose;
  const char *fn;
} run;

static int classify_progress(void *arg, const rnn_progress *p) {
  run *r = arg;
  if (rnn_ext_interrupted(&r->watch)) return 1;
  if (r->verbose && p->epoch_done)
    fprintf(stderr, "%s: epoch %d/%d loss %.4f validation %.4f (best epoch %d)\n",
            r->fn, p->epoch, p->epochs, p->train_loss, p->val_loss,
            p->best_epoch);
  return 0;
}

static int by_label_ptr(const void *pa, const void *pb) {
  return rnn_label_cmp(*(const rnn_label *const *)pa, *(const rnn_label *const *)pb);
}

/* A distinct label and its key in rnn_classify_proba's object. */
typedef struct keyed {
  const rnn_label *l;
  char *key;
} keyed;

static int by_key(const void *pa, const void *pb) {
  return strcmp(((const keyed *)pa)->key, ((const keyed *)pb)->key);
}

/* A label as the message names it: 1, 'one', x'01', and TEXT that is not
** UTF-8 as SQL would write it, CAST(x'61ff' AS TEXT). */
static void describe(sqlite3_str *s, const rnn_label *l, const char *key) {
  if (l->type == RNN_LABEL_TEXT && !rnn_ext_is_utf8(l->s, l->len)) {
    sqlite3_str_appendall(s, "CAST(x'");
    for (size_t i = 0; i < l->len; i++)
      sqlite3_str_appendf(s, "%02x", (unsigned char)l->s[i]);
    sqlite3_str_appendall(s, "' AS TEXT)");
  } else if (l->type == RNN_LABEL_TEXT)
    sqlite3_str_appendf(s, "'%.*s' (TEXT)", (int)l->len, l->s);
  else if (l->type == RNN_LABEL_BLOB)
    sqlite3_str_appendf(s, "x'%.*s' (BLOB)", (int)strlen(key) - 2, key + 1);
  else
    sqlite3_str_appendf(s, "%.*s (a number)", (int)strlen(key) - 2, key + 1);
}

/* Rule 2: 1 when two of the n labels would be one key of
** rnn_classify_proba's object (the error is set), -1 out of memory: the
** keys of the distinct labels, sorted, compared with their neighbours. */
static int label_keys_clash(sqlite3_context *ctx, const char *fn,
                            const rnn_example *ex, size_t n) {
  const rnn_label **all = sqlite3_malloc64((n ? n : 1) * sizeof *all);
  keyed *keys = sqlite3_malloc64((n ? n : 1) * sizeof *keys);
  size_t d = 0;
  int clash = 0;
  if (!all || !keys) clash = -1;
  for (size_t i = 0; !clash && i < n; i++) all[i] = &ex[i].label;
  if (!clash) qsort(all, n, sizeof *all, by_label_ptr);
  for (size_t i = 0; !clash && i < n; i++) {
    if (i && rnn_label_cmp(all[i - 1], all[i]) == 0) continue;
    sqlite3_str *k = sqlite3_str_new(NULL);
    rnn_ext_append_label(k, all[i], 1);
    char *key = sqlite3_str_finish(k);
    if (!key) clash = -1;
    else keys[d++] = (keyed){all[i], key};
  }
  if (!clash) qsort(keys, d, sizeof *keys, by_key);
  for (size_t i = 1; !clash && i < d; i++) {
    if (strcmp(keys[i - 1].key, keys[i].key) != 0) continue;
    sqlite3_str *m = sqlite3_str_new(NULL);
    sqlite3_str_appendall(m, "labels ");
    describe(m, keys[i - 1].l, keys[i - 1].key);
    sqlite3_str_appendall(m, " and ");
    describe(m, keys[i].l, keys[i].key);
    sqlite3_str_appendf(m, " would be one key, %s, of rnn_classify_proba's object; "
                        "give them distinct values", keys[i].key);
    char *msg = sqlite3_str_finish(m);
    if (msg) rnn_ext_errorf(ctx, fn, "%s", msg);
    else sqlite3_result_error_nomem(ctx);
    sqlite3_free(msg);
    clash = 1;
  }
  for (size_t i = 0; i < d; i++) sqlite3_free(keys[i].key);
  sqlite3_free(keys);
  sqlite3_free(all);
  return clash;
}

static rnn_label to_label(const cls_acc *acc, const lab *l) {
  return (rnn_label){.type = l->type, .i = l->i, .r = l->r,
                     .s = l->type >= RNN_LABEL_TEXT
                              ? (const char *)acc->bytes.p + l->off
                              : NULL,
                     .len = (size_t)l->len};
}

void rnn_sql_seq_train_final(sqlite3_context *ctx) {
  cls_acc *acc = sqlite3_aggregate_context(ctx, 0);
  rnn_example *ex = NULL;
  rnn_label *tags = NULL;
  rnn_seqmodel *m = NULL;
  if (!acc || acc->failed || acc->n == 0) {
    if (!acc || !acc->failed) sqlite3_result_null(ctx);
    goto done;
  }
  const char *fn = train_name(acc->kind);
  sqlite3_uint64 ntags = acc->tags.n / sizeof(lab);
  ex = sqlite3_malloc64(acc->n * sizeof *ex);
  tags = sqlite3_malloc64((ntags ? ntags : 1) * sizeof *tags);
  if (!ex || !tags) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  const lab *all = (const lab *)acc->tags.p;
  for (sqlite3_uint64 i = 0; i < ntags; i++) tags[i] = to_label(acc, &all[i]);
  const cls_row *rows = (const cls_row *)acc->rows.p;
  const double *nums = (const double *)acc->nums.p;
  for (sqlite3_uint64 i = 0; i < acc->n; i++) {
    const cls_row *r = &rows[i];
    ex[i] = (rnn_example){.label = to_label(acc, &r->label),
                          .tags = tags + r->tag_first, .ntags = r->ntags,
                          .row = (int64_t)r->row};
    if (acc->form == 1) {
      ex[i].x = nums + r->seq_off;
      ex[i].steps = r->steps;
    } else {
      ex[i].text = acc->text.p ? (const char *)acc->text.p + r->seq_off : "";
      ex[i].len = (size_t)r->seq_len;
    }
  }
  if (acc->kind == RNN_KIND_CLASSIFIER) {
    int clash = label_keys_clash(ctx, fn, ex, (size_t)acc->n);
    if (clash < 0) sqlite3_result_error_nomem(ctx);
    if (clash) goto done;
  }
  run rn = {.verbose = acc->opts.base.verbose, .fn = fn};
  rnn_ext_watch_begin(&rn.watch, sqlite3_context_db_handle(ctx), NULL);
  rnn_train_ctl ctl = {classify_progress, &rn};
  rnn_err e;
  rnn_status rc = rnn_seq_train(&m, ex, (size_t)acc->n,
                                acc->form == 1 ? acc->features : 0, &acc->opts,
                                &ctl, &e);
  rnn_ext_watch_end(&rn.watch, NULL);
  rnn_ext_seq_result(ctx, fn, rc, m, &e);
  m = NULL;
done:
  rnn_seqmodel_free(m);
  sqlite3_free(ex);
  sqlite3_free(tags);
  if (acc) {
    sqlite3_free(acc->text.p);
    sqlite3_free(acc->nums.p);
    sqlite3_free(acc->bytes.p);
    sqlite3_free(acc->rows.p);
    sqlite3_free(acc->tags.p);
    sqlite3_free(acc->options);
  }
}

/* ------------------------------------------------------------- readers */

/* Rule 1: the model's answer for seq (argument 1) by the kind's reader:
** the class probabilities (p) or the tags (*ids, *n). 0 when the result
** is already set (NULL or an error). */
static int read_seq(sqlite3_context *ctx, const char *fn, rnn_seqmodel *m,
                    sqlite3_value *v, double *p, int **ids, int *n) {
  int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) return 0;
  if (type == SQLITE_BLOB) {
    rnn_ext_errorf(ctx, fn, "seq must be TEXT or a JSON array of numbers, not a BLOB");
    return 0;
  }
  const char *t = (const char *)sqlite3_value_text(v);
  int len = sqlite3_value_bytes(v);
  if (!t) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  buf nums = {0};
  int k = m->features, steps = 0;
  if (m->features) {
    char why[128];
    int got = read_numbers(t, len, &nums, &k, &steps, why, sizeof why);
    if (got <= 0) {
      sqlite3_free(nums.p);
      if (got < 0)
        sqlite3_result_error_nomem(ctx);
      else
        rnn_ext_errorf(ctx, fn, "seq %s (this model reads JSON arrays of %d "
                       "number%s an element)", why, m->features,
                       m->features > 1 ? "s" : "");
      return 0;
    }
  }
  rnn_err e;
  rnn_status rc =
      p ? rnn_seq_classify(m, t, (size_t)len, (const double *)nums.p, steps, p, &e)
        : rnn_seq_tag(m, t, (size_t)len, (const double *)nums.p, steps, ids, n,
                      &e);
  sqlite3_free(nums.p);
  if (rc) {
    rnn_ext_error(ctx, fn, rc, &e);
    return 0;
  }
  return 1;
}

/* A label as JSON: numbers as numbers, text as a string, BLOB as hex;
** key: always a string (object keys). */
void rnn_ext_append_label(sqlite3_str *s, const rnn_label *l, int key) {
  if (l->type == RNN_LABEL_INT) {
    sqlite3_str_appendf(s, key ? "\"%lld\"" : "%lld", (long long)l->i);
  } else if (l->type == RNN_LABEL_REAL) {
    if (key) sqlite3_str_appendchar(s, 1, '"');
    rnn_ext_append_double(s, l->r);
    if (key) sqlite3_str_appendchar(s, 1, '"');
  } else if (l->type == RNN_LABEL_BLOB) {
    sqlite3_str_appendchar(s, 1, '"');
    for (size_t i = 0; i < l->len; i++)
      sqlite3_str_appendf(s, "%02X", (unsigned char)l->s[i]);
    sqlite3_str_appendchar(s, 1, '"');
  } else {
    rnn_ext_append_json_text(s, l->s, l->len);
  }
}

static void classify_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                        int proba) {
  const char *fn = proba ? "rnn_classify_proba" : "rnn_classify";
  (void)argc;
  rnn_seqmodel *m = rnn_ext_seqmodel_arg(ctx, fn, argv, RNN_KIND_CLASSIFIER);
  if (!m) return;
  double *p = sqlite3_malloc64((sqlite3_uint64)m->n_labels * sizeof *p);
  if (!p) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!read_seq(ctx, fn, m, argv[1], p, NULL, NULL)) {
    sqlite3_free(p);
    return;
  }
  if (proba) {
    sqlite3_str *s = sqlite3_str_new(NULL);
    sqlite3_str_appendchar(s, 1, '{');
    for (int i = 0; i < m->n_labels; i++) {
      if (i) sqlite3_str_appendchar(s, 1, ',');
      rnn_ext_append_label(s, &m->labels[i], 1);
      sqlite3_str_appendchar(s, 1, ':');
      rnn_ext_append_double(s, p[i]);
    }
    sqlite3_str_appendchar(s, 1, '}');
    rnn_ext_result_str(ctx, s);
  } else {
    int best = 0;
    for (int i = 1; i < m->n_labels; i++)
      if (p[i] > p[best]) best = i;
    const rnn_label *l = &m->labels[best];
    if (l->type == RNN_LABEL_INT)
      sqlite3_result_int64(ctx, l->i);
    else if (l->type == RNN_LABEL_REAL)
      sqlite3_result_double(ctx, l->r);
    else if (l->type == RNN_LABEL_TEXT)
      sqlite3_result_text64(ctx, l->s, l->len, SQLITE_TRANSIENT, SQLITE_UTF8);
    else
      sqlite3_result_blob64(ctx, l->s, l->len, SQLITE_TRANSIENT);
  }
  sqlite3_free(p);
}

void rnn_sql_classify(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  classify_fn(ctx, argc, argv, 0);
}
void rnn_sql_classify_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  classify_fn(ctx, argc, argv, 1);
}

void rnn_sql_tag(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  rnn_seqmodel *m = rnn_ext_seqmodel_arg(ctx, "rnn_tag", argv, RNN_KIND_TAGGER);
  if (!m) return;
  int *ids = NULL, n = 0;
  if (!read_seq(ctx, "rnn_tag", m, argv[1], NULL, &ids, &n)) return;
  sqlite3_str *s = sqlite3_str_new(NULL);
  sqlite3_str_appendchar(s, 1, '[');
  for (int i = 0; i < n; i++) {
    if (i) sqlite3_str_appendchar(s, 1, ',');
    rnn_ext_append_label(s, &m->labels[ids[i]], 0);
  }
  sqlite3_str_appendchar(s, 1, ']');
  rnn_free(ids);
  rnn_ext_result_str(ctx, s);
}

/* rnn_info(model) for a classifier or tagger (ext/info.c hands it over). */
void rnn_ext_label_info(sqlite3_context *ctx, const rnn_seqmodel *m) {
  char opts[RNN_OPTIONS_JSON_MAX];
  rnn_seq_options_json(&m->opts, opts, sizeof opts);
  const rnn_arch *a = &m->arch;
  sqlite3_str *s = sqlite3_str_new(NULL);
  sqlite3_str_appendf(
      s,
      "{\"format_version\":%d,\"kind\":\"%s\",\"cell\":\"%s\","
      "\"activation\":\"%s\",\"layers\":%d,\"hidden\":%d,"
      "\"bidirectional\":%s,\"input\":\"%s\",",
      m->format_version, rnn_kind_name(m->kind), rnn_cell_name(a->cell),
      rnn_activation_name(a->activation), a->layers, a->hidden,
      a->dirs == 2 ? "true" : "false", m->features ? "numbers" : "text");
  if (m->features)
    sqlite3_str_appendf(s, "\"features\":%d,", m->features);
  else
    sqlite3_str_appendf(s, "\"tokens\":\"%s\",\"vocabulary\":%d,",
                        rnn_tokens_name(m->opts.tokens), m->vocab.n);
  sqlite3_str_appendall(s, "\"labels\":[");
  for (int i = 0; i < m->n_labels; i++) {
    if (i) sqlite3_str_appendchar(s, 1, ',');
    rnn_ext_append_label(s, &m->labels[i], 0);
  }
  sqlite3_str_appendf(
      s,
      "],\"longest\":%d,\"params\":%lld,\"options\":%s,\"rows\":%lld,"
      "\"elements\":%lld,\"validation_rows\":%lld,\"validation_elements\":%lld,"
      "\"epochs_run\":%d,\"best_epoch\":%d",
      a->window, (long long)m->layout.n_params, opts, (long long)m->rows,
      (long long)m->tokens, (long long)m->val_rows, (long long)m->val_tokens,
      m->epochs_run, m->best_epoch);
  rnn_ext_append_losses(s, m->train_loss, m->val_loss,
                        m->history ? m->history : m->epochs_run, m->epochs_run);
  sqlite3_str_appendall(s, ",\"validation\":{\"accuracy\":");
  rnn_ext_append_double(s, m->val_accuracy);
  sqlite3_str_appendall(s, ",\"loss\":");
  rnn_ext_append_double(s, rnn_seq_best_val(m));
  sqlite3_str_appendall(s, ",\"prior_loss\":");
  rnn_ext_append_double(s, m->unigram_loss);
  sqlite3_str_appendall(s, "}}");
  rnn_ext_result_str(ctx, s);
}

