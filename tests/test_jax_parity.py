"""Behaviour pinned to JAX 0.10 where jtrans used to differ (found by tools/compare_jax.py):
weak types, dtypes, exception types and edge-case values of lax and jnp functions."""

import numpy as np
import pytest

import jtrans.numpy as jnp
from jtrans import lax


def test_lax_weak_types_follow_inputs():
    assert lax.abs(2).weak_type and lax.abs(-2.5).weak_type
    assert lax.is_finite(2.0).weak_type
    for f in (lax.eq, lax.ne, lax.lt, lax.le, lax.gt, lax.ge):
        out = f(2.0, 3.0)
        assert out.dtype == np.bool_ and out.weak_type
    assert not lax.eq(jnp.float32(2.0), 3.0).weak_type
    assert not lax.abs(jnp.int32(2)).weak_type


def test_population_count_counts_twos_complement_bits():
    x = np.array([-5, 3, -1, 0], np.int32)
    np.testing.assert_array_equal(lax.population_count(x), [31, 2, 32, 0])
    assert lax.population_count(x).dtype == np.int32
    assert int(lax.population_count(np.int8(-1))) == 8


def test_lax_pow_integer_exponent():
    x = np.array([1.5, 2.0, 3.0], np.float32)
    y = np.array([2, -1, 3], np.int32)
    out = lax.pow(x, y)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [2.25, 0.5, 27.0])
    import jtrans

    np.testing.assert_allclose(jtrans.grad(lambda a: lax.pow(a, y).sum())(x), [3.0, -0.25, 27.0])
    np.testing.assert_allclose(jtrans.jit(lax.pow)(x, y), [2.25, 0.5, 27.0])
    with pytest.raises(TypeError):
        lax.pow(np.array([2, 3], np.int32), np.array([2, 3], np.int32))


def test_lax_python_scalar_cannot_change_operand_kind():
    i = np.arange(3, dtype=np.int32)
    np.testing.assert_array_equal(lax.add(i, 2), [2, 3, 4])
    np.testing.assert_allclose(lax.mul(i.astype(np.float32), 2), [0.0, 2.0, 4.0])
    for f in (lax.add, lax.mul, lax.max, lax.eq, lax.div):
        with pytest.raises(TypeError):
            f(i, 2.5)
    with pytest.raises(TypeError):
        lax.add(np.ones(2, np.float32), 1j)


@pytest.mark.parametrize(
    "f",
    [
        lambda: jnp.reshape(jnp.ones((2, 3)), (4, 2)),
        lambda: jnp.reshape(jnp.ones((2, 3)), (-1, -1)),
        lambda: jnp.transpose(jnp.ones((2, 3, 4)), (0, 1)),
        lambda: jnp.concatenate([jnp.ones(3), jnp.ones((2, 3))]),
        lambda: lax.transpose(jnp.ones((2, 3)), (0,)),
        lambda: lax.reshape(jnp.ones((2, 3)), (5,)),
        lambda: lax.slice(jnp.ones((2, 3)), (0, 0), (3, 3)),
        lambda: lax.broadcast_in_dim(jnp.ones(3), (2, 3), (0,)),
        lambda: lax.concatenate([jnp.ones((2, 3)), jnp.ones(3)], 0),
    ],
)
def test_shape_errors_are_type_and_value_errors(f):
    # JAX raises TypeError from shape rules, NumPy ValueError: both catch ours
    with pytest.raises(TypeError):
        f()
    with pytest.raises(ValueError):
        f()


def test_insert_negative_index_as_numpy():
    for pos in (-1, -3, 0, 3):
        np.testing.assert_array_equal(jnp.insert(jnp.arange(3.0), pos, 9.0),
                                      np.insert(np.arange(3.0), pos, 9.0))  # fmt: skip
    np.testing.assert_array_equal(
        jnp.insert(jnp.arange(6.0).reshape(2, 3), -1, 9.0, axis=1),
        np.insert(np.arange(6.0).reshape(2, 3), -1, 9.0, axis=1),
    )


def test_sort_of_0d_needs_axis_none():
    for f in (jnp.sort, jnp.argsort):
        with pytest.raises(ValueError):
            f(2.5)
    np.testing.assert_array_equal(jnp.sort(2.5, axis=None), [2.5])
    np.testing.assert_array_equal(jnp.argsort(jnp.float32(2.5), axis=None), [0])


def _same(out, values, dtype, weak=False):
    np.testing.assert_array_equal(np.asarray(out), values)
    assert out.dtype == dtype and out.weak_type == weak, (out.dtype, out.weak_type)


def test_integer_power_broadcasts_scalar_base_and_uses_jax_bits():
    e = jnp.array([[1, -2, 0], [3, 4, -1]], jnp.int32)
    _same(2**e, [[2, 0, 1], [8, 16, 0]], np.int32)
    _same(jnp.power(np.array([3], np.int32), np.array([100], np.int32)), [-1953380655], np.int32)
    _same(jnp.power(np.array([0, 0], np.int32), np.array([0, 64], np.int32)), [1, 0], np.int32)
    _same(jnp.power(3, 2), 9, np.int32, weak=True)
    b = np.array([True, False, True])
    _same(jnp.power(b, np.array([True, True, False])), [1, 0, 1], np.int32)
    _same(jnp.power(b, 2), [1, 0, 1], np.int32)
    _same(jnp.power(2.5, np.array([1, 2], np.int32)), [2.5, 6.25], np.float32)
    with pytest.raises(ValueError):
        jnp.power(np.array([2, 3], np.int32), -1)


def test_float_results_of_integer_inputs():
    _same(jnp.reciprocal(np.array([1, 2, 0], np.int32)), [1.0, 0.5, np.inf], np.float32)
    _same(jnp.reciprocal(3), np.float32(1 / 3), np.float32, weak=True)
    _same(jnp.reciprocal(np.array([True, False])), [1.0, np.inf], np.float32)
    _same(jnp.rint(np.array([1, 2], np.int32)), [1.0, 2.0], np.float32)
    _same(jnp.rint(3), 3.0, np.float32)
    _same(jnp.rint(np.array([True, False])), [1.0, 0.0], np.float32)
    _same(jnp.angle(np.array([1, -1], np.float16)), [0, np.float16(np.pi)], np.float16)
    _same(jnp.angle(np.float16(-1)), np.float32(np.pi), np.float32)
    _same(jnp.angle(np.array([1, -1], np.int32)), [0, np.float32(np.pi)], np.float32)


def test_boolean_inputs_as_jax():
    b, c = np.array([True, False, True]), np.array([True, True, False])
    _same(jnp.floor_divide(b, c)[:2], [1, 0], np.int32)
    _same(jnp.remainder(b, c), [0, 0, 0], np.int32)
    _same(jnp.mod(b, c), [0, 0, 0], np.int32)
    _same(jnp.fmod(b, c)[:2], [0, 0], np.int32)
    _same(jnp.divmod(b, c)[1], [0, 0, 0], np.int32)
    _same(jnp.left_shift(b, c), [2, 0, 1], np.int32)
    _same(jnp.right_shift(b, c), [0, 0, 1], np.int32)
    _same(jnp.square(b), [1, 0, 1], np.int32)
    _same(jnp.square(True), 1, np.int32)
    _same(jnp.bitwise_count(b), [1, 0, 1], np.uint8)
    with pytest.raises(TypeError):
        jnp.sign(b)
    with pytest.raises(TypeError):
        jnp.sign(True)
    for f in (jnp.round, jnp.around):
        with pytest.raises(ValueError):
            f(b)


def test_integer_remainder_by_zero_is_zero():
    x = np.array([-7, -1, 0, 5, 7], np.int32)
    _same(jnp.remainder(x, np.zeros(5, np.int32)), [0] * 5, np.int32)
    _same(jnp.fmod(x, np.zeros(5, np.int32)), [0] * 5, np.int32)


def test_fmax_fmin_ties_differentiate_to_x2():
    import jtrans

    for f in (jnp.fmax, jnp.fmin):
        g = jtrans.grad(f, argnums=(0, 1))(1.0, 1.0)
        assert (float(g[0]), float(g[1])) == (0.0, 1.0)
        x = np.array([1.0, np.nan, 2.0], np.float32)
        y = np.array([np.nan, 3.0, 2.0], np.float32)
        np.testing.assert_array_equal(f(x, y), [1.0, 3.0, 2.0])
    _same(jnp.fmax(True, False), True, np.bool_)


@pytest.mark.parametrize(
    "f, weak",
    [
        # strong in JAX although the inputs are Python scalars
        (lambda: jnp.log10(2.5), False),
        (lambda: jnp.log2(3), False),
        (lambda: jnp.nan_to_num(2.5), False),
        (lambda: jnp.frexp(2.5)[0], False),
        (lambda: jnp.signbit(2.5), False),
        (lambda: jnp.signbit(3), False),
        (lambda: jnp.isinf(2.5), False),
        (lambda: jnp.isposinf(2.5), False),
        (lambda: jnp.isneginf(2.5), False),
        (lambda: jnp.isclose(3, 2), False),
        (lambda: jnp.isclose(np.array([1, 2], np.int32), 2), False),
        (lambda: jnp.allclose(2.5, 1.5), False),
        (lambda: jnp.array_equal(3, 2), False),
        (lambda: jnp.array_equiv(2.5, 1.5), False),
        (lambda: jnp.sin(True), False),
        (lambda: jnp.hypot(np.array([1, 2], np.int32), 2.5), False),
        (lambda: jnp.heaviside(np.array([1, 2], np.int32), 2.5), False),
        (lambda: jnp.logaddexp2(np.array([1, 2], np.int32), 2.5), False),
        # weak in JAX
        (lambda: jnp.hypot(3, 2), True),
        (lambda: jnp.heaviside(2.5, np.array([1, 2], np.int32)), True),
        (lambda: jnp.logaddexp2(3, 2), True),
        (lambda: jnp.isnan(3), True),
        (lambda: jnp.isnan(2.5), True),
        (lambda: jnp.imag(3), True),
        (lambda: jnp.imag(2.5), True),
        (lambda: jnp.iscomplex(3), True),
        (lambda: jnp.isreal(2.5), True),
        (lambda: jnp.logical_not(3), True),
        (lambda: jnp.logical_and(2.5, 1.5), True),
        (lambda: jnp.logical_or(3, 2), True),
        (lambda: jnp.nan_to_num(3), True),
        (lambda: jnp.rint(2.5), True),
    ],
)
def test_weak_types_of_python_scalar_inputs(f, weak):
    assert f().weak_type == weak


def test_isclose_compares_integers_as_floats():
    assert bool(jnp.isclose(10**6, 10**6 + 1))
    assert not bool(jnp.isclose(np.array([1, 5]), 2).any())


def test_array_equiv_of_unbroadcastable_shapes_raises():
    with pytest.raises(TypeError):
        jnp.array_equiv(np.ones(2), np.ones(3))
    with pytest.raises(ValueError):
        jnp.array_equiv(np.ones(2), np.ones(3))


def test_searchsorted_is_int32_under_x64():
    import jtrans

    jtrans.config.update("jax_enable_x64", True)
    try:
        assert jnp.searchsorted(jnp.arange(3), 1).dtype == np.int32
        assert jnp.searchsorted(jnp.arange(3.0), jnp.arange(2.0), side="right").dtype == np.int32
    finally:
        jtrans.config.update("jax_enable_x64", False)


def test_unique_sized_pads_index_with_first_unique_index():
    x = np.array([3, 1, 3, 2])
    vals, idx, inv, cnt = jnp.unique(x, size=5, return_index=True, return_inverse=True,
                                     return_counts=True)  # fmt: skip
    np.testing.assert_array_equal(vals, [1, 2, 3, 1, 1])
    np.testing.assert_array_equal(idx, [1, 3, 0, 1, 1])
    np.testing.assert_array_equal(inv, [2, 0, 2, 1])
    np.testing.assert_array_equal(cnt, [1, 1, 2, 0, 0])
    _, idx = jnp.unique(np.array([3.0, 1, np.nan, np.nan]), size=5, return_index=True)
    np.testing.assert_array_equal(idx, [1, 0, 2, 1, 1])
    _, idx = jnp.unique(x, size=5, return_index=True, fill_value=9)
    np.testing.assert_array_equal(idx, [1, 3, 0, 1, 1])
    assert jnp.unique(2.5).weak_type and jnp.unique(3, size=2).weak_type
    assert not jnp.unique(np.float32(2.5)).weak_type


def test_partition_arrangement_as_jax():
    a = np.array([0.65, 2.0, -1.166, -1.7, 1.6, 1.28], np.float32)
    np.testing.assert_array_equal(jnp.partition(a, 2), a[[3, 2, 0, 1, 4, 5]])
    np.testing.assert_array_equal(jnp.argpartition(a, 2), [3, 2, 0, 1, 4, 5])
    b = np.array([1.0, np.nan, 0, 3, np.nan], np.float32)
    np.testing.assert_array_equal(jnp.partition(b, 1), [0, 1, np.nan, np.nan, 3])
    np.testing.assert_array_equal(jnp.argpartition(b, 1), [2, 0, 1, 3, 4])
    c = np.array([1.0, 1, 0, 3, 0], np.float32)
    np.testing.assert_array_equal(jnp.argpartition(c, 1), [2, 4, 0, 1, 3])
    m = np.array([[3.0, 1, 2], [1, 2, 0]], np.float32)
    np.testing.assert_array_equal(jnp.partition(m, 0, axis=0), [[1, 1, 0], [3, 2, 2]])


def test_grad_through_scatter_of_a_scalar_update():
    import jtrans

    f = lambda u: jnp.sum(jnp.zeros(3).at[1].set(u[0]) ** 2)
    np.testing.assert_array_equal(jtrans.grad(f)(np.full(4, 3.0)), [6.0, 0, 0, 0])
    np.testing.assert_array_equal(jtrans.jit(jtrans.grad(f))(np.full(4, 3.0)), [6.0, 0, 0, 0])
    g = lambda u: jnp.sum(jnp.zeros(3).at[1].max(u[0]))
    np.testing.assert_array_equal(jtrans.grad(g)(np.ones(4)), [1.0, 0, 0, 0])
    dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,))
    out = lax.gather(jnp.arange(3.0), np.array([1], np.int32), dn, (1,))
    assert out.shape == () and float(out) == 1.0


def test_lax_dot_of_mixed_dtypes_as_jax():
    import jtrans

    f, i = np.ones((2, 3), np.float32), np.arange(3, dtype=np.int32)
    _same(lax.dot(f, i), [3.0, 3.0], np.float32)
    _same(lax.dot(i, f.T), [3.0, 3.0], np.float32)
    _same(lax.dot_general(f, i, (((1,), (0,)), ((), ()))), [3.0, 3.0], np.float32)
    _same(lax.dot(f, np.array([True, False, True])), [2.0, 2.0], np.float32)
    _same(lax.dot(f, np.ones(3, np.float16)), [3.0, 3.0], np.float32)
    _same(lax.dot(i, i.astype(np.int8)), 5, np.int32)
    # XLA's higher-precision type, not jnp promotion: uint8 . int8 is int8 (200 wraps to -56)
    _same(lax.dot(np.full(3, 200, np.uint8), np.ones(3, np.int8)), 88, np.int8)
    _same(lax.dot(f, i, preferred_element_type=np.float16), [3.0, 3.0], np.float16)
    _same(lax.dot(i, i, preferred_element_type=np.float32), 5.0, np.float32)
    with pytest.raises(TypeError):
        lax.dot(i, i, preferred_element_type=np.int8)
    np.testing.assert_array_equal(jtrans.grad(lambda x: lax.dot(x, i))(np.ones(3, np.float32)),
                                  [0.0, 1.0, 2.0])  # fmt: skip
    np.testing.assert_array_equal(jtrans.jit(lax.dot)(f, i), [3.0, 3.0])
    np.testing.assert_array_equal(jtrans.vmap(lax.dot, (0, None))(f, i), [3.0, 3.0])


def test_array_view_reinterprets_bits():
    import jtrans

    f = np.array([[1.5, -2.0, 0.0], [3.0, 1e-3, -0.0]], np.float32)
    x = jnp.asarray(f)
    for dt in (np.int32, np.uint8, np.float16, np.uint16, np.bool_):
        out = x.view(dt)
        want = f.view(np.uint8).astype(bool) if dt == np.bool_ else f.view(dt)
        assert out.dtype == dt and out.shape == want.shape
        np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(x.view(np.uint8).view(np.int32), f.view(np.int32))
    np.testing.assert_array_equal(jnp.array([True, False]).view(np.uint8), [1, 0])
    c = np.array([1 + 2j, 3 - 1j], np.complex64)
    np.testing.assert_array_equal(jnp.asarray(c).view(np.float32), c.view(np.float32))
    np.testing.assert_array_equal(jnp.asarray(c.view(np.float32)).view(np.complex64), c)
    assert int(jnp.float32(1.5).view(np.int32)) == np.float32(1.5).view(np.int32)
    assert x.view() is x
    with pytest.raises(ValueError):
        jnp.float32(1.5).view(np.int16)
    np.testing.assert_array_equal(jtrans.jit(lambda v: v.view(np.int32))(x), f.view(np.int32))
    i = np.arange(6, dtype=np.int32).reshape(2, 3) - 2
    np.testing.assert_array_equal(jtrans.vmap(lambda v: v.view(np.uint16))(i), i.view(np.uint16))
    np.testing.assert_array_equal(jtrans.vmap(lambda v: v.view(np.uint16), 1, 1)(i),
                                  np.stack([np.ascontiguousarray(r).view(np.uint16) for r in i.T], 1))  # fmt: skip
    g = jtrans.grad(lambda v: (v.view(np.int32) * 1.0).sum() + v.sum())(x)
    np.testing.assert_array_equal(g, np.ones((2, 3)))


def test_lax_bitcast_convert_type_shapes():
    u = lax.bitcast_convert_type(np.float32(1.5), np.uint8)
    assert u.shape == (4,) and not u.weak_type
    assert lax.bitcast_convert_type(u, np.float32).shape == ()
    assert not lax.bitcast_convert_type(1.5, np.int32).weak_type
    b = lax.bitcast_convert_type(np.ones((2, 3), np.float32), np.int16)
    assert b.shape == (2, 3, 2)
    with pytest.raises(TypeError):
        lax.bitcast_convert_type(np.ones(3, np.float32), np.bool_)
    with pytest.raises(ValueError):
        lax.bitcast_convert_type(np.ones((2, 3), np.uint8), np.float32)


def test_lax_pad_value_must_have_the_operand_dtype():
    f = np.ones(3, np.float32)
    assert lax.pad(f, 0.0, [(1, 1, 0)]).dtype == np.float32
    assert lax.pad(np.ones(3, np.int32), 0, [(1, 1, 0)]).dtype == np.int32
    assert lax.pad(np.ones(3, bool), False, [(1, 1, 0)]).dtype == np.bool_
    for x, v in ((f, 0), (np.ones(3, np.float16), 0.0), (np.ones(3, np.int8), 0),
                 (f, np.float16(0))):  # fmt: skip
        with pytest.raises(TypeError):
            lax.pad(x, v, [(1, 1, 0)])
