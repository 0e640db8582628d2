"""jtrans.nn: activations against NumPy/SciPy formulas, numerical stability of values and
gradients, custom derivatives, one_hot, standardize, initializer statistics."""

import numpy as np
import pytest
import scipy.special
import scipy.stats

import jtrans
import jtrans.numpy as jnp
from jtrans import nn, random
from jtrans.nn import initializers
from jtrans.test_util import check_grads

X = np.array([-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 4.0], np.float32)

ACTIVATIONS = [
    (nn.relu, lambda x: np.maximum(x, 0)),
    (nn.relu6, lambda x: np.clip(x, 0, 6)),
    (nn.sigmoid, scipy.special.expit),
    (nn.softplus, lambda x: np.logaddexp(x, 0)),
    (nn.silu, lambda x: x * scipy.special.expit(x)),
    (nn.log_sigmoid, lambda x: -np.logaddexp(-x, 0)),
    (nn.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    (nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x)),
    (nn.soft_sign, lambda x: x / (np.abs(x) + 1)),
    (
        nn.gelu,
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    ),
    (lambda x: nn.gelu(x, approximate=False), lambda x: x * scipy.stats.norm.cdf(x)),
    (nn.hard_tanh, lambda x: np.clip(x, -1, 1)),
    (nn.celu, lambda x: np.maximum(x, 0) + np.minimum(np.expm1(x), 0)),
]


@pytest.mark.parametrize("f,ref", ACTIVATIONS)
def test_activation_values(f, ref):
    out = np.asarray(f(jnp.asarray(X)))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref(X.astype(np.float64)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(jtrans.jit(f)(X)), out, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "f", [nn.sigmoid, nn.softplus, nn.silu, nn.gelu, nn.elu, nn.log_sigmoid, nn.celu]
)
def test_smooth_activation_grads(f):
    x = np.array([-1.3, -0.4, 0.7, 1.9])
    with jtrans.dtypes.enable_x64():
        check_grads(f, (x,), order=2, atol=1e-5, rtol=1e-5)


def test_relu_derivative_at_zero_is_zero():
    g = jtrans.grad(lambda x: jnp.sum(nn.relu(x)))(jnp.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0, 1.0])
    gv = jtrans.vmap(jtrans.grad(nn.relu))(jnp.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(gv), [0.0, 0.0, 1.0])


def test_softplus_second_derivative_at_zero():
    # sigmoid'(0) = 1/4; the stable max/abs formula must not make it 0 at x = 0
    assert float(jtrans.grad(jtrans.grad(nn.softplus))(0.0)) == pytest.approx(0.25)
    assert float(jtrans.grad(jtrans.grad(nn.log_sigmoid))(0.0)) == pytest.approx(-0.25)


def test_softplus_and_sigmoid_stable_at_extremes():
    x = jnp.array([-1000.0, 1000.0])
    np.testing.assert_allclose(np.asarray(nn.softplus(x)), [0.0, 1000.0])
    g = np.asarray(jtrans.grad(lambda x: jnp.sum(nn.softplus(x)))(x))
    np.testing.assert_allclose(g, [0.0, 1.0])
    g = np.asarray(jtrans.grad(lambda x: jnp.sum(nn.log_sigmoid(x)))(x))
    np.testing.assert_allclose(g, [1.0, 0.0])


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_log_softmax_logsumexp(axis):
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(nn.softmax(x, axis=axis)), _np_softmax(x, axis), rtol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(nn.log_softmax(x, axis=axis)), np.log(_np_softmax(x, axis)), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(nn.logsumexp(x, axis=axis)), scipy.special.logsumexp(x, axis=axis), rtol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(nn.logsumexp(x, axis=axis, keepdims=True)),
        scipy.special.logsumexp(x, axis=axis, keepdims=True),
        rtol=1e-5,
    )


def test_logsumexp_b_and_sign():
    a = np.float32([1.0, 2.0, 3.0])
    b = np.float32([1.0, -2.0, 0.5])
    out, sign = nn.logsumexp(a, b=b, return_sign=True)
    ref, ref_sign = scipy.special.logsumexp(a, b=b, return_sign=True)
    np.testing.assert_allclose(float(out), ref, rtol=1e-5)
    assert float(sign) == ref_sign
    assert float(nn.logsumexp(np.float32([-np.inf, -np.inf]))) == -np.inf


def test_stable_values_and_grads_at_large_inputs():
    x = jnp.array([[1.0, 2.0, 1000.0], [-1000.0, 0.0, 3.0]])
    assert np.isfinite(np.asarray(nn.logsumexp(x, axis=1))).all()
    assert np.isfinite(np.asarray(nn.log_softmax(x))).all()
    g = np.asarray(jtrans.grad(lambda x: nn.logsumexp(x))(x))
    np.testing.assert_allclose(g, [[0, 0, 1], [0, 0, 0]], atol=1e-6)
    g = np.asarray(jtrans.grad(lambda x: jnp.sum(nn.log_softmax(x) * x))(x))
    assert np.isfinite(g).all()
    g = np.asarray(jtrans.grad(lambda x: jnp.sum(nn.softmax(x) ** 2))(x))
    assert np.isfinite(g).all()


def test_softmax_logsumexp_grads():
    x = np.random.default_rng(1).normal(size=(2, 3))
    with jtrans.dtypes.enable_x64():
        check_grads(lambda x: nn.softmax(x), (x,), order=2, atol=1e-5, rtol=1e-5)
        check_grads(lambda x: nn.softmax(x, axis=0), (x,), order=2, atol=1e-5, rtol=1e-5)
        check_grads(lambda x: nn.log_softmax(x), (x,), order=2, atol=1e-5, rtol=1e-5)
        check_grads(lambda x: nn.logsumexp(x, axis=1), (x,), order=2, atol=1e-5, rtol=1e-5)
        # the gradient of logsumexp is softmax
        g = jtrans.grad(lambda x: jnp.sum(nn.logsumexp(x, axis=1)))(x)
        np.testing.assert_allclose(np.asarray(g), _np_softmax(x, 1), rtol=1e-10)


def test_softmax_under_vmap_and_jit():
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(jtrans.vmap(nn.softmax)(x)), _np_softmax(x, 1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(jtrans.jit(nn.softmax)(x)), _np_softmax(x, 1), rtol=1e-5)
    gv = jtrans.vmap(jtrans.grad(lambda r: jnp.sum(nn.log_softmax(r) * r)))(x)
    assert np.asarray(gv).shape == (5, 3)


def test_one_hot():
    out = np.asarray(nn.one_hot(jnp.array([0, 2, 5, -1]), 3))
    np.testing.assert_array_equal(
        out, np.eye(3, dtype=np.float32)[[0, 2]].tolist() + [[0, 0, 0]] * 2
    )
    assert out.dtype == np.float32
    out = np.asarray(nn.one_hot(jnp.array([[0, 1]]), 2, axis=0, dtype=jnp.int32))
    assert out.shape == (2, 1, 2) and out.dtype == np.int32
    np.testing.assert_array_equal(out[:, 0, :], np.eye(2))
    vm = np.asarray(jtrans.vmap(lambda i: nn.one_hot(i, 4))(jnp.array([3, 1])))
    np.testing.assert_array_equal(vm, np.eye(4)[[3, 1]])


def test_standardize():
    x = np.random.default_rng(3).normal(2.0, 3.0, size=(4, 50)).astype(np.float32)
    out = np.asarray(nn.standardize(x))
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(-1), 1, atol=1e-3)
    out0 = np.asarray(nn.standardize(x, axis=0, mean=0.0, variance=1.0, epsilon=0.0))
    np.testing.assert_allclose(out0, x, rtol=1e-6)


@pytest.mark.parametrize(
    "name,var_ref,kind",
    [
        ("glorot_normal", 2 / (64 + 128), "normal"),
        ("glorot_uniform", 2 / (64 + 128), "uniform"),
        ("he_normal", 2 / 64, "normal"),
        ("he_uniform", 2 / 64, "uniform"),
        ("lecun_normal", 1 / 64, "normal"),
        ("lecun_uniform", 1 / 64, "uniform"),
    ],
)
def test_variance_scaling_initializers(name, var_ref, kind):
    init = getattr(initializers, name)()
    w = init(random.PRNGKey(0), (64, 128))
    assert w.shape == (64, 128) and w.dtype == np.float32
    w = np.asarray(w)
    assert abs(w.var() / var_ref - 1) < 0.06
    assert abs(w.mean()) < 0.02
    if kind == "uniform":
        assert np.abs(w).max() <= np.sqrt(3 * var_ref) + 1e-6
    else:  # truncated at 2 standard deviations of the untruncated normal
        assert np.abs(w).max() <= 2 * np.sqrt(var_ref) / 0.87962566103423978 + 1e-6
    # deterministic in the key, and jit-able
    np.testing.assert_array_equal(np.asarray(init(random.PRNGKey(0), (64, 128))), w)
    jw = jtrans.jit(lambda k: init(k, (64, 128)))(random.PRNGKey(0))
    np.testing.assert_allclose(np.asarray(jw), w, rtol=1e-6)


def test_simple_initializers():
    k = random.PRNGKey(1)
    assert (np.asarray(initializers.zeros(k, (2, 3))) == 0).all()
    assert (np.asarray(initializers.ones(k, (2,), jnp.float16)) == 1).all()
    assert np.asarray(initializers.ones(k, (2,), jnp.float16)).dtype == np.float16
    n = np.asarray(initializers.normal(0.5)(k, (4000,)))
    assert abs(n.std() - 0.5) < 0.03
    u = np.asarray(initializers.uniform(2.0)(k, (4000,)))
    assert u.min() >= 0 and u.max() < 2.0 and abs(u.mean() - 1.0) < 0.05
    assert (np.asarray(initializers.constant(3.0)(k, (2,))) == 3).all()
    # conv kernel: receptive field multiplies the fans (HWIO)
    w = np.asarray(initializers.he_normal()(k, (3, 3, 16, 32)))
    assert abs(w.var() / (2 / (9 * 16)) - 1) < 0.1


def test_orthogonal_initializer():
    for shape in [(6, 4), (4, 6), (3, 3, 5)]:
        w = np.asarray(initializers.orthogonal(scale=2.0)(random.PRNGKey(0), shape))
        assert w.shape == shape
        m = w.reshape(-1, shape[-1])
        gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        np.testing.assert_allclose(gram, 4 * np.eye(gram.shape[0]), atol=1e-5)


def test_softmax_jacobian():
    x = jnp.array([1.0, 2.0, 0.5])
    y = np.asarray(nn.softmax(x))
    jac = np.diag(y) - np.outer(y, y)
    np.testing.assert_allclose(np.asarray(jtrans.jacfwd(nn.softmax)(x)), jac, atol=1e-6)
    np.testing.assert_allclose(np.asarray(jtrans.jacrev(nn.softmax)(x)), jac, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# the functions added for JAX parity (their value/grad/vmap/jit checks are OpSpecs in
# tests/specs/nn.py; these cover options and edge cases)


def _attention_np(q, k, v, keep=None, scale=None):
    N, H = q.shape[2:]
    K = k.shape[2]
    scale = 1 / np.sqrt(H) if scale is None else scale
    kk = np.repeat(k, N // K, axis=2).astype(np.float64)
    vv = np.repeat(v, N // K, axis=2).astype(np.float64)
    logits = scale * np.einsum("btnh,bsnh->bnts", q, kk)
    if keep is not None:
        logits = np.where(keep, logits, -1e30)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, vv)


def _qkv(B=2, T=5, S=6, N=4, K=2, H=3, seed=0):
    rng = np.random.default_rng(seed)
    f = np.float32
    return (rng.normal(size=(B, T, N, H)).astype(f), rng.normal(size=(B, S, K, H)).astype(f),
            rng.normal(size=(B, S, K, H)).astype(f))  # fmt: skip


def test_attention_seq_lengths_mask_padding_and_zero_padded_queries():
    q, k, v = _qkv()
    ql, kl = np.array([3, 5], np.int32), np.array([6, 2], np.int32)
    out = np.asarray(
        nn.dot_product_attention(q, k, v, query_seq_lengths=ql, key_value_seq_lengths=kl)
    )
    T, S = q.shape[1], k.shape[1]
    keep = (np.arange(S)[None, None, None, :] < kl[:, None, None, None]) & np.ones(
        (1, 1, T, 1), bool
    )
    ref = _attention_np(q, k, v, keep)
    ref *= (np.arange(T)[None, :] < ql[:, None])[:, :, None, None]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    assert np.all(out[0, 3:] == 0)


def test_attention_causal_window_and_int_window():
    q, k, v = _qkv(T=6, S=6)
    t, s = np.meshgrid(np.arange(6), np.arange(6), indexing="ij")
    out = nn.dot_product_attention(q, k, v, is_causal=True, local_window_size=(2, 0))
    np.testing.assert_allclose(np.asarray(out), _attention_np(q, k, v, (s <= t) & (s >= t - 2)),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    out = nn.dot_product_attention(q, k, v, local_window_size=1)
    np.testing.assert_allclose(np.asarray(out), _attention_np(q, k, v, abs(s - t) <= 1),
                               rtol=1e-5, atol=1e-6)  # fmt: skip


def test_attention_residual_grad_jit_vmap():
    q, k, v = _qkv()
    out, lse = nn.dot_product_attention(q, k, v, return_residual=True)
    assert out.shape == q.shape and lse.shape == q.shape[:3]
    logits = np.einsum("btnh,bsnh->btns", q, np.repeat(k, 2, axis=2)) / np.sqrt(3)
    np.testing.assert_allclose(np.asarray(lse), scipy.special.logsumexp(logits, -1), rtol=1e-5)

    def f(q, k, v):
        return jnp.sum(nn.dot_product_attention(q, k, v, is_causal=True) ** 2)

    g = jtrans.grad(f, argnums=(0, 1, 2))(q, k, v)
    gj = jtrans.jit(jtrans.grad(f, argnums=(0, 1, 2)))(q, k, v)
    for a, b in zip(g, gj):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
    with jtrans.dtypes.enable_x64():
        q64, k64, v64 = (x.astype(np.float64)[:1, :3, :, :2] for x in (q, k, v))
        check_grads(lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True),
                    (q64, k64, v64), order=2, atol=1e-5, rtol=1e-5)  # fmt: skip
    per = jtrans.vmap(lambda q, k, v: nn.dot_product_attention(q, k, v))(q, k, v)
    np.testing.assert_allclose(np.asarray(per), np.asarray(nn.dot_product_attention(q, k, v)),
                               rtol=1e-5, atol=1e-6)  # fmt: skip


def test_attention_errors():
    q, k, v = _qkv(N=3, K=2)
    with pytest.raises(ValueError, match="multiple"):
        nn.dot_product_attention(q, k, v)
    q, k, v = _qkv()
    with pytest.raises(TypeError, match="boolean"):
        nn.dot_product_attention(q, k, v, mask=np.ones((1, 1, 5, 6), np.float32))
    with pytest.raises(ValueError, match="implementation"):
        nn.dot_product_attention(q, k, v, implementation="cudnn")
    with pytest.raises(ValueError, match="value"):
        nn.dot_product_attention(q, k, v[:, :2])


def test_log1mexp_stable_at_both_ends():
    x = np.array([1e-6, 1e-3, 0.5, 5.0, 30.0, 60.0], np.float32)
    out = np.asarray(nn.log1mexp(x))
    x64 = x.astype(np.float64)
    ref = np.where(x64 < np.log(2), np.log(-np.expm1(-x64)), np.log1p(-np.exp(-x64)))
    np.testing.assert_allclose(out, ref, rtol=1e-5)
    g = np.asarray(jtrans.vmap(jtrans.grad(nn.log1mexp))(x))
    np.testing.assert_allclose(g, 1 / np.expm1(x.astype(np.float64)), rtol=1e-5)
    assert np.isnan(np.asarray(nn.log1mexp(-1.0)))


def test_logmeanexp_where():
    x = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]], np.float32)
    w = np.array([[True, False, True], [True, True, True]])
    out = np.asarray(nn.logmeanexp(x, axis=1, where=w))
    ref = [np.log(np.mean(np.exp([1.0, 3.0]))), np.log(np.mean(np.exp(x[1])))]
    np.testing.assert_allclose(out, ref, rtol=1e-6)


def test_squareplus_mish_identity_sparse_sigmoid_points():
    np.testing.assert_allclose(np.asarray(nn.squareplus(0.0)), 1.0)
    np.testing.assert_allclose(np.asarray(nn.squareplus(np.float32(0), b=0)), 0.0)
    np.testing.assert_allclose(np.asarray(nn.sparse_sigmoid(jnp.array([-2.0, 0.0, 0.5, 3.0]))),
                               [0.0, 0.5, 0.75, 1.0])  # fmt: skip
    assert nn.identity(jnp.arange(3)).dtype == np.int32
    assert np.asarray(nn.mish(jnp.array([0.0]))) == 0.0


def test_delta_orthogonal_is_centred_orthogonal():
    key = random.PRNGKey(3)
    for shape in [(3, 4, 6), (3, 5, 4, 4), (3, 3, 3, 2, 5)]:
        w = np.asarray(initializers.delta_orthogonal(scale=2.0)(key, shape))
        centre = tuple((d - 1) // 2 for d in shape[:-2])
        m = w[centre]
        np.testing.assert_allclose(m @ m.T, 4 * np.eye(shape[-2]), atol=1e-5)
        assert np.count_nonzero(w) == np.count_nonzero(m)
        assert w.dtype == np.float32
    with pytest.raises(ValueError, match="3D, 4D or 5D"):
        initializers.delta_orthogonal()(key, (4, 4))
    with pytest.raises(ValueError, match="fan_in"):
        initializers.delta_orthogonal()(key, (3, 5, 4))


def test_initializer_protocol():
    init: initializers.Initializer = initializers.zeros
    assert init(random.PRNGKey(0), (2,)).shape == (2,)
    assert "__call__" in vars(initializers.Initializer)


def test_scaled_matmul_doc_example():
    a = jnp.array([1, 2, 3]).reshape((1, 1, 3))
    b = jnp.array([4, 5, 6]).reshape((1, 1, 3))
    s = jnp.array([0.5]).reshape((1, 1, 1))
    out = nn.scaled_matmul(a, b, s, s)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), [[[8.0]]])
