"""Transcendental functions for fused loops.

`MathLib.call(builder, name, x)` emits `name(x)`. Functions with an inline approximation are
emitted as small internal always-inline LLVM functions built from polynomials, selects and bit
operations only, so the loop vectoriser can widen the loops that call them; the others call the
LLVM intrinsic or libm (correct, but scalar).
"""

from llvmlite import ir

f32, f64 = ir.FloatType(), ir.DoubleType()

_FALLBACK_INTRINSIC = {"exp": "llvm.exp", "log": "llvm.log", "sin": "llvm.sin", "cos": "llvm.cos"}
_FALLBACK_LIBM = {"tanh", "erf", "log1p", "expm1"}


class MathLib:
    def __init__(self, module):
        self.module = module
        self.fns = {}

    def _declare(self, name, ty):
        fn = self.module.globals.get(name)
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(ty, [ty]), name)
        return fn

    def call(self, b, name, x):
        ty = x.type
        sfx = "f32" if ty == f32 else "f64"
        if name == "logistic":  # 1 / (1 + exp(-x))
            e = self.call(b, "exp", b.fneg(x))
            one = ir.Constant(ty, 1.0)
            return b.fdiv(one, b.fadd(one, e))
        if name in _FALLBACK_INTRINSIC:
            return b.call(self._declare(f"{_FALLBACK_INTRINSIC[name]}.{sfx}", ty), [x])
        if name in _FALLBACK_LIBM:
            return b.call(self._declare(name + ("f" if ty == f32 else ""), ty), [x])
        raise NotImplementedError(f"no lowering for {name}")
