/*
** Every SQL function and table-valued function of the extension, one line
** each: the only list there is. rnn_ext.h reads it to declare the C
** callbacks, extension.c to register them, so adding a function is writing
** its callbacks (named rnn_sql_<callback>, in the ext/ file of its family)
** and one line here.
**
**   SCALAR(name, min args, max args, flags, callback)
**   AGGREGATE(name, args (-1: any, checked at the first row), step, final)
**   WINDOW(name, args, step, final, value, inverse)
**   MODULE(name, module)            a table-valued function (sqlite3_module;
**                                   its xConnect gets the name as pAux)
**
** A scalar is registered once for every count from min to max. Flags:
** PURE is deterministic and innocuous (reads nothing but its arguments and
** has no cost worth guarding); DET is deterministic only (the sequence
** models' functions can run long on a hostile model, so a schema's
** triggers and views may not call them unless trusted); NONE for neither.
** Aggregates and window functions train or score for long, so they are
** neither.
**
** The including file defines the four macros and undefines them after.
*/
SCALAR(rnn_version, 0, 0, PURE, version)
SCALAR(rnn_debug, 0, 0, NONE, debug)
AGGREGATE(rnn_train, -1, train_step, train_final)
AGGREGATE(rnn_finetune, -1, finetune_step, finetune_final)
AGGREGATE(rnn_train_global, -1, train_global_step, train_global_final)
SCALAR(rnn_predict, 1, 5, PURE, predict)
SCALAR(rnn_info, 1, 2, PURE, info)
SCALAR(rnn_series_model, 2, 2, PURE, series_model)
MODULE(rnn_forecast, forecast_module)
WINDOW(rnn_next, -1, next_step, next_final, next_value, next_inverse)
MODULE(rnn_backtest, backtest_module)
WINDOW(rnn_anomaly, -1, anomaly_step, anomaly_final, anomaly_value, next_inverse)
MODULE(rnn_anomaly, backtest_module)
AGGREGATE(rnn_train_text, -1, text_step, text_final)
SCALAR(rnn_generate, 1, 5, DET, generate)
SCALAR(rnn_next_tokens, 2, 3, DET, next_tokens)
SCALAR(rnn_perplexity, 2, 2, DET, perplexity)
AGGREGATE(rnn_train_classifier, -1, classifier_step, seq_train_final)
AGGREGATE(rnn_train_tagger, -1, tagger_step, seq_train_final)
SCALAR(rnn_classify, 2, 2, DET, classify)
SCALAR(rnn_classify_proba, 2, 2, DET, classify_proba)
SCALAR(rnn_tag, 2, 2, DET, tag)
SCALAR(rnn_plot, 1, 4, PURE, plot)
SCALAR(rnn_plot_backtest, 2, 4, PURE, plot_backtest)
