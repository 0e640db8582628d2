"""custom_batching.custom_vmap and sequential_vmap."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.custom_batching import custom_vmap, sequential_vmap
from jtrans.test_util import check_grads


def _x(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def _make(log):
    @custom_vmap
    def f(x, y):
        return jnp.sin(x) * y

    @f.def_vmap
    def f_vmap_rule(axis_size, in_batched, xs, ys):
        log.append((axis_size, in_batched))
        x_b, y_b = in_batched
        xs = xs if x_b else jnp.broadcast_to(xs, (axis_size,) + jnp.shape(xs))
        ys = ys if y_b else jnp.broadcast_to(ys, (axis_size,))
        return jnp.sin(xs) * ys[:, None], True

    return f


def test_eager_and_jit_run_the_function():
    log = []
    f = _make(log)
    x = _x(3)
    np.testing.assert_allclose(f(x, 2.0), np.sin(x) * 2, rtol=1e-6)
    np.testing.assert_allclose(jtrans.jit(f)(x, 2.0), np.sin(x) * 2, rtol=1e-5)
    assert log == []


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (1, None)])
def test_vmap_calls_the_rule(in_axes):
    log = []
    f = _make(log)
    x = {0: _x(4, 3), 1: _x(3, 4), None: _x(3)}[in_axes[0]]
    y = _x(4, seed=1) if in_axes[1] is not None else np.float32(2.0)
    out = jtrans.vmap(f, in_axes=in_axes)(x, y)
    xs = np.moveaxis(x, in_axes[0], 0) if in_axes[0] is not None else x
    ys = y[:, None] if in_axes[1] is not None else y
    np.testing.assert_allclose(out, np.sin(xs) * ys, rtol=1e-5)
    assert log == [(4, [in_axes[0] is not None, in_axes[1] is not None])]


def test_rule_sees_batch_axis_first_and_is_used_under_jit():
    seen = []

    @custom_vmap
    def f(x):
        return x * 2

    @f.def_vmap
    def rule(axis_size, in_batched, xs):
        seen.append(jnp.shape(xs))
        return xs * 3, True  # the rule's own meaning, to see that it ran

    x = _x(2, 5)
    np.testing.assert_allclose(jtrans.vmap(f, in_axes=1)(x), x.T * 3, rtol=1e-6)
    np.testing.assert_allclose(jtrans.jit(jtrans.vmap(f))(x), x * 3, rtol=1e-6)
    np.testing.assert_allclose(jtrans.vmap(jtrans.jit(f))(x), x * 3, rtol=1e-6)
    assert seen == [(5, 2), (2, 5), (2, 5)]


def test_pytree_arguments_and_outputs():
    @custom_vmap
    def f(p):
        return {"s": p["a"] + p["b"], "d": p["a"] - p["b"]}

    @f.def_vmap
    def rule(axis_size, in_batched, p):
        (flags,) = in_batched
        assert flags == {"a": True, "b": False}
        out = {"s": p["a"] + p["b"], "d": p["a"] - p["b"]}
        return out, {"s": True, "d": True}

    a, b = _x(3, 2), _x(2, seed=1)
    out = jtrans.vmap(f, in_axes=({"a": 0, "b": None},))({"a": a, "b": b})
    np.testing.assert_allclose(out["s"], a + b, rtol=1e-6)
    np.testing.assert_allclose(out["d"], a - b, rtol=1e-6)


def test_unbatched_output_from_rule():
    @custom_vmap
    def f(x):
        return jnp.sum(x) * 0 + 1.0

    @f.def_vmap
    def rule(axis_size, in_batched, xs):
        return jnp.float32(1.0), False

    out = jtrans.vmap(f)(_x(4, 2))
    np.testing.assert_allclose(out, np.ones(4))


def test_derivatives_differentiate_the_function():
    log = []
    f = _make(log)
    x = np.float32(0.7)
    np.testing.assert_allclose(jtrans.grad(f)(x, 2.0), 2 * np.cos(0.7), rtol=1e-5)
    xs = _x(4)
    g = jtrans.vmap(jtrans.grad(f), in_axes=(0, None))(xs, 2.0)
    np.testing.assert_allclose(g, 2 * np.cos(xs), rtol=1e-5)
    jtrans.config.update("jax_enable_x64", True)
    try:
        check_grads(lambda a: f(a, 3.0), (np.random.RandomState(0).randn(3),), order=2)
        check_grads(jtrans.vmap(lambda a: f(a, 3.0)), (np.random.RandomState(0).randn(4, 3),),
                    order=1)  # fmt: skip
    finally:
        jtrans.config.update("jax_enable_x64", False)


def test_rule_errors():
    @custom_vmap
    def f(x):
        return x

    with pytest.raises(AttributeError, match="No batching rule"):
        f(1.0)

    @f.def_vmap
    def bad(axis_size, in_batched, xs):
        return (xs, xs), True

    with pytest.raises(TypeError, match="structure"):
        jtrans.vmap(f)(_x(3))

    @custom_vmap
    def g(x):
        return x

    @g.def_vmap
    def wrong_shape(axis_size, in_batched, xs):
        return xs[:1], True

    with pytest.raises(ValueError, match="expected"):
        jtrans.vmap(g)(_x(3, 2))


def test_closure_over_batched_value_is_an_error():
    def outer(c):
        @custom_vmap
        def f(x):
            return x * c

        @f.def_vmap
        def rule(axis_size, in_batched, xs):
            return xs * c, True

        return f(jnp.ones(2))

    with pytest.raises(ValueError, match="closes over"):
        jtrans.vmap(outer)(_x(3))


def test_sequential_vmap():
    traced_shapes = []

    def f(x):
        traced_shapes.append(jnp.shape(x))
        return jnp.sum(x) * x

    g = sequential_vmap(f)
    x = _x(4, 3)
    out = jtrans.vmap(g)(x)
    np.testing.assert_allclose(out, x.sum(1, keepdims=True) * x, rtol=1e-5)
    assert all(s == (3,) for s in traced_shapes)  # f never saw the batch axis
    assert "scan" in str(jtrans.make_jaxpr(jtrans.vmap(g))(x))
    np.testing.assert_allclose(jtrans.jit(jtrans.vmap(g))(x), x.sum(1, keepdims=True) * x,
                               rtol=1e-5)  # fmt: skip


def test_sequential_vmap_with_unbatched_argument():
    g = sequential_vmap(lambda x, w: jnp.dot(w, x))
    x, w = _x(5, 3), _x(2, 3, seed=1)
    out = jtrans.vmap(g, in_axes=(0, None))(x, w)
    np.testing.assert_allclose(out, x @ w.T, rtol=1e-5, atol=1e-6)


def test_custom_vmap_with_collectives_inside_rule():
    @custom_vmap
    def f(x):
        return x

    @f.def_vmap
    def rule(axis_size, in_batched, xs):
        return xs - jnp.mean(xs, 0), True

    x = _x(2, 3, 4)
    # the rule batches over the inner axis; the outer named axis is still usable around it
    out = jtrans.vmap(lambda v: lax.psum(jtrans.vmap(f)(v), "i"), axis_name="i")(x)
    ref = (x - x.mean(1, keepdims=True)).sum(0)
    np.testing.assert_allclose(out, np.broadcast_to(ref, x.shape), rtol=1e-5, atol=1e-6)
