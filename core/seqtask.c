/*
** Classifiers (many-to-one) and taggers (many-to-many) over sequences of
** tokens or numbers (SPEC.md 8): the examples, their minibatches, and
** inference. The training loop is core/fit.c's.
**
** Rules:
**   1. Inputs: text reads as tokens (core/text.c rules 1 and 2: the
**      vocabulary of the training rows, <UNK> for the rest); numbers are
**      rows of `features` values, each feature standardised by the mean
**      and population standard deviation of the training elements (scale
**      1 for a constant feature). A sequence has 1 to RNN_MAX_CONTEXT
**      elements; an empty one is skipped, a longer one is an error.
**   2. Labels: the distinct labels of the examples in rnn_label_cmp order
**      are the classes. A classifier's example without a label is
**      skipped; a tagger's element without a label is not a target, and
**      a tagger's example must have exactly one tag per element.
**   3. The latest floor(validation * examples) examples are held out (at
**      least one is kept for training).
**   4. A minibatch is `batch` examples (shuffled each epoch with the seeded
**      generator), padded to the longest of them; core/nn.h's lane lengths
**      keep padding out of every output. A classifier's head reads each
**      lane's last element (forward) and its first (backward); a tagger's
**      reads every element. The loss is the mean cross-entropy over the
**      minibatch's targets.
**   5. The validation accuracy is that of the kept parameters on the
**      held-out examples (a tagger: on their labelled elements); the
**      baseline loss is that of predicting the training labels' frequencies
**      (add-one).
**   6. Prediction reads one sequence of any length up to RNN_MAX_CONTEXT;
**      the most likely label wins (the first in label order on ties).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "nn.h"
#include "rng.h"

/* The sign of i - r, exactly (as SQLite compares an INTEGER with a REAL;
** converting i to a double would round near 2^63 and make the order
** intransitive). */
static int int_real_cmp(int64_t i, double r) {
  if (r >= 9223372036854775808.0) return -1;
  if (r < -9223372036854775808.0) return 1;
  double f = floor(r);
  int64_t fi = (int64_t)f;
  if (i != fi) return i < fi ? -1 : 1;
  return r > f ? -1 : 0;
}

int rnn_label_cmp(const rnn_label *a, const rnn_label *b) {
  int na = a->type <= RNN_LABEL_REAL, nb = b->type <= RNN_LABEL_REAL;
  if (na && nb) {
    if (a->type == RNN_LABEL_INT && b->type == RNN_LABEL_INT)
      return (a->i > b->i) - (a->i < b->i);
    if (a->type == RNN_LABEL_INT) return int_real_cmp(a->i, b->r);
    if (b->type == RNN_LABEL_INT) return -int_real_cmp(b->i, a->r);
    return (a->r > b->r) - (a->r < b->r);
  }
  if (na != nb) return na ? -1 : 1;
  if (a->type != b->type) return a->type < b->type ? -1 : 1;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->s, b->s, n) : 0;
  return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* The class of label l: its index in m->labels, or -1. */
static int label_id(const rnn_seqmodel *m, const rnn_label *l) {
  int lo = 0, hi = m->n_labels - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, c = rnn_label_cmp(&m->labels[mid], l);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/* ------------------------------------------------------------- labels */

/* rnn_label_cmp, then the type: a total order on the labels' contents, so
** the INTEGER of a value kept over its REAL does not depend on qsort. */
static int by_label(const void *pa, const void *pb) {
  const rnn_label *a = *(const rnn_label *const *)pa;
  const rnn_label *b = *(const rnn_label *const *)pb;
  int c = rnn_label_cmp(a, b);
  return c ? c : (a->type > b->type) - (a->type < b->type);
}

/* Rule 2: the distinct labels of the examples, copied into m. */
static rnn_status collect_labels(rnn_seqmodel *m, const rnn_example *ex,
                                 size_t n, int tagger, rnn_err *e) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    count += tagger ? (size_t)ex[i].ntags : ex[i].label.type != 0;
  const rnn_label **all = rnn_malloc((count ? count : 1) * sizeof *all);
  if (!all) return RNN_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!tagger && ex[i].label.type) all[k++] = &ex[i].label;
    for (int j = 0; tagger && j < ex[i].ntags; j++)
      if (ex[i].tags[j].type) all[k++] = &ex[i].tags[j];
  }
  qsort(all, k, sizeof *all, by_label);
  size_t distinct = 0, bytes = 0;
  for (size_t i = 0; i < k; i++)
    if (i == 0 || rnn_label_cmp(all[i - 1], all[i]) != 0) {
      all[distinct++] = all[i];
      if (all[i]->type >= RNN_LABEL_TEXT) bytes += all[i]->len;
    }
  rnn_status rc = RNN_OK;
  if (distinct == 0)
    rc = rnn_fail(e, RNN_EINVAL, "no %s", tagger ? "tags" : "labels");
  else if (distinct > RNN_MAX_LABELS)
    rc = rnn_fail(e, RNN_ELIMIT, "%zu distinct labels (at most %d)", distinct,
                  RNN_MAX_LABELS);
  if (!rc) {
    m->labels = rnn_calloc(distinct, sizeof *m->labels);
    m->label_bytes = rnn_malloc(bytes + 1);
    if (!m->labels || !m->label_bytes) rc = RNN_ENOMEM;
  }
  for (size_t i = 0, at = 0; !rc && i < distinct; i++) {
    m->labels[i] = *all[i];
    if (all[i]->type >= RNN_LABEL_TEXT) {
      if (all[i]->len) memcpy(m->label_bytes + at, all[i]->s, all[i]->len);
      m->labels[i].s = m->label_bytes + at;
      at += all[i]->len;
    } else {
      m->labels[i].s = NULL;
      m->labels[i].len = 0;
    }
  }
  if (!rc) m->n_labels = (int)distinct;
  rnn_free(all);
  return rc;
}

/* ------------------------------------------------------------- examples */

/* The examples, encoded: example i's elements are [start[i], start[i+1])
** of ids (tokens) or of x (numbers, `features` values each, normalised);
** its targets: a classifier's y[i], a tagger's tag[start[i] ..]. */
typedef struct seq_data {
  int n;
  int64_t *start;
  int32_t *ids;
  float *x;
  int32_t *y;   /* classifier: (n) */
  int32_t *tag; /* tagger: per element, -1 none */
} seq_data;

static void data_free(seq_data *d) {
  rnn_free(d->start);
  rnn_free(d->ids);
  rnn_free(d->x);
  rnn_free(d->y);
  rnn_free(d->tag);
}

/* Rule 1: feature statistics over the training examples' elements. */
static void feature_stats(rnn_seqmodel *m, const rnn_example *ex,
                          const int *use, int ntrain) {
  int k = m->features;
  for (int f = 0; f < k; f++) {
    double sum = 0.0, ss = 0.0;
    int64_t count = 0;
    for (int i = 0; i < ntrain; i++)
      for (int t = 0; t < ex[use[i]].steps; t++) {
        sum += ex[use[i]].x[(size_t)t * k + f];
        count++;
      }
    double mean = count ? sum / (double)count : 0.0;
    for (int i = 0; i < ntrain; i++)
      for (int t = 0; t < ex[use[i]].steps; t++) {
        double d = ex[use[i]].x[(size_t)t * k + f] - mean;
        ss += d * d;
      }
    double sd = count ? sqrt(ss / (double)count) : 0.0;
    if (!isfinite(mean) || !isfinite(sd)) { /* sums or squares beyond a double */
      double big = 0.0, sum1 = 0.0, ss1 = 0.0; /* the same over x / max |x| */
      for (int i = 0; i < ntrain; i++)
        for (int t = 0; t < ex[use[i]].steps; t++)
          big = fmax(big, fabs(ex[use[i]].x[(size_t)t * k + f]));
      for (int i = 0; i < ntrain; i++)
        for (int t = 0; t < ex[use[i]].steps; t++)
          sum1 += ex[use[i]].x[(size_t)t * k + f] / big;
      double mean1 = sum1 / (double)count;
      for (int i = 0; i < ntrain; i++)
        for (int t = 0; t < ex[use[i]].steps; t++) {
          double d = ex[use[i]].x[(size_t)t * k + f] / big - mean1;
          ss1 += d * d;
        }
      mean = big * mean1;
      sd = big * sqrt(ss1 / (double)count);
    }
    m->shift[f] = isfinite(mean) ? mean : 0.0;
    m->scale[f] = isfinite(sd) && sd > 0 ? sd : 1.0;
  }
}

/* Rules 1-3: the examples used (use[], in order), their encoding and the
** classes. */
static rnn_status prepare_examples(rnn_seqmodel *m, const rnn_example *ex, size_t n,
                          seq_data *d, int *ntrain, rnn_err *e) {
  int tagger = m->kind == RNN_KIND_TAGGER, k = m->features;
  int *use = rnn_malloc((n ? n : 1) * sizeof *use);
  const char **texts = rnn_malloc((n ? n : 1) * sizeof *texts);
  size_t *lens = rnn_malloc((n ? n : 1) * sizeof *lens);
  int32_t *ids = NULL;
  int64_t *start = NULL;
  rnn_status rc = RNN_OK;
  if (!use || !texts || !lens) {
    rc = RNN_ENOMEM;
    goto done;
  }
  /* Rules 1 and 2: which examples count. */
  int used = 0;
  for (size_t i = 0; i < n; i++) {
    if (!tagger && ex[i].label.type == 0) continue;
    if (k && ex[i].steps == 0) continue;
    if (!k && ex[i].len == 0) continue;
    texts[used] = ex[i].text;
    lens[used] = ex[i].len;
    use[used++] = (int)i;
  }
  if (used == 0) {
    rc = rnn_fail(e, RNN_EINVAL, "no examples (every sequence %s empty)",
                  tagger ? "is" : "or label is");
    goto done;
  }
  d->n = used;
  /* Token ids (the vocabulary from the examples used) or numbers. */
  if (!k) {
    if ((rc = rnn_text_prepare(m, texts, lens, (size_t)used, &ids, &start, e)))
      goto done;
    d->ids = ids;
    d->start = start;
    ids = NULL;
    start = NULL;
  } else {
    d->start = rnn_malloc(((size_t)used + 1) * sizeof *d->start);
    if (!d->start) {
      rc = RNN_ENOMEM;
      goto done;
    }
    d->start[0] = 0;
    for (int i = 0; i < used; i++) d->start[i + 1] = d->start[i] + ex[use[i]].steps;
  }
  /* Rule 1: lengths; rule 2: tags per element. */
  for (int i = 0; i < used; i++) {
    long long row = ex[use[i]].row > 0 ? (long long)ex[use[i]].row : use[i] + 1;
    int64_t len = d->start[i + 1] - d->start[i];
    if (len < 1) {
      rc = rnn_fail(e, RNN_EINVAL, "row %lld has no %s", row,
                    k ? "elements" : "tokens");
      goto done;
    }
    if (len > RNN_MAX_CONTEXT) {
      rc = rnn_fail(e, RNN_ELIMIT,
                    "row %lld has %lld elements (at most %d)", row,
                    (long long)len, RNN_MAX_CONTEXT);
      goto done;
    }
    if (tagger && len != ex[use[i]].ntags) {
      rc = rnn_fail(e, RNN_EINVAL,
                    "row %lld has %lld elements but %d tags (one per "
                    "%s is needed)",
                    row, (long long)len, ex[use[i]].ntags,
                    k ? "element" : m->opts.tokens == RNN_TOK_WORD ? "word"
                                                                    : "character");
      goto done;
    }
  }
  /* Rule 3. */
  int nval = (int)floor(m->opts.base.validation * (double)used);
  if (nval > used - 1) nval = used - 1;
  *ntrain = used - nval;
  if (k) {
    m->shift = rnn_malloc((size_t)k * sizeof *m->shift);
    m->scale = rnn_malloc((size_t)k * sizeof *m->scale);
    d->x = rnn_malloc((size_t)d->start[used] * k * sizeof *d->x);
    if (!m->shift || !m->scale || !d->x) {
      rc = RNN_ENOMEM;
      goto done;
    }
    feature_stats(m, ex, use, *ntrain);
    for (int i = 0; i < used; i++)
      for (int t = 0; t < ex[use[i]].steps; t++)
        for (int f = 0; f < k; f++) {
          double z = (ex[use[i]].x[(size_t)t * k + f] - m->shift[f]) / m->scale[f];
          d->x[((size_t)d->start[i] + t) * k + f] = (float)z;
        }
  }
  /* Rule 2: the classes and every target. */
  if ((rc = collect_labels(m, ex, n, tagger, e))) goto done;
  if (tagger) {
    d->tag = rnn_malloc((size_t)d->start[used] * sizeof *d->tag);
    if (!d->tag) {
      rc = RNN_ENOMEM;
      goto done;
    }
    for (int i = 0; i < used; i++)
      for (int j = 0; j < ex[use[i]].ntags; j++) {
        const rnn_label *l = &ex[use[i]].tags[j];
        d->tag[d->start[i] + j] = l->type ? label_id(m, l) : -1;
      }
  } else {
    d->y = rnn_malloc((size_t)used * sizeof *d->y);
    if (!d->y) {
      rc = RNN_ENOMEM;
      goto done;
    }
    for (int i = 0; i < used; i++) d->y[i] = label_id(m, &ex[use[i]].label);
  }
done:
  rnn_free(use);
  rnn_free(texts);
  rnn_free(lens);
  rnn_free(ids);
  rnn_free(start);
  return rc;
}

/* ------------------------------------------------------------- batches */

typedef struct seq_run {
  const seq_data *d;
  int tagger, features, B, cap;
  int *order; /* training examples first, then validation */
  int ntrain, next, end;
  int train;
  int targets;
  int32_t *tok, *lab; /* per chunk: (T, count) at c * cap * W */
  int *len;           /* per chunk: (count) at c * cap */
  int W;              /* the longest example */
} seq_run;

static void seq_begin(void *arg, int train, rnn_rng *rng) {
  seq_run *r = arg;
  r->train = train;
  if (train) {
    for (int i = 0; i < r->d->n; i++) r->order[i] = i;
    rnn_rng_shuffle(rng, r->order, r->ntrain);
  }
  r->next = train ? 0 : r->ntrain;
  r->end = train ? r->ntrain : r->d->n;
}

/* Rule 4: the next `batch` examples, padded to the longest. */
static int seq_fill(void *arg, rnn_batcher *b) {
  seq_run *r = arg;
  const seq_data *d = r->d;
  int count = r->end - r->next < r->B ? r->end - r->next : r->B;
  if (count <= 0) return 0;
  const int *ex = r->order + r->next;
  r->next += count;
  int T = 1;
  for (int i = 0; i < count; i++) {
    int len = (int)(d->start[ex[i] + 1] - d->start[ex[i]]);
    T = len > T ? len : T;
  }
  rnn_batcher_split(b, count);
  int targets = 0, k = r->features;
  for (int c = 0; c < b->nc; c++) {
    rnn_chunk *ch = &b->chunk[c];
    ch->w.T = T;
    int32_t *tok = r->tok + (size_t)c * r->cap * r->W;
    int32_t *lab = r->lab + (size_t)c * r->cap * r->W;
    int *len = r->len + (size_t)c * r->cap;
    int n = ch->count;
    for (int j = 0; j < n; j++) {
      int e = ex[ch->first + j];
      int L = (int)(d->start[e + 1] - d->start[e]);
      len[j] = L;
      for (int t = 0; t < T; t++) {
        size_t at = (size_t)t * n + j;
        int64_t el = d->start[e] + t;
        if (k) {
          float *x = ch->w.x + at * k;
          if (t < L)
            memcpy(x, d->x + (size_t)el * k, (size_t)k * sizeof *x);
          else
            memset(x, 0, (size_t)k * sizeof *x);
        } else {
          tok[at] = t < L ? d->ids[el] : -1;
        }
        if (r->tagger) {
          lab[at] = t < L ? d->tag[el] : -1;
          targets += lab[at] >= 0;
        }
      }
      if (!r->tagger) {
        lab[j] = d->y[e];
        targets++;
      }
    }
  }
  r->targets = targets;
  return targets ? targets : seq_fill(arg, b); /* a batch of untagged examples */
}

static void seq_chunk(void *arg, rnn_batcher *b, int c) {
  seq_run *r = arg;
  rnn_chunk *ch = &b->chunk[c];
  rnn_work *w = &ch->w;
  int n = ch->count;
  w->per_step = r->tagger;
  w->len = r->len + (size_t)c * r->cap;
  w->tok = r->features ? NULL : r->tok + (size_t)c * r->cap * r->W;
  rnn_net_forward(w, b->a, b->lo, b->params, n, r->train);
  int rows = r->tagger ? w->T * n : n;
  ch->loss = rnn_xent_part(w->dy, w->y, r->lab + (size_t)c * r->cap * r->W,
                           rows, b->a->output, r->targets > 0 ? r->targets : 1);
  if (r->train) {
    memset(ch->grad, 0, b->np * sizeof *ch->grad);
    rnn_net_backward(w, b->a, b->lo, b->params, ch->grad, n);
  }
}

/* ------------------------------------------------------------- inference */

/* A work for one sequence of T elements (grown when a longer one comes). */
static rnn_status infer_work(rnn_seqmodel *m, int T) {
  if (m->infer && m->infer_T >= T) return RNN_OK;
  if (m->infer) {
    rnn_work_free(m->infer);
    rnn_free(m->infer);
    m->infer = NULL;
  }
  rnn_arch a = m->arch;
  a.window = T > a.window ? T : a.window;
  rnn_work *w = rnn_calloc(1, sizeof *w);
  if (!w) return RNN_ENOMEM;
  int flags = (m->kind == RNN_KIND_TAGGER ? RNN_WORK_STEPS : 0) |
              (m->features ? 0 : RNN_WORK_TOKENS);
  rnn_status rc = rnn_work_init_seq(w, &a, 1, 0, flags);
  if (rc) {
    rnn_free(w);
    return rc;
  }
  w->wt_fixed = 1;
  m->infer = w;
  m->infer_T = a.window;
  return RNN_OK;
}

/* Rule 6: the forward pass of one sequence; outputs in m->infer->y. */
static rnn_status infer(rnn_seqmodel *m, const char *text, size_t len,
                        const double *x, int steps, int *T, rnn_err *e) {
  int32_t *ids = NULL;
  size_t n = 0;
  rnn_status rc = RNN_OK;
  if (m->features) {
    n = (size_t)steps;
  } else if ((rc = rnn_text_ids(m, text, len, &ids, &n))) {
    return rc;
  }
  if (n == 0) {
    rnn_free(ids);
    return rnn_fail(e, RNN_EINVAL, "the sequence is empty");
  }
  if (n > RNN_MAX_CONTEXT) {
    rnn_free(ids);
    return rnn_fail(e, RNN_ELIMIT, "the sequence has %zu elements (at most %d)",
                    n, RNN_MAX_CONTEXT);
  }
  if ((rc = infer_work(m, (int)n))) {
    rnn_free(ids);
    return rc;
  }
  rnn_work *w = m->infer;
  if (m->features)
    for (size_t t = 0; t < n; t++)
      for (int f = 0; f < m->features; f++) {
        double z = (x[t * m->features + f] - m->shift[f]) / m->scale[f];
        if (!isfinite(z)) {
          rnn_free(ids);
          return rnn_fail(e, RNN_ERANGE, "element %zu is out of range", t + 1);
        }
        w->x[t * m->features + f] = (float)z;
      }
  w->T = (int)n;
  w->tok = ids;
  w->per_step = m->kind == RNN_KIND_TAGGER;
  rnn_net_forward(w, &m->arch, &m->layout, m->params, 1, 0);
  w->tok = NULL;
  rnn_free(ids);
  *T = (int)n;
  /* Outputs that are not finite (only a hostile model's weights make
  ** them) are an error, as for the language models (text.c rule 6). */
  size_t outs = (size_t)(w->per_step ? n : 1) * m->n_labels;
  for (size_t i = 0; i < outs; i++)
    if (!isfinite(w->y[i]))
      return rnn_fail(e, RNN_ERANGE, "the model's outputs are not finite (its weights overflow)");
  return RNN_OK;
}

rnn_status rnn_seq_classify(rnn_seqmodel *m, const char *text, size_t len,
                            const double *x, int steps, double *p, rnn_err *e) {
  int T;
  rnn_status rc = infer(m, text, len, x, steps, &T, e);
  if (rc) return rc;
  float *pf = m->infer->dy; /* scratch of the output's size */
  rnn_softmax_det(pf, m->infer->y, m->n_labels, 1.0f);
  for (int i = 0; i < m->n_labels; i++) p[i] = pf[i];
  return RNN_OK;
}

rnn_status rnn_seq_tag(rnn_seqmodel *m, const char *text, size_t len,
                       const double *x, int steps, int **ids, int *n,
                       rnn_err *e) {
  int T;
  *ids = NULL;
  rnn_status rc = infer(m, text, len, x, steps, &T, e);
  if (rc) return rc;
  int *out = rnn_malloc((size_t)T * sizeof *out);
  if (!out) return RNN_ENOMEM;
  int C = m->n_labels;
  for (int t = 0; t < T; t++) {
    const float *y = m->infer->y + (size_t)t * C;
    int best = 0;
    for (int c = 1; c < C; c++)
      if (y[c] > y[best]) best = c;
    out[t] = best;
  }
  *ids = out;
  *n = T;
  return RNN_OK;
}

/* ------------------------------------------------------------- training */

/* Rule 5: accuracy of the parameters on the validation examples, and the
** baseline loss of the training labels' frequencies there. */
static void validation_facts(rnn_seqmodel *m, const seq_data *d, int ntrain) {
  int C = m->n_labels, tagger = m->kind == RNN_KIND_TAGGER;
  double *count = rnn_calloc((size_t)C, sizeof *count);
  m->val_accuracy = NAN;
  m->unigram_loss = NAN;
  if (!count || ntrain == d->n) {
    rnn_free(count);
    return;
  }
  double total = 0;
  for (int i = 0; i < ntrain; i++) {
    if (!tagger) {
      count[d->y[i]]++, total++;
      continue;
    }
    for (int64_t el = d->start[i]; el < d->start[i + 1]; el++)
      if (d->tag[el] >= 0) count[d->tag[el]]++, total++;
  }
  int64_t right = 0, seen = 0;
  double nll = 0;
  for (int i = ntrain; i < d->n; i++) {
    int64_t s0 = d->start[i];
    int T = (int)(d->start[i + 1] - s0);
    if (infer_work(m, T) != RNN_OK) break;
    rnn_work *w = m->infer;
    if (m->features)
      memcpy(w->x, d->x + (size_t)s0 * m->features,
             (size_t)T * m->features * sizeof *w->x);
    w->T = T;
    w->tok = m->features ? NULL : d->ids + s0;
    w->per_step = tagger;
    rnn_net_forward(w, &m->arch, &m->layout, m->params, 1, 0);
    w->tok = NULL;
    for (int t = 0; t < (tagger ? T : 1); t++) {
      int want = tagger ? d->tag[s0 + t] : d->y[i];
      if (want < 0) continue;
      const float *y = w->y + (size_t)t * C;
      int best = 0;
      for (int c = 1; c < C; c++)
        if (y[c] > y[best]) best = c;
      right += best == want;
      seen++;
      nll -= rnn_det_log((count[want] + 1.0) / (total + C));
    }
  }
  if (seen) {
    m->val_accuracy = (double)right / (double)seen;
    m->unigram_loss = nll / (double)seen;
  }
  rnn_free(count);
}

rnn_status rnn_seq_train(rnn_seqmodel **out, const rnn_example *ex, size_t n,
                         int features, const rnn_seq_options *opt,
                         const rnn_train_ctl *ctl, rnn_err *e) {
  *out = NULL;
  double t0 = rnn_now();
  if (n > 0x7FFFFFFF) return rnn_fail(e, RNN_ELIMIT, "more than 2^31 examples");
  if (features < 0 || features > 1024)
    return rnn_fail(e, RNN_EINVAL, "%d values an element (at most 1024)",
                    features);
  rnn_seqmodel *m = rnn_calloc(1, sizeof *m);
  if (!m) return RNN_ENOMEM;
  m->kind = opt->kind;
  m->opts = *opt;
  m->features = features;
  m->unigram_loss = m->val_accuracy = NAN;
  const rnn_options *o = &m->opts.base;
  seq_data d = {0};
  rnn_batcher bt = {0};
  int *order = NULL, *lens = NULL;
  int32_t *io = NULL;
  int ntrain = 0;
  rnn_status rc = prepare_examples(m, ex, n, &d, &ntrain, e);
  if (rc) goto fail;
  if (!features) m->opts.vocab = m->vocab.n - 2;
  int W = 1;
  for (int i = 0; i < d.n; i++) {
    int L = (int)(d.start[i + 1] - d.start[i]);
    W = L > W ? L : W;
  }
  m->rows = ntrain;
  m->val_rows = d.n - ntrain;
  m->tokens = d.start[ntrain];
  m->val_tokens = d.start[d.n] - d.start[ntrain];
  m->arch = (rnn_arch){.cell = o->cell, .activation = o->activation,
                       .input = features ? features : m->vocab.n,
                       .hidden = o->hidden, .layers = o->layers,
                       .dirs = o->bidirectional ? 2 : 1, .window = W,
                       .output = m->n_labels};
  if ((rc = rnn_text_layout(&m->arch, &m->layout, e))) goto fail;
  size_t np = m->layout.n_params;
  int B = o->batch < ntrain ? o->batch : ntrain;
  int flags = (m->kind == RNN_KIND_TAGGER ? RNN_WORK_STEPS : 0) |
              (features ? 0 : RNN_WORK_TOKENS);
  int nc = rnn_chunks(B), cap = (B + nc - 1) / nc;
  rnn_train_setup setup;
  rnn_train_setup_init(&setup, ctl, o->epochs);
  if ((rc = rnn_seq_batcher(&bt, m, B, flags,
                            (double)d.start[d.n] * (4 + 4 + 4.0 * features),
                            "vocab, hidden or batch, or shorten the sequences",
                            &setup, e)))
    goto fail;
  m->params = rnn_malloc(np * sizeof *m->params);
  order = rnn_malloc((size_t)d.n * sizeof *order);
  lens = rnn_malloc((size_t)nc * cap * sizeof *lens);
  io = rnn_malloc((size_t)2 * nc * cap * W * sizeof *io);
  m->train_loss = rnn_malloc((size_t)o->epochs * sizeof *m->train_loss);
  m->val_loss = rnn_malloc((size_t)o->epochs * sizeof *m->val_loss);
  if (!m->params || !order || !lens || !io || !m->train_loss || !m->val_loss) {
    rc = RNN_ENOMEM;
    goto fail;
  }
  for (int i = 0; i < d.n; i++) order[i] = i;
  seq_run run = {.d = &d, .tagger = m->kind == RNN_KIND_TAGGER,
                 .features = features, .B = B, .cap = cap, .order = order,
                 .ntrain = ntrain, .tok = io,
                 .lab = io + (size_t)nc * cap * W, .len = lens, .W = W};
  rnn_fit_task task = {.arg = &run, .begin = seq_begin, .fill = seq_fill, .chunk = seq_chunk};
  rnn_fitted fit = RNN_FITTED(m);
  if ((rc = rnn_fit(&fit, &bt, &task, ntrain < d.n, o, ctl, t0, e))) goto fail;
  validation_facts(m, &d, ntrain);
  *out = m;
  m = NULL;
fail:
  rnn_batcher_free(&bt);
  data_free(&d);
  rnn_free(order);
  rnn_free(lens);
  rnn_free(io);
  rnn_seqmodel_free(m);
  return rc;
}
