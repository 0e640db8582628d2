"""OpSpecs for convolution and windowed reductions (pooling)."""

import numpy as np

from jtrans import lax

from ..opspecs import OpSpec


def _conv_ref(lhs, rhs, strides, padding, lhs_dil, rhs_dil, groups=1):
    """Direct loop over output positions (NCHW / OIHW), any number of spatial dims."""
    n, c = lhs.shape[:2]
    o = rhs.shape[0]
    nsp = lhs.ndim - 2
    shape = [(s - 1) * d + 1 if s else 0 for s, d in zip(lhs.shape[2:], lhs_dil)]
    x = np.zeros((n, c, *shape), np.float64)
    x[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in lhs_dil)] = lhs
    x = np.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in padding])
    k = rhs.shape[2:]
    eff = [(kk - 1) * d + 1 for kk, d in zip(k, rhs_dil)]
    out_sp = [(s - e) // st + 1 for s, e, st in zip(x.shape[2:], eff, strides)]
    out = np.zeros((n, o, *out_sp))
    og, cg = o // groups, c // groups
    for pos in np.ndindex(*out_sp):
        sl = tuple(slice(p * st, p * st + e, d) for p, st, e, d in zip(pos, strides, eff, rhs_dil))
        patch = x[(slice(None), slice(None)) + sl]  # (n, c, *k)
        for g in range(groups):
            pg = patch[:, g * cg : (g + 1) * cg].reshape(n, -1)
            wg = rhs[g * og : (g + 1) * og].reshape(og, -1)
            out[(slice(None), slice(g * og, (g + 1) * og)) + pos] = pg @ wg.T
    del nsp
    return out.astype(lhs.dtype)


def _conv_spec(name, lhs_shape, rhs_shape, strides, padding, lhs_dil=None, rhs_dil=None, groups=1):
    nsp = len(lhs_shape) - 2
    ld = lhs_dil or (1,) * nsp
    rd = rhs_dil or (1,) * nsp
    return OpSpec(
        name,
        lambda x, w: lax.conv_general_dilated(
            x, w, strides, padding, ld, rd, feature_group_count=groups
        ),
        lambda x, w: _conv_ref(x, w, strides, padding, ld, rd, groups),
        [(lhs_shape, rhs_shape)],
        tol=1e-4,
    )


def _pool_ref(x, window, strides, padding, fn, fill):
    xp = np.pad(x.astype(np.float64), padding, constant_values=fill)
    out_shape = [(s - w) // st + 1 for s, w, st in zip(xp.shape, window, strides)]
    out = np.empty(out_shape)
    for idx in np.ndindex(*out_shape):
        out[idx] = fn(
            xp[tuple(slice(i * st, i * st + w) for i, st, w in zip(idx, strides, window))]
        )
    return out.astype(x.dtype)


SPECS = [
    _conv_spec("conv.basic2d", (2, 3, 5, 4), (4, 3, 3, 2), (1, 1), ((0, 0), (0, 0))),
    _conv_spec("conv.strided_padded", (1, 2, 6, 5), (3, 2, 3, 3), (2, 1), ((1, 1), (2, 0))),
    _conv_spec(
        "conv.dilated", (1, 2, 6, 6), (2, 2, 2, 2), (1, 2), ((0, 1), (1, 1)), (2, 1), (1, 2)
    ),
    _conv_spec("conv.depthwise1d", (2, 4, 7), (4, 1, 3), (1,), ((1, 1),), groups=4),
    _conv_spec(
        "conv.grouped3d",
        (1, 4, 3, 4, 3),
        (2, 2, 2, 2, 1),
        (1, 1, 1),
        ((0, 0), (1, 0), (0, 0)),
        groups=2,
    ),
    OpSpec(
        "conv.nhwc_same",
        lambda x, w: lax.conv_general_dilated(
            x, w, (1, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        ),
        lambda x, w: np.transpose(
            _conv_ref(
                np.transpose(x, (0, 3, 1, 2)),
                np.transpose(w, (3, 2, 0, 1)),
                (1, 2),
                ((1, 1), (0, 1)),
                (1, 1),
                (1, 1),
            ),
            (0, 2, 3, 1),
        ),
        [((2, 5, 6, 3), (3, 3, 3, 2))],
        tol=1e-4,
    ),
    OpSpec(
        "pool.max2x2",
        lambda x: lax.reduce_window(x, -np.inf, lax.max, (1, 2, 2), (1, 2, 2), "VALID"),
        lambda x: _pool_ref(x, (1, 2, 2), (1, 2, 2), ((0, 0),) * 3, np.max, -np.inf),
        [((2, 4, 6),), ((1, 5, 5),)],
    ),
    OpSpec(
        "pool.max3x3_same",
        lambda x: lax.reduce_window(x, -np.inf, lax.max, (3, 3), (1, 1), "SAME"),
        lambda x: _pool_ref(x, (3, 3), (1, 1), ((1, 1), (1, 1)), np.max, -np.inf),
        [((4, 5),)],
    ),
    OpSpec(
        "pool.avg",
        lambda x: lax.reduce_window(x, 0.0, lax.add, (2, 3), (1, 2), ((1, 0), (0, 1))),
        lambda x: _pool_ref(x, (2, 3), (1, 2), ((1, 0), (0, 1)), np.sum, 0.0),
        [((4, 6),), ((3, 3),)],
    ),
    OpSpec(
        "pool.min",
        lambda x: lax.reduce_window(x, np.inf, lax.min, (2,), (1,), "VALID"),
        lambda x: _pool_ref(x, (2,), (1,), ((0, 0),), np.min, np.inf),
        [((5,),), ((2,),)],
    ),
]
