"""Vectorisable transcendental functions for fused loops.

`MathLib.call(builder, name, x)` emits `name(x)`. The functions below are emitted once per
module as internal, always-inline LLVM functions made of arithmetic, `llvm.rint`/`llvm.fabs`,
bit operations and selects only (no calls, no branches), so the loop vectoriser can widen every
loop that uses them. Others fall back to LLVM intrinsics or libm (correct, but scalar).

Accuracy, measured against NumPy on dense grids (tests/test_mathlib.py checks these bounds):

| function | float32 | float64 | method |
| --- | --- | --- | --- |
| exp | <= 2 ulp | <= 2 ulp | n = rint(x/ln2), r = x - n ln2 (two-part), Taylor expm1(r), scaled by 2^n in two steps (denormal results are exact to 2 ulp of the smallest normal) |
| expm1 | <= 3 ulp | <= 3 ulp | same reduction, 2^n expm1(r) + (2^n - 1) |
| log | <= 3 ulp | <= 3 ulp | x = m 2^e, m in [sqrt(1/2), sqrt 2), 2 atanh(f / (2 + f)) series |
| log1p | <= 3 ulp | <= 3 ulp | log(1 + x) corrected by ((1 + x) - 1 - x) / (1 + x) |
| tanh | <= 4 ulp | <= 4 ulp | e / (e + 2) with e = expm1(2|x|), sign restored |
| logistic | <= 4 ulp | <= 4 ulp | e = exp(-abs(x)): 1 / (1 + e) for x >= 0, e / (1 + e) below |
| sin, cos (float32 only) | <= 2 ulp for abs(x) < 2^20 | libm | k = rint(2x/pi) and a two-part Cody-Waite reduction in float64; degree 9/10 Taylor in float32 |

inf, -inf, nan and signed zeros follow NumPy for every function (tested).
"""

import math

from . import fastir as ir

f32, f64 = ir.FloatType(), ir.DoubleType()
i32, i64 = ir.IntType(32), ir.IntType(64)

_FALLBACK_INTRINSIC = {"sin": "llvm.sin", "cos": "llvm.cos"}
_FALLBACK_LIBM = {"erf"}
APPROXIMATED = {"exp", "expm1", "log", "log1p", "tanh", "logistic", "sin", "cos"}


class _Fmt:
    """Float format constants."""

    def __init__(self, ty):
        self.ty = ty
        self.f64 = ty == f64
        self.ity = i64 if self.f64 else i32
        self.mant = 52 if self.f64 else 23
        self.bias = 1023 if self.f64 else 127
        self.max_exp_arg = 709.782712893384 if self.f64 else 88.72283
        self.min_exp_arg = -745.2 if self.f64 else -103.98
        # Taylor degree of expm1 on [-ln2/2, ln2/2], and atanh-series terms for log
        self.exp_deg = 13 if self.f64 else 7
        self.log_terms = 12 if self.f64 else 5


class MathLib:
    def __init__(self, module):
        self.module = module

    def _declare(self, name, ty, n=1):
        fn = self.module.globals.get(name)
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(ty, [ty] * n), name)
        return fn

    def call(self, b, name, x):
        ty = x.type
        sfx = "f32" if ty == f32 else "f64"
        if name in APPROXIMATED and not (ty == f64 and name in ("sin", "cos")):
            return b.call(self._function(name, ty), [x])
        if name in _FALLBACK_INTRINSIC:
            return b.call(self._declare(f"{_FALLBACK_INTRINSIC[name]}.{sfx}", ty), [x])
        if name in _FALLBACK_LIBM:
            return b.call(self._declare(name + ("f" if ty == f32 else ""), ty), [x])
        raise NotImplementedError(f"no lowering for {name}")

    def _function(self, name, ty):
        full = f"jt_{name}_{'f32' if ty == f32 else 'f64'}"
        fn = self.module.globals.get(full)
        if fn is not None:
            return fn
        fn = ir.Function(self.module, ir.FunctionType(ty, [ty]), full)
        fn.linkage = "internal"
        fn.attributes.add("alwaysinline")
        fn.attributes.add("nounwind")
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        e = _Emitter(self, b, _Fmt(ty))
        b.ret(getattr(e, name)(fn.args[0]))
        return fn


class _Emitter:
    def __init__(self, lib, b, fmt):
        self.lib, self.b, self.F = lib, b, fmt
        self.ty = fmt.ty

    def c(self, v):
        return ir.Constant(self.ty, float(v))

    def intr(self, name, *args, ty=None):
        ty = ty or self.ty
        sfx = "f32" if ty == f32 else "f64"
        return self.b.call(self.lib._declare(f"llvm.{name}.{sfx}", ty, len(args)), list(args))

    def poly(self, x, coeffs):
        """sum coeffs[i] x^i by Horner's rule."""
        b = self.b
        acc = self.c(coeffs[-1])
        for cf in reversed(coeffs[:-1]):
            acc = b.fadd(b.fmul(acc, x, flags=("contract",)), self.c(cf), flags=("contract",))
        return acc

    def select(self, c, a, b_):
        return self.b.select(c, a, b_)

    def lt(self, a, v):
        return self.b.fcmp_ordered("<", a, self.c(v) if not isinstance(v, ir.Value) else v)

    def gt(self, a, v):
        return self.b.fcmp_ordered(">", a, self.c(v) if not isinstance(v, ir.Value) else v)

    def isnan(self, x):
        return self.b.fcmp_unordered("uno", x, x)

    def pow2(self, n_int):
        """2^n as a float for an integer n in the normal exponent range."""
        b, F = self.b, self.F
        bits = b.shl(b.add(n_int, F.ity(F.bias)), F.ity(F.mant))
        return b.bitcast(bits, self.ty)

    # -- exp family ------------------------------------------------------------------------------

    def _reduce_exp(self, x):
        """(n as float, n as int, r) with x = n ln2 + r, |r| <= ln2/2."""
        b = self.b
        ln2_hi, ln2_lo = _split(math.log(2), self.F)
        n = self.intr("rint", b.fmul(x, self.c(1 / math.log(2))))
        r = b.fsub(b.fsub(x, b.fmul(n, self.c(ln2_hi))), b.fmul(n, self.c(ln2_lo)))
        return n, b.fptosi(n, self.F.ity), r

    def _expm1_poly(self, r):
        deg = self.F.exp_deg
        coeffs = [0.0] + [1.0 / math.factorial(k) for k in range(1, deg + 1)]
        return self.poly(r, coeffs)

    def exp(self, x):
        b, F = self.b, self.F
        xc = self.select(self.lt(x, F.min_exp_arg), self.c(F.min_exp_arg), x)
        xc = self.select(self.gt(xc, F.max_exp_arg), self.c(F.max_exp_arg), xc)
        n, ni, r = self._reduce_exp(xc)
        p = b.fadd(self.c(1.0), self._expm1_poly(r))
        # 2^n in two factors so that results in the denormal range (and n = bias+1) work
        half = b.ashr(ni, F.ity(1))
        out = b.fmul(b.fmul(p, self.pow2(half)), self.pow2(b.sub(ni, half)))
        out = self.select(self.gt(x, F.max_exp_arg), self.c(math.inf), out)
        out = self.select(self.lt(x, F.min_exp_arg), self.c(0.0), out)
        return self.select(self.isnan(x), x, out)

    def expm1(self, x):
        b, F = self.b, self.F
        lo = -40.0 if F.f64 else -18.0  # below: expm1(x) rounds to -1
        xc = self.select(self.lt(x, lo), self.c(lo), x)
        xc = self.select(self.gt(xc, F.max_exp_arg), self.c(F.max_exp_arg), xc)
        n, ni, r = self._reduce_exp(xc)
        q = self._expm1_poly(r)
        half = b.ashr(ni, F.ity(1))
        s1, s2 = self.pow2(half), self.pow2(b.sub(ni, half))
        inv_s2 = self.pow2(b.sub(half, ni))
        # 2^n expm1(r) + (2^n - 1) = (q s1 + (s1 - 2^-(n - half))) s2, with no overflow of 2^n
        # before the last product; n = 0 gives expm1(r) exactly
        out = b.fmul(b.fadd(b.fmul(q, s1), b.fsub(s1, inv_s2)), s2)
        out = self.select(self.gt(x, F.max_exp_arg), self.c(math.inf), out)
        out = self.select(self.lt(x, lo), self.c(-1.0), out)
        # tiny x: expm1(x) = x (keeps -0.0 and denormals exact)
        ax = self.intr("fabs", x)
        out = self.select(self.lt(ax, 1e-300 if F.f64 else 1e-30), x, out)
        return self.select(self.isnan(x), x, out)

    def tanh(self, x):
        b = self.b
        ax = self.intr("fabs", x)
        e = self.expm1(b.fmul(ax, self.c(2.0)))
        t = b.fdiv(e, b.fadd(e, self.c(2.0)))
        t = self.select(self.gt(ax, 20.0 if self.F.f64 else 9.1), self.c(1.0), t)
        out = self.intr("copysign", t, x, ty=self.ty)
        return self.select(self.isnan(x), x, out)

    def logistic(self, x):
        b = self.b
        e = self.exp(b.fneg(self.intr("fabs", x)))  # in (0, 1]: no overflow
        d = b.fadd(self.c(1.0), e)
        pos = b.fdiv(self.c(1.0), d)
        return self.select(self.lt(x, 0.0), b.fdiv(e, d), pos)

    # -- log family --------------------------------------------------------------------------------

    def log(self, x):
        b, F = self.b, self.F
        ity = F.ity
        tiny = self.lt(x, 2.2250738585072014e-308 if F.f64 else 1.1754943508222875e-38)
        scale_bits = 54 if F.f64 else 25
        xs = self.select(tiny, b.fmul(x, self.c(2.0**scale_bits)), x)
        bits = b.bitcast(xs, ity)
        e = b.sub(b.lshr(bits, ity(F.mant)), ity(F.bias))
        mbits = b.or_(b.and_(bits, ity((1 << F.mant) - 1)), ity(F.bias << F.mant))
        m = b.bitcast(mbits, self.ty)  # in [1, 2)
        big = self.gt(m, math.sqrt(2.0))
        m = self.select(big, b.fmul(m, self.c(0.5)), m)
        e = self.select(big, b.add(e, ity(1)), e)
        ef = b.sitofp(e, self.ty)
        ef = self.select(tiny, b.fsub(ef, self.c(scale_bits)), ef)
        f = b.fsub(m, self.c(1.0))
        s = b.fdiv(f, b.fadd(f, self.c(2.0)))
        s2 = b.fmul(s, s)
        coeffs = [2.0 / (2 * k + 1) for k in range(F.log_terms + 1)]
        log1pf = b.fmul(s, self.poly(s2, coeffs))
        ln2_hi, ln2_lo = _split(math.log(2), F)
        out = b.fadd(b.fmul(ef, self.c(ln2_hi)), b.fadd(b.fmul(ef, self.c(ln2_lo)), log1pf))
        out = self.select(b.fcmp_ordered("==", x, self.c(math.inf)), x, out)
        out = self.select(b.fcmp_ordered("==", x, self.c(0.0)), self.c(-math.inf), out)
        out = self.select(self.lt(x, 0.0), self.c(math.nan), out)
        return self.select(self.isnan(x), x, out)

    def log1p(self, x):
        b = self.b
        u = b.fadd(x, self.c(1.0))
        lu = self.log(u)
        corr = b.fdiv(b.fsub(b.fsub(u, self.c(1.0)), x), u)
        out = b.fsub(lu, corr)
        finite_u = b.fcmp_ordered("<", self.intr("fabs", u), self.c(math.inf))
        out = self.select(b.and_(finite_u, self.gt(u, 0.0)), out, lu)
        ax = self.intr("fabs", x)
        return self.select(self.lt(ax, 1e-300 if self.F.f64 else 1e-30), x, out)

    # -- sin / cos (float32: reduction in float64, polynomials in float32) -----------------------

    def _sincos(self, x, which):
        """sin or cos of a float32 x. The reduction x = k pi/2 + r runs in float64 (exact for
        abs(x) < 2^20: pi/2 in a 33-bit and a 53-bit part); r and r^2 are rounded to float32 and
        the Taylor polynomials (degree 9 for sin, 10 for cos on abs(r) <= pi/4; truncation below
        0.05 ulp) run in float32, at twice the vector width of float64. sin(x) and cos(x) of
        the same x share everything but the last selects (LLVM's CSE merges them)."""
        b = self.b
        xd = b.fpext(x, f64)
        d = lambda v: ir.Constant(f64, float(v))  # noqa: E731
        # pi/2 = pio2_hi + pio2_lo to ~86 bits: pio2_hi has 33 significant bits (k pio2_hi is
        # exact for abs(k) < 2^20), pio2_lo is the rest rounded to double (fdlibm's pio2_1,
        # pio2_1t); pi/2 - pio2_hi computed in double would keep only pi/2's 53 bits
        pio2_hi = 1.57079632673412561417e00
        pio2_lo = 6.07710050650619224932e-11
        k = self.intr("rint", b.fmul(xd, d(2 / math.pi)), ty=f64)
        r = b.fsub(b.fsub(xd, b.fmul(k, d(pio2_hi))), b.fmul(k, d(pio2_lo)))
        # the quadrant k mod 4 (k taken as 0 where it is huge or NaN, so the conversion is
        # always defined; there the reduction is inexact anyway, or x not finite)
        small = b.fcmp_ordered("<", self.intr("fabs", k, ty=f64), d(2.0**30))
        q = b.fptosi(b.select(small, k, d(0.0)), i32)
        rf, zf = b.fptrunc(r, f32), b.fptrunc(b.fmul(r, r), f32)
        saved, self.ty = self.ty, f32
        sin_c = [(-1) ** (j + 1) / math.factorial(2 * j + 3) for j in range(4)]
        cos_c = [(-1) ** (j + 1) / math.factorial(2 * j + 2) for j in range(5)]
        s = b.fadd(rf, b.fmul(b.fmul(rf, zf), self.poly(zf, sin_c)))
        c = b.fadd(self.c(1.0), b.fmul(zf, self.poly(zf, cos_c)))
        self.ty = saved
        if which == "cos":
            q = b.add(q, i32(1))
        q = b.and_(q, i32(3))
        # sin(x) for quadrants 0..3: s, c, -s, -c
        v = b.select(b.icmp_unsigned("==", b.and_(q, i32(1)), i32(0)), s, c)
        out = b.select(b.icmp_unsigned(">=", q, i32(2)), b.fneg(v), v)
        finite = b.fcmp_ordered("<", self.intr("fabs", x), self.c(math.inf))
        out = self.select(finite, out, self.c(math.nan))
        if which == "sin":  # keep -0.0
            out = self.select(b.fcmp_ordered("==", x, self.c(0.0)), x, out)
        return self.select(self.isnan(x), x, out)

    def sin(self, x):
        return self._sincos(x, "sin")

    def cos(self, x):
        return self._sincos(x, "cos")


def _split(v, fmt):
    """ln 2 as hi + lo, hi with its low mantissa bits zero (so n * hi is exact) and lo carrying
    the bits beyond double precision (fdlibm's constants)."""
    assert v == math.log(2)
    if fmt.f64:
        return 6.93147180369123816490e-01, 1.90821492927058770002e-10
    return 0.693145751953125, 1.428606765330187045e-06
