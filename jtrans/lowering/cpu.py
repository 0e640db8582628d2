"""The CPU target: host target machine (CPU name and features), the O3 pipeline with loop and
SLP vectorisation, MCJIT, and the optional on-disk object cache (`JTRANS_CACHE_DIR`).

`compile_module(llvm_ir)` -> (engine, None); the engine must stay alive as long as its code is
called. With `JTRANS_CACHE_DIR` set, the object code for a given IR text (and host
CPU) is stored there, so a second process skips the LLVM optimisation and code generation.
The runtime's own routines (`load_library`: thread pool, call path, GEMM routine and kernels)
are stored there too, or in the user's cache directory when it is unset.
"""

import ctypes
import hashlib
import os
import re
import struct
import threading

import llvmlite.binding as llvm

_lock = threading.Lock()
_tm = None


def _new_target_machine(opt=3):
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=llvm.get_host_cpu_features().flatten(),
        opt=opt,
        jit=True,
    )


def target_machine():
    """The host target machine used for optimisation (an engine owns its own: MCJIT takes
    ownership of the target machine it is given)."""
    global _tm
    if _tm is None:
        _tm = _new_target_machine()
    return _tm


def _optimize(mod, tm):
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    # no separate unrolling: the vectoriser interleaves the loops that matter, and unrolling
    # grew the MLP-gradient module's compile time by ~35% (benchmarks/NOTES.md)
    pto.loop_unrolling = False
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)


def _optimize_lean(mod, tm):
    """A short pipeline for code that runs for microseconds: inline the math helpers and put
    the accumulators in registers (no clean-up, loop passes or vectorisation: with codegen
    level 0 after it, instcombine/GVN changed the object code by ~1% for 2.3 of 2.9 ms)."""
    pb = llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options(speed_level=1))
    mpm = llvm.create_new_module_pass_manager()
    for name in ("always_inliner", "sroa", "global_dead_code_eliminate"):
        getattr(mpm, f"add_{name}_pass")()
    mpm.run(mod, pb)


# ---------------------------------------------------------------------------------------------
# tiers: a module is compiled as two objects linked into one engine. The "cold" object holds
# the functions that only sequence calls (`optnone`: the entry, the call path, GEMM drivers)
# and the small loop kernels (`minsize`) only such functions call: a short pipeline and fast
# instruction selection (codegen level 0) -- they run for microseconds, and LLVM's full
# per-function pipelines were most of a module's compile time. Everything else (large loop
# kernels, control flow) gets the O3 pipeline and codegen. (benchmarks/NOTES.md, round 3.)

TIERS = os.environ.get("JTRANS_TIERS", "1") != "0"  # JTRANS_TIERS=0: one O3 object
_NAME = r'(?:"[^"]*"|[-\w.$]+)'
_DEFINE = re.compile(r"define ([^@]*)@(" + _NAME + r")\((.*)\)(.*)$")
_PARAM_NAME = re.compile(r"\s*%" + _NAME)
_GLOBAL = re.compile(
    r"(?:(?:internal|private|dso_local|external) )*(global|constant) (.*?)(?: (?:zeroinitializer|null|\[|c\"|<|\{|-?\d).*)?$"
)


def split_module(text):
    """(cold text, hot text or None) of a module's IR text (see the tier comment above)."""
    if not TIERS:
        return text, None
    lines = text.split("\n")
    head, decls, gdefs, funcs = [], [], [], []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("define "):
            j = i
            while lines[j] != "}":
                j += 1
            m = _DEFINE.match(ln)
            funcs.append((m.group(2), m, "\n".join(lines[i : j + 1])))
            i = j + 1
            continue
        if ln.startswith("declare "):
            decls.append(ln)
        elif ln.startswith("@"):
            gdefs.append(ln)
        elif ln.strip():
            head.append(ln)
        i += 1
    cold = {name for name, m, _ in funcs if "optnone" in m.group(4).split()}
    if not cold:
        return text, None
    callers = {name: [n for n, _, body in funcs if n != name and f"@{name}(" in body]
               for name, m, _ in funcs if "minsize" in m.group(4).split()}  # fmt: skip
    cold |= {name for name, cs in callers.items() if cs and all(c in cold for c in cs)}
    # inline-only helpers (mathlib's) go, as copies, with the functions that use them
    helpers = [f for f in funcs if "alwaysinline" in f[1].group(4).split()]
    funcs = [f for f in funcs if "alwaysinline" not in f[1].group(4).split()]
    parts = ([f for f in funcs if f[0] in cold], [f for f in funcs if f[0] not in cold])
    if not parts[1]:
        return text, None
    texts = []
    for mine, other in (parts, parts[::-1]):
        body = "\n".join(t for _, _, t in mine)
        used = []
        while True:  # (helpers may call helpers)
            more = [h for h in helpers if h not in used and f"@{h[0]}(" in body]
            if not more:
                break
            used += more
            body = "\n".join([body] + [t for _, _, t in more])
        mine = used + mine
        other_body = "\n".join(t for _, _, t in other)
        out = []
        for name, m, t in mine:
            if f"@{name}" in other_body:  # called from the other object: external linkage
                t = t.replace("define internal ", "define ", 1)
            out.append(t)
        ext = []
        for name, m, _ in other:
            if f"@{name}" in body:
                ret = " ".join(w for w in m.group(1).split() if w not in ("internal", "private"))
                ext.append(f"declare {ret} @{name}({_PARAM_NAME.sub('', m.group(3))})")
        texts.append((body, ext, out))
    mods = []
    for k, (body, ext, out) in enumerate(texts):
        gl = []
        for g in gdefs:
            name, rest = g.split(" = ", 1)
            internal = rest.startswith(("internal ", "private "))
            if k == 0:  # the cold object defines the shared globals
                if not internal or name in body:
                    gl.append(g)
            elif name in body:
                if internal:
                    gl.append(g)
                else:
                    m = _GLOBAL.match(rest)
                    gl.append(f"{name} = external {m.group(1)} {m.group(2)}")
        mods.append("\n".join(head + decls + gl + ext + out) + "\n")
    return mods[0], mods[1]


_tm0 = None


def _codegen_tm(level):
    global _tm0
    if level == 3:
        return target_machine()
    if _tm0 is None:
        _tm0 = _new_target_machine(opt=0)
    return _tm0


def _objects(llvm_ir):
    """The object code of a module's tiers."""
    cold, hot = split_module(llvm_ir)
    if hot is None:
        mod = llvm.parse_assembly(llvm_ir)
        mod.verify()
        _optimize(mod, target_machine())
        return [target_machine().emit_object(mod)]
    objs = []
    for text, level in ((cold, 0), (hot, 3)):
        mod = llvm.parse_assembly(text)
        mod.verify()
        tm = _codegen_tm(level)
        (_optimize if level == 3 else _optimize_lean)(mod, tm)
        objs.append(tm.emit_object(mod))
    return objs


def _cache_path(llvm_ir):
    d = os.environ.get("JTRANS_CACHE_DIR")
    return _disk_path(d, "", llvm_ir) if d else None


# object files on disk: a magic word, the SHA-256 of the rest, then the packed objects (checked
# on load: LLVM does not check what it loads, and a damaged file would crash the process)
_DISK_MAGIC = b"JTOBJ\x00\x00\x02"


def _disk_path(directory, prefix, *parts):
    """Where the object code for `parts` (IR text and options) on this host is stored."""
    key = hashlib.sha256("\0".join(
        (llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten(),
         ".".join(map(str, llvm.llvm_version_info)), *parts)
    ).encode()).hexdigest()  # fmt: skip
    return os.path.join(directory, f"{prefix}{key[:32]}.o")


def _disk_read(path):
    """The objects stored at `path`, or None (absent, unreadable or damaged)."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError:
        return None
    head, digest, body = blob[:8], blob[8:40], blob[40:]
    if head != _DISK_MAGIC or hashlib.sha256(body).digest() != digest:
        return None
    try:
        return _unpack(body)
    except struct.error:
        return None


def _disk_write(path, objs):
    """Stores `objs` at `path` (atomically; failures ignored: the cache is an optimisation)."""
    body = _pack(objs)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(_DISK_MAGIC + hashlib.sha256(body).digest() + body)
        os.replace(tmp, path)
    except OSError:
        pass


def _engine_of(objs):
    engine = llvm.create_mcjit_compiler(llvm.parse_assembly(_EMPTY_MODULE), _new_target_machine())
    for obj in objs:
        engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
    engine.finalize_object()
    return engine


_engines = {}  # IR text -> (engine, optimized text): the same module is compiled once
MAX_ENGINES = 256


def clear_cache():
    """Forgets the in-memory compiled modules (the next compile of each IR text is cold)."""
    with _lock:
        _engines.clear()


def compile_module(llvm_ir):
    """Optimizes and JIT-compiles an LLVM IR module text; returns (engine, None) (the second
    item, once the optimized text, stays for callers; `optimized_ir` prints that). A text
    compiled before in this process returns the same engine (its code is read-only; its
    globals are process-wide)."""
    with _lock:
        hit = _engines.get(llvm_ir)
        if hit is not None:
            return hit
    out = _compile_module(llvm_ir)
    with _lock:
        if len(_engines) >= MAX_ENGINES:
            _engines.pop(next(iter(_engines)))
        _engines[llvm_ir] = out
    return out


def _pack(objs):
    return struct.pack(f"<I{len(objs)}Q", len(objs), *map(len, objs)) + b"".join(objs)


def _unpack(blob):
    (n,) = struct.unpack_from("<I", blob)
    sizes = struct.unpack_from(f"<{n}Q", blob, 4)
    objs, at = [], 4 + 8 * n
    for size in sizes:
        objs.append(blob[at : at + size])
        at += size
    return objs


def _compile_module(llvm_ir):
    with _lock:
        target_machine()
        path = _cache_path(llvm_ir)
        objs = _disk_read(path) if path is not None else None
        if objs is None:
            objs = _objects(llvm_ir)
            if path is not None:
                _disk_write(path, objs)
        # (printing the optimized module costs; optimized_ir() shows it)
        return _engine_of(objs), None


def optimized_ir(llvm_ir):
    """The optimized text of a module's tiers (for inspection)."""
    with _lock:
        cold, hot = split_module(llvm_ir)
        out = []
        for text, level in ((cold, 3 if hot is None else 0), (hot, 3)):
            if text is None:
                continue
            mod = llvm.parse_assembly(text)
            tm = _codegen_tm(level)
            (_optimize if level == 3 else _optimize_lean)(mod, tm)
            out.append(f"; ---- tier: {'O3' if level == 3 else 'lean, codegen O0'}\n{mod}")
        return "\n".join(out)


_EMPTY_MODULE = ""


# ---------------------------------------------------------------------------------------------
# the thread pool: parallel loops over the machine's cores
#
# `jt_parallel_for(fn, ctx, n)` runs fn(ctx, i) for i < n, the calling thread and the pool's
# workers taking chunks from a shared counter (so a descheduled worker delays a job by at most
# the chunk it holds). Workers are Python threads blocked in native code (`jt_pool_worker`),
# woken through a futex. A job is a descriptor on the caller's stack published in `job`;
# `active` counts workers looking at a descriptor, and the caller waits for it to drop to zero
# after unpublishing, so no worker touches a dead descriptor. A second caller that finds the
# pool busy runs its chunks alone. Linux x86-64 only (futex syscall number, `pause`); elsewhere
# `pool_address()` is 0 and kernels run serially.

_pool = None
# An idle worker first spins POOL_SPINS pause loops (~26 ns each on this project's machines),
# then gives its core away (sched_yield) and looks again until POOL_IDLE_CYCLES time-stamp
# counter ticks (~0.4 ms at 2.4 GHz) have passed since it went idle, then sleeps on the futex.
# The idle stretch outlasts the serial stretches between two parallel kernels of a call and the
# Python between two calls, so a job rarely waits for a futex wake (10-35 us each here), while
# another thread that needs the core still gets it (benchmarks/NOTES.md round 4). The bound is
# time, not a number of yields: under contention one sched_yield can last a whole time slice,
# and 400 of them kept the workers runnable for tens of ms, slowing NumPy's BLAS threads that
# ran next by up to 200x (the demo's NumPy timings).
POOL_SPINS = int(os.environ.get("JTRANS_POOL_SPINS", 2000))
POOL_IDLE_CYCLES = int(os.environ.get("JTRANS_POOL_IDLE_CYCLES", 1_000_000))


def _pool_ir():
    from llvmlite import ir

    i8, i32, i64 = ir.IntType(8), ir.IntType(32), ir.IntType(64)
    ptr = i8.as_pointer()
    m = ir.Module("jt_pool")
    chunk_ty = ir.FunctionType(ir.VoidType(), [ptr, i64])
    # descriptor: {fn, ctx, n, next, done}
    desc_ty = ir.LiteralStructType([chunk_ty.as_pointer(), ptr, i64, i64, i64])

    def glob(name, ty):
        g = ir.GlobalVariable(m, ty, name)
        g.initializer = ir.Constant(ty, None)
        g.align = 64
        return g

    job = glob("jt_pool_job", desc_ty.as_pointer())
    gen, sleeping, active = glob("jt_pool_gen", i32), glob("jt_pool_sleeping", i32), glob(
        "jt_pool_active", i32)  # fmt: skip
    busy, quit_, nworkers = glob("jt_pool_busy", i32), glob("jt_pool_quit", i32), glob(
        "jt_pool_nworkers", i32)  # fmt: skip
    syscall = ir.Function(m, ir.FunctionType(i64, [i64], var_arg=True), "syscall")
    pause = ir.Function(m, ir.FunctionType(ir.VoidType(), []), "llvm.x86.sse2.pause")

    def atomic_load(b, p):
        v = b.load_atomic(p, "seq_cst", 4 if p.type.pointee == i32 else 8)
        return v

    def rmw(b, op, p, v):
        return b.atomic_rmw(op, p, v, "seq_cst")

    # work(desc): take chunks until none is left
    work = ir.Function(m, ir.FunctionType(ir.VoidType(), [desc_ty.as_pointer()]), "jt_pool_work")
    work.linkage = "internal"
    b = ir.IRBuilder(work.append_basic_block("entry"))
    d = work.args[0]
    fn = b.load(b.gep(d, [i32(0), i32(0)]))
    ctx = b.load(b.gep(d, [i32(0), i32(1)]))
    n = b.load(b.gep(d, [i32(0), i32(2)]))
    loop, body, out = (work.append_basic_block(x) for x in ("loop", "body", "out"))
    b.branch(loop)
    b.position_at_end(loop)
    i = rmw(b, "add", b.gep(d, [i32(0), i32(3)]), i64(1))
    b.cbranch(b.icmp_signed("<", i, n), body, out)
    b.position_at_end(body)
    b.call(fn, [ctx, i])
    rmw(b, "add", b.gep(d, [i32(0), i32(4)]), i64(1))
    b.branch(loop)
    b.position_at_end(out)
    b.ret_void()

    # worker loop
    w = ir.Function(m, ir.FunctionType(ir.VoidType(), []), "jt_pool_worker")
    rdtsc = ir.Function(m, ir.FunctionType(i64, []), "llvm.readcyclecounter")
    b = ir.IRBuilder(w.append_basic_block("entry"))
    seen = b.alloca(i32)
    spins = b.alloca(i32)
    idle_since = b.alloca(i64)
    b.store(atomic_load(b, gen), seen)
    wait, check, spin, sleep, run, leave = (w.append_basic_block(x) for x in
                                            ("wait", "check", "spin", "sleep", "run", "leave"))  # fmt: skip
    b.branch(wait)
    b.position_at_end(wait)
    b.store(i32(0), spins)
    b.store(b.call(rdtsc, []), idle_since)
    b.branch(check)
    b.position_at_end(check)
    g = atomic_load(b, gen)
    changed = b.icmp_unsigned("!=", g, b.load(seen))
    newjob = w.append_basic_block("newjob")
    b.cbranch(changed, newjob, spin)
    b.position_at_end(spin)
    s = b.load(spins)
    b.store(b.add(s, i32(1)), spins)
    spin_more = w.append_basic_block("spin_more")
    yield_ = w.append_basic_block("yield")
    b.cbranch(b.icmp_signed("<", s, i32(POOL_SPINS)), spin_more, yield_)
    b.position_at_end(spin_more)
    b.call(pause, [])
    b.branch(check)
    b.position_at_end(yield_)
    yield_more = w.append_basic_block("yield_more")
    idle = b.sub(b.call(rdtsc, []), b.load(idle_since))
    b.cbranch(b.icmp_signed("<", idle, i64(POOL_IDLE_CYCLES)), yield_more, sleep)
    b.position_at_end(yield_more)
    b.call(syscall, [i64(24)])  # sched_yield
    b.branch(check)
    b.position_at_end(sleep)
    rmw(b, "add", sleeping, i32(1))
    b.call(syscall, [i64(202), b.bitcast(gen, ptr), i32(128), b.load(seen), ir.Constant(ptr, None)])
    rmw(b, "sub", sleeping, i32(1))
    b.branch(wait)
    b.position_at_end(newjob)
    b.store(g, seen)
    b.cbranch(b.icmp_unsigned("!=", atomic_load(b, quit_), i32(0)), leave, run)
    b.position_at_end(run)
    rmw(b, "add", active, i32(1))
    dj = atomic_load(b, job)
    has = w.append_basic_block("has")
    done_ = w.append_basic_block("done")
    b.cbranch(b.icmp_unsigned("!=", dj, ir.Constant(dj.type, None)), has, done_)
    b.position_at_end(has)
    b.call(work, [dj])
    b.branch(done_)
    b.position_at_end(done_)
    rmw(b, "sub", active, i32(1))
    b.branch(wait)
    b.position_at_end(leave)
    b.ret_void()

    # parallel_for(fn, ctx, n)
    pf = ir.Function(m, ir.FunctionType(ir.VoidType(), [chunk_ty.as_pointer(), ptr, i64]),
                     "jt_parallel_for")  # fmt: skip
    fn, ctx, n = pf.args
    b = ir.IRBuilder(pf.append_basic_block("entry"))
    serial, par, serial_loop, serial_body, ret = (pf.append_basic_block(x) for x in
                                                  ("serial", "par", "sloop", "sbody", "ret"))  # fmt: skip
    desc = b.alloca(desc_ty)
    for k, v in enumerate((fn, ctx, n, i64(0), i64(0))):
        b.store(v, b.gep(desc, [i32(0), i32(k)]))
    few = b.icmp_signed("<", n, i64(2))
    none = b.icmp_signed("<", atomic_load(b, nworkers), i32(1))
    try_ = pf.append_basic_block("try")
    b.cbranch(b.or_(few, none), serial, try_)
    b.position_at_end(try_)
    pair = b.cmpxchg(busy, i32(0), i32(1), "seq_cst", "seq_cst")
    b.cbranch(b.extract_value(pair, 1), par, serial)
    b.position_at_end(serial)
    b.call(work, [desc])
    b.branch(ret)
    b.position_at_end(par)
    b.store_atomic(desc, job, "seq_cst", 8)
    rmw(b, "add", gen, i32(1))
    wake, run2 = pf.append_basic_block("wake"), pf.append_basic_block("run")
    b.cbranch(b.icmp_signed(">", atomic_load(b, sleeping), i32(0)), wake, run2)
    b.position_at_end(wake)
    b.call(syscall, [i64(202), b.bitcast(gen, ptr), i32(129), i32(1 << 30)])
    b.branch(run2)
    b.position_at_end(run2)
    b.call(work, [desc])
    # wait for the chunks others hold, unpublish, wait for the workers to leave
    w1, w1b, after = (pf.append_basic_block(x) for x in ("wait_done", "wait_done_b", "unpub"))
    b.branch(w1)
    b.position_at_end(w1)
    dn = atomic_load(b, b.gep(desc, [i32(0), i32(4)]))
    b.cbranch(b.icmp_signed("<", dn, n), w1b, after)
    b.position_at_end(w1b)
    b.call(pause, [])
    b.branch(w1)
    b.position_at_end(after)
    b.store_atomic(ir.Constant(desc_ty.as_pointer(), None), job, "seq_cst", 8)
    w2, w2b, fin = (pf.append_basic_block(x) for x in ("wait_idle", "wait_idle_b", "fin"))
    b.branch(w2)
    b.position_at_end(w2)
    b.cbranch(b.icmp_signed(">", atomic_load(b, active), i32(0)), w2b, fin)
    b.position_at_end(w2b)
    b.call(pause, [])
    b.branch(w2)
    b.position_at_end(fin)
    b.store_atomic(i32(0), busy, "seq_cst", 4)
    b.branch(ret)
    b.position_at_end(serial_loop)
    b.branch(serial_body)
    b.position_at_end(serial_body)
    b.branch(ret)
    b.position_at_end(ret)
    b.ret_void()
    return str(m)


def pool_address():
    """The address of `jt_parallel_for`, starting the pool's workers on first use (one per core
    beyond the first); 0 where there is no pool (one core, or not Linux x86-64)."""
    global _pool
    if _pool is None:
        import ctypes
        import platform
        import threading

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        cores = int(os.environ.get("JTRANS_NUM_THREADS", cores))
        if cores < 2 or platform.system() != "Linux" or platform.machine() != "x86_64":
            _pool = (None, 0)
            return 0
        llvm.add_symbol("syscall", ctypes.cast(ctypes.CDLL(None).syscall, ctypes.c_void_p).value)
        engine = load_library(_pool_ir())
        worker = ctypes.CFUNCTYPE(None)(engine.get_function_address("jt_pool_worker"))
        threads = []
        for k in range(cores - 1):
            t = threading.Thread(target=worker, name=f"jtrans-pool-{k}", daemon=True)
            t.start()
            threads.append(t)
        ctypes.c_int32.from_address(engine.get_global_value_address("jt_pool_nworkers")).value = (
            cores - 1
        )
        _pool = (engine, engine.get_function_address("jt_parallel_for"), worker, threads)
    return _pool[1]


# ---------------------------------------------------------------------------------------------
# the runtime's own routines (thread pool, call path, GEMM routine and kernels) are the same
# code in every process on a machine: their object code is kept on disk (~200 ms of LLVM work a
# process, nearly all of a fresh process's first call of a small program otherwise)

LIBRARY_CACHE = os.environ.get("JTRANS_LIBRARY_CACHE", "1") != "0"


def _library_cache_dir():
    """JTRANS_CACHE_DIR when set, else the user's cache directory (XDG_CACHE_HOME or ~/.cache,
    then jtrans/); None when JTRANS_LIBRARY_CACHE=0."""
    if not LIBRARY_CACHE:
        return None
    d = os.environ.get("JTRANS_CACHE_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "jtrans")


def load_library(ir_text, optimize=True):
    """An engine holding the routine module `ir_text` (optimized with the O3 pipeline unless
    `optimize` is false, then only code generation), its object code read from the library
    cache when there, else compiled and stored there."""
    with _lock:
        d = _library_cache_dir()
        path = _disk_path(d, "lib-", str(optimize), ir_text) if d else None
        objs = _disk_read(path) if path is not None else None
        if objs is None:
            mod = llvm.parse_assembly(ir_text)
            mod.verify()
            if optimize:
                _optimize(mod, target_machine())
            objs = [target_machine().emit_object(mod)]
            if path is not None:
                _disk_write(path, objs)
        return _engine_of(objs)


# ---------------------------------------------------------------------------------------------
# the process-wide GEMM routine (drivers.gemm_library_ir): compiled once, called by every module's
# GEMM drivers through the module global llvm.GEMM_GLOBAL

_gemm = None


def gemm_address():
    """The address of `jt_gemm_t(a, b, c, gemm, descriptor template)`, compiling the GEMM
    routine on first use."""
    global _gemm
    if _gemm is None:
        from .drivers import gemm_library_ir

        engine = load_library(gemm_library_ir())
        from . import blas_pointers
        from .runtime import blas_threads_setter

        for name, value in (("jt_gemm_set_threads", blas_threads_setter(blas_pointers()[0])),
                            ("jt_gemm_parallel_for", pool_address())):  # fmt: skip
            ctypes.c_int64.from_address(engine.get_global_value_address(name)).value = value
        _gemm = (engine, engine.get_function_address("jt_gemm_t"))
    return _gemm[1]


# jtrans's own GEMM kernels (gemm.py), one engine per dtype, compiled when a program first has a
# product of that dtype; their address goes into the GEMM routine's jt_gemm_own_<s|d>
OWN_GEMM = os.environ.get("JTRANS_GEMM", "own") != "blas"  # JTRANS_GEMM=blas: the BLAS only
_own = {}


def own_gemm_available():
    """Whether the own kernels apply here: the host has AVX-512F (their tiles use 32 vector
    registers) and JTRANS_GEMM is not "blas"."""
    return OWN_GEMM and "+avx512f" in llvm.get_host_cpu_features().flatten().split(",")


def use_own_gemm(dtype):
    """Compiles the own kernels for `dtype` (float32 or float64) on first use and installs them
    in the GEMM routine; a no-op where they do not apply or for other dtypes."""
    name = getattr(dtype, "name", str(dtype))
    if name in _own or name not in ("float32", "float64") or not own_gemm_available():
        return
    from .gemm import gemm_ir

    gemm_address()
    # no IR passes: the kernels are written in their final form (pointer induction, the
    # accumulators in SSA values), and codegen alone gives ~97% of their O3 speed in a third of
    # the time (benchmarks/NOTES.md, round 6)
    engine = load_library(gemm_ir(name), optimize=False)
    with _lock:
        if name in _own:
            return
        letter = "s" if name == "float32" else "d"
        fn = engine.get_function_address(f"jt_{letter}gemm_tiles")
        where = _gemm[0].get_global_value_address(f"jt_gemm_own_{letter}")
        _own[name] = engine
        ctypes.c_int64.from_address(where).value = fn


# the process-wide call path (drivers.pycall_library_ir): compiled once, called by the runtime
# for every executable with that executable's context (drivers.PYCALL_CTX)

_pycall = None


def pycall_address(layout):
    """The address of `jt_pycall(args, outs, ctx)`, compiling it on first use."""
    global _pycall
    if _pycall is None:
        from .drivers import pycall_library_ir

        engine = load_library(pycall_library_ir(layout))
        _pycall = (engine, engine.get_function_address("jt_pycall"))
    return _pycall[1]
