"""OpSpecs for array creation: the *_like functions, ranges with array endpoints, triangles,
grids, and creation with no array arguments (checked eagerly and under jit)."""

import numpy as np

import jtrans.numpy as jnp

from ..opspecs import F32, F64, OpSpec

U = [((),), ((3,),), ((2, 3),), ((0,),)]
M = [((3, 3),), ((2, 4),), ((2, 3, 4),), ((0, 3),)]


def positive(lo, hi):
    def make(rng, shapes, dtype):
        return [np.asarray(rng.uniform(lo, hi, size=s), dtype) for s in shapes]

    return make


def _geom_args(rng, shapes, dtype):
    a = rng.uniform(0.5, 2, size=shapes[0])
    b = rng.uniform(3, 9, size=shapes[1])
    return [np.asarray(a, dtype), np.asarray(b, dtype)]


NOARGS = [()]

# fmt: off
SPECS = [
    OpSpec("zeros_like", jnp.zeros_like, np.zeros_like, U, grad=False),
    OpSpec("ones_like", jnp.ones_like, np.ones_like, U, grad=False),
    OpSpec("full_like", lambda x: jnp.full_like(x, 2.5), lambda x: np.full_like(x, 2.5), U,
           grad=False),
    OpSpec("full_array_fill", lambda x: jnp.full((2, 3), x), lambda x: np.full((2, 3), x),
           [((),), ((3,),), ((1, 3),)]),
    OpSpec("array_of_traced", lambda a, b: jnp.array([a, b, a]), lambda a, b: np.array([a, b, a]),
           [((), ()), ((3,), (3,)), ((2, 2), (2, 2))]),
    OpSpec("array_nested", lambda a, b: jnp.array([[a, b], [b, a]]),
           lambda a, b: np.array([[a, b], [b, a]]), [((), ()), ((3,), (3,))]),
    OpSpec("asarray", jnp.asarray, np.asarray, U),
    OpSpec("linspace", lambda a, b: jnp.linspace(a, b, 5), lambda a, b: np.linspace(a, b, 5),
           [((), ()), ((3,), (3,)), ((2, 1), (3,))], dtypes=(F32, F64)),
    OpSpec("linspace_no_endpoint_axis1",
           lambda a, b: jnp.linspace(a, b, 4, endpoint=False, axis=1),
           lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=1), [((3,), (3,)), ((2, 3), ())]),
    OpSpec("linspace_retstep", lambda a, b: jnp.linspace(a, b, 7, retstep=True),
           lambda a, b: np.linspace(a, b, 7, retstep=True), [((), ())]),
    OpSpec("linspace_num1", lambda a, b: jnp.linspace(a, b, 1), lambda a, b: np.linspace(a, b, 1),
           [((), ()), ((2,), (2,))]),
    OpSpec("linspace_num0", lambda a, b: jnp.linspace(a, b, 0), lambda a, b: np.linspace(a, b, 0),
           [((), ())], grad=False),
    OpSpec("logspace", lambda a, b: jnp.logspace(a, b, 6), lambda a, b: np.logspace(a, b, 6),
           [((), ()), ((3,), (3,))], domain=(-1, 1), tol=1e-4),
    OpSpec("logspace_base2", lambda a, b: jnp.logspace(a, b, 4, base=2.0, endpoint=False),
           lambda a, b: np.logspace(a, b, 4, base=2.0, endpoint=False), [((), ())]),
    OpSpec("geomspace", lambda a, b: jnp.geomspace(a, b, 5), lambda a, b: np.geomspace(a, b, 5),
           [((), ()), ((3,), (3,))], args_maker=_geom_args, tol=1e-4),
    OpSpec("tril", jnp.tril, np.tril, M, dtypes=(F32, F64)),
    OpSpec("tril_k", lambda m: jnp.tril(m, -1), lambda m: np.tril(m, -1), M),
    OpSpec("triu", jnp.triu, np.triu, M, dtypes=(F32, F64)),
    OpSpec("triu_k", lambda m: jnp.triu(m, 2), lambda m: np.triu(m, 2), M),
    OpSpec("diagflat", jnp.diagflat, np.diagflat, [((3,),), ((2, 2),), ((0,),)]),
    OpSpec("diagflat_k", lambda v: jnp.diagflat(v, -2), lambda v: np.diagflat(v, -2),
           [((3,),), ((1,),)]),
    OpSpec("meshgrid", jnp.meshgrid, np.meshgrid, [((3,), (4,)), ((2,), (3,), (4,)), ((0,), (2,))]),
    OpSpec("meshgrid_ij", lambda a, b: jnp.meshgrid(a, b, indexing="ij"),
           lambda a, b: np.meshgrid(a, b, indexing="ij"), [((3,), (4,))]),
    OpSpec("meshgrid_sparse", lambda a, b: jnp.meshgrid(a, b, sparse=True),
           lambda a, b: np.meshgrid(a, b, sparse=True), [((3,), (4,))]),
    # no array arguments: values and dtypes, eagerly and under jit
    OpSpec("eye", lambda: jnp.eye(3), lambda: np.eye(3, dtype=np.float32), NOARGS),
    OpSpec("eye_rect_k", lambda: jnp.eye(3, 5, k=2, dtype=jnp.int32),
           lambda: np.eye(3, 5, k=2, dtype=np.int32), NOARGS),
    OpSpec("eye_neg_k", lambda: jnp.eye(4, 2, k=-1), lambda: np.eye(4, 2, k=-1, dtype=np.float32),
           NOARGS),
    OpSpec("identity", lambda: jnp.identity(4), lambda: np.identity(4, dtype=np.float32), NOARGS),
    OpSpec("tri", lambda: jnp.tri(3, 4, 1), lambda: np.tri(3, 4, 1, dtype=np.float32), NOARGS),
    OpSpec("arange", lambda: jnp.arange(10), lambda: np.arange(10, dtype=np.int32), NOARGS),
    OpSpec("arange_step", lambda: jnp.arange(2, 11, 3), lambda: np.arange(2, 11, 3, dtype=np.int32),
           NOARGS),
    OpSpec("arange_negative_step", lambda: jnp.arange(5, -4, -2),
           lambda: np.arange(5, -4, -2, dtype=np.int32), NOARGS),
    OpSpec("arange_float", lambda: jnp.arange(0.0, 1.0, 0.1),
           lambda: np.arange(0.0, 1.0, 0.1, dtype=np.float32), NOARGS),
    OpSpec("arange_empty", lambda: jnp.arange(3, 1), lambda: np.arange(3, 1, dtype=np.int32),
           NOARGS),
    OpSpec("linspace_static", lambda: jnp.linspace(0, 1, 11),
           lambda: np.linspace(0, 1, 11, dtype=np.float32), NOARGS),
    OpSpec("linspace_int_dtype", lambda: jnp.linspace(0, 10, 4, dtype=jnp.int32),
           lambda: np.linspace(0, 10, 4, dtype=np.int32), NOARGS),
    OpSpec("indices", lambda: jnp.indices((2, 3)), lambda: np.indices((2, 3), dtype=np.int32),
           NOARGS),
    OpSpec("indices_sparse", lambda: jnp.indices((2, 3), sparse=True),
           lambda: np.indices((2, 3), dtype=np.int32, sparse=True), NOARGS),
    OpSpec("fromfunction", lambda: jnp.fromfunction(lambda i, j: i * 10 + j, (3, 4)),
           lambda: np.fromfunction(lambda i, j: i * 10 + j, (3, 4), dtype=np.float32), NOARGS),
    OpSpec("zeros", lambda: jnp.zeros((2, 0, 3)), lambda: np.zeros((2, 0, 3), np.float32), NOARGS),
    OpSpec("ones_int", lambda: jnp.ones(4, jnp.int32), lambda: np.ones(4, np.int32), NOARGS),
    OpSpec("full", lambda: jnp.full((2, 2), 7), lambda: np.full((2, 2), 7, np.int32), NOARGS),
    OpSpec("empty", lambda: jnp.empty((2,)), lambda: np.zeros((2,), np.float32), NOARGS),
]
# fmt: on
