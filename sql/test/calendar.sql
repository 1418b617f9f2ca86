-- Option calendar (core/calendar.c): hour-of-day, day-of-week and
-- time-of-year columns from date ts, computed for the forecast steps too.
-- A daily series whose level wanders (a random walk) and whose weekends
-- are 30 higher: the calendar columns carry the weekend, so the values
-- less their effect are the walk, and the forecast puts the weekends back.
CREATE TABLE d(ts TEXT, v REAL);
WITH RECURSIVE r(i, lvl) AS (SELECT 0, 100.0 UNION ALL
  SELECT i + 1, lvl + 4 * (abs(sin(i * 12.9898)) * 1000 - CAST(abs(sin(i * 12.9898)) * 1000 AS INTEGER) - 0.5) FROM r WHERE i < 419)
INSERT INTO d SELECT date('2021-01-04', '+' || i || ' days'), lvl + 30 * (strftime('%w', date('2021-01-04', '+' || i || ' days')) IN ('0', '6')) FROM r;
CREATE TABLE m AS SELECT
  (SELECT rnn_train(ts, v, '{"calendar":true,"horizon":14,"epochs":20}') FROM d WHERE ts < '2022-02-14') AS cal,
  (SELECT rnn_train(ts, v, '{"calendar":true,"xreg":true,"horizon":14,"epochs":20}') FROM d WHERE ts < '2022-02-14') AS calx;
SELECT 'columns', json_extract(rnn_info(cal), '$.calendar_columns'), json_extract(rnn_info(cal), '$.covariates'),
  json_extract(rnn_info(cal), '$.inputs'), json_extract(rnn_info(cal), '$.options.calendar') FROM m;
-- The effect of the weekday columns (Fourier terms of the weekday, Monday
-- 0) is the weekend: Saturday about 30 above Friday, Sunday as Saturday,
-- Monday 30 below Sunday. (Kept because xreg is true: on this series the
-- simple forecasters validate no better on the walk than on the values.)
CREATE TABLE eff AS SELECT dow, (SELECT sum(json_extract(rnn_info(calx), '$.xreg.coefficients[' || (2 * (h - 1)) || ']') * cos(2 * pi() * h * dow / 7.0)
  + json_extract(rnn_info(calx), '$.xreg.coefficients[' || (2 * h - 1) || ']') * sin(2 * pi() * h * dow / 7.0)) FROM (SELECT value AS h FROM generate_series(1, 3))) AS e
  FROM m, (SELECT value AS dow FROM generate_series(0, 6));
SELECT 'weekend effect', (SELECT round(e) FROM eff WHERE dow = 5) - (SELECT round(e) FROM eff WHERE dow = 4) BETWEEN 28 AND 32,
  abs((SELECT e FROM eff WHERE dow = 6) - (SELECT e FROM eff WHERE dow = 5)) < 2,
  (SELECT e FROM eff WHERE dow = 0) - (SELECT e FROM eff WHERE dow = 6) BETWEEN -32 AND -28,
  (SELECT max(e) - min(e) FROM eff WHERE dow < 5) < 4;
-- The forecast puts the weekends where the calendar has them.
SELECT 'weekend forecast', (SELECT value FROM rnn_forecast(m.calx, 14) WHERE ts = '2022-02-19') -
  (SELECT value FROM rnn_forecast(m.calx, 14) WHERE ts = '2022-02-18') BETWEEN 25 AND 35 FROM m;
-- rnn_predict and rnn_plot compute the steps' columns too.
SELECT 'predict', (SELECT count(*) FROM json_each(rnn_predict(m.cal, NULL, 14)) a JOIN rnn_forecast(m.cal, 14) b
  ON b.step = a.key + 1 AND b.value = a.value), length(rnn_plot(cal)) > 1000 FROM m;
-- A fine-tune computes the new rows' columns; same data, same BLOB.
SELECT 'finetune', json_extract(rnn_info(rnn_finetune(m.cal, d.ts, d.v, '{"epochs":3}')), '$.last_ts') FROM m, d;
SELECT 'deterministic', (SELECT rnn_train(ts, v, '{"calendar":true,"horizon":14,"epochs":20}') FROM d WHERE ts < '2022-02-14') = cal FROM m;
-- Which columns each step has: hours 4 + weekdays 6, days 6 + year 4,
-- weeks and months 4 (the year), and with a covariate of the caller's.
SELECT 'hourly', json_extract(rnn_info(rnn_train(datetime('2024-01-01', '+' || value || ' hours'), value % 24, '{"calendar":true,"epochs":1}')), '$.calendar_columns') FROM generate_series(0, 99);
SELECT 'weekly', json_extract(rnn_info(rnn_train(date('2020-01-06', '+' || (7 * value) || ' days'), value % 5, '{"calendar":true,"epochs":1}')), '$.calendar_columns') FROM generate_series(0, 99);
SELECT 'monthly', json_extract(rnn_info(rnn_train(date('2000-01-01', '+' || value || ' months'), value % 12, '{"calendar":true,"epochs":1}')), '$.calendar_columns') FROM generate_series(0, 99);
CREATE TABLE c AS SELECT rnn_train(ts, v, '{"calendar":true,"horizon":7,"epochs":2}', v > 110) AS model FROM d WHERE ts < '2021-06-01';
SELECT 'covariate', json_extract(rnn_info(model), '$.covariates'), json_extract(rnn_info(model), '$.calendar_columns'),
  (SELECT count(*) FROM rnn_forecast(c.model, 7, 0.9, NULL, '[1,1,1,0,0,0,null]')) FROM c;
-- Columns that cannot move (the sines of a 12-hour step) are exactly 0, so
-- their coefficients are 0, not the noise of 1e-16 scaled up.
SELECT '12 hours', max(abs(j.value)) < 1000 FROM (SELECT rnn_train(datetime('2024-01-01', '+' || (12 * value) || ' hours'),
  value % 14 + sin(value), '{"calendar":true,"xreg":true,"epochs":1}') AS model FROM generate_series(0, 199)) t,
  json_each(rnn_info(t.model), '$.xreg.coefficients') j;
-- An exactly periodic series with calendar columns trains.
SELECT 'periodic', length(rnn_train(date('2021-01-04', '+' || value || ' days'), 100 + value % 7, '{"calendar":true,"epochs":2}')) > 0 FROM generate_series(0, 200);
-- Errors: no dates or no regular step; functions without ts; changing it.
SELECT rnn_train(value, value % 7, '{"calendar":true}') FROM generate_series(1, 50);
SELECT rnn_train(date('2000-01-01', '+' || value || ' years'), value % 7, '{"calendar":true}') FROM generate_series(1, 50);
SELECT rnn_predict(cal, '[1,2,3]') FROM m;
SELECT * FROM m, rnn_forecast(m.cal, 3, 0.9, '[1,2,3]');
SELECT * FROM m, rnn_backtest(m.cal, '[1,2,3]');
SELECT count(*) FROM (SELECT rnn_next((SELECT cal FROM m), v) OVER (ORDER BY ts ROWS BETWEEN 30 PRECEDING AND 1 PRECEDING) FROM d);
SELECT rnn_anomaly((SELECT cal FROM m), v) OVER (ORDER BY ts ROWS BETWEEN 30 PRECEDING AND CURRENT ROW) FROM d LIMIT 1;
SELECT rnn_finetune(m.cal, d.ts, d.v, '{"calendar":false}') FROM m, d;
SELECT rnn_predict(cal, NULL, 2, '[1,2]') FROM m;
SELECT rnn_finetune(c.model, d.ts, d.v) FROM c, d;
-- A seasonal-naive model keeps its inputs too.
SELECT rnn_finetune(sn.model, d.ts, d.v, '{"calendar":false}') FROM (SELECT rnn_train(ts, v, '{"calendar":true}') AS model FROM (SELECT * FROM d LIMIT 5)) sn, d;
