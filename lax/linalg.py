"""``zenax.lax.linalg``: the batched linear-algebra primitives and functions, as
``jax.lax.linalg`` names them.  Each family has its own module:

* ``linalg_triangular``: ``triangular_solve``, ``cholesky``;
* ``linalg_lu``: ``lu``, ``lu_pivots_to_permutation``;
* ``linalg_decompositions``: ``eigh``, ``svd``, ``qr`` (with ``geqrf``,
  ``householder_product``, ``ormqr``), ``eig``;
* ``linalg_structured``: ``tridiagonal_solve``, ``symmetric_product``,
  ``cholesky_update`` (and ``linalg_structured_primitives``: the last two's primitives);
* ``linalg_schur``: ``hessenberg``, ``schur``, ``tridiagonal``; ``linalg_qdwh``: ``qdwh``.

All are declared with :func:`~zenax.lax.linalg_family.linalg_primitive`, which gives the
abstract eval, lowering and batching rule every batched matrix primitive shares.
"""
from .linalg_decompositions import (EigImplementation, EighImplementation,  # noqa: F401
                                    SvdAlgorithm, eig, eig_p, eigh, eigh_p, geqrf, geqrf_p,
                                    householder_product, householder_product_p, ormqr,
                                    ormqr_p, qr, qr_p, svd, svd_p)
from .linalg_lu import (lu, lu_p, lu_pivots_to_permutation,  # noqa: F401
                        lu_pivots_to_permutation_p)
from .linalg_structured import (cholesky_update, symmetric_product,  # noqa: F401
                                tridiagonal_solve, tridiagonal_solve_p)
from .linalg_triangular import (cholesky, cholesky_p, triangular_solve,  # noqa: F401
                                triangular_solve_p)
from .linalg_schur import (hessenberg, hessenberg_p, schur, schur_p, tridiagonal,  # noqa: F401
                           tridiagonal_p)
from .linalg_qdwh import qdwh  # noqa: F401
from .linalg_structured_primitives import cholesky_update_p, symmetric_product_p  # noqa: F401
