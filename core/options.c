/*
** Training options (SPEC.md section 5): defaults and the JSON reader.
**
** Rules:
**   1. Options are one JSON object; NULL (handled by the caller) means all
**      defaults.
**   2. Every key must be known and given once; an unknown key is an error
**      that lists the allowed keys.
**   3. Every value must have the right type and range; the error names the
**      key and says what is allowed.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "rnn.h"

void rnn_options_init(rnn_options *o) {
  memset(o, 0, sizeof *o);
  o->cell = RNN_CELL_LSTM;
  o->activation = RNN_ACT_TANH;
  o->hidden = 32;
  o->layers = 1;
  o->dropout = 0.0;
  o->bidirectional = 0;
  o->window = RNN_WINDOW_AUTO;
  o->horizon = RNN_HORIZON_AUTO;
  o->epochs = 200;
  o->batch = 32;
  o->optimizer = RNN_OPT_ADAM;
  o->lr = 0.005;
  o->clip = 1.0;
  o->loss = RNN_LOSS_MSE;
  o->normalize = RNN_NORM_STANDARD;
  o->seed = 0;
  o->validation = 0.1;
  o->patience = 20;
  o->missing = RNN_MISSING_INTERPOLATE;
  o->duplicates = RNN_DUP_ERROR;
  o->short_policy = RNN_SHORT_FALLBACK;
  o->threads = 0;
  o->max_seconds = 0;
  o->verbose = 0;
  o->method = RNN_METHOD_AUTO;
  o->xreg = RNN_XREG_AUTO;
  o->calendar = 0;
}

static const char *const cell_names[] = {"rnn", "gru", "lstm"};
_Static_assert(sizeof cell_names / sizeof cell_names[0] == RNN_CELL_COUNT,
               "a name for every cell");
static const char *const act_names[] = {"tanh", "relu", "sigmoid"};
static const char *const norm_names[] = {"standard", "minmax", "none"};
static const char *const loss_names[] = {"mse", "mae", "huber", "cross_entropy"};
static const char *const opt_names[] = {"adam", "sgd", "momentum"};
static const char *const missing_names[] = {"interpolate", "error"};
static const char *const dup_names[] = {"error", "mean", "last"};
static const char *const short_names[] = {"fallback", "error", "null"};
static const char *const method_names[] = {"auto", "network"};

#define NAME(table, i) \
  ((i) >= 0 && (size_t)(i) < sizeof table / sizeof table[0] ? table[i] : "?")
const char *rnn_cell_name(int cell) { return NAME(cell_names, cell); }
const char *rnn_activation_name(int act) { return NAME(act_names, act); }
const char *rnn_normalize_name(int norm) { return NAME(norm_names, norm); }
const char *rnn_loss_name(int loss) { return NAME(loss_names, loss); }
const char *rnn_optimizer_name(int opt) { return NAME(opt_names, opt); }
const char *rnn_missing_name(int v) { return NAME(missing_names, v); }
const char *rnn_duplicates_name(int v) { return NAME(dup_names, v); }
const char *rnn_short_name(int v) { return NAME(short_names, v); }
const char *rnn_method_name(int v) { return NAME(method_names, v); }
static const char *const xreg_names[] = {"auto", "true", "false"};
const char *rnn_xreg_name(int v) { return NAME(xreg_names, v); }

/* Rule 3 for integers: a JSON number with no fraction in [lo, hi]. */
static rnn_status option_int(const rnn_json *v, const char *key, double lo,
                          double hi, int *out, rnn_err *e) {
  if (v->type != RNN_JSON_NUMBER || v->num != floor(v->num) || v->num < lo ||
      v->num > hi)
    return rnn_fail(e, RNN_EINVAL,
                    "option \"%s\" must be an integer from %.0f to %.0f", key,
                    lo, hi);
  *out = (int)v->num;
  return RNN_OK;
}

/* Rule 3 for enumerations: one of the first n names. "allowed" is the list
** for the message, already quoted. */
static rnn_status get_enum(const rnn_json *v, const char *key,
                           const char *const *names, int n,
                           const char *allowed, int *out, rnn_err *e) {
  if (v->type == RNN_JSON_STRING)
    for (int i = 0; i < n; i++)
      if (strlen(names[i]) == v->len && strcmp(v->str, names[i]) == 0) {
        *out = i;
        return RNN_OK;
      }
  return rnn_fail(e, RNN_EINVAL, "option \"%s\" must be %s", key, allowed);
}

#define ALLOWED_KEYS                                                       \
  "activation, batch, bidirectional, calendar, cell, clip, dropout, "         \
  "duplicates, epochs, hidden, horizon, layers, loss, lr, max_seconds, "       \
  "method, missing, normalize, optimizer, patience, seed, short, threads, "    \
  "validation, verbose, window, xreg"

/* Rule 3 for numbers: a JSON number in [lo, hi]. */
static rnn_status get_num(const rnn_json *v, const char *key, double lo,
                          double hi, const char *allowed, double *out,
                          rnn_err *e) {
  if (v->type != RNN_JSON_NUMBER || !(v->num >= lo) || !(v->num <= hi))
    return rnn_fail(e, RNN_EINVAL, "option \"%s\" must be %s", key, allowed);
  *out = v->num;
  return RNN_OK;
}

/* Rule 3 for booleans. */
static rnn_status get_bool(const rnn_json *v, const char *key, int *out,
                           rnn_err *e) {
  if (v->type != RNN_JSON_TRUE && v->type != RNN_JSON_FALSE)
    return rnn_fail(e, RNN_EINVAL, "option \"%s\" must be true or false", key);
  *out = v->type == RNN_JSON_TRUE;
  return RNN_OK;
}

/* Reads one member m into o (rule 3); unknown keys are rule 2. */
static rnn_status read_member(rnn_options *o, const rnn_json *m, rnn_err *e) {
  const char *k = m->key;
  if (!strcmp(k, "cell"))
    return get_enum(m, k, cell_names, RNN_CELL_COUNT, "\"lstm\", \"gru\" or \"rnn\"",
                    &o->cell, e);
  if (!strcmp(k, "activation"))
    return get_enum(m, k, act_names, 3, "\"tanh\", \"relu\" or \"sigmoid\"",
                    &o->activation, e);
  if (!strcmp(k, "normalize"))
    return get_enum(m, k, norm_names, 3, "\"standard\", \"minmax\" or \"none\"",
                    &o->normalize, e);
  if (!strcmp(k, "loss"))
    return get_enum(m, k, loss_names, 3, "\"mse\", \"mae\" or \"huber\"",
                    &o->loss, e);
  if (!strcmp(k, "optimizer"))
    return get_enum(m, k, opt_names, 3, "\"adam\", \"sgd\" or \"momentum\"",
                    &o->optimizer, e);
  if (!strcmp(k, "hidden")) return option_int(m, k, 1, RNN_MAX_HIDDEN, &o->hidden, e);
  if (!strcmp(k, "layers")) return option_int(m, k, 1, RNN_MAX_LAYERS, &o->layers, e);
  if (!strcmp(k, "horizon")) {
    if (m->type == RNN_JSON_STRING && !strcmp(m->str, "auto")) {
      o->horizon = RNN_HORIZON_AUTO;
      return RNN_OK;
    }
    if (m->type != RNN_JSON_NUMBER || m->num != floor(m->num) || m->num < 1 ||
        m->num > RNN_MAX_HORIZON)
      return rnn_fail(e, RNN_EINVAL,
                      "option \"horizon\" must be \"auto\" or an integer from "
                      "1 to %d",
                      RNN_MAX_HORIZON);
    o->horizon = (int)m->num;
    return RNN_OK;
  }
  if (!strcmp(k, "method"))
    return get_enum(m, k, method_names, 2, "\"auto\" or \"network\"",
                    &o->method, e);
  if (!strcmp(k, "epochs")) return option_int(m, k, 1, 100000, &o->epochs, e);
  if (!strcmp(k, "batch")) return option_int(m, k, 1, 65536, &o->batch, e);
  if (!strcmp(k, "seed")) {
    if (m->type != RNN_JSON_NUMBER || m->num != floor(m->num) || m->num < 0 ||
        m->num > 9007199254740991.0)
      return rnn_fail(e, RNN_EINVAL,
                      "option \"seed\" must be an integer from 0 to "
                      "9007199254740991");
    o->seed = (uint64_t)m->num;
    return RNN_OK;
  }
  if (!strcmp(k, "window")) {
    if (m->type == RNN_JSON_STRING && !strcmp(m->str, "auto")) {
      o->window = RNN_WINDOW_AUTO;
      return RNN_OK;
    }
    if (m->type != RNN_JSON_NUMBER || m->num != floor(m->num) || m->num < 1 ||
        m->num > RNN_MAX_WINDOW)
      return rnn_fail(e, RNN_EINVAL,
                      "option \"window\" must be \"auto\" or an integer from 1 "
                      "to %d",
                      RNN_MAX_WINDOW);
    o->window = (int)m->num;
    return RNN_OK;
  }
  if (!strcmp(k, "bidirectional")) return get_bool(m, k, &o->bidirectional, e);
  if (!strcmp(k, "calendar")) return get_bool(m, k, &o->calendar, e);
  if (!strcmp(k, "xreg")) {
    if (m->type == RNN_JSON_TRUE || m->type == RNN_JSON_FALSE) {
      o->xreg = m->type == RNN_JSON_TRUE ? RNN_XREG_ON : RNN_XREG_OFF;
      return RNN_OK;
    }
    return get_enum(m, k, xreg_names, 1, "\"auto\", true or false", &o->xreg, e);
  }
  if (!strcmp(k, "verbose")) return get_bool(m, k, &o->verbose, e);
  if (!strcmp(k, "dropout"))
    return get_num(m, k, 0, 0.9, "a number from 0 to 0.9", &o->dropout, e);
  if (!strcmp(k, "validation"))
    return get_num(m, k, 0, 0.5, "a number from 0 to 0.5", &o->validation, e);
  if (!strcmp(k, "clip"))
    return get_num(m, k, 0, 1e30, "a number from 0 (off) to 1e30", &o->clip, e);
  if (!strcmp(k, "max_seconds"))
    return get_num(m, k, 0, 1e9, "a number of seconds from 0 (no limit) to 1e9",
                   &o->max_seconds, e);
  if (!strcmp(k, "lr")) {
    if (m->type != RNN_JSON_NUMBER || !(m->num > 0) || m->num > 10)
      return rnn_fail(e, RNN_EINVAL,
                      "option \"lr\" must be a number greater than 0 and at "
                      "most 10");
    o->lr = m->num;
    return RNN_OK;
  }
  if (!strcmp(k, "patience")) return option_int(m, k, 1, 100000, &o->patience, e);
  if (!strcmp(k, "threads")) return option_int(m, k, 0, 1024, &o->threads, e);
  if (!strcmp(k, "missing"))
    return get_enum(m, k, missing_names, 2, "\"interpolate\" or \"error\"",
                    &o->missing, e);
  if (!strcmp(k, "duplicates"))
    return get_enum(m, k, dup_names, 3, "\"error\", \"mean\" or \"last\"",
                    &o->duplicates, e);
  if (!strcmp(k, "short"))
    return get_enum(m, k, short_names, 3, "\"fallback\", \"error\" or \"null\"",
                    &o->short_policy, e);
  return rnn_fail(e, RNN_EINVAL, "unknown option \"%s\"; allowed: %s", k,
                  ALLOWED_KEYS);
}

/* Rules 1 and 2 for any set of keys: each member goes to read(arg, m, e);
** allowed lists the keys for the message about a key with a NUL inside. */
static rnn_status parse_object(const char *text, size_t len,
                               rnn_status (*read)(void *arg, const rnn_json *m,
                                                  rnn_err *e),
                               void *arg, const char *allowed, rnn_err *e) {
  rnn_json *root = NULL;
  rnn_err je;
  rnn_status rc = rnn_json_parse(&root, text, len, &je);
  if (rc == RNN_ENOMEM) return rc;
  if (rc != RNN_OK)
    return rnn_fail(e, RNN_EINVAL, "options are not valid JSON: %s", je.msg);
  /* Rule 1. */
  if (root->type != RNN_JSON_OBJECT) {
    rnn_json_free(root);
    return rnn_fail(e, RNN_EINVAL, "options must be a JSON object");
  }
  for (const rnn_json *m = root->child; m && rc == RNN_OK; m = m->next) {
    /* Rule 2: a key with a NUL inside matches nothing; the message shows
    ** the whole key, the NUL as \u0000. */
    if (strlen(m->key) != m->key_len) {
      char shown[64];
      size_t at = 0;
      for (size_t i = 0; i < m->key_len && at + 7 < sizeof shown; i++)
        if (m->key[i]) shown[at++] = m->key[i];
        else memcpy(shown + at, "\\u0000", 6), at += 6;
      shown[at] = 0;
      rc = rnn_fail(e, RNN_EINVAL, "unknown option \"%s\"; allowed: %s", shown,
                    allowed);
    }
    else if (rnn_json_get(root, m->key) != m)
      rc = rnn_fail(e, RNN_EINVAL, "option \"%s\" is given twice", m->key);
    else
      rc = read(arg, m, e);
  }
  rnn_json_free(root);
  return rc;
}

static rnn_status read_forecast_member(void *o, const rnn_json *m, rnn_err *e) {
  return read_member(o, m, e);
}

rnn_status rnn_options_parse(rnn_options *o, const char *text, size_t len,
                             rnn_err *e) {
  return parse_object(text, len, read_forecast_member, o, ALLOWED_KEYS, e);
}

/* The options every model has, as JSON members without the braces, in
** the order both writers below use. */
static void base_members(const rnn_options *o, char *buf, size_t n) {
  char dropout[32], lr[32], clip[32], val[32], secs[32];
  rnn_format_double(o->dropout, dropout, sizeof dropout);
  rnn_format_double(o->lr, lr, sizeof lr);
  rnn_format_double(o->clip, clip, sizeof clip);
  rnn_format_double(o->validation, val, sizeof val);
  rnn_format_double(o->max_seconds, secs, sizeof secs);
  snprintf(buf, n,
           "\"cell\":\"%s\",\"activation\":\"%s\",\"hidden\":%d,\"layers\":%d,"
           "\"dropout\":%s,\"epochs\":%d,\"batch\":%d,\"optimizer\":\"%s\","
           "\"lr\":%s,\"clip\":%s,\"validation\":%s,\"patience\":%d,"
           "\"seed\":%llu,\"threads\":%d,\"max_seconds\":%s,\"verbose\":%s",
           rnn_cell_name(o->cell), rnn_activation_name(o->activation), o->hidden,
           o->layers, dropout, o->epochs, o->batch,
           rnn_optimizer_name(o->optimizer), lr, clip, val, o->patience,
           (unsigned long long)o->seed, o->threads, secs,
           o->verbose ? "true" : "false");
}

int rnn_options_json(const rnn_options *o, char *buf, size_t n) {
  char base[RNN_OPTIONS_JSON_MAX], window[16] = "\"auto\"", horizon[16] = "\"auto\"";
  base_members(o, base, sizeof base);
  if (o->window != RNN_WINDOW_AUTO) snprintf(window, sizeof window, "%d", o->window);
  if (o->horizon != RNN_HORIZON_AUTO) snprintf(horizon, sizeof horizon, "%d", o->horizon);
  return snprintf(buf, n,
                  "{%s,\"bidirectional\":%s,\"window\":%s,\"horizon\":%s,"
                  "\"loss\":\"%s\",\"normalize\":\"%s\",\"missing\":\"%s\","
                  "\"duplicates\":\"%s\",\"short\":\"%s\",\"method\":\"%s\","
                  "\"xreg\":%s%s%s,\"calendar\":%s}",
                  base, o->bidirectional ? "true" : "false", window, horizon,
                  rnn_loss_name(o->loss), rnn_normalize_name(o->normalize),
                  rnn_missing_name(o->missing), rnn_duplicates_name(o->duplicates),
                  rnn_short_name(o->short_policy), rnn_method_name(o->method),
                  o->xreg == RNN_XREG_AUTO ? "\"" : "", rnn_xreg_name(o->xreg),
                  o->xreg == RNN_XREG_AUTO ? "\"" : "",
                  o->calendar ? "true" : "false");
}

/* ------------------------------------------------- language models */

#define TEXT_ALLOWED_KEYS                                                  \
  "activation, batch, cell, clip, context, dropout, epochs, hidden, layers, " \
  "lower, lr, max_seconds, optimizer, patience, seed, threads, tokens, "     \
  "validation, verbose, vocab"
#define LABEL_ALLOWED_KEYS                                                 \
  "activation, batch, bidirectional, cell, clip, dropout, epochs, hidden, "  \
  "layers, lower, lr, max_seconds, optimizer, patience, seed, threads, "     \
  "tokens, validation, verbose, vocab"

static const char *const token_names[] = {"char", "word"};

void rnn_seq_options_init(rnn_seq_options *o, int kind) {
  memset(o, 0, sizeof *o);
  rnn_options_init(&o->base);
  o->kind = kind;
  /* Defaults for sequences (docs/sequence-models.md): an epoch of text
  ** holds few minibatches when the table is small, so more epochs and
  ** patience stop them; taggers read both ways by default. */
  o->base.hidden = kind == RNN_KIND_TEXT ? 128 : 64;
  o->base.epochs = kind == RNN_KIND_TEXT ? 50 : 30;
  o->base.patience = 5;
  o->base.batch = kind == RNN_KIND_TEXT ? 16 : 32;
  o->base.lr = 0.005;
  o->base.validation = 0.1;
  o->base.bidirectional = kind == RNN_KIND_TAGGER;
  o->tokens = RNN_TOK_CHAR;
}

const char *rnn_tokens_name(int v) { return NAME(token_names, v); }

static rnn_status read_seq_member(void *arg, const rnn_json *m, rnn_err *e) {
  rnn_seq_options *o = arg;
  const char *k = m->key;
  int text = o->kind == RNN_KIND_TEXT;
  const char *allowed = text ? TEXT_ALLOWED_KEYS : LABEL_ALLOWED_KEYS;
  if (!strcmp(k, "tokens"))
    return get_enum(m, k, token_names, 2, "\"char\" or \"word\"", &o->tokens,
                    e);
  if (!strcmp(k, "lower")) return get_bool(m, k, &o->lower, e);
  if (!strcmp(k, "vocab")) return option_int(m, k, 1, RNN_MAX_VOCAB - 2, &o->vocab, e);
  if (text && !strcmp(k, "context"))
    return option_int(m, k, 1, RNN_MAX_CONTEXT, &o->context, e);
  static const char *const shared[] = {
      "activation", "batch", "cell", "clip", "dropout", "epochs", "hidden",
      "layers", "lr", "max_seconds", "optimizer", "patience", "seed",
      "threads", "validation", "verbose"};
  for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
    if (!strcmp(k, shared[i])) return read_member(&o->base, m, e);
  if (!strcmp(k, "bidirectional")) {
    if (!text) return read_member(&o->base, m, e);
    return rnn_fail(e, RNN_EINVAL,
                    "option \"bidirectional\" does not apply to a language "
                    "model, which reads left to right");
  }
  return rnn_fail(e, RNN_EINVAL, "unknown option \"%s\"; allowed: %s", k,
                  allowed);
}

rnn_status rnn_seq_options_parse(rnn_seq_options *o, const char *text,
                                 size_t len, rnn_err *e) {
  return parse_object(text, len, read_seq_member, o,
                      o->kind == RNN_KIND_TEXT ? TEXT_ALLOWED_KEYS
                                               : LABEL_ALLOWED_KEYS,
                      e);
}

int rnn_seq_options_json(const rnn_seq_options *t, char *buf, size_t n) {
  const rnn_options *o = &t->base;
  char base[RNN_OPTIONS_JSON_MAX], own[64], vocab[32] = "";
  base_members(o, base, sizeof base);
  /* The keys of the kind: context for a language model, bidirectional for
  ** the others; vocab when the inputs are tokens. */
  if (t->vocab) snprintf(vocab, sizeof vocab, "\"vocab\":%d,", t->vocab);
  if (t->kind == RNN_KIND_TEXT)
    snprintf(own, sizeof own, "\"context\":%d", t->context);
  else
    snprintf(own, sizeof own, "\"bidirectional\":%s",
             o->bidirectional ? "true" : "false");
  return snprintf(buf, n, "{\"tokens\":\"%s\",\"lower\":%s,%s%s,%s}",
                  rnn_tokens_name(t->tokens), t->lower ? "true" : "false",
                  vocab, own, base);
}
