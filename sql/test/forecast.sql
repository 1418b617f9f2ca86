-- rnn_forecast: columns, defaults, level, the window column, lateral joins.
CREATE TABLE s(id, t, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 119)
INSERT INTO s SELECT 'a', i, 10 + 3 * sin(2 * pi() * i / 12) + 0.05 * i FROM r
  UNION ALL SELECT 'b', i, 50 + 5 * cos(2 * pi() * i / 6) FROM r;
CREATE TABLE models AS
  SELECT id, rnn_train(t, v, '{"method":"network","cell":"gru","hidden":8,"epochs":30,"horizon":3,"seed":2}') AS model
  FROM s GROUP BY id;
-- The columns and their types; horizon defaults to the model's (3).
SELECT step, typeof(ts), typeof(value), typeof(lower), typeof(upper) FROM rnn_forecast((SELECT model FROM models WHERE id = 'a'));
-- A lateral join over a table of models.
SELECT m.id, count(*), min(f.ts), max(f.ts) FROM models m, rnn_forecast(m.model, 12) f GROUP BY m.id;
-- Values are rnn_predict's; intervals contain them, widen with the step
-- and with the level.
SELECT m.id,
  (SELECT min(f.value = json_extract(rnn_predict(m.model, NULL, 12), '$[' || (f.step - 1) || ']'))
   FROM rnn_forecast(m.model, 12) f),
  (SELECT min(value > lower AND value < upper) FROM rnn_forecast(m.model, 12)),
  (SELECT min(w) FROM (SELECT upper - lower - lag(upper - lower) OVER (ORDER BY step) AS w FROM rnn_forecast(m.model, 12)) WHERE w IS NOT NULL) >= -1e-9,
  (SELECT upper - lower FROM rnn_forecast(m.model, 1, 0.99)) > (SELECT upper - lower FROM rnn_forecast(m.model, 1, 0.8)),
  (SELECT upper - lower FROM rnn_forecast(m.model, 1, 0.8)) > (SELECT upper - lower FROM rnn_forecast(m.model, 1, 0.5))
FROM models m ORDER BY m.id;
-- Named arguments through the hidden columns, and the window column:
-- a forecast from other recent data has no ts.
SELECT count(*), count(ts), count(value) FROM rnn_forecast
  WHERE model = (SELECT model FROM models WHERE id = 'b') AND horizon = 2
    AND "window" = '[50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50]';
SELECT (SELECT value FROM rnn_forecast((SELECT model FROM models WHERE id = 'b'), 1, 0.95, '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]'))
     = rnn_predict((SELECT model FROM models WHERE id = 'b'), '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]');
-- A NULL model gives no rows; NULL horizon and level mean the defaults.
SELECT count(*) FROM rnn_forecast(NULL);
SELECT count(*), count(lower) FROM rnn_forecast((SELECT model FROM models WHERE id = 'a'), NULL, NULL);
-- rnn_predict's NULL h is the model's horizon too (it was an error).
SELECT 'predict null h', json_array_length(p),
       (SELECT count(*) FROM rnn_forecast(q.model) AS f WHERE f.value = p ->> ('$[' || (f.step - 1) || ']'))
FROM (SELECT model, rnn_predict(model, NULL, NULL) AS p FROM models WHERE id = 'a') AS q;
-- Without validation windows there is no calibration: no intervals.
SELECT count(*), count(lower), count(upper), json_extract(rnn_info(m), '$.calibration'), json_extract(rnn_info(m), '$.validation')
FROM (SELECT rnn_train(t, v, '{"method":"network","horizon":1,"cell":"rnn","hidden":4,"epochs":3,"validation":0}') AS m FROM s WHERE id = 'a'), rnn_forecast(m, 4);
-- The hidden columns hold the arguments (ext/vtab.c rule 3): repeating an
-- argument in WHERE keeps the rows, another value drops them.
SELECT 'hidden', f.horizon, f.level, typeof(f.model), f."window" IS NULL
FROM rnn_forecast((SELECT model FROM models WHERE id = 'a'), 3, 0.8) f WHERE f.step = 1;
SELECT 'same horizon', count(*) FROM models m, rnn_forecast(m.model, 3) f WHERE m.id = 'a' AND f.horizon = 3;
SELECT 'other horizon', count(*) FROM models m, rnn_forecast(m.model, 3) f WHERE m.id = 'a' AND f.horizon = 4;
