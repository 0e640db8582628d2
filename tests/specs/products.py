"""OpSpecs for products: dot_general, dot, matmul, vdot, vecdot, inner, outer, tensordot,
einsum, kron, trace, cross."""

import numpy as np

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import F32, F64, I32, OpSpec, int_args

MATMUL = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 4)),
    ((2, 2, 3), (2, 3, 4)),
    ((2, 1, 2, 3), (3, 3, 2)),
    ((0, 3), (3, 2)),
    ((2, 0), (0, 3)),
]
DOT = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 3, 4), (3, 4, 2)),
       ((), (3,)), ((2, 3), ()), ((0, 3), (3, 2))]  # fmt: skip


def _einsum(subscripts):
    return (lambda *a: jnp.einsum(subscripts, *a)), (lambda *a: np.einsum(subscripts, *a))


def _einsum_spec(name, subscripts, shapes, **kw):
    fn, ref = _einsum(subscripts)
    return OpSpec(name, fn, ref, shapes, **kw)


def _dg(dims):
    return lambda a, b: lax.dot_general(a, b, dims)


SPECS = [
    OpSpec("dot_general_matmul", _dg((((1,), (0,)), ((), ()))), np.matmul, [((2, 3), (3, 4))]),
    OpSpec(
        "dot_general_batch",
        _dg((((2,), (0,)), ((1,), (1,)))),
        lambda a, b: np.einsum("ibk,kbj->bij", a, b),
        [((2, 3, 4), (4, 3, 5)), ((0, 2, 3), (3, 2, 1))],
    ),
    OpSpec(
        "dot_general_multi",
        _dg((((0, 2), (3, 1)), ((1,), (0,)))),
        lambda a, b: np.einsum("kbl,bljk->bj", a, b),
        [((2, 3, 4), (3, 4, 5, 2))],
    ),
    OpSpec("dot", jnp.dot, np.dot, DOT, dtypes=(F32, F64)),
    OpSpec("matmul", jnp.matmul, np.matmul, MATMUL, dtypes=(F32, F64)),
    OpSpec("matmul_operator", lambda a, b: a @ b, np.matmul, MATMUL[:4]),
    OpSpec(
        "matmul_int",
        jnp.matmul,
        np.matmul,
        MATMUL[:5],
        dtypes=(I32,),
        args_maker=int_args(-5, 5),
        grad=False,
    ),
    OpSpec(
        "dot_int", jnp.dot, np.dot, DOT[:4], dtypes=(I32,), args_maker=int_args(-5, 5), grad=False
    ),
    OpSpec("vdot", jnp.vdot, np.vdot, [((3,), (3,)), ((2, 3), (6,)), ((), ())]),
    OpSpec("vecdot", jnp.vecdot, np.vecdot, [((3,), (3,)), ((2, 3), (3,)), ((2, 1, 3), (4, 3))]),
    OpSpec("inner", jnp.inner, np.inner, [((3,), (3,)), ((2, 3), (4, 3)), ((), (2,))]),
    OpSpec("outer", jnp.outer, np.outer, [((3,), (4,)), ((2, 2), (3,)), ((0,), (2,))]),
    OpSpec("tensordot", jnp.tensordot, np.tensordot, [((2, 3, 4), (3, 4, 5)), ((3, 4), (3, 4))]),
    OpSpec(
        "tensordot_axes",
        lambda a, b: jnp.tensordot(a, b, ((0, 2), (1, 0))),
        lambda a, b: np.tensordot(a, b, ((0, 2), (1, 0))),
        [((2, 3, 4), (4, 2, 5))],
    ),
    OpSpec(
        "tensordot_0",
        lambda a, b: jnp.tensordot(a, b, 0),
        lambda a, b: np.tensordot(a, b, 0),
        [((2,), (3, 2))],
    ),
    _einsum_spec("einsum_matmul", "ij,jk->ik", [((2, 3), (3, 4)), ((0, 3), (3, 2))]),
    _einsum_spec("einsum_implicit", "ij,jk", [((2, 3), (3, 4))]),
    _einsum_spec("einsum_batch", "bij,bjk->bik", [((2, 2, 3), (2, 3, 4))]),
    _einsum_spec("einsum_ellipsis", "...ij,...jk->...ik", [((2, 2, 3), (3, 4)), ((2, 3), (3, 4))]),
    _einsum_spec("einsum_ellipsis_bcast", "...ij,...jk", [((2, 1, 2, 3), (3, 3, 2))]),
    _einsum_spec("einsum_trace", "ii->", [((3, 3),)]),
    _einsum_spec("einsum_diag", "ii->i", [((3, 3),)]),
    _einsum_spec("einsum_diag3", "iij->ji", [((3, 3, 2),)]),
    _einsum_spec("einsum_transpose", "ijk->kij", [((2, 3, 4),)]),
    _einsum_spec("einsum_sum", "ij->j", [((2, 3),)]),
    _einsum_spec("einsum_outer", "i,j->ij", [((2,), (3,))]),
    _einsum_spec("einsum_hadamard", "ij,ij->ij", [((2, 3), (2, 3))]),
    _einsum_spec("einsum_chain", "ab,bc,cd->ad", [((2, 3), (3, 4), (4, 2))]),
    _einsum_spec("einsum_three", "ijk,jl,lk->i", [((2, 3, 4), (3, 5), (5, 4))]),
    _einsum_spec("einsum_bilinear", "i,ij,j->", [((3,), (3, 4), (4,))]),
    _einsum_spec(
        "einsum_int",
        "ij,jk->ik",
        [((2, 3), (3, 4))],
        dtypes=(I32,),
        args_maker=int_args(-5, 5),
        grad=False,
    ),
    OpSpec("kron", jnp.kron, np.kron, [((2, 3), (2, 2)), ((3,), (2,)), ((2,), (2, 3)), ((), (2,))]),
    OpSpec("trace", jnp.trace, np.trace, [((3, 3),), ((3, 4),), ((2, 3, 4),), ((0, 0),)]),
    OpSpec(
        "trace_offset",
        lambda a: jnp.trace(a, 1, 1, 2),
        lambda a: np.trace(a, 1, 1, 2),
        [((2, 3, 4),), ((2, 3, 3),)],
    ),
    OpSpec("trace_neg_offset", lambda a: jnp.trace(a, -1), lambda a: np.trace(a, -1), [((3, 3),)]),
    OpSpec(
        "trace_int",
        jnp.trace,
        np.trace,
        [((3, 3),)],
        dtypes=(I32,),
        args_maker=int_args(-5, 5),
        grad=False,
    ),
    OpSpec("cross", jnp.cross, np.cross, [((3,), (3,)), ((4, 3), (3,)), ((2, 3), (2, 3))]),
    OpSpec(
        "cross_axis",
        lambda a, b: jnp.cross(a, b, axisa=0, axisb=0),
        lambda a, b: np.cross(a, b, axisa=0, axisb=0),
        [((3, 2), (3, 2))],
    ),
]
