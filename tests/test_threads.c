/*
** Many connections in many threads at once (built with ThreadSanitizer by
** `make test`): each thread opens its own connection with the extension
** (linked statically), trains the same series with the same options,
** predicts, forecasts, backtests and reads the info of a model BLOB that
** all threads share. Every thread must get the byte-identical model the
** main thread gets alone, and ThreadSanitizer must see no race: the
** extension and the core keep no global mutable state.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "check.h"

int sqlite3_rnn_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

#define THREADS 6

static const char *TRAIN =
    "SELECT rnn_train(t, v, '{\"method\":\"network\",\"horizon\":1,\"cell\":\"gru\",\"hidden\":6,\"window\":8,"
    "\"epochs\":15,\"seed\":4,\"batch\":64,\"threads\":3}') FROM s";

static const unsigned char *shared_blob; /* written before the threads start */
static int shared_len;

typedef struct result {
  unsigned char *blob;
  int len;
  double next;
  int forecast_rows, backtest_rows, ok;
} result;

static sqlite3 *open_db(void) {
  sqlite3 *db = NULL;
  sqlite3_open(":memory:", &db);
  sqlite3_rnn_init(db, NULL, NULL);
  sqlite3_exec(db,
               "CREATE TABLE s(t, v);"
               "WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r "
               "WHERE i < 199) INSERT INTO s SELECT i, sin(i / 3.0) + i % 4 FROM r;",
               NULL, NULL, NULL);
  return db;
}

static int one_int(sqlite3 *db, const char *sql, const void *blob, int len) {
  sqlite3_stmt *st;
  int v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_blob(st, 1, blob, len, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void *work(void *arg) {
  result *r = arg;
  sqlite3 *db = open_db();
  sqlite3_stmt *st;
  r->ok = sqlite3_prepare_v2(db, TRAIN, -1, &st, NULL) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW;
  if (r->ok) {
    r->len = sqlite3_column_bytes(st, 0);
    r->blob = malloc((size_t)r->len);
    memcpy(r->blob, sqlite3_column_blob(st, 0), (size_t)r->len);
  }
  sqlite3_finalize(st);
  /* The shared model, read by every thread at once. */
  sqlite3_prepare_v2(db, "SELECT rnn_predict(?1), length(rnn_info(?1))", -1, &st, NULL);
  sqlite3_bind_blob(st, 1, shared_blob, shared_len, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) r->next = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  r->forecast_rows = one_int(db, "SELECT count(*) FROM rnn_forecast(?1, 12)",
                             shared_blob, shared_len);
  r->backtest_rows = one_int(
      db,
      "SELECT count(f) FROM (SELECT rnn_next(?1, v) OVER (ORDER BY t ROWS "
      "BETWEEN 8 PRECEDING AND 1 PRECEDING) AS f FROM s)",
      shared_blob, shared_len);
  sqlite3_close(db);
  return NULL;
}

static void test_many_connections_many_threads(void) {
  result alone = {0};
  /* The reference, and the shared BLOB, from the main thread alone. */
  work(&alone);
  EXPECT(alone.ok, "training failed");
  unsigned char *first = alone.blob;
  shared_blob = first;
  shared_len = alone.len;
  work(&alone); /* again, now with the shared model in place */
  EXPECT(alone.len == shared_len && !memcmp(alone.blob, first, (size_t)shared_len),
         "the same thread trained two different models");
  pthread_t th[THREADS];
  result r[THREADS] = {{0}};
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, work, &r[i]);
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < THREADS; i++) {
    EXPECT(r[i].ok && r[i].len == alone.len &&
               memcmp(r[i].blob, alone.blob, (size_t)alone.len) == 0,
           "thread %d trained a different model", i);
    EXPECT(r[i].next == alone.next, "thread %d predicted %g, alone %g", i,
           r[i].next, alone.next);
    EXPECT(r[i].forecast_rows == 12 && r[i].backtest_rows == 192,
           "thread %d: %d forecast rows, %d backtest rows", i,
           r[i].forecast_rows, r[i].backtest_rows);
    free(r[i].blob);
  }
  free(alone.blob);
  free(first);
}

int main(void) {
  RUN(test_many_connections_many_threads);
  return check_exit();
}
