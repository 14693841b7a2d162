"""``einsum``: Einstein summation over any number of operands.

The subscripts are parsed into one list of axis labels per operand (ellipsis axes get
right-aligned labels, so they broadcast like NumPy dimensions). Each operand then has its
repeated labels collapsed to diagonals and its private labels summed out, and the
operands are contracted pairwise from left to right with ``dot_general``, a shared label
staying a batch dim while a later operand or the output still needs it.

``einsum_path`` reports the contraction order opt_einsum would choose (JAX's and NumPy's
answer); ``einsum`` itself accepts a path as ``optimize`` but keeps its left-to-right order.
"""
from __future__ import annotations

import builtins

import opt_einsum

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .diagonals import diagonal
from .products import _finish
from .promotion import (ArrayLike, DTypeLike, aval_of, canonical_dtype, check_arraylike,
                        dtype_of, ensure_array, promote_dtypes, shape_of)


_ELLIPSIS = "..."


def _is_label(ch: str) -> bool:
    """Any character but einsum's punctuation names an axis, digits included, as in JAX
    (Flax's grouped-query attention writes ``'...kh1d'``)."""
    return ch not in ".,->" and not ch.isspace()


def _parse_term(term: str, ndim: int, operand_index: int) -> list[str]:
    """Labels of one operand's axes; ellipsis axes get labels ``'...k'`` aligned at the
    right so that they broadcast like NumPy dimensions."""
    if term.count(_ELLIPSIS) > 1:
        raise ValueError(f"einsum: more than one ellipsis in '{term}'.")
    for ch in term.replace(_ELLIPSIS, ""):
        if not _is_label(ch):
            raise ValueError(f"einsum: invalid subscript character {ch!r} in '{term}'.")
    if _ELLIPSIS not in term:
        if len(term) != ndim:
            raise ValueError(f"einsum: operand {operand_index} has {ndim} dimensions but its "
                             f"subscripts '{term}' name {len(term)} (at {user_frame_str()}).")
        return list(term)
    left, right = term.split(_ELLIPSIS)
    n_ellipsis = ndim - len(left) - len(right)
    if n_ellipsis < 0:
        raise ValueError(f"einsum: operand {operand_index} has {ndim} dimensions, too few "
                         f"for subscripts '{term}'.")
    return list(left) + [f"...{-n_ellipsis + i}" for i in range(n_ellipsis)] + list(right)


def _ellipsis_rank(labels: list[str]) -> int:
    return len([l for l in labels if l.startswith(_ELLIPSIS)])


def _parse_einsum(subscripts: str, shapes) -> tuple[list[list[str]], list[str]]:
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, rhs = subscripts.split("->")
    else:
        lhs, rhs = subscripts, None
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts '{subscripts}' name {len(terms)} operands, but "
                         f"{len(shapes)} were given (at {user_frame_str()}).")
    inputs = [_parse_term(t, len(s), i) for i, (t, s) in enumerate(zip(terms, shapes))]
    ellipsis_rank = builtins.max([0] + [_ellipsis_rank(labels) for labels in inputs])
    ellipsis_labels = [f"...{-ellipsis_rank + i}" for i in range(ellipsis_rank)]
    if rhs is None:
        counts: dict[str, int] = {}
        for labels in inputs:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        output = ellipsis_labels + sorted(l for l, c in counts.items()
                                          if c == 1 and not l.startswith(_ELLIPSIS))
    else:
        if rhs.count(_ELLIPSIS) > 1:
            raise ValueError(f"einsum: more than one ellipsis in output '{rhs}'.")
        left, _, right = rhs.partition(_ELLIPSIS)
        output = list(left) + (ellipsis_labels if _ELLIPSIS in rhs else []) + list(right)
        known = {l for labels in inputs for l in labels}
        for label in output:
            if not label.startswith(_ELLIPSIS) and (not _is_label(label) or label not in known):
                raise ValueError(f"einsum: output subscript '{label}' does not appear in the "
                                 f"inputs '{lhs}' (at {user_frame_str()}).")
        if len(set(output)) != len(output):
            raise ValueError(f"einsum: output subscripts '{rhs}' repeat a label.")
    return inputs, output


def _label_sizes(inputs, shapes) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for i, (labels, shape) in enumerate(zip(inputs, shapes)):
        for label, size in zip(labels, shape):
            known = sizes.get(label)
            if known is None or known == 1 and label.startswith(_ELLIPSIS):
                sizes[label] = size
            elif size != known and not (size == 1 and label.startswith(_ELLIPSIS)):
                name = "an ellipsis dimension" if label.startswith(_ELLIPSIS) else \
                    f"subscript '{label}'"
                raise ValueError(f"einsum: {name} has size {known} in one operand and "
                                 f"{size} in operand {i} (at {user_frame_str()}).")
    return sizes


def _take_diagonals(x, labels: list[str]):
    """Collapse repeated labels of one operand (``'ii->i'``) to their diagonal."""
    while len(set(labels)) != len(labels):
        label = next(l for l in labels if labels.count(l) > 1)
        i = labels.index(label)
        j = labels.index(label, i + 1)
        x = diagonal(x, 0, i, j)
        labels = [l for k, l in enumerate(labels) if k not in (i, j)] + [label]
    return x, labels


def _reduce_labels(x, labels: list[str], drop: set):
    axes = tuple(i for i, l in enumerate(labels) if l in drop)
    if not axes:
        return x, labels
    reducer = lax.reduce_or if _dtypes.is_bool(dtype_of(x)) else lax.reduce_sum
    return reducer(x, axes), [l for l in labels if l not in drop]


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_to_labels(sublist) -> str:
    out = []
    for label in sublist:
        if label is Ellipsis:
            out.append("...")
        elif isinstance(label, int) and 0 <= label < len(_LETTERS):
            out.append(_LETTERS[label])
        else:
            raise TypeError(f"einsum: sublist labels must be integers in [0, {len(_LETTERS)}) "
                            f"or Ellipsis, got {label!r} (at {user_frame_str()}).")
    return "".join(out)


def _interleaved_to_subscripts(first, rest: tuple) -> tuple[str, tuple]:
    """``einsum(x, [0, 1], y, [1, 2], [0, 2])`` -> ``("ab,bc->ac", (x, y))``."""
    args = (first,) + tuple(rest)
    output = None
    if len(args) % 2:
        args, output = args[:-1], args[-1]
    operands, sublists = args[0::2], args[1::2]
    subscripts = ",".join(_sublist_to_labels(s) for s in sublists)
    if output is not None:
        subscripts += "->" + _sublist_to_labels(output)
    return subscripts, operands


def einsum(subscripts: str, /, *operands: ArrayLike, out=None, optimize="auto",
           precision=None, preferred_element_type: DTypeLike | None = None,
           _dot_general=None, out_sharding=None):
    """Einstein summation: ``jnp.einsum('bij,bjk->bik', x, y)``.

    Supports explicit (``->``) and implicit outputs, ellipses, repeated labels (traces and
    diagonals) and any number of operands, contracted pairwise from left to right.  The
    interleaved form ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` (integer labels, ``...``)
    is NumPy's other spelling of the same.

    >>> jnp.einsum('ij,j->i', jnp.ones((2, 3)), jnp.arange(3.0))
    Array([3., 3.], dtype=float32)
    >>> jnp.einsum(jnp.arange(3), (0,), jnp.arange(3), (0,))
    Array(5, dtype=int32)
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _interleaved_to_subscripts(subscripts, operands)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
    if not operands:
        raise ValueError("einsum: at least one operand is required.")
    check_arraylike("einsum", *operands)
    weak = preferred_element_type is None and builtins.all(
        aval_of(x).weak_type for x in operands)
    operands = [ensure_array(x) for x in promote_dtypes(*operands)]
    dtype = (dtype_of(operands[0]) if preferred_element_type is None
             else canonical_dtype(preferred_element_type))
    shapes = [shape_of(x) for x in operands]
    inputs, output = _parse_einsum(subscripts, shapes)
    sizes = _label_sizes(inputs, shapes)

    # 1. Per operand: broadcast size-1 ellipsis dims, take diagonals, sum private labels.
    prepared = []
    for k, (x, labels) in enumerate(zip(operands, inputs)):
        target = tuple(sizes[l] for l in labels)
        if shape_of(x) != target:
            x = lax.broadcast_in_dim(x, target, tuple(range(len(target))))
        x, labels = _take_diagonals(x, labels)
        elsewhere = set(output).union(*[set(l) for i, l in enumerate(inputs) if i != k])
        x, labels = _reduce_labels(x, labels, set(labels) - elsewhere)
        prepared.append((x, labels))

    # 2. Contract left to right; a shared label is a batch dim while still needed later.
    acc, acc_labels = prepared[0]
    for k in range(1, len(prepared)):
        x, labels = prepared[k]
        needed_later = set(output).union(*[set(l) for _, l in prepared[k + 1:]])
        shared = [l for l in acc_labels if l in labels]
        batch = [l for l in shared if l in needed_later]
        contract = [l for l in shared if l not in needed_later]
        dims = ((tuple(acc_labels.index(l) for l in contract),
                 tuple(labels.index(l) for l in contract)),
                (tuple(acc_labels.index(l) for l in batch),
                 tuple(labels.index(l) for l in batch)))
        acc = lax.dot_general(acc, x, dims, precision, dtype)
        acc_labels = (batch + [l for l in acc_labels if l not in shared]
                      + [l for l in labels if l not in shared])

    # 3. Order the axes as the output asks.
    acc, acc_labels = _reduce_labels(acc, acc_labels, set(acc_labels) - set(output))
    acc = lax.transpose(acc, tuple(acc_labels.index(l) for l in output))
    if len(prepared) == 1 and dtype_of(acc) != dtype:
        acc = lax.convert_element_type(acc, dtype)
    return _finish(acc, dtype, weak)


class _LeftToRight(opt_einsum.paths.PathOptimizer):
    """The path of ``optimize=False``: contract the first two operands, then the result
    with the next one, and so on."""

    def __call__(self, inputs, output, size_dict, memory_limit=None):
        return [(0, 1)] * (len(inputs) - 1)


def einsum_path(subscripts, /, *operands, optimize: bool | str | list = "auto"):
    """The contraction order for ``einsum(subscripts, *operands)`` and a printable report
    of its cost, computed by opt_einsum without running the contraction.

    ``optimize`` is an opt_einsum strategy (``"auto"``, ``"greedy"``, ``"optimal"``, ...),
    an explicit path, ``True`` (``"optimal"``) or ``False`` (left to right).

    >>> x, y, z = jnp.ones((2, 3)), jnp.ones((3, 4)), jnp.ones((4, 5))
    >>> path, info = jnp.einsum_path("ij,jk,kl", x, y, z, optimize="optimal")
    >>> path
    [(0, 1), (0, 1)]
    """
    if isinstance(optimize, bool):
        optimize = "optimal" if optimize else _LeftToRight()
    return opt_einsum.contract_path(subscripts, *operands, optimize=optimize)
