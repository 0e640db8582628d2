"""How a program's products run: how a GEMM is cut into chunks for the thread pool
(`gemm_split`) and which elementwise kernels run as GEMM epilogues (`gemm_epilogues`)."""

import os

import numpy as np

from . import kernel as K

# GEMMs with fewer multiply-adds than this run on one thread
GEMM_SERIAL_MNK = 1 << 20  # (128^3 products in two halves: per-example gradients -14%)
GEMM_MAX_CHUNKS = 4  # blocks of C per product (the BLAS packs its operands again for each)


def gemm_split(batch, m, n, k):
    """(split, number of chunks) for a GEMM (GEMM_DESC's `split`)."""
    if batch * m * n * k < GEMM_SERIAL_MNK:
        return -1, 1
    if batch >= 2:
        return 0, max(1, min(GEMM_MAX_CHUNKS, batch))
    split, d = (1, m) if m >= n else (2, n)
    return split, max(1, min(GEMM_MAX_CHUNKS, d // 32))


# off unless JTRANS_GEMM_EPILOGUES=1: on this project's machine they measured neutral in run
# time (the block of C is still written and read back once; a separate pass over a C that fits
# the caches costs little) and cost ~14 ms of compile time for the MLP gradient (a block
# function with run-time bounds vectorises slowly; benchmarks/NOTES.md, round 6). What would
# pay: applying the kernel in the micro-kernel's registers before C is stored.
GEMM_EPILOGUES = os.environ.get("JTRANS_GEMM_EPILOGUES", "0") == "1"


def gemm_epilogues(prog, locate):
    """{index of a GEMM step: the loop kernel run as its epilogue}: the GEMM
    routine runs the kernel on each block of C as soon as the block is computed, on the same
    thread, while the block is in that core's caches (bias + activation after a layer's
    product, the SGD update after a weight gradient). Taken where the kernel is elementwise
    over exactly C's shape (batch 1), reads C only at its own position (a block sees only its
    own part of C), writes nothing that shares memory with the product's operands (other
    blocks still read them), and would not lose the thread pool (a large kernel after a product
    too small to be cut into chunks stays a kernel of its own)."""
    from . import llvm

    out = {}
    if not GEMM_EPILOGUES:
        return out
    steps = prog.steps
    made = {}  # buffer name -> the step that writes it
    for idx, step in enumerate(steps):
        for x in getattr(step, "out_buffers", ()):
            made.setdefault(x.name, idx)
    taken = set()
    for idx, g in enumerate(steps):
        if not isinstance(g, K.GemmKernel) or g.batch != 1:
            continue
        kern = _epilogue_candidate(steps, idx, made, taken)
        if kern is None:
            continue
        if kern.reduce_axes or kern.col_outputs or kern.shape != (g.m, g.n):
            continue
        if g.n <= llvm.UNROLL_INNER_MAX or not any(x is g.c for x in kern.inputs):
            continue
        here = K.linearize((K.loop_var(0), K.loop_var(1)), kern.shape)
        if not _loads_at(kern, g.c, here):
            continue
        if any(_overlap(locate, o, x) for o in kern.out_buffers for x in (g.a, g.b, g.c)):
            continue
        chunked = gemm_split(g.batch, g.m, g.n, g.k)[0] > 0
        if not chunked and int(np.prod(kern.shape)) >= llvm.PARALLEL_MIN_ELEMENTS:
            continue
        out[idx] = kern
        taken.add(id(kern))
    return out


def _epilogue_candidate(steps, idx, made, taken):
    """The loop kernel that could run as the epilogue of the GEMM at `idx`: the next step, or
    a later loop kernel reading C that can move up to the GEMM: every input made by then, and
    only program results written (fresh memory: the workspace it would write may still be in
    use by the steps in between, whose buffers were placed for the original order)."""
    g = steps[idx]
    for j in range(idx + 1, len(steps)):
        kern = steps[j]
        if type(kern) is not K.LoopKernel or id(kern) in taken:
            continue
        if not any(x is g.c for x in kern.inputs):
            continue
        if j == idx + 1:
            return kern
        if all(x.kind == "out" for x in kern.out_buffers) and all(
            made.get(x.name, -1) <= idx for x in kern.inputs
        ):
            return kern
        return None  # the first reader of C decides
    return None


def _loads_at(kern, buf, offset):
    """Whether every load of `buf` in the kernel's expressions is at `offset`."""
    return all(e.args[1] == offset for e in K.expr_nodes(kern)
               if e.op == "load" and e.args[0] is buf)  # fmt: skip


def _overlap(locate, x, y):
    """Whether buffers x and y may share memory (the same slot, or overlapping workspace)."""
    if x is y:
        return True
    (wx, px), (wy, py) = locate(x), locate(y)
    if wx != wy:
        return False
    if wx == "slot":
        return px == py
    return px < py + y.nbytes and py < px + x.nbytes
