"""Skip-gram with NCE loss in PyTorch 1.13, the baseline of the skipgram_nce bench row (issue 10).

The model of bench/cases-embed.js written as a PyTorch user would: nn.Embedding(sparse=True) for
the input embeddings and for the NCE weights and biases, a hand-written NCE loss with TensorFlow's
formula (tf.nn.nce_loss: logits minus log of the expected counts, sigmoid cross-entropy summed per
example), log-uniform negatives drawn with replacement (expected count p * num_sampled), plain
sparse SGD. One step = one batch of (center, context) pairs; words/s = batch / step time.

Standalone: /usr/bin/python3 bench/skipgram_torch.py [--threads N] prints words/s.
bench/torch_bench.py imports workloads() for the "skipgram_nce" row.
"""
import math
import sys
import time

import torch

BATCH, VOCAB, DIM, SAMPLED = 128, 50_000, 128, 64


def make_step(batch=BATCH, vocab=VOCAB, dim=DIM, num_sampled=SAMPLED, seed=0):
    torch.manual_seed(seed)
    emb = torch.nn.Embedding(vocab, dim, sparse=True)
    nce_w = torch.nn.Embedding(vocab, dim, sparse=True)
    nce_b = torch.nn.Embedding(vocab, 1, sparse=True)
    with torch.no_grad():
        nce_w.weight.normal_(0, 1 / math.sqrt(dim))
        nce_b.weight.zero_()
    opt = torch.optim.SGD(list(emb.parameters()) + list(nce_w.parameters()) + list(nce_b.parameters()), lr=1.0)
    log_range = math.log(vocab + 1)
    # a fixed batch of pairs, Zipf-like ids as in text
    center = ((torch.exp(torch.rand(batch) * log_range)).long() - 1).clamp_(0, vocab - 1)
    context = ((torch.exp(torch.rand(batch) * log_range)).long() - 1).clamp_(0, vocab - 1)

    def prob(ids):
        return torch.log((ids.double() + 2) / (ids.double() + 1)) / log_range

    def step():
        opt.zero_grad(set_to_none=True)
        # log-uniform candidates with replacement; expected count p * num_sampled
        sampled = ((torch.exp(torch.rand(num_sampled) * log_range)).long() - 1) % vocab
        true_exp = (prob(context) * num_sampled).float()
        samp_exp = (prob(sampled) * num_sampled).float()
        x = emb(center)  # [B, D]
        ids = torch.cat([context, sampled])
        w = nce_w(ids)
        b = nce_b(ids).squeeze(1)
        tw, sw = w[:batch], w[batch:]
        tb, sb = b[:batch], b[batch:]
        true_logits = (x * tw).sum(1) + tb - torch.log(true_exp)
        samp_logits = x @ sw.t() + sb - torch.log(samp_exp)
        logits = torch.cat([true_logits.unsqueeze(1), samp_logits], 1)
        labels = torch.cat([torch.ones(batch, 1), torch.zeros(batch, num_sampled)], 1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none").sum(1).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def workloads():
    """id -> (stmt, namespace) for bench/torch_bench.py."""
    return {"skipgram_nce": ("step()", {"step": make_step()})}


if __name__ == "__main__":
    if "--threads" in sys.argv:
        torch.set_num_threads(int(sys.argv[sys.argv.index("--threads") + 1]))
    step = make_step()
    for _ in range(20):
        step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 3:
        step()
        n += 1
    dt = (time.perf_counter() - t0) / n
    print(f"torch {torch.__version__} threads {torch.get_num_threads()}: {dt * 1e3:.3f} ms/step, {BATCH / dt:.0f} words/s")
