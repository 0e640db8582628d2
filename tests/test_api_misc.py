"""Small top-level API pieces users of JAX reach for."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp


def test_device_get_and_counts():
    out = jtrans.device_get({"a": jnp.ones(2), "b": 3})
    assert isinstance(out["a"], np.ndarray) and out["b"] == 3
    assert jtrans.device_count() >= 1 and jtrans.default_backend() == "cpu"
    assert jtrans.typeof(jnp.ones((2, 3))).shape == (2, 3)


def test_jacobian_alias_and_enable_x64():
    np.testing.assert_allclose(jtrans.jacobian(jnp.sin)(1.0), np.cos(1.0), rtol=1e-6)
    with jtrans.enable_x64():
        assert jnp.ones(2).dtype == np.float64
    assert jnp.ones(2).dtype == np.float32


def test_ensure_compile_time_eval_under_jit():
    @jtrans.jit
    def f(x):
        with jtrans.ensure_compile_time_eval():
            n = int(jnp.sum(jnp.arange(4)))  # concrete although inside jit
            y = x * 2  # traced: staged as usual
        return y + n

    assert float(f(1.0)) == 8.0


def test_isinstance_array_for_concrete_and_traced():
    seen = []
    jtrans.jit(lambda t: seen.append(isinstance(t, jtrans.Array)) or t)(jnp.ones(2))
    assert seen == [True] and isinstance(jnp.ones(2), jnp.ndarray)
    assert not isinstance(1.0, jtrans.Array)


def test_has_aux_values_are_concrete():
    g, aux = jtrans.grad(lambda x: (jnp.sum(x**2), {"m": jnp.mean(x)}), has_aux=True)(jnp.ones(3))
    assert float(aux["m"]) == 1.0 and type(aux["m"]).__name__ == "Array"
    np.testing.assert_allclose(g, 2 * np.ones(3))


def test_custom_gradient():
    @jtrans.custom_gradient
    def f(x):
        return x**2, lambda g: (g * x,)  # deliberately half the true derivative

    assert float(f(3.0)) == 9.0
    assert float(jtrans.grad(f)(3.0)) == 3.0
    assert float(jtrans.jit(jtrans.grad(f))(3.0)) == 3.0
    np.testing.assert_allclose(jtrans.vmap(jtrans.grad(f))(jnp.arange(3.0)), [0.0, 1.0, 2.0])
    assert float(jtrans.grad(jtrans.grad(f))(3.0)) == 1.0

    @jtrans.custom_gradient
    def clip_gradient(x):
        return x, lambda g: jnp.clip(g, -1.0, 1.0)  # a bare cotangent for a single argument

    assert float(jtrans.grad(lambda x: 5 * clip_gradient(x))(2.0)) == 1.0

    @jtrans.custom_gradient
    def two(x, y):
        return {"p": x * y}, lambda ct: (ct["p"] * y, ct["p"] * x * 2)

    gx, gy = jtrans.grad(lambda x, y: two(x, y)["p"], argnums=(0, 1))(2.0, 3.0)
    assert (float(gx), float(gy)) == (3.0, 4.0)

    @jtrans.custom_gradient
    def log1pexp(x):  # the JAX docs' numerically stable example
        return jnp.log1p(jnp.exp(x)), lambda g: (g * (1 - 1 / (1 + jnp.exp(x))),)

    with np.errstate(over="ignore"):
        assert float(jtrans.grad(log1pexp)(100.0)) == 1.0
    np.testing.assert_allclose(jtrans.grad(log1pexp)(0.5), 1 / (1 + np.exp(-0.5)), rtol=1e-6)


def test_custom_derivatives_module():
    from jtrans.custom_derivatives import (  # noqa: F401
        SymbolicZero,
        closure_convert,
        custom_gradient,
        custom_jvp,
        custom_jvp_call_p,
        custom_vjp,
        custom_vjp_call_p,
        zero_from_primal,
    )

    assert custom_jvp is jtrans.custom_jvp and custom_gradient is jtrans.custom_gradient
    zeros = zero_from_primal({"a": jnp.ones(3), "b": jnp.ones((), jnp.float16)})
    np.testing.assert_array_equal(zeros["a"], np.zeros(3, np.float32))
    assert zeros["b"].dtype == np.float16
    z = zero_from_primal(jnp.ones(2), symbolic_zeros=True)
    assert isinstance(z, SymbolicZero) and z.aval.shape == (2,)

    @jtrans.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), jnp.zeros_like(x) if isinstance(t, SymbolicZero) else jnp.cos(x) * t

    f.defjvp(f_jvp, symbolic_zeros=True)
    np.testing.assert_allclose(jtrans.grad(f)(0.3), np.cos(0.3), rtol=1e-6)


def test_ad_checkpoint_module():
    from jtrans import ad_checkpoint

    for name in ("checkpoint", "checkpoint_name", "checkpoint_policies",
                 "print_saved_residuals", "remat"):  # fmt: skip
        assert hasattr(ad_checkpoint, name)
    assert ad_checkpoint.checkpoint is jtrans.checkpoint


def test_fwd_and_bwd():
    def f(x, W):
        return jnp.sin(x @ W)

    x = jnp.asarray(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
    W = jnp.asarray(np.linspace(0, 1, 8, dtype=np.float32).reshape(4, 2))
    ct = jnp.ones((3, 2))
    _, f_vjp = jtrans.vjp(f, x, W)
    want = f_vjp(ct)
    fwd, bwd = jtrans.fwd_and_bwd(f, argnums=(0, 1))
    for _ in range(2):  # the residuals pass through jit; bwd is traced once
        y, res = fwd(x, W)
        got = bwd(res, ct)
    np.testing.assert_allclose(y, f(x, W), rtol=1e-6)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    fwd1, bwd1 = jtrans.fwd_and_bwd(lambda x, W: (f(x, W), x.sum()), argnums=1, has_aux=True,
                                    jitted=False)  # fmt: skip
    y, res, aux = fwd1(x, W)
    np.testing.assert_allclose(aux, np.sum(np.asarray(x)), rtol=1e-6)
    np.testing.assert_allclose(bwd1(res, ct), want[1], rtol=1e-6)  # one cotangent for an int


def test_single_process_queries_and_no_op_contexts():
    assert jtrans.host_count() == jtrans.host_id() + 1 == 1
    assert jtrans.host_ids() == jtrans.process_indices() == [0]
    assert jtrans.effects_barrier() is None
    with jtrans.default_matmul_precision("float32"):
        np.testing.assert_allclose(jnp.ones((2, 2)) @ jnp.ones(2), [2.0, 2.0])
    info = jtrans.print_environment_info(return_string=True)
    assert "jtrans" in info and "numpy" in info


def test_linear_call():
    from functools import partial

    from jtrans.custom_derivatives import linear_call

    def f(r, x):
        return x / r

    def t(r, ct):
        return ct / r

    def div_add(x, denom):
        return x + linear_call(f, t, denom, x)

    def transpose(fun, x_example):
        return lambda y: jtrans.linear_transpose(fun, x_example)(y)[0]

    assert float(div_add(9.0, 3.0)) == 12.0
    assert float(jtrans.jit(div_add)(9.0, 3.0)) == 12.0
    assert float(transpose(partial(div_add, denom=3.0), 1.0)(18.0)) == 24.0
    np.testing.assert_allclose(jtrans.grad(div_add)(9.0, 3.0), 4.0 / 3.0, rtol=1e-6)
    np.testing.assert_allclose(jtrans.jit(jtrans.grad(div_add))(9.0, 3.0), 4.0 / 3.0, rtol=1e-6)
    np.testing.assert_allclose(jtrans.jvp(lambda x: div_add(x, 3.0), (9.0,), (1.0,))[1], 4 / 3)
    denoms = jnp.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(jtrans.vmap(jtrans.grad(div_add))(jnp.arange(3.0), denoms),
                               1 + 1 / np.array([1.0, 2.0, 4.0]))  # fmt: skip
    np.testing.assert_allclose(jtrans.vmap(div_add, in_axes=(0, None))(jnp.arange(3.0), 2.0),
                               np.arange(3.0) * 1.5)  # fmt: skip

    def custom_id(x):  # the transpose need not be the true one: it is what reverse mode uses
        return linear_call(lambda _, x: x, lambda _, ct: 7.0, (), x)

    assert float(custom_id(1.0)) == 1.0
    assert float(jtrans.grad(custom_id)(1.0)) == 7.0
    assert float(jtrans.grad(jtrans.grad(lambda x: custom_id(x) * x))(2.0)) == 8.0  # as JAX
    with pytest.raises(TypeError, match="residual"):
        jtrans.jvp(div_add, (9.0, 3.0), (1.0, 1.0))
