"""jtrans.optim: optimizers as pure functions over pytrees, in the optax style.

A `GradientTransformation` is a pair of pure functions: `init(params) -> state` and
`update(grads, state, params=None) -> (updates, state)`. Transformations compose with `chain`;
`apply_updates(params, updates)` adds the updates. Learning rates may be numbers or schedules
(callables of the step count). States are NamedTuples of arrays, so optimizer steps can be
jitted and differentiated like any other function.
"""

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import dtypes
from . import numpy as jnp
from .errors import JTransValueError
from .tree_util import tree_leaves, tree_map

__all__ = [
    "AddDecayedWeightsState",
    "ClipByGlobalNormState",
    "EmptyState",
    "GradientTransformation",
    "ScaleByAdamState",
    "ScaleByRStdDevState",
    "ScaleByRmsState",
    "ScaleByScheduleState",
    "TraceState",
    "adagrad",
    "adam",
    "adamw",
    "add_decayed_weights",
    "apply_updates",
    "chain",
    "clip",
    "clip_by_global_norm",
    "constant_schedule",
    "cosine_decay_schedule",
    "exponential_decay",
    "global_norm",
    "identity",
    "join_schedules",
    "linear_schedule",
    "piecewise_constant_schedule",
    "polynomial_schedule",
    "rmsprop",
    "scale",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "scale_by_schedule",
    "scale_by_stddev",
    "sgd",
    "trace",
    "warmup_cosine_decay_schedule",
]


class GradientTransformation(NamedTuple):
    """init(params) -> state; update(updates, state, params=None) -> (updates, state)."""

    init: Callable
    update: Callable


class EmptyState(NamedTuple):
    pass


AddDecayedWeightsState = ClipByGlobalNormState = EmptyState


class ScaleByScheduleState(NamedTuple):
    count: Any


class TraceState(NamedTuple):
    trace: Any


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class ScaleByRmsState(NamedTuple):
    nu: Any


class ScaleByRStdDevState(NamedTuple):
    mu: Any
    nu: Any


class ScaleByAdagradState(NamedTuple):
    sum_of_squares: Any


def _zeros_count():
    return jnp.zeros((), jnp.int32)


def _incr(count):
    # saturating increment, so a long run never wraps to negative counts
    return jnp.where(count < np.iinfo(np.int32).max, count + 1, count)


def _zeros_like_tree(params):
    return tree_map(jnp.zeros_like, params)


def _full_like_tree(params, v):
    return tree_map(lambda p: jnp.full_like(p, v), params)


def apply_updates(params, updates):
    """params + updates, leaf by leaf, keeping each parameter's dtype."""
    return tree_map(
        lambda p, u: None if p is None else jnp.asarray(p + u).astype(jnp.asarray(p).dtype),
        params,
        updates,
    )


def global_norm(updates):
    """sqrt of the sum of squares of all leaves."""
    leaves = tree_leaves(updates)
    if not leaves:
        return jnp.zeros(())
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in leaves))


# ---------------------------------------------------------------------------------------------
# transformations


def identity():
    return GradientTransformation(lambda params: EmptyState(), lambda u, s, p=None: (u, s))


def chain(*transforms):
    """Apply transformations in order; the state is the tuple of their states."""
    transforms = tuple(transforms)

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        if len(state) != len(transforms):
            raise JTransValueError(
                f"chain: got a state of {len(state)} parts for {len(transforms)} transformations;"
                " initialise the state with the same chain's init"
            )
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def scale(step_size):
    """updates * step_size."""

    def update(updates, state, params=None):
        return tree_map(lambda g: g * step_size, updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


def scale_by_schedule(step_size_fn):
    """updates * step_size_fn(count); count starts at 0."""

    def init(params):
        return ScaleByScheduleState(_zeros_count())

    def update(updates, state, params=None):
        step_size = step_size_fn(state.count)
        updates = tree_map(lambda g: jnp.asarray(g * step_size).astype(g.dtype), updates)
        return updates, ScaleByScheduleState(_incr(state.count))

    return GradientTransformation(init, update)


def scale_by_learning_rate(learning_rate, *, flip_sign=True):
    """updates * (-learning_rate); learning_rate may be a schedule."""
    m = -1 if flip_sign else 1
    if callable(learning_rate):
        return scale_by_schedule(lambda count: m * learning_rate(count))
    return scale(m * learning_rate)


def trace(decay, nesterov=False, accumulator_dtype=None):
    """Momentum: t <- g + decay t; the update is t (or g + decay t for Nesterov)."""

    def init(params):
        return TraceState(_zeros_like_tree(params))

    def update(updates, state, params=None):
        f = lambda g, t: g + decay * t
        new_trace = tree_map(f, updates, state.trace)
        updates = tree_map(f, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(new_trace)

    return GradientTransformation(init, update)


def _bias_correction(moment, decay, count):
    corr = 1 - decay ** count.astype(dtypes.default_float())
    return tree_map(lambda t: t / corr.astype(t.dtype), moment)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, nesterov=False):
    """Adam's rescaling: m_hat / (sqrt(v_hat + eps_root) + eps), with bias-corrected moments."""

    def init(params):
        return ScaleByAdamState(_zeros_count(), _zeros_like_tree(params), _zeros_like_tree(params))

    def update(updates, state, params=None):
        mu = tree_map(lambda g, m: (1 - b1) * g + b1 * m, updates, state.mu)
        nu = tree_map(lambda g, v: (1 - b2) * jnp.square(g) + b2 * v, updates, state.nu)
        count = _incr(state.count)
        if nesterov:  # NAdam
            mu_hat = tree_map(
                lambda m, g: (
                    b1 * m / (1 - b1 ** (count + 1).astype(m.dtype))
                    + (1 - b1) * g / (1 - b1 ** count.astype(m.dtype))
                ),
                mu,
                updates,
            )
        else:
            mu_hat = _bias_correction(mu, b1, count)
        nu_hat = _bias_correction(nu, b2, count)
        updates = tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


def scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True):
    """g / sqrt(v + eps) (or g / (sqrt(v) + eps)), v the moving average of g^2."""

    def init(params):
        return ScaleByRmsState(_full_like_tree(params, initial_scale))

    def update(updates, state, params=None):
        nu = tree_map(lambda g, v: (1 - decay) * jnp.square(g) + decay * v, updates, state.nu)
        if eps_in_sqrt:
            updates = tree_map(lambda g, v: g / jnp.sqrt(v + eps), updates, nu)
        else:
            updates = tree_map(lambda g, v: g / (jnp.sqrt(v) + eps), updates, nu)
        return updates, ScaleByRmsState(nu)

    return GradientTransformation(init, update)


def scale_by_stddev(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True):
    """Centered RMS: g / sqrt(v - m^2 + eps), m and v the moving averages of g and g^2."""

    def init(params):
        return ScaleByRStdDevState(_zeros_like_tree(params), _full_like_tree(params, initial_scale))

    def update(updates, state, params=None):
        mu = tree_map(lambda g, m: (1 - decay) * g + decay * m, updates, state.mu)
        nu = tree_map(lambda g, v: (1 - decay) * jnp.square(g) + decay * v, updates, state.nu)
        if eps_in_sqrt:
            f = lambda g, m, v: g / jnp.sqrt(v - jnp.square(m) + eps)
        else:
            f = lambda g, m, v: g / (jnp.sqrt(v - jnp.square(m)) + eps)
        return tree_map(f, updates, mu, nu), ScaleByRStdDevState(mu, nu)

    return GradientTransformation(init, update)


def scale_by_adagrad(initial_accumulator_value=0.1, eps=1e-7):
    def init(params):
        return ScaleByAdagradState(_full_like_tree(params, initial_accumulator_value))

    def update(updates, state, params=None):
        s = tree_map(lambda g, a: a + jnp.square(g), updates, state.sum_of_squares)
        updates = tree_map(lambda g, a: g / jnp.sqrt(a + eps), updates, s)
        return updates, ScaleByAdagradState(s)

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay=0.0, mask=None):
    """updates + weight_decay * params (decoupled weight decay). `mask`: a pytree of bools (or
    a function of params returning one) selecting the leaves to decay."""

    def update(updates, state, params=None):
        if params is None:
            raise JTransValueError(
                "add_decayed_weights needs the parameters: call update(grads, state, params)"
            )
        m = mask(params) if callable(mask) else mask
        if m is None:
            return tree_map(lambda g, p: g + weight_decay * p, updates, params), state
        return tree_map(lambda g, p, k: g + weight_decay * p if k else g, updates, params, m), state

    return GradientTransformation(lambda params: EmptyState(), update)


def clip(max_delta):
    """Clip every entry to [-max_delta, max_delta]."""

    def update(updates, state, params=None):
        return tree_map(lambda g: jnp.clip(g, -max_delta, max_delta), updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


def clip_by_global_norm(max_norm):
    """Rescale all updates by max_norm / global_norm when the global norm exceeds max_norm."""

    def update(updates, state, params=None):
        g_norm = global_norm(updates)
        trigger = g_norm < max_norm
        # the division is guarded so that untriggered (possibly zero-norm) updates stay finite
        factor = jnp.where(trigger, 1.0, max_norm / jnp.where(trigger, 1.0, g_norm))
        return tree_map(lambda t: t * factor.astype(t.dtype), updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


# ---------------------------------------------------------------------------------------------
# optimizers


def sgd(learning_rate, momentum=None, nesterov=False, accumulator_dtype=None):
    """Stochastic gradient descent, with optional (Nesterov) momentum."""
    return chain(
        trace(momentum, nesterov) if momentum is not None else identity(),
        scale_by_learning_rate(learning_rate),
    )


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None, *,
         nesterov=False):  # fmt: skip
    """Adam (Kingma & Ba, 2015)."""
    return chain(
        scale_by_adam(b1, b2, eps, eps_root, nesterov), scale_by_learning_rate(learning_rate)
    )


def adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None,
          weight_decay=1e-4, mask=None, *, nesterov=False):  # fmt: skip
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""
    return chain(
        scale_by_adam(b1, b2, eps, eps_root, nesterov),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    )


def rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True,
            centered=False, momentum=None, nesterov=False):  # fmt: skip
    """RMSProp (Tieleman & Hinton), optionally centered and with momentum."""
    rescale = scale_by_stddev if centered else scale_by_rms
    return chain(
        rescale(decay, eps, initial_scale, eps_in_sqrt),
        scale_by_learning_rate(learning_rate),
        trace(momentum, nesterov) if momentum is not None else identity(),
    )


def adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7):
    return chain(
        scale_by_adagrad(initial_accumulator_value, eps), scale_by_learning_rate(learning_rate)
    )


# ---------------------------------------------------------------------------------------------
# schedules: functions of the step count (traced or concrete)


def _f(count):
    return jnp.asarray(count).astype(dtypes.default_float())


def constant_schedule(value):
    return lambda count: value


def polynomial_schedule(init_value, end_value, power, transition_steps, transition_begin=0):
    """From init_value to end_value over transition_steps: (init - end) (1 - t)^power + end."""
    if transition_steps <= 0:
        return constant_schedule(init_value)

    def schedule(count):
        c = jnp.clip(_f(count) - transition_begin, 0, transition_steps)
        frac = 1 - c / transition_steps
        return (init_value - end_value) * frac**power + end_value

    return schedule


def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0,
                      staircase=False, end_value=None):  # fmt: skip
    """init_value * decay_rate ** ((count - transition_begin) / transition_steps), optionally
    in steps (staircase) and bounded by end_value."""
    if transition_steps <= 0:
        return constant_schedule(init_value)

    def schedule(count):
        c = _f(count) - transition_begin
        p = c / transition_steps
        if staircase:
            p = jnp.floor(p)
        value = jnp.where(c <= 0, init_value, init_value * jnp.power(decay_rate, p))
        if end_value is not None:
            value = (jnp.maximum if decay_rate < 1 else jnp.minimum)(value, end_value)
        return value

    return schedule


def cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0):
    """init_value * ((1 - alpha) ((1 + cos(pi t)) / 2)^exponent + alpha), t = count /
    decay_steps capped at 1."""
    if decay_steps <= 0:
        raise JTransValueError(f"cosine_decay_schedule: decay_steps must be > 0, got {decay_steps}")

    def schedule(count):
        c = jnp.minimum(_f(count), decay_steps)
        cosine = 0.5 * (1 + jnp.cos(math.pi * c / decay_steps))
        return init_value * ((1 - alpha) * cosine**exponent + alpha)

    return schedule


def join_schedules(schedules, boundaries):
    """schedules[i] from boundaries[i - 1] on, each restarted at its boundary."""

    def schedule(count):
        out = schedules[0](count)
        for boundary, s in zip(boundaries, schedules[1:]):
            out = jnp.where(jnp.asarray(count) < boundary, out, s(jnp.asarray(count) - boundary))
        return out

    return schedule


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
                                 end_value=0.0, exponent=1.0):  # fmt: skip
    """Linear warmup from init_value to peak_value, then cosine decay to end_value at
    decay_steps (counted from the start)."""
    alpha = 0.0 if peak_value == 0 else end_value / peak_value
    return join_schedules(
        [
            linear_schedule(init_value, peak_value, warmup_steps),
            cosine_decay_schedule(peak_value, max(decay_steps - warmup_steps, 1), alpha, exponent),
        ],
        [warmup_steps],
    )


def piecewise_constant_schedule(init_value, boundaries_and_scales=None):
    """init_value, multiplied by scales[b] once count reaches each boundary b."""
    items = sorted((boundaries_and_scales or {}).items())

    def schedule(count):
        v = jnp.asarray(init_value, dtypes.default_float())
        for boundary, s in items:
            v = v * jnp.where(jnp.asarray(count) < boundary, 1.0, s)
        return v

    return schedule
