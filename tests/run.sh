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
#    bit; the forecasters' BLOB sizes and checksums changed with formats 4
#    and 5 and with format 5's SRUN chunk, which changed no forecast of
#    these models, and the sequence models' with format 5, which changed
#    none of their outputs; the "fallback" line's model, of 9 rows with
#    the defaults, was a network that nothing validated until such series
#    got the seasonal-naive fallback its name says, core/train.c rule 9;
#    format 7 changed every BLOB's version, and the intervals (not the
#    values) of the forecasters of positive series, whose bands now grow
#    with the square root of the forecast, core/components.c rule 5).
# 7. The single-file build (dist/sqlite-rnn.c, `make amalgamation`) builds
#    with the one cc command its header gives, loads, and trains a model
#    byte-identical to the regular build's; tests/static_app.c builds it
#    in (-DSQLITE_CORE, sqlite3_auto_extension); `make install` into a
#    scratch PREFIX gives a pkg-config file that builds the same program
#    against the installed static library, and `make uninstall` removes
#    every file it installed.
# 8. tests/packages.sh builds the Python and npm helper packages around
#    dist/rnn.so and uses them from Debian's Python and from Node with
#    better-sqlite3@12 (installed once into build/npm-cache). Not in the
#    sanitizer pass: it runs no C of ours that the other rules do not.
# 9. Every ```python, ```js and ```sh block of docs/clients.md runs from the
#    project root (Debian's Python; Node with rule 8's better-sqlite3; bash
#    with sqlite-utils and litecli) and exits 0. Not in the sanitizer pass,
#    as rule 8.
# 10. tests/plot_test.py draws rnn_plot's chart of AirPassengers in headless
#    Chromium and checks the picture's pixels (band, lines, labels). Not in
#    the sanitizer pass (Chromium would inherit the preloaded runtime);
#    sql/test/plot.sql covers rnn_plot's C there.
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

# Rule 7.
scratch=$(mktemp -d)
cc_flags="-O2 -ffp-contract=off -fno-math-errno"
if cc $cc_flags -fPIC -shared dist/sqlite-rnn.c -o "$scratch/rnn.so" -lm -lpthread 2>"$scratch/cc.log"; then
  model="WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 99)
    SELECT hex(rnn_train(n, 20 + 5 * sin(n / 4.0) + (n % 3), '{\"epochs\":3,\"hidden\":8}')) FROM i;"
  one=$(run_sqlite -cmd ".load $scratch/rnn" :memory: "$model" 2>&1)
  two=$(run_sqlite -cmd ".load $ext" :memory: "$model" 2>&1)
  if [ ${#one} -gt 1000 ] && [ "$one" == "$two" ]; then
    ok "amalgamation: one cc command, a model byte-identical to the regular build's"
  else
    not_ok "amalgamation: one cc command, a model byte-identical to the regular build's"
    echo "${one:0:300}" | sed 's/^/  /'
  fi
else
  not_ok "amalgamation builds with one cc command"
  head -20 "$scratch/cc.log" | sed 's/^/  /'
fi
if cc -DSQLITE_CORE $cc_flags -Idist tests/static_app.c dist/sqlite-rnn.c -o "$scratch/static_app" \
     -lsqlite3 -lm -lpthread 2>"$scratch/cc.log"; then
  out=$("$scratch/static_app" 2>&1)
  tally "$out" $? static_app
else
  not_ok "static_app builds (-DSQLITE_CORE)"
  head -20 "$scratch/cc.log" | sed 's/^/  /'
fi
prefix="$scratch/prefix"
if MAKEFLAGS= make -s install CFLAGS=-O2 PREFIX="$prefix" B="$scratch/b" >"$scratch/install.log" 2>&1 &&
   [ -f "$prefix/lib/sqlite-rnn/rnn.so" ] &&
   PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc $cc_flags tests/static_app.c -o "$scratch/installed_app" \
     $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs sqlite-rnn 2>&1) 2>>"$scratch/install.log" &&
   out=$("$scratch/installed_app" 2>&1) && grep -q '^ok static_app train and predict' <<<"$out" &&
   ext_path=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --variable=extension sqlite-rnn) &&
   [ "$(run_sqlite -cmd ".load $ext_path" :memory: "SELECT rnn_version() IS NOT NULL" 2>&1)" == 1 ]; then
  ok "make install: extension, static library, header and pkg-config file work"
else
  not_ok "make install: extension, static library, header and pkg-config file work"
  tail -20 "$scratch/install.log" | sed 's/^/  /'
fi
MAKEFLAGS= make -s uninstall PREFIX="$prefix" >>"$scratch/install.log" 2>&1
left=$(find "$prefix" -type f 2>/dev/null)
if [ -z "$left" ]; then
  ok "make uninstall removes what make install put there"
else
  not_ok "make uninstall removes what make install put there"
  echo "$left" | sed 's/^/  /'
fi
rm -rf "$scratch"

# Rule 8.
if [ -z "${RNN_PRELOAD:-}" ]; then
  MAKEFLAGS= make -s dist/rnn.so CFLAGS=-O2 >/dev/null 2>&1
  out=$(tests/packages.sh dist/rnn.so)
  tally "$out" $? packages.sh
fi

# Rule 9.
if [ -z "${RNN_PRELOAD:-}" ]; then
  for lang in python js sh; do
    case $lang in
      python) runner=(/usr/bin/python3 -) ;;
      js) runner=(env NODE_PATH="$PWD/${RNN_NPM_CACHE:-build/npm-cache}/node_modules" node -) ;;
      sh) runner=(bash -e -) ;;
    esac
    n=0
    while IFS= read -r -d '' block; do
      n=$((n + 1))
      name="docs/clients.md $lang block $n"
      if got=$("${runner[@]}" <<<"$block" 2>&1); then
        ok "$name"
      else
        not_ok "$name"
        echo "$got" | head -20 | sed 's/^/  /'
      fi
    done < <(awk -v lang="$lang" '$0 == "```" lang {on = 1; next} /^```$/ && on {on = 0; printf "%c", 0; next} on' docs/clients.md)
    [ "$n" -gt 0 ] || not_ok "docs/clients.md has a $lang block"
  done
fi

# Rule 10.
if [ -z "${RNN_PRELOAD:-}" ]; then
  out=$(/usr/bin/python3 tests/plot_test.py "$ext" 2>&1)
  tally "$out" $? plot_test.py
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
