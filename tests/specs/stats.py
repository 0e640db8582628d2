"""OpSpecs for jtrans.scipy.stats against scipy.stats."""

import numpy as np
import scipy.stats as ss

import jtrans.scipy.stats as js

from ..opspecs import F32, F64, OpSpec

FLOATS = (F32, F64)
S1 = [((),), ((3,),), ((2, 3),), ((0,),)]
S2 = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((0,), ())]
S3 = [((), (), ()), ((3,), (3,), (3,)), ((2, 3), (3,), ()), ((0,), (), ())]
S4 = [((), (), (), ()), ((3,), (3,), (3,), (3,)), ((2, 3), (3,), (), (1, 3))]
S5 = [((), (), (), (), ()), ((2, 3), (3,), (), (3,), ())]


def doms(*ranges):
    def make(rng, shapes, dtype):
        out = []
        for r, s in zip(ranges, shapes):
            if r[0] == "int":
                out.append(np.asarray(rng.integers(r[1], r[2], size=s), dtype))
            else:
                out.append(np.asarray(rng.uniform(r[0], r[1], size=s), dtype))
        return out

    return make


def fixed(*values):
    return lambda rng, shapes, dtype: [np.asarray(v, dtype) for v in values]


def _specs(
    dist, fns, ranges, shapes, ref_dist=None, grad=(), tol=1e-5, dtypes=(F32,), suffix="", **kw
):
    """One OpSpec per function name of a distribution; grad lists the differentiable ones."""
    ref_dist = ref_dist or getattr(ss, dist)
    out = []
    for f in fns:
        out.append(OpSpec(f"stats.{dist}.{f}{suffix}", getattr(getattr(js, dist), f),
                          getattr(ref_dist, f), shapes, args_maker=doms(*ranges),
                          grad=f in grad, tol=tol, dtypes=dtypes, **kw))  # fmt: skip
    return out


def _spd(rng, dt):
    m = rng.normal(size=(3, 3))
    return np.asarray(m @ m.T + 3 * np.eye(3), dt)


LOC_SCALE = ((-1, 1), (0.5, 2))
CONT = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")

# fmt: off
SPECS = [
    *_specs("norm", CONT, ((-3, 3), *LOC_SCALE), S3, grad=CONT, dtypes=FLOATS, tol=1e-4),
    *_specs("norm", ("ppf", "isf"), ((0.05, 0.95), *LOC_SCALE), S3, grad=("ppf", "isf"),
            tol=1e-4),
    *_specs("cauchy", CONT, ((-3, 3), *LOC_SCALE), S3, grad=CONT),
    *_specs("cauchy", ("ppf", "isf"), ((0.1, 0.9), *LOC_SCALE), S3, grad=("ppf", "isf"),
            tol=1e-4),
    *_specs("expon", CONT, ((-0.5, 4), *LOC_SCALE), S3, tol=1e-4),
    *_specs("expon", ("ppf",), ((0.05, 0.95), *LOC_SCALE), S3, grad=("ppf",), tol=1e-4),
    *_specs("laplace", ("logpdf", "pdf", "cdf"), ((-3, 3), *LOC_SCALE), S3,
            grad=("cdf",), tol=1e-5),
    *_specs("logistic", ("logpdf", "pdf", "cdf", "sf"), ((-4, 4), *LOC_SCALE), S3,
            grad=("logpdf", "pdf", "cdf", "sf")),
    *_specs("logistic", ("ppf", "isf"), ((0.05, 0.95), *LOC_SCALE), S3, grad=("ppf", "isf"),
            tol=1e-4),
    *_specs("gumbel_l", CONT, ((-2, 1.5), *LOC_SCALE), S3, grad=CONT, tol=1e-4),
    *_specs("gumbel_l", ("ppf",), ((0.05, 0.95), *LOC_SCALE), S3, grad=("ppf",), tol=1e-4),
    *_specs("gumbel_r", CONT, ((-1.5, 2), *LOC_SCALE), S3, grad=CONT, tol=1e-4),
    *_specs("gumbel_r", ("ppf",), ((0.05, 0.95), *LOC_SCALE), S3, grad=("ppf",), tol=1e-4),
    *_specs("uniform", ("logpdf", "pdf", "cdf"), ((-1.5, 3), *LOC_SCALE), S3),
    *_specs("uniform", ("ppf",), ((0, 1), *LOC_SCALE), S3, grad=("ppf",)),
    *_specs("gamma", CONT, ((-0.5, 5), (0.5, 3), (-0.2, 0.2), (0.5, 2)), S4, tol=1e-4),
    *_specs("chi2", CONT, ((-0.5, 6), (1, 5), (-0.2, 0.2), (0.5, 2)), S4, tol=1e-4),
    *_specs("beta", CONT, ((-0.2, 1.2), (0.8, 3), (0.8, 3), (-0.1, 0.1), (0.9, 1.1)), S5,
            tol=1e-4),
    *_specs("pareto", CONT, ((0.5, 5), (0.5, 3), (-0.2, 0.2), (0.5, 1.5)), S4, tol=1e-4),
    *_specs("pareto", ("ppf",), ((0.05, 0.95), (0.5, 3), (-0.2, 0.2), (0.5, 1.5)), S4,
            grad=("ppf",), tol=1e-4),
    *_specs("t", ("logpdf", "pdf"), ((-3, 3), (1, 6), *LOC_SCALE), S4,
            grad=("logpdf", "pdf"), tol=1e-4),
    *_specs("gennorm", ("logpdf", "pdf"), ((0.1, 2), (0.7, 3)), S2, grad=("logpdf", "pdf"),
            tol=1e-4),
    *_specs("gennorm", ("cdf",), ((-2, 2), (0.7, 3)), S2, tol=1e-4),
    *_specs("vonmises", ("logpdf", "pdf"), ((-3, 3), (0.2, 5)), S2, grad=("logpdf", "pdf"),
            tol=1e-4),
    *_specs("wrapcauchy", ("logpdf", "pdf"), ((0.1, 6.2), (0.1, 0.9)), S2,
            grad=("logpdf", "pdf"), tol=1e-4),
    *_specs("truncnorm", CONT, ((-2, 2), (-1.5, -0.5), (0.5, 1.5), (-0.2, 0.2), (0.8, 1.2)),
            S5, tol=1e-4),
    *_specs("truncnorm", CONT, ((-0.3, 0.3), (-1.5, -0.5), (0.5, 1.5), (-0.2, 0.2),
                                (0.8, 1.2)), S5[:1], grad=CONT, tol=1e-4, suffix="_grad",
            note="inside the support: differentiable in every argument"),
    *_specs("bernoulli", ("logpmf", "pmf"), (("int", -1, 3), (0.1, 0.9), ("int", 0, 2)), S3),
    *_specs("bernoulli", ("cdf",), ((-1, 2), (0.1, 0.9)), S2),
    *_specs("bernoulli", ("ppf",), ((0.01, 1), (0.1, 0.9)), S2),
    *_specs("binom", ("logpmf", "pmf"), (("int", -1, 8), ("int", 5, 8), (0.1, 0.9),
                                         ("int", 0, 2)), S4, tol=1e-4),
    *_specs("betabinom", ("logpmf", "pmf"), (("int", -1, 8), ("int", 5, 8), (0.5, 3), (0.5, 3),
                                             ("int", 0, 2)), S5, tol=1e-4),
    *_specs("nbinom", ("logpmf", "pmf"), (("int", -1, 8), ("int", 1, 6), (0.1, 0.9),
                                          ("int", 0, 2)), S4, tol=1e-4),
    *_specs("geom", ("logpmf", "pmf"), (("int", 0, 6), (0.1, 0.9), ("int", 0, 2)), S3,
            tol=1e-4),
    *_specs("poisson", ("logpmf", "pmf", "cdf"), (("int", -1, 8), (0.5, 6), ("int", 0, 2)), S3,
            tol=1e-4),
    OpSpec("stats.poisson.entropy", js.poisson.entropy, ss.poisson.entropy, S1[:3],
           args_maker=doms((0.1, 150)), tol=1e-4, grad=False, vmap=False),
    OpSpec("stats.poisson.entropy_grad", js.poisson.entropy, ss.poisson.entropy, [((3,),)],
           args_maker=doms((0.5, 20)), tol=1e-4, grad_order=1, jit=False),
    # derivatives in the distribution's smooth interior, parameters closed over
    OpSpec("stats.gamma.logpdf_grad", js.gamma.logpdf, ss.gamma.logpdf, S4[:2],
           args_maker=doms((0.5, 5), (0.5, 3), (-0.2, 0.2), (0.5, 2)), tol=1e-4),
    OpSpec("stats.gamma.cdf_grad_x", lambda x: js.gamma.cdf(x, 2.5), lambda x: ss.gamma.cdf(x, 2.5),
           [((3,),)], domain=(0.5, 4), tol=1e-4),
    OpSpec("stats.chi2.logpdf_grad", js.chi2.logpdf, ss.chi2.logpdf, S4[:2],
           args_maker=doms((0.5, 6), (1, 5), (-0.2, 0.2), (0.5, 2)), tol=1e-4),
    OpSpec("stats.beta.logpdf_grad", js.beta.logpdf, ss.beta.logpdf, S5[:1],
           args_maker=doms((0.2, 0.8), (0.8, 3), (0.8, 3), (-0.1, 0.1), (0.9, 1.1)), tol=1e-4),
    OpSpec("stats.beta.cdf_grad_x", lambda x: js.beta.cdf(x, 2.0, 3.0),
           lambda x: ss.beta.cdf(x, 2.0, 3.0), [((3,),)], domain=(0.1, 0.9), tol=1e-4),
    OpSpec("stats.pareto.logpdf_grad", js.pareto.logpdf, ss.pareto.logpdf, S4[:2],
           args_maker=doms((2, 5), (0.5, 3), (-0.2, 0.2), (0.5, 1.5)), tol=1e-4),
    OpSpec("stats.pareto.logcdf_grad", js.pareto.logcdf, ss.pareto.logcdf, S4[:2],
           args_maker=doms((2, 5), (0.5, 3), (-0.2, 0.2), (0.5, 1.5)), tol=1e-4),
    OpSpec("stats.expon.logpdf_grad", js.expon.logpdf, ss.expon.logpdf, S3[:2],
           args_maker=doms((1.5, 4), (-1, 1), (0.5, 1)), tol=1e-4),
    OpSpec("stats.expon.logcdf_grad", js.expon.logcdf, ss.expon.logcdf, S3[:2],
           args_maker=doms((1.5, 4), (-1, 1), (0.5, 1)), tol=1e-4),
    OpSpec("stats.binom.logpmf_grad_p", lambda p: js.binom.logpmf(np.array([0., 2, 5]), 5, p),
           lambda p: ss.binom.logpmf([0, 2, 5], 5, p), [((3,),)], domain=(0.1, 0.9), tol=1e-4),
    OpSpec("stats.nbinom.logpmf_grad_p", lambda n, p: js.nbinom.logpmf(np.array([0., 2, 5]), n, p),
           lambda n, p: ss.nbinom.logpmf([0, 2, 5], n, p), [((3,), (3,))],
           args_maker=doms((1, 4), (0.1, 0.9)), tol=1e-4),
    OpSpec("stats.poisson.logpmf_grad_mu", lambda mu: js.poisson.logpmf(np.array([0., 2, 5]), mu),
           lambda mu: ss.poisson.logpmf([0, 2, 5], mu), [((3,),)], domain=(0.5, 5), tol=1e-4),
    OpSpec("stats.betabinom.logpmf_grad", lambda a, b: js.betabinom.logpmf(np.array([0., 2, 5]), 5, a, b),
           lambda a, b: ss.betabinom.logpmf([0, 2, 5], 5, a, b), [((3,), (3,))],
           args_maker=doms((0.5, 3), (0.5, 3)), tol=1e-4),
    OpSpec("stats.geom.logpmf_grad_p", lambda p: js.geom.logpmf(np.array([1., 2, 5]), p),
           lambda p: ss.geom.logpmf([1, 2, 5], p), [((3,),)], domain=(0.1, 0.9), tol=1e-4),
    OpSpec("stats.bernoulli.logpmf_grad_p", lambda p: js.bernoulli.logpmf(np.array([0., 1, 1]), p),
           lambda p: ss.bernoulli.logpmf([0, 1, 1], p), [((3,),)], domain=(0.1, 0.9)),
    OpSpec("stats.truncnorm.inf_bounds", lambda x: js.truncnorm.logpdf(x, -1.0, np.inf),
           lambda x: ss.truncnorm.logpdf(x, -1.0, np.inf), [((5,),)], domain=(-0.5, 3), tol=1e-4),
    OpSpec("stats.truncnorm.cdf_inf_bounds", lambda x: js.truncnorm.cdf(x, -np.inf, 1.0),
           lambda x: ss.truncnorm.cdf(x, -np.inf, 1.0), [((5,),)], domain=(-3, 0.5), tol=1e-4),
    OpSpec("stats.truncnorm.right_tail", lambda x: js.truncnorm.logpdf(x, 4.0, 6.0),
           lambda x: ss.truncnorm.logpdf(x, 4.0, 6.0), [((5,),)], domain=(4.1, 5.9), tol=1e-3),
    OpSpec("stats.dirichlet.logpdf", js.dirichlet.logpdf,
           lambda x, a: ss.dirichlet.logpdf(x.astype(F64) / x.astype(F64).sum(0), a),
           [((3,), (3,)), ((3, 4), (3,))], tol=1e-4,
           args_maker=lambda rng, s, dt: [
               np.asarray(rng.dirichlet(np.ones(3), size=s[0][1:]).T, dt).reshape(s[0]),
               np.asarray(rng.uniform(0.5, 3, size=3), dt)],
           grad=False, vmap=False),
    OpSpec("stats.dirichlet.pdf_grad_alpha", lambda a: js.dirichlet.pdf(np.array([0.2, 0.3, 0.5]), a),
           lambda a: ss.dirichlet.pdf(np.array([0.2, 0.3, 0.5]), a), [((3,),)],
           domain=(0.5, 3), tol=1e-4, vmap=False),
    OpSpec("stats.multinomial.logpmf", lambda p: js.multinomial.logpmf(np.array([1, 2, 3]), 6, p),
           lambda p: ss.multinomial.logpmf([1, 2, 3], 6, p), [((3,),)], tol=1e-4,
           args_maker=lambda rng, s, dt: [np.asarray(rng.dirichlet(np.ones(3)), dt)]),
    OpSpec("stats.multinomial.pmf", lambda p: js.multinomial.pmf(np.array([1, 2, 3]), 6, p),
           lambda p: ss.multinomial.pmf([1, 2, 3], 6, p), [((3,),)], tol=1e-4,
           args_maker=lambda rng, s, dt: [np.asarray(rng.dirichlet(np.ones(3)), dt)]),
    OpSpec("stats.multivariate_normal.logpdf", js.multivariate_normal.logpdf,
           ss.multivariate_normal.logpdf, [((3,), (3,), (3, 3)), ((4, 3), (3,), (3, 3))],
           tol=1e-4, dtypes=FLOATS,
           args_maker=lambda rng, s, dt: [
               np.asarray(rng.normal(size=s[0]), dt), np.asarray(rng.normal(size=s[1]), dt),
               _spd(rng, dt)],
           vmap=False),
    OpSpec("stats.multivariate_normal.pdf_xm", lambda x, m: js.multivariate_normal.pdf(
               x, m, np.array([[2.0, 0.3], [0.3, 1.0]])),
           lambda x, m: ss.multivariate_normal.pdf(x, m, np.array([[2.0, 0.3], [0.3, 1.0]])),
           [((2,), (2,)), ((5, 2), (2,))], tol=1e-4),
    OpSpec("stats.multivariate_normal.scalar", js.multivariate_normal.logpdf,
           lambda x, m, c: ss.norm.logpdf(x, m, np.sqrt(c)), [((), (), ())],
           args_maker=doms((-2, 2), (-1, 1), (0.5, 2)), tol=1e-5),
    OpSpec("stats.sem", lambda a: js.sem(a, axis=0), lambda a: ss.sem(a, axis=0),
           [((4,),), ((5, 3),)], tol=1e-5),
    OpSpec("stats.sem_axis1_keep", lambda a: js.sem(a, axis=1, ddof=0, keepdims=True),
           lambda a: ss.sem(a, axis=1, ddof=0, keepdims=True), [((5, 3),)]),
    OpSpec("stats.rankdata", js.rankdata, lambda a: ss.rankdata(a).astype(np.float32), [((6,),), ((2, 3),)],
           args_maker=doms(("int", 0, 4)), grad=False, check_dtype=False),
]
for _m in ("min", "max", "dense", "ordinal"):
    SPECS.append(OpSpec(f"stats.rankdata_{_m}", lambda a, m=_m: js.rankdata(a, m, axis=-1),
                        lambda a, m=_m: ss.rankdata(a, m, axis=-1).astype(np.int32),
                        [((7,),), ((2, 5),)], args_maker=doms(("int", 0, 4)), grad=False))
SPECS.append(OpSpec("stats.mode", lambda a: tuple(js.mode(a, axis=0)),
                    lambda a: tuple(np.asarray(r) for r in ss.mode(a, axis=0)),
                    [((7,),), ((6, 2),)], args_maker=doms(("int", 0, 4)), grad=False,
                    check_dtype=False))
# fmt: on
