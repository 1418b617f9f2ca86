/*
** libFuzzer target: the SQL functions on fuzzed models and windows, in an
** in-memory database with the extension linked statically.
** Input: byte 0 picks the statement (and, with bit 7 set, gives the model a
** correct length and checksum first; with bit 6 set, bits 3-5 pick one of
** the sequence models' statements, the text their text), bytes 1-2
** (little-endian) the length of the model BLOB that follows; the rest is
** the window text. A BLOB of a global model also runs statement 7 (one
** series of it, by the key 1 + bits 3-6 of byte 0), whatever byte 0
** picked. Every statement must finish with SQLITE_OK, or an error (never a
** crash, a leak or a hang).
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/rnn.h"

int sqlite3_rnn_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

static sqlite3 *db;
static sqlite3_stmt *stmts[8], *seq_stmts[5];
static const char *const seq_sql[5] = {
    "SELECT rnn_generate(?1, ?2, ?3, 0.7, 1), rnn_next_tokens(?1, ?2, 3), "
    "rnn_perplexity(?1, ?2), rnn_info(?1)",
    "SELECT rnn_classify(?1, ?2), rnn_classify_proba(?1, ?2), rnn_info(?1)",
    "SELECT rnn_tag(?1, ?2), rnn_generate(?1, NULL, 0), rnn_predict(?1)",
    "SELECT rnn_train_text(?2, '{\"hidden\":2,\"epochs\":1,\"context\":4}'), "
    "rnn_train_classifier(?2, length(?2) % 3, '{\"hidden\":2,\"epochs\":1}')",
    "SELECT rnn_train_tagger(?2, '[' || substr('1,0,1,0,1,0,1,0', 1, 2 * ?3 - 1)"
    " || ']', '{\"hidden\":2,\"epochs\":1}')",
};
static const char *const sql[8] = {
    "SELECT rnn_predict(?1), rnn_info(?1), rnn_plot(?1, ?3)",
    "SELECT rnn_predict(?1, ?2)",
    "SELECT rnn_predict(?1, ?2, ?3)",
    "SELECT * FROM rnn_forecast(?1, ?3, 0.9, ?2)",
    "SELECT * FROM rnn_forecast(?1, ?3) UNION ALL "
    "SELECT * FROM rnn_forecast(?1, ?3, 0.9, NULL, ?2)",
    "SELECT rnn_next(?1, v) OVER (ORDER BY t ROWS BETWEEN 30 PRECEDING AND 1 "
    "PRECEDING), rnn_anomaly(?1, v) OVER (ORDER BY t ROWS BETWEEN 30 "
    "PRECEDING AND CURRENT ROW), (SELECT length(rnn_finetune(?1, t + 1000, v, "
    "'{\"epochs\":1}')) FROM w) FROM w",
    /* Also run with statement 1's inputs (a model and a JSON window), so
    ** the first byte keeps selecting what it selected in older seeds. */
    "SELECT * FROM rnn_backtest(?1, ?2, 0.8) UNION ALL "
    "SELECT * FROM rnn_backtest(?1, ?2, 0.8, 1 + length(?2) % 5) UNION ALL "
    "SELECT pos, actual, predicted, score, NULL, NULL FROM rnn_anomaly(?1, ?2)",
    /* One series of a global model (rnn_global_decode_one), on its own:
    ** as a later column of statement 0 it never ran, rnn_predict(?1)
    ** having failed first on every global BLOB. */
    "SELECT rnn_info(rnn_series_model(?1, ?3))",
};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  sqlite3_open(":memory:", &db);
  sqlite3_rnn_init(db, NULL, NULL);
  sqlite3_exec(db,
               "CREATE TABLE w(t, v); WITH RECURSIVE r(i) AS (SELECT 0 UNION "
               "ALL SELECT i + 1 FROM r WHERE i < 40) INSERT INTO w SELECT i, "
               "CASE WHEN i % 7 = 3 THEN NULL ELSE i % 5 END FROM r;",
               NULL, NULL, NULL);
  for (int i = 0; i < 8; i++) sqlite3_prepare_v2(db, sql[i], -1, &stmts[i], NULL);
  for (int i = 0; i < 5; i++)
    sqlite3_prepare_v2(db, seq_sql[i], -1, &seq_stmts[i], NULL);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  int which = data[0] % 6;
  size_t blen = (size_t)data[1] | (size_t)data[2] << 8;
  if (blen > size - 3) blen = size - 3;
  const uint8_t *blob = data + 3, *text = blob + blen;
  size_t tlen = size - 3 - blen;
  uint8_t *copy = malloc(blen + 1);
  memcpy(copy, blob, blen);
  if (data[0] & 0x80) rnn_blob_reseal(copy, blen);
  int seq = (data[0] & 0x40) != 0;
  /* Training statements read at most 64 bytes of text: enough for every
  ** path, and fast enough to leave time for the others. */
  if (seq && (data[0] >> 3) % 5 >= 3 && tlen > 64) tlen = 64;
  for (int pass = 0; pass < (which == 1 && !seq ? 2 : 1); pass++) {
    sqlite3_stmt *st = seq ? seq_stmts[(data[0] >> 3) % 5] : stmts[pass ? 6 : which];
    sqlite3_bind_blob(st, 1, copy, (int)blen, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, (const char *)text, (int)tlen, SQLITE_TRANSIENT);
    if (!pass) sqlite3_bind_int(st, 3, seq ? 1 + data[0] % 8 : 1 + (data[0] >> 3) % 16);
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
  int kind;
  if (rnn_blob_kind(copy, blen, &kind, NULL) == RNN_OK && kind == RNN_KIND_GLOBAL) {
    sqlite3_stmt *st = stmts[7];
    sqlite3_bind_blob(st, 1, copy, (int)blen, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, 1 + (data[0] >> 3) % 16);
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
  free(copy);
  return 0;
}
