"""jtrans.optim: every optimizer against its update equations, written out in NumPy, over 3
steps on a 2-leaf pytree (to 1e-6 in float64); composition, jit, schedules."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import optim

P0 = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.1, -0.3])}
GRADS = [
    {"w": np.array([[0.3, -0.1], [0.2, 0.4]]), "b": np.array([-0.5, 0.25])},
    {"w": np.array([[-0.2, 0.6], [0.1, -0.3]]), "b": np.array([0.2, 0.1])},
    {"w": np.array([[0.05, 0.2], [-0.4, 0.1]]), "b": np.array([-0.1, 0.3])},
]


def _run(opt, dtype=np.float64, jit=False):
    params = {k: jnp.asarray(v.astype(dtype)) for k, v in P0.items()}
    state = opt.init(params)
    update = jtrans.jit(opt.update) if jit else opt.update
    for g in GRADS:
        g = {k: jnp.asarray(v.astype(dtype)) for k, v in g.items()}
        updates, state = update(g, state, params)
        params = optim.apply_updates(params, updates)
    return {k: np.asarray(v) for k, v in params.items()}


# --- the update equations, in NumPy float64, leaf by leaf ------------------------------------


def _ref(step_fn, init_fn):
    out = {}
    for k, p0 in P0.items():
        p = p0.copy()
        s = init_fn(p)
        for t, g in enumerate(GRADS, start=1):
            p, s = step_fn(p, g[k], s, t)
        out[k] = p
    return out


def ref_sgd(lr, momentum=None, nesterov=False):
    def step(p, g, m, t):
        if momentum is None:
            return p - lr * g, m
        m = g + momentum * m
        d = g + momentum * m if nesterov else m
        return p - lr * d, m

    return _ref(step, np.zeros_like)


def ref_adam(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    def step(p, g, s, t):
        m, v = s
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh = m / (1 - b1**t)
        vh = v / (1 - b2**t)
        return p - lr * (mh / (np.sqrt(vh) + eps) + wd * p), (m, v)

    return _ref(step, lambda p: (np.zeros_like(p), np.zeros_like(p)))


def ref_rmsprop(lr, decay=0.9, eps=1e-8, centered=False, momentum=None):
    def step(p, g, s, t):
        mg, v, mom = s
        v = decay * v + (1 - decay) * g * g
        mg = decay * mg + (1 - decay) * g
        denom = np.sqrt(v - mg * mg + eps) if centered else np.sqrt(v + eps)
        d = lr * g / denom
        if momentum is not None:
            mom = d + momentum * mom
            d = mom
        return p - d, (mg, v, mom)

    return _ref(step, lambda p: (np.zeros_like(p),) * 3)


CASES = [
    ("sgd", lambda: optim.sgd(0.1), lambda: ref_sgd(0.1)),
    ("momentum", lambda: optim.sgd(0.1, momentum=0.9), lambda: ref_sgd(0.1, 0.9)),
    (
        "nesterov",
        lambda: optim.sgd(0.1, momentum=0.9, nesterov=True),
        lambda: ref_sgd(0.1, 0.9, True),
    ),
    ("adam", lambda: optim.adam(0.01), lambda: ref_adam(0.01)),
    (
        "adam_hyper",
        lambda: optim.adam(0.05, b1=0.8, b2=0.95, eps=1e-3),
        lambda: ref_adam(0.05, 0.8, 0.95, 1e-3),
    ),
    ("adamw", lambda: optim.adamw(0.01, weight_decay=0.1), lambda: ref_adam(0.01, wd=0.1)),
    ("rmsprop", lambda: optim.rmsprop(0.01), lambda: ref_rmsprop(0.01)),
    (
        "rmsprop_centered_momentum",
        lambda: optim.rmsprop(0.01, decay=0.8, centered=True, momentum=0.5),
        lambda: ref_rmsprop(0.01, 0.8, centered=True, momentum=0.5),
    ),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_matches_update_equations(name, make, ref):
    expected = ref()
    with jtrans.dtypes.enable_x64():
        got = _run(make())
    for k in P0:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-6, atol=1e-6)
    got32 = _run(make(), np.float32)
    for k in P0:
        assert got32[k].dtype == np.float32
        np.testing.assert_allclose(got32[k], expected[k], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,make,ref", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_jitted_update_matches(name, make, ref):
    expected = ref()
    got = _run(make(), np.float32, jit=True)
    for k in P0:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-5, atol=1e-5)


def test_clip_by_global_norm():
    def ref_clip(max_norm):
        out = {k: P0[k].copy() for k in P0}
        for g in GRADS:
            n = np.sqrt(sum(np.sum(v**2) for v in g.values()))
            f = 1.0 if n < max_norm else max_norm / n
            for k in P0:
                out[k] = out[k] - 0.1 * f * g[k]
        return out

    for max_norm in (0.1, 10.0):
        expected = ref_clip(max_norm)
        with jtrans.dtypes.enable_x64():
            got = _run(optim.chain(optim.clip_by_global_norm(max_norm), optim.sgd(0.1)))
        for k in P0:
            np.testing.assert_allclose(got[k], expected[k], rtol=1e-6, atol=1e-6)
    # a zero gradient stays zero (no 0/0)
    zero = {"a": jnp.zeros(3)}
    u, _ = optim.clip_by_global_norm(1.0).update(zero, optim.EmptyState())
    assert (np.asarray(u["a"]) == 0).all()


def test_chain_state_and_scale():
    opt = optim.chain(optim.scale(2.0), optim.scale_by_adam(), optim.scale(-0.01))
    state = opt.init({"w": jnp.zeros(2)})
    assert isinstance(state, tuple) and len(state) == 3
    assert isinstance(state[1], optim.ScaleByAdamState)
    # adam(lr) == chain(scale_by_adam(), scale(-lr)), and the scale(2) in front cancels out
    # except through eps
    with jtrans.dtypes.enable_x64():
        got = _run(optim.chain(optim.scale_by_adam(), optim.scale(-0.01)))
    exp = ref_adam(0.01)
    for k in P0:
        np.testing.assert_allclose(got[k], exp[k], rtol=1e-6)


def test_learning_rate_schedule_in_optimizer():
    sched = optim.exponential_decay(0.1, transition_steps=1, decay_rate=0.5)

    def ref():
        out = {k: P0[k].copy() for k in P0}
        for t, g in enumerate(GRADS):
            for k in P0:
                out[k] = out[k] - 0.1 * 0.5**t * g[k]
        return out

    with jtrans.dtypes.enable_x64():
        got = _run(optim.sgd(sched))
    exp = ref()
    for k in P0:
        np.testing.assert_allclose(got[k], exp[k], rtol=1e-6)
    got_jit = _run(optim.sgd(sched), np.float32, jit=True)
    for k in P0:
        np.testing.assert_allclose(got_jit[k], exp[k], rtol=1e-5)


def _vals(s, steps):
    return np.array([float(s(i)) for i in steps])


def test_schedules():
    steps = [0, 1, 5, 10, 20, 100, 200]
    np.testing.assert_allclose(_vals(optim.constant_schedule(0.3), steps), 0.3)
    np.testing.assert_allclose(
        _vals(optim.linear_schedule(1.0, 0.0, 10), steps), [1, 0.9, 0.5, 0, 0, 0, 0], atol=1e-6
    )
    np.testing.assert_allclose(
        _vals(optim.linear_schedule(1.0, 0.0, 10, transition_begin=5), steps),
        [1, 1, 1, 0.5, 0, 0, 0],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        _vals(optim.exponential_decay(1.0, 10, 0.5), steps),
        [0.5 ** (s / 10) for s in steps],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        _vals(optim.exponential_decay(1.0, 10, 0.5, staircase=True, end_value=0.1), steps),
        [1, 1, 1, 0.5, 0.25, 0.1, 0.1],
        rtol=1e-5,
    )
    cos = optim.cosine_decay_schedule(2.0, 100, alpha=0.1)
    np.testing.assert_allclose(
        _vals(cos, steps),
        [2 * (0.9 * 0.5 * (1 + np.cos(np.pi * min(s, 100) / 100)) + 0.1) for s in steps],
        rtol=1e-5,
    )
    wc = optim.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110, end_value=0.1)
    v = _vals(wc, [0, 5, 10, 60, 110, 200])
    np.testing.assert_allclose(v, [0, 0.5, 1.0, 0.55, 0.1, 0.1], atol=1e-5)
    pc = optim.piecewise_constant_schedule(1.0, {5: 0.5, 10: 0.1})
    np.testing.assert_allclose(_vals(pc, steps), [1, 1, 0.5, 0.05, 0.05, 0.05, 0.05], rtol=1e-6)
    # schedules work on traced counts
    np.testing.assert_allclose(float(jtrans.jit(cos)(jnp.asarray(50))), float(cos(50)), rtol=1e-6)


def test_training_converges():
    # minimise a quadratic with each optimizer, jitted end to end
    target = {"w": jnp.array([1.0, -2.0]), "b": jnp.array(3.0)}

    def loss(p):
        return sum(jnp.sum((p[k] - target[k]) ** 2) for k in p)

    for opt in (
        optim.sgd(0.1, 0.9),
        optim.adam(0.1),
        optim.rmsprop(0.05),
        optim.adamw(0.1, weight_decay=0.0),
    ):
        params = {"w": jnp.zeros(2), "b": jnp.array(0.0)}
        state = opt.init(params)

        @jtrans.jit
        def step(params, state, opt=opt):
            g = jtrans.grad(loss)(params)
            u, state = opt.update(g, state, params)
            return optim.apply_updates(params, u), state

        for _ in range(200):
            params, state = step(params, state)
        assert float(loss(params)) < 1e-3, opt


def test_add_decayed_weights_needs_params():
    with pytest.raises(ValueError, match="params"):
        optim.add_decayed_weights(0.1).update({"w": jnp.zeros(2)}, optim.EmptyState())
