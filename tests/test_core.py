"""The core: jaxpr printing in JAX's format, staging, typechecking, leak detection."""

import collections

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import core
from jtrans.errors import UnexpectedTracerError


def _jaxpr(f, *args, **kw):
    return str(jtrans.make_jaxpr(f, **kw)(*args))


def test_make_jaxpr_one_line():
    got = _jaxpr(lambda a: jnp.sin(a) * 2.0, jnp.zeros(3))
    assert got == "{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = mul b 2.0:f32[] in (c,) }"


def test_make_jaxpr_closure_becomes_constvar():
    c = jnp.ones(3)
    got = _jaxpr(lambda a: a + c, jnp.zeros(3))
    assert got == "{ lambda a:f32[3]; b:f32[3]. let c:f32[3] = add b a in (c,) }"
    closed = jtrans.make_jaxpr(lambda a: a + c)(jnp.zeros(3))
    assert len(closed.consts) == 1 and np.shares_memory(np.asarray(closed.consts[0]), np.asarray(c))


def test_make_jaxpr_pytrees():
    got = _jaxpr(lambda d: {"o": d["a"] * d["b"][0]}, {"a": 1.0, "b": (2.0,)})
    assert got == "{ lambda ; a:f32[] b:f32[]. let c:f32[] = mul a b in (c,) }"
    Point = collections.namedtuple("Point", "x y")
    got = _jaxpr(lambda p: (p.x - p.y, p.y), Point(jnp.zeros(2), jnp.ones(2)))
    assert got == "{ lambda ; a:f32[2] b:f32[2]. let c:f32[2] = sub a b in (c, b) }"


def test_make_jaxpr_multiline_and_params():
    got = _jaxpr(lambda x: jnp.sum(jnp.tanh(x) * x, axis=0) + jnp.cos(x[0]), jnp.zeros((2, 3)))
    lines = got.split("\n")
    assert lines[0] == "{ lambda ; a:f32[2,3]. let"
    assert lines[1] == "    b:f32[2,3] = tanh a"
    assert lines[2] == "    c:f32[2,3] = mul b a"
    assert lines[3] == "    d:f32[3] = reduce_sum[axes=(0,)] c"
    assert lines[-1].startswith("  in (") and lines[-1].endswith(",) }")


def test_make_jaxpr_nested_jit():
    got = _jaxpr(jtrans.jit(lambda x: x + 1), 1.0)
    assert got == (
        "{ lambda ; a:f32[]. let\n"
        "    b:f32[] = jit[\n"
        "      name=<lambda>\n"
        "      jaxpr={ lambda ; a:f32[]. let b:f32[] = add a 1.0:f32[] in (b,) }\n"
        "    ] a\n"
        "  in (b,) }"
    )


def test_make_jaxpr_identity_and_static_argnums():
    assert _jaxpr(lambda x: x, 1.0) == "{ lambda ; a:f32[]. let  in (a,) }"
    got = _jaxpr(lambda x, n: x * n, jnp.zeros(2), 3, static_argnums=(1,))
    assert got == "{ lambda ; a:f32[2]. let b:f32[2] = mul a 3.0:f32[] in (b,) }"


def test_typecheck_jaxpr():
    closed = jtrans.make_jaxpr(lambda x: jnp.exp(x) * x)(jnp.zeros(4))
    assert core.typecheck_jaxpr(closed.jaxpr)
    bad = core.Jaxpr([], closed.jaxpr.invars, closed.jaxpr.outvars, closed.jaxpr.eqns[1:])
    with pytest.raises(core.JaxprTypeError, match="before definition"):
        core.typecheck_jaxpr(bad)


def test_eval_jaxpr_matches_function():
    f = lambda x: jnp.sum(jnp.sin(x) ** 2)  # noqa: E731
    x = jnp.arange(5.0)
    closed = jtrans.make_jaxpr(f)(x)
    (out,) = core.eval_jaxpr(closed.jaxpr, closed.consts, x)
    np.testing.assert_allclose(out, f(x), rtol=1e-6)


def test_leaked_tracer_is_reported():
    saved = []

    def f(x):
        saved.append(x)
        return x * 2

    jtrans.make_jaxpr(f)(1.0)
    with pytest.raises(UnexpectedTracerError, match="after that transformation had finished"):
        jnp.sin(saved[0])


def test_weak_types():
    x = jnp.asarray(2.0)
    assert x.weak_type
    assert not jnp.ones(3).weak_type
    assert (jnp.ones(3, jnp.float16) * 2.0).dtype == jnp.float16
    closed = jtrans.make_jaxpr(lambda a: a * 2)(jnp.ones(2, jnp.int8))
    assert closed.jaxpr.outvars[0].aval.dtype == jnp.int8
