#!/usr/bin/python3
"""sqlite-rnn against PyTorch on the same CPU, in the same run.

    /usr/bin/python3 bench/bench.py [--ext build/rnn] [--runs 5] [--threads 1,2]
                                    [--only W1,W3] [--scale 1.0]

Workloads (issue 6): univariate next-value forecasting on
x_t = sin(2 pi t / 50) + 0.5 sin(2 pi t / 13) + 0.1 N(0, 1) (seed 0),
standardised; recurrent layer(s) over the window, last state -> linear -> 1;
MSE; Adam lr 0.001; float32; shuffled minibatches; one epoch.

  W1  LSTM hidden 32, window 24, batch 32, 10,000 windows (training)
  W2  GRU hidden 128, 2 layers, window 48, batch 64, 20,000 windows (training)
  W3  Elman (tanh) hidden 64, window 24, batch 32, 10,000 windows (training)
  W4  inference with W1's model over 100,000 windows (rnn_backtest)
  W4n the same through the window function rnn_next (not a target; for
      comparison: SQLite hands it one frame at a time)
  W4b1 the same, one window at a time (10,000 calls)
  W5  LSTM hidden 32, window 24, batch 1, 2,000 windows (training, online)

Many series (issue 12): one GROUP BY trains --many (default 10,000) monthly
series of 120 points with the defaults (threads 0: both cores), as
`SELECT id, rnn_train(ts, v) FROM s GROUP BY id`; each series is a level
between 50 and 550, a trend, a yearly cycle of random phase and amplitude,
and noise (seed 0). Timed once; the target is 3 minutes on 2 cores. When R
with the forecast package is installed, ets() on the same series is timed
too (one core, as R runs it); --many 0 skips this part.

sqlite-rnn runs exactly as a user would: SQL through Python's sqlite3 module
(rnn_train over a table; rnn_backtest over a 100,000-row series for W4,
rnn_next over its rows for W4n; rnn_predict on 10,000 JSON windows for
W4b1). Each workload: one warm-up of each side, then --runs pairs of timed
runs, ours then PyTorch's, back to back; the table gives each side's median
time and the median of the pairs' ratios. This machine is shared and its
speed drifts over minutes (PyTorch's W1 epoch took 0.66 s one day and 1.07 s
another); the two runs of a pair see nearly the same machine, where the
medians of two series of runs taken minutes apart did not. GFLOP/s counts matmul FLOPs only: per layer and step
2*G*H*I + 2*G*H*H (G = 4, 3, 1 gate blocks), training = 3 x forward.

The baseline is PyTorch at its strongest on this machine (issue 13): before
anything is timed, a short PyTorch run (W1 and a smaller W2, one thread)
tries OpenBLAS as it chooses (auto) and each core type this CPU can run
(OPENBLAS_CORETYPE: Haswell and Zen with AVX2; SkylakeX and Cooperlake with
AVX-512), keeps the fastest and re-runs this script under it; the choice and
every candidate's time are printed. --coretype X skips the search.
"% peak" is against this CPU's fp32 peak for one core, measured in the run
by bench/peak.c (independent FMAs at the widest vector width it has).

A second table puts each one-thread training time beside its floor: every
product at that peak plus the forward pass's sigmoids and tanhs at the cost
bench/peak.c measures for core/act.h, and nothing else. PyTorch's time over
the floor is the ratio a build doing no other work would reach in this run:
the ceiling for a ratio target while the arithmetic stays bit for bit.
"""
import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

import coretype

WORKLOADS = {
    "W1": dict(cell="lstm", hidden=32, layers=1, window=24, batch=32, windows=10000, kind="train"),
    "W2": dict(cell="gru", hidden=128, layers=2, window=48, batch=64, windows=20000, kind="train"),
    "W3": dict(cell="rnn", hidden=64, layers=1, window=24, batch=32, windows=10000, kind="train"),
    "W4": dict(cell="lstm", hidden=32, layers=1, window=24, batch=32, windows=100000, kind="infer"),
    "W4n": dict(cell="lstm", hidden=32, layers=1, window=24, batch=32, windows=100000, kind="infer_next"),
    "W4b1": dict(cell="lstm", hidden=32, layers=1, window=24, batch=1, windows=10000, kind="infer1"),
    "W5": dict(cell="lstm", hidden=32, layers=1, window=24, batch=1, windows=2000, kind="train"),
}
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
# Activations per unit and step of the forward pass: (sigmoids, tanhs). The
# backward pass reuses the values the forward pass kept.
ACTIVATIONS = {"lstm": (3, 2), "gru": (2, 1), "rnn": (0, 1)}


def series(n):
    rng = np.random.default_rng(0)
    t = np.arange(n)
    x = np.sin(2 * np.pi * t / 50) + 0.5 * np.sin(2 * np.pi * t / 13) + 0.1 * rng.standard_normal(n)
    return ((x - x.mean()) / x.std()).astype(np.float32)


def gflop(w):
    g, h = GATES[w["cell"]], w["hidden"]
    per_step = 0
    inp = 1
    for _ in range(w["layers"]):
        per_step += 2 * g * h * inp + 2 * g * h * h
        inp = h
    fwd = per_step * w["window"] * w["windows"]
    return (3 * fwd if w["kind"] == "train" else fwd) / 1e9


def floor_seconds(w, peak, act):
    """The least time a one-thread training epoch could take with these
    exact arithmetics: every product at the measured peak, plus the
    forward pass's activations at their measured cost, and nothing else
    (no element-wise gate work, optimiser, SQL or set-up)."""
    sig, tanh = ACTIVATIONS[w["cell"]]
    units = w["hidden"] * w["layers"] * w["window"] * w["windows"]
    return gflop(w) / peak + units * (sig * act["sigmoid_ns"] + tanh * act["tanh_ns"]) * 1e-9


def seconds(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def timed(fn, runs):
    fn()  # warm-up
    return statistics.median(seconds(fn) for _ in range(runs))


def paired(ours_fn, theirs_fn, runs):
    """Each side warmed up, then timed in turn, ours then PyTorch, `runs`
    times: (median of ours, median of PyTorch's, median of the runs'
    ratios). On a machine shared with other tenants the speed drifts over
    minutes; a pair's two timings see nearly the same machine, so the
    ratio of each pair moves much less than the ratio of two medians taken
    minutes apart."""
    ours_fn()
    theirs_fn()
    a, b = [], []
    for _ in range(runs):
        a.append(seconds(ours_fn))
        b.append(seconds(theirs_fn))
    return (statistics.median(a), statistics.median(b),
            statistics.median(y / x for x, y in zip(a, b)))


# ---------------------------------------------------------------- ours

def ours(w, threads, ext):
    """The workload through the extension, as a callable to time."""
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(ext)
    W, N = w["window"], w["windows"]
    y = series(N + W)
    con.execute("CREATE TABLE s(t INTEGER PRIMARY KEY, v REAL)")
    con.executemany("INSERT INTO s VALUES (?, ?)", enumerate(map(float, y)))
    opts = json.dumps(dict(cell=w["cell"], hidden=w["hidden"], layers=w["layers"], window=W,
                           horizon=1, batch=w["batch"], epochs=1, lr=0.001, validation=0,
                           normalize="none", seed=1, threads=threads))
    if w["kind"] == "train":
        return lambda: con.execute("SELECT length(rnn_train(t, v, ?)) FROM s", (opts,)).fetchone()
    # Inference: W1's model, trained for one epoch on the first 2,000 rows.
    (model,) = con.execute("SELECT rnn_train(t, v, ?) FROM (SELECT * FROM s LIMIT 2000)",
                           (opts,)).fetchone()
    if w["kind"] == "infer":
        sql = ("SELECT count(predicted) FROM rnn_backtest(?1, "
               "(SELECT json_group_array(v) FROM (SELECT v FROM s ORDER BY t)))")
        return lambda: con.execute(sql, (model,)).fetchone()
    if w["kind"] == "infer_next":
        sql = (f"SELECT count(f) FROM (SELECT rnn_next(?1, v) OVER (ORDER BY t ROWS BETWEEN {W} "
               f"PRECEDING AND 1 PRECEDING) AS f FROM s)")
        return lambda: con.execute(sql, (model,)).fetchone()
    con.execute("CREATE TABLE wins(w TEXT)")
    con.executemany("INSERT INTO wins VALUES (?)",
                    [(json.dumps([float(v) for v in y[i:i + W]]),) for i in range(N)])
    return lambda: con.execute("SELECT count(rnn_predict(?1, w)) FROM wins", (model,)).fetchone()


# ---------------------------------------------------------------- PyTorch

class Net(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        kw = dict(input_size=1, hidden_size=w["hidden"], num_layers=w["layers"], batch_first=True)
        self.rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[w["cell"]](**kw)
        self.head = torch.nn.Linear(w["hidden"], 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def theirs(w, threads):
    """The workload through PyTorch, as a callable to time."""
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    W, N, B = w["window"], w["windows"], w["batch"]
    y = torch.from_numpy(series(N + W))
    X = torch.stack([y[i:i + W] for i in range(N)]).unsqueeze(-1)
    T = torch.stack([y[i + W] for i in range(N)]).unsqueeze(-1)
    net = Net(w)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    g = torch.Generator().manual_seed(0)

    def epoch():
        perm = torch.randperm(N, generator=g)
        for s in range(0, N, B):
            idx = perm[s:s + B]
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(X[idx]), T[idx])
            loss.backward()
            opt.step()

    def infer():
        with torch.no_grad():
            for s in range(0, N, 4096):
                net(X[s:s + 4096])

    def infer1():
        with torch.no_grad():
            for i in range(N):
                net(X[i:i + 1])

    fn = {"train": epoch, "infer": infer, "infer_next": infer, "infer1": infer1}[w["kind"]]

    def run():
        torch.set_num_threads(threads)  # ours ran in between
        fn()
    return run


def measured_peak():
    """What bench/peak.c measures: the per-core fp32 peak (GFLOP/s) with
    AVX2 and with AVX-512, and the activations' cost (ns per element)."""
    exe = os.environ.get("BENCH_PEAK", "build/peak")
    try:
        out = subprocess.run([exe], capture_output=True, text=True).stdout
        vals = {k: float(v) for k, v in (line.split() for line in out.splitlines())}
    except (OSError, ValueError):
        vals = {}
    return {k: vals.get(k, 0.0) for k in ("avx2", "avx512", "sigmoid_ns", "tanh_ns")}


def torch_blas():
    torch.ones(64, 64) @ torch.ones(64, 64)
    libs = set()
    with open(f"/proc/{os.getpid()}/maps") as f:
        for line in f:
            if "blas" in line or "openblas" in line or "mkl" in line:
                libs.add(line.split()[-1])
    return ", ".join(sorted(libs)) or "unknown"


def cpu_name():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ext", default="build/rnn")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", default=",".join(WORKLOADS))
    ap.add_argument("--peak", type=float, default=0.0,
                    help="fp32 peak GFLOP/s per core (default: measured by bench/peak.c)")
    ap.add_argument("--coretype", help="OPENBLAS_CORETYPE for PyTorch (default: the fastest)")
    ap.add_argument("--many", type=int, default=10000,
                    help="monthly series for the GROUP BY timing (0: skip)")
    args = ap.parse_args()
    coretype.run_under_fastest(args.coretype)
    flags = open("/proc/cpuinfo").read()
    measured = measured_peak()
    p256, p512 = measured["avx2"], measured["avx512"]
    peak = args.peak or max(p256, p512) or 1.0
    print(f"# CPU: {cpu_name()}; {os.cpu_count()} cores; AVX-512: {'avx512f' in flags}; AVX2: {'avx2' in flags}")
    print(f"# fp32 peak of one core, measured (bench/peak.c): AVX2 {p256:.1f} GFLOP/s, "
          f"AVX-512 {p512:.1f} GFLOP/s; % peak below is against {peak:.1f}")
    print(f"# torch {torch.__version__}, BLAS: {torch_blas()}; "
          f"{coretype.describe()}")
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(args.ext)
    print(f"# sqlite-rnn: {con.execute('SELECT rnn_debug()').fetchone()[0]}")
    print(f"# each workload: both sides warmed up, then {args.runs} pairs of runs (ours, then PyTorch's); "
          f"times are medians; ratio = the median of the pairs' PyTorch time / sqlite-rnn time")
    print()
    print("| workload | threads | sqlite-rnn s | PyTorch s | windows/s (ours) | GFLOP/s (ours) "
          "| % peak (ours) | GFLOP/s (torch) | ratio torch/ours |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    one = {}  # one-thread training runs: name -> (ours s, PyTorch s)
    for name in args.only.split(","):
        w = WORKLOADS[name]
        for th in (int(t) for t in args.threads.split(",")):
            a, b, ratio = paired(ours(w, th, args.ext), theirs(w, th), args.runs)
            gf = gflop(w)
            print(f"| {name} | {th} | {a:.4f} | {b:.4f} | {w['windows'] / a:,.0f} | {gf / a:.2f} "
                  f"| {100 * gf / a / (peak * th):.1f}% | {gf / b:.2f} | {ratio:.2f}x |", flush=True)
            if th == 1 and w["kind"] == "train":
                one[name] = (a, b)
    if one and measured["tanh_ns"] > 0:
        floors(one, peak, measured)
    if args.many > 0:
        many_series(args.ext, args.many)


def floors(one, peak, act):
    """How far each one-thread training time is from floor_seconds, and the
    ratio to PyTorch a build at the floor would reach in this run."""
    print()
    print(f"# floor: products at {peak:.1f} GFLOP/s and the forward activations at "
          f"{act['sigmoid_ns']:.3f} ns (sigmoid) and {act['tanh_ns']:.3f} ns (tanh) "
          f"per element (bench/peak.c), nothing else")
    print("| workload | floor s | sqlite-rnn s | sqlite-rnn / floor | PyTorch s | ratio at the floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (a, b) in one.items():
        f = floor_seconds(WORKLOADS[name], peak, act)
        print(f"| {name} | {f:.4f} | {a:.4f} | {a / f:.2f} | {b:.4f} | {b / f:.2f}x |", flush=True)
    print()


def many_table(n):
    """n monthly series of 120 points: (id, month index, value) rows."""
    rng = np.random.default_rng(0)
    t = np.arange(120)
    level = rng.uniform(50, 550, n)[:, None]
    trend = rng.normal(0, 0.5, n)[:, None] * t
    cycle = rng.uniform(0, 0.3, n)[:, None] * level * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi, n)[:, None])
    noise = rng.normal(0, 0.05, (n, 120)) * level
    return np.round(level + trend + cycle + noise, 3)


def many_series(ext, n):
    """Issue 12's scale target: one GROUP BY over n small series."""
    y = many_table(n)
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(ext)
    con.execute("CREATE TABLE s(id INTEGER, ts TEXT, v REAL)")
    months = [f"{2010 + m // 12}-{m % 12 + 1:02d}-01" for m in range(120)]
    con.executemany("INSERT INTO s VALUES (?, ?, ?)",
                    ((i, months[m], float(y[i, m])) for i in range(n) for m in range(120)))
    con.execute("CREATE INDEX s_id ON s(id, ts)")
    t0 = time.perf_counter()
    got = con.execute("SELECT count(model) FROM (SELECT id, rnn_train(ts, v) AS model "
                      "FROM s GROUP BY id)").fetchone()[0]
    ours_s = time.perf_counter() - t0
    print()
    print(f"Many series: {got:,} models of {n:,} monthly series (120 points, defaults, "
          f"one GROUP BY, threads 0 on {os.cpu_count()} cores): {ours_s:.1f} s "
          f"({ours_s / n * 1000:.1f} ms a series; target 180 s)")
    r = shutil.which("Rscript")
    if not r or subprocess.run([r, "-e", "library(forecast)"], capture_output=True).returncode:
        print("R/ETS: not measured (Rscript with the forecast package is not installed)")
        return
    # ets() on monthly data tries its seasonal models: about half a second
    # a series here, so it is timed on the first 200 and scaled.
    k = min(n, 200)
    with tempfile.TemporaryDirectory() as d:
        np.savetxt(os.path.join(d, "y.csv"), y[:k], delimiter=",")
        code = ("suppressMessages(library(forecast)); y <- as.matrix(read.csv('%s', header=FALSE)); "
                "t0 <- Sys.time(); for (i in 1:nrow(y)) ets(ts(y[i,], frequency=12)); "
                "cat(as.numeric(difftime(Sys.time(), t0, units='secs')))" % os.path.join(d, "y.csv"))
        out = subprocess.run([r, "-e", code], capture_output=True, text=True)
    try:
        secs = float(out.stdout.strip()) * n / k
        print(f"R/ETS (forecast::ets, one core) on the first {k} of the same series, scaled to {n:,}: "
              f"{secs:.0f} s ({secs / n * 1000:.0f} ms a series); ratio R/ours {secs / ours_s:.1f}x")
    except ValueError:
        print(f"R/ETS: failed: {out.stderr.strip()[-200:]}")


if __name__ == "__main__":
    main()
