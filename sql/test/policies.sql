-- Duplicates, short series and missing values follow their options.
CREATE TABLE d(ts, v);
INSERT INTO d VALUES (1, 10), (2, 20), (2, 40), (3, NULL), (3, 60), (4, 80), (2, 30), (5, 90), (6, 100);
-- "mean" averages the known values of a ts, "last" keeps the last row in.
SELECT 'mean tail', json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"duplicates":"mean","window":20}')), '$.rows') FROM d;
CREATE TABLE dm AS SELECT rnn_train(ts, v, '{"method":"network","horizon":1,"duplicates":"mean","cell":"rnn","hidden":2,"window":2,"epochs":1,"validation":0}') AS m FROM d;
CREATE TABLE dl AS SELECT rnn_train(ts, v, '{"method":"network","horizon":1,"duplicates":"last","cell":"rnn","hidden":2,"window":2,"epochs":1,"validation":0}') AS m FROM d;
-- Mean of 20, 40, 30 is 30 = the last row in (30); mean of NULL, 60 is
-- 60 = last (60): the same merged series, so the same predictions.
SELECT 'same merge', (SELECT rnn_predict(m, NULL, 3) FROM dm) = (SELECT rnn_predict(m, NULL, 3) FROM dl);
DELETE FROM d WHERE ts = 2 AND v = 30;
SELECT 'mean 20,40 vs last 40', (SELECT rnn_train(ts, v, '{"method":"network","horizon":1,"duplicates":"mean","cell":"rnn","hidden":2,"window":2,"epochs":1,"validation":0}') FROM d)
                              <> (SELECT rnn_train(ts, v, '{"method":"network","horizon":1,"duplicates":"last","cell":"rnn","hidden":2,"window":2,"epochs":1,"validation":0}') FROM d);
-- Short series: the fallback is a seasonal-naive model in the same BLOB format.
CREATE TABLE sh(id, ts, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 59)
INSERT INTO sh SELECT 'long', i, 10 + (i % 4) * 3 FROM r;
INSERT INTO sh VALUES ('short', 1, 5), ('short', 2, 7), ('short', 3, 6);
CREATE TABLE sm AS SELECT id, rnn_train(ts, v, '{"method":"network","horizon":1,"window":6,"epochs":2,"hidden":4}') AS model FROM sh GROUP BY id;
SELECT id, json_extract(rnn_info(model), '$.kind'), json_extract(rnn_info(model), '$.window'),
       json_extract(rnn_info(model), '$.params'), json_array_length(rnn_predict(model, NULL, 4)) FROM sm ORDER BY id;
SELECT 'short forecast', rnn_predict(model, NULL, 4) FROM sm WHERE id = 'short';
SELECT 'fallback window', rnn_predict(model, '[1, 2, 3]', 5) FROM sm WHERE id = 'short';
SELECT 'fallback forecast', group_concat(f.step || ':' || f.ts || ':' || f.value || ':' || (f.lower IS NULL), ' ')
FROM sm, rnn_forecast(sm.model, 4) f WHERE id = 'short';
-- A seasonal short series: the fallback repeats its last season.
CREATE TABLE ss(ts, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 11)
INSERT INTO ss SELECT i, CASE i % 4 WHEN 0 THEN 1 WHEN 1 THEN 5 WHEN 2 THEN 9 ELSE 4 END FROM r;
SELECT 'seasonal fallback', json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"window":20}')), '$.period'),
       rnn_predict(rnn_train(ts, v, '{"method":"network","horizon":1,"window":20}'), NULL, 6),
       json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"window":20}')), '$.calibration.errors') > 0 FROM ss;
SELECT 'null', rnn_train(ts, v, '{"method":"network","horizon":1,"window":6,"short":"null"}') IS NULL FROM sh WHERE id = 'short';
SELECT 'error', rnn_train(ts, v, '{"method":"network","horizon":1,"window":6,"short":"error"}') FROM sh WHERE id = 'short';
-- Missing values and gaps are filled and counted.
SELECT 'filled', json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"window":2,"epochs":1,"hidden":2}')), '$.missing_filled'),
       json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"window":2,"epochs":1,"hidden":2}')), '$.rows')
FROM (SELECT 1 AS ts, 1 AS v UNION ALL SELECT 2, NULL UNION ALL SELECT 4, 4 UNION ALL SELECT 5, 5
      UNION ALL SELECT 6, 6 UNION ALL SELECT 7, NULL UNION ALL SELECT 8, 8);
-- The mean of duplicates does not depend on the order the rows arrive in
-- (ext/train.c rule 4): the same table in two orders, one BLOB.
CREATE TABLE dup3(ts, v);
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 60)
INSERT INTO dup3 SELECT i, 10 + (i % 12) + d FROM r,
  (SELECT 0.1 AS d UNION ALL SELECT 0.2 UNION ALL SELECT 0.3) ORDER BY i, d;
CREATE TABLE dup3r(ts, v);
INSERT INTO dup3r SELECT ts, v FROM dup3 ORDER BY ts, v DESC;
SELECT 'mean in any order', (SELECT rnn_train(ts, v, '{"duplicates":"mean","epochs":3}') FROM dup3)
                          = (SELECT rnn_train(ts, v, '{"duplicates":"mean","epochs":3}') FROM dup3r);
-- The default forecaster chooses on validation windows: a series too short
-- for one is short with the automatic window too (core/train.c rule 9).
-- Without a period, 19 rows are the fewest that give one at validation 0.1.
CREATE TABLE tiny(ts, v);
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 19)
INSERT INTO tiny SELECT i, 50 + i + (i * 37 % 11) FROM r;
SELECT 'auto short', rnn_info(m) ->> '$.kind', rnn_info(m) ->> '$.forecast.why',
       rnn_info(m) ->> '$.calibration.errors' > 0, rnn_predict(m, NULL, 2)
FROM (SELECT rnn_train(ts, v) AS m FROM tiny WHERE ts <= 12);
SELECT 'auto 18 and 19 rows', (SELECT rnn_info(rnn_train(ts, v)) ->> '$.kind' FROM tiny WHERE ts <= 18),
       (SELECT rnn_info(rnn_train(ts, v)) ->> '$.kind' FROM tiny),
       (SELECT rnn_info(rnn_train(ts, v)) ->> '$.validation.windows' FROM tiny);
SELECT 'auto short null', rnn_train(ts, v, '{"short":"null"}') IS NULL FROM tiny WHERE ts <= 12;
SELECT 'asked for a network', (SELECT rnn_info(rnn_train(ts, v, '{"method":"network","epochs":2}')) ->> '$.kind' FROM tiny WHERE ts <= 12),
       (SELECT rnn_info(rnn_train(ts, v, '{"validation":0,"epochs":2}')) ->> '$.kind' FROM tiny WHERE ts <= 12);
SELECT 'auto short error', rnn_train(ts, v, '{"short":"error"}') FROM tiny WHERE ts <= 12;
SELECT 'auto short error, explicit window', rnn_train(ts, v, '{"short":"error","window":4,"horizon":2}') FROM tiny WHERE ts <= 12;
-- Fewer rows than one window: the count that validates too.
SELECT 'auto short error, under a window', rnn_train(ts, v, '{"short":"error","window":6,"horizon":1}') FROM tiny WHERE ts <= 3;
SELECT 'auto 15 and 16 rows', (SELECT rnn_info(rnn_train(ts, v, '{"window":6,"horizon":1,"epochs":1}')) ->> '$.kind' FROM tiny WHERE ts <= 15),
       (SELECT rnn_info(rnn_train(ts, v, '{"window":6,"horizon":1,"epochs":1}')) ->> '$.kind' FROM tiny WHERE ts <= 16);
-- A share too small for any series says so (and ends).
SELECT 'auto short error, tiny validation', rnn_train(ts, v, '{"short":"error","validation":1e-17}') FROM tiny;
-- The count the error gives is the least that trains: here 8 + 16 - 1 +
-- 100 windows for one in a hundred.
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 123)
INSERT INTO tiny SELECT 100 + i, 50 + i + (i * 37 % 11) FROM r;
SELECT 'auto short error, small validation', rnn_train(ts, v, '{"short":"error","validation":0.01,"window":8,"horizon":16}') FROM tiny WHERE ts > 100 AND ts <= 200;
SELECT 'validation 0.01, 122 and 123 rows',
       (SELECT rnn_info(rnn_train(ts, v, '{"validation":0.01,"window":8,"horizon":16,"epochs":1}')) ->> '$.kind' FROM tiny WHERE ts > 100 AND ts <= 222),
       (SELECT rnn_info(rnn_train(ts, v, '{"validation":0.01,"window":8,"horizon":16,"epochs":1}')) ->> '$.kind' FROM tiny WHERE ts > 100);
