"""Native lowering of `sort`: per row (every position of the axes other than `dimension`), a
stable sort of the keys carrying a permutation, then every operand gathered by it.

Keys are first mapped to unsigned integers whose order is the impl's (NumPy's stable argsort /
lexsort): floats by their bits (sign-magnitude to two's order), -0.0 equal to 0.0, every NaN
equal to the others and above +inf; signed integers with the sign bit flipped; bools as 0/1.
A single key of at most 32 bits is packed with its position into one uint64 (key << 32 | j),
so the sort moves one array and the ties are broken by position (stable by construction).
Otherwise the key columns and an int32/int64 position column move together.

Long packed rows are LSD radix sorted (11 key bits a pass: stable, so ties keep their
positions). Otherwise: insertion sort of runs of RUN elements, then bottom-up merge passes that
alternate between two scratch copies (a branch-free merge: both heads are loaded, the smaller
one, left on ties, is stored). The outputs are gathered through the operands' fused
expressions at the sorted positions, so the keys come back bit-exact (-0.0, NaN payloads).

The step's scratch buffer is listed among its outputs (it is live exactly while it runs).
This module knows no primitive: jtrans/lax/lowerings.py registers the rule under sort's.
"""

import numpy as np

from . import fastir as ir
from . import kernel as K
from .indexing import NativeStep, _axis_loops, _store

RUN = 16
RADIX_BITS = 11
RADIX_MIN = 1024  # packed rows at least this long are radix sorted
UINT8 = np.dtype(np.uint8)
i1, i8, i32, i64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)


def _key_bits(dt):
    dt = np.dtype(dt)
    return 8 if dt == K.BOOL else dt.itemsize * 8


class SortStep(NativeStep):
    """Sorts rows of length n along `axis` of `shape`; `exprs` are the operands at loop
    variables (outer axes 0..r-2, the sort axis r-1); the first `num_keys` order the rows."""

    op = "sort"

    def __init__(self, name, inputs, outs, scratch, operands, shape, axis, num_keys, eqn_names):
        exprs = [(f"operand{i}", e) for i, e in enumerate(operands)]
        super().__init__(name, inputs, list(outs) + [scratch], exprs, eqn_names)
        self.outs, self.scratch, self.operands = list(outs), scratch, list(operands)
        self.shape, self.axis, self.num_keys = tuple(shape), axis, num_keys
        self.layout = sort_layout(shape[axis], [e.dtype for e in operands[:num_keys]])

    def header(self):
        mode = "packed" if self.layout["packed"] else f"{self.num_keys} key(s) + positions"
        if self.layout["radix"]:
            mode += f", radix {self.layout['radix']} passes"
        return f"axis {self.axis} of [{','.join(map(str, self.shape))}] ({mode})"

    def check(self):
        super().check()
        for b, e in zip(self.outs, self.operands):
            if b.dtype != e.dtype:
                raise K.KernelIRError(f"{self.name}: sort of {e.dtype} into {b}")

    def body(self, r):
        shape, axis = self.shape, self.axis
        if not all(shape):
            return
        nd = len(shape)
        lay = self.layout
        n = shape[axis]
        b = r.b
        base = r.args[self.scratch.name]

        # the columns: (element type, copy A, copy B)
        cols = []
        for ty, off_a, off_b in lay["columns"]:
            pa = b.bitcast(b.gep(base, [i64(off_a)]), ty.as_pointer())
            pb = b.bitcast(b.gep(base, [i64(off_b)]), ty.as_pointer())
            cols.append((ty, pa, pb))
        nkeycols = len(cols) if lay["packed"] else len(cols) - 1
        out_dims, outer = _axis_loops(shape, axis)
        out_dims[axis] = K.loop_var(nd)  # the output position (the gather reads loop var r-1)
        out_off = K.linearize(out_dims, shape)

        def row():
            outer_vals = tuple(r.loop_vals[: nd - 1])  # (nest appends to r.loop_vals)

            def fill():
                b = r.b
                j = r.loop_vals[nd - 1]
                keys = [_sortable(r, r.emit(e), e.dtype) for e in self.operands[: self.num_keys]]
                if lay["packed"]:
                    comp = b.or_(b.shl(b.zext(keys[0], i64), i64(32)), j)
                    b.store(comp, b.gep(cols[0][1], [j]))
                    return
                for (ty, pa, _), k in zip(cols, keys):
                    b.store(k, b.gep(pa, [j]))
                ty, pa, _ = cols[-1]
                b.store(j if ty == i64 else b.trunc(j, ty), b.gep(pa, [j]))

            self.nest(r, [n], fill, first=nd - 1)
            if lay["radix"]:
                hist = b.bitcast(b.gep(base, [i64(lay["hist"])]), i64.as_pointer())
                final = _radix_sort(r, cols[0], hist, n, lay["radix"], self.name)
            else:
                final = _merge_sort(r, cols, nkeycols, n, self.name)
            r.loop_vals = list(outer_vals)

            def gather():
                b = r.b
                j = r.loop_vals[nd - 1]
                ty, pa, pb = cols[-1]
                p = b.load(b.gep(pb if final else pa, [j]))
                if lay["packed"]:
                    p = b.and_(p, i64(0xFFFFFFFF))
                elif ty != i64:
                    p = b.zext(p, i64)
                r.loop_vals = [*outer_vals, p, j]
                r.memo = {}
                off = r.emit(out_off)
                for buf, e in zip(self.outs, self.operands):
                    _store(r, buf, off, r.emit(e))
                r.loop_vals = [*outer_vals, j]

            self.nest(r, [n], gather, first=nd - 1)
            r.loop_vals = list(outer_vals)

        self.nest(r, outer, row)


def sort_layout(n, key_dtypes):
    """The scratch layout: {"packed": bool, "columns": [(llvm type, offset A, offset B)],
    "nbytes": total}."""
    packed = len(key_dtypes) == 1 and _key_bits(key_dtypes[0]) <= 32 and n < 2**32
    if packed:
        tys = [i64]
    else:
        tys = [ir.IntType(_key_bits(d)) for d in key_dtypes]
        tys.append(i32 if n < 2**31 else i64)
    cols, top = [], 0
    for ty in tys:
        size = max(1, n) * ty.width // 8
        size = -(-size // 64) * 64
        cols.append((ty, top, top + size))
        top += 2 * size
    # long packed rows: LSD radix sort of the key bits (RADIX_BITS per pass)
    radix = -(-_key_bits(key_dtypes[0]) // RADIX_BITS) if packed and n >= RADIX_MIN else 0
    hist = top
    top += radix * (1 << RADIX_BITS) * 8
    return {"packed": packed, "columns": cols, "radix": radix, "hist": hist, "nbytes": top}


def _radix_sort(r, col, hist, n, passes, name):
    """LSD radix sort of packed (key << 32 | position) values by their key bits: one pass
    computes every digit's histogram, then each pass scatters stably to the other copy.
    Returns whether the result ended in the B copy."""
    b = r.b
    _, pa, pb = col
    nb = 1 << RADIX_BITS
    mask = i64(nb - 1)
    with r.for_range(passes * nb, f"{name}.hzero") as v:
        r.b.store(i64(0), r.b.gep(hist, [v]))

    def digit(b, x, d):
        return b.and_(b.lshr(x, i64(32 + RADIX_BITS * d)), mask)

    with r.for_range(n, f"{name}.hist") as j:
        b = r.b
        x = b.load(b.gep(pa, [j]))
        for d in range(passes):
            slot = b.gep(hist, [b.add(digit(b, x, d), i64(d * nb))])
            b.store(b.add(b.load(slot), i64(1)), slot)
    for d in range(passes):  # exclusive prefix sums
        b = r.b
        with b.goto_entry_block():
            acc = b.alloca(i64, name="acc")
        b.store(i64(0), acc)
        with r.for_range(nb, f"{name}.scan{d}") as v:
            b = r.b
            slot = b.gep(hist, [b.add(v, i64(d * nb))])
            c = b.load(slot)
            t = b.load(acc)
            b.store(t, slot)
            b.store(b.add(t, c), acc)
    for d in range(passes):
        src, dst = (pa, pb) if d % 2 == 0 else (pb, pa)
        with r.for_range(n, f"{name}.scatter{d}") as j:
            b = r.b
            x = b.load(b.gep(src, [j]))
            slot = b.gep(hist, [b.add(digit(b, x, d), i64(d * nb))])
            pos = b.load(slot)
            b.store(b.add(pos, i64(1)), slot)
            b.store(x, b.gep(dst, [pos]))
    return passes % 2 == 1


def _sortable(r, x, dt):
    """x as an unsigned integer with the impl's order (see the module docstring)."""
    b = r.b
    dt = np.dtype(dt)
    if dt == K.BOOL:
        return b.zext(x, i8)
    w = dt.itemsize * 8
    ity = ir.IntType(w)
    sign = ity(-(1 << (w - 1)))
    if dt.kind == "u":
        return x
    if dt.kind == "i":
        return b.xor(x, sign)
    zero = b.fcmp_ordered("==", x, ir.Constant(x.type, 0.0))
    bits = b.select(zero, ity(0), b.bitcast(x, ity))
    neg = b.icmp_signed("<", bits, ity(0))
    u = b.select(neg, b.not_(bits), b.or_(bits, sign))
    return b.select(b.fcmp_unordered("uno", x, x), ity(-1), u)


def _less(b, a, c, nkeys):
    """Lexicographic unsigned a < c over the first nkeys columns (lists of values)."""
    out = None
    for k in reversed(range(nkeys)):
        lt = b.icmp_unsigned("<", a[k], c[k])
        if out is None:
            out = lt
        else:
            out = b.or_(lt, b.and_(b.icmp_unsigned("==", a[k], c[k]), out))
    return out


def _merge_sort(r, cols, nkeys, n, name):
    """Sorts the columns' A copies; returns whether the result ended in the B copies."""
    b = r.b
    fn = r.fn
    # insertion sort of each run of RUN elements, in A
    n_runs = -(-n // RUN)
    with r.for_range(n_runs, f"{name}.run") as run:
        b = r.b
        lo = b.mul(run, i64(RUN))
        hi = b.add(lo, i64(RUN))
        hi = b.select(b.icmp_signed(">", hi, i64(n)), i64(n), hi)
        with r.for_range(hi, f"{name}.ins", start=b.add(lo, i64(1))) as i:
            b = r.b
            tmp = [b.load(b.gep(pa, [i])) for _, pa, _ in cols]
            pre = b.block
            head = fn.append_basic_block(f"{name}.shift.head")
            test = fn.append_basic_block(f"{name}.shift.test")
            move = fn.append_basic_block(f"{name}.shift.move")
            done = fn.append_basic_block(f"{name}.shift.done")
            b.branch(head)
            b.position_at_end(head)
            j = b.phi(i64, name="j")
            j.add_incoming(i, pre)
            b.cbranch(b.icmp_signed(">", j, lo), test, done)
            b.position_at_end(test)
            jm = b.sub(j, i64(1))
            prev = [b.load(b.gep(pa, [jm])) for _, pa, _ in cols]
            b.cbranch(_less(b, tmp, prev, nkeys), move, done)
            b.position_at_end(move)
            for (_, pa, _), v in zip(cols, prev):
                b.store(v, b.gep(pa, [j]))
            j.add_incoming(jm, move)
            b.branch(head)
            b.position_at_end(done)
            for (_, pa, _), v in zip(cols, tmp):
                b.store(v, b.gep(pa, [j]))
    # merge passes: width RUN << p, from A to B on even passes, B to A on odd ones
    passes = 0
    while RUN << passes < n:
        passes += 1
    if passes == 0:
        return False
    b = r.b
    with r.for_range(passes, f"{name}.pass") as p:
        b = r.b
        even = b.icmp_unsigned("==", b.and_(p, i64(1)), i64(0))
        src = [b.select(even, pa, pb) for _, pa, pb in cols]
        dst = [b.select(even, pb, pa) for _, pa, pb in cols]
        width = b.shl(i64(RUN), p)
        n_pairs = b.udiv(b.add(i64(n - 1), b.shl(width, i64(1))), b.shl(width, i64(1)))
        with r.for_range(n_pairs, f"{name}.pair") as q:
            b = r.b
            lo = b.mul(q, b.shl(width, i64(1)))
            mid = b.add(lo, width)
            mid = b.select(b.icmp_signed(">", mid, i64(n)), i64(n), mid)
            hi = b.add(mid, width)
            hi = b.select(b.icmp_signed(">", hi, i64(n)), i64(n), hi)
            _merge(r, src, dst, nkeys, lo, mid, hi, name)
    return passes % 2 == 1


def _merge(r, src, dst, nkeys, lo, mid, hi, name):
    """dst[lo:hi] = the merge of src[lo:mid] and src[mid:hi] (left first on ties)."""
    b = r.b
    fn = r.fn
    pre = b.block
    head = fn.append_basic_block(f"{name}.merge.head")
    body = fn.append_basic_block(f"{name}.merge.body")
    done = fn.append_basic_block(f"{name}.merge.done")
    b.branch(head)
    b.position_at_end(head)
    k = b.phi(i64, name="k")
    i = b.phi(i64, name="i")
    j = b.phi(i64, name="j")
    k.add_incoming(lo, pre)
    i.add_incoming(lo, pre)
    j.add_incoming(mid, pre)
    b.cbranch(b.icmp_signed("<", k, hi), body, done)
    b.position_at_end(body)
    left_ok = b.icmp_signed("<", i, mid)
    right_ok = b.icmp_signed("<", j, hi)
    ic = b.select(left_ok, i, b.sub(mid, i64(1)))
    jc = b.select(right_ok, j, b.sub(hi, i64(1)))
    li = [b.load(b.gep(s, [ic])) for s in src]
    rj = [b.load(b.gep(s, [jc])) for s in src]
    take_left = b.and_(left_ok, b.or_(b.not_(right_ok), b.not_(_less(b, rj, li, nkeys))))
    for d, x, y in zip(dst, li, rj):
        b.store(b.select(take_left, x, y), b.gep(d, [k]))
    step = b.zext(take_left, i64)
    k.add_incoming(b.add(k, i64(1)), b.block)
    i.add_incoming(b.add(i, step), b.block)
    j.add_incoming(b.add(j, b.sub(i64(1), step)), b.block)
    b.branch(head)
    b.position_at_end(done)


def sort_rule(fz, eqn):
    p = eqn.params
    axis, num_keys = p["dimension"], p["num_keys"]
    shape = eqn.invars[0].aval.shape
    ctx = {"memo": {}, "inputs": {}, "roots": set(), "eqns": {}}
    dims, _ = _axis_loops(shape, axis)
    operands = [fz._expr(v, K.Index(dims), ctx) for v in eqn.invars]
    outs = [fz._out_buffer(v) for v in eqn.outvars]
    lay = sort_layout(shape[axis], [e.dtype for e in operands[:num_keys]])
    scratch = K.Buffer(f"t{fz.n_tmp}", (max(lay["nbytes"], 1),), UINT8, "tmp")
    fz.n_tmp += 1
    step = SortStep(f"k{len(fz.steps)}", list(ctx["inputs"].values()), outs, scratch, operands,
                    shape, axis, num_keys, [eqn.prim.name, *ctx["eqns"].values()])  # fmt: skip
    fz._add_step(step)
