/*
** Optimisers with torch.optim's semantics (no weight decay), and global
** gradient-norm clipping (torch.nn.utils.clip_grad_norm_).
**   sgd:       p -= lr g
**   momentum:  b = g at the first step, then b = 0.9 b + g;  p -= lr b
**   adam:      m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
**              p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
*/
#include <math.h>

#include "alloc.h"
#include "nn.h"

rnn_status rnn_optim_init(rnn_optim *o, int kind, size_t n, double lr) {
  *o = (rnn_optim){.kind = kind, .n = n, .lr = lr, .beta1 = 0.9,
                   .beta2 = 0.999, .eps = 1e-8, .momentum = 0.9};
  if (kind != RNN_OPT_SGD && !(o->m = rnn_calloc(n, sizeof(float))))
    return RNN_ENOMEM;
  if (kind == RNN_OPT_ADAM && !(o->v = rnn_calloc(n, sizeof(float)))) {
    rnn_optim_free(o);
    return RNN_ENOMEM;
  }
  return RNN_OK;
}

void rnn_optim_free(rnn_optim *o) {
  rnn_free(o->m);
  rnn_free(o->v);
  o->m = o->v = NULL;
}

RNN_INLINE void adam_update_body(size_t n, float *restrict params,
                                 const float *restrict grad,
                                 float *restrict m, float *restrict v,
                                 float b1, float b2, float eps, float step,
                                 float bc2_sqrt) {
  for (size_t i = 0; i < n; i++) {
    float g = grad[i];
    m[i] = b1 * m[i] + (1.0f - b1) * g;
    v[i] = b2 * v[i] + (1.0f - b2) * g * g;
    params[i] -= step * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
  }
}
RNN_DISPATCH(adam_update,
             (size_t n, float *restrict params, const float *restrict grad,
              float *restrict m, float *restrict v, float b1, float b2,
              float eps, float step, float bc2_sqrt),
             (n, params, grad, m, v, b1, b2, eps, step, bc2_sqrt))

static void adam_step(rnn_optim *o, float *params, const float *grad) {
  double bc1 = 1.0 - pow(o->beta1, (double)o->t);
  double bc2 = 1.0 - pow(o->beta2, (double)o->t);
  adam_update(o->n, params, grad, o->m, o->v, (float)o->beta1,
              (float)o->beta2, (float)o->eps, (float)(o->lr / bc1),
              (float)sqrt(bc2));
}

void rnn_optim_step(rnn_optim *o, float *params, const float *grad) {
  o->t++;
  float lr = (float)o->lr;
  switch (o->kind) {
    case RNN_OPT_ADAM:
      adam_step(o, params, grad);
      break;
    case RNN_OPT_MOMENTUM: {
      float mu = (float)o->momentum;
      for (size_t i = 0; i < o->n; i++) {
        o->m[i] = o->t == 1 ? grad[i] : mu * o->m[i] + grad[i];
        params[i] -= lr * o->m[i];
      }
      break;
    }
    default:
      for (size_t i = 0; i < o->n; i++) params[i] -= lr * grad[i];
  }
}

double rnn_clip_grad(float *grad, size_t n, double max_norm) {
  double ss = 0.0;
  for (size_t i = 0; i < n; i++) ss += (double)grad[i] * grad[i];
  double norm = sqrt(ss);
  if (max_norm > 0) {
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
      float cf = (float)coef;
      for (size_t i = 0; i < n; i++) grad[i] *= cf;
    }
  }
  return norm;
}
