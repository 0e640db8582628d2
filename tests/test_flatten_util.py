"""jtrans.flatten_util.ravel_pytree: values, JAX's dtype rules, and the round trip under grad,
jit and vmap."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.flatten_util import ravel_pytree
from jtrans.test_util import check_grads


def test_ravel_and_unravel_round_trip():
    tree = {"a": jnp.ones((2, 3)), "b": [jnp.arange(3.0), 2.0], "c": jnp.zeros(0)}
    flat, unravel = ravel_pytree(tree)
    assert flat.shape == (10,) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat, [1, 1, 1, 1, 1, 1, 0, 1, 2, 2])
    back = unravel(flat)
    assert jtrans.tree_structure(back) == jtrans.tree_structure(tree)
    for x, y in zip(jtrans.tree_leaves(back), jtrans.tree_leaves(tree)):
        assert x.shape == jnp.shape(y)
        np.testing.assert_array_equal(x, y)
    new = unravel(jnp.arange(10.0))
    np.testing.assert_array_equal(new["a"], np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(new["b"][1], 9.0)


def test_empty_and_scalar_trees():
    flat, unravel = ravel_pytree([])
    assert flat.shape == (0,) and flat.dtype == np.float32
    assert unravel(flat) == []
    flat, unravel = ravel_pytree(3)
    assert flat.shape == (1,) and flat.dtype == np.int32
    assert unravel(flat).shape == ()
    assert ravel_pytree((True,))[0].dtype == np.bool_


def test_mixed_dtypes_promote_and_cast_back():
    tree = (jnp.arange(3), jnp.ones(2, jnp.float16), jnp.array([True]))
    flat, unravel = ravel_pytree(tree)
    assert flat.dtype == np.float16
    np.testing.assert_array_equal(flat, [0, 1, 2, 1, 1, 1])
    back = unravel(flat)
    assert [x.dtype for x in back] == [np.int32, np.float16, np.bool_]
    np.testing.assert_array_equal(back[0], [0, 1, 2])
    with pytest.raises(TypeError, match="dtype"):
        unravel(flat.astype(jnp.float32))
    assert (
        ravel_pytree((jnp.ones(2, jnp.float16), jnp.ones(1, jnp.bfloat16)))[0].dtype == np.float32
    )
    assert ravel_pytree((jnp.ones(2), jnp.ones(1, jnp.int32)))[0].dtype == np.float32


def test_single_dtype_unravel_keeps_the_given_dtype():
    _, unravel = ravel_pytree((jnp.ones(2), jnp.ones((1, 1))))
    a, b = unravel(jnp.arange(3))  # int32 in, int32 out (JAX's dtype-polymorphic unravel)
    assert a.dtype == np.int32 and b.shape == (1, 1)
    with pytest.raises(ValueError, match="shape"):
        unravel(jnp.ones(4))


def test_ravel_pytree_differentiates_jits_and_batches():
    params = {"w": np.arange(6.0).reshape(2, 3), "b": np.array([0.5, -1.0])}
    _, unravel = ravel_pytree(params)

    def loss(p):
        flat = ravel_pytree(p)[0]
        return jnp.sum(jnp.sin(flat) * flat)

    with jtrans.enable_x64():
        check_grads(loss, (params,), order=2)
        check_grads(lambda v: jnp.sum(unravel(v)["w"] ** 2), (np.arange(8.0),), order=2)
        g = jtrans.grad(loss)(params)
        gj = jtrans.jit(jtrans.grad(loss))(params)
        np.testing.assert_allclose(gj["w"], g["w"])
        flat_j = jtrans.jit(lambda p: ravel_pytree(p)[0])(params)
        np.testing.assert_array_equal(flat_j, ravel_pytree(params)[0])
        np.testing.assert_array_equal(jtrans.jit(unravel)(flat_j)["w"], params["w"])
        vs = np.arange(16.0).reshape(2, 8)
        batched = jtrans.vmap(unravel)(vs)
        assert batched["w"].shape == (2, 2, 3)
        np.testing.assert_array_equal(batched["w"][1], unravel(vs[1])["w"])
        stacked = {"w": np.stack([params["w"]] * 3), "b": np.stack([params["b"]] * 3)}
        rows = jtrans.vmap(lambda p: ravel_pytree(p)[0])(stacked)
        np.testing.assert_array_equal(rows[2], ravel_pytree(params)[0])
