#!/usr/bin/python3
"""Short series: the defaults against a network nothing validates.

    /usr/bin/python3 bench/short_series.py [--ext build/rnn] [--data ../shared/data]
        [--rows 3,5,8,10,12,15,16,18] [--h 6]

Cuts dev series (60 M4 Weekly, 40 M4 Hourly, the six classic series) to
their last n rows before four origins each (37 rows apart, the last h rows
before the end of the training part), trains on those n rows through SQL
and forecasts h steps. Prints, per set and n, the mean and median over the
cuts of the mean absolute error divided by the series' mean absolute
one-step change before the origin, for:
  network   rnn_train with method "network" (what the defaults trained on
            series too short for one validation window before core/train.c
            rule 9 covered them: the same network, nothing to choose from)
  defaults  rnn_train with the defaults
  naive     the last value
docs/forecasting.md ("The forecaster") quotes this run. Standard library only;
Debian's /usr/bin/python3 (its sqlite3 module loads extensions).
"""
import argparse
import csv
import json
import os
import sqlite3
import statistics as st


def load_m4(data, name, k):
    out = []
    with open(os.path.join(data, "m4", name + "-train.csv")) as f:
        r = csv.reader(f)
        next(r)
        for i, row in enumerate(r):
            if i >= k:
                break
            out.append([float(x) for x in row[1:] if x != ""])
    return out


def load_classic(data):
    out = []
    with open(os.path.join(data, "series.csv")) as f:
        names = [row["name"] for row in csv.DictReader(f) if row["set"] == "dev"]
    for name in names:
        with open(os.path.join(data, name + ".csv")) as f:
            out.append([float(row["value"]) for row in csv.DictReader(f) if row["value"] != ""])
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--ext", default=os.path.join(here, "..", "build", "rnn"))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--rows", default="3,5,8,10,12,15,16,18")
    ap.add_argument("--h", type=int, default=6)
    args = ap.parse_args()
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(args.ext)
    rows = [int(x) for x in args.rows.split(",")]
    h = args.h
    sets = {"weekly": load_m4(args.data, "Weekly", 60),
            "hourly": load_m4(args.data, "Hourly", 40),
            "classic": load_classic(args.data)}
    opts = {"network": '{"method":"network"}', "defaults": None}

    def forecast(train, options):
        m = db.execute("SELECT rnn_train(key, value, ?) FROM json_each(?)",
                       (options, json.dumps(train))).fetchone()[0]
        return [r[0] for r in db.execute("SELECT value FROM rnn_forecast(?, ?)", (m, h))]

    for name, series in sets.items():
        res = {n: {k: [] for k in ("network", "defaults", "naive")} for n in rows}
        for y in series:
            for k in range(4):
                o = len(y) - h - 37 * k
                if o < 40:
                    continue
                hist, truth = y[:o], y[o:o + h]
                scale = st.mean(abs(hist[i] - hist[i - 1]) for i in range(1, o)) or 1.0
                for n in rows:
                    train = hist[-n:]
                    fc = {key: forecast(train, opt) for key, opt in opts.items()}
                    fc["naive"] = [train[-1]] * h
                    for key, f in fc.items():
                        res[n][key].append(st.mean(abs(a - b) for a, b in zip(f, truth)) / scale)
        print("%s (%d cuts)" % (name, len(res[rows[0]]["naive"])))
        for n in rows:
            print("  n = %2d  " % n + "  ".join(
                "%s %.3f (median %.3f)" % (k, st.mean(v), st.median(v)) for k, v in res[n].items()))


if __name__ == "__main__":
    main()
