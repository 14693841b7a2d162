"""The public autodiff API: ``jvp``, ``linearize``, ``vjp``, ``grad``, ``value_and_grad``.

These wrap the flat machinery (``jvp.py``, ``linearize.py``, ``transpose.py``) with
pytrees, argument checking and JAX's error messages.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero
from zenax.tracer.avals import is_python_scalar
from zenax.tracer.arguments import (arg_leaf_names, check_callable, check_leaves, check_outputs,
                                    is_valid_leaf, wraps)
from zenax.tracer.core import bind, current_trace, eval_trace, get_aval
from zenax.tracer.ir import ClosedJaxpr, eval_jaxpr
from zenax.tracer.source_info import api_boundary
from zenax.tracer.tree_util import Partial, register_pytree_node, tree_flatten, tree_unflatten
from zenax.lax import elementwise as el
from zenax.lax import shapes as sh
from zenax.lax.registry import tangent_aval

from .jvp import jvp_flat
from .linearize import linearize_flat
from .transpose import backward_pass


def flatten_fun(fun: Callable, in_tree, has_aux: bool = False, name: str = "transform"):
    """``fun`` on pytrees -> a function on flat lists.

    The output tree lands in ``box["tree"]``.  With ``has_aux``, the auxiliary data's
    leaves are appended to the flat outputs (so they leave the transform as ordinary
    outputs, not as leaked tracers); ``box["n_out"]`` counts the main outputs and
    :func:`split_aux` rebuilds the aux value.  ``name`` (the public function) is for
    error messages.
    """
    box = {}

    def flat_fun(*flat_args):
        out = fun(*tree_unflatten(in_tree, flat_args))
        aux_leaves = []
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{name} with has_aux=True requires the function to return a "
                                "pair (output, auxiliary data), but it returned a "
                                f"{type(out).__name__}: return (output, aux).")
            out, aux = out
            aux_leaves, box["aux_tree"] = tree_flatten(aux)
            # Leaves that are not arrays (a string, a function) pass beside the transform,
            # as JAX's do: only arrays can be a transform's outputs.
            box["aux_static"] = {i: x for i, x in enumerate(aux_leaves)
                                 if not is_valid_leaf(x)}
            aux_leaves = [x for i, x in enumerate(aux_leaves) if i not in box["aux_static"]]
        flat, box["tree"] = tree_flatten(out)
        check_outputs(name, out, flat)
        box["n_out"] = len(flat)
        return flat + aux_leaves
    return flat_fun, box


def split_aux(box, flat_outs):
    """``(main outputs, aux value or None)`` from a flat function's outputs."""
    n = box["n_out"]
    if "aux_tree" not in box:
        return flat_outs[:n], None
    arrays, static = iter(flat_outs[n:]), box["aux_static"]
    leaves = [static[i] if i in static else next(arrays)
              for i in range(box["aux_tree"].num_leaves)]
    return flat_outs[:n], tree_unflatten(box["aux_tree"], leaves)


def _full(aval, value):
    """A new array of ``aval``'s shape and dtype filled with ``value``.  It binds
    broadcast_in_dim even for scalars (as JAX's zeros do), so what the public functions
    return is a jax.Array (or a tracer), never a NumPy scalar."""
    operand = np.array(value, aval.dtype)
    if aval.weak_type:      # grad of a weakly typed output is weak too, as in JAX
        operand = bind(el.convert_element_type_p, operand, new_dtype=aval.dtype, weak_type=True)
    return bind(sh.broadcast_in_dim_p, operand, shape=aval.shape, broadcast_dimensions=())


def _seed(aval):
    """The cotangent 1 of a scalar output, weakly typed when the output is.  While
    tracing it is a constant -- a literal in the staged program, as in JAX's."""
    if current_trace() is eval_trace:
        return _full(aval, 1)
    if aval.weak_type:
        return complex(1) if dtypes.is_complex(aval.dtype) else 1.0
    return np.array(1, aval.dtype)


def _instantiate(t):
    return _full(t.aval, 0) if type(t) is Zero else t


def _float0_zeros(aval):
    return np.zeros(aval.shape, dtypes.float0)


def check_args(fname: str, fun: Callable, args: Sequence, what: str = "") -> None:
    """Every leaf of ``args`` (``fun``'s positional arguments) is an array; else a
    TypeError naming the argument (``what`` prefixes the name, e.g. "primal ")."""
    check_leaves(fname, tree_flatten(tuple(args))[0],
                 lambda: [what + n for n in arg_leaf_names(fun, args)])


def _check_tangent(fname, p, t):
    pa, ta = get_aval(p), get_aval(t)
    if pa.shape != ta.shape:
        raise ValueError(f"{fname}: primal and tangent arguments must have the same shape; "
                         f"got primal shape {pa.shape} and tangent shape {ta.shape}.")
    if dtypes.is_inexact(pa.dtype) and ta.dtype != pa.dtype:
        raise TypeError(f"{fname}: primal and tangent arguments must have equal types; got "
                        f"primal dtype {pa.dtype} and tangent dtype {ta.dtype}.")
    if not dtypes.is_inexact(pa.dtype) and ta.dtype != dtypes.float0:
        raise TypeError(f"{fname}: the tangent of an integer or boolean primal must have "
                        f"dtype float0 (it has no derivative), as in JAX; got primal dtype "
                        f"{pa.dtype} and tangent dtype {ta.dtype}. Pass "
                        "np.zeros(shape, jax.dtypes.float0).")


@api_boundary
def jvp(fun: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """Forward mode: ``(fun(*primals), J(primals) @ tangents)``.

    >>> y, y_dot = zenax.jvp(jnp.sin, (0.5,), (1.0,))   # y_dot == cos(0.5)
    """
    check_callable("jvp", fun)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primal and tangent arguments must be tuples or lists; found "
                        f"{type(primals).__name__} and {type(tangents).__name__}.")
    check_args("jvp", fun, primals, "primal ")
    flat_p, tree_p = tree_flatten(tuple(primals))
    flat_t, tree_t = tree_flatten(tuple(tangents))
    if tree_p != tree_t:
        raise TypeError(f"jvp: primal and tangent arguments must have the same tree structure;"
                        f" primals have tree structure {tree_p} whereas tangents have tree "
                        f"structure {tree_t}.")
    tangents_in = []
    for p, t in zip(flat_p, flat_t):
        _check_tangent("jvp", p, t)
        aval = get_aval(p)
        tangents_in.append(t if dtypes.is_inexact(aval.dtype) else Zero(tangent_aval(aval)))
    flat_fun, box = flatten_fun(lambda *a: fun(*a), tree_p, has_aux, "jvp")
    p_out, t_out = jvp_flat(flat_fun, flat_p, tangents_in, instantiate_zeros=False)
    p_out, aux = split_aux(box, p_out)
    t_out = [_float0_zeros(get_aval(p)) if not dtypes.is_inexact(get_aval(p).dtype)
             else _tangent_out(p, _instantiate(t)) for p, t in zip(p_out, t_out)]
    out = (tree_unflatten(box["tree"], p_out), tree_unflatten(box["tree"], t_out))
    return out + (aux,) if has_aux else out


def _tangent_out(p, t):
    """A Python-scalar tangent that a primitive passed through (``x + 1``'s, for a tangent
    given as ``1.0``) comes out an array typed like its primal, as JAX's; one passed
    straight from input to output (``lambda x: x``) stays as given, as in JAX."""
    if is_python_scalar(t) and not is_python_scalar(p):
        return _full(get_aval(p), t)
    return t


@api_boundary
def linearize(fun: Callable, *primals, has_aux: bool = False):
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` evaluates the linearized
    function (a staged jaxpr, so repeated calls skip the primal work).  ``f_jvp`` is a
    :class:`~zenax.tree_util.Partial` holding the residuals, so it can be passed into and
    returned from ``jit``.

    >>> y, f_jvp = zenax.linearize(jnp.sin, 0.5)
    >>> y_dot = f_jvp(1.0)              # == cos(0.5)
    """
    check_callable("linearize", fun)
    check_args("linearize", fun, primals)
    flat_p, tree_p = tree_flatten(primals)
    flat_fun, box = flatten_fun(fun, tree_p, has_aux, "linearize")
    avals = [tangent_aval(get_aval(p)) for p in flat_p]
    p_out, linear = linearize_flat(flat_fun, flat_p, avals, n_out=lambda: box["n_out"])
    p_out, aux = split_aux(box, p_out)
    out_tree = box["tree"]
    # The residuals are the Partial's children (pytree leaves); the jaxpr and the trees
    # are its static function.
    f_jvp = Partial(functools.partial(_linearized_jvp, linear.jaxpr, tree_p, out_tree,
                                      tuple(avals)), *linear.consts)
    f_jvp.jaxpr = linear
    out = (tree_unflatten(out_tree, p_out), f_jvp)
    return out + (aux,) if has_aux else out


@api_boundary
def _linearized_jvp(jaxpr, in_tree, out_tree, avals, *residuals_and_tangents):
    """The function ``linearize`` returns: tangents in, output tangents out."""
    n_res = len(jaxpr.constvars)
    residuals, tangents = residuals_and_tangents[:n_res], residuals_and_tangents[n_res:]
    flat_t, tree_t = tree_flatten(tangents)
    if tree_t != in_tree:
        raise TypeError(f"linearize: the linearized function expects tangents with tree "
                        f"structure {in_tree}, got {tree_t}.")
    for t, a in zip(flat_t, avals):
        ta = get_aval(t)
        if ta.shape != a.shape or (dtypes.is_inexact(a.dtype) and ta.dtype != a.dtype):
            raise ValueError("linearize: the linearized function was called on tangent "
                             "values inconsistent with the original primal values: got "
                             f"a tangent of type {ta.str_short()} where {a.str_short()} "
                             "was expected (tangents match their primals in shape and "
                             "dtype).")
    return tree_unflatten(out_tree, eval_jaxpr(jaxpr, list(residuals), *flat_t))


class _VJPFunction:
    """The ``f_vjp`` returned by :func:`vjp`: maps output cotangents to input cotangents.

    It is a pytree whose leaves are the residuals (as JAX's), so it can be passed into and
    returned from ``jit``."""

    def __init__(self, linear, in_tree, out_tree, in_avals, out_avals):
        self.jaxpr = linear
        self.in_tree, self.out_tree = in_tree, out_tree
        self.in_avals, self.out_avals = tuple(in_avals), tuple(out_avals)

    @api_boundary
    def __call__(self, *cts):
        ct = cts[0] if len(cts) == 1 else cts
        flat_ct, tree = tree_flatten(ct)
        if tree != self.out_tree:
            raise ValueError(f"vjp: unexpected tree structure: the cotangent must have the "
                             f"structure of the primal output, {self.out_tree}; got {tree}.")
        for c, a in zip(flat_ct, self.out_avals):
            ca = get_aval(c)
            # Integer and boolean outputs take any cotangent (it is ignored), as in JAX.
            if ca.shape != a.shape or (dtypes.is_inexact(a.dtype) and ca.dtype != a.dtype):
                raise ValueError(f"vjp: unexpected type for a cotangent: got "
                                 f"{ca.str_short()}, but the corresponding output of the "
                                 f"differentiated function has type {a.str_short()} (shape "
                                 f"{a.shape}); cotangents must match it in shape and dtype.")
        cts_in = backward_pass(self.jaxpr.jaxpr, self.jaxpr.consts, list(flat_ct))
        cts_in = [_float0_zeros(a) if not dtypes.is_inexact(a.dtype) else
                  _instantiate(c) for c, a in zip(cts_in, self.in_avals)]
        return tree_unflatten(self.in_tree, cts_in)


register_pytree_node(
    _VJPFunction,
    lambda f: (f.jaxpr.consts, (f.jaxpr.jaxpr, f.in_tree, f.out_tree, f.in_avals,
                                f.out_avals)),
    lambda aux, residuals: _VJPFunction(ClosedJaxpr(aux[0], list(residuals)), *aux[1:]))


def partial_over(fun: Callable, args: Sequence, argnums: Sequence[int], **kwargs) -> Callable:
    """``fun`` as a function of the arguments ``argnums`` picks, the others fixed to
    ``args``'s (and ``kwargs``)."""
    def f_partial(*dargs):
        full = list(args)
        for i, a in zip(argnums, dargs):
            full[i] = a
        return fun(*full, **kwargs)
    return f_partial


@api_boundary
def vjp(fun: Callable, *primals, has_aux: bool = False, reduce_axes: Sequence = ()):
    """Reverse mode: ``(fun(*primals), f_vjp)``; ``f_vjp(ct)`` returns a tuple of
    cotangents, one per primal argument.

    >>> y, f_vjp = zenax.vjp(jnp.sin, 0.5)
    >>> (x_bar,) = f_vjp(1.0)        # == cos(0.5)
    """
    check_callable("vjp", fun)
    _check_reduce_axes("vjp", reduce_axes)
    check_args("vjp", fun, primals)
    return _vjp("vjp", fun, primals, has_aux)


def _check_reduce_axes(name: str, reduce_axes) -> None:
    # JAX removed ``reduce_axes`` (summing cotangents over named axes); it keeps the
    # parameter only to reject a non-empty value, and ``grad``'s message serves both.
    if reduce_axes:
        raise NotImplementedError(f"reduce_axes argument to {name} is deprecated")


def _vjp(name: str, fun: Callable, primals, has_aux: bool):
    """``vjp``; errors name the public function (``name``) the user called."""
    flat_p, tree_p = tree_flatten(primals)
    flat_fun, box = flatten_fun(fun, tree_p, has_aux, name)
    in_avals = [tangent_aval(get_aval(p)) for p in flat_p]
    p_out, linear = linearize_flat(flat_fun, flat_p, in_avals, n_out=lambda: box["n_out"])
    p_out, aux = split_aux(box, p_out)
    out_avals = [get_aval(p) for p in p_out]
    f_vjp = _VJPFunction(linear, tree_p, box["tree"], in_avals, out_avals)
    out = (tree_unflatten(box["tree"], p_out), f_vjp)
    return out + (aux,) if has_aux else out


def input_dtype_error(name, holomorphic, allow_int, aval) -> str | None:
    """Why reverse mode (``name``) cannot differentiate an input of type ``aval``, or None.
    The message has a ``{what}`` slot for the argument's name."""
    if holomorphic:
        if not dtypes.is_complex(aval.dtype):
            return (f"{name} with holomorphic=True requires inputs with complex dtype, but got "
                    f"{aval.dtype.name} for {{what}}.")
    elif not dtypes.is_inexact(aval.dtype) and not allow_int:
        return (f"{name} requires real- or complex-valued inputs (input dtype that is a "
                f"sub-dtype of np.inexact), but got {aval.dtype.name} for {{what}}. If you want "
                "to use Integer-valued inputs, use vjp or set allow_int to True.")
    return None


def check_diff_args(name: str, fun: Callable, args: Sequence, nums: Sequence[int],
                    dtype_error: Callable) -> None:
    """The differentiated arguments ``args[i] for i in nums`` must be arrays whose dtypes
    ``name`` can differentiate (``dtype_error(aval)`` says why not, or None).  Errors name
    the argument: ``argument params['w']``."""
    leaves = tree_flatten(tuple(args[i] for i in nums))[0]
    names = lambda: arg_leaf_names(fun, args, nums)  # noqa: E731  (only on error)
    check_leaves(name, leaves, names)
    for k, leaf in enumerate(leaves):
        problem = dtype_error(get_aval(leaf))
        if problem is not None:
            raise TypeError(problem.format(what=names()[k]))


def _check_output(name, holomorphic, aval):
    if aval.shape != ():
        raise TypeError(f"{name} only defined for scalar-output functions. Output had shape: "
                        f"{aval.shape}. (Use zenax.jacrev / zenax.jacfwd / zenax.vjp for "
                        "non-scalar outputs.)")
    if holomorphic:
        if not dtypes.is_complex(aval.dtype):
            raise TypeError(f"{name} with holomorphic=True requires outputs with complex "
                            f"dtype, but got {aval.dtype.name}.")
    elif not dtypes.is_float(aval.dtype):
        raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype"
                        f" of np.floating), but got {aval.dtype.name}. For holomorphic "
                        "differentiation, pass holomorphic=True. For differentiating "
                        "non-holomorphic functions involving complex outputs, use zenax.vjp "
                        "directly.")


def _normalize_argnums(name, argnums, nargs):
    """``(single, argnums)`` with negative entries made positive.  As in JAX, an index past
    the end is a TypeError (the caller passed too few arguments) and one before the start
    a ValueError."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise ValueError(f"{name}: argnums must be a non-empty int or tuple of ints.")
    for a in nums:
        if not isinstance(a, int):
            raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {a!r}.")
        if a < -nargs:
            raise ValueError(f"{name}: argnums={argnums} is out of bounds for a function "
                             f"called with {nargs} positional arguments (the smallest valid "
                             f"negative index is {-nargs}).")
    if max(nums) >= nargs:
        raise TypeError(f"{name}: differentiating with respect to argnums={argnums} requires "
                        f"at least {max(nums) + 1} positional arguments to be passed by the "
                        f"caller, but got only {nargs} positional arguments.")
    return single, tuple(a % nargs for a in nums)


@api_boundary
def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False,
                   reduce_axes: Sequence = ()) -> Callable:
    """Like :func:`grad`, but returns ``(fun(*args), gradient)``.

    >>> loss, grads = zenax.value_and_grad(loss_fn)(params, batch)
    """
    _check_reduce_axes("grad", reduce_axes)
    return _value_and_grad("value_and_grad", fun, argnums, has_aux, holomorphic, allow_int)


def _value_and_grad(name, fun, argnums, has_aux, holomorphic, allow_int):
    """``value_and_grad``; errors name the public function (``name``) the user called."""
    check_callable(name, fun)

    @wraps(fun)
    @api_boundary
    def value_and_grad_f(*args, **kwargs):
        single, nums = _normalize_argnums(name, argnums, len(args))
        diff_args = tuple(args[i] for i in nums)
        check_diff_args(name, fun, args, nums,
                        lambda aval: input_dtype_error(name, holomorphic, allow_int, aval))

        f_partial = partial_over(fun, args, nums, **kwargs)
        if has_aux:
            ans, f_vjp, aux = _vjp(name, f_partial, diff_args, has_aux=True)
        else:
            ans, f_vjp = _vjp(name, f_partial, diff_args, has_aux=False)
        ans_leaves = tree_flatten(ans)[0]
        if len(ans_leaves) != 1 or ans_leaves[0] is not ans:
            raise TypeError(f"{name} only defined for scalar-output functions, but the "
                            f"function returned a {type(ans).__name__} with "
                            f"{len(ans_leaves)} leaves; return a scalar array.")
        aval = get_aval(ans)
        _check_output(name, holomorphic, aval)
        grads = f_vjp(_seed(aval))
        g = grads[0] if single else grads
        return ((ans, aux), g) if has_aux else (ans, g)

    return value_and_grad_f


@api_boundary
def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False,
         reduce_axes: Sequence = ()) -> Callable:
    """The gradient of a scalar function, as a function: ``grads = grad(loss)(params)``.

    ``argnums`` picks the argument(s) to differentiate (an int gives one gradient, a tuple
    gives a tuple); ``has_aux`` lets ``fun`` return ``(loss, aux)``.

    >>> zenax.grad(lambda x: x ** 3)(2.0)
    Array(12., dtype=float32, weak_type=True)
    """
    _check_reduce_axes("grad", reduce_axes)
    vg = _value_and_grad("grad", fun, argnums, has_aux, holomorphic, allow_int)

    @wraps(fun)
    @api_boundary
    def grad_f(*args, **kwargs):
        if has_aux:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux
        return vg(*args, **kwargs)[1]

    return grad_f
