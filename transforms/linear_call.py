"""``linear_call``: a linear function paired with its own transpose, as a primitive whose
jvp, transpose and batching rules use that pairing (``jax.custom_derivatives.linear_call``).

>>> import zenax
>>> from zenax.custom_derivatives import linear_call
>>> zenax.grad(lambda x: linear_call(lambda r, x: x / r, lambda r, t: 7.0 * t, 2.0, x))(1.0)
Array(7., dtype=float32, weak_type=True)
"""
from __future__ import annotations

from typing import Any, Callable

from zenax.lax.broadcasting import bdim_at_front, zeros_like_aval
from zenax.lax.registry import tangent_aval
from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.core import (Primitive, abstract_eval_rules, batch_rules, bind, get_aval,
                               impl_rules, jvp_rules, lowering_rules, transpose_rules)
from zenax.tracer.ir import ClosedJaxpr, closed_to_open
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_unflatten
from zenax.transforms.lowering import lower_jaxpr
from zenax.transforms.subjaxpr import batch_jaxpr, eval_closed


# linear_call(*callee_consts, *res, *lin, callee, transpose_thunk, num_callee_consts,
# num_res): ``callee`` is linear in ``lin``; its transpose is another linear_call, of the
# jaxpr ``transpose_thunk()`` gives, whose own transpose is ``callee`` again.  The
# transpose is staged only when needed (it is typed by callee's outputs).
linear_call_p = Primitive("linear_call", multiple_results=True)


def linear_call(fun: Callable, fun_transpose: Callable, residual_args: Any,
                linear_args: Any) -> Any:
    """``fun(residual_args, linear_args)``, where ``fun`` is linear in ``linear_args`` and
    ``fun_transpose(residual_args, cotangents)`` is its transpose: reverse mode and
    ``linear_transpose`` use ``fun_transpose`` rather than transposing ``fun``'s operations
    (and transposing that again gives ``fun``).  ``residual_args`` are not differentiated.

    >>> def f(r, x): return x / r
    >>> def t(r, ct): return ct / r
    >>> def div_add(x, denom): return x + linear_call(f, t, denom, x)
    >>> div_add(9., 3.)
    Array(12., dtype=float32, weak_type=True)
    >>> zenax.linear_transpose(lambda x: div_add(x, 3.), 1.)(18.)
    (Array(24., dtype=float32, weak_type=True),)
    """
    res, res_tree = tree_flatten(residual_args)
    lin, lin_tree = tree_flatten(linear_args)
    box = {}

    def flat_fun(*xs):
        out = fun(tree_unflatten(res_tree, list(xs[:len(res)])),
                  tree_unflatten(lin_tree, list(xs[len(res):])))
        leaves, box["out_tree"] = tree_flatten(out)
        return leaves

    res_avals = [get_aval(x) for x in res]
    callee, consts = _stage(flat_fun, res_avals + [get_aval(x) for x in lin])
    out_tree, out_avals = box["out_tree"], list(callee.out_avals)

    def flat_transpose(*xs):
        cts_in = fun_transpose(tree_unflatten(res_tree, list(xs[:len(res)])),
                               tree_unflatten(out_tree, list(xs[len(res):])))
        leaves, tree = tree_flatten(cts_in)
        if tree != lin_tree:
            raise TypeError(f"linear_call: fun_transpose's output structure {tree} does not "
                            f"match the structure of linear_args, {lin_tree}.")
        return leaves

    def transpose_thunk():
        return _stage(flat_transpose, res_avals + out_avals)

    outs = bind(linear_call_p, *consts, *res, *lin, callee=callee,
                transpose_thunk=transpose_thunk, num_callee_consts=len(consts),
                num_res=len(res))
    return tree_unflatten(out_tree, list(outs))


def _stage(flat_fun: Callable, avals: list) -> tuple[ClosedJaxpr, list]:
    closed, _ = trace_to_jaxpr(flat_fun, avals)
    return closed_to_open(closed)


def _linear_call_jvp(primals, tangents, *, callee, transpose_thunk, num_callee_consts,
                     num_res):
    n = num_callee_consts + num_res
    if any(type(t) is not Zero for t in tangents[:n]):
        raise TypeError("linear_call: differentiation with respect to residual_args (or a "
                        "value fun closes over) is not supported; fun is only linear in "
                        "linear_args, so pass differentiated values there.")
    params = dict(callee=callee, transpose_thunk=transpose_thunk,
                  num_callee_consts=num_callee_consts, num_res=num_res)
    out = bind(linear_call_p, *primals, **params)
    if all(type(t) is Zero for t in tangents[n:]):
        return out, [Zero(tangent_aval(a)) for a in callee.out_avals]
    lin_dots = [zeros_like_aval(t.aval) if type(t) is Zero else t for t in tangents[n:]]
    t_out = bind(linear_call_p, *primals[:n], *lin_dots, **params)
    return out, t_out


def _linear_call_transpose(cts, *args, callee, transpose_thunk, num_callee_consts, num_res):
    f_consts = args[:num_callee_consts]
    res = args[num_callee_consts:num_callee_consts + num_res]
    t_callee, t_consts = transpose_thunk()
    cts = [zeros_like_aval(a) if type(c) is Zero else c
           for c, a in zip(cts, callee.out_avals)]
    cts_in = bind(linear_call_p, *t_consts, *res, *cts, callee=t_callee,
                  transpose_thunk=lambda: (callee, list(f_consts)),
                  num_callee_consts=len(t_consts), num_res=num_res)
    return [None] * (num_callee_consts + num_res) + list(cts_in)


def _linear_call_batch(args, dims, *, callee, transpose_thunk, num_callee_consts, num_res):
    # Batched operands move to axis 0 and every linear operand is batched, so the
    # transpose (cotangents batched at 0, like callee's outputs) returns cotangents laid
    # out as the linear operands are.
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    n = num_callee_consts + num_res
    args = [x if d is not_mapped and i < n else bdim_at_front(x, d, size)
            for i, (x, d) in enumerate(zip(args, dims))]
    dims = [not_mapped if d is not_mapped and i < n else 0 for i, d in enumerate(dims)]
    n_out = len(callee.out_avals)

    def batched_thunk(thunk, nonlinear_dims, n_lin):
        def batched():
            t_callee, t_consts = thunk()
            t_dims = [not_mapped] * len(t_consts) + list(nonlinear_dims) + [0] * n_lin
            return batch_jaxpr(t_callee, size, t_dims), t_consts
        return batched

    res_dims = dims[num_callee_consts:n]
    outs = bind(linear_call_p, *args, callee=batch_jaxpr(callee, size, dims),
                transpose_thunk=batched_thunk(transpose_thunk, res_dims, n_out),
                num_callee_consts=num_callee_consts, num_res=num_res)
    return outs, [0] * n_out


abstract_eval_rules[linear_call_p] = lambda *avals, callee, **_: list(callee.out_avals)
impl_rules[linear_call_p] = lambda *args, callee, **_: eval_closed(callee, *args)
lowering_rules[linear_call_p] = lambda *args, callee, **_: lower_jaxpr(
    callee.jaxpr, callee.consts, *args)
jvp_rules[linear_call_p] = _linear_call_jvp
transpose_rules[linear_call_p] = _linear_call_transpose
batch_rules[linear_call_p] = _linear_call_batch
