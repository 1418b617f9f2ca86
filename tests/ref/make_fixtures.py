#!/usr/bin/python3
"""Writes tests/ref/fixtures.txt: PyTorch's answers for fixed weights and
inputs, which tests/test_ref.c compares with the C core.

Run with Debian's python3-torch:  /usr/bin/python3 tests/ref/make_fixtures.py

For each case: the parameters in the core's flat order (per layer and
direction: weight_ih, weight_hh, bias_ih, bias_hh; then the head's weight
and bias), the input window x (T, B, I), the targets, the outputs y (B, O),
the loss, every parameter gradient, and the parameters after 5 steps of
each optimiser on the same batch (sgd with gradient clipping, momentum,
adam, adam with clipping). The network is the core's: recurrent layers over
the window, the last states [h_fwd(T-1), h_bwd(0)] (torch's h_n of the top
layer) into a linear head. The seq_* cases are the sequence models'
network: token inputs (one-hot in torch), the head on every step, carried
initial states, the cross-entropy with ignored targets.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

CELL = {"rnn": 0, "gru": 1, "lstm": 2}
ACT = {"tanh": 0, "relu": 1}
LOSS = {"mse": 0, "mae": 1, "huber": 2, "cross_entropy": 3}

CASES = [
    # name, cell, act, input, hidden, layers, dirs, window, output, batch, loss
    ("rnn_tanh", "rnn", "tanh", 2, 5, 1, 1, 6, 1, 4, "mse"),
    ("rnn_relu_2layer", "rnn", "relu", 2, 5, 2, 1, 6, 1, 4, "mae"),
    ("rnn_tanh_bi", "rnn", "tanh", 3, 4, 1, 2, 5, 2, 3, "huber"),
    ("gru", "gru", "tanh", 2, 5, 1, 1, 6, 2, 4, "mse"),
    ("gru_2layer_bi", "gru", "tanh", 2, 4, 2, 2, 5, 1, 3, "huber"),
    ("lstm", "lstm", "tanh", 2, 5, 1, 1, 6, 1, 4, "mse"),
    ("lstm_2layer_bi", "lstm", "tanh", 1, 4, 2, 2, 7, 2, 3, "mse"),
    ("lstm_cross_entropy", "lstm", "tanh", 2, 6, 1, 1, 5, 3, 4, "cross_entropy"),
    ("gru_mae_bi", "gru", "tanh", 1, 6, 1, 2, 8, 1, 5, "mae"),
]

# The sequence models' network (core/nn.h rnn_work): token inputs (a one-hot
# input in torch is the column lookup the core does; token -1 is no input),
# the head on every step, a carried initial state, and the cross-entropy
# with ignored targets (label -1).
SEQ_CASES = [
    # name, cell, vocab, hidden, layers, dirs, steps, batch, carry
    ("seq_lstm_2layer_carry", "lstm", 7, 5, 2, 1, 6, 3, True),
    ("seq_gru_carry", "gru", 6, 4, 1, 1, 5, 4, True),
    ("seq_rnn_tanh", "rnn", 5, 4, 1, 1, 7, 2, False),
    ("seq_lstm_bi_tagger", "lstm", 6, 4, 1, 2, 5, 3, False),
]

OPTIMISERS = [
    # name, factory, clip (0 = off)
    ("sgd_clip", lambda p: torch.optim.SGD(p, lr=0.1), 0.5),
    ("momentum", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), 0.0),
    ("adam", lambda p: torch.optim.Adam(p, lr=0.01), 0.0),
    ("adam_clip", lambda p: torch.optim.Adam(p, lr=0.01), 0.1),
]


class Net(nn.Module):
    def __init__(self, cell, act, I, H, L, D, O):
        super().__init__()
        kw = dict(input_size=I, hidden_size=H, num_layers=L, bidirectional=D == 2)
        if cell == "rnn":
            self.rnn = nn.RNN(nonlinearity=act, **kw)
        elif cell == "gru":
            self.rnn = nn.GRU(**kw)
        else:
            self.rnn = nn.LSTM(**kw)
        self.head = nn.Linear(D * H, O)
        self.L, self.D = L, D

    def forward(self, x):
        _, h_n = self.rnn(x)
        if isinstance(h_n, tuple):
            h_n = h_n[0]
        top = h_n[(self.L - 1) * self.D:]  # (D, B, H)
        last = torch.cat(list(top), dim=1)  # (B, D*H)
        return self.head(last)

    def flat(self):
        """The parameters in the core's order."""
        out = []
        for l in range(self.L):
            for d in range(self.D):
                sfx = f"_l{l}" + ("_reverse" if d else "")
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    out.append(getattr(self.rnn, name + sfx))
        out += [self.head.weight, self.head.bias]
        return out


class SeqNet(Net):
    """The network with a head on every step, from states (h0, c0)."""

    def run(self, x, h0, c0):
        if isinstance(self.rnn, nn.LSTM):
            out, _ = self.rnn(x, (h0, c0))
        else:
            out, _ = self.rnn(x, h0)
        return self.head(out)  # (T, B, V)


def seq_case(f, seed, name, cell, V, H, L, D, T, B, carry):
    torch.manual_seed(2000 + seed)
    net = SeqNet(cell, "tanh", V, H, L, D, V)
    tok = torch.randint(-1, V, (T, B))
    lab = torch.randint(-1, V, (T, B))
    lab[0, 0] = 1  # at least one target
    x = F.one_hot(tok.clamp(min=0), V).float() * (tok >= 0).float().unsqueeze(-1)
    if carry:
        h0 = torch.rand(L, B, H) * 2 - 1
        c0 = torch.rand(L, B, H) * 2 - 1
    else:
        h0 = torch.zeros(L * D, B, H)
        c0 = torch.zeros(L * D, B, H)

    def loss_of():
        y = net.run(x, h0, c0)
        return y, F.cross_entropy(y.reshape(-1, V), lab.reshape(-1), ignore_index=-1)

    start = [p.detach().clone() for p in net.flat()]
    f.write(f"case {name}\n")
    f.write(
        f"arch cell {CELL[cell]} act 0 input {V} hidden {H} layers {L} "
        f"dirs {D} window {T} output {V} batch {B} loss {LOSS['cross_entropy']}\n"
    )
    f.write(f"seq carry {int(carry)}\n")
    line(f, "params", flatten(start))
    line(f, "tokens", tok.float())
    line(f, "labels", lab.float())
    line(f, "h0", h0)
    line(f, "c0", c0)
    y, l = loss_of()
    net.zero_grad()
    l.backward()
    line(f, "y", y)
    line(f, "loss", l.reshape(1))
    line(f, "grad", flatten([p.grad for p in net.flat()]))
    optimiser_runs(f, net, start, lambda: loss_of()[1])
    f.write("end\n")


def optimiser_runs(f, net, start, loss_of):
    """The parameters after 5 steps of each optimiser from start."""
    for oname, make, clip in OPTIMISERS:
        with torch.no_grad():
            for p, s0 in zip(net.flat(), start):
                p.copy_(s0)
        opt = make(net.parameters())
        for _ in range(5):
            opt.zero_grad()
            loss_of().backward()
            if clip > 0:
                torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
        line(f, oname, flatten(net.flat()))


def loss_fn(kind, y, target):
    if kind == "mse":
        return F.mse_loss(y, target)
    if kind == "mae":
        return F.l1_loss(y, target)
    if kind == "huber":
        return F.huber_loss(y, target, delta=1.0)
    return F.cross_entropy(y, target)


def flatten(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def line(f, name, t):
    v = t.detach().reshape(-1).tolist()
    f.write(f"{name} {len(v)} " + " ".join(f"{x:.9g}" for x in v) + "\n")


def main():
    torch.set_num_threads(1)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures.txt")
    with open(path, "w") as f:
        f.write(f"# written by tests/ref/make_fixtures.py with torch {torch.__version__}\n")
        for seed, (name, cell, act, I, H, L, D, T, O, B, loss) in enumerate(CASES):
            torch.manual_seed(1000 + seed)
            net = Net(cell, act, I, H, L, D, O)
            x = torch.rand(T, B, I) * 2 - 1
            if loss == "cross_entropy":
                target = torch.randint(0, O, (B,))
            else:
                target = torch.rand(B, O) * 2 - 1
            start = [p.detach().clone() for p in net.flat()]
            f.write(f"case {name}\n")
            f.write(
                f"arch cell {CELL[cell]} act {ACT[act]} input {I} hidden {H} layers {L} "
                f"dirs {D} window {T} output {O} batch {B} loss {LOSS[loss]}\n"
            )
            line(f, "params", flatten(start))
            line(f, "x", x)
            line(f, "target", target.float())
            y = net(x)
            l = loss_fn(loss, y, target)
            net.zero_grad()
            l.backward()
            line(f, "y", y)
            line(f, "loss", l.reshape(1))
            line(f, "grad", flatten([p.grad for p in net.flat()]))
            optimiser_runs(f, net, start, lambda: loss_fn(loss, net(x), target))
            f.write("end\n")
        for seed, case in enumerate(SEQ_CASES):
            seq_case(f, seed, *case)
    print("wrote", path)


if __name__ == "__main__":
    main()
