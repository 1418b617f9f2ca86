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
