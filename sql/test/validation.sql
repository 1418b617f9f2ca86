-- Validation windows drive early stopping (the best epoch is kept), the
-- validation metrics and the interval calibration; max_seconds stops
-- training with the best model so far.
CREATE TABLE s(t, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 199)
INSERT INTO s SELECT i, 5 + sin(2 * pi() * i / 10) + 0.3 * sin(i * i) FROM r;
CREATE TABLE m AS SELECT rnn_train(t, v, '{"method":"network","horizon":1,"cell":"rnn","hidden":8,"window":10,"epochs":1000,"patience":5,"lr":0.02}') AS model FROM s;
SELECT 'early stop', json_extract(rnn_info(model), '$.epochs_run') < 1000,
       json_extract(rnn_info(model), '$.epochs_run') - json_extract(rnn_info(model), '$.best_epoch'),
       json_array_length(rnn_info(model), '$.validation_loss'),
       json_extract(rnn_info(model), '$.validation.windows'),
       json_type(rnn_info(model), '$.validation.mase'),
       json_extract(rnn_info(model), '$.calibration.steps'),
       json_extract(rnn_info(model), '$.calibration.errors') > 0
FROM m;
-- The kept epoch has the lowest validation loss.
SELECT 'best kept', (SELECT min(value) FROM json_each(rnn_info(model), '$.validation_loss'))
     = json_extract(rnn_info(model), '$.validation_loss[' || (json_extract(rnn_info(model), '$.best_epoch') - 1) || ']') FROM m;
SELECT 'no validation', json_extract(rnn_info(m), '$.epochs_run'), json_extract(rnn_info(m), '$.best_epoch'),
       json_type(rnn_info(m), '$.validation'), json_type(rnn_info(m), '$.validation_loss[0]')
FROM (SELECT rnn_train(t, v, '{"method":"network","horizon":1,"cell":"rnn","hidden":4,"window":10,"epochs":7,"validation":0}') AS m FROM s);
SELECT 'max_seconds', json_extract(rnn_info(m), '$.epochs_run') < 100000, typeof(rnn_predict(m))
FROM (SELECT rnn_train(t, v, '{"method":"network","horizon":1,"cell":"rnn","hidden":4,"window":10,"epochs":100000,"validation":0,"max_seconds":0.3}') AS m FROM s);
-- Issue 10 item 2: a budget in which no epoch finishes is an error, not a
-- model of random weights (epochs_run 0 came back before).
SELECT rnn_train(t, v, '{"cell":"rnn","hidden":4,"window":10,"max_seconds":1e-9}') FROM s;
