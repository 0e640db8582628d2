"""The errors a user will hit: each names the problem and says what to do."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.errors import ConcretizationTypeError


def test_incompatible_shapes_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\(3,\).*\(4,\)"):
        jnp.add(jnp.ones(3), jnp.ones(4))
    with pytest.raises(ValueError, match=r"multiply.*\(2, 3\).*\(2,\)"):
        jnp.ones((2, 3)) * jnp.ones(2)
    with pytest.raises(TypeError, match=r"lax.add.*\(3,\).*\(4,\)"):
        lax.add(jnp.ones(3), jnp.ones(4))


def test_bad_axis_names_axis_and_rank():
    with pytest.raises(ValueError, match=r"axis 3 .*dimension 2"):
        jnp.sum(jnp.ones((2, 2)), axis=3)


def test_unsupported_dtype_is_named():
    with pytest.raises(TypeError, match="<U5"):
        jnp.zeros(3, dtype="U5")
    with pytest.raises(TypeError, match="object"):
        jnp.asarray([object()])


def test_lax_dtype_mismatch():
    with pytest.raises(TypeError, match="same dtypes.*float32.*int32"):
        lax.add(jnp.ones(3), jnp.ones(3, jnp.int32))


@pytest.mark.parametrize("conv", [bool, float, int])
def test_concretization_under_jit(conv):
    def f(x):
        return conv(x)

    with pytest.raises(ConcretizationTypeError) as e:
        jtrans.jit(f)(1.0)
    msg = str(e.value)
    assert "static_argnums" in msg and "lax.cond" in msg
    assert "test_errors.py" in msg  # points at the user's line


def test_python_if_on_traced_value():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(ConcretizationTypeError, match="truth value"):
        jtrans.jit(f)(1.0)
    with pytest.raises(ConcretizationTypeError):
        jtrans.vmap(f)(jnp.ones(3))
    assert float(jtrans.grad(f)(2.0)) == 1.0  # grad of concrete values keeps Python control flow


def test_numpy_on_tracer():
    with pytest.raises(TypeError, match="jtrans.numpy"):
        jtrans.jit(lambda x: np.sin(np.asarray(x)))(jnp.ones(2))


def test_grad_errors():
    with pytest.raises(TypeError, match="int32"):
        jtrans.grad(lambda x: x * 2.0)(jnp.ones((), jnp.int32))
    with pytest.raises(TypeError, match=r"scalar-output.*\(3,\).*jacrev"):
        jtrans.grad(lambda x: x * 2.0)(jnp.ones(3))


def test_vmap_errors():
    with pytest.raises(ValueError, match="inconsistent sizes.*size 2.*size 3"):
        jtrans.vmap(lambda a, b: a + b)(jnp.ones(2), jnp.ones(3))
    with pytest.raises(ValueError, match="in_axes"):
        jtrans.vmap(lambda a, b: a + b, in_axes=(0,))(jnp.ones(2), jnp.ones(2))
    with pytest.raises(ValueError, match="out_axes"):
        jtrans.vmap(lambda a: a, out_axes=3)(jnp.ones(2))


def test_jit_unhashable_static():
    with pytest.raises(ValueError, match="static argument 1.*unhashable.*list"):
        jtrans.jit(lambda x, n: x, static_argnums=1)(1.0, [1, 2])


def test_jax_error_names_and_bases():
    from jtrans import errors

    for name in ["ConcretizationTypeError", "TracerArrayConversionError",
                 "TracerBoolConversionError", "TracerIntegerConversionError",
                 "UnexpectedTracerError", "KeyReuseError"]:  # fmt: skip
        cls = getattr(errors, name)
        assert issubclass(cls, errors.JAXTypeError) and issubclass(cls, TypeError), name
    assert issubclass(errors.NonConcreteBooleanIndexError, errors.JAXIndexError)
    assert issubclass(errors.JAXIndexError, IndexError)
    assert issubclass(errors.JaxRuntimeError, RuntimeError)
    assert issubclass(errors.JaxprTypeError, TypeError)
    assert issubclass(errors.InconclusiveDimensionOperation, Exception)
    assert "JaxprTypeError" in dir(errors)
    from jtrans.errors import JaxprTypeError

    assert JaxprTypeError is jtrans.core.JaxprTypeError


def test_tracer_errors_are_caught_as_jax_type_error():
    from jtrans import errors

    with pytest.raises(errors.JAXTypeError):
        jtrans.jit(lambda x: int(x))(1.0)
    with pytest.raises(errors.JAXTypeError):
        jtrans.jit(lambda x: np.asarray(x))(jnp.ones(2))
    with pytest.raises(errors.JAXIndexError):
        jtrans.jit(lambda x: x[x > 0])(jnp.ones(2))
