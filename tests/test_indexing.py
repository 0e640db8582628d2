"""Indexing beyond the OpSpec table: many index forms against NumPy, .at updates against
NumPy's out-of-place equivalents, derivatives through indexing, vmap of indexing as ONE gather,
and the errors."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.test_util import check_grads

X = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
A0 = np.array([1, 0, -2])
A = np.array([2, 0, 1, -1])
B = np.array([[0, 1], [3, 2]])
M = X[:, :, 0, 0] > 10

INDICES = [
    0, -1, (1, 2), (1, -2, 3, -4), slice(None), slice(1, None), slice(None, None, -1),
    (slice(None), slice(2, 0, -1)), (Ellipsis, 1), (Ellipsis, None), (None, 0, Ellipsis, None),
    (0, slice(None), None, slice(1, 4, 2)), (slice(10, 20),), (slice(-100, 100, 3),),
    A0, (slice(None), A[:3]), (slice(None), slice(None), A), (0, A[:3], B[:1, :1] * 0),
    (A0[:2], slice(None), np.array([0, 2])), (slice(None), 0, slice(None), B),
    (A0[:2, None], np.array([0, 1, 2])), (slice(None), A[:2], None, B[:, :1]),
    (Ellipsis, B), (B[:1], Ellipsis, slice(None, None, -2)), M, (M, 2), (1, M[1]),
    (np.array(1), slice(None)), (Ellipsis, np.array([True, False, True, False, True])),
    (slice(None), [0, 2], 1), (np.array([], np.int32),), (True,), (False, 0),
]  # fmt: skip


def _ids(v):
    return str(v).replace("\n", "")[:40]


@pytest.mark.parametrize("idx", INDICES, ids=_ids)
def test_getitem_matches_numpy(idx):
    out = jnp.asarray(X)[idx]
    ref = X[idx]
    assert out.shape == ref.shape
    assert out.dtype == ref.dtype
    np.testing.assert_array_equal(np.asarray(out), ref)


@pytest.mark.parametrize("idx", [i for i in INDICES if not (isinstance(i, np.ndarray) and
                                 i.dtype == bool) and not (isinstance(i, tuple) and any(
                                 isinstance(j, np.ndarray) and j.dtype == bool for j in i))],
                         ids=_ids)  # fmt: skip
def test_getitem_traced_matches_numpy(idx):
    out = jtrans.jit(lambda x: x[idx])(X)
    np.testing.assert_array_equal(np.asarray(out), X[idx])


def test_getitem_traced_index_arrays():
    f = jtrans.jit(lambda x, i, j: x[i, :, j])
    np.testing.assert_array_equal(
        np.asarray(f(X, A0[:2], B[:, :1] % 4)), X[A0[:2], :, B[:, :1] % 4]
    )
    g = jtrans.jit(lambda x, i: x[1, i])
    for i in (0, 2, -1, -3):
        np.testing.assert_array_equal(np.asarray(g(X, i)), X[1, i])


def test_static_slicing_lowers_to_slice_not_gather():
    jaxpr = str(jtrans.make_jaxpr(lambda x: x[1:3, ::-1, None, 2])(X))
    assert "gather" not in jaxpr and "slice" in jaxpr and "rev" in jaxpr
    jaxpr = str(jtrans.make_jaxpr(lambda x, i: x[i, 1:])(X, 1))
    assert "gather" not in jaxpr and "dynamic_slice" in jaxpr


def test_out_of_bounds_reads_clamp_and_updates_drop():
    x = jnp.arange(5.0)
    np.testing.assert_array_equal(np.asarray(x[np.array([7, -9])]), [4.0, 0.0])
    i = jtrans.jit(lambda x, i: x[i])
    assert float(i(x, 10)) == 4.0
    np.testing.assert_array_equal(np.asarray(x.at[np.array([7, 1])].set(-1.0)), [0, -1, 2, 3, 4])
    np.testing.assert_array_equal(np.asarray(x.at[7].add(1.0)), np.arange(5.0))
    np.testing.assert_array_equal(
        np.asarray(x.at[np.array([7, 1])].set(-1.0, mode="clip")), [0, -1, 2, 3, -1]
    )
    g = x.at[np.array([1, 9])].get(mode="fill", fill_value=-2.0)
    np.testing.assert_array_equal(np.asarray(g), [1.0, -2.0])
    assert np.isnan(np.asarray(jnp.take(x, np.array([9])))[0])


UPDATES = [
    (1, 5.0), ((slice(None), 0), np.arange(5.0)), ((Ellipsis, slice(None, None, -2)), 1.0),
    (A0, 1.0), ((A0[:2], 1), np.ones((2, 4, 5))), ((0, slice(None), B), 2.0),
    ((slice(None), A[:3], None, 1), np.ones((1, 5))), (M, -1.0), ((0, 1, 2, 3), 7.0),
    ((slice(1, None), slice(None), np.array([0, 0, 3])), np.arange(5.0)),
]  # fmt: skip


@pytest.mark.parametrize("idx,v", UPDATES, ids=lambda v: _ids(v))
@pytest.mark.parametrize("op", ["set", "add", "multiply", "min", "max", "subtract"])
def test_at_updates_match_numpy(idx, v, op):
    out = getattr(jnp.asarray(X).at[idx], op)(v)
    ref = X.copy()
    ufunc = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum,
             "subtract": np.subtract}.get(op)  # fmt: skip
    if ufunc is None:
        ref[idx] = v
    else:
        # repeated indices accumulate, as in ufunc.at; NumPy's .at wants broadcast updates
        ufunc.at(ref, idx, np.broadcast_to(np.asarray(v, np.float32), ref[idx].shape))
    assert out.dtype == X.dtype and out.shape == X.shape
    np.testing.assert_allclose(np.asarray(out), ref)


def test_at_dtype_and_weak_types():
    x = jnp.arange(4)  # int32
    y = x.at[1].set(2.7)
    assert y.dtype == jnp.int32
    np.testing.assert_array_equal(np.asarray(y), [0, 2, 2, 3])
    assert jnp.zeros(3).at[0].add(1).dtype == jnp.float32
    assert jnp.arange(3.0).at[0].divide(2.0).dtype == jnp.float32


def test_grads_through_indexing(x64):
    x = np.random.default_rng(0).standard_normal((3, 4))
    fns = [
        lambda x: x[1],
        lambda x: x[::-1, 1:3] * x[0, 0],
        lambda x: x[np.array([0, 0, 2])],
        lambda x: x[:, np.array([[3, 1], [1, 1]])],
        lambda x: x[np.array([True, False, True])],
        lambda x: x.at[0].set(x[1] * 2.0),
        lambda x: x.at[np.array([0, 0, 2])].add(x[:3] ** 2),
        lambda x: x.at[np.array([1, 1])].set(x[0:2]),
        lambda x: x.at[:, 0].multiply(x[:, 1]),
        lambda x: x.at[np.array([0, 2, 0])].max(x[:3, ::-1]),
        lambda x: x.at[np.array([1, 1, 1])].min(x[:3]),
        lambda x: jnp.take_along_axis(x, np.array([[0, 3], [1, 1], [2, 0]]), 1),
        lambda x: jnp.diag(jnp.diagonal(x, 1), -1),
    ]
    for fn in fns:
        f = lambda x, fn=fn: fn(jnp.asarray(x))
        check_grads(f, (x,), order=2, modes=("fwd", "rev"), atol=1e-5, rtol=1e-5)


def test_grad_with_traced_index(x64):
    x = np.random.default_rng(1).standard_normal((4, 3))
    for i in (0, 3, -1):
        check_grads(lambda x, i=i: x[i] * x[jnp.asarray(i)], (x,), order=2)
    g = jtrans.grad(lambda x, i: x[i].sum())(x, 2)
    np.testing.assert_array_equal(np.asarray(g), np.eye(4)[2][:, None] * np.ones((4, 3)))


def _count(jaxpr, name):
    return sum(e.prim.name == name for e in jaxpr.eqns)


@pytest.mark.parametrize("index_shape", [(), (2,), (2, 3)])
def test_vmap_indexing_is_one_gather(index_shape):
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((5, 4, 3)).astype(np.float32)
    idx = rng.integers(-4, 4, size=(5,) + index_shape).astype(np.int32)

    def f(x, i):
        return x[i]

    out = jtrans.vmap(f)(xs, idx)
    ref = np.stack([xs[b][idx[b]] for b in range(5)])
    np.testing.assert_array_equal(np.asarray(out), ref)
    jaxpr = jtrans.make_jaxpr(jtrans.vmap(f))(xs, idx).jaxpr
    assert _count(jaxpr, "gather") == 1
    assert not any(e.prim.name in ("while", "scan", "dynamic_slice") for e in jaxpr.eqns)
    # only the index batched, or only the operand
    out = jtrans.vmap(f, (None, 0))(xs[0], idx)
    np.testing.assert_array_equal(np.asarray(out), np.stack([xs[0][idx[b]] for b in range(5)]))
    out = jtrans.vmap(f, (0, None))(xs, idx[0])
    np.testing.assert_array_equal(np.asarray(out), np.stack([xs[b][idx[0]] for b in range(5)]))


def test_vmap_at_updates_is_one_scatter():
    rng = np.random.default_rng(3)
    xs = rng.standard_normal((5, 4)).astype(np.float32)
    idx = rng.integers(0, 4, size=(5, 2)).astype(np.int32)
    vs = rng.standard_normal((5, 2)).astype(np.float32)
    f = lambda x, i, v: x.at[i].add(v)
    out = jtrans.vmap(f)(xs, idx, vs)
    ref = []
    for b in range(5):
        r = xs[b].copy()
        np.add.at(r, idx[b], vs[b])
        ref.append(r)
    np.testing.assert_allclose(np.asarray(out), np.stack(ref), rtol=1e-6)
    jaxpr = jtrans.make_jaxpr(jtrans.vmap(f))(xs, idx, vs).jaxpr
    assert _count(jaxpr, "scatter-add") == 1


def test_vmap_of_grad_of_indexing():
    xs = np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)
    idx = np.array([0, 3, 3], np.int32)
    g = jtrans.vmap(jtrans.grad(lambda x, i: (x[i] ** 2).sum()))(xs, idx)
    ref = np.zeros_like(xs)
    ref[np.arange(3), idx] = 2 * xs[np.arange(3), idx]
    np.testing.assert_allclose(np.asarray(g), ref, rtol=1e-6)


def test_index_errors():
    x = jnp.arange(12.0).reshape(3, 4)
    # static out-of-range ints clamp, as JAX documents ("Out-of-bounds indexing" sharp bit)
    np.testing.assert_array_equal(x[3], [8.0, 9.0, 10.0, 11.0])
    assert float(x[0, -5]) == 0.0
    with pytest.raises(IndexError, match="Too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(TypeError, match="non-tuple sequence"):
        x[[0, 1]]
    with pytest.raises(TypeError, match="integer or boolean"):
        x[jnp.array([0.5])]
    with pytest.raises(IndexError, match="did not match"):
        x[np.array([True, False])]
    np.testing.assert_array_equal(jtrans.jit(lambda x: x[3])(x), [8.0, 9.0, 10.0, 11.0])
    with pytest.raises(IndexError):
        jnp.zeros((0,))[jnp.asarray(0)]


def test_traced_boolean_mask_error():
    x = jnp.arange(4.0)
    with pytest.raises(jnp.NonConcreteBooleanIndexError, match="jnp.where"):
        jtrans.jit(lambda x: x[x > 1])(x)
    with pytest.raises(IndexError):
        jtrans.vmap(lambda x: x[x > 1])(x[None])
    with pytest.raises(TypeError):
        jtrans.jit(lambda x: x.at[x > 1].set(0.0))(x)
    # concrete masks work eagerly, and under grad (the mask's value is known)
    np.testing.assert_array_equal(np.asarray(x[x > 1]), [2.0, 3.0])
    g = jtrans.grad(lambda x: x[x > 1].sum())(x)
    np.testing.assert_array_equal(np.asarray(g), [0, 0, 1, 1])


def test_traced_slice_bounds_error():
    with pytest.raises(jtrans.errors.ConcretizationTypeError, match="dynamic_slice"):
        jtrans.jit(lambda x, i: x[i:])(jnp.arange(3.0), 1)


def test_at_shape_errors():
    x = jnp.zeros((3, 4))
    with pytest.raises(ValueError, match="broadcast"):
        x.at[0].set(jnp.ones(3))
    with pytest.raises(ValueError, match="inplace"):
        jnp.put(x, 0, 1.0)


def test_lax_gather_scatter_errors():
    x = jnp.zeros((3, 4))
    dn = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                    start_index_map=(0,))  # fmt: skip
    with pytest.raises(ValueError, match="slice_sizes"):
        lax.gather(x, np.array([[0]]), dn, (1, 5))
    with pytest.raises(TypeError, match="integers"):
        lax.gather(x, np.array([[0.0]]), dn, (1, 4))
    with pytest.raises(ValueError, match="index vector"):
        lax.gather(x, np.array([[0, 1]]), dn, (1, 4))
    sdn = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))  # fmt: skip
    with pytest.raises(ValueError, match="updates of shape"):
        lax.scatter_add(x, np.array([[0]]), jnp.ones((2, 4)), sdn)
    with pytest.raises(ValueError, match="pad"):
        lax.pad(jnp.zeros(2), 0.0, [(-2, -1, 0)])
    with pytest.raises(ValueError, match="concatenate"):
        lax.concatenate([jnp.zeros((2, 3)), jnp.zeros((2, 4))], 0)


def test_methods_and_properties():
    x = jnp.arange(6.0)
    assert x.reshape(2, 3).shape == (2, 3) and x.reshape((3, 2)).shape == (3, 2)
    y = x.reshape(2, 3)
    assert y.T.shape == (3, 2) and y.transpose().shape == (3, 2)
    assert y.transpose(1, 0).shape == (3, 2) and y.transpose((1, 0)).shape == (3, 2)
    assert y.flatten().shape == (6,) and y.ravel().shape == (6,)
    assert y[None].squeeze().shape == (2, 3) and y.swapaxes(0, 1).shape == (3, 2)
    assert y.repeat(2, axis=1).shape == (2, 6) and y.mT.shape == (3, 2)

    def f(x):
        z = x.reshape(2, 3).T[1:, ..., None]
        return z.at[0].set(1.0).sum() + x.at[0].get()

    assert float(jtrans.jit(f)(x)) == float(f(x))
    np.testing.assert_allclose(np.asarray(jtrans.grad(f)(x)), [1, 0, 1, 0, 0, 1])


def test_take_along_axis_none_needs_1d_indices():
    # pinned to JAX: axis=None flattens arr and requires 1-D indices
    x = jnp.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(jnp.take_along_axis(x, jnp.array([5, 0]), None), [5.0, 0.0])
    with pytest.raises(ValueError, match="1-D"):
        jnp.take_along_axis(x, jnp.zeros((2, 1), jnp.int32), None)
