#!/usr/bin/python3
"""R's ets() and auto.arima() on the M4 dev halves, scored as make eval scores
sqlite-rnn, with the per-series counts issue 15 asks of us.

    /usr/bin/python3 bench/r_baselines.py [--sets hourly,weekly] [--methods ets,arima]
        [--origin K]

Needs R with the forecast package (make dev-deps). Each series is fitted on
its training rows as ts(y, frequency = m) (m = 24 hourly, 1 weekly, as the
M4 protocol scores them) and forecast h steps; a fit that fails counts as a
failed series. Prints sMAPE, MASE and OWA (which reproduce the reference
rows of ../shared/data/m4/README.md) and the series whose MASE is above 1.5
and 3 times seasonal naive's ("worse" and "runaway" in make eval). ETS on
the hourly half takes about ten minutes on one core; auto.arima there much
longer (the README has no hourly row for it either). --origin K forecasts
from K horizons before the end of each training part, as make eval's
--origin does (bench/eval.py).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval as ev  # noqa: E402

R_CODE = r"""
suppressMessages(library(forecast))
a <- commandArgs(TRUE)
m <- as.numeric(a[2]); h <- as.integer(a[3]); method <- a[4]
lines <- readLines(a[1])[-1]
out <- character(0)
for (ln in lines) {
  cells <- gsub('"', '', strsplit(ln, ",")[[1]])
  y <- suppressWarnings(as.numeric(cells[-1])); y <- y[!is.na(y)]
  yt <- ts(y, frequency = m)
  f <- tryCatch(as.numeric(forecast(if (method == "ets") ets(yt) else auto.arima(yt), h = h)$mean),
                error = function(e) rep(NA, h))
  out <- c(out, paste(c(cells[1], format(f, digits = 17)), collapse = ","))
}
writeLines(out, a[5])
"""


def r_forecasts(series, set_name, method):
    """{name: h forecasts, or None where the fit failed} of R's method on the
    training rows of series (written out as M4's files are: a header, then
    the name and the values of each series)."""
    cfg = ev.M4_SETS[set_name]
    with tempfile.TemporaryDirectory() as tmp:
        script, out = os.path.join(tmp, "f.R"), os.path.join(tmp, "f.csv")
        train = os.path.join(tmp, "train.csv")
        with open(script, "w") as f:
            f.write(R_CODE)
        with open(train, "w") as f:
            f.write("V1\n")
            for x in series:
                f.write(",".join([x["name"]] + [repr(v) for v in x["train"]]) + "\n")
        subprocess.run(["Rscript", script, train, str(cfg["m"]), str(cfg["h"]), method, out],
                       check=True)
        fc = {}
        with open(out) as f:
            for line in f:
                cells = line.strip().split(",")
                try:
                    fc[cells[0]] = [float(x) for x in cells[1:]]
                except ValueError:  # NA: the fit failed
                    fc[cells[0]] = None
        return fc


def score(series, fc):
    sm, ma, n2s, n2m = [], [], [], []
    worse = runaway = failed = 0
    for s in series:
        f = fc.get(s["name"])
        if f is None:
            failed += 1
            continue
        b = ev.score_baselines(s)
        m = ev.mase(s["test"], f, b["scale"])
        sm.append(ev.smape(s["test"], f))
        ma.append(m)
        n2s.append(b["naive2_smape"])
        n2m.append(b["naive2_mase"])
        worse += m > 1.5 * b["snaive_mase"]
        runaway += m > 3 * b["snaive_mase"]
    S, M = statistics.mean(sm), statistics.mean(ma)
    return S, M, ev.owa(S, M, statistics.mean(n2s), statistics.mean(n2m)), worse, runaway, failed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=os.path.join(ev.REPO_ROOT, "..", "shared", "data"))
    p.add_argument("--sets", default="hourly,weekly")
    p.add_argument("--methods", default="ets,arima")
    p.add_argument("--origin", type=int, default=0,
                   help="forecast from K horizons before the end of the training part")
    args = p.parse_args()
    print("| set | method | sMAPE | MASE | OWA | worse than 1.5x seasonal naive | runaway (3x) | failed fits |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for set_name in args.sets.split(","):
        series = ev.earlier_origin(ev.load_m4(args.data, set_name, None), args.origin)
        for method in args.methods.split(","):
            if method == "arima" and set_name == "hourly":
                continue  # hours a half on one core
            S, M, O, w, r, failed = score(series, r_forecasts(series, set_name, method))
            print(f"| {set_name} | {method} | {S:.3f} | {M:.3f} | {O:.3f} | {w} | {r} | {failed} |",
                  flush=True)


if __name__ == "__main__":
    main()
