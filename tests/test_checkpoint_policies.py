"""checkpoint (remat) policies and checkpoint_name: the policy decides which values are saved for
the backward pass (the rest is recomputed there); gradients agree for every policy under grad,
jit and vmap; print_saved_residuals shows what is saved."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.ad_checkpoint import (
    checkpoint,
    checkpoint_name,
    checkpoint_policies,
    print_saved_residuals,
    remat,
    saved_residuals,
)
from jtrans.interpreters import ad
from jtrans.test_util import check_grads

cp = checkpoint_policies


def mlp(W1, W2, x):
    h = checkpoint_name(jnp.sin(W1 @ x), "h")
    return jnp.sum(jnp.sin(W2 @ h))


def _args(dtype=np.float32):
    r = np.random.RandomState(0)
    return (r.randn(4, 3).astype(dtype), r.randn(5, 4).astype(dtype), r.randn(3).astype(dtype))


POLICIES = {
    "default": None,
    "nothing": cp.nothing_saveable,
    "everything": cp.everything_saveable,
    "dots": cp.dots_saveable,
    "checkpoint_dots": cp.checkpoint_dots,
    "dots_no_batch": cp.dots_with_no_batch_dims_saveable,
    "checkpoint_dots_no_batch": cp.checkpoint_dots_with_no_batch_dims,
    "names": cp.save_only_these_names("h"),
    "names_but": cp.save_any_names_but_these("h"),
    "anything_except": cp.save_anything_except_these_names("h"),
    "both": cp.save_from_both_policies(cp.dots_saveable, cp.save_only_these_names("h")),
    "offload": cp.save_and_offload_only_these_names(
        names_which_can_be_saved=[], names_which_can_be_offloaded=["h"],
        offload_src="device", offload_dst="pinned_host"),
    "offload_dots": cp.offload_dot_with_no_batch_dims("device", "pinned_host"),
}  # fmt: skip


def count(closed, name):
    """Occurrences of primitive `name` in a jaxpr, nested jaxprs included."""
    return str(closed).count(f" = {name}")


def grad_jaxpr(policy):
    f = checkpoint(mlp, policy=policy)
    return jtrans.make_jaxpr(jtrans.grad(f, argnums=(0, 1, 2)))(*_args())


# forward: 2 dots; backward: 4 (cotangents of W2, h, W1, x); recomputation: 2 more
@pytest.mark.parametrize(
    "policy,dots,sins",
    [
        ("default", 8, 3),  # everything recomputed
        ("nothing", 8, 3),
        ("everything", 6, 2),  # nothing recomputed
        ("dots", 6, 3),  # dot outputs saved: sin recomputed from them, no dot
        ("dots_no_batch", 6, 3),
        ("names", 8, 2),  # h saved: the dots recomputed (their cos is needed), sin not
        ("names_but", 8, 3),
        ("both", 6, 2),
        ("offload", 8, 2),  # offloading is saving
    ],
)
def test_policy_decides_what_is_recomputed(policy, dots, sins):
    closed = grad_jaxpr(POLICIES[policy])
    assert count(closed, "dot_general") == dots
    assert count(closed, "sin") == sins


def test_dots_with_batch_dims_are_not_saved_by_the_no_batch_policy():
    def f(a, b):
        return jnp.sum(jnp.sin(jnp.einsum("bij,bjk->bik", a, b)))

    r = np.random.RandomState(1)
    a, b = r.randn(2, 3, 4).astype(np.float32), r.randn(2, 4, 5).astype(np.float32)

    def dots(policy):
        closed = jtrans.make_jaxpr(jtrans.grad(checkpoint(f, policy=policy)))(a, b)
        return count(closed, "dot_general")

    assert dots(cp.dots_saveable) == 2  # forward + the cotangent of a
    assert dots(cp.dots_with_no_batch_dims_saveable) == 3  # + the recomputation


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_gradients_agree_for_every_policy(policy):
    f = checkpoint(mlp, policy=POLICIES[policy])
    args = _args(np.float64)
    with jtrans.enable_x64():
        check_grads(f, args, order=2, modes=("fwd", "rev"))
        check_grads(jtrans.jit(f), args, order=1, modes=("rev",))
        want = jtrans.grad(mlp, argnums=(0, 1, 2))(*args)
        for g in (jtrans.grad(f, argnums=(0, 1, 2)), jtrans.jit(jtrans.grad(f, argnums=(0, 1, 2)))):
            for got, w in zip(g(*args), want):
                np.testing.assert_allclose(got, w, rtol=1e-12)
        # vmap of grad and grad of vmap, against a Python loop
        xs = np.random.RandomState(2).randn(6, 3)
        loop = [jtrans.grad(mlp)(args[0], args[1], x) for x in xs]
        vg = jtrans.vmap(jtrans.grad(f), in_axes=(None, None, 0))(args[0], args[1], xs)
        np.testing.assert_allclose(vg, np.stack(loop), rtol=1e-12)
        jvg = jtrans.jit(jtrans.vmap(jtrans.grad(f), in_axes=(None, None, 0)))
        np.testing.assert_allclose(jvg(args[0], args[1], xs), np.stack(loop), rtol=1e-12)

        def total(W1):
            return jnp.sum(jtrans.vmap(f, in_axes=(None, None, 0))(W1, args[1], xs))

        np.testing.assert_allclose(jtrans.grad(total)(args[0]), sum(loop), rtol=1e-12)


def test_nested_checkpoints_with_different_policies():
    inner = checkpoint(lambda W, x: jnp.tanh(checkpoint_name(W @ x, "pre")),
                       policy=cp.dots_saveable)  # fmt: skip

    def f(W, x):
        for _ in range(3):
            x = inner(W, x)
        return jnp.sum(x)

    outer = checkpoint(f, policy=cp.save_only_these_names("pre"))
    r = np.random.RandomState(3)
    W, x = r.randn(4, 4), r.randn(4)
    with jtrans.enable_x64():
        check_grads(outer, (W, x), order=2)
        check_grads(checkpoint(jtrans.jit(f), policy=cp.dots_saveable), (W, x), order=1)
        _, _, consts = ad.linearize_flat(lambda W, x: [outer(W, x)], [jnp.asarray(W), x])
        assert len(consts) == 5  # W, x and the three named pre-activations
        descs = [d for _, d in saved_residuals(outer, W, x)]
        assert descs[:2] == ["from the argument W", "from the argument x"]
        assert all(d.startswith("named 'pre'") for d in descs[2:])


def test_checkpoint_of_scan_with_policy():
    def f(W, x):
        def body(c, _):
            return jnp.tanh(W @ c), None

        return jnp.sum(lax.scan(body, x, None, length=3)[0])

    r = np.random.RandomState(4)
    with jtrans.enable_x64():
        check_grads(checkpoint(f, policy=cp.dots_saveable), (r.randn(4, 4), r.randn(4)), order=1)


def test_policy_answers_saveable_recompute_offloadable():
    from jtrans.ad_checkpoint import Offloadable, Recompute, Saveable

    def saves(answer):
        f = checkpoint(lambda x: jnp.sin(jnp.sin(x)), policy=lambda *_, **__: answer)
        _, _, consts = ad.linearize_flat(lambda x: [f(x)], [jnp.ones(3)])
        return len(consts)

    assert saves(Recompute) == saves(False) == 1  # only the input
    assert saves(Saveable) == saves(True) == saves(Offloadable("device", "pinned_host")) == 2


def test_checkpoint_name_is_the_identity_under_every_transformation():
    x = jnp.arange(3.0)
    assert checkpoint_name(x, "a") is not None
    np.testing.assert_array_equal(checkpoint_name(x, "a"), x)
    tree = checkpoint_name({"a": x, "b": 2.0}, "t")
    np.testing.assert_array_equal(tree["a"], x)
    assert float(tree["b"]) == 2.0
    f = lambda x: jnp.sum(checkpoint_name(jnp.sin(x), "s") ** 2)
    np.testing.assert_allclose(jtrans.grad(f)(x), 2 * np.sin(x) * np.cos(x), rtol=1e-6)
    np.testing.assert_allclose(jtrans.jit(f)(x), f(x), rtol=1e-6)
    np.testing.assert_allclose(jtrans.vmap(lambda v: checkpoint_name(v * 2, "v"))(x), x * 2)
    closed = jtrans.make_jaxpr(lambda x: checkpoint_name(x, "foo") + 1)(x)
    assert "name[name=foo]" in str(closed)
    assert "name" not in jtrans.jit(lambda x: checkpoint_name(x, "foo") + 1).lower(x).as_text(
        "optimized"
    )
    _, t = jtrans.jvp(lambda x: checkpoint_name(x * 3, "z"), (x,), (jnp.ones(3),))
    np.testing.assert_allclose(t, 3 * np.ones(3))
    with jtrans.enable_x64():
        check_grads(lambda x: checkpoint_name(jnp.sin(x), "s"), (np.arange(3.0),), order=2)


def test_print_saved_residuals(capsys):
    def g(W, x):
        return jnp.sin(jnp.dot(W, x))

    def f(W1, W2, x):
        x = checkpoint_name(g(W1, x), "layer1")
        return g(W2, x)

    W1, W2, x = jnp.ones((5, 4)), jnp.ones((6, 5)), jnp.ones(4)
    print_saved_residuals(f, W1, W2, x)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["f32[5,4] from the argument W1", "f32[6,5] from the argument W2",
                         "f32[4] from the argument x"]  # fmt: skip
    assert any(line.startswith("f32[5] named 'layer1' from") for line in lines)
    assert any(line.startswith("f32[6] output of cos from") for line in lines)
    print_saved_residuals(checkpoint(f), W1, W2, x)
    assert capsys.readouterr().out.splitlines() == lines[:3]  # only the arguments
    print_saved_residuals(checkpoint(f, policy=cp.dots_saveable), W1, W2, x)
    lines = capsys.readouterr().out.splitlines()
    assert all("output of dot_general from" in line for line in lines[3:])
    assert len(lines) == 5
    print_saved_residuals(lambda p: jnp.sum(jnp.sin(p["a"]) * p["b"]),
                          {"a": jnp.ones(3), "b": jnp.ones(3)})  # fmt: skip
    out = capsys.readouterr().out
    assert "from the argument p['b']" in out


def test_checkpoint_arguments():
    @jtrans.checkpoint
    def f(x):
        return jnp.sin(jnp.sin(x))

    np.testing.assert_allclose(jtrans.grad(f)(0.5), jtrans.grad(lambda x: jnp.sin(jnp.sin(x)))(0.5))
    assert remat is checkpoint is jtrans.checkpoint is jtrans.remat
    assert jtrans.checkpoint_policies is cp

    def pw(x, n):
        for _ in range(n):
            x = jnp.sin(x)
        return x

    g = checkpoint(pw, static_argnums=(1,), prevent_cse=False, policy=cp.dots_saveable)
    np.testing.assert_allclose(jtrans.grad(g)(0.5, 2), jtrans.grad(f)(0.5), rtol=1e-6)
    with pytest.raises(TypeError, match="policy"):
        checkpoint(pw, policy="dots")
