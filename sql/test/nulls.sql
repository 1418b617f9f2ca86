-- NULL in, NULL out; missing values are filled; zero rows give NULL;
-- GROUP BY trains one model per series.
SELECT 'null model', rnn_predict(NULL) IS NULL, rnn_info(NULL) IS NULL, rnn_predict(NULL, '[1]', 3) IS NULL;
SELECT 'no rows', rnn_train(1, 2) IS NULL FROM (SELECT 1) WHERE 0;
CREATE TABLE s(id TEXT, t, v);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 59)
INSERT INTO s SELECT 'a', n, CASE WHEN n IN (3, 10, 11) THEN NULL ELSE n % 6 END FROM i
  UNION ALL SELECT 'b', n, 10 + n % 4 FROM i WHERE n < 40;
CREATE TABLE m AS SELECT id, rnn_train(t, v, '{"method":"network","horizon":1,"window":6,"epochs":3,"hidden":4}') AS model FROM s GROUP BY id;
SELECT id, json_extract(rnn_info(model), '$.rows'), json_extract(rnn_info(model), '$.missing_filled'),
       json_extract(rnn_info(model), '$.first_ts'), json_extract(rnn_info(model), '$.last_ts')
FROM m ORDER BY id;
-- Missing values inside a prediction window are filled the same way.
SELECT 'window nulls', typeof(rnn_predict(model, '[1, null, 3, 4, null, 6]')) FROM m WHERE id = 'a';
-- Text that reads as a number is a number; dates sort by time, not text.
SELECT 'dates', json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"window":2,"epochs":1,"hidden":2}')), '$.first_ts'),
       json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"window":2,"epochs":1,"hidden":2}')), '$.last_ts')
FROM (SELECT '2020-03-01' AS ts, '1.5' AS v UNION ALL SELECT '2020-01-01 00:00', '2'
      UNION ALL SELECT '2020-02-01T12:30:00', 3 UNION ALL SELECT '2019-12-31', 4);
-- '' (an empty CSV field after .import) is missing, as NULL: in training
-- and in rnn_next's frame.
SELECT 'empty text', json_extract(rnn_info(rnn_train(ts, v, '{"method":"network","horizon":1,"window":2,"epochs":1,"hidden":2}')), '$.missing_filled')
FROM (SELECT 1 AS ts, '1' AS v UNION ALL SELECT 2, '' UNION ALL SELECT 3, '3' UNION ALL SELECT 4, '4'
      UNION ALL SELECT 5, '' UNION ALL SELECT 6, '6' UNION ALL SELECT 7, '7');
SELECT 'empty in a frame', count(f) FROM (
  SELECT rnn_next((SELECT rnn_train(value, value % 5, '{"method":"network","horizon":1,"window":2,"epochs":1,"hidden":2}') FROM generate_series(1, 30)),
                  CASE WHEN value = 3 THEN '' ELSE value % 5 END) OVER (ORDER BY value ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING) AS f
  FROM generate_series(1, 10));
