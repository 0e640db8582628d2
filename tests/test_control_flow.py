"""Structured control flow: cond / switch, scan / map / fori_loop, while_loop (with and without
max_steps) under eager, jit, grad, jvp and vmap; errors; jaxpr size independent of the length."""

import re
import time

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.errors import ConcretizationTypeError
from jtrans.test_util import check_grads


def _close(a, b, tol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def _count_eqns(jaxpr):
    """Equations in a jaxpr, including those inside sub-jaxprs."""
    n = 0
    for eqn in jaxpr.eqns:
        n += 1
        for sub in jtrans.core.subjaxprs(eqn):
            n += _count_eqns(sub.jaxpr)
    return n


# ---------------------------------------------------------------------------------------------
# cond / switch


def _f_cond(x, y):
    return lax.cond(jnp.sum(x) > 0, lambda a, b: jnp.sin(a) * b, lambda a, b: a * a + b, x, y)


def _ref_cond(x, y):
    return np.sin(x) * y if np.sum(x) > 0 else x * x + y


def test_cond_eager_and_jit():
    x, y = np.array([0.3, 0.5], np.float32), np.array([1.2, -0.7], np.float32)
    for xs in (x, -x):
        _close(_f_cond(xs, y), _ref_cond(xs, y))
        _close(jtrans.jit(_f_cond)(xs, y), _ref_cond(xs, y))
    out = lax.cond(True, lambda: 1.0, lambda: 2.0)
    assert float(out) == 1.0


def test_cond_pytree_and_operand_kwarg():
    out = lax.cond(
        False,
        lambda d: {"a": d["a"] * 2, "b": (d["b"],)},
        lambda d: {"a": d["a"] - 1, "b": (d["b"] + 1,)},
        operand={"a": jnp.ones(2), "b": 3.0},
    )
    _close(out["a"], [0.0, 0.0])
    _close(out["b"][0], 4.0)


def test_cond_weak_types_joined():
    out = lax.cond(True, lambda x: 1.0, lambda x: x, jnp.float32(2.0))
    assert out.dtype == np.float32 and not out.weak_type
    out = lax.cond(True, lambda: 1.0, lambda: 2.0)
    assert out.weak_type


def test_cond_grad_jvp(x64):
    x, y = np.array([0.3, 0.5]), np.array([1.2, -0.7])
    for xs in (x, -x):
        check_grads(_f_cond, (xs, y), order=2)
    g = jtrans.grad(lambda x, y: jnp.sum(_f_cond(x, y)))(x, y)
    _close(g, np.cos(x) * y, 1e-12)
    _, t = jtrans.jvp(_f_cond, (-x, y), (np.ones(2), np.zeros(2)))
    _close(t, -2 * x, 1e-12)


def test_cond_closure_over_differentiated_value(x64):
    def f(w, x):
        return lax.cond(x > 0, lambda: jnp.sum(w * x), lambda: jnp.sum(w**2))

    w = np.array([1.0, 2.0, 3.0])
    check_grads(f, (w, 0.5), order=2)
    check_grads(f, (w, -0.5), order=2)
    _close(jtrans.grad(f)(w, -0.5), 2 * w, 1e-12)


def test_cond_jit_grad(x64):
    x, y = np.array([0.3, 0.5]), np.array([1.2, -0.7])
    g = jtrans.jit(jtrans.grad(lambda x, y: jnp.sum(_f_cond(x, y))))(-x, y)
    _close(g, -2 * x, 1e-12)
    g = jtrans.grad(jtrans.jit(lambda x, y: jnp.sum(_f_cond(x, y))))(x, y)
    _close(g, np.cos(x) * y, 1e-12)


def test_cond_vmap_batched_predicate():
    xs = np.array([-1.0, 2.0, -3.0, 4.0], np.float32)
    f = lambda x: lax.cond(x > 0, lambda v: v * 10, lambda v: v - 1, x)
    out = jtrans.vmap(f)(xs)
    _close(out, [f(x) for x in xs])
    jaxpr = jtrans.make_jaxpr(jtrans.vmap(f))(xs)
    assert "select_n" in str(jaxpr) and "cond" not in str(jaxpr)


def test_cond_vmap_unbatched_predicate():
    xs = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    f = lambda p, x: lax.cond(p, lambda v: v * 10, lambda v: v - 1, x)
    out = jtrans.vmap(f, in_axes=(None, 0))(True, xs)
    _close(out, xs * 10)
    jaxpr = jtrans.make_jaxpr(jtrans.vmap(f, in_axes=(None, 0)))(True, xs)
    assert "cond" in str(jaxpr)
    out = jtrans.vmap(f, in_axes=(None, 1), out_axes=1)(False, xs)
    _close(out, xs - 1)


def test_cond_vmap_grad(x64):
    xs = np.array([[0.3, 0.5], [-0.2, -0.4], [1.0, -0.1]])
    y = np.array([1.2, -0.7])
    g = jtrans.vmap(jtrans.grad(lambda x: jnp.sum(_f_cond(x, y))))(xs)
    ref = [jtrans.grad(lambda x: jnp.sum(_f_cond(x, y)))(x) for x in xs]
    _close(g, np.stack(ref), 1e-12)


def test_switch():
    branches = [lambda x: x + 1, lambda x: x * 2, lambda x: -x]
    x = np.array([1.0, 2.0], np.float32)
    for i in range(-1, 5):
        ref = branches[min(max(i, 0), 2)](x)
        _close(lax.switch(i, branches, x), ref)
        _close(jtrans.jit(lambda i, x: lax.switch(i, branches, x))(i, x), ref)
    idx = np.array([0, 1, 2, 5], np.int32)
    out = jtrans.vmap(lambda i: lax.switch(i, branches, x))(idx)
    _close(out, np.stack([branches[min(i, 2)](x) for i in idx]))
    xs = np.arange(8.0).reshape(4, 2).astype(np.float32)
    out = jtrans.vmap(lambda i, x: lax.switch(i, branches, x))(idx, xs)
    _close(out, np.stack([branches[min(i, 2)](x) for i, x in zip(idx, xs)]))


def test_switch_grad(x64):
    branches = [lambda x: jnp.sin(x), lambda x: x**3, lambda x: jnp.exp(x)]
    x = np.array([0.3, -0.6])
    for i in range(3):
        check_grads(lambda x, i=i: lax.switch(i, branches, x), (x,), order=2)
    g = jtrans.vmap(jtrans.grad(lambda i, x: lax.switch(i, branches, x), argnums=1))(
        np.array([0, 1, 2]), np.array([0.1, 0.2, 0.3])
    )
    _close(g, [np.cos(0.1), 3 * 0.2**2, np.exp(0.3)], 1e-12)


def test_cond_mismatch_errors_show_both_sides():
    with pytest.raises(TypeError) as e:
        lax.cond(True, lambda x: x, lambda x: (x, x), 1.0)
    msg = str(e.value)
    assert "true_fun" in msg and "false_fun" in msg and "(*, *)" in msg
    with pytest.raises(TypeError) as e:
        lax.cond(True, lambda x: x, lambda x: jnp.zeros(3), jnp.float32(1.0))
    msg = str(e.value)
    assert "float32[]" in msg and "float32[3]" in msg
    with pytest.raises(TypeError, match="scalar"):
        lax.cond(jnp.ones(2) > 0, lambda: 1.0, lambda: 2.0)


def test_make_jaxpr_shows_branches():
    text = str(jtrans.make_jaxpr(_f_cond)(np.ones(2, np.float32), np.ones(2, np.float32)))
    assert "cond[" in text and "branches=" in text and "sin" in text


# ---------------------------------------------------------------------------------------------
# scan, map, fori_loop


def test_scan_basic_and_reverse():
    xs = np.arange(5.0, dtype=np.float32)

    def f(c, x):
        return c + x, c * x

    c, ys = lax.scan(f, 0.0, xs)
    _close(c, 10.0)
    _close(ys, [0, 0, 2, 9, 24])
    c, ys = lax.scan(f, 0.0, xs, reverse=True)
    ref_c, ref_ys = 0.0, np.zeros(5)
    for i in reversed(range(5)):
        ref_ys[i] = ref_c * xs[i]
        ref_c += xs[i]
    _close(c, ref_c)
    _close(ys, ref_ys)
    c, ys = lax.scan(lambda c, _: (c * 2, c), 1.0, None, length=4)
    _close(c, 16.0)
    _close(ys, [1, 2, 4, 8])
    c, ys = lax.scan(f, 0.0, np.zeros(0, np.float32))
    assert ys.shape == (0,) and float(c) == 0.0
    c, ys = jtrans.jit(lambda xs: lax.scan(f, 0.0, xs, unroll=2))(xs)
    _close(ys, [0, 0, 2, 9, 24])


def test_scan_pytrees_and_none_ys():
    xs = {"a": np.ones((3, 2), np.float32), "b": np.arange(3.0, dtype=np.float32)}

    def f(c, x):
        return (c[0] + x["a"], c[1] * 2), None

    (a, b), ys = lax.scan(f, (jnp.zeros(2), 1.0), xs)
    assert ys is None
    _close(a, [3, 3])
    _close(b, 8.0)


def test_scan_carry_type_error():
    with pytest.raises(TypeError) as e:
        lax.scan(lambda c, x: (c + x, x), jnp.int32(0), np.ones(3, np.float32))
    msg = str(e.value)
    assert "int32[]" in msg and "float32[]" in msg and "carry" in msg
    with pytest.raises(TypeError, match="structure"):
        lax.scan(lambda c, x: ((c, c), x), 0.0, np.ones(3, np.float32))
    with pytest.raises(TypeError) as e:
        lax.scan(lambda c, x: ({"h": c["h"].sum()}, x), {"h": jnp.ones(2)}, np.ones(3))
    assert "carry['h']" in str(e.value)


def test_weak_carry_takes_the_body_dtype():
    # as in JAX: a weakly typed init (Python scalar) may change dtype in the body
    c, ys = lax.scan(lambda c, x: (c + x, c), 0, np.ones(3, np.float32))
    assert c.dtype == np.float32 and not c.weak_type and float(c) == 3.0
    np.testing.assert_allclose(ys, [0, 1, 2])
    out = lax.while_loop(lambda c: c < 3, lambda c: c + jnp.float32(1.5), 0)
    assert out.dtype == np.float32 and float(out) == 3.0
    g = jtrans.grad(lambda a: lax.scan(lambda c, x: (c + x * a, None), 0, jnp.arange(3.0))[0])
    assert float(g(2.0)) == 3.0


def test_fori_loop_python_bounds_weak_index():
    # JAX: Python int bounds give a weak loop index, so a weak carry stays weak
    out = lax.fori_loop(0, 3, lambda i, c: c + i, 0)
    assert int(out) == 3 and out.dtype == np.int32 and out.weak_type
    out = lax.fori_loop(0, 3, lambda i, c: c + i, jnp.int32(0))
    assert not out.weak_type
    out = lax.fori_loop(jnp.int32(0), 3, lambda i, c: c + i, 0)
    assert int(out) == 3 and not out.weak_type


def test_scan_weak_carry_promoted():
    c, _ = lax.scan(lambda c, x: (c + x, None), 0.0, np.ones(3, np.float32))
    assert c.dtype == np.float32 and not c.weak_type


def _rnn_params(rng, h, dtype):
    return {
        "W": (rng.normal(size=(h, h)) / np.sqrt(h)).astype(dtype),
        "U": rng.normal(size=(h, 3)).astype(dtype),
        "b": (0.1 * rng.normal(size=h)).astype(dtype),
    }


def _rnn_loss_scan(p, xs):
    def step(h, x):
        h = jnp.tanh(p["W"] @ h + p["U"] @ x + p["b"])
        return h, jnp.sum(h**2)

    h, ys = lax.scan(step, jnp.zeros(p["b"].shape, p["b"].dtype), xs)
    return jnp.sum(ys) + jnp.sum(h)


def _rnn_loss_unrolled(p, xs):
    h = jnp.zeros(p["b"].shape, p["b"].dtype)
    total = 0.0
    for t in range(xs.shape[0]):
        h = jnp.tanh(p["W"] @ h + p["U"] @ xs[t] + p["b"])
        total = total + jnp.sum(h**2)
    return total + jnp.sum(h)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rnn_scan_grad_matches_unrolled(dtype):
    prev = jtrans.config.read("jax_enable_x64")
    jtrans.config.update("jax_enable_x64", dtype == "float64")
    try:
        rng = np.random.default_rng(0)
        p = _rnn_params(rng, 8, dtype)
        xs = rng.normal(size=(200, 3)).astype(dtype)
        g_scan = jtrans.jit(jtrans.grad(_rnn_loss_scan))(p, xs)
        g_unr = jtrans.grad(_rnn_loss_unrolled)(p, xs)
        tol = 1e-5 if dtype == "float32" else 1e-10
        for k in p:
            assert g_scan[k].dtype == np.dtype(dtype)
            np.testing.assert_allclose(g_scan[k], g_unr[k], rtol=tol, atol=tol)
        _close(jtrans.jit(_rnn_loss_scan)(p, xs), _rnn_loss_unrolled(p, xs), tol * 10)
    finally:
        jtrans.config.update("jax_enable_x64", prev)


def test_rnn_jaxpr_size_and_trace_time_constant_in_length():
    rng = np.random.default_rng(1)
    p = _rnn_params(rng, 4, np.float32)
    sizes, times = [], []
    for n in (10, 1000):
        xs = np.zeros((n, 3), np.float32)
        t0 = time.perf_counter()
        jaxpr = jtrans.make_jaxpr(jtrans.grad(_rnn_loss_scan))(p, xs)
        times.append(time.perf_counter() - t0)
        sizes.append(_count_eqns(jaxpr.jaxpr))
        fwd = _count_eqns(jtrans.make_jaxpr(_rnn_loss_scan)(p, xs).jaxpr)
        sizes.append(fwd)
        t0 = time.perf_counter()
        jtrans.jit(jtrans.grad(_rnn_loss_scan)).lower(p, xs)
        times.append(time.perf_counter() - t0)
    assert sizes[0] == sizes[2] and sizes[1] == sizes[3], sizes
    # tracing (what a compile costs before the compiler) must not scale with the length
    assert times[2] < 5 * times[0] + 0.5 and times[3] < 5 * times[1] + 0.5, times


def test_scan_check_grads(x64):
    rng = np.random.default_rng(2)

    def f(w, c0, xs):
        def step(c, x):
            c = jnp.sin(c * w) + x[0] * c - x[1]
            return c, c * x[1]

        c, ys = lax.scan(step, c0, xs)
        return c, ys

    w, c0 = rng.normal(size=2), rng.normal(size=2)
    xs = rng.normal(size=(5, 2, 2))
    check_grads(f, (w, c0, xs), order=2)
    check_grads(lambda w, c0, xs: lax.scan(lambda c, x: (c * w + x, c), c0, xs, reverse=True),
                (w, c0, xs[:, 0]), order=2)  # fmt: skip


def test_scan_vmap():
    rng = np.random.default_rng(3)
    ws = rng.normal(size=(4, 2)).astype(np.float32)
    xs = rng.normal(size=(4, 6, 2)).astype(np.float32)

    def f(w, xs):
        return lax.scan(lambda c, x: (jnp.tanh(c * w + x), c.sum()), jnp.zeros(2), xs)

    for in_axes, args in [((0, 0), (ws, xs)), ((None, 0), (ws[0], xs)), ((0, None), (ws, xs[0])),
                          ((1, 2), (ws.T, np.moveaxis(xs, 0, 2)))]:  # fmt: skip
        out = jtrans.vmap(f, in_axes=in_axes)(*args)
        for i in range(4):
            wi = ws[0] if in_axes[0] is None else ws[i]
            xi = xs[0] if in_axes[1] is None else xs[i]
            ref = f(wi, xi)
            _close(out[0][i], ref[0], 1e-5)
            _close(out[1][i], ref[1], 1e-5)


def test_scan_vmap_grad_and_grad_vmap(x64):
    rng = np.random.default_rng(4)
    ws, xs = rng.normal(size=(3, 2)), rng.normal(size=(5, 2))

    def loss(w):
        c, ys = lax.scan(lambda c, x: (jnp.sin(c * w + x), c), jnp.ones(2), xs)
        return jnp.sum(c) + jnp.sum(ys**2)

    g = jtrans.vmap(jtrans.grad(loss))(ws)
    _close(g, np.stack([jtrans.grad(loss)(w) for w in ws]), 1e-12)
    g = jtrans.grad(lambda ws: jnp.sum(jtrans.vmap(loss)(ws)))(ws)
    _close(g, np.stack([jtrans.grad(loss)(w) for w in ws]), 1e-12)


def test_map():
    xs = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    _close(lax.map(lambda x: x.sum() * 2, xs), xs.sum(1) * 2)
    out = lax.map(lambda d: {"s": d[0] + d[1]}, (xs, xs))
    _close(out["s"], 2 * xs)
    _close(jtrans.jit(lambda xs: lax.map(jnp.sin, xs))(xs), np.sin(xs))


def test_fori_loop_static_is_scan_and_reverse_differentiable(x64):
    def f(x):
        return lax.fori_loop(0, 5, lambda i, c: c * x + i, jnp.ones_like(x))

    x = np.array([0.5, -1.2])
    ref = np.ones(2)
    for i in range(5):
        ref = ref * x + i
    _close(f(x), ref, 1e-12)
    assert "scan" in str(jtrans.make_jaxpr(f)(x))
    check_grads(f, (x,), order=2)
    _close(jtrans.jit(f)(x), ref, 1e-12)
    assert float(lax.fori_loop(3, 1, lambda i, c: c + 1.0, 0.0)) == 0.0


def test_fori_loop_traced_bounds_is_while():
    f = jtrans.jit(lambda n, x: lax.fori_loop(0, n, lambda i, c: c + i * x, 0.0))
    _close(f(4, 2.0), 12.0)
    assert "while" in str(
        jtrans.make_jaxpr(lambda n: lax.fori_loop(0, n, lambda i, c: c + i, 0))(3)
    )
    out = jtrans.vmap(lambda n: lax.fori_loop(0, n, lambda i, c: c + i, 0))(np.array([1, 3, 5]))
    _close(out, [0, 3, 10])


# ---------------------------------------------------------------------------------------------
# while_loop


def _newton_sqrt(a, max_steps=None):
    def cond(c):
        i, x = c
        return (jnp.max(jnp.abs(x * x - a) / a) > 1e-7) & (i < 100)

    def body(c):
        i, x = c
        return i + 1, 0.5 * (x + a / x)

    return lax.while_loop(cond, body, (0, a), max_steps=max_steps)[1]


def test_while_newton_eager_jit_vmap():
    a = np.float32(2.0)
    _close(_newton_sqrt(a), np.sqrt(2.0), 1e-6)
    _close(jtrans.jit(_newton_sqrt)(a), np.sqrt(2.0), 1e-6)
    starts = np.linspace(0.01, 1000.0, 1000).astype(np.float32)
    out = jtrans.vmap(_newton_sqrt)(starts)
    _close(out, np.sqrt(starts), 1e-5)
    out = jtrans.jit(jtrans.vmap(_newton_sqrt))(starts)
    _close(out, np.sqrt(starts), 1e-5)
    text = str(jtrans.make_jaxpr(jtrans.vmap(_newton_sqrt))(starts))
    assert "while[" in text and "reduce_max" in text


def test_while_vmap_lanes_keep_their_values():
    # lanes finish after different numbers of steps; finished lanes must not change
    f = lambda n: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2), (0, 1))
    out = jtrans.vmap(f)(np.array([0, 1, 5, 3], np.int32))
    _close(out[0], [0, 1, 5, 3])
    _close(out[1], [1, 2, 32, 8])
    # unbatched predicate, batched carry
    g = lambda x: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * x), (0, 1.0))
    _close(jtrans.vmap(g)(np.array([1.0, 2.0], np.float32))[1], [1.0, 8.0])


def test_while_forward_mode_without_bound(x64):
    a = np.array([2.0, 9.0])
    _, t = jtrans.jvp(_newton_sqrt, (a,), (np.ones(2),))
    _close(t, 0.5 / np.sqrt(a), 1e-6)
    jac = jtrans.jacfwd(_newton_sqrt)(a)
    _close(jac, np.diag(0.5 / np.sqrt(a)), 1e-6)
    check_grads(_newton_sqrt, (a,), order=2, modes=("fwd",))


def test_while_reverse_mode_without_bound_raises():
    with pytest.raises(ValueError, match="max_steps"):
        jtrans.grad(lambda a: _newton_sqrt(a).sum())(np.array([2.0, 3.0], np.float32))


def test_while_max_steps_reverse_mode(x64):
    a = np.array([2.0, 9.0, 0.5])
    f = lambda a: _newton_sqrt(a, max_steps=60)
    _close(f(a), np.sqrt(a), 1e-6)
    g = jtrans.grad(lambda a: jnp.sum(f(a)))(a)
    _close(g, 0.5 / np.sqrt(a), 1e-6)
    check_grads(f, (a,), order=2)
    g = jtrans.jit(jtrans.grad(lambda a: jnp.sum(f(a))))(a)
    _close(g, 0.5 / np.sqrt(a), 1e-6)
    g = jtrans.vmap(jtrans.grad(lambda a: f(a)))(np.array([2.0, 9.0]))
    _close(g, 0.5 / np.sqrt([2.0, 9.0]), 1e-6)


def test_while_max_steps_bounds_iterations():
    f = lambda n: lax.while_loop(lambda c: c < 100, lambda c: c + 1, 0, max_steps=n)
    assert int(f(7)) == 7 and int(f(500)) == 100
    assert int(jtrans.jit(lambda: f(7))()) == 7


def test_while_closure_consts(x64):
    def f(x, y):
        def body(c):
            i, v = c
            return i + 1, jnp.sin(v * x) + y

        return lax.while_loop(lambda c: c[0] < 4, body, (0, x), max_steps=4)[1]

    x, y = np.array([0.3, 0.8]), np.array([0.1, -0.2])
    check_grads(f, (x, y), order=1)


def test_while_errors():
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1, 0.0)
    with pytest.raises(TypeError) as e:
        lax.while_loop(lambda c: c < 3, lambda c: c + 0.5, jnp.int32(0))
    assert "int32[]" in str(e.value) and "float32[]" in str(e.value)


# ---------------------------------------------------------------------------------------------
# Python control flow on traced values


def test_python_if_under_jit_raises_concretization_error():
    def f(x):
        if x > 0:  # the line the error must point at
            return x
        return -x

    with pytest.raises(ConcretizationTypeError) as e:
        jtrans.jit(f)(1.0)
    msg = str(e.value)
    assert "lax.cond" in msg and "while_loop" in msg
    assert re.search(r"test_control_flow\.py:\d+ \(f\)", msg)
    with pytest.raises(ConcretizationTypeError) as e:
        jtrans.vmap(f)(np.ones(3))
    assert "lax.cond" in str(e.value) and "test_control_flow.py" in str(e.value)


def test_python_while_under_jit_raises():
    def f(x):
        while x < 10:
            x = x * 2
        return x

    with pytest.raises(ConcretizationTypeError, match="lax.cond"):
        jtrans.jit(f)(1.0)


# ---------------------------------------------------------------------------------------------
# DCE rules (used_inputs are reported against the equation's original invars)


def _run_replaced(closed, old, new, outs, *args):
    """Evaluates `closed` with equation `old` replaced by `new`, returning outputs `outs`."""
    j = closed.jaxpr
    eqns = [new if e is old else e for e in j.eqns]
    jaxpr = jtrans.core.Jaxpr(j.constvars, j.invars, [j.outvars[i] for i in outs], eqns)
    jtrans.core.typecheck_jaxpr(jaxpr)
    return jtrans.core.eval_jaxpr(jaxpr, closed.consts, *args)


def test_scan_dce_rule():
    from jtrans.lax import control_flow as cf

    def f(xs, y, z):
        def step(c, x):
            a, b = c
            return (a + x, b * y), x * z

        (a, b), ys = lax.scan(step, (0.0, jnp.float32(1.0)), xs)
        return a, b, ys

    xs, y, z = np.arange(4.0, dtype=np.float32), np.float32(2.0), np.float32(3.0)
    closed = jtrans.make_jaxpr(f)(xs, y, z)
    (eqn,) = [e for e in closed.jaxpr.eqns if e.prim is cf.scan_p]
    used_in, new = cf._scan_dce([True, False, False], eqn)
    assert len(used_in) == len(eqn.invars)
    assert new.params["num_carry"] == 1 and len(new.outvars) == 1
    kept = {v for v, u in zip(eqn.invars, used_in) if u}
    assert set(closed.jaxpr.invars) & kept == {closed.jaxpr.invars[0]}  # y, z are not read
    _close(_run_replaced(closed, eqn, new, [0], xs, y, z)[0], xs.sum())
    used_in, new = cf._scan_dce([False, False, True], eqn)
    assert new.params["num_carry"] == 0
    _close(_run_replaced(closed, eqn, new, [2], xs, y, z)[0], xs * z)


def test_cond_dce_rule():
    from jtrans.lax import control_flow as cf

    def f(p, x, y):
        return lax.cond(p, lambda x, y: (x * 2, y + 1), lambda x, y: (x - 1, y * y), x, y)

    closed = jtrans.make_jaxpr(f)(True, np.float32(1.0), np.float32(5.0))
    (eqn,) = [e for e in closed.jaxpr.eqns if e.prim is cf.cond_p]
    used_in, new = cf._cond_dce([True, False], eqn)
    assert used_in[0] and len(used_in) == len(eqn.invars)
    assert sum(used_in) == 2 and len(new.outvars) == 1
    args = (True, np.float32(1.0), np.float32(5.0))
    _close(_run_replaced(closed, eqn, new, [0], *args)[0], 2.0)
    used_in, new = cf._cond_dce([False, True], eqn)
    _close(_run_replaced(closed, eqn, new, [1], *args)[0], 6.0)


def _typecheck_all(jaxpr):
    jtrans.core.typecheck_jaxpr(jaxpr)
    for eqn in jaxpr.eqns:
        for sub in jtrans.core.subjaxprs(eqn):
            _typecheck_all(sub.jaxpr)


def test_transformed_jaxprs_typecheck():
    x = np.array([0.3, -0.5], np.float32)
    xs = np.ones((4, 2), np.float32)
    fns = [
        lambda x: jnp.sum(_f_cond(x, x)),
        lambda x: jnp.sum(lax.switch(1, [jnp.sin, jnp.cos, jnp.exp], x)),
        lambda x: jnp.sum(lax.scan(lambda c, z: (jnp.sin(c * z), c), x, xs)[1]),
        lambda x: jnp.sum(_newton_sqrt(x * x + 1.0, max_steps=30)),
        lambda x: jnp.sum(lax.fori_loop(0, 3, lambda i, c: c * x, x)),
    ]
    for f in fns:
        for g, arg in [(f, x), (jtrans.grad(f), x), (jtrans.jacfwd(f), x),
                       (jtrans.vmap(jtrans.grad(f)), np.stack([x, 2 * x]))]:  # fmt: skip
            _typecheck_all(jtrans.make_jaxpr(g)(arg).jaxpr)
