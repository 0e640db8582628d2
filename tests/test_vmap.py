"""vmap: in_axes/out_axes as ints, negative ints, None and pytree prefixes (JAX's semantics),
axis_size, keyword arguments; compositions with grad, jacfwd/jacrev, jit, custom_jvp/custom_vjp
and vmap itself; error messages; the structure of batched jaxprs (one dot_general, one gather,
no needless broadcasts); per-example gradients of a 3-layer MLP; and a coverage check that the
batching tests reach every primitive of the batch table."""

import itertools

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import core, lax
from jtrans.interpreters import batching

grad, jit, vmap, jvp, vjp = jtrans.grad, jtrans.jit, jtrans.vmap, jtrans.jvp, jtrans.vjp
jacfwd, jacrev = jtrans.jacfwd, jtrans.jacrev

F32 = np.float32


def _np(x):
    return np.asarray(x)


def close(a, b, tol=1e-5):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def tree_close(a, b, tol=1e-5):
    la, lb = jtrans.tree_leaves(a), jtrans.tree_leaves(b)
    assert jtrans.tree_structure(a) == jtrans.tree_structure(b)
    for x, y in zip(la, lb):
        close(x, y, tol)


def loop(f, args, in_axes, out_axes=0):
    """The reference: f applied to each slice along in_axes, results stacked at out_axes."""
    size = {np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None}
    assert len(size) == 1
    outs = []
    for b in range(size.pop()):
        outs.append(f(*[a if ax is None else np.take(a, b, axis=ax)
                        for a, ax in zip(args, in_axes)]))  # fmt: skip
    return jtrans.tree_map(lambda *xs: np.stack([_np(x) for x in xs], axis=out_axes), *outs)


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(F32)


def prims(closed):
    """Names of every equation's primitive, sub-jaxprs included."""
    out = []

    def walk(jaxpr):
        for e in jaxpr.eqns:
            out.append(e.prim.name)
            for v in e.params.values():
                for x in v if isinstance(v, (tuple, list)) else (v,):
                    if isinstance(x, core.ClosedJaxpr):
                        walk(x.jaxpr)
                    elif isinstance(x, core.Jaxpr):
                        walk(x)

    walk(closed.jaxpr)
    return out


LOOP_PRIMS = {"scan", "while", "cond"}


# ---------------------------------------------------------------------------------------------
# in_axes / out_axes


def f2(x, y):
    return jnp.sin(x) * y + x


@pytest.mark.parametrize("ax", [0, 1, 2, -1, -2, -3])
def test_in_axes_int_and_negative(rng, ax):
    x = rand(rng, 2, 3, 4)
    out = vmap(jnp.sin, in_axes=ax)(x)
    close(out, np.moveaxis(np.sin(x), ax, 0))


@pytest.mark.parametrize("out_axes", [0, 1, 2, -1, -2, -3])
def test_out_axes_int_and_negative(rng, out_axes):
    x = rand(rng, 2, 3, 4)
    out = vmap(jnp.cos, in_axes=1, out_axes=out_axes)(x)
    close(out, loop(jnp.cos, [x], [1], out_axes))


def test_in_axes_tuple_and_list_with_none(rng):
    x, y = rand(rng, 3, 4), rand(rng, 4)
    ref = loop(f2, [x, y], [0, None])
    close(vmap(f2, in_axes=(0, None))(x, y), ref)
    close(vmap(f2, in_axes=[0, None])(x, y), ref)
    close(vmap(f2, in_axes=(1, -1))(x.T, np.stack([y] * 3, 1)), ref)


def test_in_axes_int_applies_to_every_leaf(rng):
    p = {"a": rand(rng, 3, 2), "b": (rand(rng, 3), rand(rng, 3, 4))}
    f = lambda d: d["a"].sum(-1) + d["b"][0] * d["b"][1].sum(-1)
    out = vmap(f)(p)
    ref = p["a"].sum(-1) + p["b"][0] * p["b"][1].sum(-1)
    close(out, ref)


def test_in_axes_dict_for_a_dict_argument(rng):
    d = {"w": rand(rng, 4), "x": rand(rng, 5, 4)}
    f = lambda d, s: jnp.dot(d["w"], d["x"]) * s
    s = rand(rng, 5)
    out = vmap(f, in_axes=({"w": None, "x": 0}, 0))(d, s)
    close(out, d["x"] @ d["w"] * s)


def test_in_axes_nested_prefix_tree(rng):
    a, b, c = rand(rng, 3, 2), rand(rng, 2), rand(rng, 2, 3)
    f = lambda p: p[0][0] * p[0][1] + p[1]
    out = vmap(f, in_axes=(((0, None), 1),))(((a, b), c))
    close(out, a * b + c.T)
    # a prefix: one entry for a whole subtree
    out = vmap(f, in_axes=((0, 1),))(((a, a), c))
    close(out, a * a + c.T)


def test_in_axes_none_leaves_and_empty_subtrees(rng):
    x = rand(rng, 3, 2)
    out = vmap(lambda a, n, e: a * 2, in_axes=(0, None, 0))(x, None, ())
    close(out, x * 2)


def test_out_axes_pytree_prefix(rng):
    x = rand(rng, 3, 4)
    f = lambda a: {"p": a, "q": (a.sum(), a * 2)}
    out = vmap(f, out_axes={"p": 1, "q": (0, -1)})(x)
    close(out["p"], x.T)
    close(out["q"][0], x.sum(1))
    close(out["q"][1], (x * 2).T)
    out = vmap(f, out_axes={"p": -1, "q": -1})(x)  # one entry for the subtree "q"
    close(out["q"][1], (x * 2).T)
    close(out["q"][0], x.sum(1))


def test_out_axes_none_for_unbatched_output(rng):
    x, w = rand(rng, 3, 4), rand(rng, 4)
    a, b = vmap(lambda x, w: (x * w, w * 2), in_axes=(0, None), out_axes=(0, None))(x, w)
    close(a, x * w)
    close(b, w * 2)


def test_unbatched_outputs_are_broadcast(rng):
    x, w = rand(rng, 3, 4), rand(rng, 2)
    out = vmap(lambda x: w * 2, out_axes=1)(x)
    close(out, np.stack([w * 2] * 3, 1))
    out = vmap(lambda x: 1.0)(x)
    close(out, np.ones(3, F32))


def test_axis_size_with_all_none_in_axes(rng):
    x = rand(rng, 2, 3)
    out = vmap(lambda a: a + 1, in_axes=None, axis_size=4)(x)
    close(out, np.stack([x + 1] * 4))
    out = vmap(lambda: jnp.ones(2), axis_size=3)()
    close(out, np.ones((3, 2), F32))
    # axis_size agreeing with the mapped axes
    close(vmap(jnp.sin, axis_size=2)(x), np.sin(x))


def test_kwargs_are_mapped_over_axis_0(rng):
    # JAX: "arguments passed as keywords are always mapped over their leading axis"
    x, y = rand(rng, 3, 2), rand(rng, 3, 2)
    out = vmap(lambda x, y: x * y)(x, y=y)
    assert np.shape(out) == (3, 2)
    close(out, x * y)
    out = vmap(lambda x, y: x * y, in_axes=1)(x.T, y=y)
    close(out, x * y)


def test_kwargs_sizes_are_checked(rng):
    x = rand(rng, 3, 2)
    with pytest.raises(ValueError, match="inconsistent sizes"):
        vmap(lambda x, y: x + y)(x, y=rand(rng, 4, 2))


def test_vmap_keeps_dtypes_and_weak_types(rng):
    x = rand(rng, 3)
    out = vmap(lambda a: a * 2)(x)
    assert _np(out).dtype == F32
    i = np.arange(6, dtype=np.int32).reshape(3, 2)
    out = vmap(lambda a: a + 1)(i)
    assert _np(out).dtype == np.int32


# ---------------------------------------------------------------------------------------------
# errors


def test_error_inconsistent_sizes_names_positions_and_sizes(rng):
    with pytest.raises(ValueError, match="inconsistent sizes") as e:
        vmap(lambda a, b: a + b)(rand(rng, 2, 3), rand(rng, 3, 3))
    msg = str(e.value)
    assert "[0]" in msg and "[1]" in msg and "2" in msg and "3" in msg, msg


def test_error_out_axes_too_large(rng):
    with pytest.raises(ValueError, match="out_axes=3"):
        vmap(lambda a: a, out_axes=3)(rand(rng, 2, 3))
    with pytest.raises(ValueError, match="out_axes=-3"):
        vmap(lambda a: a, out_axes=-3)(rand(rng, 2, 3))


def test_error_in_axes_out_of_range(rng):
    with pytest.raises(ValueError, match="in_axes=2"):
        vmap(jnp.sin, in_axes=2)(rand(rng, 2, 3))
    with pytest.raises(ValueError, match="rank 0"):
        vmap(jnp.sin)(np.float32(1.0))


def test_error_in_axes_tuple_wrong_length(rng):
    with pytest.raises(ValueError, match="in_axes"):
        vmap(lambda a, b: a + b, in_axes=(0,))(rand(rng, 2), rand(rng, 2))


def test_error_in_axes_tree_mismatch_dict_argument(rng):
    d = {"a": rand(rng, 2), "b": rand(rng, 2)}
    with pytest.raises(ValueError, match="in_axes"):
        vmap(lambda d: d["a"], in_axes=({"a": 0, "c": None},))(d)


def test_error_out_axes_tree_mismatch(rng):
    with pytest.raises(ValueError, match="out_axes"):
        vmap(lambda a: (a, a), out_axes=(0, 1, 0))(rand(rng, 2, 3))


def test_error_out_axes_none_for_batched_output(rng):
    with pytest.raises(ValueError, match="out_axes=None"):
        vmap(lambda a: a * 2, out_axes=None)(rand(rng, 2, 3))


def test_error_no_mapped_argument_and_no_axis_size(rng):
    with pytest.raises(ValueError, match="axis_size"):
        vmap(jnp.sin, in_axes=None)(rand(rng, 2))


def test_error_axis_size_disagrees(rng):
    with pytest.raises(ValueError, match="axis_size"):
        vmap(jnp.sin, axis_size=4)(rand(rng, 2))


def test_error_in_axes_bad_type(rng):
    with pytest.raises(TypeError, match="in_axes"):
        vmap(jnp.sin, in_axes=0.5)(rand(rng, 2))


def test_error_top_level_dict_in_axes(rng):
    # JAX: a top-level in_axes must be an int, None or a tuple (one entry per argument)
    with pytest.raises(TypeError, match="in_axes"):
        vmap(lambda d: d["a"], in_axes={"a": 0})({"a": rand(rng, 2)})


# ---------------------------------------------------------------------------------------------
# structure of batched jaxprs


def test_batched_matmul_is_one_dot_general(rng):
    A, B = rand(rng, 8, 3, 4), rand(rng, 8, 4, 5)
    closed = jtrans.make_jaxpr(vmap(lambda a, b: a @ b))(A, B)
    names = prims(closed)
    assert names.count("dot_general") == 1, names
    assert not LOOP_PRIMS & set(names), names
    (eqn,) = [e for e in closed.jaxpr.eqns if e.prim.name == "dot_general"]
    (_, (lb, rb)) = eqn.params["dimension_numbers"]
    assert tuple(lb) == (0,) and tuple(rb) == (0,)  # batch dimensions, not a loop
    close(vmap(lambda a, b: a @ b)(A, B), A @ B, 1e-4)


def test_batched_matmul_at_other_axes_is_one_dot_general(rng):
    A, B = rand(rng, 3, 8, 4), rand(rng, 4, 5, 8)
    f = vmap(lambda a, b: a @ b, in_axes=(1, 2), out_axes=-1)
    names = prims(jtrans.make_jaxpr(f)(A, B))
    assert names.count("dot_general") == 1, names
    assert not LOOP_PRIMS & set(names), names
    close(f(A, B), loop(lambda a, b: a @ b, [A, B], [1, 2], -1), 1e-4)


def test_unbatched_weight_is_not_broadcast(rng):
    X, W = rand(rng, 8, 5), rand(rng, 5, 3)
    for f in (lambda x: x @ W, lambda x: jnp.dot(W.T, x), lambda x: jnp.tanh(x @ W)):
        names = prims(jtrans.make_jaxpr(vmap(f))(X))
        assert names.count("dot_general") == 1, names
        assert "broadcast_in_dim" not in names, names
        close(vmap(f)(X), loop(f, [X], [0]), 1e-5)


def test_batched_index_is_one_gather(rng):
    x = rand(rng, 8, 5)
    i = rng.integers(-5, 5, size=8).astype(np.int32)
    for f, axes in [(lambda x, i: x[i], (0, 0)), (lambda x, i: x[i], (None, 0)),
                    (lambda x, i: jnp.take(x, i), (0, 0))]:  # fmt: skip
        args = (x, i) if axes[0] == 0 else (x[0], i)
        names = prims(jtrans.make_jaxpr(vmap(f, in_axes=axes))(*args))
        assert names.count("gather") == 1, names
        assert not LOOP_PRIMS & set(names), names
        close(vmap(f, in_axes=axes)(*args), loop(f, list(args), list(axes)))


def test_elementwise_keeps_the_batch_axis_in_place(rng):
    x, w = rand(rng, 3, 5, 4), rand(rng, 3, 4)
    for f, args, axes in [(lambda x: x * 2.0, [x], (1,)),
                          (jnp.multiply, [x, w], (1, None)),
                          (lambda x, s: x * s, [x, rand(rng, 5)], (1, 0))]:  # fmt: skip
        g = vmap(f, in_axes=axes, out_axes=1)
        names = prims(jtrans.make_jaxpr(g)(*args))
        assert "transpose" not in names, names
        close(g(*args), loop(f, args, list(axes), 1))


def test_batched_reduction_is_one_reduction(rng):
    x = rand(rng, 4, 3, 5)
    f = lambda a: jnp.sum(a, axis=1)
    names = prims(jtrans.make_jaxpr(vmap(f, in_axes=1, out_axes=1))(x))
    assert names == ["reduce_sum"], names  # the batch axis stays where it is
    close(vmap(f, in_axes=1, out_axes=1)(x), loop(f, [x], [1], 1))


# ---------------------------------------------------------------------------------------------
# compositions


def g_scalar(w, x):
    return jnp.sum(jnp.tanh(x * w) ** 2) + jnp.sum(w * x)


def test_vmap_of_grad(rng):
    w, X = rand(rng, 4), rand(rng, 6, 4)
    out = vmap(grad(g_scalar), in_axes=(None, 0))(w, X)
    close(out, loop(grad(g_scalar), [w, X], [None, 0]))
    out = vmap(grad(g_scalar, argnums=(0, 1)), in_axes=(0, 1), out_axes=1)(X, X.T)
    tree_close(out, loop(grad(g_scalar, argnums=(0, 1)), [X, X.T], [0, 1], 1))


def test_grad_of_vmap(rng):
    w, X = rand(rng, 4), rand(rng, 6, 4)
    total = lambda w: jnp.sum(vmap(g_scalar, in_axes=(None, 0))(w, X))
    ref = sum(_np(grad(g_scalar)(w, X[b])) for b in range(6))
    close(grad(total)(w), ref, 1e-4)
    # the mapped argument differentiated too
    total2 = lambda X: jnp.sum(vmap(g_scalar, in_axes=(None, 1))(w, X) ** 2)
    ref2 = np.stack([_np(grad(lambda x: g_scalar(w, x) ** 2)(X[b])) for b in range(6)], 1)
    close(grad(total2)(X.T), ref2, 1e-4)


def test_vmap_of_vmap_with_different_axes(rng):
    x, y = rand(rng, 3, 4, 5), rand(rng, 5, 4)
    inner = vmap(f2, in_axes=(1, 0))  # over the axis of size 5
    outer = vmap(inner, in_axes=(0, None), out_axes=-1)  # over the axis of size 3
    out = outer(x, y)
    ref = loop(lambda xi: loop(f2, [xi, y], [1, 0]), [x], [0], -1)
    close(out, ref)
    # both levels map both arguments, at different axes
    z = rand(rng, 4, 3, 5)
    inner = vmap(f2, in_axes=(0, -1), out_axes=1)
    outer = vmap(inner, in_axes=(-1, -1))
    ref = loop(lambda xi, zi: loop(f2, [xi, zi], [0, -1], 1), [x, z], [-1, -1])
    close(outer(x, z), ref)


def test_nested_vmap_closes_over_outer_batched_values(rng):
    X, Y = rand(rng, 3, 4), rand(rng, 5, 4)

    def outer(x):
        return vmap(lambda y: jnp.sum(x * y) + x.sum())(Y)

    out = vmap(outer)(X)
    close(out, X @ Y.T + X.sum(1)[:, None], 1e-5)
    # the closure in the other order and a grad inside
    out = vmap(lambda y: vmap(lambda x: grad(lambda x: jnp.sum(x * y) ** 2)(x))(X))(Y)
    ref = np.stack([np.stack([2 * np.sum(X[i] * Y[j]) * Y[j] for i in range(3)])
                    for j in range(5)])  # fmt: skip
    close(out, ref, 1e-4)


def h_vec(x):
    return jnp.stack([jnp.sin(x[0]) * x[1], x[1] ** 2 + x[2], jnp.exp(x[0] * x[2])])


def test_vmap_of_jacrev_and_jacfwd(rng):
    X = rand(rng, 5, 3)
    for jac in (jacrev, jacfwd):
        out = vmap(jac(h_vec))(X)
        close(out, loop(jac(h_vec), [X], [0]), 1e-5)
        out = vmap(jac(h_vec), in_axes=1, out_axes=2)(X.T)
        close(out, loop(jac(h_vec), [X.T], [1], 2), 1e-5)


def test_jacobians_equal_stacked_jvps_and_vjps(rng):
    x = rand(rng, 3)
    basis = np.eye(3, dtype=F32)
    by_jvp = np.stack([_np(jvp(h_vec, (x,), (e,))[1]) for e in basis], axis=1)
    _, pullback = vjp(h_vec, x)
    by_vjp = np.stack([_np(pullback(e)[0]) for e in basis], axis=0)
    close(jacfwd(h_vec)(x), by_jvp, 1e-5)
    close(jacrev(h_vec)(x), by_vjp, 1e-5)
    close(jacfwd(h_vec)(x), jacrev(h_vec)(x), 1e-5)
    # vmap of jvp over the basis is jacfwd; vmap of the pullback is jacrev
    close(vmap(lambda e: jvp(h_vec, (x,), (e,))[1], out_axes=1)(basis), by_jvp, 1e-5)
    close(vmap(lambda e: pullback(e)[0])(basis), by_vjp, 1e-5)


def test_vmap_of_jit_and_jit_of_vmap(rng):
    x, y = rand(rng, 4, 3), rand(rng, 3)
    ref = loop(f2, [x, y], [0, None])
    close(vmap(jit(f2), in_axes=(0, None))(x, y), ref)
    close(jit(vmap(f2, in_axes=(0, None)))(x, y), ref)
    close(vmap(jit(f2), in_axes=(1, None))(x.T, y), ref)
    swapped = jit(lambda y, x: f2(x, y))
    close(jit(vmap(swapped, in_axes=(None, 0), out_axes=1))(y, x), ref.T)
    # a batched jit stays one jit equation
    names = prims(jtrans.make_jaxpr(vmap(jit(f2), in_axes=(0, None)))(x, y))
    assert names.count("jit") == 1, names


def test_vmap_of_grad_of_jit_and_jit_of_vmap_of_grad(rng):
    w, X = rand(rng, 4), rand(rng, 6, 4)
    ref = loop(grad(g_scalar), [w, X], [None, 0])
    close(vmap(grad(jit(g_scalar)), in_axes=(None, 0))(w, X), ref, 1e-5)
    close(jit(vmap(grad(g_scalar), in_axes=(None, 0)))(w, X), ref, 1e-5)


@jtrans.custom_jvp
def soft_clip(x):
    return jnp.tanh(x)


@soft_clip.defjvp
def _soft_clip_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return soft_clip(x), 3.0 * t  # deliberately not tanh's derivative: the rule must be used


@jtrans.custom_vjp
def scaled_sin(x, y):
    return jnp.sin(x) * y


def _scaled_sin_fwd(x, y):
    return scaled_sin(x, y), (x, y)


def _scaled_sin_bwd(res, g):
    x, y = res
    return (g * y * 5.0, g * jnp.sin(x))  # x's cotangent deliberately scaled by 5


scaled_sin.defvjp(_scaled_sin_fwd, _scaled_sin_bwd)


def test_vmap_of_custom_jvp(rng):
    x = rand(rng, 4, 3)
    close(vmap(soft_clip)(x), np.tanh(x))
    close(vmap(soft_clip, in_axes=1)(x.T), np.tanh(x))
    g = vmap(grad(lambda x: jnp.sum(soft_clip(x))))(x)
    close(g, np.full_like(x, 3.0))
    t = vmap(lambda x, t: jvp(soft_clip, (x,), (t,))[1], in_axes=(0, None))(x, x[0])
    close(t, np.stack([3.0 * x[0]] * 4))


def test_vmap_of_custom_vjp(rng):
    x, y = rand(rng, 4, 3), rand(rng, 3)
    close(vmap(scaled_sin, in_axes=(0, None))(x, y), np.sin(x) * y)
    f = lambda x, y: jnp.sum(scaled_sin(x, y))
    gx, gy = vmap(grad(f, argnums=(0, 1)), in_axes=(0, None))(x, y)
    close(gx, np.broadcast_to(5.0 * y, x.shape))
    close(gy, np.sin(x))
    # grad of a vmapped custom_vjp function
    gx = grad(lambda x: jnp.sum(vmap(scaled_sin, in_axes=(1, None))(x, y)))(x.T)
    close(gx, np.broadcast_to(5.0 * y, x.shape).T)


def test_vmap_of_checkpoint(rng):
    x = rand(rng, 4, 3)
    f = jtrans.checkpoint(lambda x: jnp.sin(jnp.sin(x)))
    close(vmap(grad(lambda x: jnp.sum(f(x))))(x), np.cos(np.sin(x)) * np.cos(x))


# ---------------------------------------------------------------------------------------------
# per-example gradients of a 3-layer MLP


def _mlp_params(rng, sizes):
    return [
        (rand(rng, m, n) / np.sqrt(m), rand(rng, n) * 0.1) for m, n in itertools.pairwise(sizes)
    ]


def _mlp_loss(params, x, y):
    h = x
    for W, b in params[:-1]:
        h = jnp.tanh(h @ W + b)
    W, b = params[-1]
    logits = h @ W + b
    m = jnp.max(logits)
    logz = jnp.log(jnp.sum(jnp.exp(logits - m))) + m
    return -jnp.sum(y * (logits - logz))


def _mlp_data(rng, n, din, dout):
    X = rand(rng, n, din)
    Y = np.eye(dout, dtype=F32)[rng.integers(0, dout, size=n)]
    return X, Y


def _tree_stack(trees):
    return jtrans.tree_map(lambda *xs: np.stack([_np(x) for x in xs]), *trees)


def _tree_rel_close(a, b, rtol=1e-5):
    for x, y in zip(jtrans.tree_leaves(a), jtrans.tree_leaves(b)):
        x, y = _np(x), _np(y)
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * max(1.0, np.abs(y).max()))


def test_per_example_gradients_mlp(rng):
    params = _mlp_params(rng, [20, 32, 32, 5])
    X, Y = _mlp_data(rng, 128, 20, 5)
    per_ex = vmap(grad(_mlp_loss), in_axes=(None, 0, 0))(params, X, Y)
    ref = _tree_stack([grad(_mlp_loss)(params, X[b], Y[b]) for b in range(128)])
    assert jtrans.tree_structure(per_ex) == jtrans.tree_structure(ref)
    _tree_rel_close(per_ex, ref)
    per_ex_jit = jit(vmap(grad(_mlp_loss), in_axes=(None, 0, 0)))(params, X, Y)
    _tree_rel_close(per_ex_jit, ref)
    # their mean is the gradient of the mean loss
    mean_loss = lambda p: jnp.mean(vmap(_mlp_loss, in_axes=(None, 0, 0))(p, X, Y))
    _tree_rel_close(grad(mean_loss)(params), jtrans.tree_map(lambda g: g.mean(0), ref), 1e-4)


def test_per_example_gradients_structure():
    # the batched backward pass is matrix products, not a loop over examples
    rng = np.random.default_rng(0)
    params = _mlp_params(rng, [20, 32, 32, 5])
    X, Y = _mlp_data(rng, 16, 20, 5)
    names = prims(jtrans.make_jaxpr(vmap(grad(_mlp_loss), in_axes=(None, 0, 0)))(params, X, Y))
    assert not LOOP_PRIMS & set(names), names
    assert 3 <= names.count("dot_general") <= 9, names


# ---------------------------------------------------------------------------------------------
# primitives no OpSpec reaches: checked here against a loop at several axes


def _pos(rng, *shape):
    return (np.abs(rng.standard_normal(shape)) + 0.5).astype(F32)


def _lin_grad(x, w):  # grad with a fan-out: add_any
    return grad(lambda x: jnp.sum(jnp.sin(x) * x * w))(x)


def _cummax_jvp(x, t):  # select_and_gather_add
    return jvp(lambda x: lax.cummax(x, 0), (x,), (t,))[1]


def _cummax_grad(x, w):  # select_and_scatter_add (the transpose of select_and_gather_add)
    return grad(lambda x: jnp.sum(lax.cummax(x, 0) * w))(x)


EXTRA = {
    "custom_vmap_call": (
        jtrans.custom_batching.sequential_vmap(lambda x: jnp.sin(x) * 2),
        lambda r: [rand(r, 2, 3)],
    ),
    "name": (
        lambda x: jtrans.ad_checkpoint.checkpoint_name(jnp.sin(x), "h"),
        lambda r: [rand(r, 2, 3)],
    ),
    "linear_call": (
        lambda x: jtrans.custom_derivatives.linear_call(
            lambda _, t: t * 2.0, lambda _, t: t * 2.0, None, x
        ),
        lambda r: [rand(r, 2, 3)],
    ),
    "rsqrt": (lax.rsqrt, lambda r: [_pos(r, 3, 2)]),
    "complex": (lambda x, y: lax.complex(x, y), lambda r: [rand(r, 3), rand(r, 3)]),
    "real_imag_conj": (
        lambda x, y: (lax.real(lax.conj(lax.complex(x, y))), lax.imag(lax.conj(lax.complex(x, y)))),
        lambda r: [rand(r, 2, 3), rand(r, 2, 3)],
    ),
    "jit": (jit(f2), lambda r: [rand(r, 3, 2), rand(r, 3, 2)]),
    "checkpoint": (jtrans.checkpoint(lambda x: jnp.sin(x) * 2), lambda r: [rand(r, 2, 3)]),
    "custom_jvp_call": (soft_clip, lambda r: [rand(r, 2, 3)]),
    "custom_vjp_call": (scaled_sin, lambda r: [rand(r, 2, 3), rand(r, 3)]),
    "grad_custom_vjp": (
        grad(lambda x, y: jnp.sum(scaled_sin(x, y))),
        lambda r: [rand(r, 3), rand(r, 3)],
    ),
    "add_any": (_lin_grad, lambda r: [rand(r, 4, 2), rand(r, 2)]),
    "select_and_gather_add": (_cummax_jvp, lambda r: [rand(r, 4, 2), rand(r, 4, 2)]),
    "select_and_scatter_add": (_cummax_grad, lambda r: [rand(r, 4, 2), rand(r, 4, 2)]),
}


def _extra_cases():
    out = []
    for name, (f, make) in EXTRA.items():
        args = make(np.random.default_rng(1))
        for i, a in enumerate(args):
            for ax in sorted({0, np.ndim(a)}) + [-1]:
                out.append(pytest.param(name, i, ax, id=f"{name}-arg{i}@{ax}"))
        out.append(pytest.param(name, None, None, id=f"{name}-all"))
    return out


@pytest.mark.parametrize("name,argnum,ax", _extra_cases())
def test_vmap_extra_primitives(name, argnum, ax):
    f, make = EXTRA[name]
    rng = np.random.default_rng(2)
    per = [make(rng) for _ in range(2)]
    n = len(per[0])
    if argnum is None:
        axes = [min(i, np.ndim(per[0][i])) for i in range(n)]
    else:
        axes = [None] * n
        axes[argnum] = ax
    args = [per[0][i] if a is None else np.stack([p[i] for p in per], a % (np.ndim(per[0][i]) + 1))
            for i, a in enumerate(axes)]  # fmt: skip
    out = vmap(f, in_axes=tuple(axes))(*args)
    tree_close(out, loop(f, args, axes))


# primitives whose batch rule no public composition reaches (with why)
NOT_REACHED = {
    # collectives: removed by the vmap that names their axis, so no printed jaxpr holds them;
    # batched in tests/test_collectives.py
    "psum",
    "pmax",
    "pmin",
    "all_gather",
    "all_to_all",
    "axis_index",
    "ppermute",
    # custom_vjp's linear part only lives in linearized jaxprs, which are transposed (calling
    # bwd) before anything batches them: vmap(grad), grad(vmap), vmap(vjp), jit in between
    "custom_lin",
    # effectful callbacks: batched in tests/test_debug_callbacks.py (prints and vmap_methods)
    "debug_callback",
    "pure_callback",
}


def test_batching_tests_reach_every_primitive():
    """Every primitive with a batch rule appears in an OpSpec (swept by test_ops_vmap_axes) or in
    EXTRA above; a new primitive needs a spec or an entry there."""
    from tests.opspecs import ALL_SPECS

    from .test_rules_coverage import NO_BATCH

    seen = set()
    for s in ALL_SPECS:
        if s.vmap and s.jit:  # (specs that cannot be staged cannot be batched either)
            args = s.make_args(np.random.default_rng(0), s.shapes[0], s.dtypes[0])
            seen.update(prims(jtrans.make_jaxpr(s.call)(*args)))
    for f, make in EXTRA.values():
        seen.update(prims(jtrans.make_jaxpr(f)(*make(np.random.default_rng(0)))))
    every = {p.name for p in core.all_primitives if p in batching.batch_rules}
    missing = sorted(every - seen - NO_BATCH - NOT_REACHED)
    assert not missing, f"primitives no batching test reaches: {missing}"
