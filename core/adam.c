/*
** Adam (torch.optim.Adam, no weight decay, no amsgrad), and global
** gradient-norm clipping (torch.nn.utils.clip_grad_norm_).
**   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
**   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
*/
#include <math.h>

#include "alloc.h"
#include "nn.h"

rnn_status rnn_adam_init(rnn_adam *o, size_t n, double lr) {
  o->m = rnn_calloc(n, sizeof(float));
  o->v = rnn_calloc(n, sizeof(float));
  o->n = n;
  o->t = 0;
  o->lr = lr;
  o->beta1 = 0.9;
  o->beta2 = 0.999;
  o->eps = 1e-8;
  if (!o->m || !o->v) {
    rnn_adam_free(o);
    return RNN_ENOMEM;
  }
  return RNN_OK;
}

void rnn_adam_free(rnn_adam *o) {
  rnn_free(o->m);
  rnn_free(o->v);
  o->m = o->v = NULL;
}

void rnn_adam_step(rnn_adam *o, float *params, const float *grad) {
  o->t++;
  float b1 = (float)o->beta1, b2 = (float)o->beta2, eps = (float)o->eps;
  double bc1 = 1.0 - pow(o->beta1, (double)o->t);
  double bc2 = 1.0 - pow(o->beta2, (double)o->t);
  float step = (float)(o->lr / bc1);
  float bc2_sqrt = (float)sqrt(bc2);
  for (size_t i = 0; i < o->n; i++) {
    float g = grad[i];
    o->m[i] = b1 * o->m[i] + (1.0f - b1) * g;
    o->v[i] = b2 * o->v[i] + (1.0f - b2) * g * g;
    params[i] -= step * o->m[i] / (sqrtf(o->v[i]) / bc2_sqrt + eps);
  }
}

double rnn_clip_grad(float *grad, size_t n, double max_norm) {
  double ss = 0.0;
  for (size_t i = 0; i < n; i++) ss += (double)grad[i] * grad[i];
  double norm = sqrt(ss);
  if (max_norm > 0) {
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
      float c = (float)coef;
      for (size_t i = 0; i < n; i++) grad[i] *= c;
    }
  }
  return norm;
}
