/*
** Finite-difference gradient checks of the network: cell + head + loss.
** For every parameter, the analytic gradient from rnn_net_backward must
** match the central difference (L(p + eps) - L(p - eps)) / (2 eps).
*/
#include <stdlib.h>

#include "../core/alloc.h"
#include "../core/nn.h"
#include "../core/rng.h"
#include "check.h"

/* Loss of the network on the batch already in w->x against target. */
static double loss_of(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                      const float *params, const float *target, int B) {
  rnn_net_forward(w, a, lo, params, B);
  return rnn_mse(w->dy, w->y, target, B * a->output);
}

/* Checks every parameter of architecture a; returns the worst relative
** error seen (for the report). */
static void grad_check(rnn_arch a, uint64_t seed) {
  rnn_layout lo;
  rnn_err e;
  EXPECT(rnn_arch_layout(&a, &lo, &e) == RNN_OK, "%s", e.msg);
  int B = 3;
  size_t np = lo.n_params;
  float *p = malloc(np * sizeof *p), *g = calloc(np, sizeof *g);
  float *target = malloc((size_t)B * a.output * sizeof *target);
  rnn_work w;
  EXPECT(rnn_work_init(&w, &a, B) == RNN_OK, "work");
  rnn_rng r;
  rnn_rng_seed(&r, seed);
  rnn_net_init(p, &a, &lo, &r);
  /* Larger weights than the default init make the check more searching. */
  for (size_t i = 0; i < np; i++) p[i] *= 2.0f;
  for (int i = 0; i < a.window * B * a.input; i++)
    w.x[i] = 2.0f * rnn_rng_float(&r) - 1.0f;
  for (int i = 0; i < B * a.output; i++)
    target[i] = 2.0f * rnn_rng_float(&r) - 1.0f;

  loss_of(&w, &a, &lo, p, target, B);
  rnn_net_backward(&w, &a, &lo, p, g, B);

  const float eps = 1e-2f;
  double worst = 0.0;
  size_t bad = 0;
  for (size_t i = 0; i < np; i++) {
    float keep = p[i];
    p[i] = keep + eps;
    double lp = loss_of(&w, &a, &lo, p, target, B);
    p[i] = keep - eps;
    double lm = loss_of(&w, &a, &lo, p, target, B);
    p[i] = keep;
    double fd = (lp - lm) / (2.0 * eps);
    double err = fabs(fd - g[i]);
    double tol = 1e-3 + 2e-2 * fmax(fabs(fd), fabs(g[i]));
    if (err / tol > worst) worst = err / tol;
    if (!(err <= tol)) {
      if (bad++ < 5)
        printf("  param %zu: analytic %.6g, finite difference %.6g\n", i,
               g[i], fd);
    }
  }
  EXPECT(bad == 0, "%zu of %zu gradients differ (worst at %.2f x tolerance)",
         bad, np, worst);
  rnn_work_free(&w);
  free(p);
  free(g);
  free(target);
}

static rnn_arch arch(int act, int layers, int dirs, int input, int output) {
  return (rnn_arch){.cell = RNN_CELL_RNN,
                    .activation = act,
                    .input = input,
                    .hidden = 5,
                    .layers = layers,
                    .dirs = dirs,
                    .window = 4,
                    .output = output};
}

static void test_grad_elman_tanh(void) { grad_check(arch(RNN_ACT_TANH, 1, 1, 1, 1), 1); }
static void test_grad_elman_relu(void) { grad_check(arch(RNN_ACT_RELU, 1, 1, 1, 1), 2); }
static void test_grad_elman_sigmoid(void) { grad_check(arch(RNN_ACT_SIGMOID, 1, 1, 1, 1), 3); }
static void test_grad_elman_inputs_outputs(void) { grad_check(arch(RNN_ACT_TANH, 1, 1, 3, 2), 4); }
static void test_grad_elman_2_layers(void) { grad_check(arch(RNN_ACT_TANH, 2, 1, 2, 1), 5); }
static void test_grad_elman_bidirectional(void) { grad_check(arch(RNN_ACT_TANH, 1, 2, 2, 1), 6); }
static void test_grad_elman_2_layers_bidirectional(void) { grad_check(arch(RNN_ACT_TANH, 2, 2, 1, 2), 7); }

/* The check itself must be able to fail: a gradient with one wrong entry
** is caught. */
static void test_grad_check_detects_error(void) {
  rnn_arch a = arch(RNN_ACT_TANH, 1, 1, 1, 1);
  rnn_layout lo;
  rnn_arch_layout(&a, &lo, NULL);
  float *p = malloc(lo.n_params * sizeof *p), *g = calloc(lo.n_params, sizeof *g);
  float target[2] = {0.5f, -0.5f};
  rnn_work w;
  rnn_work_init(&w, &a, 2);
  rnn_rng r;
  rnn_rng_seed(&r, 9);
  rnn_net_init(p, &a, &lo, &r);
  for (int i = 0; i < a.window * 2; i++) w.x[i] = rnn_rng_float(&r);
  loss_of(&w, &a, &lo, p, target, 2);
  rnn_net_backward(&w, &a, &lo, p, g, 2);
  size_t i = lo.layer[0][0].w_hh + 3;
  const float eps = 1e-2f;
  float keep = p[i];
  p[i] = keep + eps;
  double lp = loss_of(&w, &a, &lo, p, target, 2);
  p[i] = keep - eps;
  double lm = loss_of(&w, &a, &lo, p, target, 2);
  double fd = (lp - lm) / (2 * eps);
  EXPECT(fabs(fd - g[i]) < 1e-3 + 2e-2 * fabs(fd), "fd %g analytic %g", fd, g[i]);
  EXPECT(fabs(fd - (g[i] + 0.05)) > 1e-3 + 2e-2 * fabs(fd),
         "a perturbed gradient should fail the check");
  rnn_work_free(&w);
  free(p);
  free(g);
}

int main(void) {
  RUN(test_grad_elman_tanh);
  RUN(test_grad_elman_relu);
  RUN(test_grad_elman_sigmoid);
  RUN(test_grad_elman_inputs_outputs);
  RUN(test_grad_elman_2_layers);
  RUN(test_grad_elman_bidirectional);
  RUN(test_grad_elman_2_layers_bidirectional);
  RUN(test_grad_check_detects_error);
  return check_exit();
}
