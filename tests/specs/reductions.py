"""OpSpecs for reductions, statistics and cumulative ops (jnp and lax)."""

import numpy as np

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import F32, F64, I32, OpSpec, int_args

ANY = [((),), ((3,),), ((2, 3),), ((0,),), ((2, 0, 3),)]  # reductions with an identity
NONEMPTY = [((),), ((4,),), ((2, 3),), ((2, 3, 2),)]
AX = [((4,),), ((2, 3),), ((2, 0),), ((3, 2, 2),)]  # reduced over the last axis
MAT = [((3, 4),), ((2, 3, 2),), ((1, 5),)]


def _bools(rng, shapes, _):
    return [rng.integers(0, 2, size=s).astype(bool) for s in shapes]


def _with_nans(rng, shapes, dtype):
    out = []
    for s in shapes:
        x = rng.uniform(-2, 2, size=s).astype(dtype)
        nan = rng.uniform(size=s) < 0.25
        if x.ndim:  # no all-NaN slices along the first or last axis
            nan[0] = False
            nan[..., 0] = False
        x[nan] = np.nan
        out.append(x)
    return out


def _weights(rng, shapes, dtype):
    a = rng.uniform(-2, 2, size=shapes[0]).astype(dtype)
    w = rng.uniform(0.5, 2, size=shapes[1]).astype(dtype)
    return [a, w]


SPECS = [
    OpSpec("red.sum", jnp.sum, np.sum, ANY, dtypes=(F32, F64)),
    OpSpec("red.sum_axis", jnp.sum, np.sum, AX, kwargs={"axis": -1}),
    OpSpec("red.sum_axes_keep", jnp.sum, np.sum, MAT, kwargs={"axis": (0, -1), "keepdims": True}),
    OpSpec("red.sum_int", jnp.sum, np.sum, AX, args_maker=int_args(-5, 5), grad=False),
    OpSpec("red.sum_bool", jnp.sum, np.sum, AX, args_maker=_bools, grad=False),
    OpSpec(
        "red.sum_dtype", jnp.sum, np.sum, MAT, kwargs={"axis": 0, "dtype": np.float32}, grad=False
    ),
    OpSpec("red.prod", jnp.prod, np.prod, ANY, domain=(0.5, 1.5)),
    OpSpec("red.prod_axis", jnp.prod, np.prod, AX, kwargs={"axis": -1}),
    OpSpec("red.prod_int", jnp.prod, np.prod, AX, args_maker=int_args(-3, 4), grad=False),
    OpSpec("red.max", jnp.max, np.max, NONEMPTY),
    OpSpec("red.max_axis_keep", jnp.max, np.max, MAT, kwargs={"axis": 1, "keepdims": True}),
    OpSpec("red.max_initial", jnp.max, np.max, AX, kwargs={"axis": -1, "initial": 0.5}),
    OpSpec("red.min", jnp.min, np.min, NONEMPTY),
    OpSpec("red.amin_axis", jnp.amin, np.amin, MAT, kwargs={"axis": -2}),
    OpSpec("red.amax_int", jnp.amax, np.amax, MAT, args_maker=int_args(-9, 9), grad=False),
    OpSpec("red.mean", jnp.mean, np.mean, NONEMPTY),
    OpSpec("red.mean_axis", jnp.mean, np.mean, MAT, kwargs={"axis": (0, -1), "keepdims": True}),
    OpSpec("red.mean_int", jnp.mean, np.mean, MAT, args_maker=int_args(-5, 5), grad=False),
    OpSpec("red.var", jnp.var, np.var, NONEMPTY[1:]),
    OpSpec("red.var_ddof", jnp.var, np.var, MAT, kwargs={"axis": 1, "ddof": 1}),
    OpSpec("red.std", jnp.std, np.std, MAT[:2], kwargs={"axis": 0, "keepdims": True}),
    OpSpec("red.ptp", jnp.ptp, np.ptp, MAT, kwargs={"axis": -1}),
    OpSpec("red.argmax", jnp.argmax, np.argmax, NONEMPTY, grad=False),
    OpSpec(
        "red.argmax_axis",
        jnp.argmax,
        np.argmax,
        MAT,
        kwargs={"axis": 1, "keepdims": True},
        grad=False,
    ),
    OpSpec("red.argmin_axis", jnp.argmin, np.argmin, MAT, kwargs={"axis": -2}, grad=False),
    OpSpec("red.all", jnp.all, np.all, ANY, args_maker=_bools, grad=False),
    OpSpec("red.any_axis", jnp.any, np.any, AX, args_maker=_bools, kwargs={"axis": -1}, grad=False),
    OpSpec(
        "red.all_float",
        jnp.all,
        np.all,
        MAT,
        kwargs={"axis": 0},
        grad=False,
        args_maker=int_args(0, 2, np.float32),
    ),
    OpSpec("red.cumsum", jnp.cumsum, np.cumsum, ANY),
    OpSpec("red.cumsum_axis", jnp.cumsum, np.cumsum, MAT, kwargs={"axis": -2}),
    OpSpec("red.cumsum_int", jnp.cumsum, np.cumsum, AX, args_maker=int_args(-5, 5), grad=False),
    OpSpec("red.cumprod", jnp.cumprod, np.cumprod, MAT, kwargs={"axis": 1}, domain=(0.5, 1.5)),
    OpSpec(
        "red.cumulative_sum",
        lambda x: jnp.cumulative_sum(x, axis=-1, include_initial=True),
        lambda x: np.cumulative_sum(x, axis=-1, include_initial=True),
        AX,
    ),
    OpSpec(
        "red.average",
        lambda a, w: jnp.average(a, axis=-1, weights=w),
        lambda a, w: np.average(a, axis=-1, weights=w),
        [((2, 3), (3,)), ((4,), (4,))],
        args_maker=_weights,
    ),
    OpSpec(
        "red.count_nonzero",
        jnp.count_nonzero,
        np.count_nonzero,
        MAT,
        grad=False,
        args_maker=int_args(0, 3),
    ),
    OpSpec("red.median", jnp.median, np.median, [((5,),), ((2, 3),)]),
    OpSpec("red.median_axis", jnp.median, np.median, MAT, kwargs={"axis": -1}),
    OpSpec(
        "red.quantile",
        lambda x: jnp.quantile(x, 0.3, axis=0),
        lambda x: np.quantile(x, 0.3, axis=0),
        MAT,
    ),
    OpSpec(
        "red.quantile_q",
        jnp.quantile,
        np.quantile,
        [((5,), (3,)), ((2, 4), ())],
        nondiff_argnums=(1,),
        args_maker=lambda rng, s, dt: [
            rng.uniform(-2, 2, s[0]).astype(dt),
            rng.uniform(0, 1, s[1]).astype(dt),
        ],
    ),
    OpSpec(
        "red.quantile_nearest",
        lambda x: jnp.quantile(x, 0.4, axis=1, method="nearest"),
        lambda x: np.quantile(x, 0.4, axis=1, method="nearest"),
        MAT,
    ),
    OpSpec(
        "red.percentile",
        lambda x: jnp.percentile(x, 70.0, axis=-1, keepdims=True),
        lambda x: np.percentile(x, 70.0, axis=-1, keepdims=True),
        MAT,
    ),
    OpSpec("red.nansum", jnp.nansum, np.nansum, MAT, args_maker=_with_nans),
    OpSpec("red.nanprod", jnp.nanprod, np.nanprod, MAT, args_maker=_with_nans, kwargs={"axis": -1}),
    OpSpec(
        "red.nanmean",
        jnp.nanmean,
        np.nanmean,
        [((4, 5),)],
        args_maker=_with_nans,
        kwargs={"axis": 0},
    ),
    OpSpec(
        "red.nanmax", jnp.nanmax, np.nanmax, [((4, 5),)], args_maker=_with_nans, kwargs={"axis": 0}
    ),
    OpSpec(
        "red.nanmin", jnp.nanmin, np.nanmin, [((4, 5),)], args_maker=_with_nans, kwargs={"axis": 0}
    ),
    OpSpec(
        "red.nanvar", jnp.nanvar, np.nanvar, [((6, 5),)], args_maker=_with_nans, kwargs={"axis": 0}
    ),
    OpSpec(
        "red.nanstd",
        jnp.nanstd,
        np.nanstd,
        [((6, 5),)],
        args_maker=_with_nans,
        kwargs={"axis": 0, "ddof": 1},
    ),
    OpSpec(
        "red.nanargmax",
        jnp.nanargmax,
        np.nanargmax,
        [((6, 5),)],
        args_maker=_with_nans,
        kwargs={"axis": 0},
        grad=False,
    ),
    OpSpec(
        "red.nanargmin",
        jnp.nanargmin,
        np.nanargmin,
        [((6, 5),)],
        args_maker=_with_nans,
        kwargs={"axis": 1},
        grad=False,
    ),
    OpSpec(
        "red.nancumsum", jnp.nancumsum, np.nancumsum, MAT, args_maker=_with_nans, kwargs={"axis": 1}
    ),
    OpSpec(
        "red.nanmedian",
        jnp.nanmedian,
        np.nanmedian,
        [((6, 5),)],
        args_maker=_with_nans,
        kwargs={"axis": 0},
    ),
    # lax
    OpSpec(
        "lax.reduce_prod",
        lambda x: lax.reduce_prod(x, (0,)),
        lambda x: np.prod(x, 0),
        [((3,),), ((4, 2),), ((0, 2),)],
    ),
    OpSpec(
        "lax.reduce_max",
        lambda x: lax.reduce_max(x, (1,)),
        lambda x: np.max(x, 1),
        [((3, 4),), ((2, 3, 2),)],
    ),
    OpSpec(
        "lax.argmax",
        lambda x: lax.argmax(x, 1, np.int32),
        lambda x: np.argmax(x, 1).astype(np.int32),
        MAT,
        grad=False,
    ),
    OpSpec(
        "lax.reduce_and",
        lambda x: lax.reduce_and(x, (0,)),
        lambda x: np.all(x, 0),
        MAT,
        args_maker=_bools,
        grad=False,
    ),
    OpSpec(
        "lax.reduce_xor",
        lambda x: lax.reduce_xor(x, (1,)),
        lambda x: np.bitwise_xor.reduce(x, 1),
        MAT,
        args_maker=int_args(0, 100),
        grad=False,
    ),
    OpSpec(
        "lax.cumsum_rev",
        lambda x: lax.cumsum(x, 0, reverse=True),
        lambda x: np.flip(np.cumsum(np.flip(x, 0), 0), 0),
        [((5,),), ((3, 2),), ((0, 2),)],
    ),
    OpSpec("lax.cumprod", lambda x: lax.cumprod(x, 1), lambda x: np.cumprod(x, 1), MAT),
    OpSpec("lax.cummax", lambda x: lax.cummax(x, 1), lambda x: np.maximum.accumulate(x, 1), MAT),
    OpSpec(
        "lax.cummin_rev",
        lambda x: lax.cummin(x, 0, reverse=True),
        lambda x: np.flip(np.minimum.accumulate(np.flip(x, 0), 0), 0),
        MAT,
    ),
    OpSpec(
        "lax.cumlogsumexp",
        lambda x: lax.cumlogsumexp(x, 1),
        lambda x: np.logaddexp.accumulate(x, 1),
        MAT,
    ),
    OpSpec(
        "lax.cummax_int",
        lambda x: lax.cummax(x, 0),
        lambda x: np.maximum.accumulate(x, 0),
        MAT,
        args_maker=int_args(-9, 9, I32),
        grad=False,
    ),
]
