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

B3 = [((), (), ()), ((3,), (3,), (3,)), ((2, 3), (3,), ())]


def _jv_stack(z, v=3):
    return sp.jv(np.arange(v + 1).reshape((v + 1,) + (1,) * np.ndim(z)), z)


# fmt: off
SPECS += [
    OpSpec("gammasgn", jsp.gammasgn, sp.gammasgn, U, domain=(-3.5, 3.5), grad=False),
    OpSpec("loggamma", jsp.loggamma, sp.loggamma, U, domain=(0.5, 4), dtypes=FLOATS, tol=1e-5),
    OpSpec("loggamma_negative", jsp.loggamma, sp.loggamma, [((3,),)], domain=(-3, -0.1),
           grad=False),
    OpSpec("beta", jsp.beta, sp.beta, B, args_maker=doms((0.5, 3), (0.5, 3)), tol=1e-4),
    OpSpec("beta_negative", jsp.beta, sp.beta, [((3,), (3,))],
           args_maker=doms((-2.9, -2.1), (0.5, 1.5)), tol=1e-4),
    OpSpec("betainc", jsp.betainc, sp.betainc, B3, args_maker=doms((0.5, 3), (0.5, 3), (0, 1)),
           grad=False, tol=1e-4),
    OpSpec("betainc_grad_x", lambda x: jsp.betainc(2.0, 3.5, x),
           lambda x: sp.betainc(2.0, 3.5, x), U, domain=(0.1, 0.9), tol=1e-4),
    OpSpec("factorial", jsp.factorial, sp.factorial, U, domain=(0, 6), tol=1e-4),
    OpSpec("factorial_negative", jsp.factorial, sp.factorial, [((3,),)],
           args_maker=fixed([-1.0, -0.5, 3.0]), grad=False, tol=1e-5),
    OpSpec("comb", jsp.comb, sp.comb, B, args_maker=doms((5, 10), (0.5, 4)), tol=1e-4),
    OpSpec("comb_outside", jsp.comb, sp.comb, [((4,), (4,))],
           args_maker=fixed([5.0, 5.0, 3.0, 4.0], [-1.0, 6.0, 4.0, 2.0]), grad=False),
    OpSpec("comb_repetition", lambda n, k: jsp.comb(n, k, repetition=True),
           lambda n, k: sp.comb(n, k, repetition=True), [((3,), (3,))],
           args_maker=doms((3, 6), (1, 3)), tol=1e-4),
    OpSpec("poch", jsp.poch, sp.poch, B, args_maker=doms((0.5, 3), (-0.4, 2)), tol=1e-4),
    OpSpec("boxcox", jsp.boxcox, sp.boxcox, B, args_maker=doms((0.5, 3), (-1, 1)), dtypes=FLOATS),
    OpSpec("boxcox_zero", jsp.boxcox, sp.boxcox, [((3,), (3,))],
           args_maker=fixed([0.5, 1.0, 2.0], [0.0, 0.0, 1.0])),
    OpSpec("boxcox1p_zero", jsp.boxcox1p, sp.boxcox1p, [((3,), (3,))],
           args_maker=fixed([-0.5, 0.0, 2.0], [0.0, 1e-3, 0.0])),
    OpSpec("boxcox1p", jsp.boxcox1p, sp.boxcox1p, B, args_maker=doms((-0.5, 3), (-1, 1)),
           dtypes=FLOATS),
    OpSpec("kl_div", jsp.kl_div, sp.kl_div, B, args_maker=doms((0.1, 2), (0.1, 2)),
           dtypes=FLOATS),
    OpSpec("kl_div_edges", jsp.kl_div, sp.kl_div, [((5,), (5,))],
           args_maker=fixed([0.0, 1.0, -1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 2.0, 0.0]), grad=False),
    OpSpec("rel_entr", jsp.rel_entr, sp.rel_entr, B, args_maker=doms((0.1, 2), (0.1, 2)),
           dtypes=FLOATS),
    OpSpec("rel_entr_edges", jsp.rel_entr, sp.rel_entr, [((5,), (5,))],
           args_maker=fixed([0.0, 1.0, -1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 2.0, 0.0]), grad=False),
    OpSpec("i0", jsp.i0, sp.i0, U, domain=(-4, 4), dtypes=FLOATS, tol=1e-5),
    OpSpec("i0e", jsp.i0e, sp.i0e, U, domain=(-4, 4), dtypes=FLOATS),
    OpSpec("i1", jsp.i1, sp.i1, U, domain=(-4, 4), dtypes=FLOATS, tol=1e-5),
    OpSpec("i1e", jsp.i1e, sp.i1e, U, domain=(-4, 4), dtypes=FLOATS),
    OpSpec("zeta", jsp.zeta, sp.zeta, B, args_maker=doms((1.5, 4), (0.5, 3)), grad=False,
           tol=1e-4),
    OpSpec("zeta_grad_q", lambda q: jsp.zeta(2.5, q), lambda q: sp.zeta(2.5, q), U,
           domain=(0.5, 3), tol=1e-4),
    OpSpec("zeta_riemann", jsp.zeta, sp.zeta, U, domain=(1.5, 4), grad=False, tol=1e-4),
    OpSpec("bessel_jn", lambda z: jsp.bessel_jn(z, v=3), _jv_stack, U, domain=(-8, 8),
           dtypes=FLOATS, tol=1e-4),
    OpSpec("bessel_jn_zero", lambda z: jsp.bessel_jn(z, v=2), lambda z: _jv_stack(z, 2),
           [((3,),)], args_maker=fixed([0.0, 1e-3, 25.0]), grad=False, tol=1e-4),
    OpSpec("erfcx", jsp.erfcx, sp.erfcx, U, domain=(-3, 10), dtypes=FLOATS, tol=1e-5),
    OpSpec("erfcx_large", jsp.erfcx, sp.erfcx, [((4,),)],
           args_maker=fixed([30.0, 1e3, 1e6, -5.0]), dtypes=FLOATS, grad=False),
    OpSpec("dawsn", jsp.dawsn, sp.dawsn, U, domain=(-6, 6), dtypes=FLOATS, tol=1e-5),
    OpSpec("dawsn_edges", jsp.dawsn, sp.dawsn, [((5,),)],
           args_maker=fixed([0.0, 0.19, 0.21, 100.0, -1e4]), dtypes=FLOATS, grad=False),
    OpSpec("exp1", jsp.exp1, sp.exp1, U, domain=(0.1, 5), dtypes=FLOATS, tol=1e-5),
    OpSpec("exp1_edges", jsp.exp1, sp.exp1, [((5,),)],
           args_maker=fixed([0.0, 1e-6, 2.0, 50.0, 500.0]), dtypes=FLOATS, grad=False),
    OpSpec("expi", jsp.expi, sp.expi, U, domain=(-5, 5), dtypes=FLOATS, tol=1e-5),
    OpSpec("expi_large", jsp.expi, sp.expi, [((5,),)],
           args_maker=fixed([-60.0, 0.0, 39.5, 40.5, 80.0]), dtypes=(F64,), grad=False),
    OpSpec("expn", jsp.expn, sp.expn, [((3,), (3,)), ((2, 3), (3,))], nondiff_argnums=(0,),
           args_maker=lambda rng, s, dt: [rng.integers(0, 6, s[0]).astype(np.int32),
                                          np.asarray(rng.uniform(0.2, 4, s[1]), dt)],
           dtypes=FLOATS, tol=1e-5),
    OpSpec("expn_edges", jsp.expn, sp.expn, [((6,), (6,))], nondiff_argnums=(0,),
           args_maker=lambda rng, s, dt: [np.array([0, 1, 2, 3, 7, -1], np.int32),
                                          np.asarray([0.5, 0.0, 0.0, 1.0, 30.0, 1.0], dt)],
           grad=False),
    OpSpec("spence", jsp.spence, sp.spence, U, domain=(0.05, 4), dtypes=FLOATS, tol=1e-5),
    OpSpec("spence_edges", jsp.spence, sp.spence, [((6,),)],
           args_maker=fixed([0.0, 0.5, 1.0, 2.0, 1e3, -1.0]), dtypes=FLOATS, grad=False),
    OpSpec("sici", jsp.sici, sp.sici, U, domain=(0.2, 8), dtypes=FLOATS, tol=1e-5),
    OpSpec("sici_negative", jsp.sici, sp.sici, [((3,),)], domain=(-8, -0.2), tol=1e-5),
    OpSpec("sici_edges", jsp.sici, sp.sici, [((4,),)], args_maker=fixed([0.0, 4.0, 100.0, 1e4]),
           dtypes=FLOATS, grad=False, tol=1e-5),
    OpSpec("fresnel", jsp.fresnel, sp.fresnel, U, domain=(-3, 3), dtypes=FLOATS, tol=1e-5),
    OpSpec("fresnel_edges", jsp.fresnel, sp.fresnel, [((4,),)],
           args_maker=fixed([0.0, 1.5, 30.0, -1e4]), dtypes=FLOATS, grad=False),
    OpSpec("owens_t", jsp.owens_t, sp.owens_t, B, args_maker=doms((-2, 2), (-3, 3)),
           dtypes=FLOATS, tol=1e-5),
    OpSpec("owens_t_edges", jsp.owens_t, sp.owens_t, [((4,), (4,))],
           args_maker=fixed([0.0, 8.0, 1.0, 0.5], [1.0, 0.3, 1e3, 0.0]), grad=False),
    OpSpec("hyp1f1", jsp.hyp1f1, sp.hyp1f1, B3, args_maker=doms((0.5, 2), (1, 3), (-3, 3)),
           dtypes=FLOATS, tol=1e-4, grad_order=1),
    OpSpec("hyp2f1", jsp.hyp2f1, sp.hyp2f1, [((), (), (), ()), ((3,), (3,), (3,), (3,))],
           args_maker=doms((0.2, 1.5), (0.2, 1.5), (1.5, 3), (-2, 0.8)), dtypes=FLOATS,
           tol=1e-4, grad_order=1),
]
# fmt: on
