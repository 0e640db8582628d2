"""OpSpecs for sorting and searching (jnp and lax)."""

import numpy as np

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import OpSpec, int_args

S = [((5,),), ((3, 4),), ((0,),), ((2, 0),)]


def _sorted_and_values(rng, shapes, dtype):
    a = np.sort(rng.integers(-3, 4, size=shapes[0])).astype(dtype)
    v = rng.integers(-4, 5, size=shapes[1]).astype(dtype)
    return [a, v]


def _stable_argsort(x, axis=-1):
    return np.argsort(x, axis=axis, kind="stable")


SPECS = [
    OpSpec("sort.sort", jnp.sort, np.sort, S),
    OpSpec("sort.sort_axis0", jnp.sort, np.sort, [((3, 4),), ((2, 3, 2),)], kwargs={"axis": 0}),
    OpSpec("sort.sort_none", jnp.sort, np.sort, [((3, 4),)], kwargs={"axis": None}),
    OpSpec(
        "sort.sort_desc",
        lambda x: jnp.sort(x, descending=True),
        lambda x: np.flip(np.sort(x), -1),
        S,
    ),
    OpSpec("sort.argsort", jnp.argsort, _stable_argsort, S, grad=False),
    OpSpec(
        "sort.argsort_ties",
        jnp.argsort,
        _stable_argsort,
        [((12,),), ((3, 6),)],
        grad=False,
        args_maker=int_args(0, 3),
    ),
    OpSpec(
        "sort.argsort_desc",
        lambda x: jnp.argsort(x, descending=True),
        lambda x: np.argsort(-x, kind="stable"),
        [((12,),), ((3, 6),)],
        grad=False,
        args_maker=int_args(0, 3),
    ),
    OpSpec(
        "sort.lexsort",
        lambda a, b: jnp.lexsort((a, b)),
        lambda a, b: np.lexsort((a, b)),
        [((8,), (8,)), ((2, 6), (2, 6))],
        args_maker=int_args(0, 3),
        grad=False,
    ),
    OpSpec(
        "sort.searchsorted",
        jnp.searchsorted,
        np.searchsorted,
        [((6,), (4,)), ((5,), ()), ((0,), (3,)), ((5,), (2, 3))],
        args_maker=_sorted_and_values,
        grad=False,
    ),
    OpSpec(
        "sort.searchsorted_right",
        lambda a, v: jnp.searchsorted(a, v, side="right"),
        lambda a, v: np.searchsorted(a, v, side="right"),
        [((6,), (4,)), ((5,), (2, 3))],
        args_maker=_sorted_and_values,
        grad=False,
    ),
    OpSpec(
        "sort.nonzero_sized",
        lambda x: jnp.nonzero(x, size=4, fill_value=-1),
        lambda x: tuple(np.concatenate([i, np.full(4, -1)])[:4] for i in np.nonzero(x)),
        [((6,),), ((3, 4),)],
        args_maker=int_args(0, 2),
        grad=False,
    ),
    OpSpec(
        "sort.argwhere_sized",
        lambda x: jnp.argwhere(x, size=3),
        lambda x: np.concatenate([np.argwhere(x), np.zeros((3, x.ndim), int)])[:3],
        [((6,),), ((3, 4),)],
        args_maker=int_args(0, 2),
        grad=False,
    ),
    OpSpec(
        "sort.flatnonzero_sized",
        lambda x: jnp.flatnonzero(x, size=5),
        lambda x: np.concatenate([np.flatnonzero(x), np.zeros(5, int)])[:5],
        [((7,),), ((3, 4),)],
        args_maker=int_args(0, 2),
        grad=False,
    ),
    OpSpec(
        "sort.unique_sized",
        lambda x: jnp.unique(x, size=8, fill_value=-1),
        lambda x: np.concatenate([np.unique(x), np.full(8, -1, x.dtype)])[:8],
        [((6,),), ((3, 4),)],
        args_maker=int_args(0, 5),
        grad=False,
    ),
    OpSpec(
        "sort.unique_axis_sized",
        lambda x: jnp.unique(x, axis=0, size=5, fill_value=-1),
        lambda x: np.concatenate([np.unique(x, axis=0), np.full((5,) + x.shape[1:], -1, x.dtype)])[
            :5
        ],
        [((6, 2),), ((3, 4),), ((4, 2, 2),)],
        args_maker=int_args(0, 2),
        grad=False,
    ),
    OpSpec(
        "sort.unique_axis1_float",
        lambda x: jnp.unique(x, axis=1, size=x.shape[1]),
        lambda x: np.unique(x, axis=1),
        [((2, 5),), ((3, 1),)],
    ),
    OpSpec(
        "sort.partition", lambda x: jnp.sort(jnp.partition(x, 2), -1), np.sort, [((5,),), ((3, 4),)]
    ),
    # lax
    OpSpec(
        "lax.sort_multi",
        lambda k, v: lax.sort((k, v), dimension=0, num_keys=1),
        lambda k, v: (
            np.take_along_axis(k, np.argsort(k, 0, kind="stable"), 0),
            np.take_along_axis(v, np.argsort(k, 0, kind="stable"), 0),
        ),
        [((5,), (5,)), ((4, 3), (4, 3))],
    ),
    OpSpec(
        "lax.top_k",
        lambda x: lax.top_k(x, 2),
        lambda x: (
            np.take_along_axis(x, np.argsort(-x, -1, kind="stable")[..., :2], -1),
            np.argsort(-x, -1, kind="stable")[..., :2].astype(np.int32),
        ),
        [((5,),), ((3, 4),)],
    ),
]
