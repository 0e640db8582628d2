"""jtrans.numpy: NumPy's API on jtrans arrays, written only with lax functions."""

import ml_dtypes as _ml_dtypes
import numpy as _np

from .. import dtypes as _dtypes
from ..core import ArrayType as ndarray  # noqa: F401
from ._util import broadcast_shapes  # noqa: F401
from ._ufuncs import *  # noqa: F401,F403
from ._creation import *  # noqa: F401,F403
from ._reductions import *  # noqa: F401,F403
from ._shape import *  # noqa: F401,F403
from ._indexing import *  # noqa: F401,F403
from ._products import *  # noqa: F401,F403
from ._logic import *  # noqa: F401,F403
from ._sorting import *  # noqa: F401,F403
from . import linalg  # noqa: F401
from . import fft  # noqa: F401
from ._extras import *  # noqa: F401,F403
from ._ufuncs import abs, pow  # noqa: F401
from ._reductions import sum, max, min  # noqa: F401
from ._index_tricks import *  # noqa: F401,F403
from ._ufunc import ufunc, frompyfunc, make_builtin_ufuncs as _make_builtin_ufuncs  # noqa: F401

_make_builtin_ufuncs(globals())  # jnp.add etc. become ufunc objects (reduce, accumulate, at, ...)


class _ScalarType:
    """`jnp.float32` etc.: usable as a dtype, and callable to make an array (as in JAX)."""

    def __init__(self, dtype):
        self.dtype = _np.dtype(dtype)
        self.__name__ = self.dtype.name

    def __call__(self, x):
        from ._creation import asarray as _asarray

        return _asarray(x, dtype=self.dtype)

    def __eq__(self, other):
        try:
            return self.dtype == _np.dtype(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"<class 'jtrans.numpy.{self.__name__}'>"


bool_ = _ScalarType(_dtypes.bool_)
int8, int16, int32, int64 = (_ScalarType(t) for t in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (_ScalarType(t) for t in ("uint8", "uint16", "uint32", "uint64"))
float16, float32, float64 = (_ScalarType(t) for t in ("float16", "float32", "float64"))
bfloat16 = _ScalarType(_dtypes.bfloat16)
# ml_dtypes' narrow types (JAX's names); jtrans arrays do not hold them yet (the dtype lattice in
# jtrans/dtypes.py lacks them), so these name the types for NumPy, finfo/iinfo and ported code
for _n in ("float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn", "float8_e4m3fnuz",
           "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn", "float6_e2m3fn",
           "float6_e3m2fn", "int1", "int2", "int4", "uint1", "uint2", "uint4"):  # fmt: skip
    if hasattr(_ml_dtypes, _n):
        globals()[_n] = _ScalarType(getattr(_ml_dtypes, _n))
complex64, complex128 = _ScalarType("complex64"), _ScalarType("complex128")
bool = bool_  # noqa: A001  (JAX: jnp.bool is jnp.bool_)
single, double = float32, float64
csingle, cdouble = complex64, complex128
uint = uint64
float_, int_, complex_ = float64, int64, complex128
dtype = _np.dtype
result_type = _dtypes.result_type
promote_types = _dtypes.promote_types
issubdtype = _dtypes.issubdtype
can_cast = _dtypes.can_cast
finfo = _dtypes.finfo
iinfo = _dtypes.iinfo
number, inexact, floating, integer = _np.number, _np.inexact, _np.floating, _np.integer
signedinteger, unsignedinteger = _np.signedinteger, _np.unsignedinteger
complexfloating, generic = _np.complexfloating, _np.generic
character, flexible, object_ = _np.character, _np.flexible, _np.object_
ComplexWarning = _np.exceptions.ComplexWarning
pi, e, inf, nan, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, _np.euler_gamma
newaxis = None

from ._methods import install as _install  # noqa: E402

_install()
