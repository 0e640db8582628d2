"""OpSpecs for the first ufuncs (the ufunc helper extends tests/specs/ufuncs.py)."""

import numpy as np

import jtrans.numpy as jnp

from ..opspecs import OpSpec

U = [((),), ((3,),), ((2, 3),), ((0,),)]
B = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((0,), ())]

SPECS = [
    OpSpec("sum", jnp.sum, np.sum, [((3,),), ((2, 3),), ((0,),)], tol=1e-5),
]
