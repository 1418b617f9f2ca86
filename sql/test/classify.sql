-- Classifiers and taggers (SPEC 8): training on text and on numbers,
-- labels of every SQL type, probabilities, tags, rnn_info, and the errors.
CREATE TABLE words(word TEXT, lang);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 119)
INSERT INTO words
SELECT CASE i % 3
         WHEN 0 THEN substr('aeiolmnaeiolmn', 1 + i % 7, 3 + i % 4)
         WHEN 1 THEN substr('xyzkqwxyzkqw', 1 + i % 6, 3 + i % 4)
         ELSE substr('ptdbgfptdbgf', 1 + i % 6, 3 + i % 4) END,
       CASE i % 3 WHEN 0 THEN 'vowels' WHEN 1 THEN 7 ELSE 2.5 END
FROM r;
INSERT INTO words VALUES (NULL, 'skipped'), ('skipped', NULL);

CREATE TABLE m AS
SELECT rnn_train_classifier(word, lang, '{"hidden":16,"epochs":40,"seed":1}') AS model FROM words;

.mode list
-- Labels keep their SQL type; probabilities in label order (numbers first).
SELECT rnn_classify(model, 'lemon'), typeof(rnn_classify(model, 'lemon')),
       rnn_classify(model, 'zyqx'), typeof(rnn_classify(model, 'zyqx')),
       rnn_classify(model, 'pdtb'), typeof(rnn_classify(model, 'pdtb')) FROM m;
SELECT (SELECT group_concat(key, ',') FROM json_each(rnn_classify_proba(model, 'lemon'))),
       round((SELECT sum(value) FROM json_each(rnn_classify_proba(model, 'lemon'))), 6)
FROM m;
SELECT json_extract(rnn_info(model), '$.kind'), json_extract(rnn_info(model), '$.labels'),
       json_extract(rnn_info(model), '$.input'), json_extract(rnn_info(model), '$.rows'),
       json_extract(rnn_info(model), '$.validation.accuracy') >= 0.9,
       json_extract(rnn_info(model), '$.bidirectional') FROM m;
SELECT rnn_classify(model, NULL) IS NULL, rnn_classify(NULL, 'x') IS NULL FROM m;

-- Numeric sequences of any length: rising or falling walks.
CREATE TABLE walks(seq TEXT, dir TEXT);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 99),
     k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 8)
INSERT INTO walks
SELECT json_group_array(CASE WHEN r.i % 2 THEN k.j ELSE -k.j END + r.i % 5),
       CASE WHEN r.i % 2 THEN 'up' ELSE 'down' END
FROM r JOIN k ON k.j <= 2 + r.i % 6 GROUP BY r.i;
CREATE TABLE mw AS SELECT rnn_train_classifier(seq, dir, '{"hidden":8,"epochs":30,"seed":2}') AS model FROM walks;
SELECT rnn_classify(model, '[1,2,3,4,5]'), rnn_classify(model, '[[2],[0],[-2],[-4]]'),
       json_extract(rnn_info(model), '$.input'), json_extract(rnn_info(model), '$.features')
FROM mw;

-- A tagger: word starts with the spaces removed, bidirectional by default.
CREATE TABLE lines(body TEXT);
INSERT INTO lines VALUES
  ('the cat sat on the mat'), ('the dog sat on the log'), ('a cat ate the rat'),
  ('the rat sat on a hat'), ('a dog ate the cat'), ('the cat saw a dog');
INSERT INTO lines SELECT body FROM lines;
INSERT INTO lines SELECT body FROM lines;
CREATE TABLE seg AS
WITH RECURSIVE c(body, i, prev, tags) AS (
  SELECT body, 1, ' ', '' FROM lines
  UNION ALL
  SELECT body, i + 1, substr(body, i, 1),
         tags || CASE WHEN substr(body, i, 1) = ' ' THEN ''
                      ELSE CASE WHEN prev = ' ' THEN '1,' ELSE '0,' END END
  FROM c WHERE i <= length(body)
)
SELECT replace(body, ' ', '') AS text, '[' || rtrim(tags, ',') || ']' AS tags
FROM c WHERE i = length(body) + 1;
CREATE TABLE mt AS SELECT rnn_train_tagger(text, tags, '{"hidden":16,"epochs":40,"seed":3,"validation":0}') AS model FROM seg;
SELECT rnn_tag(model, 'thecatsatonthemat') FROM mt;
SELECT json_extract(rnn_info(model), '$.kind'), json_extract(rnn_info(model), '$.bidirectional'),
       json_extract(rnn_info(model), '$.labels') FROM mt;
-- Tags of every JSON type; null is an element without a tag.
SELECT rnn_tag(model, 'ab') FROM
  (SELECT rnn_train_tagger(t, g, '{"epochs":2,"hidden":2}') AS model FROM
    (SELECT 'ab' AS t, '["x", null]' AS g UNION ALL SELECT 'ba', '[true, 2.5]'));

-- Deterministic.
SELECT (SELECT rnn_train_classifier(word, lang, '{"hidden":4,"epochs":2,"seed":9}') FROM words)
     = (SELECT rnn_train_classifier(word, lang, '{"hidden":4,"epochs":2,"seed":9,"threads":1}') FROM words);

-- Errors name the function, the row and what is allowed.
SELECT rnn_train_classifier('abc');
SELECT rnn_train_classifier('abc', 'x', '{"context":3}');
SELECT rnn_train_classifier(x'00', 'x');
SELECT rnn_train_classifier('', 'x');
SELECT rnn_train_classifier('abc', 9e999);
SELECT rnn_train_classifier(seq, 'x') FROM (SELECT '[1,2]' AS seq UNION ALL SELECT '[1,"a"]');
SELECT rnn_train_classifier(seq, 'x') FROM (SELECT '[[1,2],[3,4]]' AS seq UNION ALL SELECT '[1,2]');
SELECT rnn_train_tagger('abc', '[1,0]');
SELECT rnn_train_tagger('abc', 'not json');
SELECT rnn_train_tagger('abc', '[1,[0],1]');
SELECT rnn_train_tagger('abc', 3);
SELECT rnn_classify(model, x'00') FROM m;
SELECT rnn_classify(model, '') FROM m;
SELECT rnn_classify(model, 'x') FROM mt;
SELECT rnn_tag(model, 'x') FROM m;
SELECT rnn_classify(model, 'abc') FROM mw;
SELECT rnn_classify(model, '[[1,2]]') FROM mw;
SELECT rnn_classify('nope', 'x');
SELECT rnn_classify(substr(model, 1, 50), 'x') FROM m;
SELECT rnn_generate(model) FROM m;
SELECT rnn_predict(model) FROM mt;
-- Labels keep their type, and rnn_classify_proba names each by its text:
-- two labels with one text are an error before training (ext/classify.c
-- rule 2); 1 and 1.0 are one label.
CREATE TABLE kl(seq, label);
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 20)
INSERT INTO kl SELECT 'example ' || i, CASE WHEN i % 2 THEN 1 ELSE '1' END FROM r;
SELECT rnn_train_classifier(seq, label, '{"epochs":1,"hidden":4}') IS NOT NULL FROM kl;
UPDATE kl SET label = CASE WHEN rowid % 2 THEN x'22' ELSE '22' END;
SELECT rnn_train_classifier(seq, label, '{"epochs":1,"hidden":4}') IS NOT NULL FROM kl;
UPDATE kl SET label = CASE WHEN rowid % 2 THEN 22 ELSE x'22' END;
SELECT rnn_train_classifier(seq, label, '{"epochs":1,"hidden":4}') IS NOT NULL FROM kl;
UPDATE kl SET label = CASE WHEN rowid % 2 THEN 2.5 ELSE '2.5' END;
SELECT rnn_train_classifier(seq, label, '{"epochs":1,"hidden":4}') IS NOT NULL FROM kl;
UPDATE kl SET label = CASE WHEN rowid % 3 = 0 THEN 1 WHEN rowid % 3 = 1 THEN 'one' ELSE x'01' END;
SELECT 'distinct keys', (SELECT group_concat(key) FROM json_each(rnn_classify_proba(m, 'example 3')))
FROM (SELECT rnn_train_classifier(seq, label, '{"epochs":1,"hidden":4}') AS m FROM kl);
UPDATE kl SET label = CASE WHEN rowid % 2 THEN 1.0 ELSE 1 END;
SELECT 'one label', json_array_length(json_extract(rnn_info(rnn_train_classifier(seq, label, '{"epochs":1,"hidden":4}')), '$.labels')) FROM kl;
-- The first seq decides the form only when it parses as numbers: text
-- that starts with '[' is text (it was taken for numbers and refused).
SELECT 'bracket text', rnn_classify(m, '[Verse] la la') IS NOT NULL, rnn_info(m)->>'$.input'
FROM (SELECT rnn_train_classifier(s, l, '{"hidden":4,"epochs":1}') AS m
      FROM (SELECT '[Chorus] la la la' AS s, 'song' AS l UNION ALL SELECT 'Dear sir, thanks', 'letter'));
SELECT 'bracket words', rnn_tag(rnn_train_tagger(s, t, '{"tokens":"word","hidden":4,"epochs":1}'), '[ b ]')
FROM (SELECT '[ a ]' AS s, '[0,1,0]' AS t);
-- Errors name the row among every row, NULL ones too (rows 4, 3 and 3),
-- and say why a number does not read.
SELECT rnn_train_classifier(x, l) FROM (SELECT NULL AS x, 1 AS l UNION ALL SELECT 'a', NULL UNION ALL SELECT 'b', 9e999);
SELECT rnn_train_tagger(x, t, '{"hidden":4,"epochs":1}') FROM (SELECT NULL AS x, '[1]' AS t UNION ALL SELECT 'ab', NULL UNION ALL SELECT 'abc', '[1,2]');
SELECT rnn_train_classifier(x, l) FROM (SELECT '[1,2]' AS x, 'a' AS l UNION ALL SELECT NULL, 'c' UNION ALL SELECT '[1, 1e999]', 'b');
SELECT rnn_train_tagger('ab', '[1e999,1]');
-- Values whose squares overflow a double are standardised all the same
-- (they diverged: the spread fell back to 1).
SELECT 'huge values', rnn_classify(m, '[3e160,-2e160]'), rnn_classify(m, '[-3e160,2e160]')
FROM (SELECT rnn_train_classifier(x, l, '{"hidden":8,"epochs":30,"lr":0.05,"seed":1,"validation":0}') AS m
      FROM (SELECT '[1e160,-1e160]' AS x, 'a' AS l UNION ALL SELECT '[-1e160,1e160]', 'b'
            UNION ALL SELECT '[2e160,-1e160]', 'a' UNION ALL SELECT '[-2e160,1e160]', 'b'));
-- So are values whose sum overflows (the mean fell back to 0 and the
-- spread to 1: the network's inputs were 1e308).
SELECT 'huge sums', rnn_classify(m, '[1.25e308,-1e308]'), rnn_classify(m, '[1.65e308,-1.5e308]')
FROM (SELECT rnn_train_classifier(x, l, '{"hidden":8,"epochs":30,"lr":0.05,"seed":1,"validation":0}') AS m
      FROM (SELECT '[1.2e308,-1e308]' AS x, 'a' AS l UNION ALL SELECT '[1.7e308,-1.5e308]', 'b'
            UNION ALL SELECT '[1.3e308,-1.1e308]', 'a' UNION ALL SELECT '[1.6e308,-1.6e308]', 'b'));
-- A TEXT label need not be valid UTF-8; the JSON that names it is: a byte
-- that starts no UTF-8 sequence is U+FFFD there (it was copied as it came),
-- so such a label and one with a real U+FFFD would be one key: an error.
SELECT 'invalid utf-8 label', instr(p, CAST(x'ff' AS TEXT)) = 0, instr(p, '"a' || char(65533) || 'b":') > 0,
       instr(p, '"q\"\\":') > 0, instr(p, '"€":') > 0, instr(i, CAST(x'ff' AS TEXT)) = 0,
       rnn_classify(m, 'ab') IN (CAST(x'61ff62' AS TEXT), CAST(x'e282ac' AS TEXT), 'q"\')
FROM (SELECT m, rnn_classify_proba(m, 'ab') AS p, rnn_info(m) AS i
      FROM (SELECT rnn_train_classifier(s, l, '{"hidden":4,"epochs":1}') AS m
            FROM (SELECT 'ab' AS s, CAST(x'61ff62' AS TEXT) AS l UNION ALL SELECT 'cd', CAST(x'e282ac' AS TEXT)
                  UNION ALL SELECT 'ef', 'q"\')));
SELECT rnn_train_classifier(s, l, '{"hidden":4,"epochs":1}')
FROM (SELECT 'ab' AS s, CAST(x'61ff' AS TEXT) AS l UNION ALL SELECT 'cd', CAST(x'61efbfbd' AS TEXT));
-- A first seq that is a JSON array but not of numbers is an error, not text.
SELECT rnn_train_classifier(s, l, '{"hidden":4,"epochs":1}') FROM (SELECT '[[1,2],[3]]' AS s, 'a' AS l);
