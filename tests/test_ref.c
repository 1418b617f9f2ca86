/*
** The core against PyTorch: tests/ref/fixtures.txt (written by
** tests/ref/make_fixtures.py) holds, per case, fixed weights and inputs
** with torch's outputs, loss, parameter gradients and the parameters after
** 5 steps of each optimiser; the seq_* cases are the sequence models'
** network (token inputs, a head on every step, carried states). Every
** tensor must match within 1e-4; the
** largest difference of each is printed.
*/
#include <stdlib.h>

#include "../core/nn.h"
#include "check.h"

#define TOL 1e-4

typedef struct tensor {
  char name[64];
  size_t n;
  float *v;
} tensor;

typedef struct fixture {
  char name[64];
  rnn_arch a;
  int batch, loss;
  int seq, carry; /* a sequence case (token inputs, a head on every step) */
  tensor t[16];
  int nt;
} fixture;

static const tensor *get(const fixture *f, const char *name) {
  for (int i = 0; i < f->nt; i++)
    if (!strcmp(f->t[i].name, name)) return &f->t[i];
  return NULL;
}

/* Reads the next case; 0 at the end of the file. */
static int read_fixture(FILE *in, fixture *f) {
  char word[64];
  memset(f, 0, sizeof *f);
  while (fscanf(in, "%63s", word) == 1) {
    if (word[0] == '#') {
      int ch;
      while ((ch = fgetc(in)) != '\n' && ch != EOF) {
      }
    } else if (!strcmp(word, "case")) {
      if (fscanf(in, "%63s", f->name) != 1) return 0;
    } else if (!strcmp(word, "arch")) {
      rnn_arch *a = &f->a;
      if (fscanf(in,
                 " cell %d act %d input %d hidden %d layers %d dirs %d "
                 "window %d output %d batch %d loss %d",
                 &a->cell, &a->activation, &a->input, &a->hidden, &a->layers,
                 &a->dirs, &a->window, &a->output, &f->batch, &f->loss) != 10)
        return 0;
    } else if (!strcmp(word, "seq")) {
      f->seq = 1;
      if (fscanf(in, " carry %d", &f->carry) != 1) return 0;
    } else if (!strcmp(word, "end")) {
      return 1;
    } else {
      tensor *t = &f->t[f->nt++];
      snprintf(t->name, sizeof t->name, "%s", word);
      if (fscanf(in, "%zu", &t->n) != 1) return 0;
      t->v = malloc(t->n * sizeof *t->v);
      for (size_t i = 0; i < t->n; i++)
        if (fscanf(in, "%f", &t->v[i]) != 1) return 0;
    }
  }
  return 0;
}

static void free_fixture(fixture *f) {
  for (int i = 0; i < f->nt; i++) free(f->t[i].v);
}

/* Forward, loss and backward on the fixture's batch; grad is zeroed
** first. Returns the loss. */
static double step(rnn_work *w, const fixture *f, const rnn_layout *lo,
                   const float *params, float *grad, const int *label) {
  const tensor *target = get(f, "target");
  rnn_net_forward(w, &f->a, lo, params, f->batch, 1);
  double loss;
  if (f->seq) { /* the mean over the labelled steps */
    int n = f->a.window * f->batch, total = 0;
    for (int i = 0; i < n; i++) total += label[i] >= 0;
    loss = rnn_xent_part(w->dy, w->y, label, n, f->a.output, total) / total;
  } else if (f->loss == RNN_LOSS_CE) {
    loss = rnn_softmax_xent(w->dy, w->y, label, f->batch, f->a.output);
  } else {
    loss = rnn_loss(f->loss, w->dy, w->y, target->v, f->batch * f->a.output);
  }
  memset(grad, 0, lo->n_params * sizeof *grad);
  rnn_net_backward(w, &f->a, lo, params, grad, f->batch);
  return loss;
}

static void compare(const char *fx, const char *what, const float *got,
                    const tensor *want, size_t n) {
  char label[128];
  snprintf(label, sizeof label, "%s %s", fx, what);
  EXPECT(want && want->n == n, "%s: fixture has %zu values, core %zu", label,
         want ? want->n : 0, n);
  if (!want || want->n != n) return;
  double d = check_tensor(label, got, want->v, n, TOL);
  printf("  %-28s %-10s max |diff| %.2e\n", fx, what, d);
}

static const struct {
  const char *name;
  int kind;
  double lr, clip;
} optimisers[] = {{"sgd_clip", RNN_OPT_SGD, 0.1, 0.5},
                  {"momentum", RNN_OPT_MOMENTUM, 0.05, 0.0},
                  {"adam", RNN_OPT_ADAM, 0.01, 0.0},
                  {"adam_clip", RNN_OPT_ADAM, 0.01, 0.1}};

static void check_case(const fixture *f) {
  rnn_layout lo;
  rnn_err e;
  EXPECT(rnn_arch_layout(&f->a, &lo, &e) == RNN_OK, "%s", e.msg);
  const tensor *params = get(f, "params"), *x = get(f, "x"),
               *target = get(f, "target"), *loss = get(f, "loss");
  /* The parameter count is torch's sum of numel(). */
  EXPECT(params && params->n == lo.n_params,
         "parameter count: core %zu, torch %zu", lo.n_params,
         params ? params->n : 0);
  size_t steps = (size_t)f->a.window * f->batch;
  if (f->seq) {
    x = get(f, "tokens");
    target = get(f, "labels");
    EXPECT(x && x->n == steps && target && target->n == steps,
           "tokens and labels sizes");
  } else {
    EXPECT(x && x->n == steps * f->a.input, "x size");
  }
  if (check_failed_now) return;

  size_t np = lo.n_params;
  float *p = malloc(np * sizeof *p), *g = malloc(np * sizeof *g);
  int label[256], tok[256];
  for (size_t b = 0; b < target->n && b < 256; b++) label[b] = (int)target->v[b];
  rnn_work w;
  EXPECT(rnn_work_init_seq(&w, &f->a, f->batch, 0,
                           f->seq ? RNN_WORK_STEPS | RNN_WORK_TOKENS | RNN_WORK_GRADS
                                  : RNN_WORK_GRADS) ==
             RNN_OK, "work");
  if (f->seq) {
    for (size_t i = 0; i < steps && i < 256; i++) tok[i] = (int)x->v[i];
    w.tok = tok;
    w.per_step = 1;
    if (f->carry) {
      w.h0 = get(f, "h0")->v;
      w.c0 = get(f, "c0")->v;
      w.state_ld = (size_t)f->batch * f->a.hidden;
    }
  } else {
    memcpy(w.x, x->v, x->n * sizeof(float));
  }

  memcpy(p, params->v, np * sizeof *p);
  double l = step(&w, f, &lo, p, g, label);
  compare(f->name, "y", w.y, get(f, "y"),
          (f->seq ? steps : (size_t)f->batch) * f->a.output);
  float lf = (float)l;
  compare(f->name, "loss", &lf, loss, 1);
  compare(f->name, "grad", g, get(f, "grad"), np);

  for (size_t oi = 0; oi < sizeof optimisers / sizeof optimisers[0]; oi++) {
    rnn_optim opt;
    memcpy(p, params->v, np * sizeof *p);
    EXPECT(rnn_optim_init(&opt, optimisers[oi].kind, np, optimisers[oi].lr) ==
               RNN_OK, "optim");
    for (int s = 0; s < 5; s++) {
      step(&w, f, &lo, p, g, label);
      rnn_clip_grad(g, np, optimisers[oi].clip);
      rnn_optim_step(&opt, p, g);
    }
    rnn_optim_free(&opt);
    compare(f->name, optimisers[oi].name, p, get(f, optimisers[oi].name), np);
  }
  rnn_work_free(&w);
  free(p);
  free(g);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "tests/ref/fixtures.txt";
  FILE *in = fopen(path, "r");
  if (!in) {
    printf("not ok test_ref (cannot open %s)\n", path);
    return 1;
  }
  fixture f;
  int cases = 0;
  while (read_fixture(in, &f)) {
    char name[96];
    snprintf(name, sizeof name, "ref_%s", f.name);
    check_failed_now = 0;
    check_case(&f);
    printf("%s %s\n", check_failed_now ? "not ok" : "ok", name);
    if (check_failed_now) check_tests_failed++;
    free_fixture(&f);
    cases++;
  }
  fclose(in);
  if (cases < 13) {
    printf("not ok ref_fixture_count (read %d cases, want 13)\n", cases);
    return 1;
  }
  return check_exit();
}
