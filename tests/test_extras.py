"""jnp extras beyond the OpSpec table: errors JAX also raises (in-place updates, data-dependent
shapes under jit), size= under transformations, vectorize's signature handling, utilities."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.errors import ConcretizationTypeError


def _np(x):
    return np.asarray(x)


def test_out_of_place_only():
    with pytest.raises(NotImplementedError, match="inplace=False"):
        jnp.fill_diagonal(jnp.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError, match="inplace=False"):
        jnp.put_along_axis(jnp.zeros((2, 2)), jnp.array([[0], [1]]), 1.0, 1)
    np.testing.assert_array_equal(
        jnp.fill_diagonal(jnp.zeros((4, 2)), 1.0, wrap=True, inplace=False),
        [[1, 0], [0, 1], [0, 0], [1, 0]])  # fmt: skip


@pytest.mark.parametrize(
    "f",
    [
        lambda x: jnp.bincount(x),
        lambda x: jnp.choose(x, [jnp.ones(3), jnp.zeros(3)]),
        lambda x: jnp.compress(x > 0, x),
        lambda x: jnp.extract(x > 0, x),
        lambda x: jnp.union1d(x, x),
        lambda x: jnp.intersect1d(x, x),
        lambda x: jnp.setdiff1d(x, x),
        lambda x: jnp.setxor1d(x, x),
        lambda x: jnp.roots(x.astype(float)),
        lambda x: jnp.ravel_multi_index((x, x), (3, 3)),
    ],
)
def test_value_dependent_shapes_need_size_under_jit(f):
    x = jnp.array([0, 1, 1])
    f(x)  # concrete: fine
    with pytest.raises(ConcretizationTypeError):
        jtrans.jit(f)(x)


def test_size_versions_under_jit_and_vmap():
    x = jnp.array([[3, 1, 3, 0], [2, 2, 5, 1]])
    y = jnp.array([1, 5])
    f = jtrans.jit(lambda a: jnp.union1d(a, y, size=5, fill_value=-1))
    np.testing.assert_array_equal(_np(f(x[0])), [0, 1, 3, 5, -1])
    g = jtrans.vmap(lambda a: jnp.setdiff1d(a, y, size=3))
    np.testing.assert_array_equal(_np(g(x)), [[0, 3, 0], [2, 0, 0]])
    h = jtrans.vmap(lambda a: jnp.bincount(a, length=6))
    np.testing.assert_array_equal(_np(h(x)), [[1, 1, 0, 2, 0, 0], [0, 1, 2, 0, 0, 1]])
    k = jtrans.jit(lambda a: jnp.compress(a > 1, a, size=2, fill_value=-7))
    np.testing.assert_array_equal(_np(k(x[0])), [3, 3])
    np.testing.assert_array_equal(_np(k(jnp.array([0, 0, 2, 0]))), [2, -7])


def test_choose_raise_checks_bounds():
    with pytest.raises(ValueError, match="invalid entry"):
        jnp.choose(jnp.array([0, 2]), [jnp.ones(2), jnp.zeros(2)])
    out = jtrans.jit(lambda i: jnp.choose(i, [jnp.ones(2), jnp.zeros(2)], mode="wrap"))(
        jnp.array([3, 2])
    )
    np.testing.assert_array_equal(_np(out), [0.0, 1.0])


def test_vectorize_signature_and_errors():
    mv = jnp.vectorize(lambda a, b: a @ b, signature="(m,n),(n)->(m)")
    a, b = np.ones((4, 2, 3), np.float32), np.arange(3.0, dtype=np.float32)
    assert mv(a, b).shape == (4, 2)
    with pytest.raises(ValueError, match="inconsistent size for core dimension 'n'"):
        mv(a, np.ones(2, np.float32))
    bad = jnp.vectorize(lambda a: a, signature="(n)->()")
    with pytest.raises(ValueError, match="output shape"):
        bad(np.ones((3, 2), np.float32))
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        jnp.vectorize(lambda a: a, signature="(n)->")(a)


def test_vectorize_excluded_and_transforms():
    def f(x, k, *, scale):
        return jnp.sum(x**k) * scale

    vf = jnp.vectorize(f, excluded={1, "scale"}, signature="(n)->()")
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(_np(vf(x, 2, scale=0.5)), [2.5, 25.0])
    np.testing.assert_allclose(_np(jtrans.jit(lambda x: vf(x, 2, scale=1.0))(x)), [5.0, 50.0])
    g = jtrans.grad(lambda x: jnp.sum(vf(x, 2, scale=1.0)))(x)
    np.testing.assert_allclose(_np(g), 2 * x)
    # vmap of a vectorized function: the vmapped axis is one more loop dimension
    np.testing.assert_allclose(_np(jtrans.vmap(lambda r: vf(r, 1, scale=1.0))(x)), [3.0, 12.0])


def test_vectorize_size1_loop_dims_broadcast():
    vf = jnp.vectorize(lambda a, b: a + b)
    out = vf(np.ones((1, 3), np.float32), np.ones((2, 1), np.float32))
    assert out.shape == (2, 3)
    out = vf(np.ones((1, 1), np.float32), np.ones((1,), np.float32))
    assert out.shape == (1, 1)


def test_apply_along_axis_transforms():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)

    def f(x):
        return jnp.apply_along_axis(lambda v: jnp.dot(v, v), 1, x)

    np.testing.assert_allclose(_np(jtrans.jit(f)(x)), np.sum(x * x, axis=1), rtol=1e-5)
    np.testing.assert_allclose(_np(jtrans.grad(lambda x: jnp.sum(f(x)))(x)), 2 * x, rtol=1e-5)


def test_histogram_traced_range():
    a = np.array([0.0, 1.0, 1.0, 2.0, 3.0], np.float32)
    counts, edges = jtrans.jit(lambda a: jnp.histogram(a, bins=3))(a)
    np.testing.assert_allclose(_np(counts), [1.0, 2.0, 2.0])
    np.testing.assert_allclose(_np(edges), [0.0, 1.0, 2.0, 3.0])
    assert _np(counts).dtype == np.float32


def test_gradient_edge_order():
    with pytest.raises(NotImplementedError, match="edge_order"):
        jnp.gradient(jnp.arange(4.0), edge_order=2)
    np.testing.assert_allclose(_np(jnp.gradient(jnp.arange(4.0) ** 2, edge_order=1)),
                               [1.0, 2.0, 4.0, 5.0])  # fmt: skip
    with pytest.raises(ValueError, match="at least 2 elements"):
        jnp.gradient(jnp.ones((1, 3)))


def test_i0_large_arguments_and_derivative(x64):
    x = np.array([0.0, 0.5, 20.0, -40.0, 700.0])
    np.testing.assert_allclose(_np(jnp.i0(x)), np.i0(x), rtol=1e-12)
    # d/dx I0 = I1, and I1(1) = 0.5651591039924850
    np.testing.assert_allclose(float(jtrans.grad(jnp.i0)(1.0)), 0.565159103992485, rtol=1e-12)


def test_isdtype_and_iterable():
    assert jnp.isdtype(jnp.float32, "real floating")
    assert jnp.isdtype(np.dtype("int8"), ("signed integer", "bool"))
    assert not jnp.isdtype(jnp.uint8, "signed integer")
    assert jnp.isdtype(jnp.bfloat16, "numeric")
    assert jnp.isdtype(np.dtype("float32"), jnp.float32)
    with pytest.raises(ValueError, match="unrecognized kind"):
        jnp.isdtype(jnp.float32, "floaty")
    assert jnp.iterable([1]) and not jnp.iterable(1)


def test_astype_copy_weak_types():
    assert not jnp.astype(1.5, jnp.float32).weak_type
    assert jnp.copy(1.0).weak_type
    assert jnp.astype(jnp.array([1.7, -1.2]), jnp.int32).tolist() == [1, -1]


def test_printing_and_buffers():
    assert jnp.array_repr(jnp.array([1.0, 2.0])) == "Array([1., 2.], dtype=float32)"
    assert jnp.array_str(jnp.array([1.0, 2.0])) == "[1. 2.]"
    with jnp.printoptions(precision=2):
        assert jnp.get_printoptions()["precision"] == 2
    x = jnp.frombuffer(np.arange(3.0).tobytes())
    assert x.dtype == np.float32 and x.tolist() == [0.0, 1.0, 2.0]
    assert jnp.fromstring("1 2", dtype=int, sep=" ").tolist() == [1, 2]
    assert jnp.fromiter(range(3), dtype=float).tolist() == [0.0, 1.0, 2.0]


def test_unique_all_inverse():
    r = jnp.unique_all(jnp.array([[3, 1], [3, 2]]))
    assert r.values.tolist() == [1, 2, 3]
    assert r.inverse_indices.tolist() == [[2, 0], [2, 1]]
    assert r.counts.tolist() == [1, 1, 2]
    v, inv = jnp.unique_inverse(jnp.array([2, 2, 0]))
    assert v.tolist() == [0, 2] and inv.tolist() == [1, 1, 0]


def test_unravel_index_clips_like_jax():
    i, j = jnp.unravel_index(jnp.array([0, 5, 13, -1, -13]), (3, 4))
    assert i.tolist() == [0, 1, 2, 2, 0]
    assert j.tolist() == [0, 1, 3, 3, 0]


def test_polynomial_round_trip():
    p = jnp.poly(jnp.array([1.0, 2.0, -3.0]))
    np.testing.assert_allclose(np.sort(_np(jnp.roots(p)).real), [-3.0, 1.0, 2.0], atol=1e-4)
    _, r = jnp.polydiv(p, jnp.array([1.0, -1.0]))
    np.testing.assert_allclose(_np(r), 0.0, atol=1e-5)
    assert r.shape == p.shape  # JAX keeps the remainder untrimmed
    _, r2 = jnp.polydiv(p, jnp.array([1.0, -1.0]), trim_leading_zeros=True)
    assert r2.shape[0] < r.shape[0]
