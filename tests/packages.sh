#!/usr/bin/env bash
# Builds the Python and npm packages (bindings/build.sh) from a built
# extension and uses each as a person would; exits 1 if any check failed.
#
#   tests/packages.sh dist/rnn.so     (EXT_SO, relative to the current directory)
#
# Prints "ok <name>" or "not ok <name>" per check, diagnostics indented under
# a "not ok" line; progress (the npm install) goes to stderr.
# 1. The packages build, twice into the same directory with the same files
#    (bindings/build.sh is idempotent), and each holds a copy of EXT_SO.
# 2. Python: Debian's /usr/bin/python3 (a pyenv Python usually cannot load
#    extensions), with PYTHONPATH at the built package and no pip: import,
#    loadable_path(), load(conn), rnn_version() == __version__, extension
#    loading off after load(), a tiny train/predict/forecast, the errors for
#    a missing rnn.so and for a Python without loadable extensions, and
#    pyproject.toml's version and package data.
# 3. Node.js: better-sqlite3@12 (13 needs Node.js 22) installed with npm into
#    ${RNN_NPM_CACHE:-build/npm-cache}, reused when it is already there and
#    loads; the package is required by path: getLoadablePath(), load(db),
#    rnn_version() == package.json's version, the same train/predict/forecast,
#    the errors for a missing rnn.so and a wrong argument, and `npm pack`
#    ships rnn.so. No node or npm is a failure, not a skip.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
ext=${1:-dist/rnn.so}
case "$ext" in /*) ;; *) ext=$PWD/$ext ;; esac
cd "$root"

failed=0
ok() { echo "ok $1"; }
# not_ok NAME [DIAGNOSTICS]
not_ok() {
  failed=$((failed + 1))
  echo "not ok $1"
  if [ $# -gt 1 ] && [ -n "$2" ]; then printf '%s\n' "$2" | sed 's/^/  /'; fi
}

# Prints the "ok"/"not ok" lines of a checking program and counts its
# failures; a non-zero exit without a "not ok" line is one failure, shown
# with the program's stderr.
tally() {
  local name=$1 out=$2 status=$3 errfile=$4 f
  [ -n "$out" ] && printf '%s\n' "$out"
  f=$(grep -c '^not ok ' <<<"$out")
  failed=$((failed + f))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    not_ok "$name (exit status $status)" "$(tail -n 20 "$errfile")"
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pkg=$tmp/pkg

# ---- 1. build ---------------------------------------------------------------

if out=$(bindings/build.sh "$ext" "$pkg" 2>&1) &&
   cmp -s "$ext" "$pkg/python/sqlite_rnn/rnn.so" &&
   cmp -s "$ext" "$pkg/node/rnn.so"; then
  ok "package build"
else
  not_ok "package build" "${out:-the rnn.so in the packages differs from $ext}"
  exit 1
fi

sums() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }
before=$(sums "$pkg")
if out=$(bindings/build.sh "$ext" "$pkg" 2>&1) && [ "$(sums "$pkg")" = "$before" ]; then
  ok "package build is idempotent"
else
  not_ok "package build is idempotent" "${out:-$(diff <(echo "$before") <(sums "$pkg"))}"
fi

# ---- 2. Python --------------------------------------------------------------

py=/usr/bin/python3
if [ ! -x "$py" ]; then
  not_ok "python package ($py not found: apt-get install python3)"
else
  cat >"$tmp/check.py" <<'PYTHON'
import filecmp, math, os, shutil, sqlite3, subprocess, sys, tempfile

pkgdir, ext = sys.argv[1], sys.argv[2]
failed = 0

def check(name, cond, detail=""):
    global failed
    if cond:
        print(f"ok python {name}")
    else:
        failed += 1
        print(f"not ok python {name}")
        for line in str(detail).splitlines():
            print(f"  {line}")

def sine(conn):
    conn.execute("CREATE TABLE s(ts INTEGER, value REAL)")
    conn.executemany("INSERT INTO s VALUES (?, ?)",
                     [(i, math.sin(i * 0.5)) for i in range(60)])
    conn.execute("""CREATE TABLE m AS SELECT rnn_train(ts, value,
                    '{"epochs":2,"hidden":4}') AS model FROM s""")

import sqlite_rnn
here = os.path.dirname(os.path.abspath(sqlite_rnn.__file__))
check("import", here == os.path.join(os.path.abspath(pkgdir), "sqlite_rnn"),
      f"imported from {here}")

path = sqlite_rnn.loadable_path()
check("loadable_path", os.path.isabs(path) and os.path.basename(path) == "rnn.so"
      and os.path.isfile(path) and filecmp.cmp(path, ext, shallow=False), path)

conn = sqlite3.connect(":memory:")
try:
    sqlite_rnn.load(conn)
    version = conn.execute("SELECT rnn_version()").fetchone()[0]
    check("rnn_version() == __version__", version == sqlite_rnn.__version__,
          f"rnn_version() {version!r}, __version__ {sqlite_rnn.__version__!r}")
except Exception as e:
    check("rnn_version() == __version__", False, f"{type(e).__name__}: {e}")

try:
    conn.load_extension(path)
    check("load() disables extension loading", False, "load_extension succeeded afterwards")
except sqlite3.OperationalError as e:
    check("load() disables extension loading", "not authorized" in str(e), e)

try:
    sine(conn)
    (p, t), = conn.execute("SELECT rnn_predict(model), typeof(rnn_predict(model)) FROM m")
    check("train and predict", t == "real" and math.isfinite(p), f"{p!r} ({t})")
    rows = conn.execute("SELECT f.ts, f.value FROM m, rnn_forecast(m.model, 3) f").fetchall()
    check("rnn_forecast", [r[0] for r in rows] == [60, 61, 62]
          and all(isinstance(r[1], float) for r in rows), rows)
except Exception as e:
    check("train and predict", False, f"{type(e).__name__}: {e}")

class NoLoading:  # what sqlite3.connect() returns in a pyenv Python
    pass
try:
    sqlite_rnn.load(NoLoading())
    check("load() names the pyenv pitfall", False, "no error")
except RuntimeError as e:
    check("load() names the pyenv pitfall", "pyenv" in str(e)
          and "--enable-loadable-sqlite-extensions" in str(e), e)

# The package without its library, in a fresh interpreter.
with tempfile.TemporaryDirectory() as d:
    shutil.copytree(os.path.join(pkgdir, "sqlite_rnn"), os.path.join(d, "sqlite_rnn"),
                    ignore=shutil.ignore_patterns("rnn.so"))
    r = subprocess.run([sys.executable, "-B", "-s", "-c",
                        "import sqlite_rnn; sqlite_rnn.loadable_path()"],
                       env=dict(os.environ, PYTHONPATH=d), capture_output=True, text=True)
    check("missing rnn.so error", r.returncode != 0 and "FileNotFoundError" in r.stderr
          and "make python-package" in r.stderr, r.stderr or f"exit status {r.returncode}")

try:
    import tomllib
    with open(os.path.join(pkgdir, "pyproject.toml"), "rb") as f:
        meta = tomllib.load(f)
    check("pyproject.toml", meta["project"]["version"] == sqlite_rnn.__version__
          and "rnn.so" in meta["tool"]["setuptools"]["package-data"]["sqlite_rnn"],
          meta)
except Exception as e:
    check("pyproject.toml", False, f"{type(e).__name__}: {e}")

sys.exit(1 if failed else 0)
PYTHON
  out=$(PYTHONPATH="$pkg/python" "$py" -B -s "$tmp/check.py" "$pkg/python" "$ext" 2>"$tmp/py.err")
  tally "python package" "$out" $? "$tmp/py.err"
fi

# ---- 3. Node.js -------------------------------------------------------------

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  not_ok "node package (node/npm not found: apt-get install nodejs npm)"
else
  cache=${RNN_NPM_CACHE:-build/npm-cache}
  case "$cache" in /*) ;; *) cache=$root/$cache ;; esac
  bsq=$cache/node_modules/better-sqlite3
  # Reused when its major version is 12 and it opens a database here.
  usable() {
    node -e 'const p = require(process.argv[1] + "/package.json");
             if (!p.version.startsWith("12.")) process.exit(1);
             new (require(process.argv[1]))(":memory:").close();' "$bsq" 2>/dev/null
  }
  if usable; then
    echo "better-sqlite3: reusing $bsq" >&2
    ok "node better-sqlite3@12"
  else
    echo "better-sqlite3: npm install into $cache ..." >&2
    mkdir -p "$cache"
    start=$(date +%s)
    if npm install --no-audit --no-fund --prefix "$cache" better-sqlite3@12 >"$tmp/npm.log" 2>&1 && usable; then
      echo "better-sqlite3: installed in $(($(date +%s) - start)) s" >&2
      ok "node better-sqlite3@12"
    else
      not_ok "node better-sqlite3@12" "$(tail -n 20 "$tmp/npm.log")"
    fi
  fi

  if usable; then
    cat >"$tmp/check.js" <<'NODE'
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const [pkgdir, bsqdir, ext] = process.argv.slice(2);
let failed = 0;
function check(name, cond, detail) {
  if (cond) {
    console.log(`ok node ${name}`);
  } else {
    failed++;
    console.log(`not ok node ${name}`);
    for (const line of String(detail ?? "").split("\n")) console.log(`  ${line}`);
  }
}
function attempt(name, fn) {
  try {
    fn();
  } catch (e) {
    check(name, false, String((e && e.stack) || e).split("\n").slice(0, 3).join("\n"));
  }
}

const Database = require(bsqdir);
const sqliteRnn = require(pkgdir);
const meta = require(path.join(pkgdir, "package.json"));
check("require", typeof sqliteRnn.getLoadablePath === "function" &&
  typeof sqliteRnn.load === "function", Object.keys(sqliteRnn));

attempt("getLoadablePath", () => {
  const p = sqliteRnn.getLoadablePath();
  check("getLoadablePath", p === path.join(pkgdir, "rnn.so") &&
    fs.readFileSync(p).equals(fs.readFileSync(ext)), p);
});

const db = new Database(":memory:");
attempt("rnn_version() == package.json version", () => {
  sqliteRnn.load(db);
  const v = db.prepare("SELECT rnn_version() AS v").get().v;
  check("rnn_version() == package.json version", v === meta.version,
    `rnn_version() ${v}, package.json ${meta.version}`);
});

attempt("train and predict", () => {
  db.exec("CREATE TABLE s(ts INTEGER, value REAL)");
  const ins = db.prepare("INSERT INTO s VALUES (?, ?)");
  db.transaction(() => { for (let i = 0; i < 60; i++) ins.run(i, Math.sin(i * 0.5)); })();
  db.exec(`CREATE TABLE m AS SELECT rnn_train(ts, value, '{"epochs":2,"hidden":4}') AS model FROM s`);
  const r = db.prepare("SELECT rnn_predict(model) AS p, typeof(rnn_predict(model)) AS t FROM m").get();
  check("train and predict", r.t === "real" && Number.isFinite(r.p), JSON.stringify(r));
  const rows = db.prepare("SELECT f.ts, f.value FROM m, rnn_forecast(m.model, 3) f").all();
  check("rnn_forecast", rows.map((x) => x.ts).join() === "60,61,62" &&
    rows.every((x) => Number.isFinite(x.value)), JSON.stringify(rows));
});

attempt("load() rejects a non-connection", () => {
  let err = null;
  try { sqliteRnn.load({}); } catch (e) { err = e; }
  check("load() rejects a non-connection", err instanceof TypeError, err);
});

// The package without its library, in a fresh process.
attempt("missing rnn.so error", () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-rnn-"));
  try {
    for (const f of fs.readdirSync(pkgdir)) {
      if (f !== "rnn.so") fs.copyFileSync(path.join(pkgdir, f), path.join(d, f));
    }
    const r = spawnSync(process.execPath,
      ["-e", "require(process.argv[1]).getLoadablePath()", d], { encoding: "utf8" });
    check("missing rnn.so error", r.status !== 0 && r.stderr.includes("make node-package"),
      r.stderr || `exit status ${r.status}`);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

check("package.json", meta.cpu.length === 1 && meta.cpu[0] === process.arch &&
  meta.files.includes("rnn.so") && meta.main === "index.js" &&
  Object.keys(meta.dependencies || {}).length === 0, JSON.stringify(meta));

process.exit(failed ? 1 : 0);
NODE
    out=$(node "$tmp/check.js" "$pkg/node" "$bsq" "$ext" 2>"$tmp/node.err")
    tally "node package" "$out" $? "$tmp/node.err"

    if out=$(cd "$pkg/node" && npm pack --dry-run --json 2>&1) &&
       node -e 'const p = JSON.parse(process.argv[1])[0];
                const names = p.files.map((f) => f.path).sort().join();
                process.exit(names === "README.md,index.d.ts,index.js,package.json,rnn.so" ? 0 : 1);' "$out"; then
      ok "node npm pack ships rnn.so"
    else
      not_ok "node npm pack ships rnn.so" "$out"
    fi
  else
    not_ok "node package (better-sqlite3@12 could not be installed)"
  fi
fi

exit $((failed > 0))
