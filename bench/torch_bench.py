#!/usr/bin/python3
"""PyTorch side of `npm run bench`: times the workloads of bench/cases.js and prints JSON on stdout.

Usage: /usr/bin/python3 bench/torch_bench.py [--quick] [--only id,id,...]

Each figure is the median time of one operation over `repeat` timeit runs (timeit.Timer.autorange
picks how many operations each run does), at torch.set_num_threads(1) and at torch's default.
Debian's torch does matmul through OpenBLAS (pthreads), whose thread count torch.set_num_threads
does not change, so it is set alongside (openblas_set_num_threads): 1, then back to what OpenBLAS
started with (which honours OPENBLAS_NUM_THREADS).
"""
import ctypes
import os
import json
import sys
import time
import timeit

import torch

MATMUL_SIZES = [256, 512, 1024, 2048]


def workloads():
    """id -> (stmt, setup namespace). Ids match the `torch` field of bench/cases.js."""
    w = {}
    for n in MATMUL_SIZES:
        a, b = torch.rand(n, n) * 2 - 1, torch.rand(n, n) * 2 - 1
        w[f"matmul_{n}"] = ("torch.matmul(a, b)", {"a": a, "b": b})
    a, b = torch.rand(16) * 2 - 1, torch.rand(16) * 2 - 1
    w["add_16"] = ("torch.add(a, b)", {"a": a, "b": b})
    # the same op recorded on the autograd tape (a requires grad); the graph dies with the result
    ar = (torch.rand(16) * 2 - 1).requires_grad_()
    w["add_16_rec"] = ("torch.add(a, b)", {"a": ar, "b": b})
    a, b = torch.rand(10_000_000) * 2 - 1, torch.rand(10_000_000) * 2 - 1
    w["add_1e7"] = ("torch.add(a, b)", {"a": a, "b": b})
    w["softmax"] = ("torch.softmax(x, -1)", {"x": torch.rand(256, 1000) * 2 - 1})
    x = torch.rand(1000, 1000) * 2 - 1
    w["sum_0"] = ("torch.sum(x, 0)", {"x": x})
    w["sum_1"] = ("torch.sum(x, 1)", {"x": x})
    # MLP training step: 784 -> 256 ReLU -> 10, batch 128, cross-entropy, SGD lr 0.1
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    xb, yb = torch.rand(128, 784) * 2 - 1, torch.randint(0, 10, (128,))

    def mlp_step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()

    w["mlp_step"] = ("mlp_step()", {"mlp_step": mlp_step})
    w.update(norm_workloads())
    conv_workloads(w)
    w.update(pool_workloads())
    # issue 10: skip-gram NCE training step (the model lives in bench/skipgram_torch.py)
    w.update(__import__("skipgram_torch").workloads())
    w.update(rnn_workloads())
    return w


def norm_workloads():
    """Normalisation rows (bench/cases-norm.js): batchNorm2d training forward + backward."""
    bn = torch.nn.BatchNorm2d(64)
    x = (torch.rand(32, 64, 56, 56) * 2 - 1).requires_grad_()
    gy = torch.rand(32, 64, 56, 56) * 2 - 1
    params = [x, bn.weight, bn.bias]

    def bn_train():
        y = bn(x)
        torch.autograd.grad(y, params, gy)

    return {"norm_bn2d_train": ("bn_train()", {"bn_train": bn_train})}


# issue 9: convolution rows (bench/cases-conv.js): forward, and forward + dX + dW
CONV_SHAPES = [
    ("conv3x3", (32, 32, 32, 32), (64, 32, 3, 3), dict(padding=1)),
    ("conv5x5a", (64, 1, 28, 28), (32, 1, 5, 5), dict(padding=2)),
    ("conv5x5b", (64, 32, 14, 14), (64, 32, 5, 5), dict(padding=2)),
    ("conv1x1", (32, 256, 14, 14), (64, 256, 1, 1), dict()),
    ("conv3x3s2", (32, 64, 56, 56), (128, 64, 3, 3), dict(stride=2, padding=1)),
    ("convdw", (32, 128, 28, 28), (128, 1, 3, 3), dict(padding=1, groups=128)),
]


def conv_workloads(w):
    F = torch.nn.functional
    for cid, xs, ws, o in CONV_SHAPES:
        x, k = torch.rand(*xs) * 2 - 1, torch.rand(*ws) * 2 - 1
        w[f"{cid}_fwd"] = ("F.conv2d(x, k, **o)", {"F": F, "x": x, "k": k, "o": o})
        xr, kr = x.clone().requires_grad_(), k.clone().requires_grad_()

        def train(xr=xr, kr=kr, o=o):
            y = F.conv2d(xr, kr, **o)
            y.backward(torch.ones_like(y))
            xr.grad = None
            kr.grad = None

        w[f"{cid}_train"] = ("train()", {"train": train})


def pool_workloads():
    """Issue 9 pooling rows (bench/cases-pool.js): max_pool2d 2x2 on [32,64,56,56], forward and forward + backward."""
    F = torch.nn.functional
    x = torch.rand(32, 64, 56, 56) * 2 - 1
    xr = x.clone().requires_grad_()
    gy = torch.rand(32, 64, 28, 28) * 2 - 1
    return {
        "maxpool2d_fwd": ("F.max_pool2d(x, 2)", {"F": F, "x": x}),
        "maxpool2d_fwdbwd": ("torch.autograd.grad(F.max_pool2d(xr, 2), xr, gy)", {"F": F, "torch": torch, "xr": xr, "gy": gy}),
    }


def rnn_workloads():
    """Issue 10 recurrent rows (bench/cases-rnn.js): LSTM / GRU T=50 B=32 I=128 H=256 and a 2-layer
    bidirectional LSTM; forward without a graph, and forward + the gradients of x and every weight."""
    T, B, I, H = 50, 32, 128, 256
    w = {}
    for rid, cls, layers, bidi in (("lstm", torch.nn.LSTM, 1, False), ("gru", torch.nn.GRU, 1, False),
                                   ("lstm2bi", torch.nn.LSTM, 2, True)):
        m = cls(I, H, num_layers=layers, bidirectional=bidi)
        x = torch.rand(T, B, I) * 2 - 1
        xr = x.clone().requires_grad_()
        gy = torch.rand(T, B, (2 if bidi else 1) * H) * 2 - 1
        ins = [xr] + list(m.parameters())

        def fwd(m=m, x=x):
            with torch.no_grad():
                m(x)

        def train(m=m, xr=xr, gy=gy, ins=ins):
            torch.autograd.grad(m(xr)[0], ins, gy)

        w[f"rnn_{rid}_fwd"] = ("fwd()", {"fwd": fwd})
        w[f"rnn_{rid}_train"] = ("train()", {"train": train})
    return w


def mnist_run(d):
    """5 epochs of 784-128-10 / Adam 1e-3 / batch 64 on the split bench/train.js wrote to d.
    Returns (seconds of the training loop, test accuracy in percent)."""
    import os
    with open(os.path.join(d, "meta.json")) as f:
        m = json.load(f)

    def load(name, dtype, shape):
        with open(os.path.join(d, name + ".bin"), "rb") as f:
            return torch.frombuffer(bytearray(f.read()), dtype=dtype).reshape(shape)

    size = m["size"]
    xtr = load("x_train", torch.float32, (m["nTrain"], size))
    ytr = load("y_train", torch.int32, (m["nTrain"],)).long()
    xte = load("x_test", torch.float32, (m["nTest"], size))
    yte = load("y_test", torch.int32, (m["nTest"],)).long()
    def train(epochs):
        torch.manual_seed(m["seed"])
        model = torch.nn.Sequential(torch.nn.Linear(size, m["hidden"]), torch.nn.ReLU(), torch.nn.Linear(m["hidden"], 10))
        opt = torch.optim.Adam(model.parameters(), lr=m["lr"])
        g = torch.Generator().manual_seed(m["seed"])
        bs = m["batch"]
        t0 = time.perf_counter()
        for _ in range(epochs):
            perm = torch.randperm(m["nTrain"], generator=g)
            for i in range(0, m["nTrain"], bs):
                idx = perm[i:i + bs]
                opt.zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(model(xtr[idx]), ytr[idx]).backward()
                opt.step()
        secs = time.perf_counter() - t0
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item() * 100
        return secs, acc

    train(1)  # untimed warm-up epoch on a fresh model, as bench/train.js does
    return train(m["epochs"])


def openblas():
    """The OpenBLAS torch loaded (same soname, so the same instance), or None."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        return lib
    except (OSError, AttributeError):
        return None


def measure(stmt, ns, repeat, min_time):
    ns = dict(ns, torch=torch)
    timer = timeit.Timer(stmt, globals=ns)
    timer.timeit(1)  # warm-up
    number = 1
    while True:  # like Timer.autorange, but with our own minimum time per run
        t = timer.timeit(number)
        if t >= min_time:
            break
        number = max(number * 2, int(number * min_time / max(t, 1e-9) * 1.2))
    runs = sorted(timer.repeat(repeat=repeat, number=number))
    return runs[len(runs) // 2] / number


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    only = None
    if "--only" in args:
        only = set(args[args.index("--only") + 1].split(","))
    repeat, min_time = (3, 0.05) if quick else (7, 0.15)

    default_threads = torch.get_num_threads()
    blas = openblas()
    blas_default = blas.openblas_get_num_threads() if blas else None
    info = {
        "version": torch.__version__,
        "defaultThreads": default_threads,
        "interopThreads": torch.get_num_interop_threads(),
        "openblasCoreType": blas.openblas_get_corename().decode() if blas else None,
        "openblasConfig": blas.openblas_get_config().decode() if blas else None,
        "openblasThreads": blas_default,
    }

    torch.manual_seed(0)
    work = workloads()
    results = {}
    for label, threads in (("1", 1), ("default", default_threads)):
        torch.set_num_threads(threads)
        if blas:
            blas.openblas_set_num_threads(1 if label == "1" else blas_default)
        for wid, (stmt, ns) in work.items():
            if only is not None and wid not in only:
                continue
            secs = measure(stmt, ns, repeat, min_time)
            results.setdefault(wid, {})[label] = secs
            print(f"  torch {wid} @{label}: {secs * 1e6:.2f} µs", file=sys.stderr)
        mdir = os.environ.get("TAPEFLOW_BENCH_MNIST_DIR")
        if mdir and (only is None or "mnist" in only):
            secs, acc = mnist_run(mdir)
            r = results.setdefault("mnist", {})
            r[label] = secs
            r.setdefault("extra", {}).setdefault("accuracy", {})[label] = acc
            print(f"  torch mnist @{label}: {secs:.3f} s, test acc {acc:.2f}%", file=sys.stderr)
    torch.set_num_threads(default_threads)
    json.dump({"info": info, "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
