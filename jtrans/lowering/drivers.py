"""Native routines every executable shares, compiled once per process: the Python call path's
native half (`pycall_library_ir`, `cpu.pycall_address`) and the GEMM routine
(`gemm_library_ir`, `cpu.gemm_address`). Modules carry none of this code, so each compile
does not pay for it again (benchmarks/NOTES.md)."""

from . import fastir as ir
from .llvm import GEMM_DESC, f32, f64, i8, i32, i64, ptr

# products the own kernels (gemm.py) leave to the BLAS: narrower than a tile (a masked tile
# wastes most of its lanes) or shorter than one (the 1-row tiles are load-bound, and walking a
# B panel down its rows for a few rows of C misses the caches: 1 x 1024 x 1024 ran at ~5 GFLOP/s
# against the BLAS's ~19)
OWN_MIN_N = 32
OWN_MIN_M = 8


# the fields of a call path context (an array of words, one per executable, built by the
# runtime): then one expected dtype descriptor per input, one fresh-result index per output (-1:
# not freshly allocated) and one address per constant
PYCALL_CTX = ("ext", "ndarray", "entry", "n_in", "n_out", "n_const")


def pycall_library_ir(layout):
    """The text of a module with `i32 jt_pycall(args, outs, ctx)`: the Python call path's
    native half, one routine for every executable (compiled once per process by
    `cpu.pycall_address`). `args` is the tuple of input ndarrays, `outs` a tuple of the freshly
    allocated result arrays followed by the workspace array, `ctx` a PYCALL_CTX array. Reads
    data pointers straight from the objects (CPython/NumPy struct offsets in `layout`, probed at
    import by the runtime), checks that each input is an aligned C-contiguous ndarray of the
    exact dtype, fills the buffer table on its stack and calls the executable's entry. Returns
    the entry's code, or -1 - i when input i needs the slow path (conversion), or -1 - n_in for
    a wrong argument count."""
    m = ir.Module("jt_pycall")
    fn = ir.Function(m, ir.FunctionType(i32, [ptr, ptr, ptr]), "jt_pycall")
    args, outs, ctx = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    ctx_t = b.bitcast(ctx, i64.as_pointer())
    word = {name: b.load(b.gep(ctx_t, [i32(i)]), name=name) for i, name in enumerate(PYCALL_CTX)}
    n_in, n_out, n_const = word["n_in"], word["n_out"], word["n_const"]

    def field(obj, off, ty=ptr):
        return b.load(b.bitcast(b.gep(obj, [i64(off)]), ty.as_pointer()))

    def fail(cond, code):
        bad, good = fn.append_basic_block("bad"), fn.append_basic_block("ok")
        b.cbranch(cond, bad, good)
        b.position_at_end(bad)
        b.ret(b.trunc(code, i32))
        b.position_at_end(good)

    def loop(n, body, name):
        _for(b, fn, i64(0), n, body, name)

    fail(b.icmp_signed("!=", field(args, layout["tuple_size"], i64), n_in),
         b.sub(i64(-1), n_in))  # fmt: skip
    n_slots = b.add(b.add(b.add(n_in, n_out), n_const), i64(1))
    table = b.alloca(ptr, n_slots, name="table")
    base = len(PYCALL_CTX)
    want = layout["c_contiguous"] | layout["aligned"]

    def check_input(i):
        obj = b.load(b.gep(b.bitcast(b.gep(args, [i64(layout["tuple_items"])]),
                                     ptr.as_pointer()), [i]))  # fmt: skip
        descr = b.inttoptr(b.load(b.gep(ctx_t, [b.add(i, i64(base))])), ptr)
        flags = field(obj, layout["flags"], i32)
        ok = b.and_(b.icmp_unsigned("==", field(obj, layout["ob_type"]),
                                    b.inttoptr(word["ndarray"], ptr)),
                    b.and_(b.icmp_unsigned("==", field(obj, layout["descr"]), descr),
                           b.icmp_unsigned("==", b.and_(flags, i32(want)), i32(want))))  # fmt: skip
        fail(b.not_(ok), b.sub(i64(-1), i))
        b.store(field(obj, layout["data"]), b.gep(table, [i]))

    loop(n_in, check_input, "i")
    items = b.bitcast(b.gep(outs, [i64(layout["tuple_items"])]), ptr.as_pointer())

    def output(j):
        k = b.load(b.gep(ctx_t, [b.add(b.add(j, n_in), i64(base))]))
        pre = b.block
        fresh, done = fn.append_basic_block("fresh"), fn.append_basic_block("stored")
        b.cbranch(b.icmp_signed(">=", k, i64(0)), fresh, done)
        b.position_at_end(fresh)
        data = field(b.load(b.gep(items, [k])), layout["data"])
        b.branch(done)
        b.position_at_end(done)
        val = b.phi(ptr)
        val.add_incoming(ir.Constant(ptr, None), pre)
        val.add_incoming(data, fresh)
        b.store(val, b.gep(table, [b.add(n_in, j)]))

    loop(n_out, output, "j")
    first_const = b.add(n_in, n_out)

    def const(c):
        v = b.inttoptr(b.load(b.gep(ctx_t, [b.add(b.add(first_const, c), i64(base))])), ptr)
        b.store(v, b.gep(table, [b.add(first_const, c)]))

    loop(n_const, const, "c")
    n_items = field(outs, layout["tuple_size"], i64)  # the workspace is the last item
    ws = field(b.load(b.gep(items, [b.sub(n_items, i64(1))])), layout["data"])
    aligned = b.and_(b.add(b.ptrtoint(ws, i64), i64(63)), i64(-64))
    b.store(b.inttoptr(aligned, ptr), b.gep(table, [b.add(first_const, n_const)]))
    entry = b.inttoptr(word["entry"], ir.FunctionType(i32, [ptr, ptr]).as_pointer())
    b.ret(b.call(entry, [b.bitcast(table, ptr), b.inttoptr(word["ext"], ptr)]))
    return str(m)


def _for(b, fn, lo, hi, body, name):
    """for (i = lo; i < hi; i++) body(i), emitted at b's position in fn."""
    pre = b.block
    head, blk, done = (fn.append_basic_block(f"{name}.{x}") for x in ("head", "body", "done"))
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(i64, name=name)
    i.add_incoming(lo, pre)
    b.cbranch(b.icmp_signed("<", i, hi), blk, done)
    b.position_at_end(blk)
    body(i)
    i.add_incoming(b.add(i, i64(1)), b.block)
    b.branch(head)
    b.position_at_end(done)


def gemm_library_ir():
    """The text of a module with `void jt_gemm(i64 *desc)`: runs the GEMM a descriptor
    (GEMM_DESC) describes with Fortran BLAS calls (row-major C = op(A) op(B) as column-major
    C^T = op(B)^T op(A)^T), serially or in chunks on the thread pool, each chunk (and the serial
    sequence) with the BLAS's thread-local thread count set to 1."""
    m = ir.Module("jt_gemm")
    dptr = i64.as_pointer()
    # addresses set by cpu.gemm_address (0 where absent)
    glob = {}
    for name in ("jt_gemm_set_threads", "jt_gemm_parallel_for", "jt_gemm_own_s",
                 "jt_gemm_own_d"):  # fmt: skip
        glob[name] = ir.GlobalVariable(m, i64, name)
        glob[name].initializer = i64(0)
    f = {name: i for i, name in enumerate(GEMM_DESC)}
    fty = ir.FunctionType(ir.VoidType(), [ptr] * 13)

    def field(b, desc, name):
        return b.load(b.gep(desc, [i32(f[name])]), name=name)

    def set_threads(b, fn, desc, n):
        fp = b.inttoptr(field(b, desc, "set_threads"), ptr)
        pre = b.block
        call, done = fn.append_basic_block("set_threads"), fn.append_basic_block("threads_set")
        b.cbranch(b.icmp_unsigned("!=", fp, ir.Constant(ptr, None)), call, done)
        b.position_at_end(call)
        prev = b.call(b.bitcast(fp, ir.FunctionType(i32, [i32]).as_pointer()), [n])
        b.branch(done)
        b.position_at_end(done)
        out = b.phi(i32)
        out.add_incoming(n, pre)
        out.add_incoming(prev, call)
        return out

    # block(desc, b0, b1, split, lo, hi): batch entries [b0, b1); with split 1 or 2 only the
    # rows or columns [lo, hi) of C
    block = ir.Function(m, ir.FunctionType(ir.VoidType(), [dptr, i64, i64, i64, i64, i64]),
                        "jt_gemm_block")  # fmt: skip
    block.linkage = "internal"
    desc, b0, b1, split, lo, hi = block.args
    b = ir.IRBuilder(block.append_basic_block("entry"))
    cells = {}
    for name, ty in (("tx", i8), ("ty", i8), ("m", i32), ("n", i32), ("k", i32), ("ldx", i32),
                     ("ldy", i32), ("ldc", i32), ("alpha", f64), ("beta", f64)):  # fmt: skip
        cells[name] = b.alloca(ty, name=name)
    d = {name: field(b, desc, name) for name in GEMM_DESC}
    is64 = b.icmp_unsigned("!=", d["f64"], i64(0))
    isz = b.select(is64, i64(8), i64(4))
    ta, tb = (b.icmp_unsigned("!=", d[x], i64(0)) for x in ("trans_a", "trans_b"))
    ch = lambda t: b.select(t, i8(ord("T")), i8(ord("N")))
    b.store(ch(tb), cells["tx"])
    b.store(ch(ta), cells["ty"])
    mm, nn, kk = d["m"], d["n"], d["k"]
    by_m, by_n = b.icmp_signed("==", split, i64(1)), b.icmp_signed("==", split, i64(2))
    rows = b.sub(hi, lo)
    mv = b.select(by_m, rows, mm)
    nv = b.select(by_n, rows, nn)
    zero = i64(0)
    a_off = b.select(by_m, b.mul(lo, b.mul(b.select(ta, i64(1), kk), isz)), zero)
    b_off = b.select(by_n, b.mul(lo, b.mul(b.select(tb, kk, i64(1)), isz)), zero)
    c_off = b.select(by_m, b.mul(lo, b.mul(nn, isz)), b.select(by_n, b.mul(lo, isz), zero))
    one = i64(1)
    umax = lambda v: b.select(b.icmp_signed("<", v, one), one, v)
    for name, v in (("m", mv), ("n", nv), ("k", kk), ("ldx", umax(b.select(tb, kk, nn))),
                    ("ldy", umax(b.select(ta, mm, kk))), ("ldc", umax(nn))):  # fmt: skip
        b.store(b.trunc(v, i32), cells[name])
    b.store(ir.Constant(f64, 1.0), cells["alpha"])
    b.store(ir.Constant(f64, 0.0), cells["beta"])
    with b.if_then(b.not_(is64)):  # float32 scalars in the cells' first four bytes
        for name, v in (("alpha", 1.0), ("beta", 0.0)):
            b.store(ir.Constant(f32, v), b.bitcast(cells[name], f32.as_pointer()))
    gfn = b.inttoptr(d["gemm"], fty.as_pointer())
    pa0, pb0, pc0 = (b.inttoptr(d[x], ptr) for x in ("a", "b", "c"))
    sa, sb = b.mul(d["a_bstride"], isz), b.mul(d["b_bstride"], isz)
    sc = b.mul(b.mul(mm, nn), isz)
    # jtrans's own kernels (gemm.py) where compiled for this dtype, n >= OWN_MIN_N, m >= OWN_MIN_M
    own = b.select(is64, b.load(glob["jt_gemm_own_d"]), b.load(glob["jt_gemm_own_s"]))
    use_own = b.and_(b.icmp_unsigned("!=", own, zero),
                     b.and_(b.icmp_signed(">=", nn, i64(OWN_MIN_N)),
                            b.icmp_signed(">=", mm, i64(OWN_MIN_M))))  # fmt: skip
    # the block of C: rows [i0, i1) and columns [j0, j1) of each batch entry in [b0, b1)
    i0, i1 = b.select(by_m, lo, zero), b.select(by_m, hi, mm)
    j0, j1 = b.select(by_n, lo, zero), b.select(by_n, hi, nn)
    epi = block.append_basic_block("epilogue")
    with b.if_then(use_own):
        sai, sak = b.select(ta, i64(1), kk), b.select(ta, mm, i64(1))
        sbk, sbj = b.select(tb, i64(1), nn), b.select(tb, kk, i64(1))
        ofn = b.inttoptr(own, ir.FunctionType(ir.VoidType(), [ptr] * 3 + [i64] * 10).as_pointer())
        _for(b, block, b0, b1, lambda oi: b.call(ofn, [
            b.gep(pa0, [b.mul(oi, sa)]), b.gep(pb0, [b.mul(oi, sb)]), b.gep(pc0, [b.mul(oi, sc)]),
            kk, sai, sak, sbk, sbj, nn, i0, i1, j0, j1]), "oi")  # fmt: skip
        b.branch(epi)
    cp = lambda name: b.bitcast(cells[name], ptr)

    def blas_call(bi):
        pa = b.gep(pa0, [b.add(b.mul(bi, sa), a_off)])
        pb = b.gep(pb0, [b.add(b.mul(bi, sb), b_off)])
        pc = b.gep(pc0, [b.add(b.mul(bi, sc), c_off)])
        b.call(gfn, [cp("tx"), cp("ty"), cp("n"), cp("m"), cp("k"), cp("alpha"), pb, cp("ldx"),
                     pa, cp("ldy"), cp("beta"), pc, cp("ldc")])  # fmt: skip

    _for(b, block, b0, b1, blas_call, "bi")
    b.branch(epi)
    # an elementwise kernel fused after the product (llvm.gemm_epilogue) runs on the block of
    # C just computed, on the same thread, while the block is in its caches (batch 1 only)
    b.position_at_end(epi)
    efn = b.inttoptr(d["epi"], ptr)
    with b.if_then(b.icmp_unsigned("!=", efn, ir.Constant(ptr, None))):
        ety = ir.FunctionType(ir.VoidType(), [ptr, i64, i64, i64, i64]).as_pointer()
        b.call(b.bitcast(efn, ety), [b.inttoptr(d["epi_ctx"], ptr), i0, i1, j0, j1])
    b.ret_void()

    # chunk(desc, i): chunk i of n_chunks; row/column bounds rounded down to 32 (ends exact:
    # whole tiles of the own kernels)
    chunk = ir.Function(m, ir.FunctionType(ir.VoidType(), [ptr, i64]), "jt_gemm_chunk")
    chunk.linkage = "internal"
    ctx, ci = chunk.args
    b = ir.IRBuilder(chunk.append_basic_block("entry"))
    desc = b.bitcast(ctx, dptr)
    split, nc = field(b, desc, "split"), field(b, desc, "n_chunks")
    by_batch = b.icmp_signed("==", split, i64(0))
    dd = b.select(by_batch, field(b, desc, "batch"),
                  b.select(b.icmp_signed("==", split, i64(1)), field(b, desc, "m"),
                           field(b, desc, "n")))  # fmt: skip

    def bound(i):
        v = b.sdiv(b.mul(i, dd), nc)
        r = b.select(b.icmp_signed(">=", i, nc), dd, b.and_(v, i64(-32)))
        return b.select(by_batch, v, r)

    clo, chi = bound(ci), bound(b.add(ci, i64(1)))
    prev = set_threads(b, chunk, desc, i32(1))
    with b.if_then(b.icmp_signed("<", clo, chi)), b.if_else(by_batch) as (then, other):
        with then:
            b.call(block, [desc, clo, chi, i64(-1), i64(0), i64(0)])
        with other:
            b.call(block, [desc, i64(0), i64(1), split, clo, chi])
    set_threads(b, chunk, desc, prev)
    b.ret_void()

    # jt_gemm(desc)
    fn = ir.Function(m, ir.FunctionType(ir.VoidType(), [ptr]), "jt_gemm")
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    desc = b.bitcast(fn.args[0], dptr)
    pf = b.inttoptr(field(b, desc, "parallel_for"), ptr)
    serial = b.or_(b.icmp_signed("<", field(b, desc, "split"), i64(0)),
                   b.icmp_unsigned("==", pf, ir.Constant(ptr, None)))  # fmt: skip
    with b.if_else(serial) as (then, other):
        with then:  # one sequence of single-threaded calls
            prev = set_threads(b, fn, desc, i32(1))
            b.call(block, [desc, i64(0), field(b, desc, "batch"), i64(-1), i64(0), i64(0)])
            set_threads(b, fn, desc, prev)
        with other:
            pfty = ir.FunctionType(ir.VoidType(), [chunk.type, ptr, i64]).as_pointer()
            b.call(b.bitcast(pf, pfty), [chunk, fn.args[0], field(b, desc, "n_chunks")])
    b.ret_void()

    # jt_gemm_t(a, b, c, gemm, template, epi, epi_ctx): jt_gemm on a copy of a module's constant
    # descriptor with the addresses filled in (the thread setter and parallel_for from this module's
    # globals, set by cpu.gemm_address)
    tfn = ir.Function(m, ir.FunctionType(ir.VoidType(), [ptr] * 7), "jt_gemm_t")
    b = ir.IRBuilder(tfn.append_basic_block("entry"))
    desc = b.alloca(i64, len(GEMM_DESC), name="desc")
    tmpl = b.bitcast(tfn.args[4], dptr)
    given = dict(zip(("a", "b", "c", "gemm"), tfn.args[:4]))
    given.update(epi=tfn.args[5], epi_ctx=tfn.args[6])
    for i, name in enumerate(GEMM_DESC):
        if name in given:
            v = b.ptrtoint(given[name], i64)
        elif name in ("set_threads", "parallel_for"):
            v = b.load(glob[f"jt_gemm_{name}"])
        else:
            v = b.load(b.gep(tmpl, [i32(i)]))
        b.store(v, b.gep(desc, [i32(i)]))
    b.call(fn, [b.bitcast(desc, ptr)])
    b.ret_void()
    return str(m)
