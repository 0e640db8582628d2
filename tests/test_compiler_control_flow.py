"""Control flow under jit compiles to native loops and branches (jtrans/lowering/control.py):
cond/switch/while/fori_loop/scan agree with eager evaluation, nest, call out from inside bodies,
show their structure in the kernels text, and a scan compiles once whatever its length."""

import time

import numpy as np
import pytest

import jtrans
import jtrans.lowering  # (registers the compiler)
import jtrans.numpy as jnp
from jtrans import lax

RNG = np.random.RandomState(0)


def _close(a, b, tol=1e-5):
    la, ta = jtrans.tree_util.tree_flatten(a)
    lb, tb = jtrans.tree_util.tree_flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def _check(f, *args, tol=1e-5, native=True):
    """jit(f) equals f, and (native) the compiled program calls out for no control flow."""
    _close(jtrans.jit(f)(*args), f(*args), tol)
    text = jtrans.jit(f).lower(*args).as_text("kernels")
    if native:
        for prim in ("cond", "while", "scan"):
            assert f"callout {prim} " not in text, text
    return text


def f32(*shape):
    return RNG.randn(*shape).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# cond / switch


def test_cond():
    def f(p, x, y):
        return lax.cond(p > 0, lambda a, b: (jnp.sin(a) * b, a.sum()),
                        lambda a, b: (a - b, jnp.float32(2.0)), x, y)  # fmt: skip

    x, y = f32(3, 4), f32(3, 4)
    for p in (1.0, -1.0):
        text = _check(f, np.float32(p), x, y)
    assert "cond k" in text and "br0(" in text and "br1(" in text


def test_cond_literal_predicate_and_passthrough():
    def f(x):
        a = lax.cond(True, lambda v: v, lambda v: v * 2.0, x)  # an output that is an input
        b = lax.cond(False, lambda v: (v, 1.0), lambda v: (v + 1.0, 3.0), x)  # a literal output
        return a, b

    _check(f, f32(5))


def test_switch_clamps_index():
    branches = [lambda x: x + 1.0, lambda x: x * x, lambda x: jnp.exp(x)]

    def f(i, x):
        return lax.switch(i, branches, x)

    x = f32(4, 3)
    for i in (-3, 0, 1, 2, 7):
        _check(f, np.int32(i), x)


def test_cond_pytree_operands():
    def f(p, d):
        return lax.cond(p, lambda d: {"s": d["a"] @ d["b"], "t": d["a"][0]},
                        lambda d: {"s": d["a"] @ d["b"] * 0.0, "t": -d["a"][1]}, d)  # fmt: skip

    d = {"a": f32(2, 3), "b": f32(3, 4)}
    _check(f, True, d)
    _check(f, False, d)


# ---------------------------------------------------------------------------------------------
# while / fori_loop


def test_while_loop():
    def f(x, n):
        def cond(c):
            i, v = c
            return (i < n) & (jnp.sum(v) < 1e6)

        def body(c):
            i, v = c
            return i + 1, v * 1.5 + 1.0

        return lax.while_loop(cond, body, (0, x))

    x = np.abs(f32(8))
    for n in (0, 1, 2, 7, 100):
        text = _check(f, x, np.int32(n))
    assert "while k" in text and "cond(" in text and "body(" in text


def test_while_max_steps_and_passthrough_carry():
    def f(x):
        return lax.while_loop(lambda c: c[0] < 100.0, lambda c: (c[0] * 2.0, c[1]), (x, x),
                              max_steps=3)  # fmt: skip

    _check(f, np.float32(1.5))


def test_fori_loop_static_and_traced_bounds():
    def f_static(x):
        return lax.fori_loop(0, 5, lambda i, v: v * 0.5 + i, x)

    def f_traced(lo, hi, x):
        return lax.fori_loop(lo, hi, lambda i, v: v + jnp.sin(v) * i.astype(jnp.float32), x)

    _check(f_static, f32(3))
    for lo, hi in ((0, 4), (2, 9), (5, 1)):
        _check(f_traced, np.int32(lo), np.int32(hi), f32(3))


def test_vmap_while_newton_sqrt():
    def newton(a):
        def body(c):
            x, _ = c
            new = 0.5 * (x + a / x)
            return new, jnp.abs(new - x)

        return lax.while_loop(lambda c: c[1] > 1e-6 * a, body, (a + 1.0, a + 1.0))[0]

    a = np.linspace(0.01, 100.0, 1000).astype(np.float32)
    f = jtrans.jit(jtrans.vmap(newton))
    np.testing.assert_allclose(np.asarray(f(a)), np.sqrt(a), rtol=2e-6)
    text = f.lower(a).as_text("kernels")
    assert "while k" in text and "callout while" not in text


# ---------------------------------------------------------------------------------------------
# scan


def test_scan_forward_reverse_consts():
    w = f32(4, 4)

    def f(h0, xs, reverse):
        def cell(h, x):
            h = jnp.tanh(h @ w + x)  # w is a const of the body
            return h, (h.sum(), h * 2.0)

        return lax.scan(cell, h0, xs, reverse=reverse)

    h0, xs = f32(2, 4), f32(7, 2, 4)
    text = _check(lambda h, x: f(h, x, False), h0, xs)
    assert "scan k" in text and "length=7" in text
    text = _check(lambda h, x: f(h, x, True), h0, xs)
    assert "reverse" in text


def test_scan_pytrees_and_literals():
    def f(xs):
        def body(c, x):
            return {"n": c["n"] + 1, "s": c["s"] + x["a"] * x["b"]}, {"a": x["a"], "k": 1.0}

        return lax.scan(body, {"n": 0, "s": jnp.zeros(3)}, xs)

    _check(f, {"a": f32(5, 3), "b": f32(5, 3)})


@pytest.mark.parametrize("length", [0, 1, 2, 3])
def test_scan_short_and_empty(length):
    def f(c, xs):
        return lax.scan(lambda c, x: (c * x + 1.0, c - x), c, xs)

    _check(f, f32(3), f32(length, 3))


def test_scan_length_without_xs_and_map():
    def f(c):
        return lax.scan(lambda c, _: (c * 0.9 + 1.0, c), c, None, length=6)

    _check(f, f32(2, 2))
    _check(lambda xs: lax.map(lambda x: jnp.sum(x * x), xs), f32(6, 3))


def test_nested_scan_and_cond_in_scan():
    def f(xs):
        def outer(c, row):
            inner_c, ys = lax.scan(lambda a, x: (a + x, a * x), c, row)
            c2 = lax.cond(inner_c.sum() > 0, lambda v: v * 0.5, lambda v: -v, inner_c)
            return c2, ys

        return lax.scan(outer, jnp.zeros(2), xs)

    text = _check(f, f32(4, 3, 2))
    assert text.count("scan k") == 2 and "cond k" in text


def test_while_in_scan_and_scan_in_while():
    def f(xs):
        def body(c, x):
            v = lax.while_loop(lambda v: v < 10.0, lambda v: v * 2.0 + jnp.abs(x), c)
            return v - 9.0, v

        return lax.scan(body, jnp.float32(1.0), xs)

    def g(x):
        def body(c):
            i, v = c
            v, _ = lax.scan(lambda a, _: (jnp.sin(a) + 0.1, None), v, None, length=3)
            return i + 1, v

        return lax.while_loop(lambda c: c[0] < 4, body, (0, x))

    _check(f, f32(6))
    _check(g, f32(3))


def test_callout_inside_loop_body():
    # cholesky has no native lowering: it runs as a call-out from inside the native loop
    def spd(x):
        return x @ x.T + 4.0 * jnp.eye(x.shape[0])

    def f(xs):
        return lax.scan(lambda c, x: (c + jnp.linalg.cholesky(spd(x)),
                                      jnp.linalg.cholesky(spd(x * c[0, 0]))),
                        jnp.zeros((4, 4)), xs)  # fmt: skip

    text = _check(f, f32(5, 4, 4))
    assert "callout cholesky" in text

    def g(x):
        return lax.while_loop(lambda v: jnp.linalg.cholesky(v)[0, 0] < 3.0,
                              lambda v: v + jnp.eye(4), x)  # fmt: skip

    _check(g, spd(f32(4, 4)))


def test_callout_error_inside_loop_propagates():
    # a primitive with no native lowering whose impl fails on some data: the error raised inside
    # the native loop reaches the caller, and the executable stays usable
    from jtrans import core
    from jtrans.lax._base import standard_primitive

    def impl(x):
        if np.any(x > 2.0):
            raise ValueError("boom: x > 2")
        return x * 2.0

    boom_p = standard_primitive("test_boom", impl, lambda a: a)
    try:

        def f(xs):
            return lax.scan(lambda c, x: (c + boom_p.bind(x), c), jnp.zeros(3), xs)

        g = jtrans.jit(f)
        ok = np.ones((4, 3), np.float32)
        _close(g(ok), f(ok))
        with pytest.raises(ValueError, match="boom"):
            g(ok * 3.0)
        _close(g(ok), f(ok))
    finally:
        core.all_primitives.remove(boom_p)  # not a real primitive: keep the coverage test clean


def test_transformed_control_flow_under_jit():
    def loop(x):  # a bounded while: reverse-differentiable (a masked scan)
        return lax.while_loop(lambda c: c[0] < 5.0, lambda c: (c[0] + jnp.abs(c[1]).sum(),
                              jnp.sin(c[1]) * 1.1), (0.0, x), max_steps=8)[1].sum()  # fmt: skip

    x = f32(3) + 0.5
    _check(jtrans.grad(loop), x)
    _check(lambda x, t: jtrans.jvp(loop, (x,), (t,)), x, f32(3))
    w = f32(3, 3)

    def seq(h, xs):
        return lax.scan(lambda h, x: (jnp.tanh(w @ h + x), h.sum()), h, xs)

    _check(jtrans.vmap(seq, in_axes=(0, 1)), f32(4, 3), f32(6, 4, 3))
    _check(jtrans.vmap(jtrans.grad(lambda h, xs: seq(h, xs)[0].sum())), f32(4, 3), f32(4, 6, 3))


# ---------------------------------------------------------------------------------------------
# the RNN: jit(grad) through a scan, compiled once whatever the length


def _rnn_params(hidden=32, seed=0):
    r = np.random.RandomState(seed)
    return {"wx": (r.randn(1, hidden) * 0.5).astype(np.float32),
            "wh": (r.randn(hidden, hidden) / np.sqrt(hidden)).astype(np.float32),
            "b": np.zeros(hidden, np.float32),
            "wo": (r.randn(hidden, 1) * 0.3).astype(np.float32)}  # fmt: skip


def _rnn_data(steps, batch=16, seed=1):
    r = np.random.RandomState(seed)
    return r.randn(steps, batch, 1).astype(np.float32), r.randn(steps, batch, 1).astype(np.float32)


def rnn_loss(p, xs, ys):
    def cell(h, x):
        h = jnp.tanh(x @ p["wx"] + h @ p["wh"] + p["b"])
        return h, h @ p["wo"]

    _, out = lax.scan(cell, jnp.zeros((xs.shape[1], p["wh"].shape[0])), xs)
    return jnp.mean((out - ys) ** 2)


def test_rnn_grad_200_steps_matches_eager():
    p = _rnn_params()
    xs, ys = _rnn_data(200)
    g = jtrans.jit(jtrans.grad(rnn_loss))
    _close(g(p, xs, ys), jtrans.grad(rnn_loss)(p, xs, ys), 1e-5)
    text = g.lower(p, xs, ys).as_text("kernels")
    assert "callout" not in text, text
    assert "scan k" in text and "length=200" in text and "length=200 reverse" in text


def test_scan_compiles_once_whatever_the_length(monkeypatch):
    monkeypatch.delenv("JTRANS_CACHE_DIR", raising=False)
    p = _rnn_params()
    grad = jtrans.grad(rnn_loss)
    jtrans.jit(grad)(p, *_rnn_data(3))  # warm up the compiler itself
    firsts, runs, texts = {}, {}, {}
    for steps in (10, 1000):
        xs, ys = _rnn_data(steps)
        firsts[steps] = np.inf
        for _ in range(2):  # the better of two fresh compilations (the machine is shared)
            f = jtrans.jit(grad)
            t0 = time.perf_counter()
            f(p, xs, ys)
            firsts[steps] = min(firsts[steps], time.perf_counter() - t0)
        t0 = time.perf_counter()
        f(p, xs, ys)
        runs[steps] = time.perf_counter() - t0
        texts[steps] = f.lower(p, xs, ys).as_text("kernels")
        n_eqns = len(jtrans.make_jaxpr(grad)(p, xs, ys).jaxpr.eqns)
        text = texts[steps]
        texts[steps] = (len(text.splitlines()), text.count("kernel "), text.count("scan "), n_eqns)
    t0 = time.perf_counter()
    eager = grad(p, *_rnn_data(1000))
    t_eager = time.perf_counter() - t0
    print(f"\njit(grad(rnn)) first call (trace+compile+run): 10 steps {firsts[10]:.3f}s, "
          f"1000 steps {firsts[1000]:.3f}s; run: {runs[10] * 1e3:.2f}ms, "
          f"{runs[1000] * 1e3:.2f}ms; eager 1000 steps {t_eager:.3f}s")  # fmt: skip
    # the same program (kernels, lines, jaxpr equations) whatever the length, hence the same
    # compile work; the times are printed, not asserted (the machines are shared and noisy)
    assert texts[10] == texts[1000]
    _close(jtrans.jit(grad)(p, *_rnn_data(1000)), eager, 1e-5)
