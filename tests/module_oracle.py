"""JAX as the oracle for zenax.models layers: a layer's forward pass and its gradients
(w.r.t. every parameter and the float inputs) must equal those of the same computation
written directly in JAX, eagerly, under ``zenax.jit`` and, optionally, ``zenax.vmap``.

The JAX reference reads the zenax module's parameters by key path::

    def reference(p, x):             # p = {'.weight': ..., '.bias': ...}
        return x @ p[".weight"] + p[".bias"]
    check_module(layer, lambda m, x: m(x), reference, x)
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

import zenax
import zenax.numpy as znp
from zenax.tree_util import keystr, tree_flatten_with_path, tree_leaves

from oracle import assert_close


def named_params(tree: Any) -> dict:
    """``{key path: array}`` for the array leaves of a zenax pytree (a module)."""
    return {keystr(path): leaf for path, leaf in tree_flatten_with_path(tree)[0]
            if hasattr(leaf, "shape")}


def _loss(numpy, outputs) -> Any:
    """A scalar that depends on every output element non-linearly (so gradients see all)."""
    return sum(numpy.sum(numpy.sin(y)) for y in tree_leaves(outputs)
               if numpy.issubdtype(y.dtype, numpy.floating))


def check_module(model, apply: Callable, reference: Callable, *inputs, tol=(1e-5, 1e-6),
                 grad_tol=None, vmap_axes: tuple | None = None) -> None:
    """``apply(model, *inputs)`` vs ``reference(named_params(model), *inputs)``: outputs and
    gradients of a scalar loss w.r.t. the parameters and the float inputs (``zenax.grad`` vs
    ``jax.grad``), eagerly and under ``zenax.jit``; given ``vmap_axes`` (one in_axes entry
    per input), also ``zenax.vmap`` vs ``jax.vmap``."""
    grad_tol = tol if grad_tol is None else grad_tol
    params = named_params(model)
    argnums = (0,) + tuple(i + 1 for i, x in enumerate(inputs)
                           if np.issubdtype(np.asarray(x).dtype, np.floating))

    def loss_and_output(numpy, fn):
        def f(m, *xs):
            out = fn(m, *xs)
            return _loss(numpy, out), out
        return f
    # Each side in one pass: the output rides along as aux.
    ours = zenax.grad(loss_and_output(znp, apply), argnums, has_aux=True)
    theirs = jax.jit(jax.grad(loss_and_output(jnp, reference), argnums, has_aux=True))
    j_grads, expected = theirs(params, *inputs)
    for name, fn in (("eager", ours), ("jit", zenax.jit(ours))):
        z_grads, out = fn(model, *inputs)
        assert_close(out, expected, rtol=tol[0], atol=tol[1], err_msg=f"{name} forward")
        z_named = named_params(z_grads[0])
        assert sorted(z_named) == sorted(j_grads[0]), (sorted(z_named), sorted(j_grads[0]))
        for key in z_named:
            assert_close(z_named[key], j_grads[0][key], rtol=grad_tol[0], atol=grad_tol[1],
                         err_msg=f"{name} grad {key}")
        assert_close(z_grads[1:], j_grads[1:], rtol=grad_tol[0], atol=grad_tol[1],
                     err_msg=f"{name} grad inputs")

    if vmap_axes is not None:
        z_out = zenax.vmap(apply, in_axes=(None,) + tuple(vmap_axes))(model, *inputs)
        j_out = jax.vmap(reference, in_axes=(None,) + tuple(vmap_axes))(params, *inputs)
        assert_close(z_out, j_out, rtol=tol[0], atol=tol[1], err_msg="vmap forward")
