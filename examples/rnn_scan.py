"""A small Elman RNN written with `lax.scan`, trained with Adam to predict the next value of
noisy sine waves of random frequency and phase; gradients flow back through the scan.

    python examples/rnn_scan.py [--quick]
"""

import argparse

import numpy as np

import jtrans
import jtrans.numpy as jnp
from jtrans import lax, nn, optim, random


def init_params(key, hidden):
    k1, k2, k3 = random.split(key, 3)
    return {
        "w_x": nn.initializers.glorot_normal()(k1, (1, hidden)),
        "w_h": nn.initializers.orthogonal()(k2, (hidden, hidden))
        if hasattr(jnp.linalg, "qr")
        else nn.initializers.glorot_normal()(k2, (hidden, hidden)),
        "b": jnp.zeros(hidden),
        "w_out": nn.initializers.glorot_normal()(k3, (hidden, 1)),
        "b_out": jnp.zeros(1),
    }


def rnn(params, xs):
    """xs: [time, batch, 1] -> predictions [time, batch, 1]."""

    def cell(h, x):
        h = jnp.tanh(x @ params["w_x"] + h @ params["w_h"] + params["b"])
        return h, h @ params["w_out"] + params["b_out"]

    h0 = jnp.zeros((xs.shape[1], params["w_h"].shape[0]))
    _, ys = lax.scan(cell, h0, xs)
    return ys


def loss_fn(params, xs, targets):
    return jnp.mean((rnn(params, xs) - targets) ** 2)


def make_batch(rng, batch, length):
    freq = rng.uniform(0.1, 0.4, size=(1, batch, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(1, batch, 1))
    t = np.arange(length + 1).reshape(-1, 1, 1)
    s = np.sin(freq * t + phase) + 0.05 * rng.normal(size=(length + 1, batch, 1))
    s = s.astype(np.float32)
    return s[:-1], s[1:]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    steps, length, hidden = (30, 20, 16) if args.quick else (300, 40, 32)

    params = init_params(random.PRNGKey(0), hidden)
    opt = optim.adam(1e-2)
    state = opt.init(params)

    @jtrans.jit
    def step(params, state, xs, ys):
        loss, grads = jtrans.value_and_grad(loss_fn)(params, xs, ys)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state, loss

    rng = np.random.default_rng(0)
    x_val, y_val = make_batch(np.random.default_rng(123), 64, length)
    first = float(loss_fn(params, x_val, y_val))
    for i in range(steps):
        xs, ys = make_batch(rng, 32, length)
        params, state, loss = step(params, state, xs, ys)
        if i % max(1, steps // 5) == 0:
            print(f"step {i:4d}  train mse {float(loss):.4f}")
    last = float(jtrans.jit(loss_fn)(params, x_val, y_val))
    print(f"validation mse: {first:.4f} before training, {last:.4f} after {steps} steps")
    return first, last


if __name__ == "__main__":
    main()
