/*
** The model BLOB: round trip, determinism, and rejection of damaged input.
*/
#include <float.h>
#include <stdlib.h>

#include "../core/alloc.h"
#include "../core/nn.h"
#include "../core/rng.h"
#include "check.h"

/* The default forecaster (hidden 4, `epochs` epochs) on y (n rows). */
static rnn_model *default_model(const double *y, size_t n, int epochs) {
  rnn_options o;
  rnn_options_init(&o);
  o.hidden = 4, o.epochs = epochs;
  rnn_model *m = NULL;
  rnn_err e;
  EXPECT(rnn_train(&m, y, NULL, n, 0, &o, NULL, &e) == RNN_OK && m, "train: %s", e.msg);
  return m;
}

static rnn_model *small_model(uint64_t seed) {
  double y[60];
  for (int i = 0; i < 60; i++) y[i] = 10.0 + 3.0 * sin(i * 0.4);
  y[7] = NAN; /* one missing value */
  rnn_options o;
  rnn_options_init(&o);
  o.cell = RNN_CELL_GRU;
  o.layers = 2;
  o.bidirectional = 1;
  o.hidden = 4;
  o.window = 6;
  o.epochs = 3;
  o.batch = 8;
  o.seed = seed;
  rnn_model *m = NULL;
  rnn_err e;
  rnn_status rc = rnn_train(&m, y, NULL, 60, 0, &o, NULL, &e);
  EXPECT(rc == RNN_OK, "train: %s", e.msg);
  return m;
}

static void test_round_trip_predicts_bit_for_bit(void) {
  rnn_model *m = small_model(1), *d = NULL;
  unsigned char *blob = NULL, *blob2 = NULL;
  size_t len = 0, len2 = 0;
  rnn_err e;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_OK, "decode: %s", e.msg);
  if (!d) goto out;
  double a[5], b[5];
  /* A window of the rows the model reads (its history), one missing. */
  double win[64];
  EXPECT(m->tail_rows <= 64, "history %d", m->tail_rows);
  for (int i = 0; i < 64; i++) win[i] = 1 + i % 6;
  win[2] = NAN;
  EXPECT(rnn_predict(m, NULL, 5, a, &e) == RNN_OK, "%s", e.msg);
  EXPECT(rnn_predict(d, NULL, 5, b, &e) == RNN_OK, "%s", e.msg);
  EXPECT(memcmp(a, b, sizeof a) == 0, "tail forecasts differ: %.17g vs %.17g",
         a[0], b[0]);
  EXPECT(rnn_predict(m, win, 5, a, &e) == RNN_OK, "%s", e.msg);
  EXPECT(rnn_predict(d, win, 5, b, &e) == RNN_OK, "%s", e.msg);
  EXPECT(memcmp(a, b, sizeof a) == 0, "window forecasts differ");
  EXPECT(d->missing == 1 && d->rows == 60 && d->epochs_run == 3,
         "facts: missing %lld rows %lld epochs %d", (long long)d->missing,
         (long long)d->rows, d->epochs_run);
  /* Encoding the decoded model gives the same bytes. */
  EXPECT(rnn_model_encode(d, &blob2, &len2) == RNN_OK, "re-encode");
  EXPECT(len == len2 && memcmp(blob, blob2, len) == 0, "re-encoded bytes differ");
out:
  rnn_free(blob);
  rnn_free(blob2);
  rnn_model_free(m);
  rnn_model_free(d);
}

static void test_same_seed_same_bytes(void) {
  rnn_model *m1 = small_model(7), *m2 = small_model(7), *m3 = small_model(8);
  unsigned char *b1, *b2, *b3;
  size_t n1, n2, n3;
  rnn_model_encode(m1, &b1, &n1);
  rnn_model_encode(m2, &b2, &n2);
  rnn_model_encode(m3, &b3, &n3);
  EXPECT(n1 == n2 && memcmp(b1, b2, n1) == 0, "same seed, different BLOBs");
  EXPECT(n1 == n3 && memcmp(b1, b3, n1) != 0, "different seeds, same BLOB");
  rnn_free(b1);
  rnn_free(b2);
  rnn_free(b3);
  rnn_model_free(m1);
  rnn_model_free(m2);
  rnn_model_free(m3);
}

/* A changed field must not pass just because the checksum is right. */
static void reseal(unsigned char *b, size_t len) { rnn_blob_reseal(b, len); }

/* The checksum is zlib's CRC-32: its check value for "123456789". */
static void test_crc32_is_zlibs(void) {
  EXPECT(rnn_crc32("123456789", 9) == 0xCBF43926u, "crc %08x",
         rnn_crc32("123456789", 9));
}

static rnn_status decode_status(const unsigned char *b, size_t len, char *msg) {
  rnn_model *d = NULL;
  rnn_err e = {{0}};
  rnn_status rc = rnn_model_decode(&d, b, len, &e);
  if (msg) strcpy(msg, e.msg);
  rnn_model_free(d);
  return rc;
}

/* decode_status of b relabelled as format `version` (resealed). */
static rnn_status decode_as(unsigned char *b, size_t len, int version, char *msg) {
  b[8] = (unsigned char)version;
  reseal(b, len);
  return decode_status(b, len, msg);
}

/* The payload of chunk tag in blob (its offset in *at, length in *n), or
** 0 when there is none. */
static int find_chunk(const unsigned char *b, size_t len, const char *tag,
                      size_t *at, size_t *n) {
  for (size_t i = 16; i + 8 <= len;) {
    size_t cl = (size_t)b[i + 4] | (size_t)b[i + 5] << 8 | (size_t)b[i + 6] << 16 |
                (size_t)b[i + 7] << 24;
    if (memcmp(b + i, tag, 4) == 0) {
      *at = i + 8, *n = cl;
      return 1;
    }
    i += 8 + cl;
  }
  return 0;
}

/* Rewrites a format-5 forecaster as format 4 would lay it out: no SURP,
** SRUN or PAST (blob.c rules 11, 14, 15), TRAI without the count of loss
** values kept (rule 10; kept values: all, here), version 4, lengths and
** checksum fixed. Returns the new length. */
static size_t as_format4(unsigned char *b, size_t len, int kept) {
  size_t at, n;
  const char *later[] = {"SURP", "SRUN", "PAST"}; /* format 5's optional chunks */
  for (int i = 0; i < 3; i++)
    if (find_chunk(b, len, later[i], &at, &n)) {
      memmove(b + at - 8, b + at + n, len - (at + n));
      len -= 8 + n;
    }
  if (!find_chunk(b, len, "TRAI", &at, &n)) return len;
  size_t cut = at + n - (size_t)kept * 16 - 4; /* the u32 count */
  memmove(b + cut, b + cut + 4, len - cut - 4);
  len -= 4, n -= 4;
  for (int i = 0; i < 4; i++) b[at - 4 + i] = (unsigned char)(n >> (8 * i));
  for (int i = 0; i < 4; i++) b[12 + i] = (unsigned char)(len >> (8 * i));
  b[8] = 4;
  reseal(b, len);
  return len;
}

/* blob.c rule 14: a model keeps the rows before its tail, up to
** RNN_KEEP_ROWS in all, through the BLOB; a count beyond that, columns
** that are not the model's, a value that is not finite, or the chunk in
** format 4, are corrupt. */
static void test_past_rows(void) {
  rnn_model *m = small_model(5);
  EXPECT(m->past_rows == 60 - m->tail_rows, "past rows %d, tail %d", m->past_rows, m->tail_rows);
  unsigned char *blob, *c;
  size_t len, at, n;
  char msg[256];
  rnn_model_encode(m, &blob, &len);
  rnn_model *back = NULL;
  EXPECT(rnn_model_decode(&back, blob, len, NULL) == RNN_OK && back &&
             back->past_rows == m->past_rows &&
             memcmp(back->past, m->past, (size_t)m->past_rows * sizeof *m->past) == 0,
         "past rows read back");
  rnn_model_free(back);
  EXPECT(find_chunk(blob, len, "PAST", &at, &n), "a PAST chunk");
  c = malloc(len);
  struct { size_t off; unsigned char byte; const char *why; } damage[] = {
      {0, 0xff, "rows"}, {4, 2, "columns"}, {8 + 7, 0x7f, "infinite"}};
  for (size_t d = 0; d < sizeof damage / sizeof damage[0]; d++) {
    memcpy(c, blob, len);
    if (damage[d].off == 8 + 7) c[at + 8 + 6] = 0xf0, c[at + 8 + 7] = 0x7f; /* exponent all ones */
    else if (damage[d].off == 0) c[at + 1] = damage[d].byte; /* rows + 65280 */
    else c[at + damage[d].off] = damage[d].byte;
    reseal(c, len);
    EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "%s", damage[d].why);
    EXPECT_STR(msg, "corrupt rnn model (past rows)");
  }
  memcpy(c, blob, len);
  c[8] = 4;
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "PAST in format 4");
  free(c);
  rnn_free(blob);
  rnn_model_free(m);
}

static void test_decode_rejects_damage(void) {
  rnn_model *m = small_model(1);
  unsigned char *blob;
  size_t len;
  rnn_model_encode(m, &blob, &len);
  unsigned char *c = malloc(len);
  char msg[256];

  /* Every truncation. */
  size_t accepted = 0;
  for (size_t n = 0; n < len; n++) {
    rnn_status rc = decode_status(blob, n, NULL);
    if (rc == RNN_OK) accepted++;
    if (n >= 20) EXPECT(rc == RNN_ECORRUPT, "truncated to %zu: status %d", n, rc);
  }
  EXPECT(accepted == 0, "%zu truncations accepted", accepted);

  /* Every single flipped byte after the magic and version. */
  accepted = 0;
  for (size_t i = 12; i < len; i++) {
    memcpy(c, blob, len);
    c[i] ^= 0x5A;
    if (decode_status(c, len, NULL) != RNN_ECORRUPT) accepted++;
  }
  EXPECT(accepted == 0, "%zu flipped bytes not reported as corrupt", accepted);

  /* A flipped payload byte is a checksum failure. */
  memcpy(c, blob, len);
  c[len / 2] ^= 1;
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "flip");
  EXPECT_STR(msg, "corrupt rnn model (checksum)");

  /* Wrong magic. */
  memcpy(c, blob, len);
  c[0] = 'X';
  EXPECT(decode_status(c, len, msg) == RNN_ENOTMODEL, "magic");
  EXPECT_STR(msg, "not an rnn model");
  EXPECT(decode_status((const unsigned char *)"hello", 5, NULL) == RNN_ENOTMODEL,
         "short text");
  EXPECT(decode_status(NULL, 0, NULL) == RNN_ENOTMODEL, "empty");

  /* Newer version, even with a layout this build cannot read. */
  memcpy(c, blob, len);
  c[8] = RNN_FORMAT_VERSION + 1;
  EXPECT(decode_status(c, len, msg) == RNN_ENEWER, "newer");
  char want[200];
  snprintf(want, sizeof want,
           "rnn model made by a newer version of sqlite-rnn (format %d; "
           "this build reads formats up to %d)",
           RNN_FORMAT_VERSION + 1, RNN_FORMAT_VERSION);
  EXPECT_STR(msg, want);
  EXPECT(decode_status(c, 20, NULL) == RNN_ENEWER, "newer, short");

  /* A consistent checksum does not make bad fields acceptable: a huge
  ** hidden size, a parameter count that disagrees, a NaN weight. */
  memcpy(c, blob, len);
  /* The ARCH payload; hidden is its 4th u32, the parameter count at 32. */
  size_t arch = 0, arch_len;
  EXPECT(find_chunk(c, len, "ARCH", &arch, &arch_len), "no ARCH chunk");
  c[arch + 12] = 0xFF, c[arch + 13] = 0xFF, c[arch + 14] = 0xFF, c[arch + 15] = 0x7F;
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "huge hidden");
  EXPECT_STR(msg, "corrupt rnn model (architecture)");

  memcpy(c, blob, len);
  c[arch + 32] ^= 1; /* n_params */
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "parameter count");
  EXPECT_STR(msg, "corrupt rnn model (parameter count)");

  memcpy(c, blob, len);
  /* Last float of PARM sits just before the checksum: make it a NaN. */
  c[len - 8] = 0x00, c[len - 7] = 0x00, c[len - 6] = 0xC0, c[len - 5] = 0x7F;
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "NaN weight");
  EXPECT_STR(msg, "corrupt rnn model (parameters)");

  /* An unchanged reseal still decodes: the checks above are about content. */
  memcpy(c, blob, len);
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_OK, "resealed original: %s", msg);

  free(c);
  rnn_free(blob);
  rnn_model_free(m);
}

/* Format 4 keeps a forecaster's options as keyed JSON (TOPT): every option
** away from its default comes back exactly (threads as 0, never stored),
** and the options chunk must be the one of the BLOB's format. */
static void test_keyed_options(void) {
  double y[80];
  for (int i = 0; i < 80; i++) y[i] = 5.0 + sin(i * 0.7) + 0.01 * i;
  rnn_options o;
  rnn_options_init(&o);
  o.cell = RNN_CELL_LSTM, o.activation = RNN_ACT_RELU, o.hidden = 3;
  o.layers = 2, o.bidirectional = 1, o.window = 5, o.horizon = 2;
  o.epochs = 2, o.batch = 7, o.optimizer = RNN_OPT_MOMENTUM, o.loss = RNN_LOSS_HUBER;
  o.normalize = RNN_NORM_MINMAX, o.patience = 9, o.missing = RNN_MISSING_ERROR;
  o.duplicates = RNN_DUP_LAST, o.short_policy = RNN_SHORT_NULL, o.threads = 2;
  o.verbose = 1, o.dropout = 0.125, o.lr = nextafter(0.01, 1.0); /* 17 digits */
  o.clip = 1.0 / 3.0, o.validation = 0.3, o.max_seconds = 1e6;
  o.seed = 9007199254740991ull, o.method = RNN_METHOD_NETWORK;
  rnn_model *m = NULL, *d = NULL;
  rnn_err e;
  EXPECT(rnn_train(&m, y, NULL, 80, 0, &o, NULL, &e) == RNN_OK && m, "train: %s", e.msg);
  if (!m) return;
  unsigned char *blob = NULL;
  size_t len = 0, at, n;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(blob[8] == RNN_FORMAT_VERSION, "format %d", blob[8]);
  EXPECT(find_chunk(blob, len, "TOPT", &at, &n) && !find_chunk(blob, len, "OPTS", &at, &n),
         "a TOPT chunk and no OPTS");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_OK && d, "decode: %s", e.msg);
  if (d) {
    rnn_options want = m->opts;
    want.threads = 0;
    const rnn_options *g = &d->opts;
    EXPECT(g->cell == want.cell && g->activation == want.activation &&
               g->hidden == want.hidden && g->layers == want.layers &&
               g->bidirectional == want.bidirectional && g->window == want.window &&
               g->horizon == want.horizon && g->epochs == want.epochs &&
               g->batch == want.batch && g->optimizer == want.optimizer &&
               g->loss == want.loss && g->normalize == want.normalize &&
               g->patience == want.patience && g->missing == want.missing &&
               g->duplicates == want.duplicates &&
               g->short_policy == want.short_policy && g->threads == 0 &&
               g->verbose == want.verbose && g->method == want.method,
           "an integer option differs");
    EXPECT(g->dropout == want.dropout && g->lr == want.lr && g->clip == want.clip &&
               g->validation == want.validation &&
               g->max_seconds == want.max_seconds && g->seed == want.seed,
           "a number differs: lr %.17g, seed %llu", g->lr, (unsigned long long)g->seed);
  }
  rnn_model_free(d), d = NULL;
  /* A TOPT that is not the options (an unknown key, then not JSON), and
  ** the chunk renamed to the older OPTS: corrupt. */
  char msg[256];
  EXPECT(find_chunk(blob, len, "TOPT", &at, &n), "TOPT");
  unsigned char *c = malloc(len);
  memcpy(c, blob, len);
  memcpy(c + at + 2, "zzzz", 4); /* {"cell" -> {"zzzz" */
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "unknown key");
  EXPECT_STR(msg, "corrupt rnn model (options)");
  memcpy(c, blob, len);
  c[at] = '[';
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "not an object");
  EXPECT_STR(msg, "corrupt rnn model (options)");
  memcpy(c, blob, len);
  memcpy(c + at - 8, "OPTS", 4);
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "OPTS in format 4");
  EXPECT_STR(msg, "corrupt rnn model (chunk of an earlier format)");
  /* Format 3 with TOPT (KIND renamed to a tag no reader knows, so the
  ** options chunk is what the reader objects to). */
  memcpy(c, blob, len);
  c[8] = 3;
  EXPECT(find_chunk(c, len, "KIND", &at, &n), "KIND");
  memcpy(c + at - 8, "XIND", 4);
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "TOPT in format 3");
  EXPECT_STR(msg, "corrupt rnn model (chunk of a later format)");
  free(c);
  rnn_free(blob);
  rnn_model_free(m);
}

/* An older format's positional options must be options rnn_train takes:
** the version-1 fixture decodes and re-encodes (as format 4) to a BLOB that
** decodes, and the same BLOB with a negative learning rate is corrupt (the
** fuzzer found that such a model decoded but its format-4 BLOB did not). */
static void test_old_options_checked(void) {
  FILE *f = fopen("tests/fixtures/skeleton_v1.hex", "r");
  EXPECT(f != NULL, "tests/fixtures/skeleton_v1.hex (run from the repository root)");
  if (!f) return;
  unsigned char b[1024];
  size_t len = 0;
  unsigned int byte;
  while (len < sizeof b && fscanf(f, "%2x", &byte) == 1) b[len++] = (unsigned char)byte;
  fclose(f);
  rnn_model *m = NULL, *d = NULL;
  rnn_err e;
  EXPECT(rnn_model_decode(&m, b, len, &e) == RNN_OK, "fixture: %s", e.msg);
  unsigned char *blob = NULL;
  size_t n = 0, at, cl;
  if (m && rnn_model_encode(m, &blob, &n) == RNN_OK)
    EXPECT(rnn_model_decode(&d, blob, n, &e) == RNN_OK, "re-encoded: %s", e.msg);
  rnn_model_free(m), rnn_model_free(d), rnn_free(blob);
  EXPECT(find_chunk(b, len, "OPTS", &at, &cl) && cl == 52, "a version-1 OPTS");
  /* Version 1: seven u32, then f64 lr. */
  const unsigned char minus_one[8] = {0, 0, 0, 0, 0, 0, 0xF0, 0xBF};
  memcpy(b + at + 28, minus_one, 8);
  reseal(b, len);
  char msg[256];
  EXPECT(decode_status(b, len, msg) == RNN_ECORRUPT, "lr -1 decoded");
  EXPECT_STR(msg, "corrupt rnn model (options)");
}

/* Whatever training writes, decoding reads: short and long series, with
** and without a period, random walks, horizons auto and 3, validation 0.1 and 0.5 (a
** smoothing component on fewer than 32 rows once made undecodable BLOBs). */
static void test_every_trained_model_decodes(void) {
  static double y[400];
  int tried = 0, bad = 0;
  for (int n = 5; n <= 400; n += n < 60 ? 1 : 57)
    for (int shape = 0; shape < 3; shape++)
      for (int v = 0; v < 2; v++) {
        unsigned x = 12345u + (unsigned)n;
        for (int i = 0; i < n; i++) {
          x = x * 1103515245u + 12345u; /* a random walk for shape 2 */
          y[i] = shape == 0   ? 3 + 0.5 * i + (i * 13 % 5)
                 : shape == 1 ? 50 + 10 * sin(2 * M_PI * i / 7) + (i * 37 % 11)
                              : (i ? y[i - 1] : 50) + ((x >> 16) % 100 - 50) * 0.04;
        }
        rnn_options o;
        rnn_options_init(&o);
        o.hidden = 3, o.epochs = 2, o.horizon = v ? 3 : RNN_HORIZON_AUTO;
        o.validation = v ? 0.5 : 0.1;
        rnn_model *m = NULL, *d = NULL;
        rnn_err e;
        unsigned char *blob = NULL;
        size_t len = 0;
        tried++;
        if (rnn_train(&m, y, NULL, (size_t)n, 0, &o, NULL, &e) != RNN_OK ||
            rnn_model_encode(m, &blob, &len) != RNN_OK ||
            rnn_model_decode(&d, blob, len, &e) != RNN_OK) {
          if (bad++ < 3) printf("  n %d shape %d v %d: %s\n", n, shape, v, e.msg);
        }
        rnn_free(blob);
        rnn_model_free(m);
        rnn_model_free(d);
      }
  EXPECT(bad == 0, "%d of %d trained models did not decode", bad, tried);
  /* The case that broke: a model of 20 rows whose forecast is smoothing. */
  rnn_options o;
  rnn_options_init(&o);
  o.hidden = 2, o.epochs = 1, o.window = 4;
  rnn_model *m = NULL, *d = NULL;
  rnn_err e;
  unsigned char *blob = NULL;
  size_t len = 0;
  EXPECT(rnn_train(&m, y, NULL, 20, 0, &o, NULL, &e) == RNN_OK && m, "train: %s", e.msg);
  if (!m) return;
  m->n_comp = 1;
  m->comp[0] = (rnn_component){RNN_COMP_SMOOTH, 0, 0};
  EXPECT(m->tail_rows < 32, "tail %d", m->tail_rows);
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_OK, "smoothing on 20 rows: %s", e.msg);
  rnn_free(blob);
  rnn_model_free(m);
  rnn_model_free(d);
}

/* rnn_predict_rows gives what rnn_predict gives, missing values included
** (its plausible range once came from the raw rows, NaN first). */
static void test_rows_equal_predict_with_missing(void) {
  static double y[300], win[RNN_MAX_TAIL];
  for (int i = 0; i < 300; i++)
    y[i] = fmax(0, 200 - 1.5 * i + 4 * sin(i / 2.0) + (i * 13 % 7));
  rnn_model *m = default_model(y, 300, 3);
  rnn_err e;
  if (!m) return;
  int R = m->tail_rows, diff = 0;
  for (int i = 0; i < 300; i += 5) y[i] = NAN; /* missing, a window's first among them */
  double rows[200];
  EXPECT(rnn_predict_rows(m, y, (size_t)R, 300 - R < 200 ? 300 - R : 200, rows, &e) == RNN_OK,
         "rows: %s", e.msg);
  for (int j = 0; j < 300 - R && j < 200; j++) {
    double one;
    memcpy(win, y + j, (size_t)R * sizeof *win);
    if (rnn_predict(m, win, 1, &one, &e) != RNN_OK || one != rows[j]) diff++;
  }
  EXPECT(diff == 0, "%d positions differ", diff);
  rnn_model_free(m);
}

/* rnn_predict_origins_step keeps step h of what rnn_predict_origins gives
** from each origin, NaN where it gives NaN (missing values), and refuses
** what it refuses. */
static void test_origins_step_is_last_step(void) {
  static double y[300], all[200 * 7], last[200];
  for (int i = 0; i < 300; i++) y[i] = 50 + 10 * sin(i / 3.0) + (i * 13 % 7);
  rnn_model *m = default_model(y, 300, 3);
  rnn_err e;
  if (!m) return;
  for (int i = 0; i < 300; i += 11) y[i] = NAN;
  for (int i = 120; i < 120 + m->tail_rows && i < 300; i++) y[i] = NAN; /* a window of none */
  int R = m->tail_rows, h = 7, count = 300 - R - h + 1 < 200 ? 300 - R - h + 1 : 200, diff = 0;
  EXPECT(rnn_predict_origins(m, y, 300, (size_t)R, count, h, all, &e) == RNN_OK, "all: %s", e.msg);
  EXPECT(rnn_predict_origins_step(m, y, 300, (size_t)R, count, h, last, &e) == RNN_OK,
         "step: %s", e.msg);
  int nan = 0;
  for (int j = 0; j < count; j++) {
    double a = all[(size_t)j * h + h - 1];
    nan += isnan(a);
    if (!(a == last[j] || (isnan(a) && isnan(last[j])))) diff++;
  }
  EXPECT(diff == 0 && nan > 0, "%d origins differ (%d NaN)", diff, nan);
  EXPECT(rnn_predict_origins_step(m, y, 300, 0, 1, h, last, &e) == RNN_EINVAL,
         "an origin before the tail is refused");
  rnn_model_free(m);
}

/* Issue 10 item 2: the progress callback is asked inside a minibatch too
** (between time steps; it was asked only after each one), and its answer
** stops training there. The inside calls say so (inside) and carry the
** epoch in progress (0 for the set-up's calls before the first). */
typedef struct progress_log {
  int calls, first_epoch, first_inside;
} progress_log;

static int stop_at_first_call(void *arg, const rnn_progress *p) {
  progress_log *l = arg;
  if (p->epoch == 0) return 0; /* the set-up (core/fit.c rule 7) */
  if (l->calls++ == 0) l->first_epoch = p->epoch, l->first_inside = p->inside;
  return 1;
}

static void test_stop_inside_minibatch(void) {
  static double y[600];
  for (int i = 0; i < 600; i++) y[i] = sin(i / 5.0);
  rnn_options o;
  rnn_options_init(&o);
  o.hidden = 16, o.window = 100, o.horizon = 1, o.epochs = 5, o.batch = 64;
  o.threads = 2, o.method = RNN_METHOD_NETWORK;
  progress_log log = {0, -1, -1};
  rnn_train_ctl ctl = {stop_at_first_call, &log};
  rnn_model *m = NULL;
  rnn_err e;
  rnn_status rc = rnn_train(&m, y, NULL, 600, 0, &o, &ctl, &e);
  EXPECT(rc == RNN_EINTERRUPT && !m, "status %d", rc);
  EXPECT(log.calls == 1 && log.first_inside == 1 && log.first_epoch == 1,
         "first asked inside a minibatch: %d (epoch %d), %d calls",
         log.first_inside, log.first_epoch, log.calls);
  rnn_model_free(m);
}

/* Issue 10 item 5: every timestamp the reader takes in is range-checked
** (a first ts of INT64_MIN milliseconds reached a negation UBSan aborts
** on), and the calendar arithmetic itself has no negation to overflow. */
static void test_decode_checks_every_timestamp(void) {
  rnn_model *m = small_model(1), *d = NULL;
  unsigned char *blob = NULL;
  size_t len = 0;
  rnn_err e;
  m->last_ts = (rnn_ts){.kind = RNN_TS_DATE, .i = 0, .r = 0.0};
  m->first_ts = (rnn_ts){.kind = RNN_TS_DATE, .i = INT64_MIN, .r = (double)INT64_MIN};
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  rnn_status rc = rnn_model_decode(&d, blob, len, &e);
  EXPECT(rc == RNN_ECORRUPT && strcmp(e.msg, "corrupt rnn model (timestamps)") == 0,
         "first ts INT64_MIN: status %d, %s", rc, e.msg);
  rnn_model_free(d), d = NULL;
  rnn_free(blob), blob = NULL;
  m->first_ts = (rnn_ts){.kind = RNN_TS_INT, .i = 5, .r = 5.0}; /* another kind */
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  rc = rnn_model_decode(&d, blob, len, &e);
  EXPECT(rc == RNN_ECORRUPT, "mixed kinds: status %d", rc);
  /* A seasonal-naive model has no components (and a tail of one window). */
  rnn_model *f = NULL;
  double few[6] = {1, 2, 3, 4, 5, 6};
  rnn_options o;
  rnn_options_init(&o);
  o.window = 12;
  EXPECT(rnn_train(&f, few, NULL, 6, 0, &o, NULL, &e) == RNN_OK && f &&
             f->kind == RNN_MODEL_SNAIVE, "fallback");
  if (f) {
    f->n_comp = 1;
    f->comp[0] = (rnn_component){RNN_COMP_NAIVE, 0, 0};
    rnn_free(blob), blob = NULL;
    rnn_model_free(d), d = NULL;
    EXPECT(rnn_model_encode(f, &blob, &len) == RNN_OK, "encode");
    rc = rnn_model_decode(&d, blob, len, &e);
    EXPECT(rc == RNN_ECORRUPT, "components in a fallback: status %d", rc);
    rnn_model_free(f);
  }
  rnn_civil civ;
  rnn_ts_civil(INT64_MIN, &civ); /* no overflow (UBSan in make asan) */
  EXPECT(civ.year < -290000000, "year %lld", (long long)civ.year);
  rnn_model_free(d);
  rnn_free(blob);
  rnn_model_free(m);
}

/* The forecaster's combination (components.c rule 3): the median of three,
** the mean of fewer; stored as format 5's flag, which only three
** components may carry and no older format. */
/* The undamped kind of a damped one (format 8's kinds as format 7 had them). */
static int undamped(int kind) {
  return kind == RNN_COMP_DRIFT_DAMPED           ? RNN_COMP_DRIFT
         : kind == RNN_COMP_PROFILE_TREND_DAMPED ? RNN_COMP_PROFILE_TREND
         : kind == RNN_COMP_SNAIVE_TREND_DAMPED  ? RNN_COMP_SNAIVE_TREND
                                                 : kind;
}

/* components.c rule 1: seasonal naive with trend repeats the last cycle,
** each repetition moved by the change of the cycles' means per cycle over
** `seasons` cycles, on logarithms when asked and every value it reads is
** positive; rule 2 makes it a candidate for each period; the reader takes
** it from format 6 on. */
static void test_snaive_trend(void) {
  rnn_component c = {RNN_COMP_SNAIVE_TREND, 3, 3};
  double lin[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, out[6];
  /* Cycle means 2, 5, 8: 3 a cycle, from the last cycle 7, 8, 9. */
  rnn_component_forecast(&c, lin, 9, 1, 0, 6, out);
  for (int s = 0; s < 6; s++)
    EXPECT(out[s] == 10 + s, "additive step %d: %.17g", s + 1, out[s]);
  /* On logarithms, growth by 2 a cycle: 8, 16, 32, then 16, 32, 64. */
  double geo[9] = {1, 2, 4, 2, 4, 8, 4, 8, 16};
  rnn_component_forecast(&c, geo, 9, 1, 1, 6, out);
  for (int s = 0; s < 6; s++) {
    double want = geo[6 + s % 3] * (s < 3 ? 2 : 4);
    EXPECT(fabs(out[s] - want) <= 1e-12 * want, "multiplicative step %d: %.17g", s + 1, out[s]);
  }
  /* A value that is not positive: on the values (means 5/3 and 28/3). */
  geo[0] = -1;
  rnn_component_forecast(&c, geo, 9, 1, 1, 3, out);
  double d = (28.0 / 3 - 5.0 / 3) / 2;
  EXPECT(fabs(out[0] - (4 + d)) < 1e-12 && fabs(out[2] - (16 + d)) < 1e-12,
         "additive when not all positive: %.17g %.17g", out[0], out[2]);
  /* One cycle only: no slope, the seasonal naive. */
  rnn_component_forecast(&c, lin + 6, 3, 1, 0, 4, out);
  EXPECT(out[0] == 7 && out[2] == 9 && out[3] == 7, "one cycle: %g %g %g", out[0], out[2], out[3]);

  rnn_component cand[RNN_MAX_CANDIDATES];
  int n = rnn_candidates(cand, 24, 168, 48, 2000, 1), found = 0;
  for (int i = 0; i < n; i++)
    if (undamped(cand[i].kind) == RNN_COMP_SNAIVE_TREND)
      found += (cand[i].period == 24 && cand[i].seasons == 8) ||
               (cand[i].period == 168 && cand[i].seasons == 4);
  EXPECT(n == 12 && found == 2, "%d candidates, %d seasonal naive with trend", n, found);

  /* In a model's BLOB: read from format 6, corrupt in format 5. */
  static double y[400];
  for (int i = 0; i < 400; i++) y[i] = 50 + 0.1 * i + 10 * sin(2 * M_PI * i / 24);
  rnn_model *m = default_model(y, 400, 2);
  if (!m) return;
  m->fc_flags &= ~RNN_FC_SQRT; /* format 7's (test_sqrt_bands) */
  int has = 0;
  for (int i = 0; i < m->n_cand; i++) { /* as format 7 (test_damped) */
    m->cand[i].kind = undamped(m->cand[i].kind);
    has |= m->cand[i].kind == RNN_COMP_SNAIVE_TREND;
  }
  for (int i = 0; i < m->n_comp; i++) m->comp[i].kind = undamped(m->comp[i].kind);
  EXPECT(has, "a candidate");
  unsigned char *blob = NULL;
  size_t len = 0;
  char msg[256];
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(blob[8] == 8 && decode_status(blob, len, msg) == RNN_OK, "format 8: %s", msg);
  EXPECT(decode_as(blob, len, 6, msg) == RNN_OK, "format 6: %s", msg);
  EXPECT(decode_as(blob, len, 5, msg) == RNN_ECORRUPT, "format 5");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  rnn_free(blob), blob = NULL;
  /* Nor more than format 5's 10 candidates (here of kinds it knew, and
  ** components it knew). */
  m->n_comp = 2, m->fc_flags &= ~RNN_FC_MEDIAN;
  m->comp[0] = (rnn_component){RNN_COMP_NAIVE, 0, 0};
  m->comp[1] = (rnn_component){RNN_COMP_SNAIVE, 24, 0};
  int kept = 0;
  for (int i = 0; i < m->n_cand; i++)
    if (m->cand[i].kind != RNN_COMP_SNAIVE_TREND)
      m->cand_mae[kept] = m->cand_mae[i], m->cand[kept++] = m->cand[i];
  while (kept < 11) m->cand_mae[kept] = m->cand_mae[0], m->cand[kept++] = m->cand[1];
  m->n_cand = kept;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(decode_status(blob, len, msg) == RNN_OK, "11 candidates in format 6: %s", msg);
  m->n_cand = 10;
  unsigned char *ten = NULL;
  size_t len10 = 0;
  EXPECT(rnn_model_encode(m, &ten, &len10) == RNN_OK, "encode");
  ten[8] = 5;
  reseal(ten, len10);
  EXPECT(decode_status(ten, len10, msg) == RNN_OK, "10 candidates in format 5: %s", msg);
  rnn_free(ten);
  EXPECT(decode_as(blob, len, 5, msg) == RNN_ECORRUPT, "11 candidates in format 5");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  rnn_free(blob);
  rnn_model_free(m);
}

/* components.c rule 1: the damped trend kinds move their forecast by
** the slope's step-t increment weighted RNN_DAMPING^(t-1), from the last
** row on; rule 2 makes them the candidates in place of the undamped
** kinds; the reader takes them from format 8 on. */
static void test_damped(void) {
  const double phi = RNN_DAMPING;
  double lin[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, out[8], und[8];
  rnn_component c = {RNN_COMP_DRIFT_DAMPED, 3, 0};
  rnn_component_forecast(&c, lin, 9, 1, 0, 8, out);
  double steps = 0, pw = 1;
  for (int s = 0; s < 8; s++) {
    steps += pw, pw *= phi; /* 1 + phi + ... + phi^s */
    EXPECT(fabs(out[s] - (9 + steps)) <= 1e-12, "drift step %d: %.17g", s + 1, out[s]);
  }
  EXPECT(out[7] < 9 + 8 - 0.5, "damped: %.17g", out[7]);
  /* Undamped drift, bit for bit as before format 8. */
  double geo[9] = {1, 2, 4, 2, 4, 8, 4, 8, 16};
  c = (rnn_component){RNN_COMP_DRIFT, 3, 0};
  rnn_component_forecast(&c, geo, 9, 1, 0, 8, und);
  double d = (16 - 8) / (double)3;
  for (int s = 0; s < 8; s++) EXPECT(und[s] == 16 + d * (s + 1), "undamped drift step %d: %.17g", s + 1, und[s]);
  /* Profile with trend, additive: the undamped forecast less the slope
  ** (1 a row) times the steps damping took away. */
  c = (rnn_component){RNN_COMP_PROFILE_TREND_DAMPED, 3, 3};
  rnn_component u = {RNN_COMP_PROFILE_TREND, 3, 3};
  rnn_component_forecast(&c, lin, 9, 1, 0, 8, out);
  rnn_component_forecast(&u, lin, 9, 1, 0, 8, und);
  steps = 0, pw = 1;
  for (int s = 0; s < 8; s++) {
    steps += pw, pw *= phi;
    EXPECT(fabs(out[s] - (und[s] - (s + 1 - steps))) <= 1e-12, "profile step %d: %.17g against %.17g",
           s + 1, out[s], und[s]);
  }
  /* On logarithms, the same in the exponent: growth by 2 a cycle. */
  rnn_component_forecast(&c, geo, 9, 1, 1, 8, out);
  rnn_component_forecast(&u, geo, 9, 1, 1, 8, und);
  steps = 0, pw = 1;
  for (int s = 0; s < 8; s++) {
    steps += pw, pw *= phi;
    double want = und[s] * pow(2.0, -(s + 1 - steps) / 3);
    EXPECT(fabs(out[s] - want) <= 1e-12 * want, "log profile step %d: %.17g, want %.17g", s + 1,
           out[s], want);
  }
  /* Seasonal naive with trend: each repetition's move damped phi^3 a cycle. */
  c = (rnn_component){RNN_COMP_SNAIVE_TREND_DAMPED, 3, 3};
  rnn_component_forecast(&c, lin, 9, 1, 0, 8, out);
  double cycle = phi * phi * phi;
  for (int s = 0; s < 8; s++) {
    double move = 3 * (s < 3 ? 1 : s < 6 ? 1 + cycle : 1 + cycle + cycle * cycle);
    EXPECT(fabs(out[s] - (lin[6 + s % 3] + move)) <= 1e-12, "snaive step %d: %.17g", s + 1, out[s]);
  }
  /* Long horizons: the move stays finite and bounded by 1 / (1 - phi). */
  static double far[20000];
  c = (rnn_component){RNN_COMP_DRIFT_DAMPED, 3, 0};
  rnn_component_forecast(&c, lin, 9, 1, 0, 20000, far);
  EXPECT(far[0] == 10 && far[19999] > 9 + 1 / (1 - phi) - 1e-9 && far[19999] <= 9 + 1 / (1 - phi),
         "far: %.17g %.17g", far[0], far[19999]);

  rnn_component cand[RNN_MAX_CANDIDATES];
  int n = rnn_candidates(cand, 24, 168, 48, 2000, 1), damped = 0, undamped_kinds = 0;
  for (int i = 0; i < n; i++) {
    damped += rnn_component_damping(cand[i].kind) == phi;
    undamped_kinds += cand[i].kind == RNN_COMP_DRIFT || cand[i].kind == RNN_COMP_PROFILE_TREND ||
                      cand[i].kind == RNN_COMP_SNAIVE_TREND;
  }
  EXPECT(n == 12 && damped == 5 && undamped_kinds == 0, "%d candidates, %d damped, %d not", n,
         damped, undamped_kinds);
  EXPECT_STR(rnn_component_name(RNN_COMP_SNAIVE_TREND_DAMPED), "damped_seasonal_naive_trend");

  /* In a model's BLOB: read from format 8, corrupt in format 7. */
  static double y[400];
  for (int i = 0; i < 400; i++) y[i] = 50 + 0.1 * i + 10 * sin(2 * M_PI * i / 24);
  rnn_model *m = default_model(y, 400, 2);
  if (!m) return;
  int has = 0;
  for (int i = 0; i < m->n_cand; i++) has += rnn_component_damping(m->cand[i].kind) < 1;
  EXPECT(has == 5, "%d damped candidates", has);
  unsigned char *blob = NULL;
  size_t len = 0;
  char msg[256];
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(blob[8] == 8 && decode_status(blob, len, msg) == RNN_OK, "format 8: %s", msg);
  EXPECT(decode_as(blob, len, 7, msg) == RNN_ECORRUPT, "damped kinds in format 7");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  rnn_free(blob);
  rnn_model_free(m);
}

/* Format 7's bands that grow with the square root of the forecast
** (components.c rule 5): who gets them, what they do, and what the reader
** takes of the level L, the last eight bytes of COMP. */
static void test_sqrt_bands(void) {
  static double y[400];
  for (int i = 0; i < 400; i++) y[i] = 50 + 30 * sin(2 * M_PI * i / 24) + (i * 7919 % 13) * 0.3;
  rnn_model *m = default_model(y, 400, 2);
  if (!m) return;
  for (int i = 0; i < m->n_cand; i++) m->cand[i].kind = undamped(m->cand[i].kind);
  for (int i = 0; i < m->n_comp; i++) m->comp[i].kind = undamped(m->comp[i].kind);
  double sum = 0;
  for (int i = 0; i < 400 - 40; i++) sum += y[i]; /* the training rows */
  EXPECT(m->fc_flags & RNN_FC_SQRT && m->cal_level > 20 && m->cal_level < 80,
         "flags %d, level %g (mean of all rows %g)", m->fc_flags, m->cal_level, sum / 360);
  /* The half-width at forecast f is the one at L times sqrt(f / L), floored
  ** at L / 100; a forecast that is not a number takes the floor. */
  double at_l, at_4l, low, nan_f;
  double L = m->cal_level;
  rnn_interval(m, 3, 0.9, L, &at_l);
  rnn_interval(m, 3, 0.9, 4 * L, &at_4l);
  rnn_interval(m, 3, 0.9, L / 1000, &low);
  rnn_interval(m, 3, 0.9, NAN, &nan_f);
  EXPECT(at_l > 0 && fabs(at_4l - 2 * at_l) <= 1e-12 * at_l &&
             fabs(low - 0.1 * at_l) <= 1e-12 * at_l && low == nan_f,
         "half-widths %.17g %.17g %.17g %.17g", at_l, at_4l, low, nan_f);
  unsigned char *blob = NULL;
  size_t len = 0, at, n;
  char msg[256];
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(blob[8] == 8, "format %d", blob[8]);
  /* its kinds as format 7 had them */
  EXPECT(decode_as(blob, len, 7, msg) == RNN_OK, "format 7: %s", msg);
  EXPECT(find_chunk(blob, len, "COMP", &at, &n), "a COMP chunk");
  double back;
  memcpy(&back, blob + at + n - 8, 8); /* little-endian hosts */
  EXPECT(back == L, "level stored %.17g, model %.17g", back, L);
  /* Older formats have no such flag. */
  EXPECT(decode_as(blob, len, 6, msg) == RNN_ECORRUPT, "the flag in format 6");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  blob[8] = 7;
  /* The level must be finite and positive. */
  const double bad[] = {0.0, -1.0, NAN, INFINITY};
  for (int i = 0; i < 4; i++) {
    memcpy(blob + at + n - 8, &bad[i], 8);
    reseal(blob, len);
    EXPECT(decode_status(blob, len, msg) == RNN_ECORRUPT, "level %g", bad[i]);
    EXPECT_STR(msg, "corrupt rnn model (components)");
  }
  rnn_free(blob);
  /* A series with a value that is not positive keeps additive bands. */
  y[17] = -1;
  rnn_model *a = default_model(y, 400, 2);
  EXPECT(a && !(a->fc_flags & RNN_FC_SQRT), "additive when a value is not positive");
  if (a) {
    double h1, h2;
    rnn_interval(a, 3, 0.9, 1.0, &h1);
    rnn_interval(a, 3, 0.9, 1000.0, &h2);
    EXPECT(h1 == h2 && h1 > 0, "additive half-widths %g %g", h1, h2);
  }
  rnn_model_free(a);
  rnn_model_free(m);
}

static void test_median_of_three(void) {
  double a[3] = {4, -1, 2}, b[3] = {1, 2, NAN}, c[2] = {1, 3};
  EXPECT(rnn_combine(RNN_FC_MEDIAN, a, 3, -1) == 2, "median %g", rnn_combine(RNN_FC_MEDIAN, a, 3, -1));
  EXPECT(isnan(rnn_combine(RNN_FC_MEDIAN, b, 3, -1)), "a NaN member gives NaN");
  b[2] = INFINITY; /* outvoted, it would hide a forecast that is not finite */
  EXPECT(isinf(rnn_combine(RNN_FC_MEDIAN, b, 3, -1)), "an infinite member gives Inf");
  EXPECT(fabs(rnn_combine(0, a, 3, -1) - 5.0 / 3) < 1e-15, "mean %g", rnn_combine(0, a, 3, -1));
  EXPECT(rnn_combine(0, c, 2, 0) == 2, "mean with the network %g", rnn_combine(0, c, 2, 0));

  /* A daily cycle with noise: the default forecaster. */
  static double y[400];
  for (int i = 0; i < 400; i++)
    y[i] = 50 + 10 * sin(2 * M_PI * i / 24) + (i * 7919 % 13) * 0.3;
  rnn_options o;
  rnn_options_init(&o);
  o.hidden = 4, o.epochs = 2;
  rnn_model *m = NULL, *d = NULL;
  rnn_err e;
  EXPECT(rnn_train(&m, y, NULL, 400, 0, &o, NULL, &e) == RNN_OK && m, "train: %s", e.msg);
  if (!m) return;
  EXPECT(m->n_comp >= 1 && (m->n_comp == 3) == !!(m->fc_flags & RNN_FC_MEDIAN),
         "%d components, flags %d", m->n_comp, m->fc_flags);
  m->fc_flags &= ~RNN_FC_SQRT; /* format 7's (test_sqrt_bands) */

  /* rnn_predict combines what the components forecast, step by step. */
  m->n_comp = 3;
  m->fc_flags |= RNN_FC_MEDIAN;
  m->comp[0] = (rnn_component){RNN_COMP_NAIVE, 0, 0};
  m->comp[1] = (rnn_component){RNN_COMP_DRIFT, 48, 0};
  m->comp[2] = (rnn_component){RNN_COMP_SNAIVE, 24, 0};
  double got[30], part[3][30];
  EXPECT(rnn_predict(m, NULL, 30, got, &e) == RNN_OK, "predict: %s", e.msg);
  for (int i = 0; i < 3; i++)
    rnn_component_forecast(&m->comp[i], m->tail, (size_t)m->tail_rows, 1, 0, 30, part[i]);
  int same = 1;
  for (int s = 0; s < 30; s++) {
    double f[3] = {part[0][s], part[1][s], part[2][s]};
    double lo = fmin(fmin(f[0], f[1]), f[2]), hi = fmax(fmax(f[0], f[1]), f[2]);
    double med = f[0] + f[1] + f[2] - lo - hi;
    same &= fabs(got[s] - med) <= 1e-9 * fabs(med);
  }
  EXPECT(same, "rnn_predict is the median of its components");

  /* What the reader takes: flag and count agree, and only from format 5.
  ** Format 4 had no seasonal naive with trend: the candidates here leave
  ** it out (test_snaive_trend checks its own format), nor damped kinds. */
  int kept = 0;
  for (int i = 0; i < m->n_cand; i++)
    if ((m->cand[i].kind = undamped(m->cand[i].kind)) != RNN_COMP_SNAIVE_TREND)
      m->cand_mae[kept] = m->cand_mae[i], m->cand[kept++] = m->cand[i];
  m->n_cand = kept;
  unsigned char *blob = NULL;
  size_t len = 0;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(decode_status(blob, len, NULL) == RNN_OK, "three components, median");
  char msg[256];
  size_t len4 = as_format4(blob, len, rnn_history_len(m));
  EXPECT(decode_status(blob, len4, msg) == RNN_ECORRUPT, "the median in format 4");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  /* ... and the same BLOB without the median reads as format 4. */
  rnn_free(blob), blob = NULL;
  m->n_comp = 2, m->fc_flags &= ~RNN_FC_MEDIAN;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  len4 = as_format4(blob, len, rnn_history_len(m));
  EXPECT(decode_status(blob, len4, msg) == RNN_OK, "format 4 layout: %s", msg);
  m->n_comp = 3, m->fc_flags |= RNN_FC_MEDIAN;
  rnn_free(blob), blob = NULL;
  m->n_comp = 2;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(decode_status(blob, len, msg) == RNN_ECORRUPT, "the median of two");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  rnn_free(blob), blob = NULL;
  m->n_comp = 3;
  m->fc_flags &= ~RNN_FC_MEDIAN;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(decode_status(blob, len, msg) == RNN_ECORRUPT, "three without the median");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  rnn_free(blob), blob = NULL;
  /* The network twice (its forecast would fill one slot of two). */
  m->n_comp = 2, m->fc_flags &= ~RNN_FC_MEDIAN;
  m->comp[0] = m->comp[1] = (rnn_component){RNN_COMP_NETWORK, 0, 0};
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(decode_status(blob, len, msg) == RNN_ECORRUPT, "the network twice");
  EXPECT_STR(msg, "corrupt rnn model (components)");
  rnn_free(blob);
  rnn_model_free(m);
  rnn_model_free(d);
}

/* A long run keeps 1000 evenly spaced losses (blob.c rule 10): the last
** epoch's last, the same values as in memory, and a decoded model
** re-encodes to the same bytes. */
static void test_history_bounded(void) {
  double y[30];
  for (int i = 0; i < 30; i++) y[i] = 3.0 + sin(i * 0.9);
  rnn_options o;
  rnn_options_init(&o);
  o.hidden = 2, o.window = 4, o.epochs = 1300, o.patience = 100000;
  o.method = RNN_METHOD_NETWORK;
  rnn_model *m = NULL, *d = NULL;
  rnn_err e;
  EXPECT(rnn_train(&m, y, NULL, 30, 0, &o, NULL, &e) == RNN_OK && m, "train: %s", e.msg);
  if (!m) return;
  EXPECT(m->epochs_run == 1300 && rnn_history_len(m) == 1300, "%d epochs", m->epochs_run);
  unsigned char *blob = NULL, *again = NULL;
  size_t len = 0, len2 = 0;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_OK && d, "decode: %s", e.msg);
  if (d) {
    EXPECT(d->epochs_run == 1300 && rnn_history_len(d) == RNN_MAX_HISTORY, "kept %d",
           rnn_history_len(d));
#define EPOCH(i) (rnn_history_pick(d->epochs_run, rnn_history_len(d), (i)) + 1)
    EXPECT(EPOCH(0) == 1 && EPOCH(1) == 2 && EPOCH(RNN_MAX_HISTORY - 1) == 1300,
           "epochs %d %d %d", EPOCH(0), EPOCH(1), EPOCH(RNN_MAX_HISTORY - 1));
    int same = 1;
    for (int i = 0; i < RNN_MAX_HISTORY; i++) {
      int ep = EPOCH(i);
      same &= d->train_loss[i] == m->train_loss[ep - 1] &&
              (d->val_loss[i] == m->val_loss[ep - 1] ||
               (isnan(d->val_loss[i]) && isnan(m->val_loss[ep - 1])));
    }
    EXPECT(same, "the kept values are those of their epochs");
#undef EPOCH
    EXPECT(rnn_model_encode(d, &again, &len2) == RNN_OK && len2 == len &&
               !memcmp(again, blob, len),
           "a decoded model re-encodes to the same bytes");
    /* A count that is not min(epochs, 1000) is corrupt. */
    d->history = 999;
    rnn_free(again), again = NULL;
    EXPECT(rnn_model_encode(d, &again, &len2) == RNN_OK, "encode");
    char msg[256];
    EXPECT(decode_status(again, len2, msg) == RNN_ECORRUPT, "999 values of 1300 epochs");
    EXPECT_STR(msg, "corrupt rnn model (training record)");
  }
  rnn_free(blob);
  rnn_free(again);
  rnn_model_free(m);
  rnn_model_free(d);
}

/* A standard normal draw (Box-Muller on the core's generator). */
static double normal(rnn_rng *g) {
  double u = (rnn_rng_next(g) >> 11) * 0x1p-53, v = (rnn_rng_next(g) >> 11) * 0x1p-53;
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* predict.c rule 10's ratio written out plainly: mean absolute values,
** the recent ones capped at the largest calibration error. */
static double plain_ratio(const double *c, int n, const double *rec, int k) {
  double a = 0, s = 0;
  int known = 0;
  for (int i = 0; i < n; i++) a += c[i];
  a /= n;
  for (int i = k > RNN_SURPRISE_RECENT ? k - RNN_SURPRISE_RECENT : 0; i < k; i++)
    if (!isnan(rec[i])) s += fmin(fabs(rec[i]), c[n - 1]), known++;
  return (RNN_SURPRISE_PRIOR * a + s) / (RNN_SURPRISE_PRIOR + known) / a;
}

/* rnn_anomaly at the scale of the recent errors (predict.c rule 10): the
** formula; no recent errors (none, all missing) is rnn_surprise; only the
** last RNN_SURPRISE_RECENT count; one huge recent error counts as the
** largest calibration error, so it cannot hide the next spike; on errors
** drawn at three times the model's scale, with recent errors drawn alike,
** fewer false alarms; infinite errors score, never NaN. */
static void test_surprise_recent(void) {
  rnn_rng g;
  rnn_rng_seed(&g, 11);
  rnn_model m = {0};
  double surp[RNN_MAX_SURPRISE];
  for (int i = 0; i < RNN_MAX_SURPRISE; i++) surp[i] = fabs(normal(&g));
  rnn_sort_doubles(surp, RNN_MAX_SURPRISE);
  m.surp = surp, m.surp_n = RNN_MAX_SURPRISE;
  double three[3] = {2.0, NAN, -2.5};
  double ratio = plain_ratio(surp, RNN_MAX_SURPRISE, three, 3);
  EXPECT(ratio > 1 && fabs(rnn_surprise_recent(&m, 1.5, three, 3) - rnn_surprise(&m, 1.5 / ratio)) < 1e-12,
         "formula: %.17g against %.17g", rnn_surprise_recent(&m, 1.5, three, 3),
         rnn_surprise(&m, 1.5 / ratio));
  double nans[2] = {NAN, NAN};
  EXPECT(rnn_surprise_recent(&m, 1.5, NULL, 0) == rnn_surprise(&m, 1.5) &&
             rnn_surprise_recent(&m, 1.5, nans, 2) == rnn_surprise(&m, 1.5),
         "no recent errors");
  double many[RNN_SURPRISE_RECENT + 1];
  many[0] = 1e6;
  for (int i = 1; i <= RNN_SURPRISE_RECENT; i++) many[i] = 0.5;
  EXPECT(rnn_surprise_recent(&m, 2.0, many, RNN_SURPRISE_RECENT + 1) ==
             rnn_surprise_recent(&m, 2.0, many + 1, RNN_SURPRISE_RECENT),
         "only the last %d count", RNN_SURPRISE_RECENT);
  EXPECT(rnn_surprise_recent(&m, 2.0, many + 1, RNN_SURPRISE_RECENT) > rnn_surprise(&m, 2.0),
         "calm recent errors lower the bar");
  double spike[4] = {1e6, 0.8, 0.8, 0.8}, top[4] = {surp[RNN_MAX_SURPRISE - 1], 0.8, 0.8, 0.8};
  EXPECT(rnn_surprise_recent(&m, 5.0, spike, 4) == rnn_surprise_recent(&m, 5.0, top, 4) &&
             rnn_surprise_recent(&m, 5.0, spike, 4) > 0.99,
         "a spike three rows before hides a 5-sd error: %g",
         rnn_surprise_recent(&m, 5.0, spike, 4));
  /* Recent errors like the model's: the promise holds to sampling error.
  ** A run at three times the scale: fewer than half the false alarms of
  ** the model's errors alone (not 1%: the prior and the cap at the largest
  ** calibration error hold the scale back). */
  for (int sd = 1; sd <= 3; sd += 2) {
    int above99 = 0, plain99 = 0, above50 = 0, draws = 20000;
    double recent[RNN_SURPRISE_RECENT];
    for (int i = 0; i < draws; i++) {
      for (int j = 0; j < RNN_SURPRISE_RECENT; j++) recent[j] = sd * normal(&g);
      double e = sd * normal(&g), s = rnn_surprise_recent(&m, e, recent, RNN_SURPRISE_RECENT);
      EXPECT(s >= 0 && s <= 1, "score %g outside [0, 1]", s);
      above99 += s > 0.99, above50 += s > 0.5, plain99 += rnn_surprise(&m, e) > 0.99;
    }
    if (sd == 1)
      EXPECT(above99 > 0.004 * draws && above99 < 0.02 * draws &&
                 above50 > 0.45 * draws && above50 < 0.55 * draws,
             "same scale: %d above 0.99, %d above 0.5 of %d", above99, above50, draws);
    else
      EXPECT(2 * above99 < plain99 && plain99 > 0.3 * draws,
             "three times the scale: %d (against the model's errors alone %d) of %d above 0.99",
             above99, plain99, draws);
  }
  double inf[1] = {INFINITY}, huge[1] = {1e300};
  EXPECT(rnn_surprise_recent(&m, INFINITY, inf, 1) == 1.0 &&
             rnn_surprise_recent(&m, 5.0, inf, 1) == rnn_surprise_recent(&m, 5.0, huge, 1) &&
             rnn_surprise_recent(&m, 1e300, huge, 1) == 1.0,
         "infinite and huge errors");
  EXPECT(isnan(rnn_surprise_recent(&m, NAN, three, 3)), "NaN error");
  /* Without one-step errors: recent errors are scaled by the step-1 scale,
  ** as the scored error is. */
  double pool[100], scale[2] = {3.0, 4.0};
  for (int i = 0; i < 100; i++) pool[i] = i / 50.0;
  m.surp = NULL, m.surp_n = 0;
  m.cal_resid = pool, m.cal_n = 100, m.cal_steps = 2, m.cal_scale = scale;
  m.cal_origins = 50;
  double six[1] = {6.0}, six_scaled[1] = {2.0};
  ratio = plain_ratio(pool, 100, six_scaled, 1);
  EXPECT(fabs(rnn_surprise_recent(&m, 3.0, six, 1) - rnn_surprise(&m, 3.0 / ratio)) < 1e-12,
         "pooled: %.17g against %.17g", rnn_surprise_recent(&m, 3.0, six, 1),
         rnn_surprise(&m, 3.0 / ratio));
}

/* The shift of a run of errors (predict.c rule 10): the median of the last
** `run` errors when all are known and of one sign, else 0. */
static void test_surprise_shift(void) {
  double up[10] = {-9, 5, 1, 3, 2, 8, 4, 6, 7, 9}; /* the last 9: 1..9 */
  EXPECT(rnn_surprise_shift(up, 10, 9) == 5.0, "median of 1..9: %g", rnn_surprise_shift(up, 10, 9));
  EXPECT(rnn_surprise_shift(up, 10, 10) == 0.0, "one error of the other sign");
  EXPECT(rnn_surprise_shift(up, 8, 9) == 0.0, "fewer errors than the run");
  EXPECT(rnn_surprise_shift(up, 10, 4) == 6.5, "even run: %g", rnn_surprise_shift(up, 10, 4));
  double down[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
  EXPECT(rnn_surprise_shift(down, 9, 9) == -5.0, "negative run");
  down[4] = NAN;
  EXPECT(rnn_surprise_shift(down, 9, 9) == 0.0, "an unknown error breaks the run");
  down[4] = 0.0;
  EXPECT(rnn_surprise_shift(down, 9, 9) == 0.0, "an exact forecast breaks the run");
  double infs[9] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, 1, 2, 3, 4};
  EXPECT(rnn_surprise_shift(infs, 9, 9) == 0.0, "infinite errors are of neither sign");
  double huge[2] = {DBL_MAX, DBL_MAX};
  EXPECT(rnn_surprise_shift(huge, 2, 2) == DBL_MAX, "even run of DBL_MAX: %g",
         rnn_surprise_shift(huge, 2, 2));
  EXPECT(rnn_surprise_shift(down, 9, 0) == 0.0 &&
             rnn_surprise_shift(down, 9, RNN_SURPRISE_RECENT + 1) == 0.0,
         "runs outside 1..RNN_SURPRISE_RECENT");
}

/* A model that records a run (surp_run) scores an error, and the recent
** errors' scale, less the shift of the run before it: a spike against a
** run is found, the run's own errors are ordinary; without a run, or for
** models of earlier builds (surp_run 0), the scores are as before. */
static void test_surprise_run(void) {
  rnn_rng g;
  rnn_rng_seed(&g, 12);
  double surp[RNN_MAX_SURPRISE];
  for (int i = 0; i < RNN_MAX_SURPRISE; i++) surp[i] = fabs(normal(&g));
  rnn_sort_doubles(surp, RNN_MAX_SURPRISE);
  rnn_model old = {0}, run = {0};
  old.surp = run.surp = surp, old.surp_n = run.surp_n = RNN_MAX_SURPRISE;
  run.surp_run = RNN_SURPRISE_RUN;
  double recent[RNN_SURPRISE_RECENT], less[RNN_SURPRISE_RECENT];
  for (int i = 0; i < RNN_SURPRISE_RECENT; i++) recent[i] = -4.0 - 0.1 * normal(&g);
  double shift = rnn_surprise_shift(recent, RNN_SURPRISE_RECENT, RNN_SURPRISE_RUN);
  for (int i = 0; i < RNN_SURPRISE_RECENT; i++) less[i] = recent[i] - shift;
  EXPECT(shift < -3.5, "shift %g", shift);
  EXPECT(rnn_surprise_recent(&run, 1.0, recent, RNN_SURPRISE_RECENT) ==
             rnn_surprise_recent(&old, 1.0 - shift, less, RNN_SURPRISE_RECENT),
         "measured from the shift");
  EXPECT(rnn_surprise_recent(&run, 1.0, recent, RNN_SURPRISE_RECENT) > 0.99 &&
             rnn_surprise_recent(&old, 1.0, recent, RNN_SURPRISE_RECENT) < 0.9,
         "a 5-sd spike against the run: %g (without the shift %g)",
         rnn_surprise_recent(&run, 1.0, recent, RNN_SURPRISE_RECENT),
         rnn_surprise_recent(&old, 1.0, recent, RNN_SURPRISE_RECENT));
  EXPECT(rnn_surprise_recent(&run, shift, recent, RNN_SURPRISE_RECENT) < 0.5,
         "the run's own error is ordinary");
  double infs[RNN_SURPRISE_RECENT];
  for (int i = 0; i < RNN_SURPRISE_RECENT; i++) infs[i] = INFINITY;
  EXPECT(rnn_surprise_recent(&run, INFINITY, infs, RNN_SURPRISE_RECENT) == 1.0,
         "infinite errors: %g", rnn_surprise_recent(&run, INFINITY, infs, RNN_SURPRISE_RECENT));
  recent[RNN_SURPRISE_RECENT - 3] = 0.5; /* no run */
  EXPECT(rnn_surprise_recent(&run, 1.0, recent, RNN_SURPRISE_RECENT) ==
             rnn_surprise_recent(&old, 1.0, recent, RNN_SURPRISE_RECENT),
         "no run, no shift");
}

/* blob.c rule 15: SRUN goes with SURP; a run outside 1..24 or SRUN without
** SURP is corrupt; a BLOB without it (an earlier build's) scores as
** before. */
static void test_surprise_run_chunk(void) {
  rnn_model *m = small_model(1), *back = NULL;
  EXPECT(m->surp_n > 0 && m->surp_run == RNN_SURPRISE_RUN, "run %d of %d errors", m->surp_run,
         m->surp_n);
  unsigned char *blob, *c;
  size_t len, at, n;
  char msg[256];
  rnn_model_encode(m, &blob, &len);
  EXPECT(rnn_model_decode(&back, blob, len, NULL) == RNN_OK && back &&
             back->surp_run == RNN_SURPRISE_RUN,
         "run read back");
  rnn_model_free(back);
  EXPECT(find_chunk(blob, len, "SRUN", &at, &n) && n == 4, "an SRUN chunk of 4 bytes");
  c = malloc(len);
  unsigned char bad[2] = {0, RNN_SURPRISE_RECENT + 1};
  for (int i = 0; i < 2; i++) {
    memcpy(c, blob, len);
    c[at] = bad[i];
    reseal(c, len);
    EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "run %d", bad[i]);
    EXPECT_STR(msg, "corrupt rnn model (one-step errors' run)");
  }
  size_t sat, sn;
  memcpy(c, blob, len);
  EXPECT(find_chunk(c, len, "SURP", &sat, &sn), "SURP");
  memcpy(c + sat - 8, "SURQ", 4); /* an unknown chunk: skipped */
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "SRUN without SURP");
  EXPECT_STR(msg, "corrupt rnn model (one-step errors' run)");
  memcpy(c, blob, len);
  memmove(c + at - 8, c + at + n, len - (at + n));
  size_t cut = len - 8 - n;
  for (int i = 0; i < 4; i++) c[12 + i] = (unsigned char)(cut >> (8 * i));
  reseal(c, cut);
  EXPECT(rnn_model_decode(&back, c, cut, NULL) == RNN_OK && back && back->surp_run == 0 &&
             back->surp_n == m->surp_n,
         "without SRUN: an earlier build's errors");
  rnn_model_free(back);
  free(c);
  rnn_free(blob);
  rnn_model_free(m);
}

/* blob.c rule 16: IRRG, why a series had no step, reads back as written;
** in a model with a step, with a reason or a count out of range, or with
** a ts outside the model's or of another kind, it is corrupt. */
static void test_irregular_chunk(void) {
  rnn_model *m = small_model(1), *back = NULL;
  m->step = (rnn_step){0};
  m->first_ts = (rnn_ts){.kind = RNN_TS_INT, .i = 1, .r = 1.0};
  m->last_ts = (rnn_ts){.kind = RNN_TS_INT, .i = 60, .r = 60.0};
  m->rows = 60;
  const rnn_irregular good = {.reason = RNN_IRR_OFF_GRID, .count = 2, .rows = 60,
                              .at = {.kind = RNN_TS_INT, .i = 7, .r = 7.0},
                              .step = {.kind = RNN_STEP_NUMBER, .integer = 1, .num = 2.0}};
  m->irregular = good;
  unsigned char *blob = NULL;
  size_t len = 0, at, n;
  char msg[256];
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&back, blob, len, NULL) == RNN_OK && back &&
             back->irregular.reason == RNN_IRR_OFF_GRID && back->irregular.count == 2 &&
             back->irregular.at.i == 7 && back->irregular.step.num == 2.0,
         "read back");
  rnn_model_free(back), back = NULL;
  /* TRAI's step (after rows, missing and two ts: byte 56) made a number. */
  EXPECT(find_chunk(blob, len, "IRRG", &at, &n) && find_chunk(blob, len, "TRAI", &at, &n),
         "IRRG and TRAI");
  unsigned char *c = malloc(len);
  memcpy(c, blob, len);
  c[at + 56] = RNN_STEP_NUMBER;
  memcpy(c + at + 64, &(double){1.0}, 8);
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "IRRG with a step");
  EXPECT_STR(msg, "corrupt rnn model (irregular ts)");
  free(c);
  rnn_free(blob), blob = NULL;
  rnn_irregular bad[9];
  for (int i = 0; i < 9; i++) bad[i] = good;
  bad[7].rows = 61; /* more than the model's */
  bad[8].rows = 1;  /* fewer than the count */
  bad[0].reason = RNN_IRR_COUNT;
  bad[1].count = 61; /* more than its rows */
  bad[2].at = (rnn_ts){.kind = RNN_TS_INT, .i = 61, .r = 61.0};
  bad[3].at = (rnn_ts){.kind = RNN_TS_DATE, .i = 7, .r = 7.0};
  bad[4].reason = RNN_IRR_SPAN; /* with a ts and a count */
  bad[5].step.num = 2.5;        /* an INTEGER step that is not whole */
  bad[6].reason = RNN_IRR_MONTH_DAY; /* in a numeric series */
  for (int i = 0; i < 9; i++) {
    m->irregular = bad[i];
    EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode %d", i);
    EXPECT(decode_status(blob, len, msg) == RNN_ECORRUPT, "bad IRRG %d", i);
    EXPECT_STR(msg, "corrupt rnn model (irregular ts)");
    rnn_free(blob), blob = NULL;
  }
  /* A regular model writes none. */
  m->step = (rnn_step){.kind = RNN_STEP_NUMBER, .integer = 1, .num = 1.0};
  m->irregular = good;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK && !find_chunk(blob, len, "IRRG", &at, &n),
         "no IRRG with a step");
  rnn_free(blob);
  rnn_model_free(m);
}

/* timestamp.c rules 8-9 on the cases rnn_info explains. */
static void test_grid_why(void) {
  rnn_ts ts[40];
  rnn_irregular q;
  for (int i = 0; i < 40; i++) ts[i] = (rnn_ts){.kind = RNN_TS_INT, .i = 3 * i, .r = 3.0 * i};
  ts[9].i = 28, ts[9].r = 28.0; /* 27 + 1 */
  EXPECT(rnn_grid_why(ts, 40, &q) == RNN_OK && q.reason == RNN_IRR_OFF_GRID && q.count == 1 &&
             q.at.i == 28 && q.step.num == 3.0,
         "int: reason %d count %lld at %lld", q.reason, (long long)q.count, (long long)q.at.i);
  for (int i = 0; i < 40; i++) {
    ts[i] = (rnn_ts){.kind = RNN_TS_REAL, .r = 0.1 * i};
    ts[i].i = (int64_t)ts[i].r;
  }
  EXPECT(rnn_grid_why(ts, 40, &q) == RNN_OK && q.reason == RNN_IRR_OTHER,
         "0.1 steps read as on the grid: reason %d count %lld", q.reason, (long long)q.count);
  ts[39].r = 3.95;
  EXPECT(rnn_grid_why(ts, 40, &q) == RNN_OK && q.reason == RNN_IRR_OFF_GRID && q.count == 1 &&
             q.at.r == 3.95,
         "real: reason %d count %lld", q.reason, (long long)q.count);
  EXPECT(rnn_grid_why(ts, 1, &q) == RNN_OK && q.reason == RNN_IRR_NONE, "one ts");
  /* Differences beyond a double (no cast of NaN or infinity: UBSan). */
  ts[0].r = -1e308, ts[1].r = 1e308;
  EXPECT(rnn_grid_why(ts, 2, &q) == RNN_OK && q.reason == RNN_IRR_SPAN, "span: %d", q.reason);
}

/* rnn_anomaly's score (predict.c rule 10): on errors drawn like the
** model's own one-step errors, 1% score above 0.99 and half above 0.5; a
** spike of 5 standard deviations scores above 0.999; larger errors score
** higher; models of earlier builds score on the pooled interval errors. */
static void test_surprise(void) {
  rnn_rng g;
  rnn_rng_seed(&g, 7);
  rnn_model m = {0};
  double surp[RNN_MAX_SURPRISE];
  for (int i = 0; i < RNN_MAX_SURPRISE; i++) surp[i] = fabs(2.0 * normal(&g));
  rnn_sort_doubles(surp, RNN_MAX_SURPRISE);
  m.surp = surp, m.surp_n = RNN_MAX_SURPRISE;
  int above99 = 0, above50 = 0, draws = 200000;
  for (int i = 0; i < draws; i++) {
    double s = rnn_surprise(&m, 2.0 * normal(&g));
    EXPECT(s >= 0 && s <= 1, "score %g outside [0, 1]", s);
    above99 += s > 0.99, above50 += s > 0.5;
  }
  /* The 200 errors are a sample: the promise holds to sampling error. */
  EXPECT(above99 > 0.004 * draws && above99 < 0.02 * draws, "%d of %d above 0.99", above99, draws);
  EXPECT(above50 > 0.45 * draws && above50 < 0.55 * draws, "%d of %d above 0.5", above50, draws);
  EXPECT(rnn_surprise(&m, 10.0) > 0.999, "5 sd: %g", rnn_surprise(&m, 10.0));
  EXPECT(rnn_surprise(&m, -10.0) == rnn_surprise(&m, 10.0), "sign matters");
  double last = -1;
  for (double e = 0; e < 20; e += 0.01) {
    double s = rnn_surprise(&m, e);
    EXPECT(s >= last, "not monotone at %g: %g after %g", e, s, last);
    last = s;
  }
  EXPECT(rnn_surprise(&m, INFINITY) == 1.0, "infinite error");
  EXPECT(isnan(rnn_surprise(&m, NAN)), "NaN error");
  /* Ties count half: five errors above 1 and three equal of ten. */
  double ten[10] = {0, 0, 1, 1, 1, 2, 2, 3, 4, 5};
  m.surp = ten, m.surp_n = 10;
  EXPECT(fabs(rnn_surprise(&m, 1.0) - (1 - (5 + 0.5 * 3) / 10.0)) < 1e-12, "ties: %g",
         rnn_surprise(&m, 1.0));
  /* Fewer than ten: the exponential of their mean (here 1) throughout. */
  m.surp_n = 4, m.surp = (double[4]){0, 1, 1, 2};
  EXPECT(fabs(rnn_surprise(&m, 2.0) - (1 - exp(-2.0))) < 1e-12, "few: %g",
         rnn_surprise(&m, 2.0));
  /* Exact forecasts: any error is as surprising as can be. */
  double zeros[20] = {0};
  m.surp = zeros, m.surp_n = 20;
  EXPECT(rnn_surprise(&m, 1e-9) == 1.0 && rnn_surprise(&m, 0.0) == 0.5, "zeros");
  /* Without one-step errors: the pooled calibration errors, step-1 scale. */
  double pool[100], scale[2] = {3.0, 4.0};
  for (int i = 0; i < 100; i++) pool[i] = i / 50.0;
  m.surp = NULL, m.surp_n = 0;
  EXPECT(isnan(rnn_surprise(&m, 1.0)), "no calibration");
  m.cal_resid = pool, m.cal_n = 100, m.cal_steps = 2, m.cal_scale = scale;
  m.cal_origins = 50;
  EXPECT(fabs(rnn_surprise(&m, 3.0) - (1 - 49.5 / 100)) < 1e-12, "pooled: %g",
         rnn_surprise(&m, 3.0));

  /* A trained model keeps its one-step errors, ascending, through the BLOB;
  ** one out of order, or a count that disagrees, is corrupt. */
  rnn_model *t = small_model(3);
  /* Rows after a full window (train.c rule 15), less the missing row 7. */
  int want = 60 - t->arch.window - (t->arch.window <= 7);
  EXPECT(t->surp_n == want, "one-step errors: %d, want %d", t->surp_n, want);
  unsigned char *blob;
  size_t len, at, n;
  rnn_model_encode(t, &blob, &len);
  rnn_model *back = NULL;
  rnn_err e;
  EXPECT(rnn_model_decode(&back, blob, len, &e) == RNN_OK, "decode: %s", e.msg);
  EXPECT(back && back->surp_n == t->surp_n &&
             memcmp(back->surp, t->surp, (size_t)t->surp_n * sizeof *t->surp) == 0,
         "one-step errors round trip");
  rnn_model_free(back);
  EXPECT(find_chunk(blob, len, "SURP", &at, &n) && n == 4 + (size_t)want * 8, "SURP chunk");
  char msg[256];
  unsigned char *c = malloc(len);
  memcpy(c, blob, len);
  memcpy(c + at + 4, blob + at + 4 + 8, 8); /* errors[0] = errors[1] */
  memcpy(c + at + 4 + 8, blob + at + 4, 8); /* errors[1] = errors[0] */
  reseal(c, len);
  EXPECT(t->surp[0] == t->surp[1] || decode_status(c, len, msg) == RNN_ECORRUPT, "order");
  memcpy(c, blob, len);
  c[at] = (unsigned char)(want - 1);
  reseal(c, len);
  EXPECT(decode_status(c, len, msg) == RNN_ECORRUPT, "count");
  EXPECT_STR(msg, "corrupt rnn model (one-step errors)");
  free(c);
  rnn_free(blob);
  rnn_model_free(t);
}

/* The covariates' effect (core/xreg.c): least squares on the changes,
** the held-out test, and the XREG chunk. */
static void test_xreg(void) {
  enum { N = 300, C = 3 };
  static double v[N * C];
  rnn_rng g;
  rnn_rng_seed(&g, 3);
  /* Exact: y = trend + 2 x1 - 0.5 x2, so the changes have no error. */
  for (int i = 0; i < N; i++) {
    double x1 = normal(&g), x2 = 5 + normal(&g);
    v[i * C + 1] = x1, v[i * C + 2] = x2;
    v[i * C] = 0.1 * i + 2 * x1 - 0.5 * x2;
  }
  double beta[C - 1], share;
  int keep;
  EXPECT(rnn_xreg_fit(v, N, C, 250, RNN_XREG_AUTO, C - 1, beta, &share, &keep) == RNN_OK, "fit");
  EXPECT(keep && fabs(beta[0] - 2) < 1e-5 && fabs(beta[1] + 0.5) < 1e-5 && share > 0.999999,
         "exact: keep %d beta %.9g %.9g share %.9g", keep, beta[0], beta[1], share);
  /* One noisy covariate: the ridge least squares of the changes at t on
  ** the covariate's changes at t and t - 1, (S + 1e-6 diag S)^-1 s with S
  ** and s the centred cross-products, solved here by Cramer's rule. */
  enum { C1 = 2 };
  static double w[N * C1];
  for (int i = 0; i < N; i++) {
    w[i * C1 + 1] = normal(&g);
    w[i * C1] = (i ? w[(i - 1) * C1] : 0) + 0.7 * (w[i * C1 + 1] - (i ? w[(i - 1) * C1 + 1] : 0)) + normal(&g);
  }
  double md = 0, m0 = 0, m1 = 0, s00 = 0, s01 = 0, s11 = 0, s0y = 0, s1y = 0;
#define DW(t, c) (w[(t) * C1 + (c)] - w[((t) - 1) * C1 + (c)])
  for (int t = 2; t < 200; t++) md += DW(t, 0), m0 += DW(t, 1), m1 += DW(t - 1, 1);
  md /= 198, m0 /= 198, m1 /= 198;
  for (int t = 2; t < 200; t++) {
    double d = DW(t, 0) - md, x0 = DW(t, 1) - m0, x1 = DW(t - 1, 1) - m1;
    s00 += x0 * x0, s01 += x0 * x1, s11 += x1 * x1, s0y += x0 * d, s1y += x1 * d;
  }
#undef DW
  s00 *= 1 + 1e-6, s11 *= 1 + 1e-6;
  double want = (s0y * s11 - s01 * s1y) / (s00 * s11 - s01 * s01);
  EXPECT(rnn_xreg_fit(w, N, C1, 200, RNN_XREG_AUTO, C1 - 1, beta, &share, &keep) == RNN_OK, "fit");
  EXPECT(keep && fabs(beta[0] - want) < 1e-12 * fabs(want) && share > 0.2 && share < 0.9,
         "noisy: keep %d beta %.17g want %.17g share %g", keep, beta[0], want, share);
  /* An effect of the row before is not a same-step one. */
  for (int i = 0; i < N; i++)
    w[i * C1 + 1] = (i * 7919) % 5 == 0, w[i * C1] = 10 + 5 * (i && (i * 7919 - 7919) % 5 == 0) + 0.1 * normal(&g);
  EXPECT(rnn_xreg_fit(w, N, C1, 200, RNN_XREG_AUTO, C1 - 1, beta, &share, &keep) == RNN_OK && !keep &&
             share < 0.05, "yesterday's effect: keep %d beta %g share %g", keep, beta[0], share);
  /* Noise unrelated to the value: not kept ("auto"), kept when forced. */
  for (int i = 0; i < N; i++) w[i * C1 + 1] = normal(&g), w[i * C1] = 0.01 * i + normal(&g);
  EXPECT(rnn_xreg_fit(w, N, C1, 200, RNN_XREG_AUTO, C1 - 1, beta, &share, &keep) == RNN_OK &&
             !keep && beta[0] == 0 && share < 0.05,
         "unrelated: keep %d beta %g share %g", keep, beta[0], share);
  EXPECT(rnn_xreg_fit(w, N, C1, 200, RNN_XREG_ON, C1 - 1, beta, &share, &keep) == RNN_OK && keep &&
             beta[0] != 0, "forced: keep %d", keep);
  EXPECT(rnn_xreg_fit(w, N, C1, 200, RNN_XREG_OFF, C1 - 1, beta, &share, &keep) == RNN_OK && !keep &&
             isnan(share), "off: keep %d share %g", keep, share);
  /* A covariate that never changes gets 0; too few rows fit nothing. */
  for (int i = 0; i < N; i++) v[i * C + 2] = 4, v[i * C] = 0.1 * i + 2 * v[i * C + 1];
  EXPECT(rnn_xreg_fit(v, N, C, 250, RNN_XREG_AUTO, C - 1, beta, &share, &keep) == RNN_OK && keep &&
             beta[1] == 0 && fabs(beta[0] - 2) < 1e-5, "constant: %g %g", beta[0], beta[1]);
  EXPECT(rnn_xreg_fit(v, 8, C, 8, RNN_XREG_ON, C - 1, beta, &share, &keep) == RNN_OK && !keep,
         "eight rows");

  /* A model with an effect: trained, round trip, hostile chunks. */
  for (int i = 0; i < N; i++) v[i * C + 2] = (i * 7919) % 5 == 0;
  static double y[N], x[N * 2];
  for (int i = 0; i < N; i++) {
    x[i * 2] = v[i * C + 1], x[i * 2 + 1] = v[i * C + 2];
    y[i] = 20 + 3 * sin(i * 0.3) + 4 * x[i * 2 + 1] + x[i * 2];
  }
  rnn_options o;
  rnn_options_init(&o);
  o.hidden = 4, o.epochs = 2, o.horizon = 5;
  rnn_model *m = NULL, *d = NULL;
  rnn_err e;
  EXPECT(rnn_train(&m, y, x, N, 2, &o, NULL, &e) == RNN_OK && m, "train: %s", e.msg);
  if (!m) return;
  EXPECT(m->xreg && fabs(m->xreg[0] - 1) < 0.05 && fabs(m->xreg[1] - 4) < 0.05,
         "effect %g %g", m->xreg ? m->xreg[0] : NAN, m->xreg ? m->xreg[1] : NAN);
  /* The future's effect: one more promotion at step 3 adds 4 there alone. */
  double fut[10] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, a[5], b[5];
  for (int s = 0; s < 5; s++) fut[2 * s] = x[(N - 1) * 2], fut[2 * s + 1] = x[(N - 1) * 2 + 1];
  EXPECT(rnn_predict_future(m, NULL, 5, fut, a, &e) == RNN_OK, "%s", e.msg);
  fut[5] += 1;
  EXPECT(rnn_predict_future(m, NULL, 5, fut, b, &e) == RNN_OK, "%s", e.msg);
  for (int s = 0; s < 5; s++)
    EXPECT(fabs(b[s] - a[s] - (s == 2 ? m->xreg[1] : 0)) < 1e-9, "step %d: %g", s + 1, b[s] - a[s]);
  EXPECT(rnn_predict(m, NULL, 5, b, &e) == RNN_OK && b[0] == a[0], "no future = the last row");
  unsigned char *blob = NULL, *blob2 = NULL;
  size_t len, len2;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_OK && d && d->xreg &&
             d->xreg[1] == m->xreg[1] && d->xreg_share == m->xreg_share, "decode: %s", e.msg);
  EXPECT(rnn_model_encode(d, &blob2, &len2) == RNN_OK && len2 == len && !memcmp(blob, blob2, len),
         "re-encoded bytes differ");
  rnn_model_free(d);
  d = NULL;
  /* Find the chunk and damage it: the count, a coefficient, the share. */
  size_t at = 0;
  for (size_t i = 20; i + 4 < len; i++)
    if (!memcmp(blob + i, "XREG", 4)) at = i + 8;
  EXPECT(at > 0, "no XREG chunk");
  unsigned char *bad = malloc(len);
  const double inf = INFINITY, nan = NAN;
  for (int k = 0; at && bad && k < 6; k++) {
    memcpy(bad, blob, len);
    if (k < 2) bad[at] = k ? 3 : 1;                     /* the count */
    if (k == 2) memcpy(bad + at + 20, &nan, 8);         /* a coefficient */
    if (k == 3) memcpy(bad + at + 28, &inf, 8);
    if (k == 4) memcpy(bad + at + 4, &inf, 8);          /* the share */
    if (k == 5) memcpy(bad + at + 12, &inf, 8);         /* the ratio */
    rnn_blob_reseal(bad, len);
    rnn_status rc = rnn_model_decode(&d, bad, len, &e);
    EXPECT(rc == RNN_ECORRUPT, "damage %d decoded (%d)", k, (int)rc);
    rnn_model_free(d);
    d = NULL;
  }
  free(bad);
  rnn_free(blob);
  rnn_free(blob2);
  /* Calendar columns need a step of dates that has them, and room among
  ** the covariates. */
  m->opts.calendar = 1;
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_ECORRUPT, "calendar without dates decoded");
  rnn_free(blob);
  rnn_model_free(d);
  d = NULL;
  m->first_ts = m->last_ts = (rnn_ts){.kind = RNN_TS_DATE, .i = 0, .r = 0};
  m->step = (rnn_step){.kind = RNN_STEP_MILLIS, .millis = 86400000};
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_ECORRUPT, "10 calendar columns among 2 decoded");
  rnn_free(blob);
  rnn_model_free(d);
  m->step = (rnn_step){.kind = RNN_STEP_MONTHS, .months = 24};
  EXPECT(rnn_model_encode(m, &blob, &len) == RNN_OK, "encode");
  EXPECT(rnn_model_decode(&d, blob, len, &e) == RNN_ECORRUPT, "calendar of a 2-year step decoded");
  rnn_free(blob);
  rnn_model_free(d);
  rnn_model_free(m);
}

int main(void) {
  RUN(test_round_trip_predicts_bit_for_bit);
  RUN(test_same_seed_same_bytes);
  RUN(test_decode_rejects_damage);
  RUN(test_past_rows);
  RUN(test_keyed_options);
  RUN(test_snaive_trend);
  RUN(test_sqrt_bands);
  RUN(test_damped);
  RUN(test_median_of_three);
  RUN(test_history_bounded);
  RUN(test_old_options_checked);
  RUN(test_crc32_is_zlibs);
  RUN(test_decode_checks_every_timestamp);
  RUN(test_every_trained_model_decodes);
  RUN(test_rows_equal_predict_with_missing);
  RUN(test_origins_step_is_last_step);
  RUN(test_stop_inside_minibatch);
  RUN(test_surprise);
  RUN(test_surprise_recent);
  RUN(test_surprise_shift);
  RUN(test_surprise_run);
  RUN(test_surprise_run_chunk);
  RUN(test_xreg);
  RUN(test_irregular_chunk);
  RUN(test_grid_why);
  return check_exit();
}
