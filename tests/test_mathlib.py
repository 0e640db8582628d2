"""The inline approximations of jtrans/lowering/mathlib.py against NumPy (float64 reference),
on dense grids plus edge values, at the ulp bounds its docstring states."""

import numpy as np
import pytest

import jtrans
import jtrans.lowering  # noqa: F401  (registers the compiler)
import jtrans.numpy as jnp
from jtrans import lax

EDGES = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 1e-310, 5e-324, 88.7, 88.73, -87.3,
         -103.0, -104.0, 709.0, 710.0, -745.0, 1e-7, -1e-7, 0.5, 1.0, 2.0, 0.3465, -0.3466]  # fmt: skip


def _grid(dt):
    g = np.concatenate([np.linspace(-120, 120, 60001), np.linspace(-3, 3, 60001),
                        np.geomspace(1e-30, 1e3, 20001), -np.geomspace(1e-30, 1e3, 20001),
                        EDGES])  # fmt: skip
    with np.errstate(over="ignore"):
        return g.astype(dt)


def _ulp_error(got, x, ref_fn, dt):
    with np.errstate(all="ignore"):
        ref = ref_fn(x.astype(np.float64))
        ref_dt = ref.astype(dt)
    got = got.astype(np.float64)
    same = (np.isnan(got) & np.isnan(ref_dt)) | (got == ref_dt.astype(np.float64))
    tiny = np.finfo(dt).tiny
    spacing = np.spacing(np.maximum(np.abs(ref_dt), tiny).astype(dt)).astype(np.float64)
    with np.errstate(all="ignore"):
        err = np.where(same, 0.0, np.abs(got - ref) / spacing)
    return err


def _expit(x):  # SciPy's expit flushes to 0 below about -709; this one keeps the denormals
    e = np.exp(-np.abs(x))
    return np.where(x < 0, e / (1 + e), 1 / (1 + e))


# (name, jtrans function, reference, domain filter, float32 bound, float64 bound)
CASES = [
    ("exp", jnp.exp, np.exp, None, 2, 2),
    ("expm1", jnp.expm1, np.expm1, None, 3, 3),
    ("log", jnp.log, np.log, np.abs, 3, 3),
    ("log1p", jnp.log1p, np.log1p, lambda x: np.where(x < -1, -x, x), 3, 3),
    ("tanh", jnp.tanh, np.tanh, None, 4, 4),
    ("logistic", lax.logistic, _expit, None, 4, 4),
    ("sin", jnp.sin, np.sin, lambda x: np.clip(x, -1e4, 1e4), 2, 1),
    ("cos", jnp.cos, np.cos, lambda x: np.clip(x, -1e4, 1e4), 2, 1),
]


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("name,fn,ref,dom,b32,b64", CASES, ids=[c[0] for c in CASES])
def test_accuracy(name, fn, ref, dom, b32, b64, dt):
    x = _grid(dt)
    if dom is not None:
        x = dom(x).astype(dt)
    prev = jtrans.config.read("jax_enable_x64")
    jtrans.config.update("jax_enable_x64", dt == np.float64)
    try:
        got = np.asarray(jtrans.jit(fn)(x))
    finally:
        jtrans.config.update("jax_enable_x64", prev)
    assert got.dtype == dt
    err = _ulp_error(got, x, ref, dt)
    i = int(np.argmax(err))
    bound = b32 if dt == np.float32 else b64
    assert err[i] <= bound, f"{name}({x[i]!r}) = {got[i]!r}: {err[i]:.1f} ulp > {bound}"


def test_special_values_match_numpy():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], np.float32)
    for fn, ref in [(jnp.exp, np.exp), (jnp.log, np.log), (jnp.tanh, np.tanh), (jnp.sin, np.sin),
                    (jnp.cos, np.cos), (jnp.expm1, np.expm1), (jnp.log1p, np.log1p)]:  # fmt: skip
        with np.errstate(all="ignore"):
            r = ref(x)
        g = np.asarray(jtrans.jit(fn)(x))
        np.testing.assert_array_equal(g, r)
        np.testing.assert_array_equal(np.signbit(g[:2]), np.signbit(r[:2]))


def test_loops_with_approximations_vectorise():
    f = jtrans.jit(lambda x: jnp.tanh(x) * jnp.exp(-x * x) + jnp.sin(x) + jnp.log1p(x * x))
    text = f.lower(np.zeros(4096, np.float32)).as_text("llvm-opt")  # > llvm.SMALL_KERNEL
    assert "<16 x float>" in text or "<8 x float>" in text  # the loop was vectorised
    assert "@tanhf" not in text and "@expf" not in text and "@sinf" not in text


@pytest.mark.parametrize("name,fn,ref", [("sin", jnp.sin, np.sin), ("cos", jnp.cos, np.cos)])
def test_sin_cos_float32_up_to_2_20(name, fn, ref):
    """The stated bound over the stated range, including the floats nearest the multiples of
    pi/2 (where the result is tiny and the reduction's accuracy shows)."""
    rng = np.random.default_rng(0)
    k = np.arange(0, 2**20 / (np.pi / 2), 37, dtype=np.float64)
    near = (k * (np.pi / 2)).astype(np.float32)
    x = np.concatenate([rng.uniform(-(2.0**20), 2.0**20, 10**6), near, -near,
                        np.nextafter(near, np.float32(np.inf))]).astype(np.float32)  # fmt: skip
    got = np.asarray(jtrans.jit(fn)(x))
    err = _ulp_error(got, x, ref, np.float32)
    i = int(np.argmax(err))
    assert err[i] <= 2, f"{name}({x[i]!r}) = {got[i]!r}: {err[i]:.1f} ulp"


def test_sin_and_cos_of_one_argument_share_the_reduction():
    f = jtrans.jit(lambda x: jnp.sin(x) * 2.0 + jnp.cos(x))
    text = f.lower(np.zeros(4096, np.float32)).as_text("llvm-opt")
    body = text[text.index("vector.body:") :]
    body = body[: body.index("br ")]
    assert body.count("@llvm.rint.v") == 1, body
    assert "<16 x float>" in body or "<8 x float>" in body
