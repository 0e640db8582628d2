"""Regression tests for differences found by tools/docstring_diff.py (JAX's docstring examples
run with JAX and with jtrans). Expected values are JAX 0.10's, written as literals."""

import contextlib

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
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
