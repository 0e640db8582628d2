"""The errors jtrans raises on bad input. Each message names the problem, where, and what to do."""

import os
import sys

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def user_frame():
    """The innermost stack frame outside the jtrans package (the user's line), or None."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_PKG_DIR) and "contextlib" not in fn and "functools" not in fn:
            return f
        f = f.f_back
    return None


def user_line():
    """'file:line (function)' of the user's code calling into jtrans, or '' when unknown."""
    f = user_frame()
    if f is None:
        return ""
    return f"{f.f_code.co_filename}:{f.f_lineno} ({f.f_code.co_name})"


class JAXTypeError(TypeError):
    """The base of the tracing errors JAX documents (jax.errors.JAXTypeError):
    ConcretizationTypeError, TracerArrayConversionError, UnexpectedTracerError, ..."""


class JAXIndexError(IndexError):
    """The base of JAX's documented indexing errors (NonConcreteBooleanIndexError)."""


class JTransTypeError(TypeError):
    """A dtype or argument-type problem."""


class JTransValueError(ValueError):
    """A shape, axis or argument-value problem."""


class ShapeError(JTransValueError, JTransTypeError):
    """Operand shapes an operation cannot take (incompatible broadcasting, a wrong reshape...).
    JAX raises TypeError for these and NumPy ValueError; this is both, so either works."""


class AxisError(JTransValueError, IndexError):
    """An axis out of bounds for an array's rank (like NumPy's AxisError)."""


class ConcretizationTypeError(JAXTypeError):
    """A traced (abstract) value was used where Python needs a concrete one."""

    def __init__(self, what, tracer=None, hint=None):
        where = user_line()
        aval = f" of type {tracer.aval.str_short()}" if tracer is not None else ""
        msg = (
            f"Abstract tracer value{aval} encountered where a concrete value is expected: "
            f"{what}.\n"
            + (f"  at {where}\n" if where else "")
            + "The value depends on the arguments of a function being transformed (jit, vmap, "
            "make_jaxpr, ...), so it has no concrete value while tracing. "
            + (
                hint
                or "If it is a Python `if`/`while` on a traced value, use `jtrans.lax.cond`, "
                "`jtrans.lax.select`/`jnp.where` or `jtrans.lax.while_loop`; if the value only "
                "configures the computation (a shape, a flag), mark that argument static with "
                "`static_argnums`/`static_argnames`."
            )
        )
        super().__init__(msg)


class TracerBoolConversionError(ConcretizationTypeError):
    pass


class TracerIntegerConversionError(ConcretizationTypeError):
    pass


class TracerArrayConversionError(JAXTypeError):
    """A tracer was passed to NumPy (np.asarray) while being traced."""

    def __init__(self, tracer):
        where = user_line()
        super().__init__(
            f"A traced value of type {tracer.aval.str_short()} was converted to a NumPy array"
            + (f" at {where}" if where else "")
            + ". NumPy functions cannot run on traced values: use the `jtrans.numpy` function "
            "of the same name instead."
        )


class UnexpectedTracerError(JAXTypeError):
    """A tracer escaped the transformation that created it (a leaked tracer). A TypeError, as
    in JAX."""

    def __init__(self, tracer):
        super().__init__(
            f"Encountered an unexpected tracer of type {tracer.aval.str_short()} created by "
            f"{type(tracer._trace).__name__} after that transformation had finished. A function "
            "transformed by jit/grad/vmap saved a traced value outside itself (a global, a "
            "closure variable, an attribute, a list). Return it from the function instead, "
            "or pass it in as an argument."
        )


class NonConcreteBooleanIndexError(JAXIndexError, TypeError):
    """A boolean mask whose value is not known while tracing was used as an index."""

    def __init__(self, aval):
        super().__init__(
            f"Array boolean indices must be concrete; got a traced mask of type "
            f"{aval.str_short()}. The shape of x[mask] depends on the values of the mask, "
            "which are unknown under jit/vmap/make_jaxpr. Use jnp.where(mask, x, fill) to keep "
            "the shape, or a size-bounded form such as jnp.nonzero(mask, size=n) / "
            "jnp.where(mask, size=n) to build integer indices."
        )


class KeyReuseError(JAXTypeError):
    """A PRNG key used twice (JAX raises it under key-reuse checking; jtrans does not check
    key reuse, so it never raises this, but code catching it ports unchanged)."""


class JaxRuntimeError(RuntimeError):
    """An error from running a compiled computation (JAX's XlaRuntimeError)."""


class InconclusiveDimensionOperation(Exception):
    """A comparison of symbolic dimensions that has no definite answer (jtrans has no symbolic
    shapes; defined so that code catching it ports unchanged)."""


def __getattr__(name):
    # JaxprTypeError lives in core (typecheck_jaxpr raises it); core imports this module, so it
    # is fetched lazily
    if name == "JaxprTypeError":
        from .core import JaxprTypeError

        return JaxprTypeError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), "JaxprTypeError"])
