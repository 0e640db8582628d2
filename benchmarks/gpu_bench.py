"""jtrans on a CUDA GPU (jit(..., device=gpu): Kernel IR rendered as numba.cuda kernels).

    python benchmarks/gpu_bench.py [--n 100000000] [--repeats 20] [--json out.json]
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/gpu_bench.py --smoke   # tiny sizes, no GPU

1. Fused elementwise, float32: out = x * 2 + y * y - 1 at n = 10^8 (12 bytes moved per element)
   against the GPU's own copy bandwidth measured in the same run (a device-to-device copy of n
   float32, 8 bytes per element: cudaMemcpy, and PyTorch's copy when it is installed; the faster
   is the floor). The ratio says how close the fused kernel gets to memory speed; it is given
   for the wall-clock time of a call (host work included) and between CUDA events.
2. One MLP training step 784-512-512-10, batch 128, float32 (forward, grad, SGD update), all on
   the GPU (parameters and data stay there between steps).
3. The same two workloads with jax.jit and PyTorch on the same GPU, when they are installed and
   see it (skipped otherwise).

Every timing is a median over `--repeats` runs after a warm-up (which compiles), with the device
synchronised before the clock stops. Results print as a table; `--json` also writes them.
"""

import argparse
import itertools
import json
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    sys.setswitchinterval(2e-5)  # the simulator's threads wait less for the GIL

import jtrans
import jtrans.numpy as jnp

SIZES = (784, 512, 512, 10)


def event_time(fn, repeats):
    """Median seconds between CUDA events recorded around `fn()` (after a warm-up)."""
    from numba import cuda

    e0, e1 = cuda.event(), cuda.event()
    fn()
    ts = []
    for _ in range(repeats):
        e0.record()
        fn()
        e1.record()
        e1.synchronize()
        ts.append(e0.elapsed_time(e1) / 1e3)
    return max(statistics.median(ts), 1e-9)  # (the simulator's events say 0)


def median_time(fn, sync, repeats):
    fn()
    sync()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


# -- the workloads, in jtrans ------------------------------------------------------------------


def fused(x, y):
    return x * 2 + y * y - 1


def init_params(rng, sizes=SIZES):
    params = []
    for m, n in itertools.pairwise(sizes):
        w = (rng.standard_normal((m, n)) * np.sqrt(2.0 / m)).astype(np.float32)
        params.append((w, np.zeros(n, np.float32)))
    return params


def mlp_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = jnp.maximum(h @ w + b, 0.0)
    w, b = params[-1]
    logits = h @ w + b
    z = logits - jnp.max(logits, axis=1, keepdims=True)
    logp = z - jnp.log(jnp.sum(jnp.exp(z), axis=1, keepdims=True))
    return -jnp.mean(jnp.sum(logp * y, axis=1))


def sgd_step(params, x, y, lr=0.01):
    loss, grads = jtrans.value_and_grad(mlp_loss)(params, x, y)
    new = jtrans.tree_map(lambda p, g: p - lr * g, params, grads)
    return new, loss


def batch(rng, b, sizes=SIZES):
    x = rng.standard_normal((b, sizes[0])).astype(np.float32)
    y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], b)]
    return x, y


# -- jtrans ----------------------------------------------------------------------------------------


def bench_jtrans(n, b, repeats, results, sizes=SIZES):
    from numba import cuda

    gpu = jtrans.devices("gpu")[0]
    results["device"] = f"{gpu.device_kind} (simulator)" if _sim() else gpu.device_kind
    rng = np.random.default_rng(0)
    x_h = rng.standard_normal(n).astype(np.float32)
    y_h = rng.standard_normal(n).astype(np.float32)
    x, y = jtrans.device_put((x_h, y_h), gpu)
    sync = cuda.synchronize

    # the copy bandwidth of this GPU, device to device (cudaMemcpy; PyTorch's copy kernel is
    # measured too when it is there, and the faster of the two is the floor)
    dst = cuda.device_array(n, np.float32)
    t_copy = event_time(lambda: dst.copy_to_device(x._buf), repeats)
    results["cudamemcpy_GBps"] = 8 * n / t_copy / 1e9

    f = jtrans.jit(fused)
    t0 = time.perf_counter()
    out = f(x, y)
    sync()
    results["fused_first_call_s"] = time.perf_counter() - t0  # trace, fuse, NVVM, run
    check = slice(0, min(n, 1 << 20))
    np.testing.assert_allclose(np.asarray(out)[check], fused(x_h[check], y_h[check]), rtol=1e-6)
    t = median_time(lambda: f(x, y), sync, repeats)
    results["fused_ms"] = t * 1e3  # wall clock: the call's host work, the kernel, the sync
    results["fused_GBps"] = 12 * n / t / 1e9
    t = event_time(lambda: f(x, y), repeats)
    results["fused_events_ms"] = t * 1e3  # between CUDA events around the call
    results["fused_events_GBps"] = 12 * n / t / 1e9

    params = jtrans.device_put(init_params(rng, sizes), gpu)
    xb, yb = jtrans.device_put(batch(rng, b, sizes), gpu)
    step = jtrans.jit(sgd_step)
    state = {"p": params}

    def one():
        state["p"], state["loss"] = step(state["p"], xb, yb)

    t0 = time.perf_counter()
    one()
    sync()
    results["mlp_first_call_s"] = time.perf_counter() - t0
    loss0 = float(state["loss"])
    ref = mlp_loss(jtrans.device_put(params, "cpu"), np.asarray(xb), np.asarray(yb))
    np.testing.assert_allclose(loss0, float(ref), rtol=1e-4)
    results["mlp_step_ms"] = median_time(one, sync, repeats) * 1e3
    results["mlp_loss_decreases"] = float(state["loss"]) < loss0


# -- JAX and PyTorch on the same GPU ---------------------------------------------------------------


def bench_jax(n, b, repeats, results):
    try:
        import jax
        import jax.numpy as xnp

        gpu = jax.devices("gpu")[0]
    except Exception as e:  # noqa: BLE001  (not installed, or no GPU backend)
        results["jax"] = f"skipped: {type(e).__name__}: {e}"[:200]
        return
    rng = np.random.default_rng(0)
    x = jax.device_put(rng.standard_normal(n).astype(np.float32), gpu)
    y = jax.device_put(rng.standard_normal(n).astype(np.float32), gpu)
    f = jax.jit(lambda a, c: a * 2 + c * c - 1)
    t = median_time(lambda: f(x, y).block_until_ready(), lambda: None, repeats)
    results["jax_fused_ms"] = t * 1e3
    results["jax_fused_GBps"] = 12 * n / t / 1e9

    def loss(params, xb, yb):
        h = xb
        for w, bb in params[:-1]:
            h = xnp.maximum(h @ w + bb, 0.0)
        w, bb = params[-1]
        logp = jax.nn.log_softmax(h @ w + bb)
        return -xnp.mean(xnp.sum(logp * yb, axis=1))

    @jax.jit
    def step(params, xb, yb):
        grads = jax.grad(loss)(params, xb, yb)
        return jax.tree_util.tree_map(lambda p, g: p - 0.01 * g, params, grads)

    params = jax.device_put(init_params(rng), gpu)
    xb, yb = jax.device_put(batch(rng, b), gpu)
    state = {"p": params}

    def one():
        state["p"] = step(state["p"], xb, yb)
        jax.block_until_ready(state["p"])

    results["jax_mlp_step_ms"] = median_time(one, lambda: None, repeats) * 1e3


def bench_torch(n, b, repeats, results):
    try:
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("torch.cuda.is_available() is False")
    except Exception as e:  # noqa: BLE001
        results["torch"] = f"skipped: {type(e).__name__}: {e}"[:200]
        return
    dev = torch.device("cuda")
    sync = torch.cuda.synchronize
    x = torch.randn(n, device=dev)
    y = torch.randn(n, device=dev)
    dst = torch.empty_like(x)
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ts = []
    for _ in range(repeats + 1):
        e0.record()
        dst.copy_(x)
        e1.record()
        e1.synchronize()
        ts.append(e0.elapsed_time(e1) / 1e3)
    results["torch_copy_GBps"] = 8 * n / statistics.median(ts[1:]) / 1e9
    t = median_time(lambda: x * 2 + y * y - 1, sync, repeats)
    results["torch_eager_fused_ms"] = t * 1e3
    try:
        fc = torch.compile(lambda a, c: a * 2 + c * c - 1)
        t = median_time(lambda: fc(x, y), sync, repeats)
        results["torch_compile_fused_ms"] = t * 1e3
        results["torch_compile_fused_GBps"] = 12 * n / t / 1e9
    except Exception as e:  # noqa: BLE001  (no Triton, ...)
        results["torch_compile"] = f"skipped: {type(e).__name__}"
    rng = np.random.default_rng(0)
    params = [(torch.tensor(w, device=dev, requires_grad=True),
               torch.tensor(bb, device=dev, requires_grad=True))
              for w, bb in init_params(rng)]  # fmt: skip
    xb, yb = (torch.tensor(a, device=dev) for a in batch(rng, b))
    flat = [p for pair in params for p in pair]
    opt = torch.optim.SGD(flat, lr=0.01)

    def one():
        h = xb
        for w, bb in params[:-1]:
            h = torch.relu(h @ w + bb)
        w, bb = params[-1]
        logp = torch.log_softmax(h @ w + bb, dim=1)
        loss = -(logp * yb).sum(dim=1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    results["torch_mlp_step_ms"] = median_time(one, sync, repeats) * 1e3


def _sim():
    return os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10**8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--json", default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (for the simulator)")
    ap.add_argument("--no-others", action="store_true", help="skip JAX and PyTorch")
    args = ap.parse_args()
    sizes = SIZES
    if args.smoke:
        args.n, args.batch, args.repeats, sizes = 4096, 8, 2, (16, 8, 8, 4)
    results = {"n": args.n, "batch": args.batch, "mlp": "-".join(map(str, sizes))}
    bench_jtrans(args.n, args.batch, args.repeats, results, sizes)
    if not args.no_others and not _sim():
        bench_jax(args.n, args.batch, args.repeats, results)
        bench_torch(args.n, args.batch, args.repeats, results)
    copy = max(results.get("cudamemcpy_GBps", 0), results.get("torch_copy_GBps", 0))
    results["copy_GBps"] = copy  # the copy floor: the faster device-to-device copy
    results["fused_vs_copy"] = results["fused_GBps"] / copy
    results["fused_events_vs_copy"] = results["fused_events_GBps"] / copy
    width = max(map(len, results))
    for k, v in results.items():
        v = f"{v:.3f}" if isinstance(v, float) else v
        print(f"{k:<{width}}  {v}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
