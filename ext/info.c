/*
** rnn_info(model): what a model is and how it was trained, as JSON text
** (SPEC.md 4). NULL gives NULL; a BLOB that is not a model is an error.
** Keys, in order: format_version, cell, activation, layers, hidden,
** bidirectional, window, horizon, inputs, params, options, rows,
** missing_filled, first_ts, last_ts, normalization, epochs_run, train_loss.
*/
#include <math.h>

#include "rnn_ext.h"

static void rnn_info_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const rnn_model *m = rnn_ext_model_arg(ctx, "rnn_info", argv, 0);
  if (!m) return;
  const rnn_arch *a = &m->arch;
  const rnn_options *o = &m->opts;
  sqlite3_str *s = sqlite3_str_new(NULL);
  sqlite3_str_appendf(
      s,
      "{\"format_version\":%d,\"cell\":\"%s\",\"activation\":\"%s\","
      "\"layers\":%d,\"hidden\":%d,\"bidirectional\":%s,\"window\":%d,"
      "\"horizon\":%d,\"inputs\":%d,\"params\":%lld,",
      m->format_version, rnn_cell_name(a->cell),
      rnn_activation_name(a->activation), a->layers, a->hidden,
      a->dirs == 2 ? "true" : "false", a->window, a->output, a->input,
      (long long)m->layout.n_params);
  sqlite3_str_appendf(
      s,
      "\"options\":{\"cell\":\"%s\",\"activation\":\"%s\",\"hidden\":%d,"
      "\"layers\":%d,\"dropout\":%!.15g,\"bidirectional\":%s,\"window\":%d,"
      "\"horizon\":%d,\"epochs\":%d,\"batch\":%d,\"optimizer\":\"%s\","
      "\"lr\":%!.15g,\"clip\":%!.15g,\"loss\":\"%s\",\"normalize\":\"%s\","
      "\"seed\":%llu},",
      rnn_cell_name(o->cell), rnn_activation_name(o->activation), o->hidden,
      o->layers, o->dropout, o->bidirectional ? "true" : "false", o->window,
      o->horizon, o->epochs, o->batch, rnn_optimizer_name(o->optimizer), o->lr,
      o->clip, rnn_loss_name(o->loss), rnn_normalize_name(o->normalize),
      (unsigned long long)o->seed);
  sqlite3_str_appendf(s, "\"rows\":%lld,\"missing_filled\":%lld,\"first_ts\":",
                      (long long)m->rows, (long long)m->missing);
  rnn_ext_append_ts(s, &m->first_ts, 1);
  sqlite3_str_appendall(s, ",\"last_ts\":");
  rnn_ext_append_ts(s, &m->last_ts, 1);
  sqlite3_str_appendf(s,
                      ",\"normalization\":{\"method\":\"%s\",\"shift\":%!.15g,"
                      "\"scale\":%!.15g},\"epochs_run\":%d,\"train_loss\":[",
                      rnn_normalize_name(m->norm), m->norm_shift,
                      m->norm_scale, m->epochs_run);
  for (int i = 0; i < m->epochs_run; i++) {
    double l = m->train_loss[i];
    if (isfinite(l))
      sqlite3_str_appendf(s, "%s%!.6g", i ? "," : "", l);
    else
      sqlite3_str_appendf(s, "%snull", i ? "," : "");
  }
  sqlite3_str_appendall(s, "]}");
  int len = sqlite3_str_length(s);
  char *text = sqlite3_str_finish(s);
  if (text)
    sqlite3_result_text(ctx, text, len, sqlite3_free);
  else
    sqlite3_result_error_nomem(ctx);
}

int rnn_info_register(sqlite3 *db) {
  return sqlite3_create_function(
      db, "rnn_info", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
      NULL, rnn_info_fn, NULL, NULL);
}
