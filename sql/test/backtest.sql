-- rnn_backtest: every row's one-step forecast from the rows before it, in
-- one call, computed in batches; bit for bit what rnn_next gives row by row.
CREATE TABLE s(t, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 599)
INSERT INTO s SELECT i, round(20 + 4 * sin(2 * pi() * i / 8) + (i % 3), 3) FROM r;
UPDATE s SET v = NULL WHERE t IN (100, 101, 333);
CREATE TABLE m AS SELECT rnn_train(t, v, '{"method":"network","horizon":1,"cell":"lstm","hidden":8,"window":8,"epochs":10}') AS model FROM s WHERE t < 300;
CREATE TABLE series AS SELECT json_group_array(v) AS js FROM (SELECT v FROM s ORDER BY t);
CREATE TABLE bt AS SELECT * FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series));
CREATE TABLE nx AS
  SELECT t, rnn_next((SELECT model FROM m), v) OVER (ORDER BY t ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS f FROM s;
-- One row per position with a full window before it (pos 9 .. 600).
SELECT 'rows', count(*), min(pos), max(pos) FROM bt;
-- The same numbers as rnn_next (t = pos - 1), NULLs included; actual is the series' value.
SELECT 'equals rnn_next', count(*), sum(bt.predicted IS nx.f), sum(bt.actual IS s.v)
FROM bt JOIN nx ON nx.t = bt.pos - 1 JOIN s ON s.t = bt.pos - 1;
-- Intervals around the forecast at 0.95 (default) and a narrower 0.5.
SELECT 'intervals', count(*), min(bt.lower < bt.predicted AND bt.predicted < bt.upper),
       min(b.lower > bt.lower AND b.upper < bt.upper)
FROM bt JOIN rnn_backtest((SELECT model FROM m), (SELECT js FROM series), 0.5) b USING (pos);
-- The held-out half: better than the naive forecast.
SELECT 'beats naive', avg(abs(predicted - actual)) < avg(abs(prev - actual))
FROM (SELECT pos, actual, predicted, lag(actual) OVER (ORDER BY pos) AS prev FROM bt) WHERE pos > 300;
-- A window with no known value gives NULL, like rnn_next.
SELECT 'all missing', pos, predicted IS NULL, actual
FROM rnn_backtest((SELECT model FROM m), '[null,null,null,null,null,null,null,null,5,6]');
-- Too short for one position: an error that says how long. NULL model or
-- series: no rows.
SELECT 'short', count(*) FROM rnn_backtest((SELECT model FROM m), '[1,2,3,4,5,6,7,8]');
SELECT 'one position', count(*) FROM rnn_backtest((SELECT model FROM m), '[1,2,3,4,5,6,7,8,9]');
SELECT 'null', count(*) FROM rnn_backtest(NULL, '[1,2]');
SELECT 'null', count(*) FROM rnn_backtest((SELECT model FROM m), NULL);
-- Laterally, per model; the seasonal-naive fallback repeats the value a window back.
CREATE TABLE ms AS SELECT 'net' AS k, model FROM m
  UNION ALL SELECT 'naive', rnn_train(t, v, '{"method":"network","horizon":1,"window":4}') FROM (SELECT * FROM s WHERE t < 3);
SELECT 'lateral', k, count(*), round(min(predicted), 1), round(max(predicted), 1)
FROM ms, rnn_backtest(ms.model, '[1,2,3,4,5,6,7,8,9,10,11,12]') GROUP BY k ORDER BY k;
-- Errors name the function and say what is allowed.
SELECT * FROM rnn_backtest((SELECT model FROM m), '[1,"a",3]');
SELECT * FROM rnn_backtest((SELECT model FROM m), '{"a":1}');
SELECT * FROM rnn_backtest((SELECT model FROM m), 'not json');
SELECT * FROM rnn_backtest((SELECT model FROM m), 42);
SELECT * FROM rnn_backtest((SELECT model FROM m), '[[1,2],[3,4]]');
SELECT * FROM rnn_backtest((SELECT model FROM m), '[1,2]', 1.5);
SELECT * FROM rnn_backtest(x'0102', '[1,2]');
SELECT * FROM rnn_backtest();
-- With a covariate: rows [y, x], the same numbers as rnn_next(model, v, x).
CREATE TABLE c(t, v, x);
INSERT INTO c SELECT t, v, t % 4 FROM s WHERE v IS NOT NULL AND t < 200;
CREATE TABLE mc AS SELECT rnn_train(t, v, '{"method":"network","horizon":1,"hidden":6,"window":6,"epochs":5}', x) AS model FROM c;
SELECT 'covariates', count(*), sum(b.predicted = n.f)
FROM rnn_backtest((SELECT model FROM mc), (SELECT json_group_array(json_array(v, x)) FROM (SELECT v, x FROM c ORDER BY t))) b
JOIN (SELECT row_number() OVER (ORDER BY t) AS pos,
             rnn_next((SELECT model FROM mc), v, x) OVER (ORDER BY t ROWS BETWEEN 6 PRECEDING AND 1 PRECEDING) AS f
      FROM c) n USING (pos);
-- The hidden columns hold the arguments (ext/vtab.c rule 3): a WHERE term
-- on one is checked against its argument.
SELECT 'hidden', count(*), count(model), min(series = (SELECT js FROM series)), min(level)
FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series), 0.5) b;
SELECT 'hidden level', count(*) FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series), 0.5) b WHERE b.level = 0.5;
SELECT 'other level', count(*) FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series), 0.5) b WHERE b.level = 0.8;
-- Once per row of another table (a correlated subquery): the result kept
-- with the model (rule 8) gives the same numbers as one call.
SELECT 'per row', count(*), sum((SELECT b.predicted FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b
                                 WHERE b.pos = bt.pos) IS bt.predicted)
FROM bt;
-- Two series in one statement: neither takes the other's kept result.
SELECT 'two series', count(*), sum(a.predicted IS b.predicted), sum(a.actual = b.actual + 1)
FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) a
JOIN rnn_backtest((SELECT model FROM m), (SELECT json_group_array(v - 1) FROM (SELECT v FROM s ORDER BY t))) b USING (pos)
WHERE a.actual IS NOT NULL;
-- pos = ? gives that row alone (ext/vtab.c rule 5): a constant, a REAL
-- that is a whole number, and positions that are none.
SELECT 'pos lookup', (SELECT count(*) FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b WHERE b.pos = 100),
       (SELECT predicted FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b WHERE b.pos = 100.0) IS (SELECT predicted FROM bt WHERE pos = 100),
       (SELECT count(*) FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b WHERE b.pos = 100.5),
       (SELECT count(*) FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b WHERE b.pos = 8),
       (SELECT count(*) FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b WHERE b.pos = 601),
       (SELECT count(*) FROM rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b WHERE b.pos = NULL);
-- A join on pos looks the rows up: the same numbers as the table.
SELECT 'join on pos', count(*), sum(b.predicted IS bt.predicted), sum(b.lower IS bt.lower)
FROM bt JOIN rnn_backtest((SELECT model FROM m), (SELECT js FROM series)) b ON b.pos = bt.pos;
-- Horizon (rule 9): each position has a row per step s = 1 .. horizon whose
-- origin (pos - s rows) holds a full window; step 1 is the one-step row bit
-- for bit; step s is what rnn_predict gives from the origin's rows.
CREATE TABLE ma AS SELECT rnn_train(t, v, '{"hidden":4,"epochs":5}') AS model FROM s WHERE t < 300;
SELECT 'auto history', rnn_info(model) ->> '$.history' FROM ma;
CREATE TABLE bh AS SELECT * FROM rnn_backtest((SELECT model FROM ma), (SELECT js FROM series), 0.9, 4);
SELECT 'steps', count(*), min(pos), max(pos), min(step), max(step), count(DISTINCT pos) FROM bh;
SELECT 'first positions', group_concat(pos || ':' || step, ' ') FROM (SELECT * FROM bh ORDER BY rowid LIMIT 7);
SELECT 'step 1 is the one-step row', count(*), sum(a.predicted IS b.predicted AND a.lower IS b.lower AND a.upper IS b.upper)
FROM bh a JOIN rnn_backtest((SELECT model FROM ma), (SELECT js FROM series), 0.9) b ON a.pos = b.pos AND a.step = 1;
SELECT 'equals rnn_predict', count(*), sum(b.predicted = rnn_predict((SELECT model FROM ma),
         (SELECT json_group_array(v) FROM (SELECT v FROM s WHERE t < b.pos - b.step ORDER BY t)), b.step) ->> ('$[' || (b.step - 1) || ']'))
FROM bh b WHERE b.pos % 37 = 0;
SELECT 'bands widen with the step', min(w2 >= w1), count(*)
FROM (SELECT max(upper - lower) FILTER (WHERE step = 1) AS w1, max(upper - lower) FILTER (WHERE step = 4) AS w2 FROM bh GROUP BY pos HAVING count(*) = 4);
SELECT 'one position', group_concat(step) FROM rnn_backtest((SELECT model FROM ma), (SELECT js FROM series), 0.9, 4) WHERE pos = 400;
SELECT 'hidden column', count(*) FROM rnn_backtest((SELECT model FROM ma), (SELECT js FROM series)) b WHERE b.horizon = 2;
-- A covariate effect reads the forecast rows' covariates as rnn_predict's future.
CREATE TABLE cx(t, v, x);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 299)
INSERT INTO cx SELECT i, round(50 + 3 * sin(i / 3.0) + 8 * ((i * 7) % 5 = 0), 3), ((i * 7) % 5 = 0) FROM r;
CREATE TABLE mx AS SELECT rnn_train(t, v, '{"hidden":3,"epochs":3,"window":6,"xreg":true}', x) AS model FROM cx WHERE t < 250;
SELECT 'xreg kept', rnn_info(model) ->> '$.xreg.kept' FROM mx;
SELECT 'xreg equals rnn_predict with future', count(*), sum(b.predicted = rnn_predict((SELECT model FROM mx),
         (SELECT json_group_array(json_array(v, x)) FROM (SELECT v, x FROM cx WHERE t < b.pos - b.step ORDER BY t)), b.step,
         (SELECT json_group_array(json_array(x)) FROM (SELECT x FROM cx WHERE t >= b.pos - b.step AND t < b.pos ORDER BY t))) ->> ('$[' || (b.step - 1) || ']'))
FROM rnn_backtest((SELECT model FROM mx), (SELECT json_group_array(json_array(v, x)) FROM (SELECT v, x FROM cx ORDER BY t)), 0.9, 3) b
WHERE b.pos % 23 = 0;
SELECT * FROM rnn_backtest((SELECT model FROM ma), (SELECT js FROM series), 0.9, 0);
SELECT * FROM rnn_backtest((SELECT model FROM ma), (SELECT js FROM series), 0.9, 1001);
SELECT * FROM rnn_backtest((SELECT model FROM ma), (SELECT js FROM series), 0.9, 2.5);
SELECT * FROM rnn_backtest((SELECT model FROM ma), (SELECT json_group_array(value % 7) FROM generate_series(1, 200000)), 0.9, 1000);
