/*
** The matrix products of every build this CPU can run (portable C, AVX2+FMA,
** AVX-512F; gemm.c rule 1) against a plain reference: each element of C
** accumulates fmaf(a_ik, b_kj, c) in ascending k, so every build must give
** exactly those bits, for every shape (ragged edges of the register blocks
** and masks included), both forms of A, a starting bias or C, and leading
** dimensions wider than the matrices. Elements of C outside the product
** (the padding between rows) must be left as they were: masked stores may
** not touch them. rnn_colsum2 gives the bits of two rnn_colsum calls, from
** different starting sums or the same.
*/
#include <stdint.h>
#include <stdlib.h>

#include "../core/nn.h"
#include "../core/rng.h"
#include "check.h"

enum { FORM_NN, FORM_NN_BIAS, FORM_TN, FORM_COLSUM };

typedef struct shape {
  int form, M, N, K, pad; /* pad: extra columns of every leading dimension */
} shape;

/* The reference: ascending k, one fmaf per product. */
static void reference(const shape *s, const float *A, int lda, const float *B,
                      int ldb, const float *bias, float *C, int ldc) {
  for (int i = 0; i < s->M; i++)
    for (int j = 0; j < s->N; j++) {
      float c = s->form == FORM_NN_BIAS ? bias[j] : C[(size_t)i * ldc + j];
      for (int k = 0; k < s->K; k++) {
        float a = s->form == FORM_TN       ? A[(size_t)k * lda + i]
                  : s->form == FORM_COLSUM ? 1.0f
                                           : A[(size_t)i * lda + k];
        c = fmaf(a, B[(size_t)k * ldb + j], c);
      }
      C[(size_t)i * ldc + j] = c;
    }
}

static void product(const shape *s, const float *A, int lda, const float *B,
                    int ldb, const float *bias, float *C, int ldc) {
  switch (s->form) {
    case FORM_NN: rnn_gemm_nn(s->M, s->N, s->K, A, lda, B, ldb, C, ldc); break;
    case FORM_NN_BIAS:
      rnn_gemm_nn_bias(s->M, s->N, s->K, A, lda, B, ldb, bias, C, ldc);
      break;
    case FORM_TN: rnn_gemm_tn(s->M, s->N, s->K, A, lda, B, ldb, C, ldc); break;
    default: rnn_colsum(s->K, s->N, B, ldb, C); break;
  }
}

static void fill(rnn_rng *r, float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = 2.0f * rnn_rng_float(r) - 1.0f;
}

/* Runs shape s with the builds up to `level`; returns 0 if any differs. */
static int one_shape(rnn_rng *r, const shape *s, int level) {
  int colsum = s->form == FORM_COLSUM;
  int M = colsum ? 1 : s->M;
  int a_rows = s->form == FORM_TN ? s->K : M, a_cols = s->form == FORM_TN ? M : s->K;
  int lda = a_cols + s->pad, ldb = s->N + s->pad, ldc = colsum ? s->N : s->N + s->pad;
  size_t na = (size_t)a_rows * lda + 1, nb = (size_t)s->K * ldb + 1,
         nc = (size_t)M * ldc + 16;
  float *A = malloc(na * sizeof *A), *Bm = malloc(nb * sizeof *Bm),
        *bias = malloc(((size_t)s->N + 1) * sizeof *bias),
        *C0 = malloc(nc * sizeof *C0), *want = malloc(nc * sizeof *want),
        *got = malloc(nc * sizeof *got);
  int same = 1;
  if (!A || !Bm || !bias || !C0 || !want || !got) {
    EXPECT(0, "out of memory");
    same = 0;
    goto done;
  }
  fill(r, A, na);
  fill(r, Bm, nb);
  fill(r, bias, (size_t)s->N + 1);
  fill(r, C0, nc);
  shape ref = *s;
  ref.M = M;
  memcpy(want, C0, nc * sizeof *want);
  reference(&ref, A, lda, Bm, ldb, bias, want, ldc);
  for (int l = RNN_SIMD_PORTABLE; l <= level; l++) {
    rnn_simd_cap(l);
    memcpy(got, C0, nc * sizeof *got);
    product(&ref, A, lda, Bm, ldb, bias, got, ldc);
    if (memcmp(got, want, nc * sizeof *got) != 0) {
      size_t at = 0;
      while (at < nc && memcmp(got + at, want + at, sizeof *got) == 0) at++;
      EXPECT(0, "%s form %d M %d N %d K %d pad %d: element %zu (row %zu col %zu) %.9g, want %.9g",
             rnn_simd_name(l), s->form, M, s->N, s->K, s->pad, at, at / (size_t)ldc,
             at % (size_t)ldc, got[at], want[at]);
      same = 0;
    }
  }
  /* rnn_colsum2: both sums as rnn_colsum's, the second from bias. */
  for (int l = RNN_SIMD_PORTABLE; colsum && l <= level; l++) {
    float want2[600], got2[600];
    for (int j = 0; j < s->N; j++) {
      float c = bias[j];
      for (int k = 0; k < s->K; k++) c = fmaf(1.0f, Bm[(size_t)k * ldb + j], c);
      want2[j] = c;
    }
    rnn_simd_cap(l);
    /* The second sum from bias, then from the same bits as the first (a
    ** chunk's two bias gradients: one sum, copied). */
    const float *start2[2] = {bias, C0}, *end2[2] = {want2, want};
    for (int eq = 0; eq < 2; eq++) {
      memcpy(got, C0, nc * sizeof *got);
      memcpy(got2, start2[eq], (size_t)s->N * sizeof *got2);
      rnn_colsum2(s->K, s->N, Bm, ldb, got, got2);
      if (memcmp(got, want, nc * sizeof *got) || memcmp(got2, end2[eq], (size_t)s->N * sizeof *got2)) {
        EXPECT(0, "%s colsum2%s N %d K %d differs", rnn_simd_name(l),
               eq ? " from equal sums" : "", s->N, s->K);
        same = 0;
      }
    }
  }
  rnn_simd_cap(RNN_SIMD_AVX512);
done:
  free(A), free(Bm), free(bias), free(C0), free(want), free(got);
  return same;
}

/* Every small shape (each dimension 1 to 40: every block height, every
** mask), then larger ones that cross the k panels and the 128-column
** blocks of a single row. */
static void test_builds_agree(void) {
  int level = rnn_simd();
  rnn_rng r;
  rnn_rng_seed(&r, 7);
  int failures = 0, runs = 0;
  for (int form = FORM_NN; form <= FORM_COLSUM; form++)
    for (int M = 1; M <= 19; M += form == FORM_COLSUM ? 19 : 1)
      for (int N = 1; N <= 40 && failures < 5; N++) {
        shape s = {form, M, N, 1 + (M * 7 + N * 3) % 40, (M + N) % 3};
        failures += !one_shape(&r, &s, level);
        runs++;
      }
  static const shape big[] = {
      {FORM_NN, 64, 512, 128, 0},   {FORM_NN_BIAS, 1024, 98, 128, 0},
      {FORM_TN, 512, 128, 1008, 0}, {FORM_TN, 98, 128, 1024, 5},
      {FORM_NN, 16, 128, 512, 3},   {FORM_COLSUM, 1, 515, 300, 0},
      {FORM_NN, 1, 300, 77, 1},     {FORM_NN_BIAS, 37, 1, 200, 0},
      {FORM_TN, 9, 1, 130, 2},      {FORM_NN, 200, 4097, 3, 0},
      /* One column of C with op(A)'s rows contiguous (the input weights'
      ** gradient of a univariate series): blocks of 64 and 128 rows, the
      ** masked and single-vector remainders, with and without a bias. */
      {FORM_TN, 128, 1, 384, 0},    {FORM_TN, 200, 1, 77, 0},
      {FORM_TN, 67, 1, 50, 0},      {FORM_NN_BIAS, 150, 1, 1, 0},
      /* One deep (a univariate series' input projection): 128 columns at
      ** a time, the masked remainder, with and without a bias. */
      {FORM_NN_BIAS, 768, 128, 1, 0}, {FORM_NN_BIAS, 24, 384, 1, 2},
      {FORM_NN, 33, 300, 1, 1},     {FORM_NN_BIAS, 1, 7, 1, 0},
      {FORM_TN, 40, 129, 1, 3}};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
    failures += !one_shape(&r, &big[i], level);
    runs++;
  }
  printf("  %d shapes, builds up to %s\n", runs, rnn_simd_name(level));
  EXPECT(failures == 0, "%d shapes differ", failures);
}

int main(void) {
  RUN(test_builds_agree);
  return check_exit();
}
