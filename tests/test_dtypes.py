"""JAX's type promotion, pinned: the whole binary promotion table of
https://docs.jax.dev/en/latest/type_promotion.html (against jnp.promote_types and
jnp.result_type), weak types, the x64 switch, and the dtypes jnp functions give."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp

_CODES = _TABLE_HEADER = "b1 u1 u2 u4 u8 i1 i2 i4 i8 bf f2 f4 f8 c8 c16 i* f* c*".split()  # noqa: SIM905
# the table of the documentation, row type x column type -> result ("i*" etc.: weakly typed)
_TABLE = """
b1  b1  u1  u2  u4  u8  i1  i2  i4  i8  bf  f2  f4  f8  c8  c16 i*  f*  c*
u1  u1  u1  u2  u4  u8  i2  i2  i4  i8  bf  f2  f4  f8  c8  c16 u1  f*  c*
u2  u2  u2  u2  u4  u8  i4  i4  i4  i8  bf  f2  f4  f8  c8  c16 u2  f*  c*
u4  u4  u4  u4  u4  u8  i8  i8  i8  i8  bf  f2  f4  f8  c8  c16 u4  f*  c*
u8  u8  u8  u8  u8  u8  f*  f*  f*  f*  bf  f2  f4  f8  c8  c16 u8  f*  c*
i1  i1  i2  i4  i8  f*  i1  i2  i4  i8  bf  f2  f4  f8  c8  c16 i1  f*  c*
i2  i2  i2  i4  i8  f*  i2  i2  i4  i8  bf  f2  f4  f8  c8  c16 i2  f*  c*
i4  i4  i4  i4  i8  f*  i4  i4  i4  i8  bf  f2  f4  f8  c8  c16 i4  f*  c*
i8  i8  i8  i8  i8  f*  i8  i8  i8  i8  bf  f2  f4  f8  c8  c16 i8  f*  c*
bf  bf  bf  bf  bf  bf  bf  bf  bf  bf  bf  f4  f4  f8  c8  c16 bf  bf  c8
f2  f2  f2  f2  f2  f2  f2  f2  f2  f2  f4  f2  f4  f8  c8  c16 f2  f2  c8
f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f8  c8  c16 f4  f4  c8
f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  c16 c16 f8  f8  c16
c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c16 c8  c16 c8  c8  c8
c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16
i*  i*  u1  u2  u4  u8  i1  i2  i4  i8  bf  f2  f4  f8  c8  c16 i*  f*  c*
f*  f*  f*  f*  f*  f*  f*  f*  f*  f*  bf  f2  f4  f8  c8  c16 f*  f*  c*
c*  c*  c*  c*  c*  c*  c*  c*  c*  c*  c8  c8  c8  c16 c8  c16 c*  c*  c*
"""
_ROWS = {r.split()[0]: dict(zip(_CODES, r.split()[1:])) for r in _TABLE.strip().splitlines()}

_STRONG = {
    "b1": np.bool_, "u1": np.uint8, "u2": np.uint16, "u4": np.uint32, "u8": np.uint64,
    "i1": np.int8, "i2": np.int16, "i4": np.int32, "i8": np.int64, "bf": jnp.bfloat16,
    "f2": np.float16, "f4": np.float32, "f8": np.float64, "c8": np.complex64,
    "c16": np.complex128,
}  # fmt: skip
_WEAK = {"i*": int, "f*": float, "c*": complex}
_WEAK_DTYPE_X64 = {"i*": np.int64, "f*": np.float64, "c*": np.complex128}


def _type(code):
    return _STRONG.get(code) or _WEAK[code]


def _pairs():
    return [pytest.param(a, b, id=f"{a}-{b}") for a in _CODES for b in _CODES]


@pytest.mark.parametrize("a,b", _pairs())
def test_promotion_table_result_type(a, b, x64):
    """jnp.result_type of two types: the table's entry, weakly typed exactly where it says."""
    expect = _ROWS[a][b]
    dt, weak = jnp.result_type(_type(a), _type(b), return_weak_type_flag=True)
    want = np.dtype(_STRONG.get(expect) or _WEAK_DTYPE_X64[expect])
    assert (dt, weak) == (want, expect in _WEAK), f"{a} + {b}: got {dt} weak={weak}"


@pytest.mark.parametrize("a,b", _pairs())
def test_promotion_table_promote_types(a, b, x64):
    """jnp.promote_types: the table's entry as a dtype (weak results as their 64-bit type)."""
    expect = _ROWS[a][b]
    want = np.dtype(_STRONG.get(expect) or _WEAK_DTYPE_X64[expect])
    assert jnp.promote_types(_type(a), _type(b)) == want


@pytest.mark.parametrize("a,b", _pairs())
def test_promotion_table_arrays(a, b, x64):
    """The table holds for actual values: arrays of the strong types, Python scalars for the weak
    ones, through jnp.add (the dtype of the result, and its weak_type)."""
    if a == "b1" and b == "b1":
        pytest.skip("bool + bool is logical_or in NumPy (dtype bool, tested below)")

    def value(code):
        return _WEAK[code](1) if code in _WEAK else jnp.ones((), _STRONG[code])

    expect = _ROWS[a][b]
    out = jnp.add(value(a), value(b))
    want = np.dtype(_STRONG.get(expect) or _WEAK_DTYPE_X64[expect])
    assert out.dtype == want
    assert out.weak_type == (expect in _WEAK)


def test_promotion_is_symmetric_and_associative():
    codes = list(_STRONG) + list(_WEAK)
    for a in codes:
        for b in codes:
            assert _ROWS[a][b] == _ROWS[b][a]
    dts = list(_STRONG.values())
    for a in dts:
        for b in dts:
            for c in dts:
                left = jnp.promote_types(jnp.promote_types(a, b), c)
                right = jnp.promote_types(a, jnp.promote_types(b, c))
                assert left == right


def test_promotion_examples_x32():
    assert (jnp.ones(3, jnp.int32) * 2.5).dtype == jnp.float32
    assert (jnp.ones(3, jnp.float16) + 1.0).dtype == jnp.float16
    assert (jnp.ones(3, jnp.bfloat16) * 2).dtype == jnp.bfloat16
    assert (jnp.ones(3, jnp.int8) + jnp.ones(3, jnp.uint8)).dtype == jnp.int16
    assert (jnp.ones(3, jnp.bfloat16) + jnp.ones(3, jnp.float16)).dtype == jnp.float32
    assert (jnp.ones(3, jnp.int32) + 1).dtype == jnp.int32
    assert (jnp.ones(3, jnp.int8) + 3).dtype == jnp.int8  # the scalar is weak
    assert (jnp.ones(3, jnp.uint8) + 1).dtype == jnp.uint8
    assert (jnp.ones(3, jnp.int32) + jnp.ones(3, jnp.float16)).dtype == jnp.float16
    assert (jnp.ones(3, jnp.float32) + 1j).dtype == jnp.complex64
    assert (jnp.ones(3, jnp.bool_) + jnp.ones(3, jnp.bool_)).dtype == jnp.bool_
    # with x64 off, 64-bit requests are narrowed
    assert jnp.result_type(np.float64) == jnp.float32
    assert jnp.result_type(np.int64, np.int8) == jnp.int32
    assert jnp.result_type(1.0) == jnp.float32
    assert jnp.result_type(1) == jnp.int32
    assert jnp.array(1.0).dtype == jnp.float32
    assert jnp.arange(3).dtype == jnp.int32
    assert jnp.zeros(3).dtype == jnp.float32


def test_promotion_examples_x64(x64):
    assert jnp.array(1.0).dtype == jnp.float64
    assert jnp.arange(3).dtype == jnp.int64
    assert jnp.zeros(3).dtype == jnp.float64
    assert jnp.result_type(1.0) == jnp.float64
    assert (jnp.ones(3, jnp.float32) + 1.0).dtype == jnp.float32
    assert (jnp.ones(3, jnp.int32) + 1).dtype == jnp.int32
    assert (jnp.ones(3, jnp.int64) * 2.5).dtype == jnp.float64
    assert (jnp.ones(3, jnp.uint64) + jnp.ones(3, jnp.int64)).dtype == jnp.float64


def test_weak_types():
    # Python scalars are weak; explicit dtypes make strong values
    assert jnp.asarray(2).weak_type
    assert jnp.asarray(2.0).weak_type
    assert not jnp.asarray(2, dtype=jnp.int32).weak_type
    assert not jnp.asarray(True).weak_type
    # jnp.array of a Python scalar is weakly typed too (JAX: only weak inputs give weak arrays)
    assert jnp.array(2.0).weak_type
    assert not jnp.array([2.0]).weak_type
    # the scalar types make strong values
    assert not jnp.float32(1).weak_type and jnp.float32(1).dtype == jnp.float32
    # weak op weak stays weak; weak op strong takes the strong type
    w = jnp.asarray(2.0)
    assert jnp.add(w, 1.0).weak_type
    assert not jnp.add(w, jnp.ones((), jnp.float16)).weak_type
    assert jnp.add(w, jnp.ones((), jnp.float16)).dtype == jnp.float16
    # a weak float with a strong int: the weak float's default type, still weak
    out = jnp.add(jnp.ones(3, jnp.int32), w)
    assert out.dtype == jnp.float32 and out.weak_type
    # weak values keep their weakness under transformations
    assert jtrans.jit(lambda x: x * 2.0)(w).weak_type
    assert jtrans.jit(lambda x: x * 2.0)(jnp.ones((), jnp.float16)).dtype == jnp.float16


def test_numpy_arrays_are_not_weak():
    # a NumPy array's dtype is strong (only Python scalars are weak)
    out = jnp.add(jnp.ones(3, jnp.int16), np.array(1, np.int32))
    assert out.dtype == jnp.int32
    out = jnp.add(jnp.ones(3, jnp.float16), np.float32(1))
    assert out.dtype == jnp.float32


def test_promote_types_spellings():
    assert jnp.promote_types("int32", "float32") == jnp.float32
    assert jnp.promote_types(jnp.dtype("int32"), jnp.dtype("float32")) == jnp.float32
    assert jnp.promote_types("uint8", int) == jnp.uint8
    assert jnp.promote_types("float16", float) == jnp.float16
    assert jnp.result_type("int32", "float32") == jnp.float32
    assert jnp.result_type(np.uint16, np.dtype("int32")) == jnp.int32
    assert jnp.result_type(1.0, jnp.ones((), jnp.bfloat16)) == jnp.bfloat16
    assert jnp.result_type(jnp.arange(4), jnp.zeros(4)) == jnp.float32


def test_inexact_promotion():
    # functions that need floats promote ints to the default float, keep narrower floats
    assert jnp.sin(jnp.ones(3, jnp.int32)).dtype == jnp.float32
    assert jnp.sin(jnp.ones(3, jnp.int8)).dtype == jnp.float32
    assert jnp.sin(jnp.ones(3, jnp.float16)).dtype == jnp.float16
    assert jnp.divide(jnp.ones(3, jnp.int32), 2).dtype == jnp.float32
    assert jnp.sqrt(jnp.ones(3, jnp.bool_)).dtype == jnp.float32
    assert jnp.sqrt(2).weak_type  # a Python int stays weak through a float function


# ---------------------------------------------------------------------------------------------
# float0, extended, itemsize_bits, scalar_type_of, TypePromotionError, jtrans.typing


def test_float0_extended_categories():
    from jtrans import dtypes as d

    assert d.float0 == np.dtype([("float0", np.void, 0)]) and d.float0.itemsize == 0
    assert d.float0 == jtrans.float0
    assert issubclass(d.prng_key, d.extended) and issubclass(d.extended, np.generic)
    assert not d.issubdtype(np.float32, d.extended)


def test_itemsize_bits():
    import ml_dtypes

    from jtrans import dtypes as d

    cases = [(d.bfloat16, 16), (bool, 8), (np.int8, 8), (np.uint32, 32), (np.complex64, 64),
             (ml_dtypes.int4, 4), (ml_dtypes.float4_e2m1fn, 4), ("float8_e4m3fn", 8)]  # fmt: skip
    for dt, bits in cases:
        assert d.itemsize_bits(dt) == bits, dt
    with pytest.raises(ValueError):
        d.itemsize_bits(d.float0)


def test_scalar_type_of():
    from jtrans import dtypes as d

    assert d.scalar_type_of(True) is bool and d.scalar_type_of(3) is int
    assert d.scalar_type_of(1.5) is float and d.scalar_type_of(1j) is complex
    assert d.scalar_type_of(jnp.ones(2, "int8")) is int
    assert d.scalar_type_of(jnp.ones(2, jnp.bfloat16)) is float
    assert d.scalar_type_of(np.ones(2, bool)) is bool
    assert d.scalar_type_of(np.uint8(3)) is int
    assert d.scalar_type_of(jnp.ones(2, "complex64")) is complex


def test_type_promotion_error_for_dtypes_outside_the_lattice():
    from jtrans import dtypes as d

    with pytest.raises(d.TypePromotionError, match="not supported"):
        d.result_type(np.float32, "V")
    assert issubclass(d.TypePromotionError, ValueError)
    assert issubclass(d.TypePromotionError, TypeError)  # as jtrans's other dtype errors


def test_typing_aliases():
    import typing

    from jtrans import typing as jt

    assert jtrans.Array in typing.get_args(jt.ArrayLike)
    assert isinstance(jnp.ones(2), jt.ArrayLike) and isinstance(1.0, jt.ArrayLike)
    assert not isinstance([1.0], jt.ArrayLike)
    assert np.dtype in typing.get_args(jt.DTypeLike)

    def f(x: jt.ArrayLike, dtype: jt.DTypeLike = None) -> jtrans.Array:
        return jnp.asarray(x, dtype)

    assert f(1, "float32").dtype == np.float32
