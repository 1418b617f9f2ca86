/*
** A global model (rnn_train_global, core/train.c rule 18): the forecasting
** models of many series that share one network, as one BLOB.
**
**   header   as every model BLOB (blob.c): magic, u32 version (5; 6 from
**            the build that added seasonal naive with trend; 7 from the one
**            whose bands grow with the forecast; 8 from the one with damped
**            trend kinds), u32 length
**   KIND     u32 4 (RNN_KIND_GLOBAL)
**   GLOB     u32 n (series, 1..RNN_MAX_SERIES), u64 p (shared parameters;
**            0 when no series has a network), p x f32
**   SERS     n of them, in key order: the key (u32 type: 1 INTEGER i64,
**            2 REAL f64, 3 TEXT or 4 BLOB u32 length and bytes), then u32 m
**            and m bytes: the series' forecasting BLOB, whose network omits
**            PARM (blob.c rule 13)
**   trailer  u32 CRC-32
**
** Rules:
**   1. Keys are distinct and ascending in SQLite's order (rnn_label_cmp);
**      a series is found by binary search.
**   2. Decoding validates the container (blob.c rules 1-4), every key, the
**      order, and every series' BLOB in full; a network series must have
**      the shared parameter count. Reading one series alone
**      (rnn_global_decode_one) checks the same, except that the other
**      series' BLOBs are checked by length only; an empty one is corrupt
**      for both readers.
**   3. Encoding writes the parameters once: every network series must have
**      the same ones.
**   4. A new series (a key the model does not have, with a window of its
**      rows) is forecast by the shared network alone, the window
**      normalised by its own mean and standard deviation per column (the
**      network saw every series normalised by its own): no components,
**      no calibration, so no intervals.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "blobio.h"

void rnn_global_free(rnn_global *g) {
  if (!g) return;
  for (int i = 0; g->models && i < g->n; i++) rnn_model_free(g->models[i]);
  rnn_free(g->models);
  rnn_free(g->keys);
  rnn_free(g->key_bytes);
  rnn_free(g->params);
  rnn_free(g);
}

int rnn_global_find(const rnn_global *g, const rnn_label *key) {
  int lo = 0, hi = g->n - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2, c = rnn_label_cmp(&g->keys[mid], key);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

static void put_key(writer *w, const rnn_label *k) {
  put_u32(w, (uint32_t)k->type);
  if (k->type == RNN_LABEL_INT) {
    put_u64(w, (uint64_t)k->i);
  } else if (k->type == RNN_LABEL_REAL) {
    put_f64(w, k->r);
  } else {
    put_u32(w, (uint32_t)k->len);
    put_bytes(w, k->s, k->len);
  }
}

/* The container into w (a NULL buffer counts), the series' BLOBs given. */
static void write_global(writer *w, const rnn_global *g, unsigned char *const *sub,
                         const size_t *sub_len) {
  put_bytes(w, RNN_MAGIC, 8);
  put_u32(w, RNN_FORMAT_VERSION);
  put_u32(w, 0); /* the length, set at the end */
  size_t at = chunk_begin(w, "KIND");
  put_u32(w, RNN_KIND_GLOBAL);
  chunk_end(w, at);
  at = chunk_begin(w, "GLOB");
  put_u32(w, (uint32_t)g->n);
  put_u64(w, (uint64_t)g->n_params);
  for (size_t i = 0; i < g->n_params; i++) put_f32(w, g->params[i]);
  chunk_end(w, at);
  for (int s = 0; s < g->n; s++) {
    at = chunk_begin(w, "SERS");
    put_key(w, &g->keys[s]);
    put_u32(w, (uint32_t)sub_len[s]);
    put_bytes(w, sub[s], sub_len[s]);
    chunk_end(w, at);
  }
}

rnn_status rnn_global_encode(const rnn_global *g, unsigned char **out, size_t *len) {
  rnn_status rc = RNN_OK;
  unsigned char **sub = rnn_calloc((size_t)g->n + 1, sizeof *sub);
  size_t *sub_len = rnn_calloc((size_t)g->n + 1, sizeof *sub_len);
  *out = NULL;
  if (!sub || !sub_len) rc = RNN_ENOMEM;
  for (int s = 0; rc == RNN_OK && s < g->n; s++) {
    const rnn_model *m = g->models[s];
    if (m->kind == RNN_MODEL_NETWORK && /* rule 3 */
        (m->layout.n_params != g->n_params ||
         memcmp(m->params, g->params, g->n_params * sizeof *g->params)))
      rc = RNN_EINVAL;
    else
      rc = rnn_model_encode_part(m, 1, &sub[s], &sub_len[s]);
  }
  if (rc == RNN_OK) {
    writer w = {NULL, 0};
    write_global(&w, g, sub, sub_len);
    size_t total = w.n + 4;
    unsigned char *buf = total > 0xFFFFFFFFu ? NULL : rnn_malloc(total);
    if (total > 0xFFFFFFFFu) {
      rc = RNN_EINVAL;
    } else if (!buf) {
      rc = RNN_ENOMEM;
    } else {
      w = (writer){buf, 0};
      write_global(&w, g, sub, sub_len);
      writer fix = {buf + 12, 0};
      put_u32(&fix, (uint32_t)total);
      put_u32(&w, rnn_crc32(buf, w.n));
      *out = buf;
      *len = total;
    }
  }
  for (int s = 0; sub && s < g->n; s++) rnn_free(sub[s]);
  rnn_free(sub);
  rnn_free(sub_len);
  return rc;
}

static rnn_status corrupt(rnn_err *e, const char *what) {
  return rnn_fail(e, RNN_ECORRUPT, "corrupt rnn model (%s)", what);
}

/* Rule 2: a key at r into k; TEXT and BLOB bytes copied to *bytes
** (advanced), or with bytes NULL left in place (rule 5). */
static int get_key(reader *r, rnn_label *k, char **bytes) {
  int ok = 1;
  memset(k, 0, sizeof *k);
  k->type = get_int(r, RNN_LABEL_INT, RNN_LABEL_BLOB, &ok);
  if (!ok) return 0;
  if (k->type == RNN_LABEL_INT) {
    k->i = (int64_t)get_u64(r);
  } else if (k->type == RNN_LABEL_REAL) {
    k->r = get_f64(r);
    if (isnan(k->r)) return 0;
  } else {
    uint32_t n = get_u32(r);
    if (r->bad || !has(r, n)) return 0;
    k->s = (const char *)r->p + r->pos, k->len = n;
    if (bytes) {
      memcpy(*bytes, r->p + r->pos, n);
      k->s = *bytes;
      *bytes += n;
    }
    r->pos += n;
  }
  return !r->bad;
}

/* Rules 1-2 for the container: its header, kind and GLOB chunk, whose
** series count and parameter count come back (gr at the parameters), and
** its format version. */
static rnn_status read_header(const unsigned char *b, size_t len, reader *gr,
                              int *n, uint64_t *np, uint32_t *version,
                              rnn_err *e) {
  static const char *const tags[2] = {"KIND", "GLOB"};
  size_t at[2] = {0}, size[2] = {0};
  int seen[2] = {0}, kind, ok = 1;
  rnn_status rc = rnn_blob_scan(b, len, tags, 2, at, size, seen, version, e);
  if (rc) return rc;
  if ((rc = rnn_blob_read_kind(b, *version, seen[0], at[0], size[0], &kind, e))) return rc;
  if (kind != RNN_KIND_GLOBAL) return rnn_wrong_kind(e, kind, RNN_KIND_GLOBAL);
  if (!seen[1]) return corrupt(e, "missing chunk");
  *gr = (reader){b + at[1], size[1], 0, 0};
  *n = get_int(gr, 1, RNN_MAX_SERIES, &ok);
  *np = get_u64(gr);
  /* A SERS chunk takes at least 16 bytes: no more series than that allows. */
  if (!ok || gr->bad || *np > (gr->n - gr->pos) / 4 || (gr->n - gr->pos) != *np * 4 ||
      (size_t)*n > len / 16)
    return corrupt(e, "series");
  return RNN_OK;
}

rnn_status rnn_global_decode(rnn_global **out, const void *blob, size_t len,
                             rnn_err *e) {
  const unsigned char *b = blob;
  reader gr;
  int n;
  uint64_t np;
  *out = NULL;
  uint32_t version;
  rnn_status rc = read_header(b, len, &gr, &n, &np, &version, e);
  if (rc) return rc;
  rnn_global *g = rnn_calloc(1, sizeof *g);
  if (!g) return RNN_ENOMEM;
  g->format_version = (int)version;
  g->models = rnn_calloc((size_t)n, sizeof *g->models);
  g->keys = rnn_calloc((size_t)n, sizeof *g->keys);
  g->key_bytes = rnn_malloc(len); /* the keys' bytes fit in the BLOB's */
  g->params = rnn_malloc((size_t)np * sizeof *g->params + 1);
  g->n_params = (size_t)np;
  if (!g->models || !g->keys || !g->key_bytes || !g->params) {
    rnn_global_free(g);
    return RNN_ENOMEM;
  }
  for (uint64_t i = 0; i < np; i++)
    if (!isfinite(g->params[i] = get_f32(&gr))) {
      rnn_global_free(g);
      return corrupt(e, "parameters");
    }
  /* The SERS chunks in order (blob.c rule 4 has checked every length). */
  reader r = {b, len - 4, 16, 0};
  char *bytes = g->key_bytes;
  while (r.pos < r.n) {
    const unsigned char *tag = r.p + r.pos;
    r.pos += 4;
    uint32_t clen = get_u32(&r);
    size_t end = r.pos + clen;
    if (memcmp(tag, "SERS", 4) != 0) {
      r.pos = end;
      continue;
    }
    reader cr = {b + r.pos, clen, 0, 0};
    rnn_label *k = &g->keys[g->n];
    uint32_t m;
    if (g->n >= n || !get_key(&cr, k, &bytes) ||
        (g->n && rnn_label_cmp(&g->keys[g->n - 1], k) >= 0) || /* rule 1 */
        (m = get_u32(&cr), cr.bad) || m == 0 || m != cr.n - cr.pos) {
      rnn_global_free(g);
      return corrupt(e, "series");
    }
    rc = rnn_model_decode_part(&g->models[g->n], cr.p + cr.pos, m, g->params,
                               g->n_params, e);
    if (rc) {
      rnn_global_free(g);
      return rc == RNN_ENOMEM ? rc : corrupt(e, "series");
    }
    g->n++;
    r.pos = end;
  }
  if (g->n != n) {
    rnn_global_free(g);
    return corrupt(e, "series");
  }
  *out = g;
  return RNN_OK;
}

/* Rule 4: a series the model has not seen, forecast by the shared network
** alone from a window of its rows: the window's own statistics normalise
** it (no components, no calibration: no intervals). */
rnn_status rnn_global_stranger(const rnn_global *g, rnn_model **out, rnn_err *e) {
  const rnn_model *t = NULL;
  *out = NULL;
  for (int i = 0; i < g->n && !t; i++)
    if (g->models[i]->kind == RNN_MODEL_NETWORK) t = g->models[i];
  if (!t)
    return rnn_fail(e, RNN_EINVAL, "the model has no network (every series was too short), "
                                   "so it cannot forecast a new series");
  rnn_model *m = rnn_calloc(1, sizeof *m);
  int C = t->arch.input;
  if (!m) return RNN_ENOMEM;
  m->kind = RNN_MODEL_NETWORK;
  m->anchored = t->anchored;
  m->arch = t->arch, m->layout = t->layout, m->opts = t->opts;
  m->params = t->params, m->params_borrowed = 1;
  m->norm = t->norm; /* the network learned windows normalised this way */
  m->period = 1;
  m->tail_rows = t->arch.window;
  m->xreg_share = m->xreg_ratio = NAN;
  m->metrics.mae = m->metrics.rmse = m->metrics.smape = m->metrics.mase = NAN;
  m->shift = rnn_malloc((size_t)C * sizeof *m->shift);
  m->scale = rnn_malloc((size_t)C * sizeof *m->scale);
  if (!m->shift || !m->scale) {
    rnn_model_free(m);
    return RNN_ENOMEM;
  }
  for (int c = 0; c < C; c++) m->shift[c] = 0.0, m->scale[c] = 1.0;
  *out = m;
  return RNN_OK;
}

void rnn_global_stranger_window(rnn_model *m, const double *win) {
  int C = m->arch.input, R = m->tail_rows;
  for (int c = 0; c < C; c++) {
    double sum = 0.0, ss = 0.0, lo = INFINITY, hi = -INFINITY;
    int n = 0;
    for (int i = 0; i < R; i++) {
      double v = win[i * C + c];
      if (isnan(v)) continue;
      sum += v, n++;
      lo = v < lo ? v : lo, hi = v > hi ? v : hi;
    }
    double mean = n ? sum / n : 0.0, shift = 0.0, scale = 1.0;
    for (int i = 0; i < R; i++)
      if (!isnan(win[i * C + c])) ss += (win[i * C + c] - mean) * (win[i * C + c] - mean);
    if (m->norm == RNN_NORM_STANDARD) { /* as train.c rule 3, on the window */
      double sd = n ? sqrt(ss / n) : 0.0;
      shift = mean, scale = sd > 0 ? sd : 1.0;
    } else if (m->norm == RNN_NORM_MINMAX && n) {
      shift = lo, scale = hi > lo ? hi - lo : 1.0;
    }
    m->shift[c] = isfinite(shift) ? shift : 0.0;
    m->scale[c] = scale > 0 && isfinite(scale) ? scale : 1.0;
  }
}

rnn_status rnn_global_decode_one(const void *blob, size_t len, const rnn_label *key,
                                 rnn_model **out, rnn_err *e) {
  const unsigned char *b = blob;
  reader gr;
  int n;
  uint64_t np;
  *out = NULL;
  uint32_t version;
  rnn_status rc = read_header(b, len, &gr, &n, &np, &version, e);
  if (rc) return rc;
  /* Rule 1 over the keys (their bytes stay in the BLOB); the match only
  ** is decoded. */
  reader r = {b, len - 4, 16, 0};
  rnn_label prev = {0}, k;
  int count = 0;
  size_t sub_at = 0, sub_len = 0;
  while (r.pos < r.n) {
    const unsigned char *tag = r.p + r.pos;
    r.pos += 4;
    uint32_t clen = get_u32(&r);
    size_t end = r.pos + clen;
    if (memcmp(tag, "SERS", 4) == 0) {
      reader cr = {b + r.pos, clen, 0, 0};
      uint32_t m;
      /* Rule 2: an empty series BLOB is damage, here as in the full decode. */
      if (!get_key(&cr, &k, NULL) || (count && rnn_label_cmp(&prev, &k) >= 0) ||
          (m = get_u32(&cr), cr.bad) || m == 0 || m != cr.n - cr.pos || ++count > n)
        return corrupt(e, "series");
      if (rnn_label_cmp(&k, key) == 0) sub_at = r.pos + cr.pos, sub_len = m;
      prev = k;
    }
    r.pos = end;
  }
  if (count != n) return corrupt(e, "series");
  if (!sub_len) return RNN_OK; /* not there (a series' BLOB is never empty) */
  float *params = rnn_malloc((size_t)np * sizeof *params + 1);
  if (!params) return RNN_ENOMEM;
  for (uint64_t i = 0; i < np; i++)
    if (!isfinite(params[i] = get_f32(&gr))) {
      rnn_free(params);
      return corrupt(e, "parameters");
    }
  rc = rnn_model_decode_part(out, b + sub_at, sub_len, params, (size_t)np, e);
  if (rc) {
    rnn_free(params);
    return rc == RNN_ENOMEM ? rc : corrupt(e, "series");
  }
  if ((*out)->params_borrowed) {
    (*out)->params_borrowed = 0; /* its own copy now */
  } else {
    rnn_free(params);
  }
  return RNN_OK;
}
