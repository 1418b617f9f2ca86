/*
** The sequence models' BLOB (format 4): a language model's writer and
** validating reader. The container is blob.c's (magic, version, length,
** chunks, CRC-32; core/blobio.h); docs/blob-format.md lists the chunks.
**
**   KIND  u32 kind (RNN_KIND_TEXT)
**   ARCH  as a forecaster's: cell, activation, input, hidden, layers, dirs,
**         window, output (u32 each), u64 parameter count
**   TOPT  the options as a JSON object (UTF-8 text), keys by name: a new
**         option is a new key, not a new layout; threads is written as 0
**   VOCB  u32 n, then n tokens: u32 length, bytes (UTF-8)
**   TRAI  u64 rows, tokens, validation rows, validation tokens; u32
**         epochs run, best epoch; f64 unigram loss; per epoch f64 training
**         and validation loss
**   PARM  the parameters (f32)
**
** Decoding rules (as blob.c's):
**   1. Every chunk is required, once; each one's payload is read exactly.
**   2. The architecture passes rnn_arch_layout, has one direction, input =
**      output = the vocabulary size, window = the context option, and
**      matches the options' cell, activation, hidden and layers; the
**      options parse as rnn_train_text's.
**   3. The vocabulary: 3 to RNN_MAX_VOCAB tokens, each 1 to 255 bytes of
**      valid UTF-8 with no NUL, none repeated, <EOS> and <UNK> first.
**   4. Parameters and losses finite (losses may be NaN where there was no
**      validation), counts within range, best epoch within the epochs run.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "blobio.h"
#include "nn.h"

/* The options as the JSON object TOPT holds (and rnn_info shows). */
int rnn_seq_options_json(const rnn_seq_options *t, char *buf, size_t n) {
  const rnn_options *o = &t->base;
  char dropout[32], lr[32], clip[32], val[32], secs[32];
  rnn_format_double(o->dropout, dropout, sizeof dropout);
  rnn_format_double(o->lr, lr, sizeof lr);
  rnn_format_double(o->clip, clip, sizeof clip);
  rnn_format_double(o->validation, val, sizeof val);
  rnn_format_double(o->max_seconds, secs, sizeof secs);
  return snprintf(
      buf, n,
      "{\"tokens\":\"%s\",\"lower\":%s,\"vocab\":%d,\"context\":%d,"
      "\"cell\":\"%s\",\"activation\":\"%s\",\"hidden\":%d,\"layers\":%d,"
      "\"dropout\":%s,\"epochs\":%d,\"batch\":%d,\"optimizer\":\"%s\","
      "\"lr\":%s,\"clip\":%s,\"validation\":%s,\"patience\":%d,"
      "\"seed\":%llu,\"threads\":%d,\"max_seconds\":%s,\"verbose\":%s}",
      rnn_tokens_name(t->tokens), t->lower ? "true" : "false", t->vocab,
      t->context, rnn_cell_name(o->cell), rnn_activation_name(o->activation),
      o->hidden, o->layers, dropout, o->epochs, o->batch,
      rnn_optimizer_name(o->optimizer), lr, clip, val, o->patience,
      (unsigned long long)o->seed, o->threads, secs,
      o->verbose ? "true" : "false");
}

static void write_text(writer *w, const rnn_seqmodel *m, const char *opts) {
  size_t at;
  put_bytes(w, RNN_MAGIC, 8);
  put_u32(w, 4);
  put_u32(w, 0); /* total length, patched by the caller */
  at = chunk_begin(w, "KIND");
  put_u32(w, RNN_KIND_TEXT);
  chunk_end(w, at);
  at = chunk_begin(w, "ARCH");
  put_arch(w, &m->arch, m->layout.n_params);
  chunk_end(w, at);
  at = chunk_begin(w, "TOPT");
  put_bytes(w, opts, strlen(opts));
  chunk_end(w, at);
  at = chunk_begin(w, "VOCB");
  put_u32(w, (uint32_t)m->vocab.n);
  for (int i = 0; i < m->vocab.n; i++) {
    uint32_t len = m->vocab.off[i + 1] - m->vocab.off[i] - 1;
    put_u32(w, len);
    put_bytes(w, m->vocab.text + m->vocab.off[i], len);
  }
  chunk_end(w, at);
  at = chunk_begin(w, "TRAI");
  put_u64(w, (uint64_t)m->rows);
  put_u64(w, (uint64_t)m->tokens);
  put_u64(w, (uint64_t)m->val_rows);
  put_u64(w, (uint64_t)m->val_tokens);
  put_u32(w, (uint32_t)m->epochs_run);
  put_u32(w, (uint32_t)m->best_epoch);
  put_f64(w, m->unigram_loss);
  for (int i = 0; i < m->epochs_run; i++) {
    put_f64(w, m->train_loss[i]);
    put_f64(w, m->val_loss[i]);
  }
  chunk_end(w, at);
  at = chunk_begin(w, "PARM");
  for (size_t i = 0; i < m->layout.n_params; i++) put_f32(w, m->params[i]);
  chunk_end(w, at);
}

rnn_status rnn_seqmodel_encode(const rnn_seqmodel *m, unsigned char **out,
                                size_t *len) {
  /* The thread count is never stored, so it cannot change the BLOB. */
  rnn_seq_options o = m->opts;
  o.base.threads = 0;
  char opts[1024];
  rnn_seq_options_json(&o, opts, sizeof opts);
  writer w = {NULL, 0};
  write_text(&w, m, opts);
  size_t total = w.n + 4;
  if (total > 0xFFFFFFFFu) return RNN_ELIMIT;
  unsigned char *buf = rnn_malloc(total);
  if (!buf) return RNN_ENOMEM;
  w = (writer){buf, 0};
  write_text(&w, m, opts);
  writer fix = {buf + 12, 0};
  put_u32(&fix, (uint32_t)total);
  put_u32(&w, rnn_crc32(buf, w.n));
  *out = buf;
  *len = total;
  return RNN_OK;
}

/* ------------------------------------------------------------ reading */

enum { T_KIND, T_ARCH, T_TOPT, T_VOCB, T_TRAI, T_PARM, T_CHUNKS };
static const char *const text_tags[T_CHUNKS] = {"KIND", "ARCH", "TOPT",
                                                "VOCB", "TRAI", "PARM"};

static rnn_status corrupt(rnn_err *e, const char *what) {
  return rnn_fail(e, RNN_ECORRUPT, "corrupt rnn model (%s)", what);
}

/* Rule 3 for one token: valid UTF-8 (shortest form, no surrogates, at most
** U+10FFFF) without NUL. */
static int valid_utf8(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2
                            : c >= 0xE0 && c <= 0xEF ? 3
                            : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (k == 0 || c == 0 || n - i < k) return 0;
    uint32_t cp = c & (0x7F >> k);
    for (size_t j = 1; j < k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (s[i + j] & 0x3F);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += k;
  }
  return 1;
}

static rnn_status read_vocab(rnn_vocab *v, reader *r, rnn_err *e) {
  uint32_t n = get_u32(r);
  if (r->bad || n < 3 || n > RNN_MAX_VOCAB || (size_t)n * 5 > r->n - r->pos)
    return corrupt(e, "vocabulary");
  /* Each token read takes 4 + len bytes of the payload and len + 1 here. */
  size_t bytes = r->n - r->pos;
  v->n = (int)n;
  v->text = rnn_malloc(bytes);
  v->off = rnn_malloc(((size_t)n + 1) * sizeof *v->off);
  if (!v->text || !v->off) return RNN_ENOMEM;
  size_t at = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = get_u32(r);
    if (r->bad || len < 1 || len > 255 || !has(r, len) ||
        !valid_utf8(r->p + r->pos, len))
      return corrupt(e, "vocabulary");
    v->off[i] = (uint32_t)at;
    memcpy(v->text + at, r->p + r->pos, len);
    v->text[at + len] = 0;
    r->pos += len;
    at += len + 1;
  }
  v->off[n] = (uint32_t)at;
  if (r->pos != r->n || strcmp(v->text, "<EOS>") != 0 ||
      strcmp(v->text + v->off[1], "<UNK>") != 0)
    return corrupt(e, "vocabulary");
  rnn_status rc = rnn_vocab_index(v);
  return rc == RNN_ECORRUPT ? corrupt(e, "vocabulary: a token is repeated") : rc;
}

#define MAX_EPOCHS 100000

static rnn_status read_trai(rnn_seqmodel *m, reader *r, rnn_err *e) {
  m->rows = (int64_t)get_u64(r);
  m->tokens = (int64_t)get_u64(r);
  m->val_rows = (int64_t)get_u64(r);
  m->val_tokens = (int64_t)get_u64(r);
  int ok = 1;
  m->epochs_run = get_int(r, 1, MAX_EPOCHS, &ok);
  m->best_epoch = get_int(r, 1, MAX_EPOCHS, &ok);
  m->unigram_loss = get_f64(r);
  if (r->bad || !ok || m->rows < 1 || m->tokens < m->rows ||
      m->val_rows < 0 || m->val_tokens < m->val_rows ||
      m->rows > (int64_t)1 << 40 || m->tokens > (int64_t)1 << 50 ||
      m->val_rows > (int64_t)1 << 40 || m->val_tokens > (int64_t)1 << 50 ||
      m->best_epoch > m->epochs_run ||
      r->n - r->pos != (size_t)m->epochs_run * 16 ||
      !(isnan(m->unigram_loss) || (m->unigram_loss >= 0 && isfinite(m->unigram_loss))))
    return corrupt(e, "training facts");
  m->train_loss = rnn_malloc((size_t)m->epochs_run * sizeof *m->train_loss);
  m->val_loss = rnn_malloc((size_t)m->epochs_run * sizeof *m->val_loss);
  if (!m->train_loss || !m->val_loss) return RNN_ENOMEM;
  for (int i = 0; i < m->epochs_run; i++) {
    m->train_loss[i] = get_f64(r);
    m->val_loss[i] = get_f64(r);
    if (isinf(m->train_loss[i]) || isinf(m->val_loss[i]))
      return corrupt(e, "training facts");
  }
  return RNN_OK;
}

rnn_status rnn_seqmodel_decode(rnn_seqmodel **out, const void *blob,
                                size_t len, rnn_err *e) {
  *out = NULL;
  size_t at[T_CHUNKS] = {0}, size[T_CHUNKS] = {0};
  int seen[T_CHUNKS] = {0};
  uint32_t version;
  rnn_status rc = rnn_blob_scan(blob, len, text_tags, T_CHUNKS, at, size, seen,
                                &version, e);
  if (rc) return rc;
  const unsigned char *b = blob;
  int kind = RNN_KIND_FORECAST;
  if (version >= 4 && seen[T_KIND]) {
    reader kr = {b + at[T_KIND], size[T_KIND], 0, 0};
    int ok = 1;
    kind = get_int(&kr, 0, RNN_KIND_COUNT - 1, &ok);
    if (!ok || kr.bad || kr.pos != kr.n) return corrupt(e, "kind");
  } else if (version >= 4) {
    return corrupt(e, "missing chunk");
  }
  if (kind != RNN_KIND_TEXT) return rnn_wrong_kind(e, kind, RNN_KIND_TEXT);
  /* Rule 1. */
  for (int i = 0; i < T_CHUNKS; i++)
    if (!seen[i]) return corrupt(e, "missing chunk");
  rnn_seqmodel *m = rnn_calloc(1, sizeof *m);
  if (!m) return RNN_ENOMEM;
  m->format_version = (int)version;
  /* Rule 2. */
  reader r = {b + at[T_ARCH], size[T_ARCH], 0, 0};
  rnn_arch *a = &m->arch;
  int ok = 1;
  a->cell = get_int(&r, 0, RNN_CELL_LSTM, &ok);
  a->activation = get_int(&r, 0, RNN_ACT_SIGMOID, &ok);
  a->input = get_int(&r, 3, RNN_MAX_VOCAB, &ok);
  a->hidden = get_int(&r, 1, RNN_MAX_HIDDEN, &ok);
  a->layers = get_int(&r, 1, RNN_MAX_LAYERS, &ok);
  a->dirs = get_int(&r, 1, 1, &ok);
  a->window = get_int(&r, 1, RNN_MAX_CONTEXT, &ok);
  a->output = get_int(&r, 3, RNN_MAX_VOCAB, &ok);
  uint64_t np = get_u64(&r);
  if (!ok || r.bad || r.pos != r.n || a->input != a->output ||
      rnn_text_layout(a, &m->layout, NULL) != RNN_OK) {
    rc = corrupt(e, "architecture");
    goto fail;
  }
  rnn_seq_options_init(&m->opts);
  if (rnn_seq_options_parse(&m->opts, (const char *)b + at[T_TOPT],
                             size[T_TOPT], NULL) != RNN_OK ||
      m->opts.base.cell != a->cell || m->opts.base.activation != a->activation ||
      m->opts.base.hidden != a->hidden || m->opts.base.layers != a->layers ||
      m->opts.context != a->window || m->opts.vocab != a->input - 2) {
    rc = corrupt(e, "options");
    goto fail;
  }
  if (np != (uint64_t)m->layout.n_params) {
    rc = corrupt(e, "parameter count");
    goto fail;
  }
  /* Rule 3. */
  r = (reader){b + at[T_VOCB], size[T_VOCB], 0, 0};
  if ((rc = read_vocab(&m->vocab, &r, e))) goto fail;
  if (m->vocab.n != a->input) {
    rc = corrupt(e, "vocabulary size");
    goto fail;
  }
  /* Rule 4. */
  r = (reader){b + at[T_TRAI], size[T_TRAI], 0, 0};
  if ((rc = read_trai(m, &r, e))) goto fail;
  if (size[T_PARM] != np * 4) {
    rc = corrupt(e, "parameters");
    goto fail;
  }
  m->params = rnn_malloc(np * sizeof *m->params);
  if (!m->params) {
    rc = RNN_ENOMEM;
    goto fail;
  }
  r = (reader){b + at[T_PARM], size[T_PARM], 0, 0};
  for (size_t i = 0; i < np; i++) {
    m->params[i] = get_f32(&r);
    if (!isfinite(m->params[i])) {
      rc = corrupt(e, "non-finite parameter");
      goto fail;
    }
  }
  *out = m;
  return RNN_OK;
fail:
  rnn_seqmodel_free(m);
  return rc;
}
