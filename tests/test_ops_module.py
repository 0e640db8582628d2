"""jtrans.ops (JAX's jax.ops): the segment reductions beyond the OpSpec table (tests/specs/ops.py):
JAX's documented examples, identities of empty segments per dtype, jit with a static
num_segments, vmap over the segment ids, and the errors."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import ops
from jtrans.errors import ConcretizationTypeError


def _eq(out, expect, dtype=None):
    np.testing.assert_array_equal(np.asarray(out), np.asarray(expect))
    if dtype is not None:
        assert out.dtype == np.dtype(dtype)


def test_docstring_examples():
    # the examples of JAX's segment_* docstrings
    _eq(ops.segment_sum(jnp.arange(5), jnp.array([0, 0, 1, 1, 2])), [1, 5, 4], np.int32)
    data, ids = jnp.arange(6), jnp.array([0, 0, 1, 1, 2, 2])
    _eq(ops.segment_prod(data, ids), [0, 6, 20], np.int32)
    _eq(ops.segment_max(data, ids), [1, 3, 5], np.int32)
    _eq(ops.segment_min(data, ids), [0, 2, 4], np.int32)
    for f, expect in [(ops.segment_sum, [1, 5, 9]), (ops.segment_min, [0, 2, 4])]:
        _eq(jtrans.jit(f, static_argnums=2)(data, ids, 3), expect)


@pytest.mark.parametrize(
    "dtype,mx,mn",
    [
        (np.float32, -np.inf, np.inf),
        (np.int32, np.iinfo(np.int32).min, np.iinfo(np.int32).max),
        (np.uint8, 0, 255),
        (np.bool_, False, True),
    ],
)
def test_empty_segments_hold_the_identity(dtype, mx, mn):
    data = jnp.asarray(np.ones(2, dtype))
    ids = jnp.array([0, 0])
    _eq(ops.segment_max(data, ids, 3)[1:], [mx, mx], dtype)
    _eq(ops.segment_min(data, ids, 3)[1:], [mn, mn], dtype)
    if dtype != np.bool_:
        _eq(ops.segment_sum(data, ids, 3), [2, 0, 0], dtype)
        _eq(ops.segment_prod(data, ids, 3), [1, 1, 1], dtype)


def test_out_of_range_ids_are_dropped_or_clipped():
    data = jnp.arange(1.0, 6.0)
    ids = jnp.array([0, -1, 1, 3, 1])  # -1 is out of range (not wrapped), as in JAX
    _eq(ops.segment_sum(data, ids, 2), [1.0, 8.0])
    _eq(ops.segment_sum(data, ids, 2, mode="clip"), [3.0, 12.0])
    _eq(ops.segment_sum(data, ids, 2, mode=jtrans.lax.GatherScatterMode.CLIP), [3.0, 12.0])


def test_bucket_size_matches_unbucketed():
    rng = np.random.default_rng(0)
    data = rng.uniform(0.5, 1.5, (50, 3)).astype(np.float32)
    ids = np.sort(rng.integers(0, 7, 50)).astype(np.int32)
    for f in (ops.segment_sum, ops.segment_prod, ops.segment_max, ops.segment_min):
        a = f(data, ids, 7, bucket_size=4)
        b = f(data, ids, 7, indices_are_sorted=True)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)
        assert a.shape == (7, 3) and a.dtype == np.float32


def test_vmap_over_segment_ids_and_data():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(4, 6, 2)).astype(np.float32)
    ids = rng.integers(0, 3, (4, 6)).astype(np.int32)
    for f in (ops.segment_sum, ops.segment_prod, ops.segment_max, ops.segment_min):
        out = jtrans.vmap(lambda d, i: f(d, i, 3))(data, ids)
        for b in range(4):
            np.testing.assert_allclose(np.asarray(out[b]), np.asarray(f(data[b], ids[b], 3)),
                                       rtol=1e-6)  # fmt: skip
        # ids batched, data shared
        out = jtrans.vmap(lambda i: f(data[0], i, 3))(ids)
        for b in range(4):
            np.testing.assert_allclose(np.asarray(out[b]), np.asarray(f(data[0], ids[b], 3)),
                                       rtol=1e-6)  # fmt: skip


def test_grad_is_a_gather_of_the_cotangent():
    ids = jnp.array([2, 0, 2, 1])
    g = jtrans.grad(lambda d: jnp.sum(ops.segment_sum(d, ids, 3) * jnp.array([1.0, 2.0, 3.0])))
    _eq(g(jnp.ones(4)), [3.0, 1.0, 3.0, 2.0])
    # max: the derivative goes to the winning entry of each segment
    g = jtrans.grad(lambda d: jnp.sum(ops.segment_max(d, ids, 3)))
    _eq(g(jnp.array([1.0, 5.0, 4.0, 2.0])), [0.0, 1.0, 1.0, 1.0])


def test_jit_needs_a_static_num_segments():
    ids = jnp.array([0, 1, 1])
    with pytest.raises(ConcretizationTypeError, match="num_segments"):
        jtrans.jit(lambda d, i: ops.segment_sum(d, i))(jnp.ones(3), ids)
    with pytest.raises(ConcretizationTypeError, match="num_segments"):
        jtrans.jit(lambda d, n: ops.segment_sum(d, ids, n))(jnp.ones(3), 2)
    # ids concrete (closed over) under jit: num_segments=None still works
    out = jtrans.jit(lambda d: ops.segment_sum(d, np.array([0, 1, 1])))(jnp.ones(3))
    _eq(out, [1.0, 2.0])
    txt = str(jtrans.make_jaxpr(lambda d, i: ops.segment_max(d, i, 4))(jnp.ones(3), ids))
    assert "scatter-max" in txt and "f32[4]" in txt


def test_errors():
    data = jnp.ones(3)
    with pytest.raises(ValueError, match="non-negative"):
        ops.segment_sum(data, jnp.array([0, 1, 1]), -1)
    with pytest.raises(TypeError, match="integer dtype"):
        ops.segment_sum(data, jnp.array([0.0, 1.0, 1.0]), 2)
    with pytest.raises(TypeError, match="bool"):
        ops.segment_sum(jnp.array([True, False]), jnp.array([0, 1]), 2)
    with pytest.raises(TypeError, match="bool"):
        ops.segment_prod(jnp.array([True, False]), jnp.array([0, 1]), 2)
    with pytest.raises(TypeError, match="ndarray or scalar"):
        ops.segment_sum([1.0, 2.0], jnp.array([0, 1]), 2)
    with pytest.raises(ValueError, match="segment_ids"):
        ops.segment_sum(jnp.ones((3, 2)), jnp.array([0, 1]), 2)
    with pytest.raises(ValueError, match="bucket_size"):
        ops.segment_sum(data, jnp.array([0, 1, 1]), 2, bucket_size=0)
    with pytest.raises(ValueError, match="non-empty"):
        ops.segment_sum(jnp.ones(0), jnp.zeros(0, jnp.int32))
    # num_segments=0 is allowed: an empty result
    assert ops.segment_max(jnp.ones((0, 2)), jnp.zeros(0, jnp.int32), 0).shape == (0, 2)
