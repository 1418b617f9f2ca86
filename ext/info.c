/*
** rnn_info(model): what a model is and how it was trained, as JSON text
** (SPEC.md 4). NULL gives NULL; a BLOB that is not a model is an error.
** Keys, in order: format_version, kind, cell, activation, layers, hidden,
** bidirectional, window, horizon, inputs, covariates, calendar_columns,
** params, options,
** rows, missing_filled, first_ts, last_ts, step, irregular, period,
** normalization,
** epochs_run, best_epoch, train_loss, validation_loss, validation,
** calibration, anomaly, xreg. Numbers that are not finite are written as null.
*/
#include <math.h>

#include "rnn_ext.h"

static void num(sqlite3_str *s, double v) {
  if (isfinite(v))
    rnn_ext_append_double(s, v);
  else
    sqlite3_str_appendall(s, "null");
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

void rnn_ext_append_irregular(sqlite3_str *s, const rnn_irregular *q) {
  char name[64];
  long long count = q->count, rows = q->rows;
  int most = 2 * count > rows; /* most ts are off any one grid */
  switch (q->reason) {
    case RNN_IRR_OFF_GRID:
      if (most)
        sqlite3_str_appendf(s, "the ts follow no grid: at most %lld of %lld lie on one grid "
                               "of a step of ", rows - count, rows);
      else
        sqlite3_str_appendf(s, "%lld of %lld ts %s off the grid the others are on, a step of ",
                            count, rows, count == 1 ? "is" : "are");
      if (q->step.kind == RNN_STEP_NUMBER && q->step.integer) {
        sqlite3_str_appendf(s, "%lld", (long long)q->step.num);
      } else if (q->step.kind == RNN_STEP_NUMBER) {
        sqlite3_str_appendf(s, "%.15g", q->step.num);
      } else {
        rnn_step_name(&q->step, name, sizeof name);
        sqlite3_str_appendf(s, "%s%s", name[0] >= '0' && name[0] <= '9' ? "" : "1 ", name);
      }
      sqlite3_str_appendf(s, " (the median difference between consecutive ts); the first %s ",
                          most ? "off it is" : "is");
      rnn_ext_append_ts(s, &q->at, 0);
      break;
    case RNN_IRR_MONTH_DAY:
      if (most)
        sqlite3_str_appendf(s, "the ts are a month or more apart but follow no day of the month: "
                               "at most %lld of %lld share one day and time of day (or are all "
                               "on month ends); the first off it is ", rows - count, rows);
      else
        sqlite3_str_appendf(s, "the ts are a month or more apart, but %lld of %lld %s not fall "
                               "on the day of the month (or the month end) and time of day the "
                               "others share; the first is ",
                            count, rows, count == 1 ? "does" : "do");
      rnn_ext_append_ts(s, &q->at, 0);
      break;
    case RNN_IRR_SPAN:
      sqlite3_str_appendall(s, "the ts are too far apart to step from the first to the last");
      break;
    case RNN_IRR_OTHER:
      sqlite3_str_appendall(s, "the differences between consecutive ts are not whole "
                               "multiples of one step, or fewer than half of them are one step");
      break;
  }
}

/* Rule: why the model has no step (core/timestamp.c rules 8-9), or null:
** regular, or a BLOB of an earlier build that does not say. */
static void append_irregular(sqlite3_str *s, const rnn_model *m) {
  static const char *const reasons[RNN_IRR_COUNT] = {NULL, "off_grid", "month_day", "span",
                                                     "other"};
  const rnn_irregular *q = &m->irregular;
  if (m->step.kind != RNN_STEP_NONE || q->reason <= RNN_IRR_NONE || q->reason >= RNN_IRR_COUNT) {
    sqlite3_str_appendall(s, "null");
    return;
  }
  sqlite3_str_appendf(s, "{\"reason\":\"%s\",\"why\":\"", reasons[q->reason]);
  rnn_ext_append_irregular(s, q);
  sqlite3_str_appendall(s, "\"");
  if (q->count > 0) {
    sqlite3_str_appendf(s, ",\"count\":%lld,\"rows\":%lld,\"ts\":", (long long)q->count,
                        (long long)q->rows);
    rnn_ext_append_ts(s, &q->at, 1);
  }
  if (q->reason == RNN_IRR_OFF_GRID) {
    sqlite3_str_appendall(s, ",\"step\":");
    append_step(s, &q->step);
  }
  sqlite3_str_appendchar(s, 1, '}');
}

static void append_options(sqlite3_str *s, const rnn_options *o) {
  char opts[RNN_OPTIONS_JSON_MAX];
  rnn_options_json(o, opts, sizeof opts);
  sqlite3_str_appendf(s, "\"options\":%s", opts);
}

static void append_component(sqlite3_str *s, const rnn_component *c) {
  sqlite3_str_appendf(s, "{\"kind\":\"%s\"", rnn_component_name(c->kind));
  if (c->kind == RNN_COMP_DRIFT || c->kind == RNN_COMP_DRIFT_DAMPED)
    sqlite3_str_appendf(s, ",\"span\":%d", c->period);
  else if (c->period)
    sqlite3_str_appendf(s, ",\"period\":%d", c->period);
  if (c->seasons) sqlite3_str_appendf(s, ",\"seasons\":%d", c->seasons);
}

/* What the forecast is made of and why (core/components.c). */
static void append_forecast(sqlite3_str *s, const rnn_model *m) {
  sqlite3_str_appendall(s, ",\"forecast\":");
  if (m->kind != RNN_MODEL_NETWORK) {
    sqlite3_str_appendall(s, "{\"components\":[{\"kind\":\"seasonal_naive\"}],"
                             "\"why\":\"too few rows to train and validate a network\"}");
    return;
  }
  if (m->n_comp == 0) {
    sqlite3_str_appendf(s, "{\"components\":[{\"kind\":\"network\"}],\"why\":\"%s\"}",
                        m->opts.method == RNN_METHOD_NETWORK
                            ? "method \\\"network\\\""
                            : "no validation windows to choose on");
    return;
  }
  sqlite3_str_appendall(s, "{\"components\":[");
  for (int i = 0; i < m->n_comp; i++) {
    if (i) sqlite3_str_appendchar(s, 1, ',');
    append_component(s, &m->comp[i]);
    sqlite3_str_appendchar(s, 1, '}');
  }
  const char *why =
      m->fc_flags & RNN_FC_MEDIAN
          ? "the median of the two candidates with the lowest validation "
            "error (recent origins weigh more) and the anchor, the better of "
            "naive and seasonal naive (the last component)"
      : m->format_version && m->format_version < 5
          ? (m->n_comp == 1 ? "the candidate with the lowest mean absolute "
                              "error over the validation windows"
                            : "the mean of the two candidates with the lowest "
                              "mean absolute error over the validation windows")
      : m->n_comp == 1 ? "the candidate with the lowest validation error "
                         "(recent origins weigh more)"
                       : "the mean of the two candidates with the lowest "
                         "validation error (recent origins weigh more), one of "
                         "them the anchor when it scored (the better of naive "
                         "and seasonal naive)";
  sqlite3_str_appendf(s,
                      "],\"combination\":\"%s\",\"why\":\"%s\","
                      "\"logarithms\":%s,\"nonnegative\":%s,\"period2\":",
                      m->fc_flags & RNN_FC_MEDIAN ? "median" : "mean", why,
                      m->fc_flags & RNN_FC_LOG ? "true" : "false",
                      m->fc_flags & RNN_FC_NONNEG ? "true" : "false");
  if (m->period2) sqlite3_str_appendf(s, "%d", m->period2);
  else sqlite3_str_appendall(s, "null");
  sqlite3_str_appendall(s, ",\"candidates\":[");
  for (int i = 0; i < m->n_cand; i++) {
    if (i) sqlite3_str_appendchar(s, 1, ',');
    append_component(s, &m->cand[i]);
    sqlite3_str_appendall(s, ",\"validation_mae\":");
    num(s, m->cand_mae[i]);
    sqlite3_str_appendchar(s, 1, '}');
  }
  sqlite3_str_appendall(s, "]}");
}

static void forecast_info(sqlite3_str *s, const rnn_model *m);
static void global_info(sqlite3_context *ctx, int argc, sqlite3_value **argv);

void rnn_sql_info(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  /* A language model goes to ext/text.c, a classifier or tagger to
  ** ext/classify.c; they cache nothing here: slot 0's auxdata, when set, is
  ** always a forecasting model. */
  int kind = sqlite3_get_auxdata(ctx, 0) ? -1 : rnn_ext_kind(argv[0]);
  if (kind >= 0 && kind != RNN_KIND_FORECAST && kind != RNN_KIND_GLOBAL) {
    rnn_seqmodel *sm = NULL;
    rnn_err e;
    rnn_status rc = rnn_seqmodel_decode(&sm, sqlite3_value_blob(argv[0]),
                                        (size_t)sqlite3_value_bytes(argv[0]), &e);
    if (rc)
      rnn_ext_error(ctx, "rnn_info", rc, &e);
    else if (kind == RNN_KIND_TEXT)
      rnn_ext_text_info(ctx, sm);
    else
      rnn_ext_label_info(ctx, sm);
    rnn_seqmodel_free(sm);
    return;
  }
  if (kind == RNN_KIND_GLOBAL) {
    global_info(ctx, argc, argv);
    return;
  }
  if (argc > 1) {
    rnn_ext_errorf(ctx, "rnn_info", "series is for a global model (rnn_train_global)");
    return;
  }
  const rnn_model *m = rnn_ext_model_arg(ctx, "rnn_info", argv, 0);
  if (!m) return;
  sqlite3_str *s = sqlite3_str_new(NULL);
  forecast_info(s, m);
  rnn_ext_result_str(ctx, s);
}

/* A forecasting model's JSON object (the keys above) into s. */
static void forecast_info(sqlite3_str *s, const rnn_model *m) {
  const rnn_arch *a = &m->arch;
  int net = m->kind == RNN_MODEL_NETWORK;
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
                      "\"window\":%d,\"history\":%d,\"horizon\":%d,\"inputs\":%d,"
                      "\"covariates\":%d,\"calendar_columns\":%d,\"params\":%lld,",
                      a->window, m->tail_rows, a->output, a->input,
                      a->input - 1 - rnn_model_calendar(m), rnn_model_calendar(m),
                      (long long)(net ? m->layout.n_params : 0));
  append_options(s, &m->opts);
  sqlite3_str_appendf(s, ",\"rows\":%lld,\"missing_filled\":%lld,\"first_ts\":",
                      (long long)m->rows, (long long)m->missing);
  rnn_ext_append_ts(s, &m->first_ts, 1);
  sqlite3_str_appendall(s, ",\"last_ts\":");
  rnn_ext_append_ts(s, &m->last_ts, 1);
  sqlite3_str_appendall(s, ",\"step\":");
  append_step(s, &m->step);
  sqlite3_str_appendall(s, ",\"irregular\":");
  append_irregular(s, m);
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
  sqlite3_str_appendchar(s, 1, '}');
  append_forecast(s, m);
  sqlite3_str_appendf(s, ",\"epochs_run\":%d,\"best_epoch\":%d", m->epochs_run,
                      m->best_epoch);
  rnn_ext_append_losses(s, m->train_loss, m->val_loss, rnn_history_len(m),
                        m->epochs_run);
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
    /* Format 7's bands that grow with the forecast: the widths at level L
    ** (core/components.c rule 5). */
    double at = rnn_band_level(m);
    for (int i = 0; i < m->cal_steps; i++) {
      double half;
      rnn_interval(m, i + 1, 0.95, at, &half);
      if (i) sqlite3_str_appendchar(s, 1, ',');
      num(s, half);
    }
    sqlite3_str_appendall(s, "],\"bands\":");
    if (at > 0) {
      sqlite3_str_appendall(s, "{\"shape\":\"square root\",\"level\":");
      num(s, at);
      sqlite3_str_appendall(s, "}}");
    } else {
      sqlite3_str_appendall(s, "{\"shape\":\"additive\"}}");
    }
  } else {
    sqlite3_str_appendall(s, "null");
  }
  /* rnn_anomaly's calibration (core/train.c rule 15). */
  sqlite3_str_appendall(s, ",\"anomaly\":");
  if (m->surp_n > 0) {
    double sum = 0, sq = 0;
    for (int i = 0; i < m->surp_n; i++) sum += m->surp[i], sq += m->surp[i] * m->surp[i];
    sqlite3_str_appendf(s, "{\"method\":\"one-step errors of the last training rows\","
                           "\"errors\":%d,\"run\":", m->surp_n);
    if (m->surp_run > 0)
      sqlite3_str_appendf(s, "%d", m->surp_run);
    else
      sqlite3_str_appendall(s, "null");
    sqlite3_str_appendall(s, ",\"mae\":");
    num(s, sum / m->surp_n);
    sqlite3_str_appendall(s, ",\"rms\":");
    num(s, sqrt(sq / m->surp_n));
    sqlite3_str_appendchar(s, 1, '}');
  } else if (m->cal_n > 0) {
    sqlite3_str_appendall(s, "{\"method\":\"the calibration errors of step 1\"}");
  } else {
    sqlite3_str_appendall(s, "null");
  }
  /* The covariates' effect (core/xreg.c): kept or not, and the share of
  ** the held-out changes it explained. */
  sqlite3_str_appendall(s, ",\"xreg\":");
  if (m->xreg || isfinite(m->xreg_share)) {
    sqlite3_str_appendf(s, "{\"kept\":%s,\"explained\":", m->xreg ? "true" : "false");
    num(s, m->xreg_share);
    sqlite3_str_appendall(s, ",\"validation_ratio\":");
    num(s, m->xreg_ratio);
    sqlite3_str_appendall(s, ",\"coefficients\":");
    if (m->xreg) {
      for (int i = 0; i < m->arch.input - 1; i++) {
        sqlite3_str_appendchar(s, 1, i ? ',' : '[');
        num(s, m->xreg[i]);
      }
      sqlite3_str_appendchar(s, 1, ']');
    } else {
      sqlite3_str_appendall(s, "null");
    }
    sqlite3_str_appendchar(s, 1, '}');
  } else {
    sqlite3_str_appendall(s, "null");
  }
  sqlite3_str_appendchar(s, 1, '}');
}

/* rnn_info of a global model: the series, and one series' model in full
** (rnn_info(model, series): that series'; else the first with a network,
** as "network"). */
static void global_info(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  rnn_global *g = NULL;
  rnn_err e;
  sqlite3_str *s;
  if (argc > 1) { /* one series, decoded alone */
    rnn_model *m = NULL;
    char *err = NULL;
    int absent;
    int rc = rnn_ext_series_model("rnn_info", argv[0], argv[1], &m, &absent, &err);
    if (rc != SQLITE_OK) {
      rnn_ext_report(ctx, rc, err);
      return;
    }
    s = sqlite3_str_new(NULL);
    forecast_info(s, m);
    rnn_ext_result_str(ctx, s);
    rnn_model_free(m);
    return;
  }
  rnn_status rc = rnn_global_decode(&g, sqlite3_value_blob(argv[0]),
                                    (size_t)sqlite3_value_bytes(argv[0]), &e);
  if (rc) {
    rnn_ext_error(ctx, "rnn_info", rc, &e);
    return;
  }
  int nets = 0, first = -1;
  for (int j = 0; j < g->n; j++)
    if (g->models[j]->kind == RNN_MODEL_NETWORK && !nets++) first = j;
  s = sqlite3_str_new(NULL);
  sqlite3_str_appendf(s, "{\"format_version\":%d,\"kind\":\"global\",\"series\":%d,"
                         "\"networks\":%d,\"seasonal_naive\":%d,\"keys\":[",
                      g->format_version ? g->format_version : RNN_FORMAT_VERSION, g->n,
                      nets, g->n - nets);
  for (int j = 0; j < g->n && j < 1000; j++) {
    if (j) sqlite3_str_appendchar(s, 1, ',');
    rnn_ext_append_label(s, &g->keys[j], 0);
  }
  sqlite3_str_appendall(s, "],\"network\":");
  if (first >= 0) forecast_info(s, g->models[first]);
  else sqlite3_str_appendall(s, "null");
  sqlite3_str_appendchar(s, 1, '}');
  rnn_ext_result_str(ctx, s);
  rnn_global_free(g);
}


/* rnn_series_model(model, series): the forecasting model of one series of
** a global model, as a BLOB of its own (the shared network's parameters
** copied into it), so that every function that reads a forecasting model
** reads it: rnn_next, rnn_anomaly, rnn_backtest, rnn_finetune, rnn_plot.
** NULL model or series gives NULL; a model that is not a BLOB or not
** global, or a key it does not have, is an error. */
void rnn_sql_series_model(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *FN = "rnn_series_model";
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
    rnn_ext_errorf(ctx, FN, "model must be a BLOB of a global model (rnn_train_global)");
    return;
  }
  int kind = rnn_ext_kind(argv[0]);
  if (kind >= 0 && kind != RNN_KIND_GLOBAL) {
    rnn_ext_errorf(ctx, FN, "this is a %s model; it takes a global model (rnn_train_global)",
                   rnn_kind_name(kind));
    return;
  }
  rnn_model *m = NULL;
  char *err = NULL;
  int absent;
  int rc = rnn_ext_series_model(FN, argv[0], argv[1], &m, &absent, &err);
  if (rc != SQLITE_OK) {
    rnn_ext_report(ctx, rc, err);
    return;
  }
  unsigned char *blob = NULL;
  size_t len = 0;
  rnn_status st = rnn_model_encode(m, &blob, &len);
  rnn_model_free(m);
  m = NULL;
  if (st == RNN_OK) { /* what it gives must read back, as rnn_train's does */
    rnn_err e;
    st = rnn_model_decode(&m, blob, len, &e);
    rnn_model_free(m);
    if (st != RNN_OK) sqlite3_free(blob);
  }
  if (st == RNN_ENOMEM) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (st != RNN_OK) { /* larger than a BLOB can be, or not readable */
    rnn_ext_errorf(ctx, FN, "the series' model cannot be written as a BLOB of its own");
    return;
  }
  sqlite3_result_blob64(ctx, blob, len, sqlite3_free);
}
