"""jtrans.scipy.special: logsumexp, erf, gammaln, digamma, expit, logit, xlogy, ..."""

__all__ = []
