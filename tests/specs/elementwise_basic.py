"""OpSpecs for the first ufuncs (the ufunc helper extends tests/specs/ufuncs.py)."""

import numpy as np

import jtrans.numpy as jnp

from ..opspecs import F32, F64, OpSpec

U = [((),), ((3,),), ((2, 3),), ((0,),)]
B = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((0,), ())]

SPECS = [
    OpSpec("add", jnp.add, np.add, B, dtypes=(F32, F64)),
    OpSpec("sin", jnp.sin, np.sin, U, dtypes=(F32, F64)),
    OpSpec("tanh", jnp.tanh, np.tanh, U),
    OpSpec("sum", jnp.sum, np.sum, [((3,),), ((2, 3),), ((0,),)], tol=1e-5),
]
