"""Every OpSpec, checked eagerly against its NumPy oracle, for derivatives (check_grads in
float64, forward and reverse, to second order), for batching (vmap against a Python loop) and
for jit (against eager)."""

import zlib

import numpy as np
import pytest

import jtrans
from jtrans import dtypes
from jtrans.test_util import check_grads

from .opspecs import cases


def _rng(spec, shapes):
    # a stable seed per case (Python's str hash changes from process to process)
    return np.random.default_rng(zlib.crc32(f"{spec.name}{shapes}".encode()))


def _close(out, ref, tol, dtype):
    out = np.asarray(out)
    ref = np.asarray(ref)
    assert out.shape == ref.shape, f"shape {out.shape} != oracle's {ref.shape}"
    if out.dtype == np.bool_ or out.dtype.kind in "iu":
        np.testing.assert_array_equal(out, ref)
    else:
        t = tol if np.dtype(dtype).itemsize >= 4 else max(tol, 1e-2)
        np.testing.assert_allclose(out.astype(np.complex128), ref.astype(np.complex128),
                                   rtol=t, atol=t, equal_nan=True)  # fmt: skip


def _leaves(x):
    return jtrans.tree_leaves(x)


@pytest.mark.parametrize("spec,shapes,dtype", cases())
def test_eager(spec, shapes, dtype):
    args = spec.make_args(_rng(spec, shapes), shapes, dtype)
    out = spec.call(*[jtrans.numpy.asarray(a) for a in args])
    ref = spec.call_ref(*args)
    for o, r in zip(_leaves(out), _leaves(ref)):
        _close(o, r, spec.tol, dtype)
        if spec.check_dtype:
            r = np.asarray(r)
            expect = dtypes.canonicalize_dtype(r.dtype)
            assert np.asarray(o).dtype == expect, (
                f"result dtype {np.asarray(o).dtype} != {expect} (the oracle's, canonicalized)"
            )


def _diff_argnums(spec, args):
    return [i for i, a in enumerate(args)
            if i not in spec.nondiff_argnums and np.asarray(a).dtype.kind in "fc"]  # fmt: skip


@pytest.mark.parametrize("spec,shapes,dtype", cases(lambda s: s.grad, all_dtypes=False))
def test_grad(spec, shapes, dtype, x64):
    rng = _rng(spec, shapes)
    args = spec.make_args(rng, shapes, np.float64)
    argnums = _diff_argnums(spec, args)
    if not argnums:
        pytest.skip("no floating argument")

    def f(*dargs):
        full = list(args)
        for i, d in zip(argnums, dargs):
            full[i] = d
        return spec.call(*full)

    tol = spec.grad_tol or 1e-4
    check_grads(f, tuple(args[i] for i in argnums), order=spec.grad_order,
                modes=("fwd", "rev"), atol=tol, rtol=tol)  # fmt: skip


@pytest.mark.parametrize("spec,shapes,dtype", cases(lambda s: s.vmap, all_dtypes=False))
def test_vmap(spec, shapes, dtype):
    rng = _rng(spec, shapes)
    batch = 3
    per = [spec.make_args(rng, shapes, dtype) for _ in range(batch)]
    n = len(per[0])
    batchable = [i for i in range(n) if i not in spec.nondiff_argnums]
    if not batchable:
        pytest.skip("nothing to batch")
    # (a) every batchable argument mapped at axis 0; (b) only the first one, at its last axis
    stacked = [np.stack([p[i] for p in per]) if i in batchable else per[0][i] for i in range(n)]
    in_axes = tuple(0 if i in batchable else None for i in range(n))
    out = jtrans.vmap(spec.call, in_axes=in_axes)(*stacked)
    for b in range(batch):
        args_b = [per[b][i] if i in batchable else per[0][i] for i in range(n)]
        ref = spec.call(*args_b)
        for o, r in zip(_leaves(out), _leaves(ref)):
            _close(np.asarray(o)[b], r, max(spec.tol, 1e-5), dtype)
    i0 = batchable[0]
    nd = np.ndim(per[0][i0])
    moved = [np.stack([p[i0] for p in per], axis=nd) if i == i0 else per[0][i] for i in range(n)]
    axes = tuple(nd if i == i0 else None for i in range(n))
    out = jtrans.vmap(spec.call, in_axes=axes, out_axes=0)(*moved)
    for b in range(batch):
        args_b = [per[b][i] if i == i0 else per[0][i] for i in range(n)]
        ref = spec.call(*args_b)
        for o, r in zip(_leaves(out), _leaves(ref)):
            _close(np.asarray(o)[b], r, max(spec.tol, 1e-5), dtype)


@pytest.mark.parametrize("spec,shapes,dtype", cases(lambda s: s.jit))
def test_jit(spec, shapes, dtype):
    args = spec.make_args(_rng(spec, shapes), shapes, dtype)
    static = [i for i in spec.nondiff_argnums if np.ndim(args[i]) == 0 and
              not isinstance(args[i], np.ndarray)]  # fmt: skip
    out = jtrans.jit(spec.call, static_argnums=tuple(static))(*args)
    ref = spec.call(*args)
    for o, r in zip(_leaves(out), _leaves(ref)):
        _close(o, r, max(spec.tol, 1e-5), dtype)
