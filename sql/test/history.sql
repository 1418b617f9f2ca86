-- A BLOB keeps at most 1000 epochs' losses, evenly spaced with the last
-- epoch last (core/blob.c rule 10); rnn_info's loss_epochs says which.
CREATE TABLE s(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 39)
INSERT INTO s SELECT n, 3 + (n % 5) + n / 10.0 FROM i;
CREATE TABLE m AS SELECT rnn_train(t, v, '{"epochs":1200,"patience":100000,"hidden":2,"window":4,"method":"network"}') AS model FROM s;
SELECT 'forecaster', json_extract(i, '$.epochs_run'), json_array_length(i, '$.train_loss'),
       json_array_length(i, '$.validation_loss'), json_array_length(i, '$.loss_epochs'),
       json_extract(i, '$.loss_epochs[0]'), json_extract(i, '$.loss_epochs[1]'),
       json_extract(i, '$.loss_epochs[999]')
FROM (SELECT rnn_info(model) AS i FROM m);
-- A run of at most 1000 epochs keeps every one and has no loss_epochs.
SELECT 'short run', json_array_length(i, '$.train_loss'), json_type(i, '$.loss_epochs') IS NULL
FROM (SELECT rnn_info(rnn_train(t, v, '{"epochs":7,"patience":100,"hidden":2,"window":4}')) AS i FROM s);
-- The same for a language model.
CREATE TABLE t(body TEXT);
INSERT INTO t VALUES ('the cat sat'), ('a dog ran'), ('the end');
SELECT 'text', json_extract(i, '$.epochs_run'), json_array_length(i, '$.train_loss'),
       json_array_length(i, '$.loss_epochs'), json_extract(i, '$.loss_epochs[999]')
FROM (SELECT rnn_info(rnn_train_text(body, '{"hidden":2,"epochs":1500,"patience":100000,"context":4}')) AS i FROM t);
-- rnn_debug names the commit and the build date.
SELECT 'debug', json_type(rnn_debug(), '$.commit'),
       json_extract(rnn_debug(), '$.build_date') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
       OR json_extract(rnn_debug(), '$.build_date') = 'unknown';
