"""Random elementwise / broadcast / reduce / dot programs: jit against eager (fixed seed,
bounded budget)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import jtrans
import jtrans.lowering  # noqa: F401  (registers the compiler)
import jtrans.numpy as jnp

UNARY = [jnp.tanh, jnp.exp, jnp.sin, jnp.cos, jnp.abs, jnp.negative, lambda x: jnp.log1p(x * x),
         lambda x: jnp.maximum(x, 0.0), jnp.square]  # fmt: skip
BINARY = [jnp.add, jnp.subtract, jnp.multiply, lambda a, b: a / (1.0 + b * b), jnp.maximum,
          jnp.minimum]  # fmt: skip


@st.composite
def programs(draw):
    m, n = draw(st.integers(0, 5)), draw(st.integers(1, 5))
    ops = draw(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 8), st.integers(0, 8)),
                        min_size=1, max_size=8))  # fmt: skip
    return m, n, ops


def build(m, n, ops):
    def f(x, y, w):
        vals = [x, y]  # x: (m, n), y: (n,) broadcasts against x
        for kind, i, j in ops:
            a, b = vals[i % len(vals)], vals[j % len(vals)]
            if kind == 0:
                vals.append(UNARY[i % len(UNARY)](a))
            elif kind == 1:
                vals.append(BINARY[j % len(BINARY)](a, b))
            elif kind == 2 and np.ndim(a) == 2:
                vals.append(jnp.sum(a, axis=i % 2, keepdims=True) * b)
            elif kind == 3 and np.ndim(a) == 2:
                vals.append(jnp.tanh(a @ w) @ w.T)  # (m, n) @ (n, n)
            else:
                vals.append(a.T.T if i % 2 else jnp.max(a, axis=-1, keepdims=True) + b)
        return vals[-1], jnp.sum(vals[-1])

    return f


@settings(derandomize=True, max_examples=50, deadline=None)
@given(programs())
def test_random_programs(prog):
    m, n, ops = prog
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (m, n)).astype(np.float32)
    y = rng.uniform(-1, 1, (n,)).astype(np.float32)
    w = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    f = build(m, n, ops)
    for o, r in zip(jtrans.jit(f)(x, y, w), f(x, y, w)):
        np.testing.assert_allclose(np.asarray(o), np.asarray(r), rtol=2e-4, atol=2e-4)
