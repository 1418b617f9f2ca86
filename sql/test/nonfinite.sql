-- Issue 10 item 4: a result that would not be finite is an error that says
-- why, never Inf or null (each of these printed Inf or nulls before).
CREATE TABLE s(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 59) INSERT INTO s SELECT n, 10 + sin(n) FROM i;
CREATE TABLE m AS SELECT rnn_train(t, v, '{"method":"network","window":4,"epochs":2,"hidden":3,"horizon":1}') AS model FROM s;
SELECT rnn_predict(model, '[1,2,3,1e39]') FROM m;
SELECT rnn_predict(model, '[1,2,3,1e39]', 3) FROM m;
SELECT count(*) FROM m, rnn_forecast(m.model, 2, 0.9, '[1,2,3,1e300]');
SELECT count(*) FROM rnn_backtest((SELECT model FROM m), '[1,2,3,1e300,5,6]');
SELECT rnn_next((SELECT model FROM m), x) OVER (ORDER BY n ROWS BETWEEN 4 PRECEDING AND 1 PRECEDING)
FROM (SELECT 0 AS n, 1.0 AS x UNION ALL SELECT 1, 2 UNION ALL SELECT 2, 3 UNION ALL SELECT 3, 1e300 UNION ALL SELECT 4, 5);
-- The default forecaster: values of +-1e308 overflow its arithmetic.
CREATE TABLE a AS SELECT rnn_train(t, v) AS model FROM s;
SELECT rnn_predict(model, (SELECT json_group_array(CASE WHEN n = 30 THEN 1e308 ELSE -1e308 END)
  FROM (WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 99) SELECT n FROM i))) FROM a;
-- REAL ts near the largest double: the second forecast step would be +Inf.
CREATE TABLE r(t REAL, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 7) INSERT INTO r SELECT 0.9e308 + n * 1e307, n % 3 FROM i;
SELECT step, ts FROM rnn_forecast((SELECT rnn_train(t, v) FROM r), 1);
SELECT count(*) FROM rnn_forecast((SELECT rnn_train(t, v) FROM r), 2);
