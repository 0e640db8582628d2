"""Pytrees: nested tuples, lists, dicts (by sorted key), namedtuples, None (an empty node) and
registered classes, flattened to leaves plus a hashable `PyTreeDef`."""

import collections
import dataclasses
import functools
from typing import Any, TypeVar

from .errors import JTransTypeError, JTransValueError

# type -> (flatten(x) -> (children, aux), unflatten(aux, children) -> x)
_registry = {}
# type -> flatten_with_keys(x) -> (((key, child), ...), aux), for named key paths
_key_registry = {}


class _NodeKind:
    __slots__ = ()


class _Children(tuple):
    """A PyTreeDef's child structures: a tuple that is also callable, as JAX's
    `PyTreeDef.children()` method (returning a list)."""

    __slots__ = ()

    def __call__(self):
        return list(self)


class PyTreeDef:
    """The structure of a pytree: node type, auxiliary data and child structures."""

    __slots__ = ("kind", "aux", "children", "num_leaves", "_hash")

    def __init__(self, kind, aux, children):
        self.kind = kind  # None for a leaf, else the node's type
        self.aux = aux
        self.children = _Children(children)
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)
        self._hash = None

    @property
    def num_nodes(self):
        return 1 + sum(c.num_nodes for c in self.children)

    def __eq__(self, other):
        return (
            isinstance(other, PyTreeDef)
            and self.kind is other.kind
            and self.aux == other.aux
            and self.children == other.children
        )

    def __hash__(self):
        if self._hash is None:
            self._hash = hash((self.kind, _hashable(self.aux), self.children))
        return self._hash

    def unflatten(self, leaves):
        return tree_unflatten(self, leaves)

    def node_data(self):
        """(node type, auxiliary data) of the root node; None for a leaf."""
        return None if self.kind is None else (self.kind, self.aux)

    def __repr__(self):
        return f"PyTreeDef({_show(self)})"


def _hashable(aux):
    try:
        hash(aux)
        return aux
    except TypeError:
        return repr(aux)


def _show(td):
    if td.kind is None:
        return "*"
    kids = [_show(c) for c in td.children]
    if td.kind is tuple:
        return "(" + ", ".join(kids) + ("," if len(kids) == 1 else "") + ")"
    if td.kind is list:
        return "[" + ", ".join(kids) + "]"
    if td.kind is dict:
        return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(td.aux, kids)) + "}"
    if td.kind is type(None):
        return "None"
    if td.aux is td.kind and td.kind not in _registry:  # a namedtuple, printed as JAX does
        return f"CustomNode(namedtuple[{td.kind.__name__}], [{', '.join(kids)}])"
    return f"CustomNode({td.kind.__name__}[{td.aux!r}], [{', '.join(kids)}])"


_LEAF = PyTreeDef(None, None, ())
_NO_INITIALIZER = object()  # tree_reduce's "no initializer given" (None is a valid one)


def _dict_flatten(d):
    keys = sorted(d.keys())
    return [d[k] for k in keys], tuple(keys)


def _namedtuple_flatten(x):
    return list(x), type(x)


def register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys_func=None):
    """Registers `nodetype`: flatten_func(x) -> (children, aux); unflatten_func(aux, children).
    The optional flatten_with_keys_func(x) -> (((key, child), ...), aux) names the children in
    key paths (otherwise they are FlattenedIndexKey(i))."""
    _registry[nodetype] = (flatten_func, unflatten_func)
    if flatten_with_keys_func is not None:
        _key_registry[nodetype] = flatten_with_keys_func
    else:
        _key_registry.pop(nodetype, None)


def register_pytree_with_keys(nodetype, flatten_with_keys, unflatten_func, flatten_func=None):
    """Registers `nodetype` with named children: flatten_with_keys(x) -> (((key, child), ...),
    aux); flatten_func (children without keys) defaults to dropping the keys."""
    if flatten_func is None:

        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [c for _, c in pairs], aux

    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls):
    """Class decorator: the class defines `tree_flatten()` and classmethod `tree_unflatten`
    (and optionally `tree_flatten_with_keys()`)."""
    with_keys = getattr(cls, "tree_flatten_with_keys", None)
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten,
                                None if with_keys is None else lambda x: x.tree_flatten_with_keys())  # fmt: skip
    return cls


def register_pytree_with_keys_class(cls):
    """Class decorator: the class defines `tree_flatten_with_keys()` and `tree_unflatten`."""
    flatten = getattr(cls, "tree_flatten", None)
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten,
                                     None if flatten is None else lambda x: x.tree_flatten())  # fmt: skip
    return cls


def register_dataclass(nodetype=None, data_fields=None, meta_fields=None, drop_fields=()):
    """Registers a dataclass: `data_fields` are children, `meta_fields` static (part of the
    structure), `drop_fields` neither. Without them, every field is a data field except those
    marked static (`jtrans.tree.static()` / metadata static=True)."""
    cls = nodetype
    if cls is None:
        return functools.partial(register_dataclass, data_fields=data_fields,
                                 meta_fields=meta_fields, drop_fields=drop_fields)  # fmt: skip
    if (data_fields is None) != (meta_fields is None):
        raise JTransTypeError(
            "register_dataclass: data_fields and meta_fields must both be specified when either "
            f"is specified. Got data_fields={data_fields!r} meta_fields={meta_fields!r}."
        )
    if data_fields is None:
        if not dataclasses.is_dataclass(cls):
            raise JTransTypeError(
                "register_dataclass: data_fields and meta_fields are required when nodetype is "
                f"not a dataclass. Got nodetype={cls!r}."
            )
        # fields marked dataclasses.field(metadata=dict(static=True)) are static, as in JAX
        meta_fields = [
            f.name
            for f in dataclasses.fields(cls)
            if f.init and f.metadata.get("static", False) and f.name not in drop_fields
        ]
        data_fields = [f.name for f in dataclasses.fields(cls)
                       if f.init and f.name not in meta_fields and f.name not in drop_fields]  # fmt: skip
    elif dataclasses.is_dataclass(cls):
        init = {f.name for f in dataclasses.fields(cls) if f.init} - set(drop_fields)
        given = set(data_fields) | set(meta_fields)
        if given != init:
            what = []
            if init - given:
                what.append(f"Missing fields: {init - given}.")
            if given - init:
                what.append(f"Unexpected fields: {given - init}.")
            raise JTransValueError(
                "data_fields and meta_fields must include all dataclass fields with "
                "``init=True`` and only them. " + " ".join(what) + " Add missing fields to "
                "drop_fields to exclude them from the pytree."
            )
    meta_fields = tuple(meta_fields or ())
    data_fields = tuple(data_fields)

    def flatten(x):
        return [getattr(x, n) for n in data_fields], tuple(getattr(x, n) for n in meta_fields)

    def unflatten(aux, children):
        kw = dict(zip(data_fields, children))
        kw.update(zip(meta_fields, aux))
        return cls(**kw)

    def flatten_with_keys(x):
        children, aux = flatten(x)
        return [(GetAttrKey(n), c) for n, c in zip(data_fields, children)], aux

    register_pytree_node(cls, flatten, unflatten, flatten_with_keys)
    return cls


def register_static(cls):
    """Registers `cls` as a node with no children whose instance is the auxiliary data (so it
    is part of the structure: hashable, static under jit)."""
    register_pytree_node(cls, lambda x: ((), x), lambda x, _: x)
    return cls


register_pytree_node(tuple, lambda x: (list(x), None), lambda _, c: tuple(c))
register_pytree_node(list, lambda x: (list(x), None), lambda _, c: list(c))
register_pytree_node(dict, _dict_flatten, lambda keys, c: dict(zip(keys, c)))
register_pytree_node(type(None), lambda x: ([], None), lambda _, c: None)
register_pytree_node(
    collections.OrderedDict,
    lambda d: (list(d.values()), tuple(d.keys())),
    lambda keys, c: collections.OrderedDict(zip(keys, c)),
)
register_pytree_node(
    collections.defaultdict,
    lambda d: (_dict_flatten(d)[0], (d.default_factory, _dict_flatten(d)[1])),
    lambda aux, c: collections.defaultdict(aux[0], zip(aux[1], c)),
)


def _lookup(x):
    t = type(x)
    entry = _registry.get(t)
    if entry is not None:
        return t, entry
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return t, (_namedtuple_flatten, lambda cls, c: cls(*c))
    return None, None


def _flatten(x, is_leaf, leaves):
    # module-level recursion: a nested closure would form a reference cycle that keeps the
    # leaves (and the arrays they hold) alive until the cyclic garbage collector runs
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    t, entry = _lookup(x)
    if entry is None:
        leaves.append(x)
        return _LEAF
    children, aux = entry[0](x)
    return PyTreeDef(t, aux, [_flatten(c, is_leaf, leaves) for c in children])


def tree_flatten(tree, is_leaf=None):
    """(leaves, treedef) of `tree`."""
    leaves = []
    return leaves, _flatten(tree, is_leaf, leaves)


def _unflatten(td, it):
    if td.kind is None:
        return next(it)
    children = [_unflatten(c, it) for c in td.children]
    entry = _registry.get(td.kind)
    return td.kind(*children) if entry is None else entry[1](td.aux, children)  # namedtuple


def tree_unflatten(treedef, leaves):
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise JTransValueError(
            f"tree_unflatten: structure {treedef} has {treedef.num_leaves} leaves, "
            f"got {len(leaves)} values"
        )
    return _unflatten(treedef, iter(leaves))


def tree_leaves(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[1]


def treedef_is_leaf(treedef):
    """True if the structure has a single node: a leaf, None or an empty container (JAX)."""
    return treedef.num_nodes == 1


def treedef_children(treedef):
    return list(treedef.children)


def tree_map(f, tree, *rest, is_leaf=None):
    """Applies f leafwise to `tree` and the trees in `rest`, which must have its structure."""
    leaves, td = tree_flatten(tree, is_leaf)
    all_leaves = [leaves]
    for r in rest:
        r_leaves, r_td = tree_flatten(r, is_leaf)
        if r_td != td:
            # allow `rest` trees to have leaves where `tree` has them, with deeper subtrees there
            try:
                r_leaves = td.flatten_up_to(r)  # type: ignore[attr-defined]
            except Exception:
                raise JTransValueError(
                    f"tree_map: tree structures do not match:\n  first: {td}\n  other: {r_td}"
                ) from None
        all_leaves.append(r_leaves)
    return tree_unflatten(td, [f(*xs) for xs in zip(*all_leaves)])


class _StructureMismatch(JTransValueError, JTransTypeError):
    """A tree not matching an expected structure (JAX: ValueError, TypeError in
    tree_transpose)."""


def flatten_up_to(td, tree):
    """The subtrees of `tree` at the leaf positions of `td` (tree must extend td's structure)."""
    if td.kind is None:
        return [tree]
    t, entry = _lookup(tree)
    if t is not td.kind:
        raise _StructureMismatch(
            f"pytree structure mismatch: expected {_show(td)}, got {type(tree).__name__}: {tree!r}"
        )
    children, aux = entry[0](tree)
    if aux != td.aux or len(children) != len(td.children):
        raise _StructureMismatch(f"pytree structure mismatch: expected {_show(td)}, got {tree!r}")
    out = []
    for c, ctd in zip(children, td.children):
        out.extend(flatten_up_to(ctd, c))
    return out


PyTreeDef.flatten_up_to = flatten_up_to


def tree_all(tree, *, is_leaf=None):
    return all(tree_leaves(tree, is_leaf))


def tree_reduce(function, tree, initializer=_NO_INITIALIZER, is_leaf=None):
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose):
    """Turns an outer tree of inner trees into an inner tree of outer trees. inner_treedef=None
    takes the structure of the first inner tree."""
    flat = flatten_up_to(outer_treedef, pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(flat[0]) if flat else _LEAF
    inner_flat = [flatten_up_to(inner_treedef, x) for x in flat]
    if not inner_flat:
        return tree_unflatten(inner_treedef, [tree_unflatten(outer_treedef, [])] *
                              inner_treedef.num_leaves)  # fmt: skip
    cols = [tree_unflatten(outer_treedef, list(col)) for col in zip(*inner_flat)]
    return tree_unflatten(inner_treedef, cols)


def all_leaves(iterable, is_leaf=None):
    """True if every element of `iterable` is a leaf (under `is_leaf`, if given)."""
    if is_leaf is None:
        return all(tree_structure(x).kind is None for x in iterable)
    lst = list(iterable)  # as JAX: the list is its own leaves when flattened under is_leaf
    return lst == tree_leaves(lst, is_leaf)


class Partial(functools.partial):
    """functools.partial that is a pytree (its bound arguments are leaves)."""

    def __new__(cls, func, *args, **kwargs):
        # functools.partial merges a partial given as `func` into the new one, which would
        # make its bound arguments leaves: wrap it so that it stays static (as JAX's Partial)
        if isinstance(func, functools.partial):
            original = func

            def func(*a, **k):
                return original(*a, **k)

            func.func = original.func
            func.args = original.args
            func.keywords = original.keywords
        return super().__new__(cls, func, *args, **kwargs)


register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, c: Partial(func, *c[0], **c[1]),
)


# ---------------------------------------------------------------------------------------------
# key paths: each leaf's path is a tuple of keys, one per node from the root


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    """The key of a list or tuple child."""

    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
    """The key of a dict child."""

    key: object

    def __str__(self):
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """The key of a namedtuple field, dataclass field or attribute-named child."""

    name: str

    def __str__(self):
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    """The key of a child of a node registered without keys: its position among the children."""

    key: int

    def __str__(self):
        return f"[<flat index {self.key}>]"


def _key_name(k):
    for attr in ("idx", "key", "name"):
        if hasattr(k, attr):
            return str(getattr(k, attr))
    return str(k)


def keystr(keys, *, simple=False, separator=""):
    """A readable string of a key path: "[0]['k1'].name" (simple=True: "0/k1/name" with
    separator='/')."""
    if simple:
        return separator.join(_key_name(k) for k in keys)
    return separator.join(str(k) for k in keys)


def _children_with_keys(x, t, entry):
    """((key, child), ...) of node x of registered type t."""
    fk = _key_registry.get(t)
    if fk is not None:
        pairs, _ = fk(x)
        return list(pairs)
    if t in (tuple, list):
        return [(SequenceKey(i), c) for i, c in enumerate(x)]
    if t in (dict, collections.OrderedDict, collections.defaultdict):
        children, aux = entry[0](x)
        keys = aux[1] if t is collections.defaultdict else aux
        return [(DictKey(k), c) for k, c in zip(keys, children)]
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return [(GetAttrKey(n), c) for n, c in zip(t._fields, x)]
    children, _ = entry[0](x)
    return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)]


def _flatten_with_path(x, path, is_leaf, out, takes_path):
    # module-level recursion (see _flatten); returns x's PyTreeDef
    if is_leaf is not None and (is_leaf(path, x) if takes_path else is_leaf(x)):
        out.append((path, x))
        return _LEAF
    t, entry = _lookup(x)
    if entry is None:
        out.append((path, x))
        return _LEAF
    _, aux = entry[0](x)
    kids = [
        _flatten_with_path(c, path + (k,), is_leaf, out, takes_path)
        for k, c in _children_with_keys(x, t, entry)
    ]
    return PyTreeDef(t, aux, kids)


def tree_flatten_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    """([(key_path, leaf), ...], treedef) of `tree`. With is_leaf_takes_path=True, is_leaf is
    called as is_leaf(key_path, x)."""
    out = []
    td = _flatten_with_path(tree, (), is_leaf, out, is_leaf_takes_path)
    return out, td


def tree_leaves_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f, tree, *rest, is_leaf=None, is_leaf_takes_path=False):
    """Applies f(key_path, leaf, *others) leafwise; `rest` trees must extend tree's structure."""
    pairs, td = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [flatten_up_to(td, r) for r in rest]
    vals = [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)]
    return tree_unflatten(td, vals)


def tree_broadcast(prefix_tree, full_tree, is_leaf=None):
    """prefix_tree's leaves repeated over the subtrees of full_tree they stand for."""
    td = tree_structure(prefix_tree, is_leaf)
    subtrees = flatten_up_to(td, full_tree)
    leaves = tree_leaves(prefix_tree, is_leaf)
    return tree_unflatten(td, [tree_map(lambda _, v=v: v, s) for v, s in zip(leaves, subtrees)])


# ---------------------------------------------------------------------------------------------
# one-level flattening, the registry object, associative reduction

KeyEntry = TypeVar("KeyEntry", bound=Any)
"""The type of one key of a key path (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey or a
user's key)."""
KeyPath = tuple[KeyEntry, ...]
"""A key path: one key per node from the root to a leaf."""


def is_tree_node(typ):
    """True if `typ` (a type) is a registered pytree node type, built-in or custom, or a
    namedtuple type."""
    if not isinstance(typ, type):
        return False
    return typ in _registry or (issubclass(typ, tuple) and hasattr(typ, "_fields"))


def _node_entry(tree, who):
    t, entry = _lookup(tree)
    if entry is None:
        raise JTransValueError(
            f"{who}: can't tree-flatten type {type(tree).__name__}: it is a leaf, not a "
            "built-in container or a type registered with register_pytree_node"
        )
    return t, entry


def flatten_one_level(tree):
    """(children, aux) of the pytree node `tree`, one level down. Raises ValueError for a
    leaf."""
    _, entry = _node_entry(tree, "flatten_one_level")
    children, aux = entry[0](tree)
    return tuple(children), aux


def flatten_one_level_with_keys(tree):
    """(((key, child), ...), aux) of the pytree node `tree`, one level down. Raises ValueError
    for a leaf."""
    t, entry = _node_entry(tree, "flatten_one_level_with_keys")
    _, aux = entry[0](tree)
    return tuple(_children_with_keys(tree, t, entry)), aux


def treedef_tuple(treedefs):
    """The structure of a tuple whose children have the structures `treedefs`."""
    return PyTreeDef(tuple, None, list(treedefs))


class _Unspecified:
    def __repr__(self):
        return "<unspecified>"


_UNSPECIFIED = _Unspecified()


def _reduce_pairwise(operation, leaves):
    # module-level recursion: halves reduced separately, then combined (a balanced tree)
    if len(leaves) == 1:
        return leaves[0]
    mid = len(leaves) // 2
    return operation(
        _reduce_pairwise(operation, leaves[:mid]), _reduce_pairwise(operation, leaves[mid:])
    )


def tree_reduce_associative(operation, tree, *, identity=_UNSPECIFIED, is_leaf=None):
    """Reduces the leaves of `tree` with the associative `operation`, combining them in a
    balanced tree of calls (so the reduction has logarithmic depth). An empty tree gives
    `identity`, which must then be given."""
    leaves = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _UNSPECIFIED:
            raise JTransTypeError(
                "tree_reduce_associative: the tree has no leaves; pass identity= to reduce an "
                "empty tree"
            )
        return identity
    return _reduce_pairwise(operation, leaves)


class PyTreeRegistry:
    """A pytree registry: flatten / unflatten / flatten_one_level against its node types.
    jtrans keeps one global registry; `default_registry` is its object."""

    def flatten(self, tree, leaf_predicate=None):
        return tree_flatten(tree, leaf_predicate)

    def flatten_one_level(self, tree):
        return flatten_one_level(tree)

    def flatten_with_path(self, tree, leaf_predicate=None):
        return tree_flatten_with_path(tree, leaf_predicate)

    def register_node(self, nodetype, flatten_func, unflatten_func, flatten_with_keys=None):
        return register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)

    def __contains__(self, typ):
        return is_tree_node(typ)

    def __repr__(self):
        return f"<jtrans pytree registry: {len(_registry)} node types>"


default_registry = PyTreeRegistry()
