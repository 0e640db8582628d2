"""Compiler-specific behaviour of jit: layouts at the boundary (0-size, size-1 broadcasting,
transposed and sliced inputs), jit of grad and vmap, GEMM calls, call-outs, caching and
recompilation logs, inspection stages, buffer planning and the on-disk cache.
(tests/test_ops.py::test_jit compares jit with eager for every OpSpec.)"""

import logging
import os
import subprocess
import sys

import numpy as np
import pytest

import jtrans
import jtrans.lowering  # noqa: F401  (registers the compiler)
import jtrans.numpy as jnp
from jtrans.interpreters import jit as jit_mod
from jtrans.lowering import Compiled, kernel, passes, runtime
from tests.opspecs import ALL_SPECS

RNG = np.random.RandomState(0)


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def f_mix(x, y):
    return jnp.sum(jnp.tanh(x) * y, axis=0) + jnp.max(x * 2.0 - y, axis=0)


@pytest.mark.parametrize("xs,ys", [((0, 3), (0, 3)), ((4, 0), (4, 0)), ((3, 1), (1, 4)),
                                   ((1, 1), (5, 1)), ((1,), (2, 1))])  # fmt: skip
def test_zero_size_and_size_one_broadcasting(xs, ys):
    x, y = RNG.randn(*xs).astype(np.float32), RNG.randn(*ys).astype(np.float32)

    def f(x, y):
        return jnp.sum(jnp.exp(x) + y, axis=0), x * y + 1.0

    for o, r in zip(jtrans.jit(f)(x, y), f(x, y)):
        assert np.shape(o) == np.shape(r)
        _close(o, r)


def test_transposed_and_sliced_inputs():
    base = RNG.randn(6, 8).astype(np.float32)
    for x in (base.T[:, :6], base[::2, 1::3], np.broadcast_to(base[:1], (6, 8)), base[::-1]):
        y = np.ascontiguousarray(x) + 1.0
        _close(jtrans.jit(f_mix)(x, y), f_mix(x, y))


def test_jit_of_grad_and_vmap():
    x = RNG.randn(5, 3).astype(np.float32)
    y = RNG.randn(5, 3).astype(np.float32)
    g = jtrans.grad(lambda x, y: jnp.sum(f_mix(x, y)), argnums=(0, 1))
    for a, b in zip(jtrans.jit(g)(x, y), g(x, y)):
        _close(a, b)
    v = jtrans.vmap(f_mix, in_axes=(1, 1))
    _close(jtrans.jit(v)(x, y), v(x, y))
    _close(jtrans.grad(lambda x: jnp.sum(jtrans.jit(f_mix)(x, y)))(x),
           jtrans.grad(lambda x: jnp.sum(f_mix(x, y)))(x))  # fmt: skip


GRAD_SPECS = [s for s in ALL_SPECS if s.grad and s.jit and not s.nondiff_argnums
              and s.args_maker is None and s.shapes and all(len(sh) for sh in s.shapes)][:40]  # fmt: skip


@pytest.mark.parametrize("spec", GRAD_SPECS, ids=[s.name for s in GRAD_SPECS])
def test_opspec_jit_grad_and_vmap(spec):
    shapes = next((sh for sh in spec.shapes if all(len(s) >= 1 for s in sh)), None)
    if shapes is None:
        pytest.skip("no array shapes")
    args = spec.make_args(np.random.RandomState(1), shapes, np.float32)

    def scalar_f(*a):
        return sum(jnp.sum(o) for o in jtrans.tree_leaves(spec.call(*a)))

    g = jtrans.grad(scalar_f)
    tol = max(spec.tol, 1e-4)
    _close(jtrans.jit(g)(*args), g(*args), tol)
    v = jtrans.vmap(spec.call, in_axes=(0,) + (None,) * (len(args) - 1))
    xs = [np.stack([args[0], args[0] * 0.5])] + list(args[1:])
    for o, r in zip(jtrans.tree_leaves(jtrans.jit(v)(*xs)), jtrans.tree_leaves(v(*xs))):
        _close(o, r, tol)


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int32])
def test_dot_general_gemm_and_loop(dt):
    prev = jtrans.config.read("jax_enable_x64")
    jtrans.config.update("jax_enable_x64", True)
    try:
        a = (RNG.randn(2, 4, 3) * 3).astype(dt)
        b = (RNG.randn(2, 3, 5) * 3).astype(dt)
        _close(jtrans.jit(jnp.matmul)(a, b), np.matmul(a, b))
        p, q = np.ascontiguousarray(a[0].T), np.ascontiguousarray(b[1].T)  # (3, 4), (5, 3)
        _close(jtrans.jit(lambda p, q: p.T @ q.T)(p, q), p.T @ q.T)
        _close(jtrans.jit(lambda a: a[0] @ a[0].T)(a), a[0] @ a[0].T)
        z = np.zeros((3, 0), dt)
        _close(jtrans.jit(jnp.matmul)(z, z.T), np.zeros((3, 3), dt))
        _close(jtrans.jit(jnp.einsum, static_argnums=0)("bij,bjk->bik", a, b),
               np.einsum("bij,bjk->bik", a, b))  # fmt: skip
    finally:
        jtrans.config.update("jax_enable_x64", prev)


def test_call_out_errors_propagate():
    import jtrans.lowering.runtime as rt

    def f(x):
        return jnp.linalg.cholesky(x) * 2

    x = np.diag([9.0, 1.0]).astype(np.float32)
    exe = jtrans.lowering.compile_jaxpr(jtrans.jit(f).lower(x).jaxpr, "f")
    step = next(iter(exe.callouts.values()))
    prim = step.prim
    orig = jtrans.core.impl_rules[prim]
    jtrans.core.impl_rules[prim] = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom"))
    try:
        with pytest.raises(RuntimeError, match="boom"):
            exe(x)
    finally:
        jtrans.core.impl_rules[prim] = orig
    _close(exe(x)[0], np.diag([6.0, 2.0]))
    assert rt  # the module is importable


def test_compiles_once_per_signature(caplog):
    calls = []
    orig = jit_mod._compiler

    def counting(closed, name):
        calls.append(name)
        return orig(closed, name)

    jit_mod.set_compiler(counting)
    try:
        f = jtrans.jit(lambda x: x * 2 + 1)
        x = np.ones(3, np.float32)
        f(x)
        f(x + 1)
        assert len(calls) == 1
        f(np.ones(4, np.float32))
        assert len(calls) == 2
    finally:
        jit_mod.set_compiler(orig)
    jtrans.config.update("jax_log_compiles", True)
    try:
        with caplog.at_level(logging.WARNING, logger="jtrans"):
            g = jtrans.jit(lambda x: x + 1)
            g(np.ones(2, np.float32))
            g(np.ones(3, np.float32))
        assert "changed from f32[2] to f32[3]" in caplog.text
    finally:
        jtrans.config.update("jax_log_compiles", False)


def test_inspection_stages():
    def f(x):
        y = x * 1.0 + 0.0
        return jnp.sum(jnp.exp(y)) + jnp.sum(jnp.exp(y))

    lowered = jtrans.jit(f).lower(np.ones(4, np.float32))
    assert "mul" in lowered.as_text("jaxpr")
    opt = lowered.as_text("optimized")
    assert "mul" not in opt and opt.count("exp") == 1  # x*1, +0 removed; exp CSE'd
    assert "kernel k0 loop[4]" in lowered.as_text("kernels")
    assert 'define i32 @"entry"' in lowered.as_text("llvm")
    with pytest.raises(ValueError, match="stages"):
        lowered.as_text("nope")


def test_passes_typecheck_and_kernel_ir_checks():
    def f(x, w):
        h = jnp.tanh(x @ w)
        return jnp.sum(h.T.T * 1.0, axis=1), jtrans.lax.linalg.cholesky(
            h[:2] * h[:2] + jnp.eye(2), symmetrize_input=False
        )

    x, w = RNG.randn(3, 4).astype(np.float32), RNG.randn(4, 2).astype(np.float32)
    closed = jtrans.jit(f).lower(x, w).jaxpr
    jaxpr, consts = passes.optimize(closed.jaxpr, closed.consts, check=True)
    assert "transpose" not in str(jaxpr)
    c = Compiled(closed, "f")
    assert kernel.check_program(c.program)
    text = kernel.pp_program(c.program)
    assert "gemm" in text and "callout cholesky" in text


def test_buffer_planning_reuses_space():
    def f(x):
        for _ in range(6):
            x = jnp.sort(x * 2.0) + 1.0
        return x

    x = np.ones(1000, np.float32)
    c = Compiled(jtrans.jit(f).lower(x).jaxpr, "f")
    tmps = {b.name: b.nbytes for s in c.program.steps for b in s.out_buffers if b.kind == "tmp"}
    assert len(tmps) >= 6
    assert c.ws_size < sum(tmps.values()) / 2
    _close(jtrans.jit(f)(x), f(x))
    offsets, size = runtime.plan_buffers(c.program)
    assert size == c.ws_size


def test_disk_cache(tmp_path):
    code = (
        "import numpy as np, jtrans, jtrans.lowering, jtrans.numpy as jnp\n"
        "f = jtrans.jit(lambda x: jnp.sum(jnp.tanh(x) * 2))\n"
        "print(float(f(np.linspace(-1, 2, 100, dtype=np.float32))))\n"
    )
    env = dict(os.environ, JTRANS_CACHE_DIR=str(tmp_path))
    run = lambda: subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, check=True, cwd=os.getcwd()).stdout  # noqa: E731  # fmt: skip
    first = run()
    files = os.listdir(tmp_path)
    assert any(f.endswith(".o") for f in files)
    assert run() == first
    x = np.linspace(-1, 2, 100, dtype=np.float32)
    assert abs(float(first) - float(np.sum(np.tanh(x) * 2))) < 1e-4
