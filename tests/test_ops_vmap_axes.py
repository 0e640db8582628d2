"""A batching sweep over the OpSpec table: for every spec (its first shapes), vmap over EVERY
batchable argument alone at several axes (first, a middle one, and a negative one), then all
batchable arguments at once at different axes, then out_axes=-1; each against a Python loop of
the same function and np.stack. A failure here means a wrong batch rule.

Batchable arguments: those not in `nondiff_argnums`, plus integer/bool array arguments in
`nondiff_argnums` (indices) when the spec jits them as traced values.
JTRANS_VMAP_SWEEP_ALL=1 sweeps every shape tuple and dtype of every spec (slow; not default).
"""

import os
import zlib

import numpy as np
import pytest

import jtrans

from .opspecs import ALL_SPECS

BATCH = 2
ALL_SHAPES = bool(os.environ.get("JTRANS_VMAP_SWEEP_ALL"))

# "<spec>-<layout>": "<primitive>: <what is wrong>"   (layout ids: see _layouts)
def _rng(spec, salt=0):
    return np.random.default_rng((zlib.crc32(spec.name.encode()) + salt) % (2**32))


def _is_array(a):
    return isinstance(a, (np.ndarray, np.generic))


def _batchable(spec, args):
    out = []
    for i, a in enumerate(args):
        if not _is_array(a):
            continue
        if i not in spec.nondiff_argnums:
            out.append(i)
        elif spec.jit and isinstance(a, np.ndarray) and a.dtype.kind in "iub":
            out.append(i)  # a traced index argument: batching it must give a gather
    return out


def _axes_for(nd):
    """At most three in_axes for an argument of rank nd (the stacked rank is nd + 1)."""
    if nd == 0:
        return [0, -1]
    return sorted({0, (nd + 1) // 2}) + [-1]


def _layouts(spec, shapes, dtype):
    """(id, in_axes per argument (None = unbatched), out_axes) for one spec."""
    args = spec.make_args(_rng(spec), shapes, dtype)
    bat = _batchable(spec, args)
    out = []
    for i in bat:
        for ax in _axes_for(np.ndim(args[i])):
            axes = [None] * len(args)
            axes[i] = ax
            out.append((f"arg{i}@{ax}", axes, 0))
    if len(bat) > 1:
        axes = [None] * len(args)
        for k, i in enumerate(bat):
            axes[i] = min(k, np.ndim(args[i])) if k % 2 == 0 else -1 - min(k, np.ndim(args[i]))
        out.append(("all", axes, 0))
    if bat:
        axes = [0 if i in bat else None for i in range(len(args))]
        out.append(("out-1", axes, -1))
    return out


def _params():
    params = []
    for spec in ALL_SPECS:
        if not spec.vmap:
            continue
        for k, shapes in enumerate(spec.shapes if ALL_SHAPES else spec.shapes[:1]):
            for dt in spec.dtypes if ALL_SHAPES else spec.dtypes[:1]:
                for lid, axes, out_axes in _layouts(spec, shapes, dt):
                    key = f"{spec.name}-{lid}"
                    if k or dt != spec.dtypes[0]:
                        key = f"{spec.name}-s{k}-{np.dtype(dt).name}-{lid}"
                    params.append(pytest.param(spec, shapes, dt, axes, out_axes, id=key))
    return params


def _close(out, ref, tol):
    out = np.asarray(out)
    ref = np.asarray(ref)
    assert out.shape == ref.shape, f"shape {out.shape} != loop's {ref.shape}"
    assert out.dtype == ref.dtype, f"dtype {out.dtype} != loop's {ref.dtype}"
    if out.dtype == np.bool_ or out.dtype.kind in "iu":
        np.testing.assert_array_equal(out, ref)
    else:
        t = tol if out.dtype.itemsize >= 4 else max(tol, 1e-2)
        np.testing.assert_allclose(out, ref, rtol=t, atol=t, equal_nan=True)


@pytest.mark.parametrize("spec,shapes,dtype,in_axes,out_axes", _params())
def test_vmap_axes(spec, shapes, dtype, in_axes, out_axes):
    rng = _rng(spec, 1)
    per = [spec.make_args(rng, shapes, dtype) for _ in range(BATCH)]
    base = per[0]
    batched_args = []
    for i, ax in enumerate(in_axes):
        if ax is None:
            batched_args.append(base[i])
        else:
            nd = np.ndim(base[i]) + 1
            batched_args.append(np.stack([p[i] for p in per], axis=ax % nd))
    fn = jtrans.vmap(spec.call, in_axes=tuple(in_axes), out_axes=out_axes)
    out = fn(*batched_args)
    refs = []
    for b in range(BATCH):
        refs.append(spec.call(*[base[i] if ax is None else per[b][i]
                                for i, ax in enumerate(in_axes)]))  # fmt: skip
    out_leaves = jtrans.tree_leaves(out)
    ref_leaves = [jtrans.tree_leaves(r) for r in refs]
    assert len(out_leaves) == len(ref_leaves[0])
    tol = max(spec.tol, 1e-5)
    for k, o in enumerate(out_leaves):
        o = np.asarray(o)
        stacked = np.stack([np.asarray(r[k]) for r in ref_leaves], axis=out_axes % o.ndim)
        _close(o, stacked, tol)
