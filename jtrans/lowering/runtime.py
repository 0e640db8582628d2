"""Executables: buffer planning, the workspace pool, call-outs, and the Python call path.

Buffer planning gives every temporary a fixed offset in one workspace; a temporary's space is
reused once its last reader has run (a kernel never writes over one of its own inputs). Workspaces
are kept in a pool owned by the executable, so repeated calls neither return multi-MB temporaries
to the OS nor page-fault them in again. The call path flattens nothing (jit did that): it makes
inputs contiguous, allocates outputs, takes a workspace, makes one native call, and returns.
"""

import ctypes
import math
import threading

import numpy as np

from . import cpu
from . import kernel as K

ALIGN = 64


def plan_buffers(prog):
    """{tmp buffer name: byte offset} and the workspace size, reusing space by liveness."""
    last_use = {}
    for i, s in enumerate(prog.steps):
        for b in s.inputs:
            last_use[b.name] = i
    offsets, free, top = {}, [], 0  # free: list of (offset, size)
    live = {}
    for i, s in enumerate(prog.steps):
        for b in s.out_buffers:
            if b.kind != "tmp" or b.name in offsets:
                continue
            size = max(ALIGN, -(-b.nbytes // ALIGN) * ALIGN)
            for j, (off, sz) in enumerate(free):
                if sz >= size:
                    offsets[b.name] = off
                    free[j] = (off + size, sz - size)
                    if sz == size:
                        free.pop(j)
                    break
            else:
                offsets[b.name] = top
                top += size
            live[b.name] = (offsets[b.name], size)
            if b.name not in last_use:  # written but never read (dead)
                last_use[b.name] = i
        for name, (off, size) in list(live.items()):
            if last_use.get(name, -1) <= i:
                free.append((off, size))
                del live[name]
        free.sort()
        merged = []
        for off, sz in free:
            if merged and merged[-1][0] + merged[-1][1] == off:
                merged[-1] = (merged[-1][0], merged[-1][1] + sz)
            else:
                merged.append((off, sz))
        free = merged
    return offsets, top


class Locator:
    """Where each buffer's address comes from: a slot of the `bufs` table or the workspace."""

    def __init__(self, prog, offsets):
        self.n_in = len(prog.inputs)
        self.n_out = len(prog.out_sources)
        self.n_const = len(prog.consts)
        self.ws_slot = self.n_in + self.n_out + self.n_const
        self.offsets = offsets

    def __call__(self, buf):
        if buf.kind == "in":
            return ("slot", buf.slot)
        if buf.kind == "out":
            return ("slot", self.n_in + buf.slot)
        if buf.kind == "const":
            return ("slot", self.n_in + self.n_out + buf.slot)
        return ("ws", self.offsets[buf.name])


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int64)
_ENTRY = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p)


def _data(a):
    return a.__array_interface__["data"][0]


def _probe_layout():
    """Byte offsets of the CPython tuple and NumPy ndarray fields the native call path reads
    (`drivers.pycall`), checked on live objects; None (the ctypes path only) if any disagrees."""
    try:
        word = ctypes.c_void_p.from_address
        a = np.ones(3, np.float32)
        t = (a, None)
        lay = dict(ob_type=8, tuple_size=16, tuple_items=24, data=16, descr=56, flags=64,
                   c_contiguous=0x0001, aligned=0x0100)  # fmt: skip
        ok = (word(id(a) + lay["ob_type"]).value == id(np.ndarray)
              and ctypes.c_ssize_t.from_address(id(t) + lay["tuple_size"]).value == 2
              and word(id(t) + lay["tuple_items"]).value == id(a)
              and word(id(a) + lay["data"]).value == a.ctypes.data
              and word(id(a) + lay["descr"]).value == id(np.dtype(np.float32))
              and ctypes.c_int.from_address(id(a) + lay["flags"]).value & 0x0101 == 0x0101
              and ctypes.c_int.from_address(id(a[::2]) + lay["flags"]).value & 1 == 0
              and ctypes.sizeof(ctypes.c_void_p) == 8)  # fmt: skip
        return lay if ok else None
    except Exception:  # an unknown interpreter: keep the portable path
        return None


PY_LAYOUT = _probe_layout()
_PYCALL = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.py_object, ctypes.py_object, ctypes.c_void_p)


# -- the result pool ---------------------------------------------------------------------------
# Large results live in pooled blocks: the block goes back to the pool when the last array that
# uses it dies, so a loop that makes a 40 MB result per call does not map and page-fault 40 MB
# of fresh memory each time (~5 ms per 40 MB on this project's machines).

POOL_MIN_BYTES = 1 << 20
POOL_MAX_BYTES = 256 << 20
POOL_PER_SIZE = 4
_free = {}  # nbytes -> [raw uint8 arrays]
_pooled = [0]  # bytes held in _free


class _Block:
    """The owner of a pooled result's memory (the result array's base)."""

    __slots__ = ("raw", "nbytes", "__array_interface__")

    def __init__(self, raw, nbytes, shape, dtype):
        self.raw, self.nbytes = raw, nbytes
        self.__array_interface__ = {"data": (_data(raw), False), "shape": shape,
                                    "typestr": dtype.str, "version": 3}  # fmt: skip

    def __del__(self):
        try:
            lst = _free.setdefault(self.nbytes, [])
            if len(lst) < POOL_PER_SIZE and _pooled[0] + self.nbytes <= POOL_MAX_BYTES:
                lst.append(self.raw)
                _pooled[0] += self.nbytes
        except Exception:  # interpreter shutdown
            pass


def alloc_result(shape, dtype):
    """An uninitialised C-contiguous array for a result: from the pool when large."""
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < POOL_MIN_BYTES:
        return np.empty(shape, dtype)
    lst = _free.get(nbytes)
    raw = None
    if lst:
        try:
            raw = lst.pop()
            _pooled[0] -= nbytes
        except IndexError:
            raw = None
    if raw is None:
        big = np.empty(nbytes + ALIGN, np.uint8)
        off = (-_data(big)) % ALIGN
        raw = big[off : off + nbytes]
    return np.asarray(_Block(raw, nbytes, tuple(shape), dtype))


def clear_result_pool():
    _free.clear()
    _pooled[0] = 0


_blas_threads_fn = {}


def blas_threads_setter(gemm_ptr):
    """The address of `openblas_set_num_threads_local` in the library that holds `gemm_ptr`
    (found with dladdr), or 0 when that library has none."""
    if gemm_ptr not in _blas_threads_fn:
        addr = 0
        try:

            class _DlInfo(ctypes.Structure):
                _fields_ = [("fname", ctypes.c_char_p), ("fbase", ctypes.c_void_p),
                            ("sname", ctypes.c_char_p), ("saddr", ctypes.c_void_p)]  # fmt: skip

            libc = ctypes.CDLL(None)
            info = _DlInfo()
            if libc.dladdr(ctypes.c_void_p(gemm_ptr), ctypes.byref(info)) and info.fname:
                lib = ctypes.CDLL(info.fname.decode())
                fn = getattr(lib, "openblas_set_num_threads_local", None)
                addr = ctypes.cast(fn, ctypes.c_void_p).value if fn is not None else 0
        except (OSError, AttributeError):
            addr = 0
        _blas_threads_fn[gemm_ptr] = addr or 0
    return _blas_threads_fn[gemm_ptr]


def _set_blas_threads_global(engine, gemm_ptr):
    """Fills the module globals that hold the pool's parallel_for and the GEMM routine
    (absent from modules that need neither; `gemm_ptr` is kept for callers)."""
    from . import cpu
    from .llvm import GEMM_GLOBAL, PARALLEL_FOR_GLOBAL

    for name, value in ((PARALLEL_FOR_GLOBAL, cpu.pool_address),
                        (GEMM_GLOBAL, cpu.gemm_address)):  # fmt: skip
        try:
            where = engine.get_global_value_address(name)
        except Exception:  # not in this module
            continue
        if where:
            ctypes.c_void_p.from_address(where).value = value() or None


def fresh_outputs(prog):
    """{output slot: index among the freshly allocated results}: outputs that are a buffer the
    program writes (not an input, a constant, a literal or a repeated output)."""
    fresh = {}
    for j, (kind, x, _) in enumerate(prog.out_sources):
        if kind == "buffer" and x.kind == "out" and x.slot == j:
            fresh[j] = len(fresh)
    return fresh


class Executable:
    def __init__(self, prog, engine, entry_name, offsets, ws_size, blas_ptrs):
        self.prog, self.engine = prog, engine
        self.offsets, self.ws_size = offsets, ws_size
        self.in_dtypes = [b.dtype for b in prog.inputs]
        self.out_specs = []
        for src in prog.out_sources:
            kind, x, aval = src
            self.out_specs.append((kind, x, aval.shape, np.dtype(aval.dtype)))
        self.n_slots = len(prog.inputs) + len(prog.out_sources) + len(prog.consts) + 1
        self.consts = [c for _, c in prog.consts]
        self._pool = []
        self._pool_lock = threading.Lock()
        self._tls = threading.local()
        self._error = None
        self._cb = _CALLBACK(self._callout)
        ext = (ctypes.c_void_p * 3)(ctypes.cast(self._cb, ctypes.c_void_p).value, *blas_ptrs)
        self._ext = ext
        self._entry = _ENTRY(engine.get_function_address(entry_name))
        _set_blas_threads_global(engine, blas_ptrs[0])
        self.callouts = {i: s for i, s in enumerate(prog.steps) if isinstance(s, K.CallOut)}
        # the native call path (drivers.pycall): used when the module has it and no top-level
        # call-out needs the Python view of the buffers
        self._fresh = fresh_outputs(prog)
        self._fresh_specs = [
            (spec[2], spec[3], int(np.prod(spec[2])) * spec[3].itemsize < POOL_MIN_BYTES)
            for j, spec in enumerate(self.out_specs) if j in self._fresh]  # fmt: skip
        self._all_fresh = len(self._fresh) == len(self.out_specs)
        addr = cpu.pycall_address(PY_LAYOUT) if PY_LAYOUT is not None else 0
        self._pycall = _PYCALL(addr) if addr and not self.callouts else None
        # the call path's context (drivers.PYCALL_CTX)
        ctx = [self._ext_addr(), id(np.ndarray), engine.get_function_address(entry_name),
               len(prog.inputs), len(prog.out_sources), len(prog.consts)]  # fmt: skip
        ctx += [id(np.dtype(dt)) for dt in self.in_dtypes]
        ctx += [self._fresh.get(j, -1) for j in range(len(prog.out_sources))]
        ctx += [_data(c) for c in self.consts]
        self._ctx = (ctypes.c_int64 * len(ctx))(*ctx)
        self._ctx_addr = ctypes.addressof(self._ctx)

    def _ext_addr(self):
        return ctypes.addressof(self._ext)

    # -- workspace pool ----------------------------------------------------------------------------

    def _take_ws(self):
        with self._pool_lock:
            if self._pool:
                return self._pool.pop()
        return np.empty(max(self.ws_size, ALIGN) + ALIGN, np.uint8)

    def _give_ws(self, ws):
        with self._pool_lock:
            if len(self._pool) < 4:
                self._pool.append(ws)

    # -- call path -------------------------------------------------------------------------------

    def __call__(self, *args):
        fast = self._pycall
        if fast is not None:
            outs = [np.empty(shape, dt) if small else alloc_result(shape, dt)
                    for shape, dt, small in self._fresh_specs]  # fmt: skip
            pool = self._pool
            try:
                ws = pool.pop()
            except IndexError:
                ws = np.empty(max(self.ws_size, ALIGN) + ALIGN, np.uint8)
            outs.append(ws)
            rc = fast(args, tuple(outs), self._ctx_addr)
            if len(pool) < 4:
                pool.append(ws)
            outs.pop()
            if rc == 0:
                if self._all_fresh:
                    return outs
                full, it = [], iter(outs)
                for j in range(len(self.out_specs)):
                    full.append(next(it) if j in self._fresh else None)
                return self._results(list(args), full)
            if rc > 0:
                err, self._error = self._error, None
                raise err
            # rc < 0: an input needs converting (dtype, layout, type): the general path
        return self._call(args)

    def _call(self, args):
        ins = []
        for a, dt in zip(args, self.in_dtypes):
            a = np.asarray(a)
            if a.dtype != dt:
                a = a.astype(dt)
            if not a.flags.c_contiguous:
                a = np.ascontiguousarray(a)
            ins.append(a)
        outs = []
        for j, (kind, x, shape, dt) in enumerate(self.out_specs):
            if kind == "buffer" and x.kind == "out" and x.slot == j:
                outs.append(alloc_result(shape, dt))
            else:
                outs.append(None)
        ws = self._take_ws()
        base = _data(ws)
        base += (-base) % ALIGN
        table = (ctypes.c_void_p * self.n_slots)()
        i = 0
        for a in ins:
            table[i] = _data(a)
            i += 1
        for o in outs:
            table[i] = _data(o) if o is not None else None
            i += 1
        for c in self.consts:
            table[i] = _data(c)
            i += 1
        table[i] = base
        stack = getattr(self._tls, "stack", None)
        if stack is None:
            stack = self._tls.stack = []
        stack.append((ins, outs, ws, base))
        try:
            rc = self._entry(ctypes.addressof(table), ctypes.addressof(self._ext))
        finally:
            stack.pop()
            self._give_ws(ws)
        if rc != 0:
            err, self._error = self._error, None
            raise err
        return self._results(ins, outs)

    def _results(self, ins, outs):
        results = []
        for (kind, x, shape, dt), o in zip(self.out_specs, outs):
            if o is not None:
                results.append(o)
            elif kind == "literal":
                results.append(np.full(shape, x, dt))
            else:  # an output that is an input, a constant, or listed twice: a copy
                results.append(np.array(self._view(x, ins, outs, None, None), copy=True))
        return results

    def _view(self, buf, ins, outs, ws, base):
        if buf.kind == "in":
            return ins[buf.slot]
        if buf.kind == "out":
            return outs[buf.slot]
        if buf.kind == "const":
            return self.consts[buf.slot]
        off = self.offsets[buf.name] + (base - _data(ws))
        n = int(np.prod(buf.shape, dtype=np.int64))
        return ws[off : off + n * buf.dtype.itemsize].view(buf.dtype).reshape(buf.shape)

    def _callout(self, idx):
        try:
            step = self.callouts.get(idx)
            if step is None:  # inside a control-flow body: idx is the address of a frame
                from . import control

                control.run_nested_callout(self, idx)
                return 0
            ins, outs, ws, base = self._tls.stack[-1]
            res = step.run(lambda x: self._view(x, ins, outs, ws, base))
            for buf, r in zip(step.out_buffers, res):
                np.copyto(self._view(buf, ins, outs, ws, base), np.asarray(r), casting="unsafe")
            return 0
        except BaseException as e:  # handed to the caller after the native call returns
            self._error = e
            return 1
