"""zenax.scipy.cluster.vq: ``vq``, vector quantisation against a code book.

Every observation's distance to every code is one broadcast difference and a norm; the
nearest code's distance is then picked out by index (not taken as a minimum), so its
derivative flows to that one code even where two codes tie -- as JAX's does.
"""
from __future__ import annotations

import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, ensure_array, ndim_of,
                                     promote_dtypes_inexact, shape_of)
from zenax.tracer.source_info import user_frame_str

__all__ = ["vq"]


def vq(obs: ArrayLike, code_book: ArrayLike, check_finite: bool = True):
    """The index of the nearest code (Euclidean distance) in ``code_book`` for each
    observation in ``obs``, and that distance: ``(code, dist)``, both of shape ``(M,)``.

    ``obs`` is ``(M, N)`` and ``code_book`` ``(K, N)``; 1-D inputs are taken as scalar
    observations and codes.  ``check_finite`` is accepted and ignored.

    >>> obs = jnp.array([[0., 1.], [4., 4.5]])
    >>> codes = jnp.array([[0., 0.], [4., 4.], [9., 9.]])
    >>> zenax.scipy.cluster.vq.vq(obs, codes)
    (Array([0, 1], dtype=int32), Array([1. , 0.5], dtype=float32))
    """
    del check_finite   # nothing to check on an accelerator without a host round trip
    check_arraylike("vq", obs, code_book)
    obs, code_book = (ensure_array(a) for a in promote_dtypes_inexact(obs, code_book))
    if ndim_of(obs) != ndim_of(code_book):
        raise ValueError(f"vq: obs and code_book must have the same rank, got shapes "
                         f"{shape_of(obs)} and {shape_of(code_book)} (at {user_frame_str()}).")
    if ndim_of(obs) == 1:
        obs, code_book = jnp.expand_dims(obs, -1), jnp.expand_dims(code_book, -1)
    if ndim_of(obs) != 2:
        raise ValueError(f"vq: obs and code_book must be 1- or 2-dimensional, got shapes "
                         f"{shape_of(obs)} and {shape_of(code_book)} (at {user_frame_str()}).")
    diff = jnp.subtract(jnp.expand_dims(obs, 1), jnp.expand_dims(code_book, 0))
    dist = jnp.linalg.norm(diff, axis=-1)
    code = jnp.argmin(dist, axis=-1)
    nearest = jnp.take_along_axis(dist, jnp.expand_dims(code, -1), axis=-1)
    return code, jnp.squeeze(nearest, -1)
