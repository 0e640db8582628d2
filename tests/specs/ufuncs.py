"""OpSpecs for jnp's elementwise functions (NumPy's ufuncs), including edge points of their
derivatives (abs at 0, ties of maximum, sinc at 0) and integer/bitwise functions."""

import numpy as np

import jtrans.numpy as jnp

from ..opspecs import F32, F64, I32, OpSpec, int_args

F16 = np.float16
U = [((),), ((3,),), ((2, 3),), ((0,),)]
B = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((0,), ())]
B3 = [((), (), ()), ((3,), (3,), (3,)), ((2, 3), (3,), (2, 1))]


def doms(*ranges):
    """args_maker drawing argument i uniformly from ranges[i]."""

    def make(rng, shapes, dtype):
        return [
            np.asarray(rng.uniform(lo, hi, size=s), dtype) for (lo, hi), s in zip(ranges, shapes)
        ]

    return make


def fixed(*values):
    """args_maker returning fixed values (edge points) in the requested dtype."""

    def make(rng, shapes, dtype):
        return [np.asarray(v, dtype) for v in values]

    return make


def with_specials(rng, shapes, dtype):
    out = []
    for s in shapes:
        x = rng.uniform(-3, 3, size=s)
        if x.size:
            flat = x.reshape(-1)
            flat[:: max(1, flat.size // 3)] = np.array([np.nan, np.inf, -np.inf] * flat.size)[
                : len(flat[:: max(1, flat.size // 3)])
            ]
        out.append(np.asarray(x, dtype))
    return out


def int_and_shift(rng, shapes, dtype):
    return [rng.integers(-100, 100, size=shapes[0]).astype(I32),
            rng.integers(0, 8, size=shapes[1]).astype(I32)]  # fmt: skip


def nonzero_ints(rng, shapes, dtype):
    a = rng.integers(-20, 20, size=shapes[0]).astype(I32)
    b = rng.integers(1, 9, size=shapes[1]).astype(I32) * rng.choice([-1, 1], size=shapes[1])
    return [a, b.astype(I32)]


def interp_args(rng, shapes, dtype):
    (xs,) = shapes
    xp = np.cumsum(rng.uniform(0.3, 1.0, size=6))
    fp = rng.uniform(-2, 2, size=6)
    x = rng.uniform(xp[0] - 0.5, xp[-1] + 0.5, size=xs)
    return [np.asarray(v, dtype) for v in (x, xp, fp)]


FLOATS = (F32, F64)
ALL_F = (F32, F64, F16)

# fmt: off
SPECS = [
    # arithmetic
    OpSpec("add", jnp.add, np.add, B, dtypes=ALL_F),
    OpSpec("subtract", jnp.subtract, np.subtract, B, dtypes=ALL_F),
    OpSpec("multiply", jnp.multiply, np.multiply, B, dtypes=ALL_F),
    OpSpec("divide", jnp.divide, np.divide, B, dtypes=FLOATS, args_maker=doms((-2, 2), (0.5, 2))),
    OpSpec("true_divide_int", jnp.true_divide, np.true_divide, B[:3],
           args_maker=nonzero_ints, grad=False),
    OpSpec("floor_divide", jnp.floor_divide, np.floor_divide, B, dtypes=FLOATS,
           args_maker=doms((-5, 5), (-2, 2)), grad=False),
    OpSpec("floor_divide_int", jnp.floor_divide, np.floor_divide, B[:4], args_maker=nonzero_ints),
    OpSpec("remainder", jnp.remainder, np.remainder, B, dtypes=FLOATS,
           args_maker=doms((-5, 5), (0.7, 1.3))),
    OpSpec("remainder_negdiv", jnp.remainder, np.remainder, B[:3], dtypes=FLOATS,
           args_maker=doms((-5, 5), (-1.3, -0.7))),
    OpSpec("remainder_int", jnp.remainder, np.remainder, B[:4], args_maker=nonzero_ints),
    OpSpec("fmod", jnp.fmod, np.fmod, B, dtypes=FLOATS, args_maker=doms((-5, 5), (0.7, 1.3))),
    OpSpec("fmod_int", jnp.fmod, np.fmod, B[:4], args_maker=nonzero_ints),
    OpSpec("divmod", jnp.divmod, np.divmod, B[:4], dtypes=FLOATS,
           args_maker=doms((-5, 5), (0.7, 1.3)), grad=False),
    OpSpec("divmod_int", jnp.divmod, np.divmod, B[:4], args_maker=nonzero_ints),
    OpSpec("modf", jnp.modf, np.modf, U, dtypes=FLOATS, domain=(-5, 5)),
    OpSpec("power", jnp.power, np.power, B, dtypes=FLOATS, args_maker=doms((0.3, 2), (-2, 2))),
    OpSpec("power_int_exponent", lambda x: jnp.power(x, 3), lambda x: np.power(x, 3), U,
           dtypes=ALL_F),
    OpSpec("power_ints", jnp.power, np.power, B[:4], args_maker=int_args(0, 5)),
    OpSpec("float_power", jnp.float_power, np.float_power, B, dtypes=(F32,),
           args_maker=doms((0.3, 2), (-2, 2)), check_dtype=False),
    OpSpec("negative", jnp.negative, np.negative, U, dtypes=ALL_F),
    OpSpec("positive", jnp.positive, np.positive, U),
    OpSpec("absolute", jnp.absolute, np.absolute, U, dtypes=ALL_F),
    OpSpec("abs_at_zero", jnp.abs, np.abs, [((3,),)], args_maker=fixed([0.0, 1.0, -2.0]),
           grad_order=1, note="kink: only first order"),
    OpSpec("fabs", jnp.fabs, np.fabs, U),
    OpSpec("sign", jnp.sign, np.sign, U, grad=False),
    OpSpec("reciprocal", jnp.reciprocal, np.reciprocal, U, domain=(0.5, 2), dtypes=FLOATS),
    OpSpec("square", jnp.square, np.square, U, dtypes=ALL_F),
    OpSpec("conjugate", jnp.conjugate, np.conjugate, U),
    OpSpec("real", jnp.real, np.real, U),
    OpSpec("imag", jnp.imag, np.imag, U, grad=False),
    OpSpec("angle", jnp.angle, np.angle, U, grad=False),
    # exponentials and logarithms
    OpSpec("sqrt", jnp.sqrt, np.sqrt, U, domain=(0.1, 3), dtypes=ALL_F),
    OpSpec("cbrt", jnp.cbrt, np.cbrt, U, domain=(0.1, 3)),
    OpSpec("exp", jnp.exp, np.exp, U, dtypes=ALL_F),
    OpSpec("exp2", jnp.exp2, np.exp2, U, dtypes=FLOATS),
    OpSpec("expm1", jnp.expm1, np.expm1, U, dtypes=FLOATS),
    OpSpec("log", jnp.log, np.log, U, domain=(0.1, 3), dtypes=ALL_F),
    OpSpec("log2", jnp.log2, np.log2, U, domain=(0.1, 3), dtypes=FLOATS),
    OpSpec("log10", jnp.log10, np.log10, U, domain=(0.1, 3), dtypes=FLOATS),
    OpSpec("log1p", jnp.log1p, np.log1p, U, domain=(-0.5, 3), dtypes=FLOATS),
    OpSpec("logaddexp", jnp.logaddexp, np.logaddexp, B, dtypes=FLOATS, domain=(-5, 5)),
    OpSpec("logaddexp_large", jnp.logaddexp, np.logaddexp, B[:2], domain=(500, 700),
           dtypes=(F64,), note="no overflow"),
    OpSpec("logaddexp2", jnp.logaddexp2, np.logaddexp2, B, dtypes=FLOATS, domain=(-5, 5)),
    OpSpec("ldexp", jnp.ldexp, np.ldexp, B[:4],
           args_maker=lambda rng, s, dt: [np.asarray(rng.uniform(-2, 2, s[0]), dt),
                                          rng.integers(-4, 5, s[1]).astype(I32)]),
    OpSpec("frexp", jnp.frexp, np.frexp, U, domain=(-100, 100), grad=False),
    # trigonometric and hyperbolic
    OpSpec("sin", jnp.sin, np.sin, U, dtypes=ALL_F),
    OpSpec("cos", jnp.cos, np.cos, U, dtypes=ALL_F),
    OpSpec("tan", jnp.tan, np.tan, U, domain=(-1.2, 1.2), dtypes=FLOATS),
    OpSpec("arcsin", jnp.arcsin, np.arcsin, U, domain=(-0.9, 0.9), dtypes=FLOATS),
    OpSpec("arccos", jnp.arccos, np.arccos, U, domain=(-0.9, 0.9), dtypes=FLOATS),
    OpSpec("arctan", jnp.arctan, np.arctan, U, dtypes=FLOATS),
    OpSpec("arctan2", jnp.arctan2, np.arctan2, B, dtypes=FLOATS,
           args_maker=doms((-2, 2), (0.5, 2))),
    OpSpec("sinh", jnp.sinh, np.sinh, U, dtypes=FLOATS),
    OpSpec("cosh", jnp.cosh, np.cosh, U, dtypes=FLOATS),
    OpSpec("tanh", jnp.tanh, np.tanh, U, dtypes=ALL_F),
    OpSpec("arcsinh", jnp.arcsinh, np.arcsinh, U, dtypes=FLOATS),
    OpSpec("arccosh", jnp.arccosh, np.arccosh, U, domain=(1.1, 3), dtypes=FLOATS),
    OpSpec("arctanh", jnp.arctanh, np.arctanh, U, domain=(-0.9, 0.9), dtypes=FLOATS),
    OpSpec("deg2rad", jnp.deg2rad, np.deg2rad, U, domain=(-360, 360)),
    OpSpec("rad2deg", jnp.rad2deg, np.rad2deg, U),
    OpSpec("hypot", jnp.hypot, np.hypot, B, dtypes=FLOATS, args_maker=doms((0.2, 2), (-2, -0.2))),
    OpSpec("sinc", jnp.sinc, np.sinc, U, dtypes=FLOATS, domain=(-3, 3)),
    OpSpec("sinc_near_zero", jnp.sinc, np.sinc, [((4,),)], dtypes=FLOATS,
           args_maker=fixed([0.0, 1e-3, -5e-3, 0.02])),
    # rounding (zero derivatives almost everywhere: no grad check)
    OpSpec("floor", jnp.floor, np.floor, U, domain=(-5, 5), grad=False),
    OpSpec("ceil", jnp.ceil, np.ceil, U, domain=(-5, 5), grad=False),
    OpSpec("trunc", jnp.trunc, np.trunc, U, domain=(-5, 5), grad=False),
    OpSpec("fix", jnp.fix, np.fix, U, domain=(-5, 5), grad=False),
    OpSpec("rint", jnp.rint, np.rint, U, domain=(-5, 5), grad=False),
    OpSpec("round_half_even", jnp.round, np.round, [((6,),)], grad=False,
           args_maker=fixed([0.5, 1.5, 2.5, -0.5, -1.5, 3.7])),
    OpSpec("round_decimals", jnp.round, np.round, U, domain=(-50, 50), grad=False,
           kwargs={"decimals": 1}, tol=1e-4),
    OpSpec("round_int_negative_decimals", jnp.round, np.round, U[:3],
           args_maker=int_args(-500, 500), kwargs={"decimals": -1}),
    OpSpec("around", jnp.around, np.around, U, domain=(-5, 5), grad=False),
    # extrema and clipping
    OpSpec("maximum", jnp.maximum, np.maximum, B, dtypes=ALL_F),
    OpSpec("minimum", jnp.minimum, np.minimum, B, dtypes=ALL_F),
    OpSpec("maximum_ties", jnp.maximum, np.maximum, [((3,), (3,))],
           args_maker=fixed([1.0, -2.0, 0.0], [1.0, 3.0, 0.0]), grad_order=1),
    OpSpec("fmax", jnp.fmax, np.fmax, B[:4], args_maker=with_specials, grad=False),
    OpSpec("fmin", jnp.fmin, np.fmin, B[:4], args_maker=with_specials, grad=False),
    OpSpec("fmax_finite", jnp.fmax, np.fmax, B),
    OpSpec("clip", lambda x: jnp.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), U,
           dtypes=ALL_F),
    OpSpec("clip_arrays", lambda x, lo, hi: jnp.clip(x, lo, hi), np.clip, B3,
           args_maker=doms((-2, 2), (-1.5, -0.5), (0.5, 1.5))),
    OpSpec("clip_min_only", lambda x: jnp.clip(x, min=0.1), lambda x: np.clip(x, 0.1, None), U),
    OpSpec("clip_a_max", lambda x: jnp.clip(x, a_max=0.3), lambda x: np.clip(x, None, 0.3), U),
    OpSpec("heaviside", jnp.heaviside, np.heaviside, B[:4], grad=False),
    OpSpec("copysign", jnp.copysign, np.copysign, B, args_maker=doms((0.2, 2), (-2, 2))),
    OpSpec("nextafter", jnp.nextafter, np.nextafter, B[:4], grad=False),
    OpSpec("signbit", jnp.signbit, np.signbit, [((4,),)], args_maker=fixed([-0.0, 0.0, -1, 2]),
           grad=False),
    # integers and bits
    OpSpec("gcd", jnp.gcd, np.gcd, B[:4], args_maker=int_args(-60, 60)),
    OpSpec("lcm", jnp.lcm, np.lcm, B[:4], args_maker=int_args(-30, 30)),
    OpSpec("bitwise_and", jnp.bitwise_and, np.bitwise_and, B, args_maker=int_args(-99, 99)),
    OpSpec("bitwise_or", jnp.bitwise_or, np.bitwise_or, B, args_maker=int_args(-99, 99)),
    OpSpec("bitwise_xor", jnp.bitwise_xor, np.bitwise_xor, B, args_maker=int_args(-99, 99)),
    OpSpec("bitwise_not", jnp.bitwise_not, np.bitwise_not, U, args_maker=int_args(-99, 99)),
    OpSpec("invert_bool", jnp.invert, np.invert, U, args_maker=int_args(0, 2, np.bool_)),
    OpSpec("left_shift", jnp.left_shift, np.left_shift, B[:4], args_maker=int_and_shift),
    OpSpec("right_shift", jnp.right_shift, np.right_shift, B[:4], args_maker=int_and_shift),
    OpSpec("bitwise_count", jnp.bitwise_count, np.bitwise_count, U, args_maker=int_args(-99, 99)),
    # floating-point classes
    OpSpec("isfinite", jnp.isfinite, np.isfinite, U, args_maker=with_specials),
    OpSpec("isinf", jnp.isinf, np.isinf, U, args_maker=with_specials),
    OpSpec("isnan", jnp.isnan, np.isnan, U, args_maker=with_specials),
    OpSpec("isposinf", jnp.isposinf, np.isposinf, U, args_maker=with_specials),
    OpSpec("isneginf", jnp.isneginf, np.isneginf, U, args_maker=with_specials),
    OpSpec("nan_to_num", jnp.nan_to_num, np.nan_to_num, U, args_maker=with_specials,
           grad=False),
    OpSpec("nan_to_num_finite", jnp.nan_to_num, np.nan_to_num, U),
    # interpolation
    OpSpec("interp", jnp.interp, np.interp, [((),), ((7,),), ((2, 3),), ((0,),)],
           dtypes=FLOATS, args_maker=interp_args, grad_tol=1e-3),
    OpSpec("interp_left_right", lambda x, xp, fp: jnp.interp(x, xp, fp, left=-9.0, right=9.0),
           lambda x, xp, fp: np.interp(x, xp, fp, left=-9.0, right=9.0), [((7,),)],
           args_maker=interp_args),
    OpSpec("interp_period", lambda x, xp, fp: jnp.interp(x, xp, fp, period=2.5),
           lambda x, xp, fp: np.interp(x, xp, fp, period=2.5), [((),), ((7,),), ((2, 3),)],
           dtypes=FLOATS, args_maker=interp_args, grad_tol=1e-3),
    # Array.view: bit reinterpretation (lax.bitcast_convert_type); NumPy views need C order
    OpSpec("view_int32", lambda x: x.view(jnp.int32),
           lambda x: np.asarray(x, order="C").view(np.int32), U, grad=False),
    OpSpec("view_uint16", lambda x: x.view(jnp.uint16),
           lambda x: np.asarray(x, order="C").view(np.uint16), [((3,),), ((2, 3),), ((0,),)],
           grad=False),
    OpSpec("view_uint8_to_int32", lambda x: x.view(jnp.int32),
           lambda x: np.asarray(x, order="C").view(np.int32), [((8,),), ((2, 4),), ((3, 0),)],
           args_maker=int_args(0, 256, np.uint8), grad=False),
    # ufunc objects: reduce / accumulate / outer / at / reduceat (fast forms and generic scans)
    OpSpec("ufunc.add_reduce", lambda x: jnp.add.reduce(x), lambda x: np.add.reduce(x),
           [((3,),), ((2, 3),), ((0, 2),)]),
    OpSpec("ufunc.add_reduce_none", lambda x: jnp.add.reduce(x, axis=None, keepdims=True),
           lambda x: np.add.reduce(x, axis=None, keepdims=True), [((2, 3),)]),
    OpSpec("ufunc.multiply_accumulate", lambda x: jnp.multiply.accumulate(x, axis=1),
           lambda x: np.multiply.accumulate(x, axis=1), [((2, 3),), ((1, 0),)]),
    OpSpec("ufunc.maximum_reduce_where",
           lambda x: jnp.maximum.reduce(x, axis=1, initial=-1.0, where=np.array([1, 0, 1], bool)),
           lambda x: np.maximum.reduce(x, axis=1, initial=-1.0, where=np.array([1, 0, 1], bool)),
           [((2, 3),)]),
    OpSpec("ufunc.subtract_reduce", lambda x: jnp.subtract.reduce(x, axis=-1),
           lambda x: np.subtract.reduce(x, axis=-1), [((4,),), ((2, 3),)]),
    OpSpec("ufunc.logaddexp_reduce", lambda x: jnp.logaddexp.reduce(x, axis=0),
           lambda x: np.logaddexp.reduce(x, axis=0), [((4,),), ((3, 2),)], dtypes=FLOATS),
    OpSpec("ufunc.minimum_accumulate", lambda x: jnp.minimum.accumulate(x),
           lambda x: np.minimum.accumulate(x), [((5,),), ((3, 2),)]),
    OpSpec("ufunc.logaddexp_accumulate", lambda x: jnp.logaddexp.accumulate(x, axis=-1),
           lambda x: np.logaddexp.accumulate(x, axis=-1), [((2, 4),)], dtypes=FLOATS),
    OpSpec("ufunc.multiply_outer", jnp.multiply.outer, np.multiply.outer,
           [((3,), (2,)), ((2, 2), ()), ((0,), (2,))]),
    OpSpec("ufunc.add_at", lambda x, b: jnp.add.at(x, np.array([0, 2, 0]), b, inplace=False),
           lambda x, b: (lambda y: (np.add.at(y, np.array([0, 2, 0]), b), y)[1])(x.copy()),
           [((4,), (3,)), ((3, 2), ()), ((3, 2), (3, 1))]),
    OpSpec("ufunc.logaddexp_at",
           lambda x, b: jnp.logaddexp.at(x, (np.array([0, 1, 0]), np.array([1, 1, 1])), b,
                                         inplace=False),
           lambda x, b: (lambda y: (np.logaddexp.at(y, (np.array([0, 1, 0]), np.array([1, 1, 1])),
                                                    b), y)[1])(x.copy()),
           [((2, 3), (3,)), ((2, 2), ())], dtypes=FLOATS),
    OpSpec("ufunc.negative_at", lambda x: jnp.negative.at(x, np.array([1, 1]), inplace=False),
           lambda x: (lambda y: (np.negative.at(y, np.array([1, 1])), y)[1])(x.copy()),
           [((3,),), ((2, 3),)]),
    OpSpec("ufunc.add_reduceat", lambda x: jnp.add.reduceat(x, np.array([0, 3, 1, 4]), axis=-1),
           lambda x: np.add.reduceat(x, np.array([0, 3, 1, 4]), axis=-1), [((5,),), ((2, 6),)]),
    OpSpec("ufunc.maximum_reduceat", lambda x: jnp.maximum.reduceat(x, np.array([0, 2]), axis=0),
           lambda x: np.maximum.reduceat(x, np.array([0, 2]), axis=0), [((4,),), ((3, 2),)]),
    OpSpec("ufunc.bitwise_xor_reduce", lambda x: jnp.bitwise_xor.reduce(x, axis=(0, 1)),
           lambda x: np.bitwise_xor.reduce(x, axis=(0, 1)), [((2, 3),), ((0, 2),)],
           args_maker=int_args(0, 16), grad=False),
    OpSpec("ufunc.logical_or_reduce", lambda x: jnp.logical_or.reduce(x, axis=1),
           lambda x: np.logical_or.reduce(x, axis=1), [((2, 3),)],
           args_maker=int_args(0, 2), grad=False),
    OpSpec("ufunc.frompyfunc",
           lambda x, y: jnp.frompyfunc(lambda a, b: a * b + 1.0, 2, 1).reduce(x * y, axis=0),
           lambda x, y: np.asarray(np.frompyfunc(lambda a, b: a * b + 1.0, 2, 1)
                                   .reduce(x * y, axis=0), np.result_type(x, y)), [((3,), (3,)), ((3, 2), (2,))]),
]
# fmt: on
