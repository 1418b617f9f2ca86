-- Every architecture option trains through rnn_train and the model predicts:
-- each cell (and Elman activation) x 1 and 2 layers x uni- and bidirectional,
-- then each loss, optimiser, dropout, horizon and normalisation. The
-- parameter counts are torch's sum(p.numel()) for the same network
-- (tests/ref/make_fixtures.py builds the same modules).
CREATE TABLE s(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 47)
INSERT INTO s SELECT n, 10 + 3 * sin(n / 2.0) FROM i;
CREATE TABLE cells(cell, activation);
INSERT INTO cells VALUES ('rnn', 'tanh'), ('rnn', 'relu'), ('rnn', 'sigmoid'), ('gru', 'tanh'), ('lstm', 'tanh');
CREATE TABLE opts AS
  SELECT json_object('cell', cell, 'activation', activation, 'layers', layers,
                     'bidirectional', json(bi), 'hidden', 6, 'window', 5, 'epochs', 2, 'horizon', 1) AS o
  FROM cells, (SELECT 1 AS layers UNION ALL SELECT 2), (SELECT 'false' AS bi UNION ALL SELECT 'true');
INSERT INTO opts VALUES
  ('{"horizon":1,"cell":"lstm","hidden":6,"window":5,"epochs":2,"loss":"mae","optimizer":"sgd","lr":0.05}'),
  ('{"horizon":1,"cell":"gru","hidden":6,"window":5,"epochs":2,"loss":"huber","optimizer":"momentum","lr":0.01}'),
  ('{"horizon":1,"cell":"rnn","hidden":6,"window":5,"epochs":2,"loss":"mse","optimizer":"adam","clip":0}'),
  ('{"horizon":1,"cell":"lstm","hidden":6,"window":5,"epochs":2,"layers":3,"dropout":0.3}'),
  ('{"cell":"gru","hidden":6,"window":5,"epochs":2,"layers":2,"bidirectional":true,"dropout":0.5,"horizon":4}'),
  ('{"cell":"lstm","hidden":6,"window":5,"epochs":2,"horizon":3,"normalize":"minmax"}'),
  ('{"horizon":1,"cell":"rnn","hidden":6,"window":5,"epochs":2,"normalize":"none","batch":1}');
CREATE TABLE models AS SELECT o, (SELECT rnn_train(t, v, o) FROM s) AS m FROM opts;
SELECT json_extract(rnn_info(m), '$.cell'), json_extract(rnn_info(m), '$.activation'),
       json_extract(rnn_info(m), '$.layers'), json_extract(rnn_info(m), '$.bidirectional'),
       json_extract(rnn_info(m), '$.horizon'), json_extract(rnn_info(m), '$.options.loss'),
       json_extract(rnn_info(m), '$.options.optimizer'), json_extract(rnn_info(m), '$.options.dropout'),
       json_extract(rnn_info(m), '$.normalization.method'), json_extract(rnn_info(m), '$.params'),
       typeof(rnn_predict(m)), json_array_length(rnn_predict(m, NULL, 7)),
       abs(rnn_predict(m) - 10) < 10
FROM models ORDER BY rowid;
-- The default cell is lstm.
SELECT 'default', json_extract(rnn_info(rnn_train(t, v, '{"epochs":1}')), '$.cell') FROM s;
