-- The same data, options and seed give a byte-identical BLOB, whatever the
-- order the rows arrive in; another seed gives another model.
CREATE TABLE a(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 119)
INSERT INTO a SELECT n, sin(n / 3.0) + n / 50.0 FROM i;
-- b holds the same rows inserted in a shuffled order.
CREATE TABLE b(t INTEGER, v REAL);
INSERT INTO b SELECT t, v FROM a ORDER BY (t * 7919) % 120;
SELECT 'shuffled', (SELECT group_concat(t) FROM (SELECT t FROM b LIMIT 5));
SELECT 'same bytes',
  (SELECT rnn_train(t, v, '{"cell":"rnn","hidden":8,"window":10,"epochs":20,"seed":3}') FROM a) =
  (SELECT rnn_train(t, v, '{"cell":"rnn","hidden":8,"window":10,"epochs":20,"seed":3}') FROM b);
SELECT 'other seed',
  (SELECT rnn_train(t, v, '{"cell":"rnn","hidden":8,"window":10,"epochs":20,"seed":3}') FROM a) =
  (SELECT rnn_train(t, v, '{"cell":"rnn","hidden":8,"window":10,"epochs":20,"seed":4}') FROM a);
-- The thread count never changes the model: minibatches are cut into fixed
-- chunks whose gradients are added in chunk order (core/parallel.c).
SELECT 'threads 1 = 2 = 3 = all',
  (SELECT rnn_train(t, v, '{"cell":"lstm","hidden":8,"window":10,"batch":64,"epochs":3,"dropout":0.2,"layers":2,"threads":1}') FROM a) =
  (SELECT rnn_train(t, v, '{"cell":"lstm","hidden":8,"window":10,"batch":64,"epochs":3,"dropout":0.2,"layers":2,"threads":2}') FROM a),
  (SELECT rnn_predict(rnn_train(t, v, '{"cell":"gru","hidden":8,"window":10,"batch":48,"epochs":3,"threads":3}'), NULL, 5) FROM a) =
  (SELECT rnn_predict(rnn_train(t, v, '{"cell":"gru","hidden":8,"window":10,"batch":48,"epochs":3,"threads":0}'), NULL, 5) FROM a);
-- A thread runs its chunks in one work of activations (core/parallel.c
-- rule 2): more chunks than threads (the forecaster's batch is its 99
-- training windows, six chunks; the classifier's eight) on one, three
-- (not a divisor) or eight threads (one work a chunk).
SELECT 'chunks, threads 1 = 3 = 8',
  (SELECT rnn_train(t, v, '{"cell":"lstm","hidden":8,"window":10,"batch":128,"epochs":2,"dropout":0.2,"layers":2,"threads":1}') FROM a) =
  (SELECT rnn_train(t, v, '{"cell":"lstm","hidden":8,"window":10,"batch":128,"epochs":2,"dropout":0.2,"layers":2,"threads":3}') FROM a),
  (SELECT rnn_train(t, v, '{"cell":"lstm","hidden":8,"window":10,"batch":128,"epochs":2,"dropout":0.2,"layers":2,"threads":3}') FROM a) =
  (SELECT rnn_train(t, v, '{"cell":"lstm","hidden":8,"window":10,"batch":128,"epochs":2,"dropout":0.2,"layers":2,"threads":8}') FROM a),
  (SELECT rnn_train_classifier(s, l, '{"hidden":8,"epochs":2,"batch":128,"threads":1,"bidirectional":true}')
   FROM (SELECT printf('row %d %s', value, substr('abcdefgh', 1 + value % 7)) AS s, value % 3 AS l FROM generate_series(1, 300))) =
  (SELECT rnn_train_classifier(s, l, '{"hidden":8,"epochs":2,"batch":128,"threads":3,"bidirectional":true}')
   FROM (SELECT printf('row %d %s', value, substr('abcdefgh', 1 + value % 7)) AS s, value % 3 AS l FROM generate_series(1, 300)));
