"""jtrans.lowering: the compiler behind `jit`.

    jaxpr --passes--> optimized jaxpr --fusion--> Kernel IR program --llvm--> LLVM module
          --cpu (O3, MCJIT)--> native entry --runtime--> Executable

Importing this package registers the compiler with `jtrans.interpreters.jit`. The primitives'
lowering entries (fusion kinds, scalar rules...) live in the tables of `fusion` and `passes`;
each lax primitive's paragraph (jtrans/lax/*.py) fills its own entries when jtrans.lax is
imported; jtrans/lax/lowerings.py fills those of the interpreters' primitives (jit, add_any,
custom_jvp/vjp, remat, stop_gradient).
"""

import ctypes

from .. import core
from ..interpreters import jit as _jit
from . import cpu, fusion, kernel, llvm, passes, runtime

__all__ = ["compile_jaxpr", "cpu", "fusion", "kernel", "llvm", "lower_text", "passes", "runtime"]

_rules_loaded = False


def _load_rules():
    """Makes sure the lowering entries are registered (importing jtrans.lax does it; this is for
    a compiler used without it)."""
    global _rules_loaded
    if not _rules_loaded:
        import importlib

        importlib.import_module("jtrans.lax.lowerings")
        _rules_loaded = True


_blas = None


def blas_pointers():
    """Addresses of sgemm and dgemm: SciPy's BLAS (OpenBLAS in SciPy's wheels), found through
    the PyCapsules in scipy.linalg.cython_blas.__pyx_capi__ (LP64 Fortran interface)."""
    global _blas
    if _blas is None:
        from scipy.linalg import cython_blas

        get_name = ctypes.pythonapi.PyCapsule_GetName
        get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
        get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
        get_ptr.restype, get_ptr.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
        caps = cython_blas.__pyx_capi__
        _blas = tuple(get_ptr(caps[n], get_name(caps[n])) for n in ("sgemm", "dgemm"))
    return _blas


class Compiled:
    """Every stage of one compilation (what `lower_text` prints)."""

    def __init__(self, closed, name):
        _load_rules()
        self.name = name
        self.jaxpr, self.consts = passes.optimize(closed.jaxpr, closed.consts)
        self.program = fusion.fuse(self.jaxpr, self.consts, name, col_epilogues=True)
        kernel.check_program(self.program)
        self.offsets, self.ws_size = runtime.plan_buffers(self.program)
        self.locator = runtime.Locator(self.program, self.offsets)
        self.module = llvm.render(self.program, self.locator)
        self.llvm_ir = str(self.module)

    def executable(self):
        for dtype in self.module.gemm_dtypes:
            cpu.use_own_gemm(dtype)
        engine, _ = cpu.compile_module(self.llvm_ir)
        return runtime.Executable(self.program, engine, "entry", self.offsets, self.ws_size,
                                  blas_pointers())  # fmt: skip


def compile_jaxpr(closed, name="fun"):
    """A callable taking NumPy arrays (one per invar) and returning a list of NumPy arrays."""
    return Compiled(closed, name).executable()


def lower_text(closed, name, stage):
    if stage == "cuda":
        from . import cuda

        return cuda.lower_text(closed, name)
    c = Compiled(closed, name)
    if stage == "optimized":
        return str(c.jaxpr)
    if stage == "kernels":
        return kernel.pp_program(c.program)
    if stage == "llvm":
        return c.llvm_ir
    if stage in ("llvm-opt", "llvm_optimized"):
        return cpu.optimized_ir(c.llvm_ir)
    raise ValueError(
        f"unknown stage {stage!r}; stages are 'jaxpr', 'optimized', 'kernels', 'llvm', "
        "'llvm-opt', 'cuda'"
    )


_jit.set_compiler(compile_jaxpr)
_jit.lower_text = lower_text
