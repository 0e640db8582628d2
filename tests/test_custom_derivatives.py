"""custom_jvp, custom_vjp, checkpoint (remat) and stop_gradient under grad, jvp, vmap, jit and
nesting, including JAX's documented examples (log1pexp, clip_gradient)."""

import warnings
from functools import partial

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.interpreters import ad
from jtrans.interpreters.custom_derivatives import (
    checkpoint,
    checkpoint_policies,
    closure_convert,
    custom_jvp,
    custom_vjp,
    remat,
    stop_gradient,
)

grad, jit, vmap, jvp = jtrans.grad, jtrans.jit, jtrans.vmap, jtrans.jvp


def _np(x):
    # np.asarray of the buffer: an Array made by ad's add_any may hold a NumPy scalar
    return np.asarray(x._value if isinstance(x, jtrans.Array) else x)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def prim_names(closed):
    return [e.prim.name for e in closed.jaxpr.eqns]


# ---------------------------------------------------------------------------------------------
# custom_jvp: JAX's log1pexp


@custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    ans = log1pexp(x)
    return ans, x_dot * (1 - 1 / (1 + jnp.exp(x)))


def naive_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@pytest.fixture(autouse=True)
def _quiet_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # exp(100) overflows in float32
        yield


def test_log1pexp_stable_at_100():
    assert np.isnan(float(grad(naive_log1pexp)(100.0)))  # the problem the rule solves
    assert float(grad(log1pexp)(100.0)) == 1.0
    assert float(jit(grad(log1pexp))(100.0)) == 1.0
    assert float(grad(jit(log1pexp))(100.0)) == 1.0


def test_log1pexp_eager_value_and_jvp():
    close(log1pexp(3.0), np.log1p(np.exp(3.0)))
    y, t = jvp(log1pexp, (3.0,), (2.0,))
    close(y, np.log1p(np.exp(3.0)))
    close(t, 2.0 / (1 + np.exp(-3.0)))


def test_log1pexp_vmap_both_orders():
    xs = jnp.asarray([-2.0, 0.0, 1.0, 100.0])
    want = 1 / (1 + np.exp(-np.asarray([-2.0, 0.0, 1.0, 100.0])))
    close(vmap(grad(log1pexp))(xs), want)
    close(grad(lambda x: jnp.sum(vmap(log1pexp)(x)))(xs), want)
    close(jit(vmap(grad(log1pexp)))(xs), want)


def test_log1pexp_second_order_uses_rule():
    # d2/dx2 log1pexp = sigmoid'(x); the rule's tangent is differentiated (it calls log1pexp)
    s = 1 / (1 + np.exp(-1.5))
    close(grad(grad(log1pexp))(1.5), s * (1 - s))


def test_custom_jvp_stays_in_jaxpr():
    closed = jtrans.make_jaxpr(log1pexp)(1.0)
    assert prim_names(closed) == ["custom_jvp_call"]
    assert "jvp_fun=log1pexp_jvp" in str(closed)
    inner = closed.jaxpr.eqns[0].params["call_jaxpr"]
    assert prim_names(inner) == ["exp", "add", "log"]
    # evaluating the staged jaxpr gives the function; a later grad of jit still uses the rule
    close(jtrans.core.jaxpr_as_fun(closed)(jnp.asarray(2.0))[0], np.log1p(np.exp(2.0)))
    close(grad(jit(log1pexp))(100.0), 1.0)


def test_custom_jvp_rule_is_used_not_the_function():
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvp(lambda p, t: (f(p[0]), 10.0 * t[0]))
    assert float(grad(f)(0.3)) == 10.0
    assert float(jvp(f, (0.3,), (1.0,))[1]) == 10.0
    close(vmap(grad(f))(jnp.ones(3)), 10.0 * np.ones(3))
    close(grad(lambda x: jnp.sum(vmap(f)(x)))(jnp.ones(3)), 10.0 * np.ones(3))
    close(jtrans.linearize(f, 0.3)[1](1.0), 10.0)
    close(grad(grad(lambda x: f(x) * x))(0.3), 20.0)  # d/dx (10 x + f(x)) = 10 + 10


def test_custom_jvp_defjvps_and_two_args():
    @custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    f.defjvps(
        lambda x_dot, ans, x, y: jnp.cos(x) * x_dot * y,
        lambda y_dot, ans, x, y: jnp.sin(x) * y_dot,
    )
    close(grad(f)(3.0, 4.0), np.cos(3.0) * 4.0)
    close(grad(f, 1)(3.0, 4.0), np.sin(3.0))
    gx, gy = grad(f, (0, 1))(3.0, 4.0)
    close(gx, np.cos(3.0) * 4.0)
    close(gy, np.sin(3.0))
    close(jvp(f, (3.0, 4.0), (1.0, 2.0))[1], np.cos(3.0) * 4.0 + 2 * np.sin(3.0))
    xs, ys = jnp.asarray([1.0, 2.0]), jnp.asarray([3.0, 4.0])
    close(vmap(grad(f))(xs, ys), np.cos([1.0, 2.0]) * np.asarray([3.0, 4.0]))
    # unbatched second argument
    close(grad(lambda x: jnp.sum(vmap(f, (0, None))(x, 2.0)))(xs), 2 * np.cos([1.0, 2.0]))
    close(grad(f)(3.0, y=4.0), np.cos(3.0) * 4.0)  # keywords resolve to positions


def test_custom_jvp_nondiff_argnums():
    @partial(custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
        return app(f, primals[0]), 2.0 * tangents[0]

    assert float(grad(lambda x: app(jnp.sin, x))(1.0)) == 2.0
    assert float(jit(grad(lambda x: app(jnp.sin, x)))(1.0)) == 2.0
    close(vmap(grad(lambda x: app(jnp.sin, x)))(jnp.ones(2)), [2.0, 2.0])


def test_custom_jvp_pytrees():
    @custom_jvp
    def f(d):
        return {"a": d["x"] * d["y"], "b": (d["x"],)}

    @f.defjvp
    def f_jvp(primals, tangents):
        (d,), (dt,) = primals, tangents
        return f(d), {"a": dt["x"] * d["y"] + d["x"] * dt["y"], "b": (dt["x"],)}

    g = grad(lambda d: f(d)["a"] + 3 * f(d)["b"][0])({"x": 2.0, "y": 5.0})
    close(g["x"], 8.0)
    close(g["y"], 2.0)


def test_custom_jvp_zero_tangents_instantiated():
    seen = []

    @custom_jvp
    def f(x, y):
        return x * y

    @f.defjvp
    def f_jvp(primals, tangents):
        seen.append(tangents)
        return f(*primals), tangents[0] * primals[1] + primals[0] * tangents[1]

    close(grad(f)(2.0, 3.0), 3.0)  # y has no tangent: it arrives as an array of zeros
    assert not any(type(t) is ad.Zero for t in seen[-1])
    assert float(np.asarray(seen[-1][1])) == 0.0


def test_custom_jvp_errors():
    @custom_jvp
    def f(x):
        return x

    with pytest.raises(AttributeError, match="defjvp"):
        jit(f)(1.0)
    f.defjvp(lambda p, t: (p[0], jnp.ones(3)))
    with pytest.raises(ValueError, match="shape"):
        grad(f)(1.0)
    f.defjvp(lambda p, t: p[0])
    with pytest.raises(TypeError, match="pair"):
        grad(f)(1.0)


def test_custom_jvp_closure_over_staged_value():
    def outer(w):
        @custom_jvp
        def f(x):
            return jnp.sin(x) * w

        f.defjvp(lambda p, t: (f(p[0]), jnp.cos(p[0]) * t[0] * w))
        return f

    # w is a tracer of jit's trace, closed over by f: it becomes an argument of the call
    g = jit(lambda w, x: grad(outer(w))(x))
    close(g(3.0, 0.5), 3.0 * np.cos(0.5))


# ---------------------------------------------------------------------------------------------
# custom_vjp: JAX's clip_gradient


@custom_vjp
def clip_gradient(lo, hi, x):
    return x  # identity function


def clip_gradient_fwd(lo, hi, x):
    return x, (lo, hi)  # save bounds as residuals


def clip_gradient_bwd(res, g):
    lo, hi = res
    return (None, None, lax.clamp(lo, g, hi))  # use None to indicate zero cotangents


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


def clipped(x):
    return clip_gradient(-0.75, 0.75, jnp.sin(x) * 3.0)


def test_clip_gradient():
    xs = [0.1, 1.5, 2.0, -2.9]
    want = [np.clip(1.0, -0.75, 0.75) * 3 * np.cos(x) for x in xs]
    for x, w in zip(xs, want):
        close(grad(clipped)(x), w)
        close(jit(grad(clipped))(x), w)
        close(grad(jit(clipped))(x), w)
    close(vmap(grad(clipped))(jnp.asarray(xs)), want)
    close(grad(lambda x: jnp.sum(vmap(clipped)(x)))(jnp.asarray(xs)), want)
    close(clipped(0.2), 3 * np.sin(0.2))


def test_clip_gradient_jaxprs():
    closed = jtrans.make_jaxpr(clipped)(1.0)
    assert prim_names(closed) == ["sin", "mul", "custom_vjp_call"]
    assert "fwd=clip_gradient_fwd" in str(closed) and "bwd=clip_gradient_bwd" in str(closed)
    g = jtrans.make_jaxpr(grad(clipped))(1.0)
    assert "custom" not in str(g)  # bwd was traced into ordinary equations


def test_custom_vjp_forward_mode_error():
    msg = "forward-mode.*custom_vjp.*custom_jvp"
    with pytest.raises(TypeError, match=msg):
        jvp(clipped, (1.0,), (1.0,))
    with pytest.raises(TypeError, match=msg):
        jit(lambda x: jvp(clipped, (x,), (1.0,)))(1.0)
    with pytest.raises(TypeError, match=msg):
        jtrans.linearize(clipped, 1.0)[1](1.0)


def _cv_mul():
    @custom_vjp
    def f(x, w):
        return jnp.sum(x * w)

    def fwd(x, w):
        return f(x, w), (x, w)

    def bwd(res, g):
        x, w = res
        return g * w, g * x

    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_per_example_vmap():
    f = _cv_mul()
    xs = jnp.asarray(np.arange(6.0).reshape(2, 3).astype(np.float32))
    w = jnp.asarray([1.0, 2.0, 3.0])
    # per-example gradients with respect to the shared w
    close(vmap(grad(f, 1), (0, None))(xs, w), np.arange(6.0).reshape(2, 3))
    # the gradient of the batch loss sums them (the unbatched input's cotangent)
    close(grad(lambda w: jnp.sum(vmap(f, (0, None))(xs, w)))(w), [3.0, 5.0, 7.0])
    close(vmap(grad(f, 0), (0, None))(xs, w), np.tile([1.0, 2.0, 3.0], (2, 1)))


def test_custom_vjp_nested_and_jit():
    f = _cv_mul()
    # d/dx (x * grad(f(y, y))(x)) = d/dx (2 x^2) = 4x
    close(grad(lambda x: grad(lambda y: f(y, y))(x) * x)(2.0), 8.0)
    close(jit(grad(lambda x: f(x, x)))(jnp.asarray([1.0, 2.0])), [2.0, 4.0])
    close(grad(jit(lambda x: f(x, x)))(jnp.asarray([1.0, 2.0])), [2.0, 4.0])
    # reverse-over-reverse: the bwd rule is itself differentiated
    close(grad(lambda x: grad(lambda y: f(y, y))(x))(3.0), 2.0)


def test_custom_vjp_nondiff_argnums_and_pytrees():
    @partial(custom_vjp, nondiff_argnums=(1,))
    def scale(x, k):
        return {"y": x["a"] * k}

    def fwd(x, k):
        return scale(x, k), None

    def bwd(k, res, ct):
        return ({"a": ct["y"] * k * 10.0},)

    scale.defvjp(fwd, bwd)
    g = grad(lambda a: scale({"a": a}, 2.0)["y"])(1.0)
    close(g, 20.0)
    close(vmap(grad(lambda a: scale({"a": a}, 2.0)["y"]))(jnp.ones(3)), 20.0 * np.ones(3))


def test_custom_vjp_bwd_errors():
    @custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (f(x, y), None), lambda res, g: (g,))
    with pytest.raises(TypeError, match="one cotangent per"):
        grad(f)(1.0, 2.0)
    f.defvjp(lambda x, y: (f(x, y), None), lambda res, g: (jnp.ones(2), None))
    with pytest.raises(ValueError, match="shape"):
        grad(f)(1.0, 2.0)


def test_custom_vjp_closure_error_and_closure_convert():
    def loss(w, x):
        @custom_vjp
        def f(x):
            return x * w

        f.defvjp(lambda x: (f(x), None), lambda res, g: (g * w,))
        return f(x)

    with pytest.raises(TypeError, match="closure_convert"):
        grad(loss)(2.0, 3.0)

    def loss2(w, x):
        fn, consts = closure_convert(lambda x: x * w, x)

        @custom_vjp
        def f(x, *consts):
            return fn(x, *consts)

        def fwd(x, *consts):
            return f(x, *consts), (x, consts)

        def bwd(res, g):
            x, consts = res
            return jtrans.vjp(fn, x, *consts)[1](g)

        f.defvjp(fwd, bwd)
        return f(x, *consts)

    close(grad(loss2)(2.0, 3.0), 3.0)
    close(grad(loss2, 1)(2.0, 3.0), 2.0)


# ---------------------------------------------------------------------------------------------
# checkpoint / remat


def sin3(x):
    return jnp.sin(jnp.sin(jnp.sin(x)))


def num_residuals(f, x):
    _, _, consts = ad.linearize_flat(lambda x: [f(x)], [jnp.asarray(x)])
    return len(consts)


def test_checkpoint_saves_only_inputs():
    x = np.linspace(0.1, 1.0, 4).astype(np.float32)
    assert num_residuals(sin3, x) == 3  # cos of each intermediate
    assert num_residuals(checkpoint(sin3), x) == 1  # x alone; the rest is recomputed
    assert num_residuals(checkpoint(sin3, policy=checkpoint_policies.nothing_saveable), x) == 1
    assert num_residuals(checkpoint(sin3, policy=checkpoint_policies.everything_saveable), x) == 3

    def two_blocks(x):
        return checkpoint(sin3)(checkpoint(sin3)(x))

    assert num_residuals(two_blocks, x) == 2  # each block's input
    _, lin, _ = ad.linearize_flat(lambda x: [checkpoint(sin3)(x)], [jnp.asarray(x)])
    (eqn,) = lin.eqns
    assert eqn.prim.name == "checkpoint"  # the tangent part recomputes sin, cos inside
    assert prim_names(eqn.params["jaxpr"]) == ["sin", "cos", "mul"] * 2 + ["cos", "mul"]


def test_checkpoint_values_and_derivatives():
    x = jnp.asarray(np.linspace(-1.0, 1.0, 5).astype(np.float32))

    def loss(f):
        return lambda x: jnp.sum(f(x) * 2.0)

    want = grad(loss(sin3))(x)
    for f in [checkpoint(sin3), remat(sin3), jit(checkpoint(sin3)), checkpoint(jit(sin3))]:
        close(f(x), sin3(x))
        close(grad(loss(f))(x), want)
        close(jit(grad(loss(f)))(x), want)
        close(grad(jit(loss(f)))(x), want)
        close(vmap(grad(lambda x, f=f: f(x) * 2.0))(x), want)
        close(jvp(f, (x,), (jnp.ones(5),))[1], jvp(sin3, (x,), (jnp.ones(5),))[1])
    close(grad(grad(lambda x: checkpoint(sin3)(x)))(0.7), grad(grad(sin3))(0.7))
    nested = checkpoint(lambda x: checkpoint(sin3)(checkpoint(sin3)(x)))
    close(grad(loss(nested))(x), grad(loss(lambda x: sin3(sin3(x))))(x))


def test_checkpoint_jaxpr_and_static_argnums():
    closed = jtrans.make_jaxpr(checkpoint(sin3))(1.0)
    assert prim_names(closed) == ["checkpoint"]
    assert prim_names(closed.jaxpr.eqns[0].params["jaxpr"]) == ["sin", "sin", "sin"]

    @partial(checkpoint, static_argnums=(1,))
    def pw(x, n):
        for _ in range(n):  # n is a Python int
            x = jnp.sin(x)
        return x

    close(grad(lambda x: pw(x, 3))(0.5), grad(sin3)(0.5))


def test_checkpoint_closure_over_tracer():
    # checkpointed function closing over the differentiated variable
    g = grad(lambda x: checkpoint(lambda y: jnp.sin(y) * x)(x))
    close(g(2.0), np.cos(2.0) * 2.0 + np.sin(2.0))


# ---------------------------------------------------------------------------------------------
# stop_gradient


def test_stop_gradient():
    assert float(grad(lambda x: x * stop_gradient(x))(3.0)) == 3.0
    assert float(jvp(lambda x: stop_gradient(x) ** 2, (3.0,), (1.0,))[1]) == 0.0
    close(vmap(grad(lambda x: x * stop_gradient(x) ** 2))(jnp.asarray([1.0, 2.0])), [1.0, 4.0])
    close(jit(grad(lambda x: x * stop_gradient(x)))(3.0), 3.0)
    close(grad(grad(lambda x: x**3 + stop_gradient(x**3)))(2.0), 12.0)
    assert prim_names(jtrans.make_jaxpr(stop_gradient)(1.0)) == ["stop_gradient"]
    out = stop_gradient({"a": 1.0, "b": (jnp.asarray([1, 2]),)})
    assert out["b"][0].dtype == np.int32 and float(out["a"]) == 1.0
    closed = jtrans.make_jaxpr(lambda x: stop_gradient(x * 2))(jnp.ones(2))
    assert prim_names(closed) == ["mul", "stop_gradient"]


# ---------------------------------------------------------------------------------------------
# more compositions


def test_compositions_of_custom_rules():
    xs = jnp.asarray([0.1, 1.5, 2.0])
    want_clip = [np.clip(1.0, -0.75, 0.75) * 3 * np.cos(x) for x in [0.1, 1.5, 2.0]]
    close(vmap(grad(jit(clipped)))(xs), want_clip)
    close(jtrans.jacrev(vmap(clipped))(xs), np.diag(want_clip))
    s = 1 / (1 + np.exp(-np.asarray([0.1, 1.5, 2.0])))
    close(jtrans.jacfwd(vmap(log1pexp))(xs), np.diag(s))
    close(jtrans.hessian(lambda x: jnp.sum(vmap(log1pexp)(x)))(xs), np.diag(s * (1 - s)))
    ones = jnp.ones((2, 3))
    s1 = 1 / (1 + np.exp(-1.0))
    close(vmap(vmap(grad(log1pexp)))(ones), np.full((2, 3), s1))
    close(grad(lambda x: jnp.sum(vmap(vmap(log1pexp))(x)))(ones), np.full((2, 3), s1))
    closed = jtrans.make_jaxpr(vmap(log1pexp))(xs)
    assert prim_names(closed) == ["custom_jvp_call"]  # batching keeps the rule
    assert "jvp_fun=vmap(log1pexp_jvp)" in str(closed)


def test_hessian_of_custom_vjp_is_forward_mode_error():
    # as in JAX: forward-over-reverse runs fwd under the outer JVP, which has no rule
    f = _cv_mul()
    with pytest.raises(TypeError, match="forward-mode"):
        jtrans.hessian(lambda x: f(x, x))(jnp.ones(2))
