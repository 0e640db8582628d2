"""Avals print as in JAX: `float32[3]` in str/repr and error messages, `~` for weak types,
`f32[3]` in jaxprs (and with `str_short(short_dtypes=True)`); `jtrans.typeof` of a typed key."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import random


def test_aval_str_repr_and_short_names():
    a = jtrans.typeof(jnp.ones((2, 3)))
    assert str(a) == "float32[2,3]" and repr(a) == "ShapedArray(float32[2,3])"
    assert a.str_short() == "float32[2,3]" and a.str_short(short_dtypes=True) == "f32[2,3]"
    w = jtrans.typeof(1.0)
    assert str(w) == "~float32[]" and repr(w) == "ShapedArray(float32[], weak_type=True)"
    assert str(jtrans.typeof(np.ones(3, np.int8))) == "int8[3]"
    assert str(jtrans.typeof(jnp.ones((), jnp.bfloat16))) == "bfloat16[]"
    assert str(jtrans.typeof(True)) == "bool[]"


def test_jaxprs_keep_short_names():
    text = str(jtrans.make_jaxpr(lambda x: x * 2)(jnp.ones(3)))
    assert "a:f32[3]" in text and "float32" not in text


def test_typeof_typed_key():
    k = random.key(0)
    assert str(jtrans.typeof(k)) == "key<fry>[]"
    assert repr(jtrans.typeof(random.split(k, 3))) == "ShapedArray(key<fry>[3])"


def test_error_messages_use_full_names():
    with pytest.raises(jtrans.errors.ConcretizationTypeError, match=r"of type float32\[\]"):
        jtrans.jit(lambda x: int(x[0]) + x)(jnp.ones(3))


def test_tracer_reprs_as_jax():
    seen = []
    rec = lambda x: seen.append(repr(x)) or x
    jtrans.jit(rec)(jnp.ones(3))
    jtrans.jit(rec)(1.0)
    jtrans.vmap(rec)(jnp.ones((2, 3)))
    jtrans.grad(lambda x: rec(x).sum())(jnp.ones(3))
    jtrans.jit(jtrans.grad(lambda x: rec(x).sum()))(jnp.ones(3))
    assert seen == ["JitTracer(float32[3])", "JitTracer(~float32[])",
                    "VmapTracer(aval=float32[3], batched=float32[2,3])",
                    "GradTracer(primal=[1. 1. 1.], typeof(tangent)=f32[3])",
                    "GradTracer(primal=JitTracer(float32[3]), typeof(tangent)=f32[3])"]  # fmt: skip
