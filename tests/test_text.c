/*
** Language models in the core (core/text.c, core/seqblob.c): tokens, the
** vocabulary, training that learns and is deterministic whatever the
** thread count, perplexity consistent with the next-token probabilities
** across passes of `context` steps, generation, the BLOB round trip, and
** hostile BLOBs and wrong kinds.
*/
#include <stdlib.h>

#include "../core/alloc.h"
#include "../core/nn.h"
#include "../core/rng.h"
#include "check.h"

typedef struct toks {
  char t[32][16];
  int n;
} toks;

static int collect(void *arg, const char *t, size_t n) {
  toks *k = arg;
  if (k->n < 32 && n < 16) {
    memcpy(k->t[k->n], t, n);
    k->t[k->n][n] = 0;
  }
  k->n++;
  return 0;
}

static void test_tokens(void) {
  toks k = {0};
  const char *s = "h\xC3\xA9l\xFF" "\xE2\x82";
  rnn_text_tokens(s, strlen(s), RNN_TOK_CHAR, 0, collect, &k);
  EXPECT(k.n == 6, "%d char tokens", k.n);
  EXPECT_STR(k.t[1], "\xC3\xA9");
  EXPECT_STR(k.t[3], "\xEF\xBF\xBD"); /* an invalid byte: U+FFFD */
  EXPECT_STR(k.t[4], "\xEF\xBF\xBD"); /* a truncated sequence: each byte */
  EXPECT_STR(k.t[5], "\xEF\xBF\xBD");
  memset(&k, 0, sizeof k);
  s = "Don't STOP, \xC3\x89t\xC3\xA9 (now)!";
  rnn_text_tokens(s, strlen(s), RNN_TOK_WORD, 1, collect, &k);
  const char *want[] = {"don't", "stop", ",", "\xC3\xA9t\xC3\xA9", "(", "now",
                        ")", "!"};
  EXPECT(k.n == 8, "%d word tokens", k.n);
  for (int i = 0; i < 8 && i < k.n; i++) EXPECT_STR(k.t[i], want[i]);
  memset(&k, 0, sizeof k);
  /* An overlong encoding and a surrogate are invalid too. */
  s = "\xC0\xAF\xED\xA0\x80";
  rnn_text_tokens(s, strlen(s), RNN_TOK_CHAR, 0, collect, &k);
  EXPECT(k.n == 5, "%d tokens of invalid bytes (one each)", k.n);
}

/* Rows of a small language with structure: "the cat sat on the mat" and
** friends, so a model can beat the unigram baseline clearly. */
static const char *corpus[] = {
    "the cat sat on the mat", "the dog sat on the log", "a cat ate the rat",
    "the rat sat on a hat",   "a dog ate the cat",      "the cat saw a dog",
    "the hat sat on the cat", "a rat saw the mat",      "the dog saw a log",
    "a cat sat on a log",     "the mat saw the hat",    "a dog sat on the rat",
};
enum { ROWS = 12 * 8 };

static rnn_seqmodel *train(const char *json, rnn_err *e) {
  const char *rows[ROWS];
  size_t lens[ROWS];
  for (int i = 0; i < ROWS; i++) {
    rows[i] = corpus[i % 12];
    lens[i] = strlen(rows[i]);
  }
  rnn_seq_options o;
  rnn_seq_options_init(&o, RNN_KIND_TEXT);
  if (rnn_seq_options_parse(&o, json, strlen(json), e) != RNN_OK) return NULL;
  rnn_seqmodel *m = NULL;
  if (rnn_text_train(&m, rows, lens, ROWS, &o, NULL, e) != RNN_OK) return NULL;
  return m;
}

static unsigned char *encode(const rnn_seqmodel *m, size_t *n) {
  unsigned char *b = NULL;
  if (rnn_seqmodel_encode(m, &b, n) != RNN_OK) return NULL;
  return b;
}

/* A long run keeps 1000 evenly spaced losses and the best epoch's
** validation loss apart (core/blob.c rule 10); a decoded model re-encodes
** to the same bytes. */
static void test_history_bounded(void) {
  rnn_err e;
  rnn_seqmodel *m = train("{\"hidden\":2,\"epochs\":1100,\"patience\":100000,"
                           "\"context\":4,\"batch\":96,\"validation\":0.25}", &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  size_t n = 0, n2 = 0;
  unsigned char *b = encode(m, &n), *b2 = NULL;
  rnn_seqmodel *d = NULL;
  EXPECT(b && rnn_seqmodel_decode(&d, b, n, &e) == RNN_OK && d, "decode: %s", e.msg);
  if (d) {
    EXPECT(d->epochs_run == 1100 && d->history == RNN_MAX_HISTORY, "%d epochs, %d kept",
           d->epochs_run, d->history);
    EXPECT(rnn_seq_best_val(d) == m->val_loss[m->best_epoch - 1] &&
               !isnan(rnn_seq_best_val(d)),
           "best validation loss %g, trained %g", rnn_seq_best_val(d),
           m->val_loss[m->best_epoch - 1]);
    int same = 1;
    for (int i = 0; i < RNN_MAX_HISTORY; i++) {
      int j = rnn_history_pick(1100, RNN_MAX_HISTORY, i);
      same &= d->train_loss[i] == m->train_loss[j] && d->val_loss[i] == m->val_loss[j];
    }
    EXPECT(same && rnn_history_pick(1100, RNN_MAX_HISTORY, RNN_MAX_HISTORY - 1) == 1099,
           "the kept values are those of their epochs, the last last");
    b2 = encode(d, &n2);
    EXPECT(b2 && n2 == n && memcmp(b2, b, n) == 0, "re-encoded differently");
  }
  rnn_free(b);
  rnn_free(b2);
  rnn_seqmodel_free(m);
  rnn_seqmodel_free(d);
}

static void test_learns_and_generates(void) {
  rnn_err e;
  rnn_seqmodel *m = train("{\"hidden\":32,\"epochs\":40,\"patience\":40,"
                           "\"context\":8,\"batch\":8,\"lr\":0.01,"
                           "\"validation\":0.25}", &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  double val = exp(m->val_loss[m->best_epoch - 1]), uni = exp(m->unigram_loss);
  printf("  validation perplexity %.3f, unigram %.3f, vocabulary %d\n", val,
         uni, m->vocab.n);
  EXPECT(val < 0.5 * uni, "perplexity %g is not below half the unigram's %g",
         val, uni);
  /* Greedy continuations of the corpus's patterns. */
  char *out;
  size_t n;
  EXPECT(rnn_text_generate(m, "the cat sat on the m", 20, 20, 0.0, 1, &out,
                           &n, &e) == RNN_OK, "%s", e.msg);
  EXPECT(out && strncmp(out, "at", 2) == 0, "greedy continuation \"%s\"",
         out ? out : "");
  rnn_free(out);
  /* Sampling: the same seed gives the same text, another seed may not. */
  char *a, *b;
  size_t na, nb;
  rnn_text_generate(m, NULL, 0, 60, 1.0, 7, &a, &na, &e);
  rnn_text_generate(m, NULL, 0, 60, 1.0, 7, &b, &nb, &e);
  EXPECT(na == nb && (na == 0 || memcmp(a, b, na) == 0), "same seed differs");
  rnn_free(a);
  rnn_free(b);
  /* Next tokens: sorted, <EOS> possible, probabilities in (0, 1]. */
  int ids[5];
  double p[5];
  int got;
  EXPECT(rnn_text_next(m, "the cat sat on the mat", 22, 5, ids, p, &got, &e) ==
             RNN_OK, "%s", e.msg);
  EXPECT(got == 5 && ids[0] == RNN_TOKEN_EOS, "after a whole row, <EOS> "
         "should lead (got id %d, p %g)", got ? ids[0] : -1, got ? p[0] : 0);
  for (int i = 1; i < got; i++) EXPECT(p[i] <= p[i - 1], "not sorted");
  rnn_seqmodel_free(m);
}

/* Perplexity read in passes of `context` steps (state carried) equals the
** product of the next-token probabilities of every prefix. */
static void test_perplexity_consistent(void) {
  rnn_err e;
  rnn_seqmodel *m = train("{\"hidden\":16,\"epochs\":3,\"context\":4,"
                           "\"cell\":\"gru\",\"layers\":2}", &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  const char *s = "a cat sat on the hat";
  double ppl;
  EXPECT(rnn_text_perplexity(m, s, strlen(s), &ppl, &e) == RNN_OK, "%s", e.msg);
  double sum = 0.0;
  size_t n = strlen(s);
  for (size_t i = 0; i <= n; i++) {
    int ids[100], got;
    double p[100];
    rnn_text_next(m, s, i, m->vocab.n - 1, ids, p, &got, &e);
    int want = i < n ? rnn_vocab_find(&m->vocab, s + i, 1) : RNN_TOKEN_EOS;
    double pw = 0.0;
    for (int j = 0; j < got; j++)
      if (ids[j] == want) pw = p[j];
    sum -= log(pw);
  }
  double direct = exp(sum / (double)(n + 1));
  printf("  perplexity %.6f, from next-token probabilities %.6f\n", ppl, direct);
  EXPECT(fabs(ppl - direct) < 1e-4 * direct, "%g against %g", ppl, direct);
  rnn_seqmodel_free(m);
}

static void test_deterministic(void) {
  rnn_err e;
  const char *cfg[2] = {"{\"hidden\":16,\"epochs\":3,\"batch\":40,\"threads\":1,"
                        "\"dropout\":0.2,\"layers\":2,\"seed\":5}",
                        "{\"hidden\":16,\"epochs\":3,\"batch\":40,\"threads\":2,"
                        "\"dropout\":0.2,\"layers\":2,\"seed\":5}"};
  unsigned char *b[2];
  size_t n[2];
  for (int i = 0; i < 2; i++) {
    rnn_seqmodel *m = train(cfg[i], &e);
    EXPECT(m != NULL, "training failed: %s", e.msg);
    if (!m) return;
    b[i] = encode(m, &n[i]);
    rnn_seqmodel_free(m);
  }
  EXPECT(n[0] == n[1] && memcmp(b[0], b[1], n[0]) == 0,
         "1 and 2 threads give different models");
  printf("  text model %zu bytes, checksum %08x\n", n[0],
         rnn_crc32(b[0], n[0] - 4));
  /* Round trip: the decoded model encodes to the same bytes. */
  rnn_seqmodel *d = NULL;
  EXPECT(rnn_seqmodel_decode(&d, b[0], n[0], &e) == RNN_OK, "%s", e.msg);
  size_t n2 = 0;
  unsigned char *b2 = d ? encode(d, &n2) : NULL;
  EXPECT(b2 && n2 == n[0] && memcmp(b2, b[0], n2) == 0, "round trip differs");
  /* A text model is not a forecaster, and the other way round. */
  rnn_model *f = NULL;
  EXPECT(rnn_model_decode(&f, b[0], n[0], &e) == RNN_EKIND &&
             strstr(e.msg, "text model; rnn_generate"), "%s", e.msg);
  int kind = -1;
  EXPECT(rnn_blob_kind(b[0], n[0], &kind, &e) == RNN_OK && kind == RNN_KIND_TEXT,
         "kind %d", kind);
  rnn_free(b2);
  rnn_seqmodel_free(d);
  for (int i = 0; i < 2; i++) rnn_free(b[i]);
}

/* Every byte of a small model changed (checksum resealed) and every
** truncation: an error or a model that generates, never a crash (the ASan
** build checks memory). */
static void test_hostile_blobs(void) {
  rnn_err e;
  rnn_seqmodel *m = train("{\"hidden\":4,\"epochs\":1,\"vocab\":6}", &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  size_t n;
  unsigned char *b = encode(m, &n);
  rnn_seqmodel_free(m);
  unsigned char *c = malloc(n);
  int accepted = 0, rejected = 0;
  for (size_t i = 0; i < n; i++)
    for (int v = 0; v < 3; v++) {
      memcpy(c, b, n);
      c[i] = v == 0 ? (unsigned char)(c[i] ^ 0xFF) : v == 1 ? 0 : (unsigned char)(c[i] + 1);
      rnn_blob_reseal(c, n);
      rnn_seqmodel *d = NULL;
      if (rnn_seqmodel_decode(&d, c, n, &e) == RNN_OK) {
        char *out;
        size_t k;
        if (rnn_text_generate(d, "ab", 2, 5, 1.0, 1, &out, &k, &e) == RNN_OK)
          rnn_free(out);
        accepted++;
      } else {
        rejected++;
      }
      rnn_seqmodel_free(d);
    }
  for (size_t len = 0; len < n; len++) {
    rnn_seqmodel *d = NULL;
    EXPECT(rnn_seqmodel_decode(&d, b, len, &e) != RNN_OK, "truncated to %zu read",
           len);
    rnn_seqmodel_free(d);
  }
  printf("  %d changed BLOBs rejected, %d read (parameters, losses)\n", rejected,
         accepted);
  EXPECT(rejected > 0, "nothing rejected");
  free(c);
  rnn_free(b);
}

static void test_options(void) {
  rnn_seq_options o;
  rnn_err e;
  rnn_seq_options_init(&o, RNN_KIND_TEXT);
  const char *bad[] = {"{\"window\":3}", "{\"bidirectional\":true}",
                       "{\"tokens\":\"byte\"}", "{\"context\":0}",
                       "{\"vocab\":100000}", "[]"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    EXPECT(rnn_seq_options_parse(&o, bad[i], strlen(bad[i]), &e) == RNN_EINVAL,
           "%s accepted", bad[i]);
  const char *ok = "{\"tokens\":\"word\",\"lower\":true,\"vocab\":50,"
                   "\"context\":16,\"cell\":\"gru\",\"lr\":0.001}";
  EXPECT(rnn_seq_options_parse(&o, ok, strlen(ok), &e) == RNN_OK, "%s", e.msg);
  EXPECT(o.tokens == RNN_TOK_WORD && o.lower && o.vocab == 50 &&
             o.context == 16 && o.base.cell == RNN_CELL_GRU,
         "options not read");
  char json[1024], num[32];
  rnn_seq_options_json(&o, json, sizeof json);
  rnn_seq_options back;
  rnn_seq_options_init(&back, RNN_KIND_TEXT);
  EXPECT(rnn_seq_options_parse(&back, json, strlen(json), &e) == RNN_OK &&
             memcmp(&back, &o, sizeof o) == 0,
         "options do not read back: %s", json);
  rnn_format_double(0.003, num, sizeof num);
  EXPECT_STR(num, "0.003");
}

/* A classifier of numeric sequences: rising against falling walks of 3 to
** 12 steps, TEXT labels; and one of words from two made-up languages. */
static void test_classifier(void) {
  enum { N = 300 };
  static double x[N][12];
  static rnn_example ex[N];
  rnn_rng r;
  rnn_rng_seed(&r, 3);
  for (int i = 0; i < N; i++) {
    int up = i % 2, steps = 3 + (int)rnn_rng_below(&r, 10);
    double v = 10 * rnn_rng_float(&r);
    for (int t = 0; t < steps; t++) {
      v += (up ? 1 : -1) * (0.5 + rnn_rng_float(&r)) + (rnn_rng_float(&r) - 0.5);
      x[i][t] = v;
    }
    ex[i] = (rnn_example){.x = x[i], .steps = steps,
                          .label = {.type = RNN_LABEL_TEXT,
                                    .s = up ? "up" : "down", .len = up ? 2 : 4}};
  }
  rnn_seq_options o;
  rnn_seq_options_init(&o, RNN_KIND_CLASSIFIER);
  o.base.hidden = 16;
  o.base.epochs = 30;
  o.base.seed = 1;
  rnn_seqmodel *m = NULL;
  rnn_err e;
  EXPECT(rnn_seq_train(&m, ex, N, 1, &o, NULL, &e) == RNN_OK, "%s", e.msg);
  if (!m) return;
  printf("  walks: validation accuracy %.3f over %lld examples\n",
         m->val_accuracy, (long long)m->val_rows);
  EXPECT(m->n_labels == 2 && m->labels[0].len == 4 && m->labels[1].len == 2,
         "labels not in order (down, up)");
  EXPECT(m->val_accuracy >= 0.9, "accuracy %g", m->val_accuracy);
  double up[5] = {1, 2, 3, 4, 5}, p[2];
  EXPECT(rnn_seq_classify(m, NULL, 0, up, 5, p, &e) == RNN_OK && p[1] > 0.5,
         "a rising walk: p(up) %g", p[1]);
  /* The BLOB round trip keeps the labels and the answers. */
  size_t n;
  unsigned char *b = encode(m, &n);
  rnn_seqmodel *d = NULL;
  EXPECT(b && rnn_seqmodel_decode(&d, b, n, &e) == RNN_OK, "%s", e.msg);
  double q[2];
  EXPECT(d && rnn_seq_classify(d, NULL, 0, up, 5, q, &e) == RNN_OK &&
             q[0] == p[0] && q[1] == p[1], "decoded model differs");
  rnn_model *f = NULL;
  EXPECT(rnn_model_decode(&f, b, n, &e) == RNN_EKIND &&
             strstr(e.msg, "classifier model; rnn_classify"), "%s", e.msg);
  rnn_free(b);
  rnn_seqmodel_free(d);
  rnn_seqmodel_free(m);

  /* Words: vowels and l, m, n against x, y, z, k, q; INTEGER labels. */
  static char words[N][12];
  for (int i = 0; i < N; i++) {
    const char *letters = i % 2 ? "aeiolmn" : "xyzkqw";
    int len = 3 + (int)rnn_rng_below(&r, 6), nl = (int)strlen(letters);
    for (int j = 0; j < len; j++) words[i][j] = letters[rnn_rng_below(&r, (uint64_t)nl)];
    words[i][len] = 0;
    ex[i] = (rnn_example){.text = words[i], .len = (size_t)len,
                          .label = {.type = RNN_LABEL_INT, .i = 7 + i % 2}};
  }
  rnn_seq_options_init(&o, RNN_KIND_CLASSIFIER);
  o.base.hidden = 16;
  o.base.epochs = 10;
  EXPECT(rnn_seq_train(&m, ex, N, 0, &o, NULL, &e) == RNN_OK, "%s", e.msg);
  if (!m) return;
  printf("  words: validation accuracy %.3f\n", m->val_accuracy);
  EXPECT(m->val_accuracy >= 0.9, "accuracy %g", m->val_accuracy);
  EXPECT(rnn_seq_classify(m, "lemon", 5, NULL, 0, p, &e) == RNN_OK && p[1] > 0.5,
         "lemon: p(8) %g", p[1]);
  rnn_seqmodel_free(m);
}

/* A tagger: word starts in sentences of words that are prefixes of each
** other, spaces removed ("an" + "tap" or "ant" + "ap"?): a start often
** depends on what follows, so reading both ways beats reading left to
** right (the seed's point). */
static void test_tagger(void) {
  enum { N = 600 };
  static const char *const lexicon[] = {"a",   "an",  "ant", "and", "at",
                                        "tan", "tap", "pat", "nap", "pan",
                                        "pant", "tad", "dan", "pad", "ta"};
  static char text[N][64];
  static rnn_label tags[N][64];
  static rnn_example ex[N];
  rnn_rng r;
  rnn_rng_seed(&r, 11);
  for (int i = 0; i < N; i++) {
    int n = 0, words = 4 + (int)rnn_rng_below(&r, 5);
    for (int w = 0; w < words; w++) {
      const char *word = lexicon[rnn_rng_below(&r, 15)];
      for (int c = 0; word[c] && n < 63; c++, n++) {
        text[i][n] = word[c];
        tags[i][n] = (rnn_label){.type = RNN_LABEL_INT, .i = c == 0};
      }
    }
    ex[i] = (rnn_example){.text = text[i], .len = (size_t)n, .tags = tags[i],
                          .ntags = n};
  }
  double acc[2];
  for (int bidi = 0; bidi < 2; bidi++) {
    rnn_seq_options o;
    rnn_seq_options_init(&o, RNN_KIND_TAGGER);
    EXPECT(o.base.bidirectional == 1, "taggers read both ways by default");
    o.base.bidirectional = bidi;
    o.base.hidden = 24;
    o.base.epochs = 30;
    o.base.seed = 2;
    rnn_seqmodel *m = NULL;
    rnn_err e;
    EXPECT(rnn_seq_train(&m, ex, N, 0, &o, NULL, &e) == RNN_OK, "%s", e.msg);
    if (!m) return;
    acc[bidi] = m->val_accuracy;
    int *ids, n;
    EXPECT(rnn_seq_tag(m, "antpan", 6, NULL, 0, &ids, &n, &e) == RNN_OK && n == 6,
           "%s", e.msg);
    rnn_free(ids);
    size_t len;
    unsigned char *b = encode(m, &len);
    rnn_seqmodel *d = NULL;
    EXPECT(b && rnn_seqmodel_decode(&d, b, len, &e) == RNN_OK, "%s", e.msg);
    rnn_free(b);
    rnn_seqmodel_free(d);
    rnn_seqmodel_free(m);
  }
  printf("  word starts: accuracy %.3f bidirectional, %.3f left to right\n",
         acc[1], acc[0]);
  EXPECT(acc[1] >= 0.9 && acc[1] > acc[0] + 0.03,
         "bidirectional %g, unidirectional %g", acc[1], acc[0]);
  /* A tag count that does not match is an error naming the example. */
  rnn_seq_options o;
  rnn_seq_options_init(&o, RNN_KIND_TAGGER);
  ex[3].ntags--;
  rnn_seqmodel *m = NULL;
  rnn_err e;
  EXPECT(rnn_seq_train(&m, ex, N, 0, &o, NULL, &e) == RNN_EINVAL &&
             strstr(e.msg, "row 4 has"), "%s", e.msg);
  ex[3].ntags++;
}

/* A model whose every weight is w (set before its first use: inference
** transposes the weights once). */
static rnn_seqmodel *filled(float w, rnn_err *e) {
  rnn_seqmodel *m = train("{\"hidden\":4,\"epochs\":1}", e);
  if (m)
    for (size_t i = 0; i < m->layout.n_params; i++) m->params[i] = w;
  return m;
}

/* Weights at the edge of a float (a hostile BLOB decodes them): equal
** logits of -3e38 score the uniform perplexity, not 1 (the log of the sum
** lost next to the logits); logits that overflow are an error for every
** reader, not a draw or a score from NaN. */
static void test_extreme_weights(void) {
  rnn_err e;
  rnn_seqmodel *m = filled(-3e38f, &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  double ppl = 0.0;
  EXPECT(rnn_text_perplexity(m, "ab", 2, &ppl, &e) == RNN_OK, "%s", e.msg);
  EXPECT(fabs(ppl - m->arch.output) < 1e-9 * m->arch.output,
         "perplexity %g, the uniform one is %d", ppl, m->arch.output);
  rnn_seqmodel_free(m);
  m = filled(3e38f, &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  char *out = NULL;
  size_t n;
  int ids[4], got;
  double p[4];
  EXPECT(rnn_text_perplexity(m, "ab", 2, &ppl, &e) == RNN_ERANGE, "perplexity %g", ppl);
  EXPECT(rnn_text_generate(m, "a", 1, 5, 1.0, 1, &out, &n, &e) == RNN_ERANGE &&
             !out, "generation of overflowing logits");
  EXPECT(rnn_text_next(m, "a", 1, 4, ids, p, &got, &e) == RNN_ERANGE,
         "next tokens of overflowing logits");
  rnn_seqmodel_free(m);
}

/* A classifier and a tagger whose weights overflow (set before their
** first use) answer with an error, as the language models do; they gave
** uniform probabilities or the first tag. */
static void test_overflowing_classifier(void) {
  static double x[40][4];
  static rnn_label tags[40][4];
  static rnn_example ex[40];
  for (int i = 0; i < 40; i++) {
    for (int t = 0; t < 4; t++) {
      x[i][t] = (i % 2 ? 1 : -1) * (t + 1);
      tags[i][t] = (rnn_label){.type = RNN_LABEL_INT, .i = (i + t) % 2};
    }
    ex[i] = (rnn_example){.x = x[i], .steps = 4, .tags = tags[i], .ntags = 4,
                          .label = {.type = RNN_LABEL_INT, .i = i % 2}};
  }
  for (int kind = RNN_KIND_CLASSIFIER; kind <= RNN_KIND_TAGGER; kind++) {
    rnn_seq_options o;
    rnn_seq_options_init(&o, kind);
    o.base.hidden = 4;
    o.base.epochs = 1;
    rnn_seqmodel *m = NULL;
    rnn_err e;
    EXPECT(rnn_seq_train(&m, ex, 40, 1, &o, NULL, &e) == RNN_OK, "%s", e.msg);
    if (!m) continue;
    /* Decoded afresh, as a BLOB from elsewhere would be: training's own
    ** forward passes have transposed the weights already. */
    size_t bytes;
    unsigned char *b = encode(m, &bytes);
    rnn_seqmodel_free(m);
    m = NULL;
    EXPECT(b && rnn_seqmodel_decode(&m, b, bytes, &e) == RNN_OK, "%s", e.msg);
    rnn_free(b);
    if (!m) continue;
    for (size_t i = 0; i < m->layout.n_params; i++) m->params[i] = 3e38f;
    double in[4] = {1, 2, 3, 4}, p[2];
    int *ids = NULL, n = 0;
    rnn_status rc = kind == RNN_KIND_CLASSIFIER
                        ? rnn_seq_classify(m, NULL, 0, in, 4, p, &e)
                        : rnn_seq_tag(m, NULL, 0, in, 4, &ids, &n, &e);
    EXPECT(rc == RNN_ERANGE && !ids, "kind %d: status %d", kind, rc);
    rnn_free(ids);
    rnn_seqmodel_free(m);
  }
}

/* Next tokens (rule 7) on equal probabilities: ascending ids, <UNK> left
** out; sampling at a low temperature when <UNK> is by far the most likely
** token draws the most likely of the others, not any of them alike (rule
** 6: <UNK> out of the softmax). */
static void test_next_and_unk(void) {
  rnn_err e;
  rnn_seqmodel *m = filled(0.0f, &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  int V = m->arch.output, got;
  int *ids = malloc((size_t)V * sizeof *ids);
  double *p = malloc((size_t)V * sizeof *p);
  EXPECT(rnn_text_next(m, "a", 1, V, ids, p, &got, &e) == RNN_OK, "%s", e.msg);
  EXPECT(got == V - 1, "%d of %d tokens", got, V - 1);
  for (int i = 0; i < got; i++)
    EXPECT(ids[i] == (i == 0 ? RNN_TOKEN_EOS : i + 1) && p[i] == p[0],
           "tie %d: id %d, p %g", i, ids[i], p[i]);
  rnn_seqmodel_free(m);
  m = filled(0.0f, &e);
  EXPECT(m != NULL, "training failed: %s", e.msg);
  if (!m) return;
  int best = V - 1;
  m->params[m->layout.b_out + RNN_TOKEN_UNK] = 20.0f;
  m->params[m->layout.b_out + best] = 0.05f;
  int hits = 0;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    char *out = NULL;
    size_t n;
    EXPECT(rnn_text_generate(m, NULL, 0, 1, 0.005, seed, &out, &n, &e) == RNN_OK,
           "%s", e.msg);
    const char *tok = m->vocab.text + m->vocab.off[best];
    hits += out && n == strlen(tok) && memcmp(out, tok, n) == 0;
    rnn_free(out);
  }
  EXPECT(hits == 20, "the most likely token but <UNK> drawn %d times of 20", hits);
  /* Its probability as rnn_next_tokens gives it keeps <UNK>'s share. */
  EXPECT(rnn_text_next(m, NULL, 0, 1, ids, p, &got, &e) == RNN_OK && got == 1 &&
             ids[0] == best && p[0] < 1e-6,
         "next: id %d, p %g", got ? ids[0] : -1, got ? p[0] : 0);
  free(ids);
  free(p);
  rnn_seqmodel_free(m);
}

int main(void) {
  RUN(test_tokens);
  RUN(test_options);
  RUN(test_learns_and_generates);
  RUN(test_perplexity_consistent);
  RUN(test_extreme_weights);
  RUN(test_next_and_unk);
  RUN(test_overflowing_classifier);
  RUN(test_deterministic);
  RUN(test_history_bounded);
  RUN(test_hostile_blobs);
  RUN(test_classifier);
  RUN(test_tagger);
  return check_exit();
}
