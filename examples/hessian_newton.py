"""Hessian-vector products three ways (forward-over-reverse, reverse-over-reverse, and the full
`jtrans.hessian`), then Newton's method for L2-regularised logistic regression, with each Newton
direction found by conjugate gradients using only Hessian-vector products.

    python examples/hessian_newton.py [--quick]
"""

import argparse

import numpy as np

import jtrans
import jtrans.numpy as jnp
from jtrans import nn


def make_data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    y = (x @ w_true + 0.5 * rng.normal(size=n) > 0).astype(np.float64)
    return x, y


def loss(w, x, y, l2=1e-2):
    z = x @ w
    # mean of log(1 + exp(z)) - y z, stably, plus a ridge term
    return jnp.mean(nn.softplus(z) - y * z) + 0.5 * l2 * jnp.sum(w**2)


def hvp_fwd_rev(f, w, v):
    """H v as the JVP of the gradient (forward-over-reverse): one extra forward pass."""
    return jtrans.jvp(jtrans.grad(f), (w,), (v,))[1]


def hvp_rev_rev(f, w, v):
    """H v as the gradient of <grad f, v> (reverse-over-reverse)."""
    return jtrans.grad(lambda w: jnp.vdot(jtrans.grad(f)(w), v))(w)


def conjugate_gradient(matvec, b, iters, rtol=1e-10):
    """Solve A x = b for symmetric positive definite A, given only x -> A x."""
    x = jnp.zeros_like(b)
    r = b
    p = r
    rs = jnp.vdot(r, r)
    tol = float(rs) * rtol**2
    for _ in range(iters):
        ap = matvec(p)
        alpha = rs / jnp.vdot(p, ap)
        x = x + alpha * p
        r = r - alpha * ap
        rs_new = jnp.vdot(r, r)
        if float(rs_new) < tol:
            break
        p = r + (rs_new / rs) * p
        rs = rs_new
    return x


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    jtrans.config.update("jax_enable_x64", True)  # Newton's method converges to float64 precision
    n, d = (200, 8) if args.quick else (2000, 30)
    x, y = make_data(n, d)
    f = lambda w: loss(w, x, y)

    w = jnp.asarray(np.random.default_rng(1).normal(size=d) * 0.1)
    v = jnp.asarray(np.random.default_rng(2).normal(size=d))
    h1 = jtrans.jit(lambda w, v: hvp_fwd_rev(f, w, v))(w, v)
    h2 = jtrans.jit(lambda w, v: hvp_rev_rev(f, w, v))(w, v)
    h3 = jtrans.hessian(f)(w) @ v
    print("Hessian-vector products agree:")
    print(f"  |fwd-over-rev - full Hessian| = {float(jnp.max(jnp.abs(h1 - h3))):.2e}")
    print(f"  |rev-over-rev - full Hessian| = {float(jnp.max(jnp.abs(h2 - h3))):.2e}")

    grad_f = jtrans.jit(jtrans.grad(f))
    hvp = jtrans.jit(lambda w, v: hvp_fwd_rev(f, w, v))
    w = jnp.zeros(d)
    print("Newton's method (CG on Hessian-vector products):")
    for it in range(8):
        g = grad_f(w)
        gnorm = float(jnp.linalg.norm(g))
        print(f"  iter {it}: loss {float(f(w)):.12f}  |grad| {gnorm:.3e}")
        if gnorm < 1e-10:
            break
        step = conjugate_gradient(lambda p, w=w: hvp(w, p), -g, iters=2 * d)
        w = w + step
    return gnorm


if __name__ == "__main__":
    main()
