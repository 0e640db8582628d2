"""OpSpecs for the jtrans.nn functions added for JAX parity (attention, activations, logmeanexp)
against NumPy formulas written from their definitions."""

import math

import numpy as np

from jtrans import nn

from ..opspecs import F32, F64, OpSpec

U = [((),), ((3,),), ((2, 3),), ((0,),)]
R = [((3,),), ((2, 3),), ((2, 3, 4),)]
FLOATS = (F32, F64)


def _softplus(x):
    return np.logaddexp(x, 0)


def _lse(x, axis, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _logmeanexp_ref(x, axis=None, keepdims=False):
    axes = tuple(range(x.ndim)) if axis is None else (axis,)
    n = math.prod(x.shape[a] for a in axes)
    return (_lse(x.astype(F64), axes, keepdims) - np.log(n)).astype(x.dtype)


def _attention_ref(q, k, v, bias=None, mask=None, is_causal=False, window=None, scale=None):
    """Direct loops over batch and heads: head n reads kv head n // (N // K)."""
    B, T, N, H = q.shape
    S, K = k.shape[1], k.shape[2]
    scale = 1 / np.sqrt(H) if scale is None else scale
    out = np.zeros((B, T, N, H))
    for b in range(B):
        for n in range(N):
            kv = n // (N // K)
            logits = scale * q[b, :, n].astype(F64) @ k[b, :, kv].T.astype(F64)
            if bias is not None:
                logits = logits + np.broadcast_to(bias, (B, N, T, S))[b, n]
            keep = np.ones((T, S), bool)
            t, s = np.meshgrid(np.arange(T), np.arange(S), indexing="ij")
            if mask is not None:
                keep &= np.broadcast_to(mask, (B, N, T, S))[b, n]
            if is_causal:
                keep &= s <= t
            if window is not None:
                keep &= (t - window[0] <= s) & (s <= t + window[1])
            logits = np.where(keep, logits, -1e30)
            p = np.exp(logits - logits.max(-1, keepdims=True))
            out[b, :, n] = (p / p.sum(-1, keepdims=True)) @ v[b, :, kv]
    return out.astype(q.dtype)


_MASK = np.random.default_rng(7).random((2, 1, 4, 5)) > 0.3
_MASK[..., 0] = True  # every row keeps one entry
ATT = [((2, 4, 2, 3), (2, 5, 2, 3), (2, 5, 2, 3)), ((1, 3, 4, 2), (1, 3, 2, 2), (1, 3, 2, 2))]
ATT_B = [((2, 4, 4, 3), (2, 5, 2, 3), (2, 5, 2, 3), (1, 4, 4, 5))]


# fmt: off
SPECS = [
    OpSpec("nn_identity", nn.identity, lambda x: x, U, dtypes=FLOATS),
    OpSpec("nn_sparse_sigmoid", nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1), U,
           dtypes=FLOATS, domain=(-0.9, 0.9)),
    OpSpec("nn_sparse_sigmoid_tails", nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1),
           [((3,),)], domain=(1.1, 3), grad=False),
    OpSpec("nn_squareplus", nn.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2, U,
           dtypes=FLOATS, domain=(-3, 3)),
    OpSpec("nn_squareplus_b", nn.squareplus, lambda x, b: (x + np.sqrt(x * x + b)) / 2,
           [((3,), ()), ((2, 3), (3,))], args_maker=lambda rng, shapes, dt: [
               np.asarray(rng.uniform(-3, 3, shapes[0]), dt),
               np.asarray(rng.uniform(0.5, 2, shapes[1]), dt)]),
    OpSpec("nn_mish", nn.mish, lambda x: x * np.tanh(_softplus(x)), U, dtypes=FLOATS,
           domain=(-4, 4)),
    OpSpec("nn_log1mexp", nn.log1mexp, lambda x: np.log(-np.expm1(-x)), U, dtypes=FLOATS,
           domain=(0.05, 4), tol=1e-5),
    OpSpec("nn_log1mexp_large", nn.log1mexp, lambda x: np.log1p(-np.exp(-x)), [((3,),)],
           domain=(20, 40), grad_tol=1e-3),
    OpSpec("nn_logmeanexp", nn.logmeanexp, _logmeanexp_ref, R, dtypes=FLOATS, domain=(-5, 5)),
    OpSpec("nn_logmeanexp_axis", lambda x: nn.logmeanexp(x, axis=1, keepdims=True),
           lambda x: _logmeanexp_ref(x, axis=1, keepdims=True), [((2, 3),), ((2, 3, 4),)]),
    OpSpec("nn_dot_product_attention", nn.dot_product_attention, _attention_ref, ATT,
           dtypes=FLOATS, tol=1e-5),
    OpSpec("nn_dot_product_attention_causal",
           lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True, scale=0.7),
           lambda q, k, v: _attention_ref(q, k, v, is_causal=True, scale=0.7), ATT),
    OpSpec("nn_dot_product_attention_window",
           lambda q, k, v: nn.dot_product_attention(q, k, v, local_window_size=(1, 2)),
           lambda q, k, v: _attention_ref(q, k, v, window=(1, 2)), ATT),
    OpSpec("nn_dot_product_attention_bias_mask",
           lambda q, k, v, b: nn.dot_product_attention(q, k, v, b, _MASK),
           lambda q, k, v, b: _attention_ref(q, k, v, b, _MASK), ATT_B),
    OpSpec("nn_dot_product_attention_unbatched", nn.dot_product_attention,
           lambda q, k, v: _attention_ref(q[None], k[None], v[None])[0],
           [((3, 4, 2), (5, 2, 2), (5, 2, 2))]),
    OpSpec("nn_scaled_matmul", nn.scaled_matmul,
           lambda a, b, sa, sb: np.einsum("bmk,bnk->bmn", a * np.repeat(sa, 2, -1),
                                          b * np.repeat(sb, 2, -1)).astype(F32),
           [((2, 3, 4), (2, 5, 4), (2, 3, 2), (2, 5, 2)), ((1, 0, 4), (1, 2, 4), (1, 0, 2),
                                                            (1, 2, 2))],
           grad=False, note="computes in float32 (preferred_element_type)"),
]
# fmt: on
