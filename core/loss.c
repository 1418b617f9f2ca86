/*
** Losses: the value (summed in double) and the gradient wrt the outputs,
** with torch's definitions and its default mean reduction.
**   mse:    mean (y - t)^2                    dy = 2 (y - t) / n
**   mae:    mean |y - t|                      dy = sign(y - t) / n
**   huber:  mean of 0.5 d^2 if |d| <= 1, else |d| - 0.5 (delta = 1)
**                                             dy = clamp(d, -1, 1) / n
**   softmax cross-entropy: mean over rows of logsumexp(l) - l[label]
**                                             dl = (softmax(l) - onehot) / B
*/
#include <math.h>

#include "act.h"
#include "nn.h"

double rnn_loss(int kind, float *dy, const float *y, const float *target,
                int n) {
  return rnn_loss_part(kind, dy, y, target, n, n) / n;
}

double rnn_loss_part(int kind, float *dy, const float *y, const float *target,
                     int n, int total) {
  double sum = 0.0;
  float inv = 1.0f / (float)total;
  for (int i = 0; i < n; i++) {
    float d = y[i] - target[i];
    float ad = fabsf(d);
    switch (kind) {
      case RNN_LOSS_MAE:
        sum += ad;
        dy[i] = (float)((d > 0) - (d < 0)) * inv;
        break;
      case RNN_LOSS_HUBER:
        if (ad <= 1.0f) {
          sum += 0.5 * (double)d * d;
          dy[i] = d * inv;
        } else {
          sum += (double)ad - 0.5;
          dy[i] = (d > 0 ? 1.0f : -1.0f) * inv;
        }
        break;
      default:
        sum += (double)d * d;
        dy[i] = 2.0f * d * inv;
    }
  }
  return sum;
}

void rnn_softmax(float *p, const float *logits, int C) {
  float mx = logits[0];
  for (int k = 1; k < C; k++) mx = logits[k] > mx ? logits[k] : mx;
  double se = 0.0;
  for (int k = 0; k < C; k++) se += exp((double)(logits[k] - mx));
  for (int k = 0; k < C; k++) p[k] = (float)(exp((double)(logits[k] - mx)) / se);
}

double rnn_softmax_xent(float *dy, const float *logits, const int *label,
                        int B, int C) {
  double sum = 0.0;
  float inv = 1.0f / (float)B;
  for (int b = 0; b < B; b++) {
    const float *l = logits + (size_t)b * C;
    float *d = dy + (size_t)b * C;
    float mx = l[0];
    for (int k = 1; k < C; k++) mx = l[k] > mx ? l[k] : mx;
    double se = 0.0;
    for (int k = 0; k < C; k++) se += exp((double)(l[k] - mx));
    double lse = mx + log(se);
    sum += lse - l[label[b]];
    for (int k = 0; k < C; k++)
      d[k] = (float)(exp((double)l[k] - lse)) * inv;
    d[label[b]] -= inv;
  }
  return sum / B;
}

double rnn_xent_part(float *dy, const float *logits, const int *label, int n,
                     int C, int total) {
  double sum = 0.0;
  float inv = 1.0f / (float)total;
  for (int r = 0; r < n; r++) {
    const float *l = logits + (size_t)r * C;
    float *d = dy + (size_t)r * C;
    if (label[r] < 0) {
      for (int k = 0; k < C; k++) d[k] = 0.0f;
      continue;
    }
    float mx = l[0];
    for (int k = 1; k < C; k++) mx = l[k] > mx ? l[k] : mx;
    double se = 0.0;
    for (int k = 0; k < C; k++) se += rnn_exp1(l[k] - mx);
    double lse = mx + rnn_det_log(se);
    sum += lse - l[label[r]];
    for (int k = 0; k < C; k++) d[k] = rnn_exp1((float)(l[k] - lse)) * inv;
    d[label[r]] -= inv;
  }
  return sum;
}

void rnn_softmax_det(float *p, const float *logits, int C, float temperature) {
  float mx = logits[0];
  for (int k = 1; k < C; k++) mx = logits[k] > mx ? logits[k] : mx;
  double se = 0.0;
  for (int k = 0; k < C; k++) se += p[k] = rnn_exp1((logits[k] - mx) / temperature);
  float inv = (float)(1.0 / se);
  for (int k = 0; k < C; k++) p[k] *= inv;
}
