-- sqlite-rnn demo: learn the monthly AirPassengers series (1949-1960) and
-- print the next 12 months with 95% prediction intervals.
-- Run from the project root: make demo
.load ./dist/rnn
.mode csv
.import data/AirPassengers.csv air
.mode box

-- One model per series, stored as a BLOB in an ordinary table.
CREATE TABLE models AS
  SELECT 'AirPassengers' AS name, rnn_train(ts, value, '{"seed":1}') AS model FROM air;

SELECT name, length(model) AS bytes,
       json_extract(rnn_info(model), '$.cell') AS cell,
       json_extract(rnn_info(model), '$.window') AS window,
       json_extract(rnn_info(model), '$.step') AS step,
       json_extract(rnn_info(model), '$.last_ts') AS trained_until
FROM models;

-- The next 12 months.
SELECT f.ts AS month, round(f.value, 1) AS passengers,
       round(f.lower, 1) AS lower_95, round(f.upper, 1) AS upper_95
FROM models m, rnn_forecast(m.model, 12) f;
