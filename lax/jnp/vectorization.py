"""vectorize: NumPy's generalized-ufunc wrapper, built on zenax.vmap.

``jnp.vectorize(f, signature="(n),(n)->()")`` calls ``f`` on the *core* dimensions of its
arguments (the trailing ones the signature names; none without a signature) and maps it
over the leading, broadcast ones -- with one ``vmap`` per broadcast dimension, not a Python
loop.  An argument whose size along a broadcast dimension is 1 is not mapped there (its
``in_axes`` entry is None), so primitives with cheaper rules for unbatched operands keep
them, and nothing is materialized at the full broadcast shape.

``vmap`` is a transform, a layer above this one (DESIGN.md §2), so this module does not
import it: ``zenax.transforms`` hands it down with :func:`install_vmap` when it is
imported, as ``tracer.leaks`` hands ``tracer.core`` its hook.
"""
from __future__ import annotations

import functools
import re
from typing import Callable, Collection, Sequence

from zenax.tracer.source_info import user_frame_str

from .promotion import asarray, broadcast_shapes, shape_of
from .shapes import expand_dims, squeeze

__all__ = ["vectorize"]

_vmap: Callable | None = None


def install_vmap(vmap: Callable) -> None:
    """Give this layer the ``vmap`` transform (called once by ``zenax.transforms``)."""
    global _vmap
    _vmap = vmap


def batching_transform() -> Callable:
    """The installed ``vmap`` (for :func:`vectorize` and ``jnp.fromfunction``)."""
    if _vmap is None:
        raise RuntimeError("zenax.numpy.vectorize needs zenax.vmap, which zenax.transforms "
                           "installs when imported: `import zenax` first.")
    return _vmap


# The grammar of a gufunc signature: "(m,n),(n)->(m)".
_DIM = r"\w+"
_CORE_DIMS = rf"\((?:{_DIM}(?:,{_DIM})*)?\)"
_CORE_DIMS_LIST = rf"{_CORE_DIMS}(?:,{_CORE_DIMS})*"
_SIGNATURE = re.compile(rf"^{_CORE_DIMS_LIST}->{_CORE_DIMS_LIST}$")

CoreDims = tuple[str, ...]


def parse_signature(signature: str) -> tuple[list[CoreDims], list[CoreDims]]:
    """``"(m,n),(n)->(m)"`` -> ``([("m", "n"), ("n",)], [("m",)])``."""
    if not _SIGNATURE.match(signature):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}; "
                         "expected one like '(m,n),(n)->(m)'.")
    inputs, outputs = ([tuple(re.findall(_DIM, group))
                        for group in re.findall(_CORE_DIMS, side)]
                       for side in signature.split("->"))
    return inputs, outputs


def _record_core_sizes(sizes: dict[str, int], shape: tuple, core_dims: CoreDims,
                       context: Callable[[], str], *, is_input: bool) -> None:
    """Check ``shape``'s core dimensions against the sizes seen so far, adding new ones."""
    if is_input and len(shape) < len(core_dims):
        raise ValueError(f"vectorize: input with shape {shape} does not have enough "
                         f"dimensions for all core dimensions {core_dims} {context()}")
    if not is_input and len(shape) != len(core_dims):
        raise ValueError(f"vectorize: output shape {shape} does not match core dimensions "
                         f"{core_dims} {context()}")
    core_shape = shape[len(shape) - len(core_dims):]
    for dim, size in zip(core_dims, core_shape):
        if sizes.setdefault(dim, size) != size:
            raise ValueError(f"vectorize: inconsistent size for core dimension {dim!r}: "
                             f"{size} vs {sizes[dim]} {context()}")


def _checking_outputs(func: Callable, sizes: dict[str, int], output_core_dims,
                      context: Callable[[], str]) -> Callable:
    """``func``, checking that its outputs have the core dimensions of the signature."""
    def checked(*args):
        out = func(*args)
        if len(output_core_dims) > 1 and not isinstance(out, tuple):
            raise TypeError(f"vectorize: the function must return a tuple when the signature "
                            f"has {len(output_core_dims)} outputs, got {out!r} {context()}")
        outs = out if isinstance(out, tuple) else (out,)
        if len(outs) != len(output_core_dims):
            raise TypeError(f"vectorize: wrong number of outputs: the signature has "
                            f"{len(output_core_dims)}, the function returned {len(outs)} "
                            f"{context()}")
        seen = dict(sizes)
        for x, core_dims in zip(outs, output_core_dims):
            _record_core_sizes(seen, shape_of(x), core_dims, context, is_input=False)
        return out
    return checked


def _bind_positions(func: Callable, positions: Collection, args: Sequence
                    ) -> tuple[Callable, list]:
    """``func`` with the arguments at ``positions`` bound, and the arguments left to map."""
    fixed = [(i, args[i]) for i in sorted(p for p in positions if isinstance(p, int))
             if i < len(args)]
    if not fixed:
        return func, list(args)

    def bound(*mapped_args):
        full = list(mapped_args)
        for i, value in fixed:
            full.insert(i, value)
        return func(*full)
    return bound, [x for i, x in enumerate(args) if i not in positions]


def vectorize(pyfunc: Callable, *, excluded: Collection[int | str] = frozenset(),
              signature: str | None = None) -> Callable:
    """Vectorize ``pyfunc`` with NumPy broadcasting, mapping it with ``vmap``.

    Without ``signature`` the function sees scalars; with a gufunc signature such as
    ``"(n),(n)->()"`` it sees the named trailing (core) dimensions, and is mapped over the
    broadcast leading ones.  Positions or keywords in ``excluded`` are passed unmapped, and
    so are all keyword arguments (JAX drops those not in ``excluded``).

    >>> dot = jnp.vectorize(jnp.dot, signature="(n),(n)->()")
    >>> dot(jnp.ones((2, 3)), jnp.arange(3.0))
    Array([3., 3.], dtype=float32)
    """
    if any(not isinstance(e, (str, int)) for e in excluded):
        raise TypeError("vectorize: excluded may hold only argument positions (int) and "
                        f"keyword names (str), got excluded={excluded!r}")
    if any(isinstance(e, int) and e < 0 for e in excluded):
        raise ValueError(f"vectorize: excluded={excluded!r} contains negative positions")

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        def context() -> str:   # for error messages only
            return (f"on vectorized function with excluded={excluded!r} and "
                    f"signature={signature!r} (at {user_frame_str()})")
        func = functools.partial(pyfunc, **kwargs) if kwargs else pyfunc
        func, args = _bind_positions(func, excluded, args)
        if signature is None:
            input_core_dims, output_core_dims = [()] * len(args), None
        else:
            input_core_dims, output_core_dims = parse_signature(signature)
        # None arguments are passed through as they are (a scalar core only).
        nones = {i for i, x in enumerate(args) if x is None}
        if nones:
            if any(input_core_dims[i] != () for i in nones if i < len(input_core_dims)):
                raise ValueError(f"vectorize: cannot pass None at positions {sorted(nones)} "
                                 f"with signature={signature!r}")
            func, args = _bind_positions(func, nones, args)
            input_core_dims = [d for i, d in enumerate(input_core_dims) if i not in nones]
        args = [asarray(x) for x in args]
        if len(args) != len(input_core_dims):
            raise TypeError(f"vectorize: wrong number of positional arguments: expected "
                            f"{len(input_core_dims)}, got {len(args)} {context()}")
        sizes: dict[str, int] = {}
        loop_shapes = []
        for x, core_dims in zip(args, input_core_dims):
            _record_core_sizes(sizes, shape_of(x), core_dims, context, is_input=True)
            loop_shapes.append(shape_of(x)[:len(shape_of(x)) - len(core_dims)])
        loop_shape = broadcast_shapes(*loop_shapes)
        if output_core_dims is not None:
            func = _checking_outputs(func, sizes, output_core_dims, context)
        return _map_over_loop_dims(func, args, loop_shapes, loop_shape)

    return wrapped


def _map_over_loop_dims(func: Callable, args: list, loop_shapes: list, loop_shape: tuple):
    """Apply ``func`` over the broadcast (loop) dimensions with one vmap per dimension;
    arguments of size 1 there are squeezed and left unmapped."""
    vmap = batching_transform()
    squeezed = [squeeze(x, tuple(i for i, n in enumerate(s) if n == 1)) if 1 in s else x
                for x, s in zip(args, loop_shapes)]
    # Right-align each argument's loop shape with the broadcast one; walk from the last.
    padded = [(1,) * (len(loop_shape) - len(s)) + s for s in loop_shapes]
    mapped = func
    unmapped_dims = []
    for dim in reversed(range(len(loop_shape))):
        in_axes = tuple(None if s[dim] == 1 else 0 for s in padded)
        if all(a is None for a in in_axes):
            unmapped_dims.append(dim)   # every argument has size 1 here: restored below
        else:
            mapped = vmap(mapped, in_axes)
    out = mapped(*squeezed)
    if not unmapped_dims:
        return out
    dims = tuple(sorted(unmapped_dims))
    if isinstance(out, tuple):
        return tuple(expand_dims(x, dims) for x in out)
    return expand_dims(out, dims)
