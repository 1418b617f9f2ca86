/* libFuzzer target: the strict JSON reader (windows and options). Every
** accepted tree is walked; numbers must be finite. */
#include <math.h>
#include <stdint.h>

#include "../../core/json.h"

static size_t walk(const rnn_json *j, int depth) {
  size_t n = 0;
  if (depth > RNN_JSON_MAX_DEPTH) __builtin_trap();
  for (; j; j = j->next, n++) {
    if (j->type == RNN_JSON_NUMBER && !isfinite(j->num)) __builtin_trap();
    if (j->type == RNN_JSON_OBJECT && j->child) rnn_json_get(j, j->child->key);
    n += walk(j->child, depth + 1);
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rnn_json *j = NULL;
  rnn_err e;
  if (rnn_json_parse(&j, (const char *)data, size, &e) == RNN_OK) {
    walk(j, 0);
    rnn_json_free(j);
  }
  double d;
  rnn_json_number((const char *)data, size, &d);
  return 0;
}
