"""Fusion: an optimized jaxpr -> a Kernel IR program.

Elementwise ops and index maps (broadcasts, transposes, reshapes, slices, pads, iota, converts)
are inlined into the loop nest of the value that consumes them; a reduction ends a fusion and
fuses its producers; `dot_general` becomes a BLAS call (or a generated reduction loop for
integers); cond/while/scan become control steps running sub-programs fused from their
sub-jaxprs in native loops and branches (control.py); every other primitive is a call-out
to its NumPy impl.

Which values are materialized (get a buffer): the jaxpr's inputs and outputs, the results and
operands of non-fusible steps, reduction results, and values with several consumers unless they
are cheap index maps or all their consumers share their loop. Roots with the same loop signature
are merged into one kernel while nothing has read the earlier kernel's outputs yet.

The tables below are filled by the primitives (jtrans/lax/lowerings.py for now).
"""

import numpy as np

from .. import core
from . import kernel as K

# elementwise_rules[prim] = rule(*operand_exprs, **params) -> Expr (operands at the same index;
# rank-0 operands broadcast)
elementwise_rules = {}
# index_rules[prim] = rule(out_index, in_avals, out_aval, **params) -> [Index per operand]
index_rules = {}
# fused_rules[prim] = rule(read, out_index, in_avals, out_aval, **params) -> Expr, where
# read(i, index) is operand i at `index` (for pads, concatenates, iota: anything else loop-local)
fused_rules = {}
# reduction_rules[prim] = monoid name ("add", "mul", "max", "min", "and", "or"); param `axes`
reduction_rules = {}
# gemm_rules[prim] = rule(in_avals, out_aval, **params) -> ((lhs_contract, rhs_contract),
# (lhs_batch, rhs_batch)) or None (then it is a call-out)
gemm_rules = {}
# control_rules[prim] = rule(fuser, eqn): appends a control-flow step (control.py) whose bodies
# are sub-programs fused from the eqn's sub-jaxprs
control_rules = {}
# primitives cheap enough to recompute in every kernel that reads them
cheap_prims = set()
# keeps_order_rules[prim] = rule(eqn) -> bool: the index eqn's result is its operand's row-major
# data under another shape (reshape, squeeze, a broadcast that only adds unit axes)
keeps_order_rules = {}
# control_rules primitives whose steps read their operands through fused expressions
# (`_Fuser._expr`), so the operands need no buffer of their own (indexing.py's steps)
fused_operand_prims = set()

NATIVE_DTYPES = {np.dtype(t) for t in ("bool", "int8", "int16", "int32", "int64", "uint8",
                                        "uint16", "uint32", "uint64", "float16", "float32",
                                        "float64")}  # fmt: skip
BLAS_DTYPES = {np.dtype("float32"), np.dtype("float64")}


def _native(avals):
    return all(np.dtype(a.dtype) in NATIVE_DTYPES for a in avals)


def kind_of(eqn):
    """ "elementwise", "index", "fused", "reduction", "gemm", "control" or "opaque" (a call-out)."""
    p = eqn.prim
    avals = [v.aval for v in eqn.invars] + [v.aval for v in eqn.outvars]
    if not _native(avals):
        return "opaque"
    if p in elementwise_rules:
        return "elementwise"
    if p in index_rules:
        return "index"
    if p in fused_rules:
        return "fused"
    if p in reduction_rules:
        return "reduction"
    if p in gemm_rules:
        return "gemm"
    if p in control_rules:
        return "control"
    return "opaque"


FUSIBLE = ("elementwise", "index", "fused")


def _callout_reason(eqn):
    avals = [v.aval for v in eqn.invars] + [v.aval for v in eqn.outvars]
    if not _native(avals):
        bad = sorted({a.dtype.name for a in avals if np.dtype(a.dtype) not in NATIVE_DTYPES})
        return f"dtype {', '.join(bad)} has no native lowering"
    if any(True for _ in core.subjaxprs(eqn)):
        return "control flow runs its sub-jaxprs eagerly (no native lowering yet)"
    return "no native lowering for this primitive"


def _outer_dims(eqn):
    """(lhs batch, lhs free, rhs batch, rhs free) axes of a dot_general (a gemm_rules
    primitive) whose contracted axes hold one element in all, else None."""
    dn = gemm_rules[eqn.prim]([v.aval for v in eqn.invars], eqn.outvars[0].aval, **eqn.params)
    if dn is None or np.dtype(eqn.outvars[0].aval.dtype).kind == "b":
        return None
    (lc, rc), (lb, rb) = dn
    lhs, rhs = (v.aval for v in eqn.invars)
    if int(np.prod([lhs.shape[d] for d in lc], dtype=np.int64)) != 1:
        return None
    lf = [d for d in range(lhs.ndim) if d not in lc and d not in lb]
    rf = [d for d in range(rhs.ndim) if d not in rc and d not in rb]
    return tuple(lb), lf, tuple(rb), rf


# column reductions fuse into the loop producing their operand only below this many iterations
# (such loops run serially; larger ones are cut into chunks for the thread pool)
COL_FUSE_MAX = 1 << 17
COL_ROW_MAX = 4096  # (and only with at most this many accumulators)


class _Fuser:
    def __init__(self, jaxpr, consts, name, col_epilogues=False):
        self.jaxpr, self.name = jaxpr, name
        self.col_epilogues = col_epilogues
        self.kinds = {id(e): kind_of(e) for e in jaxpr.eqns}
        # dot_generals whose contraction has one element: broadcast products (outer products,
        # e.g. vmap(grad)'s per-example weight gradients), fused like elementwise ops
        self.outer = {}
        for e in jaxpr.eqns:
            if self.kinds[id(e)] == "gemm":
                dims = _outer_dims(e)
                if dims is not None:
                    self.outer[id(e)] = dims
                    self.kinds[id(e)] = "fused"
        self.producer = {}
        self.consumers = {}
        for e in jaxpr.eqns:
            for v in e.outvars:
                self.producer[v] = e
            for v in e.invars:
                if type(v) is core.Var:
                    self.consumers.setdefault(v, []).append(e)
        self.buffers = {}
        self.n_tmp = 0
        self.inputs = [self._buffer(v, "in", i) for i, v in enumerate(jaxpr.invars)]
        self.consts = [(self._buffer(v, "const", i), np.ascontiguousarray(c))
                       for i, (v, c) in enumerate(zip(jaxpr.constvars, consts))]  # fmt: skip
        for j, v in enumerate(jaxpr.outvars):
            if type(v) is core.Var and v not in self.buffers:
                self._buffer(v, "out", j)
        self.materialized = self._materialized()
        # GEMMs whose only reader transposes (batch, lhs free, rhs free) to (batch, rhs free,
        # lhs free), as the transpose of a dot_general does: computed swapped, C^T = B^T A^T,
        # straight into the transpose's buffer
        self.swapped = {}
        for e in jaxpr.eqns:
            t = self._swapping_reader(e) if self.kinds[id(e)] == "gemm" else None
            if t is not None:
                self.swapped[id(e)] = t
                self.materialized.add(t.outvars[0])
        self.skip = {id(t) for t in self.swapped.values()}
        self.steps = []
        self.step_of = {}  # buffer name -> step that writes it
        self.consumed = set()  # ids of steps whose outputs a later step reads

    def _swapping_reader(self, eqn):
        """The transpose-like index eqn that is the only reader of gemm `eqn`'s result
        (possibly through unit-axis reshapes) and reads it at (batch, lhs free, rhs free) ->
        (batch, rhs free, lhs free), or None."""
        v = eqn.outvars[0]
        chain, cur = [], v
        while True:
            cons = self.consumers.get(cur, [])
            if len(cons) != 1 or cur in self.jaxpr.outvars or self.kinds[id(cons[0])] != "index":
                return None
            t = cons[0]
            if len(t.invars) != 1:
                return None
            chain.append(t)
            if not _unit_reshape(t):
                break
            cur = t.outvars[0]
        dn = gemm_rules[eqn.prim]([u.aval for u in eqn.invars], v.aval, **eqn.params)
        if dn is None:
            return None
        (lc, _), (lb, _) = dn
        lhs = eqn.invars[0].aval
        nb, nl = len(lb), lhs.ndim - len(lc) - len(lb)
        nr = v.aval.ndim - nb - nl
        if nl == 0 or nr == 0:
            return None
        out_shape = t.outvars[0].aval.shape
        idx = K.Index([K.loop_var(i) for i in range(len(out_shape))])
        for e in reversed(chain):
            idx = index_rules[e.prim](idx, [e.invars[0].aval], e.outvars[0].aval, **e.params)[0]
        shape = v.aval.shape
        got = {}  # v's axes of more than one element -> the output loop that reads them
        for d, x in enumerate(idx.dims):
            if shape[d] != 1:
                if x.op != "var":
                    return None
                got[d] = x.args[0]
            elif not x.is_const(0):
                return None
        groups = [range(nb), range(nb + nl, nb + nl + nr), range(nb, nb + nl)]
        want = [d for g in groups for d in g if shape[d] != 1]
        loops = [i for i, n in enumerate(out_shape) if n != 1]
        return t if [got[d] for d in want] == loops else None

    def _buffer(self, v, kind, slot=None):
        b = self.buffers.get(v)
        if b is None:
            if kind == "tmp":
                name = f"t{self.n_tmp}"
                self.n_tmp += 1
            else:
                name = {"in": "a", "const": "c", "out": "o"}[kind] + str(slot)
            b = self.buffers[v] = K.Buffer(name, v.aval.shape, np.dtype(v.aval.dtype), kind, slot)
        return b

    def _materialized(self):
        m = set(self.jaxpr.invars) | set(self.jaxpr.constvars)
        m |= {v for v in self.jaxpr.outvars if type(v) is core.Var}
        for e in self.jaxpr.eqns:
            k = self.kinds[id(e)]
            if k not in FUSIBLE:
                m |= set(e.outvars)
                if k == "gemm":  # a reshaped operand is read in its source's buffer
                    m |= {self._layout_source(v) for v in e.invars if type(v) is core.Var}
                elif k != "reduction" and e.prim not in fused_operand_prims:
                    m |= {v for v in e.invars if type(v) is core.Var}
        for v, cons in self.consumers.items():
            if v in m or len(cons) < 2:
                continue
            e = self.producer[v]
            if self.kinds[id(e)] == "index" or e.prim in cheap_prims:
                continue
            # recomputing is cheaper than a round trip through memory when every consumer
            # reads v at its own loop index (elementwise of v's shape, or a reduction of v)
            same_loop = all((self.kinds[id(c)] == "elementwise" and c.outvars[0].aval.shape ==
                             v.aval.shape) or self.kinds[id(c)] == "reduction"
                            for c in cons)  # fmt: skip
            if not same_loop:
                m.add(v)
        return m

    def _layout_source(self, v):
        """The variable whose row-major data v is (through reshapes), or v."""
        while True:
            e = self.producer.get(v)
            if e is None or not _keeps_order(e) or type(e.invars[0]) is not core.Var:
                return v
            v = e.invars[0]

    # -- building expressions ------------------------------------------------------------------

    def _expr(self, v, index, ctx):
        if type(v) is core.Literal:
            return K.const(v.val, v.aval.dtype)
        key = (v, index.key)
        e = ctx["memo"].get(key)
        if e is not None:
            return e
        if v in self.materialized and v not in ctx["roots"]:
            buf = self.buffers[v]
            ctx["inputs"].setdefault(buf.name, buf)
            e = K.Expr("load", (buf, index.offset(buf.shape)), buf.dtype)
        else:
            e = self._eqn_expr(self.producer[v], index, ctx)
        ctx["memo"][key] = e
        return e

    def _eqn_expr(self, eqn, index, ctx):
        kind = self.kinds[id(eqn)]
        ctx["eqns"].setdefault(id(eqn), eqn.prim.name)
        in_avals = [v.aval for v in eqn.invars]
        out_aval = eqn.outvars[0].aval
        if kind == "elementwise":
            scalar = K.Index((), K.iconst(0))
            args = [self._expr(v, index if v.aval.shape else scalar, ctx) for v in eqn.invars]
            return elementwise_rules[eqn.prim](*args, **eqn.params)
        if kind == "index":
            idxs = index_rules[eqn.prim](index, in_avals, out_aval, **eqn.params)
            return self._expr(eqn.invars[0], idxs[0], ctx)
        if kind == "fused" and id(eqn) in self.outer:
            return self._outer_expr(eqn, index, ctx)
        if kind == "fused":

            def read(i, idx):
                return self._expr(eqn.invars[i], idx, ctx)

            return fused_rules[eqn.prim](read, index, in_avals, out_aval, **eqn.params)
        raise AssertionError(f"{eqn.prim} is not fusible")

    def _outer_expr(self, eqn, index, ctx):
        """lhs * rhs at the output index (batch, lhs free, rhs free) of a dot_general whose
        contraction has one element (its contracted axes are read at 0)."""
        lb, lf, rb, rf = self.outer[id(eqn)]
        dt = np.dtype(eqn.outvars[0].aval.dtype)
        nb, nl = len(lb), len(lf)
        vals = []
        for v, batch, free, off in ((eqn.invars[0], lb, lf, nb), (eqn.invars[1], rb, rf, nb + nl)):
            dims = [K.iconst(0)] * len(v.aval.shape)
            for i, d in enumerate(batch):
                dims[d] = index.dims[i]
            for i, d in enumerate(free):
                dims[d] = index.dims[off + i]
            x = self._expr(v, K.Index(dims), ctx)
            vals.append(x if x.dtype == dt else K.op("cast", x, dtype=dt))
        return K.op("mul", *vals)

    # -- steps -----------------------------------------------------------------------------------

    def _add_step(self, step):
        for b in step.inputs:
            s = self.step_of.get(b.name)
            if s is not None:
                self.consumed.add(id(s))
        for b in step.out_buffers:
            self.step_of[b.name] = step
        self.steps.append(step)

    def _leaves(self, eqn):
        """The materialized variables the fused tree of `eqn` reads."""
        out, stack, seen = set(), list(eqn.invars), set()
        while stack:
            v = stack.pop()
            if type(v) is not core.Var or v in seen:
                continue
            seen.add(v)
            if v in self.materialized:
                out.add(v)
            else:
                stack.extend(self.producer[v].invars)
        return out

    def _out_buffer(self, v):
        return self.buffers.get(v) or self._buffer(v, "tmp")

    def _loop_root(self, eqn):
        """A kernel for a materialized fusible value or a reduction."""
        v = eqn.outvars[0]
        out = self._out_buffer(v)
        if self.kinds[id(eqn)] == "reduction":
            x = eqn.invars[0]
            shape, axes, monoid = x.aval.shape, tuple(eqn.params["axes"]), reduction_rules[eqn.prim]
        else:
            shape, axes, monoid = v.aval.shape, (), None
        if monoid is not None and self._col_epilogue(eqn, out, x, shape, axes, monoid):
            return
        # loop order: kept axes outer, reduced axes inner; axes of one element get no loop (so
        # values that differ only by unit axes, as vmap makes them, share a loop signature)
        order = [d for d in range(len(shape)) if d not in axes and shape[d] != 1]
        n_kept = len(order)
        order += [d for d in axes if shape[d] != 1]
        loop_of = {d: K.loop_var(i) for i, d in enumerate(order)}
        full = K.Index([loop_of.get(d, K.iconst(0)) for d in range(len(shape))])
        kshape = tuple(shape[d] for d in order)
        sig = ("ew", kshape) if monoid is None else ("red", kshape, n_kept)
        last = self.steps[-1] if self.steps else None
        merge = isinstance(last, LoopStep) and last.sig == sig and id(last) not in self.consumed
        if merge:  # the new root must not read what the kernel writes (except as a unit-axis
            # reshape of one of its roots, which is recomputed at the same loop index)
            written = {b.name for b in last.out_buffers}
            bad = [u for u in self._leaves(eqn) if self.buffers[u].name in written]
            merge = not bad or (bad == [eqn.invars[0]] and _unit_reshape(eqn))
        if merge:
            ctx = last.ctx
        else:
            ctx = dict(memo={}, inputs={}, roots=set(), eqns={})
        ctx["roots"].add(v)
        if monoid is None:
            e = self._eqn_expr(eqn, full, ctx)
        else:
            ctx["eqns"].setdefault(id(eqn), eqn.prim.name)
            e = self._expr(x, full, ctx)
        if e.dtype != out.dtype:
            raise AssertionError(f"{eqn.prim} lowered to {e.dtype}, expected {out.dtype}")
        if merge:
            self.steps.pop()
            last.kernel.outputs.append((out, e, monoid))
            last.kernel.inputs = list(ctx["inputs"].values())
            last.kernel.eqn_names = list(ctx["eqns"].values())
            last.out_buffers = last.kernel.out_buffers
            last.inputs = last.kernel.inputs
            for b in last.out_buffers:
                self.step_of[b.name] = last
            self.steps.append(last)
            for b in last.inputs:
                s = self.step_of.get(b.name)
                if s is not None and s is not last:
                    self.consumed.add(id(s))
            return
        kern = K.LoopKernel(f"k{len(self.steps)}", kshape, tuple(range(n_kept, len(order))),
                            list(ctx["inputs"].values()), [(out, e, monoid)],
                            list(ctx["eqns"].values()))  # fmt: skip
        self._add_step(LoopStep(kern, sig, ctx))

    def _col_epilogue(self, eqn, out, x, shape, axes, monoid):
        """Joins a reduction over the leading axes of a value the last loop kernel computes (a
        column sum of a freshly computed matrix: a bias gradient) to that kernel as a column
        output; True if it did."""
        last = self.steps[-1] if self.steps else None
        if not self.col_epilogues or not isinstance(last, LoopStep) or last.sig[0] != "ew":
            return False
        if id(last) in self.consumed or type(x) is not core.Var or x not in last.ctx["roots"]:
            return False
        kshape = last.sig[1]
        nonunit = [d for d in range(len(shape)) if shape[d] != 1]
        red = [d for d in axes if shape[d] != 1]
        k = len(red)
        if tuple(shape[d] for d in nonunit) != kshape or k == 0 or red != nonunit[:k]:
            return False
        kern = last.kernel
        if k == len(kshape) or 0 in kshape or (kern.col_outputs and kern.col_axes != k):
            return False
        if int(np.prod(kshape)) >= COL_FUSE_MAX or int(np.prod(kshape[k:])) > COL_ROW_MAX:
            return False
        kern.col_outputs.append((out, self.buffers[x], monoid))
        kern.col_axes = k
        last.ctx["eqns"].setdefault(id(eqn), eqn.prim.name)
        kern.eqn_names = list(last.ctx["eqns"].values())
        last.out_buffers = kern.out_buffers
        self.step_of[out.name] = last
        return True

    def _gemm(self, eqn):
        dn = gemm_rules[eqn.prim]([v.aval for v in eqn.invars], eqn.outvars[0].aval, **eqn.params)
        lhs, rhs = eqn.invars
        out = eqn.outvars[0]
        dt = np.dtype(out.aval.dtype)
        if dn is None or not (lhs.aval.dtype == rhs.aval.dtype == dt) or dt.kind == "b":
            return self._callout(eqn)
        (lc, rc), (lb, rb) = dn
        lf = [d for d in range(lhs.aval.ndim) if d not in lc and d not in lb]
        rf = [d for d in range(rhs.aval.ndim) if d not in rc and d not in rb]
        if dt not in BLAS_DTYPES or type(lhs) is core.Literal or type(rhs) is core.Literal:
            return self._dot_loop(eqn, lc, rc, lb, rb, lf, rf)
        ls, rs = lhs.aval.shape, rhs.aval.shape
        size = lambda dims, s: int(np.prod([s[d] for d in dims], dtype=np.int64))  # noqa: E731
        batch, m, n, k = size(lb, ls), size(lf, ls), size(rf, rs), size(lc, ls)
        a, trans_a = self._gemm_operand(lhs, list(lb) + lf + list(lc), list(lb) + list(lc) + lf)
        b, trans_b = self._gemm_operand(rhs, list(rb) + list(rc) + rf, list(rb) + rf + list(rc))
        t = self.swapped.get(id(eqn))
        if t is not None:  # C^T = op(B)^T op(A)^T, written where the transpose's result goes
            c = self._out_buffer(t.outvars[0])
            step = K.GemmKernel(f"k{len(self.steps)}", b, a, c, batch, n, m, k, not trans_b,
                                not trans_a, k * n, m * k)  # fmt: skip
        else:
            c = self._out_buffer(out)
            step = K.GemmKernel(f"k{len(self.steps)}", a, b, c, batch, m, n, k, trans_a,
                                trans_b, m * k, k * n)  # fmt: skip
        self._add_step(step)

    def _gemm_operand(self, v, perm, perm_t):
        """The buffer holding v in layout `perm` (or `perm_t`, transposed): a transposing copy
        kernel if v's layout is neither."""
        ident = list(range(v.aval.ndim))
        buf = self.buffers.get(v) or self.buffers[self._layout_source(v)]
        if perm == ident:
            return buf, False
        if perm_t == ident:
            return buf, True
        shape = [v.aval.shape[d] for d in perm]
        tmp = K.Buffer(f"t{self.n_tmp}", shape, buf.dtype, "tmp")
        self.n_tmp += 1
        loops = [K.loop_var(i) for i in range(len(shape))]
        dims = [None] * len(perm)
        for i, d in enumerate(perm):
            dims[d] = loops[i]
        # (v.shape: buf may be the buffer of a reshape source, with the same row-major data)
        e = K.Expr("load", (buf, K.linearize(dims, v.aval.shape)), buf.dtype)
        kern = K.LoopKernel(f"k{len(self.steps)}", shape, (), [buf], [(tmp, e, None)],
                            ["transpose"])  # fmt: skip
        self._add_step(LoopStep(kern, ("copy",), None))
        return tmp, False

    def _dot_loop(self, eqn, lc, rc, lb, rb, lf, rf):
        """dot_general as a generated reduction loop over (batch, lhs free, rhs free, contract)."""
        lhs, rhs = eqn.invars
        out = self._out_buffer(eqn.outvars[0])
        ls, rs = lhs.aval.shape, rhs.aval.shape
        shape = [ls[d] for d in lb] + [ls[d] for d in lf] + [rs[d] for d in rf]
        shape += [ls[d] for d in lc]
        loops = [K.loop_var(i) for i in range(len(shape))]
        nb, nl, nr = len(lb), len(lf), len(rf)
        ldims, rdims = [None] * len(ls), [None] * len(rs)
        for i, d in enumerate(lb):
            ldims[d] = loops[i]
        for i, d in enumerate(rb):
            rdims[d] = loops[i]
        for i, d in enumerate(lf):
            ldims[d] = loops[nb + i]
        for i, d in enumerate(rf):
            rdims[d] = loops[nb + nl + i]
        for i, (dl, dr) in enumerate(zip(lc, rc)):
            ldims[dl] = rdims[dr] = loops[nb + nl + nr + i]
        ctx = dict(memo={}, inputs={}, roots=set(), eqns={})
        x = self._expr(lhs, K.Index(ldims), ctx)
        y = self._expr(rhs, K.Index(rdims), ctx)
        kern = K.LoopKernel(f"k{len(self.steps)}", shape,
                            tuple(range(nb + nl + nr, len(shape))), list(ctx["inputs"].values()),
                            [(out, K.op("mul", x, y), "add")], [eqn.prim.name])  # fmt: skip
        self._add_step(LoopStep(kern, ("dot",), None))

    def _callout(self, eqn):
        ops = []
        for v in eqn.invars:
            if type(v) is core.Literal:
                ops.append(v)
            else:
                ops.append(self.buffers[v])
        outs = [self._out_buffer(v) for v in eqn.outvars]
        self._add_step(K.CallOut(f"k{len(self.steps)}", eqn.prim, eqn.params, ops, outs,
                                 _callout_reason(eqn)))  # fmt: skip

    def run(self):
        for eqn in self.jaxpr.eqns:
            kind = self.kinds[id(eqn)]
            if id(eqn) in self.skip:  # written by the swapped GEMM it transposes
                continue
            if kind == "opaque":
                self._callout(eqn)
            elif kind == "gemm":
                self._gemm(eqn)
            elif kind == "control":
                control_rules[eqn.prim](self, eqn)
            elif kind == "reduction" or eqn.outvars[0] in self.materialized:
                self._loop_root(eqn)
        steps = [s.kernel if isinstance(s, LoopStep) else s for s in self.steps]
        for i, s in enumerate(steps):
            s.name = f"k{i}"
        out_sources = []
        for v in self.jaxpr.outvars:
            if type(v) is core.Literal:
                out_sources.append(("literal", v.val, v.aval))
            else:
                out_sources.append(("buffer", self.buffers[v], v.aval))
        return K.Program(self.name, self.inputs, self.consts, steps, out_sources)


def _keeps_order(eqn):
    rule = keeps_order_rules.get(eqn.prim)
    return rule is not None and rule(eqn)


def _unit_reshape(eqn):
    """Whether eqn only adds or removes axes of one element (the data keeps its order)."""
    if not _keeps_order(eqn):
        return False
    squeeze = lambda s: [n for n in s if n != 1]  # noqa: E731
    return squeeze(eqn.invars[0].aval.shape) == squeeze(eqn.outvars[0].aval.shape)


class LoopStep:
    """A loop kernel being built (fusion-time wrapper: its loop signature and memo)."""

    def __init__(self, kernel, sig, ctx):
        self.kernel, self.sig, self.ctx = kernel, sig, ctx
        self.inputs, self.out_buffers = kernel.inputs, kernel.out_buffers


def fuse(jaxpr, consts, name="fun", col_epilogues=False):
    """A Kernel IR Program for a (flat, optimized) jaxpr; `col_epilogues`: column reductions
    may join the loop that produces their operand (LoopKernel.col_outputs; the CPU target)."""
    return _Fuser(jaxpr, consts, name, col_epilogues).run()
