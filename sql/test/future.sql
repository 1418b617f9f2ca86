-- Covariates whose future is known (SPEC.md 3): the covariates' same-step
-- effect (option xreg, core/xreg.c) and rnn_forecast's hidden column
-- `future` (rnn_predict's fourth argument).
.mode csv
.import data/EuStockMarkets.csv eu
.mode list
-- Real data: the DAX with the SMI, CAC and FTSE of the same day as
-- covariates. Given the other indices' next ten days, the DAX forecast
-- must be far better than without them (the covariates then repeat the
-- last day: measured 0.52, 0.54 and 0.24 times the error), and better than
-- a model without covariates, at three origins.
CREATE TABLE origins(o INTEGER);
INSERT INTO origins VALUES (1700), (1780), (1850);
CREATE TABLE m AS SELECT o,
  (SELECT rnn_train(ts, DAX, '{"horizon":10}', SMI, CAC, FTSE) FROM eu WHERE ts + 0 <= o) AS model,
  (SELECT rnn_train(ts, DAX, '{"horizon":10}') FROM eu WHERE ts + 0 <= o) AS alone,
  (SELECT json_group_array(json_array(SMI + 0, CAC + 0, FTSE + 0)) FROM
     (SELECT * FROM eu WHERE ts + 0 > o ORDER BY ts + 0 LIMIT 10)) AS fut
  FROM origins;
-- Kept, so the simple forecasters validate at least 5% better on the DAX
-- less the effect (measured: about half the error).
SELECT 'effect kept', o, json_extract(rnn_info(model), '$.xreg.kept'),
       json_array_length(rnn_info(model), '$.xreg.coefficients'),
       json_extract(rnn_info(model), '$.xreg.explained') > 0.5,
       json_extract(rnn_info(model), '$.xreg.validation_ratio') BETWEEN 0.3 AND 0.8 FROM m;
CREATE TABLE err AS
  SELECT m.o, 'future' AS how, avg(abs(f.value - e.DAX)) AS mae
    FROM m, rnn_forecast(m.model, 10, 0.95, NULL, m.fut) f JOIN eu e ON e.ts + 0 = m.o + f.step GROUP BY m.o
  UNION ALL
  SELECT m.o, 'repeat', avg(abs(f.value - e.DAX))
    FROM m, rnn_forecast(m.model, 10) f JOIN eu e ON e.ts + 0 = m.o + f.step GROUP BY m.o
  UNION ALL
  SELECT m.o, 'alone', avg(abs(f.value - e.DAX))
    FROM m, rnn_forecast(m.alone, 10) f JOIN eu e ON e.ts + 0 = m.o + f.step GROUP BY m.o;
SELECT 'future beats repeating the last row', o,
  (SELECT mae FROM err WHERE err.o = m.o AND how = 'future') <
  0.6 * (SELECT mae FROM err WHERE err.o = m.o AND how = 'repeat') FROM m;
SELECT 'future beats no covariates', o,
  (SELECT mae FROM err WHERE err.o = m.o AND how = 'future') <
  (SELECT mae FROM err WHERE err.o = m.o AND how = 'alone') FROM m;
-- rnn_predict's fourth argument gives the same forecast.
SELECT 'rnn_predict future', o, (SELECT count(*) FROM json_each(rnn_predict(m.model, NULL, 10, m.fut)) a
  JOIN rnn_forecast(m.model, 10, 0.95, NULL, m.fut) b ON b.step = a.key + 1 AND b.value = a.value) FROM m;
-- The intervals are the same widths with and without future: they assume
-- the covariates given.
SELECT 'same widths', (SELECT group_concat(round(upper - lower, 9)) FROM rnn_forecast(m.model, 10, 0.9, NULL, m.fut)) =
  (SELECT group_concat(round(upper - lower, 9)) FROM rnn_forecast(m.model, 10, 0.9)) FROM m WHERE o = 1850;
-- Nulls keep the step before's value, so all nulls are no future at all;
-- rows beyond the horizon are ignored.
SELECT 'nulls', (SELECT json_group_array(value) FROM rnn_forecast(m.model, 3, 0.95, NULL, '[[null,null,null],[null,null,null],[null,null,null]]')) =
  (SELECT json_group_array(value) FROM rnn_forecast(m.model, 3)) FROM m WHERE o = 1850;
SELECT 'longer', (SELECT count(*) FROM json_each(rnn_predict(m.model, NULL, 3, m.fut)) a
  JOIN rnn_forecast(m.model, 10, 0.95, NULL, m.fut) b ON b.step = a.key + 1 AND b.value = a.value) FROM m WHERE o = 1850;
-- A window with future: the window's rows, then the future's.
SELECT 'window', rnn_predict(model, (SELECT json_group_array(json_array(DAX + 0, SMI + 0, CAC + 0, FTSE + 0)) FROM (SELECT * FROM eu WHERE ts + 0 <= 1850 ORDER BY ts + 0 DESC LIMIT 40)), 10, fut)
  <> rnn_predict(model, NULL, 10, fut) FROM m WHERE o = 1850;

-- A promotion known ahead, on days without a pattern: 10 units a day, 6
-- more on promotion days.
CREATE TABLE s(t INTEGER, y REAL, promo INTEGER);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 399)
INSERT INTO s SELECT i, round(10 + 6 * p + 0.3 * sin(i * 1.7), 6), p FROM
  (SELECT i, CAST(abs(sin(i * 12.9898)) * 1000 AS INTEGER) % 5 = 0 AS p FROM r);
CREATE TABLE p AS SELECT rnn_train(t, y, '{"horizon":10,"epochs":20}', promo) AS model FROM s WHERE t < 380;
SELECT 'promo effect', round(json_extract(rnn_info(model), '$.xreg.coefficients[0]'), 1) FROM p;
-- Less the promotions the days are a smooth wave: the simple forecasters'
-- error falls to a tenth (measured 0.09).
SELECT 'promo validation ratio', json_extract(rnn_info(model), '$.xreg.validation_ratio') < 0.2 FROM p;
SELECT 'promo future', (SELECT avg(abs(f.value - s.y)) FROM rnn_forecast(p.model, 10, 0.95, NULL,
    (SELECT json_group_array(promo) FROM (SELECT promo FROM s WHERE t >= 380 ORDER BY t))) f
    JOIN s ON s.t = 379 + f.step) < 0.5 FROM p;
-- Off: no effect, and future changes nothing.
CREATE TABLE q AS SELECT rnn_train(t, y, '{"horizon":10,"epochs":20,"xreg":false}', promo) AS model FROM s WHERE t < 380;
SELECT 'xreg false', json_extract(rnn_info(model), '$.xreg'), json_extract(rnn_info(model), '$.options.xreg'),
  rnn_predict(model, NULL, 5, '[1,1,1,1,1]') = rnn_predict(model, NULL, 5) FROM q;
-- A covariate unrelated to the value is not kept ("auto").
CREATE TABLE u AS SELECT rnn_train(t, y, '{"horizon":10,"epochs":5}', (t * 104729) % 13) AS model FROM s WHERE t < 380;
-- The share decided, so the simple forecasters were not compared: no ratio.
SELECT 'unrelated', json_extract(rnn_info(model), '$.xreg.kept'), json_extract(rnn_info(model), '$.xreg.explained') < 0.05,
  json_type(rnn_info(model), '$.xreg.validation_ratio') FROM u;
-- The window function rnn_anomaly knows the scored row's covariates (and
-- those of the rows before it, whose errors set the scale), as
-- the table form does: the same scores (the values have 6 decimals, which
-- json_group_array's 15 digits keep).
SELECT 'anomaly forms agree', count(*), sum(w.score = t.score) FROM
  (SELECT t, rnn_anomaly((SELECT model FROM p), y, promo) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS score FROM s) w
  JOIN rnn_anomaly((SELECT model FROM p), (SELECT json_group_array(json_array(y, promo)) FROM (SELECT * FROM s ORDER BY t))) t
  ON t.pos = w.t + 1 WHERE w.score IS NOT NULL;
-- A fine-tune's new calibration errors are the effect's too: its
-- intervals stay as narrow (not widened by the promotions it forecast
-- without knowing them).
SELECT 'fine-tuned intervals', json_extract(rnn_info(rnn_finetune(p.model, s.t, s.y, '{"epochs":2}', s.promo)), '$.calibration.half_width_95[0]')
  < 2 * json_extract(rnn_info(p.model), '$.calibration.half_width_95[0]') FROM p, s;
-- Missing covariates in a window are filled before the effect is taken
-- out: the same forecast as the window filled by hand.
SELECT 'window nulls', rnn_predict(model, (SELECT json_group_array(json_array(y, CASE WHEN t = 379 THEN promo END)) FROM (SELECT * FROM s WHERE t < 380 ORDER BY t)), 3)
  = rnn_predict(model, (SELECT json_group_array(json_array(y, (SELECT promo FROM s WHERE t = 379))) FROM (SELECT * FROM s WHERE t < 380 ORDER BY t)), 3) FROM p;
-- Exactly periodic data with a covariate (the forecasters validate
-- without error) trains.
SELECT 'periodic', length(rnn_train(value, value % 7, '{"epochs":2}', value % 7 + 0.01 * sin(value * value))) > 0 FROM generate_series(0, 299);
-- The same rows and options give the same BLOB.
SELECT 'deterministic', (SELECT rnn_train(t, y, '{"horizon":10,"epochs":20}', promo) FROM s WHERE t < 380) = model FROM p;

-- Errors.
SELECT rnn_forecast.value FROM m, rnn_forecast(m.model, 10, 0.95, NULL, '[[1,2,3]]') WHERE o = 1850;
SELECT rnn_predict(model, NULL, 2, '[[1,2],[1,2]]') FROM m WHERE o = 1850;
SELECT rnn_predict(model, NULL, 2, '[[1,2,"a"],[1,2,3]]') FROM m WHERE o = 1850;
SELECT rnn_predict(model, NULL, 2, '{"a":1}') FROM m WHERE o = 1850;
SELECT rnn_predict(model, NULL, 2, 'nope') FROM m WHERE o = 1850;
SELECT rnn_predict(model, NULL, 2, 7) FROM m WHERE o = 1850;
SELECT rnn_predict(alone, NULL, 2, '[1,2]') FROM m WHERE o = 1850;
SELECT rnn_predict(model, NULL, 3, '[-1e308,null,0]') FROM p;
SELECT rnn_train(t, y, '{"xreg":"yes"}', promo) FROM s;
SELECT rnn_train(t, y, '{"xreg":1}', promo) FROM s;
