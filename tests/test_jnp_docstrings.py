"""Regression tests for differences found by running jax.numpy's own docstring examples against
jtrans.numpy (tools/jnp_docstring_diff.py). Expected values are JAX's outputs, as literals."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp


def check(out, expected, dtype):
    assert out.dtype == np.dtype(dtype), out.dtype
    np.testing.assert_array_equal(np.asarray(out), np.asarray(expected, dtype=dtype))


# ---------------------------------------------------------------------------------------------
# quantiles


def test_quantile_nearest_rounds_halfway_down():
    x = jnp.array([0, 1, 2, 3, 4, 5, 6])
    check(jnp.percentile(x, jnp.array([25, 50, 75]), method="nearest"), [1.0, 3.0, 4.0], "float32")
    check(jnp.quantile(jnp.arange(7.0), 1 / 12, method="nearest"), 0.0, "float32")


def test_quantile_weights_inverted_cdf():
    x = jnp.array([1, 2, 3, 4, 5])
    w = jnp.array([1, 1, 2, 1, 1])
    check(jnp.percentile(x, 50, weights=w, method="inverted_cdf"), 3.0, "float32")
    check(jnp.quantile(x, 0.5, weights=w, method="inverted_cdf"), 3.0, "float32")
    xn = jnp.array([1.0, jnp.nan, 3.0, 4.0, 5.0])
    check(jnp.nanquantile(xn, 0.5, weights=w, method="inverted_cdf"), 3.0, "float32")
    check(jnp.nanpercentile(xn, 50, weights=w, method="inverted_cdf"), 3.0, "float32")
    # weights over the reduced axis only; a negative weight gives NaN (as in JAX)
    a = jnp.array([[3.0, 1.0, 2.0], [6.0, 5.0, 4.0]])
    check(jnp.quantile(a, 0.5, axis=1, weights=jnp.array([1.0, 1.0, 1.0]),
                       method="inverted_cdf"), [2.0, 5.0], "float32")  # fmt: skip
    check(jnp.quantile(a, jnp.array([0.0, 1.0]), axis=1, method="inverted_cdf"),
          [[1.0, 4.0], [3.0, 6.0]], "float32")  # fmt: skip
    bad = jnp.array([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]])
    out = jnp.quantile(a, 0.5, axis=1, weights=bad, method="inverted_cdf")
    assert np.isnan(out[0]) and out[1] == 5.0
    with pytest.raises(NotImplementedError, match="inverted_cdf"):
        jnp.quantile(x, 0.5, weights=w)
    with pytest.raises(ValueError, match="weights"):
        jnp.quantile(a, 0.5, weights=jnp.ones(3), method="inverted_cdf")


# ---------------------------------------------------------------------------------------------
# elementwise


def test_signbit_reads_the_sign_bit_of_nan_and_zero():
    x = jnp.array([jnp.nan, -jnp.nan, jnp.inf, -jnp.inf, -0.0, 0.0, -1.5])
    check(jnp.signbit(x), [False, True, False, True, True, False, True], "bool")
    check(jnp.signbit(x.astype("float16")), [False, True, False, True, True, False, True], "bool")
    check(jtrans.jit(jnp.signbit)(x), [False, True, False, True, True, False, True], "bool")


def test_rint_complex_rounds_each_part():
    out = jnp.rint(jnp.array([-1.5 + 3.5j, 4.5 + 2.5j]))
    check(out, [-2.0 + 4.0j, 4.0 + 2.0j], "complex64")
    with pytest.raises(TypeError):
        jnp.floor(jnp.array([1.0 + 1.0j]))


# ---------------------------------------------------------------------------------------------
# shapes, sorting, set operations


def test_argwhere_of_a_scalar_has_no_columns():
    assert jnp.argwhere(1).shape == (1, 0)
    assert jnp.argwhere(0).shape == (0, 0)
    assert jnp.argwhere(jnp.float32(3), size=2).shape == (2, 0)


def test_size_with_a_tuple_of_axes():
    y = jnp.ones((2, 3))
    assert jnp.size(y, axis=(1,)) == 3
    assert jnp.size(y, axis=(0, 1)) == 6
    assert jnp.size(y, axis=()) == 1


def test_vsplit_splits_a_1d_array():
    x1, x2 = jnp.vsplit(jnp.array([1, 2, 3, 4, 5, 6]), 2)
    check(x1, [1, 2, 3], "int32")
    check(x2, [4, 5, 6], "int32")


def test_unique_counts_is_a_named_tuple():
    result = jnp.unique_counts(jnp.array([3, 4, 1, 3, 1]))
    check(result.values, [1, 3, 4], "int32")
    check(result.counts, [2, 2, 1], "int32")
    assert repr(result).startswith("_UniqueCountsResult(values=Array([1, 3, 4], dtype=int32)")
    assert type(jnp.unique_all(jnp.array([1, 1]))).__name__ == "_UniqueAllResult"


def test_fromfunction_maps_over_scalar_indices():
    out = jnp.fromfunction(lambda x: (x + 1) * jnp.arange(3), shape=(2,))
    check(out, [[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]], "float32")
    seen = []
    jnp.fromfunction(lambda x, y: seen.append((x.shape, y.shape)) or x + y, (2, 3))
    assert seen == [((), ())]
    plus, times = jnp.fromfunction(lambda x, y: (x + y, x * y), shape=(2, 3))
    check(plus, [[0, 1, 2], [1, 2, 3]], "float32")
    check(times, [[0, 0, 0], [0, 1, 2]], "float32")
    check(jnp.fromfunction(jnp.multiply, shape=(2, 3), dtype=int), [[0, 0, 0], [0, 1, 2]], "int32")


def test_piecewise_array_condlist_lists_conditions_along_its_first_axis():
    x = jnp.array([-4, -3, -2, -1, 0, 1, 2, 3, 4])
    funcs = [lambda x: x * 0, lambda x: x * 10, lambda x: x * 100]
    out = jnp.piecewise(x, jnp.array([False, True, False]), funcs)
    check(out, [-40, -30, -20, -10, 0, 10, 20, 30, 40], "int32")
    # one condition shaped like x still works (NumPy's reading, where JAX's cannot apply)
    check(jnp.piecewise(x, x > 2, [lambda x: x * 10]), [0, 0, 0, 0, 0, 0, 0, 30, 40], "int32")


# ---------------------------------------------------------------------------------------------
# polynomials


def test_poly_of_a_scalar_is_one_root():
    check(jnp.poly(1), [1.0, -1.0], "float32")


def test_polyadd_polysub_broadcast_stacks_of_coefficients():
    x3 = jnp.array([[2, 3, 1]])
    x4 = jnp.array([[5, 7, 3], [8, 2, 6]])
    x6 = jnp.array([[5, 7, 9], [8, 6, 4]])
    x7 = jnp.array([2])
    check(jnp.polyadd(x3, x4), [[5, 7, 3], [10, 5, 7]], "int32")
    check(jnp.polyadd(x6, x7), [[5, 7, 9], [10, 8, 6]], "int32")
    check(jnp.polysub(x3, x4), [[-5, -7, -3], [-6, 1, -5]], "int32")
    check(jnp.polysub(x6, x7), [[5, 7, 9], [6, 4, 2]], "int32")
    check(jnp.polysub(jnp.array([2, 3]), jnp.array([5, 4, 1])), [-5, -2, 2], "int32")
    with pytest.raises(ValueError):
        jnp.polyadd(jnp.array([1, 3, 5]), x6)


def test_delete_traced_indices_with_assume_unique_indices():
    a = jnp.array([4, 5, 6, 7, 8, 9])
    f = jtrans.jit(lambda a, i: jnp.delete(a, i, assume_unique_indices=True))
    check(f(a, jnp.array([0, 1, 3])), [6, 8, 9], "int32")
    check(f(a, jnp.array([-1, 0])), [5, 6, 7, 8], "int32")
    m = jnp.arange(12).reshape(3, 4)
    g = jtrans.jit(lambda m, i: jnp.delete(m, i, axis=1, assume_unique_indices=True))
    check(g(m, jnp.array([3, 0])), [[1, 2], [5, 6], [9, 10]], "int32")
    with pytest.raises(jtrans.errors.ConcretizationTypeError, match="assume_unique_indices"):
        jtrans.jit(jnp.delete)(a, jnp.array([0, 1]))


# ---------------------------------------------------------------------------------------------
# Array methods and .at


def test_at_wrap_negative_indices_false():
    x = jnp.arange(5.0)
    check(x.at[-1].set(99, wrap_negative_indices=False, mode="drop"), [0, 1, 2, 3, 4], "float32")
    check(x.at[-1].set(99, wrap_negative_indices=False, mode="clip"), [99, 1, 2, 3, 4], "float32")
    check(x.at[-1].set(99), [0, 1, 2, 3, 99], "float32")
    check(x.at[jnp.array([-1, 2])].add(10.0, wrap_negative_indices=False), [0, 1, 12, 3, 4],
          "float32")  # fmt: skip
    check(x.at[-2].get(wrap_negative_indices=False, mode="fill", fill_value=7), 7.0, "float32")
    check(x.at[-2].get(wrap_negative_indices=False), 0.0, "float32")
    out = x.at[jnp.array([-2, 1])].get(wrap_negative_indices=False, mode="fill")
    assert np.isnan(out[0]) and out[1] == 1.0
    f = jtrans.jit(lambda x, i: x.at[i].set(5.0, wrap_negative_indices=False))
    check(f(x, -1), [0, 1, 2, 3, 4], "float32")


def test_byteswap():
    x = jnp.arange(5)
    check(x.byteswap(), [0, 16777216, 33554432, 50331648, 67108864], "int32")
    np.testing.assert_array_equal(np.array(x.byteswap()).view(">i4"), [0, 1, 2, 3, 4])
    check(x.byteswap().byteswap(), [0, 1, 2, 3, 4], "int32")
    check(jnp.array([1.5, -2.0]).byteswap().byteswap(), [1.5, -2.0], "float32")
    check(jnp.array([True, False]).byteswap(), [True, False], "bool")


def test_compress_choose_argpartition_copy_methods():
    a = jnp.arange(1, 13).reshape(3, 4)
    check(a.compress(jnp.array([True, False, True]), axis=0), [[1, 2, 3, 4], [9, 10, 11, 12]],
          "int32")  # fmt: skip
    check(jnp.array([0, 1]).choose([jnp.array([1, 2]), jnp.array([3, 4])]), [1, 4], "int32")
    check(jnp.array([3, 1, 2]).argpartition(1), [1, 2, 0], "int32")
    out = jtrans.jit(lambda x: x.copy() + x.compress(x > 1, size=2).sum())(jnp.arange(3))
    check(out, [2, 3, 4], "int32")
    assert jnp.arange(3).__array_namespace__() is jnp


def test_dlpack_round_trip():
    x = jnp.array([0.5, 1.5, 2.5])
    assert hasattr(x, "__dlpack__")
    np.testing.assert_array_equal(np.from_dlpack(x), [0.5, 1.5, 2.5])


def test_einsum_path_in_jax_format():
    x, y, z = jnp.ones((2, 3)), jnp.ones((3, 30)), jnp.ones((30, 5))
    path, info = jnp.einsum_path("ij,jk,kl", x, y, z, optimize="greedy")
    assert path == [(1, 2), (0, 1)]
    assert "Complete contraction" in str(info)
    path2, _ = jnp.einsum_path("ij,jk,kl", x, y, z, optimize=path)
    assert path2 == path
    out = jnp.einsum("ij,jk,kl", x, y, z, optimize=path)
    check(out, np.full((2, 5), 90.0), "float32")


def test_load_reads_bfloat16_back():
    import io

    f = io.BytesIO()
    jnp.save(f, jnp.array([2, 4, 6, 8], dtype="bfloat16"))
    f.seek(0)
    out = jnp.load(f)
    assert repr(out) == "Array([2, 4, 6, 8], dtype=bfloat16)"


def test_interp_extrapolate():
    xp, fp = jnp.array([0.0, 1.0, 3.0]), jnp.array([0.0, 2.0, 3.0])
    x = jnp.array([-2.0, 0.5, 2.0, 5.0])
    out = jnp.interp(x, xp, fp, left="extrapolate", right="extrapolate")
    check(out, [-4.0, 1.0, 2.5, 4.0], "float32")
    check(jnp.interp(x, xp, fp, left="extrapolate"), [-4.0, 1.0, 2.5, 3.0], "float32")
    check(jnp.interp(x, xp, fp, left=-1, right="extrapolate"), [-1.0, 1.0, 2.5, 4.0], "float32")
    g = jtrans.grad(lambda x: jnp.interp(x, xp, fp, left="extrapolate"))(-2.0)
    assert g == 2.0


# ---------------------------------------------------------------------------------------------
# keyword arguments JAX's signatures have


def test_var_std_with_a_given_mean():
    x = jnp.arange(6.0).reshape(2, 3)
    m = x.mean(1, keepdims=True)
    check(jnp.var(x, axis=1, mean=m), [0.6666667, 0.6666667], "float32")
    check(jnp.std(x, axis=1, mean=m, ddof=1), [1.0, 1.0], "float32")
    check(jnp.var(x, axis=1, mean=jnp.zeros((2, 1))), [1.6666666, 16.666666], "float32")
    check(jnp.var(x, mean=0.0), 9.166667, "float32")
    check(jnp.nanvar(x, axis=0, mean=jnp.ones((1, 3))), [2.5, 4.5, 8.5], "float32")
    out = jnp.nanstd(x, axis=0, mean=jnp.ones((1, 3)))
    np.testing.assert_allclose(out, np.sqrt([2.5, 4.5, 8.5]), rtol=1e-6)
    with pytest.raises(ValueError, match="keepdims"):
        jnp.var(x, axis=1, mean=x.mean(1))
    assert jtrans.grad(lambda m: jnp.var(x, mean=m))(1.0) == -3.0


def test_dtype_keywords():
    check(jnp.argsort(jnp.array([3, 1, 2]), dtype=jnp.int16), [1, 2, 0], "int16")
    assert jnp.cov(jnp.arange(4), dtype=jnp.float16).dtype == np.float16
    out = jnp.ravel_multi_index((jnp.array([1]), jnp.array([2])), (3, 4), dtype=jnp.int16)
    check(out, [6], "int16")


def test_take_along_axis_default_axis_and_wrap_negative_indices():
    x = jnp.arange(5.0)
    out = jnp.take_along_axis(x, jnp.array([-1, 2]), mode="fill", wrap_negative_indices=False)
    assert np.isnan(out[0]) and out[1] == 2.0
    check(jnp.take_along_axis(x, jnp.array([-1, 2])), [4.0, 2.0], "float32")
    check(jnp.take_along_axis(jnp.arange(6).reshape(2, 3), jnp.array([[2], [0]])), [[2], [3]],
          "int32")  # fmt: skip


def test_out_none_accepted():
    frac, whole = jnp.modf(jnp.array([1.5, -2.25]), out=None)
    check(frac, [0.5, -0.25], "float32")
    check(whole, [1.0, -2.0], "float32")
    assert jnp.isposinf(jnp.inf, out=None) and jnp.isneginf(-jnp.inf, out=None)
    with pytest.raises(NotImplementedError):
        jnp.isposinf(jnp.ones(2), out=jnp.ones(2))


def test_creation_functions_take_device():
    import inspect

    dev = jtrans.devices()[0]
    check(jnp.zeros(3, device=dev), [0.0, 0.0, 0.0], "float32")
    check(jnp.arange(3, device=dev), [0, 1, 2], "int32")
    check(jnp.asarray([1, 2], device=dev, out_sharding=None), [1, 2], "int32")
    check(jnp.eye(2, device=dev), [[1.0, 0.0], [0.0, 1.0]], "float32")
    assert repr(jnp.asarray(1.0, device=dev)) == "Array(1., dtype=float32, weak_type=True)"
    check(jtrans.jit(lambda x: jnp.zeros_like(x, device=dev) + 1)(jnp.ones(2)), [1, 1], "float32")
    assert "device" in inspect.signature(jnp.linspace).parameters
    with pytest.raises(TypeError):
        jnp.eye(2, out_sharding=dev)
    dev = jtrans.devices()[0]
    check(jnp.ones(2).astype("int32", device=dev), [1, 1], "int32")
    check(jnp.astype(jnp.ones(2), "int8", device=dev), [1, 1], "int8")
