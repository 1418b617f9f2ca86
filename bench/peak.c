/*
** The CPU's fp32 peak, measured: one core running independent fused
** multiply-adds, 256 bits wide (AVX2+FMA) and 512 bits wide (AVX-512F) where
** the CPU has them. Twelve accumulators per loop hide the FMA latency of
** every CPU here. Prints "avx2 <GFLOP/s>" and "avx512 <GFLOP/s>" (0 when
** the CPU lacks it); make bench reports sqlite-rnn's GFLOP/s as a share of
** the larger.
*/
#include <stdio.h>
#include <time.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Each loop: iters x 12 FMAs of `lanes` floats, 2 FLOPs each. The sums
** are printed nowhere but stored, so the compiler keeps the work. */
static volatile float sink;

__attribute__((target("avx2,fma"))) static double fma256(long iters) {
  __m256 a[12], x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
  double t = now();
  for (long k = 0; k < iters; k++)
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], x, y);
  t = now() - t;
  float s = 0;
  for (int i = 0; i < 12; i++) s += _mm256_cvtss_f32(a[i]);
  sink = s;
  return (double)iters * 12 * 8 * 2 / t / 1e9;
}

__attribute__((target("avx512f"))) static double fma512(long iters) {
  __m512 a[12], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps((float)i);
  double t = now();
  for (long k = 0; k < iters; k++)
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) a[i] = _mm512_fmadd_ps(a[i], x, y);
  t = now() - t;
  float s = 0;
  for (int i = 0; i < 12; i++) s += _mm512_cvtss_f32(a[i]);
  sink = s;
  return (double)iters * 12 * 16 * 2 / t / 1e9;
}

/* The best of five runs of about 0.2 s (a shared machine is noisy). */
static double best(double (*f)(long), long iters) {
  double b = 0;
  for (int r = 0; r < 5; r++) {
    double g = f(iters);
    b = g > b ? g : b;
  }
  return b;
}

int main(void) {
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  int avx512 = __builtin_cpu_supports("avx512f");
  printf("avx2 %.1f\n", avx2 ? best(fma256, 50000000) : 0.0);
  printf("avx512 %.1f\n", avx512 ? best(fma512, 25000000) : 0.0);
  return 0;
}
#else
int main(void) {
  printf("avx2 0\navx512 0\n");
  return 0;
}
#endif
