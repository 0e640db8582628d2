"""Runs CudaPrograms (jtrans/lowering/cuda.py) on a GPU: kernel launches, GEMMs, host steps and
control flow in order, temporaries from a reused workspace, results in pooled device buffers
(jtrans/device.py); and `jit`'s entry points for device computations (placement follows the
arguments, or `jit(..., device=...)`).

Kernels launch through the driver's cuLaunchKernel with their parameters packed here
(`_DriverLaunch`); Numba's kernel-level launch and its dispatcher are the fallbacks.
"""

import threading
import warnings
import weakref

import numpy as np

from .. import core
from .. import device as D
from . import kernel as K
from .cuda import _gemm_sig, _size, program


def _compile(disp, sig):
    """disp.compile(sig), with a clear error where Numba's CUDA target cannot load its NumPy
    support (seen: numba-cuda 0.30.4 registers np.row_stack, which NumPy 2.5 removed)."""
    try:
        return disp.compile(sig)
    except AttributeError as e:
        if "module 'numpy'" not in str(e):
            raise
        from importlib import metadata

        try:
            which = f"numba-cuda {metadata.version('numba-cuda')}"
        except metadata.PackageNotFoundError:
            which = "Numba's CUDA target"
        raise RuntimeError(
            f"{which} cannot compile kernels with NumPy {np.__version__} ({e}): it uses a NumPy "
            "name this NumPy no longer has. Install a NumPy release that it supports (for "
            "numba-cuda 0.30.4: numpy<2.5) or a numba-cuda release made for this NumPy."
        ) from e


def _numba_launch(disp, kern):
    """Numba's kernel-level launch (no argument typing), on the dispatcher's default stream."""
    launch = getattr(kern, "launch", None)
    if launch is None:
        return None
    stream = getattr(disp[1, 1], "stream", 0)
    return lambda args, grid, block: launch(args, _dims(grid), _dims(block), stream)


class _DriverLaunch:
    """Launches one compiled kernel through cuLaunchKernel on the legacy default stream (the
    stream Numba's own launches and copies use, so the order of work is unchanged).

    Numba passes a 1-D array as seven 8-byte parameters (meminfo, parent, nitems, itemsize,
    data, shape, stride); jtrans's kernels take only flat arrays and int64 scalars, so the
    parameter block is an int64 array refilled on each launch (the driver copies it at launch)."""

    _cuda = None  # libcuda's cuLaunchKernel

    @classmethod
    def make(cls, kern, sig):
        """A launcher, or None where this Numba or driver does not allow it."""
        import os

        from numba import types

        if os.environ.get("JTRANS_CUDA_LAUNCH", "driver") != "driver":
            return None
        try:
            if cls._cuda is None:
                import ctypes

                f = ctypes.CDLL("libcuda.so.1").cuLaunchKernel
                f.restype = ctypes.c_int
                f.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [ctypes.c_void_p] * 3
                cls._cuda = f
            kinds = []
            for t in sig:
                if isinstance(t, types.Array) and t.ndim == 1:
                    kinds.append(True)
                elif t == types.int64:
                    kinds.append(False)
                else:
                    return None
            handle = kern._codelibrary.get_cufunc().handle
            return cls(int(getattr(handle, "value", None) or int(handle)), kinds)
        except Exception:  # noqa: BLE001  (another Numba's internals: its own launch then)
            return None

    def __init__(self, func, kinds):
        import ctypes

        self.func, self.kinds = func, kinds
        n = sum(7 if k else 1 for k in kinds)
        self.vals = (ctypes.c_int64 * n)()
        base = ctypes.addressof(self.vals)
        self.params = (ctypes.c_void_p * n)(*[base + 8 * i for i in range(n)])
        self.lock = threading.Lock()

    def __call__(self, args, grid, block):
        flat = []
        for is_array, a in zip(self.kinds, args):
            if is_array:
                size, isz = a.shape[0], a.dtype.itemsize
                flat += (0, 0, size, isz, _device_pointer(a), size, isz)
            else:
                flat.append(int(a))
        gx, gy, gz = _dims(grid)
        bx, by, bz = _dims(block)
        with self.lock:
            self.vals[:] = flat
            err = self._cuda(self.func, gx, gy, gz, bx, by, bz, 0, None, self.params, None)
        if err:
            raise RuntimeError(
                f"cuLaunchKernel failed (CUresult {err}) for a {gx}x{gy}x{gz} grid of "
                f"{bx}x{by}x{bz} threads; JTRANS_CUDA_LAUNCH=numba launches through Numba instead"
            )


def _device_pointer(buf):
    p = getattr(buf, "_jtrans_ptr", None)
    if p is None:
        p = buf.device_ctypes_pointer.value or 0
    return p


def _dims(d):
    """A launch dimension as CUDA's (x, y, z)."""
    return (d, 1, 1) if isinstance(d, int) else tuple(d) + (1,) * (3 - len(d))


class CudaExecutable:
    """Runs a CudaProgram on one GPU: arguments are flat device buffers; returns flat device
    buffers, one per output. Control flow runs here, on the host, around kernel launches.

    Temporaries (intermediate buffers, reduction partials, loop carries' spare buffers) live in
    a workspace: {key: device buffer}, allocated on a first call and reused by later ones. Idle
    workspaces wait in a small per-executable pool, so concurrent calls never share one; results
    are fresh buffers (they outlive the call)."""

    POOL_SIZE = 2

    def __init__(self, prog, device):
        from numba import cuda

        self.prog, self.device, self.cuda = prog, device, cuda
        self._jit, self._launchers = {}, {}
        self._lock = threading.Lock()
        self._pool = []
        self.consts = {b.name: D.to_device(c, device) for b, c in prog.program.consts}

    def kernel(self, name):
        k = self._jit.get(name)
        if k is None:
            with self._lock:
                k = self._jit[name] = self.cuda.jit(self.prog.functions[name])
        return k

    def launcher(self, name, sig):
        """launch(args, grid, block) for kernel `name` compiled for `sig` (Numba types).

        On a GPU the compiled kernel is launched through the driver's cuLaunchKernel with its
        parameters packed here (`_DriverLaunch`): Numba's dispatcher types every argument again
        and marshals each one through several layers on every launch, ~60 us of host time per
        kernel, which made an MLP step host-bound. JTRANS_CUDA_LAUNCH=numba keeps Numba's
        kernel-level launch; where neither is available (the simulator), the dispatcher."""
        key = name  # a kernel name has one signature (gemm_<dtype> too)
        fn = self._launchers.get(key)
        if fn is None:
            disp = self.kernel(name)

            def fn(args, grid, block):
                disp[grid, block](*args)

            if not self.prog.sim:
                with self._lock:
                    kern = _compile(disp, sig)
                fn = _DriverLaunch.make(kern, sig) or _numba_launch(disp, kern) or fn
            self._launchers[key] = fn
        return fn

    def __call__(self, args):
        with self._lock:
            ws = self._pool.pop() if self._pool else {}
        try:
            with D.context(self.device), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return self._run(self.prog.plan, args, None, ws)
        finally:
            with self._lock:
                if len(self._pool) < self.POOL_SIZE:
                    self._pool.append(ws)

    def workspace_bytes(self):
        """Device bytes held by the idle workspaces."""
        with self._lock:
            return sum(b.shape[0] * b.dtype.itemsize for ws in self._pool for b in ws.values())

    def _tmp(self, ws, key, size, dtype):
        buf = ws.get(key)
        if buf is None:
            buf = ws[key] = D.empty(size, dtype, self.device)
        return buf

    def _run(self, plan, args, dests, ws):
        """Runs `plan` on input buffers `args`; results land in `dests` (a list of buffers)
        when given (a sub-program), else in new buffers (the top level)."""
        prog, dev = plan.prog, self.device
        env = dict(self.consts)
        for b, a in zip(prog.inputs, args):
            env[b.name] = a
        if dests is not None:  # results written in place
            for j, (kind, x, _) in enumerate(prog.out_sources):
                if kind == "buffer" and x.kind == "out" and x.slot == j:
                    env[x.name] = dests[j]
        for b in plan.scratch:
            env[b.name] = self._tmp(ws, id(b), b.shape[0], b.dtype)
        for kind, step, x in plan.steps:
            scratch = getattr(step, "scratch", None)
            for b in step.out_buffers:
                if b.name in env or b is scratch:
                    continue
                if b.kind == "out" and dests is None:  # a result: fresh
                    env[b.name] = D.empty(_size(b), b.dtype, dev)
                else:
                    env[b.name] = self._tmp(ws, id(b), _size(b), b.dtype)
            if kind == "launch":
                if isinstance(step, K.LoopKernel) and any(
                    d == 0 for i, d in enumerate(step.shape) if i not in step.reduce_axes
                ):
                    continue
                for ln in x:
                    self.launcher(ln.fn, ln.sig)([env[n] for n in ln.args], ln.grid, ln.block)
            elif kind == "gemm":
                self._gemm(step, env)
            elif kind == "host":
                self._host(step, env)
            elif kind == "cpu":
                x.run(env)
            else:
                getattr(self, f"_{step.op}")(step, x, env, ws)
        outs = []
        for j, (kind, x, aval) in enumerate(prog.out_sources):
            dt = np.dtype(aval.dtype)
            if kind == "literal":
                src = D.to_device(np.full(aval.shape, x, dt), dev)
            elif x.kind == "out" and x.slot == j:
                outs.append(env[x.name])
                continue
            else:  # an input, a constant or an output listed twice: a copy
                src = env[x.name]
            if dests is None:
                outs.append(D.copy(src, dev))
            else:
                _copy_into(dests[j], src)
                outs.append(dests[j])
        return outs

    # -- control flow on the host ------------------------------------------------------------

    def _spares(self, step, ws):
        return [self._tmp(ws, (id(step), k), _size(b), b.dtype)
                for k, b in enumerate(step.carry_out)]  # fmt: skip

    def _cond(self, step, subs, env, ws):
        n = len(subs)
        if isinstance(step.index, K.Buffer):
            i = int(env[step.index.name].copy_to_host()[0])
        else:
            i = int(step.index)
        branch = subs[min(max(i, 0), n - 1)]
        self._run(branch, [env[b.name] for b in step.operands],
                  [env[b.name] for b in step.outputs], ws)  # fmt: skip

    def _scan(self, step, subs, env, ws):
        (body,) = subs
        consts = [env[b.name] for b in step.consts]
        carry = [env[b.name] for b in step.init]
        outs = [env[b.name] for b in step.carry_out]
        if step.length == 0:
            for o, c in zip(outs, carry):
                _copy_into(o, c)
            return
        spare = self._spares(step, ws)
        xs = [(env[b.name], _size(b) // max(b.shape[0], 1)) for b in step.xs]
        ys = [(env[b.name], _size(b) // max(b.shape[0], 1)) for b in step.ys]
        for j in range(step.length):
            t = step.length - 1 - j if step.reverse else j
            # the last iteration writes the step's outputs: alternate backwards from there
            dst = outs if (step.length - 1 - j) % 2 == 0 else spare
            x_sl = [x[t * n : (t + 1) * n] for x, n in xs]
            y_sl = [y[t * n : (t + 1) * n] for y, n in ys]
            self._run(body, consts + carry + x_sl, dst + y_sl, ws)
            carry = dst

    def _while(self, step, subs, env, ws):
        cond, body = subs
        cc = [env[b.name] for b in step.cconsts]
        bc = [env[b.name] for b in step.bconsts]
        carry = [env[b.name] for b in step.init]
        outs = [env[b.name] for b in step.carry_out]
        spare = self._spares(step, ws)
        pred = self._tmp(ws, (id(step), "pred"), 1, np.bool_)
        count = 0
        while step.max_steps is None or count < step.max_steps:
            self._run(cond, cc + carry, [pred], ws)
            if not bool(pred.copy_to_host()[0]):
                break
            dst = spare if carry is outs else outs
            self._run(body, bc + carry, dst, ws)
            carry = dst
            count += 1
        if carry is not outs:
            for o, c in zip(outs, carry):
                _copy_into(o, c)

    # -- GEMM and call-outs ----------------------------------------------------------------------

    def _gemm(self, g, env):
        if g.batch * g.m * g.n == 0:
            return
        t = self.prog.cfg.tile
        fn = self.launcher(f"gemm_{g.c.dtype}", _gemm_sig(g.c.dtype))
        tiles = g.batch * -(-g.m // t) * -(-g.n // t)
        grid = max(1, min(tiles, self.prog.cfg.max_blocks))
        fn(
            [
                env[g.a.name],
                env[g.b.name],
                env[g.c.name],
                g.m,
                g.n,
                g.k,
                int(bool(g.trans_a)),
                int(bool(g.trans_b)),
                g.a_bstride,
                g.b_bstride,
                g.batch,
            ],
            grid,
            (t, t),
        )

    def _host(self, step, env):
        """A call-out: its operands come back to the host, its NumPy impl runs, its results go
        to the device."""
        res = step.run(lambda x: D.to_host(env[x.name], x.shape))
        for buf, r in zip(step.out_buffers, res):
            r = np.ascontiguousarray(np.asarray(r).astype(buf.dtype, copy=False)).reshape(-1)
            if r.size:
                env[buf.name].copy_to_device(r)


def _copy_into(dst, src):
    if dst.shape[0]:
        dst.copy_to_device(src)


_executables = weakref.WeakKeyDictionary()  # closed jaxpr -> {device id: CudaExecutable}


def executable(closed, name, device):
    per = _executables.setdefault(closed, {})
    exe = per.get(device.id)
    if exe is None:
        exe = per[device.id] = CudaExecutable(program(closed, name), device)
    return exe


def _buffer_on(x, dtype, device):
    from ..array import DeviceArray

    if type(x) is DeviceArray and x._dev is device and x._buf.dtype == dtype:
        return x._buf
    v = np.asarray(x._value if hasattr(x, "_value") else x)
    if v.dtype != dtype:
        v = v.astype(dtype)
    return D.to_device(v, device)


def run(closed, name, args, device):
    """Runs `closed` on `device` with `args` (Arrays, device or host): a list of DeviceArrays.
    Steps without a CUDA rendering run on the host inside the program (see `_CpuStep`)."""
    from ..array import DeviceArray

    exe = executable(closed, name, device)
    prog = exe.prog.program
    bufs = [_buffer_on(a, b.dtype, device) for a, b in zip(args, prog.inputs)]
    outs = exe(bufs)
    return [DeviceArray(o, aval.shape, device, aval.weak_type)
            for o, (_, _, aval) in zip(outs, prog.out_sources)]  # fmt: skip


def device_of(args):
    """The device of the first argument in GPU memory (placement follows the inputs), or None."""
    from ..array import DeviceArray

    for a in args:
        if type(a) is DeviceArray:
            return a._dev
    return None


def jit_dispatch(args, jaxpr, name):
    """jit_p's impl hook: run on the GPU when an argument lives there; host results (the eval
    trace wraps them as CPU Arrays). None: not a device computation."""
    dev = device_of(args)
    if dev is None:
        return None
    return [np.asarray(o._value) for o in run(jaxpr, name, args, dev)]


def jit_call(device, closed, name, args):
    """A top-level `jit` call (eval trace, concrete args) on `device` (a Device, a backend name,
    or None: where the arguments are). A list of Arrays, or None when it runs on the CPU path."""
    from ..array import put_on

    if core.current_trace() is not core.eval_trace or any(isinstance(a, core.Tracer) for a in args):
        return None
    dev = D.as_device(device) if device is not None else device_of(args)
    if dev is None:
        return None
    if dev.platform == "cpu":  # explicit CPU placement: device arguments come back first
        return None if device_of(args) is None else _cpu_call(closed, name, args, put_on)
    return run(closed, name, args, dev)


def _cpu_call(closed, name, args, put_on):
    from ..interpreters import jit as jit_mod

    host = [put_on(a, D.cpu_device) for a in args]
    return jit_mod.jit_p.bind(*host, name=name, jaxpr=closed)
