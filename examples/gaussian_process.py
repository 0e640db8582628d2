"""Gaussian-process regression with its hyperparameters (mean, noise, output scale,
lengthscale) fitted by maximising the log marginal likelihood with gradients: the classic
Autograd example, with `jit(value_and_grad)` handing exact gradients to SciPy's L-BFGS.

    python examples/gaussian_process.py [--quick] [--plot out.png]
"""

import argparse
import math

import numpy as np
import scipy.optimize

import jtrans
import jtrans.numpy as jnp


def rbf_covariance(log_scale, log_lengthscale, x, xp):
    diffs = (x[:, None, :] - xp[None, :, :]) / jnp.exp(log_lengthscale)
    return jnp.exp(log_scale) * jnp.exp(-0.5 * jnp.sum(diffs**2, axis=2))


def unpack(params):
    mean, log_noise, log_scale, log_lengthscale = params[0], params[1], params[2], params[3]
    return mean, jnp.exp(log_noise) + 1e-4, log_scale, log_lengthscale


def log_marginal_likelihood(params, x, y):
    """log N(y | mean, K(x, x) + noise I), through a Cholesky factorisation."""
    mean, noise, log_scale, log_len = unpack(params)
    n = y.shape[0]
    cov = rbf_covariance(log_scale, log_len, x, x) + noise * jnp.eye(n)
    chol = jnp.linalg.cholesky(cov)
    r = y - mean
    alpha = jnp.linalg.solve(cov, r)
    log_det = 2 * jnp.sum(jnp.log(jnp.diagonal(chol)))
    return -0.5 * jnp.dot(r, alpha) - 0.5 * log_det - 0.5 * n * math.log(2 * math.pi)


def predict(params, x, y, xstar):
    """The posterior mean and variance at xstar."""
    mean, noise, log_scale, log_len = unpack(params)
    cov_f_f = rbf_covariance(log_scale, log_len, xstar, xstar)
    cov_y_f = rbf_covariance(log_scale, log_len, x, xstar)
    cov_y_y = rbf_covariance(log_scale, log_len, x, x) + noise * jnp.eye(y.shape[0])
    pred_mean = mean + cov_y_f.T @ jnp.linalg.solve(cov_y_y, y - mean)
    pred_cov = cov_f_f - cov_y_f.T @ jnp.linalg.solve(cov_y_y, cov_y_f)
    return pred_mean, jnp.diagonal(pred_cov)


def toy_dataset(n=20, noise_std=0.1, seed=0):
    rs = np.random.RandomState(seed)
    x = np.concatenate([np.linspace(0, 3, n // 2), np.linspace(6, 8, n - n // 2)])
    y = (np.cos(x) + rs.randn(n) * noise_std) / 2.0
    return ((x - 4.0) / 2.0).reshape(-1, 1), y


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--plot", default=None, help="write the fit to this PNG (needs matplotlib)")
    args = ap.parse_args(argv)
    jtrans.config.update("jax_enable_x64", True)
    x, y = toy_dataset()

    objective = jtrans.jit(jtrans.value_and_grad(lambda p: -log_marginal_likelihood(p, x, y)))

    def fun(p):
        v, g = objective(p)
        return float(v), np.asarray(g, np.float64)

    init = 0.1 * np.random.RandomState(1).randn(4)
    print(f"initial log marginal likelihood {-fun(init)[0]:.4f}")
    res = scipy.optimize.minimize(fun, init, jac=True, method="L-BFGS-B",
                                  options={"maxiter": 10 if args.quick else 200})  # fmt: skip
    mean, noise, log_scale, log_len = unpack(jnp.asarray(res.x))
    print(f"fitted log marginal likelihood {-res.fun:.4f} after {res.nit} L-BFGS iterations")
    print(f"  mean {float(mean):.3f}, noise variance {float(noise):.4f}, "
          f"output scale {math.exp(float(log_scale)):.3f}, lengthscale {math.exp(float(log_len)):.3f}")  # fmt: skip
    xs = np.linspace(-3, 3, 7).reshape(-1, 1)
    m, v = predict(jnp.asarray(res.x), x, y, xs)
    for xi, mi, vi in zip(xs[:, 0], np.asarray(m), np.asarray(v)):
        print(f"  f({xi:+.1f}) = {mi:+.3f} +- {2 * math.sqrt(max(vi, 0)):.3f}")
    if args.plot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed: no plot")
            return -res.fun
        grid = np.linspace(-3, 3, 200).reshape(-1, 1)
        m, v = map(np.asarray, predict(jnp.asarray(res.x), x, y, grid))
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.fill_between(
            grid[:, 0],
            m - 2 * np.sqrt(np.maximum(v, 0)),
            m + 2 * np.sqrt(np.maximum(v, 0)),
            alpha=0.3,
        )
        ax.plot(grid[:, 0], m, "b")
        ax.plot(x[:, 0], y, "kx")
        ax.set_title("GP posterior with fitted hyperparameters")
        fig.savefig(args.plot, dpi=100)
        print(f"plot written to {args.plot}")
    return -res.fun


if __name__ == "__main__":
    main()
