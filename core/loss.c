/* Losses: the value (summed in double) and the gradient wrt the outputs. */
#include "nn.h"

/* L = mean((y - t)^2), dL/dy = 2 (y - t) / n  (torch.nn.MSELoss). */
double rnn_mse(float *dy, const float *y, const float *target, int n) {
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    float d = y[i] - target[i];
    sum += (double)d * d;
    dy[i] = 2.0f * d / (float)n;
  }
  return sum / n;
}
