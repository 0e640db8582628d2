"""The CPU target: host target machine (CPU name and features), the O3 pipeline with loop and
SLP vectorisation, MCJIT, and the optional on-disk object cache (`JTRANS_CACHE_DIR`).

`compile_module(llvm_ir)` -> (engine, optimized IR text); the engine must stay alive as long as
its code is called. With `JTRANS_CACHE_DIR` set, the object code for a given IR text (and host
CPU) is stored there, so a second process skips the LLVM optimisation and code generation.
"""

import hashlib
import os
import threading

import llvmlite.binding as llvm

_lock = threading.Lock()
_tm = None


def _new_target_machine():
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=llvm.get_host_cpu_features().flatten(),
        opt=3,
        jit=True,
    )


def target_machine():
    """The host target machine used for optimisation (an engine owns its own: MCJIT takes
    ownership of the target machine it is given)."""
    global _tm
    if _tm is None:
        _tm = _new_target_machine()
    return _tm


def _optimize(mod, tm):
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pto.loop_unrolling = True
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)


def _cache_path(llvm_ir):
    d = os.environ.get("JTRANS_CACHE_DIR")
    if not d:
        return None
    key = hashlib.sha256(
        (llvm.get_host_cpu_name() + llvm.get_host_cpu_features().flatten() + llvm_ir).encode()
    ).hexdigest()
    return os.path.join(d, key[:32] + ".o")


def compile_module(llvm_ir):
    """Optimizes and JIT-compiles an LLVM IR module text; returns (engine, optimized text or
    None when the object code came from the disk cache)."""
    with _lock:
        tm = target_machine()
        path = _cache_path(llvm_ir)
        if path is not None and os.path.exists(path):
            with open(path, "rb") as f:
                obj = f.read()
            mod = llvm.parse_assembly(_EMPTY_MODULE)
            engine = llvm.create_mcjit_compiler(mod, _new_target_machine())
            engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
            engine.finalize_object()
            return engine, None
        mod = llvm.parse_assembly(llvm_ir)
        mod.verify()
        _optimize(mod, tm)
        engine = llvm.create_mcjit_compiler(mod, _new_target_machine())
        engine.finalize_object()
        if path is not None:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                tmp = f"{path}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    f.write(tm.emit_object(mod))
                os.replace(tmp, path)
            except OSError:
                pass
        return engine, str(mod)


def optimized_ir(llvm_ir):
    """The O3-optimized text of a module (for inspection)."""
    with _lock:
        tm = target_machine()
        mod = llvm.parse_assembly(llvm_ir)
        _optimize(mod, tm)
        return str(mod)


_EMPTY_MODULE = ""
