"""checkify's interpreter: evaluate a jaxpr with an error value threaded through.

Each equation is re-bound under the current trace (so ``jit``, ``vmap`` and ``grad``
around ``checkify`` see ordinary primitives); where a rule is registered for its
primitive, the rule also adds the checks JAX's checkify makes there: NaN outputs of the
primitives that can create them, division by zero in ``div``, out-of-bounds starts and
indices in ``dynamic_slice``, ``dynamic_update_slice``, ``gather`` and the scatters, and
the errors carried by ``check``.  Rules are keyed by primitive name, JAX's names.

Control flow keeps its structure: a ``cond`` becomes a ``switch`` whose branches return
the error, a loop carries it.  Both need the error's effects known before the body is
staged, so each body is first traced once to learn which effects it adds (placeholders,
never set, fill them in).  ``jit_call`` and ``remat`` are re-bound on their checkified
body (cached per body, so a jitted function still compiles once); the custom-derivative
calls are checked through their primal body; a ``shard_map`` (and so ``pmap``) checks
its body on every device and gives back one error per device.
"""
from __future__ import annotations

import functools
import weakref
from typing import Callable

import numpy as np
from jax.sharding import PartitionSpec as P

import zenax.lax.jnp as jnp
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import bind, get_aval
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, Literal, closed_to_open, eval_jaxpr
from zenax.tracer.provenance import reinterpreting
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_unflatten
from zenax.lax.control_flow import scan, switch, while_loop

from .checkify_errors import (DivisionByZeroError, Error, NaNError, OOBError,
                              add_placeholder_effects, assert_func, update_error)
from .shard_map_primitive import (bind_shard_map, body_axis_env, spec_vma, typed_body)

# name -> rule(primitive, error, enabled_errors, *invals, **params) -> (error, outvals)
error_checks: dict[str, Callable] = {}


def checkify_jaxpr(jaxpr: Jaxpr, consts, enabled: frozenset, error: Error, *args):
    """Evaluate ``jaxpr`` under the current trace; return ``(error, outputs)``."""
    env = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))

    def read(v):
        return v.val if type(v) is Literal else env[v]

    for eqn in jaxpr.eqns:
        invals = [read(v) for v in eqn.invars]
        rule = error_checks.get(eqn.primitive.name)
        with reinterpreting(eqn.source_info, eqn.provenance):
            if rule is None:
                outs = bind(eqn.primitive, *invals, **eqn.params)
            else:
                error, outs = rule(eqn.primitive, error, enabled, *invals, **eqn.params)
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, outs))
        else:
            env[eqn.outvars[0]] = outs
    return error, [read(v) for v in jaxpr.outvars]


# --------------------------------------------------------------------------- NaNs, division

def _nan_rule(prim, error, enabled, *invals, **params):
    out = bind(prim, *invals, **params)
    return check_nans(prim.name, error, enabled, out if prim.multiple_results else [out]), out


def check_nans(name: str, error: Error, enabled, outs) -> Error:
    if NaNError not in enabled:
        return error
    floats = [x for x in outs if jnp.issubdtype(get_aval(x).dtype, jnp.inexact)]
    if not floats:
        return error
    any_nan = functools.reduce(jnp.logical_or, [jnp.any(jnp.isnan(x)) for x in floats])
    return assert_func(error, any_nan, NaNError, lambda _: NaNError(name))


# JAX's list of the primitives that can produce a NaN.
_NAN_PRIMITIVES = (
    "acos acosh add asin asinh atan2 atan atanh bessel_i0e bessel_i1e cbrt "
    "conv_general_dilated cos cosh cumlogsumexp cummax cummin cumprod cumsum digamma "
    "dot_general erf_inv erf erfc exp expm1 fft igamma_grad_a igamma igammac integer_pow "
    "lgamma custom_linear_solve log1p log logistic mul pad pow psum reduce reduce_prod "
    "reduce_sum reduce_window reduce_window_sum regularized_incomplete_beta rem "
    "rng_uniform rsqrt sin sinh sqrt sub tan tanh").split()
for _name in _NAN_PRIMITIVES:
    error_checks[_name] = _nan_rule


def _div_rule(prim, error, enabled, x, y):
    if DivisionByZeroError in enabled:
        error = assert_func(error, jnp.any(jnp.equal(y, 0)), DivisionByZeroError,
                            lambda _: DivisionByZeroError())
    return _nan_rule(prim, error, enabled, x, y)


error_checks["div"] = _div_rule


# --------------------------------------------------------------------------- indexing

def _oob_payload(oob_mask, indices, dims_map, operand_shape):
    """``[index, axis, axis size]`` of the first out-of-bounds index."""
    flat = jnp.argmin(jnp.logical_not(oob_mask))
    last = jnp.unravel_index(flat, get_aval(indices).shape)[-1]
    axis = jnp.asarray(np.asarray(dims_map, np.int32))[last]
    size = jnp.asarray(np.asarray(operand_shape, np.int32))[axis]
    index = jnp.ravel(indices)[flat].astype(np.int32)
    return jnp.stack([index, axis, size])


def _add_oob(error, oob_mask, indices, dims_map, name, shape):
    payload = _oob_payload(oob_mask, indices, dims_map, shape)
    return assert_func(error, jnp.any(oob_mask), OOBError,
                       lambda p: OOBError(name, shape, p[0]), [payload])


def _start_oob(error, enabled, name, operand, window_shape, starts):
    if OOBError not in enabled or not starts:
        return error
    starts = jnp.stack([jnp.asarray(s) for s in starts])
    dims = np.asarray(get_aval(operand).shape, starts.dtype)
    oob = (starts < 0) | (starts + np.asarray(window_shape, starts.dtype) > dims)
    return _add_oob(error, oob, starts, range(len(dims)), name, get_aval(operand).shape)


def _dynamic_slice_rule(prim, error, enabled, operand, *starts, slice_sizes):
    out = bind(prim, operand, *starts, slice_sizes=slice_sizes)
    return _start_oob(error, enabled, "dynamic_slice", operand, slice_sizes, starts), out


def _dynamic_update_slice_rule(prim, error, enabled, operand, update, *starts):
    out = bind(prim, operand, update, *starts)
    error = _start_oob(error, enabled, "dynamic_update_slice", operand,
                       get_aval(update).shape, starts)
    return error, out


def _gather_rule(prim, error, enabled, operand, indices, **params):
    out = bind(prim, operand, indices, **params)
    if OOBError not in enabled or get_aval(indices).size == 0:
        return error, out
    dnums, shape = params["dimension_numbers"], get_aval(operand).shape
    index_map = np.asarray(dnums.start_index_map, int)
    upper = (np.asarray(shape, np.int64)[index_map]
             - np.asarray(params["slice_sizes"], np.int64)[index_map])
    idx_dtype = get_aval(indices).dtype
    oob = (indices < 0) | (indices > upper.astype(idx_dtype))
    return _add_oob(error, oob, indices, dnums.start_index_map, "gather", shape), out


def _scatter_rule(prim, error, enabled, operand, indices, updates, **params):
    out = bind(prim, operand, indices, updates, **params)
    if OOBError in enabled and get_aval(indices).size:
        dnums, shape = params["dimension_numbers"], get_aval(operand).shape
        window = iter(dnums.update_window_dims)
        sizes = [1 if i in dnums.inserted_window_dims else
                 get_aval(updates).shape[next(window)] for i in range(len(shape))]
        idx_dtype = get_aval(indices).dtype
        upper = np.minimum([shape[i] - sizes[i] for i in dnums.scatter_dims_to_operand_dims],
                           np.iinfo(idx_dtype).max).astype(idx_dtype)
        oob = (indices < 0) | (indices > upper)
        error = _add_oob(error, oob, indices, dnums.scatter_dims_to_operand_dims, prim.name,
                         shape)
    return check_nans(prim.name, error, enabled, [out]), out


error_checks["dynamic_slice"] = _dynamic_slice_rule
error_checks["dynamic_update_slice"] = _dynamic_update_slice_rule
error_checks["gather"] = _gather_rule
for _name in ("scatter", "scatter-add", "scatter-mul", "scatter-min", "scatter-max"):
    error_checks[_name] = _scatter_rule


# --------------------------------------------------------------------------- check

def _check_rule(prim, error, enabled, *args, err_tree, debug):
    """Functionalize a ``check``: merge the enabled errors it carries into ``error``."""
    new = tree_unflatten(err_tree, args)
    for effect, pred in new._pred.items():
        if effect.error_type in enabled:
            error = update_error(error, pred, new._code[effect], effect,
                                 new._payload[effect])
    return error, []


error_checks["check"] = _check_rule


# --------------------------------------------------------------------------- control flow

def _effects_of(fun: Callable, args) -> set:
    """The error effects ``fun(error, ...) -> (error, ...)`` returns, found by staging it
    on the avals of ``args`` (a pytree) and throwing the jaxpr away."""
    leaves, tree = tree_flatten(args)
    found = set()

    def flat(*xs):
        error = fun(*tree_unflatten(tree, xs))[0]
        found.update(error._pred)
        return []
    trace_to_jaxpr(flat, [x if isinstance(x, ShapedArray) else get_aval(x) for x in leaves])
    return found


def _merged_error(error: Error, fun: Callable, args) -> Error:
    return add_placeholder_effects(error, _effects_of(fun, args))


def _cond_rule(prim, error, enabled, index, *ops, branches):
    fns = [functools.partial(_run_closed, b, enabled) for b in branches]
    effects = set().union(*(_effects_of(f, (error, list(ops))) for f in fns))
    error = add_placeholder_effects(error, effects)
    return switch(index, fns, error, list(ops))


def _run_closed(closed: ClosedJaxpr, enabled, error, args):
    return checkify_jaxpr(closed.jaxpr, closed.consts, enabled, error, *args)


def _scan_rule(prim, error, enabled, *args, jaxpr, length, reverse, unroll, num_consts,
               num_carry):
    consts, carry = args[:num_consts], list(args[num_consts:num_consts + num_carry])
    xs = list(args[num_consts + num_carry:])

    def body(err_carry, x):
        err, outs = _run_closed(jaxpr, enabled, err_carry[0], [*consts, *err_carry[1], *x])
        return (err, outs[:num_carry]), outs[num_carry:]

    x_avals = [get_aval(x).update(shape=get_aval(x).shape[1:]) for x in xs]
    error = _merged_error(error, lambda e, c, x: body((e, c), x)[0], (error, carry, x_avals))
    (error, carry), ys = scan(body, (error, carry), xs, length=length, reverse=reverse,
                              unroll=unroll)
    return error, carry + ys


_BATCHED_WHILE = ("Checkify does not support batched while-loops (checkify-of-vmap-of-while)."
                  " \nHint: if possible, move the vmap to the outer level to get "
                  "vmap-of-checkify-of-while.")


def _while_rule(prim, error, enabled, *args, cond_jaxpr, body_jaxpr, cond_nconsts,
                body_nconsts, max_steps):
    if cond_jaxpr.out_avals[0].shape:
        raise ValueError(_BATCHED_WHILE)
    cconsts, bconsts = args[:cond_nconsts], args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    # Errors of the first test of the condition, then of each body and the test after it.
    error, _ = _run_closed(cond_jaxpr, enabled, error, [*cconsts, *carry])

    def body(err_carry):
        err, outs = _run_closed(body_jaxpr, enabled, err_carry[0], [*bconsts, *err_carry[1]])
        err, _ = _run_closed(cond_jaxpr, enabled, err, [*cconsts, *outs])
        return err, outs

    def cond_fun(err_carry):
        return eval_jaxpr(cond_jaxpr.jaxpr, cond_jaxpr.consts, *cconsts, *err_carry[1])[0]

    error = _merged_error(error, lambda e, c: body((e, c)), (error, carry))
    return while_loop(cond_fun, body, (error, carry), max_steps=max_steps)


error_checks["cond"] = _cond_rule
error_checks["scan"] = _scan_rule
error_checks["while"] = _while_rule


# --------------------------------------------------------------------------- calls

_call_cache: "weakref.WeakKeyDictionary[ClosedJaxpr, dict]" = weakref.WeakKeyDictionary()


def _checked_body(jaxpr: ClosedJaxpr, enabled, error: Error):
    """``jaxpr`` checkified for an incoming error of ``error``'s type: a const-free jaxpr
    taking ``(*consts, *error leaves, *args)``, its consts, and the error's tree out."""
    leaves, tree = tree_flatten(error)
    err_avals = [get_aval(x) for x in leaves]
    key = (enabled, tree, tuple((a.shape, a.dtype, a.weak_type) for a in err_avals))
    per_jaxpr = _call_cache.setdefault(jaxpr, {})
    if key not in per_jaxpr:
        box = {}

        def flat(*xs):
            err, outs = _run_closed(jaxpr, enabled, tree_unflatten(tree, xs[:len(leaves)]),
                                    xs[len(leaves):])
            err_leaves, box["tree"] = tree_flatten(err)
            return err_leaves + outs
        closed, _ = trace_to_jaxpr(flat, err_avals + list(jaxpr.in_avals))
        per_jaxpr[key] = (*closed_to_open(closed), box["tree"])
    return per_jaxpr[key]


def _call_rule(prim, error, enabled, *args, jaxpr, **params):
    """Re-bind a call (``jit_call``, ``remat``) on its checkified body."""
    body, consts, out_tree = _checked_body(jaxpr, enabled, error)
    outs = bind(prim, *consts, *tree_flatten(error)[0], *args, jaxpr=body, **params)
    n_err = out_tree.num_leaves
    return tree_unflatten(out_tree, outs[:n_err]), outs[n_err:]


def _custom_call_rule(prim, error, enabled, *args, call_jaxpr, **params):
    return _run_closed(call_jaxpr, enabled, error, args)


def _shard_map_rule(prim, error, enabled, *args, jaxpr, mesh, in_specs, out_specs, check_vma,
                    manual_axes):
    """Check the body on every device (``shard_map``, so ``pmap``): the incoming error
    enters replicated and each device's error leaves stacked along a new leading axis
    split over the manual mesh axes: a batched error, reported per device as JAX's
    ("at mapped index 1: ...")."""
    err_leaves, err_tree = tree_flatten(error)
    n_err, box = len(err_leaves), {}

    def flat(*xs):
        err, outs = _run_closed(jaxpr, enabled, tree_unflatten(err_tree, xs[:n_err]),
                                xs[n_err:])
        leaves, box["tree"] = tree_flatten(err)
        return [jnp.expand_dims(x, 0) for x in leaves] + list(outs)

    with body_axis_env(mesh, manual_axes, check_vma):
        closed, _ = trace_to_jaxpr(flat, [get_aval(x) for x in err_leaves]
                                   + list(jaxpr.in_avals))
    body, consts = closed_to_open(closed)
    n_out_err = box["tree"].num_leaves
    axes = tuple(n for n in mesh.axis_names if n in manual_axes)
    specs_in = (P(),) * (len(consts) + n_err) + tuple(in_specs)
    specs_out = (P(axes),) * n_out_err + tuple(out_specs)
    if check_vma:
        body, _ = typed_body(body, specs_in, [spec_vma(s) for s in specs_out], mesh,
                             manual_axes)
    outs = bind_shard_map([*consts, *err_leaves, *args], jaxpr=body, mesh=mesh,
                          in_specs=specs_in, out_specs=specs_out, check_vma=check_vma,
                          manual_axes=manual_axes)
    return tree_unflatten(box["tree"], outs[:n_out_err]), outs[n_out_err:]


error_checks["jit_call"] = _call_rule
error_checks["remat"] = _call_rule
error_checks["custom_jvp_call"] = _custom_call_rule
error_checks["custom_vjp_call"] = _custom_call_rule
error_checks["shard_map"] = _shard_map_rule
