/* libFuzzer target: language models (core/text.c, core/seqblob.c).
** Byte 0 chooses:
**   0, 1  the rest is a BLOB (1: resealed first, so the fuzzer explores the
**         chunks behind the checksum): a language model that decodes must
**         generate, give next tokens and a perplexity for a prefix, and
**         encode back to the same model; a classifier or tagger must
**         answer with probabilities or its own labels;
**   2     the rest is text: every token of both modes is 1 to 255 bytes of
**         valid UTF-8, and words never hold white space;
**   3     the rest is rows of text (split at '\n') to train a tiny model
**         on, which must read back and generate. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/rnn.h"

/* A classifier's or tagger's answers must be labels of the model. */
static void labels(rnn_seqmodel *m) {
  rnn_err e;
  double x[6] = {1, -2, 3.5, 0, 1e6, -1e-6};
  int steps = m->features ? 6 / m->features : 0;
  if (m->features && steps == 0) return;
  if (m->kind == RNN_KIND_CLASSIFIER) {
    double *p = malloc((size_t)m->n_labels * sizeof *p);
    rnn_status rc = rnn_seq_classify(m, "the cat", 7, x, steps, p, &e);
    if (rc != RNN_OK && rc != RNN_ERANGE) abort();
    for (int i = 0; rc == RNN_OK && i < m->n_labels; i++)
      if (!(p[i] >= 0 && p[i] <= 1)) abort();
    free(p);
  } else {
    int *ids = NULL, n = 0;
    rnn_status rc = rnn_seq_tag(m, "the cat", 7, x, steps, &ids, &n, &e);
    if (rc != RNN_OK && rc != RNN_ERANGE) abort();
    for (int i = 0; i < n; i++)
      if (ids[i] < 0 || ids[i] >= m->n_labels) abort();
    rnn_free(ids);
  }
}

static void blob(const uint8_t *data, size_t size) {
  rnn_seqmodel *m = NULL;
  rnn_err e;
  if (rnn_seqmodel_decode(&m, data, size, &e) != RNN_OK) return;
  if (m->kind != RNN_KIND_TEXT) {
    labels(m);
    rnn_seqmodel_free(m);
    return;
  }
  const char *prefix = "the ";
  char *out = NULL;
  size_t n = 0;
  if (rnn_text_generate(m, prefix, 4, 20, 1.0, 1, &out, &n, &e) != RNN_OK)
    abort();
  rnn_free(out);
  int ids[8], got;
  double p[8], ppl;
  if (rnn_text_next(m, prefix, 4, 8, ids, p, &got, &e) != RNN_OK) abort();
  for (int i = 0; i < got; i++)
    if (!(p[i] >= 0 && p[i] <= 1) || ids[i] == RNN_TOKEN_UNK) abort();
  rnn_status rc = rnn_text_perplexity(m, "ab c", 4, &ppl, &e);
  if (rc != RNN_OK && rc != RNN_ERANGE) abort();
  unsigned char *b = NULL;
  size_t len = 0;
  if (rnn_seqmodel_encode(m, &b, &len) != RNN_OK) abort();
  /* The same bytes, unless the input's TOPT spelled its JSON differently
  ** (keys in another order, other number forms): then the same model. */
  rnn_seqmodel *m2 = NULL;
  if (rnn_seqmodel_decode(&m2, b, len, &e) != RNN_OK) abort();
  if (m2->layout.n_params != m->layout.n_params || m2->vocab.n != m->vocab.n ||
      memcmp(m2->params, m->params, m->layout.n_params * sizeof(float)) != 0)
    abort();
  rnn_seqmodel_free(m2);
  rnn_free(b);
  rnn_seqmodel_free(m);
}

static int check_token(void *arg, const char *t, size_t n) {
  int word = *(int *)arg;
  if (n < 1 || n > 255) abort();
  for (size_t i = 0; i < n; i++)
    if (word && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t')) abort();
  return 0;
}

static void tokens(const uint8_t *data, size_t size) {
  for (int word = 0; word < 2; word++)
    for (int lower = 0; lower < 2; lower++)
      rnn_text_tokens((const char *)data, size, word, lower, check_token, &word);
}

static void train(const uint8_t *data, size_t size) {
  if (size > 2048) return;
  const char *rows[64];
  size_t lens[64], n = 0, from = 0;
  for (size_t i = 0; i <= size && n < 64; i++)
    if (i == size || data[i] == '\n') {
      rows[n] = (const char *)data + from;
      lens[n++] = i - from;
      from = i + 1;
    }
  rnn_seq_options o;
  rnn_seq_options_init(&o, RNN_KIND_TEXT);
  o.base.hidden = 2;
  o.base.epochs = 1;
  o.base.threads = 1;
  o.tokens = size & 1 ? RNN_TOK_WORD : RNN_TOK_CHAR;
  o.context = 4;
  rnn_seqmodel *m = NULL;
  rnn_err e;
  if (rnn_text_train(&m, rows, lens, n, &o, NULL, &e) != RNN_OK) return;
  unsigned char *b = NULL;
  size_t len = 0;
  if (rnn_seqmodel_encode(m, &b, &len) != RNN_OK) abort();
  blob(b, len);
  rnn_free(b);
  rnn_seqmodel_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  switch (data[0] & 3) {
    case 0:
      blob(data + 1, size - 1);
      break;
    case 1: {
      uint8_t *copy = malloc(size);
      memcpy(copy, data + 1, size - 1);
      rnn_blob_reseal(copy, size - 1);
      blob(copy, size - 1);
      free(copy);
      break;
    }
    case 2:
      tokens(data + 1, size - 1);
      break;
    default:
      train(data + 1, size - 1);
  }
  return 0;
}
