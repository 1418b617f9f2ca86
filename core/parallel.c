/*
** Minibatch gradients in fixed chunks, on a small pool of threads.
**
** Rules:
**   1. A minibatch is cut into rnn_chunks(batch) chunks, a number that
**      depends on the configured batch size only: chunk c holds windows
**      [n c / k, n (c + 1) / k) of a batch of n.
**   2. Each chunk's forward pass, loss and backward pass write only its
**      thread's buffers and its own gradient; the loss gradient is scaled
**      by the whole batch's size, so the chunks add up to the batch's
**      gradient. The chunks only read the weights and one shared copy of
**      them transposed, made once per batch before the chunks start. A
**      chunk keeps of its own what is filled before the batch runs (its
**      inputs w.x, targets and dropout mask); the rest of its work (the
**      activations, their gradients) is its thread's, which runs its
**      chunks one after the other (rule 4), so T works serve every chunk.
**   3. The caller adds the chunk gradients in chunk order. With rules 1
**      and 2 the result is the same bit for bit for any number of threads.
**   4. Chunk c runs on thread c mod T; T is min(threads, chunks), so no
**      thread is started for a batch too small to split. The pool lives
**      for one training run; the caller's thread is one of the T.
**   5. A minibatch takes well under a millisecond, so waking a sleeping
**      thread for each one would cost a good share of it: workers and the
**      caller first spin on the job counter for up to about 50
**      microseconds, then sleep on the condition variable. They do not
**      spin when there are more threads than cores.
**   6. A long minibatch can be stopped between time steps (rnn_stop): the
**      chunks on the caller's thread poll the caller's hook, every chunk
**      stops when the flag is up, and the caller sees the flag after
**      rnn_batcher_run; the gradient of a stopped batch is never used.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "nn.h"

int rnn_chunks(int batch) {
  int k = batch / 16;
  return k < 1 ? 1 : k > 8 ? 8 : k;
}

int rnn_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

typedef struct worker_arg {
  struct rnn_pool *p;
  int id; /* 1..T-1; the caller is 0 */
} worker_arg;

struct rnn_pool {
  rnn_batcher *b;
  pthread_t th[1024];
  worker_arg arg[1024];
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  atomic_uint gen;     /* bumped for every job */
  atomic_int finished; /* workers done with the current job */
  atomic_int stop;
  int spin; /* rule 5, when there are no more threads than cores */
};

/* Rule 5: spins until *ready() or about SPIN_NS have passed; 1 if ready. */
#define SPIN_NS 50000
static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int spin_until(int (*ready)(rnn_pool *, unsigned), rnn_pool *p,
                      unsigned arg) {
  if (!p->spin) return ready(p, arg);
  long long until = 0;
  for (int i = 0;; i++) {
    if (ready(p, arg)) return 1;
    if ((i & 63) == 63) {
      long long t = now_ns();
      if (!until) until = t + SPIN_NS;
      else if (t > until) return 0;
    }
  }
}

static int job_posted(rnn_pool *p, unsigned seen) {
  return atomic_load_explicit(&p->gen, memory_order_acquire) != seen ||
         atomic_load_explicit(&p->stop, memory_order_acquire);
}

static int all_finished(rnn_pool *p, unsigned workers) {
  return atomic_load_explicit(&p->finished, memory_order_acquire) == (int)workers;
}

/* Rule 2: one chunk's gradient. */
static void run_chunk(rnn_batcher *b, int c) {
  rnn_chunk *ch = &b->chunk[c];
  ch->loss = 0.0;
  if (ch->count == 0) return;
  if (b->task) {
    b->task(b->task_arg, b, c);
    return;
  }
  int O = b->a->output;
  rnn_net_forward(&ch->w, b->a, b->lo, b->params, ch->count, 1);
  ch->loss = rnn_loss_part(b->loss, ch->w.dy, ch->w.y, ch->target,
                           ch->count * O, b->total * O);
  memset(ch->grad, 0, b->np * sizeof *ch->grad);
  rnn_net_backward(&ch->w, b->a, b->lo, b->params, ch->grad, ch->count);
}

/* Rule 4: thread t runs chunks t, t + T, t + 2T, ... */
static void run_share(rnn_batcher *b, int t) {
  for (int c = t; c < b->nc; c += b->nthreads) run_chunk(b, c);
}

static void *worker(void *arg) {
  rnn_pool *p = ((worker_arg *)arg)->p;
  int id = ((worker_arg *)arg)->id;
  unsigned seen = 0; /* no job was posted before the workers started */
  for (;;) {
    if (!spin_until(job_posted, p, seen)) {
      pthread_mutex_lock(&p->mu);
      while (!job_posted(p, seen)) pthread_cond_wait(&p->go, &p->mu);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load_explicit(&p->stop, memory_order_acquire)) break;
    seen = atomic_load_explicit(&p->gen, memory_order_acquire);
    run_share(p->b, id);
    atomic_fetch_add_explicit(&p->finished, 1, memory_order_release);
    /* Under the mutex, so a caller about to sleep cannot miss it. */
    pthread_mutex_lock(&p->mu);
    pthread_cond_signal(&p->done);
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

rnn_status rnn_batcher_init(rnn_batcher *b, const rnn_arch *a,
                            const rnn_layout *lo, int batch, double dropout,
                            int threads, int loss, const rnn_setup *s) {
  return rnn_batcher_init_seq(b, a, lo, batch, dropout, threads, loss, 0, s);
}

/* Rule 4: the threads a batcher of this batch size runs on. */
static int batcher_threads(int batch, int threads) {
  int nc = rnn_chunks(batch);
  if (threads <= 0) threads = rnn_cpu_count();
  return threads < nc ? threads : nc;
}

int rnn_batcher_works(int batch, int threads) {
  int nc = rnn_chunks(batch);
  return threads > 0 && threads < nc ? threads : nc;
}

/* Rule 2: the floats of a borrowing chunk's own inputs and dropout mask
** (the sizes rnn_work_init_seq gives them). */
static size_t own_x(const rnn_arch *a, int cap, int work_flags) {
  return (size_t)a->window * cap * (work_flags & RNN_WORK_TOKENS ? 1 : (size_t)a->input);
}

static size_t own_mask(const rnn_arch *a, int cap, double dropout) {
  if (!(dropout > 0 && a->layers > 1)) return 0;
  return (size_t)(a->layers - 1) * a->window * cap * a->dirs * a->hidden;
}

size_t rnn_batcher_own_bytes(const rnn_arch *a, int batch, double dropout,
                             int threads, int work_flags) {
  int nc = rnn_chunks(batch), cap = (batch + nc - 1) / nc;
  size_t own = own_x(a, cap, work_flags) + own_mask(a, cap, dropout);
  return (size_t)(nc - rnn_batcher_works(batch, threads)) * own * sizeof(float);
}

rnn_status rnn_batcher_init_seq(rnn_batcher *b, const rnn_arch *a,
                                const rnn_layout *lo, int batch,
                                double dropout, int threads, int loss,
                                int work_flags, const rnn_setup *s) {
  memset(b, 0, sizeof *b);
  b->a = a;
  b->lo = lo;
  b->np = lo->n_params;
  b->loss = loss;
  b->nc = rnn_chunks(batch);
  int cap = (batch + b->nc - 1) / b->nc;
  b->cap = cap;
  b->nthreads = batcher_threads(batch, threads);
  b->chunk = rnn_calloc((size_t)b->nc, sizeof *b->chunk);
  if (!b->chunk) return RNN_ENOMEM;
  /* The threads first: a thread that cannot start leaves fewer, and the
  ** works go by the threads there are (rule 2). */
  if (b->nthreads > 1) {
    rnn_pool *p = rnn_calloc(1, sizeof *p);
    if (!p) {
      rnn_batcher_free(b);
      return RNN_ENOMEM;
    }
    p->b = b;
    p->spin = b->nthreads <= rnn_cpu_count();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    b->pool = p;
    for (int t = 1; t < b->nthreads; t++) {
      p->arg[t] = (worker_arg){p, t};
      if (pthread_create(&p->th[t], NULL, worker, &p->arg[t]) != 0) {
        b->nthreads = t; /* fewer threads, same chunks: same result */
        break;
      }
    }
  }
  int T = b->nthreads;
  for (int c = 0; c < b->nc; c++) {
    rnn_chunk *ch = &b->chunk[c];
    rnn_status rc = RNN_OK;
    if (c < T) { /* thread c's work */
      rc = rnn_work_init_watched(&ch->w, a, cap, dropout, work_flags | RNN_WORK_GRADS, s);
      ch->w.wt_fixed = 2; /* chunk 0's transposed weights, below */
    } else { /* rule 2: its thread's work, its own inputs and mask */
      size_t mask = own_mask(a, cap, dropout);
      ch->w = b->chunk[c % T].w;
      ch->borrowed = 1;
      ch->w.x = rnn_calloc(own_x(a, cap, work_flags), sizeof(float));
      ch->w.mask = mask ? rnn_calloc(mask, sizeof(float)) : NULL;
      if (!ch->w.x || (mask && !ch->w.mask)) rc = RNN_ENOMEM;
      if (!rc && s && s->stop && s->stop(s->arg)) rc = RNN_EINTERRUPT;
    }
    if (c > 0 && c < T && !rc) { /* rule 2: one transposed copy */
      rnn_free(ch->w.wt);
      ch->w.wt = b->chunk[0].w.wt;
    }
    ch->grad = rnn_malloc(b->np * sizeof *ch->grad);
    ch->target = rnn_malloc((size_t)cap * a->output * sizeof *ch->target);
    if (rc || !ch->grad || !ch->target) {
      rnn_batcher_free(b);
      return rc ? rc : RNN_ENOMEM;
    }
  }
  /* Rule 6: the chunks the caller's thread runs may poll. */
  for (int c = 0; c < b->nc; c++) {
    b->chunk[c].w.stop = &b->stop;
    b->chunk[c].w.owner = c % b->nthreads == 0;
  }
  return RNN_OK;
}

void rnn_batcher_free(rnn_batcher *b) {
  rnn_pool *p = b->pool;
  if (p) {
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->stop, 1, memory_order_release);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int t = 1; t < b->nthreads; t++) pthread_join(p->th[t], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    rnn_free(p);
  }
  /* Chunk 0's transposed weights once: unshared before any work is freed. */
  for (int c = 1; b->chunk && c < b->nc; c++)
    if (!b->chunk[c].borrowed && b->chunk[c].w.wt == b->chunk[0].w.wt)
      b->chunk[c].w.wt = NULL;
  for (int c = 0; b->chunk && c < b->nc; c++) {
    rnn_chunk *ch = &b->chunk[c];
    if (ch->borrowed) { /* its own buffers only */
      rnn_free(ch->w.x);
      rnn_free(ch->w.mask);
    } else {
      rnn_work_free(&ch->w);
    }
    rnn_free(ch->grad);
    rnn_free(ch->target);
  }
  rnn_free(b->chunk);
  memset(b, 0, sizeof *b);
}

void rnn_batcher_split(rnn_batcher *b, int n) {
  b->total = n;
  for (int c = 0; c < b->nc; c++) {
    b->chunk[c].first = (int)((long long)n * c / b->nc);
    b->chunk[c].count = (int)((long long)n * (c + 1) / b->nc) - b->chunk[c].first;
  }
}

double rnn_batcher_run(rnn_batcher *b, const float *params, float *grad) {
  b->params = params;
  rnn_net_transpose(&b->chunk[0].w, b->a, b->lo, params);
  rnn_pool *p = b->pool;
  unsigned workers = (unsigned)b->nthreads - 1;
  if (p) {
    atomic_store_explicit(&p->finished, 0, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
  }
  run_share(b, 0);
  if (p && !spin_until(all_finished, p, workers)) {
    pthread_mutex_lock(&p->mu);
    while (!all_finished(p, workers)) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
  }
  /* Rule 3. */
  double loss = 0.0;
  if (!b->no_grad) memset(grad, 0, b->np * sizeof *grad);
  for (int c = 0; c < b->nc; c++) {
    if (b->chunk[c].count == 0) continue;
    const float *g = b->chunk[c].grad;
    if (!b->no_grad)
      for (size_t i = 0; i < b->np; i++) grad[i] += g[i];
    loss += b->chunk[c].loss;
  }
  if (b->loss_count > 0) return loss / b->loss_count;
  return loss / ((double)b->total * b->a->output);
}
