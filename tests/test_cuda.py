"""The CUDA renderer (jtrans/lowering/cuda.py): the Kernel IR rendered as numba.cuda kernels.

- Under Numba's CUDA simulator: every OpSpec runs through `jit(..., device=gpu)` and matches
  eager; the native steps (cumulative, arg, scatter, pooling, gather) render as kernels; a step
  with no CUDA rendering runs on the host inside the program; workspaces are reused across calls;
  `jit(grad(loss))`, `vmap(grad)` and control flow run on the device path end to end.
  numba.cuda reads NUMBA_ENABLE_CUDASIM when it is first imported, so these tests run in ONE
  subprocess with the variable set (`test_simulator_suite`, part of the default test command);
  inside it, `SIM` is true and the tests marked `sim` run.
- Compile-only: rendered kernels become PTX through `numba.cuda.compile_ptx`, which needs
  libNVVM (the `cuda` extra: nvidia-cuda-nvcc-cu12) but no GPU; skipped when libNVVM is absent.
- On a real GPU: tests/test_cuda_real.py.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax

from .opspecs import ALL_SPECS
from .test_ops import _close, _leaves, _rng

SIM = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
# JTRANS_TEST_GPU=1 runs the same device tests against a real GPU (see test_cuda_real.py)
ON_DEVICE = SIM or os.environ.get("JTRANS_TEST_GPU") == "1"
sim = pytest.mark.skipif(
    not ON_DEVICE, reason="runs in the simulator subprocess (test_simulator_suite)"
)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if SIM:
    # The simulator runs each CUDA thread as a Python thread while the launching thread polls
    # them; at CPython's default 5 ms switch interval most of a launch is spent waiting for the
    # GIL (this alone takes the suite from ~45 s to ~12 s).
    sys.setswitchinterval(2e-5)


def test_simulator_suite():
    """Runs this file's and test_devices.py's simulator tests with NUMBA_ENABLE_CUDASIM=1."""
    if SIM:
        pytest.skip("this is the simulator run")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore",
           "tests/test_cuda.py", "tests/test_devices.py", "-k", "not ptx"]  # fmt: skip
    r = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert r.returncode == 0, r.stdout[-8000:] + r.stderr[-2000:]


def _gpu():
    return jtrans.devices("gpu")[0]


def _spec_args(spec):
    shapes, dtype = spec.shapes[0], spec.dtypes[0]
    args = spec.make_args(_rng(spec, shapes), shapes, dtype)
    static = [i for i in spec.nondiff_argnums if np.ndim(args[i]) == 0 and
              not isinstance(args[i], np.ndarray)]  # fmt: skip
    return args, tuple(static), dtype


JIT_SPECS = [pytest.param(s, id=s.name) for s in ALL_SPECS if s.jit]


@sim
@pytest.mark.parametrize("spec", JIT_SPECS)
def test_opspec_on_device(spec):
    """Every jittable OpSpec, once (its first shapes and dtype), on the device path."""
    args, static, dtype = _spec_args(spec)
    try:
        ref = spec.call(*args)
    except jtrans.errors.ConcretizationTypeError:
        pytest.skip("not jittable")
    try:
        out = jtrans.jit(spec.call, static_argnums=static, device=_gpu())(*args)
    except jtrans.errors.ConcretizationTypeError:
        pytest.skip("not jittable (value-dependent shape)")
    for o, r in zip(_leaves(out), _leaves(ref)):
        assert type(o).__name__ == "DeviceArray" and o.device == _gpu()
        _close(o, r, max(spec.tol, 1e-5), dtype)


def _listing(f, *args):
    from jtrans.lowering import cuda as C

    return C.lower_text(jtrans.jit(f).lower(*args).jaxpr, "f")


def _check(f, *args, tol=1e-5):
    ref = f(*args)
    out = jtrans.jit(f, device=_gpu())(*args)
    for o, r in zip(_leaves(out), _leaves(ref)):
        assert o.device == _gpu()
        _close(o, r, tol, np.float32)


def _pool(x, window, strides):
    return lax.reduce_window(x, -jnp.inf, lax.max, window, strides, "SAME")


def _native_steps(e, idx, upd, x, xi):
    e = jnp.asarray(e)
    return (
        jnp.cumsum(x, axis=1),  # cumulative
        lax.cummax(x, axis=0, reverse=True),
        jnp.cumprod(x.astype(jnp.float16), axis=1),
        jnp.cumsum(xi > 5, axis=1),  # bool in, int out
        lax.cumlogsumexp(x, axis=1),
        jnp.argmax(x, axis=1),  # arg (x holds a NaN)
        jnp.argmin(xi, axis=0),
        e.at[idx].add(upd),  # scatter: float add, repeated targets, window-parallel
        e.at[idx].set(upd),
        e.at[idx, 1].add(upd[:, 0]),  # no window: serial
        e.astype(jnp.int32).at[idx].add(xi[:, :4].repeat(2, axis=0)[:5]),  # atomics
        e.astype(jnp.int32).at[idx].max(xi[:, :4].repeat(2, axis=0)[:5]),
        _pool(x, (2, 2), (1, 2)),  # pooling, and its derivatives (window_select)
        jtrans.grad(lambda a: jnp.sum(jnp.sin(_pool(a, (2, 3), (1, 2)))))(x),
        jtrans.jvp(lambda a: _pool(a, (2, 2), (1, 1)), (x,), (x * 2,))[1],
        x[idx[:3], 1:3],  # gather
        lax.dynamic_slice(x, (idx[1], idx[3]), (2, 2)),
    )


@sim
def test_native_steps_render_as_kernels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    x[1, 2] = np.nan
    xi = np.arange(15, dtype=np.int32).reshape(3, 5) % 7
    e = np.zeros((3, 4), np.float32)
    idx = np.array([0, 2, 0, 1, 2], np.int32)
    upd = rng.normal(size=(5, 4)).astype(np.float32)
    text = _listing(_native_steps, e, idx, upd, x, xi)
    assert " host " not in text, text
    kinds = ("cumulative", "cumlogsumexp", "arg", "scatter", "window_select", "reduction")
    for kind in kinds + ("elementwise",):
        assert f"kernel {kind}:" in text, text
    _check(_native_steps, e, idx, upd, x, xi)


def _sorts(x, k, b):
    return (
        jnp.sort(x, axis=1),  # NaN last, -0.0 == 0.0, ties
        jnp.argsort(x, axis=0),  # stable
        lax.sort((k, x, b), num_keys=2, dimension=1),  # two keys, carrying an operand
        jnp.sort(b, axis=0),
        jnp.sort(x.astype(jnp.float16), axis=1),
        jnp.argsort(-k, axis=1),
    )


@sim
def test_sort_renders_as_kernel():
    x = np.array([[3, -0.0, np.nan, 0.0, 1, 3, -2], [np.nan, 1, 1, -1, np.nan, 0, 2]], np.float32)
    k = np.array([[1, 0, 1, 0, 2, 1, 0], [0, 0, 0, 1, 1, 1, 0]], np.int32)
    b = x > 0.5
    text = _listing(_sorts, x, k, b)
    assert " host " not in text and "kernel sort:" in text, text
    _check(_sorts, x, k, b)
    long_row = np.zeros(5000, np.float32)  # one long row: sorted on the host
    text = _listing(jnp.sort, long_row)
    assert "host sort (SortStep)" in text, text


@sim
def test_step_without_cuda_rendering_runs_on_host(monkeypatch):
    """A Kernel IR step type the renderer does not know runs on the CPU compiled path inside
    the program (top level and loop bodies), listed as such; never an error at run time."""
    from jtrans.lowering import cuda as C
    from jtrans.lowering import cuda_exec as X
    from jtrans.lowering import indexing

    renderers = dict(C.STEP_RENDERERS or C._step_renderers())
    del renderers[indexing.CumulativeStep]
    monkeypatch.setattr(C, "STEP_RENDERERS", renderers)

    def f(x, y):
        def body(c, t):
            return c + jnp.cumsum(t)[-1], jnp.cumsum(t * c)

        c, ys = lax.scan(body, 0.0, x)
        return jnp.cumsum(x, axis=0) * 2 + y, c, ys

    x = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    y = np.ones(4, np.float32)
    prog = C.CudaProgram(jtrans.jit(f).lower(x, y).jaxpr, "f")
    text = prog.listing()
    assert text.count("host cumulative (CumulativeStep)") == 3, text
    assert len(prog.host_steps()) == 3
    exe = X.CudaExecutable(prog, _gpu())
    bufs = [jtrans.device_put(a, _gpu())._buf for a in (x, y)]
    for _ in range(2):
        outs = [np.asarray(b.copy_to_host()) for b in exe(bufs)]
        for o, r in zip(outs, f(x, y)):
            np.testing.assert_allclose(o.reshape(np.shape(r)), np.asarray(r), rtol=1e-6)


@sim
def test_workspace_reused_across_calls():
    from jtrans.lowering import cuda as C
    from jtrans.lowering import cuda_exec as X

    def f(a, b):
        h = jnp.tanh(a @ b)
        return (h * h).sum(axis=1), jnp.cumsum(h, axis=0)

    a = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    b = np.linspace(0, 2, 8, dtype=np.float32).reshape(4, 2)
    exe = X.CudaExecutable(C.CudaProgram(jtrans.jit(f).lower(a, b).jaxpr, "f"), _gpu())
    bufs = [jtrans.device_put(v, _gpu())._buf for v in (a, b)]
    first = exe(bufs)
    (ws,) = exe._pool
    held = {k: id(v) for k, v in ws.items()}
    assert held and exe.workspace_bytes() > 0
    second = exe(bufs)
    (ws2,) = exe._pool
    assert ws2 is ws and {k: id(v) for k, v in ws2.items()} == held  # no new temporaries
    assert all(o1 is not o2 for o1, o2 in zip(first, second))  # results are fresh
    for o, r in zip(second, f(a, b)):
        np.testing.assert_allclose(o.copy_to_host(), np.asarray(r).reshape(-1), rtol=1e-5)


@sim
def test_unrolled_elementwise_loop():
    """Large elementwise kernels compute several elements per thread per trip (loads first),
    then a plain grid-stride loop finishes; sizes around the trip boundary, with transposed and
    broadcast operands, all match NumPy."""
    from jtrans.lowering import cuda as C

    f = lambda a, b, c: jnp.tanh(a * 2 + b.T) - c
    rng = np.random.default_rng(0)
    cfg = C._Config(SIM)
    big = cfg.unroll * cfg.tpb * 64
    for rows in (big // 16, big // 16 + 1, big // 16 + 3):
        a = rng.normal(size=(rows, 16)).astype(np.float32)
        b = rng.normal(size=(16, rows)).astype(np.float32)
        c = rng.normal(size=(16,)).astype(np.float32)
        low = jtrans.jit(f).lower(a, b, c).jaxpr
        assert "* step < " in C.CudaProgram(low, "f").source  # the unrolled loop is there
        out = jtrans.jit(f, device=_gpu())(a, b, c)
        np.testing.assert_allclose(np.asarray(out), np.tanh(a * 2 + b.T) - c, rtol=2e-6,
                                   atol=2e-6)  # fmt: skip


@sim
def test_results_return_to_the_device_pool():
    """A dead result's buffer serves the next result of its size; one still referred to (a
    handle on the buffer) does not."""
    from jtrans import device as D

    f = jtrans.jit(lambda a: a * 2 + 1)
    x = jtrans.device_put(np.arange(100, dtype=np.float32), _gpu())
    y = f(x)
    first = id(y._buf)
    del y
    y = f(x)
    assert id(y._buf) == first
    np.testing.assert_array_equal(np.asarray(y), np.arange(100) * 2 + 1)
    handle = y._buf
    del y
    z = f(x)
    assert z._buf is not handle
    np.testing.assert_array_equal(handle.copy_to_host(), np.arange(100) * 2 + 1)
    D.empty_pool()


@sim
def test_clear_caches_drops_gpu_programs():
    from jtrans.lowering import cuda as C
    from jtrans.lowering import cuda_exec as X

    f = jtrans.jit(lambda a: a * 3)
    x = jtrans.device_put(np.arange(4, dtype=np.float32), _gpu())
    np.testing.assert_array_equal(np.asarray(f(x)), np.arange(4) * 3)
    assert len(C._programs) and len(X._executables)
    jtrans.clear_caches()
    assert not len(C._programs) and not len(X._executables)
    np.testing.assert_array_equal(np.asarray(f(x)), np.arange(4) * 3)


@sim
def test_eager_ops_on_device_arrays():
    """Eager ops read a device array's host copy and give host Arrays (JAX keeps them on the
    device: a documented difference); the values are right, and jit brings them back."""
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    d = jtrans.device_put(x, _gpu())
    y = jnp.sin(d) * 2 + d
    assert type(y) is jtrans.array.Array
    np.testing.assert_allclose(np.asarray(y), np.sin(x) * 2 + x, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(d.sum(axis=0)), x.sum(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(d[1]), x[1])
    z = jtrans.jit(lambda a, b: a - b)(d, y)  # one device argument: runs on the device
    assert z.device == _gpu()
    np.testing.assert_allclose(np.asarray(z), x - np.asarray(y), rtol=1e-6)


def _loss(w, x, y):
    return jnp.mean((jnp.tanh(x @ w) - y) ** 2)


@sim
def test_jit_grad_and_vmap_grad_on_device():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2)).astype(np.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y = rng.normal(size=(4, 2)).astype(np.float32)
    gpu = _gpu()
    wd, xd, yd = jtrans.device_put((w, x, y), gpu)
    g = jtrans.jit(jtrans.grad(_loss))(wd, xd, yd)  # placement follows the inputs
    assert g.device == gpu
    np.testing.assert_allclose(np.asarray(g), np.asarray(jtrans.grad(_loss)(w, x, y)), rtol=1e-5,
                               atol=1e-6)  # fmt: skip
    per_example = jtrans.vmap(jtrans.grad(_loss), in_axes=(None, 0, 0))
    xs, ys = x.reshape(2, 2, 3), y.reshape(2, 2, 2)
    gd = jtrans.jit(per_example, device=gpu)(w, xs, ys)
    assert gd.device == gpu
    np.testing.assert_allclose(np.asarray(gd), np.asarray(per_example(w, xs, ys)), rtol=1e-5,
                               atol=1e-6)  # fmt: skip


def _mlp_loss(params, x, y):
    (w1, b1), (w2, b2) = params
    h = jnp.tanh(x @ w1 + b1)
    return jnp.mean((h @ w2 + b2 - y) ** 2)


def _mlp_args():
    rng = np.random.default_rng(1)
    f = lambda *s: rng.normal(size=s).astype(np.float32)
    return [(f(3, 5), f(5)), (f(5, 2), f(2))], f(6, 3), f(6, 2)


def _close_trees(out, ref):
    for o, r in zip(_leaves(out), _leaves(ref)):
        np.testing.assert_allclose(np.asarray(o), np.asarray(r), rtol=1e-5, atol=1e-6)


@sim
def test_mlp_grad_bias_sums_on_device(monkeypatch):
    """An MLP's gradient: the bias gradients are column sums of the loop that makes their
    operand (on the CPU, LoopKernel.col_outputs); jit(grad) and vmap(grad) on the device path.
    Fused column outputs, should fusion hand them to this renderer, split into the loop and a
    reduction kernel per column."""
    from jtrans.lowering import cuda as C
    from jtrans.lowering import cuda_exec as X
    from jtrans.lowering import fusion

    gpu = _gpu()
    params, x, y = _mlp_args()
    g = jtrans.jit(jtrans.grad(_mlp_loss), device=gpu)(params, x, y)
    assert all(leaf.device == gpu for leaf in _leaves(g))
    _close_trees(g, jtrans.grad(_mlp_loss)(params, x, y))
    per_example = jtrans.vmap(jtrans.grad(_mlp_loss), in_axes=(None, 0, 0))
    xs, ys = x.reshape(3, 2, 3), y.reshape(3, 2, 2)
    _close_trees(jtrans.jit(per_example, device=gpu)(params, xs, ys), per_example(params, xs, ys))
    fuse = fusion.fuse
    monkeypatch.setattr(fusion, "fuse", lambda *a, **k: fuse(*a, **k, col_epilogues=True))
    closed = jtrans.jit(jtrans.grad(_mlp_loss)).lower(params, x, y).jaxpr
    prog = C.CudaProgram(closed, "mlp")
    assert any(getattr(s, "col_outputs", None) for s in prog.program.steps)
    assert "_col0" in prog.listing(), prog.listing()
    bufs = [jtrans.device_put(a, gpu)._buf for a in _leaves((params, x, y))]
    outs = [o.copy_to_host() for o in X.CudaExecutable(prog, gpu)(bufs)]
    _close_trees([o.reshape(np.shape(r)) for o, r in zip(outs, _leaves(g))], g)


def _named(f):
    return jtrans.vmap(f, axis_name="i")


def _outside_table(x):  # primitives no OpSpec reaches: collectives under vmap, custom rules...
    from jtrans.custom_batching import custom_vmap
    from jtrans.interpreters.checkpoint import checkpoint_name

    @custom_vmap
    def twice(a):
        return a * 2.0

    twice.def_vmap(lambda n, batched, a: (a * 3.0, batched[0]))
    lin = lambda a: jtrans.linear_call(lambda r, t: t * r, lambda r, c: c * r, 2.0, a)
    perm = [(j, (j + 1) % 4) for j in range(4)]
    return (
        _named(lambda a: a / lax.psum(a + 2, "i") + lax.pmax(a, "i") * lax.axis_index("i"))(x),
        _named(lambda a: lax.all_gather(a, "i").sum(0) * lax.ppermute(a, "i", perm))(x),
        _named(lambda a: lax.all_to_all(jnp.outer(jnp.arange(4.0), a), "i", 0, 0))(x),
        twice(x), jtrans.vmap(twice)(x),
        jtrans.grad(lambda a: jnp.sum(lin(a) * checkpoint_name(jnp.sin(a), "h") ** 2))(x),
        jtrans.pure_callback(np.cos, jtrans.ShapeDtypeStruct(x.shape, x.dtype), x) + 1,
    )  # fmt: skip


@sim
def test_primitives_outside_the_table_on_device():
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    _check(_outside_table, x)


@sim
def test_integer_division_as_xla():
    """x / 0 = -1 (all ones), x rem 0 = x, x / -1 = -x, truncation toward zero."""
    for dt in (np.int8, np.int32, np.uint8, np.uint32):
        v = np.array([0, 1, 7, -7 if np.iinfo(dt).min < 0 else 200, np.iinfo(dt).max], dt)
        x, y = np.repeat(v, 5), np.tile(v, 5)
        if np.iinfo(dt).min < 0:
            y[::4] = -1
        f = lambda a, b: (lax.div(a, b), lax.rem(a, b))
        out = jtrans.jit(f, device=_gpu())(x, y)
        for o, r in zip(out, f(x, y)):
            np.testing.assert_array_equal(np.asarray(o), np.asarray(r), err_msg=str(dt))


@sim
def test_control_flow_runs_on_host_around_kernels():
    def f(x, n):
        def body(i, c):
            return c * 0.5 + jnp.sin(c)

        y = lax.fori_loop(0, n, body, x)
        z = lax.cond(y.sum() > 0, lambda v: v * 2.0, lambda v: v - 1.0, y)
        carry, ys = lax.scan(lambda c, t: (c + t, c * t), z[0], z)
        w = lax.while_loop(lambda c: c[0] < 10, lambda c: c * 2 + 1, jnp.abs(z) + 0.1)
        return carry, ys, w

    x = np.linspace(-1, 1, 5).astype(np.float32)
    _check(f, x, 3)


@sim
def test_split_reduction_and_tiled_gemm_edges():
    gpu = _gpu()
    x = np.arange(1000, dtype=np.float32).reshape(2, 500) / 100
    out = jtrans.jit(lambda a: (a.sum(axis=1), a.max(), (a > 3).all(axis=1)), device=gpu)(x)
    np.testing.assert_allclose(np.asarray(out[0]), x.sum(axis=1), rtol=1e-6)
    assert float(out[1]) == x.max()
    np.testing.assert_array_equal(np.asarray(out[2]), (x > 3).all(axis=1))
    for m, k, n in [(1, 1, 1), (3, 5, 7), (4, 0, 2), (0, 3, 2)]:
        a = np.ones((m, k), np.float32) * 0.5
        b = np.arange(k * n, dtype=np.float32).reshape(k, n)
        c = jtrans.jit(lambda p, q: p @ q, device=gpu)(a, b)
        np.testing.assert_allclose(np.asarray(c), a @ b, rtol=1e-6)
    a = np.arange(3 * 3 * 5, dtype=np.float32).reshape(3, 3, 5) / 10  # batched, transposed
    c = jtrans.jit(lambda p: jnp.einsum("bki,bkj->bij", p, p), device=gpu)(a)
    np.testing.assert_allclose(np.asarray(c), np.einsum("bki,bkj->bij", a, a), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# compile-only: PTX


def _nvvm_missing():
    if SIM:
        return "the simulator has no PTX compiler"
    try:
        from numba.cuda.cudadrv import nvvm

        nvvm.NVVM()
    except Exception as e:  # noqa: BLE001
        return (f"libNVVM not found ({type(e).__name__}); install the `cuda` extra "
                "(pip install nvidia-cuda-nvcc-cu12) to compile kernels to PTX")  # fmt: skip
    return None


needs_nvvm = pytest.mark.skipif(bool(_nvvm_missing()), reason=str(_nvvm_missing()))


def _ptx_of(programs, seen):
    """Compiles every kernel of `programs` not compiled before (same source up to numbers)."""
    from numba import cuda

    ptxs = {}
    for name, prog in programs:
        for kname, fn, sig in prog.kernels():
            key = (re.sub(r"\b\d+\b", "N", prog.kernel_source(kname).replace(kname, "K")),
                   str(sig))  # fmt: skip
            if key in seen:
                continue
            seen.add(key)
            ptx = cuda.compile_ptx(fn, sig, cc=(8, 0))[0]
            assert ".entry" in ptx, f"{name}: {kname} gave no kernel entry"
            ptxs[f"{name}:{kname}"] = ptx
    return ptxs


def _spec_programs(specs):
    from jtrans.lowering import cuda as C

    for spec in specs:
        args, static, _ = _spec_args(spec)
        try:
            low = jtrans.jit(spec.call, static_argnums=static).lower(*args)
        except jtrans.errors.ConcretizationTypeError:
            continue
        yield spec.name, C.CudaProgram(low.jaxpr, spec.name, sim=False)


@needs_nvvm
def test_ptx_sample(monkeypatch):
    """Every kernel kind compiles to PTX: loops, reductions, GEMM, control flow, and the native
    steps (cumulative, arg, scatter serial / window-parallel / atomic, pooling, gather), plus a
    sample of the OpSpec table (catches code the simulator accepts but NVVM rejects)."""
    from jtrans.lowering import cuda as C
    from jtrans.lowering import fusion

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    xi = np.arange(15, dtype=np.int32).reshape(3, 5)
    e = np.zeros((3, 4), np.float32)
    idx = np.array([0, 2, 0, 1, 2], np.int32)
    upd = rng.normal(size=(5, 4)).astype(np.float32)

    def native(e, idx, upd, x, xi):  # one of each kind of _native_steps
        e = jnp.asarray(e)
        return (jnp.cumsum(x.astype(jnp.float16), axis=1), jnp.argmax(x, axis=1),
                lax.cumlogsumexp(x, axis=0),
                e.at[idx].add(upd), e.astype(jnp.int32).at[idx].add(xi[:, :4].repeat(2, axis=0)[:5]),
                jtrans.grad(lambda a: jnp.sum(jnp.sin(_pool(a, (2, 3), (1, 2)))))(x),
                jtrans.jvp(lambda a: _pool(a, (2, 2), (1, 1)), (x,), (x * 2,))[1],
                x[idx[:3], 1:3])  # fmt: skip

    closed = jtrans.jit(native).lower(e, idx, upd, x, xi).jaxpr
    prog = C.CudaProgram(closed, "native", sim=False)
    seen = set()
    ptx = _ptx_of([("native", prog)], seen)
    text = "\n".join(ptx.values())
    assert "atom.global.add" in text and "bar.sync" in text, "no atomics / barriers in PTX"
    div = lambda a, b, c, d: (lax.div(a, b), lax.rem(a, b), lax.div(c, d))
    u = np.arange(4, dtype=np.uint8)
    fuse = fusion.fuse  # column outputs split into reductions, as the CPU would fuse them
    monkeypatch.setattr(fusion, "fuse", lambda *a, **k: fuse(*a, **k, col_epilogues=True))
    extra = [("div", jtrans.jit(div).lower(xi, xi - 3, u, u).jaxpr),
             ("mlp", jtrans.jit(jtrans.grad(_mlp_loss)).lower(*_mlp_args()).jaxpr)]  # fmt: skip
    assert _ptx_of([(n, C.CudaProgram(c, n, sim=False)) for n, c in extra], seen)
    monkeypatch.setattr(fusion, "fuse", fuse)
    names = {"matmul", "einsum_sum", "lax.scan", "lax.fori_loop", "lax.cond", "sort.argsort",
             "conv.basic2d", "red.any_axis", "ndtr", "around"}  # fmt: skip
    specs = [s for i, s in enumerate(ALL_SPECS) if s.jit and (i % 80 == 0 or s.name in names)]
    assert len(_ptx_of(_spec_programs(specs), seen)) > 10


@pytest.mark.slow
@needs_nvvm
def test_ptx_every_opspec():
    """Every distinct kernel of the OpSpec table compiles to PTX (~2 minutes)."""
    assert len(_ptx_of(_spec_programs([s for s in ALL_SPECS if s.jit]), set())) > 500
