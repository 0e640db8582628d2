"""Executables: buffer planning, the workspace pool, call-outs, and the Python call path.

Buffer planning gives every temporary a fixed offset in one workspace; a temporary's space is
reused once its last reader has run (a kernel never writes over one of its own inputs). Workspaces
are kept in a pool owned by the executable, so repeated calls neither return multi-MB temporaries
to the OS nor page-fault them in again. The call path flattens nothing (jit did that): it makes
inputs contiguous, allocates outputs, takes a workspace, makes one native call, and returns.
"""

import ctypes
import threading

import numpy as np

from .. import core
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
        self.callouts = {i: s for i, s in enumerate(prog.steps) if isinstance(s, K.CallOut)}

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
                outs.append(np.empty(shape, dt))
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
            vals = []
            for x in step.operands:
                if isinstance(x, K.Buffer):
                    vals.append(self._view(x, ins, outs, ws, base))
                else:  # a Literal
                    vals.append(np.asarray(x.val, x.aval.dtype))
            with core.set_current_trace(core.eval_trace):
                res = core.impl_rules[step.prim](*vals, **step.params)
            if not step.prim.multiple_results:
                res = [res]
            for buf, r in zip(step.out_buffers, res):
                np.copyto(self._view(buf, ins, outs, ws, base), np.asarray(r), casting="unsafe")
            return 0
        except BaseException as e:  # handed to the caller after the native call returns
            self._error = e
            return 1
