"""Collectives over named vmap axes (jtrans.lax.parallel) against NumPy references."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.test_util import check_grads

vmap, jit, grad = jtrans.vmap, jtrans.jit, jtrans.grad


def _x(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# ---------------------------------------------------------------------------------------------
# reductions


@pytest.mark.parametrize("in_axis", [0, 1])
@pytest.mark.parametrize(
    "coll, ref",
    [
        (lax.psum, np.sum),
        (lax.pmean, np.mean),
        (lax.pmax, np.max),
        (lax.pmin, np.min),
    ],
)
def test_reductions(coll, ref, in_axis):
    x = _x(3, 4)
    out = vmap(lambda v: coll(v, "i"), in_axes=in_axis, axis_name="i")(x)
    want = np.broadcast_to(ref(x, axis=in_axis, keepdims=True), x.shape)
    want = np.moveaxis(want, in_axis, 0)
    _close(out, want)
    assert out.dtype == np.float32


def test_batch_norm_style():
    x = _x(5, 3)

    def norm(v):
        mu = lax.pmean(v, "batch")
        var = lax.pmean((v - mu) ** 2, "batch")
        return (v - mu) / jnp.sqrt(var + 1e-5)

    want = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    _close(vmap(norm, axis_name="batch")(x), want, 1e-4)


def test_psum_pytree_and_constants():
    x = _x(4, 2)
    out = vmap(lambda v: lax.psum({"a": v, "b": (2 * v, 1.0)}, "i"), axis_name="i")(x)
    _close(out["a"], np.broadcast_to(x.sum(0), x.shape))
    _close(out["b"][0], np.broadcast_to(2 * x.sum(0), x.shape))
    _close(out["b"][1], np.full(4, 4.0))
    # a constant (not batched) operand: n copies summed
    c = jnp.arange(3.0)
    _close(vmap(lambda v: lax.psum(c, "i"), axis_name="i")(x), np.tile(4 * np.arange(3.0), (4, 1)))
    _close(vmap(lambda v: lax.pmax(c, "i"), axis_name="i")(x), np.tile(np.arange(3.0), (4, 1)))


def test_psum_of_bools_counts():
    x = np.array([1.0, -2.0, 3.0, -4.0], np.float32)
    out = vmap(lambda v: lax.psum(v > 0, "i"), axis_name="i")(x)
    assert out.dtype == np.int32
    _close(out, [2, 2, 2, 2])


def test_psum_int_dtype_exact():
    x = np.arange(6, dtype=np.int32).reshape(3, 2)
    out = vmap(lambda v: lax.psum(v, "i"), axis_name="i")(x)
    assert out.dtype == np.int32
    _close(out, np.broadcast_to(x.sum(0), x.shape))


def test_axis_size():
    x = _x(5)
    assert vmap(lambda v: lax.psum(1, "i"), axis_name="i")(x).tolist() == [5] * 5
    sizes = []
    vmap(lambda v: sizes.append(lax.axis_size("i")) or v, axis_name="i")(x)
    assert sizes == [5] and isinstance(sizes[0], int)
    y = _x(2, 3)
    f = vmap(vmap(lambda v: lax.axis_size(("i", "j")) + 0 * v, axis_name="j"), axis_name="i")
    _close(f(y), np.full((2, 3), 6.0))


def test_psum_unmapped_output_allows_out_axes_none():
    x = _x(4, 3)
    out = vmap(lambda v: lax.psum(v, "i"), axis_name="i", out_axes=None)(x)
    _close(out, x.sum(0))


# ---------------------------------------------------------------------------------------------
# nested axes


def test_nested_names_inner_and_outer():
    x = _x(2, 3, 4)
    # outer axis i (size 2), inner axis j (size 3)
    f_outer = vmap(vmap(lambda v: lax.psum(v, "i"), axis_name="j"), axis_name="i")
    f_inner = vmap(vmap(lambda v: lax.psum(v, "j"), axis_name="j"), axis_name="i")
    f_both = vmap(vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")
    _close(f_outer(x), np.broadcast_to(x.sum(0, keepdims=True), x.shape))
    _close(f_inner(x), np.broadcast_to(x.sum(1, keepdims=True), x.shape))
    _close(f_both(x), np.broadcast_to(x.sum((0, 1), keepdims=True), x.shape))


def test_shadowed_name_refers_to_innermost():
    x = _x(2, 3)
    f = vmap(vmap(lambda v: lax.psum(v, "i"), axis_name="i"), axis_name="i")
    _close(f(x), np.broadcast_to(x.sum(1, keepdims=True), x.shape))


def test_outer_name_with_anonymous_inner_vmap():
    x = _x(3, 4)
    f = vmap(vmap(lambda v: lax.pmean(v, "i")), axis_name="i")
    _close(f(x), np.broadcast_to(x.mean(0), x.shape))


def test_outer_collective_of_inner_unbatched_value():
    x, y = _x(3), _x(4, seed=1)
    # y is batched by the inner vmap only; the outer psum adds 3 copies
    f = vmap(lambda a: vmap(lambda b: lax.psum(b, "i") + a, axis_name="j")(y), axis_name="i")
    _close(f(x), 3 * y[None, :] + x[:, None])


def test_axis_index():
    x = _x(2, 3)
    i = vmap(vmap(lambda v: lax.axis_index("i"), axis_name="j"), axis_name="i")(x)
    j = vmap(vmap(lambda v: lax.axis_index("j"), axis_name="j"), axis_name="i")(x)
    ij = vmap(vmap(lambda v: lax.axis_index(("i", "j")), axis_name="j"), axis_name="i")(x)
    assert i.dtype == np.int32
    assert i.tolist() == [[0, 0, 0], [1, 1, 1]]
    assert j.tolist() == [[0, 1, 2], [0, 1, 2]]
    assert ij.tolist() == [[0, 1, 2], [3, 4, 5]]


# ---------------------------------------------------------------------------------------------
# gathers, scatters, permutations


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_all_gather(axis, tiled):
    x = _x(3, 2, 4)
    out = vmap(lambda v: lax.all_gather(v, "i", axis=axis, tiled=tiled), axis_name="i")(x)
    parts = list(x)
    ref = np.concatenate(parts, axis) if tiled else np.stack(parts, axis)
    _close(out, np.broadcast_to(ref, (3,) + ref.shape))


def test_all_gather_two_axes_row_major():
    x = _x(2, 3, 5)
    f = vmap(vmap(lambda v: lax.all_gather(v, ("i", "j")), axis_name="j"), axis_name="i")
    out = f(x)
    assert out.shape == (2, 3, 6, 5)
    _close(out[1, 2], x.reshape(6, 5))


@pytest.mark.parametrize("tiled", [False, True])
def test_psum_scatter(tiled):
    n = 4
    x = _x(n, 8 if tiled else n, 3)
    out = vmap(lambda v: lax.psum_scatter(v, "i", tiled=tiled), axis_name="i")(x)
    s = x.sum(0)
    ref = s.reshape(n, -1, 3) if tiled else s
    _close(out, ref, 1e-5)


def test_psum_scatter_dimension():
    x = _x(3, 2, 3)
    out = vmap(lambda v: lax.psum_scatter(v, "i", scatter_dimension=1), axis_name="i")(x)
    _close(out, x.sum(0).T)


@pytest.mark.parametrize(
    "perm", [[(0, 1), (1, 2), (2, 3), (3, 0)], [(0, 2), (3, 1)], [(1, 1)]], ids=str
)
def test_ppermute(perm):
    x = _x(4, 3)
    out = vmap(lambda v: lax.ppermute(v, "i", perm), axis_name="i")(x)
    ref = np.zeros_like(x)
    for s, t in perm:
        ref[t] = x[s]
    _close(out, ref)


def test_pshuffle():
    x = _x(3, 2)
    out = vmap(lambda v: lax.pshuffle(v, "i", [2, 0, 1]), axis_name="i")(x)
    _close(out, x[[2, 0, 1]])


def _all_to_all_ref(x, split_axis, concat_axis, tiled):
    n = x.shape[0]
    outs = []
    for j in range(n):
        if tiled:
            blocks = [np.split(x[k], n, axis=split_axis)[j] for k in range(n)]
            outs.append(np.concatenate(blocks, concat_axis))
        else:
            outs.append(
                np.stack([np.take(x[k], j, axis=split_axis) for k in range(n)], concat_axis)
            )
    return np.stack(outs)


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("split_axis, concat_axis", [(0, 0), (0, 1), (1, 0), (1, 2), (2, 1)])
def test_all_to_all(split_axis, concat_axis, tiled):
    n = 3
    shape = [2, 5, 4]
    shape[split_axis] = n * (2 if tiled else 1)
    x = _x(n, *shape)
    out = vmap(
        lambda v: lax.all_to_all(v, "i", split_axis, concat_axis, tiled=tiled), axis_name="i"
    )(x)
    _close(out, _all_to_all_ref(x, split_axis, concat_axis, tiled))


def test_collectives_under_inner_vmap_of_other_name():
    # the outer axis' collective passes through the inner trace with the batch axis moved
    x = _x(3, 2, 3)  # i: 3, j: 2, per member 3 (== size of i for all_to_all)
    f = vmap(
        vmap(
            lambda v: (
                lax.all_gather(v, "i", axis=1),
                lax.all_to_all(v, "i", 0, 0),
                lax.ppermute(v, "i", [(0, 1), (1, 2), (2, 0)]),
            ),
            axis_name="j",
        ),
        axis_name="i",
    )
    g, a, p = f(x)
    _close(g, np.broadcast_to(np.moveaxis(x, 0, 2)[None], (3, 2, 3, 3)))
    for jj in range(2):
        _close(a[:, jj], _all_to_all_ref(x[:, jj], 0, 0, False))
    _close(p, x[[2, 0, 1]])


# ---------------------------------------------------------------------------------------------
# errors


def test_unbound_axis_name_eager_and_jit():
    x = jnp.ones(3)
    with pytest.raises(NameError, match="unbound axis name: i"):
        lax.psum(x, "i")
    with pytest.raises(NameError, match="unbound axis name: i"):
        jit(lambda v: lax.pmean(v, "i"))(x)
    with pytest.raises(NameError, match="unbound axis name: k"):
        vmap(lambda v: lax.all_gather(v, "k"), axis_name="i")(x)
    with pytest.raises(NameError, match="axis_name="):
        vmap(lambda v: lax.axis_index("i"))(x)


def test_axis_index_groups_rejected():
    # psum/pmax/pmin/pmean/all_gather/psum_scatter take groups (tests/test_docstring_fixes.py);
    # all_to_all does not yet
    x = jnp.ones((4, 4))
    with pytest.raises(NotImplementedError, match="axis_index_groups"):
        vmap(
            lambda v: lax.all_to_all(v, "i", 0, 0, axis_index_groups=[[0, 1], [2, 3]]),
            axis_name="i",
        )(x)


def test_bad_shapes_rejected():
    x = jnp.ones((3, 2))
    with pytest.raises(ValueError, match="must be equal to"):
        vmap(lambda v: lax.all_to_all(v, "i", 0, 0), axis_name="i")(x)
    with pytest.raises(ValueError, match="unique"):
        vmap(lambda v: lax.ppermute(v, "i", [(0, 1), (2, 1)]), axis_name="i")(x)


# ---------------------------------------------------------------------------------------------
# differentiation


def _centered_loss(v):
    return jnp.sum((v - lax.pmean(v, "i")) ** 2 * jnp.sin(v))


def _centered_loss_batched(xs):
    return jnp.sum((xs - jnp.mean(xs, 0)) ** 2 * jnp.sin(xs))


def test_grad_inside_vmap_matches_explicit_batch():
    x = _x(4, 3)
    g = vmap(grad(_centered_loss), axis_name="i")(x)
    _close(g, grad(_centered_loss_batched)(x), 1e-4)


def test_grad_of_vmap_matches_explicit_batch():
    x = _x(4, 3)
    g = grad(lambda xs: jnp.sum(vmap(_centered_loss, axis_name="i")(xs)))(x)
    _close(g, grad(_centered_loss_batched)(x), 1e-4)


def test_jit_grad_inside_vmap():
    x = _x(4, 3)
    g = vmap(jit(grad(_centered_loss)), axis_name="i")(x)
    _close(g, grad(_centered_loss_batched)(x), 1e-4)


@pytest.mark.parametrize(
    "body",
    [
        lambda v: jnp.sin(lax.psum(v, "i")) * v,
        lambda v: lax.pmax(v, "i") * v,
        lambda v: jnp.sum(lax.all_gather(v, "i") ** 2, 0) * v,
        lambda v: lax.all_gather(v, "i", axis=1, tiled=True) * 1.5,
        lambda v: jnp.cos(lax.ppermute(v, "i", [(0, 1), (1, 2), (2, 0)])) * v,
        lambda v: lax.all_to_all(v**2, "i", 0, 1),
        lambda v: lax.psum_scatter(v * v, "i") + 0.0,
    ],
    ids=["psum", "pmax", "all_gather", "all_gather_tiled", "ppermute", "all_to_all", "scatter"],
)
def test_check_grads_through_collectives(body):
    jtrans.config.update("jax_enable_x64", True)
    try:
        x = np.random.RandomState(0).randn(3, 3, 2)
        check_grads(vmap(body, axis_name="i"), (x,), order=2, modes=("fwd", "rev"))
        # derivatives taken inside the vmap agree with those of the batched function
        ct = np.random.RandomState(1).randn(*vmap(body, axis_name="i")(x).shape)

        def inner(v, c):
            return jtrans.vjp(body, v)[1](c)[0]

        _close(
            vmap(inner, axis_name="i")(x, ct),
            jtrans.vjp(vmap(body, axis_name="i"), x)[1](ct)[0],
            1e-8,
        )
    finally:
        jtrans.config.update("jax_enable_x64", False)


def test_jvp_inside_vmap():
    x, t = _x(4, 2), _x(4, 2, seed=1)

    def f(v):
        return lax.pmean(jnp.sin(v), "i")

    out, out_t = vmap(lambda v, dv: jtrans.jvp(f, (v,), (dv,)), axis_name="i")(x, t)
    _close(out, np.broadcast_to(np.sin(x).mean(0), x.shape))
    _close(out_t, np.broadcast_to((np.cos(x) * t).mean(0), x.shape))


# ---------------------------------------------------------------------------------------------
# jit and control flow


def test_jit_inside_vmap_and_vmap_of_jit():
    x = _x(4, 3)
    inner = vmap(lambda v: jit(lambda u: u - lax.pmean(u, "i"))(v), axis_name="i")
    outer = vmap(jit(lambda u: u - lax.pmean(u, "i")), axis_name="i")
    _close(inner(x), x - x.mean(0))
    _close(outer(x), x - x.mean(0))
    _close(jit(outer)(x), x - x.mean(0))


def test_jit_cache_distinguishes_axis_sizes():
    f = jit(lambda u: lax.all_gather(u, "i"))
    a = vmap(f, axis_name="i")(_x(3, 2))
    b = vmap(f, axis_name="i")(_x(5, 2))
    assert a.shape == (3, 3, 2) and b.shape == (5, 5, 2)
    with pytest.raises(NameError, match="unbound axis name"):
        f(_x(2))


def test_jit_of_unbatched_operands_inside_vmap():
    x = _x(3)
    c = jnp.arange(2.0)
    # the jitted call sees no batched operand, but its collective names the axis
    out = vmap(lambda v: jit(lambda: lax.psum(c * 2, "i"))() + 0 * v[None], axis_name="i")(x)
    _close(out, np.tile(6 * np.arange(2.0), (3, 1)))
    idx = vmap(lambda v: jit(lambda: lax.axis_index("i"))(), axis_name="i")(x)
    assert idx.tolist() == [0, 1, 2]


def test_collectives_in_control_flow_bodies():
    x = _x(4, 3)

    def scanned(v):
        def step(carry, _):
            carry = carry - lax.pmean(carry, "i") * 0.5
            return carry, lax.psum(carry, "i")

        return lax.scan(step, v, None, length=2)

    carry, ys = vmap(scanned, axis_name="i")(x)
    c1 = x - 0.5 * x.mean(0)
    c2 = c1 - 0.5 * c1.mean(0)
    _close(carry, c2)
    _close(ys[:, 1], np.broadcast_to(c2.sum(0), x.shape))

    def branch(v):
        return lax.cond(v[0] > 0, lambda u: lax.psum(u, "i"), lambda u: -u, v)

    ref = np.where(x[:, :1] > 0, x.sum(0), -x)
    _close(vmap(branch, axis_name="i")(x), ref)


def test_collectives_disappear_from_batched_jaxprs():
    text = str(jtrans.make_jaxpr(vmap(lambda v: lax.pmean(v, "i"), axis_name="i"))(_x(3, 2)))
    assert "psum" not in text and "reduce_sum" in text


def test_control_flow_with_unbatched_operands_and_named_body():
    x = jnp.arange(3.0)
    # the loops' operands are constants; only their bodies name the axis
    f = lambda v: lax.scan(lambda c, _: (c + lax.axis_index("i"), None), 0, None, length=2)[0]
    assert vmap(f, axis_name="i")(x).tolist() == [0, 2, 4]
    g = lambda v: lax.fori_loop(
        0, 2, lambda k, c: c + lax.psum(1.0, "i") + lax.axis_index("i"), 0.0
    )
    _close(vmap(g, axis_name="i")(x), [6.0, 8.0, 10.0])
    h = lambda v: lax.cond(True, lambda: lax.axis_index("i"), lambda: 0)
    assert vmap(h, axis_name="i")(x).tolist() == [0, 1, 2]


def test_collectives_in_custom_derivative_rules():
    x = jnp.arange(3.0)

    @jtrans.custom_jvp
    def centered(v):
        return v - lax.pmean(v, "i")

    @centered.defjvp
    def centered_jvp(primals, tangents):
        (v,), (dv,) = primals, tangents
        return centered(v), dv - lax.pmean(dv, "i")

    _close(vmap(centered, axis_name="i")(x), [-1.0, 0.0, 1.0])
    g = vmap(grad(lambda v: centered(v) ** 2), axis_name="i")(x)
    _close(g, grad(lambda xs: jnp.sum((xs - xs.mean()) ** 2))(x))

    @jtrans.custom_vjp
    def scale(v, w):
        return v * w

    scale.defvjp(lambda v, w: (scale(v, w), (v, w)),
                 lambda r, ct: (lax.psum(ct * r[1], "i"), ct * r[0]))  # fmt: skip
    _close(vmap(grad(scale), axis_name="i", in_axes=(0, None))(x, 2.0), [6.0, 6.0, 6.0])


@pytest.mark.parametrize(
    "body",
    [
        lambda v: v - lax.pmean(v, "i"),
        lambda v: lax.pmax(v, "i") + lax.pmin(v, "i"),
        lambda v: lax.all_gather(v, "i", axis=1),
        lambda v: lax.ppermute(v, "i", [(0, 2), (2, 1)]),
        lambda v: lax.all_to_all(v, "i", 0, 1),
        lambda v: lax.psum_scatter(v, "i"),
        lambda v: v * lax.axis_index("i"),
    ],
    ids=["pmean", "pmax_pmin", "all_gather", "ppermute", "all_to_all", "psum_scatter", "index"],
)
def test_compiled_matches_eager(body):
    x = _x(3, 3, 2)
    f = vmap(body, axis_name="i")
    _close(jit(f)(x), f(x))
    _close(jtrans.pmap(body, axis_name="i")(x), f(x))
