"""The Kernel IR: the seam between fusion and code generation.

A program is a list of steps over named buffers (contiguous, row-major):
- `LoopKernel`: one loop nest over `shape`; each output is a scalar expression of the loop
  variables, stored at the loop index, or (a reduction) combined over `reduce_axes` and stored at
  the index of the kept axes. Reduced axes are the innermost loops.
- `GemmKernel`: C = op(A) @ op(B) over a batch, run by a BLAS call from native code.
- `CallOut`: a primitive run by its NumPy impl through a call from native code back into Python.

Scalar expressions (`Expr`) are immutable and hashed by structure, so equal subexpressions are
shared (a DAG). Index arithmetic uses int64 expressions with the same ops.
Invariant (checked by `check_program`): every load reads a buffer the step lists as an input,
operand dtypes agree, and output expressions have their buffer's dtype.
"""

import numpy as np

I64 = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)

# scalar ops by arity; comparisons give bool
UNARY = {"neg", "not", "abs", "sign", "floor", "ceil", "round", "round_even", "is_finite", "exp",
         "exp2", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos",
         "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sqrt", "rsqrt", "cbrt", "erf", "erfc",
         "lgamma", "popcount", "square"}  # fmt: skip
BINARY = {"add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter", "and",
          "or", "xor", "shl", "shr", "sar"}  # fmt: skip
COMPARE = {"eq", "ne", "lt", "le", "gt", "ge"}
# reduction monoids: combine op and identity
MONOIDS = {"add", "mul", "max", "min", "and", "or"}


class Expr:
    """A scalar expression: op, args (Exprs or Python values), dtype (a NumPy dtype)."""

    __slots__ = ("op", "args", "dtype", "_hash")

    def __init__(self, op, args, dtype):
        self.op = op
        self.args = tuple(args)
        self.dtype = np.dtype(dtype)
        self._hash = hash((op, self.args, self.dtype))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return (
            self is other
            or type(other) is Expr
            and self._hash == other._hash
            and self.op == other.op
            and self.dtype == other.dtype
            and self.args == other.args
        )

    def __repr__(self):
        return f"Expr({self.op}, {self.args}, {self.dtype})"

    def is_const(self, value=None):
        return self.op == "const" and (value is None or self.args[0] == value)


# ---------------------------------------------------------------------------------------------
# constructors (with the simplifications index arithmetic needs)


def const(value, dtype):
    dtype = np.dtype(dtype)
    v = np.asarray(value).astype(dtype).item()
    if isinstance(v, float) and v != v:
        v = float("nan")
    return Expr("const", (v,), dtype)


def loop_var(k):
    return Expr("var", (k,), I64)


def iconst(n):
    return const(int(n), I64)


def op(name, *args, dtype=None):
    """A scalar op; dtype defaults to the first operand's (bool for comparisons)."""
    if dtype is None:
        dtype = BOOL if name in COMPARE or name == "is_finite" else args[0].dtype
    return Expr(name, args, dtype)


def iadd(a, b):
    if a.is_const(0):
        return b
    if b.is_const(0):
        return a
    if a.is_const() and b.is_const():
        return iconst(a.args[0] + b.args[0])
    return Expr("add", (a, b), I64)


def imul(a, n):
    if n == 0:
        return iconst(0)
    if n == 1:
        return a
    if a.is_const():
        return iconst(a.args[0] * n)
    return Expr("mul", (a, iconst(n)), I64)


def idiv(a, n):
    """Floor division of a non-negative index."""
    if n == 1:
        return a
    if a.is_const():
        return iconst(a.args[0] // n)
    return Expr("div", (a, iconst(n)), I64)


def imod(a, n):
    if n == 1:
        return iconst(0)
    if a.is_const():
        return iconst(a.args[0] % n)
    return Expr("rem", (a, iconst(n)), I64)


def expr_nodes(kern):
    """The distinct expressions a loop kernel's outputs are made of."""
    seen, stack = set(), [e for _, e, _ in kern.outputs]
    while stack:
        e = stack.pop()
        if type(e) is not Expr or e in seen:
            continue
        seen.add(e)
        stack.extend(e.args)
    return seen


def linearize(dims, shape):
    """The row-major offset of index `dims` in an array of `shape`."""
    off = iconst(0)
    stride = 1
    for d, n in zip(reversed(dims), reversed(shape)):
        if n != 1:
            off = iadd(off, imul(d, stride))
        stride *= n
    return off


def delinearize(flat, shape):
    dims = []
    stride = 1
    for n in reversed(shape):
        dims.append(iconst(0) if n == 1 else imod(idiv(flat, stride), n))
        stride *= n
    return tuple(reversed(dims))


class Index:
    """An index into an array: one int64 expression per axis, and (when known) the row-major
    offset it equals, so reshapes of loaded values need no division."""

    __slots__ = ("dims", "flat", "key")

    def __init__(self, dims, flat=None):
        self.dims = tuple(dims)
        self.flat = flat
        self.key = (self.dims, flat)

    def offset(self, shape):
        return self.flat if self.flat is not None else linearize(self.dims, shape)


# ---------------------------------------------------------------------------------------------
# buffers and steps


class Buffer:
    """A contiguous array: `kind` is "in" (argument), "out" (result), "const" or "tmp"."""

    __slots__ = ("name", "shape", "dtype", "kind", "slot")

    def __init__(self, name, shape, dtype, kind, slot=None):
        self.name, self.shape, self.dtype, self.kind, self.slot = (
            name,
            tuple(shape),
            dtype,
            kind,
            slot,
        )

    nbytes = property(lambda self: int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize)

    def __repr__(self):
        return f"{self.name}:{self.dtype.name}[{','.join(map(str, self.shape))}]"


class LoopKernel:
    """outputs: list of (buffer, expr, monoid or None). Reduction outputs are indexed by the
    loop variables of the kept axes; others by all loop variables.
    col_outputs (kernels without reduced axes only): list of (buffer, source buffer, monoid):
    the source (one of the outputs) combined over the first `col_axes` loops, indexed by the
    other loop variables -- a column reduction fused into the loop that produces its operand."""

    def __init__(self, name, shape, reduce_axes, inputs, outputs, eqn_names=(), col_outputs=(),
                 col_axes=0):  # fmt: skip
        self.name, self.shape, self.reduce_axes = name, tuple(shape), tuple(reduce_axes)
        self.inputs, self.outputs, self.eqn_names = list(inputs), list(outputs), list(eqn_names)
        self.col_outputs, self.col_axes = list(col_outputs), col_axes

    @property
    def out_buffers(self):
        return [b for b, _, _ in self.outputs] + [b for b, _, _ in self.col_outputs]


class GemmKernel:
    """C[b] = op(A[b]) @ op(B[b]) for b < batch; A is (m, k) or, with trans_a, stored (k, m);
    B is (k, n) or stored (n, k); C is (m, n); all row-major and contiguous per batch.
    A batch stride of 0 broadcasts an operand."""

    def __init__(self, name, a, b, c, batch, m, n, k, trans_a, trans_b, a_bstride, b_bstride):
        self.name, self.a, self.b, self.c = name, a, b, c
        self.batch, self.m, self.n, self.k = batch, m, n, k
        self.trans_a, self.trans_b = trans_a, trans_b
        self.a_bstride, self.b_bstride = a_bstride, b_bstride
        self.inputs, self.out_buffers = [a, b], [c]


class CallOut:
    """A primitive run by its NumPy impl; operands are Buffers or Python scalar literals."""

    def __init__(self, name, prim, params, operands, outputs, reason):
        self.name, self.prim, self.params = name, prim, params
        self.operands, self.out_buffers, self.reason = list(operands), list(outputs), reason
        self.inputs = [x for x in operands if isinstance(x, Buffer)]

    def run(self, read):
        """The primitive's NumPy impl on the operands (`read(buffer)` gives a Buffer's value
        as an array of its shape): a list of results, one per output buffer."""
        from .. import core

        vals = [read(x) if isinstance(x, Buffer) else np.asarray(x.val, x.aval.dtype)
                for x in self.operands]  # fmt: skip
        with core.set_current_trace(core.eval_trace):
            res = core.impl_rules[self.prim](*vals, **self.params)
        return list(res) if self.prim.multiple_results else [res]


class Program:
    """inputs/outputs: Buffers per jaxpr invar/outvar (an output may be an input, a const or a
    literal: `out_sources` says which); consts: (Buffer, ndarray); steps in execution order."""

    def __init__(self, name, inputs, consts, steps, out_sources):
        self.name, self.inputs, self.consts, self.steps = name, inputs, consts, steps
        self.out_sources = out_sources


# ---------------------------------------------------------------------------------------------
# checker


class KernelIRError(Exception):
    pass


def _check_expr(e, allowed, seen):
    if e in seen:
        return
    seen.add(e)
    if e.op == "load":
        buf, off = e.args
        if buf.name not in allowed:
            raise KernelIRError(f"load of {buf.name}, which the kernel does not list as input")
        if off.dtype != I64 or e.dtype != buf.dtype:
            raise KernelIRError(f"bad load {e}")
        _check_expr(off, allowed, seen)
        return
    if e.op in ("const", "var"):
        return
    subs = [a for a in e.args if type(a) is Expr]
    for a in subs:
        _check_expr(a, allowed, seen)
    if e.op in BINARY | COMPARE and subs[0].dtype != subs[1].dtype:
        raise KernelIRError(f"{e.op} of {subs[0].dtype} and {subs[1].dtype}")
    if e.op == "select":
        c, a, b = e.args
        if c.dtype != BOOL or a.dtype != b.dtype or a.dtype != e.dtype:
            raise KernelIRError(f"bad select {e}")


def check_program(prog):
    """Raises KernelIRError if a step reads an unknown buffer or an expression is ill-typed."""
    defined = {b.name for b in prog.inputs} | {b.name for b, _ in prog.consts}
    for step in prog.steps:
        for b in step.inputs:
            if b.name not in defined:
                raise KernelIRError(f"{step.name} reads {b.name} before it is written")
        if isinstance(step, LoopKernel):
            allowed = {b.name for b in step.inputs}
            seen = set()
            for buf, e, monoid in step.outputs:
                _check_expr(e, allowed, seen)
                if e.dtype != buf.dtype:
                    raise KernelIRError(f"{step.name}: {buf} gets an expression of {e.dtype}")
                if monoid is not None and monoid not in MONOIDS:
                    raise KernelIRError(f"unknown monoid {monoid}")
            srcs = {buf.name: buf for buf, _, m in step.outputs if m is None}
            for buf, src, monoid in step.col_outputs:
                if step.reduce_axes or src.name not in srcs or monoid not in MONOIDS:
                    raise KernelIRError(f"{step.name}: bad column output {buf} of {src}")
                if buf.dtype != src.dtype or not 0 < step.col_axes < len(step.shape):
                    raise KernelIRError(f"{step.name}: bad column output {buf} of {src}")
        if hasattr(step, "check"):  # a control-flow step checks its sub-programs
            step.check()
        defined |= {b.name for b in step.out_buffers}
    return True


# ---------------------------------------------------------------------------------------------
# printer


def _fmt_const(e):
    v = e.args[0]
    return f"{v}:{e.dtype.name}" if e.dtype != I64 else str(v)


def pp_kernel(k):
    lines = []
    if isinstance(k, LoopKernel):
        red = f" reduce{list(k.reduce_axes)}" if k.reduce_axes else ""
        ins = ", ".join(map(repr, k.inputs))
        outs = ", ".join(repr(b) for b in k.out_buffers)
        lines.append(
            f"kernel {k.name} loop[{','.join(map(str, k.shape))}]{red} ({ins}) -> ({outs})"
        )
        if k.eqn_names:
            lines.append(f"  # fuses: {' '.join(k.eqn_names)}")
        names = {}

        def name(e):
            if e.op == "const":
                return _fmt_const(e)
            if e.op == "var":
                return f"i{e.args[0]}"
            if e in names:
                return names[e]
            if e.op == "load":
                rhs = f"{e.args[0].name}[{name(e.args[1])}]"
            else:
                rhs = f"{e.op} " + ", ".join(name(a) if type(a) is Expr else repr(a)
                                             for a in e.args)  # fmt: skip
            n = f"%{len(names)}"
            names[e] = n
            lines.append(f"  {n}:{e.dtype.name} = {rhs}")
            return n

        for buf, e, monoid in k.outputs:
            v = name(e)
            lines.append(f"  {buf.name}[...] {'= ' if monoid is None else monoid + '= '}{v}")
        over = ",".join(f"i{i}" for i in range(k.col_axes))
        for buf, src, monoid in k.col_outputs:
            lines.append(f"  {buf.name}[...] {monoid}= {src.name}[...] over {over}")
    elif isinstance(k, GemmKernel):
        ta, tb = "T" if k.trans_a else "N", "T" if k.trans_b else "N"
        lines.append(
            f"kernel {k.name} gemm batch={k.batch} m={k.m} n={k.n} k={k.k} op(A)={ta} op(B)={tb}"
            f" ({k.a!r}, {k.b!r}) -> ({k.c!r})"
        )
    elif hasattr(k, "pp_lines"):  # a control-flow step (control.py)
        lines += k.pp_lines()
    else:
        ops = ", ".join(repr(x) for x in k.operands)
        outs = ", ".join(repr(b) for b in k.out_buffers)
        lines.append(f"callout {k.prim.name} ({ops}) -> ({outs})  # {k.reason}")
    return "\n".join(lines)


def pp_program(prog):
    head = [
        f"program {prog.name}",
        "  inputs: " + ", ".join(map(repr, prog.inputs)),
        "  outputs: " + ", ".join(map(str, prog.out_sources)),
    ]
    if prog.consts:
        head.append("  consts: " + ", ".join(repr(b) for b, _ in prog.consts))
    return "\n".join(head + [pp_kernel(s) for s in prog.steps])
