#!/usr/bin/python3
"""make eval-text: the sequence models of SPEC section 8 on real text.

Data: the fortunes of Debian's `fortunes` (or `fortunes-min`) package, one
fortune a row with its white space collapsed; every 10th fortune is held
out for testing, never seen in training (the models also hold out their
own validation rows from the rest, as `rnn_train_text` does).

Reports, for a character model trained through SQL with the same options
for every model:
  - held-out perplexity per character (rnn_perplexity, aggregated over
    tokens), against a unigram model of the training characters (add-one);
  - the same network trained in PyTorch (nn.LSTM, the same lanes of
    truncated BPTT, batch, context, optimiser, learning rate and epochs),
    and both trainings' throughput in characters per second on one thread;
  - a word model's held-out perplexity per word, against its unigram;
  - language identification of single words from wamerican, wngerman and
    wfrench (words in one list only), a char LSTM classifier beside the same
    network in PyTorch;
  - word segmentation: fortunes without their spaces, each character tagged
    1 where a word starts, bidirectional against left-to-right taggers (F1
    of word starts on held-out fortunes).
Writes the tables to stdout and, with --out, to a Markdown file.

  /usr/bin/python3 bench/eval_text.py [--ext build/rnn] [--chars 400000]
      [--epochs 5] [--out bench/EVAL_TEXT.md] [--no-torch] [--skip-lm]
"""
import argparse
import glob
import json
import math
import os
import platform
import random
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coretype  # noqa: E402


def fortunes():
    paths = sorted(p for p in glob.glob("/usr/share/games/fortunes/*")
                   if "." not in os.path.basename(p) and os.path.isfile(p))
    rows = []
    for p in paths:
        with open(p, encoding="utf-8", errors="replace") as f:
            for part in f.read().split("\n%\n"):
                part = " ".join(part.split())
                if part:
                    rows.append(part)
    return rows


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def split_rows(rows, chars):
    train, test = [], []
    used = 0
    for i, r in enumerate(rows):
        if used >= chars * 1.1:
            break
        (test if i % 10 == 9 else train).append(r)
        used += len(r)
    return train, test


def unigram_ppl(train_tokens, test_tokens):
    counts = {}
    total = 0
    for seq in train_tokens:
        for t in seq + ["<EOS>"]:
            counts[t] = counts.get(t, 0) + 1
            total += 1
    V = len(counts) + 1  # + <UNK>
    nll, n = 0.0, 0
    for seq in test_tokens:
        for t in seq + ["<EOS>"]:
            nll -= math.log((counts.get(t, 0) + 1) / (total + V))
            n += 1
    return math.exp(nll / n)


def words(text, lower):
    """The tokenizer of core/text.c rule 1 for ASCII-heavy text (letters,
    digits, '_' and code points from U+00C0 in runs, apostrophes inside)."""
    out, cur = [], ""
    for i, ch in enumerate(text):
        c = ch.lower() if lower else ch
        letter = c.isalnum() or c == "_" or ord(c) >= 0xC0
        if not letter and cur and c in "'\u2019" and i + 1 < len(text):
            nx = text[i + 1]
            letter = nx.isalnum() or nx == "_" or ord(nx) >= 0xC0
        if letter:
            cur += c
            continue
        if cur:
            out.append(cur)
            cur = ""
        if not c.isspace():
            out.append(c)
    if cur:
        out.append(cur)
    return out


def sql_model(db, table, options):
    t0 = time.time()
    (blob,) = db.execute(f"SELECT rnn_train_text(body, ?) FROM {table}",
                         (options,)).fetchone()
    secs = time.time() - t0
    return blob, secs


def sql_ppl(db, blob, test, count):
    nll, n = 0.0, 0
    for r in test:
        (p,) = db.execute("SELECT rnn_perplexity(?, ?)", (blob, r)).fetchone()
        k = count(r) + 1
        nll += math.log(p) * k
        n += k
    return math.exp(nll / n)


def torch_char_lm(train, test, hidden, epochs, batch, context, lr, seed):
    """The same training in PyTorch: rows as lanes of truncated BPTT with
    the state carried across minibatches and reset at each row."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    counts = {}
    for r in train:
        for c in r:
            counts[c] = counts.get(c, 0) + 1
    kept = sorted((c for c in counts if counts[c] >= 2),
                  key=lambda c: (-counts[c], c.encode()))
    vocab = {"<EOS>": 0, "<UNK>": 1}
    for c in kept:
        vocab[c] = len(vocab)
    V = len(vocab)
    nval = int(0.1 * len(train))
    fit = train[: len(train) - nval]
    ids = [[vocab.get(c, 1) for c in r] for r in fit]

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(V, hidden)
            self.head = nn.Linear(hidden, V)

        def forward(self, x, state):
            out, state = self.rnn(x, state)
            return self.head(out), state

    net = LM()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    eye = torch.eye(V)
    tokens = 0
    t0 = time.time()
    for ep in range(epochs):
        order = list(range(len(ids)))
        random.Random(seed + ep).shuffle(order)
        lane_row = [None] * batch
        lane_pos = [0] * batch
        h = torch.zeros(1, batch, hidden)
        c = torch.zeros(1, batch, hidden)
        nxt = 0
        while True:
            tok = torch.full((context, batch), -1, dtype=torch.long)
            lab = torch.full((context, batch), -1, dtype=torch.long)
            any_target = False
            for b in range(batch):
                if lane_row[b] is None and nxt < len(order):
                    lane_row[b] = ids[order[nxt]]
                    nxt += 1
                    lane_pos[b] = 0
                    h[:, b] = 0
                    c[:, b] = 0
                row = lane_row[b]
                if row is None:
                    continue
                n = len(row)
                for t in range(context):
                    p = lane_pos[b]
                    if p > n:
                        break
                    tok[t, b] = 0 if p == 0 else row[p - 1]
                    lab[t, b] = 0 if p == n else row[p]
                    lane_pos[b] = p + 1
                    any_target = True
                if lane_pos[b] > n:
                    lane_row[b] = None
            if not any_target:
                break
            x = eye[tok.clamp(min=0)] * (tok >= 0).unsqueeze(-1).float()
            y, (h2, c2) = net(x, (h, c))
            loss = F.cross_entropy(y.reshape(-1, V), lab.reshape(-1), ignore_index=-1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            h, c = h2.detach(), c2.detach()
            tokens += int((lab >= 0).sum())
    secs = time.time() - t0
    # Held-out perplexity: each row from a fresh state.
    nll, n = 0.0, 0
    with torch.no_grad():
        for r in test:
            seq = [0] + [vocab.get(ch, 1) for ch in r]
            lab = torch.tensor(seq[1:] + [0])
            x = eye[torch.tensor(seq)].unsqueeze(1)
            y, _ = net(x, (torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden)))
            nll += float(F.cross_entropy(y[:, 0], lab, reduction="sum"))
            n += len(seq)
    return math.exp(nll / n), tokens / secs, secs


json_dumps = json.dumps
json_loads = json.loads


def word_lists(per_lang):
    """Words of wamerican, wngerman and wfrench that appear in one list
    only, every k-th so each language gives about per_lang."""
    lists = {}
    for lang, path in (("en", "/usr/share/dict/american-english"),
                       ("de", "/usr/share/dict/ngerman"),
                       ("fr", "/usr/share/dict/french")):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lists[lang] = {w.strip() for w in f if w.strip()}
        except OSError:
            return None
    count = {}
    for ws in lists.values():
        for w in ws:
            count[w] = count.get(w, 0) + 1
    out = []
    for lang, ws in lists.items():
        only = sorted(w for w in ws if count[w] == 1)
        step = max(1, len(only) // per_lang)
        out += [(w, lang) for w in only[::step][:per_lang]]
    random.Random(5).shuffle(out)
    return out


def torch_classifier(train, test, hidden, epochs, batch, lr, seed):
    """The same classifier in PyTorch: one-hot characters, nn.LSTM, the
    last real element's state into a linear head, Adam, clipping 1."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    chars = {}
    for w, _ in train:
        for c in w:
            chars[c] = chars.get(c, 0) + 1
    vocab = {c: i + 2 for i, c in enumerate(sorted(c for c in chars if chars[c] >= 2))}
    V = len(vocab) + 2
    labels = sorted({l for _, l in train})
    C = len(labels)
    lstm, head = nn.LSTM(V, hidden, batch_first=True), nn.Linear(hidden, C)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    nval = int(0.1 * len(train))
    fit = train[: len(train) - nval]

    def run(words):
        L = max(len(w) for w in words)
        x = torch.zeros(len(words), L, V)
        for i, w in enumerate(words):
            for t, c in enumerate(w):
                x[i, t, vocab.get(c, 1)] = 1
        lens = torch.tensor([len(w) for w in words])
        packed = nn.utils.rnn.pack_padded_sequence(x, lens, batch_first=True,
                                                   enforce_sorted=False)
        _, (h, _) = lstm(packed)
        return head(h[-1])

    t0 = time.time()
    for ep in range(epochs):
        order = list(range(len(fit)))
        random.Random(seed + ep).shuffle(order)
        for i in range(0, len(order), batch):
            ex = [fit[j] for j in order[i:i + batch]]
            y = torch.tensor([labels.index(l) for _, l in ex])
            loss = F.cross_entropy(run([w for w, _ in ex]), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
    secs = time.time() - t0
    right = 0
    with torch.no_grad():
        for i in range(0, len(test), 256):
            ex = test[i:i + 256]
            pred = run([w for w, _ in ex]).argmax(1)
            right += sum(labels[int(p)] == l for p, (_, l) in zip(pred, ex))
    return right / len(test), secs


def segmentation(rows):
    """Fortunes without spaces, each character tagged 1 where a word starts."""
    out = []
    for r in rows:
        text, tags, start = [], [], True
        for c in r:
            if c == " ":
                start = True
                continue
            text.append(c)
            tags.append(1 if start else 0)
            start = False
        if 0 < len(text) <= 400:
            out.append(("".join(text), tags))
    return out


def f1(pairs):
    tp = fp = fn = 0
    for got, want in pairs:
        for g, w in zip(got, want):
            tp += g == 1 and w == 1
            fp += g == 1 and w == 0
            fn += g == 0 and w == 1
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def language_models(a, db, train, test, lines):
    batch, context, lr, seed = 16, 64, 0.005, 1
    opts = ('{"hidden":%d,"epochs":%d,"patience":%d,"batch":%d,"context":%d,'
            '"lr":%g,"seed":%d,"threads":1}'
            % (a.hidden, a.epochs, a.epochs, batch, context, lr, seed))
    char_blob, char_secs = sql_model(db, "f", opts)
    info = db.execute("SELECT rnn_info(?)", (char_blob,)).fetchone()[0]
    info = json.loads(info)
    trained = info["token_count"] * info["epochs_run"]
    char_ppl = sql_ppl(db, char_blob, test, len)
    char_uni = unigram_ppl([list(r) for r in train], [list(r) for r in test])
    wopts = opts.replace("{", '{"tokens":"word","lower":true,"context":32,', 1)
    wopts = wopts.replace(',"context":64', "")
    word_blob, word_secs = sql_model(db, "f", wopts)
    word_ppl = sql_ppl(db, word_blob, test, lambda r: len(words(r, True)))
    word_uni = unigram_ppl([words(r, True) for r in train],
                           [words(r, True) for r in test])
    lines.append(f"## Language models on fortunes\n")
    lines.append(f"{len(train)} training rows "
                 f"({sum(map(len, train))} characters), {len(test)} held-out rows; "
                 f"options {opts}.\n")
    lines.append("| model | held-out perplexity | unigram | ratio | train s | tokens/s (1 thread) |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    lines.append(f"| sqlite-rnn char LSTM | {char_ppl:.3f} | {char_uni:.3f} | "
                 f"{char_ppl / char_uni:.3f} | {char_secs:.1f} | {trained / char_secs:,.0f} |")
    if not a.no_torch:
        t_ppl, t_rate, t_secs = torch_char_lm(train, test, a.hidden, a.epochs,
                                              batch, context, lr, seed)
        lines.append(f"| PyTorch nn.LSTM, same training | {t_ppl:.3f} | {char_uni:.3f} | "
                     f"{t_ppl / char_uni:.3f} | {t_secs:.1f} | {t_rate:,.0f} |")
        lines.append("")
        lines.append(f"sqlite-rnn's perplexity is {100 * (char_ppl / t_ppl - 1):+.1f}% of "
                     f"PyTorch's; its training throughput {trained / char_secs / t_rate:.1f}x "
                     f"PyTorch's (PyTorch's epochs ran their own validation-free loop; "
                     f"sqlite-rnn's seconds include its validation passes).")
    lines.append("")
    lines.append(f"Word model (lower-cased words, context 32): held-out perplexity "
                 f"{word_ppl:.1f} per word against the unigram's {word_uni:.1f} "
                 f"({word_secs:.1f} s).")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ext", default="build/rnn")
    ap.add_argument("--chars", type=int, default=400000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--out")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--words", type=int, default=4000, help="words per language")
    ap.add_argument("--cls-epochs", type=int, default=15)
    ap.add_argument("--seg-rows", type=int, default=4000)
    ap.add_argument("--seg-epochs", type=int, default=15)
    ap.add_argument("--skip-lm", action="store_true")
    ap.add_argument("--coretype", help="OPENBLAS_CORETYPE for PyTorch (default: the fastest)")
    a = ap.parse_args()
    if not a.no_torch:
        coretype.run_under_fastest(a.coretype)
    rows = fortunes()
    if not rows:
        sys.exit("no fortunes: apt-get install fortunes (or fortunes-min)")
    train, test = split_rows(rows, a.chars)
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(a.ext)
    db.execute("CREATE TABLE f(body TEXT)")
    db.executemany("INSERT INTO f VALUES (?)", [(r,) for r in train])
    simd = json.loads(db.execute("SELECT rnn_debug()").fetchone()[0])["simd"]
    lines = [f"# Sequence models on real text (`make eval-text`)\n",
             f"CPU: {cpu_name()} ({os.cpu_count()} cores; sqlite-rnn's kernels: {simd}).\n"]
    if not a.no_torch:
        lines.append(f"PyTorch: {coretype.describe()}.\n")
    if not a.skip_lm:
        language_models(a, db, train, test, lines)
    # Language identification of single words (classifier).
    wl = word_lists(a.words)
    if wl is None:
        lines.append("\nLanguage identification: skipped (apt-get install wamerican "
                     "wngerman wfrench).")
    else:
        wtrain = [x for i, x in enumerate(wl) if i % 10 != 9]
        wtest = [x for i, x in enumerate(wl) if i % 10 == 9]
        db.execute("CREATE TABLE w(word TEXT, lang TEXT)")
        db.executemany("INSERT INTO w VALUES (?, ?)", wtrain)
        copts = ('{"hidden":64,"epochs":%d,"patience":%d,"batch":32,"lr":0.005,'
                 '"seed":1,"threads":1}' % (a.cls_epochs, a.cls_epochs))
        t0 = time.time()
        (cm,) = db.execute("SELECT rnn_train_classifier(word, lang, ?) FROM w",
                           (copts,)).fetchone()
        csecs = time.time() - t0
        right = sum(db.execute("SELECT rnn_classify(?, ?)", (cm, w)).fetchone()[0] == l
                    for w, l in wtest)
        acc = right / len(wtest)
        lines.append("")
        lines.append(f"Language identification of single words (en, de, fr; words in one "
                     f"list only; {len(wtrain)} training, {len(wtest)} held-out; options "
                     f"{copts}):\n")
        lines.append("| model | held-out accuracy | train s |")
        lines.append("|---|---:|---:|")
        lines.append(f"| sqlite-rnn char LSTM classifier | {acc:.3f} | {csecs:.1f} |")
        if not a.no_torch:
            tacc, tsecs = torch_classifier(wtrain, wtest, 64, a.cls_epochs, 32, 0.005, 1)
            lines.append(f"| PyTorch nn.LSTM, same training | {tacc:.3f} | {tsecs:.1f} |")
    # Word segmentation (tagger), both directions and left to right.
    seg = segmentation(train + test)
    strain = [x for i, x in enumerate(seg) if i % 10 != 9][: a.seg_rows]
    stest = [x for i, x in enumerate(seg) if i % 10 == 9][: a.seg_rows // 9]
    db.execute("CREATE TABLE seg(text TEXT, tags TEXT)")
    db.executemany("INSERT INTO seg VALUES (?, ?)",
                   [(t, json_dumps(g)) for t, g in strain])
    lines.append("")
    lines.append(f"Word segmentation of fortunes without spaces ({len(strain)} training, "
                 f"{len(stest)} held-out rows; F1 of word starts):\n")
    lines.append("| tagger | F1 | train s |")
    lines.append("|---|---:|---:|")
    for bidi in (True, False):
        sopts = ('{"hidden":64,"epochs":%d,"patience":%d,"bidirectional":%s,"seed":1,'
                 '"threads":1}' % (a.seg_epochs, a.seg_epochs, "true" if bidi else "false"))
        t0 = time.time()
        (tm,) = db.execute("SELECT rnn_train_tagger(text, tags, ?) FROM seg",
                           (sopts,)).fetchone()
        tsecs = time.time() - t0
        pairs = []
        for t, g in stest:
            got = json_loads(db.execute("SELECT rnn_tag(?, ?)", (tm, t)).fetchone()[0])
            pairs.append((got, g))
        lines.append(f"| {'bidirectional' if bidi else 'left to right'} LSTM | "
                     f"{f1(pairs):.3f} | {tsecs:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
