"""jtrans.random: JAX's bits for known keys, determinism, independence of split keys, and
distribution tests (moments, Kolmogorov-Smirnov) eagerly, under jit and under vmap."""

import numpy as np
import pytest
import scipy.stats

import jtrans
import jtrans.numpy as jnp
from jtrans import random

KEY0 = random.PRNGKey(0)


def _np(x):
    return np.asarray(x)


# --- JAX 0.10's bits (its default, jax_threefry_partitionable=True), pinned -----------------


def test_default_scheme_matches_jax_0_10():
    assert jtrans.config.jax_threefry_partitionable  # JAX's default since 0.5
    assert _np(random.split(KEY0)).tolist() == [[1797259609, 2579123966], [928981903, 3453687069]]
    assert _np(random.split(KEY0, 3))[2].tolist() == [4146024105, 2718843009]
    assert _np(random.fold_in(KEY0, 7)).tolist() == [2716826189, 292468403]
    np.testing.assert_array_equal(
        _np(random.uniform(KEY0, (3,))), np.float32([0.947667, 0.9785799, 0.33229148])
    )
    np.testing.assert_array_equal(
        _np(random.bits(KEY0, (3,))), [4070199207, 4202968722, 1427181096]
    )
    np.testing.assert_array_equal(_np(random.bits(KEY0, (5,), jnp.uint8)), [167, 146, 40, 53, 183])
    k = random.PRNGKey(42)
    np.testing.assert_allclose(
        _np(random.normal(k, (3,))), [-0.02830462, 0.46713185, 0.29570296], rtol=1e-6
    )
    np.testing.assert_array_equal(_np(random.randint(k, (5,), 0, 10)), [4, 4, 1, 9, 9])
    np.testing.assert_array_equal(
        _np(random.permutation(KEY0, 10)), [0, 1, 8, 5, 6, 4, 3, 2, 7, 9]
    )
    with jtrans.dtypes.enable_x64():
        np.testing.assert_array_equal(
            _np(random.randint(KEY0, (3,), 0, 10**12, jnp.int64)),
            [57961561871, 706803357823, 73035129551],
        )


# --- JAX's classic bits (jax_threefry_partitionable=False), pinned ----------------------------


@pytest.fixture
def classic():
    with jtrans.threefry_partitionable(False):
        yield


@pytest.mark.usefixtures("classic")
def test_prngkey_and_split_match_jax():
    assert _np(KEY0).dtype == np.uint32 and _np(KEY0).tolist() == [0, 0]
    assert _np(random.PRNGKey(42)).tolist() == [0, 42]
    assert _np(random.split(KEY0)).tolist() == [[4146024105, 967050713], [2718843009, 1272950319]]
    assert _np(random.split(KEY0, 3)).tolist() == [
        [2467461003, 428148500],
        [3186719485, 3840466878],
        [2562233961, 1946702221],
    ]
    assert _np(random.split(KEY0, (2, 1))).shape == (2, 1, 2)
    assert _np(random.fold_in(KEY0, 7)).tolist() == [2716826189, 292468403]
    assert _np(random.fold_in(random.PRNGKey(42), 3)).tolist() == [3134548294, 894150801]


@pytest.mark.usefixtures("classic")
def test_samplers_match_jax():
    assert _np(random.uniform(KEY0)) == np.float32(0.41845703)
    np.testing.assert_array_equal(
        _np(random.uniform(KEY0, (3,))), np.float32([0.9653214, 0.31468165, 0.63302994])
    )
    np.testing.assert_array_equal(
        _np(random.bits(KEY0, (3,))), [4146024105, 1351547692, 2718843009]
    )
    np.testing.assert_array_equal(_np(random.bits(KEY0, (3,), jnp.uint16)), [9103, 14175, 5405])
    np.testing.assert_array_equal(_np(random.bits(KEY0, (5,), jnp.uint8)), [143, 35, 95, 55, 29])
    k = random.PRNGKey(42)
    np.testing.assert_allclose(
        _np(random.normal(k, (3,))), [0.18693547, -1.2806505, -1.5593132], rtol=1e-5
    )
    np.testing.assert_array_equal(_np(random.randint(k, (5,), 0, 10)), [2, 3, 7, 9, 4])
    np.testing.assert_array_equal(_np(random.randint(KEY0, (3,), -5, 5, jnp.int8)), [3, -4, 2])
    np.testing.assert_array_equal(_np(random.randint(KEY0, (3,), 0, 256, jnp.uint8)), [112, 7, 21])
    np.testing.assert_array_equal(
        _np(random.bernoulli(k, 0.3, (5,))), [False, False, True, True, True]
    )
    np.testing.assert_allclose(
        _np(random.truncated_normal(k, -1.0, 1.0, (3,))),
        [0.1272218, -0.7486562, -0.8443077],
        rtol=1e-5,
    )
    np.testing.assert_array_equal(
        _np(random.categorical(k, np.float32([0.0, 1.0, 2.0]), shape=(6,))), [2, 2, 1, 2, 2, 2]
    )
    np.testing.assert_array_equal(
        _np(random.uniform(KEY0, (2,), jnp.float16)), np.float16([0.004883, 0.418])
    )


@pytest.mark.usefixtures("classic")
def test_x64_bits_match_jax():
    with jtrans.dtypes.enable_x64():
        np.testing.assert_allclose(
            _np(random.uniform(KEY0, (3,), jnp.float64)),
            [0.57450053, 0.09968609, 0.74196595],
            rtol=1e-7,
        )
        np.testing.assert_array_equal(
            _np(random.randint(KEY0, (3,), 0, 10**12, jnp.int64)),
            [131328118276, 462557425970, 60328391410],
        )
        assert _np(random.PRNGKey(2**40)).tolist() == [256, 0]


# --- determinism and independence ----------------------------------------------------------


def test_same_key_same_numbers_different_keys_different_numbers():
    a = _np(random.normal(random.PRNGKey(3), (100,)))
    b = _np(random.normal(random.PRNGKey(3), (100,)))
    c = _np(random.normal(random.PRNGKey(4), (100,)))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_split_keys_are_independent():
    k1, k2 = _np(random.split(random.PRNGKey(5)))
    x = _np(random.uniform(k1, (4000,)))
    y = _np(random.uniform(k2, (4000,)))
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.05
    # a child key's numbers are not the parent's
    z = _np(random.uniform(random.PRNGKey(5), (4000,)))
    assert abs(np.corrcoef(x, z)[0, 1]) < 0.05
    keys = _np(random.split(random.PRNGKey(5), 64))
    assert len({tuple(k) for k in keys}) == 64


def test_fold_in_distinct():
    keys = {tuple(_np(random.fold_in(KEY0, i))) for i in range(32)}
    assert len(keys) == 32


def test_key_errors():
    with pytest.raises(TypeError, match="uint32\\[2\\]"):
        random.normal(np.zeros(3, np.uint32), (2,))
    with pytest.raises(TypeError, match="vmap"):
        random.uniform(random.split(KEY0, 4))
    with pytest.raises(TypeError):
        random.PRNGKey(1.5)


def test_key_data_roundtrip():
    k = random.key(7)
    np.testing.assert_array_equal(_np(random.key_data(k)), _np(random.PRNGKey(7)))
    k2 = random.wrap_key_data(random.key_data(k))
    assert k2.shape == () and bool(k2 == k)
    np.testing.assert_array_equal(_np(random.key_data(k2)), [0, 7])


# --- distributions ---------------------------------------------------------------------------


def _ks(x, cdf):
    return scipy.stats.kstest(np.asarray(x, np.float64).ravel(), cdf).pvalue


@pytest.mark.parametrize("mode", ["eager", "jit"])
def test_uniform_normal_distributions(mode):
    def sample(k):
        return random.uniform(k, (5000,), minval=-2.0, maxval=3.0), random.normal(k, (5000,))

    f = jtrans.jit(sample) if mode == "jit" else sample
    u, n = map(_np, f(random.PRNGKey(11)))
    assert u.dtype == np.float32 and n.dtype == np.float32
    assert u.min() >= -2.0 and u.max() < 3.0
    assert _ks(u, scipy.stats.uniform(-2, 5).cdf) > 1e-3
    assert _ks(n, "norm") > 1e-3
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


def test_vmap_over_keys_equals_loop():
    keys = random.split(random.PRNGKey(2), 5)
    batched = _np(jtrans.vmap(random.normal, in_axes=(0, None))(keys, (4,)))
    looped = np.stack([_np(random.normal(k, (4,))) for k in _np(keys)])
    np.testing.assert_array_equal(batched, looped)
    jitted = _np(jtrans.jit(jtrans.vmap(lambda k: random.normal(k, (4,))))(keys))
    # compiled erf_inv is an inline approximation: equal to eager within an ulp or two
    np.testing.assert_allclose(jitted, looped, rtol=1e-6, atol=1e-6)
    splits = _np(jtrans.vmap(random.split)(keys))
    np.testing.assert_array_equal(splits, np.stack([_np(random.split(k)) for k in _np(keys)]))
    folded = _np(jtrans.vmap(random.fold_in, in_axes=(None, 0))(KEY0, np.arange(3)))
    np.testing.assert_array_equal(
        folded, np.stack([_np(random.fold_in(KEY0, i)) for i in range(3)])
    )


def test_vmap_distribution():
    keys = random.split(random.PRNGKey(8), 1000)
    x = _np(jtrans.vmap(lambda k: random.normal(k, (4,)))(keys))
    assert _ks(x, "norm") > 1e-3
    # rows from different keys are uncorrelated
    assert abs(np.corrcoef(x[:, 0], x[:, 1])[0, 1]) < 0.1


def test_vmap_over_parameters():
    lo = np.float32([0.0, 10.0, 100.0])
    f = jtrans.vmap(lambda m: random.uniform(KEY0, (3,), minval=m, maxval=m + 1), in_axes=0)
    out = _np(f(lo))
    np.testing.assert_allclose(
        out - lo[:, None], np.broadcast_to(_np(random.uniform(KEY0, (3,))), (3, 3)), atol=1e-4
    )


def test_truncated_normal():
    x = _np(random.truncated_normal(random.PRNGKey(1), -0.5, 1.5, (4000,)))
    assert x.min() >= -0.5 and x.max() <= 1.5
    assert _ks(x, scipy.stats.truncnorm(-0.5, 1.5).cdf) > 1e-3


def test_randint():
    x = _np(random.randint(random.PRNGKey(1), (6000,), 3, 9))
    assert x.dtype == np.int32 and x.min() == 3 and x.max() == 8
    counts = np.bincount(x - 3)
    assert scipy.stats.chisquare(counts).pvalue > 1e-3
    # broadcast bounds
    y = _np(random.randint(KEY0, (100, 2), np.array([0, 50]), np.array([10, 60])))
    assert (y[:, 0] < 10).all() and (y[:, 1] >= 50).all()
    # empty span returns minval
    assert (_np(random.randint(KEY0, (5,), 4, 4)) == 4).all()


def test_bernoulli_and_exponential():
    b = _np(random.bernoulli(random.PRNGKey(3), 0.3, (5000,)))
    assert b.dtype == np.bool_ and abs(b.mean() - 0.3) < 0.03
    p = np.float32([0.1, 0.9])
    assert _np(random.bernoulli(KEY0, p)).shape == (2,)
    e = _np(random.exponential(random.PRNGKey(4), (4000,)))
    assert _ks(e, "expon") > 1e-3
    g = _np(random.gumbel(random.PRNGKey(4), (4000,)))
    assert _ks(g, "gumbel_r") > 1e-3


def test_categorical():
    logits = np.log(np.float32([0.2, 0.5, 0.3]))
    x = _np(random.categorical(random.PRNGKey(6), logits, shape=(6000,)))
    freq = np.bincount(x, minlength=3) / x.size
    np.testing.assert_allclose(freq, [0.2, 0.5, 0.3], atol=0.03)
    batched = _np(random.categorical(KEY0, np.zeros((4, 3), np.float32)))
    assert batched.shape == (4,) and batched.max() < 3
    ax0 = _np(random.categorical(KEY0, np.zeros((3, 4), np.float32), axis=0, shape=(2, 4)))
    assert ax0.shape == (2, 4)


@pytest.mark.usefixtures("classic")
def test_permutation():
    p = _np(random.permutation(random.PRNGKey(0), 10))
    np.testing.assert_array_equal(p, [2, 7, 9, 6, 0, 8, 1, 3, 4, 5])  # JAX's
    assert sorted(p.tolist()) == list(range(10))
    x = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    px = _np(random.permutation(KEY0, x, axis=0))
    assert sorted(px[:, 0].tolist()) == [0, 3, 6, 9] and (px[:, 1] == px[:, 0] + 1).all()
    jp = _np(jtrans.jit(lambda k: random.permutation(k, 10))(random.PRNGKey(0)))
    np.testing.assert_array_equal(jp, p)


def test_choice():
    c = _np(random.choice(KEY0, 5, (4,), replace=False))
    assert len(set(c.tolist())) == 4
    x = _np(random.choice(random.PRNGKey(1), 5, (6000,), p=np.float32([0.1, 0.2, 0.3, 0.2, 0.2])))
    np.testing.assert_allclose(
        np.bincount(x, minlength=5) / x.size, [0.1, 0.2, 0.3, 0.2, 0.2], atol=0.03
    )
    a = np.float32([10, 20, 30])
    assert set(_np(random.choice(KEY0, a, (10,))).tolist()) <= {10.0, 20.0, 30.0}


def test_vmap_permutation_and_choice_equal_loop():
    keys = random.split(KEY0, 3)
    vp = _np(jtrans.vmap(lambda k: random.permutation(k, 5))(keys))
    np.testing.assert_array_equal(vp, [_np(random.permutation(k, 5)) for k in _np(keys)])
    vc = _np(jtrans.vmap(lambda k: random.choice(k, 5, (3,), replace=False))(keys))
    np.testing.assert_array_equal(
        vc, [_np(random.choice(k, 5, (3,), replace=False)) for k in _np(keys)]
    )


def test_gradients_flow_through_sampler_parameters():
    # reparameterisation: d/dmu, d/dsigma of sum(mu + sigma * eps)
    eps = _np(random.normal(KEY0, (3,)))
    g_mu, g_sigma = jtrans.grad(
        lambda m, s: jnp.sum(random.normal(KEY0, (3,)) * s + m), argnums=(0, 1)
    )(1.0, 2.0)
    assert float(g_mu) == 3.0
    np.testing.assert_allclose(float(g_sigma), eps.sum(), rtol=1e-6)
    u = _np(random.uniform(KEY0, (3,)))
    g = jtrans.grad(lambda lo: jnp.sum(random.uniform(KEY0, (3,), minval=lo, maxval=5.0)))(1.0)
    np.testing.assert_allclose(float(g), 3 - u.sum(), rtol=1e-5)
