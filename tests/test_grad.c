/*
** Finite-difference gradient checks of the network: every cell and
** activation, 1 and 2 layers, uni- and bidirectional, every loss, dropout
** (with fixed masks) and gradient clipping. For every parameter, the
** analytic gradient from rnn_net_backward must match the central
** difference within 1e-3 + 2% (float32 arithmetic).
*/
#include <stdlib.h>

#include "../core/alloc.h"
#include "../core/nn.h"
#include "../core/rng.h"
#include "check.h"

typedef struct gcase {
  rnn_arch a;
  int loss;       /* RNN_LOSS_* */
  double dropout; /* masks drawn once, fixed for the check */
  double clip;    /* > 0: compare clip(analytic) with clip(finite difference) */
} gcase;

/* Loss of the network on the batch already in w->x. */
static double loss_of(rnn_work *w, const gcase *c, const rnn_layout *lo,
                      const float *params, const float *target,
                      const int *label, int B) {
  rnn_net_forward(w, &c->a, lo, params, B, 1);
  if (c->loss == RNN_LOSS_CE)
    return rnn_softmax_xent(w->dy, w->y, label, B, c->a.output);
  return rnn_loss(c->loss, w->dy, w->y, target, B * c->a.output);
}

/* Analytic gradients g against finite differences fd: within 1e-3 + 2%. */
static void compare(const float *g, const float *fd, size_t np) {
  double worst = 0.0;
  size_t bad = 0;
  for (size_t i = 0; i < np; i++) {
    double err = fabs(fd[i] - g[i]);
    double tol = 1e-3 + 2e-2 * fmax(fabs(fd[i]), fabs(g[i]));
    if (err / tol > worst) worst = err / tol;
    if (!(err <= tol) && bad++ < 5)
      printf("  param %zu: analytic %.6g, finite difference %.6g\n", i, g[i],
             fd[i]);
  }
  EXPECT(bad == 0, "%zu of %zu gradients differ (worst at %.2f x tolerance)",
         bad, np, worst);
}

/* Checks the gradient of every parameter of case c against central
** differences (L(p + eps) - L(p - eps)) / (2 eps). */
static void grad_check(gcase c, uint64_t seed) {
  rnn_layout lo;
  rnn_err e;
  EXPECT(rnn_arch_layout(&c.a, &lo, &e) == RNN_OK, "%s", e.msg);
  int B = 3, O = c.a.output;
  size_t np = lo.n_params;
  float *p = malloc(np * sizeof *p), *g = calloc(np, sizeof *g);
  float *fd = malloc(np * sizeof *fd);
  float *target = malloc((size_t)B * O * sizeof *target);
  int label[3];
  rnn_work w;
  EXPECT(rnn_work_init_seq(&w, &c.a, B, c.dropout, RNN_WORK_GRADS) == RNN_OK, "work");
  rnn_rng r;
  rnn_rng_seed(&r, seed);
  rnn_net_init(p, &c.a, &lo, &r);
  /* Larger weights than the default init make the check more searching
  ** (not for ReLU, whose unbounded states would then cross more kinks). */
  int relu = c.a.cell == RNN_CELL_RNN && c.a.activation == RNN_ACT_RELU;
  if (!relu)
    for (size_t i = 0; i < np; i++) p[i] *= 2.0f;
  for (int i = 0; i < c.a.window * B * c.a.input; i++)
    w.x[i] = 2.0f * rnn_rng_float(&r) - 1.0f;
  for (int i = 0; i < B * O; i++) target[i] = 2.0f * rnn_rng_float(&r) - 1.0f;
  for (int b = 0; b < B; b++) label[b] = (int)rnn_rng_below(&r, (uint64_t)O);
  rnn_net_dropout_masks(&w, &c.a, B, c.dropout, &r);

  loss_of(&w, &c, &lo, p, target, label, B);
  rnn_net_backward(&w, &c.a, &lo, p, g, B);

  /* ReLU has kinks: a smaller step keeps the difference on one side. */
  const float eps = relu ? 1e-3f : 1e-2f;
  for (size_t i = 0; i < np; i++) {
    float keep = p[i];
    p[i] = keep + eps;
    double lp = loss_of(&w, &c, &lo, p, target, label, B);
    p[i] = keep - eps;
    double lm = loss_of(&w, &c, &lo, p, target, label, B);
    p[i] = keep;
    fd[i] = (float)((lp - lm) / (2.0 * eps));
  }
  if (c.clip > 0) {
    double n1 = rnn_clip_grad(g, np, c.clip), n2 = rnn_clip_grad(fd, np, c.clip);
    EXPECT(n1 > c.clip && n2 > c.clip, "clip %g did not bite (norms %g, %g)",
           c.clip, n1, n2);
  }
  compare(g, fd, np);
  rnn_work_free(&w);
  free(p);
  free(g);
  free(fd);
  free(target);
}

static gcase gc(int cell, int act, int layers, int dirs) {
  return (gcase){.a = {.cell = cell, .activation = act, .input = 2,
                       .hidden = 5, .layers = layers, .dirs = dirs,
                       .window = 4, .output = 2},
                 .loss = RNN_LOSS_MSE};
}

static const struct {
  const char *name;
  int cell, act;
} cells[] = {{"rnn_tanh", RNN_CELL_RNN, RNN_ACT_TANH},
             {"rnn_relu", RNN_CELL_RNN, RNN_ACT_RELU},
             {"rnn_sigmoid", RNN_CELL_RNN, RNN_ACT_SIGMOID},
             {"gru", RNN_CELL_GRU, RNN_ACT_TANH},
             {"lstm", RNN_CELL_LSTM, RNN_ACT_TANH}};
#define N_CELLS (sizeof cells / sizeof cells[0])

static void run_case(const char *what, size_t ci, gcase c, uint64_t seed) {
  char name[96];
  snprintf(name, sizeof name, "grad_%s_%s", cells[ci].name, what);
  check_failed_now = 0;
  grad_check(c, seed);
  printf("%s %s\n", check_failed_now ? "not ok" : "ok", name);
  if (check_failed_now) check_tests_failed++;
}

/* Every cell x activation, 1 and 2 layers, uni- and bidirectional (MSE). */
static void all_architectures(void) {
  uint64_t seed = 100;
  for (size_t ci = 0; ci < N_CELLS; ci++)
    for (int layers = 1; layers <= 2; layers++)
      for (int dirs = 1; dirs <= 2; dirs++) {
        char what[32];
        snprintf(what, sizeof what, "%dlayer%s", layers, dirs == 2 ? "_bi" : "");
        run_case(what, ci, gc(cells[ci].cell, cells[ci].act, layers, dirs), seed++);
      }
}

/* Every loss, dropout and clipping, for each cell. */
static void all_losses_dropout_clip(void) {
  static const struct {
    const char *name;
    int loss;
  } losses[] = {{"mae", RNN_LOSS_MAE},
                {"huber", RNN_LOSS_HUBER},
                {"cross_entropy", RNN_LOSS_CE}};
  uint64_t seed = 200;
  for (size_t ci = 0; ci < N_CELLS; ci++) {
    for (size_t li = 0; li < 3; li++) {
      gcase c = gc(cells[ci].cell, cells[ci].act, 1, 1);
      c.loss = losses[li].loss;
      if (c.loss == RNN_LOSS_CE) c.a.output = 4;
      run_case(losses[li].name, ci, c, seed++);
    }
    gcase c = gc(cells[ci].cell, cells[ci].act, 2, 2);
    c.dropout = 0.3;
    run_case("dropout", ci, c, seed++);
    c = gc(cells[ci].cell, cells[ci].act, 2, 1);
    c.clip = 0.05;
    run_case("clip", ci, c, seed++);
  }
}

/* The check itself must be able to fail: an analytic gradient with one
** entry off by 0.05 is caught. */
static void test_grad_check_detects_error(void) {
  gcase c = gc(RNN_CELL_LSTM, RNN_ACT_TANH, 1, 1);
  rnn_layout lo;
  rnn_arch_layout(&c.a, &lo, NULL);
  float *p = malloc(lo.n_params * sizeof *p), *g = calloc(lo.n_params, sizeof *g);
  float target[4] = {0.5f, -0.5f, 0.25f, 0.0f};
  rnn_work w;
  rnn_work_init_seq(&w, &c.a, 2, 0, RNN_WORK_GRADS);
  rnn_rng r;
  rnn_rng_seed(&r, 9);
  rnn_net_init(p, &c.a, &lo, &r);
  for (int i = 0; i < c.a.window * 2 * c.a.input; i++) w.x[i] = rnn_rng_float(&r);
  loss_of(&w, &c, &lo, p, target, NULL, 2);
  rnn_net_backward(&w, &c.a, &lo, p, g, 2);
  size_t i = lo.layer[0][0].w_hh + 3;
  const float eps = 1e-2f;
  float keep = p[i];
  p[i] = keep + eps;
  double lp = loss_of(&w, &c, &lo, p, target, NULL, 2);
  p[i] = keep - eps;
  double lm = loss_of(&w, &c, &lo, p, target, NULL, 2);
  double fd = (lp - lm) / (2 * eps);
  EXPECT(fabs(fd - g[i]) < 1e-3 + 2e-2 * fabs(fd), "fd %g analytic %g", fd, g[i]);
  EXPECT(fabs(fd - (g[i] + 0.05)) > 1e-3 + 2e-2 * fabs(fd),
         "a perturbed gradient should fail the check");
  rnn_work_free(&w);
  free(p);
  free(g);
}

/* Softmax probabilities sum to 1, survive huge logits, and are what the
** cross-entropy gradient is built from: dL/dl = (p - onehot) / B. */
/* The sequence models' network (nn.h rnn_work): token inputs (some absent,
** tok < 0), a head on every step, a pass shorter than the work's capacity,
** a carried initial state (one direction) and the cross-entropy with
** ignored rows (rnn_xent_part). */
typedef struct seq_case {
  int cell, layers, dirs, carry;
  int lengths;  /* lanes of lengths 3, 1, 2 (padded), tokens as inputs */
  int per_step; /* the head on every step; else on each lane's last one */
} seq_case;

static double seq_loss(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                       const float *p, const int *label, int B, int total) {
  rnn_net_forward(w, a, lo, p, B, 1);
  int rows = w->per_step ? w->T * B : B;
  return rnn_xent_part(w->dy, w->y, label, rows, a->output, total) / total;
}

static void seq_grad_check(seq_case sc, uint64_t seed) {
  enum { V = 5, H = 4, B = 3, T = 3, CAP = 4 };
  rnn_arch a = {.cell = sc.cell, .activation = RNN_ACT_TANH, .input = V,
                .hidden = H, .layers = sc.layers, .dirs = sc.dirs,
                .window = CAP, .output = V};
  rnn_layout lo;
  rnn_err e;
  EXPECT(rnn_arch_layout(&a, &lo, &e) == RNN_OK, "%s", e.msg);
  size_t np = lo.n_params;
  float *p = malloc(np * sizeof *p), *g = calloc(np, sizeof *g);
  float *fd = malloc(np * sizeof *fd);
  float h0[RNN_MAX_LAYERS * B * H], c0[RNN_MAX_LAYERS * B * H];
  int tok[T * B], label[T * B], total = 0;
  rnn_work w;
  EXPECT(rnn_work_init_seq(&w, &a, B, 0, RNN_WORK_STEPS | RNN_WORK_TOKENS | RNN_WORK_GRADS) ==
             RNN_OK, "work");
  rnn_rng r;
  rnn_rng_seed(&r, seed);
  rnn_net_init(p, &a, &lo, &r);
  for (size_t i = 0; i < np; i++) p[i] *= 2.0f;
  static const int lens[B] = {3, 1, 2};
  for (int i = 0; i < T * B; i++) {
    tok[i] = (int)rnn_rng_below(&r, V + 1) - 1;
    label[i] = (int)rnn_rng_below(&r, V + 1) - 1;
    if (sc.lengths && i / B >= lens[i % B]) label[i] = -1; /* padding */
    if (!sc.per_step && i >= B) label[i] = -1;             /* one a lane */
    if (!sc.per_step && i < B) label[i] = (int)rnn_rng_below(&r, V);
    total += label[i] >= 0;
  }
  for (int i = 0; i < sc.layers * B * H; i++) {
    h0[i] = 2.0f * rnn_rng_float(&r) - 1.0f;
    c0[i] = 2.0f * rnn_rng_float(&r) - 1.0f;
  }
  w.T = T;
  w.per_step = sc.per_step;
  w.tok = tok;
  if (sc.lengths) w.len = lens;
  if (sc.carry) {
    w.h0 = h0;
    w.c0 = c0;
    w.state_ld = (size_t)B * H;
  }
  seq_loss(&w, &a, &lo, p, label, B, total);
  rnn_net_backward(&w, &a, &lo, p, g, B);
  const float eps = 1e-2f;
  for (size_t i = 0; i < np; i++) {
    float keep = p[i];
    p[i] = keep + eps;
    double lp = seq_loss(&w, &a, &lo, p, label, B, total);
    p[i] = keep - eps;
    double lm = seq_loss(&w, &a, &lo, p, label, B, total);
    p[i] = keep;
    fd[i] = (float)((lp - lm) / (2.0 * eps));
  }
  compare(g, fd, np);
  /* The check must be able to fail: a token input's column matters. */
  double gsum = 0.0;
  for (size_t i = lo.layer[0][0].w_ih; i < lo.layer[0][0].w_hh; i++)
    gsum += fabs(g[i]);
  EXPECT(gsum > 0, "no gradient reached the token columns");
  rnn_work_free(&w);
  free(p);
  free(g);
  free(fd);
}

static void sequence_networks(void) {
  const int kinds[3] = {RNN_CELL_RNN, RNN_CELL_GRU, RNN_CELL_LSTM};
  char name[160];
  static const char *const what[4] = {
      "carried state", "bidirectional", "bidirectional, lanes of 3 lengths, a head on every step",
      "bidirectional, lanes of 3 lengths, a head on each lane's last step"};
  for (int c = 0; c < 3; c++)
    for (int layers = 1; layers <= 2; layers++)
      for (int v = 0; v < 4; v++) {
        seq_case sc = {kinds[c], layers, v ? 2 : 1, v ? 0 : 1, v >= 2, v != 3};
        check_failed_now = 0;
        seq_grad_check(sc, 7 + (uint64_t)(c * 8 + layers * 4 + v));
        snprintf(name, sizeof name,
                 "gradients of the sequence network: %s, %d layer%s, %s",
                 rnn_cell_name(kinds[c]), layers, layers > 1 ? "s" : "",
                 what[v]);
        printf("%s %s\n", check_failed_now ? "not ok" : "ok", name);
        if (check_failed_now) check_tests_failed++;
      }
}

/* Padding changes nothing: each lane of a padded batch (lengths 3, 1, 2 of
** 4 steps; bidirectional, 2 layers) gives the outputs it gives alone,
** with the head on every step and on its last one. */
static void test_padding_invariant(void) {
  enum { V = 5, H = 4, B = 3, T = 4 };
  static const int lens[B] = {3, 1, 2};
  const int kinds[3] = {RNN_CELL_RNN, RNN_CELL_GRU, RNN_CELL_LSTM};
  for (int c = 0; c < 3; c++)
    for (int per_step = 0; per_step < 2; per_step++) {
      rnn_arch a = {.cell = kinds[c], .input = V, .hidden = H, .layers = 2,
                    .dirs = 2, .window = T, .output = V};
      rnn_layout lo;
      rnn_arch_layout(&a, &lo, NULL);
      float *p = malloc(lo.n_params * sizeof *p);
      rnn_rng r;
      rnn_rng_seed(&r, 99 + (uint64_t)c);
      rnn_net_init(p, &a, &lo, &r);
      int tok[T * B], one[T];
      for (int i = 0; i < T * B; i++) tok[i] = (int)rnn_rng_below(&r, V);
      rnn_work w, w1;
      int flags = RNN_WORK_TOKENS | RNN_WORK_GRADS | (per_step ? RNN_WORK_STEPS : 0);
      rnn_work_init_seq(&w, &a, B, 0, flags);
      rnn_work_init_seq(&w1, &a, 1, 0, flags);
      w.T = T, w.tok = tok, w.len = lens, w.per_step = per_step;
      rnn_net_forward(&w, &a, &lo, p, B, 0);
      int differ = 0; /* a count, not an fmax reduction: gcc 12 for aarch64
                      ** crashes vectorising that one here */
      for (int b = 0; b < B; b++) {
        for (int t = 0; t < lens[b]; t++) one[t] = tok[t * B + b];
        w1.T = lens[b], w1.tok = one, w1.per_step = per_step;
        rnn_net_forward(&w1, &a, &lo, p, 1, 0);
        for (int t = 0; t < (per_step ? lens[b] : 1); t++)
          for (int o = 0; o < V; o++) {
            float got = w.y[((size_t)(per_step ? t * B : 0) + b) * V + o];
            float want = w1.y[(size_t)t * V + o];
            differ += got != want;
          }
      }
      EXPECT(differ == 0, "%s, %s: %d outputs of padded lanes differ",
             rnn_cell_name(kinds[c]), per_step ? "every step" : "last step",
             differ);
      rnn_work_free(&w);
      rnn_work_free(&w1);
      free(p);
    }
}

static void test_softmax(void) {
  float l[4] = {1000.0f, 999.0f, -5.0f, 1000.0f}, p[4], dy[4];
  int label = 1;
  rnn_softmax(p, l, 4);
  double sum = 0;
  for (int k = 0; k < 4; k++) sum += p[k];
  EXPECT(fabs(sum - 1.0) < 1e-6 && p[0] == p[3] && p[1] < p[0] && p[2] >= 0,
         "p = %g %g %g %g", p[0], p[1], p[2], p[3]);
  rnn_softmax_xent(dy, l, &label, 1, 4);
  for (int k = 0; k < 4; k++)
    EXPECT(fabsf(dy[k] - (p[k] - (k == label))) < 1e-6, "dy[%d] %g", k, dy[k]);
}

/* The activations of activation.c against double-precision references:
** absolute error below 2e-7 (tanh, sigmoid) on a fine grid of [-30, 30],
** exact limits far out, and odd symmetry of tanh. */
static void test_activations(void) {
  enum { N = 60001 };
  static float x[N], t[N], sg[N];
  for (int i = 0; i <= N / 2; i++) {
    x[i] = -30.0f + 60.0f * (float)i / (N - 1);
    x[N - 1 - i] = -x[i];
  }
  rnn_vtanh(t, x, N);
  rnn_vsigmoid(sg, x, N);
  double et = 0, es = 0;
  for (int i = 0; i < N; i++) {
    et = fmax(et, fabs(t[i] - tanh((double)x[i])));
    es = fmax(es, fabs(sg[i] - 1.0 / (1.0 + exp(-(double)x[i]))));
    if (t[N - 1 - i] != -t[i]) et = 1.0;
  }
  printf("  tanh max |error| %.2e, sigmoid %.2e\n", et, es);
  EXPECT(et < 2e-7, "tanh error %g", et);
  EXPECT(es < 2e-7, "sigmoid error %g", es);
  float big[4] = {-1e30f, -100.0f, 100.0f, 1e30f}, o[4];
  rnn_vtanh(o, big, 4);
  EXPECT(o[0] == -1.0f && o[1] == -1.0f && o[2] == 1.0f && o[3] == 1.0f,
         "tanh limits %g %g %g %g", o[0], o[1], o[2], o[3]);
  rnn_vsigmoid(o, big, 4);
  EXPECT(o[0] >= 0.0f && o[0] < 1e-37f && o[3] == 1.0f, "sigmoid limits %g %g",
         o[0], o[3]);
}

int main(void) {
  all_architectures();
  all_losses_dropout_clip();
  sequence_networks();
  RUN(test_grad_check_detects_error);
  RUN(test_padding_invariant);
  RUN(test_softmax);
  RUN(test_activations);
  return check_exit();
}
