"""PyTorch at its strongest on this machine (issue 13): OpenBLAS picks a
kernel family for the CPU at load time, not always the fastest (on an Intel
Xeon with AVX-512 its automatic choice made a GRU epoch 2.5x slower than
OPENBLAS_CORETYPE=SkylakeX). run_under_fastest() times a short PyTorch
probe (bench.py's W1 on 3,000 windows and W2 on 1,500, one thread) under
OpenBLAS's own choice ("auto") and each core type this CPU can run (Haswell
and Zen with AVX2; SkylakeX and Cooperlake with AVX-512), then re-runs the
calling script with the fastest; describe() says which and every time.
The variable must be set before OpenBLAS loads, hence the re-run.
"""
import os
import subprocess
import sys

DONE = "BENCH_CORETYPE_SEARCH"  # set in the re-run: what the search found


def coretype_candidates():
    flags = open("/proc/cpuinfo").read().split()
    cands = ["auto"]
    if "avx2" in flags and "fma" in flags:
        cands += ["Haswell", "Zen"]
    if all(f in flags for f in ("avx512f", "avx512bw", "avx512dq", "avx512vl")):
        cands.append("SkylakeX")
        if "avx512_bf16" in flags:
            cands.append("Cooperlake")
    return cands


PROBE = """
import sys
import torch
sys.path.insert(0, sys.argv[1])
import bench
torch.set_num_threads(1)
total = 0.0
for name, windows in (("W1", 3000), ("W2", 1500)):
    w = dict(bench.WORKLOADS[name], windows=windows)
    total += bench.timed(bench.theirs(w, 1), 1)
print(total)
"""


def choose_coretype():
    """Times PROBE under each candidate core type; returns (best, lines)."""
    times = {}
    for c in coretype_candidates():
        env = dict(os.environ)
        env.pop("OPENBLAS_CORETYPE", None)
        if c != "auto":
            env["OPENBLAS_CORETYPE"] = c
        here = os.path.dirname(os.path.abspath(__file__))  # bench/
        out = subprocess.run([sys.executable, "-c", PROBE, here], env=env,
                             capture_output=True, text=True)
        try:
            times[c] = float(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            times[c] = float("inf")
    best = min(times, key=times.get)
    return best, ", ".join(f"{c} {t:.2f} s" for c, t in times.items())


def run_under_fastest(given=None):
    """Re-runs this script under the fastest core type (or `given`); returns
    in the re-run."""
    if DONE in os.environ:
        return
    if given:
        best, tried = given, "given on the command line"
    else:
        best, tried = choose_coretype()
    env = dict(os.environ)
    env[DONE] = tried
    env.pop("OPENBLAS_CORETYPE", None)
    if best != "auto":
        env["OPENBLAS_CORETYPE"] = best
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def describe():
    chosen = os.environ.get("OPENBLAS_CORETYPE", "unset (OpenBLAS's own choice)")
    return (f"OPENBLAS_CORETYPE={chosen}, the fastest for a probe (W1 3,000 + W2 1,500 "
            f"windows, 1 thread): {os.environ.get(DONE, 'no search')}")
