# ruff: noqa: C408, RUF059  (the docs' own idioms, kept as written)
"""JAX's core documentation, ported: every example not already in test_jax_docs_examples.py.

Pages: "JAX - The Sharp Bits", "Key concepts", "Just-in-time compilation", "Automatic
vectorization" (and the `jax.vmap` docstring), "Pytrees" / "Custom pytree nodes", "Control flow
and logical operators with JIT", "Pseudorandom numbers", "Stateful computations", "Type promotion
semantics" (the whole promotion table), the `jax.numpy` notes, "Thinking in JAX" and the
docstring examples of `jax.lax`. Each test restates the docs' code with `import jtrans as jax`
and checks the outputs the docs print (values, shapes, dtypes) or the errors they document.
"""

import collections
import contextlib
import copy
import io
import pickle
import warnings
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pytest

import jtrans as jax
import jtrans.numpy as jnp
from jtrans import grad, jit, lax, random, vmap
from jtrans.tree_util import register_pytree_node, tree_flatten, tree_structure, tree_unflatten

close = partial(np.testing.assert_allclose, rtol=1e-6, atol=1e-6)


def _printed(fn, *args, **kwargs):
    """Runs fn and returns (its result, what it printed)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        out = fn(*args, **kwargs)
    return out, buf.getvalue()


# ============================================================================================
# JAX - The Sharp Bits
# ============================================================================================


def test_sharp_bits_impure_print_runs_at_trace_time_only_with_fresh_jit_wrappers():
    def impure_print_side_effect(x):
        print("Executing function")  # This is a side-effect
        return x

    out, text = _printed(lambda: jit(impure_print_side_effect)(4.0))
    assert float(out) == 4.0 and text == "Executing function\n"
    # a new jit of the same function reuses the cached trace: no print
    out, text = _printed(lambda: jit(impure_print_side_effect)(5.0))
    assert float(out) == 5.0 and text == ""
    # a new type/shape re-runs the Python function
    out, text = _printed(lambda: jit(impure_print_side_effect)(jnp.array([5.0])))
    np.testing.assert_array_equal(out, [5.0])
    assert text == "Executing function\n"


_g = 0.0


def _impure_uses_globals(x):
    return x + _g


def test_sharp_bits_global_captured_by_first_trace_across_jit_wrappers():
    global _g
    _g = 0.0
    try:
        assert float(jit(_impure_uses_globals)(4.0)) == 4.0
        _g = 10.0
        assert float(jit(_impure_uses_globals)(5.0)) == 5.0  # cached: still sees 0.
        np.testing.assert_array_equal(jit(_impure_uses_globals)(jnp.array([4.0])), [14.0])
    finally:
        _g = 0.0


def test_sharp_bits_impure_saves_global_leaks_a_tracer():
    saved = {}

    def impure_saves_global(x):
        saved["g"] = x
        return x

    assert float(jit(impure_saves_global)(4.0)) == 4.0
    assert isinstance(saved["g"], jax.core.Tracer)  # "Saved global has an internal JAX value"


def test_sharp_bits_pure_function_with_internal_state():
    def pure_uses_internal_state(x):
        state = dict(even=0, odd=0)
        for i in range(10):
            state["even" if i % 2 == 0 else "odd"] += x
        return state["even"] + state["odd"]

    assert float(jit(pure_uses_internal_state)(5.0)) == 50.0


def test_sharp_bits_iterators_in_control_flow():
    array = jnp.arange(10)
    assert int(lax.fori_loop(0, 10, lambda i, x: x + array[i], 0)) == 45  # expected result 45
    iterator = iter(range(10))
    # the body is traced once, so next() runs once: the docs' "unexpected result 0"
    assert int(lax.fori_loop(0, 10, lambda i, x: x + next(iterator), 0)) == 0

    def func11(arr, extra):
        ones = jnp.ones(arr.shape)

        def body(carry, aelems):
            ae1, ae2 = aelems
            return (carry + ae1 * ae2 + extra, carry)

        return lax.scan(body, 0.0, (arr, ones))

    text = str(jax.make_jaxpr(func11)(jnp.arange(16), 5.0))
    assert "scan" in text and "i32[16]" in text
    with pytest.raises(TypeError):
        jax.make_jaxpr(func11)(iter(range(16)), 5.0)  # throws error

    array_operand = jnp.array([0.0])
    np.testing.assert_array_equal(lax.cond(True, lambda x: x + 1, lambda x: x - 1, array_operand),
                                  [1.0])  # fmt: skip
    iter_operand = iter(range(10))
    with pytest.raises(TypeError):
        lax.cond(True, lambda x: next(x) + 1, lambda x: next(x) - 1, iter_operand)


def test_sharp_bits_in_place_update_error_message():
    jax_array = jnp.zeros((3, 3), dtype=jnp.float32)
    with pytest.raises(TypeError) as e:
        jax_array[1, :] = 1.0
    msg = str(e.value)
    assert "immutable" in msg and ".at[" in msg
    updated_array = jax_array.at[1, :].set(1.0)
    np.testing.assert_array_equal(updated_array, [[0, 0, 0], [1, 1, 1], [0, 0, 0]])
    np.testing.assert_array_equal(jax_array, np.zeros((3, 3)))  # original array unchanged


def test_sharp_bits_out_of_bounds_gather_is_clamped_and_nanargmin_gives_minus_one():
    with pytest.raises(IndexError):
        np.arange(10)[11]
    assert int(jnp.arange(10)[11]) == 9
    assert int(jnp.arange(10)[-11]) == 0  # negative out-of-bounds index clamps to the start
    assert float(jnp.arange(10.0).at[11].get()) == 9.0
    assert np.isnan(float(jnp.arange(10.0).at[11].get(mode="fill", fill_value=jnp.nan)))
    allnan = jnp.array([jnp.nan, jnp.nan])
    assert int(jnp.nanargmin(allnan)) == -1 and int(jnp.nanargmax(allnan)) == -1
    # inside jit, too
    assert int(jit(lambda x, i: x[i])(jnp.arange(10), 11)) == 9


def test_sharp_bits_non_array_inputs_error_and_permissive_sum():
    assert np.sum([1, 2, 3]) == 6
    with pytest.raises(TypeError) as e:
        jnp.sum([1, 2, 3])
    assert "sum" in str(e.value) and "list" in str(e.value)

    def permissive_sum(x):
        return jnp.sum(jnp.array(x))

    x = list(range(10))
    assert int(permissive_sum(x)) == 45
    jaxpr = jax.make_jaxpr(permissive_sum)(x)
    assert len(jaxpr.jaxpr.invars) == 10  # each entry of the list is a separate input
    assert int(jnp.sum(jnp.array(x))) == 45


def test_sharp_bits_dynamic_shape_error_is_non_concrete_boolean_index_error():
    def nansum(x):
        mask = ~jnp.isnan(x)
        x_without_nans = x[mask]
        return x_without_nans.sum()

    x = jnp.array([1, 2, jnp.nan, 3, 4])
    with pytest.raises(jax.errors.NonConcreteBooleanIndexError):
        jax.jit(nansum)(x)
    with pytest.raises(IndexError):
        jax.vmap(nansum)(x[None])


def test_sharp_bits_debug_nans():
    prev = jax.config.read("jax_debug_nans")
    jax.config.update("jax_debug_nans", True)
    try:
        with pytest.raises(FloatingPointError):
            jnp.divide(0.0, 0.0)

        @jit
        def f(x, y):
            a = x * y
            b = (x + y) / (x - y)
            c = a + 2
            return a + b * c

        x = jnp.array([2.0, 0.0])
        y = jnp.array([3.0, 0.0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(FloatingPointError):
                f(x, y)
        close(jnp.divide(1.0, 2.0), 0.5)  # no nan: no error
    finally:
        jax.config.update("jax_debug_nans", prev)
    assert np.isnan(float(jnp.divide(0.0, 0.0)))  # checker off again


def test_sharp_bits_float64_request_without_x64_warns_and_truncates():
    with pytest.warns(UserWarning, match="float64"):
        x = random.uniform(random.key(0), (1000,), dtype=jnp.float64)
    assert x.dtype == jnp.float32


def test_sharp_bits_x64_with_config_update(x64):
    x = random.uniform(random.key(0), (1000,), dtype=jnp.float64)
    assert x.dtype == np.dtype("float64")
    assert jnp.array(1).dtype == jnp.int64


def test_sharp_bits_unsafe_cast_saturates_unlike_numpy():
    np.testing.assert_array_equal(np.arange(254.0, 258.0).astype("uint8"), [254, 255, 0, 1])
    out = jnp.arange(254.0, 258.0).astype("uint8")
    assert out.dtype == jnp.uint8
    np.testing.assert_array_equal(out, [254, 255, 255, 255])
    np.testing.assert_array_equal(jit(lambda x: x.astype("uint8"))(jnp.arange(254.0, 258.0)),
                                  [254, 255, 255, 255])  # fmt: skip


def test_sharp_bits_subnormals_are_representable():
    subnormal = jnp.float32(1e-45)
    assert float(subnormal) > 0.0 and subnormal.dtype == jnp.float32


# ============================================================================================
# Key concepts
# ============================================================================================


def test_key_concepts_arrays_devices_and_selu():
    x = jnp.arange(5)
    assert isinstance(x, jax.Array)
    devs = x.devices()
    assert len(devs) == 1 and next(iter(devs)).platform == "cpu"

    def selu(x, alpha=1.67, lambda_=1.05):
        return lambda_ * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)

    selu_jit = jax.jit(selu)
    close(selu_jit(1.0), 1.05)
    text = str(jax.make_jaxpr(selu)(jnp.arange(5.0)))
    for prim in ("gt", "exp", "select_n", "mul"):
        assert prim in text


def test_key_concepts_tracing_prints_a_tracer():
    @jax.jit
    def f(x):
        print(x)
        return x + 1

    x = jnp.arange(5)
    result, text = _printed(f, x)
    np.testing.assert_array_equal(result, [1, 2, 3, 4, 5])
    assert "JitTracer(int32[5])" in text


def test_key_concepts_pytree_structures_print_as_jax():
    params = [1, 2, (jnp.arange(3), jnp.ones(2))]
    assert str(jax.tree.structure(params)) == "PyTreeDef([*, *, (*, *)])"
    leaves = jax.tree.leaves(params)
    assert leaves[:2] == [1, 2] and len(leaves) == 4

    params = {"n": 5, "W": jnp.ones((2, 2)), "b": jnp.zeros(2)}
    assert str(jax.tree.structure(params)) == "PyTreeDef({'W': *, 'b': *, 'n': *})"
    assert [np.shape(leaf) for leaf in jax.tree.leaves(params)] == [(2, 2), (2,), ()]

    class Params(NamedTuple):
        a: int
        b: float

    params = Params(1, 5.0)
    assert str(jax.tree.structure(params)) == "PyTreeDef(CustomNode(namedtuple[Params], [*, *]))"
    assert jax.tree.leaves(params) == [1, 5.0]
    assert str(tree_structure(object)) == "PyTreeDef(*)"


def test_key_concepts_lax_requires_explicit_promotion():
    out = jnp.add(1, 1.0)
    assert out.dtype == jnp.float32 and float(out) == 2.0
    with pytest.raises(TypeError):
        lax.add(1, 1.0)
    out = lax.add(jnp.float32(1), 1.0)
    assert out.dtype == jnp.float32 and float(out) == 2.0


# ============================================================================================
# Just-in-time compilation
# ============================================================================================


def test_jit_print_inside_traced_function_shows_tracer():
    def log2_with_print(x):
        print("printed x:", x)
        ln_x = jnp.log(x)
        ln_2 = jnp.log(2.0)
        return ln_x / ln_2

    jaxpr, text = _printed(jax.make_jaxpr(log2_with_print), 3.0)
    assert text.startswith("printed x: JitTracer(") and "32[]" in text
    assert "log" in str(jaxpr)


def test_jit_jaxpr_knows_only_the_branch_taken():
    def log2_if_rank_2(x):
        if x.ndim == 2:
            ln_x = jnp.log(x)
            ln_2 = jnp.log(2.0)
            return ln_x / ln_2
        else:
            return x

    text = str(jax.make_jaxpr(log2_if_rank_2)(jax.numpy.array([1, 2, 3])))
    assert text == "{ lambda ; a:i32[3]. let  in (a,) }"
    text2 = str(jax.make_jaxpr(log2_if_rank_2)(jnp.ones((2, 2))))
    assert "log" in text2


def test_jit_selu_block_until_ready():
    def selu(x, alpha=1.67, lambda_=1.05):
        return lambda_ * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)

    x = jnp.arange(1000)
    selu_jit = jax.jit(selu)
    out = selu_jit(x).block_until_ready()
    assert out.dtype == jnp.float32 and out.shape == (1000,)
    close(out, selu(x), rtol=1e-6)


def test_jit_static_argnums_as_int_and_argnames_errors():
    def f(x):
        if x > 0:
            return x
        else:
            return 2 * x

    f_jit_correct = jax.jit(f, static_argnums=0)
    assert f_jit_correct(10) == 10
    assert f_jit_correct(-3) == -6

    def g(x, n):
        i = 0
        while i < n:
            i += 1
        return x + i

    g_jit_correct = jax.jit(g, static_argnames=["n"])
    assert int(g_jit_correct(10, 20)) == 30
    # a static argument must be hashable
    with pytest.raises((TypeError, ValueError)):
        jax.jit(lambda x, n: x, static_argnums=1)(1.0, jnp.ones(2))


def test_jit_error_message_names_the_traced_condition():
    def f(x):
        if x > 0:
            return x
        return 2 * x

    with pytest.raises(jax.errors.TracerBoolConversionError) as e:
        jax.jit(f)(10)
    assert "static_argnums" in str(e.value) or "static_argnames" in str(e.value)


# ============================================================================================
# Control flow and logical operators with JIT
# ============================================================================================


def test_control_flow_static_python_loops_under_jit():
    @jit
    def f(x):
        for i in range(3):
            x = 2 * x
        return x

    assert int(f(3)) == 24

    @jit
    def g(x):
        y = 0.0
        for i in range(x.shape[0]):
            y = y + x[i]
        return y

    assert float(g(jnp.array([1.0, 2.0, 3.0]))) == 6.0


def test_control_flow_value_dependent_branches_fail_and_static_argnames_fix_them():
    @jit
    def f(x):
        if x < 3:
            return 3.0 * x**2
        else:
            return -4 * x

    with pytest.raises(jax.errors.TracerBoolConversionError):
        f(2)

    @jit
    def g(x):
        return (x > 0) and (x < 3)

    with pytest.raises(jax.errors.TracerBoolConversionError):
        g(2)

    def f2(x):
        if x < 3:
            return 3.0 * x**2
        else:
            return -4 * x

    f2 = jit(f2, static_argnames="x")
    assert float(f2(2.0)) == 12.0

    def f3(x, n):
        y = 0.0
        for i in range(n):
            y = y + x[i]
        return y

    f3 = jit(f3, static_argnames="n")
    assert float(f3(jnp.array([2.0, 3.0, 4.0]), 2)) == 5.0


def test_control_flow_argument_value_dependent_shapes():
    def example_fun(length, val):
        return jnp.ones((length,)) * val

    np.testing.assert_array_equal(example_fun(5, 4), np.full(5, 4.0))
    bad_example_jit = jit(example_fun)
    with pytest.raises(TypeError):
        bad_example_jit(10, 4)
    good_example_jit = jit(example_fun, static_argnames="length")
    np.testing.assert_array_equal(good_example_jit(10, 4), np.full(10, 4.0))
    np.testing.assert_array_equal(good_example_jit(5, 4), np.full(5, 4.0))


def test_control_flow_print_inside_jit_prints_tracers_once():
    @jit
    def f(x):
        print(x)
        y = 2 * x
        print(y)
        return y

    out, text = _printed(f, 2)
    assert int(out) == 4
    lines = text.strip().splitlines()
    assert len(lines) == 2 and all("JitTracer(" in line for line in lines)
    assert "int32[]" in lines[0]
    out, text = _printed(f, 3)
    assert int(out) == 6 and text == ""


def test_control_flow_cond_dtypes_and_select_switch_piecewise():
    operand = jnp.array([0.0])
    out = lax.cond(True, lambda x: x + 1, lambda x: x - 1, operand)
    assert out.dtype == jnp.float32
    np.testing.assert_array_equal(out, [1.0])
    # lax.select: a batched cond over precomputed arrays
    pred = jnp.array([True, False, True])
    np.testing.assert_array_equal(lax.select(pred, jnp.arange(3), -jnp.arange(3)), [0, -1, 2])
    # jnp.where with three arguments wraps lax.select
    np.testing.assert_array_equal(jnp.where(pred, 1, 0), [1, 0, 1])
    # jnp.piecewise: lax.switch on a list of conditions
    x = jnp.array([-2.0, 0.5, 3.0])
    out = jnp.piecewise(x, [x < 0, x >= 0], [lambda x: -x, lambda x: x**2])
    close(out, [2.0, 0.25, 9.0])
    out = jit(lambda x: jnp.piecewise(x, [x < 0, x > 1], [0.0, lambda x: 2 * x, 1.0]))(x)
    close(out, [0.0, 1.0, 6.0])
    # jnp.select: precomputed choices
    close(jnp.select([x < 0, x > 1], [x * 10, x * 100], default=-1.0), [-20.0, -1.0, 300.0])


def test_control_flow_while_loop_and_fori_loop_dtypes():
    out = lax.while_loop(lambda x: x < 10, lambda x: x + 1, 0)
    assert out.dtype == jnp.int32 and int(out) == 10
    out = lax.fori_loop(0, 10, lambda i, x: x + i, 0)
    assert out.dtype == jnp.int32 and int(out) == 45


def test_control_flow_logical_operators_check_positive_even():
    def python_check_positive_even(x):
        is_even = x % 2 == 0
        return is_even and (x > 0)

    @jit
    def jax_check_positive_even(x):
        is_even = x % 2 == 0
        return jnp.logical_and(is_even, x > 0)

    assert python_check_positive_even(24) is True
    assert bool(jax_check_positive_even(24)) is True
    x = jnp.array([-1, 2, 5])
    np.testing.assert_array_equal(jax_check_positive_even(x), [False, True, False])
    with pytest.raises(ValueError, match="ambiguous"):
        python_check_positive_even(x)
    # bitwise operators work under jit on booleans
    both = jit(lambda x: (x % 2 == 0) & (x > 0))(x)
    np.testing.assert_array_equal(both, [False, True, False])
    np.testing.assert_array_equal(jit(lambda x: ~(x > 0) | (x == 5))(x), [True, False, True])


# ============================================================================================
# Automatic vectorization: the `jax.vmap` docstring
# ============================================================================================


def test_vmap_docstring_in_axes_dict_prefix():
    dct = {"a": 0.0, "b": jnp.arange(5.0)}
    x = 1.0

    def foo(dct, x):
        return dct["a"] + dct["b"] + x

    out = vmap(foo, in_axes=({"a": None, "b": 0}, None))(dct, x)
    close(out, [1.0, 2.0, 3.0, 4.0, 5.0])


def test_vmap_docstring_out_axes_none_for_unbatched_output():
    out = vmap(lambda x, y: (x + y, y * 2.0), in_axes=(0, None), out_axes=(0, None))(
        jnp.ones((2, 3)), 1.0
    )
    close(out[0], np.full((2, 3), 2.0))
    assert float(out[1]) == 2.0 and np.shape(out[1]) == ()
    # out_axes=None for an output that depends on the mapped axis is an error
    with pytest.raises(ValueError):
        vmap(lambda x: x, out_axes=None)(jnp.arange(3.0))


def test_vmap_docstring_axis_name_and_psum():
    def normalize(v):
        return v / lax.psum(v, axis_name="i")

    close(vmap(normalize, axis_name="i")(jnp.arange(4.0)), [0.0, 1 / 6, 2 / 6, 3 / 6])

    # nested vmaps, each naming its own axis
    def f(x):
        return x - lax.psum(x, "rows") / 2 + lax.psum(x, "cols")

    x = jnp.arange(6.0).reshape(2, 3)
    out = vmap(vmap(f, axis_name="cols"), axis_name="rows")(x)
    xn = np.arange(6.0).reshape(2, 3)
    close(out, xn - xn.sum(0, keepdims=True) / 2 + xn.sum(1, keepdims=True))
    close(vmap(lambda v: lax.pmean(v, "i"), axis_name="i")(jnp.arange(4.0)), np.full(4, 1.5))
    close(vmap(lambda v: lax.pmax(v, "i"), axis_name="i")(jnp.arange(4.0)), np.full(4, 3.0))
    np.testing.assert_array_equal(
        vmap(lambda v: lax.axis_index("i"), axis_name="i")(jnp.zeros(3)), [0, 1, 2]
    )
    with pytest.raises(NameError):
        vmap(lambda v: lax.psum(v, "j"), axis_name="i")(jnp.arange(3.0))


def test_vmap_matrix_products_from_the_docstring():
    vv = lambda x, y: jnp.vdot(x, y)  # ([a], [a]) -> []
    mv = vmap(vv, (0, None), 0)  # ([b,a], [a]) -> [b]
    mm = vmap(mv, (None, 1), 1)  # ([b,a], [a,c]) -> [b,c]
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    b = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    assert mv(a, b[:, 0]).shape == (2,)
    assert mm(a, b).shape == (2, 4)
    close(mm(a, b), a @ b)


def test_vmap_errors_inconsistent_sizes_and_bad_axes():
    with pytest.raises(ValueError, match="inconsistent sizes|sizes"):
        vmap(lambda x, y: x + y)(jnp.ones(3), jnp.ones(4))
    with pytest.raises(ValueError):
        vmap(lambda x: x, in_axes=2)(jnp.ones((2, 3)))  # axis out of range
    with pytest.raises(ValueError):
        vmap(lambda x: x)(1.0)  # a scalar has no axis 0
    with pytest.raises(ValueError):
        vmap(lambda x, y: x, in_axes=(0, 0, 0))(jnp.ones(2), jnp.ones(2))


def test_vmap_of_grad_per_example_and_jit_of_vmap():
    def loss(w, x):
        return jnp.sum((x * w) ** 2)

    xs = jnp.arange(6.0).reshape(3, 2)
    per_ex = vmap(grad(loss), in_axes=(None, 0))(jnp.ones(2), xs)
    close(per_ex, 2 * np.arange(6.0).reshape(3, 2) ** 2)
    close(jit(vmap(jnp.sum))(xs), [1.0, 5.0, 9.0])
    close(vmap(jit(jnp.sum))(xs), [1.0, 5.0, 9.0])


# ============================================================================================
# Pytrees and custom pytree nodes
# ============================================================================================


def test_pytrees_leaves_printed_as_in_docs():
    example_trees = [
        [1, "a", object()],
        (1, (2, 3), ()),
        [1, {"k1": 2, "k2": (3, 4)}, 5],
        {"a": 2, "b": (2, 3)},
        jnp.array([1, 2, 3]),
    ]
    leaves = [jax.tree.leaves(t) for t in example_trees]
    assert leaves[1] == [1, 2, 3] and leaves[2] == [1, 2, 3, 4, 5] and leaves[3] == [2, 2, 3]
    assert len(leaves[4]) == 1 and leaves[4][0] is example_trees[4]


def test_pytrees_flatten_unflatten_show_example_treedefs():
    value_flat, value_tree = tree_flatten([1.0, (2.0, 3.0)])
    assert f"{value_tree=}" == "value_tree=PyTreeDef([*, (*, *)])"

    Point = collections.namedtuple("Point", ["x", "y"])
    example_containers = [
        (1.0, [2.0, 3.0]),
        (1.0, {"b": 2.0, "a": 3.0}),
        1.0,
        None,
        jnp.zeros(2),
        Point(1.0, 2.0),
    ]
    trees = []
    for structured in example_containers:
        flat, tree = tree_flatten(structured)
        unflattened = tree_unflatten(tree, flat)
        trees.append(str(tree))
        if structured is not None and not isinstance(structured, jax.Array):
            assert unflattened == structured
    assert trees == [
        "PyTreeDef((*, [*, *]))",
        "PyTreeDef((*, {'a': *, 'b': *}))",
        "PyTreeDef(*)",
        "PyTreeDef(None)",
        "PyTreeDef(*)",
        "PyTreeDef(CustomNode(namedtuple[Point], [*, *]))",
    ]
    assert isinstance(tree_unflatten(tree_flatten(Point(1.0, 2.0))[1], [3, 4]), Point)


def test_pytrees_registered_special_show_example():
    from jtrans.tree_util import register_pytree_node_class

    class Special:
        def __init__(self, x, y):
            self.x = x
            self.y = y

    @register_pytree_node_class
    class RegisteredSpecial2(Special):
        def __repr__(self):
            return f"RegisteredSpecial2(x={self.x}, y={self.y})"

        def tree_flatten(self):
            children = (self.x, self.y)
            aux_data = None
            return (children, aux_data)

        @classmethod
        def tree_unflatten(cls, aux_data, children):
            return cls(*children)

    structured = RegisteredSpecial2(1.0, 2.0)
    flat, tree = structured.tree_flatten()
    unflattened = RegisteredSpecial2.tree_unflatten(tree, flat)
    assert f"{structured=}\n  {flat=}\n  {tree=}\n  {unflattened=}" == (
        "structured=RegisteredSpecial2(x=1.0, y=2.0)\n  flat=(1.0, 2.0)\n  tree=None\n"
        "  unflattened=RegisteredSpecial2(x=1.0, y=2.0)"
    )
    td = jax.tree.structure(structured)
    assert str(td) == "PyTreeDef(CustomNode(RegisteredSpecial2[None], [*, *]))"
    out = jax.tree.map(lambda x: x + 1, [structured])
    assert repr(out) == "[RegisteredSpecial2(x=2.0, y=3.0)]"


def test_pytrees_unregistered_class_is_a_leaf_and_tree_map_errors():
    class Special:
        def __init__(self, x, y):
            self.x = x
            self.y = y

    leaves = jax.tree.leaves([Special(0, 1), Special(2, 4)])
    assert len(leaves) == 2 and all(isinstance(leaf, Special) for leaf in leaves)
    with pytest.raises(TypeError, match="unsupported operand"):
        jax.tree.map(lambda x: x + 1, [Special(0, 1), Special(2, 4)])


def test_pytrees_custom_init_validation_gotcha_and_solution_1():
    class MyTree:
        def __init__(self, a):
            if not (type(a) is object or a is None or isinstance(a, MyTree)):
                a = jnp.asarray(a)
            self.a = a

    register_pytree_node(MyTree, lambda tree: ((tree.a,), None), lambda _, args: MyTree(*args))
    tree = MyTree(jnp.arange(5.0))
    out = jax.vmap(lambda x: x)(tree)
    assert isinstance(out, MyTree)
    close(out.a, np.arange(5.0))
    jac = jax.jacobian(lambda x: x)(tree)
    assert isinstance(jac, MyTree) and isinstance(jac.a, MyTree)
    close(jac.a.a, np.eye(5))


def test_pytrees_register_dataclass_meta_fields_are_static_under_jit():
    import dataclasses

    traces = []

    @partial(jax.tree_util.register_dataclass, data_fields=["a", "b"], meta_fields=["name"])
    @dataclasses.dataclass
    class Container:
        name: str
        a: Any
        b: Any

    @jax.jit
    def f(x):
        traces.append(x.name)
        return x.a + x.b

    assert int(f(Container("x", 1, 2))) == 3
    assert int(f(Container("x", 3, 4))) == 7
    assert int(f(Container("y", 3, 4))) == 7
    assert traces == ["x", "y"]  # a new name is a new structure: a retrace
    assert str(jax.tree.structure(Container("x", 1, 2))).startswith(
        "PyTreeDef(CustomNode(Container"
    )

    # register_dataclass with no field lists reads the dataclass' fields (all data)
    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class Pair:
        x: Any
        y: Any

    assert jax.tree.leaves(Pair(1, 2)) == [1, 2]
    out = jax.tree.map(lambda v: v * 10, Pair(1, 2))
    assert isinstance(out, Pair) and (out.x, out.y) == (10, 20)


def test_pytrees_map_structure_mismatch_errors():
    with pytest.raises(ValueError):
        jax.tree.map(lambda x, y: x + y, {"a": 1}, {"b": 1})
    with pytest.raises(ValueError):
        jax.tree.map(lambda x, y: x + y, (1, 2), [1, 2])
    # the second tree may have more structure below the first's leaves (a prefix)
    out = jax.tree.map(lambda x, y: (x, y), [1, 2], [(3, 4), 5])
    assert out == [(1, (3, 4)), (2, 5)]


def test_pytrees_key_path_reprs_as_in_docs():
    ATuple = collections.namedtuple("ATuple", ("name"))
    tree = [1, {"k1": 2, "k2": (3, 4)}, ATuple("foo")]
    flattened, _ = jax.tree_util.tree_flatten_with_path(tree)
    lines = [f"Key path of tree{jax.tree_util.keystr(key_path)}: {key_path!r}"
             for key_path, _ in flattened]  # fmt: skip
    assert lines == [
        "Key path of tree[0]: (SequenceKey(idx=0),)",
        "Key path of tree[1]['k1']: (SequenceKey(idx=1), DictKey(key='k1'))",
        "Key path of tree[1]['k2'][0]: (SequenceKey(idx=1), DictKey(key='k2'), SequenceKey(idx=0))",
        "Key path of tree[1]['k2'][1]: (SequenceKey(idx=1), DictKey(key='k2'), SequenceKey(idx=1))",
        "Key path of tree[2].name: (SequenceKey(idx=2), GetAttrKey(name='name'))",
    ]


def test_pytrees_flatten_unflatten_and_jax_tree_aliases():
    leaves, treedef = jax.tree.flatten({"a": 1, "b": [2, 3]})
    assert leaves == [1, 2, 3]
    assert jax.tree.unflatten(treedef, [4, 5, 6]) == {"a": 4, "b": [5, 6]}
    assert treedef.num_leaves == 3
    assert jax.tree_util.tree_structure([1, 2]) == jax.tree.structure([3, 4])
    assert jax.tree_util.tree_structure([1, 2]) != jax.tree.structure((3, 4))
    assert jax.tree_util.all_leaves([1, 2, 3])
    assert not jax.tree_util.all_leaves([[1], 2])


# ============================================================================================
# Pseudorandom numbers
# ============================================================================================


def test_random_legacy_prngkey_values_and_reuse():
    key = random.PRNGKey(0)
    np.testing.assert_array_equal(key, [0, 0])
    np.testing.assert_array_equal(random.PRNGKey(42), [0, 42])
    a = random.normal(key, shape=(1,))
    b = random.normal(key, shape=(1,))
    np.testing.assert_array_equal(a, b)  # No no no!
    np.testing.assert_array_equal(key, [0, 0])  # the key is not changed
    key, subkey = random.split(key)
    assert key.shape == (2,) and subkey.shape == (2,) and key.dtype == jnp.uint32
    assert not np.array_equal(key, subkey)
    key, *subkeys = random.split(key, 4)
    assert len(subkeys) == 3
    draws = [float(random.normal(k, shape=(1,))[0]) for k in subkeys]
    assert len(set(draws)) == 3


def test_random_key_data_of_a_new_style_key():
    key = random.key(42)
    np.testing.assert_array_equal(random.key_data(key), [0, 42])
    # sampling is deterministic in the key, and jit gives the same bits
    close(jit(random.normal)(key), random.normal(key))


def test_random_typed_key_has_scalar_shape_and_key_dtype():
    key = random.key(42)
    assert key.shape == ()
    assert jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)


def test_random_sequential_draws_match_vmap_over_split_keys():
    key = random.key(42)
    subkeys = random.split(key, 3)
    sequence = np.stack([random.normal(subkey) for subkey in subkeys])
    close(jax.vmap(random.normal)(subkeys), sequence)
    assert not np.allclose(random.normal(random.key(42), shape=(3,)), sequence)


# ============================================================================================
# Stateful computations
# ============================================================================================


def test_stateful_counter_side_effect_is_baked_in_by_jit():
    class Counter:
        """A simple counter."""

        def __init__(self):
            self.n = 0

        def count(self) -> int:
            self.n += 1
            return self.n

        def reset(self):
            self.n = 0

    counter = Counter()
    assert [counter.count() for _ in range(3)] == [1, 2, 3]
    counter.reset()
    fast_count = jax.jit(counter.count)
    assert [int(fast_count()) for _ in range(3)] == [1, 1, 1]  # "Oh no!"

    class CounterV2:
        def count(self, n):
            return n + 1, n + 1

        def reset(self):
            return 0

    counter = CounterV2()
    state = counter.reset()
    values = []
    for _ in range(3):
        value, state = counter.count(state)
        values.append(value)
    assert values == [1, 2, 3]


def test_stateful_linear_regression_with_jax_random_data():
    class Params(NamedTuple):
        weight: jnp.ndarray
        bias: jnp.ndarray

    def init(rng) -> Params:
        weights_key, bias_key = jax.random.split(rng)
        weight = jax.random.normal(weights_key, ())
        bias = jax.random.normal(bias_key, ())
        return Params(weight, bias)

    def loss(params, x, y):
        pred = params.weight * x + params.bias
        return jnp.mean((pred - y) ** 2)

    LEARNING_RATE = 0.005

    @jax.jit
    def update(params, x, y):
        grad = jax.grad(loss)(params, x, y)
        return jax.tree.map(lambda param, g: param - g * LEARNING_RATE, params, grad)

    rng = jax.random.key(42)
    true_w, true_b = 2, -1
    x_rng, noise_rng = jax.random.split(rng)
    xs = jax.random.normal(x_rng, (128, 1))
    noise = jax.random.normal(noise_rng, (128, 1)) * 0.5
    ys = xs * true_w + true_b + noise
    params = init(rng)
    for _ in range(1000):
        params = update(params, xs, ys)
    assert isinstance(params, Params) and params.weight.shape == ()
    assert abs(float(params.weight) - true_w) < 0.2 and abs(float(params.bias) - true_b) < 0.2


# ============================================================================================
# Type promotion semantics: the whole binary promotion table of docs/type_promotion.rst
# ============================================================================================

_PROMO_COLS = [
    "b1",
    "u1",
    "u2",
    "u4",
    "u8",
    "i1",
    "i2",
    "i4",
    "i8",
    "bf",
    "f2",
    "f4",
    "f8",
    "c8",
    "c16",
    "i*",
    "f*",
    "c*",
]
_PROMO_TABLE = """
b1  b1  u1  u2  u4  u8  i1  i2  i4  i8  bf  f2  f4  f8  c8  c16 i*  f*  c*
u1  u1  u1  u2  u4  u8  i2  i2  i4  i8  bf  f2  f4  f8  c8  c16 u1  f*  c*
u2  u2  u2  u2  u4  u8  i4  i4  i4  i8  bf  f2  f4  f8  c8  c16 u2  f*  c*
u4  u4  u4  u4  u4  u8  i8  i8  i8  i8  bf  f2  f4  f8  c8  c16 u4  f*  c*
u8  u8  u8  u8  u8  u8  f*  f*  f*  f*  bf  f2  f4  f8  c8  c16 u8  f*  c*
i1  i1  i2  i4  i8  f*  i1  i2  i4  i8  bf  f2  f4  f8  c8  c16 i1  f*  c*
i2  i2  i2  i4  i8  f*  i2  i2  i4  i8  bf  f2  f4  f8  c8  c16 i2  f*  c*
i4  i4  i4  i4  i8  f*  i4  i4  i4  i8  bf  f2  f4  f8  c8  c16 i4  f*  c*
i8  i8  i8  i8  i8  f*  i8  i8  i8  i8  bf  f2  f4  f8  c8  c16 i8  f*  c*
bf  bf  bf  bf  bf  bf  bf  bf  bf  bf  bf  f4  f4  f8  c8  c16 bf  bf  c8
f2  f2  f2  f2  f2  f2  f2  f2  f2  f2  f4  f2  f4  f8  c8  c16 f2  f2  c8
f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f8  c8  c16 f4  f4  c8
f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  c16 c16 f8  f8  c16
c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c16 c8  c16 c8  c8  c8
c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16 c16
i*  i*  u1  u2  u4  u8  i1  i2  i4  i8  bf  f2  f4  f8  c8  c16 i*  f*  c*
f*  f*  f*  f*  f*  f*  f*  f*  f*  f*  bf  f2  f4  f8  c8  c16 f*  f*  c*
c*  c*  c*  c*  c*  c*  c*  c*  c*  c*  c8  c8  c8  c16 c8  c16 c*  c*  c*
"""
_PROMO = {}
for _row in _PROMO_TABLE.strip().splitlines():
    _name, *_cells = _row.split()
    for _col, _cell in zip(_PROMO_COLS, _cells):
        _PROMO[_name, _col] = _cell

_NAMED = {
    "b1": np.bool_, "u1": np.uint8, "u2": np.uint16, "u4": np.uint32, "u8": np.uint64,
    "i1": np.int8, "i2": np.int16, "i4": np.int32, "i8": np.int64, "bf": jnp.bfloat16,
    "f2": np.float16, "f4": np.float32, "f8": np.float64, "c8": np.complex64,
    "c16": np.complex128,
}  # fmt: skip
_WEAK = {"i*": (int, np.int64), "f*": (float, np.float64), "c*": (complex, np.complex128)}


def _promo_value(name):
    """A value of the table's type: a typed array, or a Python scalar for a weak type."""
    if name in _WEAK:
        return _WEAK[name][0](1)
    return jnp.zeros((), _NAMED[name])


def _expected(cell):
    if cell in _WEAK:
        return np.dtype(_WEAK[cell][1]), True
    return np.dtype(_NAMED[cell]), False


@pytest.mark.parametrize("row", _PROMO_COLS)
def test_type_promotion_table_row(row, x64):
    for col in _PROMO_COLS:
        want_dtype, want_weak = _expected(_PROMO[row, col])
        a, b = _promo_value(row), _promo_value(col)
        # jnp.result_type and an actual binary operation agree with the table
        got = jnp.result_type(a, b)
        assert got == want_dtype, (row, col, got, want_dtype)
        if row in _WEAK and col in _WEAK:
            continue  # two Python scalars: Python arithmetic, not JAX's
        out = jnp.multiply(a, b) if "b1" not in (row, col) else jnp.logical_or(a, b) * b
        if "b1" in (row, col):
            continue
        assert out.dtype == want_dtype, (row, col, out.dtype, want_dtype)
        assert out.weak_type == want_weak, (row, col)


def test_type_promotion_promote_types_of_typed_dtypes(x64):
    for row in _PROMO_COLS[:15]:
        for col in _PROMO_COLS[:15]:
            cell = _PROMO[row, col]
            if cell in _WEAK:  # u8 with a signed int: the weak float, as a dtype float64
                want = np.dtype(_WEAK[cell][1])
            else:
                want = np.dtype(_NAMED[cell])
            assert jnp.promote_types(_NAMED[row], _NAMED[col]) == want, (row, col)


def test_type_promotion_without_x64_the_64_bit_types_are_32_bit():
    assert (jnp.zeros(2, jnp.int8) + jnp.zeros(2, jnp.uint8)).dtype == jnp.int16
    assert (jnp.zeros(2, jnp.uint32) + jnp.zeros(2, jnp.int32)).dtype == jnp.int32  # i8 -> i4
    assert (jnp.zeros(2, jnp.int32) * 1.0).dtype == jnp.float32
    assert (jnp.zeros(2, jnp.bfloat16) + jnp.zeros(2, jnp.float16)).dtype == jnp.float32
    assert (jnp.zeros(2, jnp.int32) + 1j).dtype == jnp.complex64


def test_type_promotion_weak_type_examples():
    x = jnp.arange(5, dtype="int8")
    out = 2 * x
    assert out.dtype == jnp.int8
    np.testing.assert_array_equal(out, [0, 2, 4, 6, 8])
    assert (jnp.int32(2) * x).dtype == jnp.int32
    assert repr(jnp.asarray(2)) == "Array(2, dtype=int32, weak_type=True)"
    assert repr(jnp.asarray(2, dtype="int32")) == "Array(2, dtype=int32)"
    assert (jnp.int16(1) + 1).dtype == jnp.int16
    assert (jnp.int16(1) + np.array(1)).dtype == jnp.int32  # a NumPy array is not weak
    assert (jnp.float16(1) + 1.0).dtype == jnp.float16
    assert (jnp.bfloat16(1) + 1).dtype == jnp.bfloat16
    # a weak float against an integer array gives the default float (weakly typed)
    out = jnp.arange(3, dtype=jnp.uint8) * 1.5
    assert out.dtype == jnp.float32 and out.weak_type


def test_type_promotion_weak_types_under_jit_and_in_jaxprs():
    @jit
    def f(x):
        return x * 2  # 2 stays weak inside the jaxpr

    assert f(jnp.arange(3, dtype=jnp.int8)).dtype == jnp.int8
    assert f(jnp.ones(3, jnp.float16)).dtype == jnp.float16
    out = jit(lambda: jnp.asarray(2.0))()
    assert out.dtype == jnp.float32


def test_type_promotion_python_operator_dispatch_non_associative(x64):
    # np.int16(1) + 1 is NumPy's promotion; jnp.int16(1) + 1 is JAX's
    assert (jnp.int16(1) + 1).dtype == jnp.int16
    assert (np.int16(1) + 1 + jnp.int16(1)).dtype == jnp.int16
    assert (jnp.int16(1) + np.array(1)).dtype == jnp.int64


def test_type_promotion_strict_mode():
    x = jnp.float32(1)
    y = jnp.int32(1)
    with jax.numpy_dtype_promotion("strict"):
        with pytest.raises(jax.errors.TypePromotionError if hasattr(jax.errors,
                           "TypePromotionError") else TypeError) as e:  # fmt: skip
            x + y
        assert "strict" in str(e.value)
        z = x + 1  # weakly-typed promotions are still allowed
        assert float(z) == 2.0 and z.dtype == jnp.float32
    assert (x + y).dtype == jnp.float32  # standard again outside the context
    jax.config.update("jax_numpy_dtype_promotion", "strict")
    try:
        with pytest.raises(TypeError):
            jnp.add(jnp.int8(1), jnp.int16(1))
        assert jnp.add(jnp.int16(1), jnp.int16(1)).dtype == jnp.int16
    finally:
        jax.config.update("jax_numpy_dtype_promotion", "standard")
    assert jnp.add(jnp.int8(1), jnp.int16(1)).dtype == jnp.int16


# ============================================================================================
# jax.numpy notes: immutability, copying and serialization, hashing
# ============================================================================================


def test_jnp_arrays_copy_deepcopy_and_pickle():
    x = jnp.arange(6.0).reshape(2, 3)
    for y in (copy.copy(x), copy.deepcopy(x), x.copy(), jnp.array(x), jnp.array(x, copy=True)):
        assert isinstance(y, jax.Array) and y.dtype == x.dtype
        np.testing.assert_array_equal(y, x)
    y = pickle.loads(pickle.dumps(x))
    assert isinstance(y, jax.Array) and y.dtype == jnp.float32
    np.testing.assert_array_equal(y, x)
    w = jnp.asarray(2)  # weak types survive copies
    assert copy.deepcopy(w).weak_type
    # a pytree of arrays deep-copies as a pytree
    tree = {"a": x, "b": [jnp.ones(2)]}
    t2 = copy.deepcopy(tree)
    np.testing.assert_array_equal(t2["b"][0], [1.0, 1.0])


def test_jnp_arrays_are_unhashable_and_immutable():
    x = jnp.arange(3)
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    with pytest.raises(TypeError):
        x[0] = 10
    y = x
    y += 1  # falls back to y = y + 1: x is unchanged
    np.testing.assert_array_equal(x, [0, 1, 2])
    np.testing.assert_array_equal(y, [1, 2, 3])


def test_jnp_array_from_numpy_and_back():
    a = np.arange(4, dtype=np.float64)
    x = jnp.asarray(a)
    assert x.dtype == jnp.float32  # x64 off: canonicalized
    b = np.asarray(x)
    assert isinstance(b, np.ndarray) and b.dtype == np.float32
    np.testing.assert_array_equal(b, a)
    assert jnp.array([1, 2.5]).dtype == jnp.float32
    assert jnp.array([True, False]).dtype == jnp.bool_
    assert jnp.array([1, 2], dtype=jnp.uint8).dtype == jnp.uint8


# ============================================================================================
# The jax.lax API: docstring examples
# ============================================================================================


def test_lax_dynamic_slice_docstring():
    x = jnp.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(lax.dynamic_slice(x, (1, 1), (2, 3)), [[5, 6, 7], [9, 10, 11]])
    # an overrunning slice has its start index adjusted to give the requested size
    np.testing.assert_array_equal(lax.dynamic_slice(x, (1, 1), (2, 4)),
                                  [[4, 5, 6, 7], [8, 9, 10, 11]])  # fmt: skip
    # traced start indices under jit
    f = jit(lambda x, i: lax.dynamic_slice(x, (i, 0), (2, 2)))
    np.testing.assert_array_equal(f(x, 1), [[4, 5], [8, 9]])
    np.testing.assert_array_equal(f(x, 5), [[4, 5], [8, 9]])  # clamped
    x = jnp.arange(20).reshape(4, 5)
    np.testing.assert_array_equal(
        lax.dynamic_slice_in_dim(x, 1, 2, axis=0), np.arange(5, 15).reshape(2, 5)
    )
    np.testing.assert_array_equal(lax.dynamic_slice_in_dim(x, 1, 2, axis=1),
                                  np.arange(20).reshape(4, 5)[:, 1:3])  # fmt: skip
    np.testing.assert_array_equal(lax.dynamic_index_in_dim(x, 2, axis=0, keepdims=False),
                                  [10, 11, 12, 13, 14])  # fmt: skip
    assert lax.dynamic_index_in_dim(x, 2, axis=1).shape == (4, 1)
    np.testing.assert_array_equal(lax.index_in_dim(x, 1, axis=1, keepdims=False), [1, 6, 11, 16])
    np.testing.assert_array_equal(lax.slice_in_dim(x, 1, 3, axis=0), np.arange(5, 15).reshape(2, 5))


def test_lax_dynamic_update_slice_docstring():
    x = jnp.zeros(6)
    y = jnp.ones(3)
    np.testing.assert_array_equal(lax.dynamic_update_slice(x, y, (2,)), [0, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(lax.dynamic_update_slice(x, y, (3,)), [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(lax.dynamic_update_slice(x, y, (5,)), [0, 0, 0, 1, 1, 1])
    x = jnp.zeros((4, 4))
    y = jnp.ones((2, 2))
    np.testing.assert_array_equal(
        lax.dynamic_update_slice(x, y, (1, 2)),
        [[0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]],
    )
    out = lax.dynamic_update_slice_in_dim(jnp.zeros((3, 2)), jnp.ones((1, 2)), 2, axis=0)
    np.testing.assert_array_equal(out, [[0, 0], [0, 0], [1, 1]])
    out = lax.dynamic_update_index_in_dim(jnp.zeros((3, 2)), jnp.ones(2), 1, axis=0)
    np.testing.assert_array_equal(out, [[0, 0], [1, 1], [0, 0]])
    with pytest.raises(TypeError):
        lax.dynamic_update_slice(jnp.zeros(3), jnp.ones(2, jnp.int32), (0,))  # dtypes differ


def test_lax_slice_pad_and_structural_docstrings():
    x = jnp.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(lax.slice(x, (1, 0), (3, 2)), [[4, 5], [8, 9]])
    np.testing.assert_array_equal(lax.slice(x, (0, 0), (3, 4), (2, 3)), [[0, 3], [8, 11]])
    x = jnp.array([1, 2, 3, 4], dtype=jnp.int32)
    np.testing.assert_array_equal(lax.pad(x, 0, [(1, 2, 0)]), [0, 1, 2, 3, 4, 0, 0])
    np.testing.assert_array_equal(lax.pad(x, 0, [(0, 0, 1)]), [1, 0, 2, 0, 3, 0, 4])
    np.testing.assert_array_equal(lax.pad(x, 0, [(-1, -2, 0)]), [2])
    np.testing.assert_array_equal(lax.pad(x, -1, [(1, 1, 1)]), [-1, 1, -1, 2, -1, 3, -1, 4, -1])
    y = jnp.arange(3)
    np.testing.assert_array_equal(lax.broadcast_in_dim(y, (2, 3), (1,)), [[0, 1, 2], [0, 1, 2]])
    np.testing.assert_array_equal(lax.broadcast_in_dim(y, (3, 2), (0,)), [[0, 0], [1, 1], [2, 2]])
    assert lax.broadcast(y, (4, 5)).shape == (4, 5, 3)
    z = jnp.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(lax.reshape(z, (3, 2)), [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(lax.reshape(z, (6,), dimensions=(1, 0)), [0, 3, 1, 4, 2, 5])
    np.testing.assert_array_equal(lax.transpose(z, (1, 0)), np.arange(6).reshape(2, 3).T)
    np.testing.assert_array_equal(lax.rev(z, (1,)), [[2, 1, 0], [5, 4, 3]])
    np.testing.assert_array_equal(
        lax.concatenate([z, z], 0), np.concatenate([np.arange(6).reshape(2, 3)] * 2)
    )
    assert lax.squeeze(jnp.ones((1, 3, 1)), (0, 2)).shape == (3,)
    assert lax.expand_dims(y, (0, 2)).shape == (1, 3, 1)
    assert lax.collapse(jnp.ones((2, 3, 4)), 0, 2).shape == (6, 4)
    np.testing.assert_array_equal(lax.iota(jnp.int32, 3), [0, 1, 2])
    np.testing.assert_array_equal(
        lax.broadcasted_iota(jnp.int32, (2, 3), 1), [[0, 1, 2], [0, 1, 2]]
    )
    np.testing.assert_array_equal(
        lax.broadcasted_iota(jnp.int32, (2, 3), 0), [[0, 0, 0], [1, 1, 1]]
    )
    out = lax.full((2, 2), 1.0)
    assert out.dtype == jnp.float32 and out.shape == (2, 2)
    assert lax.full_like(jnp.ones(3, jnp.int8), 4).dtype == jnp.int8
    parts = lax.split(jnp.arange(6), (1, 2, 3))
    assert [p.tolist() for p in parts] == [[0], [1, 2], [3, 4, 5]]


def test_lax_select_n_clamp_and_sorting_docstrings():
    which = jnp.array([0, 1, 2, 1])
    a, b, c = jnp.zeros(4), jnp.ones(4), jnp.full(4, 2.0)
    np.testing.assert_array_equal(lax.select_n(which, a, b, c), [0, 1, 2, 1])
    np.testing.assert_array_equal(
        lax.select_n(jnp.array([True, False]), jnp.zeros(2), jnp.ones(2)), [1, 0]
    )  # fmt: skip  (False picks the first case)
    np.testing.assert_array_equal(lax.clamp(0.0, jnp.array([-1.0, 0.5, 2.0]), 1.0), [0, 0.5, 1])
    vals, idx = lax.top_k(jnp.array([3, 1, 4, 1, 5]), 2)
    np.testing.assert_array_equal(vals, [5, 4])
    np.testing.assert_array_equal(idx, [4, 2])
    assert idx.dtype == jnp.int32
    keys = jnp.array([2, 1, 2, 0])
    values = jnp.array([10, 20, 30, 40])
    k, v = lax.sort((keys, values), num_keys=1)
    np.testing.assert_array_equal(k, [0, 1, 2, 2])
    np.testing.assert_array_equal(v, [40, 20, 10, 30])  # stable
    k, v = lax.sort_key_val(keys, values)
    np.testing.assert_array_equal(v, [40, 20, 10, 30])
    np.testing.assert_array_equal(lax.sort(jnp.array([3.0, jnp.nan, 1.0])), [1.0, 3.0, np.nan])
    x = jnp.array([[1, 9, 3], [7, 2, 8]])
    am = lax.argmax(x, axis=1, index_dtype=jnp.int32)
    np.testing.assert_array_equal(am, [1, 2])
    np.testing.assert_array_equal(lax.argmin(x, 0, jnp.int32), [0, 1, 0])


def test_lax_reductions_and_cumulative_docstrings():
    x = jnp.arange(6.0).reshape(2, 3)
    close(lax.reduce(x, 0.0, lax.add, (0,)), [3.0, 5.0, 7.0])
    close(lax.reduce(x, -jnp.inf, lax.max, (1,)), [2.0, 5.0])
    # several operands reduced together (a variadic reduce)
    vals, idxs = lax.reduce((x, lax.broadcasted_iota(jnp.int32, (2, 3), 1)),
                            (-jnp.inf, 0),
                            lambda a, b: (jnp.maximum(a[0], b[0]),
                                          jnp.where(a[0] >= b[0], a[1], b[1])),
                            (1,))  # fmt: skip
    close(vals, [2.0, 5.0])
    np.testing.assert_array_equal(idxs, [2, 2])
    close(lax.reduce_sum(x, (0, 1)), 15.0)
    close(lax.reduce_max(x, (1,)), [2.0, 5.0])
    np.testing.assert_array_equal(lax.reduce_and(x > 0, (1,)), [False, True])
    np.testing.assert_array_equal(lax.reduce_or(x > 4, (0,)), [False, False, True])
    y = jnp.array([1.0, 3.0, 2.0, 5.0])
    close(lax.cumsum(y), [1.0, 4.0, 6.0, 11.0])
    close(lax.cumsum(y, reverse=True), [11.0, 10.0, 7.0, 5.0])
    close(lax.cummax(y), [1.0, 3.0, 3.0, 5.0])
    close(lax.cummin(y, reverse=True), [1.0, 2.0, 2.0, 5.0])
    close(lax.cumprod(y), [1.0, 3.0, 6.0, 30.0])
    close(lax.cumlogsumexp(y), np.logaddexp.accumulate([1.0, 3.0, 2.0, 5.0]), rtol=1e-6)
    # reduce_window: 2-wide max pooling with stride 2, and a padded window sum
    z = jnp.arange(8.0).reshape(1, 8)
    close(lax.reduce_window(z, -jnp.inf, lax.max, (1, 2), (1, 2), "VALID"), [[1.0, 3.0, 5.0, 7.0]])
    close(lax.reduce_window(z, 0.0, lax.add, (1, 3), (1, 1), "SAME"),
          [[1.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 13.0]])  # fmt: skip


def test_lax_elementwise_semantics_docstrings():
    # integer division rounds toward zero; rem takes the sign of the dividend
    assert int(lax.div(jnp.int32(-7), jnp.int32(2))) == -3
    assert int(lax.rem(jnp.int32(-7), jnp.int32(2))) == -1
    assert int(jnp.floor_divide(-7, 2)) == -4 and int(jnp.remainder(-7, 2)) == 1
    close(lax.rem(jnp.float32(-7.5), jnp.float32(2.0)), -1.5)
    close(lax.integer_pow(jnp.array([1.0, 2.0, 3.0]), 3), [1.0, 8.0, 27.0])
    close(lax.integer_pow(jnp.array(2.0), -2), 0.25)
    close(lax.pow(jnp.array([4.0, 9.0]), 0.5), [2.0, 3.0])
    assert int(lax.shift_right_logical(jnp.int32(-8), jnp.int32(1))) == 2**31 - 4
    assert int(lax.shift_right_arithmetic(jnp.int32(-8), jnp.int32(1))) == -4
    assert int(lax.shift_left(jnp.int32(3), jnp.int32(2))) == 12
    np.testing.assert_array_equal(
        lax.population_count(jnp.array([0, 1, 7, 255], jnp.uint8)), [0, 1, 3, 8]
    )
    np.testing.assert_array_equal(lax.clz(jnp.array([1, 2**31 - 1], jnp.int32)), [31, 1])
    assert int(lax.bitcast_convert_type(jnp.float32(1.0), jnp.int32)) == 1065353216
    assert lax.bitcast_convert_type(jnp.zeros(2, jnp.float32), jnp.uint8).shape == (2, 4)
    out = lax.convert_element_type(jnp.array([2.7, -2.7]), jnp.int32)
    assert out.dtype == jnp.int32
    np.testing.assert_array_equal(out, [2, -2])
    r = jnp.array([0.5, 1.5, 2.5, -0.5])
    np.testing.assert_array_equal(lax.round(r), [1.0, 2.0, 3.0, -1.0])  # away from zero
    np.testing.assert_array_equal(lax.round(r, lax.RoundingMethod.TO_NEAREST_EVEN), [0, 2, 2, -0.0])
    close(lax.reduce_precision(jnp.float32(1.0 + 2**-12), exponent_bits=5, mantissa_bits=10), 1.0)
    close(lax.reduce_precision(jnp.float32(0.1), 8, 7), float(jnp.bfloat16(0.1)))
    assert np.isnan(float(lax.max(jnp.float32(np.nan), jnp.float32(1.0))))
    assert np.isnan(float(lax.min(jnp.float32(1.0), jnp.float32(np.nan))))
    close(lax.atan2(jnp.float32(1.0), jnp.float32(-1.0)), 3 * np.pi / 4)
    close(lax.rsqrt(jnp.float32(4.0)), 0.5)
    close(lax.cbrt(jnp.float32(-8.0)), -2.0)
    close(lax.logistic(jnp.float32(0.0)), 0.5)
    close(lax.erf_inv(lax.erf(jnp.float32(0.3))), 0.3, rtol=1e-5)
    assert float(lax.nextafter(jnp.float32(1.0), jnp.float32(2.0))) == float(
        np.nextafter(np.float32(1), np.float32(2))
    )
    c = lax.complex(jnp.float32(1.0), jnp.float32(2.0))
    assert c.dtype == jnp.complex64
    assert float(lax.real(c)) == 1.0 and float(lax.imag(c)) == 2.0
    assert complex(lax.conj(c)) == 1 - 2j
    assert lax.eq(jnp.arange(3), 1).dtype == jnp.bool_
    np.testing.assert_array_equal(lax.sign(jnp.array([-3, 0, 2])), [-1, 0, 1])
    np.testing.assert_array_equal(lax.abs(jnp.array([-3, 0, 2])), [3, 0, 2])
    np.testing.assert_array_equal(lax.bitwise_not(jnp.array([0], jnp.uint8)), [255])
    with pytest.raises(TypeError):
        lax.add(jnp.float32(1), jnp.int32(1))  # lax does not promote
    with pytest.raises(TypeError):
        lax.add(jnp.ones(2, jnp.float32), jnp.ones(2, jnp.float16))
    with pytest.raises(TypeError):
        lax.add(jnp.ones(2), jnp.ones(3))  # lax does not broadcast rank >= 1


def test_lax_dot_general_docstring():
    lhs = jnp.arange(24.0).reshape(2, 3, 4)
    rhs = jnp.arange(40.0).reshape(2, 4, 5)
    out = lax.dot_general(lhs, rhs, (((2,), (1,)), ((0,), (0,))))
    assert out.shape == (2, 3, 5)
    close(out, np.einsum("bij,bjk->bik", np.arange(24.0).reshape(2, 3, 4),
                         np.arange(40.0).reshape(2, 4, 5)))  # fmt: skip
    a = jnp.array([[1, 2], [3, 4]], dtype=jnp.int8)
    out = lax.dot(a, a, preferred_element_type=jnp.int32)
    assert out.dtype == jnp.int32
    np.testing.assert_array_equal(out, [[7, 10], [15, 22]])
    out = lax.dot(jnp.ones((2, 3), jnp.bfloat16), jnp.ones((3,), jnp.bfloat16),
                  preferred_element_type=jnp.float32)  # fmt: skip
    assert out.dtype == jnp.float32
    close(out, [3.0, 3.0])


def test_lax_scan_docstring_semantics_and_options():
    def scan_py(f, init, xs, length=None):
        if xs is None:
            xs = [None] * length
        carry = init
        ys = []
        for x in xs:
            carry, y = f(carry, x)
            ys.append(y)
        return carry, np.stack(ys)

    f = lambda c, x: (c + x, c * x)
    xs = jnp.arange(1.0, 7.0)
    c1, y1 = lax.scan(f, 0.0, xs)
    c2, y2 = scan_py(f, 0.0, np.arange(1.0, 7.0))
    close(c1, c2)
    close(y1, y2)
    for unroll in (2, 3, True):
        c3, y3 = lax.scan(f, 0.0, xs, unroll=unroll)
        close(c3, c2)
        close(y3, y2)
    c4, y4 = jit(lambda xs: lax.scan(f, 0.0, xs))(xs)
    close(y4, y2)
    # carry types must match
    with pytest.raises(TypeError):
        lax.scan(lambda c, x: (c.astype(jnp.int32), x), 0.0, xs)
    with pytest.raises(TypeError):
        lax.scan(lambda c, x: ((c, c), x), 0.0, xs)
    # xs of different leading lengths
    with pytest.raises(ValueError):
        lax.scan(lambda c, x: (c, x[0] + x[1]), 0.0, (jnp.ones(3), jnp.ones(4)))


def test_lax_map_batch_size_and_fori_loop_edge_cases():
    xs = jnp.arange(7.0)
    close(lax.map(lambda x: x * 2, xs), 2 * np.arange(7.0))
    close(lax.map(lambda x: x * 2, xs, batch_size=3), 2 * np.arange(7.0))
    out = lax.map(lambda d: d["a"] + d["b"], {"a": jnp.ones(3), "b": jnp.arange(3.0)})
    close(out, [1.0, 2.0, 3.0])
    assert int(lax.fori_loop(5, 2, lambda i, c: c + 1, 0)) == 0  # empty range: init
    # traced bounds (a while_loop) under jit
    f = jit(lambda n: lax.fori_loop(0, n, lambda i, c: c + i, 0))
    assert int(f(5)) == 10 and int(f(0)) == 0
    # a pytree carry
    out = lax.fori_loop(0, 3, lambda i, c: (c[0] + i, c[1] * 2), (0, 1.0))
    assert int(out[0]) == 3 and float(out[1]) == 8.0


def test_lax_while_loop_and_cond_type_errors():
    # a weakly typed carry is promoted with what the body returns (as JAX does) ...
    out = lax.while_loop(lambda c: c < 3, lambda c: c + 1.0, 0)
    assert out.dtype == jnp.float32 and float(out) == 3.0
    # ... a strongly typed one must keep its type
    with pytest.raises(TypeError):
        lax.while_loop(lambda c: c < 3, lambda c: (c + 1).astype(jnp.float32), jnp.int32(0))
    with pytest.raises(TypeError):
        lax.cond(True, lambda x: x, lambda x: x.astype(jnp.int32), 1.0)
    with pytest.raises(TypeError):
        lax.cond(True, lambda x: (x, x), lambda x: x, 1.0)
    with pytest.raises(TypeError):
        lax.cond(jnp.array([True, False]), lambda: 1.0, lambda: 2.0)  # non-scalar predicate
    out = lax.cond(True, lambda: jnp.float32(1.0), lambda: jnp.float32(2.0))  # no operands
    assert float(out) == 1.0
    out = lax.while_loop(lambda c: c["i"] < 3, lambda c: {"i": c["i"] + 1, "v": c["v"] * 2},
                         {"i": 0, "v": jnp.ones(2)})  # fmt: skip
    close(out["v"], [8.0, 8.0])


def test_lax_associative_scan_options():
    x = jnp.arange(1, 7).reshape(2, 3)
    np.testing.assert_array_equal(
        lax.associative_scan(jnp.add, x, axis=1), np.cumsum(np.arange(1, 7).reshape(2, 3), 1)
    )
    np.testing.assert_array_equal(
        lax.associative_scan(jnp.add, jnp.arange(4), reverse=True), [6, 6, 5, 3]
    )
    out = lax.associative_scan(lambda a, b: (a[0] + b[0], jnp.maximum(a[1], b[1])),
                               (jnp.arange(4), jnp.array([1, 3, 2, 0])))  # fmt: skip
    np.testing.assert_array_equal(out[0], [0, 1, 3, 6])
    np.testing.assert_array_equal(out[1], [1, 3, 3, 3])


def test_lax_stop_gradient_and_collectives_outside_vmap():
    f = lambda x: x * lax.stop_gradient(x)
    close(grad(f)(3.0), 3.0)
    with pytest.raises(NameError):
        lax.psum(jnp.ones(2), "i")  # no vmap binds the axis name "i"


# ============================================================================================
# Pseudorandom numbers: the Sharp Bits notebook's printed Threefry values (raw uint32 keys)
# ============================================================================================


def test_random_threefry_values_printed_in_the_sharp_bits_notebook():
    # the notebook's stored outputs predate JAX 0.5's partitionable default
    with jax.threefry_partitionable(False):
        _sharp_bits_random_values()


def _sharp_bits_random_values():
    key = random.PRNGKey(0)
    close(random.normal(key, shape=(1,)), [-0.20584226], rtol=1e-6)
    key, subkey = random.split(key)
    np.testing.assert_array_equal(key, [4146024105, 967050713])
    np.testing.assert_array_equal(subkey, [2718843009, 1272950319])
    close(random.normal(subkey, shape=(1,)), [-1.2515389], rtol=1e-6)
    key, subkey = random.split(key)
    np.testing.assert_array_equal(key, [2384771982, 3928867769])
    np.testing.assert_array_equal(subkey, [1278412471, 2182328957])
    close(random.normal(subkey, shape=(1,)), [-0.58665055], rtol=1e-6)
    key, *subkeys = random.split(key, 4)
    draws = [random.normal(subkey, shape=(1,)) for subkey in subkeys]
    close(np.concatenate(draws), [-0.37533438, 0.98645043, 0.14553197], rtol=1e-6)
    # the same bits under jit and vmap
    close(jit(lambda k: random.normal(k, (1,)))(subkeys[0]), draws[0], rtol=1e-6)
    close(vmap(lambda k: random.normal(k, (1,)))(jnp.stack(subkeys)), np.stack(draws), rtol=1e-6)


# ============================================================================================
# Thinking in JAX: tracing and static variables
# ============================================================================================


def test_thinking_prints_inside_jit_show_tracers_and_not_on_cache_hits():
    @jit
    def f(x, y):
        print("Running f():")
        print(f"  x = {x}")
        print(f"  y = {y}")
        result = jnp.dot(x + 1, y + 1)
        print(f"  result = {result}")
        return result

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal(4)
    out, text = _printed(f, x, y)
    assert out.shape == (3,) and out.dtype == jnp.float32
    lines = text.splitlines()
    assert lines[0] == "Running f():" and all("JitTracer(" in line for line in lines[1:])
    x2, y2 = rng.standard_normal((3, 4)), rng.standard_normal(4)
    out2, text2 = _printed(f, x2, y2)
    assert text2 == ""  # nothing printed: the compiled function ran
    close(out2, (x2 + 1) @ (y2 + 1), rtol=1e-5, atol=1e-5)


def test_thinking_static_argnums_for_python_control_flow():
    @jit
    def f(x, neg):
        return -x if neg else x

    with pytest.raises(jax.errors.TracerBoolConversionError):
        f(1, True)

    @partial(jit, static_argnums=(1,))
    def g(x, neg):
        return -x if neg else x

    assert int(g(1, True)) == -1
    assert int(g(1, False)) == 1


def test_thinking_shape_is_static_but_jnp_of_it_is_traced():
    seen = {}

    @jit
    def f(x):
        seen["shape"] = x.shape
        seen["prod"] = jnp.array(x.shape).prod()
        return x

    f(jnp.ones((2, 3)))
    assert seen["shape"] == (2, 3)  # a static tuple
    assert isinstance(seen["prod"], jax.core.Tracer)  # traced once jnp touches it
    # numpy keeps it static
    assert jit(lambda x: x.reshape((np.prod(x.shape),)))(jnp.ones((2, 3))).shape == (6,)


def test_thinking_immutable_arrays_error_and_at_set():
    x = np.arange(10)
    x[0] = 10
    assert x[0] == 10
    x = jnp.arange(10)
    with pytest.raises(TypeError):
        x[0] = 10
    y = x.at[0].set(10)
    assert x.tolist() == list(range(10))
    assert y.tolist() == [10, *range(1, 10)]
    assert type(np.linspace(0, 10, 3)) is np.ndarray
    assert isinstance(jnp.linspace(0, 10, 3), jax.Array)


# ============================================================================================
# More of the `.at` property (the Sharp Bits' pointer) and out-of-bounds modes
# ============================================================================================


def test_at_property_modes_and_options():
    x = jnp.arange(5.0)
    np.testing.assert_array_equal(x.at[jnp.array([0, 7])].set(9.0), [9, 1, 2, 3, 4])  # dropped
    np.testing.assert_array_equal(x.at[jnp.array([0, 7])].set(9.0, mode="clip"), [9, 1, 2, 3, 9])
    np.testing.assert_array_equal(
        x.at[jnp.array([1, 9])].get(mode="fill", fill_value=-1.0), [1, -1]
    )
    np.testing.assert_array_equal(x.at[jnp.array([1, 1])].add(1.0), [0, 3, 2, 3, 4])
    np.testing.assert_array_equal(
        x.at[jnp.array([1, 1])].set(5.0, unique_indices=False), [0, 5, 2, 3, 4]
    )
    np.testing.assert_array_equal(x.at[x > 2].set(0.0), [0, 1, 2, 0, 0])
    np.testing.assert_array_equal(x.at[...].set(1.0), np.ones(5))
    # under jit and grad
    np.testing.assert_array_equal(jit(lambda x, i: x.at[i].add(10.0))(x, 2), [0, 1, 12, 3, 4])
    close(grad(lambda x: x.at[1].multiply(3.0).sum())(x), [1, 3, 1, 1, 1])
    close(grad(lambda x: x.at[2].get() ** 2)(x), [0, 0, 4, 0, 0])


def test_lax_control_flow_type_errors_carry_jax_messages():
    with pytest.raises(TypeError, match="Pred type must be either boolean or number"):
        lax.cond("foo", lambda top: 2.0, lambda fop: 3.0, 1.0)
    with pytest.raises(TypeError, match="Pred must be a scalar"):
        lax.cond(jnp.array([True, False]), lambda top: 2.0, lambda fop: 3.0, 1.0)
    with pytest.raises(TypeError, match="cond predicate is None"):
        lax.cond(None, lambda top: 2.0, lambda fop: 3.0, 1.0)
    with pytest.raises(TypeError, match="should be callable"):
        lax.cond(True, 1.0, lambda fop: 3.0, 1.0)
    with pytest.raises(TypeError, match="sequence of callables"):
        lax.switch(0, [1.0], 1.0)
    with pytest.raises(TypeError, match="true_fun and false_fun output must have identical types"):
        lax.cond(True, lambda x: x, lambda x: x.astype(jnp.int32), 1.0)
    with pytest.raises(TypeError, match="body_fun output and input must have identical types"):
        lax.while_loop(lambda c: c < 3, lambda c: (c + 1).astype(jnp.float32), jnp.int32(0))
    with pytest.raises(TypeError, match="carry input and carry output must have equal types"):
        lax.scan(lambda c, x: ((c, c), x), 0.0, jnp.ones(3))
    # integer and float predicates are compared with zero
    assert float(lax.cond(2, lambda: 1.0, lambda: 0.0)) == 1.0
    assert float(lax.cond(0.0, lambda: 1.0, lambda: 0.0)) == 0.0


def test_jit_docstring_static_argnames_power_loop():
    @partial(jax.jit, static_argnames=["n"])
    def g(x, n):
        for i in range(n):
            x = x**2
        return x

    out = g(jnp.arange(4), 3)
    assert out.dtype == jnp.int32
    np.testing.assert_array_equal(out, [0, 1, 256, 6561])
    # a static argument given by keyword when only its position was declared, and vice versa
    h = lambda x, n: x * n
    np.testing.assert_array_equal(jax.jit(h, static_argnums=1)(jnp.ones(2), n=3), [3.0, 3.0])
    np.testing.assert_array_equal(jax.jit(h, static_argnames="n")(jnp.ones(2), 3), [3.0, 3.0])
