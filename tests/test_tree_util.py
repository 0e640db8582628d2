import collections
import dataclasses

import pytest

import jtrans
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
