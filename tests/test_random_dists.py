"""jtrans.random's distribution samplers (the ones beyond uniform/normal/...): shapes and
dtypes, determinism, moments against the analytic mean and variance (5 standard errors),
Kolmogorov-Smirnov / chi-square goodness of fit against scipy.stats, jit == eager, vmap over
keys == a loop, and the implicit-reparameterisation gradients of gamma/loggamma/beta/dirichlet.
All keys are fixed, so every test is deterministic."""

import numpy as np
import pytest
import scipy.stats as st

import jtrans
import jtrans.numpy as jnp
from jtrans import random

KEY = random.PRNGKey(1234)
N = 20000


def _np(x):
    return np.asarray(x)


# name -> (sampler(key, shape), scipy distribution, transform applied to samples before the
# comparison (None: identity)). Continuous distributions get a KS test, discrete a chi-square.
CONTINUOUS = {
    "beta": (lambda k, s: random.beta(k, 2.0, 3.0, s), st.beta(2, 3), None),
    "beta_small": (lambda k, s: random.beta(k, 0.3, 0.6, s), st.beta(0.3, 0.6), None),
    "cauchy": (lambda k, s: random.cauchy(k, s), st.cauchy(), None),
    "chisquare": (lambda k, s: random.chisquare(k, 3.0, s), st.chi2(3), None),
    "dirichlet": (
        lambda k, s: random.dirichlet(k, jnp.array([1.5, 2.0, 0.5]), s)[..., 0],
        st.beta(1.5, 2.5),
        None,
    ),
    "double_sided_maxwell": (
        lambda k, s: random.double_sided_maxwell(k, 1.0, 2.0, s),
        st.maxwell(),
        lambda x: np.abs(x - 1.0) / 2.0,
    ),
    "f": (lambda k, s: random.f(k, 5.0, 12.0, s), st.f(5, 12), None),
    "gamma_0.3": (lambda k, s: random.gamma(k, 0.3, s), st.gamma(0.3), None),
    "gamma_1": (lambda k, s: random.gamma(k, 1.0, s), st.gamma(1.0), None),
    "gamma_4.5": (lambda k, s: random.gamma(k, 4.5, s), st.gamma(4.5), None),
    "gamma_200": (lambda k, s: random.gamma(k, 200.0, s), st.gamma(200.0), None),
    "generalized_normal": (
        lambda k, s: random.generalized_normal(k, 1.5, s),
        st.gennorm(1.5),
        None,
    ),
    "laplace": (lambda k, s: random.laplace(k, s), st.laplace(), None),
    "loggamma": (lambda k, s: random.loggamma(k, 0.5, s), st.loggamma(0.5), None),
    "logistic": (lambda k, s: random.logistic(k, s), st.logistic(), None),
    "lognormal": (lambda k, s: random.lognormal(k, 0.5, s), st.lognorm(0.5), None),
    "maxwell": (lambda k, s: random.maxwell(k, s), st.maxwell(), None),
    "pareto": (lambda k, s: random.pareto(k, 5.0, s), st.pareto(5.0), None),
    "rayleigh": (lambda k, s: random.rayleigh(k, 2.0, s), st.rayleigh(scale=2.0), None),
    "t": (lambda k, s: random.t(k, 10.0, s), st.t(10), None),
    "triangular": (
        lambda k, s: random.triangular(k, -1.0, 0.2, 2.0, s),
        st.triang(0.4, loc=-1.0, scale=3.0),
        None,
    ),
    "wald": (lambda k, s: random.wald(k, 1.5, s), st.invgauss(1.5), None),
    "weibull_min": (
        lambda k, s: random.weibull_min(k, 2.0, 1.5, s),
        st.weibull_min(1.5, scale=2.0),
        None,
    ),
}

DISCRETE = {
    "poisson_small": (lambda k, s: random.poisson(k, 3.5, s), st.poisson(3.5), None),
    "poisson_large": (lambda k, s: random.poisson(k, 60.0, s), st.poisson(60.0), None),
    "binomial_inversion": (lambda k, s: random.binomial(k, 20, 0.3, s), st.binom(20, 0.3), None),
    "binomial_btrs": (lambda k, s: random.binomial(k, 200, 0.4, s), st.binom(200, 0.4), None),
    "binomial_high_p": (lambda k, s: random.binomial(k, 50, 0.9, s), st.binom(50, 0.9), None),
    "geometric": (lambda k, s: random.geometric(k, 0.3, s), st.geom(0.3), None),
    "rademacher": (
        lambda k, s: random.rademacher(k, s),
        st.bernoulli(0.5),
        lambda x: (x + 1) // 2,
    ),
}

ALL = {**CONTINUOUS, **DISCRETE}


def _samples(name, n=N, key=KEY):
    fn, _, tr = ALL[name]
    x = _np(fn(key, (n,))).astype(np.float64)
    return x if tr is None else tr(x)


@pytest.mark.parametrize("name", sorted(set(ALL) - {"cauchy"}))
def test_moments(name):
    """Sample mean and variance within 5 standard errors of the analytic values."""
    dist = ALL[name][1]
    x = _samples(name)
    mean, var, kurt = (float(v) for v in dist.stats(moments="mvk"))
    se_mean = np.sqrt(var / N)
    assert abs(x.mean() - mean) < 5 * se_mean, (x.mean(), mean)
    se_var = np.sqrt(max(kurt + 2.0, 0.1) * var**2 / N)  # Var(s^2) = (mu4 - var^2)/N
    assert abs(x.var() - var) < 5 * se_var, (x.var(), var)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_ks(name):
    x = _samples(name)
    assert st.kstest(x, ALL[name][1].cdf).pvalue > 1e-3


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_chisquare_fit(name):
    x = _samples(name).astype(np.int64)
    dist = ALL[name][1]
    lo, hi = int(dist.ppf(1e-4)), int(dist.ppf(1 - 1e-4))
    support = np.arange(lo, hi + 1)
    observed = np.array(
        [(x <= lo).sum()] + [(x == v).sum() for v in support[1:-1]] + [(x >= hi).sum()]
    )
    pmf = dist.pmf(support)
    pmf[0], pmf[-1] = dist.cdf(lo), dist.sf(hi - 1)
    expected = pmf / pmf.sum() * len(x)
    assert np.all(x == np.round(x))
    assert st.chisquare(observed, expected).pvalue > 1e-3


# --- shapes, dtypes, determinism, keys -----------------------------------------------------


SHAPED = {
    "ball": (lambda k: random.ball(k, 3, shape=(2, 4)), (2, 4, 3), np.float32),
    "beta": (lambda k: random.beta(k, 2.0, jnp.ones((4,))), (4,), np.float32),
    "binomial": (lambda k: random.binomial(k, 10, jnp.full((2, 3), 0.5)), (2, 3), np.float32),
    "cauchy": (lambda k: random.cauchy(k, (2, 3)), (2, 3), np.float32),
    "chisquare": (lambda k: random.chisquare(k, jnp.ones((3,)), (2, 3)), (2, 3), np.float32),
    "dirichlet": (lambda k: random.dirichlet(k, jnp.ones((4,)), (2,)), (2, 4), np.float32),
    "double_sided_maxwell": (
        lambda k: random.double_sided_maxwell(k, jnp.zeros(3), 1.0, (2,)),
        (2, 3),
        np.float32,
    ),
    "f": (lambda k: random.f(k, 2.0, jnp.full((3,), 5.0)), (3,), np.float32),
    "gamma": (lambda k: random.gamma(k, jnp.array([0.5, 1.0, 7.0])), (3,), np.float32),
    "generalized_normal": (lambda k: random.generalized_normal(k, 3.0, (5,)), (5,), np.float32),
    "geometric": (lambda k: random.geometric(k, 0.5, (2, 2)), (2, 2), np.int32),
    "laplace": (lambda k: random.laplace(k, (3,)), (3,), np.float32),
    "loggamma": (lambda k: random.loggamma(k, 0.01, (3,)), (3,), np.float32),
    "logistic": (lambda k: random.logistic(k, (3,)), (3,), np.float32),
    "lognormal": (lambda k: random.lognormal(k, shape=(3,)), (3,), np.float32),
    "maxwell": (lambda k: random.maxwell(k, (3,)), (3,), np.float32),
    "multinomial": (
        lambda k: random.multinomial(k, 10, jnp.array([0.2, 0.3, 0.5]), shape=(2, 3)),
        (2, 3),
        np.float32,
    ),
    "multivariate_normal": (
        lambda k: random.multivariate_normal(k, jnp.zeros(2), jnp.eye(2), (4,)),
        (4, 2),
        np.float32,
    ),
    "multivariate_normal_batched": (
        lambda k: random.multivariate_normal(
            k, jnp.zeros(2), jnp.array([[[1.0, 0.5], [0.5, 2.0]], [[3.0, 0.0], [0.0, 1.0]]]), (4, 2)
        ),
        (4, 2, 2),
        np.float32,
    ),
    "orthogonal": (lambda k: random.orthogonal(k, 3, (2,)), (2, 3, 3), np.float32),
    "pareto": (lambda k: random.pareto(k, 3.0, (3,)), (3,), np.float32),
    "poisson": (lambda k: random.poisson(k, jnp.array([0.5, 5.0, 50.0])), (3,), np.int32),
    "rademacher": (lambda k: random.rademacher(k, (16,)), (16,), np.int32),
    "rayleigh": (lambda k: random.rayleigh(k, jnp.ones((3,))), (3,), np.float32),
    "t": (lambda k: random.t(k, 3.0, (3,)), (3,), np.float32),
    "triangular": (lambda k: random.triangular(k, 0.0, 0.5, 1.0, (3,)), (3,), np.float32),
    "wald": (lambda k: random.wald(k, jnp.ones((3,))), (3,), np.float32),
    "weibull_min": (lambda k: random.weibull_min(k, 1.0, 2.0, (3,)), (3,), np.float32),
}


@pytest.mark.parametrize("name", sorted(SHAPED))
def test_shape_dtype_determinism(name):
    fn, shape, dtype = SHAPED[name]
    k1, k2 = random.split(KEY)
    a, b, c = _np(fn(k1)), _np(fn(k1)), _np(fn(k2))
    assert a.shape == shape and a.dtype == dtype
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# jit vs eager: the cheap samplers, and one of each kind of rejection loop
JIT = [
    "cauchy",
    "laplace",
    "logistic",
    "lognormal",
    "maxwell",
    "pareto",
    "rayleigh",
    "triangular",
    "wald",
    "weibull_min",
    "geometric",
    "rademacher",
    "double_sided_maxwell",
    "orthogonal",
    "multivariate_normal",
    "multivariate_normal_batched",
    "gamma",
    "poisson",
    "binomial",
]


@pytest.mark.parametrize("name", JIT)
def test_jit_matches_eager(name):
    fn = SHAPED[name][0]
    np.testing.assert_allclose(_np(jtrans.jit(fn)(KEY)), _np(fn(KEY)), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SHAPED))
def test_vmap_over_keys(name):
    fn = SHAPED[name][0]
    keys = random.split(KEY, 3)
    batched = _np(jtrans.vmap(fn)(keys))
    looped = np.stack([_np(fn(keys[i])) for i in range(3)])
    np.testing.assert_allclose(batched, looped, rtol=2e-6, atol=1e-6)


def test_vmap_gamma_over_keys_example():
    keys = random.split(KEY, 5)
    out = jtrans.vmap(lambda k: random.gamma(k, 2.0, (3,)))(keys)
    assert out.shape == (5, 3)
    for i in range(5):
        np.testing.assert_array_equal(_np(out[i]), _np(random.gamma(keys[i], 2.0, (3,))))


def test_vmap_over_parameters():
    a = jnp.array([0.5, 2.0, 30.0])
    out = jtrans.vmap(lambda ai: random.gamma(KEY, ai, (4,)))(a)
    for i in range(3):
        np.testing.assert_allclose(_np(out[i]), _np(random.gamma(KEY, a[i], (4,))), rtol=1e-6)
    lam = jnp.array([2.0, 40.0])
    out = jtrans.vmap(lambda li: random.poisson(KEY, li, (4,)))(lam)
    for i in range(2):
        np.testing.assert_array_equal(_np(out[i]), _np(random.poisson(KEY, lam[i], (4,))))


def test_parameters_broadcast_against_shape():
    a = jnp.array([0.5, 3.0, 20.0])
    x = _np(random.gamma(KEY, a, (N // 4, 3)))
    np.testing.assert_allclose(x.mean(0), _np(a), rtol=0.05)
    lam = _np(random.poisson(KEY, jnp.array([[1.0], [30.0]]), (2, 5000)))
    np.testing.assert_allclose(lam.mean(1), [1.0, 30.0], rtol=0.05)


def test_gamma_matches_exp_loggamma():
    for a in (0.2, 3.0):
        np.testing.assert_allclose(
            _np(jnp.exp(random.loggamma(KEY, a, (50,)))),
            _np(random.gamma(KEY, a, (50,))),
            rtol=1e-5,
        )


def test_loggamma_tiny_shape_parameter():
    # for a << 1 gamma samples underflow; loggamma stays finite and follows log Gamma(a)
    x = _np(random.loggamma(KEY, 0.01, (N,)))
    assert np.all(np.isfinite(x)) and x.min() < -200
    assert st.kstest(x, st.loggamma(0.01).cdf).pvalue > 1e-3
    g = _np(random.gamma(KEY, 0.01, (100,)))
    assert np.all(g > 0)


def test_invalid_parameters():
    assert np.all(np.isnan(_np(random.gamma(KEY, jnp.array([0.0, -1.0, np.nan])))))
    np.testing.assert_array_equal(_np(random.poisson(KEY, 0.0, (3,))), [0, 0, 0])
    b = _np(
        random.binomial(
            KEY, jnp.array([-1.0, 5.0, 5.0, np.inf]), jnp.array([0.5, np.nan, 1.5, 0.5])
        )
    )
    assert np.all(np.isnan(b[:3])) and b[3] == np.inf
    np.testing.assert_array_equal(_np(random.binomial(KEY, 7.0, jnp.array([0.0, 1.0]))), [0, 7])


def test_x64_default_dtypes():
    with jtrans.dtypes.enable_x64():
        assert random.gamma(KEY, 2.0, (2,)).dtype == np.float64
        assert random.beta(KEY, 2.0, 2.0).dtype == np.float64
        assert random.binomial(KEY, 5, 0.5).dtype == np.float64
        assert random.poisson(KEY, 5.0, (2,)).dtype == np.int64
        assert random.geometric(KEY, 0.5).dtype == np.int64
        assert random.rademacher(KEY, (2,)).dtype == np.int64
        x = _np(random.gamma(KEY, 3.0, (N,)))
        assert abs(x.mean() - 3.0) < 5 * np.sqrt(3.0 / N)
    assert random.gamma(KEY, 2.0, (2,), jnp.float16).dtype == np.float16
    assert random.poisson(KEY, 2.0, dtype=jnp.int16).dtype == np.int16


# --- the matrix / vector samplers ------------------------------------------------------------


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_moments(method):
    mean = np.array([1.0, -2.0, 0.5], np.float32)
    a = np.array([[2.0, 0.3, 0.0], [0.1, 1.0, 0.2], [0.0, -0.4, 0.5]], np.float32)
    cov = a @ a.T
    x = _np(random.multivariate_normal(KEY, mean, cov, (N,), method=method)).astype(np.float64)
    assert x.shape == (N, 3)
    np.testing.assert_allclose(x.mean(0), mean, atol=5 * np.sqrt(np.diag(cov).max() / N))
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.08)


@pytest.mark.parametrize("method", ["eigh", "svd"])
def test_multivariate_normal_singular(method):
    cov = np.array([[1.0, 1.0], [1.0, 1.0]], np.float32)
    x = _np(random.multivariate_normal(KEY, jnp.zeros(2), cov, (2000,), method=method))
    np.testing.assert_allclose(x[:, 0], x[:, 1], atol=1e-3)
    assert abs(x[:, 0].var() - 1.0) < 0.15


def test_multivariate_normal_batched():
    mean = jnp.zeros((4, 1, 2))
    cov = jnp.broadcast_to(jnp.eye(2), (3, 2, 2))
    assert random.multivariate_normal(KEY, mean, cov).shape == (4, 3, 2)
    assert random.multivariate_normal(KEY, mean, cov, (5, 4, 3)).shape == (5, 4, 3, 2)
    assert random.multivariate_normal(KEY, jnp.zeros(2, jnp.int32), jnp.eye(2)).dtype == (
        np.float32
    )


def test_orthogonal():
    q = _np(random.orthogonal(KEY, 4, (500,))).astype(np.float64)
    np.testing.assert_allclose(
        np.einsum("bij,bik->bjk", q, q), np.broadcast_to(np.eye(4), q.shape), atol=1e-5
    )
    # Haar: every entry has mean 0 and variance 1/n; det is +-1 with equal frequency
    assert np.all(np.abs(q.mean(0)) < 5 * np.sqrt(0.25 / 500))
    np.testing.assert_allclose((q**2).mean(0), 0.25, atol=0.05)
    d = np.linalg.det(q)
    np.testing.assert_allclose(np.abs(d), 1.0, atol=1e-5)
    assert 150 < (d > 0).sum() < 350
    tall, wide = _np(random.orthogonal(KEY, 5, m=3)), _np(random.orthogonal(KEY, 2, (3,), m=4))
    assert tall.shape == (5, 3) and wide.shape == (3, 2, 4)
    np.testing.assert_allclose(tall.T @ tall, np.eye(3), atol=1e-5)
    np.testing.assert_allclose(
        wide @ np.swapaxes(wide, -1, -2), np.broadcast_to(np.eye(2), (3, 2, 2)), atol=1e-5
    )


@pytest.mark.parametrize("p", [1.0, 2.0, 4.0])
def test_ball(p):
    d = 3
    x = _np(random.ball(KEY, d, p, (N // 2,))).astype(np.float64)
    r = (np.abs(x) ** p).sum(-1) ** (1 / p)
    assert x.shape == (N // 2, d) and r.max() <= 1.0 + 1e-6
    # uniform in the ball: the radius^d is uniform on [0, 1]
    assert st.kstest(r**d, st.uniform().cdf).pvalue > 1e-3
    assert np.all(np.abs(x.mean(0)) < 0.03)


def test_multinomial():
    p = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
    c = _np(random.multinomial(KEY, 30, p, shape=(N // 4, 4))).astype(np.float64)
    assert c.dtype == np.float64 and np.all(c.sum(-1) == 30) and np.all(c >= 0)
    np.testing.assert_allclose(c.mean(0), 30 * p, atol=5 * np.sqrt(30 * 0.25 / (N // 4)))
    np.testing.assert_allclose(c.var(0), 30 * p * (1 - p), rtol=0.1)
    cov01 = np.cov(c[:, 0], c[:, 1])[0, 1]
    assert abs(cov01 + 30 * p[0] * p[1]) < 0.15
    # unnormalised probabilities and a batch of counts
    c2 = _np(random.multinomial(KEY, jnp.array([5.0, 100.0]), jnp.array([1.0, 3.0]), shape=(2, 2)))
    np.testing.assert_array_equal(c2.sum(-1), [5, 100])
    np.testing.assert_array_equal(
        _np(random.multinomial(KEY, 7, jnp.array([0.0, 1.0, 0.0]))), [0, 7, 0]
    )


# --- gradients (implicit reparameterisation) ---------------------------------------------------


@pytest.mark.parametrize("a", [0.05, 0.7, 3.0, 80.0, 5000.0])
def test_gamma_sample_gradient_matches_inverse_cdf(a):
    """d sample / d a at a fixed key equals d/da F^-1(u; a) with u = F(sample; a) held fixed."""
    f = lambda aa: random.gamma(KEY, aa, (64,))
    x = _np(f(np.float32(a))).astype(np.float64)
    jac = _np(jtrans.jacfwd(f)(np.float32(a)))
    u = st.gamma(a).cdf(x)
    keep = (u > 1e-10) & (u < 1 - 1e-10)
    h = 1e-4 * a
    fd = (st.gamma(a + h).ppf(u) - st.gamma(a - h).ppf(u)) / (2 * h)
    np.testing.assert_allclose(jac[keep], fd[keep], rtol=2e-3, atol=1e-6)
    grad = _np(jtrans.jacrev(f)(np.float32(a)))
    np.testing.assert_allclose(grad, jac, rtol=1e-6)


def test_loggamma_gradient_matches_inverse_cdf():
    a = 0.3
    f = lambda aa: random.loggamma(KEY, aa, (64,))
    lx = _np(f(np.float32(a))).astype(np.float64)
    jac = _np(jtrans.jacfwd(f)(np.float32(a)))
    u = st.gamma(a).cdf(np.exp(lx))
    keep = (u > 1e-10) & (u < 1 - 1e-10)
    h = 1e-5
    fd = (np.log(st.gamma(a + h).ppf(u)) - np.log(st.gamma(a - h).ppf(u))) / (2 * h)
    np.testing.assert_allclose(jac[keep], fd[keep], rtol=2e-3)


def test_gamma_mean_gradient():
    # d/da E[x] = 1, estimated from the samples' pathwise derivatives
    for a in (0.5, 5.0):
        g = jtrans.grad(lambda aa: random.gamma(KEY, aa, (N,)).mean())(a)
        assert abs(float(g) - 1.0) < 0.03
    # and under jit, through broadcasting parameters
    g = jtrans.jit(jtrans.grad(lambda aa: random.gamma(KEY, aa, (2000, 2)).mean(0).sum()))(
        jnp.array([1.0, 2.0])
    )
    np.testing.assert_allclose(_np(g), [1.0, 1.0], atol=0.06)


def test_beta_mean_gradient():
    a, b = 2.0, 3.0
    ga, gb = jtrans.grad(lambda a, b: random.beta(KEY, a, b, (N,)).mean(), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(float(ga), b / (a + b) ** 2, atol=0.01)
    np.testing.assert_allclose(float(gb), -a / (a + b) ** 2, atol=0.01)


def test_dirichlet_mean_gradient():
    alpha = jnp.array([1.0, 2.0, 3.0])
    s = 6.0
    jac = _np(jtrans.jacrev(lambda al: random.dirichlet(KEY, al, (N,)).mean(0))(alpha))
    expected = (s * np.eye(3) - np.array([1.0, 2.0, 3.0])[:, None]) / s**2  # d E[x_i]/d alpha_j
    np.testing.assert_allclose(jac, expected, atol=0.01)


def test_location_scale_gradients():
    # samples that are location/scale transforms differentiate as such
    g = jtrans.grad(lambda s: random.rayleigh(KEY, s, (10,)).sum())(2.0)
    np.testing.assert_allclose(float(g), _np(random.rayleigh(KEY, 1.0, (10,))).sum(), rtol=1e-5)
    g = jtrans.grad(lambda s: random.lognormal(KEY, s, (10,)).sum())(0.5)
    z = _np(random.normal(KEY, (10,)))
    np.testing.assert_allclose(float(g), (z * np.exp(0.5 * z)).sum(), rtol=1e-4)
    g = jtrans.grad(lambda mu: random.multivariate_normal(KEY, mu, jnp.eye(2), (5,)).sum())(
        jnp.zeros(2)
    )
    np.testing.assert_allclose(_np(g), [5.0, 5.0])


# --- keys and errors ---------------------------------------------------------------------------


def test_key_helpers():
    k = random.key(0)
    assert random.key_impl(k) == "threefry2x32"
    assert random.key_impl(random.split(k, 3)) == "threefry2x32"
    assert random.key_dtype() == k.dtype == random.key_dtype("threefry2x32")
    assert str(random.key_dtype()) == "key<fry>"
    assert bool(random.clone(k) == k)
    np.testing.assert_array_equal(_np(random.clone(random.PRNGKey(0))), [0, 0])
    assert bool(random.key(0, dtype=random.key_dtype()) == k)
    assert bool(random.key(0, dtype="threefry2x32") == k)
    with pytest.raises(ValueError, match="threefry2x32"):
        random.key_dtype("rbg")
    with pytest.raises(TypeError, match="key_impl"):
        random.key_impl(jnp.zeros(3, jnp.uint32))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: random.gamma(KEY, jnp.ones(3), (2,)), ValueError, r"shape \(3,\).*\(2,\)"),
        (lambda: random.beta(KEY, 1.0, 1.0, dtype=jnp.int32), ValueError, "floating-point"),
        (lambda: random.poisson(KEY, 1.0, dtype=jnp.float32), ValueError, "integer dtype"),
        (lambda: random.geometric(KEY, 0.5, dtype=jnp.float32), ValueError, "integer dtype"),
        (lambda: random.t(random.split(KEY), 3.0), TypeError, "random.t expects a single key"),
        (lambda: random.dirichlet(KEY, 1.0), ValueError, "at least one axis"),
        (lambda: random.multinomial(KEY, 3, 0.5), ValueError, "at least one axis"),
        (
            lambda: random.multivariate_normal(KEY, jnp.zeros(3), jnp.eye(2)),
            ValueError,
            r"cov.shape == \(..., n, n\)",
        ),
        (
            lambda: random.multivariate_normal(KEY, jnp.zeros(2), jnp.eye(2), method="qr"),
            ValueError,
            "cholesky",
        ),
        (lambda: random.ball(KEY, -1), ValueError, "nonnegative"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
