/*
** rnn_info(model): what a model is and how it was trained, as JSON text
** (SPEC.md 4). NULL gives NULL; a BLOB that is not a model is an error.
** Keys, in order: format_version, kind, cell, activation, layers, hidden,
** bidirectional, window, horizon, inputs, covariates, params, options,
** rows, missing_filled, first_ts, last_ts, step, period, normalization,
** epochs_run, best_epoch, train_loss, validation_loss, validation,
** calibration. Numbers that are not finite are written as null.
*/
#include <math.h>

#include "rnn_ext.h"

static void num(sqlite3_str *s, double v) {
  if (isfinite(v))
    rnn_ext_append_double(s, v);
  else
    sqlite3_str_appendall(s, "null");
}

/* "key":[v, ...] for n doubles. */
static void num_array(sqlite3_str *s, const char *key, const double *v, int n) {
  sqlite3_str_appendf(s, ",\"%s\":[", key);
  for (int i = 0; i < n; i++) {
    if (i) sqlite3_str_appendchar(s, 1, ',');
    num(s, v[i]);
  }
  sqlite3_str_appendchar(s, 1, ']');
}

static void append_step(sqlite3_str *s, const rnn_step *st) {
  char name[64];
  if (st->kind == RNN_STEP_NUMBER) {
    rnn_ext_append_double(s, st->num);
  } else if (st->kind == RNN_STEP_NONE) {
    sqlite3_str_appendall(s, "null");
  } else {
    rnn_step_name(st, name, sizeof name);
    sqlite3_str_appendf(s, "\"%s\"", name);
  }
}

static void append_options(sqlite3_str *s, const rnn_options *o) {
  sqlite3_str_appendf(
      s,
      "\"options\":{\"cell\":\"%s\",\"activation\":\"%s\",\"hidden\":%d,"
      "\"layers\":%d,\"dropout\":%!.15g,\"bidirectional\":%s,\"window\":%d,"
      "\"horizon\":%d,\"epochs\":%d,\"batch\":%d,\"optimizer\":\"%s\","
      "\"lr\":%!.15g,\"clip\":%!.15g,\"loss\":\"%s\",\"validation\":%!.15g,"
      "\"patience\":%d,\"normalize\":\"%s\",\"missing\":\"%s\","
      "\"duplicates\":\"%s\",\"short\":\"%s\",\"seed\":%llu,\"threads\":%d,"
      "\"max_seconds\":%!.15g,\"verbose\":%s}",
      rnn_cell_name(o->cell), rnn_activation_name(o->activation), o->hidden,
      o->layers, o->dropout, o->bidirectional ? "true" : "false", o->window,
      o->horizon, o->epochs, o->batch, rnn_optimizer_name(o->optimizer), o->lr,
      o->clip, rnn_loss_name(o->loss), o->validation, o->patience,
      rnn_normalize_name(o->normalize), rnn_missing_name(o->missing),
      rnn_duplicates_name(o->duplicates), rnn_short_name(o->short_policy),
      (unsigned long long)o->seed, o->threads, o->max_seconds,
      o->verbose ? "true" : "false");
}

static void rnn_info_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const rnn_model *m = rnn_ext_model_arg(ctx, "rnn_info", argv, 0);
  if (!m) return;
  const rnn_arch *a = &m->arch;
  int net = m->kind == RNN_MODEL_NETWORK;
  sqlite3_str *s = sqlite3_str_new(NULL);
  sqlite3_str_appendf(s, "{\"format_version\":%d,\"kind\":\"%s\",",
                      m->format_version, net ? "network" : "seasonal_naive");
  if (net)
    sqlite3_str_appendf(
        s,
        "\"cell\":\"%s\",\"activation\":\"%s\",\"layers\":%d,\"hidden\":%d,"
        "\"bidirectional\":%s,",
        rnn_cell_name(a->cell), rnn_activation_name(a->activation), a->layers,
        a->hidden, a->dirs == 2 ? "true" : "false");
  sqlite3_str_appendf(s,
                      "\"window\":%d,\"horizon\":%d,\"inputs\":%d,"
                      "\"covariates\":%d,\"params\":%lld,",
                      a->window, a->output, a->input, a->input - 1,
                      (long long)(net ? m->layout.n_params : 0));
  append_options(s, &m->opts);
  sqlite3_str_appendf(s, ",\"rows\":%lld,\"missing_filled\":%lld,\"first_ts\":",
                      (long long)m->rows, (long long)m->missing);
  rnn_ext_append_ts(s, &m->first_ts, 1);
  sqlite3_str_appendall(s, ",\"last_ts\":");
  rnn_ext_append_ts(s, &m->last_ts, 1);
  sqlite3_str_appendall(s, ",\"step\":");
  append_step(s, &m->step);
  sqlite3_str_appendf(s, ",\"period\":%d,\"normalization\":{\"method\":\"%s\",\"shift\":",
                      m->period, rnn_normalize_name(m->norm));
  num(s, m->shift[0]);
  sqlite3_str_appendall(s, ",\"scale\":");
  num(s, m->scale[0]);
  if (a->input > 1) {
    sqlite3_str_appendall(s, ",\"covariates\":[");
    for (int c = 1; c < a->input; c++) {
      sqlite3_str_appendf(s, "%s{\"shift\":", c > 1 ? "," : "");
      num(s, m->shift[c]);
      sqlite3_str_appendall(s, ",\"scale\":");
      num(s, m->scale[c]);
      sqlite3_str_appendchar(s, 1, '}');
    }
    sqlite3_str_appendchar(s, 1, ']');
  }
  sqlite3_str_appendf(s, "},\"epochs_run\":%d,\"best_epoch\":%d", m->epochs_run,
                      m->best_epoch);
  num_array(s, "train_loss", m->train_loss, m->epochs_run);
  num_array(s, "validation_loss", m->val_loss, m->epochs_run);
  sqlite3_str_appendall(s, ",\"validation\":");
  if (m->metrics.windows > 0) {
    sqlite3_str_appendf(s, "{\"windows\":%lld,\"mae\":", (long long)m->metrics.windows);
    num(s, m->metrics.mae);
    sqlite3_str_appendall(s, ",\"rmse\":");
    num(s, m->metrics.rmse);
    sqlite3_str_appendall(s, ",\"smape\":");
    num(s, m->metrics.smape);
    sqlite3_str_appendall(s, ",\"mase\":");
    num(s, m->metrics.mase);
    sqlite3_str_appendchar(s, 1, '}');
  } else {
    sqlite3_str_appendall(s, "null");
  }
  sqlite3_str_appendall(s, ",\"calibration\":");
  if (m->cal_steps > 0) {
    sqlite3_str_appendf(s,
                        "{\"method\":\"split conformal\",\"source\":\"%s\","
                        "\"steps\":%d,\"errors\":%d,\"half_width_95\":[",
                        net ? "validation windows" : "in-sample seasonal-naive errors",
                        m->cal_steps, m->cal_n);
    for (int i = 0; i < m->cal_steps; i++) {
      double half;
      rnn_interval(m, i + 1, 0.95, &half);
      if (i) sqlite3_str_appendchar(s, 1, ',');
      num(s, half);
    }
    sqlite3_str_appendall(s, "]}");
  } else {
    sqlite3_str_appendall(s, "null");
  }
  sqlite3_str_appendchar(s, 1, '}');
  rnn_ext_result_str(ctx, s);
}

int rnn_info_register(sqlite3 *db) {
  return sqlite3_create_function(
      db, "rnn_info", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
      NULL, rnn_info_fn, NULL, NULL);
}
