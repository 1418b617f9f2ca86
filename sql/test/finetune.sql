-- rnn_finetune: the rows after a model's end continue it (warm start, same
-- network); its tail, rows, last ts and calibration include them.
.mode csv
.import data/AirPassengers.csv air
.mode list
CREATE TABLE m AS SELECT rnn_train(ts, value) AS model FROM air WHERE ts < '1959-01-01';
-- The whole table can be passed: rows already in the model are skipped.
CREATE TABLE f AS SELECT rnn_finetune(model, ts, value) AS model FROM m, air WHERE ts < '1960-01-01';
SELECT 'rows', json_extract(rnn_info(m.model), '$.rows'), json_extract(rnn_info(f.model), '$.rows'),
       json_extract(rnn_info(f.model), '$.first_ts'), json_extract(rnn_info(f.model), '$.last_ts')
FROM m, f;
-- The same network; more calibration errors.
SELECT 'same network', json_extract(rnn_info(m.model), '$.params') = json_extract(rnn_info(f.model), '$.params'),
       json_extract(rnn_info(f.model), '$.calibration.errors') > json_extract(rnn_info(m.model), '$.calibration.errors')
FROM m, f;
-- The model kept every row it saw: the fine-tune chooses the components
-- afresh, as rnn_train of the same rows would with the fine-tuned network:
-- the simple candidates score what they score there, and the bands are
-- calibrated there (the same shape and level L).
CREATE TABLE w AS SELECT rnn_train(ts, value) AS model FROM air WHERE ts < '1960-01-01';
SELECT 'chosen afresh',
       (SELECT json_group_array(json(value)) FROM json_each(rnn_info(f.model), '$.forecast.candidates') WHERE value ->> 'kind' <> 'network') =
       (SELECT json_group_array(json(value)) FROM json_each(rnn_info(w.model), '$.forecast.candidates') WHERE value ->> 'kind' <> 'network'),
       json_extract(rnn_info(f.model), '$.calibration.bands.shape'),
       json_extract(rnn_info(w.model), '$.calibration.bands') = json_extract(rnn_info(f.model), '$.calibration.bands'),
       json_extract(rnn_info(m.model), '$.calibration.bands') = json_extract(rnn_info(f.model), '$.calibration.bands')
FROM m, f, w;
-- Forecasts continue from the new end, and its tail is the new rows.
SELECT 'forecast', min(ts), max(ts), count(*) FROM f, rnn_forecast(f.model, 12);
SELECT 'tail', rnn_predict(f.model) = rnn_predict(f.model,
         (SELECT json_group_array(CAST(value AS REAL)) FROM (SELECT value FROM air WHERE ts < '1960-01-01' ORDER BY ts)))
FROM f;
-- The year after: better than the seasonal-naive forecast (make eval
-- compares fine-tuning with retraining over every dev series).
SELECT 'held out', avg(abs(ff.value - a.value)) < avg(abs(sn.value - a.value))
FROM f, rnn_forecast(f.model, 12) ff JOIN air a ON a.ts = ff.ts
     JOIN air sn ON sn.ts = date(ff.ts, '-12 months');
-- Deterministic: the same rows, options and seed give the same BLOB.
SELECT 'deterministic', (SELECT rnn_finetune(model, ts, value) FROM m, air WHERE ts < '1960-01-01') = f.model FROM f;
-- Nothing after the model's end: the model itself. No rows: NULL.
SELECT 'unchanged', rnn_finetune(model, ts, value) = model FROM m, air WHERE ts < '1958-06-01';
SELECT 'no rows', rnn_finetune(model, ts, value) IS NULL FROM m, air WHERE ts > '2000-01-01';
-- Two new rows, fewer than a window and a horizon: the windows that end in
-- them and in the tail (their inputs in the past rows the model keeps)
-- train the network, so its losses and forecast change (0 and 0).
CREATE TABLE n AS SELECT rnn_train(ts, value, '{"method":"network","epochs":5}') AS model FROM air WHERE ts < '1959-01-01';
CREATE TABLE g AS SELECT rnn_finetune(model, ts, value) AS model FROM n, air WHERE ts < '1959-03-01';
SELECT 'two rows train', json_extract(rnn_info(n.model), '$.history'), json_extract(rnn_info(n.model), '$.horizon'),
       json_extract(rnn_info(g.model), '$.last_ts'), json_extract(rnn_info(g.model), '$.rows'),
       json_extract(rnn_info(g.model), '$.train_loss') = json_extract(rnn_info(n.model), '$.train_loss'),
       rnn_predict(g.model) = rnn_predict(n.model, (SELECT json_group_array(CAST(value AS REAL)) FROM (SELECT value FROM air WHERE ts < '1959-03-01' ORDER BY ts)))
FROM n, g;
-- The anomaly errors move on: the one-step errors of the rows the model
-- kept (past and tail: 108 it could forecast) and of the two new ones.
SELECT 'anomaly errors', json_extract(rnn_info(n.model), '$.anomaly.errors'), json_extract(rnn_info(g.model), '$.anomaly.errors')
FROM n, g;
-- A model keeps its last rows for a fine-tune, which finds the second
-- period again on them and the new rows: 20 days of hourly data with a
-- weekly cycle show a period of 48 hours, 27 days show the week, and the
-- fine-tuned model forecasts the next week with it (against the model
-- trained on 20 days forecasting from the same rows).
CREATE TABLE hr AS
  WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < 1300)
  SELECT i AS ts, 100 + 40 * sin(2 * 3.141592653589793 * i / 24)
                 + 20 * sin(2 * 3.141592653589793 * (i / 24) / 7)
                 + ((i * 7919) % 101) / 10.0 AS v FROM t;
CREATE TABLE hb AS SELECT rnn_train(ts, v, '{"epochs":5}') AS model FROM hr WHERE ts < 480;
CREATE TABLE hf AS SELECT rnn_finetune(model, ts, v, '{"epochs":2}') AS model FROM hb, hr WHERE ts < 648;
SELECT 'second period', json_extract(rnn_info(hb.model), '$.forecast.period2'),
       json_extract(rnn_info(hf.model), '$.forecast.period2'),
       (SELECT count(*) FROM json_each(rnn_info(hf.model), '$.forecast.components') WHERE value ->> 'period' = 168) > 0,
       (SELECT avg(abs(f.value - hr.v)) FROM rnn_forecast(hf.model, 168) f JOIN hr ON hr.ts = f.ts) * 2 <
       (SELECT avg(abs(p.value - hr.v)) FROM json_each(rnn_predict(hb.model,
          (SELECT json_group_array(v) FROM (SELECT v FROM hr WHERE ts < 648 ORDER BY ts)), 168)) p
        JOIN hr ON hr.ts = 648 + p.key)
FROM hb, hf;
-- So does a model whose tail is every row it saw (108 rows, a profile of
-- 8 cycles of 12), which keeps no past rows beside it.
CREATE TABLE m108 AS SELECT rnn_train(ts, value) AS model FROM air WHERE ts < '1958-01-01';
CREATE TABLE f108 AS SELECT rnn_finetune(model, ts, value) AS model FROM m108, air WHERE ts < '1959-01-01';
CREATE TABLE w108 AS SELECT rnn_train(ts, value) AS model FROM air WHERE ts < '1959-01-01';
SELECT 'tail of every row', json_extract(rnn_info(m108.model), '$.history'), json_extract(rnn_info(m108.model), '$.rows'),
       (SELECT json_group_array(json(value)) FROM json_each(rnn_info(f108.model), '$.forecast.candidates') WHERE value ->> 'kind' <> 'network') =
       (SELECT json_group_array(json(value)) FROM json_each(rnn_info(w108.model), '$.forecast.candidates') WHERE value ->> 'kind' <> 'network'),
       json_extract(rnn_info(w108.model), '$.calibration.bands') = json_extract(rnn_info(f108.model), '$.calibration.bands'),
       json_extract(rnn_info(m108.model), '$.calibration.bands') = json_extract(rnn_info(f108.model), '$.calibration.bands')
FROM m108, f108, w108;
-- A model of more rows than it keeps found its periods on all of them: a
-- fine-tune keeps its second period and components, scored again on the
-- new rows with the model's scores, and its bands keep the model's shape
-- and level L (new errors join old ones).
CREATE TABLE hl AS SELECT rnn_train(ts, v, '{"epochs":2}') AS model FROM hr WHERE ts < 1250;
SELECT 'longer model', json_extract(rnn_info(hl.model), '$.forecast.period2'),
       json_extract(rnn_info(f.model), '$.forecast.period2'),
       json_extract(rnn_info(f.model), '$.forecast.components') = json_extract(rnn_info(hl.model), '$.forecast.components'),
       json_extract(rnn_info(f.model), '$.calibration.bands.shape'),
       json_extract(rnn_info(f.model), '$.calibration.bands') = json_extract(rnn_info(hl.model), '$.calibration.bands'),
       json_extract(rnn_info(f.model), '$.calibration.errors') > json_extract(rnn_info(hl.model), '$.calibration.errors')
FROM hl, (SELECT rnn_finetune(model, ts, v, '{"epochs":1}') AS model FROM hl, hr WHERE ts < 1251) f;
-- Its calibration gains the errors whose truth is a new row, each once:
-- one new row is the truth of step s of the forecast from s rows before
-- it, s = 1..48, so it adds 48 errors; four add 4 x 48; a missing one
-- (filled) none. (The held-out
-- origins' errors added at every fine-tune, 1,088 a row, counted the same
-- errors again and again, and a chain of one-row fine-tunes narrowed the
-- bands.)
SELECT 'new origins only',
       (SELECT json_extract(rnn_info(rnn_finetune(model, ts, v, '{"epochs":1}')), '$.calibration.errors') FROM hl, hr WHERE ts = 1250)
         - json_extract(rnn_info(hl.model), '$.calibration.errors'),
       (SELECT json_extract(rnn_info(rnn_finetune(model, ts, v, '{"epochs":1}')), '$.calibration.errors') FROM hl, hr WHERE ts BETWEEN 1250 AND 1253)
         - json_extract(rnn_info(hl.model), '$.calibration.errors'),
       (SELECT json_extract(rnn_info(rnn_finetune(model, ts, CASE WHEN ts = 1251 THEN NULL ELSE v END, '{"epochs":1}')), '$.calibration.errors')
        FROM hl, hr WHERE ts BETWEEN 1250 AND 1251)
         - json_extract(rnn_info(hl.model), '$.calibration.errors')
FROM hl;
-- A ts of the other storage class for the same point is the model's kind;
-- a different point is an error naming it.
CREATE TABLE it AS SELECT rnn_train(ts, v, '{"method":"network","epochs":2,"hidden":4}') AS model
FROM (SELECT CAST(substr(ts, 1, 4) AS INTEGER) * 12 + CAST(substr(ts, 6, 2) AS INTEGER) AS ts, CAST(value AS REAL) AS v FROM air WHERE ts < '1959-01-01');
SELECT 'real ts', json_extract(rnn_info(rnn_finetune(model, ts * 1.0, v)), '$.last_ts')
FROM it, (SELECT CAST(substr(ts, 1, 4) AS INTEGER) * 12 + CAST(substr(ts, 6, 2) AS INTEGER) AS ts, CAST(value AS REAL) AS v FROM air WHERE ts >= '1959-01-01');
SELECT rnn_finetune(model, 23509.5, 3) FROM it;
SELECT 'midnight', json_extract(rnn_info(rnn_finetune(model, ts || ' 00:00:00', value)), '$.last_ts') FROM m, air WHERE ts < '1960-01-01';
SELECT rnn_finetune(model, '1959-01-01 12:00:00', 3) FROM m;
-- Without a regular step the new rows are consecutive, and a missing one
-- is named by its own ts.
CREATE TABLE irr AS SELECT rnn_train(t, v, '{"method":"network","epochs":2,"hidden":4,"window":4,"horizon":2}') AS model
FROM (SELECT rowid + (rowid % 3) * 0.37 AS t, CAST(value AS REAL) AS v FROM air WHERE rowid <= 40);
SELECT 'irregular', json_extract(rnn_info(model), '$.step') FROM irr;
SELECT rnn_finetune(model, 1e9 + rowid, CASE WHEN rowid = 3 THEN NULL ELSE 1.0 END, '{"missing":"error"}') FROM irr, (SELECT rowid FROM air LIMIT 5);
-- A gap is a missing value, filled; with missing "error" it is an error.
SELECT 'gap', json_extract(rnn_info(rnn_finetune(model, ts, value)), '$.missing_filled') - json_extract(rnn_info(model), '$.missing_filled')
FROM m, air WHERE ts < '1960-01-01' AND ts <> '1959-05-01';
SELECT rnn_finetune(model, ts, value, '{"missing":"error"}') FROM m, air WHERE ts < '1960-01-01' AND ts <> '1959-05-01';
-- Training options may change; the network's may not.
SELECT 'options', json_extract(rnn_info(rnn_finetune(model, ts, value, '{"epochs":3,"lr":0.001,"seed":4}')), '$.epochs_run') <= 3
FROM m, air WHERE ts < '1960-01-01';
SELECT rnn_finetune(model, ts, value, '{"hidden":8}') FROM m, air;
SELECT rnn_finetune(model, ts, value, '{"window":"auto"}') FROM m, air;
SELECT rnn_finetune(model, ts, value, '{"epoch":3}') FROM m, air;
-- A short series' seasonal-naive fallback becomes a network once it can.
CREATE TABLE s AS SELECT rnn_train(ts, value, '{"window":12}') AS model FROM (SELECT * FROM air ORDER BY ts LIMIT 10);
SELECT 'fallback', json_extract(rnn_info(s.model), '$.kind'),
       json_extract(rnn_info(rnn_finetune(s.model, ts, value)), '$.kind'),
       json_extract(rnn_info(rnn_finetune(s.model, ts, value)), '$.rows')
FROM s, air GROUP BY s.model;
-- The fallback of a series too short to validate a network (the defaults)
-- chooses its window and horizon anew: fine-tuned with the rest of the
-- series, it is the model rnn_train gives the whole series (patience 5, a
-- fine-tune's).
CREATE TABLE few AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 60)
SELECT i AS ts, 50 + i + (i * 37 % 11) AS v FROM r;
CREATE TABLE fewm AS SELECT rnn_train(ts, v) AS model FROM few WHERE ts <= 12;
SELECT 'short fallback fine-tuned', json_extract(rnn_info(model), '$.kind'),
       (SELECT rnn_finetune(fewm.model, ts, v) FROM few WHERE ts > 12) = (SELECT rnn_train(ts, v, '{"patience":5}') FROM few)
FROM fewm;
-- A fallback keeps the horizon it used, not the caller's: a fine-tune's
-- options give it again (or "auto" is taken).
CREATE TABLE fewh AS SELECT rnn_train(ts, v, '{"horizon":12}') AS model FROM few WHERE ts <= 12;
SELECT 'fallback horizon given again',
       (SELECT rnn_finetune(fewh.model, ts, v, '{"horizon":12}') FROM few WHERE ts > 12) = (SELECT rnn_train(ts, v, '{"horizon":12,"patience":5}') FROM few),
       (SELECT rnn_finetune(fewh.model, ts, v) FROM few WHERE ts > 12) = (SELECT rnn_train(ts, v, '{"patience":5}') FROM few)
FROM fewh;
-- Errors name the function and what is allowed.
SELECT rnn_finetune(model, '1962-01-15', 3) FROM m;
SELECT rnn_finetune(model, 5, 3) FROM m;
SELECT rnn_finetune(model, '1962-01-01', 'x') FROM m;
SELECT rnn_finetune(model, '1962-01-01', 3, NULL, 7) FROM m;
-- A NULL model gives NULL, as in the other functions.
SELECT 'null model', rnn_finetune(NULL, '1962-01-01', 3) IS NULL;
SELECT rnn_finetune(x'0102', '1962-01-01', 3);
SELECT rnn_finetune(model, ts, value) FROM (SELECT model FROM m UNION ALL SELECT model FROM f), air WHERE ts > '1959-11-01';
SELECT rnn_finetune('1962-01-01', 3);
-- Options a fine-tune cannot change are errors even when no row is new
-- (the model would come back unchanged).
CREATE TABLE old_rows(t, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 99) INSERT INTO old_rows SELECT i, i % 7 FROM r;
CREATE TABLE om AS SELECT rnn_train(t, v, '{"epochs":2}') AS model FROM old_rows;
SELECT rnn_finetune((SELECT model FROM om), t, v, '{"hidden":64}') IS NULL FROM old_rows;
SELECT 'unchanged', rnn_finetune((SELECT model FROM om), t, v, '{"epochs":3}') = (SELECT model FROM om) FROM old_rows;
-- A long chain of one-row fine-tunes keeps its bands: after 260 the pool
-- holds more than 150 origins' worth of errors at every step (48 a row),
-- and the 95% half-width at step 1 is within a quarter of the model's.
-- (Errors of the new origins alone, one a row, left only step-1 errors,
-- and thinning them one at a time wore the upper tail away.)
CREATE TABLE hc AS
  WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < 1520)
  SELECT i AS ts, 100 + 40 * sin(2 * 3.141592653589793 * i / 24)
                 + 20 * sin(2 * 3.141592653589793 * (i / 24) / 7)
                 + ((i * 7919) % 101) / 10.0 AS v FROM t;
CREATE TABLE chain AS
  WITH RECURSIVE c(k, model) AS (
    SELECT 0, model FROM hl
    UNION ALL
    SELECT k + 1, (SELECT rnn_finetune(c.model, ts, v, '{"epochs":1}') FROM hc WHERE ts = 1250 + c.k)
    FROM c WHERE k < 260)
  SELECT k, model FROM c WHERE k IN (0, 260);
SELECT 'long chain', json_extract(rnn_info(b.model), '$.calibration.errors') > 150 * 48,
       json_extract(rnn_info(b.model), '$.calibration.half_width_95[0]')
         / json_extract(rnn_info(a.model), '$.calibration.half_width_95[0]') BETWEEN 0.8 AND 1.25
FROM chain a, chain b WHERE a.k = 0 AND b.k = 260;
-- Of many new rows, only those the fine-tune held out (no training window
-- had them as a target) add errors: 150 new rows with 1% of the windows
-- held out add 8 rows' worth (8 x 48), not 150.
SELECT 'held-out rows only',
       json_extract(rnn_info(f), '$.calibration.errors') - json_extract(rnn_info(model), '$.calibration.errors')
FROM (SELECT model, rnn_finetune(model, ts, v, '{"epochs":1,"validation":0.01}') AS f FROM hl, hc WHERE ts BETWEEN 1250 AND 1399);
-- A fine-tune's windows are every window whose targets end in the tail or
-- the new rows, their inputs read from the past rows: a model whose tail
-- is one window (24 rows, shorter than a window and a horizon) still
-- trains on one new row (with validation 0 the 25 windows that end in the
-- tail and the new row train: the epoch is kept, and the network forecasts
-- the same window differently). Before, only the windows inside the tail
-- and the new rows counted, and such a model stopped training: taylor's
-- chain of one-row fine-tunes did after 160.
CREATE TABLE nm AS SELECT rnn_train(ts, v, '{"epochs":2,"method":"network","window":24,"horizon":6}') AS model FROM hc WHERE ts < 300;
SELECT 'short tail trains', json_extract(rnn_info(model), '$.history'),
       json_extract(rnn_info(f), '$.epochs_run'), json_extract(rnn_info(f), '$.best_epoch'),
       rnn_predict(f) <> rnn_predict(model, (SELECT json_group_array(v) FROM (SELECT v FROM hc WHERE ts BETWEEN 277 AND 300 ORDER BY ts))),
       json_extract(rnn_info(f), '$.rows')
FROM (SELECT model, rnn_finetune(model, ts, v, '{"epochs":1,"validation":0}') AS f FROM nm, hc WHERE ts = 300);
-- A model without past rows (a global model's series) and fewer rows in
-- all than a window and a horizon: the network stays (the same losses, the
-- forecast of its window), the tail, rows and last ts move on.
CREATE TABLE gt AS SELECT 'a' AS name, ts, v FROM hc WHERE ts < 300 UNION ALL SELECT 'b', ts, v * 2 FROM hc WHERE ts < 300;
CREATE TABLE gm AS SELECT rnn_series_model(rnn_train_global(name, ts, v, '{"epochs":2,"method":"network","window":24,"horizon":6}'), 'a') AS model FROM gt;
SELECT 'few rows', json_extract(rnn_info(model), '$.history'),
       json_extract(rnn_info(f), '$.rows') - json_extract(rnn_info(model), '$.rows'),
       json_extract(rnn_info(f), '$.last_ts'),
       json_extract(rnn_info(f), '$.train_loss') = json_extract(rnn_info(model), '$.train_loss'),
       rnn_predict(f) = rnn_predict(model, (SELECT json_group_array(v) FROM (SELECT v FROM hc WHERE ts BETWEEN 277 AND 300 ORDER BY ts)))
FROM (SELECT model, rnn_finetune(model, ts, v, '{"epochs":1}') AS f FROM gm, hc WHERE ts = 300);
-- A model that kept every row chooses its components afresh on the
-- windows rnn_train of the whole series validates on (the last 30 of 306
-- here), and its fine-tune holds them out: it trains (an epoch runs), and
-- a value only those windows read (row 304, horizon 1) leaves its training
-- loss as it was. When the fine-tune held out only its own latest 22,
-- windows 280 to 283 trained on it.
CREATE TABLE km AS SELECT rnn_train(ts, v, '{"epochs":2,"window":24,"horizon":1}') AS model FROM hc WHERE ts < 300;
CREATE TABLE kf AS
  SELECT (SELECT rnn_finetune(model, ts, v, '{"epochs":1}') FROM hc WHERE ts BETWEEN 300 AND 329) AS a,
         (SELECT rnn_finetune(model, ts, CASE WHEN ts = 304 THEN v + 1000 ELSE v END, '{"epochs":1}')
          FROM hc WHERE ts BETWEEN 300 AND 329) AS b
  FROM km;
SELECT 'choice windows held out', json_extract(rnn_info(model), '$.history'),
       json_extract(rnn_info(a), '$.epochs_run'),
       json_extract(rnn_info(a), '$.train_loss') = json_extract(rnn_info(b), '$.train_loss')
FROM km, kf;
-- When every window that ends in the tail or the new row is among those
-- (a tail of 64 rows, window 4, horizon 8: the last 65 of 690 windows, of
-- which rnn_train holds out 69), the fine-tune trains on the one before
-- them, reaching into the past rows (an epoch runs; with none it fails).
CREATE TABLE q AS WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < 700)
  SELECT i AS ts, 100 + 10 * (i % 4) + i / 20.0 + ((i * 7919) % 13) / 5.0 AS v FROM t;
CREATE TABLE qm AS SELECT rnn_train(ts, v, '{"epochs":2,"window":4,"horizon":8}') AS model FROM q WHERE ts < 700;
SELECT 'one window trains', json_extract(rnn_info(model), '$.history'),
       json_extract(rnn_info(f), '$.epochs_run'), json_extract(rnn_info(f), '$.rows')
FROM (SELECT model, rnn_finetune(model, ts, v, '{"epochs":1}') AS f FROM qm, q WHERE ts = 700);
-- Its choice is made on the windows rnn_train of the same rows would
-- validate on, at the fine-tune's validation too: 138 of 277 at 0.5 (of
-- which the model's own network trained on 110: nothing in a model
-- records which windows trained it, docs/forecasting.md).
SELECT 'choice on rnn_train windows', json_extract(rnn_info(f), '$.validation.windows'),
       json_extract(rnn_info(f), '$.validation.windows') =
       (SELECT json_extract(rnn_info(rnn_train(ts, v, '{"epochs":1,"window":24,"horizon":1,"validation":0.5}')), '$.validation.windows')
        FROM hc WHERE ts <= 300)
FROM (SELECT rnn_finetune(model, ts, v, '{"epochs":1,"validation":0.5}') AS f FROM km, hc WHERE ts = 300);
