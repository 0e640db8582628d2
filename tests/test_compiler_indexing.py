"""Indexing under jit compiles natively (jtrans/lowering/indexing.py): dynamic_slice,
dynamic_update_slice and gather as fused index maps; scatter, cumulative reductions and
argmax/argmin as native steps. Each agrees with eager evaluation (clamping and dropping out of
bounds indices as the impls do), and the kernels text shows no call-out for them."""

import numpy as np
import pytest

import jtrans
import jtrans.lowering  # (registers the compiler)
import jtrans.numpy as jnp
from jtrans import lax

RNG = np.random.RandomState(0)


def f32(*shape):
    return np.asarray(RNG.randn(*shape), np.float32)


def _close(a, b, tol=1e-5):
    la, ta = jtrans.tree_util.tree_flatten(a)
    lb, tb = jtrans.tree_util.tree_flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape, (x.dtype, y.dtype, x.shape, y.shape)
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def _check(f, *args, prims=(), tol=1e-5):
    """jit(f) equals f, and the compiled program calls out for none of `prims`."""
    args = [jnp.asarray(a) for a in args]
    _close(jtrans.jit(f)(*args), f(*args), tol)
    text = jtrans.jit(f).lower(*args).as_text("kernels")
    for p in prims:
        assert f"callout {p} " not in text, text
    return text


# ---------------------------------------------------------------------------------------------
# dynamic_slice / dynamic_update_slice


@pytest.mark.parametrize("start", [0, 2, 5, -1, -3, 100, -100])
def test_dynamic_slice_clamps(start):
    x = f32(7, 5)

    def f(x, i):
        return lax.dynamic_slice(x, (i, 1), (3, 4)) * 2.0

    _check(f, x, np.int32(start), prims=["dynamic_slice"])


def test_dynamic_slice_shapes():
    _check(lambda x, i: lax.dynamic_slice(x, (i,), (0,)), f32(4), np.int32(2),
           prims=["dynamic_slice"])  # fmt: skip
    _check(lambda x, i: lax.dynamic_slice(x, (i, i), (2, 0)), f32(3, 0), np.int32(1),
           prims=["dynamic_slice"])  # fmt: skip
    _check(lambda x, i: lax.dynamic_slice(x, (i,), (6,)), f32(6), np.int32(3),
           prims=["dynamic_slice"])  # fmt: skip
    _check(lambda x: lax.dynamic_slice(x, (), ()), f32(), prims=["dynamic_slice"])
    # unsigned and 64-bit-valued indices
    _check(lambda x, i: lax.dynamic_index_in_dim(x, i, 0, False), f32(5, 2), np.uint8(9),
           prims=["dynamic_slice"])  # fmt: skip


@pytest.mark.parametrize("start", [0, 3, -1, 50, -50])
def test_dynamic_update_slice_clamps(start):
    x, u = f32(6, 4), f32(2, 4)

    def f(x, u, i):
        return lax.dynamic_update_slice(x + 1.0, u * 3.0, (i, 0))

    _check(f, x, u, np.int32(start), prims=["dynamic_update_slice"])


def test_dynamic_update_slice_shapes():
    p = ["dynamic_update_slice"]
    _check(lambda x, u, i: lax.dynamic_update_slice(x, u, (i,)), f32(5), f32(0), np.int32(2),
           prims=p)  # fmt: skip
    _check(lambda x, u, i: lax.dynamic_update_slice(x, u, (i,)), f32(5), f32(5), np.int32(2),
           prims=p)  # fmt: skip
    _check(lambda x, u, i, j: lax.dynamic_update_slice(x, u, (i, j)), f32(4, 5), f32(2, 3),
           np.int32(3), np.int32(-7), prims=p)  # fmt: skip


def test_at_set_in_fori_loop():
    def f(x):
        def body(i, buf):
            return buf.at[i].set(buf[i - 1] * 2.0 + x[i])

        return lax.fori_loop(1, 8, body, jnp.zeros(8))

    text = _check(f, f32(8), prims=["dynamic_slice", "dynamic_update_slice"])
    assert "callout" not in text, text


def test_table_lookup_in_fori_loop():
    tab = f32(50)

    def f(tab):
        return lax.fori_loop(0, 50, lambda i, c: c * 0.5 + tab[i], 0.0)

    text = _check(f, tab)
    assert "callout" not in text, text


def test_vmap_dynamic_slice_becomes_gather():
    x, i = f32(4, 9), np.array([0, 3, -2, 8], np.int32)

    def f(x, i):
        return jtrans.vmap(lambda r, k: lax.dynamic_slice(r, (k,), (3,)))(x, i)

    _check(f, x, i, prims=["dynamic_slice", "gather"])


# ---------------------------------------------------------------------------------------------
# gather


def test_take_rows_negative_and_out_of_bounds():
    x = f32(6, 3)
    idx = np.array([0, 5, -1, -6, 2, 2], np.int32)
    _check(lambda x, i: x[i] + 1.0, x, idx, prims=["gather"])
    bad = np.array([7, -9, 100], np.int32)
    _check(lambda x, i: x[i], x, bad, prims=["gather"])


def test_take_modes():
    x = f32(5, 4)
    idx = np.array([[0, 9], [-1, 3]], np.int32)
    for mode in ("clip", "fill", None):
        _check(lambda x, i, m=mode: jnp.take(x, i, axis=1, mode=m), x, idx, prims=["gather"])
    _check(lambda x, i: x.at[i].get(mode="fill", fill_value=-5.0), x, np.array([1, 7], np.int32),
           prims=["gather"])  # fmt: skip
    xi = RNG.randint(-9, 9, (5,)).astype(np.int32)
    _check(lambda x, i: x.at[i].get(mode="fill"), xi, np.array([1, 7, -8], np.int32),
           prims=["gather"])  # fmt: skip


def test_take_along_axis_and_multi_index():
    x = f32(4, 5)
    idx = RNG.randint(0, 5, (4, 3)).astype(np.int32)
    _check(lambda x, i: jnp.take_along_axis(x, i, axis=1), x, idx, prims=["gather"])
    rows = np.array([3, 0, 1], np.int32)
    cols = np.array([4, 4, 0], np.int32)
    _check(lambda x, r, c: x[r, c] * 2.0, x, rows, cols, prims=["gather"])
    _check(lambda x, r: x[1:, r], x, rows, prims=["gather"])
    _check(lambda x: x[:, np.array([1, 1, 0])], x, prims=["gather"])


def test_gather_shapes():
    _check(lambda x, i: x[i], f32(0, 3), np.zeros((0,), np.int32), prims=["gather"])
    _check(lambda x, i: x[i], f32(4, 3), np.zeros((0,), np.int32), prims=["gather"])
    _check(lambda x, i: x[i], f32(4, 0), np.array([1, 2], np.int32), prims=["gather"])
    _check(lambda x, i: x[i], f32(4), np.array(2, np.int32), prims=["gather"])


def test_vmap_gathers():
    x = f32(3, 6)
    idx = RNG.randint(-6, 6, (3, 4)).astype(np.int32)
    # both batched: operand batching dims
    _check(jtrans.vmap(lambda r, i: r[i]), x, idx, prims=["gather"])
    # only the indices batched
    _check(jtrans.vmap(lambda i, r: r[i], (0, None)), idx, x[0], prims=["gather"])
    # only the operand batched
    _check(jtrans.vmap(lambda r, i: r[i], (0, None)), x, idx[0], prims=["gather"])


def test_gather_fuses_with_consumers():
    x, idx = f32(10, 4), np.array([1, 3, 3], np.int32)
    text = _check(lambda x, i: jnp.tanh(x[i]).sum(), x, idx)
    assert "callout" not in text and text.count("kernel ") == 1, text


# ---------------------------------------------------------------------------------------------
# scatter


SCATTERS = ["scatter", "scatter-add", "scatter-mul", "scatter-min", "scatter-max"]


def test_at_updates_repeated_negative_and_dropped():
    x = f32(6, 3)
    idx = np.array([0, 5, -1, 2, 2, 9, -9], np.int32)
    u = f32(7, 3)
    for how in ("add", "mul", "min", "max", "set"):
        _check(lambda x, i, u, h=how: getattr(x.at[i], h)(u * 2.0), x, idx, u, prims=SCATTERS)
    for mode in ("clip", "drop", "promise_in_bounds"):
        _check(lambda x, i, u, m=mode: x.at[i].add(u, mode=m), x, idx, u, prims=SCATTERS)
    # a scalar update broadcast over the window, and integer / bool operands
    _check(lambda x, i: x.at[i].add(1.0), x, idx, prims=SCATTERS)
    xi = RNG.randint(-5, 5, (6,)).astype(np.int32)
    _check(lambda x, i: x.at[i].add(3), xi, idx, prims=SCATTERS)
    xb = np.array([True, False, False, True])
    _check(lambda x, i: x.at[i].set(False), xb, np.array([0, 2], np.int32), prims=SCATTERS)
    _check(lambda x, i: x.at[i].max(True), xb, np.array([1, 1], np.int32), prims=SCATTERS)


def test_scatter_shapes_and_forms():
    p = SCATTERS
    _check(lambda x, i, u: x.at[i].add(u), f32(4, 2), np.zeros((0,), np.int32), f32(0, 2),
           prims=p)  # fmt: skip
    _check(lambda x, i, u: x.at[i].add(u), f32(0, 2), np.zeros((0,), np.int32), f32(0, 2),
           prims=p)  # fmt: skip
    _check(lambda x, i: x.at[i].set(7.0), f32(5), np.array(3, np.int32), prims=p)
    x = f32(4, 5)
    rows, cols = np.array([3, 0, 3], np.int32), np.array([4, 4, 4], np.int32)
    _check(lambda x, r, c: x.at[r, c].add(1.0), x, rows, cols, prims=p)
    _check(lambda x, c: x.at[:, c].set(0.0), x, cols, prims=p)
    _check(lambda x, c, u: x.at[1:, c].mul(u), x, cols, f32(3, 3), prims=p)


def test_vmap_scatters():
    x, idx, u = f32(3, 6), RNG.randint(-6, 8, (3, 4)).astype(np.int32), f32(3, 4)
    _check(jtrans.vmap(lambda r, i, v: r.at[i].add(v)), x, idx, u, prims=SCATTERS)
    _check(jtrans.vmap(lambda r, i, v: r.at[i].set(v), (0, None, 0)), x, idx[0], u,
           prims=SCATTERS)  # fmt: skip
    _check(jtrans.vmap(lambda i, r, v: r.at[i].add(v), (0, None, None)), idx, x[0], u[0],
           prims=SCATTERS)  # fmt: skip


def test_grad_of_embedding_lookup():
    emb, w = f32(20, 5), f32(5)
    ids = RNG.randint(-20, 20, (6, 3)).astype(np.int32)

    def loss(emb, ids, w):
        bag = emb[ids].sum(1)
        return jnp.sum(jnp.tanh(bag @ w))

    g = jtrans.grad(loss)
    text = _check(g, emb, ids, w, prims=SCATTERS + ["gather"])
    assert "callout" not in text, text
    # the indexing loss of a dynamic index in a loop
    tab = f32(10)

    def h(tab):
        return lax.fori_loop(0, 10, lambda i, c: c + jnp.sin(tab[(3 * i) % 10]) * c, 1.0)

    text = _check(jtrans.grad(h), tab, tol=1e-4)
    assert "callout" not in text, text


def test_scatter_fuses_its_operands():
    # the zeros and the broadcast update are computed inside the scatter step
    def f(i):
        return jnp.zeros((8, 3)).at[i].add(jnp.ones(3))

    text = _check(f, np.array([1, 1, 7], np.int32), prims=SCATTERS)
    assert "kernel " not in text and "scatter k0" in text, text


# ---------------------------------------------------------------------------------------------
# cumulative reductions and argmax / argmin

CUMS = ["cumsum", "cumprod", "cummax", "cummin"]


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin"])
def test_cumulative(name):
    fn = getattr(lax, name)
    x = f32(3, 5)
    x[1, 2] = np.nan
    for axis in (0, 1):
        for reverse in (False, True):
            _check(lambda x, a=axis, r=reverse: fn(x * 1.5, a, r), x, prims=CUMS)
    xi = RNG.randint(-3, 4, (4, 3)).astype(np.int32)
    _check(lambda x: fn(x, 0), xi, prims=CUMS)
    _check(lambda x: fn(x, 1, True), xi.astype(np.uint8), prims=CUMS)
    _check(lambda x: fn(x, 1), x.astype(np.float16), prims=CUMS, tol=1e-2)
    _check(lambda x: fn(x, 0), f32(0, 3), prims=CUMS)
    _check(lambda x: fn(x, 1), f32(2, 0), prims=CUMS)


def test_cumulative_jnp_and_grad():
    x = f32(4, 6)
    _check(lambda x: jnp.cumsum(jnp.exp(x), axis=1), x, prims=CUMS)
    _check(lambda x: jnp.cumsum(x), x, prims=CUMS)
    _check(lambda x: lax.cummax(x > 0, 1), x, prims=CUMS)
    _check(jtrans.grad(lambda x: jnp.sum(jnp.cumsum(x, 0) ** 2)), x, prims=CUMS)
    _check(jtrans.grad(lambda x: jnp.sum(jnp.cumprod(x, 1))), x, prims=CUMS, tol=1e-4)
    _check(jtrans.vmap(lambda r: jnp.cumsum(r)), x, prims=CUMS)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name):
    fn = getattr(jnp, name)
    x = f32(4, 5)
    _check(lambda x: fn(x, axis=1), x, prims=["argmax", "argmin"])
    _check(lambda x: fn(x * 2.0 + 1.0, axis=0), x, prims=["argmax", "argmin"])
    _check(lambda x: fn(x), x, prims=["argmax", "argmin"])
    # ties: the first; NaN counts as the extremum (its first occurrence)
    t = np.array([[1.0, 3.0, 3.0, -1.0], [np.nan, 2.0, np.nan, 5.0], [0.0, 0.0, 0.0, 0.0]],
                 np.float32)  # fmt: skip
    _check(lambda x: fn(x, axis=1), t, prims=["argmax", "argmin"])
    _check(lambda x: fn(x, axis=1), np.array([[-np.inf, -np.inf], [np.inf, np.inf]], np.float32),
           prims=["argmax", "argmin"])  # fmt: skip
    xi = RNG.randint(-3, 3, (3, 6)).astype(np.int32)
    _check(lambda x: fn(x, axis=1), xi, prims=["argmax", "argmin"])
    _check(lambda x: fn(x, axis=0), xi.astype(np.uint16), prims=["argmax", "argmin"])
    _check(lambda x: fn(x, axis=1), xi > 0, prims=["argmax", "argmin"])
    _check(lambda x: fn(x, axis=1), x.astype(np.float16), prims=["argmax", "argmin"])
    _check(lambda x: fn(x, axis=1), f32(0, 3), prims=["argmax", "argmin"])
    _check(jtrans.vmap(lambda r: fn(r)), x, prims=["argmax", "argmin"])


def test_steps_inside_loop_bodies():
    def f(xs):
        def body(c, x):
            k = jnp.argmax(x + c[0])
            c = c.at[k % 4].add(jnp.cumsum(x)[k])
            return c, jnp.cumprod(x[::-1])

        return lax.scan(body, jnp.zeros(4), xs)

    text = _check(f, f32(6, 4), tol=1e-4)
    assert "callout" not in text, text


# ---------------------------------------------------------------------------------------------
# reduce_window (pooling)

WINDOWS = ["reduce_window_sum", "reduce_window_max", "reduce_window_min"]


@pytest.mark.parametrize(
    "window, strides, padding",
    [((1, 3, 3), (1, 2, 2), "SAME"), ((1, 2, 2), (1, 2, 2), "VALID"),
     ((2, 3, 2), (1, 1, 1), ((0, 1), (1, 2), (2, -1))), ((1, 1, 1), (1, 1, 1), "VALID")],
)  # fmt: skip
def test_reduce_window(window, strides, padding):
    x = f32(2, 7, 6)
    x[0, 3, 3] = np.nan
    for init, op in ((0.0, lax.add), (-jnp.inf, lax.max), (jnp.inf, lax.min)):
        _check(lambda x, i=init, o=op: lax.reduce_window(x * 2.0, i, o, window, strides, padding),
               x, prims=WINDOWS)  # fmt: skip


def test_reduce_window_dilations_dtypes_and_grad():
    x = f32(9, 8)
    _check(lambda x: lax.reduce_window(x, 0.0, lax.add, (2, 3), (2, 1), ((1, 1), (0, 2)),
                                       (2, 1), (1, 2)), x, prims=WINDOWS)  # fmt: skip
    xi = RNG.randint(-9, 9, (5, 6)).astype(np.int32)
    _check(lambda x: lax.reduce_window(x, np.int32(-(2**31)), lax.max, (2, 2), (1, 1), "SAME"),
           xi, prims=WINDOWS)  # fmt: skip
    _check(lambda x: lax.reduce_window(x, 0.0, lax.add, (3, 3), (1, 1), "VALID"), f32(2, 5),
           prims=WINDOWS)  # fmt: skip
    # avg pooling's gradient is a windowed sum of the dilated cotangent

    def avg(x):
        return jnp.sum(jnp.tanh(lax.reduce_window(x, 0.0, lax.add, (2, 2), (2, 2), "SAME")))

    _check(jtrans.grad(avg), f32(5, 7), prims=WINDOWS, tol=1e-4)
