/*
** Matrix products of the core (row-major, leading dimensions as in BLAS).
**
** Rules:
**   1. Every output element accumulates its products in ascending k, one
**      multiply and one add at a time (no fused multiply-add, no
**      reassociation): the result is the same bit for bit whatever the
**      blocking, the vector width or the CPU, so models are reproducible.
**   2. The inner loops run along a row of C (a contiguous, independent
**      lane per output element), which the compiler vectorises without
**      changing rule 1; the kernels block MB rows x NB columns of C in
**      registers so each loaded value of B is used MB times.
**   3. On x86-64 with GCC each kernel is also compiled for AVX2 and picked
**      at run time (target_clones); other CPUs and compilers run the
**      portable build, which computes the same bits.
**   4. A x B^T (the "nt" form) is not a kernel: callers transpose the
**      weights once per pass (rnn_transpose) and use the "nn" form.
*/
#include "nn.h"

#define MB 4
#define NB 16

/* C[i0..i0+MB, j0..j0+NB) += A[i0.., 0..K) * B[0..K, j0..): the full block. */
static inline void block_nn(int K, const float *A, int lda, const float *B,
                            int ldb, float *C, int ldc) {
  float acc[MB][NB];
  for (int r = 0; r < MB; r++)
    for (int j = 0; j < NB; j++) acc[r][j] = C[(size_t)r * ldc + j];
  for (int k = 0; k < K; k++) {
    const float *b = B + (size_t)k * ldb;
    for (int r = 0; r < MB; r++) {
      float a = A[(size_t)r * lda + k];
      for (int j = 0; j < NB; j++) acc[r][j] += a * b[j];
    }
  }
  for (int r = 0; r < MB; r++)
    for (int j = 0; j < NB; j++) C[(size_t)r * ldc + j] = acc[r][j];
}

RNN_KERNEL
void rnn_gemm_nn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  int i = 0;
  for (; i + MB <= M; i += MB) {
    int j = 0;
    for (; j + NB <= N; j += NB)
      block_nn(K, A + (size_t)i * lda, lda, B + j, ldb, C + (size_t)i * ldc + j,
               ldc);
    /* The last columns, row by row (same order of k). */
    for (int r = i; r < i + MB && j < N; r++) {
      float *c = C + (size_t)r * ldc;
      for (int k = 0; k < K; k++) {
        float a = A[(size_t)r * lda + k];
        const float *b = B + (size_t)k * ldb;
        for (int jj = j; jj < N; jj++) c[jj] += a * b[jj];
      }
    }
  }
  for (; i < M; i++) {
    float *c = C + (size_t)i * ldc;
    for (int k = 0; k < K; k++) {
      float a = A[(size_t)i * lda + k];
      const float *b = B + (size_t)k * ldb;
      for (int j = 0; j < N; j++) c[j] += a * b[j];
    }
  }
}

/* C[i0..i0+MB, j0..j0+NB) += A[0..K, i0..)^T * B[0..K, j0..). */
static inline void block_tn(int K, const float *A, int lda, const float *B,
                            int ldb, float *C, int ldc) {
  float acc[MB][NB];
  for (int r = 0; r < MB; r++)
    for (int j = 0; j < NB; j++) acc[r][j] = C[(size_t)r * ldc + j];
  for (int k = 0; k < K; k++) {
    const float *a = A + (size_t)k * lda, *b = B + (size_t)k * ldb;
    for (int r = 0; r < MB; r++)
      for (int j = 0; j < NB; j++) acc[r][j] += a[r] * b[j];
  }
  for (int r = 0; r < MB; r++)
    for (int j = 0; j < NB; j++) C[(size_t)r * ldc + j] = acc[r][j];
}

RNN_KERNEL
void rnn_gemm_tn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  int i = 0;
  for (; i + MB <= M; i += MB) {
    int j = 0;
    for (; j + NB <= N; j += NB)
      block_tn(K, A + i, lda, B + j, ldb, C + (size_t)i * ldc + j, ldc);
    if (j < N)
      for (int k = 0; k < K; k++) {
        const float *a = A + (size_t)k * lda, *b = B + (size_t)k * ldb;
        for (int r = i; r < i + MB; r++)
          for (int jj = j; jj < N; jj++) C[(size_t)r * ldc + jj] += a[r] * b[jj];
      }
  }
  if (i < M)
    for (int k = 0; k < K; k++) {
      const float *a = A + (size_t)k * lda, *b = B + (size_t)k * ldb;
      for (int r = i; r < M; r++) {
        float *c = C + (size_t)r * ldc;
        for (int j = 0; j < N; j++) c[j] += a[r] * b[j];
      }
    }
}

void rnn_transpose(float *dst, const float *src, int rows, int cols) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}
