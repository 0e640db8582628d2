"""The runtime's own routines (thread pool, call path, GEMM routine and kernels) keep their object
code on disk (cpu.load_library): a second process loads it instead of compiling; a damaged
file is compiled again (LLVM would crash on it); JTRANS_LIBRARY_CACHE=0 writes nothing."""

import os
import subprocess
import sys

PROGRAM = (
    "import numpy as np, jtrans\n"
    "rng = np.random.default_rng(0)\n"
    "a = rng.standard_normal((40, 50)).astype(np.float32)\n"
    "b = rng.standard_normal((50, 70)).astype(np.float32)\n"
    "got = np.asarray(jtrans.jit(lambda a, b: jtrans.numpy.tanh(a @ b))(a, b))\n"
    "np.testing.assert_allclose(got, np.tanh(a @ b), rtol=1e-5, atol=1e-5)\n"
    "print('ok')\n"
)


def _run(tmp_path, **env):
    full = dict(os.environ, JTRANS_CACHE_DIR=str(tmp_path), **env)
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=full, capture_output=True,
                         text=True, timeout=300, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _libraries(tmp_path):
    return sorted(p for p in tmp_path.iterdir() if p.name.startswith("lib-"))


def test_second_process_loads_the_stored_routines(tmp_path):
    _run(tmp_path)
    libs = _libraries(tmp_path)
    assert len(libs) >= 2  # at least the call path and the GEMM routine
    stamps = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in libs}
    _run(tmp_path)
    assert _libraries(tmp_path) == libs
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in libs} == stamps  # not rewritten


def test_damaged_files_are_compiled_again(tmp_path):
    _run(tmp_path)
    libs = _libraries(tmp_path)
    good = {p: p.read_bytes() for p in libs}
    for i, p in enumerate(libs):  # garbage, a truncated file, an empty file
        data = good[p]
        p.write_bytes([os.urandom(len(data)), data[: len(data) // 2], b""][i % 3])
    _run(tmp_path)
    assert {p: p.read_bytes() for p in _libraries(tmp_path)} == good


def test_switched_off(tmp_path):
    _run(tmp_path, JTRANS_LIBRARY_CACHE="0")
    assert _libraries(tmp_path) == []
