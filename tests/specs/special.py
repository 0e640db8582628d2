"""OpSpecs for jtrans.scipy.special against scipy.special."""

import numpy as np
import scipy.special as sp

import jtrans.scipy.special as jsp

from ..opspecs import F32, F64, OpSpec

U = [((),), ((3,),), ((2, 3),), ((0,),)]
B = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((0,), ())]
R = [((3,),), ((2, 3),), ((2, 3, 4),)]  # for reductions
FLOATS = (F32, F64)


def doms(*ranges):
    def make(rng, shapes, dtype):
        return [
            np.asarray(rng.uniform(lo, hi, size=s), dtype) for (lo, hi), s in zip(ranges, shapes)
        ]

    return make


def fixed(*values):
    def make(rng, shapes, dtype):
        return [np.asarray(v, dtype) for v in values]

    return make


# fmt: off
SPECS = [
    OpSpec("logsumexp", jsp.logsumexp, sp.logsumexp, R, dtypes=FLOATS, domain=(-5, 5)),
    OpSpec("logsumexp_empty", jsp.logsumexp, sp.logsumexp, [((0,),)], grad=False),
    OpSpec("logsumexp_axis", lambda a: jsp.logsumexp(a, axis=-1), lambda a: sp.logsumexp(a, axis=-1),
           R, domain=(-5, 5)),
    OpSpec("logsumexp_axes_keepdims", lambda a: jsp.logsumexp(a, axis=(0, 2), keepdims=True),
           lambda a: sp.logsumexp(a, axis=(0, 2), keepdims=True), [((2, 3, 4),)]),
    OpSpec("logsumexp_large", lambda a: jsp.logsumexp(a, axis=0),
           lambda a: sp.logsumexp(a, axis=0), [((4, 2),)], domain=(500, 800), dtypes=(F64,)),
    OpSpec("logsumexp_b", lambda a, b: jsp.logsumexp(a, axis=0, b=b),
           lambda a, b: sp.logsumexp(a, axis=0, b=b), [((4, 3), (4, 3)), ((4, 3), (3,))],
           args_maker=doms((-3, 3), (0.1, 2))),
    OpSpec("logsumexp_return_sign", lambda a, b: jsp.logsumexp(a, b=b, axis=0, return_sign=True),
           lambda a, b: sp.logsumexp(a, b=b, axis=0, return_sign=True), [((5, 3), (5, 3))],
           args_maker=doms((-3, 3), (-2, 2)), grad=False),
    OpSpec("softmax", lambda x: jsp.softmax(x, axis=-1), lambda x: sp.softmax(x, axis=-1), R,
           dtypes=FLOATS),
    OpSpec("softmax_all", jsp.softmax, sp.softmax, R),
    OpSpec("log_softmax", lambda x: jsp.log_softmax(x, axis=0), lambda x: sp.log_softmax(x, axis=0),
           R, dtypes=FLOATS),
    OpSpec("erf", jsp.erf, sp.erf, U, dtypes=FLOATS),
    OpSpec("erfc", jsp.erfc, sp.erfc, U, dtypes=FLOATS),
    OpSpec("erfinv", jsp.erfinv, sp.erfinv, U, domain=(-0.9, 0.9), dtypes=FLOATS, tol=1e-4),
    OpSpec("gammaln", jsp.gammaln, sp.gammaln, U, domain=(0.5, 4), dtypes=FLOATS),
    OpSpec("gamma", jsp.gamma, sp.gamma, U, domain=(0.5, 4), dtypes=FLOATS, tol=1e-4),
    OpSpec("gamma_negative", jsp.gamma, sp.gamma, U, domain=(-2.9, -2.1), tol=1e-4),
    OpSpec("gamma_negative_odd", jsp.gamma, sp.gamma, U, domain=(-1.9, -1.1), tol=1e-4),
    OpSpec("digamma", jsp.digamma, sp.digamma, U, domain=(0.5, 4), dtypes=FLOATS, tol=1e-4),
    OpSpec("polygamma", lambda x: jsp.polygamma(1, x), lambda x: sp.polygamma(1, x), U,
           domain=(0.5, 4), tol=1e-4),
    OpSpec("polygamma_array_n", lambda n, x: jsp.polygamma(n, x),
           lambda n, x: sp.polygamma(n, x).astype(x.dtype), [((3,), (3,))], nondiff_argnums=(0,),
           args_maker=lambda rng, s, dt: [np.array([0, 1, 2], np.int32),
                                          np.asarray(rng.uniform(0.5, 3, s[1]), dt)], tol=1e-4),
    OpSpec("expit", jsp.expit, sp.expit, U, domain=(-6, 6), dtypes=FLOATS),
    OpSpec("logit", jsp.logit, sp.logit, U, domain=(0.05, 0.95), dtypes=FLOATS),
    OpSpec("xlogy", jsp.xlogy, sp.xlogy, B, args_maker=doms((-2, 2), (0.1, 3)), dtypes=FLOATS),
    OpSpec("xlogy_zero_x", jsp.xlogy, sp.xlogy, [((4,), (4,))],
           args_maker=fixed([0.0, 0.0, 0.0, 1.0], [0.0, 2.0, 0.5, 2.0]), grad=False),
    OpSpec("xlogy_zero_x_grad", jsp.xlogy, sp.xlogy, [((3,), (3,))],
           args_maker=fixed([0.0, 0.0, 1.5], [2.0, 0.5, 2.0]), grad_order=1),
    OpSpec("xlog1py", jsp.xlog1py, sp.xlog1py, B, args_maker=doms((-2, 2), (-0.5, 3))),
    OpSpec("xlog1py_zero_x", jsp.xlog1py, sp.xlog1py, [((3,), (3,))],
           args_maker=fixed([0.0, 0.0, 1.0], [-1.0, 1.0, 1.0]), grad=False),
    OpSpec("entr", jsp.entr, sp.entr, U, domain=(0.1, 2)),
    OpSpec("entr_edges", jsp.entr, sp.entr, [((3,),)], args_maker=fixed([-1.0, 0.0, 0.5]),
           grad=False),
    OpSpec("ndtr", jsp.ndtr, sp.ndtr, U, domain=(-4, 4), dtypes=FLOATS),
    OpSpec("ndtri", jsp.ndtri, sp.ndtri, U, domain=(0.05, 0.95), dtypes=FLOATS, tol=1e-4),
    OpSpec("log_ndtr", jsp.log_ndtr, sp.log_ndtr, U, domain=(-5, 5), dtypes=FLOATS, tol=1e-4),
    OpSpec("log_ndtr_tails", jsp.log_ndtr, sp.log_ndtr, [((6,),)], dtypes=(F64,),
           args_maker=fixed([-40.0, -25.0, -12.0, 7.0, 10.0, 30.0]), grad_tol=1e-3),
    OpSpec("log_ndtr_tails_f32", jsp.log_ndtr, sp.log_ndtr, [((4,),)], grad=False,
           args_maker=fixed([-20.0, -12.0, 7.0, 10.0]), tol=1e-4),
    OpSpec("betaln", jsp.betaln, sp.betaln, B, args_maker=doms((0.5, 3), (0.5, 3)), tol=1e-4),
    OpSpec("multigammaln", lambda a: jsp.multigammaln(a, 3), lambda a: sp.multigammaln(a, 3),
           [((),), ((3,),)], domain=(2, 4), tol=1e-4, check_dtype=False),
    OpSpec("gammainc", jsp.gammainc, sp.gammainc, B, args_maker=doms((0.5, 3), (0.1, 4)),
           grad=False, tol=1e-4),
    OpSpec("gammaincc", jsp.gammaincc, sp.gammaincc, B, args_maker=doms((0.5, 3), (0.1, 4)),
           grad=False, tol=1e-4),
]
# fmt: on
