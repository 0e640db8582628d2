"""Every primitive has every rule it needs, or sits in a commented exemption set."""

import jtrans
from jtrans import core
from jtrans.interpreters import ad, batching
from jtrans.lowering import fusion, passes

# primitives whose derivatives are not defined by a JVP rule (with why)
NO_JVP = {
    "custom_lin",  # the linear part of custom_vjp: forward mode is unsupported, as in JAX
    "iota",  # no operands, so never differentiated
}
# primitives that never see a batched input (with why)
NO_BATCH = {
    "iota",  # no operands
    "rng_seed",  # no operands
}


# primitives the compiler runs as call-outs to their NumPy impl (`callout <prim>` in
# `jit(f).lower(...).as_text("kernels")`), with why; every other primitive has a native lowering
# entry in its paragraph (the tables of jtrans.lowering.fusion and passes.inline_rules)
CALLOUTS = {
    # special functions without a vectorisable approximation yet
    "bessel_i0e", "bessel_i1e", "digamma", "igamma", "igammac", "polygamma",
    "regularized_incomplete_beta", "zeta",
    # complex numbers: complex dtypes have no native lowering (fusion.NATIVE_DTYPES)
    "complex", "conj", "real", "imag",
    # dense linear algebra: LAPACK through NumPy/SciPy
    "cholesky", "eig", "eigh", "hessenberg", "lu", "qr", "schur", "svd",
    "triangular_solve", "cholesky_update", "hessenberg_reflectors", "tridiagonal",
    "tridiagonal_solve",
    # lax.misc: igamma_grad_a (series / continued fraction in float64), and the stateful
    # rng_uniform (draws from a process-wide NumPy generator at each call)
    "igamma_grad_a", "rng_uniform",
    # not yet lowered: rare bit/precision ops, top_k, FFT, the identity barrier
    "bitcast_convert_type", "clz", "reduce_precision", "reduce_xor", "top_k", "fft",
    "optimization_barrier",
    # run user jaxprs/functions from their impl: the solve of custom_linear_solve, the user's
    # bwd in custom_vjp's linear part
    "custom_linear_solve", "custom_lin",
    # host callbacks: they run Python by definition
    "pure_callback", "debug_callback",
}  # fmt: skip


def _prims():
    seen = set()
    for p in core.all_primitives:
        if p.name not in seen:
            seen.add(p.name)
            yield p


def test_every_primitive_has_impl_and_abstract_eval():
    missing = [p.name for p in _prims()
               if p not in core.impl_rules or p not in core.abstract_eval_rules]  # fmt: skip
    assert not missing, f"primitives without impl/abstract_eval: {missing}"


def test_every_primitive_has_jvp():
    missing = [p.name for p in _prims() if p not in ad.jvp_rules and p.name not in NO_JVP]
    assert not missing, f"primitives without a JVP rule: {missing}"


def test_every_primitive_has_batch_rule():
    missing = [p.name for p in _prims()
               if p not in batching.batch_rules and p.name not in NO_BATCH]  # fmt: skip
    assert not missing, f"primitives without a batch rule: {missing}"


def test_linear_primitives_have_transpose():
    # a primitive whose JVP was made by deflinear is linear and must transpose
    from jtrans.lax import elementwise as ew
    from jtrans.lax import reductions as red
    from jtrans.lax import structural as st

    for p in (
        ew.add_p,
        ew.sub_p,
        ew.neg_p,
        st.reshape_p,
        st.transpose_p,
        st.broadcast_in_dim_p,
        st.squeeze_p,
        red.reduce_sum_p,
        st.convert_element_type_p,
        ew.mul_p,
        ew.div_p,
    ):
        assert p in ad.transpose_rules, p.name


def _native():
    tables = (fusion.elementwise_rules, fusion.index_rules, fusion.fused_rules,
              fusion.reduction_rules, fusion.gemm_rules, fusion.control_rules,
              passes.inline_rules)  # fmt: skip
    return {p for t in tables for p in t}


def test_every_primitive_lowers_or_is_a_listed_callout():
    native = _native()
    missing = sorted(p.name for p in _prims() if p not in native and p.name not in CALLOUTS)
    assert not missing, (
        f"primitives without a lowering entry: {missing}; give each one in its paragraph "
        "(fusion.elementwise_rules, index_rules, ...) or add it to CALLOUTS with why"
    )
    lowered = sorted(p.name for p in _prims() if p in native and p.name in CALLOUTS)
    assert not lowered, f"primitives in CALLOUTS that have a lowering entry: {lowered}"
    names = {p.name for p in _prims()}
    assert CALLOUTS <= names, f"CALLOUTS names no primitive: {sorted(CALLOUTS - names)}"


def test_callout_is_listed_in_kernels_text():
    import jtrans.numpy as jnp
    from jtrans import lax

    text = jtrans.jit(lambda x: lax.clz(x) + 1).lower(jnp.arange(4)).as_text("kernels")
    assert "callout clz" in text
