/*
** The model BLOB: encoder and validating decoder. docs/blob-format.md is
** the reference a reader in another language can be written from.
**
**   header   magic "SQLRNN\r\n" (8 bytes), u32 version, u32 total length
**   chunks   tag (4 ASCII bytes), u32 payload length, payload
**   trailer  u32 CRC-32 (zlib's) of every byte before it
** Every integer and float is little-endian (IEEE 754 for f32/f64).
**
** Decoding rules:
**   1. Too short or a wrong magic: RNN_ENOTMODEL.
**   2. A version above RNN_FORMAT_VERSION: RNN_ENEWER (checked before the
**      checksum, since a newer writer may lay out the rest differently).
**      Version 1 (the first builds, Elman only) is still read: its OPTS
**      chunk is shorter and the options it lacks take the values those
**      builds always used. Version 2 models are the network alone (method
**      "network") with the sqrt(step) interval scales.
**   3. Total length different from the BLOB's size, or a checksum mismatch:
**      RNN_ECORRUPT.
**   4. Every chunk length is checked against the bytes left before it is
**      read; known chunks appear at most once, unknown ones are skipped.
**   5. Every count is checked against the architecture and the payload
**      length before anything is allocated: a network's ARCH must pass
**      rnn_arch_layout and give the stored parameter count; NORM has one
**      pair per input column, TAIL exactly window x input values (format
**      3: at least the window, at most RNN_MAX_TAIL rows), PARM
**      exactly the parameter count, CALI exactly its count of errors.
**   6. Numbers must be usable: finite parameters, tail and statistics, a
**      positive scale, known enumerations, calibration errors and step
**      scales finite, non-negative and ascending.
**   7. Format 3 adds two optional chunks: STEP (the interval scale of each
**      calibrated step; exactly CALI's step count) and COMP (the forecast's
**      components and the candidates; each component known, with the
**      parameters its kind has, reading no more rows than TAIL holds, and
**      the network only in a network model). Older formats may not have
**      them.
**   8. Formats 4 and 5 (5: what this build writes for forecasting; the
**      sequence models are format 4, seqblob.c) start with KIND (0, forecasting;
**      other kinds have their readers, seqblob.c) and holds the options as
**      TOPT, a JSON object read by rnn_options_parse (keys by name: a new
**      option is a new key, not a new layout), in place of OPTS; a BLOB
**      with both, or the other format's, is corrupt. OPTS of the older
**      formats must hold options rnn_options_parse takes too (their JSON
**      is parsed), so every model that decodes re-encodes as this build's
**      format.
**   9. Format 5 adds COMP flag 4: the forecast is the median of exactly
**      three components (components.c rule 3); older formats may not set
**      it. A COMP holds the network at most once. Format 6 adds component
**      kind 7, seasonal naive with trend (components.c rule 1), and up to
**      12 candidates; older formats may not hold it. Format 7 adds COMP
**      flag 8 (RNN_FC_SQRT: the calibration errors were divided by
**      rnn_band_factor, components.c rule 5), and with it an f64 after the
**      candidates, the level L, finite and positive; older formats may not
**      set it. Format 8 adds kinds 8 to 10, drift, profile with trend and
**      seasonal naive with trend with their slope damped, each with the
**      parameters of its undamped kind; older formats may not hold them.
**  10. Format 5's TRAI holds, after the epochs run, the number of loss
**      values kept: all of them up to RNN_MAX_HISTORY (1000), else 1000
**      evenly spaced (value i is epoch floor((i + 1) * epochs / 1000),
**      the last epoch last), so a run of 100,000 epochs does not store
**      1.6 MB of losses.
**  11. Format 5 may hold SURP, rnn_anomaly's one-step errors (train.c rule
**      15): a count from 1 to RNN_MAX_SURPRISE, then that many f64, finite,
**      non-negative and ascending. It came before format 5 was released,
**      and is optional (a reader that does not know it skips it, rule 4).
**  12. Format 5 may hold XREG, the covariates' same-step effect (xreg.c), in
**      a network model with covariates: a count (0: fitted but not kept;
**      else the covariates, input - 1, at most RNN_MAX_XREG), the f64
**      share of held-out changes it explained (finite when the count is
**      0, else finite or NaN), the f64 ratio of the simple forecasters'
**      validation errors with and without it (non-negative, or NaN),
**      then that many f64 coefficients, finite.
**      A reader that skips it forecasts wrongly, so it is not optional
**      for readers of covariate models; it came before format 5 was
**      released.
**  13. A series of a global model (core/global.c) is a forecasting BLOB
**      whose network omits PARM: the container holds the parameters once,
**      and the series' ARCH must give their count. A PARM there is corrupt.
**  14. Format 5 may hold PAST, the rows before the tail that a fine-tune
**      reads (train.c rule 16): u32 rows (1 .. RNN_KEEP_ROWS - the tail's
**      rows), u32 columns (the model's), then rows x columns f64, finite,
**      oldest first. Optional: a reader that skips it fine-tunes on the
**      tail alone. It came before format 5 was released.
**  15. Format 5 may hold SRUN after SURP: u32 run (1 ..
**      RNN_SURPRISE_RECENT), the run of errors whose shift each SURP error
**      was taken less (predict.c rule 10; rnn_surprise_shift). Only with
**      SURP. Without it the errors are as they are (earlier builds). A
**      reader that skips it scores plain errors against the shifted ones
**      (it came before format 5 was released).
**  16. Format 6 may hold IRRG, informative, in a model whose step is none:
**      why the series had no regular step (timestamp.c rules 8-9): u32
**      reason (1 off grid, 2 month day, 3 span, 4 other), the first ts
**      off the grid (as TRAI's, then u32 its date-time format), the usual
**      step (as TRAI's), u64 how many ts are off it and u64 of how many
**      (the rows it was found on; a fine-tune keeps its model's). Reasons
**      1 and 2 name a ts between the first and the last, of their kind,
**      with 1 <= count <= of <= TRAI's rows; 3 and 4 neither (kind 0,
**      step none, both counts 0). A reader that skips it loses the
**      explanation only.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "blobio.h"


static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t rnn_crc32(const void *data, size_t n) {
  const unsigned char *p = data;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/* ------------------------------------------------------------ writing */

static void put_ts(writer *w, const rnn_ts *ts) {
  put_u32(w, (uint32_t)ts->kind);
  put_u64(w, (uint64_t)ts->i);
  put_f64(w, ts->r);
}
static void put_step(writer *w, const rnn_step *st) {
  put_u32(w, (uint32_t)st->kind);
  put_u32(w, (uint32_t)st->integer);
  put_f64(w, st->num);
  put_u64(w, (uint64_t)st->millis);
  put_u32(w, (uint32_t)st->months);
  put_u32(w, (uint32_t)st->month_end);
}

static void put_component(writer *w, const rnn_component *c) {
  put_u32(w, (uint32_t)c->kind);
  put_u32(w, (uint32_t)c->period);
  put_u32(w, (uint32_t)c->seasons);
}

static void write_model(writer *w, const rnn_model *m, int omit_params) {
  const rnn_arch *a = &m->arch;
  const rnn_options *o = &m->opts;
  int C = a->input, W = a->window;
  size_t at;
  put_bytes(w, RNN_MAGIC, 8);
  put_u32(w, RNN_FORMAT_VERSION);
  put_u32(w, 0); /* total length, patched by the caller */

  at = chunk_begin(w, "KIND");
  put_u32(w, RNN_KIND_FORECAST);
  chunk_end(w, at);

  at = chunk_begin(w, "MODL");
  put_u32(w, (uint32_t)m->kind);
  put_u32(w, (uint32_t)m->period);
  put_u32(w, (uint32_t)m->anchored);
  chunk_end(w, at);

  at = chunk_begin(w, "ARCH");
  put_arch(w, a, m->kind == RNN_MODEL_NETWORK ? m->layout.n_params : 0);
  chunk_end(w, at);

  at = chunk_begin(w, "NORM");
  put_u32(w, (uint32_t)m->norm);
  put_u32(w, (uint32_t)C);
  for (int c = 0; c < C; c++) {
    put_f64(w, m->shift[c]);
    put_f64(w, m->scale[c]);
  }
  chunk_end(w, at);

  at = chunk_begin(w, "TAIL");
  put_u32(w, (uint32_t)m->tail_rows);
  put_u32(w, (uint32_t)C);
  for (size_t i = 0; i < (size_t)m->tail_rows * C; i++) put_f64(w, m->tail[i]);
  chunk_end(w, at);
  (void)W;

  /* Keyed options (format 4); threads is never stored, so the thread
  ** count cannot change the BLOB (it does not change the model). */
  rnn_options stored = *o;
  stored.threads = 0;
  char opts[RNN_OPTIONS_JSON_MAX];
  rnn_options_json(&stored, opts, sizeof opts);
  at = chunk_begin(w, "TOPT");
  put_bytes(w, opts, strlen(opts));
  chunk_end(w, at);

  at = chunk_begin(w, "TRAI");
  put_u64(w, (uint64_t)m->rows);
  put_u64(w, (uint64_t)m->missing);
  put_ts(w, &m->first_ts);
  put_ts(w, &m->last_ts);
  put_step(w, &m->step);
  put_u32(w, (uint32_t)m->epochs_run);
  put_u32(w, (uint32_t)m->best_epoch);
  put_u32(w, m->last_ts.kind == RNN_TS_DATETIME ? (uint32_t)m->last_ts.fmt & RNN_TSF_ALL : 0);
  put_losses(w, m->train_loss, m->val_loss, rnn_history_len(m)); /* rule 10 */
  chunk_end(w, at);

  at = chunk_begin(w, "METR");
  put_u64(w, (uint64_t)m->metrics.windows);
  put_f64(w, m->metrics.mae);
  put_f64(w, m->metrics.rmse);
  put_f64(w, m->metrics.smape);
  put_f64(w, m->metrics.mase);
  chunk_end(w, at);

  at = chunk_begin(w, "CALI");
  put_u32(w, (uint32_t)m->cal_steps);
  put_u32(w, (uint32_t)m->cal_n);
  for (int i = 0; i < m->cal_n; i++) put_f64(w, m->cal_resid[i]);
  chunk_end(w, at);

  if (m->surp_n > 0) {
    at = chunk_begin(w, "SURP");
    put_u32(w, (uint32_t)m->surp_n);
    for (int i = 0; i < m->surp_n; i++) put_f64(w, m->surp[i]);
    chunk_end(w, at);
    if (m->surp_run > 0) { /* rule 15 */
      at = chunk_begin(w, "SRUN");
      put_u32(w, (uint32_t)m->surp_run);
      chunk_end(w, at);
    }
  }

  if (m->irregular.reason != RNN_IRR_NONE && m->step.kind == RNN_STEP_NONE) {
    const rnn_irregular *q = &m->irregular;
    at = chunk_begin(w, "IRRG"); /* rule 16 */
    put_u32(w, (uint32_t)q->reason);
    put_ts(w, &q->at);
    put_u32(w, q->at.kind == RNN_TS_DATETIME ? (uint32_t)q->at.fmt & RNN_TSF_ALL : 0);
    put_step(w, &q->step);
    put_u64(w, (uint64_t)q->count);
    put_u64(w, (uint64_t)q->rows);
    chunk_end(w, at);
  }

  if (m->past_rows > 0) {
    at = chunk_begin(w, "PAST"); /* rule 14 */
    put_u32(w, (uint32_t)m->past_rows);
    put_u32(w, (uint32_t)C);
    for (size_t i = 0; i < (size_t)m->past_rows * C; i++) put_f64(w, m->past[i]);
    chunk_end(w, at);
  }

  if (m->xreg || (m->arch.input > 1 && isfinite(m->xreg_share))) {
    at = chunk_begin(w, "XREG"); /* rule 12 */
    put_u32(w, m->xreg ? (uint32_t)m->arch.input - 1 : 0);
    put_f64(w, m->xreg_share);
    put_f64(w, m->xreg_ratio);
    for (int i = 0; m->xreg && i < m->arch.input - 1; i++) put_f64(w, m->xreg[i]);
    chunk_end(w, at);
  }

  if (m->cal_scale) {
    at = chunk_begin(w, "STEP");
    put_u32(w, (uint32_t)m->cal_steps);
    put_u32(w, (uint32_t)m->cal_origins);
    for (int i = 0; i < m->cal_steps; i++) put_f64(w, m->cal_scale[i]);
    chunk_end(w, at);
  }

  if (m->n_comp > 0) {
    at = chunk_begin(w, "COMP");
    put_u32(w, (uint32_t)m->fc_flags);
    put_u32(w, (uint32_t)m->period2);
    put_u32(w, (uint32_t)m->n_comp);
    for (int i = 0; i < m->n_comp; i++) put_component(w, &m->comp[i]);
    put_u32(w, (uint32_t)m->n_cand);
    for (int i = 0; i < m->n_cand; i++) {
      put_component(w, &m->cand[i]);
      put_f64(w, m->cand_mae[i]);
    }
    if (m->fc_flags & RNN_FC_SQRT) put_f64(w, m->cal_level);
    chunk_end(w, at);
  }

  if (m->kind == RNN_MODEL_NETWORK && !omit_params) {
    at = chunk_begin(w, "PARM");
    put_u64(w, (uint64_t)m->layout.n_params);
    for (size_t i = 0; i < m->layout.n_params; i++) put_f32(w, m->params[i]);
    chunk_end(w, at);
  }
}

int rnn_history_len(const rnn_model *m) {
  return m->history ? m->history : m->epochs_run;
}

int rnn_history_pick(int n, int kept, int i) {
  return kept ? (int)(((int64_t)(i + 1) * n) / kept) - 1 : 0;
}

rnn_status rnn_model_encode_part(const rnn_model *m, int omit_params,
                                 unsigned char **out, size_t *len) {
  writer w = {NULL, 0};
  write_model(&w, m, omit_params);
  size_t total = w.n + 4;
  if (total > 0xFFFFFFFFu) return RNN_EINVAL;
  unsigned char *buf = rnn_malloc(total);
  if (!buf) return RNN_ENOMEM;
  w = (writer){buf, 0};
  write_model(&w, m, omit_params);
  writer fix = {buf + 12, 0};
  put_u32(&fix, (uint32_t)total);
  put_u32(&w, rnn_crc32(buf, w.n));
  *out = buf;
  *len = total;
  return RNN_OK;
}

rnn_status rnn_model_encode(const rnn_model *m, unsigned char **out,
                            size_t *len) {
  return rnn_model_encode_part(m, 0, out, len);
}

/* ------------------------------------------------------------ reading */

static void get_ts(reader *r, rnn_ts *ts, int *ok) {
  ts->kind = get_int(r, RNN_TS_NONE, RNN_TS_DATETIME, ok);
  ts->i = (int64_t)get_u64(r);
  ts->r = get_f64(r);
  if (!isfinite(ts->r)) *ok = 0;
}
static void get_step(reader *r, rnn_step *st, int *ok) {
  st->kind = get_int(r, RNN_STEP_NONE, RNN_STEP_MONTHS, ok);
  st->integer = get_int(r, 0, 1, ok);
  st->num = get_f64(r);
  st->millis = (int64_t)get_u64(r);
  st->months = get_int(r, 0, 1200, ok);
  st->month_end = get_int(r, 0, 1, ok);
  if (!isfinite(st->num) || st->millis < 0 ||
      (st->kind == RNN_STEP_NUMBER && !(st->num > 0)) ||
      (st->kind == RNN_STEP_MILLIS && st->millis <= 0) ||
      (st->kind == RNN_STEP_MONTHS && st->months <= 0))
    *ok = 0;
}

enum { C_MODL, C_ARCH, C_NORM, C_TAIL, C_OPTS, C_TRAI, C_METR, C_CALI, C_PARM,
       C_STEP, C_COMP, C_KIND, C_TOPT, C_SURP, C_XREG, C_PAST, C_SRUN, C_IRRG,
       N_CHUNKS };
static const char *const chunk_tags[N_CHUNKS] = {
    "MODL", "ARCH", "NORM", "TAIL", "OPTS", "TRAI", "METR", "CALI", "PARM",
    "STEP", "COMP", "KIND", "TOPT", "SURP", "XREG", "PAST", "SRUN", "IRRG"};

static rnn_status corrupt(rnn_err *e, const char *what) {
  return rnn_fail(e, RNN_ECORRUPT, "corrupt rnn model (%s)", what);
}

#define MAX_EPOCHS 100000

/* Reads the options (rule 5 for version 1's shorter chunk, rule 2). */
static int read_opts(rnn_options *o, reader *r, int version) {
  int ok = 1;
  rnn_options_init(o);
  o->cell = get_int(r, 0, RNN_CELL_COUNT - 1, &ok);
  o->activation = get_int(r, 0, 2, &ok);
  o->hidden = get_int(r, 1, RNN_MAX_HIDDEN, &ok);
  if (version == 1) {
    /* Format 1: what those builds always used for the rest. */
    o->layers = 1, o->bidirectional = 0, o->horizon = 1;
    o->optimizer = RNN_OPT_ADAM, o->loss = RNN_LOSS_MSE;
    o->window = get_int(r, 0, RNN_MAX_WINDOW, &ok);
    o->epochs = get_int(r, 1, MAX_EPOCHS, &ok);
    o->batch = get_int(r, 1, 65536, &ok);
    o->normalize = get_int(r, 0, 2, &ok);
    o->validation = 0, o->dropout = 0;
  } else {
    o->layers = get_int(r, 1, RNN_MAX_LAYERS, &ok);
    o->bidirectional = get_int(r, 0, 1, &ok);
    o->window = get_int(r, 0, RNN_MAX_WINDOW, &ok);
    o->horizon = get_int(r, 1, RNN_MAX_HORIZON, &ok);
    o->epochs = get_int(r, 1, MAX_EPOCHS, &ok);
    o->batch = get_int(r, 1, 65536, &ok);
    o->optimizer = get_int(r, 0, 2, &ok);
    o->loss = get_int(r, 0, 2, &ok);
    o->normalize = get_int(r, 0, 2, &ok);
    o->patience = get_int(r, 1, MAX_EPOCHS, &ok);
    o->missing = get_int(r, 0, 1, &ok);
    o->duplicates = get_int(r, 0, 2, &ok);
    o->short_policy = get_int(r, 0, 2, &ok);
    o->threads = get_int(r, 0, 1024, &ok);
    o->verbose = get_int(r, 0, 1, &ok);
    o->dropout = get_f64(r);
  }
  o->lr = get_f64(r);
  o->clip = get_f64(r);
  if (version >= 2) {
    o->validation = get_f64(r);
    o->max_seconds = get_f64(r);
  }
  o->seed = get_u64(r);
  o->method = version >= 3 ? get_int(r, 0, 1, &ok) : RNN_METHOD_NETWORK;
  return ok && !r->bad && o->dropout >= 0 && o->dropout <= 0.9 &&
         isfinite(o->lr) && isfinite(o->clip) && o->validation >= 0 &&
         o->validation <= 0.5 && isfinite(o->max_seconds);
}

/* Reads a component; valid when it is known (seasonal naive with trend from
** format 6 on, the damped kinds from format 8 on), reads at most the
** model's tail, and is the network only in a network model. */
static int get_component(reader *r, const rnn_model *m, int version,
                         rnn_component *c) {
  int ok = 1;
  int newest = version >= 8   ? RNN_COMP_COUNT - 1
               : version >= 6 ? RNN_COMP_SNAIVE_TREND
                              : RNN_COMP_PROFILE_TREND;
  c->kind = get_int(r, 0, newest, &ok);
  c->period = get_int(r, 0, RNN_MAX_TAIL, &ok);
  c->seasons = get_int(r, 0, 8, &ok);
  int needs_seasons = rnn_component_cycles(c->kind);
  int needs_period = c->kind == RNN_COMP_DRIFT || c->kind == RNN_COMP_DRIFT_DAMPED ||
                     c->kind == RNN_COMP_SNAIVE || needs_seasons;
  if ((needs_period && c->period < 1) || (!needs_period && c->period) ||
      (needs_seasons && c->seasons < 1) || (!needs_seasons && c->seasons) ||
      (c->kind == RNN_COMP_NETWORK && m->kind != RNN_MODEL_NETWORK))
    ok = 0;
  if (!ok || r->bad) *c = (rnn_component){0, 0, 0};
  return ok && !r->bad;
}

/* The COMP chunk: flags, the second period, the components (each reading
** no more than the tail), the candidates and their validation scores.
** Formats up to 4 combine one or two components by their mean; format 5
** three by their median (RNN_FC_MEDIAN), or one or two by their mean. */
static int read_components(rnn_model *m, reader *r, int version) {
  int ok = m->kind == RNN_MODEL_NETWORK; /* the fallback has none */
  int flags = RNN_FC_LOG | RNN_FC_NONNEG | (version >= 5 ? RNN_FC_MEDIAN : 0) |
              (version >= 7 ? RNN_FC_SQRT : 0);
  m->fc_flags = get_int(r, 0, flags, &ok);
  m->period2 = get_int(r, 0, RNN_MAX_TAIL, &ok);
  m->n_comp = get_int(r, 1, RNN_MAX_COMPONENTS, &ok);
  if ((m->n_comp == 3) != !!(m->fc_flags & RNN_FC_MEDIAN)) ok = 0;
  int networks = 0;
  for (int i = 0; i < m->n_comp && ok; i++) {
    if (!(ok = get_component(r, m, version, &m->comp[i]))) break;
    int k = m->comp[i].kind;
    if (k == RNN_COMP_NETWORK && networks++) ok = 0; /* the network once */
    if (rnn_component_rows(&m->comp[i]) > m->tail_rows &&
        !rnn_component_cycles(k) && k != RNN_COMP_SMOOTH)
      ok = 0; /* a profile or a seasonal naive with trend reads the whole
              ** cycles the tail holds, smoothing the rows it holds (a
              ** series shorter than 32 rows) */
    if (m->comp[i].period > m->tail_rows) ok = 0;
  }
  /* Format 6 added a candidate per period: 12, where 10 were before. */
  m->n_cand = get_int(r, 0, version >= 6 ? RNN_MAX_CANDIDATES : 10, &ok);
  for (int i = 0; i < m->n_cand && ok; i++) {
    ok = get_component(r, m, version, &m->cand[i]);
    m->cand_mae[i] = get_f64(r);
    if (isnan(m->cand_mae[i]) || m->cand_mae[i] < 0) ok = 0;
  }
  if (ok && m->fc_flags & RNN_FC_SQRT) { /* format 7 */
    m->cal_level = get_f64(r);
    if (!(m->cal_level > 0) || !isfinite(m->cal_level)) ok = 0;
  }
  return ok && !r->bad;
}

/* Reads one chunk's payload r into m. MODL and ARCH come first, which the
** caller ensures by reading chunks in enum order. */
static rnn_status read_chunk(rnn_model *m, int which, reader *r, int version,
                             rnn_err *e) {
  int ok = 1;
  rnn_arch *a = &m->arch;
  int C = a->input, W = a->window;
  switch (which) {
    case C_MODL:
      m->kind = get_int(r, RNN_MODEL_NETWORK, RNN_MODEL_SNAIVE, &ok);
      m->period = get_int(r, 1, 1000000, &ok);
      m->anchored = get_int(r, 0, 1, &ok);
      if (!ok || r->bad) return corrupt(e, "model kind");
      break;
    case C_ARCH: {
      a->cell = get_int(r, 0, RNN_CELL_COUNT - 1, &ok);
      a->activation = get_int(r, 0, 2, &ok);
      a->input = get_int(r, 1, 1024, &ok);
      a->hidden = get_int(r, 0, RNN_MAX_HIDDEN, &ok);
      a->layers = get_int(r, 0, RNN_MAX_LAYERS, &ok);
      a->dirs = get_int(r, 0, 2, &ok);
      a->window = get_int(r, 1, RNN_MAX_WINDOW, &ok);
      a->output = get_int(r, 1, RNN_MAX_HORIZON, &ok);
      uint64_t np = get_u64(r);
      if (!ok || r->bad) return corrupt(e, "architecture");
      if (m->kind == RNN_MODEL_SNAIVE) {
        if (np != 0 || a->window != m->period) return corrupt(e, "architecture");
        break;
      }
      if (rnn_arch_layout(a, &m->layout, NULL) != RNN_OK)
        return corrupt(e, "architecture");
      if (np != m->layout.n_params) return corrupt(e, "parameter count");
      break;
    }
    case C_NORM: {
      m->norm = get_int(r, 0, 2, &ok);
      uint32_t n = version == 1 ? 1 : get_u32(r);
      if (!ok || r->bad || n != (uint32_t)C || r->n - r->pos != (size_t)n * 16)
        return corrupt(e, "normalisation");
      m->shift = rnn_malloc((size_t)n * sizeof *m->shift);
      m->scale = rnn_malloc((size_t)n * sizeof *m->scale);
      if (!m->shift || !m->scale) return RNN_ENOMEM;
      for (uint32_t c = 0; c < n; c++) {
        m->shift[c] = get_f64(r);
        m->scale[c] = get_f64(r);
        if (!isfinite(m->shift[c]) || !isfinite(m->scale[c]) ||
            !(m->scale[c] > 0))
          return corrupt(e, "normalisation");
      }
      break;
    }
    case C_TAIL: {
      uint32_t rows = get_u32(r);
      uint32_t cols = version == 1 ? 1 : get_u32(r);
      /* Format 3: a longer history for the components of a network model
      ** (checked against them in C_COMP). */
      int longer = version >= 3 && m->kind == RNN_MODEL_NETWORK &&
                   rows > (uint32_t)W && rows <= RNN_MAX_TAIL;
      if (r->bad || (rows != (uint32_t)W && !longer) || cols != (uint32_t)C ||
          r->n - r->pos != (size_t)rows * cols * 8)
        return corrupt(e, "tail");
      m->tail_rows = (int)rows;
      if (!(m->tail = rnn_malloc((size_t)rows * cols * sizeof *m->tail)))
        return RNN_ENOMEM;
      for (size_t i = 0; i < (size_t)rows * cols; i++)
        if (!isfinite(m->tail[i] = get_f64(r))) return corrupt(e, "tail");
      break;
    }
    case C_OPTS: {
      if (!read_opts(&m->opts, r, version)) return corrupt(e, "options");
      /* Rule 8: options rnn_train would not take (a hostile BLOB's) are
      ** corrupt, so whatever decodes encodes to a BLOB that decodes. */
      char text[RNN_OPTIONS_JSON_MAX];
      rnn_options back = m->opts;
      rnn_err pe;
      int n = rnn_options_json(&m->opts, text, sizeof text);
      rnn_status rc = rnn_options_parse(&back, text, (size_t)n, &pe);
      if (rc == RNN_ENOMEM) return rc;
      if (rc) return corrupt(e, "options");
      break;
    }
    case C_TOPT: { /* rule 8 */
      rnn_err pe;
      rnn_options_init(&m->opts);
      rnn_status rc = rnn_options_parse(&m->opts, (const char *)r->p, r->n, &pe);
      if (rc == RNN_ENOMEM) return rc;
      if (rc) return corrupt(e, "options");
      r->pos = r->n; /* the parser read it all */
      break;
    }
    case C_TRAI: {
      m->rows = (int64_t)get_u64(r);
      m->missing = (int64_t)get_u64(r);
      get_ts(r, &m->first_ts, &ok);
      get_ts(r, &m->last_ts, &ok);
      if (version >= 2) get_step(r, &m->step, &ok);
      uint32_t ne = get_u32(r);
      uint32_t best = version >= 2 ? get_u32(r) : ne;
      /* Format 3: how the date-times were written (first as last). */
      m->last_ts.fmt = m->first_ts.fmt =
          version >= 3 ? get_int(r, 0, RNN_TSF_ALL, &ok) : 0;
      /* Rule 10: format 5 keeps at most RNN_MAX_HISTORY values. */
      uint32_t kept = version >= 5 ? get_u32(r) : ne;
      if (version >= 5 && kept != (uint32_t)history_kept((int)ne)) ok = 0;
      size_t per = version >= 2 ? 16 : 8;
      if (!ok || r->bad || ne > MAX_EPOCHS || best > ne ||
          r->n - r->pos != (size_t)kept * per || m->rows < 0 ||
          m->rows > ((int64_t)1 << 40) || m->missing < 0 ||
          m->missing > m->rows * 1025)
        return corrupt(e, "training record");
      m->epochs_run = (int)ne;
      m->best_epoch = (int)best;
      m->history = kept < ne ? (int)kept : 0;
      m->train_loss = rnn_malloc(((size_t)kept + 1) * 8);
      m->val_loss = rnn_malloc(((size_t)kept + 1) * 8);
      if (!m->train_loss || !m->val_loss) return RNN_ENOMEM;
      for (uint32_t i = 0; i < kept; i++) {
        m->train_loss[i] = get_f64(r);
        m->val_loss[i] = version >= 2 ? get_f64(r) : NAN;
      }
      break;
    }
    case C_METR:
      m->metrics.windows = (int64_t)get_u64(r);
      m->metrics.mae = get_f64(r);
      m->metrics.rmse = get_f64(r);
      m->metrics.smape = get_f64(r);
      m->metrics.mase = get_f64(r);
      if (r->bad || m->metrics.windows < 0) return corrupt(e, "metrics");
      break;
    case C_CALI: {
      uint32_t K = get_u32(r), n = get_u32(r);
      if (r->bad || K > 100000 || (K == 0) != (n == 0) ||
          (r->n - r->pos) / 8 != n || (r->n - r->pos) % 8)
        return corrupt(e, "calibration");
      m->cal_steps = (int)K;
      m->cal_n = (int)n;
      if (!(m->cal_resid = rnn_malloc(((size_t)n + 1) * sizeof *m->cal_resid)))
        return RNN_ENOMEM;
      for (uint32_t i = 0; i < n; i++) {
        double v = m->cal_resid[i] = get_f64(r);
        if (!(v >= 0) || !isfinite(v) || (i && v < m->cal_resid[i - 1]))
          return corrupt(e, "calibration");
      }
      break;
    }
    case C_STEP: {
      uint32_t K = get_u32(r), N = get_u32(r);
      m->cal_origins = (int)N;
      if (r->bad || K != (uint32_t)m->cal_steps || K == 0 || N == 0 ||
          N > (uint32_t)m->cal_n ||
          r->n - r->pos != (size_t)K * 8)
        return corrupt(e, "calibration steps");
      if (!(m->cal_scale = rnn_malloc((size_t)K * sizeof *m->cal_scale)))
        return RNN_ENOMEM;
      for (uint32_t i = 0; i < K; i++) {
        double v = m->cal_scale[i] = get_f64(r);
        if (!(v >= 0) || !isfinite(v) || (i && v < m->cal_scale[i - 1]))
          return corrupt(e, "calibration steps");
      }
      break;
    }
    case C_SURP: { /* rule 11 */
      uint32_t n = get_u32(r);
      if (r->bad || n < 1 || n > RNN_MAX_SURPRISE || r->n - r->pos != (size_t)n * 8)
        return corrupt(e, "one-step errors");
      if (!(m->surp = rnn_malloc((size_t)n * sizeof *m->surp))) return RNN_ENOMEM;
      m->surp_n = (int)n;
      for (uint32_t i = 0; i < n; i++) {
        double v = m->surp[i] = get_f64(r);
        if (!(v >= 0) || !isfinite(v) || (i && v < m->surp[i - 1]))
          return corrupt(e, "one-step errors");
      }
      break;
    }
    case C_SRUN: { /* rule 15 */
      uint32_t run = get_u32(r);
      if (r->bad || run < 1 || run > RNN_SURPRISE_RECENT || r->pos != r->n)
        return corrupt(e, "one-step errors' run");
      m->surp_run = (int)run;
      break;
    }
    case C_IRRG: { /* rule 16, checked against TRAI below */
      rnn_irregular *q = &m->irregular;
      q->reason = get_int(r, RNN_IRR_OFF_GRID, RNN_IRR_COUNT - 1, &ok);
      get_ts(r, &q->at, &ok);
      q->at.fmt = get_int(r, 0, RNN_TSF_ALL, &ok);
      get_step(r, &q->step, &ok);
      uint64_t count = get_u64(r), rows = get_u64(r);
      q->count = count > ((uint64_t)1 << 40) ? -1 : (int64_t)count;
      q->rows = rows > ((uint64_t)1 << 40) ? -1 : (int64_t)rows;
      if (!ok || r->bad || q->count < 0 || q->rows < 0) return corrupt(e, "irregular ts");
      break;
    }
    case C_PAST: { /* rule 14 */
      uint32_t rows = get_u32(r), cols = get_u32(r);
      if (r->bad || rows < 1 || rows > (uint32_t)(RNN_KEEP_ROWS - m->tail_rows) ||
          m->tail_rows >= RNN_KEEP_ROWS || cols != (uint32_t)m->arch.input ||
          r->n - r->pos != (size_t)rows * cols * 8)
        return corrupt(e, "past rows");
      if (!(m->past = rnn_malloc((size_t)rows * cols * sizeof *m->past))) return RNN_ENOMEM;
      m->past_rows = (int)rows;
      for (size_t i = 0; i < (size_t)rows * cols; i++)
        if (!isfinite(m->past[i] = get_f64(r))) return corrupt(e, "past rows");
      break;
    }
    case C_XREG: { /* rule 12 */
      uint32_t n = get_u32(r);
      double share = get_f64(r), ratio = get_f64(r);
      if (r->bad || m->kind != RNN_MODEL_NETWORK ||
          (n != 0 && n != (uint32_t)m->arch.input - 1) || n > RNN_MAX_XREG ||
          r->n - r->pos != (size_t)n * 8 || (n == 0 && !isfinite(share)) ||
          (!isnan(share) && !(fabs(share) < 1e300)) ||
          (!isnan(ratio) && !(ratio >= 0 && ratio < 1e300)))
        return corrupt(e, "covariate effect");
      m->xreg_share = share, m->xreg_ratio = ratio;
      if (n == 0) break;
      if (!(m->xreg = rnn_malloc((size_t)n * sizeof *m->xreg))) return RNN_ENOMEM;
      for (uint32_t i = 0; i < n; i++)
        if (!isfinite(m->xreg[i] = get_f64(r))) return corrupt(e, "covariate effect");
      break;
    }
    case C_COMP:
      if (!read_components(m, r, version)) return corrupt(e, "components");
      break;
    case C_PARM: {
      uint64_t n = get_u64(r);
      if (r->bad || n != m->layout.n_params || (r->n - r->pos) / 4 != n ||
          (r->n - r->pos) % 4)
        return corrupt(e, "parameters");
      if (!(m->params = rnn_malloc((size_t)n * sizeof *m->params)))
        return RNN_ENOMEM;
      for (uint64_t i = 0; i < n; i++)
        if (!isfinite(m->params[i] = get_f32(r)))
          return corrupt(e, "parameters");
      break;
    }
  }
  if (r->pos != r->n) return corrupt(e, chunk_tags[which]);
  return RNN_OK;
}

/* Rule 16 across chunks: an explanation of a model without a step, whose
** ts lies within the model's, of their kind, and whose step fits it. */
static int irregular_fits(const rnn_model *m, int dates) {
  const rnn_irregular *q = &m->irregular;
  if (m->step.kind != RNN_STEP_NONE) return 0;
  if (q->reason == RNN_IRR_SPAN || q->reason == RNN_IRR_OTHER)
    return q->count == 0 && q->rows == 0 && q->at.kind == RNN_TS_NONE &&
           q->step.kind == RNN_STEP_NONE;
  int at_date = q->at.kind == RNN_TS_DATE || q->at.kind == RNN_TS_DATETIME;
  int st = q->step.kind;
  if (q->count < 1 || q->count > q->rows || q->rows > m->rows || q->at.kind == RNN_TS_NONE ||
      at_date != dates || (q->at.kind != RNN_TS_DATETIME && q->at.fmt) ||
      (!at_date && q->at.kind == RNN_TS_INT && q->at.r != (double)q->at.i) ||
      rnn_ts_cmp(&q->at, &m->first_ts) < 0 || rnn_ts_cmp(&q->at, &m->last_ts) > 0)
    return 0;
  if (q->reason == RNN_IRR_MONTH_DAY) return dates && st == RNN_STEP_NONE;
  return st == RNN_STEP_NUMBER ? !dates && (!q->step.integer || (q->step.num == floor(q->step.num) &&
                                                                  q->step.num <= 4e18))
                               : dates && (st == RNN_STEP_MILLIS || st == RNN_STEP_MONTHS);
}

rnn_status rnn_blob_scan(const unsigned char *b, size_t len,
                         const char *const *tags, int n, size_t *at,
                         size_t *size, int *seen, uint32_t *version,
                         rnn_err *e) {
  /* Rule 1. */
  if (!b || len < 20 || memcmp(b, RNN_MAGIC, 8) != 0)
    return rnn_fail(e, RNN_ENOTMODEL, "not an rnn model");
  reader r = {b, len, 8, 0};
  *version = get_u32(&r);
  uint32_t total = get_u32(&r);
  /* Rule 2. */
  if (*version > RNN_FORMAT_VERSION)
    return rnn_fail(e, RNN_ENEWER,
                    "rnn model made by a newer version of sqlite-rnn (format %u; "
                    "this build reads formats up to %d)",
                    *version, RNN_FORMAT_VERSION);
  if (*version == 0) return corrupt(e, "format version 0");
  /* Rule 3. */
  if (total != len) return corrupt(e, "length");
  reader tr = {b, len, len - 4, 0};
  if (get_u32(&tr) != rnn_crc32(b, len - 4)) return corrupt(e, "checksum");
  r.n = len - 4;
  while (r.pos < r.n) {
    /* Rule 4. */
    if (r.n - r.pos < 8) return corrupt(e, "chunk header");
    const unsigned char *tag = r.p + r.pos;
    r.pos += 4;
    uint32_t clen = get_u32(&r);
    if (clen > r.n - r.pos) return corrupt(e, "chunk length");
    for (int i = 0; i < n; i++)
      if (memcmp(tag, tags[i], 4) == 0) {
        if (seen[i]++) return corrupt(e, "repeated chunk");
        at[i] = r.pos;
        size[i] = clen;
      }
    r.pos += clen;
  }
  return RNN_OK;
}

static const char *const kind_names[RNN_KIND_COUNT] = {
    "forecasting", "text", "classifier", "tagger", "global forecasting"};
static const char *const kind_readers[RNN_KIND_COUNT] = {
    "rnn_forecast", "rnn_generate", "rnn_classify", "rnn_tag",
    "rnn_forecast or rnn_predict with its series"};

const char *rnn_kind_reader(int kind) {
  return kind >= 0 && kind < RNN_KIND_COUNT ? kind_readers[kind] : "?";
}

const char *rnn_kind_name(int kind) {
  return kind >= 0 && kind < RNN_KIND_COUNT ? kind_names[kind] : "?";
}

/* A global model where a forecasting one is wanted also points to
** rnn_series_model, which gives one; a sequence model it cannot give. */
rnn_status rnn_wrong_kind(rnn_err *e, int got, int want) {
  return rnn_fail(e, RNN_EKIND, "this is a %s model; %s reads it%s",
                  rnn_kind_name(got), rnn_kind_reader(got),
                  got == RNN_KIND_GLOBAL && want == RNN_KIND_FORECAST
                      ? ", and rnn_series_model(model, series) gives one series' model "
                        "for the other functions"
                      : "");
}

rnn_status rnn_blob_read_kind(const unsigned char *b, uint32_t version,
                              int seen, size_t at, size_t size, int *kind,
                              rnn_err *e) {
  *kind = RNN_KIND_FORECAST;
  if (version < 4) return seen ? corrupt(e, "chunk of a later format") : RNN_OK;
  if (!seen) return corrupt(e, "missing chunk");
  reader kr = {b + at, size, 0, 0};
  int ok = 1;
  *kind = get_int(&kr, RNN_KIND_FORECAST, RNN_KIND_COUNT - 1, &ok);
  if (!ok || kr.bad || kr.pos != kr.n) return corrupt(e, "kind");
  return RNN_OK;
}

rnn_status rnn_blob_kind(const void *blob, size_t len, int *kind, rnn_err *e) {
  static const char *const tags[1] = {"KIND"};
  size_t at = 0, size = 0;
  int seen = 0;
  uint32_t version;
  rnn_status rc = rnn_blob_scan(blob, len, tags, 1, &at, &size, &seen,
                                &version, e);
  return rc ? rc : rnn_blob_read_kind(blob, version, seen, at, size, kind, e);
}

rnn_status rnn_model_decode(rnn_model **out, const void *blob, size_t len,
                            rnn_err *e) {
  return rnn_model_decode_part(out, blob, len, NULL, 0, e);
}

rnn_status rnn_model_decode_part(rnn_model **out, const void *blob, size_t len,
                                 const float *shared, size_t n_shared,
                                 rnn_err *e) {
  const unsigned char *b = blob;
  *out = NULL;
  size_t at[N_CHUNKS] = {0}, size[N_CHUNKS] = {0};
  int seen[N_CHUNKS] = {0};
  uint32_t version;
  rnn_status rc = rnn_blob_scan(b, len, chunk_tags, N_CHUNKS, at, size, seen,
                                &version, e);
  if (rc) return rc;
  /* Format 4 names the model's kind; the other kinds have their readers. */
  int kind;
  if ((rc = rnn_blob_read_kind(b, version, seen[C_KIND], at[C_KIND], size[C_KIND],
                      &kind, e)))
    return rc;
  if (kind != RNN_KIND_FORECAST)
    return rnn_wrong_kind(e, kind, RNN_KIND_FORECAST);

  rnn_model *m = rnn_calloc(1, sizeof *m);
  if (!m) return RNN_ENOMEM;
  m->xreg_share = m->xreg_ratio = NAN;
  /* Which chunks a BLOB must have: format 1 knew no MODL, METR or CALI
  ** (a network, uncalibrated); a seasonal-naive model has no PARM. */
  if (version == 1) {
    m->kind = RNN_MODEL_NETWORK;
    m->period = 1;
  }
  /* Chunks of another format, before any chunk is missed or read. */
  for (int i = 0; i < N_CHUNKS; i++) {
    if (seen[i] && ((version < 3 && (i == C_STEP || i == C_COMP)) ||
                    (version < 4 && i == C_TOPT) ||
                    (version < 5 && (i == C_SURP || i == C_XREG || i == C_PAST ||
                                     i == C_SRUN)) ||
                    (version < 6 && i == C_IRRG))) {
      rc = corrupt(e, "chunk of a later format");
      goto fail;
    }
    if (seen[i] && version >= 4 && i == C_OPTS) {
      rc = corrupt(e, "chunk of an earlier format");
      goto fail;
    }
  }
  for (int i = 0; i < N_CHUNKS; i++) {
    int needed = version >= 2 || (i != C_MODL && i != C_METR && i != C_CALI);
    if (i == C_PARM) needed = m->kind == RNN_MODEL_NETWORK && !shared;
    if (i == C_PARM && shared && seen[i]) { /* rule 13 */
      rc = corrupt(e, "parameters");
      goto fail;
    }
    if (i == C_STEP || i == C_COMP || i == C_KIND || i == C_SURP || i == C_XREG ||
        i == C_PAST || i == C_SRUN || i == C_IRRG)
      needed = 0;
    if (i == C_SRUN && seen[i] && !seen[C_SURP]) { /* rule 15 */
      rc = corrupt(e, "one-step errors' run");
      goto fail;
    }
    /* Rule 8: format 4's keyed options in place of the positional ones. */
    if (i == C_OPTS) needed = version < 4;
    if (i == C_TOPT) needed = version >= 4;
    if (i == C_KIND) continue; /* read above */
    if (seen[i] && !needed && i == C_PARM) {
      rc = corrupt(e, "parameters");
      goto fail;
    }
    if (!seen[i]) {
      if (needed) {
        rc = corrupt(e, "missing chunk");
        goto fail;
      }
      if (i == C_METR)
        m->metrics.mae = m->metrics.rmse = m->metrics.smape =
            m->metrics.mase = NAN;
      continue;
    }
    /* Rule 5: the payload reader ends where the chunk does. */
    reader cr = {b + at[i], size[i], 0, 0};
    if ((rc = read_chunk(m, i, &cr, (int)version, e))) goto fail;
  }
  /* Rule 6 across chunks: a step must fit the kind of its timestamps, and
  ** both timestamps must be of one kind and, for dates, in years 0..9999. */
  int dates = m->last_ts.kind == RNN_TS_DATE || m->last_ts.kind == RNN_TS_DATETIME;
  if (m->first_ts.kind != m->last_ts.kind ||
      (dates && (m->first_ts.i < -62167219200000LL ||
                 m->first_ts.i > 253402300799999LL))) {
    rc = corrupt(e, "timestamps");
    goto fail;
  }
  int st = m->step.kind;
  if ((st == RNN_STEP_NUMBER && (dates || (m->step.integer &&
                                           (m->step.num != floor(m->step.num) ||
                                            m->step.num > 4e18)))) ||
      ((st == RNN_STEP_MILLIS || st == RNN_STEP_MONTHS) && !dates) ||
      (dates && (m->last_ts.i < -62167219200000LL ||
                 m->last_ts.i > 253402300799999LL))) {
    rc = corrupt(e, "timestamps");
    goto fail;
  }
  if (seen[C_IRRG] && !irregular_fits(m, dates)) {
    rc = corrupt(e, "irregular ts");
    goto fail;
  }
  /* Calendar columns (calendar.c rule 3): a step that has them, and room
  ** for them among the covariates. */
  int cal = rnn_calendar_columns(&m->step);
  if (m->opts.calendar && (cal == 0 || cal > m->arch.input - 1)) {
    rc = corrupt(e, "calendar columns");
    goto fail;
  }
  if (shared && m->kind == RNN_MODEL_NETWORK) { /* rule 13 */
    if (m->layout.n_params != n_shared) {
      rc = corrupt(e, "parameters");
      goto fail;
    }
    m->params = (float *)shared;
    m->params_borrowed = 1;
  }
  m->format_version = (int)version;
  *out = m;
  return RNN_OK;
fail:
  rnn_model_free(m);
  return rc;
}

void rnn_blob_reseal(unsigned char *b, size_t len) {
  if (len < 20) return;
  writer w = {b + 12, 0};
  put_u32(&w, (uint32_t)len);
  w = (writer){b + len - 4, 0};
  put_u32(&w, rnn_crc32(b, len - 4));
}
