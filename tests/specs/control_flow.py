"""OpSpecs for structured control flow: cond, switch, scan (forward and reverse), map,
fori_loop (static bounds: a scan) and while_loop bounded by max_steps (reverse-differentiable).
Under vmap a batched cond predicate becomes a select; a batched while predicate runs until
every lane is done."""

import numpy as np

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import F32, F64, OpSpec


def _cond(x, y):
    return lax.cond(jnp.sum(x) > 0, lambda a, b: jnp.sin(a) * b, lambda a, b: a * a + b, x, y)


def _cond_ref(x, y):
    return np.sin(x) * y if np.sum(x) > 0 else x * x + y


_BRANCHES = [lambda x: jnp.sin(x), lambda x: x * x, lambda x: jnp.exp(x) - x]
_BRANCHES_NP = [np.sin, lambda x: x * x, lambda x: np.exp(x) - x]


def _switch(i, x):
    return lax.switch(i, _BRANCHES, x)


def _switch_ref(i, x):
    return _BRANCHES_NP[int(np.clip(i, 0, 2))](x)


def _switch_args(rng, shapes, dtype):
    return [np.int32(rng.integers(-1, 4)), rng.uniform(-1, 1, size=shapes[1]).astype(dtype)]


def _rnn(w, h0, xs, reverse=False):
    def step(h, x):
        h = jnp.tanh(w * h + x)
        return h, h * h

    h, ys = lax.scan(step, h0, xs, reverse=reverse)
    return h, ys


def _rnn_ref(w, h0, xs, reverse=False):
    h, ys = h0, [None] * len(xs)
    for t in reversed(range(len(xs))) if reverse else range(len(xs)):
        h = np.tanh(w * h + xs[t])
        ys[t] = h * h
    dtype = np.result_type(w, h0, xs)
    ys = np.stack(ys) if len(xs) else np.zeros((0,) + np.shape(h0), dtype)
    return np.asarray(h, dtype), np.asarray(ys, dtype)


def _fori(x):
    return lax.fori_loop(0, 4, lambda i, c: jnp.sin(c) * x + i, jnp.ones_like(x))


def _fori_ref(x):
    c = np.ones_like(x)
    for i in range(4):
        c = np.sin(c) * x + i
    return c.astype(x.dtype)


def _newton_sqrt(a):
    def cond(c):
        i, x = c
        return (jnp.max(jnp.abs(x * x - a) / a) > 1e-9) & (i < 40)

    return lax.while_loop(
        cond, lambda c: (c[0] + 1, 0.5 * (c[1] + a / c[1])), (0, a), max_steps=40
    )[1]


RNN_SHAPES = [((3,), (3,), (4, 3)), ((), (), (5,)), ((2,), (2,), (0, 2)), ((), (2,), (3, 2))]

SPECS = [
    OpSpec(
        "lax.cond",
        _cond,
        _cond_ref,
        [((3,), (3,)), ((), ()), ((2, 3), (2, 3)), ((2,), ())],
        dtypes=(F32, F64),
    ),
    OpSpec(
        "lax.switch",
        _switch,
        _switch_ref,
        [((), (3,)), ((), ()), ((), (0,))],
        args_maker=_switch_args,
        nondiff_argnums=(0,),
    ),
    OpSpec("lax.scan", _rnn, _rnn_ref, RNN_SHAPES, dtypes=(F32, F64), domain=(-1.0, 1.0)),
    OpSpec(
        "lax.scan.reverse",
        lambda w, h, xs: _rnn(w, h, xs, True),
        lambda w, h, xs: _rnn_ref(w, h, xs, True),
        RNN_SHAPES[:2],
        domain=(-1.0, 1.0),
    ),
    OpSpec(
        "lax.map",
        lambda xs: lax.map(lambda x: jnp.sin(x) * jnp.sum(x), xs),
        lambda xs: (
            np.stack([np.sin(x) * np.sum(x) for x in xs])
            if len(xs)
            else np.zeros(xs.shape, xs.dtype)
        ),
        [((4,),), ((3, 2),), ((0, 2),)],
    ),
    OpSpec("lax.fori_loop", _fori, _fori_ref, [((),), ((3,),), ((2, 2),)], domain=(-1.0, 1.0)),
    OpSpec(
        "lax.while_loop.max_steps",
        _newton_sqrt,
        np.sqrt,
        [((),), ((3,),)],
        domain=(0.5, 4.0),
        dtypes=(F32, F64),
    ),
    OpSpec(
        "lax.select",
        lax.select,
        np.where,
        [((3,), (3,), (3,)), ((), (), ())],
        args_maker=lambda rng, shapes, dt: [
            rng.uniform(size=shapes[0]) > 0.5,
            rng.normal(size=shapes[1]).astype(dt),
            rng.normal(size=shapes[2]).astype(dt),
        ],
        nondiff_argnums=(0,),
    ),
]
