"""OpSpecs for jtrans.ops: the segment reductions (segment_sum/prod/max/min)."""

import numpy as np

from jtrans import ops

from ..opspecs import OpSpec


def _segment_np(ufunc, identity):
    """The oracle: ufunc.at into a filled array; ids outside [0, n) are dropped (mode "fill"),
    or clamped into range for mode="clip"."""

    def ref(data, ids, num_segments, mode=None, **_):
        data = np.asarray(data)
        ids = np.asarray(ids)
        ident = identity(data.dtype)
        out = np.full((num_segments,) + data.shape[ids.ndim :], ident, data.dtype)
        data = np.broadcast_to(data, ids.shape + out.shape[1:])
        if mode == "clip":
            ids = np.clip(ids, 0, num_segments - 1)
        keep = (ids >= 0) & (ids < num_segments)
        ufunc.at(out, ids[keep], data[keep])
        return out

    return ref


def _inf(sign):
    def ident(dt):
        if dt.kind in "iu":
            return np.iinfo(dt).max if sign > 0 else np.iinfo(dt).min
        return sign * np.inf

    return ident


_REFS = {
    "sum": _segment_np(np.add, lambda dt: 0),
    "prod": _segment_np(np.multiply, lambda dt: 1),
    "max": _segment_np(np.maximum, _inf(-1)),
    "min": _segment_np(np.minimum, _inf(+1)),
}


def _ids(n, cover=True, lo=0, hi=None):
    """args_maker: data uniform, ids in [lo, hi) (hi defaults to n) of the second shape; with `cover`, every
    segment gets at least one entry (so max/min never hold +-inf, whose derivative checks
    are meaningless)."""

    def make(rng, shapes, dt):
        data = rng.uniform(0.5, 2.0, shapes[0]).astype(dt)
        size = int(np.prod(shapes[1]))
        ids = rng.integers(lo, n if hi is None else hi, size=size)
        if cover and size >= n:
            ids[:n] = np.arange(n)
            rng.shuffle(ids)
        return [data, ids.reshape(shapes[1]).astype(np.int32)]

    return make


def _spec(kind, suffix, shapes, n, lo=0, hi=None, **kwargs):
    fn = getattr(ops, f"segment_{kind}")
    ref = _REFS[kind]
    return OpSpec(
        f"segment_{kind}{suffix}",
        lambda d, i, fn=fn, n=n, kw=kwargs: fn(d, i, n, **kw),
        lambda d, i, ref=ref, n=n, kw=kwargs: ref(d, i, n, **kw),
        shapes,
        nondiff_argnums=(1,),
        args_maker=_ids(n, True, lo, hi),
        tol=1e-5,
    )


SPECS = []
for _kind in ("sum", "prod", "max", "min"):
    SPECS += [
        _spec(_kind, "", [((7,), (7,)), ((6, 2), (6,)), ((5, 2, 3), (5,))], 4),
        # ids out of range (negative ones too) are dropped, or clamped with mode="clip"
        _spec(_kind, "_drop", [((9,), (9,))], 3, lo=-2, hi=5),
        _spec(_kind, "_clip", [((9, 2), (9,))], 3, lo=-2, hi=5, mode="clip"),
        _spec(_kind, "_bucket", [((9,), (9,)), ((7, 2), (7,))], 3, bucket_size=2),
        _spec(_kind, "_sorted", [((6,), (6,))], 6, indices_are_sorted=True, unique_indices=True),
    ]
# 0-size data (every segment empty: +-inf for max/min, so only sum/prod), broadcast scalar data
SPECS += [
    _spec("sum", "_empty", [((0,), (0,)), ((0, 3), (0,))], 3),
    _spec("prod", "_empty", [((0,), (0,))], 2),
    _spec("max", "_no_segments", [((0, 2), (0,))], 0),
    _spec("sum", "_scalar_data", [((), (5,))], 3),
]
