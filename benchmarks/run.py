"""Side-by-side benchmarks: jtrans against NumPy and, where installed, JAX, PyTorch and HIPS
Autograd, in one process and one run. Prints a Markdown table of medians and ratios.

    python benchmarks/run.py                 # every section
    python benchmarks/run.py eager autodiff  # some sections

Ratios are jtrans time / other time (lower is better for jtrans). Machines are noisy: each figure
is the median of `REPEATS` timings of a loop sized to run for about `TARGET` seconds.
"""

import os
import platform
import statistics
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perf import timeit as _perf_timeit  # noqa: E402

import jtrans  # noqa: E402
import jtrans.numpy as jnp  # noqa: E402

REPEATS = 7
TARGET = 0.2


def _optional(name):
    try:
        return __import__(name)
    except Exception:
        return None


jax = _optional("jax")
torch = _optional("torch")
autograd = _optional("autograd")
if jax is not None:
    import jax.numpy as jjnp  # noqa: E402
if autograd is not None:
    import autograd.numpy as anp  # noqa: E402


def timeit(fn, repeats=REPEATS, target=TARGET):
    """Median seconds per call of fn() (the same timer as benchmarks/perf.py)."""
    return _perf_timeit(fn, repeats=repeats, target=target)


def _block(x):
    return x.block_until_ready() if hasattr(x, "block_until_ready") else x


ROWS = []


def row(section, workload, impls):
    """impls: dict name -> callable (None entries are skipped)."""
    res = {k: timeit(v) for k, v in impls.items() if v is not None}
    ROWS.append((section, workload, res))
    base = res.get("jtrans")
    parts = [f"{k} {v * 1e6:.1f} µs" for k, v in res.items()]
    ratios = [f"vs {k}: {base / v:.2f}×" for k, v in res.items() if k != "jtrans" and base]
    print(
        f"  {workload}: " + ", ".join(parts) + ("  (" + ", ".join(ratios) + ")" if ratios else "")
    )
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------


def eager():
    """Eager per-op overhead: jnp.add on 8 elements, a 10-op chain on 10^6 elements."""
    print("eager")
    x8, y8 = jnp.ones(8), jnp.ones(8)
    n8 = np.ones(8, np.float32)
    impls = {"jtrans": lambda: jnp.add(x8, y8), "numpy": lambda: np.add(n8, n8)}
    if jax is not None:
        j8 = jjnp.ones(8)
        impls["jax"] = lambda: _block(jjnp.add(j8, j8))
    if torch is not None:
        t8 = torch.ones(8)
        impls["torch"] = lambda: torch.add(t8, t8)
    row("eager", "jnp.add, 8 float32", impls)

    def chain(m, x):
        y = m.sin(x) * 2.0 + 1.0
        y = m.tanh(y) - x * 0.5
        y = m.exp(-y * y) / (1.0 + x * x)
        return y

    xs = np.random.default_rng(0).standard_normal(10**6).astype(np.float32)
    xj = jnp.asarray(xs)
    impls = {"jtrans": lambda: chain(jnp, xj), "numpy": lambda: chain(np, xs)}
    if jax is not None:
        xjj = jjnp.asarray(xs)
        impls["jax"] = lambda: _block(chain(jjnp, xjj))
    if torch is not None:
        xt = torch.from_numpy(xs)
        impls["torch"] = lambda: chain(torch, xt)
    row("eager", "10-op chain, 10^6 float32", impls)


def _mlp_params(rng, sizes, m):
    ps = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        w = (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
        ps.append((m(w), m(np.zeros(b, np.float32))))
    return ps


def autodiff():
    """Eager grad of a 3-layer MLP loss (64-128-128-10, batch 32)."""
    print("autodiff")
    rng = np.random.default_rng(0)
    sizes = [64, 128, 128, 10]
    xb = rng.standard_normal((32, 64)).astype(np.float32)
    yb = rng.standard_normal((32, 10)).astype(np.float32)

    def loss(m):
        def f(params, x, y):
            h = x
            for i, (w, b) in enumerate(params):
                h = m.dot(h, w) + b
                if i < len(params) - 1:
                    h = m.tanh(h)
            return m.mean((h - y) ** 2)

        return f

    impls = {}
    if hasattr(jnp, "dot"):
        pj = _mlp_params(rng, sizes, jnp.asarray)
        gj = jtrans.grad(loss(jnp))
        xj, yj = jnp.asarray(xb), jnp.asarray(yb)
        impls["jtrans"] = lambda: gj(pj, xj, yj)
    if autograd is not None:
        pa = _mlp_params(rng, sizes, lambda a: a)
        ga = autograd.grad(loss(anp))
        impls["autograd"] = lambda: ga(pa, xb, yb)
    if jax is not None:
        pjj = _mlp_params(rng, sizes, jjnp.asarray)
        gjj = jax.grad(loss(jjnp))
        impls["jax"] = lambda: jax.block_until_ready(gjj(pjj, xb, yb))
    if "jtrans" in impls:
        row("autodiff", "eager grad, MLP 64-128-128-10 b32", impls)


def perf():
    """The performance issue's jit workloads, side by side (benchmarks/perf.py)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import perf as _perf

    _perf.main([])


SECTIONS = {"eager": eager, "autodiff": autodiff, "perf": perf}


def main(argv):
    names = argv or list(SECTIONS)
    print(f"# jtrans benchmarks — {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"
          + (f", JAX {jax.__version__}" if jax else "")
          + (f", PyTorch {torch.__version__}" if torch else "")
          + (f", autograd {getattr(autograd, '__version__', '?')}" if autograd else ""))  # fmt: skip
    for n in names:
        SECTIONS[n]()
    print()
    print("| section | workload | " + " | ".join(["jtrans", "numpy", "jax", "torch", "autograd"])
          + " | jtrans/numpy | jtrans/jax |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for section, workload, res in ROWS:
        cells = [f"{res[k] * 1e6:.1f} µs" if k in res else "–"
                 for k in ("jtrans", "numpy", "jax", "torch", "autograd")]  # fmt: skip
        r_np = f"{res['jtrans'] / res['numpy']:.2f}" if "numpy" in res else "–"
        r_jax = f"{res['jtrans'] / res['jax']:.2f}" if "jax" in res else "–"
        print(f"| {section} | {workload} | " + " | ".join(cells) + f" | {r_np} | {r_jax} |")


if __name__ == "__main__":
    main(sys.argv[1:])
