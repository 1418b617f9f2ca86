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
#include <string.h>

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

static float row_max(const float *l, int C) {
  float mx = l[0];
  for (int k = 1; k < C; k++) mx = l[k] > mx ? l[k] : mx;
  return mx;
}

void rnn_softmax(float *p, const float *logits, int C) {
  float mx = row_max(logits, C);
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
    float mx = row_max(l, C);
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

/* e[k] = exp(l[k] - shift) and e[k] *= s: element-wise, so every build
** (nn.h's dispatch: AVX-512, AVX2, portable) computes the same bits; the
** sums over k stay in the callers' scalar loops, in one order. */
RNN_INLINE void exp_shift_body(float *restrict e, const float *restrict l,
                               float shift, int n) {
  for (int k = 0; k < n; k++) e[k] = rnn_exp1(l[k] - shift);
}
RNN_DISPATCH(exp_shift, (float *restrict e, const float *restrict l, float shift, int n),
             (e, l, shift, n))

/* The same at a temperature: exp((l[k] - shift) / t). */
RNN_INLINE void exp_shift_div_body(float *restrict e, const float *restrict l,
                                   float shift, float t, int n) {
  for (int k = 0; k < n; k++) e[k] = rnn_exp1((l[k] - shift) / t);
}
RNN_DISPATCH(exp_shift_div,
             (float *restrict e, const float *restrict l, float shift, float t, int n),
             (e, l, shift, t, n))

RNN_INLINE void scale_body(float *restrict e, float s, int n) {
  for (int k = 0; k < n; k++) e[k] *= s;
}
RNN_DISPATCH(scale, (float *restrict e, float s, int n), (e, s, n))


static double row_sum(const float *e, int C) {
  double se = 0.0;
  for (int k = 0; k < C; k++) se += e[k];
  return se;
}

double rnn_xent_part(float *dy, const float *logits, const int *label, int n,
                     int C, int total) {
  double sum = 0.0;
  float inv = 1.0f / (float)total;
  for (int r = 0; r < n; r++) {
    const float *l = logits + (size_t)r * C;
    float *d = dy + (size_t)r * C;
    if (label[r] < 0) {
      memset(d, 0, (size_t)C * sizeof *d);
      continue;
    }
    /* softmax = e / sum(e) with e = exp(l - max); dL/dl = softmax / total,
    ** minus 1 / total at the label. */
    float mx = row_max(l, C);
    exp_shift(d, l, mx, C);
    double se = row_sum(d, C);
    /* Next to logits far from zero (a hostile model's: 1e38) mx + log(se)
    ** loses log(se), so the label's shift comes first there; the logits
    ** of a trained model keep the sum as it was, and their stored losses
    ** bit for bit. */
    if (fabsf(mx) < 1e6f)
      sum += mx + rnn_det_log(se) - l[label[r]];
    else
      sum += rnn_det_log(se) + ((double)mx - l[label[r]]);
    scale(d, (float)((double)inv / se), C);
    d[label[r]] -= inv;
  }
  return sum;
}

void rnn_softmax_det(float *p, const float *logits, int C, float temperature) {
  float mx = row_max(logits, C);
  if (temperature != 1.0f)
    exp_shift_div(p, logits, mx, temperature, C);
  else
    exp_shift(p, logits, mx, C);
  scale(p, (float)(1.0 / row_sum(p, C)), C);
}
