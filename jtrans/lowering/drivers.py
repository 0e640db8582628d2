"""Native code every executable shares in shape: the Python call path's native half
(`pycall`, one per module) and the process-wide GEMM routine (`gemm_library_ir`, compiled once
by `cpu.gemm_address`), split from llvm.py (the kernels' renderer)."""

from . import fastir as ir
from .llvm import GEMM_DESC, _driver, f32, f64, i8, i32, i64, ptr


def pycall(r, prog, locate, fresh, layout, name="pycall"):
    """`i32 pycall(args, outs, ctx)`: the Python call path's native half. `args` is the tuple of
    input ndarrays, `outs` a tuple of the freshly allocated result arrays (output slots listed
    in `fresh`) followed by the workspace array, `ctx` [ext table, ndarray type, expected dtype
    descriptor per input, constant addresses...]. Reads data pointers straight from the objects
    (CPython/NumPy struct offsets in `layout`, probed at import by the runtime), checks that
    each input is an aligned C-contiguous ndarray of the exact dtype, fills the buffer table on
    its stack and calls the entry. Returns the entry's code, or -1 - i when input i needs the
    slow path (conversion), or -1 - n_in for a wrong argument count."""
    fn = ir.Function(r.module, ir.FunctionType(i32, [ptr, ptr, ptr]), name)
    _driver(fn)
    args, outs, ctx = fn.args
    r.fn = fn
    b = r.b = ir.IRBuilder(fn.append_basic_block("entry"))
    entry = r.module.globals["entry"]
    n_in, n_slots = locate.n_in, locate.ws_slot + 1
    table = b.alloca(ptr, n_slots, name="table")
    ctx_t = b.bitcast(ctx, ptr.as_pointer())

    def field(obj, off, ty=ptr):
        return b.load(b.bitcast(b.gep(obj, [i64(off)]), ty.as_pointer()))

    def fail(cond, code):
        bad = fn.append_basic_block("bad")
        good = fn.append_basic_block("ok")
        b.cbranch(cond, bad, good)
        b.position_at_end(bad)
        b.ret(i32(code))
        b.position_at_end(good)

    fail(b.icmp_signed("!=", field(args, layout["tuple_size"], i64), i64(n_in)), -1 - n_in)
    nd_type = b.load(b.gep(ctx_t, [i32(1)]))
    want = layout["c_contiguous"] | layout["aligned"]
    for i in range(n_in):
        obj = field(args, layout["tuple_items"] + 8 * i)
        ok = b.icmp_unsigned("==", field(obj, layout["ob_type"]), nd_type)
        fail(b.not_(ok), -1 - i)
        descr_ok = b.icmp_unsigned("==", field(obj, layout["descr"]),
                                   b.load(b.gep(ctx_t, [i32(2 + i)])))  # fmt: skip
        flags = field(obj, layout["flags"], i32)
        flags_ok = b.icmp_unsigned("==", b.and_(flags, i32(want)), i32(want))
        fail(b.not_(b.and_(descr_ok, flags_ok)), -1 - i)
        b.store(field(obj, layout["data"]), b.gep(table, [i32(i)]))
    for j in range(locate.n_out):
        k = fresh.get(j)
        if k is None:
            val = ir.Constant(ptr, None)
        else:
            val = field(field(outs, layout["tuple_items"] + 8 * k), layout["data"])
        b.store(val, b.gep(table, [i32(n_in + j)]))
    for c in range(locate.n_const):
        val = b.load(b.gep(ctx_t, [i32(2 + n_in + c)]))
        b.store(val, b.gep(table, [i32(n_in + locate.n_out + c)]))
    ws = field(field(outs, layout["tuple_items"] + 8 * len(fresh)), layout["data"])
    wsi = b.ptrtoint(ws, i64)
    base = b.and_(b.add(wsi, i64(63)), i64(-64))
    b.store(b.inttoptr(base, ptr), b.gep(table, [i32(locate.ws_slot)]))
    rc = b.call(entry, [b.bitcast(table, ptr), b.load(b.gep(ctx_t, [i32(0)]))])
    b.ret(rc)
    return fn


def gemm_library_ir():
    """The text of a module with `void jt_gemm(i64 *desc)`: runs the GEMM a descriptor
    (GEMM_DESC) describes with Fortran BLAS calls (row-major C = op(A) op(B) as column-major
    C^T = op(B)^T op(A)^T), serially or in chunks on the thread pool, each chunk (and the serial
    sequence) with the BLAS's thread-local thread count set to 1."""
    m = ir.Module("jt_gemm")
    dptr = i64.as_pointer()
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
    head, body, out = (block.append_basic_block(x) for x in ("head", "body", "out"))
    pre = b.block
    b.branch(head)
    b.position_at_end(head)
    bi = b.phi(i64, name="bi")
    bi.add_incoming(b0, pre)
    b.cbranch(b.icmp_signed("<", bi, b1), body, out)
    b.position_at_end(body)
    pa = b.gep(pa0, [b.add(b.mul(bi, sa), a_off)])
    pb = b.gep(pb0, [b.add(b.mul(bi, sb), b_off)])
    pc = b.gep(pc0, [b.add(b.mul(bi, sc), c_off)])
    cp = lambda name: b.bitcast(cells[name], ptr)
    b.call(gfn, [cp("tx"), cp("ty"), cp("n"), cp("m"), cp("k"), cp("alpha"), pb, cp("ldx"), pa,
                 cp("ldy"), cp("beta"), pc, cp("ldc")])  # fmt: skip
    bi.add_incoming(b.add(bi, one), b.block)
    b.branch(head)
    b.position_at_end(out)
    b.ret_void()

    # chunk(desc, i): chunk i of n_chunks; row/column bounds rounded down to 16 (ends exact)
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
        r = b.select(b.icmp_signed(">=", i, nc), dd, b.and_(v, i64(-16)))
        return b.select(by_batch, v, r)

    clo, chi = bound(ci), bound(b.add(ci, i64(1)))
    prev = set_threads(b, chunk, desc, i32(1))
    with b.if_then(b.icmp_signed("<", clo, chi)):
        with b.if_else(by_batch) as (then, other):
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
    return str(m)
