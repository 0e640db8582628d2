"""jtrans.scipy.cluster: vector quantisation (vq)."""

from . import vq  # noqa: F401
