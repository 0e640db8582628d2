"""An MLP classifier on the 8x8 handwritten digits that scikit-learn ships (or a generated
stand-in without scikit-learn), trained with a jitted step: gradient clipping, AdamW and a
warmup-cosine learning-rate schedule chained from jtrans.optim.

    python examples/mlp_digits.py [--quick]
"""

import argparse
import time

import numpy as np

import jtrans
import jtrans.numpy as jnp
from jtrans import nn, optim, random
from jtrans.demo import load_data


def init_params(key, sizes):
    keys = random.split(key, len(sizes) - 1)
    return [
        {"w": nn.initializers.lecun_normal()(k, (m, n)), "b": jnp.zeros(n)}
        for k, m, n in zip(keys, sizes[:-1], sizes[1:])
    ]


def predict(params, x):
    for layer in params[:-1]:
        x = nn.gelu(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params, x, y):
    logits = predict(params, x)
    return -jnp.mean(jnp.sum(nn.one_hot(y, 10) * nn.log_softmax(logits), axis=-1))


def accuracy(params, x, y):
    return jnp.mean(jnp.argmax(predict(params, x), axis=-1) == y)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    steps = 40 if args.quick else 300

    x_train, y_train, x_test, y_test, desc = load_data()
    print(f"data: {desc}")
    schedule = optim.warmup_cosine_decay_schedule(0.0, 5e-3, steps // 10, steps, end_value=1e-4)
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adamw(schedule, weight_decay=1e-4))
    params = init_params(random.PRNGKey(0), (64, 96, 96, 10))
    state = opt.init(params)

    @jtrans.jit
    def step(params, state, x, y):
        loss, grads = jtrans.value_and_grad(loss_fn)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state, loss

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for i in range(steps):
        idx = rng.choice(len(x_train), 128, replace=False)
        params, state, loss = step(params, state, x_train[idx], y_train[idx])
        if i % max(1, steps // 5) == 0 or i == steps - 1:
            print(f"step {i:4d}  loss {float(loss):.4f}  lr {float(schedule(i)):.2e}")
    acc = float(jtrans.jit(accuracy)(params, x_test, y_test))
    print(f"test accuracy {100 * acc:.1f}% after {steps} steps ({time.perf_counter() - t0:.1f} s)")
    return acc


if __name__ == "__main__":
    main()
