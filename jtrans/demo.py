"""python -m jtrans.demo: what jtrans does, in about a minute.

1. Trains an MLP classifier on the handwritten digits that scikit-learn ships (no download) with
   `jit(value_and_grad(loss))` and `jtrans.optim.adam`, with a progress bar, and reports the
   test accuracy. Without scikit-learn it uses a generated dataset and says so.
2. Per-example gradient norms with `vmap(grad)`, and a DP-SGD-style clipped, noised step.
3. Derivatives of tanh to the 6th order by nesting `grad`, plotted to a PNG (with matplotlib).
4. A short timing table against hand-written NumPy.

Options: --quick (fewer steps; for smoke tests), --steps N, --out DIR (where the plot goes),
--seed S.
"""

import argparse
import math
import os
import sys
import time

import numpy as np

import jtrans
import jtrans.numpy as jnp
from jtrans import nn, optim, random

NUM_CLASSES = 10


# ---------------------------------------------------------------------------------------------
# data


def load_data(seed=0):
    """(x_train, y_train, x_test, y_test, description): the 8x8 digits (1797 images, 64 pixels
    scaled to [0, 1]) split 80/20, or a generated stand-in when scikit-learn is missing."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        x, y = _generated_digits(seed)
        desc = (
            "scikit-learn is not installed (pip install 'jtrans[demo]' adds it), so this demo "
            f"uses a GENERATED dataset: {len(x)} noisy 8x8 images of 10 random prototypes"
        )
    else:
        d = load_digits()
        x, y = d.data / 16.0, d.target
        desc = f"the handwritten digits shipped with scikit-learn: {len(x)} 8x8 images"
    x = x.astype(np.float32)
    y = y.astype(np.int32)
    perm = np.random.default_rng(seed).permutation(len(x))
    x, y = x[perm], y[perm]
    n_train = int(0.8 * len(x))
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:], desc


def _generated_digits(seed, n=1797):
    rng = np.random.default_rng(seed + 1)
    prototypes = (rng.random((NUM_CLASSES, 64)) < 0.35).astype(np.float64)
    y = rng.integers(0, NUM_CLASSES, n)
    flips = rng.random((n, 64)) < 0.12
    x = np.abs(prototypes[y] - flips) * rng.uniform(0.6, 1.0, (n, 64))
    return x, y


# ---------------------------------------------------------------------------------------------
# the model


def init_mlp(key, sizes):
    params = []
    keys = random.split(key, len(sizes) - 1)
    for k, m, n in zip(keys, sizes[:-1], sizes[1:]):
        params.append((nn.initializers.he_normal()(k, (m, n)), jnp.zeros(n)))
    return params


def predict(params, x):
    for w, b in params[:-1]:
        x = nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss_and_accuracy(params, x, y):
    logits = predict(params, x)
    loss = -jnp.mean(jnp.sum(nn.one_hot(y, NUM_CLASSES) * nn.log_softmax(logits), axis=-1))
    return loss, jnp.mean(jnp.argmax(logits, axis=-1) == y)


def loss_one(params, x, y):
    """The loss of a single example (x: [64], y: a scalar label)."""
    return -jnp.sum(nn.one_hot(y, NUM_CLASSES) * nn.log_softmax(predict(params, x)))


# ---------------------------------------------------------------------------------------------
# a plain-text progress bar


class ProgressBar:
    """`[#######-------]  120/300  loss 0.123  acc 0.969  85.2 steps/s`, redrawn in place with
    a carriage return on a terminal; on a pipe, one line per tenth of the run."""

    def __init__(self, total, width=28, stream=None):
        self.total, self.width = total, width
        self.stream = stream or sys.stdout
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.start = time.perf_counter()
        self.last_line = -1

    def update(self, step, **metrics):
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        done = int(self.width * step / self.total)
        bar = "#" * done + "-" * (self.width - done)
        stats = "  ".join(
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items()
        )
        line = f"[{bar}] {step:>{len(str(self.total))}}/{self.total}  {stats}  {step / elapsed:6.1f} steps/s"
        if self.tty:
            self.stream.write("\r" + line)
            self.stream.flush()
        else:
            tenth = (10 * step) // self.total
            if tenth != self.last_line:
                self.last_line = tenth
                self.stream.write(line + "\n")
                self.stream.flush()

    def close(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


# ---------------------------------------------------------------------------------------------
# the sections


def train(data, steps, seed, batch_size=128, learning_rate=3e-3):
    x_train, y_train, x_test, y_test, _ = data
    params = init_mlp(random.PRNGKey(seed), (64, 128, NUM_CLASSES))
    opt = optim.adam(learning_rate)
    opt_state = opt.init(params)

    @jtrans.jit
    def step(params, opt_state, x, y):
        (loss, acc), grads = jtrans.value_and_grad(loss_and_accuracy, has_aux=True)(params, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optim.apply_updates(params, updates), opt_state, loss, acc

    rng = np.random.default_rng(seed)
    bar = ProgressBar(steps)
    order, pos = rng.permutation(len(x_train)), 0
    for i in range(1, steps + 1):
        if pos + batch_size > len(order):  # a new epoch
            order, pos = rng.permutation(len(x_train)), 0
        idx = order[pos : pos + batch_size]
        pos += batch_size
        params, opt_state, loss, acc = step(params, opt_state, x_train[idx], y_train[idx])
        bar.update(i, loss=float(loss), acc=float(acc))
    bar.close()
    _, test_acc = jtrans.jit(loss_and_accuracy)(params, x_test, y_test)
    return params, float(test_acc)


def per_example_gradients(params, x, y, seed, clip_norm=1.0, noise_multiplier=1.1):
    per_ex = jtrans.jit(jtrans.vmap(jtrans.grad(loss_one), in_axes=(None, 0, 0)))
    grads = per_ex(params, x, y)
    leaves = jtrans.tree_leaves(grads)
    norms = jnp.sqrt(sum(jnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in leaves))
    # the mean of the per-example gradients is the batch gradient
    batch = jtrans.grad(lambda p: jnp.mean(jtrans.vmap(loss_one, (None, 0, 0))(p, x, y)))(params)
    mean_err = max(
        float(jnp.max(jnp.abs(jnp.mean(g, axis=0) - b)))
        for g, b in zip(leaves, jtrans.tree_leaves(batch))
    )
    # DP-SGD: clip each example's gradient to clip_norm, sum, add Gaussian noise, average
    factor = jnp.minimum(1.0, clip_norm / (norms + 1e-12))
    clipped = [g * factor.reshape((-1,) + (1,) * (g.ndim - 1)) for g in leaves]
    clipped_norms = jnp.sqrt(sum(jnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in clipped))
    keys = random.split(random.PRNGKey(seed), len(clipped))
    noisy = [
        (jnp.sum(g, axis=0) + noise_multiplier * clip_norm * random.normal(k, g.shape[1:]))
        / g.shape[0]
        for g, k in zip(clipped, keys)
    ]
    return np.asarray(norms), np.asarray(clipped_norms), mean_err, noisy


def tanh_derivatives(order=6, num=300):
    x = np.linspace(-7.0, 7.0, num, dtype=np.float32)
    fns = [jnp.tanh]
    for _ in range(order):
        fns.append(jtrans.grad(fns[-1]))
    ys = [np.asarray(jtrans.jit(jtrans.vmap(f))(x)) for f in fns]
    return x, ys


def plot_derivatives(x, ys, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for n, y in enumerate(ys):
        ax.plot(x, y, label="tanh" if n == 0 else f"d{n}/dx{n}" if n > 1 else "d/dx")
    ax.set_title("tanh and its first six derivatives (nested jtrans.grad)")
    ax.set_xlabel("x")
    ax.legend(ncol=2, fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _numpy_mlp_grad(params, x, y):
    (w1, b1), (w2, b2) = params
    h_pre = x @ w1 + b1
    h = np.maximum(h_pre, 0)
    logits = h @ w2 + b2
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    onehot = np.eye(NUM_CLASSES, dtype=x.dtype)[y]
    loss = -np.mean(np.sum(onehot * np.log(p + 1e-30), axis=1))
    d_logits = (p - onehot) / x.shape[0]
    d_h = (d_logits @ w2.T) * (h_pre > 0)
    return loss, ((x.T @ d_h, d_h.sum(0)), (h.T @ d_logits, d_logits.sum(0)))


def _time(f, repeat, budget=0.3):
    """The best time of at least `repeat` runs, more while within `budget` seconds (the minimum
    is the least disturbed by other work on the machine)."""
    f()  # warm up (traces and compiles jitted functions)
    best, start, n = math.inf, time.perf_counter(), 0
    while n < repeat or (time.perf_counter() - start < budget and n < 200):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
        n += 1
    return best


def timing_table(params, x, y, repeat=5):
    np_params = [(np.asarray(w), np.asarray(b)) for w, b in params]
    xb, yb = x[:128], y[:128]
    fwd = jtrans.jit(predict)
    vg = jtrans.jit(jtrans.value_and_grad(lambda p, x, y: loss_and_accuracy(p, x, y)[0]))
    per_ex = jtrans.jit(jtrans.vmap(jtrans.grad(loss_one), in_axes=(None, 0, 0)))

    def np_forward():
        h = np.maximum(x @ np_params[0][0] + np_params[0][1], 0)
        return h @ np_params[1][0] + np_params[1][1]

    def np_per_example():
        return [_numpy_mlp_grad(np_params, xb[i : i + 1], yb[i : i + 1]) for i in range(32)]

    rows = [
        (f"MLP forward, {x.shape[0]} examples", lambda: jtrans.block_until_ready(fwd(params, x)), np_forward),
        ("loss + gradient, batch 128", lambda: jtrans.block_until_ready(vg(params, xb, yb)),
         lambda: _numpy_mlp_grad(np_params, xb, yb)),
        ("per-example gradients, 32 examples",
         lambda: jtrans.block_until_ready(per_ex(params, xb[:32], yb[:32])), np_per_example),
    ]  # fmt: skip
    print(f"  {'operation':<38}{'jtrans (jit)':>14}{'NumPy':>12}")
    for name, f_jt, f_np in rows:
        t_jt, t_np = _time(f_jt, repeat), _time(f_np, repeat)
        print(f"  {name:<38}{t_jt * 1e3:>11.2f} ms{t_np * 1e3:>9.2f} ms")
    print("  (NumPy: hand-written forward and backward passes; the per-example NumPy row loops)")


# ---------------------------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m jtrans.demo", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a fast smoke run (fewer steps)")
    ap.add_argument("--steps", type=int, default=None, help="training steps (default 300)")
    ap.add_argument("--out", default=".", help="directory for tanh_derivatives.png")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    steps = args.steps or (40 if args.quick else 300)
    t_start = time.perf_counter()

    print("jtrans demo: composable transformations (grad, vmap, jit) of NumPy programs\n")
    data = load_data(args.seed)
    x_train, y_train, x_test, y_test, desc = data
    print(f"1. Training an MLP 64-128-10 on {desc}")
    print(f"   ({len(x_train)} for training, {len(x_test)} for testing), with")
    print("   jit(value_and_grad(loss)) and jtrans.optim.adam(3e-3), minibatches of 128:")
    params, test_acc = train(data, steps, args.seed)
    print(f"   test accuracy: {100 * test_acc:.1f}%  ({len(x_test)} held-out images)\n")

    print("2. Per-example gradients with vmap(grad(loss_one)), and a DP-SGD step")
    norms, clipped, err, _ = per_example_gradients(params, x_train[:64], y_train[:64], args.seed)
    q = np.percentile(norms, [0, 50, 100])
    print(
        f"   per-example gradient norms of 64 examples: min {q[0]:.3g}, median {q[1]:.3g}, max {q[2]:.3g}"
    )
    print(f"   clipped to 1.0: max {clipped.max():.3g}; then summed, noised (sigma 1.1), averaged")
    print(
        f"   (check: the mean of the per-example gradients equals the batch gradient to {err:.1e})\n"
    )

    print("3. Derivatives of tanh to the 6th order, by nesting grad six times")
    x, ys = tanh_derivatives(num=100 if args.quick else 300)
    i = int(np.argmin(np.abs(x - 0.5)))
    print(f"   at x = {x[i]:.3f}: " + ", ".join(f"d{n}={ys[n][i]:.4g}" for n in range(len(ys))))
    os.makedirs(args.out, exist_ok=True)
    path = plot_derivatives(x, ys, os.path.join(args.out, "tanh_derivatives.png"))
    if path:
        print(f"   plot written to {path}\n")
    else:
        print("   (matplotlib is not installed: no plot; pip install 'jtrans[demo]')\n")

    print("4. Timings (best of a few runs)")
    timing_table(params, x_test, y_test, repeat=2 if args.quick else 5)
    print(f"\nDone in {time.perf_counter() - t_start:.1f} s. Test accuracy {100 * test_acc:.1f}%.")
    return test_acc


if __name__ == "__main__":
    main()
