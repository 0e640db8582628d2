import collections
import dataclasses
import gc

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import tree
from jtrans import tree_util as tu


def test_flatten_roundtrip_and_order():
    tree = {"b": (1, [2, None]), "a": 3}
    leaves, td = tu.tree_flatten(tree)
    assert leaves == [3, 1, 2]  # dicts by sorted key; None is an empty node
    assert tu.tree_unflatten(td, leaves) == tree
    assert td.num_leaves == 3


def test_tree_map_several_trees():
    a = {"x": 1, "y": (2, 3)}
    b = {"x": 10, "y": (20, 30)}
    assert tu.tree_map(lambda u, v: u + v, a, b) == {"x": 11, "y": (22, 33)}


def test_mismatch_shows_both_structures():
    with pytest.raises(ValueError) as e:
        tu.tree_map(lambda u, v: u, {"x": 1}, {"y": 1})
    msg = str(e.value)
    assert "'x'" in msg and "'y'" in msg


def test_namedtuple_and_registered_nodes():
    P = collections.namedtuple("P", "a b")
    leaves, td = tu.tree_flatten(P(1, (2, 3)))
    assert leaves == [1, 2, 3]
    assert tu.tree_unflatten(td, [4, 5, 6]) == P(4, (5, 6))

    class Box:
        def __init__(self, v, tag):
            self.v, self.tag = v, tag

    tu.register_pytree_node(Box, lambda b: ([b.v], b.tag), lambda tag, c: Box(c[0], tag))
    out = tu.tree_map(lambda x: x * 2, Box(3, "t"))
    assert out.v == 6 and out.tag == "t"


def test_register_dataclass():
    @tu.register_dataclass
    @dataclasses.dataclass
    class Params:
        w: float
        b: float

    leaves, td = tu.tree_flatten(Params(1.0, 2.0))
    assert leaves == [1.0, 2.0]
    g = jtrans.grad(lambda p: p.w * p.b)(Params(3.0, 4.0))
    assert float(g.w) == 4.0 and float(g.b) == 3.0


def test_structure_and_leaves():
    assert tu.tree_leaves([1, (2, {"k": 3})]) == [1, 2, 3]
    assert tu.tree_structure((1, 2)) == tu.tree_structure((5, 6))
    assert tu.tree_structure((1, 2)) != tu.tree_structure([1, 2])


# ---------------------------------------------------------------------------------------------
# one-level flattening, is_tree_node, treedef_tuple, associative reduction, tree.static


def test_flatten_one_level():
    children, aux = tu.flatten_one_level({"b": {"c": 3}, "a": [1, 2]})
    assert list(children) == [[1, 2], {"c": 3}] and aux == ("a", "b")
    assert list(tu.flatten_one_level((1, (2, 3)))[0]) == [1, (2, 3)]
    assert list(tu.flatten_one_level(None)[0]) == []
    P = collections.namedtuple("P", "a b")
    pairs, aux = tu.flatten_one_level_with_keys(P(1, [2]))
    assert pairs == ((tu.GetAttrKey("a"), 1), (tu.GetAttrKey("b"), [2])) and aux is P
    pairs, _ = tu.flatten_one_level_with_keys([5, 6])
    assert pairs == ((tu.SequenceKey(0), 5), (tu.SequenceKey(1), 6))
    with pytest.raises(ValueError, match="int"):
        tu.flatten_one_level(3)


def test_is_tree_node_and_registry():
    assert tu.is_tree_node(list) and tu.is_tree_node(dict) and tu.is_tree_node(type(None))
    assert tu.is_tree_node(collections.namedtuple("Q", "x"))
    assert not tu.is_tree_node(int) and not tu.is_tree_node([1])
    assert list in tu.default_registry
    leaves, td = tu.default_registry.flatten({"a": (1, 2)})
    assert leaves == [1, 2] and td == tu.tree_structure({"a": (0, 0)})
    path: tu.KeyPath = (tu.SequenceKey(0),)
    assert tu.keystr(path) == "[0]"


def test_treedef_tuple():
    x, y = [1, 2, 3], {"a": 4, "b": 5}
    td = tu.treedef_tuple([tu.tree_structure(x), tu.tree_structure(y)])
    assert td == tu.tree_structure((x, y))
    assert tu.tree_unflatten(td, [1, 2, 3, 4, 5]) == (x, y)
    assert tu.treedef_tuple([]) == tu.tree_structure(())


def test_reduce_associative_is_balanced():
    def show(a, b):
        return f"({a}+{b})"

    assert tu.tree_reduce_associative(show, [1, 2, 3, 4, 5]) == "((1+2)+(3+(4+5)))"
    assert tree.reduce_associative(lambda a, b: a + b, {"a": 1, "b": (2, 3)}) == 6
    assert tree.reduce_associative(lambda a, b: a + b, [], identity=0) == 0
    assert tree.reduce_associative(lambda a, b: a + b, [7]) == 7
    with pytest.raises(TypeError, match="identity"):
        tree.reduce_associative(lambda a, b: a + b, [])
    # is_leaf keeps the inner lists whole: they are concatenated
    out = tree.reduce_associative(
        lambda a, b: a + b, ([1, 2], [3]), is_leaf=lambda x: isinstance(x, list)
    )
    assert out == [1, 2, 3]


def test_tree_static_field():
    import dataclasses

    @tu.register_dataclass
    @dataclasses.dataclass
    class Op:
        x: object
        y: object
        op: str = tree.static(default="add")

    m = Op(jnp.ones(3), jnp.arange(3))
    leaves, td = tree.flatten(m)
    assert len(leaves) == 2 and m.op == "add"
    back = tree.unflatten(td, leaves)
    assert back.op == "add" and np.array_equal(np.asarray(back.y), [0, 1, 2])
    assert td != tree.structure(Op(1, 2, op="mul"))
    f = next(f for f in dataclasses.fields(Op) if f.name == "op")
    assert f.metadata["static"] is True


def test_flatten_with_path_makes_no_reference_cycles():
    while gc.collect():  # finalizers of earlier tests' garbage can make more
        pass
    gc.disable()
    try:
        for _ in range(50):
            tu.tree_flatten_with_path({"a": [1, (2, 3)], "b": None})
            tu.tree_reduce_associative(max, [1, [2, 3], (4,)])
        assert gc.collect() == 0
    finally:
        gc.enable()
