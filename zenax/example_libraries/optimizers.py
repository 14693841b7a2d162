"""Example optimizers as ``(init_fun, update_fun, get_params)`` triples (the API of
``jax.example_libraries.optimizers``, for older JAX examples; new code wants ``zenax.optim``).

An optimizer here is three pure functions over pytrees of parameters:

- ``init_fun(params) -> opt_state`` packs the parameters with whatever the method keeps
  (a velocity, moment estimates ...) into an :class:`OptimizerState`;
- ``update_fun(step, grads, opt_state) -> opt_state`` takes one step; ``step`` is the
  iteration index that schedules and bias corrections read;
- ``get_params(opt_state) -> params`` takes the parameters back out.

Each method is written for one array and lifted to pytrees by the :func:`optimizer`
decorator. The arithmetic is JAX's, in JAX's order, so the same steps give the same bits.

>>> import zenax, zenax.numpy as jnp
>>> from zenax.example_libraries import optimizers
>>> opt_init, opt_update, get_params = optimizers.momentum(0.1, mass=0.9)
>>> state = opt_init({'w': jnp.ones(2)})
>>> grads = zenax.grad(lambda p: jnp.sum(p['w'] ** 2))(get_params(state))
>>> get_params(opt_update(0, grads, state))['w']
Array([0.8, 0.8], dtype=float32)
"""
from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable
from typing import Any, NamedTuple

import zenax.numpy as jnp
from zenax import tree_util

__all__ = [
    "Array", "InitFn", "JoinPoint", "Optimizer", "OptimizerState", "Params", "ParamsFn",
    "Schedule", "State", "Step", "UpdateFn", "Updates",
    "adagrad", "adam", "adamax", "clip_grads", "constant", "exponential_decay",
    "inverse_time_decay", "l2_norm", "make_schedule", "momentum", "nesterov", "optimizer",
    "pack_optimizer_state", "piecewise_constant", "polynomial_decay", "rmsprop",
    "rmsprop_momentum", "sgd", "sm3", "unpack_optimizer_state",
]

# The packed state: one per-array state pytree's leaves per parameter leaf, plus the two
# levels of structure needed to rebuild them. Only ``packed_state`` is traced data; the
# treedefs ride along as static auxiliary data.
OptimizerState = namedtuple("OptimizerState", ["packed_state", "tree_def", "subtree_defs"])
tree_util.register_pytree_node(
    OptimizerState,
    lambda state: ((state.packed_state,), (state.tree_def, state.subtree_defs)),
    lambda aux, children: OptimizerState(children[0], aux[0], aux[1]))

Array = Any
Params = Any    # a pytree of arrays
State = Any     # one array's optimizer state (a small pytree)
Updates = Params
Step = int
InitFn = Callable[[Params], OptimizerState]
UpdateFn = Callable[[Step, Updates, OptimizerState], OptimizerState]
ParamsFn = Callable[[OptimizerState], Params]
Schedule = Callable[[Step], float]


class Optimizer(NamedTuple):
    """The ``(init_fn, update_fn, params_fn)`` triple an optimizer constructor returns.

    >>> opt = sgd(0.5)
    >>> opt.params_fn(opt.update_fn(0, 2.0, opt.init_fn(1.0)))
    0.0
    """
    init_fn: InitFn
    update_fn: UpdateFn
    params_fn: ParamsFn


def _flatten_each(trees) -> tuple[list, list]:
    """The leaves and treedef of each tree, as two lists."""
    flat = [tree_util.tree_flatten(tree) for tree in trees]
    return tuple(leaves for leaves, _ in flat), tuple(treedef for _, treedef in flat)


def optimizer(opt_maker: Callable[..., tuple[Callable[[Params], State],
                                             Callable[[Step, Updates, Params], Params],
                                             Callable[[State], Params]]]
              ) -> Callable[..., Optimizer]:
    """Lift an optimizer written for single arrays to pytrees of parameters.

    ``opt_maker(*hyperparameters)`` returns ``(init, update, get_params)`` acting on one
    array and its state; the decorated constructor returns an :class:`Optimizer` whose
    functions map over every leaf of a parameter pytree and keep the states packed in an
    :class:`OptimizerState`.

    >>> @optimizer
    ... def halve():
    ...     return (lambda x: x), (lambda i, g, x: x / 2), (lambda x: x)
    >>> init, update, get_params = halve()
    >>> get_params(update(0, (0.0, 0.0), init((4.0, 8.0))))
    (2.0, 4.0)
    """

    @functools.wraps(opt_maker)
    def tree_opt_maker(*args, **kwargs):
        init, update, get_params = opt_maker(*args, **kwargs)

        @functools.wraps(init)
        def tree_init(x0_tree):
            x0_leaves, tree_def = tree_util.tree_flatten(x0_tree)
            packed, subtree_defs = _flatten_each([init(x0) for x0 in x0_leaves])
            return OptimizerState(packed, tree_def, subtree_defs)

        @functools.wraps(update)
        def tree_update(i, grad_tree, opt_state):
            packed, tree_def, subtree_defs = opt_state
            grad_leaves, grad_def = tree_util.tree_flatten(grad_tree)
            if grad_def != tree_def:
                raise TypeError(
                    "optimizer update function: the gradient tree's structure does not "
                    f"match the parameter tree the optimizer was initialized with: "
                    f"parameter tree {tree_def} and grad tree {grad_def}.")
            states = [tree_util.tree_unflatten(d, s) for d, s in zip(subtree_defs, packed)]
            new_states = [update(i, g, s) for g, s in zip(grad_leaves, states)]
            new_packed, new_defs = _flatten_each(new_states)
            for before, after in zip(subtree_defs, new_defs):
                if before != after:
                    raise TypeError(
                        "optimizer update function returned a state whose structure differs "
                        f"from the state it was given: input {before} and output {after}.")
            return OptimizerState(new_packed, tree_def, subtree_defs)

        @functools.wraps(get_params)
        def tree_get_params(opt_state):
            packed, tree_def, subtree_defs = opt_state
            params = [get_params(tree_util.tree_unflatten(d, s))
                      for d, s in zip(subtree_defs, packed)]
            return tree_util.tree_unflatten(tree_def, params)

        return Optimizer(tree_init, tree_update, tree_get_params)
    return tree_opt_maker


def _params_of(state):
    """get_params for a state tuple whose first entry is the parameter."""
    return state[0]


@optimizer
def sgd(step_size):
    """Stochastic gradient descent: ``x <- x - step_size(i) * g``.

    ``step_size`` is a positive scalar or a schedule ``i -> scalar`` (as for every optimizer
    here).

    >>> init, update, get_params = sgd(0.1)
    >>> get_params(update(0, jnp.array([1.0, 2.0]), init(jnp.zeros(2))))
    Array([-0.1, -0.2], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def update(i, g, x):
        return x - step_size(i) * g
    return Optimizer(lambda x0: x0, update, lambda x: x)


@optimizer
def momentum(step_size: Schedule, mass: float):
    """SGD with heavy-ball momentum: ``v <- mass * v + g;  x <- x - step_size(i) * v``.

    >>> init, update, get_params = momentum(0.1, mass=0.5)
    >>> state = update(0, jnp.ones(2), init(jnp.zeros(2)))
    >>> get_params(update(1, jnp.ones(2), state))
    Array([-0.25, -0.25], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, jnp.zeros_like(x0)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * velocity, velocity
    return init, update, _params_of


@optimizer
def nesterov(step_size: Schedule, mass: float):
    """SGD with Nesterov momentum: the step looks ahead along the new velocity,
    ``x <- x - step_size(i) * (mass * v + g)``.

    >>> init, update, get_params = nesterov(0.1, mass=0.5)
    >>> get_params(update(0, jnp.ones(2), init(jnp.zeros(2))))
    Array([-0.15, -0.15], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, jnp.zeros_like(x0)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * (mass * velocity + g), velocity
    return init, update, _params_of


@optimizer
def adagrad(step_size, momentum=0.9):
    """Adagrad (Duchi et al., 2011) with momentum on the preconditioned gradient: the
    gradient is divided by the root of the running sum of its squares.

    >>> init, update, get_params = adagrad(1.0, momentum=0.0)
    >>> get_params(update(0, jnp.array([2.0, 0.0]), init(jnp.zeros(2))))
    Array([-1.,  0.], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i, g, state):
        x, g_sq, m = state
        g_sq = g_sq + jnp.square(g)
        # A coordinate that has seen only zero gradients does not move (no 0/0).
        g_sq_inv_sqrt = jnp.where(g_sq > 0, 1. / jnp.sqrt(g_sq), 0.0)
        m = (1. - momentum) * (g * g_sq_inv_sqrt) + momentum * m
        return x - step_size(i) * m, g_sq, m
    return init, update, _params_of


@optimizer
def rmsprop(step_size, gamma=0.9, eps=1e-8):
    """RMSProp: the gradient divided by the root of a decaying mean of its squares
    (decay ``gamma``, ``eps`` inside the root).

    >>> init, update, get_params = rmsprop(0.1, gamma=0.0)
    >>> get_params(update(0, jnp.array([3.0]), init(jnp.zeros(1))))
    Array([-0.1], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, jnp.zeros_like(x0)

    def update(i, g, state):
        x, avg_sq_grad = state
        avg_sq_grad = avg_sq_grad * gamma + jnp.square(g) * (1. - gamma)
        return x - step_size(i) * g / jnp.sqrt(avg_sq_grad + eps), avg_sq_grad
    return init, update, _params_of


@optimizer
def rmsprop_momentum(step_size, gamma=0.9, eps=1e-8, momentum=0.9):
    """RMSProp whose scaled steps accumulate in a momentum buffer (coefficient
    ``momentum``); the parameter moves by the buffer.

    >>> init, update, get_params = rmsprop_momentum(0.1, gamma=0.0, momentum=0.5)
    >>> state = update(0, jnp.array([3.0]), init(jnp.zeros(1)))
    >>> get_params(update(1, jnp.array([3.0]), state))
    Array([-0.25], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i, g, state):
        x, avg_sq_grad, mom = state
        avg_sq_grad = avg_sq_grad * gamma + jnp.square(g) * (1. - gamma)
        mom = momentum * mom + step_size(i) * g / jnp.sqrt(avg_sq_grad + eps)
        return x - mom, avg_sq_grad, mom
    return init, update, _params_of


@optimizer
def adam(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """Adam (Kingma & Ba, 2015): decaying first and second moment estimates (rates ``b1``,
    ``b2``), bias-corrected for step ``i``, with ``eps`` added to the root.

    >>> init, update, get_params = adam(0.1)
    >>> get_params(update(0, jnp.array([5.0, -5.0]), init(jnp.zeros(2))))
    Array([-0.09999933,  0.09999933], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i, g, state):
        x, m, v = state
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * jnp.square(g) + b2 * v
        # The betas are raised to the power in the moments' dtype, as JAX does.
        m_hat = m / (1 - jnp.asarray(b1, m.dtype) ** (i + 1))
        v_hat = v / (1 - jnp.asarray(b2, m.dtype) ** (i + 1))
        return x - step_size(i) * m_hat / (jnp.sqrt(v_hat) + eps), m, v
    return init, update, _params_of


@optimizer
def adamax(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """AdaMax: Adam with the second moment replaced by a decaying infinity norm
    ``u <- max(b2 * u, |g|)``.

    >>> init, update, get_params = adamax(0.1)
    >>> get_params(update(0, jnp.array([5.0, -5.0]), init(jnp.zeros(2))))
    Array([-0.09999998,  0.09999998], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i, g, state):
        x, m, u = state
        m = (1 - b1) * g + b1 * m
        u = jnp.maximum(b2 * u, jnp.abs(g))
        corrected_step = step_size(i) / (1 - jnp.asarray(b1, m.dtype) ** (i + 1))
        return x - corrected_step * m / (u + eps), m, u
    return init, update, _params_of


def _sm3_slice_shape(ndim: int, axis: int) -> tuple:
    """The index that turns a vector along ``axis`` into an ``ndim``-array for broadcasting."""
    return tuple(slice(None) if d == axis else None for d in range(ndim))


@optimizer
def sm3(step_size, momentum=0.9):
    """SM3 (Anil et al., 2019): Adagrad whose accumulator is covered by one vector per
    axis (memory ``sum(shape)`` instead of ``prod(shape)``), with momentum.

    >>> init, update, get_params = sm3(1.0, momentum=0.0)
    >>> get_params(update(0, jnp.array([[2.0, 0.0]]), init(jnp.zeros((1, 2)))))
    Array([[-1.,  0.]], dtype=float32)
    """
    step_size = make_schedule(step_size)

    def init(x0):
        x_shape = x0.shape
        x0 = jnp.atleast_1d(x0)
        accumulators = [jnp.zeros(n, dtype=x0.dtype) for n in x0.shape]
        return x0, jnp.zeros_like(x0), accumulators, x_shape

    def update(i, g, state):
        x, m, accumulators, x_shape = state
        covers = [v[_sm3_slice_shape(g.ndim, axis)] for axis, v in enumerate(accumulators)]
        accum = functools.reduce(jnp.minimum, covers) + jnp.square(g)
        accum_inv_sqrt = jnp.where(accum > 0, 1. / jnp.sqrt(accum), 0)
        m = (1. - momentum) * (g * accum_inv_sqrt) + momentum * m
        x = x - step_size(i) * m
        accumulators = [accum.max(tuple(d for d in range(x.ndim) if d != axis))
                        for axis in range(x.ndim)]
        return x, m, accumulators, x_shape

    def get_params(state):
        x, _, _, x_shape = state
        return x.reshape(x_shape)
    return init, update, get_params


# Schedules: step index -> step size. They are written with Python operators (and
# zenax.numpy where a function is needed), so a Python int step gives a Python float and a
# traced step a traced value.

def constant(step_size) -> Schedule:
    """The schedule that is ``step_size`` at every step.

    >>> constant(0.1)(100)
    0.1
    """
    def schedule(i):
        return step_size
    return schedule


def exponential_decay(step_size, decay_steps, decay_rate):
    """``step_size * decay_rate ** (i / decay_steps)``.

    >>> exponential_decay(1.0, decay_steps=10, decay_rate=0.5)(20)
    0.25
    """
    def schedule(i):
        return step_size * decay_rate ** (i / decay_steps)
    return schedule


def inverse_time_decay(step_size, decay_steps, decay_rate, staircase=False):
    """``step_size / (1 + decay_rate * i / decay_steps)``; with ``staircase`` the ratio
    ``i / decay_steps`` is floored, so the size drops in steps.

    >>> inverse_time_decay(1.0, decay_steps=10, decay_rate=1.0)(5)
    0.6666666666666666
    >>> inverse_time_decay(1.0, decay_steps=10, decay_rate=1.0, staircase=True)(5)
    Array(1., dtype=float32, weak_type=True)
    """
    if staircase:
        def schedule(i):
            return step_size / (1 + decay_rate * jnp.floor(i / decay_steps))
    else:
        def schedule(i):
            return step_size / (1 + decay_rate * i / decay_steps)
    return schedule


def polynomial_decay(step_size, decay_steps, final_step_size, power=1.0):
    """From ``step_size`` to ``final_step_size`` along ``(1 - i / decay_steps) ** power``
    over ``decay_steps`` steps, then constant.

    >>> polynomial_decay(1.0, decay_steps=4, final_step_size=0.0)(1)
    Array(0.75, dtype=float32, weak_type=True)
    """
    def schedule(step_num):
        step_num = jnp.minimum(step_num, decay_steps)
        step_mult = (1 - step_num / decay_steps) ** power
        return step_mult * (step_size - final_step_size) + final_step_size
    return schedule


def piecewise_constant(boundaries: Any, values: Any):
    """``values[k]`` for the steps after ``k`` of the ``boundaries`` (one fewer boundary
    than values).

    >>> schedule = piecewise_constant([10, 20], [1.0, 0.5, 0.1])
    >>> schedule(10), schedule(11)
    (Array(1., dtype=float32), Array(0.5, dtype=float32))
    """
    boundaries = jnp.array(boundaries)
    values = jnp.array(values)
    if not boundaries.ndim == values.ndim == 1:
        raise ValueError("piecewise_constant: boundaries and values must be sequences, got "
                         f"arrays of {boundaries.ndim} and {values.ndim} dimensions")
    if boundaries.shape[0] != values.shape[0] - 1:
        raise ValueError("piecewise_constant: boundaries length must be one shorter than "
                         f"values length, got {boundaries.shape[0]} boundaries and "
                         f"{values.shape[0]} values")

    def schedule(i):
        return values[jnp.sum(i > boundaries)]
    return schedule


def make_schedule(scalar_or_schedule: float | Schedule) -> Schedule:
    """A schedule as given, or a scalar made into a :func:`constant` schedule.

    >>> make_schedule(0.1)(5)
    0.1
    """
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if jnp.ndim(scalar_or_schedule) == 0:
        return constant(scalar_or_schedule)
    raise TypeError(type(scalar_or_schedule))


def l2_norm(tree):
    """The Euclidean norm of all the leaves of a pytree taken together.

    >>> l2_norm({'a': jnp.array([3.0]), 'b': jnp.array([4.0])})
    Array(5., dtype=float32)
    """
    leaves = tree_util.tree_leaves(tree)
    return jnp.sqrt(sum(jnp.vdot(x, x) for x in leaves))


def clip_grads(grad_tree, max_norm):
    """Scale a pytree of gradients down so its :func:`l2_norm` is at most ``max_norm``.

    >>> clip_grads([jnp.array([3.0, 4.0])], 1.0)
    [Array([0.6, 0.8], dtype=float32)]
    """
    norm = l2_norm(grad_tree)
    return tree_util.tree_map(lambda g: jnp.where(norm < max_norm, g, g * (max_norm / norm)),
                              grad_tree)


class JoinPoint:
    """A leaf of an unpacked optimizer state: it holds one parameter's state pytree, so the
    two levels of structure stay apart (see :func:`unpack_optimizer_state`).

    >>> list(JoinPoint((1, 2)))
    [(1, 2)]
    """

    def __init__(self, subtree):
        self.subtree = subtree

    # Serializers that walk containers treat a JoinPoint as a one-element sequence.
    def __iter__(self):
        yield self.subtree


def unpack_optimizer_state(opt_state):
    """An :class:`OptimizerState` as the parameter pytree with a :class:`JoinPoint` (holding
    that parameter's state) at each leaf: a plain structure to serialize.

    >>> init, _, _ = momentum(0.1, 0.9)
    >>> unpack_optimizer_state(init({'w': 1.0}))['w'].subtree
    (1.0, Array(0., dtype=float32, weak_type=True))
    """
    packed, tree_def, subtree_defs = opt_state
    marked = [JoinPoint(tree_util.tree_unflatten(d, s)) for d, s in zip(subtree_defs, packed)]
    return tree_util.tree_unflatten(tree_def, marked)


def pack_optimizer_state(marked_pytree):
    """The inverse of :func:`unpack_optimizer_state`: an :class:`OptimizerState` from a
    pytree whose leaves are :class:`JoinPoint` s.

    >>> init, _, _ = sgd(0.1)
    >>> state = init([1.0, 2.0])
    >>> pack_optimizer_state(unpack_optimizer_state(state)) == state
    True
    """
    join_points, tree_def = tree_util.tree_flatten(marked_pytree)
    if not all(isinstance(p, JoinPoint) for p in join_points):
        # AssertionError, the kind JAX raises here.
        raise AssertionError("pack_optimizer_state: every leaf of marked_pytree must be a "
                             "JoinPoint (as unpack_optimizer_state returns)")
    packed, subtree_defs = _flatten_each([p.subtree for p in join_points])
    return OptimizerState(packed, tree_def, subtree_defs)
