"""jtrans.experimental.ode.odeint: exponential decay and a harmonic oscillator against their
closed forms, pytree states, gradients (adjoint method) with respect to y0, t and args against
finite differences, closures over traced values, jit and vmap."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.experimental.ode import odeint


def _decay(y, t, k):
    return -k * y


def test_exponential_decay_float32():
    ts = jnp.linspace(0.0, 3.0, 7)
    ys = odeint(_decay, jnp.array([1.0, -2.0]), ts, 0.9)
    assert ys.shape == (7, 2) and ys.dtype == np.float32
    ref = np.exp(-0.9 * np.asarray(ts, np.float64))[:, None] * np.array([1.0, -2.0])
    np.testing.assert_allclose(np.asarray(ys), ref, rtol=1e-5, atol=1e-6)


def test_harmonic_oscillator_pytree_state_float64(x64):
    def f(state, t, omega):
        return {"x": state["v"], "v": -(omega**2) * state["x"]}

    ts = np.linspace(0.0, 10.0, 21)
    out = odeint(f, {"x": 1.0, "v": 0.0}, ts, 2.0, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(out["x"]), np.cos(2 * ts), atol=1e-8)
    np.testing.assert_allclose(np.asarray(out["v"]), -2 * np.sin(2 * ts), atol=1e-8)
    assert out["x"].dtype == np.float64


def test_time_dependent_rhs_and_loose_tolerance(x64):
    # dy/dt = cos(t): y = y0 + sin(t)
    ts = np.array([0.0, 0.5, 1.7, 4.0])
    ys = odeint(lambda y, t: jnp.cos(t) * jnp.ones_like(y), np.array([0.3]), ts)
    np.testing.assert_allclose(np.asarray(ys)[:, 0], 0.3 + np.sin(ts), atol=2e-7)
    loose = odeint(lambda y, t: jnp.cos(t) * jnp.ones_like(y), np.array([0.3]), ts,
                   rtol=1e-3, atol=1e-3)  # fmt: skip
    np.testing.assert_allclose(np.asarray(loose)[:, 0], 0.3 + np.sin(ts), atol=1e-2)


def _loss(y0, k, w, ts):
    def f(y, t, k, w):
        return -k * y + w * jnp.sin(t)

    return jnp.sum(odeint(f, y0, ts, k, w) ** 2)


def _fd(f, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def test_grad_wrt_y0_args_and_times_vs_finite_differences(x64):
    y0, k, w = np.array([1.0, 2.0]), np.array(0.7), np.array(0.3)
    ts = np.linspace(0.0, 2.0, 4)
    g_y0, g_k, g_w, g_ts = jtrans.grad(_loss, argnums=(0, 1, 2, 3))(y0, k, w, ts)
    np.testing.assert_allclose(np.asarray(g_y0), _fd(lambda a: _loss(a, k, w, ts), y0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(g_k), _fd(lambda a: _loss(y0, a, w, ts), k), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(g_w), _fd(lambda a: _loss(y0, k, a, ts), w), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(g_ts), _fd(lambda a: _loss(y0, k, w, a), ts), rtol=1e-5)
    # under jit, the same
    g_jit = jtrans.jit(jtrans.grad(_loss, argnums=(0, 1)))(y0, k, w, ts)
    np.testing.assert_allclose(np.asarray(g_jit[0]), np.asarray(g_y0), rtol=1e-8)
    np.testing.assert_allclose(np.asarray(g_jit[1]), np.asarray(g_k), rtol=1e-8)


def test_grad_through_closure_over_a_traced_value(x64):
    ts = np.array([0.0, 1.0])

    def final(k):
        return odeint(lambda y, t: -k * y, np.array(1.5), ts)[-1]

    g = jtrans.grad(final)(0.4)
    np.testing.assert_allclose(float(g), -1.5 * np.exp(-0.4), rtol=1e-7)


def test_jit_and_vmap():
    ts = jnp.linspace(0.0, 1.0, 3)
    solve = jtrans.jit(lambda y0, k: odeint(_decay, y0, ts, k))
    ys = solve(jnp.array([1.0, 2.0]), 0.5)
    np.testing.assert_allclose(np.asarray(ys)[-1], np.exp(-0.5) * np.array([1.0, 2.0]), rtol=1e-5)
    ks = jnp.array([0.1, 1.0, 2.0])
    batched = jtrans.vmap(lambda k: odeint(_decay, jnp.array(1.0), ts, k))(ks)
    assert batched.shape == (3, 3)
    np.testing.assert_allclose(np.asarray(batched),
                               np.exp(-np.outer(np.asarray(ks), np.asarray(ts))), rtol=1e-5)  # fmt: skip


def test_bad_arguments():
    with pytest.raises(TypeError, match="close over"):
        odeint(lambda y, t, g: g(y), jnp.array(1.0), jnp.array([0.0, 1.0]), jnp.sin)
    with pytest.raises(ValueError, match="1-D"):
        odeint(_decay, jnp.array(1.0), jnp.array(1.0), 0.5)
