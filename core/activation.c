/*
** The activations over arrays, for the tests and any caller outside the
** cells (core/act.h has the rules and the scalar functions; the cells
** inline those into their own kernels).
*/
#include "act.h"
#include "nn.h"

RNN_INLINE void sigmoid_array_body(float *restrict y, const float *restrict x, int n) {
  for (int i = 0; i < n; i++) y[i] = rnn_sigmoid1(x[i]);
}
RNN_DISPATCH(sigmoid_array, (float *restrict y, const float *restrict x, int n), (y, x, n))

RNN_INLINE void tanh_array_body(float *restrict y, const float *restrict x, int n) {
  for (int i = 0; i < n; i++) y[i] = rnn_tanh1(x[i]);
}
RNN_DISPATCH(tanh_array, (float *restrict y, const float *restrict x, int n), (y, x, n))

void rnn_vsigmoid(float *restrict y, const float *restrict x, int n) { sigmoid_array(y, x, n); }
void rnn_vtanh(float *restrict y, const float *restrict x, int n) { tanh_array(y, x, n); }
