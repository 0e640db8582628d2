"""Per-example gradients of a small MLP (64-128-128-10, tanh, softmax cross-entropy, batch 128):
jtrans `vmap(grad)` eager and under `jit`, against a Python loop of `grad`, JAX's `vmap(grad)`
(eager and jitted) and torch.func's `vmap(grad)` where installed. Prints the median time per
call of each; every implementation is first checked against jtrans's loop of `grad`.

    python benchmarks/vmap_bench.py [--quick]
"""

import os
import statistics
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import itertools

import numpy as np

import jtrans
import jtrans.numpy as jnp

SIZES = (64, 128, 128, 10)
BATCH = 128
TARGET = 0.3  # seconds of timing per repeat
REPEATS = 5


def timeit(fn, repeats=REPEATS, target=TARGET):
    """Median seconds per call of fn() (after one warm-up call)."""
    fn()
    t0 = time.perf_counter()
    fn()
    per = time.perf_counter() - t0
    number = max(1, int(target / max(per, 1e-9)))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for m, n in itertools.pairwise(SIZES):
        W = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)
        b = (rng.standard_normal(n) * 0.1).astype(np.float32)
        params.append((W, b))
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    Y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], size=BATCH)]
    return params, X, Y


def loss_fn(np_like):
    """The per-example loss written against a NumPy-like module (jnp of jtrans or of JAX)."""

    def loss(params, x, y):
        h = x
        for W, b in params[:-1]:
            h = np_like.tanh(h @ W + b)
        W, b = params[-1]
        logits = h @ W + b
        m = np_like.max(logits)
        logz = np_like.log(np_like.sum(np_like.exp(logits - m))) + m
        return -np_like.sum(y * (logits - logz))

    return loss


def flat(grads):
    return np.concatenate([np.asarray(g, np.float32).reshape(BATCH, -1) for g in grads], axis=1)


def jtrans_impls(params, X, Y):
    loss = loss_fn(jnp)
    per_ex = jtrans.vmap(jtrans.grad(loss), in_axes=(None, 0, 0))
    per_ex_jit = jtrans.jit(per_ex)
    g1 = jtrans.grad(loss)

    def looped():
        gs = [g1(params, X[b], Y[b]) for b in range(BATCH)]
        return jtrans.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *gs)

    def leaves(f):
        return lambda: jtrans.tree_leaves(f())

    return {
        "jtrans loop of grad (eager)": (leaves(looped), 2),
        "jtrans vmap(grad) eager": (leaves(lambda: per_ex(params, X, Y)), REPEATS),
        "jtrans jit(vmap(grad))": (leaves(lambda: per_ex_jit(params, X, Y)), REPEATS),
    }


def jax_impls(params, X, Y):
    try:
        import jax
        import jax.numpy as jjnp
    except ImportError:
        return {}
    loss = loss_fn(jjnp)
    p = [(jjnp.asarray(W), jjnp.asarray(b)) for W, b in params]
    Xj, Yj = jjnp.asarray(X), jjnp.asarray(Y)
    per_ex = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))
    per_ex_jit = jax.jit(per_ex)

    def run(f):
        return lambda: jax.block_until_ready(jax.tree_util.tree_leaves(f(p, Xj, Yj)))

    return {
        "JAX vmap(grad) eager": (run(per_ex), REPEATS),
        "JAX jit(vmap(grad))": (run(per_ex_jit), REPEATS),
    }


def torch_impls(params, X, Y):
    try:
        import torch
        from torch.func import grad, vmap
    except ImportError:
        return {}
    torch.set_num_threads(1)  # its spinning thread pool collapses on a shared, loaded machine

    def loss(ps, x, y):
        h = x
        for W, b in ps[:-1]:
            h = torch.tanh(h @ W + b)
        W, b = ps[-1]
        logits = h @ W + b
        return -(y * torch.log_softmax(logits, -1)).sum()

    p = [(torch.from_numpy(W), torch.from_numpy(b)) for W, b in params]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    per_ex = vmap(grad(loss), in_dims=(None, 0, 0))

    def run():
        with torch.no_grad():
            return [g.numpy() for pair in per_ex(p, Xt, Yt) for g in pair]

    return {"torch.func vmap(grad)": (run, REPEATS)}


def main():
    quick = "--quick" in sys.argv
    params, X, Y = make_problem()
    impls = {**jtrans_impls(params, X, Y), **jax_impls(params, X, Y), **torch_impls(params, X, Y)}
    ref = flat(impls["jtrans loop of grad (eager)"][0]())
    print(f"per-example gradients, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32")
    print(f"{'implementation':32s} {'median ms':>10s} {'vs jtrans jit':>14s}")
    results = {}
    for name, (fn, repeats) in impls.items():
        err = np.abs(flat(fn()) - ref).max() / max(1e-30, np.abs(ref).max())
        assert err < 1e-4, f"{name} disagrees with the loop of grad (rel. error {err:.2e})"
        results[name] = timeit(fn, repeats=1 if quick else repeats, target=0.1 if quick else TARGET)
    base = results["jtrans jit(vmap(grad))"]
    for name, t in results.items():
        print(f"{name:32s} {t * 1e3:10.3f} {t / base:13.2f}x")


if __name__ == "__main__":
    main()
