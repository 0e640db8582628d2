"""The jit warm-call fast path with NumPy array arguments: same results, dtypes and weak types
as the traced path, under option changes (x64) and with arrays the executable must convert."""

import numpy as np

import jtrans
import jtrans.numpy as jnp


def _twice(f, *args):
    first = f(*args)  # traced, compiled, cached
    second = f(*args)  # the fast path
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
    assert first.dtype == second.dtype
    assert first.weak_type == second.weak_type
    return second


def test_numpy_arguments_match_traced_path():
    f = jtrans.jit(lambda a, b: a * b + 1)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = _twice(f, x, x)
    np.testing.assert_array_equal(np.asarray(out), x * x + 1)
    assert out.dtype == np.float32 and not out.weak_type


def test_64_bit_numpy_inputs_are_narrowed_without_x64():
    f = jtrans.jit(lambda a: a + 1)
    out = _twice(f, np.ones(3))  # float64 NumPy: float32 inside (x64 off)
    assert out.dtype == np.float32
    out = _twice(f, np.arange(3))  # int64 NumPy: int32
    assert out.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(out), [1, 2, 3])


def test_x64_switch_does_not_reuse_the_other_executable():
    f = jtrans.jit(lambda a: a * 2)
    x32, x64 = np.ones(4, np.float32), np.ones(4, np.float64)
    assert f(x64).dtype == np.float32
    assert f(x32).dtype == np.float32
    with jtrans.enable_x64():
        assert f(x64).dtype == np.float64
        assert f(x64).dtype == np.float64
        assert f(x32).dtype == np.float32
    assert f(x64).dtype == np.float32
    assert f(x32).dtype == np.float32


def test_mixed_and_pytree_arguments():
    f = jtrans.jit(lambda p, x: {"y": p["w"] @ x + p["b"]})
    rng = np.random.default_rng(0)
    p = {"w": rng.standard_normal((3, 4)).astype(np.float32), "b": jnp.ones(3)}
    x = rng.standard_normal(4).astype(np.float32)
    first, second = f(p, x)["y"], f(p, x)["y"]
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
    np.testing.assert_allclose(np.asarray(second), p["w"] @ x + 1, rtol=1e-6)


def test_weak_array_and_numpy_array_keep_their_own_entries():
    f = jtrans.jit(lambda a: a * 3)
    weak = jtrans.jit(lambda: 2.0)()  # a weakly typed float32 scalar
    assert weak.weak_type
    strong = np.array(2.0, np.float32)
    for _ in range(2):
        a, b = f(weak), f(strong)
        assert a.weak_type and not b.weak_type
        assert a.dtype == b.dtype == np.float32


def test_non_contiguous_and_boolean_numpy_arguments():
    f = jtrans.jit(lambda a: a.sum(axis=0))
    x = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]  # a strided view
    out = _twice(f, x)
    np.testing.assert_array_equal(np.asarray(out), x.sum(axis=0))
    g = jtrans.jit(lambda m: jnp.where(m, 1, 0))
    out = _twice(g, np.array([True, False, True]))
    np.testing.assert_array_equal(np.asarray(out), [1, 0, 1])


def test_unsupported_numpy_dtype_still_raises():
    f = jtrans.jit(lambda a: a)
    for bad in (np.array(["a", "b"]), np.array([object()], dtype=object)):
        try:
            f(bad)
        except (TypeError, ValueError):
            pass
        else:
            raise AssertionError(f"{bad.dtype} accepted")
