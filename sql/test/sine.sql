-- A noiseless sine is learned well enough that the next value is within
-- 0.05 of the truth, from the training tail and from an explicit window.
CREATE TABLE s(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 199)
INSERT INTO s SELECT n, sin(2 * pi() * n / 20.0) FROM i;
CREATE TABLE m AS
  SELECT rnn_train(t, v, '{"method":"network","horizon":1,"cell":"rnn","hidden":16,"window":20,"epochs":100,"seed":1}') AS model FROM s;
-- Next value after t = 199 is sin(2 pi 200 / 20) = 0.
SELECT 'next', abs(rnn_predict(model) - sin(2 * pi() * 200 / 20.0)) < 0.05 FROM m;
-- From a window: the 20 values t = 5..24, next is t = 25.
SELECT 'window', abs(rnn_predict(model, (SELECT json_group_array(v) FROM (SELECT v FROM s WHERE t BETWEEN 5 AND 24 ORDER BY t)))
               - sin(2 * pi() * 25 / 20.0)) < 0.05 FROM m;
-- A longer window uses its last 20 values: the same prediction.
SELECT 'longer', rnn_predict(model, (SELECT json_group_array(v) FROM (SELECT v FROM s WHERE t BETWEEN 0 AND 24 ORDER BY t)))
               = rnn_predict(model, (SELECT json_group_array(v) FROM (SELECT v FROM s WHERE t BETWEEN 5 AND 24 ORDER BY t))) FROM m;
-- Ten steps fed back stay within 0.1 of the truth.
SELECT 'h=10', max(abs(f.value - sin(2 * pi() * (200 + f.key) / 20.0))) < 0.1, count(*)
FROM m, json_each(rnn_predict(model, NULL, 10)) f;
-- The first of h values is the one-step prediction.
SELECT 'first', json_extract(rnn_predict(model, NULL, 3), '$[0]') = rnn_predict(model) FROM m;
SELECT 'info', json_extract(rnn_info(model), '$.cell'), json_extract(rnn_info(model), '$.window'),
       json_extract(rnn_info(model), '$.params'), json_extract(rnn_info(model), '$.rows'),
       json_extract(rnn_info(model), '$.epochs_run'), json_array_length(rnn_info(model), '$.train_loss'),
       json_extract(rnn_info(model), '$.train_loss[99]') < json_extract(rnn_info(model), '$.train_loss[0]') / 100
FROM m;
