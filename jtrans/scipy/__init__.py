"""jtrans.scipy: SciPy-style functions on jtrans arrays."""

from . import special  # noqa: F401
