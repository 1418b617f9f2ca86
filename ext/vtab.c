/*
** What the table-valued functions (rnn_forecast, rnn_backtest) share.
**
** Rules:
**   1. Each is an eponymous-only virtual table whose arguments are hidden
**      columns after the visible ones; every argument is an equality
**      constraint on its column, and the bits of idxNum tell xFilter which
**      arguments it receives, in column order. The first (the model) is
**      required.
**   2. The table keeps the last model it decoded (per connection), so a
**      statement that uses the same model many times decodes it once. A
**      cursor uses the model only inside xFilter: another cursor's xFilter
**      may replace it.
**   3. The hidden columns hold the arguments (NULL where none was given),
**      as SQLite's own table-valued functions do: a WHERE term on one,
**      such as rnn_forecast(m, 3) f WHERE f.horizon = 3, is checked
**      against its argument.
**   4. A function may keep its last result with the model (a backtest of
**      a long series), so a statement that asks again with the same
**      arguments (a join that puts the function in the inner loop) gets
**      it without recomputing. It goes with the model, and when the last
**      cursor closes (it is not kept past the statements using it).
**   5. A function whose rows are positions (rnn_backtest, rnn_anomaly)
**      takes pos = ? too: it then gives that position's rows alone (one,
**      or one per step of rnn_backtest's horizon), so a join on pos
**      looks each row up in the kept result instead of scanning it. Its
**      arguments, when the same bytes as the cursor's last, are not
**      copied again.
*/
#include <string.h>

#include "rnn_ext.h"

int rnn_ext_vtab_connect(sqlite3 *db, const char *schema, const char *fn,
                         int first_arg, int n_args, double rows,
                         size_t cursor_size, sqlite3_vtab **out) {
  int rc = sqlite3_declare_vtab(db, schema);
  if (rc != SQLITE_OK) return rc;
  rnn_ext_vtab *vt = sqlite3_malloc(sizeof *vt);
  if (!vt) return SQLITE_NOMEM;
  memset(vt, 0, sizeof *vt);
  vt->fn = fn, vt->first_arg = first_arg, vt->n_args = n_args, vt->rows = rows;
  vt->cursor_size = cursor_size;
  vt->db = db;
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *out = &vt->base;
  return SQLITE_OK;
}

int rnn_ext_vtab_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out) {
  size_t n = ((rnn_ext_vtab *)base)->cursor_size;
  sqlite3_vtab_cursor *c = sqlite3_malloc64(n);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, n);
  ((rnn_ext_vtab *)base)->cursors++;
  *out = c;
  return SQLITE_OK;
}

static void forget_model(rnn_ext_vtab *vt) {
  if (vt->result) vt->result_free(vt->result);
  vt->result = NULL;
  rnn_model_free(vt->m);
  rnn_global_free(vt->g);
  vt->g = NULL;
  sqlite3_free(vt->blob);
  vt->m = NULL;
  vt->blob = NULL;
  vt->len = 0;
}

int rnn_ext_vtab_disconnect(sqlite3_vtab *base) {
  forget_model((rnn_ext_vtab *)base);
  sqlite3_free(base);
  return SQLITE_OK;
}

/* Rule 1. */
int rnn_ext_vtab_best_index(sqlite3_vtab *base, sqlite3_index_info *info) {
  rnn_ext_vtab *vt = (rnn_ext_vtab *)base;
  int where[RNN_EXT_VTAB_MAX_ARGS];
  for (int a = 0; a < RNN_EXT_VTAB_MAX_ARGS; a++) where[a] = -1;
  int pos = -1; /* rule 5 */
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    if (c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (c->iColumn == 0 && vt->pos_lookup && c->usable) pos = i;
    if (c->iColumn < vt->first_arg) continue;
    if (!c->usable) return SQLITE_CONSTRAINT; /* try a plan where it is */
    where[c->iColumn - vt->first_arg] = i;
  }
  if (where[0] < 0) {
    /* Other arguments but no model: in a correlated subquery an
    ** unqualified model names this function's own column. */
    int others = 0;
    for (int a = 1; a < vt->n_args; a++) others |= where[a] >= 0;
    sqlite3_free(base->zErrMsg);
    base->zErrMsg = sqlite3_mprintf("%s: needs a model argument%s", vt->fn,
                                    others ? " (a column named model must be "
                                             "qualified, as m.model, or it names "
                                             "this function's own model column)"
                                           : "");
    return SQLITE_ERROR;
  }
  int argv_index = 1, mask = 0;
  for (int a = 0; a < vt->n_args; a++) {
    if (where[a] < 0) continue;
    info->aConstraintUsage[where[a]].argvIndex = argv_index++;
    info->aConstraintUsage[where[a]].omit = 1;
    mask |= 1 << a;
  }
  /* A call runs a network over its rows: dear beside reading a table's
  ** rows, so a join puts the function in its outer loop, unless it can
  ** look its rows up by position (rule 5). */
  info->estimatedCost = 100 * vt->rows;
  info->estimatedRows = (sqlite3_int64)vt->rows;
  if (pos >= 0) {
    info->aConstraintUsage[pos].argvIndex = argv_index++;
    info->aConstraintUsage[pos].omit = 1;
    mask |= RNN_EXT_VTAB_POS;
    info->estimatedCost = 100;
    info->estimatedRows = 1;
  }
  info->idxNum = mask;
  return SQLITE_OK;
}

sqlite3_int64 rnn_ext_vtab_pos(int idx_num, int argc, sqlite3_value **argv) {
  if (!(idx_num & RNN_EXT_VTAB_POS) || argc < 1) return 0;
  sqlite3_value *v = argv[argc - 1];
  int t = sqlite3_value_numeric_type(v);
  if (t == SQLITE_INTEGER) {
    sqlite3_int64 p = sqlite3_value_int64(v);
    return p > 0 ? p : -1;
  }
  if (t == SQLITE_FLOAT) { /* 3.0 is position 3; 3.5 is none */
    double d = sqlite3_value_double(v);
    return d >= 1 && d < 9e18 && d == (double)(sqlite3_int64)d ? (sqlite3_int64)d : -1;
  }
  return -1; /* NULL or text: no position */
}

int rnn_ext_same_value(sqlite3_value *a, sqlite3_value *b) {
  int t = sqlite3_value_type(a);
  if (t != sqlite3_value_type(b)) return 0;
  if (t == SQLITE_NULL) return 1;
  if (t == SQLITE_INTEGER) return sqlite3_value_int64(a) == sqlite3_value_int64(b);
  if (t == SQLITE_FLOAT) {
    double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
    return memcmp(&x, &y, sizeof x) == 0;
  }
  const void *pa = t == SQLITE_BLOB ? sqlite3_value_blob(a) : (const void *)sqlite3_value_text(a);
  const void *pb = t == SQLITE_BLOB ? sqlite3_value_blob(b) : (const void *)sqlite3_value_text(b);
  int n = sqlite3_value_bytes(a);
  return n == sqlite3_value_bytes(b) && (n == 0 || (pa && pb && memcmp(pa, pb, (size_t)n) == 0));
}

int rnn_ext_cursor_args(rnn_ext_cursor *c, int idx_num, sqlite3_value **argv,
                        sqlite3_value **arg, int *same) {
  const rnn_ext_vtab *vt = (const rnn_ext_vtab *)c->base.pVtab;
  int rc = SQLITE_OK;
  if (same) *same = 1;
  for (int a = 0, k = 0; a < vt->n_args; a++) {
    arg[a] = idx_num & (1 << a) ? argv[k++] : NULL;
    if (!arg[a] && !c->arg[a]) continue;
    if (arg[a] && c->arg[a] && rnn_ext_same_value(arg[a], c->arg[a])) continue;
    if (same) *same = 0;
    sqlite3_value_free(c->arg[a]);
    c->arg[a] = arg[a] ? sqlite3_value_dup(arg[a]) : NULL;
    if (arg[a] && !c->arg[a]) rc = SQLITE_NOMEM;
  }
  return rc;
}

void rnn_ext_cursor_arg(const rnn_ext_cursor *c, sqlite3_context *ctx, int col) {
  const rnn_ext_vtab *vt = (const rnn_ext_vtab *)c->base.pVtab;
  int a = col - vt->first_arg;
  if (a >= 0 && a < vt->n_args && c->arg[a])
    sqlite3_result_value(ctx, c->arg[a]);
  else
    sqlite3_result_null(ctx);
}

int rnn_ext_cursor_close(sqlite3_vtab_cursor *cur) {
  rnn_ext_cursor *c = (rnn_ext_cursor *)cur;
  rnn_ext_vtab *vt = (rnn_ext_vtab *)cur->pVtab;
  for (int a = 0; a < RNN_EXT_VTAB_MAX_ARGS; a++) sqlite3_value_free(c->arg[a]);
  sqlite3_free(cur);
  if (--vt->cursors == 0 && vt->result) { /* rule 4 */
    vt->result_free(vt->result);
    vt->result = NULL;
  }
  return SQLITE_OK;
}

void rnn_ext_vtab_keep_result(rnn_ext_vtab *vt, void *result,
                              void (*result_free)(void *)) {
  if (vt->result) vt->result_free(vt->result);
  vt->result = result, vt->result_free = result_free;
}

/* Rule 2: keeps the model m or global model g decoded from v (freed on
** failure). */
static int keep(rnn_ext_vtab *vt, sqlite3_value *v, rnn_model *m, rnn_global *g) {
  int len = sqlite3_value_bytes(v);
  unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)len + 1);
  if (!copy) {
    rnn_model_free(m);
    rnn_global_free(g);
    return SQLITE_NOMEM;
  }
  memcpy(copy, sqlite3_value_blob(v), (size_t)len);
  forget_model(vt);
  vt->m = m, vt->g = g, vt->blob = copy, vt->len = len;
  return SQLITE_OK;
}

/* Rule 2. */
int rnn_ext_vtab_model(rnn_ext_vtab *vt, sqlite3_value *v, rnn_model **out,
                       char **err) {
  *out = NULL;
  if (sqlite3_value_type(v) == SQLITE_BLOB && vt->m &&
      sqlite3_value_bytes(v) == vt->len &&
      memcmp(sqlite3_value_blob(v), vt->blob, (size_t)vt->len) == 0) {
    *out = vt->m;
    return SQLITE_OK;
  }
  rnn_model *m;
  int rc = rnn_ext_decode(vt->fn, v, &m, err);
  if (rc != SQLITE_OK || !m) return rc;
  if ((rc = keep(vt, v, m, NULL)) == SQLITE_OK) *out = m;
  return rc;
}

int rnn_ext_vtab_any(rnn_ext_vtab *vt, sqlite3_value *v, rnn_model **m,
                     rnn_global **g, char **err) {
  *m = NULL, *g = NULL, *err = NULL;
  if (sqlite3_value_type(v) == SQLITE_BLOB && vt->g &&
      sqlite3_value_bytes(v) == vt->len &&
      memcmp(sqlite3_value_blob(v), vt->blob, (size_t)vt->len) == 0) {
    *g = vt->g;
    return SQLITE_OK;
  }
  if (rnn_ext_kind(v) != RNN_KIND_GLOBAL) return rnn_ext_vtab_model(vt, v, m, err);
  rnn_err e;
  rnn_global *d;
  rnn_status st = rnn_global_decode(&d, sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), &e);
  int rc;
  if (st == RNN_ENOMEM) return SQLITE_NOMEM;
  if (st != RNN_OK) {
    *err = sqlite3_mprintf("%s: %s", vt->fn, e.msg);
    return *err ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if ((rc = keep(vt, v, NULL, d)) == SQLITE_OK) *g = d;
  return rc;
}

int rnn_ext_vtab_error(sqlite3_vtab_cursor *cur, int rc, char *err) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = err;
  return rc;
}

int rnn_ext_read_level(const char *fn, sqlite3_value *v, double *level,
                       char **err) {
  int t = sqlite3_value_numeric_type(v);
  *level = sqlite3_value_double(v);
  *err = NULL;
  if ((t == SQLITE_FLOAT || t == SQLITE_INTEGER) && *level > 0 && *level < 1)
    return SQLITE_OK;
  *err = sqlite3_mprintf("%s: level must be a number between 0 and 1, such as 0.95", fn);
  return *err ? SQLITE_ERROR : SQLITE_NOMEM;
}
