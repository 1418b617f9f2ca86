/*
** The core's allocation hooks (core/alloc.h) over SQLite's allocator, so
** the extension's memory counts against SQLite's limits and
** sqlite3_hard_heap_limit64 stops a training run that would exceed it.
**
** Large blocks are kept between calls. A training call allocates a few
** megabytes of buffers and frees them at its end; the C library hands that
** memory back to the system, and the next call takes it again page by page.
** A first touch of a page costs a fault, and on the virtual machines this
** project is measured on a fault costs about 12 us: 480 of them, 6 ms, in
** every call of a small network that trains in 60 ms (bench/RESULTS.md,
** "Large blocks kept between calls"). The rules:
**
**   1. A freed block of KEEP_MIN to KEEP_MAX bytes is kept, up to KEEP_MAX
**      bytes and KEEP_SLOTS blocks in all; when a new one does not fit, the
**      oldest kept blocks are freed first.
**   2. A request of at least KEEP_MIN bytes takes the smallest kept block
**      that holds it and is at most twice its size. A kept block holds what
**      its last user left there: rnn_calloc zeroes, rnn_malloc does not
**      promise to (in sanitizer builds it fills the block with 0xff bytes,
**      NaN as floats, so that code that reads before writing shows).
**   3. Nothing is kept while SQLite has a soft or hard heap limit: the
**      kept blocks count as used memory, and a user who set a limit wants
**      memory back. An allocation that fails frees every kept block and
**      tries again.
**   4. Every kept block is freed when the last connection that loaded the
**      extension closes (rnn_ext_alloc_hold / rnn_ext_alloc_release).
**   5. One mutex guards the blocks: training threads allocate and free too.
**      Under AddressSanitizer a kept block is poisoned, so a use after free
**      is still caught.
*/
#include "rnn_ext.h"

#include <pthread.h>
#include <string.h>

#include "../core/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define RNN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RNN_ASAN 1
#endif
#endif
#ifdef RNN_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define KEEP_MIN ((size_t)32 << 10)
#define KEEP_MAX ((size_t)16 << 20)
#define KEEP_SLOTS 32

static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void *p;
  size_t n;
} kept[KEEP_SLOTS]; /* oldest first */
static int n_kept;
static size_t kept_bytes;
static long holders; /* connections that loaded the extension (rule 4) */

static int limited(void) {
  return sqlite3_soft_heap_limit64(-1) > 0 || sqlite3_hard_heap_limit64(-1) > 0;
}

/* Kept block i, taken out of the list; under kept_lock. */
static void *take(int i) {
  void *p = kept[i].p;
  kept_bytes -= kept[i].n;
  memmove(kept + i, kept + i + 1, (size_t)(n_kept - i - 1) * sizeof kept[0]);
  n_kept--;
  return p;
}

/* Frees every kept block (rules 3 and 4); how many there were. */
static int drop_all(void) {
  pthread_mutex_lock(&kept_lock);
  int dropped = n_kept;
  while (n_kept > 0) {
    size_t n = kept[n_kept - 1].n;
    void *p = take(n_kept - 1);
    UNPOISON(p, n);
    sqlite3_free(p);
  }
  pthread_mutex_unlock(&kept_lock);
  return dropped;
}

void *rnn_malloc(size_t n) {
  if (n >= KEEP_MIN) { /* rule 2 */
    void *p = NULL;
    size_t got = 0;
    pthread_mutex_lock(&kept_lock);
    int best = -1;
    for (int i = 0; i < n_kept; i++)
      if (kept[i].n >= n && kept[i].n / 2 <= n && (best < 0 || kept[i].n < kept[best].n))
        best = i;
    if (best >= 0) got = kept[best].n, p = take(best);
    pthread_mutex_unlock(&kept_lock);
    if (p) {
      UNPOISON(p, got);
#ifdef RNN_ASAN
      memset(p, 0xff, got);
#endif
      return p;
    }
  }
  void *p = sqlite3_malloc64(n);
  if (!p && drop_all() > 0) p = sqlite3_malloc64(n); /* rule 3 */
  return p;
}

void *rnn_realloc(void *p, size_t n) {
  void *q = sqlite3_realloc64(p, n);
  if (!q && n > 0 && drop_all() > 0) q = sqlite3_realloc64(p, n);
  return q;
}

void rnn_free(void *p) {
  if (!p) return;
  size_t n = (size_t)sqlite3_msize(p);
  if (n < KEEP_MIN || n > KEEP_MAX || limited()) {
    sqlite3_free(p);
    if (n >= KEEP_MIN && limited()) drop_all();
    return;
  }
  void *old[KEEP_SLOTS];
  int n_old = 0;
  pthread_mutex_lock(&kept_lock); /* rule 1 */
  while (n_kept > 0 && (n_kept == KEEP_SLOTS || kept_bytes + n > KEEP_MAX)) {
    size_t m = kept[0].n;
    old[n_old] = take(0);
    UNPOISON(old[n_old], m);
    n_old++;
  }
  kept[n_kept].p = p, kept[n_kept].n = n, n_kept++;
  kept_bytes += n;
  POISON(p, n);
  pthread_mutex_unlock(&kept_lock);
  while (n_old > 0) sqlite3_free(old[--n_old]);
}

void rnn_ext_alloc_hold(void) {
  pthread_mutex_lock(&kept_lock);
  holders++;
  pthread_mutex_unlock(&kept_lock);
}

void rnn_ext_alloc_release(void *unused) {
  (void)unused;
  pthread_mutex_lock(&kept_lock);
  int last = --holders == 0;
  pthread_mutex_unlock(&kept_lock);
  if (last) drop_all();
}

size_t rnn_ext_alloc_kept(void) {
  pthread_mutex_lock(&kept_lock);
  size_t n = kept_bytes;
  pthread_mutex_unlock(&kept_lock);
  return n;
}
