"""Parallel training strategies as sharding specs: how a model's parameters, optimizer
state and batch are laid out over a device mesh with axes ``("data", "model")``.

Each strategy is only a choice of ``PartitionSpec`` per array; XLA's SPMD partitioner
(GSPMD) turns the one-device program, jitted with those in/out shardings, into the
per-device program and inserts the collectives:

=========  =====================================  ===========  ==========================
strategy   parameters                             batch        collectives per step
=========  =====================================  ===========  ==========================
``dp``     replicated                             ``"data"``   all-reduce of gradients
``fsdp``   each cut along its largest dimension   ``"data"``   all-gather of parameters,
           divisible by the ``"data"`` axis                    reduce-scatter of gradients
``tp``     Megatron: attention q/k/v and MLP-in   replicated   an all-reduce after each
           by columns, attention-out and                       row-parallel matmul
           MLP-out by rows, over ``"model"``
``dp_tp``  as ``tp``                              ``"data"``   both of the above
=========  =====================================  ===========  ==========================

Optimizer state that mirrors the parameters (Adam's moments) is laid out like them, so
FSDP shards it too; everything else in it (step counts) is replicated.

>>> import zenax
>>> from zenax.models import gpt, optim
>>> config = gpt.GPTConfig(vocab_size=64, n_positions=8, n_embd=16, n_layer=1, n_head=2)
>>> model = gpt.GPT(config, key=zenax.random.PRNGKey(0))
>>> mesh = zenax.make_mesh((1, 1), ("data", "model"))
>>> param_specs(model, mesh, "tp").blocks[0].mlp.layers[0].weight
P(None, 'model')
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from zenax.models.module import path_matches
from zenax.models.optim import GradientTransformation, apply_updates
from zenax.tracer.tree_util import keystr, tree_map, tree_map_with_path, tree_structure
from zenax.transforms import jit, value_and_grad
from zenax.transforms.sharding import NamedSharding, PartitionSpec as P

STRATEGIES = ("dp", "fsdp", "tp", "dp_tp")

# Megatron-LM's tensor parallelism, as a rule table over parameter paths (first match
# wins, anything unmatched is replicated).  A column-parallel layer keeps its output
# split over "model" (each device holds some attention heads / MLP units); the
# row-parallel layer after it consumes that split and ends in one all-reduce, so a
# Transformer block needs two all-reduces forward (attention out, MLP out).
MEGATRON_RULES: tuple[tuple[str, P], ...] = (
    ("*.attention.query_proj.weight", P(None, "model")),
    ("*.attention.key_proj.weight", P(None, "model")),
    ("*.attention.value_proj.weight", P(None, "model")),
    ("*.attention.query_proj.bias", P("model")),
    ("*.attention.key_proj.bias", P("model")),
    ("*.attention.value_proj.bias", P("model")),
    ("*.attention.output_proj.weight", P("model", None)),
    ("*.mlp.layers[0].weight", P(None, "model")),
    ("*.mlp.layers[0].bias", P("model")),
    ("*.mlp.layers[1].weight", P("model", None)),
)


def _check(mesh, strategy: str, caller: str) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(f"{caller}: strategy must be one of {STRATEGIES}, got {strategy!r}.")
    needed = {"dp": ("data",), "fsdp": ("data",), "tp": ("model",),
              "dp_tp": ("data", "model")}[strategy]
    missing = [a for a in needed if a not in mesh.axis_names]
    if missing:
        raise ValueError(f"{caller}: strategy {strategy!r} needs mesh axes {needed}; the "
                         f"mesh has axes {tuple(mesh.axis_names)} (missing {missing}).")


def fsdp_spec(shape: tuple, axis_size: int, *, min_size: int = 0, axis: str = "data") -> P:
    """The FSDP spec of one array: its largest dimension divisible by ``axis_size`` is
    split over ``axis``; arrays smaller than ``min_size`` elements, or with no such
    dimension, are replicated.

    >>> fsdp_spec((32, 128), 8)
    P(None, 'data')
    >>> fsdp_spec((6,), 8)
    P()
    """
    size = 1
    for d in shape:
        size *= d
    dims = [i for i, d in enumerate(shape) if d % axis_size == 0 and d >= axis_size]
    if size < min_size or not dims:
        return P()
    best = max(dims, key=lambda i: shape[i])        # the first of the largest, on ties
    return P(*[axis if i == best else None for i in range(len(shape))])


def tp_spec(path: str, rules=MEGATRON_RULES) -> P:
    """The spec of the parameter at ``path`` (a ``keystr``) from a rule table of
    ``(glob pattern, spec)`` pairs; the first match wins, no match is replicated.

    >>> tp_spec(".blocks[3].attention.output_proj.weight")
    P('model', None)
    """
    for pattern, spec in rules:
        if path_matches(pattern)(path, None):
            return spec
    return P()


def param_specs(params: Any, mesh, strategy: str, *, min_size: int = 0,
                rules=MEGATRON_RULES) -> Any:
    """A pytree like ``params`` holding each parameter's ``PartitionSpec`` under
    ``strategy`` (one of :data:`STRATEGIES`) on ``mesh``.  ``min_size`` keeps smaller
    arrays replicated under FSDP; ``rules`` is the tensor-parallel rule table."""
    _check(mesh, strategy, "param_specs")
    if strategy == "dp":
        return tree_map(lambda x: P(), params)
    if strategy == "fsdp":
        n = mesh.shape["data"]
        return tree_map(lambda x: fsdp_spec(x.shape, n, min_size=min_size), params)
    return tree_map_with_path(lambda path, x: tp_spec(keystr(path), rules), params)


def batch_spec(strategy: str) -> P:
    """The batch's spec: split along its leading (example) axis over ``"data"``, except
    under pure tensor parallelism, where every device sees the whole batch.

    >>> batch_spec("fsdp")
    P('data',)
    """
    return P() if strategy == "tp" else P("data")


def opt_state_specs(opt_state: Any, params: Any, specs: Any) -> Any:
    """Specs for an optimizer state: every subtree shaped like ``params`` (a moment) gets
    the parameters' ``specs``; every other leaf is replicated."""
    structure = tree_structure(params)
    like_params = lambda x: tree_structure(x) == structure
    return tree_map(lambda sub: specs if like_params(sub) else P(), opt_state,
                    is_leaf=like_params)


class Plan(NamedTuple):
    """Where a train step's inputs live: ``NamedSharding`` pytrees for the parameters and
    the optimizer state, and one sharding for every leaf of the batch."""
    params: Any
    opt_state: Any
    batch: NamedSharding
    mesh: Any


def plan(mesh, strategy: str, params: Any, opt_state: Any = (), *, min_size: int = 0,
         rules=MEGATRON_RULES) -> Plan:
    """The shardings of a train step under ``strategy``.  Put the arrays there with
    ``zenax.device_put((params, opt_state), (p.params, p.opt_state))``.

    >>> p = plan(mesh, "dp", model)
    >>> p.batch.spec, p.params.wte.weight.spec
    (P('data',), P())
    """
    _check(mesh, strategy, "plan")
    specs = param_specs(params, mesh, strategy, min_size=min_size, rules=rules)
    named = lambda tree: tree_map(lambda s: NamedSharding(mesh, s), tree)
    return Plan(params=named(specs),
                opt_state=named(opt_state_specs(opt_state, params, specs)),
                batch=NamedSharding(mesh, batch_spec(strategy)), mesh=mesh)


def train_step(loss_fn: Callable, optimizer: GradientTransformation, plan: Plan, *,
               donate: bool = True) -> Callable:
    """A step ``(params, opt_state, batch) -> (params, opt_state, loss)`` for
    ``loss_fn(params, batch)``, jitted with ``plan``'s shardings in and out (the loss
    replicated).  The partitioner derives every intermediate's layout and the collectives
    from them; the new parameters and optimizer state come back laid out as they went
    in.  With ``donate`` their buffers are reused for the update.

    >>> opt = optim.sgd(0.1, momentum=0.9)
    >>> state = opt.init(model)
    >>> step = train_step(gpt.loss, opt, plan(mesh, "fsdp", model, state))
    >>> new_model, state, loss = step(model, state, jnp.ones((1, 8), jnp.int32))
    >>> loss.shape, loss.sharding.spec
    ((), P())
    """
    grad_fn = value_and_grad(loss_fn)

    def step(params, opt_state, batch):
        loss, grads = grad_fn(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return apply_updates(params, updates), opt_state, loss

    state_shardings = (plan.params, plan.opt_state)
    return jit(step, in_shardings=state_shardings + (plan.batch,),
               out_shardings=state_shardings + (NamedSharding(plan.mesh, P()),),
               donate_argnums=(0, 1) if donate else ())


__all__ = ["MEGATRON_RULES", "Plan", "STRATEGIES", "batch_spec", "fsdp_spec",
           "opt_state_specs", "param_specs", "plan", "tp_spec", "train_step"]
