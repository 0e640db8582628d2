# ruff: noqa: B023, SIM905
"""Differential testing of jtrans against JAX (a developer script, not a test).

Runs a broad list of jnp / lax functions, transformations and make_jaxpr on the same inputs in
both libraries and prints the mismatches grouped by kind: raises (one raises, the other does
not), exception type, shape, dtype, weak_type, value, grad, vmap, jaxpr.

    JAX_PLATFORMS=cpu python tools/compare_jax.py [-k substring] [--no-jaxpr] [--verbose]

JAX is imported only here; jtrans and its tests never need it.
"""

import argparse
import collections
import os
import sys
import time
import traceback
import types
import warnings

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax
import numpy as np

# JAX compiles each primitive once per shape; a persistent cache makes reruns fast
jax.config.update("jax_compilation_cache_dir", os.environ.get("JAX_CACHE", "/tmp/jtrans_jax_cache"))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
import jax.numpy as xnp
from jax import lax as xlax

import jtrans
import jtrans.numpy as jnp
from jtrans import lax as jlax

warnings.filterwarnings("ignore")
np.seterr(all="ignore")

F32, F16, I32, B = np.float32, np.float16, np.int32, np.bool_


# ---------------------------------------------------------------------------------------------
# inputs


def arr(shape, dtype=F32, kind="mixed", seed=0):
    """Deterministic test values: negatives, zero, fractions; 'pos' strictly positive;
    'nz' nonzero; 'nan' with NaNs; 'half' with .5 ties."""
    n = int(np.prod(shape))
    if dtype == B:
        return (np.arange(n) % 3 == 1).reshape(shape)
    if np.issubdtype(dtype, np.integer):
        v = (np.arange(n) * 7 + seed) % 11 - 5
        if kind == "pos":
            v = np.abs(v) + 1
        if kind == "nz":
            v = np.where(v == 0, 3, v)
        return v.astype(dtype).reshape(shape)
    v = np.sin(np.arange(n) * 1.7 + seed + 0.3) * 2.2
    if kind == "pos":
        v = np.abs(v) + 0.25
    if kind == "unit":
        v = np.clip(v / 2.5, -0.95, 0.95)
    if kind == "nan" and n:
        v[:: max(1, n // 3)] = np.nan
    if kind == "half":
        v = np.round(v * 2) / 2
    return v.astype(dtype).reshape(shape)


SHAPES = [(), (3,), (2, 3), (0,), (2, 0)]
DTYPES = [F32, I32, B, F16]


def unary_cases(kind="mixed", dtypes=DTYPES, scalars=(2.5, 3, True)):
    cs = [((arr(s, d, kind),), {}) for d in dtypes for s in (SHAPES if d == F32 else [(2, 3)])]
    cs += [((s,), {}) for s in scalars]
    return cs


def binary_cases(kind2="mixed"):
    a = lambda s, d=F32, k="mixed": arr(s, d, k)
    b = lambda s, d=F32: arr(s, d, kind2, seed=3)
    return [
        ((a((2, 3)), b((3,))), {}),
        ((a((2, 3)), b(())), {}),
        ((a(()), b(())), {}),
        ((a((0,)), b((1,))), {}),
        ((a((3,), I32), b((3,), I32)), {}),
        ((a((3,), I32), b((3,), F32)), {}),
        ((a((3,), B), b((3,), B)), {}),
        ((a((3,), F16), b((3,), F16)), {}),
        ((a((3,), I32), 2.5), {}),
        ((a((3,), I32), 3), {}),
        ((a((3,), F32), 2), {}),
        ((a((3,), B), 2), {}),
        ((2.5, a((3,), I32)), {}),
        ((3, 2), {}),
        ((2.5, 1.5), {}),
        ((a((2,)), b((3,))), {}),  # incompatible shapes: both should raise ValueError
    ]


def reduction_cases(dtypes=(F32, I32, B), kind="mixed", extra=()):
    cs = []
    for d in dtypes:
        cs.append(((arr((2, 3), d, kind),), {}))
        cs.append(((arr((2, 3), d, kind),), {"axis": -1, "keepdims": True}))
    cs.append(((arr((2, 3), F32, kind),), {"axis": 0}))
    cs.append(((arr((2, 3, 2), F32, kind),), {"axis": (0, 2)}))
    cs.append(((arr((3,), F16, kind),), {}))
    cs.append(((arr((), F32, kind),), {}))
    cs.append(((arr((0,), F32, kind),), {}))
    cs.append(((arr((2, 0), F32, kind),), {"axis": 1}))
    cs.append(((arr((2, 0), F32, kind),), {"axis": 0}))
    cs.append(((arr((2, 3), F32, kind),), {"axis": 2}))  # out of bounds
    cs.append(((arr((5,), F32, "nan"),), {}))
    cs.append(((2.5,), {}))
    cs.extend(extra)
    return cs


UNARY = """abs absolute acos acosh arccos arccosh arcsin arcsinh arctan arctanh asin asinh atan
atanh cbrt ceil conj conjugate cos cosh deg2rad degrees exp exp2 expm1 fabs floor isfinite isinf
isnan isneginf isposinf log log10 log1p log2 negative positive rad2deg radians reciprocal rint
sign signbit sin sinc sinh sqrt square tan tanh trunc angle imag real iscomplex isreal nan_to_num
around round frexp modf invert bitwise_not bitwise_invert bitwise_count logical_not ravel
atleast_1d atleast_2d atleast_3d flatnonzero argwhere nonzero fliplr flipud diag diagflat
matrix_transpose transpose iscomplexobj isrealobj isscalar ndim shape size trim_zeros unique
unique_values unique_counts squeeze ravel copy""".split()

BINARY = """add arctan2 atan2 bitwise_and bitwise_or bitwise_xor bitwise_left_shift
bitwise_right_shift left_shift right_shift copysign divide true_divide floor_divide divmod equal
not_equal greater greater_equal less less_equal fmax fmin fmod gcd lcm heaviside hypot ldexp
logaddexp logaddexp2 logical_and logical_or logical_xor maximum minimum mod remainder multiply
nextafter power pow float_power subtract isclose allclose array_equal array_equiv""".split()

REDUCTIONS = """all any amax amin max min sum prod mean std var median ptp count_nonzero argmax
argmin nanargmax nanargmin nanmax nanmin nansum nanprod nanmean nanstd nanvar nanmedian cumsum
cumprod nancumsum nancumprod average sort argsort flip""".split()


def _custom_cases():
    a23, a3, a234 = arr((2, 3)), arr((3,)), arr((2, 3, 4))

    C = {}
    C["cumulative_sum"] = [
        ((a3,), {}),
        ((a23,), {"axis": 1}),
        ((a23,), {}),
        ((a3,), {"include_initial": True}),
        ((arr((3,), B),), {}),
    ]
    C["cumulative_prod"] = C["cumulative_sum"][:3]
    C["reshape"] = [
        ((a23, (3, 2)), {}),
        ((a23, (-1,)), {}),
        ((a23, (4, 2)), {}),
        ((a23, (-1, -1)), {}),
        ((arr((0, 3)), (-1, 0)), {}),
    ]
    C["broadcast_to"] = [((a3, (2, 3)), {}), ((a3, (3, 2)), {}), ((2.5, (2,)), {})]
    C["expand_dims"] = [
        ((a23, 0), {}),
        ((a23, -1), {}),
        ((a23, (0, 3)), {}),
        ((a23, 4), {}),
        ((a23, (0, 0)), {}),
    ]
    C["squeeze"] = [
        ((arr((1, 3, 1)),), {}),
        ((arr((1, 3, 1)), 0), {}),
        ((a23, 0), {}),
        ((arr((1, 3, 1)), (0, 2)), {}),
    ]
    C["swapaxes"] = [((a234, 0, 2), {}), ((a234, -1, 0), {}), ((a234, 3, 0), {})]
    C["moveaxis"] = [((a234, 0, -1), {}), ((a234, (0, 1), (2, 0)), {}), ((a234, 5, 0), {})]
    C["transpose"] = [((a234,), {}), ((a234, (1, 0, 2)), {}), ((a234, (0, 1)), {}), ((2.5,), {})]
    C["permute_dims"] = [((a234, (2, 0, 1)), {})]
    C["concatenate"] = [
        (([a23, a23],), {}),
        (([a23, a23],), {"axis": 1}),
        (([a23, arr((2, 3), I32)],), {}),
        (([a3, a23],), {}),
        (([],), {}),
        (([a23, a23],), {"axis": None}),
        (([arr((0, 3)), a23],), {}),
        (([arr((3,), I32), 2],), {}),
    ]
    C["concat"] = C["concatenate"][:2]
    C["stack"] = [
        (([a3, a3],), {}),
        (([a3, a3],), {"axis": -1}),
        (([a3, arr((2,))],), {}),
        (([2.5, 1.0],), {}),
        (([arr((3,), I32), arr((3,), F16)],), {}),
    ]
    for n in ("hstack", "vstack", "dstack", "column_stack"):
        C[n] = [(([a3, a3],), {}), (([a23, a23],), {}), (([arr(()), arr(())],), {})]
    C["split"] = [
        ((arr((6,)), 3), {}),
        ((arr((6,)), [1, 4]), {}),
        ((arr((6,)), 4), {}),
        ((a23, 3), {"axis": 1}),
        ((arr((6,)), [-2]), {}),
    ]
    C["array_split"] = [((arr((7,)), 3), {}), ((a23, 2), {"axis": 1})]
    C["hsplit"] = [((arr((2, 4)), 2), {})]
    C["vsplit"] = [((arr((4, 2)), 2), {})]
    C["dsplit"] = [((arr((2, 2, 4)), 2), {})]
    C["unstack"] = [((a23,), {}), ((a23,), {"axis": 1})]
    C["tile"] = [((a3, 2), {}), ((a23, (2, 1)), {}), ((a3, (2, 2)), {}), ((2.5, 3), {})]
    C["repeat"] = [
        ((a3, 2), {}),
        ((a23, 2), {"axis": 1}),
        ((a3, [1, 0, 2]), {}),
        ((a3, [1, 2]), {}),
        ((a3, np.array([1, 0, 2])), {"total_repeat_length": 3}),
    ]
    C["roll"] = [
        ((a3, 1), {}),
        ((a23, -1), {"axis": 1}),
        ((a23, 4), {}),
        ((a23, (1, 2)), {"axis": (0, 1)}),
        ((arr((0,)), 1), {}),
    ]
    C["rot90"] = [((a23,), {}), ((a23, 3), {}), ((a23, -1), {}), ((a3,), {})]
    C["flip"] = [((a23,), {}), ((a23, 0), {}), ((a23, (0, 1)), {}), ((a23, 2), {})]
    C["pad"] = [
        ((a3, 1), {}),
        ((a23, ((1, 0), (0, 2))), {}),
        ((a3, 2), {"mode": "reflect"}),
        ((a3, 2), {"mode": "edge"}),
        ((a3, 1), {"constant_values": 9}),
        ((a3, 2), {"mode": "wrap"}),
        ((a3, -1), {}),
        ((a3, 2), {"mode": "symmetric"}),
        ((a23, ((1, 2), (3, 1))), {"mode": "linear_ramp", "end_values": ((1, -2), (0.5, 3))}),
        ((arr((3, 4), I32), (2, 3)), {"mode": "mean", "stat_length": 2}),
        ((a23, 2), {"mode": "median"}),
        ((a23, (1, 2)), {"mode": "maximum", "stat_length": ((1, 2), (2, 1))}),
        ((a23, 3), {"mode": "minimum"}),
        ((a3, 5), {"mode": "reflect", "reflect_type": "odd"}),
        ((a23, (4, 1)), {"mode": "symmetric", "reflect_type": "odd"}),
        ((a3, 2), {"mode": "empty"}),
        ((arr((3,), I32), 1), {"constant_values": 2.5}),
    ]
    C["resize"] = [((a3, (2, 4)), {}), ((a23, 4), {})]
    C["append"] = [((a3, a3), {}), ((a23, a23), {"axis": 0}), ((a3, 2.5), {})]
    C["insert"] = [
        ((a3, 1, 9.0), {}),
        ((a23, 1, 9.0), {"axis": 1}),
        ((a3, [0, 2], a3[:2]), {}),
        ((a3, -1, 9.0), {}),
    ]
    C["delete"] = [((a3, 1), {}), ((a23, [0, 2], 1), {}), ((a3, -1), {}), ((a23, 0, 0), {})]
    C["diagonal"] = [
        ((arr((3, 4)),), {}),
        ((arr((3, 4)), 1), {}),
        ((arr((3, 4)), -2), {}),
        ((a234, 0, 1, 2), {}),
        ((arr((3, 4)), 5), {}),
    ]
    C["trace"] = [
        ((arr((3, 4)),), {}),
        ((arr((3, 4), I32),), {}),
        ((arr((3, 4), B),), {}),
        ((arr((3, 4)), 1), {}),
    ]
    C["diag"] = [((a3,), {}), ((arr((3, 4)),), {}), ((a3, 1), {}), ((arr((3, 4)), -1), {})]
    C["tril"] = [((arr((3, 4)),), {}), ((arr((3, 4)), -1), {}), ((a234, 1), {})]
    C["triu"] = C["tril"]
    C["take"] = [
        ((a3, 1), {}),
        ((a3, -1), {}),
        ((a23, np.array([0, 2, -1])), {"axis": 1}),
        ((a23, np.array([[0, 5]])), {}),
        ((a3, 7), {}),
        ((a3, 7), {"mode": "clip"}),
        ((a3, 7), {"mode": "wrap"}),
        ((arr((3,), I32), 7), {}),
        ((a23, np.array([1])), {"axis": 2}),
        ((a3, 1.0), {}),
    ]
    C["take_along_axis"] = [
        ((a23, np.array([[0], [2]]), 1), {}),
        ((a23, np.array([[0, -1, 1]]), 0), {}),
        ((a23, np.array([[0], [2]]), None), {}),
        ((a23, np.array([[5], [2]]), 1), {}),
    ]
    C["put"] = [((a3, np.array([0]), 5.0), {"inplace": False})]
    C["where"] = [
        ((arr((2, 3), B), a23, 0.0), {}),
        ((arr((3,), B), a3, arr((3,), I32)), {}),
        ((arr((3,), B), 1, 2), {}),
        ((arr((3,), B), 1.0, 2), {}),
        ((arr((3,)),), {}),
        ((arr((3,), B), a3), {}),
        ((a3, a3, a3), {}),
    ]
    C["select"] = [
        (([arr((3,), B), ~arr((3,), B)], [a3, -a3]), {}),
        (([arr((3,), B)], [a3], 2.0), {}),
        (([arr((3,), B)], [arr((3,), I32)]), {}),
    ]
    C["piecewise"] = []
    C["clip"] = [
        ((a3, -1.0, 1.0), {}),
        ((a3,), {"min": 0.0}),
        ((arr((3,), I32), 0, 2), {}),
        ((arr((3,), I32), 0.5, 2.5), {}),
        ((a3, None, None), {}),
        ((a23, a3, 1.0), {}),
    ]
    C["searchsorted"] = [
        ((np.sort(arr((6,))), a3), {}),
        ((np.sort(arr((6,))), a3), {"side": "right"}),
        ((np.sort(arr((6,))), 0.0), {}),
        ((np.sort(arr((6,), I32)), 2.5), {}),
        ((np.array([1.0, np.nan]), np.array([np.nan, 0.0])), {}),
        ((a23, a3), {}),
    ]
    C["lexsort"] = [(((arr((6,), I32), arr((6,), I32, seed=2)),), {}), ((a23,), {})]
    C["partition"] = [((arr((6,)), 2), {}), ((a23, 1), {"axis": 0})]
    C["argpartition"] = C["partition"]
    C["sort"] = [
        ((arr((6,), F32, "nan"),), {}),
        ((a23,), {"axis": None}),
        ((a23,), {"axis": 0}),
        ((a23,), {"descending": True}),
        ((arr((0,)),), {}),
        ((2.5,), {}),
        ((arr((6,), B),), {}),
        ((np.array([0.0, -0.0, 1.0, -0.0]),), {}),
        ((a23,), {"axis": 2}),
    ]
    C["argsort"] = C["sort"] + [
        ((arr((7,), I32) % 2,), {"stable": True}),
        ((arr((7,), I32) % 2,), {"descending": True}),
    ]
    C["unique"] = [
        ((arr((6,), I32) % 3,), {}),
        ((arr((6,), I32) % 3,), {"return_counts": True}),
        ((arr((6,), I32) % 3,), {"return_index": True, "return_inverse": True}),
        ((arr((6,), I32) % 3,), {"size": 5, "fill_value": -1}),
        ((np.array([1.0, np.nan, np.nan, 0.0]),), {}),
        ((a23,), {"axis": 0}),
        (
            (arr((4, 3), I32) % 2,),
            {"axis": 0, "return_index": True, "return_inverse": True, "return_counts": True},
        ),
        (
            (arr((4, 3), I32) % 2,),
            {"axis": 1, "size": 5, "fill_value": 7, "return_index": True, "return_counts": True},
        ),
        ((arr((3, 4), I32) % 2,), {"axis": 0, "size": 4}),
    ]
    a6, i6 = arr((6,)), arr((6,), I32)
    C["diff"] = [((a6,), {}), ((a23,), {"n": 2, "axis": 0}), ((i6,), {"prepend": 1})]
    C["ediff1d"] = [((a23,), {}), ((a6,), {"to_begin": 1.0, "to_end": np.array([2.0, 3.0])})]
    C["digitize"] = [
        ((a6, np.array([-1.0, 0.0, 1.0])), {}),
        ((a6, np.array([1.0, 0.0, -1.0])), {"right": True}),
    ]
    C["cov"] = [((arr((3, 5)),), {}), ((arr((5, 3)),), {"rowvar": False, "ddof": 0})]
    C["corrcoef"] = [((arr((3, 5)),), {})]
    C["convolve"] = [((a6, a3), {}), ((a6, a3), {"mode": "same"}), ((a6, a3), {"mode": "valid"})]
    C["correlate"] = C["convolve"]
    C["polyval"] = [((a3, a6), {}), ((i6, 2), {})]
    C["polyfit"] = [((a6, arr((6,), seed=3), 2), {})]
    C["polyadd"] = [((a3, a6), {})]
    C["polymul"] = [((a3, a6), {})]
    C["polyder"] = [((a6,), {}), ((a6, 2), {})]
    C["polyint"] = [((a6,), {}), ((a6, 2), {"k": 1.0})]
    C["vander"] = [((a3,), {}), ((a3, 4), {"increasing": True})]
    C["trapezoid"] = [((a23,), {}), ((a23, a3), {}), ((a23,), {"dx": 0.5, "axis": 0})]
    C["unwrap"] = [((arr((6,)) * 4,), {}), ((arr((2, 3)) * 4,), {"axis": 0, "period": 3.0})]
    C["i0"] = [((a6,), {})]
    C["spacing"] = [((a6,), {})]
    C["kaiser"] = [((5, 2.0), {}), ((1, 2.0), {})]
    C["hamming"] = [((5,), {}), ((0,), {}), ((1,), {})]
    C["bartlett"] = C["hamming"]
    C["blackman"] = C["hamming"]
    C["hanning"] = C["hamming"]
    C["packbits"] = [
        ((arr((2, 9), B),), {}),
        ((arr((2, 9), B),), {"axis": 1, "bitorder": "little"}),
    ]
    C["unpackbits"] = [
        ((np.array([3, 255], np.uint8),), {}),
        ((np.array([[3, 255]], np.uint8),), {"axis": 1, "count": 10}),
    ]
    C["isin"] = [((i6, np.array([0, 2, 5], I32)), {}), ((i6, np.array([1], I32)), {"invert": True})]
    C["intersect1d"] = [
        ((i6, arr((4,), I32, seed=3)), {}),
        ((i6, arr((4,), I32, seed=3)), {"return_indices": True}),
    ]
    C["union1d"] = [((i6, arr((4,), I32, seed=3)), {})]
    C["setdiff1d"] = [((i6, arr((4,), I32, seed=3)), {})]
    C["setxor1d"] = [((i6, arr((4,), I32, seed=3)), {})]
    C["histogram"] = [
        ((a6,), {}),
        ((a6, 3), {"range": (-1, 1), "density": True}),
        ((a6, np.array([-2.0, 0.0, 3.0])), {"weights": a6}),
    ]
    C["histogram_bin_edges"] = [((a6, 4), {})]
    C["histogram2d"] = [((a6, arr((6,), seed=3)), {"bins": 3})]
    C["tril_indices"] = [((3,), {}), ((3, 1, 4), {})]
    C["triu_indices_from"] = [((arr((3, 4)),), {"k": -1})]
    C["diag_indices"] = [((3,), {}), ((2, 3), {})]
    C["ravel_multi_index"] = [(((np.array([0, 1], I32), np.array([2, 0], I32)), (2, 3)), {})]
    C["unravel_index"] = [((np.array([0, 5, 3], I32), (2, 3)), {})]
    C["compress"] = [((np.array([True, False, True]), a23), {"axis": 1})]
    C["extract"] = [((a23 > 0, a23), {})]
    C["choose"] = [((np.array([0, 1, 0], I32), [a3, arr((3,), seed=4)]), {})]
    C["rollaxis"] = [((a234, 2), {}), ((a234, 0, 2), {})]
    C["sort_complex"] = [((a6,), {})]
    C["matvec"] = [((a23, a3), {})]
    C["vecmat"] = [((arr((2,)), a23), {})]
    C["apply_along_axis"] = [((lambda v: v * 2 + 1, 1, a23), {})]
    C["put_along_axis"] = [((a23, np.array([[0], [2]]), 9.0, 1), {"inplace": False})]
    C["fill_diagonal"] = [
        ((arr((3, 3)), 2.0), {"inplace": False}),
        ((arr((4, 3)), a3), {"inplace": False}),
    ]
    C["frompyfunc"] = []
    C["place"] = [((a23, a23 > 0, a3), {"inplace": False}), ((a3, a3 < 0, 5.0), {"inplace": False})]
    C["trim_zeros"] = [
        ((np.array([0.0, 0, 1, 2, 0]),), {}),
        ((np.array([0.0, 0, 1, 2, 0]), "b"), {}),
        ((np.pad(np.ones((2, 2)), 1),), {}),
        ((np.pad(np.ones((2, 2)), 1),), {"axis": 1}),
    ]
    C["nonzero"] = [
        ((arr((2, 3), I32),), {}),
        ((arr((5,), I32),), {"size": 6}),
        ((arr((5,), I32),), {"size": 2, "fill_value": -1}),
        ((2.5,), {}),
    ]
    C["argwhere"] = [((arr((2, 3), I32),), {}), ((arr((5,), I32),), {"size": 6})]
    C["flatnonzero"] = [((arr((2, 3), I32),), {})]
    C["count_nonzero"] = reduction_cases()
    C["ix_"] = [((np.array([0, 1]), np.array([2, 0, 1])), {})]
    C["indices"] = [(((2, 3),), {}), (((2, 3),), {"sparse": True})]
    C["meshgrid"] = [((a3, arr((2,))), {}), ((a3, arr((2,))), {"indexing": "ij"})]
    C["broadcast_arrays"] = [((a3, arr((2, 1))), {}), ((a3, 2.5), {})]
    C["broadcast_shapes"] = [(((3,), (2, 1)), {}), (((3,), (2,)), {})]
    C["cross"] = [
        ((a3, arr((3,), seed=4)), {}),
        ((arr((2, 3)), arr((3,))), {}),
        ((arr((2,)), arr((2,))), {}),
    ]
    C["interp"] = [
        ((a3, np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 4.0])), {}),
        ((2.5, np.array([0.0, 1.0]), np.array([1.0, 2.0])), {}),
    ]
    C["quantile"] = [
        ((a23, 0.5), {}),
        ((a23, np.array([0.1, 0.9])), {"axis": 1}),
        ((a23, 0.3), {"method": "lower"}),
        ((a23, 0.3), {"method": "nearest"}),
        ((arr((2, 3), I32), 0.5), {}),
        ((a23, 1.5), {}),
    ]
    C["nanquantile"] = C["quantile"][:3]
    C["percentile"] = [((a23, 50.0), {}), ((a23, np.array([10.0, 90.0])), {"axis": 1})]
    C["nanpercentile"] = C["percentile"]
    C["average"] = reduction_cases() + [
        ((a23,), {"weights": a3, "axis": 1}),
        ((a23,), {"weights": a3, "axis": 1, "returned": True}),
    ]
    C["median"] = reduction_cases()
    C["ptp"] = reduction_cases()
    C["gradient"] = []
    C["histogram"] = []
    C["bincount"] = []
    C["isclose"] = binary_cases() + [
        ((np.array([np.nan, 1.0]), np.array([np.nan, 1.0])), {"equal_nan": True})
    ]
    C["dot"] = [
        ((a3, a3), {}),
        ((a23, a3), {}),
        ((a23, 2.0), {}),
        ((arr((3,), I32), a3), {}),
        ((a23, a23), {}),
    ]
    C["vdot"] = [((a3, a3), {}), ((a23, a23), {})]
    C["inner"] = [((a3, a3), {}), ((a23, a23), {})]
    C["outer"] = [((a3, arr((2,))), {}), ((a23, a3), {})]
    C["kron"] = [((a3, arr((2,))), {}), ((arr((2, 2)), arr((2, 2))), {})]
    C["matmul"] = [
        ((a23, arr((3, 2))), {}),
        ((a3, a3), {}),
        ((a234, arr((4, 2))), {}),
        ((a23, a23), {}),
        ((arr((2, 3), I32), arr((3,), I32)), {}),
    ]
    C["tensordot"] = [((a234, arr((3, 4)), 2), {}), ((a23, arr((3, 2)), 1), {})]
    C["vecdot"] = [((a23, a3), {})]
    C["einsum"] = [(("ij,j->i", a23, a3), {}), (("ii", arr((3, 3))), {}), (("i,i", a3, a3), {})]
    C["array"] = [
        ((a23,), {}),
        ((2.5,), {}),
        (([1, 2],), {}),
        (([1.0, 2],), {}),
        ((True,), {}),
        ((a3,), {"dtype": I32}),
        (([],), {}),
    ]
    C["asarray"] = C["array"]
    for n in ("zeros", "ones", "empty"):
        C[n] = [(((2, 3),), {}), ((3,), {"dtype": I32}), (((),), {}), (((2, -1),), {})]
    C["full"] = [(((2, 3), 2.5), {}), (((2,), 3), {}), (((2,), True), {}), (((2,), a3), {})]
    for n in ("zeros_like", "ones_like", "empty_like"):
        C[n] = [((a23,), {}), ((2.5,), {}), ((a3,), {"dtype": I32}), ((3,), {})]
    C["full_like"] = [((a23, 2), {}), ((arr((3,), I32), 2.5), {}), ((2.5, 1), {})]
    C["arange"] = [((5,), {}), ((1.0, 3.0, 0.5), {}), ((5, 1, -1), {}), ((0,), {}), ((2.5,), {})]
    C["linspace"] = [
        ((0.0, 1.0, 5), {}),
        ((0, 10, 5), {}),
        ((0, 1, 5), {"endpoint": False}),
        ((0, 10, 4), {"dtype": I32}),
    ]
    C["logspace"] = [((0.0, 2.0, 3), {})]
    C["geomspace"] = [((1.0, 100.0, 3), {})]
    C["eye"] = [((3,), {}), ((2, 3, 1), {}), ((3,), {"dtype": I32})]
    C["identity"] = [((3,), {})]
    C["tri"] = [((3,), {}), ((2, 3, -1), {})]
    C["fromfunction"] = []
    C["frexp"] = unary_cases()
    C["ldexp"] = [((a3, np.array([1, 2, -1], I32)), {}), ((a3, 2), {})]
    C["gcd"] = [((arr((3,), I32), arr((3,), I32, seed=2)), {}), ((12, 18), {})]
    C["lcm"] = C["gcd"]
    C["bitwise_count"] = unary_cases(dtypes=(I32, B))
    C["piecewise"] = []
    C["einsum_path"] = []
    C["result_type"] = [((a3, 2), {}), ((arr((3,), I32), 2.5), {}), ((F16, I32), {})]
    C["promote_types"] = [((F16, I32), {}), ((B, I32), {})]
    C["can_cast"] = [((F32, I32), {}), ((I32, F32), {})]
    return C


# ---------------------------------------------------------------------------------------------
# running and comparing


def _tolib(x, lib):
    if isinstance(x, np.ndarray):
        return lib.asarray(x)
    if isinstance(x, list):
        return [_tolib(v, lib) for v in x]
    if isinstance(x, tuple) and any(isinstance(v, np.ndarray) for v in x):
        return tuple(_tolib(v, lib) for v in x)
    return x


def _leaves(out):
    if isinstance(out, types.GeneratorType):
        out = list(out)
    if isinstance(out, (tuple, list)):
        r = []
        for o in out:
            r.extend(_leaves(o))
        return r
    if hasattr(out, "_asdict"):
        return _leaves(tuple(out))
    return [out]


_EXC = (IndexError, TypeError, ValueError, NotImplementedError)


def _exc_kind(e):
    for t in _EXC:
        if isinstance(e, t):
            return t.__name__
    return type(e).__name__


def _call(fn):
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001
        return None, e


def _describe(args, kwargs):
    def d(x):
        if isinstance(x, np.ndarray):
            if x.size <= 4 and x.ndim <= 1 and x.dtype.kind == "f":
                return f"{x.dtype.name}{list(x.shape)}={np.array2string(x, precision=3)}"
            return f"{x.dtype.name}{list(x.shape)}"
        if isinstance(x, list):
            return "[" + ", ".join(d(v) for v in x) + "]"
        if isinstance(x, tuple):
            return "(" + ", ".join(d(v) for v in x) + ")"
        if isinstance(x, type):
            return x.__name__
        return repr(x)

    s = ", ".join(d(a) for a in args)
    if kwargs:
        s += ", " + ", ".join(f"{k}={d(v)}" for k, v in kwargs.items())
    return s


def _short(x):
    v = np.asarray(x)
    return np.array2string(v, precision=4, threshold=8, separator=",").replace("\n", "")


class Report:
    def __init__(self, verbose=False):
        self.groups = collections.defaultdict(list)
        self.verbose = verbose
        self.ncases = 0

    def add(self, kind, what, msg):
        self.groups[kind].append(f"{what}: {msg}")

    def print(self):
        order = ["raises", "jtrans-raises", "exception-type", "shape", "dtype", "weak_type",
                 "value", "grad", "vmap", "jaxpr"]  # fmt: skip
        total = sum(len(v) for v in self.groups.values())
        print(f"\n==== jtrans vs JAX {jax.__version__}: {self.ncases} cases, {total} mismatches")
        for k in order + sorted(set(self.groups) - set(order)):
            if k in self.groups:
                print(f"\n---- {k} ({len(self.groups[k])})")
                for line in self.groups[k]:
                    print("  " + line)


def compare_outputs(rep, what, jo, xo, tol=None):
    jl, xl = _leaves(jo), _leaves(xo)
    if len(jl) != len(xl):
        rep.add("shape", what, f"{len(jl)} outputs vs jax {len(xl)}")
        return
    for i, (j, x) in enumerate(zip(jl, xl)):
        tag = what + (f" [out {i}]" if len(jl) > 1 else "")
        if not hasattr(x, "dtype"):  # python value (shape tuples, bools, dtypes)
            if isinstance(x, (np.dtype, type)) or not np.isscalar(x):
                if np.dtype(j) != np.dtype(x) if isinstance(x, (np.dtype, type)) else j != x:
                    rep.add("value", tag, f"jtrans {j!r} vs jax {x!r}")
                continue
            if type(j) is not type(x) and not hasattr(j, "dtype"):
                rep.add("dtype", tag, f"jtrans {type(j).__name__} vs jax {type(x).__name__}")
            if not np.allclose(np.asarray(j), x, equal_nan=True):
                rep.add("value", tag, f"jtrans {j!r} vs jax {x!r}")
            continue
        if not hasattr(j, "dtype"):
            rep.add("dtype", tag, f"jtrans returned {type(j).__name__} {j!r}, jax an array")
            continue
        jv, xv = np.asarray(j), np.asarray(x)
        if jv.shape != xv.shape:
            rep.add("shape", tag, f"jtrans {jv.shape} vs jax {xv.shape}")
            continue
        if jv.dtype != xv.dtype:
            rep.add("dtype", tag, f"jtrans {jv.dtype} vs jax {xv.dtype}")
        jw, xw = getattr(j, "weak_type", None), getattr(x, "weak_type", None)
        if xw is not None and jw is not None and bool(jw) != bool(xw):
            rep.add("weak_type", tag, f"jtrans weak={jw} vs jax weak={xw}")
        try:
            if jv.dtype.kind in "biu" and xv.dtype.kind in "biu":
                ok = np.array_equal(jv.astype(np.int64), xv.astype(np.int64))
            else:
                t = tol or (2e-2 if F16 in (jv.dtype, xv.dtype) else 2e-5)
                ok = np.allclose(jv.astype(np.complex128), xv.astype(np.complex128), rtol=t,
                                 atol=t, equal_nan=True)  # fmt: skip
        except Exception:  # noqa: BLE001
            ok = False
        if not ok:
            rep.add("value", tag, f"jtrans {_short(jv)} vs jax {_short(xv)}")


def run_case(rep, what, jfn, xfn, tol=None, op_by_op=True):
    """op_by_op: run JAX under disable_jit (primitives compiled once per shape and shared by
    functions: much faster); control flow needs False (disable_jit turns it into Python)."""
    rep.ncases += 1
    if op_by_op:
        with jax.disable_jit():
            xo, xe = _call(xfn)
    else:
        xo, xe = _call(xfn)
    jo, je = _call(jfn)
    if xe is not None and je is not None:
        # fine when ours is an instance of JAX's kind (ShapeError: TypeError and ValueError;
        # AxisError: IndexError and ValueError): code catching JAX's exception catches ours
        xk = next((t for t in _EXC if isinstance(xe, t)), None)
        if not (xk is not None and isinstance(je, xk)) and _exc_kind(xe) != _exc_kind(je):
            rep.add("exception-type", what,
                    f"jtrans {type(je).__name__} vs jax {type(xe).__name__}: "
                    f"{str(xe).splitlines()[0][:100] if str(xe) else ''}")  # fmt: skip
        return
    if xe is not None:
        rep.add("raises", what, f"jax raises {type(xe).__name__}: {str(xe).splitlines()[0][:120]}"
                if str(xe) else f"jax raises {type(xe).__name__}")  # fmt: skip
        return
    if je is not None:
        msg = str(je).splitlines()[0][:140] if str(je) else ""
        if rep.verbose:
            msg += "\n" + "".join(traceback.format_exception(je)[-3:])
        rep.add("jtrans-raises", what, f"jtrans raises {type(je).__name__}: {msg}")
        return
    compare_outputs(rep, what, jo, xo, tol)


def run_numpy(rep, names_filter):
    custom = _custom_cases()
    names = sorted(n for n in dir(jnp) if not n.startswith("_") and hasattr(xnp, n)
                   and callable(getattr(jnp, n)) and not isinstance(getattr(jnp, n), type))  # fmt: skip
    skipped = []
    for name in names:
        if names_filter and names_filter not in name:
            continue
        if name in custom:
            cases = custom[name]
        elif name in REDUCTIONS:
            cases = reduction_cases()
        elif name in BINARY:
            cases = binary_cases("nz")
        elif name in UNARY:
            cases = unary_cases()
        else:
            skipped.append(name)
            continue
        jf, xf = getattr(jnp, name), getattr(xnp, name)
        t = time.time()
        for args, kwargs in cases:
            what = f"jnp.{name}({_describe(args, kwargs)})"
            run_case(rep, what,
                     lambda: jf(*_tolib(args, jnp), **_tolib(kwargs, jnp)),
                     lambda: xf(*_tolib(args, xnp), **_tolib(kwargs, xnp)))  # fmt: skip
        if os.environ.get("COMPARE_TIMES"):
            print(f"{name}: {time.time() - t:.2f}s", file=sys.stderr)
    if skipped and not names_filter:
        rep.add("not-exercised", "jnp", " ".join(skipped))
    run_ufunc_methods(rep, names_filter)


def run_ufunc_methods(rep, names_filter):
    """jnp.ufunc objects: reduce / accumulate / reduceat / outer / at, also on the generic
    (scan-based) forms."""
    a23, ai = arr((2, 3)), arr((2, 3), I32)
    idx = np.array([0, 2, 0])
    cases = [
        ("reduce", (a23,), {}), ("reduce", (a23,), {"axis": None}),
        ("reduce", (a23,), {"axis": 1, "keepdims": True}), ("reduce", (ai,), {"axis": 1}),
        ("reduce", (a23,), {"axis": 1, "initial": 1.0, "where": np.array([True, False, True])}),
        ("accumulate", (a23,), {"axis": 1}), ("accumulate", (ai,), {}),
        ("outer", (arr((3,)), arr((2,), seed=3)), {}),
        ("reduceat", (a23, np.array([0, 2, 1])), {"axis": 1}),
        ("at", (arr((4,)), idx, arr((3,), seed=5)), {"inplace": False}),
    ]  # fmt: skip
    for name in ("add", "multiply", "subtract", "maximum", "minimum", "logaddexp",
                 "bitwise_xor", "logical_or"):  # fmt: skip
        if names_filter and names_filter not in name:
            continue
        for meth, args, kwargs in cases:
            if name.startswith(("bitwise", "logical")):
                args = tuple(np.asarray(x * 3, I32) if isinstance(x, np.ndarray) and
                             x.dtype == F32 else x for x in args)  # fmt: skip
            if name == "logaddexp" and "where" in kwargs:
                continue  # JAX's logsumexp-based reduce asserts on where=
            jf, xf = getattr(getattr(jnp, name), meth), getattr(getattr(xnp, name), meth)
            run_case(rep, f"jnp.{name}.{meth}({_describe(args, kwargs)})",
                     lambda: jf(*_tolib(args, jnp), **kwargs),
                     lambda: xf(*_tolib(args, xnp), **kwargs))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# edge cases users hit first


def run_edges(rep, names_filter):
    nanv = np.array([1.0, np.nan, -2.0, 3.0], F32)
    inf = np.array([np.inf, -np.inf, 1.0, np.nan], F32)
    negi = np.array([-7, -1, 0, 5, 7], I32)
    divi = np.array([2, -2, 3, -3, 2], I32)
    fl = np.array([-7.5, -1.0, -0.0, 5.5, 7.0], F32)
    dvf = np.array([2.0, -2.0, 3.0, -3.0, 0.0], F32)
    half = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 3.49], F32)
    E = [
        (n, (nanv,), {}) for n in ("max", "min", "argmax", "argmin", "sort", "argsort", "median",
                                   "nanmax", "nanargmax", "cumsum", "ptp", "amax", "unique",
                                   "nanmin", "nanargmin", "cumprod", "mean")
    ]  # fmt: skip
    E += [(n, (nanv, nanv[::-1].copy()), {}) for n in ("maximum", "minimum", "fmax", "fmin")]
    E += [(n, (inf,), {}) for n in ("sign", "isfinite", "nan_to_num", "exp", "tanh", "sort",
                                    "argmax", "floor", "round", "rint", "sinc", "log1p")]  # fmt: skip
    E += [(n, (negi, divi), {}) for n in ("floor_divide", "remainder", "mod", "fmod", "divmod",
                                          "true_divide", "power", "right_shift", "left_shift")]  # fmt: skip
    E += [(n, (fl, dvf), {}) for n in ("floor_divide", "remainder", "mod", "fmod", "divmod",
                                       "true_divide", "copysign")]  # fmt: skip
    E += [(n, (negi, np.array([0, 0, 0, 0, 0], I32)), {}) for n in ("floor_divide", "remainder")]
    E += [("power", (np.array([2, 3], I32), np.array([-1, 2], I32)), {}),
          ("power", (np.array([2.0, -8.0], F32), 1 / 3), {}),
          ("power", (np.array([2, 3], I32), 2.0), {}),
          ("sqrt", (np.array([-1.0, 4.0], F32),), {}),
          ("arccosh", (np.array([0.5, 2.0], F32),), {}),
          ("sign", (np.array([-0.0, 0.0, -3, 2], F32),), {}),
          ("sign", (negi,), {}),
          ("abs", (np.array([-128, 127], np.int8),), {}),
          ("negative", (np.array([1, 2], np.uint8),), {}),
          ("round", (half,), {}), ("round", (half, 1), {}), ("around", (fl, -1), {}),
          ("round", (negi, -1), {}),
          ("max", (np.zeros((0,), F32),), {}), ("argmax", (np.zeros((0,), F32),), {}),
          ("max", (np.zeros((0,), F32),), {"initial": -1.0}),
          ("max", (np.zeros((2, 0), F32),), {"axis": 0}),
          ("sum", (np.zeros((0,), I32),), {}), ("mean", (np.zeros((0,), F32),), {}),
          ("prod", (np.zeros((0,), B),), {}), ("sum", (np.array([True, True]),), {}),
          ("mean", (negi,), {}), ("var", (negi,), {"ddof": 1}), ("std", (fl,), {"ddof": 5}),
          ("sum", (negi,), {"dtype": F32}), ("sum", (half,), {"where": half > 1}),
          ("max", (half,), {"where": half > 1, "initial": 0.0}),
          ("argmax", (np.array([[1, 3], [3, 1]], I32),), {"axis": 1, "keepdims": True}),
          ("cumsum", (np.array([True, True]),), {}), ("cumsum", (np.array([1, 2], np.int8),), {}),
          ("clip", (negi,), {"min": 0}), ("clip", (negi, 2, 0), {}),
          ("floor", (negi,), {}), ("ceil", (np.array([True]),), {}),
          ("isnan", (negi,), {}), ("sqrt", (negi,), {}), ("exp", (np.array([True]),), {}),
          ("arctan2", (negi, divi), {}), ("true_divide", (negi, divi), {}),
          ("logaddexp", (np.array([-np.inf, np.inf], F32), np.array([-np.inf, np.inf], F32)), {}),
          ("square", (np.array([3], np.uint8),), {}),
          ("equal", (np.array([1.0, np.nan], F32), np.array([1.0, np.nan], F32)), {}),
          ("array_equal", (np.array([1.0, np.nan], F32), np.array([1.0, np.nan], F32)),
           {"equal_nan": True}),
          ("searchsorted", (np.array([0, 1, 2], I32), np.array([1.5], F32)), {}),
          ("take", (np.array([1.0, 2.0], F32), np.array([-3, 5])), {}),
          ("take", (np.array([1, 2], I32), np.array([-3, 5])), {}),
          ("take", (np.array([1.0, 2.0], F32), np.array([-3, 5])), {"mode": "fill",
                                                                    "fill_value": 0}),
          ("take_along_axis", (np.array([1.0, 2.0], F32), np.array([-1, 5]), 0), {}),
          ("diff" if hasattr(jnp, "diff") else "sum", (negi,), {}),
          ("var", (np.array([1 + 0j], np.complex64),), {}),
          ("mod", (np.array([5.0], F16), 3), {}),
          ("floor_divide", (np.array([5.0], F16), 2), {}),
          ("sum", (np.array([1, 2], np.uint8),), {}), ("prod", (np.array([1, 2], np.int8),), {}),
          ("mean", (np.array([1, 2], F16),), {}), ("cumsum", (np.array([1, 2], F16),), {}),
          ("std", (np.array([True, False]),), {}), ("median", (negi,), {}),
          ("quantile", (negi, 0.5), {}), ("average", (negi,), {}),
          ("nansum", (negi,), {}), ("nanmean", (negi,), {}),
          ("count_nonzero", (nanv,), {"axis": 0}),
          ("all", (nanv,), {}), ("any", (np.zeros((0,), F32),), {}),
          ("reshape", (np.arange(6, dtype=F32), (2, 3)), {"order": "F"}),
          ("ravel", (np.arange(6, dtype=F32).reshape(2, 3),), {"order": "F"}),
          ("flatnonzero", (negi,), {"size": 2}),
          ]  # fmt: skip
    for name, args, kwargs in E:
        if names_filter and names_filter not in name:
            continue
        if not hasattr(jnp, name):
            rep.add("missing", f"jnp.{name}", "not defined in jtrans.numpy")
            continue
        jf, xf = getattr(jnp, name), getattr(xnp, name)
        run_case(rep, f"edge jnp.{name}({_describe(args, kwargs)})",
                 lambda: jf(*_tolib(args, jnp), **kwargs),
                 lambda: xf(*_tolib(args, xnp), **kwargs))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# indexing and methods


def run_indexing(rep, names_filter):
    if names_filter and names_filter not in "indexing":
        return
    x = np.arange(24, dtype=F32).reshape(2, 3, 4)
    i32 = np.array([0, -1, 2], I32)
    mask = np.arange(24).reshape(2, 3, 4) % 5 == 0
    idxs = [
        0, -1, 5, -3, (0, 1), (slice(None), -1), (Ellipsis, None), (None, 0),
        slice(None, None, -1), (slice(1, None), slice(None, None, 2)), (Ellipsis, 1),
        (0, i32), (slice(None), i32), (i32,), ([0, 1],), (0, [0, 2], [1, 3]),
        (slice(None), [0, 2], slice(None)), ([0, 1], slice(None), [1, 2]), (np.int32(1),),
        (1.0,), ((0, 1),), (0, 0, 0, 0), (np.array([True, False]),), (np.array(1),),
        (slice(0, 0),), (np.array([], I32),), (i32.reshape(3, 1), np.array([0, 1])),
        (0, slice(None), 9), (True,), (None, None), (Ellipsis, Ellipsis),
    ]  # fmt: skip
    for idx in idxs:
        what = f"x{list(x.shape)}[{idx!r}]"
        run_case(rep, "getitem " + what, lambda: jnp.asarray(x)[_tolib(idx, jnp)],
                 lambda: xnp.asarray(x)[_tolib(idx, xnp)])  # fmt: skip
    run_case(rep, "getitem x[bool mask]", lambda: jnp.asarray(x)[jnp.asarray(mask)],
             lambda: xnp.asarray(x)[xnp.asarray(mask)])  # fmt: skip
    for idx, v in [
        ((0, 1), 9.0),
        (i32, 7.0),
        ((slice(None), 0), 2),
        (-1, np.ones(4, F32)),
        ((0, 5), 1.0),
        ((np.array([0, 0]),), 1.0),
    ]:
        for op in ("set", "add", "mul", "min", "max", "get"):
            what = f"x.at[{idx!r}].{op}({v if np.isscalar(v) else 'arr'})"

            def jf(op=op, idx=idx, v=v):
                r = getattr(jnp.asarray(x).at[_tolib(idx, jnp)], op)
                return r() if op == "get" else r(_tolib(v, jnp))

            def xf(op=op, idx=idx, v=v):
                r = getattr(xnp.asarray(x).at[_tolib(idx, xnp)], op)
                return r() if op == "get" else r(_tolib(v, xnp))

            run_case(rep, what, jf, xf)
    xi = np.arange(6, dtype=I32).reshape(2, 3)
    run_case(rep, "int x.at[0].set(2.7)", lambda: jnp.asarray(xi).at[0].set(2.7),
             lambda: xnp.asarray(xi).at[0].set(2.7))  # fmt: skip
    run_case(rep, "int x.at[0].add(1.5)", lambda: jnp.asarray(xi).at[0].add(1.5),
             lambda: xnp.asarray(xi).at[0].add(1.5))  # fmt: skip
    # array methods and operators
    a = np.array([[1.5, -2.0, 0.0], [3.0, 4.0, -1.0]], F32)
    ai = np.array([[1, -2, 0], [3, 4, -1]], I32)
    meths = [("sum", (), {}), ("mean", (), {"axis": 0}), ("max", (), {}), ("argmax", (), {}),
             ("astype", (I32,), {}), ("reshape", (3, 2), {}), ("reshape", ((3, 2),), {}),
             ("transpose", (), {}), ("T", None, None), ("ravel", (), {}), ("flatten", (), {}),
             ("squeeze", (), {}), ("cumsum", (), {}), ("clip", (0, 1), {}), ("round", (), {}),
             ("item", (), {}), ("tolist", (), {}), ("any", (), {}), ("std", (), {}),
             ("var", (), {}), ("prod", (), {}), ("min", (), {"axis": 1}), ("sort", (), {}),
             ("argsort", (), {}), ("dot", (a.T,), {}), ("conj", (), {}), ("real", None, None),
             ("nonzero", (), {}), ("take", (1,), {}), ("repeat", (2,), {}), ("swapaxes", (0, 1), {}),
             ("size", None, None), ("ndim", None, None), ("shape", None, None),
             ("mT", None, None), ("trace", (), {}), ("diagonal", (), {}), ("ptp", (), {}),
             ("all", (), {}), ("copy", (), {}), ("view", (), {}), ("__len__", (), {}),
             ("__neg__", (), {}), ("__abs__", (), {}), ("__invert__", (), {}),
             ("__pow__", (2,), {}), ("__rpow__", (2,), {}), ("__matmul__", (a.T,), {}),
             ("__truediv__", (2,), {}), ("__floordiv__", (2,), {}), ("__mod__", (2,), {}),
             ("__rtruediv__", (2,), {}), ("__rsub__", (1,), {}), ("__lt__", (1,), {}),
             ("__eq__", (1.5,), {}), ("__and__", (1,), {}), ("__lshift__", (1,), {}),
             ("__divmod__", (2,), {}), ("__add__", (2.5,), {}), ("__radd__", (True,), {})]  # fmt: skip
    for m, args, kwargs in meths:
        for v, nm in ((a, "f32"), (ai, "i32")):

            def jf(m=m, args=args, kwargs=kwargs, v=v):
                r = getattr(jnp.asarray(v), m)
                return r if args is None else r(*_tolib(args, jnp), **kwargs)

            def xf(m=m, args=args, kwargs=kwargs, v=v):
                r = getattr(xnp.asarray(v), m)
                return r if args is None else r(*_tolib(args, xnp), **kwargs)

            run_case(rep, f"method {nm}[2,3].{m}{'' if args is None else args}", jf, xf)
    for op in ("__bool__", "__int__", "__float__", "__index__", "__len__", "__iter__"):
        run_case(rep, f"method f32[2,3].{op}()", lambda op=op: getattr(jnp.asarray(a), op)(),
                 lambda op=op: getattr(xnp.asarray(a), op)())  # fmt: skip


# ---------------------------------------------------------------------------------------------
# lax


def run_lax(rep, names_filter):
    a23, b23 = arr((2, 3)), arr((2, 3), seed=3)
    i23, j23 = arr((2, 3), I32), arr((2, 3), I32, "nz", seed=3)
    pos = arr((2, 3), kind="pos")
    u = arr((2, 3), kind="unit")
    un_f = """abs acos acosh asin asinh atan atanh cbrt ceil conj cos cosh digamma erf erf_inv
    erfc exp exp2 expm1 floor imag is_finite lgamma log log1p logistic neg real reciprocal round
    rsqrt sign sin sinh sqrt square tan tanh""".split()
    un_i = "abs neg sign bitwise_not population_count square".split()
    bin_f = "add atan2 div max min mul nextafter pow rem sub eq ne lt le gt ge igamma".split()
    bin_i = """add div max min mul rem sub eq ne lt gt bitwise_and bitwise_or bitwise_xor
    shift_left shift_right_arithmetic shift_right_logical""".split()
    C = collections.defaultdict(list)
    for n in un_f:
        dom = pos if n in ("acosh", "log", "lgamma", "digamma", "rsqrt", "sqrt") else u
        C[n] += [
            ((dom,), {}),
            ((arr((), F32, "pos"),), {}),
            ((arr((0,)),), {}),
            ((dom.astype(F16),), {}),
        ]
    for n in un_i:
        C[n] += [((i23,), {}), ((2,), {})]
    for n in bin_f:
        C[n] += [
            ((pos, b23), {}),
            ((pos, 2.0), {}),
            ((pos, arr(())), {}),
            ((a23, i23), {}),
            ((a23, arr((3,))), {}),
            ((2.0, 3.0), {}),
        ]
    for n in bin_i:
        C[n] += [((i23, j23), {}), ((i23, 2), {}), ((i23, 2.5), {})]
    C["integer_pow"] = [((a23, 3), {}), ((a23, -2), {}), ((i23, 2), {}), ((a23, 0), {})]
    C["pow"] += [((a23, i23), {})]
    C["clamp"] = [
        ((-1.0, a23, 1.0), {}),
        ((arr(()), a23, arr((), kind="pos")), {}),
        ((i23, a23, 1.0), {}),
    ]
    C["convert_element_type"] = [
        ((a23, I32), {}),
        ((arr((3,), F32, "nan"), I32), {}),
        ((a23, B), {}),
        ((2.5, F32), {}),
        ((i23, F16), {}),
    ]
    C["broadcast_in_dim"] = [
        ((arr((3,)), (2, 3), (1,)), {}),
        ((arr((3,)), (2, 3), (0,)), {}),
        ((arr((1, 3)), (2, 3), (0, 1)), {}),
        ((2.0, (2,), ()), {}),
    ]
    C["broadcast"] = [((arr((3,)), (2,)), {}), ((2.0, (2,)), {})]
    C["reshape"] = [
        ((a23, (3, 2)), {}),
        ((a23, (6,)), {}),
        ((a23, (5,)), {}),
        ((a23, (3, 2), (1, 0)), {}),
    ]
    C["transpose"] = [((a23, (1, 0)), {}), ((a23, (0,)), {})]
    C["squeeze"] = [((arr((1, 3)), (0,)), {}), ((a23, (0,)), {})]
    C["expand_dims"] = [((a23, (0,)), {}), ((a23, (-1,)), {})]
    C["select_n"] = [
        ((arr((2, 3), B), a23, b23), {}),
        ((i23 % 2, a23, b23), {}),
        ((True, a23, b23), {}),
        ((arr((2, 3), B), a23, i23), {}),
    ]
    C["select"] = [((arr((2, 3), B), a23, b23), {}), ((arr((), B), a23, b23), {})]
    C["iota"] = [((I32, 4), {}), ((F32, 3), {})]
    C["broadcasted_iota"] = [((I32, (2, 3), 1), {})]
    C["full"] = [(((2,), 2.5), {}), (((2,), 2.5, I32), {})]
    C["full_like"] = [((a23, 2), {}), ((i23, 2.5), {})]
    C["concatenate"] = [(([a23, b23], 0), {}), (([a23, i23], 0), {}), (([a23, arr((3,))], 0), {})]
    C["pad"] = [
        ((a23, 0.0, [(1, 0, 0), (0, 1, 1)]), {}),
        ((a23, 0.0, [(-1, 0, 0), (0, 0, 0)]), {}),
        ((a23, 0, [(0, 0, 0), (0, 0, 0)]), {}),
    ]
    C["slice"] = [
        ((a23, (0, 1), (2, 3)), {}),
        ((a23, (0, 0), (2, 3), (1, 2)), {}),
        ((a23, (0, 0), (3, 3)), {}),
    ]
    C["slice_in_dim"] = [((a23, 1, 3), {"axis": 1}), ((a23, -2, None), {"axis": 1})]
    C["index_in_dim"] = [((a23, 1), {"axis": 1}), ((a23, -1), {"axis": 0, "keepdims": False})]
    C["dynamic_slice"] = [
        ((a23, (0, 1), (2, 2)), {}),
        ((a23, (1, 5), (1, 2)), {}),
        ((a23, (-1, 0), (1, 2)), {}),
    ]
    C["dynamic_slice_in_dim"] = [((a23, 2, 2), {"axis": 1})]
    C["dynamic_index_in_dim"] = [((a23, 1), {"axis": 1}), ((a23, 7), {"axis": 1})]
    C["dynamic_update_slice"] = [
        ((a23, arr((1, 2)), (1, 2)), {}),
        ((a23, arr((1, 2)), (-1, 0)), {}),
        ((a23, i23[:1, :2], (0, 0)), {}),
    ]
    C["dynamic_update_slice_in_dim"] = [((a23, arr((2, 1)), 2), {"axis": 1})]
    C["dynamic_update_index_in_dim"] = [((a23, arr((2,)), 1), {"axis": 1})]
    C["rev"] = [((a23, (0,)), {}), ((a23, (0, 1)), {})]
    C["collapse"] = [((arr((2, 3, 4)), 0, 2), {}), ((arr((2, 3, 4)), 1), {})]
    for n in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod"):
        C[n] = [
            ((a23, (0,)), {}),
            ((i23, (0, 1)), {}),
            ((arr((0, 3)), (0,)), {}),
            ((a23, (2,)), {}),
        ]
    for n in ("reduce_and", "reduce_or", "reduce_xor"):
        C[n] = [((arr((2, 3), B), (1,)), {}), ((i23, (0,)), {})]
    C["argmax"] = [
        ((a23, 1, I32), {}),
        ((arr((4,), F32, "nan"), 0, I32), {}),
        ((i23, 0, I32), {}),
        ((arr((0, 3)), 0, I32), {}),
    ]
    C["argmin"] = C["argmax"]
    for n in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"):
        C[n] = [
            ((a23,), {"axis": 1}),
            ((a23,), {"axis": 0, "reverse": True}),
            ((i23,), {}),
            ((arr((4,), F32, "nan"),), {}),
        ]
    C["sort"] = [
        ((arr((6,), F32, "nan"),), {}),
        ((a23,), {"dimension": 0}),
        (((a23, i23),), {"num_keys": 1}),
        ((np.array([0.0, -0.0, -0.0, 0.0], F32),), {}),
    ]
    C["sort_key_val"] = [((a23, i23), {})]
    C["top_k"] = [((arr((6,), F32, "nan"), 3), {}), ((a23, 2), {}), ((i23, 7), {})]
    C["dot"] = [
        ((a23, arr((3, 2))), {}),
        ((arr((3,)), arr((3,))), {}),
        ((a23, arr((3,), I32)), {}),
        ((i23, arr((3,), I32)), {"preferred_element_type": F32}),
    ]
    C["dot_general"] = [
        ((arr((2, 3, 4)), arr((2, 4, 5)), (((2,), (1,)), ((0,), (0,)))), {}),
        ((a23, b23, (((1,), (1,)), ((), ()))), {}),
    ]
    C["batch_matmul"] = [((arr((2, 3, 4)), arr((2, 4, 5))), {})]
    C["gather"] = []
    C["scatter_add"] = []
    C["conv"] = [
        ((arr((1, 2, 5, 5)), arr((3, 2, 3, 3)), (1, 1), "SAME"), {}),
        ((arr((1, 2, 5, 5)), arr((3, 2, 3, 3)), (2, 2), "VALID"), {}),
    ]
    C["conv_general_dilated"] = [
        ((arr((1, 2, 5, 5)), arr((3, 2, 3, 3)), (1, 1), [(1, 1), (0, 2)]), {"lhs_dilation": (2, 1)}),
        ((arr((1, 4, 5)), arr((4, 2, 3)), (1,), "SAME"), {"feature_group_count": 2}),
        ((arr((1, 5, 5, 2)), arr((3, 3, 2, 4)), (1, 1), "SAME"),
         {"dimension_numbers": ("NHWC", "HWIO", "NHWC"), "rhs_dilation": (2, 1)}),
        ((arr((1, 2, 5)), arr((3, 2, 3), I32), (1,), "SAME"), {}),
    ]  # fmt: skip
    C["reduce_window"] = [((a23, 0.0, xlax.add, (1, 2), (1, 1), "VALID"), {})]
    C["complex"] = [((a23, b23), {})]
    C["polygamma"] = [((np.array([1.0, 2.0], F32), np.array([0.5, 1.5], F32)), {})]
    C["padtype_to_pads"] = [(((5, 5), (3, 3), (2, 1), "SAME"), {})]
    C["conv_dimension_numbers"] = []
    # reduce_window/reduce take a jax callable: map it for jtrans
    fnmap = {xlax.add: jlax.add, xlax.max: jlax.max}
    for name in sorted(C):
        if names_filter and names_filter not in name:
            continue
        if not hasattr(jlax, name):
            rep.add("missing", f"lax.{name}", "not defined in jtrans.lax")
            continue
        jf, xf = getattr(jlax, name), getattr(xlax, name)
        for args, kwargs in C[name]:
            jargs = tuple(fnmap.get(a, a) if callable(a) and not isinstance(a, type) else a
                          for a in args)  # fmt: skip
            run_case(rep, f"lax.{name}({_describe(args, kwargs)})",
                     lambda: jf(*_tolib(jargs, jnp), **kwargs),
                     lambda: xf(*_tolib(args, xnp), **kwargs))  # fmt: skip
    # control flow
    if not names_filter or names_filter in "control_flow":
        x = arr((3,))
        cf = [
            ("fori_loop", lambda L, m: L.fori_loop(0, 3, lambda i, c: c * 2 + i, m.asarray(x))),
            ("fori_loop int carry", lambda L, m: L.fori_loop(0, 3, lambda i, c: c + i, 0)),
            ("while_loop", lambda L, m: L.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, c[1] * 1.5),
                                                     (0, m.asarray(x)))),
            ("scan", lambda L, m: L.scan(lambda c, v: (c + v, c * v), 0.0, m.asarray(arr((4, 2))))),
            ("scan reverse", lambda L, m: L.scan(lambda c, v: (c + v, c), m.zeros(2),
                                                 m.asarray(arr((4, 2))), reverse=True)),
            ("scan length", lambda L, m: L.scan(lambda c, _: (c + 1, c), 0, None, length=3)),
            ("cond", lambda L, m: L.cond(True, lambda a: a + 1, lambda a: a - 1, m.asarray(x))),
            ("cond int pred", lambda L, m: L.cond(m.int32(2), lambda a: a + 1, lambda a: a * 2, 1.0)),
            ("cond mismatched", lambda L, m: L.cond(True, lambda a: a, lambda a: a.astype(I32),
                                                    m.asarray(x))),
            ("switch", lambda L, m: L.switch(5, [lambda a: a, lambda a: a * 2], m.asarray(x))),
            ("switch neg", lambda L, m: L.switch(-1, [lambda a: a, lambda a: a * 2], m.asarray(x))),
            ("map", lambda L, m: L.map(lambda a: a.sum(), m.asarray(arr((3, 2))))),
            ("scan carry type change", lambda L, m: L.scan(lambda c, v: (c + v, c), 0, m.asarray(x))),
        ]  # fmt: skip
        for nm, f in cf:
            run_case(rep, f"lax.{nm}", lambda f=f: f(jlax, jnp), lambda f=f: f(xlax, xnp),
                     op_by_op=False)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# transformations: grad and vmap


GRAD_NAMES = """abs arccos arcsin arctan arctanh cbrt cos cosh exp exp2 expm1 log log10 log1p log2
negative reciprocal sin sinc sinh sqrt square tan tanh sum prod mean std var max min amax amin
median cumsum cumprod sort nanmean nansum nanmax ptp ravel flip fliplr transpose diag
atleast_2d trace tril triu rot90 average nan_to_num clip round floor""".split()


def run_transforms(rep, names_filter):
    x = arr((2, 3), kind="unit")
    x[0, 0] = x[0, 1]  # a tie, for max/min/sort
    xp = np.abs(x) + 0.2
    for name in GRAD_NAMES:
        if names_filter and names_filter not in name:
            continue
        v = xp if name in ("log", "log10", "log2", "sqrt", "cbrt", "reciprocal") else x
        jf, xf = getattr(jnp, name), getattr(xnp, name)
        run_case(rep, f"grad jnp.{name} at f32[2,3]",
                 lambda: jtrans.grad(lambda a: jnp.sum(jf(a)))(jnp.asarray(v)),
                 lambda: jax.grad(lambda a: xnp.sum(xf(a)))(xnp.asarray(v)), tol=1e-4)  # fmt: skip
        run_case(rep, f"vmap jnp.{name} over f32[2,3]",
                 lambda: jtrans.vmap(jf)(jnp.asarray(v)),
                 lambda: jax.vmap(xf)(xnp.asarray(v)))  # fmt: skip
    for name in ("maximum", "minimum", "arctan2", "power", "hypot", "logaddexp", "fmax", "where",
                 "dot", "outer", "remainder", "copysign"):  # fmt: skip
        if names_filter and names_filter not in name:
            continue
        jf, xf = getattr(jnp, name), getattr(xnp, name)
        if name == "where":
            jf = lambda a, b, _f=jf: _f(a > b, a, b)
            xf = lambda a, b, _f=xf: _f(a > b, a, b)
        y = arr((2, 3), kind="pos", seed=2)
        y[0, 0] = xp[0, 0]  # tie
        run_case(rep, f"grad jnp.{name} (argnums=(0,1))",
                 lambda: jtrans.grad(lambda a, b: jnp.sum(jf(a, b)), (0, 1))(
                     jnp.asarray(xp), jnp.asarray(y)),
                 lambda: jax.grad(lambda a, b: xnp.sum(xf(a, b)), (0, 1))(
                     xnp.asarray(xp), xnp.asarray(y)), tol=1e-4)  # fmt: skip
        run_case(rep, f"vmap jnp.{name} (in_axes=(0, None))",
                 lambda: jtrans.vmap(jf, (0, None))(jnp.asarray(xp), jnp.asarray(y[0])),
                 lambda: jax.vmap(xf, (0, None))(xnp.asarray(xp), xnp.asarray(y[0])))  # fmt: skip
    # grads of integer inputs / python scalars
    run_case(rep, "grad of int input", lambda: jtrans.grad(lambda a: a * 2.0)(3),
             lambda: jax.grad(lambda a: a * 2.0)(3))  # fmt: skip
    run_case(rep, "grad of python float", lambda: jtrans.grad(lambda a: a * a)(3.0),
             lambda: jax.grad(lambda a: a * a)(3.0))  # fmt: skip
    run_case(rep, "grad non-scalar output", lambda: jtrans.grad(lambda a: a)(jnp.ones(2)),
             lambda: jax.grad(lambda a: a)(xnp.ones(2)))  # fmt: skip
    run_case(rep, "vmap mismatched sizes",
             lambda: jtrans.vmap(lambda a, b: a + b)(jnp.ones(2), jnp.ones(3)),
             lambda: jax.vmap(lambda a, b: a + b)(xnp.ones(2), xnp.ones(3)))  # fmt: skip
    run_case(rep, "vmap out_axes=1", lambda: jtrans.vmap(jnp.sin, out_axes=1)(jnp.ones((2, 3))),
             lambda: jax.vmap(xnp.sin, out_axes=1)(xnp.ones((2, 3))))  # fmt: skip
    run_case(rep, "vmap getitem", lambda: jtrans.vmap(lambda a, i: a[i])(jnp.ones((2, 3)),
                                                                        jnp.array([0, 2])),
             lambda: jax.vmap(lambda a, i: a[i])(xnp.ones((2, 3)), xnp.array([0, 2])))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# make_jaxpr


def run_jaxprs(rep, names_filter):
    if names_filter and names_filter not in "jaxpr":
        return
    x = arr((2, 3))
    fs = [
        ("sin(x)*2+1", lambda m, L, a: m.sin(a) * 2 + 1),
        ("exp(tanh(x))", lambda m, L, a: m.exp(m.tanh(a))),
        ("sum(x, axis=0)", lambda m, L, a: m.sum(a, axis=0)),
        ("max(x, axis=1, keepdims)", lambda m, L, a: m.max(a, axis=1, keepdims=True)),
        ("mean(x)", lambda m, L, a: m.mean(a)),
        ("x + row", lambda m, L, a: a + a[0]),
        ("x * 2 (int scalar)", lambda m, L, a: a * 2),
        ("x[0]", lambda m, L, a: a[0]),
        ("x[:, 1:]", lambda m, L, a: a[:, 1:]),
        ("x[..., ::-1]", lambda m, L, a: a[..., ::-1]),
        ("x[[0,1]]", lambda m, L, a: a[m.array([1, 0])]),
        ("dot(x, x.T)", lambda m, L, a: m.dot(a, a.T)),
        ("where(x>0, x, 0)", lambda m, L, a: m.where(a > 0, a, 0.0)),
        ("transpose", lambda m, L, a: m.transpose(a)),
        ("reshape(-1)", lambda m, L, a: a.reshape(-1)),
        ("astype(int32)", lambda m, L, a: a.astype(m.int32)),
        ("argmax", lambda m, L, a: m.argmax(a, axis=1)),
        ("cumsum", lambda m, L, a: m.cumsum(a, axis=1)),
        ("sort", lambda m, L, a: m.sort(a)),
        ("concatenate", lambda m, L, a: m.concatenate([a, a])),
        ("lax.fori_loop", lambda m, L, a: L.fori_loop(0, 3, lambda i, c: c * 2.0, a)),
        ("grad(sum(sin))", lambda m, L, a: (jtrans if m is jnp else jax).grad(
            lambda b: m.sum(m.sin(b)))(a)),
        ("grad(sum(x*x))", lambda m, L, a: (jtrans if m is jnp else jax).grad(
            lambda b: m.sum(b * b))(a)),
        ("vmap(sum)", lambda m, L, a: (jtrans if m is jnp else jax).vmap(m.sum)(a)),
    ]  # fmt: skip
    for nm, f in fs:
        jo, je = _call(lambda: str(jtrans.make_jaxpr(lambda a: f(jnp, jlax, a))(jnp.asarray(x))))
        xo, xe = _call(lambda: str(jax.make_jaxpr(lambda a: f(xnp, xlax, a))(xnp.asarray(x))))
        rep.ncases += 1
        if je or xe:
            if not (je and xe):
                rep.add("jaxpr", nm, f"jtrans error {je!r}" if je else f"jax error {xe!r}")
            continue
        jp, xp = _prims(jo), _prims(xo)
        if jp != xp:
            rep.add("jaxpr", nm, f"primitives differ:\n      jtrans: {' '.join(jp)}\n"
                    f"      jax:    {' '.join(xp)}")  # fmt: skip
        elif rep.verbose and jo.strip() != xo.strip():
            rep.add("jaxpr-text", nm, f"\n{jo}\n--- jax:\n{xo}")


def _prims(text):
    """The primitive names of a printed jaxpr, in order (pjit/jit markers kept)."""
    import re

    return re.findall(r"(?:[a-z]+:[a-z0-9]+\[[0-9,]*\]\s+)+=\s*([a-z_][a-z_0-9]*)", text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="", help="only names containing this substring")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--only", default="", help="comma list of sections: numpy,edges,indexing,"
                    "lax,transforms,jaxpr")  # fmt: skip
    opts = ap.parse_args()
    rep = Report(opts.verbose)
    t0 = time.time()
    sections = [("numpy", run_numpy), ("edges", run_edges), ("indexing", run_indexing),
                ("lax", run_lax), ("transforms", run_transforms), ("jaxpr", run_jaxprs)]  # fmt: skip
    only = set(filter(None, opts.only.split(",")))
    for nm, fn in sections:
        if only and nm not in only:
            continue
        t = time.time()
        try:
            fn(rep, opts.k)
        except Exception as e:  # noqa: BLE001
            rep.add("script-error", nm, "".join(traceback.format_exception(e)))
        print(f"[{nm}: {time.time() - t:.1f}s]", file=sys.stderr)
    rep.print()
    print(f"\n({time.time() - t0:.1f}s)")


if __name__ == "__main__":
    main()
