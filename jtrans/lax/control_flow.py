"""Structured control flow: `cond` / `switch`, `scan` (and `map`, static `fori_loop`) and
`while_loop` (and `fori_loop` with traced bounds). Each is a primitive carrying closed jaxprs.

Invariants:
- Bodies are staged with `pe.trace_to_jaxpr` on flattened functions; values a body closes over
  become explicit leading operands (they may be tracers of outer transformations), so every
  carried ClosedJaxpr has only concrete consts.
- Branch outputs agree in tree structure, shapes and dtypes (weak types are joined); a loop
  carry keeps its type across iterations. Mismatches are reported with both sides shown.
- Reverse mode: cond and scan partial-evaluate and transpose; a while_loop does so only when
  bounded by `max_steps` (it is then a masked scan of `max_steps` steps).
"""

import weakref

import numpy as np

from .. import core, dtypes
from ..array import Array
from ..core import ClosedJaxpr, Jaxpr, Var
from ..errors import JTransTypeError, JTransValueError
from ..interpreters import ad, batching
from ..interpreters import partial_eval as pe
from ..lowering import control as lower_control
from ..lowering import fusion
from ..tree_util import tree_flatten, tree_unflatten
from . import elementwise as ew
from . import reductions as red
from . import structural as st
from ._base import Zero, as_operand, standard_primitive

UndefinedPrimal = ad.UndefinedPrimal

# ---------------------------------------------------------------------------------------------
# shared helpers: staging bodies, checking their types, evaluating and rewriting jaxprs


def _trace(fun, in_avals):
    """Stages flat-argument `fun(*args) -> pytree`: (jaxpr with constvars, consts, out_tree)."""
    box = []

    def flat(*args):
        leaves, tree = tree_flatten(fun(*args))
        box.append(tree)
        return leaves

    jaxpr, consts = pe.trace_to_jaxpr(flat, in_avals)
    return jaxpr, consts, box[0]


def _closed(jaxpr):
    """A ClosedJaxpr taking the jaxpr's consts as leading arguments."""
    return ClosedJaxpr(pe.convert_constvars(jaxpr), [])


def _strengthen(jaxpr, idxs):
    """The jaxpr with outputs `idxs` converted from weak to strong type."""
    if not idxs:
        return jaxpr
    eqns, outvars = list(jaxpr.eqns), list(jaxpr.outvars)
    for i in idxs:
        a = outvars[i].aval
        new = Var(a.update(weak_type=False))
        params = {"new_dtype": a.dtype, "weak_type": False}
        eqns.append(core.Eqn(st.convert_element_type_p, [outvars[i]], [new], params))
        outvars[i] = new
    return Jaxpr(jaxpr.constvars, jaxpr.invars, outvars, eqns)


def _leaf_paths(tree, prefix=""):
    if tree.kind is None:
        return [prefix]
    if tree.kind is dict:
        keys = [f"[{k!r}]" for k in tree.aux]
    elif hasattr(tree.kind, "_fields"):
        keys = [f".{f}" for f in tree.kind._fields]
    else:
        keys = [f"[{i}]" for i in range(len(tree.children))]
    out = []
    for k, c in zip(keys, tree.children):
        out += _leaf_paths(c, prefix + k)
    return out


def _aval_str(a):
    return a.str_short() + (" (weak)" if a.weak_type else "")


def _check_carry(what, in_tree, out_tree, in_avals, out_avals):
    """Checks a loop body's carry output against its input. Returns {index: new input aval}
    for carries to retrace with: a weakly typed input whose output is strongly typed, or (as in
    JAX) of another dtype, takes the output's type."""
    gist = {
        "scan": "scan body function carry input and carry output must have equal types",
        "while_loop": "body_fun output and input must have identical types",
    }.get(what, what)
    if in_tree != out_tree:
        raise JTransTypeError(
            f"{gist}: the body function must return a carry with the same pytree structure as "
            f"its carry input, but the input carry is {in_tree} and the output carry is "
            f"{out_tree}."
        )
    diffs, promote = [], {}
    for i, (path, a, b) in enumerate(zip(_leaf_paths(in_tree), in_avals, out_avals)):
        if a.weak_type and a.shape == b.shape and a.dtype == b.dtype and not b.weak_type:
            promote[i] = a.update(weak_type=False)
        elif a.weak_type and a.shape == b.shape and a.dtype != b.dtype:
            # as JAX: the weak input is cast to the promotion of both types (a strong type); a
            # body that still changes the type on the retrace is an error then
            dt, _ = dtypes.result_type_of_avals_key(((a.dtype, True), (b.dtype, b.weak_type)))
            if dt != a.dtype:
                promote[i] = a.update(dtype=dt, weak_type=False)
            else:
                diffs.append(f"  carry{path}: input {_aval_str(a)}, output {_aval_str(b)}")
        elif (a.shape, a.dtype) != (b.shape, b.dtype):
            diffs.append(f"  carry{path}: input {_aval_str(a)}, output {_aval_str(b)}")
    if diffs:
        raise JTransTypeError(
            f"{gist}: the body function must return a carry of the same shapes and dtypes as "
            "its input, but these carry elements changed type:\n"
            + "\n".join(diffs)
            + "\nMake the initial value match what the body returns (e.g. jnp.float32(0.0) or "
            "jnp.zeros(shape, dtype)), or cast the body's result with .astype."
        )
    return promote


def _as_array(x):
    return x if type(x) is core._array_type else core._wrap(np.asarray(x), False)


def _to_numpy(x, aval):
    v = x._value if type(x) is core._array_type else x
    return np.asarray(v, aval.dtype)


def _eval(closed, *args):
    """Evaluates a closed jaxpr under the current trace."""
    return core.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def _pad_invars(closed, avals, where):
    """The same closed jaxpr with unused inputs of `avals` inserted at position `where`."""
    j = closed.jaxpr
    inv = j.invars[:where] + [Var(a) for a in avals] + j.invars[where:]
    return ClosedJaxpr(Jaxpr(j.constvars, inv, j.outvars, j.eqns), closed.consts)


def _dce_closed(closed, used_outputs, used_inputs):
    """`closed` keeping only the used outputs and the inputs flagged in `used_inputs` (which
    must include every input the kept outputs read)."""
    j, _ = pe.dce_jaxpr(closed.jaxpr, used_outputs)
    keep_c = j._const_used
    new = Jaxpr(
        [v for v, u in zip(j.constvars, keep_c) if u],
        [v for v, u in zip(j.invars, used_inputs) if u],
        j.outvars,
        j.eqns,
    )
    return ClosedJaxpr(new, [c for c, u in zip(closed.consts, keep_c) if u])


def _split(xs, *sizes):
    out, i = [], 0
    for s in sizes:
        out.append(list(xs[i : i + s]))
        i += s
    out.append(list(xs[i:]))
    return out


def _or(a, b):
    return [x or y for x, y in zip(a, b)]


_jvp_cache = weakref.WeakKeyDictionary()


def _jvp_jaxpr(closed, nonzeros, instantiate, groups_in=None, groups_out=None):
    """The JVP of `closed`: (jvp_jaxpr, out_nonzeros). Inputs and outputs are laid out group by
    group (consecutive runs of sizes `groups_in` / `groups_out`): each group's primals, then the
    tangents of its members with a nonzero (or instantiated) tangent."""
    n_in, n_out = len(closed.in_avals), len(closed.out_avals)
    groups_in = list(groups_in or [n_in])
    groups_out = list(groups_out or [n_out])
    if isinstance(instantiate, bool):
        instantiate = [instantiate] * n_out
    key = (tuple(nonzeros), tuple(instantiate), tuple(groups_in), tuple(groups_out))
    per = _jvp_cache.setdefault(closed, {})
    if key in per:
        return per[key]
    avals = closed.in_avals
    in_avals, start = [], 0
    for g in groups_in:
        in_avals += avals[start : start + g]
        in_avals += [ad.tangent_aval(avals[i]) for i in range(start, start + g) if nonzeros[i]]
        start += g
    box = []

    def fun(*args):
        primals, tangents = [None] * n_in, [Zero(ad.tangent_aval(a)) for a in avals]
        it, start = iter(args), 0
        for g in groups_in:
            for i in range(start, start + g):
                primals[i] = next(it)
            for i in range(start, start + g):
                if nonzeros[i]:
                    tangents[i] = next(it)
            start += g
        outs, out_t = ad.jvp_flat(lambda *xs: _eval(closed, *xs), primals, tangents)
        out_nz = [type(t) is not Zero or inst for t, inst in zip(out_t, instantiate)]
        res, start = [], 0
        for g in groups_out:
            res += outs[start : start + g]
            res += [ad.instantiate_zeros(out_t[i]) for i in range(start, start + g) if out_nz[i]]
            start += g
        box.append(out_nz)
        return res

    jaxpr, consts = pe.trace_to_jaxpr(fun, in_avals)
    per[key] = (ClosedJaxpr(jaxpr, consts), box[0])
    return per[key]


def _tangents_out(outs, n, out_nz, out_avals):
    """Splits [primals (n), nonzero tangents] into (primals, tangents with Zeros)."""
    it = iter(outs[n:])
    return outs[:n], [next(it) if nz else Zero(ad.tangent_aval(a))
                      for nz, a in zip(out_nz, out_avals)]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# cond: operands (index, *operands); param `branches`, a tuple of closed jaxprs with the same
# input and output types. The index is clamped into range. Only the chosen branch runs.


def _cond_impl(index, *ops, branches):
    i = int(np.clip(index, 0, len(branches) - 1))
    with core.set_current_trace(core.eval_trace):
        outs = _eval(branches[i], *[_as_array(x) for x in ops])
    return [_to_numpy(o, a) for o, a in zip(outs, branches[i].out_avals)]


def _cond_abstract(index, *ops, branches):
    if index.shape != () or index.dtype.kind not in "iu":
        raise JTransTypeError(f"cond index must be a scalar integer, got {index.str_short()}")
    return branches[0].out_avals


cond_p = standard_primitive("cond", _cond_impl, _cond_abstract, multiple_results=True)

_no_operand = object()


def cond(pred, true_fun, false_fun, *operands, operand=_no_operand):
    """lax.cond: `true_fun(*operands)` if pred else `false_fun(*operands)`. Under vmap with a
    batched predicate both branches run and their results are selected per lane."""
    if operand is not _no_operand:
        if operands:
            raise JTransTypeError("cond: pass operands positionally or as operand=, not both")
        operands = (operand,)
    if pred is None:
        raise JTransTypeError("cond predicate is None")
    if not (callable(true_fun) and callable(false_fun)):
        raise JTransTypeError("cond: true_fun and false_fun arguments should be callable.")
    try:
        pred = as_operand(pred)
        aval = core.get_aval(pred)
    except TypeError:
        raise JTransTypeError(
            f"cond: Pred type must be either boolean or number, got {pred!r}."
        ) from None
    if aval.shape != ():
        raise JTransTypeError(
            f"cond: Pred must be a scalar, got {aval.str_short()} of shape {aval.shape}. For an "
            "elementwise choice use jnp.where / lax.select; under vmap a scalar predicate per "
            "example is fine."
        )
    if aval.dtype != dtypes.bool_ and not dtypes.is_inexact(aval.dtype) and aval.dtype.kind \
            not in "iu":  # fmt: skip
        raise JTransTypeError(
            f"cond: Pred type must be either boolean or number, got {aval.dtype}."
        )
    if aval.dtype != dtypes.bool_:
        pred = ew.ne(pred, st.full((), 0, aval.dtype))
    index = st.convert_element_type(pred, dtypes.int32)
    return _cond_bind("cond", index, [false_fun, true_fun], ["false_fun", "true_fun"], operands)


def switch(index, branches, *operands, operand=_no_operand):
    """lax.switch: `branches[index](*operands)`, the index clamped into range."""
    if operand is not _no_operand:
        operands = operands + (operand,)
    branches = list(branches)
    if not branches:
        raise JTransValueError("switch: needs at least one branch")
    if not all(callable(b) for b in branches):
        raise JTransTypeError("switch: branches argument should be a sequence of callables.")
    index = as_operand(index)
    aval = core.get_aval(index)
    if aval.shape != () or aval.dtype.kind not in "iu":
        raise JTransTypeError(
            f"switch: the index must be a scalar integer, got {_aval_str(aval)}; convert a "
            "boolean or float index with .astype(jnp.int32)"
        )
    index = st.convert_element_type(index, dtypes.int32)
    if len(branches) == 1:
        return branches[0](*operands)
    index = st.clamp(np.int32(0), index, np.int32(len(branches) - 1))
    names = [f"branch {i}" for i in range(len(branches))]
    return _cond_bind("switch", index, branches, names, operands)


def _cond_bind(what, index, funs, names, operands):
    ops, in_tree = tree_flatten(tuple(operands))
    ops = [as_operand(x) for x in ops]
    in_avals = [core.get_aval(x) for x in ops]
    traced = [_trace(lambda *xs, f=f: f(*tree_unflatten(in_tree, xs)), in_avals) for f in funs]
    trees = [t for _, _, t in traced]
    outs_avals = [j.out_avals for j, _, _ in traced]
    bad = any(t != trees[0] for t in trees) or any(
        [(a.shape, a.dtype) for a in o] != [(a.shape, a.dtype) for a in outs_avals[0]]
        for o in outs_avals
    )
    if bad:
        sides = "\n".join(
            f"  {n} returns {t} with types [{', '.join(_aval_str(a) for a in o)}]"
            for n, t, o in zip(names, trees, outs_avals)
        )
        same = ("true_fun and false_fun output must have identical types"
                if what == "cond" else "branch outputs must have identical types")  # fmt: skip
        raise JTransTypeError(
            f"{what}: {same}: all branches must return the same pytree structure, shapes and "
            f"dtypes, but\n{sides}\nCast or reshape the branch outputs so they agree."
        )
    # weak types are joined: an output is weak only if it is weak in every branch
    n_out = len(outs_avals[0])
    weak = [all(o[k].weak_type for o in outs_avals) for k in range(n_out)]
    # every branch takes the union of all branches' consts, then the operands
    consts, seen = [], {}
    for _, cs, _ in traced:
        for c in cs:
            if id(c) not in seen:
                seen[id(c)] = len(consts)
                consts.append(c)
    const_avals = [core.get_aval(c) for c in consts]
    branches = []
    for j, cs, _ in traced:
        j = _strengthen(j, [k for k in range(n_out) if j.out_avals[k].weak_type and not weak[k]])
        own = {seen[id(c)]: v for c, v in zip(cs, j.constvars)}
        cvars = [own.get(i) or Var(a) for i, a in enumerate(const_avals)]
        branches.append(ClosedJaxpr(Jaxpr([], cvars + j.invars, j.outvars, j.eqns), []))
    outs = cond_p.bind(index, *consts, *ops, branches=tuple(branches))
    return tree_unflatten(trees[0], outs)


def _cond_jvp(primals, tangents, branches):
    index, *ops = primals
    nz = [type(t) is not Zero for t in tangents[1:]]
    out_nz = [False] * len(branches[0].out_avals)
    for b in branches:
        out_nz = _or(out_nz, _jvp_jaxpr(b, nz, False)[1])
    jvps = tuple(_jvp_jaxpr(b, nz, out_nz)[0] for b in branches)
    nz_t = [t for t in tangents[1:] if type(t) is not Zero]
    outs = cond_p.bind(index, *ops, *nz_t, branches=jvps)
    return _tangents_out(outs, len(out_nz), out_nz, branches[0].out_avals)


def _cond_partial_eval(trace, args, params):
    branches = params["branches"]
    index, ops = args[0], args[1:]
    if trace.is_unknown(index):
        return trace.stage(cond_p, args, params)
    uk = [trace.is_unknown(a) for a in ops]
    out_uk = [False] * len(branches[0].out_avals)
    for b in branches:
        out_uk = _or(out_uk, pe.partial_eval_jaxpr(b, uk)[2])
    splits = [pe.partial_eval_jaxpr(b, uk, instantiate=out_uk) for b in branches]
    n_known = out_uk.count(False)
    # every branch's known part returns the residuals of all branches (zeros for the others')
    res_avals = [jk.out_avals[n_known:] for jk, _, _, _ in splits]
    all_res = [a for r in res_avals for a in r]
    offsets = np.cumsum([0] + [len(r) for r in res_avals]).tolist()
    known_avals = [core.get_aval(a) for a, u in zip(ops, uk) if not u]
    known_branches, unknown_branches = [], []
    for i, (jk, ju, _, nres) in enumerate(splits):

        def known_fun(*xs, jk=jk, i=i):
            outs = _eval(jk, *xs)
            res = [ad.zeros_like_aval(a) for a in all_res]
            res[offsets[i] : offsets[i + 1]] = outs[n_known:]
            return outs[:n_known] + res

        known_branches.append(ClosedJaxpr(*pe.trace_to_jaxpr(known_fun, known_avals)))
        unknown_branches.append(_pad_invars(_pad_invars(ju, all_res[offsets[i + 1] :], nres),
                                            all_res[: offsets[i]], 0))  # fmt: skip
    known_ops = [a for a, u in zip(ops, uk) if not u]
    known_outs = core.bind_in(trace.parent, cond_p, [index, *known_ops],
                              {"branches": tuple(known_branches)})  # fmt: skip
    residuals = known_outs[n_known:]
    unknown_ops = [a for a, u in zip(ops, uk) if u]
    if any(out_uk):
        unknown_outs = trace.stage(cond_p, [index, *residuals, *unknown_ops],
                                   {"branches": tuple(unknown_branches)})  # fmt: skip
    else:
        unknown_outs = []
    k_it, u_it = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in out_uk]


def _cond_transpose(cts, index, *ops, branches):
    linear = [type(a) is UndefinedPrimal for a in ops]
    known = [a for a in ops if type(a) is not UndefinedPrimal]
    nz_cts = [type(c) is not Zero for c in cts]
    ct_avals = [ad.tangent_aval(a) for a in branches[0].out_avals]
    in_avals = [core.get_aval(k) for k in known] + [a for a, nz in zip(ct_avals, nz_cts) if nz]

    def transpose_branch(b):
        def fun(*xs):
            known_it, ct_it = iter(xs[: len(known)]), iter(xs[len(known) :])
            args = [UndefinedPrimal(a.aval) if lin else next(known_it)
                    for a, lin in zip(ops, linear)]  # fmt: skip
            cts_in = [next(ct_it) if nz else Zero(a) for nz, a in zip(nz_cts, ct_avals)]
            res = ad.backward_pass(b.jaxpr, b.consts, args, cts_in)
            return [ad.instantiate_zeros(r) for r, lin in zip(res, linear) if lin]

        return ClosedJaxpr(*pe.trace_to_jaxpr(fun, in_avals))

    outs = cond_p.bind(index, *known, *[c for c in cts if type(c) is not Zero],
                       branches=tuple(transpose_branch(b) for b in branches))  # fmt: skip
    it = iter(outs)
    return [None] + [next(it) if lin else None for lin in linear]


def _cond_batch(vals, dims, branches):
    size = batching.current_axis_size()
    index, *ops = vals
    idim, *op_dims = dims
    n_out = len(branches[0].out_avals)
    if idim is not None:
        # a batched predicate: run every branch on every lane, then select per lane
        index = batching.moveaxis(index, idim, 0)
        index = st.clamp(np.int32(0), index, np.int32(len(branches) - 1))
        results = []
        for b in branches:
            bj, _ = batching.batch_jaxpr(b, size, op_dims, [0] * n_out)
            results.append(_eval(bj, *ops))
        outs = []
        for k in range(n_out):
            cases = [r[k] for r in results]
            shape = core.get_aval(cases[0]).shape
            which = st.broadcast_in_dim(index, shape, (0,))
            if len(cases) == 2:
                which = st.convert_element_type(which, dtypes.bool_)
            outs.append(st.select_n(which, *cases))
        return outs, [0] * n_out
    out_dims = [batching.batch_jaxpr(b, size, op_dims)[1] for b in branches]
    want = [0 if any(d[k] is not None for d in out_dims) else None for k in range(n_out)]
    new = tuple(batching.batch_jaxpr(b, size, op_dims, want)[0] for b in branches)
    return cond_p.bind(index, *ops, branches=new), want


def _cond_dce(used_outputs, eqn):
    branches = eqn.params["branches"]
    used_in = [False] * len(branches[0].in_avals)
    for b in branches:
        used_in = _or(used_in, pe.dce_jaxpr(b.jaxpr, used_outputs)[1])
    new = tuple(_dce_closed(b, used_outputs, used_in) for b in branches)
    used_inputs = [True] + used_in
    new_eqn = eqn.replace(
        invars=[v for v, u in zip(eqn.invars, used_inputs) if u],
        outvars=[v for v, u in zip(eqn.outvars, used_outputs) if u],
        params=dict(eqn.params, branches=new),
    )
    return used_inputs, new_eqn


ad.jvp_rules[cond_p] = _cond_jvp
ad.transpose_rules[cond_p] = _cond_transpose
batching.batch_rules[cond_p] = _cond_batch
pe.partial_eval_rules[cond_p] = _cond_partial_eval
fusion.control_rules[cond_p] = lower_control.lower_cond  # compiled: a native branch
_dce_rules = {cond_p: _cond_dce}  # registered below once the core's dce_jaxpr is fixed


# ---------------------------------------------------------------------------------------------
# scan: operands (*consts, *init_carry, *xs); params jaxpr ((consts, carry, x) -> (carry, y)),
# length, reverse, num_consts, num_carry, linear (unused flags, one per operand), unroll (a
# lowering hint). Returns (*final_carry, *stacked_ys).


def _scan_impl(*args, jaxpr, length, reverse, num_consts, num_carry, linear, unroll):
    consts, carry, xs = _split(args, num_consts, num_carry)
    consts = [_as_array(c) for c in consts]
    carry = [_as_array(c) for c in carry]
    y_avals = jaxpr.out_avals[num_carry:]
    ys = []
    with core.set_current_trace(core.eval_trace):
        for i in reversed(range(length)) if reverse else range(length):
            outs = _eval(jaxpr, *consts, *carry, *[_as_array(np.asarray(x[i])) for x in xs])
            carry = [_as_array(c) for c in outs[:num_carry]]
            ys.append([_to_numpy(y, a) for y, a in zip(outs[num_carry:], y_avals)])
    if reverse:
        ys.reverse()
    stacked = [
        np.stack([y[k] for y in ys]) if length else np.zeros((0,) + a.shape, a.dtype)
        for k, a in enumerate(y_avals)
    ]
    carry_avals = jaxpr.in_avals[num_consts : num_consts + num_carry]
    return [_to_numpy(c, a) for c, a in zip(carry, carry_avals)] + stacked


def _scan_abstract(*avals, jaxpr, length, reverse, num_consts, num_carry, linear, unroll):
    for a in avals[num_consts + num_carry :]:
        if not a.shape or a.shape[0] != length:
            raise JTransValueError(f"scan: scanned-over input {a.str_short()} does not have a "
                                   f"leading axis of length {length}")  # fmt: skip
    carry = jaxpr.in_avals[num_consts : num_consts + num_carry]
    ys = [a.update(shape=(length,) + a.shape) for a in jaxpr.out_avals[num_carry:]]
    return list(carry) + ys


scan_p = standard_primitive("scan", _scan_impl, _scan_abstract, multiple_results=True)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
    """lax.scan: `carry, y = f(carry, x)` over the leading axis of `xs`; returns the final carry
    and the stacked ys. The body is staged once, so the jaxpr does not grow with the length."""
    xs_flat, xs_tree = tree_flatten(xs)
    xs_flat = [as_operand(x) for x in xs_flat]
    lengths = set()
    for x in xs_flat:
        a = core.get_aval(x)
        if not a.shape:
            raise JTransValueError(f"scan: every leaf of xs must have a leading axis to scan "
                                   f"over, got a scalar {a.str_short()}")  # fmt: skip
        lengths.add(a.shape[0])
    if length is not None:
        length = int(core.concrete_or_error(length, "the `length` argument of scan"))
        if lengths and lengths != {length}:
            raise JTransValueError(f"scan: length={length} disagrees with the leading axis "
                                   f"sizes of xs {sorted(lengths)}")  # fmt: skip
    elif len(lengths) > 1:
        raise JTransValueError(f"scan: the leaves of xs have different leading axis sizes "
                               f"{sorted(lengths)}; they must all be equal")  # fmt: skip
    elif not lengths:
        raise JTransValueError("scan: got no xs to scan over and length=None; pass length=N")
    else:
        length = lengths.pop()
    init_flat, init_tree = tree_flatten(init)
    init_flat = [as_operand(x) for x in init_flat]
    n = len(init_flat)
    carry_avals = [core.get_aval(x) for x in init_flat]
    x_avals = [core.get_aval(x).update(shape=core.get_aval(x).shape[1:]) for x in xs_flat]

    def body(*args):
        return f(tree_unflatten(init_tree, args[:n]), tree_unflatten(xs_tree, args[n:]))

    for _ in range(3):  # retraced at most twice: a weak carry changes dtype, then strength
        jaxpr, consts, out_tree = _trace(body, carry_avals + x_avals)
        if out_tree.kind is not tuple or len(out_tree.children) != 2:
            raise JTransTypeError(f"scan: the body function must return a pair (carry, y), "
                                  f"got a value of structure {out_tree}")  # fmt: skip
        carry_tree, y_tree = out_tree.children
        out_avals = jaxpr.out_avals[:n]
        promote = _check_carry("scan", init_tree, carry_tree, carry_avals, out_avals)
        if not promote:
            break
        carry_avals = [promote.get(i, a) for i, a in enumerate(carry_avals)]
    jaxpr = _strengthen(jaxpr, [i for i in range(n) if jaxpr.out_avals[i].weak_type and not
                                carry_avals[i].weak_type])  # fmt: skip
    init_flat = [st.convert_element_type(x, a.dtype, a.weak_type)
                 for x, a in zip(init_flat, carry_avals)]  # fmt: skip
    unroll = int(unroll) if not isinstance(unroll, bool) else (length if unroll else 1)
    ops = [*consts, *init_flat, *xs_flat]
    outs = scan_p.bind(*ops, jaxpr=_closed(jaxpr), length=length, reverse=bool(reverse),
                       num_consts=len(consts), num_carry=n, linear=(False,) * len(ops),
                       unroll=max(unroll, 1))  # fmt: skip
    return tree_unflatten(init_tree, outs[:n]), tree_unflatten(y_tree, outs[n:])


def _scan_params(params, **kw):
    new = dict(params, **kw)
    return new


def _scan_jvp(primals, tangents, jaxpr, length, reverse, num_consts, num_carry, linear, unroll):
    nc, ncar = num_consts, num_carry
    n_ys = len(jaxpr.out_avals) - ncar
    nz = [type(t) is not Zero for t in tangents]
    const_nz, init_nz, xs_nz = _split(nz, nc, ncar)
    carry_nz = init_nz
    for _ in range(ncar + 1):  # which carries have nonzero tangents: a fixed point
        out_nz = _jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz, carry_nz + [False] * n_ys)[1]
        new = _or(carry_nz, out_nz[:ncar])
        if new == carry_nz:
            break
        carry_nz = new
    jj, out_nz = _jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz, carry_nz + [False] * n_ys,
                            [nc, ncar, len(xs_nz)], [ncar, n_ys])  # fmt: skip
    consts, init, xs = _split(primals, nc, ncar)
    ct, it, xt = _split(tangents, nc, ncar)
    ops = (consts + [t for t in ct if type(t) is not Zero]
           + init + [ad.instantiate_zeros(t) for t, z in zip(it, carry_nz) if z]
           + xs + [t for t in xt if type(t) is not Zero])  # fmt: skip
    outs = scan_p.bind(*ops, jaxpr=jj, length=length, reverse=reverse,
                       num_consts=nc + sum(const_nz), num_carry=ncar + sum(carry_nz),
                       linear=(False,) * len(ops), unroll=unroll)  # fmt: skip
    nct = sum(carry_nz)
    carry_p, carry_t, ys = _split(outs, ncar, nct)
    out_avals = _scan_abstract(*[core.get_aval(p) for p in primals], jaxpr=jaxpr, length=length,
                               reverse=reverse, num_consts=nc, num_carry=ncar, linear=linear,
                               unroll=unroll)  # fmt: skip
    ys_p, ys_t = _tangents_out(ys, n_ys, out_nz[ncar:], out_avals[ncar:])
    _, carry_t = _tangents_out(carry_p + carry_t, ncar, carry_nz, out_avals[:ncar])
    return carry_p + ys_p, carry_t + ys_t


def _scan_partial_eval(trace, args, params):
    jaxpr, nc, ncar = params["jaxpr"], params["num_consts"], params["num_carry"]
    n_ys = len(jaxpr.out_avals) - ncar
    uk = [trace.is_unknown(a) for a in args]
    const_uk, init_uk, xs_uk = _split(uk, nc, ncar)
    carry_uk = init_uk
    for _ in range(ncar + 1):  # which carries are unknown: a fixed point
        out_uk = pe.partial_eval_jaxpr(jaxpr, const_uk + carry_uk + xs_uk)[2]
        new = _or(carry_uk, out_uk[:ncar])
        if new == carry_uk:
            break
        carry_uk = new
    jk, ju, out_uk, nres = pe.partial_eval_jaxpr(jaxpr, const_uk + carry_uk + xs_uk,
                                                 instantiate=carry_uk + [False] * n_ys)  # fmt: skip
    consts, init, xs = _split(args, nc, ncar)
    known_consts = [c for c, u in zip(consts, const_uk) if not u]
    # residuals that do not depend on the carry or xs are loop-invariant: computed once, outside
    # the loop, and passed to the unknown scan as consts; the others are stacked as extra ys of
    # the known scan (each distinct variable once)
    kj = jk.jaxpr
    n_kout = len(kj.outvars) - nres
    res_vars = kj.outvars[n_kout:]
    variant = set(kj.invars[len(known_consts) :])
    for eqn in kj.eqns:
        if any(type(v) is Var and v in variant for v in eqn.invars):
            variant.update(eqn.outvars)
    inv_idx = [r for r, v in enumerate(res_vars) if type(v) is not Var or v not in variant]
    stacked = [r for r in range(nres) if r not in inv_idx]
    stacked_vars = list(dict.fromkeys(res_vars[r] for r in stacked))
    inv_jaxpr = Jaxpr(kj.constvars, kj.invars, [res_vars[r] for r in inv_idx], kj.eqns)
    inv_jaxpr = pe.dce_jaxpr(inv_jaxpr)[0]
    with core.set_current_trace(trace.parent):
        pad = [None] * (len(kj.invars) - len(known_consts))
        inv_vals = core.eval_jaxpr(inv_jaxpr, jk.consts, *known_consts, *pad)
    jk2 = ClosedJaxpr(Jaxpr(kj.constvars, kj.invars, kj.outvars[:n_kout] + stacked_vars, kj.eqns),
                      jk.consts)  # fmt: skip
    jk2 = _dce_closed(jk2, [True] * len(jk2.out_avals), [True] * len(kj.invars))
    known_args = known_consts + [a for a, u in zip(init, carry_uk) if not u]
    known_args += [a for a, u in zip(xs, xs_uk) if not u]
    nck = carry_uk.count(False)
    known_outs = core.bind_in(trace.parent, scan_p, known_args, _scan_params(
        params, jaxpr=jk2, num_consts=len(known_consts), num_carry=nck,
        linear=(False,) * len(known_args)))  # fmt: skip
    n_known_out = len(known_outs) - len(stacked_vars)
    by_var = dict(zip(stacked_vars, known_outs[n_known_out:]))
    stacked_vals = [by_var[res_vars[r]] for r in stacked]
    # the unknown scan: consts = invariant residuals + unknown consts; carry = unknown carries;
    # xs = stacked residuals + unknown xs
    uj = ju.jaxpr
    res_in, rest = uj.invars[:nres], uj.invars[nres:]
    nuc = const_uk.count(True)
    nucar = carry_uk.count(True)
    invars = ([res_in[r] for r in inv_idx] + rest[:nuc] + rest[nuc : nuc + nucar]
              + [res_in[r] for r in stacked] + rest[nuc + nucar :])  # fmt: skip
    ju2 = ClosedJaxpr(Jaxpr(uj.constvars, invars, uj.outvars, uj.eqns), ju.consts)
    u_args = (list(inv_vals) + [c for c, u in zip(consts, const_uk) if u]
              + [a for a, u in zip(init, carry_uk) if u] + stacked_vals
              + [x for x, u in zip(xs, xs_uk) if u])  # fmt: skip
    unknown_outs = trace.stage(scan_p, u_args, _scan_params(
        params, jaxpr=ju2, num_consts=len(inv_idx) + nuc, num_carry=nucar,
        linear=(False,) * len(u_args)))  # fmt: skip
    k_it, u_it = iter(known_outs[:n_known_out]), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in out_uk]


def _scan_transpose(cts, *args, jaxpr, length, reverse, num_consts, num_carry, linear, unroll):
    nc, ncar = num_consts, num_carry
    consts, init, xs = _split(args, nc, ncar)
    c_lin = [type(a) is UndefinedPrimal for a in consts]
    x_lin = [type(a) is UndefinedPrimal for a in xs]
    carry_avals = jaxpr.in_avals[nc : nc + ncar]
    ct_carry = [ad.instantiate_zeros(c) for c in cts[:ncar]]
    ct_ys = cts[ncar:]
    ys_nz = [type(c) is not Zero for c in ct_ys]
    y_avals = jaxpr.out_avals[ncar:]
    res_c = [a for a, lin in zip(consts, c_lin) if not lin]
    res_x = [a for a, lin in zip(xs, x_lin) if not lin]
    lin_c_avals = [a.aval for a, lin in zip(consts, c_lin) if lin]
    x_avals = jaxpr.in_avals[nc + ncar :]
    n_rc, n_lc, n_rx = len(res_c), len(lin_c_avals), len(res_x)

    def body(*vals):
        rc, acc, ctc, rx, cty = _split(vals, n_rc, n_lc, ncar, n_rx)
        rc_it, rx_it, cty_it = iter(rc), iter(rx), iter(cty)
        full = [UndefinedPrimal(a) if lin else next(rc_it)
                for a, lin in zip(jaxpr.in_avals[:nc], c_lin)]  # fmt: skip
        full += [UndefinedPrimal(a) for a in carry_avals]
        full += [UndefinedPrimal(a) if lin else next(rx_it) for a, lin in zip(x_avals, x_lin)]
        cts_out = ctc + [next(cty_it) if nz else Zero(a) for nz, a in zip(ys_nz, y_avals)]
        res = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, full, cts_out)
        r_c, r_carry, r_x = _split(res, nc, ncar)
        acc_it = iter(acc)
        new_acc = [ad.add_tangents(next(acc_it), r) for r, lin in zip(r_c, c_lin) if lin]
        return (new_acc + [ad.instantiate_zeros(r) for r in r_carry]
                + [ad.instantiate_zeros(r) for r, lin in zip(r_x, x_lin) if lin])  # fmt: skip

    in_avals = ([core.get_aval(r) for r in res_c] + lin_c_avals + list(carry_avals)
                + [a for a, lin in zip(x_avals, x_lin) if not lin]
                + [a for a, nz in zip(y_avals, ys_nz) if nz])  # fmt: skip
    tj, tconsts = pe.trace_to_jaxpr(body, in_avals)
    acc0 = [ad.zeros_like_aval(a) for a in lin_c_avals]
    ops = res_c + acc0 + ct_carry + res_x + [c for c in ct_ys if type(c) is not Zero]
    outs = scan_p.bind(*ops, jaxpr=ClosedJaxpr(tj, tconsts), length=length, reverse=not reverse,
                       num_consts=n_rc, num_carry=n_lc + ncar, linear=(False,) * len(ops),
                       unroll=unroll)  # fmt: skip
    ct_c, ct_init, ct_x = _split(outs, n_lc, ncar)
    ct_c_it, ct_x_it = iter(ct_c), iter(ct_x)
    return ([next(ct_c_it) if lin else None for lin in c_lin]
            + [c if type(a) is UndefinedPrimal else None for c, a in zip(ct_init, init)]
            + [next(ct_x_it) if lin else None for lin in x_lin])  # fmt: skip


def _scan_batch(vals, dims, jaxpr, length, reverse, num_consts, num_carry, linear, unroll):
    size = batching.current_axis_size()
    nc, ncar = num_consts, num_carry
    consts, init, xs = _split(vals, nc, ncar)
    cd, initd, xd = _split(dims, nc, ncar)
    consts = [c if d is None else batching.moveaxis(c, d, 0) for c, d in zip(consts, cd)]
    xs = [x if d is None else batching.moveaxis(x, d, 1) for x, d in zip(xs, xd)]
    const_dims = [None if d is None else 0 for d in cd]
    x_dims = [None if d is None else 0 for d in xd]  # the per-step slice has its batch axis at 0
    carry_b = [d is not None for d in initd]
    for _ in range(ncar + 1):  # which carries are batched: a fixed point
        carry_dims = [0 if b else None for b in carry_b]
        out_dims = batching.batch_jaxpr(jaxpr, size, const_dims + carry_dims + x_dims)[1]
        new = _or(carry_b, [d is not None for d in out_dims[:ncar]])
        if new == carry_b:
            break
        carry_b = new
    carry_dims = [0 if b else None for b in carry_b]
    ys_dims = [None if d is None else 0 for d in out_dims[ncar:]]
    bj, _ = batching.batch_jaxpr(jaxpr, size, const_dims + carry_dims + x_dims,
                                 carry_dims + ys_dims)  # fmt: skip
    init = [batching.bdim_at_front(c, d, size) if b else c for c, d, b in zip(init, initd, carry_b)]
    ops = consts + init + xs
    outs = scan_p.bind(*ops, jaxpr=bj, length=length, reverse=reverse, num_consts=nc,
                       num_carry=ncar, linear=(False,) * len(ops), unroll=unroll)  # fmt: skip
    return outs, carry_dims + [None if d is None else 1 for d in ys_dims]


def _scan_dce(used_outputs, eqn):
    jaxpr, nc, ncar = eqn.params["jaxpr"], eqn.params["num_consts"], eqn.params["num_carry"]
    used_carry, used_ys = used_outputs[:ncar], used_outputs[ncar:]
    for _ in range(ncar + 1):  # a carry is live if its output is used or a live output reads it
        used_in = pe.dce_jaxpr(jaxpr.jaxpr, used_carry + used_ys)[1]
        new = _or(used_carry, used_in[nc : nc + ncar])
        if new == used_carry:
            break
        used_carry = new
    used_in = pe.dce_jaxpr(jaxpr.jaxpr, used_carry + used_ys)[1]
    used_inputs = used_in[:nc] + used_carry + used_in[nc + ncar :]
    new_jaxpr = _dce_closed(jaxpr, used_carry + used_ys, used_inputs)
    used_outs = used_carry + used_ys
    n_in = sum(used_inputs)
    new_eqn = eqn.replace(
        invars=[v for v, u in zip(eqn.invars, used_inputs) if u],
        outvars=[v for v, u in zip(eqn.outvars, used_outs) if u],
        params=dict(
            eqn.params,
            jaxpr=new_jaxpr,
            num_consts=sum(used_in[:nc]),
            num_carry=sum(used_carry),
            linear=(False,) * n_in,
        ),
    )
    return used_inputs, new_eqn


ad.jvp_rules[scan_p] = _scan_jvp
ad.transpose_rules[scan_p] = _scan_transpose
batching.batch_rules[scan_p] = _scan_batch
pe.partial_eval_rules[scan_p] = _scan_partial_eval
_dce_rules[scan_p] = _scan_dce
fusion.control_rules[scan_p] = lower_control.lower_scan  # compiled: a native loop


def _vmap0(f, xs):
    """f batched over the leading axis of every leaf of `xs` (outputs batched at axis 0)."""
    flat, tree = tree_flatten(xs)
    flat = [as_operand(x) for x in flat]
    avals = [core.get_aval(x) for x in flat]
    elem = [core.ShapedArray(a.shape[1:], a.dtype, a.weak_type) for a in avals]
    jaxpr, consts, out_tree = _trace(lambda *e: f(tree_unflatten(tree, list(e))), elem)
    closed = _closed(jaxpr)
    size = avals[0].shape[0]
    in_dims = [None] * len(consts) + [0] * len(flat)
    batched, _ = batching.batch_jaxpr(closed, size, in_dims, [0] * len(jaxpr.outvars))
    outs = core.eval_jaxpr(batched.jaxpr, batched.consts, *consts, *flat)
    return tree_unflatten(out_tree, list(outs))


def map(f, xs, batch_size=None):
    """lax.map: `f` applied to each slice of `xs` along the leading axis (a scan with no carry).
    With `batch_size`, the scan runs over batches of that many slices, each `f` batched over its
    batch, and the remainder (if any) is one more batched call, as in JAX."""
    if batch_size is None:
        _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
        return ys
    leaves, tree = tree_flatten(xs)
    if not leaves:
        _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
        return ys
    leaves = [as_operand(x) for x in leaves]
    n = core.get_aval(leaves[0]).shape[0]
    batch_size = int(batch_size)
    num, rem = (0, n) if batch_size == 0 else divmod(n, batch_size)
    cut = num * batch_size
    ys = None
    if num:
        blocks = [st.reshape(st.slice_in_dim(x, 0, cut, axis=0),
                             (num, batch_size) + core.get_aval(x).shape[1:]) for x in leaves]  # fmt: skip
        _, ys = scan(lambda c, b: (c, _vmap0(f, b)), (), tree_unflatten(tree, blocks))
        ys_flat, ys_tree = tree_flatten(ys)
        ys_flat = [st.reshape(y, (cut,) + core.get_aval(y).shape[2:]) for y in ys_flat]
        ys = tree_unflatten(ys_tree, ys_flat)
    if rem:
        rest = [st.slice_in_dim(x, cut, n, axis=0) for x in leaves]
        rys = _vmap0(f, tree_unflatten(tree, rest))
        if ys is None:
            return rys
        r_flat, r_tree = tree_flatten(rys)
        ys_flat = [st.concatenate([y, r], 0) for y, r in zip(tree_flatten(ys)[0], r_flat)]
        ys = tree_unflatten(r_tree, ys_flat)
    return ys


# ---------------------------------------------------------------------------------------------
# while_loop: operands (*cond_consts, *body_consts, *init); params cond_jaxpr, body_jaxpr,
# cond_nconsts, body_nconsts, max_steps (None, or a bound on the number of iterations).


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    cc, bc, carry = _split([_as_array(a) for a in args], cond_nconsts, body_nconsts)
    steps = 0
    with core.set_current_trace(core.eval_trace):
        while max_steps is None or steps < max_steps:
            (pred,) = _eval(cond_jaxpr, *cc, *carry)
            if not bool(_to_numpy(pred, cond_jaxpr.out_avals[0])):
                break
            carry = [_as_array(c) for c in _eval(body_jaxpr, *bc, *carry)]
            steps += 1
    avals = body_jaxpr.in_avals[body_nconsts:]
    return [_to_numpy(c, a) for c, a in zip(carry, avals)]


def _while_abstract(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    return list(body_jaxpr.in_avals[body_nconsts:])


while_p = standard_primitive("while", _while_impl, _while_abstract, multiple_results=True)


def while_loop(cond_fun, body_fun, init_val, max_steps=None):
    """lax.while_loop: `while cond_fun(val): val = body_fun(val)`.

    Beyond JAX: `max_steps=N` bounds the loop to at most N iterations and makes it reverse-mode
    differentiable (reverse mode then runs a scan of exactly N masked steps, recording residuals
    for each). Without a bound only forward mode (jvp, jacfwd) is available."""
    if max_steps is not None:
        max_steps = int(core.concrete_or_error(max_steps, "the max_steps argument of while_loop"))
        if max_steps < 0:
            raise JTransValueError(f"while_loop: max_steps must be >= 0, got {max_steps}")
    init_flat, tree = tree_flatten(init_val)
    init_flat = [as_operand(x) for x in init_flat]
    avals = [core.get_aval(x) for x in init_flat]
    for _ in range(3):  # retraced at most twice: a weak carry changes dtype, then strength
        cj, cconsts, ctree = _trace(lambda *xs: cond_fun(tree_unflatten(tree, xs)), avals)
        if ctree.kind is not None or cj.out_avals[0].shape != () or cj.out_avals[0].dtype != \
                dtypes.bool_:  # fmt: skip
            got = ", ".join(_aval_str(a) for a in cj.out_avals)
            raise JTransTypeError(f"while_loop: cond_fun must return a boolean scalar, but it "
                                  f"returned {ctree} with types [{got}]")  # fmt: skip
        bj, bconsts, btree = _trace(lambda *xs: body_fun(tree_unflatten(tree, xs)), avals)
        promote = _check_carry("while_loop", tree, btree, avals, bj.out_avals)
        if not promote:
            break
        avals = [promote.get(i, a) for i, a in enumerate(avals)]
    bj = _strengthen(bj, [i for i, a in enumerate(avals) if bj.out_avals[i].weak_type and not
                          a.weak_type])  # fmt: skip
    init_flat = [st.convert_element_type(x, a.dtype, a.weak_type) for x, a in zip(init_flat, avals)]
    outs = while_p.bind(*cconsts, *bconsts, *init_flat, cond_jaxpr=_closed(cj),
                        body_jaxpr=_closed(bj), cond_nconsts=len(cconsts),
                        body_nconsts=len(bconsts), max_steps=max_steps)  # fmt: skip
    return tree_unflatten(tree, outs)


def _static_int(x):
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (int, np.integer)):
        return int(x)
    v = x.to_concrete_value() if isinstance(x, core.Tracer) else getattr(x, "_value", None)
    if v is not None and np.ndim(v) == 0 and np.asarray(v).dtype.kind in "iu":
        return int(v)
    return None


def fori_loop(lower, upper, body_fun, init_val, unroll=None):
    """lax.fori_loop: `for i in range(lower, upper): val = body_fun(i, val)`. With concrete
    bounds it is a scan (reverse-differentiable); with traced bounds, a while_loop."""
    lo_dt = core.get_aval(as_operand(lower)).dtype
    hi_dt = core.get_aval(as_operand(upper)).dtype
    dt = dtypes.canonicalize_dtype(np.promote_types(lo_dt, hi_dt))
    if dt.kind not in "iu":
        raise JTransTypeError(f"fori_loop: bounds must be integers, got {lo_dt} and {hi_dt}")
    lo, hi = _static_int(lower), _static_int(upper)
    one = np.asarray(1, dt)
    if lo is not None and hi is not None:
        # as in JAX, Python int bounds give a weakly typed loop index
        weak_i = all(isinstance(b, int) and not isinstance(b, bool) for b in (lower, upper))

        def step(carry, _):
            i, x = carry
            return (ew.add(i, 1 if weak_i else one), body_fun(i, x)), None

        start = Array(np.asarray(lo, dt), weak_i)
        (_, out), _ = scan(step, (start, init_val), None, length=max(hi - lo, 0),
                           unroll=1 if unroll is None else unroll)  # fmt: skip
        return out
    lower = st.convert_element_type(as_operand(lower), dt)
    upper = st.convert_element_type(as_operand(upper), dt)

    def body(carry):
        i, u, x = carry
        return ew.add(i, one), u, body_fun(i, x)

    _, _, out = while_loop(lambda c: ew.lt(c[0], c[1]), body, (lower, upper, init_val))
    return out


def _cond_with_tangents(cond_jaxpr, extra_avals):
    """The cond jaxpr taking (and ignoring) extra trailing carry inputs."""
    return _pad_invars(cond_jaxpr, extra_avals, len(cond_jaxpr.in_avals))


def _while_jvp(primals, tangents, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
               max_steps):  # fmt: skip
    cnc, bnc = cond_nconsts, body_nconsts
    nz = [type(t) is not Zero for t in tangents]
    _, bconst_nz, init_nz = _split(nz, cnc, bnc)
    ncar = len(init_nz)
    carry_nz = init_nz
    for _ in range(ncar + 1):
        out_nz = _jvp_jaxpr(body_jaxpr, bconst_nz + carry_nz, carry_nz)[1]
        new = _or(carry_nz, out_nz)
        if new == carry_nz:
            break
        carry_nz = new
    bj, _ = _jvp_jaxpr(body_jaxpr, bconst_nz + carry_nz, carry_nz, [bnc, ncar], [ncar])
    carry_avals = body_jaxpr.in_avals[bnc:]
    t_avals = [ad.tangent_aval(a) for a, z in zip(carry_avals, carry_nz) if z]
    cj = _cond_with_tangents(cond_jaxpr, t_avals)
    cc, bc, init = _split(primals, cnc, bnc)
    _, bct, it = _split(tangents, cnc, bnc)
    ops = (cc + bc + [t for t in bct if type(t) is not Zero] + init
           + [ad.instantiate_zeros(t) for t, z in zip(it, carry_nz) if z])  # fmt: skip
    outs = while_p.bind(*ops, cond_jaxpr=cj, body_jaxpr=bj, cond_nconsts=cnc,
                        body_nconsts=bnc + sum(bconst_nz), max_steps=max_steps)  # fmt: skip
    return _tangents_out(outs, ncar, carry_nz, carry_avals)


def _while_as_scan(args, params):
    """A bounded while_loop as a scan of max_steps steps, each running the body under a mask:
    once the predicate is false the carry (and so the predicate) stays unchanged."""
    cj, bj = params["cond_jaxpr"], params["body_jaxpr"]
    cnc, bnc = params["cond_nconsts"], params["body_nconsts"]
    cc, bc, init = _split(args, cnc, bnc)

    def step(*vals):
        c, b, carry = _split(vals, cnc, bnc)
        (pred,) = _eval(cj, *c, *carry)
        new = _eval(bj, *b, *carry)
        return [st.select(pred, n, x) for n, x in zip(new, carry)]

    avals = [core.get_aval(a) for a in cc + bc] + list(bj.in_avals[bnc:])
    jaxpr, consts = pe.trace_to_jaxpr(step, avals)
    ops = cc + bc + init
    return scan_p.bind(*ops, jaxpr=ClosedJaxpr(jaxpr, consts), length=params["max_steps"],
                       reverse=False, num_consts=cnc + bnc, num_carry=len(init),
                       linear=(False,) * len(ops), unroll=1)  # fmt: skip


def _while_partial_eval(trace, args, params):
    if params["max_steps"] is not None:
        return _while_as_scan(args, params)  # binds under `trace`: the scan rule splits it
    cj, bj = params["cond_jaxpr"], params["body_jaxpr"]
    cnc, bnc = params["cond_nconsts"], params["body_nconsts"]
    uk = [trace.is_unknown(a) for a in args]
    cc_uk, bc_uk, carry_uk = _split(uk, cnc, bnc)
    for _ in range(len(carry_uk) + 1):
        out_uk = pe.partial_eval_jaxpr(bj, bc_uk + carry_uk)[2]
        new = _or(carry_uk, out_uk)
        if new == carry_uk:
            break
        carry_uk = new
    pred_uk = pe.partial_eval_jaxpr(cj, cc_uk + carry_uk)[2][0]
    if pred_uk or all(carry_uk):
        return trace.stage(while_p, args, params)
    # the known carries come from a while over the known part now; the unknown ones from the
    # whole loop, staged (forward mode only: the staged while cannot be transposed)
    known = [not u for u in carry_uk]
    cc, bc, init = _split(args, cnc, bnc)
    bjk = _dce_closed(bj, known, [not u for u in bc_uk] + known)
    cjk = _dce_closed(cj, [True], [not u for u in cc_uk] + known)
    k_args = ([a for a, u in zip(cc, cc_uk) if not u] + [a for a, u in zip(bc, bc_uk) if not u]
              + [a for a, u in zip(init, carry_uk) if not u])  # fmt: skip
    known_outs = core.bind_in(trace.parent, while_p, k_args, dict(
        params, cond_jaxpr=cjk, body_jaxpr=bjk, cond_nconsts=cc_uk.count(False),
        body_nconsts=bc_uk.count(False)))  # fmt: skip
    unknown_outs = trace.stage(while_p, args, params)
    k_it = iter(known_outs)
    return [u_out if u else next(k_it) for u, u_out in zip(carry_uk, unknown_outs)]


def _while_transpose(cts, *args, **params):
    raise JTransValueError(
        "Reverse-mode differentiation (grad, vjp, jacrev) of lax.while_loop needs a bound on "
        "the number of iterations: its trip count is not known in advance, so the residuals of "
        "each step cannot be recorded. Pass max_steps=N to while_loop (reverse mode then runs "
        "exactly N masked steps), or use lax.scan / lax.fori_loop with static (Python int) "
        "bounds. Forward mode (jvp, jacfwd) works without a bound."
    )


def _reduce_or(pred):
    as_int = st.convert_element_type(pred, dtypes.int32)
    return st.convert_element_type(red.reduce_max(as_int, axes=(0,)), dtypes.bool_)


def _while_batch(vals, dims, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    size = batching.current_axis_size()
    cnc, bnc = cond_nconsts, body_nconsts
    vals = [v if d is None else batching.moveaxis(v, d, 0) for v, d in zip(vals, dims)]
    cc, bc, init = _split(vals, cnc, bnc)
    ccd, bcd, initd = _split([None if d is None else 0 for d in dims], cnc, bnc)
    carry_b = [d is not None for d in initd]
    for _ in range(len(init) + 2):  # which carries are batched: a fixed point
        carry_dims = [0 if b else None for b in carry_b]
        pred_b = batching.batch_jaxpr(cond_jaxpr, size, ccd + carry_dims)[1][0] is not None
        if pred_b:  # lanes finish at different steps: every carry is masked per lane
            new = [True] * len(init)
        else:
            out_dims = batching.batch_jaxpr(body_jaxpr, size, bcd + carry_dims)[1]
            new = _or(carry_b, [d is not None for d in out_dims])
        if new == carry_b:
            break
        carry_b = new
    carry_dims = [0 if b else None for b in carry_b]
    init = [batching.bdim_at_front(x, d, size) if b else x for x, d, b in zip(init, initd, carry_b)]
    bb, _ = batching.batch_jaxpr(body_jaxpr, size, bcd + carry_dims, carry_dims)
    params = {"max_steps": max_steps}
    if not pred_b:
        cb, _ = batching.batch_jaxpr(cond_jaxpr, size, ccd + carry_dims, [None])
        outs = while_p.bind(*cc, *bc, *init, cond_jaxpr=cb, body_jaxpr=bb, cond_nconsts=cnc,
                            body_nconsts=bnc, **params)  # fmt: skip
        return outs, carry_dims
    # run while any lane is active; finished lanes keep their values
    cb, _ = batching.batch_jaxpr(cond_jaxpr, size, ccd + carry_dims, [0])
    avals = [core.get_aval(a) for a in cc]
    carry_avals = [core.get_aval(a) for a in init]

    def any_cond(*xs):
        return [_reduce_or(_eval(cb, *xs)[0])]

    def masked_body(*xs):
        c, b, carry = _split(xs, cnc, bnc)
        (pred,) = _eval(cb, *c, *carry)
        new = _eval(bb, *b, *carry)
        return [st.select(st.broadcast_in_dim(pred, core.get_aval(x).shape, (0,)), n, x)
                for n, x in zip(new, carry)]  # fmt: skip

    new_cond = ClosedJaxpr(*pe.trace_to_jaxpr(any_cond, avals + carry_avals))
    new_body = ClosedJaxpr(*pe.trace_to_jaxpr(masked_body, avals + [core.get_aval(a) for a in bc]
                                              + carry_avals))  # fmt: skip
    outs = while_p.bind(*cc, *cc, *bc, *init, cond_jaxpr=new_cond, body_jaxpr=new_body,
                        cond_nconsts=cnc, body_nconsts=cnc + bnc, **params)  # fmt: skip
    return outs, carry_dims


ad.jvp_rules[while_p] = _while_jvp
ad.transpose_rules[while_p] = _while_transpose
batching.batch_rules[while_p] = _while_batch
pe.partial_eval_rules[while_p] = _while_partial_eval
fusion.control_rules[while_p] = lower_control.lower_while  # compiled: a native loop


def _register_dce_rules():
    """DCE rules return used_inputs for the eqn's ORIGINAL invars (as jit's does). The core's
    dce_jaxpr currently pairs them with the pruned invars, so they are registered only when it
    reads them against the original ones."""
    a, b = Var(core.ShapedArray((), dtypes.float32)), Var(core.ShapedArray((), dtypes.float32))
    out = Var(a.aval)
    probe = core.Primitive("_dce_probe")
    eqn = core.Eqn(probe, [a, b], [out], {})

    def rule(used_outputs, eqn):
        return [False, True], eqn.replace(invars=[eqn.invars[1]])

    pe.dce_rules[probe] = rule
    try:
        _, used = pe.dce_jaxpr(Jaxpr([], [a, b], [out], [eqn]))
    finally:
        del pe.dce_rules[probe]
        core.all_primitives.remove(probe)
    if used == [False, True]:
        pe.dce_rules.update(_dce_rules)


_register_dce_rules()

__all__ = [
    "cond",
    "cond_p",
    "fori_loop",
    "map",
    "scan",
    "scan_p",
    "switch",
    "while_loop",
    "while_p",
]  # fmt: skip
