"""dtypes: the supported dtypes, JAX's promotion lattice with weak types, and the x64 switch.

Invariant: every dtype that reaches an aval has passed through `canonicalize_dtype`, so with x64
off no 64-bit type appears anywhere in a trace or an array.
"""

import functools
import os

import ml_dtypes
import numpy as np

from .errors import JTransTypeError, JTransValueError

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = (np.dtype(t) for t in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (np.dtype(t) for t in ("uint8", "uint16", "uint32", "uint64"))
float16, float32, float64 = (np.dtype(t) for t in ("float16", "float32", "float64"))
bfloat16 = np.dtype(ml_dtypes.bfloat16)
complex64, complex128 = np.dtype("complex64"), np.dtype("complex128")

_SUPPORTED = [bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64] + [
    bfloat16,
    float16,
    float32,
    float64,
    complex64,
    complex128,
]
_SHORT = {
    bool_: "bool", int8: "i8", int16: "i16", int32: "i32", int64: "i64", uint8: "u8",
    uint16: "u16", uint32: "u32", uint64: "u64", bfloat16: "bf16", float16: "f16",
    float32: "f32", float64: "f64", complex64: "c64", complex128: "c128",
}  # fmt: skip


class TypePromotionError(JTransTypeError, ValueError):
    """Dtypes that cannot be promoted together (a dtype outside the promotion lattice). A
    ValueError as in JAX, and a TypeError as jtrans's other dtype errors."""


# ---------------------------------------------------------------------------------------------
# configuration


class Config:
    """Global switches; `update(name, value)` as in JAX. Names with or without the `jax_` prefix."""

    _aliases = {"enable_x64": "jax_enable_x64", "x64": "jax_enable_x64"}
    # options a traced jaxpr depends on: `trace_state` is a new tuple whenever one changes, so
    # jit's warm-call cache checks one identity per call instead of keying on each option
    TRACE_OPTIONS = ("jax_enable_x64", "jax_threefry_partitionable", "jax_numpy_rank_promotion")
    trace_state = ()
    debug_checks = False  # jax_debug_nans or jax_debug_infs: results are checked

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if name in self.TRACE_OPTIONS:
            state = tuple(getattr(self, n, None) for n in self.TRACE_OPTIONS)
            object.__setattr__(self, "trace_state", state)
        elif name in ("jax_debug_nans", "jax_debug_infs"):
            checks = bool(getattr(self, "jax_debug_nans", False) or
                          getattr(self, "jax_debug_infs", False))  # fmt: skip
            object.__setattr__(self, "debug_checks", checks)

    def __init__(self):
        self.jax_enable_x64 = os.environ.get("JTRANS_ENABLE_X64", "0") not in ("0", "", "false")
        self.jax_log_compiles = os.environ.get("JTRANS_LOG_COMPILES", "0") not in ("0", "")
        self.jax_debug_nans = False
        # "standard" (JAX's lattice) or "strict" (only weakly-typed promotions are implicit)
        self.jax_numpy_dtype_promotion = "standard"
        self.jax_disable_jit = False
        # JAX's threefry schemes (jtrans.random): False is the classic one, True the
        # partitionable one (one threefry block per output position, counter = its flat index),
        # JAX's default since 0.5 (so jtrans.random draws what jax.random 0.10 draws)
        self.jax_threefry_partitionable = os.environ.get(
            "JAX_THREEFRY_PARTITIONABLE", "1"
        ).lower() not in ("0", "false")

    def _name(self, name):
        name = self._aliases.get(name, name)
        if not name.startswith("jax_"):
            name = "jax_" + name
        if not hasattr(self, name):
            raise AttributeError(f"jtrans.config has no option {name!r}")
        return name

    def update(self, name, value):
        name = self._name(name)
        if name == "jax_numpy_dtype_promotion" and value not in ("standard", "strict"):
            raise JTransValueError(
                f"jax_numpy_dtype_promotion must be 'standard' or 'strict', got {value!r}"
            )
        setattr(self, name, value)
        if name in ("jax_enable_x64", "jax_numpy_dtype_promotion"):
            _clear_dtype_caches()

    def read(self, name):
        return getattr(self, self._name(name))

    @property
    def x64_enabled(self):
        return self.jax_enable_x64

    @property
    def log_compiles(self):
        return self.jax_log_compiles


config = Config()


class enable_x64:
    """Context manager: `with jtrans.dtypes.enable_x64(): ...` turns 64-bit types on inside."""

    def __init__(self, new=True):
        self.new = new

    def __enter__(self):
        self.prev = config.jax_enable_x64
        config.update("jax_enable_x64", self.new)

    def __exit__(self, *exc):
        config.update("jax_enable_x64", self.prev)


def _clear_dtype_caches():
    for f in (canonicalize_dtype, _lub, result_type_of_avals_key):
        f.cache_clear()


# ---------------------------------------------------------------------------------------------
# canonical dtypes

_TO_32 = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}


@functools.lru_cache(maxsize=None)
def canonicalize_dtype(dtype):
    """The dtype a value of `dtype` gets inside jtrans (64-bit types narrowed when x64 is off)."""
    dt = np.dtype(dtype)
    if dt not in _SHORT:
        raise JTransTypeError(
            f"dtype {dt} is not supported by jtrans; use one of: "
            + ", ".join(sorted({str(d) for d in _SUPPORTED}))
        )
    if not config.jax_enable_x64:
        dt = _TO_32.get(dt, dt)
    return dt


def check_user_dtype_supported(dtype, fun_name=None):
    """Warns (UserWarning, as JAX) when a user asks for a 64-bit dtype while x64 is off: the
    value gets the 32-bit type instead. Python's own types (float, int, complex) never warn."""
    if dtype is None or config.jax_enable_x64 or any(dtype is t for t in (int, float, complex)):
        return
    try:
        dt = np.dtype(dtype)
    except TypeError:
        return
    truncated = _TO_32.get(dt)
    if truncated is not None:
        import warnings

        where = f" requested in {fun_name}" if fun_name else ""
        warnings.warn(
            f"Explicitly requested dtype {dt.name}{where} is not available, and will be "
            f"truncated to dtype {truncated.name}. To enable more dtypes, set the "
            "jax_enable_x64 configuration option (jtrans.config.update('jax_enable_x64', True)) "
            "or the JTRANS_ENABLE_X64 shell environment variable.",
            stacklevel=3,
        )


def check_dtype(dtype):
    if dtype is None:
        return None
    return canonicalize_dtype(_python_type_to_dtype(dtype))


def _python_type_to_dtype(dtype):
    if dtype is float:
        return float_
    if dtype is int:
        return int_
    if dtype is bool:
        return bool_
    if dtype is complex:
        return complex_
    return dtype


def short_name(dtype):
    """`f32`, `i32`, ...: the names jaxprs print."""
    try:
        return _SHORT[np.dtype(dtype)]
    except TypeError:  # an extended dtype (a typed key's key<fry>): its own name
        return str(dtype)


def full_name(dtype):
    """`float32`, `int32`, `bfloat16`, ...: the names avals and error messages print."""
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype)


def default_float():
    return float64 if config.jax_enable_x64 else float32


def to_inexact_dtype(dtype):
    """The floating type an integer or bool computation is done in (JAX 0.10's rule): bool and
    integers of up to 32 bits give float32, 64-bit integers the default float; inexact types
    stay as they are."""
    dt = np.dtype(dtype)
    if is_inexact(dt):
        return dt
    return canonicalize_dtype(float64) if dt.itemsize == 8 else float32


def default_int():
    return int64 if config.jax_enable_x64 else int32


def default_complex():
    return complex128 if config.jax_enable_x64 else complex64


float_ = float64
int_ = int64
complex_ = complex128


def issubdtype(a, b):
    if isinstance(a, ExtendedDType) or isinstance(b, ExtendedDType):
        # typed PRNG keys' dtype: a subdtype of its category (prng_key, extended) and itself
        if isinstance(b, type) and isinstance(a, ExtendedDType):
            return issubclass(a.type, b)
        return a == b
    if b in (np.inexact, np.floating) and np.dtype(a) == bfloat16:
        return True
    return np.issubdtype(np.dtype(a) if not isinstance(a, type) else a, b)


def is_float(dtype):
    dt = np.dtype(dtype)
    return dt.kind == "f" or dt == bfloat16


def is_complex(dtype):
    return np.dtype(dtype).kind == "c"


def is_inexact(dtype):
    return is_float(dtype) or is_complex(dtype)


def is_int(dtype):
    return np.dtype(dtype).kind in "iu"


def is_bool(dtype):
    return np.dtype(dtype) == bool_


def finfo(dtype):
    return ml_dtypes.finfo(dtype)


def iinfo(dtype):
    return ml_dtypes.iinfo(dtype)


# ---------------------------------------------------------------------------------------------
# the promotion lattice (JAX's): weak types i*, f*, c* sit just above the types they come from

_I, _F, _C = "i*", "f*", "c*"
_EDGES = {
    bool_: [_I],
    _I: [uint8, int8],
    uint8: [int16, uint16], uint16: [int32, uint32], uint32: [int64, uint64], uint64: [_F],
    int8: [int16], int16: [int32], int32: [int64], int64: [_F],
    _F: [bfloat16, float16, _C],
    bfloat16: [float32], float16: [float32], float32: [float64, complex64], float64: [complex128],
    _C: [complex64], complex64: [complex128], complex128: [],
}  # fmt: skip


# jax_numpy_dtype_promotion="strict": a typed value promotes with nothing but its own type; only
# the weak types (Python scalars) join the typed ones of their kind (or above)
_EDGES_STRICT = {n: [] for n in _EDGES}
_EDGES_STRICT[_I] = [_F, uint8, uint16, uint32, uint64, int8, int16, int32, int64]
_EDGES_STRICT[_F] = [_C, bfloat16, float16, float32, float64]
_EDGES_STRICT[_C] = [complex64, complex128]


def _upper_sets(edges):
    ups = {}

    def visit(n):
        if n not in ups:
            s = {n}
            for m in edges[n]:
                s |= visit(m)
            ups[n] = frozenset(s)
        return ups[n]

    for n in edges:
        visit(n)
    return ups


_UP = _upper_sets(_EDGES)
_UP_STRICT = _upper_sets(_EDGES_STRICT)


def _node(dtype, weak):
    if weak:
        k = np.dtype(dtype).kind
        if k in "iu":
            return _I
        if k == "f" or np.dtype(dtype) == bfloat16:
            return _F
        if k == "c":
            return _C
    return np.dtype(dtype)


@functools.lru_cache(maxsize=None)
def _lub(a, b):
    mode = config.jax_numpy_dtype_promotion
    ups = _UP_STRICT if mode == "strict" else _UP
    common = ups[a] & ups[b]
    for n in common:
        if ups[n] >= common:
            return n
    names = tuple({_I: "int", _F: "float", _C: "complex"}.get(n) or np.dtype(n).name
                  for n in (a, b))  # fmt: skip
    raise TypePromotionError(
        f"Input dtypes {names} have no available implicit dtype promotion path when "
        f"jax_numpy_dtype_promotion={mode}. Try explicitly casting inputs to the desired output "
        "type, or set jax_numpy_dtype_promotion=standard."
    )


class numpy_dtype_promotion:
    """Context manager (JAX's `jax.numpy_dtype_promotion`): `with numpy_dtype_promotion("strict"):`
    makes only weakly-typed (Python scalar) promotions implicit inside."""

    def __init__(self, mode):
        if mode not in ("standard", "strict"):
            raise JTransValueError(f"numpy_dtype_promotion: 'standard' or 'strict', got {mode!r}")
        self.mode = mode

    def __enter__(self):
        self.prev = config.jax_numpy_dtype_promotion
        config.update("jax_numpy_dtype_promotion", self.mode)

    def __exit__(self, *exc):
        config.update("jax_numpy_dtype_promotion", self.prev)


_WEAK_DEFAULT = {_I: default_int, _F: default_float, _C: default_complex}


@functools.lru_cache(maxsize=None)
def result_type_of_avals_key(key):
    """key: tuple of (dtype, weak). Returns (dtype, weak) of the promoted result."""
    node = _node(*key[0])
    for dt, weak in key[1:]:
        node = _lub(node, _node(dt, weak))
    if node in _WEAK_DEFAULT:
        # a weak result keeps the widest weak input's own dtype when that is narrower by x64
        return canonicalize_dtype(_WEAK_DEFAULT[node]()), True
    return canonicalize_dtype(node), False


def python_scalar_dtype(x):
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return default_int()
    if isinstance(x, float):
        return default_float()
    if isinstance(x, complex):
        return default_complex()
    raise JTransTypeError(f"not a Python scalar: {x!r}")


def dtype_and_weak(x):
    """(dtype, weak_type) of any value a jtrans function accepts (NumPy scalars, np.float64
    included, are strongly typed as in JAX)."""
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        return python_scalar_dtype(x), not isinstance(x, bool)
    aval = getattr(x, "aval", None)
    if aval is not None:
        return aval.dtype, aval.weak_type
    if hasattr(x, "dtype"):
        return canonicalize_dtype(x.dtype), False
    if isinstance(x, (list, tuple)):
        return canonicalize_dtype(np.asarray(x).dtype), False
    raise JTransTypeError(f"value of type {type(x).__name__} is not a valid jtrans array: {x!r}")


def result_type(*args, return_weak_type_flag=False):
    """jnp.result_type: promotes dtypes, Python scalar types and arrays by JAX's lattice."""
    key = []
    for a in args:
        if a is None:
            continue
        if isinstance(a, type) and a in (int, float, complex, bool):
            key.append((python_scalar_dtype(a(0)), a is not bool))
        elif isinstance(a, (str, np.dtype, type)) or (
            isinstance(a, type) and issubclass(a, np.generic)
        ):
            try:
                key.append((canonicalize_dtype(a), False))
            except JTransTypeError as e:
                # JAX raises TypePromotionError for a dtype outside the lattice
                raise TypePromotionError(str(e)) from None
        else:
            key.append(dtype_and_weak(a))
    if not key:
        raise JTransTypeError("result_type needs at least one argument")
    dt, weak = result_type_of_avals_key(tuple(key))
    return (dt, weak) if return_weak_type_flag else dt


def can_cast(from_, to, casting="safe"):
    return np.can_cast(np.dtype(from_), np.dtype(to), casting)


def promote_types(a, b):
    """The promoted dtype of two dtypes; Python's int/float/complex count as weak types."""
    return result_type(a, b)


# ---------------------------------------------------------------------------------------------
# JAX's dtype odds and ends: float0, the extended-dtype categories, bit sizes, scalar types

# the dtype of tangents of integer values (a zero-size void type, as JAX's)
float0 = np.dtype([("float0", np.void, 0)])


class extended(np.generic):
    """The abstract category of JAX's extended dtypes (jtrans has none but PRNG keys' own
    category): `issubdtype(dt, extended)` is False for every array dtype."""


class prng_key(extended):
    """The category of typed PRNG key dtypes: `issubdtype(random.key(0).dtype, prng_key)`."""


class ExtendedDType:
    """Base of the dtypes that are not NumPy's (JAX's ExtendedDType): jtrans has one, the
    dtype of typed PRNG keys (`jtrans.random.KeyDType`, printed key<fry>). `type` is its
    scalar category in the np.generic hierarchy, which `issubdtype` consults."""

    type = extended


def itemsize_bits(dtype):
    """The number of bits of one element of `dtype` (bool: 8; int4: 4)."""
    if dtype is None:
        raise JTransValueError("itemsize_bits: unexpected input dtype=None")
    dt = np.dtype(_python_type_to_dtype(dtype))
    if dt == float0:
        raise JTransValueError(f"itemsize_bits: unexpected input dtype={dt}")
    if dt.kind in "iufV" and dt != bool_:
        # ml_dtypes' sub-byte types (int4, float4_e2m1fn) are stored in a byte each
        for info in (ml_dtypes.iinfo, ml_dtypes.finfo):
            try:
                return info(dt).bits
            except (TypeError, ValueError):
                pass
    return dt.itemsize * 8


def scalar_type_of(x):
    """The Python scalar type (bool, int, float or complex) of a value's dtype."""
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        return type(x)
    dt = np.dtype(dtype_and_weak(x)[0])
    if dt == bool_:
        return bool
    if dt.kind in "iu":
        return int
    if is_float(dt):
        return float
    if dt.kind == "c":
        return complex
    raise JTransTypeError(f"scalar_type_of: no scalar type for dtype {dt}")
