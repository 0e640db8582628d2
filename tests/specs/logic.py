"""OpSpecs for comparisons, logic, where/select/piecewise and closeness tests."""

import numpy as np

import jtrans.numpy as jnp

from ..opspecs import F32, F64, OpSpec, int_args

U = [((),), ((3,),), ((2, 3),), ((0,),)]
B = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((0,), ())]


def with_ties(rng, shapes, dtype):
    """Two arguments that are equal in about half of their elements."""
    a = rng.integers(-2, 3, size=shapes[0]).astype(dtype)
    b = rng.integers(-2, 3, size=shapes[1]).astype(dtype)
    return [a, b]


def cond_xy(rng, shapes, dtype):
    c = rng.uniform(size=shapes[0]) > 0.5
    return [c] + [np.asarray(rng.uniform(-2, 2, size=s), dtype) for s in shapes[1:]]


def near(rng, shapes, dtype):
    a = rng.uniform(-2, 2, size=shapes[0])
    noise = rng.choice([0.0, 1e-9, 1e-3], size=shapes[0])
    return [np.asarray(a, dtype), np.asarray(a + noise, dtype)]


def bool_args(rng, shapes, dtype):
    return [rng.integers(-1, 2, size=s).astype(np.int32) for s in shapes]


def _select(x, a, b):
    return jnp.select([x < -0.5, x > 0.5], [a, b], x)


def _np_select(x, a, b):
    return np.select([x < -0.5, x > 0.5], [a, b], x)


def _piecewise(x):
    return jnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v**2])


def _np_piecewise(x):
    return np.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v**2])


def _piecewise_otherwise(x):
    return jnp.piecewise(x, [x < -1, x > 1], [-1.0, 1.0, lambda v: v * 3])


def _np_piecewise_otherwise(x):
    return np.piecewise(x, [x < -1, x > 1], [-1.0, 1.0, lambda v: v * 3])


# fmt: off
SPECS = [
    OpSpec("equal", jnp.equal, np.equal, B, args_maker=with_ties, grad=False),
    OpSpec("not_equal", jnp.not_equal, np.not_equal, B, args_maker=with_ties, grad=False),
    OpSpec("less", jnp.less, np.less, B, args_maker=with_ties, grad=False),
    OpSpec("less_equal", jnp.less_equal, np.less_equal, B, args_maker=with_ties, grad=False),
    OpSpec("greater", jnp.greater, np.greater, B, args_maker=with_ties, grad=False),
    OpSpec("greater_equal", jnp.greater_equal, np.greater_equal, B, args_maker=with_ties,
           grad=False),
    OpSpec("equal_int", jnp.equal, np.equal, B, args_maker=int_args(-2, 3)),
    OpSpec("logical_and", jnp.logical_and, np.logical_and, B, args_maker=bool_args),
    OpSpec("logical_or", jnp.logical_or, np.logical_or, B, args_maker=bool_args),
    OpSpec("logical_xor", jnp.logical_xor, np.logical_xor, B, args_maker=bool_args),
    OpSpec("logical_not", jnp.logical_not, np.logical_not, U, args_maker=bool_args),
    OpSpec("where", jnp.where, np.where,
           [((), (), ()), ((3,), (3,), (3,)), ((2, 3), (3,), ()), ((2, 1), (1, 3), (2, 3)),
            ((0,), (0,), ())],
           dtypes=(F32, F64), args_maker=cond_xy),
    OpSpec("select", _select, _np_select, [((3,), (3,), (3,)), ((2, 3), (2, 3), (2, 3))],
           dtypes=(F32, F64)),
    OpSpec("piecewise", _piecewise, _np_piecewise, U),
    OpSpec("piecewise_otherwise", _piecewise_otherwise, _np_piecewise_otherwise, U,
           domain=(-3, 3)),
    OpSpec("isclose", jnp.isclose, np.isclose, [((), ()), ((5,), (5,)), ((2, 5), (2, 5))],
           dtypes=(F64,), args_maker=near, grad=False),
    OpSpec("allclose", jnp.allclose, np.allclose, [((5,), (5,)), ((2, 5), (2, 5))],
           dtypes=(F64,), args_maker=near, grad=False),
    OpSpec("array_equal", jnp.array_equal, np.array_equal, [((3,), (3,)), ((2, 3), (2, 3))],
           args_maker=with_ties, grad=False),
    OpSpec("array_equiv", jnp.array_equiv, np.array_equiv, [((3,), (3,)), ((2, 3), (3,))],
           args_maker=with_ties, grad=False),
    OpSpec("isreal", jnp.isreal, np.isreal, U, grad=False),
    OpSpec("iscomplex", jnp.iscomplex, np.iscomplex, U, grad=False),
]
# fmt: on
