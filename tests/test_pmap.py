"""pmap: on the one device the mapped axis runs as a batch (jit of a named vmap)."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax


def _x(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def test_pmap_matches_vmap_and_returns_arrays():
    x = _x(4, 3)
    out = jtrans.pmap(lambda v: jnp.sin(v) * 2)(x)
    assert isinstance(out, jtrans.Array)
    np.testing.assert_allclose(out, np.sin(x) * 2, rtol=1e-5, atol=1e-6)


def test_pmap_collectives():
    x = _x(4, 3)

    def f(v):
        return v / lax.psum(v, "d"), lax.axis_index("d"), lax.all_gather(v, "d")

    a, i, g = jtrans.pmap(f, axis_name="d")(x)
    np.testing.assert_allclose(a, x / x.sum(0), rtol=1e-5)
    assert i.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(g, np.broadcast_to(x, (4, 4, 3)))


def test_pmap_in_out_axes_and_pytrees():
    x, y = _x(3, 5), _x(3, seed=1)
    out = jtrans.pmap(lambda a, b: {"s": a + b}, in_axes=(1, None), out_axes=1)(x, y)
    np.testing.assert_allclose(out["s"], x + y[:, None], rtol=1e-6)


def test_pmap_static_broadcasted_argnums():
    x = _x(2, 3)
    calls = []

    def f(v, n, scale):
        calls.append(n)
        return v**n * scale

    p = jtrans.pmap(f, axis_name="i", in_axes=(0, None, None), static_broadcasted_argnums=(1,))
    np.testing.assert_allclose(p(x, 2, 3.0), x**2 * 3.0, rtol=1e-5)
    np.testing.assert_allclose(p(x, 2, 3.0), x**2 * 3.0, rtol=1e-5)
    np.testing.assert_allclose(p(x, 3, 1.0), x**3, rtol=1e-5)
    assert calls == [2, 3]  # traced once per static value
    with pytest.raises(ValueError, match="unhashable"):
        p(x, [2], 1.0)


def test_pmap_of_grad_and_grad_of_pmap():
    x = _x(4, 3)

    def loss(v):
        return jnp.sum((v - lax.pmean(v, "i")) ** 2)

    def batched(xs):
        return jnp.sum((xs - xs.mean(0)) ** 2)

    g1 = jtrans.pmap(jtrans.grad(loss), axis_name="i")(x)
    g2 = jtrans.grad(lambda xs: jnp.sum(jtrans.pmap(loss, axis_name="i")(xs)))(x)
    want = jtrans.grad(batched)(x)
    np.testing.assert_allclose(g1, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g2, want, rtol=1e-5, atol=1e-6)


def test_nested_pmap_and_vmap():
    x = _x(2, 3, 4)
    f = jtrans.pmap(jtrans.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")
    np.testing.assert_allclose(f(x), np.broadcast_to(x.sum((0, 1)), x.shape), rtol=1e-5)


def test_pmap_axis_size_with_unmapped_inputs():
    out = jtrans.pmap(lambda: lax.axis_index("i"), axis_name="i", in_axes=(), axis_size=3)()
    assert out.tolist() == [0, 1, 2]


def test_pmap_unbound_name_error():
    with pytest.raises(NameError, match="unbound axis name: j"):
        jtrans.pmap(lambda v: lax.psum(v, "j"), axis_name="i")(_x(2))


def test_device_queries_unchanged():
    assert jtrans.device_count() >= 1
    assert jtrans.local_device_count() >= 1
    assert len(jtrans.devices()) >= 1
