"""The OpSpec table: one entry per jnp/lax function, with its NumPy oracle, shapes, dtypes,
domain and tolerance. The eager, autodiff, batching and compiler tests all run over it.

Each area keeps its entries in `tests/specs/<area>.py` as a list `SPECS`; this module collects
them. Add an entry there, not a new test, when you add a function.
"""

import dataclasses
import importlib
import pkgutil
from typing import Any, Callable, Optional

import numpy as np

F32 = np.float32
F64 = np.float64
I32 = np.int32


@dataclasses.dataclass
class OpSpec:
    name: str  # test id, usually the jnp name
    fn: Callable  # the jtrans function; called with the args positionally
    ref: Callable  # the NumPy (or SciPy) oracle with the same signature
    shapes: list  # list of tuples of shapes, one shape per argument: [((3,), (3,)), ...]
    dtypes: tuple = (F32,)  # dtypes for the floating arguments
    domain: tuple = (-2.0, 2.0)  # range of random float inputs
    tol: float = 1e-5  # rtol/atol for float32 eager checks (float64 uses tol * 1e-6 floor)
    grad: bool = True  # differentiable: checked with check_grads in float64
    grad_order: int = 2
    grad_tol: Optional[float] = None  # tolerance for check_grads in float64
    vmap: bool = True  # checked for batching against a Python loop
    jit: bool = True  # checked for jit against eager
    args_maker: Optional[Callable] = None  # (rng, shapes, dtype) -> list of NumPy args
    check_dtype: bool = True  # result dtype == canonical dtype of the oracle's result
    nondiff_argnums: tuple = ()  # arguments never differentiated or batched (ints, indices)
    kwargs: dict = dataclasses.field(default_factory=dict)  # extra keyword arguments (static)
    note: str = ""

    def make_args(self, rng, shapes, dtype):
        if self.args_maker is not None:
            return list(self.args_maker(rng, shapes, dtype))
        lo, hi = self.domain
        return [np.asarray(rng.uniform(lo, hi, size=s), dtype=dtype) for s in shapes]

    def call(self, *args):
        return self.fn(*args, **self.kwargs)

    def call_ref(self, *args):
        return self.ref(*args, **self.kwargs)


def int_args(lo, hi, dtype=I32):
    """args_maker for integer arguments."""

    def make(rng, shapes, _):
        return [rng.integers(lo, hi, size=s).astype(dtype) for s in shapes]

    return make


def collect():
    from . import specs

    out = []
    for mod in pkgutil.iter_modules(specs.__path__):
        m = importlib.import_module(f"tests.specs.{mod.name}")
        out.extend(getattr(m, "SPECS", []))
    names = [s.name for s in out]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate OpSpec names: {sorted(dup)}"
    return out


ALL_SPECS = collect()


def cases(filter_fn=lambda s: True, all_dtypes=True, max_shapes=None):
    """pytest params: (spec, shapes, dtype) for every spec passing filter_fn."""
    import pytest

    params = []
    for s in ALL_SPECS:
        if not filter_fn(s):
            continue
        shapes_list = s.shapes if max_shapes is None else s.shapes[:max_shapes]
        dts = s.dtypes if all_dtypes else s.dtypes[:1]
        for i, shapes in enumerate(shapes_list):
            for dt in dts:
                params.append(pytest.param(s, shapes, dt, id=f"{s.name}-{i}-{np.dtype(dt).name}"))
    return params


Any = Any
