"""jtrans.debug.print / callback and jtrans.callbacks.pure_callback: eager, under jit (a call-out
that runs at every call, not only at trace time), grad and vmap."""

import numpy as np
import pytest

import jtrans
import jtrans.debug
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.callbacks import pure_callback


def _f(x):
    jtrans.debug.print("x={} s={s:.2f}", x, s=jnp.sum(x))
    return jnp.sin(x)


def test_print_eager_and_jit_prints_at_every_call(capsys):
    x = jnp.arange(3.0)
    _f(x)
    assert capsys.readouterr().out == "x=[0. 1. 2.] s=3.00\n"
    g = jtrans.jit(_f)
    g(x)
    g(x + 1)
    g(x + 1)
    assert capsys.readouterr().out.splitlines() == ["x=[0. 1. 2.] s=3.00", "x=[1. 2. 3.] s=6.00",
                                                    "x=[1. 2. 3.] s=6.00"]  # fmt: skip
    assert "callout debug_callback" in g.lower(x).as_text("kernels")


def test_print_survives_dce_and_cse(capsys):
    def f(x):
        jtrans.debug.print("a {}", x)
        jtrans.debug.print("a {}", x)  # equal equations: both kept
        return x * 2

    jtrans.jit(f)(np.float32(1.0))
    assert capsys.readouterr().out == "a 1.0\na 1.0\n"
    assert "debug_callback" in str(jtrans.make_jaxpr(f)(1.0))


def test_print_under_grad_shows_primals(capsys):
    x = jnp.arange(3.0)
    g = jtrans.grad(lambda x: jnp.sum(_f(x)))(x)
    np.testing.assert_allclose(g, np.cos(np.arange(3.0)), rtol=1e-6)
    assert capsys.readouterr().out == "x=[0. 1. 2.] s=3.00\n"
    jtrans.jit(jtrans.grad(lambda x: jnp.sum(_f(x))))(x)
    assert capsys.readouterr().out == "x=[0. 1. 2.] s=3.00\n"


def test_print_under_vmap_prints_each_element(capsys):
    xs = jnp.arange(4.0).reshape(2, 2)
    jtrans.vmap(_f)(xs)
    assert capsys.readouterr().out.splitlines() == ["x=[0. 1.] s=1.00", "x=[2. 3.] s=5.00"]
    jtrans.jit(jtrans.vmap(_f, in_axes=1))(xs)
    assert capsys.readouterr().out.splitlines() == ["x=[0. 2.] s=2.00", "x=[1. 3.] s=4.00"]


def test_print_inside_compiled_scan(capsys):
    def body(c, x):
        jtrans.debug.print("c={c} x={x}", c=c, x=x)
        return c + x, c

    jtrans.jit(lambda xs: lax.scan(body, 0.0, xs))(jnp.arange(3.0))
    assert capsys.readouterr().out.splitlines() == ["c=0.0 x=0.0", "c=0.0 x=1.0", "c=1.0 x=2.0"]


def test_print_format_errors_are_raised_at_the_call():
    with pytest.raises(IndexError, match="no positional argument 1"):
        jtrans.debug.print("{} {}", 1.0)
    with pytest.raises(KeyError, match="'y'"):
        jtrans.debug.print("{y}", x=1.0)


def test_callback_gets_arrays_and_static_values():
    seen = []
    f = jtrans.jit(lambda x: jtrans.debug.callback(lambda a, tag, d: seen.append((a, tag, d)), x,
                                                   "tag", d={"k": x * 2}) or x)  # fmt: skip
    f(np.arange(2.0, dtype=np.float32))
    ((a, tag, d),) = seen
    assert isinstance(a, jtrans.Array) and tag == "tag"
    np.testing.assert_array_equal(d["k"], [0.0, 2.0])


def _host(x, y):
    _host.calls.append(np.shape(x))
    return np.sin(x) * np.max(y)


def _pc(x, y, method="sequential"):
    return pure_callback(_host, jtrans.ShapeDtypeStruct(np.shape(x), jnp.float32), x, y,
                         vmap_method=method)  # fmt: skip


def test_pure_callback_eager_and_jit():
    _host.calls = []
    x = np.arange(3, dtype=np.float32)
    np.testing.assert_allclose(_pc(x, 2.0), np.sin(x) * 2, rtol=1e-6)
    g = jtrans.jit(_pc)
    g(x, 2.0)
    g(x, 3.0)
    assert len(_host.calls) == 3  # one call per run, not per trace


@pytest.mark.parametrize("method,calls", [("sequential", [(3,), (3,)]),
                                          ("expand_dims", [(2, 3)]),
                                          ("broadcast_all", [(2, 3)])])  # fmt: skip
def test_pure_callback_vmap_methods(method, calls):
    _host.calls = []
    xb = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = jtrans.vmap(lambda x: _pc(x, np.float32(2.0), method))(xb)
    np.testing.assert_allclose(out, np.sin(xb) * 2, rtol=1e-6)
    assert _host.calls == calls
    out = jtrans.jit(jtrans.vmap(lambda x, y: _pc(x, y, method), (1, None)))(
        xb, np.ones(2, np.float32)
    )
    np.testing.assert_allclose(out, np.sin(xb.T), rtol=1e-6)


def test_pure_callback_errors():
    xb = np.ones((2, 3), np.float32)
    with pytest.raises(NotImplementedError, match="vmap_method"):
        jtrans.vmap(lambda x: _pc(x, 1.0, None))(xb)
    with pytest.raises(ValueError, match="do not support JVP"):
        jtrans.grad(lambda x: jnp.sum(_pc(x, 1.0)))(xb)
    with pytest.raises(ValueError, match="shape"):
        pure_callback(lambda x: x[:1], jtrans.ShapeDtypeStruct((2,), jnp.float32), xb[0, :2])
    # NumPy's float64 results are narrowed to the declared float32
    out = pure_callback(lambda x: x.astype(np.float64) * 2, jtrans.ShapeDtypeStruct((3,), jnp.float32),
                        xb[0])  # fmt: skip
    assert out.dtype == np.float32


def test_pure_callback_with_custom_jvp_differentiates():
    @jtrans.custom_jvp
    def host_sin(x):
        return pure_callback(np.sin, jtrans.ShapeDtypeStruct(x.shape, x.dtype), x,
                             vmap_method="expand_dims")  # fmt: skip

    host_sin.defjvp(lambda p, t: (host_sin(p[0]), jnp.cos(p[0]) * t[0]))
    x = np.linspace(0, 1, 4).astype(np.float32)
    np.testing.assert_allclose(jtrans.grad(lambda x: jnp.sum(host_sin(x)))(x), np.cos(x), rtol=1e-6)
    np.testing.assert_allclose(jtrans.jit(jtrans.vmap(host_sin))(x[:, None]), np.sin(x[:, None]),
                               rtol=1e-6)  # fmt: skip
