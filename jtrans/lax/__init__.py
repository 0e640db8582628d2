"""jtrans.lax: the primitive set, with JAX's names and signatures. Each submodule is one family;
each primitive is one paragraph there."""

from .elementwise import *  # noqa: F401,F403
from .structural import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .convolution import *  # noqa: F401,F403
from .control_flow import *  # noqa: F401,F403
from ..interpreters.custom_derivatives import stop_gradient  # noqa: F401,E402
from .extra import *  # noqa: F401,F403
from .parallel import *  # noqa: F401,F403
from .misc import *  # noqa: F401,F403
from . import lowerings  # noqa: E402,F401  (the interpreters' primitives' lowering entries)
