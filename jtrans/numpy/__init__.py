"""jtrans.numpy: NumPy's API on jtrans arrays, written only with lax functions."""

import numpy as _np

from .. import dtypes as _dtypes
from ..array import Array as ndarray  # noqa: F401
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
from ._ufuncs import abs, pow  # noqa: F401
from ._reductions import sum, max, min  # noqa: F401

bool_ = _dtypes.bool_
int8, int16, int32, int64 = _dtypes.int8, _dtypes.int16, _dtypes.int32, _dtypes.int64
uint8, uint16, uint32, uint64 = _dtypes.uint8, _dtypes.uint16, _dtypes.uint32, _dtypes.uint64
float16, bfloat16, float32, float64 = (
    _dtypes.float16, _dtypes.bfloat16, _dtypes.float32, _dtypes.float64)  # fmt: skip
complex64, complex128 = _dtypes.complex64, _dtypes.complex128
float_ = _dtypes.float64
int_ = _dtypes.int64
complex_ = _dtypes.complex128
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
pi, e, inf, nan, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, _np.euler_gamma
newaxis = None

from ._methods import install as _install  # noqa: E402

_install()
