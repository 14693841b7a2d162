"""LoRA: low-rank adapters on ``Linear`` layers (Hu et al., 2021).

``LoRALinear`` wraps a frozen ``Linear`` and adds a trainable low-rank update::

    y = base(x) + (alpha / rank) * x @ lora_a @ lora_b

with ``lora_a: [in_features, rank]`` drawn like PyTorch's ``kaiming_uniform(a=sqrt(5))``
(as the ``peft`` library does) and ``lora_b: [rank, out_features]`` zero, so the adapted
model starts equal to the base one.

Over a model quantized by ``zenax.quantize`` this is QLoRA (Dettmers et al., 2023): the
adapters train in float while the packed base weights stay frozen, and ``merge_lora``
re-quantizes the merged weights (or, with ``dequantize=True``, returns a float model).

The workflow, all on ordinary pytrees:

>>> import zenax, zenax.numpy as jnp
>>> from zenax.models import MLP, apply_lora, combine, lora_partition, merge_lora
>>> model = MLP(4, [16], 2, key=zenax.random.PRNGKey(0))
>>> model = apply_lora(model, rank=2, alpha=4.0, key=zenax.random.PRNGKey(1))
>>> trainable, frozen = lora_partition(model)   # only lora_a / lora_b are trainable
>>> grads = zenax.grad(lambda t: combine(t, frozen)(jnp.ones(4)).sum())(trainable)
>>> merged = merge_lora(model)                   # plain Linear layers, W + scale * A @ B
"""
from __future__ import annotations

from typing import Any, Callable

import zenax.lax.jnp as jnp
from zenax.lax import random
from zenax.lax.quantized_matmul import QuantizedArray, dequantize_array, quantize_array
from zenax.tracer import tree_util
from zenax.tracer.tree_util import keystr

from . import initializers
from .layers import Linear, check_last_dim
from .module import Module, field, partition
from .quantize import dequantize as dequantize_model

# U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's kaiming_uniform(a=sqrt(5)), peft's A init.
_lora_a_init = initializers.variance_scaling(1 / 3, "fan_in", "uniform")


class LoRALinear(Module):
    """A ``Linear`` plus the low-rank update ``(alpha / rank) * x @ lora_a @ lora_b``.

    >>> base = Linear(8, 4, key=zenax.random.PRNGKey(0))
    >>> layer = LoRALinear(base, rank=2, alpha=2.0, key=zenax.random.PRNGKey(1))
    >>> bool((layer(jnp.ones(8)) == base(jnp.ones(8))).all())     # lora_b starts at zero
    True
    """
    base: Linear
    lora_a: Any
    lora_b: Any
    rank: int = field(static=True)
    alpha: float = field(static=True)

    def __init__(self, base: Linear, rank: int, alpha: float, *, key):
        if not isinstance(base, Linear):
            raise TypeError(f"LoRALinear: base must be a zenax.models.Linear, got "
                            f"{type(base).__name__}.")
        if not isinstance(rank, int) or rank < 1:
            raise ValueError(f"LoRALinear: rank must be a positive int, got {rank!r}.")
        dtype = base.weight.dtype
        self.base = base
        self.lora_a = _lora_a_init(key, (base.in_features, rank), dtype)
        self.lora_b = jnp.zeros((rank, base.out_features), dtype)
        self.rank = rank
        self.alpha = float(alpha)

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    @property
    def scale(self) -> float:
        """``alpha / rank``."""
        return self.alpha / self.rank

    def __call__(self, x):
        x = check_last_dim("LoRALinear", x, self.base.in_features, "in_features",
                           "Reshape the input to match the base layer.")
        update = jnp.matmul(jnp.matmul(x, self.lora_a), self.lora_b)
        return self.base(x) + self.scale * update

    def delta(self):
        """The weight update ``scale * lora_a @ lora_b``: ``[in_features, out_features]``."""
        return self.scale * jnp.matmul(self.lora_a, self.lora_b)


def _is_linear(x) -> bool:
    return isinstance(x, (Linear, LoRALinear))


def _all_linears(path: str, layer: Linear) -> bool:
    return True


def apply_lora(model: Any, rank: int, alpha: float, *,
               where: Callable[[str, Linear], bool] = _all_linears, key) -> Any:
    """Replace each ``Linear`` in ``model`` for which ``where(path, layer)`` holds by a
    ``LoRALinear`` around it (layers that already have an adapter are left alone).

    ``path`` is the layer's key string, e.g. ``'.blocks[0].attn.q'``, so
    ``where=path_matches("*.q", "*.v")`` adapts the query and value projections only.
    ``key`` is split into one key per adapted layer, in tree order.

    >>> model = apply_lora(model, rank=8, alpha=16.0, where=path_matches("*.q", "*.v"),
    ...                    key=zenax.random.PRNGKey(0))
    """
    pairs, treedef = tree_util.tree_flatten_with_path(model, is_leaf=_is_linear)
    chosen = [i for i, (path, x) in enumerate(pairs)
              if isinstance(x, Linear) and where(keystr(path), x)]
    if not chosen:
        raise ValueError("apply_lora: no Linear layer matched `where`, so nothing would be "
                         "trained. Check the predicate against the layer paths, e.g. "
                         "[keystr(p) for p, _ in tree_flatten_with_path(model)].")
    leaves = [x for _, x in pairs]
    for i, layer_key in zip(chosen, random.split(key, len(chosen))):
        leaves[i] = LoRALinear(leaves[i], rank, alpha, key=layer_key)
    return tree_util.tree_unflatten(treedef, leaves)


def _map_lora(fn: Callable[[LoRALinear], Any], model: Any) -> Any:
    return tree_util.tree_map(lambda x: fn(x) if isinstance(x, LoRALinear) else x, model,
                              is_leaf=lambda x: isinstance(x, LoRALinear))


def merge_lora(model: Any, *, dequantize: bool = False) -> Any:
    """Fold every ``LoRALinear`` into a plain ``Linear`` with weight ``W + scale * A @ B``
    (for inference: one matmul per layer, no adapter).

    Over a quantized base (QLoRA) the sum is formed in float and quantized again with
    the base's ``bits``, ``group_size`` and ``mode``, so the merged model keeps its size
    (and picks up one more rounding).  ``dequantize=True`` returns a float model instead:
    the merged weights in float, equal to the adapted model's up to float rounding, and
    every other quantized weight (an embedding, say) dequantized.

    >>> merged = merge_lora(lora_model)      # merged(x) ~= lora_model(x)
    >>> merged = merge_lora(qlora_model, dequantize=True)     # a float model
    """
    merged = _map_lora(
        lambda layer: layer.base.replace(weight=_merged_weight(layer, dequantize)), model)
    return dequantize_model(merged) if dequantize else merged


def _merged_weight(layer: LoRALinear, dequantize: bool):
    w = layer.base.weight
    if not isinstance(w, QuantizedArray):
        return w + layer.delta()
    merged = dequantize_array(w) + layer.delta()
    return merged if dequantize else quantize_array(merged, w.bits, w.group_size, w.mode,
                                                    axis=w.axis)


def unmerge_lora(merged: Any, adapters: Any) -> Any:
    """Undo :func:`merge_lora`: the LoRA model ``adapters`` with each base weight recovered
    from ``merged`` as ``W_merged - scale * A @ B`` (and its bias taken from ``merged``).

    ``adapters`` is the LoRA model whose ``lora_a`` / ``lora_b`` were merged; its own base
    weights are not used, so shipping merged weights plus the adapters is enough to get the
    base model back and swap in another adapter.

    >>> lora_model_again = unmerge_lora(merge_lora(lora_model), lora_model)
    """
    merged_layers = {keystr(p): x for p, x in
                     tree_util.tree_flatten_with_path(merged, is_leaf=_is_linear)[0]
                     if isinstance(x, Linear)}

    def unmerge(path, layer):
        if not isinstance(layer, LoRALinear):
            return layer
        name = keystr(path)
        base = merged_layers.get(name)
        if base is None:
            raise ValueError(f"unmerge_lora: `merged` has no Linear layer at {name!r}, where "
                             "`adapters` has a LoRALinear. Pass the model that merge_lora "
                             "returned for these adapters.")
        if isinstance(base.weight, QuantizedArray):
            raise ValueError(f"unmerge_lora: the Linear at {name!r} in `merged` is quantized; "
                             "re-quantizing the merged weight rounded it, so the base weight "
                             "cannot be recovered exactly. Keep the quantized base and its "
                             "adapters, or merge with merge_lora(model, dequantize=True).")
        return layer.replace(base=base.replace(weight=base.weight - layer.delta()))
    return tree_util.tree_map_with_path(unmerge, adapters,
                                        is_leaf=lambda x: isinstance(x, LoRALinear))


def lora_trainable(model: Any) -> Callable[[str, Any], bool]:
    """The ``(path, leaf)`` predicate of ``model``'s trainable LoRA leaves (every
    ``lora_a`` and ``lora_b``), for :func:`~zenax.models.partition` with
    ``with_path=True``.

    >>> trainable, frozen = partition(model, lora_trainable(model), with_path=True)
    """
    paths = {keystr(p) for p, x in tree_util.tree_flatten_with_path(
        model, is_leaf=lambda x: isinstance(x, LoRALinear))[0] if isinstance(x, LoRALinear)}
    names = {f"{p}.{field_name}" for p in paths for field_name in ("lora_a", "lora_b")}
    return lambda path, leaf: path in names


def lora_partition(model: Any) -> tuple[Any, Any]:
    """``(trainable, frozen)``: the LoRA adapters and everything else, as two trees of the
    model's structure (``None`` where a leaf is on the other side); ``combine`` them back.

    >>> trainable, frozen = lora_partition(model)
    >>> model = combine(trainable, frozen)
    """
    return partition(model, lora_trainable(model), with_path=True)
