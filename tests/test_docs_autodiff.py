# ruff: noqa: F841, RUF059  (the docs' own idioms: unused assignments and unpackings)
"""JAX's differentiation documentation, ported by changing only the imports.

Pages: the Autodiff Cookbook (docs/notebooks/autodiff_cookbook.md), Automatic differentiation
(docs/automatic-differentiation.md), Advanced automatic differentiation
(docs/advanced-autodiff.md), Custom derivative rules for Python code
(docs/notebooks/Custom_derivative_rules_for_Python_code.md), Gradient checkpointing
(docs/gradient-checkpointing.md, docs/notebooks/autodiff_remat.md) and the examples in the
docstrings of jax.grad / jvp / linearize / vjp / jacfwd / jacrev / hessian / linear_transpose /
checkpoint. Examples already ported in tests/test_jax_docs_examples.py are not repeated here.
Each test checks the documented output (printed values, shapes, dtypes, the exception type) or,
where the page prints random values, a NumPy oracle.
"""

import collections
import math
from functools import partial

import numpy as np
import pytest

import jtrans as jax
import jtrans.numpy as jnp
from jtrans import custom_jvp, custom_vjp, grad, jacrev, jit, jvp, lax, random, vjp, vmap
from jtrans.ad_checkpoint import checkpoint_name, print_saved_residuals, saved_residuals

close = partial(np.testing.assert_allclose, rtol=1e-5, atol=1e-6)


def _sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def _predict(W, b, inputs):
    return _sigmoid(jnp.dot(inputs, W) + b)


_inputs = jnp.array(
    [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]]
)


def _Wb():
    key = random.key(0)
    key, W_key, b_key = random.split(key, 3)
    return random.normal(W_key, (3,)), random.normal(b_key, ())


# --------------------------------------------------------------------------------------------
# API docstrings (outputs printed in JAX's docs)
# --------------------------------------------------------------------------------------------


def test_docstring_grad_tanh():
    grad_tanh = jax.grad(jax.numpy.tanh)
    close(grad_tanh(0.2), 0.961043)


def test_docstring_jacfwd_jacrev():
    def f(x):
        return jnp.asarray([x[0], 5 * x[2], 4 * x[1] ** 2 - 2 * x[2], x[2] * jnp.sin(x[0])])

    expected = [[1.0, 0, 0], [0, 0, 5.0], [0, 16.0, -2.0], [1.6209, 0, 0.84147]]
    for jac in (jax.jacfwd, jax.jacrev):
        J = jac(f)(jnp.array([1.0, 2.0, 3.0]))
        assert J.shape == (4, 3) and J.dtype == jnp.float32
        close(J, expected, rtol=1e-4, atol=1e-4)


def test_docstring_hessian_and_its_tree_structure():
    g = lambda x: x[0] ** 3 - 2 * x[0] * x[1] - x[1] ** 6
    close(jax.hessian(g)(jax.numpy.array([1.0, 2.0])), [[6.0, -2.0], [-2.0, -480.0]])

    f = lambda dct: {"c": jnp.power(dct["a"], dct["b"])}
    H = jax.hessian(f)({"a": jnp.arange(2.0) + 1.0, "b": jnp.arange(2.0) + 2.0})
    assert set(H) == {"c"} and set(H["c"]) == {"a", "b"}
    assert set(H["c"]["a"]) == {"a", "b"} and set(H["c"]["b"]) == {"a", "b"}
    for leaf in jax.tree.leaves(H):
        assert leaf.shape == (2, 2, 2) and leaf.dtype == jnp.float32
    diag = lambda v: np.array([[[v[0], 0], [0, 0]], [[0, 0], [0, v[1]]]])
    close(H["c"]["a"]["a"], diag([2.0, 12.0]))
    close(H["c"]["a"]["b"], diag([1.0, 12.317766]), rtol=1e-5)
    close(H["c"]["b"]["a"], diag([1.0, 12.317766]), rtol=1e-5)
    close(H["c"]["b"]["b"], diag([0.0, 3.843624]), rtol=1e-5)


def test_docstring_jvp_sin():
    primals, tangents = jax.jvp(jax.numpy.sin, (0.1,), (0.2,))
    close(primals, 0.09983342)
    close(tangents, 0.19900084)


def test_docstring_linearize():
    def f(x):
        return 3.0 * jnp.sin(x) + jnp.cos(x / 2.0)

    y, t = jax.jvp(f, (2.0,), (3.0,))
    close(y, 3.2681944)
    close(t, -5.007528)
    # Python-scalar primals give weak-typed float32 results, as the docstring prints
    assert y.dtype == jnp.float32 and y.weak_type and t.weak_type
    y, f_jvp = jax.linearize(f, 2.0)
    close(y, 3.2681944)
    close(f_jvp(3.0), -5.007528)
    close(f_jvp(4.0), -6.676704)


def test_docstring_linearize_vmap_pushforward():
    # pushfwd = partial(jvp, f, (x,)); vmap(pushfwd, out_axes=(None, 0))((in_tangents,))
    f = lambda x: 3.0 * jnp.sin(x) + jnp.cos(x / 2.0)
    x = jnp.array([0.5, 2.0])
    in_tangents = jnp.array([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]])
    pushfwd = partial(jvp, f, (x,))
    y, out_tangents = vmap(pushfwd, out_axes=(None, 0))((in_tangents,))
    assert y.shape == (2,) and out_tangents.shape == (3, 2)
    _, f_jvp = jax.linearize(f, x)
    for t, o in zip(in_tangents, out_tangents):
        close(o, f_jvp(t))


def test_docstring_vjp_two_outputs():
    def f(x, y):
        return jax.numpy.sin(x), jax.numpy.cos(y)

    primals, f_vjp = jax.vjp(f, 0.5, 1.0)
    xbar, ybar = f_vjp((-0.7, 0.3))
    close(xbar, -0.61430776)
    close(ybar, -0.2524413)


def test_docstring_linear_transpose_with_shape_dtype_structs():
    f = lambda x, y: 0.5 * x - 0.5 * y
    scalar = jax.ShapeDtypeStruct(shape=(), dtype=np.dtype(np.float32))
    f_transpose = jax.linear_transpose(f, scalar, scalar)
    out = f_transpose(1.0)
    assert isinstance(out, tuple) and len(out) == 2
    close(out[0], 0.5)
    close(out[1], -0.5)
    assert out[0].dtype == jnp.float32 and out[1].dtype == jnp.float32


def test_docstring_checkpoint_value_and_grad():
    @jax.checkpoint
    def g(x):
        y = jnp.sin(x)
        z = jnp.sin(y)
        return z

    v, d = jax.value_and_grad(g)(2.0)
    close(v, 0.78907233)
    close(d, -0.2556391, rtol=1e-5)


def test_docstring_checkpoint_static_argnums():
    @partial(jax.checkpoint, static_argnums=(1,))
    def foo(x, is_training):
        if is_training:
            return jnp.sin(x)
        else:
            return jnp.cos(x)

    close(jax.grad(foo)(2.0, True), np.cos(2.0))
    close(jax.grad(foo)(2.0, False), -np.sin(2.0))


def test_grad_errors_of_the_documented_kinds():
    # "grad requires real-valued outputs ... For holomorphic differentiation, pass holomorphic=True"
    with pytest.raises(TypeError, match="holomorphic"):
        grad(jnp.sin)(3.0 + 4j)
    # "Gradient only defined for scalar-output functions"
    with pytest.raises(TypeError, match="scalar"):
        grad(lambda x: x * 2)(jnp.ones(3))
    # integer inputs need allow_int
    with pytest.raises(TypeError):
        grad(lambda x: x * 2.0)(3)
    # holomorphic=True requires complex inputs
    with pytest.raises(TypeError):
        grad(jnp.sin, holomorphic=True)(3.0)
    # jvp wants tuples or lists of primals and tangents
    with pytest.raises(TypeError):
        jvp(jnp.sin, 0.1, 0.2)


# --------------------------------------------------------------------------------------------
# The Autodiff Cookbook / Advanced automatic differentiation
# --------------------------------------------------------------------------------------------


def test_cookbook_finite_differences_in_a_random_direction():
    targets = jnp.array([True, True, False, True])

    def loss(W, b):
        preds = _predict(W, b, _inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp.sum(jnp.log(label_probs))

    W, b = _Wb()
    key, subkey = random.split(random.key(1))
    vec = random.normal(subkey, W.shape)
    unitvec = vec / jnp.sqrt(jnp.vdot(vec, vec))
    eps = 1e-4
    W_grad_numerical = (loss(W + eps / 2.0 * unitvec, b) - loss(W - eps / 2.0 * unitvec, b)) / eps
    np.testing.assert_allclose(W_grad_numerical, jnp.vdot(grad(loss)(W, b), unitvec), atol=1e-2)


def test_cookbook_jacrev_of_dict_params():
    W, b = _Wb()

    def predict_dict(params, inputs):
        return _predict(params["W"], params["b"], inputs)

    J_dict = jacrev(predict_dict)({"W": W, "b": b}, _inputs)
    assert set(J_dict) == {"W", "b"}
    assert J_dict["W"].shape == (4, 3) and J_dict["b"].shape == (4,)
    close(J_dict["W"], jacrev(lambda W: _predict(W, b, _inputs))(W))
    s = np.asarray(_predict(W, b, _inputs))
    close(J_dict["b"], s * (1 - s), rtol=1e-5)


def test_advanced_hessian_as_jacfwd_of_grad():
    def hessian(f):
        return jax.jacfwd(jax.grad(f))

    def f(x):
        return jnp.dot(x, x)

    H = hessian(f)(jnp.array([1.0, 2.0, 3.0]))
    close(H, 2.0 * np.eye(3))


def test_advanced_meta_learning_grad_through_a_gradient_step():
    lr = 0.1

    def loss_fn(params, data):
        x, y = data
        return jnp.sum((params * x - y) ** 2)

    def meta_loss_fn(params, data):
        grads = jax.grad(loss_fn)(params, data)
        return loss_fn(params - lr * grads, data)

    params = jnp.array([0.5, -1.0])
    data = (jnp.array([1.0, 2.0]), jnp.array([0.3, 0.7]))
    meta_grads = jax.grad(meta_loss_fn)(params, data)
    # closed form: p' = p - 2 lr x (p x - y), loss = sum((p' x - y)^2), per coordinate
    p, x, y = (np.asarray(a, np.float64) for a in (params, *data))
    k = 1 - 2 * lr * x**2
    close(meta_grads, 2 * (k * p * x - k * y) * k * x, rtol=1e-5)


def test_advanced_td_update_without_stop_gradient_is_not_td0():
    value_fn = lambda theta, state: jnp.dot(theta, state)
    theta = jnp.array([0.1, -0.1, 0.0])
    s_tm1 = jnp.array([1.0, 2.0, -1.0])
    r_t = jnp.array(1.0)
    s_t = jnp.array([2.0, 1.0, 0.0])

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((target - v_tm1) ** 2)

    close(jax.grad(td_loss)(theta, s_tm1, r_t, s_t), [-1.2, 1.2, -1.2])

    s_grad = jax.grad(value_fn)(theta, s_tm1)
    delta = (r_t + value_fn(theta, s_t) - value_fn(theta, s_tm1)) * s_grad
    close(delta, [1.2, 2.4, -1.2])


def test_advanced_almost_perex_grads_with_batched_theta():
    value_fn = lambda theta, state: jnp.dot(theta, state)

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((jax.lax.stop_gradient(target) - v_tm1) ** 2)

    theta = jnp.array([0.1, -0.1, 0.0])
    s_tm1, r_t, s_t = jnp.array([1.0, 2.0, -1.0]), jnp.array(1.0), jnp.array([2.0, 1.0, 0.0])
    batched = [jnp.stack([a, a]) for a in (theta, s_tm1, r_t, s_t)]
    almost_perex_grads = jax.vmap(jax.grad(td_loss))
    out = almost_perex_grads(*batched)
    assert out.shape == (2, 3)
    close(out, [[1.2, 2.4, -1.2]] * 2)


def test_cookbook_vgrad_vector_valued_gradient():
    def vgrad(f, x):
        y, vjp_fn = vjp(f, x)
        return vjp_fn(jnp.ones(y.shape))[0]

    close(vgrad(lambda x: 3 * x**2, jnp.ones((2, 2))), [[6.0, 6.0], [6.0, 6.0]])


def test_cookbook_hvp_revfwd_with_tuple_primals():
    def f(X):
        return jnp.sum(jnp.tanh(X) ** 2)

    def hvp_revfwd(f, primals, tangents):
        g = lambda primals: jvp(f, primals, tangents)[1]
        return grad(g)(primals)

    X = random.normal(random.key(1), (3, 4))
    V = random.normal(random.key(2), (3, 4))
    out = hvp_revfwd(f, (X,), (V,))
    assert isinstance(out, tuple) and len(out) == 1  # grad of a function of a tuple
    ref = jnp.tensordot(jax.hessian(f)(X), V, 2)
    assert bool(jnp.allclose(out[0], ref, 1e-4, 1e-4))


def test_cookbook_loop_and_vmap_matrix_jacobian_products():
    W, b = _Wb()
    f = lambda W: _predict(W, b, _inputs)
    y = f(W)

    def loop_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        return jnp.vstack([vjp_fun(mi) for mi in M])

    def vmap_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        (outs,) = vmap(vjp_fun)(M)
        return outs

    key = random.key(0)
    num_covecs = 128
    U = random.normal(key, (num_covecs,) + y.shape)
    loop_vs = loop_mjp(f, W, M=U)
    vmap_vs = vmap_mjp(f, W, M=U)
    assert loop_vs.shape == vmap_vs.shape == (128, 3)
    assert jnp.allclose(loop_vs, vmap_vs), "Vmap and non-vmapped Matrix-Jacobian Products"

    def loop_jmp(f, W, M):
        return jnp.vstack([jvp(f, (W,), (mi,))[1] for mi in M])

    def vmap_jmp(f, W, M):
        _jvp = lambda s: jvp(f, (W,), (s,))[1]
        return vmap(_jvp)(M)

    S = random.normal(key, (128,) + W.shape)
    loop_vs = loop_jmp(f, W, M=S)
    vmap_vs = vmap_jmp(f, W, M=S)
    assert loop_vs.shape == vmap_vs.shape == (128, 4)
    assert jnp.allclose(loop_vs, vmap_vs), "Vmap and non-vmapped Jacobian-Matrix products"


def test_cookbook_our_jacrev_and_jacfwd():
    W, b = _Wb()
    f = lambda W: _predict(W, b, _inputs)

    def our_jacrev(f):
        def jacfun(x):
            y, vjp_fun = vjp(f, x)
            (J,) = vmap(vjp_fun, in_axes=0)(jnp.eye(len(y)))
            return J

        return jacfun

    def our_jacfwd(f):
        def jacfun(x):
            _jvp = lambda s: jvp(f, (x,), (s,))[1]
            Jt = vmap(_jvp, in_axes=1)(jnp.eye(len(x)))
            return jnp.transpose(Jt)

        return jacfun

    assert jnp.allclose(jax.jacrev(f)(W), our_jacrev(f)(W)), "reverse-mode Jacobian"
    assert jnp.allclose(jax.jacfwd(f)(W), our_jacfwd(f)(W)), "forward-mode Jacobian"


def test_cookbook_jit_of_the_vjp_function_of_python_control_flow():
    def f(x):
        try:
            if x < 3:
                return 2 * x**3
            else:
                raise ValueError
        except ValueError:
            return jnp.pi * x

    y, f_vjp = vjp(f, 4.0)
    close(y, 4 * np.pi)
    out = jit(f_vjp)(1.0)
    assert isinstance(out, tuple) and len(out) == 1
    close(out[0], np.pi)


def _complex_check_setup(seed):
    key = random.key(seed)
    key, subkey = random.split(key)
    a, b, c, d = random.uniform(subkey, (4,))

    def fun(z):
        x, y = jnp.real(z), jnp.imag(z)
        return u(x, y) + v(x, y) * 1j

    def u(x, y):
        return a * x + b * y

    def v(x, y):
        return c * x + d * y

    key, subkey = random.split(key)
    x, y = random.uniform(subkey, (2,))
    z = x + y * 1j
    key, subkey = random.split(key)
    c2, d2 = random.uniform(subkey, (2,))
    return fun, u, v, x, y, z, c2, d2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cookbook_complex_jvp_check(seed):
    fun, u, v, x, y, z, c, d = _complex_check_setup(seed)
    assert z.dtype == jnp.complex64
    z_dot = c + d * 1j
    _, ans = jvp(fun, (z,), (z_dot,))
    expected = (grad(u, 0)(x, y) * c + grad(u, 1)(x, y) * d
                + grad(v, 0)(x, y) * c * 1j + grad(v, 1)(x, y) * d * 1j)  # fmt: skip
    assert bool(jnp.allclose(ans, expected))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cookbook_complex_vjp_check(seed):
    fun, u, v, x, y, z, c, d = _complex_check_setup(seed)
    z_bar = jnp.array(c + d * 1j)
    _, fun_vjp = vjp(fun, z)
    (ans,) = fun_vjp(z_bar)
    expected = (grad(u, 0)(x, y) * c + grad(v, 0)(x, y) * (-d)
                + grad(u, 1)(x, y) * c * (-1j) + grad(v, 1)(x, y) * (-d) * (-1j))  # fmt: skip
    assert jnp.allclose(ans, expected, atol=1e-5, rtol=1e-5)


def test_cookbook_complex_grad_dtypes_and_non_holomorphic_promise():
    z = 3.0 + 4j
    g = grad(jnp.sin, holomorphic=True)(z)
    assert g.dtype == jnp.complex64
    close(g, np.cos(3.0 + 4j), rtol=1e-5)
    # conjugate is not holomorphic: the promise gives the derivative of the real part only
    g = grad(jnp.conjugate, holomorphic=True)(z)
    assert g.dtype == jnp.complex64
    close(g, 1.0 + 0j)

    def f(z):
        x, y = jnp.real(z), jnp.imag(z)
        return x**2 + y**2

    g = grad(f)(z)
    assert g.dtype == jnp.complex64
    close(g, 6.0 - 8.0j)


def test_cookbook_complex_cholesky_holomorphic_grad_shape():
    A = jnp.array([[5.0, 2.0 + 3j, 5j], [2.0 - 3j, 7.0, 1.0 + 7j], [-5j, 1.0 - 7j, 12.0]])

    def f(X):
        L = jnp.linalg.cholesky(X)
        return jnp.sum((L - jnp.sin(L)) ** 2)

    g = grad(f, holomorphic=True)(A)
    assert g.shape == (3, 3) and g.dtype == jnp.complex64


# --------------------------------------------------------------------------------------------
# Custom derivative rules
# --------------------------------------------------------------------------------------------


def test_custom_jvp_tldr_prints():
    @custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        primal_out = f(x, y)
        tangent_out = jnp.cos(x) * x_dot * y + jnp.sin(x) * y_dot
        return primal_out, tangent_out

    close(f(2.0, 3.0), 2.7278922)
    y, y_dot = jvp(f, (2.0, 3.0), (1.0, 0.0))
    close(y, 2.7278922)
    close(y_dot, -1.2484405)
    close(grad(f)(2.0, 3.0), -1.2484405)


def test_custom_vjp_tldr():
    @custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    close(grad(f)(2.0, 3.0), -1.2484405)


def test_custom_jvp_log1pexp_naive_jit_vmap_values():
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    close(log1pexp(3.0), 3.0485873)
    close(jit(log1pexp)(3.0), 3.0485873)
    close(jit(grad(log1pexp))(3.0), 0.95257413)
    close(vmap(jit(grad(log1pexp)))(jnp.arange(3.0)), [0.5, 0.7310586, 0.8807971])
    # the gradient's jaxpr multiplies a value that rounds to 0 by one that rounds to inf
    txt = str(jax.make_jaxpr(grad(log1pexp))(100.0))
    assert "exp" in txt and "lambda" in txt


def test_custom_jvp_enforcing_a_convention_with_defjvps():
    @custom_jvp
    def f(x):
        return x / (1 + jnp.sqrt(x))

    f.defjvps(lambda t, ans, x: ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * t)
    close(grad(f)(0.0), 1.0)


def test_custom_vjp_clip_sin_gradient():
    @custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    def clip_gradient_fwd(lo, hi, x):
        return x, (lo, hi)

    def clip_gradient_bwd(res, g):
        lo, hi = res
        return (None, None, jnp.clip(g, lo, hi))

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

    def clip_sin(x):
        x = clip_gradient(-0.75, 0.75, x)
        return jnp.sin(x)

    t = jnp.linspace(0, 10, 1000)
    close(clip_sin(t), np.sin(np.asarray(t)), atol=1e-5)
    # sin's derivative cos(t) reaches clip_gradient's backward pass, which clips it
    close(vmap(grad(clip_sin))(t), np.clip(np.cos(np.asarray(t)), -0.75, 0.75), atol=1e-5)


def _fixed_point_with_custom_vjp():
    @partial(custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
        def cond_fun(carry):
            x_prev, x = carry
            return jnp.abs(x_prev - x) > 1e-6

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)

        _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = vjp(lambda a: f(a, x_star), a)
        (a_bar,) = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar))
        return a_bar, jnp.zeros_like(x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)
    return fixed_point


def test_custom_vjp_fixed_point_jit_vmap_and_sqrt_comparison():
    fixed_point = _fixed_point_with_custom_vjp()

    def newton_sqrt(a):
        update = lambda a, x: 0.5 * (x + a / x)
        return fixed_point(update, a, a)

    close(jit(vmap(newton_sqrt))(jnp.array([1.0, 2.0, 3.0, 4.0])), [1.0, 1.4142135, 1.7320508, 2.0])
    close(grad(newton_sqrt)(2.0), 0.35355338)
    close(grad(grad(newton_sqrt))(2.0), -0.08838835, rtol=1e-4)
    close(grad(jnp.sqrt)(2.0), 0.35355338)
    close(grad(grad(jnp.sqrt))(2.0), -0.08838835, rtol=1e-5)


def test_custom_jvp_basic_sin():
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    def f_jvp(primals, tangents):
        (x,) = primals
        (t,) = tangents
        return f(x), jnp.cos(x) * t

    f.defjvp(f_jvp)
    close(f(3.0), 0.14112)
    y, y_dot = jvp(f, (3.0,), (1.0,))
    close(y, 0.14112)
    close(y_dot, -0.9899925)
    close(grad(f)(3.0), -0.9899925)
    close(grad(grad(f))(3.0), -0.14112, rtol=1e-5)


def test_custom_jvp_multiple_arguments_x_squared_y():
    @custom_jvp
    def f(x, y):
        return x**2 * y

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        primal_out = f(x, y)
        tangent_out = 2 * x * y * x_dot + x**2 * y_dot
        return primal_out, tangent_out

    close(grad(f)(2.0, 3.0), 12.0)


def test_custom_jvp_defjvps_single_and_multiple_arguments():
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvps(lambda t, ans, x: jnp.cos(x) * t)
    close(grad(f)(3.0), -0.9899925)

    @custom_jvp
    def g(x, y):
        return x**2 * y

    g.defjvps(lambda x_dot, primal_out, x, y: 2 * x * y * x_dot,
              lambda y_dot, primal_out, x, y: x**2 * y_dot)  # fmt: skip
    close(grad(g)(2.0, 3.0), 12.0)
    close(grad(g, 0)(2.0, 3.0), 12.0)
    close(grad(g, 1)(2.0, 3.0), 4.0)

    @custom_jvp
    def h(x, y):
        return x**2 * y

    h.defjvps(lambda x_dot, primal_out, x, y: 2 * x * y * x_dot, None)
    close(grad(h)(2.0, 3.0), 12.0)
    close(grad(h, 0)(2.0, 3.0), 12.0)
    close(grad(h, 1)(2.0, 3.0), 0.0)


def test_custom_jvp_keyword_and_default_arguments():
    @custom_jvp
    def f(x, y=3.0):
        return x**2 * y

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        return f(x, y), 2 * x * y * x_dot + x**2 * y_dot

    close(f(2.0), 12.0)
    close(f(2.0, y=3.0), 12.0)
    close(grad(f)(2.0), 12.0)
    close(grad(lambda x: f(x, y=3.0))(2.0), 12.0)
    close(grad(lambda y: f(2.0, y=y))(3.0), 4.0)


def test_custom_vjp_keyword_and_default_arguments():
    @custom_vjp
    def f(x, y=3.0):
        return jnp.sin(x) * y

    def f_fwd(x, y=3.0):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    close(f(2.0), 2.7278922)
    close(grad(f)(2.0), -1.2484405)
    close(grad(lambda x: f(x, y=3.0))(2.0), -1.2484405)
    close(grad(lambda y: f(2.0, y=y))(3.0), np.sin(2.0))


def test_custom_jvp_rule_runs_only_under_differentiation(capsys):
    @custom_jvp
    def f(x):
        print("called f!")
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        print("called f_jvp!")
        (x,) = primals
        (t,) = tangents
        return f(x), jnp.cos(x) * t

    close(f(3.0), 0.14112)
    assert capsys.readouterr().out == "called f!\n"
    close(vmap(f)(jnp.arange(3.0)), np.sin(np.arange(3.0)))
    assert capsys.readouterr().out == "called f!\n"
    close(jit(f)(3.0), 0.14112)
    assert capsys.readouterr().out == "called f!\n"
    y, y_dot = jvp(f, (3.0,), (1.0,))
    close(y_dot, -0.9899925)
    assert capsys.readouterr().out == "called f_jvp!\ncalled f!\n"
    close(grad(f)(3.0), -0.9899925)
    assert capsys.readouterr().out == "called f_jvp!\ncalled f!\n"
    close(grad(grad(f))(3.0), -0.14112, rtol=1e-5)
    out = capsys.readouterr().out
    assert "called f_jvp!" in out


def test_custom_vjp_rules_run_only_under_differentiation(capsys):
    @custom_vjp
    def f(x):
        print("called f!")
        return jnp.sin(x)

    def f_fwd(x):
        print("called f_fwd!")
        return f(x), jnp.cos(x)

    def f_bwd(cos_x, y_bar):
        print("called f_bwd!")
        return (cos_x * y_bar,)

    f.defvjp(f_fwd, f_bwd)
    close(f(3.0), 0.14112)
    assert capsys.readouterr().out == "called f!\n"
    close(grad(f)(3.0), -0.9899925)
    assert capsys.readouterr().out == "called f_fwd!\ncalled f!\ncalled f_bwd!\n"
    y, f_vjp = vjp(f, 3.0)
    close(y, 0.14112)
    assert capsys.readouterr().out == "called f_fwd!\ncalled f!\n"
    out = f_vjp(1.0)
    assert isinstance(out, tuple) and len(out) == 1
    close(out[0], -0.9899925)
    assert capsys.readouterr().out == "called f_bwd!\n"
    # forward mode is an error for a custom_vjp function; the docs catch a TypeError
    try:
        jvp(f, (3.0,), (1.0,))
    except TypeError as e:
        assert "custom_vjp" in str(e)
    else:
        raise AssertionError("jvp of a custom_vjp function must raise TypeError")


def test_custom_vjp_debug_hook_in_the_backward_pass():
    seen = []

    @custom_vjp
    def debug(x):
        return x

    def debug_fwd(x):
        return x, x

    def debug_bwd(x, g):
        seen.append((np.asarray(x), np.asarray(g)))  # where the docs call pdb.set_trace()
        return (g,)

    debug.defvjp(debug_fwd, debug_bwd)

    def foo(x):
        y = x**2
        y = debug(y)
        return jnp.sin(y)

    close(jax.grad(foo)(3.0), 6.0 * np.cos(9.0), rtol=1e-5)
    (x, g), = seen  # fmt: skip
    close(x, 9.0)
    close(g, -0.91113025)
    assert x.dtype == np.float32 and g.dtype == np.float32


def test_custom_vjp_bwd_must_return_a_tuple_per_argument():
    @custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (res[1] * g,))  # one, not two
    with pytest.raises(TypeError):
        grad(f)(2.0, 3.0)


def test_custom_derivatives_with_namedtuple_inputs_print_outputs():
    Point = collections.namedtuple("Point", ["x", "y"])

    @custom_jvp
    def f(pt):
        x, y = pt.x, pt.y
        return {"a": x**2, "b": (jnp.sin(x), jnp.cos(y))}

    @f.defjvp
    def f_jvp(primals, tangents):
        (pt,) = primals
        (pt_dot,) = tangents
        ans = f(pt)
        ans_dot = {"a": 2 * pt.x * pt_dot.x,
                   "b": (jnp.cos(pt.x) * pt_dot.x, -jnp.sin(pt.y) * pt_dot.y)}  # fmt: skip
        return ans, ans_dot

    def fun(pt):
        dct = f(pt)
        return dct["a"] + dct["b"][0]

    pt = Point(1.0, 2.0)
    out = f(pt)
    assert set(out) == {"a", "b"} and isinstance(out["b"], tuple)
    close(out["a"], 1.0)
    close(out["b"][0], 0.84147096)
    close(out["b"][1], -0.41614684)
    g = grad(fun)(pt)
    assert type(g) is Point
    close(g.x, 2.5403023)
    close(g.y, 0.0)
    # the same under jit and through jvp of the pytree
    gj = jit(grad(fun))(pt)
    assert type(gj) is Point
    close(gj.x, 2.5403023)
    _, t = jvp(fun, (pt,), (Point(1.0, 1.0),))
    close(t, 2.5403023)


def test_custom_vjp_nondiff_function_argument_and_jit():
    @partial(custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    def app_fwd(f, x):
        return f(x), x

    def app_bwd(f, x, g):
        return (5 * g,)

    app.defvjp(app_fwd, app_bwd)
    close(app(lambda x: x**2, 4.0), 16.0)
    close(grad(app, 1)(lambda x: x**2, 4.0), 5.0)
    close(jit(grad(lambda x: app(jnp.sin, x)))(4.0), 5.0)


def test_custom_jvp_nondiff_argnums_leading_in_the_rule_signature():
    @partial(custom_jvp, nondiff_argnums=(0, 2))
    def app2(f, x, g):
        return f(g(x))

    @app2.defjvp
    def app2_jvp(f, g, primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        return f(g(x)), 3.0 * x_dot

    close(jit(lambda x: app2(lambda x: x**3, x, lambda y: 5 * y))(3.0), 3375.0)
    d_app2 = lambda x: grad(app2, 1)(lambda x: x**3, x, lambda y: 5 * y)
    close(vmap(d_app2)(jnp.arange(3.0)), [3.0, 3.0, 3.0])
    close(jit(d_app2)(3.0), 3.0)


def test_custom_vjp_integer_array_argument_without_nondiff_argnums():
    # "You don't need to use nondiff_argnums with array-valued arguments, e.g. integer dtype"
    @custom_vjp
    def scale(n, x):
        return n * x

    scale.defvjp(lambda n, x: (n * x, n), lambda n, g: (None, 2.0 * n * g))
    close(grad(scale, 1)(jnp.array(3), 1.5), 6.0)
    close(jit(grad(scale, 1))(jnp.array(3), 1.5), 6.0)


def test_custom_jvp_nonlinear_rule_cannot_be_transposed():
    # "the JVP rule's output tangents must be linear ... Otherwise a transposition error is raised"
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), t * t

    _, t = jvp(f, (3.0,), (2.0,))  # forward mode is fine: jvp evaluates the rule as written
    close(t, 4.0)
    with pytest.raises(Exception):  # noqa: B017
        grad(f)(3.0)


# --------------------------------------------------------------------------------------------
# Gradient checkpointing (jax.checkpoint / jax.remat)
# --------------------------------------------------------------------------------------------


def _g(W, x):
    y = jnp.dot(W, x)
    return jnp.sin(y)


def _f(W1, W2, W3, x):
    x = _g(W1, x)
    x = _g(W2, x)
    x = _g(W3, x)
    return x


def _Ws():
    return jnp.ones((5, 4)), jnp.ones((6, 5)), jnp.ones((7, 6)), jnp.ones(4)


def _residual_lines(capsys, f, *args):
    print_saved_residuals(f, *args)
    return capsys.readouterr().out.splitlines()


_ARG_LINES = ["f32[5,4] from the argument W1", "f32[6,5] from the argument W2",
              "f32[7,6] from the argument W3", "f32[4] from the argument x"]  # fmt: skip


def test_remat_print_saved_residuals_without_checkpoint(capsys):
    lines = _residual_lines(capsys, _f, *_Ws())
    assert lines[:4] == _ARG_LINES
    kinds = [" ".join(ln.split()[:4]) for ln in lines[4:]]
    assert kinds == ["f32[5] output of sin", "f32[5] output of cos", "f32[6] output of sin",
                     "f32[6] output of cos", "f32[7] output of cos"]  # fmt: skip


def test_remat_checkpointed_stages_save_no_cos(capsys):
    def f2(W1, W2, W3, x):
        x = jax.checkpoint(_g)(W1, x)
        x = jax.checkpoint(_g)(W2, x)
        x = jax.checkpoint(_g)(W3, x)
        return x

    lines = _residual_lines(capsys, f2, *_Ws())
    assert lines[:4] == _ARG_LINES
    assert [ln.split()[0] for ln in lines[4:]] == ["f32[5]", "f32[6]"]  # the two sin values
    assert not any("cos" in ln for ln in lines)
    args = _Ws()
    for i in range(4):
        close(jax.grad(lambda *a: jnp.sum(f2(*a)), i)(*args),
              jax.grad(lambda *a: jnp.sum(_f(*a)), i)(*args), rtol=1e-5)  # fmt: skip


def test_remat_checkpointed_stage_residuals_name_the_primitive(capsys):
    def f2(W1, W2, W3, x):
        x = jax.checkpoint(_g)(W1, x)
        x = jax.checkpoint(_g)(W2, x)
        x = jax.checkpoint(_g)(W3, x)
        return x

    lines = _residual_lines(capsys, f2, *_Ws())
    assert [" ".join(ln.split()[:4]) for ln in lines[4:]] == [
        "f32[5] output of sin",
        "f32[6] output of sin",
    ]


def test_remat_policy_dots_with_no_batch_dims(capsys):
    f3 = jax.checkpoint(_f, policy=jax.checkpoint_policies.dots_with_no_batch_dims_saveable)
    lines = _residual_lines(capsys, f3, *_Ws())
    assert lines[:4] == _ARG_LINES
    kinds = [" ".join(ln.split()[:4]) for ln in lines[4:]]
    assert kinds == ["f32[5] output of dot_general", "f32[6] output of dot_general",
                     "f32[7] output of dot_general"]  # fmt: skip
    args = _Ws()
    close(jax.jacrev(f3)(*args), jax.jacrev(_f)(*args), rtol=1e-5)


def test_remat_policy_save_only_these_names(capsys):
    def f4(W1, W2, W3, x):
        x = checkpoint_name(_g(W1, x), name="a")
        x = checkpoint_name(_g(W2, x), name="b")
        x = checkpoint_name(_g(W3, x), name="c")
        return x

    f4 = jax.checkpoint(f4, policy=jax.checkpoint_policies.save_only_these_names("a"))
    lines = _residual_lines(capsys, f4, *_Ws())
    assert lines[:4] == _ARG_LINES
    assert len(lines) == 5 and lines[4].startswith("f32[5] named 'a' from ")
    args = _Ws()
    close(jax.grad(lambda *a: jnp.sum(f4(*a)))(*args),
          jax.grad(lambda *a: jnp.sum(_f(*a)))(*args), rtol=1e-5)  # fmt: skip


def test_remat_fundamentals_hand_written_vjps_agree():
    g, h = jnp.sin, jnp.tanh

    def sin_vjp(x):
        y = jnp.sin(x)
        cos_x = jnp.cos(x)
        return y, lambda y_bar: cos_x * y_bar

    def sin_vjp2(x):
        y = jnp.sin(x)
        return y, lambda y_bar: jnp.cos(x) * y_bar

    close(sin_vjp(0.7)[1](2.0), sin_vjp2(0.7)[1](2.0))

    def f(x):
        y = g(x)
        z = h(y)
        return z

    def f_vjp(x):
        y, g_vjp = jax.vjp(g, x)
        z, h_vjp = jax.vjp(h, y)

        def f_bwd(z_bar):
            (y_bar,) = h_vjp(z_bar)
            (x_bar,) = g_vjp(y_bar)
            return x_bar

        return z, f_bwd

    def f_vjp_checkpoint(x):
        y = g(x)
        z, h_vjp = jax.vjp(h, y)

        def f_bwd2(z_bar):
            (y_bar,) = h_vjp(z_bar)
            _, g_vjp = jax.vjp(g, x)
            (x_bar,) = g_vjp(y_bar)
            return x_bar

        return z, f_bwd2

    def f_checkpoint(x):
        y = jax.checkpoint(g)(x)
        z = h(y)
        return z

    def f_grad_bad(x):
        _ = f(x)
        _, f_vjp_ = jax.vjp(f, x)
        (x_bar,) = f_vjp_(1.0)
        return x_bar

    def f_grad_bad2(x):
        y, g_vjp = jax.vjp(g, x)
        z = h(y)
        _, h_vjp = jax.vjp(h, y)
        (y_bar,) = h_vjp(1.0)
        (x_bar,) = g_vjp(y_bar)
        return x_bar

    x = 0.7
    ref = np.cos(x) * (1 - np.tanh(np.sin(x)) ** 2)
    close(f_vjp(x)[1](1.0), ref)
    close(f_vjp_checkpoint(x)[1](1.0), ref)
    close(jax.grad(f_checkpoint)(x), ref)
    close(jax.grad(jax.checkpoint(f))(x), ref)
    close(jax.grad(lambda x: jax.checkpoint(h)(g(x)))(x), ref)
    close(f_grad_bad(x), ref)
    close(f_grad_bad2(x), ref)


def _loss_setup():
    def loss(params, x, y):
        return jnp.sum((predict(params, x) - y) ** 2)

    def predict(params, x):
        *Ws, Wlast = params
        for W in Ws:
            x = layer(W, x)
        x = jnp.dot(Wlast, x)
        return x

    def layer(W, x):
        return jnp.sin(jnp.dot(W, x))

    W1 = W2 = W3 = jnp.ones((4, 4))
    return loss, predict, layer, [W1, W2, W3], jnp.ones(4), jnp.ones(4)


def test_remat_policy_on_a_loss_without_editing_it(capsys):
    loss, _, _, params, x, y = _loss_setup()
    plain = _residual_lines(capsys, loss, params, x, y)
    assert plain[:3] == ["f32[4,4] from the argument params[0]",
                         "f32[4,4] from the argument params[1]",
                         "f32[4,4] from the argument params[2]"]  # fmt: skip
    assert any("output of cos" in ln for ln in plain)
    loss_checkpoint = jax.checkpoint(
        loss, policy=jax.checkpoint_policies.dots_with_no_batch_dims_saveable
    )
    saved = _residual_lines(capsys, loss_checkpoint, params, x, y)
    assert not any("output of cos" in ln or "output of sin" in ln for ln in saved)
    assert any("output of dot_general" in ln for ln in saved)
    g1 = jax.grad(loss)(params, x, y)
    g2 = jax.grad(loss_checkpoint)(params, x, y)
    assert isinstance(g2, list) and len(g2) == 3
    for a, b in zip(g1, g2):
        close(a, b, rtol=1e-5)
    # the old names of the policy
    loss_old = jax.checkpoint(
        loss, policy=jax.checkpoint_policies.checkpoint_dots_with_no_batch_dims
    )
    for a, b in zip(g1, jax.grad(loss_old)(params, x, y)):
        close(a, b, rtol=1e-5)


def test_remat_policy_save_any_names_but_these(capsys):
    _, _, layer, params, x, y = _loss_setup()

    def predict(params, x):
        *Ws, Wlast = params
        for i, W in enumerate(Ws):
            x = layer(W, x)
            x = checkpoint_name(x, name=f"layer{i}_output")
        x = jnp.dot(Wlast, x)
        return x

    def loss(params, x, y):
        return jnp.sum((predict(params, x) - y) ** 2)

    loss_checkpoint2 = jax.checkpoint(
        loss, policy=jax.checkpoint_policies.save_any_names_but_these("layer1_output")
    )
    lines = _residual_lines(capsys, loss_checkpoint2, params, x, y)
    assert any("named 'layer0_output'" in ln for ln in lines)
    assert not any("layer1_output" in ln for ln in lines)
    assert not any("output of cos" in ln for ln in lines)
    g1 = jax.grad(loss)(params, x, y)
    g2 = jax.grad(loss_checkpoint2)(params, x, y)
    for a, b in zip(g1, g2):
        close(a, b, rtol=1e-5)
    g3 = jax.grad(jax.checkpoint(loss, policy=jax.checkpoint_policies.save_only_these_names(
        "layer0_output")))(params, x, y)  # fmt: skip
    for a, b in zip(g1, g3):
        close(a, b, rtol=1e-5)


def test_remat_offload_policy_with_highest_precision_einsums():
    policy = jax.checkpoint_policies.offload_dot_with_no_batch_dims("device", "pinned_host")

    @partial(jax.checkpoint, policy=policy)
    def f(x):
        x = jnp.einsum("ij,jk->ik", x, x, precision=lax.Precision.HIGHEST)
        x = jnp.sin(x)
        x = jnp.einsum("ij,jk->ik", x, x, precision=lax.Precision.HIGHEST)
        x = jnp.sin(x)
        x = jnp.einsum("ij,jk->ik", x, x, precision=lax.Precision.HIGHEST)
        x = jnp.sin(x)
        x = jnp.sum(x)
        return x

    x = random.normal(random.key(0), (3, 3)) * 0.3
    f_plain = lambda x: f.__wrapped__(x)
    close(f(x), f_plain(x), rtol=1e-5)
    close(jax.grad(f)(x), jax.grad(f_plain)(x), rtol=1e-4, atol=1e-6)


def test_remat_save_and_offload_only_these_names_in_a_scan():
    shape = (8, 4)
    np_inp = np.arange(math.prod(shape), dtype=np.float32).reshape(shape) / 32.0

    policy = jax.checkpoint_policies.save_and_offload_only_these_names(
        names_which_can_be_saved=["y"], names_which_can_be_offloaded=["z"],
        offload_src="device", offload_dst="pinned_host")  # fmt: skip

    def body(x):
        def g(ys, _):
            y, _ = ys
            y = checkpoint_name(jnp.sin(y), "y")
            z = checkpoint_name(jnp.sin(y), "z")
            z = z.T
            w = checkpoint_name(jnp.sin(z), "w")
            return (w.T, jnp.sum(w)), None

        _, scan_out = jax.lax.scan(g, (x, np.array(1, dtype=np.float32)), [np_inp])[0]
        return scan_out

    f = partial(jax.checkpoint, policy=policy)(body)
    inp = jnp.asarray(np_inp)
    close(f(inp), body(inp), rtol=1e-5)
    close(jax.grad(f)(inp), jax.grad(body)(inp), rtol=1e-4, atol=1e-6)


def _chain_compose(funs):
    def f(x):
        for fun in funs:
            x = fun(x)
        return x

    return f


def _recursive_checkpoint(funs):
    if len(funs) == 1:
        return funs[0]
    elif len(funs) == 2:
        f1, f2 = funs
        return lambda x: f1(f2(x))
    else:
        f1 = _recursive_checkpoint(funs[: len(funs) // 2])
        f2 = _recursive_checkpoint(funs[len(funs) // 2 :])
        return lambda x: f1(jax.checkpoint(f2)(x))


def test_remat_recursive_checkpointing_scales_logarithmically():
    for n in (8, 16):
        chain = saved_residuals(_chain_compose([jnp.sin] * n), 3.0)
        assert len(chain) == n  # one cos per sin
        assert all("output of cos" in src for _, src in chain)
        rec = saved_residuals(_recursive_checkpoint([jnp.sin] * n), 3.0)
        assert len(rec) < n
        assert all(aval.shape == () for aval, _ in rec)
        assert rec[0][1] == "from the argument x"
        ref = grad(_chain_compose([jnp.sin] * n))(3.0)
        close(grad(_recursive_checkpoint([jnp.sin] * n))(3.0), ref, rtol=1e-5)
    assert len(saved_residuals(_recursive_checkpoint([jnp.sin] * 8), 3.0)) < len(
        saved_residuals(_recursive_checkpoint([jnp.sin] * 16), 3.0)
    )


def test_remat_print_fwd_bwd_jaxprs_of_the_vjp():
    # the docs' print_fwd_bwd: the vjp function is a pytree of residuals that can be staged
    from jtrans.tree_util import tree_flatten, tree_unflatten

    def fwd_bwd(f, *args, **kwargs):
        args, in_tree = tree_flatten((args, kwargs))

        def f_(*args):
            args, kwargs = tree_unflatten(in_tree, args)
            return f(*args, **kwargs)

        fwd = jax.make_jaxpr(lambda *args: jax.vjp(f_, *args))(*args).jaxpr
        y, f_vjp = jax.vjp(f_, *args)
        res, in_tree = tree_flatten(f_vjp)

        def g_(*args):
            *res, y = args
            f_vjp = tree_unflatten(in_tree, res)
            return f_vjp(y)

        bwd = jax.make_jaxpr(g_)(*res, y).jaxpr
        return str(fwd), str(bwd), res

    fwd, bwd, res = fwd_bwd(_chain_compose([jnp.sin] * 8), 3.0)
    assert fwd.count("sin") == 8 and fwd.count("cos") == 8
    assert "sin" not in bwd and bwd.count("mul") == 8
    fwd_r, bwd_r, _ = fwd_bwd(_recursive_checkpoint([jnp.sin] * 8), 3.0)
    assert "sin" in bwd_r  # recomputation in the backward pass
    # residuals are the leaves of the vjp function (jtrans inlines scalar constants as
    # literals, so count them on a vector)
    x = jnp.full(3, 3.0)
    _, _, res = fwd_bwd(_chain_compose([jnp.sin] * 8), x)
    _, _, res_r = fwd_bwd(_recursive_checkpoint([jnp.sin] * 8), x)
    assert len(res) == 8 and all(r.shape == (3,) for r in res)
    assert 0 < len(res_r) < len(res)


def test_remat_scan_over_layers_with_checkpointed_layer():
    params = [(jnp.array([[0.5, 0.5], [1.0, 1.0]]), jnp.array([0.5, 0.5])),
              (jnp.array([[0.5, 0.5], [1.0, 1.0]]), jnp.array([0.5, 0.5]))]  # fmt: skip

    def net_loop(params, x):
        for W, b in params:
            x = jnp.maximum(jnp.dot(x, W) + b, 0.0)
        return x

    all_weights = jnp.stack([W for W, _ in params])
    all_biases = jnp.stack([b for _, b in params])

    def layer(x, W_b_pair):
        W, b = W_b_pair
        out = jnp.maximum(jnp.dot(x, W) + b, 0.0)
        return out, None

    def net(all_weights, all_biases, x):
        x, _ = jax.lax.scan(layer, x, (all_weights, all_biases))
        return x

    ck_layer = partial(jax.checkpoint,
                       policy=jax.checkpoint_policies.dots_with_no_batch_dims_saveable)(layer)  # fmt: skip

    def net_ck(all_weights, all_biases, x):
        x, _ = jax.lax.scan(ck_layer, x, (all_weights, all_biases))
        return x

    x = jnp.array([1.0, -0.5])
    close(net(all_weights, all_biases, x), net_loop(params, x))
    close(net_ck(all_weights, all_biases, x), net_loop(params, x))
    loss = lambda net: lambda w, b, x: jnp.sum(net(w, b, x) ** 2)
    g_plain = jax.grad(loss(net), (0, 1))(all_weights, all_biases, x)
    g_ck = jax.grad(loss(net_ck), (0, 1))(all_weights, all_biases, x)
    g_jit = jit(jax.grad(loss(net_ck), (0, 1)))(all_weights, all_biases, x)
    for a, b, c in zip(g_plain, g_ck, g_jit):
        close(a, b, rtol=1e-5)
        close(a, c, rtol=1e-5)
