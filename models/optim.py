"""Optimizers as pure functions over pytrees, in Optax's design and vocabulary.

An optimizer is a :class:`GradientTransformation`: a pair of pure functions
``init(params) -> state`` and ``update(updates, state, params=None) -> (updates, state)``.
States are NamedTuples (so pytrees: they go in and out of ``zenax.jit``), and named
optimizers (``adam``, ``sgd``, ...) are ``chain``s of small ``scale_by_*`` pieces.  For the
same hyperparameters and gradients, every update here matches Optax's to float tolerance.

>>> import zenax, zenax.numpy as jnp
>>> from zenax import optim
>>> params = {'w': jnp.ones(3)}
>>> opt = optim.sgd(learning_rate=0.1, momentum=0.9)
>>> state = opt.init(params)
>>> grads = zenax.grad(lambda p: jnp.sum(p['w'] ** 2))(params)
>>> updates, state = opt.update(grads, state, params)
>>> optim.apply_updates(params, updates)['w']
Array([0.8, 0.8, 0.8], dtype=float32)

Learning rates (and weight decays) are floats or schedules (``count -> value``, see
``zenax.optim`` schedules); a schedule is evaluated at the int32 step count the state
carries.  Everything is written with zenax.numpy and zenax.tree_util, so a whole train
step, optimizer included, compiles with ``zenax.jit``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Hashable, Mapping, NamedTuple

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.tracer.tree_util import tree_leaves, tree_map

Params = Any  # a pytree of arrays
Updates = Any  # a pytree of arrays shaped like Params
OptState = Any  # a pytree (NamedTuples of arrays)


class GradientTransformation(NamedTuple):
    """An optimizer, or a piece of one: ``init(params) -> state`` and
    ``update(updates, state, params=None) -> (updates, new_state)``.

    >>> opt = GradientTransformation(lambda params: EmptyState(),
    ...                              lambda u, s, p=None: (tree_map(lambda g: -g, u), s))
    >>> opt.update({'w': 1.0}, opt.init({'w': 0.0}))
    ({'w': -1.0}, EmptyState())
    """
    init: Callable[[Params], OptState]
    update: Callable[..., tuple[Updates, OptState]]


class EmptyState(NamedTuple):
    """The state of a stateless transformation."""


class ScaleByScheduleState(NamedTuple):
    count: Any  # int32[]: steps taken


class ScaleByAdamState(NamedTuple):
    count: Any  # int32[]: steps taken
    mu: Updates  # first moment, like params
    nu: Updates  # second moment, like params


class ScaleByRmsState(NamedTuple):
    nu: Updates  # running mean of squared gradients, like params


class ScaleByRStdDevState(NamedTuple):
    mu: Updates  # running mean of gradients, like params
    nu: Updates  # running mean of squared gradients, like params


class ScaleByRssState(NamedTuple):
    sum_of_squares: Updates  # running sum of squared gradients, like params


class ScaleByLionState(NamedTuple):
    count: Any  # int32[]: steps taken
    mu: Updates  # momentum, like params


class TraceState(NamedTuple):
    trace: Updates  # momentum, like params


class WeightDecayScheduleState(NamedTuple):
    count: Any  # int32[]: steps taken (only when weight_decay is a schedule)


class MaskedState(NamedTuple):
    inner_state: OptState  # the inner transformation's state over the masked-in leaves


class MaskedNode(NamedTuple):
    """Stands in for a masked-out leaf: an empty pytree node, so tree maps skip it."""


class MultiTransformState(NamedTuple):
    inner_states: dict  # label -> MaskedState of that label's transformation


class InjectHyperparamsState(NamedTuple):
    count: Any  # int32[]: steps taken
    hyperparams: dict  # name -> the value used at the last step (scalar array)
    inner_state: OptState


# ----------------------------------------------------------------------------------------
# Helpers.


def _safe_increment(count):
    """count + 1, saturating at the dtype's maximum instead of wrapping (as Optax)."""
    max_value = jnp.iinfo(count.dtype).max
    return jnp.where(count < max_value, count + 1, max_value)


def _zero_count():
    return jnp.zeros([], jnp.int32)


def _zeros_like(tree):
    return tree_map(jnp.zeros_like, tree)


def _full_like(tree, value):
    return tree_map(lambda x: jnp.full_like(x, value), tree)


def _update_moment(updates, moments, decay, order):
    """Exponential moving average of ``updates ** order``."""
    return tree_map(lambda g, t: (1 - decay) * (g ** order) + decay * t, updates, moments)


def _bias_correction(moment, decay, count):
    # decay ** count in float32, then cast: in bfloat16 it would round to 1 (Optax's note).
    correction = 1 - decay ** count
    return tree_map(lambda t: t / correction.astype(t.dtype), moment)


def _is_scalar_like(value) -> bool:
    return isinstance(value, (int, float, np.number)) or hasattr(value, "dtype")


def _check_scalar_or_schedule(fn_name: str, arg_name: str, value):
    if isinstance(value, bool) or not (callable(value) or _is_scalar_like(value)):
        raise TypeError(
            f"{fn_name}: {arg_name} must be a number or a schedule (a callable of the step "
            f"count); received {value!r} of type {type(value).__name__}. For example "
            f"{fn_name}({arg_name}=1e-3) or "
            f"{fn_name}({arg_name}=optim.cosine_decay_schedule(1e-3, decay_steps=1000)).")


def _check_transformation(fn_name: str, position: str, tx):
    if not isinstance(tx, GradientTransformation):
        hint = (f" Did you pass the factory {tx.__name__} instead of calling it, e.g. "
                f"{tx.__name__}(1e-3)?" if callable(tx) and hasattr(tx, "__name__") else "")
        raise TypeError(f"{fn_name}: {position} must be a GradientTransformation (such as "
                        f"optim.adam(1e-3)); received {type(tx).__name__}.{hint}")


# ----------------------------------------------------------------------------------------
# Utilities on pytrees of updates.


def apply_updates(params: Params, updates: Updates) -> Params:
    """``params + updates`` leaf by leaf, keeping each parameter's dtype.

    >>> apply_updates({'w': jnp.ones(2)}, {'w': jnp.full(2, -0.5)})['w']
    Array([0.5, 0.5], dtype=float32)
    """
    return tree_map(lambda p, u: jnp.asarray(p + u).astype(jnp.asarray(p).dtype),
                    params, updates)


def global_norm(updates: Updates):
    """The L2 norm of all leaves together: ``sqrt(sum(sum(x ** 2) for x in leaves))``.

    >>> global_norm({'a': jnp.array([3.0]), 'b': jnp.array([4.0])})
    Array(5., dtype=float32)
    """
    leaves = tree_leaves(updates)
    if not leaves:
        return jnp.zeros([], jnp.float32)
    total = jnp.sum(jnp.square(leaves[0]))
    for leaf in leaves[1:]:
        total = total + jnp.sum(jnp.square(leaf))
    return jnp.sqrt(total)


# ----------------------------------------------------------------------------------------
# Stateless building blocks.


def identity() -> GradientTransformation:
    """Leave the updates unchanged."""
    return GradientTransformation(lambda params: EmptyState(),
                                  lambda updates, state, params=None: (updates, state))


def set_to_zero() -> GradientTransformation:
    """Map every update to zero: the parameters it is applied to stay frozen (use it in
    :func:`multi_transform` or :func:`masked`).

    >>> set_to_zero().update({'w': jnp.ones(2)}, EmptyState())[0]['w']
    Array([0., 0.], dtype=float32)
    """
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda updates, state, params=None: (_zeros_like(updates), state))


def scale(step_size) -> GradientTransformation:
    """Multiply the updates by a fixed ``step_size``.

    >>> scale(-0.1).update({'w': jnp.ones(2)}, EmptyState())[0]['w']
    Array([-0.1, -0.1], dtype=float32)
    """
    def update_fn(updates, state, params=None):
        return tree_map(lambda g: step_size * g, updates), state
    return GradientTransformation(lambda params: EmptyState(), update_fn)


def scale_by_schedule(step_size_fn: Callable) -> GradientTransformation:
    """Multiply the updates by ``step_size_fn(count)``; the state counts the steps.

    >>> tx = scale_by_schedule(lambda count: 0.5 ** count)
    >>> u, s = tx.update({'w': jnp.ones(1)}, tx.init(None)); u['w'], s.count
    (Array([1.], dtype=float32), Array(1, dtype=int32))
    """
    def update_fn(updates, state, params=None):
        step_size = step_size_fn(state.count)
        updates = tree_map(lambda g: jnp.array(step_size, dtype=g.dtype) * g, updates)
        return updates, ScaleByScheduleState(count=_safe_increment(state.count))
    return GradientTransformation(lambda params: ScaleByScheduleState(count=_zero_count()),
                                  update_fn)


def scale_by_learning_rate(learning_rate, *, flip_sign: bool = True) -> GradientTransformation:
    """Multiply the updates by ``-learning_rate`` (a number or a schedule): the last link
    of every named optimizer, turning a descent direction into a step.

    >>> scale_by_learning_rate(0.1).update({'w': jnp.ones(1)}, EmptyState())[0]['w']
    Array([-0.1], dtype=float32)
    """
    _check_scalar_or_schedule("scale_by_learning_rate", "learning_rate", learning_rate)
    m = -1 if flip_sign else 1
    if callable(learning_rate):
        return scale_by_schedule(lambda count: m * learning_rate(count))
    return scale(m * learning_rate)


def clip(max_delta) -> GradientTransformation:
    """Clip every update elementwise to ``[-max_delta, max_delta]``.

    >>> clip(1.0).update({'w': jnp.array([-3.0, 0.5])}, EmptyState())[0]['w']
    Array([-1. ,  0.5], dtype=float32)
    """
    def update_fn(updates, state, params=None):
        return tree_map(lambda g: jnp.clip(g, -max_delta, max_delta), updates), state
    return GradientTransformation(lambda params: EmptyState(), update_fn)


def clip_by_global_norm(max_norm) -> GradientTransformation:
    """Rescale the updates so that their :func:`global_norm` is at most ``max_norm``.

    >>> u, _ = clip_by_global_norm(1.0).update({'w': jnp.array([3.0, 4.0])}, EmptyState())
    >>> u['w']
    Array([0.6, 0.8], dtype=float32)
    """
    def update_fn(updates, state, params=None):
        g_norm = global_norm(updates)
        trigger = g_norm < max_norm
        updates = tree_map(
            lambda t: jnp.where(trigger, t, (t / g_norm.astype(t.dtype)) * max_norm), updates)
        return updates, state
    return GradientTransformation(lambda params: EmptyState(), update_fn)


# ----------------------------------------------------------------------------------------
# Stateful building blocks.


def trace(decay, nesterov: bool = False) -> GradientTransformation:
    """Momentum: ``trace = g + decay * trace``; the update is the trace (or, with
    ``nesterov``, ``g + decay * trace``).

    >>> tx = trace(0.9)
    >>> u, s = tx.update({'w': jnp.ones(1)}, tx.init({'w': jnp.zeros(1)}))
    >>> u, s = tx.update({'w': jnp.ones(1)}, s); u['w']
    Array([1.9], dtype=float32)
    """
    def update_fn(updates, state, params=None):
        f = lambda g, t: g + decay * t  # noqa: E731
        new_trace = tree_map(f, updates, state.trace)
        updates = tree_map(f, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(trace=new_trace)
    return GradientTransformation(lambda params: TraceState(trace=_zeros_like(params)),
                                  update_fn)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0) -> GradientTransformation:
    """Adam's direction: bias-corrected ``mu / (sqrt(nu + eps_root) + eps)`` with ``mu``,
    ``nu`` moving averages of the gradient and its square.

    >>> tx = scale_by_adam()
    >>> tx.update({'w': jnp.array([2.0])}, tx.init({'w': jnp.zeros(1)}))[0]['w'].round(4)
    Array([1.], dtype=float32)
    """
    def init_fn(params):
        return ScaleByAdamState(count=_zero_count(), mu=_zeros_like(params),
                                nu=_zeros_like(params))

    def update_fn(updates, state, params=None):
        mu = _update_moment(updates, state.mu, b1, 1)
        nu = _update_moment(updates, state.nu, b2, 2)
        count_inc = _safe_increment(state.count)
        mu_hat = _bias_correction(mu, b1, count_inc)
        nu_hat = _bias_correction(nu, b2, count_inc)
        updates = tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
        return updates, ScaleByAdamState(count=count_inc, mu=mu, nu=nu)
    return GradientTransformation(init_fn, update_fn)


def scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0,
                 eps_in_sqrt: bool = True) -> GradientTransformation:
    """RMSProp's direction: ``g / sqrt(nu + eps)`` (or ``g / (sqrt(nu) + eps)``) with ``nu``
    a moving average of ``g ** 2`` started at ``initial_scale``."""
    def update_fn(updates, state, params=None):
        nu = _update_moment(updates, state.nu, decay, 2)
        if eps_in_sqrt:
            updates = tree_map(lambda g, n: lax.rsqrt(n + eps) * g, updates, nu)
        else:
            updates = tree_map(lambda g, n: 1 / (jnp.sqrt(n) + eps) * g, updates, nu)
        return updates, ScaleByRmsState(nu=nu)
    return GradientTransformation(
        lambda params: ScaleByRmsState(nu=_full_like(params, initial_scale)), update_fn)


def scale_by_stddev(decay=0.9, eps=1e-8, initial_scale=0.0,
                    eps_in_sqrt: bool = True) -> GradientTransformation:
    """Centered RMSProp's direction: ``g / sqrt(nu - mu ** 2 + eps)``, with ``mu``, ``nu``
    moving averages of ``g`` and ``g ** 2``."""
    def init_fn(params):
        return ScaleByRStdDevState(mu=_zeros_like(params), nu=_full_like(params, initial_scale))

    def update_fn(updates, state, params=None):
        mu = _update_moment(updates, state.mu, decay, 1)
        nu = _update_moment(updates, state.nu, decay, 2)
        if eps_in_sqrt:
            scaling = tree_map(lambda m, n: lax.rsqrt(n - m ** 2 + eps), mu, nu)
        else:
            scaling = tree_map(lambda m, n: 1 / (jnp.sqrt(n - m ** 2) + eps), mu, nu)
        return tree_map(lambda s, g: s * g, scaling, updates), ScaleByRStdDevState(mu=mu, nu=nu)
    return GradientTransformation(init_fn, update_fn)


def scale_by_rss(initial_accumulator_value=0.1, eps=1e-7) -> GradientTransformation:
    """Adagrad's direction: ``g / sqrt(sum of all g ** 2 so far + eps)``."""
    def update_fn(updates, state, params=None):
        sum_of_squares = tree_map(lambda g, t: g ** 2 + t, updates, state.sum_of_squares)
        inv_sqrt = tree_map(lambda t: jnp.where(t > 0, lax.rsqrt(t + eps), 0.0),
                            sum_of_squares)
        updates = tree_map(lambda s, g: s * g, inv_sqrt, updates)
        return updates, ScaleByRssState(sum_of_squares=sum_of_squares)
    return GradientTransformation(
        lambda params: ScaleByRssState(
            sum_of_squares=_full_like(params, initial_accumulator_value)),
        update_fn)


def scale_by_lion(b1=0.9, b2=0.99) -> GradientTransformation:
    """Lion's direction: ``sign((1 - b1) * g + b1 * mu)``, with momentum ``mu`` a moving
    average of ``g`` at rate ``b2``."""
    def init_fn(params):
        return ScaleByLionState(count=_zero_count(), mu=_zeros_like(params))

    def update_fn(updates, state, params=None):
        directions = tree_map(lambda g, m: jnp.sign((1.0 - b1) * g + b1 * m), updates, state.mu)
        mu = _update_moment(updates, state.mu, b2, 1)
        return directions, ScaleByLionState(count=_safe_increment(state.count), mu=mu)
    return GradientTransformation(init_fn, update_fn)


def add_decayed_weights(weight_decay=0.0, mask=None) -> GradientTransformation:
    """Add ``weight_decay * params`` to the updates (decoupled weight decay, as AdamW).
    ``weight_decay`` may be a schedule; ``mask`` (a pytree of bools, or a callable
    ``params -> pytree of bools``) limits the decay to the leaves marked True.

    >>> tx = add_decayed_weights(0.1)
    >>> params = {'w': jnp.ones(1)}
    >>> tx.update({'w': jnp.zeros(1)}, tx.init(params), params)[0]['w']
    Array([0.1], dtype=float32)
    """
    _check_scalar_or_schedule("add_decayed_weights", "weight_decay", weight_decay)

    def init_fn(params):
        if callable(weight_decay):
            return WeightDecayScheduleState(count=_zero_count())
        return EmptyState()

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(
                "add_decayed_weights: update needs the current params (weight decay is "
                "proportional to them); received params=None. Call "
                "opt.update(grads, state, params).")
        if callable(weight_decay):
            s = weight_decay(state.count)
            new_state = WeightDecayScheduleState(count=_safe_increment(state.count))
        else:
            s, new_state = weight_decay, state
        if isinstance(s, (int, float)) and s == 0.0:
            return updates, new_state
        return tree_map(lambda g, p: g + s * p, updates, params), new_state

    tx = GradientTransformation(init_fn, update_fn)
    return tx if mask is None else masked(tx, mask)


# ----------------------------------------------------------------------------------------
# Combinators.


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` one after the other; the state is the tuple of their states.

    >>> opt = chain(clip_by_global_norm(1.0), scale_by_adam(), scale_by_learning_rate(1e-3))
    >>> len(opt.init({'w': jnp.zeros(2)}))
    3
    """
    for i, tx in enumerate(transforms):
        _check_transformation("chain", f"argument {i}", tx)

    def init_fn(params):
        return tuple(tx.init(params) for tx in transforms)

    def update_fn(updates, state, params=None):
        if not isinstance(state, tuple) or len(state) != len(transforms):
            raise ValueError(
                f"chain: expected the state made by this optimizer's init (a tuple of "
                f"{len(transforms)} states); received {type(state).__name__}"
                f"{f' of length {len(state)}' if isinstance(state, tuple) else ''}. "
                "Create the state with opt.init(params) from the same optimizer.")
        new_state = []
        for tx, s in zip(transforms, state):
            updates, s = tx.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)
    return GradientTransformation(init_fn, update_fn)


def masked(inner: GradientTransformation, mask) -> GradientTransformation:
    """Apply ``inner`` to the leaves where ``mask`` is True and pass the others through
    unchanged.  ``mask`` is a pytree of bools shaped like (a prefix of) the params, or a
    callable ``params -> that pytree``.  ``inner`` keeps no state for masked-out leaves.

    >>> params = {'w': jnp.ones(1), 'b': jnp.ones(1)}
    >>> tx = masked(scale(0.0), {'w': True, 'b': False})
    >>> tx.update(params, tx.init(params))[0]
    {'b': Array([1.], dtype=float32), 'w': Array([0.], dtype=float32)}
    """
    _check_transformation("masked", "inner", inner)

    def mask_tree_for(tree):
        return mask(tree) if callable(mask) else mask

    def mask_pytree(tree, mask_tree):
        return tree_map(lambda m, x: x if m else MaskedNode(), mask_tree, tree)

    def init_fn(params):
        return MaskedState(inner_state=inner.init(mask_pytree(params, mask_tree_for(params))))

    def update_fn(updates, state, params=None):
        mask_tree = mask_tree_for(updates)
        masked_params = None if params is None else mask_pytree(params, mask_tree)
        new_updates, inner_state = inner.update(mask_pytree(updates, mask_tree),
                                                state.inner_state, masked_params)
        updates = tree_map(lambda m, new, old: new if m else old, mask_tree, new_updates,
                           updates)
        return updates, MaskedState(inner_state=inner_state)
    return GradientTransformation(init_fn, update_fn)


def multi_transform(transforms: Mapping[Hashable, GradientTransformation],
                    param_labels) -> GradientTransformation:
    """Apply a different transformation to each group of parameters.  ``param_labels`` is
    a pytree of labels shaped like (a prefix of) the params, or a callable
    ``params -> labels``; each label is a key of ``transforms``.  With
    :func:`set_to_zero` it freezes part of a model (fine-tuning).

    >>> params = {'body': jnp.ones(2), 'head': jnp.ones(2)}
    >>> opt = multi_transform({'train': sgd(0.5), 'freeze': set_to_zero()},
    ...                       {'body': 'freeze', 'head': 'train'})
    >>> apply_updates(params, opt.update(params, opt.init(params), params)[0])
    {'body': Array([1., 1.], dtype=float32), 'head': Array([0.5, 0.5], dtype=float32)}
    """
    for label, tx in transforms.items():
        _check_transformation("multi_transform", f"transforms[{label!r}]", tx)

    def labels_for(tree):
        return param_labels(tree) if callable(param_labels) else param_labels

    def group_transform(labels, group):
        return masked(transforms[group], tree_map(lambda label: label == group, labels))

    def init_fn(params):
        labels = labels_for(params)
        unknown = set(tree_leaves(labels)) - set(transforms)
        if unknown:
            raise ValueError(
                f"multi_transform: param_labels uses labels {sorted(unknown, key=repr)} that "
                f"are not keys of transforms (keys: {sorted(transforms, key=repr)}). Add a "
                "transformation for each label, e.g. set_to_zero() for frozen parameters.")
        return MultiTransformState(
            {group: group_transform(labels, group).init(params) for group in transforms})

    def update_fn(updates, state, params=None):
        labels = labels_for(updates)
        new_states = {}
        for group in transforms:
            updates, new_states[group] = group_transform(labels, group).update(
                updates, state.inner_states[group], params)
        return updates, MultiTransformState(new_states)
    return GradientTransformation(init_fn, update_fn)


def inject_hyperparams(inner_factory: Callable[..., GradientTransformation],
                       static_args: tuple[str, ...] = ()) -> Callable[..., GradientTransformation]:
    """Wrap an optimizer factory so that its numeric hyperparameters live in the state
    (``state.hyperparams['learning_rate']``), where they can be read (for logging) or
    changed between steps; schedules are evaluated at the step count each step.

    >>> opt = inject_hyperparams(sgd)(learning_rate=lambda count: 0.5 ** count)
    >>> params = {'w': jnp.ones(1)}
    >>> state = opt.init(params)
    >>> for _ in range(3):
    ...     updates, state = opt.update(params, state, params)
    >>> state.hyperparams['learning_rate']  # the rate of the last step, 0.5 ** 2
    Array(0.25, dtype=float32)
    """
    signature = inspect.signature(inner_factory)
    if not set(static_args) <= set(signature.parameters):
        raise ValueError(
            f"inject_hyperparams: static_args {sorted(static_args)} must be parameters of "
            f"{inner_factory.__name__} ({sorted(signature.parameters)}).")

    def wrapped(*args, **kwargs) -> GradientTransformation:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        schedules, numeric, other = {}, {}, {}
        for name, value in bound.arguments.items():
            if name in static_args or isinstance(value, bool):
                other[name] = value
            elif callable(value):
                schedules[name] = value
            elif _is_scalar_like(value):
                numeric[name] = value
            else:
                other[name] = value

        def hyperparams_at(count, numeric_values):
            values = {k: jnp.asarray(v) for k, v in numeric_values.items()}
            values.update({k: jnp.asarray(f(count), jnp.float32) for k, f in schedules.items()})
            return values

        def init_fn(params):
            count = _zero_count()
            hyperparams = hyperparams_at(count, numeric)
            inner = inner_factory(**other, **hyperparams)
            return InjectHyperparamsState(count, hyperparams, inner.init(params))

        def update_fn(updates, state, params=None):
            hyperparams = hyperparams_at(state.count, {k: state.hyperparams[k] for k in numeric})
            updates, inner_state = inner_factory(**other, **hyperparams).update(
                updates, state.inner_state, params)
            return updates, InjectHyperparamsState(_safe_increment(state.count), hyperparams,
                                                   inner_state)
        return GradientTransformation(init_fn, update_fn)
    return wrapped


# ----------------------------------------------------------------------------------------
# Named optimizers.


def sgd(learning_rate, momentum=None, nesterov: bool = False) -> GradientTransformation:
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    >>> opt = sgd(0.1, momentum=0.9)
    >>> params = {'w': jnp.ones(2)}
    >>> apply_updates(params, opt.update(params, opt.init(params))[0])['w']
    Array([0.9, 0.9], dtype=float32)
    """
    _check_scalar_or_schedule("sgd", "learning_rate", learning_rate)
    first = trace(decay=momentum, nesterov=nesterov) if momentum is not None else identity()
    return chain(first, scale_by_learning_rate(learning_rate))


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0) -> GradientTransformation:
    """Adam (Kingma & Ba, 2014).

    >>> opt = adam(0.1)
    >>> params = {'w': jnp.ones(2)}
    >>> apply_updates(params, opt.update(params, opt.init(params))[0])['w'].round(4)
    Array([0.9, 0.9], dtype=float32)
    """
    _check_scalar_or_schedule("adam", "learning_rate", learning_rate)
    return chain(scale_by_adam(b1, b2, eps, eps_root), scale_by_learning_rate(learning_rate))


def adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=1e-4,
          mask=None) -> GradientTransformation:
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): the step is
    ``-lr * (adam_direction + weight_decay * params)``.  ``mask`` (pytree of bools or
    ``params -> pytree of bools``) says which leaves decay (commonly: not biases/norms).

    >>> opt = adamw(0.1, weight_decay=1.0, mask={'w': True, 'b': False})
    >>> params = {'w': jnp.ones(1), 'b': jnp.ones(1)}
    >>> new_params = apply_updates(params, opt.update(params, opt.init(params), params)[0])
    >>> round(float(new_params['w'][0]), 4), round(float(new_params['b'][0]), 4)
    (0.8, 0.9)
    """
    _check_scalar_or_schedule("adamw", "learning_rate", learning_rate)
    _check_scalar_or_schedule("adamw", "weight_decay", weight_decay)
    return chain(scale_by_adam(b1, b2, eps, eps_root), add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt: bool = True,
            centered: bool = False, momentum=None, nesterov: bool = False
            ) -> GradientTransformation:
    """RMSProp (Hinton's lecture 6e), optionally centered and with momentum.

    >>> opt = rmsprop(0.01)
    >>> params = {'w': jnp.ones(1)}
    >>> opt.update(params, opt.init(params))[0]['w']
    Array([-0.03162277], dtype=float32)
    """
    _check_scalar_or_schedule("rmsprop", "learning_rate", learning_rate)
    scale_by = scale_by_stddev if centered else scale_by_rms
    return chain(scale_by(decay, eps, initial_scale, eps_in_sqrt),
                 scale_by_learning_rate(learning_rate),
                 trace(momentum, nesterov) if momentum is not None else identity())


def adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7) -> GradientTransformation:
    """Adagrad (Duchi et al., 2011): steps shrink with the sum of past squared gradients.

    >>> opt = adagrad(0.1)
    >>> params = {'w': jnp.ones(1)}
    >>> opt.update(params, opt.init(params))[0]['w'].round(4)
    Array([-0.0953], dtype=float32)
    """
    _check_scalar_or_schedule("adagrad", "learning_rate", learning_rate)
    return chain(scale_by_rss(initial_accumulator_value, eps),
                 scale_by_learning_rate(learning_rate))


def lion(learning_rate, b1=0.9, b2=0.99, weight_decay=1e-3, mask=None) -> GradientTransformation:
    """Lion (Chen et al., 2023): sign of an interpolated momentum, plus decoupled weight
    decay; use a learning rate 3-10x smaller than Adam's.

    >>> opt = lion(0.1, weight_decay=0.0)
    >>> params = {'w': jnp.array([2.0, -3.0])}
    >>> opt.update(params, opt.init(params), params)[0]['w']
    Array([-0.1,  0.1], dtype=float32)
    """
    _check_scalar_or_schedule("lion", "learning_rate", learning_rate)
    _check_scalar_or_schedule("lion", "weight_decay", weight_decay)
    return chain(scale_by_lion(b1, b2), add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))
