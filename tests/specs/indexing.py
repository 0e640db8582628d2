"""OpSpecs for indexing (x[idx], x.at[idx] updates, take, take_along_axis, diagonal, diag) and
the lax indexing primitives (dynamic_slice, dynamic_update_slice, gather, scatter family)."""

import numpy as np

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import OpSpec

I = np.array([2, 0, 2], np.int32)
I2 = np.array([[1, 0], [2, 2]], np.int32)


def _at_np(op):
    def f(x, idx, v):
        out = np.array(x, copy=True)
        getattr(np, op).at(out, idx, v) if op != "set" else out.__setitem__(idx, v)
        return out

    return f


def _idx_args(shape_x, idx_hi, idx_shape):
    def make(rng, shapes, dt):
        x = rng.uniform(-2, 2, shapes[0]).astype(dt)
        i = rng.integers(-idx_hi, idx_hi, size=shapes[1]).astype(np.int32)
        return [x, i]

    return make


def _dyn_args(rng, shapes, dt):
    out = []
    for k, s in enumerate(shapes):
        if k == 0 or s != ():
            out.append(rng.uniform(-2, 2, s).astype(dt))
        else:
            out.append(np.asarray(rng.integers(-3, 5), np.int32))
    return out


_GDN = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
_SDN = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                   scatter_dims_to_operand_dims=(0,))  # fmt: skip
_IDX = np.array([[2], [0], [2]], np.int32)
_UIDX = np.array([[2], [0]], np.int32)

SPECS = [
    # basic indexing
    OpSpec("getitem_int", lambda x: x[1], lambda x: x[1], [((3,),), ((3, 2),)]),
    OpSpec("getitem_neg_int", lambda x: jnp.asarray(x)[-1, 0], lambda x: x[-1, 0], [((3, 2),)]),
    OpSpec("getitem_slice", lambda x: jnp.asarray(x)[1:3], lambda x: x[1:3], [((4,),), ((4, 2),)]),
    OpSpec("getitem_neg_step", lambda x: jnp.asarray(x)[::-2, 1::-1], lambda x: x[::-2, 1::-1],
           [((5, 3),)]),
    OpSpec("getitem_newaxis", lambda x: jnp.asarray(x)[..., None, :1],
           lambda x: x[..., None, :1], [((2, 3),), ((0, 3),)]),
    OpSpec("getitem_ellipsis", lambda x: jnp.asarray(x)[..., 1], lambda x: x[..., 1],
           [((2, 3, 4),)]),
    OpSpec("getitem_scalar_none", lambda x: jnp.asarray(x)[None], lambda x: x[None], [((),)]),
    OpSpec("getitem_empty_slice", lambda x: jnp.asarray(x)[3:1], lambda x: x[3:1], [((4,),)]),
    # advanced indexing
    OpSpec("getitem_array", lambda x: jnp.asarray(x)[I], lambda x: x[I], [((3,),), ((3, 2),)]),
    OpSpec("getitem_array2d", lambda x: jnp.asarray(x)[:, I2], lambda x: x[:, I2], [((2, 3),)]),
    OpSpec("getitem_two_arrays", lambda x: jnp.asarray(x)[I, :, I],
           lambda x: x[I, :, I], [((3, 2, 3),)]),
    OpSpec("getitem_separated", lambda x: jnp.asarray(x)[:, 1, :, I],
           lambda x: x[:, 1, :, I], [((2, 3, 2, 3),)]),
    OpSpec("getitem_adjacent", lambda x: jnp.asarray(x)[:, I, 0], lambda x: x[:, I, 0],
           [((2, 3, 2),)]),
    OpSpec("getitem_mask", lambda x: jnp.asarray(x)[np.array([True, False, True])],
           lambda x: x[np.array([True, False, True])], [((3,),), ((3, 2),)], vmap=False,
           jit=False),
    OpSpec("getitem_list_in_tuple", lambda x: jnp.asarray(x)[[0, 2], 1:],
           lambda x: x[[0, 2], 1:], [((3, 3),)]),
    OpSpec("getitem_traced_index", lambda x, i: jnp.asarray(x)[i], lambda x, i: x[i],
           [((4, 3), (5,)), ((4,), (2, 2))], nondiff_argnums=(1,),
           args_maker=_idx_args(None, 4, None)),
    OpSpec("getitem_traced_scalar", lambda x, i: jnp.asarray(x)[:, i], lambda x, i: x[:, i],
           [((2, 4), ())], nondiff_argnums=(1,), args_maker=_idx_args(None, 4, None)),
    # .at updates
    OpSpec("at_set", lambda x, v: jnp.asarray(x).at[1:, 0].set(v),
           lambda x, v: _at_np("set")(x, (slice(1, None), 0), v), [((3, 2), ()), ((3, 2), (2,))]),
    OpSpec("at_set_array", lambda x, v: jnp.asarray(x).at[np.array([2, 0])].set(v),
           lambda x, v: _at_np("set")(x, np.array([2, 0]), v), [((3, 2), (2, 2)), ((3,), ())]),
    OpSpec("at_add", lambda x, v: jnp.asarray(x).at[I].add(v),
           lambda x, v: _at_np("add")(x, I, v), [((4,), (3,)), ((4, 2), (3, 2)), ((4, 2), ())]),
    OpSpec("at_subtract", lambda x, v: jnp.asarray(x).at[::2].subtract(v),
           lambda x, v: _at_np("subtract")(x, slice(None, None, 2), v), [((5,), (3,))]),
    OpSpec("at_multiply", lambda x, v: jnp.asarray(x).at[1, ::-1].multiply(v),
           lambda x, v: _at_np("multiply")(x, (1, slice(None, None, -1)), v), [((2, 3), (3,))]),
    OpSpec("at_multiply_repeated", lambda x: jnp.asarray(x).at[I].multiply(3.0),
           lambda x: _at_np("multiply")(x, I, 3.0), [((4,),)]),
    OpSpec("at_divide", lambda x, v: jnp.asarray(x).at[I].divide(v),
           lambda x, v: _at_np("divide")(x, I, v), [((4,), (3,))], domain=(0.5, 2.0)),
    OpSpec("at_power", lambda x: jnp.asarray(x).at[1:].power(2),
           lambda x: _at_np("power")(x, slice(1, None), 2), [((3,),)], domain=(0.5, 2.0)),
    OpSpec("at_min", lambda x, v: jnp.asarray(x).at[I].min(v),
           lambda x, v: _at_np("minimum")(x, I, v), [((4,), (3,)), ((4, 2), (3, 2))]),
    OpSpec("at_max", lambda x, v: jnp.asarray(x).at[:, 1].max(v),
           lambda x, v: _at_np("maximum")(x, (slice(None), 1), v), [((4, 2), (4,))]),
    OpSpec("at_get", lambda x: jnp.asarray(x).at[np.array([0, 5])].get(mode="fill",
           fill_value=-1.0), lambda x: np.where([True, False], x[np.array([0, 0])], -1.0),
           [((3,),)]),
    OpSpec("at_apply", lambda x: jnp.asarray(x).at[1:].apply(lambda v: v * v),
           lambda x: np.concatenate([x[:1], x[1:] ** 2]), [((3,),)]),
    OpSpec("at_set_traced_index", lambda x, i, v: jnp.asarray(x).at[i].set(v),
           lambda x, i, v: _at_np("set")(x, i, v), [((4, 2), (), (2,))], nondiff_argnums=(1,),
           args_maker=lambda rng, s, dt: [rng.uniform(-2, 2, s[0]).astype(dt),
                                          np.asarray(rng.integers(-4, 4), np.int32),
                                          rng.uniform(-2, 2, s[2]).astype(dt)]),
    OpSpec("at_add_drop", lambda x, v: jnp.asarray(x).at[np.array([1, 7])].add(v),
           lambda x, v: _at_np("add")(x, np.array([1]), v[:1]), [((3,), (2,))]),
    # functions
    OpSpec("take", lambda x: jnp.take(x, I2), lambda x: np.take(x, I2), [((2, 3),)]),
    OpSpec("take_axis", lambda x: jnp.take(x, I, axis=1), lambda x: np.take(x, I, axis=1),
           [((2, 3),), ((0, 3),)]),
    OpSpec("take_wrap", lambda x: jnp.take(x, np.array([5, -4]), mode="wrap"),
           lambda x: np.take(x, np.array([5, -4]), mode="wrap"), [((3,),)]),
    OpSpec("take_clip", lambda x: jnp.take(x, np.array([5, 1]), mode="clip"),
           lambda x: np.take(x, np.array([5, 1]), mode="clip"), [((3,),)]),
    OpSpec("take_raise", lambda x: jnp.take(x, np.array([[2, -3], [0, 1]]), axis=-1, mode="raise"),
           lambda x: np.take(x, np.array([[2, -3], [0, 1]]), axis=-1, mode="raise"),
           [((3,),), ((2, 3),)]),
    OpSpec("place", lambda a, v: jnp.place(a, (np.arange(a.size) % 3 != 1).reshape(a.shape), v,
                                           inplace=False),
           lambda a, v: (lambda y: (np.place(y, (np.arange(a.size) % 3 != 1).reshape(a.shape), v),
                                    y)[1])(a.copy()),
           [((2, 3), (2,)), ((5,), (7,)), ((4,), ())]),
    OpSpec("take_along_axis", lambda x: jnp.take_along_axis(x, np.argsort(np.arange(6)[::-1]
           .reshape(2, 3) % 3, axis=1), axis=1), lambda x: np.take_along_axis(x, np.argsort(
           np.arange(6)[::-1].reshape(2, 3) % 3, axis=1), axis=1), [((2, 3),)]),
    OpSpec("take_along_axis_bcast", lambda x: jnp.take_along_axis(x, np.array([[0], [2]]), 1),
           lambda x: np.take_along_axis(x, np.array([[0], [2]]), 1), [((2, 3),)]),
    OpSpec("diagonal", jnp.diagonal, np.diagonal, [((3, 3),), ((2, 4),), ((2, 3, 4),)]),
    OpSpec("diagonal_offset", lambda x: jnp.diagonal(x, -1, 2, 0),
           lambda x: np.diagonal(x, -1, 2, 0), [((3, 2, 4),)]),
    OpSpec("diagonal_method", lambda x: jnp.asarray(x).diagonal(1), lambda x: x.diagonal(1),
           [((3, 4),)]),
    OpSpec("diag", jnp.diag, np.diag, [((3,),), ((3, 4),), ((0,),)]),
    OpSpec("diag_k", lambda x: jnp.diag(x, -2), lambda x: np.diag(x, -2), [((3,),), ((4, 3),)]),
    OpSpec("put", lambda x, v: jnp.put(x, np.array([0, 4]), v, inplace=False),
           lambda x, v: _at_np("set")(x.ravel(), np.array([0, 4]), v).reshape(x.shape),
           [((2, 3), (2,))]),
    OpSpec("ix_", lambda x: x[jnp.ix_(np.array([0, 2]), np.array([1, 0, 1]))],
           lambda x: x[np.ix_(np.array([0, 2]), np.array([1, 0, 1]))], [((3, 2),)]),
    # lax
    OpSpec("lax_dynamic_slice", lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 2)),
           lambda x, i: x[np.clip(i + 4 * (i < 0), 0, 2):][:2, 1:3], [((4, 3), ())],
           nondiff_argnums=(1,), args_maker=_dyn_args),
    OpSpec("lax_dynamic_update_slice",
           lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 0)),
           lambda x, u, i: _dus_np(x, u, (i, 0)), [((4, 3), (2, 3), ())],
           nondiff_argnums=(2,), args_maker=_dyn_args),
    OpSpec("lax_dynamic_index_in_dim", lambda x, i: lax.dynamic_index_in_dim(x, i, 1, False),
           lambda x, i: x[:, np.clip(i + 3 * (i < 0), 0, 2)], [((2, 3), ())],
           nondiff_argnums=(1,), args_maker=_dyn_args),
    OpSpec("lax_gather", lambda x: lax.gather(x, _IDX, _GDN, (1, 2)), lambda x: x[_IDX[:, 0]],
           [((3, 2),)]),
    OpSpec("lax_gather_fill", lambda x: lax.gather(x, np.array([[1], [3]]), _GDN, (1, 2),
           mode="fill"), lambda x: np.stack([x[1], np.full(2, np.nan, x.dtype)]), [((3, 2),)],
           grad=False),
    OpSpec("lax_gather_fill0", lambda x: lax.gather(x, np.array([[1], [3], [-1]]), _GDN,
           (1, 2), mode="fill", fill_value=0), lambda x: np.stack([x[1], 0 * x[0], 0 * x[0]]),
           [((3, 2),)]),
    OpSpec("lax_gather_batching_dims", lambda x: lax.gather(x, np.array([[2], [0]]),
           lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(1,),
           start_index_map=(1,), operand_batching_dims=(0,), start_indices_batching_dims=(0,)),
           (1, 1)), lambda x: x[np.arange(2), np.array([2, 0])], [((2, 3),)]),
    OpSpec("lax_scatter_add", lambda x, u: lax.scatter_add(x, _IDX, u, _SDN),
           lambda x, u: _at_np("add")(x, _IDX[:, 0], u), [((3, 2), (3, 2))]),
    OpSpec("lax_scatter", lambda x, u: lax.scatter(x, _UIDX, u, _SDN, unique_indices=True),
           lambda x, u: _at_np("set")(x, _UIDX[:, 0], u), [((3, 2), (2, 2))]),
    OpSpec("lax_scatter_mul", lambda x, u: lax.scatter_mul(x, _UIDX, u, _SDN,
           unique_indices=True), lambda x, u: _at_np("multiply")(x, _UIDX[:, 0], u),
           [((3, 2), (2, 2))]),
    OpSpec("lax_scatter_min", lambda x, u: lax.scatter_min(x, _IDX, u, _SDN),
           lambda x, u: _at_np("minimum")(x, _IDX[:, 0], u), [((3, 2), (3, 2))]),
    OpSpec("lax_scatter_max", lambda x, u: lax.scatter_max(x, _IDX, u, _SDN),
           lambda x, u: _at_np("maximum")(x, _IDX[:, 0], u), [((3, 2), (3, 2))]),
]  # fmt: skip


def _dus_np(x, u, starts):
    out = np.array(x, copy=True)
    st = []
    for s, n, k in zip(starts, x.shape, u.shape):
        s = int(s)
        s = s + n if s < 0 else s
        st.append(min(max(s, 0), n - k))
    out[tuple(slice(a, a + k) for a, k in zip(st, u.shape))] = u
    return out
