-- The default forecaster (method "auto", core/components.c): candidates
-- scored on the validation windows, the median of the best two and the
-- anchor, the plausible range, per-step intervals, horizon "auto" and the
-- history a forecast reads.
.mode csv
.import data/AirPassengers.csv air
.mode list
CREATE TABLE m AS SELECT rnn_train(ts, value) AS model FROM air WHERE ts < '1960-01-01';
-- horizon "auto" is twice the period; the forecast reads more rows than the
-- network's window when a component needs them.
SELECT 'auto', json_extract(rnn_info(model), '$.period'), json_extract(rnn_info(model), '$.horizon'),
       json_extract(rnn_info(model), '$.window'), json_extract(rnn_info(model), '$.history') >= 12,
       json_extract(rnn_info(model), '$.options.method') FROM m;
-- The components are the two candidates with the lowest validation errors
-- and, when it is not one of them, the anchor (the better of naive and the
-- seasonal naive of the period): three are combined by their median.
SELECT 'chosen', json_array_length(f, '$.components'), f ->> '$.combination',
       (json_array_length(f, '$.components') = 3) = (f ->> '$.combination' = 'median')
FROM (SELECT json_extract(rnn_info(model), '$.forecast') AS f FROM m);
SELECT 'lowest',
  (SELECT group_concat(k, ' ') FROM (SELECT c.value ->> 'kind' || coalesce(c.value ->> 'period', '') AS k
     FROM json_each(json_extract(rnn_info(model), '$.forecast.candidates')) c
     ORDER BY c.value ->> 'validation_mae', c.key LIMIT 2))
  = (SELECT group_concat(k.value ->> 'kind' || coalesce(k.value ->> 'period', ''), ' ')
     FROM json_each(json_extract(rnn_info(model), '$.forecast.components')) k WHERE k.key < 2)
FROM m;
SELECT 'anchor',
  (SELECT c.value ->> 'kind' || coalesce(c.value ->> 'period', '')
     FROM json_each(json_extract(rnn_info(model), '$.forecast.candidates')) c
     WHERE c.value ->> 'kind' = 'naive'
        OR (c.value ->> 'kind' = 'seasonal_naive' AND c.value ->> 'period' = json_extract(rnn_info(model), '$.period'))
     ORDER BY c.value ->> 'validation_mae', c.key LIMIT 1)
  = json_extract(rnn_info(model), '$.forecast.components[2].kind') || coalesce(json_extract(rnn_info(model), '$.forecast.components[2].period'), '')
FROM m;
-- Every candidate, in the order ties keep: for each period, seasonal naive,
-- and over 8 cycles the profile, the profile with trend and the seasonal
-- naive with trend (format 6).
SELECT 'candidates', group_concat(c.value ->> 'kind' || coalesce(' ' || (c.value ->> 'period'), '')
                                 || coalesce('x' || (c.value ->> 'seasons'), ''), ', ')
FROM m, json_each(json_extract(rnn_info(m.model), '$.forecast.candidates')) c;
SELECT 'positive data', json_extract(rnn_info(model), '$.forecast.logarithms'), json_extract(rnn_info(model), '$.forecast.nonnegative') FROM m;
-- A window shorter than the history is an error that says how many rows.
SELECT rnn_predict(model, '[1,2,3]') FROM m;
SELECT 'history window', rnn_predict(model, (SELECT json_group_array(CAST(value AS REAL)) FROM
  (SELECT * FROM (SELECT ts, value FROM air WHERE ts < '1960-01-01' ORDER BY ts DESC
                  LIMIT (SELECT json_extract(rnn_info(model), '$.history') FROM m)) ORDER BY ts)))
  = rnn_predict(model) FROM m;
-- A positive series' bands grow with the square root of the forecast
-- (format 7): each is rnn_info's half-width at the level L (the training
-- rows' mean) times sqrt(value / L), and that never narrows with the step,
-- up to the horizon and beyond it.
SELECT 'bands', json_extract(rnn_info(model), '$.calibration.bands.shape'),
       json_extract(rnn_info(model), '$.calibration.bands.level') BETWEEN 200 AND 300 FROM m;
SELECT 'widen', min(w >= -1e-9), count(*) FROM (
  SELECT hw - lag(hw) OVER (ORDER BY step) AS w FROM (
    SELECT step, (upper - value) / sqrt(value / json_extract(rnn_info(m.model), '$.calibration.bands.level')) AS hw
    FROM m, rnn_forecast(m.model, 40))) WHERE w IS NOT NULL;
SELECT 'bands as rnn_info says', max(abs(hw / json_extract(rnn_info(m.model), '$.calibration.half_width_95[' || (step - 1) || ']') - 1)) < 1e-12, count(*) FROM (
  SELECT m.model, step, (upper - value) / sqrt(value / json_extract(rnn_info(m.model), '$.calibration.bands.level')) AS hw
  FROM m, rnn_forecast(m.model, 12)), m;
SELECT 'wider at a higher forecast', (SELECT upper - value FROM rnn_forecast(m.model, 12) ORDER BY value DESC LIMIT 1)
                                   > (SELECT upper - value FROM rnn_forecast(m.model, 12) ORDER BY value LIMIT 1) FROM m;
-- method "network": the network alone.
SELECT 'network', json_extract(rnn_info(rnn_train(ts, value, '{"method":"network","epochs":3}')), '$.forecast.components[0].kind'),
       json_array_length(json_extract(rnn_info(rnn_train(ts, value, '{"method":"network","epochs":3}')), '$.forecast.components')),
       json_extract(rnn_info(rnn_train(ts, value, '{"method":"network","epochs":3}')), '$.forecast.why') FROM air;
-- validation 0: nothing to choose on, the network alone and no intervals.
SELECT 'no validation', json_extract(rnn_info(rnn_train(ts, value, '{"validation":0,"epochs":3}')), '$.forecast.why') FROM air;
-- Counts falling towards zero: a drift would go below zero, the forecast does not.
CREATE TABLE c(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 199)
INSERT INTO c SELECT n, max(0, 200 - n * 1.2 + 5 * ((n * 7919) % 11 - 5)) FROM i;
SELECT 'nonnegative', min(value) >= 0, count(*) FROM rnn_forecast((SELECT rnn_train(t, v) FROM c), 60);
-- Hourly data, a daily cycle of amplitude 6 and Gaussian-like noise of sd
-- about 0.7 (issue 15: the earlier detector found period 2 and its 48-hour
-- MAE was 4.96 against 0.70 with window 24): period 24, MAE below 1.
-- (The noise: the sum of two pseudo-random uniforms, centred, sd 0.7.)
CREATE TABLE h(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 24 * 62 - 1)
INSERT INTO h SELECT n, 18 + 6 * sin(2 * pi() * n / 24)
  + 1.7146 * (((n * 1103515245 + 12345) % 2147483648) / 2147483648.0
                     + ((n * 69069 + 1) % 4294967296) / 4294967296.0 - 1) FROM i;
CREATE TABLE hm AS SELECT rnn_train(t, v) AS model FROM h WHERE t < 24 * 60;
SELECT 'hourly', json_extract(rnn_info(model), '$.period'),
       (SELECT avg(abs(f.value - h.v)) < 1.0 FROM rnn_forecast(hm.model, 48) f JOIN h ON h.t = f.ts) FROM hm;
-- A series that never went below zero: forecasts and lower bounds at or
-- above zero (core/predict.c rule 5), in rnn_forecast and rnn_backtest.
CREATE TABLE nn(t, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 199)
INSERT INTO nn SELECT i, CASE WHEN i % 5 = 0 THEN 40 + (i % 7) ELSE (i * 37 % 11) * 0.1 END FROM r;
CREATE TABLE nnm AS SELECT rnn_train(t, v, '{"epochs":2}') AS model FROM nn;
SELECT 'nonnegative bounds', count(*), min(lower) >= 0, sum(lower = 0) > 0, min(value) >= 0, min(2 * value - upper) < 0
FROM rnn_forecast((SELECT model FROM nnm), 20);
SELECT 'nonnegative backtest', min(lower) >= 0, sum(lower = 0) > 0
FROM rnn_backtest((SELECT model FROM nnm), (SELECT json_group_array(v) FROM (SELECT v FROM nn ORDER BY t)));
SELECT 'nonnegative plot', instr(rnn_plot_backtest((SELECT model FROM nnm), (SELECT json_group_array(v) FROM (SELECT v FROM nn ORDER BY t))), '>-') = 0,
       instr(rnn_plot((SELECT model FROM nnm)), '>-') = 0;
