"""The performance issue's workloads, side by side in one process: jtrans (`jit`) against JAX
(`jax.jit`), PyTorch eager and `torch.compile` (when installed), plus two physical floors
measured in the same run: memory bandwidth (a large copy, bytes read + written) and float32
GEMM FLOP/s (NumPy's BLAS).

    python benchmarks/perf.py                    # every workload
    python benchmarks/perf.py warm mlp           # some workloads (names: WORKLOADS)
    python benchmarks/run.py perf                # the same, as a section of run.py

Every figure is a median of repeated timings, the implementations timed in turn (so a burst
of load on the shared host falls on all of them); a ratio is jtrans time / the best of the
others (lower is better for jtrans). The machine is noisy: compare ratios from one run, not across runs.
Same threads for all: torch.set_num_threads(os.cpu_count()), XLA's default, the BLAS's default.
For benchmarking only, unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in that command (they slow a
current OpenBLAS); `--blas` prints which kernel each BLAS runs (threadpoolctl).
"""

import os
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

import jtrans  # noqa: E402
import jtrans.numpy as jnp  # noqa: E402

REPEATS = 7
TARGET = 0.25  # seconds per timing (at least one call)
SETTLE = 0.15  # seconds of pause before each timing of timeit_interleaved


def _optional(name):
    try:
        return __import__(name)
    except Exception:
        return None


_only = os.environ.get("PERF_ONLY")  # a peak-memory child loads its framework alone
jax = _optional("jax") if _only in (None, "jax") else None
torch = _optional("torch") if _only in (None, "torch") else None
if jax is not None:
    import jax.numpy as jjnp  # noqa: E402
if torch is not None:
    torch.set_num_threads(os.cpu_count() or 1)
    try:
        import torch._dynamo  # noqa: E402, F401

        torch._dynamo.config.cache_size_limit = 64
        _compile = torch.compile
    except Exception:
        _compile = None


def _calls_per_timing(fn, target):
    """How many calls of fn() one timing makes (after one warm-up call)."""
    fn()
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < target / 10 or n < 2:
        fn()
        n += 1
    per = (time.perf_counter() - t0) / n
    return max(1, int(target / max(per, 1e-9)))


def _timing(fn, number):
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


def timeit(fn, repeats=REPEATS, target=TARGET):
    """Median seconds per call of fn() (after one warm-up call)."""
    number = _calls_per_timing(fn, target)
    return statistics.median(_timing(fn, number) for _ in range(repeats))


def timeit_interleaved(fns, repeats=REPEATS, target=TARGET):
    """{name: median seconds per call} of several callables, their timings taken in turn
    (a, b, c, a, b, c, ...): a burst of load on the shared host then falls on every
    implementation alike instead of on whichever was being timed. A callable that raises is
    reported and left out."""
    numbers, times = {}, {k: [] for k in fns}

    def attempt(k, do):
        try:
            do()
        except Exception as e:  # an impl that fails (e.g. torch.compile on an odd op) is skipped
            print(f"    {k} failed: {type(e).__name__}: {str(e).splitlines()[0][:120]}")
            del times[k]

    for k, fn in fns.items():
        attempt(k, lambda k=k, fn=fn: numbers.__setitem__(k, _calls_per_timing(fn, target)))
    for _ in range(repeats):
        for k in list(times):
            # a pause first: the BLAS's and OpenMP's idle threads keep spinning (sched_yield)
            # for up to ~0.1 s after their last work, on the cores the next timing needs
            time.sleep(SETTLE)
            attempt(k, lambda k=k: times[k].append(_timing(fns[k], numbers[k])))
    return {k: statistics.median(v) for k, v in times.items()}


def _jblock(x):
    return jax.block_until_ready(x)


def _close(a, b, what, rtol=2e-3, atol=2e-4):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if not np.allclose(a, b, rtol=rtol, atol=atol * max(1.0, float(np.abs(b).max(initial=0)))):
        print(f"    !! {what}: results differ (max abs diff {np.abs(a - b).max():.3g})")


RESULTS = []  # (workload, {impl: seconds}, floor seconds or None, target ratio, unit)


def report(workload, impls, floor=None, target=1.0, vs=None, unit="time"):
    """Times every impl (name -> callable; None skipped) and prints a line with the ratio of
    jtrans to the best of `vs` (default: every other impl but numpy)."""
    res = timeit_interleaved({k: fn for k, fn in impls.items() if fn is not None})
    _print_row(workload, res, floor, target, vs, unit)


def _print_row(workload, res, floor, target, vs, unit="time"):
    RESULTS.append((workload, res, floor, target, vs, unit))
    fmt = (lambda s: f"{s:.0f} MiB") if unit == "MiB" else _fmt_time
    parts = [f"{k} {fmt(v)}" for k, v in res.items()]
    if floor:
        parts.append(f"floor {_fmt_time(floor)}")
    r = _ratio(res, vs)
    tail = f"  -> {r:.2f} (target <= {target})" if r is not None else ""
    print(f"  {workload}: " + ", ".join(parts) + tail)
    sys.stdout.flush()


def _ratio(res, vs):
    others = [
        v for k, v in res.items() if k != "jtrans" and k != "numpy" and (vs is None or k in vs)
    ]
    if "jtrans" not in res or not others:
        return None
    return res["jtrans"] / min(others)


def _fmt_time(s):
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


# ---------------------------------------------------------------------------------------------
# floors

FLOORS = {}


def floors():
    """Bandwidth: a 2 x 10^8-byte copy (read + written bytes / time); GEMM: float32 1024^3."""
    src = np.ones(5 * 10**7 // 2, np.float32)
    dst = np.empty_like(src)
    t = timeit(lambda: np.copyto(dst, src), repeats=5, target=0.2)
    FLOORS["bw"] = 2 * src.nbytes / t
    a = np.ones((1024, 1024), np.float32)
    t = timeit(lambda: a @ a, repeats=5, target=0.2)
    FLOORS["flops"] = 2 * 1024**3 / t
    print(f"  floors: memory bandwidth {FLOORS['bw'] / 1e9:.1f} GB/s (copy), "
          f"float32 GEMM {FLOORS['flops'] / 1e9:.0f} GFLOP/s (NumPy BLAS)")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# fused elementwise


def _fused_np(m):
    def f(x):
        return m.sum(m.tanh(x) * m.exp(-x * x) + m.sin(x) / (1 + x * x))

    return f


def elementwise(n=10**7):
    """sum(tanh(x) exp(-x^2) + sin(x)/(1+x^2)) at n float32, forward and grad."""
    x = np.random.default_rng(0).uniform(-3, 3, n).astype(np.float32)
    floor = 4 * n / FLOORS["bw"] if FLOORS else None  # read x once
    f = _fused_np(jnp)
    jf, jg = jtrans.jit(f), jtrans.jit(jtrans.grad(f))
    xj = jnp.asarray(x)
    impls = {"jtrans": lambda: jf(xj), "numpy": lambda: _fused_np(np)(x)}
    gimpls = {"jtrans": lambda: jg(xj)}
    if jax is not None:
        fx = _fused_np(jjnp)
        xx = jjnp.asarray(x)
        jxf, jxg = jax.jit(fx), jax.jit(jax.grad(fx))
        impls["jax"] = lambda: _jblock(jxf(xx))
        gimpls["jax"] = lambda: _jblock(jxg(xx))
        _close(jf(xj), jxf(xx), "elementwise fwd")
        _close(jg(xj), jxg(xx), "elementwise grad")
    if torch is not None:
        ft = _fused_np(torch)
        xt = torch.from_numpy(x)
        gt = torch.func.grad(ft)
        impls["torch"] = lambda: ft(xt)
        gimpls["torch"] = lambda: gt(xt)
        if _compile is not None:
            cf, cg = _compile(ft), _compile(gt)
            impls["torch.compile"] = lambda: cf(xt)
            gimpls["torch.compile"] = lambda: cg(xt)
    report(f"fused elementwise 10^{int(np.log10(n))} f32 fwd", impls, floor)
    report(f"fused elementwise 10^{int(np.log10(n))} f32 grad", gimpls, floor and 2 * floor)


# ---------------------------------------------------------------------------------------------
# MLPs


def _init(sizes, seed=0):
    rng = np.random.default_rng(seed)
    ps = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        w = (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32)
        ps.append((w, (0.01 * rng.standard_normal(b)).astype(np.float32)))
    return ps


def _data(batch, sizes, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)]
    return x, y


def mlp_loss_np(m):
    """Cross-entropy of a ReLU MLP (jtrans.numpy or jax.numpy); y one-hot."""

    def loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = m.maximum(m.dot(h, w) + b, 0.0)
        w, b = params[-1]
        z = m.dot(h, w) + b
        z = z - m.max(z, axis=-1, keepdims=True)
        logp = z - m.log(m.sum(m.exp(z), axis=-1, keepdims=True))
        return -m.mean(m.sum(y * logp, axis=-1))

    return loss


def mlp_loss_torch(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = torch.relu(h @ w + b)
    w, b = params[-1]
    z = h @ w + b
    return -(y * torch.log_softmax(z, dim=-1)).sum(-1).mean()


def _sgd_np(loss, grad, lr=0.01):
    def step(params, x, y):
        g = grad(loss)(params, x, y)
        return [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, g)]

    return step


def _flops_mlp_step(sizes, batch):
    fwd = sum(2 * batch * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    # backward: dW for every layer, dX for every layer but the first
    return fwd + fwd + (fwd - 2 * batch * sizes[0] * sizes[1])


def mlp_step(sizes, batch, label):
    """One SGD step (grad of the loss + update) of an MLP."""
    p0 = _init(sizes)
    x, y = _data(batch, sizes)
    impls = {}
    pj = [(jnp.asarray(w), jnp.asarray(b)) for w, b in p0]
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    step_j = jtrans.jit(_sgd_np(mlp_loss_np(jnp), jtrans.grad))
    impls["jtrans"] = lambda: step_j(pj, xj, yj)
    if jax is not None:
        px = [(jjnp.asarray(w), jjnp.asarray(b)) for w, b in p0]
        xx, yx = jjnp.asarray(x), jjnp.asarray(y)
        step_x = jax.jit(_sgd_np(mlp_loss_np(jjnp), jax.grad))
        impls["jax"] = lambda: _jblock(step_x(px, xx, yx))
        _close(step_j(pj, xj, yj)[0][0], step_x(px, xx, yx)[0][0], f"{label} step")
    if torch is not None:
        pt = [(torch.from_numpy(w.copy()).requires_grad_(), torch.from_numpy(b.copy())
               .requires_grad_()) for w, b in p0]  # fmt: skip
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def torch_step(loss_fn):
            def step():
                loss = loss_fn(pt, xt, yt)
                for w, b in pt:
                    w.grad = b.grad = None
                loss.backward()
                with torch.no_grad():
                    for w, b in pt:
                        w.sub_(0.01 * w.grad)
                        b.sub_(0.01 * b.grad)

            return step

        impls["torch"] = torch_step(mlp_loss_torch)
        if _compile is not None:
            impls["torch.compile"] = torch_step(_compile(mlp_loss_torch))
    # the GEMM floor timed in turn with the steps (load on the shared host changes within a
    # run): NumPy's 1024^3 product, scaled to the step's multiply-adds
    a = np.ones((1024, 1024), np.float32)
    impls["gemm floor"] = lambda: a @ a
    res = timeit_interleaved(impls)
    floor = res.pop("gemm floor") * _flops_mlp_step(sizes, batch) / (2 * 1024**3)
    _print_row(f"{label} step", res, floor, 1.0, None)
    if "jtrans" in res:
        print(f"    step / GEMM floor: jtrans {res['jtrans'] / floor:.2f}"
              + "".join(f", {k} {v / floor:.2f}" for k, v in res.items() if k != "jtrans"))


def per_example(sizes=(64, 128, 128, 10), batch=128):
    """Per-example gradients of the small MLP: vmap(grad(loss)) over a batch."""
    p0 = _init(list(sizes))
    x, y = _data(batch, list(sizes))
    impls = {}

    def single(m):
        base = mlp_loss_np(m)
        return lambda params, x, y: base(params, x[None], y[None])

    pj = [(jnp.asarray(w), jnp.asarray(b)) for w, b in p0]
    fj = jtrans.jit(jtrans.vmap(jtrans.grad(single(jnp)), in_axes=(None, 0, 0)))
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    impls["jtrans"] = lambda: fj(pj, xj, yj)
    if jax is not None:
        px = [(jjnp.asarray(w), jjnp.asarray(b)) for w, b in p0]
        fx = jax.jit(jax.vmap(jax.grad(single(jjnp)), in_axes=(None, 0, 0)))
        xx, yx = jjnp.asarray(x), jjnp.asarray(y)
        impls["jax"] = lambda: _jblock(fx(px, xx, yx))
        _close(fj(pj, xj, yj)[0][0], fx(px, xx, yx)[0][0], "per-example grads")
    if torch is not None:
        pt = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in p0]
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def single_t(params, x, y):
            return mlp_loss_torch(params, x[None], y[None])

        ft = torch.func.vmap(torch.func.grad(single_t), in_dims=(None, 0, 0))
        impls["torch"] = lambda: ft(pt, xt, yt)
        if _compile is not None:
            ct = _compile(ft)
            impls["torch.compile"] = lambda: ct(pt, xt, yt)
    report(f"per-example grads MLP {'-'.join(map(str, sizes))} b{batch}", impls)


def hessian(n=200):
    """Hessian of sum(tanh(W x)) in x, x in R^n, W n x n."""
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    x = rng.standard_normal(n).astype(np.float32)
    impls = {}
    wj, xj = jnp.asarray(w), jnp.asarray(x)
    hj = jtrans.jit(jtrans.hessian(lambda x, w: jnp.sum(jnp.tanh(w @ x))))
    impls["jtrans"] = lambda: hj(xj, wj)
    if jax is not None:
        wx, xx = jjnp.asarray(w), jjnp.asarray(x)
        hx = jax.jit(jax.hessian(lambda x, w: jjnp.sum(jjnp.tanh(w @ x))))
        impls["jax"] = lambda: _jblock(hx(xx, wx))
        _close(hj(xj, wj), hx(xx, wx), "hessian")
    if torch is not None:
        wt, xt = torch.from_numpy(w), torch.from_numpy(x)
        ht = torch.func.hessian(lambda x, w: torch.tanh(w @ x).sum())
        impls["torch"] = lambda: ht(xt, wt)
        if _compile is not None:
            ct = _compile(ht)
            impls["torch.compile"] = lambda: ct(xt, wt)
    report(f"hessian sum(tanh(W x)) n={n}", impls)


def warm_call():
    """A warm call of a tiny jitted function: x + 1 on float32[8] (dispatch overhead)."""
    x = np.ones(8, np.float32)
    impls = {}
    fj, xj = jtrans.jit(lambda x: x + 1.0), jnp.asarray(x)
    impls["jtrans"] = lambda: fj(xj)
    if jax is not None:
        fx, xx = jax.jit(lambda x: x + 1.0), jjnp.asarray(x)
        impls["jax"] = lambda: _jblock(fx(xx))
    if torch is not None:
        xt = torch.from_numpy(x)
        impls["torch"] = lambda: xt + 1.0
        if _compile is not None:
            ct = _compile(lambda x: x + 1.0)
            impls["torch.compile"] = lambda: ct(xt)
    report("warm call x+1 f32[8]", impls, vs=("jax",))


def first_call(sizes=(784, 512, 512, 10), batch=128, repeats=3):
    """Trace + compile + first run of jit(grad(mlp_loss)), a fresh function each time."""
    p0 = _init(list(sizes))
    x, y = _data(batch, list(sizes))
    res = {}

    def once(make):
        ts = []
        for _ in range(repeats):
            f, args = make()
            t = time.perf_counter()
            f(*args)
            ts.append(time.perf_counter() - t)
        return statistics.median(ts)

    from jtrans.lowering import cpu

    pj = [(jnp.asarray(w), jnp.asarray(b)) for w, b in p0]
    xj, yj = jnp.asarray(x), jnp.asarray(y)

    def cold(f):  # no reuse of a module compiled by an earlier repetition
        getattr(cpu, "clear_cache", lambda: None)()
        return f

    res["jtrans"] = once(lambda: (cold(jtrans.jit(jtrans.grad(mlp_loss_np(jnp)))), (pj, xj, yj)))
    if jax is not None:
        px = [(jjnp.asarray(w), jjnp.asarray(b)) for w, b in p0]
        xx, yx = jjnp.asarray(x), jjnp.asarray(y)
        res["jax"] = once(
            lambda: (
                lambda *a, f=jax.jit(jax.grad(mlp_loss_np(jjnp))): _jblock(f(*a)),
                (px, xx, yx),
            )
        )
    if torch is not None and _compile is not None and os.environ.get("PERF_TORCH_COMPILE_FIRST"):
        pt = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in p0]
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def make():
            torch._dynamo.reset()
            return _compile(torch.func.grad(mlp_loss_torch)), (pt, xt, yt)

        res["torch.compile"] = once(make) if repeats == 1 else _once1(make)
    _print_row(f"first call jit(grad(mlp_loss)) {'-'.join(map(str, sizes))}", res, None, 0.3,
               ("jax",))  # fmt: skip


def _first_child(which, sizes=(784, 512, 512, 10), batch=128):
    """In a fresh process (imports and data made first): the first call of jit(grad(loss))."""
    p0 = _init(list(sizes))
    x, y = _data(batch, list(sizes))
    if which == "jtrans":
        args = ([(jnp.asarray(w), jnp.asarray(b)) for w, b in p0], jnp.asarray(x), jnp.asarray(y))
        f = jtrans.jit(jtrans.grad(mlp_loss_np(jnp)))
        call = lambda: np.asarray(f(*args)[0][0])
    else:
        args = ([(jjnp.asarray(w), jjnp.asarray(b)) for w, b in p0], jjnp.asarray(x),
                jjnp.asarray(y))  # fmt: skip
        f = jax.jit(jax.grad(mlp_loss_np(jjnp)))
        call = lambda: _jblock(f(*args))
    t = time.perf_counter()
    call()
    print(time.perf_counter() - t)


def first_call_fresh(repeats=3):
    """The first call of jit(grad(mlp_loss)) in a fresh process (a process image each time;
    imports, backend start-up and data placement before the clock starts)."""
    res = {}
    for which in ("jtrans", "jax"):
        if which != "jtrans" and jax is None:
            continue
        env = dict(os.environ, PERF_ONLY=which)
        ts = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--first", which],
                                 env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
            try:
                ts.append(float(out.stdout.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                print(f"    {which} failed: {out.stderr.strip()[-300:]}")
                break
        if ts:
            res[which] = statistics.median(ts)
    _print_row("first call jit(grad(mlp_loss)), fresh process", res, None, 0.3, ("jax",))


def _once1(make):
    f, args = make()
    t = time.perf_counter()
    f(*args)
    return time.perf_counter() - t


# ---------------------------------------------------------------------------------------------
# peak memory: each framework in its own process


def _peak_child(which, steps=100, sizes=(784, 512, 512, 10), batch=128):
    p0 = _init(list(sizes))
    x, y = _data(batch, list(sizes))
    if which == "jtrans":
        p = [(jnp.asarray(w), jnp.asarray(b)) for w, b in p0]
        step = jtrans.jit(_sgd_np(mlp_loss_np(jnp), jtrans.grad))
        xs, ys = jnp.asarray(x), jnp.asarray(y)
        for _ in range(steps):
            p = step(p, xs, ys)
        np.asarray(p[0][0])
    elif which == "jax":
        p = [(jjnp.asarray(w), jjnp.asarray(b)) for w, b in p0]
        step = jax.jit(_sgd_np(mlp_loss_np(jjnp), jax.grad))
        xs, ys = jjnp.asarray(x), jjnp.asarray(y)
        for _ in range(steps):
            p = step(p, xs, ys)
        _jblock(p)
    elif which == "torch":
        pt = [(torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_())
              for w, b in p0]  # fmt: skip
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        for _ in range(steps):
            loss = mlp_loss_torch(pt, xt, yt)
            for w, b in pt:
                w.grad = b.grad = None
            loss.backward()
            with torch.no_grad():
                for w, b in pt:
                    w.sub_(0.01 * w.grad)
                    b.sub_(0.01 * b.grad)
    # VmHWM (a new process image starts its own); ru_maxrss would carry the forking parent's
    try:
        with open("/proc/self/status") as f:
            hwm = [ln for ln in f if ln.startswith("VmHWM:")][0].split()[1]
        print(int(hwm) / 1024)
    except (OSError, IndexError):
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def peak_memory():
    """Peak resident memory (ru_maxrss) of a process running 100 MLP 784-512-512-10 b128 steps."""
    res = {}
    for which in ("jtrans", "jax", "torch"):
        if which != "jtrans" and globals()[which] is None:
            continue
        env = dict(os.environ, PERF_ONLY=which)
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--peak", which], env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
        try:
            res[which] = float(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            print(f"    {which} failed: {out.stderr.strip()[-300:]}")
    _print_row("peak memory 100 MLP steps (MiB)", res, None, 1.0, ("jax",), unit="MiB")


# ---------------------------------------------------------------------------------------------

WORKLOADS = {
    "floors": floors,
    "elementwise": elementwise,
    "mlp": lambda: mlp_step([784, 512, 512, 10], 128, "MLP 784-512-512-10 b128"),
    "small-mlp": lambda: mlp_step([64, 128, 128, 10], 32, "small MLP 64-128-128-10 b32"),
    "per-example": per_example,
    "hessian": hessian,
    "warm": warm_call,
    "first-call": first_call,
    "first-call-fresh": first_call_fresh,
    "peak-memory": peak_memory,
}


def table():
    print()
    names = ["jtrans", "jax", "torch", "torch.compile", "numpy"]
    print("| workload | " + " | ".join(names) + " | floor | jtrans / best | target |")
    print("|---" * (len(names) + 4) + "|")
    for workload, res, floor, target, vs, unit in RESULTS:
        fmt = (lambda s: f"{s:.0f}") if unit == "MiB" else _fmt_time
        cells = [fmt(res[k]) if k in res else "–" for k in names]
        r = _ratio(res, vs)
        print(f"| {workload} | " + " | ".join(cells) + f" | {_fmt_time(floor) if floor else '–'}"
              f" | {f'{r:.2f}' if r is not None else '–'} | ≤ {target} |")  # fmt: skip


def main(argv=()):
    argv = list(argv)
    if argv[:1] == ["--peak"]:
        return _peak_child(argv[1])
    if argv[:1] == ["--first"]:
        return _first_child(argv[1])
    if "--blas" in argv:
        argv.remove("--blas")
        try:
            import threadpoolctl

            for info in threadpoolctl.threadpool_info():
                print(f"  {info.get('internal_api')} {info.get('version')} "
                      f"{info.get('architecture')} threads={info.get('num_threads')}")  # fmt: skip
        except ImportError:
            print("  (threadpoolctl not installed)")
    print(f"# jtrans perf — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"NumPy {np.__version__}" + (f", JAX {jax.__version__}" if jax else "")
          + (f", PyTorch {torch.__version__}" if torch else ""))  # fmt: skip
    chosen = [k for k in WORKLOADS if not argv or k in argv]
    if "floors" not in chosen and any(k in ("elementwise", "mlp", "small-mlp") for k in chosen):
        chosen.insert(0, "floors")
    for k in chosen:
        WORKLOADS[k]()
    table()


if __name__ == "__main__":
    main(sys.argv[1:])
