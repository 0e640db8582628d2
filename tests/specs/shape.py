"""OpSpecs for shape manipulation (jtrans/numpy/_shape.py) and the lax data-movement
primitives that do not index (rev, pad, concatenate, slice)."""

import numpy as np

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import OpSpec, int_args

A2 = [((2, 3),), ((0, 3),)]
A3 = [((2, 3, 4),)]


def _np_lax_pad(x, config, value=0.0):
    out = np.asarray(x)
    for d, (lo, hi, interior) in enumerate(config):
        n = out.shape[d]
        if interior and n > 1:
            shp = list(out.shape)
            shp[d] = n + (n - 1) * interior
            y = np.full(shp, value, out.dtype)
            idx = [slice(None)] * out.ndim
            idx[d] = slice(None, None, interior + 1)
            y[tuple(idx)] = out
            out = y
        w = [(0, 0)] * out.ndim
        w[d] = (max(lo, 0), max(hi, 0))
        out = np.pad(out, w, constant_values=value)
        idx = [slice(None)] * out.ndim
        idx[d] = slice(-min(lo, 0), out.shape[d] + min(hi, 0))
        out = out[tuple(idx)]
    return out


SPECS = [
    # reshaping
    OpSpec("reshape", lambda x: jnp.reshape(x, (3, -1)), lambda x: np.reshape(x, (3, -1)),
           [((2, 3),), ((6,),), ((0, 3),)]),
    OpSpec("reshape_F", lambda x: jnp.reshape(x, (3, 2), order="F"),
           lambda x: np.reshape(x, (3, 2), order="F"), [((2, 3),)]),
    OpSpec("reshape_method", lambda x: x.reshape(3, 2) if hasattr(x, "at") else
           jnp.asarray(x).reshape(3, 2), lambda x: x.reshape(3, 2), [((2, 3),)]),
    OpSpec("reshape_scalar", lambda x: jnp.reshape(x, (1, 1)), lambda x: np.reshape(x, (1, 1)),
           [((),)]),
    OpSpec("ravel", jnp.ravel, np.ravel, [((),), ((2, 3),), ((0, 3),)]),
    OpSpec("flatten_method", lambda x: jnp.asarray(x).flatten(), lambda x: x.flatten(),
           [((2, 3),)]),
    OpSpec("transpose", jnp.transpose, np.transpose, [((2, 3),), ((2, 3, 4),), ((),)]),
    OpSpec("transpose_axes", lambda x: jnp.transpose(x, (1, 2, 0)),
           lambda x: np.transpose(x, (1, 2, 0)), A3),
    OpSpec("T_property", lambda x: jnp.asarray(x).T, lambda x: x.T, [((2, 3),), ((4,),)]),
    OpSpec("mT_property", lambda x: jnp.asarray(x).mT, lambda x: np.swapaxes(x, -1, -2), A3),
    OpSpec("transpose_method", lambda x: jnp.asarray(x).transpose(2, 0, 1),
           lambda x: x.transpose(2, 0, 1), A3),
    OpSpec("moveaxis", lambda x: jnp.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), A3),
    OpSpec("moveaxis_multi", lambda x: jnp.moveaxis(x, (0, 1), (2, 0)),
           lambda x: np.moveaxis(x, (0, 1), (2, 0)), A3),
    OpSpec("swapaxes", lambda x: jnp.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), A3),
    OpSpec("squeeze", jnp.squeeze, np.squeeze, [((1, 3, 1),), ((),), ((1,),)]),
    OpSpec("squeeze_axis", lambda x: jnp.squeeze(x, -1), lambda x: np.squeeze(x, -1),
           [((1, 3, 1),)]),
    OpSpec("expand_dims", lambda x: jnp.expand_dims(x, (0, -1)),
           lambda x: np.expand_dims(x, (0, -1)), [((),), ((2, 3),)]),
    OpSpec("broadcast_to", lambda x: jnp.broadcast_to(x, (2, 3, 4)),
           lambda x: np.broadcast_to(x, (2, 3, 4)), [((),), ((4,),), ((3, 1),)]),
    OpSpec("broadcast_arrays", lambda x, y: jnp.broadcast_arrays(x, y),
           lambda x, y: np.broadcast_arrays(x, y), [((3, 1), (4,)), ((), (2,))]),
    OpSpec("atleast_1d", jnp.atleast_1d, np.atleast_1d, [((),), ((2, 3),)]),
    OpSpec("atleast_2d", jnp.atleast_2d, np.atleast_2d, [((),), ((3,),), ((2, 3, 4),)]),
    OpSpec("atleast_3d", jnp.atleast_3d, np.atleast_3d, [((),), ((3,),), ((2, 3),)]),
    # joining / splitting
    OpSpec("concatenate", lambda x, y: jnp.concatenate([x, y], 1),
           lambda x, y: np.concatenate([x, y], 1), [((2, 3), (2, 1)), ((0, 2), (0, 3))]),
    OpSpec("concatenate_none", lambda x, y: jnp.concatenate([x, y], axis=None),
           lambda x, y: np.concatenate([x, y], axis=None), [((2, 3), (4,))]),
    OpSpec("concatenate_mixed_dtype", lambda x: jnp.concatenate([x, np.arange(3)]),
           lambda x: np.concatenate([x, np.arange(3, dtype=np.int32)]), [((2,),)]),
    OpSpec("stack", lambda x, y: jnp.stack([x, y], -1), lambda x, y: np.stack([x, y], -1),
           [((), ()), ((2, 3), (2, 3))]),
    OpSpec("hstack", lambda x, y: jnp.hstack([x, y]), lambda x, y: np.hstack([x, y]),
           [((2,), (3,)), ((2, 3), (2, 1))]),
    OpSpec("vstack", lambda x, y: jnp.vstack([x, y]), lambda x, y: np.vstack([x, y]),
           [((3,), (3,)), ((2, 3), (1, 3))]),
    OpSpec("dstack", lambda x, y: jnp.dstack([x, y]), lambda x, y: np.dstack([x, y]),
           [((3,), (3,)), ((2, 3), (2, 3))]),
    OpSpec("column_stack", lambda x, y: jnp.column_stack([x, y]),
           lambda x, y: np.column_stack([x, y]), [((3,), (3,)), ((3, 2), (3,))]),
    OpSpec("split", lambda x: jnp.split(x, 2, 1), lambda x: np.split(x, 2, 1), [((3, 4),)]),
    OpSpec("split_indices", lambda x: jnp.split(x, [1, -1]), lambda x: np.split(x, [1, -1]),
           [((5,),), ((5, 2),)]),
    OpSpec("array_split", lambda x: jnp.array_split(x, 3), lambda x: np.array_split(x, 3),
           [((7,),), ((2,),)]),
    OpSpec("hsplit", lambda x: jnp.hsplit(x, 2), lambda x: np.hsplit(x, 2), [((2, 4),), ((4,),)]),
    OpSpec("vsplit", lambda x: jnp.vsplit(x, [1]), lambda x: np.vsplit(x, [1]), [((3, 2),)]),
    OpSpec("dsplit", lambda x: jnp.dsplit(x, 2), lambda x: np.dsplit(x, 2), [((1, 2, 4),)]),
    OpSpec("unstack", lambda x: jnp.unstack(x, 1), lambda x: tuple(np.moveaxis(x, 1, 0)),
           [((2, 3),)]),
    OpSpec("append", jnp.append, np.append, [((2, 3), (4,)), ((), ())]),
    OpSpec("append_axis", lambda x, y: jnp.append(x, y, axis=0),
           lambda x, y: np.append(x, y, axis=0), [((2, 3), (1, 3))]),
    # repetition
    OpSpec("tile", lambda x: jnp.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)),
           [((),), ((3,),), ((2, 3),)]),
    OpSpec("tile_int", lambda x: jnp.tile(x, 2), lambda x: np.tile(x, 2), [((2, 3),)]),
    OpSpec("repeat", lambda x: jnp.repeat(x, 2), lambda x: np.repeat(x, 2), [((),), ((2, 3),)]),
    OpSpec("repeat_axis", lambda x: jnp.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1),
           [((2, 3),), ((2, 0),)]),
    OpSpec("repeat_array", lambda x: jnp.repeat(x, np.array([1, 0, 2]), axis=0),
           lambda x: np.repeat(x, np.array([1, 0, 2]), axis=0), [((3,),), ((3, 2),)]),
    OpSpec("repeat_total", lambda x: jnp.repeat(x, np.array([1, 0, 2]), total_repeat_length=4),
           lambda x: np.concatenate([np.repeat(x, [1, 0, 2]), x[-1:]]), [((3,),)]),
    OpSpec("repeat_traced", lambda x, r: jnp.repeat(x, r, total_repeat_length=5),
           lambda x, r: np.concatenate([np.repeat(x, r), np.repeat(x[-1:], 5)])[:5],
           [((3,), (3,))], nondiff_argnums=(1,), vmap=False, jit=False,
           args_maker=lambda rng, s, dt: [rng.uniform(-2, 2, s[0]).astype(dt),
                                          np.array([2, 0, 1], np.int32)]),
    OpSpec("repeat_method", lambda x: jnp.asarray(x).repeat(2, axis=0),
           lambda x: x.repeat(2, axis=0), [((2, 3),)]),
    OpSpec("resize", lambda x: jnp.resize(x, (2, 5)), lambda x: np.resize(x, (2, 5)),
           [((3,),), ((2, 2),)]),
    # reordering
    OpSpec("flip", jnp.flip, np.flip, [((),), ((2, 3),), ((0, 3),)]),
    OpSpec("flip_axis", lambda x: jnp.flip(x, (0, 2)), lambda x: np.flip(x, (0, 2)), A3),
    OpSpec("fliplr", jnp.fliplr, np.fliplr, [((2, 3),)]),
    OpSpec("flipud", jnp.flipud, np.flipud, [((2, 3),), ((4,),)]),
    OpSpec("roll", lambda x: jnp.roll(x, 2), lambda x: np.roll(x, 2), [((2, 3),), ((0,),)]),
    OpSpec("roll_axis", lambda x: jnp.roll(x, -1, 1), lambda x: np.roll(x, -1, 1), [((2, 3),)]),
    OpSpec("roll_tuple", lambda x: jnp.roll(x, (1, -2), (0, 1)),
           lambda x: np.roll(x, (1, -2), (0, 1)), [((3, 4),)]),
    OpSpec("roll_traced", lambda x, s: jnp.roll(x, s, 0), lambda x, s: np.roll(x, s, 0),
           [((5, 2), ())], nondiff_argnums=(1,),
           args_maker=lambda rng, s, dt: [rng.uniform(-2, 2, s[0]).astype(dt),
                                          np.asarray(rng.integers(-7, 7), np.int32)]),
    OpSpec("rot90", jnp.rot90, np.rot90, [((2, 3),), ((2, 3, 4),)]),
    OpSpec("rot90_k", lambda x: [jnp.rot90(x, k, (2, 0)) for k in (2, 3, -1)],
           lambda x: [np.rot90(x, k, (2, 0)) for k in (2, 3, -1)], A3),
    # pad
    OpSpec("pad_constant", lambda x: jnp.pad(x, ((1, 2), (0, 3))),
           lambda x: np.pad(x, ((1, 2), (0, 3))), [((2, 3),), ((0, 2),)]),
    OpSpec("pad_int_value", lambda x: jnp.pad(x, 2, constant_values=1.5),
           lambda x: np.pad(x, 2, constant_values=1.5), [((3,),), ((2, 2),)]),
    OpSpec("pad_values_pairs", lambda x: jnp.pad(x, (1, 2), constant_values=((1, 2), (3, 4))),
           lambda x: np.pad(x, (1, 2), constant_values=((1, 2), (3, 4))), [((2, 3),)]),
    OpSpec("pad_edge", lambda x: jnp.pad(x, ((2, 1), (1, 3)), mode="edge"),
           lambda x: np.pad(x, ((2, 1), (1, 3)), mode="edge"), [((2, 3),)]),
    OpSpec("pad_reflect", lambda x: jnp.pad(x, ((2, 1), (1, 4)), mode="reflect"),
           lambda x: np.pad(x, ((2, 1), (1, 4)), mode="reflect"), [((3, 3),)]),
    OpSpec("pad_symmetric", lambda x: jnp.pad(x, 3, mode="symmetric"),
           lambda x: np.pad(x, 3, mode="symmetric"), [((2, 3),)]),
    OpSpec("pad_wrap", lambda x: jnp.pad(x, [(4, 1)], mode="wrap"),
           lambda x: np.pad(x, [(4, 1)], mode="wrap"), [((3,),), ((2, 3),)]),
    OpSpec("pad_reflect_odd", lambda x: jnp.pad(x, ((2, 5), (1, 4)), "reflect", reflect_type="odd"),
           lambda x: np.pad(x, ((2, 5), (1, 4)), "reflect", reflect_type="odd"),
           [((3, 3),), ((1, 2),)]),
    OpSpec("pad_symmetric_odd", lambda x: jnp.pad(x, (4, 1), "symmetric", reflect_type="odd"),
           lambda x: np.pad(x, (4, 1), "symmetric", reflect_type="odd"), [((3,),), ((2, 3),)]),
    OpSpec("pad_linear_ramp", lambda x: jnp.pad(x, ((2, 1), (0, 3)), "linear_ramp"),
           lambda x: np.pad(x, ((2, 1), (0, 3)), "linear_ramp"), [((2, 3),), ((1, 1),)]),
    OpSpec("pad_linear_ramp_ends",
           lambda x: jnp.pad(x, (3, 2), "linear_ramp", end_values=((1.5, -2.0), (0.5, 3.0))),
           lambda x: np.pad(x, (3, 2), "linear_ramp", end_values=((1.5, -2.0), (0.5, 3.0))),
           [((2, 3),)]),
    OpSpec("pad_maximum", lambda x: jnp.pad(x, ((2, 1), (1, 2)), "maximum"),
           lambda x: np.pad(x, ((2, 1), (1, 2)), "maximum"), [((2, 3),), ((1, 4),)]),
    OpSpec("pad_minimum_stat", lambda x: jnp.pad(x, 2, "minimum", stat_length=(1, 2)),
           lambda x: np.pad(x, 2, "minimum", stat_length=(1, 2)), [((3, 4),), ((5,),)]),
    OpSpec("pad_mean", lambda x: jnp.pad(x, ((1, 2), (3, 0)), "mean", stat_length=((2, 1), (5, 2))),
           lambda x: np.pad(x, ((1, 2), (3, 0)), "mean", stat_length=((2, 1), (5, 2))),
           [((3, 4),), ((1, 2),)]),
    OpSpec("pad_median", lambda x: jnp.pad(x, (2, 3), "median"),
           lambda x: np.pad(x, (2, 3), "median"), [((4,),), ((3, 2),)]),
    OpSpec("pad_median_int", lambda x: jnp.pad(x, (2, 3), "median", stat_length=2),
           lambda x: np.pad(x, (2, 3), "median", stat_length=2), [((5,),)],
           args_maker=int_args(-9, 9), grad=False),
    OpSpec("pad_callable",
           lambda x: jnp.pad(x, (1, 2), lambda v, pw, ax, kw: v.at[: pw[0]].set(-1.0)),
           lambda x: np.pad(x, (1, 2), lambda v, pw, ax, kw: v.__setitem__(slice(0, pw[0]), -1.0)),
           [((3,),), ((2, 3),)]),
    OpSpec("insert", lambda x: jnp.insert(x, 1, 5.0), lambda x: np.insert(x, 1, 5.0),
           [((3,),), ((2, 3),)]),
    OpSpec("insert_axis", lambda x, v: jnp.insert(x, [0, 2, 2], v, axis=1),
           lambda x, v: np.insert(x, [0, 2, 2], v, axis=1), [((2, 3), (3,))]),
    OpSpec("delete", lambda x: jnp.delete(x, [0, 2], axis=0),
           lambda x: np.delete(x, [0, 2], axis=0), [((4,),), ((3, 2),)]),
    OpSpec("delete_flat", lambda x: jnp.delete(x, 1), lambda x: np.delete(x, 1), [((2, 3),)]),
    # lax primitives
    OpSpec("lax_rev", lambda x: lax.rev(x, (0,)), lambda x: np.flip(x, 0), A2),
    OpSpec("lax_pad", lambda x: lax.pad(x, np.asarray(0.5, x.dtype), [(1, -1, 1), (-1, 2, 0)]),
           lambda x: _np_lax_pad(x, [(1, -1, 1), (-1, 2, 0)], 0.5), [((3, 4),), ((1, 2),)]),
    OpSpec("lax_pad_value", lambda x, v: lax.pad(x, v, [(2, -1, 2)]),
           lambda x, v: _np_lax_pad(x, [(2, -1, 2)], v), [((3,), ())]),
    OpSpec("lax_concatenate", lambda x, y: lax.concatenate([x, y, x], 0),
           lambda x, y: np.concatenate([x, y, x], 0), [((2, 3), (1, 3)), ((0,), (2,))]),
    OpSpec("lax_slice", lambda x: lax.slice(x, (1, 0), (3, 4), (1, 3)),
           lambda x: x[1:3, 0:4:3], [((3, 4),)]),
    OpSpec("lax_slice_in_dim", lambda x: lax.slice_in_dim(x, 1, -1, 2, axis=1),
           lambda x: x[:, 1:-1:2], [((2, 6),)]),
    OpSpec("lax_index_in_dim", lambda x: lax.index_in_dim(x, -1, 1, keepdims=False),
           lambda x: x[:, -1], [((2, 6),)]),
    OpSpec("lax_collapse", lambda x: lax.collapse(x, 1, 3), lambda x: x.reshape(2, 12),
           [((2, 3, 4),)]),
]  # fmt: skip
