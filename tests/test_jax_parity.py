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
