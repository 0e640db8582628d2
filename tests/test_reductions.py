"""Reductions, cumulative ops, sorting and windowed reductions beyond the OpSpec table:
derivatives at zeros and ties, stability, pooling with dilation, data-dependent shapes."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.test_util import check_grads


def test_reduce_prod_grads_with_zeros(x64):
    x = np.array([[1.5, 0.0, 2.0, -0.5], [0.0, 0.0, 3.0, 1.0], [0.7, 1.2, -2.0, 0.3]])
    check_grads(lambda a: lax.reduce_prod(a, (1,)), (x,), order=2)
    check_grads(lambda a: jnp.prod(a), (x[:1],), order=2)
    g = jtrans.grad(lambda a: jnp.prod(a))(np.array([2.0, 0.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 6.0, 0.0])
    g = jtrans.grad(lambda a: jnp.prod(a))(np.array([2.0, 0.0, 0.0]))
    np.testing.assert_allclose(g, [0.0, 0.0, 0.0])


def test_cumprod_grads_with_zeros(x64):
    x = np.array([1.5, 0.0, 2.0, -0.5, 3.0])
    check_grads(lambda a: lax.cumprod(a, 0), (x,), order=1)
    check_grads(lambda a: lax.cumprod(a, 0, reverse=True), (x,), order=1)


@pytest.mark.parametrize("fn", ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumulative_grads_and_vmap(fn, reverse, x64):
    x = np.random.default_rng(0).standard_normal((3, 5))
    f = getattr(lax, fn)
    check_grads(lambda a: f(a, 1, reverse), (x,), order=2)
    out = jtrans.vmap(lambda a: f(a, 0, reverse))(x)
    np.testing.assert_allclose(out, f(x, 1, reverse), rtol=1e-12)


def test_argmax_nan_and_index_dtype():
    x = np.array([1.0, np.nan, 3.0, np.nan], np.float32)
    assert int(lax.argmax(x, 0, np.int32)) == 1
    assert int(jnp.argmin(x)) == 1
    assert jnp.argmax(np.ones((2, 3))).dtype == np.int32


def test_sort_and_argsort_are_stable():
    x = np.array([2, 1, 2, 0, 1, 2, 0], np.int32)
    np.testing.assert_array_equal(jnp.argsort(x), np.argsort(x, kind="stable"))
    keys = np.array([1, 0, 1, 0], np.int32)
    vals = np.array([10, 11, 12, 13], np.int32)
    _, v = lax.sort((keys, vals), num_keys=1)
    np.testing.assert_array_equal(v, [11, 13, 10, 12])
    np.testing.assert_array_equal(jnp.argsort(x, descending=True), [0, 2, 5, 1, 4, 3, 6])


def test_sort_grad_permutes_cotangents(x64):
    x = np.array([3.0, 1.0, 2.0])
    g = jtrans.grad(lambda a: jnp.sum(jnp.sort(a) * np.array([1.0, 10.0, 100.0])))(x)
    np.testing.assert_allclose(g, [100.0, 1.0, 10.0])


def test_max_pool_against_numpy():
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    out = lax.reduce_window(x, -np.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    ref = x.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(out, ref)
    # the gradient of max pooling routes each cotangent to its window's maximum
    g = jtrans.grad(lambda a: jnp.sum(lax.reduce_window(a, -np.inf, lax.max, (1, 1, 2, 2),
                                                        (1, 1, 2, 2), "VALID")))(x)  # fmt: skip
    assert float(np.sum(g)) == 2 * 3 * 3 * 3
    np.testing.assert_array_equal(np.asarray(g) != 0, x == np.repeat(np.repeat(ref, 2, 2), 2, 3))


@pytest.mark.parametrize("comp", ["add", "max"])
def test_reduce_window_dilations_grads(comp, x64):
    x = np.random.default_rng(2).standard_normal((2, 7, 6))
    bd = (1, 2, 1) if comp == "add" else (1, 1, 1)
    f = lambda a: lax.reduce_window(a, 0.0 if comp == "add" else -np.inf,
                                    getattr(lax, comp), (1, 2, 2), (1, 2, 1),
                                    ((0, 0), (1, -1), (1, 1)), bd, (1, 1, 2))  # fmt: skip
    check_grads(f, (x,), order=2)
    out = jtrans.vmap(f)(np.stack([x, -x]))
    np.testing.assert_allclose(np.asarray(out)[1], f(-x))


def test_top_k():
    x = np.array([[1.0, 5.0, 3.0, 5.0], [0.0, -1.0, 2.0, 1.0]], np.float32)
    v, i = lax.top_k(x, 2)
    np.testing.assert_array_equal(v, [[5.0, 5.0], [2.0, 1.0]])
    np.testing.assert_array_equal(i, [[1, 3], [2, 3]])


def test_integer_promotion():
    assert jnp.sum(np.ones(3, np.int8)).dtype == np.int32
    assert jnp.sum(np.ones(3, bool)).dtype == np.int32
    assert jnp.sum(np.ones(3, np.int32)).dtype == np.int32
    assert jnp.cumsum(np.ones(3, bool)).dtype == np.int32
    assert jnp.mean(np.ones(3, np.int32)).dtype == np.float32


def test_where_initial_keepdims():
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    m = x % 3 == 0
    np.testing.assert_allclose(jnp.sum(x, axis=1, where=m), np.sum(x, axis=1, where=m))
    np.testing.assert_allclose(jnp.max(x, axis=0, where=m, initial=-1.0),
                               np.max(x, axis=0, where=m, initial=-1.0))  # fmt: skip
    np.testing.assert_allclose(jnp.mean(x, axis=1, where=m, keepdims=True),
                               np.mean(x, axis=1, where=m, keepdims=True))  # fmt: skip
    with pytest.raises(ValueError, match="identity"):
        jnp.max(np.zeros((0, 3), np.float32), axis=0)


def test_methods():
    x = jnp.asarray(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    np.testing.assert_allclose(x.sum(1), [3.0, 12.0])
    np.testing.assert_allclose(x.max(axis=0), [3.0, 4.0, 5.0])
    np.testing.assert_allclose(x.cumsum(1), np.cumsum(np.asarray(x), 1))
    np.testing.assert_array_equal(x.argsort(0), [[0, 0, 0], [1, 1, 1]])


def test_data_dependent_shapes():
    x = np.array([3, 1, 3, 0, 1, 5], np.int32)
    np.testing.assert_array_equal(jnp.unique(x), [0, 1, 3, 5])
    with pytest.raises(jtrans.errors.ConcretizationTypeError):
        jtrans.jit(jnp.unique)(x)
    u, c = jtrans.jit(lambda a: jnp.unique(a, return_counts=True, size=6, fill_value=-1))(x)
    np.testing.assert_array_equal(u, [0, 1, 3, 5, -1, -1])
    np.testing.assert_array_equal(c, [1, 2, 2, 1, 0, 0])
    out = jtrans.vmap(lambda a: jnp.nonzero(a, size=3)[0])(np.array([[0, 1, 1], [1, 0, 0]]))
    np.testing.assert_array_equal(out, [[1, 2, 0], [0, 0, 0]])


def test_searchsorted_batched():
    a = np.array([0.0, 1.0, 1.0, 3.0], np.float32)
    v = np.array([[-1.0, 1.0, 2.0], [3.0, 5.0, np.nan]], np.float32)
    out = jtrans.vmap(lambda vv: jnp.searchsorted(a, vv, side="right"))(v)
    np.testing.assert_array_equal(out, np.searchsorted(a, v, side="right"))
    out = jtrans.vmap(jnp.searchsorted, in_axes=(0, None))(np.stack([a, a + 1]), 1.0)
    np.testing.assert_array_equal(out, [1, 0])


def test_quantile_methods_and_median():
    x = np.random.default_rng(3).standard_normal((4, 7)).astype(np.float32)
    for m in ["linear", "lower", "higher", "nearest", "midpoint"]:
        np.testing.assert_allclose(jnp.quantile(x, np.array([0.0, 0.3, 1.0]), axis=1, method=m),
                                   np.quantile(x, [0.0, 0.3, 1.0], axis=1, method=m),
                                   rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(jnp.median(x, axis=0), np.median(x, axis=0), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# behaviour pinned to JAX 0.10 (found by tools/compare_jax.py)


def test_reductions_of_python_scalars_are_strong():
    for f in (jnp.max, jnp.min, jnp.amax, jnp.ptp, jnp.sum, jnp.mean):
        out = f(2.5)
        assert out.dtype == np.float32 and not out.weak_type, f.__name__
    assert not jnp.max(lax.full((3,), 2.5)).weak_type
    assert not jnp.cumsum(2.5).weak_type and not jnp.cumprod(lax.full((3,), 2.5)).weak_type


def test_var_std_nan_when_ddof_reaches_count():
    x = np.array([1.0, 2.0, 4.0], np.float32)
    np.testing.assert_allclose(jnp.var(x, ddof=2), 14 / 3, rtol=1e-6)
    assert np.isnan(jnp.var(x, ddof=3)) and np.isnan(jnp.var(x, ddof=4))
    assert np.isnan(jnp.std(x, ddof=5))
    assert np.all(np.isnan(jnp.var(np.ones((2, 2), np.float32), axis=1, ddof=2)))
    assert np.isnan(jnp.var(x, ddof=3, where=x > 0))


def test_cumulative_dtypes():
    for dt, cum, arr_api in [(np.bool_, np.int32, np.int32), (np.int8, np.int8, np.int32),
                             (np.uint8, np.uint8, np.uint32), (np.float16, np.float16,
                                                               np.float16)]:  # fmt: skip
        x = np.ones(2, dt)
        assert jnp.cumsum(x).dtype == cum and jnp.cumprod(x).dtype == cum
        assert jnp.nancumsum(x).dtype == cum
        assert jnp.cumulative_sum(x).dtype == arr_api
        assert jnp.cumulative_prod(x).dtype == arr_api


def test_median_quantile_dtype_and_clamped_q():
    assert jnp.median(np.ones(3, np.float16)).dtype == np.float16
    assert jnp.nanmedian(np.ones(3, np.float16)).dtype == np.float16
    x = np.arange(4.0, dtype=np.float32)
    assert float(jnp.quantile(x, 1.5)) == 3.0 and float(jnp.quantile(x, -0.5)) == 0.0
    assert float(jnp.percentile(x, 150.0)) == 3.0
