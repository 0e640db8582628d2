#!/usr/bin/env bash
# The real-GPU checks of the GPU issue, in one command for a lent GPU machine (about 8 minutes):
#   OUT=/some/dir bash tools/gpu_session.sh [steps]     steps: env real bench prof sweep device
# Logs and benchmarks/gpu_bench.py's JSON go to $OUT; each step has its own time limit so that
# one that hangs does not take the others with it. GATE=1: stop when the `real` tests fail.
set -o pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/jtrans_gpu}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
PY=${PY:-python3}
steps=${*:-env real bench prof sweep device}
jobs=$(( $(nproc) > 12 ? 12 : $(nproc) ))

for step in $steps; do
  echo "=== $step $(date -u +%H:%M:%S)"
  case $step in
    env)
      nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm \
        --format=csv 2>&1 | tee "$OUT/env.txt"
      $PY -c "import sys, numpy, llvmlite, numba; print(sys.version.split()[0], 'numpy', numpy.__version__, 'llvmlite', llvmlite.__version__, 'numba', numba.__version__)" 2>&1 | tee -a "$OUT/env.txt"
      $PY -m pip show numba-cuda 2>/dev/null | head -2 | tee -a "$OUT/env.txt"
      timeout 120 $PY -c "
from numba import cuda
print('cuda.is_available', cuda.is_available())
d = cuda.get_current_device(); print(d.name, d.compute_capability)
import jtrans; print(jtrans.devices())" 2>&1 | tee -a "$OUT/env.txt"
      ;;
    real)  # tests/test_cuda_real.py, less the OpSpec sweep
      timeout 240 $PY -m pytest -q -p no:cacheprovider -n "$jobs" tests/test_cuda_real.py \
        2>&1 | tee "$OUT/real.log" | tail -n 30
      rc=$?
      if [ "$rc" != 0 ] && [ -n "$GATE" ]; then echo "real failed (GATE set): stopping"; exit "$rc"; fi
      ;;
    sweep)  # every jittable OpSpec on the real GPU
      timeout 240 $PY -m pytest -q -p no:cacheprovider -n "$jobs" -m slow tests/test_cuda_real.py \
        2>&1 | tee "$OUT/sweep.log" | tail -n 30
      ;;
    bench)
      timeout 200 $PY benchmarks/gpu_bench.py --json "$OUT/gpu_bench.json" 2>&1 \
        | tee "$OUT/bench.log" | tail -n 40
      ;;
    device)  # the simulator's device tests (less the OpSpec sweep: `real` has it) and PTX
      JTRANS_TEST_GPU=1 timeout 200 $PY -m pytest -q -p no:cacheprovider -n "$jobs" -m "" \
        tests/test_cuda.py tests/test_devices.py -k "not simulator_suite and not opspec_on_device and not ptx_every" 2>&1 \
        | tee "$OUT/device.log" | tail -n 40
      ;;
    prof)  # where a fused call's time goes: host dispatch, allocation, the kernel itself
      timeout 120 $PY - <<'PYEOF' 2>&1 | tee "$OUT/prof.log"
import time, statistics, numpy as np, jtrans
from numba import cuda
n = 10**8
gpu = jtrans.devices("gpu")[0]
rng = np.random.default_rng(0)
x, y = jtrans.device_put((rng.standard_normal(n, dtype=np.float32),
                          rng.standard_normal(n, dtype=np.float32)), gpu)
f = jtrans.jit(lambda a, b: a * 2 + b * b - 1)
f(x, y); cuda.synchronize()
def med(fn, k=20):
    ts = []
    for _ in range(k):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3
print("call+sync ms", med(lambda: (f(x, y), cuda.synchronize())))
print("call only (async) ms", med(lambda: f(x, y)))
cuda.synchronize()
print("device_array(n) ms", med(lambda: cuda.device_array(n, np.float32)))
e0, e1 = cuda.event(), cuda.event()
def ev():
    e0.record(); f(x, y); e1.record(); e1.synchronize()
    return e0.elapsed_time(e1)
print("events around call ms", statistics.median(ev() for _ in range(20)))
dst = cuda.device_array(n, np.float32)
def cp():
    e0.record(); dst.copy_to_device(x._buf); e1.record(); e1.synchronize()
    return e0.elapsed_time(e1)
print("events around copy ms", statistics.median(cp() for _ in range(20)))
# the MLP training step: host time per step (launches queue asynchronously) against the
# synchronised time, then where the host time goes
import cProfile, pstats, sys
sys.path.insert(0, "benchmarks")
import gpu_bench as G
params = jtrans.device_put(G.init_params(rng), gpu)
xb, yb = jtrans.device_put(G.batch(rng, 128), gpu)
step = jtrans.jit(G.sgd_step)
p = params
for _ in range(3):
    p, l = step(p, xb, yb)
cuda.synchronize()
t = time.perf_counter()
for _ in range(50):
    p, l = step(p, xb, yb)
host = (time.perf_counter() - t) / 50
cuda.synchronize()
print(f"mlp step: host {host*1e3:.3f} ms, with sync {(time.perf_counter() - t) / 50 * 1e3:.3f} ms")
def steps():
    global p
    for _ in range(50):
        p, _l = step(p, xb, yb)
    cuda.synchronize()
cProfile.run("steps()", "/tmp/mlp.prof")
pstats.Stats("/tmp/mlp.prof").sort_stats("tottime").print_stats(18)
PYEOF
      ;;
  esac
done
echo "=== done $(date -u +%H:%M:%S)"
