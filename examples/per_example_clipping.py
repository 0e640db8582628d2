"""Differentially-private-style SGD (Abadi et al., 2016): per-example gradients with
`vmap(grad)`, each clipped to a maximum norm, summed, noised with Gaussian noise and averaged.
A softmax-regression classifier on the digits; compares with plain (unclipped) SGD.

    python examples/per_example_clipping.py [--quick]
"""

import argparse

import numpy as np

import jtrans
import jtrans.numpy as jnp
from jtrans import nn, optim, random
from jtrans.demo import load_data
from jtrans.tree_util import tree_leaves, tree_map


def loss_one(params, x, y):
    logits = x @ params["w"] + params["b"]
    return -jnp.sum(nn.one_hot(y, 10) * nn.log_softmax(logits))


def accuracy(params, x, y):
    return jnp.mean(jnp.argmax(x @ params["w"] + params["b"], axis=-1) == y)


def private_grad(params, x, y, key, clip_norm, noise_multiplier):
    """The DP-SGD gradient of a batch: clip each example's gradient, sum, add noise, average."""
    grads = jtrans.vmap(jtrans.grad(loss_one), in_axes=(None, 0, 0))(params, x, y)
    sq = sum(jnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in tree_leaves(grads))
    factor = jnp.minimum(1.0, clip_norm / (jnp.sqrt(sq) + 1e-12))  # one per example
    clipped = tree_map(lambda g: g * factor.reshape((-1,) + (1,) * (g.ndim - 1)), grads)
    leaves, treedef = jtrans.tree_flatten(clipped)
    keys = random.split(key, len(leaves))
    noisy = [
        (jnp.sum(g, axis=0) + noise_multiplier * clip_norm * random.normal(k, g.shape[1:]))
        / x.shape[0]
        for g, k in zip(leaves, keys)
    ]
    return jtrans.tree_unflatten(treedef, noisy), jnp.sqrt(sq)


def train(data, steps, private, clip_norm=1.0, noise_multiplier=1.0, batch=128, lr=0.5):
    x_train, y_train, x_test, y_test, _ = data
    params = {"w": jnp.zeros((64, 10)), "b": jnp.zeros(10)}
    opt = optim.sgd(lr, momentum=0.9)
    state = opt.init(params)

    @jtrans.jit
    def step(params, state, x, y, key):
        if private:
            grads, norms = private_grad(params, x, y, key, clip_norm, noise_multiplier)
        else:
            grads = jtrans.grad(lambda p: jnp.mean(jtrans.vmap(loss_one, (None, 0, 0))(p, x, y)))(
                params
            )
            norms = jnp.zeros(x.shape[0])
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state, norms

    rng = np.random.default_rng(0)
    key = random.PRNGKey(0)
    for i in range(steps):
        key, sub = random.split(key)
        idx = rng.choice(len(x_train), batch, replace=False)
        params, state, norms = step(params, state, x_train[idx], y_train[idx], sub)
        if private and i in (0, steps - 1):
            n = np.asarray(norms)
            print(f"  step {i}: per-example grad norms median {np.median(n):.3f}, max {n.max():.3f}"
                  f", clipped to {clip_norm}")  # fmt: skip
    return float(jtrans.jit(accuracy)(params, x_test, y_test))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    steps = 15 if args.quick else 150
    data = load_data()
    print(f"data: {data[4]}")
    acc_plain = train(data, steps, private=False)
    print(f"plain SGD:   test accuracy {100 * acc_plain:.1f}%")
    acc_dp = train(data, steps, private=True)
    print(f"DP-SGD:      test accuracy {100 * acc_dp:.1f}% (clip 1.0, noise multiplier 1.0)")
    return acc_plain, acc_dp


if __name__ == "__main__":
    main()
