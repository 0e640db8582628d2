"""Compiled (jit) vs eager NumPy on the fused elementwise workload
sum(tanh(x) * exp(-x^2) + sin(x) / (1 + x^2)), float32, forward and grad.

    python benchmarks/compiler_bench.py [--sizes 1000000 10000000] [--repeats 7]

Prints the median wall time of each variant and the speed-up of jit over eager NumPy.
"""

import argparse
import time

import numpy as np

import jtrans
import jtrans.lowering  # noqa: F401  (registers the compiler)
import jtrans.numpy as jnp


def f(x):
    return jnp.sum(jnp.tanh(x) * jnp.exp(-x * x) + jnp.sin(x) / (1 + x * x))


def f_numpy(x):
    return np.sum(np.tanh(x) * np.exp(-x * x) + np.sin(x) / (1 + x * x))


def grad_numpy(x):
    # d/dx [tanh(x) e^{-x^2} + sin(x) / (1 + x^2)], written out by hand
    t, e, d = np.tanh(x), np.exp(-x * x), 1 + x * x
    return (1 - t * t) * e - 2 * x * t * e + np.cos(x) / d - 2 * x * np.sin(x) / (d * d)


def median_time(fn, x, repeats):
    fn(x)  # warm up (compiles)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(x)
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10**6, 10**7])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    jf, jg = jtrans.jit(f), jtrans.jit(jtrans.grad(f))
    print(f"{'n':>10} {'variant':>8} {'numpy ms':>10} {'jit ms':>10} {'speed-up':>9}")
    for n in args.sizes:
        x = np.random.RandomState(0).uniform(-3, 3, n).astype(np.float32)
        np.testing.assert_allclose(float(jf(x)), float(f_numpy(x)), rtol=1e-3, atol=1e-2)
        np.testing.assert_allclose(np.asarray(jg(x)), grad_numpy(x), rtol=1e-3, atol=1e-4)
        for name, ref, fast in (("forward", f_numpy, jf), ("grad", grad_numpy, jg)):
            tn, tj = median_time(ref, x, args.repeats), median_time(fast, x, args.repeats)
            print(f"{n:>10} {name:>8} {tn * 1e3:>10.2f} {tj * 1e3:>10.2f} {tn / tj:>8.1f}x")


if __name__ == "__main__":
    main()
