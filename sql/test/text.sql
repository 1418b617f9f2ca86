-- Language models (SPEC 8): training, generation, next tokens, perplexity,
-- rnn_info, and the errors of every function. Every number printed is the
-- same on every CPU (models are byte-identical).
CREATE TABLE lines(body TEXT);
INSERT INTO lines VALUES
  ('the cat sat on the mat'), ('the dog sat on the log'), ('a cat ate the rat'),
  ('the rat sat on a hat'), ('a dog ate the cat'), ('the cat saw a dog'),
  ('the hat sat on the cat'), ('a rat saw the mat'), ('the dog saw a log'),
  ('a cat sat on a log'), ('the mat saw the hat'), ('a dog sat on the rat'),
  (NULL);
INSERT INTO lines SELECT body FROM lines WHERE body IS NOT NULL;
INSERT INTO lines SELECT body FROM lines WHERE body IS NOT NULL;

CREATE TABLE models AS
SELECT 'char' AS name,
       rnn_train_text(body, '{"hidden":24,"epochs":30,"patience":30,"context":8,"batch":8,"lr":0.01,"seed":1}') AS model
FROM lines;
INSERT INTO models
SELECT 'word', rnn_train_text(body, '{"tokens":"word","cell":"gru","hidden":16,"epochs":30,"patience":30,"batch":8,"lr":0.01,"seed":1}')
FROM lines;

.mode list
SELECT name, json_extract(rnn_info(model), '$.kind'), json_extract(rnn_info(model), '$.tokens'),
       json_extract(rnn_info(model), '$.vocabulary'), json_extract(rnn_info(model), '$.rows'),
       json_extract(rnn_info(model), '$.validation_rows'), json_extract(rnn_info(model), '$.format_version'),
       json_extract(rnn_info(model), '$.validation.perplexity') < json_extract(rnn_info(model), '$.validation.unigram_perplexity') / 2
FROM models;

-- Greedy continuations, and seeded samples (the same seed, the same text).
SELECT name, '[' || rnn_generate(model, 'the cat sat on the', 6, 0) || ']' FROM models;
SELECT name, rnn_generate(model, NULL, 40, 1.0, 7) = rnn_generate(model, NULL, 40, 1.0, 7) FROM models;
SELECT 'the dog' || rnn_generate(model, 'the dog', 5, 0) FROM models WHERE name = 'word';
SELECT name, rnn_generate(model, 'the', 0) FROM models;

-- Autocompletion: the most likely next tokens, <EOS> included.
SELECT name, rnn_next_tokens(model, 'the cat sat on the mat', 2) FROM models;
SELECT json_extract(rnn_next_tokens(model, 'the cat ', 3), '$.s') > 0.5 FROM models WHERE name = 'char';

-- Perplexity: low on the language, high on other text.
SELECT name, rnn_perplexity(model, 'the cat sat on the mat') < 2,
       rnn_perplexity(model, 'zzz qqq xxx') > 10 FROM models;
SELECT rnn_perplexity(NULL, 'x'), rnn_perplexity(model, NULL) FROM models WHERE name = 'char';

-- Deterministic: the same rows and seed give the same BLOB.
SELECT (SELECT rnn_train_text(body, '{"hidden":8,"epochs":2,"seed":3}') FROM lines)
     = (SELECT rnn_train_text(body, '{"hidden":8,"epochs":2,"seed":3,"threads":1}') FROM lines);

-- Aggregates over nothing give NULL; rows of nothing but empty text are an error.
SELECT rnn_train_text(body) IS NULL FROM lines WHERE 0;
SELECT rnn_train_text('');
SELECT rnn_train_text('   ', '{"tokens":"word"}');

-- Errors name the function and what is allowed.
SELECT rnn_train_text(x'00');
SELECT rnn_train_text(x) FROM (SELECT NULL AS x UNION ALL SELECT NULL UNION ALL SELECT 'a' UNION ALL SELECT x'00');
SELECT rnn_train_text('a', '{"window":3}');
SELECT rnn_train_text('a', '{"bidirectional":true}');
SELECT rnn_train_text('a', '{"tokens":"bytes"}');
SELECT rnn_train_text('a', '{"context":0}');
SELECT rnn_train_text('a', 7);
SELECT rnn_train_text('a', '{}', 3);
SELECT rnn_generate(model, 'x', -1) FROM models WHERE name = 'char';
SELECT rnn_generate(model, 'x', 5, -1) FROM models WHERE name = 'char';
SELECT rnn_generate(model, 'x', 5, 'hot') FROM models WHERE name = 'char';
SELECT rnn_generate(model, 'x', 5, 1, -2) FROM models WHERE name = 'char';
SELECT rnn_generate(model, x'41') FROM models WHERE name = 'char';
SELECT rnn_next_tokens(model, 'x', 0) FROM models WHERE name = 'char';
SELECT rnn_next_tokens(model, 'x', 1001) FROM models WHERE name = 'char';
SELECT rnn_generate('not a model');
SELECT rnn_generate(x'00112233');
SELECT rnn_generate(substr(model, 1, 100)) FROM models WHERE name = 'char';
SELECT rnn_generate(NULL) IS NULL;

-- A model of the wrong kind says which function reads it.
CREATE TABLE s AS SELECT rnn_train(v, v * 2.0, '{"hidden":2,"epochs":1}') AS model
FROM (SELECT value AS v FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]'));
SELECT rnn_generate(model) FROM s;
SELECT rnn_perplexity(model, 'a') FROM s;
SELECT rnn_predict(model, '[1,2,3]') FROM models WHERE name = 'char';
SELECT * FROM rnn_forecast((SELECT model FROM models WHERE name = 'char'), 3);
-- A temperature too small for a float is 0: greedy, whatever the seed.
SELECT 'tiny temperature', name, rnn_generate(model, 'the', 12, 1e-300, 1) = rnn_generate(model, 'the', 12, 0, 1),
       rnn_generate(model, 'the', 12, 1e-300, 2) = rnn_generate(model, 'the', 12, 0, 2) FROM models;
-- U+0000 in training text reads as U+FFFD (core/text.c rule 1), so the
-- model reads back; options must be the same in every row.
SELECT 'nul', length(rnn_train_text(t, '{"hidden":4,"epochs":1}')) > 0
FROM (SELECT 'a' || char(0) || 'b' AS t UNION ALL SELECT 'a' || char(0) || 'b');
SELECT 'nul words', length(rnn_train_text(t, '{"hidden":4,"epochs":1,"tokens":"word"}')) > 0
FROM (SELECT 'a ' || char(0) || ' b' AS t UNION ALL SELECT 'c ' || char(0));
SELECT rnn_train_text(t, CASE WHEN n = 2 THEN '{"hidden":5,"epochs":1}' ELSE '{"hidden":4,"epochs":1}' END)
FROM (SELECT 1 AS n, 'one' AS t UNION ALL SELECT 2, 'two' UNION ALL SELECT 3, 'three');
SELECT rnn_train_text(t, CASE WHEN n = 2 THEN NULL ELSE '{"hidden":4,"epochs":1}' END)
FROM (SELECT 1 AS n, 'one' AS t UNION ALL SELECT 2, 'two' UNION ALL SELECT 3, 'three');
SELECT rnn_train_tagger(t, '[1,0,1]', CASE WHEN n = 2 THEN '{"epochs":2}' ELSE '{"epochs":1}' END)
FROM (SELECT 1 AS n, 'abc' AS t UNION ALL SELECT 2, 'def');
-- k NULL is the default 5, as rnn_generate's NULL arguments are.
SELECT 'next tokens k null', rnn_next_tokens(model, 'the', NULL) = rnn_next_tokens(model, 'the') FROM models;
