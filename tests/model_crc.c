/*
** Prints the checksum of models trained by the core alone (every cell, two
** layers, dropout, two threads). `make test` runs it with this CPU's
** kernels and again with the portable ones (argument "portable"); `make
** cross` also on aarch64 (under qemu). All must print the same lines: the
** same data, options and seed give the same BLOB on every CPU and build
** (core/nn.h, run-time CPU dispatch).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/nn.h"

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "portable") == 0) rnn_simd_force_portable(1);
  double y[300];
  for (int i = 0; i < 300; i++)
    y[i] = 10 + sin(i / 3.0) + 0.01 * (i % 7) + 0.02 * i;
  const int cells[3] = {RNN_CELL_RNN, RNN_CELL_GRU, RNN_CELL_LSTM};
  for (int c = 0; c < 3; c++) {
    rnn_options o;
    rnn_options_init(&o);
    o.cell = cells[c];
    o.hidden = 16;
    o.epochs = 20;
    o.layers = 2;
    o.dropout = 0.1;
    o.threads = 2;
    rnn_model *m;
    rnn_err e;
    unsigned char *b;
    size_t n;
    if (rnn_train(&m, y, NULL, 300, 0, &o, NULL, &e) != RNN_OK ||
        rnn_model_encode(m, &b, &n) != RNN_OK) {
      printf("%s: training failed: %s\n", rnn_cell_name(cells[c]), e.msg);
      return 1;
    }
    printf("%s %zu bytes, checksum %08x\n", rnn_cell_name(cells[c]), n,
           rnn_crc32(b, n - 4));
    rnn_free(b);
    rnn_model_free(m);
  }
  return 0;
}
