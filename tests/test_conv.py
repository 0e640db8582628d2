"""conv_general_dilated against a direct loop oracle (strides, padding, dilations, feature and
batch groups, layouts), its derivatives (check_grads in float64) and vmap against a loop."""

import numpy as np
import pytest

import jtrans
from jtrans import lax
from jtrans.test_util import check_grads


def conv_loop(x, w, strides, pad, ld, rd, groups=1, batch_groups=1):
    """NCHW x OIHW by explicit loops over every output element (padding may be negative)."""
    n, c = x.shape[:2]
    o = w.shape[0]
    shape = [0 if s == 0 else (s - 1) * d + 1 for s, d in zip(x.shape[2:], ld)]
    xd = np.zeros((n, c, *shape))
    xd[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in ld)] = x
    for a, (lo, hi) in enumerate(pad):
        ax = a + 2
        if lo < 0:
            xd = np.take(xd, range(-lo, xd.shape[ax]), axis=ax)
            lo = 0
        if hi < 0:
            xd = np.take(xd, range(xd.shape[ax] + hi), axis=ax)
            hi = 0
        widths = [(0, 0)] * xd.ndim
        widths[ax] = (lo, hi)
        xd = np.pad(xd, widths)
    k = w.shape[2:]
    eff = [(kk - 1) * d + 1 for kk, d in zip(k, rd)]
    osp = [max(0, (s - e) // st + 1) for s, e, st in zip(xd.shape[2:], eff, strides)]
    nb = n // batch_groups
    out = np.zeros((nb, o, *osp))
    og, cg = o // (groups * batch_groups), c // groups
    for b in range(nb):
        for f in range(o):
            grp = f // og
            if batch_groups > 1:
                bb, chans = grp * nb + b, range(c)
            else:
                bb, chans = b, range(grp * cg, (grp + 1) * cg)
            for pos in np.ndindex(*osp):
                acc = 0.0
                for ci, ch in enumerate(chans):
                    for kk in np.ndindex(*k):
                        idx = tuple(p * st + q * d for p, st, q, d in zip(pos, strides, kk, rd))
                        acc += xd[(bb, ch) + idx] * w[(f, ci) + kk]
                out[(b, f) + pos] = acc
    return out


CASES = [
    {"x": (2, 3, 6, 5), "w": (4, 3, 3, 2), "s": (1, 1), "p": ((0, 0), (0, 0))},
    {"x": (2, 3, 7, 6), "w": (4, 3, 3, 3), "s": (2, 1), "p": ((1, 1), (2, 0)), "rd": (1, 2)},
    {
        "x": (1, 4, 5, 5),
        "w": (6, 2, 2, 3),
        "s": (1, 2),
        "p": ((1, 0), (1, 1)),
        "ld": (2, 1),
        "g": 2,
    },
    {"x": (2, 4, 5), "w": (4, 1, 3), "s": (2,), "p": ((1, 1),), "g": 4},  # depthwise
    {"x": (4, 3, 5), "w": (4, 3, 2), "s": (1,), "p": ((0, 1),), "bg": 2},
    {"x": (2, 3, 6, 5), "w": (4, 3, 3, 2), "s": (1, 1), "p": ((-1, 1), (0, -1))},
]


def _fn(c):
    nsp = len(c["x"]) - 2
    ld, rd = c.get("ld", (1,) * nsp), c.get("rd", (1,) * nsp)
    return lambda x, w: lax.conv_general_dilated(
        x, w, c["s"], c["p"], ld, rd, feature_group_count=c.get("g", 1),
        batch_group_count=c.get("bg", 1),
    )  # fmt: skip


def _args(c, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal(c["x"]), r.standard_normal(c["w"])


@pytest.mark.parametrize("i", range(len(CASES)))
def test_conv_against_loop(i, x64):
    c = CASES[i]
    x, w = _args(c)
    nsp = len(c["x"]) - 2
    ref = conv_loop(x, w, c["s"], c["p"], c.get("ld", (1,) * nsp), c.get("rd", (1,) * nsp),
                    c.get("g", 1), c.get("bg", 1))  # fmt: skip
    np.testing.assert_allclose(_fn(c)(x, w), ref, atol=1e-10)
    out32 = _fn(c)(x.astype(np.float32), w.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, ref, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("i", range(len(CASES)))
def test_conv_grads(i, x64):
    c = CASES[i]
    check_grads(_fn(c), _args(c), order=2)


@pytest.mark.parametrize("i", range(len(CASES)))
@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (1, 2)])
def test_conv_vmap(i, in_axes, x64):
    c = CASES[i]
    f = _fn(c)
    xs, ws = zip(*[_args(c, seed) for seed in range(3)])
    xb, wb = np.stack(xs), np.stack(ws)
    xa = np.moveaxis(xb, 0, in_axes[0]) if in_axes[0] is not None else xs[0]
    wa = np.moveaxis(wb, 0, in_axes[1]) if in_axes[1] is not None else ws[0]
    out = np.asarray(jtrans.vmap(f, in_axes=in_axes)(xa, wa))
    for b in range(3):
        xi = xs[b] if in_axes[0] is not None else xs[0]
        wi = ws[b] if in_axes[1] is not None else ws[0]
        np.testing.assert_allclose(out[b], f(xi, wi), atol=1e-10)


def test_layouts_and_same_padding(x64):
    r = np.random.default_rng(4)
    x, w = r.standard_normal((2, 6, 5, 3)), r.standard_normal((3, 2, 3, 4))
    f = lambda x, w: lax.conv_general_dilated(
        x,
        w,
        (2, 1),
        "SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )
    ref = conv_loop(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), (2, 1), ((0, 1), (0, 1)),
                    (1, 1), (1, 1)).transpose(0, 2, 3, 1)  # fmt: skip
    np.testing.assert_allclose(f(x, w), ref, atol=1e-10)
    check_grads(f, (x, w), order=2)
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
    assert dn == lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    np.testing.assert_allclose(
        lax.conv(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), (1, 1), "VALID"),
        conv_loop(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), (1, 1), ((0, 0), (0, 0)),
                  (1, 1), (1, 1)), atol=1e-10)  # fmt: skip


def test_conv_errors():
    x, w = np.zeros((1, 3, 5, 5), np.float32), np.zeros((2, 2, 3, 3), np.float32)
    with pytest.raises(TypeError, match="feature"):
        lax.conv_general_dilated(x, w, (1, 1), "VALID")
    with pytest.raises(TypeError, match="same dtype"):
        lax.conv_general_dilated(x, w.astype(np.int32),
                                 (1, 1), "VALID", feature_group_count=1)  # fmt: skip
