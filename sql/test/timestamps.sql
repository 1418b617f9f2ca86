-- The step is inferred from ts of every kind; gaps become missing values;
-- rnn_forecast continues ts with the same type and step (calendar
-- arithmetic for months); an irregular series has no step and NULL ts.
CREATE TABLE n(i INTEGER);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 29) INSERT INTO n SELECT i FROM r;
CREATE TABLE s(name, ts, v);
INSERT INTO s SELECT 'int step 1, one gap', i, sin(i) FROM n WHERE i <> 13;
INSERT INTO s SELECT 'int step 5', 100 + 5 * i, sin(i) FROM n;
INSERT INTO s SELECT 'real step 0.25', 1.5 + 0.25 * i, sin(i) FROM n;
INSERT INTO s SELECT 'irregular', i * i, sin(i) FROM n;
INSERT INTO s SELECT 'monthly, two gaps', date('1949-01-01', '+' || i || ' months'), sin(i) FROM n WHERE i NOT IN (4, 5);
INSERT INTO s SELECT 'month ends', date('2019-10-01', '+' || (i + 1) || ' months', '-1 day'), sin(i) FROM n;
INSERT INTO s SELECT 'quarterly', date('1960-01-01', '+' || (3 * i) || ' months'), sin(i) FROM n;
INSERT INTO s SELECT 'yearly', date('1821-01-01', '+' || i || ' years'), sin(i) FROM n;
INSERT INTO s SELECT 'daily', date('2024-02-20', '+' || i || ' days'), sin(i) FROM n;
INSERT INTO s SELECT 'weekly', date('2024-01-01', '+' || (7 * i) || ' days'), sin(i) FROM n;
INSERT INTO s SELECT 'hourly', datetime('2024-03-05 13:00:00', '+' || i || ' hours'), sin(i) FROM n;
INSERT INTO s SELECT 'every 15 minutes', strftime('%Y-%m-%dT%H:%M', '2024-03-05 23:00', '+' || (15 * i) || ' minutes'), sin(i) FROM n;
CREATE TABLE m AS
  SELECT name, rnn_train(ts, v, '{"cell":"rnn","window":3,"hidden":2,"epochs":1,"validation":0}') AS model
  FROM s GROUP BY name;
SELECT name, json_extract(rnn_info(model), '$.step'), json_extract(rnn_info(model), '$.rows'),
       json_extract(rnn_info(model), '$.missing_filled'), json_extract(rnn_info(model), '$.last_ts')
FROM m ORDER BY rowid;
SELECT m.name, group_concat(coalesce(f.ts, 'NULL') || ':' || typeof(f.ts), ' ')
FROM m, rnn_forecast(m.model, 3) f GROUP BY m.name ORDER BY m.rowid;
-- Issue 10 item 7: TEXT that reads as a number is that number (a CSV
-- import gives every column as TEXT); forecast ts are numbers then.
CREATE TABLE imported(ts TEXT, v TEXT);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 60) INSERT INTO imported SELECT n, 10 + n % 7 FROM i;
SELECT 'text index', step, ts, typeof(ts) FROM rnn_forecast((SELECT rnn_train(ts, v, '{"epochs":2}') FROM imported), 2);
SELECT 'epoch seconds', step, ts FROM rnn_forecast((SELECT rnn_train(strftime('%s', d), v, '{"epochs":2}')
  FROM (SELECT date('2023-01-01', '+' || value || ' days') AS d, value % 5 AS v FROM generate_series(0, 40))), 2);
SELECT rnn_train(ts, v) FROM (SELECT '1' AS ts, 1 AS v UNION ALL SELECT '2020-01-01', 2);
SELECT rnn_train(ts, v) FROM (SELECT '1x' AS ts, 1 AS v);
-- Issue 10 item 7: forecast ts come back in the format the training ts
-- were written in (separator, seconds, milliseconds, Z), so joins on ts match.
CREATE TABLE h(ts TEXT, v REAL);
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 47)
INSERT INTO h SELECT strftime('%Y-%m-%d %H:%M', '2024-07-29 00:00', '+' || n || ' hours'), n % 24 FROM i;
SELECT 'minutes', ts FROM rnn_forecast((SELECT rnn_train(ts, v, '{"epochs":1}') FROM h), 2);
SELECT 'T and Z', ts FROM rnn_forecast((SELECT rnn_train(strftime('%Y-%m-%dT%H:%M:%SZ', ts), v, '{"epochs":1}') FROM h), 2);
SELECT 'millis', ts FROM rnn_forecast((SELECT rnn_train(strftime('%Y-%m-%d %H:%M:%f', ts), v, '{"epochs":1}') FROM h), 1);
SELECT 'joins', count(*) FROM rnn_forecast((SELECT rnn_train(ts, v, '{"epochs":1}') FROM h WHERE ts < '2024-07-30 12:00'), 3) f
  JOIN h ON h.ts = f.ts;
SELECT 'info', json_extract(rnn_info(rnn_train(strftime('%Y-%m-%dT%H:%MZ', ts), v, '{"epochs":1}')), '$.last_ts') FROM h;
-- Dates and midnight date-times are the same instants: a date-time at the
-- first or the last row of a date series trains, and the forecasts take
-- the last row's form (ext/train.c one_ts_kind).
CREATE TABLE dd(ts, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 59)
INSERT INTO dd SELECT date('2020-01-01', '+' || i || ' days'), i % 7 FROM r;
SELECT 'first a date-time', group_concat(ts), json_extract(rnn_info(m), '$.first_ts')
FROM (SELECT rnn_train(CASE WHEN ts = '2020-01-01' THEN ts || ' 00:00:00' ELSE ts END, v, '{"epochs":1}') AS m FROM dd),
     rnn_forecast(m, 2);
SELECT 'last a date-time', group_concat(ts), json_extract(rnn_info(m), '$.first_ts')
FROM (SELECT rnn_train(CASE WHEN ts = '2020-02-29' THEN ts || 'T00:00Z' ELSE ts END, v, '{"epochs":1}') AS m FROM dd),
     rnn_forecast(m, 2);
-- Half-day steps whose last row is a date: forecasts keep their times.
CREATE TABLE hd(ts, v);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 60)
INSERT INTO hd SELECT CASE WHEN i % 2 THEN datetime('2020-01-01', '+' || (i * 12) || ' hours')
                      ELSE date('2020-01-01', '+' || (i / 2) || ' days') END, i % 7 FROM r;
SELECT 'half days', group_concat(ts) FROM rnn_forecast((SELECT rnn_train(ts, v, '{"epochs":1}') FROM hd), 3);
-- INTEGER and REAL ts in one series, the first and the last of different
-- types: one kind per model (REAL where a value or the step needs it).
SELECT 'int then real', group_concat(ts) FROM rnn_forecast((SELECT rnn_train(ts, v, '{"epochs":1,"hidden":2}') FROM
  (SELECT value AS ts, value % 5 AS v FROM generate_series(1, 30) UNION ALL SELECT 31.0, 5)), 2);
SELECT 'real then int', group_concat(ts) FROM rnn_forecast((SELECT rnn_train(ts, v, '{"epochs":1,"hidden":2}') FROM
  (SELECT value * 1.0 AS ts, value % 5 AS v FROM generate_series(1, 30) UNION ALL SELECT 31, 5)), 2);
SELECT 'half steps then int', group_concat(ts) FROM rnn_forecast((SELECT rnn_train(ts, v, '{"epochs":1,"hidden":2}') FROM
  (SELECT value * 0.5 AS ts, value % 5 AS v FROM generate_series(1, 30) UNION ALL SELECT 16, 5)), 2);
SELECT 'global, mixed', length(rnn_train_global(k, ts, v, '{"epochs":1,"hidden":2}')) > 0
FROM (SELECT value % 2 AS k, CASE WHEN value > 55 THEN value * 1.0 ELSE value END AS ts, value % 7 AS v FROM generate_series(1, 60));
-- Why a series has no step (core/timestamp.c rules 8-9): rnn_info's
-- irregular names the first ts off the grid and counts them; null when the
-- series is regular. The calendar option's error says the same.
SELECT 'why', name, rnn_info(model) ->> '$.irregular' FROM m WHERE name IN ('irregular', 'hourly');
CREATE TABLE odd(name, ts, v);
INSERT INTO odd SELECT 'one stray time', datetime('2024-03-05 00:00', '+' || i || ' hours'), sin(i) FROM n;
UPDATE odd SET ts = '2024-03-05 12:07:00' WHERE ts = '2024-03-05 12:00:00';
INSERT INTO odd SELECT 'first row off', CASE WHEN i = 0 THEN 1 ELSE 2 * i END, sin(i) FROM n;
INSERT INTO odd SELECT 'monthly on the 15th, one on the 14th', date('2020-01-15', '+' || i || ' months', CASE WHEN i = 7 THEN '-1 day' ELSE '+0 days' END), sin(i) FROM n;
INSERT INTO odd SELECT 'real, one stray', 0.5 * i + CASE WHEN i = 11 THEN 0.1 ELSE 0 END, sin(i) FROM n;
INSERT INTO odd SELECT 'span', CASE WHEN i = 0 THEN -9223372036854775807 WHEN i = 1 THEN 9223372036854775807 ELSE i END, sin(i) FROM n;
INSERT INTO odd SELECT 'mostly every 2, some 1', CASE WHEN i < 20 THEN 2 * i ELSE 38 + (i - 19) END, sin(i) FROM n;
SELECT 'why', name, rnn_info(rnn_train(ts, v, '{"epochs":1,"hidden":2,"window":3}')) ->> '$.irregular'
FROM odd GROUP BY name ORDER BY min(rowid);
SELECT 'kept by a fine-tune', rnn_info(rnn_finetune((SELECT rnn_train(ts, v, '{"epochs":1,"hidden":2,"window":3}')
  FROM odd WHERE name = 'one stray time'), ts, v)) ->> '$.irregular.ts'
FROM (SELECT datetime('2024-03-07', '+' || i || ' hours') AS ts, i AS v FROM n);
SELECT rnn_train(ts, v, '{"epochs":1,"calendar":true}') FROM odd WHERE name = 'one stray time';
CREATE TABLE g(k, ts, v);
INSERT INTO g SELECT 'regular', i, sin(i) FROM n UNION ALL SELECT 'one stray', CASE WHEN i = 20 THEN 20.25 ELSE i END, cos(i) FROM n;
SELECT 'global series', k, rnn_info((SELECT rnn_train_global(k, ts, v, '{"epochs":1,"hidden":2,"window":3}') FROM g), k) ->> '$.irregular.ts'
FROM (SELECT 'regular' AS k UNION ALL SELECT 'one stray');
-- Found by a review: a 4-weekly series is a fixed step, not a day of the
-- month; month ends and the 28th are one day in February; REAL ts within
-- rnn_grid's tolerance (julianday); INTEGER steps beyond 4e18 train.
CREATE TABLE odd2(name, ts, v);
INSERT INTO odd2 SELECT '4-weekly, one stray', date('2024-01-01', '+' || (28 * i + (i = 20)) || ' days'), sin(i) FROM n;
INSERT INTO odd2 SELECT 'monthly on the 28th, one stray', date('2019-01-28', '+' || i || ' months', CASE WHEN i = 20 THEN '-14 days' ELSE '+0 days' END), sin(i) FROM n;
INSERT INTO odd2 SELECT 'on the 30th (SQLite moves February 30 to March)', date('2019-04-30', '+' || i || ' months'), sin(i) FROM n;
INSERT INTO odd2 SELECT 'julian minutes, one stray', julianday('2024-01-01', '+' || i || ' minutes', CASE WHEN i = 17 THEN '+20 seconds' ELSE '+0 seconds' END), sin(i) FROM n;
SELECT 'why', name, rnn_info(rnn_train(ts, v, '{"epochs":1,"hidden":2,"window":3}')) ->> '$.irregular'
FROM odd2 GROUP BY name ORDER BY min(rowid);
SELECT 'huge steps', rnn_info(rnn_train(ts, v)) ->> '$.irregular.reason'
FROM (SELECT column1 AS ts, column2 AS v FROM (VALUES (0, 1.0), (1, 2.0), (4100000000000000000, 3.0), (8200000000000000002, 4.0)));
SELECT 'a fine-tune keeps the count of the rows checked', rnn_info(rnn_finetune((SELECT rnn_train(ts, v, '{"epochs":1,"hidden":2,"window":3}')
  FROM odd WHERE name = 'one stray time'), ts, v)) ->> '$.irregular.why'
FROM (SELECT datetime('2024-03-07', '+' || (i * 7) || ' minutes') AS ts, i AS v FROM n);
-- A second review: dates on a grid of months with a stray month (a
-- quarterly series, a yearly one) name the stray; a step over 2^53 is span.
SELECT 'months', rnn_info(rnn_train(ts, v, '{"epochs":1,"hidden":2,"window":3}')) ->> '$.irregular.why'
FROM (SELECT date('2020-01-01', '+' || (3 * i + (i = 5)) || ' months') AS ts, sin(i) AS v FROM n);
SELECT 'years', rnn_info(rnn_train(ts, v, '{"epochs":1,"hidden":2,"window":3}')) ->> '$.irregular.ts'
FROM (SELECT date('2000-01-01', '+' || i || ' years', CASE WHEN i = 5 THEN '+6 months' ELSE '+0 days' END) AS ts, sin(i) AS v FROM n);
SELECT 'quarter ends', rnn_info(rnn_train(ts, v, '{"epochs":1,"hidden":2,"window":3}')) ->> '$.irregular.ts'
FROM (SELECT date('2020-01-01', '+' || (3 * i + (i = 4) + 1) || ' months', '-1 day') AS ts, sin(i) AS v FROM n);
SELECT 'beyond 2^53', rnn_info(rnn_train(ts, v)) ->> '$.irregular.reason'
FROM (SELECT column1 AS ts, column2 AS v FROM (VALUES (0, 1.0), (1, 2.0), (4000000000000000002, 3.0), (8000000000000000003, 4.0)));
-- A third review: each REAL ts within rnn_grid's tolerance of its own
-- number of steps (a small stray near the start of a long series); a step
-- just over 2^53 is span.
SELECT 'real stray near the start', rnn_info(rnn_train(ts, v, '{"method":"network","hidden":2,"window":3,"epochs":1}')) ->> '$.irregular.ts'
FROM (SELECT CASE WHEN value = 5 THEN (value + 1e-4) * 0.5 ELSE value * 0.5 END AS ts, value % 3 AS v FROM generate_series(0, 999));
SELECT 'step 2^53 + 1', rnn_info(rnn_train(ts, v)) ->> '$.irregular.reason'
FROM (SELECT i * 9007199254740993 + (i = 10) AS ts, i AS v FROM n WHERE i < 12);
