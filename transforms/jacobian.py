"""Jacobians and Hessians: ``jacfwd`` (one jvp per input direction), ``jacrev`` (one vjp
per output direction), ``hessian`` (forward-over-reverse) and ``jacobian(mode="auto")``,
which picks the mode from the cost of the linearized program itself.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import get_aval
from zenax.tracer.ir import eval_jaxpr
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_map, tree_unflatten
from zenax.lax import shapes as sh
from zenax.lax.ad_util import instantiate, tangent_aval

from .autodiff import _normalize_argnums, _check_input_dtype, flatten_fun, vjp
from .cost import jaxpr_flops
from .jvp import jvp_flat
from .linearize import linearize_flat
from .transpose import backward_pass


def _stack(xs, shape):
    """Stack a list of arrays of one shape along a new leading axis, then reshape."""
    xs = [sh.broadcast_in_dim(x, (1,) + get_aval(x).shape,
                              tuple(range(1, 1 + get_aval(x).ndim))) for x in xs]
    return sh.reshape(sh.concatenate(xs, 0), shape)


def _basis(aval: ShapedArray):
    """The standard basis of ``aval``'s space, as concrete arrays."""
    eye = np.eye(aval.size, dtype=aval.dtype)
    return [row.reshape(aval.shape) for row in eye]


def _split_args(name, fun, argnums, args, kwargs):
    single, nums = _normalize_argnums(name, argnums, len(args))
    dyn = tuple(args[i] for i in nums)

    def f_partial(*dargs):
        full = list(args)
        for i, a in zip(nums, dargs):
            full[i] = a
        return fun(*full, **kwargs)
    return single, dyn, f_partial


def _jac_tree(out_tree, out_avals, in_tree, in_avals, blocks, single):
    """Arrange per-(output leaf, input leaf) blocks as JAX does: the output structure with,
    at each leaf, the input structure (a single array when argnums is an int)."""
    per_out = []
    for i in range(len(out_avals)):
        in_part = tree_unflatten(in_tree, [blocks[i][j] for j in range(len(in_avals))])
        per_out.append(in_part[0] if single else in_part)
    return tree_unflatten(out_tree, per_out)


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """Jacobian by forward mode: one jvp per input element.

    >>> zenax.jacfwd(jnp.sin)(jnp.zeros(3))    # identity matrix
    """
    @functools.wraps(fun)
    @api_boundary
    def jacfwd_f(*args, **kwargs):
        single, dyn, f_partial = _split_args("jacfwd", fun, argnums, args, kwargs)
        flat_in, in_tree = tree_flatten(dyn)
        for x in flat_in:
            _check_input_dtype("jacfwd", holomorphic, False, get_aval(x))
        flat_fun, box = flatten_fun(f_partial, in_tree, has_aux)
        in_avals = [get_aval(x) for x in flat_in]
        columns = []   # columns[j][k]: jvp outputs for input leaf j, basis vector k
        primals_out = None
        for j, aval in enumerate(in_avals):
            cols = []
            for e in _basis(aval):
                tangents = [e if jj == j else np.zeros(a.shape, a.dtype)
                            for jj, a in enumerate(in_avals)]
                primals_out, t_out = jvp_flat(flat_fun, flat_in, tangents)
                cols.append(t_out)
            columns.append(cols)
        if primals_out is None:
            primals_out = flat_fun(*flat_in)
        out_avals = [get_aval(p) for p in primals_out]
        blocks = [[_stack([cols[k][i] for k in range(len(cols))],
                          out_avals[i].shape + in_avals[j].shape) if cols else
                   np.zeros(out_avals[i].shape + in_avals[j].shape, out_avals[i].dtype)
                   for j, cols in enumerate(columns)] for i in range(len(out_avals))]
        # Stacking puts the input index first; move it after the output's axes.
        blocks = [[_move_input_axes(b, out_avals[i], in_avals[j])
                   for j, b in enumerate(row)] for i, row in enumerate(blocks)]
        jac = _jac_tree(box["tree"], out_avals, in_tree, in_avals, blocks, single)
        return (jac, box["aux"]) if has_aux else jac

    return jacfwd_f


def _move_input_axes(block, out_aval, in_aval):
    """``block`` was stacked as in_shape + out_shape; return out_shape + in_shape."""
    n_in, n_out = in_aval.ndim, out_aval.ndim
    if isinstance(block, np.ndarray):
        return block
    b = sh.reshape(block, in_aval.shape + out_aval.shape)
    perm = tuple(range(n_in, n_in + n_out)) + tuple(range(n_in))
    return sh.transpose(b, perm)


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False) -> Callable:
    """Jacobian by reverse mode: one vjp per output element.

    >>> zenax.jacrev(lambda x: x ** 2)(jnp.arange(3.0))   # diag(2x)
    """
    @functools.wraps(fun)
    @api_boundary
    def jacrev_f(*args, **kwargs):
        single, dyn, f_partial = _split_args("jacrev", fun, argnums, args, kwargs)
        for x in tree_flatten(dyn)[0]:
            _check_input_dtype("jacrev", holomorphic, allow_int, get_aval(x))
        if has_aux:
            out, f_vjp, aux = vjp(f_partial, *dyn, has_aux=True)
        else:
            out, f_vjp = vjp(f_partial, *dyn)
        flat_out, out_tree = tree_flatten(out)
        flat_in, in_tree = tree_flatten(dyn)
        out_avals = [get_aval(o) for o in flat_out]
        in_avals = [get_aval(x) for x in flat_in]
        rows = []   # rows[i][k]: flat input cotangents for output leaf i, basis vector k
        for i, aval in enumerate(out_avals):
            rs = []
            for e in _basis(aval):
                cts = [e if ii == i else np.zeros(a.shape, a.dtype)
                       for ii, a in enumerate(out_avals)]
                rs.append(tree_flatten(f_vjp(tree_unflatten(out_tree, cts)))[0])
            rows.append(rs)
        blocks = [[_stack([rows[i][k][j] for k in range(len(rows[i]))],
                          out_avals[i].shape + in_avals[j].shape) if rows[i] else
                   np.zeros(out_avals[i].shape + in_avals[j].shape, in_avals[j].dtype)
                   for j in range(len(in_avals))] for i in range(len(out_avals))]
        jac = _jac_tree(out_tree, out_avals, in_tree, in_avals, blocks, single)
        return (jac, aux) if has_aux else jac

    return jacrev_f


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable:
    """Hessian by forward-over-reverse: ``jacfwd(jacrev(fun))``."""
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)


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
             holomorphic: bool = False, mode: str = "auto") -> Callable:
    """The Jacobian of ``fun``, by ``mode`` = ``"fwd"``, ``"rev"`` or ``"auto"``.

    ``"auto"`` linearizes ``fun`` at the given point, counts the FLOPs of the linear jaxpr
    and of its transpose, and runs the mode with the smaller total cost
    (inputs x forward cost vs outputs x reverse cost).  The chosen mode is recorded on the
    returned function as ``.last_mode``.

    >>> J = zenax.jacobian(f, mode="auto")(x)
    """
    if mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"jacobian: mode must be 'auto', 'fwd' or 'rev', got {mode!r}.")

    @functools.wraps(fun)
    @api_boundary
    def jacobian_f(*args, **kwargs):
        chosen = mode
        if mode == "auto":
            _, dyn, f_partial = _split_args("jacobian", fun, argnums, args, kwargs)
            f_main = (lambda *a: f_partial(*a)[0]) if has_aux else f_partial
            costs = mode_costs(f_main, *dyn)
            chosen = "fwd" if costs["forward"] <= costs["reverse"] else "rev"
        jacobian_f.last_mode = chosen
        jac_fn = jacfwd if chosen == "fwd" else jacrev
        return jac_fn(fun, argnums, has_aux, holomorphic)(*args, **kwargs)

    jacobian_f.last_mode = None
    return jacobian_f
