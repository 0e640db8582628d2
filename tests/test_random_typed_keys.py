"""Typed PRNG keys (`random.key`, JAX's `jax.random.key`): key arrays of dtype key<fry> whose
shape excludes the key's two words. They give the same bits as the legacy raw uint32[2] keys
(`random.PRNGKey`), keep their style through split / fold_in / clone, pass through jit, vmap,
scan, fori_loop, while_loop, cond and grad, and refuse arithmetic as JAX's do."""

import copy
import pickle

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import dtypes, lax, random, tree_util

KEY = random.key(42)
RAW = random.PRNGKey(42)


def _np(x):
    return np.asarray(x)


def _data(keys):
    return _np(random.key_data(keys))


def _same_keys(a, b):
    assert isinstance(a, random.PRNGKeyArray) and isinstance(b, random.PRNGKeyArray)
    assert a.shape == b.shape
    np.testing.assert_array_equal(_data(a), _data(b))


# --- what a typed key is -------------------------------------------------------------------


def test_shape_dtype_and_repr():
    assert KEY.shape == () and KEY.ndim == 0 and KEY.size == 1
    assert str(KEY.dtype) == "key<fry>" and repr(KEY.dtype) == "key<fry>"
    assert KEY.dtype.name == "key<fry>" and KEY.dtype.itemsize == 8 and KEY.nbytes == 8
    assert KEY.dtype == random.key(0).dtype == random.key_dtype()
    assert KEY.dtype != jnp.uint32 and KEY.dtype != np.dtype(np.uint32)
    assert repr(KEY) == "Array((), dtype=key<fry>) overlaying:\n[ 0 42]"
    keys = random.split(KEY, 2)
    assert repr(keys).startswith("Array((2,), dtype=key<fry>) overlaying:\n[[")
    # the legacy constructor still makes raw keys
    assert RAW.shape == (2,) and RAW.dtype == np.uint32
    assert _np(RAW).tolist() == [0, 42]


def test_dtype_categories():
    for issub in (jnp.issubdtype, dtypes.issubdtype):
        assert issub(KEY.dtype, dtypes.prng_key)
        assert issub(KEY.dtype, dtypes.extended)
        assert not issub(KEY.dtype, np.integer) and not issub(KEY.dtype, np.number)
        assert not issub(RAW.dtype, dtypes.prng_key)
        assert issub(KEY.dtype, KEY.dtype)
    assert isinstance(KEY, jtrans.Array)
    assert isinstance(KEY, random.PRNGKeyArray) and not isinstance(RAW, random.PRNGKeyArray)


def test_key_data_and_wrap_key_data_round_trip():
    assert _data(KEY).dtype == np.uint32 and _data(KEY).tolist() == [0, 42]
    np.testing.assert_array_equal(_np(random.key_data(RAW)), _np(RAW))  # raw keys: as they are
    keys = random.split(KEY, (2, 3))
    data = random.key_data(keys)
    assert data.shape == (2, 3, 2) and data.dtype == np.uint32
    back = random.wrap_key_data(data)
    _same_keys(back, keys)
    assert random.wrap_key_data(np.array([0, 42], np.uint32), impl="threefry2x32").shape == ()
    assert bool(random.wrap_key_data(_data(KEY), dtype=KEY.dtype) == KEY)
    # a raw key wrapped is the typed key of the same seed
    assert bool(random.wrap_key_data(RAW) == KEY)


def test_seeds():
    assert _data(random.key(0)).tolist() == [0, 0]
    assert _data(random.key(np.int32(7))).tolist() == [0, 7]
    assert _data(random.key(jnp.asarray(7))).tolist() == [0, 7]
    with jtrans.dtypes.enable_x64():
        assert _data(random.key(2**40)).tolist() == [256, 0]
    # a traced seed, mapped: a key array of shape (4,)
    keys = jtrans.vmap(random.key)(jnp.arange(4))
    assert keys.shape == (4,)
    assert _data(keys).tolist() == [[0, 0], [0, 1], [0, 2], [0, 3]]
    assert jtrans.jit(random.key)(5).shape == ()
    assert _data(jtrans.jit(random.key)(5)).tolist() == [0, 5]


# --- same bits as raw keys ------------------------------------------------------------------

SAMPLERS = {
    "ball": lambda k: random.ball(k, 3, shape=(2,)),
    "bernoulli": lambda k: random.bernoulli(k, 0.3, (5,)),
    "beta": lambda k: random.beta(k, 2.0, 3.0, (3,)),
    "binomial": lambda k: random.binomial(k, 20.0, 0.3, (3,)),
    "bits": lambda k: random.bits(k, (4,)),
    "bits_u8": lambda k: random.bits(k, (5,), jnp.uint8),
    "categorical": lambda k: random.categorical(k, jnp.array([0.0, 1.0, 2.0]), shape=(6,)),
    "cauchy": lambda k: random.cauchy(k, (3,)),
    "chisquare": lambda k: random.chisquare(k, 3.0, (3,)),
    "choice": lambda k: random.choice(k, 10, (4,), replace=False),
    "choice_p": lambda k: random.choice(k, 4, (5,), p=jnp.array([0.1, 0.2, 0.3, 0.4])),
    "dirichlet": lambda k: random.dirichlet(k, jnp.array([1.0, 2.0, 3.0]), (2,)),
    "double_sided_maxwell": lambda k: random.double_sided_maxwell(k, 0.0, 1.0, (3,)),
    "exponential": lambda k: random.exponential(k, (3,)),
    "f": lambda k: random.f(k, 3.0, 4.0, (3,)),
    "gamma": lambda k: random.gamma(k, 2.5, (3,)),
    "generalized_normal": lambda k: random.generalized_normal(k, 1.5, (3,)),
    "geometric": lambda k: random.geometric(k, 0.3, (4,)),
    "gumbel": lambda k: random.gumbel(k, (3,)),
    "laplace": lambda k: random.laplace(k, (3,)),
    "loggamma": lambda k: random.loggamma(k, 0.5, (3,)),
    "logistic": lambda k: random.logistic(k, (3,)),
    "lognormal": lambda k: random.lognormal(k, 0.5, (3,)),
    "maxwell": lambda k: random.maxwell(k, (3,)),
    "multinomial": lambda k: random.multinomial(k, 10.0, jnp.array([0.2, 0.3, 0.5])),
    "multivariate_normal": lambda k: random.multivariate_normal(k, jnp.zeros(2), jnp.eye(2)),
    "normal": lambda k: random.normal(k, (3,)),
    "orthogonal": lambda k: random.orthogonal(k, 3),
    "pareto": lambda k: random.pareto(k, 2.0, (3,)),
    "permutation": lambda k: random.permutation(k, 8),
    "permutation_array": lambda k: random.permutation(k, jnp.arange(6).reshape(3, 2), axis=1),
    "poisson": lambda k: random.poisson(k, 3.0, (4,)),
    "poisson_large": lambda k: random.poisson(k, 30.0, (4,)),
    "rademacher": lambda k: random.rademacher(k, (4,)),
    "randint": lambda k: random.randint(k, (5,), 0, 10),
    "rayleigh": lambda k: random.rayleigh(k, 2.0, (3,)),
    "shuffle": lambda k: random.shuffle(k, jnp.arange(5)),
    "t": lambda k: random.t(k, 3.0, (3,)),
    "triangular": lambda k: random.triangular(k, 0.0, 0.5, 1.0, (3,)),
    "truncated_normal": lambda k: random.truncated_normal(k, -1.0, 1.0, (3,)),
    "uniform": lambda k: random.uniform(k, (3,)),
    "uniform_f16": lambda k: random.uniform(k, (3,), jnp.float16),
    "wald": lambda k: random.wald(k, 1.5, (3,)),
    "weibull_min": lambda k: random.weibull_min(k, 1.0, 2.0, (3,)),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_sampler_gives_the_raw_keys_bits(name):
    sample = SAMPLERS[name]
    typed, raw = sample(KEY), sample(RAW)
    assert typed.dtype == raw.dtype and typed.shape == raw.shape
    np.testing.assert_array_equal(_np(typed), _np(raw))


def test_pinned_jax_values_from_a_typed_key():
    with jtrans.threefry_partitionable(False):
        _pinned_classic()
    # JAX 0.10's default scheme
    np.testing.assert_allclose(
        _np(random.normal(KEY, (3,))), [-0.02830462, 0.46713185, 0.29570296], rtol=1e-6
    )


def _pinned_classic():
    # JAX: random.normal(random.key(42), (3,)) == random.normal(random.PRNGKey(42), (3,))
    np.testing.assert_allclose(
        _np(random.normal(KEY, (3,))), [0.18693547, -1.2806505, -1.5593132], rtol=1e-5
    )
    assert _np(random.uniform(random.key(0))) == np.float32(0.41845703)


def test_split_and_fold_in_keep_the_key_style():
    keys = random.split(KEY)
    assert isinstance(keys, random.PRNGKeyArray) and keys.shape == (2,)
    np.testing.assert_array_equal(_data(keys), _np(random.split(RAW)))
    assert random.split(KEY, 5).shape == (5,)
    assert random.split(KEY, (2, 3)).shape == (2, 3)
    np.testing.assert_array_equal(_data(random.split(KEY, (2, 3))), _np(random.split(RAW, (2, 3))))
    assert random.split(KEY, 0).shape == (0,)
    k = random.fold_in(KEY, 3)
    assert isinstance(k, random.PRNGKeyArray) and k.shape == ()
    assert _data(k).tolist() == [3134548294, 894150801]
    assert _data(random.fold_in(KEY, jnp.uint32(3))).tolist() == [3134548294, 894150801]
    assert random.clone(KEY) is KEY
    assert random.key_impl(KEY) == "threefry2x32"
    assert random.key_impl(random.split(KEY, 3)) == "threefry2x32"
    # raw keys stay raw
    assert random.split(RAW).shape == (2, 2) and random.fold_in(RAW, 1).shape == (2,)


def test_split_in_the_partitionable_scheme():
    with jtrans.threefry_partitionable(True):
        keys = random.split(KEY, (2, 3))
        assert keys.shape == (2, 3)
        np.testing.assert_array_equal(_data(keys), _np(random.split(RAW, (2, 3))))
        np.testing.assert_array_equal(_np(random.normal(KEY, (4,))), _np(random.normal(RAW, (4,))))


def test_unpacking_split_keys():
    k1, k2 = random.split(KEY)
    assert k1.shape == () and k2.shape == ()
    r1, r2 = random.split(RAW)
    np.testing.assert_array_equal(_data(k1), _np(r1))
    np.testing.assert_array_equal(_data(k2), _np(r2))
    key, *subkeys = random.split(KEY, 4)
    assert len(subkeys) == 3 and all(s.shape == () for s in subkeys)


# --- array behaviour --------------------------------------------------------------------------


def test_indexing_and_reshaping():
    keys = random.split(KEY, 6)
    data = _data(keys)
    np.testing.assert_array_equal(_data(keys[0]), data[0])
    np.testing.assert_array_equal(_data(keys[-1]), data[-1])
    np.testing.assert_array_equal(_data(keys[1:4]), data[1:4])
    np.testing.assert_array_equal(_data(keys[jnp.array([5, 0])]), data[[5, 0]])
    np.testing.assert_array_equal(_data(keys[::2]), data[::2])
    grid = keys.reshape(2, 3)
    assert grid.shape == (2, 3) and keys.reshape((3, 2)).shape == (3, 2)
    np.testing.assert_array_equal(_data(grid), data.reshape(2, 3, 2))
    np.testing.assert_array_equal(_data(grid[1, 2]), data[5])
    np.testing.assert_array_equal(_data(grid[:, 1]), data.reshape(2, 3, 2)[:, 1])
    np.testing.assert_array_equal(_data(grid[..., None]), data.reshape(2, 3, 1, 2))
    assert grid.T.shape == (3, 2)
    np.testing.assert_array_equal(_data(grid.T), data.reshape(2, 3, 2).transpose(1, 0, 2))
    assert grid.transpose(1, 0).shape == (3, 2) and grid.swapaxes(0, 1).shape == (3, 2)
    assert grid.ravel().shape == (6,) and grid.flatten().shape == (6,)
    assert grid[None].squeeze(0).shape == (2, 3)
    np.testing.assert_array_equal(_data(grid.take(jnp.array([2, 0]), axis=1)),
                                  data.reshape(2, 3, 2)[:, [2, 0]])  # fmt: skip
    assert len(keys) == 6 and [k.shape for k in grid] == [(3,), (3,)]
    with pytest.raises(IndexError):
        keys[6]
    with pytest.raises(TypeError):
        len(KEY)
    with pytest.raises(TypeError):
        iter(KEY)


def test_at_updates():
    keys = random.split(KEY, 3)
    new = keys.at[1].set(KEY)
    data = _data(keys)
    data[1] = [0, 42]
    np.testing.assert_array_equal(_data(new), data)
    np.testing.assert_array_equal(_data(keys.at[2].get()), _data(keys)[2])
    with pytest.raises(TypeError, match="key array"):
        keys.at[0].set(RAW)


def test_equality():
    keys = random.split(KEY, 3)
    assert bool(KEY == random.key(42)) and not bool(KEY != random.key(42))
    assert bool(KEY != random.key(43))
    np.testing.assert_array_equal(_np(keys == keys[1]), [False, True, False])
    np.testing.assert_array_equal(_np(keys != keys[1]), [True, False, True])
    # a key that differs in one word only is a different key
    assert not bool(random.wrap_key_data(np.array([1, 42], np.uint32)) == KEY)


@pytest.mark.parametrize(
    "misuse",
    [
        lambda k: k + 1,
        lambda k: 1 + k,
        lambda k: k * k,
        lambda k: -k,
        lambda k: k < k,
        lambda k: k ^ 1,
        lambda k: k == 1,
        lambda k: int(k),
        lambda k: bool(k),
        lambda k: hash(k),
        lambda k: np.asarray(k),
        lambda k: jnp.add(k, 1),
        lambda k: jnp.ones(()) + k,
        lambda k: k.astype(jnp.uint32),
    ],
)
def test_arithmetic_and_conversions_raise_type_error(misuse):
    with pytest.raises(TypeError):
        misuse(KEY)


def test_conversion_errors_point_at_key_data():
    with pytest.raises(TypeError, match="key_data"):
        np.asarray(KEY)
    with pytest.raises(TypeError, match="split or fold_in"):
        KEY + 1


def test_misuse_of_samplers_names_the_sampler():
    keys = random.split(KEY, 3)
    with pytest.raises(TypeError, match=r"random.normal accepts a single key.*shape \(3,\)"):
        random.normal(keys)
    with pytest.raises(TypeError, match=r"random.split accepts a single key"):
        random.split(keys)
    with pytest.raises(TypeError, match=r"random.fold_in accepts a single key"):
        random.fold_in(keys, 1)
    with pytest.raises(TypeError, match=r"random.gamma accepts a single key"):
        random.gamma(keys, 1.0)
    with pytest.raises(TypeError, match="scalar seed"):
        random.key(jnp.arange(3))
    with pytest.raises(TypeError, match="integer"):
        random.key(1.5)
    with pytest.raises(TypeError, match="uint32"):
        random.wrap_key_data(jnp.zeros((3,), jnp.uint32))
    with pytest.raises(TypeError, match="uint32"):
        random.wrap_key_data(jnp.zeros((2,), jnp.int32))
    with pytest.raises(ValueError, match="threefry2x32"):
        random.key(0, impl="rbg")
    with pytest.raises(ValueError, match="key_dtype"):
        random.key(0, dtype=jnp.float32)


def test_copy_and_pickle():
    assert bool(copy.copy(KEY) == KEY) and bool(copy.deepcopy(KEY) == KEY)
    back = pickle.loads(pickle.dumps(random.split(KEY, 2)))
    _same_keys(back, random.split(KEY, 2))
    assert jtrans.block_until_ready(KEY) is not None
    assert random.split(KEY).block_until_ready().shape == (2,)


# --- transformations ---------------------------------------------------------------------------


def test_jit_takes_and_returns_keys():
    f = jtrans.jit(lambda k: random.normal(k, (3,)))
    # (compiled erf_inv may differ from NumPy's by an ulp)
    np.testing.assert_allclose(_np(f(KEY)), _np(random.normal(KEY, (3,))), rtol=1e-6)
    out = jtrans.jit(lambda k: random.split(k, 3))(KEY)
    _same_keys(out, random.split(KEY, 3))
    new, x = jtrans.jit(lambda k: (random.fold_in(k, 1), random.uniform(k)))(KEY)
    _same_keys(new, random.fold_in(KEY, 1))
    assert _np(x) == _np(random.uniform(KEY))
    # a key closed over, and a key inside a pytree argument
    np.testing.assert_allclose(_np(jtrans.jit(lambda x: x + random.normal(KEY))(1.0)),
                               _np(1.0 + random.normal(KEY)), rtol=1e-6)  # fmt: skip
    g = jtrans.jit(lambda d: random.uniform(d["k"], (2,)) * d["s"])
    np.testing.assert_array_equal(_np(g({"k": KEY, "s": 2.0})), _np(random.uniform(KEY, (2,)) * 2))


def test_vmap_over_split_keys_equals_a_loop():
    keys = random.split(KEY, 4)
    out = jtrans.vmap(lambda k: random.normal(k, (2,)))(keys)
    loop = np.stack([_np(random.normal(k, (2,))) for k in keys])
    np.testing.assert_array_equal(_np(out), loop)
    # a batch of keys along axis 1 of a key array (the words axis is never mapped)
    grid = random.split(KEY, 6).reshape(2, 3)
    out = jtrans.vmap(jtrans.vmap(random.uniform), in_axes=1)(grid)
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(_np(out), _np(jtrans.vmap(jtrans.vmap(random.uniform))(grid)).T)
    # negative axes count the key array's own axes
    out = jtrans.vmap(jtrans.vmap(random.uniform), in_axes=-1)(grid)
    np.testing.assert_array_equal(_np(out), _np(jtrans.vmap(jtrans.vmap(random.uniform))(grid)).T)
    # vmap over a single key's axis is an error: it has none
    with pytest.raises(ValueError):
        jtrans.vmap(random.normal)(KEY)


def test_vmap_returns_key_arrays():
    keys = random.split(KEY, 3)
    out = jtrans.vmap(lambda k: random.split(k, 4))(keys)
    assert out.shape == (3, 4)
    for i in range(3):
        _same_keys(out[i], random.split(keys[i], 4))
    out1 = jtrans.vmap(lambda k: random.split(k, 4), out_axes=1)(keys)
    assert out1.shape == (4, 3)
    _same_keys(out1.T, out)
    out_neg = jtrans.vmap(lambda k: random.split(k, 4), out_axes=-1)(keys)
    _same_keys(out_neg, out1)
    # mapped keys next to an unmapped parameter, and inside a dict
    f = jtrans.vmap(lambda d, s: random.normal(d["k"]) * s, in_axes=({"k": 0}, None))
    np.testing.assert_array_equal(_np(f({"k": keys}, 2.0)),
                                  [2.0 * float(random.normal(k)) for k in keys])  # fmt: skip
    # an unmapped key: every lane sees the same one
    same = jtrans.vmap(lambda x, k: x + random.normal(k), in_axes=(0, None))(jnp.zeros(3), KEY)
    np.testing.assert_array_equal(_np(same), np.full(3, float(random.normal(KEY)), np.float32))


def test_scan_fori_loop_while_loop_and_cond_carry_keys():
    def body(carry, _):
        key, total = carry
        key, sub = random.split(key)
        return (key, total + random.normal(sub)), random.uniform(sub)

    (key, total), us = lax.scan(body, (KEY, 0.0), None, length=4)
    assert key.shape == () and us.shape == (4,)
    # the same in a Python loop
    k, t, loop_us = KEY, 0.0, []
    for _ in range(4):
        k, sub = random.split(k)
        t = t + random.normal(sub)
        loop_us.append(float(random.uniform(sub)))
    _same_keys(key, k)
    np.testing.assert_allclose(_np(total), _np(t), rtol=1e-6)
    np.testing.assert_array_equal(_np(us), np.float32(loop_us))
    # keys as scanned-over xs
    _, xs = lax.scan(lambda c, k: (c, random.uniform(k)), 0.0, random.split(KEY, 5))
    np.testing.assert_array_equal(_np(xs), _np(jtrans.vmap(random.uniform)(random.split(KEY, 5))))
    # fori_loop and while_loop carrying a key
    fk = lax.fori_loop(0, 4, lambda i, c: random.split(c)[0], KEY)
    wk, _ = lax.while_loop(lambda c: c[1] < 4, lambda c: (random.split(c[0])[0], c[1] + 1),
                           (KEY, 0))  # fmt: skip
    ref = KEY
    for _ in range(4):
        ref = random.split(ref)[0]
    _same_keys(fk, ref)
    _same_keys(wk, ref)
    # cond returning a key from either branch
    out = lax.cond(True, lambda k: random.fold_in(k, 1), lambda k: k, KEY)
    _same_keys(out, random.fold_in(KEY, 1))
    out = jtrans.jit(lambda p, k: lax.cond(p, lambda k: random.fold_in(k, 1), lambda k: k, k))(
        False, KEY
    )
    _same_keys(out, KEY)


def test_grad_of_a_function_using_a_key():
    def loss(x, key):
        return jnp.sum(x * random.normal(key, (3,)))

    x = jnp.ones(3)
    g = jtrans.grad(loss)(x, KEY)
    np.testing.assert_array_equal(_np(g), _np(random.normal(KEY, (3,))))
    value, g2 = jtrans.value_and_grad(loss)(x, KEY)
    np.testing.assert_array_equal(_np(g2), _np(g))
    # jit(grad), vmap(grad) over keys, and the key-dependent reparameterised gamma gradient
    np.testing.assert_allclose(_np(jtrans.jit(jtrans.grad(loss))(x, KEY)), _np(g), rtol=1e-6)
    keys = random.split(KEY, 2)
    gs = jtrans.vmap(jtrans.grad(loss), in_axes=(None, 0))(x, keys)
    np.testing.assert_array_equal(_np(gs), np.stack([_np(random.normal(k, (3,))) for k in keys]))
    ga = jtrans.grad(lambda a: random.gamma(KEY, a))(2.0)
    np.testing.assert_array_equal(_np(ga), _np(jtrans.grad(lambda a: random.gamma(RAW, a))(2.0)))
    jtrans.grad(lambda x: jtrans.checkpoint(loss)(x, KEY))(x)


def test_eval_shape_and_make_jaxpr():
    out = jtrans.eval_shape(lambda k: random.split(k, 3), KEY)
    assert out.shape == (3,) and str(out.dtype) == "key<fry>"
    jaxpr = jtrans.make_jaxpr(random.normal)(KEY)
    assert "erf_inv" in str(jaxpr)


def test_tree_util():
    keys = random.split(KEY, 3)
    # a key array is a node of its two uint32 words, each of the key array's shape
    leaves, treedef = tree_util.tree_flatten(keys)
    assert len(leaves) == 2 and all(leaf.shape == (3,) for leaf in leaves)
    assert all(leaf.dtype == np.uint32 for leaf in leaves)
    _same_keys(tree_util.tree_unflatten(treedef, leaves), keys)
    # so tree_map slices / reshapes a key array as the array it is
    _same_keys(tree_util.tree_map(lambda w: w[:2], keys), keys[:2])
    stacked = tree_util.tree_map(lambda *ws: jnp.stack(ws), KEY, random.fold_in(KEY, 1))
    assert stacked.shape == (2,)
    _same_keys(stacked[1], random.fold_in(KEY, 1))
    state = {"key": KEY, "w": jnp.ones(2)}
    assert tree_util.tree_structure(state) == tree_util.tree_structure({"key": KEY, "w": 0.0})
    back = jtrans.device_put(state)
    _same_keys(back["key"], KEY)


def test_nn_initializers_accept_typed_keys():
    init = jtrans.nn.initializers.glorot_normal()
    np.testing.assert_array_equal(_np(init(KEY, (2, 3))), _np(init(RAW, (2, 3))))


def test_map_words_joins_key_arrays():
    # the helper jnp.stack / concatenate / where can delegate key arrays to
    keys = random.split(KEY, 3)
    both = random._map_words(lambda *ws: jnp.concatenate(ws), keys, keys[:1])
    assert both.shape == (4,)
    np.testing.assert_array_equal(_data(both), np.concatenate([_data(keys), _data(keys)[:1]]))
    picked = random._map_words(lambda a, b: jnp.where(jnp.array([True, False, False]), a, b),
                               keys, keys[::-1])  # fmt: skip
    np.testing.assert_array_equal(_data(picked), _data(keys)[[0, 1, 0]])
    with pytest.raises(TypeError, match="wrap_key_data"):
        random._map_words(lambda *ws: jnp.stack(ws), KEY, RAW)


def test_jnp_joins_and_selects_typed_keys():
    keys = random.split(KEY, 3)
    both = jnp.concatenate([keys, keys])
    assert isinstance(both, random.PRNGKeyArray) and both.shape == (6,)
    np.testing.assert_array_equal(_data(both[3:]), _data(keys))
    st = jnp.stack([keys[0], keys[2]])
    assert st.shape == (2,) and bool(st[1] == keys[2])
    pick = jnp.where(jnp.array([True, False, True]), keys, random.split(KEY, 3)[::-1])
    assert bool(pick[0] == keys[0]) and bool(pick[1] == keys[1])
    assert jnp.asarray(keys) is keys
