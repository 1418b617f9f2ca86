-- Issue 10 item 3: whatever rnn_train returns, the readers take; what
-- cannot be represented is an error at training time naming the cause
-- (each of these returned a BLOB that rnn_info or rnn_forecast rejected
-- as corrupt).
CREATE TABLE s(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 59)
INSERT INTO s SELECT n, CASE WHEN n % 2 THEN 1e308 ELSE -1e308 END FROM i;
SELECT rnn_info(rnn_train(t, v)) IS NOT NULL FROM s;
SELECT rnn_info(rnn_train(t, v, '{"method":"network","window":4,"epochs":2}')) IS NOT NULL FROM s;
-- The short-series fallback: its in-sample errors overflow.
SELECT rnn_info(rnn_train(t, v, '{"window":40}')) IS NOT NULL FROM s WHERE t < 6;
-- INTEGER ts whose step does not fit what a model stores.
SELECT rnn_info(rnn_train(t, v)) IS NOT NULL
FROM (SELECT -4500000000000000000 AS t, 1.0 AS v UNION ALL SELECT 0, 2 UNION ALL SELECT 4500000000000000000, 3);
-- Large but representable values train and forecast.
SELECT 'large', rnn_predict(rnn_train(t, v / 1e10, '{"epochs":2}')) IS NOT NULL FROM s;
