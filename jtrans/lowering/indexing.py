"""Native lowerings of the indexing family: dynamic_slice, dynamic_update_slice and gather as
fused index maps with data-dependent offsets; scatter, cumulative reductions and argmax/argmin as
native steps with their own loop structure.

Index maps read their start indices from a buffer (or a fused expression) inside the loop, clamp
them into bounds as XLA does (start in [0, n - size]), and load the operand at start + offset; a
FILL_OR_DROP gather selects its fill value where a start is out of bounds. They fuse with their
producers and consumers like any other index map.

The steps (`ScatterStep`, `ScanAxisStep`, `ArgStep`) are Kernel IR steps outside the loop-kernel
form: each renders into one LLVM function of its own whose arguments are its buffers, and is
called from the entry or from a control-flow body the same way (it provides `render` for the
entry, `emit` for a body, `check` and `pp_lines` for the checker and printer). Their scalar
expressions are ordinary Kernel IR expressions of loop variables; the functions here only set
up the loops around them.

This module knows no primitive: jtrans/lax/lowerings.py registers these rules under theirs.
"""

import numpy as np

from . import fastir as ir
from . import kernel as K

I64 = K.I64

# ---------------------------------------------------------------------------------------------
# index helpers


def _isub(a, b):
    if b.is_const(0):
        return a
    return K.Expr("sub", (a, b), I64)


def _as_index(e):
    """An integer scalar expression as an int64 index."""
    return e if e.dtype == I64 else K.Expr("cast", (e,), I64)


def _clamp(e, lo, hi):
    """lo <= e <= hi (Python ints, lo <= hi)."""
    if e.is_const():
        return K.iconst(min(max(e.args[0], lo), hi))
    return K.op("min", K.op("max", e, K.iconst(lo)), K.iconst(hi))


def _or(a, b):
    return b if a is None else K.op("or", a, b)


def _and(a, b):
    return b if a is None else K.op("and", a, b)


def _out_of(e, lo, hi):
    """e < lo or e > hi, as a bool expression."""
    return K.op("or", K.op("lt", e, K.iconst(lo)), K.op("gt", e, K.iconst(hi)))


_SCALAR = K.Index((), K.iconst(0))


def _start(read, i):
    return _as_index(read(i, _SCALAR))


def default_fill(dtype):
    """The FILL_OR_DROP gather's fill value when none is given: NaN, True, or the integer
    extreme (min for signed, max for unsigned)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "b":
        return True
    info = np.iinfo(dtype)
    return info.min if dtype.kind == "i" else info.max


def _is_fill(mode):
    return getattr(mode, "value", mode) == "fill"


# ---------------------------------------------------------------------------------------------
# fused rules: rule(read, idx, in_avals, out_aval, **params) -> Expr (fusion.fused_rules)


def dynamic_slice_rule(read, idx, in_avals, out_aval, slice_sizes):
    """out[i] = x[clamp(start) + i]; starts are operands 1..rank."""
    x = in_avals[0]
    dims = []
    for d, (i, n, k) in enumerate(zip(idx.dims, x.shape, slice_sizes)):
        if k == n:  # the start clamps to 0
            dims.append(i)
        else:
            dims.append(K.iadd(_clamp(_start(read, 1 + d), 0, n - k), i))
    return read(0, K.Index(dims))


def dynamic_update_slice_rule(read, idx, in_avals, out_aval):
    """out[i] = update[i - start] inside the (clamped) window, x[i] elsewhere."""
    x, u = in_avals[:2]
    if any(k == 0 for k in u.shape):
        return read(0, idx)
    inside, udims = None, []
    for d, (i, n, k) in enumerate(zip(idx.dims, x.shape, u.shape)):
        if k == n:
            udims.append(i)
            continue
        rel = _isub(i, _clamp(_start(read, 2 + d), 0, n - k))
        inside = _and(inside, K.op("not", _out_of(rel, 0, k - 1)))
        udims.append(_clamp(rel, 0, k - 1))
    v = read(1, K.Index(udims))
    if inside is None:
        return v
    return K.Expr("select", (inside, v, read(0, idx)), v.dtype)


def _window_starts(read_index, x_shape, win, index_map, obd, ibd, batch_dims, fill):
    """Per operand axis, the clamped start of the window and (FILL_OR_DROP) the out-of-bounds
    condition: index_map[k] is the operand axis of entry k of the index vector, read with
    `read_index(k)`; operand batching axes obd[j] start at batch index batch_dims[ibd[j]]."""
    starts, oob = [], None
    for d, (n, k) in enumerate(zip(x_shape, win)):
        if d in index_map:
            s = _as_index(read_index(index_map.index(d)))
            if fill:
                oob = _or(oob, _out_of(s, 0, n - k))
            starts.append(_clamp(s, 0, max(n - k, 0)))
        elif d in obd:
            starts.append(batch_dims[ibd[obd.index(d)]])
        else:
            starts.append(K.iconst(0))
    return starts, oob


def gather_rule(read, idx, in_avals, out_aval, *, dimension_numbers, slice_sizes, mode,
                fill_value, indices_are_sorted=False, unique_indices=False):  # fmt: skip
    """Any gather: the output index splits into batch positions (which index vector) and
    offset positions (where in the window); the operand index is window start + offset."""
    x = in_avals[0]
    dn = dimension_numbers
    batch = [idx.dims[p] for p in range(out_aval.ndim) if p not in dn.offset_dims]
    dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    kept = [d for d in range(x.ndim) if d not in dropped]
    offset = {d: idx.dims[p] for d, p in zip(kept, dn.offset_dims)}
    fill = _is_fill(mode)

    def read_index(k):
        return read(1, K.Index(list(batch) + [K.iconst(k)]))

    starts, oob = _window_starts(read_index, x.shape, slice_sizes, list(dn.start_index_map),
                                 list(dn.operand_batching_dims),
                                 list(dn.start_indices_batching_dims), batch, fill)  # fmt: skip
    dims = [K.iadd(s, offset.get(d, K.iconst(0))) for d, s in enumerate(starts)]
    v = read(0, K.Index(dims))
    if oob is None:
        return v
    fv = default_fill(x.dtype) if fill_value is None else fill_value
    return K.Expr("select", (oob, K.const(fv, v.dtype), v), v.dtype)


# ---------------------------------------------------------------------------------------------
# native steps: their own loop nests around Kernel IR expressions


class NativeStep:
    """Base of the steps here. `inputs` are the buffers its expressions load, `out_buffers`
    what it writes; a subclass lists its expressions in `exprs` (name, Expr) and emits its
    loops in `body(r)`, with `r` a llvm.Renderer positioned in the step's own function."""

    op = "native"

    def __init__(self, name, inputs, outputs, exprs, eqn_names):
        self.name, self.inputs, self.out_buffers = name, list(inputs), list(outputs)
        self.exprs, self.eqn_names = list(exprs), list(eqn_names)

    # the checker and printer (kernel.check_program / pp_kernel call these)

    def check(self):
        allowed = {b.name for b in self.inputs}
        seen = set()
        for _, e in self.exprs:
            K._check_expr(e, allowed, seen)

    def pp_lines(self):
        ins = ", ".join(map(repr, self.inputs))
        outs = ", ".join(map(repr, self.out_buffers))
        lines = [f"{self.op} {self.name} {self.header()} ({ins}) -> ({outs})"]
        if self.eqn_names:
            lines.append(f"  # fuses: {' '.join(self.eqn_names)}")
        return lines + _pp_exprs(self.exprs)

    # code generation: from the entry (llvm.Renderer.entry) or from a control-flow body

    def render(self, r, addr, ext_t):
        fn = self.function(r)
        r.b.call(fn, [addr(x) for x in self.inputs + self.out_buffers])

    def emit(self, em, addr):
        self.render(em.r, addr, em.ext_t)

    def function(self, r):
        """Renders the step's function; the renderer's builder state is restored after."""
        saved = {k: getattr(r, k) for k in ("b", "fn", "args", "memo", "loop_vals")
                 if hasattr(r, k)}  # fmt: skip
        try:
            bufs = self.inputs + self.out_buffers
            fnty = ir.FunctionType(ir.VoidType(), [_ptr] * len(bufs))
            fn = r.fn = ir.Function(r.module, fnty, self.name)
            fn.linkage = "internal"
            fn.attributes.add("noinline")
            fn.attributes.add("nounwind")
            for a in fn.args:
                a.add_attribute("noalias")
            r.args = {b.name: a for b, a in zip(bufs, fn.args)}
            r.b = ir.IRBuilder(fn.append_basic_block("entry"))
            r.memo, r.loop_vals = {}, []
            self.body(r)
            r.b.ret_void()
            return fn
        finally:
            for k, v in saved.items():
                setattr(r, k, v)

    def nest(self, r, shape, body, first=0):
        """Loops over `shape` whose variables are loop_var(first), loop_var(first + 1)...;
        `body()` runs innermost with a fresh expression memo."""
        vals = r.loop_vals

        def rec(k):
            if k == len(shape):
                r.loop_vals = vals
                r.memo = {}
                body()
                return
            with r.for_range(shape[k], f"{self.name}.i{first + k}") as i:
                del vals[first + k :]
                vals.append(i)
                rec(k + 1)

        del vals[first:]
        rec(0)


_ptr = ir.PointerType(ir.IntType(8))


def _pp_exprs(named):
    """Printer lines for expressions named by role (as pp_kernel prints a loop kernel)."""
    lines, names = [], {}

    def name(e):
        if e.op == "const":
            v = e.args[0]
            return f"{v}:{e.dtype.name}" if e.dtype != I64 else str(v)
        if e.op == "var":
            return f"i{e.args[0]}"
        if e in names:
            return names[e]
        if e.op == "load":
            rhs = f"{e.args[0].name}[{name(e.args[1])}]"
        else:
            rhs = f"{e.op} " + ", ".join(name(a) if type(a) is K.Expr else repr(a) for a in e.args)
        n = names[e] = f"%{len(names)}"
        lines.append(f"  {n}:{e.dtype.name} = {rhs}")
        return n

    for role, e in named:
        lines.append(f"  {role} = {name(e)}")
    return lines


def _store(r, buf, off, val):
    """buf[off] = val with `off` an LLVM int64 value."""
    from .llvm import llvm_type

    b = r.b
    if buf.dtype == K.BOOL:
        val = b.zext(val, ir.IntType(8))
    p = b.gep(b.bitcast(r.args[buf.name], llvm_type(buf.dtype, True).as_pointer()), [off])
    b.store(val, p)


def _load(r, buf, off):
    from .llvm import llvm_type

    b = r.b
    p = b.gep(b.bitcast(r.args[buf.name], llvm_type(buf.dtype, True).as_pointer()), [off])
    v = b.load(p)
    return b.icmp_unsigned("!=", v, ir.IntType(8)(0)) if buf.dtype == K.BOOL else v


def _combine(r, monoid, dt, acc, x):
    if dt == K.BOOL:
        monoid = {"add": "or", "mul": "and"}.get(monoid, monoid)
    return r.combine(monoid, dt, acc, x)


class ScatterStep(NativeStep):
    """out = operand, then for each update (in the order of the impl: index vectors outer,
    window inner) out[target] = combine(out[target], update), or = update for a plain scatter;
    `valid` (FILL_OR_DROP) skips updates whose window is out of bounds. The init loop runs over
    the operand's shape, the update loop over `loop_shape`; both are loop_var-indexed."""

    op = "scatter"

    def __init__(self, name, inputs, out, init, loop_shape, target, update, valid, combine,
                 eqn_names):  # fmt: skip
        exprs = [("init", init), ("target", target), ("update", update)]
        if valid is not None:
            exprs.append(("valid", valid))
        super().__init__(name, inputs, [out], exprs, eqn_names)
        self.out, self.init, self.loop_shape = out, init, tuple(loop_shape)
        self.target, self.update, self.valid, self.combine = target, update, valid, combine

    def header(self):
        how = "=" if self.combine is None else f"{self.combine}="
        return f"loop[{','.join(map(str, self.loop_shape))}] {self.out.name}[target] {how} update"

    def check(self):
        super().check()
        if self.init.dtype != self.out.dtype or self.update.dtype != self.out.dtype:
            raise K.KernelIRError(f"{self.name}: scatter of {self.update.dtype} into {self.out}")
        if self.target.dtype != I64 or (self.valid is not None and self.valid.dtype != K.BOOL):
            raise K.KernelIRError(f"{self.name}: bad target or valid expression")

    def body(self, r):
        out = self.out
        shape = out.shape
        n = len(shape)
        if all(shape):

            def init():
                off = K.linearize([K.loop_var(k) for k in range(n)], shape)
                _store(r, out, r.emit(off), r.emit(self.init))

            self.nest(r, shape, init)
        if not all(self.loop_shape) or not all(shape):
            return

        def update():
            b = r.b
            if self.valid is not None:
                with b.if_then(r.emit(self.valid)):
                    self._update(r)
            else:
                self._update(r)

        self.nest(r, self.loop_shape, update)

    def _update(self, r):
        off = r.emit(self.target)
        val = r.emit(self.update)
        if self.combine is not None:
            val = _combine(r, self.combine, self.out.dtype, _load(r, self.out, off), val)
        _store(r, self.out, off, val)


# ---------------------------------------------------------------------------------------------
# fusion: step rules (fusion.control_rules[prim] = rule(fuser, eqn)); operands are materialized
# buffers (or literals), read through the fuser's expressions


def _ctx():
    return {"memo": {}, "inputs": {}, "roots": set(), "eqns": {}}


def scatter_rule(combine):
    """The rule of a scatter whose updates combine with `combine` (a monoid; None: replace)."""

    def rule(fz, eqn):
        operand, indices, updates = eqn.invars
        p = eqn.params
        dn = p["dimension_numbers"]
        x, u = operand.aval, updates.aval
        out = fz._out_buffer(eqn.outvars[0])
        ctx = _ctx()
        init = fz._expr(operand, K.Index([K.loop_var(k) for k in range(x.ndim)]), ctx)
        # loops: the scatter (index vector) axes of the updates outer, their window axes inner
        wdims = list(dn.update_window_dims)
        sdims = [d for d in range(u.ndim) if d not in wdims]
        order = sdims + wdims
        loop_of = {d: K.loop_var(k) for k, d in enumerate(order)}
        upd = fz._expr(updates, K.Index([loop_of[d] for d in range(u.ndim)]), ctx)
        batch = [loop_of[d] for d in sdims]
        dropped = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
        kept = [d for d in range(x.ndim) if d not in dropped]
        win = [1] * x.ndim
        offset = {}
        for d, w in zip(kept, wdims):
            win[d] = u.shape[w]
            offset[d] = loop_of[w]

        def read_index(k):
            return fz._expr(indices, K.Index(list(batch) + [K.iconst(k)]), ctx)

        fill = _is_fill(p["mode"])
        starts, oob = _window_starts(read_index, x.shape, win,
                                     list(dn.scatter_dims_to_operand_dims),
                                     list(dn.operand_batching_dims),
                                     list(dn.scatter_indices_batching_dims), batch, fill)  # fmt: skip
        dims = [K.iadd(s, offset.get(d, K.iconst(0))) for d, s in enumerate(starts)]
        target = K.linearize(dims, x.shape)
        valid = None if oob is None else K.op("not", oob)
        step = ScatterStep(f"k{len(fz.steps)}", list(ctx["inputs"].values()), out, init,
                           [u.shape[d] for d in order], target, upd, valid, combine,
                           [eqn.prim.name, *ctx["eqns"].values()])  # fmt: skip
        fz._add_step(step)

    return rule


# ---------------------------------------------------------------------------------------------
# cumulative reductions and argmax/argmin: sequential loops along one axis


def _axis_loops(shape, axis, reverse=False):
    """The operand index for loops over the other axes (loop vars 0..r-2, in order) and, innermost
    (loop var r-1), the axis itself, counted from the end when `reverse`."""
    r = len(shape)
    outer = [d for d in range(r) if d != axis]
    dims = [None] * r
    for k, d in enumerate(outer):
        dims[d] = K.loop_var(k)
    j = K.loop_var(r - 1)
    dims[axis] = _isub(K.iconst(shape[axis] - 1), j) if reverse else j
    return dims, [shape[d] for d in outer]


class CumulativeStep(NativeStep):
    """out[..., t, ...] = x[..., 0, ...] (+) ... (+) x[..., t, ...] along `axis` (from the end
    when reversed), for a monoid (+); float16 accumulates in float32 as the impl does."""

    op = "cumulative"

    def __init__(self, name, inputs, out, x, axis, reverse, monoid, eqn_names):
        super().__init__(name, inputs, [out], [("x", x)], eqn_names)
        self.out, self.x, self.axis, self.reverse, self.monoid = out, x, axis, reverse, monoid

    def header(self):
        rev = " reverse" if self.reverse else ""
        return (
            f"{self.monoid} along axis {self.axis}{rev} of [{','.join(map(str, self.out.shape))}]"
        )

    def check(self):
        super().check()
        if self.x.dtype != self.out.dtype or self.monoid not in K.MONOIDS:
            raise K.KernelIRError(f"{self.name}: bad cumulative {self.monoid} of {self.x.dtype}")

    def body(self, r):
        from .llvm import _identity, llvm_type

        shape, axis = self.out.shape, self.axis
        if not all(shape):
            return
        dt = self.out.dtype
        adt = np.dtype(np.float32) if dt == np.float16 else dt
        b = r.b
        with b.goto_entry_block():
            acc = b.alloca(llvm_type(adt), name="acc")
        # the output index is the operand's
        out_dims, outer = _axis_loops(shape, axis, self.reverse)
        off = K.linearize(out_dims, shape)

        def outer_body():
            r.b.store(_identity(self.monoid, adt), acc)

            def inner():
                x = r.convert(r.emit(self.x), dt, adt)
                v = _combine(r, self.monoid, adt, r.b.load(acc), x)
                r.b.store(v, acc)
                _store(r, self.out, r.emit(off), r.convert(v, adt, dt))

            self.nest(r, [shape[axis]], inner, first=len(outer))

        self.nest(r, outer, outer_body)


class ArgStep(NativeStep):
    """The first index of the maximum (`kind` "max") or minimum along `axis`; NaN counts as the
    extremum (its first occurrence wins)."""

    op = "arg"

    def __init__(self, name, inputs, out, x, shape, axis, kind, eqn_names):
        super().__init__(name, inputs, [out], [("x", x)], eqn_names)
        self.out, self.x, self.shape, self.axis, self.kind = out, x, tuple(shape), axis, kind

    def header(self):
        return f"arg{self.kind} along axis {self.axis} of [{','.join(map(str, self.shape))}]"

    def check(self):
        super().check()
        if self.out.dtype.kind not in "iu" or self.shape[self.axis] == 0:
            raise K.KernelIRError(f"{self.name}: bad arg{self.kind}")

    def body(self, r):
        from .llvm import llvm_type

        shape, axis = self.shape, self.axis
        if not all(shape):
            return
        dt = self.x.dtype
        i64 = ir.IntType(64)
        b = r.b
        with b.goto_entry_block():
            best = b.alloca(llvm_type(dt), name="best")
            where = b.alloca(i64, name="where")
        n_outer = len(shape) - 1
        off = K.linearize([K.loop_var(k) for k in range(n_outer)], self.out.shape)

        def outer_body():
            b = r.b
            r.loop_vals = r.loop_vals[:n_outer] + [i64(0)]
            r.memo = {}
            b.store(r.emit(self.x), best)
            b.store(i64(0), where)

            def inner():
                b = r.b
                x, cur = r.emit(self.x), b.load(best)
                sym = ">" if self.kind == "max" else "<"
                if dt.kind == "f":
                    better = b.or_(b.fcmp_ordered(sym, x, cur), b.fcmp_unordered("uno", x, x))
                    better = b.and_(better, b.fcmp_ordered("ord", cur, cur))
                elif dt.kind == "i":
                    better = b.icmp_signed(sym, x, cur)
                else:
                    better = b.icmp_unsigned(sym, x, cur)
                b.store(b.select(better, x, cur), best)
                b.store(b.select(better, r.loop_vals[n_outer], b.load(where)), where)

            self.nest(r, [shape[axis]], inner, first=n_outer)
            b = r.b
            r.loop_vals = r.loop_vals[:n_outer]
            r.memo = {}
            idx = r.convert(b.load(where), I64, self.out.dtype)
            _store(r, self.out, r.emit(off), idx)

        self.nest(r, [shape[d] for d in range(len(shape)) if d != axis], outer_body)


def cumulative_rule(monoid):
    def rule(fz, eqn):
        (x,) = eqn.invars
        axis, reverse = eqn.params["axis"], eqn.params["reverse"]
        shape = x.aval.shape
        ctx = _ctx()
        dims, _ = _axis_loops(shape, axis, reverse)
        e = fz._expr(x, K.Index(dims), ctx)
        out = fz._out_buffer(eqn.outvars[0])
        step = CumulativeStep(f"k{len(fz.steps)}", list(ctx["inputs"].values()), out, e, axis,
                              reverse, monoid, [eqn.prim.name, *ctx["eqns"].values()])  # fmt: skip
        fz._add_step(step)

    return rule


def arg_rule(kind):
    def rule(fz, eqn):
        (x,) = eqn.invars
        axis = eqn.params["axes"][0]
        shape = x.aval.shape
        ctx = _ctx()
        dims, _ = _axis_loops(shape, axis)
        e = fz._expr(x, K.Index(dims), ctx)
        out = fz._out_buffer(eqn.outvars[0])
        step = ArgStep(f"k{len(fz.steps)}", list(ctx["inputs"].values()), out, e, shape, axis,
                       kind, [eqn.prim.name, *ctx["eqns"].values()])  # fmt: skip
        fz._add_step(step)

    return rule


# ---------------------------------------------------------------------------------------------
# reduce_window (pooling): one reduction loop kernel over (output axes, window axes)


def reduce_window_rule(monoid, fill):
    """fill(dtype): the value of padding and dilation holes (the monoid's identity)."""

    def rule(fz, eqn):
        from .fusion import LoopStep

        (x,) = eqn.invars
        p = eqn.params
        xs, out_shape = x.aval.shape, eqn.outvars[0].aval.shape
        win = p["window_dimensions"]
        nd = len(xs)
        o = [K.loop_var(k) for k in range(nd)]
        w = [K.loop_var(nd + k) for k in range(nd)]
        ok, dims = None, []
        for d in range(nd):
            lo = p["padding"][d][0]
            bd, n = p["base_dilation"][d], xs[d]
            # position in the dilated (unpadded) operand
            q = K.iadd(K.iadd(K.imul(o[d], p["window_strides"][d]),
                              K.imul(w[d], p["window_dilation"][d])), K.iconst(-lo))  # fmt: skip
            span = 0 if n == 0 else (n - 1) * bd + 1
            q_max = (out_shape[d] - 1) * p["window_strides"][d]
            q_max += (win[d] - 1) * p["window_dilation"][d] - lo
            if bd == 1 and lo <= 0 and q_max <= span - 1:  # always inside
                dims.append(q)
                continue
            cond = K.op("not", _out_of(q, 0, span - 1))
            if bd > 1:
                qc = K.op("max", q, K.iconst(0))
                on_grid = K.op("eq", K.Expr("rem", (qc, K.iconst(bd)), I64), K.iconst(0))
                cond = K.op("and", cond, on_grid)
                q = K.Expr("div", (qc, K.iconst(bd)), I64)
            ok = _and(ok, cond)
            dims.append(_clamp(q, 0, max(n - 1, 0)))
        out = fz._out_buffer(eqn.outvars[0])
        dt = out.dtype
        ctx = _ctx()
        shape = list(out_shape) + list(win)
        if all(xs):
            v = fz._expr(x, K.Index(dims), ctx)
            if ok is not None:
                v = K.Expr("select", (ok, v, K.const(fill(dt), dt)), dt)
        else:
            v = K.const(fill(dt), dt)
        kern = K.LoopKernel(f"k{len(fz.steps)}", shape, tuple(range(nd, 2 * nd)),
                            list(ctx["inputs"].values()), [(out, v, monoid)],
                            [eqn.prim.name, *ctx["eqns"].values()])  # fmt: skip
        fz._add_step(LoopStep(kern, ("window",), None))

    return rule


def max_identity(dt):
    dt = np.dtype(dt)
    if dt.kind == "b":
        return False
    return -np.inf if dt.kind == "f" else np.iinfo(dt).min


def min_identity(dt):
    dt = np.dtype(dt)
    if dt.kind == "b":
        return True
    return np.inf if dt.kind == "f" else np.iinfo(dt).max


# ---------------------------------------------------------------------------------------------
# cumlogsumexp: a sequential loop like the cumulative reductions, combining with logaddexp


class LogAddExpStep(CumulativeStep):
    """out[t] = log(exp(x[0]) + ... + exp(x[t])) along `axis`, accumulated as
    acc = max(acc, x) + log1p(exp(-|acc - x|)) (np.logaddexp: equal infinities stay, NaN
    propagates); float16 accumulates in float32."""

    op = "cumlogsumexp"

    def __init__(self, name, inputs, out, x, axis, reverse, eqn_names):
        super().__init__(name, inputs, out, x, axis, reverse, "add", eqn_names)

    def header(self):
        rev = " reverse" if self.reverse else ""
        return f"logaddexp along axis {self.axis}{rev} of [{','.join(map(str, self.out.shape))}]"

    def check(self):
        NativeStep.check(self)
        if self.x.dtype != self.out.dtype or self.x.dtype.kind != "f":
            raise K.KernelIRError(f"{self.name}: bad cumlogsumexp of {self.x.dtype}")

    def body(self, r):
        from .llvm import llvm_type

        shape, axis = self.out.shape, self.axis
        if not all(shape):
            return
        dt = self.out.dtype
        adt = np.dtype(np.float32) if dt == np.float16 else dt
        ty = llvm_type(adt)
        b = r.b
        with b.goto_entry_block():
            acc = b.alloca(ty, name="acc")
        out_dims, outer = _axis_loops(shape, axis, self.reverse)
        off = K.linearize(out_dims, shape)

        def outer_body():
            r.b.store(ir.Constant(ty, -np.inf), acc)

            def inner():
                b = r.b
                x = r.convert(r.emit(self.x), dt, adt)
                a = b.load(acc)
                m = r.binary("max", adt, a, x)
                d = b.fneg(r.unary("abs", adt, b.fsub(a, x)))
                v = b.fadd(m, r.unary("log1p", adt, r.unary("exp", adt, d)))
                same_inf = b.and_(b.fcmp_ordered("==", a, x),
                                  b.fcmp_ordered("==", r.unary("abs", adt, a),
                                                 ir.Constant(ty, np.inf)))  # fmt: skip
                v = b.select(same_inf, a, v)
                b.store(v, acc)
                _store(r, self.out, r.emit(off), r.convert(v, adt, dt))

            self.nest(r, [shape[axis]], inner, first=len(outer))

        self.nest(r, outer, outer_body)


def cumlogsumexp_rule(fz, eqn):
    (x,) = eqn.invars
    axis, reverse = eqn.params["axis"], eqn.params["reverse"]
    ctx = _ctx()
    dims, _ = _axis_loops(x.aval.shape, axis, reverse)
    e = fz._expr(x, K.Index(dims), ctx)
    out = fz._out_buffer(eqn.outvars[0])
    step = LogAddExpStep(f"k{len(fz.steps)}", list(ctx["inputs"].values()), out, e, axis,
                         reverse, [eqn.prim.name, *ctx["eqns"].values()])  # fmt: skip
    fz._add_step(step)
