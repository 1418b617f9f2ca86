/* libFuzzer target: the options parser. Accepted options must be in range. */
#include <stdint.h>

#include "../../core/rnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rnn_options o;
  rnn_err e;
  rnn_options_init(&o);
  if (rnn_options_parse(&o, (const char *)data, size, &e) != RNN_OK) return 0;
  if (o.hidden < 1 || o.hidden > RNN_MAX_HIDDEN || o.layers < 1 ||
      o.layers > RNN_MAX_LAYERS || o.window < 0 || o.window > RNN_MAX_WINDOW ||
      o.horizon < RNN_HORIZON_AUTO || o.horizon > RNN_MAX_HORIZON ||
      o.method < 0 || o.method > RNN_METHOD_NETWORK || !(o.lr > 0) ||
      !(o.dropout >= 0 && o.dropout <= 0.9) || !(o.clip >= 0) ||
      !(o.validation >= 0 && o.validation <= 0.5) || o.batch < 1 ||
      o.epochs < 1 || o.patience < 1)
    __builtin_trap();
  return 0;
}
