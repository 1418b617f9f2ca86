#!/usr/bin/env bash
# Regenerates the committed seed corpora in tests/fuzz/corpus/ from a build
# of the extension (default build/rnn): real model BLOBs of every kind, and
# options, JSON windows and SQL-harness inputs built from them.
set -euo pipefail
cd "$(dirname "$0")/../.."
ext=${1:-build/rnn}
c=tests/fuzz/corpus
# Regression seeds (regress_*: inputs that once found a bug) stay.
find "$c" -type f ! -name 'regress_*' -delete 2>/dev/null || true
mkdir -p "$c/blob" "$c/options" "$c/json" "$c/sql" "$c/text"

sqlite3 -cmd ".load $ext" :memory: <<SQL
CREATE TABLE s(t, v, x);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 47)
INSERT INTO s SELECT i, 10 + 3 * sin(i / 2.0) + (i % 5 = 2), i % 3 FROM r;
INSERT INTO s VALUES (48, NULL, 1);
SELECT writefile('$c/blob/rnn_tanh', rnn_train(t, v, '{"cell":"rnn","hidden":3,"window":4,"epochs":2}')) FROM s;
SELECT writefile('$c/blob/rnn_relu_bi', rnn_train(t, v, '{"cell":"rnn","activation":"relu","bidirectional":true,"hidden":2,"window":3,"epochs":2}')) FROM s;
SELECT writefile('$c/blob/rnn_sigmoid_novalidation', rnn_train(t, v, '{"cell":"rnn","activation":"sigmoid","hidden":2,"window":3,"epochs":2,"validation":0}')) FROM s;
SELECT writefile('$c/blob/gru_2layer', rnn_train(t, v, '{"cell":"gru","layers":2,"hidden":2,"window":3,"epochs":2,"dropout":0.2}')) FROM s;
SELECT writefile('$c/blob/lstm_horizon3', rnn_train(t, v, '{"cell":"lstm","hidden":3,"window":4,"horizon":3,"epochs":2}')) FROM s;
SELECT writefile('$c/blob/lstm_covariate', rnn_train(t, v, '{"cell":"lstm","hidden":2,"window":3,"epochs":2}', x)) FROM s;
SELECT writefile('$c/blob/lstm_xreg', rnn_train(t, v, '{"cell":"lstm","hidden":2,"window":3,"epochs":2,"xreg":true}', x, t % 4)) FROM s;
SELECT writefile('$c/blob/dates_calendar', rnn_train(date('2000-01-01', '+' || t || ' days'), v, '{"cell":"gru","hidden":2,"window":3,"epochs":1,"calendar":true}', x)) FROM s;
SELECT writefile('$c/blob/global', rnn_train_global(t % 3, t, v, '{"cell":"gru","hidden":2,"window":3,"horizon":2,"epochs":1}')) FROM s;
SELECT writefile('$c/blob/dates_monthly', rnn_train(date('2000-01-01', '+' || t || ' months'), v, '{"cell":"gru","hidden":2,"window":3,"epochs":1}')) FROM s;
SELECT writefile('$c/blob/seasonal_naive', rnn_train(t, v, '{"window":40}')) FROM (SELECT * FROM s LIMIT 12);
SELECT writefile('$c/blob/auto_seasonal', rnn_train(t, 10 + 3 * sin(t * 2 * pi() / 12) + t / 10.0)) FROM (SELECT t FROM s UNION ALL SELECT t + 49 FROM s);
SELECT writefile('$c/blob/irregular', rnn_train(CASE WHEN t = 20 THEN 20.5 ELSE t END, v, '{"cell":"gru","hidden":2,"window":3,"epochs":1}')) FROM s;
SELECT writefile('$c/blob/sqrt_bands', rnn_train(t, 20 + 8 * sin(t * 2 * pi() / 12) + v, '{"cell":"gru","hidden":2,"epochs":1}')) FROM (SELECT t, v FROM s WHERE v IS NOT NULL UNION ALL SELECT t + 49, v FROM s WHERE v IS NOT NULL);
SELECT writefile('$c/blob/damped', rnn_train(t, 20 + 8 * sin(t * 2 * pi() / 12) + t / 4.0, '{"cell":"gru","hidden":2,"epochs":1}')) FROM (SELECT t FROM s UNION ALL SELECT t + 49 FROM s);
SELECT writefile('$c/blob/network_only', rnn_train(t, v, '{"method":"network","hidden":2,"window":3,"epochs":1}')) FROM s;
SELECT writefile('$c/blob/format_v1', x'$(cat tests/fixtures/skeleton_v1.hex)');
SQL
# The format-3 forecasters the SQL tests keep (before the keyed options).
sqlite3 :memory: "$(grep -E '^(CREATE TABLE m|INSERT INTO m)' sql/test/format_v3.sql)" \
  "SELECT writefile('$c/blob/format_v3_' || id, model) FROM m;" >/dev/null


printf '%s' '{}' > "$c/options/empty"
printf '%s' '{"cell":"gru","hidden":8,"layers":2,"dropout":0.1,"bidirectional":true,"window":"auto"}' > "$c/options/architecture"
printf '%s' '{"horizon":12,"epochs":5,"batch":16,"optimizer":"momentum","lr":0.01,"clip":0,"loss":"huber"}' > "$c/options/training"
printf '%s' '{"xreg":true,"calendar":false,"method":"auto"}' > "$c/options/covariates"
printf '%s' '{"validation":0.2,"patience":3,"missing":"error","duplicates":"mean","short":"null","seed":7,"threads":2,"max_seconds":1.5,"verbose":false,"normalize":"minmax","activation":"relu"}' > "$c/options/forecasting"
printf '%s' '[1, 2.5, null, -3e2, 0.000001]' > "$c/json/numbers"
printf '%s' '[[1, 0, 2], [null, 1, 2], [3, null, 1e-3]]' > "$c/json/rows"
printf '%s' '{"a": "\u00e9\ud83d\ude00\n", "b": [true, false, null], "c": {}}' > "$c/json/object"

# SQL harness inputs: statement selector, LE16 model length, model, window.
i=0
for b in "$c"/blob/*; do
  case $(basename "$b") in regress_*) continue ;; esac
  for w in '[1,2,3,4,5,6,7,8,9,10,11,12]' '[[1,0],[2,1],[3,2],[4,0]]' '[null,null,5]'; do
    python3 - "$b" "$w" "$c/sql/$(basename "$b")_$i" $((i % 6)) <<'PY'
import struct, sys
blob = open(sys.argv[1], 'rb').read()
open(sys.argv[3], 'wb').write(bytes([int(sys.argv[4])]) + struct.pack('<H', len(blob) & 0xFFFF) + blob + sys.argv[2].encode())
PY
    i=$((i + 1))
  done
done
# fuzz_blob reads byte 0 as a mode (odd: reseal the checksum first), and
# fuzz_sql's selector bit 7 does the same: seed both modes.
python3 - "$c" <<'PY'
import os, sys
c = sys.argv[1]
for f in os.listdir(f"{c}/blob"):
    if f.startswith("regress_"):
        continue  # kept as they are, mode byte included
    p = f"{c}/blob/{f}"
    b = open(p, 'rb').read()
    open(p, 'wb').write(b'\x00' + b)
    open(p + '_resealed', 'wb').write(b'\x01' + b)
for f in os.listdir(f"{c}/sql"):
    if f.startswith("regress_"):
        continue
    p = f"{c}/sql/{f}"
    b = bytearray(open(p, 'rb').read())
    b[0] |= 0x80
    open(p + '_resealed', 'wb').write(bytes(b))
PY
# fuzz_text: byte 0 is the mode (0 BLOB, 1 BLOB resealed, 2 tokens, 3
# training rows).
sqlite3 -cmd ".load $ext" :memory: <<SQL
CREATE TABLE t(body);
INSERT INTO t VALUES ('the cat sat on the mat'), ('a dog ate the rat!'),
  ('Ünïcödé — “quotes” don''t break'), ('the end.');
SELECT writefile('$c/text/char', x'00' || rnn_train_text(body, '{"hidden":3,"epochs":1,"context":4}')) FROM t;
SELECT writefile('$c/text/word_gru', x'00' || rnn_train_text(body, '{"tokens":"word","lower":true,"cell":"gru","hidden":2,"layers":2,"epochs":1}')) FROM t;
SELECT writefile('$c/text/char_rnn_resealed', x'01' || rnn_train_text(body, '{"cell":"rnn","hidden":2,"epochs":2,"vocab":5}')) FROM t;
SELECT writefile('$c/text/classifier', x'00' || rnn_train_classifier(body, length(body) % 3, '{"hidden":2,"epochs":1}')) FROM t;
SELECT writefile('$c/text/classifier_numbers_labels', x'01' || rnn_train_classifier(s, l, '{"hidden":2,"epochs":1,"bidirectional":true}')) FROM
  (SELECT '[[1,2],[3,4]]' AS s, 'a' AS l UNION ALL SELECT '[[0,1]]', 2.5 UNION ALL SELECT '[[5,5],[1,1],[2,2]]', x'ff');
SELECT writefile('$c/text/tagger', x'00' || rnn_train_tagger(t, g, '{"hidden":2,"epochs":1}')) FROM
  (SELECT 'abc' AS t, '[1,0,"x"]' AS g UNION ALL SELECT 'ba', '[null,true]');
SQL
printf '\002%s' 'Hello, wörld! Don'"'"'t stop (now)... 日本語 text	with tabs' > "$c/text/tokens"
printf '\003%s' $'the cat\nthe dog\na cat sat' > "$c/text/train"
# fuzz_sql's sequence-model statements (selector bit 6, statement in bits
# 3-5): every text, classifier and tagger model with a text.
python3 - "$c" <<'PY'
import os, struct, sys
c = sys.argv[1]
for f in sorted(os.listdir(f"{c}/text")):
    b = open(f"{c}/text/{f}", 'rb').read()
    if b[:1] not in (b'\x00', b'\x01') or len(b) < 20:
        continue
    blob = b[1:]
    for k in range(5):
        sel = 0x40 | (k << 3) | 3
        open(f"{c}/sql/seq_{f}_{k}", 'wb').write(
            bytes([sel]) + struct.pack('<H', len(blob) & 0xFFFF) + blob + b'the cat')
PY
ls "$c"/* | wc -l
