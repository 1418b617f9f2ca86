#!/usr/bin/python3
"""Forecast accuracy of sqlite-rnn's defaults on the dev data sets, M4 protocol.

    /usr/bin/python3 bench/eval.py [--ext build/rnn] [--data ../shared/data]
        [--sets classic,hourly,weekly] [--limit N] [--options JSON]
        [--json FILE] [--baselines-only] [--global] [--origin K]

(`make eval EVAL_ARGS=...` runs it on build/rnn.so.) Run with Debian's
/usr/bin/python3, whose sqlite3 module can load extensions. Standard library
only.

Data sets (read-only, --data, by default ../shared/data from the repo root):
  classic  the rows of series.csv whose set is "dev" (AirPassengers, nottem,
           UKgas, lynx, presidents, taylor), one <name>.csv each (ts,value;
           empty value = missing). The last `horizon` rows are held out.
  hourly   m4/Hourly-{train,test}.csv: h = 48, m = 24, ts = 1..n.
  weekly   m4/Weekly-{train,test}.csv: h = 13, m = 1,  ts = 1..n.

The extension runs exactly as a user would, through SQL: one in-memory
database per set, every series of the set in obs(series, ts, value), then
one timed statement
    CREATE TABLE models AS
      SELECT series, rnn_train(ts, value, :opts) AS model FROM obs GROUP BY series
(:opts NULL = the defaults, or --options), and one timed forecast per level
(0.95 and 0.80) through rnn_forecast(model, h, level) in a lateral join.
On the M4 sets a global model is trained and scored too (issue 12): one
    SELECT rnn_train_global(series, ts, value, :opts) FROM obs
forecast per series through rnn_forecast's series column. --global scores
the global model in place of the per-series ones (no anomaly or fine-tune
parts).

Scores (M4 organisers' protocol, m4/README.md), per series, over the held-out
points whose value is known:
  sMAPE  mean of 200 |y - f| / (|y| + |f|) (0 when both are 0);
  MASE   mean |y - f| / the in-sample mean |y_t - y_{t-m}| (pairs with a missing
         value skipped; m = 24 hourly, 1 weekly, the series' period for
         classic, lag 1 when the period is 1);
  OWA    of a set: (mean sMAPE / mean sMAPE of Naive2
                    + mean MASE / mean MASE of Naive2) / 2,
         Naive2 computed here on the same series.
Naive2: a 90% autocorrelation test at lag m (m > 1, n >= 3m): seasonal when
|acf_m| > 1.645 sqrt((1 + 2 sum_{k<m} acf_k^2) / n); then classical
multiplicative decomposition (centred moving average of order m, 2xm for even
m; indices = mean of y / trend per position in the cycle, normalised to mean
1), the naive forecast of the deseasonalised series, reseasonalised with the
indices continuing the cycle. Otherwise the plain naive forecast.
Seasonal naive repeats the last m values. Where the history has missing values
(presidents) the baselines fill each one with the latest known value at the
same position of the cycle (the naive forecast uses the latest known value):
this reproduces the README's reference rows.

Per set also: runaways (MASE > 3x the series' seasonal-naive MASE), series
worse than 1.5x seasonal naive, series with a non-negative history and a
negative forecast, and the coverage of the 80% and 95% intervals pooled over
the held-out points (NULL bounds count as not covered and are counted
separately; Hourly also by step 1-24 and 25-48; every set also where the
forecast is above its own median over the horizon and where below), and
M4's interval score, MSIS (mean of (upper - lower) + 2/a (lower - y) where
y < lower + 2/a (y - upper) where y > upper, a = 1 - level, over the MASE
scale), at 95% and at 80%, averaged over the series. The README's reference rows
are constants below (they are on the full dev halves: not comparable with
--limit or --origin).

--origin K (default 0) forecasts from an earlier origin, to see whether a
rule's gain holds elsewhere than at the one origin M4 scores: each series'
last K horizons of its training part are dropped and the first horizon of
them is held out in place of the test part (which is never read then). A
series left with fewer than 3 horizons' rows is skipped. Everything else
(baselines, scores, counts) is computed the same way on what is left.
"""
import argparse
import csv
import json
import math
import os
import sqlite3
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = (0.95, 0.80)

# Set name -> how to read it. "split": report coverage at steps <= split and > split.
M4_SETS = {
    "hourly": dict(file="Hourly", m=24, h=48, split=24),
    "weekly": dict(file="Weekly", m=1, h=13, split=None),
}
ALL_SETS = ("classic", "hourly", "weekly")

# m4/README.md: method -> (sMAPE, MASE, OWA) on the full dev halves (R 4.2, forecast 8.20).
M4_REFERENCE = {
    "hourly": [
        ("Naive2", 18.120, 2.220, 1.000),
        ("seasonal naive", 13.841, 1.140, 0.639),
        ("SES (deseasonalised)", 17.947, 2.216, 0.994),
        ("Theta (deseasonalised)", 17.990, 2.279, 1.010),
        ("ETS (`ets()`)", 17.013, 1.612, 0.832),
        ("sqlite-rnn 0.1.0 defaults", 21.152, 1.523, 0.927),
    ],
    "weekly": [
        ("Naive2", 9.568, 2.583, 1.000),
        ("seasonal naive", 9.568, 2.583, 1.000),
        ("SES (deseasonalised)", 9.501, 2.528, 0.986),
        ("Theta (deseasonalised)", 9.626, 2.487, 0.984),
        ("ETS (`ets()`)", 8.924, 2.343, 0.920),
        ("auto.arima", 8.768, 2.449, 0.932),
        ("sqlite-rnn 0.1.0 defaults", 8.417, 2.220, 0.870),
    ],
}
# README.md (data): MASE per series (R 4.2, forecast 8.20).
CLASSIC_REF_COLUMNS = ("naive", "seasonal naive", "ETS", "auto.arima", "theta")
CLASSIC_REFERENCE = {
    "AirPassengers": (2.496, 1.571, 0.749, 0.608, 0.865),
    "nottem": (3.793, 0.619, 0.545, 0.560, 0.568),
    "UKgas": (10.049, 3.627, 2.680, 2.349, 5.140),
    "lynx": (1.380, 1.380, 1.380, 0.834, 1.382),
    "presidents": (2.305, 1.910, 2.140, 2.264, 2.212),
    "taylor": (1.649, 1.262, 4.271, 1.915, 1.577),
}


# --------------------------------------------------------------------------
# Data. A series is a dict: name, ts (training ts as SQL values), train and
# test (floats, None = missing), m (seasonal lag for MASE/Naive2), h.

def parse_value(text):
    text = text.strip()
    return float(text) if text else None


def parse_ts(text):
    """An integer index as int, anything else (ISO dates) as the text itself."""
    try:
        return int(text)
    except ValueError:
        return text


def load_classic(data_dir):
    with open(os.path.join(data_dir, "series.csv"), newline="") as f:
        meta = [r for r in csv.DictReader(f) if r["set"] == "dev"]
    out = []
    for r in meta:
        with open(os.path.join(data_dir, r["name"] + ".csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        h = int(r["horizon"])
        ts = [parse_ts(row["ts"]) for row in rows]
        y = [parse_value(row["value"]) for row in rows]
        out.append(dict(name=r["name"], ts=ts[:-h], train=y[:-h], test=y[-h:],
                        m=max(1, int(r["period"])), h=h))
    return out


def read_m4_rows(path, limit):
    """{id: [floats]} in file order, at most limit rows, trailing empty cells dropped."""
    out = {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)  # header V1, V2, ...
        for row in reader:
            if limit is not None and len(out) >= limit:
                break
            cells = row[1:]
            while cells and not cells[-1].strip():
                cells.pop()
            out[row[0]] = [parse_value(c) for c in cells]
    return out


def load_m4(data_dir, name, limit):
    cfg = M4_SETS[name]
    train = read_m4_rows(os.path.join(data_dir, "m4", cfg["file"] + "-train.csv"), limit)
    test = read_m4_rows(os.path.join(data_dir, "m4", cfg["file"] + "-test.csv"), limit)
    out = []
    for sid, y in train.items():
        if len(test[sid]) != cfg["h"]:
            raise ValueError("%s: %d test values, expected %d" % (sid, len(test[sid]), cfg["h"]))
        out.append(dict(name=sid, ts=list(range(1, len(y) + 1)), train=y, test=test[sid],
                        m=cfg["m"], h=cfg["h"]))
    return out


# --------------------------------------------------------------------------
# Metrics.

def earlier_origin(series, k):
    """The series as seen k horizons before the end of its training part
    (--origin): its last k horizons dropped, the first of them held out."""
    if k == 0:
        return series
    out = []
    for s in series:
        h, n = s["h"], len(s["train"])
        if n - k * h < 3 * h:
            continue
        cut = n - k * h
        out.append(dict(s, ts=s["ts"][:cut], train=s["train"][:cut],
                        test=s["train"][cut:cut + h]))
    if not out:
        raise ValueError("no series keeps 3 horizons of rows %d horizons back" % k)
    return out


def known_pairs(y, f):
    return [(a, b) for a, b in zip(y, f) if a is not None]


def smape(y, f):
    terms = [0.0 if a == 0 and b == 0 else 200.0 * abs(a - b) / (abs(a) + abs(b))
             for a, b in known_pairs(y, f)]
    return statistics.fmean(terms)


def insample_scale(train, m):
    """Mean |y_t - y_{t-m}| over the history, pairs with a missing value skipped."""
    d = [abs(train[t] - train[t - m]) for t in range(m, len(train))
         if train[t] is not None and train[t - m] is not None]
    return statistics.fmean(d) if d else math.nan


def mase(y, f, scale):
    mae = statistics.fmean(abs(a - b) for a, b in known_pairs(y, f))
    return mae / scale if scale > 0 else math.nan


def finite_mean(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return statistics.fmean(xs) if xs else math.nan


# --------------------------------------------------------------------------
# Baselines (pure Python).

def fill_missing(y, m):
    """Each missing value <- the latest known value at the same position of the
    cycle (lag m), else the latest known value; leading gaps <- the first known."""
    out = list(y)
    last = None
    for t, v in enumerate(out):
        if v is None:
            same = t - m
            while same >= 0 and out[same] is None:
                same -= m
            out[t] = out[same] if same >= 0 else last
        else:
            last = v
    first = next(v for v in out if v is not None)
    return [first if v is None else v for v in out]


def naive(train, h):
    last = next(v for v in reversed(train) if v is not None)
    return [last] * h


def seasonal_naive(train, m, h):
    y = fill_missing(train, m)
    n = len(y)
    return [y[n - m + (s % m)] for s in range(h)]


def acf(x, max_lag):
    """R's acf: autocorrelations at lags 1..max_lag (index 0 = lag 1)."""
    n = len(x)
    mean = statistics.fmean(x)
    d = [v - mean for v in x]
    c0 = sum(v * v for v in d)
    return [sum(d[t] * d[t + k] for t in range(n - k)) / c0 for k in range(1, max_lag + 1)]


def is_seasonal(x, m):
    """The M4 organisers' 90% test for seasonality at lag m."""
    if m <= 1 or len(x) < 3 * m:
        return False
    r = acf(x, m)
    limit = 1.645 * math.sqrt((1 + 2 * sum(v * v for v in r[:m - 1])) / len(x))
    return abs(r[m - 1]) > limit


def seasonal_indices(x, m):
    """Classical multiplicative decomposition (R's decompose): m indices,
    index i for positions t = i, i + m, ... (0-based), mean 1."""
    n = len(x)
    if m % 2 == 0:
        weights = [0.5 / m] + [1.0 / m] * (m - 1) + [0.5 / m]
    else:
        weights = [1.0 / m] * m
    half = len(weights) // 2
    ratios = [[] for _ in range(m)]
    for t in range(half, n - half):
        trend = sum(w * x[t - half + j] for j, w in enumerate(weights))
        ratios[t % m].append(x[t] / trend)
    figure = [statistics.fmean(r) for r in ratios]
    mean = statistics.fmean(figure)
    return [v / mean for v in figure]


def naive2(train, m, h):
    x = fill_missing(train, m)
    if not is_seasonal(x, m):
        return naive(train, h)
    idx = seasonal_indices(x, m)
    n = len(x)
    level = x[-1] / idx[(n - 1) % m]
    return [level * idx[(n + s) % m] for s in range(h)]


# --------------------------------------------------------------------------
# The extension, through SQL.

TRAIN_SQL = ("CREATE TABLE models AS SELECT series, rnn_train(ts, value, :opts) AS model "
             "FROM obs GROUP BY series")
FORECAST_SQL = ("SELECT m.series, f.step, f.value, f.lower, f.upper "
                "FROM models m JOIN horizons USING (series), "
                "rnn_forecast(m.model, horizons.h, :level) f")
INFO_SQL = ("SELECT series, json_extract(rnn_info(model), '$.kind'), "
            "json_extract(rnn_info(model), '$.window'), "
            "json_extract(rnn_info(model), '$.period'), "
            "json_extract(rnn_info(model), '$.history') FROM models")
# --global: one model across the set's series (rnn_train_global).
G_TRAIN_SQL = "CREATE TABLE g AS SELECT rnn_train_global(series, ts, value, :opts) AS model FROM obs"
G_FORECAST_SQL = ("SELECT f.series, f.step, f.value, f.lower, f.upper "
                  "FROM horizons h, g, rnn_forecast(g.model, h.h, :level, NULL, NULL, h.series) f")
G_INFO_SQL = ("SELECT series, json_extract(i, '$.kind'), json_extract(i, '$.window'), "
              "json_extract(i, '$.period'), json_extract(i, '$.history') "
              "FROM (SELECT h.series, rnn_info(g.model, h.series) AS i FROM horizons h, g)")
ANOMALY_SQL = ("SELECT pos, actual, predicted, score FROM models, "
               "rnn_anomaly(models.model, :series) WHERE models.series = :name")
SPIKE_SIGMAS = 5.0
RECENT = 24  # core/rnn.h RNN_SURPRISE_RECENT
TRAIN_ERRORS = 200  # core/rnn.h RNN_MAX_SURPRISE: the training rows' errors a model keeps
MASK_SIGMAS, MASK_AFTER = 10.0, 3

# Fine-tuning: a model trained without the last rows of the training part,
# fine-tuned on them, against the model retrained on the whole part.
BASE_SQL = ("CREATE TABLE base AS SELECT series, rnn_train(ts, value, :opts) AS model "
            "FROM obs JOIN cut USING (series) WHERE obs.i <= cut.i GROUP BY series")
# The new rows in series order from an index, so GROUP BY sorts nothing (a
# sorter would carry the model BLOB of every row).
TUNE_SQL = ("CREATE TABLE tuned AS SELECT series, rnn_finetune(base.model, ts, value, :opts) AS model "
            "FROM obs JOIN cut USING (series) JOIN base USING (series) "
            "WHERE obs.i > cut.i GROUP BY series")
TUNED_SQL = ("SELECT m.series, f.step, f.value FROM tuned m JOIN horizons USING (series), "
             "rnn_forecast(m.model, horizons.h) f")


def new_rows(name, s):
    """How many of the last training rows the fine-tune gets: a year of a
    monthly or quarterly series (m), a year of a weekly one (52), a week of an
    hourly or half-hourly one (168, 336: a year is more than the history), and
    the horizon of the others; never more than a third of the rows."""
    if name == "weekly":
        k = 52
    elif name == "hourly":
        k = 168
    elif s["m"] in (4, 12):
        k = s["m"]
    elif s["m"] == 48:
        k = 336
    else:
        k = s["h"]
    return min(k, len(s["train"]) // 3)


def run_finetune(conn, name, series, options, finetune_options):
    """Base models on all but new_rows() training rows, fine-tuned on those.
    Returns ({series: [values by step]}, base seconds, fine-tune seconds)."""
    conn.execute("CREATE TABLE cut(series TEXT PRIMARY KEY, i INTEGER)")
    conn.executemany("INSERT INTO cut VALUES (?, ?)",
                     ((s["name"], len(s["train"]) - new_rows(name, s)) for s in series))
    t0 = time.perf_counter()
    conn.execute(BASE_SQL, {"opts": options})
    base_s = time.perf_counter() - t0
    conn.execute("CREATE INDEX obs_series ON obs(series, i)")
    # Each new row looks its series' base model up: without an index SQLite
    # builds an automatic one holding every model BLOB in temporary storage
    # (a file) and reads the BLOB back from it for every row, which took
    # more than half of the fine-tune's time on the hourly half.
    conn.execute("CREATE INDEX base_series ON base(series)")
    t0 = time.perf_counter()
    conn.execute(TUNE_SQL, {"opts": finetune_options})
    tune_s = time.perf_counter() - t0
    out = {}
    for name_, step, value in conn.execute(TUNED_SQL):
        out.setdefault(name_, {})[step] = value
    return {k: [v.get(i) for i in range(1, max(v) + 1)] for k, v in out.items()}, base_s, tune_s


def last_score(conn, name, window):
    """rnn_anomaly's score of the last row of window (None: none)."""
    rows = conn.execute(ANOMALY_SQL, {"name": name, "series": json.dumps(window)}).fetchall()
    row = max(rows) if rows else None  # the last position
    return row[3] if row and row[0] == len(window) else None


def run_anomaly(conn, series, info):
    """rnn_anomaly over each series' held-out points, clean and spiked.

    Clean: the scores of the held-out points given the rows before them. Spiked:
    for each held-out point on its own, its value moved by SPIKE_SIGMAS standard
    deviations of the series' one-step errors (up at odd steps, down at even
    ones), scored given the clean rows before it. The standard deviation is the
    root mean square of the one-step errors (rnn_anomaly's actual - predicted,
    the model's own forecasts) of the last 200 training rows and of the
    held-out rows: the held-out rows alone (13 weekly) are too few to say what
    an ordinary error is (rnn_info's anomaly.rms is of the errors less their
    runs' shifts, core/predict.c rule 10, not of these). The
    rows a forecast reads (`history`) and RECENT rows more are passed before
    each scored row: the score is judged at the scale of those RECENT rows'
    one-step errors, as the window function's with a frame of ROWS BETWEEN
    history + RECENT PRECEDING AND CURRENT ROW. Masked: each spike again,
    MASK_AFTER rows after a spike of MASK_SIGMAS on the row's own (a large
    error must not hide the next one).
    Returns ({name: dict(clean=[...], spiked=[...], masked=[...])}, seconds).
    """
    out = {}
    t0 = time.perf_counter()
    for s in series:
        W = info.get(s["name"], {}).get("history")
        if not W:
            continue
        full = s["train"] + s["test"]
        n = len(s["train"])
        start = max(0, n - W - max(RECENT, TRAIN_ERRORS))
        rows = conn.execute(ANOMALY_SQL, {"name": s["name"],
                                          "series": json.dumps(full[start:])}).fetchall()
        clean = {start + pos: (actual, pred, score) for pos, actual, pred, score in rows}
        test = [clean.get(n + j + 1) for j in range(len(s["test"]))]
        train = [clean.get(n - j) for j in range(TRAIN_ERRORS)]
        errors = [a - p for a, p, _ in filter(None, test + train)
                  if a is not None and p is not None]
        rec = dict(clean=[t[2] for t in test if t and t[2] is not None], spiked=[], masked=[])
        if len(errors) >= 2:
            sd = math.sqrt(sum(e * e for e in errors) / len(errors))
            for j, y in enumerate(s["test"]):
                if y is None or sd == 0:
                    continue
                window = (full[max(0, n + j - W - RECENT):n + j]
                          + [y + (1 if j % 2 == 0 else -1) * SPIKE_SIGMAS * sd])
                score = last_score(conn, s["name"], window)
                if score is not None:
                    rec["spiked"].append(score)
                # The same spike MASK_AFTER rows after one of MASK_SIGMAS.
                before = len(window) - 1 - MASK_AFTER
                if j >= MASK_AFTER and window[before] is not None:
                    window[before] += MASK_SIGMAS * sd
                    score = last_score(conn, s["name"], window)
                    if score is not None:
                        rec["masked"].append(score)
        out[s["name"]] = rec
    return out, time.perf_counter() - t0


def open_db(ext):
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    conn.load_extension(ext)
    conn.enable_load_extension(False)
    return conn


def run_extension(ext, set_name, series, options, finetune_options=None, global_model=False):
    """Train on every series of a set in one statement and forecast at each level.

    Returns (forecasts, info, train_seconds, forecast_seconds, anomaly), forecasts
    as {name: {level: [(value, lower, upper)] by step}}, info as {name: {...}},
    anomaly as run_anomaly's.
    """
    conn = open_db(ext)
    try:
        conn.execute("CREATE TABLE obs(series TEXT, ts, value REAL, i INTEGER)")
        conn.execute("CREATE TABLE horizons(series TEXT PRIMARY KEY, h INTEGER)")
        conn.executemany("INSERT INTO obs VALUES (?, ?, ?, ?)",
                         ((s["name"], t, v, i) for s in series
                          for i, (t, v) in enumerate(zip(s["ts"], s["train"]), start=1)))
        conn.executemany("INSERT INTO horizons VALUES (?, ?)", ((s["name"], s["h"]) for s in series))
        conn.commit()

        t0 = time.perf_counter()
        conn.execute(G_TRAIN_SQL if global_model else TRAIN_SQL, {"opts": options})
        train_seconds = time.perf_counter() - t0

        forecasts = {s["name"]: {} for s in series}
        forecast_seconds = 0.0
        for level in LEVELS:
            t0 = time.perf_counter()
            rows = conn.execute(G_FORECAST_SQL if global_model else FORECAST_SQL,
                                {"level": level}).fetchall()
            forecast_seconds += time.perf_counter() - t0
            by_series = {}
            for name, step, value, lower, upper in rows:
                by_series.setdefault(name, {})[step] = (value, lower, upper)
            for name, steps in by_series.items():
                forecasts[name][level] = [steps.get(k, (None, None, None))
                                          for k in range(1, max(steps) + 1)]

        info = {}
        for name, kind, window, period, history in conn.execute(
                G_INFO_SQL if global_model else INFO_SQL):
            info[name] = dict(kind=kind, window=window, period=period, history=history)
        if global_model:  # rnn_anomaly and rnn_finetune take one series' model
            return forecasts, info, train_seconds, forecast_seconds, ({}, 0.0), ({}, 0.0, 0.0)
        anomaly = run_anomaly(conn, series, info)
        finetune = run_finetune(conn, set_name, series, options, finetune_options)
        return forecasts, info, train_seconds, forecast_seconds, anomaly, finetune
    finally:
        conn.close()


def extension_version(ext):
    conn = open_db(ext)
    try:
        return conn.execute("SELECT rnn_version()").fetchone()[0]
    finally:
        conn.close()


# --------------------------------------------------------------------------
# Scoring.

def forecast_problem(fc, h):
    """Why a series' forecast cannot be scored, or None."""
    for level in LEVELS:
        rows = fc.get(level)
        if not rows:
            return "no forecast at level %g" % level
        if len(rows) != h:
            return "%d steps at level %g, expected %d" % (len(rows), level, h)
        if any(v is None or not math.isfinite(v) for v, _, _ in rows):
            return "missing or non-finite value at level %g" % level
    return None


def score_baselines(s):
    """Per-series scores of the baselines computed here."""
    scale = insample_scale(s["train"], s["m"])
    out = dict(series=s["name"], n=len(s["train"]), h=s["h"], m=s["m"], scale=scale)
    for key, f in (("snaive", seasonal_naive(s["train"], s["m"], s["h"])),
                   ("naive2", naive2(s["train"], s["m"], s["h"])),
                   ("naive", naive(s["train"], s["h"]))):
        out[key + "_smape"] = smape(s["test"], f)
        out[key + "_mase"] = mase(s["test"], f, scale)
    return out


def coverage_parts(split):
    """Coverage buckets: all steps, and with a split steps 1..split ("early") and the rest ("late")."""
    return ("all", "early", "late") if split else ("all",)


def score_rnn(s, rec, fc, split):
    """Adds the extension's scores, flags and coverage counts to rec."""
    point = [v for v, _, _ in fc[LEVELS[0]]]
    rec["smape"] = smape(s["test"], point)
    rec["mase"] = mase(s["test"], point, rec["scale"])
    ratio = rec["mase"] / rec["snaive_mase"] if rec["snaive_mase"] > 0 else math.nan
    rec["runaway"] = ratio > 3
    rec["worse_1_5x"] = ratio > 1.5
    history = [v for v in s["train"] if v is not None]
    rec["negative"] = min(history) >= 0 and min(point) < 0
    cov = {}
    for level in LEVELS:
        for part in coverage_parts(split):
            cov["%g_%s" % (level, part)] = dict(covered=0, points=0, null_bounds=0)
        for step, (y, (_, lo, hi)) in enumerate(zip(s["test"], fc[level]), start=1):
            if y is None:
                continue
            parts = ["all"]
            if split:
                parts.append("early" if step <= split else "late")
            for part in parts:
                c = cov["%g_%s" % (level, part)]
                c["points"] += 1
                if lo is None or hi is None:
                    c["null_bounds"] += 1
                elif lo <= y <= hi:
                    c["covered"] += 1
    rec["coverage_counts"] = cov
    # M4's interval score (MSIS at 95%; the same at 80%), scaled as MASE,
    # and coverage where the forecast is above or below its own median
    # over the horizon (the high and the low parts of a cycle).
    mid = sorted(point)[len(point) // 2]
    for level in LEVELS:
        a = 1 - level
        tot, cnt = 0.0, 0
        for part in ("high", "low"):
            cov["%g_%s" % (level, part)] = dict(covered=0, points=0, null_bounds=0)
        for y, (f, lo, hi) in zip(s["test"], fc[level]):
            if y is None:
                continue
            c = cov["%g_%s" % (level, "high" if f >= mid else "low")]
            c["points"] += 1
            if lo is None or hi is None:
                c["null_bounds"] += 1
                continue
            c["covered"] += lo <= y <= hi
            tot += (hi - lo) + (2 / a) * (lo - y) * (y < lo) + (2 / a) * (y - hi) * (y > hi)
            cnt += 1
        rec["is_%g" % level] = tot / cnt / rec["scale"] if cnt and rec["scale"] > 0 else math.nan


def pooled_coverage(records, key):
    covered = sum(r["coverage_counts"][key]["covered"] for r in records)
    points = sum(r["coverage_counts"][key]["points"] for r in records)
    nulls = sum(r["coverage_counts"][key]["null_bounds"] for r in records)
    return dict(coverage=covered / points if points else math.nan, points=points, null_bounds=nulls)


def owa(smape_mean, mase_mean, naive2_smape, naive2_mase):
    return (smape_mean / naive2_smape + mase_mean / naive2_mase) / 2


def summarise(records, with_rnn, split):
    """Set summary from the per-series records that could be scored."""
    sm = {}
    for key in ("naive2", "snaive", "naive"):
        sm[key] = dict(smape=finite_mean(r[key + "_smape"] for r in records),
                       mase=finite_mean(r[key + "_mase"] for r in records))
    for key in ("naive2", "snaive", "naive"):
        sm[key]["owa"] = owa(sm[key]["smape"], sm[key]["mase"],
                             sm["naive2"]["smape"], sm["naive2"]["mase"])
    if with_rnn:
        rnn = dict(smape=finite_mean(r["smape"] for r in records),
                   mase=finite_mean(r["mase"] for r in records))
        rnn["owa"] = owa(rnn["smape"], rnn["mase"], sm["naive2"]["smape"], sm["naive2"]["mase"])
        rnn["runaway"] = sum(r["runaway"] for r in records)
        rnn["worse_1_5x"] = sum(r["worse_1_5x"] for r in records)
        rnn["negative"] = sum(r["negative"] for r in records)
        rnn["coverage"] = {}
        for level in LEVELS:
            for part in coverage_parts(split) + ("high", "low"):
                key = "%g_%s" % (level, part)
                rnn["coverage"][key] = pooled_coverage(records, key)
            rnn["is_%g" % level] = finite_mean(r["is_%g" % level] for r in records)
        sm["rnn"] = rnn
    return sm


def evaluate_set(name, series, args):
    """Scores one set: {'series': [...], 'summary': {...}, 'errors': [...]}."""
    split = M4_SETS[name]["split"] if name in M4_SETS else None
    records = [score_baselines(s) for s in series]
    result = dict(set=name, count=len(series), errors=[], series=records)
    if args.baselines_only:
        result["summary"] = summarise(records, False, split)
        return result

    forecasts, info, train_s, forecast_s, (anomaly, anomaly_s), (tuned, base_s, tune_s) = \
        run_extension(args.ext, name, series, args.options, args.finetune_options, args.global_model)
    scored = []
    for s, rec in zip(series, records):
        rec["info"] = info.get(s["name"], {})
        tf = tuned.get(s["name"])
        if tf and len(tf) == s["h"] and all(v is not None for v in tf):
            rec["tuned_smape"] = smape(s["test"], tf)
            rec["tuned_mase"] = mase(s["test"], tf, rec["scale"])
        an = anomaly.get(s["name"])
        if an:
            rec["anomaly"] = dict(clean=len(an["clean"]), false_alarms=sum(x > 0.99 for x in an["clean"]),
                                  spiked=len(an["spiked"]), found=sum(x > 0.99 for x in an["spiked"]))
        problem = forecast_problem(forecasts.get(s["name"], {}), s["h"])
        if problem:
            rec["error"] = problem
            result["errors"].append("%s/%s: %s" % (name, s["name"], problem))
            continue
        score_rnn(s, rec, forecasts[s["name"]], split)
        scored.append(rec)
    # Every mean (Naive2 too) is over the series that could be scored, so OWA compares like with like.
    result["summary"] = summarise(scored, True, split)
    result["summary"]["scored"] = len(scored)
    result["summary"]["seconds"] = dict(train=train_s, forecast=forecast_s, anomaly=anomaly_s)
    result["summary"]["anomaly"] = summarise_anomaly(anomaly)
    tuned_ok = [r for r in scored if "tuned_mase" in r]
    sm = result["summary"]
    ft = dict(series=len(tuned_ok), base_seconds=base_s, seconds=tune_s,
              smape=finite_mean(r["tuned_smape"] for r in tuned_ok),
              mase=finite_mean(r["tuned_mase"] for r in tuned_ok),
              retrain_smape=finite_mean(r["smape"] for r in tuned_ok),
              retrain_mase=finite_mean(r["mase"] for r in tuned_ok))
    n2s = finite_mean(r["naive2_smape"] for r in tuned_ok)
    n2m = finite_mean(r["naive2_mase"] for r in tuned_ok)
    ft["owa"] = owa(ft["smape"], ft["mase"], n2s, n2m)
    ft["retrain_owa"] = owa(ft["retrain_smape"], ft["retrain_mase"], n2s, n2m)
    sm["finetune"] = ft
    if name in M4_SETS and not args.global_model:
        sm["global"] = evaluate_global(name, series, records, args)
    return result


def evaluate_global(name, series, records, args):
    """Issue 12: one rnn_train_global model across the set, scored as the
    per-series models are (same Naive2 means, over the series both scored)."""
    forecasts, _, train_s, _, _, _ = run_extension(args.ext, name, series, args.options,
                                                   None, True)
    smapes, mases, n2s, n2m, worse = [], [], [], [], 0
    for s, rec in zip(series, records):
        fc = forecasts.get(s["name"], {})
        if forecast_problem(fc, s["h"]) or "mase" not in rec:
            continue
        point = [v for v, _, _ in fc[LEVELS[0]]]
        smapes.append(smape(s["test"], point))
        mases.append(mase(s["test"], point, rec["scale"]))
        n2s.append(rec["naive2_smape"])
        n2m.append(rec["naive2_mase"])
        worse += rec["snaive_mase"] > 0 and mases[-1] / rec["snaive_mase"] > 1.5
    sm_, ms_ = finite_mean(smapes), finite_mean(mases)
    return dict(series=len(smapes), smape=sm_, mase=ms_, seconds=train_s, worse_1_5x=worse,
                owa=owa(sm_, ms_, finite_mean(n2s), finite_mean(n2m)))


def summarise_anomaly(anomaly):
    """Shares of clean scores above 0.5, 0.9, 0.99 (promised: 50%, 10%, 1%) and of
    spikes found at 0.99, pooled over the series."""
    clean = [x for r in anomaly.values() for x in r["clean"]]
    spiked = [x for r in anomaly.values() for x in r["spiked"]]
    masked = [x for r in anomaly.values() for x in r.get("masked", [])]
    share = lambda xs, t: sum(x > t for x in xs) / len(xs) if xs else math.nan
    return dict(clean=len(clean), spiked=len(spiked), masked=len(masked),
                above_0_5=share(clean, 0.5), above_0_9=share(clean, 0.9),
                false_alarms=share(clean, 0.99), found=share(spiked, 0.99),
                found_after_spike=share(masked, 0.99))


# --------------------------------------------------------------------------
# Output.

def fmt(x, digits=3):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else "%.*f" % (digits, x)


def method_rows(result, with_rnn):
    sm = result["summary"]
    rows = []
    if with_rnn:
        rows.append(("sqlite-rnn (this run)", sm["rnn"]))
    rows.append(("seasonal naive (here)", sm["snaive"]))
    rows.append(("Naive2 (here)", sm["naive2"]))
    return [(label, v["smape"], v["mase"], v["owa"]) for label, v in rows]


def print_method_table(rows):
    print("| method | sMAPE | MASE | OWA |")
    print("|---|---:|---:|---:|")
    for label, s, m, o in rows:
        print("| %s | %s | %s | %s |" % (label, fmt(s), fmt(m), fmt(o)))


def print_classic_mase_table(result, with_rnn):
    head = ["series", "m", "h"] + (["sqlite-rnn"] if with_rnn else []) + \
        ["naive (here)", "seasonal naive (here)", "Naive2 (here)"] + \
        ["%s (ref)" % c for c in CLASSIC_REF_COLUMNS]
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    cols = [[] for _ in range(len(head) - 3)]
    for r in result["series"]:
        ref = CLASSIC_REFERENCE.get(r["series"], (None,) * len(CLASSIC_REF_COLUMNS))
        vals = ([r.get("mase")] if with_rnn else []) + \
            [r["naive_mase"], r["snaive_mase"], r["naive2_mase"]] + list(ref)
        for c, v in zip(cols, vals):
            c.append(v)
        print("| %s | %d | %d | %s |" % (r["series"], r["m"], r["h"],
                                        " | ".join(fmt(v) for v in vals)))
    means = [finite_mean(c) for c in cols]
    print("| mean | | | %s |" % " | ".join(fmt(v) for v in means))


def coverage_text(cov, part):
    a, b = cov["0.8_" + part], cov["0.95_" + part]
    return "80% {:.1%}, 95% {:.1%} ({} points; NULL bounds: {} at 80%, {} at 95%)".format(
        a["coverage"], b["coverage"], a["points"], a["null_bounds"], b["null_bounds"])


def print_set(result, args):
    name = result["set"]
    with_rnn = not args.baselines_only
    sm = result["summary"]
    if name in M4_SETS:
        cfg = M4_SETS[name]
        print("\n## %s (%d series, h = %d, m = %d)\n" % (name, result["count"], cfg["h"], cfg["m"]))
    else:
        print("\n## classic (%d series, each its own h and m)\n" % result["count"])
        print("MASE per series:\n")
        print_classic_mase_table(result, with_rnn)
        print()
    rows = method_rows(result, with_rnn)
    if name in M4_SETS:
        rows += [(label + " (ref)", s, m, o) for label, s, m, o in M4_REFERENCE[name]]
    print_method_table(rows)
    if name in M4_SETS:
        print("\n(ref) = m4/README.md, R forecast 8.20 on the full dev half%s." % (
            ": not comparable with --limit or --origin" if args.limit or args.origin else ""))
    if with_rnn:
        rnn = sm["rnn"]
        n = sm["scored"]
        print()
        print("- runaway (MASE > 3x seasonal naive): %d of %d" % (rnn["runaway"], n))
        print("- worse than 1.5x seasonal naive: %d" % rnn["worse_1_5x"])
        print("- negative forecasts (non-negative history): %d" % rnn["negative"])
        print("- coverage: " + coverage_text(rnn["coverage"], "all"))
        print("- coverage where the forecast is above its median over the horizon: %s; below: %s" % (
            coverage_text(rnn["coverage"], "high"), coverage_text(rnn["coverage"], "low")))
        print("- interval score scaled as MASE (M4's MSIS at 95%%): 95%% %.3f, 80%% %.3f" % (
            rnn["is_0.95"], rnn["is_0.8"]))
        split = M4_SETS.get(name, {}).get("split")
        if split:
            print("- coverage steps 1-%d: %s" % (split, coverage_text(rnn["coverage"], "early")))
            print("- coverage steps %d-%d: %s" % (split + 1, M4_SETS[name]["h"],
                                                 coverage_text(rnn["coverage"], "late")))
        an = sm["anomaly"]
        print("- anomaly scores of the %d clean held-out points: above 0.5 %.1f%%, above 0.9 %.1f%%, "
              "above 0.99 (false alarms) %.2f%% (promised 50%%, 10%%, 1%%)" % (
                  an["clean"], 100 * an["above_0_5"], 100 * an["above_0_9"], 100 * an["false_alarms"]))
        print("- spikes of %g one-step-error sd found (score > 0.99): %.1f%% of %d; "
              "%d rows after a spike of %g sd: %.1f%% of %d" % (
                  SPIKE_SIGMAS, 100 * an["found"], an["spiked"], MASK_AFTER, MASK_SIGMAS,
                  100 * an["found_after_spike"], an["masked"]))
        gl = sm.get("global")
        if gl:
            print("- global model (rnn_train_global, one network across the %d series): OWA %.3f "
                  "sMAPE %.2f MASE %.3f, worse than 1.5x seasonal naive %d, trained in %.1f s"
                  % (gl["series"], gl["owa"], gl["smape"], gl["mase"], gl["worse_1_5x"], gl["seconds"]))
        ft = sm["finetune"]
        print("- fine-tuned on the last rows (%d series): OWA %.3f sMAPE %.2f MASE %.3f in %.1f s; "
              "retrained on all rows: OWA %.3f sMAPE %.2f MASE %.3f in %.1f s (%.1fx the fine-tune's time)" % (
                  ft["series"], ft["owa"], ft["smape"], ft["mase"], ft["seconds"],
                  ft["retrain_owa"], ft["retrain_smape"], ft["retrain_mase"], sm["seconds"]["train"],
                  sm["seconds"]["train"] / ft["seconds"] if ft["seconds"] > 0 else math.nan))
        secs = sm["seconds"]
        print("- seconds: train %.1f, forecast %.2f (both levels), anomaly scoring %.1f, "
              "base models for fine-tuning %.1f" % (
                  secs["train"], secs["forecast"], secs["anomaly"], ft["base_seconds"]))
    for e in result["errors"]:
        print("- ERROR %s" % e)


def summary_line(result, args):
    sm = result["summary"]
    if args.baselines_only:
        return "%s: baselines only: Naive2 sMAPE %.3f MASE %.3f; seasonal naive sMAPE %.3f MASE %.3f OWA %.3f" % (
            result["set"], sm["naive2"]["smape"], sm["naive2"]["mase"],
            sm["snaive"]["smape"], sm["snaive"]["mase"], sm["snaive"]["owa"])
    rnn = sm["rnn"]
    secs = sm["seconds"]["train"] + sm["seconds"]["forecast"]
    an = sm["anomaly"]
    line = ("%s: OWA %.3f sMAPE %.2f MASE %.3f runaway %d cov80 %.2f cov95 %.2f "
            "anomaly false %.3f found %.3f finetune OWA %.3f cost %.2f seconds %.0f") % (
        result["set"], rnn["owa"], rnn["smape"], rnn["mase"], rnn["runaway"],
        rnn["coverage"]["0.8_all"]["coverage"], rnn["coverage"]["0.95_all"]["coverage"],
        an["false_alarms"], an["found"], sm["finetune"]["owa"],
        sm["finetune"]["seconds"] / sm["seconds"]["train"], secs)
    if sm.get("global"):
        line += " global OWA %.3f in %.0f s" % (sm["global"]["owa"], sm["global"]["seconds"])
    if result["errors"]:
        line += " errors %d" % len(result["errors"])
    return line


def json_safe(x):
    """NaN/inf -> None, so the file is strict JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    return x


# --------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ext", default=os.path.join(REPO_ROOT, "build", "rnn"),
                   help="extension path as for load_extension (default build/rnn)")
    p.add_argument("--data", default=os.path.join(REPO_ROOT, "..", "shared", "data"))
    p.add_argument("--sets", default=",".join(ALL_SETS), help="comma-separated: classic,hourly,weekly")
    p.add_argument("--limit", type=int, default=None, help="first N series of each M4 set")
    p.add_argument("--options", default=None, help="rnn_train options as JSON (default NULL)")
    p.add_argument("--json", default=None, help="write per-series scores and summaries here")
    p.add_argument("--global", dest="global_model", action="store_true",
                   help="one rnn_train_global model per set instead of rnn_train per series")
    p.add_argument("--finetune-options", default=None,
                   help="rnn_finetune options as JSON (default NULL: the model's)")
    p.add_argument("--origin", type=int, default=0,
                   help="forecast from K horizons before the end of the training part")
    p.add_argument("--baselines-only", action="store_true",
                   help="score only seasonal naive and Naive2 (no extension)")
    args = p.parse_args(argv)
    args.sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    bad = [s for s in args.sets if s not in ALL_SETS]
    if bad:
        p.error("unknown set(s): %s" % ", ".join(bad))
    if args.options is not None:
        try:
            json.loads(args.options)
        except ValueError as e:
            p.error("--options is not JSON: %s" % e)
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    if args.origin < 0:
        p.error("--origin must be 0 or more")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        version = None if args.baselines_only else extension_version(args.ext)
    except sqlite3.Error as e:
        print("eval.py: cannot load %s: %s" % (args.ext, e), file=sys.stderr)
        return 1
    print("# sqlite-rnn evaluation: %s, options %s%s%s" % (
        "baselines only" if args.baselines_only else "rnn_version %s" % version,
        args.options or "NULL (defaults)",
        ", first %d series per M4 set" % args.limit if args.limit else "",
        ", origin %d horizons before the end of the training part" % args.origin
        if args.origin else ""))
    results, failed = [], False
    for name in args.sets:
        try:
            series = load_classic(args.data) if name == "classic" else load_m4(args.data, name, args.limit)
            series = earlier_origin(series, args.origin)
            result = evaluate_set(name, series, args)
        except (sqlite3.Error, OSError, ValueError) as e:
            print("\n## %s\n\n- ERROR %s: %s" % (name, type(e).__name__, e))
            results.append(dict(set=name, error=str(e)))
            failed = True
            continue
        failed = failed or bool(result["errors"])
        print_set(result, args)
        results.append(result)
    print()
    for r in results:
        print(summary_line(r, args) if "summary" in r else "%s: ERROR %s" % (r["set"], r["error"]))
    if args.json:
        doc = dict(ext=args.ext, version=version, options=args.options, limit=args.limit,
                   origin=args.origin,
                   baselines_only=args.baselines_only,
                   sets={r["set"]: r for r in results})
        with open(args.json, "w") as f:
            json.dump(json_safe(doc), f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
