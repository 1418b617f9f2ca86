#!/usr/bin/env bash
# Runs every test and ends with the line "N passed, N failed"; exits 1 if
# any test failed.
#
#   tests/run.sh --sqlite3 sqlite3 --ext build/rnn --bin build test_binary...
#
# 1. C test binaries print "ok <name>" / "not ok <name>" per test; a binary
#    that crashes or exits non-zero without a "not ok" line counts as one
#    failure.
# 2. Each sql/test/NAME.sql runs in the real sqlite3 shell (in-memory
#    database, the extension loaded first); its output, errors included,
#    must equal sql/test/NAME.expected exactly.
# 3. The demo (sql/demo.sql) must run and print 12 monthly forecasts.
# 4. Every ```sql block of README.md and docs/*.md runs in the sqlite3 shell
#    from the project root with no error (exit status 0, no "error" on
#    stderr; progress lines are fine), so the docs cannot go stale.
# 5. tests/client_test.py drives the extension through Debian's Python
#    sqlite3 module (/usr/bin/python3; "ok"/"not ok" lines as in rule 1).
# 6. $bin/model_crc trains models of every cell with this CPU's kernels
#    and again with the portable ones and glibc's plain maths functions
#    (and, on an AVX-512 CPU, with the AVX2 ones too): all must print the
#    same checksums (the BLOB does not depend on
#    the CPU's SIMD level); and its lines, with the checksums of their
#    forecasts, must equal tests/fixtures/frozen_models.txt (forecasts saved
#    before the core became task-generic: forecasting does not change by a
#    bit; the forecasters' BLOB sizes and checksums since they are written
#    in format 4, whose keyed options changed no forecast).
# RNN_PRELOAD, when set, is preloaded into the sqlite3 shell (the sanitizer
# build needs its runtime first).
set -u
cd "$(dirname "$0")/.."

sqlite=sqlite3
ext=build/rnn
bin=build
while [ $# -gt 0 ]; do
  case "$1" in
    --sqlite3) sqlite=$2; shift 2 ;;
    --ext) ext=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) break ;;
  esac
done

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok $1"; }

# Adds the "ok"/"not ok" lines of a program's output (rules 1 and 5) to the
# counts; a non-zero exit without a "not ok" line is one failure.
tally() {
  local out=$1 status=$2 name=$3 p f
  echo "$out"
  p=$(grep -c '^ok ' <<<"$out")
  f=$(grep -c '^not ok ' <<<"$out")
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    not_ok "$name (exit status $status)"
  fi
}

run_sqlite() {
  if [ -n "${RNN_PRELOAD:-}" ]; then
    LD_PRELOAD="$RNN_PRELOAD" "$sqlite" "$@"
  else
    "$sqlite" "$@"
  fi
}

# Rule 1.
for t in "$@"; do
  out=$("$t" 2>&1)
  tally "$out" $? "$(basename "$t")"
done

# Rule 6.
simd=$("$bin/model_crc" 2>&1)
# The portable kernels, with glibc's plain (not FMA) builds of its maths
# functions as well: nothing of the C library's may reach a model.
portable=$(GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2_Usable,-FMA_Usable,-AVX2,-FMA \
  "$bin/model_crc" portable 2>&1)
frozen=tests/fixtures/frozen_models.txt
if [ "$(grep -c checksum <<<"$simd")" -eq "$(wc -l <"$frozen")" ] && [ "$simd" == "$portable" ]; then
  ok "models byte-identical with this CPU's kernels and the portable ones"
else
  not_ok "models byte-identical with this CPU's kernels and the portable ones"
  diff <(echo "$simd") <(echo "$portable") | sed 's/^/  /'
fi
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  avx2=$("$bin/model_crc" avx2 2>&1)
  if [ "$simd" == "$avx2" ]; then
    ok "models byte-identical with the AVX-512 kernels and the AVX2 ones"
  else
    not_ok "models byte-identical with the AVX-512 kernels and the AVX2 ones"
    diff <(echo "$simd") <(echo "$avx2") | sed 's/^/  /'
  fi
fi
if [ "$simd" == "$(cat "$frozen")" ]; then
  ok "models and forecasts bit-identical to the saved ones ($frozen)"
else
  not_ok "models and forecasts bit-identical to the saved ones ($frozen)"
  diff "$frozen" <(echo "$simd") | sed 's/^/  /'
fi

# Rule 2.
for sql in sql/test/*.sql; do
  name=sql/$(basename "$sql" .sql)
  want=${sql%.sql}.expected
  got=$(run_sqlite -cmd ".load $ext" :memory: <"$sql" 2>&1)
  if [ -f "$want" ] && [ "$got" == "$(cat "$want")" ]; then
    ok "$name"
  else
    not_ok "$name"
    diff <(cat "$want" 2>/dev/null) <(echo "$got") | head -40 | sed 's/^/  /'
  fi
done

# Rule 3.
got=$(sed "s#^\.load .*#.load $ext#" sql/demo.sql | run_sqlite 2>&1)
months=$(grep -cE '^│ 1961-(0[1-9]|1[0-2])-01 │ +[0-9]+\.[0-9] +│ +[0-9]+\.[0-9] +│ +[0-9]+\.[0-9] +│$' <<<"$got")
if [ "$months" -eq 12 ]; then
  ok demo
else
  not_ok "demo (printed $months of 12 forecast months)"
  echo "$got" | head -40 | sed 's/^/  /'
fi

# Rule 5. Python's own allocations are not ours: no leak report for it.
if [ -x /usr/bin/python3 ]; then
  if [ -n "${RNN_PRELOAD:-}" ]; then
    out=$(LD_PRELOAD="$RNN_PRELOAD" ASAN_OPTIONS=detect_leaks=0 /usr/bin/python3 tests/client_test.py "$ext" 2>&1)
  else
    out=$(/usr/bin/python3 tests/client_test.py "$ext" 2>&1)
  fi
  tally "$out" $? client_test.py
else
  not_ok "client tests: /usr/bin/python3 is missing (apt-get install python3)"
fi

# Rule 4.
for doc in README.md docs/*.md; do
  [ -f "$doc" ] || continue
  n=0
  while IFS= read -r -d '' block; do
    n=$((n + 1))
    name="$doc sql block $n"
    got=$(sed "s#^\.load .*#.load $ext#" <<<"$block" | run_sqlite 2>&1 >/dev/null)
    status=$?
    if [ "$status" -eq 0 ] && ! grep -qiE 'error' <<<"$got"; then
      ok "$name"
    else
      not_ok "$name"
      echo "$got" | head -20 | sed 's/^/  /'
    fi
  done < <(awk '/^```sql$/ {on = 1; next} /^```$/ && on {on = 0; printf "%c", 0; next} on' "$doc")
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
