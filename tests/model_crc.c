/*
** Prints the checksums of models trained by the core alone and of their
** forecasts, over a matrix of configurations (every cell, stacked and
** bidirectional layers, dropout, two threads, covariates, each loss and
** optimiser, the forecaster and the network alone, the short-series
** fallback). `make test` runs it with this CPU's kernels and again with the
** portable ones (argument "portable"), and `make cross` on aarch64 (under
** qemu): all must print the same lines, since the same data, options and
** seed give the same BLOB on every CPU and build (core/nn.h, run-time CPU
** dispatch). tests/run.sh also compares the lines with
** tests/fixtures/frozen_models.txt, saved from the build before the core
** became task-generic: forecasting must not change by a bit as the core
** grows.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/nn.h"

typedef struct config {
  const char *name;
  const char *options; /* JSON over the defaults */
  int n, k;            /* rows, covariates */
} config;

static const config configs[] = {
    {"rnn", "{\"cell\":\"rnn\",\"hidden\":16,\"epochs\":20,\"layers\":2,"
            "\"dropout\":0.1,\"threads\":2}", 300, 0},
    {"gru", "{\"cell\":\"gru\",\"hidden\":16,\"epochs\":20,\"layers\":2,"
            "\"dropout\":0.1,\"threads\":2}", 300, 0},
    {"lstm", "{\"cell\":\"lstm\",\"hidden\":16,\"epochs\":20,\"layers\":2,"
             "\"dropout\":0.1,\"threads\":2}", 300, 0},
    {"gru-bidi-huber-momentum",
     "{\"cell\":\"gru\",\"hidden\":8,\"epochs\":10,\"bidirectional\":true,"
     "\"loss\":\"huber\",\"optimizer\":\"momentum\",\"lr\":0.01,"
     "\"method\":\"network\",\"window\":12,\"horizon\":3}", 300, 0},
    {"lstm-covariates", "{\"cell\":\"lstm\",\"hidden\":8,\"epochs\":10,"
                        "\"batch\":16,\"clip\":0.5}", 300, 2},
    {"relu-minmax-sgd-mae",
     "{\"cell\":\"rnn\",\"activation\":\"relu\",\"hidden\":8,\"epochs\":10,"
     "\"normalize\":\"minmax\",\"optimizer\":\"sgd\",\"lr\":0.05,"
     "\"loss\":\"mae\",\"method\":\"network\",\"window\":6}", 300, 0},
    {"defaults", "{\"epochs\":5}", 400, 0},
    {"fallback", "{}", 9, 0},
};

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "portable") == 0) rnn_simd_cap(RNN_SIMD_PORTABLE);
  if (argc > 1 && strcmp(argv[1], "avx2") == 0) rnn_simd_cap(RNN_SIMD_AVX2);
  double y[400], x[400 * 2];
  for (int i = 0; i < 400; i++) {
    y[i] = 10 + sin(i / 3.0) + 0.01 * (i % 7) + 0.02 * i + (i % 12) * 0.3;
    x[2 * i] = cos(i / 5.0);
    x[2 * i + 1] = (i % 12) == 0;
  }
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    const config *cf = &configs[c];
    rnn_options o;
    rnn_options_init(&o);
    rnn_model *m = NULL;
    rnn_err e;
    unsigned char *b = NULL;
    size_t n;
    if (rnn_options_parse(&o, cf->options, strlen(cf->options), &e) != RNN_OK ||
        rnn_train(&m, y, cf->k ? x : NULL, (size_t)cf->n, cf->k, &o, NULL,
                  &e) != RNN_OK ||
        rnn_model_encode(m, &b, &n) != RNN_OK) {
      printf("%s: training failed: %s\n", cf->name, e.msg);
      return 1;
    }
    /* Forecast 24 steps from the training tail with its intervals; the
    ** checksum covers the doubles' bits. */
    enum { H = 24 };
    double win[RNN_MAX_TAIL * 3], out[2 * H];
    int C = m->arch.input, rows = m->tail_rows;
    memcpy(win, m->tail, (size_t)rows * C * sizeof *win);
    if (rnn_predict(m, win, H, out, &e) != RNN_OK) {
      printf("%s: forecast failed: %s\n", cf->name, e.msg);
      return 1;
    }
    for (int s = 0; s < H; s++)
      if (!rnn_interval(m, s + 1, 0.9, out[s], &out[H + s])) out[H + s] = -1;
    printf("%s %zu bytes, checksum %08x, forecast %08x (step 1 %.17g)\n",
           cf->name, n, rnn_crc32(b, n - 4), rnn_crc32(out, sizeof out),
           out[0]);
    rnn_free(b);
    rnn_model_free(m);
  }
  /* Language models (core/text.c): characters and words, with a
  ** generated text's checksum. */
  static const char *rows[] = {
      "It was the best of times, it was the worst of times,",
      "it was the age of wisdom, it was the age of foolishness,",
      "it was the epoch of belief, it was the epoch of incredulity,",
      "it was the season of Light, it was the season of Darkness,",
      "it was the spring of hope, it was the winter of despair."};
  size_t lens[5];
  for (int i = 0; i < 5; i++) lens[i] = strlen(rows[i]);
  static const char *text_configs[2][2] = {
      {"text-char", "{\"hidden\":16,\"epochs\":4,\"layers\":2,"
                    "\"dropout\":0.1,\"threads\":2,\"batch\":4,"
                    "\"context\":16,\"validation\":0.2}"},
      {"text-word", "{\"tokens\":\"word\",\"lower\":true,\"cell\":\"gru\","
                    "\"hidden\":8,\"epochs\":4,\"context\":5}"}};
  for (int c = 0; c < 2; c++) {
    rnn_seq_options o;
    rnn_seq_options_init(&o, RNN_KIND_TEXT);
    rnn_seqmodel *m = NULL;
    rnn_err e;
    const char *json = text_configs[c][1];
    unsigned char *b = NULL;
    size_t n;
    char *gen = NULL;
    size_t glen = 0;
    if (rnn_seq_options_parse(&o, json, strlen(json), &e) != RNN_OK ||
        rnn_text_train(&m, rows, lens, 5, &o, NULL, &e) != RNN_OK ||
        rnn_seqmodel_encode(m, &b, &n) != RNN_OK ||
        rnn_text_generate(m, "it was", 6, 30, 0.8, 3, &gen, &glen, &e) !=
            RNN_OK) {
      printf("%s: failed: %s\n", text_configs[c][0], e.msg);
      return 1;
    }
    printf("%s %zu bytes, checksum %08x, generated %08x\n", text_configs[c][0],
           n, rnn_crc32(b, n - 4), rnn_crc32(gen, glen));
    rnn_free(gen);
    rnn_free(b);
    rnn_seqmodel_free(m);
  }
  /* A classifier of numeric sequences (bidirectional, lanes of different
  ** lengths) and a tagger of text, with their answers' checksums. */
  static double walk[40][8];
  static rnn_example ex[40];
  static rnn_label tags[5][80];
  for (int i = 0; i < 40; i++) {
    int steps = 2 + i % 7;
    for (int t = 0; t < steps; t++) walk[i][t] = (i % 2 ? t : -t) + 0.1 * (i % 5);
    ex[i] = (rnn_example){.x = walk[i], .steps = steps,
                          .label = {.type = RNN_LABEL_INT, .i = i % 2}};
  }
  for (int kind = 0; kind < 2; kind++) {
    rnn_seq_options o;
    rnn_seq_options_init(&o, kind ? RNN_KIND_TAGGER : RNN_KIND_CLASSIFIER);
    o.base.hidden = 8;
    o.base.epochs = 4;
    o.base.threads = 2;
    o.base.batch = 8;
    o.base.bidirectional = 1;
    o.base.cell = kind ? RNN_CELL_GRU : RNN_CELL_LSTM;
    rnn_example tx[5];
    for (int i = 0; kind && i < 5; i++) {
      int n = 0;
      for (size_t c = 0; c < lens[i]; c++)
        tags[i][n++] = (rnn_label){.type = RNN_LABEL_INT,
                                   .i = c == 0 || rows[i][c - 1] == ' '};
      tx[i] = (rnn_example){.text = rows[i], .len = lens[i], .tags = tags[i],
                            .ntags = n};
    }
    rnn_seqmodel *m = NULL;
    rnn_err e;
    unsigned char *b = NULL;
    size_t n;
    double p[2] = {0, 0};
    int *ids = NULL, nid = 0;
    if (rnn_seq_train(&m, kind ? tx : ex, kind ? 5 : 40, kind ? 0 : 1, &o,
                      NULL, &e) != RNN_OK ||
        rnn_seqmodel_encode(m, &b, &n) != RNN_OK ||
        (kind ? rnn_seq_tag(m, rows[0], lens[0], NULL, 0, &ids, &nid, &e)
              : rnn_seq_classify(m, NULL, 0, walk[3], 5, p, &e)) != RNN_OK) {
      printf("%s: failed: %s\n", kind ? "tagger" : "classifier", e.msg);
      return 1;
    }
    printf("%s %zu bytes, checksum %08x, answer %08x\n",
           kind ? "tagger" : "classifier", n, rnn_crc32(b, n - 4),
           kind ? rnn_crc32(ids, (size_t)nid * sizeof *ids)
                : rnn_crc32(p, sizeof p));
    rnn_free(ids);
    rnn_free(b);
    rnn_seqmodel_free(m);
  }
  return 0;
}
