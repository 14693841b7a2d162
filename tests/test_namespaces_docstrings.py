"""The ``>>>`` examples of issue 24's namespaces: JAX's examples print the same under
zenax (docstring_examples.py), and zenax's own examples print what they say."""
import doctest
import importlib

import numpy as np
import pytest

import docstring_examples as dx
import zenax

# JAX's examples that must agree, per namespace.  Left out, with the reason:
#   jax.tree_util.flatten_one_level -- imports it from jax._src;
#   jax.make_array_from_* -- build meshes (jax.sharding, another issue).
AGREEING = {
    "jax.tree": ["all", "broadcast", "flatten", "flatten_with_path", "leaves",
                 "leaves_with_path", "map", "map_with_path", "reduce", "reduce_associative",
                 "static", "structure", "transpose", "unflatten"],
    "jax.tree_util": ["Partial", "all_leaves", "keystr", "register_dataclass",
                      "register_pytree_node", "register_pytree_node_class",
                      "register_pytree_with_keys", "register_pytree_with_keys_class",
                      "register_static", "treedef_children", "treedef_is_leaf",
                      "treedef_tuple"],
    "jax.dtypes": ["finfo", "prng_key", "extended"],
    "jax.ad_checkpoint": ["checkpoint_name"],
    "jax.custom_batching": ["sequential_vmap", "custom_vmap"],
    "jax": ["pure_callback", "linear_transpose", "device_get", "named_scope", "fwd_and_bwd",
            "custom_gradient"],
}
CASES = [(ns, name) for ns, names in AGREEING.items() for name in names]


@pytest.mark.parametrize("namespace,name", CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_jax_examples_print_the_same(namespace, name):
    comparison = dx.compare(namespace, name)
    assert comparison is not None, f"{namespace}.{name} has no examples"
    assert comparison.agrees, comparison.first_difference()


MODULES = ["zenax.tracer.tree_functions", "zenax.tracer.annotations", "zenax.lax.dtypes_api",
           "zenax.lax.custom_batching", "zenax.lax.ravel_pytree", "zenax.lax.closure_conversion",
           "zenax.lax.callbacks", "zenax.lax.debug_callbacks", "zenax.lax.debugger",
           "zenax.transforms.checkpoint_policies", "zenax.transforms.saved_residuals",
           "zenax.transforms.linear_transpose", "zenax.transforms.trace_contexts",
           "zenax.transforms.runtime_info", "zenax.transforms.config_contexts",
           "zenax.transforms.fwd_and_bwd", "zenax.tree",
           "zenax.typing", "zenax.dtypes"]


@pytest.mark.parametrize("module", MODULES)
def test_own_examples_hold(module):
    result = doctest.testmod(importlib.import_module(module),
                             extraglobs={"zenax": zenax, "np": np},
                             optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
