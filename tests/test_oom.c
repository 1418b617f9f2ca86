/*
** Every allocation failure path, through SQLite's allocator: for each
** statement, fail the 1st, 2nd, 3rd ... allocation it makes, until it runs
** without a failure. Each run must end in success or an error (SQLITE_NOMEM
** for a failed allocation), never a crash; under `make asan` nothing may
** leak. The extension is linked statically (-DSQLITE_CORE).
*/
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

int sqlite3_rnn_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

static sqlite3_mem_methods base;
static long countdown = -1; /* allocations left before one fails; -1 = never */
static long failures;

static void *fail_malloc(int n) {
  if (countdown >= 0 && countdown-- == 0) {
    failures++;
    return NULL;
  }
  return base.xMalloc(n);
}

static void *fail_realloc(void *p, int n) {
  if (countdown >= 0 && countdown-- == 0) {
    failures++;
    return NULL;
  }
  return base.xRealloc(p, n);
}

static const char *SETUP =
    "CREATE TABLE s(t, v, x);"
    "WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 39)"
    " INSERT INTO s SELECT date('2000-01-01', '+' || i || ' months'),"
    " CASE WHEN i = 5 THEN NULL ELSE sin(i) END, i % 3 FROM r;"
    "CREATE TABLE m AS SELECT rnn_train(t, v, '{\"cell\":\"lstm\",\"hidden\":3,"
    "\"window\":4,\"epochs\":2}', x) AS model FROM s;"
    "CREATE TABLE m2 AS SELECT rnn_train(t, v, '{\"cell\":\"gru\",\"hidden\":3,"
    "\"window\":4,\"epochs\":2}') AS model FROM s;"
    "CREATE TABLE tx(body, tags);"
    "INSERT INTO tx VALUES ('the cat', '[1,0,0,1,0,0,0]'), ('a dog', "
    "'[1,0,1,0,0]'), ('the end', '[1,0,0,0,1,0,0]');"
    "CREATE TABLE lm AS SELECT rnn_train_text(body, '{\"hidden\":3,"
    "\"epochs\":2}') AS model FROM tx;"
    "CREATE TABLE cm AS SELECT rnn_train_classifier(body, length(body), "
    "'{\"hidden\":3,\"epochs\":2}') AS model FROM tx;"
    "CREATE TABLE tm AS SELECT rnn_train_tagger(body, tags, '{\"hidden\":3,"
    "\"epochs\":2}') AS model FROM tx;";

static const char *const STATEMENTS[] = {
    "SELECT rnn_train(t, v, '{\"cell\":\"gru\",\"hidden\":3,\"window\":4,"
    "\"epochs\":2,\"layers\":2,\"dropout\":0.1}', x) FROM s",
    "SELECT rnn_train(t, v, '{\"window\":60}') FROM s",
    "SELECT rnn_info(rnn_train(t + (t = 7) * 0.5, v, '{\"hidden\":2,\"window\":3,"
    "\"epochs\":1}')) FROM s",
    "SELECT rnn_predict(model), rnn_predict(model, NULL, 5), "
    "rnn_predict(model, '[[1,0],[2,1],[null,2],[4,0]]') FROM m",
    "SELECT rnn_info(model) FROM m",
    "SELECT * FROM m, rnn_forecast(m.model, 3, 0.9, NULL, '[[1],[2],[null]]')",
    "SELECT rnn_predict(model, NULL, 2, '[0,1]') FROM m",
    "SELECT * FROM rnn_forecast((SELECT rnn_train_global(t % 3, t, v, '{\"hidden\":2,"
    "\"window\":3,\"horizon\":2,\"epochs\":1}') FROM s), 2) UNION ALL SELECT * FROM "
    "rnn_forecast((SELECT rnn_train_global(t % 2, t, v, '{\"hidden\":2,\"window\":3,"
    "\"epochs\":1}') FROM s), 2, 0.9, '[1,2,3]')",
    "SELECT rnn_info(g), rnn_info(g, 1), rnn_predict(g, NULL, 2, NULL, 2), "
    "rnn_predict(rnn_series_model(g, 2), NULL, 2) FROM "
    "(SELECT rnn_train_global(t % 3, t, v, '{\"hidden\":2,\"window\":3,\"epochs\":1}') AS g FROM s)",
    "SELECT * FROM rnn_forecast((SELECT rnn_train(date('2020-01-01', '+' || t "
    "|| ' days'), v, '{\"calendar\":true,\"hidden\":2,\"window\":3,"
    "\"epochs\":1}', x) FROM s), 3, 0.9, NULL, '[1,2,3]')",
    "SELECT * FROM m2, rnn_forecast(m2.model, 6, 0.9)",
    "SELECT * FROM rnn_forecast((SELECT model FROM m2), 3, 0.8, '[1,2,3,4,5]')",
    "SELECT rnn_next((SELECT model FROM m2), v) OVER (ORDER BY t ROWS BETWEEN "
    "4 PRECEDING AND 1 PRECEDING) FROM s",
    /* Series longer than the models' history (40 rows), so positions are
    ** forecast; then the kept result read again, by position. */
    "SELECT * FROM rnn_backtest((SELECT model FROM m), (SELECT json_group_array("
    "json_array(v, x)) FROM (SELECT v, x FROM s UNION ALL SELECT v, x FROM s)), 0.9)",
    "SELECT * FROM m2, rnn_backtest(m2.model, (SELECT json_group_array(v) FROM "
    "(SELECT v FROM s UNION ALL SELECT v FROM s)))",
    "SELECT * FROM rnn_backtest((SELECT model FROM m), (SELECT json_group_array("
    "json_array(v, x)) FROM (SELECT v, x FROM s UNION ALL SELECT v, x FROM s)), 0.9, 3)",
    "SELECT (SELECT b.predicted FROM rnn_backtest((SELECT model FROM m2), (SELECT "
    "json_group_array(v) FROM (SELECT v FROM s UNION ALL SELECT v FROM s))) b "
    "WHERE b.pos = 40 + (s.rowid % 4)) FROM s",
    "SELECT rnn_anomaly((SELECT model FROM m2), v) OVER (ORDER BY t ROWS BETWEEN "
    "5 PRECEDING AND CURRENT ROW) FROM s",
    "SELECT * FROM m2, rnn_anomaly(m2.model, (SELECT json_group_array(v) FROM "
    "(SELECT v FROM s UNION ALL SELECT v FROM s)))",
    "SELECT rnn_finetune((SELECT model FROM m2), date(t, '+40 months'), v, "
    "'{\"epochs\":2}') FROM s",
    "SELECT rnn_predict(model, '[1,2') FROM m2",
    "SELECT rnn_train(t, v, '{\"hiden\":1}') FROM s",
    "SELECT rnn_train_text(body, '{\"hidden\":3,\"epochs\":2,"
    "\"tokens\":\"word\"}') FROM tx",
    "SELECT rnn_generate(model, 'th', 10, 0.5, 1), rnn_next_tokens(model, 'a'),"
    " rnn_perplexity(model, 'the cat'), rnn_info(model) FROM lm",
    "SELECT rnn_train_classifier(body, 'x' || length(body), '{\"hidden\":3,"
    "\"epochs\":2}') FROM tx",
    "SELECT rnn_train_tagger(body, tags, '{\"hidden\":3,\"epochs\":2}') FROM tx",
    "SELECT rnn_classify(model, 'a cat'), rnn_classify_proba(model, 'x'), "
    "rnn_info(model) FROM cm",
    "SELECT rnn_tag(model, 'the dog'), rnn_info(model) FROM tm",
    "SELECT rnn_train_classifier(s, l, '{\"hidden\":2,\"epochs\":1}') FROM "
    "(SELECT '[[1,2],[3,4]]' AS s, 'a' AS l UNION ALL SELECT '[[0,1]]', 2.5)",
};

/* Runs sql once with the n-th allocation failing; returns 1 if no
** allocation failed (the statement ran to its normal end). */
static int run_failing_at(sqlite3 *db, const char *sql, long n, int *bad_rc) {
  sqlite3_stmt *st = NULL;
  failures = 0;
  countdown = n;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    do rc = sqlite3_step(st);
    while (rc == SQLITE_ROW);
  }
  /* A failed allocation is never taken for a corrupt model. */
  int corrupt = rc == SQLITE_ERROR && strstr(sqlite3_errmsg(db), "corrupt");
  sqlite3_finalize(st);
  countdown = -1;
  /* A failed allocation may surface as SQLITE_NOMEM, or, where SQLite
  ** itself recovers, not at all; any other error only for statements that
  ** fail anyway. */
  if (failures && ((rc != SQLITE_NOMEM && rc != SQLITE_DONE && rc != SQLITE_ERROR) || corrupt))
    *bad_rc = rc;
  return failures == 0;
}

static void test_every_allocation_failure(void) {
  sqlite3 *db = NULL;
  EXPECT(sqlite3_open(":memory:", &db) == SQLITE_OK, "open");
  sqlite3_rnn_init(db, NULL, NULL);
  EXPECT(sqlite3_exec(db, SETUP, NULL, NULL, NULL) == SQLITE_OK, "%s",
         sqlite3_errmsg(db));
  for (size_t i = 0; i < sizeof STATEMENTS / sizeof STATEMENTS[0]; i++) {
    long n = 0;
    int bad_rc = 0;
    while (!run_failing_at(db, STATEMENTS[i], n, &bad_rc) && n < 100000) n++;
    printf("  statement %zu: %ld allocation failures injected\n", i, n);
    EXPECT(n > 0 && n < 100000, "statement %zu: %ld", i, n);
    EXPECT(bad_rc == 0, "statement %zu returned %d after a failure", i, bad_rc);
    /* The connection is still usable. */
    EXPECT(sqlite3_exec(db, "SELECT rnn_version()", NULL, NULL, NULL) == SQLITE_OK,
           "statement %zu left the connection unusable", i);
  }
  sqlite3_close(db);
}

int main(void) {
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &base);
  sqlite3_mem_methods m = base;
  m.xMalloc = fail_malloc;
  m.xRealloc = fail_realloc;
  sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
  RUN(test_every_allocation_failure);
  return check_exit();
}
