"""jtrans.scipy: SciPy-style functions on jtrans arrays."""

from . import cluster  # noqa: F401
from . import fft  # noqa: F401
from . import integrate  # noqa: F401
from . import interpolate  # noqa: F401
from . import linalg  # noqa: F401
from . import ndimage  # noqa: F401
from . import optimize  # noqa: F401
from . import signal  # noqa: F401
from . import special  # noqa: F401
from . import stats  # noqa: F401
