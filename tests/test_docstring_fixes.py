"""Regression tests for differences found by tools/docstring_diff.py (JAX's docstring examples
run with JAX and with jtrans). Expected values are JAX 0.10's, written as literals."""

import contextlib

import numpy as np

import jtrans
from jtrans import lax, random


@contextlib.contextmanager
def _option(name, value):
    prev = jtrans.config.read(name)
    jtrans.config.update(name, value)
    try:
        yield
    finally:
        jtrans.config.update(name, prev)


def _np(x):
    return np.asarray(x)


# --- random: JAX's partitionable threefry (jax_threefry_partitionable=True, JAX's default) ----


def test_partitionable_threefry_bits_and_split():
    with _option("jax_threefry_partitionable", True):
        k = random.key(42)
        assert _np(random.split(k, 3)).tolist() == [
            [1832780943, 270669613],
            [64467757, 2916123636],
            [2465931498, 255383827],
        ]
        assert _np(random.bits(k, (5,), dtype=np.uint8)).tolist() == [162, 217, 249, 215, 21]
        assert _np(random.bits(k, (3,), dtype=np.uint16)).tolist() == [5026, 12505, 63993]
        assert _np(random.bits(random.key(0), (4,))).tolist() == [
            4070199207,
            4202968722,
            1427181096,
            2012915765,
        ]
        np.testing.assert_allclose(
            _np(random.normal(k, (3,))), [-0.028304616, 0.46713185, 0.29570296], rtol=1e-6
        )
        assert _np(random.randint(k, (4,), 0, 100)).tolist() == [44, 14, 71, 69]
        assert _np(random.geometric(k, 0.3, (5,))).tolist() == [3, 2, 2, 2, 3]
        with jtrans.dtypes.enable_x64():
            b = random.bits(k, (2,))
            assert b.dtype == np.uint64
            assert _np(b).tolist() == [7871734211187709741, 276886910877598708]


def test_threefry_option_is_part_of_the_jit_cache_key():
    f = jtrans.jit(lambda k: random.bits(k, (2,)))
    k = random.key(0)
    with _option("jax_threefry_partitionable", False):
        classic = _np(f(k)).tolist()
    with _option("jax_threefry_partitionable", True):
        assert _np(f(k)).tolist() == [4070199207, 4202968722] != classic


def test_geometric_uses_jax_formula():
    with _option("jax_threefry_partitionable", False):
        assert _np(random.geometric(random.key(42), 0.3, (5,))).tolist() == [1, 1, 5, 5, 5]


def test_bits_default_dtype_is_uint64_under_x64():
    with jtrans.dtypes.enable_x64():
        assert random.bits(random.key(0), (2,)).dtype == np.uint64
    assert random.bits(random.key(0), (2,)).dtype == np.uint32


# --- lax ----------------------------------------------------------------------------------------


def test_reduce_window_defaults_and_any_computation():
    x = np.arange(1.0, 11.0, dtype=np.float32)
    out = lax.reduce_window(x, 1.0, lax.mul, window_dimensions=(2,))
    np.testing.assert_array_equal(_np(out), [2, 6, 12, 20, 30, 42, 56, 72, 90])
    y = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    out = lax.reduce_window(
        y, 1.0, lax.mul, (2, 2), (1, 2), "SAME", base_dilation=(2, 1), window_dilation=(1, 2)
    )
    np.testing.assert_array_equal(_np(out), [[0, 2], [24, 6], [24, 6], [80, 10], [80, 10]])
    out = lax.reduce_window(y, 0.0, lambda a, b: a + b * b, (2, 2), (1, 1), [(1, 0), (0, 1)])
    np.testing.assert_array_equal(_np(out), [[1, 5, 13, 9], [42, 66, 98, 58], [186, 242, 306, 170]])
    ints = lax.reduce_window(np.arange(5, dtype=np.int32), 0, lax.bitwise_or, (2,))
    assert _np(ints).tolist() == [1, 3, 3, 7] and ints.dtype == np.int32
    g = jtrans.grad(lambda y: lax.reduce_window(y, 1.0, lax.mul, (2, 2), (1, 1), "VALID").sum())
    np.testing.assert_array_equal(
        _np(g(y)), [[20, 60, 156, 84], [360, 840, 1272, 696], [180, 460, 732, 420]]
    )
    f = jtrans.jit(jtrans.vmap(lambda r: lax.reduce_window(r, 1.0, lax.mul, (2,), (1,), "VALID")))
    np.testing.assert_array_equal(_np(f(y)), [[0, 2, 6], [20, 30, 42], [72, 90, 110]])


def test_broadcast_in_dim_with_unsorted_dimensions():
    a = np.arange(3).reshape(3, 1)
    assert lax.broadcast_in_dim(a, (2, 3, 4), broadcast_dimensions=(1, 0)).shape == (2, 3, 4)
    b = np.arange(6).reshape(3, 2)
    r = _np(lax.broadcast_in_dim(b, (2, 4, 3), (2, 0)))
    assert r[:, 0].tolist() == [[0, 2, 4], [1, 3, 5]] and (r == r[:, :1]).all()
    w = np.arange(24.0, dtype=np.float32).reshape(2, 4, 3)
    g = jtrans.grad(lambda x: (lax.broadcast_in_dim(x, (2, 4, 3), (2, 0)) * w).sum())
    np.testing.assert_array_equal(_np(g(b.astype(np.float32))), [[18, 66], [22, 70], [26, 74]])
