-- rnn_plot (ext/plot.c): a self-contained SVG of the history, the forecast
-- and its interval band; tests/plot_test.py renders it in Chromium and
-- checks the picture.
.mode csv
.import data/AirPassengers.csv air
.mode list
CREATE TABLE m AS SELECT rnn_train(ts, value, '{"epochs":5,"hidden":8}') AS model FROM air;
-- An SVG document with the band, both lines, the dates of the time axis.
SELECT 'svg', substr(rnn_plot(model), 1, 40), rnn_plot(model) LIKE '%</svg>' || char(10),
       instr(rnn_plot(model), '<polygon') > 0, instr(rnn_plot(model), '1961-01-01') > 0,
       instr(rnn_plot(model), '95% interval') > 0 FROM m;
-- Deterministic, and the horizon sets how many forecast points are drawn.
SELECT 'same', rnn_plot(model) = rnn_plot(model),
       length(rnn_plot(model, 24)) > length(rnn_plot(model, 6)) FROM m;
-- No band at level NULL; options; text escaped for XML.
SELECT 'no band', instr(rnn_plot(model, 12, NULL), '<polygon') FROM m;
SELECT 'options', instr(p, 'width="300" height="200"') > 0, instr(p, 'A &amp; B &lt;x&gt; &quot;q&quot;') > 0,
       instr(p, '>kg<') > 0
FROM (SELECT rnn_plot(model, 3, 0.8, '{"width":300,"height":200,"title":"A & B <x> \"q\"","unit":"kg","history":10}') AS p FROM m);
-- A NULL model gives NULL; errors name rnn_plot and what is allowed.
SELECT 'null', rnn_plot(NULL) IS NULL;
SELECT rnn_plot(model, 0) FROM m;
SELECT rnn_plot(model, 12, 1.5) FROM m;
SELECT rnn_plot(model, 12, 0.9, '{"colour":"red"}') FROM m;
SELECT rnn_plot(model, 12, 0.9, '{"width":50}') FROM m;
SELECT rnn_plot(model, 12, 0.9, '{"history":100000}') FROM m;
SELECT rnn_plot(model, 12, 0.9, '{"title":7}') FROM m;
SELECT rnn_plot(model, 12, 0.9, '[1]') FROM m;
SELECT rnn_plot(model, 12, 0.9, '{bad') FROM m;
SELECT rnn_plot(x'00') FROM m;
-- An integer ts labels the axis with its numbers (the first forecast step,
-- 81, among them); the history, the forecast and the segment joining them.
CREATE TABLE g(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 80)
INSERT INTO g SELECT n, 10 + n % 4 FROM i;
SELECT 'integer ts', instr(p, '>81</text>') > 0, (length(p) - length(replace(p, '<polyline', ''))) / 9
FROM (SELECT rnn_plot(rnn_train(t, v, '{"epochs":2,"hidden":4}'), 4, 0.9, '{"history":8}') AS p FROM g);
SELECT 'fallback', instr(rnn_plot(rnn_train(t, v, '{"window":40}')), '</svg>') > 0 FROM g WHERE t <= 10;
-- Values so large that adding a tick step changes nothing still draw (the
-- ticks are counted, not stepped).
CREATE TABLE huge(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 30)
INSERT INTO huge SELECT n, 1e300 FROM i;
SELECT 'huge', instr(rnn_plot(rnn_train(t, v, '{"epochs":1,"hidden":2}')), '</svg>') > 0 FROM huge;
-- A flat series of large values: no NaN drawn (the range gets room).
CREATE TABLE flat(t INTEGER, v REAL);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 100)
INSERT INTO flat SELECT n, 1e17 FROM i;
SELECT 'flat', instr(lower(rnn_plot(rnn_train(t, v, '{"epochs":3}'))), 'nan') FROM flat;
-- The default horizon is the model's, as rnn_forecast's (here a seasonal
-- naive model, whose own period is shorter).
CREATE TABLE sn AS SELECT rnn_train(t, v, '{"horizon":30,"window":40}') AS model FROM g WHERE t <= 30;
SELECT 'default horizon', (SELECT count(*) FROM sn s2, rnn_forecast(s2.model)),
       length(rnn_plot(model)) = length(rnn_plot(model, 30)) FROM sn;
-- Text XML forbids, repeated keys, too long options: errors.
SELECT rnn_plot(model, 12, 0.9, '{"title":"a\u0001b"}') FROM m;
SELECT rnn_plot(model, 12, 0.9, '{"title":"A","title":"B"}') FROM m;
SELECT rnn_plot(model, 12, 0.9, '{"title\u0000x":"C"}') FROM m;
SELECT rnn_plot(model, 12, 0.9, '{"title":"' || zeroblob(70000) || '"}') FROM m;
SELECT rnn_plot(model, 20000) FROM m;
-- rnn_plot_backtest: the actual values and rnn_backtest's one-step
-- forecasts with their band, positions on the axis.
CREATE TABLE mb AS SELECT rnn_train(ts, value, '{"epochs":5,"hidden":8}') AS model FROM air WHERE ts < '1959-01-01';
CREATE TABLE js AS SELECT json_group_array(CAST(value AS REAL)) AS series FROM (SELECT value FROM air ORDER BY ts);
SELECT 'backtest', substr(p, 1, 40), instr(p, 'one-step forecast') > 0, instr(p, '<polygon') > 0,
       instr(p, '>1</text>') > 0, p LIKE '%</svg>' || char(10)
FROM (SELECT rnn_plot_backtest(model, series) AS p FROM mb, js);
SELECT 'backtest no band', instr(rnn_plot_backtest(model, series, NULL), '<polygon') FROM mb, js;
SELECT 'backtest null model', rnn_plot_backtest(NULL, series) IS NULL FROM js;
SELECT rnn_plot_backtest(model, '[1,2,3]') FROM mb;
SELECT rnn_plot_backtest(model, NULL) FROM mb;
SELECT rnn_plot_backtest(model, series, 0.9, '{"history":3}') FROM mb, js;
SELECT rnn_plot_backtest(model, series, 0.9, '{"":3}') FROM mb, js;
SELECT rnn_plot_backtest(model, '[1, "x"]') FROM mb;
-- Option "step": each position's forecast from the rows up to 3 before it
-- (rnn_backtest's step 3), titled and named so, with step 3's band; the
-- line starts 2 positions after the one-step line, at position 99 (the
-- model reads 96 rows), whose axis label sits at the same x. Step 1 is
-- the default chart.
SELECT 'backtest step', instr(p, '>Backtest: forecasts 3 steps ahead<') > 0,
       instr(p, '>forecast 3 steps ahead<') > 0, instr(p, '<polygon') > 0,
       instr(p, '<text x="' || substr(r, 1, instr(r, ',') - 1) || '" y="360.0" text-anchor="middle" fill="#444444">99</text>') > 0,
       same
FROM (SELECT p, substr(p, instr(p, 'stroke-width="2" points="') + 25) AS r, same
      FROM (SELECT rnn_plot_backtest(model, series, 0.9, '{"step":3}') AS p,
                   rnn_plot_backtest(model, series, 0.9, '{"step":1}') = rnn_plot_backtest(model, series, 0.9) AS same
            FROM mb, js));
SELECT rnn_plot_backtest(model, series, 0.9, '{"step":0}') FROM mb, js;
SELECT rnn_plot_backtest(model, series, 0.9, '{"step":2.5}') FROM mb, js;
SELECT rnn_plot_backtest(model, series, 0.9, '{"step":1001}') FROM mb, js;
SELECT rnn_plot_backtest(model, (SELECT json_group_array(CAST(value AS REAL)) FROM (SELECT value FROM air ORDER BY ts LIMIT 98)), 0.9, '{"step":3}') FROM mb;
-- 99 rows give one forecast at step 3: a dot in the forecast's colour on a
-- band 6 px wide (a line of one point would draw nothing), and no line.
SELECT 'backtest step fits', (length(p) - length(replace(p, '<circle fill="#1f77b4" r="3" cx=', ''))) / 32,
       instr(p, '<polyline fill="none" stroke="#1f77b4"'),
       substr(p, instr(p, '<polygon'), 200) REGEXP '^<polygon [^>]*points="([0-9.]+,[0-9.]+ ){4}"/>'
FROM (SELECT rnn_plot_backtest(model, (SELECT json_group_array(CAST(value AS REAL)) FROM (SELECT value FROM air ORDER BY ts LIMIT 99)), 0.9, '{"step":3}') AS p FROM mb);
SELECT rnn_plot(model, 12, 0.9, '{"step":3}') FROM mb;
-- The legend's band key moves right of a longer forecast name.
SELECT 'backtest legend', instr(rnn_plot_backtest(model, series, 0.9, '{"step":3}'), '<rect x="355.0" y="381.0"') > 0,
       instr(rnn_plot_backtest(model, series, 0.9), '<rect x="320.0" y="381.0"') > 0 FROM mb, js;
-- The work limit is the whole chart's: a network of 512 units forecasting
-- 19 steps ahead from each of 10,000 rows is refused at once, as
-- rnn_backtest refuses it (a block of origins at a time had let it run
-- for half an hour).
CREATE TABLE big AS WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < 59)
  SELECT i AS ts, (i % 7) * 1.0 AS v FROM t;
CREATE TABLE mbig AS SELECT rnn_train(ts, v, '{"method":"network","hidden":512,"epochs":1,"window":24,"horizon":1,"validation":0}') AS model FROM big;
CREATE TABLE long AS WITH RECURSIVE t(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM t WHERE i < 9999)
  SELECT json_group_array(i % 7) AS series FROM t;
SELECT rnn_plot_backtest(model, series, 0.9, '{"step":19}') FROM mbig, long;
