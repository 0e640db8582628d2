"""Regression tests for differences found by tools/docstring_diff.py (JAX's docstring examples
run with JAX and with jtrans). Expected values are JAX 0.10's, written as literals."""

import contextlib

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax, random


@contextlib.contextmanager
def _option(name, value):
    prev = jtrans.config.read(name)
    jtrans.config.update(name, value)
    try:
        yield
    finally:
        jtrans.config.update(name, prev)


def _np(x):
    return np.asarray(x)


# --- random: JAX's partitionable threefry (jax_threefry_partitionable=True, JAX's default) ----


def test_partitionable_threefry_bits_and_split():
    with _option("jax_threefry_partitionable", True):
        k = random.key(42)
        assert _np(random.key_data(random.split(k, 3))).tolist() == [
            [1832780943, 270669613],
            [64467757, 2916123636],
            [2465931498, 255383827],
        ]
        assert _np(random.bits(k, (5,), dtype=np.uint8)).tolist() == [162, 217, 249, 215, 21]
        assert _np(random.bits(k, (3,), dtype=np.uint16)).tolist() == [5026, 12505, 63993]
        assert _np(random.bits(random.key(0), (4,))).tolist() == [
            4070199207,
            4202968722,
            1427181096,
            2012915765,
        ]
        np.testing.assert_allclose(
            _np(random.normal(k, (3,))), [-0.028304616, 0.46713185, 0.29570296], rtol=1e-6
        )
        assert _np(random.randint(k, (4,), 0, 100)).tolist() == [44, 14, 71, 69]
        assert _np(random.geometric(k, 0.3, (5,))).tolist() == [3, 2, 2, 2, 3]
        with jtrans.dtypes.enable_x64():
            b = random.bits(k, (2,))
            assert b.dtype == np.uint64
            assert _np(b).tolist() == [7871734211187709741, 276886910877598708]


def test_threefry_option_is_part_of_the_jit_cache_key():
    f = jtrans.jit(lambda k: random.bits(k, (2,)))
    k = random.key(0)
    with _option("jax_threefry_partitionable", False):
        classic = _np(f(k)).tolist()
    with _option("jax_threefry_partitionable", True):
        assert _np(f(k)).tolist() == [4070199207, 4202968722] != classic


def test_geometric_uses_jax_formula():
    with _option("jax_threefry_partitionable", False):
        assert _np(random.geometric(random.key(42), 0.3, (5,))).tolist() == [1, 1, 5, 5, 5]


def test_bits_default_dtype_is_uint64_under_x64():
    with jtrans.dtypes.enable_x64():
        assert random.bits(random.key(0), (2,)).dtype == np.uint64
    assert random.bits(random.key(0), (2,)).dtype == np.uint32


# --- lax ----------------------------------------------------------------------------------------


def test_reduce_window_defaults_and_any_computation():
    x = np.arange(1.0, 11.0, dtype=np.float32)
    out = lax.reduce_window(x, 1.0, lax.mul, window_dimensions=(2,))
    np.testing.assert_array_equal(_np(out), [2, 6, 12, 20, 30, 42, 56, 72, 90])
    y = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    out = lax.reduce_window(
        y, 1.0, lax.mul, (2, 2), (1, 2), "SAME", base_dilation=(2, 1), window_dilation=(1, 2)
    )
    np.testing.assert_array_equal(_np(out), [[0, 2], [24, 6], [24, 6], [80, 10], [80, 10]])
    out = lax.reduce_window(y, 0.0, lambda a, b: a + b * b, (2, 2), (1, 1), [(1, 0), (0, 1)])
    np.testing.assert_array_equal(_np(out), [[1, 5, 13, 9], [42, 66, 98, 58], [186, 242, 306, 170]])
    ints = lax.reduce_window(np.arange(5, dtype=np.int32), 0, lax.bitwise_or, (2,))
    assert _np(ints).tolist() == [1, 3, 3, 7] and ints.dtype == np.int32
    g = jtrans.grad(lambda y: lax.reduce_window(y, 1.0, lax.mul, (2, 2), (1, 1), "VALID").sum())
    np.testing.assert_array_equal(
        _np(g(y)), [[20, 60, 156, 84], [360, 840, 1272, 696], [180, 460, 732, 420]]
    )
    f = jtrans.jit(jtrans.vmap(lambda r: lax.reduce_window(r, 1.0, lax.mul, (2,), (1,), "VALID")))
    np.testing.assert_array_equal(_np(f(y)), [[0, 2, 6], [20, 30, 42], [72, 90, 110]])


def test_broadcast_in_dim_with_unsorted_dimensions():
    a = np.arange(3).reshape(3, 1)
    assert lax.broadcast_in_dim(a, (2, 3, 4), broadcast_dimensions=(1, 0)).shape == (2, 3, 4)
    b = np.arange(6).reshape(3, 2)
    r = _np(lax.broadcast_in_dim(b, (2, 4, 3), (2, 0)))
    assert r[:, 0].tolist() == [[0, 2, 4], [1, 3, 5]] and (r == r[:, :1]).all()
    w = np.arange(24.0, dtype=np.float32).reshape(2, 4, 3)
    g = jtrans.grad(lambda x: (lax.broadcast_in_dim(x, (2, 4, 3), (2, 0)) * w).sum())
    np.testing.assert_array_equal(_np(g(b.astype(np.float32))), [[18, 66], [22, 70], [26, 74]])


# --- api and tree_util ------------------------------------------------------------------------


def test_custom_gradient_keeps_weak_types():
    @jtrans.custom_gradient
    def f(x, y):
        return x * y, lambda g: (g * y, g * x)

    gx, gy = jtrans.grad(f, argnums=(0, 1))(3.0, 4.0)
    assert (float(gx), float(gy)) == (4.0, 3.0) and gx.weak_type and gy.weak_type
    gx, gy = jtrans.grad(f, argnums=(0, 1))(np.float32(3.0), 4.0)
    assert not gx.weak_type and not gy.weak_type


def test_linear_transpose_cotangents_take_primal_types():
    f = lambda x, y: 0.5 * x - 0.5 * y
    scalar = jtrans.ShapeDtypeStruct(shape=(), dtype=np.float32)
    a, b = jtrans.linear_transpose(f, scalar, scalar)(1.0)
    assert (float(a), float(b)) == (0.5, -0.5) and not a.weak_type and not b.weak_type
    a, b = jtrans.linear_transpose(f, 1.0, 1.0)(1.0)
    assert a.weak_type and b.weak_type


def test_vmap_unmapped_python_scalar_passes_through():
    f = lambda x, y: (x + y, y * 2.0)
    out = jtrans.vmap(f, in_axes=(0, None), out_axes=(0, None))(
        np.arange(2.0, dtype=np.float32), 4.0
    )
    assert _np(out[0]).tolist() == [4.0, 5.0] and out[1] == 8.0 and type(out[1]) is float
    out = jtrans.vmap(f, in_axes=(0, None))(np.arange(2.0, dtype=np.float32), 4.0)
    assert _np(out[1]).tolist() == [8.0, 8.0]


def test_tree_util_registration_returns_like_jax():
    class C:
        def __init__(self, a):
            self.a = a

    assert (
        jtrans.tree_util.register_pytree_node(C, lambda c: ((c.a,), None), lambda _, ch: C(*ch))
        is None
    )
    assert jtrans.tree_util.tree_leaves(C(3)) == [3]

    @jtrans.tree_util.register_pytree_node_class
    class D:
        def __init__(self, a):
            self.a = a

        def tree_flatten(self):
            return (self.a,), None

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(*children)

    assert isinstance(D, type) and jtrans.tree_util.tree_leaves(D(5)) == [5]
    assert jtrans.tree_util.flatten_one_level({"a": [1, 2], "b": {"c": 3}}) == (
        ([1, 2], {"c": 3}),
        ("a", "b"),
    )


# --- scipy --------------------------------------------------------------------------------------


def test_fiedler_companion():
    from jtrans.scipy.linalg import fiedler_companion

    a = np.array([1.0, -16.0, 86.0, -176.0, 105.0], np.float32)
    expected = [[16, -86, 1, 0], [1, 0, 0, 0], [0, 176, 0, -105], [0, 1, 0, 0]]
    out = fiedler_companion(a)
    assert out.dtype == np.float32 and _np(out).tolist() == expected
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(_np(out)).real), [1, 3, 5, 7], rtol=1e-4)
    assert fiedler_companion(np.stack([a, 2 * a])).shape == (2, 4, 4)
    assert _np(fiedler_companion(np.array([2.0, 3.0]))).tolist() == [[-1.5]]
    assert fiedler_companion(np.array([2.0])).shape == (0, 0)
    expected6 = [
        [-2, -3, 1, 0, 0],
        [1, 0, 0, 0, 0],
        [0, -4, 0, -5, 1],
        [0, 1, 0, 0, 0],
        [0, 0, 0, -6, 0],
    ]
    assert _np(fiedler_companion(np.arange(1.0, 7.0))).tolist() == expected6


def test_qr_multiply():
    from jtrans.scipy.linalg import qr, qr_multiply, solve_triangular

    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 3)).astype(np.float32)
    b = rng.normal(size=(5,)).astype(np.float32)
    qtb, r = qr_multiply(a, b, mode="right")
    assert qtb.shape == (3,) and r.shape == (3, 3)
    x = solve_triangular(r, qtb)
    np.testing.assert_allclose(_np(a.T @ a @ _np(x)), a.T @ b, rtol=1e-4, atol=1e-4)
    q, r2 = qr(a, mode="economic")
    c = rng.normal(size=(3, 2)).astype(np.float32)
    qc, _ = qr_multiply(a, c, mode="left")
    np.testing.assert_allclose(_np(qc), _np(q) @ c, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(r), _np(r2), rtol=1e-6)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("stft", {"nperseg": 16}),
        ("stft", {"nperseg": 8, "noverlap": 3, "nfft": 10}),
        ("stft", {"nperseg": 15, "boundary": "even", "padded": False}),
        ("stft", {"nperseg": 16, "boundary": "odd", "detrend": "linear"}),
        ("stft", {"nperseg": 16, "boundary": None, "return_onesided": False}),
        ("stft", {"window": np.hamming(12), "nperseg": 12}),
        ("welch", {"nperseg": 16}),
        ("welch", {"fs": 10.0, "nperseg": 12, "scaling": "spectrum", "window": "hamming"}),
        ("welch", {"nperseg": 16, "average": "median"}),
        ("welch", {"nperseg": 16, "nfft": 17}),
        ("welch", {}),
    ],
)
def test_spectral_functions_match_scipy(name, kwargs):
    import scipy.signal as ss

    from jtrans.scipy import signal as ts

    x = np.random.default_rng(0).normal(size=(2, 40)).astype(np.float32)
    want = getattr(ss, name)(x, **kwargs)
    got = getattr(ts, name)(x, **kwargs)
    for w, g in zip(want, got):
        assert g.shape == w.shape and g.dtype == (
            np.complex64 if w.dtype.kind == "c" else np.float32
        )
        np.testing.assert_allclose(_np(g), w, rtol=2e-4, atol=2e-5)


def test_csd_and_istft_match_scipy():
    import scipy.signal as ss

    from jtrans.scipy import signal as ts

    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 50)).astype(np.float32)
    y = rng.normal(size=(3, 50)).astype(np.float32)
    for w, g in zip(ss.csd(x, y, nperseg=16), ts.csd(x, y, nperseg=16)):
        np.testing.assert_allclose(_np(g), w, rtol=2e-4, atol=2e-5)
    _, _, z = ss.stft(y, nperseg=8, noverlap=3)
    t, xr = ts.istft(z.astype(np.complex64), nperseg=8, noverlap=3)
    tw, xw = ss.istft(z, nperseg=8, noverlap=3)
    assert t.shape == tw.shape and xr.dtype == np.float32
    np.testing.assert_allclose(_np(xr), xw, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(xr), y, rtol=1e-4, atol=1e-5)  # perfect reconstruction
    # the docstring example: a round trip of a short signal
    sig = jnp.array([1.0, 2.0, 3.0, 2.0, 1.0, 0.0, 1.0, 2.0])
    _, _, zxx = ts.stft(sig, nperseg=4)
    assert zxx.shape == (3, 5) and zxx.dtype == np.complex64
    np.testing.assert_allclose(_np(ts.istft(zxx)[1]), _np(sig), atol=1e-6)


def test_make_jaxpr_prints_unread_outputs_as_underscore():
    f = lambda x: jnp.sin(jnp.cos(x))
    expected = """{ lambda ; a:f32[]. let
    b:f32[] = cos a
    c:f32[] = sin a
    _:f32[] = sin b
    d:f32[] = cos b
    e:f32[] = mul 1.0:f32[] d
    f:f32[] = neg e
    g:f32[] = mul f c
  in (g,) }"""
    assert str(jtrans.make_jaxpr(jtrans.grad(f))(3.0)) == expected
    short = jtrans.make_jaxpr(lambda x: (jnp.sin(x), x * 2)[1])(1.0)
    assert (
        str(short) == "{ lambda ; a:f32[]. let _:f32[] = sin a; b:f32[] = mul a 2.0:f32[] in (b,) }"
    )
    # unused inputs keep their names
    assert (
        str(jtrans.make_jaxpr(lambda x, y: x)(1.0, 2.0))
        == "{ lambda ; a:f32[] b:f32[]. let  in (a,) }"
    )


def test_lax_map_batch_size_traces_batched_body_and_remainder(capsys):
    x = jnp.ones((10, 3, 4))

    def f(v):
        print("inner shape:", v.shape)
        return v + 1

    y = lax.map(f, x, batch_size=3)
    assert capsys.readouterr().out == "inner shape: (3, 4)\ninner shape: (3, 4)\n"
    assert y.shape == (10, 3, 4) and float(y.sum()) == 240.0
    xs = np.arange(10.0, dtype=np.float32)
    for bs in (1, 3, 5, 10, 20, 0):
        r = lax.map(lambda v: {"a": v * 2, "b": jnp.sin(v)}, xs, batch_size=bs)
        np.testing.assert_allclose(_np(r["a"]), xs * 2)
        np.testing.assert_allclose(_np(r["b"]), np.sin(xs), rtol=1e-6)
    g = jtrans.grad(lambda c: lax.map(lambda v: v * c, xs, batch_size=4).sum())(2.0)
    assert float(g) == 45.0
    out = jtrans.vmap(lambda c: lax.map(lambda v: v * c, xs, batch_size=3))(np.arange(2.0))
    np.testing.assert_allclose(_np(out), np.outer(np.arange(2.0), xs))


def test_collectives_with_axis_index_groups():
    pmap = jtrans.pmap
    x = np.arange(4)
    out = pmap(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1], [2, 3]]), axis_name="i")(x)
    assert _np(out).tolist() == [1, 1, 5, 5]
    out = pmap(lambda v: lax.pmax(v, "i", axis_index_groups=[[0, 3], [2, 1]]), axis_name="i")(x)
    assert _np(out).tolist() == [3, 2, 2, 3]
    out = pmap(lambda v: lax.pmean(v * 1.0, "i", axis_index_groups=[[0, 3], [2, 1]]), "i")(x)
    assert _np(out).tolist() == [1.5] * 4
    m = np.arange(16).reshape(4, 4)
    groups = [[0, 2], [3, 1]]
    out = pmap(lambda v: lax.all_gather(v, "i", axis_index_groups=groups), axis_name="i")(m)
    a, b = [[0, 1, 2, 3], [8, 9, 10, 11]], [[12, 13, 14, 15], [4, 5, 6, 7]]
    assert _np(out).tolist() == [a, b, a, b]
    out = pmap(lambda v: lax.all_gather(v, "i", axis_index_groups=groups, tiled=True), "i")(m)
    ta, tb = a[0] + a[1], b[0] + b[1]
    assert _np(out).tolist() == [ta, tb, ta, tb]
    out = pmap(lambda v: lax.psum_scatter(v[:2], "i", axis_index_groups=groups), "i")(m)
    assert _np(out).tolist() == [8, 18, 10, 16]
    out = pmap(lambda v: lax.psum_scatter(v, "i", axis_index_groups=groups, tiled=True), "i")(m)
    assert _np(out).tolist() == [[8, 10], [20, 22], [12, 14], [16, 18]]
    pairs = [[0, 1], [2, 3]]
    g = jtrans.vmap(
        jtrans.grad(lambda v: (lax.psum(v, "i", axis_index_groups=pairs) * np.arange(4.0)).sum()),
        axis_name="i",
    )(np.ones((4, 4)))
    assert _np(g).tolist() == [[0.0, 2.0, 4.0, 6.0]] * 4
    with pytest.raises(ValueError, match="exactly once"):
        jtrans.vmap(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1], [2]]), axis_name="i")(
            np.ones(3)
        )


def test_cost_analysis_and_multi_dot_order():
    x, y, z = jnp.ones((200, 5)), jnp.ones((5, 100)), jnp.ones((100, 10))
    left = jtrans.jit(lambda x, y, z: (x @ y) @ z).lower(x, y, z).cost_analysis()
    right = jtrans.jit(lambda x, y, z: x @ (y @ z)).lower(x, y, z).cost_analysis()
    chosen = jtrans.jit(jnp.linalg.multi_dot).lower([x, y, z]).cost_analysis()
    assert (left["flops"], right["flops"], chosen["flops"]) == (600000.0, 30000.0, 30000.0)
    a, b = jnp.ones((3, 4)), jnp.ones((4, 5))
    cost = jtrans.jit(lambda a, b: jnp.sin(a) @ b).lower(a, b).compile().cost_analysis()
    assert cost["flops"] == 120.0 and cost["transcendentals"] == 12.0
    assert jtrans.jit(lambda a, b: (a @ b).sum()).lower(a, b).cost_analysis()["flops"] == 134.0
    rng = np.random.default_rng(0)
    ms = [rng.normal(size=s).astype(np.float32) for s in [(2,), (2, 3), (3, 4), (4, 5), (5,)]]
    for arrs in (ms[1:4], ms[:4], ms[1:], ms):
        want = np.linalg.multi_dot(arrs)
        got = jnp.linalg.multi_dot(arrs)
        assert got.shape == want.shape
        np.testing.assert_allclose(_np(got), want, rtol=1e-5, atol=1e-5)


def test_gamma_family_samples_equal_jax():
    # JAX 0.10's values (partitionable threefry): gamma's per-element keys and Marsaglia-Tsang
    # loops follow JAX's, so every gamma-based sampler gives JAX's numbers
    with _option("jax_threefry_partitionable", True):
        k = random.key(42)
        close = lambda got, want: np.testing.assert_allclose(_np(got), want, rtol=2e-5)
        close(random.gamma(k, 2.0, (4,)), [3.6725166, 1.0923854, 3.5018392, 1.1462076])
        close(random.loggamma(k, 2.0, (4,)), [1.3008772, 0.0883638, 1.2532883, 0.13645872])
        close(random.beta(k, 2.0, 3.0, (4,)), [0.43196177, 0.3128183, 0.6368728, 0.6900201])
        close(random.dirichlet(k, np.ones(3, np.float32)), [0.47842404, 0.07394563, 0.44763032])
        close(random.t(k, 3.0, (4,)), [0.08987478, -1.7357467, 2.352019, 1.1635191])
        close(random.chisquare(k, 2.0, (4,)), [4.2906604, 0.6631682, 4.0144925, 0.7204788])
        k1 = random.key(1)
        close(random.gamma(k1, 0.3, (3,)), [0.0016807742, 0.3261961, 0.00021149629])
        close(random.loggamma(k1, 0.01, (3,)), [-177.21635, -24.94025, -282.33405])
        close(
            random.gamma(k1, np.array([0.5, 5.0, 50.0], np.float32)),
            [0.022276787, 4.1229005, 58.458298],
        )
    with _option("jax_threefry_partitionable", False):
        np.testing.assert_allclose(
            _np(random.gamma(random.key(42), 2.0, (4,))),
            [0.02743484, 2.1069505, 0.769024, 1.4273198],
            rtol=2e-5,
        )
    g = random.gamma(random.key(0), np.array([0.0, -1.0, np.nan, 1.0], np.float32))
    assert np.isnan(_np(g)[:3]).all() and _np(g)[3] > 0


def test_poisson_samples_equal_jax():
    with _option("jax_threefry_partitionable", True):
        k = random.key(42)
        lam = np.array([0.0, 1.0, 5.0, 9.99, 10.0, 12.0, 100.0, 1000.0], np.float32)
        assert _np(random.poisson(k, lam)).tolist() == [0, 1, 3, 7, 5, 9, 94, 953]
        assert _np(random.poisson(k, 25.0, (4,))).tolist() == [28, 30, 20, 21]
        out = random.poisson(k, np.array([np.nan, -1.0, np.inf], np.float32))
        assert _np(out).tolist() == [-1, -1, -1] and out.dtype == np.int32


def test_binomial_and_multinomial_samples_equal_jax():
    with _option("jax_threefry_partitionable", True):
        k = random.key(42)
        n = np.array([0.0, 5.0, 50.0, 500.0, 20.0, 3.5], np.float32)
        p = np.array([0.5, 0.0, 1.0, 0.2, 0.9, 0.4], np.float32)
        assert _np(random.binomial(k, n, p)).tolist() == [0.0, 0.0, 50.0, 93.0, 18.0, 2.0]
        assert _np(random.binomial(k, 100, 0.3, (5,))).tolist() == [33.0, 34.0, 25.0, 27.0, 23.0]
        probs = np.array([0.2, 0.3, 0.5], np.float32)
        assert _np(random.multinomial(k, 20.0, probs)).tolist() == [4.0, 4.0, 12.0]


def test_rayleigh_formula_and_complex_normal():
    with _option("jax_threefry_partitionable", True):
        k = random.key(3)
        np.testing.assert_allclose(
            _np(random.rayleigh(k, 1.0, (2,))), [2.2816572, 0.3573555], rtol=1e-6
        )
        z = random.normal(k, (2,), np.complex64)
        assert z.dtype == np.complex64
        np.testing.assert_allclose(
            _np(z), [-1.6817402 - 1.3740652j, -1.206442 + 0.07411618j], rtol=1e-6
        )


def test_integer_division_at_the_type_minimum_and_complex_negative_zero():
    # eager lax.div truncates like the compiled code and XLA, without |MIN| overflow
    x = np.array([-128, -127, -128, 5], np.int8)
    y = np.array([7, -1, -1, 0], np.int8)
    for f in (lax.div, jtrans.jit(lax.div)):
        np.testing.assert_array_equal(f(x, y), [-18, 127, -128, -1])
    z = lax.complex(np.float32(4.0), np.float32(-0.0))
    assert np.signbit(np.asarray(z).imag)


def test_lu_pivots_to_permutation_traced_under_x64():
    with jtrans.dtypes.enable_x64():
        f = jtrans.jit(lambda p: lax.linalg.lu_pivots_to_permutation(p, 4))
        np.testing.assert_array_equal(f(jnp.array([2, 3, 3], jnp.int32)), [2, 3, 1, 0])
