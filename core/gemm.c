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
**   3. On x86-64 with GCC each kernel is also compiled for AVX-512 and AVX2
**      and picked at run time (target_clones); other CPUs and compilers run
**      the portable build, which computes the same bits (rule 1).
**   4. A x B^T (the "nt" form) is not a kernel: callers transpose the
**      weights once per pass (rnn_transpose) and use the "nn" form.
*/
#include <string.h>

#include "nn.h"

#define MB 4
#define NB 16

/* 8 floats as one value (GCC/Clang vector extension): keeps the MB x NB
** block of C in registers, which the plain-array version left in memory.
** Lane-wise multiply and add only, so rule 1 holds. */
typedef float v8 __attribute__((vector_size(32)));

/* Unaligned loads and stores (macros: a function returning v8 would have
** a different ABI in the AVX2 clone). */
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v8))

/* The block's 8 accumulators are named variables (four rows of two v8),
** not an array: GCC keeps an array of vectors in memory. */
#define BLOCK_LOAD(C, ldc)                                              \
  v8 c00, c01, c10, c11, c20, c21, c30, c31;                            \
  LOAD8(c00, (C)), LOAD8(c01, (C) + 8);                                 \
  LOAD8(c10, (C) + (size_t)(ldc)), LOAD8(c11, (C) + (size_t)(ldc) + 8); \
  LOAD8(c20, (C) + 2 * (size_t)(ldc)), LOAD8(c21, (C) + 2 * (size_t)(ldc) + 8); \
  LOAD8(c30, (C) + 3 * (size_t)(ldc)), LOAD8(c31, (C) + 3 * (size_t)(ldc) + 8)
#define BLOCK_STORE(C, ldc)                                               \
  STORE8((C), c00), STORE8((C) + 8, c01);                                 \
  STORE8((C) + (size_t)(ldc), c10), STORE8((C) + (size_t)(ldc) + 8, c11); \
  STORE8((C) + 2 * (size_t)(ldc), c20), STORE8((C) + 2 * (size_t)(ldc) + 8, c21); \
  STORE8((C) + 3 * (size_t)(ldc), c30), STORE8((C) + 3 * (size_t)(ldc) + 8, c31)
/* One k: row r's accumulators += a_r * (b0, b1). */
#define BLOCK_STEP(a0, a1, a2, a3)           \
  c00 += (a0) * b0, c01 += (a0) * b1;        \
  c10 += (a1) * b0, c11 += (a1) * b1;        \
  c20 += (a2) * b0, c21 += (a2) * b1;        \
  c30 += (a3) * b0, c31 += (a3) * b1

/* C[0..MB, 0..NB) += A[0..MB, 0..K) * B[0..K, 0..NB): the full block. */
static inline void block_nn(int K, const float *A, int lda, const float *B,
                            int ldb, float *C, int ldc) {
  BLOCK_LOAD(C, ldc);
  const float *a0 = A, *a1 = A + lda, *a2 = A + 2 * (size_t)lda,
              *a3 = A + 3 * (size_t)lda;
  for (int k = 0; k < K; k++) {
    v8 b0, b1;
    LOAD8(b0, B + (size_t)k * ldb);
    LOAD8(b1, B + (size_t)k * ldb + 8);
    BLOCK_STEP(a0[k], a1[k], a2[k], a3[k]);
  }
  BLOCK_STORE(C, ldc);
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

/* C[0..MB, 0..NB) += A[0..K, 0..MB)^T * B[0..K, 0..NB). */
static inline void block_tn(int K, const float *A, int lda, const float *B,
                            int ldb, float *C, int ldc) {
  BLOCK_LOAD(C, ldc);
  for (int k = 0; k < K; k++) {
    const float *a = A + (size_t)k * lda;
    v8 b0, b1;
    LOAD8(b0, B + (size_t)k * ldb);
    LOAD8(b1, B + (size_t)k * ldb + 8);
    BLOCK_STEP(a[0], a[1], a[2], a[3]);
  }
  BLOCK_STORE(C, ldc);
}

RNN_KERNEL
void rnn_gemm_tn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  int j = 0;
  if (N >= NB) {
    for (int i = 0; i + MB <= M; i += MB)
      for (j = 0; j + NB <= N; j += NB)
        block_tn(K, A + i, lda, B + j, ldb, C + (size_t)i * ldc + j, ldc);
    j = N - N % NB;
    /* Rows below the last full row block, for the blocked columns. */
    int i0 = M - M % MB;
    for (int k = 0; k < K; k++) {
      const float *a = A + (size_t)k * lda, *b = B + (size_t)k * ldb;
      for (int r = i0; r < M; r++)
        for (int jj = 0; jj < j; jj++) C[(size_t)r * ldc + jj] += a[r] * b[jj];
    }
  }
  /* The remaining (narrow) columns: run along the rows of A instead, so a
  ** product with one column (an input of width 1) still vectorises. */
  for (; j < N; j++)
    for (int k = 0; k < K; k++) {
      const float *a = A + (size_t)k * lda;
      float b = B[(size_t)k * ldb + j];
      float *c = C + j;
      if (ldc == 1)
        for (int r = 0; r < M; r++) c[r] += a[r] * b;
      else
        for (int r = 0; r < M; r++) c[(size_t)r * ldc] += a[r] * b;
    }
}

void rnn_transpose(float *dst, const float *src, int rows, int cols) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}
