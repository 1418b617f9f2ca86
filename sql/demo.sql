-- sqlite-rnn demo: learn the monthly AirPassengers series (1949-1960) and
-- print the next 12 months. Run from the project root: make demo
.load ./dist/rnn
.mode csv
.import data/AirPassengers.csv air
.mode box

-- One model per series, stored as a BLOB in an ordinary table.
CREATE TABLE models AS
  SELECT 'AirPassengers' AS name,
         rnn_train(ts, value, '{"cell":"lstm","hidden":32,"window":12,"epochs":300,"seed":1}') AS model
  FROM air;

SELECT name, length(model) AS bytes,
       json_extract(rnn_info(model), '$.last_ts') AS trained_until
FROM models;

-- The next 12 values, one row per month after the last observation.
SELECT date(json_extract(rnn_info(m.model), '$.last_ts'),
            '+' || (f.key + 1) || ' months') AS month,
       round(f.value, 1) AS passengers
FROM models m, json_each(rnn_predict(m.model, NULL, 12)) f;
