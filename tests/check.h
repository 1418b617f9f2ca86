/*
** A minimal test harness for the C tests. Each test binary prints one line
** per test, "ok <name>" or "not ok <name>", with the details of every
** failed expectation above it, and exits non-zero if any test failed.
** tests/run.sh counts the lines across binaries.
*/
#ifndef RNN_CHECK_H
#define RNN_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failed_now; /* failures in the running test */
static int check_tests_failed;

#define EXPECT(cond, ...)                                               \
  do {                                                                  \
    if (!(cond)) {                                                      \
      check_failed_now++;                                               \
      printf("  %s:%d: expected %s: ", __FILE__, __LINE__, #cond);      \
      printf(__VA_ARGS__);                                              \
      printf("\n");                                                     \
    }                                                                   \
  } while (0)

#define EXPECT_STR(got, want)                                           \
  EXPECT(strcmp((got), (want)) == 0, "got \"%s\", want \"%s\"", (got), \
         (want))

static inline void check_run(const char *name, void (*fn)(void)) {
  check_failed_now = 0;
  fn();
  printf("%s %s\n", check_failed_now ? "not ok" : "ok", name);
  fflush(stdout);
  if (check_failed_now) check_tests_failed++;
}

#define RUN(fn) check_run(#fn, fn)

/* Compares n floats; prints the first values and the largest difference
** (as llm.c's check_tensor does). Returns the largest |a - b|. */
static inline double check_tensor(const char *label, const float *got,
                           const float *want, size_t n, double tol) {
  double maxd = 0.0;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)got[i] - (double)want[i]);
    if (!(d <= maxd)) maxd = d, at = i;
  }
  if (!(maxd <= tol)) {
    check_failed_now++;
    printf("  %s: max |diff| %.3g at [%zu] > %.3g; first values:\n", label,
           maxd, at, tol);
    for (size_t i = 0; i < n && i < 5; i++)
      printf("    [%zu] got %.8g want %.8g\n", i, got[i], want[i]);
  }
  return maxd;
}

static int check_exit(void) { return check_tests_failed ? 1 : 0; }

#endif
