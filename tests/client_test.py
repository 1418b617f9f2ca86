#!/usr/bin/python3
"""The extension through a real client library: Debian's Python sqlite3.

    /usr/bin/python3 tests/client_test.py build/rnn

Prints "ok <name>" or "not ok <name>" per test (tests/run.sh counts them)
and exits 1 if any failed.
"""
import csv
import os
import json
import sqlite3
import sys
import tempfile

EXT = sys.argv[1] if len(sys.argv) > 1 else "build/rnn"
failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print(f"ok client_{name}")
    else:
        failed += 1
        print(f"  {detail}")
        print(f"not ok client_{name}")


def connect():
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(EXT)
    con.enable_load_extension(False)
    return con


def air(con):
    con.execute("CREATE TABLE air(ts TEXT, value REAL)")
    with open("data/AirPassengers.csv") as f:
        rows = [(r["ts"], float(r["value"])) for r in csv.DictReader(f)]
    con.executemany("INSERT INTO air VALUES (?, ?)", rows)
    return rows


def error_of(con, sql, *args):
    try:
        con.execute(sql, args).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


def test_train_predict_forecast():
    con = connect()
    rows = air(con)
    opts = '{"cell":"gru","hidden":16,"window":12,"epochs":40,"seed":3}'
    (model,) = con.execute("SELECT rnn_train(ts, value, ?) FROM air", (opts,)).fetchone()
    check("model_is_bytes", isinstance(model, bytes) and model[:6] == b"SQLRNN", repr(model[:8]))
    # The BLOB goes back in as a bound parameter.
    (nxt,) = con.execute("SELECT rnn_predict(?)", (model,)).fetchone()
    check("predict_float", isinstance(nxt, float) and 300 < nxt < 700, repr(nxt))
    # The forecast reads the model's history (rnn_info): the last rows.
    (hist,) = con.execute("SELECT json_extract(rnn_info(?), '$.history')", (model,)).fetchone()
    tail = "[" + ",".join(str(v) for _, v in rows[-hist:]) + "]"
    (same,) = con.execute("SELECT rnn_predict(?, ?)", (model, tail)).fetchone()
    check("window_is_tail", same == nxt, f"{same} != {nxt}")
    fc = con.execute(
        "SELECT step, ts, value, lower, upper FROM rnn_forecast(?, 12)", (model,)
    ).fetchall()
    check("forecast_rows", len(fc) == 12 and fc[0][0] == 1 and fc[-1][1] == "1961-12-01",
          repr(fc[:1] + fc[-1:]))
    check("forecast_intervals", all(lo < v < hi for _, _, v, lo, hi in fc), repr(fc[:2]))
    check("predict_null", con.execute("SELECT rnn_predict(NULL)").fetchone() == (None,))


def test_errors():
    con = connect()
    air(con)
    msg = error_of(con, "SELECT rnn_train(ts, value, '{\"hiden\":3}') FROM air")
    check("error_unknown_option", msg is not None and msg.startswith('rnn_train: unknown option "hiden"; allowed: '), msg)
    msg = error_of(con, "SELECT rnn_predict(?)", b"not a model")
    check("error_not_a_model", msg == "rnn_predict: not an rnn model", msg)
    msg = error_of(con, "SELECT rnn_predict(?)", "text")
    check("error_not_a_blob", msg == "rnn_predict: model must be a BLOB made by rnn_train", msg)
    # The connection still works after errors.
    check("usable_after_errors", con.execute("SELECT rnn_version()").fetchone() == ("0.1.0",))


def test_group_by_and_backtest():
    con = connect()
    con.execute("CREATE TABLE s(id TEXT, t INTEGER, v REAL)")
    data = [("a", i, 10 + (i % 6)) for i in range(60)] + [("b", i, 5 + (i % 3)) for i in range(40)] + [("c", 1, 1.0)]
    con.executemany("INSERT INTO s VALUES (?, ?, ?)", data)
    models = con.execute(
        "SELECT id, json_extract(rnn_info(rnn_train(t, v, '{\"method\":\"network\",\"horizon\":1,\"window\":6,\"epochs\":5,\"hidden\":4}')), '$.kind') "
        "FROM s GROUP BY id ORDER BY id").fetchall()
    check("group_by_with_short_group", models == [("a", "network"), ("b", "network"), ("c", "seasonal_naive")], repr(models))
    (model,) = con.execute("SELECT rnn_train(t, v, '{\"method\":\"network\",\"horizon\":1,\"window\":6,\"epochs\":5,\"hidden\":4}') FROM s WHERE id = 'a'").fetchone()
    bt = con.execute(
        "SELECT t, rnn_next(?, v) OVER (ORDER BY t ROWS BETWEEN 6 PRECEDING AND 1 PRECEDING) "
        "FROM s WHERE id = 'a' ORDER BY t", (model,)).fetchall()
    check("backtest", [f is None for _, f in bt[:7]] == [True] * 6 + [False] and all(isinstance(f, float) for _, f in bt[6:]),
          repr(bt[:8]))
    # rnn_backtest: the series from Python as JSON; the same numbers as rnn_next.
    values = [v for (v,) in con.execute("SELECT v FROM s WHERE id = 'a' ORDER BY t")]
    rows = con.execute("SELECT pos, actual, predicted FROM rnn_backtest(?, ?)", (model, json.dumps(values))).fetchall()
    check("batched_backtest", [p for p, _, _ in rows] == list(range(7, 61)) and
          [f for _, _, f in rows] == [f for _, f in bt[6:]] and [a for _, a, _ in rows] == values[6:],
          repr(rows[:3]))


def test_verbose_on_stderr():
    con = connect()
    con.execute("CREATE TABLE s(t, v)")
    con.executemany("INSERT INTO s VALUES (?, ?)", [(i, float(i % 5)) for i in range(40)])
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            con.execute("SELECT rnn_train(t, v, '{\"verbose\":true,\"epochs\":3,\"window\":5,\"hidden\":2}') FROM s").fetchone()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        lines = tmp.read().decode().splitlines()
    # The first and last epochs (the one between only after a second), each
    # naming the series by its rows and ts range, then the summary.
    head = "rnn_train (40 rows, 0 .. 39): "
    ok = (len(lines) in (3, 4) and all(l.startswith(head) for l in lines)
          and lines[0].startswith(head + "epoch 1/3 loss ") and "validation" in lines[0]
          and lines[-2].startswith(head + "epoch 3/3 loss ")
          and lines[-1].startswith(head + "done in ") and "3 epochs (best" in lines[-1])
    check("verbose_lines", ok, repr(lines))


for t in (test_train_predict_forecast, test_errors, test_group_by_and_backtest, test_verbose_on_stderr):
    try:
        t()
    except Exception as e:  # a crash in a test is a failure, not a skip
        check(t.__name__, False, f"{type(e).__name__}: {e}")
sys.exit(1 if failed else 0)
