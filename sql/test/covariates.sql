-- Covariates x1..xk are inputs observed with each row: training, rnn_info,
-- rnn_predict windows of rows, rnn_forecast and rnn_next.
CREATE TABLE s(t, y, promo, temp);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 149)
INSERT INTO s SELECT i, 10 + 5 * ((i - 1) % 7 = 0) + 0.5 * sin(i), (i % 7 = 0), 15 + (i % 11) FROM r;
CREATE TABLE m AS
  SELECT rnn_train(t, y, '{"method":"network","horizon":1,"cell":"gru","hidden":8,"window":7,"epochs":40,"seed":5}', promo, temp) AS model FROM s;
SELECT json_extract(rnn_info(model), '$.inputs'), json_extract(rnn_info(model), '$.covariates'),
       json_array_length(rnn_info(model), '$.normalization.covariates') FROM m;
-- A promotion yesterday lifts today: the model learned to use x1.
SELECT 'promo effect',
  rnn_predict(model, '[[10,0,15],[10,0,16],[10,0,17],[10,0,18],[10,0,19],[10,0,20],[10,1,21]]')
  - rnn_predict(model, '[[10,0,15],[10,0,16],[10,0,17],[10,0,18],[10,0,19],[10,0,20],[10,0,21]]') > 2 FROM m;
-- A longer window of rows uses its last 7 rows (read in one pass through a
-- ring of 7 rows: 10 rows leave it turned by 3).
SELECT 'longer rows',
  rnn_predict(model, '[[99,1,0],[98,1,0],[97,1,0],[10,0,15],[11,0,16],[12,0,17],[13,0,18],[14,0,19],[15,1,20],[16,0,21]]')
  = rnn_predict(model, '[[10,0,15],[11,0,16],[12,0,17],[13,0,18],[14,0,19],[15,1,20],[16,0,21]]') FROM m;
SELECT 'forecast', count(*), count(ts) FROM m, rnn_forecast(m.model, 5);
SELECT 'next', count(f) FROM (SELECT rnn_next((SELECT model FROM m), y, promo, temp) OVER (ORDER BY t ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS f FROM s);
-- Windows of rows are checked.
SELECT rnn_predict(model, '[1,2,3,4,5,6,7]') FROM m;
SELECT rnn_predict(model, '[[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0]]') FROM m;
SELECT rnn_predict(model, '[[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,"a",1]]') FROM m;
-- The JSON's own errors and a short window come before a bad entry's.
SELECT rnn_predict(model, '[[1,"a",1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],') FROM m;
SELECT rnn_predict(model, '[[1,"a",1],[1,0,1]]') FROM m;
SELECT rnn_predict(model, '[[1,"a",1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,0,1],[1,2]]') FROM m;
SELECT rnn_next((SELECT model FROM m), y) OVER () FROM s LIMIT 1;
-- A covariate effect keeps additive bands (core/train.c band_errors): the
-- same width at a promotion's low level as at the usual one.
CREATE TABLE promo(t INTEGER, y REAL, p INTEGER);
INSERT INTO promo SELECT value, 100 - 60 * p + ((value * 7919 + 13) % 101) / 10.0 - 5, p FROM
  (SELECT value, CAST(abs(sin(value * 12.9898)) * 1000 AS INTEGER) % 5 = 0 AS p FROM generate_series(0, 599));
CREATE TABLE pm AS SELECT rnn_train(t, y, '{"horizon":1,"epochs":3,"hidden":4}', p) AS model FROM promo;
SELECT 'covariate bands', json_extract(rnn_info(model), '$.xreg.kept'), json_extract(rnn_info(model), '$.calibration.bands.shape'),
       abs((SELECT upper - lower FROM rnn_forecast(pm.model, 1, 0.8, NULL, '[[1]]'))
           - (SELECT upper - lower FROM rnn_forecast(pm.model, 1, 0.8, NULL, '[[0]]'))) < 1e-9,
       (SELECT value FROM rnn_forecast(pm.model, 1, 0.8, NULL, '[[0]]'))
         - (SELECT value FROM rnn_forecast(pm.model, 1, 0.8, NULL, '[[1]]')) > 40
FROM pm;
