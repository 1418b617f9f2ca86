-- rnn_next makes backtests plain SQL: each row's one-step forecast from the
-- rows before it, NULL until the frame holds a full window.
CREATE TABLE s(t, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 79)
INSERT INTO s SELECT i, 20 + 4 * sin(2 * pi() * i / 8) + (i % 3) FROM r;
CREATE TABLE m AS SELECT rnn_train(t, v, '{"method":"network","horizon":1,"cell":"lstm","hidden":8,"window":8,"epochs":20}') AS model FROM s WHERE t < 60;
CREATE TABLE bt AS
  SELECT t, v, rnn_next((SELECT model FROM m), v) OVER (ORDER BY t ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS f
  FROM s;
SELECT 'null until full', count(*) FILTER (WHERE f IS NULL), min(t) FILTER (WHERE f IS NOT NULL) FROM bt;
-- Each forecast is rnn_predict on the 8 values before the row.
SELECT 'equals rnn_predict', min(f = rnn_predict((SELECT model FROM m),
         (SELECT json_group_array(v) FROM (SELECT v FROM s w WHERE w.t BETWEEN bt.t - 8 AND bt.t - 1 ORDER BY w.t))))
FROM bt WHERE f IS NOT NULL;
-- The backtest error on the held-out rows beats the naive forecast.
SELECT 'beats naive', avg(abs(f - v)) < avg(abs(lag_v - v))
FROM (SELECT t, v, f, lag(v) OVER (ORDER BY t) AS lag_v FROM bt) WHERE t >= 60;
-- A longer frame uses its last 8 rows; NULL values in the frame are filled.
SELECT 'longer frame', min(a = b) FROM (
  SELECT rnn_next((SELECT model FROM m), v) OVER (ORDER BY t ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING) AS a,
         rnn_next((SELECT model FROM m), v) OVER (ORDER BY t ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS b
  FROM s) WHERE b IS NOT NULL;
SELECT 'nulls filled', count(f) FROM (
  SELECT rnn_next((SELECT model FROM m), CASE WHEN t % 5 = 0 THEN NULL ELSE v END) OVER (ORDER BY t ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS f FROM s);
-- Per partition, and as a plain aggregate (the step after all rows).
SELECT 'partitions', count(f) FROM (
  SELECT rnn_next((SELECT model FROM m), v) OVER (PARTITION BY t / 40 ORDER BY t ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS f FROM s);
SELECT 'aggregate', rnn_next((SELECT model FROM m), v) = rnn_predict((SELECT model FROM m)) FROM (SELECT * FROM s WHERE t < 60 ORDER BY t);
