/*
** The CPU's fp32 peak, measured: one core running independent fused
** multiply-adds, 256 bits wide (AVX2+FMA) and 512 bits wide (AVX-512F) where
** the CPU has them. Twelve accumulators per loop hide the FMA latency of
** every CPU here. Prints "avx2 <GFLOP/s>" and "avx512 <GFLOP/s>" (0 when
** the CPU lacks it); make bench reports sqlite-rnn's GFLOP/s as a share of
** the larger.
**
** Also the cost of the activations the cells compute, core/act.h's sigmoid
** and tanh, in nanoseconds per element over an array in L1, built for the
** widest instructions the CPU has as the cells' kernels are ("sigmoid_ns",
** "tanh_ns"). With the peak they give the least time a training epoch
** could take with these exact arithmetics (bench.py's floor).
*/
#include <stdio.h>
#include <time.h>

#include "../core/act.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* y = f(x) over n elements, one build per instruction set. */
#define ACT_LOOP(name, attr, f)                                           \
  attr static void name(float *restrict y, const float *restrict x, int n) { \
    for (int i = 0; i < n; i++) y[i] = f(x[i]);                          \
  }

/* The best of five runs of `reps` passes over 4,096 elements spread over
** [-4, 4): nanoseconds per element. */
static double act_ns(void (*f)(float *restrict, const float *restrict, int)) {
  static float x[4096], y[4096];
  for (int i = 0; i < 4096; i++) x[i] = (float)(i - 2048) / 512.0f;
  double b = 1e30;
  for (int r = 0; r < 5; r++) {
    double t = now();
    for (int k = 0; k < 20000; k++) {
      f(y, x, 4096);
      __asm__ volatile("" : : "r"(y) : "memory"); /* keep every pass */
    }
    t = now() - t;
    b = t < b ? t : b;
  }
  return b / 20000 / 4096 * 1e9;
}

ACT_LOOP(sigmoid_plain, , rnn_sigmoid1)
ACT_LOOP(tanh_plain, , rnn_tanh1)

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The targets of core/nn.h's AVX2 and AVX-512 builds. */
#define T2 __attribute__((target("avx2,fma")))
#define T512 __attribute__((target("avx512f,avx2,fma")))
ACT_LOOP(sigmoid_avx2, T2, rnn_sigmoid1)
ACT_LOOP(tanh_avx2, T2, rnn_tanh1)
ACT_LOOP(sigmoid_avx512, T512, rnn_sigmoid1)
ACT_LOOP(tanh_avx512, T512, rnn_tanh1)

/* Each loop: iters x 12 FMAs of `lanes` floats, 2 FLOPs each. The sums
** are printed nowhere but stored, so the compiler keeps the work. */
static volatile float sink;

#define FMA_LOOP(name, isa, vec, lanes, set1, fmadd, first)          \
  __attribute__((target(isa))) static double name(long iters) {      \
    vec a[12], x = set1(0.999999f), y = set1(1e-7f);                    \
    for (int i = 0; i < 12; i++) a[i] = set1((float)i);                 \
    double t = now();                                                   \
    for (long k = 0; k < iters; k++)                                    \
      _Pragma("GCC unroll 12") for (int i = 0; i < 12; i++)             \
          a[i] = fmadd(a[i], x, y);                                     \
    t = now() - t;                                                      \
    float s = 0;                                                        \
    for (int i = 0; i < 12; i++) s += first(a[i]);                      \
    sink = s;                                                           \
    return (double)iters * 12 * (lanes) * 2 / t / 1e9;                  \
  }
FMA_LOOP(fma256, "avx2,fma", __m256, 8, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_cvtss_f32)
FMA_LOOP(fma512, "avx512f", __m512, 16, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_cvtss_f32)

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
  printf("sigmoid_ns %.4f\n", act_ns(avx512 ? sigmoid_avx512 : avx2 ? sigmoid_avx2 : sigmoid_plain));
  printf("tanh_ns %.4f\n", act_ns(avx512 ? tanh_avx512 : avx2 ? tanh_avx2 : tanh_plain));
  return 0;
}
#else
int main(void) {
  printf("avx2 0\navx512 0\n");
  printf("sigmoid_ns %.4f\n", act_ns(sigmoid_plain));
  printf("tanh_ns %.4f\n", act_ns(tanh_plain));
  return 0;
}
#endif
