"""Kernel IR -> LLVM IR through the llvmlite builder.

One module per executable: a function per loop or GEMM kernel (noalias buffer arguments, loops
with a contiguous innermost axis so the loop vectoriser can widen them) and one entry function
`i32 entry(ptr bufs, ptr ext)` that runs every step in order. `bufs` holds the argument, result
and constant buffer addresses and the workspace base (temporaries are at fixed offsets in it);
`ext` holds addresses that vary between processes: [call-out callback, sgemm, dgemm]. A call-out
returns nonzero on a Python error, and the entry returns that code at once.
"""

import os

import numpy as np

from . import fastir as ir
from . import kernel as K
from . import mathlib
from .gemm_plan import gemm_epilogues, gemm_split

i1, i8, i32, i64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
f16, f32, f64 = ir.HalfType(), ir.FloatType(), ir.DoubleType()
ptr = ir.PointerType(i8)


def llvm_type(dtype, in_memory=False):
    dtype = np.dtype(dtype)
    if dtype == K.BOOL:
        return i8 if in_memory else i1
    if dtype.kind in "iu":
        return ir.IntType(dtype.itemsize * 8)
    return {2: f16, 4: f32, 8: f64}[dtype.itemsize]


def _is_float(dt):
    return dt.kind == "f"


# libm names for functions LLVM has no intrinsic for (float32 adds "f")
_LIBM = {"tan": "tan", "asin": "asin", "acos": "acos", "atan": "atan", "sinh": "sinh",
         "cosh": "cosh", "asinh": "asinh", "acosh": "acosh", "atanh": "atanh", "cbrt": "cbrt",
         "erfc": "erfc", "lgamma": "lgamma", "atan2": "atan2", "nextafter": "nextafter"}  # fmt: skip
# loop kernels with at least this many iterations run in chunks on the thread pool
PARALLEL_MIN_ELEMENTS = 1 << 17
PARALLEL_MIN_CHUNK = 1 << 14
PARALLEL_MAX_CHUNKS = 16
# loop kernels of at most this many iterations are compiled for size (no vectorisation): they run
# in microseconds either way, and each vectorised copy of an inlined exp or log costs ~2 ms of
# compile time (benchmarks/NOTES.md)
SMALL_KERNEL = 2048
# the innermost loop of an elementwise kernel is emitted unrolled when its extent is at most
# this (and the kernel is not compiled for size): a short contiguous row ([.., 128, 10] outer
# products of per-example gradients) then becomes whole vector stores (SLP) instead of a
# scalar loop of 10 that the loop vectoriser cannot widen
UNROLL_INNER_MAX = 16
UNROLL_INNER_NODES = int(
    os.environ.get("XNODES", 512)
)  # at most this many expression nodes in all the unrolled copies
# the module global holding the address of the thread pool's parallel_for (cpu.pool_address)
PARALLEL_FOR_GLOBAL = "jt_parallel_for_fn"
# the module global holding the address of the process-wide GEMM routine (cpu.gemm_address)
GEMM_GLOBAL = "jt_gemm_fn"
# the fields of a GEMM descriptor (an i64 array: a module's constant template, completed by the
# process-wide routine jt_gemm_t): buffer and
# function addresses, sizes, flags (split: -1 one serial call sequence, 0 chunks of batch
# entries, 1 of rows, 2 of columns of C)
GEMM_DESC = ("a", "b", "c", "gemm", "batch", "m", "n", "k", "trans_a", "trans_b", "a_bstride",
             "b_bstride", "f64", "split", "n_chunks", "set_threads", "parallel_for", "epi",
             "epi_ctx")  # fmt: skip
# ops with an inline vectorisable approximation in mathlib (others use intrinsics or libm)
_INTRINSIC = {"sqrt": "llvm.sqrt", "floor": "llvm.floor", "ceil": "llvm.ceil",
              "round_even": "llvm.roundeven", "pow": "llvm.pow", "exp2": "llvm.exp2"}  # fmt: skip


class Renderer:
    def __init__(self, module_name="jtrans"):
        self.module = ir.Module(module_name)
        self.module.gemm_dtypes = set()  # those whose own GEMM kernels it calls (cpu.use_own_gemm)
        self.math = mathlib.MathLib(self.module)

    def intrinsic(self, name, ty, nargs=1):
        full = f"{name}.{'f16' if ty == f16 else 'f32' if ty == f32 else 'f64'}"
        fn = self.module.globals.get(full)
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(ty, [ty] * nargs), full)
        return fn

    def libm(self, name, ty, nargs=1):
        full = _LIBM[name] + ("f" if ty == f32 else "")
        fn = self.module.globals.get(full)
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(ty, [ty] * nargs), full)
        return fn

    # -- loop kernels ----------------------------------------------------------------------------

    _range0 = None  # (lo, hi) of the first loop of the nest being emitted (a chunk)
    _range1 = None  # (lo, hi) of the second loop (a block of a GEMM epilogue)
    _cols = None  # column outputs' accumulators while a kernel with col_outputs is emitted
    _partials = None  # {output name: slot pointer} for a chunk of a full reduction

    def loop_kernel(self, kern):
        """The kernel's function (one pointer argument per input and output buffer). Large
        kernels are cut along their first loop into chunks run by the thread pool: a chunk of
        an elementwise or partial-reduction kernel writes its own rows; a chunk of a full
        reduction writes partial accumulators, combined in chunk order afterwards (so results
        do not depend on the number of threads)."""
        bufs = kern.inputs + kern.out_buffers
        n_outer = len(kern.shape) - len(kern.reduce_axes)
        n_chunks = self._loop_chunks(kern)
        full_red = n_chunks > 1 and n_outer == 0
        chunk = self._loop_chunk(kern, n_chunks, full_red) if n_chunks > 1 else None
        fnty = ir.FunctionType(ir.VoidType(), [ptr] * len(bufs))
        fn = ir.Function(self.module, fnty, kern.name)
        fn.linkage = "internal"
        fn.attributes.add("noinline")
        fn.attributes.add("nounwind")
        if int(np.prod(kern.shape, dtype=np.int64)) <= SMALL_KERNEL:  # compile time matters more
            fn.attributes.add("minsize")
            fn.attributes.add("optsize")
        for a in fn.args:
            a.add_attribute("noalias")
        self.args = {b.name: a for b, a in zip(bufs, fn.args)}
        b = self.b = ir.IRBuilder(fn.append_basic_block("entry"))
        self.fn = fn
        if any(d == 0 for i, d in enumerate(kern.shape) if i not in kern.reduce_axes):
            b.ret_void()
            return fn
        if chunk is not None:
            self._run_chunks(kern, fn, chunk, n_chunks, full_red)
            b.ret_void()
            return fn
        loop_vars = []
        self._cols = self._col_init(kern) if kern.col_outputs else None
        self._reduction_nest(kern, n_outer, loop_vars)
        if self._cols is not None:
            self._col_finish(kern)
        b.ret_void()
        return fn

    def _col_init(self, kern):
        """Column outputs: a row of accumulators per output (one per position of the loops
        after the first `col_axes`), set to the monoid's identity before the loop nest."""
        b = self.b
        width = int(np.prod(kern.shape[kern.col_axes :], dtype=np.int64))
        accs = []
        with b.goto_entry_block():
            for buf, _, monoid in kern.col_outputs:
                accs.append(b.alloca(llvm_type(_acc_dtype(monoid, buf.dtype)), width, name="cols"))
        with self.for_range(width, "c.init") as j:
            for acc, (buf, _, monoid) in zip(accs, kern.col_outputs):
                b.store(_identity(monoid, _acc_dtype(monoid, buf.dtype)), b.gep(acc, [j]))
        src = {buf.name: e for buf, e, _ in kern.outputs}
        return [(acc, src[s.name], buf, monoid) for acc, (buf, s, monoid) in
                zip(accs, kern.col_outputs)]  # fmt: skip

    def _col_update(self, kern):
        """In the loop body: combines each column output's source value into its accumulator."""
        b = self.b
        k = kern.col_axes
        j = self.emit(K.linearize([K.loop_var(i) for i in range(k, len(kern.shape))],
                                  kern.shape[k:]))  # fmt: skip
        for acc, e, buf, monoid in self._cols:
            adt = _acc_dtype(monoid, buf.dtype)
            p = b.gep(acc, [j])
            b.store(
                self.combine(monoid, adt, b.load(p), self.convert(self.emit(e), e.dtype, adt)), p
            )

    def _col_finish(self, kern):
        b = self.b
        width = int(np.prod(kern.shape[kern.col_axes :], dtype=np.int64))
        with self.for_range(width, "c.out") as j:
            for acc, _, buf, monoid in self._cols:
                adt = _acc_dtype(monoid, buf.dtype)
                p = b.gep(b.bitcast(self.args[buf.name], llvm_type(buf.dtype, True).as_pointer()),
                          [j])  # fmt: skip
                b.store(self.convert(b.load(b.gep(acc, [j])), adt, buf.dtype), p)
        self._cols = None

    def _loop_chunks(self, kern):
        """How many chunks the kernel's first loop is cut into (1: run it whole)."""
        size = int(np.prod(kern.shape, dtype=np.int64))
        if size < PARALLEL_MIN_ELEMENTS or not kern.shape or kern.col_outputs:
            return 1
        if kern.reduce_axes and any(m not in ("add", "mul", "max", "min", "and", "or")
                                    for _, _, m in kern.outputs):  # fmt: skip
            return 1
        return int(min(kern.shape[0], PARALLEL_MAX_CHUNKS, size // PARALLEL_MIN_CHUNK))

    def _loop_chunk(self, kern, n_chunks, full_red):
        """fn(ctx, i): rows [i d / n, (i + 1) d / n) of the kernel's first loop (d its length);
        ctx holds the buffer addresses, then (full reductions) one partials array per output."""
        bufs = kern.inputs + kern.out_buffers
        fn = ir.Function(self.module, ir.FunctionType(ir.VoidType(), [ptr, i64]),
                         f"{kern.name}_chunk")  # fmt: skip
        fn.linkage = "internal"
        fn.attributes.add("nounwind")
        ctx, ci = fn.args
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        pp = b.bitcast(ctx, ptr.as_pointer())
        ptrs = [b.load(b.gep(pp, [i32(k)])) for k in range(len(bufs))]
        d = kern.shape[0]
        lo = b.sdiv(b.mul(ci, i64(d)), i64(n_chunks))
        hi = b.sdiv(b.mul(b.add(ci, i64(1)), i64(d)), i64(n_chunks))
        parts = []
        if full_red:
            for k, (buf, _, monoid) in enumerate(kern.outputs):
                aty = llvm_type(_acc_dtype(monoid, buf.dtype))
                base = b.bitcast(b.load(b.gep(pp, [i32(len(bufs) + k)])), aty.as_pointer())
                parts.append(b.bitcast(b.gep(base, [ci]), ptr))
        rows = self._ranged_body(kern, f"{kern.name}_rows", len(parts), 1)
        b.call(rows, ptrs + parts + [lo, hi])
        b.ret_void()
        b = self.b
        if full_red:
            self._partials = {}
            for k, (buf, _, monoid) in enumerate(kern.outputs):
                aty = llvm_type(_acc_dtype(monoid, buf.dtype))
                self._partials[buf.name] = b.bitcast(rows.args[len(bufs) + k], aty.as_pointer())
        n_outer = len(kern.shape) - len(kern.reduce_axes)
        loop_vars = []
        self._reduction_nest(kern, n_outer, loop_vars)
        self._range0 = self._partials = None
        b.ret_void()
        return fn

    def _ranged_body(self, kern, name, n_parts, n_ranges):
        """A function (buffers, n_parts pointers, then (lo, hi) for each of the first n_ranges
        loops) whose buffer pointers are noalias (as the kernel's own arguments are: its outputs
        never overlap its inputs), always inlined into its caller, so the loops need no runtime
        overlap checks and loads hoist out of them; rendering continues in its body, with
        self._range0 / _range1 set."""
        bufs = kern.inputs + kern.out_buffers
        fnty = ir.FunctionType(ir.VoidType(), [ptr] * (len(bufs) + n_parts) + [i64] * 2 * n_ranges)
        body = ir.Function(self.module, fnty, name)
        body.linkage = "internal"
        body.attributes.add("alwaysinline")
        body.attributes.add("nounwind")
        for a in body.args[: len(bufs)]:
            a.add_attribute("noalias")
        self.fn = body
        self.b = ir.IRBuilder(body.append_basic_block("entry"))
        self.args = {buf.name: a for buf, a in zip(bufs, body.args)}
        ranges = body.args[len(body.args) - 2 * n_ranges :]
        self._range0 = tuple(ranges[:2])
        if n_ranges > 1:
            self._range1 = tuple(ranges[2:4])
        return body

    def gemm_epilogue(self, kern):
        """fn(ctx, i0, i1, j0, j1): the 2-D elementwise kernel `kern` on rows [i0, i1) and
        columns [j0, j1), run by the GEMM routine after each block of the product it follows
        (`gemm_epilogues`); ctx holds the kernel's buffer addresses (inputs, then outputs)."""
        bufs = kern.inputs + kern.out_buffers
        fn = ir.Function(self.module, ir.FunctionType(ir.VoidType(), [ptr] + [i64] * 4),
                         f"{kern.name}_block")  # fmt: skip
        fn.linkage = "internal"
        fn.attributes.add("nounwind")
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        pp = b.bitcast(fn.args[0], ptr.as_pointer())
        ptrs = [b.load(b.gep(pp, [i32(k)])) for k in range(len(bufs))]
        tile = self._ranged_body(kern, f"{kern.name}_tile", 0, 2)
        b.call(tile, ptrs + list(fn.args[1:]))
        b.ret_void()
        self._reduction_nest(kern, len(kern.shape), [])
        self._range0 = self._range1 = None
        self.b.ret_void()
        return fn

    def _run_chunks(self, kern, fn, chunk, n_chunks, full_red):
        b = self.b
        bufs = kern.inputs + kern.out_buffers
        ctx = b.alloca(ptr, len(bufs) + (len(kern.outputs) if full_red else 0))
        for k, a in enumerate(fn.args):
            b.store(a, b.gep(ctx, [i32(k)]))
        parts = []
        if full_red:
            for k, (buf, _, monoid) in enumerate(kern.outputs):
                adt = _acc_dtype(monoid, buf.dtype)
                arr = b.alloca(llvm_type(adt), n_chunks)
                parts.append((arr, adt))
                b.store(b.bitcast(arr, ptr), b.gep(ctx, [i32(len(bufs) + k)]))
        ctx_p = b.bitcast(ctx, ptr)
        pf = b.load(self._global_ptr(PARALLEL_FOR_GLOBAL))
        with b.if_else(b.icmp_unsigned("!=", pf, ir.Constant(ptr, None))) as (then, other):
            with then:
                pfty = ir.FunctionType(ir.VoidType(), [chunk.type, ptr, i64]).as_pointer()
                b.call(b.bitcast(pf, pfty), [chunk, ctx_p, i64(n_chunks)])
            with other:
                with self.for_range(n_chunks, "chunk") as ci:
                    b.call(chunk, [ctx_p, ci])
        for (arr, adt), (buf, _, monoid) in zip(parts, kern.outputs):
            acc = b.load(b.gep(arr, [i32(0)]))
            for k in range(1, n_chunks):
                acc = self.combine(monoid, adt, acc, b.load(b.gep(arr, [i32(k)])))
            self.store(buf, K.iconst(0), self.convert(acc, adt, buf.dtype))

    def _nest(self, shape, loop_vars, body, unroll_last=False):
        if not shape:
            body()
            return
        if unroll_last and len(shape) == 1 and (loop_vars or self._range0 is None):
            # copies of the body with a constant index; "row": each output's row is stored as
            # one vector (a loop with vector-typed values is left alone by the loop vectoriser,
            # which would otherwise widen the outer loop into scatters; the backend splits the
            # row into whole-register stores)
            self._row = {} if unroll_last == "row" else None
            for k in range(shape[0]):
                loop_vars.append(i64(k))
                body()
                loop_vars.pop()
            rows, self._row = self._row or {}, None
            b = self.b
            for buf, (off, vals) in rows.items():
                vty = ir.VectorType(vals[0].type, len(vals))
                vec = ir.Constant(vty, [0] * len(vals))
                for k, v in enumerate(vals):
                    vec = b.insert_element(vec, v, i32(k))
                p = b.gep(b.bitcast(self.args[buf.name], llvm_type(buf.dtype, True).as_pointer()),
                          [off])  # fmt: skip
                b.store(vec, b.bitcast(p, vty.as_pointer()), align=buf.dtype.itemsize)
            return
        if not loop_vars and self._range0 is not None:  # the first loop of a chunk
            (lo, hi), self._range0 = self._range0, None
            with self.for_range(hi, f"i{len(loop_vars)}", start=lo) as i:
                loop_vars.append(i)
                self._nest(shape[1:], loop_vars, body, unroll_last)
                loop_vars.pop()
            return
        if len(loop_vars) == 1 and self._range1 is not None:  # a GEMM epilogue's columns
            (lo, hi), self._range1 = self._range1, None
            with self.for_range(hi, "i1", start=lo) as i:
                loop_vars.append(i)
                self._nest(shape[1:], loop_vars, body, unroll_last)
                loop_vars.pop()
            return
        with self.for_range(shape[0], f"i{len(loop_vars)}") as i:
            loop_vars.append(i)
            self._nest(shape[1:], loop_vars, body, unroll_last)
            loop_vars.pop()

    def for_range(self, n, name, start=None):
        renderer = self
        n = i64(n) if not isinstance(n, ir.Value) else n
        start = i64(0) if start is None else start

        class _Loop:
            def __enter__(self_):
                b = renderer.b
                pre = b.block
                self_.head = renderer.fn.append_basic_block(f"{name}.head")
                body = renderer.fn.append_basic_block(f"{name}.body")
                self_.exit = renderer.fn.append_basic_block(f"{name}.exit")
                b.branch(self_.head)
                b.position_at_end(self_.head)
                self_.i = b.phi(i64, name=name)
                self_.i.add_incoming(start, pre)
                b.cbranch(b.icmp_signed("<", self_.i, n), body, self_.exit)
                b.position_at_end(body)
                return self_.i

            def __exit__(self_, *exc):
                b = renderer.b
                nxt = b.add(self_.i, i64(1), name=f"{name}.next", flags=("nuw", "nsw"))
                self_.i.add_incoming(nxt, b.block)
                b.branch(self_.head)
                b.position_at_end(self_.exit)

        return _Loop()

    def _reduction_nest(self, kern, n_outer, loop_vars):
        if _rows_last(kern, n_outer):  # column-style reduction: a row of accumulators
            self._nest(
                kern.shape[: n_outer - 1], loop_vars, lambda: self._rows_body(kern, loop_vars)
            )
        else:
            self._nest(
                kern.shape[:n_outer],
                loop_vars,
                lambda: self._outer_body(kern, loop_vars),
                not kern.reduce_axes and _unroll_inner(kern),
            )

    def _rows_body(self, kern, outer_vars):
        """A reduction whose last kept axis is the contiguous one in memory (a column sum):
        for each value of the other kept axes, one accumulator per position j of the last kept
        axis; the reduced axes loop outside a j loop, so the j loop reads memory contiguously
        and vectorises (each accumulator still combines its values in the reduced axes' order)."""
        b = self.b
        n_outer = len(kern.shape) - len(kern.reduce_axes)
        width = kern.shape[n_outer - 1]
        lo, hi = (i64(0), i64(width)) if self._range0 is None else self._range0
        self._range0 = None
        accs = []
        with b.goto_entry_block():
            for buf, _, monoid in kern.outputs:
                accs.append(b.alloca(llvm_type(_acc_dtype(monoid, buf.dtype)), width, name="accs"))
        with self.for_range(hi, "j.init", start=lo) as j:
            for acc, (buf, _, monoid) in zip(accs, kern.outputs):
                b.store(_identity(monoid, _acc_dtype(monoid, buf.dtype)), b.gep(acc, [j]))
        inner_vars = []

        def inner():
            with self.for_range(hi, "j", start=lo) as j:
                self.loop_vals = list(outer_vars) + [j] + list(inner_vars)
                self.memo = {}
                for acc, (buf, e, monoid) in zip(accs, kern.outputs):
                    adt = _acc_dtype(monoid, buf.dtype)
                    x = self.convert(self.emit(e), e.dtype, adt)
                    p = b.gep(acc, [j])
                    b.store(self.combine(monoid, adt, b.load(p), x), p)

        self._nest(kern.shape[n_outer:], inner_vars, inner)
        off = K.linearize([K.loop_var(i) for i in range(n_outer)], kern.shape[:n_outer])
        with self.for_range(hi, "j.out", start=lo) as j:
            self.loop_vals = list(outer_vars) + [j]
            self.memo = {}
            for acc, (buf, _, monoid) in zip(accs, kern.outputs):
                adt = _acc_dtype(monoid, buf.dtype)
                self.store(buf, off, self.convert(b.load(b.gep(acc, [j])), adt, buf.dtype))

    def _outer_body(self, kern, outer_vars):
        b = self.b
        if not kern.reduce_axes:
            self.loop_vals = list(outer_vars)
            self.memo = {}
            for buf, e, _ in kern.outputs:
                self.store(buf, K.linearize([K.loop_var(i) for i in range(len(kern.shape))],
                                            kern.shape), self.emit(e))  # fmt: skip
            if self._cols is not None:
                self._col_update(kern)
            return
        accs = []
        with b.goto_entry_block():
            for buf, e, monoid in kern.outputs:
                accs.append(b.alloca(llvm_type(_acc_dtype(monoid, buf.dtype)), name="acc"))
        for acc, (buf, e, monoid) in zip(accs, kern.outputs):
            b.store(_identity(monoid, _acc_dtype(monoid, buf.dtype)), acc)
        n_outer = len(outer_vars)
        inner_vars = []

        def inner():
            self.loop_vals = list(outer_vars) + list(inner_vars)
            self.memo = {}
            for acc, (buf, e, monoid) in zip(accs, kern.outputs):
                adt = _acc_dtype(monoid, buf.dtype)
                x = self.convert(self.emit(e), e.dtype, adt)
                b.store(self.combine(monoid, adt, b.load(acc), x), acc)

        self._nest(kern.shape[n_outer:], inner_vars, inner, _unroll_inner(kern))
        self.loop_vals = list(outer_vars)
        out_shape = kern.shape[:n_outer]
        off = K.linearize([K.loop_var(i) for i in range(n_outer)], out_shape)
        self.memo = {}
        for acc, (buf, e, monoid) in zip(accs, kern.outputs):
            adt = _acc_dtype(monoid, buf.dtype)
            if self._partials is not None:  # a chunk of a full reduction: its partial result
                b.store(b.load(acc), self._partials[buf.name])
                continue
            self.store(buf, off, self.convert(b.load(acc), adt, buf.dtype))

    def combine(self, monoid, dt, a, x):
        b = self.b
        if monoid == "add":
            return b.fadd(a, x, flags=("reassoc", "nsz")) if _is_float(dt) else b.add(a, x)
        if monoid == "mul":
            return b.fmul(a, x, flags=("reassoc", "nsz")) if _is_float(dt) else b.mul(a, x)
        return self.binary(monoid, dt, a, x)

    _row = None  # {buffer: (offset of the row, values)} while an unrolled row is emitted

    def store(self, buf, off, val):
        b = self.b
        off = self.emit(off)
        if buf.dtype == K.BOOL:
            val = b.zext(val, i8)
        if self._row is not None:
            self._row.setdefault(buf, (off, []))[1].append(val)
            return
        p = b.gep(b.bitcast(self.args[buf.name], llvm_type(buf.dtype, True).as_pointer()), [off])
        b.store(val, p)

    # -- expressions -------------------------------------------------------------------------------

    def emit(self, e):
        v = self.memo.get(e)
        if v is None:
            v = self.memo[e] = self._emit(e)
        return v

    def _emit(self, e):
        b, dt, opn = self.b, e.dtype, e.op
        if opn == "const":
            val = e.args[0]
            ty = llvm_type(dt)
            if dt.kind in "iub":
                return _iconst(ty, int(val))
            return ir.Constant(ty, float(val))
        if opn == "var":
            return self.loop_vals[e.args[0]]
        if opn == "load":
            buf, off = e.args
            p = b.gep(b.bitcast(self.args[buf.name], llvm_type(dt, True).as_pointer()),
                      [self.emit(off)])  # fmt: skip
            v = b.load(p)
            return b.icmp_unsigned("!=", v, i8(0)) if dt == K.BOOL else v
        args = [self.emit(a) if type(a) is K.Expr else a for a in e.args]
        if opn == "cast":
            return self.convert(args[0], e.args[0].dtype, dt)
        if opn == "select":
            return b.select(*args)
        in_dt = e.args[0].dtype
        if opn in K.COMPARE:
            return self.compare(opn, in_dt, *args)
        if in_dt == np.float16 and opn not in ("neg", "abs", "add", "sub", "mul", "div", "max",
                                               "min", "sign", "is_finite", "square"):  # fmt: skip
            wide = [b.fpext(a, f32) for a in args]
            r = self._emit_args(opn, np.dtype(np.float32), wide)
            return b.fptrunc(r, f16) if r.type == f32 else r
        return self._emit_args(opn, in_dt, args)

    def _emit_args(self, opn, dt, args):
        if opn in K.BINARY:
            return self.binary(opn, dt, *args)
        return self.unary(opn, dt, args[0])

    def unary(self, opn, dt, x):
        b = self.b
        ty = x.type
        if _is_float(dt):
            if opn == "neg":
                return b.fneg(x)
            if opn == "abs":
                return b.call(self.intrinsic("llvm.fabs", ty), [x])
            if opn == "square":
                return b.fmul(x, x)
            if opn == "rsqrt":
                return b.fdiv(ir.Constant(ty, 1.0), b.call(self.intrinsic("llvm.sqrt", ty), [x]))
            if opn == "sign":
                one = ir.Constant(ty, 1.0)
                pos = b.select(b.fcmp_ordered(">", x, ir.Constant(ty, 0.0)), one, x)
                return b.select(b.fcmp_ordered("<", x, ir.Constant(ty, 0.0)), b.fneg(one), pos)
            if opn == "round":  # away from zero, as sign(x) * floor(|x| + 0.5)
                ax = b.call(self.intrinsic("llvm.fabs", ty), [x])
                fl = b.call(self.intrinsic("llvm.floor", ty), [b.fadd(ax, ir.Constant(ty, 0.5))])
                return b.call(self.intrinsic("llvm.copysign", ty, 2), [fl, x])
            if opn == "is_finite":
                ax = b.call(self.intrinsic("llvm.fabs", ty), [x])
                return b.fcmp_ordered("<", ax, ir.Constant(ty, float("inf")))
            if opn in _INTRINSIC:
                return b.call(self.intrinsic(_INTRINSIC[opn], ty), [x])
            if opn in _LIBM:
                return b.call(self.libm(opn, ty), [x])
            return self.math.call(b, opn, x)
        if opn == "neg":
            return b.neg(x)
        if opn == "not":
            return b.not_(x)
        if opn == "square":
            return b.mul(x, x)
        if opn == "abs":
            return x if dt.kind in "ub" else b.select(b.icmp_signed("<", x, ty(0)), b.neg(x), x)
        if opn == "sign":
            if dt.kind in "ub":
                return b.zext(b.icmp_unsigned("!=", x, ty(0)), ty) if dt.kind == "u" else x
            pos = b.zext(b.icmp_signed(">", x, ty(0)), ty)
            return b.select(b.icmp_signed("<", x, ty(0)), ty(-1), pos)
        if opn == "popcount":
            return b.call(self._int_intrinsic("llvm.ctpop", ty), [x])
        raise NotImplementedError(f"unary {opn} on {dt}")

    def _int_intrinsic(self, name, ty):
        full = f"{name}.i{ty.width}"
        fn = self.module.globals.get(full)
        return fn or ir.Function(self.module, ir.FunctionType(ty, [ty]), full)

    def binary(self, opn, dt, x, y):
        b = self.b
        ty = x.type
        if _is_float(dt):
            simple = {"add": b.fadd, "sub": b.fsub, "mul": b.fmul, "div": b.fdiv, "rem": b.frem}
            if opn in simple:
                return simple[opn](x, y)
            if opn == "max":
                return b.call(self.intrinsic("llvm.maximum", ty, 2), [x, y])
            if opn == "min":
                return b.call(self.intrinsic("llvm.minimum", ty, 2), [x, y])
            if opn == "pow":
                return b.call(self.intrinsic("llvm.pow", ty, 2), [x, y])
            return b.call(self.libm(opn, ty, 2), [x, y])
        signed = dt.kind == "i"
        if dt == K.BOOL:
            opn = {"mul": "and", "max": "or", "min": "and"}.get(opn, opn)
        if opn in ("add", "sub", "mul", "and", "or", "xor"):
            return getattr(b, {"and": "and_", "or": "or_"}.get(opn, opn))(x, y)
        if opn in ("max", "min"):
            cmp = b.icmp_signed if signed else b.icmp_unsigned
            return b.select(cmp(">" if opn == "max" else "<", x, y), x, y)
        if opn in ("div", "rem"):
            zero = b.icmp_unsigned("==", y, ty(0))
            y0 = b.select(zero, ty(1), y)
            if signed:
                y0 = b.select(b.icmp_signed("==", y0, ty(-1)), ty(1), y0)
                minus1 = b.icmp_signed("==", y, ty(-1))
                # XLA's integer division by zero: x / 0 = -1 (all ones), x rem 0 = x
                if opn == "div":
                    q = b.select(minus1, b.neg(x), b.sdiv(x, y0))
                    return b.select(zero, ty(-1), q)
                return b.select(zero, x, b.srem(x, y0))
            if opn == "div":
                return b.select(zero, ty(-1), b.udiv(x, y0))
            return b.select(zero, x, b.urem(x, y0))
        if opn in ("shl", "shr", "sar"):
            bits = ty(ty.width)
            out = b.icmp_unsigned(">=", y, bits)
            ys = b.select(out, ty(0), y)
            if opn == "shl":
                return b.select(out, ty(0), b.shl(x, ys))
            if opn == "shr":
                return b.select(out, ty(0), b.lshr(x, ys))
            return b.select(out, b.ashr(x, ty(ty.width - 1)), b.ashr(x, ys))
        raise NotImplementedError(f"binary {opn} on {dt}")

    def compare(self, opn, dt, x, y):
        b = self.b
        sym = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[opn]
        if _is_float(dt):
            if opn == "ne":
                return b.fcmp_unordered("!=", x, y)
            return b.fcmp_ordered(sym, x, y)
        if dt.kind == "i":
            return b.icmp_signed(sym, x, y)
        return b.icmp_unsigned(sym, x, y)

    def convert(self, x, src, dst):
        """JAX's convert_element_type: float -> int truncates, NaN -> 0, saturates."""
        b = self.b
        src, dst = np.dtype(src), np.dtype(dst)
        if src == dst:
            return x
        ty = llvm_type(dst)
        if dst == K.BOOL:
            if _is_float(src):
                return b.fcmp_unordered("!=", x, ir.Constant(x.type, 0.0))
            return b.icmp_unsigned("!=", x, x.type(0))
        if src == K.BOOL:
            return b.uitofp(x, ty) if _is_float(dst) else b.zext(x, ty)
        if _is_float(src) and _is_float(dst):
            return b.fpext(x, ty) if dst.itemsize > src.itemsize else b.fptrunc(x, ty)
        if _is_float(dst):
            return b.sitofp(x, ty) if src.kind == "i" else b.uitofp(x, ty)
        if src.kind in "iu" and dst.kind in "iu":
            if dst.itemsize < src.itemsize:
                return b.trunc(x, ty)
            if dst.itemsize == src.itemsize:
                return x
            return b.sext(x, ty) if src.kind == "i" else b.zext(x, ty)
        # float -> int
        if src == np.float16:
            x = b.fpext(x, f32)
        fty = x.type
        info = np.iinfo(dst)
        t = b.select(b.fcmp_unordered("uno", x, x), ir.Constant(fty, 0.0), x)
        hi = float(2.0 ** (8 * dst.itemsize - (1 if dst.kind == "i" else 0)))
        conv = b.fptosi(t, ty) if dst.kind == "i" else b.fptoui(t, ty)
        r = b.select(b.fcmp_ordered(">=", t, ir.Constant(fty, hi)), _iconst(ty, info.max), conv)
        lo = float(info.min) if dst.kind == "i" else 0.0
        cmp = "<=" if dst.kind == "i" else "<"
        return b.select(b.fcmp_ordered(cmp, t, ir.Constant(fty, lo)), _iconst(ty, info.min), r)

    # -- GEMM ------------------------------------------------------------------------------------

    def gemm_kernel(self, g, epilogue=None):
        """Row-major C = op(A) @ op(B): a small driver that calls the process-wide GEMM routine
        (`drivers.gemm_library_ir`'s jt_gemm_t, compiled once per process by `cpu.gemm_address`,
        its address in the module global GEMM_GLOBAL) with the buffers and a constant
        descriptor (GEMM_DESC) of the product, so modules carry no BLAS-calling code of their
        own to compile. Small products run on one thread; large ones are cut into blocks of C
        (batch entries, or column/row ranges; gemm_plan.gemm_split) run by the thread pool,
        each by jtrans's own kernels (gemm.py) or a single-threaded BLAS call (OpenBLAS's own
        threads degrade badly when the cores are shared: they synchronise many times per call;
        the pool's workers take chunks from a counter, so a descheduled thread delays at most
        one chunk). With `epilogue` (a `gemm_epilogue` function) the routine runs that loop
        kernel on each block of C right after computing it."""
        isz = g.c.dtype.itemsize
        self.module.gemm_dtypes.add(g.c.dtype.name)
        # with an epilogue (an elementwise kernel run on each block of C as it is computed), a
        # fifth argument: the epilogue's buffer addresses
        fn = ir.Function(self.module, ir.FunctionType(ir.VoidType(), [ptr] * (4 + bool(epilogue))),
                         g.name)  # fmt: skip
        fn.linkage = "internal"
        _driver(fn)
        a, bb, c, gemm = fn.args[:4]
        epi = (epilogue, fn.args[4]) if epilogue is not None else None
        self.fn = fn
        b = self.b = ir.IRBuilder(fn.append_basic_block("entry"))
        if g.batch * g.m * g.n == 0:
            b.ret_void()
            return fn
        if g.k == 0:
            memset = self.module.globals.get("llvm.memset.p0.i64") or ir.Function(
                self.module, ir.FunctionType(ir.VoidType(), [ptr, i8, i64, i1]),
                "llvm.memset.p0.i64")  # fmt: skip
            b.call(memset, [c, i8(0), i64(g.batch * g.m * g.n * isz), i1(0)])
            b.ret_void()
            return fn
        split, n_chunks = gemm_split(g.batch, g.m, g.n, g.k)
        # the descriptor's fixed fields as a constant; the routine fills in the addresses
        vals = {
            "batch": g.batch,
            "m": g.m,
            "n": g.n,
            "k": g.k,
            "trans_a": int(g.trans_a),
            "trans_b": int(g.trans_b),
            "a_bstride": g.a_bstride,
            "b_bstride": g.b_bstride,
            "f64": int(g.c.dtype == np.float64),
            "split": split,
            "n_chunks": n_chunks,
        }
        aty = ir.ArrayType(i64, len(GEMM_DESC))
        tmpl = ir.GlobalVariable(self.module, aty, f"{g.name}_desc")
        tmpl.linkage = "internal"
        tmpl.global_constant = True
        tmpl.initializer = ir.Constant(aty, [i64(vals.get(name, 0)) for name in GEMM_DESC])
        lib = b.load(self._global_ptr(GEMM_GLOBAL))
        lty = ir.FunctionType(ir.VoidType(), [ptr] * 7).as_pointer()
        null = ir.Constant(ptr, None)
        efn, ectx = (b.bitcast(epi[0], ptr), epi[1]) if epi else (null, null)
        b.call(b.bitcast(lib, lty), [a, bb, c, gemm, b.bitcast(tmpl, ptr), efn, ectx])
        b.ret_void()
        return fn

    def _global_ptr(self, name):
        gv = self.module.globals.get(name)
        if gv is None:
            gv = ir.GlobalVariable(self.module, ptr, name)
            gv.initializer = ir.Constant(ptr, None)
        return gv

    # -- the entry -------------------------------------------------------------------------------

    def entry(self, prog, locate, name="entry"):
        """locate(buffer) -> ("slot", i) | ("ws", byte offset); slot `ws_slot` is the workspace."""
        fns, shared = [], {}  # kernels equal up to their buffers share one function
        epis = gemm_epilogues(prog, locate)  # {GEMM step: the loop kernel fused after it}
        fused = {idx for idx, s in enumerate(prog.steps) if any(s is k for k in epis.values())}
        for idx, step in enumerate(prog.steps):
            if idx in epis:  # kernels equal up to their buffers share one block function
                key = ("epilogue", _step_key(epis[idx]))
                if key not in shared:
                    shared[key] = self.gemm_epilogue(epis[idx])
                fns.append(self.gemm_kernel(step, shared[key]))
            elif idx in fused:
                fns.append(None)
            elif isinstance(step, (K.LoopKernel, K.GemmKernel)):
                key = _step_key(step)
                f = shared.get(key)
                if f is None:
                    make = self.loop_kernel if isinstance(step, K.LoopKernel) else self.gemm_kernel
                    f = shared[key] = make(step)
                fns.append(f)
            else:
                fns.append(None)
        fn = ir.Function(self.module, ir.FunctionType(i32, [ptr, ptr]), name)
        if not any(hasattr(s, "subs") for s in prog.steps):  # no control flow in its body
            _driver(fn)
        bufs, ext = fn.args
        self.fn = fn
        b = self.b = ir.IRBuilder(fn.append_basic_block("entry"))
        pp = ptr.as_pointer()
        bufs_t, ext_t = b.bitcast(bufs, pp), b.bitcast(ext, pp)

        def addr(buf):
            where, i = locate(buf)
            if where == "slot":
                return b.load(b.gep(bufs_t, [i32(i)]), name=buf.name)
            base = b.load(b.gep(bufs_t, [i32(locate.ws_slot)]))
            return b.gep(base, [i64(i)], name=buf.name)

        cb_ty = ir.FunctionType(i32, [i64]).as_pointer()
        times = None
        if STEP_TIMES and name == "entry":  # profiling: cycles per step summed in a global
            tty = ir.ArrayType(i64, len(prog.steps))
            times = ir.GlobalVariable(self.module, tty, "jt_step_times")
            times.initializer = ir.Constant(tty, None)
            rdc = ir.Function(self.module, ir.FunctionType(i64, []), "llvm.readcyclecounter")
            prev = b.call(rdc, [])
        for idx, (step, f) in enumerate(zip(prog.steps, fns)):
            if times is not None and idx:
                now = b.call(rdc, [])
                slot = b.gep(times, [i32(0), i32(idx - 1)])
                b.store(b.add(b.load(slot), b.sub(now, prev)), slot)
                prev = now
            if idx in fused:  # runs inside the GEMM before it
                continue
            if isinstance(step, K.LoopKernel):
                b.call(f, [addr(x) for x in step.inputs + step.out_buffers])
            elif isinstance(step, K.GemmKernel):
                which = 1 if step.c.dtype == np.float32 else 2
                gp = b.load(b.gep(ext_t, [i32(which)]))
                args = [addr(step.a), addr(step.b), addr(step.c), gp]
                if idx in epis:  # the epilogue's buffer addresses
                    ebufs = epis[idx].inputs + epis[idx].out_buffers
                    with b.goto_entry_block():
                        ectx = b.alloca(ptr, len(ebufs))
                    for k, x in enumerate(ebufs):
                        b.store(addr(x), b.gep(ectx, [i32(k)]))
                    args.append(b.bitcast(ectx, ptr))
                b.call(f, args)
            elif hasattr(step, "render"):  # control flow: native loops/branches (control.py)
                step.render(self, addr, ext_t)
            else:
                cb = b.bitcast(b.load(b.gep(ext_t, [i32(0)])), cb_ty)
                rc = b.call(cb, [i64(idx)])
                fail = fn.append_basic_block(f"fail{idx}")
                ok = fn.append_basic_block(f"ok{idx}")
                b.cbranch(b.icmp_signed("!=", rc, i32(0)), fail, ok)
                b.position_at_end(fail)
                b.ret(rc)
                b.position_at_end(ok)
        if times is not None and prog.steps:
            now = b.call(rdc, [])
            slot = b.gep(times, [i32(0), i32(len(prog.steps) - 1)])
            b.store(b.add(b.load(slot), b.sub(now, prev)), slot)
        b.ret(i32(0))
        return fn


STEP_TIMES = bool(os.environ.get("JTRANS_STEP_TIMES"))  # profiling switch (see entry)
# the longest row of accumulators a column-style reduction keeps on the stack
ROWS_MAX = 4096


def _unroll_inner(kern):
    """How a kernel's innermost loop is emitted when its extent is at most UNROLL_INNER_MAX:
    "row" (an elementwise kernel: unrolled, each output row stored as one vector), "copies"
    (a kernel compiled for size, SMALL_KERNEL, elementwise or reducing over its innermost axis
    alone: unrolled, so codegen level 0 keeps the row's values and accumulators in registers
    instead of a stack round trip per element), or False (a loop)."""
    shape = kern.shape
    small = int(np.prod(shape, dtype=np.int64)) <= SMALL_KERNEL
    if kern.col_outputs or len(shape) < 2 or not 2 <= shape[-1] <= UNROLL_INNER_MAX:
        return False
    if kern.reduce_axes and (not small or tuple(kern.reduce_axes) != (len(shape) - 1,)):
        return False
    seen = K.expr_nodes(kern)
    if len(seen) * shape[-1] > UNROLL_INNER_NODES:
        return False
    if small and any(e.op in mathlib.APPROXIMATED for e in seen):
        return False  # (each copy of an inlined exp or log costs compile time; NOTES round 4)
    return "copies" if small else "row"


def _rows_last(kern, n_outer):
    """Whether a reduction kernel reads memory contiguously along its last kept axis and not
    along its innermost reduced one (then `_rows_body` renders it)."""
    if not kern.reduce_axes or n_outer == 0 or not 8 <= kern.shape[n_outer - 1] <= ROWS_MAX:
        return False
    j, r = n_outer - 1, len(kern.shape) - 1
    strides, seen, stack = [], set(), [e for _, e, _ in kern.outputs]
    while stack:
        e = stack.pop()
        if e in seen or type(e) is not K.Expr:
            continue
        seen.add(e)
        if e.op == "load":
            strides.append((_coef(e.args[1], j), _coef(e.args[1], r)))
        else:
            stack.extend(e.args)
    return any(sj == 1 for sj, _ in strides) and not any(sr == 1 for _, sr in strides)


def _coef(e, k):
    """The coefficient of loop variable k in an affine int64 index expression (None: not
    affine)."""
    if e.op == "var":
        return 1 if e.args[0] == k else 0
    if e.op == "const":
        return 0
    if e.op == "add":
        a, b = _coef(e.args[0], k), _coef(e.args[1], k)
        return None if a is None or b is None else a + b
    if e.op == "mul" and e.args[1].op == "const":
        a = _coef(e.args[0], k)
        return None if a is None else a * e.args[1].args[0]
    return None


def _step_key(step):
    """A loop or GEMM kernel's structure with its buffers replaced by their argument positions
    and dtypes: two kernels with the same key compile to the same function."""
    if isinstance(step, K.GemmKernel):
        g = step
        return ("gemm", g.c.dtype.str, g.batch, g.m, g.n, g.k, g.trans_a, g.trans_b, g.a_bstride,
                g.b_bstride)  # fmt: skip
    pos = {b.name: i for i, b in enumerate(step.inputs + step.out_buffers)}
    ids, nodes = {}, []

    def node(e):
        i = ids.get(e)
        if i is None:
            if e.op == "load":
                buf, off = e.args
                key = ("load", pos[buf.name], buf.dtype.str, node(off))
            else:
                key = (e.op, e.dtype.str) + tuple(node(a) if type(a) is K.Expr else ("py", a)
                                                  for a in e.args)  # fmt: skip
            i = ids[e] = len(nodes)
            nodes.append(key)
        return i

    outs = tuple((pos[buf.name], buf.dtype.str, node(e), monoid) for buf, e, monoid in step.outputs)
    cols = tuple((pos[buf.name], buf.dtype.str, pos[src.name], monoid)
                 for buf, src, monoid in step.col_outputs)  # fmt: skip
    return ("loop", step.shape, step.reduce_axes, len(pos), outs, tuple(nodes), cols,
            step.col_axes)  # fmt: skip


def _driver(fn):
    """Marks a function that only sequences calls (the entry, the call path, GEMM drivers):
    LLVM neither optimises it nor selects instructions carefully (optnone: fast isel), which
    takes a third off a module's compile time (benchmarks/NOTES.md); loops stay in kernels."""
    fn.attributes.add("noinline")
    fn.attributes.add("optnone")


def _acc_dtype(monoid, dt):
    """Accumulators: float32 and float16 sums and products accumulate in float64."""
    if monoid in ("add", "mul") and dt.kind == "f" and dt.itemsize < 8:
        return np.dtype(np.float64)
    return dt


def _identity(monoid, dt):
    ty = llvm_type(dt)
    if dt == K.BOOL:
        return i1(1 if monoid in ("and", "min", "mul") else 0)
    if dt.kind == "f":
        return ir.Constant(ty, {"add": 0.0, "mul": 1.0, "max": -np.inf, "min": np.inf}[monoid])
    info = np.iinfo(dt)
    return _iconst(ty, {"add": 0, "mul": 1, "max": int(info.min), "min": int(info.max),
                        "and": -1, "or": 0}[monoid])  # fmt: skip


def _iconst(ty, v):
    """An integer constant, unsigned values above the signed range written as negative."""
    v = int(v)
    if v >= 2 ** (ty.width - 1):
        v -= 2**ty.width
    return ty(v)


def render(prog, locate):
    r = Renderer(prog.name)
    r.entry(prog, locate)
    return r.module
