"""jtrans.scipy.stats: the distributions and statistics of jax.scipy.stats. Each distribution
is a module with SciPy's function names and signatures (logpdf/pdf/cdf/... with loc/scale
broadcasting); out-of-support points give -inf log densities and 0 densities."""

from . import (  # noqa: F401
    bernoulli,
    beta,
    betabinom,
    binom,
    cauchy,
    chi2,
    dirichlet,
    expon,
    gamma,
    gennorm,
    geom,
    gumbel_l,
    gumbel_r,
    laplace,
    logistic,
    multinomial,
    multivariate_normal,
    nbinom,
    norm,
    pareto,
    poisson,
    t,
    truncnorm,
    uniform,
    vonmises,
    wrapcauchy,
)
from ._core import ModeResult, mode, rankdata, sem  # noqa: F401
from ._kde import gaussian_kde  # noqa: F401
