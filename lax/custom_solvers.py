"""Solvers with implicit derivatives: ``custom_linear_solve`` and ``custom_root``.

An iterative solver (a ``while_loop`` until the residual is small) has a derivative that
is better not taken by differentiating its iterations: reverse mode cannot go through an
unbounded loop, and even where it can, the derivative of the iterates is not the
derivative of the solution.  Both functions here define it at the solution instead.

``custom_linear_solve(matvec, b, solve)`` binds ``linear_solve_p``: ``x = A^-1 b`` where
``A`` is the linear map ``matvec`` and ``solve`` computes ``x`` any way it likes.  The
result is linear in ``b``, so its tangent is another solve: from ``A x = b``,
``x_dot = A^-1 (b_dot - A_dot x)``, ``A_dot x`` being the jvp of ``matvec`` in its
closed-over values; its transpose solves with the transposed map (``transpose_solve``
with ``vecmat``, or ``solve`` again when ``symmetric``).  The four functions are staged
into jaxprs when it is called, their closed-over values becoming leading operands.

``custom_root(f, initial_guess, solve, tangent_solve)`` returns ``solve(f, guess)``, a
root of ``f``, with the derivative the implicit function theorem gives: if
``f(p, u*(p)) = 0`` then ``u*_dot = -(d_u f)^-1 (d_p f . p_dot)``, where ``tangent_solve``
inverts ``d_u f`` (``f`` linearized at the root).  It is a ``custom_jvp`` function.

Staging ``vecmat`` (the transpose of ``matvec``) and ``f``'s linearization needs the
transforms, a layer above: ``zenax.transforms`` hands them down with
:func:`install_transforms` when it is imported.  The primitive's rules are in
``transforms/custom_solvers.py`` (DESIGN.md §2).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero
from zenax.tracer.core import Primitive, abstract_eval_rules, bind, get_aval
from zenax.tracer.ir import ClosedJaxpr, eval_jaxpr
from zenax.tracer.source_info import api_boundary, user_frame_str
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path, tree_structure,
                                    tree_unflatten)

from . import elementwise as ew
from .broadcasting import zeros_like_aval
from .control_flow import _abstractify, _check_avals, trace_fun
from .custom_derivatives import custom_jvp
from .registry import tangent_aval

__all__ = ["custom_linear_solve", "custom_root", "linear_solve_p"]

# custom_linear_solve(*consts, *b, const_lengths, jaxprs): x = solve(matvec, b), with the
# consts of matvec, vecmat, solve and transpose_solve leading, in that order.
linear_solve_p = Primitive("custom_linear_solve", multiple_results=True)


class _LinearSolveTuple(NamedTuple):
    """One entry per function of a linear solve (the jaxprs, or their consts' counts)."""
    matvec: Any
    vecmat: Any
    solve: Any
    transpose_solve: Any

    def transpose(self) -> "_LinearSolveTuple":
        """The same entries for the transposed system ``A^T y = c``."""
        return type(self)(self.vecmat, self.matvec, self.transpose_solve, self.solve)


def split_consts(args, const_lengths: NamedTuple):
    """``(consts per function, the rest)`` from flat operands whose leading ones are the
    functions' consts, counted by ``const_lengths`` (a ``_LinearSolveTuple`` or
    ``_RootTuple``, whose type the consts come back in)."""
    groups, start = [], 0
    for n in const_lengths:
        groups.append(list(args[start:start + n]))
        start += n
    return type(const_lengths)(*groups), list(args[start:])


# --------------------------------------------------------------------------- the transforms

_transforms: dict[str, Callable] = {}


def install_transforms(*, jvp_flat: Callable, linearize: Callable,
                       linear_transpose: Callable) -> None:
    """Give this layer the transforms it stages with (called once by ``zenax.transforms``):
    ``jvp_flat(fun, primals, tangents)``, and the public ``linearize`` and
    ``linear_transpose``."""
    _transforms.update(jvp_flat=jvp_flat, linearize=linearize,
                       linear_transpose=linear_transpose)


def _transform(name: str) -> Callable:
    if name not in _transforms:
        raise RuntimeError(f"custom_linear_solve and custom_root need zenax's {name}, which "
                           "zenax.transforms installs when imported: `import zenax` first.")
    return _transforms[name]


# --------------------------------------------------------------------------- output checks

def _check_tree(api: str, fun_name: str, expected_name: str, tree, expected_tree,
                has_aux: bool = False):
    """``fun_name``'s output structure must be ``expected_tree`` (a TypeError, as JAX);
    returns the structure of the solution part of the output."""
    if has_aux:
        children = tree.children()
        if len(children) != 2:
            raise ValueError(f"{api}: {fun_name}() produced a pytree with structure {tree}, "
                             "but a pytree tuple with auxiliary output was expected because "
                             "has_aux was set to True.")
        tree = children[0]
    if tree != expected_tree:
        raise TypeError(f"{api}: {fun_name}() output pytree structure must match "
                        f"{expected_name}, got {tree} and {expected_tree}.")
    return tree


def _checked(fun: Callable, name: str, b, has_aux: bool, check_dtype: bool) -> Callable:
    """``fun`` whose output leaves must have the shapes of ``b``'s (a ValueError naming
    ``name`` and the first leaf that differs, as JAX's) and, with ``check_dtype``, their
    dtypes (a TypeError: JAX leaves that to fail when compiled)."""
    b_paths = tree_flatten_with_path(b)[0]
    b_avals = [get_aval(x) for _, x in b_paths]

    def check(y):
        leaves = tree_flatten(y)[0]
        shapes, expected = [get_aval(x).shape for x in leaves], [a.shape for a in b_avals]
        if shapes != expected:
            where = next((f": its leaf {keystr(p)} has shape {s} where b{keystr(p)} has "
                          f"shape {a.shape}" for (p, _), s, a in zip(b_paths, shapes, b_avals)
                          if s != a.shape), "") if len(shapes) == len(expected) else ""
            raise ValueError(f"custom_linear_solve: {name}() output shapes must match b, got "
                             f"{shapes} and {expected}{where}.\n  (at {user_frame_str()})")
        for (p, _), x, a in zip(b_paths, leaves, b_avals):
            if check_dtype and get_aval(x).dtype != a.dtype:
                raise TypeError(f"custom_linear_solve: {name}() output dtypes must match b, "
                                f"but the leaf at b{keystr(p)} is {get_aval(x).dtype} where b "
                                f"is {a.dtype}: cast the solution with .astype(b.dtype)."
                                f"\n  (at {user_frame_str()})")

    def checked(x):
        out = fun(x)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise ValueError(f"custom_linear_solve: {name}() produced a "
                                 f"{type(out).__name__}, but a pair (solution, aux) was "
                                 "expected because has_aux was set to True.")
            check(out[0])
        else:
            check(out)
        return out

    return checked


# --------------------------------------------------------------------------- custom_linear_solve

def _linear_solve_abstract_eval(*args, const_lengths, jaxprs):
    params, b = split_consts(args, const_lengths)
    for name, j, consts in zip(_LinearSolveTuple._fields, jaxprs, params):
        if j is not None:
            _check_avals("custom_linear_solve", f"{name}'s input", j.in_avals, consts + b)
    _check_avals("custom_linear_solve", "solve's output", b, jaxprs.solve.out_avals[:len(b)])
    # The solution has b's types (weak types included); aux outputs are solve's own.
    return list(b) + list(jaxprs.solve.out_avals[len(b):])


abstract_eval_rules[linear_solve_p] = _linear_solve_abstract_eval


@api_boundary
def custom_linear_solve(matvec: Callable, b: Any, solve: Callable[[Callable, Any], Any],
                        transpose_solve: Callable[[Callable, Any], Any] | None = None,
                        symmetric: bool = False, has_aux: bool = False):
    """``solve(matvec, b)``, differentiated as the solution ``x`` of ``matvec(x) == b``
    rather than through ``solve``'s steps.

    ``matvec`` is the linear map ``A`` (any pytree ``b`` to one of the same structure);
    ``solve(matvec, b)`` returns ``x`` (and auxiliary data, with ``has_aux``);
    ``transpose_solve(vecmat, b)`` solves with the transposed map, which reverse mode
    needs unless ``symmetric=True`` (then ``solve`` serves for both).

    >>> A = jnp.array([[2., 1.], [1., 3.]])
    >>> solve = lambda matvec, b: jnp.linalg.solve(A, b)
    >>> lax.custom_linear_solve(lambda x: A @ x, jnp.array([3., 5.]), solve, symmetric=True)
    Array([0.8, 1.4], dtype=float32)
    """
    api = "custom_linear_solve"
    if transpose_solve is None and symmetric:
        transpose_solve = solve
    b_flat, tree = tree_flatten(b)
    b_avals = [_abstractify(x) for x in b_flat]
    arg_tree = tree_structure((b,))

    def stage(fun, name, aux, check_dtype):
        jaxpr, consts, out_tree = trace_fun(_checked(fun, name, b, aux, check_dtype),
                                            arg_tree, b_avals)
        _check_tree(api, name, "b", out_tree, tree, aux)
        return jaxpr, consts, out_tree

    matvec_jaxpr, matvec_consts, _ = stage(matvec, "matvec", False, False)
    solve_jaxpr, solve_consts, out_tree = stage(functools.partial(solve, matvec), "solve",
                                                has_aux, True)
    vecmat_jaxpr = tr_solve_jaxpr = None
    vecmat_consts, tr_solve_consts = [], []
    if transpose_solve is not None:
        if symmetric:
            vecmat, vecmat_jaxpr, vecmat_consts = matvec, matvec_jaxpr, matvec_consts
        else:
            # As JAX's: the transpose of matvec, at b, has one input.
            matvec_t = _transform("linear_transpose")(matvec, b)
            vecmat = lambda x: matvec_t(x)[0]
            vecmat_jaxpr, vecmat_consts, _ = stage(vecmat, "vecmat", False, False)
        tr_solve_jaxpr, tr_solve_consts, _ = stage(functools.partial(transpose_solve, vecmat),
                                                   "transpose_solve", has_aux, True)
    all_consts = _LinearSolveTuple(matvec_consts, vecmat_consts, solve_consts, tr_solve_consts)
    jaxprs = _LinearSolveTuple(matvec_jaxpr, vecmat_jaxpr, solve_jaxpr, tr_solve_jaxpr)
    outs = bind(linear_solve_p, *[c for cs in all_consts for c in cs], *b_flat,
                const_lengths=_LinearSolveTuple(*map(len, all_consts)), jaxprs=jaxprs)
    return tree_unflatten(out_tree, outs)


# --------------------------------------------------------------------------- custom_root

class _RootTuple(NamedTuple):
    f: Any
    solve: Any
    l_and_s: Any


def _run(closed: ClosedJaxpr, *args) -> list:
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def _custom_root_fun(const_lengths: _RootTuple, jaxprs: _RootTuple, *args):
    params, guess = split_consts(args, const_lengths)
    return _run(jaxprs.solve, *params.solve, *guess)


_custom_root = custom_jvp(_custom_root_fun, nondiff_argnums=(0, 1))


@_custom_root.defjvp
def _custom_root_jvp(const_lengths, jaxprs, primals, tangents):
    # f(p, u*(p)) = 0 near p, so d_p f . p_dot + d_u f . u*_dot = 0 and
    # u*_dot = -(d_u f)^-1 (d_p f . p_dot): one jvp of f in its closed-over values, then
    # tangent_solve with f linearized at the root.  The guess's tangent plays no part.
    params, _ = split_consts(primals, const_lengths)
    params_dot, _ = split_consts(tangents, const_lengths)
    # Calling the custom function again keeps the solution's own derivative (for higher
    # orders) implicit too.
    sol = _custom_root(const_lengths, jaxprs, *primals)
    n = len(jaxprs.f.out_avals)
    solution, aux = list(sol[:n]), list(sol[n:])
    params_dot_f = [t if dtypes.is_inexact(get_aval(p).dtype) else Zero(tangent_aval(get_aval(p)))
                    for p, t in zip(params.f, params_dot.f)]
    _, rhs = _transform("jvp_flat")(lambda *ps: _run(jaxprs.f, *ps, *solution),
                                    list(params.f), params_dot_f)
    solution_dot = [ew.neg(t) for t in _run(jaxprs.l_and_s, *params.l_and_s, *solution, *rhs)]
    return sol, solution_dot + [zeros_like_aval(tangent_aval(get_aval(a))) for a in aux]


@api_boundary
def custom_root(f: Callable, initial_guess: Any, solve: Callable[[Callable, Any], Any],
                tangent_solve: Callable[[Callable, Any], Any], has_aux: bool = False):
    """``solve(f, initial_guess)``, a root of ``f``, differentiated through the implicit
    function theorem rather than through ``solve``'s steps.

    Derivatives are taken with respect to the values ``f`` closes over.
    ``tangent_solve(g, y)`` must return ``x`` with ``g(x) == y``, ``g`` being ``f``
    linearized at the root (for a scalar root: ``lambda g, y: y / g(1.0)``).  With
    ``has_aux``, ``solve`` returns ``(root, aux)``.

    >>> def sqrt(a):
    ...     newton = lambda f, x0: lax.fori_loop(0, 20, lambda i, x: x - f(x) / (2 * x), x0)
    ...     return lax.custom_root(lambda x: x ** 2 - a, 1.0, newton, lambda g, y: y / g(1.0))
    >>> print(zenax.grad(sqrt)(4.0))      # 1 / (2 sqrt(4))
    0.25
    """
    api = "custom_root"
    guess_flat, guess_tree = tree_flatten(initial_guess)
    guess_avals = [_abstractify(x) for x in guess_flat]
    f_jaxpr, f_consts, f_tree = trace_fun(f, tree_structure((initial_guess,)), guess_avals)
    _check_tree(api, "f", "initial_guess", f_tree, guess_tree)
    solve_jaxpr, solve_consts, out_tree = trace_fun(
        functools.partial(solve, f), tree_structure((initial_guess,)), guess_avals)
    _check_tree(api, "solve", "initial_guess", out_tree, guess_tree, has_aux)
    linearize = _transform("linearize")

    def linearize_and_solve(x, y):
        _, f_jvp = linearize(f, x)
        return tangent_solve(f_jvp, y)

    l_and_s_jaxpr, l_and_s_consts, ls_tree = trace_fun(
        linearize_and_solve, tree_structure((initial_guess, initial_guess)), guess_avals * 2)
    _check_tree(api, "tangent_solve", "x", ls_tree, guess_tree)
    consts = _RootTuple(f_consts, solve_consts, l_and_s_consts)
    jaxprs = _RootTuple(f_jaxpr, solve_jaxpr, l_and_s_jaxpr)
    outs = _custom_root(_RootTuple(*map(len, consts)), jaxprs, *[c for cs in consts for c in cs],
                        *guess_flat)
    return tree_unflatten(out_tree, outs)
