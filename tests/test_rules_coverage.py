"""Every primitive has every rule it needs, or sits in a commented exemption set."""

import jtrans  # noqa: F401  (registers every primitive)
from jtrans import core
from jtrans.interpreters import ad, batching

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
    from jtrans.lax import elementwise as ew, structural as st, reductions as red

    for p in (ew.add_p, ew.sub_p, ew.neg_p, st.reshape_p, st.transpose_p, st.broadcast_in_dim_p,
              st.squeeze_p, red.reduce_sum_p, st.convert_element_type_p, ew.mul_p, ew.div_p):
        assert p in ad.transpose_rules, p.name
