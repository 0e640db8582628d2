"""jnp behaviour that an OpSpec cannot express: vectorize's keyword arguments, pad's errors and
traced arguments, unique with axis/size, histogram string bins, interp's period, take's
'raise' mode, fill_diagonal's wrap, ufunc objects and the other names ported from jax.numpy."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp


def test_vectorize_keywords_are_vectorized():
    f = jnp.vectorize(lambda x, y=1.0: x * y)
    out = f(np.arange(3.0), y=np.arange(3.0)[:, None])
    np.testing.assert_allclose(out, np.arange(3.0) * np.arange(3.0)[:, None])
    g = jnp.vectorize(lambda x, y: x.sum() * y, signature="(n),()->()")
    np.testing.assert_allclose(g(np.ones((2, 3)), y=np.arange(2.0)), [0.0, 3.0])
    h = jnp.vectorize(lambda x, p, y=None: x * p if y is None else x * y, excluded={1})
    np.testing.assert_allclose(h(np.arange(3.0), 2.0, y=None), [0.0, 2.0, 4.0])
    k = jnp.vectorize(lambda x, scale: x * scale, excluded={"scale"})
    np.testing.assert_allclose(k(np.arange(3.0), scale=2.0), [0.0, 2.0, 4.0])
    with pytest.raises(TypeError, match="wrong number of arguments"):
        g(np.ones((2, 3)))
    with pytest.raises(ValueError, match="cannot pass None"):
        jnp.vectorize(lambda x: x, signature="(n)->(n)")(None)
    # under jit and grad
    fj = jtrans.jit(lambda x, y: f(x, y=y))
    np.testing.assert_allclose(fj(np.arange(3.0), np.ones(3)), np.arange(3.0))
    gr = jtrans.grad(lambda y: f(np.arange(3.0), y=y).sum())(np.ones(3))
    np.testing.assert_allclose(gr, np.arange(3.0))


@pytest.mark.parametrize(
    "mode",
    ["maximum", "minimum", "mean", "median", "linear_ramp", "reflect", "symmetric", "edge", "wrap"],
)
def test_pad_modes_match_numpy_int(mode):
    a = (np.arange(12).reshape(3, 4) * 7 % 11 - 5).astype(np.int32)
    np.testing.assert_array_equal(
        jnp.pad(a, ((2, 5), (1, 3)), mode), np.pad(a, ((2, 5), (1, 3)), mode)
    )
    if mode in ("reflect", "symmetric"):
        kw = dict(reflect_type="odd")
        np.testing.assert_array_equal(jnp.pad(a, 9, mode, **kw), np.pad(a, 9, mode, **kw))


def test_pad_errors_and_traced_end_values():
    a = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="stat_length of 0"):
        jnp.pad(a, 1, "maximum", stat_length=0)
    with pytest.raises(ValueError, match="empty axis"):
        jnp.pad(np.zeros((0, 2)), 1, "mean")
    with pytest.raises(ValueError, match="unsupported keyword"):
        jnp.pad(a, 1, "edge", stat_length=2)
    with pytest.raises(ValueError, match="reflect_type"):
        jnp.pad(a, 1, "reflect", reflect_type="bad")
    with pytest.raises(ValueError, match="mode"):
        jnp.pad(a, 1, "nope")
    f = jtrans.jit(lambda x, e: jnp.pad(x, 2, "linear_ramp", end_values=e))
    np.testing.assert_allclose(f(a, 3.0), np.pad(a, 2, "linear_ramp", end_values=3.0), rtol=1e-6)
    g = jtrans.grad(lambda e: jnp.pad(a, 2, "linear_ramp", end_values=e).sum())(1.0)
    assert float(g) == pytest.approx(
        np.pad(np.zeros((2, 3)), 2, "linear_ramp", end_values=1.0).sum()
    )
    np.testing.assert_array_equal(jnp.pad(a, 1, "empty"), np.pad(a, 1))


def test_unique_axis_size_fill_value():
    a = np.array([[1, 0, 2], [3, 1, 0], [1, 0, 2], [0, 5, 5]], np.float32)
    vals, idx, inv, cnt = jnp.unique(a, True, True, True, axis=0)
    ev, ei, einv, ec = np.unique(a, True, True, True, axis=0)
    for x, y in ((vals, ev), (idx, ei), (inv, einv), (cnt, ec)):
        np.testing.assert_array_equal(x, y)
    f = jtrans.jit(lambda x: jnp.unique(x, True, True, True, axis=1, size=4, fill_value=-1))
    vals, idx, inv, cnt = f(a)
    np.testing.assert_array_equal(vals[:, :3], np.unique(a, axis=1))
    np.testing.assert_array_equal(vals[:, 3], -1)
    np.testing.assert_array_equal(idx, [1, 0, 2, 1])  # padded with the first index
    np.testing.assert_array_equal(cnt, [1, 1, 1, 0])
    np.testing.assert_array_equal(inv, [1, 0, 2])
    # default fill: the first unique slice; NaN rows are equal (as JAX)
    b = np.array([[1, np.nan], [1, np.nan], [0, 0]], np.float32)
    np.testing.assert_array_equal(jnp.unique(b, axis=0, size=3), [[0, 0], [1, np.nan], [0, 0]])
    # differentiable in the values
    g = jtrans.grad(lambda x: jnp.unique(x, axis=0, size=3).sum())(a)
    np.testing.assert_array_equal(g, [[1, 1, 1], [1, 1, 1], [0, 0, 0], [1, 1, 1]])
    with pytest.raises(Exception, match="size="):
        jtrans.jit(lambda x: jnp.unique(x, axis=0))(a)


@pytest.mark.parametrize(
    "bins", ["auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt"]
)
def test_histogram_string_bins(bins):
    x = np.random.default_rng(0).normal(size=200).astype(np.float32)
    for rng in (None, (-1.0, 2.0)):
        h, e = jnp.histogram(x, bins, range=rng)
        hn, en = np.histogram(x, bins, range=rng)
        np.testing.assert_array_equal(h, hn)
        np.testing.assert_allclose(e, en, atol=1e-5)
        np.testing.assert_allclose(jnp.histogram_bin_edges(x, bins, rng), en, atol=1e-5)
    h2, ex, ey = jnp.histogram2d(x, x[::-1], bins)
    n = len(np.histogram_bin_edges(x, bins)) - 1
    assert h2.shape == (n, n) and float(h2.sum()) == 200


def test_histogram_string_bins_errors():
    x = np.arange(10.0)
    with pytest.raises(jtrans.errors.ConcretizationTypeError, match="bins='auto'"):
        jtrans.jit(lambda x: jnp.histogram(x, "auto"))(x)
    with pytest.raises(TypeError, match="weighted"):
        jnp.histogram(x, "auto", weights=x)
    with pytest.raises(ValueError):
        jnp.histogram(x, "nope")


def test_take_raise_mode():
    a = np.arange(5.0)
    np.testing.assert_array_equal(jnp.take(a, np.array([-1, 2]), mode="raise"), [4.0, 2.0])
    with pytest.raises(IndexError, match="out of bounds"):
        jnp.take(a, np.array([5]), mode="raise")
    with pytest.raises(IndexError):
        jnp.take(a, -6, mode="raise")
    with pytest.raises(NotImplementedError, match="concrete indices"):
        jtrans.jit(lambda i: jnp.take(a, i, mode="raise"))(np.array([1]))
    g = jtrans.grad(lambda x: jnp.take(x, np.array([1, 1]), mode="raise").sum())(a)
    np.testing.assert_array_equal(g, [0, 2, 0, 0, 0])


def test_interp_period_and_fill_diagonal_wrap():
    x = np.linspace(-400, 400, 9).astype(np.float32)
    xp = np.array([190, -190, 350, -350], np.float32)
    fp = np.array([5, 10, 3, 4], np.float32)
    np.testing.assert_allclose(
        jnp.interp(x, xp, fp, period=-360), np.interp(x, xp, fp, period=-360), rtol=1e-5
    )
    f = jtrans.jit(lambda x, p: jnp.interp(x, xp, fp, period=p))
    np.testing.assert_allclose(f(x, 360.0), np.interp(x, xp, fp, period=360), rtol=1e-5)
    with pytest.raises(ValueError, match="non-zero"):
        jnp.interp(x, xp, fp, period=0)
    with pytest.raises(ValueError, match="scalar"):
        jnp.interp(x, xp, fp, period=np.ones(2))
    for shape in [(5, 3), (7, 3), (8, 3), (3, 5), (2, 2, 2)]:
        want = np.zeros(shape)
        np.fill_diagonal(want, [1, 2, 3, 4], wrap=True)
        got = jnp.fill_diagonal(np.zeros(shape), np.array([1.0, 2, 3, 4]), wrap=True, inplace=False)
        np.testing.assert_array_equal(got, want)


def test_ufunc_objects():
    assert isinstance(jnp.add, jnp.ufunc) and repr(jnp.add) == "<jnp.ufunc 'add'>"
    assert (jnp.add.nin, jnp.add.nout, jnp.add.identity) == (2, 1, 0)
    assert jnp.negative.nin == 1 and jnp.maximum.identity is None
    assert jnp.logaddexp.identity == -np.inf and jnp.add == jnp.add and hash(jnp.add)
    x = jnp.arange(4.0)
    np.testing.assert_array_equal(-x, [0.0, -1.0, -2.0, -3.0])  # Array.__neg__ is jnp.negative
    np.testing.assert_array_equal(x.__neg__(), -np.arange(4.0))
    assert float(jnp.add(1.0, 2.0)) == 3.0
    np.testing.assert_array_equal(jtrans.jit(jnp.multiply)(x, 2.0), 2 * np.arange(4.0))
    # a ufunc as a static argument
    f = jtrans.jit(lambda u, x: u.reduce(x), static_argnums=0)
    assert float(f(jnp.add, x)) == 6.0 and float(f(jnp.maximum, x)) == 3.0
    with pytest.raises(NotImplementedError, match="out"):
        jnp.add(x, x, out=x)
    with pytest.raises(NotImplementedError, match="inplace=False"):
        jnp.add.at(x, 0, 1.0)
    with pytest.raises(ValueError, match="binary"):
        jnp.negative.reduce(x)
    with pytest.raises(ValueError, match="identity"):
        jnp.maximum.reduce(np.zeros((0,)))
    with pytest.raises(ValueError, match="initial"):
        jnp.maximum.reduce(x, where=np.array([True, False, True, True]))
    # dtypes as JAX: reduce promotes small ints like sum, accumulate keeps them
    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    assert jnp.add.reduce(a).dtype == np.int32 and jnp.add.accumulate(a).dtype == np.int8
    assert jnp.maximum.reduce(a).dtype == np.int8 and jnp.logaddexp.reduce(a).dtype == np.float32


def test_frompyfunc():
    u = jnp.frompyfunc(lambda a, b: jnp.where(a > b, a - b, b - a), 2, 1, identity=0)
    x, y = np.array([3.0, 1.0, 4.0]), np.array([1.0, 5.0, 9.0])
    np.testing.assert_allclose(u(x, y), np.abs(x - y))
    np.testing.assert_allclose(u.outer(x, y), np.abs(x[:, None] - y[None]))
    r = 0.0
    for v in x:
        r = abs(r - v)
    np.testing.assert_allclose(u.reduce(x), r)
    np.testing.assert_allclose(u.accumulate(x), [3.0, 2.0, 2.0])
    np.testing.assert_allclose(u.at(x, np.array([0, 0]), 1.0, inplace=False), [1.0, 1.0, 4.0])
    np.testing.assert_allclose(u.reduceat(x, np.array([0, 2])), [2.0, 4.0])
    g = jtrans.grad(lambda x: u.reduce(x))(x)
    np.testing.assert_allclose(g, [-1.0, 1.0, 1.0])
    np.testing.assert_allclose(jtrans.vmap(u.reduce)(np.stack([x, y])), [r, 5.0])
    two = jnp.frompyfunc(lambda a: (a + 1, a - 1), 1, 2)
    p, m = two(x)
    np.testing.assert_allclose(p, x + 1) and np.testing.assert_allclose(m, x - 1)


def test_index_tricks():
    np.testing.assert_array_equal(jnp.mgrid[0:3, 1:5:2], np.mgrid[0:3, 1:5:2])
    np.testing.assert_allclose(jnp.mgrid[-1:1:5j], np.mgrid[-1:1:5j])
    assert jnp.mgrid[0:4].dtype == np.int32 and jnp.mgrid[0:2.5:0.5].dtype == np.float32
    for got, want in zip(jnp.ogrid[0:3, -1:1:4j], np.ogrid[0:3, -1:1:4j]):
        np.testing.assert_allclose(got, want, rtol=1e-6)
        assert got.dtype == np.float32
    np.testing.assert_array_equal(jnp.r_[1:4, 0, np.array([7, 8])], np.r_[1:4, 0, np.array([7, 8])])
    np.testing.assert_array_equal(jnp.r_["0,2", [1, 2], [3, 4]], np.r_["0,2", [1, 2], [3, 4]])
    np.testing.assert_array_equal(jnp.r_["1,2,0", [1, 2], [3, 4]], np.r_["1,2,0", [1, 2], [3, 4]])
    np.testing.assert_array_equal(jnp.r_["r", [1, 2], [3]], [[1, 2, 3]])
    np.testing.assert_array_equal(
        jnp.c_[np.array([1, 2]), np.array([3, 4])], np.c_[np.array([1, 2]), np.array([3, 4])]
    )
    np.testing.assert_array_equal(
        jnp.c_[np.ones((2, 2)), np.zeros((2, 1))], np.c_[np.ones((2, 2)), np.zeros((2, 1))]
    )
    with pytest.raises(ValueError, match="directive"):
        jnp.r_["x", 1]
    with pytest.raises(ValueError, match="first"):
        jnp.r_[1, "0"]
    f = jtrans.jit(lambda x: jnp.r_[x, 0.0, x])  # traced items are fine, slices must be static
    np.testing.assert_array_equal(f(np.ones(2, np.float32)), [1, 1, 0, 1, 1])
    assert jnp.s_[1:2] == np.s_[1:2] and jnp.index_exp[1] == (1,)


def test_place_and_io(tmp_path):
    a = np.arange(6.0).reshape(2, 3)
    m = a % 2 == 1
    want = a.copy()
    np.place(want, m, [10.0, 20.0])
    np.testing.assert_array_equal(jnp.place(a, m, np.array([10.0, 20.0]), inplace=False), want)
    f = jtrans.jit(lambda a, m, v: jnp.place(a, m, v, inplace=False))
    np.testing.assert_array_equal(f(a, m, np.array([10.0, 20.0])), want)
    with pytest.raises(ValueError, match="inplace=False"):
        jnp.place(a, m, 1.0)
    with pytest.raises(ValueError, match="empty"):
        jnp.place(a, m, np.zeros(0), inplace=False)
    np.testing.assert_array_equal(jnp.place(a, a < 0, np.zeros(0), inplace=False), a)
    path = str(tmp_path / "x.npy")
    jnp.save(path, jnp.arange(3.0))
    out = jnp.load(path)
    assert isinstance(out, jtrans.Array) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [0.0, 1.0, 2.0])
    with pytest.raises(NotImplementedError, match="np.fromfile"):
        jnp.fromfile(path)
    np.testing.assert_array_equal(jnp.from_dlpack(np.arange(3.0)), [0.0, 1.0, 2.0])
    assert jnp.finfo(jnp.float8_e4m3fn).max == 448 and jnp.iinfo(jnp.int4).max == 7
    assert issubclass(jnp.ComplexWarning, Warning) and jnp.object_ is np.object_
