"""Behaviours that differ(ed) from JAX, found by differential testing (round 4). Each test
asserts JAX 0.10.2's behaviour with hard-coded expected values."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax


def _weak(x):
    return x.aval.weak_type if hasattr(x, "aval") else x.weak_type


# ---------------------------------------------------------------------------------------------
# error types


def test_take_float_indices_is_value_error():
    with pytest.raises(ValueError, match="integer"):
        jnp.take(jnp.ones(3), 1.0)
    with pytest.raises(ValueError, match="integer"):
        jnp.take(jnp.ones(3), jnp.array([1.0]))


def test_where_two_arguments_is_type_error():
    with pytest.raises(TypeError):
        jnp.where(jnp.ones(3) > 0, jnp.ones(3))


# ---------------------------------------------------------------------------------------------
# NumPy scalars are strongly typed (np.float64 subclasses float, np.complex128 complex)


@pytest.mark.parametrize(
    "x, s, dt",
    [
        (np.arange(3, dtype=np.int32), np.float64(2.0), "float32"),
        (np.ones(3, np.float16), np.float64(2.0), "float32"),
        (np.ones(3, np.float16), np.float32(2.0), "float32"),
        (np.ones(3, np.float16), 2.0, "float16"),
        (np.array([True, False]), np.float64(2.0), "float32"),
        (np.ones(3, np.float32), np.complex128(1j), "complex64"),
    ],
)
def test_numpy_scalar_is_strong(x, s, dt):
    x = jnp.asarray(x)
    for out in (x + s, s * x, jtrans.jit(lambda a: a - s)(x), jtrans.vmap(lambda a: a / s)(x)):
        assert out.dtype == dt
        assert not _weak(out)


def test_numpy_scalar_asarray_not_weak():
    assert not _weak(jnp.asarray(np.float64(2.0)))
    assert not _weak(lax.add(np.float64(2.0), np.float64(1.0)))
    assert _weak(jnp.asarray(2.0))
    assert not _weak(jnp.full((2,), np.float64(2.0)))
    assert lax.dtype(np.float64(1.0)) == np.float32  # canonical, as JAX's (x64 off)
    assert lax.dtype(np.float64) == np.float32
    assert lax.dtype(np.int64(1)) == np.int32
    assert lax.dtype(np.zeros(2)) == np.float32


# ---------------------------------------------------------------------------------------------
# out= is refused (JAX: NotImplementedError; quantiles: ValueError), never silently ignored


@pytest.mark.parametrize(
    "name",
    "sum prod max min mean var std any all argmax argmin ptp cumsum cumprod nansum nanprod "
    "nanmax nanmin nanmean nanvar nanstd nanargmax nancumsum trace round".split(),
)
def test_out_argument_not_implemented(name):
    with pytest.raises(NotImplementedError, match="out"):
        getattr(jnp, name)(jnp.ones((2, 2)), out=np.zeros(2))


def test_out_argument_products_and_stack():
    a = jnp.ones(2)
    with pytest.raises(NotImplementedError):
        jnp.outer(a, a, out=np.zeros((2, 2)))
    with pytest.raises(NotImplementedError):
        jnp.einsum("i,i", a, a, out=np.zeros(()))
    with pytest.raises(NotImplementedError):
        jnp.stack([a, a], out=np.zeros((2, 2)))


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_out_argument_quantiles_value_error(name):
    with pytest.raises(ValueError, match="overwrite_input"):
        getattr(jnp, name)(jnp.ones(3), out=np.zeros(()))
    with pytest.raises(ValueError):
        getattr(jnp, name)(jnp.ones(3), overwrite_input=True)
    with pytest.raises(ValueError):
        jnp.quantile(jnp.ones(3), 0.5, out=np.zeros(()))


def test_max_min_positional_signature():
    x = jnp.array([[1.0, 5.0], [3.0, 2.0]])
    # JAX: max(a, axis, out, keepdims, initial, where): no dtype parameter
    r = jnp.max(x, 1, None, True)
    assert r.shape == (2, 1) and r.tolist() == [[5.0], [3.0]]
    assert jnp.min(x, 0, None, False, 2.5).tolist() == [1.0, 2.0]
    assert jnp.amax(x, None, None, True).shape == (1, 1)
    with pytest.raises(TypeError):
        jnp.max(x, dtype=jnp.float32)


# ---------------------------------------------------------------------------------------------
# tree_util


def test_tree_reduce_is_leaf_and_none_initializer():
    tu = jtrans.tree_util
    assert tu.tree_reduce(lambda a, b: a + len(b), [(1, 2), (3,)], 0, is_leaf=lambda x:
                          isinstance(x, tuple)) == 3  # fmt: skip
    # None is a real initializer (JAX): ((None, 1), 2)
    assert tu.tree_reduce(lambda a, b: (a, b), [1, 2], None) == ((None, 1), 2)
    with pytest.raises(TypeError):
        tu.tree_reduce(lambda a, b: a + b, [])


def test_tree_all_and_all_leaves_is_leaf():
    tu = jtrans.tree_util
    assert tu.tree_all([(), 1], is_leaf=lambda x: x == ()) is False
    assert jtrans.tree.all([1, [2]], is_leaf=None) is True
    assert tu.all_leaves([1, 2]) and not tu.all_leaves([1, [2]])
    assert tu.all_leaves([1, [2]], is_leaf=lambda x: isinstance(x, list)) is False
    assert tu.all_leaves([1, [2]], is_leaf=lambda x: isinstance(x, list) and len(x) == 1)


def test_treedef_is_leaf_children_node_data():
    tu = jtrans.tree_util
    assert [tu.treedef_is_leaf(tu.tree_structure(x)) for x in (1, None, [], [1])] == [
        True, True, True, False]  # fmt: skip
    td = tu.tree_structure([1, (2, 3)])
    kids = td.children()
    assert isinstance(kids, list) and len(kids) == 2 and kids[1] == tu.tree_structure((0, 0))
    assert tu.treedef_children(td) == kids
    assert td.node_data()[0] is list
    assert tu.tree_structure(1).node_data() is None


def test_tree_transpose_mismatch_is_type_error():
    tu = jtrans.tree_util
    with pytest.raises(TypeError):
        tu.tree_transpose(tu.tree_structure([0, 0]), tu.tree_structure((0, 0)),
                          [(1, 2, 3), (4, 5, 6)])  # fmt: skip


def test_register_dataclass_checks_and_drop_fields():
    import dataclasses

    tu = jtrans.tree_util

    def mk():
        return dataclasses.make_dataclass("D", [("x", object), ("y", object), ("n", int, 0)])

    with pytest.raises(ValueError, match="Missing fields"):
        tu.register_dataclass(mk(), data_fields=["x"], meta_fields=["n"])
    with pytest.raises(ValueError, match="Unexpected fields"):
        tu.register_dataclass(mk(), data_fields=["x", "y"], meta_fields=["n", "z"])
    with pytest.raises(TypeError, match="both"):
        tu.register_dataclass(mk(), data_fields=["x"])
    with pytest.raises(TypeError):
        tu.register_dataclass(type("P", (), {}))
    c = mk()
    tu.register_dataclass(nodetype=c, data_fields=["x"], meta_fields=[], drop_fields=["y", "n"])
    leaves, td = tu.tree_flatten(c(1, 2, 3))
    assert leaves == [1] and td.num_leaves == 1


def test_flatten_with_path_is_leaf_takes_path():
    tu = jtrans.tree_util
    tree = {"a": [1, (2, 3)], "b": 4}
    pairs, td = tu.tree_flatten_with_path(tree, lambda p, x: len(p) == 2, is_leaf_takes_path=True)
    assert [(tu.keystr(p), v) for p, v in pairs] == [("['a'][0]", 1), ("['a'][1]", (2, 3)),
                                                    ("['b']", 4)]  # fmt: skip
    assert td.num_leaves == 3
    out = tu.tree_map_with_path(lambda p, x: len(p), tree, is_leaf=lambda p, x: len(p) == 2,
                                is_leaf_takes_path=True)  # fmt: skip
    assert out == {"a": [2, 2], "b": 1}
    assert len(tu.tree_leaves_with_path(tree, lambda p, x: len(p) == 1, True)) == 2
    assert tu.tree_flatten_with_path(tree)[1] == tu.tree_structure(tree)


# ---------------------------------------------------------------------------------------------
# jax.nn


def test_relu6_derivative_zero_at_kinks():
    g = jtrans.vmap(jtrans.grad(jtrans.nn.relu6))(jnp.array([-1.0, 0.0, 3.0, 6.0, 7.0]))
    assert g.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert jtrans.grad(jtrans.nn.hard_sigmoid)(3.0) == 0.0  # relu6 at 6


def test_softmax_where_fully_masked_row_is_zero():
    x = jnp.arange(8.0).reshape(2, 4)
    where = jnp.array([[False] * 4, [True, True, False, False]])
    out = jtrans.nn.softmax(x, where=where)
    np.testing.assert_allclose(out, [[0, 0, 0, 0], [0.26894143, 0.7310586, 0, 0]], rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# random


def test_prngkey_large_seed_without_x64_keeps_low_word():
    # JAX without x64: the seed is a 32-bit integer, the high word 0
    assert jtrans.random.PRNGKey(2**40 + 7).tolist() == [0, 7]
    assert jtrans.random.PRNGKey(2**32 + 5).tolist() == [0, 5]
    assert jtrans.random.PRNGKey(np.int64(2**40 + 7)).tolist() == [0, 7]
    assert jtrans.random.PRNGKey(-1).tolist() == [0, 4294967295]
    assert jtrans.random.PRNGKey(2**63 - 1).tolist() == [0, 4294967295]
    with pytest.raises(OverflowError):
        jtrans.random.PRNGKey(2**64 - 1)


def test_prngkey_seed_with_x64_is_64_bit():
    with jtrans.enable_x64(True):
        assert jtrans.random.PRNGKey(2**40 + 7).tolist() == [256, 7]
        assert jtrans.random.PRNGKey(-1).tolist() == [4294967295, 4294967295]
        assert jtrans.random.PRNGKey(-(2**31)).tolist() == [4294967295, 2147483648]
        assert jtrans.random.PRNGKey(np.int32(-1)).tolist() == [0, 4294967295]


# ---------------------------------------------------------------------------------------------
# misuse errors


def test_jit_checks_static_args_at_decoration():
    def f(x):
        return x

    with pytest.raises(ValueError, match="static_argnums"):
        jtrans.jit(f, static_argnums=3)
    with pytest.raises(ValueError, match="static_argnums"):
        jtrans.jit(f, static_argnums=1)
    with pytest.raises(ValueError, match="argnames"):
        jtrans.jit(f, static_argnames="y")
    # *args / **kwargs accept any
    assert jtrans.jit(lambda *a: a[0], static_argnums=3)(1.0) == 1.0
    assert jtrans.jit(lambda x, **k: x, static_argnames="y")(2.0, y=1) == 2.0
    assert jtrans.jit(lambda x, n: x * n, static_argnums=-1)(2.0, 3) == 6.0


def test_grad_argnums_out_of_range_is_type_error():
    with pytest.raises(TypeError):
        jtrans.grad(lambda x: x, argnums=1)(1.0)


def test_transpose_repeated_axes_is_type_error():
    with pytest.raises(TypeError):
        jnp.ones((2, 3)).transpose((0, 0))
    with pytest.raises(TypeError):
        jnp.transpose(jnp.ones((2, 3)), (1, -1))


def test_asarray_none_is_value_error():
    with pytest.raises(ValueError):
        jnp.asarray(None)
    with pytest.raises(ValueError):
        jnp.array(None)


def test_array_of_python_ints_out_of_int32_range_overflows():
    for v in ([2**31], [-(2**31) - 1], [[1], [2**40]]):
        with pytest.raises(OverflowError, match="out of bounds"):
            jnp.array(v)
    assert jnp.array([2**31 - 1, -(2**31)]).tolist() == [2**31 - 1, -(2**31)]
    assert jnp.array([2**32 - 1], dtype="uint32").tolist() == [2**32 - 1]


def test_pad_dict_pad_width_pads():
    # NumPy 2 semantics (JAX raises TypeError; silently not padding was wrong)
    a = np.arange(6.0).reshape(2, 3)
    out = jnp.pad(a, {1: (1, 2)})
    assert out.shape == (2, 6)
    np.testing.assert_array_equal(out, np.pad(a, ((0, 0), (1, 2))))
    np.testing.assert_array_equal(
        jnp.pad(a, {-2: 1}, mode="edge"), np.pad(a, ((1, 1), (0, 0)), mode="edge")
    )


# ---------------------------------------------------------------------------------------------
# transformations


def test_has_aux_non_array_leaves_pass_through():
    g, aux = jtrans.grad(lambda x: (x * 2, {"s": "x", "n": None, "v": x * 3}), has_aux=True)(1.0)
    assert g == 2.0 and aux["s"] == "x" and aux["n"] is None and aux["v"] == 3.0
    (v, aux), g = jtrans.value_and_grad(lambda x: (x * 2, "aux"), has_aux=True)(1.0)
    assert aux == "aux" and v == 2.0 and g == 2.0
    assert jtrans.vjp(lambda x: (x * 2, ["aux", x]), 1.0, has_aux=True)[2][0] == "aux"
    assert jtrans.jacrev(lambda x: (x * 2, "aux"), has_aux=True)(1.0)[1] == "aux"


def test_grad_allow_int_gives_float0():
    gx, gn = jtrans.grad(lambda x, n: x * n.sum(), argnums=(0, 1), allow_int=True)(
        2.0, jnp.arange(3)
    )
    assert gx == 3.0
    assert isinstance(gn, np.ndarray) and gn.dtype == jtrans.dtypes.float0 and gn.shape == (3,)


def test_heaviside_nan_is_nan():
    out = jnp.heaviside(jnp.array([-1.0, 0.0, 2.0, np.nan]), 0.5)
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0, np.nan])


def test_integer_negative_power_is_type_error():
    with pytest.raises(TypeError, match="negative powers"):
        jnp.arange(3) ** -1


# ---------------------------------------------------------------------------------------------
# lax


def test_top_k_axis():
    x = jnp.array([[3.0, 1.0, 2.0], [-1.0, 5.0, 0.0]])
    v, i = lax.top_k(x, 1, axis=0)
    assert v.tolist() == [[3.0, 5.0, 2.0]] and i.tolist() == [[0, 1, 0]]
    v, i = lax.top_k(x, 2, axis=-1)
    assert v.tolist() == [[3.0, 2.0], [5.0, 0.0]] and i.tolist() == [[0, 2], [1, 2]]
    v, i = jtrans.jit(lambda a: lax.top_k(a, 2, axis=1))(jnp.arange(24.0).reshape(2, 3, 4) % 5)
    assert v.shape == (2, 2, 4)
    assert v[0, :, 0].tolist() == [4.0, 3.0] and i[0, :, 0].tolist() == [1, 2]


def test_dynamic_slice_allow_negative_indices():
    x = jnp.arange(5)
    assert lax.dynamic_slice(x, (-2,), (2,)).tolist() == [3, 4]
    with pytest.raises(ValueError, match="allow_negative_indices"):
        lax.dynamic_slice(x, (-2,), (2,), allow_negative_indices=False)
    # traced negative starts are clamped to 0 instead of wrapping
    f = jtrans.jit(lambda i: lax.dynamic_slice(x, (i,), (2,), allow_negative_indices=False))
    assert f(-2).tolist() == [0, 1]
    g = jtrans.jit(lambda i: lax.dynamic_update_slice(x, jnp.array([9, 9]), (i,),
                                                      allow_negative_indices=False))  # fmt: skip
    assert g(-1).tolist() == [9, 9, 2, 3, 4]
    assert lax.dynamic_index_in_dim(x, -1, keepdims=False).tolist() == 4


def test_numpy_scalars_are_strong_at_every_entry():
    """np.float64 subclasses float, but JAX treats NumPy scalars as strongly typed: as jit
    arguments, in typeof / result_type, and through device_put."""
    x = np.float64(2.0)
    assert not jtrans.jit(lambda v: v)(x).weak_type
    assert str(jtrans.typeof(x)) == "float32[]"
    assert not jtrans.device_put(x).weak_type
    assert jnp.result_type(x) == jnp.float32
    assert (jnp.ones(2, jnp.float16) + x).dtype == jnp.float32
    assert (jnp.ones(2, jnp.float16) + 2.0).dtype == jnp.float16
