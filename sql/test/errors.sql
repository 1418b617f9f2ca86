-- Every error names the function and says what is allowed.
CREATE TABLE s(t, v);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 29)
INSERT INTO s SELECT n, n % 7 FROM i;
CREATE TABLE m AS SELECT rnn_train(t, v, '{"method":"network","horizon":1,"window":5,"epochs":2,"hidden":4}') AS model FROM s;
-- options
SELECT rnn_train(t, v, '{"hiden":8}') FROM s;
SELECT rnn_train(t, v, '{"window":0}') FROM s;
SELECT rnn_train(t, v, '{"window":"weekly"}') FROM s;
SELECT rnn_train(t, v, '{"hidden":2000}') FROM s;
SELECT rnn_train(t, v, '{"cell":"transformer"}') FROM s;
SELECT rnn_train(t, v, '{"epochs":5') FROM s;
SELECT rnn_train(t, v, '[5]') FROM s;
SELECT rnn_train(t, v, 5) FROM s;
SELECT rnn_train(t, v, CASE WHEN t < 3 THEN '{"epochs":1}' ELSE '{"epochs":2}' END) FROM s;
SELECT rnn_train(t, v, '{"window":40,"short":"error"}') FROM s;
SELECT rnn_train(t, v, '{"window":20,"horizon":15,"short":"error"}') FROM s;
SELECT rnn_train(t, v, '{"layers":0}') FROM s;
SELECT rnn_train(t, v, '{"dropout":1}') FROM s;
SELECT rnn_train(t, v, '{"bidirectional":"yes"}') FROM s;
SELECT rnn_train(t, v, '{"loss":"cross_entropy"}') FROM s;
SELECT rnn_train(t, v, '{"optimizer":"adagrad"}') FROM s;
SELECT rnn_train(t, v, '{"activation":"gelu"}') FROM s;
SELECT rnn_train(t, v, '{"validation":0.75}') FROM s;
SELECT rnn_train(t, v, '{"patience":0}') FROM s;
SELECT rnn_train(t, v, '{"missing":"drop"}') FROM s;
SELECT rnn_train(t, v, '{"duplicates":"first"}') FROM s;
SELECT rnn_train(t, v, '{"short":"skip"}') FROM s;
SELECT rnn_train(t, v, '{"threads":-1}') FROM s;
SELECT rnn_train(t, v, '{"max_seconds":"1"}') FROM s;
SELECT rnn_train(t, v, '{"verbose":1}') FROM s;
SELECT rnn_train(t) FROM s;
-- missing values and gaps with missing "error"; too many gaps
SELECT rnn_train(t, CASE WHEN t = 7 THEN NULL ELSE v END, '{"missing":"error"}') FROM s;
SELECT rnn_train(t, v, '{"missing":"error"}') FROM s WHERE t <> 12;
SELECT rnn_train(ts, v, '{"missing":"error"}') FROM (SELECT '2020-01-01' AS ts, 1 AS v UNION ALL SELECT '2020-03-01', 2 UNION ALL SELECT '2020-04-01', 3);
SELECT rnn_train(t, v, '{"missing":"error"}', CASE WHEN t = 3 THEN NULL ELSE 1 END) FROM s;
SELECT rnn_train(ts, v) FROM (SELECT 1 AS ts, 1 AS v UNION ALL SELECT 2, 2 UNION ALL SELECT 1000000, 3);
-- covariates
SELECT rnn_train(t, v, NULL, 'abc') FROM s;
SELECT rnn_train(t, v, NULL, x'00') FROM s;
SELECT rnn_train(t, v, NULL, 1, NULL) FROM s WHERE 0;
SELECT typeof(rnn_train(t, v, NULL, NULL)) FROM s;
-- ts and values
SELECT rnn_train(ts, v) FROM (SELECT 1 AS ts, 1 AS v UNION ALL SELECT '2020-01-01', 2);
SELECT rnn_train(ts, v) FROM (SELECT '2020-01-01' AS ts, 1 AS v UNION ALL SELECT 5, 2);
SELECT rnn_train(ts, v) FROM (SELECT '2020-02-30' AS ts, 1 AS v);
SELECT rnn_train(ts, v) FROM (SELECT '2020-02-28 7pm' AS ts, 1 AS v);
SELECT rnn_train(ts, v) FROM (SELECT NULL AS ts, 1 AS v);
SELECT rnn_train(ts, v) FROM (SELECT x'01' AS ts, 1 AS v);
SELECT rnn_train(ts, v) FROM (SELECT 1 AS ts, 'abc' AS v);
SELECT rnn_train(ts, v) FROM (SELECT '2020-01-01' AS ts, x'00' AS v);
SELECT rnn_train(ts, v) FROM (SELECT 3 AS ts, 1e999 AS v);
SELECT rnn_train(ts, v) FROM (SELECT 1 AS ts, 1 AS v UNION ALL SELECT 2, 2 UNION ALL SELECT 1, 3);
SELECT rnn_train(ts, v) FROM (SELECT '2020-01-01' AS ts, 1 AS v UNION ALL SELECT '2020-01-01', 3);
SELECT rnn_train(ts, v) FROM (SELECT 1 AS ts, NULL AS v UNION ALL SELECT 2, NULL);
-- models
SELECT rnn_predict('not a blob');
SELECT rnn_predict(42);
SELECT rnn_predict(x'00112233');
SELECT rnn_info(zeroblob(100));
SELECT rnn_predict(substr(model, 1, 100)) FROM m;
-- a newer format version (byte 8) is reported before any other check
SELECT rnn_predict(CAST(substr(model, 1, 8) || x'09' || substr(model, 10) AS BLOB)) FROM m;
-- one flipped byte in the middle
SELECT rnn_predict(CAST(substr(model, 1, 200) || x'ff' || substr(model, 202) AS BLOB)) FROM m;
-- windows and horizons
SELECT rnn_predict(model, '[1, 2, 3]') FROM m;
SELECT rnn_predict(model, '[1, 2, "x", 4, 5]') FROM m;
SELECT rnn_predict(model, '{"a": 1}') FROM m;
SELECT rnn_predict(model, '[1, 2, 3, 4') FROM m;
SELECT rnn_predict(model, 5) FROM m;
SELECT rnn_predict(model, '[null, null, null, null, null]') FROM m;
SELECT rnn_predict(model, NULL, 0) FROM m;
SELECT rnn_predict(model, NULL, 1.5) FROM m;
-- An integral REAL or numeric TEXT is an integer, as for rnn_generate's.
SELECT 'integral h', (SELECT count(*) FROM rnn_forecast((SELECT model FROM m), 3.0)),
       (SELECT count(*) FROM rnn_forecast((SELECT model FROM m), '2')),
       rnn_predict(model, NULL, 2.0) = rnn_predict(model, NULL, 2) FROM m;
SELECT rnn_predict(model, NULL, '2x') FROM m;
SELECT rnn_predict(model, NULL, 100001) FROM m;
SELECT rnn_predict(model, '[[1], [2], [3], [4], [5, 6]]') FROM m;
-- rnn_forecast
SELECT * FROM rnn_forecast();
-- In a correlated subquery an unqualified model is the function's own
-- column; the error says to qualify it, and qualified it works.
SELECT (SELECT count(*) FROM rnn_forecast(model, 3)) FROM m;
SELECT 'qualified', (SELECT count(*) FROM rnn_forecast(m.model, 3)) FROM m;
SELECT * FROM rnn_forecast('x');
SELECT * FROM rnn_forecast(x'0102');
SELECT * FROM rnn_forecast((SELECT model FROM m), 0);
SELECT * FROM rnn_forecast((SELECT model FROM m), 'twelve');
SELECT * FROM rnn_forecast((SELECT model FROM m), 3, 1.5);
SELECT * FROM rnn_forecast((SELECT model FROM m), 3, 0);
SELECT * FROM rnn_forecast((SELECT model FROM m), 3, 'high');
SELECT * FROM rnn_forecast((SELECT model FROM m), 3, 0.9, '[1, 2]');
SELECT * FROM rnn_forecast((SELECT model FROM m), 3, 0.9, 7);
-- rnn_next
SELECT rnn_next(model) OVER () FROM m;
SELECT rnn_next('x', 1) OVER () FROM m;
SELECT 'null model', rnn_next(NULL, 1) OVER () IS NULL FROM m;
SELECT rnn_next(CASE WHEN t = 1 THEN NULL ELSE (SELECT model FROM m) END, v) OVER (ORDER BY t) FROM s;
SELECT rnn_next(model, 1, 2) OVER () FROM m;
SELECT rnn_next(model, 'abc') OVER () FROM m;
SELECT rnn_next(model, 1e999) OVER () FROM m;
SELECT count(*) FROM (SELECT rnn_next(CASE WHEN t < 3 THEN (SELECT model FROM m) ELSE (SELECT rnn_train(t, v, '{"method":"network","horizon":1,"window":5,"epochs":1,"hidden":3}') FROM s) END, v) OVER (ORDER BY t) FROM s);
SELECT 'still works', typeof(rnn_predict(model)) FROM m;
-- Issue 10 item 8: a key with a NUL shows whole; text after a NUL byte is
-- not silently ignored.
SELECT rnn_train(t, v, '{"epochs\u0000x":3}') FROM s;
SELECT rnn_train(t, v, '{"epochs":3}' || char(0) || '{"hidden":9000}') FROM s;
-- A failing INSERT ... SELECT: in autocommit mode nothing stays; inside
-- BEGIN the groups before the failing one stay (docs/robustness.md).
CREATE TABLE gs(g, t, v);
INSERT INTO gs SELECT 'a', value, value % 5 FROM generate_series(0, 39);
INSERT INTO gs SELECT 'b', value, 'x' FROM generate_series(0, 39);
CREATE TABLE gm(g, m);
INSERT INTO gm SELECT g, rnn_train(t, v, '{"epochs":1}') FROM gs GROUP BY g;
SELECT 'autocommit', count(*) FROM gm;
BEGIN;
INSERT INTO gm SELECT g, rnn_train(t, v, '{"epochs":1}') FROM gs GROUP BY g;
SELECT 'in a transaction', count(*) FROM gm;
ROLLBACK;
-- Issue 10 item 6: windows are read element by element (tests/test_limits.c
-- measures it); options, read as a tree, are bounded.
SELECT rnn_train(t, v, '{"epochs":1' || replace(printf('%70000c', ' '), ' ', ' ') || '}') FROM s;
-- The forecaster's options: method and horizon "auto".
SELECT rnn_train(t, v, '{"method":"arima"}') FROM s;
SELECT rnn_train(t, v, '{"horizon":"weekly"}') FROM s;
SELECT json_extract(rnn_info(rnn_train(t, v, '{"horizon":"auto","method":"network","epochs":1}')), '$.horizon') FROM s;
