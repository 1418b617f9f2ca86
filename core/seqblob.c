/*
** The sequence models' BLOB (format 4): language models, classifiers and
** taggers, written and read with validation. The container is blob.c's
** (magic, version, length, chunks, CRC-32; core/blobio.h);
** docs/blob-format.md lists the chunks.
**
**   KIND  u32 kind (RNN_KIND_TEXT, _CLASSIFIER, _TAGGER)
**   ARCH  as a forecaster's: cell, activation, input, hidden, layers, dirs,
**         window, output (u32 each), u64 parameter count
**   TOPT  the options as a JSON object (UTF-8 text), keys by name: a new
**         option is a new key, not a new layout; threads is written as 0
**   VOCB  token inputs: u32 n, then n tokens: u32 length, bytes (UTF-8)
**   XNRM  numeric inputs (classifier, tagger): u32 k, then k pairs of f64
**         shift and scale
**   LABL  classifier, tagger: u32 n, then n labels: u32 type (1 INTEGER:
**         i64; 2 REAL: f64; 3 TEXT, 4 BLOB: u32 length, bytes)
**   ACCU  classifier, tagger: f64 validation accuracy (NaN: none)
**   TRAI  u64 rows, tokens, validation rows, validation tokens; u32
**         epochs run, best epoch; f64 baseline loss (unigram, or the class
**         priors); per epoch f64 training and validation loss
**   PARM  the parameters (f32)
**
** Decoding rules (as blob.c's):
**   1. The chunks of the kind and of its inputs (VOCB or XNRM), each once;
**      each one's payload is read exactly.
**   2. The architecture passes rnn_text_layout; a language model has one
**      direction, input = output = the vocabulary size and window = the
**      context option; a classifier's or tagger's output is its label
**      count and its directions agree with the bidirectional option; all
**      match the options' cell, activation, hidden and layers, and the
**      options parse as the kind's.
**   3. A vocabulary: 3 to RNN_MAX_VOCAB tokens, each 1 to 255 bytes of
**      valid UTF-8 with no NUL, none repeated, <EOS> and <UNK> first.
**      Feature statistics finite with positive scales. Labels known,
**      finite, strictly ascending (rnn_label_cmp).
**   4. Parameters and losses finite (losses may be NaN where there was no
**      validation), counts within range, best epoch within the epochs run,
**      an accuracy in [0, 1] or NaN.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "blobio.h"
#include "nn.h"

static void write_text(writer *w, const rnn_seqmodel *m, const char *opts) {
  size_t at;
  put_bytes(w, RNN_MAGIC, 8);
  put_u32(w, RNN_FORMAT_VERSION);
  put_u32(w, 0); /* total length, patched by the caller */
  at = chunk_begin(w, "KIND");
  put_u32(w, (uint32_t)m->kind);
  chunk_end(w, at);
  at = chunk_begin(w, "ARCH");
  put_arch(w, &m->arch, m->layout.n_params);
  chunk_end(w, at);
  at = chunk_begin(w, "TOPT");
  put_bytes(w, opts, strlen(opts));
  chunk_end(w, at);
  if (m->features == 0) {
    at = chunk_begin(w, "VOCB");
    put_u32(w, (uint32_t)m->vocab.n);
    for (int i = 0; i < m->vocab.n; i++) {
      uint32_t len = m->vocab.off[i + 1] - m->vocab.off[i] - 1;
      put_u32(w, len);
      put_bytes(w, m->vocab.text + m->vocab.off[i], len);
    }
    chunk_end(w, at);
  } else {
    at = chunk_begin(w, "XNRM");
    put_u32(w, (uint32_t)m->features);
    for (int i = 0; i < m->features; i++) {
      put_f64(w, m->shift[i]);
      put_f64(w, m->scale[i]);
    }
    chunk_end(w, at);
  }
  if (m->kind != RNN_KIND_TEXT) {
    at = chunk_begin(w, "LABL");
    put_u32(w, (uint32_t)m->n_labels);
    for (int i = 0; i < m->n_labels; i++) {
      const rnn_label *l = &m->labels[i];
      put_u32(w, (uint32_t)l->type);
      if (l->type == RNN_LABEL_INT) {
        put_u64(w, (uint64_t)l->i);
      } else if (l->type == RNN_LABEL_REAL) {
        put_f64(w, l->r);
      } else {
        put_u32(w, (uint32_t)l->len);
        put_bytes(w, l->s, l->len);
      }
    }
    chunk_end(w, at);
    at = chunk_begin(w, "ACCU");
    put_f64(w, m->val_accuracy);
    chunk_end(w, at);
  }
  at = chunk_begin(w, "TRAI");
  put_u64(w, (uint64_t)m->rows);
  put_u64(w, (uint64_t)m->tokens);
  put_u64(w, (uint64_t)m->val_rows);
  put_u64(w, (uint64_t)m->val_tokens);
  put_u32(w, (uint32_t)m->epochs_run);
  put_u32(w, (uint32_t)m->best_epoch);
  put_f64(w, m->unigram_loss);
  /* Format 5: the best epoch's validation loss, which the losses kept may
  ** not hold, then at most RNN_MAX_HISTORY of them (blob.c rule 10). */
  put_f64(w, rnn_seq_best_val(m));
  put_losses(w, m->train_loss, m->val_loss, m->history ? m->history : m->epochs_run);
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
  char opts[RNN_OPTIONS_JSON_MAX];
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

enum { T_KIND, T_ARCH, T_TOPT, T_VOCB, T_TRAI, T_PARM, T_XNRM, T_LABL, T_ACCU,
       T_CHUNKS };
static const char *const text_tags[T_CHUNKS] = {
    "KIND", "ARCH", "TOPT", "VOCB", "TRAI", "PARM", "XNRM", "LABL", "ACCU"};

static rnn_status seq_corrupt(rnn_err *e, const char *what) {
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
    return seq_corrupt(e, "vocabulary");
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
      return seq_corrupt(e, "vocabulary");
    v->off[i] = (uint32_t)at;
    memcpy(v->text + at, r->p + r->pos, len);
    v->text[at + len] = 0;
    r->pos += len;
    at += len + 1;
  }
  v->off[n] = (uint32_t)at;
  if (r->pos != r->n || strcmp(v->text, "<EOS>") != 0 ||
      strcmp(v->text + v->off[1], "<UNK>") != 0)
    return seq_corrupt(e, "vocabulary");
  rnn_status rc = rnn_vocab_index(v);
  return rc == RNN_ECORRUPT ? seq_corrupt(e, "vocabulary: a token is repeated") : rc;
}

#define MAX_EPOCHS 100000
#define MAX_LABEL_BYTES (1 << 20)

static rnn_status read_labels(rnn_seqmodel *m, reader *r, rnn_err *e) {
  uint32_t n = get_u32(r);
  if (r->bad || n < 1 || n > RNN_MAX_LABELS || (size_t)n * 8 > r->n - r->pos)
    return seq_corrupt(e, "labels");
  m->n_labels = (int)n;
  m->labels = rnn_calloc(n, sizeof *m->labels);
  m->label_bytes = rnn_malloc(r->n - r->pos + 1);
  if (!m->labels || !m->label_bytes) return RNN_ENOMEM;
  size_t at = 0;
  for (uint32_t i = 0; i < n; i++) {
    rnn_label *l = &m->labels[i];
    int ok = 1;
    l->type = get_int(r, RNN_LABEL_INT, RNN_LABEL_BLOB, &ok);
    if (l->type == RNN_LABEL_INT) {
      l->i = (int64_t)get_u64(r);
      l->r = (double)l->i;
    } else if (l->type == RNN_LABEL_REAL) {
      l->r = get_f64(r);
      if (!isfinite(l->r)) ok = 0;
    } else {
      uint32_t len = get_u32(r);
      if (r->bad || len > MAX_LABEL_BYTES || !has(r, len)) ok = 0;
      if (ok) {
        memcpy(m->label_bytes + at, r->p + r->pos, len);
        l->s = m->label_bytes + at;
        l->len = len;
        r->pos += len;
        at += len;
      }
    }
    /* Strictly ascending: known, sorted, none repeated. */
    if (!ok || r->bad || (i > 0 && rnn_label_cmp(&m->labels[i - 1], l) >= 0))
      return seq_corrupt(e, "labels");
  }
  return r->pos == r->n ? RNN_OK : seq_corrupt(e, "labels");
}

static rnn_status read_xnrm(rnn_seqmodel *m, reader *r, rnn_err *e) {
  int ok = 1;
  m->features = get_int(r, 1, 1024, &ok);
  if (!ok || r->bad || r->n - r->pos != (size_t)m->features * 16)
    return seq_corrupt(e, "feature statistics");
  m->shift = rnn_malloc((size_t)m->features * sizeof *m->shift);
  m->scale = rnn_malloc((size_t)m->features * sizeof *m->scale);
  if (!m->shift || !m->scale) return RNN_ENOMEM;
  for (int i = 0; i < m->features; i++) {
    m->shift[i] = get_f64(r);
    m->scale[i] = get_f64(r);
    if (!isfinite(m->shift[i]) || !isfinite(m->scale[i]) || !(m->scale[i] > 0))
      return seq_corrupt(e, "feature statistics");
  }
  return RNN_OK;
}

double rnn_seq_best_val(const rnn_seqmodel *m) {
  return m->history ? m->best_val : m->val_loss[m->best_epoch - 1];
}

static rnn_status read_trai(rnn_seqmodel *m, reader *r, rnn_err *e, int version) {
  m->rows = (int64_t)get_u64(r);
  m->tokens = (int64_t)get_u64(r);
  m->val_rows = (int64_t)get_u64(r);
  m->val_tokens = (int64_t)get_u64(r);
  int ok = 1;
  m->epochs_run = get_int(r, 1, MAX_EPOCHS, &ok);
  m->best_epoch = get_int(r, 1, MAX_EPOCHS, &ok);
  m->unigram_loss = get_f64(r);
  /* Format 5: the best epoch's loss and the count kept (blob.c rule 10). */
  double best = version >= 5 ? get_f64(r) : 0;
  int kept = version >= 5 ? (int)get_u32(r) : m->epochs_run;
  if (kept != history_kept(m->epochs_run) || isinf(best)) ok = 0;
  if (r->bad || !ok || m->rows < 1 || m->tokens < m->rows ||
      m->val_rows < 0 || m->val_tokens < m->val_rows ||
      m->rows > (int64_t)1 << 40 || m->tokens > (int64_t)1 << 50 ||
      m->val_rows > (int64_t)1 << 40 || m->val_tokens > (int64_t)1 << 50 ||
      m->best_epoch > m->epochs_run ||
      r->n - r->pos != (size_t)kept * 16 ||
      !(isnan(m->unigram_loss) || (m->unigram_loss >= 0 && isfinite(m->unigram_loss))))
    return seq_corrupt(e, "training facts");
  m->history = kept < m->epochs_run ? kept : 0;
  m->best_val = best;
  m->train_loss = rnn_malloc((size_t)kept * sizeof *m->train_loss);
  m->val_loss = rnn_malloc((size_t)kept * sizeof *m->val_loss);
  if (!m->train_loss || !m->val_loss) return RNN_ENOMEM;
  for (int i = 0; i < kept; i++) {
    m->train_loss[i] = get_f64(r);
    m->val_loss[i] = get_f64(r);
    if (isinf(m->train_loss[i]) || isinf(m->val_loss[i]))
      return seq_corrupt(e, "training facts");
  }
  return RNN_OK;
}

rnn_status rnn_seqmodel_decode_as(rnn_seqmodel **out, const void *blob,
                                  size_t len, int kind, rnn_err *e) {
  rnn_status rc = rnn_seqmodel_decode(out, blob, len, e);
  if (rc == RNN_OK && (*out)->kind != kind) {
    rc = rnn_wrong_kind(e, (*out)->kind, kind);
    rnn_seqmodel_free(*out);
    *out = NULL;
  }
  return rc;
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
  int kind;
  if ((rc = rnn_blob_read_kind(b, version, seen[T_KIND], at[T_KIND],
                               size[T_KIND], &kind, e)))
    return rc;
  if (kind == RNN_KIND_FORECAST || kind == RNN_KIND_GLOBAL) /* blob.c, global.c */
    return rnn_wrong_kind(e, kind, RNN_KIND_TEXT);
  /* Rule 1: the chunks of the kind, and of its inputs. */
  int text = kind == RNN_KIND_TEXT, numbers = seen[T_XNRM] > 0;
  for (int i = 0; i < T_CHUNKS; i++) {
    int needed = i == T_VOCB   ? !numbers
                 : i == T_XNRM ? (text ? 0 : numbers)
                 : i == T_LABL || i == T_ACCU ? !text
                                              : 1;
    if (seen[i] != needed) return seq_corrupt(e, "chunks of the kind");
  }
  rnn_seqmodel *m = rnn_calloc(1, sizeof *m);
  if (!m) return RNN_ENOMEM;
  m->format_version = (int)version;
  m->kind = kind;
  /* Rule 2. */
  reader r = {b + at[T_ARCH], size[T_ARCH], 0, 0};
  rnn_arch *a = &m->arch;
  int ok = 1;
  a->cell = get_int(&r, 0, RNN_CELL_COUNT - 1, &ok);
  a->activation = get_int(&r, 0, RNN_ACT_SIGMOID, &ok);
  a->input = get_int(&r, 1, RNN_MAX_VOCAB, &ok);
  a->hidden = get_int(&r, 1, RNN_MAX_HIDDEN, &ok);
  a->layers = get_int(&r, 1, RNN_MAX_LAYERS, &ok);
  a->dirs = get_int(&r, 1, text ? 1 : 2, &ok);
  a->window = get_int(&r, 1, RNN_MAX_CONTEXT, &ok);
  a->output = get_int(&r, 1, RNN_MAX_VOCAB, &ok);
  uint64_t np = get_u64(&r);
  if (!ok || r.bad || r.pos != r.n || (text && a->input != a->output) ||
      rnn_text_layout(a, &m->layout, NULL) != RNN_OK) {
    rc = seq_corrupt(e, "architecture");
    goto fail;
  }
  rnn_seq_options_init(&m->opts, kind);
  rnn_status prc = rnn_seq_options_parse(&m->opts, (const char *)b + at[T_TOPT],
                                         size[T_TOPT], NULL);
  if (prc == RNN_ENOMEM) {
    rc = prc;
    goto fail;
  }
  if (prc != RNN_OK ||
      m->opts.base.cell != a->cell || m->opts.base.activation != a->activation ||
      m->opts.base.hidden != a->hidden || m->opts.base.layers != a->layers ||
      (text && m->opts.context != a->window) ||
      (!text && m->opts.base.bidirectional + 1 != a->dirs) ||
      (!numbers && m->opts.vocab != a->input - 2)) {
    rc = seq_corrupt(e, "options");
    goto fail;
  }
  if (np != (uint64_t)m->layout.n_params) {
    rc = seq_corrupt(e, "parameter count");
    goto fail;
  }
  /* Rule 3. */
  if (numbers) {
    r = (reader){b + at[T_XNRM], size[T_XNRM], 0, 0};
    if ((rc = read_xnrm(m, &r, e))) goto fail;
    if (m->features != a->input) {
      rc = seq_corrupt(e, "feature count");
      goto fail;
    }
  } else {
    r = (reader){b + at[T_VOCB], size[T_VOCB], 0, 0};
    if ((rc = read_vocab(&m->vocab, &r, e))) goto fail;
    if (m->vocab.n != a->input) {
      rc = seq_corrupt(e, "vocabulary size");
      goto fail;
    }
  }
  m->val_accuracy = NAN;
  if (!text) {
    r = (reader){b + at[T_LABL], size[T_LABL], 0, 0};
    if ((rc = read_labels(m, &r, e))) goto fail;
    r = (reader){b + at[T_ACCU], size[T_ACCU], 0, 0};
    m->val_accuracy = get_f64(&r);
    if (m->n_labels != a->output || r.bad || r.pos != r.n ||
        !(isnan(m->val_accuracy) ||
          (m->val_accuracy >= 0 && m->val_accuracy <= 1))) {
      rc = seq_corrupt(e, "labels");
      goto fail;
    }
  }
  /* Rule 4. */
  r = (reader){b + at[T_TRAI], size[T_TRAI], 0, 0};
  if ((rc = read_trai(m, &r, e, (int)version))) goto fail;
  if (size[T_PARM] != np * 4) {
    rc = seq_corrupt(e, "parameters");
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
      rc = seq_corrupt(e, "non-finite parameter");
      goto fail;
    }
  }
  *out = m;
  return RNN_OK;
fail:
  rnn_seqmodel_free(m);
  return rc;
}
