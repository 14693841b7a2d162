"""LoRA on zenax.models: forward and gradients vs JAX, equal to the base model at init,
only the adapters move under SGD on the trainable partition (frozen weights bit-identical),
merge / unmerge, and apply_lora's path predicate."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.models import (MLP, Linear, LoRALinear, Module, apply_lora, combine, lora_partition,
                          merge_lora, path_matches, unmerge_lora)
from zenax.tree_util import tree_leaves, tree_map

from module_oracle import check_module, named_params

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

KEY = zenax.random.PRNGKey(0)


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _with_random_b(layer: LoRALinear, seed=1) -> LoRALinear:
    return layer.replace(lora_b=_normal(*layer.lora_b.shape, seed=seed))


def test_lora_linear_matches_jax():
    layer = _with_random_b(LoRALinear(Linear(5, 3, key=KEY), rank=2, alpha=8.0,
                                      key=zenax.random.PRNGKey(1)))

    def reference(p, x):
        base = x @ p[".base.weight"] + p[".base.bias"]
        return base + (8.0 / 2) * (x @ p[".lora_a"] @ p[".lora_b"])
    check_module(layer, lambda m, x: m(x), reference, _normal(4, 5), vmap_axes=(0,))


def test_lora_init_equals_base_and_matches_peft_init():
    base = Linear(6, 3, key=KEY)
    layer = LoRALinear(base, rank=2, alpha=4.0, key=zenax.random.PRNGKey(1))
    bound = 1 / np.sqrt(6)    # kaiming_uniform(a=sqrt(5)) on fan_in = 6
    ref_a = jax.nn.initializers.variance_scaling(1 / 3, "fan_in", "uniform")(
        zenax.random.PRNGKey(1), (6, 2))
    np.testing.assert_array_equal(layer.lora_a, ref_a)
    assert float(np.abs(np.asarray(layer.lora_a)).max()) <= bound
    np.testing.assert_array_equal(layer.lora_b, np.zeros((2, 3), np.float32))
    x = _normal(4, 6)
    np.testing.assert_array_equal(layer(x), base(x))


class Block(Module):
    q: Linear
    v: Linear
    out: Linear

    def __init__(self, *, key):
        kq, kv, ko = zenax.random.split(key, 3)
        self.q, self.v, self.out = Linear(4, 4, key=kq), Linear(4, 4, key=kv), Linear(4, 2, key=ko)

    def __call__(self, x):
        return self.out(znp.tanh(self.q(x)) * self.v(x))


def test_apply_lora_by_path_and_sgd_trains_only_the_adapters():
    model = {"blocks": [Block(key=k) for k in zenax.random.split(KEY, 2)]}
    lora = apply_lora(model, rank=2, alpha=2.0, where=path_matches("*.q", "*.v"),
                      key=zenax.random.PRNGKey(5))
    for block in lora["blocks"]:
        assert isinstance(block.q, LoRALinear) and isinstance(block.v, LoRALinear)
        assert isinstance(block.out, Linear)
    x, y = _normal(8, 4, seed=2), _normal(8, 2, seed=3)
    forward = lambda m, x: sum(block(x) for block in m["blocks"])  # noqa: E731
    np.testing.assert_array_equal(forward(lora, x), forward(model, x))

    trainable, frozen = lora_partition(lora)
    assert sorted(named_params(trainable)) == sorted(
        f"['blocks'][{i}].{n}.lora_{ab}" for i in range(2) for n in "qv" for ab in "ab")

    @zenax.jit
    def sgd_step(trainable, frozen):
        loss = lambda t: znp.mean((forward(combine(t, frozen), x) - y) ** 2)  # noqa: E731
        grads = zenax.grad(loss)(trainable)
        return tree_map(lambda p, g: p - 0.5 * g, trainable, grads)

    for _ in range(3):
        trainable = sgd_step(trainable, frozen)
    trained = combine(trainable, frozen)
    before, after = named_params(lora), named_params(trained)
    for name in before:
        if name.endswith((".lora_a", ".lora_b")):
            assert not np.array_equal(before[name], after[name]), name
        else:
            np.testing.assert_array_equal(before[name], after[name], err_msg=name)
    loss_of = lambda m: float(np.mean((np.asarray(forward(m, x)) - y) ** 2))  # noqa: E731
    assert loss_of(trained) < loss_of(lora)


def test_sgd_step_gradient_matches_jax():
    """The adapters' gradient equals jax.grad of the same LoRA MLP written in JAX."""
    lora = apply_lora(MLP(3, [5], 2, key=KEY), rank=2, alpha=4.0, key=zenax.random.PRNGKey(2))
    lora = lora.replace(layers=tuple(_with_random_b(layer, i) for i, layer in
                                     enumerate(lora.layers)))
    trainable, frozen = lora_partition(lora)
    x = _normal(6, 3)

    def reference(t, p):
        h = x
        for i in range(2):
            pre = f".layers[{i}]"
            h = (h @ p[pre + ".base.weight"] + p[pre + ".base.bias"]
                 + 2.0 * h @ t[pre + ".lora_a"] @ t[pre + ".lora_b"])
            h = jax.nn.relu(h) if i == 0 else h
        return jnp.sum(jnp.sin(h))

    grads = zenax.grad(lambda t: znp.sum(znp.sin(combine(t, frozen)(x))))(trainable)
    ref = jax.grad(reference)(named_params(trainable), named_params(frozen))
    got = named_params(grads)
    assert sorted(got) == sorted(ref)
    for name in got:
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_merge_and_unmerge():
    lora = apply_lora(MLP(3, [5], 2, key=KEY), rank=2, alpha=4.0, key=zenax.random.PRNGKey(2))
    lora = lora.replace(layers=tuple(_with_random_b(layer, i) for i, layer in
                                     enumerate(lora.layers)))
    merged = merge_lora(lora)
    assert all(type(layer) is Linear for layer in merged.layers)
    x = _normal(6, 3)
    np.testing.assert_allclose(merged(x), lora(x), rtol=1e-5, atol=1e-6)
    layer = lora.layers[0]
    expected = np.asarray(layer.base.weight) + 2.0 * np.asarray(layer.lora_a) @ np.asarray(
        layer.lora_b)
    np.testing.assert_allclose(merged.layers[0].weight, expected, rtol=1e-6, atol=1e-6)

    again = unmerge_lora(merged, lora)
    for a, b in zip(tree_leaves(again), tree_leaves(lora)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(again(x), lora(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"unmerge_lora: `merged` has no Linear layer at"):
        unmerge_lora({"other": merged}, lora)


def test_apply_lora_errors():
    model = MLP(3, [5], 2, key=KEY)
    with pytest.raises(ValueError, match=r"apply_lora: no Linear layer matched `where`"):
        apply_lora(model, rank=2, alpha=1.0, where=path_matches("*.nothing"), key=KEY)
    with pytest.raises(ValueError, match=r"LoRALinear: rank must be a positive int"):
        apply_lora(model, rank=0, alpha=1.0, key=KEY)
    lora = apply_lora(model, rank=2, alpha=1.0, key=KEY)
    with pytest.raises(ValueError, match=r"apply_lora: no Linear layer matched"):
        apply_lora(lora, rank=2, alpha=1.0, key=KEY)   # adapted layers are left alone
