/*
** A program with sqlite-rnn built in (the README's static-link example):
**
**   cc -DSQLITE_CORE -O2 -ffp-contract=off -fno-math-errno -Idist \
**      tests/static_app.c dist/sqlite-rnn.c -lsqlite3 -lm -lpthread
**
** sqlite3_auto_extension makes every connection opened afterwards have the
** functions. As a test it prints "ok"/"not ok" lines (tests/run.sh rule 7).
*/
#include <stdio.h>
#include <string.h>

#include "sqlite-rnn.h"

static int failed;

static void check(int cond, const char *name, const char *detail) {
  printf("%s %s%s%s\n", cond ? "ok" : "not ok", name, detail ? ": " : "",
         detail ? detail : "");
  failed |= !cond;
}

/* The first column of the first row of sql, as text (buf), or NULL. */
static const char *one(sqlite3 *db, const char *sql, char *buf, size_t cap) {
  sqlite3_stmt *st = NULL;
  const char *out = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    out = buf;
  } else {
    snprintf(buf, cap, "%s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  return out;
}

int main(void) {
  sqlite3_auto_extension((void (*)(void))sqlite3_rnn_init);
  sqlite3 *db = NULL;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    check(0, "static_app open", sqlite3_errmsg(db));
    return 1;
  }
  char buf[256];
  const char *v = one(db, "SELECT rnn_version()", buf, sizeof buf);
  check(v && !strcmp(v, SQLITE_RNN_VERSION), "static_app rnn_version", buf);
  const char *f = one(db,
      "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 59) "
      "SELECT rnn_predict(rnn_train(n, 10 + sin(n / 3.0), '{\"epochs\":2,\"hidden\":4}')) "
      "BETWEEN 5 AND 15 FROM i",
      buf, sizeof buf);
  check(f && !strcmp(f, "1"), "static_app train and predict", buf);
  sqlite3_close(db);
  return failed;
}
