"""Jacobians and Hessians: ``jacfwd`` (one jvp per input direction), ``jacrev`` (one vjp
per output direction), ``hessian`` (forward-over-reverse) and ``jacobian(mode="auto")``,
which picks the mode from the cost of the linearized program itself.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.arguments import check_callable
from zenax.tracer.core import get_aval
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_unflatten
from zenax.lax import elementwise as ew
from zenax.lax import shapes as sh
from zenax.lax.broadcasting import instantiate
from zenax.lax.registry import tangent_aval

from .autodiff import (_full, _normalize_argnums, _vjp, check_diff_args, flatten_fun,
                       input_dtype_error, partial_over, split_aux)
from .cost import jaxpr_flops
from .jvp import jvp_flat
from .linearize import linearize_flat
from .transpose import backward_pass
from .vmap import vmap_flat


def _split_args(name, fun, argnums, args, kwargs, dtype_error=None):
    """``(single, differentiated args, fun of them)``; with ``dtype_error`` (see
    ``check_diff_args``), the differentiated arguments are checked first."""
    single, nums = _normalize_argnums(name, argnums, len(args))
    if dtype_error is not None:
        check_diff_args(name, fun, args, nums, dtype_error)
    return single, tuple(args[i] for i in nums), partial_over(fun, args, nums, **kwargs)


def _jacfwd_input_error(caller, holomorphic, aval) -> str | None:
    """Why forward mode cannot differentiate an input of type ``aval``, or None (a message
    with a ``{what}`` slot, as ``input_dtype_error``).  ``caller``: the public function
    (hessian runs jacfwd; the message says so, as JAX's does)."""
    of = "" if caller == "jacfwd" else f" of {caller}"
    if holomorphic:
        problem = input_dtype_error("jacfwd", True, False, aval)
        return problem and problem.replace("{what}", "{what}" + of)
    if not dtypes.is_float(aval.dtype):
        return (f"jacfwd requires real-valued inputs (input dtype that is a sub-dtype of "
                f"np.floating), but got {aval.dtype.name} for {{what}}{of}. For holomorphic "
                "differentiation, pass holomorphic=True. For differentiation of "
                "non-holomorphic functions involving complex inputs or integer inputs, use "
                "zenax.jvp directly.")
    return None


def _check_output_dtype(name, holomorphic, aval):
    """Holomorphic Jacobians need complex outputs; reverse mode without it, real ones."""
    if holomorphic and not dtypes.is_complex(aval.dtype):
        raise TypeError(f"{name} with holomorphic=True requires outputs with complex dtype, "
                        f"but got {aval.dtype.name}.")
    if name == "jacrev" and not holomorphic and dtypes.is_complex(aval.dtype):
        raise TypeError("jacrev requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but got {aval.dtype.name}. For holomorphic "
                        "differentiation, pass holomorphic=True. For differentiation of "
                        "non-holomorphic functions involving complex outputs, use zenax.vjp "
                        "directly.")


def _jac_tree(out_tree, out_avals, in_tree, in_avals, blocks, single):
    """Arrange per-(output leaf, input leaf) blocks as JAX does: the output structure with,
    at each leaf, the input structure (a single array when argnums is an int)."""
    per_out = []
    for i in range(len(out_avals)):
        in_part = tree_unflatten(in_tree, [blocks[i][j] for j in range(len(in_avals))])
        per_out.append(in_part[0] if single else in_part)
    return tree_unflatten(out_tree, per_out)


def _std_basis(avals):
    """The identity of the flattened space of ``avals``, split per leaf: leaf j gets an
    array of shape (n_total,) + aval_j.shape."""
    n = sum(a.size for a in avals)
    # Built with lax ops, not NumPy: under jit the identity is computed inside the program,
    # where XLA fuses it into its consumer, instead of being an n x n constant argument.
    rows, cols = (sh.broadcasted_iota(np.int32, (n, n), d) for d in (0, 1))
    is_diagonal = ew.eq(rows, cols)
    out, start = [], 0
    for a in avals:
        block = is_diagonal if a.size == n else sh.slice_in_dim(is_diagonal, start,
                                                                start + a.size, 1, 1)
        block = ew._convert_element_type(block, a.dtype)
        out.append(sh.reshape(block, (n,) + a.shape))
        start += a.size
    return out


def _split_rows(x, avals, other_shape, rows_first: bool):
    """Split a batched result of shape (n_total,) + other_shape along axis 0 into one block
    per leaf of ``avals``; each block gets shape other_shape + aval.shape (rows_first=False)
    or aval.shape + other_shape (rows_first=True)."""
    blocks, start = [], 0
    k = len(other_shape)
    for a in avals:
        b = sh.slice_in_dim(x, start, start + a.size, 1, 0)
        b = sh.reshape(b, a.shape + tuple(other_shape))
        if not rows_first:
            perm = tuple(range(a.ndim, a.ndim + k)) + tuple(range(a.ndim))
            b = sh.transpose(b, perm)
        blocks.append(b)
        start += a.size
    return blocks


@api_boundary
def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """Jacobian by forward mode: ``vmap`` of ``jvp`` over the standard basis of the inputs.

    >>> zenax.jacfwd(jnp.sin)(jnp.zeros(3))    # identity matrix
    """
    check_callable("jacfwd", fun)

    @functools.wraps(fun)
    @api_boundary
    def jacfwd_f(*args, **kwargs):
        single, dyn, f_partial = _split_args(
            "jacfwd", fun, argnums, args, kwargs,
            lambda aval: _jacfwd_input_error("jacfwd", holomorphic, aval))
        flat_in, in_tree = tree_flatten(dyn)
        flat_fun, box = flatten_fun(f_partial, in_tree, has_aux, "jacfwd")
        in_avals = [get_aval(x) for x in flat_in]
        basis = _std_basis(in_avals)
        out_box = {}

        def push(*tangents):
            primals_out, t_out = jvp_flat(flat_fun, flat_in, list(tangents))
            n_out = box["n_out"]
            out_box["out_avals"] = [get_aval(p) for p in primals_out[:n_out]]
            # Auxiliary outputs do not depend on the tangents: returned unmapped.
            return list(t_out[:n_out]) + list(primals_out[n_out:])

        n = len(flat_in)
        outs = vmap_flat(push, basis[0].shape[0] if basis else 0, None, [0] * n, basis,
                         lambda k: [0] * box["n_out"] + [None] * (k - box["n_out"]))
        t_out, aux = split_aux(box, outs)
        out_avals = out_box["out_avals"]
        for a in out_avals:
            _check_output_dtype("jacfwd", holomorphic, a)
        # blocks[i][j]: d out_i / d in_j, of shape out_i.shape + in_j.shape
        blocks = [_split_rows(t, in_avals, a.shape, rows_first=False)
                  for t, a in zip(t_out, out_avals)]
        jac = _jac_tree(box["tree"], out_avals, in_tree, in_avals, blocks, single)
        return (jac, aux) if has_aux else jac

    return jacfwd_f


@api_boundary
def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False) -> Callable:
    """Jacobian by reverse mode: ``vmap`` of the vjp over the standard basis of the outputs.

    >>> zenax.jacrev(lambda x: x ** 2)(jnp.arange(3.0))   # diag(2x)
    """
    check_callable("jacrev", fun)

    @functools.wraps(fun)
    @api_boundary
    def jacrev_f(*args, **kwargs):
        single, dyn, f_partial = _split_args(
            "jacrev", fun, argnums, args, kwargs,
            lambda aval: input_dtype_error("jacrev", holomorphic, allow_int, aval))
        if has_aux:
            out, f_vjp, aux = _vjp("jacrev", f_partial, dyn, has_aux=True)
        else:
            out, f_vjp = _vjp("jacrev", f_partial, dyn, has_aux=False)
        flat_out, out_tree = tree_flatten(out)
        flat_in, in_tree = tree_flatten(dyn)
        out_avals = [get_aval(o) for o in flat_out]
        in_avals = [get_aval(x) for x in flat_in]
        for a in out_avals:
            _check_output_dtype("jacrev", holomorphic, a)
        basis = _std_basis(out_avals)
        # Integer inputs (allow_int) get zero blocks of their own dtype, as in JAX; only
        # the others are batched.
        inexact = [j for j, a in enumerate(in_avals) if dtypes.is_inexact(a.dtype)]

        def pull(*cts):
            flat = tree_flatten(f_vjp(tree_unflatten(out_tree, list(cts))))[0]
            return [flat[j] for j in inexact]

        cts_in = vmap_flat(pull, basis[0].shape[0] if basis else 0, None,
                           [0] * len(flat_out), basis, lambda k: [0] * k)
        # per_in[j][i]: d out_i / d in_j, of shape out_i.shape + in_j.shape
        per_in = {j: _split_rows(c, out_avals, in_avals[j].shape, rows_first=True)
                  for j, c in zip(inexact, cts_in)}
        blocks = [[per_in[j][i] if j in per_in else
                   _full(in_avals[j].update(shape=out_avals[i].shape + in_avals[j].shape), 0)
                   for j in range(len(in_avals))] for i in range(len(out_avals))]
        jac = _jac_tree(out_tree, out_avals, in_tree, in_avals, blocks, single)
        return (jac, aux) if has_aux else jac

    return jacrev_f


@api_boundary
def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable:
    """Hessian by forward-over-reverse: ``jacfwd(jacrev(fun))``.

    >>> zenax.hessian(lambda x: jnp.sum(x ** 3))(jnp.arange(3.0))   # diag(6x)
    """
    check_callable("hessian", fun)
    hess = jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)

    @functools.wraps(fun)
    @api_boundary
    def hessian_f(*args, **kwargs):
        _split_args("hessian", fun, argnums, args, kwargs,
                    lambda aval: _jacfwd_input_error("hessian", holomorphic, aval))
        return hess(*args, **kwargs)

    return hessian_f


def mode_costs(fun: Callable, *args) -> dict:
    """FLOPs of computing the full Jacobian of ``fun`` at ``args`` by each mode.

    Forward mode runs the linearized jaxpr once per input element; reverse mode runs its
    transpose once per output element.  Both jaxprs are built and counted, so the choice
    reflects the program (e.g. a cheap wide layer after an expensive one), not only the
    input and output sizes.
    """
    flat_in, in_tree = tree_flatten(args)
    flat_fun, box = flatten_fun(fun, in_tree)
    in_avals = [tangent_aval(get_aval(x)) for x in flat_in]
    primals_out, linear = linearize_flat(flat_fun, flat_in, in_avals)
    out_avals = [tangent_aval(get_aval(p)) for p in primals_out]
    backward, _ = trace_to_jaxpr(
        lambda *cts: [instantiate(c) for c in backward_pass(linear.jaxpr, linear.consts,
                                                            list(cts))], out_avals)
    n_in = sum(a.size for a in in_avals)
    n_out = sum(a.size for a in out_avals)
    fwd_flops, rev_flops = jaxpr_flops(linear), jaxpr_flops(backward)
    return {"forward": n_in * max(fwd_flops, 1), "reverse": n_out * max(rev_flops, 1),
            "linear_flops": fwd_flops, "transpose_flops": rev_flops,
            "n_in": n_in, "n_out": n_out}


def jacobian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
             holomorphic: bool = False, allow_int: bool = False,
             mode: str = "auto") -> Callable:
    """The Jacobian of ``fun``, by ``mode`` = ``"fwd"``, ``"rev"`` or ``"auto"``.

    ``allow_int`` lets integer inputs through, with zero (``float0``) blocks, as
    ``jacrev``'s does; forward mode has no such option, so it implies reverse mode.

    ``"auto"`` linearizes ``fun`` at the given point, counts the FLOPs of the linear jaxpr
    and of its transpose, and runs the mode with the smaller total cost (inputs x forward
    cost vs outputs x reverse cost; reverse on a tie).  The chosen mode is recorded on
    the returned function as ``.last_mode``.

    >>> J = zenax.jacobian(f, mode="auto")(x)
    """
    if mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"jacobian: mode must be 'auto', 'fwd' or 'rev', got {mode!r}.")

    @functools.wraps(fun)
    @api_boundary
    def jacobian_f(*args, **kwargs):
        chosen = "rev" if allow_int else mode
        if chosen == "auto":
            _, dyn, f_partial = _split_args("jacobian", fun, argnums, args, kwargs)
            f_main = (lambda *a: f_partial(*a)[0]) if has_aux else f_partial
            costs = mode_costs(f_main, *dyn)
            # A tie (square Jacobians of most programs) goes to reverse mode: it yields
            # the Jacobian's rows, already in its [out, in] layout, where forward mode
            # yields columns to be transposed (measured 2.6x slower at 4096 x 4096).
            chosen = "fwd" if costs["forward"] < costs["reverse"] else "rev"
        jacobian_f.last_mode = chosen
        if chosen == "fwd":
            return jacfwd(fun, argnums, has_aux, holomorphic)(*args, **kwargs)
        return jacrev(fun, argnums, has_aux, holomorphic, allow_int)(*args, **kwargs)

    jacobian_f.last_mode = None
    return jacobian_f
