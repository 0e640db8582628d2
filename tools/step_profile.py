"""Where a compiled program's time goes, step by step (CPU backend).

    JTRANS_STEP_TIMES=1 python tools/step_profile.py [mlp|small-mlp|per-example] [--calls N]

Compiles one of perf.py's workloads (an MLP's SGD step, or per-example gradients), runs it N times and prints, per step of the kernel program,
the mean time per call: the entry adds the cycle counter's delta after each step into the global
`jt_step_times`; cycles become microseconds by the wall time of the calls (the entry is nearly
all of a call).
"""
import ctypes
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import jtrans
import jtrans.numpy as jnp
from jtrans import lowering
from jtrans.lowering import kernel as K
from jtrans.lowering import llvm


def main():
    if not llvm.STEP_TIMES:
        sys.exit("set JTRANS_STEP_TIMES=1")
    import perf

    which = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "mlp"
    calls = int(sys.argv[sys.argv.index("--calls") + 1]) if "--calls" in sys.argv else 200
    sizes, batch = {"mlp": ([784, 512, 512, 10], 128), "small-mlp": ([64, 128, 128, 10], 32),
                    "per-example": ([64, 128, 128, 10], 128)}[which]  # fmt: skip
    p0 = perf._init(sizes)
    x, y = perf._data(batch, sizes)
    if which == "per-example":  # jit(vmap(grad(loss of one example)))
        base = perf.mlp_loss_np(jnp)
        single = lambda params, x, y: base(params, x[None], y[None])
        step = jtrans.vmap(jtrans.grad(single), in_axes=(None, 0, 0))
    else:  # one SGD step
        step = perf._sgd_np(perf.mlp_loss_np(jnp), jtrans.grad)
    closed = jtrans.make_jaxpr(step)(p0, x, y)
    c = lowering.Compiled(closed, "step")
    exe = c.executable()
    flat = [a for w, b_ in p0 for a in (w, b_)] + [x, y]
    for _ in range(20):
        exe(*flat)
    addr = exe.engine.get_global_value_address("jt_step_times")
    n = len(c.program.steps)
    times = (ctypes.c_int64 * n).from_address(addr)
    for i in range(n):
        times[i] = 0
    t0 = time.perf_counter()
    for _ in range(calls):
        exe(*flat)
    wall = (time.perf_counter() - t0) / calls
    cyc = np.array(times[:], dtype=np.float64) / calls
    hz = cyc.sum() / wall  # cycles counted per second of wall time (the entry is ~all of a call)
    print(f"{which}: {wall * 1e6:.0f} us per call (wall), steps sum {cyc.sum() / hz * 1e6:.0f} us")
    for i, s in enumerate(c.program.steps):
        kind = type(s).__name__
        desc = ""
        if isinstance(s, K.GemmKernel):
            desc = (f"b{s.batch} m{s.m} n{s.n} k{s.k} tA{int(s.trans_a)} tB{int(s.trans_b)} "
                    f"{2 * s.batch * s.m * s.n * s.k / (cyc[i] / hz) / 1e9:.0f} GFLOP/s")
        elif isinstance(s, K.LoopKernel):
            desc = f"shape {tuple(s.shape)}"
        print(f"  {i:3d} {kind:11s} {cyc[i] / hz * 1e6:8.1f} us  {getattr(s, 'name', '')} {desc}")


if __name__ == "__main__":
    main()
