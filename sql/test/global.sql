-- rnn_train_global (SPEC.md 4b): one network across many series, each with
-- its own normalisation, components, calibration and tail.
.mode csv
.import data/AirPassengers.csv air
.import data/nottem.csv nottem
.import data/UKgas.csv ukgas
.mode list
-- Real series: AirPassengers and nottem (monthly) trained together without
-- their last year; each must beat its seasonal naive forecast, and the
-- intervals cover as promised. UKgas (quarterly, 108 rows) joins them.
CREATE TABLE t AS
  SELECT 'AirPassengers' AS name, ts, CAST(value AS REAL) AS v FROM air
  UNION ALL SELECT 'nottem', ts, CAST(value AS REAL) FROM nottem
  UNION ALL SELECT 'UKgas', ts, CAST(value AS REAL) FROM ukgas;
CREATE TABLE g AS SELECT rnn_train_global(name, ts, v) AS model FROM t
  WHERE ts < (SELECT date(max(ts), '-11 months') FROM t u WHERE u.name = t.name);
SELECT 'info', json_extract(rnn_info(model), '$.kind'), json_extract(rnn_info(model), '$.series'),
  json_extract(rnn_info(model), '$.keys'), json_extract(rnn_info(model), '$.network.window') FROM g;
CREATE TABLE f AS SELECT f.series AS name, f.step, f.ts, f.value, f.lower, f.upper FROM g, rnn_forecast(g.model, 12) f;
SELECT f.name, count(*), avg(abs(f.value - a.v)) < avg(abs(sn.v - a.v)) AS beats_seasonal_naive
FROM f JOIN t a ON a.name = f.name AND a.ts = f.ts
       JOIN t sn ON sn.name = f.name AND sn.ts = date(f.ts, '-12 months')
WHERE f.name <> 'UKgas' GROUP BY f.name ORDER BY f.name;
SELECT 'coverage 85..100%', avg(a.v BETWEEN f.lower AND f.upper) BETWEEN 0.85 AND 1.0, count(*)
FROM f JOIN t a ON a.name = f.name AND a.ts = f.ts WHERE f.name <> 'UKgas';
-- Each series forecasts from its own end, in its own units and ts.
SELECT 'own ts', name, min(ts), max(ts) FROM f GROUP BY name ORDER BY name;
-- One series by key: the same rows; rnn_predict's fifth argument too.
SELECT 'by key', (SELECT count(*) FROM g, rnn_forecast(g.model, 12, 0.95, NULL, NULL, 'nottem') x
  JOIN f ON f.name = 'nottem' AND f.step = x.step AND f.value = x.value AND f.lower = x.lower);
SELECT 'where', (SELECT count(*) FROM g, rnn_forecast(g.model, 12) x WHERE x.series = 'UKgas');
SELECT 'rnn_predict', (SELECT count(*) FROM g, json_each(rnn_predict(g.model, NULL, 12, NULL, 'AirPassengers')) a
  JOIN f ON f.name = 'AirPassengers' AND f.step = a.key + 1 AND f.value = a.value);
SELECT 'series info', json_extract(rnn_info(model, 'UKgas'), '$.step'), json_extract(rnn_info(model, 'UKgas'), '$.period') FROM g;
SELECT 'deterministic', (SELECT rnn_train_global(name, ts, v) FROM t
  WHERE ts < (SELECT date(max(ts), '-11 months') FROM t u WHERE u.name = t.name)) = model FROM g;

-- Keys of every type (an integral REAL is that INTEGER), short series that
-- do not abort it, the series column's values.
CREATE TABLE k(key, ts INTEGER, v REAL);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 99)
INSERT INTO k SELECT key, i, 10 * n + n * sin(i * 2 * pi() / 8) FROM r,
  (SELECT 1 AS n, 7 AS key UNION ALL SELECT 2, 2.5 UNION ALL SELECT 3, 'seven' UNION ALL SELECT 4, x'beef');
INSERT INTO k SELECT 7.0, 100 + value, 10 FROM generate_series(0, 3);
INSERT INTO k SELECT 'short', value, value FROM generate_series(1, 5);
CREATE TABLE kg AS SELECT rnn_train_global(key, ts, v, '{"epochs":5}') AS model FROM k;
SELECT 'keys', json_extract(rnn_info(model), '$.series'), json_extract(rnn_info(model), '$.seasonal_naive'),
  json_extract(rnn_info(model), '$.keys') FROM kg;
SELECT 'typed', typeof(series), count(*), max(step) FROM kg, rnn_forecast(kg.model, 3) GROUP BY typeof(series) ORDER BY 2;
SELECT 'rows of 7 and 7.0', json_extract(rnn_info(model, 7.0), '$.rows'), json_extract(rnn_info(model, 'short'), '$.kind') FROM kg;
SELECT 'blob key', count(*) FROM kg, rnn_forecast(kg.model, 2, 0.9, NULL, NULL, x'beef');
SELECT 'series_model by any key', json_extract(rnn_info(rnn_series_model(model, 'short')), '$.kind'),
  rnn_info(rnn_series_model(model, 7.0)) = rnn_info(model, 7),
  rnn_info(rnn_series_model(model, x'beef')) = rnn_info(model, x'beef') FROM kg;

-- One series' model as a BLOB of its own (rnn_series_model): it forecasts
-- exactly as the global model does for that series, and every function of
-- a forecasting model reads it.
CREATE TABLE one AS SELECT rnn_series_model(model, 'nottem') AS model FROM g;
SELECT 'own blob', rnn_info(one.model) = rnn_info(g.model, 'nottem'),
  json_extract(rnn_info(one.model), '$.kind') FROM one, g;
SELECT 'same forecast', count(*) FROM one, rnn_forecast(one.model, 12) x
  JOIN f ON f.name = 'nottem' AND f.step = x.step AND f.value = x.value AND f.lower = x.lower AND f.upper = x.upper;
-- rnn_backtest of it predicts each row as the global model does from the
-- rows before (rnn_predict with a window and the series).
CREATE TABLE nt AS SELECT row_number() OVER (ORDER BY ts) AS pos, v FROM t WHERE name = 'nottem';
SELECT 'backtest = global window', count(*), sum(b.predicted = json_extract(rnn_predict(g.model,
    (SELECT json_group_array(v) FROM (SELECT v FROM nt WHERE nt.pos < b.pos ORDER BY pos)), 1, NULL, 'nottem'), '$[0]'))
FROM one, g, rnn_backtest(one.model, (SELECT json_group_array(v) FROM (SELECT v FROM nt ORDER BY pos))) b
WHERE b.pos % 8 = 0;
SELECT 'next and anomaly', count(nx), count(an), min(an) >= 0 AND max(an) <= 1 FROM (
  SELECT rnn_next(one.model, v) OVER (ORDER BY pos ROWS BETWEEN 400 PRECEDING AND 1 PRECEDING) AS nx,
         rnn_anomaly(one.model, v) OVER (ORDER BY pos ROWS BETWEEN 400 PRECEDING AND CURRENT ROW) AS an
  FROM one, nt);
-- Fine-tuned on the year the global model did not see: its rows and ts move on.
CREATE TABLE ft AS SELECT rnn_finetune(one.model, t.ts, t.v) AS model FROM one, t
  WHERE t.name = 'nottem' AND t.ts > json_extract(rnn_info(one.model), '$.last_ts');
SELECT 'finetuned', json_extract(rnn_info(ft.model), '$.rows') - json_extract(rnn_info(one.model), '$.rows'),
  json_extract(rnn_info(ft.model), '$.last_ts'), (SELECT max(ts) FROM t WHERE name = 'nottem') FROM ft, one;
SELECT 'series_model NULL', rnn_series_model(model, NULL) IS NULL, rnn_series_model(NULL, 'nottem') IS NULL FROM g;

-- Errors.
SELECT rnn_train_global(NULL, ts, v) FROM k;
SELECT rnn_train_global(key, ts, v, '{"calendar":true}') FROM k;
SELECT * FROM kg, rnn_forecast(kg.model, 3, 0.9, NULL, NULL, 'nope');
SELECT * FROM kg, rnn_forecast(kg.model, 3, 0.9, '[1,2,3]');
SELECT * FROM g, rnn_forecast((SELECT rnn_train(ts, v) FROM t WHERE name = 'UKgas'), 3, 0.9, NULL, NULL, 'UKgas');
SELECT rnn_predict(model) FROM kg;
SELECT rnn_predict(model, NULL, 2, NULL, 8) FROM kg;
SELECT rnn_predict((SELECT rnn_train(ts, v) FROM t WHERE name = 'UKgas'), NULL, 2, NULL, 'UKgas');
SELECT rnn_predict((SELECT rnn_train(ts, v) FROM t WHERE name = 'UKgas'), NULL, 2, NULL, NULL);
SELECT rnn_train_global(name, ts, v, '{"xreg":true}', v) FROM t;
SELECT rnn_info(model, NULL) FROM kg;
SELECT rnn_next(model, 1) OVER () FROM kg;
SELECT rnn_series_model(model, 'nope') FROM g;
SELECT rnn_series_model(model, 'nottem') FROM one;
SELECT rnn_series_model(x'00', 'nottem');
SELECT rnn_series_model('abc', 7);
SELECT rnn_series_model(7, 7);
-- The sequence models' functions name the kind, without rnn_series_model
-- (it gives forecasting models only).
SELECT rnn_generate(model, 'ab', 3) FROM kg;
SELECT rnn_classify(model, 'ab') FROM kg;
SELECT rnn_next_tokens(model, 'ab', 3) FROM kg;
SELECT rnn_series_model(model) FROM g;
SELECT rnn_train_global(key, ts) FROM k;
SELECT rnn_train_global(NULL, NULL, NULL) IS NULL FROM k WHERE 0;
-- A new series from a window of its rows: the shared network alone, in the
-- window's units, without intervals (global.c rule 4).
SELECT 'new series', count(*), count(lower), min(value) > 30, max(value) < 70, count(series) FROM kg,
  rnn_forecast(kg.model, 4, 0.9, (SELECT json_group_array(50 + 5 * sin(value * 2 * pi() / 8)) FROM generate_series(0, 15)), NULL, 'new');
SELECT 'new series, rnn_predict', json_array_length(rnn_predict(model, (SELECT json_group_array(50 + 5 * sin(value * 2 * pi() / 8)) FROM generate_series(0, 15)), 4, NULL, NULL)) FROM kg;
SELECT 'known series from a window', (SELECT value FROM rnn_forecast(kg.model, 1, 0.9, (SELECT json_group_array(10 + sin(value * 2 * pi() / 8)) FROM generate_series(0, 99)), NULL, 7))
  <> (SELECT value FROM rnn_forecast(kg.model, 1, 0.9, NULL, NULL, 7)) FROM kg;
-- series = NULL matches no series.
SELECT 'series = NULL', count(*) FROM kg, rnn_forecast(kg.model, 2) f WHERE f.series = NULL;
-- Keys at the edge of the INTEGER range: 9.2e18 is 9200000000000000000,
-- and 9200000000000000001 another series, as SQLite's GROUP BY has them.
CREATE TABLE big(key, ts, v);
INSERT INTO big SELECT key, value, value % 5 + 1 FROM generate_series(1, 40),
  (SELECT 9200000000000000000 AS key UNION ALL SELECT 9200000000000000001 UNION ALL SELECT 9.2e18);
SELECT 'big keys', (SELECT count(DISTINCT key) FROM big), json_extract(rnn_info(rnn_train_global(key, ts, v, '{"epochs":1,"duplicates":"mean"}')), '$.series') FROM big;
-- A new series under normalize "minmax" is normalised that way.
SELECT 'new series, minmax', min(value) > 30 AND max(value) < 70 FROM
  (SELECT rnn_train_global(key, ts, v, '{"epochs":5,"normalize":"minmax"}') AS model FROM k) m,
  rnn_forecast(m.model, 4, 0.9, (SELECT json_group_array(50 + 5 * sin(value * 2 * pi() / 8)) FROM generate_series(0, 15)), NULL, 'new');
-- A series with no known value: left out under short "null", else an
-- error that names it; so do the errors of one series' rows.
CREATE TABLE nul AS SELECT * FROM k UNION ALL SELECT 'empty', value, NULL FROM generate_series(1, 30);
SELECT 'no values, null', json_extract(rnn_info(rnn_train_global(key, ts, v, '{"epochs":1,"short":"null"}')), '$.series') FROM nul;
SELECT rnn_train_global(key, ts, v, '{"epochs":1}') FROM nul;
SELECT rnn_train_global(key, ts, v) FROM (SELECT * FROM k UNION ALL SELECT 'seven', 5, 1);
-- Gaps are limited over all series together, not only in each.
SELECT rnn_train_global(value, ts, 1.0) FROM generate_series(1, 50), (SELECT 0 AS ts UNION ALL SELECT 1 UNION ALL SELECT 1000);
