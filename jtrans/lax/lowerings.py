"""Lowering helpers shared by the lax paragraphs, and the lowering entries of the interpreters'
own primitives (interpreters must not import the compiler, so their entries live here).

Each lax primitive's lowering entry (an elementwise scalar rule, an index map, a reduction
monoid, a GEMM, a native step, an algebraic simplification) sits in its paragraph in its lax
module, next to its impl and derivative. Primitives without an entry run as call-outs to their
NumPy impl (`callout <prim>` in `as_text("kernels")`)."""

import numpy as np

from .. import core
from ..interpreters import ad
from ..interpreters import custom_derivatives as cd
from ..interpreters import jit as jit_mod
from ..lowering import fusion, passes
from ..lowering import kernel as K

# ---------------------------------------------------------------------------------------------
# helpers for elementwise scalar rules and fused index rules


def scalar_op(name):
    """The elementwise rule of a primitive that is one Kernel-IR scalar op."""
    return lambda *xs: K.op(name, *xs)


def index_in_range(d, lo, n):
    """lo <= d < lo + n for an int64 index expression (as a bool Expr)."""
    ge = K.op("ge", d, K.iconst(lo))
    lt = K.op("lt", d, K.iconst(lo + n))
    return K.op("and", ge, lt)


def clamp_index(d, n):
    return K.op("min", K.op("max", d, K.iconst(0)), K.iconst(max(n - 1, 0)))


# ---------------------------------------------------------------------------------------------
# helpers for algebraic simplification rules (passes.simplify_rules)


def is_lit(v, value):
    return type(v) is core.Literal and np.asarray(v.val).size == 1 and np.asarray(v.val) == value


def same(v, out):
    return v.aval.shape == out.aval.shape and v.aval.dtype == out.aval.dtype


def unit_rule(unit, commutative):
    """x op unit = x (and unit op x = x when commutative), where the shapes and dtypes agree."""

    def rule(eqn, producer):
        x, y = eqn.invars
        out = eqn.outvars[0]
        if is_lit(y, unit) and same(x, out):
            return x
        if commutative and is_lit(x, unit) and same(y, out):
            return y
        return None

    return rule


def identity_if_same(eqn, producer):
    x = eqn.invars[0]
    return x if type(x) is core.Var and same(x, eqn.outvars[0]) else None


# ---------------------------------------------------------------------------------------------
# the interpreters' primitives

# add_any (ad.py): the tangent sum, an add
fusion.elementwise_rules[ad.add_any_p] = scalar_op("add")
passes.simplify_rules[ad.add_any_p] = unit_rule(0, True)

# stop_gradient (custom_derivatives.py): the identity
fusion.elementwise_rules[cd.stop_gradient_p] = lambda x: x
passes.simplify_rules[cd.stop_gradient_p] = identity_if_same

# call-like primitives whose jaxpr is their meaning: inlined
passes.inline_rules[jit_mod.jit_p] = lambda params: params["jaxpr"]
passes.inline_rules[cd.custom_jvp_call_p] = lambda params: params["call_jaxpr"]
passes.inline_rules[cd.custom_vjp_call_p] = lambda params: params["call_jaxpr"]
passes.inline_rules[cd.remat_p] = lambda params: params["jaxpr"]
