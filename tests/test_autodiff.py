"""Autodiff acceptance tests: grad/value_and_grad/jvp/vjp/linearize/linear_transpose and the
Jacobians on pytrees, error messages, nesting, Autograd's tanh example to 6th order, a 200x200
Hessian, Python control flow, and DCE'd gradient jaxprs."""

import collections

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.interpreters import partial_eval as pe
from jtrans.test_util import check_grads

grad, jit, vmap, jvp, vjp = jtrans.grad, jtrans.jit, jtrans.vmap, jtrans.jvp, jtrans.vjp

Point = collections.namedtuple("Point", ["x", "y"])


def _np(x):
    # np.asarray of the buffer: an Array made by ad's add_any may hold a NumPy scalar
    return np.asarray(x._value if isinstance(x, jtrans.Array) else x)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def tree_close(a, b, tol=1e-5):
    la, ta = jtrans.tree_flatten(a)
    lb, tb = jtrans.tree_flatten(b)
    assert ta == tb, (ta, tb)
    for x, y in zip(la, lb):
        close(x, y, tol)


def fd_grad(f, x, eps=1e-6):
    """Central differences of scalar f at float64 array x."""
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(_np(f(x + e))) - float(_np(f(x - e)))) / (2 * eps)
    return g


# ---------------------------------------------------------------------------------------------
# grad, value_and_grad, argnums, has_aux


def f2(x, y):
    return jnp.sin(x) * y**2


def test_grad_argnums():
    close(grad(f2)(1.0, 2.0), np.cos(1.0) * 4)
    close(grad(f2, argnums=1)(1.0, 2.0), np.sin(1.0) * 4)
    gx, gy = grad(f2, argnums=(0, 1))(1.0, 2.0)
    close(gx, np.cos(1.0) * 4)
    close(gy, np.sin(1.0) * 4)
    (gy_only,) = grad(f2, argnums=(1,))(1.0, 2.0)
    close(gy_only, np.sin(1.0) * 4)
    close(grad(f2, argnums=-1)(1.0, 2.0), np.sin(1.0) * 4)


def test_grad_has_aux_and_value_and_grad():
    def f(x):
        return jnp.sum(x**2), {"mean": jnp.mean(x)}

    x = jnp.asarray([1.0, 2.0, 3.0])
    g, aux = grad(f, has_aux=True)(x)
    close(g, [2.0, 4.0, 6.0])
    close(aux["mean"], 2.0)
    (v, aux), g = jtrans.value_and_grad(f, has_aux=True)(x)
    close(v, 14.0)
    close(g, [2.0, 4.0, 6.0])
    v, (gx, gy) = jtrans.value_and_grad(f2, argnums=(0, 1))(1.0, 2.0)
    close(v, np.sin(1.0) * 4)
    close(gx, np.cos(1.0) * 4)
    close(gy, np.sin(1.0) * 4)


def test_grad_pytree_inputs():
    def loss(params, x):
        return jnp.sum(jnp.tanh(params["w"] * x + params["b"][0]) * params["p"].y)

    params = {"w": jnp.asarray([1.0, -2.0]), "b": (0.5,), "p": Point(1.0, 3.0)}
    x = jnp.asarray([0.3, 0.7])
    g = grad(loss)(params, x)
    assert set(g) == {"w", "b", "p"} and isinstance(g["p"], Point) and isinstance(g["b"], tuple)
    t = np.tanh(np.asarray([1.0, -2.0]) * [0.3, 0.7] + 0.5)
    close(g["w"], 3 * (1 - t**2) * [0.3, 0.7])
    close(g["b"][0], np.sum(3 * (1 - t**2)))
    close(g["p"].y, np.sum(t))
    close(g["p"].x, 0.0)


# ---------------------------------------------------------------------------------------------
# jvp, vjp, linearize, linear_transpose on pytrees


def pf(d):
    a, (b, p) = d["a"], d["bp"]
    return {"u": jnp.sin(a) * b, "v": Point(p.x * p.y, a + p.y)}


PRIMAL = {"a": 0.5, "bp": (2.0, Point(3.0, -1.0))}
TANGENT = {"a": 1.0, "bp": (0.5, Point(-1.0, 2.0))}


def test_jvp_pytrees():
    out, t = jvp(pf, (PRIMAL,), (TANGENT,))
    assert isinstance(out["v"], Point) and isinstance(t["v"], Point)
    close(out["u"], np.sin(0.5) * 2)
    close(t["u"], np.cos(0.5) * 1.0 * 2 + np.sin(0.5) * 0.5)
    close(t["v"].x, -1.0 * -1.0 + 3.0 * 2.0)
    close(t["v"].y, 1.0 + 2.0)


def test_vjp_and_linearize_pytrees():
    out, f_vjp = vjp(pf, PRIMAL)
    ct = {"u": 1.0, "v": Point(2.0, 3.0)}
    (g,) = f_vjp(ct)
    assert isinstance(g["bp"][1], Point)
    close(g["a"], np.cos(0.5) * 2 + 3.0)
    close(g["bp"][0], np.sin(0.5))
    close(g["bp"][1].x, 2.0 * -1.0)
    close(g["bp"][1].y, 2.0 * 3.0 + 3.0)
    out2, f_lin = jtrans.linearize(pf, PRIMAL)
    tree_close(out2, out)
    tree_close(f_lin(TANGENT), jvp(pf, (PRIMAL,), (TANGENT,))[1])


def test_linear_transpose_pytrees():
    def lin(d):
        return (2.0 * d["x"] + d["y"][0], d["y"][0] - d["y"][1])

    primal = {"x": jnp.ones(3), "y": (jnp.ones(3), jnp.ones(3))}
    f_t = jtrans.linear_transpose(lin, primal)
    (ct,) = f_t((jnp.asarray([1.0, 2.0, 3.0]), jnp.asarray([1.0, 1.0, 1.0])))
    close(ct["x"], [2.0, 4.0, 6.0])
    close(ct["y"][0], [2.0, 3.0, 4.0])
    close(ct["y"][1], [-1.0, -1.0, -1.0])


# ---------------------------------------------------------------------------------------------
# jacobians on pytrees vs finite differences


def jf(p):
    return {"s": jnp.sin(p["a"]) * p["b"][0], "t": jnp.sum(p["a"] ** 2) * p["b"][1]}


def test_jacobians_pytrees(x64):
    p = {"a": jnp.asarray([0.3, -0.4, 1.1]), "b": (2.0, -0.5)}
    a = np.asarray([0.3, -0.4, 1.1])
    jr, jfw = jtrans.jacrev(jf)(p), jtrans.jacfwd(jf)(p)
    tree_close(jr, jfw, 1e-10)
    close(jr["s"]["a"], np.diag(np.cos(a) * 2.0))
    close(jr["s"]["b"][0], np.sin(a))
    close(jr["t"]["a"], 2 * a * -0.5)
    close(jr["t"]["b"][1], np.sum(a**2))

    def s_k(v, k):
        return jf({"a": v, "b": (2.0, -0.5)})["s"][k]

    for k in range(3):
        close(jr["s"]["a"][k], fd_grad(lambda v, k=k: s_k(v, k), a), 1e-6)
    close(jr["t"]["a"], fd_grad(lambda v: jf({"a": v, "b": (2.0, -0.5)})["t"], a), 1e-6)


def test_hessian_pytree(x64):
    def f(p):
        return jnp.sum(jnp.sin(p["x"]) * p["y"]) ** 2

    p = {"x": jnp.asarray([0.1, 0.2]), "y": jnp.asarray([1.0, 3.0])}
    h = jtrans.hessian(f)(p)
    assert set(h) == {"x", "y"} and set(h["x"]) == {"x", "y"}
    x, y = np.asarray([0.1, 0.2]), np.asarray([1.0, 3.0])

    def gx(xv):
        return np.asarray(grad(f)({"x": xv, "y": y})["x"])

    eps = 1e-6
    fd = np.stack([(gx(x + eps * e) - gx(x - eps * e)) / (2 * eps) for e in np.eye(2)], -1)
    close(h["x"]["x"], fd, 1e-6)


# ---------------------------------------------------------------------------------------------
# error messages


def test_grad_integer_input_error():
    with pytest.raises(TypeError, match="int32"):
        grad(lambda x: x * 2)(3)
    with pytest.raises(TypeError, match="int32"):
        grad(lambda x: jnp.sum(x))(jnp.asarray([1, 2]))


def test_grad_nonscalar_output_error():
    with pytest.raises(TypeError, match=r"\(3,\)") as e:
        grad(lambda x: x * 2)(jnp.ones(3))
    assert "jacrev" in str(e.value) and "vjp" in str(e.value)


def test_gradient_converts_to_numpy():
    # np.asarray of a scalar gradient (its buffer comes from add_any) must give an ndarray
    g = grad(lambda x: x * x)(3.0)
    assert isinstance(np.asarray(g), np.ndarray) and float(np.asarray(g)) == 6.0


# ---------------------------------------------------------------------------------------------
# nesting


def test_nested_grad_closure_no_perturbation_confusion():
    assert float(grad(lambda x: x * grad(lambda y: x + y)(1.0))(2.0)) == 1.0
    # the inner derivative must not see the outer x as a function of y
    close(grad(lambda x: grad(lambda y: x * y)(x))(3.0), 1.0)


def test_nested_jvp_in_grad_and_grad_in_jvp(x64):
    def f(x):
        return jnp.sin(x) * jnp.exp(x)

    def df(x):  # jvp inside
        return jvp(f, (x,), (1.0,))[1]

    def d2f(x):
        return jnp.exp(x) * 2 * jnp.cos(x)

    for x in [0.3, -1.2]:
        close(grad(df)(x), d2f(x))
        close(jvp(grad(f), (x,), (1.0,))[1], d2f(x))
        close(grad(df)(x), fd_grad(lambda v: grad(f)(v[()]), np.asarray(x)), 1e-6)
    check_grads(lambda x: vmap(grad(f))(x), (np.asarray([0.7, -0.1]),), order=2)


# ---------------------------------------------------------------------------------------------
# Autograd's tanh example


def tanh(x):
    y = jnp.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)


def elementwise_grad(f):
    return vmap(grad(f))


def test_tanh_six_derivatives(x64):
    xs = jnp.linspace(-7, 7, 200)
    fns = [tanh]
    for _ in range(6):
        fns.append(grad(fns[-1]))
    for k, fn in enumerate(fns[1:], 1):
        d = vmap(fn)(xs)
        assert d.shape == (200,) and d.dtype == np.float64
        assert np.isfinite(_np(d)).all(), f"derivative {k} has non-finite values"
    close(elementwise_grad(tanh)(xs), 1 - np.tanh(np.linspace(-7, 7, 200)) ** 2, 1e-9)

    pts = np.linspace(-2.5, 2.5, 20)
    t = np.tanh(pts)
    closed_forms = [
        1 - t**2,
        -2 * t * (1 - t**2),
        (1 - t**2) * (6 * t**2 - 2),
        8 * t * (1 - t**2) * (2 - 3 * t**2),
    ]
    for k, want in enumerate(closed_forms, 1):
        close(vmap(fns[k])(jnp.asarray(pts)), want, 1e-8)
        close([fns[k](float(p)) for p in pts[::5]], want[::5], 1e-8)  # elementwise, eager


# ---------------------------------------------------------------------------------------------
# a 200x200 Hessian


def test_hessian_tanh_layer(x64):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((200, 200)) / np.sqrt(200)
    x = rng.standard_normal(200)
    Wj = jnp.asarray(W)

    def f(x):
        return jnp.sum(jnp.tanh(Wj @ x))

    h = jtrans.hessian(f)(jnp.asarray(x))
    assert h.shape == (200, 200)
    t = np.tanh(W @ x)
    want = W.T @ np.diag(-2 * t * (1 - t**2)) @ W  # closed form
    close(h, want, 1e-9)
    close(jtrans.jacfwd(jtrans.jacrev(f))(jnp.asarray(x)), want, 1e-9)
    close(jtrans.jacrev(jtrans.jacfwd(f))(jnp.asarray(x)), want, 1e-9)
    # finite differences of grad along a few coordinates
    g = grad(f)
    eps = 1e-6
    for i in [0, 57, 199]:
        e = np.zeros(200)
        e[i] = eps
        fd = (_np(g(jnp.asarray(x + e))) - _np(g(jnp.asarray(x - e)))) / (2 * eps)
        close(_np(h)[:, i], fd, 1e-6)


# ---------------------------------------------------------------------------------------------
# Python control flow on concrete values


def test_python_control_flow():
    def loop(x):
        i = 0
        while i < 4:  # a concrete counter
            x = jnp.sin(x) + x
            i += 1
        return x

    def branch(x):
        if x > 0:  # the primal value is concrete under eager grad
            return x**3
        return -2.0 * x

    def rec(x, n):
        return x if n == 0 else jnp.cos(rec(x, n - 1))

    def closure(a):
        def inner(x):
            return a * x**2

        return grad(inner)

    for fn in [loop, lambda x: rec(x, 3)]:
        check_grads(fn, (np.asarray([0.4, -0.3], np.float32),), order=2)
    close(grad(branch)(2.0), 12.0)
    close(grad(branch)(-2.0), -2.0)
    close(grad(grad(branch))(2.0), 12.0)
    close(closure(3.0)(2.0), 12.0)
    close(grad(lambda a: closure(a)(2.0))(3.0), 4.0)
    close(grad(lambda x: sum(x**i for i in range(4)))(2.0), 1 + 4 + 12)


# ---------------------------------------------------------------------------------------------
# no dead work in gradient jaxprs


def dce_names(f, *args):
    closed = jtrans.make_jaxpr(grad(f))(*args)
    jaxpr = pe.dce_jaxpr(closed.jaxpr)[0]
    core_used = set()
    for eqn in jaxpr.eqns:  # every equation's result is read by a later one or the output
        core_used.update(v for v in eqn.invars if isinstance(v, jtrans.core.Var))
    for eqn in jaxpr.eqns:
        assert any(v in core_used or v in jaxpr.outvars for v in eqn.outvars), eqn.prim.name
    return [e.prim.name for e in jaxpr.eqns]


def test_grad_jaxprs_have_no_dead_work():
    assert dce_names(lambda x: jnp.sin(x), 1.0) == ["cos", "mul"]
    assert dce_names(lambda x: jnp.exp(jnp.sin(x)), 1.0) == ["sin", "cos", "exp", "mul", "mul"]
    assert dce_names(lambda x: x * x * 3.0, 1.0) == ["mul", "mul", "mul", "add_any"]
    # jit's tracing applies the same DCE: the primal sin of grad(sin) is gone
    assert [e.prim.name for e in jit(grad(jnp.sin)).lower(1.0).jaxpr.eqns] == ["cos", "mul"]
