/*
** Language models over rows of text (SPEC.md 8): tokens, the vocabulary,
** training with truncated backpropagation through time, generation,
** next-token probabilities and perplexity.
**
** Rules:
**   1. Tokens. "char": the Unicode code points of UTF-8 text (a byte that
**      does not begin a valid, shortest-form sequence becomes U+FFFD, and
**      so does U+0000, which a token in the BLOB cannot hold).
**      "word": runs of letters and digits ('_', and every code point from
**      U+00C0 up but the punctuation blocks, count as letters), an
**      apostrophe between two letters staying inside its run; every other
**      code point but white space is a token of its own. lower folds the
**      capitals of ASCII, Latin-1, Greek and Cyrillic.
**   2. The vocabulary: <EOS> (id 0), <UNK> (1), then the tokens by count
**      (descending), ties by their bytes (ascending); `vocab` of them, by
**      default every char seen at least twice (every char seen, when none
**      is seen twice) or the 10,000 most frequent words. Other tokens read
**      as <UNK>.
**   3. A row of tokens t1..tn is a sequence of n + 1 steps: inputs <EOS>,
**      t1, ..., tn and targets t1, ..., tn, <EOS>. The latest
**      floor(validation * rows) rows are held out (at least one row is
**      kept for training).
**   4. A minibatch is `batch` lanes of `context` steps. A lane reads one
**      row at a time, starting it from zero state and carrying its state
**      from one minibatch to the next (truncated BPTT); when the row ends
**      inside a minibatch, the rest of the lane is padding (no input, no
**      target) and the next minibatch starts the next row. Each epoch
**      shuffles the training rows (seeded) and ends when every row has
**      been read. The loss is the mean cross-entropy over the minibatch's
**      targets (nats per token).
**   5. As rnn_train (core/train.c rules 4-6, 11, 12): clipping and the
**      optimiser; the validation loss after every epoch (the same lanes,
**      rows in order), the best epoch's parameters kept, `patience`;
**      max_seconds over the whole call; the progress callback after every
**      minibatch and every 10 ms inside one; divergence ends training;
**      fixed chunks of lanes, so the thread count changes nothing.
**   6. Generation starts from zero state with input <EOS>, reads the
**      prefix's tokens, then samples from softmax(logits / temperature)
**      with the seeded generator, <UNK> excluded (temperature 0, or one
**      too small for a float: the most likely token, the lowest id on
**      ties), until <EOS> or max_tokens.
**      Words are joined by single spaces, with none before closing
**      punctuation or after opening punctuation; the continuation starts
**      with a space when it needs one after the prefix, so prefix ||
**      continuation reads right.
**   7. Next tokens: the k most likely after the prefix, <EOS> included and
**      <UNK> left out, ties by id; probabilities as the model gives them.
**   8. Perplexity: exp of the mean cross-entropy over a row's n + 1
**      targets, from a fresh state, unknown tokens read as <UNK>.
** Nothing depends on the thread count, and nothing but max_seconds on the
** clock: the same rows, options and seed give the same model.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"
#include "rng.h"

/* ------------------------------------------------------------- tokens */

/* Rule 1: the code point at s[*i], advancing *i; invalid bytes (and
** NUL) give U+FFFD and advance by one. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i) {
  unsigned c = s[*i];
  size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2
                      : c >= 0xE0 && c <= 0xEF ? 3
                      : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 1) {
    *i += 1;
    return c ? c : 0xFFFD; /* rule 1: no NUL in a token */
  }
  if (n == 0 || len - *i < n) {
    *i += 1;
    return 0xFFFD;
  }
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; k++) {
    unsigned b = s[*i + k];
    if ((b & 0xC0) != 0x80) {
      *i += 1;
      return 0xFFFD;
    }
    cp = cp << 6 | (b & 0x3F);
  }
  static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *i += 1;
    return 0xFFFD;
  }
  *i += n;
  return cp;
}

static size_t utf8_put(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static int is_space(uint32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static int is_letter(uint32_t c) {
  if (c < 0x80)
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z') || c == '_';
  if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;
  if (c == 0xD7 || c == 0xF7) return 0;
  if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
      c == 0xFFFD)
    return 0;
  return !is_space(c);
}

static uint32_t to_lower(uint32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
      (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
    return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

int rnn_text_tokens(const char *text, size_t len, int mode, int lower,
                    int (*each)(void *arg, const char *tok, size_t n),
                    void *arg) {
  const unsigned char *s = (const unsigned char *)text;
  char buf[256];
  size_t i = 0;
  if (mode == RNN_TOK_CHAR) {
    while (i < len) {
      size_t n = utf8_put(utf8_next(s, len, &i), buf);
      int rc = each(arg, buf, n);
      if (rc) return rc;
    }
    return 0;
  }
  /* Words: a run is gathered in buf (a run longer than buf is cut into
  ** tokens of at most sizeof buf - 4 bytes). */
  size_t n = 0;
  while (i < len) {
    uint32_t c = utf8_next(s, len, &i);
    if (lower) c = to_lower(c);
    int letter = is_letter(c);
    if (!letter && n > 0 && (c == '\'' || c == 0x2019) && i < len) {
      size_t j = i;
      if (is_letter(utf8_next(s, len, &j))) letter = 1; /* don't, it's */
    }
    if (letter) {
      if (n + 4 > sizeof buf - 4) {
        int rc = each(arg, buf, n);
        if (rc) return rc;
        n = 0;
      }
      n += utf8_put(c, buf + n);
      continue;
    }
    if (n) {
      int rc = each(arg, buf, n);
      if (rc) return rc;
      n = 0;
    }
    if (is_space(c)) continue;
    char one[4];
    int rc = each(arg, one, utf8_put(c, one));
    if (rc) return rc;
  }
  return n ? each(arg, buf, n) : 0;
}

/* ------------------------------------------------------------- strings */

static uint32_t hash_bytes(const char *t, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)t[i]) * 16777619u;
  return h;
}

/* Counts of distinct tokens while the vocabulary is built (rule 2). */
typedef struct count_map {
  char *bytes; /* each token's bytes, NUL-terminated */
  size_t nbytes, capbytes;
  uint32_t *off;  /* token i at bytes + off[i], length len[i] */
  uint32_t *len;
  int64_t *count;
  int n, cap;
  int32_t *slot; /* ids, -1 empty; nslot a power of two */
  uint32_t nslot;
  int failed; /* out of memory, or too many distinct tokens */
} count_map;

static int map_grow_slots(count_map *m) {
  uint32_t ns = m->nslot ? m->nslot * 2 : 1024;
  int32_t *slot = rnn_malloc((size_t)ns * sizeof *slot);
  if (!slot) return 0;
  for (uint32_t i = 0; i < ns; i++) slot[i] = -1;
  for (int id = 0; id < m->n; id++) {
    uint32_t h = hash_bytes(m->bytes + m->off[id], m->len[id]) & (ns - 1);
    while (slot[h] >= 0) h = (h + 1) & (ns - 1);
    slot[h] = id;
  }
  rnn_free(m->slot);
  m->slot = slot;
  m->nslot = ns;
  return 1;
}

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 1;
  size_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  void *q = rnn_realloc(*p, nc * size);
  if (!q) return 0;
  *p = q;
  *cap = nc;
  return 1;
}

/* The distinct tokens the map may hold: far more than any vocabulary. */
#define MAX_DISTINCT 20000000

static int map_count(void *arg, const char *t, size_t n) {
  count_map *m = arg;
  if ((size_t)m->n * 2 >= m->nslot && !map_grow_slots(m)) return m->failed = 1;
  uint32_t h = hash_bytes(t, n) & (m->nslot - 1);
  for (int32_t id; (id = m->slot[h]) >= 0; h = (h + 1) & (m->nslot - 1))
    if (m->len[id] == n && memcmp(m->bytes + m->off[id], t, n) == 0) {
      m->count[id]++;
      return 0;
    }
  if (m->n >= MAX_DISTINCT || m->nbytes + n + 1 > 0xFFFFFFFFu) return m->failed = 2;
  size_t cap = (size_t)m->cap;
  if (m->n >= m->cap) {
    size_t c1 = cap, c2 = cap, c3 = cap;
    if (!grow((void **)&m->off, &c1, (size_t)m->n + 1, sizeof *m->off) ||
        !grow((void **)&m->len, &c2, (size_t)m->n + 1, sizeof *m->len) ||
        !grow((void **)&m->count, &c3, (size_t)m->n + 1, sizeof *m->count))
      return m->failed = 1;
    m->cap = (int)c1;
  }
  if (!grow((void **)&m->bytes, &m->capbytes, m->nbytes + n + 1, 1))
    return m->failed = 1;
  memcpy(m->bytes + m->nbytes, t, n);
  m->bytes[m->nbytes + n] = 0;
  m->off[m->n] = (uint32_t)m->nbytes;
  m->len[m->n] = (uint32_t)n;
  m->count[m->n] = 1;
  m->nbytes += n + 1;
  m->slot[h] = m->n++;
  return 0;
}

static void map_free(count_map *m) {
  rnn_free(m->bytes);
  rnn_free(m->off);
  rnn_free(m->len);
  rnn_free(m->count);
  rnn_free(m->slot);
}

/* ------------------------------------------------------------- vocabulary */

int rnn_vocab_find(const rnn_vocab *v, const char *t, size_t len) {
  if (!v->nslot) return -1;
  uint32_t h = hash_bytes(t, len) & (v->nslot - 1);
  for (int32_t id; (id = v->slot[h]) >= 0; h = (h + 1) & (v->nslot - 1))
    if (v->off[id + 1] - v->off[id] - 1 == len &&
        memcmp(v->text + v->off[id], t, len) == 0)
      return id;
  return -1;
}

void rnn_vocab_free(rnn_vocab *v) {
  rnn_free(v->text);
  rnn_free(v->off);
  rnn_free(v->slot);
  memset(v, 0, sizeof *v);
}

rnn_status rnn_vocab_index(rnn_vocab *v) {
  uint32_t ns = 16;
  while (ns < (uint32_t)v->n * 2) ns *= 2;
  v->slot = rnn_malloc((size_t)ns * sizeof *v->slot);
  if (!v->slot) return RNN_ENOMEM;
  v->nslot = ns;
  for (uint32_t i = 0; i < ns; i++) v->slot[i] = -1;
  for (int id = 0; id < v->n; id++) {
    const char *t = v->text + v->off[id];
    size_t len = v->off[id + 1] - v->off[id] - 1;
    if (rnn_vocab_find(v, t, len) >= 0) return RNN_ECORRUPT; /* repeated */
    uint32_t h = hash_bytes(t, len) & (ns - 1);
    while (v->slot[h] >= 0) h = (h + 1) & (ns - 1);
    v->slot[h] = id;
  }
  return RNN_OK;
}

/* A token to sort: its count and bytes. */
typedef struct ranked {
  int64_t count;
  const char *t;
  uint32_t len;
} ranked;

/* Rule 2's order: count descending, then bytes ascending (a total order on
** distinct tokens, so qsort's result does not depend on its algorithm). */
static int by_count(const void *pa, const void *pb) {
  const ranked *a = pa, *b = pb;
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  int c = memcmp(a->t, b->t, a->len < b->len ? a->len : b->len);
  return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Rule 2 from the counts in m. */
static rnn_status build_vocab(rnn_vocab *v, const count_map *m,
                              const rnn_seq_options *o) {
  ranked *order = rnn_malloc((size_t)(m->n ? m->n : 1) * sizeof *order);
  if (!order) return RNN_ENOMEM;
  for (int i = 0; i < m->n; i++)
    order[i] = (ranked){m->count[i], m->bytes + m->off[i], m->len[i]};
  qsort(order, (size_t)m->n, sizeof *order, by_count);
  int keep = m->n;
  if (o->vocab > 0) {
    keep = o->vocab < keep ? o->vocab : keep;
  } else if (o->tokens == RNN_TOK_WORD) {
    keep = keep < 10000 ? keep : 10000;
  } else {
    int twice = 0;
    while (twice < m->n && order[twice].count >= 2) twice++;
    if (twice > 0) keep = twice;
  }
  if (keep > RNN_MAX_VOCAB - 2) keep = RNN_MAX_VOCAB - 2;
  size_t bytes = sizeof "<EOS>" + sizeof "<UNK>";
  for (int i = 0; i < keep; i++) bytes += order[i].len + 1;
  v->n = keep + 2;
  v->text = rnn_malloc(bytes);
  v->off = rnn_malloc(((size_t)v->n + 1) * sizeof *v->off);
  if (!v->text || !v->off) {
    rnn_free(order);
    return RNN_ENOMEM;
  }
  size_t at = 0;
  for (int id = 0; id < v->n; id++) {
    const char *t = id == 0 ? "<EOS>" : id == 1 ? "<UNK>" : order[id - 2].t;
    size_t len = id < 2 ? 5 : order[id - 2].len;
    v->off[id] = (uint32_t)at;
    memcpy(v->text + at, t, len);
    v->text[at + len] = 0;
    at += len + 1;
  }
  v->off[v->n] = (uint32_t)at;
  rnn_free(order);
  /* No token can be "<EOS>" or "<UNK>": words split at '<' and '>'. */
  return rnn_vocab_index(v);
}

/* ------------------------------------------------------------- encoding */

typedef struct id_list {
  const rnn_vocab *v;
  int32_t *ids;
  size_t n, cap;
  int failed;
} id_list;

static int push_id(void *arg, const char *t, size_t n) {
  id_list *l = arg;
  if (!grow((void **)&l->ids, &l->cap, l->n + 1, sizeof *l->ids))
    return l->failed = 1;
  int id = rnn_vocab_find(l->v, t, n);
  l->ids[l->n++] = id < 0 ? RNN_TOKEN_UNK : id;
  return 0;
}

/* The ids of text's tokens appended to l. */
static rnn_status encode(id_list *l, const rnn_seqmodel *m, const char *text,
                         size_t len) {
  rnn_text_tokens(text, len, m->opts.tokens, m->opts.lower, push_id, l);
  return l->failed ? RNN_ENOMEM : RNN_OK;
}

/* ------------------------------------------------------------- lanes */

/* Rule 4: rows read by `B` lanes. Row r's tokens are ids[start[r] ..
** start[r + 1]); its sequence has start[r + 1] - start[r] + 1 steps. */
typedef struct lanes {
  const int32_t *ids;
  const int64_t *start;
  const int *order; /* the rows in reading order */
  int nrows, next;
  int B;
  int *row;     /* per lane: the row being read, -1 for none */
  int64_t *pos; /* per lane: the next step of that row */
} lanes;

/* Fills the inputs and targets of a minibatch of T steps into chunk-major
** blocks (chunk c: lanes [first, first + count), (T, count) time-major at
** c * T * cap) and zeroes the state (h, c: (layers, B, H)) of each lane
** that starts a row. Returns the number of targets (0: every row read). */
static int fill_batch(lanes *ln, const rnn_batcher *b, int T, int L, int H,
                      int32_t *tok, int32_t *lab, float *h, float *c) {
  int targets = 0;
  for (int k = 0; k < b->nc; k++) {
    const rnn_chunk *ch = &b->chunk[k];
    for (int j = 0; j < ch->count; j++) {
      int lane = ch->first + j;
      if (ln->row[lane] < 0 && ln->next < ln->nrows) {
        ln->row[lane] = ln->order[ln->next++];
        ln->pos[lane] = 0;
        for (int l = 0; l < L; l++) {
          size_t at = ((size_t)l * ln->B + lane) * H;
          memset(h + at, 0, (size_t)H * sizeof *h);
          memset(c + at, 0, (size_t)H * sizeof *c);
        }
      }
      int r = ln->row[lane];
      int64_t n = r < 0 ? -1 : ln->start[r + 1] - ln->start[r];
      const int32_t *ids = r < 0 ? NULL : ln->ids + ln->start[r];
      for (int t = 0; t < T; t++) {
        size_t at = (size_t)k * T * b->cap + (size_t)t * ch->count + j;
        int64_t p = ln->pos[lane];
        if (r < 0 || p > n) {
          tok[at] = lab[at] = -1;
          continue;
        }
        tok[at] = p == 0 ? RNN_TOKEN_EOS : ids[p - 1];
        lab[at] = p == n ? RNN_TOKEN_EOS : ids[p];
        ln->pos[lane] = p + 1;
        targets++;
      }
      if (r >= 0 && ln->pos[lane] > n) ln->row[lane] = -1; /* next batch */
    }
  }
  return targets;
}

typedef struct text_run {
  int T, B, H, L, V;
  int32_t *tok, *lab; /* as fill_batch */
  float *h, *c;       /* lanes' states (layers, B, H) */
  int train;
  int targets;
  lanes ln;
  int *order;         /* the rows: training rows first, then validation */
  int n, ntrain;
} text_run;

/* Rule 4 (core/fit.c's task): the training rows shuffled, or the
** validation rows in order. */
static void text_begin(void *arg, int train, rnn_rng *rng) {
  text_run *r = arg;
  r->train = train;
  if (train) {
    for (int i = 0; i < r->n; i++) r->order[i] = i;
    rnn_rng_shuffle(rng, r->order, r->ntrain);
  }
  r->ln.order = r->order + (train ? 0 : r->ntrain);
  r->ln.nrows = train ? r->ntrain : r->n - r->ntrain;
  r->ln.next = 0;
  for (int i = 0; i < r->B; i++) r->ln.row[i] = -1;
}

static int text_fill(void *arg, rnn_batcher *b) {
  text_run *r = arg;
  r->targets = fill_batch(&r->ln, b, r->T, r->L, r->H, r->tok, r->lab, r->h,
                          r->c);
  for (int c = 0; c < b->nc; c++) b->chunk[c].w.T = r->T;
  return r->targets;
}

/* The batcher's task (core/parallel.c rule 2) for chunk k: forward over
** its lanes from their carried states, the cross-entropy, the backward
** pass when training, and the lanes' states after the last step. */
static void text_chunk(void *arg, rnn_batcher *b, int k) {
  text_run *r = arg;
  rnn_chunk *ch = &b->chunk[k];
  rnn_work *w = &ch->w;
  int n = ch->count, T = r->T, H = r->H;
  size_t base = (size_t)k * T * b->cap, ld = (size_t)r->B * H;
  w->T = T;
  w->per_step = 1;
  w->tok = r->tok + base;
  w->h0 = r->h + (size_t)ch->first * H;
  w->c0 = r->c + (size_t)ch->first * H;
  w->state_ld = ld;
  rnn_net_forward(w, b->a, b->lo, b->params, n, r->train);
  ch->loss = rnn_xent_part(w->dy, w->y, r->lab + base, T * n, r->V,
                           r->targets > 0 ? r->targets : 1);
  if (r->train) {
    memset(ch->grad, 0, b->np * sizeof *ch->grad);
    rnn_net_backward(w, b->a, b->lo, b->params, ch->grad, n);
  }
  for (int l = 0; l < r->L; l++) {
    size_t last = (size_t)(T - 1) * n * H;
    memcpy(r->h + l * ld + (size_t)ch->first * H,
           w->out + l * w->out_stride + last, (size_t)n * H * sizeof(float));
    if (rnn_cell_kind_of(b->a->cell)->cell_state)
      memcpy(r->c + l * ld + (size_t)ch->first * H,
             w->aux + l * w->aux_stride + last, (size_t)n * H * sizeof(float));
  }
}

/* ------------------------------------------------------------- training */

static void gen_free(struct rnn_textgen *g);

void rnn_seqmodel_free(rnn_seqmodel *m) {
  if (!m) return;
  rnn_free(m->params);
  rnn_vocab_free(&m->vocab);
  rnn_free(m->shift);
  rnn_free(m->scale);
  rnn_free(m->labels);
  rnn_free(m->label_bytes);
  if (m->infer) {
    rnn_work_free(m->infer);
    rnn_free(m->infer);
  }
  rnn_free(m->train_loss);
  rnn_free(m->val_loss);
  gen_free(m->gen);
  rnn_free(m);
}

typedef struct text_data {
  int32_t *ids;
  int64_t *start;
  int nrows;
} text_data;

/* Rules 1-3: counts, the vocabulary and every row's ids. */
static rnn_status prepare_text(rnn_seqmodel *m, const char *const *text,
                          const size_t *len, size_t n, text_data *d,
                          rnn_err *e);

rnn_status rnn_text_prepare(rnn_seqmodel *m, const char *const *text,
                            const size_t *len, size_t n, int32_t **ids,
                            int64_t **start, rnn_err *e) {
  text_data d = {0};
  rnn_status rc = prepare_text(m, text, len, n, &d, e);
  *ids = d.ids;
  *start = d.start;
  return rc;
}

rnn_status rnn_text_ids(const rnn_seqmodel *m, const char *text, size_t len,
                        int32_t **ids, size_t *n) {
  id_list l = {.v = &m->vocab};
  rnn_status rc = encode(&l, m, text, len);
  *ids = l.ids;
  *n = l.n;
  return rc;
}

static rnn_status prepare_text(rnn_seqmodel *m, const char *const *text,
                          const size_t *len, size_t n, text_data *d,
                          rnn_err *e) {
  count_map cm = {0};
  for (size_t i = 0; i < n && !cm.failed; i++)
    rnn_text_tokens(text[i], len[i], m->opts.tokens, m->opts.lower, map_count,
                    &cm);
  if (cm.failed) {
    map_free(&cm);
    return cm.failed == 1 ? RNN_ENOMEM
                          : rnn_fail(e, RNN_ELIMIT,
                                     "more than %d distinct tokens",
                                     MAX_DISTINCT);
  }
  if (cm.n == 0) {
    map_free(&cm);
    return rnn_fail(e, RNN_EINVAL, "the rows hold no tokens (only empty text%s)",
                    m->opts.tokens == RNN_TOK_WORD ? " or white space" : "");
  }
  rnn_status rc = build_vocab(&m->vocab, &cm, &m->opts);
  map_free(&cm);
  if (rc) return rc;
  id_list l = {.v = &m->vocab};
  d->start = rnn_malloc((n + 1) * sizeof *d->start);
  if (!d->start) return RNN_ENOMEM;
  d->start[0] = 0;
  for (size_t i = 0; i < n; i++) {
    if ((rc = encode(&l, m, text[i], len[i]))) {
      rnn_free(l.ids);
      return rc;
    }
    d->start[i + 1] = (int64_t)l.n;
  }
  d->ids = l.ids;
  d->nrows = (int)n;
  return RNN_OK;
}

/* The unigram baseline: add-one estimates from the training rows' targets,
** scored on the validation rows' targets (nats per token). */
static double unigram_loss(const text_data *d, int ntrain, int V) {
  double *count = rnn_calloc((size_t)V, sizeof *count);
  if (!count) return NAN;
  double total = 0.0, sum = 0.0;
  for (int r = 0; r < ntrain; r++) {
    for (int64_t i = d->start[r]; i < d->start[r + 1]; i++) count[d->ids[i]]++;
    count[RNN_TOKEN_EOS]++;
  }
  for (int r = 0; r < ntrain; r++) total += (double)(d->start[r + 1] - d->start[r] + 1);
  int64_t nval = 0;
  for (int r = ntrain; r < d->nrows; r++) {
    for (int64_t i = d->start[r]; i <= d->start[r + 1]; i++) {
      int id = i < d->start[r + 1] ? d->ids[i] : RNN_TOKEN_EOS;
      sum -= rnn_det_log((count[id] + 1.0) / (total + V));
      nval++;
    }
  }
  rnn_free(count);
  return nval ? sum / (double)nval : NAN;
}

rnn_status rnn_text_train(rnn_seqmodel **out, const char *const *text,
                          const size_t *len, size_t n,
                          const rnn_seq_options *opt, const rnn_train_ctl *ctl,
                          rnn_err *e) {
  *out = NULL;
  double t0 = rnn_now();
  if (n == 0) return rnn_fail(e, RNN_EINVAL, "no rows of text");
  if (n > 0x7FFFFFFF) return rnn_fail(e, RNN_ELIMIT, "more than 2^31 rows");
  rnn_seqmodel *m = rnn_calloc(1, sizeof *m);
  if (!m) return RNN_ENOMEM;
  m->kind = RNN_KIND_TEXT;
  m->val_accuracy = NAN;
  m->opts = *opt;
  const rnn_options *o = &m->opts.base;
  if (!m->opts.context) m->opts.context = m->opts.tokens == RNN_TOK_WORD ? 32 : 64;
  m->unigram_loss = NAN;
  text_data d = {0};
  rnn_batcher bt = {0};
  float *states = NULL;
  int32_t *io = NULL, *order = NULL, *lane_row = NULL;
  int64_t *lane_pos = NULL;
  rnn_status rc = prepare_text(m, text, len, n, &d, e);
  if (rc) goto fail;
  m->opts.vocab = m->vocab.n - 2;
  int V = m->vocab.n, T = m->opts.context, B = o->batch, H = o->hidden;
  int L = o->layers;
  /* Rule 3. */
  int nval = (int)floor(o->validation * (double)n);
  if (nval > (int)n - 1) nval = (int)n - 1;
  int ntrain = (int)n - nval;
  m->rows = ntrain;
  m->val_rows = nval;
  m->tokens = d.start[ntrain] + ntrain;
  m->val_tokens = d.start[n] - d.start[ntrain] + nval;
  m->arch = (rnn_arch){.cell = o->cell, .activation = o->activation,
                       .input = V, .hidden = H, .layers = L, .dirs = 1,
                       .window = T, .output = V};
  if ((rc = rnn_text_layout(&m->arch, &m->layout, e))) goto fail;
  size_t np = m->layout.n_params;
  int lanes_n = B < ntrain ? B : ntrain;
  /* Memory (core/train.c rule 10) is checked by rnn_seq_batcher. */
  int nc = rnn_chunks(lanes_n), cap = (lanes_n + nc - 1) / nc;
  rnn_train_setup setup;
  rnn_train_setup_init(&setup, ctl, o->epochs);
  if ((rc = rnn_seq_batcher(&bt, m, lanes_n, RNN_WORK_STEPS | RNN_WORK_TOKENS,
                            (double)d.start[n] * 4,
                            "vocab, hidden, batch or context", &setup, e)))
    goto fail;
  rnn_batcher_split(&bt, lanes_n);
  m->params = rnn_malloc(np * sizeof *m->params);
  states = rnn_calloc((size_t)2 * L * lanes_n * H, sizeof *states);
  io = rnn_malloc((size_t)2 * nc * T * cap * sizeof *io);
  order = rnn_malloc((size_t)n * sizeof *order);
  lane_row = rnn_malloc((size_t)lanes_n * sizeof *lane_row);
  lane_pos = rnn_calloc((size_t)lanes_n, sizeof *lane_pos);
  m->train_loss = rnn_malloc((size_t)o->epochs * sizeof *m->train_loss);
  m->val_loss = rnn_malloc((size_t)o->epochs * sizeof *m->val_loss);
  if (!m->params || !states || !io || !order || !lane_row ||
      !lane_pos || !m->train_loss || !m->val_loss) {
    rc = RNN_ENOMEM;
    goto fail;
  }
  text_run run = {.T = T, .B = lanes_n, .H = H, .L = L, .V = V,
                  .tok = io, .lab = io + (size_t)nc * T * cap,
                  .h = states, .c = states + (size_t)L * lanes_n * H,
                  .order = order, .n = (int)n, .ntrain = ntrain,
                  .ln = {.ids = d.ids, .start = d.start, .B = lanes_n,
                         .row = lane_row, .pos = lane_pos}};
  rnn_fit_task task = {.arg = &run, .begin = text_begin, .fill = text_fill, .chunk = text_chunk};
  rnn_fitted fit = RNN_FITTED(m);
  if ((rc = rnn_fit(&fit, &bt, &task, nval > 0, o, ctl, t0, e))) goto fail;
  if (nval) m->unigram_loss = unigram_loss(&d, ntrain, V);
  *out = m;
  m = NULL;
fail:
  rnn_batcher_free(&bt);
  rnn_free(d.ids);
  rnn_free(d.start);
  rnn_free(states);
  rnn_free(io);
  rnn_free(order);
  rnn_free(lane_row);
  rnn_free(lane_pos);
  rnn_seqmodel_free(m);
  return rc;
}

/* ------------------------------------------------------------- inference */

/* The scratch of one lane reading text (rules 6-8): a work of up to
** `context` steps, the state, and the last step's probabilities. */
typedef struct rnn_textgen {
  rnn_work w;
  float *h, *c;
  float *p;   /* (V) */
  int32_t *lab;
  double next; /* when to ask cancel next */
  int overflow; /* a logit since the reset was not finite */
} textgen;

static void gen_free(textgen *g) {
  if (!g) return;
  rnn_work_free(&g->w);
  rnn_free(g->h);
  rnn_free(g->lab);
  rnn_free(g);
}

static rnn_status gen_init(rnn_seqmodel *m) {
  if (m->gen) return RNN_OK;
  textgen *g = rnn_calloc(1, sizeof *g);
  if (!g) return RNN_ENOMEM;
  const rnn_arch *a = &m->arch;
  size_t LH = (size_t)a->layers * a->hidden;
  rnn_status rc = rnn_work_init_seq(&g->w, a, 1, 0,
                                    RNN_WORK_STEPS | RNN_WORK_TOKENS);
  g->h = rnn_calloc(2 * LH + (size_t)a->output, sizeof(float));
  g->lab = rnn_malloc((size_t)a->window * sizeof *g->lab);
  if (rc || !g->h || !g->lab) {
    gen_free(g);
    return rc ? rc : RNN_ENOMEM;
  }
  g->c = g->h + LH;
  g->p = g->c + LH;
  g->w.wt_fixed = 1; /* the weights never change: transpose them once */
  g->w.h0 = g->h;
  g->w.c0 = g->c;
  g->w.state_ld = (size_t)a->hidden;
  g->w.per_step = 1;
  m->gen = (struct rnn_textgen *)g;
  return RNN_OK;
}

static void gen_reset(rnn_seqmodel *m) {
  textgen *g = (textgen *)m->gen;
  size_t LH = (size_t)m->arch.layers * m->arch.hidden;
  memset(g->h, 0, 2 * LH * sizeof *g->h);
  g->next = rnn_now() + 0.01;
  g->overflow = 0;
}

/* Rules 6-8: logits that are not finite (only a hostile model's weights
** make them) are an error, not a draw or a score from NaN. */
static rnn_status text_overflow(rnn_seqmodel *m, rnn_err *e) {
  if (!((textgen *)m->gen)->overflow) return RNN_OK;
  return rnn_fail(e, RNN_ERANGE, "the model's outputs are not finite (its weights overflow)");
}

static int text_cancelled(rnn_seqmodel *m) {
  textgen *g = (textgen *)m->gen;
  if (!m->cancel) return 0;
  double now = rnn_now();
  if (now < g->next) return 0;
  g->next = now + 0.01;
  return m->cancel(m->cancel_arg);
}

/* Reads tokens ids[0..n-1] in passes of up to `context` steps, carrying the
** state; with labels (n of them), returns the summed cross-entropy. The
** logits of the last step are left in the work's y at row (T - 1). */
static double gen_read(rnn_seqmodel *m, const int32_t *ids, size_t n,
                       const int32_t *labels, int *last_T) {
  textgen *g = (textgen *)m->gen;
  const rnn_arch *a = &m->arch;
  int H = a->hidden;
  double sum = 0.0;
  for (size_t at = 0; at < n;) {
    int T = n - at < (size_t)a->window ? (int)(n - at) : a->window;
    g->w.T = T;
    g->w.tok = ids + at;
    rnn_net_forward(&g->w, a, &m->layout, m->params, 1, 0);
    for (size_t i = 0; i < (size_t)T * a->output; i++)
      if (!isfinite(g->w.y[i])) g->overflow = 1;
    if (labels)
      sum += rnn_xent_part(g->w.dy, g->w.y, labels + at, T, a->output, 1);
    for (int l = 0; l < a->layers; l++) {
      size_t last = (size_t)(T - 1) * H;
      memcpy(g->h + (size_t)l * H, g->w.out + l * g->w.out_stride + last,
             (size_t)H * sizeof(float));
      if (rnn_cell_kind_of(a->cell)->cell_state)
        memcpy(g->c + (size_t)l * H, g->w.aux + l * g->w.aux_stride + last,
               (size_t)H * sizeof(float));
    }
    *last_T = T;
    at += (size_t)T;
  }
  return sum;
}

/* A fresh state and the inputs of a row: <EOS> then text's ids (in l,
** with room for one more). */
static rnn_status begin_row(rnn_seqmodel *m, const char *text, size_t len,
                            id_list *l) {
  rnn_status rc = gen_init(m);
  if (rc) return rc;
  gen_reset(m);
  *l = (id_list){.v = &m->vocab};
  if (!grow((void **)&l->ids, &l->cap, 1, sizeof *l->ids)) return RNN_ENOMEM;
  l->ids[l->n++] = RNN_TOKEN_EOS;
  if ((text && (rc = encode(l, m, text, len))) ||
      !grow((void **)&l->ids, &l->cap, l->n + 1, sizeof *l->ids)) {
    rnn_free(l->ids);
    return rc ? rc : RNN_ENOMEM;
  }
  return RNN_OK;
}

/* The next token's probabilities from logits (at temperature t, > 0) in
** g->p; for generation (rule 6), <UNK> out of the softmax: where it is the
** most likely token, the others' shifted logits would sink below the
** exponential's floor and be drawn (or, greedy, tie) as if equally
** likely. */
static void next_probs(rnn_seqmodel *m, float *logits, float t, int no_unk) {
  if (no_unk) logits[RNN_TOKEN_UNK] = -INFINITY;
  rnn_softmax_det(((textgen *)m->gen)->p, logits, m->arch.output, t);
}

/* <EOS> then the prefix's ids, read; next_probs after them. */
static rnn_status read_prefix(rnn_seqmodel *m, const char *prefix,
                              size_t plen, float t, int no_unk, rnn_err *e) {
  id_list l;
  rnn_status rc = begin_row(m, prefix, plen, &l);
  if (rc) return rc;
  int T = 1;
  textgen *g = (textgen *)m->gen;
  for (size_t at = 0; at < l.n; at += (size_t)m->arch.window) {
    size_t k = l.n - at < (size_t)m->arch.window ? l.n - at : (size_t)m->arch.window;
    gen_read(m, l.ids + at, k, NULL, &T);
    if (text_cancelled(m)) {
      rnn_free(l.ids);
      return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
    }
  }
  rnn_free(l.ids);
  if ((rc = text_overflow(m, e))) return rc;
  next_probs(m, g->w.y + (size_t)(T - 1) * m->arch.output, t, no_unk);
  return RNN_OK;
}

static int is_closing(const char *t, size_t n) {
  static const char *const close[] = {".", ",", ";", ":", "!", "?", ")", "]",
                                      "}", "\xE2\x80\x9D", "\xC2\xBB", "%",
                                      "\xE2\x80\xA6"};
  for (size_t i = 0; i < sizeof close / sizeof close[0]; i++)
    if (strlen(close[i]) == n && memcmp(close[i], t, n) == 0) return 1;
  return 0;
}

static int is_opening(const char *t, size_t n) {
  return n == 1 ? (*t == '(' || *t == '[' || *t == '{')
                : (n == 2 && memcmp(t, "\xC2\xAB", 2) == 0) ||
                      (n == 3 && memcmp(t, "\xE2\x80\x9C", 3) == 0);
}

rnn_status rnn_text_generate(rnn_seqmodel *m, const char *prefix, size_t plen,
                             int max_tokens, double temperature,
                             uint64_t seed, char **out, size_t *n,
                             rnn_err *e) {
  *out = NULL;
  *n = 0;
  /* Rule 6: a temperature too small for a float (1e-300) is 0, greedy. */
  int greedy = !((float)temperature > 0);
  float t = greedy ? 1.0f : (float)temperature;
  rnn_status rc = read_prefix(m, prefix, plen, t, 1, e);
  if (rc) return rc;
  textgen *g = (textgen *)m->gen;
  int V = m->arch.output;
  rnn_rng rng;
  rnn_rng_seed(&rng, seed);
  size_t cap = 0;
  char *buf = NULL;
  /* Rule 6: does the prefix end where a word needs a space first? */
  int after_word = 0;
  if (m->opts.tokens == RNN_TOK_WORD && prefix && plen > 0) {
    size_t i = 0;
    uint32_t last = 0;
    while (i < plen) last = utf8_next((const unsigned char *)prefix, plen, &i);
    after_word = !is_space(last);
    if (after_word) {
      char one[4];
      size_t k = utf8_put(last, one);
      if (is_opening(one, k)) after_word = 0;
    }
  }
  for (int k = 0; k < max_tokens; k++) {
    int id = -1;
    if (greedy) {
      float best = -1.0f;
      for (int v = 0; v < V; v++)
        if (v != RNN_TOKEN_UNK && g->p[v] > best) best = g->p[v], id = v;
    } else {
      double mass = 0.0;
      for (int v = 0; v < V; v++) mass += v == RNN_TOKEN_UNK ? 0.0 : g->p[v];
      double u = (double)rnn_rng_float(&rng) * mass, acc = 0.0;
      for (int v = 0; v < V; v++) {
        if (v == RNN_TOKEN_UNK) continue;
        acc += g->p[v];
        id = v;
        if (u < acc) break;
      }
    }
    if (id <= RNN_TOKEN_EOS) break;
    const char *tok = m->vocab.text + m->vocab.off[id];
    size_t len = m->vocab.off[id + 1] - m->vocab.off[id] - 1;
    int space = m->opts.tokens == RNN_TOK_WORD && after_word &&
                !is_closing(tok, len);
    if (!grow((void **)&buf, &cap, *n + len + 2, 1)) {
      rnn_free(buf);
      return RNN_ENOMEM;
    }
    if (space) buf[(*n)++] = ' ';
    memcpy(buf + *n, tok, len);
    *n += len;
    buf[*n] = 0;
    after_word = !is_opening(tok, len);
    int32_t in = id;
    int T;
    gen_read(m, &in, 1, NULL, &T);
    if ((rc = text_overflow(m, e))) {
      rnn_free(buf);
      return rc;
    }
    next_probs(m, g->w.y, t, 1);
    if (text_cancelled(m)) {
      rnn_free(buf);
      return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
    }
  }
  *out = buf;
  return RNN_OK;
}

/* Rule 7's order: the more likely first, the lower id on ties; a NaN
** (only from a hostile model) below every number. */
static int ranks_above(const float *p, int a, int b) {
  float pa = isnan(p[a]) ? -INFINITY : p[a], pb = isnan(p[b]) ? -INFINITY : p[b];
  return pa > pb || (pa == pb && a < b);
}

/* A heap of ids whose root ranks below every other. */
static void heap_up(const float *p, int *ids, int i) {
  while (i > 0 && ranks_above(p, ids[(i - 1) / 2], ids[i])) {
    int up = (i - 1) / 2, t = ids[up];
    ids[up] = ids[i], ids[i] = t;
    i = up;
  }
}

static void heap_down(const float *p, int *ids, int n, int i) {
  for (;;) {
    int l = 2 * i + 1, r = l + 1, low = i;
    if (l < n && ranks_above(p, ids[low], ids[l])) low = l;
    if (r < n && ranks_above(p, ids[low], ids[r])) low = r;
    if (low == i) return;
    int t = ids[low];
    ids[low] = ids[i], ids[i] = t;
    i = low;
  }
}

rnn_status rnn_text_next(rnn_seqmodel *m, const char *prefix, size_t plen,
                         int k, int *ids, double *p, int *got, rnn_err *e) {
  *got = 0;
  rnn_status rc = read_prefix(m, prefix, plen, 1.0f, 0, e);
  if (rc) return rc;
  textgen *g = (textgen *)m->gen;
  /* Rule 7: one pass over the vocabulary keeps the k best in a heap
  ** whose root is the worst of them (log k steps a token at most), then
  ** sorts them. */
  int V = m->arch.output, h = 0;
  for (int v = 0; v < V; v++) {
    if (v == RNN_TOKEN_UNK) continue;
    if (h < k) {
      ids[h++] = v;
      heap_up(g->p, ids, h - 1);
    } else if (h > 0 && ranks_above(g->p, v, ids[0])) {
      ids[0] = v;
      heap_down(g->p, ids, h, 0);
    }
  }
  for (int end = h - 1; end > 0; end--) { /* heap sort: the best first */
    int top = ids[0];
    ids[0] = ids[end], ids[end] = top;
    heap_down(g->p, ids, end, 0);
  }
  for (int j = 0; j < h; j++) p[j] = g->p[ids[j]];
  *got = h;
  return RNN_OK;
}

rnn_status rnn_text_perplexity(rnn_seqmodel *m, const char *text, size_t len,
                               double *out, rnn_err *e) {
  id_list l;
  rnn_status rc = begin_row(m, text, len, &l);
  if (rc) return rc;
  /* Inputs ids[0..n-1]; targets ids[1..n-1] and <EOS>. */
  l.ids[l.n] = RNN_TOKEN_EOS;
  double sum = 0.0;
  size_t W = (size_t)m->arch.window;
  for (size_t at = 0; at < l.n; at += W) {
    size_t k = l.n - at < W ? l.n - at : W;
    int T;
    sum += gen_read(m, l.ids + at, k, l.ids + at + 1, &T);
    if (text_cancelled(m)) {
      rnn_free(l.ids);
      return rnn_fail(e, RNN_EINTERRUPT, "interrupted");
    }
  }
  double mean = sum / (double)l.n;
  rnn_free(l.ids);
  if ((rc = text_overflow(m, e))) return rc;
  *out = rnn_det_exp(mean);
  if (!isfinite(*out))
    return rnn_fail(e, RNN_ERANGE, "the perplexity is not finite");
  return RNN_OK;
}
