"""Array creation beyond the OpSpec table: dtypes and weak types (x32 and x64), zero-copy
asarray, nested lists of traced values, errors for traced shapes, and creation under jit,
grad and vmap."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.errors import ConcretizationTypeError


def test_array_dtypes_x32():
    assert jnp.array(1.0).dtype == jnp.float32
    assert jnp.array(1).dtype == jnp.int32
    assert jnp.array(True).dtype == jnp.bool_
    assert jnp.array(1j).dtype == jnp.complex64
    assert jnp.array([1, 2, 3]).dtype == jnp.int32
    assert jnp.array([1.0, 2]).dtype == jnp.float32
    assert jnp.array(np.arange(3, dtype=np.int64)).dtype == jnp.int32
    assert jnp.array(np.ones(2, np.float16)).dtype == jnp.float16
    assert jnp.array([1, 2], dtype=jnp.float16).dtype == jnp.float16
    assert jnp.array([]).dtype == jnp.float32


def test_array_dtypes_x64(x64):
    assert jnp.array(1.0).dtype == jnp.float64
    assert jnp.array([1, 2]).dtype == jnp.int64
    assert jnp.arange(3).dtype == jnp.int64
    assert jnp.zeros(2).dtype == jnp.float64
    assert jnp.linspace(0, 1, 3).dtype == jnp.float64
    assert jnp.eye(2).dtype == jnp.float64
    assert jnp.full(2, 1.0).dtype == jnp.float64


def test_weak_types_of_created_arrays():
    # as in JAX: Python scalars stay weakly typed through array/asarray; sequences do not
    assert jnp.array(1.0).weak_type
    assert jnp.asarray(2).weak_type
    assert not jnp.array([1.0, 2.0]).weak_type
    assert not jnp.array(1.0, dtype=jnp.float32).weak_type
    assert not jnp.zeros(3).weak_type
    assert jnp.full(3, 1.0).weak_type
    assert not jnp.full(3, 1.0, dtype=jnp.float32).weak_type
    w = jnp.asarray(2.0)
    assert jnp.zeros_like(w).weak_type
    assert not jnp.zeros_like(w, dtype=jnp.float32).weak_type
    # a weak array does not widen a strong float16
    assert (jnp.array(2.0) * jnp.ones(3, jnp.float16)).dtype == jnp.float16


def test_asarray_is_zero_copy():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert np.shares_memory(np.asarray(jnp.asarray(x)), x)
    assert not np.shares_memory(np.asarray(jnp.array(x)), x)  # array copies by default
    assert not np.shares_memory(np.asarray(jnp.asarray(x, copy=True)), x)
    y = jnp.asarray(x)
    assert jnp.asarray(y) is y


def test_array_copy_and_ndmin():
    x = np.ones(3, np.float32)
    a = jnp.array(x)
    x[0] = 5.0
    assert float(a[0]) == 1.0
    assert jnp.array(x, ndmin=3).shape == (1, 1, 3)
    assert jnp.array(2.0, ndmin=2).shape == (1, 1)
    assert jnp.array(x, ndmin=1).shape == (3,)


def test_array_of_nested_arrays_and_tracers():
    a, b = jnp.ones(2), jnp.zeros(2)
    out = jnp.array([[a, b], [b, a]])
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out, np.array([[[1, 1], [0, 0]], [[0, 0], [1, 1]]]))
    assert jnp.array([jnp.ones((), jnp.float16), 1.0]).dtype == jnp.float16
    assert jnp.array([jnp.ones((), jnp.int8), 2]).dtype == jnp.int8

    f = jtrans.jit(lambda x, y: jnp.array([x, y, x * y]))
    np.testing.assert_allclose(f(2.0, 3.0), [2.0, 3.0, 6.0])
    g = jtrans.grad(lambda x: jnp.array([x, 2 * x, x * x]).sum())
    assert float(g(3.0)) == pytest.approx(9.0)
    v = jtrans.vmap(lambda x: jnp.array([x, -x]))(jnp.arange(3.0))
    np.testing.assert_allclose(v, [[0, 0], [1, -1], [2, -2]])
    with pytest.raises(ValueError, match="different shapes"):
        jnp.array([jnp.ones(2), jnp.ones(3)])


def test_shapes_from_numpy_ints():
    assert jnp.zeros((np.int64(2), np.int32(3))).shape == (2, 3)
    assert jnp.ones(np.int16(4)).shape == (4,)
    assert jnp.full([2, np.uint8(2)], 3).shape == (2, 2)
    assert jnp.zeros(()).shape == ()
    with pytest.raises(TypeError):
        jnp.zeros((2.5,))


def test_full_broadcasts_its_fill():
    out = jnp.full((2, 3), jnp.arange(3))
    np.testing.assert_array_equal(out, np.full((2, 3), np.arange(3)))
    with pytest.raises(ValueError):
        jnp.full((2, 3), jnp.arange(2))


def test_arange():
    np.testing.assert_array_equal(jnp.arange(5), np.arange(5))
    np.testing.assert_array_equal(jnp.arange(-3), np.arange(-3))
    np.testing.assert_array_equal(jnp.arange(1, 8, 2), np.arange(1, 8, 2))
    np.testing.assert_allclose(jnp.arange(0.5, 2.0, 0.25), np.arange(0.5, 2.0, 0.25))
    assert jnp.arange(3.0).dtype == jnp.float32
    assert jnp.arange(0, 1, 0.5).dtype == jnp.float32
    assert jnp.arange(4, dtype=jnp.float16).dtype == jnp.float16
    assert jnp.arange(jnp.array(4)).shape == (4,)
    with pytest.raises(ValueError):
        jnp.arange(0, 3, 0)


@pytest.mark.parametrize("argname,fn", [
    ("stop", lambda n: jnp.arange(n)),
    ("start", lambda n: jnp.arange(n, 10)),
    ("stop", lambda n: jnp.arange(0, n)),
    ("step", lambda n: jnp.arange(0, 10, n)),
])  # fmt: skip
def test_arange_traced_argument_is_an_error(argname, fn):
    with pytest.raises(ConcretizationTypeError, match=argname):
        jtrans.jit(fn)(2)


def test_linspace_traced_endpoints():
    f = jtrans.jit(lambda a, b: jnp.linspace(a, b, 5))
    np.testing.assert_allclose(f(0.0, 2.0), np.linspace(0, 2, 5))
    # d/da sum(linspace(a, b, n)) = sum(1 - t_i), d/db = sum(t_i)
    ga, gb = jtrans.grad(lambda a, b: jnp.linspace(a, b, 5).sum(), argnums=(0, 1))(0.0, 1.0)
    assert float(ga) == pytest.approx(2.5) and float(gb) == pytest.approx(2.5)
    out = jtrans.vmap(lambda a: jnp.linspace(a, 1.0, 3))(jnp.array([0.0, -1.0]))
    np.testing.assert_allclose(out, [[0, 0.5, 1], [-1, 0, 1]])
    with pytest.raises(ConcretizationTypeError):
        jtrans.jit(lambda n: jnp.linspace(0, 1, n))(3)


def test_linspace_endpoint_is_exact():
    out = np.asarray(jnp.linspace(0.1, 0.7, 7))
    assert out[-1] == np.float32(0.7)
    v, step = jnp.linspace(0.0, 1.0, 5, endpoint=False, retstep=True)
    assert float(step) == pytest.approx(0.2)
    np.testing.assert_allclose(v, np.linspace(0, 1, 5, endpoint=False), rtol=1e-6)
    assert jnp.linspace(0, 1, 0).shape == (0,)
    np.testing.assert_allclose(jnp.linspace(2.0, 3.0, 1), [2.0])


def test_geomspace_and_logspace():
    np.testing.assert_allclose(jnp.geomspace(1, 1000, 4), [1, 10, 100, 1000], rtol=1e-5)
    np.testing.assert_allclose(jnp.geomspace(-1, -16, 5), np.geomspace(-1, -16, 5), rtol=1e-5)
    np.testing.assert_allclose(jnp.logspace(0, 3, 4), [1, 10, 100, 1000], rtol=1e-5)


def test_eye_tri_triangles():
    np.testing.assert_array_equal(jnp.eye(3, 4, -1), np.eye(3, 4, -1))
    np.testing.assert_array_equal(jnp.identity(2, jnp.int32), np.identity(2, np.int32))
    np.testing.assert_array_equal(jnp.tri(4, 3, 1), np.tri(4, 3, 1))
    m = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(jnp.tril(m, 1), np.tril(m, 1))
    np.testing.assert_array_equal(jnp.triu(m, -1), np.triu(m, -1))
    with pytest.raises(ValueError, match="rank"):
        jnp.tril(jnp.ones(3))
    g = jtrans.grad(lambda m: jnp.tril(m).sum())(jnp.ones((3, 3)))
    np.testing.assert_array_equal(g, np.tril(np.ones((3, 3))))


def test_meshgrid_and_indices():
    x, y = np.arange(3.0), np.arange(4.0)
    for indexing in ("xy", "ij"):
        for sparse in (False, True):
            got = jnp.meshgrid(x, y, indexing=indexing, sparse=sparse)
            want = np.meshgrid(x, y, indexing=indexing, sparse=sparse)
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(jnp.indices((2, 3, 2)), np.indices((2, 3, 2)))
    assert jnp.indices((2, 3)).dtype == jnp.int32
    with pytest.raises(ValueError):
        jnp.meshgrid(x, y, indexing="yx")


def test_creation_under_jit_is_staged():
    jaxpr = str(jtrans.make_jaxpr(lambda: jnp.eye(3) + jnp.tri(3))())
    assert "iota" in jaxpr
