"""The array surface of traced values: operators, methods and properties on ``Tracer``.

Inside a transformed function arrays are tracers, so ``x + 1``, ``x @ w``, ``x[1:]``,
``x.sum(0)``, ``x.T`` must work on :class:`zenax.tracer.core.Tracer`.  The core knows
nothing about NumPy semantics, so :func:`install` attaches them here, each one a thin
wrapper of the zenax.numpy function of the same meaning.

Binary operators return ``NotImplemented`` for operands that are not arrays (a list, a
string) so Python can try the other operand, as JAX's operators do.  A concrete NumPy
array or ``jax.Array`` on the left of a tracer also works: NumPy defers because
``Tracer.__array_ufunc__`` is None, and ``jax.Array``'s operators return NotImplemented
for types they do not know, so Python calls the tracer's reflected method.
"""
from __future__ import annotations


import numpy as np

from zenax.tracer import dtypes as _dtypes
from zenax.tracer.array_type import Array
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError

from . import (at, cumulative, diagonals, indexing, indexing_routines, logic, manipulation,
               products, reductions, shapes, sorting, ufuncs)
from .promotion import copy, is_arraylike


ndarray = Array   # jax.numpy.ndarray is jax.Array


# --------------------------------------------------------------------------- operators

def _binary(fun, reflected: bool = False):
    """An operator method; non-array operands make Python try the other operand."""
    if reflected:
        def method(self, other):
            return fun(other, self) if is_arraylike(other) else NotImplemented
    else:
        def method(self, other):
            return fun(self, other) if is_arraylike(other) else NotImplemented
    method.__name__ = fun.__name__
    return method


def _pow(self, other, modulo=None):
    """``x ** y`` (``pow(x, y, modulo)`` is not supported)."""
    if modulo is not None:
        raise NotImplementedError("pow() with a modulo argument is not supported.")
    return ufuncs.power(self, other) if is_arraylike(other) else NotImplemented


_BINARY_OPERATORS = {
    "add": ufuncs.add, "sub": ufuncs.subtract, "mul": ufuncs.multiply,
    "truediv": ufuncs.true_divide, "floordiv": ufuncs.floor_divide, "mod": ufuncs.remainder,
    "divmod": ufuncs.divmod, "pow": ufuncs.power, "matmul": products.matmul,
    "and": logic.bitwise_and, "or": logic.bitwise_or, "xor": logic.bitwise_xor,
    "lshift": logic.left_shift, "rshift": logic.right_shift,
}

_COMPARISONS = {
    "eq": logic.equal, "ne": logic.not_equal, "lt": logic.less, "le": logic.less_equal,
    "gt": logic.greater, "ge": logic.greater_equal,
}

_UNARY_OPERATORS = {
    "neg": ufuncs.negative, "pos": ufuncs.positive, "abs": ufuncs.absolute,
    "invert": logic.bitwise_not,
}


# --------------------------------------------------------------------------- methods

def _reshape(self, *args, order: str = "C", **kwargs):
    """``x.reshape(2, 3)`` and ``x.reshape((2, 3))``."""
    shape = kwargs.pop("shape", None)
    if shape is None:
        shape = args[0] if len(args) == 1 else args
    return shapes.reshape(self, shape, order, **kwargs)


def _transpose(self, *axes):
    """``x.transpose()``, ``x.transpose(1, 0)`` and ``x.transpose((1, 0))``."""
    if not axes or axes == (None,):
        return shapes.transpose(self)
    return shapes.transpose(self, axes[0] if len(axes) == 1 else axes)


def _astype(self, dtype, copy: bool = False, device=None):
    return ufuncs.astype(self, dtype)


def _round(self, decimals: int = 0, out=None):
    return ufuncs.round(self, decimals)


def _python_round(self, ndigits=None):
    """``round(x)`` gives integers, ``round(x, n)`` floats, as for jax.Array."""
    if ndigits is None:
        return ufuncs.astype(ufuncs.round(self), _dtypes.default_int_dtype())
    return ufuncs.round(self, ndigits)


def _clip(self, min=None, max=None, out=None):
    return ufuncs.clip(self, min, max)


def _copy(self, order=None):
    return copy(self, order)


def _concrete_or_error(self, what: str):
    value = self.to_concrete_value()
    if value is None:
        raise ConcretizationTypeError(
            self, f"The {what}() method needs the array's values, which are not known while "
                  "the function is being traced.\n")
    return value


def _item(self, *args):
    return np.asarray(_concrete_or_error(self, "item")).item(*args)


def _tolist(self):
    # As JAX: refused on every tracer (a list of Python numbers would drop derivatives).
    raise ConcretizationTypeError(
        self, "The tolist() method needs the array's values as Python numbers, which a "
              "traced array does not have.\n")


def _flatten(self, order: str = "C"):
    return shapes.ravel(self, order)


def _nbytes(self) -> int:
    return self.size * self.dtype.itemsize


def _compress(self, condition, axis=None, *, out=None, size=None, fill_value=0):
    """``x.compress(condition)`` is ``jnp.compress(condition, x)``."""
    return manipulation.compress(condition, self, axis=axis, out=out, size=size,
                                 fill_value=fill_value)


_METHODS = {
    # reductions
    "sum": reductions.sum, "prod": reductions.prod, "mean": reductions.mean,
    "max": reductions.max, "min": reductions.min, "all": reductions.all,
    "any": reductions.any, "argmax": reductions.argmax, "argmin": reductions.argmin,
    "var": reductions.var, "std": reductions.std, "ptp": reductions.ptp,
    "cumsum": cumulative.cumsum, "cumprod": cumulative.cumprod,
    # shapes
    "reshape": _reshape, "transpose": _transpose, "ravel": shapes.ravel,
    "flatten": _flatten, "squeeze": shapes.squeeze, "swapaxes": shapes.swapaxes,
    "repeat": shapes.repeat, "diagonal": diagonals.diagonal, "trace": diagonals.trace,
    # elementwise
    "astype": _astype, "clip": _clip, "round": _round, "conj": ufuncs.conjugate,
    "conjugate": ufuncs.conjugate, "copy": _copy, "dot": products.dot,
    # sorting, searching and selection (``self`` is the array operand)
    "sort": sorting.sort, "argsort": sorting.argsort, "argpartition": sorting.argpartition,
    "searchsorted": sorting.searchsorted, "nonzero": indexing_routines.nonzero,
    "take": indexing_routines.take, "choose": manipulation.choose, "compress": _compress,
    # concrete values
    "item": _item, "tolist": _tolist,
}

_PROPERTIES = {
    "at": at.at,
    "T": lambda self: shapes.transpose(self),
    "mT": lambda self: shapes.matrix_transpose(self),
    "real": lambda self: ufuncs.real(self),
    "imag": lambda self: ufuncs.imag(self),
    "itemsize": lambda self: self.dtype.itemsize,
    "nbytes": _nbytes,
}


def install(cls: type = Tracer) -> None:
    """Attach the operators, methods and properties above to ``cls`` (idempotent)."""
    for name, fun in _BINARY_OPERATORS.items():
        setattr(cls, f"__{name}__", _binary(fun))
        setattr(cls, f"__r{name}__", _binary(fun, reflected=True))
    for name, fun in _COMPARISONS.items():
        setattr(cls, f"__{name}__", _binary(fun))
    for name, fun in _UNARY_OPERATORS.items():
        setattr(cls, f"__{name}__", fun)
    setattr(cls, "__pow__", _pow)
    setattr(cls, "__round__", _python_round)
    setattr(cls, "__getitem__", indexing.getitem)
    for name, fun in _METHODS.items():
        setattr(cls, name, fun)
    for name, fun in _PROPERTIES.items():
        setattr(cls, name, property(fun))
