"""jtrans.scipy: SciPy-style functions on jtrans arrays."""

from . import linalg  # noqa: F401
from . import special  # noqa: F401
from . import stats  # noqa: F401
