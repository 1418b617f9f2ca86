/*
** Matrix products of the core (row-major, leading dimensions as in BLAS).
** Plain loops in the orders that keep the innermost loop contiguous; the
** speed issue replaces them with blocked kernels behind the same calls.
*/
#include "nn.h"

void rnn_gemm_nt(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  for (int i = 0; i < M; i++) {
    const float *a = A + (size_t)i * lda;
    float *c = C + (size_t)i * ldc;
    for (int j = 0; j < N; j++) {
      const float *b = B + (size_t)j * ldb;
      float s = 0.0f;
      for (int k = 0; k < K; k++) s += a[k] * b[k];
      c[j] += s;
    }
  }
}

void rnn_gemm_nn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  for (int i = 0; i < M; i++) {
    const float *a = A + (size_t)i * lda;
    float *c = C + (size_t)i * ldc;
    for (int k = 0; k < K; k++) {
      float av = a[k];
      const float *b = B + (size_t)k * ldb;
      for (int j = 0; j < N; j++) c[j] += av * b[j];
    }
  }
}

void rnn_gemm_tn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  for (int k = 0; k < K; k++) {
    const float *a = A + (size_t)k * lda;
    const float *b = B + (size_t)k * ldb;
    for (int i = 0; i < M; i++) {
      float av = a[i];
      float *c = C + (size_t)i * ldc;
      for (int j = 0; j < N; j++) c[j] += av * b[j];
    }
  }
}
