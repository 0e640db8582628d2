"""Native lowerings of convolution and of the max-pool derivatives.

conv_general_dilated becomes GEMMs over patches (im2col): a loop kernel writes the patch matrix
(an index map of the operand: strides, padding, lhs and rhs dilation as index arithmetic and
selects of zero, any layout), another the weight matrix, and one BLAS GemmKernel per conv (batched
over the groups) multiplies them. The GEMM's form is picked so that its result is the output
buffer itself when the output layout allows:
- "cols" (output N, C, spatial...; one group): C[n] = W (O, Cg*K) @ P[n] (Cg*K, positions);
- "rows" (output N, spatial..., C; one group): C = P (N*positions, Cg*K) @ W^T;
otherwise the rows form batched over groups and a permuting (and converting) copy kernel.
Integer convolutions and depthwise ones (one input channel per group) are one reduction loop
kernel over (output, Cg, window) instead.

select_and_gather_add / select_and_scatter_add (the max-pool JVP and transpose) are native
steps: a loop over output windows keeps the first extremum of x (NaN counts as the extremum, as
np.argmax does) and gathers t there, or adds s into the output there.

This module knows no primitive: jtrans/lax/lowerings.py registers these rules under theirs.
"""

import numpy as np

from .. import core
from . import fastir as ir
from . import kernel as K
from .indexing import NativeStep, _and, _clamp, _load, _out_of, _store

I64 = K.I64
F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
BLAS_DTYPES = {F32, F64}


def _ctx():
    return {"memo": {}, "inputs": {}, "roots": set(), "eqns": {}}


def _tmp(fz, shape, dtype):
    buf = K.Buffer(f"t{fz.n_tmp}", shape, np.dtype(dtype), "tmp")
    fz.n_tmp += 1
    return buf


def _loop(fz, shape, inputs, out, e, eqn_names, reduce_axes=(), monoid=None):
    from .fusion import LoopStep

    kern = K.LoopKernel(f"k{len(fz.steps)}", shape, reduce_axes, list(inputs),
                        [(out, e, monoid)], list(eqn_names))  # fmt: skip
    fz._add_step(LoopStep(kern, ("native",), None))


def _window_pos(o, w, stride, wdil, lo, n, bdil):
    """The operand index of window element w at output position o along one axis (int64
    expressions), and when it may fall in padding or a dilation hole, the condition that it
    does not (None: always inside)."""
    q = K.iadd(K.iadd(K.imul(o, stride), K.imul(w, wdil)), K.iconst(-lo))
    span = 0 if n == 0 else (n - 1) * bdil + 1
    if q.is_const():
        qv = q.args[0]
        if 0 <= qv < span and qv % bdil == 0:
            return K.iconst(qv // bdil), None
    cond = K.op("not", _out_of(q, 0, span - 1))
    if bdil > 1:
        qc = K.op("max", q, K.iconst(0))
        cond = K.op("and", cond, K.op("eq", K.Expr("rem", (qc, K.iconst(bdil)), I64), K.iconst(0)))
        q = K.Expr("div", (qc, K.iconst(bdil)), I64)
    return _clamp(q, 0, max(n - 1, 0)), cond


def _always_inside(out_n, k, stride, wdil, lo, n, bdil):
    q_max = (out_n - 1) * stride + (k - 1) * wdil - lo
    return bdil == 1 and lo <= 0 and q_max <= n - 1


def _place(spec, canon):
    dims = [None] * len(spec)
    for k, d in enumerate(spec):
        dims[d] = canon[k]
    return dims


# ---------------------------------------------------------------------------------------------
# conv_general_dilated


class _Conv:
    """The geometry of one conv eqn in canonical order, and readers of its operands."""

    def __init__(self, fz, eqn):
        self.fz, self.eqn = fz, eqn
        p = self.p = eqn.params
        lhs, rhs = eqn.invars
        self.lhs, self.rhs = lhs, rhs
        self.ls, self.rs, self.os = p["dimension_numbers"]
        xs = [lhs.aval.shape[d] for d in self.ls]
        ws = [rhs.aval.shape[d] for d in self.rs]
        out = eqn.outvars[0].aval
        self.out_shape = out.shape
        osh = [out.shape[d] for d in self.os]
        self.n, self.c = xs[:2]
        self.o = ws[0]
        self.xsp, self.ksp, self.sp = xs[2:], ws[2:], osh[2:]
        self.nd = len(xs)
        self.g, self.bg = p["feature_group_count"], p["batch_group_count"]
        self.G = self.g * self.bg
        self.nb, self.og, self.cg = self.n // self.bg, self.o // self.G, self.c // self.g
        self.kk = int(np.prod(self.ksp, dtype=np.int64))
        self.npos = int(np.prod(self.sp, dtype=np.int64))
        self.out_dt = np.dtype(out.dtype)
        self.work = F32 if self.out_dt == F16 else self.out_dt

    def x(self, ctx, gi, ni, ci, ps, ks):
        """lhs[batch(gi, ni), feature(gi, ci), position] in the work dtype, 0 in padding."""
        if 0 in self.lhs.aval.shape:
            return K.const(0, self.work)
        batch = K.iadd(K.imul(gi, self.nb), ni) if self.bg > 1 else ni
        feat = K.iadd(K.imul(gi, self.cg), ci) if self.g > 1 else ci
        p = self.p
        ok, dims = None, []
        for d in range(len(self.sp)):
            lo = p["padding"][d][0]
            args = (p["window_strides"][d], p["rhs_dilation"][d], lo, self.xsp[d],
                    p["lhs_dilation"][d])  # fmt: skip
            if _always_inside(self.sp[d], self.ksp[d], *args):
                dims.append(K.iadd(K.iadd(K.imul(ps[d], args[0]), K.imul(ks[d], args[1])),
                                   K.iconst(-lo)))  # fmt: skip
                continue
            q, cond = _window_pos(ps[d], ks[d], *args)
            dims.append(q)
            ok = ok if cond is None else _and(ok, cond)
        v = self.fz._expr(self.lhs, K.Index(_place(self.ls, [batch, feat, *dims])), ctx)
        v = K.Expr("cast", (v,), self.work) if v.dtype != self.work else v
        return v if ok is None else K.Expr("select", (ok, v, K.const(0, self.work)), self.work)

    def w(self, ctx, o, ci, ks):
        v = self.fz._expr(self.rhs, K.Index(_place(self.rs, [o, ci, *ks])), ctx)
        return K.Expr("cast", (v,), self.work) if v.dtype != self.work else v

    def names(self, ctx):
        return [self.eqn.prim.name, *ctx["eqns"].values()]


def conv_rule(fz, eqn):
    cv = _Conv(fz, eqn)
    out = fz._out_buffer(eqn.outvars[0])
    if out.nbytes == 0:
        return
    if cv.cg * cv.kk == 0:
        _loop(fz, out.shape, [], out, K.const(0, out.dtype), [eqn.prim.name])
        return
    if cv.work not in BLAS_DTYPES or (cv.cg == 1 and cv.G > 1 and cv.work == cv.out_dt):
        return _conv_direct(fz, cv, out)
    return _conv_gemm(fz, cv, out)


def _conv_direct(fz, cv, out):
    """One reduction loop kernel: output axes in memory order outer, (Cg, window) inner."""
    nd, ns = cv.nd, len(cv.sp)
    loops = [K.loop_var(k) for k in range(nd + 1 + ns)]
    canon = [None] * nd  # output loop var by canonical axis
    for j in range(nd):
        canon[cv.os.index(j)] = loops[j]
    ni, o = canon[0], canon[1]
    gi = K.idiv(o, cv.og) if cv.G > 1 else K.iconst(0)
    ci, ks = loops[nd], loops[nd + 1 :]
    ctx = _ctx()
    x = cv.x(ctx, gi, ni, ci, canon[2:], ks)
    w = cv.w(ctx, o, ci, ks)
    e = K.op("mul", x, w)
    if e.dtype != out.dtype:
        e = K.Expr("cast", (e,), out.dtype)
    shape = list(out.shape) + [cv.cg] + list(cv.ksp)
    _loop(fz, shape, ctx["inputs"].values(), out, e, cv.names(ctx),
          tuple(range(nd, len(shape))), "add")  # fmt: skip


def _conv_gemm(fz, cv, out):
    nd, ns = cv.nd, len(cv.sp)
    G, K_ = cv.G, cv.cg * cv.kk
    ident = tuple(range(nd))
    nhwc = (0, nd - 1) + tuple(range(1, nd - 1))
    direct = cv.out_dt == cv.work
    form = "cols" if G == 1 and cv.os == ident else "rows"
    gaxis = [G] if G > 1 else []

    def gvar(loops):
        return (loops[0], loops[1:]) if G > 1 else (K.iconst(0), loops)

    # the weight matrix (G, Og, Cg, window...) = canonical rhs; used in place when it is
    rhs = cv.rhs
    if (cv.rs == ident and type(rhs) is core.Var and rhs in fz.materialized
            and np.dtype(rhs.aval.dtype) == cv.work):  # fmt: skip
        wbuf = fz.buffers[rhs]
    else:
        wshape = gaxis + [cv.og, cv.cg] + list(cv.ksp)
        loops = [K.loop_var(k) for k in range(len(wshape))]
        gi, rest = gvar(loops)
        o = K.iadd(K.imul(gi, cv.og), rest[0]) if G > 1 else rest[0]
        ctx = _ctx()
        e = cv.w(ctx, o, rest[1], rest[2:])
        wbuf = _tmp(fz, wshape, cv.work)
        _loop(fz, wshape, ctx["inputs"].values(), wbuf, e, ["weights"] + cv.names(ctx)[1:])
    # the patch matrix
    if form == "rows":
        pshape = gaxis + [cv.nb] + list(cv.sp) + [cv.cg] + list(cv.ksp)
        loops = [K.loop_var(k) for k in range(len(pshape))]
        gi, rest = gvar(loops)
        ni, ps, ci, ks = rest[0], rest[1 : 1 + ns], rest[1 + ns], rest[2 + ns :]
    else:
        pshape = [cv.nb, cv.cg] + list(cv.ksp) + list(cv.sp)
        loops = [K.loop_var(k) for k in range(len(pshape))]
        gi, ni, ci = K.iconst(0), loops[0], loops[1]
        ks, ps = loops[2 : 2 + ns], loops[2 + ns :]
    ctx = _ctx()
    e = cv.x(ctx, gi, ni, ci, ps, ks)
    pbuf = _tmp(fz, pshape, cv.work)
    _loop(fz, pshape, ctx["inputs"].values(), pbuf, e, ["patches"] + cv.names(ctx)[1:])
    # the GEMM
    name = f"k{len(fz.steps)}"
    if form == "cols":
        cbuf = out if direct else _tmp(fz, [cv.nb, cv.o, cv.npos], cv.work)
        step = K.GemmKernel(name, wbuf, pbuf, cbuf, cv.nb, cv.o, cv.npos, K_, False, False, 0,
                            K_ * cv.npos)  # fmt: skip
    else:
        m = cv.nb * cv.npos
        in_place = direct and G == 1 and cv.os == nhwc
        cbuf = out if in_place else _tmp(fz, [G, m, cv.og], cv.work)
        step = K.GemmKernel(name, pbuf, wbuf, cbuf, G, m, cv.og, K_, False, True, m * K_,
                            cv.og * K_)  # fmt: skip
    fz._add_step(step)
    if cbuf is out:
        return
    # permute (and convert) into the output layout
    loops = [K.loop_var(k) for k in range(nd)]
    canon = [None] * nd
    for j in range(nd):
        canon[cv.os.index(j)] = loops[j]
    ni, o, ps = canon[0], canon[1], canon[2:]
    p = K.linearize(ps, cv.sp)
    if form == "cols":
        off = K.iadd(K.imul(K.iadd(K.imul(ni, cv.o), o), cv.npos), p)
    else:
        gi, ogi = (K.idiv(o, cv.og), K.imod(o, cv.og)) if G > 1 else (K.iconst(0), o)
        row = K.iadd(K.imul(K.iadd(K.imul(gi, cv.nb), ni), cv.npos), p)
        off = K.iadd(K.imul(row, cv.og), ogi)
    e = K.Expr("load", (cbuf, off), cbuf.dtype)
    if e.dtype != out.dtype:
        e = K.Expr("cast", (e,), out.dtype)
    _loop(fz, out.shape, [cbuf], out, e, ["conv_layout"])


# ---------------------------------------------------------------------------------------------
# select_and_gather_add / select_and_scatter_add


class WindowSelectStep(NativeStep):
    """For each output window (loop vars 0..r-1 over `win_out`), the first window element
    (loop vars r..2r-1 over `window`) where `x` is largest (or smallest) among those where
    `ok` holds (padding counts as the identity `fill`, so a window of padding picks its first
    element). gather: out[window] = t at that element (0 in padding). scatter: out = 0, then
    out[target at that element] += s[window] when the element is not padding."""

    op = "window_select"

    def __init__(self, name, inputs, out, kind, mode, win_out, window, x, ok, val, target, fill,
                 eqn_names):  # fmt: skip
        exprs = [("x", x), ("val", val)]
        if ok is not None:
            exprs.append(("ok", ok))
        if target is not None:
            exprs.append(("target", target))
        super().__init__(name, inputs, [out], exprs, eqn_names)
        self.out, self.kind, self.mode = out, kind, mode
        self.win_out, self.window = tuple(win_out), tuple(window)
        self.x, self.ok, self.val, self.target, self.fill = x, ok, val, target, fill

    def header(self):
        return (f"{self.mode} at arg{self.kind} of windows [{','.join(map(str, self.window))}]"
                f" over [{','.join(map(str, self.win_out))}]")  # fmt: skip

    def check(self):
        super().check()
        if self.val.dtype != self.out.dtype:
            raise K.KernelIRError(f"{self.name}: {self.val.dtype} into {self.out}")

    def body(self, r):
        from .llvm import llvm_type

        b = r.b
        xdt, odt = self.x.dtype, self.out.dtype
        i1 = ir.IntType(1)
        i64 = ir.IntType(64)
        with b.goto_entry_block():
            best = b.alloca(llvm_type(xdt), name="best")
            have = b.alloca(llvm_type(odt), name="pick")
            where = b.alloca(i64, name="where")
            valid = b.alloca(i1, name="valid")
        nw = len(self.win_out)
        if self.mode == "scatter" and self.out.nbytes:

            def zero():
                off = K.linearize([K.loop_var(k) for k in range(len(self.out.shape))],
                                  self.out.shape)  # fmt: skip
                _store(r, self.out, r.emit(off), r.emit(K.const(0, odt)))

            self.nest(r, self.out.shape, zero)
        if not all(self.win_out):
            return
        xfill = r.emit(K.const(self.fill, xdt))

        def outer():
            b = r.b
            outer_vals = list(r.loop_vals[:nw])
            b.store(xfill, best)
            b.store(r.emit(K.const(0, odt)), have)
            b.store(i64(-1), where)
            b.store(i1(0), valid)

            def inner():
                b = r.b
                x = r.emit(self.x)
                ok = r.emit(self.ok) if self.ok is not None else i1(1)
                x = b.select(ok, x, xfill)
                cur = b.load(best)
                sym = ">" if self.kind == "max" else "<"
                if xdt.kind == "f":
                    better = b.or_(b.fcmp_ordered(sym, x, cur), b.fcmp_unordered("uno", x, x))
                    better = b.and_(better, b.fcmp_ordered("ord", cur, cur))
                elif xdt.kind == "i":
                    better = b.icmp_signed(sym, x, cur)
                else:
                    better = b.icmp_unsigned(sym, x, cur)
                # the first element is taken unconditionally (where < 0)
                old = b.load(where)
                better = b.or_(better, b.icmp_signed("<", old, i64(0)))
                b.store(b.select(better, x, cur), best)
                b.store(b.select(better, ok, b.load(valid)), valid)
                if self.mode == "gather":
                    b.store(b.select(better, i64(0), old), where)
                    v = b.select(ok, r.emit(self.val), r.emit(K.const(0, odt)))
                    b.store(b.select(better, v, b.load(have)), have)
                else:
                    b.store(b.select(better, r.emit(self.target), old), where)

            self.nest(r, self.window, inner, first=nw)
            b = r.b
            r.loop_vals = outer_vals
            r.memo = {}
            if self.mode == "gather":
                off = K.linearize([K.loop_var(k) for k in range(nw)], self.win_out)
                _store(r, self.out, r.emit(off), b.load(have))
            else:
                with b.if_then(b.load(valid)):
                    t = b.load(where)
                    v = r.combine("add", odt, _load(r, self.out, t), r.emit(self.val))
                    _store(r, self.out, t, v)

        self.nest(r, self.win_out, outer)


def window_select_rule(mode):
    """The rule of select_and_gather_add (mode "gather") or select_and_scatter_add."""

    def rule(fz, eqn):
        from .indexing import max_identity, min_identity

        tv, xv = eqn.invars
        p = eqn.params
        kind = p["select_prim"]
        xs = xv.aval.shape
        win = p["window_dimensions"]
        nd = len(xs)
        out = fz._out_buffer(eqn.outvars[0])
        win_out = eqn.outvars[0].aval.shape if mode == "gather" else tv.aval.shape
        o = [K.loop_var(k) for k in range(nd)]
        w = [K.loop_var(nd + k) for k in range(nd)]
        ok, dims = None, []
        for d in range(nd):
            args = (p["window_strides"][d], p["window_dilation"][d], p["padding"][d][0], xs[d],
                    p["base_dilation"][d])  # fmt: skip
            q, cond = _window_pos(o[d], w[d], *args)
            dims.append(q)
            ok = ok if cond is None else _and(ok, cond)
        ctx = _ctx()
        xdt = np.dtype(xv.aval.dtype)
        fill = (max_identity if kind == "max" else min_identity)(xdt)
        if 0 in xs:
            x = K.const(fill, xdt)
            ok = K.const(False, K.BOOL)
        else:
            x = fz._expr(xv, K.Index(dims), ctx)
        target = None
        if mode == "gather":
            val = K.const(0, out.dtype) if 0 in xs else fz._expr(tv, K.Index(dims), ctx)
        else:
            val = fz._expr(tv, K.Index(o), ctx)
            target = K.linearize(dims, xs)
        step = WindowSelectStep(f"k{len(fz.steps)}", list(ctx["inputs"].values()), out, kind,
                                mode, win_out, win, x, ok, val, target, fill,
                                [eqn.prim.name, *ctx["eqns"].values()])  # fmt: skip
        fz._add_step(step)

    return rule
