/* libFuzzer target: the model BLOB decoder. Whatever decodes must predict,
** give intervals, and encode back to bytes that decode to the same model.
** Byte 0 odd: the rest gets a correct length and checksum first, so the
** fuzzer explores the chunks behind the checksum too. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/rnn.h"

static void check(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (!(data[0] & 1)) {
    check(data + 1, size - 1);
    return 0;
  }
  uint8_t *copy = malloc(size);
  memcpy(copy, data + 1, size - 1);
  rnn_blob_reseal(copy, size - 1);
  check(copy, size - 1);
  free(copy);
  return 0;
}

/* A global model's container (core/global.c): whatever decodes forecasts
** every series finitely or fails, and its encoding reads back to the same
** bytes. */
static void check_global(const uint8_t *data, size_t size) {
  rnn_global *g = NULL, *g2 = NULL;
  rnn_err e;
  if (rnn_global_decode(&g, data, size, &e) != RNN_OK) return;
  for (int i = 0; i < g->n; i++) {
    double out[3];
    if (rnn_predict(g->models[i], NULL, 3, out, &e) == RNN_OK)
      for (int s = 0; s < 3; s++)
        if (!isfinite(out[s])) __builtin_trap();
  }
  unsigned char *blob = NULL, *again = NULL;
  size_t len = 0, len2 = 0;
  if (rnn_global_encode(g, &blob, &len) == RNN_OK) {
    if (rnn_global_decode(&g2, blob, len, &e) != RNN_OK ||
        rnn_global_encode(g2, &again, &len2) != RNN_OK || len2 != len ||
        memcmp(blob, again, len))
      __builtin_trap();
  }
  rnn_free(blob);
  rnn_free(again);
  rnn_global_free(g);
  rnn_global_free(g2);
}

static void check(const uint8_t *data, size_t size) {
  rnn_model *m = NULL, *m2 = NULL;
  rnn_err e;
  check_global(data, size);
  if (rnn_model_decode(&m, data, size, &e) != RNN_OK) return;
  double out[5], half;
  /* A forecast is finite, or an error (core/predict.c rule 7). */
  int forecast = rnn_predict(m, NULL, 5, out, &e) == RNN_OK;
  for (int s = 0; s < 5 && forecast; s++)
    if (!isfinite(out[s])) __builtin_trap();
  rnn_interval(m, 3, 0.9, forecast ? out[2] : NAN, &half);
  unsigned char *blob = NULL;
  size_t len = 0;
  if (rnn_model_encode(m, &blob, &len) == RNN_OK) {
    if (rnn_model_decode(&m2, blob, len, &e) != RNN_OK) __builtin_trap();
    unsigned char *again = NULL;
    size_t len2 = 0;
    if (rnn_model_encode(m2, &again, &len2) != RNN_OK || len2 != len ||
        memcmp(blob, again, len) != 0)
      __builtin_trap();
    rnn_free(again);
  }
  rnn_free(blob);
  rnn_model_free(m2);
  rnn_model_free(m);
}
