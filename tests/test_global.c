/*
** Global models (core/train.c rule 18, core/global.c): one network across
** series, the container BLOB, determinism, hostile containers.
*/
#include <stdlib.h>

#include "../core/alloc.h"
#include "../core/nn.h"
#include "check.h"

enum { NS = 5 };
static double ys[NS][400];
static size_t ns_len[NS] = {400, 300, 350, 20, 260};

static void make_series(void) {
  for (int s = 0; s < NS; s++)
    for (size_t i = 0; i < ns_len[s]; i++)
      ys[s][i] = (s + 1) * 10 + (s + 2) * sin(2 * M_PI * (double)i / 24 + s) +
                 0.1 * (double)((i * 7919 + (size_t)s * 104729) % 13);
  ys[1][17] = NAN; /* a missing value */
}

/* A global model of the NS series with the given threads, into *g. */
static rnn_status train(rnn_global **out, int threads, rnn_err *e) {
  rnn_options o;
  rnn_options_init(&o);
  o.hidden = 4, o.epochs = 3, o.threads = threads;
  const double *y[NS];
  for (int s = 0; s < NS; s++) y[s] = ys[s];
  rnn_global *g = rnn_calloc(1, sizeof *g);
  g->n = NS;
  g->models = rnn_calloc(NS, sizeof *g->models);
  g->keys = rnn_calloc(NS, sizeof *g->keys);
  for (int s = 0; s < NS; s++) g->keys[s] = (rnn_label){.type = RNN_LABEL_INT, .i = s * 10};
  int bad;
  rnn_status rc = rnn_train_global(g->models, &g->params, y, NULL, ns_len, NS, 0, &o,
                                   NULL, &bad, e);
  for (int s = 0; rc == RNN_OK && s < NS; s++)
    if (g->models[s]->kind == RNN_MODEL_NETWORK) {
      g->n_params = g->models[s]->layout.n_params;
      EXPECT(g->models[s]->params == g->params, "series %d has its own parameters", s);
    }
  *out = g;
  return rc;
}

static void test_train_and_round_trip(void) {
  rnn_global *g = NULL, *d = NULL, *g2 = NULL;
  rnn_err e;
  unsigned char *blob = NULL, *blob2 = NULL;
  size_t len = 0, len2 = 0;
  EXPECT(train(&g, 1, &e) == RNN_OK, "train: %s", e.msg);
  int nets = 0;
  for (int s = 0; s < NS; s++) {
    rnn_model *m = g->models[s];
    EXPECT(m != NULL, "series %d has no model", s);
    if (!m) goto out;
    nets += m->kind == RNN_MODEL_NETWORK;
    /* One network: the same parameters, window and horizon everywhere. */
    if (m->kind == RNN_MODEL_NETWORK)
      EXPECT(!memcmp(m->params, g->params, g->n_params * sizeof *g->params) &&
                 m->arch.window == 24 && m->period == 24,
             "series %d: window %d period %d", s, m->arch.window, m->period);
  }
  EXPECT(nets == NS - 1 && g->models[3]->kind == RNN_MODEL_SNAIVE,
         "%d networks; the short series is kind %d", nets, g->models[3]->kind);
  /* Each series keeps its own level: the forecasts lie near its values. */
  for (int s = 0; s < NS; s++) {
    double f[24];
    EXPECT(rnn_predict(g->models[s], NULL, 24, f, &e) == RNN_OK, "%s", e.msg);
    double lo = 1e9, hi = -1e9;
    for (size_t i = 0; i < ns_len[s]; i++)
      if (!isnan(ys[s][i])) lo = fmin(lo, ys[s][i]), hi = fmax(hi, ys[s][i]);
    for (int t = 0; t < 24; t++)
      EXPECT(f[t] >= lo - (hi - lo) && f[t] <= hi + (hi - lo), "series %d step %d: %g not in %g..%g",
             s, t, f[t], lo, hi);
  }
  EXPECT(rnn_global_encode(g, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_global_decode(&d, blob, len, &e) == RNN_OK && d && d->n == NS, "decode: %s", e.msg);
  if (!d) goto out;
  EXPECT(g->format_version == 0 && d->format_version == RNN_FORMAT_VERSION,
         "format versions %d (built) and %d (decoded)", g->format_version, d->format_version);
  for (int s = 0; s < NS; s++) {
    double a[30], b[30];
    EXPECT(rnn_predict(g->models[s], NULL, 30, a, &e) == RNN_OK &&
               rnn_predict(d->models[s], NULL, 30, b, &e) == RNN_OK && !memcmp(a, b, sizeof a),
           "series %d forecasts differ after the round trip", s);
    rnn_label k = {.type = RNN_LABEL_INT, .i = s * 10};
    EXPECT(rnn_global_find(d, &k) == s, "find %d", s);
  }
  rnn_label none = {.type = RNN_LABEL_INT, .i = 5};
  EXPECT(rnn_global_find(d, &none) == -1, "a key not there");
  /* One series decoded alone forecasts as the whole container's does. */
  for (int s = 0; s < NS; s++) {
    rnn_label k = {.type = RNN_LABEL_INT, .i = s * 10};
    rnn_model *one = NULL;
    double a[30], b[30];
    EXPECT(rnn_global_decode_one(blob, len, &k, &one, &e) == RNN_OK && one, "decode one: %s", e.msg);
    if (!one) continue;
    EXPECT(rnn_predict(d->models[s], NULL, 30, a, &e) == RNN_OK &&
               rnn_predict(one, NULL, 30, b, &e) == RNN_OK && !memcmp(a, b, sizeof a) &&
               !one->params_borrowed,
           "series %d alone forecasts otherwise", s);
    rnn_model_free(one);
  }
  rnn_model *nothing = NULL;
  EXPECT(rnn_global_decode_one(blob, len, &none, &nothing, &e) == RNN_OK && !nothing, "absent key");
  EXPECT(rnn_global_encode(d, &blob2, &len2) == RNN_OK && len2 == len && !memcmp(blob, blob2, len),
         "re-encoded bytes differ");
  rnn_free(blob2);
  blob2 = NULL;
  /* The thread count does not change the model. */
  EXPECT(train(&g2, 2, &e) == RNN_OK, "train: %s", e.msg);
  EXPECT(rnn_global_encode(g2, &blob2, &len2) == RNN_OK && len2 == len && !memcmp(blob, blob2, len),
         "2 threads gave other bytes");
  /* An ordinary model reader refuses the container, naming the kind. */
  rnn_model *m = NULL;
  EXPECT(rnn_model_decode(&m, blob, len, &e) == RNN_EKIND, "read as one series");
  /* Hostile containers: every single-byte change, resealed, decodes or
  ** fails cleanly (ASan checks the rest). */
  unsigned char *bad = malloc(len);
  int read = 0;
  for (size_t i = 16; bad && i + 4 < len; i += 1 + i / 64) {
    memcpy(bad, blob, len);
    bad[i] ^= 0x5a;
    rnn_blob_reseal(bad, len);
    rnn_global *h = NULL;
    rnn_status rc = rnn_global_decode(&h, bad, len, &e);
    EXPECT(rc == RNN_OK || rc == RNN_ECORRUPT || rc == RNN_EKIND || rc == RNN_ENOTMODEL,
           "byte %zu: status %d", i, (int)rc);
    read += rc == RNN_OK;
    rnn_global_free(h);
  }
  free(bad);
  printf("  %d changed containers still read (values, losses)\n", read);
out:
  rnn_free(blob);
  rnn_free(blob2);
  rnn_global_free(g);
  rnn_global_free(g2);
  rnn_global_free(d);
}

static uint32_t le32(const unsigned char *p) {
  return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* A copy (free) of the container whose series `which` has an empty BLOB:
** its SERS chunk cut to the key and a length of 0, resealed, so that only
** that length is wrong. NULL if the container has no such series. */
static unsigned char *empty_series(const unsigned char *b, size_t len, int which,
                                   size_t *out_len) {
  int s = 0;
  for (size_t pos = 16; pos + 8 <= len - 4; pos += 8 + le32(b + pos + 4)) {
    if (memcmp(b + pos, "SERS", 4) != 0 || s++ != which) continue;
    const unsigned char *key = b + pos + 8;
    size_t klen = le32(key) <= 2 ? 12 : 8 + le32(key + 4); /* type, value */
    uint32_t m = le32(key + klen);
    size_t at = pos + 8 + klen + 4; /* the series' BLOB */
    unsigned char *c = malloc(len - m);
    if (!c) return NULL;
    memcpy(c, b, at);
    memcpy(c + at, b + at + m, len - at - m);
    put_le32(c + pos + 4, le32(b + pos + 4) - m);
    put_le32(c + at - 4, 0);
    rnn_blob_reseal(c, len - m);
    *out_len = len - m;
    return c;
  }
  return NULL;
}

/* A series whose BLOB is empty makes the container corrupt for both
** readers (global.c rule 2): reading any one series says so, not that the
** key is missing. */
static void test_empty_series_is_corrupt(void) {
  rnn_global *g = NULL, *d = NULL;
  rnn_err e;
  unsigned char *blob = NULL, *bad = NULL;
  size_t len = 0, bad_len = 0;
  EXPECT(train(&g, 1, &e) == RNN_OK, "train: %s", e.msg);
  EXPECT(rnn_global_encode(g, &blob, &len) == RNN_OK, "encode");
  if (blob) bad = empty_series(blob, len, 1, &bad_len);
  EXPECT(bad != NULL, "no series 1 in the container");
  if (!bad) goto out;
  EXPECT(rnn_global_decode(&d, bad, bad_len, &e) == RNN_ECORRUPT && !d, "whole container read");
  /* Key 10 is the emptied series; 5, 15, ... are none. */
  for (int64_t key = 0; key < 10 * NS; key += 5) {
    rnn_label k = {.type = RNN_LABEL_INT, .i = key};
    rnn_model *one = NULL;
    rnn_status rc = rnn_global_decode_one(bad, bad_len, &k, &one, &e);
    EXPECT(rc == RNN_ECORRUPT && !one && !strcmp(e.msg, "corrupt rnn model (series)"),
           "series %lld alone: status %d, %s", (long long)key, (int)rc,
           rc == RNN_OK ? (one ? "a model" : "no model") : e.msg);
    rnn_model_free(one);
  }
out:
  free(bad);
  rnn_free(blob);
  rnn_global_free(g);
  rnn_global_free(d);
}

int main(void) {
  make_series();
  RUN(test_train_and_round_trip);
  RUN(test_empty_series_is_corrupt);
  return check_exit();
}
