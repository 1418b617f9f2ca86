-- On real series: hold out the last 12 months of AirPassengers and nottem,
-- train with the defaults, forecast 12 months with 95% intervals. The
-- forecasts must beat the seasonal-naive forecast on MASE (the same
-- in-sample scale divides both, so compare mean absolute errors) and the
-- intervals must cover between 85% and 100% of the held-out points.
-- presidents (with missing quarters) must train.
.mode csv
.import data/AirPassengers.csv air
.import data/nottem.csv nottem
.import data/presidents.csv presidents
.mode list
CREATE TABLE t AS
  SELECT 'AirPassengers' AS name, ts, CAST(value AS REAL) AS v FROM air
  UNION ALL SELECT 'nottem', ts, CAST(value AS REAL) FROM nottem;
CREATE TABLE models AS
  SELECT name, rnn_train(ts, v) AS model FROM t
  WHERE ts < (SELECT date(max(ts), '-11 months') FROM t u WHERE u.name = t.name) GROUP BY name;
CREATE TABLE f AS SELECT m.name, f.* FROM models m, rnn_forecast(m.model, 12) f;
SELECT f.name, count(*) AS points,
       avg(abs(f.value - a.v)) < avg(abs(sn.v - a.v)) AS beats_seasonal_naive
FROM f JOIN t a ON a.name = f.name AND a.ts = f.ts
       JOIN t sn ON sn.name = f.name AND sn.ts = date(f.ts, '-12 months')
GROUP BY f.name ORDER BY f.name;
SELECT 'coverage 85..100%', avg(a.v BETWEEN f.lower AND f.upper) BETWEEN 0.85 AND 1.0, count(*)
FROM f JOIN t a ON a.name = f.name AND a.ts = f.ts;
SELECT 'presidents', json_extract(rnn_info(m), '$.kind'), json_extract(rnn_info(m), '$.missing_filled'),
       json_extract(rnn_info(m), '$.step'), typeof(rnn_predict(m))
FROM (SELECT rnn_train(ts, CASE WHEN value = '' THEN NULL ELSE value END) AS m FROM presidents);
