/*
** Matrix products of the core (row-major, leading dimensions as in BLAS).
**
** Rules:
**   1. Every output element accumulates its products in ascending k with a
**      fused multiply-add, c = fma(a_ik, b_kj, c): one rounding per product,
**      no reassociation. The result is the same bit for bit whatever the
**      blocking, the vector width or the CPU, so models are reproducible.
**   2. Three builds compute those bits (nn.h, run-time CPU dispatch). The
**      portable one runs fmaf along a row of C, which compilers turn into
**      vector FMA where every CPU of the architecture has it (aarch64). The
**      AVX2+FMA one keeps blocks of 6 x 16 elements of C in registers:
**      twelve accumulators hide the FMA latency, and each loaded value of B
**      serves six rows. The AVX-512 one keeps blocks of up to 8 x 32 (16
**      of its 32 registers) and does the ragged right edge with masked
**      loads and stores instead of narrower code.
**   3. Both forms (A or A^T times B) are one routine: op(A)[r][k] is
**      A[r * ars + k * aks], so A^T only swaps the two strides.
**   4. A x B^T (the "nt" form) is not a kernel: callers transpose the
**      weights once per pass (rnn_transpose) and use the "nn" form.
*/
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "nn.h"

typedef struct gemm_args {
  int M, N, K;
  const float *A;
  size_t ars, aks; /* op(A)[r][k] = A[r * ars + k * aks] (rule 3) */
  const float *B;
  size_t ldb;
  float *C;
  size_t ldc;
  const float *bias; /* (N): C starts from it instead of its own value, or NULL */
} gemm_args;

static void gemm_portable(const gemm_args *g) {
  for (int i = 0; i < g->M; i++) {
    float *restrict c = g->C + i * g->ldc;
    if (g->bias)
      for (int j = 0; j < g->N; j++) c[j] = g->bias[j];
    for (int k = 0; k < g->K; k++) {
      float a = g->A[i * g->ars + k * g->aks];
      const float *restrict b = g->B + k * g->ldb;
      for (int j = 0; j < g->N; j++) c[j] = fmaf(a, b[j], c[j]);
    }
  }
}

#if RNN_X86_DISPATCH
#include <immintrin.h>

#define X86_FMA RNN_TARGET_AVX2

/* The CPU's level, found once when the library is loaded (a constructor:
** nothing writes it while kernels run on several threads). */
static int simd_level, simd_cap = RNN_SIMD_AVX512;

__attribute__((constructor)) static void simd_detect(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    simd_level = __builtin_cpu_supports("avx512f") ? RNN_SIMD_AVX512 : RNN_SIMD_AVX2;
}

int rnn_simd(void) { return simd_level < simd_cap ? simd_level : simd_cap; }

void rnn_simd_cap(int level) { simd_cap = level; }

#define LD(p) _mm256_loadu_ps(p)
#define ST(p, v) _mm256_storeu_ps((p), (v))
#define FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
/* op(A) element (r, k) of the block, broadcast to 8 lanes. */
#define BCAST(r, k) _mm256_broadcast_ss(A + (size_t)(r) * ars + (size_t)(k) * aks)

/* The starting value of C[r][j..j+8): the bias when the product starts C
** from it, else C itself. */
X86_FMA static inline __m256 start(const gemm_args *g, const float *bias,
                                   const float *C, int r, int j) {
  return bias ? LD(bias + j) : LD(C + (size_t)r * g->ldc + j);
}

/* Row r of a block 16 columns wide: two accumulators. */
#define ROW_START(r) \
  __m256 c##r##0 = start(g, bias, C, r, 0), c##r##1 = start(g, bias, C, r, 8)
#define ROW_FMA(r) \
  a = BCAST(r, k), c##r##0 = FMA(a, b0, c##r##0), c##r##1 = FMA(a, b1, c##r##1)
#define ROW_STORE(r) ST(C + (r) * ldc, c##r##0), ST(C + (r) * ldc + 8, c##r##1)

/* C[i..i+6, j..j+16) (+)= op(A)[i..i+6, k0..k1) B[k0..k1, j..j+16): twelve
** accumulators, enough to hide the FMA latency; per k two loads of B and
** one broadcast per row. A, B, C and bias already point at row i, column j
** and step k0. */
X86_FMA static void block_6x16(const gemm_args *g, const float *A,
                               const float *B, float *C, const float *bias,
                               int K) {
  size_t ars = g->ars, aks = g->aks, ldb = g->ldb, ldc = g->ldc;
  ROW_START(0); ROW_START(1); ROW_START(2);
  ROW_START(3); ROW_START(4); ROW_START(5);
  for (int k = 0; k < K; k++) {
    __m256 b0 = LD(B + k * ldb), b1 = LD(B + k * ldb + 8), a;
    ROW_FMA(0); ROW_FMA(1); ROW_FMA(2);
    ROW_FMA(3); ROW_FMA(4); ROW_FMA(5);
  }
  ROW_STORE(0); ROW_STORE(1); ROW_STORE(2);
  ROW_STORE(3); ROW_STORE(4); ROW_STORE(5);
}

/* The same for four rows (what is left of M after blocks of six). */
X86_FMA static void block_4x16(const gemm_args *g, const float *A,
                               const float *B, float *C, const float *bias,
                               int K) {
  size_t ars = g->ars, aks = g->aks, ldb = g->ldb, ldc = g->ldc;
  ROW_START(0); ROW_START(1); ROW_START(2); ROW_START(3);
  for (int k = 0; k < K; k++) {
    __m256 b0 = LD(B + k * ldb), b1 = LD(B + k * ldb + 8), a;
    ROW_FMA(0); ROW_FMA(1); ROW_FMA(2); ROW_FMA(3);
  }
  ROW_STORE(0); ROW_STORE(1); ROW_STORE(2); ROW_STORE(3);
}

/* One row, NV vectors of 8 columns (NV <= 8): a batch of one, or the rows
** below the last block. NV independent accumulators hide the FMA latency
** when NV is large; the loops over v are unrolled, so they stay in
** registers. */
X86_FMA static inline void row_block(const gemm_args *g, const float *A,
                                     const float *B, float *C,
                                     const float *bias, int K, int NV) {
  size_t ars = g->ars, aks = g->aks, ldb = g->ldb;
  __m256 c[8];
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) c[v] = start(g, bias, C, 0, 8 * v);
  for (int k = 0; k < K; k++) {
    __m256 a = BCAST(0, k);
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) c[v] = FMA(a, LD(B + k * ldb + 8 * v), c[v]);
  }
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) ST(C + 8 * v, c[v]);
}

/* Row i from column j on: 64, 32 and 8 columns at a time, then one. */
X86_FMA static void row(const gemm_args *g, int i, int j, int k0, int K,
                        const float *bias) {
  const float *A = g->A + (size_t)i * g->ars + (size_t)k0 * g->aks;
  const float *B = g->B + (size_t)k0 * g->ldb;
  float *C = g->C + (size_t)i * g->ldc;
  for (; j + 64 <= g->N; j += 64) row_block(g, A, B + j, C + j, bias ? bias + j : NULL, K, 8);
  for (; j + 32 <= g->N; j += 32) row_block(g, A, B + j, C + j, bias ? bias + j : NULL, K, 4);
  for (; j + 8 <= g->N; j += 8) row_block(g, A, B + j, C + j, bias ? bias + j : NULL, K, 1);
  for (; j < g->N; j++) {
    float acc = bias ? bias[j] : C[j];
    for (int k = 0; k < K; k++) acc = fmaf(A[(size_t)k * g->aks], B[k * g->ldb + j], acc);
    C[j] = acc;
  }
}

/* One column of C (N == 1, as for a univariate input's weights) where
** op(A)'s rows are contiguous (ars == 1): vectorise along the rows, eight
** vectors at a time, so eight independent chains of FMAs hide their
** latency (one chain of K dependent FMAs per vector ran at an eighth of
** the speed). */
X86_FMA static void column(const gemm_args *g) {
  float b0 = g->bias ? g->bias[0] : 0.0f;
  int i = 0;
  for (; i + 64 <= g->M; i += 64) {
    float *c = g->C + i;
    __m256 acc[8];
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++) acc[v] = g->bias ? _mm256_set1_ps(b0) : LD(c + 8 * v);
    for (int k = 0; k < g->K; k++) {
      __m256 b = _mm256_broadcast_ss(g->B + k * g->ldb);
      const float *a = g->A + i + k * g->aks;
#pragma GCC unroll 8
      for (int v = 0; v < 8; v++) acc[v] = FMA(LD(a + 8 * v), b, acc[v]);
    }
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++) ST(c + 8 * v, acc[v]);
  }
  for (; i + 8 <= g->M; i += 8) {
    float *c = g->C + i;
    __m256 acc = g->bias ? _mm256_set1_ps(b0) : LD(c);
    for (int k = 0; k < g->K; k++)
      acc = FMA(LD(g->A + i + k * g->aks), _mm256_broadcast_ss(g->B + k * g->ldb), acc);
    ST(c, acc);
  }
  for (; i < g->M; i++) {
    float acc = g->bias ? b0 : g->C[i];
    for (int k = 0; k < g->K; k++) acc = fmaf(g->A[i + k * g->aks], g->B[k * g->ldb], acc);
    g->C[i] = acc;
  }
}

/* Steps of k per pass over C: a panel of B (KC x N) stays in L1 while every
** row block uses it. C keeps the sums between passes, so each element still
** accumulates in ascending k (rule 1). */
static int k_panel(int N) {
  int kc = 4096 / (N > 0 ? N : 1);
  return kc < 64 ? 64 : kc;
}

X86_FMA static void gemm_avx2(const gemm_args *g) {
  if (g->N == 1 && g->ars == 1 && g->ldc == 1) {
    column(g);
    return;
  }
  int KC = k_panel(g->N), jb = g->N - g->N % 16;
  for (int k0 = 0; k0 < g->K || k0 == 0; k0 += KC) {
    int K = g->K - k0 < KC ? g->K - k0 : KC;
    const float *bias = k0 == 0 ? g->bias : NULL;
    const float *A = g->A + (size_t)k0 * g->aks, *B = g->B + (size_t)k0 * g->ldb;
    /* Row blocks of six, then of four: two of four where one of six would
    ** leave two rows (M = 6q + 2), which would run at half speed. */
    int six = g->M % 6 == 2 && g->M >= 8 ? g->M / 6 - 1 : g->M / 6;
    int rows = 6 * six + (g->M - 6 * six) / 4 * 4; /* rows in blocks */
#define HEIGHT(i) ((i) < 6 * six ? 6 : 4)
#define BLOCK(i, j)                                                       \
  (HEIGHT(i) == 6 ? block_6x16 : block_4x16)(                             \
      g, A + (i) * g->ars, B + (j), g->C + (i) * g->ldc + (j),            \
      bias ? bias + (j) : NULL, K)
    if (g->M < g->N) {
      /* Few rows (a minibatch times a weight matrix): columns outer, so
      ** each strip of B is loaded into L1 once for every row block. */
      for (int j = 0; j < jb; j += 16)
        for (int i = 0; i < rows; i += HEIGHT(i)) BLOCK(i, j);
    } else {
      /* Rows outer: each block of A stays in L1 for every column block. */
      for (int i = 0; i < rows; i += HEIGHT(i))
        for (int j = 0; j < jb; j += 16) BLOCK(i, j);
    }
#undef BLOCK
#undef HEIGHT
    int i = rows;
    /* The columns right of the blocks, then the rows below them. */
    if (jb < g->N)
      for (int r = 0; r < i; r++) row(g, r, jb, k0, K, bias);
    for (; i < g->M; i++) row(g, i, 0, k0, K, bias);
  }
}

/* ------------------------------------------------------------ AVX-512 */

#define X86_512 RNN_TARGET_AVX512

/* C[0..R, 0..16 NV) (+)= op(A)[0..R, 0..K) B[0..K, 0..16 NV) with R x NV
** accumulators; mask[v] selects the columns of vector v that exist (the
** right edge). Loads of the missing columns read nothing (masked loads do
** not fault) and their lanes are never stored. R, NV and full (every
** column exists: plain loads, the masks unused) are constants in every
** caller, so the arrays live in registers. */
RNN_INLINE X86_512 __m512 load512(int full, __mmask16 mask, const float *p) {
  return full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(mask, p);
}

RNN_INLINE X86_512 void block512(const gemm_args *g, const float *A,
                                 const float *B, float *C, const float *bias,
                                 int K, int R, int NV, int full,
                                 const __mmask16 *mask) {
  size_t ars = g->ars, aks = g->aks, ldb = g->ldb, ldc = g->ldc;
  __m512 c[8][8];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++)
      c[r][v] = load512(full, mask[v], bias ? bias + 16 * v : C + r * ldc + 16 * v);
  for (int k = 0; k < K; k++) {
    __m512 b[8];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) b[v] = load512(full, mask[v], B + k * ldb + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m512 a = _mm512_set1_ps(A[r * ars + k * aks]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) c[r][v] = _mm512_fmadd_ps(a, b[v], c[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(C + r * ldc + 16 * v, mask[v], c[r][v]);
}

/* One build of block512 for every height (1 to 8) and width (16 or 32
** columns), and one 128 columns wide for a single row (a column sum, a
** batch of one), whose eight accumulators hide the FMA latency that two
** could not. */
typedef void block512_fn(const gemm_args *, const float *, const float *,
                         float *, const float *, int, const __mmask16 *);
#define BLOCK512(R, NV, FULL)                                                 \
  X86_512 static void block512_##R##x##NV##_##FULL(                           \
      const gemm_args *g, const float *A, const float *B, float *C,          \
      const float *bias, int K, const __mmask16 *mask) {                     \
    block512(g, A, B, C, bias, K, R, NV, FULL, mask);                         \
  }
#define BLOCK512_ALL(R) \
  BLOCK512(R, 1, 0) BLOCK512(R, 2, 0) BLOCK512(R, 2, 1)
BLOCK512_ALL(1) BLOCK512_ALL(2) BLOCK512_ALL(3) BLOCK512_ALL(4)
BLOCK512_ALL(5) BLOCK512_ALL(6) BLOCK512_ALL(7) BLOCK512_ALL(8)
/* [height - 1][0: up to 16 columns, 1: up to 32, 2: all 32] */
#define BLOCKS512(R) {block512_##R##x1_0, block512_##R##x2_0, block512_##R##x2_1}
static block512_fn *const blocks512[8][3] = {
    BLOCKS512(1), BLOCKS512(2), BLOCKS512(3), BLOCKS512(4),
    BLOCKS512(5), BLOCKS512(6), BLOCKS512(7), BLOCKS512(8)};
BLOCK512(1, 8, 0) BLOCK512(1, 8, 1)

/* The masks of the NV vectors of columns j.. of a row n columns long. */
RNN_INLINE X86_512 void edge_masks(__mmask16 *mask, int NV, int n) {
  for (int v = 0; v < NV; v++) {
    int left = n - 16 * v;
    mask[v] = left >= 16 ? (__mmask16)0xFFFF
              : left > 0 ? (__mmask16)((1u << left) - 1)
                         : (__mmask16)0;
  }
}

/* column() in zmm registers: 128 rows at a time (eight vectors), the
** last block with masks. */
X86_512 static void column512(const gemm_args *g) {
  __m512 b0 = _mm512_set1_ps(g->bias ? g->bias[0] : 0.0f);
  for (int i = 0; i < g->M; i += 128) {
    float *c = g->C + i;
    __mmask16 m[8];
    __m512 acc[8];
    edge_masks(m, 8, g->M - i);
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++)
      acc[v] = g->bias ? b0 : _mm512_maskz_loadu_ps(m[v], c + 16 * v);
    for (int k = 0; k < g->K; k++) {
      __m512 b = _mm512_set1_ps(g->B[k * g->ldb]);
      const float *a = g->A + i + k * g->aks;
#pragma GCC unroll 8
      for (int v = 0; v < 8; v++)
        acc[v] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m[v], a + 16 * v), b, acc[v]);
    }
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++) _mm512_mask_storeu_ps(c + 16 * v, m[v], acc[v]);
  }
}

/* A product one deep (the input projection of a series of one value a
** step): each element is one fused multiply-add on its starting value,
** c = fma(a_i, b_j, start), as in the blocks. 128 columns of B and of the
** bias stay in registers while every row streams through, instead of
** each block of 8 x 32 loading them again. */
X86_512 static void depth1_512(const gemm_args *g) {
  for (int j = 0; j < g->N; j += 128) {
    int nv = (g->N - j + 15) / 16; /* vectors with columns */
    __mmask16 m[8];
    __m512 b[8], s[8];
    edge_masks(m, 8, g->N - j);
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++) {
      b[v] = _mm512_maskz_loadu_ps(m[v], g->B + j + 16 * v);
      s[v] = g->bias ? _mm512_maskz_loadu_ps(m[v], g->bias + j + 16 * v) : b[v];
    }
    for (int i = 0; i < g->M; i++) {
      __m512 a = _mm512_set1_ps(g->A[(size_t)i * g->ars]);
      float *c = g->C + (size_t)i * g->ldc + j;
#pragma GCC unroll 8
      for (int v = 0; v < 8; v++) {
        if (v >= nv) break;
        __m512 start = g->bias ? s[v] : _mm512_maskz_loadu_ps(m[v], c + 16 * v);
        _mm512_mask_storeu_ps(c + 16 * v, m[v], _mm512_fmadd_ps(a, b[v], start));
      }
    }
  }
}

/* Rows in blocks of eight, the last block what is left; columns in blocks
** of 32, the last 16 or 32 wide with masks. Loop order and k panels as in
** gemm_avx2. */
X86_512 static void gemm_avx512(const gemm_args *g) {
  if (g->N == 1 && g->ars == 1 && g->ldc == 1) {
    column512(g);
    return;
  }
  if (g->K == 1) {
    depth1_512(g);
    return;
  }
  int KC = k_panel(g->N);
  for (int k0 = 0; k0 < g->K || k0 == 0; k0 += KC) {
    int K = g->K - k0 < KC ? g->K - k0 : KC;
    const float *bias = k0 == 0 ? g->bias : NULL;
    const float *A = g->A + (size_t)k0 * g->aks, *B = g->B + (size_t)k0 * g->ldb;
    if (g->M == 1) {
      for (int j = 0; j < g->N; j += 128) {
        __mmask16 m[8];
        edge_masks(m, 8, g->N - j);
        (g->N - j >= 128 ? block512_1x8_1 : block512_1x8_0)(
            g, A, B + j, g->C + j, bias ? bias + j : NULL, K, m);
      }
      continue;
    }
#define BLOCK(i, j)                                                    \
  do {                                                                 \
    int r_ = g->M - (i) < 8 ? g->M - (i) : 8, n_ = g->N - (j);         \
    __mmask16 m_[2];                                                   \
    edge_masks(m_, 2, n_);                                             \
    blocks512[r_ - 1][n_ >= 32 ? 2 : n_ > 16](g, A + (i) * g->ars, B + (j), \
                               g->C + (i) * g->ldc + (j),              \
                               bias ? bias + (j) : NULL, K, m_);       \
  } while (0)
    if (g->M < g->N) {
      for (int j = 0; j < g->N; j += 32)
        for (int i = 0; i < g->M; i += 8) BLOCK(i, j);
    } else {
      for (int i = 0; i < g->M; i += 8)
        for (int j = 0; j < g->N; j += 32) BLOCK(i, j);
    }
#undef BLOCK
  }
}

static void gemm(const gemm_args *g) {
  int level = rnn_simd();
  if (level == RNN_SIMD_AVX512)
    gemm_avx512(g);
  else if (level == RNN_SIMD_AVX2)
    gemm_avx2(g);
  else
    gemm_portable(g);
}

#else

int rnn_simd(void) { return RNN_SIMD_PORTABLE; }
void rnn_simd_cap(int level) { (void)level; }

static void gemm(const gemm_args *g) { gemm_portable(g); }

#endif

void rnn_gemm_nn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  gemm_args g = {M, N, K, A, (size_t)lda, 1, B, (size_t)ldb, C, (size_t)ldc, NULL};
  gemm(&g);
}

void rnn_gemm_nn_bias(int M, int N, int K, const float *A, int lda,
                      const float *B, int ldb, const float *bias, float *C,
                      int ldc) {
  gemm_args g = {M, N, K, A, (size_t)lda, 1, B, (size_t)ldb, C, (size_t)ldc, bias};
  gemm(&g);
}

void rnn_gemm_tn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc) {
  gemm_args g = {M, N, K, A, 1, (size_t)lda, B, (size_t)ldb, C, (size_t)ldc, NULL};
  gemm(&g);
}

void rnn_colsum(int M, int N, const float *A, int lda, float *y) {
  /* ones (1, M) times A: fma(1, a, y) is y + a exactly. */
  static const float one = 1.0f;
  gemm_args g = {1, N, M, &one, 0, 0, A, (size_t)lda, y, (size_t)N, NULL};
  gemm(&g);
}

void rnn_colsum2(int M, int N, const float *A, int lda, float *y1, float *y2) {
  /* Two sums that start from the same bits end with the same bits (a
  ** chunk's gradients start at zero, so both biases' do): one sum, copied. */
  int same = !memcmp(y1, y2, (size_t)N * sizeof *y1);
  rnn_colsum(M, N, A, lda, y1);
  if (same)
    memcpy(y2, y1, (size_t)N * sizeof *y2);
  else
    rnn_colsum(M, N, A, lda, y2);
}

const char *rnn_simd_name(int level) {
  return level == RNN_SIMD_AVX512 ? "avx512f"
         : level == RNN_SIMD_AVX2 ? "avx2+fma"
                                  : "portable C";
}

/* In tiles of 32 x 32, so neither side's accesses stride through memory a
** whole row apart for long (strides of a power of two alias in the cache:
** the plain double loop took a tenth of a language model's training);
** inside a tile, blocks of 8 x 8 go through registers where the CPU has
** AVX2 (8 loads and 8 stores of a row each, in place of 64 of a float). */
static void transpose_tile(float *dst, const float *src, int rows, int cols,
                           int r0, int r1, int c0, int c1) {
  for (int r = r0; r < r1; r++)
    for (int c = c0; c < c1; c++)
      dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}

#if RNN_X86_DISPATCH
/* dst[c][r] = src[r][c] for an 8 x 8 block: the usual unpack, shuffle and
** lane-permute network. Moves only: the same bits on every build. */
X86_FMA static void transpose_8x8(float *dst, size_t ldd, const float *src,
                                  size_t lds) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; i++) r[i] = LD(src + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) {
    ST(dst + i * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    ST(dst + (i + 4) * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}

X86_FMA static void transpose_avx2(float *dst, const float *src, int rows,
                                   int cols) {
  enum { TILE = 32 };
  for (int r0 = 0; r0 < rows; r0 += TILE)
    for (int c0 = 0; c0 < cols; c0 += TILE) {
      int r1 = r0 + TILE < rows ? r0 + TILE : rows;
      int c1 = c0 + TILE < cols ? c0 + TILE : cols;
      int r8 = r0 + (r1 - r0) / 8 * 8, c8 = c0 + (c1 - c0) / 8 * 8;
      for (int r = r0; r < r8; r += 8)
        for (int c = c0; c < c8; c += 8)
          transpose_8x8(dst + (size_t)c * rows + r, (size_t)rows,
                        src + (size_t)r * cols + c, (size_t)cols);
      transpose_tile(dst, src, rows, cols, r0, r8, c8, c1); /* right edge */
      transpose_tile(dst, src, rows, cols, r8, r1, c0, c1); /* bottom edge */
    }
}
#endif

void rnn_transpose(float *dst, const float *src, int rows, int cols) {
#if RNN_X86_DISPATCH
  if (rnn_simd() != RNN_SIMD_PORTABLE) {
    transpose_avx2(dst, src, rows, cols);
    return;
  }
#endif
  enum { TILE = 32 };
  for (int r0 = 0; r0 < rows; r0 += TILE)
    for (int c0 = 0; c0 < cols; c0 += TILE)
      transpose_tile(dst, src, rows, cols, r0, r0 + TILE < rows ? r0 + TILE : rows,
                     c0, c0 + TILE < cols ? c0 + TILE : cols);
}
