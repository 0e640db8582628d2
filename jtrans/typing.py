"""`jtrans.typing`: the type aliases of JAX's `jax.typing` for annotating user code."""

from typing import Any, Protocol

import numpy as np

from .core import ArrayType as Array

__all__ = ["ArrayLike", "DTypeLike"]


class SupportsDType(Protocol):
    """Anything with a `.dtype` attribute."""

    @property
    def dtype(self) -> np.dtype: ...


ArrayLike = Array | np.ndarray | np.bool_ | np.number | bool | int | float | complex
"""A value jtrans functions accept as an array: a jtrans or NumPy array, a NumPy scalar or a
Python scalar (lists and tuples are not ArrayLike, as in JAX)."""

DTypeLike = str | type[Any] | np.dtype | SupportsDType
"""A value accepted as a dtype: a name ('float32'), a scalar type (np.float32, float), a
np.dtype, or an object with a .dtype."""
