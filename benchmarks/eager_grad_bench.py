"""Eager (un-jitted) `grad` against HIPS autograd: four small workloads, alternating, medians of
thread CPU time (so other processes on a busy box do not count), plus Python calls per gradient.

    OPENBLAS_NUM_THREADS=1 python benchmarks/eager_grad_bench.py            # every workload
    OPENBLAS_NUM_THREADS=1 python benchmarks/eager_grad_bench.py mlp rnn    # some workloads
    python benchmarks/eager_grad_bench.py --calls                           # call counts only
    python benchmarks/eager_grad_bench.py --profile rnn                     # cProfile, by tottime

Workloads: MLP 64-128-128-10 batch 32 (as benchmarks/run.py autodiff); a loop of 25 x (sin,
*1.01, +0.1, x*x, *0.5) on 8 floats and on a float32 scalar; an RNN of 20 steps
h = tanh(W h + U x_t), 32x32. Gradients are checked against autograd's (rtol 1e-4).
For a before/after comparison run this script alternately under two checkouts (PYTHONPATH).
"""

import cProfile
import os
import pstats
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import jtrans  # noqa: E402
import jtrans.numpy as jnp  # noqa: E402

try:
    import autograd  # noqa: E402
    import autograd.numpy as anp  # noqa: E402
except ImportError:  # pragma: no cover
    autograd = anp = None

ROUNDS = 5  # alternating rounds; each round times every impl once
TARGET = 0.15  # seconds of thread time per timing


def _mlp(m, arr):
    rng = np.random.default_rng(0)
    sizes = [64, 128, 128, 10]
    ps = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        w = (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
        ps.append((arr(w), arr(np.zeros(b, np.float32))))
    x = arr(rng.standard_normal((32, 64)).astype(np.float32))
    y = arr(rng.standard_normal((32, 10)).astype(np.float32))

    def f(params, x, y):
        h = x
        for i, (w, b) in enumerate(params):
            h = m.dot(h, w) + b
            if i < len(params) - 1:
                h = m.tanh(h)
        return m.mean((h - y) ** 2)

    return f, (ps, x, y)


def _loop(m, arr, shape):
    x = arr(np.linspace(0.1, 0.9, 8).astype(np.float32).reshape(shape) if shape else np.float32(0.3))

    def f(x):
        for _ in range(25):
            x = m.sin(x)
            x = x * 1.01
            x = x + 0.1
            x = x * x
            x = x * 0.5
        return m.sum(x)

    return f, (x,)


def _rnn(m, arr):
    rng = np.random.default_rng(1)
    n = 32
    w = arr((rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32))
    u = arr((rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32))
    xs = [arr(rng.standard_normal(n).astype(np.float32)) for _ in range(20)]

    def f(w, u):
        h = arr(np.zeros(n, np.float32))
        for x in xs:
            h = m.tanh(m.dot(w, h) + m.dot(u, x))
        return m.sum(h)

    return f, (w, u)


WORKLOADS = {
    "mlp": ("MLP 64-128-128-10 b32", _mlp, {"argnums": 0}),
    "loop8": ("loop 125 ops, 8 floats", lambda m, a: _loop(m, a, (8,)), {}),
    "loop0": ("loop 125 ops, scalar", lambda m, a: _loop(m, a, ()), {}),
    "rnn": ("RNN 20 steps 32x32", _rnn, {"argnums": (0, 1)}),
}


def _make(name):
    """{impl: zero-argument callable computing one gradient}."""
    _, build, kw = WORKLOADS[name]
    f, args = build(jnp, jnp.asarray)
    g = jtrans.grad(f, **kw)
    impls = {"jtrans": lambda: g(*args)}
    if autograd is not None:
        fa, aa = build(anp, lambda a: a)
        ga = autograd.grad(fa, **{"argnum": v for v in kw.values()})
        impls["autograd"] = lambda: ga(*aa)
    return impls


def _check(impls):
    if "autograd" not in impls:
        return
    from jtrans.tree_util import tree_leaves

    a = [np.asarray(v) for v in tree_leaves(impls["jtrans"]())]
    b = [np.asarray(v) for v in _leaves(impls["autograd"]())]
    for u, v in zip(a, b):
        if not np.allclose(u, v, rtol=1e-4, atol=1e-6):
            print(f"    !! gradients differ: max abs diff {np.abs(u - v).max():.3g}")


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for e in x for leaf in _leaves(e)]
    return [x]


def _thread_time(fn, number):
    t = time.thread_time()
    for _ in range(number):
        fn()
    return (time.thread_time() - t) / number


def bench(name):
    impls = _make(name)
    _check(impls)
    numbers = {}
    for k, fn in impls.items():
        fn()
        per = _thread_time(fn, 3)
        numbers[k] = max(1, int(TARGET / max(per, 1e-7)))
    times = {k: [] for k in impls}
    for _ in range(ROUNDS):
        for k, fn in impls.items():
            times[k].append(_thread_time(fn, numbers[k]))
    med = {k: statistics.median(v) for k, v in times.items()}
    calls = {k: count_calls(fn) for k, fn in impls.items()}
    return med, calls


def count_calls(fn):
    fn()
    pr = cProfile.Profile()
    pr.enable()
    fn()
    pr.disable()
    return sum(s[1] for s in pstats.Stats(pr).stats.values())  # total calls, primitive or not


def profile(name, n=20, limit=40):
    fn = _make(name)["jtrans"]
    fn()
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(n):
        fn()
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(limit)


def main(argv):
    if "--profile" in argv:
        names = [a for a in argv if not a.startswith("--")] or ["mlp"]
        for nm in names:
            profile(nm)
        return
    calls_only = "--calls" in argv
    names = [a for a in argv if not a.startswith("--")] or list(WORKLOADS)
    print(f"eager grad, thread CPU time, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print("| workload | jtrans | autograd | jtrans/autograd | calls jtrans | calls autograd |")
    print("|---|---|---|---|---|---|")
    for nm in names:
        if calls_only:
            impls = _make(nm)
            med = {}
            calls = {k: count_calls(fn) for k, fn in impls.items()}
        else:
            med, calls = bench(nm)
        j, a = med.get("jtrans"), med.get("autograd")
        cell = lambda s: f"{s * 1e3:.2f} ms" if s is not None else "–"  # noqa: E731
        ratio = f"{j / a:.2f}" if j and a else "–"
        print(
            f"| {WORKLOADS[nm][0]} | {cell(j)} | {cell(a)} | {ratio} | "
            f"{calls.get('jtrans', '–')} | {calls.get('autograd', '–')} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
