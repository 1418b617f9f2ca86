"""rnn_plot's picture, as a browser draws it (tests/run.sh rule 10).

    /usr/bin/python3 tests/plot_test.py EXT [OUT.png]

Trains on AirPassengers through Debian's Python, writes rnn_plot's SVG,
renders it with headless Chromium (Debian's chromium) and checks the
pixels: the interval band and the forecast line right of the dashed line
where the forecast begins, the history line left of it, and text under
the time axis. Also parses the SVG as XML. Prints "ok"/"not ok" lines;
with OUT.png, keeps the rendering (the README's picture is made so).
"""
import csv
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

failed = 0


def check(name, cond, detail=""):
    global failed
    print(("ok " if cond else "not ok ") + name)
    if not cond:
        failed += 1
        if detail:
            print("  " + str(detail)[:2000].replace("\n", "\n  "))


def read_png(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                raise ValueError("PNG kind %d/%d/%d not read here" % (depth, color, interlace))
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride, rows, prev = w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if filt == 1:
                line[i] = (line[i] + a) & 255
            elif filt == 2:
                line[i] = (line[i] + b) & 255
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def near(p, q, tol=40):
    """Within tol of q in every channel, and as blue as q is (b - r): grey
    anti-aliasing must not pass for the band."""
    return all(abs(a - b) <= tol for a, b in zip(p, q)) and abs((p[2] - p[0]) - (q[2] - q[0])) <= tol


def render(svg, name, keep=None):
    """Chromium's picture of svg (800 x 400) as read_png gives it, or
    (0, 0, None) after a "not ok" line."""
    chromium = shutil.which("chromium")
    if not chromium:
        check(name + " renders in chromium", False, "chromium not found (apt-get install chromium)")
        return 0, 0, None
    with tempfile.TemporaryDirectory() as tmp:
        src, png = os.path.join(tmp, "plot.svg"), os.path.join(tmp, "plot.png")
        with open(src, "w") as f:
            f.write(svg)
        run = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                              "--window-size=800,400", "--screenshot=" + png, "file://" + src],
                             capture_output=True, text=True, timeout=120)
        ok = run.returncode == 0 and os.path.exists(png)
        check(name + " renders in chromium", ok, run.stderr[-1500:])
        if not ok:
            return 0, 0, None
        if keep:
            shutil.copy(png, keep)
        return read_png(png)


def main(argv):
    ext, keep = argv[1], argv[2] if len(argv) > 2 else None
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    conn.load_extension(ext)
    conn.enable_load_extension(False)
    with open("data/AirPassengers.csv", newline="") as f:
        rows = [(r["ts"], float(r["value"])) for r in csv.DictReader(f)]
    conn.execute("CREATE TABLE air(ts TEXT, value REAL)")
    conn.executemany("INSERT INTO air VALUES (?, ?)", rows)
    (svg,) = conn.execute(
        "SELECT rnn_plot(rnn_train(ts, value), 12, 0.95, "
        "'{\"title\":\"Air passengers: 12 months ahead, 95% interval\",\"unit\":\"thousands a month\"}') FROM air"
    ).fetchone()
    try:
        root = ET.fromstring(svg)
        check("plot svg is well-formed XML", root.tag.endswith("svg"))
    except ET.ParseError as e:
        check("plot svg is well-formed XML", False, e)
    m = re.search(r'<line x1="([0-9.]+)" y1="[0-9.]+" x2="[0-9.]+" y2="[0-9.]+" stroke="#bbbbbb"', svg)
    split = float(m.group(1)) if m else None
    check("plot marks where the forecast begins", split is not None, svg[:500])

    w, h, px = render(svg, "plot", keep)
    if px is None:
        return 1
    check("plot picture is 800 x 400", (w, h) == (800, 400), (w, h))
    split = split if split is not None else w / 2
    band, blue, dark = (177, 215, 234), (31, 119, 180), (51, 51, 51)

    def count(color, x0, x1, y0=40, y1=340, tol=30):
        return sum(near(px[y][x], color, tol) for y in range(y0, y1) for x in range(int(x0), int(x1)))

    # (the forecast line starts at the last history point, half a step left
    # of the split: its anti-aliased edge is light blue too)
    right_band, left_band = count(band, split + 2, 780), count(band, 70, split - 10)
    check("plot band right of the split, none left of it", right_band > 2000 and left_band == 0,
          (right_band, left_band))
    right_blue = count(blue, split + 2, 780, tol=45)
    check("plot forecast line right of the split", right_blue > 100, right_blue)
    left_dark, right_dark = count(dark, 70, split - 2), count(dark, split + 8, 780)
    check("plot history line left of the split only", left_dark > 300 and right_dark < 20,
          (left_dark, right_dark))
    labels = count((68, 68, 68), 30, 790, 345, 365, tol=70)
    check("plot time axis has labels", labels > 100, labels)
    white = sum(p == (255, 255, 255) for row in px for p in row)
    check("plot background is white, the chart not empty", 0.6 * w * h < white < 0.98 * w * h, white)

    # rnn_plot_backtest: the actual values all along, the one-step forecasts
    # and their band from the first position with a full window on.
    (svg,) = conn.execute(
        "SELECT rnn_plot_backtest((SELECT rnn_train(ts, value) FROM air WHERE ts < '1959-01-01'), "
        "(SELECT json_group_array(value) FROM (SELECT value FROM air ORDER BY ts)))").fetchone()
    m = re.search(r'<polygon[^>]* points="([0-9.]+),', svg)
    start = float(m.group(1)) if m else None
    check("backtest band starts after the first window", start is not None and 100 < start < 700, start)
    w, h, px = render(svg, "backtest")
    if px is None:
        return 1
    start = start or w / 2
    right_band, left_band = count(band, start + 2, 780), count(band, 70, start - 10)
    check("backtest band where the forecasts are, none before", right_band > 1000 and left_band == 0,
          (right_band, left_band))
    left_dark, right_dark = count(dark, 70, start - 2), count(dark, start + 2, 780)
    check("backtest actual values on both sides", left_dark > 200 and right_dark > 100, (left_dark, right_dark))
    check("backtest forecast line", count(blue, start, 780, tol=45) > 100)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
