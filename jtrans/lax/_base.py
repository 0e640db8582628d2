"""Shared pieces of the primitive modules: the factories primitives are made with, and the
helpers their rules use. Every primitive is a paragraph in one lax module that fills the tables
of core (impl, abstract_eval), ad (jvp, transpose) and batching (batch)."""

import numpy as np

from .. import core, dtypes
from ..array import Array
from ..core import ShapedArray
from ..errors import AxisError, JTransTypeError, JTransValueError
from ..interpreters import ad, batching

impl_rules = core.impl_rules
abstract_eval_rules = core.abstract_eval_rules
jvp_rules = ad.jvp_rules
transpose_rules = ad.transpose_rules
batch_rules = batching.batch_rules
Zero = ad.Zero
not_mapped = batching.not_mapped


def standard_primitive(name, impl, abstract_eval, multiple_results=False):
    p = core.Primitive(name)
    p.multiple_results = multiple_results
    impl_rules[p] = impl
    abstract_eval_rules[p] = abstract_eval
    return p


def aval_of(x):
    return core.get_aval(x)


def shape_of(x):
    return core.get_aval(x).shape


def dtype_of(x):
    return core.get_aval(x).dtype


def as_operand(x, dtype=None):
    """Python scalars become weak-typed concrete Arrays (of `dtype` if given); other values
    pass through."""
    if type(x) is Array or isinstance(x, core.Tracer):
        return x
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        dt = dtypes.python_scalar_dtype(x) if dtype is None else dtype
        return Array(np.asarray(x, dt), not isinstance(x, bool))
    if isinstance(x, (np.ndarray, np.generic, list, tuple)):
        v = np.asarray(x)
        return Array(v.astype(dtypes.canonicalize_dtype(v.dtype), copy=False), False)
    return x


def canonical_axis(axis, ndim, what="axis"):
    if not -ndim <= axis < max(ndim, 1) or (ndim == 0 and axis not in (0, -1)):
        raise AxisError(
            f"{what} {axis} is out of bounds for an array of rank {ndim} "
            f"(valid: {-ndim} to {ndim - 1})"
        )
    return axis % ndim if ndim else 0


def check_same_dtypes(name, *avals):
    dts = {a.dtype for a in avals}
    if len(dts) > 1:
        raise JTransTypeError(
            f"lax.{name} requires arguments to have the same dtypes, got "
            + ", ".join(a.dtype.name for a in avals)
            + ". Use jtrans.numpy functions for automatic promotion, or convert with "
            "lax.convert_element_type / .astype."
        )


def check_dtype_kind(name, aval, kinds):
    """kinds: a string of allowed dtype classes: f(loat), c(omplex), i(nt), u(int), b(ool)."""
    dt = aval.dtype
    kind = "b" if dt == dtypes.bool_ else ("f" if dtypes.is_float(dt) else dt.kind)
    if kind not in kinds:
        names = {"f": "floating", "c": "complex", "i": "signed integer",
                 "u": "unsigned integer", "b": "boolean"}  # fmt: skip
        raise JTransTypeError(
            f"{name} does not accept dtype {dt.name}; it accepts "
            + ", ".join(names[k] for k in kinds)
            + " types"
        )


def zeros_like_aval(aval):
    from .structural import full

    return full(aval.shape, 0, aval.dtype)


ad._zeros_like_aval = zeros_like_aval


def instantiate(t):
    return ad.instantiate_zeros(t)


def axis_size():
    return batching.current_axis_size()


def unzip2(pairs):
    a, b = [], []
    for x, y in pairs:
        a.append(x)
        b.append(y)
    return a, b


__all__ = [
    "Array",
    "JTransTypeError",
    "JTransValueError",
    "ShapedArray",
]
