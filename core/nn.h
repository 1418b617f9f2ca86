/*
** Internal numerical building blocks of the core: matrix products, cells,
** the whole network's forward and backward passes, losses and optimisers.
** Not part of the public API (rnn.h); tests include it to check gradients.
**
** Layout conventions:
**   1. Matrices are row-major; "ld" is the distance between rows in floats.
**   2. Sequences are time-major: a tensor (T, B, F) holds step t of batch
**      row b at [(t * B + b) * F]; so step t is the (B, F) matrix at t*B*F.
**   3. Weights follow PyTorch: w_ih (G*H, I), w_hh (G*H, H), b_ih, b_hh
**      (G*H), gate blocks stacked along the first dimension.
**   4. Backward functions accumulate (+=) into parameter gradients.
*/
#ifndef RNN_NN_H
#define RNN_NN_H

#include <math.h>
#include <stdatomic.h>

#include "rnn.h"

/*
** Run-time CPU dispatch. Every hot kernel is built more than once and the
** build for this CPU is chosen when it is called (rnn_simd):
**   products (gemm.c)       AVX-512F or AVX2+FMA intrinsics, or portable C;
**   element-wise kernels    AVX-512F, AVX2+FMA (compiler-vectorised from the
**                           same C), or portable C.
** All builds compute the same bits: no reassociation anywhere, and the
** fused multiply-adds are written out (fmaf, _mm256_fmadd_ps) rather than
** left to the compiler (-ffp-contract=off), so a CPU without FMA computes
** them exactly too, through the C library (slowly). An element-wise kernel
** is written once as NAME_body (RNN_INLINE) and RNN_DISPATCH(NAME, (params),
** (args)) defines NAME, which calls the build for this CPU.
*/
/* What a kernel calls is inlined into every build of it. */
#if defined(__GNUC__)
#define RNN_INLINE static inline __attribute__((always_inline))
#else
#define RNN_INLINE static inline
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#define RNN_X86_DISPATCH 1
#define RNN_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define RNN_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define RNN_DISPATCH(name, params, args)                                    \
  RNN_TARGET_AVX512 static void name##_avx512 params { name##_body args; } \
  RNN_TARGET_AVX2 static void name##_avx2 params { name##_body args; }     \
  static void name##_portable params { name##_body args; }                 \
  static void name params {                                                \
    int level_ = rnn_simd();                                               \
    if (level_ == RNN_SIMD_AVX512)                                         \
      name##_avx512 args;                                                  \
    else if (level_ == RNN_SIMD_AVX2)                                      \
      name##_avx2 args;                                                    \
    else                                                                   \
      name##_portable args;                                                \
  }
#else
#define RNN_DISPATCH(name, params, args) \
  static void name params { name##_body args; }
#endif

/* Kernels on doubles written with GCC vector types W lanes wide (each lane
** its own computation, so every width gives the same bits): DEFINE(NAME,
** TARGET, W) defines NAME##2, and where there is dispatch NAME##4 (AVX2)
** and NAME##8 (AVX-512); RNN_WIDEST(NAME, args) calls the widest build
** this CPU runs. */
#if RNN_X86_DISPATCH
#define RNN_DOUBLE_BUILDS(DEFINE, name) \
  DEFINE(name##2, , 2)                  \
  DEFINE(name##4, RNN_TARGET_AVX2, 4)   \
  DEFINE(name##8, RNN_TARGET_AVX512, 8)
#define RNN_WIDEST(name, args)                  \
  do {                                          \
    int level_ = rnn_simd();                    \
    if (level_ == RNN_SIMD_AVX512) name##8 args; \
    else if (level_ == RNN_SIMD_AVX2) name##4 args; \
    else name##2 args;                          \
  } while (0)
#else
#define RNN_DOUBLE_BUILDS(DEFINE, name) DEFINE(name##2, , 2)
#define RNN_WIDEST(name, args) name##2 args
#endif

/* ------------------------------------------------------------ gemm.c */

/* Tests cap the level of the builds used (rnn_simd: RNN_SIMD_PORTABLE or
** RNN_SIMD_AVX2 on an AVX-512 CPU) to compare them with the others; set
** before any work starts. */
void rnn_simd_cap(int level);

/* dst (cols, rows) = src (rows, cols)^T */
void rnn_transpose(float *dst, const float *src, int rows, int cols);
/* C (M, N) += A (M, K) * B (K, N) */
void rnn_gemm_nn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc);
/* C (M, N) = bias (N, repeated for every row) + A (M, K) * B (K, N) */
void rnn_gemm_nn_bias(int M, int N, int K, const float *A, int lda,
                      const float *B, int ldb, const float *bias, float *C,
                      int ldc);
/* C (M, N) += A (K, M)^T * B (K, N) */
void rnn_gemm_tn(int M, int N, int K, const float *A, int lda, const float *B,
                 int ldb, float *C, int ldc);
/* y (N) += the sum of A's M rows (M, N), in ascending row order. */
void rnn_colsum(int M, int N, const float *A, int lda, float *y);
/* y1 += ones (1, M) A and y2 += the same, bit for bit as two rnn_colsum
** calls; when y1 and y2 hold the same bits, one sum. */
void rnn_colsum2(int M, int N, const float *A, int lda, float *y1, float *y2);

/* ------------------------------------------------------------ cells */

/* One direction of one recurrent layer over a window of T steps for B rows
** (time-major, nn.h rule 2). reverse runs t = T-1 .. 0. The forward pass
** fills the caches the backward pass reads. */

/* Stopping a minibatch between time steps (train.c rule 6): every chunk
** checks flag at every step; the chunk on the caller's thread (owner) also
** asks poll every 10 ms (reading the clock every 16 steps) and raises the
** flag when it says stop. The caller checks the flag after the batch. */
typedef struct rnn_stop {
  atomic_int flag;
  /* The owner's fields on a cache line of their own: the other threads
  ** read flag at every step, the owner writes tick at every step. */
  _Alignas(64) int (*poll)(void *arg);
  void *arg;
  double next;   /* owner only */
  unsigned tick; /* owner only */
} rnn_stop;

typedef struct rnn_cell_io {
  int T, B, I, H;
  rnn_stop *stop; /* NULL: never stop */
  int owner;      /* 1: this call may poll stop (the caller's thread) */
  int act;     /* RNN_ACT_* (the Elman cell) */
  int reverse;
  const float *x; /* (T, B, I), row stride ldx; unused with tok */
  int ldx;
  const int *tok; /* (T, B) token inputs, or NULL: x is a one-hot row of
                  ** I = the vocabulary (rnn_cell_input_proj reads column
                  ** tok of w_ih; tok < 0 is an all-zero input) */
  float *out;     /* (T, B, .) the states h_t, row stride ldo */
  int ldo;
  const float *w_ih; /* (G*H, I) */
  const float *w_hh; /* (G*H, H) */
  const float *w_ihT; /* (I, G*H): w_ih transposed for the products */
  const float *w_hhT; /* (H, G*H) */
  const float *b_ih; /* (G*H) */
  const float *b_hh; /* (G*H) */
  float *z;          /* (T, B, G*H) cache: pre-activations or gates */
  float *aux;        /* (T, B, H) cache: c_t (lstm, then tanh(c_t) in a second
                     ** (T, B, H) block), W_hn h + b_hn (gru) */
  float *step;       /* (B, G*H) scratch */
  const float *zero; /* (B, H) zeros */
  const float *h0, *c0; /* (B, H) the initial h and c (lstm): zero, or a
                        ** state carried over from an earlier call */
  /* Lanes of different lengths (padded at the end): len (B) or NULL. The
  ** forward direction needs nothing (padding comes after every real step
  ** and its targets are ignored); the reverse direction starts each lane
  ** at its last element, len[b] - 1, from zero state: the state it reads
  ** there is cut (hcut, ccut: (B, H) scratch) and so is the gradient that
  ** would flow back through it (cell.c). */
  const int *len;
  float *hcut, *ccut;
} rnn_cell_io;

/* The backward side: gradients wrt every output state come in through
** dout; parameter gradients are accumulated; dx (if non-NULL) += the
** gradient wrt the input. */
typedef struct rnn_cell_grad {
  const float *dout; /* (T, B, .) row stride lddo */
  int lddo;
  float *dx;         /* (T, B, I) row stride lddx, or NULL */
  int lddx;
  float *dw_ih, *dw_hh, *db_ih, *db_hh;
  float *dz;  /* (T, B, G*H) scratch: gradient wrt the input-side pre-activations */
  float *dzh; /* (T, B, G*H) scratch: the same for the hidden side (gru); may be dz */
  float *dh;  /* (B, H) scratch */
  float *dc;  /* (B, H) scratch */
  /* Token inputs (rnn_work.tok_acc, tok_slot): the columns of dw_ih in use,
  ** gathered into rows. */
  float *tok_acc;
  int *tok_slot;
} rnn_cell_grad;

/* What the network needs to know of a kind of cell (net.c's table). A new
** cell is its file (forward and backward over one direction of one
** layer), a row of that table, its value in rnn.h's enum and its name in
** options.c. */
typedef struct rnn_cell_kind {
  int gates;      /* blocks of H rows in w_ih, w_hh, b_ih and b_hh */
  int aux;        /* (T, B, H) blocks it caches in rnn_work.aux */
  int cell_state; /* 1: aux's first block is a state carried as h is (LSTM's c) */
  int own_dzh;    /* 1: the hidden side's pre-activation gradient is not dz (GRU) */
  void (*forward)(const rnn_cell_io *c);
  void (*backward)(const rnn_cell_grad *g, const rnn_cell_io *c);
} rnn_cell_kind;

/* The row of cell (0 .. RNN_CELL_COUNT - 1). */
const rnn_cell_kind *rnn_cell_kind_of(int cell);

void rnn_elman_forward(const rnn_cell_io *c);
void rnn_elman_backward(const rnn_cell_grad *g, const rnn_cell_io *c);
void rnn_gru_forward(const rnn_cell_io *c);
void rnn_gru_backward(const rnn_cell_grad *g, const rnn_cell_io *c);
void rnn_lstm_forward(const rnn_cell_io *c);
void rnn_lstm_backward(const rnn_cell_grad *g, const rnn_cell_io *c);

/* Activations over arrays (activation.c): y = f(x) for arrays that do not
** overlap. The cells inline the scalar forms of act.h instead. */
void rnn_vsigmoid(float *restrict y, const float *restrict x, int n);
void rnn_vtanh(float *restrict y, const float *restrict x, int n);

/* Shared by the cells (cell.c). */
/* Step s of the processing order is time index t. */
static inline int rnn_cell_t(const rnn_cell_io *c, int s) {
  return c->reverse ? c->T - 1 - s : s;
}
/* The state before step s (h0 for s = 0) and its row stride; lanes whose
** reverse pass starts at step s read zeros (rnn_cell_io.len). */
const float *rnn_cell_prev(const rnn_cell_io *c, int s, int *ld);
/* The LSTM's c before step s (c0 for s = 0), cut as rnn_cell_prev. */
const float *rnn_cell_cprev(const rnn_cell_io *c, int s);
/* After the backward pass of step s computed the gradients wrt the state
** before it (dh, and dc for the lstm, or NULL): zeroes the lanes whose
** state was cut there. */
void rnn_cell_cut_grads(const rnn_cell_io *c, int s, float *dh, float *dc);
/* z = x W_ih^T + b_ih (+ b_hh if add_b_hh) for all T*B rows at once. */
void rnn_cell_input_proj(const rnn_cell_io *c, int G, int add_b_hh);
/* After the step loop has filled g->dz and g->dzh: bias gradients,
** dW_ih += dz^T x, dW_hh += dzh^T h_prev, dx += dz W_ih. */
void rnn_cell_param_grads(const rnn_cell_grad *g, const rnn_cell_io *c, int G);

/* ------------------------------------------------------------ network */

/* Buffers for a forward and backward pass over batches of up to B windows.
** Sized once per training run (or prediction), reused for every batch. */
typedef struct rnn_work {
  int B;        /* capacity in windows */
  /* A pass's shape and inputs beyond the forecaster's (rnn_net_forward):
  ** all zero/NULL for a window of a->window dense steps, zero initial
  ** state and the head on the last step. */
  int T;          /* steps of this pass, 1..a->window; 0 = a->window */
  int per_step;   /* 1: the head reads every step: y is (T, B, O) */
  const int *tok; /* (T, B) token inputs of layer 0 (rnn_cell_io.tok) */
  const float *h0, *c0; /* initial states (layers, state_ld): layer l's
                        ** (B, H) block at l * state_ld; NULL = zeros
                        ** (one direction only) */
  size_t state_ld;
  const int *len; /* (B) lane lengths, 1..T, or NULL: all T (rnn_cell_io) */
  float *x;     /* (T, B, I) input windows */
  float *z;     /* per layer and direction: (T, B, G*H) */
  float *aux;   /* per layer and direction: (T, B, H), twice for lstm */
  float *out;   /* per layer: (T, B, dirs*H) layer outputs (the states) */
  float *mask;  /* per layer but the last: (T, B, dirs*H) dropout scale, or NULL */
  float *drop;  /* per layer but the last: the masked outputs, or NULL */
  float *last;  /* (B, dirs*H) the head's input */
  float *y;     /* (B, O) outputs; (T, B, O) with per_step */
  float *step;  /* (B, G*H) scratch */
  /* backward */
  float *dy;    /* as y */
  float *dout;  /* (T, B, dirs*H) gradient wrt the current layer's outputs */
  float *dx;    /* (T, B, dirs*H) gradient wrt the current layer's inputs */
  float *dz, *dzh; /* (T, B, G*H) */
  float *dh, *dc;  /* (B, H) */
  float *zero;  /* (B, H) zeros: the initial state */
  float *cut;   /* (2, B, H) rnn_cell_io.hcut and ccut */
  float *wt;    /* every weight matrix transposed, refreshed by each forward */
  /* Token inputs with gradients (RNN_WORK_TOKENS | RNN_WORK_GRADS): rows for the columns of dW_ih a pass
  ** touches, min(input, T * B) of G*H floats, and input + that many ints
  ** (the row of each token, -1 for none, then the tokens in row order). */
  float *tok_acc;
  int *tok_slot;
  int wt_fixed; /* 0: each forward refreshes wt; 1: the first does, and it
                ** is kept (weights that never change); 2: the caller keeps
                ** wt current (rnn_net_transpose) */
  size_t z_stride, aux_stride, out_stride; /* floats between blocks */
  rnn_stop *stop; /* set by the batcher: rnn_cell_io.stop */
  int owner;      /* rnn_cell_io.owner */
} rnn_work;

/* Whether the work of cell call c should stop (rnn_stop); every: poll at
** this call, not every 16th (before a long product). */
static inline int rnn_cell_stop_at(const rnn_cell_io *c, int every) {
  rnn_stop *s = c->stop;
  if (!s) return 0;
  if (atomic_load_explicit(&s->flag, memory_order_relaxed)) return 1;
  if (!c->owner || !s->poll || ((s->tick++ & 15) && !every)) return 0;
  double now = rnn_now();
  if (now < s->next) return 0;
  s->next = now + 0.01;
  if (!s->poll(s->arg)) return 0;
  atomic_store_explicit(&s->flag, 1, memory_order_relaxed);
  return 1;
}

/* The step loops ask at every step (polling every 16th). */
static inline int rnn_cell_stopped(const rnn_cell_io *c) {
  return rnn_cell_stop_at(c, 0);
}

/* Bytes rnn_work_init would allocate. */
size_t rnn_work_bytes(const rnn_arch *a, int B, double dropout);

/* A work for forward passes (forecasts, validation losses): no buffers
** of the backward pass. dropout > 0 allocates the dropout buffers
** (training with layers > 1). */
rnn_status rnn_work_init(rnn_work *w, const rnn_arch *a, int B, double dropout);
/* The same for sequence models: flags RNN_WORK_STEPS makes room for a head
** on every step (rnn_work.per_step), RNN_WORK_TOKENS takes token inputs
** (rnn_work.tok) and allocates no dense input, RNN_WORK_GRADS is a work
** that runs backward passes (a batcher's: the backward pass's buffers,
** and with tokens their gradient's scratch, tok_acc and tok_slot). */
enum { RNN_WORK_STEPS = 1, RNN_WORK_TOKENS = 2, RNN_WORK_GRADS = 4 };
rnn_status rnn_work_init_seq(rnn_work *w, const rnn_arch *a, int B,
                             double dropout, int flags);
size_t rnn_work_bytes_seq(const rnn_arch *a, int B, double dropout,
                          int flags);
/* Set-up that can take seconds (a large network's buffers, zeroed page by
** page): stop(arg) is asked after each buffer, and non-zero ends the
** set-up with RNN_EINTERRUPT. */
typedef struct rnn_setup {
  int (*stop)(void *arg);
  void *arg;
} rnn_setup;
/* rnn_work_init_seq asking s (NULL: never) between its buffers. */
rnn_status rnn_work_init_watched(rnn_work *w, const rnn_arch *a, int B,
                                 double dropout, int flags, const rnn_setup *s);
void rnn_work_free(rnn_work *w);

struct rnn_rng;
/* Draws new dropout masks for a batch of B (inverted dropout: kept units
** are scaled by 1/(1-p)). */
void rnn_net_dropout_masks(rnn_work *w, const rnn_arch *a, int B, double p,
                           struct rnn_rng *r);

/* Forward pass of B windows already in w->x; outputs in w->y. With
** train != 0 and dropout buffers present, the masks in w->mask are applied
** between layers. */
/* Fills w->wt from the weights in params. */
void rnn_net_transpose(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                       const float *params);

void rnn_net_forward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                     const float *params, int B, int train);

/* Backward pass from w->dy (set by the loss) after a training forward;
** accumulates parameter gradients into grad (mirrors params). w must have
** been made with RNN_WORK_GRADS (rnn_work_init_seq). */
void rnn_net_backward(rnn_work *w, const rnn_arch *a, const rnn_layout *lo,
                      const float *params, float *grad, int B);

/* Initialises params as PyTorch does: every recurrent tensor from
** U(-1/sqrt(H), 1/sqrt(H)) and the head from U(-1/sqrt(dirs*H), ..). */
void rnn_net_init(float *params, const rnn_arch *a, const rnn_layout *lo,
                  struct rnn_rng *r);

/* ------------------------------------------------------------ loss.c */

/* Regression losses over n outputs (means, as torch's default reduction);
** write dL/dy to dy and return L. Huber uses delta = 1. */
double rnn_loss(int kind, float *dy, const float *y, const float *target,
                int n);
/* The same for n outputs of a batch of total: returns the sum of the n
** losses and scales dy by 1/total (a chunk's share of the batch mean). */
double rnn_loss_part(int kind, float *dy, const float *y, const float *target,
                     int n, int total);

/* Softmax cross-entropy of B rows of C logits against class indices
** (torch.nn.CrossEntropyLoss, mean over rows); dy gets dL/dlogits. */
double rnn_softmax_xent(float *dy, const float *logits, const int *label,
                        int B, int C);

/* Probabilities of C logits (numerically stable softmax), for inference
** with a model trained on the cross-entropy loss. */
void rnn_softmax(float *p, const float *logits, int C);

/* The sequence models' cross-entropy (softmax over C logits per row) on n
** rows, rows with label < 0 ignored: returns the sum of the losses and
** writes dL/dlogits scaled by 1/total (a chunk's share of the mean over the
** batch's labelled rows; ignored rows get 0). Computed with exact
** operations and act.h's exp: the same bits on every CPU and C library. */
double rnn_xent_part(float *dy, const float *logits, const int *label, int n,
                     int C, int total);
/* softmax(logits / temperature) with the same exp (temperature > 0). */
void rnn_softmax_det(float *p, const float *logits, int C, float temperature);

/* ------------------------------------------------------------ optim.c */

typedef struct rnn_optim {
  int kind;     /* RNN_OPT_* (rnn.h) */
  float *m, *v; /* adam: moments; momentum: m is the velocity */
  size_t n;
  int64_t t;    /* steps taken */
  double lr, beta1, beta2, eps, momentum;
} rnn_optim;

rnn_status rnn_optim_init(rnn_optim *o, int kind, size_t n, double lr);
void rnn_optim_free(rnn_optim *o);
/* One step with torch.optim's semantics (no weight decay): SGD; SGD with
** momentum 0.9 (no dampening, not Nesterov); Adam (0.9, 0.999, 1e-8). */
void rnn_optim_step(rnn_optim *o, float *params, const float *grad);

/* Scales grad so its L2 norm is at most max_norm (torch's
** clip_grad_norm_); returns the norm before clipping. */
double rnn_clip_grad(float *grad, size_t n, double max_norm);

/* ------------------------------------------------------------ parallel.c */

/* Chunks a minibatch of the configured size is cut into (parallel.c). */
int rnn_chunks(int batch);
int rnn_cpu_count(void);

typedef struct rnn_chunk {
  rnn_work w;      /* the chunk's windows go in w.x */
  float *target;   /* (cap, O) */
  float *grad;     /* mirrors params */
  double loss;     /* summed, not averaged */
  int first, count; /* windows of the current batch */
  int borrowed;    /* w's buffers are its thread's but w.x and w.mask */
} rnn_chunk;

typedef struct rnn_pool rnn_pool;

typedef struct rnn_batcher {
  const rnn_arch *a;
  const rnn_layout *lo;
  const float *params;
  size_t np;
  int loss;      /* RNN_LOSS_* */
  int nc, cap;   /* chunks, windows per chunk at most */
  int nthreads;  /* threads working, the caller included */
  int total;     /* windows in the current batch */
  rnn_chunk *chunk;
  rnn_pool *pool;
  rnn_stop stop; /* set stop.poll to let a batch stop between time steps */
  /* A task other than the forecaster's regression (rule 2 still holds):
  ** task(task_arg, b, c) sets chunk c's loss (a sum) and, unless
  ** b->no_grad, its gradient. loss_count divides the summed loss (0: the
  ** batch's windows times the outputs). */
  void (*task)(void *arg, struct rnn_batcher *b, int c);
  void *task_arg;
  double loss_count;
  int no_grad; /* 1: rnn_batcher_run leaves grad alone (evaluation) */
} rnn_batcher;

/* s (NULL: none) is asked between the chunks' buffers (rnn_setup). */
rnn_status rnn_batcher_init(rnn_batcher *b, const rnn_arch *a,
                            const rnn_layout *lo, int batch, double dropout,
                            int threads, int loss, const rnn_setup *s);
/* The same with rnn_work_init_seq's flags for each chunk's buffers. */
rnn_status rnn_batcher_init_seq(rnn_batcher *b, const rnn_arch *a,
                                const rnn_layout *lo, int batch,
                                double dropout, int threads, int loss,
                                int work_flags, const rnn_setup *s);
void rnn_batcher_free(rnn_batcher *b);
/* The works a memory plan counts for a batcher (core/parallel.c rule 2:
** one a thread): min(threads, chunks), and as many as chunks for threads
** 0 (as many as cores), so that the plan is the same on every machine. */
int rnn_batcher_works(int batch, int threads);
/* The bytes of the chunks that borrow a thread's work: their own inputs
** and dropout masks (core/parallel.c rule 2), for the same plan. */
size_t rnn_batcher_own_bytes(const rnn_arch *a, int batch, double dropout,
                             int threads, int work_flags);
/* Sets the chunks' windows for a batch of n (rule 1); the caller then
** gathers chunk c's windows into chunk[c].w.x and .target. */
void rnn_batcher_split(rnn_batcher *b, int n);
/* Computes the batch's gradient into grad; returns the mean loss. */
double rnn_batcher_run(rnn_batcher *b, const float *params, float *grad);

/* ------------------------------------------------------------ series.c */

/* Fills NaN entries of column y[0], y[stride], ... (n of them) by linear
** interpolation (ends: nearest value). Returns the number filled, or -1 if
** every value is missing. */
int64_t rnn_fill_missing(double *y, size_t n, size_t stride);

/* The seasonal periods of y (series.c rule 2): *p1 the cycle (1 when there
** is none), *p2 a longer cycle that is a multiple of it (0 when none). */
#define RNN_MAX_PERIOD 1000
rnn_status rnn_seasonal_periods(const double *y, size_t n, int *p1, int *p2);
/* ac[k] = sum_i d[i] d[i + k] / sum_i d[i]^2 for k = 0 .. K (K < n), each
** sum in ascending i: the same bits from every build (rule 2 (b)). */
void rnn_autocorrelations(const double *d, size_t n, int K, double *ac);

/* The window "auto" chooses for a series of n points with period p1. */
int rnn_window_for_period(int period, size_t n);

/* ------------------------------------------------------------ predict.c */

/* The level a window's values are taken relative to: the mean of its W
** values (column 0 of rows (W, C)), summed in double. */
static inline float rnn_anchor(const float *rows, int W, int C) {
  double sum = 0.0;
  for (int t = 0; t < W; t++) sum += rows[(size_t)t * C];
  return (float)(sum / W);
}

/* Forecasts K steps (normalised units) for B windows at once. rows
** (B, W, C) holds each window's normalised rows and is consumed (it ends
** holding the last W rows, predictions included). out is (B, K). w must
** have capacity for B windows. Returns non-zero when the model's cancel
** hook stopped it (predict.c rule 8). */
int rnn_forecast_z(const rnn_model *m, rnn_work *w, float *rows, int B,
                   int K, float *out);


/* ---------------------------------------------------------- components.c */

/* Forecasts h values (data units) of component c from the n rows (stride C,
** value in column 0) of y; logs: profiles on logarithms (rule 1). Not the
** network. */
void rnn_component_forecast(const rnn_component *c, const double *y, size_t n,
                            int C, int logs, int h, double *out);
/* The same, ly (NULL: none) the logarithms of y's rows (rnn_det_logs,
** one a row) for the profiles to read instead of taking their own. */
void rnn_component_forecast_ly(const rnn_component *c, const double *y,
                               const double *ly, size_t n, int C, int logs,
                               int h, double *out);
/* The candidates of rule 2 for `rows` rows of history; returns how many
** (at most RNN_MAX_CANDIDATES). */
int rnn_candidates(rnn_component *out, int p1, int p2, int horizon,
                   size_t rows, int network);
/* Rule 6: m's candidates scored again on the new origins and chosen. */
rnn_status rnn_rescore_components(rnn_model *m, const double *v, size_t n,
                                  int C, const size_t *origin, int origins,
                                  const double *netf, int K, size_t shift);
/* Rule 3: scores the candidates at the validation origins (origin[j] the
** first forecast row; netf (origins, K) the network's forecasts there, data
** units, or NULL when there is no network), keeps the best in m, and
** writes the combination's errors (origins, K; NaN where the truth is
** unknown) to err and the cross-fitted errors of rule 5 to cal. */
rnn_status rnn_choose_components(rnn_model *m, const double *v, size_t n,
                                 int C, const size_t *origin, int origins,
                                 const double *netf, int K, int p2,
                                 double *err, double *cal);
/* Rule 7: the weighted validation error of the combination of the simple
** candidates alone on v (NaN: none); m is not changed. */
rnn_status rnn_simple_score(const rnn_model *m, const double *v, size_t n,
                            int C, const size_t *origin, int origins, int K,
                            int p2, int log, double *score);
/* Rule 3: one step of the forecast from its n components' forecasts f, the
** median of three (RNN_FC_MEDIAN in fc_flags) or the mean; net: which is
** the network (-1: none), whose share format 4 added last. */
double rnn_combine(int fc_flags, const double *f, int n, int net);
/* Rule 5: the calibration from errors err (origins, K): per-step scales,
** or sqrt(step) without per_step. */
rnn_status rnn_calibrate_steps(rnn_model *m, const double *err, int origins,
                               int K, int per_step);
/* log and exp from exact operations only: the same bits on every CPU and
** C library (rule 1's profiles on logarithms). */
double rnn_det_log(double x);
/* out[i] = rnn_det_log(x[i * stride]) for i < n, several at a time. */
void rnn_det_logs(const double *x, size_t stride, size_t n, double *out);
double rnn_det_exp(double x);
/* rnn_predict_rows for rows that may have fewer than tail_rows rows before
** them (first >= the network's window): such a row's components read the
** rows there are, as the validation forecasts do (train.c rule 15); the
** seasonal-naive fallback gives NaN there. */
rnn_status rnn_predict_history(rnn_model *m, const double *series, size_t first,
                               int count, double *out, rnn_err *e);
/* Rule 4 on a forecast of h values from the n rows (stride C) of y (with
** a covariate effect, the values less it: the floor at zero is then the
** caller's, on the forecast with the effect); the same in two steps: the
** range of the rows, then the clamp. */
void rnn_clamp_forecast(const rnn_model *m, const double *y, size_t n, int C,
                        double *out, int h);
void rnn_forecast_range(const rnn_model *m, const double *y, size_t n, int C,
                        double *lo, double *hi);
void rnn_clamp_range(const rnn_model *m, double lo, double hi, double *out, int h);

/* ------------------------------------------------------------- xreg.c */

/* Rules 2-3: fits the covariates' effect beta (C - 1) on the changes of
** rows [0, fit_rows) of v (n, C, filled) and tests it on the rest, the
** first `lagged` covariates' changes of the row before as the control;
** *keep 1 when it is kept (else beta is 0), *share the held-out share
** explained (NaN: none). Only memory fails. */
rnn_status rnn_xreg_fit(const double *v, size_t n, int C, size_t fit_rows,
                        int mode, int lagged, double *beta, double *share,
                        int *keep);
/* sum_j beta_j x_j over k covariates. */
double rnn_xreg_effect(const double *beta, int k, const double *x);
/* Rule 1: the values of n rows (stride C) less the covariates' effect. */
void rnn_xreg_remove(const double *beta, int C, double *rows, size_t n);

/* ------------------------------------------------------------- train.c */

/* The epochs of a training run (train.c rules 5, 6 and 11; text.c uses
** them too): where the losses go and the best parameters are kept. */
typedef struct rnn_epoch_log {
  double *train_loss, *val_loss; /* per epoch */
  int *epochs_run, *best_epoch;
  double best_val;  /* INFINITY at first */
  float *best;      /* np floats */
  size_t np;
  int epochs, patience;
} rnn_epoch_log;

/* The caller's progress callback asked from inside a minibatch
** (rnn_stop.poll with arg an rnn_train_poll): it sees p. */
typedef struct rnn_train_poll {
  const rnn_train_ctl *ctl;
  rnn_progress p;
} rnn_train_poll;
int rnn_poll_caller(void *arg);

/* One minibatch whose chunks are filled: its gradient, clipping and the
** optimiser's step. RNN_EINTERRUPT when the batch was stopped; *loss not
** finite (and no step taken) when training diverged. */
rnn_status rnn_batch_step(rnn_batcher *b, float *params, float *grad,
                          rnn_optim *opt, double clip, double *loss,
                          rnn_err *e);

/* Records epoch ep (0-based), keeps params when the validation loss
** improved (every epoch without validation), tells the progress callback
** (RNN_EINTERRUPT if it says stop); *stop when patience ran out. */
rnn_status rnn_epoch_end(rnn_epoch_log *g, int ep, double train, double val,
                         int has_val, const float *params,
                         const rnn_train_ctl *ctl, int *stop, rnn_err *e);
/* The error when training diverged before any epoch was kept, or
** max_seconds ran out before the first; RNN_OK otherwise. */
rnn_status rnn_epochs_outcome(int diverged, int best_epoch, int epochs_run,
                              double max_seconds, rnn_err *e);

/* ---------------------------------------------------------------- fit.c */

/* What the training loop needs of a task (fit.c): the forecaster's series
** windows (train.c), language models' token lanes (text.c), classifiers'
** and taggers' labelled sequences (seqtask.c). */
typedef struct rnn_fit_task {
  void *arg;
  /* Starts a pass: over the training examples (train 1; rng may shuffle
  ** them) or the validation examples in order (train 0, rng NULL). The
  ** chunk function computes gradients only in a training pass. */
  void (*begin)(void *arg, int train, struct rnn_rng *rng);
  /* Fills the next minibatch into the batcher's chunks (split, each
  ** chunk's w.T set); returns its number of examples, 0 when the pass is
  ** over. An epoch's loss is the mean over its examples. */
  int (*fill)(void *arg, rnn_batcher *b);
  /* The batcher's task (rnn_batcher.task); NULL: the batcher's own
  ** regression head on every chunk's target. */
  void (*chunk)(void *arg, rnn_batcher *b, int c);
  /* Loss terms per example (a minibatch's loss is their mean); 0: one. */
  int loss_terms;
  /* The mean validation loss under params (NaN: none), when the task
  ** measures it itself; NULL: a pass of begin(0) and fill through the
  ** batcher without gradients. */
  double (*validate)(void *arg, const float *params);
  /* Seconds to keep for what follows training, given the last finished
  ** epoch's seconds (max_seconds); NULL: nothing. */
  double (*reserve)(void *arg, double epoch_seconds);
} rnn_fit_task;

/* The model a training run fits: m->arch, m->layout and m->params
** (allocated), train_loss and val_loss with room for o->epochs. */
typedef struct rnn_fitted {
  const rnn_arch *arch;
  const rnn_layout *layout;
  float *params;
  double *train_loss, *val_loss;
  int *epochs_run, *best_epoch;
  int out_of_time; /* set when max_seconds ended training */
  int warm;        /* params hold a trained model's: no initialisation, and
                   ** they stay unless an epoch validates better (fit.c
                   ** rule 6) */
} rnn_fitted;
/* Of a forecasting or a sequence model, which name these fields alike. */
#define RNN_FITTED(m)                                                       \
  ((rnn_fitted){&(m)->arch, &(m)->layout, (m)->params, (m)->train_loss,     \
                (m)->val_loss, &(m)->epochs_run, &(m)->best_epoch, 0, 0})

/* The set-up of a training call (core/fit.c rule 7): s asks ctl's
** progress callback through poll. */
typedef struct rnn_train_setup {
  rnn_setup s;
  rnn_train_poll poll;
} rnn_train_setup;
void rnn_train_setup_init(rnn_train_setup *t, const rnn_train_ctl *ctl,
                          int epochs);
/* rc, or for a set-up stopped (RNN_EINTERRUPT) the error saying so. */
rnn_status rnn_train_setup_fail(rnn_status rc, rnn_err *e);

/* The batcher of a sequence model's training (batch B, work flags), after
** checking the memory it and data_bytes of data would take against
** RNN_MAX_MEMORY (the error says "lower " and what); setup is asked
** between its buffers. */
rnn_status rnn_seq_batcher(rnn_batcher *bt, const rnn_seqmodel *m, int B,
                           int flags, double data_bytes, const char *lower,
                           const rnn_train_setup *setup, rnn_err *e);

/* Trains f's parameters on the task with the batcher; t0 is when the call
** began (max_seconds). */
rnn_status rnn_fit(rnn_fitted *f, rnn_batcher *bt, const rnn_fit_task *task,
                   int has_val, const rnn_options *o, const rnn_train_ctl *ctl,
                   double t0, rnn_err *e);

/* ---------------------------------------------------------------- text.c */

void rnn_vocab_free(rnn_vocab *v);
/* Rules 1 and 2 of text.c on n rows (m->opts set): m->vocab, and every
** row's ids, row i at (*ids)[(*start)[i] .. (*start)[i + 1]). */
rnn_status rnn_text_prepare(rnn_seqmodel *m, const char *const *text,
                            const size_t *len, size_t n, int32_t **ids,
                            int64_t **start, rnn_err *e);
/* The ids of text's tokens in m's vocabulary (unknown: <UNK>), in a new
** array (rnn_free; NULL when there are none). */
rnn_status rnn_text_ids(const rnn_seqmodel *m, const char *text, size_t len,
                        int32_t **ids, size_t *n);
/* rnn_arch_layout for a language model: input and output up to
** RNN_MAX_VOCAB (a forecaster's stay within 1024). */
rnn_status rnn_text_layout(const rnn_arch *a, rnn_layout *lo, rnn_err *e);

/* Builds v's hash table; RNN_ECORRUPT when a token is repeated. */
rnn_status rnn_vocab_index(rnn_vocab *v);

/* Sorts a[0..n-1] ascending (heap sort: deterministic, allocation-free). */
void rnn_sort_doubles(double *a, size_t n);

#endif
