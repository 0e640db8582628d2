"""Kernel IR -> numba.cuda kernels: the GPU renderer (jtrans/lowering/cuda_exec.py runs them).

The same fusion output the LLVM renderer reads is rendered here as Python source of numba.cuda
kernels (exec'd and handed to `cuda.jit`, as Numba's own code generation does), cached with the
program:
- a loop kernel without reduction is a grid-stride loop over the flat output index;
- a reduction gives each block one output row at a time (threads stride over the reduced axes,
  then a shared-memory tree); rows too long for few blocks are split over `gridDim.y` blocks
  whose partial results a final pass combines;
- a GEMM step runs one tiled shared-memory kernel per dtype, blocks striding over the tiles;
- column outputs fused into a loop (LoopKernel.col_outputs, which fusion makes for the CPU
  only) would run as that loop and then a reduction per column (`_split_columns`);
- the native steps of indexing.py / conv.py: cumulative reductions, argmax/argmin and the
  max-pool derivatives run one thread per row (or window); a scatter runs its updates as
  atomics when they commute exactly (integer add/max/min), else in the impl's order in one
  block whose threads share each index vector's window (`_render_scatter`);
- a call-out runs on the host: copy its operands back, run the NumPy impl, copy the results in;
- a step of any other kind (one this renderer does not know yet) also runs on the host: the CPU
  renderer compiles a program of that one step (`_CpuStep`); never an error at run time.
`CudaProgram.listing()` (`lower_text`) says how each step runs. Temporaries come from a
per-executable workspace reused across calls; results are fresh device buffers.
Math goes through CUDA's libdevice (`numba.cuda.libdevice`, typed per float width). Numba's
simulator has no libdevice, so there (and only there) the same kernels spell math with NumPy and
SciPy on scalars: `_MATH` holds both spellings. Values are computed in their own dtype (float16
in float32 registers, rounded after each op); every op result is cast back to its dtype, because
Numba widens small integers.
"""

import functools
import linecache
import math
import re
import threading
import weakref

import numpy as np

from .. import core
from .. import device as D
from . import kernel as K

# op -> (libdevice name, NumPy/SciPy spelling for the simulator)
_MATH = {"exp": ("exp", "np.exp"), "exp2": ("exp2", "np.exp2"), "log": ("log", "np.log"),
         "log1p": ("log1p", "np.log1p"), "expm1": ("expm1", "np.expm1"),
         "tanh": ("tanh", "np.tanh"), "sin": ("sin", "np.sin"), "cos": ("cos", "np.cos"),
         "tan": ("tan", "np.tan"), "asin": ("asin", "np.arcsin"), "acos": ("acos", "np.arccos"),
         "atan": ("atan", "np.arctan"), "sinh": ("sinh", "np.sinh"), "cosh": ("cosh", "np.cosh"),
         "asinh": ("asinh", "np.arcsinh"), "acosh": ("acosh", "np.arccosh"),
         "atanh": ("atanh", "np.arctanh"), "sqrt": ("sqrt", "np.sqrt"), "cbrt": ("cbrt", "np.cbrt"),
         "erf": ("erf", "_sp.erf"), "erfc": ("erfc", "_sp.erfc"), "lgamma": ("lgamma", "_sp.gammaln"),
         "floor": ("floor", "np.floor"), "ceil": ("ceil", "np.ceil"), "round": ("round", "_round"),
         "round_even": ("rint", "np.rint"), "rsqrt": ("rsqrt", "_rsqrt"), "rem": ("fmod", "np.fmod"),
         "pow": ("pow", "np.power"), "atan2": ("atan2", "np.arctan2"),
         "nextafter": ("nextafter", "np.nextafter")}  # fmt: skip
_NP = {np.dtype(t): f"np.{t}" for t in ("bool_", "int8", "int16", "int32", "int64", "uint8",
                                         "uint16", "uint32", "uint64", "float16", "float32",
                                         "float64")}  # fmt: skip
F32 = np.dtype(np.float32)


def _reg(dt):
    """The dtype a value of `dt` is held in (float16 computes in float32)."""
    return F32 if dt == np.float16 else dt


def _acc_dtype(monoid, dt):
    """Reduction accumulators: small float sums/products in float64 (as on the CPU), bools as
    int32 0/1 (shared memory holds numbers)."""
    if dt == K.BOOL:
        return np.dtype(np.int32)
    if monoid in ("add", "mul") and dt.kind == "f" and dt.itemsize < 8:
        return np.dtype(np.float64)
    return dt


def _identity(monoid, dt, bool_out):
    if bool_out:
        return "1" if monoid in ("and", "min", "mul") else "0"
    if dt.kind == "f":
        v = {"add": "0.0", "mul": "1.0", "max": "-math.inf", "min": "math.inf"}[monoid]
        return f"{_NP[dt]}({v})"
    info = np.iinfo(dt)
    v = {"add": 0, "mul": 1, "max": int(info.min), "min": int(info.max), "and": -1 if dt.kind ==
         "i" else int(info.max), "or": 0}[monoid]  # fmt: skip
    return f"{_NP[dt]}({v})"


class _Source:
    """Source of one program's kernels. Helper functions are for the simulator only: the CUDA
    compiler needs a GPU to compile device functions, so real kernels inline everything."""

    def __init__(self, sim):
        self.sim = sim
        self.helpers = {}  # name -> source
        self.lines = []

    def helper(self, name, src):
        if name not in self.helpers:
            self.helpers[name] = src
        return name

    def text(self):
        return "\n\n".join(list(self.helpers.values()) + ["\n".join(self.lines)]) + "\n"


class _Body:
    """Straight-line code for one loop body: one local per Expr node, in dependency order."""

    def __init__(self, src, indent, var_names, tag=""):
        self.src, self.ind, self.vars, self.tag = src, indent, var_names, tag
        self.memo = {}

    def emit(self, line):
        self.src.lines.append(" " * self.ind + line)

    def val(self, e):
        s = self.memo.get(e)
        if s is None:
            s = self._expr(e)
            if e.op not in ("const", "var"):
                name = f"v{self.tag}{len(self.memo)}_{self.ind}"
                self.emit(f"{name} = {s}")
                s = name
            self.memo[e] = s
        return s

    # -- expressions -----------------------------------------------------------------------------

    def _cast(self, dt, s):
        if dt == K.BOOL:
            return f"({s})"
        if dt == np.float16:
            return f"np.float32(np.float16({s}))"
        return f"{_NP[dt]}({s})"

    def _math(self, opn, dt, *args):
        lib, simname = _MATH[opn]
        if self.src.sim:
            if simname == "_round":
                fn = self.src.helper("_round", "def _round(x):\n    return np.copysign("
                                     "np.floor(np.abs(x) + 0.5), x)")  # fmt: skip
            elif simname == "_rsqrt":
                fn = self.src.helper("_rsqrt", "def _rsqrt(x):\n    return 1 / np.sqrt(x)")
            else:
                fn = simname
            return f"{_NP[dt]}({fn}({', '.join(args)}))"
        return f"libdevice.{lib}{'f' if dt == F32 else ''}({', '.join(args)})"

    def _expr(self, e):
        opn, dt = e.op, e.dtype
        if opn == "const":
            v = e.args[0]
            if dt == K.BOOL:
                return "True" if v else "False"
            if dt == K.I64:
                return str(int(v))
            if dt.kind == "f":
                v = float(v)
                lit = "math.nan" if math.isnan(v) else ("math.inf" if v == math.inf else
                                                 "-math.inf" if v == -math.inf else repr(v))  # fmt: skip
                return self._cast(_reg(dt), lit)
            return f"{_NP[dt]}({int(v)})"
        if opn == "var":
            return self.vars[e.args[0]]
        if opn == "load":
            buf, off = e.args
            ld = f"{buf.name}[{self.val(off)}]"
            return f"np.float32({ld})" if dt == np.float16 else ld
        args = [self.val(a) for a in e.args]
        if opn == "cast":
            return self._convert(args[0], e.args[0].dtype, dt)
        if opn == "select":
            return f"({args[1]} if {args[0]} else {args[2]})"
        in_dt = e.args[0].dtype
        if opn in K.COMPARE:
            sym = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[opn]
            return f"({args[0]} {sym} {args[1]})"
        if in_dt.kind == "f":
            return self._float(opn, dt, args)
        return self._int(opn, dt, args, e)

    def _float(self, opn, dt, a):
        r = _reg(dt)
        c = lambda s: self._cast(dt, s)
        T = _NP[r]
        if opn in ("add", "sub", "mul", "div"):
            sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[opn]
            return c(f"{a[0]} {sym} {a[1]}")
        if opn == "neg":
            return c(f"-{a[0]}")
        if opn == "abs":
            return c(f"abs({a[0]})")
        if opn == "square":
            return c(f"{a[0]} * {a[0]}")
        if opn == "is_finite":
            return f"(abs({a[0]}) < math.inf)"
        if opn in ("max", "min"):
            sym = ">" if opn == "max" else "<"
            x, y = a
            return f"({x} if ({x} {sym} {y} or {x} != {x}) else {y})"
        if opn == "sign":
            x = a[0]
            return c(f"({T}(1) if {x} > 0 else ({T}(-1) if {x} < 0 else {x}))")
        if opn == "logistic":
            return c(f"{T}(1) / ({T}(1) + {self._math('exp', r, f'-{a[0]}')})")
        if opn in _MATH:
            return c(self._math(opn, r, *a))
        raise NotImplementedError(f"no CUDA rendering of {opn} on {dt}")

    def _int(self, opn, dt, a, e):
        c = lambda s: self._cast(dt, s)
        T = _NP.get(dt)
        if dt == K.BOOL:
            sym = {"and": "&", "or": "|", "xor": "^", "mul": "&", "min": "&", "max": "|",
                   "add": "|", "ne": "^"}  # fmt: skip
            if opn in sym:
                return f"({a[0]} {sym[opn]} {a[1]})"
            if opn == "not":
                return f"(not {a[0]})"
            if opn in ("abs", "sign"):
                return a[0]
            raise NotImplementedError(f"no CUDA rendering of {opn} on bool")
        if dt == K.I64 and opn in ("div", "rem") and e.args[1].is_const() and e.args[1].args[0] > 0:
            # index arithmetic: truncating division by a positive constant
            sym = "//" if opn == "div" else "%"
            return f"({a[0]} {sym} {a[1]} if {a[0]} >= 0 else -((-{a[0]}) {sym} {a[1]}))"
        if opn in ("add", "sub", "mul", "and", "or", "xor"):
            sym = {"add": "+", "sub": "-", "mul": "*", "and": "&", "or": "|", "xor": "^"}[opn]
            return c(f"{a[0]} {sym} {a[1]}")
        if opn == "neg":
            return c(f"-{a[0]}")
        if opn == "not":
            return c(f"~{a[0]}")
        if opn == "abs":
            return c(f"abs({a[0]})") if dt.kind == "i" else a[0]
        if opn == "square":
            return c(f"{a[0]} * {a[0]}")
        if opn in ("max", "min"):
            return f"({a[0]} if {a[0]} {'>' if opn == 'max' else '<'} {a[1]} else {a[1]})"
        if opn == "sign":
            if dt.kind == "u":
                return f"({T}(1) if {a[0]} != 0 else {T}(0))"
            return f"({T}(1) if {a[0]} > 0 else ({T}(-1) if {a[0]} < 0 else {T}(0)))"
        if opn in ("div", "rem"):
            return c(_divrem(opn, dt, *a))
        if opn in ("shl", "shr", "sar"):
            return c(_shift(opn, dt, *a))
        if opn == "popcount":
            bits = dt.itemsize * 8
            if self.src.sim:
                fn = self.src.helper("_popc", "def _popc(x, bits):\n    return "
                                     "bin(int(x) & ((1 << bits) - 1)).count('1')")  # fmt: skip
                return c(f"{fn}({a[0]}, {bits})")
            if bits == 64:
                return c(f"libdevice.popcll(np.int64({a[0]}))")
            mask = "" if bits == 32 else f" & {(1 << bits) - 1}"
            return c(f"libdevice.popc(np.int32(np.int64({a[0]}){mask}))")
        raise NotImplementedError(f"no CUDA rendering of {opn} on {dt}")

    def _convert(self, x, src, dst):
        """JAX's convert_element_type: float -> int truncates toward zero, NaN -> 0, saturates."""
        if src == dst:
            return x
        if dst == K.BOOL:
            return f"({x} != 0)"
        if src.kind == "f" and dst.kind in "iu":
            info = np.iinfo(dst)
            T = _NP[dst]
            hi = float(2.0 ** (8 * dst.itemsize - (1 if dst.kind == "i" else 0)))
            lo = f"{x} <= {float(info.min)!r}" if dst.kind == "i" else f"{x} < 0.0"
            return (
                f"({T}(0) if {x} != {x} else ({T}({int(info.max)}) if {x} >= {hi!r} else "
                f"({T}({int(info.min)}) if {lo} else {T}({x}))))"
            )
        if src == K.BOOL and dst.kind in "iu":
            return f"{_NP[dst]}(1 if {x} else 0)"
        return self._cast(dst, x)


def _divrem(opn, dt, x, y):
    """lax semantics (XLA's): division truncates, x / 0 = -1 (all ones), x rem 0 = x, MIN / -1
    wraps. Python's (and Numba's) // and % floor: a nonzero remainder with operands of opposite
    signs moves by one."""
    ones = f"{_NP[dt]}({-1 if dt.kind == 'i' else int(np.iinfo(dt).max)})"
    if dt.kind == "u":
        return f"({ones} if {y} == 0 else {x} // {y})" if opn == "div" else \
            f"({x} if {y} == 0 else {x} % {y})"  # fmt: skip
    fix = f"({x} % {y} != 0 and ({x} < 0) != ({y} < 0))"
    if opn == "div":
        return (
            f"({ones} if {y} == 0 else (-{x} if {y} == -1 else {x} // {y} + (1 if {fix} else 0)))"
        )
    return (
        f"({x} if {y} == 0 else ({x} - {x} if {y} == -1 else "
        f"{x} % {y} - ({y} if {fix} else {y} - {y})))"
    )


def _shift(opn, dt, x, y):
    """Shifts by a negative or too large amount give 0 (sar: the sign fill), as in XLA."""
    bits = dt.itemsize * 8
    T = _NP[dt]
    U = _NP[np.dtype(f"uint{bits}")]
    if opn == "shl":
        out, op_ = f"{T}(0)", f"{T}({x} << {y})"
    elif opn == "shr":
        out, op_ = f"{T}(0)", f"{T}({U}({x}) >> {U}({y}))"
    elif dt.kind == "u":
        out, op_ = f"{T}(0)", f"{T}({x} >> {y})"
    else:
        out, op_ = f"{T}({x} >> {bits - 1})", f"{T}({x} >> {y})"
    return f"({out} if ({y} < 0 or {y} >= {bits}) else {op_})"


# ---------------------------------------------------------------------------------------------
# kernels


class _Config:
    """Launch sizes: small under the simulator (every thread is a Python thread there)."""

    def __init__(self, sim):
        self.tpb = 4 if sim else 256  # threads per block (shared arrays are this long)
        self.max_blocks = 2 if sim else 4096
        self.split_rows = 4 if sim else 128  # fewer output rows than this: split long rows
        self.max_split = 4 if sim else 64
        self.tile = 2 if sim else 16  # GEMM tile edge
        self.unroll = 4  # elements per thread per trip of an elementwise loop (when large)
        self.unroll_lines = 160  # longest unrolled loop body (source lines)


class _Launch:
    """One kernel launch: fn name, buffer argument names, grid and block; `sig` the kernel's
    Numba signature (one flat array type per buffer)."""

    def __init__(self, fn, args, grid, block, sig_args):
        self.fn, self.args, self.grid, self.block, self.sig_args = fn, args, grid, block, sig_args
        self._sig = None

    @property
    def sig(self):
        if self._sig is None:
            self._sig = tuple(_numba_type(b) for b in self.sig_args)
        return self._sig


def _render_elementwise(src, kern, cfg):
    """A grid-stride loop. Large kernels with short bodies first run an unrolled loop: each
    thread computes `cfg.unroll` elements one grid stride apart, every load before any store, so
    that several loads per thread are in flight (one at a time leaves memory bandwidth unused);
    the plain loop then finishes the last strides."""
    bufs = kern.inputs + kern.out_buffers
    n = int(np.prod(kern.shape, dtype=np.int64))
    L = src.lines
    L.append(f"def {kern.name}({', '.join(b.name for b in bufs)}):")
    L.append("    n = np.int64(cuda.grid(1))")
    L.append("    step = np.int64(cuda.gridsize(1))")
    u = cfg.unroll if n >= cfg.unroll * cfg.tpb * 64 else 1
    blocks = max(1, min(-(-n // (cfg.tpb * u)), cfg.max_blocks))
    if u > 1:
        start = len(L)
        L.append(f"    while n + {u - 1} * step < {n}:")
        stores = []
        for j in range(u):
            flat = "n" if j == 0 else f"n{j}"
            if j:
                L.append(f"        n{j} = n + {j} * step")
            names = _delinearize(src, flat, kern.shape, 8, f"i{j}_", 0)
            body = _Body(src, 8, names, tag=f"u{j}_")
            stores += [f"{b.name}[{flat}] = {_store(b, body.val(e))}" for b, e, _ in kern.outputs]
        L.extend(" " * 8 + line for line in stores)
        L.append(f"        n += {u} * step")
        if len(L) - start > cfg.unroll_lines:  # a long body: not worth the code size
            del L[start:]
            blocks = max(1, min(-(-n // cfg.tpb), cfg.max_blocks))
    L.append(f"    while n < {n}:")
    names = _delinearize(src, "n", kern.shape, 8, "i", 0)
    body = _Body(src, 8, names)
    for buf, e, _ in kern.outputs:
        body.emit(f"{buf.name}[n] = {_store(buf, body.val(e))}")
    body.emit("n += step")
    L.append("")
    return [_Launch(kern.name, [b.name for b in bufs], blocks, cfg.tpb, bufs)]


def _delinearize(src, flat, shape, ind, prefix, first):
    names, stride = [], 1
    rest = flat
    out = [None] * len(shape)
    for k in reversed(range(len(shape))):
        s = shape[k]
        name = f"{prefix}{first + k}"
        if s == 1:
            src.lines.append(" " * ind + f"{name} = 0")
        elif k == 0:
            src.lines.append(" " * ind + f"{name} = {rest}")
        else:
            src.lines.append(" " * ind + f"{name} = {rest} % {s}")
            src.lines.append(" " * ind + f"q{first + k} = {rest} // {s}")
            rest = f"q{first + k}"
        out[k] = name
        stride *= s
    names.extend(out)
    return names


def _store(buf, v):
    return f"np.float16({v})" if buf.dtype == np.float16 else v


def _combine(monoid, adt, a, x, bool_acc):
    if bool_acc or monoid in ("and", "or"):
        sym = "&" if monoid in ("and", "min", "mul") else "|"
        return f"{a} {sym} {x}" if bool_acc else f"{_NP[adt]}({a} {sym} {x})"
    if monoid in ("add", "mul"):
        return f"{_NP[adt]}({a} {'+' if monoid == 'add' else '*'} {x})"
    sym = ">" if monoid == "max" else "<"
    if adt.kind == "f":
        return f"({a} if ({a} {sym} {x} or {a} != {a}) else {x})"
    return f"({a} if {a} {sym} {x} else {x})"


def _finish(buf, adt, acc):
    """The final value stored for an accumulator."""
    if buf.dtype == K.BOOL:
        return f"({acc} != 0)"
    return f"{_NP[buf.dtype]}({acc})" if adt != buf.dtype else acc


def _render_reduction(src, kern, cfg):
    n_outer = len(kern.shape) - len(kern.reduce_axes)
    outer, inner = kern.shape[:n_outer], kern.shape[n_outer:]
    rows = int(np.prod(outer, dtype=np.int64))
    size = int(np.prod(inner, dtype=np.int64))
    tpb = cfg.tpb
    split = 1
    if rows < cfg.split_rows and size > 2 * tpb:
        split = int(min(-(-size // (2 * tpb)), cfg.max_split))
    accs = [(buf, _acc_dtype(m, buf.dtype), m) for buf, _, m in kern.outputs]
    parts = [K.Buffer(f"{kern.name}_p{j}", (rows * split,), adt, "tmp")
             for j, (_, adt, _) in enumerate(accs)]  # fmt: skip
    dests = parts if split > 1 else kern.out_buffers
    bufs = kern.inputs + dests
    L = src.lines
    L.append(f"def {kern.name}({', '.join(b.name for b in bufs)}):")
    for j, (_, adt, _) in enumerate(accs):
        L.append(f"    sh{j} = cuda.shared.array({tpb}, {_NP[adt]})")
    L.append("    tid = cuda.threadIdx.x")
    L.append("    row = np.int64(cuda.blockIdx.x)")
    L.append(f"    while row < {rows}:")
    onames = _delinearize(src, "row", outer, 8, "i", 0)
    for j, (buf, adt, m) in enumerate(accs):
        L.append(f"        acc{j} = {_identity(m, adt, buf.dtype == K.BOOL)}")
    L.append(f"        r = np.int64(cuda.blockIdx.y) * {tpb} + tid")
    L.append(f"        while r < {size}:")
    inames = _delinearize(src, "r", inner, 12, "i", n_outer)
    body = _Body(src, 12, onames + inames)
    for j, ((buf, e, m), (_, adt, _)) in enumerate(zip(kern.outputs, accs)):
        x = body.val(e)
        bool_acc = buf.dtype == K.BOOL
        x = f"(1 if {x} else 0)" if bool_acc else body._convert(x, _reg(e.dtype), adt)
        body.emit(f"acc{j} = {_combine(m, adt, f'acc{j}', x, bool_acc)}")
    body.emit(f"r += {tpb} * cuda.gridDim.y")
    for j in range(len(accs)):
        L.append(f"        sh{j}[tid] = acc{j}")
    L.append("        cuda.syncthreads()")
    L.append(f"        s = {tpb // 2}")
    L.append("        while s > 0:")
    L.append("            if tid < s:")
    for j, (buf, adt, m) in enumerate(accs):
        comb = _combine(m, adt, f"sh{j}[tid]", f"sh{j}[tid + s]", buf.dtype == K.BOOL)
        L.append(f"                sh{j}[tid] = {comb}")
    L.append("            cuda.syncthreads()")
    L.append("            s //= 2")
    L.append("        if tid == 0:")
    for j, ((buf, adt, m), dest) in enumerate(zip(accs, dests)):
        if split > 1:
            L.append(f"            {dest.name}[row * {split} + cuda.blockIdx.y] = sh{j}[0]")
        else:
            L.append(
                f"            {dest.name}[row] = {_store(buf, _finish(buf, adt, f'sh{j}[0]'))}"
            )
    L.append("        cuda.syncthreads()")
    L.append("        row += cuda.gridDim.x")
    L.append("")
    launches = [_Launch(kern.name, [b.name for b in bufs],
                        (max(1, min(rows, cfg.max_blocks)), split), tpb, bufs)]  # fmt: skip
    if split > 1:  # the final pass: one thread per row combines its partials
        name = f"{kern.name}_final"
        fbufs = parts + kern.out_buffers
        L.append(f"def {name}({', '.join(b.name for b in fbufs)}):")
        L.append("    row = np.int64(cuda.grid(1))")
        L.append(f"    while row < {rows}:")
        for j, (buf, adt, m) in enumerate(accs):
            p = parts[j].name
            L.append(f"        acc = {p}[row * {split}]")
            L.append(f"        for g in range(1, {split}):")
            comb = _combine(m, adt, "acc", f"{p}[row * {split} + g]", buf.dtype == K.BOOL)
            L.append(f"            acc = {comb}")
            L.append(f"        {buf.name}[row] = {_store(buf, _finish(buf, adt, 'acc'))}")
        L.append("        row += cuda.gridsize(1)")
        L.append("")
        launches.append(_Launch(name, [b.name for b in fbufs],
                                max(1, min(-(-rows // tpb), cfg.max_blocks)), tpb, fbufs))  # fmt: skip
    return launches, parts


def _render_scatter(src, step, cfg):
    """A scatter: the init loop over the output (grid-stride), then the updates. Integer adds,
    maxima and minima commute exactly: every update is one atomic, all in parallel. Any other
    combiner (replace, float sums, products...) keeps the impl's order: one block walks the
    index vectors in order, its threads share the window of each (distinct targets), with a
    barrier between index vectors; repeated targets then combine exactly as on the CPU."""
    out = step.out
    bufs = step.inputs + [out]
    args = ", ".join(b.name for b in bufs)
    n = _size(out)
    L = src.lines
    launches = []
    if n:
        L.append(f"def {step.name}({args}):")
        L.append("    n = np.int64(cuda.grid(1))")
        L.append(f"    while n < {n}:")
        body = _Body(src, 8, _delinearize(src, "n", out.shape, 8, "i", 0))
        body.emit(f"{out.name}[n] = {_store(out, body.val(step.init))}")
        body.emit("n += cuda.gridsize(1)")
        L.append("")
        blocks = max(1, min(-(-n // cfg.tpb), cfg.max_blocks))
        launches.append(_Launch(step.name, [b.name for b in bufs], blocks, cfg.tpb, bufs))
    shape = step.loop_shape
    m = int(np.prod(shape, dtype=np.int64))
    if not n or not m:
        return launches
    name = f"{step.name}_upd"
    L.append(f"def {name}({args}):")
    if _atomic(step):
        L.append("    n = np.int64(cuda.grid(1))")
        L.append(f"    while n < {m}:")
        body = _Body(src, 8, _delinearize(src, "n", shape, 8, "i", 0))
        _scatter_update(body, step, atomic=True)
        L.append("        n += cuda.gridsize(1)")
        grid, block = max(1, min(-(-m // cfg.tpb), cfg.max_blocks)), cfg.tpb
    else:
        p = len(shape) - _window_axes(step)
        outer, inner = shape[:p], shape[p:]
        w = int(np.prod(inner, dtype=np.int64))
        L.append("    tid = np.int64(cuda.threadIdx.x)")
        L.append(f"    for s in range({int(np.prod(outer, dtype=np.int64))}):")
        L.append("        w = tid")
        L.append(f"        while w < {w}:")
        names = _delinearize(src, "s", outer, 12, "i", 0)
        names += _delinearize(src, "w", inner, 12, "i", p)
        _scatter_update(_Body(src, 12, names), step, atomic=False)
        L.append("            w += cuda.blockDim.x")
        L.append("        cuda.syncthreads()")
        grid, block = 1, min(cfg.tpb, w)
    L.append("")
    launches.append(_Launch(name, [b.name for b in bufs], grid, block, bufs))
    return launches


_ATOMIC = {"add": "add", "max": "max", "min": "min"}
_ATOMIC_DTYPES = {np.dtype(t) for t in ("int32", "uint32", "int64", "uint64")}


def _atomic(step):
    return step.combine in _ATOMIC and step.out.dtype in _ATOMIC_DTYPES


def _scatter_update(body, step, atomic):
    out = step.out
    if step.valid is not None:
        body.emit(f"if {body.val(step.valid)}:")
        body.ind += 4
    t = body.val(step.target)
    v = body.val(step.update)
    if atomic:
        body.emit(f"cuda.atomic.{_ATOMIC[step.combine]}({out.name}, {t}, {v})")
        return
    if step.combine is not None:
        dt = out.dtype
        old = f"np.float32({out.name}[{t}])" if dt == np.float16 else f"{out.name}[{t}]"
        monoid = {"add": "or", "mul": "and"}.get(step.combine, step.combine)
        if dt == K.BOOL:
            v = f"({old} {'&' if monoid in ('and', 'min') else '|'} {v})"
        else:
            v = _combine(step.combine, _reg(dt), old, v, False)
            v = f"np.float32(np.float16({v}))" if dt == np.float16 else v
    body.emit(f"{out.name}[{t}] = {_store(out, v)}")


def _window_axes(step):
    """How many trailing loop axes of a scatter are window axes: their loop variables enter the
    target only as terms of the linear offset (never through a load, a clamp or the validity
    test), so one index vector's window writes distinct targets."""
    plain, bad = set(), set()
    seen = set()

    def walk(e, linear):
        key = (e, linear)
        if key in seen:
            return
        seen.add(key)
        if e.op == "var":
            (plain if linear else bad).add(e.args[0])
        elif e.op == "load":
            walk(e.args[1], False)
        elif e.op != "const":
            lin = linear and (e.op in ("add", "sub", "cast") or
                              (e.op == "mul" and any(a.is_const() for a in e.args)))  # fmt: skip
            for a in e.args:
                if type(a) is K.Expr:
                    walk(a, lin)

    walk(step.target, True)
    if step.valid is not None:
        walk(step.valid, False)
    k = 0
    for ax in reversed(range(len(step.loop_shape))):
        if ax not in plain or ax in bad:
            break
        k += 1
    return k


def _render_cumulative(src, step, cfg):
    """A cumulative reduction (or cumulative logaddexp): one thread per row walks the axis in
    order (float16 in float32)."""
    from .indexing import _axis_loops

    out, axis, shape = step.out, step.axis, step.out.shape
    if not all(shape):
        return []
    bufs = step.inputs + [out]
    dims, outer = _axis_loops(shape, axis, step.reverse)
    rows, r = int(np.prod(outer, dtype=np.int64)), len(shape)
    dt = out.dtype
    adt, boolean = _reg(dt), dt == K.BOOL
    monoid = {"add": "or", "mul": "and"}.get(step.monoid, step.monoid) if boolean else step.monoid
    logaddexp = step.op == "cumlogsumexp"  # indexing.LogAddExpStep: starts at -inf
    if boolean:
        ident = "True" if monoid in ("and", "min") else "False"
    elif logaddexp:
        ident = _identity("max", adt, False)
    else:
        ident = _identity(monoid, adt, False)
    L = src.lines
    L.append(f"def {step.name}({', '.join(b.name for b in bufs)}):")
    L.append("    row = np.int64(cuda.grid(1))")
    L.append(f"    while row < {rows}:")
    names = _delinearize(src, "row", outer, 8, "i", 0)
    L.append(f"        acc = {ident}")
    L.append(f"        for j in range({shape[axis]}):")
    L.append(f"            i{r - 1} = np.int64(j)")
    body = _Body(src, 12, dict(enumerate(names + [f"i{r - 1}"])) | {-1: "acc"})
    if logaddexp:
        body.emit(f"acc = {body.val(_logaddexp(K.Expr('var', (-1,), adt), step.x, adt))}")
    else:
        x = body.val(step.x)
        body.emit(f"acc = {_combine(monoid, adt, 'acc', x, boolean)}")
    body.emit(f"{out.name}[{body.val(K.linearize(dims, shape))}] = {_store(out, 'acc')}")
    L.append("        row += cuda.gridsize(1)")
    L.append("")
    blocks = max(1, min(-(-rows // cfg.tpb), cfg.max_blocks))
    return [_Launch(step.name, [b.name for b in bufs], blocks, cfg.tpb, bufs)]


def _logaddexp(a, x, adt):
    """log(exp(a) + exp(x)) as the CPU computes it: max + log1p(exp(-|a - x|)); equal
    infinities stay (an Expr of the accumulator `a` and the element `x`, in dtype `adt`)."""
    if x.dtype != adt:
        x = K.Expr("cast", (x,), adt)
    v = K.op("add", K.op("max", a, x),
             K.op("log1p", K.op("exp", K.op("neg", K.op("abs", K.op("sub", a, x))))))  # fmt: skip
    same_inf = K.op("and", K.op("eq", a, x), K.op("eq", K.op("abs", a), K.const(np.inf, adt)))
    return K.Expr("select", (same_inf, a, v), adt)


def _render_arg(src, step, cfg):
    """argmax/argmin: one thread per row; the first extremum wins, NaN counts as the extremum."""
    out, axis, shape = step.out, step.axis, step.shape
    if not all(shape):
        return []
    bufs = step.inputs + [out]
    n_outer = len(shape) - 1
    outer = [shape[d] for d in range(len(shape)) if d != axis]
    rows = int(np.prod(outer, dtype=np.int64))
    L = src.lines
    L.append(f"def {step.name}({', '.join(b.name for b in bufs)}):")
    L.append("    row = np.int64(cuda.grid(1))")
    L.append(f"    while row < {rows}:")
    names = _delinearize(src, "row", outer, 8, "i", 0)
    L.append(f"        i{n_outer} = np.int64(0)")
    first = _Body(src, 8, names + [f"i{n_outer}"], tag="f")
    first.emit(f"best = {first.val(step.x)}")
    L.append("        where = np.int64(0)")
    L.append(f"        for j in range(1, {shape[axis]}):")
    L.append(f"            i{n_outer} = np.int64(j)")
    body = _Body(src, 12, names + [f"i{n_outer}"])
    x = body.val(step.x)
    sym = ">" if step.kind == "max" else "<"
    if step.x.dtype.kind == "f":
        better = f"(({x} {sym} best or {x} != {x}) and best == best)"
    else:
        better = f"({x} {sym} best)"
    body.emit(f"if {better}:")
    body.emit(f"    best = {x}")
    body.emit("    where = np.int64(j)")
    L.append(f"        {out.name}[row] = {_NP[out.dtype]}(where)")
    L.append("        row += cuda.gridsize(1)")
    L.append("")
    blocks = max(1, min(-(-rows // cfg.tpb), cfg.max_blocks))
    return [_Launch(step.name, [b.name for b in bufs], blocks, cfg.tpb, bufs)]


def _render_window_select(src, step, cfg):
    """select_and_gather_add / select_and_scatter_add (conv.WindowSelectStep): one thread per
    output window finds the first extremum of x in its window (NaN counts as the extremum,
    padding as the fill). gather: stores t there. scatter: stores the target index (-1 in
    padding) in a workspace buffer; after zeroing the output, one thread adds s in window order
    (windows may overlap: the sums are then those of the CPU, in the same order)."""
    out, nw = step.out, len(step.win_out)
    bufs = step.inputs + [out]
    nwin = int(np.prod(step.win_out, dtype=np.int64))
    n_el = int(np.prod(step.window, dtype=np.int64))
    xdt, odt = step.x.dtype, out.dtype
    scatter = step.mode == "scatter"
    where = K.Buffer(f"{step.name}_where", (max(nwin, 1),), K.I64, "tmp")
    launches, parts, L = [], [], src.lines
    n_out = _size(out)
    if scatter and n_out:
        L.append(f"def {step.name}_zero({', '.join(b.name for b in bufs)}):")
        L.append("    n = np.int64(cuda.grid(1))")
        L.append(f"    while n < {n_out}:")
        L.append(f"        {out.name}[n] = {_NP[odt]}(0)")
        L.append("        n += cuda.gridsize(1)")
        L.append("")
        blocks = max(1, min(-(-n_out // cfg.tpb), cfg.max_blocks))
        launches.append(_Launch(f"{step.name}_zero", [b.name for b in bufs], blocks, cfg.tpb,
                                bufs))  # fmt: skip
    if not nwin or (scatter and not n_out):
        return launches, parts
    pbufs = bufs + [where] if scatter else bufs
    L.append(f"def {step.name}({', '.join(b.name for b in pbufs)}):")
    L.append("    row = np.int64(cuda.grid(1))")
    L.append(f"    while row < {nwin}:")
    names = _delinearize(src, "row", step.win_out, 8, "i", 0)
    L.append(f"        pick = {_NP[odt]}(0)" if not scatter else "        pick = np.int64(-1)")
    L.append("        valid = False")
    L.append(f"        for e in range({n_el}):")
    names += _delinearize(src, "e", step.window, 12, "i", nw)
    body = _Body(src, 12, names)
    fill = body.val(K.const(step.fill, xdt))
    x = body.val(step.x)
    ok = body.val(step.ok) if step.ok is not None else "True"
    body.emit(f"x = {x} if {ok} else {fill}")
    body.emit("if e == 0:")
    body.emit("    best = x")
    body.emit("    better = True")
    body.emit("else:")
    sym = ">" if step.kind == "max" else "<"
    if xdt.kind == "f":
        body.emit(f"    better = (x {sym} best or x != x) and best == best")
    else:
        body.emit(f"    better = x {sym} best")
    pick = body.val(step.target if scatter else step.val)  # computed before the branch
    body.emit("if better:")
    body.emit("    best = x")
    body.emit(f"    valid = {ok}")
    if scatter:
        body.emit(f"    pick = {pick}")
        L.append(f"        {where.name}[row] = pick if valid else np.int64(-1)")
    else:
        body.emit(f"    pick = {pick} if {ok} else {_NP[odt]}(0)")
        L.append(f"        {out.name}[row] = pick")
    L.append("        row += cuda.gridsize(1)")
    L.append("")
    blocks = max(1, min(-(-nwin // cfg.tpb), cfg.max_blocks))
    launches.append(_Launch(step.name, [b.name for b in pbufs], blocks, cfg.tpb, pbufs))
    if scatter:
        parts.append(where)
        name = f"{step.name}_add"
        L.append(f"def {name}({', '.join(b.name for b in pbufs)}):")
        L.append("    if cuda.grid(1) != 0:")
        L.append("        return")
        L.append(f"    for row in range({nwin}):")
        L.append(f"        t = {where.name}[row]")
        L.append("        if t >= 0:")
        body = _Body(src, 12, _delinearize(src, "row", step.win_out, 12, "i", 0), tag="s")
        v = body.val(step.val)
        old = f"np.float32({out.name}[t])" if odt == np.float16 else f"{out.name}[t]"
        if odt == K.BOOL:
            v = f"({old} | {v})"
        else:
            v = _combine("add", _reg(odt), old, v, False)
        body.emit(f"{out.name}[t] = {_store(out, v)}")
        L.append("")
        launches.append(_Launch(name, [b.name for b in pbufs], 1, 1, pbufs))
    return launches, parts


SORT_MAX_SERIAL = 4096  # rows longer than this, when there are few rows, sort on the host
SORT_MIN_ROWS = 256


def _render_sort(src, step, cfg):
    """sort (sort.SortStep): one thread per row runs a stable bottom-up merge sort of positions
    (two position arrays per row in the workspace), comparing keys evaluated from the operands'
    fused expressions in the impl's order (NaN last, -0.0 == 0.0, ties by position), then
    gathers every operand at the sorted positions. A few very long rows would leave the GPU
    idle: they run on the host instead (None: no CUDA rendering for this step)."""
    from .indexing import _axis_loops

    shape, axis = step.shape, step.axis
    n = shape[axis]
    dims, outer = _axis_loops(shape, axis)
    rows = int(np.prod(outer, dtype=np.int64))
    if n > SORT_MAX_SERIAL and rows < SORT_MIN_ROWS:
        return None
    if not all(shape):
        return [], []
    perm = K.Buffer(f"{step.name}_perm", (2 * rows * n,), K.I64, "tmp")
    bufs = step.inputs + step.outs + [perm]
    L = src.lines
    L.append(f"def {step.name}({', '.join(b.name for b in bufs)}):")
    L.append("    row = np.int64(cuda.grid(1))")
    L.append(f"    while row < {rows}:")
    names = _delinearize(src, "row", outer, 8, "i", 0)
    P = perm.name
    L.append(f"        s = row * {2 * n}")
    L.append(f"        d = s + {n}")
    L.append(f"        for j in range({n}):")
    L.append(f"            {P}[s + j] = j")
    L.append("        w = np.int64(1)")
    L.append(f"        while w < {n}:")
    L.append("            lo = np.int64(0)")
    L.append(f"            while lo < {n}:")
    # (no min(): typing the builtin for CUDA wants a driver, so PTX could not be made without one)
    L.append(f"                mid = lo + w if lo + w < {n} else np.int64({n})")
    L.append(f"                hi = lo + 2 * w if lo + 2 * w < {n} else np.int64({n})")
    L.append("                i = lo")
    L.append("                j = mid")
    L.append("                for k in range(lo, hi):")
    L.append("                    left = i < mid")
    L.append("                    if left and j < hi:")
    ind = 24
    L.append(" " * ind + f"pa = {P}[s + j]")
    L.append(" " * ind + f"pb = {P}[s + i]")
    ka = _Body(src, ind, names + ["pa"], tag="a")
    kb = _Body(src, ind, names + ["pb"], tag="b")
    keys = [(ka.val(e), kb.val(e), e.dtype) for e in step.operands[: step.num_keys]]
    L.append(" " * ind + "lt = False")
    L.append(" " * ind + "done = False")
    for x, y, dt in keys:  # is the right key (x) below the left one (y)?
        if dt.kind == "f":
            below = f"({x} < {y} or ({x} == {x} and {y} != {y}))"
            above = f"({y} < {x} or ({y} == {y} and {x} != {x}))"
        else:
            below, above = f"({x} < {y})", f"({y} < {x})"
        L.append(" " * ind + "if not done:")
        L.append(" " * ind + f"    if {below}:")
        L.append(" " * ind + "        lt = True")
        L.append(" " * ind + "        done = True")
        L.append(" " * ind + f"    elif {above}:")
        L.append(" " * ind + "        done = True")
    L.append(" " * ind + "left = not lt")
    L.append("                    if left:")
    L.append(f"                        {P}[d + k] = {P}[s + i]")
    L.append("                        i += 1")
    L.append("                    else:")
    L.append(f"                        {P}[d + k] = {P}[s + j]")
    L.append("                        j += 1")
    L.append("                lo += 2 * w")
    L.append("            t = s")
    L.append("            s = d")
    L.append("            d = t")
    L.append("            w *= 2")
    L.append(f"        for j in range({n}):")
    L.append(f"            p = {P}[s + j]")
    at = _Body(src, 12, names + ["j"], tag="o")
    off = at.val(K.linearize(dims, shape))
    val = _Body(src, 12, names + ["p"], tag="g")
    for buf, e in zip(step.outs, step.operands):
        val.emit(f"{buf.name}[{off}] = {_store(buf, val.val(e))}")
    L.append("        row += cuda.gridsize(1)")
    L.append("")
    blocks = max(1, min(-(-rows // cfg.tpb), cfg.max_blocks))
    return [_Launch(step.name, [b.name for b in bufs], blocks, cfg.tpb, bufs)], [perm]


def _gemm_source(dt, tile):
    """C[b] = op(A[b]) @ op(B[b]): blocks stride over the (batch, row tile, column tile) grid;
    each tile is accumulated through shared memory, `tile` columns of A and rows of B at a time."""
    T = _NP[dt]
    return f"""def gemm_{dt}(A, B, C, m, n, k, ta, tb, a_bs, b_bs, batch):
    sA = cuda.shared.array(({tile}, {tile}), {T})
    sB = cuda.shared.array(({tile}, {tile}), {T})
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    tn = (n + {tile - 1}) // {tile}
    per = ((m + {tile - 1}) // {tile}) * tn
    t_id = np.int64(cuda.blockIdx.x)
    while t_id < batch * per:
        bi = t_id // per
        row = ((t_id % per) // tn) * {tile} + ty
        col = ((t_id % per) % tn) * {tile} + tx
        abase = bi * a_bs
        bbase = bi * b_bs
        acc = {T}(0)
        for t in range((k + {tile - 1}) // {tile}):
            kk = t * {tile} + tx
            if row < m and kk < k:
                sA[ty, tx] = A[abase + kk * m + row] if ta != 0 else A[abase + row * k + kk]
            else:
                sA[ty, tx] = {T}(0)
            kk = t * {tile} + ty
            if kk < k and col < n:
                sB[ty, tx] = B[bbase + col * k + kk] if tb != 0 else B[bbase + kk * n + col]
            else:
                sB[ty, tx] = {T}(0)
            cuda.syncthreads()
            for j in range({tile}):
                acc = {T}(acc + sA[ty, j] * sB[j, tx])
            cuda.syncthreads()
        if row < m and col < n:
            C[bi * m * n + row * n + col] = acc
        t_id += cuda.gridDim.x
"""


# ---------------------------------------------------------------------------------------------
# compiling a program

_n_sources = 0


def _namespace(sim):
    from numba import cuda

    ns = {"cuda": cuda, "np": np, "math": math}
    if sim:
        import scipy.special

        ns["_sp"] = scipy.special
    else:
        from numba.cuda import libdevice

        ns["libdevice"] = libdevice
    return ns


def _exec(text, name, sim):
    """The functions defined by `text` (kernel source), registered with linecache so
    tracebacks and Numba's error messages show the generated lines."""
    global _n_sources
    _n_sources += 1
    filename = f"<jtrans-cuda {name} #{_n_sources}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    ns = _namespace(sim)
    exec(compile(text, filename, "exec"), ns)  # noqa: S102  (generated kernels)
    return ns


def _numba_type(buf):
    from numba import from_dtype

    return from_dtype(buf.dtype)[::1]


@functools.cache
def _gemm_sig(dt):
    from numba import from_dtype, types

    t, i = from_dtype(np.dtype(dt))[::1], types.int64
    return (t, t, t) + (i,) * 8  # m, n, k, trans_a, trans_b, a_bstride, b_bstride, batch


def _step_renderers():
    """{Kernel IR step class: renderer(src, step, cfg) -> [_Launch] or ([_Launch], [workspace
    Buffer]), or None when this step is better run on the host} for the native steps of
    indexing.py, conv.py and sort.py. A step of a class not listed here (nor a loop, GEMM, call-out or control step)
    runs on the host through the CPU compiler (`_CpuStep`)."""
    from . import conv, sort
    from . import indexing as ix

    return {ix.ScatterStep: _render_scatter, ix.CumulativeStep: _render_cumulative,
            ix.LogAddExpStep: _render_cumulative, ix.ArgStep: _render_arg, conv.WindowSelectStep: _render_window_select,
            sort.SortStep: _render_sort}  # fmt: skip


STEP_RENDERERS = None  # filled on first use (tests may take an entry out to force the fallback)


class _Plan:
    """How one Kernel IR program (the top level, or a branch or loop body) runs: per step,
    ("launch", step, [_Launch]) | ("gemm", step, None) | ("host", step, None) (a call-out) |
    ("cpu", step, _CpuStep) (no CUDA rendering) | ("control", step, [_Plan per sub-program])."""

    def __init__(self, prog, src, cfg, gemm_dtypes):
        global STEP_RENDERERS
        from .control import ControlStep

        if STEP_RENDERERS is None:
            STEP_RENDERERS = _step_renderers()
        self.prog, self.steps, self.scratch = prog, [], []
        for step in [k for s in prog.steps for k in _split_columns(s)]:
            render = STEP_RENDERERS.get(type(step))
            if isinstance(step, K.LoopKernel):
                if step.reduce_axes:
                    launches, parts = _render_reduction(src, step, cfg)
                    self.scratch += parts
                else:
                    launches = _render_elementwise(src, step, cfg)
                self.steps.append(("launch", step, launches))
            elif isinstance(step, K.GemmKernel):
                gemm_dtypes.add(step.c.dtype)
                self.steps.append(("gemm", step, None))
            elif isinstance(step, K.CallOut):
                self.steps.append(("host", step, None))
            elif render is not None and (launches := render(src, step, cfg)) is not None:
                if isinstance(launches, tuple):  # (launches, workspace buffers)
                    launches, parts = launches
                    self.scratch += parts
                self.steps.append(("launch", step, launches))
            elif isinstance(step, ControlStep):  # cond / while / scan: host control flow
                subs = [_Plan(sub.prog, src, cfg, gemm_dtypes) for sub in step.subs]
                self.steps.append(("control", step, subs))
            else:
                self.steps.append(("cpu", step, _CpuStep(step, prog.name)))

    def walk(self):
        for kind, step, x in self.steps:
            yield kind, step, x
            if kind == "control":
                for sub in x:
                    yield from sub.walk()

    def listing(self, indent=2):
        """One line per step: how it runs on the GPU."""
        pad = " " * indent
        lines = []
        for kind, step, x in self.steps:
            what = type(step).__name__
            if kind == "launch":
                fused = getattr(step, "eqn_names", ())
                tail = f"  # fuses: {' '.join(fused)}" if fused else ""
                calls = ", ".join(f"{ln.fn}<<<{ln.grid}, {ln.block}>>>" for ln in x) or "nothing"
                lines.append(f"{pad}{step.name} kernel {_kind_name(step)}: {calls}{tail}")
            elif kind == "gemm":
                lines.append(f"{pad}{step.name} kernel gemm batch={step.batch} m={step.m} "
                             f"n={step.n} k={step.k}: gemm_{step.c.dtype} (tiled)")  # fmt: skip
            elif kind == "host":
                lines.append(f"{pad}{step.name} host callout {step.prim.name}: operands copied to "
                             f"the host, NumPy impl ({step.reason})")  # fmt: skip
            elif kind == "cpu":
                lines.append(f"{pad}{step.name} host {getattr(step, 'op', what)} ({what}): no CUDA "
                             "rendering; runs on the CPU compiled path, operands copied")  # fmt: skip
            else:
                lines.append(f"{pad}{step.name} control {step.op} on the host {{")
                for sub, plan in zip(step.subs, x):
                    lines.append(f"{pad}  {sub.role}:")
                    lines += plan.listing(indent + 4)
                lines.append(pad + "}")
        return lines


def _split_columns(step):
    """A loop kernel with fused column reductions (LoopKernel.col_outputs, a CPU-side fusion) as
    the loop alone, then per column output a reduction kernel re-reading its source buffer."""
    if not isinstance(step, K.LoopKernel) or not step.col_outputs:
        return [step]
    out = [K.LoopKernel(step.name, step.shape, (), step.inputs, step.outputs, step.eqn_names)]
    shape, c = step.shape, step.col_axes
    order = list(range(c, len(shape))) + list(range(c))  # the reduced axes innermost
    dims = [K.loop_var(order.index(ax)) for ax in range(len(shape))]
    for j, (buf, src, monoid) in enumerate(step.col_outputs):
        e = K.Expr("load", (src, K.linearize(dims, shape)), src.dtype)
        out.append(K.LoopKernel(f"{step.name}_col{j}", [shape[a] for a in order],
                                range(len(shape) - c, len(shape)), [src], [(buf, e, monoid)]))  # fmt: skip
    return out


def _kind_name(step):
    if isinstance(step, K.LoopKernel):
        return "reduction" if step.reduce_axes else "elementwise"
    return step.op


class _SlotLocator:
    """runtime.Locator for a one-step program: every buffer of the step is a slot, by name."""

    def __init__(self, prog, slots):
        from .runtime import Locator

        base = Locator(prog, {})
        self.n_in, self.n_out, self.n_const, self.ws_slot = (base.n_in, base.n_out,
                                                             base.n_const, base.ws_slot)  # fmt: skip
        self.offsets, self.slots = {}, slots

    def __call__(self, buf):
        return ("slot", self.slots[buf.name])


class _CpuStep:
    """A Kernel IR step with no CUDA rendering, run on the host: the CPU renderer compiles a
    program of this one step (every buffer it reads an input, every buffer it writes an output);
    a run copies the inputs back, makes one native call and copies the outputs in."""

    def __init__(self, step, prog_name):
        self.step = step
        self.name = f"{prog_name}_{step.name}_host"
        seen = {}
        for b in step.inputs:
            seen.setdefault(b.name, b)
        self.inputs = list(seen.values())
        self.outputs = [b for b in step.out_buffers if b.name not in seen]
        # a step's own scratch (live only while it runs) stays on the host
        self.host_only = {b.name for b in [getattr(step, "scratch", None)] if b is not None}
        self._exe = None
        self._lock = threading.Lock()

    def executable(self):
        if self._exe is None:
            with self._lock:
                if self._exe is None:
                    self._exe = self._compile()
        return self._exe

    def _compile(self):
        from . import blas_pointers, cpu, llvm, runtime

        ins = [K.Buffer(b.name, b.shape, b.dtype, "in", i) for i, b in enumerate(self.inputs)]
        outs = [("buffer", K.Buffer(b.name, b.shape, b.dtype, "out", j),
                 core.ShapedArray(b.shape, b.dtype)) for j, b in enumerate(self.outputs)]  # fmt: skip
        prog = K.Program(self.name, ins, [], [self.step], outs)
        slots = {b.name: i for i, b in enumerate(self.inputs + self.outputs)}
        module = llvm.render(prog, _SlotLocator(prog, slots))
        engine, _ = cpu.compile_module(str(module))
        return runtime.Executable(prog, engine, "entry", {}, 0, blas_pointers())

    def run(self, env):
        host = [D.to_host(env[b.name], b.shape) for b in self.inputs]
        res = self.executable()(*host)
        for b, r in zip(self.outputs, res):
            if r.size and b.name not in self.host_only:
                env[b.name].copy_to_device(np.ascontiguousarray(r).reshape(-1))


class CudaProgram:
    """Every stage of one CUDA compilation: the Kernel IR program, the kernel source, the
    plan of launches, and the Python kernel functions (compiled by Numba on first launch)."""

    def __init__(self, closed, name, sim=None):
        from . import _load_rules, fusion, passes

        _load_rules()
        self.sim = D.simulator() if sim is None else sim
        self.cfg = _Config(self.sim)
        self.name = name
        self.jaxpr, self.consts = passes.optimize(closed.jaxpr, closed.consts)
        self.program = fusion.fuse(self.jaxpr, self.consts, name)
        K.check_program(self.program)
        src = _Source(self.sim)
        gemm_dtypes = set()
        self.plan = _Plan(self.program, src, self.cfg, gemm_dtypes)
        for dt in sorted(gemm_dtypes, key=str):
            src.lines.append(_gemm_source(dt, self.cfg.tile))
        self.source = src.text()
        self.helpers = dict(src.helpers)
        self.functions = _exec(self.source, name, self.sim)

    def kernels(self):
        """(name, Python function, Numba signature) for every kernel, for `compile_ptx`."""
        out, seen = [], set()
        for kind, step, launches in self.plan.walk():
            if kind == "launch":
                for ln in launches:
                    out.append((ln.fn, self.functions[ln.fn], ln.sig))
            elif kind == "gemm" and step.c.dtype not in seen:
                seen.add(step.c.dtype)
                name = f"gemm_{step.c.dtype}"
                out.append((name, self.functions[name], _gemm_sig(step.c.dtype)))
        return out

    def host_steps(self):
        """The steps that run on the host: call-outs and steps without a CUDA rendering."""
        return [step for kind, step, _ in self.plan.walk() if kind in ("host", "cpu")]

    def listing(self):
        """How the program runs on the GPU: a line per step (kernels with their launch sizes,
        GEMMs, host call-outs, host fallbacks, control flow with its bodies)."""
        where = "Numba CUDA simulator" if self.sim else "CUDA"
        return "\n".join([f"cuda program {self.name} ({where})"] + self.plan.listing())

    def kernel_source(self, name):
        """The source of kernel `name` and of the helper functions it may call."""
        m = re.search(rf"^def {name}\(.*?(?=^def |^@|\Z)", self.source, re.MULTILINE | re.DOTALL)
        return m.group(0) + "".join(self.helpers.values())

    def ptx(self, cc=(8, 0)):
        """{kernel name: PTX} through numba.cuda.compile_ptx (needs libNVVM, not a GPU)."""
        from numba import cuda

        return {name: cuda.compile_ptx(fn, sig, cc=cc)[0] for name, fn, sig in self.kernels()}


def _size(b):
    return math.prod(b.shape)


# ---------------------------------------------------------------------------------------------
# compiled programs, one per closed jaxpr (jtrans/lowering/cuda_exec.py runs them)

_programs = weakref.WeakKeyDictionary()  # closed jaxpr -> CudaProgram


def program(closed, name="fun"):
    prog = _programs.get(closed)
    if prog is None:
        prog = _programs[closed] = CudaProgram(closed, name)
    return prog


def lower_text(closed, name="fun", sim=None):
    """The CUDA-side listing of `closed`: how each step runs on the GPU (see
    `CudaProgram.listing`); under the simulator unless `sim=False`."""
    return (
        program(closed, name).listing() if sim is None else CudaProgram(closed, name, sim).listing()
    )
