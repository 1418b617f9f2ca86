/* Small helpers shared by the whole core: error text, zeroed allocation,
** a monotonic clock. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; C libraries before glibc 2.35 lack the name */
#endif
#endif

#include "alloc.h"
#include "json.h"
#include "rnn.h"

rnn_status rnn_fail(rnn_err *e, rnn_status status, const char *fmt, ...) {
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return status;
}

void rnn_prefault(void *p, size_t n) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  if (n < ((size_t)16 << 10)) return;
  long got = sysconf(_SC_PAGESIZE); /* glibc: a stored value, no system call */
  uintptr_t page = got > 0 ? (uintptr_t)got : 4096;
  uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
  uintptr_t hi = ((uintptr_t)p + n) & ~(page - 1);
  /* 16 MiB a call: the call holds the process's memory-map lock */
  for (uintptr_t at = lo; at < hi; at += (uintptr_t)16 << 20) {
    uintptr_t k = hi - at < ((uintptr_t)16 << 20) ? hi - at : (uintptr_t)16 << 20;
    if (madvise((void *)at, k, MADV_POPULATE_WRITE) != 0) break;
  }
#else
  (void)p;
  (void)n;
#endif
}

void *rnn_calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  size_t bytes = n * size;
  void *p = rnn_malloc(bytes > 0 ? bytes : 1);
  if (p) memset(p, 0, bytes);
  return p;
}

double rnn_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void rnn_format_double(double v, char *buf, size_t n) {
  for (int digits = 15; digits <= 17; digits++) {
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*g", digits, v);
    /* %g writes a sign, digits, the locale's decimal point and an
    ** exponent: whatever else is there is the decimal point. */
    size_t at = 0;
    for (size_t i = 0; tmp[i] && at + 1 < sizeof tmp; i++) {
      char c = tmp[i];
      if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' ||
          c == 'E') {
        buf[at++] = c;
      } else if (at == 0 || buf[at - 1] != '.') {
        buf[at++] = '.';
      }
      if (at + 1 >= n) break;
    }
    buf[at] = 0;
    double back;
    if (digits == 17 || (rnn_json_number(buf, at, &back) == RNN_OK && back == v))
      return;
  }
}
